/*
 * sim_device: the programmable device model and the functional path of its host driver.
 *
 * program() copies the program (encode + strict decode against this mesh and IP version),
 * instantiates one NP model per (pass, ident) its tracks address, writes every track's payload
 * through the NP configuration port, attaches the external image and configures the NPs.
 * forward() runs each frame sequence by sequence: software sequences (and NP-less layers
 * such as InputData) on the host model, hardware layers on the NP models, layer by layer in
 * index order. A hardware layer whose NPs receive from NPs of the same pass (DEST_* entries
 * naming them) gets exactly those events: the sender's events in the entry's filter range
 * and in its column range widened to the receiver's need range (kernel halo). Any other
 * hardware layer is fed by the event DMA (HRC DMA for the HRC) with the producer layer's
 * output as the host holds it. Outputs routed to the DMA (DEST.DMA) become the host-visible
 * tensor of the layer. Every layer's output events are recorded (sim_record) for the timing
 * model, which then runs on the record alone (sim_timing.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_engine_int.h"

/* ------------------------------------------------------------------ helpers */

static npu_status oom(npu_err *err) {
    return npu_err_set(err, NPU_ERR_INTERNAL, "device: out of memory");
}

static bool ident_eq(mesh_ident a, mesh_ident b) {
    return a.col == b.col && a.row == b.row && a.id == b.id;
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

npu_status sim_tensor_events(const npu_tensor *t, npu_event_buf *out, npu_err *err) {
    const npu_shape s = t->shape;
    const size_t total = npu_shape_size(s);
    size_t nz = 0;
    for (size_t i = 0; i < total; i++) {
        nz += t->data[i] != 0;
    }
    if (out->cap - out->n < nz) { /* exact size (a reused scratch buffer) */
        npu_event *ev = realloc(out->ev, (out->n + nz) * sizeof *ev);
        if (ev == NULL) {
            return oom(err);
        }
        out->ev = ev;
        out->cap = out->n + nz;
    }
    npu_event *e = out->ev + out->n;
    size_t i = 0;
    for (uint32_t x = 0; x < s.x; x++) {
        for (uint32_t y = 0; y < s.y; y++) {
            for (uint32_t c = 0; c < s.c; c++, i++) {
                if (t->data[i] != 0) {
                    *e++ = (npu_event){(uint16_t)x, (uint16_t)y, c, t->data[i]};
                }
            }
        }
    }
    out->n += nz;
    return NPU_OK;
}

static int ev_cmp(const void *a, const void *b) {
    const npu_event *x = a, *y = b;
    if (x->x != y->x) {
        return x->x < y->x ? -1 : 1;
    }
    if (x->y != y->y) {
        return x->y < y->y ? -1 : 1;
    }
    return x->c < y->c ? -1 : (x->c > y->c);
}

void sim_events_sort(npu_event_buf *b) {
    if (b->n > 1) {
        qsort(b->ev, b->n, sizeof *b->ev, ev_cmp);
    }
}

/* ------------------------------------------------------------------ lifecycle */

npu_status sim_device_new(const mesh_desc *mesh, const mesh_calib *calib, sim_device **out,
                          npu_err *err) {
    *out = NULL;
    npu_status st = mesh_calib_validate(calib, err);
    if (st != NPU_OK) {
        return st;
    }
    sim_device *d = calloc(1, sizeof *d);
    if (d == NULL) {
        return oom(err);
    }
    d->mesh = *mesh;
    d->mesh.nps = calloc(mesh->n_nps + 1, sizeof *d->mesh.nps);
    if (d->mesh.nps == NULL) {
        free(d);
        return oom(err);
    }
    if (mesh->n_nps) {
        memcpy(d->mesh.nps, mesh->nps, mesh->n_nps * sizeof *mesh->nps);
    }
    d->calib = *calib;
    d->mode = MESH_CLOCK_PERFORMANCE;
    *out = d;
    return NPU_OK;
}

void sim_device_unprogram(sim_device *d) {
    for (uint32_t i = 0; i < d->n_nps; i++) {
        if (d->nps[i].np != NULL) {
            d->nps[i].ops->free(d->nps[i].np);
        }
    }
    free(d->nps);
    free(d->passes);
    cmp_program_free(d->prog);
    d->nps = NULL;
    d->passes = NULL;
    d->prog = NULL;
    d->n_nps = d->n_passes = 0;
    d->programmed = false;
    d->host = NULL;
    d->program_bytes = d->external_bytes = 0;
    d->memory.usage = 0;
}

void sim_device_free(sim_device *d) {
    if (d == NULL) {
        return;
    }
    sim_device_unprogram(d);
    sim_results_clear(&d->results);
    sim_record_free(d->record);
    free(d->mesh.nps);
    free(d);
}

bool sim_device_programmed(const sim_device *d) {
    return d->programmed;
}

void sim_device_set_clock_mode(sim_device *d, mesh_clock_mode mode) {
    d->mode = mode < MESH_CLOCK_MODE_COUNT ? mode : MESH_CLOCK_PERFORMANCE;
}

mesh_clock_mode sim_device_clock_mode(const sim_device *d) {
    return d->mode;
}

/* ------------------------------------------------------------------ programming */

/* Index of the NP instance of pass `pass` at ident, or -1. */
static int64_t find_np(const sim_device *d, uint32_t pass, mesh_ident id) {
    const sim_pass_plan *pp = &d->passes[pass];
    for (uint32_t i = pp->first_np; i < pp->first_np + pp->n_nps; i++) {
        if (ident_eq(d->nps[i].ident, id)) {
            return i;
        }
    }
    return -1;
}

/* Creates the NP instances of one pass and writes its tracks. */
static npu_status program_pass(sim_device *d, uint32_t pass, npu_err *err) {
    const cmp_prog_pass *pp = cmp_program_pass(d->prog, pass);
    sim_pass_plan *plan = &d->passes[pass];
    plan->seq = pp->sequence;
    plan->first_np = d->n_nps;
    size_t ext_n = 0;
    const uint8_t *ext = cmp_program_ext(d->prog, &ext_n);
    double conf = 0.0;
    for (uint32_t k = 0; k < pp->n_tracks; k++) {
        const cmp_prog_track *t = cmp_program_track(d->prog, pass, k);
        int64_t i = find_np(d, pass, t->ident);
        if (i < 0) {
            sim_np_inst *n = &d->nps[d->n_nps];
            memset(n, 0, sizeof *n);
            const sim_np_site site = {pass, t->ident, t->type, kind_of(t->type)};
            npu_status cst = sim_np_create(d, n, &site, err);
            if (cst != NPU_OK) {
                return cst;
            }
            n->ident = t->ident;
            n->type = t->type;
            n->seq = pp->sequence;
            n->pass = pass;
            i = d->n_nps++;
            plan->n_nps++;
        }
        sim_np_inst *n = &d->nps[i];
        const uint32_t *w = cmp_program_track_words(d->prog, t);
        npu_status st = t->kind == CMP_TRACK_REGISTERS
                            ? n->ops->write_regs(n->np, t->offset, w, t->n_words, err)
                            : n->ops->write_sram(n->np, t->region, t->offset, w, t->n_words, err);
        if (st != NPU_OK) {
            return npu_err_prefix(err, "program: pass %u, NP (%u,%u,%u)", pass, t->ident.col,
                                  t->ident.row, t->ident.id);
        }
        uint64_t bytes = ((uint64_t)t->n_words + 2u) * 4u;
        n->track_bytes += bytes;
        n->n_tracks++;
        plan->conf_bytes += bytes;
        conf += d->calib.conf_track_cycles + (double)bytes / d->calib.conf_dma_bytes_per_cycle +
                d->calib.hop_cycles * (1.0 + abs((int)t->ident.col - d->mesh.dma_conf.col) +
                                       abs((int)t->ident.row - d->mesh.dma_conf.row));
    }
    plan->conf_cycles = (uint64_t)(conf + 0.999999);
    for (uint32_t i = plan->first_np; i < d->n_nps; i++) {
        sim_np_inst *n = &d->nps[i];
        n->ops->attach_external(n->np, ext, ext_n);
        npu_status st = n->ops->configure(n->np, err);
        if (st != NPU_OK) {
            return npu_err_prefix(err, "program: pass %u, NP (%u,%u,%u)", pass, n->ident.col,
                                  n->ident.row, n->ident.id);
        }
        n->cfg = n->ops->get_config(n->np);
    }
    return NPU_OK;
}

static npu_status program_decoded(sim_device *d, const npu_model *host, npu_err *err) {
    const cmp_prog_info *info = cmp_program_info(d->prog);
    if (host != NULL && npu_model_layer_count(host) != info->n_layers) {
        return npu_err_set(err, NPU_ERR_INPUT,
                           "program: built from a model of %u layers, host model has %u",
                           info->n_layers, npu_model_layer_count(host));
    }
    for (uint32_t s = 0; s < cmp_program_sequence_count(d->prog); s++) {
        const cmp_prog_sequence *q = cmp_program_sequence(d->prog, s);
        if (q->backend == CMP_BACKEND_SOFTWARE && host == NULL) {
            return npu_err_set(err, NPU_ERR_INPUT,
                               "program: software sequence %s needs the model (host model)",
                               q->name);
        }
    }
    d->host = host;
    d->n_passes = cmp_program_pass_count(d->prog);
    uint32_t n_tracks = cmp_program_track_count(d->prog);
    d->passes = calloc(d->n_passes + 1, sizeof *d->passes);
    d->nps = calloc(n_tracks + 1, sizeof *d->nps);
    if (d->passes == NULL || d->nps == NULL) {
        return oom(err);
    }
    d->metrics = (sim_metrics){0, 0, 0};
    for (uint32_t p = 0; p < d->n_passes; p++) {
        npu_status st = program_pass(d, p, err);
        if (st != NPU_OK) {
            return st;
        }
        d->metrics.program_clk += d->passes[p].conf_cycles;
    }
    size_t ext_n = 0;
    (void)cmp_program_ext(d->prog, &ext_n);
    d->external_bytes = ext_n;
    d->program_bytes = cmp_program_encoded_size(d->prog);
    d->memory.usage = d->program_bytes;
    d->memory.top = d->memory.usage > d->memory.top ? d->memory.usage : d->memory.top;
    d->programmed = true;
    return NPU_OK;
}

npu_status sim_device_program_bytes(sim_device *d, const uint8_t *bytes, size_t n,
                                    const npu_model *host_model, npu_err *err) {
    sim_device_unprogram(d);
    cmp_program_expect ex = {(uint32_t)d->mesh.ip_version, d->mesh.name};
    npu_status st = cmp_program_decode(bytes, n, &ex, &d->prog, err);
    st = st ? st : program_decoded(d, host_model, err);
    if (st != NPU_OK) {
        sim_device_unprogram(d);
    }
    return st;
}

npu_status sim_device_program(sim_device *d, const cmp_program *p, const npu_model *host_model,
                              npu_err *err) {
    uint8_t *bytes = NULL;
    size_t n = 0;
    npu_status st = cmp_program_encode(p, &bytes, &n, err);
    st = st ? st : sim_device_program_bytes(d, bytes, n, host_model, err);
    free(bytes);
    return st;
}

/* ------------------------------------------------------------------ record */

npu_status sim_record_new(const sim_device *d, uint32_t n_frames, sim_record **out, npu_err *err) {
    const cmp_prog_info *info = cmp_program_info(d->prog);
    sim_record *r = calloc(1, sizeof *r);
    if (r == NULL) {
        return oom(err);
    }
    r->n_frames = n_frames;
    r->n_layers = info->n_layers;
    r->in_shape = info->in_shape;
    r->layers = calloc(r->n_layers + 1, sizeof *r->layers);
    r->input = calloc(n_frames + 1, sizeof *r->input);
    r->events = calloc((size_t)n_frames * r->n_layers + 1, sizeof *r->events);
    r->sums = calloc((size_t)n_frames * r->n_layers + 1, sizeof *r->sums);
    if (r->layers == NULL || r->input == NULL || r->events == NULL || r->sums == NULL) {
        sim_record_free(r);
        return oom(err);
    }
    for (uint32_t l = 0; l < r->n_layers; l++) {
        sim_layer_rec *lr = &r->layers[l];
        snprintf(lr->name, sizeof lr->name, "layer_%u", l);
        snprintf(lr->type, sizeof lr->type, "?");
        lr->producer = l == 0 ? SIM_NO_LAYER : l - 1;
        if (d->host != NULL) {
            const npu_layer *hl = npu_model_layer(d->host, l);
            snprintf(lr->name, sizeof lr->name, "%s", hl->name);
            snprintf(lr->type, sizeof lr->type, "%s", npu_layer_type_name(hl->type));
            lr->in_shape = hl->in_shape;
            lr->out_shape = hl->out_shape;
            lr->producer = hl->n_inbound ? hl->inbound[0] : SIM_NO_LAYER;
        }
    }
    for (uint32_t i = 0; i < d->n_nps; i++) {
        const npu_np_config *c = d->nps[i].cfg;
        if (c->layer_index < r->n_layers) {
            sim_layer_rec *lr = &r->layers[c->layer_index];
            lr->in_shape = c->in;
            lr->out_shape = c->out;
            if (d->host == NULL) {
                snprintf(lr->type, sizeof lr->type, "%s", npu_layer_type_name(c->layer));
            }
        }
    }
    if (r->n_layers > 0 && d->host == NULL && r->layers[0].out_shape.x == 0) {
        r->layers[0].out_shape = info->in_shape; /* InputData */
        r->layers[0].in_shape = info->in_shape;
        r->layers[0].producer = SIM_NO_LAYER;
        snprintf(r->layers[0].type, sizeof r->layers[0].type, "InputData");
    }
    *out = r;
    return NPU_OK;
}

/* ------------------------------------------------------------------ functional forward */

/* One precomputed route: the events of sender NP q that a DEST entry sends to an NP. */
typedef struct sim_route {
    uint32_t q;       /* sender NP instance */
    uint32_t f0, f1;  /* channel range [f0, f1) of the entry */
    uint32_t c0, c1;  /* column range [c0, c1), widened to the receiver's need range */
    bool all_filters; /* the entry covers every filter the sender emits */
} sim_route;

/* Per-forward working state. */
typedef struct sim_frame {
    npu_tensor *store;               /* per layer: host-visible output (data NULL when none) */
    npu_event_buf *np_out;           /* per NP instance: output events of this frame */
    npu_event_buf tmp;               /* scratch: DMA input events */
    npu_event_buf rec_tmp;           /* scratch: a stream's events before compaction */
    const npu_np_config **layer_cfg; /* per layer: first NP configuration, or NULL */
    uint32_t *last_use;              /* per NP: last layer reading its output (its own if none) */
    uint32_t *route_first;           /* per NP instance: first route (n_nps + 1 entries) */
    sim_route *routes;               /* routes grouped by receiver */
    int64_t *layer_pass;             /* [seq * n_layers + layer]: pass of a hardware layer, or -1 */
    uint32_t *merge_src;             /* merge scratch: NP instances with output events */
    size_t *heads;                   /* merge scratch: per merged NP, next event index */
} sim_frame;

static bool dest_names(const npu_np_config *qc, uint32_t k, mesh_ident id) {
    return !qc->dest[k].dma && qc->dest[k].col == id.col && qc->dest[k].row == id.row &&
           qc->dest[k].id == id.id;
}

/* The route of DEST entry k of sender q to receiver t. */
static sim_route make_route(const sim_device *d, uint32_t q, uint32_t k, uint32_t t) {
    const npu_np_config *qc = d->nps[q].cfg, *tc = d->nps[t].cfg;
    sim_route r;
    r.q = q;
    r.f0 = qc->dest[k].filter_first;
    r.f1 = r.f0 + qc->dest[k].filter_count;
    r.c0 = qc->dest[k].col_first;
    r.c1 = r.c0 + qc->dest[k].col_count;
    uint32_t n0 = tc->need_col_first, n1 = n0 + tc->need_col_count;
    r.c0 = n1 > n0 && n0 < r.c0 ? n0 : r.c0; /* widen by the receiver's kernel halo */
    r.c1 = n1 > r.c1 ? n1 : r.c1;
    r.all_filters = r.f0 <= qc->filter_first && r.f1 >= qc->filter_first + qc->filter_count;
    return r;
}

/* Routing tables of the programmed device: for every receiver, the (sender, DEST entry)
 * pairs of its pass naming it, in sender then entry order (the order events arrive). */
static npu_status build_routes(const sim_device *d, sim_frame *f, npu_err *err) {
    size_t n = 0;
    for (uint32_t pass = 0; pass < d->n_passes; pass++) {
        const sim_pass_plan *pp = &d->passes[pass];
        for (uint32_t q = pp->first_np; q < pp->first_np + pp->n_nps; q++) {
            n += d->nps[q].cfg->n_dest;
        }
    }
    f->route_first = calloc((size_t)d->n_nps + 1, sizeof *f->route_first);
    f->routes = calloc(n + 1, sizeof *f->routes);
    if (f->route_first == NULL || f->routes == NULL) {
        return oom(err);
    }
    size_t k = 0;
    for (uint32_t t = 0; t < d->n_nps; t++) {
        const sim_pass_plan *pp = &d->passes[d->nps[t].pass];
        f->route_first[t] = (uint32_t)k;
        for (uint32_t q = pp->first_np; q < pp->first_np + pp->n_nps; q++) {
            const npu_np_config *qc = d->nps[q].cfg;
            for (uint32_t e = 0; e < qc->n_dest && k < n; e++) {
                if (dest_names(qc, e, d->nps[t].ident)) {
                    f->routes[k++] = make_route(d, q, e, t);
                }
            }
        }
    }
    f->route_first[d->n_nps] = (uint32_t)k;
    f->last_use = calloc((size_t)d->n_nps + 1, sizeof *f->last_use);
    if (f->last_use == NULL) {
        return oom(err);
    }
    for (uint32_t t = 0; t < d->n_nps; t++) {
        f->last_use[t] = f->last_use[t] > d->nps[t].cfg->layer_index ? f->last_use[t]
                                                                     : d->nps[t].cfg->layer_index;
        for (uint32_t j = f->route_first[t]; j < f->route_first[t + 1]; j++) {
            uint32_t q = f->routes[j].q, l = d->nps[t].cfg->layer_index;
            f->last_use[q] = l > f->last_use[q] ? l : f->last_use[q];
        }
    }
    return NPU_OK;
}

/* Pass of every (sequence, hardware layer), -1 when no NP of the sequence computes it. */
static npu_status build_layer_pass(const sim_device *d, uint32_t n_layers, sim_frame *f,
                                   npu_err *err) {
    uint32_t n_seq = cmp_program_sequence_count(d->prog);
    size_t n = (size_t)n_seq * n_layers;
    f->layer_pass = malloc((n + 1) * sizeof *f->layer_pass);
    if (f->layer_pass == NULL) {
        return oom(err);
    }
    for (size_t i = 0; i < n; i++) {
        f->layer_pass[i] = -1;
    }
    for (uint32_t i = 0; i < d->n_nps; i++) { /* first NP in index order wins */
        uint32_t l = d->nps[i].cfg->layer_index;
        size_t at = (size_t)d->nps[i].seq * n_layers + l;
        if (l < n_layers && d->nps[i].seq < n_seq && f->layer_pass[at] < 0) {
            f->layer_pass[at] = d->nps[i].pass;
        }
    }
    return NPU_OK;
}

/* First event of b (scan order) at column >= x. */
static size_t lower_col(const npu_event_buf *b, uint32_t x) {
    size_t lo = 0, hi = b->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (b->ev[mid].x < x) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

/* Input of layer l as the host holds it (the model input for SIM_NO_LAYER). */
static const npu_tensor *host_input(const sim_record *r, const sim_frame *f, const npu_tensor *in,
                                    uint32_t l) {
    uint32_t p = r->layers[l].producer;
    return p == SIM_NO_LAYER ? in : &f->store[p];
}

static npu_status run_host_layer(sim_device *d, sim_record *r, sim_frame *f, const npu_tensor *in,
                                 uint32_t l, npu_err *err) {
    if (d->host == NULL) {
        if (l == 0 || r->layers[l].producer == SIM_NO_LAYER) { /* InputData */
            size_t n = npu_shape_size(in->shape);
            f->store[l].shape = in->shape;
            f->store[l].data = malloc((n ? n : 1) * sizeof(int32_t));
            if (f->store[l].data == NULL) {
                return oom(err);
            }
            memcpy(f->store[l].data, in->data, n * sizeof(int32_t));
            return NPU_OK;
        }
        return npu_err_set(err, NPU_ERR_INPUT,
                           "device: layer %u has no NP and runs on the host: the model is "
                           "needed",
                           l);
    }
    const npu_layer *hl = npu_model_layer(d->host, l);
    const npu_tensor *ins[NPU_MAX_INBOUND];
    uint32_t n_in = hl->n_inbound ? hl->n_inbound : 1;
    for (uint32_t k = 0; k < n_in; k++) {
        ins[k] = hl->n_inbound ? &f->store[hl->inbound[k]] : in;
        if (ins[k]->data == NULL) {
            return npu_err_set(err, NPU_ERR_INTERNAL,
                               "device: input of layer '%s' is not available on the host",
                               hl->name);
        }
    }
    return npu_model_forward_layer(d->host, l, ins, n_in, &f->store[l], err);
}

/* Pushes the events of b (scan order) in NP n's need range. */
static void push_need(sim_np_inst *n, const npu_event_buf *b) {
    const npu_np_config *c = n->cfg;
    size_t i0 = lower_col(b, c->need_col_first);
    size_t i1 = lower_col(b, c->need_col_first + c->need_col_count);
    if (i1 > i0) {
        n->ops->push(n->np, b->ev + i0, i1 - i0);
    }
}

/* Delivers what the senders of NP t's pass route to it (its precomputed routes); returns
 * whether any sender names it. Sender outputs are in scan order, so a route's column range
 * is one contiguous run; a route covering all the sender's filters pushes it at once. */
static bool deliver_routed(sim_device *d, sim_frame *f, uint32_t t) {
    sim_np_inst *dst = &d->nps[t];
    for (uint32_t k = f->route_first[t]; k < f->route_first[t + 1]; k++) {
        const sim_route *r = &f->routes[k];
        const npu_event_buf *b = &f->np_out[r->q];
        size_t i0 = lower_col(b, r->c0), i1 = lower_col(b, r->c1);
        if (r->all_filters) {
            if (i1 > i0) {
                dst->ops->push(dst->np, b->ev + i0, i1 - i0);
            }
            continue;
        }
        for (size_t i = i0; i < i1; i++) {
            const npu_event *e = &b->ev[i];
            if (e->c >= r->f0 && e->c < r->f1) {
                dst->ops->push(dst->np, e, 1);
            }
        }
    }
    return f->route_first[t + 1] > f->route_first[t];
}

/* Collects NP q's events routed to the event DMA into the layer's host tensor. */
static npu_status collect_dma(sim_frame *f, const sim_np_inst *n, uint32_t q, npu_tensor *t,
                              bool *any, npu_err *err) {
    const npu_np_config *c = n->cfg;
    for (uint32_t k = 0; k < c->n_dest; k++) {
        if (!c->dest[k].dma) {
            continue;
        }
        if (t->data == NULL) {
            size_t sz = npu_shape_size(c->out);
            t->shape = c->out;
            t->data = calloc(sz ? sz : 1, sizeof(int32_t));
            if (t->data == NULL) {
                return oom(err);
            }
        }
        *any = true;
        uint32_t f0 = c->dest[k].filter_first, f1 = f0 + c->dest[k].filter_count;
        uint32_t c0 = c->dest[k].col_first, c1 = c0 + c->dest[k].col_count;
        const npu_event_buf *b = &f->np_out[q];
        for (size_t i = 0; i < b->n; i++) {
            const npu_event *e = &b->ev[i];
            if (e->c >= f0 && e->c < f1 && e->x >= c0 && e->x < c1 && e->x < c->out.x &&
                e->y < c->out.y && e->c < c->out.c) {
                t->data[((size_t)e->x * c->out.y + e->y) * c->out.c + e->c] = e->value;
            }
        }
    }
    return NPU_OK;
}

/* Runs hardware layer l of pass `pass` for one frame. */
static npu_status run_hw_layer(sim_device *d, sim_record *r, sim_frame *f, const npu_tensor *in,
                               uint32_t pass, uint32_t l, npu_err *err) {
    const sim_pass_plan *pp = &d->passes[pass];
    uint32_t lo = pp->first_np, hi = pp->first_np + pp->n_nps;
    bool routed = false;
    for (uint32_t t = lo; t < hi; t++) {
        if (d->nps[t].cfg->layer_index == l) {
            d->nps[t].ops->begin_frame(d->nps[t].np);
            routed = deliver_routed(d, f, t) || routed;
        }
    }
    if (!routed) { /* event DMA (or HRC DMA): the producer's output as the host holds it */
        const npu_tensor *src = host_input(r, f, in, l);
        if (src->data == NULL) {
            return npu_err_set(err, NPU_ERR_INTERNAL,
                               "device: input of layer %u did not leave the mesh", l);
        }
        f->tmp.n = 0;
        npu_status st = sim_tensor_events(src, &f->tmp, err);
        if (st != NPU_OK) {
            return st;
        }
        for (uint32_t t = lo; t < hi; t++) {
            if (d->nps[t].cfg->layer_index == l) {
                push_need(&d->nps[t], &f->tmp);
            }
        }
    }
    bool any_dma = false;
    for (uint32_t t = lo; t < hi; t++) {
        if (d->nps[t].cfg->layer_index != l) {
            continue;
        }
        f->np_out[t].n = 0;
        npu_status st = d->nps[t].ops->end_frame(d->nps[t].np, &f->np_out[t], err);
        st = st ? st : collect_dma(f, &d->nps[t], t, &f->store[l], &any_dma, err);
        if (st != NPU_OK) {
            return st;
        }
    }
    return NPU_OK;
}

/* Scan-order key of an event. */
static uint64_t ev_key(const npu_event *e) {
    return ((uint64_t)e->x << 48) | ((uint64_t)e->y << 32) | e->c;
}

/* Appends every NP output of layer l (pass) to out, in scan order. Each NP's output is already in
 * scan order: outputs that follow each other are copied, interleaved ones (NPs splitting the
 * filters) merged. */
static npu_status record_hw_layer(const sim_device *d, sim_frame *f, uint32_t pass, uint32_t l,
                                  npu_event_buf *out, npu_err *err) {
    const sim_pass_plan *pp = &d->passes[pass];
    size_t total = 0, n_src = 0;
    uint32_t *src = f->merge_src;
    bool ordered = true;
    uint64_t last = 0;
    for (uint32_t t = pp->first_np; t < pp->first_np + pp->n_nps; t++) {
        const npu_event_buf *b = &f->np_out[t];
        if (d->nps[t].cfg->layer_index != l || b->n == 0) {
            continue;
        }
        ordered = ordered && (n_src == 0 || ev_key(&b->ev[0]) > last);
        last = ev_key(&b->ev[b->n - 1]);
        src[n_src++] = t;
        total += b->n;
    }
    if (out->cap < out->n + total) {
        npu_event *ev = realloc(out->ev, (out->n + total) * sizeof *ev);
        if (ev == NULL) {
            return oom(err);
        }
        out->ev = ev;
        out->cap = out->n + total;
    }
    npu_event *w = out->ev + out->n;
    out->n += total;
    if (ordered) {
        for (size_t s = 0; s < n_src; s++) {
            const npu_event_buf *b = &f->np_out[src[s]];
            memcpy(w, b->ev, b->n * sizeof *w);
            w += b->n;
        }
        return NPU_OK;
    }
    size_t *head = f->heads;
    memset(head, 0, n_src * sizeof *head);
    for (size_t k = 0; k < total; k++) { /* k-way merge, linear minimum over the heads */
        size_t best = 0;
        uint64_t bk = 0;
        bool found = false;
        for (size_t s = 0; s < n_src; s++) {
            const npu_event_buf *b = &f->np_out[src[s]];
            if (head[s] < b->n) {
                uint64_t key = ev_key(&b->ev[head[s]]);
                if (!found || key < bk) {
                    bk = key;
                    best = s;
                    found = true;
                }
            }
        }
        *w++ = f->np_out[src[best]].ev[head[best]++];
    }
    return NPU_OK;
}

/* Input summaries of frame fi's hardware layers (geometry of their first NP). */
static npu_status record_sums(const sim_record *r, const sim_frame *f, uint32_t fi, npu_err *err) {
    npu_status st = NPU_OK;
    for (uint32_t l = 0; st == NPU_OK && l < r->n_layers; l++) {
        const npu_np_config *c = f->layer_cfg[l];
        if (c == NULL) {
            continue;
        }
        sim_rgeom g;
        sim_rgeom_of(c, r->layers[l].producer, &g);
        st = sim_rsum_build(sim_record_stream(r, g.src, fi), &g,
                            &r->sums[(size_t)fi * r->n_layers + l], err);
    }
    return st;
}

static npu_status run_frame(sim_device *d, sim_record *r, sim_frame *f, uint32_t fi,
                            const npu_tensor *in, npu_err *err) {
    f->rec_tmp.n = 0;
    npu_status st = sim_tensor_events(in, &f->rec_tmp, err);
    st = st ? st : sim_rstream_encode(&f->rec_tmp, r->in_shape, &r->input[fi], err);
    for (uint32_t s = 0; st == NPU_OK && s < cmp_program_sequence_count(d->prog); s++) {
        const cmp_prog_sequence *q = cmp_program_sequence(d->prog, s);
        for (uint32_t l = q->first_layer; st == NPU_OK && l <= q->last_layer; l++) {
            npu_event_buf *rec = &f->rec_tmp;
            int64_t pass = q->backend == CMP_BACKEND_SOFTWARE
                               ? -1
                               : f->layer_pass[(size_t)s * r->n_layers + l];
            rec->n = 0;
            if (pass < 0) {
                st = run_host_layer(d, r, f, in, l, err);
                st = st ? st : sim_tensor_events(&f->store[l], rec, err);
            } else {
                st = run_hw_layer(d, r, f, in, (uint32_t)pass, l, err);
                st = st ? st : record_hw_layer(d, f, (uint32_t)pass, l, rec, err);
            }
            st = st ? st
                    : sim_rstream_encode(rec, r->layers[l].out_shape,
                                         &r->events[(size_t)fi * r->n_layers + l], err);
            for (uint32_t t = 0; t < d->n_nps; t++) { /* outputs read for the last time */
                if (f->last_use[t] == l && f->np_out[t].cap > 0) {
                    npu_event_buf_free(&f->np_out[t]);
                }
            }
            r->total_events += rec->n;
            if (st == NPU_OK && r->total_events > d->calib.max_events) {
                st = npu_err_set(err, NPU_ERR_INPUT,
                                 "run: more than max_events = %llu events (layer %u, frame %u); "
                                 "raise the budget in the calibration",
                                 (unsigned long long)d->calib.max_events, l, fi);
            }
        }
    }
    return st ? st : record_sums(r, f, fi, err);
}

static npu_status check_input(const sim_device *d, const npu_tensor *in, size_t i, npu_err *err) {
    const cmp_prog_info *info = cmp_program_info(d->prog);
    if (in->data == NULL || in->shape.x != info->in_shape.x || in->shape.y != info->in_shape.y ||
        in->shape.c != info->in_shape.c) {
        return npu_err_set(err, NPU_ERR_INPUT,
                           "input %zu: shape (%u, %u, %u), the program expects (%u, %u, %u)", i,
                           in->shape.x, in->shape.y, in->shape.c, info->in_shape.x,
                           info->in_shape.y, info->in_shape.c);
    }
    int64_t lo = info->in_signed ? -(1LL << (info->in_bits - 1)) : 0;
    int64_t hi = info->in_signed ? (1LL << (info->in_bits - 1)) - 1 : (1LL << info->in_bits) - 1;
    size_t n = npu_shape_size(in->shape);
    for (size_t k = 0; k < n; k++) {
        if (in->data[k] < lo || in->data[k] > hi) {
            return npu_err_set(err, NPU_ERR_INPUT,
                               "input %zu: value %d at flat index %zu is outside the %u-bit "
                               "%s input range",
                               i, in->data[k], k, info->in_bits,
                               info->in_signed ? "signed" : "unsigned");
        }
    }
    return NPU_OK;
}

static void frame_clear(sim_frame *f, uint32_t n_layers, uint32_t n_nps) {
    for (uint32_t l = 0; l < n_layers; l++) {
        npu_tensor_free(&f->store[l]);
    }
    for (uint32_t i = 0; i < n_nps; i++) {
        f->np_out[i].n = 0;
    }
}

npu_status sim_device_forward(sim_device *d, const npu_tensor *inputs, size_t n,
                              npu_tensor *outputs, npu_err *err) {
    if (!d->programmed) {
        return npu_err_set(err, NPU_ERR_INPUT, "device: not programmed");
    }
    if (n == 0 || n > UINT32_MAX) {
        return npu_err_set(err, NPU_ERR_INPUT, "device: %zu frames", n);
    }
    for (size_t i = 0; i < n; i++) {
        outputs[i].data = NULL;
        npu_status st = check_input(d, &inputs[i], i, err);
        if (st != NPU_OK) {
            return st;
        }
    }
    sim_record_free(d->record); /* the previous record goes now: one record in memory */
    d->record = NULL;
    sim_record *r = NULL;
    npu_status st = sim_record_new(d, (uint32_t)n, &r, err);
    if (st != NPU_OK) {
        return st;
    }
    for (uint32_t i = 0; i < d->n_nps; i++) {
        d->nps[i].ops->reset_counters(d->nps[i].np);
    }
    sim_frame f = {0};
    f.store = calloc(r->n_layers + 1, sizeof *f.store);
    f.np_out = calloc(d->n_nps + 1, sizeof *f.np_out);
    f.merge_src = calloc(d->n_nps + 1, sizeof *f.merge_src);
    f.heads = calloc(d->n_nps + 1, sizeof *f.heads);
    f.layer_cfg = calloc(r->n_layers + 1, sizeof *f.layer_cfg);
    if (f.store == NULL || f.np_out == NULL || f.merge_src == NULL || f.heads == NULL ||
        f.layer_cfg == NULL) {
        st = oom(err);
    }
    for (uint32_t i = 0; st == NPU_OK && i < d->n_nps; i++) {
        uint32_t l = d->nps[i].cfg->layer_index;
        if (l < r->n_layers && f.layer_cfg[l] == NULL) {
            f.layer_cfg[l] = d->nps[i].cfg;
        }
    }
    st = st ? st : build_routes(d, &f, err);
    st = st ? st : build_layer_pass(d, r->n_layers, &f, err);
    uint32_t last = r->n_layers ? r->n_layers - 1 : 0;
    for (size_t i = 0; st == NPU_OK && i < n; i++) {
        st = run_frame(d, r, &f, (uint32_t)i, &inputs[i], err);
        if (st == NPU_OK && f.store[last].data == NULL) {
            st = npu_err_set(err, NPU_ERR_INTERNAL, "device: the model output never left the mesh");
        }
        if (st == NPU_OK) {
            outputs[i] = f.store[last];
            f.store[last].data = NULL;
        }
        frame_clear(&f, r->n_layers, d->n_nps);
    }
    if (f.store != NULL) {
        frame_clear(&f, r->n_layers, d->n_nps);
    }
    for (uint32_t i = 0; f.np_out != NULL && i < d->n_nps; i++) {
        npu_event_buf_free(&f.np_out[i]);
    }
    npu_event_buf_free(&f.tmp);
    npu_event_buf_free(&f.rec_tmp);
    free(f.layer_cfg);
    free(f.last_use);
    free(f.store);
    free(f.np_out);
    free(f.merge_src);
    free(f.heads);
    free(f.route_first);
    free(f.routes);
    free(f.layer_pass);
    /* memory: program + the batch's input and output buffers during the run */
    const cmp_prog_info *info = cmp_program_info(d->prog);
    uint64_t io = npu_shape_size(info->in_shape) + npu_shape_size(info->out_shape) * 4u;
    uint64_t top = d->program_bytes + io * n;
    d->memory.top = top > d->memory.top ? top : d->memory.top;
    d->memory.usage = d->program_bytes;
    st = st ? st : sim_timing_run(d, r, err);
    if (st != NPU_OK) {
        for (size_t i = 0; i < n; i++) {
            npu_tensor_free(&outputs[i]);
        }
        sim_record_free(r);
        return st;
    }
    sim_record_free(d->record);
    d->record = r;
    return NPU_OK;
}

npu_status sim_device_replay(sim_device *d, const sim_record *rec, npu_err *err) {
    if (!d->programmed) {
        return npu_err_set(err, NPU_ERR_INPUT, "device: not programmed");
    }
    const cmp_prog_info *info = cmp_program_info(d->prog);
    if (rec->n_layers != info->n_layers || rec->in_shape.x != info->in_shape.x ||
        rec->in_shape.y != info->in_shape.y || rec->in_shape.c != info->in_shape.c) {
        return npu_err_set(err, NPU_ERR_INPUT,
                           "replay: the record (%u layers) does not fit the program (%u layers)",
                           rec->n_layers, info->n_layers);
    }
    for (uint32_t i = 0; i < d->n_nps; i++) {
        const npu_np_config *c = d->nps[i].cfg;
        const sim_layer_rec *lr = &rec->layers[c->layer_index < rec->n_layers ? c->layer_index : 0];
        if (c->layer_index >= rec->n_layers || lr->out_shape.x != c->out.x ||
            lr->out_shape.y != c->out.y || lr->out_shape.c != c->out.c) {
            return npu_err_set(err, NPU_ERR_INPUT,
                               "replay: layer %u of the record does not have the program's "
                               "output shape",
                               c->layer_index);
        }
    }
    return sim_timing_run(d, rec, err);
}

sim_metrics sim_device_metrics(const sim_device *d) {
    return d->metrics;
}

sim_memory sim_device_memory(const sim_device *d) {
    return d->memory;
}

void sim_device_reset_top_memory(sim_device *d) {
    d->memory.top = d->memory.usage;
}

const sim_results *sim_device_results(const sim_device *d) {
    return d->have_results ? &d->results : NULL;
}

npu_status sim_device_take_results(sim_device *d, sim_results *out, npu_err *err) {
    if (!d->have_results) {
        return npu_err_set(err, NPU_ERR_INPUT, "device: no results (nothing ran)");
    }
    *out = d->results;
    memset(&d->results, 0, sizeof d->results);
    d->have_results = false;
    return NPU_OK;
}

const sim_record *sim_device_record(const sim_device *d) {
    return d->record;
}

sim_record *sim_device_take_record(sim_device *d) {
    sim_record *r = d->record;
    d->record = NULL;
    return r;
}

bool sim_device_np_counters(const sim_device *d, uint32_t pass, mesh_ident ident,
                            npu_np_counters *out) {
    if (!d->programmed || pass >= d->n_passes) {
        return false;
    }
    int64_t i = find_np(d, pass, ident);
    if (i < 0) {
        return false;
    }
    *out = *d->nps[i].ops->get_counters(d->nps[i].np);
    return true;
}
