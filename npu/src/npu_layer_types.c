/*
 * npu_layer_types: the static facts about every layer type of the vendor API: its exact
 * name, its IP version (Akida 1.0 / 2.0), whether akisim supports it yet, whether it is an
 * input layer, and the default parameters of seed 001 (the vendor runtime API).
 */
#include "npu/npu_model.h"

#include <string.h>

/* Static description of one layer type. */
typedef struct npu_type_info {
    const char *name; /* exact vendor name */
    int version;      /* 0: both (InputData), 1: Akida 1.0, 2: Akida 2.0 */
    bool supported;   /* false for the transformer layers */
    bool input;       /* first layer of a model */
} npu_type_info;

static const npu_type_info npu_types[NPU_LAYER_TYPE_COUNT] = {
    [NPU_INPUT_DATA] = {"InputData", 0, true, true},
    [NPU_INPUT_CONVOLUTIONAL] = {"InputConvolutional", 1, true, true},
    [NPU_CONVOLUTIONAL] = {"Convolutional", 1, true, false},
    [NPU_SEPARABLE_CONVOLUTIONAL] = {"SeparableConvolutional", 1, true, false},
    [NPU_FULLY_CONNECTED] = {"FullyConnected", 1, true, false},
    [NPU_INPUT_CONV2D] = {"InputConv2D", 2, true, true},
    [NPU_CONV2D] = {"Conv2D", 2, true, false},
    [NPU_DEPTHWISE_CONV2D] = {"DepthwiseConv2D", 2, true, false},
    [NPU_CONV2D_TRANSPOSE] = {"Conv2DTranspose", 2, true, false},
    [NPU_DEPTHWISE_CONV2D_TRANSPOSE] = {"DepthwiseConv2DTranspose", 2, true, false},
    [NPU_DENSE1D] = {"Dense1D", 2, true, false},
    [NPU_DENSE2D] = {"Dense2D", 2, true, false},
    [NPU_ADD] = {"Add", 2, true, false},
    [NPU_CONCATENATE] = {"Concatenate", 2, true, false},
    [NPU_BATCH_NORMALIZATION] = {"BatchNormalization", 2, true, false},
    [NPU_DEQUANTIZER] = {"Dequantizer", 2, true, false},
    [NPU_STEM] = {"Stem", 2, false, true},
    [NPU_ATTENTION] = {"Attention", 2, false, false},
    [NPU_SHIFTMAX] = {"Shiftmax", 2, false, false},
    [NPU_MADNORM] = {"MadNorm", 2, false, false},
    [NPU_EXTRACT_TOKEN] = {"ExtractToken", 2, false, false},
};

static bool npu_type_valid(npu_layer_type t) {
    return (unsigned)t < (unsigned)NPU_LAYER_TYPE_COUNT;
}

const char *npu_layer_type_name(npu_layer_type t) {
    return npu_type_valid(t) ? npu_types[t].name : "Unknown";
}

bool npu_layer_type_from_name(const char *name, npu_layer_type *out) {
    if (!name)
        return false;
    for (int i = 0; i < NPU_LAYER_TYPE_COUNT; i++) {
        if (strcmp(name, npu_types[i].name) == 0) {
            if (out)
                *out = (npu_layer_type)i;
            return true;
        }
    }
    return false;
}

int npu_layer_type_version(npu_layer_type t) {
    return npu_type_valid(t) ? npu_types[t].version : 0;
}

bool npu_layer_type_supported(npu_layer_type t) {
    return npu_type_valid(t) && npu_types[t].supported;
}

bool npu_layer_type_is_input(npu_layer_type t) {
    /* Stem is the transformer input block but is not supported: only the three below count. */
    return t == NPU_INPUT_DATA || t == NPU_INPUT_CONVOLUTIONAL || t == NPU_INPUT_CONV2D;
}

/* Defaults shared by the Akida 1.0 neural layers (seed 001 signatures). */
static void npu_params_v1(npu_params *p) {
    p->stride_x = 1;
    p->stride_y = 1;
    p->padding = NPU_PAD_SAME;
    p->activation = true;
    p->weights_bits = 1;
    p->act_bits = 1;
}

/* Defaults shared by the Akida 2.0 layers (seed 001 signatures). */
static void npu_params_v2(npu_params *p) {
    p->stride_x = 1;
    p->stride_y = 1;
    p->padding = NPU_PAD_SAME;
    p->activation = true;
    p->weights_bits = 8;
    p->output_bits = 8;
    p->buffer_bits = 32;
}

npu_params npu_params_default(npu_layer_type t) {
    npu_params p;
    memset(&p, 0, sizeof p);
    p.pool_type = NPU_POOL_NONE;
    p.pool_x = p.pool_y = -1;
    p.pool_stride_x = p.pool_stride_y = -1;
    if (npu_layer_type_version(t) == 1)
        npu_params_v1(&p);
    else if (npu_layer_type_version(t) == 2)
        npu_params_v2(&p);
    switch (t) {
    case NPU_INPUT_DATA:
        p.input_bits = 4; /* InputData(input_shape, input_bits=4, input_signed=False) */
        break;
    case NPU_INPUT_CONVOLUTIONAL:
    case NPU_INPUT_CONV2D:
        p.input_bits = 8; /* image layers: 8-bit pixels */
        break;
    case NPU_SEPARABLE_CONVOLUTIONAL:
        p.weights_bits = 2; /* SeparableConvolutional(..., weights_bits=2) */
        break;
    case NPU_DENSE1D:
    case NPU_BATCH_NORMALIZATION:
        p.activation = false; /* activation=False in their signatures */
        break;
    case NPU_DENSE2D:
        p.activation = false;
        p.weights_bits = 4; /* Dense2D documents weights_bits=4 */
        break;
    case NPU_CONV2D_TRANSPOSE:
    case NPU_DEPTHWISE_CONV2D_TRANSPOSE:
        /* "performs only transpose convolution with a Same padding and a kernel stride
         * equal to 2" (seed 001): not a parameter, so the default is the only value. */
        p.stride_x = p.stride_y = 2;
        break;
    case NPU_ADD:
    case NPU_CONCATENATE:
    case NPU_DEQUANTIZER:
    case NPU_SHIFTMAX:
    case NPU_MADNORM:
    case NPU_EXTRACT_TOKEN:
    case NPU_ATTENTION:
    case NPU_STEM:
        p.activation = false; /* no activation parameter */
        break;
    default:
        break;
    }
    return p;
}
