/*
 * op_batch_normalization: the Akida 2.0 BatchNormalization layer (seed 001: outputs = a * x + b
 * on the last axis), in integers. Per channel c:
 *   v   = wrap(a[c] * x, buffer_bits) + b[c]            (the product is the accumulator)
 *   v   = saturate_signed(v, buffer_bits)
 *   v   = max(v, 0) when activation (ReLU)
 *   v   = shift_round(v, output_shift[c])               (> 0: right shift half up, < 0: left)
 *   out = saturate(v, output_bits): unsigned with ReLU, signed without.
 * Variables: "a" and "b" (int32, per channel, required), "output_shift" (optional, 0). The
 * converter folds the float scale into a, b and output_shift.
 */
#include "npu_v2_stage.h"

static npu_status bn_infer(npu_layer *l, const npu_layer *const *inbound, uint32_t n_inbound,
                           npu_err *err) {
    npu_status st;
    if ((st = npu_v2_take_input(l, inbound, n_inbound, err)) != NPU_OK ||
        (st = npu_v2_check_output(l, err)) != NPU_OK ||
        (st = npu_v2_check_no_pool(l, err)) != NPU_OK) {
        return st;
    }
    l->out_shape = l->in_shape;
    return NPU_OK;
}

static uint32_t bn_var_specs(const npu_layer *l, npu_var_spec *specs) {
    const uint32_t c = l->in_shape.c;
    uint32_t n = npu_v2_spec(specs, 0, "a", 1, &c, INT32_MIN, INT32_MAX, false);
    n = npu_v2_spec(specs, n, "b", 1, &c, INT32_MIN, INT32_MAX, false);
    return npu_v2_spec(specs, n, "output_shift", 1, &c, NPU_V2_OUT_SHIFT_MIN, NPU_V2_OUT_SHIFT_MAX,
                       true);
}

static npu_status bn_forward(const npu_layer *l, const npu_tensor *const *in, uint32_t n_in,
                             npu_tensor *out, npu_err *err) {
    const npu_var *va = npu_layer_var(l, "a");
    const npu_var *vb = npu_layer_var(l, "b");
    const npu_var *vs = npu_layer_var(l, "output_shift");
    if (n_in != 1 || va == NULL || vb == NULL) {
        return npu_err_set(err, NPU_ERR_INTERNAL, "BatchNormalization: bad call (inputs, a, b)");
    }
    const int32_t *a = va->data, *b = vb->data;
    const int32_t *s = vs != NULL ? (const int32_t *)vs->data : NULL;
    const uint32_t c_n = l->out_shape.c;
    const size_t n = npu_shape_size(l->out_shape);
    for (size_t i = 0; i < n; i++) {
        const uint32_t c = (uint32_t)(i % c_n);
        int64_t v = npu_wrap_bits((int64_t)a[c] * in[0]->data[i], l->p.buffer_bits);
        v = npu_saturate_signed(v + b[c], l->p.buffer_bits);
        if (l->p.activation && v < 0) {
            v = 0;
        }
        v = npu_shift_round(v, s != NULL ? s[c] : 0);
        out->data[i] = (int32_t)(l->p.activation ? npu_saturate_unsigned(v, l->out_bits)
                                                 : npu_saturate_signed(v, l->out_bits));
    }
    return NPU_OK;
}

const npu_op npu_op_batch_normalization = {
    .type = NPU_BATCH_NORMALIZATION,
    .min_inbound = 1,
    .max_inbound = 1,
    .infer = bn_infer,
    .var_specs = bn_var_specs,
    .forward = bn_forward,
    .synops = NULL,
};
