/*
 * npu_kernels: the shared integer compute kernels under the layer ops.
 *
 * Ops (npu/ops/) describe *what* a layer computes; these kernels do the heavy loops once,
 * laid out for speed (event-driven scatter over non-zero inputs, filters innermost and
 * contiguous so the compiler vectorises them). Accumulators are int32 updated with uint32
 * arithmetic, i.e. they wrap modulo 2^32 (well defined, and independent of the order in
 * which events arrive; see docs/semantics.md). Internal to npu/.
 *
 * Geometry follows TensorFlow: Same padding gives out = ceil(in / stride) and pads
 * pad_total = max((out - 1) * stride + k - in, 0), pad_before = pad_total / 2;
 * Valid gives out = (in - k) / stride + 1.
 */
#ifndef NPU_KERNELS_H
#define NPU_KERNELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "npu/npu_model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- geometry (npu_geom.c) ---- */

/* Output size along one axis; 0 when the input is smaller than a Valid kernel. */
uint32_t npu_out_size(uint32_t in, uint32_t k, uint32_t stride, npu_padding pad);
/* Padding before the first input pixel along one axis. */
uint32_t npu_pad_before(uint32_t in, uint32_t k, uint32_t stride, npu_padding pad);

/* Geometry of a 2-D convolution (also used by depthwise and transposed convolutions). */
typedef struct npu_conv_geom {
    npu_shape in;      /* input shape */
    npu_shape out;     /* output shape (before pooling); out.c = filters */
    uint32_t kx, ky;   /* kernel size */
    uint32_t sx, sy;   /* stride */
    uint32_t pad_x;    /* padding before along x, in input pixels */
    uint32_t pad_y;    /* padding before along y */
    int32_t pad_value; /* value of padded input pixels (0 except image input layers) */
    bool flip;         /* true: real convolution (kernel flipped); false: cross-correlation */
} npu_conv_geom;

/* Fills g for a forward convolution with the given padding mode. */
void npu_conv_geom_init(npu_conv_geom *g, npu_shape in, uint32_t filters, uint32_t kx, uint32_t ky,
                        uint32_t sx, uint32_t sy, npu_padding pad, int32_t pad_value, bool flip);

/* ---- convolution and dense (npu_kernel_conv.c) ---- */

/* acc[ox,oy,f] = sum over the receptive field of in[ix,iy,c] * w[kx,ky,c,f]
 * (w C-order (kx, ky, in.c, out.c)); acc has out.x*out.y*out.c entries, overwritten. */
void npu_conv2d(const npu_conv_geom *g, const int32_t *in, const int32_t *w, int32_t *acc);
/* Depthwise: acc[ox,oy,c] = sum in[ix,iy,c] * w[kx,ky,c] (w C-order (kx, ky, c)). */
void npu_depthwise2d(const npu_conv_geom *g, const int32_t *in, const int32_t *w, int32_t *acc);
/* Dense: acc[u] = sum_i in[i] * w[i,u] (w C-order (n, units)). */
void npu_dense(const int32_t *in, size_t n, const int32_t *w, size_t units, int32_t *acc);
/* Number of non-zero entries of a vector (synaptic-op counting). */
size_t npu_count_nonzero(const int32_t *v, size_t n);

/* ---- transposed convolution (npu_kernel_transpose.c) ---- */

/* Transposed convolution, stride (sx, sy), Same padding (out = in * stride):
 * acc[ix*sx + kx - pad_x, iy*sy + ky - pad_y, f] += in[ix,iy,c] * w[kx,ky,c,f],
 * pad = (k - stride) / 2 floored at 0 (TensorFlow conv2d_transpose). */
void npu_conv2d_transpose(const npu_conv_geom *g, const int32_t *in, const int32_t *w,
                          int32_t *acc);
/* Depthwise variant: w C-order (kx, ky, c). */
void npu_depthwise2d_transpose(const npu_conv_geom *g, const int32_t *in, const int32_t *w,
                               int32_t *acc);

/* ---- pooling (npu_kernel_pool.c) ---- */

/* Max pooling of in (shape in) into out (shape out) with window (px, py), stride (sx, sy)
 * and the layer's padding mode (padded positions never win). */
void npu_maxpool(const int32_t *in, npu_shape in_shape, uint32_t px, uint32_t py, uint32_t sx,
                 uint32_t sy, npu_padding pad, int32_t *out, npu_shape out_shape);
/* Global sum over x, y per channel into int64 (global average pooling; see semantics.md). */
void npu_global_sum(const int32_t *in, npu_shape in_shape, int64_t *out);

/* ---- v1 activation (npu_arith_v1.c) ---- */

/* Step-wise quantised ReLU: 0 if p <= t, else min(2^bits - 1, ceil((p - t) / s)), s >= 1. */
int32_t npu_v1_activation(int64_t p, int32_t threshold, int32_t step, uint32_t bits);

/* ---- v2 integer pipeline helpers (npu_arith_v2.c) ---- */

/* Wraps v to a signed `bits`-wide two's complement value (bits in 1..32). */
int32_t npu_wrap_bits(int64_t v, uint32_t bits);
/* Saturates v to [lo, hi]. */
int64_t npu_saturate(int64_t v, int64_t lo, int64_t hi);
/* Saturates v to the signed range of `bits` (bits 1..32). */
int64_t npu_saturate_signed(int64_t v, uint32_t bits);
/* Saturates v to the unsigned range of `bits`. */
int64_t npu_saturate_unsigned(int64_t v, uint32_t bits);
/* Arithmetic shift: shift > 0 shifts right rounding half up (floor(v / 2^s + 1/2)),
 * shift < 0 shifts left by -shift, 0 is the identity. */
int64_t npu_shift_round(int64_t v, int32_t shift);

#ifdef __cplusplus
}
#endif

#endif /* NPU_KERNELS_H */
