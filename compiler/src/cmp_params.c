/*
 * cmp_params: the model.json parameter table (see cmp_params.h): names and limits of every
 * parameter, the parameters each layer type accepts (those of its constructor in the
 * vendor runtime API, seed 001), and the mapping onto the flat npu_params record.
 */
#include "cmp_params.h"

#include <string.h>

static const char *const PADDING_NAMES[] = {"Valid", "Same", NULL};
static const char *const POOL_NAMES[] = {"NoPooling", "Max", "Average", NULL};

static const cmp_param_def PARAMS[CMP_P_COUNT] = {
    [CMP_P_INPUT_SHAPE] = {"input_shape", CMP_PK_SHAPE3, 1, CMP_DIM_MAX, NULL},
    [CMP_P_INPUT_BITS] = {"input_bits", CMP_PK_UINT, 1, 32, NULL},
    [CMP_P_INPUT_SIGNED] = {"input_signed", CMP_PK_BOOL, 0, 1, NULL},
    [CMP_P_KERNEL_SIZE] = {"kernel_size", CMP_PK_PAIR, 1, 4096, NULL},
    [CMP_P_FILTERS] = {"filters", CMP_PK_UINT, 1, CMP_DIM_MAX, NULL},
    [CMP_P_UNITS] = {"units", CMP_PK_UINT, 1, CMP_DIM_MAX, NULL},
    [CMP_P_KERNEL_STRIDE] = {"kernel_stride", CMP_PK_PAIR, 1, 4096, NULL},
    [CMP_P_PADDING] = {"padding", CMP_PK_ENUM, 0, 1, PADDING_NAMES},
    [CMP_P_PADDING_VALUE] = {"padding_value", CMP_PK_INT, INT32_MIN, INT32_MAX, NULL},
    [CMP_P_POOL_TYPE] = {"pool_type", CMP_PK_ENUM, 0, 2, POOL_NAMES},
    [CMP_P_POOL_SIZE] = {"pool_size", CMP_PK_PAIR, -1, 4096, NULL},
    [CMP_P_POOL_STRIDE] = {"pool_stride", CMP_PK_PAIR, -1, 4096, NULL},
    [CMP_P_ACTIVATION] = {"activation", CMP_PK_BOOL, 0, 1, NULL},
    [CMP_P_WEIGHTS_BITS] = {"weights_bits", CMP_PK_UINT, 1, 32, NULL},
    [CMP_P_ACT_BITS] = {"act_bits", CMP_PK_UINT, 1, 32, NULL},
    [CMP_P_OUTPUT_BITS] = {"output_bits", CMP_PK_UINT, 1, 32, NULL},
    [CMP_P_BUFFER_BITS] = {"buffer_bits", CMP_PK_UINT, 1, 32, NULL},
};

#define B(id) (1u << (id))
/* Spatial conv parameters shared by the v1 conv layers. */
#define V1_CONV                                                                                    \
    (B(CMP_P_KERNEL_SIZE) | B(CMP_P_FILTERS) | B(CMP_P_PADDING) | B(CMP_P_KERNEL_STRIDE) |         \
     B(CMP_P_WEIGHTS_BITS) | B(CMP_P_POOL_SIZE) | B(CMP_P_POOL_TYPE) | B(CMP_P_POOL_STRIDE) |      \
     B(CMP_P_ACTIVATION) | B(CMP_P_ACT_BITS))
#define V2_OUT (B(CMP_P_ACTIVATION) | B(CMP_P_OUTPUT_BITS) | B(CMP_P_BUFFER_BITS))
#define V2_CONV                                                                                    \
    (B(CMP_P_KERNEL_SIZE) | B(CMP_P_PADDING) | B(CMP_P_KERNEL_STRIDE) | B(CMP_P_POOL_TYPE) |       \
     B(CMP_P_POOL_SIZE) | B(CMP_P_POOL_STRIDE) | V2_OUT)

/* Accepted parameters per type (seed 001 constructor arguments). */
static const uint32_t ALLOWED[NPU_LAYER_TYPE_COUNT] = {
    [NPU_INPUT_DATA] = B(CMP_P_INPUT_SHAPE) | B(CMP_P_INPUT_BITS) | B(CMP_P_INPUT_SIGNED),
    [NPU_INPUT_CONVOLUTIONAL] = V1_CONV | B(CMP_P_INPUT_SHAPE) | B(CMP_P_PADDING_VALUE),
    [NPU_CONVOLUTIONAL] = V1_CONV,
    [NPU_SEPARABLE_CONVOLUTIONAL] = V1_CONV,
    [NPU_FULLY_CONNECTED] =
        B(CMP_P_UNITS) | B(CMP_P_WEIGHTS_BITS) | B(CMP_P_ACTIVATION) | B(CMP_P_ACT_BITS),
    [NPU_INPUT_CONV2D] = V2_CONV | B(CMP_P_FILTERS) | B(CMP_P_INPUT_SHAPE) | B(CMP_P_PADDING_VALUE),
    [NPU_CONV2D] = V2_CONV | B(CMP_P_FILTERS),
    [NPU_DEPTHWISE_CONV2D] = V2_CONV,
    [NPU_CONV2D_TRANSPOSE] = B(CMP_P_FILTERS) | B(CMP_P_KERNEL_SIZE) | V2_OUT,
    [NPU_DEPTHWISE_CONV2D_TRANSPOSE] = B(CMP_P_KERNEL_SIZE) | V2_OUT,
    [NPU_DENSE1D] = B(CMP_P_UNITS) | V2_OUT,
    [NPU_DENSE2D] = B(CMP_P_UNITS) | B(CMP_P_WEIGHTS_BITS) | V2_OUT,
    [NPU_ADD] = B(CMP_P_OUTPUT_BITS) | B(CMP_P_BUFFER_BITS),
    [NPU_CONCATENATE] = 0,
    [NPU_BATCH_NORMALIZATION] = V2_OUT,
    [NPU_DEQUANTIZER] = 0,
};

/* Parameters without a default (required constructor arguments). */
static const uint32_t REQUIRED[NPU_LAYER_TYPE_COUNT] = {
    [NPU_INPUT_DATA] = B(CMP_P_INPUT_SHAPE),
    [NPU_INPUT_CONVOLUTIONAL] = B(CMP_P_INPUT_SHAPE) | B(CMP_P_KERNEL_SIZE) | B(CMP_P_FILTERS),
    [NPU_CONVOLUTIONAL] = B(CMP_P_KERNEL_SIZE) | B(CMP_P_FILTERS),
    [NPU_SEPARABLE_CONVOLUTIONAL] = B(CMP_P_KERNEL_SIZE) | B(CMP_P_FILTERS),
    [NPU_FULLY_CONNECTED] = B(CMP_P_UNITS),
    [NPU_INPUT_CONV2D] = B(CMP_P_INPUT_SHAPE) | B(CMP_P_KERNEL_SIZE) | B(CMP_P_FILTERS),
    [NPU_CONV2D] = B(CMP_P_KERNEL_SIZE) | B(CMP_P_FILTERS),
    [NPU_DEPTHWISE_CONV2D] = B(CMP_P_KERNEL_SIZE),
    [NPU_CONV2D_TRANSPOSE] = B(CMP_P_KERNEL_SIZE) | B(CMP_P_FILTERS),
    [NPU_DEPTHWISE_CONV2D_TRANSPOSE] = B(CMP_P_KERNEL_SIZE),
    [NPU_DENSE1D] = B(CMP_P_UNITS),
    [NPU_DENSE2D] = B(CMP_P_UNITS),
};

const cmp_param_def *cmp_param_def_get(cmp_param_id id) {
    return (unsigned)id < CMP_P_COUNT ? &PARAMS[id] : NULL;
}

bool cmp_param_lookup(const char *name, cmp_param_id *out) {
    for (int i = 0; i < CMP_P_COUNT; i++) {
        if (strcmp(PARAMS[i].name, name) == 0) {
            *out = (cmp_param_id)i;
            return true;
        }
    }
    return false;
}

bool cmp_param_allowed(npu_layer_type t, cmp_param_id id) {
    return (unsigned)t < NPU_LAYER_TYPE_COUNT && (unsigned)id < CMP_P_COUNT && (ALLOWED[t] & B(id));
}

bool cmp_param_required(npu_layer_type t, cmp_param_id id) {
    return (unsigned)t < NPU_LAYER_TYPE_COUNT && (unsigned)id < CMP_P_COUNT &&
           (REQUIRED[t] & B(id));
}

/* Levenshtein distance of two short strings, capped at 9. */
static size_t edit_distance(const char *a, const char *b) {
    const size_t la = strlen(a), lb = strlen(b);
    if (la > 40 || lb > 40)
        return 9;
    size_t row[41];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            const size_t up = row[j];
            const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t best = diag + cost;
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb] > 9 ? 9 : row[lb];
}

const char *cmp_param_suggest(npu_layer_type t, const char *name) {
    if (strcmp(name, "filters") == 0 && cmp_param_allowed(t, CMP_P_UNITS))
        return "units";
    if (strcmp(name, "units") == 0 && cmp_param_allowed(t, CMP_P_FILTERS))
        return "filters";
    const char *best = NULL;
    size_t best_d = 3;
    for (int i = 0; i < CMP_P_COUNT; i++) {
        if (!cmp_param_allowed(t, (cmp_param_id)i))
            continue;
        const size_t d = edit_distance(name, PARAMS[i].name);
        if (d < best_d) {
            best_d = d;
            best = PARAMS[i].name;
        }
    }
    return best;
}

void cmp_param_get(const npu_params *p, cmp_param_id id, int64_t v[3]) {
    v[0] = v[1] = v[2] = 0;
    switch (id) {
    case CMP_P_INPUT_SHAPE:
        v[0] = p->input_shape.x, v[1] = p->input_shape.y, v[2] = p->input_shape.c;
        break;
    case CMP_P_INPUT_BITS:
        v[0] = p->input_bits;
        break;
    case CMP_P_INPUT_SIGNED:
        v[0] = p->input_signed;
        break;
    case CMP_P_KERNEL_SIZE:
        v[0] = p->kernel_x, v[1] = p->kernel_y;
        break;
    case CMP_P_FILTERS:
    case CMP_P_UNITS:
        v[0] = p->filters;
        break;
    case CMP_P_KERNEL_STRIDE:
        v[0] = p->stride_x, v[1] = p->stride_y;
        break;
    case CMP_P_PADDING:
        v[0] = p->padding;
        break;
    case CMP_P_PADDING_VALUE:
        v[0] = p->padding_value;
        break;
    case CMP_P_POOL_TYPE:
        v[0] = p->pool_type;
        break;
    case CMP_P_POOL_SIZE:
        v[0] = p->pool_x, v[1] = p->pool_y;
        break;
    case CMP_P_POOL_STRIDE:
        v[0] = p->pool_stride_x, v[1] = p->pool_stride_y;
        break;
    case CMP_P_ACTIVATION:
        v[0] = p->activation;
        break;
    case CMP_P_WEIGHTS_BITS:
        v[0] = p->weights_bits;
        break;
    case CMP_P_ACT_BITS:
        v[0] = p->act_bits;
        break;
    case CMP_P_OUTPUT_BITS:
        v[0] = p->output_bits;
        break;
    case CMP_P_BUFFER_BITS:
        v[0] = p->buffer_bits;
        break;
    default:
        break;
    }
}

void cmp_param_set(npu_params *p, cmp_param_id id, const int64_t v[3]) {
    switch (id) {
    case CMP_P_INPUT_SHAPE:
        p->input_shape.x = (uint32_t)v[0];
        p->input_shape.y = (uint32_t)v[1];
        p->input_shape.c = (uint32_t)v[2];
        break;
    case CMP_P_INPUT_BITS:
        p->input_bits = (uint32_t)v[0];
        break;
    case CMP_P_INPUT_SIGNED:
        p->input_signed = v[0] != 0;
        break;
    case CMP_P_KERNEL_SIZE:
        p->kernel_x = (uint32_t)v[0], p->kernel_y = (uint32_t)v[1];
        break;
    case CMP_P_FILTERS:
    case CMP_P_UNITS:
        p->filters = (uint32_t)v[0];
        break;
    case CMP_P_KERNEL_STRIDE:
        p->stride_x = (uint32_t)v[0], p->stride_y = (uint32_t)v[1];
        break;
    case CMP_P_PADDING:
        p->padding = v[0] ? NPU_PAD_SAME : NPU_PAD_VALID;
        break;
    case CMP_P_PADDING_VALUE:
        p->padding_value = (int32_t)v[0];
        break;
    case CMP_P_POOL_TYPE:
        p->pool_type = (npu_pool_type)v[0];
        break;
    case CMP_P_POOL_SIZE:
        p->pool_x = (int32_t)v[0], p->pool_y = (int32_t)v[1];
        break;
    case CMP_P_POOL_STRIDE:
        p->pool_stride_x = (int32_t)v[0];
        p->pool_stride_y = (int32_t)v[1];
        break;
    case CMP_P_ACTIVATION:
        p->activation = v[0] != 0;
        break;
    case CMP_P_WEIGHTS_BITS:
        p->weights_bits = (uint32_t)v[0];
        break;
    case CMP_P_ACT_BITS:
        p->act_bits = (uint32_t)v[0];
        break;
    case CMP_P_OUTPUT_BITS:
        p->output_bits = (uint32_t)v[0];
        break;
    case CMP_P_BUFFER_BITS:
        p->buffer_bits = (uint32_t)v[0];
        break;
    default:
        break;
    }
}
