/*
 * test_cli_run: `akisim run ... --mesh MESH` end to end through the built binary (AKISIM_CLI).
 *
 * A zoo model (ds_cnn_kws, seeded) runs on akd1000: all four outputs (Y.npy, stats JSON,
 * trace, power CSV) are produced and valid (parsed with libfyaml / read back), the hardware
 * outputs equal the software backend's bit for bit, the same model run as a PROGRAM (written
 * by `akisim map -o`) gives the same outputs and stats, two runs give byte-identical stats,
 * trace and power files, and without --stats the vendor-style statistics are printed. Bad
 * input — a program for another device, wrong input shape / dtype / bit range, a bad
 * calibration file or --set, an unknown clock mode, device options without --mesh, an output
 * in a missing directory — exits 2 with one "akisim: " line and leaves no file behind.
 */
#include <gtest/gtest.h>

#include <libfyaml.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "akisim/akisim.h"
#include "cmp/cmp_array.h"

#include "common/test_cli.hpp"

namespace {

using akisim_test::akisim_in;
using akisim_test::CliRun;
using akisim_test::exists;
using akisim_test::lines;
using akisim_test::slurp;

/* Shared fixture state: one zoo model, one demo model and their inputs, built once. */
struct Shared {
    std::string dir;        /* temp directory holding the models */
    akisim_shape in{};      /* KWS input shape */
    bool in_signed = false; /* KWS input signedness */
    uint32_t in_bits = 8;   /* KWS input bits */
    bool ok = false;        /* set up succeeded */
};
Shared *g_shared = nullptr;

/* Writes an .npy with the library writer. */
void write_npy(const std::string &path, cmp_dtype t, std::vector<uint64_t> shape,
               const void *data) {
    cmp_array a;
    npu_err err;
    ASSERT_EQ(cmp_array_alloc(&a, t, uint32_t(shape.size()), shape.data(), &err), NPU_OK);
    memcpy(a.data, data, a.count * cmp_dtype_size(t));
    ASSERT_EQ(cmp_npy_write(path.c_str(), &a, &err), NPU_OK) << err.msg;
    cmp_array_free(&a);
}

/* n random samples within the input range of (shape, bits, sign). */
void write_inputs(const std::string &path, akisim_shape s, uint32_t bits, bool sgn, size_t n,
                  uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<uint8_t> v(n * s.x * s.y * s.c);
    for (auto &x : v) {
        if (sgn) {
            const int lo = -(1 << (bits - 1)), span = 1 << bits;
            x = static_cast<uint8_t>(static_cast<int8_t>(lo + static_cast<int>(rng() % span)));
        } else {
            x = static_cast<uint8_t>(rng() % (1u << bits));
        }
    }
    write_npy(path, sgn ? CMP_I8 : CMP_U8, {n, s.x, s.y, s.c}, v.data());
}

class CliRunHw : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        g_shared = new Shared;
        char tmpl[] = "/tmp/akisim_cli_run_XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        g_shared->dir = tmpl;
        CliRun r = akisim_in(g_shared->dir, "zoo ds_cnn_kws --seed 7 -o kws");
        ASSERT_EQ(r.status, 0) << r.err;
        akisim_model *m = nullptr;
        akisim_error err;
        ASSERT_EQ(akisim_model_load((g_shared->dir + "/kws").c_str(), &m, &err), NPU_OK) << err.msg;
        ASSERT_EQ(akisim_model_input_shape(m, &g_shared->in, &err), NPU_OK);
        g_shared->in_bits = akisim_model_input_bits(m);
        g_shared->in_signed = akisim_model_input_signed(m);
        akisim_model_free(m);
        write_inputs(g_shared->dir + "/x.npy", g_shared->in, g_shared->in_bits, g_shared->in_signed,
                     3, 11);
        r = akisim_in(g_shared->dir, "map kws --mesh akd1000 -o kws.prog");
        ASSERT_EQ(r.status, 0) << r.err;
        g_shared->ok = true;
    }
    static void TearDownTestSuite() {
        if (g_shared && !g_shared->dir.empty()) {
            const std::string cmd = "rm -rf '" + g_shared->dir + "'";
            EXPECT_EQ(system(cmd.c_str()), 0);
        }
        delete g_shared;
        g_shared = nullptr;
    }
    void SetUp() override {
        ASSERT_TRUE(g_shared && g_shared->ok) << "suite set-up failed";
        dir = g_shared->dir;
    }
    CliRun akisim(const std::string &args) {
        return akisim_in(dir, args);
    }
    std::string p(const std::string &name) const {
        return dir + "/" + name;
    }
    /* Expects status 2, one "akisim: " line with every needle, and none of files. */
    void expect_bad(const CliRun &r, std::vector<std::string> needles,
                    std::vector<std::string> files) {
        EXPECT_EQ(r.status, 2) << r.err;
        EXPECT_EQ(r.err.rfind("akisim: ", 0), 0u) << r.err;
        EXPECT_EQ(lines(r.err), 1u) << r.err;
        for (const auto &n : needles)
            EXPECT_NE(r.err.find(n), std::string::npos) << "missing '" << n << "' in " << r.err;
        for (const auto &f : files)
            EXPECT_FALSE(exists(p(f))) << f << " was written";
    }
    std::string dir;
};

/* Parsed JSON document. */
struct Doc {
    std::string text; /* kept alive: libfyaml does not copy the input */
    fy_document *d = nullptr;
    explicit Doc(const std::string &t) : text(t) {
        fy_parse_cfg cfg{};
        cfg.flags = static_cast<fy_parse_cfg_flags>(FYPCF_QUIET | FYPCF_JSON_FORCE);
        d = fy_document_build_from_string(&cfg, text.c_str(), text.size());
    }
    ~Doc() {
        fy_document_destroy(d);
    }
};

fy_node *at(fy_node *n, const char *path) {
    return fy_node_by_path(n, path, static_cast<size_t>(-1), FYNWF_DONT_FOLLOW);
}

std::string scalar(fy_node *n, const char *path) {
    fy_node *s = at(n, path);
    if (!s || !fy_node_is_scalar(s))
        return "<missing>";
    size_t len = 0;
    const char *t = fy_node_get_scalar(s, &len);
    return std::string(t, len);
}

/* Reads an .npy back (empty array on failure). */
std::vector<uint8_t> npy_bytes(const std::string &path, cmp_array *meta) {
    cmp_array a;
    npu_err err;
    if (cmp_npy_read(path.c_str(), &a, &err) != NPU_OK) {
        ADD_FAILURE() << err.msg;
        return {};
    }
    std::vector<uint8_t> v(static_cast<const uint8_t *>(a.data),
                           static_cast<const uint8_t *>(a.data) +
                               a.count * cmp_dtype_size(a.dtype));
    *meta = a;
    meta->data = nullptr;
    cmp_array_free(&a);
    return v;
}

/* The stats JSON with every layer's "name" value blanked (one layer per line). */
std::string without_layer_names(const std::string &json) {
    std::stringstream in(json);
    std::string line, out;
    bool in_layers = false;
    while (std::getline(in, line)) {
        if (line.find("\"layers\": [") != std::string::npos)
            in_layers = true;
        else if (line.find("\"nps\": [") != std::string::npos)
            in_layers = false;
        const size_t k = line.find("{\"name\": \"");
        if (in_layers && k != std::string::npos) {
            const size_t end = line.find("\", \"type\"", k);
            if (end != std::string::npos)
                line = line.substr(0, k) + "{\"name\": \"\"" + line.substr(end + 1);
        }
        out += line + "\n";
    }
    return out;
}

const char *const OUTS = "--output y.npy --stats s.json --trace t.json --power p.csv";

TEST_F(CliRunHw, AllOutputsValidAndBitExact) {
    CliRun r = akisim(std::string("run kws --mesh akd1000 --input x.npy -q ") + OUTS);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;

    /* stats */
    Doc stats(slurp(p("s.json")));
    ASSERT_NE(stats.d, nullptr);
    fy_node *root = fy_document_root(stats.d);
    EXPECT_EQ(scalar(root, "/schema"), "akisim-stats/1");
    EXPECT_EQ(scalar(root, "/device"), "akd1000");
    EXPECT_EQ(scalar(root, "/clock_mode"), "Performance");
    ASSERT_GE(fy_node_sequence_item_count(at(root, "/sequences")), 1);
    bool hw_seq = false;
    for (int i = 0; i < fy_node_sequence_item_count(at(root, "/sequences")); i++) {
        fy_node *s = fy_node_sequence_get_by_index(at(root, "/sequences"), i);
        EXPECT_EQ(scalar(s, "/frames"), "3");
        if (scalar(s, "/backend") == "Hardware") {
            hw_seq = true;
            EXPECT_GT(std::stoull(scalar(s, "/inference_clk")), 0u);
            EXPECT_GT(std::stod(scalar(s, "/fps")), 0.0);
            EXPECT_GE(std::stod(scalar(s, "/power_mw/avg")),
                      std::stod(scalar(root, "/floor_mw")) - 1e-6);
        }
    }
    EXPECT_TRUE(hw_seq);
    EXPECT_GE(fy_node_sequence_item_count(at(root, "/layers")), 1);
    EXPECT_GE(fy_node_sequence_item_count(at(root, "/nps")), 1);
    EXPECT_NE(scalar(root, "/memory/top"), "<missing>");

    /* trace */
    Doc trace(slurp(p("t.json")));
    ASSERT_NE(trace.d, nullptr);
    fy_node *ev = at(fy_document_root(trace.d), "/traceEvents");
    ASSERT_NE(ev, nullptr);
    int n_x = 0, n_threads = 0;
    for (int i = 0; i < fy_node_sequence_item_count(ev); i++) {
        fy_node *e = fy_node_sequence_get_by_index(ev, i);
        n_x += scalar(e, "/ph") == "X";
        n_threads += scalar(e, "/name") == "thread_name";
    }
    EXPECT_GT(n_x, 0);
    EXPECT_GT(n_threads, 0);

    /* power */
    const std::string csv = slurp(p("p.csv"));
    EXPECT_EQ(csv.rfind("timestamp_us,voltage_uv,current_ma,power_mw\n", 0), 0u) << csv;
    EXPECT_NE(csv.find("\n# floor_mw="), std::string::npos);
    EXPECT_GE(lines(csv), 3u); /* header, at least one sample, floor */

    /* outputs equal the software backend's */
    r = akisim("run kws --input x.npy --output sw.npy -q");
    ASSERT_EQ(r.status, 0) << r.err;
    cmp_array hw_meta{}, sw_meta{};
    const auto hw = npy_bytes(p("y.npy"), &hw_meta);
    const auto sw = npy_bytes(p("sw.npy"), &sw_meta);
    EXPECT_EQ(hw_meta.dtype, sw_meta.dtype);
    EXPECT_EQ(hw_meta.ndim, sw_meta.ndim);
    EXPECT_FALSE(hw.empty());
    EXPECT_EQ(hw, sw);
}

TEST_F(CliRunHw, DeterministicAndProgramEqualsModel) {
    CliRun r = akisim("run kws --mesh akd1000 --input x.npy -q --stats a.json --trace a.trace "
                      "--power a.csv --output a.npy");
    ASSERT_EQ(r.status, 0) << r.err;
    r = akisim("run kws --mesh akd1000 --input x.npy -q --stats b.json --trace b.trace "
               "--power b.csv --output b.npy");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(slurp(p("a.json")), slurp(p("b.json")));
    EXPECT_EQ(slurp(p("a.trace")), slurp(p("b.trace")));
    EXPECT_EQ(slurp(p("a.csv")), slurp(p("b.csv")));
    EXPECT_EQ(slurp(p("a.npy")), slurp(p("b.npy")));
    EXPECT_FALSE(slurp(p("a.json")).empty());

    /* the program written by `akisim map -o` runs as is, with the same results */
    r = akisim("run kws.prog --mesh akd1000 --input x.npy -q --stats c.json --output c.npy");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(slurp(p("c.npy")), slurp(p("a.npy")));
    /* a program carries no layer names: everything else is identical */
    EXPECT_EQ(without_layer_names(slurp(p("c.json"))), without_layer_names(slurp(p("a.json"))));
}

TEST_F(CliRunHw, TextSummaryWithoutStats) {
    CliRun r = akisim("run kws --mesh akd1000 --input x.npy --clock-mode LowPower");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("Device akd1000, clock mode LowPower"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("Average framerate = "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("Last inference power range (mW):  Avg "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("Last inference energy consumed (mJ/frame): "), std::string::npos);
    EXPECT_NE(r.out.find("inference_clk = "), std::string::npos);
    EXPECT_NE(r.out.find("3 samples -> output"), std::string::npos) << r.out;
    /* with --stats the statistics go to the file only */
    r = akisim("run kws --mesh akd1000 --input x.npy --stats q.json");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out.find("Average framerate"), std::string::npos) << r.out;
    EXPECT_TRUE(exists(p("q.json")));
}

TEST_F(CliRunHw, BadInputWritesNothing) {
    const std::vector<std::string> files = {"y.npy", "s.json", "t.json", "p.csv"};
    for (const auto &f : files)
        unlink(p(f).c_str());
    const std::string outs = std::string(" ") + OUTS;
    /* program for another device */
    expect_bad(akisim("run kws.prog --mesh akd1500 --input x.npy" + outs), {"kws.prog"}, files);
    /* wrong shape */
    const akisim_shape in = g_shared->in;
    akisim_shape wrong = in;
    wrong.x += 1;
    write_inputs(p("shape.npy"), wrong, g_shared->in_bits, g_shared->in_signed, 2, 1);
    expect_bad(akisim("run kws --mesh akd1000 --input shape.npy" + outs), {"shape.npy", "shape"},
               files);
    /* wrong dtype */
    std::vector<int32_t> i32(in.x * in.y * in.c, 1);
    write_npy(p("dtype.npy"), CMP_I32, {1, in.x, in.y, in.c}, i32.data());
    expect_bad(akisim("run kws --mesh akd1000 --input dtype.npy" + outs), {"dtype.npy", "dtype"},
               files);
    /* value beyond the input bits (only when the input has fewer than 8 bits) */
    if (g_shared->in_bits < 8 && !g_shared->in_signed) {
        std::vector<uint8_t> big(in.x * in.y * in.c, 0);
        big[1] = static_cast<uint8_t>(1u << g_shared->in_bits);
        write_npy(p("range.npy"), CMP_U8, {1, in.x, in.y, in.c}, big.data());
        expect_bad(akisim("run kws --mesh akd1000 --input range.npy" + outs), {"range.npy"}, files);
    }
    /* bad calibration file, bad --set, unknown clock mode */
    {
        std::ofstream f(p("bad_calib.yaml"));
        f << "hop_cycles: -1\n";
    }
    expect_bad(akisim("run kws --mesh akd1000 --input x.npy --calib bad_calib.yaml" + outs),
               {"hop_cycles"}, files);
    expect_bad(akisim("run kws --mesh akd1000 --input x.npy --calib missing.yaml" + outs),
               {"missing.yaml"}, files);
    expect_bad(akisim("run kws --mesh akd1000 --input x.npy --set no_such_field=3" + outs),
               {"no_such_field"}, files);
    expect_bad(akisim("run kws --mesh akd1000 --input x.npy --clock-mode Turbo" + outs), {"Turbo"},
               files);
    /* device options need --mesh; a program needs --mesh */
    expect_bad(akisim("run kws --input x.npy --stats s.json"), {"--stats", "--mesh"}, files);
    expect_bad(akisim("run kws.prog --input x.npy --output y.npy"), {"kws.prog", "--mesh"}, files);
    /* an output in a missing directory: no other output written either */
    expect_bad(akisim("run kws --mesh akd1000 --input x.npy --output y.npy --stats s.json "
                      "--trace nodir/t.json --power p.csv"),
               {"nodir"}, files);
    /* a run beyond the cycle budget */
    expect_bad(akisim("run kws --mesh akd1000 --input x.npy --set max_cycles=10" + outs), {},
               files);
}

TEST_F(CliRunHw, SmallModelHandValueAndBitRange) {
    /* a 4-bit input model: InputData (2, 2, 2) -> FullyConnected 3 filters, 2-bit weights and
     * activations; all-ones weights and inputs: p = 8, T = 2, s = 3 -> ceil(6 / 3) = 2 */
    akisim_model *m = nullptr;
    akisim_error err;
    ASSERT_EQ(akisim_model_create(&m, &err), AKISIM_OK);
    akisim_params prm;
    akisim_params_default("InputData", &prm, &err);
    prm.input_shape = {2, 2, 2};
    prm.input_bits = 4;
    ASSERT_EQ(akisim_model_add_layer(m, "InputData", "in", &prm, nullptr, 0, &err), AKISIM_OK);
    akisim_params_default("FullyConnected", &prm, &err);
    prm.filters = 3;
    prm.weights_bits = 2;
    prm.act_bits = 2;
    ASSERT_EQ(akisim_model_add_layer(m, "FullyConnected", "fc", &prm, nullptr, 0, &err), AKISIM_OK);
    const std::vector<int32_t> w(24, 1), th(3, 2), st(3, 3);
    const uint32_t ws[4] = {1, 1, 8, 3}, fs[1] = {3};
    ASSERT_EQ(akisim_model_set_variable(m, "fc", "weights", NPU_DTYPE_I32, 4, ws, w.data(), &err),
              AKISIM_OK);
    ASSERT_EQ(
        akisim_model_set_variable(m, "fc", "threshold", NPU_DTYPE_I32, 1, fs, th.data(), &err),
        AKISIM_OK);
    ASSERT_EQ(akisim_model_set_variable(m, "fc", "act_step", NPU_DTYPE_I32, 1, fs, st.data(), &err),
              AKISIM_OK);
    ASSERT_EQ(akisim_model_save(m, p("m4.json").c_str(), &err), AKISIM_OK) << err.msg;
    akisim_model_free(m);

    std::vector<uint8_t> x(3 * 8, 1);
    write_npy(p("ok4.npy"), CMP_U8, {3, 2, 2, 2}, x.data());
    CliRun r = akisim("run m4.json --mesh akd1000 --input ok4.npy --output m4_out.npy --stats "
                      "m4.json.stats -q");
    ASSERT_EQ(r.status, 0) << r.err;
    cmp_array a;
    ASSERT_EQ(cmp_npy_read(p("m4_out.npy").c_str(), &a, &err), NPU_OK) << err.msg;
    EXPECT_EQ(a.dtype, CMP_U8);
    ASSERT_EQ(a.count, 9u);
    for (size_t k = 0; k < a.count; k++)
        EXPECT_EQ(static_cast<const uint8_t *>(a.data)[k], 2) << k;
    cmp_array_free(&a);
    Doc stats(slurp(p("m4.json.stats")));
    ASSERT_NE(stats.d, nullptr);
    fy_node *root = fy_document_root(stats.d);
    /* every input value is an event: 8 per frame, 3 frames; 3 outputs each */
    fy_node *layers = at(root, "/layers");
    bool seen_fc = false;
    for (int i = 0; i < fy_node_sequence_item_count(layers); i++) {
        fy_node *l = fy_node_sequence_get_by_index(layers, i);
        if (scalar(l, "/name") != "fc")
            continue;
        seen_fc = true;
        EXPECT_EQ(scalar(l, "/events_in"), "24");
        EXPECT_EQ(scalar(l, "/events_out"), "9");
        EXPECT_EQ(scalar(l, "/synops"), "72"); /* 24 events x 3 filters */
    }
    EXPECT_TRUE(seen_fc);

    x[2 * 8 + 5] = 16; /* sample 2, (x, y, c) = (1, 0, 1) */
    write_npy(p("range4.npy"), CMP_U8, {3, 2, 2, 2}, x.data());
    expect_bad(akisim("run m4.json --mesh akd1000 --input range4.npy --output r.npy --stats "
                      "r.json --trace rt.json --power r.csv"),
               {"range4.npy", "(2, 1, 0, 1)", "16", "4-bit"},
               {"r.npy", "r.json", "rt.json", "r.csv"});
}

TEST_F(CliRunHw, BatchChunksGiveSameOutputsAndLastForwardStats) {
    CliRun r = akisim("run kws --mesh akd1000 --input x.npy -q --output all.npy");
    ASSERT_EQ(r.status, 0) << r.err;
    r = akisim("run kws --mesh akd1000 --input x.npy -q --batch 2 --output b2.npy --stats b2.json");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(slurp(p("b2.npy")), slurp(p("all.npy")));
    /* 3 samples in chunks of 2: the statistics describe the last forward (1 frame) */
    Doc stats(slurp(p("b2.json")));
    ASSERT_NE(stats.d, nullptr);
    EXPECT_EQ(scalar(fy_document_root(stats.d), "/sequences/0/frames"), "1");
}

} // namespace
