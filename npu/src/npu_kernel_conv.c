/*
 * npu_kernel_conv: 2-D convolution, depthwise convolution and dense products on int32
 * tensors with uint32 (wrap modulo 2^32) accumulators.
 *
 * npu_conv2d has two paths that give bit-identical results:
 *  - the packed 8-bit path, taken when every input value and the pad value fit uint8 and
 *    every weight fits int8 (all v1 layers, v2 layers of up to 8 bits with unsigned inputs):
 *    the input is copied once into a "pre-padded" uint8 image (border = pad value), so the
 *    inner loops have no border branches. In that image the ky pixels of one kernel row
 *    are ky * c contiguous bytes, so a kernel row is one dot product over ky * c bytes,
 *    cut into groups of 4; the weights are packed to match (per kernel row, group and
 *    filter: 4 int8, zero past ky * c). No channel padding, so 3-channel images waste little. An
 * output tile of TILE_R pixels x TILE_B*16 filters is then accumulated in registers by a 4-way u8 x
 * s8 dot product (AVX512-VNNI vpdpbusd when the build targets it, plain C otherwise). Each product
 * fits 16 bits and each 4-term sum fits int32, so the uint32 accumulator is exact modulo 2^32.
 *  - the generic path (any int32 values, or when the packing buffers cannot be allocated):
 *    a straightforward gather with explicit wrap arithmetic.
 * Summation order does not matter: uint32 addition is associative and commutative.
 * Depthwise and dense use straightforward loops (channels/units innermost, vectorised; one
 * border test per tap, none per element).
 */
#include <stdlib.h>
#include <string.h>

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VNNI__)
#include <immintrin.h>
#define NPU_CONV_VNNI 1
#else
#define NPU_CONV_VNNI 0
#endif

#include "npu_kernels.h"

#define TILE_R 4  /* output pixels (consecutive along y) per register tile */
#define TILE_B 4  /* 16-filter vectors per register tile */
#define VEC_F 16  /* filters per vector */
#define GROUP_C 4 /* input channels per dot-product group */
#define ALWAYS_INLINE inline __attribute__((always_inline))

/* ---- generic path ---- */

/* Input value at (ix, iy, c) with out-of-range positions reading the pad value. */
static uint32_t in_at(const npu_conv_geom *g, const int32_t *in, int64_t ix, int64_t iy,
                      uint32_t c) {
    if (ix < 0 || iy < 0 || ix >= g->in.x || iy >= g->in.y) {
        return (uint32_t)g->pad_value;
    }
    return (uint32_t)in[((size_t)ix * g->in.y + (size_t)iy) * g->in.c + c];
}

/* One output pixel of the generic gather: a[0..F) = sum over taps and channels. */
static void conv2d_generic_pixel(const npu_conv_geom *g, const int32_t *in, const int32_t *w,
                                 uint32_t ox, uint32_t oy, uint32_t *a) {
    const uint32_t f_n = g->out.c;
    memset(a, 0, sizeof(uint32_t) * f_n);
    for (uint32_t kx = 0; kx < g->kx; kx++) {
        for (uint32_t ky = 0; ky < g->ky; ky++) {
            const int64_t ix = (int64_t)ox * g->sx + kx - g->pad_x;
            const int64_t iy = (int64_t)oy * g->sy + ky - g->pad_y;
            const uint32_t wx = g->flip ? g->kx - 1 - kx : kx;
            const uint32_t wy = g->flip ? g->ky - 1 - ky : ky;
            for (uint32_t c = 0; c < g->in.c; c++) {
                const uint32_t v = in_at(g, in, ix, iy, c);
                if (v == 0) {
                    continue;
                }
                const int32_t *wr = w + (((size_t)wx * g->ky + wy) * g->in.c + c) * f_n;
                for (uint32_t f = 0; f < f_n; f++) {
                    a[f] += v * (uint32_t)wr[f];
                }
            }
        }
    }
}

static void conv2d_generic(const npu_conv_geom *g, const int32_t *in, const int32_t *w,
                           int32_t *acc) {
    for (uint32_t ox = 0; ox < g->out.x; ox++) {
        for (uint32_t oy = 0; oy < g->out.y; oy++) {
            uint32_t *a = (uint32_t *)acc + ((size_t)ox * g->out.y + oy) * g->out.c;
            conv2d_generic_pixel(g, in, w, ox, oy, a);
        }
    }
}

/* ---- packed 8-bit path ---- */

/* true when every value fits uint8 (0..255). */
static bool all_fit_u8(const int32_t *v, size_t n) {
    uint32_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        bad |= (uint32_t)((uint32_t)v[i] > 255u);
    }
    return bad == 0;
}

/* true when every value fits int8 (-128..127). */
static bool all_fit_s8(const int32_t *v, size_t n) {
    uint32_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        bad |= (uint32_t)((uint32_t)v[i] + 128u > 255u);
    }
    return bad == 0;
}

static uint32_t round_up(uint32_t v, uint32_t m) {
    return (v + m - 1) / m * m;
}

/* Packed operands of one convolution. A "kernel row" is the kx-th row of the receptive
 * field: ky pixels of c channels that are contiguous in the pre-padded image. */
typedef struct conv_u8 {
    const npu_conv_geom *g; /* geometry */
    uint8_t *img;           /* pre-padded input (px, py, c) + GROUP_C slack bytes */
    uint32_t px, py;        /* padded extents: exactly what the output positions read */
    uint32_t row_groups;    /* groups of GROUP_C bytes per kernel row: ceil(ky * c / 4) */
    int8_t *w;              /* packed weights (kx, row_groups, fp, GROUP_C) */
    uint32_t fp;            /* filters rounded up to VEC_F (extra filters have 0 weights) */
} conv_u8;

/* Copies the input into the pre-padded uint8 image: every channel of a padded pixel reads
 * pad_value, so padding is a plain byte fill. The GROUP_C slack bytes after the image
 * (read by the last group of a kernel row, always against zero weights) are zeroed. */
static void pack_input(conv_u8 *k, const int32_t *in) {
    const npu_conv_geom *g = k->g;
    const size_t c_n = g->in.c;
    const size_t row_bytes = (size_t)k->py * c_n;
    const uint32_t ny = g->in.y < k->py - g->pad_y ? g->in.y : k->py - g->pad_y;
    const uint8_t pad = (uint8_t)g->pad_value;
    for (uint32_t x = 0; x < k->px; x++) {
        uint8_t *dst = k->img + x * row_bytes;
        const int64_t ix = (int64_t)x - g->pad_x;
        if (ix < 0 || ix >= g->in.x) {
            memset(dst, pad, row_bytes);
            continue;
        }
        const size_t before = (size_t)g->pad_y * c_n, n = (size_t)ny * c_n;
        const int32_t *src = in + (size_t)ix * g->in.y * c_n;
        memset(dst, pad, before);
        for (size_t i = 0; i < n; i++) {
            dst[before + i] = (uint8_t)src[i];
        }
        memset(dst + before + n, pad, row_bytes - before - n);
    }
    memset(k->img + k->px * row_bytes, 0, GROUP_C);
}

/* Packs w (kx, ky, c, f) into (kx, group, f, 4 bytes) int8: byte j of kernel row kx holds
 * tap (kx, ky = j / c, c = j % c); the kernel flip of a real convolution is applied here,
 * so the tile loop is always a cross-correlation. Bytes past ky * c are zero weights. */
static void pack_weights(conv_u8 *k, const int32_t *w) {
    const npu_conv_geom *g = k->g;
    const size_t group_bytes = (size_t)k->fp * GROUP_C;
    memset(k->w, 0, group_bytes * k->row_groups * g->kx);
    for (uint32_t kx = 0; kx < g->kx; kx++) {
        const uint32_t wx = g->flip ? g->kx - 1 - kx : kx;
        int8_t *dst_row = k->w + (size_t)kx * k->row_groups * group_bytes;
        for (uint32_t ky = 0; ky < g->ky; ky++) {
            const uint32_t wy = g->flip ? g->ky - 1 - ky : ky;
            for (uint32_t c = 0; c < g->in.c; c++) {
                const size_t j = (size_t)ky * g->in.c + c;
                const int32_t *src = w + (((size_t)wx * g->ky + wy) * g->in.c + c) * g->out.c;
                int8_t *dst = dst_row + j / GROUP_C * group_bytes + j % GROUP_C;
                for (uint32_t f = 0; f < g->out.c; f++) {
                    dst[(size_t)f * GROUP_C] = (int8_t)src[f];
                }
            }
        }
    }
}

/* First input byte of kernel row kx of output pixel (ox, oy). */
static ALWAYS_INLINE const uint8_t *row_input(const conv_u8 *k, uint32_t ox, uint32_t oy,
                                              uint32_t kx) {
    const size_t x = (size_t)ox * k->g->sx + kx;
    const size_t y = (size_t)oy * k->g->sy;
    return k->img + (x * k->py + y) * k->g->in.c;
}

/* Packed weights of kernel row kx, first group, filter f0. */
static ALWAYS_INLINE const int8_t *row_weights(const conv_u8 *k, uint32_t kx, uint32_t f0) {
    return k->w + ((size_t)kx * k->row_groups * k->fp + f0) * GROUP_C;
}

#if NPU_CONV_VNNI

/* Broadcasts the 4 input bytes at p to every 32-bit lane. */
static ALWAYS_INLINE __m512i bcast4(const uint8_t *p) {
    int32_t v;
    memcpy(&v, p, sizeof v);
    return _mm512_set1_epi32(v);
}

/* Register tile: nr output pixels (ox, oy .. oy+nr-1) x nb vectors of 16 filters from f0.
 * nr and nb are compile-time constants at every call site, so the tile lives in registers.
 * vpdpbusd adds 4 u8 x s8 products per 32-bit lane (exact), wrapping like uint32. */
static ALWAYS_INLINE void conv_tile(const conv_u8 *k, uint32_t ox, uint32_t oy, uint32_t f0,
                                    const uint32_t nr, const uint32_t nb, int32_t *acc) {
    const npu_conv_geom *g = k->g;
    const size_t group_bytes = (size_t)k->fp * GROUP_C;
    __m512i a[TILE_R][TILE_B];
    for (uint32_t r = 0; r < nr; r++) {
        for (uint32_t b = 0; b < nb; b++) {
            a[r][b] = _mm512_setzero_si512();
        }
    }
    for (uint32_t kx = 0; kx < g->kx; kx++) {
        const uint8_t *row[TILE_R];
        for (uint32_t r = 0; r < nr; r++) {
            row[r] = row_input(k, ox, oy + r, kx);
        }
        const int8_t *wt = row_weights(k, kx, f0);
        for (uint32_t grp = 0; grp < k->row_groups; grp++) {
            __m512i wv[TILE_B];
            for (uint32_t b = 0; b < nb; b++) {
                wv[b] = _mm512_loadu_si512(wt + grp * group_bytes + b * VEC_F * GROUP_C);
            }
            for (uint32_t r = 0; r < nr; r++) {
                const __m512i x = bcast4(row[r] + grp * GROUP_C);
                for (uint32_t b = 0; b < nb; b++) {
                    a[r][b] = _mm512_dpbusd_epi32(a[r][b], x, wv[b]);
                }
            }
        }
    }
    for (uint32_t r = 0; r < nr; r++) {
        int32_t *dst = acc + ((size_t)ox * g->out.y + oy + r) * g->out.c;
        for (uint32_t b = 0; b < nb; b++) {
            const uint32_t f = f0 + b * VEC_F;
            const uint32_t left = g->out.c - f; /* > 0: callers never pass empty vectors */
            const __mmask16 m = left >= VEC_F ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
            _mm512_mask_storeu_epi32(dst + f, m, a[r][b]);
        }
    }
}

#else /* portable tile */

/* Same contract as the VNNI tile, in plain C (the compiler vectorises the filter loop). */
static ALWAYS_INLINE void conv_tile(const conv_u8 *k, uint32_t ox, uint32_t oy, uint32_t f0,
                                    const uint32_t nr, const uint32_t nb, int32_t *acc) {
    const npu_conv_geom *g = k->g;
    const size_t group_bytes = (size_t)k->fp * GROUP_C;
    const uint32_t nf = nb * VEC_F;
    uint32_t a[TILE_R][TILE_B * VEC_F];
    memset(a, 0, sizeof a);
    for (uint32_t kx = 0; kx < g->kx; kx++) {
        const int8_t *wt = row_weights(k, kx, f0);
        for (uint32_t r = 0; r < nr; r++) {
            const uint8_t *x = row_input(k, ox, oy + r, kx);
            for (uint32_t grp = 0; grp < k->row_groups; grp++) {
                const uint8_t *xv = x + grp * GROUP_C;
                const int8_t *wv = wt + grp * group_bytes;
                for (uint32_t f = 0; f < nf; f++) {
                    const int8_t *w4 = wv + (size_t)f * GROUP_C;
                    a[r][f] +=
                        (uint32_t)(xv[0] * w4[0] + xv[1] * w4[1] + xv[2] * w4[2] + xv[3] * w4[3]);
                }
            }
        }
    }
    for (uint32_t r = 0; r < nr; r++) {
        int32_t *dst = acc + ((size_t)ox * g->out.y + oy + r) * g->out.c;
        const uint32_t n = g->out.c - f0 < nf ? g->out.c - f0 : nf;
        memcpy(dst + f0, a[r], sizeof(uint32_t) * n);
    }
}

#endif

/* Instantiates the tile for nr in {TILE_R, 1} and nb in 1..TILE_B with constant sizes. */
static void conv_tile_dispatch(const conv_u8 *k, uint32_t ox, uint32_t oy, uint32_t f0, uint32_t nr,
                               uint32_t nb, int32_t *acc) {
#define NPU_TILE_CASES(R)                                                                          \
    switch (nb) {                                                                                  \
    case 1:                                                                                        \
        conv_tile(k, ox, oy, f0, R, 1, acc);                                                       \
        break;                                                                                     \
    case 2:                                                                                        \
        conv_tile(k, ox, oy, f0, R, 2, acc);                                                       \
        break;                                                                                     \
    case 3:                                                                                        \
        conv_tile(k, ox, oy, f0, R, 3, acc);                                                       \
        break;                                                                                     \
    default:                                                                                       \
        conv_tile(k, ox, oy, f0, R, TILE_B, acc);                                                  \
        break;                                                                                     \
    }
    if (nr == TILE_R) {
        NPU_TILE_CASES(TILE_R)
    } else {
        NPU_TILE_CASES(1)
    }
#undef NPU_TILE_CASES
}

/* Runs all tiles: per output row ox, per block of filters, TILE_R pixels at a time. */
static void conv_u8_run(const conv_u8 *k, int32_t *acc) {
    const npu_conv_geom *g = k->g;
    for (uint32_t ox = 0; ox < g->out.x; ox++) {
        for (uint32_t f0 = 0; f0 < g->out.c; f0 += TILE_B * VEC_F) {
            const uint32_t vecs = (g->out.c - f0 + VEC_F - 1) / VEC_F;
            const uint32_t nb = vecs < TILE_B ? vecs : TILE_B;
            uint32_t oy = 0;
            for (; oy + TILE_R <= g->out.y; oy += TILE_R) {
                conv_tile_dispatch(k, ox, oy, f0, TILE_R, nb, acc);
            }
            for (; oy < g->out.y; oy++) {
                conv_tile_dispatch(k, ox, oy, f0, 1, nb, acc);
            }
        }
    }
}

/* Packed 8-bit convolution; false (nothing written) when the values do not fit or memory
 * runs out, in which case the caller uses the generic path. */
static bool conv2d_u8(const npu_conv_geom *g, const int32_t *in, const int32_t *w, int32_t *acc) {
    const size_t w_n = (size_t)g->kx * g->ky * g->in.c * g->out.c;
    if (g->pad_value < 0 || g->pad_value > 255 || !all_fit_u8(in, npu_shape_size(g->in)) ||
        !all_fit_s8(w, w_n)) {
        return false;
    }
    conv_u8 k = {.g = g};
    k.px = (g->out.x - 1) * g->sx + g->kx;
    k.py = (g->out.y - 1) * g->sy + g->ky;
    k.row_groups = round_up(g->ky * g->in.c, GROUP_C) / GROUP_C;
    k.fp = round_up(g->out.c, VEC_F);
    k.img = malloc((size_t)k.px * k.py * g->in.c + GROUP_C);
    k.w = malloc((size_t)g->kx * k.row_groups * k.fp * GROUP_C);
    const bool ok = k.img != NULL && k.w != NULL;
    if (ok) {
        pack_input(&k, in);
        pack_weights(&k, w);
        conv_u8_run(&k, acc);
    }
    free(k.img);
    free(k.w);
    return ok;
}

void npu_conv2d(const npu_conv_geom *g, const int32_t *in, const int32_t *w, int32_t *acc) {
    if (g->out.x == 0 || g->out.y == 0 || g->out.c == 0) {
        return;
    }
    if (g->in.c == 0 || g->kx == 0 || g->ky == 0) {
        memset(acc, 0, sizeof(int32_t) * npu_shape_size(g->out));
        return;
    }
    if (!conv2d_u8(g, in, w, acc)) {
        conv2d_generic(g, in, w, acc);
    }
}

/* ---- depthwise and dense ---- */

/* a[c] += v[c] * w[c] for one tap of a depthwise convolution; v NULL means every channel
 * reads pad (a padded pixel). */
static void depthwise_tap(uint32_t *a, const int32_t *v, const int32_t *wr, uint32_t c_n,
                          uint32_t pad) {
    if (v == NULL) {
        for (uint32_t c = 0; c < c_n; c++) {
            a[c] += pad * (uint32_t)wr[c];
        }
        return;
    }
    for (uint32_t c = 0; c < c_n; c++) {
        a[c] += (uint32_t)v[c] * (uint32_t)wr[c];
    }
}

void npu_depthwise2d(const npu_conv_geom *g, const int32_t *in, const int32_t *w, int32_t *acc) {
    const uint32_t c_n = g->in.c;
    for (uint32_t ox = 0; ox < g->out.x; ox++) {
        for (uint32_t oy = 0; oy < g->out.y; oy++) {
            uint32_t *a = (uint32_t *)acc + ((size_t)ox * g->out.y + oy) * c_n;
            memset(a, 0, sizeof(uint32_t) * c_n);
            for (uint32_t kx = 0; kx < g->kx; kx++) {
                for (uint32_t ky = 0; ky < g->ky; ky++) {
                    const int64_t ix = (int64_t)ox * g->sx + kx - g->pad_x;
                    const int64_t iy = (int64_t)oy * g->sy + ky - g->pad_y;
                    const bool inside = ix >= 0 && iy >= 0 && ix < g->in.x && iy < g->in.y;
                    const int32_t *v =
                        inside ? in + ((size_t)ix * g->in.y + (size_t)iy) * c_n : NULL;
                    const uint32_t wx = g->flip ? g->kx - 1 - kx : kx;
                    const uint32_t wy = g->flip ? g->ky - 1 - ky : ky;
                    depthwise_tap(a, v, w + ((size_t)wx * g->ky + wy) * c_n, c_n,
                                  (uint32_t)g->pad_value);
                }
            }
        }
    }
}

void npu_dense(const int32_t *in, size_t n, const int32_t *w, size_t units, int32_t *acc) {
    uint32_t *a = (uint32_t *)acc;
    memset(a, 0, sizeof(uint32_t) * units);
    for (size_t i = 0; i < n; i++) {
        const uint32_t v = (uint32_t)in[i];
        if (v == 0) {
            continue;
        }
        const int32_t *wr = w + i * units;
        for (size_t u = 0; u < units; u++) {
            a[u] += v * (uint32_t)wr[u];
        }
    }
}

size_t npu_count_nonzero(const int32_t *v, size_t n) {
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        count += v[i] != 0;
    }
    return count;
}
