/*
 * np_pointwise: the pointwise product of a SeparableConvolutional NP at the end of the
 * frame: pw[pos][f] = sum over channels c of dw[pos][c] * w_pw[c][f], uint32 (wrap modulo
 * 2^32), where dw are the NP's depthwise potentials (np->pot, [pos][in.c]) and w_pw its
 * pointwise weights ([in.c][filters]). Same result as op_separable_convolutional.c.
 *
 * Two paths with bit-identical results:
 *  - packed int16 (AVX512-VNNI builds): when every pointwise weight fits int16 (checked once
 *    at configure time, always true for the <= 8-bit weights of v1 layers) and every
 *    depthwise potential of the frame fits int16 (checked per frame, true for 4-bit data:
 *    |dw| <= 9 * 15 * 8). Weights are packed at configure time as pairs of channels per
 *    filter ([in.c / 2][filters rounded to 16][2] int16), the potentials per frame as int16
 *    pairs per position, in place in np->pot (one uint32 word per pair, word i * c2 + k from
 *    words i * in.c + 2k and 2k + 1: never ahead of what is still to be read; the
 *    potentials are recomputed every frame); a register tile of PW_R positions x PW_B*16 filters
 *    is accumulated by vpdpwssd, which adds the two int16 x int16 products of a pair to a
 *    32-bit lane without saturation: each product is exact in 32 bits and the sums wrap
 *    modulo 2^32 like the uint32 reference. The depthwise potentials are ~70 % non-zero on
 *    the AkidaNet layers, so the product is dense (no per-channel skip).
 *  - generic: per position, an axpy of each non-zero channel's weight row (any int32).
 * Once packed, the int32 weights are freed (the packed copy, half the size, has the same
 * values; the generic path unpacks a row from it when a frame's potentials do not fit).
 * Summation order does not matter (uint32 addition is associative and commutative).
 *
 * Counters (identical on both paths): per non-zero depthwise potential ("active") one
 * weight row read (filters x weight_bits bits, in words), `filters` synaptic operations and
 * `filters` potential writes.
 */
#include <stdlib.h>
#include <string.h>

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VNNI__)
#include <immintrin.h>
#define NP_PW_VNNI 1
#else
#define NP_PW_VNNI 0
#endif

#include "np_internal.h"

#define PW_R 4    /* positions per register tile */
#define PW_B 4    /* 16-filter vectors per register tile */
#define PW_VEC 16 /* filters per vector */
#define PW_ALWAYS_INLINE inline __attribute__((always_inline))

/* Depthwise potentials per position (= input channels). */
static uint32_t pw_channels(const npu_np *np) {
    return np->cfg.in.c;
}

/* Positions of the NP's convolution columns. */
static size_t pw_positions(const npu_np *np) {
    return (size_t)np->cfg.conv_col_count * np->cfg.conv.y;
}

npu_status np_pw_prepare(npu_np *np, npu_err *err) {
    np->pw_w16 = NULL;
#if NP_PW_VNNI
    const uint32_t fc = np->cfg.filter_count, C = pw_channels(np);
    const size_t nw = (size_t)C * fc;
    for (size_t i = 0; i < nw; i++) {
        if (np->w_pw[i] < INT16_MIN || np->w_pw[i] > INT16_MAX) {
            return NPU_OK; /* generic path */
        }
    }
    const uint32_t c2 = (C + 1) / 2, fp = (fc + PW_VEC - 1) / PW_VEC * PW_VEC;
    np->pw_c2 = c2;
    np->pw_fp = fp;
    np->pw_w16 = calloc((size_t)c2 * fp * 2 + 1, sizeof *np->pw_w16);
    if (np->pw_w16 == NULL) {
        return npu_err_set(err, NPU_ERR_INTERNAL, "NP: out of memory");
    }
    for (uint32_t ch = 0; ch < C; ch++) {
        for (uint32_t f = 0; f < fc; f++) {
            np->pw_w16[((size_t)(ch / 2) * fp + f) * 2 + ch % 2] =
                (int16_t)np->w_pw[(size_t)ch * fc + f];
        }
    }
    free(np->w_pw); /* the packed copy holds the same values (the generic path reads it) */
    np->w_pw = NULL;
#else
    (void)err;
#endif
    return NPU_OK;
}

/* Weight row of channel ch: np->w_pw, or unpacked from the packed copy into np->row (which
 * has room for the filters) when only that one is kept. */
static const int32_t *pw_row(npu_np *np, uint32_t ch) {
    const uint32_t fc = np->cfg.filter_count;
    if (np->w_pw != NULL) {
        return np->w_pw + (size_t)ch * fc;
    }
    const int16_t *src = np->pw_w16 + (size_t)(ch / 2) * np->pw_fp * 2 + ch % 2;
    for (uint32_t f = 0; f < fc; f++) {
        np->row[f] = src[(size_t)f * 2];
    }
    return np->row;
}

/* Generic path: axpy of the weight row of every non-zero potential; returns the active
 * count. */
static uint64_t pw_generic(npu_np *np) {
    const uint32_t fc = np->cfg.filter_count, C = pw_channels(np);
    const size_t n_pos = pw_positions(np);
    uint64_t active = 0;
    memset(np->pw, 0, n_pos * fc * sizeof *np->pw);
    for (size_t i = 0; i < n_pos; i++) {
        const uint32_t *dw = np->pot + i * C;
        uint32_t *restrict acc = np->pw + i * fc;
        for (uint32_t ch = 0; ch < C; ch++) {
            const uint32_t v = dw[ch];
            if (v == 0) {
                continue;
            }
            const int32_t *restrict w = pw_row(np, ch);
            for (uint32_t f = 0; f < fc; f++) {
                acc[f] += v * (uint32_t)w[f];
            }
            active++;
        }
    }
    return active;
}

#if NP_PW_VNNI

/* True when every depthwise potential fits int16; counts the non-zero ones into *active. */
static bool pw_fits(const npu_np *np, uint64_t *active) {
    const int32_t *restrict p = (const int32_t *)np->pot;
    const size_t n = pw_positions(np) * pw_channels(np);
    uint32_t bad = 0;
    uint64_t nz = 0;
    for (size_t i = 0; i < n; i++) {
        bad |= (uint32_t)((uint32_t)p[i] + 32768u > 65535u);
        nz += p[i] != 0;
    }
    *active = nz;
    return bad == 0;
}

/* One position's pairs: dst[k] = (src[2k], src[2k + 1]) as int16 halves, low first (a
 * zero high half past an odd count c). dst and src must not overlap (vectorises). */
static void pw_pack_row(uint32_t *restrict dst, const uint32_t *restrict src, uint32_t c) {
    const uint32_t full = c / 2;
    for (uint32_t k = 0; k < full; k++) {
        dst[k] = (src[2 * k] & 0xFFFFu) | src[2 * k + 1] << 16;
    }
    if (c % 2 != 0) {
        dst[full] = src[c - 1] & 0xFFFFu;
    }
}

/* Packs the potentials in place into int16 pairs: word i * c2 + k of np->pot becomes
 * (channel 2k, channel 2k + 1) of position i. Position i's pairs end at (i + 1) * c2 <=
 * i * in.c for i >= 2 with in.c >= 3 (i >= 1 when in.c is even), i.e. before its own
 * potentials start: from there on the row pack has disjoint operands; the first rows (all
 * of them when in.c = 1) go in order one word at a time, each word written after the two
 * it is made of were read and never past an unread one. */
static void pw_pack(npu_np *np) {
    const uint32_t C = pw_channels(np), c2 = np->pw_c2;
    const size_t n_pos = pw_positions(np);
    uint32_t *p = np->pot;
    /* first position with disjoint operands (in.c = 1: none, the word stays in place) */
    const size_t first = C == 1 ? n_pos : (C % 2 == 0 ? 1 : 2);
    for (size_t i = 0; i < first && i < n_pos; i++) {
        for (uint32_t k = 0; k < c2; k++) {
            const uint32_t lo = p[i * C + 2 * k] & 0xFFFFu;
            const uint32_t hi = 2 * k + 1 < C ? p[i * C + 2 * k + 1] & 0xFFFFu : 0;
            p[i * c2 + k] = lo | hi << 16;
        }
    }
    for (size_t i = first; i < n_pos; i++) {
        pw_pack_row(p + i * c2, p + i * C, C);
    }
}

/* Register tile: positions p0 .. p0+nr-1 x nb vectors of 16 filters from f0 (nr, nb are
 * compile-time constants at every call site, so the accumulators live in registers). */
static PW_ALWAYS_INLINE void pw_tile(const npu_np *np, size_t p0, uint32_t f0, const uint32_t nr,
                                     const uint32_t nb) {
    const uint32_t fc = np->cfg.filter_count, fp = np->pw_fp, c2 = np->pw_c2;
    const uint32_t *dw = np->pot + p0 * c2; /* packed pairs */
    const int16_t *w = np->pw_w16 + (size_t)f0 * 2;
    __m512i a[PW_R][PW_B];
    for (uint32_t r = 0; r < nr; r++) {
        for (uint32_t b = 0; b < nb; b++) {
            a[r][b] = _mm512_setzero_si512();
        }
    }
    for (uint32_t k = 0; k < c2; k++) {
        __m512i wv[PW_B];
        for (uint32_t b = 0; b < nb; b++) {
            wv[b] = _mm512_loadu_si512(w + ((size_t)k * fp + b * PW_VEC) * 2);
        }
        for (uint32_t r = 0; r < nr; r++) {
            const __m512i x = _mm512_set1_epi32((int32_t)dw[(size_t)r * c2 + k]);
            for (uint32_t b = 0; b < nb; b++) {
                a[r][b] = _mm512_dpwssd_epi32(a[r][b], x, wv[b]);
            }
        }
    }
    for (uint32_t r = 0; r < nr; r++) {
        uint32_t *dst = np->pw + (p0 + r) * fc;
        for (uint32_t b = 0; b < nb; b++) {
            const uint32_t f = f0 + b * PW_VEC;
            const uint32_t left = fc - f; /* > 0: callers never pass empty vectors */
            const __mmask16 m = left >= PW_VEC ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
            _mm512_mask_storeu_epi32(dst + f, m, a[r][b]);
        }
    }
}

/* Instantiates the tile for nr in {PW_R, 1} and nb in 1..PW_B with constant sizes. */
static void pw_tile_dispatch(const npu_np *np, size_t p0, uint32_t f0, uint32_t nr, uint32_t nb) {
#define NP_PW_CASES(R)                                                                             \
    switch (nb) {                                                                                  \
    case 1:                                                                                        \
        pw_tile(np, p0, f0, R, 1);                                                                 \
        break;                                                                                     \
    case 2:                                                                                        \
        pw_tile(np, p0, f0, R, 2);                                                                 \
        break;                                                                                     \
    case 3:                                                                                        \
        pw_tile(np, p0, f0, R, 3);                                                                 \
        break;                                                                                     \
    default:                                                                                       \
        pw_tile(np, p0, f0, R, PW_B);                                                              \
        break;                                                                                     \
    }
    if (nr == PW_R) {
        NP_PW_CASES(PW_R)
    } else {
        NP_PW_CASES(1)
    }
#undef NP_PW_CASES
}

/* Packed path: false (nothing written) when a potential does not fit int16. */
static bool pw_packed(npu_np *np, uint64_t *active) {
    if (np->pw_w16 == NULL || !pw_fits(np, active)) {
        return false;
    }
    pw_pack(np);
    const uint32_t fc = np->cfg.filter_count;
    const size_t n_pos = pw_positions(np);
    for (uint32_t f0 = 0; f0 < fc; f0 += PW_B * PW_VEC) { /* weight block stays in cache */
        const uint32_t vecs = (fc - f0 + PW_VEC - 1) / PW_VEC;
        const uint32_t nb = vecs < PW_B ? vecs : PW_B;
        size_t p = 0;
        for (; p + PW_R <= n_pos; p += PW_R) {
            pw_tile_dispatch(np, p, f0, PW_R, nb);
        }
        for (; p < n_pos; p++) {
            pw_tile_dispatch(np, p, f0, 1, nb);
        }
    }
    return true;
}

#endif

void np_pointwise(npu_np *np) {
    const npu_np_config *c = &np->cfg;
    const uint32_t fc = c->filter_count;
    const uint32_t row = (fc * c->weight_bits + 31) / 32;
    uint64_t active = 0;
#if NP_PW_VNNI
    if (!pw_packed(np, &active)) {
        active = pw_generic(np);
    }
#else
    active = pw_generic(np);
#endif
    np->cnt.synops += active * fc;
    np->cnt.sram_reads += active * row;
    np->cnt.sram_writes += active * fc;
}
