// Tests of the device constraint tables (cmp_constraints.h): every rule with one passing and
// one failing case, on Akida 1.0 (akd1000) and 2.0 (sixnodes-v2) meshes.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

extern "C" {
#include "cmp/cmp_constraints.h"
#include "mesh/mesh.h"
}

namespace {

struct Mesh {
    mesh_desc m{};
    explicit Mesh(const char *spec) {
        npu_err err{};
        EXPECT_EQ(mesh_load(spec, &m, &err), NPU_OK) << err.msg;
    }
    ~Mesh() {
        mesh_free(&m);
    }
};

// Sets zero / neutral variables of every layer so that the model finalizes.
void set_vars(npu_model *m, uint32_t i) {
    const npu_layer *l = npu_model_layer(m, i);
    npu_err err{};
    const uint32_t f = l->p.filters, c = l->in_shape.c, kx = l->p.kernel_x, ky = l->p.kernel_y;
    auto put = [&](const char *name, std::vector<uint32_t> shape, int32_t v) {
        size_t n = 1;
        for (uint32_t d : shape)
            n *= d;
        std::vector<int32_t> data(n, v);
        ASSERT_EQ(npu_model_set_var(m, i, name, NPU_DTYPE_I32, (uint32_t)shape.size(), shape.data(),
                                    data.data(), &err),
                  NPU_OK)
            << err.msg;
    };
    bool v1 = npu_layer_type_version(l->type) == 1;
    switch (l->type) {
    case NPU_INPUT_DATA:
    case NPU_ADD:
        return;
    case NPU_BATCH_NORMALIZATION:
        put("a", {l->in_shape.c}, 1);
        put("b", {l->in_shape.c}, 0);
        return;
    case NPU_SEPARABLE_CONVOLUTIONAL:
        put("weights", {kx, ky, c, 1}, 0);
        put("weights_pw", {1, 1, c, f}, 0);
        break;
    case NPU_FULLY_CONNECTED:
        put("weights", {1, 1, (uint32_t)npu_shape_size(l->in_shape), f}, 0);
        break;
    case NPU_DENSE1D:
        put("weights", {(uint32_t)npu_shape_size(l->in_shape), f}, 0);
        break;
    case NPU_DEPTHWISE_CONV2D:
        put("weights", {kx, ky, c}, 0);
        break;
    default:
        put("weights", {kx, ky, c, f}, 0);
    }
    if (v1) {
        put("threshold", {f}, 0);
        put("act_step", {f}, 1);
    }
}

// A model: InputData (x, y, c, bits) or none, then layers of the given types, each tweaked.
struct Built {
    npu_model *m = nullptr;
    ~Built() {
        npu_model_free(m);
    }
};

using Tweak = std::function<void(npu_params &)>;

struct LayerSpec {
    npu_layer_type type;
    Tweak tweak;
};

void build(Built &b, npu_shape in, uint32_t in_bits, const std::vector<LayerSpec> &layers) {
    b.m = npu_model_new();
    npu_err err{};
    npu_layer_type first = layers[0].type;
    if (first != NPU_INPUT_CONVOLUTIONAL && first != NPU_INPUT_CONV2D) {
        npu_params p = npu_params_default(NPU_INPUT_DATA);
        p.input_shape = in;
        p.input_bits = in_bits;
        ASSERT_EQ(npu_model_add(b.m, NPU_INPUT_DATA, "input", &p, nullptr, 0, &err), NPU_OK);
    }
    int k = 0;
    for (const auto &ls : layers) {
        npu_params p = npu_params_default(ls.type);
        p.input_shape = in;
        p.kernel_x = p.kernel_y = 3;
        p.filters = 8;
        p.weights_bits = npu_layer_type_version(ls.type) == 2 ? 8 : 4;
        p.act_bits = 4;
        p.output_bits = 8;
        if (ls.type == NPU_INPUT_CONVOLUTIONAL || ls.type == NPU_INPUT_CONV2D)
            p.weights_bits = 8;
        if (ls.tweak)
            ls.tweak(p);
        std::string name = "l" + std::to_string(k++);
        ASSERT_EQ(npu_model_add(b.m, ls.type, name.c_str(), &p, nullptr, 0, &err), NPU_OK)
            << err.msg;
    }
    // Two rounds: shapes are known after a first (failing) finalize only, so set vars layer
    // by layer with a finalize of the prefix.
    for (uint32_t i = 0; i < npu_model_layer_count(b.m); i++) {
        npu_model_finalize(b.m, &err);
        set_vars(b.m, i);
    }
    ASSERT_EQ(npu_model_finalize(b.m, &err), NPU_OK) << err.msg;
}

std::vector<std::string> rules_of(const npu_model *m, const char *mesh_spec, uint32_t layer) {
    Mesh mesh(mesh_spec);
    cmp_violations v{};
    npu_err err{};
    EXPECT_EQ(cmp_check(m, &mesh.m, &v, &err), NPU_OK);
    std::vector<std::string> out;
    for (size_t i = 0; i < v.n; i++)
        if (v.v[i].layer == layer)
            out.push_back(v.v[i].rule);
    cmp_violations_free(&v);
    return out;
}

bool has(const std::vector<std::string> &v, const char *rule) {
    for (const auto &s : v)
        if (s == rule)
            return true;
    return false;
}

// Checks that `rule` is absent for the good tweak and present for the bad one (layer index
// `layer` of a model built from `in`, `bits`, and layers where tweak applies to `at`).
void pass_fail(const char *mesh, npu_shape in, uint32_t bits, std::vector<LayerSpec> layers,
               size_t at, uint32_t layer, const char *rule, Tweak good, Tweak bad) {
    for (int round = 0; round < 2; round++) {
        std::vector<LayerSpec> ls = layers;
        Tweak base = ls[at].tweak;
        Tweak t = round == 0 ? good : bad;
        ls[at].tweak = [base, t](npu_params &p) {
            if (base)
                base(p);
            if (t)
                t(p);
        };
        Built b;
        build(b, in, bits, ls);
        if (::testing::Test::HasFatalFailure())
            return;
        auto r = rules_of(b.m, mesh, layer);
        EXPECT_EQ(has(r, rule), round == 1) << rule << (round ? " (bad case)" : " (good case)");
    }
}

const npu_shape kImg = {32, 32, 3};
const npu_shape kMap = {16, 16, 16};
const Tweak kNone = nullptr;

} // namespace

TEST(Constraints, InputConvDims) {
    std::vector<LayerSpec> ls = {{NPU_INPUT_CONVOLUTIONAL, nullptr}};
    pass_fail("akd1000", kImg, 8, ls, 0, 0, "input_height", kNone, [](npu_params &p) {
        p.input_shape = {32, 300, 3};
    });
    pass_fail("akd1000", kImg, 8, ls, 0, 0, "input_width", kNone, [](npu_params &p) {
        p.input_shape = {4, 32, 3};
    });
    pass_fail(
        "akd1000", kImg, 8, ls, 0, 0, "hrc_filters", [](npu_params &p) { p.filters = 192; },
        [](npu_params &p) { p.filters = 193; });
    pass_fail(
        "akd1000", kImg, 8, ls, 0, 0, "stride", [](npu_params &p) { p.stride_x = p.stride_y = 3; },
        [](npu_params &p) { p.stride_x = p.stride_y = 4; });
    pass_fail(
        "akd1000", kImg, 8, ls, 0, 0, "pool_stride",
        [](npu_params &p) {
            p.pool_type = NPU_POOL_MAX;
            p.pool_x = p.pool_y = 2;
        },
        [](npu_params &p) {
            p.pool_type = NPU_POOL_MAX;
            p.pool_x = p.pool_y = 2;
            p.pool_stride_x = p.pool_stride_y = 1;
        });
    pass_fail("akd1000", kImg, 8, ls, 0, 0, "weight_bits", kNone,
              [](npu_params &p) { p.weights_bits = 4; });
}

TEST(Constraints, ConvKernelStridePadding) {
    std::vector<LayerSpec> ls = {{NPU_CONVOLUTIONAL, nullptr}};
    pass_fail(
        "akd1000", kMap, 4, ls, 0, 1, "kernel_size",
        [](npu_params &p) { p.kernel_x = p.kernel_y = 5; },
        [](npu_params &p) { p.kernel_x = p.kernel_y = 4; });
    pass_fail("akd1000", kMap, 4, ls, 0, 1, "kernel_size", kNone,
              [](npu_params &p) { p.kernel_y = 5; });
    pass_fail(
        "akd1000", kMap, 4, ls, 0, 1, "stride", [](npu_params &p) { p.stride_x = p.stride_y = 2; },
        [](npu_params &p) {
            p.kernel_x = p.kernel_y = 5;
            p.stride_x = p.stride_y = 2;
        });
    pass_fail("akd1000", kMap, 4, ls, 0, 1, "padding", kNone,
              [](npu_params &p) { p.padding = NPU_PAD_VALID; });
}

TEST(Constraints, ConvPooling) {
    std::vector<LayerSpec> two = {{NPU_CONVOLUTIONAL, nullptr}, {NPU_CONVOLUTIONAL, nullptr}};
    pass_fail(
        "akd1000", kMap, 4, two, 0, 1, "pool_size",
        [](npu_params &p) {
            p.pool_type = NPU_POOL_MAX;
            p.pool_x = p.pool_y = 2;
        },
        [](npu_params &p) {
            p.pool_type = NPU_POOL_MAX;
            p.pool_x = p.pool_y = 3;
        });
    Tweak pool = [](npu_params &p) {
        p.pool_type = NPU_POOL_MAX;
        p.pool_x = p.pool_y = 2;
    };
    Built good, bad;
    build(good, kMap, 4, {{NPU_CONVOLUTIONAL, pool}, {NPU_CONVOLUTIONAL, nullptr}});
    build(bad, kMap, 4, {{NPU_CONVOLUTIONAL, pool}, {NPU_FULLY_CONNECTED, nullptr}});
    EXPECT_FALSE(has(rules_of(good.m, "akd1000", 1), "pool_followed_by_conv"));
    EXPECT_TRUE(has(rules_of(bad.m, "akd1000", 1), "pool_followed_by_conv"));
}

TEST(Constraints, GlobalAvgPoolHeightLimit) {
    std::vector<LayerSpec> ls = {
        {NPU_CONVOLUTIONAL, [](npu_params &p) { p.pool_type = NPU_POOL_AVG; }}};
    Built ok, bad;
    build(ok, {8, 32, 8}, 4, ls);
    build(bad, {8, 33, 8}, 4, ls);
    EXPECT_FALSE(has(rules_of(ok.m, "akd1000", 1), "global_avg_pool"));
    EXPECT_TRUE(has(rules_of(bad.m, "akd1000", 1), "global_avg_pool"));
}

TEST(Constraints, BitsAndChannels) {
    std::vector<LayerSpec> sep = {{NPU_SEPARABLE_CONVOLUTIONAL, nullptr}};
    pass_fail("akd1000", kMap, 4, sep, 0, 1, "weight_bits", kNone,
              [](npu_params &p) { p.weights_bits = 1; });
    pass_fail("akd1000", kMap, 4, sep, 0, 1, "kernel_size", kNone,
              [](npu_params &p) { p.kernel_x = p.kernel_y = 1; });
    Built in8, in4;
    build(in8, {16, 16, 3}, 8, {{NPU_CONVOLUTIONAL, nullptr}});
    build(in4, {16, 16, 3}, 4, {{NPU_CONVOLUTIONAL, nullptr}});
    EXPECT_TRUE(has(rules_of(in8.m, "akd1000", 1), "input_bits"));
    EXPECT_FALSE(has(rules_of(in4.m, "akd1000", 1), "input_bits"));
    Built wide, ok;
    build(wide, {4, 4, 2049}, 4, {{NPU_CONVOLUTIONAL, nullptr}});
    build(ok, {4, 4, 2048}, 4, {{NPU_CONVOLUTIONAL, nullptr}});
    EXPECT_TRUE(has(rules_of(wide.m, "akd1000", 1), "input_channels"));
    EXPECT_FALSE(has(rules_of(ok.m, "akd1000", 1), "input_channels"));
}

TEST(Constraints, FullyConnectedInputs) {
    Built ok, bad;
    build(ok, {1, 1, 57334}, 4, {{NPU_FULLY_CONNECTED, [](npu_params &p) { p.filters = 1; }}});
    build(bad, {1, 1, 57335}, 4, {{NPU_FULLY_CONNECTED, [](npu_params &p) { p.filters = 1; }}});
    EXPECT_FALSE(has(rules_of(ok.m, "akd1000", 1), "fc_inputs"));
    EXPECT_TRUE(has(rules_of(bad.m, "akd1000", 1), "fc_inputs"));
}

TEST(Constraints, V2Rules) {
    const npu_shape in = {16, 16, 16};
    std::vector<LayerSpec> c2 = {{NPU_CONV2D, [](npu_params &p) { p.weights_bits = 8; }}};
    pass_fail("sixnodes-v2", in, 4, c2, 0, 1, "act_bits", kNone,
              [](npu_params &p) { p.output_bits = 6; });
    Built gap_ok, gap_bad;
    build(gap_ok, {64, 8, 8}, 4, {{NPU_CONV2D, [](npu_params &p) { p.pool_type = NPU_POOL_AVG; }}});
    build(gap_bad, {65, 8, 8}, 4,
          {{NPU_CONV2D, [](npu_params &p) { p.pool_type = NPU_POOL_AVG; }}});
    EXPECT_FALSE(has(rules_of(gap_ok.m, "sixnodes-v2", 1), "global_avg_pool"));
    EXPECT_TRUE(has(rules_of(gap_bad.m, "sixnodes-v2", 1), "global_avg_pool"));
    Built d_ok, d_bad;
    build(d_ok, {1, 1, 2048}, 4, {{NPU_DENSE1D, nullptr}});
    build(d_bad, {1, 1, 2049}, 4, {{NPU_DENSE1D, nullptr}});
    EXPECT_FALSE(has(rules_of(d_ok.m, "sixnodes-v2", 1), "fc_inputs"));
    EXPECT_TRUE(has(rules_of(d_bad.m, "sixnodes-v2", 1), "fc_inputs"));
    Built d_flat;
    build(d_flat, {2, 2, 8}, 4, {{NPU_DENSE1D, nullptr}});
    EXPECT_TRUE(has(rules_of(d_flat.m, "sixnodes-v2", 1), "fc_input_shape"));
    EXPECT_FALSE(has(rules_of(d_ok.m, "sixnodes-v2", 1), "fc_input_shape"));
    std::vector<LayerSpec> ic = {{NPU_INPUT_CONV2D, nullptr}};
    pass_fail(
        "sixnodes-v2", {32, 32, 3}, 8, ic, 0, 0, "stride",
        [](npu_params &p) {
            p.kernel_x = p.kernel_y = 7;
            p.stride_x = p.stride_y = 6;
        },
        [](npu_params &p) {
            p.kernel_x = p.kernel_y = 7;
            p.stride_x = p.stride_y = 7;
        });
    pass_fail(
        "sixnodes-v2", {32, 32, 3}, 8, ic, 0, 0, "input_height",
        [](npu_params &p) {
            p.input_shape = {32, 384, 3};
        },
        [](npu_params &p) {
            p.input_shape = {32, 385, 3};
        });
}

TEST(Constraints, IpVersionAndSoftwareOnlyTypes) {
    Built v1;
    build(v1, kMap, 4, {{NPU_CONVOLUTIONAL, nullptr}});
    EXPECT_TRUE(has(rules_of(v1.m, "sixnodes-v2", 1), "ip_version"));
    EXPECT_FALSE(has(rules_of(v1.m, "akd1000", 1), "ip_version"));
    Built bn;
    build(bn, kMap, 4, {{NPU_CONV2D, nullptr}, {NPU_BATCH_NORMALIZATION, nullptr}});
    EXPECT_TRUE(has(rules_of(bn.m, "sixnodes-v2", 2), "layer_type"));
    EXPECT_FALSE(has(rules_of(bn.m, "sixnodes-v2", 1), "layer_type"));
}

TEST(Constraints, SkipDmaForAdd) {
    // v2 Add needs skip-DMA channels: sixnodes-v2 has 4, a generated v2 mesh has none.
    npu_model *m = npu_model_new();
    npu_err err{};
    npu_params ip = npu_params_default(NPU_INPUT_DATA);
    ip.input_shape = {8, 8, 8};
    ip.input_bits = 4;
    ASSERT_EQ(npu_model_add(m, NPU_INPUT_DATA, "in", &ip, nullptr, 0, &err), NPU_OK);
    npu_params p = npu_params_default(NPU_CONV2D);
    p.kernel_x = p.kernel_y = 3;
    p.filters = 8;
    ASSERT_EQ(npu_model_add(m, NPU_CONV2D, "c", &p, nullptr, 0, &err), NPU_OK);
    const uint32_t inb[2] = {0, 1};
    npu_params ap = npu_params_default(NPU_ADD);
    ASSERT_EQ(npu_model_add(m, NPU_ADD, "add", &ap, inb, 2, &err), NPU_OK) << err.msg;
    npu_model_finalize(m, &err);
    set_vars(m, 1);
    ASSERT_EQ(npu_model_finalize(m, &err), NPU_OK) << err.msg;
    Mesh six("sixnodes-v2"), gen("gen:cnp=8,fnp=1,v2");
    EXPECT_FALSE(has(rules_of(m, "sixnodes-v2", 2), "skip_dma"));
    if (gen.m.skip_dma == 0) {
        EXPECT_TRUE(has(rules_of(m, "gen:cnp=8,fnp=1,v2", 2), "skip_dma"));
    }
    npu_model_free(m);
}
