/*
 * npu_geom: convolution and pooling geometry shared by every kernel and op.
 *
 * Follows TensorFlow: Same padding gives out = ceil(in / stride) and pads
 * pad_total = max((out - 1) * stride + k - in, 0) input pixels, pad_before = pad_total / 2
 * of them before the first pixel; Valid gives out = (in - k) / stride + 1 (0 when in < k).
 * A stride of 0 is invalid (the ops validate it) and yields an empty output here.
 */
#include "npu_kernels.h"

uint32_t npu_out_size(uint32_t in, uint32_t k, uint32_t stride, npu_padding pad) {
    if (stride == 0 || in == 0) {
        return 0;
    }
    if (pad == NPU_PAD_SAME) {
        return (uint32_t)(((uint64_t)in + stride - 1) / stride);
    }
    if (k == 0 || in < k) {
        return 0;
    }
    return (in - k) / stride + 1;
}

uint32_t npu_pad_before(uint32_t in, uint32_t k, uint32_t stride, npu_padding pad) {
    if (pad != NPU_PAD_SAME) {
        return 0;
    }
    const uint32_t out = npu_out_size(in, k, stride, pad);
    if (out == 0) {
        return 0;
    }
    const int64_t total = (int64_t)(out - 1) * stride + k - in;
    return total > 0 ? (uint32_t)(total / 2) : 0;
}

void npu_conv_geom_init(npu_conv_geom *g, npu_shape in, uint32_t filters, uint32_t kx, uint32_t ky,
                        uint32_t sx, uint32_t sy, npu_padding pad, int32_t pad_value, bool flip) {
    g->in = in;
    g->out.x = npu_out_size(in.x, kx, sx, pad);
    g->out.y = npu_out_size(in.y, ky, sy, pad);
    g->out.c = filters;
    g->kx = kx;
    g->ky = ky;
    g->sx = sx;
    g->sy = sy;
    g->pad_x = npu_pad_before(in.x, kx, sx, pad);
    g->pad_y = npu_pad_before(in.y, ky, sy, pad);
    g->pad_value = pad_value;
    g->flip = flip;
}
