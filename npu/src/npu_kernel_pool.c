/*
 * npu_kernel_pool: max pooling and global sum pooling on (x, y, c) int32 tensors.
 *
 * Max pooling uses the layer's padding mode (TensorFlow geometry, see npu_geom.c); padded
 * positions never win, i.e. only real input pixels of a window compete. Global average
 * pooling is computed as a per-channel int64 sum with no division (docs/semantics.md).
 */
#include <string.h>

#include "npu_kernels.h"

/* Max over the valid pixels of one window [x0, x1) x [y0, y1), all channels, into out. */
static void maxpool_window(const int32_t *in, npu_shape s, uint32_t x0, uint32_t x1, uint32_t y0,
                           uint32_t y1, int32_t *out) {
    for (uint32_t c = 0; c < s.c; c++) {
        out[c] = INT32_MIN;
    }
    for (uint32_t x = x0; x < x1; x++) {
        for (uint32_t y = y0; y < y1; y++) {
            const int32_t *px = in + ((size_t)x * s.y + y) * s.c;
            for (uint32_t c = 0; c < s.c; c++) {
                out[c] = px[c] > out[c] ? px[c] : out[c];
            }
        }
    }
}

/* Clamped input range [*lo, *hi) of output position o along one axis. */
static void window_range(uint32_t o, uint32_t stride, uint32_t pad, uint32_t k, uint32_t in,
                         uint32_t *lo, uint32_t *hi) {
    const int64_t start = (int64_t)o * stride - pad;
    const int64_t end = start + k;
    *lo = (uint32_t)(start < 0 ? 0 : (start > in ? in : start));
    *hi = (uint32_t)(end < 0 ? 0 : (end > in ? in : end));
}

void npu_maxpool(const int32_t *in, npu_shape in_shape, uint32_t px, uint32_t py, uint32_t sx,
                 uint32_t sy, npu_padding pad, int32_t *out, npu_shape out_shape) {
    const uint32_t pad_x = npu_pad_before(in_shape.x, px, sx, pad);
    const uint32_t pad_y = npu_pad_before(in_shape.y, py, sy, pad);
    for (uint32_t ox = 0; ox < out_shape.x; ox++) {
        uint32_t x0, x1;
        window_range(ox, sx, pad_x, px, in_shape.x, &x0, &x1);
        for (uint32_t oy = 0; oy < out_shape.y; oy++) {
            uint32_t y0, y1;
            window_range(oy, sy, pad_y, py, in_shape.y, &y0, &y1);
            maxpool_window(in, in_shape, x0, x1, y0, y1,
                           out + ((size_t)ox * out_shape.y + oy) * out_shape.c);
        }
    }
}

void npu_global_sum(const int32_t *in, npu_shape in_shape, int64_t *out) {
    memset(out, 0, sizeof(int64_t) * in_shape.c);
    const size_t pixels = (size_t)in_shape.x * in_shape.y;
    for (size_t p = 0; p < pixels; p++) {
        const int32_t *px = in + p * in_shape.c;
        for (uint32_t c = 0; c < in_shape.c; c++) {
            out[c] += px[c];
        }
    }
}
