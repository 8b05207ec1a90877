/*
 * cmp_mapper: sequences, passes, the map-mode search and NP slot assignment (steps 2-4 of
 * docs/mapping.md). Layer needs come from cmp_mapper_need.c.
 *
 * Slot assignment of a set of layers (one pass): FNP layers first, each on the free slot
 * able to act as the wanted type (FNP3, else FNP2) with the fewest other capabilities, then
 * every CNP of every CNP layer on the next free CNP-capable slot in (col, row, id) order; the
 * HRC layer on the mesh's HRC. Passes are filled greedily in layer order. The map mode picks
 * the maximum filters per NP (fpn) of a sequence by binary search: minimal = unlimited;
 * allnps = the smallest fpn keeping the fewest passes; hwpr (partial reconfiguration) = the
 * smallest fpn with every layer on at most half of the CNP slots. A sequence whose mapping
 * gives some NP a routing table (DEST_* entries, cmp_np_dests) larger than the register map
 * holds is rebuilt with a larger fpn (fewer NPs per layer), and refused naming the layer when
 * even the fewest NPs do not fit, so program building never meets that limit.
 */
#define _POSIX_C_SOURCE 200809L /* strcasecmp */
#include "cmp/cmp_mapper.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmp_program_int.h" /* cmp_np_dests: the routing table the program will hold */

#define CMP_CNP_MASK ((1u << MESH_NP_CNP1) | (1u << MESH_NP_CNP2))

typedef struct cmp_ctx {
    const npu_model *m;    /* model being mapped */
    const mesh_desc *mesh; /* target mesh */
    cmp_layer_need *needs; /* one per layer */
    bool *hw;              /* per layer: belongs to a hardware sequence */
    uint32_t n_layers;     /* layers in the model */
    bool *used;            /* scratch: per mesh slot, taken in the pass being built */
    uint32_t *pass_of;     /* scratch: pass index per layer */
    uint32_t cnp_slots;    /* slots able to act as a CNP */
} cmp_ctx;

/* One NP placement decided by the assignment. */
typedef struct cmp_slot_pick {
    uint32_t slot;     /* index in mesh->nps */
    mesh_np_type type; /* type the slot acts as */
} cmp_slot_pick;

static const char *cmp_layer_name(const cmp_ctx *c, uint32_t i) {
    return npu_model_layer(c->m, i)->name;
}

static uint32_t cmp_popcount(uint32_t v) {
    uint32_t n = 0;
    for (; v; v &= v - 1)
        n++;
    return n;
}

/* Free slot able to act as `type` with the fewest capabilities, or -1. */
static int cmp_pick_fnp(const cmp_ctx *c, mesh_np_type type) {
    int best = -1;
    uint32_t best_n = 99;
    for (uint32_t s = 0; s < c->mesh->n_nps; s++) {
        uint32_t t = c->mesh->nps[s].types;
        if (!c->used[s] && (t & (1u << type)) && cmp_popcount(t) < best_n) {
            best = (int)s;
            best_n = cmp_popcount(t);
        }
    }
    return best;
}

/* Places the FNP of layer i; fills *pick. false when no slot is free. */
static bool cmp_place_fnp(cmp_ctx *c, uint32_t i, cmp_slot_pick *pick) {
    const cmp_layer_need *n = &c->needs[i];
    mesh_np_type type = n->fnp_external ? MESH_NP_FNP2 : MESH_NP_FNP3;
    int s = cmp_pick_fnp(c, type);
    if (s < 0 && type == MESH_NP_FNP3) { /* FNP2 fallback: weights go external */
        type = MESH_NP_FNP2;
        if (!c->mesh->external_memory || n->external_bytes <= c->mesh->external_memory)
            s = cmp_pick_fnp(c, type);
    }
    if (s < 0)
        return false;
    c->used[s] = true;
    pick->slot = (uint32_t)s;
    pick->type = type;
    return true;
}

/* Tries to place layers a..b (one pass) with at most fpn filters per NP. When maps is not
 * NULL, maps[i - first].nps receive the slots (arrays sized by cmp_need_nps). */
static bool cmp_assign(cmp_ctx *c, uint32_t a, uint32_t b, uint32_t fpn, cmp_layer_map *maps,
                       uint32_t first) {
    memset(c->used, 0, c->mesh->n_nps * sizeof *c->used);
    uint32_t hrc = 0;
    for (uint32_t i = a; i <= b; i++) {
        const cmp_layer_need *n = &c->needs[i];
        if (n->kind == CMP_NEED_HRC) {
            if (++hrc > 1 || !c->mesh->has_hrc)
                return false;
            if (maps) {
                maps[i - first].nps[0].ident = c->mesh->hrc;
                maps[i - first].nps[0].type = MESH_NP_HRC;
            }
        } else if (n->kind == CMP_NEED_FNP) {
            cmp_slot_pick p;
            if (!cmp_place_fnp(c, i, &p))
                return false;
            if (maps) {
                maps[i - first].nps[0].ident = c->mesh->nps[p.slot].ident;
                maps[i - first].nps[0].type = p.type;
            }
        }
    }
    uint32_t s = 0;
    for (uint32_t i = a; i <= b; i++) {
        const cmp_layer_need *n = &c->needs[i];
        if (n->kind != CMP_NEED_CNP)
            continue;
        uint32_t k = cmp_need_nps(n, fpn);
        for (uint32_t j = 0; j < k; j++) {
            while (s < c->mesh->n_nps && (c->used[s] || !(c->mesh->nps[s].types & CMP_CNP_MASK)))
                s++;
            if (s == c->mesh->n_nps)
                return false;
            c->used[s] = true;
            if (maps) {
                uint32_t t = c->mesh->nps[s].types;
                maps[i - first].nps[j].ident = c->mesh->nps[s].ident;
                maps[i - first].nps[j].type =
                    (t & (1u << MESH_NP_CNP1)) ? MESH_NP_CNP1 : MESH_NP_CNP2;
            }
        }
    }
    return true;
}

/* Packs layers a..b into passes (greedy, layer order) into c->pass_of; returns the number
 * of passes, 0 when some layer does not fit alone. */
static uint32_t cmp_pack(cmp_ctx *c, uint32_t a, uint32_t b, uint32_t fpn) {
    uint32_t passes = 1, start = a;
    for (uint32_t i = a; i <= b; i++) {
        if (!cmp_assign(c, start, i, fpn, NULL, 0)) {
            if (start == i || !cmp_assign(c, i, i, fpn, NULL, 0))
                return 0;
            passes++;
            start = i;
        }
        c->pass_of[i] = passes - 1;
    }
    return passes;
}

/* Largest number of NPs any layer of a..b takes at fpn. */
static uint32_t cmp_max_layer_nps(const cmp_ctx *c, uint32_t a, uint32_t b, uint32_t fpn) {
    uint32_t mx = 0;
    for (uint32_t i = a; i <= b; i++) {
        uint32_t k = cmp_need_nps(&c->needs[i], fpn);
        mx = k > mx ? k : mx;
    }
    return mx;
}

/* The mode's acceptance test of an fpn value for the sequence a..b (p0: passes at minimal). */
static bool cmp_fpn_ok(cmp_ctx *c, uint32_t a, uint32_t b, uint32_t fpn, cmp_map_mode mode,
                       uint32_t p0) {
    if (mode == CMP_MAP_HWPR && c->mesh->partial_reconfig)
        return cmp_max_layer_nps(c, a, b, fpn) <= c->cnp_slots / 2 && cmp_pack(c, a, b, fpn) > 0;
    uint32_t p = cmp_pack(c, a, b, fpn);
    return p > 0 && p <= p0;
}

/* Chooses the maximum filters per NP of sequence a..b (0 = unlimited). */
static uint32_t cmp_choose_fpn(cmp_ctx *c, uint32_t a, uint32_t b, cmp_map_mode mode) {
    uint32_t max_f = 0;
    for (uint32_t i = a; i <= b; i++) {
        if (c->needs[i].kind == CMP_NEED_CNP && c->needs[i].filters > max_f)
            max_f = c->needs[i].filters;
    }
    if (mode == CMP_MAP_MINIMAL || max_f == 0)
        return 0;
    uint32_t p0 = cmp_pack(c, a, b, 0);
    if (!cmp_fpn_ok(c, a, b, max_f, mode, p0))
        return 0;
    uint32_t lo = 1, hi = max_f; /* invariant: hi is acceptable */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (cmp_fpn_ok(c, a, b, mid, mode, p0))
            hi = mid;
        else
            lo = mid + 1;
    }
    return hi;
}

/* ---- steps 1 and 2: needs, hardware runs, splitting ---- */

static npu_status cmp_fail_layer(const cmp_ctx *c, uint32_t i, npu_err *err) {
    return npu_err_set(err, NPU_ERR_INPUT, "hw_only: layer '%s' (%s) cannot run on %s: %s",
                       cmp_layer_name(c, i), npu_layer_type_name(npu_model_layer(c->m, i)->type),
                       c->mesh->name, c->needs[i].why);
}

/* Computes needs; a hardware layer that cannot fit in a pass even alone becomes software. */
static npu_status cmp_compute_needs(cmp_ctx *c, npu_err *err) {
    for (uint32_t i = 0; i < c->n_layers; i++) {
        npu_status st = cmp_layer_need_of(c->m, i, c->mesh, &c->needs[i], err);
        if (st != NPU_OK)
            return st;
        cmp_layer_need *n = &c->needs[i];
        if (n->kind >= CMP_NEED_HRC && !cmp_assign(c, i, i, 0, NULL, 0)) {
            uint32_t k = cmp_need_nps(n, 0);
            n->kind = CMP_NEED_SOFTWARE;
            snprintf(n->why, sizeof n->why,
                     "np_count: needs %u NPs at least (%u column slices x %u filter groups), "
                     "the mesh has %u CNP slots",
                     k, n->slices, n->slices ? k / n->slices : k, c->cnp_slots);
        }
    }
    return NPU_OK;
}

/* Decides which layers run on hardware: NP-less layers follow their neighbours. */
static void cmp_resolve_hw(cmp_ctx *c) {
    for (uint32_t i = 0; i < c->n_layers; i++) {
        cmp_need_kind k = c->needs[i].kind;
        c->hw[i] = k >= CMP_NEED_HRC;
        if (k != CMP_NEED_NONE)
            continue;
        bool found = false;
        for (uint32_t j = i + 1; j < c->n_layers && !found; j++) {
            if (c->needs[j].kind != CMP_NEED_NONE) {
                c->hw[i] = c->needs[j].kind != CMP_NEED_SOFTWARE;
                found = true;
            }
        }
        for (uint32_t j = i; j-- > 0 && !found;) {
            if (c->needs[j].kind != CMP_NEED_NONE) {
                c->hw[i] = c->needs[j].kind != CMP_NEED_SOFTWARE;
                found = true;
            }
        }
    }
}

/* A planned sequence. */
typedef struct cmp_seq_plan {
    uint32_t first, last; /* layer range */
    bool hw;              /* hardware sequence */
} cmp_seq_plan;

/* Splits the model into sequences (plans has room for n_layers entries). */
static npu_status cmp_plan_sequences(cmp_ctx *c, bool hw_only, cmp_seq_plan *plans,
                                     uint32_t *n_plans, npu_err *err) {
    uint32_t n = 0;
    for (uint32_t i = 0; i < c->n_layers;) {
        uint32_t j = i;
        while (j + 1 < c->n_layers && c->hw[j + 1] == c->hw[i])
            j++;
        if (!c->hw[i] || c->mesh->partial_reconfig) {
            plans[n++] = (cmp_seq_plan){i, j, c->hw[i]};
            i = j + 1;
            continue;
        }
        uint32_t start = i; /* one pass per sequence: split greedily */
        for (uint32_t k = i; k <= j; k++) {
            if (k == start || cmp_pack(c, start, k, 0) == 1)
                continue;
            if (hw_only)
                return npu_err_set(err, NPU_ERR_INPUT,
                                   "hw_only: layer '%s' does not fit: layers '%s'..'%s' need "
                                   "more NPs than the %u slots of %s in one pass, and %s has "
                                   "no partial reconfiguration",
                                   cmp_layer_name(c, k), cmp_layer_name(c, start),
                                   cmp_layer_name(c, k), c->mesh->n_nps, c->mesh->name,
                                   c->mesh->name);
            plans[n++] = (cmp_seq_plan){start, k - 1, true};
            start = k;
        }
        plans[n++] = (cmp_seq_plan){start, j, true};
        i = j + 1;
    }
    *n_plans = n;
    return NPU_OK;
}

/* ---- step 4: building the result ---- */

/* Fills the filter and column slices of a CNP layer's NP mappings. */
static void cmp_fill_cnp_split(const cmp_layer_need *n, uint32_t fpn, cmp_layer_map *lm) {
    uint32_t groups = lm->n_nps / n->slices;
    uint32_t j = 0;
    for (uint32_t s = 0; s < n->slices; s++) {
        uint32_t col = s * n->slice_cols;
        uint32_t cols = n->width - col < n->slice_cols ? n->width - col : n->slice_cols;
        uint32_t f0 = 0;
        for (uint32_t g = 0; g < groups; g++, j++) {
            uint32_t f = n->filters / groups + (g < n->filters % groups ? 1u : 0u);
            lm->nps[j].filters = f;
            lm->nps[j].filter_first = f0;
            lm->nps[j].col_first = col;
            lm->nps[j].col_count = cols;
            lm->nps[j].single_buffer = n->single_buffer;
            f0 += f;
        }
    }
    (void)fpn;
}

/* Estimated program bytes of one layer map (docs/mapping.md "program size estimate"). */
static uint64_t cmp_estimate_layer(const npu_layer *l, const cmp_layer_need *n,
                                   const cmp_layer_map *lm) {
    uint64_t bytes = 0;
    for (uint32_t j = 0; j < lm->n_nps; j++) {
        const cmp_np_map *np = &lm->nps[j];
        bytes += 8u + 64u + 8u * np->filters; /* track header, registers, threshold/step */
        if (np->type == MESH_NP_HRC)
            bytes += (uint64_t)l->p.kernel_x * l->p.kernel_y * l->in_shape.c * np->filters;
        else if (np->type == MESH_NP_FNP3)
            bytes += 8u * n->fnp_words;
        else if (np->type != MESH_NP_FNP2)
            bytes += 8u * (uint64_t)n->filter_words * np->filters +
                     (l->type == NPU_SEPARABLE_CONVOLUTIONAL ? 8u * l->in_shape.c : 0u);
    }
    return bytes;
}

static npu_status cmp_build_layer(cmp_ctx *c, uint32_t i, uint32_t fpn, bool hw,
                                  cmp_layer_map *lm) {
    memset(lm, 0, sizeof *lm);
    lm->layer = i;
    if (!hw)
        return NPU_OK;
    const cmp_layer_need *n = &c->needs[i];
    lm->n_nps = cmp_need_nps(n, fpn);
    if (lm->n_nps == 0)
        return NPU_OK;
    lm->nps = calloc(lm->n_nps, sizeof *lm->nps);
    if (lm->nps == NULL)
        return NPU_ERR_INTERNAL;
    if (n->kind == CMP_NEED_CNP) {
        cmp_fill_cnp_split(n, fpn, lm);
    } else {
        npu_shape in = npu_model_layer(c->m, i)->in_shape;
        lm->nps[0].filters = npu_model_layer(c->m, i)->p.filters;
        lm->nps[0].col_count = in.x;
    }
    return NPU_OK;
}

static void cmp_sequence_free(cmp_sequence *seq) {
    for (uint32_t i = 0; i < seq->n_layers && seq->layers; i++)
        free(seq->layers[i].nps);
    free(seq->layers);
    seq->layers = NULL;
}

static const cmp_layer_map *cmp_seq_layer(const cmp_sequence *seq, uint32_t layer) {
    return layer >= seq->first && layer <= seq->last ? &seq->layers[layer - seq->first] : NULL;
}

/* Checks that every NP of hardware sequence seq has a routing table (DEST_* entries,
 * cmp_np_dests) the register map can hold; otherwise fills why naming the layers. */
static bool cmp_dests_fit(const cmp_ctx *c, const cmp_sequence *seq, char *why, size_t n_why) {
    cmp_dest d[NPU_RM_MAX_DESTINATIONS];
    for (uint32_t i = 0; i < seq->n_layers; i++) {
        const cmp_layer_map *lm = &seq->layers[i];
        for (uint32_t k = 0; k < lm->n_nps; k++) {
            uint32_t consumer = UINT32_MAX;
            uint32_t n = cmp_np_dests(c->m, seq, lm->pass, lm->layer, &lm->nps[k],
                                      c->mesh->dma_event, d, NPU_RM_MAX_DESTINATIONS, &consumer);
            if (n <= NPU_RM_MAX_DESTINATIONS)
                continue;
            mesh_ident id = lm->nps[k].ident;
            int len = snprintf(why, n_why,
                               "dest_count: layer '%s' NP (%u,%u,%u) would send to more than the "
                               "register map's %u destination entries (one per node and column "
                               "slice)",
                               cmp_layer_name(c, lm->layer), id.col, id.row, id.id,
                               NPU_RM_MAX_DESTINATIONS);
            const cmp_layer_map *cm = consumer == UINT32_MAX ? NULL : cmp_seq_layer(seq, consumer);
            size_t at = len > 0 && (size_t)len < n_why ? (size_t)len : n_why - 1;
            if (cm != NULL)
                snprintf(why + at, n_why - at, ": its consumer '%s' has %u NPs in the same pass",
                         cmp_layer_name(c, consumer), cm->n_nps);
            else
                snprintf(why + at, n_why - at, " once the event DMA entry is added");
            return false;
        }
    }
    return true;
}

/* Builds sequence plan p with filters-per-NP limit fpn (0 = unlimited). */
static npu_status cmp_build_sequence_fpn(cmp_ctx *c, const cmp_seq_plan *p, uint32_t fpn,
                                         bool multi, cmp_sequence *seq) {
    memset(seq, 0, sizeof *seq);
    seq->first = p->first;
    seq->last = p->last;
    seq->n_layers = p->last - p->first + 1;
    snprintf(seq->name, sizeof seq->name, "%s/%s-%s", p->hw ? "HW" : "SW",
             cmp_layer_name(c, p->first), cmp_layer_name(c, p->last));
    seq->backend = !p->hw  ? CMP_BACKEND_SOFTWARE
                   : multi ? CMP_BACKEND_HYBRID
                           : CMP_BACKEND_HARDWARE;
    seq->layers = calloc(seq->n_layers, sizeof *seq->layers);
    if (seq->layers == NULL)
        return NPU_ERR_INTERNAL;
    seq->max_filters_per_np = fpn;
    for (uint32_t i = p->first; i <= p->last; i++) {
        if (cmp_build_layer(c, i, fpn, p->hw, &seq->layers[i - p->first]) != NPU_OK)
            return NPU_ERR_INTERNAL;
    }
    if (!p->hw)
        return NPU_OK;
    seq->n_passes = cmp_pack(c, p->first, p->last, fpn);
    for (uint32_t pass = 0, a = p->first; a <= p->last; pass++) {
        uint32_t b = a;
        while (b + 1 <= p->last && c->pass_of[b + 1] == pass)
            b++;
        if (!cmp_assign(c, a, b, fpn, seq->layers, p->first))
            return NPU_ERR_INTERNAL; /* packing said it fits */
        for (uint32_t i = a; i <= b; i++) {
            cmp_layer_map *lm = &seq->layers[i - p->first];
            lm->pass = pass;
            if (lm->n_nps == 1 && lm->nps[0].type == MESH_NP_FNP2)
                lm->external_bytes = c->needs[i].external_bytes;
            seq->program_bytes += cmp_estimate_layer(npu_model_layer(c->m, i), &c->needs[i], lm);
        }
        a = b + 1;
    }
    seq->program_bytes += 64u + 16u * seq->n_passes; /* header and pass table */
    return NPU_OK;
}

/* Builds sequence plan p: the map mode's filters-per-NP limit, raised (doubling, then
 * unlimited) while some NP's routing table does not fit the register map; refused naming the
 * layer when even the fewest NPs do not fit. */
static npu_status cmp_build_sequence(cmp_ctx *c, const cmp_seq_plan *p, cmp_map_mode mode,
                                     bool multi, cmp_sequence *seq, npu_err *err) {
    uint32_t fpn = p->hw ? cmp_choose_fpn(c, p->first, p->last, mode) : 0;
    for (;;) {
        npu_status st = cmp_build_sequence_fpn(c, p, fpn, multi, seq);
        char why[512];
        if (st != NPU_OK || !p->hw || cmp_dests_fit(c, seq, why, sizeof why))
            return st;
        cmp_sequence_free(seq);
        memset(seq, 0, sizeof *seq);
        if (fpn == 0)
            return npu_err_set(err, NPU_ERR_INPUT, "map on %s: %s", c->mesh->name, why);
        uint32_t max_f = 0;
        for (uint32_t i = p->first; i <= p->last; i++)
            if (c->needs[i].kind == CMP_NEED_CNP && c->needs[i].filters > max_f)
                max_f = c->needs[i].filters;
        fpn = fpn >= max_f / 2 ? 0 : 2 * fpn;
    }
}

static void cmp_totals(cmp_mapped *mm) {
    for (uint32_t s = 0; s < mm->n_sequences; s++) {
        const cmp_sequence *seq = &mm->sequences[s];
        mm->total_passes += seq->n_passes;
        mm->program_bytes += seq->program_bytes;
        for (uint32_t i = 0; i < seq->n_layers; i++)
            mm->external_bytes += seq->layers[i].external_bytes;
    }
    mm->total_nps = cmp_mapped_count_nps(mm);
    mm->program_estimated = true;
}

static npu_status cmp_map_run(cmp_ctx *c, bool hw_only, cmp_map_mode mode, cmp_mapped *out,
                              npu_err *err) {
    npu_status st = cmp_compute_needs(c, err);
    if (st != NPU_OK)
        return st;
    cmp_resolve_hw(c);
    if (hw_only) {
        for (uint32_t i = 0; i < c->n_layers; i++) {
            if (!c->hw[i] && c->needs[i].kind == CMP_NEED_SOFTWARE)
                return cmp_fail_layer(c, i, err);
        }
    }
    cmp_seq_plan *plans = calloc(c->n_layers, sizeof *plans);
    if (plans == NULL)
        return npu_err_set(err, NPU_ERR_INTERNAL, "out of memory");
    uint32_t n_plans = 0;
    st = cmp_plan_sequences(c, hw_only, plans, &n_plans, err);
    if (st == NPU_OK) {
        out->sequences = calloc(n_plans, sizeof *out->sequences);
        st = out->sequences ? NPU_OK : NPU_ERR_INTERNAL;
    }
    for (uint32_t s = 0; st == NPU_OK && s < n_plans; s++) {
        out->n_sequences = s + 1;
        st = cmp_build_sequence(c, &plans[s], mode, n_plans > 1, &out->sequences[s], err);
    }
    free(plans);
    if (st == NPU_ERR_INTERNAL && err->status == NPU_OK)
        return npu_err_set(err, NPU_ERR_INTERNAL, "out of memory while mapping");
    if (st == NPU_OK)
        cmp_totals(out);
    return st;
}

npu_status cmp_map(const npu_model *m, const mesh_desc *mesh, bool hw_only, cmp_map_mode mode,
                   cmp_mapped *out, npu_err *err) {
    memset(out, 0, sizeof *out);
    npu_err local;
    if (err == NULL)
        err = &local;
    npu_err_clear(err);
    if (mode != CMP_MAP_MINIMAL && mode != CMP_MAP_ALLNPS && mode != CMP_MAP_HWPR)
        return npu_err_set(err, NPU_ERR_INPUT, "map mode %d unknown (minimal, allnps, hwpr)",
                           (int)mode);
    cmp_ctx c = {.m = m, .mesh = mesh, .n_layers = npu_model_layer_count(m)};
    if (c.n_layers == 0)
        return npu_err_set(err, NPU_ERR_INPUT, "the model has no layers");
    for (uint32_t s = 0; s < mesh->n_nps; s++)
        c.cnp_slots += (mesh->nps[s].types & CMP_CNP_MASK) ? 1u : 0u;
    c.needs = calloc(c.n_layers, sizeof *c.needs);
    c.hw = calloc(c.n_layers, sizeof *c.hw);
    c.pass_of = calloc(c.n_layers, sizeof *c.pass_of);
    c.used = calloc(mesh->n_nps + 1u, sizeof *c.used);
    npu_status st = NPU_ERR_INTERNAL;
    if (c.needs && c.hw && c.pass_of && c.used)
        st = cmp_map_run(&c, hw_only, mode, out, err);
    else
        npu_err_set(err, st, "out of memory");
    free(c.needs);
    free(c.hw);
    free(c.pass_of);
    free(c.used);
    out->mode = mode;
    out->hw_only = hw_only;
    if (st != NPU_OK)
        cmp_mapped_free(out);
    return st;
}

void cmp_mapped_free(cmp_mapped *mm) {
    if (mm == NULL)
        return;
    for (uint32_t s = 0; s < mm->n_sequences && mm->sequences; s++) {
        for (uint32_t i = 0; i < mm->sequences[s].n_layers && mm->sequences[s].layers; i++)
            free(mm->sequences[s].layers[i].nps);
        free(mm->sequences[s].layers);
    }
    free(mm->sequences);
    memset(mm, 0, sizeof *mm);
}

uint32_t cmp_mapped_count_nps(const cmp_mapped *mm) {
    uint32_t n = 0;
    for (uint32_t s = 0; s < mm->n_sequences; s++) {
        const cmp_sequence *seq = &mm->sequences[s];
        for (uint32_t i = 0; i < seq->n_layers; i++) {
            for (uint32_t j = 0; j < seq->layers[i].n_nps; j++)
                n += seq->layers[i].nps[j].type != MESH_NP_HRC ? 1u : 0u;
        }
    }
    return n;
}

const cmp_layer_map *cmp_mapped_layer(const cmp_mapped *mm, uint32_t layer) {
    for (uint32_t s = 0; s < mm->n_sequences; s++) {
        const cmp_sequence *seq = &mm->sequences[s];
        if (layer >= seq->first && layer <= seq->last)
            return &seq->layers[layer - seq->first];
    }
    return NULL;
}

const char *cmp_map_mode_name(cmp_map_mode mode) {
    switch (mode) {
    case CMP_MAP_MINIMAL:
        return "minimal";
    case CMP_MAP_ALLNPS:
        return "allnps";
    case CMP_MAP_HWPR:
        return "hwpr";
    }
    return "unknown";
}

bool cmp_map_mode_from_name(const char *name, cmp_map_mode *out) {
    static const cmp_map_mode modes[] = {CMP_MAP_MINIMAL, CMP_MAP_ALLNPS, CMP_MAP_HWPR};
    for (size_t i = 0; name && i < sizeof modes / sizeof modes[0]; i++) {
        if (strcasecmp(name, cmp_map_mode_name(modes[i])) == 0) {
            *out = modes[i];
            return true;
        }
    }
    return false;
}

const char *cmp_backend_name(cmp_backend b) {
    switch (b) {
    case CMP_BACKEND_SOFTWARE:
        return "Software";
    case CMP_BACKEND_HARDWARE:
        return "Hardware";
    case CMP_BACKEND_HYBRID:
        return "Hybrid";
    }
    return "Unknown";
}
