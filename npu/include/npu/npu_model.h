/*
 * npu_model: the golden functional model of an Akida-class network.
 *
 * A model is a DAG of layers stored in topological order: a layer's inbound layers always
 * come before it (sequential by default; Add and Concatenate name their inbound layers).
 * Each layer has a type, parameters (names and defaults of the vendor runtime API, seed 001),
 * and named variables (weights, thresholds, shifts...). npu_model_finalize() infers every
 * shape and bit width and validates parameters and variables; npu_model_forward() then runs
 * the integer-exact semantics of docs/semantics.md, one op file per layer type (npu/ops/).
 *
 * Tensors are (x, y, c) in C order (numpy axes 1, 2, 3 of an (n, x, y, c) batch); all
 * activations and potentials are held as int32.
 */
#ifndef NPU_MODEL_H
#define NPU_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "npu/npu_err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Every layer type of the vendor API. Transformer types are recognised but not supported. */
typedef enum npu_layer_type {
    NPU_INPUT_DATA = 0,
    NPU_INPUT_CONVOLUTIONAL,        /* v1: HRC input layer, 8-bit images */
    NPU_CONVOLUTIONAL,              /* v1 */
    NPU_SEPARABLE_CONVOLUTIONAL,    /* v1: fused depthwise + pointwise */
    NPU_FULLY_CONNECTED,            /* v1 */
    NPU_INPUT_CONV2D,               /* v2 */
    NPU_CONV2D,                     /* v2 */
    NPU_DEPTHWISE_CONV2D,           /* v2 */
    NPU_CONV2D_TRANSPOSE,           /* v2 */
    NPU_DEPTHWISE_CONV2D_TRANSPOSE, /* v2 */
    NPU_DENSE1D,                    /* v2 */
    NPU_DENSE2D,                    /* v2 */
    NPU_ADD,                        /* v2 */
    NPU_CONCATENATE,                /* v2 */
    NPU_BATCH_NORMALIZATION,        /* v2 */
    NPU_DEQUANTIZER,                /* v2 */
    NPU_STEM,                       /* v2 transformer: not supported yet */
    NPU_ATTENTION,                  /* v2 transformer: not supported yet */
    NPU_SHIFTMAX,                   /* v2 transformer: not supported yet */
    NPU_MADNORM,                    /* v2 transformer: not supported yet */
    NPU_EXTRACT_TOKEN,              /* v2 transformer: not supported yet */
    NPU_LAYER_TYPE_COUNT
} npu_layer_type;

typedef enum npu_padding { NPU_PAD_VALID = 0, NPU_PAD_SAME = 1 } npu_padding;

/* Average pooling is global average pooling (pool size -1); see docs/semantics.md. */
typedef enum npu_pool_type { NPU_POOL_NONE = 0, NPU_POOL_MAX = 1, NPU_POOL_AVG = 2 } npu_pool_type;

typedef struct npu_shape {
    uint32_t x; /* first spatial axis (numpy axis 1); "columns" for the mapper */
    uint32_t y; /* second spatial axis (numpy axis 2) */
    uint32_t c; /* channels (numpy axis 3) */
} npu_shape;

/* Layer parameters: one flat record for all types; each op reads the fields it documents.
 * npu_params_default() fills the seed-001 defaults of a type. */
typedef struct npu_params {
    npu_shape input_shape;   /* InputData, InputConvolutional, InputConv2D: model input */
    uint32_t input_bits;     /* InputData: 1, 2, 4 or 8 (8 for the image input layers) */
    bool input_signed;       /* InputData: inputs are int8 rather than uint8 */
    uint32_t kernel_x;       /* kernel size along x (v2: kernel_size, square) */
    uint32_t kernel_y;       /* kernel size along y */
    uint32_t filters;        /* filters (conv) or units (dense) */
    uint32_t stride_x;       /* kernel stride along x */
    uint32_t stride_y;       /* kernel stride along y */
    npu_padding padding;     /* Same or Valid */
    int32_t padding_value;   /* input layers: value of padded input pixels */
    npu_pool_type pool_type; /* NoPooling, Max or Average (global) */
    int32_t pool_x;          /* pool size along x; -1 = unset / global */
    int32_t pool_y;          /* pool size along y; -1 = unset / global */
    int32_t pool_stride_x;   /* pool stride along x; -1 = pool size */
    int32_t pool_stride_y;   /* pool stride along y; -1 = pool size */
    bool activation;         /* v1: threshold/step activation; v2: ReLU */
    uint32_t weights_bits;   /* v1: weight bit width (1, 2, 4; 8 for InputConvolutional) */
    uint32_t act_bits;       /* v1: activation bit width (1, 2, 4) */
    uint32_t output_bits;    /* v2: output bit width (saturation range) */
    uint32_t buffer_bits;    /* v2: accumulator width (wraps modulo 2^buffer_bits) */
} npu_params;

typedef enum npu_dtype { NPU_DTYPE_I32 = 0, NPU_DTYPE_F32 = 1 } npu_dtype;

#define NPU_VAR_NAME_MAX 32
#define NPU_VAR_MAX_DIMS 4
#define NPU_MAX_VARS 8
#define NPU_MAX_INBOUND 8
#define NPU_NAME_MAX 64

/* A named layer variable: an int32 (or, for Dequantizer scales, float32) array. */
typedef struct npu_var {
    char name[NPU_VAR_NAME_MAX];      /* e.g. "weights", "threshold" */
    npu_dtype dtype;                  /* element type */
    uint32_t ndim;                    /* number of dimensions (1..4) */
    uint32_t shape[NPU_VAR_MAX_DIMS]; /* C-order shape */
    size_t count;                     /* product of shape */
    void *data;                       /* owned: int32_t[count] or float[count] */
} npu_var;

typedef struct npu_layer {
    char name[NPU_NAME_MAX];           /* unique layer name */
    npu_layer_type type;               /* layer type */
    npu_params p;                      /* parameters */
    uint32_t n_inbound;                /* number of inbound layers (0 for input layers) */
    uint32_t inbound[NPU_MAX_INBOUND]; /* indices of inbound layers, all < own index */
    uint32_t n_vars;                   /* number of variables set */
    npu_var vars[NPU_MAX_VARS];        /* variables, in the order they were set */
    /* Filled by npu_model_finalize(): */
    npu_shape in_shape;  /* shape of the (first) input */
    npu_shape out_shape; /* output shape */
    uint32_t in_bits;    /* bit width of the (first) input */
    bool in_signed;      /* input values may be negative */
    uint32_t out_bits;   /* bit width of the output values (32 = potentials) */
    bool out_signed;     /* output values may be negative */
} npu_layer;

typedef struct npu_model npu_model; /* opaque: layers in topological order */

/* Type names exactly as in the vendor API ("InputConvolutional", "Conv2D", ...). */
const char *npu_layer_type_name(npu_layer_type t);
/* Parses a type name; returns false when unknown. */
bool npu_layer_type_from_name(const char *name, npu_layer_type *out);
/* 1 for Akida 1.0 layers, 2 for Akida 2.0 layers, 0 for InputData (both). */
int npu_layer_type_version(npu_layer_type t);
/* false for the transformer layers (recognised but not supported yet). */
bool npu_layer_type_supported(npu_layer_type t);
/* true for InputData, InputConvolutional and InputConv2D. */
bool npu_layer_type_is_input(npu_layer_type t);

/* Seed-001 defaults of a layer type's parameters. */
npu_params npu_params_default(npu_layer_type t);

/* Returns a new empty model, or NULL when out of memory. */
npu_model *npu_model_new(void);
void npu_model_free(npu_model *m);
/* Deep copy; NULL when out of memory. */
npu_model *npu_model_clone(const npu_model *m);

/* Appends a layer. inbound: indices of existing layers; n_inbound == 0 means "the previous
 * layer" (none for an input layer). Unsupported types, duplicate names, bad inbound indices
 * fail with NPU_ERR_INPUT. Returns the status; the new layer's index is n_layers - 1. */
npu_status npu_model_add(npu_model *m, npu_layer_type type, const char *name, const npu_params *p,
                         const uint32_t *inbound, uint32_t n_inbound, npu_err *err);

/* Sets (copies) a variable of layer `layer`, replacing one of the same name. data holds
 * count elements of dtype. Shape and range are checked by npu_model_finalize(). */
npu_status npu_model_set_var(npu_model *m, uint32_t layer, const char *name, npu_dtype dtype,
                             uint32_t ndim, const uint32_t *shape, const void *data, npu_err *err);

/* Infers shapes and bit widths, validates parameters and variables (presence, shape, value
 * range) of every layer. Must succeed before forward. Messages name the layer and field. */
npu_status npu_model_finalize(npu_model *m, npu_err *err);

uint32_t npu_model_layer_count(const npu_model *m);
const npu_layer *npu_model_layer(const npu_model *m, uint32_t i);
/* Index of the layer called name, or -1. */
int npu_model_find(const npu_model *m, const char *name);
/* The variable called name of a layer, or NULL. */
const npu_var *npu_layer_var(const npu_layer *l, const char *name);
/* 1 or 2: the IP version of the model's layers (2 when any layer is a v2 layer). */
int npu_model_ip_version(const npu_model *m);
/* Model input shape / bits / sign and output shape (after finalize). */
npu_shape npu_model_input_shape(const npu_model *m);
uint32_t npu_model_input_bits(const npu_model *m);
bool npu_model_input_signed(const npu_model *m);
npu_shape npu_model_output_shape(const npu_model *m);

/* A dense activation tensor: int32 values, (x, y, c) C order. */
typedef struct npu_tensor {
    npu_shape shape; /* dimensions */
    int32_t *data;   /* shape.x * shape.y * shape.c values; owned by whoever allocated it */
} npu_tensor;

/* Checks that an input sample has the model's shape and that every value fits the input
 * bits (and sign). Returns NPU_ERR_INPUT with the first offending index otherwise. */
npu_status npu_model_check_input(const npu_model *m, const npu_tensor *in, npu_err *err);

/* Runs one sample through the model. out->data is allocated (malloc) by the callee with the
 * output shape. When per_layer is not NULL it must hold npu_model_layer_count() tensors and
 * receives every layer's output (allocated by the callee; free with npu_tensor_free). */
npu_status npu_model_forward(const npu_model *m, const npu_tensor *in, npu_tensor *out,
                             npu_tensor *per_layer, npu_err *err);

/* Runs layer i alone (added for the engine's host model, H11): in[k] is the output of the
 * layer's k-th inbound layer (for an input layer, in[0] is the model input; n_in = 1). out
 * receives a new tensor of the layer's output shape. NPU_ERR_INPUT when i is out of range,
 * the model is not finalized or an input shape differs from the inbound layer's output. */
npu_status npu_model_forward_layer(const npu_model *m, uint32_t i, const npu_tensor *const *in,
                                   uint32_t n_in, npu_tensor *out, npu_err *err);

void npu_tensor_free(npu_tensor *t);
static inline size_t npu_shape_size(npu_shape s) {
    return (size_t)s.x * s.y * s.c;
}

#ifdef __cplusplus
}
#endif

#endif /* NPU_MODEL_H */
