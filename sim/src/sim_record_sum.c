/*
 * sim_record_sum: mesh-independent input summaries of a layer, derived once per frame from
 * the record (sim_rsum), from which the timing model answers every NP's per-line queries
 * by prefix sums instead of rescanning events.
 *
 * An NP of a convolution layer integrates, per need column x of its input, the events of
 * x (depthwise: in its channel slice) and the synaptic operations hx(x) * sum over those
 * events of hy(y), where hx (kernel columns landing in the NP's convolution columns)
 * depends on the NP's column range and hy (kernel rows landing in the convolution rows)
 * only on the layer. So per layer and frame the summary holds, per input column, the
 * event count and the hy-weighted count (depthwise: as prefix sums over channels).
 *
 * A separable NP's pointwise stage works on the depthwise potentials (channel,
 * convolution column, row) receiving at least one tap. A convolution column's potentials
 * depend only on the input columns whose taps reach it, all inside the need range of any
 * NP owning that column, so per layer the count per convolution column (prefix sums) is
 * what every NP sums over its own columns. It is counted word-parallel: per input column a
 * (row x channel) occupancy bitmap; per convolution column the OR of the occupancies of
 * the input columns reaching it; per convolution row the OR of the input rows reaching it,
 * popcounted.
 */
#include <stdlib.h>
#include <string.h>

#include "sim_engine_int.h"

static npu_status sum_oom(npu_err *err) {
    return npu_err_set(err, NPU_ERR_INTERNAL, "record: out of memory");
}

void sim_rgeom_of(const npu_np_config *c, uint32_t src, sim_rgeom *g) {
    memset(g, 0, sizeof *g);
    g->src = src;
    g->in = c->in;
    if (c->kind == NPU_NP_FNP) {
        g->kind = SIM_RGEOM_DENSE;
        return;
    }
    g->kind = c->depthwise                              ? SIM_RGEOM_DEPTHWISE
              : c->layer == NPU_SEPARABLE_CONVOLUTIONAL ? SIM_RGEOM_SEPARABLE
                                                        : SIM_RGEOM_CONV;
    g->conv = c->conv;
    g->kx = c->kx;
    g->ky = c->ky;
    g->sx = c->sx;
    g->sy = c->sy;
    g->pad_x = c->pad_x;
    g->pad_y = c->pad_y;
    g->transpose = c->transpose ? 1u : 0u;
}

bool sim_rgeom_eq(const sim_rgeom *a, const sim_rgeom *b) {
    return a->src == b->src && a->in.x == b->in.x && a->in.y == b->in.y && a->in.c == b->in.c &&
           a->conv.x == b->conv.x && a->conv.y == b->conv.y && a->conv.c == b->conv.c &&
           a->kx == b->kx && a->ky == b->ky && a->sx == b->sx && a->sy == b->sy &&
           a->pad_x == b->pad_x && a->pad_y == b->pad_y && a->kind == b->kind &&
           a->transpose == b->transpose;
}

uint32_t sim_axis_taps(uint32_t k, uint32_t s, int64_t pad, bool transpose, int64_t i, int64_t lo,
                       int64_t hi, uint32_t *out) {
    uint32_t n = 0;
    for (uint32_t t = 0; t < k; t++) {
        int64_t o;
        if (transpose) {
            o = i * s + t - pad;
        } else {
            int64_t dd = i + pad - t;
            if (dd < 0 || s == 0 || dd % s != 0) {
                continue;
            }
            o = dd / s;
        }
        if (o >= lo && o <= hi) {
            if (out != NULL) {
                out[n] = (uint32_t)(o - lo);
            }
            n++;
        }
    }
    return n;
}

uint32_t sim_rgeom_taps(const sim_rgeom *g, bool along_x, int64_t i, int64_t lo, int64_t hi,
                        uint32_t *out) {
    return along_x ? sim_axis_taps(g->kx, g->sx, g->pad_x, g->transpose, i, lo, hi, out)
                   : sim_axis_taps(g->ky, g->sy, g->pad_y, g->transpose, i, lo, hi, out);
}

void sim_rsum_free(sim_rsum *s) {
    if (s == NULL) {
        return;
    }
    free(s->cnt);
    free(s->wy);
    free(s->act);
    memset(s, 0, sizeof *s);
}

/* A buffer for the positions of any column of s (NULL when out of memory). */
static uint32_t *column_buf(const sim_rstream *s) {
    uint32_t most = 0;
    for (uint32_t x = 0; x < s->X; x++) {
        uint32_t n = s->col[x + 1] - s->col[x];
        most = n > most ? n : most;
    }
    return malloc(((size_t)most + 1) * sizeof(uint32_t));
}

/* Inverse tap lists: for each output o in [lo, hi), the inputs i in [i0, i1) with a tap
 * landing on o, as list[first[o - lo] .. first[o - lo + 1]). */
typedef struct inv_taps {
    uint32_t *first; /* [hi - lo + 1] */
    uint32_t *list;  /* inputs */
} inv_taps;

static bool inv_build(const sim_rgeom *g, bool along_x, uint32_t i0, uint32_t i1, uint32_t lo,
                      uint32_t hi, inv_taps *t) {
    uint32_t k = along_x ? g->kx : g->ky;
    uint32_t n_out = hi > lo ? hi - lo : 0;
    uint32_t *tmp = calloc((size_t)k + 1, sizeof *tmp);
    t->first = calloc((size_t)n_out + 2, sizeof *t->first);
    t->list = calloc((size_t)(i1 > i0 ? i1 - i0 : 0) * (k ? k : 1) + 1, sizeof *t->list);
    if (tmp == NULL || t->first == NULL || t->list == NULL || n_out == 0) {
        free(tmp);
        return t->first != NULL && t->list != NULL;
    }
    for (int pass = 0; pass < 2; pass++) { /* count, then fill */
        for (uint32_t i = i0; i < i1; i++) {
            uint32_t n = sim_rgeom_taps(g, along_x, i, lo, (int64_t)hi - 1, tmp);
            for (uint32_t a = 0; a < n; a++) {
                if (pass == 0) {
                    t->first[tmp[a] + 1]++;
                } else {
                    t->list[t->first[tmp[a]]++] = i;
                }
            }
        }
        if (pass == 0) {
            for (uint32_t o = 0; o < n_out; o++) {
                t->first[o + 1] += t->first[o];
            }
        } else { /* first[o] now points past o's inputs: shift back */
            memmove(t->first + 1, t->first, n_out * sizeof *t->first);
            t->first[0] = 0;
        }
    }
    free(tmp);
    return true;
}

static void inv_free(inv_taps *t) {
    free(t->first);
    free(t->list);
}

/* Active potentials per convolution column ox in [ox0, ox1) from the events of input
 * columns [x0, x1): per_ox[ox - ox0]. */
static npu_status active_cols(const sim_rstream *s, const sim_rgeom *g, uint32_t x0, uint32_t x1,
                              uint32_t ox0, uint32_t ox1, uint64_t *per_ox, npu_err *err) {
    uint32_t Y = g->in.y, C = g->in.c, CY = g->conv.y;
    x1 = x1 < g->in.x ? x1 : g->in.x;
    ox1 = ox1 < g->conv.x ? ox1 : g->conv.x;
    if (x1 <= x0 || ox1 <= ox0 || Y == 0 || C == 0 || CY == 0) {
        return NPU_OK;
    }
    size_t W = ((size_t)C + 63) / 64, row = W * Y;
    uint64_t *occ = calloc((size_t)(x1 - x0) * row + 1, sizeof *occ);
    uint64_t *u = malloc((row + 1) * sizeof *u);
    inv_taps tx = {0}, ty = {0};
    bool ok = occ != NULL && u != NULL && inv_build(g, true, x0, x1, ox0, ox1, &tx) &&
              inv_build(g, false, 0, Y, 0, CY, &ty);
    if (!ok) {
        free(occ);
        free(u);
        inv_free(&tx);
        inv_free(&ty);
        return sum_oom(err);
    }
    uint32_t cmask = (1u << s->cbits) - 1u;
    uint32_t *pos = column_buf(s);
    if (pos == NULL) {
        free(occ);
        free(u);
        inv_free(&tx);
        inv_free(&ty);
        return sum_oom(err);
    }
    for (uint32_t x = x0; x < x1 && x < s->X; x++) {
        uint64_t *o = occ + (size_t)(x - x0) * row;
        uint32_t n = sim_rstream_column(s, x, pos);
        for (uint32_t i = 0; i < n; i++) {
            uint32_t y = pos[i] >> s->cbits, c = pos[i] & cmask;
            if (y < Y && c < C) {
                o[(size_t)y * W + (c >> 6)] |= (uint64_t)1 << (c & 63);
            }
        }
    }
    free(pos);
    for (uint32_t ox = ox0; ox < ox1; ox++) {
        memset(u, 0, row * sizeof *u);
        for (uint32_t k = tx.first[ox - ox0]; k < tx.first[ox - ox0 + 1]; k++) {
            const uint64_t *o = occ + (size_t)(tx.list[k] - x0) * row;
            for (size_t w = 0; w < row; w++) {
                u[w] |= o[w];
            }
        }
        uint64_t n = 0;
        for (uint32_t oy = 0; oy < CY; oy++) {
            for (size_t w = 0; w < W; w++) {
                uint64_t r = 0;
                for (uint32_t k = ty.first[oy]; k < ty.first[oy + 1]; k++) {
                    r |= u[(size_t)ty.list[k] * W + w];
                }
                n += (uint64_t)__builtin_popcountll(r);
            }
        }
        per_ox[ox - ox0] = n;
    }
    free(occ);
    free(u);
    inv_free(&tx);
    inv_free(&ty);
    return NPU_OK;
}

npu_status sim_rsum_active(const sim_rstream *s, const sim_rgeom *g, uint32_t x0, uint32_t x1,
                           uint32_t ox0, uint32_t ox1, uint64_t *out, npu_err *err) {
    *out = 0;
    uint32_t hi = ox1 < g->conv.x ? ox1 : g->conv.x;
    if (hi <= ox0) {
        return NPU_OK;
    }
    uint64_t *per = calloc((size_t)(hi - ox0) + 1, sizeof *per);
    if (per == NULL) {
        return sum_oom(err);
    }
    npu_status st = active_cols(s, g, x0, x1, ox0, hi, per, err);
    for (uint32_t i = 0; st == NPU_OK && i < hi - ox0; i++) {
        *out += per[i];
    }
    free(per);
    return st;
}

/* Per-column counts and row-weighted counts (depthwise: per channel, prefix summed), with
 * pos a column buffer. */
static void fill_counts(const sim_rstream *s, const sim_rgeom *g, const uint32_t *hy, uint32_t *pos,
                        sim_rsum *out) {
    uint32_t X = g->in.x, Y = g->in.y, C = g->in.c;
    uint32_t cmask = (1u << s->cbits) - 1u;
    bool dw = g->kind == SIM_RGEOM_DEPTHWISE;
    for (uint32_t x = 0; x < X && x < s->X; x++) {
        uint32_t n = s->col[x + 1] - s->col[x];
        if (!dw && s->Y <= Y && s->C <= C && hy == NULL) { /* dense: every event counts */
            out->cnt[x] = n;
            continue;
        }
        n = sim_rstream_column(s, x, pos);
        if (!dw && s->Y <= Y && s->C <= C) { /* every event counts */
            uint64_t w = 0;
            for (uint32_t i = 0; i < n; i++) {
                w += hy[pos[i] >> s->cbits];
            }
            out->cnt[x] = n;
            out->wy[x] = w;
            continue;
        }
        uint32_t *cp = dw ? &out->cnt[(size_t)x * (C + 1)] : &out->cnt[x];
        uint64_t *wp = dw ? &out->wy[(size_t)x * (C + 1)] : &out->wy[x];
        for (uint32_t i = 0; i < n; i++) {
            uint32_t p = pos[i], y = p >> s->cbits, c = p & cmask;
            if (y >= Y || c >= C) {
                continue;
            }
            uint32_t k = dw ? c + 1 : 0;
            cp[k]++;
            wp[k] += hy != NULL ? hy[y] : 0;
        }
        for (uint32_t c = 0; dw && c < C; c++) {
            cp[c + 1] += cp[c];
            wp[c + 1] += wp[c];
        }
    }
}

npu_status sim_rsum_build(const sim_rstream *s, const sim_rgeom *g, sim_rsum *out, npu_err *err) {
    sim_rsum_free(out);
    sim_rsum r = {0};
    r.g = *g;
    bool dw = g->kind == SIM_RGEOM_DEPTHWISE, dense = g->kind == SIM_RGEOM_DENSE;
    size_t per = dw ? (size_t)g->in.x * (g->in.c + 1) : g->in.x;
    r.cnt = calloc(per + 1, sizeof *r.cnt);
    r.wy = calloc(per + 1, sizeof *r.wy);
    uint32_t *hy = dense ? NULL : calloc((size_t)g->in.y + 1, sizeof *hy);
    uint32_t *pos = column_buf(s);
    if (r.cnt == NULL || r.wy == NULL || (!dense && hy == NULL) || pos == NULL) {
        free(hy);
        free(pos);
        sim_rsum_free(&r);
        return sum_oom(err);
    }
    for (uint32_t y = 0; !dense && y < g->in.y; y++) {
        hy[y] = sim_rgeom_taps(g, false, y, 0, (int64_t)g->conv.y - 1, NULL);
    }
    fill_counts(s, g, hy, pos, &r);
    free(hy);
    free(pos);
    npu_status st = NPU_OK;
    if (g->kind == SIM_RGEOM_SEPARABLE) {
        r.act = calloc((size_t)g->conv.x + 2, sizeof *r.act);
        st = r.act == NULL ? sum_oom(err)
                           : active_cols(s, g, 0, g->in.x, 0, g->conv.x, r.act + 1, err);
        for (uint32_t o = 0; st == NPU_OK && o < g->conv.x; o++) {
            r.act[o + 1] += r.act[o];
        }
    }
    if (st != NPU_OK) {
        sim_rsum_free(&r);
        return st;
    }
    r.valid = true;
    *out = r;
    return NPU_OK;
}
