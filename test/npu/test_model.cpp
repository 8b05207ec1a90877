/*
 * test_model: the model container (npu_model.h): layer type names and versions, seed-001
 * parameter defaults, add / set_var / finalize errors (unsupported types, duplicate names,
 * bad inbound, model rules, variable presence / shape / dtype / range, absurd dimensions),
 * check_input bit ranges and shapes, forward of a small multi-layer model (with per-layer
 * outputs and a branch), and clone.
 */
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "npu/npu_model.h"

namespace {

using I32 = std::vector<int32_t>;

bool has(const npu_err &e, const std::string &s) {
    return std::string(e.msg).find(s) != std::string::npos;
}

/* A model plus helpers; add/var return the status instead of asserting. */
struct Mdl {
    npu_model *m = npu_model_new();
    npu_err e{};
    ~Mdl() {
        npu_model_free(m);
    }
    npu_status add(npu_layer_type t, const char *name, const npu_params &p,
                   std::vector<uint32_t> in = {}) {
        return npu_model_add(m, t, name, &p, in.empty() ? nullptr : in.data(), (uint32_t)in.size(),
                             &e);
    }
    npu_status var(uint32_t l, const char *name, std::vector<uint32_t> shape, const I32 &d) {
        return npu_model_set_var(m, l, name, NPU_DTYPE_I32, (uint32_t)shape.size(), shape.data(),
                                 d.data(), &e);
    }
    npu_status fin() {
        return npu_model_finalize(m, &e);
    }
};

npu_params in_data(uint32_t x, uint32_t y, uint32_t c, uint32_t bits = 4) {
    npu_params p = npu_params_default(NPU_INPUT_DATA);
    p.input_shape = {x, y, c};
    p.input_bits = bits;
    return p;
}

npu_params conv(uint32_t k, uint32_t f) {
    npu_params p = npu_params_default(NPU_CONVOLUTIONAL);
    p.kernel_x = p.kernel_y = k;
    p.filters = f;
    return p;
}

/* Adds a valid Convolutional's variables (zero weights). */
void conv_vars(Mdl &md, uint32_t l, uint32_t k, uint32_t c, uint32_t f) {
    ASSERT_EQ(md.var(l, "weights", {k, k, c, f}, I32((size_t)k * k * c * f, 0)), NPU_OK);
    ASSERT_EQ(md.var(l, "threshold", {f}, I32(f, 0)), NPU_OK);
    ASSERT_EQ(md.var(l, "act_step", {f}, I32(f, 1)), NPU_OK);
}

TEST(ModelTypes, NamesRoundTripExactly) {
    const char *names[] = {"InputData",
                           "InputConvolutional",
                           "Convolutional",
                           "SeparableConvolutional",
                           "FullyConnected",
                           "InputConv2D",
                           "Conv2D",
                           "DepthwiseConv2D",
                           "Conv2DTranspose",
                           "DepthwiseConv2DTranspose",
                           "Dense1D",
                           "Dense2D",
                           "Add",
                           "Concatenate",
                           "BatchNormalization",
                           "Dequantizer",
                           "Stem",
                           "Attention",
                           "Shiftmax",
                           "MadNorm",
                           "ExtractToken"};
    ASSERT_EQ(sizeof names / sizeof names[0], (size_t)NPU_LAYER_TYPE_COUNT);
    for (int i = 0; i < NPU_LAYER_TYPE_COUNT; i++) {
        EXPECT_STREQ(npu_layer_type_name((npu_layer_type)i), names[i]);
        npu_layer_type t;
        ASSERT_TRUE(npu_layer_type_from_name(names[i], &t)) << names[i];
        EXPECT_EQ((int)t, i);
    }
    npu_layer_type t;
    EXPECT_FALSE(npu_layer_type_from_name("conv2d", &t));
    EXPECT_FALSE(npu_layer_type_from_name("", &t));
    EXPECT_FALSE(npu_layer_type_from_name(nullptr, &t));
}

TEST(ModelTypes, VersionsSupportAndInputs) {
    EXPECT_EQ(npu_layer_type_version(NPU_INPUT_DATA), 0);
    EXPECT_EQ(npu_layer_type_version(NPU_INPUT_CONVOLUTIONAL), 1);
    EXPECT_EQ(npu_layer_type_version(NPU_FULLY_CONNECTED), 1);
    EXPECT_EQ(npu_layer_type_version(NPU_CONV2D), 2);
    EXPECT_EQ(npu_layer_type_version(NPU_DEQUANTIZER), 2);
    for (npu_layer_type t : {NPU_STEM, NPU_ATTENTION, NPU_SHIFTMAX, NPU_MADNORM, NPU_EXTRACT_TOKEN})
        EXPECT_FALSE(npu_layer_type_supported(t));
    EXPECT_TRUE(npu_layer_type_supported(NPU_SEPARABLE_CONVOLUTIONAL));
    EXPECT_TRUE(npu_layer_type_is_input(NPU_INPUT_DATA));
    EXPECT_TRUE(npu_layer_type_is_input(NPU_INPUT_CONVOLUTIONAL));
    EXPECT_TRUE(npu_layer_type_is_input(NPU_INPUT_CONV2D));
    EXPECT_FALSE(npu_layer_type_is_input(NPU_CONVOLUTIONAL));
}

TEST(ModelTypes, Seed001Defaults) {
    npu_params c = npu_params_default(NPU_CONVOLUTIONAL);
    EXPECT_EQ(c.weights_bits, 1u);
    EXPECT_EQ(c.act_bits, 1u);
    EXPECT_TRUE(c.activation);
    EXPECT_EQ(c.padding, NPU_PAD_SAME);
    EXPECT_EQ(c.stride_x, 1u);
    EXPECT_EQ(c.stride_y, 1u);
    EXPECT_EQ(c.pool_type, NPU_POOL_NONE);
    EXPECT_EQ(c.pool_x, -1);
    EXPECT_EQ(c.pool_y, -1);
    EXPECT_EQ(c.pool_stride_x, -1);
    EXPECT_EQ(c.pool_stride_y, -1);
    EXPECT_EQ(npu_params_default(NPU_SEPARABLE_CONVOLUTIONAL).weights_bits, 2u);
    EXPECT_EQ(npu_params_default(NPU_FULLY_CONNECTED).weights_bits, 1u);
    npu_params ic = npu_params_default(NPU_INPUT_CONVOLUTIONAL);
    EXPECT_EQ(ic.weights_bits, 1u);
    EXPECT_EQ(ic.padding_value, 0);
    EXPECT_EQ(ic.input_bits, 8u);
    npu_params id = npu_params_default(NPU_INPUT_DATA);
    EXPECT_EQ(id.input_bits, 4u);
    EXPECT_FALSE(id.input_signed);
    npu_params c2 = npu_params_default(NPU_CONV2D);
    EXPECT_EQ(c2.output_bits, 8u);
    EXPECT_EQ(c2.buffer_bits, 32u);
    EXPECT_TRUE(c2.activation);
    EXPECT_FALSE(npu_params_default(NPU_DENSE1D).activation);
    EXPECT_FALSE(npu_params_default(NPU_DENSE2D).activation);
    EXPECT_FALSE(npu_params_default(NPU_BATCH_NORMALIZATION).activation);
}

TEST(ModelAdd, UnsupportedTypeMessage) {
    Mdl md;
    ASSERT_EQ(md.add(NPU_INPUT_DATA, "in", in_data(2, 2, 1)), NPU_OK);
    npu_params p = npu_params_default(NPU_ATTENTION);
    EXPECT_EQ(md.add(NPU_ATTENTION, "att", p), NPU_ERR_INPUT);
    EXPECT_TRUE(has(md.e, "layer type Attention is not supported yet")) << md.e.msg;
    EXPECT_EQ(md.add((npu_layer_type)99, "bad", p), NPU_ERR_INPUT);
    EXPECT_TRUE(has(md.e, "unknown layer type 99")) << md.e.msg;
    EXPECT_EQ(npu_model_layer_count(md.m), 1u);
}

TEST(ModelAdd, NamesAndInbound) {
    Mdl md;
    ASSERT_EQ(md.add(NPU_INPUT_DATA, "in", in_data(2, 2, 1)), NPU_OK);
    ASSERT_EQ(md.add(NPU_CONVOLUTIONAL, "c1", conv(1, 2)), NPU_OK);
    EXPECT_EQ(md.add(NPU_CONVOLUTIONAL, "c1", conv(1, 2)), NPU_ERR_INPUT);
    EXPECT_TRUE(has(md.e, "layer 'c1': duplicate layer name")) << md.e.msg;
    EXPECT_EQ(md.add(NPU_CONVOLUTIONAL, "", conv(1, 2)), NPU_ERR_INPUT);
    EXPECT_TRUE(has(md.e, "empty")) << md.e.msg;
    EXPECT_EQ(md.add(NPU_CONVOLUTIONAL, "c2", conv(1, 2), {7}), NPU_ERR_INPUT);
    EXPECT_TRUE(has(md.e, "inbound layer index 7 does not exist")) << md.e.msg;
    EXPECT_EQ(md.add(NPU_CONVOLUTIONAL, "c2", conv(1, 2), {0, 1}), NPU_ERR_INPUT);
    EXPECT_TRUE(has(md.e, "takes 1 to 1 inbound layers, got 2")) << md.e.msg;
    EXPECT_EQ(npu_model_layer_count(md.m), 2u);
    EXPECT_EQ(npu_model_find(md.m, "c1"), 1);
    EXPECT_EQ(npu_model_find(md.m, "nope"), -1);
    EXPECT_EQ(npu_model_layer(md.m, 1)->inbound[0], 0u);
    EXPECT_EQ(npu_model_layer(md.m, 1)->n_inbound, 1u);
}

TEST(ModelAdd, InputLayerRules) {
    Mdl md;
    EXPECT_EQ(md.add(NPU_CONVOLUTIONAL, "c", conv(1, 1)), NPU_ERR_INPUT);
    EXPECT_TRUE(has(md.e, "the first layer must be an input layer")) << md.e.msg;
    ASSERT_EQ(md.add(NPU_INPUT_DATA, "in", in_data(2, 2, 1)), NPU_OK);
    EXPECT_EQ(md.add(NPU_INPUT_DATA, "in2", in_data(2, 2, 1)), NPU_ERR_INPUT);
    EXPECT_TRUE(has(md.e, "may only be the first layer")) << md.e.msg;
    EXPECT_EQ(md.add(NPU_INPUT_DATA, "in3", in_data(2, 2, 1), {0}), NPU_ERR_INPUT);
}

TEST(ModelAdd, VersionsDoNotMix) {
    Mdl md;
    ASSERT_EQ(md.add(NPU_INPUT_DATA, "in", in_data(2, 2, 1)), NPU_OK);
    ASSERT_EQ(md.add(NPU_CONVOLUTIONAL, "c", conv(1, 1)), NPU_OK);
    npu_params d = npu_params_default(NPU_DENSE1D);
    d.filters = 2;
    EXPECT_EQ(md.add(NPU_DENSE1D, "d", d), NPU_ERR_INPUT);
    EXPECT_TRUE(has(md.e, "versions cannot be mixed")) << md.e.msg;
    EXPECT_EQ(npu_model_ip_version(md.m), 1);

    Mdl m2;
    ASSERT_EQ(m2.add(NPU_INPUT_DATA, "in", in_data(1, 1, 4)), NPU_OK);
    ASSERT_EQ(m2.add(NPU_DENSE1D, "d", d), NPU_OK);
    EXPECT_EQ(npu_model_ip_version(m2.m), 2);
    EXPECT_EQ(m2.add(NPU_FULLY_CONNECTED, "fc", npu_params_default(NPU_FULLY_CONNECTED)),
              NPU_ERR_INPUT);
}

TEST(ModelSetVar, RefusesAbsurdShapesBeforeAllocating) {
    Mdl md;
    ASSERT_EQ(md.add(NPU_INPUT_DATA, "in", in_data(2, 2, 1)), NPU_OK);
    ASSERT_EQ(md.add(NPU_CONVOLUTIONAL, "c", conv(1, 1)), NPU_OK);
    int32_t one = 1;
    uint32_t huge[4] = {65536, 65536, 1, 1}; /* 2^32 elements: data is only 1 value */
    EXPECT_EQ(npu_model_set_var(md.m, 1, "weights", NPU_DTYPE_I32, 4, huge, &one, &md.e),
              NPU_ERR_INPUT);
    EXPECT_TRUE(has(md.e, "more than 2^28 elements")) << md.e.msg;
    uint32_t zero[2] = {3, 0};
    EXPECT_EQ(npu_model_set_var(md.m, 1, "weights", NPU_DTYPE_I32, 2, zero, &one, &md.e),
              NPU_ERR_INPUT);
    EXPECT_TRUE(has(md.e, "dimension 1 is 0")) << md.e.msg;
    uint32_t s1[1] = {1};
    EXPECT_EQ(npu_model_set_var(md.m, 1, "weights", NPU_DTYPE_I32, 0, s1, &one, &md.e),
              NPU_ERR_INPUT);
    EXPECT_EQ(npu_model_set_var(md.m, 5, "weights", NPU_DTYPE_I32, 1, s1, &one, &md.e),
              NPU_ERR_INPUT);
    /* replacing keeps one variable of that name */
    EXPECT_EQ(md.var(1, "threshold", {1}, {3}), NPU_OK);
    EXPECT_EQ(md.var(1, "threshold", {1}, {4}), NPU_OK);
    const npu_layer *l = npu_model_layer(md.m, 1);
    EXPECT_EQ(l->n_vars, 1u);
    EXPECT_EQ(((const int32_t *)npu_layer_var(l, "threshold")->data)[0], 4);
}

TEST(ModelFinalize, VariableErrors) {
    Mdl md;
    ASSERT_EQ(md.add(NPU_INPUT_DATA, "in", in_data(4, 4, 16)), NPU_OK);
    npu_params p = conv(3, 64);
    p.weights_bits = 4;
    ASSERT_EQ(md.add(NPU_CONVOLUTIONAL, "conv_1", p), NPU_OK);
    EXPECT_EQ(md.fin(), NPU_ERR_INPUT);
    EXPECT_STREQ(md.e.msg, "layer 'conv_1': variable 'weights' is missing");

    ASSERT_EQ(md.var(1, "weights", {3, 3, 16, 32}, I32(3 * 3 * 16 * 32, 0)), NPU_OK);
    EXPECT_EQ(md.fin(), NPU_ERR_INPUT);
    EXPECT_STREQ(md.e.msg,
                 "layer 'conv_1': variable 'weights': shape (3,3,16,32) expected (3,3,16,64)");

    I32 w(3 * 3 * 16 * 64, 0);
    w[5] = 8; /* 4-bit weights are -7..7 */
    ASSERT_EQ(md.var(1, "weights", {3, 3, 16, 64}, w), NPU_OK);
    ASSERT_EQ(md.var(1, "threshold", {64}, I32(64, 0)), NPU_OK);
    ASSERT_EQ(md.var(1, "act_step", {64}, I32(64, 1)), NPU_OK);
    EXPECT_EQ(md.fin(), NPU_ERR_INPUT);
    EXPECT_TRUE(has(md.e, "layer 'conv_1': variable 'weights': value 8 at index 5 is outside "
                          "[-7, 7]"))
        << md.e.msg;
    w[5] = -7;
    ASSERT_EQ(md.var(1, "weights", {3, 3, 16, 64}, w), NPU_OK);
    ASSERT_EQ(md.var(1, "act_step", {64}, I32(64, 0)), NPU_OK);
    EXPECT_EQ(md.fin(), NPU_ERR_INPUT);
    EXPECT_TRUE(has(md.e, "variable 'act_step': value 0 at index 0")) << md.e.msg;
    ASSERT_EQ(md.var(1, "act_step", {64}, I32(64, 2)), NPU_OK);
    ASSERT_EQ(md.var(1, "bias", {64}, I32(64, 0)), NPU_OK);
    EXPECT_EQ(md.fin(), NPU_ERR_INPUT);
    EXPECT_TRUE(has(md.e, "layer 'conv_1': unknown variable 'bias'")) << md.e.msg;
    EXPECT_TRUE(has(md.e, "weights, threshold, act_step")) << md.e.msg;

    /* a float variable where int32 is expected */
    Mdl m2;
    ASSERT_EQ(m2.add(NPU_INPUT_DATA, "in", in_data(1, 1, 1)), NPU_OK);
    ASSERT_EQ(m2.add(NPU_CONVOLUTIONAL, "c", conv(1, 1)), NPU_OK);
    conv_vars(m2, 1, 1, 1, 1);
    float f = 1.0f;
    uint32_t s[1] = {1};
    ASSERT_EQ(npu_model_set_var(m2.m, 1, "threshold", NPU_DTYPE_F32, 1, s, &f, &m2.e), NPU_OK);
    EXPECT_EQ(m2.fin(), NPU_ERR_INPUT);
    EXPECT_TRUE(has(m2.e, "variable 'threshold': dtype float32 expected int32")) << m2.e.msg;
}

TEST(ModelFinalize, ParameterErrorsNameLayerAndField) {
    struct Bad {
        npu_params p;
        const char *msg;
    };
    std::vector<Bad> cases;
    npu_params p = conv(3, 4);
    p.weights_bits = 3;
    cases.push_back({p, "layer 'c': weights_bits 3 not supported"});
    p = conv(3, 4);
    p.act_bits = 8;
    cases.push_back({p, "layer 'c': act_bits 8 not supported"});
    p = conv(0, 4);
    cases.push_back({p, "layer 'c': kernel_size x 0"});
    p = conv(3, 0);
    cases.push_back({p, "layer 'c': filters must be at least 1"});
    p = conv(3, 4);
    p.stride_y = 0;
    cases.push_back({p, "layer 'c': kernel_stride y 0"});
    p = conv(5, 4);
    p.padding = NPU_PAD_VALID;
    cases.push_back({p, "layer 'c': kernel_size (5,5) larger than the input (4,4)"});
    p = conv(3, 4);
    p.pool_type = NPU_POOL_MAX;
    cases.push_back({p, "layer 'c': pool_size x -1"});
    p = conv(3, 4);
    p.pool_type = NPU_POOL_AVG;
    p.pool_x = p.pool_y = 2;
    cases.push_back({p, "average pooling is global only"});
    p = conv(3, 4);
    p.padding = NPU_PAD_VALID;
    p.pool_type = NPU_POOL_MAX;
    p.pool_x = p.pool_y = 3;
    cases.push_back({p, "pool_size (3,3) larger than the convolution output (2,2)"});
    for (const Bad &b : cases) {
        Mdl md;
        ASSERT_EQ(md.add(NPU_INPUT_DATA, "in", in_data(4, 4, 2)), NPU_OK);
        ASSERT_EQ(md.add(NPU_CONVOLUTIONAL, "c", b.p), NPU_OK);
        EXPECT_EQ(md.fin(), NPU_ERR_INPUT) << b.msg;
        EXPECT_TRUE(has(md.e, b.msg)) << md.e.msg << " / wanted: " << b.msg;
    }
    /* an average pool given as the whole output is accepted as global */
    Mdl md;
    ASSERT_EQ(md.add(NPU_INPUT_DATA, "in", in_data(4, 4, 2)), NPU_OK);
    p = conv(3, 4);
    p.pool_type = NPU_POOL_AVG;
    p.pool_x = p.pool_y = 4;
    ASSERT_EQ(md.add(NPU_CONVOLUTIONAL, "c", p), NPU_OK);
    conv_vars(md, 1, 3, 2, 4);
    EXPECT_EQ(md.fin(), NPU_OK) << md.e.msg;
    EXPECT_EQ(npu_model_output_shape(md.m).x, 1u);
}

TEST(ModelFinalize, AbsurdAndEmptyDimensions) {
    {
        Mdl md;
        ASSERT_EQ(md.add(NPU_INPUT_DATA, "in", in_data(65536, 65536, 3)), NPU_OK);
        EXPECT_EQ(md.fin(), NPU_ERR_INPUT);
        EXPECT_TRUE(has(md.e, "layer 'in': input_shape (65536,65536,3) has more than 2^28"))
            << md.e.msg;
    }
    {
        Mdl md;
        ASSERT_EQ(md.add(NPU_INPUT_DATA, "in", in_data(4, 0, 3)), NPU_OK);
        EXPECT_EQ(md.fin(), NPU_ERR_INPUT);
        EXPECT_TRUE(has(md.e, "zero dimension")) << md.e.msg;
    }
    {
        /* 2^14 x 2^14 input (2^28) times 64 filters: the conv output is refused */
        Mdl md;
        ASSERT_EQ(md.add(NPU_INPUT_DATA, "in", in_data(16384, 16384, 1)), NPU_OK);
        ASSERT_EQ(md.add(NPU_CONVOLUTIONAL, "c", conv(1, 64)), NPU_OK);
        EXPECT_EQ(md.fin(), NPU_ERR_INPUT);
        EXPECT_TRUE(has(md.e, "layer 'c': convolution output (16384,16384,64)")) << md.e.msg;
    }
    {
        Mdl md;
        npu_params ic = npu_params_default(NPU_INPUT_CONVOLUTIONAL);
        ic.input_shape = {8, 8, 2};
        ic.kernel_x = ic.kernel_y = 3;
        ic.filters = 4;
        ASSERT_EQ(md.add(NPU_INPUT_CONVOLUTIONAL, "ic", ic), NPU_OK);
        EXPECT_EQ(md.fin(), NPU_ERR_INPUT);
        EXPECT_TRUE(has(md.e, "images have 1 or 3 channels")) << md.e.msg;
    }
    Mdl empty;
    EXPECT_EQ(empty.fin(), NPU_ERR_INPUT);
}

TEST(ModelFinalize, ModelRules) {
    {
        /* 8-bit inputs must feed a convolution ... */
        Mdl md;
        ASSERT_EQ(md.add(NPU_INPUT_DATA, "in", in_data(1, 1, 3, 8)), NPU_OK);
        npu_params fc = npu_params_default(NPU_FULLY_CONNECTED);
        fc.filters = 1;
        ASSERT_EQ(md.add(NPU_FULLY_CONNECTED, "fc", fc), NPU_OK);
        ASSERT_EQ(md.var(1, "weights", {1, 1, 3, 1}, {1, 0, 1}), NPU_OK);
        ASSERT_EQ(md.var(1, "threshold", {1}, {0}), NPU_OK);
        ASSERT_EQ(md.var(1, "act_step", {1}, {1}), NPU_OK);
        EXPECT_EQ(md.fin(), NPU_ERR_INPUT);
        EXPECT_TRUE(has(md.e, "layer 'fc': 8-bit inputs must be followed by a convolution"))
            << md.e.msg;
    }
    {
        /* ... with 1 or 3 channels */
        Mdl md;
        ASSERT_EQ(md.add(NPU_INPUT_DATA, "in", in_data(2, 2, 2, 8)), NPU_OK);
        ASSERT_EQ(md.add(NPU_CONVOLUTIONAL, "c", conv(1, 1)), NPU_OK);
        conv_vars(md, 1, 1, 2, 1);
        EXPECT_EQ(md.fin(), NPU_ERR_INPUT);
        EXPECT_TRUE(has(md.e, "8-bit inputs must have 1 or 3 channels")) << md.e.msg;
    }
    {
        Mdl md;
        ASSERT_EQ(md.add(NPU_INPUT_DATA, "in", in_data(2, 2, 3, 8)), NPU_OK);
        ASSERT_EQ(md.add(NPU_CONVOLUTIONAL, "c", conv(1, 1)), NPU_OK);
        conv_vars(md, 1, 1, 3, 1);
        EXPECT_EQ(md.fin(), NPU_OK) << md.e.msg;
    }
    {
        /* v1 layers do not take the 32-bit potentials of a layer without activation */
        Mdl md;
        ASSERT_EQ(md.add(NPU_INPUT_DATA, "in", in_data(2, 2, 1)), NPU_OK);
        npu_params p = conv(1, 1);
        p.activation = false;
        ASSERT_EQ(md.add(NPU_CONVOLUTIONAL, "c1", p), NPU_OK);
        ASSERT_EQ(md.add(NPU_CONVOLUTIONAL, "c2", conv(1, 1)), NPU_OK);
        conv_vars(md, 1, 1, 1, 1);
        conv_vars(md, 2, 1, 1, 1);
        EXPECT_EQ(md.fin(), NPU_ERR_INPUT);
        EXPECT_TRUE(has(md.e, "layer 'c2': inbound layer 'c1' outputs 32-bit values")) << md.e.msg;
    }
}

/* in (2,2,1) 4-bit -> conv 1x1, 2 filters (w 1, 2; T 0, s 1, 4 bits) -> fc 1 unit, off */
struct Small {
    Mdl md;
    Small() {
        EXPECT_EQ(md.add(NPU_INPUT_DATA, "in", in_data(2, 2, 1)), NPU_OK);
        npu_params c = conv(1, 2);
        c.weights_bits = 2;
        c.act_bits = 4;
        EXPECT_EQ(md.add(NPU_CONVOLUTIONAL, "conv", c), NPU_OK);
        EXPECT_EQ(md.var(1, "weights", {1, 1, 1, 2}, {1, 1}), NPU_OK);
        EXPECT_EQ(md.var(1, "threshold", {2}, {0, -1}), NPU_OK);
        EXPECT_EQ(md.var(1, "act_step", {2}, {1, 1}), NPU_OK);
        npu_params fc = npu_params_default(NPU_FULLY_CONNECTED);
        fc.filters = 1;
        fc.weights_bits = 2;
        fc.activation = false;
        EXPECT_EQ(md.add(NPU_FULLY_CONNECTED, "fc", fc), NPU_OK);
        EXPECT_EQ(md.var(2, "weights", {1, 1, 8, 1}, {1, -1, 1, -1, 1, -1, 1, -1}), NPU_OK);
        EXPECT_EQ(md.var(2, "threshold", {1}, {0}), NPU_OK);
        EXPECT_EQ(md.var(2, "act_step", {1}, {1}), NPU_OK);
    }
};

TEST(ModelForward, SmallModelAndPerLayerOutputs) {
    Small s;
    ASSERT_EQ(s.md.fin(), NPU_OK) << s.md.e.msg;
    EXPECT_EQ(npu_model_input_bits(s.md.m), 4u);
    EXPECT_EQ(npu_model_output_shape(s.md.m).c, 1u);
    I32 in = {1, 2, 3, 4};
    npu_tensor t{{2, 2, 1}, in.data()};
    npu_tensor out{};
    ASSERT_EQ(npu_model_forward(s.md.m, &t, &out, nullptr, &s.md.e), NPU_OK) << s.md.e.msg;
    /* conv: filter 0 -> v, filter 1 (T = -1) -> v + 1; fc: sum(v - (v + 1)) = -4 */
    ASSERT_EQ(out.shape.c, 1u);
    EXPECT_EQ(out.data[0], -4);
    npu_tensor_free(&out);

    npu_tensor per[3]{};
    ASSERT_EQ(npu_model_forward(s.md.m, &t, &out, per, &s.md.e), NPU_OK) << s.md.e.msg;
    EXPECT_EQ(I32(per[0].data, per[0].data + 4), in);
    EXPECT_EQ(I32(per[1].data, per[1].data + 8), (I32{1, 2, 2, 3, 3, 4, 4, 5}));
    EXPECT_EQ(per[2].data[0], -4);
    EXPECT_EQ(out.data[0], -4);
    EXPECT_NE(out.data, per[2].data);
    for (auto &p : per)
        npu_tensor_free(&p);
    npu_tensor_free(&out);
}

TEST(ModelForward, BranchReadsAnEarlierLayer) {
    /* in -> c1 (unused branch) ; in -> c2 (explicit inbound 0) is the output */
    Mdl md;
    ASSERT_EQ(md.add(NPU_INPUT_DATA, "in", in_data(1, 2, 1)), NPU_OK);
    ASSERT_EQ(md.add(NPU_CONVOLUTIONAL, "c1", conv(1, 1)), NPU_OK);
    npu_params p = conv(1, 1);
    p.weights_bits = 4;
    p.activation = false;
    ASSERT_EQ(md.add(NPU_CONVOLUTIONAL, "c2", p, {0}), NPU_OK);
    conv_vars(md, 1, 1, 1, 1);
    ASSERT_EQ(md.var(2, "weights", {1, 1, 1, 1}, {-3}), NPU_OK);
    ASSERT_EQ(md.var(2, "threshold", {1}, {0}), NPU_OK);
    ASSERT_EQ(md.var(2, "act_step", {1}, {1}), NPU_OK);
    ASSERT_EQ(md.fin(), NPU_OK) << md.e.msg;
    I32 in = {5, 7};
    npu_tensor t{{1, 2, 1}, in.data()};
    npu_tensor out{};
    ASSERT_EQ(npu_model_forward(md.m, &t, &out, nullptr, &md.e), NPU_OK) << md.e.msg;
    EXPECT_EQ(I32(out.data, out.data + 2), (I32{-15, -21}));
    npu_tensor_free(&out);
}

TEST(ModelForward, NeedsFinalizeAgainAfterChange) {
    Small s;
    I32 in = {1, 2, 3, 4};
    npu_tensor t{{2, 2, 1}, in.data()};
    npu_tensor out{};
    EXPECT_EQ(npu_model_forward(s.md.m, &t, &out, nullptr, &s.md.e), NPU_ERR_INPUT);
    EXPECT_TRUE(has(s.md.e, "not finalized")) << s.md.e.msg;
    ASSERT_EQ(s.md.fin(), NPU_OK);
    ASSERT_EQ(s.md.var(2, "threshold", {1}, {0}), NPU_OK);
    EXPECT_EQ(npu_model_forward(s.md.m, &t, &out, nullptr, &s.md.e), NPU_ERR_INPUT);
    EXPECT_EQ(out.data, nullptr);
}

TEST(ModelForward, CloneIsDeepAndIndependent) {
    Small s;
    ASSERT_EQ(s.md.fin(), NPU_OK);
    npu_model *c = npu_model_clone(s.md.m);
    ASSERT_NE(c, nullptr);
    ASSERT_EQ(s.md.var(2, "weights", {1, 1, 8, 1}, I32(8, 1)), NPU_OK); /* original changes */
    ASSERT_EQ(s.md.fin(), NPU_OK);
    I32 in = {1, 2, 3, 4};
    npu_tensor t{{2, 2, 1}, in.data()};
    npu_tensor a{}, b{};
    npu_err e{};
    ASSERT_EQ(npu_model_forward(c, &t, &a, nullptr, &e), NPU_OK) << e.msg;
    ASSERT_EQ(npu_model_forward(s.md.m, &t, &b, nullptr, &e), NPU_OK) << e.msg;
    EXPECT_EQ(a.data[0], -4);
    EXPECT_EQ(b.data[0], 1 + 2 + 2 + 3 + 3 + 4 + 4 + 5);
    npu_tensor_free(&a);
    npu_tensor_free(&b);
    EXPECT_STREQ(npu_model_layer(c, 1)->name, "conv");
    npu_model_free(c);
}

TEST(ModelCheckInput, ShapeAndBitRanges) {
    Small s;
    ASSERT_EQ(s.md.fin(), NPU_OK);
    I32 in = {1, 2, 3, 15};
    npu_tensor t{{2, 2, 1}, in.data()};
    EXPECT_EQ(npu_model_check_input(s.md.m, &t, &s.md.e), NPU_OK);
    in[3] = 16;
    EXPECT_EQ(npu_model_check_input(s.md.m, &t, &s.md.e), NPU_ERR_INPUT);
    EXPECT_TRUE(has(s.md.e, "value 16 at (x=1, y=1, c=0) is outside the 4-bit unsigned range "
                            "[0, 15]"))
        << s.md.e.msg;
    in[3] = -1;
    EXPECT_EQ(npu_model_check_input(s.md.m, &t, &s.md.e), NPU_ERR_INPUT);
    in[3] = 0;
    npu_tensor wrong{{1, 4, 1}, in.data()};
    EXPECT_EQ(npu_model_check_input(s.md.m, &wrong, &s.md.e), NPU_ERR_INPUT);
    EXPECT_TRUE(has(s.md.e, "shape (1,4,1) expected (2,2,1)")) << s.md.e.msg;
    npu_tensor out{};
    EXPECT_EQ(npu_model_forward(s.md.m, &wrong, &out, nullptr, &s.md.e), NPU_ERR_INPUT);
    npu_tensor none{{2, 2, 1}, nullptr};
    EXPECT_EQ(npu_model_check_input(s.md.m, &none, &s.md.e), NPU_ERR_INPUT);
}

TEST(ModelCheckInput, SignedAndImageRanges) {
    Mdl md;
    npu_params p = in_data(1, 1, 2, 4);
    p.input_signed = true;
    ASSERT_EQ(md.add(NPU_INPUT_DATA, "in", p), NPU_OK);
    ASSERT_EQ(md.fin(), NPU_OK);
    I32 in = {-8, 7};
    npu_tensor t{{1, 1, 2}, in.data()};
    EXPECT_EQ(npu_model_check_input(md.m, &t, &md.e), NPU_OK);
    in[0] = -9;
    EXPECT_EQ(npu_model_check_input(md.m, &t, &md.e), NPU_ERR_INPUT);
    EXPECT_TRUE(has(md.e, "4-bit signed range [-8, 7]")) << md.e.msg;

    Mdl im;
    npu_params ic = npu_params_default(NPU_INPUT_CONVOLUTIONAL);
    ic.input_shape = {1, 1, 1};
    ic.kernel_x = ic.kernel_y = 1;
    ic.filters = 1;
    ASSERT_EQ(im.add(NPU_INPUT_CONVOLUTIONAL, "ic", ic), NPU_OK);
    conv_vars(im, 0, 1, 1, 1);
    ASSERT_EQ(im.fin(), NPU_OK) << im.e.msg;
    EXPECT_EQ(npu_model_input_bits(im.m), 8u);
    int32_t v = 255;
    npu_tensor it{{1, 1, 1}, &v};
    EXPECT_EQ(npu_model_check_input(im.m, &it, &im.e), NPU_OK);
    v = 256;
    EXPECT_EQ(npu_model_check_input(im.m, &it, &im.e), NPU_ERR_INPUT);
    EXPECT_TRUE(has(im.e, "8-bit unsigned range [0, 255]")) << im.e.msg;
}

} // namespace
