/*
 * op_fully_connected: FullyConnected, the Akida 1.0 dense layer (run by FNPs).
 *
 * The input (x, y, c) is flattened in C order to N = x*y*c values and multiplied by
 * "weights" (1, 1, N, units) of weights_bits bits; int32 potentials wrap modulo 2^32. Output
 * (1, 1, units): the v1 activation (threshold, act_step on act_bits) or, activation off, the
 * int32 potentials. No pooling (pool_type must be NoPooling); kernel parameters are ignored.
 *
 * synops: number of non-zero input values times units.
 */
#include "op_v1_common.h"

static npu_status fc_infer(npu_layer *l, const npu_layer *const *inbound, uint32_t n_inbound,
                           npu_err *err) {
    npu_status st = npu_v1_take_input(l, inbound[0], err);
    if (st == NPU_OK)
        st = npu_v1_check_bits(l, false, err);
    if (st != NPU_OK)
        return st;
    if (l->p.filters == 0)
        return npu_err_set(err, NPU_ERR_INPUT, "units must be at least 1");
    if (l->p.pool_type != NPU_POOL_NONE)
        return npu_err_set(err, NPU_ERR_INPUT, "pool_type: FullyConnected has no pooling");
    l->out_shape = (npu_shape){1, 1, l->p.filters};
    npu_v1_set_out_bits(l);
    return NPU_OK;
}

static uint32_t fc_var_specs(const npu_layer *l, npu_var_spec *specs) {
    uint32_t n = (uint32_t)npu_shape_size(l->in_shape); /* <= 2^28, checked upstream */
    uint32_t shape[4] = {1, 1, n, l->p.filters};
    uint32_t wb = l->p.weights_bits;
    npu_v1_spec(&specs[0], "weights", 4, shape, npu_v1_weight_min(wb), npu_v1_weight_max(wb));
    return 1 + npu_v1_act_specs(l->p.filters, specs + 1);
}

static npu_status fc_forward(const npu_layer *l, const npu_tensor *const *in, uint32_t n_in,
                             npu_tensor *out, npu_err *err) {
    size_t n = npu_shape_size(in[0]->shape);
    npu_dense(in[0]->data, n, npu_v1_var(l, "weights"), l->p.filters, out->data);
    return npu_v1_pool_activate(l, out->data, l->out_shape, out, err);
}

static uint64_t fc_synops(const npu_layer *l, const npu_tensor *const *in, uint32_t n_in) {
    size_t n = npu_shape_size(in[0]->shape);
    return (uint64_t)npu_count_nonzero(in[0]->data, n) * l->p.filters;
}

const npu_op npu_op_fully_connected = {
    .type = NPU_FULLY_CONNECTED,
    .min_inbound = 1,
    .max_inbound = 1,
    .infer = fc_infer,
    .var_specs = fc_var_specs,
    .forward = fc_forward,
    .synops = fc_synops,
};
