/*
 * op_convolutional: Convolutional, the Akida 1.0 convolution layer (run by CNPs).
 *
 * Inputs of at most 8 bits (unsigned, or signed from a signed InputData) are convolved with
 * weights (kx, ky, c, filters) of weights_bits bits (1-bit: {0, 1}; b-bit:
 * -(2^(b-1) - 1)..2^(b-1) - 1) as a REAL convolution (kernel flipped along x and y, as the
 * vendor documents), Same or Valid padding (padded pixels are 0), strides; int32 potentials
 * wrap modulo 2^32. Then optional max pooling of the potentials (layer's padding mode) or
 * global average pooling (per-channel sum), then the v1 step-wise activation (threshold,
 * act_step on act_bits) or, activation off, the int32 potentials.
 *
 * synops: for every non-zero input value, the number of (output position, filter) pairs
 * whose receptive field holds it (output positions before pooling).
 */
#include "op_v1_common.h"

static npu_status conv_infer(npu_layer *l, const npu_layer *const *inbound, uint32_t n_inbound,
                             npu_err *err) {
    npu_shape conv;
    npu_status st = npu_v1_take_input(l, inbound[0], err);
    if (st == NPU_OK)
        st = npu_v1_check_bits(l, false, err);
    if (st == NPU_OK)
        st = npu_v1_conv_shape(l, l->in_shape, l->p.filters, &conv, err);
    if (st == NPU_OK)
        st = npu_v1_pool_shape(l, conv, &l->out_shape, err);
    if (st == NPU_OK)
        npu_v1_set_out_bits(l);
    return st;
}

static uint32_t conv_var_specs(const npu_layer *l, npu_var_spec *specs) {
    uint32_t shape[4] = {l->p.kernel_x, l->p.kernel_y, l->in_shape.c, l->p.filters};
    uint32_t wb = l->p.weights_bits;
    npu_v1_spec(&specs[0], "weights", 4, shape, npu_v1_weight_min(wb), npu_v1_weight_max(wb));
    return 1 + npu_v1_act_specs(l->p.filters, specs + 1);
}

static npu_status conv_forward(const npu_layer *l, const npu_tensor *const *in, uint32_t n_in,
                               npu_tensor *out, npu_err *err) {
    return npu_v1_conv_forward(l, in[0], npu_v1_var(l, "weights"), 0, true, out, err);
}

static uint64_t conv_synops(const npu_layer *l, const npu_tensor *const *in, uint32_t n_in) {
    npu_conv_geom g;
    npu_v1_geom(l, l->in_shape, l->p.filters, 0, true, &g);
    return npu_v1_conv_synops(&g, in[0]->data, l->p.filters);
}

const npu_op npu_op_convolutional = {
    .type = NPU_CONVOLUTIONAL,
    .min_inbound = 1,
    .max_inbound = 1,
    .infer = conv_infer,
    .var_specs = conv_var_specs,
    .forward = conv_forward,
    .synops = conv_synops,
};
