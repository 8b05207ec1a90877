/*
 * test_modelfile: model.json + model.npz loading and saving (compiler/src/cmp_modeljson.c,
 * cmp_modelfile.c, cmp_params.c). Models built with the npu API (v1 and v2 layer types,
 * Add/Concatenate inbounds) are saved, loaded and compared field by field and byte by byte;
 * a randomized property test does the same for random v1 chains; hand-written JSON checks
 * defaults, topological reordering and every rejection, each message naming file, layer and
 * field.
 */
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "cmp/cmp_array.h"
#include "cmp/cmp_modelfile.h"

namespace {

class TmpDir {
  public:
    TmpDir() {
        std::string tmpl = std::string(AKISIM_BINARY_DIR) + "/tmp-test-modelfile-XXXXXX";
        std::vector<char> b(tmpl.begin(), tmpl.end());
        b.push_back('\0');
        path_ = mkdtemp(b.data());
    }
    ~TmpDir() {
        remove_tree(path_);
    }
    std::string file(const std::string &name) const {
        return path_ + "/" + name;
    }

  private:
    static void remove_tree(const std::string &p) {
        if (DIR *d = opendir(p.c_str())) {
            while (dirent *e = readdir(d)) {
                std::string n = e->d_name;
                if (n != "." && n != "..")
                    remove_tree(p + "/" + n);
            }
            closedir(d);
            rmdir(p.c_str());
        } else {
            unlink(p.c_str());
        }
    }
    std::string path_;
};

std::string read_file(const std::string &p) {
    std::ifstream f(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), {});
}

void write_file(const std::string &p, const std::string &s) {
    std::ofstream f(p, std::ios::binary | std::ios::trunc);
    f << s;
}

/* Builds models with the npu API and random variables within the given ranges. */
struct Builder {
    npu_model *m = npu_model_new();
    std::mt19937 rng{1};
    npu_err err{};

    uint32_t add(npu_layer_type t, const char *name, const npu_params &p,
                 std::vector<const char *> inbound = {}) {
        std::vector<uint32_t> in;
        for (const char *n : inbound)
            in.push_back(uint32_t(npu_model_find(m, n)));
        EXPECT_EQ(npu_model_add(m, t, name, &p, in.data(), uint32_t(in.size()), &err), NPU_OK)
            << err.msg;
        return npu_model_layer_count(m) - 1;
    }
    void var(const char *layer, const char *name, std::vector<uint32_t> shape, int64_t lo,
             int64_t hi) {
        size_t n = 1;
        for (uint32_t d : shape)
            n *= d;
        std::vector<int32_t> v(n);
        for (auto &x : v)
            x = int32_t(lo + int64_t(rng() % uint64_t(hi - lo + 1)));
        EXPECT_EQ(npu_model_set_var(m, uint32_t(npu_model_find(m, layer)), name, NPU_DTYPE_I32,
                                    uint32_t(shape.size()), shape.data(), v.data(), &err),
                  NPU_OK)
            << err.msg;
    }
    void fvar(const char *layer, const char *name, uint32_t n) {
        std::vector<float> v(n);
        for (auto &x : v)
            x = float(int(rng() % 2000) - 1000) / 64.0f;
        EXPECT_EQ(npu_model_set_var(m, uint32_t(npu_model_find(m, layer)), name, NPU_DTYPE_F32, 1,
                                    &n, v.data(), &err),
                  NPU_OK)
            << err.msg;
    }
    /* threshold + act_step of a v1 layer. */
    void act(const char *layer, uint32_t filters) {
        var(layer, "threshold", {filters}, -50, 50);
        var(layer, "act_step", {filters}, 1, 20);
    }
};

/* A v1 model: InputConvolutional (non-square kernel and stride), Convolutional with max
 * pooling, SeparableConvolutional with global average pooling, FullyConnected. */
npu_model *build_v1() {
    Builder b;
    npu_params p = npu_params_default(NPU_INPUT_CONVOLUTIONAL);
    p.input_shape = {9, 7, 3};
    p.kernel_x = 3, p.kernel_y = 5;
    p.filters = 4;
    p.stride_x = 2, p.stride_y = 1;
    p.weights_bits = 8;
    p.act_bits = 4;
    p.padding_value = 3;
    b.add(NPU_INPUT_CONVOLUTIONAL, "conv_0", p);
    b.var("conv_0", "weights", {3, 5, 3, 4}, -127, 127);
    b.act("conv_0", 4);

    p = npu_params_default(NPU_CONVOLUTIONAL);
    p.kernel_x = p.kernel_y = 3;
    p.filters = 5;
    p.weights_bits = 4;
    p.act_bits = 2;
    p.pool_type = NPU_POOL_MAX;
    p.pool_x = p.pool_y = 2;
    p.pool_stride_x = p.pool_stride_y = 2;
    b.add(NPU_CONVOLUTIONAL, "conv_1", p);
    b.var("conv_1", "weights", {3, 3, 4, 5}, -7, 7);
    b.act("conv_1", 5);

    p = npu_params_default(NPU_SEPARABLE_CONVOLUTIONAL);
    p.kernel_x = p.kernel_y = 3;
    p.filters = 6;
    p.weights_bits = 4;
    p.act_bits = 4;
    p.pool_type = NPU_POOL_AVG;
    b.add(NPU_SEPARABLE_CONVOLUTIONAL, "sep_2", p);
    b.var("sep_2", "weights", {3, 3, 5, 1}, -7, 7);
    b.var("sep_2", "weights_pw", {1, 1, 5, 6}, -7, 7);
    b.act("sep_2", 6);

    p = npu_params_default(NPU_FULLY_CONNECTED);
    p.filters = 3;
    p.weights_bits = 2;
    p.activation = false;
    b.add(NPU_FULLY_CONNECTED, "classifier", p);
    b.var("classifier", "weights", {1, 1, 6, 3}, -1, 1);
    b.act("classifier", 3);
    return b.m;
}

/* A v2 model with Add and Concatenate inbounds: InputData, Conv2D, DepthwiseConv2D,
 * Add(c1, dw), Concatenate(add, dw), BatchNormalization, Dense1D, Dequantizer. */
npu_model *build_v2() {
    Builder b;
    b.rng.seed(2);
    npu_params p = npu_params_default(NPU_INPUT_DATA);
    p.input_shape = {6, 5, 3};
    p.input_bits = 8;
    b.add(NPU_INPUT_DATA, "input", p);

    p = npu_params_default(NPU_CONV2D);
    p.kernel_x = p.kernel_y = 3;
    p.filters = 4;
    p.buffer_bits = 28;
    b.add(NPU_CONV2D, "c1", p);
    b.var("c1", "weights", {3, 3, 3, 4}, -128, 127);
    b.var("c1", "input_shift", {3}, 0, 3);
    b.var("c1", "bias", {4}, -1000, 1000);
    b.var("c1", "bias_shift", {4}, 0, 4);
    b.var("c1", "output_scale", {4}, 0, 300);
    b.var("c1", "output_shift", {4}, -2, 12);

    p = npu_params_default(NPU_DEPTHWISE_CONV2D);
    p.kernel_x = p.kernel_y = 3;
    p.output_bits = 8;
    b.add(NPU_DEPTHWISE_CONV2D, "dw", p);
    b.var("dw", "weights", {3, 3, 4}, -128, 127);
    b.var("dw", "output_shift", {4}, 0, 9);

    p = npu_params_default(NPU_ADD);
    p.output_bits = 8;
    b.add(NPU_ADD, "add", p, {"c1", "dw"});
    b.var("add", "a_shift", {4}, 0, 2);

    p = npu_params_default(NPU_CONCATENATE);
    b.add(NPU_CONCATENATE, "cat", p, {"add", "dw"});

    p = npu_params_default(NPU_BATCH_NORMALIZATION);
    p.activation = true;
    b.add(NPU_BATCH_NORMALIZATION, "bn", p);
    b.var("bn", "a", {8}, -100, 100);
    b.var("bn", "b", {8}, -100, 100);

    p = npu_params_default(NPU_DENSE1D);
    p.filters = 3;
    p.output_bits = 16;
    b.add(NPU_DENSE1D, "dense", p);
    b.var("dense", "weights", {6 * 5 * 8, 3}, -128, 127);

    p = npu_params_default(NPU_DEQUANTIZER);
    b.add(NPU_DEQUANTIZER, "deq", p);
    b.fvar("deq", "scales", 3);
    return b.m;
}

void expect_params_eq(const npu_params &a, const npu_params &b, const char *layer) {
    SCOPED_TRACE(layer);
    EXPECT_EQ(a.input_shape.x, b.input_shape.x);
    EXPECT_EQ(a.input_shape.y, b.input_shape.y);
    EXPECT_EQ(a.input_shape.c, b.input_shape.c);
    EXPECT_EQ(a.input_bits, b.input_bits);
    EXPECT_EQ(a.input_signed, b.input_signed);
    EXPECT_EQ(a.kernel_x, b.kernel_x);
    EXPECT_EQ(a.kernel_y, b.kernel_y);
    EXPECT_EQ(a.filters, b.filters);
    EXPECT_EQ(a.stride_x, b.stride_x);
    EXPECT_EQ(a.stride_y, b.stride_y);
    EXPECT_EQ(a.padding, b.padding);
    EXPECT_EQ(a.padding_value, b.padding_value);
    EXPECT_EQ(a.pool_type, b.pool_type);
    EXPECT_EQ(a.pool_x, b.pool_x);
    EXPECT_EQ(a.pool_y, b.pool_y);
    EXPECT_EQ(a.pool_stride_x, b.pool_stride_x);
    EXPECT_EQ(a.pool_stride_y, b.pool_stride_y);
    EXPECT_EQ(a.activation, b.activation);
    EXPECT_EQ(a.weights_bits, b.weights_bits);
    EXPECT_EQ(a.act_bits, b.act_bits);
    EXPECT_EQ(a.output_bits, b.output_bits);
    EXPECT_EQ(a.buffer_bits, b.buffer_bits);
}

void expect_models_eq(const npu_model *a, const npu_model *b) {
    ASSERT_EQ(npu_model_layer_count(a), npu_model_layer_count(b));
    for (uint32_t i = 0; i < npu_model_layer_count(a); i++) {
        const npu_layer *x = npu_model_layer(a, i), *y = npu_model_layer(b, i);
        EXPECT_STREQ(x->name, y->name);
        EXPECT_EQ(x->type, y->type) << x->name;
        expect_params_eq(x->p, y->p, x->name);
        EXPECT_EQ(x->n_inbound, y->n_inbound) << x->name;
        for (uint32_t k = 0; k < x->n_inbound && k < y->n_inbound; k++)
            EXPECT_EQ(x->inbound[k], y->inbound[k]) << x->name;
        ASSERT_EQ(x->n_vars, y->n_vars) << x->name;
        for (uint32_t v = 0; v < x->n_vars; v++) {
            const npu_var *vx = &x->vars[v];
            const npu_var *vy = npu_layer_var(y, vx->name);
            ASSERT_NE(vy, nullptr) << x->name << "/" << vx->name;
            EXPECT_EQ(vx->dtype, vy->dtype);
            ASSERT_EQ(vx->ndim, vy->ndim);
            for (uint32_t d = 0; d < vx->ndim; d++)
                EXPECT_EQ(vx->shape[d], vy->shape[d]);
            ASSERT_EQ(vx->count, vy->count);
            EXPECT_EQ(std::memcmp(vx->data, vy->data, vx->count * 4), 0)
                << x->name << "/" << vx->name;
        }
    }
}

struct Loaded {
    npu_status st;
    npu_model *m = nullptr;
    npu_err err{};
    ~Loaded() {
        npu_model_free(m);
    }
};

void load(const std::string &path, Loaded &out) {
    out.st = cmp_model_load(path.c_str(), &out.m, &out.err);
}

/* Saves a model, returns the directory path. */
std::string save(npu_model *m, const TmpDir &dir, const char *name = "model") {
    npu_err err{};
    const std::string p = dir.file(name);
    EXPECT_EQ(cmp_model_save(m, p.c_str(), &err), NPU_OK) << err.msg;
    return p;
}

/* The message names every given needle. */
void expect_msg(const npu_err &err, std::vector<std::string> needles) {
    for (const auto &n : needles)
        EXPECT_NE(std::string(err.msg).find(n), std::string::npos)
            << "missing '" << n << "' in: " << err.msg;
}

} // namespace

TEST(ModelFile, RoundTripV1) {
    TmpDir dir;
    npu_model *m = build_v1();
    npu_err err{};
    ASSERT_EQ(npu_model_finalize(m, &err), NPU_OK) << err.msg;
    const std::string p = save(m, dir);
    Loaded l;
    load(p, l);
    ASSERT_EQ(l.st, NPU_OK) << l.err.msg;
    expect_models_eq(m, l.m);
    /* Every accepted parameter is written explicitly, defaults included. */
    const std::string json = read_file(p + "/model.json");
    EXPECT_NE(json.find("\"kernel_size\": [3, 5]"), std::string::npos) << json;
    EXPECT_NE(json.find("\"kernel_stride\": [2, 1]"), std::string::npos);
    EXPECT_NE(json.find("\"pool_stride\": [-1, -1]"), std::string::npos);
    size_t n_act_bits = 0;
    for (size_t at = 0; (at = json.find("\"act_bits\"", at)) != std::string::npos; at++)
        n_act_bits++;
    EXPECT_EQ(n_act_bits, 4u);
    /* Saving the loaded model gives the same bytes. */
    const std::string p2 = save(l.m, dir, "again.json");
    EXPECT_EQ(read_file(p2), json);
    EXPECT_EQ(read_file(dir.file("again.npz")), read_file(p + "/model.npz"));
    npu_model_free(m);
}

TEST(ModelFile, RoundTripV2WithAddConcatenate) {
    TmpDir dir;
    npu_model *m = build_v2();
    npu_err err{};
    ASSERT_EQ(npu_model_finalize(m, &err), NPU_OK) << err.msg;
    const std::string p = save(m, dir, "v2.json");
    Loaded l;
    load(p, l);
    ASSERT_EQ(l.st, NPU_OK) << l.err.msg;
    expect_models_eq(m, l.m);
    const std::string json = read_file(p);
    EXPECT_NE(json.find("\"inbound\": [\"add\", \"dw\"]"), std::string::npos) << json;
    EXPECT_NE(json.find("\"kernel_size\": 3"), std::string::npos);
    EXPECT_NE(json.find("\"buffer_bits\": 28"), std::string::npos);
    /* Dequantizer scales stay float32. */
    cmp_npz z;
    ASSERT_EQ(cmp_npz_read(dir.file("v2.npz").c_str(), &z, &err), NPU_OK) << err.msg;
    ASSERT_NE(cmp_npz_get(&z, "deq/scales"), nullptr);
    EXPECT_EQ(cmp_npz_get(&z, "deq/scales")->dtype, CMP_F32);
    EXPECT_EQ(cmp_npz_get(&z, "c1/weights")->dtype, CMP_I32);
    cmp_npz_free(&z);
    npu_model_free(m);
}

/* Random v1 chains with random parameters and variables round trip exactly. */
TEST(ModelFile, RandomV1ChainsRoundTrip) {
    std::mt19937 rng(99);
    TmpDir dir;
    for (int it = 0; it < 25; it++) {
        Builder b;
        b.rng.seed(uint32_t(it));
        npu_params p = npu_params_default(NPU_INPUT_DATA);
        p.input_shape = {uint32_t(4 + rng() % 6), uint32_t(4 + rng() % 6), uint32_t(1 + rng() % 4)};
        p.input_bits = 1u << (rng() % 3);
        b.add(NPU_INPUT_DATA, "in", p);
        uint32_t c = p.input_shape.c;
        const int n = 1 + int(rng() % 4);
        for (int k = 0; k < n; k++) {
            const std::string name = "l" + std::to_string(k);
            const bool sep = rng() % 2;
            const npu_layer_type t = sep ? NPU_SEPARABLE_CONVOLUTIONAL : NPU_CONVOLUTIONAL;
            p = npu_params_default(t);
            p.kernel_x = p.kernel_y = 1 + 2 * (rng() % 2);
            if (sep)
                p.kernel_x = p.kernel_y = 3;
            p.filters = 1 + rng() % 5;
            p.weights_bits = sep ? 2u << (rng() % 2) : 1u << (rng() % 3);
            p.act_bits = 1u << (rng() % 3);
            p.activation = k + 1 < n || rng() % 2 != 0; /* off only at the end */
            b.add(t, name.c_str(), p);
            const int64_t wmax = p.weights_bits == 1 ? 1 : (int64_t(1) << (p.weights_bits - 1)) - 1;
            const int64_t wmin = p.weights_bits == 1 ? 0 : -wmax;
            if (sep) {
                b.var(name.c_str(), "weights", {p.kernel_x, p.kernel_y, c, 1}, wmin, wmax);
                b.var(name.c_str(), "weights_pw", {1, 1, c, p.filters}, wmin, wmax);
            } else {
                b.var(name.c_str(), "weights", {p.kernel_x, p.kernel_y, c, p.filters}, wmin, wmax);
            }
            b.act(name.c_str(), p.filters);
            c = p.filters;
        }
        npu_err err{};
        ASSERT_EQ(npu_model_finalize(b.m, &err), NPU_OK) << err.msg;
        const std::string path = save(b.m, dir, ("r" + std::to_string(it) + ".json").c_str());
        Loaded l;
        load(path, l);
        ASSERT_EQ(l.st, NPU_OK) << l.err.msg;
        expect_models_eq(b.m, l.m);
        npu_model_free(b.m);
    }
}

namespace {

const char *const SEQ_JSON = R"({
  "format": "akisim-model", "version": 1,
  "layers": [
    {"name": "in", "type": "InputData", "parameters": {"input_shape": [4, 4, 2]}},
    {"name": "conv", "type": "Convolutional", "parameters": {"kernel_size": 3, "filters": 2}}
  ]
})";

/* Parses JSON text; returns the status (model freed). */
npu_status from_json(const std::string &text, npu_err &err, npu_model **keep = nullptr) {
    npu_model *m = nullptr;
    npu_status st = cmp_model_from_json(text.data(), text.size(), "test.json", &m, &err);
    if (keep)
        *keep = m;
    else
        npu_model_free(m);
    return st;
}

std::string with_layers(const std::string &layers) {
    return R"({"format": "akisim-model", "version": 1, "layers": [)" + layers + "]}";
}

} // namespace

TEST(ModelJson, DefaultsAndPreviousLayer) {
    npu_err err{};
    npu_model *m = nullptr;
    ASSERT_EQ(from_json(SEQ_JSON, err, &m), NPU_OK) << err.msg;
    ASSERT_EQ(npu_model_layer_count(m), 2u);
    const npu_layer *conv = npu_model_layer(m, 1);
    EXPECT_EQ(conv->n_inbound, 1u);
    EXPECT_EQ(conv->inbound[0], 0u);
    /* Seed-001 defaults of Convolutional: stride 1, Same, weights_bits 1, act_bits 1,
     * activation on, no pooling (-1 sizes). */
    EXPECT_EQ(conv->p.kernel_x, 3u);
    EXPECT_EQ(conv->p.kernel_y, 3u);
    EXPECT_EQ(conv->p.stride_x, 1u);
    EXPECT_EQ(conv->p.padding, NPU_PAD_SAME);
    EXPECT_EQ(conv->p.weights_bits, 1u);
    EXPECT_EQ(conv->p.act_bits, 1u);
    EXPECT_TRUE(conv->p.activation);
    EXPECT_EQ(conv->p.pool_type, NPU_POOL_NONE);
    EXPECT_EQ(conv->p.pool_x, -1);
    EXPECT_EQ(npu_model_layer(m, 0)->p.input_bits, 4u);
    npu_model_free(m);
}

/* Layers listed out of order are sorted topologically (stable among ready layers). */
TEST(ModelJson, TopologicalReorder) {
    const std::string text = with_layers(R"(
      {"name": "cat", "type": "Concatenate", "inbound": ["b", "a"]},
      {"name": "b", "type": "Conv2D", "inbound": ["a"], "parameters": {"kernel_size": 1, "filters": 2}},
      {"name": "in", "type": "InputData", "parameters": {"input_shape": [3, 3, 1], "input_bits": 8}},
      {"name": "a", "type": "Conv2D", "inbound": ["in"], "parameters": {"kernel_size": 1, "filters": 2}})");
    npu_err err{};
    npu_model *m = nullptr;
    ASSERT_EQ(from_json(text, err, &m), NPU_OK) << err.msg;
    const char *order[] = {"in", "a", "b", "cat"};
    for (uint32_t i = 0; i < 4; i++)
        EXPECT_STREQ(npu_model_layer(m, i)->name, order[i]);
    const npu_layer *cat = npu_model_layer(m, 3);
    ASSERT_EQ(cat->n_inbound, 2u);
    EXPECT_EQ(cat->inbound[0], 2u); /* b */
    EXPECT_EQ(cat->inbound[1], 1u); /* a */
    npu_model_free(m);
}

TEST(ModelJson, Rejections) {
    struct Case {
        std::string text;
        std::vector<std::string> needles;
    };
    const std::string in =
        R"({"name": "in", "type": "InputData", "parameters": {"input_shape": [4, 4, 2]}},)";
    const std::vector<Case> cases = {
        {"{", {"test.json", "invalid JSON", "line"}},
        {"[1, 2]", {"test.json", "top level"}},
        {R"({"format": "akisim-model", "version": 1, "layer": []})",
         {"unknown top-level key 'layer'", "did you mean 'layers'"}},
        {R"({"format": "other", "version": 1, "layers": []})", {"format"}},
        {R"({"format": "akisim-model", "version": 2, "layers": []})", {"version", "2"}},
        {with_layers(""), {"no layers"}},
        {with_layers(in + R"({"name": "x", "type": "Convolution", "parameters": {}})"),
         {"test.json", "layer 'x'", "unknown layer type 'Convolution'"}},
        {with_layers(in +
                     R"({"name": "att", "type": "Attention", "parameters": {"num_heads": 2}})"),
         {"test.json", "layer 'att'", "layer type Attention is not supported yet"}},
        {with_layers(
             in +
             R"({"name": "c", "type": "Convolutional", "parameters": {"kernel_size": 3, "filters": 2, "kernel_strid": 2}})"),
         {"test.json", "layer 'c'", "unknown parameter 'kernel_strid'",
          "did you mean 'kernel_stride'"}},
        {with_layers(in +
                     R"({"name": "fc", "type": "FullyConnected", "parameters": {"filters": 2}})"),
         {"layer 'fc'", "unknown parameter 'filters'", "did you mean 'units'"}},
        {with_layers(
             in +
             R"({"name": "c", "type": "Convolutional", "parameters": {"kernel_size": 3, "filters": "2"}})"),
         {"test.json", "layer 'c'", "parameter 'filters'", "expected an integer, got a string"}},
        {with_layers(
             in +
             R"({"name": "c", "type": "Convolutional", "parameters": {"kernel_size": 3, "filters": 2, "activation": 1}})"),
         {"layer 'c'", "parameter 'activation'", "expected true or false"}},
        {with_layers(
             in +
             R"({"name": "c", "type": "Convolutional", "parameters": {"kernel_size": 3, "filters": 2.5}})"),
         {"layer 'c'", "parameter 'filters'", "integer"}},
        {with_layers(
             in +
             R"({"name": "c", "type": "Convolutional", "parameters": {"kernel_size": 3, "filters": 2, "padding": "same"}})"),
         {"layer 'c'", "parameter 'padding'", "\"Same\""}},
        {with_layers(
             R"({"name": "in", "type": "InputData", "parameters": {"input_shape": [4, -4, 2]}})"),
         {"test.json", "layer 'in'", "parameter 'input_shape'", "-4"}},
        {with_layers(
             R"({"name": "in", "type": "InputData", "parameters": {"input_shape": [65536, 65536, 3]}})"),
         {"layer 'in'", "parameter 'input_shape'", "absurdly large"}},
        {with_layers(
             in +
             R"({"name": "c", "type": "Convolutional", "parameters": {"kernel_size": [3, 3, 3], "filters": 2}})"),
         {"layer 'c'", "parameter 'kernel_size'", "array of 2"}},
        {with_layers(
             in +
             R"({"name": "c", "type": "Convolutional", "parameters": {"kernel_size": 3, "filters": 0}})"),
         {"layer 'c'", "parameter 'filters'", "out of range"}},
        {with_layers(
             in +
             R"({"name": "c", "type": "Convolutional", "parameters": {"kernel_size": 3, "filters": 2, "pool_size": 0}})"),
         {"layer 'c'", "parameter 'pool_size'", "-1 or 1.."}},
        {with_layers(in +
                     R"({"name": "c", "type": "Convolutional", "parameters": {"kernel_size": 3}})"),
         {"layer 'c'", "missing required parameter 'filters'"}},
        {with_layers(in + R"({"name": "c", "type": "Convolutional", "params": {}})"),
         {"layer 'c'", "unknown key 'params'"}},
        {with_layers(
             in +
             R"({"name": "in", "type": "Convolutional", "parameters": {"kernel_size": 3, "filters": 2}})"),
         {"layer 'in'", "duplicate"}},
        {with_layers(in + R"({"name": "c", "type": "Add", "inbound": ["in", "ghost"]})"),
         {"test.json", "layer 'c'", "inbound", "no layer named 'ghost'"}},
        {with_layers(in + R"({"name": "a", "type": "Add", "inbound": ["in", "b"]},
                             {"name": "b", "type": "Add", "inbound": ["a", "in"]})"),
         {"test.json", "inbound", "cycle", "'a'", "'b'"}},
        {with_layers(in + R"({"name": "self", "type": "Add", "inbound": ["in", "self"]})"),
         {"layer 'self'", "cycle"}},
        {with_layers(
             in +
             R"({"name": "c", "type": "Conv2D", "inbound": "in", "parameters": {"kernel_size": 3, "filters": 2}})"),
         {"layer 'c'", "'inbound' must be an array"}},
        {with_layers(
             R"({"name": "in", "type": "InputData", "inbound": ["in"], "parameters": {"input_shape": [4, 4, 2]}})"),
         {"layer 'in'", "inbound", "takes no inbound"}},
        {with_layers(R"({"type": "InputData"})"), {"layers[0]", "missing 'name'"}},
        {with_layers(R"({"name": 3, "type": "InputData"})"), {"layers[0]", "'name'"}},
    };
    for (const auto &c : cases) {
        npu_err err{};
        EXPECT_EQ(from_json(c.text, err), NPU_ERR_INPUT) << c.text;
        expect_msg(err, c.needles);
    }
}

/* Garbage bytes never crash the JSON reader. */
TEST(ModelJson, RandomMutationsHandled) {
    std::mt19937 rng(5);
    const std::string base = SEQ_JSON;
    for (int it = 0; it < 500; it++) {
        std::string s = base;
        for (int f = 0; f < 3; f++)
            s[rng() % s.size()] = " {}[]\",:0-9a\x80"[rng() % 14];
        npu_err err{};
        npu_model *m = nullptr;
        const npu_status st = cmp_model_from_json(s.data(), s.size(), "fuzz.json", &m, &err);
        if (st == NPU_OK)
            EXPECT_NE(m, nullptr);
        else
            EXPECT_NE(std::string(err.msg).find("fuzz.json"), std::string::npos) << err.msg;
        npu_model_free(m);
    }
}

namespace {

/* Saves the v1 model, applies edit to its npz, and loads it again. */
template <typename Edit>
void load_with_npz_edit(Edit edit, Loaded &out, std::string &npz_path) {
    TmpDir dir;
    npu_model *m = build_v1();
    const std::string p = save(m, dir);
    npu_model_free(m);
    npz_path = p + "/model.npz";
    cmp_npz z;
    npu_err err{};
    ASSERT_EQ(cmp_npz_read(npz_path.c_str(), &z, &err), NPU_OK) << err.msg;
    cmp_npz edited = {};
    for (size_t i = 0; i < z.n; i++)
        edit(z.keys[i], z.arrays[i], edited);
    cmp_npz_free(&z);
    ASSERT_EQ(cmp_npz_write(npz_path.c_str(), &edited, &err), NPU_OK) << err.msg;
    cmp_npz_free(&edited);
    load(p, out);
}

void keep(const char *key, const cmp_array &a, cmp_npz &z) {
    npu_err err{};
    EXPECT_EQ(cmp_npz_add(&z, key, &a, &err), NPU_OK);
}

} // namespace

TEST(ModelFile, MissingVariable) {
    Loaded l;
    std::string npz;
    load_with_npz_edit(
        [](const char *k, const cmp_array &a, cmp_npz &z) {
            if (std::string(k) != "conv_1/act_step")
                keep(k, a, z);
        },
        l, npz);
    EXPECT_EQ(l.st, NPU_ERR_INPUT);
    expect_msg(l.err, {"model.npz", "conv_1", "act_step"});
}

TEST(ModelFile, MisShapedVariable) {
    Loaded l;
    std::string npz;
    load_with_npz_edit(
        [](const char *k, const cmp_array &a, cmp_npz &z) {
            if (std::string(k) != "conv_1/weights")
                return keep(k, a, z);
            cmp_array b = a;
            b.shape[3] = 1;
            b.count = a.count / 5;
            keep(k, b, z);
        },
        l, npz);
    EXPECT_EQ(l.st, NPU_ERR_INPUT);
    expect_msg(l.err, {"model.npz", "conv_1", "weights"});
}

TEST(ModelFile, OutOfRangeVariable) {
    for (const int64_t bad : {int64_t(8), int64_t(1) << 40}) {
        Loaded l;
        std::string npz;
        load_with_npz_edit(
            [bad](const char *k, const cmp_array &a, cmp_npz &z) {
                if (std::string(k) != "conv_1/weights")
                    return keep(k, a, z);
                /* As int64, as a Python user might save it. */
                cmp_array b;
                npu_err err{};
                ASSERT_EQ(cmp_array_alloc(&b, CMP_I64, a.ndim, a.shape, &err), NPU_OK);
                for (size_t i = 0; i < a.count; i++)
                    static_cast<int64_t *>(b.data)[i] = static_cast<const int32_t *>(a.data)[i];
                static_cast<int64_t *>(b.data)[7] = bad;
                keep(k, b, z);
                cmp_array_free(&b);
            },
            l, npz);
        EXPECT_EQ(l.st, NPU_ERR_INPUT);
        expect_msg(l.err, {"model.npz", "conv_1", "weights"});
    }
}

/* Any integer dtype in range is accepted and converted to int32. */
TEST(ModelFile, NarrowIntegerDtypesAccepted) {
    Loaded l;
    std::string npz;
    load_with_npz_edit(
        [](const char *k, const cmp_array &a, cmp_npz &z) {
            if (std::string(k) != "conv_1/weights")
                return keep(k, a, z);
            cmp_array b;
            npu_err err{};
            ASSERT_EQ(cmp_array_alloc(&b, CMP_I8, a.ndim, a.shape, &err), NPU_OK);
            for (size_t i = 0; i < a.count; i++)
                static_cast<int8_t *>(b.data)[i] = int8_t(static_cast<const int32_t *>(a.data)[i]);
            keep(k, b, z);
            cmp_array_free(&b);
        },
        l, npz);
    ASSERT_EQ(l.st, NPU_OK) << l.err.msg;
    npu_model *ref = build_v1();
    expect_models_eq(ref, l.m);
    npu_model_free(ref);
}

TEST(ModelFile, UnknownNpzKeys) {
    for (const char *key : {"nolayer/weights", "conv_1/bogus", "conv_1"}) {
        Loaded l;
        std::string npz;
        load_with_npz_edit(
            [key](const char *k, const cmp_array &a, cmp_npz &z) {
                keep(k, a, z);
                if (std::string(k) == "conv_1/threshold")
                    keep(key, a, z);
            },
            l, npz);
        EXPECT_EQ(l.st, NPU_ERR_INPUT) << key;
        const std::string k(key);
        expect_msg(l.err, {"model.npz"});
        expect_msg(l.err, {k.substr(k.find('/') + 1)});
    }
}

TEST(ModelFile, TruncatedNpz) {
    TmpDir dir;
    npu_model *m = build_v1();
    const std::string p = save(m, dir);
    npu_model_free(m);
    const std::string npz = p + "/model.npz";
    const std::string bytes = read_file(npz);
    write_file(npz, bytes.substr(0, bytes.size() * 2 / 3));
    Loaded l;
    load(p, l);
    EXPECT_EQ(l.st, NPU_ERR_INPUT);
    expect_msg(l.err, {"model.npz"});
    EXPECT_EQ(l.m, nullptr);
}

TEST(ModelFile, BadJsonFileNamed) {
    TmpDir dir;
    npu_model *m = build_v1();
    const std::string p = save(m, dir, "m.json");
    npu_model_free(m);
    std::string json = read_file(p);
    const size_t at = json.find("\"act_bits\": 2");
    ASSERT_NE(at, std::string::npos);
    json.replace(at, 13, "\"act_bits\": -2");
    write_file(p, json);
    Loaded l;
    load(p, l);
    EXPECT_EQ(l.st, NPU_ERR_INPUT);
    expect_msg(l.err, {"m.json", "layer 'conv_1'", "act_bits"});
    Loaded missing;
    load(dir.file("absent.json"), missing);
    EXPECT_EQ(missing.st, NPU_ERR_INPUT);
    expect_msg(missing.err, {"absent.json"});
}

TEST(ModelFile, Paths) {
    char j[256], n[256];
    npu_err err{};
    ASSERT_EQ(cmp_model_paths("a/b.json", j, sizeof j, n, sizeof n, &err), NPU_OK);
    EXPECT_STREQ(j, "a/b.json");
    EXPECT_STREQ(n, "a/b.npz");
    ASSERT_EQ(cmp_model_paths("dir/", j, sizeof j, n, sizeof n, &err), NPU_OK);
    EXPECT_STREQ(j, "dir/model.json");
    EXPECT_STREQ(n, "dir/model.npz");
    ASSERT_EQ(cmp_model_paths("dir", j, sizeof j, n, sizeof n, &err), NPU_OK);
    EXPECT_STREQ(n, "dir/model.npz");
    EXPECT_EQ(cmp_model_paths("dir", j, 5, n, sizeof n, &err), NPU_ERR_INPUT);
}

/* Transposed convolutions take no stride or padding parameters; their values are written and
 * read back exactly. */
TEST(ModelJson, TransposeLayersParseAndRewrite) {
    const std::string text = with_layers(R"(
      {"name": "in", "type": "InputData", "parameters": {"input_shape": [4, 4, 3], "input_bits": 8}},
      {"name": "t", "type": "Conv2DTranspose", "parameters": {"kernel_size": 4, "filters": 2, "output_bits": 4}},
      {"name": "d", "type": "DepthwiseConv2DTranspose", "parameters": {"kernel_size": 3, "activation": false}})");
    npu_err err{};
    npu_model *m = nullptr;
    ASSERT_EQ(from_json(text, err, &m), NPU_OK) << err.msg;
    const npu_layer *t = npu_model_layer(m, 1), *d = npu_model_layer(m, 2);
    EXPECT_EQ(t->p.kernel_x, 4u);
    EXPECT_EQ(t->p.filters, 2u);
    EXPECT_EQ(t->p.output_bits, 4u);
    EXPECT_TRUE(t->p.activation);
    EXPECT_EQ(d->p.kernel_y, 3u);
    EXPECT_FALSE(d->p.activation);
    char *json = nullptr;
    ASSERT_EQ(cmp_model_to_json(m, &json, &err), NPU_OK);
    EXPECT_EQ(std::string(json).find("kernel_stride"), std::string::npos) << json;
    npu_model *m2 = nullptr;
    ASSERT_EQ(from_json(json, err, &m2), NPU_OK) << err.msg;
    expect_models_eq(m, m2);
    std::free(json);
    npu_model_free(m);
    npu_model_free(m2);
    /* kernel_stride is not a parameter of the transposed types. */
    EXPECT_EQ(from_json(with_layers(R"(
      {"name": "in", "type": "InputData", "parameters": {"input_shape": [4, 4, 3], "input_bits": 8}},
      {"name": "t", "type": "Conv2DTranspose", "parameters": {"kernel_size": 4, "filters": 2, "kernel_stride": 2}})"),
                        err),
              NPU_ERR_INPUT);
    expect_msg(err, {"layer 't'", "unknown parameter 'kernel_stride'"});
}

TEST(ModelFile, MissingNpzNamed) {
    TmpDir dir;
    npu_model *m = build_v1();
    const std::string p = save(m, dir, "m.json");
    npu_model_free(m);
    ASSERT_EQ(unlink(dir.file("m.npz").c_str()), 0);
    Loaded l;
    load(p, l);
    EXPECT_EQ(l.st, NPU_ERR_INPUT);
    expect_msg(l.err, {"m.npz"});
}
