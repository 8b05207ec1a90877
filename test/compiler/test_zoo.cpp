// Tests of the model zoo (cmp_zoo.h): architectures and names, seeded weights, calibrated
// activation density measured with the golden model against an independent count, v2
// variants, bad options; and the zoo / check / map commands of the CLI end to end.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

extern "C" {
#include "cmp/cmp_zoo.h"
}

namespace {

npu_model *build(const char *name, cmp_zoo_opts o) {
    npu_model *m = nullptr;
    npu_err err{};
    EXPECT_EQ(cmp_zoo_build(name, &o, &m, &err), NPU_OK) << name << ": " << err.msg;
    return m;
}

cmp_zoo_opts opts() {
    cmp_zoo_opts o;
    cmp_zoo_opts_default(&o);
    return o;
}

const npu_layer *layer(npu_model *m, const char *name) {
    int i = npu_model_find(m, name);
    EXPECT_GE(i, 0) << name;
    return i >= 0 ? npu_model_layer(m, (uint32_t)i) : nullptr;
}

// Fraction of non-zero values (independent count).
double density_of(const npu_tensor &t) {
    size_t n = npu_shape_size(t.shape), nz = 0;
    for (size_t i = 0; i < n; i++)
        nz += t.data[i] != 0;
    return n ? (double)nz / (double)n : 0.0;
}

std::vector<double> densities(npu_model *m, uint64_t seed) {
    npu_shape s = npu_model_input_shape(m);
    npu_tensor in{s, (int32_t *)malloc(npu_shape_size(s) * sizeof(int32_t))};
    uint64_t x = seed;
    for (size_t i = 0; i < npu_shape_size(s); i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        in.data[i] = (int32_t)((x >> 33) % 256);
    }
    uint32_t n = npu_model_layer_count(m);
    std::vector<npu_tensor> per(n);
    npu_tensor out{};
    npu_err err{};
    EXPECT_EQ(npu_model_forward(m, &in, &out, per.data(), &err), NPU_OK) << err.msg;
    std::vector<double> d;
    for (uint32_t i = 0; i < n; i++) {
        d.push_back(density_of(per[i]));
        npu_tensor_free(&per[i]);
    }
    npu_tensor_free(&out);
    free(in.data);
    return d;
}

std::string run(const std::string &args, int *status) {
    std::string cmd = std::string(AKISIM_CLI) + " " + args + " 2>&1";
    FILE *p = popen(cmd.c_str(), "r");
    std::string out;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0)
        out.append(buf, n);
    int rc = pclose(p);
    *status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
    return out;
}

std::string tmpdir() {
    std::string d = std::string(AKISIM_BINARY_DIR) + "/test_zoo_tmp";
    std::string cmd = "mkdir -p '" + d + "'";
    EXPECT_EQ(system(cmd.c_str()), 0);
    return d;
}

} // namespace

TEST(Zoo, AkidaNetShapesAndNames) {
    cmp_zoo_opts o = opts();
    o.alpha = 0.5;
    o.no_weights = true;
    npu_model *m = build("akidanet", o);
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(npu_model_layer_count(m), 15u);
    // Input shapes of akida-facts.md §5 for alpha 0.5, size 224.
    struct {
        const char *name;
        npu_shape in;
    } want[] = {{"conv_1", {112, 112, 16}}, {"conv_2", {112, 112, 32}}, {"conv_3", {56, 56, 64}},
                {"sep_4", {56, 56, 64}},    {"sep_5", {28, 28, 128}},   {"sep_6", {28, 28, 128}},
                {"sep_7", {14, 14, 256}},   {"sep_11", {14, 14, 256}},  {"sep_12", {14, 14, 256}},
                {"sep_13", {7, 7, 512}},    {"classifier", {1, 1, 512}}};
    for (const auto &w : want) {
        const npu_layer *l = layer(m, w.name);
        ASSERT_NE(l, nullptr);
        EXPECT_EQ(l->in_shape.x, w.in.x) << w.name;
        EXPECT_EQ(l->in_shape.y, w.in.y) << w.name;
        EXPECT_EQ(l->in_shape.c, w.in.c) << w.name;
    }
    EXPECT_EQ(layer(m, "conv_0")->type, NPU_INPUT_CONVOLUTIONAL);
    EXPECT_EQ(layer(m, "conv_0")->p.weights_bits, 8u);
    EXPECT_EQ(layer(m, "sep_13")->type, NPU_SEPARABLE_CONVOLUTIONAL);
    EXPECT_EQ(layer(m, "sep_13")->p.weights_bits, 4u);
    EXPECT_EQ(layer(m, "sep_13")->p.act_bits, 4u);
    EXPECT_EQ(layer(m, "classifier")->type, NPU_FULLY_CONNECTED);
    EXPECT_EQ(npu_model_output_shape(m).c, 1000u);
    npu_model_free(m);
}

TEST(Zoo, KwsArchitecture) {
    cmp_zoo_opts o = opts();
    o.no_weights = true;
    npu_model *m = build("ds_cnn_kws", o);
    ASSERT_NE(m, nullptr);
    const char *names[] = {"conv_0",      "separable_1", "separable_2",
                           "separable_3", "separable_4", "dense"};
    ASSERT_EQ(npu_model_layer_count(m), 6u);
    for (uint32_t i = 0; i < 6; i++)
        EXPECT_STREQ(npu_model_layer(m, i)->name, names[i]);
    const npu_layer *c0 = layer(m, "conv_0");
    EXPECT_EQ(c0->out_shape.x, 25u);
    EXPECT_EQ(c0->out_shape.y, 5u);
    EXPECT_EQ(c0->out_shape.c, 64u);
    EXPECT_EQ(npu_model_output_shape(m).c, 33u);
    npu_model_free(m);
}

TEST(Zoo, EveryModelBuildsV1AndV2) {
    size_t n = 0;
    const char *const *names = cmp_zoo_names(&n);
    ASSERT_EQ(n, 7u);
    for (size_t i = 0; i < n; i++) {
        for (int v = 1; v <= 2; v++) {
            cmp_zoo_opts o = opts();
            o.version = v;
            o.no_weights = true;
            o.input_size = std::string(names[i]) == "ds_cnn_kws" ? 0 : 32;
            npu_model *m = build(names[i], o);
            ASSERT_NE(m, nullptr) << names[i];
            EXPECT_EQ(npu_model_ip_version(m), v) << names[i];
            npu_model_free(m);
        }
    }
}

TEST(Zoo, V2SeparableIsDepthwisePlusPointwise) {
    cmp_zoo_opts o = opts();
    o.version = 2;
    o.no_weights = true;
    npu_model *m = build("ds_cnn_kws", o);
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(layer(m, "conv_0")->type, NPU_INPUT_CONV2D);
    EXPECT_EQ(layer(m, "separable_1_dw")->type, NPU_DEPTHWISE_CONV2D);
    EXPECT_EQ(layer(m, "separable_1")->type, NPU_CONV2D);
    EXPECT_EQ(layer(m, "separable_1")->p.kernel_x, 1u);
    EXPECT_EQ(layer(m, "dense")->type, NPU_DENSE1D);
    npu_model_free(m);
}

TEST(Zoo, WeightsSeededAndInRange) {
    cmp_zoo_opts o = opts();
    o.input_size = 32;
    o.alpha = 0.25;
    o.seed = 7;
    npu_model *a = build("akidanet", o), *b = build("akidanet", o);
    o.seed = 8;
    npu_model *c = build("akidanet", o);
    ASSERT_TRUE(a && b && c);
    const npu_var *wa = npu_layer_var(layer(a, "conv_1"), "weights");
    const npu_var *wb = npu_layer_var(layer(b, "conv_1"), "weights");
    const npu_var *wc = npu_layer_var(layer(c, "conv_1"), "weights");
    ASSERT_EQ(wa->count, wb->count);
    const int32_t *da = (const int32_t *)wa->data, *db = (const int32_t *)wb->data,
                  *dc = (const int32_t *)wc->data;
    size_t same = 0, diff = 0, nonzero = 0;
    for (size_t i = 0; i < wa->count; i++) {
        same += da[i] == db[i];
        diff += da[i] != dc[i];
        nonzero += da[i] != 0;
        EXPECT_GE(da[i], -7);
        EXPECT_LE(da[i], 7);
    }
    EXPECT_EQ(same, wa->count);
    EXPECT_GT(diff, wa->count / 2);
    EXPECT_GT(nonzero, wa->count / 2);
    const npu_var *w0 = npu_layer_var(layer(a, "conv_0"), "weights");
    int32_t mx = 0;
    for (size_t i = 0; i < w0->count; i++)
        mx = std::max(mx, std::abs(((const int32_t *)w0->data)[i]));
    EXPECT_LE(mx, 127);
    EXPECT_GT(mx, 7); // 8-bit input layer
    npu_model_free(a);
    npu_model_free(b);
    npu_model_free(c);
}

TEST(Zoo, CalibratedDensityV1) {
    // Hidden layers fire with about the requested density on a fresh random input.
    for (double target : {0.5, 0.2}) {
        cmp_zoo_opts o = opts();
        o.alpha = 0.25;
        o.input_size = 64;
        o.density = target;
        o.seed = 3;
        npu_model *m = build("akidanet", o);
        ASSERT_NE(m, nullptr);
        std::vector<double> d = densities(m, 99);
        // Hidden layers: conv_0 .. sep_12 (sep_13 is pooled to 1x1, classifier has no act).
        for (uint32_t i = 0; i + 2 < d.size(); i++) {
            EXPECT_GT(d[i], target * 0.4) << npu_model_layer(m, i)->name << " target " << target;
            EXPECT_LT(d[i], std::min(1.0, target * 1.6)) << npu_model_layer(m, i)->name;
        }
        npu_model_free(m);
    }
}

TEST(Zoo, CalibratedDensityV2) {
    cmp_zoo_opts o = opts();
    o.version = 2;
    o.seed = 5;
    npu_model *m = build("ds_cnn_kws", o);
    ASSERT_NE(m, nullptr);
    std::vector<double> d = densities(m, 17);
    for (uint32_t i = 0; i + 2 < d.size(); i++) {
        EXPECT_GT(d[i], 0.2) << npu_model_layer(m, i)->name;
        EXPECT_LT(d[i], 0.8) << npu_model_layer(m, i)->name;
    }
    npu_model_free(m);
}

TEST(Zoo, BadOptions) {
    npu_model *m = nullptr;
    npu_err err{};
    cmp_zoo_opts o = opts();
    EXPECT_EQ(cmp_zoo_build("resnet", &o, &m, &err), NPU_ERR_INPUT);
    EXPECT_NE(std::string(err.msg).find("unknown model 'resnet'"), std::string::npos) << err.msg;
    o.version = 3;
    EXPECT_EQ(cmp_zoo_build("akidanet", &o, &m, &err), NPU_ERR_INPUT);
    o = opts();
    o.density = 0.0;
    EXPECT_EQ(cmp_zoo_build("akidanet", &o, &m, &err), NPU_ERR_INPUT);
    o = opts();
    o.weight_bits = 3;
    EXPECT_EQ(cmp_zoo_build("akidanet", &o, &m, &err), NPU_ERR_INPUT);
    o = opts();
    o.version = 2;
    o.act_bits = 2;
    EXPECT_EQ(cmp_zoo_build("akidanet", &o, &m, &err), NPU_ERR_INPUT);
    o = opts();
    o.alpha = -1;
    EXPECT_EQ(cmp_zoo_build("akidanet", &o, &m, &err), NPU_ERR_INPUT);
    EXPECT_EQ(m, nullptr);
}

TEST(ZooCli, ZooCheckMapEndToEnd) {
    std::string d = tmpdir();
    int st = -1;
    std::string out = run("zoo ds_cnn_kws --seed 1 -o '" + d + "/kws.json'", &st);
    ASSERT_EQ(st, 0) << out;
    out = run("check '" + d + "/kws.json' --mesh akd1000", &st);
    EXPECT_EQ(st, 0) << out;
    out = run("check '" + d + "/kws.json' --mesh sixnodes-v2 --json", &st);
    EXPECT_EQ(st, 2) << out;
    EXPECT_NE(out.find("\"rule\": \"ip_version\""), std::string::npos) << out;
    out = run("map '" + d + "/kws.json' --mesh akd1000", &st);
    EXPECT_EQ(st, 0) << out;
    EXPECT_NE(out.find("HW/conv_0-dense (Hardware)"), std::string::npos) << out;
    EXPECT_NE(out.find("Totals: 65 NPs"), std::string::npos) << out;
    out = run("map '" + d + "/kws.json' --mesh akd1000 --map-mode minimal --json", &st);
    EXPECT_EQ(st, 0) << out;
    EXPECT_NE(out.find("\"totals\": {\"nps\": 5,"), std::string::npos) << out;
    EXPECT_NE(out.find("\"np_mappings\": [{\"ident\": ["), std::string::npos) << out;
    std::string prog = d + "/kws.bin";
    remove(prog.c_str());
    out = run("map '" + d + "/kws.json' --mesh akd1000 -o '" + prog + "'", &st);
    EXPECT_EQ(st, 0) << out;
    FILE *f = fopen(prog.c_str(), "rb");
    EXPECT_NE(f, nullptr);
    if (f)
        fclose(f);
}

TEST(ZooCli, MapBadInput) {
    std::string d = tmpdir();
    int st = -1;
    std::string out =
        run("zoo akidanet --alpha 0.25 --input-size 160 --no-weights -o '" + d + "/an.json'", &st);
    ASSERT_EQ(st, 0) << out;
    out = run("map '" + d + "/an.json' --mesh akd1000 --map-mode fastest", &st);
    EXPECT_EQ(st, 2);
    EXPECT_NE(out.find("unknown map mode 'fastest'"), std::string::npos) << out;
    std::string prog = d + "/never.bin";
    remove(prog.c_str());
    out = run("map '" + d + "/an.json' --mesh twonodes --hw-only -o '" + prog + "'", &st);
    EXPECT_EQ(st, 2) << out;
    EXPECT_NE(out.find("hw_only: layer '"), std::string::npos) << out;
    EXPECT_EQ(fopen(prog.c_str(), "rb"), nullptr);
    out = run("map '" + d + "/an.json' --mesh twonodes", &st);
    EXPECT_EQ(st, 0) << out;
    EXPECT_NE(out.find("(Hybrid)"), std::string::npos) << out;
    out = run("map '" + d + "/an.json'", &st);
    EXPECT_EQ(st, 2);
    out = run("zoo nosuchnet -o '" + d + "/x.json'", &st);
    EXPECT_EQ(st, 2);
    EXPECT_NE(out.find("unknown model"), std::string::npos) << out;
    out = run("zoo akidanet --density 2 -o '" + d + "/x.json'", &st);
    EXPECT_EQ(st, 2);
}
