/*
 * cosim_rig: hand-mapped one-layer programs and random layers / inputs (cosim_rig.hpp).
 *
 * The draws are in a fixed order (a seed gives the same model, mapping and inputs on every
 * build), shared by rtl-check's random vectors, test_rtl_np and test_np_models.
 */
#include "cosim_rig.hpp"

#include <algorithm>
#include <cstdio>

namespace cosim {

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

int wmin(uint32_t bits) {
    return bits == 1 ? 0 : -((1 << (bits - 1)) - 1);
}

int wmax(uint32_t bits) {
    return bits == 1 ? 1 : (1 << (bits - 1)) - 1;
}

npu_np_kind np_kind_of(mesh_np_type t) {
    return t == MESH_NP_HRC                           ? NPU_NP_HRC
           : (t == MESH_NP_FNP2 || t == MESH_NP_FNP3) ? NPU_NP_FNP
                                                      : NPU_NP_CNP;
}

std::vector<CfgWrite> program_writes(const cmp_program *p, uint32_t pass, mesh_ident id) {
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

std::vector<npu_event> tensor_events(const npu_shape &s, const int32_t *d, bool dense) {
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

std::vector<npu_event> tensor_events(const npu_tensor &t, bool dense) {
    return tensor_events(t.shape, t.data, dense);
}

/* ------------------------------------------------------------------ Rig */

Rig::~Rig() {
    cmp_program_free(prog);
    npu_model_free(m);
}

bool Rig::add(npu_layer_type t, const char *name, const npu_params &p) {
    return npu_model_add(m, t, name, &p, nullptr, 0, &e) == NPU_OK;
}

bool Rig::var(uint32_t l, const char *name, std::vector<uint32_t> shape, const I32 &d) {
    bool ok = npu_model_set_var(m, l, name, NPU_DTYPE_I32, uint32_t(shape.size()), shape.data(),
                                d.data(), &e) == NPU_OK;
    var_failed = var_failed || !ok;
    return ok;
}

mesh_ident Rig::slot() {
    uint32_t i = next_slot++;
    return {1, uint8_t(2 + i / 4), uint8_t(i % 4)};
}

namespace {

/* Random cut points of [0, n) into k (clamped to 1..n) non-empty parts: 0, ..., n. */
std::vector<uint32_t> random_cut(std::mt19937 &rng, uint32_t n, uint32_t k) {
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
}

} // namespace

void Rig::map_layer(std::mt19937 &rng, uint32_t l, mesh_np_type t, uint32_t col_parts,
                    uint32_t filter_parts) {
    const npu_layer *L = npu_model_layer(m, l);
    auto cols = random_cut(rng, L->in_shape.x, col_parts);
    auto fil = random_cut(rng, L->out_shape.c, filter_parts);
    if (nps.size() <= l) {
        nps.resize(l + 1);
    }
    for (size_t a = 0; a + 1 < cols.size(); a++) {
        for (size_t b = 0; b + 1 < fil.size(); b++) {
            nps[l].push_back(
                {slot(), t, fil[b + 1] - fil[b], fil[b], cols[a], cols[a + 1] - cols[a], false});
        }
    }
}

bool Rig::finish() {
    nps.resize(npu_model_layer_count(m));
    snprintf(mesh.name, sizeof mesh.name, "%s", mesh_name);
    mesh.ip_version = npu_model_ip_version(m);
    mesh.cols = 1;
    mesh.rows = 40;
    mesh.has_hrc = true;
    mesh.hrc = {1, 1, 2};
    mesh.dma_event = {1, 1, 0};
    mesh.dma_conf = {1, 1, 1};
    lmaps.clear();
    for (uint32_t l = 0; l < nps.size(); l++) {
        lmaps.push_back({l, 0, uint32_t(nps[l].size()), nps[l].data(), 0});
    }
    snprintf(seq.name, sizeof seq.name, "%s", "HW/all");
    seq.backend = CMP_BACKEND_HARDWARE;
    seq.first = 0;
    seq.last = uint32_t(nps.size() - 1);
    seq.n_passes = 1;
    seq.n_layers = uint32_t(lmaps.size());
    seq.layers = lmaps.data();
    mm.n_sequences = 1;
    mm.sequences = &seq;
    mm.total_passes = 1;
    return cmp_program_build(m, &mm, &mesh, &prog, &e) == NPU_OK;
}

/* ------------------------------------------------------------------ random layers */

void random_spatial(std::mt19937 &rng, npu_params &p, bool pool) {
    p.kernel_x = p.kernel_y = uint32_t(rnd(rng, 1, 4));
    if (rnd(rng, 0, 3) == 0) {
        p.kernel_y = uint32_t(rnd(rng, 1, 4));
    }
    p.stride_x = uint32_t(rnd(rng, 1, 2));
    p.stride_y = uint32_t(rnd(rng, 1, 2));
    p.padding = rnd(rng, 0, 1) ? NPU_PAD_SAME : NPU_PAD_VALID;
    p.pool_type = NPU_POOL_NONE;
    p.pool_x = p.pool_y = p.pool_stride_x = p.pool_stride_y = -1;
    int k = pool ? rnd(rng, 0, 3) : 0;
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

namespace {

bool is_image(npu_layer_type t) {
    return t == NPU_INPUT_CONVOLUTIONAL || t == NPU_INPUT_CONV2D;
}

/* The InputData layer of a random non-image layer: shape in, random bits (signed 8-bit
 * inputs sometimes for v2). */
bool random_input_layer(std::mt19937 &rng, Rig &r, const npu_shape &in, bool v2) {
    npu_params p = npu_params_default(NPU_INPUT_DATA);
    p.input_shape = in;
    const uint32_t bits[] = {1, 2, 4, 8};
    p.input_bits = bits[rnd(rng, 0, 3)];
    p.input_signed = v2 && p.input_bits == 8 && rnd(rng, 0, 1);
    return r.add(NPU_INPUT_DATA, "input", p);
}

/* Random bits / activation of layer parameters p of type t. */
void random_bits(std::mt19937 &rng, npu_params &p, npu_layer_type t, const LayerDraw &d) {
    if (npu_layer_type_version(t) == 2) {
        p.activation = rnd(rng, 0, 2) != 0;
        p.output_bits = p.activation ? uint32_t(rnd(rng, 2, 8)) : uint32_t(rnd(rng, 8, 32));
        p.buffer_bits = uint32_t(rnd(rng, 14, 32));
        return;
    }
    p.activation = rnd(rng, 0, 3) != 0;
    const uint32_t ab[] = {1, 2, 4};
    p.act_bits = ab[rnd(rng, 0, 2)];
    const uint32_t wb[] = {1, 2, 4};
    p.weights_bits = t == NPU_INPUT_CONVOLUTIONAL ? 8 : wb[rnd(rng, 0, 2)];
    if (d.sep_weights_2bit && t == NPU_SEPARABLE_CONVOLUTIONAL && p.weights_bits == 1) {
        p.weights_bits = 2;
    }
}

/* Random variables of layer l (weights, v2 scales or v1 thresholds); c input channels, nf
 * filters, in the input shape. */
void random_vars(std::mt19937 &rng, Rig &r, uint32_t l, npu_layer_type t, const npu_params &p,
                 uint32_t nf, const npu_shape &in) {
    const bool v2 = npu_layer_type_version(t) == 2;
    const uint32_t c = in.c, kx = p.kernel_x, ky = p.kernel_y;
    const int lo = v2 ? -128 : wmin(p.weights_bits), hi = v2 ? 127 : wmax(p.weights_bits);
    if (t == NPU_DEPTHWISE_CONV2D || t == NPU_DEPTHWISE_CONV2D_TRANSPOSE) {
        nf = c;
        r.var(l, "weights", {kx, ky, c}, rand_vec(rng, kx * ky * c, lo, hi));
    } else if (t == NPU_SEPARABLE_CONVOLUTIONAL) {
        r.var(l, "weights", {kx, ky, c, 1}, rand_vec(rng, kx * ky * c, lo, hi));
        r.var(l, "weights_pw", {1, 1, c, nf}, rand_vec(rng, c * nf, lo, hi));
    } else if (t == NPU_FULLY_CONNECTED || t == NPU_DENSE1D) {
        const uint32_t n = in.x * in.y * in.c;
        const std::vector<uint32_t> shape =
            t == NPU_DENSE1D ? std::vector<uint32_t>{n, nf} : std::vector<uint32_t>{1, 1, n, nf};
        r.var(l, "weights", shape, rand_vec(rng, n * nf, lo, hi));
    } else {
        r.var(l, "weights", {kx, ky, c, nf}, rand_vec(rng, kx * ky * c * nf, lo, hi));
    }
    if (v2) {
        r.var(l, "bias", {nf}, rand_vec(rng, nf, -3000, 3000));
        r.var(l, "bias_shift", {nf}, rand_vec(rng, nf, 0, 3));
        r.var(l, "output_scale", {nf}, rand_vec(rng, nf, 0, 300));
        r.var(l, "output_shift", {nf}, rand_vec(rng, nf, -3, 12));
        if (!is_image(t) && rnd(rng, 0, 1)) {
            r.var(l, "input_shift", {c}, rand_vec(rng, c, 0, 3));
        }
    } else {
        r.var(l, "threshold", {nf}, rand_vec(rng, nf, -60, 60));
        r.var(l, "act_step", {nf}, rand_vec(rng, nf, 1, 9));
    }
}

} // namespace

bool random_layer(std::mt19937 &rng, Rig &r, npu_layer_type t, const LayerDraw &d,
                  uint32_t *target) {
    const bool v2 = npu_layer_type_version(t) == 2;
    const bool image = is_image(t);
    const bool dense = t == NPU_FULLY_CONNECTED || t == NPU_DENSE1D;
    const bool transp = t == NPU_CONV2D_TRANSPOSE || t == NPU_DEPTHWISE_CONV2D_TRANSPOSE;
    npu_shape in = {uint32_t(rnd(rng, 2, 11)), uint32_t(rnd(rng, 2, 7)),
                    image ? (rnd(rng, 0, 1) ? 3u : 1u) : uint32_t(rnd(rng, 1, 5))};
    uint32_t l = 0;
    if (!image) {
        if (!random_input_layer(rng, r, in, v2)) {
            return false;
        }
        l = 1;
    }
    npu_params p = npu_params_default(t);
    uint32_t nf = uint32_t(rnd(rng, 1, int(d.max_filters)));
    if (!dense) {
        random_spatial(rng, p, d.pool_coin ? !transp && rnd(rng, 0, 1) : true);
        if (transp) { /* the vendor's transposed layers: stride 2, Same, no pooling */
            p.stride_x = p.stride_y = 2;
            p.padding = NPU_PAD_SAME;
            p.pool_type = NPU_POOL_NONE;
            p.pool_x = p.pool_y = p.pool_stride_x = p.pool_stride_y = -1;
        }
    }
    p.filters = nf;
    if (image) {
        p.input_shape = in;
        p.padding_value = rnd(rng, 0, 1) ? 0 : int32_t(rnd(rng, 1, 255)); /* KERNEL.PAD_VALUE */
    }
    random_bits(rng, p, t, d);
    if (!r.add(t, "layer", p)) {
        return false;
    }
    random_vars(rng, r, l, t, p, nf, in);
    npu_err e{};
    if (r.var_failed || npu_model_finalize(r.m, &e) != NPU_OK) {
        return false;
    }
    *target = l;
    return true;
}

/* ------------------------------------------------------------------ random inputs */

I32 random_input(std::mt19937 &rng, const npu_model *m) {
    const npu_shape s = npu_model_input_shape(m);
    const uint32_t bits = npu_model_input_bits(m);
    const bool sg = npu_model_input_signed(m);
    const int lo = sg ? -(1 << (bits - 1)) : 0;
    const int hi = sg ? (1 << (bits - 1)) - 1 : (1 << bits) - 1;
    return rand_vec(rng, npu_shape_size(s), lo, hi);
}

void sparsify(std::mt19937 &rng, I32 &d, int zero_pct) {
    for (auto &v : d) {
        v = rnd(rng, 0, 99) < zero_pct ? 0 : v;
    }
}

std::vector<std::vector<npu_event>> random_frames(std::mt19937 &rng, const npu_model *m, bool dense,
                                                  int n, int max_zero_pct) {
    const npu_shape s = npu_model_input_shape(m);
    std::vector<std::vector<npu_event>> out;
    for (int f = 0; f < n; f++) {
        I32 d = random_input(rng, m);
        sparsify(rng, d, rnd(rng, 0, max_zero_pct));
        out.push_back(tensor_events(s, d.data(), dense));
    }
    return out;
}

} // namespace cosim
