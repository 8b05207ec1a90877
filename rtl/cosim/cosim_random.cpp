/*
 * cosim_random: randomized constrained cross-check vectors for the NP blocks.
 *
 * A configuration is a real one-layer model (InputData + one layer of the block's kinds)
 * with random geometry (input 2..11 x 2..7 x 1..5, kernel 1..4, stride 1..2, same / valid
 * padding, none / max / global-average pooling), random bits and v1 / v2 variables, mapped
 * by hand on one to four NPs (random input-column and filter slices; dense layers on FNP2
 * with external weights or FNP3 at random) and compiled with
 * cmp_program_build, exactly as a real program. Every NP slice gets kFrames random input
 * frames (random density) with random input gaps and output back-pressure; each frame is one
 * vector (check_np). The constraints are those of the RTL's covered kinds (docs/rtl.md).
 */
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <random>

#include "cmp/cmp_program.h"
#include "cosim.hpp"

namespace cosim {

namespace {

constexpr int kFrames = 8; /* frames (vectors) per NP slice */

using I32 = std::vector<int32_t>;

int rnd(std::mt19937 &rng, int lo, int hi) {
    return std::uniform_int_distribution<int>(lo, hi)(rng);
}

I32 rand_vec(std::mt19937 &rng, size_t n, int lo, int hi) {
    I32 v(n);
    for (auto &x : v) {
        x = rnd(rng, lo, hi);
    }
    return v;
}

/* A one-layer model, its hand-built single-pass mapping and program. */
struct Rig {
    npu_model *m = npu_model_new();
    npu_err e{};
    mesh_desc mesh{};
    std::vector<std::vector<cmp_np_map>> nps;
    std::vector<cmp_layer_map> lmaps;
    cmp_sequence seq{};
    cmp_mapped mm{};
    cmp_program *prog = nullptr;
    uint32_t next_slot = 0;

    Rig() = default;
    Rig(const Rig &) = delete;
    Rig &operator=(const Rig &) = delete;
    ~Rig() {
        cmp_program_free(prog);
        npu_model_free(m);
    }
    bool add(npu_layer_type t, const char *name, const npu_params &p) {
        return npu_model_add(m, t, name, &p, nullptr, 0, &e) == NPU_OK;
    }
    bool var(uint32_t l, const char *name, std::vector<uint32_t> shape, const I32 &d) {
        return npu_model_set_var(m, l, name, NPU_DTYPE_I32, uint32_t(shape.size()), shape.data(),
                                 d.data(), &e) == NPU_OK;
    }
    /* Layer l on NPs of type t: col_parts input-column slices x filter_parts filter slices. */
    void map_layer(std::mt19937 &rng, uint32_t l, mesh_np_type t, uint32_t col_parts,
                   uint32_t filter_parts) {
        const npu_layer *L = npu_model_layer(m, l);
        auto cut = [&](uint32_t n, uint32_t k) {
            k = std::max(1u, std::min(k, n));
            std::vector<uint32_t> c;
            for (uint32_t i = 1; i < n; i++) {
                c.push_back(i);
            }
            std::shuffle(c.begin(), c.end(), rng);
            c.resize(k - 1);
            c.push_back(0);
            c.push_back(n);
            std::sort(c.begin(), c.end());
            return c;
        };
        auto cols = cut(L->in_shape.x, col_parts), fil = cut(L->out_shape.c, filter_parts);
        nps.resize(l + 1);
        for (size_t a = 0; a + 1 < cols.size(); a++) {
            for (size_t b = 0; b + 1 < fil.size(); b++) {
                uint32_t i = next_slot++;
                mesh_ident id = {1, uint8_t(2 + i / 4), uint8_t(i % 4)};
                nps[l].push_back(
                    {id, t, fil[b + 1] - fil[b], fil[b], cols[a], cols[a + 1] - cols[a], false});
            }
        }
    }
    bool finish() {
        nps.resize(npu_model_layer_count(m));
        snprintf(mesh.name, sizeof mesh.name, "%s", "rtl-check");
        mesh.ip_version = npu_model_ip_version(m);
        mesh.cols = 1;
        mesh.rows = 40;
        mesh.has_hrc = true;
        mesh.hrc = {1, 1, 2};
        mesh.dma_event = {1, 1, 0};
        mesh.dma_conf = {1, 1, 1};
        for (uint32_t l = 0; l < nps.size(); l++) {
            lmaps.push_back({l, 0, uint32_t(nps[l].size()), nps[l].data(), 0});
        }
        snprintf(seq.name, sizeof seq.name, "%s", "HW/all");
        seq.backend = CMP_BACKEND_HARDWARE;
        seq.last = uint32_t(nps.size() - 1);
        seq.n_passes = 1;
        seq.n_layers = uint32_t(lmaps.size());
        seq.layers = lmaps.data();
        mm.n_sequences = 1;
        mm.sequences = &seq;
        mm.total_passes = 1;
        return cmp_program_build(m, &mm, &mesh, &prog, &e) == NPU_OK;
    }
};

int wmin(uint32_t b) {
    return b == 1 ? 0 : -((1 << (b - 1)) - 1);
}
int wmax(uint32_t b) {
    return b == 1 ? 1 : (1 << (b - 1)) - 1;
}

/* Random spatial parameters: kernel, stride, padding, pooling. */
void random_spatial(std::mt19937 &rng, npu_params &p) {
    p.kernel_x = p.kernel_y = uint32_t(rnd(rng, 1, 4));
    if (rnd(rng, 0, 3) == 0) {
        p.kernel_y = uint32_t(rnd(rng, 1, 4));
    }
    p.stride_x = uint32_t(rnd(rng, 1, 2));
    p.stride_y = uint32_t(rnd(rng, 1, 2));
    p.padding = rnd(rng, 0, 1) ? NPU_PAD_SAME : NPU_PAD_VALID;
    p.pool_type = NPU_POOL_NONE;
    p.pool_x = p.pool_y = p.pool_stride_x = p.pool_stride_y = -1;
    int k = rnd(rng, 0, 3);
    if (k == 1 || k == 2) {
        p.pool_type = NPU_POOL_MAX;
        p.pool_x = rnd(rng, 1, 3);
        p.pool_y = rnd(rng, 1, 3);
        p.pool_stride_x = rnd(rng, 0, 1) ? -1 : rnd(rng, 1, 3);
        p.pool_stride_y = rnd(rng, 0, 1) ? -1 : rnd(rng, 1, 3);
    } else if (k == 3) {
        p.pool_type = NPU_POOL_AVG;
    }
}

/* Random variables of layer l (weights, v1 thresholds or v2 scales). */
bool random_vars(std::mt19937 &rng, Rig &r, uint32_t l, npu_layer_type t, const npu_params &p,
                 uint32_t c, uint32_t nf, const npu_shape &in) {
    bool v2 = npu_layer_type_version(t) == 2;
    bool image = t == NPU_INPUT_CONVOLUTIONAL || t == NPU_INPUT_CONV2D;
    int lo = v2 ? -128 : wmin(p.weights_bits), hi = v2 ? 127 : wmax(p.weights_bits);
    uint32_t kx = p.kernel_x, ky = p.kernel_y;
    bool ok = true;
    if (t == NPU_DEPTHWISE_CONV2D) {
        nf = c;
        ok = r.var(l, "weights", {kx, ky, c}, rand_vec(rng, kx * ky * c, lo, hi));
    } else if (t == NPU_FULLY_CONNECTED) {
        uint32_t n = in.x * in.y * in.c;
        ok = r.var(l, "weights", {1, 1, n, nf}, rand_vec(rng, n * nf, lo, hi));
    } else if (t == NPU_DENSE1D) {
        uint32_t n = in.x * in.y * in.c;
        ok = r.var(l, "weights", {n, nf}, rand_vec(rng, n * nf, lo, hi));
    } else {
        ok = r.var(l, "weights", {kx, ky, c, nf}, rand_vec(rng, kx * ky * c * nf, lo, hi));
    }
    if (v2) {
        ok = ok && r.var(l, "bias", {nf}, rand_vec(rng, nf, -3000, 3000));
        ok = ok && r.var(l, "bias_shift", {nf}, rand_vec(rng, nf, 0, 3));
        ok = ok && r.var(l, "output_scale", {nf}, rand_vec(rng, nf, 0, 300));
        ok = ok && r.var(l, "output_shift", {nf}, rand_vec(rng, nf, -3, 12));
        if (ok && !image && rnd(rng, 0, 1)) {
            ok = r.var(l, "input_shift", {c}, rand_vec(rng, c, 0, 3));
        }
    } else {
        ok = ok && r.var(l, "threshold", {nf}, rand_vec(rng, nf, -60, 60));
        ok = ok && r.var(l, "act_step", {nf}, rand_vec(rng, nf, 1, 9));
    }
    return ok;
}

/* InputData (unless an image layer) + one layer of type t; false when the draw does not
 * finalize. *target = index of the layer. */
bool build_one(std::mt19937 &rng, Rig &r, npu_layer_type t, uint32_t *target) {
    bool v2 = npu_layer_type_version(t) == 2;
    bool image = t == NPU_INPUT_CONVOLUTIONAL || t == NPU_INPUT_CONV2D;
    bool dense = t == NPU_FULLY_CONNECTED || t == NPU_DENSE1D;
    npu_shape in = {uint32_t(rnd(rng, 2, 11)), uint32_t(rnd(rng, 2, 7)),
                    image ? (rnd(rng, 0, 1) ? 3u : 1u) : uint32_t(rnd(rng, 1, 5))};
    uint32_t l = 0;
    if (!image) {
        npu_params p = npu_params_default(NPU_INPUT_DATA);
        p.input_shape = in;
        const uint32_t bits[] = {1, 2, 4, 8};
        p.input_bits = bits[rnd(rng, 0, 3)];
        p.input_signed = v2 && p.input_bits == 8 && rnd(rng, 0, 1);
        if (!r.add(NPU_INPUT_DATA, "input", p)) {
            return false;
        }
        l = 1;
    }
    npu_params p = npu_params_default(t);
    uint32_t nf = uint32_t(rnd(rng, 1, 20));
    if (!dense) {
        random_spatial(rng, p);
    }
    p.filters = nf;
    if (image) {
        p.input_shape = in;
        p.padding_value = rnd(rng, 0, 1) ? 0 : int32_t(rnd(rng, 1, 255));
    }
    if (v2) {
        p.activation = rnd(rng, 0, 2) != 0;
        p.output_bits = p.activation ? uint32_t(rnd(rng, 2, 8)) : uint32_t(rnd(rng, 8, 32));
        p.buffer_bits = uint32_t(rnd(rng, 14, 32));
    } else {
        p.activation = rnd(rng, 0, 3) != 0;
        const uint32_t ab[] = {1, 2, 4};
        p.act_bits = ab[rnd(rng, 0, 2)];
        const uint32_t wb[] = {1, 2, 4};
        p.weights_bits = t == NPU_INPUT_CONVOLUTIONAL ? 8 : wb[rnd(rng, 0, 2)];
    }
    if (!r.add(t, "layer", p) || !random_vars(rng, r, l, t, p, in.c, nf, in)) {
        return false;
    }
    npu_err e{};
    if (npu_model_finalize(r.m, &e) != NPU_OK) {
        return false;
    }
    *target = l;
    return true;
}

/* Events of a tensor in scan order: non-zero values, or every value (HRC). */
std::vector<npu_event> events_of(const npu_shape &s, const int32_t *d, bool dense) {
    std::vector<npu_event> ev;
    size_t i = 0;
    for (uint32_t x = 0; x < s.x; x++) {
        for (uint32_t y = 0; y < s.y; y++) {
            for (uint32_t c = 0; c < s.c; c++, i++) {
                if (d[i] != 0 || dense) {
                    ev.push_back({uint16_t(x), uint16_t(y), c, d[i]});
                }
            }
        }
    }
    return ev;
}

/* Random input frames of the model (random density). */
std::vector<std::vector<npu_event>> random_frames(std::mt19937 &rng, const Rig &r, bool dense,
                                                  int n) {
    npu_shape s = npu_model_input_shape(r.m);
    uint32_t bits = npu_model_input_bits(r.m);
    bool sg = npu_model_input_signed(r.m);
    int lo = sg ? -(1 << (bits - 1)) : 0, hi = sg ? (1 << (bits - 1)) - 1 : (1 << bits) - 1;
    std::vector<std::vector<npu_event>> out;
    for (int f = 0; f < n; f++) {
        I32 d = rand_vec(rng, npu_shape_size(s), lo, hi);
        int zero = rnd(rng, 0, 95);
        for (auto &v : d) {
            v = rnd(rng, 0, 99) < zero ? 0 : v;
        }
        out.push_back(events_of(s, d.data(), dense));
    }
    return out;
}

/* The writes of NP id's tracks in the program. */
std::vector<CfgWrite> writes_of(const cmp_program *p, uint32_t pass, mesh_ident id) {
    std::vector<CfgWrite> out;
    const cmp_prog_pass *pp = cmp_program_pass(p, pass);
    for (uint32_t k = 0; k < pp->n_tracks; k++) {
        const cmp_prog_track *t = cmp_program_track(p, pass, k);
        if (t->ident.col == id.col && t->ident.row == id.row && t->ident.id == id.id) {
            const uint32_t *w = cmp_program_track_words(p, t);
            out.push_back({t->kind != CMP_TRACK_REGISTERS, t->region, t->offset,
                           std::vector<uint32_t>(w, w + t->n_words)});
        }
    }
    return out;
}

const char *block_name(cosim_block b) {
    static const char *const names[] = {"cnp", "fnp", "hrc", "router"};
    return b < COSIM_BLOCK_COUNT ? names[b] : "?";
}

} // namespace

/* Adds r's outcome to row; true when it passed. */
bool add_result(const NpResult &r, cosim_row *row) {
    row->configs++;
    if (!r.covered) {
        row->skipped++;
        return true;
    }
    row->vectors += r.stats.frames;
    row->events_out += r.stats.events_out;
    row->c_cycles += r.stats.c_cycles;
    row->rtl_cycles += r.stats.rtl_cycles;
    if (!r.ok) {
        row->mismatches++;
        if (row->first[0] == 0) {
            snprintf(row->first, sizeof row->first, "%s", r.message.c_str());
            snprintf(row->vcd, sizeof row->vcd, "%s", r.vcd.c_str());
        }
    }
    return r.ok;
}

std::vector<CfgWrite> program_writes(const cmp_program *p, uint32_t pass, mesh_ident id) {
    return writes_of(p, pass, id);
}

std::vector<npu_event> tensor_events(const npu_shape &s, const int32_t *d, bool dense) {
    return events_of(s, d, dense);
}

void check_random(const RtlFactory &f, cosim_block b, uint64_t vectors, uint64_t seed,
                  const std::string &vcd_dir, cosim_row *row) {
    snprintf(row->source, sizeof row->source, "%s", "random");
    snprintf(row->block, sizeof row->block, "%s", block_name(b));
    std::vector<npu_layer_type> types;
    mesh_np_type mt = MESH_NP_CNP1; /* dense: chosen per case */
    npu_np_kind kind = NPU_NP_CNP;
    if (b == COSIM_CNP) {
        types = {NPU_CONVOLUTIONAL, NPU_CONV2D, NPU_DEPTHWISE_CONV2D};
    } else if (b == COSIM_FNP) {
        types = {NPU_FULLY_CONNECTED, NPU_DENSE1D};
        mt = MESH_NP_FNP3;
        kind = NPU_NP_FNP;
    } else {
        types = {NPU_INPUT_CONVOLUTIONAL, NPU_INPUT_CONV2D};
        mt = MESH_NP_HRC;
        kind = NPU_NP_HRC;
    }
    std::mt19937 rng(uint32_t(seed * 2654435761u + uint64_t(b)));
    npu_cost_params p = rtl_params();
    for (uint64_t attempt = 0; row->vectors < vectors && attempt < vectors * 20; attempt++) {
        Rig r;
        uint32_t l = 0;
        npu_layer_type t = types[size_t(rnd(rng, 0, int(types.size()) - 1))];
        if (!build_one(rng, r, t, &l)) {
            continue;
        }
        bool dense = kind == NPU_NP_FNP;
        /* dense layers: FNP2 (external weights) or FNP3 at random */
        mesh_np_type t_np = dense ? (rnd(rng, 0, 1) ? MESH_NP_FNP2 : MESH_NP_FNP3) : mt;
        r.map_layer(rng, l, t_np, dense ? 1u : uint32_t(rnd(rng, 1, 2)), uint32_t(rnd(rng, 1, 2)));
        if (dense) {
            for (auto &n : r.nps[l]) {
                n.col_first = 0;
                n.col_count = npu_model_layer(r.m, l)->in_shape.x;
            }
        }
        if (!r.finish()) {
            continue; /* a draw the compiler refuses (field range): not a vector */
        }
        auto frames = random_frames(rng, r, kind == NPU_NP_HRC, kFrames);
        size_t ext_n = 0;
        const uint8_t *ext = cmp_program_ext(r.prog, &ext_n);
        for (const auto &nm : r.nps[l]) {
            NpCase c;
            c.kind = kind;
            c.layer = l;
            c.ident = nm.ident;
            c.writes = writes_of(r.prog, 0, nm.ident);
            c.ext = ext;
            c.ext_n = ext_n;
            c.frames = frames;
            c.stim.seed = rng();
            c.stim.gaps = rnd(rng, 0, 1);
            c.stim.backpressure = rnd(rng, 0, 1);
            char tag[96];
            snprintf(tag, sizeof tag, "%s_config%llu_np%u_%u_%u", block_name(b),
                     (unsigned long long)row->configs, unsigned(nm.ident.col),
                     unsigned(nm.ident.row), unsigned(nm.ident.id));
            if (!add_result(check_np(f, c, p, vcd_dir, tag), row)) {
                return;
            }
        }
    }
}

} // namespace cosim
