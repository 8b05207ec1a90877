/*
 * test_cosim_zoo: the cross-check on real networks and the mixed-level engine.
 *
 * - every NP of every layer of ds_cnn_kws (Akida 2.0 layers: InputConv2D, DepthwiseConv2D,
 *   pointwise Conv2D, Dense1D; Akida 1.0: InputConvolutional, SeparableConvolutional,
 *   FullyConnected) and of a reduced AkidaNet (alpha 0.25, 32 x 32, 10 classes) mapped on akd1000
 * (1.0 layers) or gen:cnp=64,fnp=8,v2 (2.0 layers), fed the golden model's activations: zero
 * mismatches, no NP the RTL refuses, C cycles = RTL cycles;
 * - mixed-level: ds_cnn_kws on akd1000 (v1) / gen:cnp=64,fnp=8,v2 (v2) with every CNP replaced by
 * its Verilated RTL through the device's NP factory hook gives exactly the pure C run's outputs and
 * inference_clk; and through the CLI (`akisim run --mesh gen:cnp=64,fnp=8,v2 --rtl all-cnp`, v2
 * model) the same Y.npy.
 */
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "akisim/sim_engine.h"
#include "cmp/cmp_mapper.h"
#include "cmp/cmp_modelfile.h"
#include "cmp/cmp_zoo.h"
#include "cosim.hpp"
#include "mesh/mesh.h"
#include "mesh/mesh_calib.h"

namespace {

void zoo_clean(const char *name, int version, double alpha, uint32_t size, uint32_t classes) {
    std::vector<cosim_row> rows;
    npu_err e{};
    ASSERT_EQ(cosim::check_zoo(cosim::default_factory(), name, version, alpha, size, classes, 1, 3,
                               "", &rows, &e),
              NPU_OK)
        << e.msg;
    ASSERT_FALSE(rows.empty());
    uint64_t nps = 0;
    for (const auto &r : rows) {
        SCOPED_TRACE(std::string(r.source) + " " + r.block);
        EXPECT_EQ(r.mismatches, 0u) << r.first;
        EXPECT_EQ(r.skipped, 0u) << "NP slices the RTL does not cover";
        EXPECT_EQ(r.c_cycles, r.rtl_cycles);
        EXPECT_EQ(r.vectors, r.configs - r.skipped);
        nps += r.configs;
    }
    EXPECT_GT(nps, 2u);
}

TEST(CosimZoo, DsCnnKwsV2EveryLayer) {
    zoo_clean("ds_cnn_kws", 2, 1.0, 0, 0);
}

TEST(CosimZoo, DsCnnKwsV1EveryLayer) {
    zoo_clean("ds_cnn_kws", 1, 1.0, 0, 0);
}

TEST(CosimZoo, AkidaNetReducedV2) {
    zoo_clean("akidanet", 2, 0.25, 32, 10);
}

TEST(CosimZoo, AkidaNetReducedV1) {
    zoo_clean("akidanet", 1, 0.25, 32, 10);
}

/* ------------------------------------------------------------------ mixed level */

struct Built {
    npu_model *m = nullptr;
    mesh_desc mesh{};
    mesh_calib calib{};
    cmp_program *prog = nullptr;
    ~Built() {
        cmp_program_free(prog);
        mesh_free(&mesh);
        npu_model_free(m);
    }
};

void build(Built &b, const char *name, int version) {
    npu_err e{};
    cmp_zoo_opts o;
    cmp_zoo_opts_default(&o);
    o.version = version;
    o.seed = 4;
    ASSERT_EQ(cmp_zoo_build(name, &o, &b.m, &e), NPU_OK) << e.msg;
    ASSERT_EQ(mesh_load(version == 1 ? "akd1000" : "gen:cnp=64,fnp=8,v2", &b.mesh, &e), NPU_OK)
        << e.msg;
    ASSERT_EQ(mesh_calib_default(&b.mesh, &b.calib, &e), NPU_OK) << e.msg;
    cmp_mapped mm{};
    ASSERT_EQ(cmp_map(b.m, &b.mesh, false, CMP_MAP_ALLNPS, &mm, &e), NPU_OK) << e.msg;
    ASSERT_EQ(cmp_program_build(b.m, &mm, &b.mesh, &b.prog, &e), NPU_OK) << e.msg;
    cmp_mapped_free(&mm);
}

/* Runs n random frames; rtl_spec nullptr = pure C. */
void run(const Built &b, const char *rtl_spec, uint32_t n, std::vector<std::vector<int32_t>> *out,
         uint64_t *clk, uint64_t *rtl_nps) {
    npu_err e{};
    sim_device *d = nullptr;
    ASSERT_EQ(sim_device_new(&b.mesh, &b.calib, &d, &e), NPU_OK) << e.msg;
    cosim_mixed *mx = nullptr;
    if (rtl_spec) {
        ASSERT_EQ(cosim_mixed_new(rtl_spec, &mx, &e), NPU_OK) << e.msg;
        cosim_mixed_attach(mx, d);
    }
    ASSERT_EQ(sim_device_program(d, b.prog, b.m, &e), NPU_OK) << e.msg;
    npu_shape s = npu_model_input_shape(b.m);
    uint32_t bits = npu_model_input_bits(b.m);
    std::mt19937 rng(77);
    std::vector<std::vector<int32_t>> data(n, std::vector<int32_t>(npu_shape_size(s)));
    std::vector<npu_tensor> in(n), res(n);
    for (uint32_t i = 0; i < n; i++) {
        for (auto &v : data[i]) {
            v = int32_t(rng() % (1u << bits));
        }
        in[i] = {s, data[i].data()};
    }
    ASSERT_EQ(sim_device_forward(d, in.data(), n, res.data(), &e), NPU_OK) << e.msg;
    for (uint32_t i = 0; i < n; i++) {
        out->emplace_back(res[i].data, res[i].data + npu_shape_size(res[i].shape));
        npu_tensor_free(&res[i]);
    }
    *clk = sim_device_metrics(d).inference_clk;
    *rtl_nps = mx ? cosim_mixed_rtl_nps(mx) : 0;
    sim_device_free(d);
    cosim_mixed_free(mx);
}

void mixed_equals_c(const char *name, int version) {
    Built b;
    build(b, name, version);
    std::vector<std::vector<int32_t>> c_out, r_out;
    uint64_t c_clk = 0, r_clk = 0, n0 = 0, n_rtl = 0;
    run(b, nullptr, 2, &c_out, &c_clk, &n0);
    run(b, "all-cnp", 2, &r_out, &r_clk, &n_rtl);
    EXPECT_GT(n_rtl, 0u) << "no CNP was replaced";
    EXPECT_EQ(c_out, r_out);
    EXPECT_EQ(c_clk, r_clk);
    EXPECT_GT(c_clk, 0u);
}

TEST(CosimMixed, DsCnnKwsV2AllCnpEqualsC) {
    mixed_equals_c("ds_cnn_kws", 2);
}

TEST(CosimMixed, DsCnnKwsV1AllCnpEqualsC) {
    mixed_equals_c("ds_cnn_kws", 1);
}

std::string slurp(const std::string &path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

int sh(const std::string &cmd) {
    int st = system(cmd.c_str());
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The CLI path: same outputs with and without --rtl all-cnp; bad specs exit 2. */
TEST(CosimMixed, CliRunWithRtlEqualsC) {
    const std::string dir = std::string(AKISIM_BINARY_DIR) + "/test-cosim-cli";
    const std::string cli = AKISIM_CLI;
    ASSERT_EQ(sh("mkdir -p " + dir), 0);
    ASSERT_EQ(sh(cli + " zoo ds_cnn_kws --version v2 -o " + dir + "/kws >/dev/null 2>&1"), 0);
    ASSERT_EQ(sh(cli + " input random --model " + dir + "/kws --n 1 --seed 3 -o " + dir +
                 "/x.npy -q >/dev/null 2>&1"),
              0);
    const std::string base =
        cli + " run " + dir + "/kws --mesh gen:cnp=64,fnp=8,v2 --input " + dir + "/x.npy";
    ASSERT_EQ(sh(base + " -o " + dir + "/yc.npy --stats " + dir + "/sc.json -q"), 0);
    ASSERT_EQ(sh(base + " --rtl all-cnp -o " + dir + "/yr.npy --stats " + dir + "/sr.json -q"), 0);
    EXPECT_EQ(slurp(dir + "/yc.npy"), slurp(dir + "/yr.npy"));
    EXPECT_FALSE(slurp(dir + "/yc.npy").empty());
    EXPECT_EQ(sh(base + " --rtl 1:2 -q >/dev/null 2>&1"), 2);
    EXPECT_EQ(sh(base + " --rtl 200:200:0 -q >/dev/null 2>&1"), 2); /* no such NP */
}

} // namespace
