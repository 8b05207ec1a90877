/*
 * npu_kernel_transpose: transposed (fractionally strided) convolutions, dense and depthwise.
 *
 * Event-driven scatter: every non-zero input value (ix, iy, c) adds in * w[kx, ky, c, f] to
 * output (ix * sx + kx - pad_x, iy * sy + ky - pad_y, f) when that position is inside the
 * output, the filters innermost and contiguous. This is TensorFlow's conv2d_transpose with
 * Same padding: out = in * stride, pad = (k - stride) / 2 floored at 0 (the caller fills g).
 * The kernel is not flipped unless g->flip is set. Accumulators are uint32 (wrap modulo 2^32),
 * so the order of the scatter does not change the result.
 */
#include <string.h>

#include "npu_kernels.h"

/* Output coordinate of input coordinate i and kernel tap k, or -1 when outside [0, out). */
static int64_t tap_out(uint32_t i, uint32_t k, uint32_t stride, uint32_t pad, uint32_t out) {
    const int64_t o = (int64_t)i * stride + k - pad;
    return (o < 0 || o >= (int64_t)out) ? -1 : o;
}

/* Kernel tap actually used for position k of an axis of size n (flipped or not). */
static uint32_t tap_w(uint32_t k, uint32_t n, bool flip) {
    return flip ? n - 1 - k : k;
}

/* Adds v * w[0..f_n) into a[0..f_n) with wrap-around arithmetic. */
static void axpy_u32(uint32_t *a, uint32_t v, const int32_t *w, uint32_t f_n) {
    for (uint32_t f = 0; f < f_n; f++) {
        a[f] += v * (uint32_t)w[f];
    }
}

/* Scatters one input pixel px (all channels) of a dense transposed convolution. */
static void scatter_pixel(const npu_conv_geom *g, uint32_t ix, uint32_t iy, const int32_t *px,
                          const int32_t *w, uint32_t *acc) {
    const uint32_t f_n = g->out.c;
    for (uint32_t kx = 0; kx < g->kx; kx++) {
        const int64_t ox = tap_out(ix, kx, g->sx, g->pad_x, g->out.x);
        if (ox < 0) {
            continue;
        }
        for (uint32_t ky = 0; ky < g->ky; ky++) {
            const int64_t oy = tap_out(iy, ky, g->sy, g->pad_y, g->out.y);
            if (oy < 0) {
                continue;
            }
            uint32_t *a = acc + ((size_t)ox * g->out.y + (size_t)oy) * f_n;
            const size_t wk = (size_t)tap_w(kx, g->kx, g->flip) * g->ky + tap_w(ky, g->ky, g->flip);
            for (uint32_t c = 0; c < g->in.c; c++) {
                if (px[c] != 0) {
                    axpy_u32(a, (uint32_t)px[c], w + (wk * g->in.c + c) * f_n, f_n);
                }
            }
        }
    }
}

void npu_conv2d_transpose(const npu_conv_geom *g, const int32_t *in, const int32_t *w,
                          int32_t *acc) {
    memset(acc, 0, sizeof(int32_t) * npu_shape_size(g->out));
    for (uint32_t ix = 0; ix < g->in.x; ix++) {
        for (uint32_t iy = 0; iy < g->in.y; iy++) {
            const int32_t *px = in + ((size_t)ix * g->in.y + iy) * g->in.c;
            scatter_pixel(g, ix, iy, px, w, (uint32_t *)acc);
        }
    }
}

/* Scatters one input pixel of a depthwise transposed convolution (channel c -> channel c). */
static void scatter_pixel_dw(const npu_conv_geom *g, uint32_t ix, uint32_t iy, const int32_t *px,
                             const int32_t *w, uint32_t *acc) {
    const uint32_t c_n = g->in.c;
    for (uint32_t kx = 0; kx < g->kx; kx++) {
        const int64_t ox = tap_out(ix, kx, g->sx, g->pad_x, g->out.x);
        if (ox < 0) {
            continue;
        }
        for (uint32_t ky = 0; ky < g->ky; ky++) {
            const int64_t oy = tap_out(iy, ky, g->sy, g->pad_y, g->out.y);
            if (oy < 0) {
                continue;
            }
            uint32_t *a = acc + ((size_t)ox * g->out.y + (size_t)oy) * c_n;
            const int32_t *wr =
                w + ((size_t)tap_w(kx, g->kx, g->flip) * g->ky + tap_w(ky, g->ky, g->flip)) * c_n;
            for (uint32_t c = 0; c < c_n; c++) {
                a[c] += (uint32_t)px[c] * (uint32_t)wr[c];
            }
        }
    }
}

void npu_depthwise2d_transpose(const npu_conv_geom *g, const int32_t *in, const int32_t *w,
                               int32_t *acc) {
    memset(acc, 0, sizeof(int32_t) * npu_shape_size(g->out));
    for (uint32_t ix = 0; ix < g->in.x; ix++) {
        for (uint32_t iy = 0; iy < g->in.y; iy++) {
            const int32_t *px = in + ((size_t)ix * g->in.y + iy) * g->in.c;
            scatter_pixel_dw(g, ix, iy, px, w, (uint32_t *)acc);
        }
    }
}
