/*
 * npu_op: the interface every layer type's semantics file (npu/ops/op_*.c) implements.
 *
 * Like an instruction-set simulator keeps one file per instruction, akisim keeps one file per
 * layer type. The model container (npu_model.c) knows nothing about any type: it calls
 * infer() to validate parameters and compute the output shape and bit width, var_specs() to
 * learn which variables the layer needs (shape and value range), and forward() to compute.
 * Internal to npu/.
 */
#ifndef NPU_OP_H
#define NPU_OP_H

#include "npu/npu_model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a layer expects of one variable; checked generically by npu_model_finalize(). */
typedef struct npu_var_spec {
    const char *name;                 /* variable name */
    npu_dtype dtype;                  /* element type */
    uint32_t ndim;                    /* number of dimensions */
    uint32_t shape[NPU_VAR_MAX_DIMS]; /* expected shape */
    int64_t min;                      /* smallest allowed value (int32 variables) */
    int64_t max;                      /* largest allowed value (int32 variables) */
    bool optional;                    /* may be absent (e.g. bias) */
} npu_var_spec;

typedef struct npu_op {
    npu_layer_type type;  /* the layer type this op implements */
    uint32_t min_inbound; /* fewest inbound layers (0 for input layers) */
    uint32_t max_inbound; /* most inbound layers */
    /* Validates l->p against the inbound layers (already finalized) and fills l->in_shape,
     * l->out_shape, l->in_bits, l->in_signed, l->out_bits, l->out_signed. Messages name
     * the field ("kernel_x", "pool_size"...); the caller prefixes the layer name. */
    npu_status (*infer)(npu_layer *l, const npu_layer *const *inbound, uint32_t n_inbound,
                        npu_err *err);
    /* Writes the layer's variable specs (at most NPU_MAX_VARS) into specs; returns the
     * count. Called after infer(). */
    uint32_t (*var_specs)(const npu_layer *l, npu_var_spec *specs);
    /* Computes one sample: in[i] are the inbound outputs; out->data is preallocated with
     * l->out_shape. Must not fail on a finalized layer except for internal errors. */
    npu_status (*forward)(const npu_layer *l, const npu_tensor *const *in, uint32_t n_in,
                          npu_tensor *out, npu_err *err);
    /* Synaptic operations (multiply-accumulates actually performed, i.e. with a non-zero
     * input) of one forward; NULL for layers without synapses. */
    uint64_t (*synops)(const npu_layer *l, const npu_tensor *const *in, uint32_t n_in);
} npu_op;

/* The op of a supported type, or NULL (transformer types). */
const npu_op *npu_op_get(npu_layer_type t);

/* One definition per op file. */
extern const npu_op npu_op_input_data;
extern const npu_op npu_op_input_convolutional;
extern const npu_op npu_op_convolutional;
extern const npu_op npu_op_separable_convolutional;
extern const npu_op npu_op_fully_connected;
extern const npu_op npu_op_input_conv2d;
extern const npu_op npu_op_conv2d;
extern const npu_op npu_op_depthwise_conv2d;
extern const npu_op npu_op_conv2d_transpose;
extern const npu_op npu_op_depthwise_conv2d_transpose;
extern const npu_op npu_op_dense1d;
extern const npu_op npu_op_dense2d;
extern const npu_op npu_op_add;
extern const npu_op npu_op_concatenate;
extern const npu_op npu_op_batch_normalization;
extern const npu_op npu_op_dequantizer;

#ifdef __cplusplus
}
#endif

#endif /* NPU_OP_H */
