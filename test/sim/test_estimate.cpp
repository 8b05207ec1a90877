/*
 * test_estimate: the estimate fidelity (sim_estimate.h, docs/fidelity.md "Estimate
 * fidelity") against the exact engine: on small zoo models and several meshes / map modes,
 * the per-NP and per-layer activity counters are equal to the exact model's (they come from
 * the record's histograms with the same counting rules), cycles and energy are within the
 * documented 5 % bound, an independent naive count of the input events (int64, from the
 * record tensors) matches, two runs give identical figures; the sweep with --fidelity
 * estimate --check 1 writes valid point JSONs with "estimate_error" and a results.csv; bad
 * input (a record of another model) is rejected.
 */
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include <sys/stat.h>
#include <unistd.h>

#include "akisim/sim_engine.h"
#include "akisim/sim_sweep.h"
#include "akisim/sim_write.h"
#include "cmp/cmp_mapper.h"
#include "cmp/cmp_program.h"
#include "cmp/cmp_zoo.h"
#include "sim_estimate.h"

namespace {

constexpr double kBound = 0.05; /* documented bound of docs/fidelity.md */

struct Totals {
    double cycles = 0, energy = 0;
};

Totals totals(const sim_results *r) {
    Totals t;
    for (uint32_t i = 0; i < r->n_sequences; i++)
        if (r->sequences[i].hardware) {
            t.cycles += (double)r->sequences[i].inference_clk;
            t.energy += r->sequences[i].energy_mj_per_frame * r->sequences[i].frames;
        }
    return t;
}

/* A model mapped, programmed and run once on a mesh. */
struct Target {
    npu_model *model = nullptr;
    mesh_desc mesh{};
    mesh_calib calib{};
    cmp_mapped mm{};
    cmp_program *prog = nullptr;
    sim_device *dev = nullptr;
    bool mapped = false;

    ~Target() {
        sim_device_free(dev);
        cmp_program_free(prog);
        if (mapped)
            cmp_mapped_free(&mm);
        mesh_free(&mesh);
        npu_model_free(model);
    }

    void build(const char *zoo, double alpha, uint32_t size, const char *spec, bool hw_only,
               cmp_map_mode mode, uint32_t frames) {
        npu_err e;
        npu_err_clear(&e);
        cmp_zoo_opts o;
        cmp_zoo_opts_default(&o);
        if (alpha > 0)
            o.alpha = alpha;
        o.input_size = size;
        ASSERT_EQ(cmp_zoo_build(zoo, &o, &model, &e), NPU_OK) << e.msg;
        ASSERT_EQ(mesh_load(spec, &mesh, &e), NPU_OK) << e.msg;
        ASSERT_EQ(mesh_calib_default(&mesh, &calib, &e), NPU_OK) << e.msg;
        ASSERT_EQ(cmp_map(model, &mesh, hw_only, mode, &mm, &e), NPU_OK) << e.msg;
        mapped = true;
        ASSERT_EQ(cmp_program_build(model, &mm, &mesh, &prog, &e), NPU_OK) << e.msg;
        ASSERT_EQ(sim_device_new(&mesh, &calib, &dev, &e), NPU_OK) << e.msg;
        ASSERT_EQ(sim_device_program(dev, prog, model, &e), NPU_OK) << e.msg;
        const npu_shape s = npu_model_input_shape(model);
        const size_t n = npu_shape_size(s);
        const uint32_t bits = npu_model_input_bits(model);
        std::vector<npu_tensor> in(frames), out(frames);
        std::vector<std::vector<int32_t>> data(frames, std::vector<int32_t>(n));
        uint64_t st = 7;
        for (uint32_t f = 0; f < frames; f++) {
            for (size_t k = 0; k < n; k++) {
                st = st * 6364136223846793005ull + 1442695040888963407ull;
                data[f][k] = (int32_t)((st >> 33) % (1u << (bits ? bits : 8)));
                if (npu_model_input_signed(model))
                    data[f][k] -= (int32_t)(1u << (bits - 1));
            }
            in[f].shape = s;
            in[f].data = data[f].data();
        }
        ASSERT_EQ(sim_device_forward(dev, in.data(), frames, out.data(), &e), NPU_OK) << e.msg;
        for (auto &t : out)
            npu_tensor_free(&t);
    }
};

struct Case {
    const char *zoo;
    double alpha;
    uint32_t size;
    const char *mesh;
    bool hw_only;
    cmp_map_mode mode;
    uint32_t frames;
};

void check_case(const Case &c) {
    SCOPED_TRACE(std::string(c.zoo) + " on " + c.mesh + " mode " + std::to_string(c.mode));
    Target t;
    t.build(c.zoo, c.alpha, c.size, c.mesh, c.hw_only, c.mode, c.frames);
    if (::testing::Test::HasFatalFailure())
        return;
    npu_err e;
    npu_err_clear(&e);
    const sim_results *x = sim_device_results(t.dev);
    const sim_record *rec = sim_device_record(t.dev);
    sim_estimate_prep *prep = nullptr;
    ASSERT_EQ(sim_estimate_prep_new(t.model, rec, &prep, &e), NPU_OK) << e.msg;
    sim_results a{}, b{};
    ASSERT_EQ(
        sim_estimate_run(prep, &t.mesh, &t.calib, MESH_CLOCK_PERFORMANCE, &t.mm, nullptr, &a, &e),
        NPU_OK)
        << e.msg;
    ASSERT_EQ(
        sim_estimate_run(prep, &t.mesh, &t.calib, MESH_CLOCK_PERFORMANCE, &t.mm, nullptr, &b, &e),
        NPU_OK)
        << e.msg;
    /* activity: equal to the exact model's, NP by NP */
    ASSERT_EQ(a.n_nps, x->n_nps);
    for (uint32_t i = 0; i < x->n_nps; i++) {
        /* NP order differs (the device orders by tracks): match by (pass, ident) */
        bool found = false;
        for (uint32_t j = 0; j < a.n_nps && !found; j++) {
            const sim_np_stats &p = a.nps[j], &q = x->nps[i];
            if (p.pass != q.pass || p.ident.col != q.ident.col || p.ident.row != q.ident.row ||
                p.ident.id != q.ident.id)
                continue;
            found = true;
            EXPECT_EQ(p.counters.events_in, q.counters.events_in) << "NP " << i;
            EXPECT_EQ(p.counters.events_out, q.counters.events_out) << "NP " << i;
            EXPECT_EQ(p.counters.synops, q.counters.synops) << "NP " << i;
            EXPECT_EQ(p.counters.sram_reads, q.counters.sram_reads) << "NP " << i;
            EXPECT_EQ(p.counters.sram_writes, q.counters.sram_writes) << "NP " << i;
            EXPECT_EQ(p.counters.ext_bytes, q.counters.ext_bytes) << "NP " << i;
        }
        EXPECT_TRUE(found) << "NP " << i;
    }
    ASSERT_EQ(a.n_layers, x->n_layers);
    for (uint32_t l = 0; l < x->n_layers; l++) {
        EXPECT_EQ(a.layers[l].synops, x->layers[l].synops) << "layer " << l;
        EXPECT_EQ(a.layers[l].events_out, x->layers[l].events_out) << "layer " << l;
        /* naive, independent: non-zero values of the layer's recorded output */
        int64_t naive = 0;
        for (uint32_t f = 0; f < c.frames; f++) {
            npu_tensor o{};
            ASSERT_EQ(sim_record_layer_tensor(rec, f, l, &o, &e), NPU_OK) << e.msg;
            for (size_t k = 0; k < npu_shape_size(o.shape); k++)
                naive += o.data[k] != 0;
            npu_tensor_free(&o);
        }
        EXPECT_EQ((int64_t)a.layers[l].events_out, naive) << "layer " << l;
    }
    /* time and energy within the bound */
    const Totals tx = totals(x), ta = totals(&a), tb = totals(&b);
    ASSERT_GT(tx.cycles, 0);
    EXPECT_LE(std::fabs(ta.cycles / tx.cycles - 1.0), kBound) << ta.cycles << " vs " << tx.cycles;
    EXPECT_LE(std::fabs(ta.energy / tx.energy - 1.0), kBound) << ta.energy << " vs " << tx.energy;
    /* program time: the mapping-based estimate equals the program's tracks here */
    for (uint32_t s = 0; s < x->n_sequences; s++)
        EXPECT_NEAR((double)a.sequences[s].program_clk, (double)x->sequences[s].program_clk,
                    0.02 * (double)x->sequences[s].program_clk + 1.0);
    /* determinism */
    EXPECT_EQ(ta.cycles, tb.cycles);
    EXPECT_EQ(ta.energy, tb.energy);
    char *ja = sim_write_stats_json(&a), *jb = sim_write_stats_json(&b);
    ASSERT_TRUE(ja && jb);
    EXPECT_STREQ(ja, jb);
    free(ja);
    free(jb);
    sim_results_free(&a);
    sim_results_free(&b);
    sim_estimate_prep_free(prep);
}

} // namespace

TEST(Estimate, KwsAkd1000AllNps) {
    check_case({"ds_cnn_kws", 0, 0, "akd1000", true, CMP_MAP_ALLNPS, 1});
}

TEST(Estimate, KwsAkd1500HwprMultiPass) {
    check_case({"ds_cnn_kws", 0, 0, "akd1500", true, CMP_MAP_HWPR, 1});
}

TEST(Estimate, KwsGeneratedMinimalBatch3) {
    check_case({"ds_cnn_kws", 0, 0, "gen:cnp=16,fnp=2", false, CMP_MAP_MINIMAL, 3});
}

TEST(Estimate, AkidaNetSmallHybrid) {
    check_case({"akidanet", 0.25, 64, "gen:cnp=24,fnp=2", false, CMP_MAP_ALLNPS, 1});
}

TEST(Estimate, RecordOfAnotherModelIsRejected) {
    Target t;
    t.build("ds_cnn_kws", 0, 0, "akd1000", true, CMP_MAP_ALLNPS, 1);
    if (HasFatalFailure())
        return;
    npu_model *other = nullptr;
    npu_err e;
    npu_err_clear(&e);
    cmp_zoo_opts o;
    cmp_zoo_opts_default(&o);
    o.alpha = 0.25;
    o.input_size = 64;
    ASSERT_EQ(cmp_zoo_build("akidanet", &o, &other, &e), NPU_OK) << e.msg;
    sim_estimate_prep *prep = nullptr;
    EXPECT_EQ(sim_estimate_prep_new(other, sim_device_record(t.dev), &prep, &e), NPU_ERR_INPUT);
    EXPECT_EQ(prep, nullptr);
    EXPECT_NE(std::string(e.msg).find("does not fit"), std::string::npos) << e.msg;
    npu_model_free(other);
}

TEST(Estimate, BuiltinEstimatorWithoutCacheSlot) {
    Target t;
    t.build("ds_cnn_kws", 0, 0, "akd1000", true, CMP_MAP_ALLNPS, 1);
    if (HasFatalFailure())
        return;
    npu_err e;
    npu_err_clear(&e);
    sim_sweep_estimator est = sim_sweep_builtin_estimator();
    ASSERT_NE(est, nullptr);
    const sim_estimate_in in = {nullptr, nullptr,  t.model,
                                &t.mesh, &t.calib, MESH_CLOCK_ECONOMY,
                                &t.mm,   nullptr,  sim_device_record(t.dev),
                                nullptr};
    sim_results r{};
    ASSERT_EQ(est(&in, &r, &e), NPU_OK) << e.msg;
    EXPECT_STREQ(r.clock_mode, "Economy");
    EXPECT_GT(totals(&r).cycles, 0);
    sim_results_free(&r);
}

TEST(Estimate, SweepWritesPointsWithErrors) {
    char tmpl[] = "/tmp/akisim_estimate_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    const std::string dir = tmpl;
    {
        std::ofstream f(dir + "/s.yaml");
        f << "name: est\nmodels: [ds_cnn_kws]\nmeshes: [akd1000, akd1500]\n"
             "mapping: {hw_only: true, map_mode: [allnps, hwpr]}\n";
    }
    const std::string cmd = "cd '" + dir + "' && " + AKISIM_CLI +
                            " sweep s.yaml -o out -j 2 -q --fidelity estimate --check 1 "
                            "> out.txt 2> err.txt";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    for (int i = 0; i < 4; i++) {
        char name[64];
        snprintf(name, sizeof name, "/out/points/p%05d.json", i);
        std::ifstream f(dir + name);
        std::stringstream ss;
        ss << f.rdbuf();
        const std::string j = ss.str();
        EXPECT_NE(j.find("\"schema\": \"akisim-point/1\""), std::string::npos) << j;
        EXPECT_NE(j.find("\"fidelity\": \"estimate\""), std::string::npos) << j;
        EXPECT_NE(j.find("\"status\": \"ok\""), std::string::npos) << j;
        const size_t k = j.find("\"estimate_error\": {\"cycles\": ");
        ASSERT_NE(k, std::string::npos) << j;
        double ec = 1, ee = 1;
        ASSERT_EQ(sscanf(j.c_str() + k, "\"estimate_error\": {\"cycles\": %lf, \"energy\": %lf",
                         &ec, &ee),
                  2);
        EXPECT_LE(std::fabs(ec), kBound);
        EXPECT_LE(std::fabs(ee), kBound);
        struct stat sb;
        snprintf(name, sizeof name, "/out/points/p%05d.power.csv", i);
        EXPECT_NE(stat((dir + name).c_str(), &sb), 0) << "estimate points have no power CSV";
    }
    std::ifstream csv(dir + "/out/results.csv");
    std::string line;
    int rows = 0;
    while (std::getline(csv, line))
        rows += line.rfind("p0000", 0) == 0 && line.find(",estimate,ok,") != std::string::npos;
    EXPECT_EQ(rows, 4);
    (void)std::system(("rm -rf '" + dir + "'").c_str());
}
