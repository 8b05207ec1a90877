/*
 * test_program: the binary program (cmp_program.h, docs/program-format.md).
 *
 * Small hand-built mappings (an InputConvolutional on the HRC, a Convolutional split over two
 * CNPs by filters, a SeparableConvolutional on one CNP, a FullyConnected on an FNP3 or an
 * FNP2, one or two passes; a v2 Conv2D + Dense1D) are built, encoded, decoded and compared:
 * every register and SRAM word equal, hand-computed register words, weights unpacked from
 * the program equal to an independent naive slice of the model's weights (random weights,
 * several seeds and bit widths). Corruption: any single flipped byte is rejected (checksum),
 * targeted structural edits with a recomputed checksum (own bitwise CRC-32 reference) give
 * their specific error, every truncation errors, foreign versions and device mismatches are
 * rejected, and every one-byte mutation with a fixed checksum decodes or errors, never crashes.
 * Routing tables (DEST_* entries): hand-computed multicast entries and column-overlap pruning,
 * then randomized geometries and AkidaNet 1.0/224 allnps on akd1000 checked against the rule
 * evaluated with the NP models' own column ranges (npu_np.h), and cmp_program_measure's
 * per-sequence sizes against independently built programs and the `akisim map` /
 * `akisim summary --mesh` outputs.
 */
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <regex>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "cmp/cmp_mapper.h"
#include "cmp/cmp_program.h"
#include "cmp/cmp_zoo.h"
#include "mesh/mesh.h"
#include "npu/npu_np.h"
#include "npu_regmap.h"

namespace {

using I32 = std::vector<int32_t>;

bool has(const npu_err &e, const std::string &s) {
    return std::string(e.msg).find(s) != std::string::npos;
}

/* Independent bitwise CRC-32 (IEEE, reflected, as zlib computes it). */
uint32_t ref_crc32(const uint8_t *p, size_t n) {
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) {
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
        }
    }
    return ~c;
}

uint32_t rd32(const std::vector<uint8_t> &b, size_t at) {
    return uint32_t(b[at]) | uint32_t(b[at + 1]) << 8 | uint32_t(b[at + 2]) << 16 |
           uint32_t(b[at + 3]) << 24;
}
void wr32(std::vector<uint8_t> &b, size_t at, uint32_t v) {
    for (int i = 0; i < 4; i++) {
        b[at + i] = uint8_t(v >> (8 * i));
    }
}
void fix_crc(std::vector<uint8_t> &b) {
    wr32(b, b.size() - 4, ref_crc32(b.data(), b.size() - 4));
}

I32 rand_vec(std::mt19937 &rng, size_t n, int lo, int hi) {
    std::uniform_int_distribution<int> d(lo, hi);
    I32 v(n);
    for (auto &x : v) {
        x = d(rng);
    }
    return v;
}

/* Model + hand-built mapping + mesh. */
struct Fixture {
    npu_model *m = npu_model_new();
    npu_err e{};
    mesh_desc mesh{};
    std::vector<std::vector<cmp_np_map>> nps;
    std::vector<cmp_layer_map> lmaps;
    cmp_sequence seq{};
    cmp_mapped mm{};
    std::vector<I32> w, wpw; /* per layer: main weights, pointwise weights */
    std::vector<std::vector<uint32_t>> wshape;
    std::vector<I32> thr, step;

    ~Fixture() {
        npu_model_free(m);
    }
    void add(npu_layer_type t, const char *name, const npu_params &p) {
        ASSERT_EQ(npu_model_add(m, t, name, &p, nullptr, 0, &e), NPU_OK) << e.msg;
    }
    void var(uint32_t l, const char *name, std::vector<uint32_t> shape, const I32 &d) {
        ASSERT_EQ(npu_model_set_var(m, l, name, NPU_DTYPE_I32, uint32_t(shape.size()), shape.data(),
                                    d.data(), &e),
                  NPU_OK)
            << e.msg;
    }
    void v1_act(std::mt19937 &rng, uint32_t l, uint32_t f) {
        thr[l] = rand_vec(rng, f, -50, 50);
        step[l] = rand_vec(rng, f, 1, 9);
        var(l, "threshold", {f}, thr[l]);
        var(l, "act_step", {f}, step[l]);
    }
    void resize(size_t n) {
        w.resize(n);
        wpw.resize(n);
        wshape.resize(n);
        thr.resize(n);
        step.resize(n);
    }

    /* conv_0 InputConvolutional 8x6x3 -> 8 filters (HRC); conv_1 Convolutional 6 filters,
     * max pool 2x2 (2 CNPs by filters); sep_2 SeparableConvolutional 4 filters (1 CNP);
     * fc FullyConnected 5 units (FNP3 or FNP2). */
    void build_v1(uint32_t seed, uint32_t wb, bool fnp2, bool two_pass) {
        std::mt19937 rng(seed);
        resize(4);
        int lo = wb == 1 ? 0 : -((1 << (wb - 1)) - 1), hi = wb == 1 ? 1 : (1 << (wb - 1)) - 1;
        npu_params p = npu_params_default(NPU_INPUT_CONVOLUTIONAL);
        p.input_shape = {8, 6, 3};
        p.kernel_x = p.kernel_y = 3;
        p.stride_x = p.stride_y = 1;
        p.filters = 8;
        p.act_bits = 4;
        p.weights_bits = 8;
        add(NPU_INPUT_CONVOLUTIONAL, "conv_0", p);
        wshape[0] = {3, 3, 3, 8};
        w[0] = rand_vec(rng, 3 * 3 * 3 * 8, -127, 127);
        var(0, "weights", wshape[0], w[0]);
        v1_act(rng, 0, 8);

        p = npu_params_default(NPU_CONVOLUTIONAL);
        p.kernel_x = p.kernel_y = 3;
        p.filters = 6;
        p.weights_bits = wb;
        p.act_bits = 4;
        p.pool_type = NPU_POOL_MAX;
        p.pool_x = p.pool_y = 2;
        add(NPU_CONVOLUTIONAL, "conv_1", p);
        wshape[1] = {3, 3, 8, 6};
        w[1] = rand_vec(rng, 3 * 3 * 8 * 6, lo, hi);
        var(1, "weights", wshape[1], w[1]);
        v1_act(rng, 1, 6);

        p = npu_params_default(NPU_SEPARABLE_CONVOLUTIONAL);
        p.kernel_x = p.kernel_y = 3;
        p.filters = 4;
        p.weights_bits = wb == 1 ? 2 : wb;
        p.act_bits = 2;
        add(NPU_SEPARABLE_CONVOLUTIONAL, "sep_2", p);
        int slo = wb == 1 ? -1 : lo, shi = wb == 1 ? 1 : hi;
        wshape[2] = {3, 3, 6, 1};
        w[2] = rand_vec(rng, 3 * 3 * 6, slo, shi);
        wpw[2] = rand_vec(rng, 6 * 4, slo, shi);
        var(2, "weights", wshape[2], w[2]);
        var(2, "weights_pw", {1, 1, 6, 4}, wpw[2]);
        v1_act(rng, 2, 4);

        p = npu_params_default(NPU_FULLY_CONNECTED);
        p.filters = 5;
        p.weights_bits = wb;
        p.act_bits = 4;
        p.activation = false;
        add(NPU_FULLY_CONNECTED, "fc", p);
        wshape[3] = {1, 1, 4 * 3 * 4, 5};
        w[3] = rand_vec(rng, 48 * 5, lo, hi);
        var(3, "weights", wshape[3], w[3]);
        v1_act(rng, 3, 5);
        ASSERT_EQ(npu_model_finalize(m, &e), NPU_OK) << e.msg;

        mesh_v(1);
        nps = {{{mesh.hrc, MESH_NP_HRC, 8, 0, 0, 8, false}},
               {{{1, 2, 1}, MESH_NP_CNP1, 3, 0, 0, 8, true},
                {{1, 2, 2}, MESH_NP_CNP2, 3, 3, 0, 8, false}},
               {{{1, 2, 3}, MESH_NP_CNP1, 4, 0, 0, 4, false}},
               {{{1, 3, 0}, fnp2 ? MESH_NP_FNP2 : MESH_NP_FNP3, 5, 0, 0, 1, false}}};
        finish_map("HW/conv_0-fc", two_pass ? std::vector<uint32_t>{0, 0, 1, 1}
                                            : std::vector<uint32_t>{0, 0, 0, 0});
    }

    /* v2: InputData 6x6x4 (4-bit) -> conv Conv2D 3x3 8 filters (2 CNPs) -> dense Dense1D 3. */
    void build_v2(uint32_t seed) {
        std::mt19937 rng(seed);
        resize(3);
        npu_params p = npu_params_default(NPU_INPUT_DATA);
        p.input_shape = {6, 6, 4};
        p.input_bits = 4;
        add(NPU_INPUT_DATA, "input", p);
        p = npu_params_default(NPU_CONV2D);
        p.kernel_x = p.kernel_y = 3;
        p.stride_x = p.stride_y = 1;
        p.filters = 8;
        p.activation = true;
        add(NPU_CONV2D, "conv", p);
        wshape[1] = {3, 3, 4, 8};
        w[1] = rand_vec(rng, 3 * 3 * 4 * 8, -128, 127);
        var(1, "weights", wshape[1], w[1]);
        thr[1] = rand_vec(rng, 8, -1000, 1000); /* bias */
        var(1, "bias", {8}, thr[1]);
        var(1, "output_scale", {8}, rand_vec(rng, 8, 1, 255));
        var(1, "output_shift", {8}, rand_vec(rng, 8, -4, 12));
        p = npu_params_default(NPU_DENSE1D);
        p.filters = 3;
        add(NPU_DENSE1D, "dense", p);
        uint32_t n = 6 * 6 * 8;
        wshape[2] = {n, 3};
        w[2] = rand_vec(rng, n * 3, -8, 7);
        var(2, "weights", wshape[2], w[2]);
        ASSERT_EQ(npu_model_finalize(m, &e), NPU_OK) << e.msg;
        mesh_v(2);
        nps = {{},
               {{{1, 2, 0}, MESH_NP_CNP1, 5, 0, 0, 6, false},
                {{1, 2, 1}, MESH_NP_CNP1, 3, 5, 0, 6, false}},
               {{{1, 2, 2}, MESH_NP_FNP3, 3, 0, 0, 1, false}}};
        finish_map("HW/input-dense", {0, 0, 0});
    }

    /* conv_0 InputConvolutional W x 6 x 1 (HRC, k0, stride s0) -> conv_1 Convolutional k1,
     * stride s1, optional max pool (pool, stride ps) -> conv_2 Convolutional 3x3. Zero
     * weights; the mapping is set by the caller (finish_map). */
    void build_routes(uint32_t W, uint32_t k0, uint32_t s0, uint32_t k1, uint32_t s1, uint32_t pool,
                      uint32_t ps) {
        resize(3);
        npu_params p = npu_params_default(NPU_INPUT_CONVOLUTIONAL);
        p.input_shape = {W, 6, 1};
        p.kernel_x = p.kernel_y = k0;
        p.stride_x = p.stride_y = s0;
        p.filters = 4;
        p.act_bits = 4;
        p.weights_bits = 8;
        add(NPU_INPUT_CONVOLUTIONAL, "conv_0", p);
        p = npu_params_default(NPU_CONVOLUTIONAL);
        p.kernel_x = p.kernel_y = k1;
        p.stride_x = p.stride_y = s1;
        p.filters = 6;
        p.weights_bits = 4;
        p.act_bits = 4;
        if (pool) {
            p.pool_type = NPU_POOL_MAX;
            p.pool_x = p.pool_y = int32_t(pool);
            p.pool_stride_x = p.pool_stride_y = int32_t(ps);
        }
        add(NPU_CONVOLUTIONAL, "conv_1", p);
        p = npu_params_default(NPU_CONVOLUTIONAL);
        p.kernel_x = p.kernel_y = 3;
        p.filters = 4;
        p.weights_bits = 4;
        p.act_bits = 4;
        add(NPU_CONVOLUTIONAL, "conv_2", p);
        const uint32_t kk[3] = {k0, k1, 3}, cin[3] = {1, 4, 6}, nf[3] = {4, 6, 4};
        for (uint32_t l = 0; l < 3; l++) {
            wshape[l] = {kk[l], kk[l], cin[l], nf[l]};
            var(l, "weights", wshape[l], I32(size_t(kk[l]) * kk[l] * cin[l] * nf[l], 0));
            var(l, "threshold", {nf[l]}, I32(nf[l], 0));
            var(l, "act_step", {nf[l]}, I32(nf[l], 1));
        }
        ASSERT_EQ(npu_model_finalize(m, &e), NPU_OK) << e.msg;
        mesh_v(1);
    }

    void mesh_v(int ip) {
        snprintf(mesh.name, sizeof mesh.name, "%s", ip == 1 ? "testmesh" : "testmesh-v2");
        mesh.ip_version = ip;
        mesh.cols = 1;
        mesh.rows = 3;
        mesh.has_hrc = ip == 1;
        mesh.hrc = {1, 1, 2};
        mesh.dma_event = {1, 1, 0};
        mesh.dma_conf = {1, 1, 1};
    }

    void finish_map(const char *name, const std::vector<uint32_t> &passes) {
        lmaps.clear();
        for (uint32_t l = 0; l < nps.size(); l++) {
            lmaps.push_back({l, passes[l], uint32_t(nps[l].size()), nps[l].data(), 0});
        }
        snprintf(seq.name, sizeof seq.name, "%s", name);
        seq.backend = CMP_BACKEND_HARDWARE;
        seq.first = 0;
        seq.last = uint32_t(nps.size() - 1);
        seq.n_passes = passes.back() + 1;
        seq.n_layers = uint32_t(lmaps.size());
        seq.layers = lmaps.data();
        mm.n_sequences = 1;
        mm.sequences = &seq;
        mm.total_passes = seq.n_passes;
    }

    cmp_program *build() {
        cmp_program *p = nullptr;
        EXPECT_EQ(cmp_program_build(m, &mm, &mesh, &p, &e), NPU_OK) << e.msg;
        return p;
    }
};

std::vector<uint8_t> encode(const cmp_program *p) {
    uint8_t *b = nullptr;
    size_t n = 0;
    npu_err e{};
    EXPECT_EQ(cmp_program_encode(p, &b, &n, &e), NPU_OK) << e.msg;
    std::vector<uint8_t> v(b, b + n);
    free(b);
    return v;
}

npu_status decode(const std::vector<uint8_t> &b, npu_err *e,
                  const cmp_program_expect *x = nullptr) {
    cmp_program *p = nullptr;
    npu_status st = cmp_program_decode(b.data(), b.size(), x, &p, e);
    EXPECT_EQ(st == NPU_OK, p != nullptr);
    cmp_program_free(p);
    return st;
}

void expect_same(const cmp_program *a, const cmp_program *b) {
    const cmp_prog_info *x = cmp_program_info(a), *y = cmp_program_info(b);
    EXPECT_EQ(x->ip_version, y->ip_version);
    EXPECT_STREQ(x->device, y->device);
    EXPECT_EQ(x->in_shape.x, y->in_shape.x);
    EXPECT_EQ(x->in_shape.c, y->in_shape.c);
    EXPECT_EQ(x->in_bits, y->in_bits);
    EXPECT_EQ(x->out_shape.c, y->out_shape.c);
    EXPECT_EQ(x->out_dtype, y->out_dtype);
    ASSERT_EQ(cmp_program_sequence_count(a), cmp_program_sequence_count(b));
    for (uint32_t s = 0; s < cmp_program_sequence_count(a); s++) {
        EXPECT_STREQ(cmp_program_sequence(a, s)->name, cmp_program_sequence(b, s)->name);
        EXPECT_EQ(cmp_program_sequence(a, s)->n_passes, cmp_program_sequence(b, s)->n_passes);
    }
    ASSERT_EQ(cmp_program_pass_count(a), cmp_program_pass_count(b));
    ASSERT_EQ(cmp_program_track_count(a), cmp_program_track_count(b));
    for (uint32_t i = 0; i < cmp_program_pass_count(a); i++) {
        ASSERT_EQ(cmp_program_pass(a, i)->n_tracks, cmp_program_pass(b, i)->n_tracks);
        for (uint32_t k = 0; k < cmp_program_pass(a, i)->n_tracks; k++) {
            const cmp_prog_track *t = cmp_program_track(a, i, k), *u = cmp_program_track(b, i, k);
            EXPECT_EQ(t->ident.col, u->ident.col);
            EXPECT_EQ(t->ident.row, u->ident.row);
            EXPECT_EQ(t->ident.id, u->ident.id);
            EXPECT_EQ(t->type, u->type);
            EXPECT_EQ(t->kind, u->kind);
            EXPECT_EQ(t->region, u->region);
            EXPECT_EQ(t->offset, u->offset);
            ASSERT_EQ(t->n_words, u->n_words);
            const uint32_t *wa = cmp_program_track_words(a, t);
            const uint32_t *wb = cmp_program_track_words(b, u);
            for (uint32_t j = 0; j < t->n_words; j++) {
                ASSERT_EQ(wa[j], wb[j]) << "pass " << i << " track " << k << " word " << j;
            }
        }
    }
    size_t ea, eb;
    const uint8_t *xa = cmp_program_ext(a, &ea), *xb = cmp_program_ext(b, &eb);
    ASSERT_EQ(ea, eb);
    EXPECT_TRUE(ea == 0 || memcmp(xa, xb, ea) == 0);
}

/* Naive expected weight stream of an NP (filter-major, then the other axes in C order). */
I32 expected_weights(const Fixture &f, uint32_t l, uint32_t first, uint32_t count, bool dw) {
    const std::vector<uint32_t> &s = f.wshape[l];
    I32 out;
    if (s.size() == 4 && !dw) { /* (kx, ky, c, f) */
        for (uint32_t fi = first; fi < first + count; fi++)
            for (uint32_t a = 0; a < s[0]; a++)
                for (uint32_t b = 0; b < s[1]; b++)
                    for (uint32_t c = 0; c < s[2]; c++)
                        out.push_back(f.w[l][((a * s[1] + b) * s[2] + c) * s[3] + fi]);
    } else if (s.size() == 4) { /* separable depthwise (kx, ky, c, 1): channel-major */
        for (uint32_t c = 0; c < s[2]; c++)
            for (uint32_t a = 0; a < s[0]; a++)
                for (uint32_t b = 0; b < s[1]; b++)
                    out.push_back(f.w[l][(a * s[1] + b) * s[2] + c]);
    } else { /* (n, f) */
        for (uint32_t fi = first; fi < first + count; fi++)
            for (uint32_t n = 0; n < s[0]; n++)
                out.push_back(f.w[l][n * s[1] + fi]);
    }
    return out;
}

uint32_t reg(const cmp_program *p, uint32_t pass, mesh_ident id, uint32_t off) {
    uint32_t v = 0xdeadbeef;
    EXPECT_TRUE(cmp_program_reg(p, pass, id, off, &v)) << int(id.col) << int(id.row) << int(id.id);
    return v;
}

/* Checks every NP's weights (and v1 thresholds) against the model. */
void check_np_contents(const Fixture &f, const cmp_program *p) {
    npu_err e{};
    for (const cmp_layer_map &lm : f.lmaps) {
        for (uint32_t k = 0; k < lm.n_nps; k++) {
            const cmp_np_map &np = lm.nps[k];
            uint32_t pass = lm.pass;
            uint32_t layer = reg(p, pass, np.ident, NPU_RM_LAYER_OFFSET);
            EXPECT_EQ(npu_rm_layer_index_get(layer), lm.layer);
            uint32_t fl = reg(p, pass, np.ident, NPU_RM_FILTERS_OFFSET);
            uint32_t ff = npu_rm_filters_first_get(fl), fc = npu_rm_filters_count_get(fl);
            EXPECT_EQ(ff, np.filter_first);
            EXPECT_EQ(fc, np.filters);
            uint32_t bits = npu_rm_bits_weights_get(reg(p, pass, np.ident, NPU_RM_BITS_OFFSET));
            uint32_t pwo =
                npu_rm_weights_pw_offset_get(reg(p, pass, np.ident, NPU_RM_WEIGHTS_OFFSET));
            uint32_t *words = nullptr;
            size_t nw = 0;
            ASSERT_EQ(cmp_program_np_weight_words(p, pass, np.ident, &words, &nw, &e), NPU_OK)
                << e.msg;
            bool sep = !f.wpw[lm.layer].empty();
            I32 want = expected_weights(f, lm.layer, ff, fc, sep);
            I32 got(want.size());
            EXPECT_EQ(cmp_weights_unpack(words, nw, bits, 0, want.size(), got.data(), &e), NPU_OK);
            EXPECT_EQ(got, want) << "layer " << lm.layer << " NP " << k;
            if (sep) {
                I32 pw, gpw(size_t(6) * fc);
                for (uint32_t fi = ff; fi < ff + fc; fi++)
                    for (uint32_t c = 0; c < 6; c++)
                        pw.push_back(f.wpw[lm.layer][c * 4 + fi]);
                EXPECT_EQ(cmp_weights_unpack(words, nw, bits, size_t(pwo) * (32 / bits), pw.size(),
                                             gpw.data(), &e),
                          NPU_OK);
                EXPECT_EQ(gpw, pw);
            }
            free(words);
            size_t nt = 0;
            const uint32_t *t = cmp_program_sram(p, pass, np.ident, NPU_RM_REGION_THRESHOLDS, &nt);
            if (!f.step[lm.layer].empty()) {
                ASSERT_NE(t, nullptr);
                ASSERT_EQ(nt, size_t(fc) * 2);
                for (uint32_t i = 0; i < fc; i++) {
                    EXPECT_EQ(int32_t(t[2 * i]), f.thr[lm.layer][ff + i]);
                    EXPECT_EQ(int32_t(t[2 * i + 1]), f.step[lm.layer][ff + i]);
                }
            }
        }
    }
}

TEST(Program, RoundTripV1EveryWordEqualAndWeightsRecovered) {
    for (uint32_t wb : {1u, 2u, 4u}) {
        for (bool fnp2 : {false, true}) {
            for (bool two : {false, true}) {
                Fixture f;
                f.build_v1(100 + wb, wb, fnp2, two);
                cmp_program *p = f.build();
                ASSERT_NE(p, nullptr);
                std::vector<uint8_t> b = encode(p);
                EXPECT_EQ(b.size(), cmp_program_encoded_size(p));
                npu_err e{};
                cmp_program *q = nullptr;
                ASSERT_EQ(cmp_program_decode(b.data(), b.size(), nullptr, &q, &e), NPU_OK) << e.msg;
                expect_same(p, q);
                EXPECT_EQ(encode(q), b);
                check_np_contents(f, q);
                EXPECT_EQ(cmp_program_pass_count(q), two ? 2u : 1u);
                size_t ext = 0;
                cmp_program_ext(q, &ext);
                EXPECT_EQ(ext > 0, fnp2);
                cmp_program_free(p);
                cmp_program_free(q);
            }
        }
    }
}

TEST(Program, HandComputedRegisters) {
    Fixture f;
    f.build_v1(1, 4, false, false);
    cmp_program *p = f.build();
    ASSERT_NE(p, nullptr);
    const mesh_ident c1a = {1, 2, 1}, c1b = {1, 2, 2}, c2 = {1, 2, 3}, fc = {1, 3, 0};
    /* conv_1: kind 2 (Convolutional), version 1, index 1 */
    EXPECT_EQ(reg(p, 0, c1b, NPU_RM_LAYER_OFFSET), 0x00010102u);
    /* activation | flip | pad_same (single_buffer only on the first NP) */
    EXPECT_EQ(reg(p, 0, c1b, NPU_RM_FLAGS_OFFSET), 0x0000000du);
    EXPECT_EQ(reg(p, 0, c1a, NPU_RM_FLAGS_OFFSET), 0x0000000fu);
    EXPECT_EQ(reg(p, 0, c1b, NPU_RM_IN_XY_OFFSET), 0x00060008u);
    EXPECT_EQ(reg(p, 0, c1b, NPU_RM_IN_C_OFFSET), 8u);
    EXPECT_EQ(reg(p, 0, c1b, NPU_RM_OUT_XY_OFFSET), 0x00030004u); /* 8x6 pooled 2x2 */
    EXPECT_EQ(reg(p, 0, c1b, NPU_RM_KERNEL_OFFSET), 0x00111133u);
    EXPECT_EQ(reg(p, 0, c1b, NPU_RM_POOL_OFFSET), 0x00022221u); /* max 2x2 stride 2 */
    EXPECT_EQ(reg(p, 0, c1b, NPU_RM_FILTERS_OFFSET), 0x00030003u);
    EXPECT_EQ(reg(p, 0, c1b, NPU_RM_BITS_OFFSET), 0x00000444u);  /* in 4, w 4, out 4 */
    EXPECT_EQ(reg(p, 0, c1b, NPU_RM_WEIGHTS_OFFSET), 72u << 16); /* 3*3*8 per filter */
    /* conv_1 sends to sep_2's CNP: node col 1 row 2, slot mask {3}, valid; its 3 channels
     * from 3 */
    EXPECT_EQ(reg(p, 0, c1b, NPU_RM_NDEST_OFFSET), 1u);
    EXPECT_EQ(reg(p, 0, c1b, NPU_RM_DEST_IDENT_OFFSET), 0x80080201u); /* SLOTS = 1 << 3 */
    EXPECT_EQ(reg(p, 0, c1b, NPU_RM_DEST_FILTERS_OFFSET), 0x00030003u);
    EXPECT_EQ(reg(p, 0, c1b, NPU_RM_DEST_COLS_OFFSET), 0x00040000u);
    EXPECT_EQ(reg(p, 0, c1b, NPU_RM_DEST_IDENT_OFFSET + 1), 0u);
    /* conv_1 weights: 3 filters x 72 4-bit weights = 27 words */
    size_t n = 0;
    EXPECT_NE(cmp_program_sram(p, 0, c1b, NPU_RM_REGION_WEIGHTS, &n), nullptr);
    EXPECT_EQ(n, 27u);
    /* sep_2: pointwise part after ceil(54 / 8) = 7 words */
    EXPECT_EQ(npu_rm_weights_pw_offset_get(reg(p, 0, c2, NPU_RM_WEIGHTS_OFFSET)), 7u);
    /* fc: FullyConnected kind 4, no kernel register content; output to the event DMA */
    EXPECT_EQ(reg(p, 0, fc, NPU_RM_LAYER_OFFSET), 0x00030104u);
    EXPECT_EQ(reg(p, 0, fc, NPU_RM_KERNEL_OFFSET), 0u);
    EXPECT_EQ(reg(p, 0, fc, NPU_RM_DEST_IDENT_OFFSET), 0xc0000101u);
    EXPECT_EQ(reg(p, 0, fc, NPU_RM_EXT_WORDS_OFFSET), 0u);
    /* HRC: 8-bit weights, 27 per filter, 8 filters = 54 words */
    EXPECT_NE(cmp_program_sram(p, 0, f.mesh.hrc, NPU_RM_REGION_WEIGHTS, &n), nullptr);
    EXPECT_EQ(n, 54u);
    const cmp_prog_info *in = cmp_program_info(p);
    EXPECT_EQ(in->out_dtype, CMP_OUT_INT32);
    EXPECT_EQ(in->in_bits, 8u);
    EXPECT_EQ(in->in_shape.c, 3u);
    /* header bytes as docs/program-format.md lays them out */
    std::vector<uint8_t> b = encode(p);
    EXPECT_EQ(std::string(b.begin(), b.begin() + 4), "AKSP");
    EXPECT_EQ(b[4] | b[5] << 8, 2);
    EXPECT_EQ(b[6] | b[7] << 8, 128);
    EXPECT_EQ(b[8], 1);
    EXPECT_EQ(std::string((const char *)&b[12]), "testmesh");
    EXPECT_EQ(rd32(b, 76), 8u);  /* in x */
    EXPECT_EQ(rd32(b, 96), 5u);  /* out c */
    EXPECT_EQ(rd32(b, 104), 1u); /* sequences */
    EXPECT_EQ(rd32(b, 124), uint32_t(b.size()));
    EXPECT_EQ(rd32(b, b.size() - 4), ref_crc32(b.data(), b.size() - 4));
    /* first track: HRC register block: w0 = col 1 row 1 id 2 type HRC(0) kind 0 */
    size_t tr = 128 + 180 + 12;
    EXPECT_EQ(rd32(b, tr), 0x00020101u);
    EXPECT_EQ(rd32(b, tr + 4), uint32_t(NPU_RM_HRC_NREGS) << 16);
    cmp_program_free(p);
}

TEST(Program, TwoPassOutputsLeaveThroughDma) {
    Fixture f;
    f.build_v1(3, 4, false, true);
    cmp_program *p = f.build();
    ASSERT_NE(p, nullptr);
    /* conv_1 (pass 0) feeds sep_2 (pass 1): its events go to the event DMA */
    EXPECT_EQ(reg(p, 0, {1, 2, 1}, NPU_RM_DEST_IDENT_OFFSET), 0xc0000101u);
    uint32_t v;
    EXPECT_FALSE(cmp_program_reg(p, 0, {1, 2, 3}, 0, &v));
    EXPECT_TRUE(cmp_program_reg(p, 1, {1, 2, 3}, 0, &v));
    cmp_program_free(p);
}

TEST(Program, V2ScalesAndRoundTrip) {
    Fixture f;
    f.build_v2(9);
    cmp_program *p = f.build();
    ASSERT_NE(p, nullptr);
    std::vector<uint8_t> b = encode(p);
    npu_err e{};
    cmp_program *q = nullptr;
    ASSERT_EQ(cmp_program_decode(b.data(), b.size(), nullptr, &q, &e), NPU_OK) << e.msg;
    expect_same(p, q);
    const npu_layer *conv = npu_model_layer(f.m, 1);
    const int32_t *scale = (const int32_t *)npu_layer_var(conv, "output_scale")->data;
    const int32_t *shift = (const int32_t *)npu_layer_var(conv, "output_shift")->data;
    mesh_ident np1 = {1, 2, 1};
    size_t n = 0;
    const uint32_t *s = cmp_program_sram(q, 0, np1, NPU_RM_REGION_SCALES, &n);
    ASSERT_NE(s, nullptr);
    ASSERT_EQ(n, 9u);
    for (uint32_t i = 0; i < 3; i++) {
        EXPECT_EQ(int32_t(s[3 * i]), f.thr[1][5 + i]);
        EXPECT_EQ(int32_t(s[3 * i + 1]), scale[5 + i]);
        EXPECT_EQ(int32_t(int8_t(npu_rm_scales_shifts_output_shift_get(s[3 * i + 2]))),
                  shift[5 + i]);
    }
    EXPECT_EQ(npu_rm_layer_version_get(reg(q, 0, np1, NPU_RM_LAYER_OFFSET)), 2u);
    EXPECT_EQ(npu_rm_flags_flip_get(reg(q, 0, np1, NPU_RM_FLAGS_OFFSET)), 0u);
    EXPECT_EQ(npu_rm_bits_weights_get(reg(q, 0, np1, NPU_RM_BITS_OFFSET)), 8u);
    check_np_contents(f, q);
    /* IP and device expectations */
    cmp_program_expect x1 = {1, nullptr}, x2 = {2, "other"}, x3 = {2, "testmesh-v2"};
    EXPECT_EQ(decode(b, &e, &x1), NPU_ERR_INPUT);
    EXPECT_TRUE(has(e, "IP mismatch")) << e.msg;
    EXPECT_EQ(decode(b, &e, &x2), NPU_ERR_INPUT);
    EXPECT_TRUE(has(e, "device mismatch")) << e.msg;
    EXPECT_EQ(decode(b, &e, &x3), NPU_OK) << e.msg;
    cmp_program_free(p);
    cmp_program_free(q);
}

TEST(Program, BuildRejectsWhatCannotBeEncoded) {
    {
        Fixture f;
        f.build_v1(4, 4, false, false);
        f.nps[1][1].type = MESH_NP_TNP_B;
        cmp_program *p = nullptr;
        EXPECT_EQ(cmp_program_build(f.m, &f.mm, &f.mesh, &p, &f.e), NPU_ERR_INPUT);
        EXPECT_TRUE(has(f.e, "conv_1") && has(f.e, "register map")) << f.e.msg;
        EXPECT_EQ(p, nullptr);
    }
    {
        Fixture f;
        f.build_v1(4, 4, false, false);
        f.nps[3][0].type = MESH_NP_CNP1; /* dense layer on a CNP */
        cmp_program *p = nullptr;
        EXPECT_EQ(cmp_program_build(f.m, &f.mm, &f.mesh, &p, &f.e), NPU_ERR_INPUT);
        EXPECT_TRUE(has(f.e, "fc")) << f.e.msg;
    }
    {
        Fixture f;
        f.build_v1(4, 4, false, false);
        f.nps[1][1].filters = 4; /* 3 + 4 > 6 filters */
        cmp_program *p = nullptr;
        EXPECT_EQ(cmp_program_build(f.m, &f.mm, &f.mesh, &p, &f.e), NPU_ERR_INPUT);
        EXPECT_TRUE(has(f.e, "beyond")) << f.e.msg;
    }
    {
        Fixture f;
        f.build_v1(4, 4, false, false);
        f.mesh.ip_version = 2;
        cmp_program *p = nullptr;
        EXPECT_EQ(cmp_program_build(f.m, &f.mm, &f.mesh, &p, &f.e), NPU_ERR_INPUT);
        EXPECT_TRUE(has(f.e, "IP v1")) << f.e.msg;
    }
}

/* A small valid program for the corruption tests. */
std::vector<uint8_t> small_program(bool fnp2 = false) {
    Fixture f;
    f.build_v1(5, 4, fnp2, false);
    cmp_program *p = f.build();
    std::vector<uint8_t> b = p ? encode(p) : std::vector<uint8_t>();
    cmp_program_free(p);
    return b;
}

TEST(Program, EveryFlippedByteIsRejected) {
    std::vector<uint8_t> b = small_program();
    ASSERT_FALSE(b.empty());
    npu_err e{};
    for (size_t i = 0; i < b.size(); i++) {
        std::vector<uint8_t> c = b;
        c[i] ^= 0x5a;
        ASSERT_EQ(decode(c, &e), NPU_ERR_INPUT) << "byte " << i;
        if (i >= 128 && i < b.size() - 4) {
            EXPECT_TRUE(has(e, "checksum")) << i << ": " << e.msg;
        }
    }
}

TEST(Program, EveryTruncationErrors) {
    std::vector<uint8_t> b = small_program(true);
    ASSERT_FALSE(b.empty());
    npu_err e{};
    for (size_t n = 0; n < b.size(); n++) {
        std::vector<uint8_t> c(b.begin(), b.begin() + n);
        ASSERT_EQ(decode(c, &e), NPU_ERR_INPUT) << n;
    }
    std::vector<uint8_t> c = b;
    c.push_back(0);
    EXPECT_EQ(decode(c, &e), NPU_ERR_INPUT);
    EXPECT_EQ(decode(b, &e), NPU_OK) << e.msg;
}

TEST(Program, ForeignVersionAndMagicRejected) {
    std::vector<uint8_t> b = small_program();
    npu_err e{};
    std::vector<uint8_t> c = b;
    for (uint8_t v : {1, 3}) { /* version 1: DEST_IDENT held a slot id, not a slot mask */
        c = b;
        c[4] = v;
        fix_crc(c);
        EXPECT_EQ(decode(c, &e), NPU_ERR_INPUT);
        EXPECT_TRUE(has(e, "foreign format version " + std::to_string(v))) << e.msg;
    }
    c = b;
    c[0] = 'X';
    EXPECT_EQ(decode(c, &e), NPU_ERR_INPUT);
    EXPECT_TRUE(has(e, "bad magic")) << e.msg;
}

/* Structural edits with a recomputed checksum yield their specific errors. */
TEST(Program, StructuralErrorsWithValidChecksum) {
    std::vector<uint8_t> b = small_program(true);
    ASSERT_FALSE(b.empty());
    const size_t tr = 128 + 180 + 12; /* first track (HRC registers) */
    struct Edit {
        size_t at;
        uint32_t value;
        const char *msg;
    };
    uint32_t w0 = rd32(b, tr);
    size_t t1 = tr + 8 + 4 * NPU_RM_HRC_NREGS; /* second track: HRC weights */
    uint32_t t1w0 = rd32(b, t1);
    const Edit edits[] = {
        {tr, (w0 & ~0x00f00000u) | (5u << 20), "unknown NP type 5"},
        {tr, (w0 & ~0x00f00000u) | (9u << 20), "unknown NP type 9"},
        {tr + 4, (NPU_RM_HRC_NREGS << 16) | 1u, "outside the"},
        {tr, w0 & ~0xffu, "bad NP ident"},
        {tr, w0 | (3u << 24), "unknown track kind"},
        {t1, (t1w0 & 0x0fffffffu) | (7u << 28), "unknown SRAM region 7"},
        {tr + 8 + 4 * 15, 1u, "reserved bits"},                       /* word 15 is reserved */
        {tr + 8 + 4 * NPU_RM_IN_C_OFFSET, 0x10003u, "reserved bits"}, /* IN_C bits 16+ */
        {104, 2, "section counts"},
        {108, 0x40000000u, "section counts"},
        {116, 0xffffffffu, "section counts"},
        {112, 1000, "inconsistent counts"},
        {100, 2, "beyond the 2 layers"},
        {128 + 160, 7, "unknown backend"},
        {128 + 180 + 4, 1, "do not tile"},
        {8, 3, "IP version 3"},
        {9, 3, "input bits 3"},
    };
    npu_err e{};
    for (const Edit &ed : edits) {
        std::vector<uint8_t> c = b;
        if (ed.at == 8 || ed.at == 9) {
            c[ed.at] = uint8_t(ed.value);
        } else {
            wr32(c, ed.at, ed.value);
        }
        fix_crc(c);
        EXPECT_EQ(decode(c, &e), NPU_ERR_INPUT) << ed.msg;
        EXPECT_TRUE(has(e, ed.msg)) << "want '" << ed.msg << "', got: " << e.msg;
    }
    /* two NPs at one ident: the second CNP of conv_1 renamed to the first */
    Fixture f;
    f.build_v1(5, 4, false, false);
    f.nps[1][1].ident = f.nps[1][0].ident;
    f.nps[1][1].type = f.nps[1][0].type;
    cmp_program *p = f.build();
    ASSERT_NE(p, nullptr);
    std::vector<uint8_t> c = encode(p);
    cmp_program_free(p);
    EXPECT_EQ(decode(c, &e), NPU_ERR_INPUT);
    EXPECT_TRUE(has(e, "overlapping register writes")) << e.msg;
    /* the same ident acting as two NP types */
    Fixture h;
    h.build_v1(5, 4, false, false);
    h.nps[1][1].ident = h.nps[1][0].ident;
    p = h.build();
    ASSERT_NE(p, nullptr);
    c = encode(p);
    cmp_program_free(p);
    EXPECT_EQ(decode(c, &e), NPU_ERR_INPUT);
    EXPECT_TRUE(has(e, "written as two NP types")) << e.msg;
    /* FNP2 external address beyond the image */
    Fixture g;
    g.build_v1(5, 4, true, false);
    p = g.build();
    ASSERT_NE(p, nullptr);
    c = encode(p);
    cmp_program_free(p);
    size_t fnp_regs = 0, pos = tr;
    for (int k = 0; k < 64 && pos + 8 <= c.size(); k++) { /* find the FNP2 register track */
        uint32_t a = rd32(c, pos), n = rd32(c, pos + 4) >> 16;
        if (((a >> 20) & 0xf) == MESH_NP_FNP2 && ((a >> 24) & 0xf) == 0) {
            fnp_regs = pos + 8;
            break;
        }
        pos += 8 + 4 * size_t(n);
    }
    ASSERT_NE(fnp_regs, 0u);
    wr32(c, fnp_regs + 4 * NPU_RM_EXT_ADDR_OFFSET, 0x1000);
    fix_crc(c);
    EXPECT_EQ(decode(c, &e), NPU_ERR_INPUT);
    EXPECT_TRUE(has(e, "external weights")) << e.msg;
}

/* Every single-byte mutation with a fixed checksum decodes or errors cleanly. */
TEST(Program, MutationsWithFixedChecksumNeverCrash) {
    std::vector<uint8_t> b = small_program(true);
    std::mt19937 rng(11);
    npu_err e{};
    size_t errors = 0;
    for (size_t i = 0; i + 4 < b.size(); i++) {
        std::vector<uint8_t> c = b;
        c[i] = uint8_t(rng() | 1u) ^ c[i];
        fix_crc(c);
        errors += decode(c, &e) != NPU_OK;
    }
    EXPECT_GT(errors, 0u);
}

TEST(Program, WriteAndReadFile) {
    Fixture f;
    f.build_v1(6, 2, true, true);
    cmp_program *p = f.build();
    ASSERT_NE(p, nullptr);
    char dir[] = "/tmp/akisim_prog_XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    std::string path = std::string(dir) + "/m.aksp";
    npu_err e{};
    ASSERT_EQ(cmp_program_write(p, path.c_str(), &e), NPU_OK) << e.msg;
    cmp_program *q = nullptr;
    ASSERT_EQ(cmp_program_read(path.c_str(), nullptr, &q, &e), NPU_OK) << e.msg;
    expect_same(p, q);
    cmp_program_free(q);
    /* a corrupted file: the message names the path */
    FILE *fp = fopen(path.c_str(), "r+b");
    ASSERT_NE(fp, nullptr);
    fseek(fp, 200, SEEK_SET);
    fputc(0xff, fp);
    fclose(fp);
    EXPECT_EQ(cmp_program_read(path.c_str(), nullptr, &q, &e), NPU_ERR_INPUT);
    EXPECT_TRUE(has(e, path) && has(e, "checksum")) << e.msg;
    remove(path.c_str());
    rmdir(dir);
    cmp_program_free(p);
}

} // namespace

/* ---------------------------------------------------------------- routing tables */

namespace {

using NpPtr = std::unique_ptr<npu_np, decltype(&npu_np_free)>;

npu_np_kind kind_of(mesh_np_type t) {
    if (t == MESH_NP_HRC)
        return NPU_NP_HRC;
    return t == MESH_NP_FNP2 || t == MESH_NP_FNP3 ? NPU_NP_FNP : NPU_NP_CNP;
}

/* NP `id` of global pass `pass` loaded from the program into a fresh NP model, configured. */
NpPtr load_np(const cmp_program *p, uint32_t pass, mesh_ident id, mesh_np_type type) {
    NpPtr np(npu_np_new(kind_of(type)), npu_np_free);
    npu_err e{};
    const cmp_prog_pass *pp = cmp_program_pass(p, pass);
    for (uint32_t k = 0; pp != nullptr && k < pp->n_tracks; k++) {
        const cmp_prog_track *t = cmp_program_track(p, pass, k);
        if (t->ident.col != id.col || t->ident.row != id.row || t->ident.id != id.id)
            continue;
        const uint32_t *w = cmp_program_track_words(p, t);
        npu_status st = t->kind == CMP_TRACK_REGISTERS
                            ? npu_np_write_regs(np.get(), t->offset, w, t->n_words, &e)
                            : npu_np_write_sram(np.get(), t->region, t->offset, w, t->n_words, &e);
        EXPECT_EQ(st, NPU_OK) << e.msg;
    }
    size_t n_ext = 0;
    const uint8_t *ext = cmp_program_ext(p, &n_ext);
    npu_np_attach_external(np.get(), ext, n_ext);
    EXPECT_EQ(npu_np_configure(np.get(), &e), NPU_OK) << e.msg;
    return np;
}

using Dest = std::tuple<int, int, int, bool>; /* col, row, slot id, dma */

struct Loaded {
    const cmp_layer_map *lm; /* the NP's layer map */
    const cmp_np_map *map;   /* its mapping */
    NpPtr np;                /* the configured NP model */
};

/* Checks every NP's decoded routing table against the rule of docs/mapping.md: the NPs of
 * the consumer layers in the same pass, minus those whose need range (NP model) is disjoint
 * from the sender's owned output range (NP model), plus the event DMA when a consumer is
 * elsewhere or there is none; DEST_FILTERS = the sender's filters, DEST_COLS = the receiver's
 * input slice; NDEST = one entry per (node, column slice), at most 32. Returns the largest
 * number of decoded destinations of one NP. */
size_t check_routes(const npu_model *m, const cmp_mapped &mm, const mesh_desc &mesh,
                    const cmp_program *p) {
    size_t widest = 0;
    for (uint32_t s = 0; s < mm.n_sequences; s++) {
        const cmp_sequence &seq = mm.sequences[s];
        if (seq.backend == CMP_BACKEND_SOFTWARE)
            continue;
        for (uint32_t pass = 0; pass < seq.n_passes; pass++) {
            uint32_t gp = cmp_program_sequence(p, s)->first_pass + pass;
            std::vector<Loaded> nps;
            for (uint32_t i = 0; i < seq.n_layers; i++) {
                const cmp_layer_map &lm = seq.layers[i];
                for (uint32_t k = 0; lm.pass == pass && k < lm.n_nps; k++)
                    nps.push_back(
                        {&lm, &lm.nps[k], load_np(p, gp, lm.nps[k].ident, lm.nps[k].type)});
            }
            for (const Loaded &q : nps) {
                const npu_np_config *qc = npu_np_get_config(q.np.get());
                const uint32_t li = q.lm->layer;
                std::set<Dest> want;
                std::set<std::tuple<int, int, uint32_t, uint32_t>> entries;
                bool dma = false;
                for (uint32_t j = li + 1; j < npu_model_layer_count(m); j++) {
                    const npu_layer *c = npu_model_layer(m, j);
                    bool consumes = false;
                    for (uint32_t k = 0; k < c->n_inbound; k++)
                        consumes = consumes || c->inbound[k] == li;
                    if (!consumes)
                        continue;
                    const cmp_layer_map *cm = cmp_mapped_layer(&mm, j);
                    if (cm == nullptr || j < seq.first || j > seq.last || cm->pass != pass ||
                        cm->n_nps == 0) {
                        dma = true;
                        continue;
                    }
                    for (const Loaded &r : nps) {
                        if (r.lm != cm)
                            continue;
                        const npu_np_config *rc = npu_np_get_config(r.np.get());
                        int64_t o0 = qc->out_col_first, o1 = o0 + qc->out_col_count;
                        int64_t n0 = rc->need_col_first, n1 = n0 + rc->need_col_count;
                        if (o1 > o0 && n1 > n0 && (n1 <= o0 || n0 >= o1))
                            continue; /* disjoint: pruned */
                        want.insert({r.map->ident.col, r.map->ident.row, r.map->ident.id, false});
                        entries.insert({r.map->ident.col, r.map->ident.row, r.map->col_first,
                                        r.map->col_count});
                    }
                }
                if (dma || want.empty()) {
                    want.insert({mesh.dma_event.col, mesh.dma_event.row, 0, true});
                    entries.insert({-1, -1, 0, 0});
                }
                std::set<Dest> got;
                for (uint32_t k = 0; k < qc->n_dest; k++) {
                    const auto &d = qc->dest[k];
                    got.insert({d.col, d.row, d.id, d.dma});
                    EXPECT_EQ(d.filter_first, q.map->filter_first);
                    EXPECT_EQ(d.filter_count, q.map->filters);
                    for (const Loaded &r : nps) {
                        if (!d.dma && r.map->ident.col == d.col && r.map->ident.row == d.row &&
                            r.map->ident.id == d.id) {
                            EXPECT_EQ(d.col_first, r.map->col_first);
                            EXPECT_EQ(d.col_count, r.map->col_count);
                        }
                    }
                }
                mesh_ident id = q.map->ident;
                EXPECT_EQ(got, want) << "layer " << li << " NP " << int(id.col) << ","
                                     << int(id.row) << "," << int(id.id);
                EXPECT_EQ(got.size(), size_t(qc->n_dest)) << "a destination named twice";
                uint32_t nd = 0;
                EXPECT_TRUE(cmp_program_reg(p, gp, id, NPU_RM_NDEST_OFFSET, &nd));
                EXPECT_EQ(size_t(nd), entries.size()) << "layer " << li;
                EXPECT_LE(nd, NPU_RM_MAX_DESTINATIONS);
                widest = std::max(widest, got.size());
            }
        }
    }
    return widest;
}

/* Slices of n columns at the given cut points (ascending, in (0, n)). */
std::vector<std::pair<uint32_t, uint32_t>> slices_of(uint32_t n, std::vector<uint32_t> cuts) {
    std::vector<std::pair<uint32_t, uint32_t>> r;
    uint32_t a = 0;
    cuts.push_back(n);
    for (uint32_t c : cuts) {
        r.push_back({a, c - a});
        a = c;
    }
    return r;
}

/* NP mappings of a CNP layer: slices x groups (slice-major, like the mapper) on consecutive
 * slots from *slot (4 per node, nodes down the rows of column 1, then column 2, ...). */
std::vector<cmp_np_map> cnp_maps(const std::vector<std::pair<uint32_t, uint32_t>> &sl,
                                 uint32_t filters, uint32_t groups, uint32_t *slot) {
    std::vector<cmp_np_map> v;
    for (const auto &c : sl) {
        uint32_t f0 = 0;
        for (uint32_t g = 0; g < groups; g++, (*slot)++) {
            uint32_t f = filters / groups + (g < filters % groups ? 1u : 0u);
            uint32_t node = *slot / 4;
            mesh_ident id = {uint8_t(1 + node / 8), uint8_t(2 + node % 8), uint8_t(*slot % 4)};
            v.push_back({id, MESH_NP_CNP1, f, f0, c.first, c.second, false});
            f0 += f;
        }
    }
    return v;
}

} // namespace

TEST(Program, RoutingEntriesMulticastPerNode) {
    /* conv_0 (HRC, 8 columns) -> conv_1 on one slice x 6 filter groups: 4 slots of node (1,2),
     * 2 of node (1,3): two DEST entries with slot masks 0xF and 0x3. */
    Fixture f;
    f.build_routes(8, 3, 1, 3, 1, 0, 0);
    uint32_t slot = 0;
    std::vector<cmp_np_map> c1 = cnp_maps(slices_of(8, {}), 6, 6, &slot);
    std::vector<cmp_np_map> c2 = cnp_maps(slices_of(8, {}), 4, 1, &slot);
    f.nps = {{{f.mesh.hrc, MESH_NP_HRC, 4, 0, 0, 8, false}}, c1, c2};
    f.finish_map("HW/conv_0-conv_2", {0, 0, 0});
    cmp_program *p = f.build();
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(reg(p, 0, f.mesh.hrc, NPU_RM_NDEST_OFFSET), 2u);
    EXPECT_EQ(reg(p, 0, f.mesh.hrc, NPU_RM_DEST_IDENT_OFFSET), 0x800f0201u);
    EXPECT_EQ(reg(p, 0, f.mesh.hrc, NPU_RM_DEST_IDENT_OFFSET + 1), 0x80030301u);
    EXPECT_EQ(reg(p, 0, f.mesh.hrc, NPU_RM_DEST_FILTERS_OFFSET + 1), 0x00040000u);
    EXPECT_EQ(reg(p, 0, f.mesh.hrc, NPU_RM_DEST_COLS_OFFSET + 1), 0x00080000u);
    EXPECT_EQ(reg(p, 0, f.mesh.hrc, NPU_RM_DEST_IDENT_OFFSET + 2), 0u);
    NpPtr hrc = load_np(p, 0, f.mesh.hrc, MESH_NP_HRC);
    const npu_np_config *c = npu_np_get_config(hrc.get());
    ASSERT_EQ(c->n_dest, 6u); /* expanded: one element per slot */
    EXPECT_EQ(c->dest[3].row, 2u);
    EXPECT_EQ(c->dest[3].id, 3u);
    EXPECT_EQ(c->dest[5].row, 3u);
    EXPECT_EQ(c->dest[5].id, 1u);
    check_routes(f.m, f.mm, f.mesh, p);
    cmp_program_free(p);
}

TEST(Program, RoutingPrunesReceiversWithoutColumnOverlap) {
    /* 8 columns, k 3 stride 1 Same: output X's anchor is X - 1 (clamped). conv_1 slices
     * [0,4) [4,8) own outputs 0..4 and 5..7; conv_2 slices [0,2) [2,5) [5,8) need input
     * columns 0..3, 2..6, 5..7. So conv_1's first NP feeds conv_2's slices 0 and 1, its
     * second NP slices 1 and 2. */
    Fixture f;
    f.build_routes(8, 3, 1, 3, 1, 0, 0);
    uint32_t slot = 0;
    std::vector<cmp_np_map> c1 = cnp_maps(slices_of(8, {4}), 6, 1, &slot);
    slot = 4;
    std::vector<cmp_np_map> c2 = cnp_maps(slices_of(8, {2, 5}), 4, 1, &slot);
    f.nps = {{{f.mesh.hrc, MESH_NP_HRC, 4, 0, 0, 8, false}}, c1, c2};
    f.finish_map("HW/conv_0-conv_2", {0, 0, 0});
    cmp_program *p = f.build();
    ASSERT_NE(p, nullptr);
    const mesh_ident a = {1, 2, 0}, b = {1, 2, 1};
    EXPECT_EQ(reg(p, 0, a, NPU_RM_NDEST_OFFSET), 2u);
    EXPECT_EQ(reg(p, 0, a, NPU_RM_DEST_IDENT_OFFSET), 0x80010301u);     /* (1,3) slot 0 */
    EXPECT_EQ(reg(p, 0, a, NPU_RM_DEST_COLS_OFFSET), 0x00020000u);      /* cols 0 + 2 */
    EXPECT_EQ(reg(p, 0, a, NPU_RM_DEST_IDENT_OFFSET + 1), 0x80020301u); /* (1,3) slot 1 */
    EXPECT_EQ(reg(p, 0, a, NPU_RM_DEST_COLS_OFFSET + 1), 0x00030002u);  /* cols 2 + 3 */
    EXPECT_EQ(reg(p, 0, b, NPU_RM_NDEST_OFFSET), 2u);
    EXPECT_EQ(reg(p, 0, b, NPU_RM_DEST_IDENT_OFFSET), 0x80020301u);
    EXPECT_EQ(reg(p, 0, b, NPU_RM_DEST_IDENT_OFFSET + 1), 0x80040301u); /* (1,3) slot 2 */
    EXPECT_EQ(reg(p, 0, b, NPU_RM_DEST_COLS_OFFSET + 1), 0x00030005u);
    /* the HRC owns every column: all 3 receivers of node (1,2)... of conv_1 (2 entries) */
    EXPECT_EQ(reg(p, 0, f.mesh.hrc, NPU_RM_NDEST_OFFSET), 2u);
    check_routes(f.m, f.mm, f.mesh, p);
    cmp_program_free(p);
}

TEST(Program, RoutingMatchesNpModelGeometryRandomized) {
    std::mt19937 rng(2024);
    auto pick = [&](uint32_t lo, uint32_t hi) {
        return std::uniform_int_distribution<uint32_t>(lo, hi)(rng);
    };
    for (int it = 0; it < 60; it++) {
        uint32_t W = pick(8, 40), k0 = pick(0, 1) ? 3 : 5, s0 = pick(1, 2);
        uint32_t k1 = std::vector<uint32_t>{1, 3, 5}[pick(0, 2)];
        uint32_t s1 = k1 == 3 ? pick(1, 2) : 1, pool = pick(0, 1) ? 2 : 0;
        uint32_t ps = pool ? pick(1, 2) : 0;
        Fixture f;
        f.build_routes(W, k0, s0, k1, s1, pool, ps);
        if (testing::Test::HasFatalFailure())
            return;
        uint32_t w1 = npu_model_layer(f.m, 1)->in_shape.x;
        uint32_t w2 = npu_model_layer(f.m, 2)->in_shape.x;
        auto cuts = [&](uint32_t n) {
            std::set<uint32_t> c;
            uint32_t k = pick(0, std::min(4u, n - 1));
            while (c.size() < k)
                c.insert(pick(1, n - 1));
            return std::vector<uint32_t>(c.begin(), c.end());
        };
        uint32_t slot = 0;
        std::vector<cmp_np_map> c1 = cnp_maps(slices_of(w1, cuts(w1)), 6, pick(1, 3), &slot);
        std::vector<cmp_np_map> c2 = cnp_maps(slices_of(w2, cuts(w2)), 4, pick(1, 3), &slot);
        f.nps = {{{f.mesh.hrc, MESH_NP_HRC, 4, 0, 0, W, false}}, c1, c2};
        bool two = pick(0, 3) == 0;
        f.finish_map("HW/conv_0-conv_2",
                     two ? std::vector<uint32_t>{0, 0, 1} : std::vector<uint32_t>{0, 0, 0});
        cmp_program *p = f.build();
        ASSERT_NE(p, nullptr) << "iteration " << it;
        check_routes(f.m, f.mm, f.mesh, p);
        cmp_program_free(p);
        ASSERT_FALSE(HasFailure())
            << "iteration " << it << ": W " << W << " k0 " << k0 << " s0 " << s0 << " k1 " << k1
            << " s1 " << s1 << " pool " << pool << "/" << ps;
    }
}

namespace {

/* AkidaNet 1.0/224 (zero weights) and its allnps mapping on akd1000. */
struct AkidaNet10 {
    npu_model *m = nullptr;
    mesh_desc mesh{};
    cmp_mapped mm{};
    npu_err e{};
    AkidaNet10() {
        cmp_zoo_opts o;
        cmp_zoo_opts_default(&o);
        o.alpha = 1.0;
        o.no_weights = true;
        EXPECT_EQ(cmp_zoo_build("akidanet", &o, &m, &e), NPU_OK) << e.msg;
        EXPECT_EQ(mesh_load("akd1000", &mesh, &e), NPU_OK) << e.msg;
        EXPECT_EQ(cmp_map(m, &mesh, false, CMP_MAP_ALLNPS, &mm, &e), NPU_OK) << e.msg;
    }
    ~AkidaNet10() {
        cmp_mapped_free(&mm);
        mesh_free(&mesh);
        npu_model_free(m);
    }
};

} // namespace

TEST(Program, AkidaNet10AllNpsOnAkd1000BuildsAndRoundTrips) {
    AkidaNet10 a;
    ASSERT_EQ(a.mm.n_sequences, 2u);
    int s12 = npu_model_find(a.m, "sep_12");
    ASSERT_GE(s12, 0);
    const cmp_layer_map *lm = cmp_mapped_layer(&a.mm, uint32_t(s12));
    ASSERT_NE(lm, nullptr);
    EXPECT_GT(lm->n_nps, NPU_RM_MAX_DESTINATIONS); /* the case that used to fail */
    cmp_program *p = nullptr;
    ASSERT_EQ(cmp_program_build(a.m, &a.mm, &a.mesh, &p, &a.e), NPU_OK) << a.e.msg;
    std::vector<uint8_t> b = encode(p);
    cmp_program *q = nullptr;
    ASSERT_EQ(cmp_program_decode(b.data(), b.size(), nullptr, &q, &a.e), NPU_OK) << a.e.msg;
    expect_same(p, q);
    EXPECT_EQ(encode(q), b);
    /* sep_11's NPs each reach every sep_12 NP (one column slice): more NPs than entries */
    EXPECT_EQ(check_routes(a.m, a.mm, a.mesh, q), size_t(lm->n_nps));
    cmp_program_free(p);
    cmp_program_free(q);
}

TEST(Program, MeasureGivesEachSequenceItsOwnProgramSize) {
    AkidaNet10 a;
    ASSERT_EQ(a.mm.n_sequences, 2u);
    ASSERT_TRUE(a.mm.program_estimated);
    std::vector<uint64_t> est = {a.mm.sequences[0].program_bytes, a.mm.sequences[1].program_bytes};
    cmp_program *whole = nullptr;
    ASSERT_EQ(cmp_program_measure(a.m, &a.mm, &a.mesh, &whole, &a.e), NPU_OK) << a.e.msg;
    ASSERT_NE(whole, nullptr);
    EXPECT_FALSE(a.mm.program_estimated);
    EXPECT_EQ(a.mm.program_bytes, cmp_program_encoded_size(whole));
    /* each sequence: a program holding it alone, built independently here */
    for (uint32_t s = 0; s < 2; s++) {
        cmp_mapped one = a.mm;
        one.n_sequences = 1;
        one.sequences = &a.mm.sequences[s];
        cmp_program *p = nullptr;
        ASSERT_EQ(cmp_program_build(a.m, &one, &a.mesh, &p, &a.e), NPU_OK) << a.e.msg;
        EXPECT_EQ(a.mm.sequences[s].program_bytes, cmp_program_encoded_size(p));
        EXPECT_NE(a.mm.sequences[s].program_bytes, est[s]);
        cmp_program_free(p);
    }
    /* hand identity: two single-sequence programs repeat the header (128) and CRC (4) */
    EXPECT_EQ(a.mm.sequences[0].program_bytes + a.mm.sequences[1].program_bytes - 132u,
              a.mm.program_bytes);
    cmp_program_free(whole);
    /* all or nothing: a build failure keeps the estimates */
    AkidaNet10 b;
    mesh_desc other = b.mesh;
    other.ip_version = 2;
    uint64_t before = b.mm.sequences[0].program_bytes;
    EXPECT_EQ(cmp_program_measure(b.m, &b.mm, &other, nullptr, &b.e), NPU_ERR_INPUT);
    EXPECT_TRUE(b.mm.program_estimated);
    EXPECT_EQ(b.mm.sequences[0].program_bytes, before);
}

namespace {

std::string run_cli(const std::string &args) {
    std::string cmd = std::string(AKISIM_CLI) + " " + args + " 2>&1";
    std::string out;
    FILE *f = popen(cmd.c_str(), "r");
    if (f == nullptr)
        return out;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        out.append(buf, n);
    pclose(f);
    return out;
}

/* The "size: N bytes" banners and the totals' "program N bytes" of a mapped summary, in
 * order. */
std::vector<std::string> sizes_of(const std::string &text) {
    std::vector<std::string> v;
    std::regex re("(size: [0-9]+ bytes( \\(estimate\\))?|program [0-9]+ bytes)");
    for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator();
         ++it)
        v.push_back(it->str());
    return v;
}

} // namespace

TEST(Program, MapAndSummaryPrintTheSameEncodedSizes) {
    char dir[] = "/tmp/akisim_h24_XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    std::string model = std::string(dir) + "/ak10";
    std::string z = run_cli("zoo akidanet --alpha 1.0 --no-weights -o " + model);
    ASSERT_EQ(z.find("akisim:"), std::string::npos) << z;
    std::string map = run_cli("map " + model + " --mesh akd1000");
    std::string sum = run_cli("summary " + model + " --mesh akd1000");
    std::vector<std::string> a = sizes_of(map), b = sizes_of(sum);
    ASSERT_EQ(a.size(), 3u) << map; /* two sequences + total */
    EXPECT_EQ(a, b) << map << sum;
    EXPECT_EQ(map.find("estimate"), std::string::npos) << map;
    /* the -o program has the printed total size */
    std::string prog = std::string(dir) + "/p.bin";
    run_cli("map " + model + " --mesh akd1000 -o " + prog);
    cmp_program *p = nullptr;
    npu_err e{};
    ASSERT_EQ(cmp_program_read(prog.c_str(), nullptr, &p, &e), NPU_OK) << e.msg;
    EXPECT_EQ(a[2], "program " + std::to_string(cmp_program_encoded_size(p)) + " bytes");
    cmp_program_free(p);
    std::string rm = std::string("rm -rf ") + dir;
    EXPECT_EQ(system(rm.c_str()), 0);
}
