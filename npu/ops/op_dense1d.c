/*
 * op_dense1d: the Akida 2.0 Dense1D layer (seed 001).
 *
 * The input (x, y, c) is flattened in C order into N = x * y * c values (the vendor reshapes
 * to (1, 1, N) automatically); input_shift applies per input channel c before flattening.
 * acc[u] = sum_i in[i] * weights[i, u], weights (N, units) 8-bit signed; output (1, 1, units)
 * through the shared v2 pipeline (npu_v2_stage.h) without pooling; ReLU off by default.
 */
#include <stdlib.h>

#include "npu_v2_stage.h"

static npu_status d1_infer(npu_layer *l, const npu_layer *const *inbound, uint32_t n_inbound,
                           npu_err *err) {
    npu_status st;
    if ((st = npu_v2_take_input(l, inbound, n_inbound, err)) != NPU_OK ||
        (st = npu_v2_check_output(l, err)) != NPU_OK ||
        (st = npu_v2_check_no_pool(l, err)) != NPU_OK) {
        return st;
    }
    if (l->p.filters < 1) {
        return npu_err_set(err, NPU_ERR_INPUT, "units: must be >= 1 (got %u)", l->p.filters);
    }
    const uint64_t w = (uint64_t)npu_shape_size(l->in_shape) * l->p.filters;
    if ((st = npu_v2_check_elements(w, "weights", err)) != NPU_OK) {
        return st;
    }
    l->out_shape = (npu_shape){1, 1, l->p.filters};
    return NPU_OK;
}

static uint32_t d1_var_specs(const npu_layer *l, npu_var_spec *specs) {
    const uint32_t shape[2] = {(uint32_t)npu_shape_size(l->in_shape), l->p.filters};
    uint32_t n =
        npu_v2_spec(specs, 0, "weights", 2, shape, NPU_V2_WEIGHT_MIN, NPU_V2_WEIGHT_MAX, false);
    return npu_v2_pipeline_specs(l, specs, n, true);
}

static npu_status d1_forward(const npu_layer *l, const npu_tensor *const *in, uint32_t n_in,
                             npu_tensor *out, npu_err *err) {
    const npu_var *w = npu_layer_var(l, "weights");
    if (n_in != 1 || w == NULL) {
        return npu_err_set(err, NPU_ERR_INTERNAL, "Dense1D: bad call (inputs or weights)");
    }
    int32_t *shifted = NULL;
    npu_status st = npu_v2_shifted_input(l, in[0], &shifted, err);
    if (st != NPU_OK) {
        return st;
    }
    int32_t *acc = malloc(sizeof(int32_t) * l->p.filters);
    if (acc == NULL) {
        free(shifted);
        return npu_err_set(err, NPU_ERR_INTERNAL, "Dense1D: out of memory");
    }
    npu_dense(shifted != NULL ? shifted : in[0]->data, npu_shape_size(in[0]->shape),
              (const int32_t *)w->data, l->p.filters, acc);
    free(shifted);
    st = npu_v2_stage_run(l, acc, out->shape, false, out, err);
    free(acc);
    return st;
}

static uint64_t d1_synops(const npu_layer *l, const npu_tensor *const *in, uint32_t n_in) {
    return (uint64_t)npu_count_nonzero(in[0]->data, npu_shape_size(in[0]->shape)) * l->p.filters;
}

const npu_op npu_op_dense1d = {
    .type = NPU_DENSE1D,
    .min_inbound = 1,
    .max_inbound = 1,
    .infer = d1_infer,
    .var_specs = d1_var_specs,
    .forward = d1_forward,
    .synops = d1_synops,
};
