/*
 * npu_v2_stage: what the Akida 2.0 compute layers (InputConv2D, Conv2D, DepthwiseConv2D, the
 * transposes, Dense1D, Dense2D) share, so that each op file only states its own geometry.
 *
 * The v2 output pipeline, per output value of filter f (docs/semantics-v2.md):
 *   acc   = kernel(inputs << input_shift)           int32, wraps modulo 2^32
 *   v     = wrap(acc, buffer_bits) + (bias[f] << bias_shift[f])
 *   v     = saturate_signed(v, buffer_bits)
 *   v     = maxpool(v) or global sum saturated to buffer_bits (optional)
 *   v     = max(v, 0) when activation (ReLU)
 *   v     = shift_round(v * output_scale[f], output_shift[f])   (> 0: right, half up)
 *   out   = saturate(v, output_bits), unsigned range with ReLU, signed range without.
 * Absent optional variables take neutral defaults: input_shift 0, bias 0, bias_shift 0,
 * output_scale 1, output_shift 0. Internal to npu/.
 */
#ifndef NPU_V2_STAGE_H
#define NPU_V2_STAGE_H

#include "npu_kernels.h"
#include "npu_op.h"

/* Value ranges of the v2 variables (checked by npu_model_finalize through the var specs). */
#define NPU_V2_WEIGHT_MIN (-128)              /* weights are 8-bit signed */
#define NPU_V2_WEIGHT_MAX 127                 /* weights are 8-bit signed */
#define NPU_V2_SHIFT_IN_MAX 31                /* input_shift, bias_shift, a_shift, b_shift: 0..31 */
#define NPU_V2_OUT_SHIFT_MIN (-32)            /* output_shift (> 0 = right shift): -32..63 */
#define NPU_V2_OUT_SHIFT_MAX 63               /* output_shift upper bound */
#define NPU_V2_SCALE_MAX ((int64_t)INT32_MAX) /* output_scale: 0..2^31-1 */

/* A transposed or forward convolution kernel (npu_kernels.h signatures). */
typedef void (*npu_v2_kernel)(const npu_conv_geom *g, const int32_t *in, const int32_t *w,
                              int32_t *acc);

/* ---- infer helpers: messages name the field; the caller prefixes the layer ---- */

/* Takes the single inbound layer's output as this layer's input (shape, bits, sign). */
npu_status npu_v2_take_input(npu_layer *l, const npu_layer *const *inbound, uint32_t n_inbound,
                             npu_err *err);
/* Checks buffer_bits (1..32) and output_bits (1..32, 1..31 with ReLU); sets out_bits and
 * out_signed (= !activation). */
npu_status npu_v2_check_output(npu_layer *l, npu_err *err);
/* Checks kernel_x/y >= 1, stride_x/y >= 1, the padding mode and filters >= 1 (when
 * need_filters). */
npu_status npu_v2_check_kernel(const npu_layer *l, bool need_filters, npu_err *err);
/* Fails when the layer asks for pooling, which its type does not have. */
npu_status npu_v2_check_no_pool(const npu_layer *l, npu_err *err);
/* Transposed convolutions: stride must be 2 along both axes and padding Same; the output
 * (in * 2) must not overflow. */
npu_status npu_v2_check_transpose(const npu_layer *l, npu_err *err);
/* Fails when a tensor or array of n elements exceeds the model's size limit. */
npu_status npu_v2_check_elements(uint64_t n, const char *what, npu_err *err);
/* From the convolution output shape conv, validates the pooling parameters and sets
 * l->out_shape (max pool: layer padding mode; average: global, 1 x 1). */
npu_status npu_v2_infer_pool(npu_layer *l, npu_shape conv, npu_err *err);

/* Checks a forward convolution geometry (non-empty output, weights count within limits) and
 * infers the pooled output shape. */
npu_status npu_v2_infer_conv(npu_layer *l, const npu_conv_geom *g, uint64_t weights, npu_err *err);

/* ---- var specs ---- */

/* Appends one spec at specs[n]; returns n + 1. shape holds ndim entries. */
uint32_t npu_v2_spec(npu_var_spec *specs, uint32_t n, const char *name, uint32_t ndim,
                     const uint32_t *shape, int64_t min, int64_t max, bool optional);
/* Appends the optional pipeline specs (input_shift per input channel when with_input_shift,
 * bias, bias_shift, output_scale, output_shift per output channel); returns the new count. */
uint32_t npu_v2_pipeline_specs(const npu_layer *l, npu_var_spec *specs, uint32_t n,
                               bool with_input_shift);

/* ---- forward ---- */

/* When the layer has input_shift, *buf receives a malloc'd copy of in shifted per channel
 * (wrapped to int32: exact, as accumulators wrap modulo 2^32 anyway); else *buf = NULL. */
npu_status npu_v2_shifted_input(const npu_layer *l, const npu_tensor *in, int32_t **buf,
                                npu_err *err);
/* Runs the output pipeline on acc (shape conv, modified in place) into out (l->out_shape).
 * with_pool: apply the layer's pooling parameters (false for types without pooling). */
npu_status npu_v2_stage_run(const npu_layer *l, int32_t *acc, npu_shape conv, bool with_pool,
                            npu_tensor *out, npu_err *err);
/* Whole forward of a convolution-like layer: input shift (when with_input_shift), kernel(g,
 * in, weights), pipeline (pooling when with_pool). */
npu_status npu_v2_conv_forward(const npu_layer *l, const npu_conv_geom *g, npu_v2_kernel kernel,
                               const npu_tensor *in, bool with_input_shift, bool with_pool,
                               npu_tensor *out, npu_err *err);

/* ---- geometry and synaptic operations ---- */

/* Fills g for a transposed convolution: out = in * stride, pad = (k - stride) / 2 floored at 0,
 * not flipped. */
void npu_v2_transpose_geom(npu_conv_geom *g, npu_shape in, uint32_t filters, uint32_t kx,
                           uint32_t ky, uint32_t sx, uint32_t sy);
/* Synaptic operations of a (transposed when transpose) convolution with geometry g on input in:
 * every non-zero input value times the number of kernel taps it meets inside the output,
 * times per_tap (filters for dense convolutions, 1 for depthwise). Padding is not an event. */
uint64_t npu_v2_conv_synops(const npu_conv_geom *g, const npu_tensor *in, bool transpose,
                            uint64_t per_tap);

#endif /* NPU_V2_STAGE_H */
