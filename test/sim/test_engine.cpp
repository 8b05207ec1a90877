/*
 * test_engine: the device model (sim_engine.h): hardware outputs bit-exact with the golden
 * model (random small models v1 / v2, zoo models at reduced sizes, hw_only, hybrid,
 * multi-pass on akd1500), the device really runs the program (one weight word edited ->
 * different output), timing properties (NoC contention, pipelining, pass reconfiguration
 * cost, clock modes), energy = integral of the power trace, record replay = full path,
 * determinism, budgets.
 */
#include <gtest/gtest.h>
#include <zlib.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

extern "C" {
#include "akisim/sim_engine.h"
#include "cmp/cmp_mapper.h"
#include "cmp/cmp_program.h"
#include "cmp/cmp_zoo.h"
#include "mesh/mesh_calib.h"
#include "sim_noc.h"
#include "sim_sched.h"
}

namespace {

using I32 = std::vector<int32_t>;

/* A model mapped and programmed on a mesh, with a device. */
struct Rig {
    npu_err e{};
    mesh_desc mesh{};
    mesh_calib calib{};
    npu_model *m = nullptr;
    cmp_mapped mm{};
    cmp_program *prog = nullptr;
    sim_device *dev = nullptr;
    bool mapped = false;

    ~Rig() {
        sim_device_free(dev);
        cmp_program_free(prog);
        if (mapped) {
            cmp_mapped_free(&mm);
        }
        npu_model_free(m);
        mesh_free(&mesh);
    }
    void setup(const char *mesh_name, bool hw_only, cmp_map_mode mode) {
        ASSERT_EQ(mesh_load(mesh_name, &mesh, &e), NPU_OK) << e.msg;
        ASSERT_EQ(mesh_calib_default(&mesh, &calib, &e), NPU_OK) << e.msg;
        ASSERT_EQ(cmp_map(m, &mesh, hw_only, mode, &mm, &e), NPU_OK) << e.msg;
        mapped = true;
        ASSERT_EQ(cmp_program_build(m, &mm, &mesh, &prog, &e), NPU_OK) << e.msg;
        ASSERT_EQ(sim_device_new(&mesh, &calib, &dev, &e), NPU_OK) << e.msg;
        ASSERT_EQ(sim_device_program(dev, prog, m, &e), NPU_OK) << e.msg;
    }
    std::vector<npu_tensor> inputs(uint32_t n, uint32_t seed) {
        std::mt19937 rng(seed);
        npu_shape s = npu_model_input_shape(m);
        uint32_t bits = npu_model_input_bits(m);
        bool sg = npu_model_input_signed(m);
        int lo = sg ? -(1 << (bits - 1)) : 0, hi = sg ? (1 << (bits - 1)) - 1 : (1 << bits) - 1;
        std::uniform_int_distribution<int> d(lo, hi);
        std::vector<npu_tensor> v(n);
        for (auto &t : v) {
            t.shape = s;
            t.data = (int32_t *)malloc(npu_shape_size(s) * 4);
            for (size_t i = 0; i < npu_shape_size(s); i++) {
                t.data[i] = d(rng);
            }
        }
        return v;
    }
};

void free_all(std::vector<npu_tensor> &v) {
    for (auto &t : v) {
        npu_tensor_free(&t);
    }
}

/* Runs n frames on the device and on the golden model; expects equal outputs. */
void expect_bit_exact(Rig &r, uint32_t n, uint32_t seed) {
    auto in = r.inputs(n, seed);
    std::vector<npu_tensor> hw(n);
    ASSERT_EQ(sim_device_forward(r.dev, in.data(), n, hw.data(), &r.e), NPU_OK) << r.e.msg;
    for (uint32_t i = 0; i < n; i++) {
        npu_tensor sw{};
        ASSERT_EQ(npu_model_forward(r.m, &in[i], &sw, nullptr, &r.e), NPU_OK) << r.e.msg;
        ASSERT_EQ(hw[i].shape.x, sw.shape.x);
        ASSERT_EQ(hw[i].shape.y, sw.shape.y);
        ASSERT_EQ(hw[i].shape.c, sw.shape.c);
        size_t diff = 0;
        for (size_t k = 0; k < npu_shape_size(sw.shape); k++) {
            diff += hw[i].data[k] != sw.data[k];
        }
        EXPECT_EQ(diff, 0u) << "frame " << i;
        npu_tensor_free(&sw);
    }
    free_all(hw);
    free_all(in);
}

npu_model *zoo(const char *name, int version, uint32_t size, double alpha = 1.0,
               uint64_t seed = 1) {
    cmp_zoo_opts o;
    cmp_zoo_opts_default(&o);
    o.version = version;
    o.input_size = size;
    o.alpha = alpha;
    o.seed = seed;
    npu_model *m = nullptr;
    npu_err e{};
    EXPECT_EQ(cmp_zoo_build(name, &o, &m, &e), NPU_OK) << e.msg;
    return m;
}

I32 rand_vec(std::mt19937 &rng, size_t n, int lo, int hi) {
    std::uniform_int_distribution<int> d(lo, hi);
    I32 v(n);
    for (auto &x : v) {
        x = d(rng);
    }
    return v;
}

void set_var(npu_model *m, uint32_t l, const char *name, std::vector<uint32_t> shape,
             const I32 &d) {
    npu_err e{};
    ASSERT_EQ(npu_model_set_var(m, l, name, NPU_DTYPE_I32, uint32_t(shape.size()), shape.data(),
                                d.data(), &e),
              NPU_OK)
        << e.msg;
}

/* Random small v1 model: InputConvolutional -> Convolutional (max pool) -> Separable ->
 * Convolutional (global average pool) -> FullyConnected. */
npu_model *random_v1(uint32_t seed, bool hybrid = false) {
    std::mt19937 rng(seed);
    npu_model *m = npu_model_new();
    npu_err e{};
    uint32_t W = 12 + seed % 8, H = 10 + seed % 5, f0 = 8, f1 = 12, f2 = 16, f3 = 16;
    npu_params p = npu_params_default(NPU_INPUT_CONVOLUTIONAL);
    p.input_shape = {W, H, 3};
    p.kernel_x = p.kernel_y = 3;
    p.stride_x = p.stride_y = 1 + seed % 2;
    p.filters = f0;
    p.act_bits = 4;
    p.weights_bits = 8;
    EXPECT_EQ(npu_model_add(m, NPU_INPUT_CONVOLUTIONAL, "conv_0", &p, nullptr, 0, &e), NPU_OK);
    set_var(m, 0, "weights", {3, 3, 3, f0}, rand_vec(rng, 27 * f0, -127, 127));
    set_var(m, 0, "threshold", {f0}, rand_vec(rng, f0, 0, 2000));
    set_var(m, 0, "act_step", {f0}, rand_vec(rng, f0, 200, 800));
    p = npu_params_default(NPU_CONVOLUTIONAL);
    p.kernel_x = p.kernel_y = 3;
    p.filters = f1;
    p.weights_bits = 4;
    p.act_bits = 4;
    p.pool_type = NPU_POOL_MAX;
    p.pool_x = p.pool_y = 2;
    if (hybrid) { /* stride 2 needs a 3x3 kernel on the hardware: runs on the host */
        p.kernel_x = p.kernel_y = 5;
        p.stride_x = p.stride_y = 2;
        p.pool_type = NPU_POOL_NONE;
        p.pool_x = p.pool_y = -1;
    }
    uint32_t k1 = p.kernel_x;
    EXPECT_EQ(npu_model_add(m, NPU_CONVOLUTIONAL, "conv_1", &p, nullptr, 0, &e), NPU_OK);
    set_var(m, 1, "weights", {k1, k1, f0, f1}, rand_vec(rng, k1 * k1 * f0 * f1, -7, 7));
    set_var(m, 1, "threshold", {f1}, rand_vec(rng, f1, 0, 40));
    set_var(m, 1, "act_step", {f1}, rand_vec(rng, f1, 5, 20));
    p = npu_params_default(NPU_SEPARABLE_CONVOLUTIONAL);
    p.kernel_x = p.kernel_y = 3;
    p.filters = f2;
    p.weights_bits = 4;
    p.act_bits = 4;
    EXPECT_EQ(npu_model_add(m, NPU_SEPARABLE_CONVOLUTIONAL, "sep_2", &p, nullptr, 0, &e), NPU_OK);
    set_var(m, 2, "weights", {3, 3, f1, 1}, rand_vec(rng, 9 * f1, -7, 7));
    set_var(m, 2, "weights_pw", {1, 1, f1, f2}, rand_vec(rng, f1 * f2, -7, 7));
    set_var(m, 2, "threshold", {f2}, rand_vec(rng, f2, 0, 60));
    set_var(m, 2, "act_step", {f2}, rand_vec(rng, f2, 5, 30));
    p = npu_params_default(NPU_CONVOLUTIONAL);
    p.kernel_x = p.kernel_y = 3;
    p.filters = f3;
    p.weights_bits = 2;
    p.act_bits = 2;
    p.pool_type = NPU_POOL_AVG;
    p.pool_x = p.pool_y = -1;
    EXPECT_EQ(npu_model_add(m, NPU_CONVOLUTIONAL, "conv_3", &p, nullptr, 0, &e), NPU_OK);
    set_var(m, 3, "weights", {3, 3, f2, f3}, rand_vec(rng, 9 * f2 * f3, -1, 1));
    set_var(m, 3, "threshold", {f3}, rand_vec(rng, f3, 0, 100));
    set_var(m, 3, "act_step", {f3}, rand_vec(rng, f3, 10, 60));
    p = npu_params_default(NPU_FULLY_CONNECTED);
    p.filters = 10;
    p.weights_bits = 4;
    p.act_bits = 4;
    p.activation = false;
    EXPECT_EQ(npu_model_add(m, NPU_FULLY_CONNECTED, "fc", &p, nullptr, 0, &e), NPU_OK);
    set_var(m, 4, "weights", {1, 1, f3, 10}, rand_vec(rng, f3 * 10, -7, 7));
    set_var(m, 4, "threshold", {10}, rand_vec(rng, 10, 0, 10));
    set_var(m, 4, "act_step", {10}, rand_vec(rng, 10, 1, 4));
    EXPECT_EQ(npu_model_finalize(m, &e), NPU_OK) << e.msg;
    return m;
}

/* --------------------------------------------------------------- scheduler and NoC units */

TEST(EngineSched, PopsInTimeThenPushOrder) {
    sim_sched q{};
    std::mt19937 rng(5);
    std::vector<std::pair<double, uint32_t>> ref;
    for (uint32_t i = 0; i < 500; i++) {
        double t = double(rng() % 50);
        ASSERT_TRUE(sim_sched_push(&q, t, 0, i, 0, 0));
        ref.push_back({t, i});
    }
    std::stable_sort(ref.begin(), ref.end(), [](auto &a, auto &b) { return a.first < b.first; });
    sim_ev e;
    for (auto &r : ref) {
        ASSERT_TRUE(sim_sched_pop(&q, &e));
        EXPECT_EQ(e.t, r.first);
        EXPECT_EQ(e.a, r.second);
    }
    EXPECT_FALSE(sim_sched_pop(&q, &e));
    sim_sched_free(&q);
}

TEST(EngineNoc, HandComputedLatencyAndContention) {
    sim_noc n;
    ASSERT_TRUE(sim_noc_init(&n, 5, 5, 2.0, 4.0));
    mesh_ident a{1, 1, 0}, b{3, 2, 1}, c{1, 1, 1};
    EXPECT_EQ(sim_noc_hops(&n, a, b), 4u); /* 2 columns + 1 row + 1 */
    /* uncontended: (links + 1) * hop + bytes / bw = 4 * 2 + 64 / 4 */
    EXPECT_DOUBLE_EQ(sim_noc_send(&n, a, b, 0.0, 64), 24.0);
    EXPECT_EQ(n.hop_bytes, 64u * 4u);
    sim_noc_reset(&n);
    double one = sim_noc_send(&n, a, b, 0.0, 400);
    sim_noc_reset(&n);
    /* two flows from different sources sharing the links towards b */
    double f1 = sim_noc_send(&n, a, b, 0.0, 400);
    double f2 = sim_noc_send(&n, c, b, 0.0, 400);
    EXPECT_DOUBLE_EQ(f1, one);
    EXPECT_GT(f2, one);
    EXPECT_GE(f2, one + 400 / 4.0 - 1e-9); /* waits for the shared link */
    sim_noc_free(&n);
}

/* --------------------------------------------------------------- functional: bit exact */

class RandomV1 : public ::testing::TestWithParam<uint32_t> {};

TEST_P(RandomV1, HardwareEqualsGolden) {
    Rig r;
    r.m = random_v1(GetParam());
    r.setup("akd1000", true, CMP_MAP_ALLNPS);
    expect_bit_exact(r, 3, GetParam() + 100);
}
INSTANTIATE_TEST_SUITE_P(Seeds, RandomV1, ::testing::Values(1u, 2u, 3u, 4u, 5u, 6u));

TEST(EngineFunctional, ZooV1KwsAkd1000) {
    Rig r;
    r.m = zoo("ds_cnn_kws", 1, 0);
    r.setup("akd1000", true, CMP_MAP_ALLNPS);
    expect_bit_exact(r, 2, 7);
    /* derived activity matches the NP models' counters (events in / out) */
    const sim_results *res = sim_device_results(r.dev);
    ASSERT_NE(res, nullptr);
    for (uint32_t i = 0; i < res->n_nps; i++) {
        npu_np_counters c{};
        ASSERT_TRUE(sim_device_np_counters(r.dev, res->nps[i].pass, res->nps[i].ident, &c));
        EXPECT_EQ(c.events_in, res->nps[i].counters.events_in) << i;
        EXPECT_EQ(c.events_out, res->nps[i].counters.events_out) << i;
    }
}

TEST(EngineFunctional, ZooAkidanetSmallV1AndV2) {
    for (int v = 1; v <= 2; v++) {
        Rig r;
        r.m = zoo("akidanet", v, 32, 0.25);
        r.setup(v == 1 ? "akd1000" : "sixnodes-v2", false, CMP_MAP_ALLNPS);
        expect_bit_exact(r, 1, 3 + v);
    }
}

TEST(EngineFunctional, OtherZooModels) {
    const char *names[] = {"vgg_utk_face", "ds_cnn_cifar10", "gxnor_mnist", "mobilenet"};
    for (const char *nm : names) {
        SCOPED_TRACE(nm);
        Rig r;
        r.m = zoo(nm, 1, std::string(nm) == "mobilenet" ? 32 : 0,
                  std::string(nm) == "mobilenet" ? 0.25 : 1.0);
        r.setup("akd1000", false, CMP_MAP_ALLNPS);
        expect_bit_exact(r, 1, 11);
    }
}

TEST(EngineFunctional, HybridSoftwareSequence) {
    for (uint32_t seed = 1; seed <= 3; seed++) {
        Rig r;
        r.m = random_v1(seed, true);
        r.setup("akd1000", false, CMP_MAP_ALLNPS);
        ASSERT_GT(r.mm.n_sequences, 1u);
        expect_bit_exact(r, 2, 9 + seed);
        const sim_results *res = sim_device_results(r.dev);
        bool sw = false;
        for (uint32_t i = 0; i < res->n_sequences; i++) {
            sw = sw || (!res->sequences[i].hardware && res->sequences[i].host_s > 0);
        }
        EXPECT_TRUE(sw);
    }
}

TEST(EngineFunctional, MultiPassAkd1500) {
    Rig r;
    r.m = zoo("akidanet", 1, 32, 0.25);
    r.setup("akd1500", true, CMP_MAP_HWPR);
    uint32_t passes = 0;
    for (uint32_t i = 0; i < cmp_program_sequence_count(r.prog); i++) {
        passes += cmp_program_sequence(r.prog, i)->n_passes;
    }
    EXPECT_GT(passes, 1u);
    expect_bit_exact(r, 2, 13);
    /* pass reconfiguration cost: each pass re-writes its tracks every inference */
    auto in = r.inputs(1, 1);
    npu_tensor out{};
    ASSERT_EQ(sim_device_forward(r.dev, in.data(), 1, &out, &r.e), NPU_OK);
    const sim_results *res = sim_device_results(r.dev);
    uint64_t reconf = 0;
    for (uint32_t t = 0; t < res->n_tracks; t++) {
        if (std::string(res->tracks[t]) == "dma_conf") {
            for (size_t s = 0; s < res->n_spans; s++) {
                if (res->spans[s].track == t) {
                    reconf += res->spans[s].end - res->spans[s].start;
                }
            }
        }
    }
    EXPECT_GT(reconf, 0u);
    EXPECT_GT(sim_device_metrics(r.dev).inference_clk, reconf);
    npu_tensor_free(&out);
    free_all(in);
}

TEST(EngineFunctional, EditedWeightWordChangesOutput) {
    Rig r;
    r.m = random_v1(3);
    r.setup("akd1000", true, CMP_MAP_ALLNPS);
    uint8_t *bytes = nullptr;
    size_t n = 0;
    ASSERT_EQ(cmp_program_encode(r.prog, &bytes, &n, &r.e), NPU_OK);
    std::vector<uint8_t> b(bytes, bytes + n);
    free(bytes);
    /* the last WEIGHTS track of the FC layer's NP: flip all bits of its first payload word */
    size_t off = 0;
    uint32_t npass = cmp_program_pass_count(r.prog);
    const cmp_prog_track *target = nullptr;
    for (uint32_t p = 0; p < npass; p++) {
        for (uint32_t k = 0; k < cmp_program_pass(r.prog, p)->n_tracks; k++) {
            const cmp_prog_track *t = cmp_program_track(r.prog, p, k);
            if (t->kind == CMP_TRACK_SRAM && t->region == 0 &&
                (t->type == MESH_NP_FNP3 || t->type == MESH_NP_FNP2)) {
                target = t;
            }
        }
    }
    ASSERT_NE(target, nullptr);
    const uint32_t *w = cmp_program_track_words(r.prog, target);
    /* find the payload in the encoded bytes */
    std::vector<uint8_t> pat((const uint8_t *)w, (const uint8_t *)(w + target->n_words));
    auto it = std::search(b.begin(), b.end(), pat.begin(), pat.end());
    ASSERT_NE(it, b.end());
    off = size_t(it - b.begin());
    /* 4-bit weights, 8 per word: set the first to +7 then -7 (whichever differs) */
    uint32_t word = uint32_t(b[off]) | uint32_t(b[off + 1]) << 8 | uint32_t(b[off + 2]) << 16 |
                    uint32_t(b[off + 3]) << 24;
    uint32_t nw = (word & ~0xfu) | ((word & 0xfu) == 7u ? 0x9u : 0x7u);
    for (int i = 0; i < 4; i++) {
        b[off + i] = uint8_t(nw >> (8 * i));
    }
    uint32_t crc = uint32_t(crc32(0L, b.data(), uInt(b.size() - 4)));
    for (int i = 0; i < 4; i++) {
        b[b.size() - 4 + i] = uint8_t(crc >> (8 * i));
    }
    sim_device *d2 = nullptr;
    ASSERT_EQ(sim_device_new(&r.mesh, &r.calib, &d2, &r.e), NPU_OK);
    ASSERT_EQ(sim_device_program_bytes(d2, b.data(), b.size(), r.m, &r.e), NPU_OK) << r.e.msg;
    /* inputs that make the fc input non-zero: search a few seeds */
    bool differs = false;
    for (uint32_t s = 0; s < 20 && !differs; s++) {
        auto in = r.inputs(1, 500 + s);
        npu_tensor a{}, c{};
        ASSERT_EQ(sim_device_forward(r.dev, in.data(), 1, &a, &r.e), NPU_OK);
        ASSERT_EQ(sim_device_forward(d2, in.data(), 1, &c, &r.e), NPU_OK);
        for (size_t k = 0; k < npu_shape_size(a.shape); k++) {
            differs = differs || a.data[k] != c.data[k];
        }
        npu_tensor_free(&a);
        npu_tensor_free(&c);
        free_all(in);
    }
    EXPECT_TRUE(differs);
    sim_device_free(d2);
}

TEST(EngineFunctional, BadInputsRejected) {
    Rig r;
    r.m = random_v1(2);
    r.setup("akd1000", true, CMP_MAP_ALLNPS);
    auto in = r.inputs(1, 1);
    npu_tensor out{};
    in[0].data[3] = 256; /* beyond 8 bits */
    EXPECT_EQ(sim_device_forward(r.dev, in.data(), 1, &out, &r.e), NPU_ERR_INPUT);
    EXPECT_NE(std::string(r.e.msg).find("outside"), std::string::npos) << r.e.msg;
    in[0].data[3] = 0;
    in[0].shape.x += 1;
    EXPECT_EQ(sim_device_forward(r.dev, in.data(), 1, &out, &r.e), NPU_ERR_INPUT);
    in[0].shape.x -= 1;
    /* a program for another device */
    mesh_desc other{};
    ASSERT_EQ(mesh_load("akd1500", &other, &r.e), NPU_OK);
    sim_device *d2 = nullptr;
    ASSERT_EQ(sim_device_new(&other, &r.calib, &d2, &r.e), NPU_OK);
    EXPECT_EQ(sim_device_program(d2, r.prog, r.m, &r.e), NPU_ERR_INPUT);
    EXPECT_FALSE(sim_device_programmed(d2));
    sim_device_free(d2);
    mesh_free(&other);
    free_all(in);
}

/* --------------------------------------------------------------- timing and energy */

uint64_t run_clk(Rig &r, uint32_t n, uint32_t seed) {
    auto in = r.inputs(n, seed);
    std::vector<npu_tensor> out(n);
    EXPECT_EQ(sim_device_forward(r.dev, in.data(), n, out.data(), &r.e), NPU_OK) << r.e.msg;
    free_all(out);
    free_all(in);
    return sim_device_metrics(r.dev).inference_clk;
}

TEST(EngineTiming, PipelinedFramesOverlap) {
    Rig r;
    r.m = zoo("ds_cnn_kws", 1, 0);
    r.setup("akd1000", true, CMP_MAP_ALLNPS);
    uint64_t one = run_clk(r, 1, 4);
    uint64_t ten = run_clk(r, 10, 4);
    EXPECT_GT(one, 0u);
    EXPECT_GT(ten, one);
    EXPECT_LT(ten, 10 * one);
    EXPECT_EQ(sim_device_metrics(r.dev).inference_frames, 10u);
    EXPECT_GT(sim_device_metrics(r.dev).program_clk, 0u);
}

TEST(EngineTiming, EnergyEqualsPowerIntegral) {
    Rig r;
    r.m = zoo("ds_cnn_kws", 1, 0);
    r.setup("akd1000", true, CMP_MAP_ALLNPS);
    r.calib.power_sample_us = 5.0;
    sim_device_free(r.dev);
    ASSERT_EQ(sim_device_new(&r.mesh, &r.calib, &r.dev, &r.e), NPU_OK);
    ASSERT_EQ(sim_device_program(r.dev, r.prog, r.m, &r.e), NPU_OK);
    uint64_t clk = run_clk(r, 3, 2);
    const sim_results *res = sim_device_results(r.dev);
    ASSERT_EQ(res->n_sequences, 1u);
    ASSERT_GT(res->n_power, 2u);
    double total_us = double(clk) / res->clock_mhz, integral = 0.0;
    for (size_t i = 0; i < res->n_power; i++) {
        double end = i + 1 < res->n_power ? res->power[i + 1].t_us : total_us;
        integral += res->power[i].power_mw * (end - res->power[i].t_us) * 1e-6; /* mJ */
        EXPECT_NEAR(res->power[i].current_ma * res->power[i].voltage_uv * 1e-6,
                    res->power[i].power_mw, 1e-6 * res->power[i].power_mw);
        EXPECT_GE(res->power[i].power_mw, res->floor_mw);
    }
    const sim_seq_stats &s = res->sequences[0];
    EXPECT_NEAR(integral, s.energy_mj_per_frame * s.frames, 1e-3 * integral);
    EXPECT_GT(s.dynamic_energy_mj_per_frame, 0.0);
    EXPECT_LT(s.dynamic_energy_mj_per_frame, s.energy_mj_per_frame);
    EXPECT_NEAR(s.energy_mj_per_frame, s.power_avg_mw / s.fps, 1e-9 + 1e-6 * s.energy_mj_per_frame);
    EXPECT_LE(s.power_min_mw, s.power_avg_mw + 1e-9);
    EXPECT_GE(s.power_max_mw, s.power_avg_mw - 1e-9);
}

TEST(EngineTiming, LowPowerSlowerAndLowerPower) {
    Rig r;
    r.m = zoo("ds_cnn_kws", 1, 0);
    r.setup("akd1000", true, CMP_MAP_ALLNPS);
    run_clk(r, 2, 1);
    sim_seq_stats perf = sim_device_results(r.dev)->sequences[0];
    sim_device_set_clock_mode(r.dev, MESH_CLOCK_LOWPOWER);
    run_clk(r, 2, 1);
    sim_seq_stats low = sim_device_results(r.dev)->sequences[0];
    EXPECT_GT(low.latency_ms, perf.latency_ms);
    EXPECT_LT(low.power_avg_mw, perf.power_avg_mw);
    EXPECT_LT(low.dynamic_energy_mj_per_frame, perf.dynamic_energy_mj_per_frame);
}

TEST(EngineTiming, ReplayEqualsFullPathAndIsDeterministic) {
    Rig r;
    r.m = zoo("ds_cnn_kws", 1, 0);
    r.setup("akd1000", true, CMP_MAP_ALLNPS);
    run_clk(r, 3, 21);
    sim_results full{};
    ASSERT_EQ(sim_device_take_results(r.dev, &full, &r.e), NPU_OK);
    sim_metrics m1 = sim_device_metrics(r.dev);
    sim_record *rec = sim_device_take_record(r.dev);
    ASSERT_NE(rec, nullptr);
    EXPECT_EQ(sim_record_frames(rec), 3u);
    /* replay on the same device */
    ASSERT_EQ(sim_device_replay(r.dev, rec, &r.e), NPU_OK) << r.e.msg;
    EXPECT_EQ(sim_device_metrics(r.dev).inference_clk, m1.inference_clk);
    const sim_results *rp = sim_device_results(r.dev);
    ASSERT_EQ(rp->n_spans, full.n_spans);
    for (size_t i = 0; i < full.n_spans; i++) {
        EXPECT_EQ(rp->spans[i].start, full.spans[i].start);
        EXPECT_EQ(rp->spans[i].end, full.spans[i].end);
    }
    EXPECT_EQ(rp->sequences[0].energy_mj_per_frame, full.sequences[0].energy_mj_per_frame);
    /* second identical run: identical results */
    run_clk(r, 3, 21);
    const sim_results *again = sim_device_results(r.dev);
    ASSERT_EQ(again->n_nps, full.n_nps);
    for (uint32_t i = 0; i < full.n_nps; i++) {
        EXPECT_EQ(again->nps[i].busy_cycles, full.nps[i].busy_cycles);
        EXPECT_EQ(
            0, memcmp(&again->nps[i].counters, &full.nps[i].counters, sizeof full.nps[i].counters));
    }
    ASSERT_EQ(again->n_power, full.n_power);
    for (size_t i = 0; i < full.n_power; i++) {
        EXPECT_EQ(again->power[i].power_mw, full.power[i].power_mw);
    }
    /* replay through another mapping (Minimal) and mesh timing vs its own full path */
    Rig r2;
    r2.m = zoo("ds_cnn_kws", 1, 0);
    r2.setup("akd1000", true, CMP_MAP_MINIMAL);
    uint64_t full2 = run_clk(r2, 3, 21);
    ASSERT_EQ(sim_device_replay(r2.dev, rec, &r2.e), NPU_OK) << r2.e.msg;
    EXPECT_EQ(sim_device_metrics(r2.dev).inference_clk, full2);
    sim_record_free(rec);
    sim_results_free(&full);
}

TEST(EngineTiming, BudgetsStopTheRun) {
    Rig r;
    r.m = zoo("ds_cnn_kws", 1, 0);
    r.setup("akd1000", true, CMP_MAP_ALLNPS);
    for (int which = 0; which < 2; which++) {
        mesh_calib c = r.calib;
        if (which == 0) {
            c.max_cycles = 1000;
        } else {
            c.max_events = 10;
        }
        sim_device *d = nullptr;
        ASSERT_EQ(sim_device_new(&r.mesh, &c, &d, &r.e), NPU_OK);
        ASSERT_EQ(sim_device_program(d, r.prog, r.m, &r.e), NPU_OK);
        auto in = r.inputs(1, 3);
        npu_tensor out{};
        EXPECT_EQ(sim_device_forward(d, in.data(), 1, &out, &r.e), NPU_ERR_INPUT);
        EXPECT_NE(std::string(r.e.msg).find(which == 0 ? "max_cycles" : "max_events"),
                  std::string::npos)
            << r.e.msg;
        EXPECT_EQ(out.data, nullptr);
        free_all(in);
        sim_device_free(d);
    }
}

TEST(EngineTiming, MemoryAndMetrics) {
    Rig r;
    r.m = zoo("ds_cnn_kws", 1, 0);
    r.setup("akd1000", true, CMP_MAP_ALLNPS);
    sim_memory m0 = sim_device_memory(r.dev);
    EXPECT_EQ(m0.usage, cmp_program_encoded_size(r.prog));
    run_clk(r, 4, 1);
    sim_memory m1 = sim_device_memory(r.dev);
    EXPECT_GT(m1.top, m1.usage);
    sim_device_reset_top_memory(r.dev);
    EXPECT_EQ(sim_device_memory(r.dev).top, m1.usage);
    sim_device_unprogram(r.dev);
    EXPECT_FALSE(sim_device_programmed(r.dev));
    auto in = r.inputs(1, 1);
    npu_tensor out{};
    EXPECT_EQ(sim_device_forward(r.dev, in.data(), 1, &out, &r.e), NPU_ERR_INPUT);
    free_all(in);
}

} // namespace

namespace {
TEST(EngineHost, ForwardLayerMatchesForwardAndRejectsBadInput) {
    npu_model *m = random_v1(4);
    npu_err e{};
    std::mt19937 rng(1);
    npu_tensor in{npu_model_input_shape(m), nullptr};
    I32 v = rand_vec(rng, npu_shape_size(in.shape), 0, 255);
    in.data = v.data();
    uint32_t n = npu_model_layer_count(m);
    std::vector<npu_tensor> per(n);
    npu_tensor out{};
    ASSERT_EQ(npu_model_forward(m, &in, &out, per.data(), &e), NPU_OK);
    for (uint32_t l = 0; l < n; l++) {
        const npu_tensor *src = l == 0 ? &in : &per[l - 1];
        npu_tensor o{};
        ASSERT_EQ(npu_model_forward_layer(m, l, &src, 1, &o, &e), NPU_OK) << e.msg;
        EXPECT_EQ(0, memcmp(o.data, per[l].data, npu_shape_size(o.shape) * 4)) << l;
        npu_tensor_free(&o);
    }
    const npu_tensor *bad = &in; /* layer 2 expects layer 1's output shape */
    npu_tensor o{};
    EXPECT_EQ(npu_model_forward_layer(m, 2, &bad, 1, &o, &e), NPU_ERR_INPUT);
    EXPECT_EQ(npu_model_forward_layer(m, n, &bad, 1, &o, &e), NPU_ERR_INPUT);
    EXPECT_EQ(o.data, nullptr);
    for (auto &t : per) {
        npu_tensor_free(&t);
    }
    npu_tensor_free(&out);
    npu_model_free(m);
}
} // namespace
