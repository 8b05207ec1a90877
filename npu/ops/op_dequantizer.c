/*
 * op_dequantizer: the Akida 2.0 Dequantizer layer, the float boundary at the end of a model.
 *
 * Integer forward is the identity (shape, bits and sign pass through). The float value of an
 * output is value * scales[c] (variable "scales", float32, one per channel), produced by
 * npu_dequantize() (npu/npu_dequant.h) for predict: computed in double, rounded once to float.
 */
#include <string.h>

#include "npu/npu_dequant.h"
#include "npu_v2_stage.h"

static npu_status dq_infer(npu_layer *l, const npu_layer *const *inbound, uint32_t n_inbound,
                           npu_err *err) {
    npu_status st = npu_v2_take_input(l, inbound, n_inbound, err);
    if (st != NPU_OK) {
        return st;
    }
    l->out_shape = l->in_shape;
    l->out_bits = l->in_bits;
    l->out_signed = l->in_signed;
    return NPU_OK;
}

static uint32_t dq_var_specs(const npu_layer *l, npu_var_spec *specs) {
    const uint32_t c = l->in_shape.c;
    uint32_t n = npu_v2_spec(specs, 0, "scales", 1, &c, 0, 0, false);
    specs[0].dtype = NPU_DTYPE_F32;
    return n;
}

static npu_status dq_forward(const npu_layer *l, const npu_tensor *const *in, uint32_t n_in,
                             npu_tensor *out, npu_err *err) {
    if (n_in != 1) {
        return npu_err_set(err, NPU_ERR_INTERNAL, "Dequantizer: expects one input tensor");
    }
    memcpy(out->data, in[0]->data, sizeof(int32_t) * npu_shape_size(out->shape));
    return NPU_OK;
}

npu_status npu_dequantize(const npu_layer *l, const npu_tensor *t, float *out) {
    if (l == NULL || t == NULL || out == NULL || l->type != NPU_DEQUANTIZER) {
        return NPU_ERR_INPUT;
    }
    const npu_var *v = npu_layer_var(l, "scales");
    const uint32_t c_n = t->shape.c;
    if (v == NULL || v->dtype != NPU_DTYPE_F32 || c_n == 0 || v->count != c_n ||
        c_n != l->out_shape.c) {
        return NPU_ERR_INPUT;
    }
    const float *scales = v->data;
    const size_t n = npu_shape_size(t->shape);
    for (size_t i = 0; i < n; i++) {
        out[i] = (float)((double)t->data[i] * (double)scales[i % c_n]);
    }
    return NPU_OK;
}

const npu_op npu_op_dequantizer = {
    .type = NPU_DEQUANTIZER,
    .min_inbound = 1,
    .max_inbound = 1,
    .infer = dq_infer,
    .var_specs = dq_var_specs,
    .forward = dq_forward,
    .synops = NULL,
};
