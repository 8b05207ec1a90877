/*
 * op_conv2d_transpose: the Akida 2.0 Conv2DTranspose layer (seed 001).
 *
 * inputs << input_shift, transposed convolution with weights (kernel_x, kernel_y, in.c,
 * filters), stride 2 and Same padding only (the vendor doc: "only ... Same padding and a kernel
 * stride equal to 2"): out = in * 2, out[ix * 2 + k - pad] += in[ix] * w[k] with
 * pad = (k - 2) / 2 floored at 0, kernel not flipped (TensorFlow conv2d_transpose). Then the
 * shared v2 pipeline (npu_v2_stage.h) without pooling: bias, ReLU, scale, shift, saturation.
 */
#include "npu_v2_stage.h"

/* Transposed geometry of the layer. */
static void convt_geom(const npu_layer *l, npu_conv_geom *g) {
    const npu_params *p = &l->p;
    npu_v2_transpose_geom(g, l->in_shape, p->filters, p->kernel_x, p->kernel_y, p->stride_x,
                          p->stride_y);
}

static npu_status convt_infer(npu_layer *l, const npu_layer *const *inbound, uint32_t n_inbound,
                              npu_err *err) {
    npu_status st;
    if ((st = npu_v2_take_input(l, inbound, n_inbound, err)) != NPU_OK ||
        (st = npu_v2_check_output(l, err)) != NPU_OK ||
        (st = npu_v2_check_kernel(l, true, err)) != NPU_OK ||
        (st = npu_v2_check_no_pool(l, err)) != NPU_OK ||
        (st = npu_v2_check_transpose(l, err)) != NPU_OK) {
        return st;
    }
    npu_conv_geom g;
    convt_geom(l, &g);
    const uint64_t w = (uint64_t)g.kx * g.ky * g.in.c * g.out.c;
    if ((st = npu_v2_check_elements(w, "weights", err)) != NPU_OK) {
        return st;
    }
    l->out_shape = g.out;
    return NPU_OK;
}

static uint32_t convt_var_specs(const npu_layer *l, npu_var_spec *specs) {
    const uint32_t shape[4] = {l->p.kernel_x, l->p.kernel_y, l->in_shape.c, l->p.filters};
    uint32_t n =
        npu_v2_spec(specs, 0, "weights", 4, shape, NPU_V2_WEIGHT_MIN, NPU_V2_WEIGHT_MAX, false);
    return npu_v2_pipeline_specs(l, specs, n, true);
}

static npu_status convt_forward(const npu_layer *l, const npu_tensor *const *in, uint32_t n_in,
                                npu_tensor *out, npu_err *err) {
    if (n_in != 1) {
        return npu_err_set(err, NPU_ERR_INTERNAL, "Conv2DTranspose: expects one input tensor");
    }
    npu_conv_geom g;
    convt_geom(l, &g);
    return npu_v2_conv_forward(l, &g, npu_conv2d_transpose, in[0], true, false, out, err);
}

static uint64_t convt_synops(const npu_layer *l, const npu_tensor *const *in, uint32_t n_in) {
    npu_conv_geom g;
    convt_geom(l, &g);
    return npu_v2_conv_synops(&g, in[0], true, l->p.filters);
}

const npu_op npu_op_conv2d_transpose = {
    .type = NPU_CONV2D_TRANSPOSE,
    .min_inbound = 1,
    .max_inbound = 1,
    .infer = convt_infer,
    .var_specs = convt_var_specs,
    .forward = convt_forward,
    .synops = convt_synops,
};
