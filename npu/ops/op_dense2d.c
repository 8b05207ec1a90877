/*
 * op_dense2d: the Akida 2.0 Dense2D layer (seed 001).
 *
 * The same dense product applied to every row: the vendor's input (1, X, Y) maps to our
 * (x = 1, y = X, c = Y) and gives (1, X, units). akisim accepts any x (every (x, y) position is
 * a row), so (x, y, c) -> (x, y, units). Weights (c, units) 8-bit signed, input_shift per input
 * channel, then the shared v2 pipeline (npu_v2_stage.h) without pooling; ReLU off by default.
 */
#include <stdlib.h>

#include "npu_v2_stage.h"

static npu_status d2_infer(npu_layer *l, const npu_layer *const *inbound, uint32_t n_inbound,
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
    const npu_shape s = l->in_shape;
    if ((st = npu_v2_check_elements((uint64_t)s.c * l->p.filters, "weights", err)) != NPU_OK ||
        (st = npu_v2_check_elements((uint64_t)s.x * s.y * l->p.filters, "output shape", err)) !=
            NPU_OK) {
        return st;
    }
    l->out_shape = (npu_shape){s.x, s.y, l->p.filters};
    return NPU_OK;
}

static uint32_t d2_var_specs(const npu_layer *l, npu_var_spec *specs) {
    const uint32_t shape[2] = {l->in_shape.c, l->p.filters};
    uint32_t n =
        npu_v2_spec(specs, 0, "weights", 2, shape, NPU_V2_WEIGHT_MIN, NPU_V2_WEIGHT_MAX, false);
    return npu_v2_pipeline_specs(l, specs, n, true);
}

static npu_status d2_forward(const npu_layer *l, const npu_tensor *const *in, uint32_t n_in,
                             npu_tensor *out, npu_err *err) {
    const npu_var *w = npu_layer_var(l, "weights");
    if (n_in != 1 || w == NULL) {
        return npu_err_set(err, NPU_ERR_INTERNAL, "Dense2D: bad call (inputs or weights)");
    }
    int32_t *shifted = NULL;
    npu_status st = npu_v2_shifted_input(l, in[0], &shifted, err);
    if (st != NPU_OK) {
        return st;
    }
    const npu_shape s = in[0]->shape;
    const size_t rows = (size_t)s.x * s.y;
    const size_t units = l->p.filters;
    int32_t *acc = malloc(sizeof(int32_t) * rows * units);
    if (acc == NULL) {
        free(shifted);
        return npu_err_set(err, NPU_ERR_INTERNAL, "Dense2D: out of memory");
    }
    const int32_t *x = shifted != NULL ? shifted : in[0]->data;
    for (size_t r = 0; r < rows; r++) {
        npu_dense(x + r * s.c, s.c, (const int32_t *)w->data, units, acc + r * units);
    }
    free(shifted);
    st = npu_v2_stage_run(l, acc, out->shape, false, out, err);
    free(acc);
    return st;
}

static uint64_t d2_synops(const npu_layer *l, const npu_tensor *const *in, uint32_t n_in) {
    return (uint64_t)npu_count_nonzero(in[0]->data, npu_shape_size(in[0]->shape)) * l->p.filters;
}

const npu_op npu_op_dense2d = {
    .type = NPU_DENSE2D,
    .min_inbound = 1,
    .max_inbound = 1,
    .infer = d2_infer,
    .var_specs = d2_var_specs,
    .forward = d2_forward,
    .synops = d2_synops,
};
