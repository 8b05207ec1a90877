/*
 * npu_op_table: maps a layer type to the op that implements its semantics (npu/ops/).
 * The transformer types (Stem, Attention, Shiftmax, MadNorm, ExtractToken) have no op yet.
 */
#include "npu_op.h"

const npu_op *npu_op_get(npu_layer_type t) {
    switch (t) {
    case NPU_INPUT_DATA:
        return &npu_op_input_data;
    case NPU_INPUT_CONVOLUTIONAL:
        return &npu_op_input_convolutional;
    case NPU_CONVOLUTIONAL:
        return &npu_op_convolutional;
    case NPU_SEPARABLE_CONVOLUTIONAL:
        return &npu_op_separable_convolutional;
    case NPU_FULLY_CONNECTED:
        return &npu_op_fully_connected;
    case NPU_INPUT_CONV2D:
        return &npu_op_input_conv2d;
    case NPU_CONV2D:
        return &npu_op_conv2d;
    case NPU_DEPTHWISE_CONV2D:
        return &npu_op_depthwise_conv2d;
    case NPU_CONV2D_TRANSPOSE:
        return &npu_op_conv2d_transpose;
    case NPU_DEPTHWISE_CONV2D_TRANSPOSE:
        return &npu_op_depthwise_conv2d_transpose;
    case NPU_DENSE1D:
        return &npu_op_dense1d;
    case NPU_DENSE2D:
        return &npu_op_dense2d;
    case NPU_ADD:
        return &npu_op_add;
    case NPU_CONCATENATE:
        return &npu_op_concatenate;
    case NPU_BATCH_NORMALIZATION:
        return &npu_op_batch_normalization;
    case NPU_DEQUANTIZER:
        return &npu_op_dequantizer;
    default:
        return NULL;
    }
}
