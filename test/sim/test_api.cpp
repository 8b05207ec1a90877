/*
 * test_api: the public C API (akisim.h) — building a model layer by layer, forward,
 * predict, evaluate (including more output neurons than classes and ties), sparsity,
 * get/set variable, save/load and the summary text, with hand-computed expected values,
 * plus a randomized property test against a naive int64 reference written here, and the
 * built-in demo's calibration (hidden layers neither silent nor saturated).
 */
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include <unistd.h>

#include "akisim/akisim.h"

namespace {

/* Owns a model; fails the test on construction errors. */
struct Model {
    akisim_model *m = nullptr;
    ~Model() {
        akisim_model_free(m);
    }
};

/* A 4-bit InputData (1, 1, 3) followed by a 4-unit FullyConnected (4-bit weights). */
akisim_status build_fc(akisim_model **out, const std::vector<int32_t> &w,
                       const std::vector<int32_t> &th, const std::vector<int32_t> &step,
                       bool activation, uint32_t n_in, uint32_t units, akisim_error *err) {
    akisim_model *m = nullptr;
    akisim_status st = akisim_model_create(&m, err);
    if (st != AKISIM_OK)
        return st;
    akisim_params p;
    akisim_params_default("InputData", &p, err);
    p.input_shape = {1, 1, n_in};
    p.input_bits = 4;
    st = akisim_model_add_layer(m, "InputData", "input", &p, nullptr, 0, err);
    if (st == AKISIM_OK) {
        akisim_params_default("FullyConnected", &p, err);
        p.filters = units;
        p.weights_bits = 4;
        p.act_bits = 4;
        p.activation = activation;
        st = akisim_model_add_layer(m, "FullyConnected", "dense", &p, nullptr, 0, err);
    }
    const uint32_t ws[4] = {1, 1, n_in, units};
    const uint32_t fs[1] = {units};
    if (st == AKISIM_OK)
        st = akisim_model_set_variable(m, "dense", "weights", NPU_DTYPE_I32, 4, ws, w.data(), err);
    if (st == AKISIM_OK)
        st = akisim_model_set_variable(m, "dense", "threshold", NPU_DTYPE_I32, 1, fs, th.data(),
                                       err);
    if (st == AKISIM_OK)
        st = akisim_model_set_variable(m, "dense", "act_step", NPU_DTYPE_I32, 1, fs, step.data(),
                                       err);
    if (st != AKISIM_OK) {
        akisim_model_free(m);
        return st;
    }
    *out = m;
    return AKISIM_OK;
}

/* w[i][u] for inputs i = 0..2, units u = 0..3 (C order (1, 1, 3, 4)). */
const std::vector<int32_t> W = {1, 0, -1, 2, /**/ 0, 1, 1, -1, /**/ 2, -1, 0, 1};
const std::vector<int32_t> TH = {1, 0, -1, 2};
const std::vector<int32_t> STEP = {1, 2, 4, 1};
/* Five samples and their hand-computed potentials p_u = sum_i x_i w[i][u]. */
const std::vector<uint8_t> X = {1, 2, 3, /**/ 0, 3, 1, /**/ 2, 0, 0, /**/ 0, 0, 0, /**/ 1, 1, 1};
const std::vector<int32_t> P = {7,  -1, 1, 3, /**/ 2, 2, 3,      -2, /**/ 2, 0,
                                -2, 4,  0, 0, 0,      0, /**/ 3, 0,  0,      2};

class ApiFc : public ::testing::Test {
  protected:
    void SetUp() override {
        akisim_error_clear(&err);
        ASSERT_EQ(build_fc(&model.m, W, TH, STEP, false, 3, 4, &err), AKISIM_OK)
            << akisim_error_message(&err);
    }
    Model model;
    akisim_error err;
};

TEST_F(ApiFc, ShapesAndForwardHandComputed) {
    akisim_shape in, out;
    ASSERT_EQ(akisim_model_input_shape(model.m, &in, &err), AKISIM_OK) << err.msg;
    ASSERT_EQ(akisim_model_output_shape(model.m, &out, &err), AKISIM_OK);
    EXPECT_EQ(in.c, 3u);
    EXPECT_EQ(out.x, 1u);
    EXPECT_EQ(out.c, 4u);
    EXPECT_EQ(akisim_model_input_bits(model.m), 4u);
    EXPECT_FALSE(akisim_model_input_signed(model.m));
    EXPECT_FALSE(akisim_model_output_is_u8(model.m));
    std::vector<int32_t> y(20, 99);
    ASSERT_EQ(akisim_model_forward(model.m, 5, AKISIM_INPUT_U8, X.data(), y.data(), &err),
              AKISIM_OK)
        << err.msg;
    EXPECT_EQ(y, P);
}

TEST_F(ApiFc, PredictV1IsPotentialMinusThresholdOverStep) {
    std::vector<float> y(8);
    ASSERT_EQ(akisim_model_predict(model.m, 2, AKISIM_INPUT_U8, X.data(), y.data(), &err),
              AKISIM_OK)
        << err.msg;
    /* (p - T) / s with p = [7, -1, 1, 3], [2, 2, 3, -2] */
    const std::vector<float> want = {6.0f, -0.5f, 0.5f, 1.0f, 1.0f, 1.0f, 1.0f, -4.0f};
    EXPECT_EQ(y, want);
}

TEST_F(ApiFc, EvaluateMoreNeuronsThanClassesAndTies) {
    double acc = -1;
    size_t ok = 99;
    /* 2 classes: neuron u -> class u / 2. argmax: 0, 2, 3, 0 (tie), 0 -> classes 0 1 1 0 0. */
    const std::vector<int64_t> l2 = {0, 1, 0, 0, 1};
    ASSERT_EQ(
        akisim_model_evaluate(model.m, 5, AKISIM_INPUT_U8, X.data(), l2.data(), 2, &acc, &ok, &err),
        AKISIM_OK)
        << err.msg;
    EXPECT_EQ(ok, 3u);
    EXPECT_DOUBLE_EQ(acc, 0.6);
    /* default classes = 4 neurons; the all-zero sample ties -> neuron 0, so label 1 fails */
    const std::vector<int64_t> l4 = {0, 2, 3, 1, 0};
    ASSERT_EQ(
        akisim_model_evaluate(model.m, 5, AKISIM_INPUT_U8, X.data(), l4.data(), 0, &acc, &ok, &err),
        AKISIM_OK);
    EXPECT_EQ(ok, 4u);
    EXPECT_DOUBLE_EQ(acc, 0.8);
    /* 1 class: everything is class 0 */
    const std::vector<int64_t> l1 = {0, 0, 0, 0, 0};
    ASSERT_EQ(akisim_model_evaluate(model.m, 5, AKISIM_INPUT_U8, X.data(), l1.data(), 1, &acc,
                                    nullptr, &err),
              AKISIM_OK);
    EXPECT_DOUBLE_EQ(acc, 1.0);
}

TEST_F(ApiFc, EvaluateBadInput) {
    double acc;
    const std::vector<int64_t> l = {0, 1, 0, 0, 1};
    EXPECT_EQ(akisim_model_evaluate(model.m, 5, AKISIM_INPUT_U8, X.data(), l.data(), 3, &acc,
                                    nullptr, &err),
              AKISIM_ERR_INPUT);
    EXPECT_NE(std::string(err.msg).find("num_classes 3"), std::string::npos) << err.msg;
    const std::vector<int64_t> bad = {0, 1, 2, 0, 1};
    EXPECT_EQ(akisim_model_evaluate(model.m, 5, AKISIM_INPUT_U8, X.data(), bad.data(), 2, &acc,
                                    nullptr, &err),
              AKISIM_ERR_INPUT);
    EXPECT_NE(std::string(err.msg).find("label 2 at index 2"), std::string::npos) << err.msg;
    EXPECT_EQ(akisim_model_evaluate(model.m, 0, AKISIM_INPUT_U8, X.data(), bad.data(), 2, &acc,
                                    nullptr, &err),
              AKISIM_ERR_INPUT);
}

TEST_F(ApiFc, SparsityPerLayer) {
    std::vector<double> sp(2, -1);
    ASSERT_EQ(akisim_model_layer_count(model.m), 2u);
    ASSERT_EQ(akisim_model_sparsity(model.m, 5, AKISIM_INPUT_U8, X.data(), sp.data(), &err),
              AKISIM_OK)
        << err.msg;
    EXPECT_DOUBLE_EQ(sp[0], 6.0 / 15.0); /* zeros among the 15 input values */
    EXPECT_DOUBLE_EQ(sp[1], 7.0 / 20.0); /* zeros among the 20 potentials */
}

TEST_F(ApiFc, InputOutOfBitRangeNamesIndex) {
    std::vector<uint8_t> x = X;
    x[5] = 16; /* sample 1, c = 2: does not fit 4 bits */
    std::vector<int32_t> y(20);
    EXPECT_EQ(akisim_model_forward(model.m, 5, AKISIM_INPUT_U8, x.data(), y.data(), &err),
              AKISIM_ERR_INPUT);
    EXPECT_NE(std::string(err.msg).find("(1, 0, 0, 2)"), std::string::npos) << err.msg;
    EXPECT_NE(std::string(err.msg).find("16"), std::string::npos) << err.msg;
    const std::vector<int8_t> neg = {1, -1, 0};
    EXPECT_EQ(akisim_model_check_inputs(model.m, 1, AKISIM_INPUT_I8, neg.data(), &err),
              AKISIM_ERR_INPUT);
    EXPECT_NE(std::string(err.msg).find("(0, 0, 0, 1)"), std::string::npos) << err.msg;
    EXPECT_EQ(akisim_model_check_inputs(model.m, 5, AKISIM_INPUT_U8, X.data(), &err), AKISIM_OK);
}

TEST_F(ApiFc, GetSetVariable) {
    const akisim_variable *v = nullptr;
    ASSERT_EQ(akisim_model_get_variable(model.m, "dense", "weights", &v, &err), AKISIM_OK);
    ASSERT_EQ(v->ndim, 4u);
    EXPECT_EQ(v->shape[2], 3u);
    EXPECT_EQ(v->shape[3], 4u);
    EXPECT_EQ(static_cast<const int32_t *>(v->data)[3], 2);
    EXPECT_EQ(akisim_model_get_variable(model.m, "dense", "bias", &v, &err), AKISIM_ERR_INPUT);
    EXPECT_NE(std::string(err.msg).find("bias"), std::string::npos);
    EXPECT_EQ(akisim_model_get_variable(model.m, "nope", "weights", &v, &err), AKISIM_ERR_INPUT);
    EXPECT_NE(std::string(err.msg).find("nope"), std::string::npos);
    /* negate every weight: outputs negate */
    std::vector<int32_t> neg(W.size());
    for (size_t i = 0; i < W.size(); i++)
        neg[i] = -W[i];
    const uint32_t ws[4] = {1, 1, 3, 4};
    ASSERT_EQ(akisim_model_set_variable(model.m, "dense", "weights", NPU_DTYPE_I32, 4, ws,
                                        neg.data(), &err),
              AKISIM_OK);
    std::vector<int32_t> y(4);
    ASSERT_EQ(akisim_model_forward(model.m, 1, AKISIM_INPUT_U8, X.data(), y.data(), &err),
              AKISIM_OK)
        << err.msg;
    EXPECT_EQ(y, (std::vector<int32_t>{-7, 1, -1, -3}));
    /* a mis-shaped variable is caught at the next use */
    const uint32_t bad[4] = {1, 1, 4, 4};
    std::vector<int32_t> w16(16, 1);
    ASSERT_EQ(akisim_model_set_variable(model.m, "dense", "weights", NPU_DTYPE_I32, 4, bad,
                                        w16.data(), &err),
              AKISIM_OK);
    EXPECT_EQ(akisim_model_forward(model.m, 1, AKISIM_INPUT_U8, X.data(), y.data(), &err),
              AKISIM_ERR_INPUT);
    EXPECT_NE(std::string(err.msg).find("weights"), std::string::npos) << err.msg;
}

TEST_F(ApiFc, SaveLoadRoundTripAndSummary) {
    char dir[] = "/tmp/akisim_api_XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    const std::string path = std::string(dir) + "/fc.json";
    ASSERT_EQ(akisim_model_save(model.m, path.c_str(), &err), AKISIM_OK) << err.msg;
    Model loaded;
    ASSERT_EQ(akisim_model_load(path.c_str(), &loaded.m, &err), AKISIM_OK) << err.msg;
    std::vector<int32_t> y(20);
    ASSERT_EQ(akisim_model_forward(loaded.m, 5, AKISIM_INPUT_U8, X.data(), y.data(), &err),
              AKISIM_OK);
    EXPECT_EQ(y, P);
    char *text = nullptr;
    ASSERT_EQ(akisim_model_summary(loaded.m, &text, &err), AKISIM_OK) << err.msg;
    const std::string s(text);
    free(text);
    EXPECT_NE(s.find("Model Summary"), std::string::npos) << s;
    EXPECT_NE(s.find("Input shape  Output shape  Sequences  Layers"), std::string::npos) << s;
    EXPECT_NE(s.find("[1, 1, 3]    [1, 1, 4]     1          2"), std::string::npos) << s;
    EXPECT_NE(s.find(" SW/input-dense (Software) "), std::string::npos) << s;
    EXPECT_NE(s.find("dense (Fully.)"), std::string::npos) << s;
    EXPECT_NE(s.find("(1, 1, 3, 4)"), std::string::npos) << s;
    EXPECT_NE(s.find("input (InputData)"), std::string::npos) << s;
    EXPECT_NE(s.find("N/A"), std::string::npos) << s;
    std::string cmd = std::string("rm -rf ") + dir;
    ASSERT_EQ(system(cmd.c_str()), 0);
    EXPECT_EQ(akisim_model_load("/nonexistent/model.json", &loaded.m, &err), AKISIM_ERR_INPUT);
}

TEST(Api, SummaryLayoutMatchesVendorWidths) {
    /* Vendor layout: column width = longest cell + 2; banner centred with '=' (extra on the
     * left); a rule of '_' after every layer. */
    Model model;
    akisim_error err;
    ASSERT_EQ(build_fc(&model.m, W, TH, STEP, true, 3, 4, &err), AKISIM_OK) << err.msg;
    char *text = nullptr;
    ASSERT_EQ(akisim_model_summary(model.m, &text, &err), AKISIM_OK);
    const std::string s(text);
    free(text);
    /* "input (InputData)" 17 -> 19, "Output shape" 12 -> 14, "(1, 1, 3, 4)" / "Kernel shape"
     * 12 -> 14: 47 columns; banner " SW/input-dense (Software) " is 27 -> 20 '=' (10 + 10). */
    EXPECT_NE(s.find("\n" + std::string(47, '_') + "\nLayer (type)"), std::string::npos) << s;
    EXPECT_NE(s.find("\n" + std::string(10, '=') + " SW/input-dense (Software) " +
                     std::string(10, '=') + "\n"),
              std::string::npos)
        << s;
    EXPECT_NE(s.find("dense (Fully.)     [1, 1, 4]     (1, 1, 3, 4)\n"), std::string::npos) << s;
}

TEST(Api, ActivatedLastLayerIsUint8AndRefusesPredict) {
    Model model;
    akisim_error err;
    ASSERT_EQ(build_fc(&model.m, W, TH, STEP, true, 3, 4, &err), AKISIM_OK) << err.msg;
    EXPECT_TRUE(akisim_model_output_is_u8(model.m));
    std::vector<int32_t> y(4);
    ASSERT_EQ(akisim_model_forward(model.m, 1, AKISIM_INPUT_U8, X.data(), y.data(), &err),
              AKISIM_OK);
    /* p = [7, -1, 1, 3], T = [1, 0, -1, 2], s = [1, 2, 4, 1]: ceil((p - T) / s) above T */
    EXPECT_EQ(y, (std::vector<int32_t>{6, 0, 1, 1}));
    std::vector<float> f(4);
    EXPECT_EQ(akisim_model_predict(model.m, 1, AKISIM_INPUT_U8, X.data(), f.data(), &err),
              AKISIM_ERR_INPUT);
    EXPECT_NE(std::string(err.msg).find("activation"), std::string::npos) << err.msg;
}

TEST(Api, BuildErrors) {
    Model model;
    akisim_error err;
    ASSERT_EQ(akisim_model_create(&model.m, &err), AKISIM_OK);
    akisim_params p;
    EXPECT_EQ(akisim_params_default("Frobnicator", &p, &err), AKISIM_ERR_INPUT);
    EXPECT_NE(std::string(err.msg).find("Frobnicator"), std::string::npos);
    EXPECT_EQ(akisim_model_add_layer(model.m, "Frobnicator", "x", nullptr, nullptr, 0, &err),
              AKISIM_ERR_INPUT);
    const char *inb[] = {"ghost"};
    EXPECT_EQ(akisim_model_add_layer(model.m, "Add", "add", nullptr, inb, 1, &err),
              AKISIM_ERR_INPUT);
    EXPECT_NE(std::string(err.msg).find("ghost"), std::string::npos);
    char *text = nullptr;
    EXPECT_EQ(akisim_model_summary(model.m, &text, &err), AKISIM_ERR_INPUT); /* no layer */
    /* a v1 layer without its variables fails at finalize, naming the field */
    akisim_params_default("InputData", &p, &err);
    p.input_shape = {1, 1, 3};
    ASSERT_EQ(akisim_model_add_layer(model.m, "InputData", "in", &p, nullptr, 0, &err), AKISIM_OK);
    akisim_params_default("FullyConnected", &p, &err);
    p.filters = 2;
    ASSERT_EQ(akisim_model_add_layer(model.m, "FullyConnected", "fc", &p, nullptr, 0, &err),
              AKISIM_OK);
    EXPECT_EQ(akisim_model_finalize(model.m, &err), AKISIM_ERR_INPUT);
    EXPECT_NE(std::string(err.msg).find("weights"), std::string::npos) << err.msg;
}

/* Randomized: forward / evaluate / sparsity of random FC models against a naive int64
 * reference written here. */
TEST(Api, RandomFcAgainstNaiveReference) {
    std::mt19937 rng(1234);
    for (int trial = 0; trial < 30; trial++) {
        const uint32_t n_in = 1 + rng() % 20, classes = 1 + rng() % 4,
                       units = classes * (1 + rng() % 3);
        const size_t n = 1 + rng() % 12;
        std::vector<int32_t> w(n_in * units), th(units), st(units, 1);
        for (auto &v : w)
            v = static_cast<int32_t>(rng() % 15) - 7;
        for (auto &v : th)
            v = static_cast<int32_t>(rng() % 21) - 10;
        std::vector<uint8_t> x(n * n_in);
        for (auto &v : x)
            v = (rng() % 3 == 0) ? 0 : static_cast<uint8_t>(rng() % 16);
        std::vector<int64_t> labels(n);
        for (auto &v : labels)
            v = rng() % classes;
        Model model;
        akisim_error err;
        ASSERT_EQ(build_fc(&model.m, w, th, st, false, n_in, units, &err), AKISIM_OK) << err.msg;
        /* reference */
        std::vector<int64_t> ref(n * units, 0);
        size_t in_zero = 0, out_zero = 0, ref_ok = 0;
        for (size_t s = 0; s < n; s++) {
            for (uint32_t i = 0; i < n_in; i++) {
                in_zero += x[s * n_in + i] == 0;
                for (uint32_t u = 0; u < units; u++)
                    ref[s * units + u] += int64_t(x[s * n_in + i]) * w[i * units + u];
            }
            uint32_t best = 0;
            for (uint32_t u = 0; u < units; u++) {
                out_zero += ref[s * units + u] == 0;
                if (ref[s * units + u] > ref[s * units + best])
                    best = u;
            }
            ref_ok += int64_t(best / (units / classes)) == labels[s];
        }
        std::vector<int32_t> y(n * units);
        ASSERT_EQ(akisim_model_forward(model.m, n, AKISIM_INPUT_U8, x.data(), y.data(), &err),
                  AKISIM_OK);
        for (size_t k = 0; k < y.size(); k++)
            ASSERT_EQ(y[k], ref[k]) << "trial " << trial << " k " << k;
        std::vector<float> f(n * units);
        ASSERT_EQ(akisim_model_predict(model.m, n, AKISIM_INPUT_U8, x.data(), f.data(), &err),
                  AKISIM_OK);
        for (size_t k = 0; k < f.size(); k++)
            ASSERT_FLOAT_EQ(f[k], float(ref[k] - th[k % units]));
        double acc;
        size_t ok;
        ASSERT_EQ(akisim_model_evaluate(model.m, n, AKISIM_INPUT_U8, x.data(), labels.data(),
                                        classes, &acc, &ok, &err),
                  AKISIM_OK);
        EXPECT_EQ(ok, ref_ok);
        EXPECT_DOUBLE_EQ(acc, double(ref_ok) / double(n));
        std::vector<double> sp(2);
        ASSERT_EQ(akisim_model_sparsity(model.m, n, AKISIM_INPUT_U8, x.data(), sp.data(), &err),
                  AKISIM_OK);
        EXPECT_DOUBLE_EQ(sp[0], double(in_zero) / double(n * n_in));
        EXPECT_DOUBLE_EQ(sp[1], double(out_zero) / double(n * units));
    }
}

TEST(Api, DemoIsSeededAndCalibrated) {
    const size_t n = 8, px = AKISIM_DEMO_X * AKISIM_DEMO_Y * AKISIM_DEMO_C;
    std::vector<uint8_t> x1(n * px), x2(n * px);
    std::vector<int32_t> l1(n), l2(n);
    Model a, b;
    akisim_error err;
    ASSERT_EQ(akisim_demo_create(7, n, &a.m, x1.data(), l1.data(), &err), AKISIM_OK) << err.msg;
    ASSERT_EQ(akisim_demo_create(7, n, &b.m, x2.data(), l2.data(), &err), AKISIM_OK) << err.msg;
    EXPECT_EQ(x1, x2);
    EXPECT_EQ(l1, l2);
    for (int32_t l : l1) {
        EXPECT_GE(l, 0);
        EXPECT_LT(l, AKISIM_DEMO_CLASSES);
    }
    ASSERT_EQ(akisim_model_layer_count(a.m), 5u);
    akisim_shape os;
    ASSERT_EQ(akisim_model_output_shape(a.m, &os, &err), AKISIM_OK);
    EXPECT_EQ(os.x, 1u);
    EXPECT_EQ(os.c, unsigned(AKISIM_DEMO_CLASSES));
    EXPECT_FALSE(akisim_model_output_is_u8(a.m));
    /* per layer: neither silent nor saturated */
    const npu_model *nm = akisim_model_npu(a.m);
    ASSERT_NE(nm, nullptr);
    size_t gzero = 0, gsat = 0, gcnt = 0; /* conv_3 (global pooling): over the batch */
    for (size_t s = 0; s < n; s++) {
        std::vector<int32_t> in(x1.begin() + s * px, x1.begin() + (s + 1) * px);
        npu_tensor t = {npu_model_input_shape(nm), in.data()};
        npu_tensor out = {};
        std::vector<npu_tensor> per(5);
        ASSERT_EQ(npu_model_forward(nm, &t, &out, per.data(), &err), NPU_OK) << err.msg;
        npu_tensor_free(&out);
        for (uint32_t l = 0; l < 4; l++) {
            const size_t cnt = npu_shape_size(per[l].shape);
            size_t zero = 0, sat = 0;
            for (size_t k = 0; k < cnt; k++) {
                zero += per[l].data[k] == 0;
                sat += per[l].data[k] == 15;
            }
            if (l == 3) {
                gzero += zero;
                gsat += sat;
                gcnt += cnt;
                continue;
            }
            EXPECT_LT(zero, cnt) << "layer " << l << " silent on sample " << s;
            EXPECT_LT(sat * 4, cnt) << "layer " << l << " saturated on sample " << s;
        }
        for (auto &p : per)
            npu_tensor_free(&p);
    }
    EXPECT_LT(gzero, gcnt);
    EXPECT_LT(gsat * 4, gcnt);
    std::vector<double> sp(5);
    ASSERT_EQ(akisim_model_sparsity(a.m, n, AKISIM_INPUT_U8, x1.data(), sp.data(), &err),
              AKISIM_OK);
    for (int l = 0; l < 4; l++) {
        EXPECT_GT(sp[l], 0.05) << "layer " << l;
        EXPECT_LT(sp[l], 0.95) << "layer " << l;
    }
    Model c;
    std::vector<uint8_t> x3(n * px);
    ASSERT_EQ(akisim_demo_create(8, n, &c.m, x3.data(), l2.data(), &err), AKISIM_OK);
    EXPECT_NE(x1, x3);
}

} // namespace
