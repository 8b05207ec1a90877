/*
 * op_add: the Akida 2.0 Add layer (seed 001).
 *
 * Two inbound layers of the same shape and signedness. Per channel c and value pair (a, b):
 *   s   = (a << a_shift[c]) + (b << b_shift[c])          exact in int64
 *   s   = saturate_signed(s, buffer_bits)
 *   s   = output_shift[c] > 0 ? s << output_shift[c]
 *                             : shift_round(s, -output_shift[c])  (right shift, half up)
 *   out = saturate(s, output_bits), signed range if the inputs are signed, else unsigned.
 * NOTE the sign convention of Add's output_shift is the vendor's, the OPPOSITE of Conv2D's
 * (positive = left shift here). a_shift, b_shift, output_shift are optional (default 0).
 */
#include <string.h>

#include "npu_v2_stage.h"

/* Add's output_shift range: the mirror of the compute layers' (positive = left). */
#define ADD_OUT_SHIFT_MIN (-NPU_V2_OUT_SHIFT_MAX)
#define ADD_OUT_SHIFT_MAX (-NPU_V2_OUT_SHIFT_MIN)

static npu_status add_infer(npu_layer *l, const npu_layer *const *inbound, uint32_t n_inbound,
                            npu_err *err) {
    if (n_inbound != 2) {
        return npu_err_set(err, NPU_ERR_INPUT,
                           "inbound: Add takes exactly 2 inbound layers "
                           "(got %u)",
                           n_inbound);
    }
    const npu_layer *a = inbound[0], *b = inbound[1];
    if (memcmp(&a->out_shape, &b->out_shape, sizeof(npu_shape)) != 0) {
        return npu_err_set(err, NPU_ERR_INPUT,
                           "inbound: Add inputs differ in shape: '%s' "
                           "(%u,%u,%u) vs '%s' (%u,%u,%u)",
                           a->name, a->out_shape.x, a->out_shape.y, a->out_shape.c, b->name,
                           b->out_shape.x, b->out_shape.y, b->out_shape.c);
    }
    if (a->out_signed != b->out_signed) {
        return npu_err_set(err, NPU_ERR_INPUT,
                           "inbound: Add inputs differ in signedness ('%s' "
                           "vs '%s')",
                           a->name, b->name);
    }
    const npu_params *p = &l->p;
    if (p->buffer_bits < 1 || p->buffer_bits > 32) {
        return npu_err_set(err, NPU_ERR_INPUT, "buffer_bits: must be 1..32 (got %u)",
                           p->buffer_bits);
    }
    const uint32_t max_out = a->out_signed ? 32 : 31;
    if (p->output_bits < 1 || p->output_bits > max_out) {
        return npu_err_set(err, NPU_ERR_INPUT, "output_bits: must be 1..%u (got %u)", max_out,
                           p->output_bits);
    }
    l->in_shape = l->out_shape = a->out_shape;
    l->in_bits = a->out_bits;
    l->in_signed = l->out_signed = a->out_signed;
    l->out_bits = p->output_bits;
    return NPU_OK;
}

static uint32_t add_var_specs(const npu_layer *l, npu_var_spec *specs) {
    const uint32_t c = l->out_shape.c;
    uint32_t n = npu_v2_spec(specs, 0, "a_shift", 1, &c, 0, NPU_V2_SHIFT_IN_MAX, true);
    n = npu_v2_spec(specs, n, "b_shift", 1, &c, 0, NPU_V2_SHIFT_IN_MAX, true);
    return npu_v2_spec(specs, n, "output_shift", 1, &c, ADD_OUT_SHIFT_MIN, ADD_OUT_SHIFT_MAX, true);
}

/* Data of an optional per-channel variable, or NULL. */
static const int32_t *chan_var(const npu_layer *l, const char *name) {
    const npu_var *v = npu_layer_var(l, name);
    return (v != NULL && v->count == l->out_shape.c) ? (const int32_t *)v->data : NULL;
}

static npu_status add_forward(const npu_layer *l, const npu_tensor *const *in, uint32_t n_in,
                              npu_tensor *out, npu_err *err) {
    if (n_in != 2) {
        return npu_err_set(err, NPU_ERR_INTERNAL, "Add: expects two input tensors");
    }
    const int32_t *as = chan_var(l, "a_shift");
    const int32_t *bs = chan_var(l, "b_shift");
    const int32_t *os = chan_var(l, "output_shift");
    const uint32_t c_n = l->out_shape.c;
    const size_t n = npu_shape_size(l->out_shape);
    for (size_t i = 0; i < n; i++) {
        const uint32_t c = (uint32_t)(i % c_n);
        int64_t s = npu_shift_round(in[0]->data[i], as != NULL ? -as[c] : 0) +
                    npu_shift_round(in[1]->data[i], bs != NULL ? -bs[c] : 0);
        s = npu_saturate_signed(s, l->p.buffer_bits);
        s = npu_shift_round(s, os != NULL ? -os[c] : 0);
        out->data[i] = (int32_t)(l->out_signed ? npu_saturate_signed(s, l->out_bits)
                                               : npu_saturate_unsigned(s, l->out_bits));
    }
    return NPU_OK;
}

const npu_op npu_op_add = {
    .type = NPU_ADD,
    .min_inbound = 2,
    .max_inbound = 2,
    .infer = add_infer,
    .var_specs = add_var_specs,
    .forward = add_forward,
    .synops = NULL,
};
