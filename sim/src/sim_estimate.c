/*
 * sim_estimate: one point of the estimate fidelity (sim_estimate.h) — from a record digest,
 * a mapping and a calibration to the figures sim_device_replay would give, without the
 * program, the NP models or the discrete-event queue.
 *
 * 1. NPs: every NP slice of the mapping's hardware sequences becomes an npu_np_config (the
 *    layer geometry of the digest + the slice + the NP models' ownership rule: owned output
 *    columns, convolution columns, need columns) and a routing table (the program builder's
 *    rule: the NPs of consumer layers in the same pass, else the event DMA).
 * 2. Activity per NP and frame from the digest's prefix histograms: events per need line,
 *    synaptic operations, SRAM words, external bytes, output events per owned line —
 *    the exact engine's counting rules, so counters equal the exact model's.
 * 3. Time per pass, line-granular critical path: the input DMA streams columns (latency +
 *    bytes / bandwidth); packets cross the NoC model of the exact engine (sim_noc: XY route,
 *    injection port, links, ejection port, first come first served in send-time order); an
 *    NP serves its need lines in order (npu_cost per line, external memory for FNP2), pays
 *    its output stage at the exact engine's trigger lines and sends one packet per (output
 *    line, destination); outputs queue at the output DMA. Single-pass sequences pipeline all
 *    frames; multi-pass sequences run frame by frame after each pass's configuration time
 *    (exact from the program's tracks when given, else estimated from the mapping).
 * 4. Energy: the same fields as the exact model (synaptic ops, SRAM words, NoC bytes x hops,
 *    DMA and external bytes, configuration bytes; static power of the powered NPs and the
 *    floor over each sequence's duration). No power samples: power min / max equal the
 *    average and the standard deviation is 0.
 *
 * Speed (a sweep runs this once per point; docs/performance.md, "Estimator speed-up"): the
 * packets of one output line (a burst: same sender, same send time) are queued as one item
 * and expanded when routed, so the send-time merge orders bursts, not packets; NoC routes
 * are resolved once per (NP, destination) on first use (sim_noc_path); the NPs of a layer
 * map share one routing table, and an NP with the previous NP's layer, kind and input
 * columns (a filter split) shares its ownership, need-line events and trigger lines; NPs
 * are found by position through a table, not a scan; every per-NP array of the point comes
 * from one arena. None of this changes an operation's order: the figures are bit-identical
 * to the packet-by-packet version.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "npu/npu_cost.h"
#include "npu_regmap.h"
#include "sim_energy.h"
#include "sim_estimate.h"
#include "sim_noc.h"

#define EST_MAX_DEST NPU_NP_MAX_DEST

/* One packet of the input DMA waiting to be routed (queue order = send-time order). */
typedef struct est_pkt {
    double t;       /* send time */
    int32_t dst;    /* receiving NP */
    uint32_t bytes; /* size */
    uint32_t f;     /* local frame */
    uint32_t line;  /* receiver need line */
} est_pkt;

/* The packets of one NP output line waiting to be routed: one per destination that needs
 * the line, all sent at t (route_burst). */
typedef struct est_burst {
    double t;    /* send time */
    uint32_t u;  /* sending NP */
    uint32_t o;  /* its owned output line */
    uint32_t f;  /* local frame */
    uint32_t rf; /* record frame */
} est_burst;

/* A block of the per-point arena (est_alloc): every per-NP array of a point. */
typedef struct est_block {
    struct est_block *next; /* previous block */
    size_t cap, used;       /* bytes of data, bytes handed out */
    max_align_t data[];     /* storage */
} est_block;

/* One destination of a routing table, with what routing a line there reads (set once the
 * receivers' activity exists: dest_finish). */
typedef struct est_dest {
    int32_t d;           /* NP index, -1 = event DMA */
    uint32_t need_first; /* receiver's first need column */
    uint32_t L;          /* receiver's need lines, 0 when it is not active */
    double *arr;         /* receiver's line arrivals ([F][L]) */
} est_dest;

/* One NP slice of the point. */
typedef struct enp {
    npu_np_config *cfg;      /* derived configuration (in ectx.cfgs) */
    mesh_ident ident;        /* position */
    mesh_np_type type;       /* type it acts as */
    uint32_t seq, pass;      /* sequence, global pass */
    bool active;             /* owns outputs and needs inputs */
    bool dma_fed;            /* fed by the event / HRC DMA */
    uint32_t n_dest;         /* destinations */
    est_dest *dest;          /* [n_dest] destinations (shared by the layer's NPs) */
    uint32_t *dest_hops;     /* [n_dest] hops to each destination (0: route not made yet) */
    sim_noc_path *dest_path; /* [n_dest] NoC route to each destination */
    uint32_t dma_hops;       /* hops from the event DMA */
    sim_noc_path dma_path;   /* NoC route from the event DMA */
    uint32_t L, O;           /* need lines, owned output lines */
    uint32_t need_first;     /* first need column (cfg->need_col_first) */
    uint32_t out_first;      /* first owned output column (cfg->out_col_first) */
    double busy_pj;          /* dynamic energy of one busy cycle (sim_energy_busy_pj) */
    uint64_t row_words;      /* weight words per (event, tap) */
    uint32_t *in_ev;         /* [F][L] events per need line (all record frames) */
    uint64_t *ev_f, *hits_f; /* [F] input events, kernel hits (syn. ops per filter) */
    uint32_t *hx;            /* [L] kernel columns of each need line in its conv. columns */
    uint32_t *cols;          /* [O] convolution columns of each owned line */
    uint64_t cols_total;     /* their sum */
    uint32_t *out_ev;        /* [F][O] events per owned line */
    double *in_pj;           /* [F] dynamic energy of the integration */
    double *out_pj;          /* [F] dynamic energy of the output stage */
    uint64_t *ext_b;         /* [F] external bytes per input event x events (FNP2) */
    uint64_t *out_cyc;       /* [O] output stage share */
    uint32_t *trigger;       /* [O] need line completing each output line */
    uint32_t *trig_order;    /* [O] output lines by trigger line, then index */
    uint32_t *trig_start;    /* [L + 1] start of each need line's run in trig_order */
    npu_np_counters cnt;     /* activity */
    double busy;             /* cycles served */
    double t_first, t_last;  /* first start, last end */
    double t_free;           /* end of its last served line (run scratch) */
    bool ran;                /* t_first set */
    double *arr;             /* [F][L] arrival of the line's last packet (run scratch) */
} enp;

/* One DMA-bound output packet. */
typedef struct est_out {
    double head; /* head arrival at the DMA node */
    double ser;  /* serialisation on the ejection port */
    uint32_t bytes;
} est_out;

typedef struct ectx {
    const sim_estimate_prep *p; /* digest */
    const mesh_desc *mesh;      /* mesh */
    const mesh_calib *c;        /* calibration */
    mesh_clock_mode mode;       /* clock mode */
    const cmp_mapped *mm;       /* mapping */
    const cmp_program *prog;    /* program or NULL */
    double vscale;              /* (V_mode / V_perf)^2 */
    enp *nps;                   /* NP slices */
    npu_np_config *cfgs;        /* their configurations (routing tables left unset) */
    uint32_t n_nps;             /* count */
    uint32_t n_passes;          /* global passes */
    uint32_t *pass_first;       /* [n_passes + 1] first NP of each global pass */
    int32_t *slot;              /* [cols x rows x 4] NP index per position (scratch, -1) */
    uint32_t *list;             /* [n_nps] scratch list of NP indices */
    est_block *blk;             /* per-point arena */
    double dyn_pj;              /* dynamic energy so far */
    double out_free, ext_free;  /* output DMA, external memory channel */
    double dma_free;            /* input DMA of the current pass */
    sim_noc noc;                /* NoC links and ports (sim_noc.c) */
    est_pkt *pk;                /* input DMA packets of the current frame */
    size_t n_pk, cap_pk;        /* used, allocated */
    est_burst *bu;              /* output line bursts of the current layer group */
    size_t n_bu, cap_bu;        /* used, allocated */
    size_t *seg;                /* start of each send-time-ordered run of bu */
    size_t n_seg, cap_seg;      /* runs, allocated */
    size_t *mpos, *mheap;       /* merge scratch (route_packets): run positions, heap */
    size_t cap_merge;           /* their allocated length */
    est_out *outs;              /* DMA-bound packets of the current pass */
    size_t n_outs, cap_outs;    /* used, allocated */
    npu_err *err;               /* error */
} ectx;

static npu_status eoom(npu_err *err) {
    return npu_err_set(err, NPU_ERR_INTERNAL, "estimate: out of memory");
}

/* Zeroed storage of n bytes that lives until the end of the point (NULL when out of memory). */
static void *est_alloc(ectx *x, size_t n) {
    n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
    est_block *b = x->blk;
    if (b == NULL || b->cap - b->used < n) {
        size_t cap = n > ((size_t)64 << 10) ? n : ((size_t)64 << 10);
        b = malloc(sizeof *b + cap);
        if (b == NULL) {
            return NULL;
        }
        b->next = x->blk;
        b->cap = cap;
        b->used = 0;
        x->blk = b;
    }
    void *p = (char *)b->data + b->used;
    b->used += n;
    memset(p, 0, n);
    return p;
}

/* Slot of an NP position in ectx.slot, -1 when outside the grid. */
static int64_t slot_of(const ectx *x, mesh_ident id) {
    if (id.col < 1 || id.col > x->mesh->cols || id.row < 1 || id.row > x->mesh->rows || id.id > 3) {
        return -1;
    }
    return ((int64_t)(id.row - 1) * x->mesh->cols + (id.col - 1)) * 4 + id.id;
}

static bool same_ident(mesh_ident a, mesh_ident b) {
    return a.col == b.col && a.row == b.row && a.id == b.id;
}

static int64_t clampi(int64_t v, int64_t lo, int64_t hi) {
    return v < lo ? lo : (v > hi ? hi : v);
}

static int64_t fdiv(int64_t a, int64_t b) {
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

static int64_t cdiv(int64_t a, int64_t b) {
    return -fdiv(-a, b);
}

/* ------------------------------------------------------------------ geometry */

static void receptive(const npu_np_config *c, int64_t ox, int64_t *lo, int64_t *hi) {
    if (c->kind == NPU_NP_FNP) {
        *lo = 0;
        *hi = (int64_t)c->in.x - 1;
    } else if (c->transpose) {
        *lo = cdiv(ox + c->pad_x - (int64_t)c->kx + 1, c->sx);
        *hi = fdiv(ox + c->pad_x, c->sx);
    } else {
        *lo = ox * c->sx - (int64_t)c->pad_x;
        *hi = *lo + c->kx - 1;
    }
}

static void pool_window(const npu_np_config *c, uint32_t X, int64_t *lo, int64_t *hi) {
    int64_t last = (int64_t)c->conv.x - 1;
    if (c->pool == NPU_POOL_AVG || c->kind == NPU_NP_FNP) {
        *lo = 0;
        *hi = last;
    } else if (c->pool == NPU_POOL_MAX) {
        int64_t pad = 0;
        if (c->same && c->pool_sx) {
            int64_t out = ((int64_t)c->conv.x + c->pool_sx - 1) / c->pool_sx;
            int64_t tot = (out - 1) * c->pool_sx + c->pool_x - (int64_t)c->conv.x;
            pad = tot > 0 ? tot / 2 : 0;
        }
        int64_t s = (int64_t)X * c->pool_sx - pad;
        *lo = clampi(s, 0, last);
        *hi = clampi(s + c->pool_x - 1, -1, last);
    } else {
        *lo = *hi = X;
    }
}

/* The NP models' ownership rule (npu/np/np_geom.c). */
static void ownership(npu_np_config *c) {
    int64_t first = -1, last = -2;
    int64_t s0 = c->col_first, s1 = (int64_t)c->col_first + c->col_count - 1;
    for (uint32_t X = 0; X < c->out.x; X++) {
        int64_t clo, chi, rlo, rhi;
        pool_window(c, X, &clo, &chi);
        receptive(c, clo, &rlo, &rhi);
        int64_t a = clampi(rlo, 0, (int64_t)c->in.x - 1);
        if (a >= s0 && a <= s1) {
            first = first < 0 ? X : first;
            last = X;
        }
    }
    c->out_col_first = c->out_col_count = c->conv_col_first = c->conv_col_count = 0;
    c->need_col_first = c->need_col_count = 0;
    if (first < 0) {
        return;
    }
    c->out_col_first = (uint32_t)first;
    c->out_col_count = (uint32_t)(last - first + 1);
    int64_t clo, chi, tmp, rlo, rhi;
    pool_window(c, (uint32_t)first, &clo, &tmp);
    pool_window(c, (uint32_t)last, &tmp, &chi);
    if (c->kind == NPU_NP_FNP) {
        clo = chi = 0;
    }
    c->conv_col_first = (uint32_t)clo;
    c->conv_col_count = (uint32_t)(chi - clo + 1);
    receptive(c, clo, &rlo, &tmp);
    receptive(c, chi, &tmp, &rhi);
    rlo = clampi(rlo, 0, (int64_t)c->in.x - 1);
    rhi = clampi(rhi, 0, (int64_t)c->in.x - 1);
    c->need_col_first = (uint32_t)rlo;
    c->need_col_count = rhi >= rlo ? (uint32_t)(rhi - rlo + 1) : 0;
}

static npu_np_kind kind_of(mesh_np_type t) {
    switch (t) {
    case MESH_NP_HRC:
        return NPU_NP_HRC;
    case MESH_NP_FNP2:
    case MESH_NP_FNP3:
        return NPU_NP_FNP;
    default:
        return NPU_NP_CNP;
    }
}

static uint64_t words_for(uint64_t elems, uint32_t bits) {
    uint32_t b = bits ? bits : 8;
    uint64_t per = 32u / b ? 32u / b : 1;
    return (elems + per - 1) / per;
}

/* ------------------------------------------------------------------ NP slices */

static const cmp_layer_map *find_map(const cmp_sequence *s, uint32_t li) {
    for (uint32_t i = 0; i < s->n_layers; i++) {
        if (s->layers[i].layer == li) {
            return &s->layers[i];
        }
    }
    return NULL;
}

/* Index of the first NP of (pass, ident), -1 when none: the position table of the pass
 * (filled by build_routes), else a scan of the pass's NPs. */
static int32_t find_np(const ectx *x, uint32_t pass, mesh_ident id) {
    int64_t k = slot_of(x, id);
    if (k >= 0) {
        return x->slot[k];
    }
    for (uint32_t i = x->pass_first[pass]; i < x->pass_first[pass + 1]; i++) {
        if (same_ident(x->nps[i].ident, id)) {
            return (int32_t)i;
        }
    }
    return -1;
}

/* Routing of NP i (layer li of sequence s, pass-in-sequence lp): the program builder's rule.
 * Every NP of a layer map has the same destinations: the list is made for the first and
 * shared. */
static npu_status np_dests(ectx *x, uint32_t i, const cmp_sequence *s, uint32_t li, uint32_t lp) {
    enp *n = &x->nps[i];
    const npu_model *m = x->p->model;
    uint32_t nl = npu_model_layer_count(m);
    bool dma = false;
    int32_t dest[EST_MAX_DEST + 1];
    uint32_t nd = 0;
    for (uint32_t j = li + 1; j < nl; j++) {
        const npu_layer *cl = npu_model_layer(m, j);
        bool consumes = false;
        for (uint32_t k = 0; k < cl->n_inbound; k++) {
            consumes = consumes || cl->inbound[k] == li;
        }
        if (!consumes) {
            continue;
        }
        const cmp_layer_map *cm = find_map(s, j);
        if (cm == NULL || cm->pass != lp || cm->n_nps == 0) {
            dma = true;
            continue;
        }
        for (uint32_t k = 0; k < cm->n_nps; k++) {
            if (nd >= EST_MAX_DEST) {
                return npu_err_set(x->err, NPU_ERR_INPUT,
                                   "estimate: layer %u has more than %u destinations", li,
                                   (unsigned)EST_MAX_DEST);
            }
            dest[nd++] = find_np(x, n->pass, cm->nps[k].ident);
        }
    }
    if (dma || nd == 0) {
        dest[nd++] = -1;
    }
    n->dest = est_alloc(x, (size_t)nd * sizeof *n->dest);
    if (n->dest == NULL) {
        return eoom(x->err);
    }
    for (uint32_t k = 0; k < nd; k++) {
        n->dest[k].d = dest[k];
    }
    n->n_dest = nd;
    return NPU_OK;
}

/* Counts the NP slices and global passes of the mapping. */
static uint32_t count_nps(const cmp_mapped *mm, uint32_t *passes) {
    uint32_t n = 0, p = 0;
    for (uint32_t s = 0; s < mm->n_sequences; s++) {
        const cmp_sequence *q = &mm->sequences[s];
        if (q->backend == CMP_BACKEND_SOFTWARE) {
            continue;
        }
        p += q->n_passes;
        for (uint32_t l = 0; l < q->n_layers; l++) {
            n += q->layers[l].n_nps;
        }
    }
    *passes = p;
    return n;
}

/* NP e's configuration: the layer geometry (without its unset routing table, which the
 * estimate never reads) + the mapping slice + the ownership rule (copied from prev, the
 * previous NP's, when that has the same layer, kind and input columns). */
static void np_config(npu_np_config *cfg, const est_layer *L, const cmp_np_map *nm,
                      const npu_np_config *prev) {
    memcpy(cfg, &L->geom, offsetof(npu_np_config, dest));
    memcpy(&cfg->conv, &L->geom.conv, sizeof *cfg - offsetof(npu_np_config, conv));
    cfg->kind = kind_of(nm->type);
    cfg->col_first = nm->col_first;
    cfg->col_count = nm->col_count ? nm->col_count : L->geom.in.x;
    cfg->filter_first = nm->filter_first;
    cfg->filter_count = nm->filters;
    cfg->weight_bits = L->weight_bits;
    cfg->single_buffer = nm->single_buffer;
    cfg->external_weights = nm->type == MESH_NP_FNP2;
    if (prev != NULL && prev->layer_index == cfg->layer_index && prev->kind == cfg->kind &&
        prev->col_first == cfg->col_first && prev->col_count == cfg->col_count) {
        cfg->out_col_first = prev->out_col_first;
        cfg->out_col_count = prev->out_col_count;
        cfg->conv_col_first = prev->conv_col_first;
        cfg->conv_col_count = prev->conv_col_count;
        cfg->need_col_first = prev->need_col_first;
        cfg->need_col_count = prev->need_col_count;
    } else {
        ownership(cfg);
    }
}

/* Creates the NP slices of every hardware pass (pass order, then layer order). */
static npu_status build_slices(ectx *x) {
    const cmp_mapped *mm = x->mm;
    uint32_t n_passes = 0;
    uint32_t n = count_nps(mm, &n_passes);
    size_t slots = (size_t)x->mesh->cols * x->mesh->rows * 4;
    x->nps = calloc(n + 1, sizeof *x->nps);
    x->cfgs = malloc((n + 1) * sizeof *x->cfgs);
    x->pass_first = calloc(n_passes + 2, sizeof *x->pass_first);
    x->slot = malloc((slots + 1) * sizeof *x->slot);
    x->list = calloc(n + 1, sizeof *x->list);
    if (x->nps == NULL || x->cfgs == NULL || x->pass_first == NULL || x->slot == NULL ||
        x->list == NULL) {
        return eoom(x->err);
    }
    for (size_t k = 0; k < slots; k++) {
        x->slot[k] = -1;
    }
    x->n_passes = n_passes;
    uint32_t pass0 = 0;
    for (uint32_t s = 0; s < mm->n_sequences; s++) {
        const cmp_sequence *q = &mm->sequences[s];
        if (q->backend == CMP_BACKEND_SOFTWARE) {
            continue;
        }
        for (uint32_t lp = 0; lp < q->n_passes; lp++) {
            x->pass_first[pass0 + lp] = x->n_nps;
            for (uint32_t l = 0; l < q->n_layers; l++) {
                const cmp_layer_map *lm = &q->layers[l];
                if (lm->pass != lp || lm->layer >= x->p->n_layers) {
                    continue;
                }
                const est_layer *L = &x->p->layers[lm->layer];
                for (uint32_t k = 0; k < lm->n_nps; k++) {
                    const cmp_np_map *nm = &lm->nps[k];
                    enp *e = &x->nps[x->n_nps];
                    e->cfg = &x->cfgs[x->n_nps];
                    np_config(e->cfg, L, nm, x->n_nps > 0 ? &x->cfgs[x->n_nps - 1] : NULL);
                    x->n_nps++;
                    e->ident = nm->ident;
                    e->type = nm->type;
                    e->seq = s;
                    e->pass = pass0 + lp;
                    e->L = e->cfg->need_col_count;
                    e->O = e->cfg->out_col_count;
                    e->need_first = e->cfg->need_col_first;
                    e->out_first = e->cfg->out_col_first;
                    e->active = e->L > 0 && e->O > 0;
                }
            }
        }
        pass0 += q->n_passes;
    }
    x->pass_first[n_passes] = x->n_nps;
    return NPU_OK;
}

/* Fills (on) or clears the position table with the NPs of a global pass (first one wins). */
static void pass_slots(ectx *x, uint32_t pass, bool on) {
    for (uint32_t i = x->pass_first[pass + 1]; i-- > x->pass_first[pass];) {
        int64_t k = slot_of(x, x->nps[i].ident);
        if (k >= 0) {
            x->slot[k] = on ? (int32_t)i : -1;
        }
    }
}

/* Routing tables of every NP, once every NP exists. */
static npu_status build_routes(ectx *x) {
    const cmp_mapped *mm = x->mm;
    uint32_t i = 0, pass0 = 0;
    for (uint32_t s = 0; s < mm->n_sequences; s++) {
        const cmp_sequence *q = &mm->sequences[s];
        if (q->backend == CMP_BACKEND_SOFTWARE) {
            continue;
        }
        for (uint32_t lp = 0; lp < q->n_passes; lp++) {
            pass_slots(x, pass0 + lp, true);
            for (uint32_t l = 0; l < q->n_layers; l++) {
                const cmp_layer_map *lm = &q->layers[l];
                if (lm->pass != lp || lm->layer >= x->p->n_layers) {
                    continue;
                }
                for (uint32_t k = 0; k < lm->n_nps; k++, i++) {
                    if (k > 0) { /* same destinations as the layer's first NP */
                        x->nps[i].dest = x->nps[i - k].dest;
                        x->nps[i].n_dest = x->nps[i - k].n_dest;
                        continue;
                    }
                    npu_status st = np_dests(x, i, q, lm->layer, lp);
                    if (st != NPU_OK) {
                        return st;
                    }
                }
            }
            pass_slots(x, pass0 + lp, false);
        }
        pass0 += q->n_passes;
    }
    return NPU_OK;
}

/* Builds the configurations and routing of every NP slice; hops of every route. */
static npu_status build_nps(ectx *x) {
    npu_status st = build_slices(x);
    st = st ? st : build_routes(x);
    if (st != NPU_OK) {
        return st;
    }
    /* fed by another NP of the pass, or by the DMA */
    for (uint32_t u = 0; u < x->n_nps; u++) {
        x->nps[u].dma_fed = true;
    }
    for (uint32_t q = 0; q < x->n_nps; q++) {
        enp *n = &x->nps[q];
        n->dest_hops = est_alloc(x, (size_t)n->n_dest * sizeof *n->dest_hops);
        n->dest_path = est_alloc(x, (size_t)n->n_dest * sizeof *n->dest_path);
        if (n->dest_hops == NULL || n->dest_path == NULL) {
            return eoom(x->err);
        }
        sim_noc_path_of(&x->noc, x->mesh->dma_event, n->ident, &n->dma_path);
        n->dma_hops = sim_noc_path_hops(&n->dma_path);
        for (uint32_t k = 0; k < n->n_dest; k++) {
            int32_t d = n->dest[k].d;
            if (d >= 0) {
                x->nps[d].dma_fed = false;
            }
        } /* dest_path / dest_hops: on first use (dest_route) */
    }
    return NPU_OK;
}

/* ------------------------------------------------------------------ activity */

static double work_pj(const ectx *x, uint64_t syn, uint64_t rd, uint64_t wr) {
    return x->vscale * ((double)syn * x->c->e_synop_pj + (double)rd * x->c->e_sram_read_pj +
                        (double)wr * x->c->e_sram_write_pj);
}

/* Kernel columns of input column i landing in convolution columns [lo, hi]. */
static uint32_t col_hits(const npu_np_config *c, int64_t i, int64_t lo, int64_t hi) {
    uint32_t n = 0;
    for (uint32_t t = 0; t < c->kx; t++) {
        int64_t o;
        if (c->transpose) {
            o = i * c->sx + t - (int64_t)c->pad_x;
        } else {
            int64_t dd = i + c->pad_x - t;
            if (dd < 0 || dd % c->sx != 0) {
                continue;
            }
            o = dd / c->sx;
        }
        n += o >= lo && o <= hi;
    }
    return n;
}

/* The previous NP when it is a geometry twin of NP u (same layer, kind and input column
 * slice: the same ownership, need lines, trigger lines and kernel hits per line), else NULL. */
static const enp *np_twin(const ectx *x, uint32_t u) {
    if (u == 0 || x->nps[u - 1].pass != x->nps[u].pass || !x->nps[u - 1].active) {
        return NULL;
    }
    const npu_np_config *a = x->nps[u - 1].cfg, *b = x->nps[u].cfg;
    bool same = a->layer_index == b->layer_index && a->kind == b->kind &&
                a->col_first == b->col_first && a->col_count == b->col_count;
    return same ? &x->nps[u - 1] : NULL;
}

/* Input side of NP n over every record frame: events per need line, and per frame the
 * events and the kernel hits (x taps in its convolution columns x row-weighted events). */
static npu_status np_input(ectx *x, enp *n, const enp *tw) {
    const npu_np_config *c = n->cfg;
    const sim_estimate_prep *p = x->p;
    uint32_t F = p->F, L = n->L ? n->L : 1;
    const est_layer *EL = &p->layers[c->layer_index];
    const est_hist *H = sim_estimate_in_hist(p, c->layer_index);
    bool dense = c->kind == NPU_NP_FNP;
    uint32_t c0 = 0, c1 = H->C < c->in.c ? H->C : c->in.c;
    if (c->depthwise) {
        c0 = c->filter_first < c1 ? c->filter_first : c1;
        c1 = c->filter_first + c->filter_count < c1 ? c->filter_first + c->filter_count : c1;
    }
    if (tw != NULL && !c->depthwise) { /* the same channels of the same lines */
        n->in_ev = tw->in_ev;
        n->ev_f = tw->ev_f;
        n->hits_f = tw->hits_f;
        n->hx = tw->hx;
        return NPU_OK;
    }
    n->in_ev = est_alloc(x, (size_t)F * L * sizeof *n->in_ev);
    n->ev_f = est_alloc(x, F * sizeof *n->ev_f);
    n->hits_f = est_alloc(x, F * sizeof *n->hits_f);
    n->hx = tw != NULL ? tw->hx : est_alloc(x, L * sizeof *n->hx);
    if (!n->in_ev || !n->ev_f || !n->hits_f || !n->hx) {
        return eoom(x->err);
    }
    int64_t x_lo = c->conv_col_first, x_hi = x_lo + (int64_t)c->conv_col_count - 1;
    for (uint32_t l = 0; tw == NULL && l < n->L && !dense; l++) {
        n->hx[l] = col_hits(c, (int64_t)c->need_col_first + l, x_lo, x_hi);
    }
    size_t hper = (size_t)H->X * (H->C + 1), wper = (size_t)c->in.x * (c->in.c + 1);
    for (uint32_t f = 0; f < F; f++) {
        uint64_t ev = 0, hits = 0;
        const uint32_t *hb = H->cnt + hper * f;
        for (uint32_t l = 0; l < n->L; l++) {
            uint32_t col = c->need_col_first + l;
            if (col >= H->X || col >= c->in.x) {
                continue;
            }
            const uint32_t *row = hb + (size_t)col * (H->C + 1);
            uint32_t e = row[c1] - row[c0];
            n->in_ev[(size_t)f * n->L + l] = e;
            ev += e;
            if (!dense && EL->wy != NULL && n->hx[l]) {
                const uint64_t *w = EL->wy + wper * f + (size_t)col * (c->in.c + 1);
                hits += (uint64_t)n->hx[l] * (w[c1] - w[c0]);
            }
        }
        n->ev_f[f] = ev;
        n->hits_f[f] = hits;
    }
    return NPU_OK;
}

/* Output cost shares and trigger lines of NP n (sim_timing.c plan_static); the trigger
 * lines (geometry only) are its twin's when it has one. */
static npu_status np_output_plan(ectx *x, enp *n, const enp *tw) {
    const npu_np_config *c = n->cfg;
    uint32_t L = n->L ? n->L : 1, O = n->O ? n->O : 1;
    uint64_t total = npu_cost_output(c, &x->c->np), cum = 0, given = 0;
    n->out_cyc = est_alloc(x, O * sizeof *n->out_cyc);
    if (n->out_cyc == NULL) {
        return eoom(x->err);
    }
    if (tw != NULL) {
        n->trigger = tw->trigger;
        n->trig_order = tw->trig_order;
        n->trig_start = tw->trig_start;
        n->cols = tw->cols;
        n->cols_total = tw->cols_total;
    } else {
        n->trigger = est_alloc(x, O * sizeof *n->trigger);
        n->trig_order = est_alloc(x, O * sizeof *n->trig_order);
        n->trig_start = est_alloc(x, ((size_t)L + 1) * sizeof *n->trig_start);
        n->cols = est_alloc(x, O * sizeof *n->cols);
        uint32_t *fill = est_alloc(x, L * sizeof *fill);
        if (!n->trigger || !n->trig_order || !n->trig_start || !n->cols || !fill) {
            return eoom(x->err);
        }
        int64_t need_lo = c->need_col_first, need_hi = need_lo + (int64_t)n->L - 1;
        for (uint32_t o = 0; o < n->O; o++) {
            int64_t lo, hi;
            pool_window(c, c->out_col_first + o, &lo, &hi);
            int64_t clo = c->conv_col_first, chi = clo + (int64_t)c->conv_col_count - 1;
            lo = lo < clo ? clo : lo;
            hi = hi > chi ? chi : hi;
            n->cols[o] = hi >= lo ? (uint32_t)(hi - lo + 1) : 0;
            n->cols_total += n->cols[o];
            int64_t rlo, rhi = need_lo;
            if (hi >= lo) {
                receptive(c, hi, &rlo, &rhi);
            }
            n->trigger[o] = c->kind == NPU_NP_HRC
                                ? (uint32_t)(clampi(rhi, need_lo, need_hi) - need_lo)
                                : (uint32_t)(need_hi - need_lo);
        }
        /* output lines grouped by trigger line (counting sort, index order within a line) */
        for (uint32_t o = 0; o < n->O; o++) {
            if (n->trigger[o] < n->L) {
                n->trig_start[n->trigger[o] + 1]++;
            }
        }
        for (uint32_t l = 0; l < n->L; l++) {
            n->trig_start[l + 1] += n->trig_start[l];
        }
        for (uint32_t o = 0; o < n->O; o++) {
            uint32_t l = n->trigger[o];
            if (l < n->L) {
                n->trig_order[n->trig_start[l] + fill[l]++] = o;
            }
        }
    }
    for (uint32_t o = 0; o < n->O; o++) {
        cum += n->cols[o];
        uint64_t upto = n->cols_total ? total * cum / n->cols_total : (o + 1 == n->O ? total : 0);
        n->out_cyc[o] = upto - given;
        given = upto;
    }
    return NPU_OK;
}

/* Activity of NP u over every record frame, from the digest. */
static npu_status np_activity(ectx *x, uint32_t u) {
    enp *n = &x->nps[u];
    const npu_np_config *c = n->cfg;
    const sim_estimate_prep *p = x->p;
    uint32_t F = p->F, L = n->L ? n->L : 1, O = n->O ? n->O : 1;
    n->busy_pj = x->vscale * x->c->e_np_busy_pj * sim_energy_lane_share(c, &x->c->np);
    if (!n->active) {
        return NPU_OK;
    }
    n->out_ev = est_alloc(x, (size_t)F * O * sizeof *n->out_ev);
    n->in_pj = est_alloc(x, F * sizeof *n->in_pj);
    n->out_pj = est_alloc(x, F * sizeof *n->out_pj);
    n->ext_b = est_alloc(x, F * sizeof *n->ext_b);
    n->arr = est_alloc(x, (size_t)F * L * sizeof *n->arr);
    if (!n->out_ev || !n->in_pj || !n->out_pj || !n->ext_b || !n->arr) {
        return eoom(x->err);
    }
    const enp *tw = np_twin(x, u);
    npu_status st = np_input(x, n, tw);
    st = st ? st : np_output_plan(x, n, tw);
    if (st != NPU_OK) {
        return st;
    }
    const est_layer *EL = &p->layers[c->layer_index];
    uint32_t fc = c->filter_count;
    bool sep = c->layer == NPU_SEPARABLE_CONVOLUTIONAL, dense = c->kind == NPU_NP_FNP;
    uint32_t per = (c->depthwise || sep) ? 1u : fc;
    n->row_words = words_for((c->depthwise || sep) ? 1u : fc, c->weight_bits);
    int64_t x_lo = c->conv_col_first, x_hi = x_lo + (int64_t)c->conv_col_count - 1;
    size_t oper = (size_t)EL->out.X * (EL->out.C + 1);
    uint32_t f0 = c->filter_first, f1 = f0 + fc;
    f1 = f1 < EL->out.C ? f1 : EL->out.C;
    f0 = f0 < f1 ? f0 : f1;
    for (uint32_t f = 0; f < F; f++) {
        uint64_t ev = n->ev_f[f], hits = n->hits_f[f];
        uint64_t syn, rd, wr = ev;
        if (dense) {
            syn = ev * fc;
            wr += ev * fc;
            rd = c->external_weights ? 0 : ev * n->row_words;
            n->ext_b[f] = c->external_weights ? ev * n->row_words * 4u : 0;
        } else {
            syn = hits * per;
            rd = hits * n->row_words;
            wr += hits * per;
        }
        n->cnt.events_in += ev;
        n->cnt.synops += syn;
        n->cnt.sram_reads += rd;
        n->cnt.sram_writes += wr;
        n->cnt.ext_bytes += n->ext_b[f];
        n->in_pj[f] = work_pj(x, syn, rd, wr);
        double pw = 0.0;
        if (sep && EL->act != NULL && x_hi >= x_lo) {
            const uint64_t *a = EL->act + ((size_t)c->conv.x + 1) * f;
            uint64_t active = a[x_hi + 1] - a[x_lo];
            uint64_t row = words_for(fc, c->weight_bits);
            n->cnt.synops += active * fc;
            n->cnt.sram_reads += active * row;
            n->cnt.sram_writes += active * fc;
            pw = work_pj(x, active * fc, active * row, active * fc);
        }
        const uint32_t *ob = EL->out.cnt + oper * f;
        uint64_t oe = 0;
        for (uint32_t o = 0; o < n->O; o++) {
            uint32_t col = c->out_col_first + o;
            uint32_t e = 0;
            if (col < EL->out.X) {
                const uint32_t *row = ob + (size_t)col * (EL->out.C + 1);
                e = row[f1] - row[f0];
            }
            n->out_ev[(size_t)f * n->O + o] = e;
            oe += e;
        }
        n->cnt.events_out += oe;
        n->out_pj[f] = pw + work_pj(x, 0, 0, oe);
    }
    return NPU_OK;
}

/* Fills what routing reads of every destination, once every NP's activity exists. */
static void dest_finish(ectx *x) {
    for (uint32_t u = 0; u < x->n_nps; u++) {
        const enp *n = &x->nps[u];
        if (u > 0 && n->dest == x->nps[u - 1].dest) {
            continue; /* shared with the previous NP */
        }
        for (uint32_t k = 0; k < n->n_dest; k++) {
            est_dest *e = &n->dest[k];
            if (e->d >= 0) {
                const enp *v = &x->nps[e->d];
                e->need_first = v->need_first;
                e->L = v->active ? v->L : 0;
                e->arr = v->arr;
            }
        }
    }
}

/* ------------------------------------------------------------------ timing */

static uint64_t line_cycles(const ectx *x, const npu_np_config *c, uint32_t col, uint32_t ev) {
    switch (c->kind) {
    case NPU_NP_HRC:
        return npu_cost_hrc_line(c, &x->c->np, col);
    case NPU_NP_FNP:
        return npu_cost_fnp_events(c, &x->c->np, ev);
    default:
        return npu_cost_cnp_events(c, &x->c->np, ev);
    }
}

/* Queues a packet of the input DMA (routed in queue order by route_dma). */
static npu_status pkt_push(ectx *x, est_pkt k) {
    if (x->n_pk == x->cap_pk) {
        size_t cap = x->cap_pk ? x->cap_pk * 2 : 1024;
        est_pkt *q = realloc(x->pk, cap * sizeof *q);
        if (q == NULL) {
            return eoom(x->err);
        }
        x->pk = q;
        x->cap_pk = cap;
    }
    x->pk[x->n_pk++] = k;
    return NPU_OK;
}

/* Queues the packets of an NP's output line (routed later in send-time order). */
static npu_status burst_push(ectx *x, est_burst k) {
    if (x->n_bu == x->cap_bu) {
        size_t cap = x->cap_bu ? x->cap_bu * 2 : 1024;
        est_burst *q = realloc(x->bu, cap * sizeof *q);
        if (q == NULL) {
            return eoom(x->err);
        }
        x->bu = q;
        x->cap_bu = cap;
    }
    x->bu[x->n_bu++] = k;
    return NPU_OK;
}

/* True when burst i goes before burst j (send time, then queue order). */
static bool burst_before(const ectx *x, size_t i, size_t j) {
    double ti = x->bu[i].t, tj = x->bu[j].t;
    return ti < tj || (ti == tj && i < j);
}

/* Starts a new run of bursts (each run is already in send-time order). */
static npu_status burst_segment(ectx *x) {
    if (x->n_seg == x->cap_seg) {
        size_t cap = x->cap_seg ? x->cap_seg * 2 : 64;
        size_t *q = realloc(x->seg, cap * sizeof *q);
        if (q == NULL) {
            return eoom(x->err);
        }
        x->seg = q;
        x->cap_seg = cap;
    }
    x->seg[x->n_seg++] = x->n_bu;
    return NPU_OK;
}

/* Index of the next burst in send-time order (k-way merge of the runs through a binary heap
 * of run indices); SIZE_MAX when all are taken. */
static size_t burst_next(ectx *x, size_t *pos, size_t *heap, size_t *n_heap) {
    if (*n_heap == 0) {
        return SIZE_MAX;
    }
    size_t r = heap[0], i = pos[r]++;
    size_t end = r + 1 < x->n_seg ? x->seg[r + 1] : x->n_bu;
    if (pos[r] >= end) {
        heap[0] = heap[--*n_heap];
    }
    for (size_t k = 0;;) { /* sift down */
        size_t a = 2 * k + 1, b = a + 1, m = k;
        if (a < *n_heap && burst_before(x, pos[heap[a]], pos[heap[m]])) {
            m = a;
        }
        if (b < *n_heap && burst_before(x, pos[heap[b]], pos[heap[m]])) {
            m = b;
        }
        if (m == k) {
            break;
        }
        size_t t = heap[k];
        heap[k] = heap[m];
        heap[m] = t;
        k = m;
    }
    return i;
}

/* Routes one packet sent at t: its hop energy, then the receiving NP line's arrival (*a) or,
 * for a == NULL, the output DMA queue. */
static inline npu_status route_one(ectx *x, const sim_noc_path *path, double *a, double t,
                                   uint32_t bytes, uint32_t hops) {
    double arr = sim_noc_send_path(&x->noc, path, t, bytes);
    x->dyn_pj += x->vscale * (double)bytes * hops * x->c->e_hop_byte_pj;
    if (a != NULL) { /* the receiving NP line's last arrival */
        *a = arr > *a ? arr : *a;
        return NPU_OK;
    }
    if (x->n_outs == x->cap_outs) {
        size_t cap = x->cap_outs ? x->cap_outs * 2 : 256;
        est_out *q = realloc(x->outs, cap * sizeof *q);
        if (q == NULL) {
            return eoom(x->err);
        }
        x->outs = q;
        x->cap_outs = cap;
    }
    x->outs[x->n_outs++] = (est_out){arr, 0.0, bytes};
    return NPU_OK;
}

/* Routes the queued input DMA packets (one run, already in send-time order). */
static npu_status route_dma(ectx *x) {
    npu_status st = NPU_OK;
    for (size_t i = 0; st == NPU_OK && i < x->n_pk; i++) {
        const est_pkt *k = &x->pk[i];
        const enp *v = &x->nps[k->dst];
        st = route_one(x, &v->dma_path, &v->arr[(size_t)k->f * v->L + k->line], k->t, k->bytes,
                       v->dma_hops);
    }
    x->n_pk = 0;
    return st;
}

/* NoC route from NP n to its destination k (made on first use). */
static const sim_noc_path *dest_route(ectx *x, enp *n, uint32_t k) {
    if (n->dest_hops[k] == 0) {
        int32_t d = n->dest[k].d;
        mesh_ident to = d >= 0 ? x->nps[d].ident : x->mesh->dma_event;
        sim_noc_path_of(&x->noc, n->ident, to, &n->dest_path[k]);
        n->dest_hops[k] = sim_noc_path_hops(&n->dest_path[k]);
    }
    return &n->dest_path[k];
}

/* Routes the packets of burst b: one per destination of the sender that needs the line
 * (the program builder's routing, in routing-table order). */
static npu_status route_burst(ectx *x, const est_burst *b) {
    enp *n = &x->nps[b->u];
    uint32_t ev = n->out_ev[(size_t)b->rf * n->O + b->o];
    uint32_t bytes = (ev ? ev : 1u) * x->c->event_bytes, ox = n->out_first + b->o;
    for (uint32_t k = 0; k < n->n_dest; k++) {
        const est_dest *e = &n->dest[k];
        double *arr = NULL;
        if (e->d >= 0) {
            if (ox < e->need_first || ox - e->need_first >= e->L) {
                continue;
            }
            arr = &e->arr[(size_t)b->f * e->L + (ox - e->need_first)];
        }
        const sim_noc_path *path = dest_route(x, n, k);
        npu_status st = route_one(x, path, arr, b->t, bytes, n->dest_hops[k]);
        if (st != NPU_OK) {
            return st;
        }
    }
    return NPU_OK;
}

/* Routes the queued bursts of the current layer group through the NoC in send-time order
 * (packets of one burst share its time and follow each other): arrival times of NP lines,
 * output DMA queue, hop energy. */
static npu_status route_bursts(ectx *x) {
    if (x->n_seg + 1 > x->cap_merge) {
        size_t cap = (x->n_seg + 1) * 2;
        size_t *pos = realloc(x->mpos, cap * sizeof *pos);
        if (pos != NULL) {
            x->mpos = pos;
        }
        size_t *heap = pos ? realloc(x->mheap, cap * sizeof *heap) : NULL;
        if (heap == NULL) {
            return eoom(x->err);
        }
        x->mheap = heap;
        x->cap_merge = cap;
    }
    size_t *pos = x->mpos, *heap = x->mheap;
    size_t n_heap = 0;
    for (size_t r = 0; r < x->n_seg; r++) {
        pos[r] = x->seg[r];
        size_t end = r + 1 < x->n_seg ? x->seg[r + 1] : x->n_bu;
        if (pos[r] >= end) {
            continue;
        }
        size_t k = n_heap++; /* sift up */
        heap[k] = r;
        while (k > 0 && burst_before(x, pos[heap[k]], pos[heap[(k - 1) / 2]])) {
            size_t t = heap[k];
            heap[k] = heap[(k - 1) / 2];
            heap[(k - 1) / 2] = t;
            k = (k - 1) / 2;
        }
    }
    npu_status st = NPU_OK;
    for (size_t i; st == NPU_OK && (i = burst_next(x, pos, heap, &n_heap)) != SIZE_MAX;) {
        st = route_burst(x, &x->bu[i]);
    }
    x->n_bu = x->n_seg = 0;
    return st;
}

static int out_cmp(const void *a, const void *b) {
    const est_out *p = a, *q = b;
    return p->head < q->head ? -1 : (p->head > q->head);
}

/* The active DMA-fed NPs of a pass into x->list, by layer then index; returns the count. */
static uint32_t dma_fed_list(ectx *x, uint32_t pass) {
    uint32_t n = 0;
    for (uint32_t u = x->pass_first[pass]; u < x->pass_first[pass + 1]; u++) {
        const enp *e = &x->nps[u];
        if (!e->active || !e->dma_fed) {
            continue;
        }
        uint32_t k = n++, li = e->cfg->layer_index; /* stable insertion by layer */
        for (; k > 0 && x->nps[x->list[k - 1]].cfg->layer_index > li; k--) {
            x->list[k] = x->list[k - 1];
        }
        x->list[k] = u;
    }
    return n;
}

/* Input DMA of local frame f of a pass (record frame rf0 + f), after the previous frames'. */
static npu_status pass_dma(ectx *x, uint32_t pass, uint32_t f, uint32_t rf0) {
    const sim_estimate_prep *p = x->p;
    double free_t = x->dma_free;
    uint32_t eb = x->c->event_bytes;
    uint32_t n_list = dma_fed_list(x, pass);
    for (uint32_t g0 = 0, g1; g0 < n_list; g0 = g1) { /* DMA-fed layers of the pass, ascending */
        const enp *any = &x->nps[x->list[g0]];
        uint32_t l = any->cfg->layer_index;
        for (g1 = g0 + 1; g1 < n_list && x->nps[x->list[g1]].cfg->layer_index == l; g1++) {
        }
        bool hrc = any->cfg->kind == NPU_NP_HRC;
        double bw = hrc ? x->c->hrc_dma_bytes_per_cycle : x->c->event_dma_bytes_per_cycle;
        const est_hist *H = sim_estimate_in_hist(p, l);
        size_t hper = (size_t)H->X * (H->C + 1);
        free_t += x->c->dma_latency_cycles;
        for (uint32_t col = 0; col < any->cfg->in.x; col++) {
            uint32_t cnt =
                col < H->X ? H->cnt[hper * (rf0 + f) + (size_t)col * (H->C + 1) + H->C] : 0;
            uint64_t bytes =
                hrc ? (uint64_t)any->cfg->in.y * any->cfg->in.c : (uint64_t)(cnt ? cnt : 1u) * eb;
            free_t += (double)bytes / bw;
            x->dyn_pj += x->vscale * (double)bytes * x->c->e_dma_byte_pj;
            for (uint32_t g = g0; g < g1; g++) {
                uint32_t u = x->list[g];
                enp *n = &x->nps[u];
                if (col < n->need_first || col - n->need_first >= n->L) {
                    continue;
                }
                uint32_t line = col - n->need_first;
                if (n->cfg->kind == NPU_NP_HRC) {
                    double *a = &n->arr[(size_t)f * n->L + line];
                    *a = free_t > *a ? free_t : *a;
                    continue;
                }
                uint32_t ev = n->in_ev[(size_t)(rf0 + f) * n->L + line];
                npu_status st =
                    pkt_push(x, (est_pkt){free_t, (int32_t)u, (ev ? ev : 1u) * eb, f, line});
                if (st != NPU_OK) {
                    return st;
                }
            }
        }
    }
    x->dma_free = free_t;
    return route_dma(x);
}

/* Serves NP u's lines of local frame f (record frame rf0 + f) and queues its packets. */
static npu_status np_serve(ectx *x, uint32_t u, uint32_t f, uint32_t rf0) {
    enp *n = &x->nps[u];
    const npu_np_config *c = n->cfg;
    double t = n->t_free;
    npu_status seg = burst_segment(x);
    if (seg != NPU_OK) {
        return seg;
    }
    uint32_t rf = rf0 + f;
    /* dynamic energy of the frame's work: integration and output stage */
    x->dyn_pj += n->in_pj[rf] + n->out_pj[rf];
    for (uint32_t l = 0; l < n->L; l++) {
        double a = n->arr[(size_t)f * n->L + l];
        double s = a > t ? a : t;
        uint32_t ev = n->in_ev[(size_t)rf * n->L + l];
        double lc = (double)line_cycles(x, c, n->need_first + l, ev);
        double end = s + lc;
        x->dyn_pj += n->busy_pj * lc;
        uint64_t xb = c->external_weights ? (uint64_t)ev * n->row_words * 4u : 0;
        if (xb > 0) { /* FNP2 weights of the line's events */
            double es = s > x->ext_free ? s : x->ext_free;
            x->ext_free = es + (double)xb / x->c->ext_bytes_per_cycle;
            double done = x->ext_free + x->c->ext_latency_cycles;
            end = done > end ? done : end;
            x->dyn_pj += x->vscale * (double)xb * x->c->e_ext_byte_pj;
        }
        for (uint32_t j = n->trig_start[l]; j < n->trig_start[l + 1]; j++) {
            uint32_t o = n->trig_order[j];
            end += (double)n->out_cyc[o];
            x->dyn_pj += n->busy_pj * (double)n->out_cyc[o];
            npu_status st = burst_push(x, (est_burst){end, u, o, f, rf});
            if (st != NPU_OK) {
                return st;
            }
        }
        if (!n->ran || s < n->t_first) {
            n->t_first = s;
        }
        n->ran = true;
        n->t_last = end > n->t_last ? end : n->t_last;
        n->busy += end - s;
        t = end;
    }
    n->t_free = t;
    return NPU_OK;
}

/* Runs pass `pass` over F frames from t0; returns its end. */
static npu_status run_pass(ectx *x, uint32_t pass, uint32_t F, uint32_t rf0, double t0,
                           double *t_end) {
    uint32_t u0 = x->pass_first[pass], u1 = x->pass_first[pass + 1];
    for (uint32_t u = u0; u < u1; u++) {
        enp *n = &x->nps[u];
        if (!n->active) {
            continue;
        }
        for (size_t i = 0; i < (size_t)F * n->L; i++) {
            n->arr[i] = t0;
        }
        n->t_free = t0;
    }
    x->out_free = x->out_free > t0 ? x->out_free : t0;
    x->ext_free = x->ext_free > t0 ? x->ext_free : t0;
    x->n_outs = 0;
    x->n_pk = x->n_bu = x->n_seg = 0;
    x->dma_free = t0;
    npu_status st = NPU_OK;
    /* the input DMA of every frame, then layer by layer (senders always precede their
     * receivers): each layer's NPs serve every frame, then their packets are routed in
     * send-time order. (Routing frame by frame instead puts early packets of a layer behind
     * later ones of the next layers on the FCFS links: worse on pipelined batches.) */
    for (uint32_t f = 0; st == NPU_OK && f < F; f++) {
        st = pass_dma(x, pass, f, rf0);
    }
    for (uint32_t u = u0; st == NPU_OK && u < u1;) {
        uint32_t v = u;
        for (; st == NPU_OK && v < u1 && x->nps[v].cfg->layer_index == x->nps[u].cfg->layer_index;
             v++) {
            for (uint32_t f = 0; st == NPU_OK && f < F && x->nps[v].active; f++) {
                st = np_serve(x, v, f, rf0);
            }
        }
        st = st ? st : route_bursts(x);
        u = v;
    }
    double end = t0;
    qsort(x->outs, x->n_outs, sizeof *x->outs, out_cmp);
    for (size_t i = 0; st == NPU_OK && i < x->n_outs; i++) {
        const est_out *o = &x->outs[i];
        double d = o->head > x->out_free ? o->head : x->out_free;
        x->out_free = d + (double)o->bytes / x->c->event_dma_bytes_per_cycle;
        x->dyn_pj += x->vscale * (double)o->bytes * x->c->e_dma_byte_pj;
        double last = x->out_free + x->c->dma_latency_cycles;
        end = last > end ? last : end;
    }
    for (uint32_t u = u0; u < u1; u++) {
        const enp *n = &x->nps[u];
        if (n->active && n->ran) {
            end = n->t_last > end ? n->t_last : end;
        }
    }
    *t_end = end;
    return st;
}

/* Register block words of an NP kind (the register map). */
static uint32_t nregs_of(npu_np_kind k) {
    return k == NPU_NP_HRC   ? NPU_RM_HRC_NREGS
           : k == NPU_NP_FNP ? NPU_RM_FNP_NREGS
                             : NPU_RM_CNP_NREGS;
}

/* Configuration cycles and bytes of a pass: the program's tracks when given, else the
 * mapping's slices (one register, weight and parameter track per NP). */
static void pass_conf(const ectx *x, uint32_t pass, double *cycles, double *bytes) {
    const mesh_calib *c = x->c;
    double conf = 0.0, by = 0.0;
    if (x->prog != NULL && pass < cmp_program_pass_count(x->prog)) {
        const cmp_prog_pass *pp = cmp_program_pass(x->prog, pass);
        for (uint32_t k = 0; k < pp->n_tracks; k++) {
            const cmp_prog_track *t = cmp_program_track(x->prog, pass, k);
            double b = ((double)t->n_words + 2.0) * 4.0;
            by += b;
            conf += c->conf_track_cycles + b / c->conf_dma_bytes_per_cycle +
                    c->hop_cycles * (1.0 + abs((int)t->ident.col - x->mesh->dma_conf.col) +
                                     abs((int)t->ident.row - x->mesh->dma_conf.row));
        }
    } else {
        for (uint32_t u = 0; u < x->n_nps; u++) {
            const enp *n = &x->nps[u];
            if (n->pass != pass) {
                continue;
            }
            const npu_np_config *g = n->cfg;
            uint64_t fc = g->filter_count, w;
            if (g->kind == NPU_NP_FNP) {
                w = g->external_weights ? 0 : (uint64_t)g->in.x * g->in.y * g->in.c * fc;
            } else if (g->depthwise) {
                w = (uint64_t)g->kx * g->ky * fc;
            } else if (g->layer == NPU_SEPARABLE_CONVOLUTIONAL) {
                w = (uint64_t)g->kx * g->ky * g->in.c + (uint64_t)g->in.c * fc;
            } else {
                w = (uint64_t)g->kx * g->ky * g->in.c * fc;
            }
            uint64_t ww = words_for(w, g->weight_bits), pw = (g->version == 2 ? 3u : 2u) * fc;
            double tracks = 1.0 + (ww > 0) + (pw > 0);
            double words = (double)(nregs_of(g->kind) + ww + pw) + 2.0 * tracks;
            by += words * 4.0;
            conf += tracks * c->conf_track_cycles + words * 4.0 / c->conf_dma_bytes_per_cycle +
                    tracks * c->hop_cycles *
                        (1.0 + abs((int)n->ident.col - x->mesh->dma_conf.col) +
                         abs((int)n->ident.row - x->mesh->dma_conf.row));
        }
    }
    *cycles = ceil(conf - 1e-6);
    *bytes = by;
}

/* Host time of a software sequence (sim_timing.c host_seconds). */
static double host_seconds(const ectx *x, const cmp_sequence *q) {
    const npu_model *m = x->p->model;
    const sim_record *r = x->p->rec;
    double ops = 0.0;
    for (uint32_t l = q->first; l <= q->last && l < r->n_layers; l++) {
        const sim_layer_rec *lr = &r->layers[l];
        const npu_layer *hl = npu_model_layer(m, l);
        double k =
            (double)(hl->p.kernel_x ? hl->p.kernel_x : 1) * (hl->p.kernel_y ? hl->p.kernel_y : 1);
        ops += (double)npu_shape_size(lr->out_shape) * lr->in_shape.c * k * r->n_frames;
    }
    const sim_layer_rec *a = &r->layers[q->first], *b = &r->layers[q->last];
    double bytes =
        (double)(npu_shape_size(a->in_shape) + npu_shape_size(b->out_shape) * 4u) * r->n_frames;
    return ops / x->c->host_ops_per_s + bytes / x->c->host_link_bytes_per_s +
           2.0 * x->c->host_link_latency_s * r->n_frames;
}

/* Distinct NP positions of sequence s (marks in the position table, cleared after). */
static uint32_t powered_nps(ectx *x, uint32_t s) {
    uint32_t n = 0;
    for (uint32_t i = 0; i < x->n_nps; i++) {
        if (x->nps[i].seq != s) {
            continue;
        }
        int64_t k = slot_of(x, x->nps[i].ident);
        bool dup = false;
        if (k >= 0) {
            dup = x->slot[k] == -2;
            x->slot[k] = -2;
        } else {
            for (uint32_t j = 0; j < i && !dup; j++) {
                dup = x->nps[j].seq == s && same_ident(x->nps[j].ident, x->nps[i].ident);
            }
        }
        n += !dup;
    }
    for (uint32_t i = 0; i < x->n_nps; i++) {
        int64_t k = slot_of(x, x->nps[i].ident);
        if (x->nps[i].seq == s && k >= 0) {
            x->slot[k] = -1;
        }
    }
    return n;
}

/* Runs one hardware sequence from t; fills its stats. */
static npu_status run_sequence(ectx *x, uint32_t s, uint32_t pass0, double *t, sim_seq_stats *ss) {
    const cmp_sequence *q = &x->mm->sequences[s];
    uint32_t F = x->p->F;
    double t0 = *t, dyn0 = x->dyn_pj;
    npu_status st = NPU_OK;
    double conf_total = 0.0;
    for (uint32_t p = 0; p < q->n_passes; p++) {
        double cyc, by;
        pass_conf(x, pass0 + p, &cyc, &by);
        conf_total += cyc;
    }
    ss->program_clk = (uint64_t)conf_total;
    if (q->n_passes == 1) {
        st = run_pass(x, pass0, F, 0, *t, t);
    } else {
        for (uint32_t f = 0; st == NPU_OK && f < F; f++) {
            for (uint32_t p = 0; st == NPU_OK && p < q->n_passes; p++) {
                double cyc, by;
                pass_conf(x, pass0 + p, &cyc, &by);
                *t += cyc;
                x->dyn_pj += x->vscale * by * x->c->e_dma_byte_pj;
                st = run_pass(x, pass0 + p, 1, f, *t, t);
            }
        }
    }
    if (st != NPU_OK) {
        return st;
    }
    const mesh_clock *ck = &x->c->clock[x->mode];
    double hz = ck->freq_mhz * 1e6;
    ss->inference_clk = (uint64_t)ceil(*t - t0);
    uint32_t powered = powered_nps(x, s);
    /* clock of the powered NPs over the sequence (the exact model's e_np_cycle_pj term) */
    x->dyn_pj += x->vscale * x->c->e_np_cycle_pj * powered * (*t - t0);
    double dur_s = (*t - t0) / hz, dyn = x->dyn_pj - dyn0;
    if (*t > t0) {
        double e_mj = dyn * 1e-9 + (x->c->p_static_np_mw * powered + x->c->p_floor_mw) * dur_s;
        ss->power_avg_mw = e_mj / dur_s;
        ss->power_min_mw = ss->power_max_mw = ss->power_avg_mw;
        ss->energy_mj_per_frame = e_mj / F;
        ss->dynamic_energy_mj_per_frame = dyn * 1e-9 / F;
    }
    if (ss->inference_clk > 0) {
        ss->latency_ms = (double)ss->inference_clk / F / hz * 1e3;
        ss->fps = F / ((double)ss->inference_clk / hz);
    }
    return NPU_OK;
}

/* ------------------------------------------------------------------ results */

static npu_status fill_results(ectx *x, sim_results *r) {
    const sim_record *rec = x->p->rec;
    const cmp_mapped *mm = x->mm;
    r->sequences = calloc(mm->n_sequences + 1, sizeof *r->sequences);
    r->layers = calloc(rec->n_layers + 1, sizeof *r->layers);
    r->nps = calloc(x->n_nps + 1, sizeof *r->nps);
    if (!r->sequences || !r->layers || !r->nps) {
        return eoom(x->err);
    }
    r->n_sequences = mm->n_sequences;
    r->n_layers = rec->n_layers;
    r->n_nps = x->n_nps;
    snprintf(r->device, sizeof r->device, "%s", x->mesh->name);
    snprintf(r->clock_mode, sizeof r->clock_mode, "%s", mesh_clock_mode_name(x->mode));
    r->clock_mhz = x->c->clock[x->mode].freq_mhz;
    r->floor_mw = x->c->p_floor_mw;
    r->memory_usage = r->memory_top = mm->program_bytes;
    r->external_bytes = mm->external_bytes;
    double t = 0.0;
    uint32_t pass0 = 0;
    for (uint32_t s = 0; s < mm->n_sequences; s++) {
        const cmp_sequence *q = &mm->sequences[s];
        sim_seq_stats *ss = &r->sequences[s];
        snprintf(ss->name, sizeof ss->name, "%s", q->name);
        ss->hardware = q->backend != CMP_BACKEND_SOFTWARE;
        ss->frames = x->p->F;
        ss->passes = q->n_passes;
        if (!ss->hardware) {
            ss->host_s = host_seconds(x, q);
            continue;
        }
        npu_status st = run_sequence(x, s, pass0, &t, ss);
        if (st != NPU_OK) {
            return st;
        }
        pass0 += q->n_passes;
    }
    /* layers */
    for (uint32_t l = 0; l < rec->n_layers; l++) {
        sim_layer_stats *ls = &r->layers[l];
        snprintf(ls->name, sizeof ls->name, "%s", rec->layers[l].name);
        snprintf(ls->type, sizeof ls->type, "%s", rec->layers[l].type);
        for (uint32_t s = 0; s < mm->n_sequences; s++) {
            if (l >= mm->sequences[s].first && l <= mm->sequences[s].last) {
                ls->sequence = s;
            }
        }
        const est_layer *EL = &x->p->layers[l];
        const est_hist *H = sim_estimate_in_hist(x->p, l);
        uint64_t out = 0, in = 0;
        for (uint32_t f = 0; f < x->p->F; f++) {
            for (uint32_t c = 0; c < EL->out.X; c++) {
                out += EL->out.cnt[(size_t)EL->out.X * (EL->out.C + 1) * f +
                                   (size_t)c * (EL->out.C + 1) + EL->out.C];
            }
            for (uint32_t c = 0; c < H->X; c++) {
                in += H->cnt[(size_t)H->X * (H->C + 1) * f + (size_t)c * (H->C + 1) + H->C];
            }
        }
        ls->events_out = out;
        ls->events_in = in;
        ls->outputs = (uint64_t)npu_shape_size(rec->layers[l].out_shape) * x->p->F;
        ls->sparsity = ls->outputs ? 1.0 - (double)out / (double)ls->outputs : 0.0;
    }
    double *l_s = calloc(rec->n_layers + 1, sizeof *l_s), *l_e = calloc(rec->n_layers + 1, 8);
    bool *l_set = calloc(rec->n_layers + 1, sizeof *l_set);
    if (!l_s || !l_e || !l_set) {
        free(l_s);
        free(l_e);
        free(l_set);
        return eoom(x->err);
    }
    for (uint32_t i = 0; i < x->n_nps; i++) {
        const enp *n = &x->nps[i];
        sim_np_stats *s = &r->nps[i];
        uint32_t l = n->cfg->layer_index;
        s->ident = n->ident;
        s->type = n->type;
        s->layer = l;
        s->pass = n->pass;
        s->counters = n->cnt;
        s->busy_cycles = (uint64_t)ceil(n->busy);
        uint64_t sc = r->sequences[n->seq].inference_clk;
        s->utilisation = sc ? (double)s->busy_cycles / (double)sc : 0.0;
        sim_layer_stats *ls = &r->layers[l];
        if (!ls->hardware) {
            ls->events_in = 0;
        }
        ls->hardware = true;
        ls->events_in += n->cnt.events_in;
        ls->synops += n->cnt.synops;
        ls->n_nps++;
        if (n->ran) {
            l_s[l] = l_set[l] && l_s[l] < n->t_first ? l_s[l] : n->t_first;
            l_e[l] = l_set[l] && l_e[l] > n->t_last ? l_e[l] : n->t_last;
            l_set[l] = true;
        }
    }
    for (uint32_t l = 0; l < rec->n_layers; l++) {
        r->layers[l].cycles = l_set[l] ? (uint64_t)ceil(l_e[l] - l_s[l]) : 0;
    }
    free(l_s);
    free(l_e);
    free(l_set);
    return NPU_OK;
}

static void ectx_free(ectx *x) {
    while (x->blk != NULL) {
        est_block *b = x->blk;
        x->blk = b->next;
        free(b);
    }
    free(x->nps);
    free(x->cfgs);
    free(x->pass_first);
    free(x->slot);
    free(x->list);
    free(x->mpos);
    free(x->mheap);
    free(x->outs);
    free(x->pk);
    free(x->bu);
    free(x->seg);
    sim_noc_free(&x->noc);
}

npu_status sim_estimate_run(const sim_estimate_prep *p, const mesh_desc *mesh,
                            const mesh_calib *calib, mesh_clock_mode mode, const cmp_mapped *mm,
                            const cmp_program *program, sim_results *out, npu_err *err) {
    memset(out, 0, sizeof *out);
    if ((unsigned)mode >= MESH_CLOCK_MODE_COUNT) {
        return npu_err_set(err, NPU_ERR_INPUT, "estimate: bad clock mode %d", (int)mode);
    }
    ectx x;
    memset(&x, 0, sizeof x);
    x.p = p;
    x.mesh = mesh;
    x.c = calib;
    x.mode = mode;
    x.mm = mm;
    x.prog = program;
    x.err = err;
    double vp = calib->clock[MESH_CLOCK_PERFORMANCE].voltage_v, v = calib->clock[mode].voltage_v;
    x.vscale = vp > 0 ? (v / vp) * (v / vp) : 1.0;
    npu_status st =
        sim_noc_init(&x.noc, mesh->cols, mesh->rows, calib->hop_cycles, calib->link_bytes_per_cycle)
            ? build_nps(&x)
            : eoom(err);
    for (uint32_t u = 0; st == NPU_OK && u < x.n_nps; u++) {
        if (x.nps[u].cfg->layer_index >= p->n_layers) {
            st = npu_err_set(err, NPU_ERR_INPUT, "estimate: mapping names layer %u of %u",
                             x.nps[u].cfg->layer_index, p->n_layers);
        } else {
            st = np_activity(&x, u);
        }
    }
    if (st == NPU_OK) {
        dest_finish(&x);
        st = fill_results(&x, out);
    }
    ectx_free(&x);
    if (st != NPU_OK) {
        sim_results_clear(out);
    }
    return st;
}
