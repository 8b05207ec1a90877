/*
 * test_ops_v2: the Akida 2.0 layer ops (npu/ops/op_*.c for InputConv2D ... Dequantizer) and the
 * v2 arithmetic helpers, tested three ways:
 *  - hand-computed cases (padding edges, strides, max and global pooling, bias shifts, output
 *    scale/shift rounding at .5, saturation to output_bits, buffer_bits wrap, ReLU on/off,
 *    transposed geometry, Add/Concatenate/BatchNormalization/Dequantizer);
 *  - one randomized property test per type against a naive reference written here (int64 and
 *    __int128, gather loops, no npu code reused);
 *  - negative tests for bad parameters, and a few through the public model API so that the
 *    variable specs are checked by npu_model_finalize().
 * Ops are driven directly (op->infer, op->var_specs, op->forward) on hand-built layers.
 */
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

extern "C" {
#include "npu/npu_dequant.h"
#include "npu/npu_model.h"
#include "npu_kernels.h"
#include "npu_op.h"
}

namespace {

using Vec = std::vector<int32_t>;
using Dims = std::vector<uint32_t>;

/* ------------------------------------------------------------------------------------------ */
/* Harness: a layer built by hand, run through its op.                                        */
/* ------------------------------------------------------------------------------------------ */

struct InSpec {
    npu_shape shape;
    uint32_t bits;
    bool is_signed;
};

struct OpLayer {
    npu_layer l{};
    std::vector<Vec> ivars;                /* storage of int32 variables */
    std::vector<std::vector<float>> fvars; /* storage of float variables */
    std::vector<npu_layer> inb;            /* fake inbound layers */
    npu_err err{};

    explicit OpLayer(npu_layer_type t) {
        l.type = t;
        l.p = npu_params_default(t);
        std::snprintf(l.name, sizeof l.name, "L");
    }
    void var(const char *name, const Dims &shape, const Vec &data) {
        ivars.push_back(data);
        add(name, NPU_DTYPE_I32, shape, ivars.back().data(), data.size());
    }
    void fvar(const char *name, const Dims &shape, const std::vector<float> &data) {
        fvars.push_back(data);
        add(name, NPU_DTYPE_F32, shape, fvars.back().data(), data.size());
    }
    void add(const char *name, npu_dtype dt, const Dims &shape, void *data, size_t n) {
        for (uint32_t i = 0; i < l.n_vars; i++) {
            if (std::strcmp(l.vars[i].name, name) == 0) {
                l.vars[i].data = data; /* replace */
                l.vars[i].count = n;
                return;
            }
        }
        npu_var &v = l.vars[l.n_vars++];
        std::snprintf(v.name, sizeof v.name, "%s", name);
        v.dtype = dt;
        v.ndim = (uint32_t)shape.size();
        for (size_t i = 0; i < shape.size(); i++)
            v.shape[i] = shape[i];
        v.count = n;
        v.data = data;
    }
    /* Runs infer; returns its status. */
    npu_status infer(const std::vector<InSpec> &ins) {
        inb.clear();
        for (const InSpec &s : ins) {
            npu_layer x{};
            std::snprintf(x.name, sizeof x.name, "in%zu", inb.size());
            x.out_shape = s.shape;
            x.out_bits = s.bits;
            x.out_signed = s.is_signed;
            inb.push_back(x);
        }
        std::vector<const npu_layer *> ptr;
        for (const npu_layer &x : inb)
            ptr.push_back(&x);
        npu_err_clear(&err);
        return npu_op_get(l.type)->infer(&l, ptr.data(), (uint32_t)ptr.size(), &err);
    }
    /* Checks the layer's variables against its var specs like npu_model_finalize would. */
    void check_specs() {
        npu_var_spec specs[NPU_MAX_VARS];
        uint32_t n = npu_op_get(l.type)->var_specs(&l, specs);
        for (uint32_t i = 0; i < n; i++) {
            const npu_var *v = npu_layer_var(&l, specs[i].name);
            if (!v) {
                EXPECT_TRUE(specs[i].optional) << specs[i].name;
                continue;
            }
            ASSERT_EQ(v->ndim, specs[i].ndim) << specs[i].name;
            for (uint32_t d = 0; d < v->ndim; d++)
                ASSERT_EQ(v->shape[d], specs[i].shape[d]) << specs[i].name << " dim " << d;
            if (v->dtype == NPU_DTYPE_I32)
                for (size_t k = 0; k < v->count; k++) {
                    ASSERT_GE(((int32_t *)v->data)[k], specs[i].min) << specs[i].name;
                    ASSERT_LE(((int32_t *)v->data)[k], specs[i].max) << specs[i].name;
                }
        }
        for (uint32_t k = 0; k < l.n_vars; k++) {
            bool known = false;
            for (uint32_t i = 0; i < n; i++)
                known |= std::strcmp(specs[i].name, l.vars[k].name) == 0;
            EXPECT_TRUE(known) << l.vars[k].name;
        }
    }
    /* infer + spec check + forward of one sample per inbound. */
    Vec run(const std::vector<InSpec> &ins, const std::vector<Vec> &data) {
        EXPECT_EQ(infer(ins), NPU_OK) << err.msg;
        check_specs();
        std::vector<npu_tensor> t(ins.size());
        std::vector<const npu_tensor *> tp;
        std::vector<Vec> copy = data;
        for (size_t i = 0; i < ins.size(); i++) {
            t[i].shape = ins[i].shape;
            t[i].data = copy[i].data();
            tp.push_back(&t[i]);
        }
        Vec out(npu_shape_size(l.out_shape));
        npu_tensor o{l.out_shape, out.data()};
        EXPECT_EQ(npu_op_get(l.type)->forward(&l, tp.data(), (uint32_t)tp.size(), &o, &err), NPU_OK)
            << err.msg;
        EXPECT_EQ(copy, data) << "forward modified its input";
        return out;
    }
    Vec run1(npu_shape s, const Vec &data, bool is_signed = true, uint32_t bits = 8) {
        return run({{s, bits, is_signed}}, {data});
    }
    uint64_t synops(npu_shape s, const Vec &data) {
        Vec copy = data;
        npu_tensor t{s, copy.data()};
        const npu_tensor *tp = &t;
        return npu_op_get(l.type)->synops(&l, &tp, 1);
    }
};

npu_shape S(uint32_t x, uint32_t y, uint32_t c) {
    return npu_shape{x, y, c};
}

/* index of (x, y, c) in a tensor of shape s */
size_t at(npu_shape s, uint32_t x, uint32_t y, uint32_t c) {
    return ((size_t)x * s.y + y) * s.c + c;
}

/* Output-only layer options for the common "raw" case: no ReLU, 32-bit signed output. */
void raw(OpLayer &L) {
    L.l.p.activation = false;
    L.l.p.output_bits = 32;
}

Vec iota(size_t n, int32_t start = 1) {
    Vec v(n);
    for (size_t i = 0; i < n; i++)
        v[i] = start + (int32_t)i;
    return v;
}

/* ------------------------------------------------------------------------------------------ */
/* Arithmetic helpers                                                                         */
/* ------------------------------------------------------------------------------------------ */

TEST(ArithV2, WrapBits) {
    EXPECT_EQ(npu_wrap_bits(200, 8), -56);
    EXPECT_EQ(npu_wrap_bits(127, 8), 127);
    EXPECT_EQ(npu_wrap_bits(128, 8), -128);
    EXPECT_EQ(npu_wrap_bits(-129, 8), 127);
    EXPECT_EQ(npu_wrap_bits(256, 8), 0);
    EXPECT_EQ(npu_wrap_bits(1, 1), -1);
    EXPECT_EQ(npu_wrap_bits(2147483648LL, 32), INT32_MIN);
    EXPECT_EQ(npu_wrap_bits(-2147483649LL, 32), INT32_MAX);
    EXPECT_EQ(npu_wrap_bits(INT64_MIN, 32), 0);
    EXPECT_EQ(npu_wrap_bits(0x7fffffffffffffffLL, 28), -1);
}

TEST(ArithV2, Saturate) {
    EXPECT_EQ(npu_saturate(5, 0, 3), 3);
    EXPECT_EQ(npu_saturate(-5, -2, 3), -2);
    EXPECT_EQ(npu_saturate_signed(200, 8), 127);
    EXPECT_EQ(npu_saturate_signed(-200, 8), -128);
    EXPECT_EQ(npu_saturate_signed(-128, 8), -128);
    EXPECT_EQ(npu_saturate_signed(3, 1), 0);
    EXPECT_EQ(npu_saturate_signed(-3, 1), -1);
    EXPECT_EQ(npu_saturate_signed(INT64_MAX, 32), INT32_MAX);
    EXPECT_EQ(npu_saturate_unsigned(300, 8), 255);
    EXPECT_EQ(npu_saturate_unsigned(-1, 8), 0);
    EXPECT_EQ(npu_saturate_unsigned(1, 1), 1);
    EXPECT_EQ(npu_saturate_unsigned(2, 1), 1);
    EXPECT_EQ(npu_saturate_unsigned(INT64_MAX, 31), INT32_MAX);
}

TEST(ArithV2, ShiftRoundHalfUp) {
    EXPECT_EQ(npu_shift_round(5, 1), 3);   /* 2.5 -> 3 */
    EXPECT_EQ(npu_shift_round(-5, 1), -2); /* -2.5 -> -2 (half up, toward +inf) */
    EXPECT_EQ(npu_shift_round(3, 1), 2);   /* 1.5 -> 2 */
    EXPECT_EQ(npu_shift_round(-3, 1), -1); /* -1.5 -> -1 */
    EXPECT_EQ(npu_shift_round(-7, 2), -2); /* -1.75 -> -2 */
    EXPECT_EQ(npu_shift_round(6, 2), 2);   /* 1.5 -> 2 */
    EXPECT_EQ(npu_shift_round(5, 2), 1);   /* 1.25 -> 1 */
    EXPECT_EQ(npu_shift_round(-6, 2), -1); /* -1.5 -> -1 */
    EXPECT_EQ(npu_shift_round(7, 0), 7);
    EXPECT_EQ(npu_shift_round(5, -3), 40);
    EXPECT_EQ(npu_shift_round(-5, -3), -40);
    EXPECT_EQ(npu_shift_round(INT64_MAX, 63), 1);  /* ~0.99999 -> 1 */
    EXPECT_EQ(npu_shift_round(INT64_MIN, 63), -1); /* -1 exactly */
    EXPECT_EQ(npu_shift_round(INT64_MIN, 64), 0);  /* -1/2 -> 0 */
    EXPECT_EQ(npu_shift_round(INT64_MAX, 100), 0);
    EXPECT_EQ(npu_shift_round((int64_t)1 << 62, -1), INT64_MAX); /* saturates */
    EXPECT_EQ(npu_shift_round(-((int64_t)1 << 62), -1), INT64_MIN);
    EXPECT_EQ(npu_shift_round(-((int64_t)1 << 62) - 1, -1), INT64_MIN);
    EXPECT_EQ(npu_shift_round(1, -62), (int64_t)1 << 62);
    EXPECT_EQ(npu_shift_round(-1, -63), INT64_MIN);
    EXPECT_EQ(npu_shift_round(1, -63), INT64_MAX);
    EXPECT_EQ(npu_shift_round(0, -200), 0);
}

/* ------------------------------------------------------------------------------------------ */
/* Hand-computed cases                                                                        */
/* ------------------------------------------------------------------------------------------ */

/* in (3,3,1) = 1..9, weights w[kx][ky] = 1..9 (C order) */
OpLayer conv3x3(npu_layer_type t, uint32_t stride, npu_padding pad) {
    OpLayer L(t);
    raw(L);
    L.l.p.kernel_x = L.l.p.kernel_y = 3;
    L.l.p.stride_x = L.l.p.stride_y = stride;
    L.l.p.padding = pad;
    L.l.p.filters = 1;
    if (t == NPU_DEPTHWISE_CONV2D)
        L.var("weights", {3, 3, 1}, iota(9));
    else
        L.var("weights", {3, 3, 1, 1}, iota(9));
    return L;
}

TEST(OpsV2Hand, Conv2DCrossCorrelationSamePaddingEdges) {
    OpLayer L = conv3x3(NPU_CONV2D, 1, NPU_PAD_SAME);
    Vec o = L.run1(S(3, 3, 1), iota(9));
    ASSERT_EQ(L.l.out_shape.x, 3u);
    /* corner (0,0): taps (1,1),(1,2),(2,1),(2,2) -> 5*1 + 6*2 + 8*4 + 9*5 */
    EXPECT_EQ(o[0], 94);
    /* centre: sum i*i */
    EXPECT_EQ(o[4], 285);
    /* (2,2): taps (0,0),(0,1),(1,0),(1,1) on in (1,1),(1,2),(2,1),(2,2) -> 1*5+2*6+4*8+5*9 */
    EXPECT_EQ(o[8], 94);
    /* (0,1): kx 1..2, ky 0..2: w 4,5,6,7,8,9 on in 1,2,3,4,5,6 */
    EXPECT_EQ(o[1], 4 * 1 + 5 * 2 + 6 * 3 + 7 * 4 + 8 * 5 + 9 * 6);
}

TEST(OpsV2Hand, Conv2DValidAndStride2) {
    OpLayer V = conv3x3(NPU_CONV2D, 1, NPU_PAD_VALID);
    Vec o = V.run1(S(3, 3, 1), iota(9));
    ASSERT_EQ(o.size(), 1u);
    EXPECT_EQ(o[0], 285);
    /* Same, stride 2: out 2, pad_total (2-1)*2+3-3 = 2, pad_before 1 */
    OpLayer T = conv3x3(NPU_CONV2D, 2, NPU_PAD_SAME);
    o = T.run1(S(3, 3, 1), iota(9));
    ASSERT_EQ(o.size(), 4u);
    EXPECT_EQ(o[0], 94);
    EXPECT_EQ(o[3], 94); /* window rows 1..3, cols 1..3 -> in (1,1),(1,2),(2,1),(2,2) */
    EXPECT_EQ(o[1], 4 * 2 + 5 * 3 + 7 * 5 + 8 * 6); /* (0,1): iy 1..3 -> ky 0,1 */
}

TEST(OpsV2Hand, DepthwiseIsRealConvolution) {
    OpLayer L = conv3x3(NPU_DEPTHWISE_CONV2D, 1, NPU_PAD_SAME);
    Vec o = L.run1(S(3, 3, 1), iota(9));
    /* flipped: corner taps w(1,1)=5, w(1,0)=4, w(0,1)=2, w(0,0)=1 on in 1,2,4,5 */
    EXPECT_EQ(o[0], 5 * 1 + 4 * 2 + 2 * 4 + 1 * 5);
    EXPECT_EQ(o[4], 165); /* sum i * (10 - i) */
}

TEST(OpsV2Hand, DepthwiseChannelsAreSeparate) {
    OpLayer L(NPU_DEPTHWISE_CONV2D);
    raw(L);
    L.l.p.kernel_x = L.l.p.kernel_y = 1;
    L.var("weights", {1, 1, 3}, {2, -3, 4});
    Vec o = L.run1(S(1, 2, 3), {1, 2, 3, 4, 5, 6});
    EXPECT_EQ(o, (Vec{2, -6, 12, 8, -15, 24}));
}

TEST(OpsV2Hand, InputConv2DPaddingValueAndBias) {
    OpLayer L(NPU_INPUT_CONV2D);
    raw(L);
    L.l.p.input_shape = S(2, 2, 1);
    L.l.p.kernel_x = L.l.p.kernel_y = 3;
    L.l.p.filters = 1;
    L.l.p.padding_value = 10;
    L.var("weights", {3, 3, 1, 1}, Vec(9, 1));
    L.var("bias", {1}, {3});
    L.var("bias_shift", {1}, {2});
    ASSERT_EQ(L.infer({}), NPU_OK) << L.err.msg;
    /* every output sees the 4 pixels (sum 10) and 5 padded pixels of 10, + 3 << 2 */
    std::vector<npu_tensor> t(1);
    Vec in{1, 2, 3, 4}, out(4);
    t[0] = npu_tensor{S(2, 2, 1), in.data()};
    const npu_tensor *tp = &t[0];
    npu_tensor o{L.l.out_shape, out.data()};
    ASSERT_EQ(npu_op_input_conv2d.forward(&L.l, &tp, 1, &o, &L.err), NPU_OK);
    EXPECT_EQ(out, (Vec{72, 72, 72, 72}));
    EXPECT_FALSE(L.l.in_signed);
    EXPECT_EQ(L.l.in_bits, 8u);
}

/* Dense1D with a (1,1,1) input of 1 and one weight per unit: unit u outputs pipeline(w[u]). */
OpLayer dense_probe(const Vec &w) {
    OpLayer L(NPU_DENSE1D);
    L.l.p.filters = (uint32_t)w.size();
    L.var("weights", {1, (uint32_t)w.size()}, w);
    return L;
}

TEST(OpsV2Hand, OutputShiftRoundsHalfUp) {
    OpLayer L = dense_probe({5, -5, 6, -6, 7, 5, 5, -7, 100});
    L.l.p.output_bits = 16;
    L.var("output_shift", {9}, {1, 1, 2, 2, 2, 2, -3, 2, 0});
    L.var("output_scale", {9}, {1, 1, 1, 1, 3, 1, 1, 1, 0});
    Vec o = L.run1(S(1, 1, 1), {1});
    /* 2.5->3, -2.5->-2, 1.5->2, -1.5->-1, 21/4=5.25->5, 1.25->1, 5<<3=40, -1.75->-2, x0=0 */
    EXPECT_EQ(o, (Vec{3, -2, 2, -1, 5, 1, 40, -2, 0}));
}

TEST(OpsV2Hand, SaturateToOutputBitsSignedAndReLU) {
    OpLayer L = dense_probe({127, 100, -100, -128, 3});
    L.l.p.output_bits = 8;
    L.var("output_scale", {5}, {2, 1, 2, 1, 50});
    Vec o = L.run1(S(1, 1, 1), {1});
    EXPECT_EQ(o, (Vec{127, 100, -128, -128, 127}));
    EXPECT_TRUE(L.l.out_signed);
    /* ReLU: unsigned 4-bit output */
    OpLayer R = dense_probe({-5, 15, 16, 31, 0});
    R.l.p.activation = true;
    R.l.p.output_bits = 4;
    R.var("output_shift", {5}, {0, 0, 0, 1, 0});
    o = R.run1(S(1, 1, 1), {1});
    EXPECT_EQ(o, (Vec{0, 15, 15, 15, 0})); /* 31 >> 1 = 15.5 -> 16 -> 15 */
    EXPECT_FALSE(R.l.out_signed);
}

TEST(OpsV2Hand, BufferBitsWrapThenBiasSaturates) {
    /* input 2, buffer_bits 8: 2*100 = 200 wraps to -56; -56 + 100 = 44 */
    OpLayer L = dense_probe({100, 60, 60, -64, 50});
    raw(L);
    L.l.p.buffer_bits = 8;
    L.var("bias", {5}, {100, 0, 10, -1, 3});
    L.var("bias_shift", {5}, {0, 0, 0, 0, 4});
    Vec o = L.run1(S(1, 1, 1), {2});
    /* 200->-56+100=44; 120 fits; 120+10=130 saturates to 127; -128-1=-129 -> -128;
       100 + (3<<4)=148 -> 127 */
    EXPECT_EQ(o, (Vec{44, 120, 127, -128, 127}));
}

TEST(OpsV2Hand, BufferBitsWrapIsModuloOfTheExactSum) {
    /* 32-bit wrap: 4 inputs of 2^30 * 127 each: exact sum 508 * 2^30 wraps to -4 * 2^30... */
    OpLayer L(NPU_DENSE1D);
    raw(L);
    L.l.p.filters = 1;
    L.l.p.buffer_bits = 28;
    L.var("weights", {2, 1}, {127, 127});
    Vec o = L.run1(S(1, 1, 2), {1 << 24, 1 << 24}, true, 32);
    /* 254 * 2^24 mod 2^28 = (254 mod 16) * 2^24 = 14 * 2^24, as signed 28-bit: -2 * 2^24 */
    EXPECT_EQ(o[0], -2 * (1 << 24));
}

TEST(OpsV2Hand, InputShiftPerChannel) {
    OpLayer L(NPU_DENSE1D);
    raw(L);
    L.l.p.filters = 1;
    L.var("weights", {4, 1}, {1, 1, 1, 1});
    L.var("input_shift", {2}, {0, 3});
    /* input (1,2,2): channels 0,1,0,1 -> 1 + 2*8 + 3 + 4*8 */
    Vec o = L.run1(S(1, 2, 2), {1, 2, 3, 4});
    EXPECT_EQ(o[0], 1 + 16 + 3 + 32);
}

TEST(OpsV2Hand, MaxPoolBeforeReLUAndScale) {
    OpLayer L(NPU_CONV2D);
    L.l.p.kernel_x = L.l.p.kernel_y = 1;
    L.l.p.filters = 1;
    L.l.p.pool_type = NPU_POOL_MAX;
    L.l.p.pool_x = L.l.p.pool_y = 2;
    L.var("weights", {1, 1, 1, 1}, {1});
    L.var("bias", {1}, {-10});
    L.var("output_shift", {1}, {1});
    /* 4x4: windows {1,2,5,6} {3,4,7,8} {9,10,13,14} {11,12,15,16}, minus 10, ReLU, /2 */
    Vec o = L.run1(S(4, 4, 1), iota(16));
    ASSERT_EQ(L.l.out_shape.x, 2u);
    EXPECT_EQ(o, (Vec{0, 0, 2, 3})); /* -4->0, -2->0, 4/2=2, 6/2=3 */
    /* max of negatives without ReLU */
    OpLayer N(NPU_CONV2D);
    raw(N);
    N.l.p.kernel_x = N.l.p.kernel_y = 1;
    N.l.p.filters = 1;
    N.l.p.pool_type = NPU_POOL_MAX;
    N.l.p.pool_x = N.l.p.pool_y = 2;
    N.var("weights", {1, 1, 1, 1}, {-1});
    o = N.run1(S(4, 4, 1), iota(16));
    EXPECT_EQ(o, (Vec{-1, -3, -9, -11}));
}

TEST(OpsV2Hand, MaxPoolSamePaddingAndStride) {
    OpLayer L(NPU_CONV2D);
    raw(L);
    L.l.p.kernel_x = L.l.p.kernel_y = 1;
    L.l.p.filters = 1;
    L.l.p.pool_type = NPU_POOL_MAX;
    L.l.p.pool_x = L.l.p.pool_y = 2;
    L.var("weights", {1, 1, 1, 1}, {-1});
    /* 3x3 Same pool 2: out 2, pad_total 1, pad_before 0: windows [0,2) and [2,3) */
    Vec o = L.run1(S(3, 3, 1), iota(9));
    EXPECT_EQ(o, (Vec{-1, -3, -7, -9}));
    /* pool 3 stride 1 Valid on 3x4 */
    OpLayer V(NPU_CONV2D);
    raw(V);
    V.l.p.padding = NPU_PAD_VALID;
    V.l.p.kernel_x = V.l.p.kernel_y = 1;
    V.l.p.filters = 1;
    V.l.p.pool_type = NPU_POOL_MAX;
    V.l.p.pool_x = V.l.p.pool_y = 3;
    V.l.p.pool_stride_x = V.l.p.pool_stride_y = 1;
    V.var("weights", {1, 1, 1, 1}, {1});
    o = V.run1(S(3, 4, 1), iota(12));
    EXPECT_EQ(o, (Vec{11, 12}));
}

TEST(OpsV2Hand, GlobalAveragePoolIsSumThenScale) {
    OpLayer L(NPU_CONV2D);
    raw(L);
    L.l.p.output_bits = 8;
    L.l.p.kernel_x = L.l.p.kernel_y = 1;
    L.l.p.filters = 2;
    L.l.p.pool_type = NPU_POOL_AVG;
    L.var("weights", {1, 1, 1, 2}, {1, -1});
    /* mean of 1..9 = 45/9: scale 57, shift 9: 45*57 = 2565 / 512 = 5.0098 -> 5 */
    L.var("output_scale", {2}, {57, 57});
    L.var("output_shift", {2}, {9, 9});
    Vec o = L.run1(S(3, 3, 1), iota(9));
    ASSERT_EQ(L.l.out_shape.x, 1u);
    ASSERT_EQ(L.l.out_shape.c, 2u);
    EXPECT_EQ(o, (Vec{5, -5}));
    /* the sum saturates to buffer_bits: 8-bit buffer, 45 per channel with weight 8 -> 360 */
    OpLayer B(NPU_CONV2D);
    raw(B);
    B.l.p.buffer_bits = 9;
    B.l.p.kernel_x = B.l.p.kernel_y = 1;
    B.l.p.filters = 1;
    B.l.p.pool_type = NPU_POOL_AVG;
    B.var("weights", {1, 1, 1, 1}, {8});
    o = B.run1(S(3, 3, 1), iota(9));
    EXPECT_EQ(o[0], 255);
}

TEST(OpsV2Hand, Conv2DTransposeGeometryK3) {
    OpLayer L(NPU_CONV2D_TRANSPOSE);
    raw(L);
    L.l.p.kernel_x = L.l.p.kernel_y = 3;
    L.l.p.stride_x = L.l.p.stride_y = 2;
    L.l.p.filters = 1;
    L.var("weights", {3, 3, 1, 1}, Vec(9, 1));
    /* pad 0: axis contributions o0:{ix0} o1:{ix0} o2:{ix0,ix1} o3:{ix1} */
    Vec o = L.run1(S(2, 2, 1), {1, 2, 3, 4});
    npu_shape s = L.l.out_shape;
    ASSERT_EQ(s.x, 4u);
    ASSERT_EQ(s.y, 4u);
    EXPECT_EQ(o[at(s, 0, 0, 0)], 1);
    EXPECT_EQ(o[at(s, 0, 2, 0)], 3);
    EXPECT_EQ(o[at(s, 2, 2, 0)], 10);
    EXPECT_EQ(o[at(s, 3, 3, 0)], 4);
    EXPECT_EQ(o[at(s, 2, 3, 0)], 6);
    EXPECT_EQ(o[at(s, 3, 0, 0)], 3);
    /* not flipped: a single input pixel draws the kernel at the origin */
    OpLayer K(NPU_CONV2D_TRANSPOSE);
    raw(K);
    K.l.p.kernel_x = K.l.p.kernel_y = 3;
    K.l.p.stride_x = K.l.p.stride_y = 2;
    K.l.p.filters = 1;
    K.var("weights", {3, 3, 1, 1}, iota(9));
    o = K.run1(S(1, 1, 1), {1});
    EXPECT_EQ(o, (Vec{1, 2, 4, 5})); /* w(0,0) w(0,1) w(1,0) w(1,1) */
}

TEST(OpsV2Hand, Conv2DTransposeGeometryK4) {
    OpLayer L(NPU_CONV2D_TRANSPOSE);
    raw(L);
    L.l.p.kernel_x = L.l.p.kernel_y = 4;
    L.l.p.stride_x = L.l.p.stride_y = 2;
    L.l.p.filters = 2;
    Vec w(32);
    for (int i = 0; i < 16; i++) {
        w[i * 2] = 1;         /* filter 0: ones */
        w[i * 2 + 1] = i + 1; /* filter 1: 1..16 */
    }
    L.var("weights", {4, 4, 1, 2}, w);
    /* pad (4-2)/2 = 1: o0:{ix0} o1:{ix0,ix1} o2:{ix0,ix1} o3:{ix1} */
    Vec o = L.run1(S(2, 2, 1), {1, 2, 3, 4});
    npu_shape s = L.l.out_shape;
    EXPECT_EQ(o[at(s, 0, 0, 0)], 1);
    EXPECT_EQ(o[at(s, 1, 1, 0)], 10);
    EXPECT_EQ(o[at(s, 3, 3, 0)], 4);
    EXPECT_EQ(o[at(s, 0, 3, 0)], 2);
    /* filter 1 at (0,0): only ix=iy=0 with kx=ky=1 -> w(1,1) = 6 */
    EXPECT_EQ(o[at(s, 0, 0, 1)], 6);
    /* (3,3): ix=iy=1 with k=2 -> 4 * w(2,2) = 4 * 11 */
    EXPECT_EQ(o[at(s, 3, 3, 1)], 44);
}

TEST(OpsV2Hand, DepthwiseTransposeAndBiasReLU) {
    OpLayer L(NPU_DEPTHWISE_CONV2D_TRANSPOSE);
    L.l.p.kernel_x = L.l.p.kernel_y = 3;
    L.l.p.stride_x = L.l.p.stride_y = 2;
    Vec w(18);
    for (int i = 0; i < 9; i++) {
        w[i * 2] = i + 1;
        w[i * 2 + 1] = -(i + 1);
    }
    L.var("weights", {3, 3, 2}, w);
    L.var("bias", {2}, {1, 100});
    Vec o = L.run1(S(1, 1, 2), {1, 2});
    npu_shape s = L.l.out_shape;
    ASSERT_EQ(s.c, 2u);
    /* ch0: w(ox,oy) + 1; ch1: 100 - 2 * w(ox,oy), ReLU, unsigned 8 bits */
    EXPECT_EQ(o[at(s, 0, 0, 0)], 2);
    EXPECT_EQ(o[at(s, 1, 1, 0)], 6);
    EXPECT_EQ(o[at(s, 0, 0, 1)], 98);
    EXPECT_EQ(o[at(s, 1, 1, 1)], 90);
}

TEST(OpsV2Hand, Dense1DFlattensAndDense2DRows) {
    OpLayer D(NPU_DENSE1D);
    raw(D);
    D.l.p.filters = 2;
    D.var("weights", {4, 2}, {1, 0, 2, 0, 3, 1, 4, -1});
    Vec o = D.run1(S(2, 1, 2), {1, 1, 1, 2});
    EXPECT_EQ(D.l.out_shape.c, 2u);
    EXPECT_EQ(o, (Vec{1 + 2 + 3 + 8, 1 - 2}));

    OpLayer E(NPU_DENSE2D);
    raw(E);
    E.l.p.filters = 3;
    E.var("weights", {2, 3}, {1, 2, 3, -1, 0, 1});
    o = E.run1(S(1, 2, 2), {1, 1, 2, 5});
    EXPECT_EQ(E.l.out_shape.y, 2u);
    EXPECT_EQ(E.l.out_shape.c, 3u);
    EXPECT_EQ(o, (Vec{0, 2, 4, -3, 4, 11}));
}

TEST(OpsV2Hand, AddShiftsSignConventionAndSaturation) {
    OpLayer L(NPU_ADD);
    L.l.p.output_bits = 8;
    L.var("a_shift", {4}, {1, 0, 2, 0});
    L.var("b_shift", {4}, {0, 2, 0, 0});
    L.var("output_shift", {4}, {0, -1, 1, -1}); /* > 0 left, < 0 right rounding half up */
    npu_shape s = S(1, 2, 4);
    Vec o = L.run({{s, 8, true}, {s, 8, true}},
                  {{10, -10, 7, 3, 100, 0, 0, -3}, {3, 3, 1, 0, 100, 0, 0, 0}});
    /* 20+3=23; -10+12=2 >>1 = 1; 28+1=29 <<1 = 58; 3>>1 = 1.5 -> 2;
       200 -> 127; 0; 0; -3 >> 1 = -1.5 -> -1 */
    EXPECT_EQ(o, (Vec{23, 1, 58, 2, 127, 0, 0, -1}));
    EXPECT_TRUE(L.l.out_signed);
    /* unsigned inputs: unsigned output range, buffer saturation at buffer_bits */
    OpLayer U(NPU_ADD);
    U.l.p.output_bits = 4;
    U.l.p.buffer_bits = 6;
    U.var("output_shift", {1}, {-2});
    o = U.run({{S(1, 1, 1), 4, false}, {S(1, 1, 1), 4, false}}, {{15}, {15}});
    EXPECT_EQ(o[0], 8); /* 30 / 4 = 7.5 -> 8 */
    o = U.run({{S(1, 1, 1), 4, false}, {S(1, 1, 1), 4, false}}, {{40}, {40}});
    EXPECT_EQ(o[0], 8); /* 80 saturates to 31 (6-bit buffer), 31/4 = 7.75 -> 8 */
    EXPECT_FALSE(U.l.out_signed);
}

TEST(OpsV2Hand, Concatenate) {
    OpLayer L(NPU_CONCATENATE);
    Vec o = L.run({{S(1, 2, 1), 4, false}, {S(1, 2, 2), 4, false}}, {{1, 2}, {3, 4, 5, 6}});
    EXPECT_EQ(L.l.out_shape.c, 3u);
    EXPECT_EQ(L.l.out_bits, 4u);
    EXPECT_EQ(o, (Vec{1, 3, 4, 2, 5, 6}));
}

TEST(OpsV2Hand, BatchNormalization) {
    OpLayer L(NPU_BATCH_NORMALIZATION);
    L.var("a", {2}, {3, -2});
    L.var("b", {2}, {1, 5});
    L.var("output_shift", {2}, {1, 0});
    Vec o = L.run1(S(1, 2, 2), {4, 4, 1, 10});
    /* 13/2 = 6.5 -> 7; -8+5 = -3; 4/2 = 2; -20+5 = -15 */
    EXPECT_EQ(o, (Vec{7, -3, 2, -15}));
    L.l.p.activation = true;
    o = L.run1(S(1, 2, 2), {4, 4, 1, 10});
    EXPECT_EQ(o, (Vec{7, 0, 2, 0}));
    /* output saturation (8-bit) and buffer wrap (8-bit) */
    OpLayer B(NPU_BATCH_NORMALIZATION);
    B.l.p.buffer_bits = 8;
    B.var("a", {1}, {100});
    B.var("b", {1}, {0});
    o = B.run1(S(1, 1, 1), {2});
    EXPECT_EQ(o[0], -56);
}

TEST(OpsV2Hand, DequantizerIdentityAndScales) {
    OpLayer L(NPU_DEQUANTIZER);
    L.fvar("scales", {2}, {0.5f, -0.25f});
    Vec o = L.run1(S(1, 2, 2), {3, 4, -8, 1}, true, 8);
    EXPECT_EQ(o, (Vec{3, 4, -8, 1}));
    EXPECT_EQ(L.l.out_bits, 8u);
    EXPECT_TRUE(L.l.out_signed);
    Vec d = o;
    npu_tensor t{L.l.out_shape, d.data()};
    float f[4];
    ASSERT_EQ(npu_dequantize(&L.l, &t, f), NPU_OK);
    EXPECT_FLOAT_EQ(f[0], 1.5f);
    EXPECT_FLOAT_EQ(f[1], -1.0f);
    EXPECT_FLOAT_EQ(f[2], -4.0f);
    EXPECT_FLOAT_EQ(f[3], -0.25f);
    OpLayer C(NPU_CONV2D);
    EXPECT_EQ(npu_dequantize(&C.l, &t, f), NPU_ERR_INPUT);
}

TEST(OpsV2Hand, Synops) {
    OpLayer L = conv3x3(NPU_CONV2D, 1, NPU_PAD_SAME);
    L.l.p.filters = 2;
    ASSERT_EQ(L.infer({{S(3, 3, 1), 8, false}}), NPU_OK);
    /* taps per axis 2,3,2 -> 7*7 = 49, x 2 filters; a zero input removes its taps */
    EXPECT_EQ(L.synops(S(3, 3, 1), Vec(9, 1)), 98u);
    Vec z(9, 1);
    z[4] = 0;
    EXPECT_EQ(L.synops(S(3, 3, 1), z), 98u - 9 * 2);
    OpLayer T(NPU_CONV2D_TRANSPOSE);
    T.l.p.kernel_x = T.l.p.kernel_y = 3;
    T.l.p.stride_x = T.l.p.stride_y = 2;
    T.l.p.filters = 3;
    ASSERT_EQ(T.infer({{S(2, 2, 1), 8, false}}), NPU_OK);
    EXPECT_EQ(T.synops(S(2, 2, 1), Vec(4, 1)), 25u * 3); /* taps 3 + 2 per axis */
    OpLayer D(NPU_DENSE1D);
    D.l.p.filters = 5;
    ASSERT_EQ(D.infer({{S(1, 1, 4), 8, false}}), NPU_OK);
    EXPECT_EQ(D.synops(S(1, 1, 4), {0, 1, 0, 3}), 10u);
}

/* ------------------------------------------------------------------------------------------ */
/* Bad parameters                                                                             */
/* ------------------------------------------------------------------------------------------ */

npu_status infer_with(npu_layer_type t, void (*edit)(npu_params &), npu_shape in, std::string *msg,
                      bool in_signed = false) {
    OpLayer L(t);
    L.l.p.kernel_x = L.l.p.kernel_y = 3;
    L.l.p.filters = 4;
    if (t == NPU_CONV2D_TRANSPOSE || t == NPU_DEPTHWISE_CONV2D_TRANSPOSE)
        L.l.p.stride_x = L.l.p.stride_y = 2;
    L.l.p.input_shape = in;
    edit(L.l.p);
    npu_status st = t == NPU_INPUT_CONV2D ? L.infer({}) : L.infer({{in, 8, in_signed}});
    *msg = L.err.msg;
    return st;
}

TEST(OpsV2Bad, Parameters) {
    std::string m;
    const npu_shape in = S(8, 8, 3);
    EXPECT_EQ(infer_with(
                  NPU_CONV2D, [](npu_params &p) {}, in, &m),
              NPU_OK)
        << m;
    EXPECT_EQ(infer_with(
                  NPU_CONV2D, [](npu_params &p) { p.kernel_x = 0; }, in, &m),
              NPU_ERR_INPUT);
    EXPECT_NE(m.find("kernel_size"), std::string::npos) << m;
    EXPECT_EQ(infer_with(
                  NPU_CONV2D, [](npu_params &p) { p.stride_y = 0; }, in, &m),
              NPU_ERR_INPUT);
    EXPECT_EQ(infer_with(
                  NPU_CONV2D, [](npu_params &p) { p.filters = 0; }, in, &m),
              NPU_ERR_INPUT);
    EXPECT_EQ(infer_with(
                  NPU_CONV2D,
                  [](npu_params &p) {
                      p.padding = NPU_PAD_VALID;
                      p.kernel_x = 9;
                  },
                  in, &m),
              NPU_ERR_INPUT);
    EXPECT_EQ(infer_with(
                  NPU_CONV2D, [](npu_params &p) { p.buffer_bits = 33; }, in, &m),
              NPU_ERR_INPUT);
    EXPECT_NE(m.find("buffer_bits"), std::string::npos) << m;
    EXPECT_EQ(infer_with(
                  NPU_CONV2D, [](npu_params &p) { p.output_bits = 0; }, in, &m),
              NPU_ERR_INPUT);
    EXPECT_EQ(infer_with(
                  NPU_CONV2D, [](npu_params &p) { p.output_bits = 32; }, in, &m),
              NPU_ERR_INPUT); /* ReLU: unsigned 32-bit would not fit int32 */
    EXPECT_EQ(infer_with(
                  NPU_CONV2D,
                  [](npu_params &p) {
                      p.output_bits = 32;
                      p.activation = false;
                  },
                  in, &m),
              NPU_OK);
    EXPECT_EQ(infer_with(
                  NPU_CONV2D,
                  [](npu_params &p) {
                      p.pool_type = NPU_POOL_AVG;
                      p.pool_x = p.pool_y = 2;
                  },
                  in, &m),
              NPU_ERR_INPUT);
    EXPECT_NE(m.find("pool_size"), std::string::npos) << m;
    EXPECT_EQ(infer_with(
                  NPU_CONV2D, [](npu_params &p) { p.pool_type = NPU_POOL_MAX; }, in, &m),
              NPU_ERR_INPUT); /* max pooling without a size */
    EXPECT_EQ(infer_with(
                  NPU_CONV2D,
                  [](npu_params &p) {
                      p.pool_type = NPU_POOL_MAX;
                      p.pool_x = p.pool_y = 2;
                      p.pool_stride_x = 0;
                  },
                  in, &m),
              NPU_ERR_INPUT);
    EXPECT_EQ(infer_with(
                  NPU_CONV2D,
                  [](npu_params &p) {
                      p.padding = NPU_PAD_VALID;
                      p.pool_type = NPU_POOL_MAX;
                      p.pool_x = p.pool_y = 9;
                  },
                  in, &m),
              NPU_ERR_INPUT);
    EXPECT_EQ(infer_with(
                  NPU_CONV2D_TRANSPOSE, [](npu_params &p) {}, in, &m),
              NPU_OK)
        << m;
    EXPECT_EQ(infer_with(
                  NPU_CONV2D_TRANSPOSE, [](npu_params &p) { p.stride_x = 1; }, in, &m),
              NPU_ERR_INPUT);
    EXPECT_NE(m.find("stride"), std::string::npos) << m;
    EXPECT_EQ(infer_with(
                  NPU_DEPTHWISE_CONV2D_TRANSPOSE,
                  [](npu_params &p) { p.stride_x = p.stride_y = 3; }, in, &m),
              NPU_ERR_INPUT);
    EXPECT_EQ(infer_with(
                  NPU_DEPTHWISE_CONV2D_TRANSPOSE, [](npu_params &p) { p.padding = NPU_PAD_VALID; },
                  in, &m),
              NPU_ERR_INPUT);
    EXPECT_EQ(infer_with(
                  NPU_CONV2D_TRANSPOSE,
                  [](npu_params &p) {
                      p.pool_type = NPU_POOL_MAX;
                      p.pool_x = p.pool_y = 2;
                  },
                  in, &m),
              NPU_ERR_INPUT);
    EXPECT_EQ(infer_with(
                  NPU_DENSE1D, [](npu_params &p) { p.filters = 0; }, in, &m),
              NPU_ERR_INPUT);
    EXPECT_EQ(infer_with(
                  NPU_DENSE2D, [](npu_params &p) { p.pool_type = NPU_POOL_AVG; }, in, &m),
              NPU_ERR_INPUT);
    EXPECT_EQ(infer_with(
                  NPU_INPUT_CONV2D, [](npu_params &p) {}, in, &m),
              NPU_OK)
        << m;
    EXPECT_EQ(infer_with(
                  NPU_INPUT_CONV2D, [](npu_params &p) {}, S(8, 8, 2), &m),
              NPU_ERR_INPUT);
    EXPECT_NE(m.find("input_shape"), std::string::npos) << m;
    EXPECT_EQ(infer_with(
                  NPU_INPUT_CONV2D, [](npu_params &p) { p.padding_value = 256; }, in, &m),
              NPU_ERR_INPUT);
    EXPECT_EQ(infer_with(
                  NPU_INPUT_CONV2D, [](npu_params &p) {}, S(0, 8, 3), &m),
              NPU_ERR_INPUT);
    EXPECT_EQ(infer_with(
                  NPU_INPUT_CONV2D, [](npu_params &p) {}, S(65536, 65536, 3), &m),
              NPU_ERR_INPUT); /* refused before anything is allocated */
    EXPECT_EQ(infer_with(
                  NPU_BATCH_NORMALIZATION, [](npu_params &p) { p.buffer_bits = 0; }, in, &m),
              NPU_ERR_INPUT);
}

TEST(OpsV2Bad, MergeLayers) {
    OpLayer A(NPU_ADD);
    EXPECT_EQ(A.infer({{S(2, 2, 3), 8, true}, {S(2, 2, 4), 8, true}}), NPU_ERR_INPUT);
    EXPECT_NE(std::string(A.err.msg).find("shape"), std::string::npos) << A.err.msg;
    EXPECT_EQ(A.infer({{S(2, 2, 3), 8, true}, {S(2, 2, 3), 8, false}}), NPU_ERR_INPUT);
    EXPECT_EQ(A.infer({{S(2, 2, 3), 8, true}}), NPU_ERR_INPUT);
    EXPECT_EQ(A.infer({{S(2, 2, 3), 8, true}, {S(2, 2, 3), 4, true}}), NPU_OK);
    A.l.p.output_bits = 32;
    EXPECT_EQ(A.infer({{S(2, 2, 3), 8, false}, {S(2, 2, 3), 8, false}}), NPU_ERR_INPUT);
    OpLayer C(NPU_CONCATENATE);
    EXPECT_EQ(C.infer({{S(2, 2, 3), 8, true}, {S(2, 3, 3), 8, true}}), NPU_ERR_INPUT);
    EXPECT_EQ(C.infer({{S(2, 2, 3), 8, true}, {S(2, 2, 3), 4, true}}), NPU_ERR_INPUT);
    EXPECT_EQ(C.infer({{S(2, 2, 3), 8, true}, {S(2, 2, 3), 8, false}}), NPU_ERR_INPUT);
    EXPECT_EQ(C.infer({{S(2, 2, 3), 8, true}}), NPU_ERR_INPUT);
    EXPECT_EQ(C.infer({{S(2, 2, 3), 8, true}, {S(2, 2, 1), 8, true}, {S(2, 2, 2), 8, true}}),
              NPU_OK);
    EXPECT_EQ(C.l.out_shape.c, 6u);
}

/* ------------------------------------------------------------------------------------------ */
/* Through the public model API: variable specs checked by npu_model_finalize                 */
/* ------------------------------------------------------------------------------------------ */

struct Model {
    npu_model *m = npu_model_new();
    npu_err err{};
    ~Model() {
        npu_model_free(m);
    }
    uint32_t add(npu_layer_type t, const char *name, const npu_params &p,
                 std::vector<uint32_t> inbound = {}) {
        EXPECT_EQ(npu_model_add(m, t, name, &p, inbound.data(), (uint32_t)inbound.size(), &err),
                  NPU_OK)
            << err.msg;
        return npu_model_layer_count(m) - 1;
    }
    void var(uint32_t layer, const char *name, const Dims &shape, const Vec &data) {
        EXPECT_EQ(npu_model_set_var(m, layer, name, NPU_DTYPE_I32, (uint32_t)shape.size(),
                                    shape.data(), data.data(), &err),
                  NPU_OK)
            << err.msg;
    }
};

npu_params input_params(npu_shape s, uint32_t bits) {
    npu_params p = npu_params_default(NPU_INPUT_DATA);
    p.input_shape = s;
    p.input_bits = bits;
    return p;
}

TEST(OpsV2Model, Conv2DThroughTheApi) {
    Model M;
    M.add(NPU_INPUT_DATA, "in", input_params(S(3, 3, 1), 4));
    npu_params p = npu_params_default(NPU_CONV2D);
    p.kernel_x = p.kernel_y = 3;
    p.filters = 1;
    p.activation = false;
    p.output_bits = 16;
    uint32_t c = M.add(NPU_CONV2D, "conv", p);
    M.var(c, "weights", {3, 3, 1, 1}, iota(9));
    M.var(c, "output_shift", {1}, {1});
    ASSERT_EQ(npu_model_finalize(M.m, &M.err), NPU_OK) << M.err.msg;
    Vec in = iota(9), out_v;
    npu_tensor t{S(3, 3, 1), in.data()}, out{};
    ASSERT_EQ(npu_model_forward(M.m, &t, &out, nullptr, &M.err), NPU_OK) << M.err.msg;
    ASSERT_EQ(npu_shape_size(out.shape), 9u);
    EXPECT_EQ(out.data[0], 47);  /* 94 / 2 */
    EXPECT_EQ(out.data[4], 143); /* 285 / 2 = 142.5 -> 143 */
    npu_tensor_free(&out);
}

TEST(OpsV2Model, BadVariablesAreRefused) {
    auto build = [](Model &M, const Vec &w, const Dims &wshape) {
        M.add(NPU_INPUT_DATA, "in", input_params(S(4, 4, 2), 4));
        npu_params p = npu_params_default(NPU_CONV2D);
        p.kernel_x = p.kernel_y = 3;
        p.filters = 2;
        uint32_t c = M.add(NPU_CONV2D, "conv", p);
        M.var(c, "weights", wshape, w);
        return c;
    };
    {
        Model M;
        build(M, Vec(36, 1), {3, 3, 2, 2});
        ASSERT_EQ(npu_model_finalize(M.m, &M.err), NPU_OK) << M.err.msg;
    }
    {
        Model M;
        Vec w(36, 1);
        w[5] = 128;
        build(M, w, {3, 3, 2, 2});
        EXPECT_EQ(npu_model_finalize(M.m, &M.err), NPU_ERR_INPUT);
        EXPECT_NE(std::string(M.err.msg).find("weights"), std::string::npos) << M.err.msg;
    }
    {
        Model M;
        build(M, Vec(36, 1), {3, 3, 4, 1});
        EXPECT_EQ(npu_model_finalize(M.m, &M.err), NPU_ERR_INPUT);
    }
    {
        Model M;
        uint32_t c = build(M, Vec(36, 1), {3, 3, 2, 2});
        M.var(c, "bias_shift", {2}, {0, 32});
        EXPECT_EQ(npu_model_finalize(M.m, &M.err), NPU_ERR_INPUT);
        EXPECT_NE(std::string(M.err.msg).find("bias_shift"), std::string::npos) << M.err.msg;
    }
    {
        Model M;
        uint32_t c = build(M, Vec(36, 1), {3, 3, 2, 2});
        M.var(c, "output_scale", {2}, {1, -1});
        EXPECT_EQ(npu_model_finalize(M.m, &M.err), NPU_ERR_INPUT);
    }
    {
        Model M;
        uint32_t c = build(M, Vec(36, 1), {3, 3, 2, 2});
        M.var(c, "input_shift", {2}, {0, 1});
        M.var(c, "output_shift", {2}, {-33, 1});
        EXPECT_EQ(npu_model_finalize(M.m, &M.err), NPU_ERR_INPUT);
    }
    {
        Model M;
        M.add(NPU_INPUT_DATA, "in", input_params(S(4, 4, 2), 4));
        uint32_t d = M.add(NPU_DEQUANTIZER, "dq", npu_params_default(NPU_DEQUANTIZER));
        EXPECT_EQ(npu_model_finalize(M.m, &M.err), NPU_ERR_INPUT); /* scales missing */
        M.var(d, "scales", {2}, {1, 1});                           /* int32: wrong dtype */
        EXPECT_EQ(npu_model_finalize(M.m, &M.err), NPU_ERR_INPUT);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Randomized property tests against a naive reference                                        */
/* ------------------------------------------------------------------------------------------ */

using i128 = __int128;

/* Reference arithmetic, written from the definitions (not from npu code). */
int64_t r_wrap(i128 v, uint32_t bits) {
    const i128 m = (i128)1 << bits;
    i128 r = v % m;
    if (r < 0)
        r += m;
    if (r >= m / 2)
        r -= m;
    return (int64_t)r;
}
i128 r_clamp(i128 v, i128 lo, i128 hi) {
    return v < lo ? lo : (v > hi ? hi : v);
}
i128 r_sat_signed(i128 v, uint32_t bits) {
    const i128 h = (i128)1 << (bits - 1);
    return r_clamp(v, -h, h - 1);
}
i128 r_sat_unsigned(i128 v, uint32_t bits) {
    return r_clamp(v, 0, ((i128)1 << bits) - 1);
}
/* floor(v / 2^s + 1/2) for s > 0, v * 2^-s for s <= 0, exact in 128 bits (|v| < 2^64). */
i128 r_shift(i128 v, int s) {
    if (s <= 0)
        return v * ((i128)1 << -s);
    const i128 d = (i128)1 << s;
    const i128 n = 2 * v + d; /* floor((2v + 2^s) / 2^(s+1)) */
    const i128 q = n / (2 * d);
    return (n % (2 * d) < 0) ? q - 1 : q;
}

struct Rng {
    std::mt19937_64 g;
    explicit Rng(uint64_t seed) : g(seed) {}
    int64_t in(int64_t lo, int64_t hi) {
        return std::uniform_int_distribution<int64_t>(lo, hi)(g);
    }
    bool coin(int percent) {
        return in(0, 99) < percent;
    }
    Vec vec(size_t n, int64_t lo, int64_t hi, int zero_percent = 0) {
        Vec v(n);
        for (auto &x : v)
            x = coin(zero_percent) ? 0 : (int32_t)in(lo, hi);
        return v;
    }
};

/* Random optional pipeline variables and parameters of a v2 compute layer. */
struct Pipe {
    Vec bias, bias_shift, scale, shift, in_shift;
    bool has_bias = false, has_bs = false, has_scale = false, has_shift = false,
         has_in_shift = false;
};

Pipe random_pipe(Rng &r, OpLayer &L, uint32_t in_c, uint32_t out_c, bool allow_in_shift) {
    Pipe p;
    L.l.p.buffer_bits = (uint32_t)(r.coin(50) ? 32 : r.in(4, 32));
    L.l.p.activation = r.coin(50);
    L.l.p.output_bits = (uint32_t)(r.coin(30) ? 8 : r.in(1, L.l.p.activation ? 31 : 32));
    if ((p.has_bias = r.coin(70))) {
        p.bias = r.vec(out_c, r.coin(20) ? INT32_MIN : -1000, r.coin(20) ? INT32_MAX : 1000);
        L.var("bias", {out_c}, p.bias);
        if ((p.has_bs = r.coin(60))) {
            p.bias_shift = r.vec(out_c, 0, r.coin(20) ? 31 : 6);
            L.var("bias_shift", {out_c}, p.bias_shift);
        }
    }
    if ((p.has_scale = r.coin(70))) {
        p.scale = r.vec(out_c, 0, r.coin(20) ? INT32_MAX : 300);
        L.var("output_scale", {out_c}, p.scale);
    }
    if ((p.has_shift = r.coin(70))) {
        p.shift = r.vec(out_c, r.coin(20) ? -32 : -3, r.coin(20) ? 63 : 12);
        L.var("output_shift", {out_c}, p.shift);
    }
    if (allow_in_shift && (p.has_in_shift = r.coin(40))) {
        p.in_shift = r.vec(in_c, 0, r.coin(20) ? 31 : 4);
        L.var("input_shift", {in_c}, p.in_shift);
    }
    return p;
}

/* Reference accumulator (exact, 128-bit) -> buffer value with bias, per filter f. */
i128 ref_buffer(const OpLayer &L, const Pipe &p, i128 acc, uint32_t f) {
    i128 v = r_wrap(acc, L.l.p.buffer_bits);
    if (p.has_bias)
        v += (i128)p.bias[f] * ((i128)1 << (p.has_bs ? p.bias_shift[f] : 0));
    return r_sat_signed(v, L.l.p.buffer_bits);
}

/* Reference buffer value -> output value of filter f. */
int32_t ref_output(const OpLayer &L, const Pipe &p, i128 v, uint32_t f) {
    if (L.l.p.activation && v < 0)
        v = 0;
    v *= p.has_scale ? p.scale[f] : 1;
    v = r_shift(v, p.has_shift ? p.shift[f] : 0);
    return (int32_t)(L.l.p.activation ? r_sat_unsigned(v, L.l.p.output_bits)
                                      : r_sat_signed(v, L.l.p.output_bits));
}

i128 shifted_in(const Pipe &p, const Vec &in, size_t i, uint32_t c) {
    return (i128)in[i] * ((i128)1 << (p.has_in_shift ? p.in_shift[c] : 0));
}

/* TensorFlow Same/Valid geometry, from its definition. */
uint32_t r_out(uint32_t in, uint32_t k, uint32_t s, bool same) {
    return same ? (in + s - 1) / s : (in >= k ? (in - k) / s + 1 : 0);
}
int64_t r_pad(uint32_t in, uint32_t k, uint32_t s, bool same) {
    if (!same)
        return 0;
    const int64_t tot = ((int64_t)r_out(in, k, s, same) - 1) * s + k - in;
    return tot > 0 ? tot / 2 : 0;
}

enum class Kind { Conv, Depthwise, ConvT, DepthwiseT, Input };

/* Reference buffer tensor (after bias, before pooling) of a convolution-like layer. */
std::vector<i128> ref_conv(const OpLayer &L, const Pipe &p, Kind kind, npu_shape in, const Vec &x,
                           const Vec &w, npu_shape *co) {
    const npu_params &P = L.l.p;
    const bool dw = kind == Kind::Depthwise || kind == Kind::DepthwiseT;
    const bool tr = kind == Kind::ConvT || kind == Kind::DepthwiseT;
    const uint32_t F = dw ? in.c : P.filters;
    const uint32_t KX = P.kernel_x, KY = P.kernel_y;
    const bool same = P.padding == NPU_PAD_SAME;
    npu_shape o;
    int64_t px, py;
    if (tr) {
        o = S(in.x * P.stride_x, in.y * P.stride_y, F);
        px = KX > P.stride_x ? (KX - P.stride_x) / 2 : 0;
        py = KY > P.stride_y ? (KY - P.stride_y) / 2 : 0;
    } else {
        o = S(r_out(in.x, KX, P.stride_x, same), r_out(in.y, KY, P.stride_y, same), F);
        px = r_pad(in.x, KX, P.stride_x, same);
        py = r_pad(in.y, KY, P.stride_y, same);
    }
    *co = o;
    std::vector<i128> acc(npu_shape_size(o));
    for (uint32_t ox = 0; ox < o.x; ox++)
        for (uint32_t oy = 0; oy < o.y; oy++)
            for (uint32_t f = 0; f < F; f++) {
                i128 sum = 0;
                for (uint32_t kx = 0; kx < KX; kx++)
                    for (uint32_t ky = 0; ky < KY; ky++) {
                        int64_t ix, iy;
                        uint32_t wx = kx, wy = ky;
                        if (tr) {
                            /* gather form: out[o] = sum_k up[o + pad - k] * w[k], up the
                               input dilated by the stride */
                            const int64_t ux = (int64_t)ox + px - kx, uy = (int64_t)oy + py - ky;
                            if (ux < 0 || uy < 0 || ux % P.stride_x || uy % P.stride_y)
                                continue;
                            ix = ux / P.stride_x;
                            iy = uy / P.stride_y;
                        } else {
                            ix = (int64_t)ox * P.stride_x + kx - px;
                            iy = (int64_t)oy * P.stride_y + ky - py;
                            if (kind == Kind::Depthwise) {
                                wx = KX - 1 - kx;
                                wy = KY - 1 - ky;
                            }
                        }
                        const bool outside = ix < 0 || iy < 0 || ix >= in.x || iy >= in.y;
                        if (outside && kind != Kind::Input)
                            continue;
                        for (uint32_t c = 0; c < in.c; c++) {
                            if (dw && c != f)
                                continue;
                            const i128 v = outside ? (i128)P.padding_value
                                                   : shifted_in(p, x, at(in, ix, iy, c), c);
                            const size_t wi = dw ? ((size_t)wx * KY + wy) * in.c + c
                                                 : (((size_t)wx * KY + wy) * in.c + c) * F + f;
                            sum += v * w[wi];
                        }
                    }
                acc[at(o, ox, oy, f)] = ref_buffer(L, p, sum, f);
            }
    return acc;
}

/* Reference pooling (max with the layer padding, or global sum) then the output stage. */
Vec ref_pool_out(const OpLayer &L, const Pipe &p, const std::vector<i128> &b, npu_shape co,
                 bool pool) {
    const npu_params &P = L.l.p;
    Vec out;
    if (!pool || P.pool_type == NPU_POOL_NONE) {
        for (size_t i = 0; i < b.size(); i++)
            out.push_back(ref_output(L, p, b[i], (uint32_t)(i % co.c)));
        return out;
    }
    if (P.pool_type == NPU_POOL_AVG) {
        for (uint32_t c = 0; c < co.c; c++) {
            i128 s = 0;
            for (uint32_t x = 0; x < co.x; x++)
                for (uint32_t y = 0; y < co.y; y++)
                    s += b[at(co, x, y, c)];
            out.push_back(ref_output(L, p, r_sat_signed(s, P.buffer_bits), c));
        }
        return out;
    }
    const bool same = P.padding == NPU_PAD_SAME;
    const uint32_t sx = P.pool_stride_x == -1 ? P.pool_x : P.pool_stride_x;
    const uint32_t sy = P.pool_stride_y == -1 ? P.pool_y : P.pool_stride_y;
    const uint32_t ox_n = r_out(co.x, P.pool_x, sx, same), oy_n = r_out(co.y, P.pool_y, sy, same);
    const int64_t px = r_pad(co.x, P.pool_x, sx, same), py = r_pad(co.y, P.pool_y, sy, same);
    for (uint32_t ox = 0; ox < ox_n; ox++)
        for (uint32_t oy = 0; oy < oy_n; oy++)
            for (uint32_t c = 0; c < co.c; c++) {
                bool any = false;
                i128 m = 0;
                for (int64_t x = (int64_t)ox * sx - px; x < (int64_t)ox * sx - px + P.pool_x; x++)
                    for (int64_t y = (int64_t)oy * sy - py; y < (int64_t)oy * sy - py + P.pool_y;
                         y++) {
                        if (x < 0 || y < 0 || x >= co.x || y >= co.y)
                            continue;
                        const i128 v = b[at(co, (uint32_t)x, (uint32_t)y, c)];
                        m = any ? (v > m ? v : m) : v;
                        any = true;
                    }
                EXPECT_TRUE(any);
                out.push_back(ref_output(L, p, m, c));
            }
    return out;
}

/* Random input values: mostly small (like 4/8-bit activations), sometimes full int32 to
 * exercise the 32-bit wrap, with zeros (events are non-zero values). */
Vec random_input(Rng &r, size_t n, bool is_signed, bool wide) {
    if (wide)
        return r.vec(n, INT32_MIN, INT32_MAX, 30);
    return r.vec(n, is_signed ? -128 : 0, 255, 30);
}

void random_conv_case(Rng &r, Kind kind, int iter) {
    const npu_layer_type t = kind == Kind::Conv         ? NPU_CONV2D
                             : kind == Kind::Depthwise  ? NPU_DEPTHWISE_CONV2D
                             : kind == Kind::ConvT      ? NPU_CONV2D_TRANSPOSE
                             : kind == Kind::DepthwiseT ? NPU_DEPTHWISE_CONV2D_TRANSPOSE
                                                        : NPU_INPUT_CONV2D;
    const bool tr = kind == Kind::ConvT || kind == Kind::DepthwiseT;
    const bool dw = kind == Kind::Depthwise || kind == Kind::DepthwiseT;
    OpLayer L(t);
    npu_params &P = L.l.p;
    npu_shape in = S((uint32_t)r.in(1, 9), (uint32_t)r.in(1, 9),
                     kind == Kind::Input ? (r.coin(50) ? 1 : 3) : (uint32_t)r.in(1, 5));
    P.kernel_x = (uint32_t)r.in(1, tr ? 5 : 6);
    P.kernel_y = r.coin(70) ? P.kernel_x : (uint32_t)r.in(1, 6);
    P.filters = dw ? 0 : (uint32_t)r.in(1, 6);
    const uint32_t F = dw ? in.c : P.filters;
    if (tr) {
        P.stride_x = P.stride_y = 2;
    } else {
        P.stride_x = (uint32_t)r.in(1, 3);
        P.stride_y = r.coin(70) ? P.stride_x : (uint32_t)r.in(1, 3);
        P.padding = r.coin(50) ? NPU_PAD_SAME : NPU_PAD_VALID;
        if (P.padding == NPU_PAD_VALID) {
            in.x = std::max(in.x, P.kernel_x);
            in.y = std::max(in.y, P.kernel_y);
        }
        const int pool = (int)r.in(0, 2);
        if (pool == 1) {
            P.pool_type = NPU_POOL_MAX;
            P.pool_x = (int32_t)r.in(1, 3);
            P.pool_y = r.coin(70) ? P.pool_x : (int32_t)r.in(1, 3);
            P.pool_stride_x = r.coin(50) ? -1 : (int32_t)r.in(1, 3);
            P.pool_stride_y = r.coin(50) ? P.pool_stride_x : (int32_t)r.in(1, 3);
            if (P.padding == NPU_PAD_VALID) { /* keep the pool inside the conv output */
                in.x += (uint32_t)P.pool_x * P.stride_x;
                in.y += (uint32_t)P.pool_y * P.stride_y;
            }
        } else if (pool == 2) {
            P.pool_type = NPU_POOL_AVG;
        }
    }
    if (kind == Kind::Input) {
        P.input_shape = in;
        P.padding_value = r.coin(50) ? 0 : (int32_t)r.in(0, 255);
    }
    const size_t wn =
        dw ? (size_t)P.kernel_x * P.kernel_y * in.c : (size_t)P.kernel_x * P.kernel_y * in.c * F;
    const Vec w = r.vec(wn, -128, 127, 20);
    if (dw)
        L.var("weights", {P.kernel_x, P.kernel_y, in.c}, w);
    else
        L.var("weights", {P.kernel_x, P.kernel_y, in.c, F}, w);
    const Pipe p = random_pipe(r, L, in.c, F, kind != Kind::Input);
    const bool is_signed = kind != Kind::Input && r.coin(50);
    const Vec x = kind == Kind::Input ? r.vec(npu_shape_size(in), 0, 255, 20)
                                      : random_input(r, npu_shape_size(in), is_signed, r.coin(15));

    Vec got;
    if (kind == Kind::Input) {
        ASSERT_EQ(L.infer({}), NPU_OK) << L.err.msg;
        L.check_specs();
        got.resize(npu_shape_size(L.l.out_shape));
        Vec copy = x;
        npu_tensor ti{in, copy.data()}, to{L.l.out_shape, got.data()};
        const npu_tensor *tp = &ti;
        ASSERT_EQ(npu_op_input_conv2d.forward(&L.l, &tp, 1, &to, &L.err), NPU_OK);
    } else {
        got = L.run1(in, x, is_signed, 8);
    }
    npu_shape co;
    const std::vector<i128> b = ref_conv(L, p, kind, in, x, w, &co);
    const Vec want = ref_pool_out(L, p, b, co, !tr);
    ASSERT_EQ(got.size(), want.size()) << "iteration " << iter;
    for (size_t i = 0; i < want.size(); i++)
        ASSERT_EQ(got[i], want[i]) << "iteration " << iter << " index " << i;
}

TEST(OpsV2Random, Conv2D) {
    Rng r(1);
    for (int i = 0; i < 300; i++)
        random_conv_case(r, Kind::Conv, i);
}
TEST(OpsV2Random, DepthwiseConv2D) {
    Rng r(2);
    for (int i = 0; i < 300; i++)
        random_conv_case(r, Kind::Depthwise, i);
}
TEST(OpsV2Random, InputConv2D) {
    Rng r(3);
    for (int i = 0; i < 300; i++)
        random_conv_case(r, Kind::Input, i);
}
TEST(OpsV2Random, Conv2DTranspose) {
    Rng r(4);
    for (int i = 0; i < 300; i++)
        random_conv_case(r, Kind::ConvT, i);
}
TEST(OpsV2Random, DepthwiseConv2DTranspose) {
    Rng r(5);
    for (int i = 0; i < 300; i++)
        random_conv_case(r, Kind::DepthwiseT, i);
}

void random_dense_case(Rng &r, bool two_d, int iter) {
    OpLayer L(two_d ? NPU_DENSE2D : NPU_DENSE1D);
    const npu_shape in = S((uint32_t)r.in(1, 3), (uint32_t)r.in(1, 5), (uint32_t)r.in(1, 6));
    L.l.p.filters = (uint32_t)r.in(1, 8);
    const uint32_t U = L.l.p.filters;
    const uint32_t n = two_d ? in.c : (uint32_t)npu_shape_size(in);
    const Vec w = r.vec((size_t)n * U, -128, 127, 20);
    L.var("weights", {n, U}, w);
    const Pipe p = random_pipe(r, L, in.c, U, true);
    const bool is_signed = r.coin(50);
    const Vec x = random_input(r, npu_shape_size(in), is_signed, r.coin(15));
    const Vec got = L.run1(in, x, is_signed, 8);
    Vec want;
    const size_t rows = two_d ? (size_t)in.x * in.y : 1;
    for (size_t row = 0; row < rows; row++)
        for (uint32_t u = 0; u < U; u++) {
            i128 s = 0;
            for (uint32_t i = 0; i < n; i++) {
                const size_t xi = row * n + i;
                s += shifted_in(p, x, xi, (uint32_t)(xi % in.c)) * w[(size_t)i * U + u];
            }
            want.push_back(ref_output(L, p, ref_buffer(L, p, s, u), u));
        }
    ASSERT_EQ(got, want) << "iteration " << iter;
}

TEST(OpsV2Random, Dense1D) {
    Rng r(6);
    for (int i = 0; i < 300; i++)
        random_dense_case(r, false, i);
}
TEST(OpsV2Random, Dense2D) {
    Rng r(7);
    for (int i = 0; i < 300; i++)
        random_dense_case(r, true, i);
}

TEST(OpsV2Random, Add) {
    Rng r(8);
    for (int it = 0; it < 300; it++) {
        OpLayer L(NPU_ADD);
        const npu_shape s = S((uint32_t)r.in(1, 4), (uint32_t)r.in(1, 4), (uint32_t)r.in(1, 5));
        const bool sg = r.coin(50);
        L.l.p.buffer_bits = (uint32_t)(r.coin(50) ? 32 : r.in(2, 32));
        L.l.p.output_bits = (uint32_t)r.in(1, sg ? 32 : 31);
        Vec as(s.c, 0), bs(s.c, 0), os(s.c, 0);
        if (r.coin(70))
            L.var("a_shift", {s.c}, as = r.vec(s.c, 0, r.coin(20) ? 31 : 4));
        if (r.coin(70))
            L.var("b_shift", {s.c}, bs = r.vec(s.c, 0, r.coin(20) ? 31 : 4));
        if (r.coin(70))
            L.var("output_shift", {s.c},
                  os = r.vec(s.c, r.coin(20) ? -63 : -6, r.coin(20) ? 32 : 4));
        const bool wide = r.coin(20);
        const Vec a = wide ? r.vec(npu_shape_size(s), sg ? INT32_MIN : 0, INT32_MAX)
                           : r.vec(npu_shape_size(s), sg ? -128 : 0, 255);
        const Vec b = wide ? r.vec(npu_shape_size(s), sg ? INT32_MIN : 0, INT32_MAX)
                           : r.vec(npu_shape_size(s), sg ? -128 : 0, 255);
        const Vec got = L.run({{s, 8, sg}, {s, 8, sg}}, {a, b});
        Vec want;
        for (size_t i = 0; i < a.size(); i++) {
            const uint32_t c = (uint32_t)(i % s.c);
            i128 v = (i128)a[i] * ((i128)1 << as[c]) + (i128)b[i] * ((i128)1 << bs[c]);
            v = r_sat_signed(v, L.l.p.buffer_bits);
            v = r_shift(v, -os[c]); /* Add: positive output_shift = left shift */
            want.push_back((int32_t)(sg ? r_sat_signed(v, L.l.p.output_bits)
                                        : r_sat_unsigned(v, L.l.p.output_bits)));
        }
        ASSERT_EQ(got, want) << "iteration " << it;
    }
}

TEST(OpsV2Random, Concatenate) {
    Rng r(9);
    for (int it = 0; it < 100; it++) {
        OpLayer L(NPU_CONCATENATE);
        const uint32_t X = (uint32_t)r.in(1, 4), Y = (uint32_t)r.in(1, 4);
        const int n = (int)r.in(2, 5);
        std::vector<InSpec> ins;
        std::vector<Vec> data;
        for (int k = 0; k < n; k++) {
            ins.push_back({S(X, Y, (uint32_t)r.in(1, 4)), 4, false});
            data.push_back(r.vec(npu_shape_size(ins.back().shape), 0, 15));
        }
        const Vec got = L.run(ins, data);
        Vec want;
        for (uint32_t x = 0; x < X; x++)
            for (uint32_t y = 0; y < Y; y++)
                for (int k = 0; k < n; k++)
                    for (uint32_t c = 0; c < ins[k].shape.c; c++)
                        want.push_back(data[k][at(ins[k].shape, x, y, c)]);
        ASSERT_EQ(got, want) << "iteration " << it;
    }
}

TEST(OpsV2Random, BatchNormalization) {
    Rng r(10);
    for (int it = 0; it < 300; it++) {
        OpLayer L(NPU_BATCH_NORMALIZATION);
        const npu_shape s = S((uint32_t)r.in(1, 4), (uint32_t)r.in(1, 4), (uint32_t)r.in(1, 5));
        L.l.p.activation = r.coin(50);
        L.l.p.buffer_bits = (uint32_t)(r.coin(50) ? 32 : r.in(4, 32));
        L.l.p.output_bits = (uint32_t)r.in(1, L.l.p.activation ? 31 : 32);
        const bool wide = r.coin(20);
        const Vec a = r.vec(s.c, wide ? INT32_MIN : -300, wide ? INT32_MAX : 300);
        const Vec b = r.vec(s.c, wide ? INT32_MIN : -3000, wide ? INT32_MAX : 3000);
        Vec sh(s.c, 0);
        L.var("a", {s.c}, a);
        L.var("b", {s.c}, b);
        if (r.coin(70))
            L.var("output_shift", {s.c}, sh = r.vec(s.c, -32, r.coin(20) ? 63 : 8));
        const Vec x = random_input(r, npu_shape_size(s), true, r.coin(15));
        const Vec got = L.run1(s, x, true, 8);
        Vec want;
        for (size_t i = 0; i < x.size(); i++) {
            const uint32_t c = (uint32_t)(i % s.c);
            i128 v = r_wrap((i128)a[c] * x[i], L.l.p.buffer_bits) + b[c];
            v = r_sat_signed(v, L.l.p.buffer_bits);
            if (L.l.p.activation && v < 0)
                v = 0;
            v = r_shift(v, sh[c]);
            want.push_back((int32_t)(L.l.p.activation ? r_sat_unsigned(v, L.l.p.output_bits)
                                                      : r_sat_signed(v, L.l.p.output_bits)));
        }
        ASSERT_EQ(got, want) << "iteration " << it;
    }
}

TEST(OpsV2Random, Dequantizer) {
    Rng r(11);
    for (int it = 0; it < 100; it++) {
        OpLayer L(NPU_DEQUANTIZER);
        const npu_shape s = S((uint32_t)r.in(1, 4), (uint32_t)r.in(1, 4), (uint32_t)r.in(1, 5));
        std::vector<float> sc(s.c);
        for (auto &f : sc)
            f = (float)r.in(-1000, 1000) / 64.0f;
        L.fvar("scales", {s.c}, sc);
        const Vec x = r.vec(npu_shape_size(s), INT32_MIN, INT32_MAX);
        const Vec got = L.run1(s, x, true, 32);
        ASSERT_EQ(got, x);
        Vec copy = got;
        npu_tensor t{s, copy.data()};
        std::vector<float> f(x.size());
        ASSERT_EQ(npu_dequantize(&L.l, &t, f.data()), NPU_OK);
        for (size_t i = 0; i < x.size(); i++)
            ASSERT_EQ(f[i], (float)((long double)x[i] * sc[i % s.c])) << i;
    }
}

} // namespace
