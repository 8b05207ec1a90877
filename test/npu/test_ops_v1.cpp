/*
 * test_ops_v1: the Akida 1.0 layer semantics (InputData, InputConvolutional, Convolutional,
 * SeparableConvolutional, FullyConnected), tested through the public model API
 * (npu_model_add / set_var / finalize / forward).
 *
 * Hand-computed cases cover Same/Valid padding edges (odd and even kernels), strides, max
 * pooling of potentials (padded positions never win) and global average pooling (per-channel
 * sum), threshold boundaries and saturation, real convolution vs cross-correlation, the
 * InputConvolutional padding_value and activation off. A randomized property test per type
 * compares against a naive int64 reference written here, sharing no code with npu/.
 */
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "npu/npu_model.h"
extern "C" {
#include "npu_op.h" /* internal header without C++ guards */
}

namespace {

using I32 = std::vector<int32_t>;

/* A model under construction with assertion-friendly helpers. */
struct V1Net {
    npu_model *m = npu_model_new();
    npu_err e{};
    ~V1Net() {
        npu_model_free(m);
    }
    uint32_t add(npu_layer_type t, const char *name, const npu_params &p) {
        EXPECT_EQ(npu_model_add(m, t, name, &p, nullptr, 0, &e), NPU_OK) << e.msg;
        return npu_model_layer_count(m) - 1;
    }
    void var(uint32_t l, const char *name, std::vector<uint32_t> shape, const I32 &d) {
        EXPECT_EQ(npu_model_set_var(m, l, name, NPU_DTYPE_I32, (uint32_t)shape.size(), shape.data(),
                                    d.data(), &e),
                  NPU_OK)
            << e.msg;
    }
    /* threshold / act_step of one layer. */
    void act(uint32_t l, const I32 &t, const I32 &s) {
        var(l, "threshold", {(uint32_t)t.size()}, t);
        var(l, "act_step", {(uint32_t)s.size()}, s);
    }
    void finalize() {
        ASSERT_EQ(npu_model_finalize(m, &e), NPU_OK) << e.msg;
    }
    I32 run(const I32 &in, npu_shape s, npu_shape *os = nullptr) {
        npu_tensor t{s, const_cast<int32_t *>(in.data())};
        npu_tensor out{};
        EXPECT_EQ(npu_model_forward(m, &t, &out, nullptr, &e), NPU_OK) << e.msg;
        if (!out.data)
            return {};
        if (os)
            *os = out.shape;
        I32 r(out.data, out.data + npu_shape_size(out.shape));
        npu_tensor_free(&out);
        return r;
    }
};

npu_params input_data(uint32_t x, uint32_t y, uint32_t c, uint32_t bits, bool sign = false) {
    npu_params p = npu_params_default(NPU_INPUT_DATA);
    p.input_shape = {x, y, c};
    p.input_bits = bits;
    p.input_signed = sign;
    return p;
}

npu_params conv_params(npu_layer_type t, uint32_t kx, uint32_t ky, uint32_t f) {
    npu_params p = npu_params_default(t);
    p.kernel_x = kx;
    p.kernel_y = ky;
    p.filters = f;
    return p;
}

/* ---------------- hand-computed cases ---------------- */

/* A one-hot input at the centre of a 3x3 image reproduces the kernel: flipped for the real
 * convolution of Convolutional, as is for the cross-correlation of InputConvolutional. */
const I32 kW3 = {1, 2, 3, 4, 5, 6, 7, -1, -2}; /* w[kx][ky], kx major */

TEST(V1Ops, ConvolutionalIsRealConvolution) {
    V1Net n;
    n.add(NPU_INPUT_DATA, "in", input_data(3, 3, 1, 4));
    npu_params p = conv_params(NPU_CONVOLUTIONAL, 3, 3, 1);
    p.weights_bits = 4;
    p.activation = false;
    uint32_t l = n.add(NPU_CONVOLUTIONAL, "conv", p);
    n.var(l, "weights", {3, 3, 1, 1}, kW3);
    n.act(l, {0}, {1});
    n.finalize();
    I32 in(9, 0);
    in[4] = 2; /* (x=1, y=1) */
    /* out[ox][oy] = sum in[ox+i-1][oy+j-1] * w[2-i][2-j] = 2 * w[ox][oy] */
    I32 want = {2, 4, 6, 8, 10, 12, 14, -2, -4};
    EXPECT_EQ(n.run(in, {3, 3, 1}), want);
}

TEST(V1Ops, InputConvolutionalIsCrossCorrelation) {
    V1Net n;
    npu_params p = conv_params(NPU_INPUT_CONVOLUTIONAL, 3, 3, 1);
    p.input_shape = {3, 3, 1};
    p.weights_bits = 8;
    p.activation = false;
    n.add(NPU_INPUT_CONVOLUTIONAL, "conv", p);
    n.var(0, "weights", {3, 3, 1, 1}, kW3);
    n.act(0, {0}, {1});
    n.finalize();
    I32 in(9, 0);
    in[4] = 2;
    /* out[ox][oy] = 2 * w[2-ox][2-oy] */
    I32 want = {-4, -2, 14, 12, 10, 8, 6, 4, 2};
    EXPECT_EQ(n.run(in, {3, 3, 1}), want);
}

TEST(V1Ops, InputConvolutionalPaddingValue) {
    V1Net n;
    npu_params p = conv_params(NPU_INPUT_CONVOLUTIONAL, 3, 3, 1);
    p.input_shape = {3, 3, 1};
    p.weights_bits = 8;
    p.activation = false;
    p.padding_value = 5;
    n.add(NPU_INPUT_CONVOLUTIONAL, "conv", p);
    n.var(0, "weights", {3, 3, 1, 1}, I32(9, 1));
    n.act(0, {0}, {1});
    n.finalize();
    /* corner: 4 pixels + 5 padded * 5; edge: 6 + 3 * 5; centre: 9 */
    I32 want = {29, 21, 29, 21, 9, 21, 29, 21, 29};
    EXPECT_EQ(n.run(I32(9, 1), {3, 3, 1}), want);
}

/* Valid padding with stride 2 and Same padding with stride 2 on a 5x5 ramp in = 5x + y. */
TEST(V1Ops, ValidAndSameStride2) {
    I32 in(25);
    for (int i = 0; i < 25; i++)
        in[i] = i;
    {
        V1Net n;
        n.add(NPU_INPUT_DATA, "in", input_data(5, 5, 1, 8));
        npu_params p = conv_params(NPU_CONVOLUTIONAL, 2, 2, 1);
        p.padding = NPU_PAD_VALID;
        p.stride_x = p.stride_y = 2;
        p.activation = false;
        uint32_t l = n.add(NPU_CONVOLUTIONAL, "conv", p);
        n.var(l, "weights", {2, 2, 1, 1}, I32(4, 1));
        n.act(l, {0}, {1});
        n.finalize();
        npu_shape os{};
        EXPECT_EQ(n.run(in, {5, 5, 1}, &os), (I32{12, 20, 52, 60}));
        EXPECT_EQ(os.x, 2u);
        EXPECT_EQ(os.y, 2u);
    }
    {
        V1Net n;
        n.add(NPU_INPUT_DATA, "in", input_data(5, 5, 1, 8));
        npu_params p = conv_params(NPU_CONVOLUTIONAL, 3, 3, 1);
        p.stride_x = p.stride_y = 2; /* out 3, pad_total 2, pad_before 1 */
        p.activation = false;
        uint32_t l = n.add(NPU_CONVOLUTIONAL, "conv", p);
        n.var(l, "weights", {3, 3, 1, 1}, I32(9, 1));
        n.act(l, {0}, {1});
        n.finalize();
        I32 out = n.run(in, {5, 5, 1});
        ASSERT_EQ(out.size(), 9u);
        EXPECT_EQ(out[0], 0 + 1 + 5 + 6);
        EXPECT_EQ(out[4], 108);               /* rows 1..3 x cols 1..3 */
        EXPECT_EQ(out[8], 18 + 19 + 23 + 24); /* rows 3..4 x cols 3..4, rest padded */
        EXPECT_EQ(out[2], 3 + 4 + 8 + 9);     /* x 0..1, y 3..4 */
    }
}

/* Even kernel with Same padding: pad_total 1, pad_before 0, so the padding is after. */
TEST(V1Ops, EvenKernelSamePadsAfter) {
    for (bool input_conv : {false, true}) {
        V1Net n;
        npu_params p;
        uint32_t l;
        if (input_conv) {
            p = conv_params(NPU_INPUT_CONVOLUTIONAL, 2, 1, 1);
            p.input_shape = {4, 1, 1};
            p.weights_bits = 4;
            p.activation = false;
            l = n.add(NPU_INPUT_CONVOLUTIONAL, "conv", p);
        } else {
            n.add(NPU_INPUT_DATA, "in", input_data(4, 1, 1, 4));
            p = conv_params(NPU_CONVOLUTIONAL, 2, 1, 1);
            p.weights_bits = 4;
            p.activation = false;
            l = n.add(NPU_CONVOLUTIONAL, "conv", p);
        }
        n.var(l, "weights", {2, 1, 1, 1}, {1, 2});
        n.act(l, {0}, {1});
        n.finalize();
        /* cross-correlation: in[i] + 2 in[i+1]; convolution: 2 in[i] + in[i+1] */
        I32 want = input_conv ? I32{5, 8, 11, 4} : I32{4, 7, 10, 8};
        EXPECT_EQ(n.run({1, 2, 3, 4}, {4, 1, 1}), want) << "input_conv=" << input_conv;
    }
}

/* Identity 1x1 convolution (weight -1: negative potentials) followed by a pooling. */
struct PoolNet {
    V1Net n;
    uint32_t l = 0;
    PoolNet(uint32_t x, uint32_t y, uint32_t c, npu_params p, int32_t w) {
        n.add(NPU_INPUT_DATA, "in", input_data(x, y, c, 4));
        l = n.add(NPU_CONVOLUTIONAL, "conv", p);
        I32 wv(c * c, 0);
        for (uint32_t i = 0; i < c; i++)
            wv[i * c + i] = w;
        n.var(l, "weights", {1, 1, c, c}, wv);
    }
};

npu_params pool_params(uint32_t c, npu_pool_type t, int32_t size, int32_t stride) {
    npu_params p = conv_params(NPU_CONVOLUTIONAL, 1, 1, c);
    p.weights_bits = 2;
    p.activation = false;
    p.pool_type = t;
    p.pool_x = p.pool_y = size;
    p.pool_stride_x = p.pool_stride_y = stride;
    return p;
}

TEST(V1Ops, MaxPool2x2Stride2) {
    PoolNet pn(4, 4, 1, pool_params(1, NPU_POOL_MAX, 2, -1), 1);
    pn.n.act(pn.l, {0}, {1});
    pn.n.finalize();
    I32 in = {1, 5, 2, 0, 3, 4, 9, 1, 0, 0, 7, 8, 6, 2, 3, 15};
    EXPECT_EQ(pn.n.run(in, {4, 4, 1}), (I32{5, 9, 6, 15}));
}

TEST(V1Ops, MaxPoolSamePaddingNeverWins) {
    /* 4x1 potentials -1,-2,-3,-4 (weight -1); pool 3x1 stride 2 Same: out 2, pad_before 0,
     * windows {0,1,2} and {2,3,pad}: the padded position must not give 0. */
    npu_params p = pool_params(1, NPU_POOL_MAX, 3, 2);
    p.pool_y = 1;
    p.pool_stride_y = 1;
    PoolNet pn(4, 1, 1, p, -1);
    pn.n.act(pn.l, {0}, {1});
    pn.n.finalize();
    EXPECT_EQ(pn.n.run({1, 2, 3, 4}, {4, 1, 1}), (I32{-1, -3}));
}

TEST(V1Ops, MaxPoolBeforeActivation) {
    /* potentials 1..4 (x) ; pool 2 -> 2, 4 ; activation T=1 s=1 -> 1, 3 */
    npu_params p = pool_params(1, NPU_POOL_MAX, 2, -1);
    p.pool_y = 1;
    p.activation = true;
    p.act_bits = 4;
    PoolNet pn(4, 1, 1, p, 1);
    pn.n.act(pn.l, {1}, {1});
    pn.n.finalize();
    EXPECT_EQ(pn.n.run({1, 2, 3, 4}, {4, 1, 1}), (I32{1, 3}));
}

TEST(V1Ops, GlobalAveragePoolIsPerChannelSum) {
    npu_params p = pool_params(2, NPU_POOL_AVG, -1, -1);
    PoolNet pn(3, 2, 2, p, -1);
    pn.n.act(pn.l, {0, 0}, {1, 1});
    pn.n.finalize();
    I32 in = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}; /* channel 0: odd, channel 1: even */
    npu_shape os{};
    EXPECT_EQ(pn.n.run(in, {3, 2, 2}, &os), (I32{-36, -42}));
    EXPECT_EQ(os.x, 1u);
    EXPECT_EQ(os.y, 1u);
    EXPECT_EQ(os.c, 2u);
}

TEST(V1Ops, GlobalAveragePoolThenActivation) {
    npu_params p = pool_params(2, NPU_POOL_AVG, -1, -1);
    p.activation = true;
    p.act_bits = 4;
    PoolNet pn(3, 2, 2, p, 1);
    /* sums 36 and 42; T=30 s=2 -> ceil(6/2)=3 ; T=0 s=4 -> ceil(42/4)=11 */
    pn.n.act(pn.l, {30, 0}, {2, 4});
    pn.n.finalize();
    I32 in = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    EXPECT_EQ(pn.n.run(in, {3, 2, 2}), (I32{3, 11}));
}

/* p = 60 for every unit (input 15, weight 4); thresholds T = 60 - d, step 3. */
TEST(V1Ops, ThresholdBoundaries) {
    const I32 d = {0, -5, 1, 3, 4, 6, 7, 42, 43, 45, 46, 200};
    const I32 want4 = {0, 0, 1, 1, 2, 2, 3, 14, 15, 15, 15, 15};
    for (uint32_t bits : {1u, 2u, 4u}) {
        V1Net n;
        n.add(NPU_INPUT_DATA, "in", input_data(1, 1, 1, 4));
        npu_params p = npu_params_default(NPU_FULLY_CONNECTED);
        p.filters = (uint32_t)d.size();
        p.weights_bits = 4;
        p.act_bits = bits;
        uint32_t l = n.add(NPU_FULLY_CONNECTED, "fc", p);
        n.var(l, "weights", {1, 1, 1, (uint32_t)d.size()}, I32(d.size(), 4));
        I32 t(d.size());
        for (size_t i = 0; i < d.size(); i++)
            t[i] = 60 - d[i];
        n.act(l, t, I32(d.size(), 3));
        n.finalize();
        I32 out = n.run({15}, {1, 1, 1});
        const int32_t top = (1 << bits) - 1;
        for (size_t i = 0; i < d.size(); i++)
            EXPECT_EQ(out[i], std::min(want4[i], top)) << "d=" << d[i] << " bits=" << bits;
    }
}

TEST(V1Ops, ActivationOffGivesSignedPotentials) {
    V1Net n;
    n.add(NPU_INPUT_DATA, "in", input_data(1, 2, 2, 4));
    npu_params p = npu_params_default(NPU_FULLY_CONNECTED);
    p.filters = 1;
    p.weights_bits = 4;
    p.activation = false;
    uint32_t l = n.add(NPU_FULLY_CONNECTED, "fc", p);
    n.var(l, "weights", {1, 1, 4, 1}, {1, 2, 4, -7});
    n.act(l, {1000}, {1}); /* ignored without activation */
    n.finalize();
    /* C-order flatten of (x=1, y=2, c=2): 1*1 + 2*2 + 3*4 + 4*(-7) = -11 */
    EXPECT_EQ(n.run({1, 2, 3, 4}, {1, 2, 2}), (I32{-11}));
    const npu_layer *fc = npu_model_layer(n.m, 1);
    EXPECT_EQ(fc->out_bits, 32u);
    EXPECT_TRUE(fc->out_signed);
}

TEST(V1Ops, SeparableDepthwiseThenPointwise) {
    V1Net n;
    n.add(NPU_INPUT_DATA, "in", input_data(3, 3, 2, 4));
    npu_params p = conv_params(NPU_SEPARABLE_CONVOLUTIONAL, 3, 3, 2);
    p.weights_bits = 4;
    p.activation = false;
    uint32_t l = n.add(NPU_SEPARABLE_CONVOLUTIONAL, "sep", p);
    I32 dw(18, 0);
    for (int k = 0; k < 9; k++) {
        dw[k * 2 + 0] = kW3[k]; /* channel 0 kernel */
        dw[k * 2 + 1] = 7;      /* channel 1 kernel: constant */
    }
    n.var(l, "weights", {3, 3, 2, 1}, dw);
    n.var(l, "weights_pw", {1, 1, 2, 2}, {1, -1, 3, 0}); /* [c][f] */
    n.act(l, {0, 0}, {1, 1});
    n.finalize();
    I32 in(18, 0);
    in[(1 * 3 + 1) * 2 + 0] = 1; /* channel 0 one-hot at the centre */
    in[(0 * 3 + 0) * 2 + 1] = 1; /* channel 1 one-hot at the corner */
    I32 out = n.run(in, {3, 3, 2});
    ASSERT_EQ(out.size(), 18u);
    for (int ox = 0; ox < 3; ox++)
        for (int oy = 0; oy < 3; oy++) {
            int32_t d0 = kW3[ox * 3 + oy];             /* real convolution: kernel as is */
            int32_t d1 = (ox <= 1 && oy <= 1) ? 7 : 0; /* corner covered by (0..1, 0..1) */
            int i = (ox * 3 + oy) * 2;
            EXPECT_EQ(out[i + 0], d0 * 1 + d1 * 3) << ox << "," << oy;
            EXPECT_EQ(out[i + 1], -d0) << ox << "," << oy;
        }
}

TEST(V1Ops, SeparableKeepsDepthwiseExact) {
    /* Depthwise sums of 9 * 15 * 7 = 945 per channel, far beyond act_bits: kept exact. */
    V1Net n;
    n.add(NPU_INPUT_DATA, "in", input_data(3, 3, 1, 4));
    npu_params p = conv_params(NPU_SEPARABLE_CONVOLUTIONAL, 3, 3, 1);
    p.weights_bits = 4;
    p.activation = false;
    p.padding = NPU_PAD_VALID;
    uint32_t l = n.add(NPU_SEPARABLE_CONVOLUTIONAL, "sep", p);
    n.var(l, "weights", {3, 3, 1, 1}, I32(9, 7));
    n.var(l, "weights_pw", {1, 1, 1, 1}, {-3});
    n.act(l, {0}, {1});
    n.finalize();
    EXPECT_EQ(n.run(I32(9, 15), {3, 3, 1}), (I32{-2835}));
}

TEST(V1Ops, InputDataPassesThroughSigned) {
    V1Net n;
    n.add(NPU_INPUT_DATA, "in", input_data(2, 1, 2, 4, true));
    n.finalize();
    EXPECT_EQ(n.run({-8, 7, 0, -1}, {2, 1, 2}), (I32{-8, 7, 0, -1}));
    EXPECT_TRUE(npu_model_input_signed(n.m));
    EXPECT_EQ(npu_model_input_bits(n.m), 4u);
}

TEST(V1Ops, SignedInputsIntoConvolution) {
    V1Net n;
    n.add(NPU_INPUT_DATA, "in", input_data(2, 1, 1, 4, true));
    npu_params p = conv_params(NPU_CONVOLUTIONAL, 1, 1, 1);
    p.weights_bits = 4;
    p.activation = false;
    uint32_t l = n.add(NPU_CONVOLUTIONAL, "conv", p);
    n.var(l, "weights", {1, 1, 1, 1}, {-7});
    n.act(l, {0}, {1});
    n.finalize();
    EXPECT_EQ(n.run({-8, 3}, {2, 1, 1}), (I32{56, -21}));
}

TEST(V1Ops, OneBitWeightsAreBinary) {
    V1Net n;
    n.add(NPU_INPUT_DATA, "in", input_data(1, 1, 2, 1));
    npu_params p = npu_params_default(NPU_FULLY_CONNECTED);
    p.filters = 2;
    uint32_t l = n.add(NPU_FULLY_CONNECTED, "fc", p);
    EXPECT_EQ(p.weights_bits, 1u);
    n.var(l, "weights", {1, 1, 2, 2}, {1, -1, 0, 1});
    n.act(l, {0, 0}, {1, 1});
    EXPECT_EQ(npu_model_finalize(n.m, &n.e), NPU_ERR_INPUT);
    EXPECT_NE(std::string(n.e.msg).find("[0, 1]"), std::string::npos) << n.e.msg;
    n.var(l, "weights", {1, 1, 2, 2}, {1, 1, 0, 1});
    n.finalize();
    EXPECT_EQ(n.run({1, 1}, {1, 1, 2}), (I32{1, 1}));
}

/* ---------------- naive reference (independent of npu/) ---------------- */

struct Dims {
    int x, y, c;
};

int ref_out(int in, int k, int s, bool same) {
    if (same)
        return (in + s - 1) / s;
    return in >= k ? (in - k) / s + 1 : 0;
}

int ref_pad(int in, int k, int s, bool same) {
    if (!same)
        return 0;
    int t = (ref_out(in, k, s, true) - 1) * s + k - in;
    return t > 0 ? t / 2 : 0;
}

/* Dense convolution; dw: one kernel per channel (F == C). Returns int64 potentials. */
std::vector<int64_t> ref_conv(const I32 &in, Dims d, const I32 &w, int kx, int ky, int f, int sx,
                              int sy, bool same, int padv, bool flip, bool dw, Dims *od) {
    int ox_n = ref_out(d.x, kx, sx, same), oy_n = ref_out(d.y, ky, sy, same);
    int px = ref_pad(d.x, kx, sx, same), py = ref_pad(d.y, ky, sy, same);
    *od = {ox_n, oy_n, f};
    std::vector<int64_t> out((size_t)ox_n * oy_n * f, 0);
    for (int ox = 0; ox < ox_n; ox++)
        for (int oy = 0; oy < oy_n; oy++)
            for (int o = 0; o < f; o++) {
                int64_t acc = 0;
                for (int i = 0; i < kx; i++)
                    for (int j = 0; j < ky; j++)
                        for (int c = 0; c < d.c; c++) {
                            if (dw && c != o)
                                continue;
                            int ix = ox * sx + i - px, iy = oy * sy + j - py;
                            bool inside = ix >= 0 && iy >= 0 && ix < d.x && iy < d.y;
                            int64_t v = inside ? in[((size_t)ix * d.y + iy) * d.c + c] : padv;
                            int wi = flip ? kx - 1 - i : i, wj = flip ? ky - 1 - j : j;
                            int64_t wv = dw ? w[((size_t)wi * ky + wj) * d.c + c]
                                            : w[(((size_t)wi * ky + wj) * d.c + c) * f + o];
                            acc += v * wv;
                        }
                out[((size_t)ox * oy_n + oy) * f + o] = acc;
            }
    return out;
}

int32_t ref_act(int64_t p, int64_t t, int64_t s, int bits) {
    int64_t top = (1 << bits) - 1, n = 0;
    while (n < top && p > t + n * s)
        n++;
    return (int32_t)n;
}

/* Everything random about one v1 layer test case. */
struct Case {
    npu_layer_type type;
    Dims in;
    int in_bits;
    bool in_signed;
    int kx, ky, f, sx, sy;
    bool same;
    int padv;
    npu_pool_type pool;
    int px, py, psx, psy; /* pool size and stride (-1 = size) */
    bool act;
    int act_bits, w_bits;
    I32 input, w, wpw, thr, step;
};

int rnd(std::mt19937 &g, int lo, int hi) {
    return std::uniform_int_distribution<int>(lo, hi)(g);
}

I32 rnd_vec(std::mt19937 &g, size_t n, int lo, int hi, int zero_pct) {
    I32 v(n);
    for (auto &x : v)
        x = rnd(g, 0, 99) < zero_pct ? 0 : rnd(g, lo, hi);
    return v;
}

int wmin(int b) {
    return b == 1 ? 0 : -((1 << (b - 1)) - 1);
}
int wmax(int b) {
    return b == 1 ? 1 : (1 << (b - 1)) - 1;
}

/* Draws a case whose geometry is valid (Valid kernels and pools fit). */
Case draw_case(std::mt19937 &g, npu_layer_type type) {
    Case k{};
    k.type = type;
    bool image = type == NPU_INPUT_CONVOLUTIONAL;
    k.in = {rnd(g, 1, 7), rnd(g, 1, 7), image ? (rnd(g, 0, 1) ? 3 : 1) : rnd(g, 1, 4)};
    const int bits[] = {1, 2, 4};
    k.in_bits = image ? 8 : bits[rnd(g, 0, 2)];
    k.in_signed = !image && k.in_bits > 1 && rnd(g, 0, 3) == 0;
    k.kx = rnd(g, 1, 4);
    k.ky = rnd(g, 1, 4);
    k.sx = rnd(g, 1, 3);
    k.sy = rnd(g, 1, 3);
    k.same = rnd(g, 0, 1) || k.kx > k.in.x || k.ky > k.in.y;
    k.padv = image ? rnd(g, 0, 255) * rnd(g, 0, 1) : 0;
    k.f = rnd(g, 1, 5);
    k.act = rnd(g, 0, 3) != 0;
    k.act_bits = bits[rnd(g, 0, 2)];
    const int wbits[] = {1, 2, 4, 8};
    k.w_bits = image ? wbits[rnd(g, 0, 3)] : bits[rnd(g, 0, 2)];
    k.pool = NPU_POOL_NONE;
    if (type != NPU_FULLY_CONNECTED) {
        int ox = ref_out(k.in.x, k.kx, k.sx, k.same), oy = ref_out(k.in.y, k.ky, k.sy, k.same);
        k.pool = (npu_pool_type)rnd(g, 0, 2);
        k.px = rnd(g, 1, 3);
        k.py = rnd(g, 1, 3);
        k.psx = rnd(g, 0, 1) ? -1 : rnd(g, 1, 3);
        k.psy = rnd(g, 0, 1) ? -1 : rnd(g, 1, 3);
        if (k.pool == NPU_POOL_MAX && !k.same && (k.px > ox || k.py > oy))
            k.pool = NPU_POOL_NONE;
    }
    int lo = k.in_signed ? -(1 << (k.in_bits - 1)) : 0;
    int hi = k.in_signed ? (1 << (k.in_bits - 1)) - 1 : (1 << k.in_bits) - 1;
    k.input = rnd_vec(g, (size_t)k.in.x * k.in.y * k.in.c, lo, hi, rnd(g, 0, 80));
    int c = k.in.c;
    size_t nw = type == NPU_FULLY_CONNECTED           ? (size_t)k.in.x * k.in.y * c * k.f
                : type == NPU_SEPARABLE_CONVOLUTIONAL ? (size_t)k.kx * k.ky * c
                                                      : (size_t)k.kx * k.ky * c * k.f;
    k.w = rnd_vec(g, nw, wmin(k.w_bits), wmax(k.w_bits), 20);
    if (type == NPU_SEPARABLE_CONVOLUTIONAL)
        k.wpw = rnd_vec(g, (size_t)c * k.f, wmin(k.w_bits), wmax(k.w_bits), 20);
    k.thr = rnd_vec(g, k.f, -30, 60, 10);
    k.step = rnd_vec(g, k.f, 1, 12, 0);
    return k;
}

/* The expected output of a case, computed by the naive reference. */
I32 ref_case(const Case &k, Dims *od) {
    Dims cd{};
    std::vector<int64_t> pot;
    if (k.type == NPU_FULLY_CONNECTED) {
        Dims flat{1, 1, k.in.x * k.in.y * k.in.c};
        pot = ref_conv(k.input, flat, k.w, 1, 1, k.f, 1, 1, true, 0, false, false, &cd);
    } else if (k.type == NPU_SEPARABLE_CONVOLUTIONAL) {
        Dims dd{};
        auto dw = ref_conv(k.input, k.in, k.w, k.kx, k.ky, k.in.c, k.sx, k.sy, k.same, 0, true,
                           true, &dd);
        cd = {dd.x, dd.y, k.f};
        pot.assign((size_t)dd.x * dd.y * k.f, 0);
        for (int p = 0; p < dd.x * dd.y; p++)
            for (int o = 0; o < k.f; o++)
                for (int c = 0; c < k.in.c; c++)
                    pot[(size_t)p * k.f + o] += dw[(size_t)p * k.in.c + c] * k.wpw[c * k.f + o];
    } else {
        bool flip = k.type == NPU_CONVOLUTIONAL;
        pot = ref_conv(k.input, k.in, k.w, k.kx, k.ky, k.f, k.sx, k.sy, k.same, k.padv, flip, false,
                       &cd);
    }
    std::vector<int64_t> pooled;
    if (k.pool == NPU_POOL_AVG) {
        *od = {1, 1, k.f};
        pooled.assign(k.f, 0);
        for (size_t i = 0; i < pot.size(); i++)
            pooled[i % k.f] += pot[i];
    } else if (k.pool == NPU_POOL_MAX) {
        int sx = k.psx < 0 ? k.px : k.psx, sy = k.psy < 0 ? k.py : k.psy;
        int ox_n = ref_out(cd.x, k.px, sx, k.same), oy_n = ref_out(cd.y, k.py, sy, k.same);
        int padx = ref_pad(cd.x, k.px, sx, k.same), pady = ref_pad(cd.y, k.py, sy, k.same);
        *od = {ox_n, oy_n, k.f};
        for (int ox = 0; ox < ox_n; ox++)
            for (int oy = 0; oy < oy_n; oy++)
                for (int o = 0; o < k.f; o++) {
                    bool any = false;
                    int64_t best = 0;
                    for (int i = 0; i < k.px; i++)
                        for (int j = 0; j < k.py; j++) {
                            int x = ox * sx + i - padx, y = oy * sy + j - pady;
                            if (x < 0 || y < 0 || x >= cd.x || y >= cd.y)
                                continue;
                            int64_t v = pot[((size_t)x * cd.y + y) * k.f + o];
                            best = any ? std::max(best, v) : v;
                            any = true;
                        }
                    pooled.push_back(best);
                }
    } else {
        *od = cd;
        pooled = pot;
    }
    I32 out(pooled.size());
    for (size_t i = 0; i < pooled.size(); i++) {
        int o = (int)(i % k.f);
        out[i] = k.act ? ref_act(pooled[i], k.thr[o], k.step[o], k.act_bits)
                       : (int32_t)(uint32_t)(uint64_t)pooled[i];
    }
    return out;
}

/* Naive synaptic-op count: MACs (before pooling) whose input value is non-zero. */
uint64_t ref_synops(const Case &k) {
    auto nz = [&](const I32 &v) {
        I32 r(v.size());
        for (size_t i = 0; i < v.size(); i++)
            r[i] = v[i] != 0;
        return r;
    };
    Dims cd{};
    if (k.type == NPU_FULLY_CONNECTED) {
        uint64_t n = 0;
        for (int32_t v : k.input)
            n += v != 0;
        return n * k.f;
    }
    I32 ones((size_t)k.kx * k.ky * k.in.c * k.f, 1);
    if (k.type == NPU_SEPARABLE_CONVOLUTIONAL) {
        I32 dw_ones((size_t)k.kx * k.ky * k.in.c, 1);
        auto taps = ref_conv(nz(k.input), k.in, dw_ones, k.kx, k.ky, k.in.c, k.sx, k.sy, k.same, 0,
                             false, true, &cd);
        auto dw = ref_conv(k.input, k.in, k.w, k.kx, k.ky, k.in.c, k.sx, k.sy, k.same, 0, true,
                           true, &cd);
        uint64_t n = 0;
        for (auto t : taps)
            n += (uint64_t)t;
        for (auto v : dw)
            n += (uint64_t)((int32_t)v != 0) * k.f;
        return n;
    }
    auto taps = ref_conv(nz(k.input), k.in, ones, k.kx, k.ky, k.f, k.sx, k.sy, k.same, 0, false,
                         false, &cd);
    uint64_t n = 0;
    for (auto t : taps)
        n += (uint64_t)t;
    return n;
}

/* Builds the case through the public API and runs it; returns the output. */
I32 run_case(const Case &k, V1Net &n, Dims *od) {
    uint32_t l;
    npu_params p = conv_params(k.type, k.kx, k.ky, k.f);
    p.stride_x = k.sx;
    p.stride_y = k.sy;
    p.padding = k.same ? NPU_PAD_SAME : NPU_PAD_VALID;
    p.pool_type = k.pool;
    p.pool_x = k.pool == NPU_POOL_MAX ? k.px : -1;
    p.pool_y = k.pool == NPU_POOL_MAX ? k.py : -1;
    p.pool_stride_x = k.pool == NPU_POOL_MAX ? k.psx : -1;
    p.pool_stride_y = k.pool == NPU_POOL_MAX ? k.psy : -1;
    p.activation = k.act;
    p.act_bits = k.act_bits;
    p.weights_bits = k.w_bits;
    uint32_t c = k.in.c, f = k.f;
    npu_shape is{(uint32_t)k.in.x, (uint32_t)k.in.y, c};
    if (k.type == NPU_INPUT_CONVOLUTIONAL) {
        p.input_shape = is;
        p.padding_value = k.padv;
        l = n.add(k.type, "layer", p);
    } else {
        n.add(NPU_INPUT_DATA, "in", input_data(is.x, is.y, c, k.in_bits, k.in_signed));
        l = n.add(k.type, "layer", p);
    }
    if (k.type == NPU_FULLY_CONNECTED)
        n.var(l, "weights", {1, 1, is.x * is.y * c, f}, k.w);
    else if (k.type == NPU_SEPARABLE_CONVOLUTIONAL) {
        n.var(l, "weights", {(uint32_t)k.kx, (uint32_t)k.ky, c, 1}, k.w);
        n.var(l, "weights_pw", {1, 1, c, f}, k.wpw);
    } else
        n.var(l, "weights", {(uint32_t)k.kx, (uint32_t)k.ky, c, f}, k.w);
    n.act(l, k.thr, k.step);
    EXPECT_EQ(npu_model_finalize(n.m, &n.e), NPU_OK) << n.e.msg;
    npu_shape os{};
    I32 out = n.run(k.input, is, &os);
    *od = {(int)os.x, (int)os.y, (int)os.c};
    return out;
}

std::string describe(const Case &k) {
    char buf[256];
    snprintf(buf, sizeof buf,
             "in (%d,%d,%d) bits %d%s k (%d,%d) s (%d,%d) %s f %d pool %d (%d,%d)/(%d,%d) act %d "
             "ab %d wb %d padv %d",
             k.in.x, k.in.y, k.in.c, k.in_bits, k.in_signed ? "s" : "u", k.kx, k.ky, k.sx, k.sy,
             k.same ? "Same" : "Valid", k.f, (int)k.pool, k.px, k.py, k.psx, k.psy, (int)k.act,
             k.act_bits, k.w_bits, k.padv);
    return buf;
}

void property_test(npu_layer_type type, uint32_t seed) {
    std::mt19937 g(seed);
    for (int it = 0; it < 300; it++) {
        Case k = draw_case(g, type);
        V1Net n;
        Dims od{}, rd{};
        I32 got = run_case(k, n, &od);
        I32 want = ref_case(k, &rd);
        ASSERT_EQ(od.x, rd.x) << describe(k);
        ASSERT_EQ(od.y, rd.y) << describe(k);
        ASSERT_EQ(od.c, rd.c) << describe(k);
        ASSERT_EQ(got, want) << "iteration " << it << ": " << describe(k);
        /* synops through the op interface, on the finalized layer */
        uint32_t li = npu_model_layer_count(n.m) - 1;
        const npu_layer *l = npu_model_layer(n.m, li);
        const npu_op *op = npu_op_get(type);
        ASSERT_NE(op->synops, nullptr);
        npu_tensor t{{(uint32_t)k.in.x, (uint32_t)k.in.y, (uint32_t)k.in.c},
                     const_cast<int32_t *>(k.input.data())};
        const npu_tensor *ins[1] = {&t};
        EXPECT_EQ(op->synops(l, ins, 1), ref_synops(k)) << describe(k);
    }
}

TEST(V1OpsProperty, Convolutional) {
    property_test(NPU_CONVOLUTIONAL, 101);
}
TEST(V1OpsProperty, InputConvolutional) {
    property_test(NPU_INPUT_CONVOLUTIONAL, 202);
}
TEST(V1OpsProperty, SeparableConvolutional) {
    property_test(NPU_SEPARABLE_CONVOLUTIONAL, 303);
}
TEST(V1OpsProperty, FullyConnected) {
    property_test(NPU_FULLY_CONNECTED, 404);
}

TEST(V1OpsProperty, InputDataIdentity) {
    std::mt19937 g(505);
    for (int it = 0; it < 100; it++) {
        const uint32_t bits[] = {1, 2, 4, 8};
        uint32_t b = bits[rnd(g, 0, 3)];
        bool sign = rnd(g, 0, 1);
        uint32_t x = rnd(g, 1, 6), y = rnd(g, 1, 6), c = rnd(g, 1, 5);
        if (b == 8) /* model rule: 8-bit inputs have 1 or 3 channels */
            c = rnd(g, 0, 1) ? 3 : 1;
        int lo = sign ? -(1 << (b - 1)) : 0;
        int hi = sign ? (1 << (b - 1)) - 1 : (1 << b) - 1;
        I32 in = rnd_vec(g, (size_t)x * y * c, lo, hi, 30);
        V1Net n;
        n.add(NPU_INPUT_DATA, "in", input_data(x, y, c, b, sign));
        n.finalize();
        EXPECT_EQ(n.run(in, {x, y, c}), in);
    }
}

/* A two-layer v1 pipeline, activations feeding the next layer, against the reference. */
TEST(V1OpsProperty, ConvThenFullyConnected) {
    std::mt19937 g(606);
    for (int it = 0; it < 100; it++) {
        Case a = draw_case(g, NPU_CONVOLUTIONAL);
        a.act = true;
        Dims ad{};
        I32 mid = ref_case(a, &ad);
        Case b = draw_case(g, NPU_FULLY_CONNECTED);
        b.in = ad;
        b.in_bits = a.act_bits;
        b.input = mid;
        b.w = rnd_vec(g, (size_t)ad.x * ad.y * ad.c * b.f, wmin(b.w_bits), wmax(b.w_bits), 20);
        Dims bd{};
        I32 want = ref_case(b, &bd);

        V1Net n;
        Dims od{};
        run_case(a, n, &od); /* builds in + layer; add the FC on top */
        npu_params p = npu_params_default(NPU_FULLY_CONNECTED);
        p.filters = b.f;
        p.activation = b.act;
        p.act_bits = b.act_bits;
        p.weights_bits = b.w_bits;
        uint32_t l = n.add(NPU_FULLY_CONNECTED, "fc", p);
        n.var(l, "weights", {1, 1, (uint32_t)(ad.x * ad.y * ad.c), (uint32_t)b.f}, b.w);
        n.act(l, b.thr, b.step);
        n.finalize();
        EXPECT_EQ(n.run(a.input, {(uint32_t)a.in.x, (uint32_t)a.in.y, (uint32_t)a.in.c}), want)
            << describe(a) << " | " << describe(b);
    }
}

} // namespace
