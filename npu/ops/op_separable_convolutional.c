/*
 * op_separable_convolutional: SeparableConvolutional, the Akida 1.0 fused depthwise +
 * pointwise convolution (run by CNPs).
 *
 * The depthwise part convolves each input channel c with its own kernel "weights"
 * (kx, ky, c, 1) as a REAL convolution (flipped kernel), with the layer's padding and
 * strides; its int32 results are kept exact (no intermediate quantisation or activation).
 * The pointwise part multiplies them by "weights_pw" (1, 1, c, filters). Both weight sets
 * have weights_bits bits. Then optional max pooling / global sum, and the v1 activation
 * (threshold, act_step) or the int32 potentials, as for Convolutional.
 *
 * synops: depthwise MACs with a non-zero input (for every non-zero input value, the number
 * of output positions whose window holds it) plus pointwise MACs with a non-zero input
 * (number of non-zero depthwise results times filters).
 */
#include "op_v1_common.h"

#include <stdlib.h>

static npu_status sep_infer(npu_layer *l, const npu_layer *const *inbound, uint32_t n_inbound,
                            npu_err *err) {
    npu_shape dw, conv;
    npu_status st = npu_v1_take_input(l, inbound[0], err);
    if (st == NPU_OK)
        st = npu_v1_check_bits(l, false, err);
    if (st == NPU_OK) /* depthwise intermediate: one channel per input channel */
        st = npu_v1_conv_shape(l, l->in_shape, l->in_shape.c, &dw, err);
    if (st == NPU_OK)
        st = npu_v1_conv_shape(l, l->in_shape, l->p.filters, &conv, err);
    if (st == NPU_OK)
        st = npu_v1_pool_shape(l, conv, &l->out_shape, err);
    if (st == NPU_OK)
        npu_v1_set_out_bits(l);
    return st;
}

static uint32_t sep_var_specs(const npu_layer *l, npu_var_spec *specs) {
    uint32_t c = l->in_shape.c, wb = l->p.weights_bits;
    uint32_t dw[4] = {l->p.kernel_x, l->p.kernel_y, c, 1};
    uint32_t pw[4] = {1, 1, c, l->p.filters};
    npu_v1_spec(&specs[0], "weights", 4, dw, npu_v1_weight_min(wb), npu_v1_weight_max(wb));
    npu_v1_spec(&specs[1], "weights_pw", 4, pw, npu_v1_weight_min(wb), npu_v1_weight_max(wb));
    return 2 + npu_v1_act_specs(l->p.filters, specs + 2);
}

/* Depthwise result of the whole input (allocated; NULL when out of memory). */
static int32_t *sep_depthwise(const npu_layer *l, const npu_tensor *in, npu_conv_geom *g) {
    npu_v1_geom(l, in->shape, in->shape.c, 0, true, g);
    int32_t *dw = malloc(npu_shape_size(g->out) * sizeof(int32_t));
    if (dw)
        npu_depthwise2d(g, in->data, npu_v1_var(l, "weights"), dw);
    return dw;
}

static npu_status sep_forward(const npu_layer *l, const npu_tensor *const *in, uint32_t n_in,
                              npu_tensor *out, npu_err *err) {
    npu_conv_geom g;
    int32_t *dw = sep_depthwise(l, in[0], &g);
    uint32_t c = g.out.c, f = l->p.filters;
    npu_shape conv = {g.out.x, g.out.y, f};
    size_t n_pix = (size_t)conv.x * conv.y;
    bool direct = l->p.pool_type == NPU_POOL_NONE;
    int32_t *acc = direct ? out->data : malloc(n_pix * f * sizeof(int32_t));
    if (!dw || !acc) {
        free(dw);
        if (!direct)
            free(acc);
        return npu_err_set(err, NPU_ERR_INTERNAL, "out of memory");
    }
    const int32_t *pw = npu_v1_var(l, "weights_pw");
    for (size_t i = 0; i < n_pix; i++)
        npu_dense(dw + i * c, c, pw, f, acc + i * f);
    free(dw);
    npu_status st = npu_v1_pool_activate(l, acc, conv, out, err);
    if (!direct)
        free(acc);
    return st;
}

static uint64_t sep_synops(const npu_layer *l, const npu_tensor *const *in, uint32_t n_in) {
    npu_conv_geom g;
    int32_t *dw = sep_depthwise(l, in[0], &g);
    uint64_t n = npu_v1_conv_synops(&g, in[0]->data, 1);
    if (dw)
        n += (uint64_t)npu_count_nonzero(dw, npu_shape_size(g.out)) * l->p.filters;
    free(dw);
    return n;
}

const npu_op npu_op_separable_convolutional = {
    .type = NPU_SEPARABLE_CONVOLUTIONAL,
    .min_inbound = 1,
    .max_inbound = 1,
    .infer = sep_infer,
    .var_specs = sep_var_specs,
    .forward = sep_forward,
    .synops = sep_synops,
};
