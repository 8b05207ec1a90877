/*
 * cmp_constraints: the hardware constraint tables of Akida-class devices (akida-facts.md §3),
 * as data, and the check of a model against a mesh.
 *
 * One table row per (IP version, layer type) states what the hardware accepts: input sizes
 * and channels, kernel sizes, strides (and which kernels allow stride 2), padding, pooling,
 * input / weight / activation bit widths, HRC filter limits, fully connected input limits.
 * cmp_check() lists every incompatibility of every layer as {layer, rule, actual value};
 * the mapper sends the layers with a violation to software (or fails with hw_only).
 * The tables and rule names are documented in docs/constraints.md.
 */
#ifndef CMP_CONSTRAINTS_H
#define CMP_CONSTRAINTS_H

#include <stddef.h>
#include <stdint.h>

#include "mesh/mesh.h"
#include "npu/npu_err.h"
#include "npu/npu_model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One incompatibility. */
typedef struct cmp_violation {
    uint32_t layer;   /* model layer index */
    char rule[32];    /* rule name, e.g. "kernel_size" (docs/constraints.md) */
    char actual[64];  /* the offending value, e.g. "4x4" */
    char allowed[96]; /* what the device accepts, e.g. "1, 3, 5, 7" */
} cmp_violation;

typedef struct cmp_violations {
    size_t n;         /* number of violations */
    size_t cap;       /* allocated entries */
    cmp_violation *v; /* owned array */
} cmp_violations;

/* Checks every layer of a finalized model against the mesh's IP version tables; appends
 * one entry per violated rule. NPU_OK even when violations are found (err only for
 * out-of-memory). */
npu_status cmp_check(const npu_model *m, const mesh_desc *mesh, cmp_violations *out, npu_err *err);

/* Same for a single layer. */
npu_status cmp_check_layer(const npu_model *m, uint32_t layer, const mesh_desc *mesh,
                           cmp_violations *out, npu_err *err);

void cmp_violations_free(cmp_violations *v);

#ifdef __cplusplus
}
#endif

#endif /* CMP_CONSTRAINTS_H */
