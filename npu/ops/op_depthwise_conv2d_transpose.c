/*
 * op_depthwise_conv2d_transpose: the Akida 2.0 DepthwiseConv2DTranspose layer (seed 001).
 *
 * Like Conv2DTranspose but one kernel per channel: weights (kernel_x, kernel_y, channels),
 * output channels = input channels; stride 2, Same padding, out = in * 2, pad = (k - 2) / 2
 * floored at 0, kernel not flipped. Then the shared v2 pipeline (npu_v2_stage.h) without
 * pooling, with per-channel bias, scale and shift.
 */
#include "npu_v2_stage.h"

/* Transposed geometry of the layer. */
static void dwt_geom(const npu_layer *l, npu_conv_geom *g) {
    const npu_params *p = &l->p;
    npu_v2_transpose_geom(g, l->in_shape, l->in_shape.c, p->kernel_x, p->kernel_y, p->stride_x,
                          p->stride_y);
}

static npu_status dwt_infer(npu_layer *l, const npu_layer *const *inbound, uint32_t n_inbound,
                            npu_err *err) {
    npu_status st;
    if ((st = npu_v2_take_input(l, inbound, n_inbound, err)) != NPU_OK ||
        (st = npu_v2_check_output(l, err)) != NPU_OK ||
        (st = npu_v2_check_kernel(l, false, err)) != NPU_OK ||
        (st = npu_v2_check_no_pool(l, err)) != NPU_OK ||
        (st = npu_v2_check_transpose(l, err)) != NPU_OK) {
        return st;
    }
    npu_conv_geom g;
    dwt_geom(l, &g);
    if ((st = npu_v2_check_elements((uint64_t)g.kx * g.ky * g.in.c, "weights", err)) != NPU_OK) {
        return st;
    }
    l->out_shape = g.out;
    return NPU_OK;
}

static uint32_t dwt_var_specs(const npu_layer *l, npu_var_spec *specs) {
    const uint32_t shape[3] = {l->p.kernel_x, l->p.kernel_y, l->in_shape.c};
    uint32_t n =
        npu_v2_spec(specs, 0, "weights", 3, shape, NPU_V2_WEIGHT_MIN, NPU_V2_WEIGHT_MAX, false);
    return npu_v2_pipeline_specs(l, specs, n, true);
}

static npu_status dwt_forward(const npu_layer *l, const npu_tensor *const *in, uint32_t n_in,
                              npu_tensor *out, npu_err *err) {
    if (n_in != 1) {
        return npu_err_set(err, NPU_ERR_INTERNAL,
                           "DepthwiseConv2DTranspose: expects one input tensor");
    }
    npu_conv_geom g;
    dwt_geom(l, &g);
    return npu_v2_conv_forward(l, &g, npu_depthwise2d_transpose, in[0], true, false, out, err);
}

static uint64_t dwt_synops(const npu_layer *l, const npu_tensor *const *in, uint32_t n_in) {
    npu_conv_geom g;
    dwt_geom(l, &g);
    return npu_v2_conv_synops(&g, in[0], true, 1);
}

const npu_op npu_op_depthwise_conv2d_transpose = {
    .type = NPU_DEPTHWISE_CONV2D_TRANSPOSE,
    .min_inbound = 1,
    .max_inbound = 1,
    .infer = dwt_infer,
    .var_specs = dwt_var_specs,
    .forward = dwt_forward,
    .synops = dwt_synops,
};
