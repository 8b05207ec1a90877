/*
 * cmp_program_dest: the DEST_* routing table of one NP mapping, shared by the program builder
 * (which writes it) and the mapper (which refuses a mapping whose table does not fit).
 *
 * Rule (docs/mapping.md, "Destinations"): an NP of layer L sends its output events to every NP
 * of every layer consuming L in the same pass whose needed input columns overlap the output
 * columns the sender owns; output that leaves the pass (last layer, consumer in a later pass or
 * sequence, consumer without NPs) goes to the event DMA endpoint. Owned and needed columns
 * follow the NP models' ownership rule (docs/timing-model.md, "NP formulas"): output column X
 * belongs to the NP whose input slice holds the anchor of X (first input column of the
 * receptive field of the first convolution column of X's pool window, clamped); an NP needs the
 * input columns of the receptive fields of the convolution columns of its owned pool windows.
 * A pair is dropped only when both ranges are non-empty and disjoint, so an NP that owns nothing
 * keeps its senders. Receivers are grouped into multicast entries: one entry per (node, DEST_COLS
 * range) whose SLOTS mask names the receiving slots of the node.
 */
#include <string.h>

#include "cmp_program_int.h"

/* Column geometry of one layer along x. */
typedef struct xgeom {
    int64_t in, conv, out; /* input, convolution and pooled output widths */
    int64_t k, s, pad;     /* kernel, stride, padding before */
    bool dense, transpose; /* dense layer (needs every column), transposed convolution */
    bool pool_max;         /* max pooling with a window */
    bool pool_all;         /* global pooling: one window over every convolution column */
    int64_t pk, ps, ppad;  /* pool window, stride, padding before */
} xgeom;

static int64_t floor_div(int64_t a, int64_t b) {
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

static int64_t clamp64(int64_t v, int64_t lo, int64_t hi) {
    return v < lo ? lo : (v > hi ? hi : v);
}

/* Output width and padding before of a window k, stride s over n columns (TensorFlow). */
static void window(int64_t n, int64_t k, int64_t s, bool same, int64_t *out, int64_t *pad) {
    *pad = 0;
    if (s <= 0 || n <= 0) {
        *out = 0;
        return;
    }
    if (!same) {
        *out = n >= k ? (n - k) / s + 1 : 0;
        return;
    }
    *out = (n + s - 1) / s;
    int64_t total = (*out - 1) * s + k - n;
    *pad = total > 0 ? total / 2 : 0;
}

static xgeom geom_of(const npu_layer *l) {
    const npu_params *q = &l->p;
    xgeom g = {0};
    g.in = l->in_shape.x;
    g.out = l->out_shape.x;
    g.dense = l->type == NPU_FULLY_CONNECTED || l->type == NPU_DENSE1D || l->type == NPU_DENSE2D;
    g.transpose = l->type == NPU_CONV2D_TRANSPOSE || l->type == NPU_DEPTHWISE_CONV2D_TRANSPOSE;
    g.k = q->kernel_x > 0 ? q->kernel_x : 1;
    g.s = q->stride_x > 0 ? q->stride_x : 1;
    bool same = q->padding == NPU_PAD_SAME;
    if (g.transpose) {
        g.conv = g.in * g.s;
        g.pad = g.k > g.s ? (g.k - g.s) / 2 : 0;
    } else {
        window(g.in, g.k, g.s, same, &g.conv, &g.pad);
    }
    g.pool_all = q->pool_type == NPU_POOL_AVG || (q->pool_type == NPU_POOL_MAX && q->pool_x < 0);
    g.pool_max = q->pool_type == NPU_POOL_MAX && !g.pool_all;
    if (g.pool_max) {
        int64_t out;
        g.pk = q->pool_x > 0 ? q->pool_x : 1;
        g.ps = q->pool_stride_x > 0 ? q->pool_stride_x : g.pk;
        window(g.conv, g.pk, g.ps, same, &out, &g.ppad);
    }
    return g;
}

/* Input columns [lo, hi] convolution column ox reads (unclamped). */
static void receptive(const xgeom *g, int64_t ox, int64_t *lo, int64_t *hi) {
    if (g->dense) {
        *lo = 0;
        *hi = g->in - 1;
    } else if (g->transpose) { /* ox = ix * s + t - pad, t in [0, k) */
        *lo = -floor_div(-(ox + g->pad - g->k + 1), g->s);
        *hi = floor_div(ox + g->pad, g->s);
    } else {
        *lo = ox * g->s - g->pad;
        *hi = *lo + g->k - 1;
    }
}

/* Convolution columns [lo, hi] of output column X's pool window. */
static void pool_window(const xgeom *g, int64_t X, int64_t *lo, int64_t *hi) {
    int64_t last = g->conv - 1;
    if (g->pool_all || g->dense) {
        *lo = 0;
        *hi = last;
    } else if (g->pool_max) {
        int64_t s = X * g->ps - g->ppad;
        *lo = clamp64(s, 0, last);
        *hi = clamp64(s + g->pk - 1, -1, last);
    } else {
        *lo = *hi = X;
    }
}

static int64_t anchor(const xgeom *g, int64_t X) {
    int64_t clo, chi, rlo, rhi;
    pool_window(g, X, &clo, &chi);
    receptive(g, clo, &rlo, &rhi);
    return clamp64(rlo, 0, g->in - 1);
}

/* Smallest output column X whose anchor is >= a (g->out when none): binary search. */
static int64_t first_at_least(const xgeom *g, int64_t a) {
    int64_t lo = 0, hi = g->out;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (anchor(g, mid) >= a) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    return lo;
}

/* Column ranges of one NP: owned output columns [o0, o1] and needed input columns [n0, n1]
 * (o1 < o0, n1 < n0 when empty). */
typedef struct np_cols {
    int64_t o0, o1, n0, n1;
} np_cols;

static np_cols cols_of(const npu_layer *l, const cmp_np_map *np) {
    xgeom g = geom_of(l);
    np_cols r = {0, -1, 0, -1};
    int64_t s0 = np->col_first;
    int64_t s1 = s0 + (np->col_count ? np->col_count : (uint32_t)g.in) - 1;
    /* the anchor is non-decreasing in X: owned = [first X with anchor >= s0, last <= s1] */
    r.o0 = first_at_least(&g, s0);
    r.o1 = first_at_least(&g, s1 + 1) - 1;
    if (r.o1 < r.o0) {
        return (np_cols){0, -1, 0, -1};
    }
    int64_t clo, chi, tmp, rhi;
    pool_window(&g, r.o0, &clo, &tmp);
    pool_window(&g, r.o1, &tmp, &chi);
    if (g.dense) {
        clo = chi = 0;
    }
    receptive(&g, clo, &r.n0, &tmp);
    receptive(&g, chi, &tmp, &rhi);
    r.n0 = clamp64(r.n0, 0, g.in - 1);
    r.n1 = clamp64(rhi, 0, g.in - 1);
    return r;
}

/* The layer map of layer li in sequence s, or NULL. */
static const cmp_layer_map *find_map(const cmp_sequence *s, uint32_t li) {
    for (uint32_t i = 0; i < s->n_layers; i++) {
        if (s->layers[i].layer == li) {
            return &s->layers[i];
        }
    }
    return NULL;
}

/* Adds a receiver to the entry list (grouping by node and column range). */
static void add_entry(cmp_dest *out, uint32_t cap, uint32_t *n, mesh_ident id, bool dma,
                      uint32_t col_first, uint32_t col_count) {
    for (uint32_t i = 0; !dma && i < *n && i < cap; i++) {
        cmp_dest *e = &out[i];
        if (!e->dma && e->node.col == id.col && e->node.row == id.row &&
            e->col_first == col_first && e->col_count == col_count) {
            e->slots |= 1u << id.id;
            return;
        }
    }
    if (*n < cap) {
        cmp_dest *e = &out[*n];
        memset(e, 0, sizeof *e);
        e->node = id;
        e->node.id = 0;
        e->dma = dma;
        e->slots = dma ? 0u : 1u << id.id;
        e->col_first = col_first;
        e->col_count = col_count;
    }
    (*n)++;
}

uint32_t cmp_np_dests(const npu_model *m, const cmp_sequence *seq, uint32_t pass, uint32_t li,
                      const cmp_np_map *np, mesh_ident dma_ident, cmp_dest *out, uint32_t cap,
                      uint32_t *consumer) {
    const npu_layer *l = npu_model_layer(m, li);
    uint32_t n = 0, nl = npu_model_layer_count(m);
    bool dma = false;
    np_cols me = cols_of(l, np);
    for (uint32_t j = li + 1; j < nl; j++) {
        const npu_layer *c = npu_model_layer(m, j);
        bool consumes = false;
        for (uint32_t k = 0; k < c->n_inbound; k++) {
            consumes = consumes || c->inbound[k] == li;
        }
        if (!consumes) {
            continue;
        }
        const cmp_layer_map *cm = find_map(seq, j);
        if (cm == NULL || cm->pass != pass || cm->n_nps == 0) {
            dma = true;
            continue;
        }
        for (uint32_t k = 0; k < cm->n_nps; k++) {
            const cmp_np_map *d = &cm->nps[k];
            np_cols rc = cols_of(c, d);
            bool disjoint = me.o1 >= me.o0 && rc.n1 >= rc.n0 && (rc.n1 < me.o0 || rc.n0 > me.o1);
            if (disjoint) {
                continue;
            }
            uint32_t before = n;
            add_entry(out, cap, &n, d->ident, false, d->col_first,
                      d->col_count ? d->col_count : l->out_shape.x);
            if (consumer != NULL && n > before && n > cap) {
                *consumer = j; /* first consumer whose NPs overflow the table */
                consumer = NULL;
            }
        }
    }
    if (dma || n == 0) {
        add_entry(out, cap, &n, dma_ident, true, 0, l->out_shape.x);
    }
    return n;
}
