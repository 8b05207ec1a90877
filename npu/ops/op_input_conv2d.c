/*
 * op_input_conv2d: the Akida 2.0 InputConv2D layer (seed 001), the image input layer (HRC).
 *
 * The model input is an 8-bit unsigned image (x, y, 1 or 3 channels) given by input_shape.
 * Cross-correlation with weights (kernel_x, kernel_y, channels, filters), Same or Valid padding
 * with padded pixels reading padding_value (0..255), any stride, then the shared v2 pipeline
 * (npu_v2_stage.h). There is no input_shift for this layer (the vendor formula has none).
 */
#include "npu_v2_stage.h"

/* Forward geometry of the layer (cross-correlation, padded pixels = padding_value). */
static void ic_geom(const npu_layer *l, npu_conv_geom *g) {
    const npu_params *p = &l->p;
    npu_conv_geom_init(g, l->in_shape, p->filters, p->kernel_x, p->kernel_y, p->stride_x,
                       p->stride_y, p->padding, p->padding_value, false);
}

/* Validates the model input described by the parameters and takes it as this layer's input. */
static npu_status ic_input(npu_layer *l, npu_err *err) {
    const npu_shape s = l->p.input_shape;
    if (s.x < 1 || s.y < 1) {
        return npu_err_set(err, NPU_ERR_INPUT,
                           "input_shape: spatial dimensions must be >= 1 "
                           "(got %u x %u)",
                           s.x, s.y);
    }
    if (s.c != 1 && s.c != 3) {
        return npu_err_set(err, NPU_ERR_INPUT,
                           "input_shape: InputConv2D takes 1 (grayscale) or "
                           "3 (RGB) channels (got %u)",
                           s.c);
    }
    npu_status st = npu_v2_check_elements(npu_shape_size(s), "input_shape", err);
    if (st != NPU_OK) {
        return st;
    }
    if (l->p.padding_value < 0 || l->p.padding_value > 255) {
        return npu_err_set(err, NPU_ERR_INPUT,
                           "padding_value: must be an 8-bit pixel 0..255 "
                           "(got %d)",
                           l->p.padding_value);
    }
    l->in_shape = s;
    l->in_bits = 8;
    l->in_signed = false;
    return NPU_OK;
}

static npu_status ic_infer(npu_layer *l, const npu_layer *const *inbound, uint32_t n_inbound,
                           npu_err *err) {
    if (n_inbound != 0) {
        return npu_err_set(err, NPU_ERR_INPUT, "inbound: InputConv2D is an input layer");
    }
    npu_status st;
    if ((st = ic_input(l, err)) != NPU_OK || (st = npu_v2_check_output(l, err)) != NPU_OK ||
        (st = npu_v2_check_kernel(l, true, err)) != NPU_OK) {
        return st;
    }
    npu_conv_geom g;
    ic_geom(l, &g);
    const uint64_t w = (uint64_t)g.kx * g.ky * g.in.c * g.out.c;
    return npu_v2_infer_conv(l, &g, w, err);
}

static uint32_t ic_var_specs(const npu_layer *l, npu_var_spec *specs) {
    const uint32_t shape[4] = {l->p.kernel_x, l->p.kernel_y, l->in_shape.c, l->p.filters};
    uint32_t n =
        npu_v2_spec(specs, 0, "weights", 4, shape, NPU_V2_WEIGHT_MIN, NPU_V2_WEIGHT_MAX, false);
    return npu_v2_pipeline_specs(l, specs, n, false);
}

static npu_status ic_forward(const npu_layer *l, const npu_tensor *const *in, uint32_t n_in,
                             npu_tensor *out, npu_err *err) {
    if (n_in != 1) {
        return npu_err_set(err, NPU_ERR_INTERNAL, "InputConv2D: expects the model input tensor");
    }
    npu_conv_geom g;
    ic_geom(l, &g);
    return npu_v2_conv_forward(l, &g, npu_conv2d, in[0], false, true, out, err);
}

static uint64_t ic_synops(const npu_layer *l, const npu_tensor *const *in, uint32_t n_in) {
    npu_conv_geom g;
    ic_geom(l, &g);
    return npu_v2_conv_synops(&g, in[0], false, l->p.filters);
}

const npu_op npu_op_input_conv2d = {
    .type = NPU_INPUT_CONV2D,
    .min_inbound = 0,
    .max_inbound = 0,
    .infer = ic_infer,
    .var_specs = ic_var_specs,
    .forward = ic_forward,
    .synops = ic_synops,
};
