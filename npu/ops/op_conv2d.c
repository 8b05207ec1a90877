/*
 * op_conv2d: the Akida 2.0 Conv2D layer (seed 001).
 *
 * inputs << input_shift, cross-correlation with weights (kernel_x, kernel_y, in.c, filters),
 * Same or Valid padding (TensorFlow geometry), any stride, then the shared v2 pipeline
 * (npu_v2_stage.h): bias << bias_shift, optional max or global average pooling, ReLU,
 * x output_scale, output_shift, saturation to output_bits. Weights are 8-bit signed.
 */
#include "npu_v2_stage.h"

/* Forward geometry of the layer (cross-correlation: not flipped). */
static void conv2d_geom(const npu_layer *l, npu_conv_geom *g) {
    const npu_params *p = &l->p;
    npu_conv_geom_init(g, l->in_shape, p->filters, p->kernel_x, p->kernel_y, p->stride_x,
                       p->stride_y, p->padding, 0, false);
}

static npu_status conv2d_infer(npu_layer *l, const npu_layer *const *inbound, uint32_t n_inbound,
                               npu_err *err) {
    npu_status st;
    if ((st = npu_v2_take_input(l, inbound, n_inbound, err)) != NPU_OK ||
        (st = npu_v2_check_output(l, err)) != NPU_OK ||
        (st = npu_v2_check_kernel(l, true, err)) != NPU_OK) {
        return st;
    }
    npu_conv_geom g;
    conv2d_geom(l, &g);
    const uint64_t w = (uint64_t)g.kx * g.ky * g.in.c * g.out.c;
    return npu_v2_infer_conv(l, &g, w, err);
}

static uint32_t conv2d_var_specs(const npu_layer *l, npu_var_spec *specs) {
    const uint32_t shape[4] = {l->p.kernel_x, l->p.kernel_y, l->in_shape.c, l->p.filters};
    uint32_t n =
        npu_v2_spec(specs, 0, "weights", 4, shape, NPU_V2_WEIGHT_MIN, NPU_V2_WEIGHT_MAX, false);
    return npu_v2_pipeline_specs(l, specs, n, true);
}

static npu_status conv2d_forward(const npu_layer *l, const npu_tensor *const *in, uint32_t n_in,
                                 npu_tensor *out, npu_err *err) {
    if (n_in != 1) {
        return npu_err_set(err, NPU_ERR_INTERNAL, "Conv2D: expects one input tensor");
    }
    npu_conv_geom g;
    conv2d_geom(l, &g);
    return npu_v2_conv_forward(l, &g, npu_conv2d, in[0], true, true, out, err);
}

static uint64_t conv2d_synops(const npu_layer *l, const npu_tensor *const *in, uint32_t n_in) {
    npu_conv_geom g;
    conv2d_geom(l, &g);
    return npu_v2_conv_synops(&g, in[0], false, l->p.filters);
}

const npu_op npu_op_conv2d = {
    .type = NPU_CONV2D,
    .min_inbound = 1,
    .max_inbound = 1,
    .infer = conv2d_infer,
    .var_specs = conv2d_var_specs,
    .forward = conv2d_forward,
    .synops = conv2d_synops,
};
