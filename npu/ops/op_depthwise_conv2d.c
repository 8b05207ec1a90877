/*
 * op_depthwise_conv2d: the Akida 2.0 DepthwiseConv2D layer (seed 001).
 *
 * One kernel per input channel, weights (kernel_x, kernel_y, channels), output channels =
 * input channels. The vendor doc states a REAL convolution (kernel flipped in x and y), unlike
 * Conv2D. inputs << input_shift, Same or Valid padding, any stride, then the shared v2 pipeline
 * (npu_v2_stage.h) with per-channel bias, pooling, ReLU, output scale and shift.
 */
#include "npu_v2_stage.h"

/* Forward geometry of the layer (real convolution: flipped). */
static void dw_geom(const npu_layer *l, npu_conv_geom *g) {
    const npu_params *p = &l->p;
    npu_conv_geom_init(g, l->in_shape, l->in_shape.c, p->kernel_x, p->kernel_y, p->stride_x,
                       p->stride_y, p->padding, 0, true);
}

static npu_status dw_infer(npu_layer *l, const npu_layer *const *inbound, uint32_t n_inbound,
                           npu_err *err) {
    npu_status st;
    if ((st = npu_v2_take_input(l, inbound, n_inbound, err)) != NPU_OK ||
        (st = npu_v2_check_output(l, err)) != NPU_OK ||
        (st = npu_v2_check_kernel(l, false, err)) != NPU_OK) {
        return st;
    }
    npu_conv_geom g;
    dw_geom(l, &g);
    return npu_v2_infer_conv(l, &g, (uint64_t)g.kx * g.ky * g.in.c, err);
}

static uint32_t dw_var_specs(const npu_layer *l, npu_var_spec *specs) {
    const uint32_t shape[3] = {l->p.kernel_x, l->p.kernel_y, l->in_shape.c};
    uint32_t n =
        npu_v2_spec(specs, 0, "weights", 3, shape, NPU_V2_WEIGHT_MIN, NPU_V2_WEIGHT_MAX, false);
    return npu_v2_pipeline_specs(l, specs, n, true);
}

static npu_status dw_forward(const npu_layer *l, const npu_tensor *const *in, uint32_t n_in,
                             npu_tensor *out, npu_err *err) {
    if (n_in != 1) {
        return npu_err_set(err, NPU_ERR_INTERNAL, "DepthwiseConv2D: expects one input tensor");
    }
    npu_conv_geom g;
    dw_geom(l, &g);
    return npu_v2_conv_forward(l, &g, npu_depthwise2d, in[0], true, true, out, err);
}

static uint64_t dw_synops(const npu_layer *l, const npu_tensor *const *in, uint32_t n_in) {
    npu_conv_geom g;
    dw_geom(l, &g);
    return npu_v2_conv_synops(&g, in[0], false, 1);
}

const npu_op npu_op_depthwise_conv2d = {
    .type = NPU_DEPTHWISE_CONV2D,
    .min_inbound = 1,
    .max_inbound = 1,
    .infer = dw_infer,
    .var_specs = dw_var_specs,
    .forward = dw_forward,
    .synops = dw_synops,
};
