/*
 * npu_dequant: the float side of the Akida 2.0 Dequantizer layer.
 *
 * A Dequantizer's integer output is its input unchanged; its float value, what predict
 * returns, is value * scales[c] with "scales" the layer's float32 variable (one per channel).
 * The product is computed in double and rounded once to float (docs/semantics-v2.md).
 */
#ifndef NPU_DEQUANT_H
#define NPU_DEQUANT_H

#include "npu/npu_model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Writes npu_shape_size(t->shape) floats out[i] = t->data[i] * scales[i % c] for the
 * Dequantizer layer l (finalized) and its output t. Returns NPU_ERR_INPUT when l is not a
 * Dequantizer or its scales do not match t's channels, NPU_OK otherwise. */
npu_status npu_dequantize(const npu_layer *l, const npu_tensor *t, float *out);

#ifdef __cplusplus
}
#endif

#endif /* NPU_DEQUANT_H */
