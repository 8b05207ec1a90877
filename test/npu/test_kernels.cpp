// test_kernels: the shared integer kernels of npu/src/npu_kernels.h (geometry, conv2d,
// depthwise2d, dense, maxpool, global sum). Hand-computed cases pin the semantics (flip,
// padding, pad value, strides, wrap arithmetic); randomized property tests compare every
// kernel with a naive int64 reference written here (results compared modulo 2^32), over
// shapes that exercise the fast path's border handling, tile tails, and filter counts that
// are not multiples of the vector width, with values inside and outside the 8-bit fast path.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

extern "C" {
#include "npu_kernels.h"
}

namespace {

using Vec = std::vector<int32_t>;

npu_shape shape(uint32_t x, uint32_t y, uint32_t c) {
    return npu_shape{x, y, c};
}

// ---- naive references (independent of the module) ----

// TensorFlow geometry: output size and padding before, along one axis.
void ref_axis(int64_t in, int64_t k, int64_t s, bool same, int64_t *out, int64_t *pad) {
    if (same) {
        *out = (in + s - 1) / s;
        const int64_t total = (*out - 1) * s + k - in;
        *pad = total > 0 ? total / 2 : 0;
    } else {
        *out = in >= k ? (in - k) / s + 1 : 0;
        *pad = 0;
    }
}

struct RefConv {
    int64_t ix, iy, c, kx, ky, f, sx, sy;
    bool same, flip;
    int64_t pad_value;
};

// out[ox,oy,f] = sum in[ox*s+kx-pad, oy*s+ky-pad, c] * w[kx', ky', c, f] in int64.
std::vector<int64_t> ref_conv(const RefConv &p, const Vec &in, const Vec &w, bool depthwise) {
    int64_t ox_n, oy_n, px, py;
    ref_axis(p.ix, p.kx, p.sx, p.same, &ox_n, &px);
    ref_axis(p.iy, p.ky, p.sy, p.same, &oy_n, &py);
    const int64_t f_n = depthwise ? p.c : p.f;
    std::vector<int64_t> out(ox_n * oy_n * f_n, 0);
    for (int64_t ox = 0; ox < ox_n; ox++)
        for (int64_t oy = 0; oy < oy_n; oy++)
            for (int64_t f = 0; f < f_n; f++) {
                uint64_t sum = 0; // int64 products, summed modulo 2^64 (no overflow UB)
                for (int64_t kx = 0; kx < p.kx; kx++)
                    for (int64_t ky = 0; ky < p.ky; ky++) {
                        const int64_t x = ox * p.sx + kx - px, y = oy * p.sy + ky - py;
                        const bool inside = x >= 0 && y >= 0 && x < p.ix && y < p.iy;
                        const int64_t wx = p.flip ? p.kx - 1 - kx : kx;
                        const int64_t wy = p.flip ? p.ky - 1 - ky : ky;
                        for (int64_t c = 0; c < p.c; c++) {
                            if (depthwise && c != f)
                                continue;
                            const int64_t v = inside ? in[(x * p.iy + y) * p.c + c] : p.pad_value;
                            const int64_t wv = depthwise
                                                   ? w[(wx * p.ky + wy) * p.c + c]
                                                   : w[((wx * p.ky + wy) * p.c + c) * p.f + f];
                            sum += static_cast<uint64_t>(v * wv);
                        }
                    }
                out[(ox * oy_n + oy) * f_n + f] = static_cast<int64_t>(sum);
            }
    return out;
}

void expect_mod32(const std::vector<int64_t> &ref, const Vec &got, const char *what) {
    ASSERT_EQ(ref.size(), got.size()) << what;
    for (size_t i = 0; i < ref.size(); i++) {
        ASSERT_EQ(static_cast<uint32_t>(ref[i]), static_cast<uint32_t>(got[i]))
            << what << " index " << i;
    }
}

Vec random_vec(std::mt19937 &rng, size_t n, int32_t lo, int32_t hi, double zero_frac) {
    std::uniform_int_distribution<int32_t> d(lo, hi);
    std::uniform_real_distribution<double> z(0.0, 1.0);
    Vec v(n);
    for (auto &x : v)
        x = z(rng) < zero_frac ? 0 : d(rng);
    return v;
}

Vec run_conv(const RefConv &p, const Vec &in, const Vec &w, bool depthwise) {
    npu_conv_geom g;
    npu_conv_geom_init(&g, shape(p.ix, p.iy, p.c), depthwise ? p.c : p.f, p.kx, p.ky, p.sx, p.sy,
                       p.same ? NPU_PAD_SAME : NPU_PAD_VALID, static_cast<int32_t>(p.pad_value),
                       p.flip);
    Vec out(npu_shape_size(g.out), 0x5a5a5a5a);
    if (depthwise)
        npu_depthwise2d(&g, in.data(), w.data(), out.data());
    else
        npu_conv2d(&g, in.data(), w.data(), out.data());
    return out;
}

// ---- geometry ----

TEST(KernelGeom, SameOutputAndPadding) {
    EXPECT_EQ(npu_out_size(5, 3, 1, NPU_PAD_SAME), 5u);
    EXPECT_EQ(npu_pad_before(5, 3, 1, NPU_PAD_SAME), 1u);
    EXPECT_EQ(npu_out_size(6, 3, 2, NPU_PAD_SAME), 3u); // pad_total 1
    EXPECT_EQ(npu_pad_before(6, 3, 2, NPU_PAD_SAME), 0u);
    EXPECT_EQ(npu_out_size(5, 3, 2, NPU_PAD_SAME), 3u); // pad_total 2
    EXPECT_EQ(npu_pad_before(5, 3, 2, NPU_PAD_SAME), 1u);
    EXPECT_EQ(npu_out_size(7, 3, 3, NPU_PAD_SAME), 3u); // pad_total 2
    EXPECT_EQ(npu_pad_before(7, 3, 3, NPU_PAD_SAME), 1u);
    EXPECT_EQ(npu_out_size(4, 2, 1, NPU_PAD_SAME), 4u); // pad_total 1 -> all after
    EXPECT_EQ(npu_pad_before(4, 2, 1, NPU_PAD_SAME), 0u);
    EXPECT_EQ(npu_out_size(224, 3, 2, NPU_PAD_SAME), 112u);
    EXPECT_EQ(npu_pad_before(224, 3, 2, NPU_PAD_SAME), 0u);
    EXPECT_EQ(npu_out_size(2, 5, 1, NPU_PAD_SAME), 2u); // kernel larger than input
    EXPECT_EQ(npu_pad_before(2, 5, 1, NPU_PAD_SAME), 2u);
    EXPECT_EQ(npu_out_size(8, 1, 3, NPU_PAD_SAME), 3u); // stride > kernel: no padding
    EXPECT_EQ(npu_pad_before(8, 1, 3, NPU_PAD_SAME), 0u);
}

TEST(KernelGeom, ValidOutputAndPadding) {
    EXPECT_EQ(npu_out_size(5, 3, 1, NPU_PAD_VALID), 3u);
    EXPECT_EQ(npu_out_size(6, 3, 2, NPU_PAD_VALID), 2u);
    EXPECT_EQ(npu_out_size(7, 3, 3, NPU_PAD_VALID), 2u);
    EXPECT_EQ(npu_out_size(3, 3, 2, NPU_PAD_VALID), 1u);
    EXPECT_EQ(npu_pad_before(7, 3, 3, NPU_PAD_VALID), 0u);
}

TEST(KernelGeom, DegenerateInputsGiveEmptyOutput) {
    EXPECT_EQ(npu_out_size(2, 3, 1, NPU_PAD_VALID), 0u); // input smaller than kernel
    EXPECT_EQ(npu_out_size(5, 3, 0, NPU_PAD_SAME), 0u);  // stride 0 is invalid
    EXPECT_EQ(npu_out_size(5, 3, 0, NPU_PAD_VALID), 0u);
    EXPECT_EQ(npu_out_size(0, 1, 1, NPU_PAD_SAME), 0u);
    EXPECT_EQ(npu_pad_before(2, 3, 1, NPU_PAD_VALID), 0u);
}

TEST(KernelGeom, InitFillsAllFields) {
    npu_conv_geom g;
    npu_conv_geom_init(&g, shape(7, 6, 3), 5, 3, 2, 3, 2, NPU_PAD_SAME, 9, true);
    EXPECT_EQ(g.out.x, 3u);
    EXPECT_EQ(g.out.y, 3u);
    EXPECT_EQ(g.out.c, 5u);
    EXPECT_EQ(g.pad_x, 1u); // x: total 6+3-7 = 2
    EXPECT_EQ(g.pad_y, 0u); // y: total 4+2-6 = 0
    EXPECT_EQ(g.kx, 3u);
    EXPECT_EQ(g.ky, 2u);
    EXPECT_EQ(g.sx, 3u);
    EXPECT_EQ(g.sy, 2u);
    EXPECT_EQ(g.pad_value, 9);
    EXPECT_TRUE(g.flip);
    EXPECT_EQ(g.in.x, 7u);
}

// ---- conv2d, hand-computed ----

// in[x][y] = 3x + y + 1 (3x3x1), w[kx][ky] = {{1,2},{3,4}}, Valid, 1 filter.
TEST(KernelConv, CrossCorrelationVersusRealConvolution) {
    const Vec in = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    const Vec w = {1, 2, 3, 4};
    RefConv p{3, 3, 1, 2, 2, 1, 1, 1, false, false, 0};
    EXPECT_EQ(run_conv(p, in, w, false), (Vec{37, 47, 67, 77}));
    p.flip = true; // effective kernel {{4,3},{2,1}}
    EXPECT_EQ(run_conv(p, in, w, false), (Vec{23, 33, 53, 63}));
}

// 1-D along x: in = [1..5], w = [1, 10, 100], Same, stride 2: out 3, pad_before 1.
TEST(KernelConv, SameStrideTwoWithPadValue) {
    const Vec in = {1, 2, 3, 4, 5};
    const Vec w = {1, 10, 100};
    RefConv p{5, 1, 1, 3, 1, 1, 2, 1, true, false, 0};
    EXPECT_EQ(run_conv(p, in, w, false), (Vec{210, 432, 54}));
    p.pad_value = 7; // padded pixels at x = -1 and x = 5
    EXPECT_EQ(run_conv(p, in, w, false), (Vec{217, 432, 754}));
    p.pad_value = 0;
    p.flip = true; // effective kernel [100, 10, 1]
    EXPECT_EQ(run_conv(p, in, w, false), (Vec{12, 234, 450}));
}

// 2x2 input summing to 10, 3x3 all-ones kernel, Same: every window holds all 4 inputs and
// 5 padded pixels.
TEST(KernelConv, PadValueFillsBorder) {
    const Vec in = {1, 2, 3, 4};
    const Vec w(9, 1);
    RefConv p{2, 2, 1, 3, 3, 1, 1, 1, true, false, 10};
    EXPECT_EQ(run_conv(p, in, w, false), (Vec{60, 60, 60, 60}));
    p.pad_value = 0;
    EXPECT_EQ(run_conv(p, in, w, false), (Vec{10, 10, 10, 10}));
}

// Two channels, three filters, 1x1 kernel: acc[f] = in0*w[0][f] + in1*w[1][f].
TEST(KernelConv, ChannelAndFilterLayout) {
    const Vec in = {2, 3};
    const Vec w = {1, -2, 5, 10, 20, -30};
    RefConv p{1, 1, 2, 1, 1, 3, 1, 1, false, false, 0};
    EXPECT_EQ(run_conv(p, in, w, false), (Vec{32, 56, -80}));
}

// Products and sums wrap modulo 2^32 (values outside the 8-bit fast path).
TEST(KernelConv, WrapsModulo32Bits) {
    RefConv p{1, 1, 2, 1, 1, 2, 1, 1, false, false, 0};
    const Vec in = {65536, 1};
    const Vec w = {65536, 65537, 0, 5}; // in0*w: 2^32 -> 0, 2^32 + 65536 -> 65536
    EXPECT_EQ(run_conv(p, in, w, false), (Vec{0, 65536 + 5}));
    const Vec in2 = {INT32_MAX, INT32_MAX};
    const Vec w2 = {1, 2, 1, 0}; // f0: 2*(2^31-1) = -2 mod 2^32; f1: 2*(2^31-1) = -2
    EXPECT_EQ(run_conv(p, in2, w2, false), (Vec{-2, -2}));
}

// ---- depthwise, dense, pooling: hand-computed ----

// c0 = [[1,2],[3,4]], c1 = [[5,6],[7,8]]; kernel c0 picks (0,0), c1 picks (1,1).
TEST(KernelDepthwise, FlipPicksMirroredTap) {
    const Vec in = {1, 5, 2, 6, 3, 7, 4, 8};
    const Vec w = {1, 0, 0, 0, 0, 0, 0, 1}; // w[kx][ky][c]
    RefConv p{2, 2, 2, 2, 2, 2, 1, 1, false, false, 0};
    EXPECT_EQ(run_conv(p, in, w, true), (Vec{1, 8}));
    p.flip = true;
    EXPECT_EQ(run_conv(p, in, w, true), (Vec{4, 5}));
}

TEST(KernelDense, HandComputed) {
    const Vec in = {1, 0, 2};
    const Vec w = {1, 2, 3, 4, 5, -6};
    Vec out(2, 99);
    npu_dense(in.data(), 3, w.data(), 2, out.data());
    EXPECT_EQ(out, (Vec{11, -10}));
}

TEST(KernelCount, CountsNonZero) {
    const Vec v = {0, 1, -1, 0, 7, 0};
    EXPECT_EQ(npu_count_nonzero(v.data(), v.size()), 3u);
    EXPECT_EQ(npu_count_nonzero(v.data(), 0), 0u);
}

// 1-D along x: [3, -5, 4, -1, -2].
TEST(KernelPool, PaddingNeverWins) {
    const Vec in = {3, -5, 4, -1, -2};
    Vec out(3, 99);
    // Same, pool 2 stride 2: windows [0,1] [2,3] [4,pad] -> padding (would be 0) must lose.
    npu_maxpool(in.data(), shape(5, 1, 1), 2, 1, 2, 1, NPU_PAD_SAME, out.data(), shape(3, 1, 1));
    EXPECT_EQ(out, (Vec{3, 4, -2}));
    Vec out_valid(2, 99);
    npu_maxpool(in.data(), shape(5, 1, 1), 2, 1, 2, 1, NPU_PAD_VALID, out_valid.data(),
                shape(2, 1, 1));
    EXPECT_EQ(out_valid, (Vec{3, 4}));
    // Same, pool 3 stride 1: pad_before 1.
    Vec out3(5, 99);
    npu_maxpool(in.data(), shape(5, 1, 1), 3, 1, 1, 1, NPU_PAD_SAME, out3.data(), shape(5, 1, 1));
    EXPECT_EQ(out3, (Vec{3, 4, 4, 4, -1}));
}

// 2-D, 2 channels, pool 2x2 stride 1 Valid on a 2x3 input.
TEST(KernelPool, TwoDimensionsAndChannels) {
    // in[x][y][c]; channel 1 is the negation of channel 0.
    const Vec in = {1, -1, 6, -6, 2, -2, 4, -4, 3, -3, 5, -5};
    Vec out(4, 99);
    npu_maxpool(in.data(), shape(2, 3, 2), 2, 2, 1, 1, NPU_PAD_VALID, out.data(), shape(1, 2, 2));
    EXPECT_EQ(out, (Vec{6, -1, 6, -2}));
}

TEST(KernelPool, GlobalSumIsInt64) {
    const Vec in = {INT32_MAX, 1, INT32_MAX, 2, INT32_MAX, -3, INT32_MAX, 4};
    std::vector<int64_t> out(2, 99);
    npu_global_sum(in.data(), shape(2, 2, 2), out.data());
    EXPECT_EQ(out[0], 4 * static_cast<int64_t>(INT32_MAX));
    EXPECT_EQ(out[1], 4);
}

// ---- randomized property tests ----

// Random conv / depthwise shapes; `small` draws values inside the 8-bit fast path
// (inputs 0..255, weights -128..127, pad value 0..255), otherwise anywhere in int32.
RefConv random_params(std::mt19937 &rng, bool small) {
    auto u = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    RefConv p{};
    p.kx = u(1, 5);
    p.ky = u(1, 5);
    p.sx = u(1, 3);
    p.sy = u(1, 3);
    p.same = u(0, 1) == 1;
    p.flip = u(0, 1) == 1;
    p.ix = u(p.same ? 1 : p.kx, 11);
    p.iy = u(p.same ? 1 : p.ky, 13);
    p.c = u(1, 9);
    p.f = u(0, 3) == 0 ? u(60, 90) : u(1, 40);
    p.pad_value = u(0, 3) == 0 ? (small ? u(1, 255) : u(-1000000, 1000000)) : 0;
    return p;
}

void check_random_conv(bool depthwise, bool small, uint32_t seed) {
    std::mt19937 rng(seed);
    for (int iter = 0; iter < 150; iter++) {
        const RefConv p = random_params(rng, small);
        const size_t in_n = p.ix * p.iy * p.c;
        const size_t w_n = p.kx * p.ky * p.c * (depthwise ? 1 : p.f);
        const Vec in = small ? random_vec(rng, in_n, 0, 255, 0.5)
                             : random_vec(rng, in_n, INT32_MIN, INT32_MAX, 0.3);
        const Vec w = small ? random_vec(rng, w_n, -128, 127, 0.1)
                            : random_vec(rng, w_n, INT32_MIN, INT32_MAX, 0.1);
        SCOPED_TRACE(::testing::Message()
                     << "iter " << iter << " in " << p.ix << "x" << p.iy << "x" << p.c << " k "
                     << p.kx << "x" << p.ky << " s " << p.sx << "x" << p.sy << " f " << p.f
                     << " same " << p.same << " flip " << p.flip << " pad " << p.pad_value);
        expect_mod32(ref_conv(p, in, w, depthwise), run_conv(p, in, w, depthwise),
                     depthwise ? "depthwise" : "conv2d");
    }
}

TEST(KernelConvRandom, EightBitFastPathMatchesReference) {
    check_random_conv(false, true, 1);
}

TEST(KernelConvRandom, FullRangeMatchesReference) {
    check_random_conv(false, false, 2);
}

// Mixed: one input value just outside uint8 forces the generic path on a fast-path shape.
TEST(KernelConvRandom, OutOfRangeValueFallsBack) {
    std::mt19937 rng(3);
    for (int32_t bad : {256, -1}) {
        RefConv p{6, 7, 5, 3, 3, 20, 1, 1, true, true, 0};
        Vec in = random_vec(rng, 6 * 7 * 5, 0, 255, 0.5);
        const Vec w = random_vec(rng, 9 * 5 * 20, -128, 127, 0.0);
        in[17] = bad;
        expect_mod32(ref_conv(p, in, w, false), run_conv(p, in, w, false), "fallback input");
    }
    for (int32_t bad : {128, -129}) {
        RefConv p{6, 7, 5, 3, 3, 20, 1, 1, true, false, 0};
        const Vec in = random_vec(rng, 6 * 7 * 5, 0, 255, 0.5);
        Vec w = random_vec(rng, 9 * 5 * 20, -128, 127, 0.0);
        w[33] = bad;
        expect_mod32(ref_conv(p, in, w, false), run_conv(p, in, w, false), "fallback weight");
    }
}

// The benchmark shapes (smaller spatial extent): 3x3 Same stride 1 with 64 channels and
// filters, and a 3-channel 8-bit image with stride 2.
TEST(KernelConvRandom, BenchmarkLikeShapes) {
    std::mt19937 rng(4);
    RefConv a{9, 10, 64, 3, 3, 64, 1, 1, true, true, 0};
    const Vec in_a = random_vec(rng, 9 * 10 * 64, 0, 15, 0.5);
    const Vec w_a = random_vec(rng, 9 * 64 * 64, -7, 7, 0.0);
    expect_mod32(ref_conv(a, in_a, w_a, false), run_conv(a, in_a, w_a, false), "4-bit conv");
    RefConv b{16, 15, 3, 3, 3, 32, 2, 2, true, false, 0};
    const Vec in_b = random_vec(rng, 16 * 15 * 3, 0, 255, 0.0);
    const Vec w_b = random_vec(rng, 9 * 3 * 32, -127, 127, 0.0);
    expect_mod32(ref_conv(b, in_b, w_b, false), run_conv(b, in_b, w_b, false), "image conv");
}

TEST(KernelDepthwiseRandom, MatchesReference) {
    check_random_conv(true, true, 5);
    check_random_conv(true, false, 6);
}

TEST(KernelDenseRandom, MatchesReference) {
    std::mt19937 rng(7);
    for (int iter = 0; iter < 100; iter++) {
        const size_t n = std::uniform_int_distribution<size_t>(1, 300)(rng);
        const size_t units = std::uniform_int_distribution<size_t>(1, 70)(rng);
        const bool small = iter % 2 == 0;
        const Vec in =
            small ? random_vec(rng, n, 0, 15, 0.5) : random_vec(rng, n, INT32_MIN, INT32_MAX, 0.3);
        const Vec w = small ? random_vec(rng, n * units, -7, 7, 0.0)
                            : random_vec(rng, n * units, INT32_MIN, INT32_MAX, 0.0);
        std::vector<int64_t> ref(units, 0);
        for (size_t u = 0; u < units; u++) {
            uint64_t sum = 0; // int64 products, summed modulo 2^64
            for (size_t i = 0; i < n; i++)
                sum += static_cast<uint64_t>(static_cast<int64_t>(in[i]) * w[i * units + u]);
            ref[u] = static_cast<int64_t>(sum);
        }
        Vec out(units, 0x5a5a5a5a);
        npu_dense(in.data(), n, w.data(), units, out.data());
        expect_mod32(ref, out, "dense");
    }
}

TEST(KernelPoolRandom, MatchesReference) {
    std::mt19937 rng(8);
    auto u = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    for (int iter = 0; iter < 200; iter++) {
        const int64_t px = u(1, 4), py = u(1, 4), sx = u(1, 4), sy = u(1, 4);
        const bool same = u(0, 1) == 1;
        const int64_t ix = u(same ? 1 : px, 12), iy = u(same ? 1 : py, 12), c = u(1, 5);
        int64_t ox_n, oy_n, pad_x, pad_y;
        ref_axis(ix, px, sx, same, &ox_n, &pad_x);
        ref_axis(iy, py, sy, same, &oy_n, &pad_y);
        const Vec in = random_vec(rng, ix * iy * c, -1000, -1, 0.0); // all negative
        std::vector<int64_t> ref(ox_n * oy_n * c);
        for (int64_t ox = 0; ox < ox_n; ox++)
            for (int64_t oy = 0; oy < oy_n; oy++)
                for (int64_t ch = 0; ch < c; ch++) {
                    int64_t best = INT64_MIN;
                    for (int64_t x = ox * sx - pad_x; x < ox * sx - pad_x + px; x++)
                        for (int64_t y = oy * sy - pad_y; y < oy * sy - pad_y + py; y++)
                            if (x >= 0 && y >= 0 && x < ix && y < iy)
                                best = std::max<int64_t>(best, in[(x * iy + y) * c + ch]);
                    ref[(ox * oy_n + oy) * c + ch] = best;
                }
        Vec out(ref.size(), 99);
        npu_maxpool(in.data(), shape(ix, iy, c), px, py, sx, sy,
                    same ? NPU_PAD_SAME : NPU_PAD_VALID, out.data(), shape(ox_n, oy_n, c));
        expect_mod32(ref, out, "maxpool");
    }
}

TEST(KernelPoolRandom, GlobalSumMatchesReference) {
    std::mt19937 rng(9);
    const Vec in = random_vec(rng, 7 * 5 * 6, INT32_MIN, INT32_MAX, 0.1);
    std::vector<int64_t> ref(6, 0), out(6, 99);
    for (size_t i = 0; i < in.size(); i++)
        ref[i % 6] += in[i];
    npu_global_sum(in.data(), shape(7, 5, 6), out.data());
    EXPECT_EQ(out, ref);
}

} // namespace
