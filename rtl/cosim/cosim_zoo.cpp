/*
 * cosim_zoo: the cross-check of every NP of a zoo model (cmp_zoo) mapped on akd1000 (Akida
 * 1.0 layers) or gen:cnp=64,fnp=8,v2 (2.0 layers) (cmp_map, all-NPs mode, then cmp_program_build):
 * each NP slice gets its program tracks and, per frame, the golden model's input of its layer
 * (seeded random model inputs) restricted to its need columns — the events the engine routes to it
 * — and runs in lockstep with the C model (check_np). One report row per block kind.
 */
#include <cstdio>
#include <random>

#include "cmp/cmp_mapper.h"
#include "cmp/cmp_zoo.h"
#include "cosim.hpp"
#include "mesh/mesh.h"

namespace cosim {

namespace {

/* Owns what a zoo check builds. */
struct ZooRig {
    npu_model *m = nullptr;
    mesh_desc mesh{};
    cmp_mapped mm{};
    cmp_program *prog = nullptr;
    std::vector<std::vector<npu_tensor>> acts; /* [frame][layer] golden outputs */
    std::vector<npu_tensor> inputs;            /* model input per frame */

    ZooRig() = default;
    ZooRig(const ZooRig &) = delete;
    ZooRig &operator=(const ZooRig &) = delete;
    ~ZooRig() {
        for (auto &f : acts) {
            for (auto &t : f) {
                npu_tensor_free(&t);
            }
        }
        for (auto &t : inputs) {
            npu_tensor_free(&t);
        }
        cmp_program_free(prog);
        cmp_mapped_free(&mm);
        mesh_free(&mesh);
        npu_model_free(m);
    }
};

/* Golden activations of every layer for `frames` seeded random inputs. */
npu_status golden(ZooRig &z, uint32_t frames, uint64_t seed, npu_err *err) {
    npu_shape s = npu_model_input_shape(z.m);
    uint32_t bits = npu_model_input_bits(z.m);
    bool sg = npu_model_input_signed(z.m);
    int lo = sg ? -(1 << (bits - 1)) : 0, hi = sg ? (1 << (bits - 1)) - 1 : (1 << bits) - 1;
    std::mt19937 rng{uint32_t(seed)};
    uint32_t n = npu_model_layer_count(z.m);
    for (uint32_t f = 0; f < frames; f++) {
        npu_tensor in{s, static_cast<int32_t *>(calloc(npu_shape_size(s) + 1, 4))};
        z.inputs.push_back(in);
        for (size_t i = 0; i < npu_shape_size(s); i++) {
            in.data[i] = std::uniform_int_distribution<int>(lo, hi)(rng);
        }
        z.acts.emplace_back(n, npu_tensor{});
        auto &st = z.acts.back();
        for (uint32_t l = 0; l < n; l++) {
            const npu_layer *L = npu_model_layer(z.m, l);
            const npu_tensor *ins[NPU_MAX_INBOUND];
            uint32_t k = L->n_inbound ? L->n_inbound : 1;
            for (uint32_t j = 0; j < k; j++) {
                ins[j] = L->n_inbound ? &st[L->inbound[j]] : &z.inputs.back();
            }
            npu_status r = npu_model_forward_layer(z.m, l, ins, k, &st[l], err);
            if (r != NPU_OK) {
                return r;
            }
        }
    }
    return NPU_OK;
}

/* The row of `kind` in rows (appended on first use). */
cosim_row *row_of(std::vector<cosim_row> *rows, size_t first, const std::string &src,
                  npu_np_kind kind) {
    static const char *const names[] = {"hrc", "cnp", "fnp"};
    for (size_t i = first; i < rows->size(); i++) {
        if (std::string((*rows)[i].block) == names[kind]) {
            return &(*rows)[i];
        }
    }
    rows->emplace_back();
    cosim_row *r = &rows->back();
    *r = cosim_row{};
    snprintf(r->source, sizeof r->source, "%s", src.c_str());
    snprintf(r->block, sizeof r->block, "%s", names[kind]);
    return r;
}

} // namespace

npu_status check_zoo(const RtlFactory &f, const char *name, int version, double alpha,
                     uint32_t input_size, uint32_t classes, uint32_t frames, uint64_t seed,
                     const std::string &vcd_dir, std::vector<cosim_row> *rows, npu_err *err) {
    ZooRig z;
    cmp_zoo_opts o;
    cmp_zoo_opts_default(&o);
    o.version = version;
    o.alpha = alpha;
    o.input_size = input_size;
    o.classes = classes;
    o.seed = seed;
    npu_status st = cmp_zoo_build(name, &o, &z.m, err);
    st = st ? st : mesh_load(version == 1 ? "akd1000" : "gen:cnp=64,fnp=8,v2", &z.mesh, err);
    st = st ? st : cmp_map(z.m, &z.mesh, false, CMP_MAP_ALLNPS, &z.mm, err);
    st = st ? st : cmp_program_build(z.m, &z.mm, &z.mesh, &z.prog, err);
    st = st ? st : golden(z, frames, seed, err);
    if (st != NPU_OK) {
        return npu_err_prefix(err, "rtl-check: zoo model %s", name);
    }
    char src[48];
    if (input_size) {
        snprintf(src, sizeof src, "%s v%d a%.2g i%u c%u", name, version, alpha, input_size,
                 classes);
    } else {
        snprintf(src, sizeof src, "%s v%d", name, version);
    }
    size_t first_row = rows->size();
    rows->reserve(first_row + 4);
    npu_cost_params p = rtl_params();
    size_t ext_n = 0;
    const uint8_t *ext = cmp_program_ext(z.prog, &ext_n);
    for (uint32_t pass = 0; pass < cmp_program_pass_count(z.prog); pass++) {
        const cmp_prog_pass *pp = cmp_program_pass(z.prog, pass);
        std::vector<mesh_ident> seen;
        for (uint32_t k = 0; k < pp->n_tracks; k++) {
            const cmp_prog_track *t = cmp_program_track(z.prog, pass, k);
            bool dup = false;
            for (const auto &s : seen) {
                dup =
                    dup || (s.col == t->ident.col && s.row == t->ident.row && s.id == t->ident.id);
            }
            if (dup) {
                continue;
            }
            seen.push_back(t->ident);
            NpCase c;
            c.kind = np_kind_of(t->type);
            c.ident = t->ident;
            c.writes = program_writes(z.prog, pass, t->ident);
            c.ext = ext;
            c.ext_n = ext_n;
            c.stim.seed = seed + k;
            c.stim.backpressure = (k % 2) != 0;
            /* the layer and need range, from the C decoder */
            CModelChecker dec(c.kind, p, false, 0, t->ident);
            dec.attach_external(ext, ext_n);
            if (!dec.configured(c.writes, true)) {
                return npu_err_set(err, NPU_ERR_INTERNAL, "rtl-check: %s: %s", src,
                                   dec.errors().front().c_str());
            }
            const npu_np_config *cfg = dec.config();
            c.layer = cfg->layer_index;
            const npu_layer *L = npu_model_layer(z.m, c.layer);
            for (uint32_t fi = 0; fi < frames; fi++) {
                const npu_tensor *in = L->n_inbound ? &z.acts[fi][L->inbound[0]] : &z.inputs[fi];
                std::vector<npu_event> ev,
                    all = tensor_events(in->shape, in->data, c.kind == NPU_NP_HRC);
                for (const auto &e : all) {
                    if (e.x >= cfg->need_col_first &&
                        e.x < cfg->need_col_first + cfg->need_col_count) {
                        ev.push_back(e);
                    }
                }
                c.frames.push_back(std::move(ev));
            }
            cosim_row *row = row_of(rows, first_row, src, c.kind);
            char tag[128];
            snprintf(tag, sizeof tag, "%s_v%d_layer%u_np%u_%u_%u", name, version, c.layer,
                     unsigned(t->ident.col), unsigned(t->ident.row), unsigned(t->ident.id));
            if (!add_result(check_np(f, c, p, vcd_dir, tag), row)) {
                return NPU_OK;
            }
        }
    }
    return NPU_OK;
}

} // namespace cosim
