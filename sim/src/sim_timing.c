/*
 * sim_timing: the timing and energy model of a programmed device, run on a record.
 *
 * 1. Derivation (per pass, per frame, per NP instance, from the record and the decoded NP
 *    configuration only): input events per input line of the NP's need range, the work they
 *    cause (synaptic operations, SRAM words, external bytes: the NP models' counting rules),
 *    output events per owned output line and the events of each (sender -> destination)
 *    flow per line.
 * 2. A discrete-event simulation (sim_sched) over line-granular work items: the event DMA
 *    (HRC DMA for the HRC) streams the input lines of the DMA-fed layers; an NP is a FIFO
 *    server processing its need lines in order once every expected packet of the line has
 *    arrived, paying npu_cost for the line and, when the line completes output lines, their
 *    share of the output cost, after which it sends one packet per (output line,
 *    destination) over the NoC (sim_noc); FNP2 reads its weights through the shared
 *    external-memory channel; outputs leave through the event DMA. Single-pass sequences
 *    pipeline all frames; multi-pass sequences run frame by frame, each pass first
 *    re-writing its tracks. Fewer events, the same order of effects: a line's packets
 *    make one K_ARRIVE (at the last one's (time, sequence) position; none when the NP is
 *    busy past it), an NP's K_DONE is queued only when it starts the next line, a line's
 *    K_SENDs are queued one after the other (deliver, done_needed, send_next).
 * 3. Energy in time bins of power_sample_us: dynamic energy where the work happens, static
 *    power of the sequence's powered NPs, the floor; power samples and per-sequence stats.
 * Formulas and fields: docs/timing-model.md ("Engine formulas").
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "npu/npu_cost.h"
#include "sim_energy.h"
#include "sim_engine_int.h"
#include "sim_noc.h"
#include "sim_sched.h"

enum { K_DMA = 0, K_ARRIVE = 1, K_DONE = 2, K_SEND = 3 };

/* The packets sent so far toward one need line of one frame (deliver). */
typedef struct line_in {
    double t;     /* latest (time, sequence number) among them: where the last to arrive */
    uint64_t seq; /*   pops */
    uint32_t n;   /* packets */
} line_in;

/* Derived work of one NP instance for the frames of one DES run. */
typedef struct np_plan {
    uint32_t L, O, D;     /* need lines, owned output lines, destinations */
    bool active;          /* owns outputs and needs input */
    bool dma_fed;         /* fed by the event / HRC DMA */
    uint32_t src_layer;   /* layer whose events it receives (SIM_NO_LAYER: model input) */
    int64_t *dest_np;     /* per destination: NP instance index, -1 = DMA */
    sim_noc_path *path;   /* [D] NoC route to each destination (DMA: to the event DMA) */
    sim_noc_path in_path; /* NoC route from the event DMA to it */
    uint32_t *snd_rng;    /* [D][2] output columns [lo, hi) whose lines go to each destination */
    uint32_t *expected;   /* [L] packets expected per line */
    uint32_t *trigger;    /* [O] need line index completing each output line */
    uint32_t *trig_first; /* [L + 1] outputs triggered by need line l: */
    uint32_t *trig_out;   /*   trig_out[trig_first[l] .. trig_first[l + 1]) ([O], ascending) */
    uint64_t *out_cyc;    /* [O] output cost share */
    /* derivation tables (plan_static) */
    uint32_t *hx;       /* [L] kernel taps of need line l landing in the conv columns */
    uint64_t *hits;     /* [L] scratch: hits per line of the current frame */
    uint32_t *dest_rng; /* [D][4] filter lo, hi, column lo, hi of each destination */
    sim_rgeom geom;     /* layer geometry its input summary is derived for */
    bool covered;       /* separable: need columns hold every input reaching its conv columns */
    /* per frame (f * L + line etc.) */
    uint32_t *in_ev;   /* [F][L] */
    double *in_pj;     /* [F][L] dynamic energy of the line's work */
    uint64_t *ext_b;   /* [F][L] external bytes */
    uint32_t *out_ev;  /* [F][O] */
    double *out_pj;    /* [F][O] energy of the output stage share */
    uint32_t *flow;    /* [F][D][O] */
    uint32_t *arrived; /* [F][L] */
    line_in *rdy;      /* [F][L] packets sent toward each line so far (deliver) */
    /* DES state */
    uint32_t cur_f, cur_l;     /* next work item */
    bool busy;                 /* serving (until its K_DONE position) */
    double done_t;             /* busy: (time, sequence number) where the line's K_DONE pops */
    uint64_t done_seq;         /*   (its number taken when the line started) */
    bool done_queued;          /* busy: that K_DONE is queued (else it is virtual: it would
                                  find the next line incomplete and only end the service) */
    bool done_rides;           /* queued as the follower of the line's last K_SEND (it pops
                                  right after it: same time, the next sequence number) */
    uint32_t send_f;           /* the line's K_SENDs (trig_out[send_i .. send_end)), queued one */
    uint32_t send_i, send_end; /* at a time, each when the one before pops: frame, range, */
    double send_t;             /*   (time, sequence number) of the queued one (sequence */
    uint64_t send_seq;         /*   numbers taken in a row) */
    double *f_start, *f_end;   /* [F] span per frame */
    npu_np_counters cnt;       /* derived counters */
    double busy_cyc;           /* cycles served */
} np_plan;

typedef struct tctx {
    sim_device *d;
    const sim_record *rec;
    const mesh_calib *c;
    double vscale; /* (V_mode / V_perf)^2 */
    sim_noc noc;
    sim_sched q;
    double now_t;              /* (time, sequence number) of the event being handled */
    uint64_t now_seq;          /*   (run_pass) */
    np_plan *pl;               /* per NP instance (all passes) */
    uint32_t sl_c, sl_r, sl_i; /* NP positions of the pass being planned (slots_build): */
    int64_t *sl_np;            /*   [sl_r][sl_c][sl_i] its first NP instance there, or -1, */
    uint32_t *sl_snd;          /*   layer of the first DEST entry naming it (or none) */
    sim_rsum *sums;      /* per layer: input summary derived here (record lacks a fitting one) */
    uint32_t *sum_frame; /* per layer: record frame of sums[layer] */
    /* energy bins */
    double bin_cyc; /* bin length, cycles */
    double *bins;   /* dynamic pJ per bin */
    size_t n_bins;
    double dyn_pj;      /* total dynamic pJ */
    double ext_free;    /* external memory channel free time */
    double out_free;    /* output DMA free time */
    double t_last;      /* last output byte */
    double t_max;       /* latest event */
    uint64_t ext_bytes; /* bytes read from external memory */
    /* results under construction */
    sim_results *r;
    size_t cap_spans;
    npu_err *err;
} tctx;

static uint32_t add_track(sim_results *r, const char *s);
static void add_span(tctx *x, uint32_t track, double s, double e, const char *name, uint32_t frame);

/* ------------------------------------------------------------------ small helpers */

static npu_status oom(npu_err *err) {
    return npu_err_set(err, NPU_ERR_INTERNAL, "timing: out of memory");
}

static int64_t clampi(int64_t v, int64_t lo, int64_t hi) {
    return v < lo ? lo : (v > hi ? hi : v);
}

static int64_t fdiv(int64_t a, int64_t b) {
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

static uint32_t pad_before(uint32_t in, uint32_t k, uint32_t s, bool same) {
    if (!same || s == 0) {
        return 0;
    }
    int64_t out = ((int64_t)in + s - 1) / s;
    int64_t total = (out - 1) * s + k - (int64_t)in;
    return total > 0 ? (uint32_t)(total / 2) : 0;
}

/* Convolution column window [lo, hi] of output column X (the NP models' rule). */
static void pool_window(const npu_np_config *c, uint32_t X, int64_t *lo, int64_t *hi) {
    int64_t last = (int64_t)c->conv.x - 1;
    if (c->pool == NPU_POOL_AVG || c->kind == NPU_NP_FNP) {
        *lo = 0;
        *hi = last;
    } else if (c->pool == NPU_POOL_MAX) {
        int64_t s = (int64_t)X * c->pool_sx - pad_before(c->conv.x, c->pool_x, c->pool_sx, c->same);
        *lo = clampi(s, 0, last);
        *hi = clampi(s + c->pool_x - 1, -1, last);
    } else {
        *lo = *hi = X;
    }
}

/* Last input column the convolution column ox reads. */
static int64_t receptive_hi(const npu_np_config *c, int64_t ox) {
    if (c->kind == NPU_NP_FNP) {
        return (int64_t)c->in.x - 1;
    }
    if (c->transpose) {
        return fdiv(ox + c->pad_x, c->sx);
    }
    return ox * c->sx - (int64_t)c->pad_x + c->kx - 1;
}

/* Kernel taps of input coordinate i landing in [lo, hi] (np_conv's axis rule, see
 * sim_axis_taps); the outputs hit minus lo go to out[] (may be NULL). */
static uint32_t axis_hits(const npu_np_config *c, bool along_x, int64_t i, int64_t lo, int64_t hi,
                          uint32_t *out) {
    return along_x ? sim_axis_taps(c->kx, c->sx, c->pad_x, c->transpose, i, lo, hi, out)
                   : sim_axis_taps(c->ky, c->sy, c->pad_y, c->transpose, i, lo, hi, out);
}

static uint64_t words_for(uint64_t elems, uint32_t bits) {
    uint32_t b = bits ? bits : 8;
    uint64_t per = 32u / b ? 32u / b : 1;
    return (elems + per - 1) / per;
}

/* The energy bin of a start time t0 (add_energy_from): several spans from one t0. */
typedef struct ebin {
    double t0; /* start time */
    size_t b0; /* its bin */
    double e0; /* end of that bin */
} ebin;

static ebin ebin_of(const tctx *x, double t0) {
    size_t b = (size_t)(t0 / x->bin_cyc);
    return (ebin){t0, b, (double)(b + 1) * x->bin_cyc};
}

static __attribute__((noinline)) void add_energy_slow(tctx *x, double t0, double t1, double pj);

/* add_energy(x, e->t0, t1, pj), the same sums: a span within the (allocated) bin of its
 * start goes to that bin at once (inline: it runs once per packet). */
static inline void add_energy_from(tctx *x, const ebin *e, double t1, double pj) {
    if (pj > 0.0 && t1 > e->t0 && t1 <= e->e0 && e->b0 < x->n_bins) {
        x->dyn_pj += pj;
        x->bins[e->b0] += pj / (t1 - e->t0) * (t1 - e->t0);
        return;
    }
    add_energy_slow(x, e->t0, t1, pj);
}

static void add_energy(tctx *x, double t0, double t1, double pj) {
    const ebin e = ebin_of(x, t0);
    add_energy_from(x, &e, t1, pj);
}

/* Dynamic energy pj spread evenly over [t0, t1] into the bins it overlaps. */
static __attribute__((noinline)) void add_energy_slow(tctx *x, double t0, double t1, double pj) {
    if (pj <= 0.0) {
        return;
    }
    x->dyn_pj += pj;
    if (t1 < t0) {
        t1 = t0;
    }
    size_t b1 = (size_t)(t1 / x->bin_cyc);
    if (b1 + 1 > x->n_bins) {
        size_t n = (b1 + 1) * 2;
        double *nb = realloc(x->bins, n * sizeof *nb);
        if (nb == NULL) {
            return; /* energy totals stay right; the trace loses the sample */
        }
        memset(nb + x->n_bins, 0, (n - x->n_bins) * sizeof *nb);
        x->bins = nb;
        x->n_bins = n;
    }
    if (t1 - t0 <= 0.0) {
        x->bins[(size_t)(t0 / x->bin_cyc)] += pj;
        return;
    }
    double rate = pj / (t1 - t0);
    for (double t = t0; t < t1;) {
        size_t b = (size_t)(t / x->bin_cyc);
        double end = (double)(b + 1) * x->bin_cyc;
        end = end < t1 ? end : t1;
        if (end <= t) { /* rounding at a bin edge */
            end = t1;
        }
        x->bins[b < x->n_bins ? b : x->n_bins - 1] += rate * (end - t);
        t = end;
    }
}

static void note_time(tctx *x, double t) {
    x->t_max = t > x->t_max ? t : x->t_max;
}

/* ------------------------------------------------------------------ derivation */

static const sim_rstream *stream(const sim_record *r, uint32_t layer, uint32_t f) {
    return sim_record_stream(r, layer, f);
}

#define SENDER_NONE (UINT32_MAX - 1) /* sl_snd: no DEST entry names the position */

/* Slot of position (col, row, id) in the pass's slot map, or -1 outside it. */
static int64_t slot_of(const tctx *x, uint32_t col, uint32_t row, uint32_t id) {
    if (col >= x->sl_c || row >= x->sl_r || id >= x->sl_i) {
        return -1;
    }
    return ((int64_t)row * x->sl_c + col) * x->sl_i + id;
}

/* The slot map of pass `pass`: per NP position its first NP instance (in pass order) and
 * the layer of the first DEST entry (NPs in pass order, entries in order) naming it. */
static npu_status slots_build(tctx *x, uint32_t pass) {
    const sim_device *d = x->d;
    const sim_pass_plan *pp = &d->passes[pass];
    x->sl_c = x->sl_r = x->sl_i = 1;
    for (uint32_t i = pp->first_np; i < pp->first_np + pp->n_nps; i++) {
        mesh_ident m = d->nps[i].ident;
        x->sl_c = m.col >= x->sl_c ? m.col + 1u : x->sl_c;
        x->sl_r = m.row >= x->sl_r ? m.row + 1u : x->sl_r;
        x->sl_i = m.id >= x->sl_i ? m.id + 1u : x->sl_i;
    }
    size_t n = (size_t)x->sl_c * x->sl_r * x->sl_i;
    free(x->sl_np);
    free(x->sl_snd);
    x->sl_np = malloc(n * sizeof *x->sl_np);
    x->sl_snd = malloc(n * sizeof *x->sl_snd);
    if (x->sl_np == NULL || x->sl_snd == NULL) {
        return oom(x->err);
    }
    for (size_t k = 0; k < n; k++) {
        x->sl_np[k] = -1;
        x->sl_snd[k] = SENDER_NONE;
    }
    for (uint32_t i = pp->first_np; i < pp->first_np + pp->n_nps; i++) {
        mesh_ident m = d->nps[i].ident;
        int64_t sl = slot_of(x, m.col, m.row, m.id);
        x->sl_np[sl] = x->sl_np[sl] < 0 ? i : x->sl_np[sl];
    }
    for (uint32_t q = pp->first_np; q < pp->first_np + pp->n_nps; q++) {
        const npu_np_config *qc = d->nps[q].cfg;
        for (uint32_t k = 0; k < qc->n_dest; k++) {
            int64_t sl =
                qc->dest[k].dma ? -1 : slot_of(x, qc->dest[k].col, qc->dest[k].row, qc->dest[k].id);
            if (sl >= 0 && x->sl_snd[sl] == SENDER_NONE) {
                x->sl_snd[sl] = qc->layer_index;
            }
        }
    }
    return NPU_OK;
}

/* Layer of the first sender of NP t within its pass (DEST entries naming it), or
 * SENDER_NONE. */
static uint32_t sender_layer(const tctx *x, uint32_t t) {
    mesh_ident id = x->d->nps[t].ident;
    return x->sl_snd[slot_of(x, id.col, id.row, id.id)];
}

/* NP instance of the pass at (col, row, id), or -1. */
static int64_t find_ident(const tctx *x, uint8_t col, uint8_t row, uint8_t id) {
    int64_t sl = slot_of(x, col, row, id);
    return sl < 0 ? -1 : x->sl_np[sl];
}

static bool in_need(const npu_np_config *c, uint32_t x) {
    return x >= c->need_col_first && x < c->need_col_first + c->need_col_count;
}

static npu_status plan_tables(tctx *x, uint32_t t);

/* Static part of an NP's plan: lines, destinations, expected packets, triggers, costs. */
static npu_status plan_static(tctx *x, uint32_t t, uint32_t F) {
    sim_device *d = x->d;
    np_plan *p = &x->pl[t];
    const npu_np_config *c = d->nps[t].cfg;
    memset(p, 0, sizeof *p);
    p->L = c->need_col_count;
    p->O = c->out_col_count;
    p->D = c->n_dest;
    p->active = p->L > 0 && p->O > 0;
    uint32_t sl = sender_layer(x, t);
    p->dma_fed = sl == SENDER_NONE;
    p->src_layer =
        p->dma_fed ? (c->layer_index < x->rec->n_layers ? x->rec->layers[c->layer_index].producer
                                                        : SIM_NO_LAYER)
                   : sl;
    size_t L = p->L ? p->L : 1, O = p->O ? p->O : 1, D = p->D ? p->D : 1;
    p->dest_np = calloc(D, sizeof *p->dest_np);
    p->path = calloc(D, sizeof *p->path);
    p->snd_rng = calloc(D * 2, sizeof *p->snd_rng);
    p->expected = calloc(L, sizeof *p->expected);
    p->trigger = calloc(O, sizeof *p->trigger);
    p->trig_first = calloc(L + 1, sizeof *p->trig_first);
    p->trig_out = calloc(O, sizeof *p->trig_out);
    p->out_cyc = calloc(O, sizeof *p->out_cyc);
    p->in_ev = calloc(F * L, sizeof *p->in_ev);
    p->in_pj = calloc(F * L, sizeof *p->in_pj);
    p->ext_b = calloc(F * L, sizeof *p->ext_b);
    p->out_ev = calloc(F * O, sizeof *p->out_ev);
    p->out_pj = calloc(F * O, sizeof *p->out_pj);
    p->flow = calloc(F * D * O, sizeof *p->flow);
    p->arrived = calloc(F * L, sizeof *p->arrived);
    p->rdy = calloc(F * L, sizeof *p->rdy);
    p->f_start = calloc(F, sizeof *p->f_start);
    p->f_end = calloc(F, sizeof *p->f_end);
    if (!p->dest_np || !p->path || !p->snd_rng || !p->expected || !p->trigger || !p->trig_first ||
        !p->trig_out || !p->out_cyc || !p->in_ev || !p->in_pj || !p->ext_b || !p->out_ev ||
        !p->out_pj || !p->flow || !p->arrived || !p->rdy || !p->f_start || !p->f_end) {
        return oom(x->err);
    }
    for (uint32_t k = 0; k < p->D; k++) {
        p->dest_np[k] =
            c->dest[k].dma ? -1 : find_ident(x, c->dest[k].col, c->dest[k].row, c->dest[k].id);
        sim_noc_path_of(&x->noc, d->nps[t].ident,
                        p->dest_np[k] < 0 ? d->mesh.dma_event : d->nps[p->dest_np[k]].ident,
                        &p->path[k]);
    }
    sim_noc_path_of(&x->noc, d->mesh.dma_event, d->nps[t].ident, &p->in_path);
    /* triggers and output cost shares */
    uint64_t total = npu_cost_output(c, &x->c->np);
    uint64_t cols_total = 0, cum = 0, given = 0;
    int64_t need_lo = c->need_col_first, need_hi = need_lo + (int64_t)p->L - 1;
    uint32_t *cols = calloc(O, sizeof *cols);
    if (cols == NULL) {
        return oom(x->err);
    }
    for (uint32_t o = 0; o < p->O; o++) {
        int64_t lo, hi;
        pool_window(c, c->out_col_first + o, &lo, &hi);
        int64_t clo = c->conv_col_first, chi = clo + (int64_t)c->conv_col_count - 1;
        lo = lo < clo ? clo : lo;
        hi = hi > chi ? chi : hi;
        cols[o] = hi >= lo ? (uint32_t)(hi - lo + 1) : 0;
        cols_total += cols[o];
        int64_t last = hi >= lo ? receptive_hi(c, hi) : need_lo;
        /* A CNP / FNP fires at the end of the frame: its output stage (activation, pooling,
         * emission, separable pointwise) scans the owned lines once every input line of the
         * frame is integrated, emitting line after line; the HRC streams (an output line
         * leaves once the input lines of its receptive field are in). */
        p->trigger[o] = c->kind == NPU_NP_HRC ? (uint32_t)(clampi(last, need_lo, need_hi) - need_lo)
                                              : (uint32_t)(need_hi - need_lo);
    }
    for (uint32_t o = 0; o < p->O; o++) {
        cum += cols[o];
        uint64_t upto = cols_total ? total * cum / cols_total : (o + 1 == p->O ? total : 0);
        p->out_cyc[o] = upto - given;
        given = upto;
    }
    free(cols);
    /* outputs by triggering line (counting sort: o ascending within a line; triggers are
     * need lines, so none without one) */
    for (uint32_t o = 0; p->L > 0 && o < p->O; o++) {
        p->trig_first[p->trigger[o] + 1]++;
    }
    for (uint32_t l = 0; l < p->L; l++) {
        p->trig_first[l + 1] += p->trig_first[l];
    }
    for (uint32_t o = 0; p->L > 0 && o < p->O; o++) { /* trig_first[l]: line l's cursor */
        p->trig_out[p->trig_first[p->trigger[o]]++] = o;
    }
    for (uint32_t l = p->L; l > 0; l--) { /* cursors (= ends) back to starts */
        p->trig_first[l] = p->trig_first[l - 1];
    }
    p->trig_first[0] = 0;
    /* expected packets per need line: one DMA packet, or (plan_expected) per sender */
    for (uint32_t l = 0; p->dma_fed && l < p->L; l++) {
        p->expected[l] = 1;
    }
    return plan_tables(x, t);
}

/* Packets expected per need line of the NPs of pass `pass` fed by other NPs: per DEST
 * entry of an NP owning outputs and needing input, one per output line of that NP in the
 * destination's need range; and the output columns each DEST entry is sent (after
 * plan_static of every NP of the pass). */
static void plan_expected(tctx *x, uint32_t pass) {
    const sim_device *d = x->d;
    const sim_pass_plan *pp = &d->passes[pass];
    for (uint32_t q = pp->first_np; q < pp->first_np + pp->n_nps; q++) {
        const npu_np_config *qc = d->nps[q].cfg;
        np_plan *qp = &x->pl[q];
        for (uint32_t k = 0; k < qp->D; k++) { /* columns sent to each destination */
            uint32_t *r = &qp->snd_rng[2 * k];
            int64_t u = qp->dest_np[k];
            if (u < 0) {
                r[0] = qc->dest[k].col_first;
                r[1] = qc->dest[k].col_first + qc->dest[k].col_count;
            } else if (x->pl[u].active) {
                r[0] = d->nps[u].cfg->need_col_first;
                r[1] = r[0] + d->nps[u].cfg->need_col_count;
            }
        }
        if (qc->need_col_count == 0 || qc->out_col_count == 0) {
            continue;
        }
        for (uint32_t k = 0; k < qc->n_dest; k++) {
            int64_t u = qc->dest[k].dma
                            ? -1
                            : find_ident(x, qc->dest[k].col, qc->dest[k].row, qc->dest[k].id);
            if (u < 0 || x->pl[u].dma_fed) {
                continue;
            }
            const npu_np_config *c = d->nps[u].cfg;
            for (uint32_t o = 0; o < qc->out_col_count; o++) {
                uint32_t ox = qc->out_col_first + o;
                if (in_need(c, ox)) {
                    x->pl[u].expected[ox - c->need_col_first]++;
                }
            }
        }
    }
}

/* Energy of n synops, reads, writes (pJ, at the mode's voltage). */
static double work_pj(const tctx *x, uint64_t syn, uint64_t rd, uint64_t wr) {
    return x->vscale * ((double)syn * x->c->e_synop_pj + (double)rd * x->c->e_sram_read_pj +
                        (double)wr * x->c->e_sram_write_pj);
}

/* Derivation tables of NP t (plan_static): per need line the kernel taps landing in its
 * convolution columns, destination ranges, the geometry of its input summary and, for a
 * separable NP, whether its need columns hold every input column reaching its convolution
 * columns (then its active potentials are the layer's over those columns). */
static npu_status plan_tables(tctx *x, uint32_t t) {
    const sim_device *d = x->d;
    np_plan *p = &x->pl[t];
    const npu_np_config *c = d->nps[t].cfg;
    size_t L = p->L ? p->L : 1, D = p->D ? p->D : 1;
    p->hx = calloc(L, sizeof *p->hx);
    p->hits = calloc(L, sizeof *p->hits);
    p->dest_rng = calloc(D * 4, sizeof *p->dest_rng);
    if (!p->hx || !p->hits || !p->dest_rng) {
        return oom(x->err);
    }
    sim_rgeom_of(c, p->src_layer, &p->geom);
    int64_t x_lo = c->conv_col_first, x_hi = x_lo + (int64_t)c->conv_col_count - 1;
    if (c->kind != NPU_NP_FNP) {
        for (uint32_t l = 0; l < p->L; l++) {
            p->hx[l] = axis_hits(c, true, (int64_t)c->need_col_first + l, x_lo, x_hi, NULL);
        }
    }
    p->covered = x_hi < (int64_t)c->conv.x;
    for (uint32_t i = 0; p->covered && i < c->in.x; i++) {
        p->covered = in_need(c, i) || axis_hits(c, true, i, x_lo, x_hi, NULL) == 0;
    }
    for (uint32_t k = 0; k < p->D; k++) {
        uint32_t *r = &p->dest_rng[(size_t)k * 4];
        r[0] = c->dest[k].filter_first;
        r[1] = c->dest[k].filter_first + c->dest[k].filter_count;
        if (p->dest_np[k] < 0) {
            r[2] = c->dest[k].col_first;
            r[3] = c->dest[k].col_first + c->dest[k].col_count;
        } else {
            const npu_np_config *uc = d->nps[p->dest_np[k]].cfg;
            r[2] = uc->need_col_first;
            r[3] = uc->need_col_first + uc->need_col_count;
        }
    }
    return NPU_OK;
}

/* Input summary of NP t's layer for record frame rf: the record's when it was derived for
 * the NP's geometry, else derived here once per layer and frame. */
static npu_status np_sum(tctx *x, uint32_t t, uint32_t rf, const sim_rsum **out) {
    const np_plan *p = &x->pl[t];
    const sim_record *r = x->rec;
    uint32_t l = x->d->nps[t].cfg->layer_index;
    if (l >= r->n_layers) {
        return npu_err_set(x->err, NPU_ERR_INPUT, "timing: layer %u not in the record", l);
    }
    const sim_rsum *rs = r->sums != NULL ? &r->sums[(size_t)rf * r->n_layers + l] : NULL;
    if (rs != NULL && rs->valid && sim_rgeom_eq(&rs->g, &p->geom)) {
        *out = rs;
        return NPU_OK;
    }
    sim_rsum *s = &x->sums[l];
    if (!s->valid || x->sum_frame[l] != rf || !sim_rgeom_eq(&s->g, &p->geom)) {
        npu_status st = sim_rsum_build(stream(r, p->src_layer, rf), &p->geom, s, x->err);
        if (st != NPU_OK) {
            return st;
        }
        x->sum_frame[l] = rf;
    }
    *out = s;
    return NPU_OK;
}

/* Active depthwise potentials of separable NP t in record frame rf (summary su). */
static npu_status np_active(tctx *x, uint32_t t, uint32_t rf, const sim_rsum *su, uint64_t *out) {
    const np_plan *p = &x->pl[t];
    const npu_np_config *c = x->d->nps[t].cfg;
    uint32_t o0 = c->conv_col_first, o1 = o0 + c->conv_col_count;
    if (p->covered) {
        *out = su->act[o1] - su->act[o0];
        return NPU_OK;
    }
    return sim_rsum_active(stream(x->rec, p->src_layer, rf), &p->geom, c->need_col_first,
                           c->need_col_first + p->L, o0, o1, out, x->err);
}

/* Per-frame derivation of NP t for local frame lf = record frame rf: input events and work
 * per need line, output events per owned line and per destination flow, all from prefix
 * sums: the layer's input summary (per column counts and row-weighted counts, per channel
 * for depthwise layers; active potentials per convolution column for separable ones) and
 * the output stream's per-column channel prefix counts. */
static npu_status plan_frame(tctx *x, uint32_t t, uint32_t lf, uint32_t rf) {
    np_plan *p = &x->pl[t];
    const npu_np_config *c = x->d->nps[t].cfg;
    if (!p->active) {
        return NPU_OK;
    }
    const sim_record *r = x->rec;
    const sim_rsum *su = NULL;
    npu_status st = np_sum(x, t, rf, &su);
    if (st != NPU_OK) {
        return st;
    }
    uint32_t fc = c->filter_count;
    bool dense = c->kind == NPU_NP_FNP;
    uint32_t per = (c->depthwise || c->layer == NPU_SEPARABLE_CONVOLUTIONAL) ? 1u : fc;
    uint64_t row_words = words_for(
        (c->depthwise || c->layer == NPU_SEPARABLE_CONVOLUTIONAL) ? 1u : fc, c->weight_bits);
    uint32_t *cnt = &p->in_ev[(size_t)lf * p->L];
    uint32_t nf = c->need_col_first, f0 = c->filter_first, f1 = f0 + fc;
    bool dw = su->g.kind == SIM_RGEOM_DEPTHWISE;
    uint32_t ca = f0 < c->in.c ? f0 : c->in.c, cb = f1 < c->in.c ? f1 : c->in.c;
    for (uint32_t l = 0; l < p->L; l++) {
        uint32_t xc = nf + l;
        uint64_t w = 0;
        cnt[l] = 0;
        if (xc < c->in.x && dw) {
            size_t b = (size_t)xc * (c->in.c + 1);
            cnt[l] = su->cnt[b + cb] - su->cnt[b + ca];
            w = su->wy[b + cb] - su->wy[b + ca];
        } else if (xc < c->in.x) {
            cnt[l] = su->cnt[xc];
            w = su->wy[xc];
        }
        p->hits[l] = dense ? 0 : p->hx[l] * w;
    }
    for (uint32_t l = 0; l < p->L; l++) {
        uint64_t n = cnt[l], syn, rd, wr;
        size_t li = (size_t)lf * p->L + l;
        if (dense) {
            syn = n * fc;
            wr = n + n * fc;
            rd = c->external_weights ? 0 : n * row_words;
            if (c->external_weights) {
                p->ext_b[li] = n * row_words * 4u;
                p->cnt.ext_bytes += n * row_words * 4u;
            }
        } else {
            syn = p->hits[l] * per;
            rd = p->hits[l] * row_words;
            wr = n + p->hits[l] * per;
        }
        p->cnt.events_in += n;
        p->cnt.synops += syn;
        p->cnt.sram_reads += rd;
        p->cnt.sram_writes += wr;
        p->in_pj[li] = work_pj(x, syn, rd, wr);
    }
    /* separable pointwise: active depthwise potentials x filters, at the output stage */
    double pw_pj = 0.0;
    if (c->layer == NPU_SEPARABLE_CONVOLUTIONAL && su->act != NULL) {
        uint64_t active = 0;
        st = np_active(x, t, rf, su, &active);
        if (st != NPU_OK) {
            return st;
        }
        uint64_t row = words_for(fc, c->weight_bits);
        p->cnt.synops += active * fc;
        p->cnt.sram_reads += active * row;
        p->cnt.sram_writes += active * fc;
        pw_pj = work_pj(x, active * fc, active * row, active * fc);
    }
    /* outputs and flows */
    const sim_rstream *out = stream(r, c->layer_index, rf);
    uint32_t *oev = &p->out_ev[(size_t)lf * p->O];
    uint32_t *flow = &p->flow[(size_t)lf * p->D * p->O];
    uint32_t of = c->out_col_first;
    for (uint32_t o = 0; o < p->O; o++) { /* per owned column: its filter slice, each flow */
        uint32_t col = of + o, n = sim_rstream_count(out, col, f0, f1);
        oev[o] += n;
        p->cnt.events_out += n;
        for (uint32_t k = 0; n > 0 && k < p->D; k++) {
            const uint32_t *rg = &p->dest_rng[(size_t)k * 4];
            if (col < rg[2] || col >= rg[3]) {
                continue;
            }
            uint32_t lo = rg[0] > f0 ? rg[0] : f0, hi = rg[1] < f1 ? rg[1] : f1;
            flow[(size_t)k * p->O + o] += lo == f0 && hi == f1 ? n /* the whole slice */
                                          : hi > lo            ? sim_rstream_count(out, col, lo, hi)
                                                               : 0;
        }
    }
    for (uint32_t o = 0; o < p->O; o++) {
        double share = p->O ? 1.0 / p->O : 0.0;
        p->out_pj[(size_t)lf * p->O + o] = pw_pj * share + work_pj(x, 0, 0, oev[o]);
    }
    return NPU_OK;
}

static void plan_free(np_plan *p) {
    free(p->hx);
    free(p->hits);
    free(p->dest_rng);
    free(p->dest_np);
    free(p->path);
    free(p->snd_rng);
    free(p->expected);
    free(p->trigger);
    free(p->trig_first);
    free(p->trig_out);
    free(p->out_cyc);
    free(p->in_ev);
    free(p->in_pj);
    free(p->ext_b);
    free(p->out_ev);
    free(p->out_pj);
    free(p->flow);
    free(p->arrived);
    free(p->rdy);
    free(p->f_start);
    free(p->f_end);
    memset(p, 0, sizeof *p);
}

/* ------------------------------------------------------------------ DES */

static npu_status push_ev(tctx *x, double t, uint32_t kind, uint32_t a, uint32_t b, uint32_t c) {
    if (t > (double)x->c->max_cycles) {
        return npu_err_set(x->err, NPU_ERR_INPUT,
                           "run: more than max_cycles = %llu device cycles; raise the budget in "
                           "the calibration",
                           (unsigned long long)x->c->max_cycles);
    }
    note_time(x, t);
    return sim_sched_push(&x->q, t, kind, a, b, c) ? NPU_OK : oom(x->err);
}

/* (t1, s1) pops before (t2, s2). */
static bool pos_before(double t1, uint64_t s1, double t2, uint64_t s2) {
    return t1 < t2 || (t1 == t2 && s1 < s2);
}

/* NP p's line after the one it serves, as f * L + l; false when it serves its last. */
static bool next_line(const np_plan *p, uint32_t F, size_t *li, uint32_t *l) {
    uint32_t f = p->cur_f, n = p->cur_l + 1;
    if (n >= p->L) {
        n = 0;
        f++;
    }
    *li = (size_t)f * p->L + n;
    *l = n;
    return f < F;
}

/* Queues busy NP u's K_DONE when line li (l) is the line after the one it serves: that
 * line is complete, so the K_DONE starts it. */
static npu_status done_needed(tctx *x, uint32_t u, size_t li, uint32_t F) {
    np_plan *p = &x->pl[u];
    size_t nli;
    uint32_t nl;
    if (p->done_queued || !next_line(p, F, &nli, &nl) || nli != li) {
        return NPU_OK;
    }
    p->done_queued = true;
    if (p->send_i < p->send_end) { /* the line's K_SENDs still pop: ride on the last */
        p->done_rides = true;
        return NPU_OK;
    }
    return sim_sched_push_seq(&x->q, p->done_t, p->done_seq, K_DONE, u, p->cur_f, p->cur_l)
               ? NPU_OK
               : oom(x->err);
}

/* Ends NP u's service when its virtual K_DONE lies before the event being handled. */
static void done_settle(tctx *x, uint32_t u) {
    np_plan *p = &x->pl[u];
    if (p->busy && !p->done_queued && pos_before(p->done_t, p->done_seq, x->now_t, x->now_seq)) {
        p->busy = false;
        if (++p->cur_l >= p->L) {
            p->cur_l = 0;
            p->cur_f++;
        }
    }
}

/* A packet for need line `line` of NP u, frame f, arriving at arr. A line's arrivals act
 * only through the last of them in (time, sequence) order (an arrival starts the line when
 * it completes it; others find it incomplete), so each takes its sequence number here and
 * the line gets at most one K_ARRIVE event, under the latest (time, sequence) pair, once
 * its last expected packet is sent: the same order of pops and side effects as one event
 * per packet. When u is then busy until after that pair, the event would only mark the
 * line complete: it is marked now, and u's K_DONE queued if that starts the line. */
static inline npu_status deliver(tctx *x, uint32_t u, uint32_t f, uint32_t line, double arr,
                                 uint32_t F) {
    if (arr > (double)x->c->max_cycles) {
        return push_ev(x, arr, K_ARRIVE, u, f, line); /* the budget error */
    }
    note_time(x, arr);
    np_plan *p = &x->pl[u];
    size_t li = (size_t)f * p->L + line;
    uint64_t seq = sim_sched_reserve(&x->q);
    line_in *r = &p->rdy[li];
    if (r->n == 0 || arr >= r->t) {
        r->t = arr;
        r->seq = seq;
    }
    if (++r->n != p->expected[line]) {
        return NPU_OK;
    }
    if (p->busy && pos_before(r->t, r->seq, p->done_t, p->done_seq)) {
        p->arrived[li] = p->expected[line];
        return done_needed(x, u, li, F);
    }
    return sim_sched_push_seq(&x->q, r->t, r->seq, K_ARRIVE, u, f, line) ? NPU_OK : oom(x->err);
}

/* K_ARRIVE: every expected packet of line (f, line) of NP u is in. */
static npu_status on_arrive(tctx *x, uint32_t u, uint32_t f, uint32_t line, uint32_t F);

static uint64_t line_cycles(const tctx *x, const npu_np_config *c, uint32_t x_col, uint32_t ev) {
    switch (c->kind) {
    case NPU_NP_HRC:
        return npu_cost_hrc_line(c, &x->c->np, x_col);
    case NPU_NP_FNP:
        return npu_cost_fnp_events(c, &x->c->np, ev);
    default:
        return npu_cost_cnp_events(c, &x->c->np, ev);
    }
}

/* Starts NP t's next work item when it is free and the item's packets have all arrived. */
static npu_status try_start(tctx *x, uint32_t t, double now, uint32_t F) {
    np_plan *p = &x->pl[t];
    if (p->busy || !p->active || p->cur_f >= F) {
        return NPU_OK;
    }
    uint32_t f = p->cur_f, l = p->cur_l;
    size_t li = (size_t)f * p->L + l;
    if (p->arrived[li] < p->expected[l]) {
        return NPU_OK;
    }
    const npu_np_config *c = x->d->nps[t].cfg;
    double lc = (double)line_cycles(x, c, c->need_col_first + l, p->in_ev[li]);
    double end = now + lc;
    add_energy(x, now, end, p->in_pj[li] + sim_energy_busy_pj(c, x->c, x->vscale, lc));
    if (p->ext_b[li] > 0) {
        double s = now > x->ext_free ? now : x->ext_free;
        x->ext_free = s + (double)p->ext_b[li] / x->c->ext_bytes_per_cycle;
        double done = x->ext_free + x->c->ext_latency_cycles;
        end = done > end ? done : end;
        x->ext_bytes += p->ext_b[li];
        add_energy(x, s, x->ext_free, x->vscale * (double)p->ext_b[li] * x->c->e_ext_byte_pj);
    }
    uint32_t i0 = p->trig_first[l], i1 = p->trig_first[l + 1];
    for (uint32_t i = i0; i < i1; i++) { /* the output lines it completes, each then sent */
        uint32_t o = p->trig_out[i];
        double s = end;
        end += (double)p->out_cyc[o];
        add_energy(x, s, end,
                   p->out_pj[(size_t)f * p->O + o] +
                       sim_energy_busy_pj(c, x->c, x->vscale, (double)p->out_cyc[o]));
        if (end > (double)x->c->max_cycles) {
            return push_ev(x, end, K_SEND, t, f, o); /* the budget error */
        }
        note_time(x, end);
        uint64_t seq = sim_sched_reserve(&x->q);
        if (i == i0) {
            p->send_t = end;
            p->send_seq = seq;
        }
    }
    if (i1 > i0) { /* the first K_SEND; each pushes the next (send_next) */
        p->send_f = f;
        p->send_i = i0;
        p->send_end = i1;
        if (!sim_sched_push_seq(&x->q, p->send_t, p->send_seq, K_SEND, t, f, p->trig_out[i0])) {
            return oom(x->err);
        }
    }
    if (l == 0) {
        p->f_start[f] = now;
    }
    p->f_end[f] = end;
    p->busy_cyc += end - now;
    p->busy = true;
    if (end > (double)x->c->max_cycles) {
        return push_ev(x, end, K_DONE, t, f, l); /* the budget error */
    }
    note_time(x, end);
    p->done_t = end;
    p->done_seq = sim_sched_reserve(&x->q);
    p->done_queued = false;
    size_t nli;
    uint32_t nl;
    if (next_line(p, F, &nli, &nl) && p->arrived[nli] >= p->expected[nl]) {
        return done_needed(x, t, nli, F);
    }
    return NPU_OK;
}

static npu_status on_arrive(tctx *x, uint32_t u, uint32_t f, uint32_t line, uint32_t F) {
    np_plan *p = &x->pl[u];
    size_t li = (size_t)f * p->L + line;
    p->arrived[li] = p->expected[line];
    done_settle(x, u);
    if (p->busy) {
        return done_needed(x, u, li, F);
    }
    return try_start(x, u, x->now_t, F);
}

/* Queues NP t's next K_SEND of the line's chain (try_start) once the one before popped:
 * its time is the same sum as in try_start, its sequence number the next one taken there. */
static npu_status send_next(tctx *x, uint32_t t) {
    np_plan *p = &x->pl[t];
    if (++p->send_i >= p->send_end) {
        return NPU_OK;
    }
    uint32_t o = p->trig_out[p->send_i];
    p->send_t += (double)p->out_cyc[o];
    p->send_seq++;
    return sim_sched_push_seq(&x->q, p->send_t, p->send_seq, K_SEND, t, p->send_f, o) ? NPU_OK
                                                                                      : oom(x->err);
}

static npu_status on_done(tctx *x, uint32_t t, double now, uint32_t F) {
    np_plan *p = &x->pl[t];
    p->busy = false;
    p->done_queued = false;
    if (++p->cur_l >= p->L) {
        p->cur_l = 0;
        p->cur_f++;
    }
    return try_start(x, t, now, F);
}

static npu_status on_send(tctx *x, uint32_t t, uint32_t f, uint32_t o, double now, uint32_t F) {
    np_plan *p = &x->pl[t];
    sim_device *d = x->d;
    const npu_np_config *c = d->nps[t].cfg;
    uint32_t eb = x->c->event_bytes, ox = c->out_col_first + o;
    const uint32_t *flow = &p->flow[(size_t)f * p->D * p->O + o];
    const ebin e0 = ebin_of(x, now);      /* every packet leaves now */
    for (uint32_t k = 0; k < p->D; k++) { /* one packet per destination holding the line */
        if (!(ox >= p->snd_rng[2 * k] && ox < p->snd_rng[2 * k + 1])) {
            continue;
        }
        uint32_t ev = flow[(size_t)k * p->O];
        uint32_t bytes = (ev ? ev : 1u) * eb; /* an empty line still sends its end marker */
        uint32_t hops = sim_noc_path_hops(&p->path[k]);
        double arr = sim_noc_send_path(&x->noc, &p->path[k], now, bytes);
        add_energy_from(x, &e0, arr, x->vscale * (double)bytes * hops * x->c->e_hop_byte_pj);
        if (p->dest_np[k] < 0) { /* the output DMA */
            double s = arr > x->out_free ? arr : x->out_free;
            x->out_free = s + (double)bytes / x->c->event_dma_bytes_per_cycle;
            add_energy(x, s, x->out_free, x->vscale * (double)bytes * x->c->e_dma_byte_pj);
            char nm[96];
            snprintf(nm, sizeof nm, "events out %.48s",
                     c->layer_index < x->rec->n_layers ? x->rec->layers[c->layer_index].name : "?");
            add_span(x, add_track(x->r, "dma_event out"), s, x->out_free, nm, f);
            double last = x->out_free + x->c->dma_latency_cycles;
            x->t_last = last > x->t_last ? last : x->t_last;
            note_time(x, last);
            continue;
        }
        uint32_t u = (uint32_t)p->dest_np[k];
        npu_status st = deliver(x, u, f, ox - d->nps[u].cfg->need_col_first, arr, F);
        if (st != NPU_OK) {
            return st;
        }
    }
    return NPU_OK;
}

/* K_SEND of NP e->a: the packets, the chain's next K_SEND, and after the last one the
 * K_DONE riding on it (done_needed). */
static npu_status on_send_ev(tctx *x, const sim_ev *e, uint32_t F) {
    np_plan *p = &x->pl[e->a];
    npu_status st = on_send(x, e->a, e->b, e->c, e->t, F);
    st = st ? st : send_next(x, e->a);
    if (st != NPU_OK || !p->done_rides || p->send_i < p->send_end) {
        return st;
    }
    p->done_rides = false; /* the K_DONE: next in (time, sequence) order */
    x->now_t = p->done_t;
    x->now_seq = p->done_seq;
    return on_done(x, e->a, p->done_t, F);
}

/* DMA line (layer l's input column xcol of frame f) completed at now: packets to the NPs. */
static npu_status on_dma(tctx *x, uint32_t pass, uint32_t l, uint32_t f, uint32_t xcol, double now,
                         uint32_t F) {
    sim_device *d = x->d;
    const sim_pass_plan *pp = &d->passes[pass];
    const ebin e0 = ebin_of(x, now); /* every packet leaves now */
    for (uint32_t u = pp->first_np; u < pp->first_np + pp->n_nps; u++) {
        np_plan *p = &x->pl[u];
        const npu_np_config *uc = d->nps[u].cfg;
        if (!p->active || !p->dma_fed || uc->layer_index != l || !in_need(uc, xcol)) {
            continue;
        }
        uint32_t line = xcol - uc->need_col_first;
        double arr = now;
        if (uc->kind != NPU_NP_HRC) {
            uint32_t ev = p->in_ev[(size_t)f * p->L + line];
            uint32_t bytes = (ev ? ev : 1u) * x->c->event_bytes;
            uint32_t hops = sim_noc_path_hops(&p->in_path);
            arr = sim_noc_send_path(&x->noc, &p->in_path, now, bytes);
            add_energy_from(x, &e0, arr, x->vscale * (double)bytes * hops * x->c->e_hop_byte_pj);
        }
        npu_status st = deliver(x, u, f, line, arr, F);
        if (st != NPU_OK) {
            return st;
        }
    }
    return NPU_OK;
}

/* Layers of pass `pass` fed by the DMA (ascending), into out[]; returns the count. */
static uint32_t dma_layers(const tctx *x, uint32_t pass, uint32_t *out, uint32_t max) {
    const sim_pass_plan *pp = &x->d->passes[pass];
    uint32_t n = 0;
    for (uint32_t u = pp->first_np; u < pp->first_np + pp->n_nps; u++) {
        if (!x->pl[u].dma_fed || !x->pl[u].active) {
            continue;
        }
        uint32_t l = x->d->nps[u].cfg->layer_index;
        bool seen = false;
        for (uint32_t i = 0; i < n; i++) {
            seen = seen || out[i] == l;
        }
        if (!seen && n < max) {
            uint32_t j = n++;
            while (j > 0 && out[j - 1] > l) {
                out[j] = out[j - 1];
                j--;
            }
            out[j] = l;
        }
    }
    return n;
}

/* Schedules the input DMA of frames [0, F) of a pass from t0 (record frames rf0 + f). */
static npu_status schedule_dma(tctx *x, uint32_t pass, uint32_t F, uint32_t rf0, double t0) {
    uint32_t layers[64];
    uint32_t nl = dma_layers(x, pass, layers, 64);
    double free_t = t0;
    const sim_pass_plan *pp = &x->d->passes[pass];
    for (uint32_t f = 0; f < F; f++) {
        for (uint32_t i = 0; i < nl; i++) {
            uint32_t l = layers[i];
            const npu_np_config *any = NULL;
            for (uint32_t u = pp->first_np; u < pp->first_np + pp->n_nps; u++) {
                if (x->d->nps[u].cfg->layer_index == l && x->pl[u].active) {
                    any = x->d->nps[u].cfg;
                    break;
                }
            }
            bool hrc = any->kind == NPU_NP_HRC;
            double bw = hrc ? x->c->hrc_dma_bytes_per_cycle : x->c->event_dma_bytes_per_cycle;
            uint32_t src = x->rec->layers[l].producer;
            const sim_rstream *s = stream(x->rec, src, rf0 + f);
            double span0 = free_t;
            free_t += x->c->dma_latency_cycles;
            for (uint32_t col = 0; col < any->in.x; col++) {
                uint32_t ne = col < s->X ? s->col[col + 1] - s->col[col] : 0;
                uint64_t bytes = hrc ? (uint64_t)any->in.y * any->in.c
                                     : (uint64_t)(ne ? ne : 1u) * x->c->event_bytes;
                double s0 = free_t;
                free_t += (double)bytes / bw;
                add_energy(x, s0, free_t, x->vscale * (double)bytes * x->c->e_dma_byte_pj);
                npu_status st = push_ev(x, free_t, K_DMA, l, f, col);
                if (st != NPU_OK) {
                    return st;
                }
            }
            /* one span per (frame, DMA-fed layer) on the input DMA track */
            char nm[96];
            snprintf(nm, sizeof nm, "%s %.48s", hrc ? "hrc in" : "events in",
                     l < x->rec->n_layers ? x->rec->layers[l].name : "?");
            add_span(x, add_track(x->r, "dma_event in"), span0, free_t, nm, rf0 + f);
        }
    }
    return NPU_OK;
}

/* Runs the DES of one pass over F frames (record frames rf0..) from t0; returns the end. */
static npu_status run_pass(tctx *x, uint32_t pass, uint32_t F, uint32_t rf0, double t0,
                           double *t_end) {
    sim_device *d = x->d;
    const sim_pass_plan *pp = &d->passes[pass];
    npu_status st = slots_build(x, pass);
    for (uint32_t u = pp->first_np; st == NPU_OK && u < pp->first_np + pp->n_nps; u++) {
        st = plan_static(x, u, F);
    }
    if (st == NPU_OK) {
        plan_expected(x, pass);
    }
    for (uint32_t f = 0; st == NPU_OK && f < F; f++) { /* frame-outer: summaries derived here
                                                         are shared by a layer's NPs */
        for (uint32_t u = pp->first_np; st == NPU_OK && u < pp->first_np + pp->n_nps; u++) {
            st = plan_frame(x, u, f, rf0 + f);
        }
    }
    x->t_last = t0;
    x->out_free = x->out_free > t0 ? x->out_free : t0;
    x->ext_free = x->ext_free > t0 ? x->ext_free : t0;
    st = st ? st : schedule_dma(x, pass, F, rf0, t0);
    for (uint32_t u = pp->first_np; st == NPU_OK && u < pp->first_np + pp->n_nps; u++) {
        st = try_start(x, u, t0, F); /* lines expecting no packet */
    }
    sim_ev e;
    while (st == NPU_OK && sim_sched_pop(&x->q, &e)) {
        x->now_t = e.t;
        x->now_seq = e.seq;
        switch (e.kind) {
        case K_DMA:
            st = on_dma(x, pass, e.a, e.b, e.c, e.t, F);
            break;
        case K_ARRIVE: /* every expected packet of the line is in (deliver) */
            st = on_arrive(x, e.a, e.b, e.c, F);
            break;
        case K_DONE:
            st = on_done(x, e.a, e.t, F);
            break;
        default:
            st = on_send_ev(x, &e, F);
            break;
        }
    }
    sim_sched_clear(&x->q);
    x->now_t = INFINITY; /* the virtual K_DONEs left end their services */
    for (uint32_t u = pp->first_np; u < pp->first_np + pp->n_nps; u++) {
        done_settle(x, u);
    }
    for (uint32_t u = pp->first_np; st == NPU_OK && u < pp->first_np + pp->n_nps; u++) {
        if (x->pl[u].active && x->pl[u].cur_f < F) {
            st = npu_err_set(x->err, NPU_ERR_INTERNAL,
                             "timing: NP (%u,%u,%u) of pass %u stalled at frame %u line %u",
                             d->nps[u].ident.col, d->nps[u].ident.row, d->nps[u].ident.id, pass,
                             x->pl[u].cur_f, x->pl[u].cur_l);
        }
    }
    double end = x->t_last;
    for (uint32_t u = pp->first_np; u < pp->first_np + pp->n_nps; u++) {
        for (uint32_t f = 0; f < F; f++) {
            end = x->pl[u].f_end[f] > end ? x->pl[u].f_end[f] : end;
        }
    }
    *t_end = end;
    return st;
}

/* ------------------------------------------------------------------ results */

static uint32_t add_string(sim_results *r, const char *s) {
    for (uint32_t i = 0; i < r->n_strings; i++) {
        if (strcmp(r->strings[i], s) == 0) {
            return i;
        }
    }
    char(*n)[96] = realloc(r->strings, (r->n_strings + 1) * sizeof *n);
    if (n == NULL) {
        return 0;
    }
    r->strings = n;
    snprintf(r->strings[r->n_strings], sizeof r->strings[0], "%s", s);
    return r->n_strings++;
}

static uint32_t add_track(sim_results *r, const char *s) {
    for (uint32_t i = 0; i < r->n_tracks; i++) {
        if (strncmp(r->tracks[i], s, sizeof r->tracks[0] - 1) == 0) {
            return i;
        }
    }
    char(*n)[64] = realloc(r->tracks, (r->n_tracks + 1) * sizeof *n);
    if (n == NULL) {
        return 0;
    }
    r->tracks = n;
    /* Track names are at most 63 bytes (sim_results.h); longer sequence names are cut. */
    snprintf(r->tracks[r->n_tracks], sizeof r->tracks[0], "%.63s", s);
    return r->n_tracks++;
}

static void add_span(tctx *x, uint32_t track, double s, double e, const char *name,
                     uint32_t frame) {
    sim_results *r = x->r;
    if (r->n_spans == x->cap_spans) {
        size_t cap = x->cap_spans ? x->cap_spans * 2 : 256;
        sim_span *n = realloc(r->spans, cap * sizeof *n);
        if (n == NULL) {
            return;
        }
        r->spans = n;
        x->cap_spans = cap;
    }
    uint64_t a = (uint64_t)floor(s), b = (uint64_t)ceil(e);
    r->spans[r->n_spans++] = (sim_span){track, a, b > a ? b : a + 1, add_string(r, name), frame};
}

static int span_cmp(const void *a, const void *b) {
    const sim_span *x = a, *y = b;
    if (x->track != y->track) {
        return x->track < y->track ? -1 : 1;
    }
    if (x->start != y->start) {
        return x->start < y->start ? -1 : 1;
    }
    if (x->end != y->end) {
        return x->end < y->end ? -1 : 1;
    }
    return x->frame < y->frame ? -1 : (x->frame > y->frame);
}

void sim_results_clear(sim_results *r) {
    free(r->sequences);
    free(r->layers);
    free(r->nps);
    free(r->tracks);
    free(r->strings);
    free(r->spans);
    free(r->power);
    memset(r, 0, sizeof *r);
}

void sim_results_free(sim_results *r) {
    if (r != NULL) {
        sim_results_clear(r);
    }
}

/* Collects the NP's frame spans, counters and stats after its pass ran. */
static void collect_np(tctx *x, uint32_t u, uint32_t F, uint32_t rf0) {
    sim_device *d = x->d;
    np_plan *p = &x->pl[u];
    const npu_np_config *c = d->nps[u].cfg;
    char tn[64];
    snprintf(tn, sizeof tn, "NP (%u,%u,%u)", d->nps[u].ident.col, d->nps[u].ident.row,
             d->nps[u].ident.id);
    uint32_t tr = add_track(x->r, tn);
    const char *ln = c->layer_index < x->rec->n_layers ? x->rec->layers[c->layer_index].name : "?";
    for (uint32_t f = 0; p->active && f < F; f++) {
        add_span(x, tr, p->f_start[f], p->f_end[f], ln, rf0 + f);
    }
    sim_np_stats *s = &x->r->nps[u];
    s->ident = d->nps[u].ident;
    s->type = d->nps[u].type;
    s->layer = c->layer_index;
    s->pass = d->nps[u].pass;
    s->counters.events_in += p->cnt.events_in;
    s->counters.events_out += p->cnt.events_out;
    s->counters.synops += p->cnt.synops;
    s->counters.sram_reads += p->cnt.sram_reads;
    s->counters.sram_writes += p->cnt.sram_writes;
    s->counters.ext_bytes += p->cnt.ext_bytes;
    s->busy_cycles += (uint64_t)ceil(p->busy_cyc);
    sim_layer_stats *ls = &x->r->layers[c->layer_index];
    ls->events_in += p->cnt.events_in;
    ls->synops += p->cnt.synops;
    ls->hardware = true;
}

/* Layer spans (first start, last end over its NPs) per layer. */
typedef struct lspan {
    double s, e; /* first start, last end */
    bool set;    /* any */
} lspan;

static void layer_span_update(tctx *x, lspan *ls, uint32_t u, uint32_t F) {
    np_plan *p = &x->pl[u];
    lspan *l = &ls[x->d->nps[u].cfg->layer_index];
    for (uint32_t f = 0; p->active && f < F; f++) {
        if (!l->set || p->f_start[f] < l->s) {
            l->s = p->f_start[f];
        }
        l->e = l->set && l->e > p->f_end[f] ? l->e : p->f_end[f];
        l->set = true;
    }
}

/* Host time of a software sequence (s): host link for its input and output, host ops. */
static double host_seconds(const tctx *x, const cmp_prog_sequence *q) {
    const npu_model *m = x->d->host;
    const sim_record *r = x->rec;
    double ops = 0.0, bytes = 0.0;
    for (uint32_t l = q->first_layer; l <= q->last_layer && l < r->n_layers; l++) {
        const sim_layer_rec *lr = &r->layers[l];
        double k = 1.0;
        if (m != NULL) {
            const npu_layer *hl = npu_model_layer(m, l);
            k = (double)(hl->p.kernel_x ? hl->p.kernel_x : 1) *
                (hl->p.kernel_y ? hl->p.kernel_y : 1);
        }
        ops += (double)npu_shape_size(lr->out_shape) * lr->in_shape.c * k * r->n_frames;
    }
    const sim_layer_rec *a = &r->layers[q->first_layer], *b = &r->layers[q->last_layer];
    bytes = (double)(npu_shape_size(a->in_shape) + npu_shape_size(b->out_shape) * 4u) * r->n_frames;
    return ops / x->c->host_ops_per_s + bytes / x->c->host_link_bytes_per_s +
           2.0 * x->c->host_link_latency_s * r->n_frames;
}

/* Per-sequence interval on the device timeline and its static power. */
typedef struct seq_iv {
    double t0, t1;    /* device cycles */
    uint32_t powered; /* distinct NPs */
    double dyn_pj;    /* dynamic energy */
} seq_iv;

static uint32_t powered_nps(const sim_device *d, uint32_t s) {
    uint32_t n = 0;
    for (uint32_t i = 0; i < d->n_nps; i++) {
        bool dup = false;
        for (uint32_t j = 0; j < i && !dup; j++) {
            dup = d->nps[j].seq == s && d->nps[j].ident.col == d->nps[i].ident.col &&
                  d->nps[j].ident.row == d->nps[i].ident.row &&
                  d->nps[j].ident.id == d->nps[i].ident.id;
        }
        n += d->nps[i].seq == s && !dup;
    }
    return n;
}

/* Power samples and per-sequence power statistics. */
static npu_status fill_power(tctx *x, const seq_iv *iv, uint32_t n_seq, double t_total) {
    sim_results *r = x->r;
    const mesh_clock *ck = &x->c->clock[x->d->mode];
    double hz = ck->freq_mhz * 1e6;
    size_t n = t_total > 0 ? (size_t)ceil(t_total / x->bin_cyc) : 0;
    r->power = calloc(n + 1, sizeof *r->power);
    if (r->power == NULL) {
        return oom(x->err);
    }
    r->n_power = n;
    for (size_t i = 0; i < n; i++) {
        double a = (double)i * x->bin_cyc, b = a + x->bin_cyc;
        b = b < t_total ? b : t_total;
        double len_s = (b - a) / hz;
        double e_mj = (i < x->n_bins ? x->bins[i] : 0.0) * 1e-9;
        double stat_mw = 0.0;
        for (uint32_t s = 0; s < n_seq; s++) {
            double lo = iv[s].t0 > a ? iv[s].t0 : a, hi = iv[s].t1 < b ? iv[s].t1 : b;
            if (hi > lo && b > a) {
                stat_mw += x->c->p_static_np_mw * iv[s].powered * (hi - lo) / (b - a);
            }
        }
        double p = (len_s > 0 ? e_mj / len_s : 0.0) + stat_mw + x->c->p_floor_mw;
        sim_power_sample *ps = &r->power[i];
        ps->t_us = a / ck->freq_mhz;
        ps->voltage_uv = ck->voltage_v * 1e6;
        ps->power_mw = p;
        ps->current_ma = p / ck->voltage_v;
    }
    for (uint32_t s = 0; s < n_seq; s++) {
        sim_seq_stats *q = &r->sequences[s];
        if (!q->hardware || iv[s].t1 <= iv[s].t0) {
            continue;
        }
        double dur_s = (iv[s].t1 - iv[s].t0) / hz;
        double e_mj =
            iv[s].dyn_pj * 1e-9 + (x->c->p_static_np_mw * iv[s].powered + x->c->p_floor_mw) * dur_s;
        q->power_avg_mw = e_mj / dur_s;
        q->energy_mj_per_frame = e_mj / q->frames;
        q->dynamic_energy_mj_per_frame = iv[s].dyn_pj * 1e-9 / q->frames;
        double mn = INFINITY, mx = 0.0, sum = 0.0, sq = 0.0;
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            double a = (double)i * x->bin_cyc;
            if (a + 1e-9 < iv[s].t0 || a >= iv[s].t1) {
                continue;
            }
            double p = r->power[i].power_mw;
            mn = p < mn ? p : mn;
            mx = p > mx ? p : mx;
            sum += p;
            sq += p * p;
            k++;
        }
        q->power_min_mw = k ? mn : q->power_avg_mw;
        q->power_max_mw = k ? mx : q->power_avg_mw;
        double mean = k ? sum / k : 0.0;
        q->power_std_mw = k ? sqrt(fmax(0.0, sq / k - mean * mean)) : 0.0;
    }
    return NPU_OK;
}

/* ------------------------------------------------------------------ entry point */

static npu_status run_sequences(tctx *x, seq_iv *iv, lspan *ls, double *t_total) {
    sim_device *d = x->d;
    const sim_record *rec = x->rec;
    sim_results *r = x->r;
    uint32_t F = rec->n_frames;
    double t = 0.0;
    npu_status st = NPU_OK;
    (void)add_track(r, "dma_event in"); /* first track: input DMA spans (schedule_dma) */
    for (uint32_t s = 0; st == NPU_OK && s < cmp_program_sequence_count(d->prog); s++) {
        const cmp_prog_sequence *q = cmp_program_sequence(d->prog, s);
        sim_seq_stats *ss = &r->sequences[s];
        snprintf(ss->name, sizeof ss->name, "%s", q->name);
        ss->hardware = q->backend != CMP_BACKEND_SOFTWARE;
        ss->frames = F;
        ss->passes = q->n_passes;
        uint32_t trk = add_track(r, q->name);
        if (!ss->hardware) {
            ss->host_s = host_seconds(x, q);
            iv[s].t0 = iv[s].t1 = t;
            continue;
        }
        for (uint32_t p = q->first_pass; p < q->first_pass + q->n_passes; p++) {
            ss->program_clk += d->passes[p].conf_cycles;
        }
        iv[s].t0 = t;
        iv[s].powered = powered_nps(d, s);
        double dyn0 = x->dyn_pj;
        if (q->n_passes == 1) {
            uint32_t p = q->first_pass;
            double end = 0;
            st = run_pass(x, p, F, 0, t, &end);
            const sim_pass_plan *pp = &d->passes[p];
            for (uint32_t u = pp->first_np; st == NPU_OK && u < pp->first_np + pp->n_nps; u++) {
                collect_np(x, u, F, 0);
                layer_span_update(x, ls, u, F);
            }
            for (uint32_t f = 0; st == NPU_OK && f < F; f++) {
                double fs = INFINITY, fe = t;
                for (uint32_t u = pp->first_np; u < pp->first_np + pp->n_nps; u++) {
                    if (x->pl[u].active) {
                        fs = x->pl[u].f_start[f] < fs ? x->pl[u].f_start[f] : fs;
                        fe = x->pl[u].f_end[f] > fe ? x->pl[u].f_end[f] : fe;
                    }
                }
                char nm[32];
                snprintf(nm, sizeof nm, "frame %u", f);
                add_span(x, trk, f == 0 ? t : (isfinite(fs) ? fs : t), f + 1 == F ? end : fe, nm,
                         f);
            }
            char nm[32];
            snprintf(nm, sizeof nm, "pass %u", 0u);
            add_span(x, add_track(r, "passes"), t, end, nm, 0);
            for (uint32_t u = pp->first_np; u < pp->first_np + pp->n_nps; u++) {
                plan_free(&x->pl[u]);
            }
            t = end;
        } else { /* frame by frame; each pass re-writes its tracks */
            for (uint32_t f = 0; st == NPU_OK && f < F; f++) {
                double f0 = t;
                for (uint32_t p = q->first_pass; st == NPU_OK && p < q->first_pass + q->n_passes;
                     p++) {
                    const sim_pass_plan *pp = &d->passes[p];
                    double c0 = t;
                    t += (double)pp->conf_cycles;
                    add_energy(x, c0, t, x->vscale * (double)pp->conf_bytes * x->c->e_dma_byte_pj);
                    char rn[48];
                    snprintf(rn, sizeof rn, "reconfigure pass %u", p - q->first_pass);
                    add_span(x, add_track(r, "dma_conf"), c0, t, rn, f);
                    double end = 0;
                    st = run_pass(x, p, 1, f, t, &end);
                    for (uint32_t u = pp->first_np; st == NPU_OK && u < pp->first_np + pp->n_nps;
                         u++) {
                        collect_np(x, u, 1, f);
                        layer_span_update(x, ls, u, 1);
                    }
                    for (uint32_t u = pp->first_np; u < pp->first_np + pp->n_nps; u++) {
                        plan_free(&x->pl[u]);
                    }
                    char nm[32];
                    snprintf(nm, sizeof nm, "pass %u", p - q->first_pass);
                    add_span(x, add_track(r, "passes"), c0, end, nm, f);
                    t = end;
                }
                char nm[32];
                snprintf(nm, sizeof nm, "frame %u", f);
                add_span(x, trk, f0, t, nm, f);
            }
        }
        t = ceil(t); /* a sequence occupies whole cycles: energy / frame = avg power / fps */
        iv[s].t1 = t;
        /* clock of the powered NPs: dynamic energy per powered NP and cycle of the sequence */
        add_energy(x, iv[s].t0, t,
                   x->vscale * x->c->e_np_cycle_pj * iv[s].powered * (t - iv[s].t0));
        iv[s].dyn_pj = x->dyn_pj - dyn0;
        ss->inference_clk = (uint64_t)ceil(t - iv[s].t0);
        add_span(x, trk, iv[s].t0, t, q->name, 0);
    }
    *t_total = t;
    return st;
}

static void fill_layers(tctx *x, const lspan *ls) {
    const sim_record *rec = x->rec;
    sim_results *r = x->r;
    for (uint32_t l = 0; l < rec->n_layers; l++) {
        sim_layer_stats *s = &r->layers[l];
        snprintf(s->name, sizeof s->name, "%s", rec->layers[l].name);
        snprintf(s->type, sizeof s->type, "%s", rec->layers[l].type);
        for (uint32_t q = 0; q < cmp_program_sequence_count(x->d->prog); q++) {
            const cmp_prog_sequence *sq = cmp_program_sequence(x->d->prog, q);
            if (l >= sq->first_layer && l <= sq->last_layer) {
                s->sequence = q;
            }
        }
        uint64_t out = 0, in = 0;
        for (uint32_t f = 0; f < rec->n_frames; f++) {
            out += rec->events[(size_t)f * rec->n_layers + l].n;
            in += stream(rec, rec->layers[l].producer, f)->n;
        }
        s->events_out = out;
        if (!s->hardware) {
            s->events_in = in;
        }
        s->outputs = (uint64_t)npu_shape_size(rec->layers[l].out_shape) * rec->n_frames;
        s->sparsity = s->outputs ? 1.0 - (double)out / (double)s->outputs : 0.0;
        s->cycles = ls[l].set ? (uint64_t)ceil(ls[l].e - ls[l].s) : 0;
    }
    for (uint32_t i = 0; i < x->d->n_nps; i++) {
        uint32_t l = x->d->nps[i].cfg->layer_index;
        if (l < rec->n_layers) {
            r->layers[l].n_nps++;
        }
    }
}

npu_status sim_timing_run(sim_device *d, const sim_record *rec, npu_err *err) {
    sim_results_clear(&d->results);
    d->have_results = false;
    tctx x = {0};
    x.d = d;
    x.rec = rec;
    x.c = &d->calib;
    x.err = err;
    x.r = &d->results;
    const mesh_clock *ck = &d->calib.clock[d->mode];
    double vp = d->calib.clock[MESH_CLOCK_PERFORMANCE].voltage_v;
    x.vscale = vp > 0 ? (ck->voltage_v / vp) * (ck->voltage_v / vp) : 1.0;
    x.bin_cyc = d->calib.power_sample_us * ck->freq_mhz;
    x.bin_cyc = x.bin_cyc >= 1.0 ? x.bin_cyc : 1.0;
    uint32_t n_seq = cmp_program_sequence_count(d->prog);
    sim_results *r = x.r;
    r->sequences = calloc(n_seq + 1, sizeof *r->sequences);
    r->layers = calloc(rec->n_layers + 1, sizeof *r->layers);
    r->nps = calloc(d->n_nps + 1, sizeof *r->nps);
    x.pl = calloc(d->n_nps + 1, sizeof *x.pl);
    x.sums = calloc(rec->n_layers + 1, sizeof *x.sums);
    x.sum_frame = calloc(rec->n_layers + 1, sizeof *x.sum_frame);
    seq_iv *iv = calloc(n_seq + 1, sizeof *iv);
    lspan *ls = calloc(rec->n_layers + 1, sizeof *ls);
    npu_status st = NPU_OK;
    if (!r->sequences || !r->layers || !r->nps || !x.pl || !x.sums || !x.sum_frame || !iv || !ls ||
        !sim_noc_init(&x.noc, d->mesh.cols, d->mesh.rows, d->calib.hop_cycles,
                      d->calib.link_bytes_per_cycle)) {
        st = oom(err);
    }
    r->n_sequences = n_seq;
    r->n_layers = rec->n_layers;
    r->n_nps = d->n_nps;
    snprintf(r->device, sizeof r->device, "%s", d->mesh.name);
    snprintf(r->clock_mode, sizeof r->clock_mode, "%s", mesh_clock_mode_name(d->mode));
    r->clock_mhz = ck->freq_mhz;
    r->floor_mw = d->calib.p_floor_mw;
    double t_total = 0.0;
    st = st ? st : run_sequences(&x, iv, ls, &t_total);
    if (st == NPU_OK) {
        fill_layers(&x, ls);
        st = fill_power(&x, iv, n_seq, t_total);
    }
    if (st == NPU_OK) {
        double hz = ck->freq_mhz * 1e6;
        uint64_t clk = 0;
        for (uint32_t s = 0; s < n_seq; s++) {
            sim_seq_stats *q = &r->sequences[s];
            clk += q->inference_clk;
            if (q->hardware && q->inference_clk > 0) {
                q->latency_ms = (double)q->inference_clk / q->frames / hz * 1e3;
                q->fps = q->frames / ((double)q->inference_clk / hz);
            }
        }
        for (uint32_t i = 0; i < d->n_nps; i++) {
            uint64_t sc = r->sequences[d->nps[i].seq].inference_clk;
            r->nps[i].utilisation = sc ? (double)r->nps[i].busy_cycles / (double)sc : 0.0;
        }
        d->metrics.inference_frames = rec->n_frames;
        d->metrics.inference_clk = clk;
        r->memory_usage = d->memory.usage;
        r->memory_top = d->memory.top;
        r->external_bytes = d->external_bytes;
        if (r->n_spans > 1) {
            qsort(r->spans, r->n_spans, sizeof *r->spans, span_cmp);
        }
        d->have_results = true;
    }
    for (uint32_t i = 0; x.pl != NULL && i < d->n_nps; i++) {
        plan_free(&x.pl[i]);
    }
    free(x.pl);
    for (uint32_t l = 0; x.sums != NULL && l < rec->n_layers; l++) {
        sim_rsum_free(&x.sums[l]);
    }
    free(x.sums);
    free(x.sum_frame);
    free(x.sl_np);
    free(x.sl_snd);
    free(iv);
    free(ls);
    free(x.bins);
    sim_sched_free(&x.q);
    sim_noc_free(&x.noc);
    if (st != NPU_OK) {
        sim_results_clear(&d->results);
    }
    return st;
}
