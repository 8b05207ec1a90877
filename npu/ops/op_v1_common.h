/*
 * op_v1_common: helpers shared by the Akida 1.0 layer ops (op_input_convolutional.c,
 * op_convolutional.c, op_separable_convolutional.c, op_fully_connected.c): parameter checks,
 * convolution and pooling geometry, variable specs, the pooling + activation tail of the
 * pipeline and synaptic-operation counting. Internal to npu/ops.
 *
 * The v1 pipeline (docs/semantics.md, "Akida 1.0 layers"): potentials p = integer
 * convolution (or dense product) accumulated in int32 with wrap-around; optional max pooling
 * of the potentials or global sum (global average pooling); then, per filter f, the
 * step-wise activation of threshold[f] and act_step[f] on act_bits, or the raw potential
 * when activation is off.
 */
#ifndef OP_V1_COMMON_H
#define OP_V1_COMMON_H

#include "npu_kernels.h"
#include "npu_op.h"

/* Largest kernel size, stride or pool size accepted (keeps geometry in 32-bit range). */
#define NPU_V1_MAX_WINDOW 65535u

/* Smallest / largest v1 weight of `bits` bits: binary {0, 1} for 1 bit, else symmetric
 * -(2^(bits-1) - 1) .. 2^(bits-1) - 1 (4-bit: -7..7, 8-bit: -127..127). */
int64_t npu_v1_weight_min(uint32_t bits);
int64_t npu_v1_weight_max(uint32_t bits);

/* Checks an input layer's input_shape: no zero dimension, at most 2^28 elements. */
npu_status npu_v1_check_input_shape(const npu_params *p, npu_err *err);

/* Checks weights_bits (1, 2, 4, and 8 when allow8) and, when activation is on, act_bits
 * (1, 2, 4). */
npu_status npu_v1_check_bits(const npu_layer *l, bool allow8, npu_err *err);

/* Takes the input shape and bits of a v1 neural layer from its inbound layer; inputs must
 * be at most 8 bits wide (not the 32-bit potentials of a layer without activation). */
npu_status npu_v1_take_input(npu_layer *l, const npu_layer *in, npu_err *err);

/* Validates kernel, stride, padding and filters and computes the convolution output shape
 * (before pooling) for input shape `in` and `filters` output channels. */
npu_status npu_v1_conv_shape(const npu_layer *l, npu_shape in, uint32_t filters,
                             npu_shape *conv_out, npu_err *err);

/* Validates the pooling parameters and computes the layer output shape from the
 * convolution output shape. */
npu_status npu_v1_pool_shape(const npu_layer *l, npu_shape conv_out, npu_shape *out, npu_err *err);

/* Sets out_bits / out_signed: act_bits unsigned with activation, 32-bit signed without. */
void npu_v1_set_out_bits(npu_layer *l);

/* Fills one variable spec. */
void npu_v1_spec(npu_var_spec *s, const char *name, uint32_t ndim, const uint32_t *shape,
                 int64_t min, int64_t max);
/* Appends the "threshold" and "act_step" specs (shape (filters,)) at specs[0..1]; returns 2. */
uint32_t npu_v1_act_specs(uint32_t filters, npu_var_spec *specs);

/* The conv geometry of a layer (kernel, stride, padding from its params). */
void npu_v1_geom(const npu_layer *l, npu_shape in, uint32_t filters, int32_t pad_value, bool flip,
                 npu_conv_geom *g);

/* Pools (max or global sum, per l->p) and activates potentials `acc` of shape acc_shape into
 * out (shape l->out_shape). acc may be out->data itself when there is no pooling. */
npu_status npu_v1_pool_activate(const npu_layer *l, const int32_t *acc, npu_shape acc_shape,
                                npu_tensor *out, npu_err *err);

/* Convolution + pooling + activation of a v1 conv layer: w is (kx, ky, in.c, filters). */
npu_status npu_v1_conv_forward(const npu_layer *l, const npu_tensor *in, const int32_t *w,
                               int32_t pad_value, bool flip, npu_tensor *out, npu_err *err);

/* Synaptic operations of a convolution: sum over the non-zero input values of the number of
 * output positions (before pooling) whose receptive field holds them, times `per_tap`
 * (filters; 1 for a depthwise convolution). Padded pixels are not inputs and never count. */
uint64_t npu_v1_conv_synops(const npu_conv_geom *g, const int32_t *in, uint32_t per_tap);

/* The int32 data of a variable known (after finalize) to exist. */
const int32_t *npu_v1_var(const npu_layer *l, const char *name);

#endif /* OP_V1_COMMON_H */
