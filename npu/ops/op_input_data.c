/*
 * op_input_data: InputData, the input layer of low-bitwidth (or signed) models, in both
 * Akida 1.0 and 2.0 models. It defines the model input shape and bit width
 * (input_bits 1, 2, 4 or 8; input_signed for int8-style inputs) and passes its input
 * through unchanged. It has no variables and performs no synaptic operation.
 */
#include "op_v1_common.h"

#include <string.h>

static npu_status input_data_infer(npu_layer *l, const npu_layer *const *inbound,
                                   uint32_t n_inbound, npu_err *err) {
    npu_status st = npu_v1_check_input_shape(&l->p, err);
    if (st != NPU_OK)
        return st;
    uint32_t b = l->p.input_bits;
    if (b != 1 && b != 2 && b != 4 && b != 8)
        return npu_err_set(err, NPU_ERR_INPUT, "input_bits %u not supported (1, 2, 4 or 8)", b);
    l->in_shape = l->out_shape = l->p.input_shape;
    l->in_bits = l->out_bits = b;
    l->in_signed = l->out_signed = l->p.input_signed;
    return NPU_OK;
}

static uint32_t input_data_var_specs(const npu_layer *l, npu_var_spec *specs) {
    return 0;
}

static npu_status input_data_forward(const npu_layer *l, const npu_tensor *const *in, uint32_t n_in,
                                     npu_tensor *out, npu_err *err) {
    memcpy(out->data, in[0]->data, npu_shape_size(l->out_shape) * sizeof(int32_t));
    return NPU_OK;
}

const npu_op npu_op_input_data = {
    .type = NPU_INPUT_DATA,
    .min_inbound = 0,
    .max_inbound = 0,
    .infer = input_data_infer,
    .var_specs = input_data_var_specs,
    .forward = input_data_forward,
    .synops = NULL,
};
