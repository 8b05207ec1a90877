/*
 * cmp_zoo: builders of the model-zoo architectures (akida-facts.md §5, seed 000) as finalized
 * npu_models with seeded synthetic weights.
 *
 * Models: akidanet, mobilenet, ds_cnn_kws, ds_cnn_cifar10, vgg_cifar10, vgg_utk_face,
 * gxnor_mnist; Akida 1.0 layers (InputConvolutional, Convolutional, SeparableConvolutional,
 * FullyConnected) or 2.0 layers (InputConv2D, Conv2D, DepthwiseConv2D + pointwise Conv2D,
 * Dense1D). Weights come from a splitmix64 stream of the seed (no global state). Thresholds
 * (v1) or bias / output scale / shift (v2) are calibrated layer by layer with the golden model
 * on seeded random inputs so that hidden layers fire with about the requested density. The
 * "no weights" variant keeps zero weights and neutral parameters (mapping only; fast).
 */
#ifndef CMP_ZOO_H
#define CMP_ZOO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "npu/npu_err.h"
#include "npu/npu_model.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cmp_zoo_opts {
    double alpha;           /* width multiplier (akidanet, mobilenet); default 1.0 */
    uint32_t input_size;    /* input rows/cols (square models; KWS: x only); 0 = default */
    uint32_t classes;       /* output classes; 0 = the model's default */
    uint32_t weight_bits;   /* hidden-layer weight bits; 0 = the model's default */
    uint32_t act_bits;      /* activation bits; 0 = the model's default */
    int version;            /* 1 (Akida 1.0 layers) or 2 (Akida 2.0 layers) */
    double density;         /* target activation density of hidden layers, (0, 1] */
    uint64_t seed;          /* PRNG seed of weights and calibration inputs */
    bool no_weights;        /* shapes only: zero weights, neutral thresholds, no calibration */
    uint32_t calib_samples; /* random inputs used for calibration (default 1) */
} cmp_zoo_opts;

/* Defaults: alpha 1, version 1, density 0.5, seed 0, 1 calibration sample. */
void cmp_zoo_opts_default(cmp_zoo_opts *o);

/* Builds zoo model `name` into a new finalized model. Unknown names and out-of-range
 * options fail with NPU_ERR_INPUT. */
npu_status cmp_zoo_build(const char *name, const cmp_zoo_opts *o, npu_model **out, npu_err *err);

/* Names of the zoo models (static array of *n entries). */
const char *const *cmp_zoo_names(size_t *n);

#ifdef __cplusplus
}
#endif

#endif /* CMP_ZOO_H */
