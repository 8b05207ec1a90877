/*
 * test_cli: the akisim command line end to end, through the built binary (AKISIM_CLI) in a
 * temporary directory: --version, --help of every command, demo + summary + run + evaluate
 * + sparsity, and bad input — missing file, wrong dtype, wrong shape, value out of bit
 * range, unknown option, predict on an activated model — each exiting 2 with exactly one
 * "akisim: " line naming the file / field, and leaving no --output file behind.
 */
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
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

using akisim_test::CliRun;
using akisim_test::exists;
using akisim_test::lines;
using akisim_test::slurp;

/* Result of one akisim invocation. */

class Cli : public ::testing::Test {
  protected:
    void SetUp() override {
        char tmpl[] = "/tmp/akisim_cli_XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir = tmpl;
    }
    void TearDown() override {
        std::string cmd = "rm -rf '" + dir + "'";
        ASSERT_EQ(system(cmd.c_str()), 0);
    }
    /* Runs `akisim <args>` (args are shell words) in the temp dir. */
    CliRun akisim(const std::string &args) {
        return akisim_test::akisim_in(dir, args);
    }
    /* Writes an .npy with the library writer. */
    void write_npy(const std::string &name, cmp_dtype t, std::vector<uint64_t> shape,
                   const void *data) {
        cmp_array a;
        npu_err err;
        ASSERT_EQ(cmp_array_alloc(&a, t, uint32_t(shape.size()), shape.data(), &err), NPU_OK);
        memcpy(a.data, data, a.count * cmp_dtype_size(t));
        ASSERT_EQ(cmp_npy_write((dir + "/" + name).c_str(), &a, &err), NPU_OK) << err.msg;
        cmp_array_free(&a);
    }
    /* Expects a failure with status 2 and one "akisim: " line containing every needle. */
    void expect_bad(const CliRun &r, std::vector<std::string> needles) {
        EXPECT_EQ(r.status, 2) << r.err;
        EXPECT_EQ(r.err.rfind("akisim: ", 0), 0u) << r.err;
        EXPECT_EQ(lines(r.err), 1u) << r.err;
        for (const auto &n : needles)
            EXPECT_NE(r.err.find(n), std::string::npos) << "missing '" << n << "' in " << r.err;
    }
    void demo() {
        CliRun r = akisim("demo -o demo --seed 3");
        ASSERT_EQ(r.status, 0) << r.err;
    }
    std::string dir;
};

TEST_F(Cli, VersionAndHelp) {
    CliRun r = akisim("--version");
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.out, std::string("akisim ") + akisim_version() + "\n");
    r = akisim("--help");
    EXPECT_EQ(r.status, 0);
    for (const char *c : {"summary", "run", "evaluate", "sparsity", "demo"}) {
        EXPECT_NE(r.out.find(c), std::string::npos) << c;
        CliRun h = akisim(std::string(c) + " --help");
        EXPECT_EQ(h.status, 0) << c;
        EXPECT_EQ(h.out.rfind(std::string("usage: akisim ") + c, 0), 0u) << h.out;
        EXPECT_TRUE(h.err.empty());
        CliRun h2 = akisim(std::string("help ") + c);
        EXPECT_EQ(h2.out, h.out);
    }
    expect_bad(akisim(""), {"no command"});
    expect_bad(akisim("frobnicate"), {"unknown command 'frobnicate'"});
    expect_bad(akisim("--frobnicate"), {"unknown option '--frobnicate'"});
}

TEST_F(Cli, DemoSummaryRunEvaluateSparsity) {
    demo();
    for (const char *f : {"model.json", "model.npz", "input.npy", "labels.npy"})
        EXPECT_TRUE(exists(dir + "/demo/" + f)) << f;
    /* same seed, same files */
    ASSERT_EQ(akisim("demo -q -o demo2 --seed 3").status, 0);
    EXPECT_EQ(slurp(dir + "/demo/model.json"), slurp(dir + "/demo2/model.json"));
    EXPECT_EQ(slurp(dir + "/demo/input.npy"), slurp(dir + "/demo2/input.npy"));

    CliRun r = akisim("summary demo");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("Model Summary"), std::string::npos);
    EXPECT_NE(r.out.find("[28, 28, 1]"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(" SW/conv_0-classifier (Software) "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("conv_0 (InputConv.)"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("sep_2 (Sep.Conv.)"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("classifier (Fully.)"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("(1, 1, 32, 10)"), std::string::npos) << r.out;
    r = akisim("summary demo/model.json --json");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out.rfind("{\"input_shape\": [28, 28, 1]", 0), 0u) << r.out;
    EXPECT_NE(r.out.find("\"name\": \"SW/conv_0-classifier\""), std::string::npos) << r.out;

    r = akisim("run demo --input demo/input.npy --output out.npy --batch 3");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("8 samples -> output (8, 1, 1, 10) int32"), std::string::npos) << r.out;
    cmp_array a;
    npu_err err;
    ASSERT_EQ(cmp_npy_read((dir + "/out.npy").c_str(), &a, &err), NPU_OK) << err.msg;
    EXPECT_EQ(a.dtype, CMP_I32);
    ASSERT_EQ(a.ndim, 4u);
    EXPECT_EQ(a.shape[0], 8u);
    EXPECT_EQ(a.shape[3], 10u);
    /* same outputs through the API */
    akisim_model *m = nullptr;
    ASSERT_EQ(akisim_model_load((dir + "/demo").c_str(), &m, &err), NPU_OK) << err.msg;
    cmp_array in;
    ASSERT_EQ(cmp_npy_read((dir + "/demo/input.npy").c_str(), &in, &err), NPU_OK);
    std::vector<int32_t> y(80);
    ASSERT_EQ(akisim_model_forward(m, 8, AKISIM_INPUT_U8, in.data, y.data(), &err), NPU_OK);
    EXPECT_EQ(0, memcmp(y.data(), a.data, 80 * sizeof(int32_t)));
    cmp_array_free(&a);
    /* one 3-D sample, predict floats */
    write_npy("one.npy", CMP_U8, {28, 28, 1}, in.data);
    r = akisim("run demo -i one.npy -o pred.npy --predict -q");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(r.out.empty());
    ASSERT_EQ(cmp_npy_read((dir + "/pred.npy").c_str(), &a, &err), NPU_OK);
    EXPECT_EQ(a.dtype, CMP_F32);
    EXPECT_EQ(a.shape[0], 1u);
    std::vector<float> f(10);
    ASSERT_EQ(akisim_model_predict(m, 1, AKISIM_INPUT_U8, in.data, f.data(), &err), NPU_OK);
    EXPECT_EQ(0, memcmp(f.data(), a.data, 10 * sizeof(float)));
    cmp_array_free(&a);
    cmp_array_free(&in);
    akisim_model_free(m);

    r = akisim("evaluate demo --input demo/input.npy --labels demo/labels.npy");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out.rfind("accuracy: ", 0), 0u) << r.out;
    r = akisim("evaluate demo -i demo/input.npy -l demo/labels.npy --num-classes 10 --json");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("\"samples\": 8, \"num_classes\": 10"), std::string::npos) << r.out;

    r = akisim("sparsity demo --input demo/input.npy");
    ASSERT_EQ(r.status, 0) << r.err;
    for (const char *l : {"conv_0", "conv_1", "sep_2", "conv_3", "classifier"})
        EXPECT_NE(r.out.find(l), std::string::npos) << l;
    r = akisim("sparsity demo --input demo/input.npy --json");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("{\"name\": \"sep_2\", \"type\": \"SeparableConvolutional\""),
              std::string::npos)
        << r.out;
}

TEST_F(Cli, BadInputExitsTwoWithOneMessageAndNoOutput) {
    demo();
    const std::string run = "run demo --output out.npy --input ";
    expect_bad(akisim(run + "missing.npy"), {"missing.npy"});
    const std::vector<float> fl(28 * 28, 1.0f);
    write_npy("float.npy", CMP_F32, {1, 28, 28, 1}, fl.data());
    expect_bad(akisim(run + "float.npy"), {"float.npy", "dtype", "float32"});
    const std::vector<uint8_t> px(2 * 27 * 28, 1);
    write_npy("shape.npy", CMP_U8, {2, 27, 28, 1}, px.data());
    expect_bad(akisim(run + "shape.npy"), {"shape.npy", "shape (2, 27, 28, 1)"});
    write_npy("flat.npy", CMP_U8, {28 * 28}, px.data());
    expect_bad(akisim(run + "flat.npy"), {"flat.npy", "shape"});
    {
        std::ofstream j(dir + "/junk.npy");
        j << "definitely not an npy file";
    }
    expect_bad(akisim(run + "junk.npy"), {"junk.npy"});
    expect_bad(akisim("run demo --input demo/input.npy --frobnicate -o out.npy"),
               {"unknown option '--frobnicate'"});
    expect_bad(akisim("run demo --input demo/input.npy -Z -o out.npy"), {"unknown option '-Z'"});
    expect_bad(akisim("run demo --input demo/input.npy --batch 0 -o out.npy"), {"--batch", "'0'"});
    expect_bad(akisim("run demo --input"), {"--input", "needs a value"});
    expect_bad(akisim("run demo -o out.npy"), {"missing --input"});
    expect_bad(akisim("run nomodel.json --input demo/input.npy -o out.npy"), {"nomodel"});
    EXPECT_FALSE(exists(dir + "/out.npy"));

    /* labels */
    const std::vector<int32_t> few = {1, 2};
    write_npy("few.npy", CMP_I32, {2}, few.data());
    expect_bad(akisim("evaluate demo -i demo/input.npy -l few.npy"), {"few.npy", "8 labels"});
    const std::vector<int32_t> big = {0, 1, 2, 3, 4, 5, 6, 10};
    write_npy("big.npy", CMP_I32, {8}, big.data());
    expect_bad(akisim("evaluate demo -i demo/input.npy -l big.npy"),
               {"big.npy", "label 10 at index 7"});
    expect_bad(akisim("evaluate demo -i demo/input.npy -l demo/labels.npy -k 3"),
               {"--num-classes 3"});
    expect_bad(akisim("sparsity demo -i float.npy"), {"float.npy", "dtype"});
    expect_bad(akisim("summary"), {"MODEL"});
    expect_bad(akisim("demo"), {"-o DIR"});
    expect_bad(akisim("demo -o d --seed x"), {"--seed", "'x'"});
}

TEST_F(Cli, ValueOutOfBitRangeAndPredictOnActivatedModel) {
    /* a 4-bit input model whose last layer is activated */
    akisim_model *m = nullptr;
    akisim_error err;
    ASSERT_EQ(akisim_model_create(&m, &err), AKISIM_OK);
    akisim_params p;
    akisim_params_default("InputData", &p, &err);
    p.input_shape = {2, 2, 2};
    p.input_bits = 4;
    ASSERT_EQ(akisim_model_add_layer(m, "InputData", "in", &p, nullptr, 0, &err), AKISIM_OK);
    akisim_params_default("FullyConnected", &p, &err);
    p.filters = 3;
    p.weights_bits = 2;
    p.act_bits = 2;
    ASSERT_EQ(akisim_model_add_layer(m, "FullyConnected", "fc", &p, nullptr, 0, &err), AKISIM_OK);
    const std::vector<int32_t> w(24, 1), th(3, 2), st(3, 3);
    const uint32_t ws[4] = {1, 1, 8, 3}, fs[1] = {3};
    ASSERT_EQ(akisim_model_set_variable(m, "fc", "weights", NPU_DTYPE_I32, 4, ws, w.data(), &err),
              AKISIM_OK);
    ASSERT_EQ(
        akisim_model_set_variable(m, "fc", "threshold", NPU_DTYPE_I32, 1, fs, th.data(), &err),
        AKISIM_OK);
    ASSERT_EQ(akisim_model_set_variable(m, "fc", "act_step", NPU_DTYPE_I32, 1, fs, st.data(), &err),
              AKISIM_OK);
    ASSERT_EQ(akisim_model_save(m, (dir + "/m4.json").c_str(), &err), AKISIM_OK) << err.msg;
    akisim_model_free(m);

    std::vector<uint8_t> x(3 * 8, 1);
    write_npy("ok.npy", CMP_U8, {3, 2, 2, 2}, x.data());
    CliRun r = akisim("run m4.json -i ok.npy -o ok_out.npy");
    ASSERT_EQ(r.status, 0) << r.err;
    cmp_array a;
    ASSERT_EQ(cmp_npy_read((dir + "/ok_out.npy").c_str(), &a, &err), NPU_OK);
    EXPECT_EQ(a.dtype, CMP_U8); /* activated last layer */
    /* p = 8 ones = 8; T = 2, s = 3: ceil(6 / 3) = 2 (fits 2 bits) */
    EXPECT_EQ(static_cast<const uint8_t *>(a.data)[0], 2);
    cmp_array_free(&a);

    x[2 * 8 + 5] = 16; /* sample 2, (x, y, c) = (1, 0, 1) */
    write_npy("range.npy", CMP_U8, {3, 2, 2, 2}, x.data());
    expect_bad(akisim("run m4.json -i range.npy -o out.npy"),
               {"range.npy", "(2, 1, 0, 1)", "16", "4-bit"});
    expect_bad(akisim("sparsity m4.json -i range.npy"), {"range.npy", "(2, 1, 0, 1)"});
    expect_bad(akisim("run m4.json -i ok.npy -o out.npy --predict"), {"activation"});
    std::vector<int8_t> sx(8, 1);
    write_npy("signed.npy", CMP_I8, {1, 2, 2, 2}, sx.data());
    expect_bad(akisim("run m4.json -i signed.npy -o out.npy"), {"signed.npy", "int8", "uint8"});
    EXPECT_FALSE(exists(dir + "/out.npy"));
}

} // namespace
