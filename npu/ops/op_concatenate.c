/*
 * op_concatenate: the Akida 2.0 Concatenate layer (seed 001).
 *
 * np.concatenate(inputs, axis=-1): two or more inbound layers with the same x and y, the same
 * output bit width and the same signedness; output (x, y, sum of channels) with that width and
 * sign. Values are copied unchanged, inbound order. No variables.
 */
#include <string.h>

#include "npu_v2_stage.h"

static npu_status cat_infer(npu_layer *l, const npu_layer *const *inbound, uint32_t n_inbound,
                            npu_err *err) {
    if (n_inbound < 2) {
        return npu_err_set(err, NPU_ERR_INPUT,
                           "inbound: Concatenate takes 2 or more inbound "
                           "layers (got %u)",
                           n_inbound);
    }
    const npu_layer *a = inbound[0];
    uint64_t c = 0;
    for (uint32_t k = 0; k < n_inbound; k++) {
        const npu_layer *b = inbound[k];
        if (b->out_shape.x != a->out_shape.x || b->out_shape.y != a->out_shape.y) {
            return npu_err_set(err, NPU_ERR_INPUT,
                               "inbound: Concatenate inputs differ in x, y: "
                               "'%s' (%u,%u) vs '%s' (%u,%u)",
                               a->name, a->out_shape.x, a->out_shape.y, b->name, b->out_shape.x,
                               b->out_shape.y);
        }
        if (b->out_bits != a->out_bits || b->out_signed != a->out_signed) {
            return npu_err_set(err, NPU_ERR_INPUT,
                               "inbound: Concatenate inputs differ in bit "
                               "width or sign: '%s' (%u bits, %s) vs '%s' (%u bits, %s)",
                               a->name, a->out_bits, a->out_signed ? "signed" : "unsigned", b->name,
                               b->out_bits, b->out_signed ? "signed" : "unsigned");
        }
        c += b->out_shape.c;
    }
    npu_status st =
        npu_v2_check_elements((uint64_t)a->out_shape.x * a->out_shape.y * c, "output shape", err);
    if (st != NPU_OK) {
        return st;
    }
    l->in_shape = a->out_shape;
    l->in_bits = l->out_bits = a->out_bits;
    l->in_signed = l->out_signed = a->out_signed;
    l->out_shape = (npu_shape){a->out_shape.x, a->out_shape.y, (uint32_t)c};
    return NPU_OK;
}

static uint32_t cat_var_specs(const npu_layer *l, npu_var_spec *specs) {
    return 0;
}

static npu_status cat_forward(const npu_layer *l, const npu_tensor *const *in, uint32_t n_in,
                              npu_tensor *out, npu_err *err) {
    const size_t pixels = (size_t)out->shape.x * out->shape.y;
    for (size_t p = 0; p < pixels; p++) {
        int32_t *dst = out->data + p * out->shape.c;
        for (uint32_t k = 0; k < n_in; k++) {
            const uint32_t c = in[k]->shape.c;
            memcpy(dst, in[k]->data + p * c, sizeof(int32_t) * c);
            dst += c;
        }
    }
    return NPU_OK;
}

const npu_op npu_op_concatenate = {
    .type = NPU_CONCATENATE,
    .min_inbound = 2,
    .max_inbound = NPU_MAX_INBOUND,
    .infer = cat_infer,
    .var_specs = cat_var_specs,
    .forward = cat_forward,
    .synops = NULL,
};
