/*
 * op_input_convolutional: InputConvolutional, the Akida 1.0 image input layer (run by the
 * HRC). It takes 8-bit unsigned images with 1 or 3 channels and computes a
 * cross-correlation (kernel NOT flipped) with weights (kx, ky, c, filters) of weights_bits
 * bits (8-bit: -127..127), padded pixels taking padding_value (0..255); then optional max
 * pooling of the potentials or global average pooling (per-channel sum), then the v1
 * step-wise activation (threshold, act_step on act_bits) or, activation off, the int32
 * potentials. Parameter input_bits is ignored: images are always 8-bit.
 *
 * synops: for every non-zero input pixel value, the number of (output position, filter)
 * pairs whose receptive field holds it, i.e. the MACs with a non-zero input (padding is
 * not an input and never counts).
 */
#include "op_v1_common.h"

static npu_status input_conv_infer(npu_layer *l, const npu_layer *const *inbound,
                                   uint32_t n_inbound, npu_err *err) {
    npu_status st = npu_v1_check_input_shape(&l->p, err);
    if (st != NPU_OK)
        return st;
    npu_shape in = l->p.input_shape;
    if (in.c != 1 && in.c != 3)
        return npu_err_set(err, NPU_ERR_INPUT,
                           "input_shape (%u,%u,%u): images have 1 or 3 channels", in.x, in.y, in.c);
    if (l->p.padding_value < 0 || l->p.padding_value > 255)
        return npu_err_set(err, NPU_ERR_INPUT, "padding_value %d outside [0, 255]",
                           l->p.padding_value);
    npu_shape conv;
    st = npu_v1_check_bits(l, true, err);
    if (st == NPU_OK)
        st = npu_v1_conv_shape(l, in, l->p.filters, &conv, err);
    if (st == NPU_OK)
        st = npu_v1_pool_shape(l, conv, &l->out_shape, err);
    if (st != NPU_OK)
        return st;
    l->in_shape = in;
    l->in_bits = 8;
    l->in_signed = false;
    npu_v1_set_out_bits(l);
    return NPU_OK;
}

static uint32_t input_conv_var_specs(const npu_layer *l, npu_var_spec *specs) {
    uint32_t shape[4] = {l->p.kernel_x, l->p.kernel_y, l->in_shape.c, l->p.filters};
    uint32_t wb = l->p.weights_bits;
    npu_v1_spec(&specs[0], "weights", 4, shape, npu_v1_weight_min(wb), npu_v1_weight_max(wb));
    return 1 + npu_v1_act_specs(l->p.filters, specs + 1);
}

static npu_status input_conv_forward(const npu_layer *l, const npu_tensor *const *in, uint32_t n_in,
                                     npu_tensor *out, npu_err *err) {
    return npu_v1_conv_forward(l, in[0], npu_v1_var(l, "weights"), l->p.padding_value, false, out,
                               err);
}

static uint64_t input_conv_synops(const npu_layer *l, const npu_tensor *const *in, uint32_t n_in) {
    npu_conv_geom g;
    npu_v1_geom(l, l->in_shape, l->p.filters, l->p.padding_value, false, &g);
    return npu_v1_conv_synops(&g, in[0]->data, l->p.filters);
}

const npu_op npu_op_input_convolutional = {
    .type = NPU_INPUT_CONVOLUTIONAL,
    .min_inbound = 0,
    .max_inbound = 0,
    .infer = input_conv_infer,
    .var_specs = input_conv_var_specs,
    .forward = input_conv_forward,
    .synops = input_conv_synops,
};
