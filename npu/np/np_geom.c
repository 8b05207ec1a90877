/*
 * np_geom: which part of a layer's output an NP owns and which input it needs.
 *
 * The mapper splits a CNP layer into contiguous slices of INPUT columns (COLS). Ownership
 * rule (docs/timing-model.md, "NP formulas"): output column X (after pooling) belongs to
 * the NP whose input slice holds the anchor of X, the first input column of the receptive
 * field of the first convolution column of X's pool window, clamped to [0, in.x - 1]. The
 * anchor is a non-decreasing function of X and the slices tile [0, in.x), so the NPs of
 * one filter group own disjoint, contiguous output ranges whose union is the whole output.
 * An NP then computes the convolution columns of its owned pool windows and needs the input
 * columns of their receptive fields (its slice plus the kernel halo). Dense layers (FNP)
 * need every input column; the NP whose slice holds column 0 owns the single output.
 */
#include "np_internal.h"
#include "npu_kernels.h"

static int64_t floor_div(int64_t a, int64_t b) {
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

static int64_t ceil_div(int64_t a, int64_t b) {
    return -floor_div(-a, b);
}

static int64_t clamp64(int64_t v, int64_t lo, int64_t hi) {
    return v < lo ? lo : (v > hi ? hi : v);
}

static bool is_dense(const npu_np_config *c) {
    return c->kind == NPU_NP_FNP;
}

void np_geom_receptive(const npu_np_config *c, int64_t ox, int64_t *lo, int64_t *hi) {
    if (is_dense(c)) {
        *lo = 0;
        *hi = (int64_t)c->in.x - 1;
    } else if (c->transpose) { /* ox = ix * sx + t - pad, t in [0, kx) */
        *lo = ceil_div(ox + c->pad_x - (int64_t)c->kx + 1, c->sx);
        *hi = floor_div(ox + c->pad_x, c->sx);
    } else {
        *lo = ox * c->sx - (int64_t)c->pad_x;
        *hi = *lo + c->kx - 1;
    }
}

void np_geom_pool_window(const npu_np_config *c, uint32_t X, int64_t *lo, int64_t *hi) {
    int64_t last = (int64_t)c->conv.x - 1;
    if (c->pool == NPU_POOL_AVG || is_dense(c)) {
        *lo = 0;
        *hi = last;
    } else if (c->pool == NPU_POOL_MAX) {
        npu_padding pm = c->same ? NPU_PAD_SAME : NPU_PAD_VALID;
        int64_t pad = npu_pad_before(c->conv.x, c->pool_x, c->pool_sx, pm);
        int64_t s = (int64_t)X * c->pool_sx - pad;
        *lo = clamp64(s, 0, last);
        *hi = clamp64(s + c->pool_x - 1, -1, last);
    } else {
        *lo = *hi = X;
    }
}

/* Anchor input column of output column X. */
static int64_t anchor(const npu_np_config *c, uint32_t X) {
    int64_t clo, chi, rlo, rhi;
    np_geom_pool_window(c, X, &clo, &chi);
    np_geom_receptive(c, clo, &rlo, &rhi);
    return clamp64(rlo, 0, (int64_t)c->in.x - 1);
}

void np_geom_ownership(npu_np_config *c) {
    int64_t first = -1, last = -2;
    int64_t s0 = c->col_first, s1 = (int64_t)c->col_first + c->col_count - 1;
    for (uint32_t X = 0; X < c->out.x; X++) {
        int64_t a = anchor(c, X);
        if (a >= s0 && a <= s1) {
            first = first < 0 ? X : first;
            last = X;
        }
    }
    c->out_col_first = c->out_col_count = 0;
    c->conv_col_first = c->conv_col_count = 0;
    c->need_col_first = c->need_col_count = 0;
    if (first < 0) {
        return;
    }
    c->out_col_first = (uint32_t)first;
    c->out_col_count = (uint32_t)(last - first + 1);
    int64_t clo, chi, tmp, rlo, rhi;
    np_geom_pool_window(c, (uint32_t)first, &clo, &tmp);
    np_geom_pool_window(c, (uint32_t)last, &tmp, &chi);
    if (is_dense(c)) {
        clo = chi = 0;
    }
    c->conv_col_first = (uint32_t)clo;
    c->conv_col_count = (uint32_t)(chi - clo + 1);
    np_geom_receptive(c, clo, &rlo, &tmp);
    np_geom_receptive(c, chi, &tmp, &rhi);
    rlo = clamp64(rlo, 0, (int64_t)c->in.x - 1);
    rhi = clamp64(rhi, 0, (int64_t)c->in.x - 1);
    c->need_col_first = (uint32_t)rlo;
    c->need_col_count = rhi >= rlo ? (uint32_t)(rhi - rlo + 1) : 0;
}
