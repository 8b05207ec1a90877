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
 *    bytes / bandwidth); a packet arrives after hops x hop_cycles + bytes / link bandwidth
 *    behind the sender's injection port and the receiver's ejection port (links themselves
 *    are not contended); an NP serves its need lines in order (npu_cost per line, external
 *    memory for FNP2), pays its output stage at the exact engine's trigger lines and sends
 *    one packet per (output line, destination); outputs queue at the output DMA. Single-pass
 *    sequences pipeline all frames; multi-pass sequences run frame by frame after each
 *    pass's configuration time (exact from the program's tracks when given, else estimated
 *    from the mapping).
 * 4. Energy: the same fields as the exact model (synaptic ops, SRAM words, NoC bytes x hops,
 *    DMA and external bytes, configuration bytes; static power of the powered NPs and the
 *    floor over each sequence's duration). No power samples: power min / max equal the
 *    average and the standard deviation is 0.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "npu/npu_cost.h"
#include "npu_regmap.h"
#include "sim_energy.h"
#include "sim_estimate.h"
#include "sim_noc.h"

#define EST_MAX_DEST NPU_NP_MAX_DEST

/* One packet waiting to be routed (send-time order). */
typedef struct est_pkt {
    double t;       /* send time */
    size_t seq;     /* insertion order (ties) */
    int32_t src;    /* sending NP, -1 = input DMA */
    int32_t dst;    /* receiving NP, -1 = output DMA */
    uint32_t bytes; /* size */
    uint32_t f;     /* local frame */
    uint32_t line;  /* receiver need line */
} est_pkt;

/* One NP slice of the point. */
typedef struct enp {
    npu_np_config cfg;          /* derived configuration */
    mesh_ident ident;           /* position */
    mesh_np_type type;          /* type it acts as */
    uint32_t seq, pass;         /* sequence, global pass */
    bool active;                /* owns outputs and needs inputs */
    bool dma_fed;               /* fed by the event / HRC DMA */
    uint32_t n_dest;            /* destinations */
    int32_t dest[EST_MAX_DEST]; /* NP index, -1 = event DMA */
    uint32_t L, O;              /* need lines, owned output lines */
    uint64_t row_words;         /* weight words per (event, tap) */
    uint32_t *in_ev;            /* [F][L] events per need line (all record frames) */
    uint32_t *out_ev;           /* [F][O] events per owned line */
    double *in_pj;              /* [F] dynamic energy of the integration */
    double *out_pj;             /* [F] dynamic energy of the output stage */
    uint64_t *ext_b;            /* [F] external bytes per input event x events (FNP2) */
    uint64_t *out_cyc;          /* [O] output stage share */
    uint32_t *trigger;          /* [O] need line completing each output line */
    npu_np_counters cnt;        /* activity */
    double busy;                /* cycles served */
    double t_first, t_last;     /* first start, last end */
    double t_free;              /* end of its last served line (run scratch) */
    bool ran;                   /* t_first set */
    double *arr;                /* [Fl][L] arrival of the line's last packet (run scratch) */
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
    uint32_t n_nps;             /* count */
    uint32_t n_passes;          /* global passes */
    double dyn_pj;              /* dynamic energy so far */
    double out_free, ext_free;  /* output DMA, external memory channel */
    double dma_free;            /* input DMA of the current pass */
    sim_noc noc;                /* NoC links and ports (sim_noc.c) */
    est_pkt *pk;                /* packets of the current layer group */
    size_t n_pk, cap_pk;        /* used, allocated */
    size_t *seg;                /* start of each send-time-ordered run of pk */
    size_t n_seg, cap_seg;      /* runs, allocated */
    est_out *outs;              /* DMA-bound packets of the current pass */
    size_t n_outs, cap_outs;    /* used, allocated */
    npu_err *err;               /* error */
} ectx;

static npu_status eoom(npu_err *err) {
    return npu_err_set(err, NPU_ERR_INTERNAL, "estimate: out of memory");
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

static bool in_need(const npu_np_config *c, uint32_t x) {
    return x >= c->need_col_first && x < c->need_col_first + c->need_col_count;
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

/* Index of the NP of (pass, ident), -1 when none. */
static int32_t find_np(const ectx *x, uint32_t pass, mesh_ident id) {
    for (uint32_t i = 0; i < x->n_nps; i++) {
        const enp *n = &x->nps[i];
        if (n->pass == pass && n->ident.col == id.col && n->ident.row == id.row &&
            n->ident.id == id.id) {
            return (int32_t)i;
        }
    }
    return -1;
}

/* Routing of NP i (layer li of sequence s, pass-in-sequence lp): the program builder's rule. */
static npu_status np_dests(ectx *x, uint32_t i, const cmp_sequence *s, uint32_t li, uint32_t lp) {
    enp *n = &x->nps[i];
    const npu_model *m = x->p->model;
    uint32_t nl = npu_model_layer_count(m), pass0 = n->pass - lp;
    bool dma = false;
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
            if (n->n_dest >= EST_MAX_DEST) {
                return npu_err_set(x->err, NPU_ERR_INPUT,
                                   "estimate: layer %u has more than %u destinations", li,
                                   (unsigned)EST_MAX_DEST);
            }
            n->dest[n->n_dest++] = find_np(x, pass0 + lp, cm->nps[k].ident);
        }
    }
    if (dma || n->n_dest == 0) {
        n->dest[n->n_dest++] = -1;
    }
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

/* Builds the configurations of every NP slice (pass order, then layer order). */
static npu_status build_nps(ectx *x) {
    const cmp_mapped *mm = x->mm;
    uint32_t n_passes = 0;
    uint32_t n = count_nps(mm, &n_passes);
    x->nps = calloc(n + 1, sizeof *x->nps);
    if (x->nps == NULL) {
        return eoom(x->err);
    }
    x->n_passes = n_passes;
    uint32_t pass0 = 0;
    for (uint32_t s = 0; s < mm->n_sequences; s++) {
        const cmp_sequence *q = &mm->sequences[s];
        if (q->backend == CMP_BACKEND_SOFTWARE) {
            continue;
        }
        for (uint32_t lp = 0; lp < q->n_passes; lp++) {
            for (uint32_t l = 0; l < q->n_layers; l++) {
                const cmp_layer_map *lm = &q->layers[l];
                if (lm->pass != lp || lm->layer >= x->p->n_layers) {
                    continue;
                }
                const est_layer *L = &x->p->layers[lm->layer];
                for (uint32_t k = 0; k < lm->n_nps; k++) {
                    const cmp_np_map *nm = &lm->nps[k];
                    enp *e = &x->nps[x->n_nps++];
                    e->cfg = L->geom;
                    e->cfg.kind = kind_of(nm->type);
                    e->cfg.col_first = nm->col_first;
                    e->cfg.col_count = nm->col_count ? nm->col_count : L->geom.in.x;
                    e->cfg.filter_first = nm->filter_first;
                    e->cfg.filter_count = nm->filters;
                    e->cfg.weight_bits = L->weight_bits;
                    e->cfg.single_buffer = nm->single_buffer;
                    e->cfg.external_weights = nm->type == MESH_NP_FNP2;
                    ownership(&e->cfg);
                    e->ident = nm->ident;
                    e->type = nm->type;
                    e->seq = s;
                    e->pass = pass0 + lp;
                    e->L = e->cfg.need_col_count;
                    e->O = e->cfg.out_col_count;
                    e->active = e->L > 0 && e->O > 0;
                }
            }
        }
        pass0 += q->n_passes;
    }
    /* routing, once every NP exists */
    uint32_t i = 0;
    pass0 = 0;
    for (uint32_t s = 0; s < mm->n_sequences; s++) {
        const cmp_sequence *q = &mm->sequences[s];
        if (q->backend == CMP_BACKEND_SOFTWARE) {
            continue;
        }
        for (uint32_t lp = 0; lp < q->n_passes; lp++) {
            for (uint32_t l = 0; l < q->n_layers; l++) {
                const cmp_layer_map *lm = &q->layers[l];
                if (lm->pass != lp || lm->layer >= x->p->n_layers) {
                    continue;
                }
                for (uint32_t k = 0; k < lm->n_nps; k++, i++) {
                    npu_status st = np_dests(x, i, q, lm->layer, lp);
                    if (st != NPU_OK) {
                        return st;
                    }
                }
            }
        }
        pass0 += q->n_passes;
    }
    /* fed by another NP of the pass, or by the DMA */
    for (uint32_t u = 0; u < x->n_nps; u++) {
        x->nps[u].dma_fed = true;
    }
    for (uint32_t q = 0; q < x->n_nps; q++) {
        for (uint32_t k = 0; k < x->nps[q].n_dest; k++) {
            if (x->nps[q].dest[k] >= 0) {
                x->nps[x->nps[q].dest[k]].dma_fed = false;
            }
        }
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

/* Activity of NP u over every record frame, from the digest. */
static npu_status np_activity(ectx *x, uint32_t u) {
    enp *n = &x->nps[u];
    const npu_np_config *c = &n->cfg;
    const sim_estimate_prep *p = x->p;
    uint32_t F = p->F, L = n->L ? n->L : 1, O = n->O ? n->O : 1;
    n->in_ev = calloc((size_t)F * L, sizeof *n->in_ev);
    n->out_ev = calloc((size_t)F * O, sizeof *n->out_ev);
    n->in_pj = calloc(F, sizeof *n->in_pj);
    n->out_pj = calloc(F, sizeof *n->out_pj);
    n->ext_b = calloc(F, sizeof *n->ext_b);
    n->out_cyc = calloc(O, sizeof *n->out_cyc);
    n->trigger = calloc(O, sizeof *n->trigger);
    uint32_t *hx = calloc(L, sizeof *hx);
    if (!n->in_ev || !n->out_ev || !n->in_pj || !n->out_pj || !n->ext_b || !n->out_cyc ||
        !n->trigger || !hx) {
        free(hx);
        return eoom(x->err);
    }
    if (!n->active) {
        free(hx);
        return NPU_OK;
    }
    const est_layer *EL = &p->layers[c->layer_index];
    const est_hist *H = sim_estimate_in_hist(p, c->layer_index);
    uint32_t fc = c->filter_count;
    bool sep = c->layer == NPU_SEPARABLE_CONVOLUTIONAL, dense = c->kind == NPU_NP_FNP;
    uint32_t per = (c->depthwise || sep) ? 1u : fc;
    n->row_words = words_for((c->depthwise || sep) ? 1u : fc, c->weight_bits);
    uint32_t c0 = 0, c1 = H->C < c->in.c ? H->C : c->in.c;
    if (c->depthwise) {
        c0 = c->filter_first < c1 ? c->filter_first : c1;
        c1 = c->filter_first + fc < c1 ? c->filter_first + fc : c1;
    }
    int64_t x_lo = c->conv_col_first, x_hi = x_lo + (int64_t)c->conv_col_count - 1;
    for (uint32_t l = 0; l < n->L && !dense; l++) {
        hx[l] = col_hits(c, (int64_t)c->need_col_first + l, x_lo, x_hi);
    }
    size_t hper = (size_t)H->X * (H->C + 1), wper = (size_t)c->in.x * (c->in.c + 1);
    size_t oper = (size_t)EL->out.X * (EL->out.C + 1);
    uint32_t f0 = c->filter_first, f1 = f0 + fc;
    f1 = f1 < EL->out.C ? f1 : EL->out.C;
    f0 = f0 < f1 ? f0 : f1;
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
            if (!dense && EL->wy != NULL && hx[l]) {
                const uint64_t *w = EL->wy + wper * f + (size_t)col * (c->in.c + 1);
                hits += (uint64_t)hx[l] * (w[c1] - w[c0]);
            }
        }
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
    free(hx);
    /* output cost shares and trigger lines (sim_timing.c plan_static) */
    uint64_t total = npu_cost_output(c, &x->c->np), cols_total = 0, cum = 0, given = 0;
    int64_t need_lo = c->need_col_first, need_hi = need_lo + (int64_t)n->L - 1;
    uint32_t *cols = calloc(O, sizeof *cols);
    if (cols == NULL) {
        return eoom(x->err);
    }
    for (uint32_t o = 0; o < n->O; o++) {
        int64_t lo, hi;
        pool_window(c, c->out_col_first + o, &lo, &hi);
        int64_t clo = c->conv_col_first, chi = clo + (int64_t)c->conv_col_count - 1;
        lo = lo < clo ? clo : lo;
        hi = hi > chi ? chi : hi;
        cols[o] = hi >= lo ? (uint32_t)(hi - lo + 1) : 0;
        cols_total += cols[o];
        int64_t rlo, rhi = need_lo;
        if (hi >= lo) {
            receptive(c, hi, &rlo, &rhi);
        }
        n->trigger[o] = c->kind == NPU_NP_HRC ? (uint32_t)(clampi(rhi, need_lo, need_hi) - need_lo)
                                              : (uint32_t)(need_hi - need_lo);
    }
    for (uint32_t o = 0; o < n->O; o++) {
        cum += cols[o];
        uint64_t upto = cols_total ? total * cum / cols_total : (o + 1 == n->O ? total : 0);
        n->out_cyc[o] = upto - given;
        given = upto;
    }
    free(cols);
    return NPU_OK;
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

/* Queues a packet of the current layer group (routed later in send-time order). */
static npu_status pkt_push(ectx *x, est_pkt k) {
    if (x->n_pk == x->cap_pk) {
        size_t cap = x->cap_pk ? x->cap_pk * 2 : 256;
        est_pkt *q = realloc(x->pk, cap * sizeof *q);
        if (q == NULL) {
            return eoom(x->err);
        }
        x->pk = q;
        x->cap_pk = cap;
    }
    k.seq = x->n_pk;
    x->pk[x->n_pk++] = k;
    return NPU_OK;
}

/* True when packet a goes before b (send time, then insertion order). */
static bool pkt_before(const est_pkt *a, const est_pkt *b) {
    return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

/* Starts a new run of packets (each run is already in send-time order). */
static npu_status pkt_segment(ectx *x) {
    if (x->n_seg == x->cap_seg) {
        size_t cap = x->cap_seg ? x->cap_seg * 2 : 64;
        size_t *q = realloc(x->seg, cap * sizeof *q);
        if (q == NULL) {
            return eoom(x->err);
        }
        x->seg = q;
        x->cap_seg = cap;
    }
    x->seg[x->n_seg++] = x->n_pk;
    return NPU_OK;
}

/* Index of the next packet in send-time order (k-way merge of the runs through a binary
 * heap of run indices); SIZE_MAX when all are taken. */
static size_t pkt_next(ectx *x, size_t *pos, size_t *heap, size_t *n_heap) {
    if (*n_heap == 0) {
        return SIZE_MAX;
    }
    size_t r = heap[0], i = pos[r]++;
    size_t end = r + 1 < x->n_seg ? x->seg[r + 1] : x->n_pk;
    if (pos[r] >= end) {
        heap[0] = heap[--*n_heap];
    }
    for (size_t k = 0;;) { /* sift down */
        size_t a = 2 * k + 1, b = a + 1, m = k;
        if (a < *n_heap && pkt_before(&x->pk[pos[heap[a]]], &x->pk[pos[heap[m]]])) {
            m = a;
        }
        if (b < *n_heap && pkt_before(&x->pk[pos[heap[b]]], &x->pk[pos[heap[m]]])) {
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

/* Routes the queued packets through the NoC in send-time order: arrival times of NP lines,
 * output DMA queue, hop energy. */
static npu_status route_packets(ectx *x) {
    size_t *pos = malloc((x->n_seg + 1) * sizeof *pos),
           *heap = malloc((x->n_seg + 1) * sizeof *heap);
    if (pos == NULL || heap == NULL) {
        free(pos);
        free(heap);
        return eoom(x->err);
    }
    size_t n_heap = 0;
    for (size_t r = 0; r < x->n_seg; r++) {
        pos[r] = x->seg[r];
        size_t end = r + 1 < x->n_seg ? x->seg[r + 1] : x->n_pk;
        if (pos[r] >= end) {
            continue;
        }
        size_t k = n_heap++; /* sift up */
        heap[k] = r;
        while (k > 0 && pkt_before(&x->pk[pos[heap[k]]], &x->pk[pos[heap[(k - 1) / 2]]])) {
            size_t t = heap[k];
            heap[k] = heap[(k - 1) / 2];
            heap[(k - 1) / 2] = t;
            k = (k - 1) / 2;
        }
    }
    for (size_t i; (i = pkt_next(x, pos, heap, &n_heap)) != SIZE_MAX;) {
        const est_pkt *k = &x->pk[i];
        mesh_ident src = k->src < 0 ? x->mesh->dma_event : x->nps[k->src].ident;
        mesh_ident dst = k->dst < 0 ? x->mesh->dma_event : x->nps[k->dst].ident;
        uint32_t h = sim_noc_hops(&x->noc, src, dst);
        double arr = sim_noc_send(&x->noc, src, dst, k->t, k->bytes);
        x->dyn_pj += x->vscale * (double)k->bytes * h * x->c->e_hop_byte_pj;
        if (k->dst >= 0) {
            enp *v = &x->nps[k->dst];
            double *a = &v->arr[(size_t)k->f * v->L + k->line];
            *a = arr > *a ? arr : *a;
            continue;
        }
        if (x->n_outs == x->cap_outs) {
            size_t cap = x->cap_outs ? x->cap_outs * 2 : 256;
            est_out *q = realloc(x->outs, cap * sizeof *q);
            if (q == NULL) {
                free(pos);
                free(heap);
                return eoom(x->err);
            }
            x->outs = q;
            x->cap_outs = cap;
        }
        x->outs[x->n_outs++] = (est_out){arr, 0.0, k->bytes};
    }
    free(pos);
    free(heap);
    x->n_pk = x->n_seg = 0;
    return NPU_OK;
}

static int out_cmp(const void *a, const void *b) {
    const est_out *p = a, *q = b;
    return p->head < q->head ? -1 : (p->head > q->head);
}

/* Input DMA of local frame f of a pass (record frame rf0 + f), after the previous frames'. */
static npu_status pass_dma(ectx *x, uint32_t pass, uint32_t f, uint32_t rf0) {
    const sim_estimate_prep *p = x->p;
    double free_t = x->dma_free;
    uint32_t eb = x->c->event_bytes;
    npu_status seg = pkt_segment(x);
    if (seg != NPU_OK) {
        return seg;
    }
    {
        uint32_t last_layer = UINT32_MAX;
        for (;;) { /* DMA-fed layers of the pass, ascending */
            uint32_t l = UINT32_MAX;
            const enp *any = NULL;
            for (uint32_t u = 0; u < x->n_nps; u++) {
                const enp *n = &x->nps[u];
                uint32_t li = n->cfg.layer_index;
                if (n->pass == pass && n->active && n->dma_fed &&
                    (last_layer == UINT32_MAX || li > last_layer) && li < l) {
                    l = li;
                    any = n;
                }
            }
            if (any == NULL) {
                break;
            }
            last_layer = l;
            bool hrc = any->cfg.kind == NPU_NP_HRC;
            double bw = hrc ? x->c->hrc_dma_bytes_per_cycle : x->c->event_dma_bytes_per_cycle;
            const est_hist *H = sim_estimate_in_hist(p, l);
            size_t hper = (size_t)H->X * (H->C + 1);
            free_t += x->c->dma_latency_cycles;
            for (uint32_t col = 0; col < any->cfg.in.x; col++) {
                uint32_t cnt =
                    col < H->X ? H->cnt[hper * (rf0 + f) + (size_t)col * (H->C + 1) + H->C] : 0;
                uint64_t bytes =
                    hrc ? (uint64_t)any->cfg.in.y * any->cfg.in.c : (uint64_t)(cnt ? cnt : 1u) * eb;
                free_t += (double)bytes / bw;
                x->dyn_pj += x->vscale * (double)bytes * x->c->e_dma_byte_pj;
                for (uint32_t u = 0; u < x->n_nps; u++) {
                    enp *n = &x->nps[u];
                    if (n->pass != pass || !n->active || !n->dma_fed || n->cfg.layer_index != l ||
                        !in_need(&n->cfg, col)) {
                        continue;
                    }
                    uint32_t line = col - n->cfg.need_col_first;
                    if (n->cfg.kind == NPU_NP_HRC) {
                        double *a = &n->arr[(size_t)f * n->L + line];
                        *a = free_t > *a ? free_t : *a;
                        continue;
                    }
                    uint32_t ev = n->in_ev[(size_t)(rf0 + f) * n->L + line];
                    npu_status st = pkt_push(
                        x, (est_pkt){free_t, 0, -1, (int32_t)u, (ev ? ev : 1u) * eb, f, line});
                    if (st != NPU_OK) {
                        return st;
                    }
                }
            }
        }
    }
    x->dma_free = free_t;
    return route_packets(x);
}

/* Serves NP u's lines of local frame f (record frame rf0 + f) and queues its packets. */
static npu_status np_serve(ectx *x, uint32_t u, uint32_t f, uint32_t rf0) {
    enp *n = &x->nps[u];
    const npu_np_config *c = &n->cfg;
    uint32_t eb = x->c->event_bytes;
    double t = n->t_free;
    npu_status seg = pkt_segment(x);
    if (seg != NPU_OK) {
        return seg;
    }
    {
        uint32_t rf = rf0 + f;
        /* dynamic energy of the frame's work: integration and output stage */
        x->dyn_pj += n->in_pj[rf] + n->out_pj[rf];
        for (uint32_t l = 0; l < n->L; l++) {
            double a = n->arr[(size_t)f * n->L + l];
            double s = a > t ? a : t;
            double lc =
                (double)line_cycles(x, c, c->need_col_first + l, n->in_ev[(size_t)rf * n->L + l]);
            double end = s + lc;
            x->dyn_pj += sim_energy_busy_pj(c, x->c, x->vscale, lc);
            uint64_t xb = c->external_weights
                              ? (uint64_t)n->in_ev[(size_t)rf * n->L + l] * n->row_words * 4u
                              : 0;
            if (xb > 0) { /* FNP2 weights of the line's events */
                double es = s > x->ext_free ? s : x->ext_free;
                x->ext_free = es + (double)xb / x->c->ext_bytes_per_cycle;
                double done = x->ext_free + x->c->ext_latency_cycles;
                end = done > end ? done : end;
                x->dyn_pj += x->vscale * (double)xb * x->c->e_ext_byte_pj;
            }
            for (uint32_t o = 0; o < n->O; o++) {
                if (n->trigger[o] != l) {
                    continue;
                }
                end += (double)n->out_cyc[o];
                x->dyn_pj += sim_energy_busy_pj(c, x->c, x->vscale, (double)n->out_cyc[o]);
                uint32_t ev = n->out_ev[(size_t)rf * n->O + o];
                uint32_t bytes = (ev ? ev : 1u) * eb, ox = c->out_col_first + o;
                for (uint32_t k = 0; k < n->n_dest; k++) {
                    int32_t d = n->dest[k];
                    uint32_t line = 0;
                    if (d >= 0) {
                        const enp *v = &x->nps[d];
                        if (!in_need(&v->cfg, ox) || !v->active) {
                            continue;
                        }
                        line = ox - v->cfg.need_col_first;
                    }
                    npu_status st = pkt_push(x, (est_pkt){end, 0, (int32_t)u, d, bytes, f, line});
                    if (st != NPU_OK) {
                        return st;
                    }
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
    }
    n->t_free = t;
    return NPU_OK;
}

/* Runs pass `pass` over F frames from t0; returns its end. */
static npu_status run_pass(ectx *x, uint32_t pass, uint32_t F, uint32_t rf0, double t0,
                           double *t_end) {
    for (uint32_t u = 0; u < x->n_nps; u++) {
        enp *n = &x->nps[u];
        if (n->pass != pass || !n->active) {
            continue;
        }
        free(n->arr);
        n->arr = malloc(((size_t)F * n->L + 1) * sizeof *n->arr);
        if (n->arr == NULL) {
            return eoom(x->err);
        }
        for (size_t i = 0; i < (size_t)F * n->L; i++) {
            n->arr[i] = t0;
        }
        n->t_free = t0;
    }
    x->out_free = x->out_free > t0 ? x->out_free : t0;
    x->ext_free = x->ext_free > t0 ? x->ext_free : t0;
    x->n_outs = 0;
    x->n_pk = x->n_seg = 0;
    x->dma_free = t0;
    npu_status st = NPU_OK;
    /* the input DMA of every frame, then layer by layer (senders always precede their
     * receivers): each layer's NPs serve every frame, then their packets are routed in
     * send-time order. (Routing frame by frame instead puts early packets of a layer behind
     * later ones of the next layers on the FCFS links: worse on pipelined batches.) */
    for (uint32_t f = 0; st == NPU_OK && f < F; f++) {
        st = pass_dma(x, pass, f, rf0);
    }
    for (uint32_t u = 0; st == NPU_OK && u < x->n_nps;) {
        uint32_t v = u;
        for (; st == NPU_OK && v < x->n_nps && x->nps[v].pass == x->nps[u].pass &&
               x->nps[v].cfg.layer_index == x->nps[u].cfg.layer_index;
             v++) {
            for (uint32_t f = 0;
                 st == NPU_OK && f < F && x->nps[v].pass == pass && x->nps[v].active; f++) {
                st = np_serve(x, v, f, rf0);
            }
        }
        st = st ? st : route_packets(x);
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
    for (uint32_t u = 0; u < x->n_nps; u++) {
        const enp *n = &x->nps[u];
        if (n->pass == pass && n->active && n->ran) {
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
            const npu_np_config *g = &n->cfg;
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

static uint32_t powered_nps(const ectx *x, uint32_t s) {
    uint32_t n = 0;
    for (uint32_t i = 0; i < x->n_nps; i++) {
        bool dup = false;
        for (uint32_t j = 0; j < i && !dup; j++) {
            dup = x->nps[j].seq == s && x->nps[j].ident.col == x->nps[i].ident.col &&
                  x->nps[j].ident.row == x->nps[i].ident.row &&
                  x->nps[j].ident.id == x->nps[i].ident.id;
        }
        n += x->nps[i].seq == s && !dup;
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
        uint32_t l = n->cfg.layer_index;
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
    for (uint32_t i = 0; x->nps != NULL && i < x->n_nps; i++) {
        enp *n = &x->nps[i];
        free(n->in_ev);
        free(n->out_ev);
        free(n->in_pj);
        free(n->out_pj);
        free(n->ext_b);
        free(n->out_cyc);
        free(n->trigger);
        free(n->arr);
    }
    free(x->nps);
    free(x->outs);
    free(x->pk);
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
        if (x.nps[u].cfg.layer_index >= p->n_layers) {
            st = npu_err_set(err, NPU_ERR_INPUT, "estimate: mapping names layer %u of %u",
                             x.nps[u].cfg.layer_index, p->n_layers);
        } else {
            st = np_activity(&x, u);
        }
    }
    if (st == NPU_OK) {
        st = fill_results(&x, out);
    }
    ectx_free(&x);
    if (st != NPU_OK) {
        sim_results_clear(out);
    }
    return st;
}
