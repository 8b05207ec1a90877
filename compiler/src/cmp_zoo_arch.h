/*
 * cmp_zoo_arch: internal description of a zoo architecture, shared by the zoo's files.
 *
 * An architecture is a flat list of abstract layers (input conv, conv, separable conv,
 * dense) in Akida 1.0 naming; cmp_zoo.c turns it into Akida 1.0 or 2.0 layers.
 */
#ifndef CMP_ZOO_ARCH_H
#define CMP_ZOO_ARCH_H

#include <stdbool.h>
#include <stdint.h>

#include "cmp/cmp_zoo.h"

#define CMP_ZOO_MAX_LAYERS 40

typedef enum cmp_zoo_kind {
    CMP_ZL_INPUT_CONV = 0, /* image input convolution (HRC) */
    CMP_ZL_CONV,           /* standard convolution */
    CMP_ZL_SEP,            /* separable convolution (v2: depthwise + pointwise) */
    CMP_ZL_DENSE,          /* fully connected */
} cmp_zoo_kind;

typedef struct cmp_zoo_layer {
    char name[32];      /* layer name (seed naming) */
    cmp_zoo_kind kind;  /* abstract kind */
    uint32_t k;         /* square kernel size */
    uint32_t filters;   /* filters / units */
    uint32_t stride;    /* kernel stride */
    npu_pool_type pool; /* none, max 2x2 (stride 2) or global average */
    bool activation;    /* false for the output layer */
} cmp_zoo_layer;

typedef struct cmp_zoo_arch {
    npu_shape input;                     /* model input (x, y, c) */
    uint32_t def_weight_bits;            /* default hidden weight bits */
    uint32_t def_act_bits;               /* default activation bits */
    uint32_t n;                          /* number of layers */
    cmp_zoo_layer l[CMP_ZOO_MAX_LAYERS]; /* layers in order */
} cmp_zoo_arch;

/* Fills the architecture of zoo model `name`; NPU_ERR_INPUT when unknown or bad options. */
npu_status cmp_zoo_arch_of(const char *name, const cmp_zoo_opts *o, cmp_zoo_arch *a, npu_err *err);

#endif /* CMP_ZOO_ARCH_H */
