/*
 * test_cli_hybrid: hybrid mappings through the built `akisim` binary (AKISIM_CLI), and the
 * `akisim input random` command.
 *
 * Hybrid: models whose middle layer cannot run on the device map to hardware AND software
 * sequences (HW / SW / HW) when --hw-only is not given — an Akida 2.0 model with a
 * BatchNormalization in the middle on sixnodes-v2 (software-only type), and an Akida 1.0
 * model with a 5x5 stride-2 Convolutional in the middle on akd1000 (stride 2 needs 3x3).
 * `akisim run --mesh` must give outputs byte-identical to the software backend (random
 * models and random inputs: property), a tiny hand-computed v2 model must give the values
 * computed by hand on both paths, and --hw-only must fail with exit 2 naming the layer,
 * writing nothing.
 *
 * input random: the value stream is splitmix64 of the seed (its published first output for
 * seed 0 is 0xE220A8397B1DCDAF), so the first byte of an 8-bit sample is known by hand; an
 * independent reference of the documented algorithm written here reproduces whole files;
 * shape, dtype and range follow the options or the model; density is respected; the output
 * runs through `akisim run`; bad options exit 2 with one line and write nothing.
 */
#include <gtest/gtest.h>

#include <cstdint>
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

#include "cmp/cmp_array.h"
#include "cmp/cmp_modelfile.h"
#include "npu/npu_model.h"

#include "common/test_cli.hpp"

namespace {

using Cli = akisim_test::CliRun;
using akisim_test::exists;
using akisim_test::slurp;

/* A fresh temporary directory, removed at destruction. */
struct TmpDir {
    std::string path; /* absolute path */
    TmpDir() {
        char tmpl[] = "/tmp/akisim_hybrid_XXXXXX";
        EXPECT_NE(mkdtemp(tmpl), nullptr);
        path = tmpl;
    }
    ~TmpDir() {
        const std::string cmd = "rm -rf '" + path + "'";
        EXPECT_EQ(system(cmd.c_str()), 0);
    }
    std::string operator/(const std::string &f) const {
        return path + "/" + f;
    }
};

/* Runs `akisim <args>` in dir. */
Cli akisim(const TmpDir &dir, const std::string &args) {
    return akisim_test::akisim_in(dir.path, args);
}

/* A bad-input run: exit 2, one "akisim: " line naming every word, nothing on stdout. */
void expect_bad(const Cli &r, std::vector<std::string> words) {
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_EQ(r.err.rfind("akisim: ", 0), 0u) << r.err;
    EXPECT_EQ(akisim_test::lines(r.err), 1u) << r.err;
    for (const auto &w : words)
        EXPECT_NE(r.err.find(w), std::string::npos) << "missing '" << w << "' in " << r.err;
}

/* Reads an .npy through the library reader. */
struct Npy {
    cmp_array a{}; /* the array */
    bool ok = false;
    explicit Npy(const std::string &path) {
        npu_err err{};
        ok = cmp_npy_read(path.c_str(), &a, &err) == NPU_OK;
        EXPECT_TRUE(ok) << err.msg;
    }
    ~Npy() {
        cmp_array_free(&a);
    }
    std::vector<uint64_t> shape() const {
        return {a.shape, a.shape + a.ndim};
    }
    const uint8_t *bytes() const {
        return static_cast<const uint8_t *>(a.data);
    }
};

void write_npy(const std::string &path, cmp_dtype t, std::vector<uint64_t> shape,
               const void *data) {
    cmp_array a;
    npu_err err{};
    ASSERT_EQ(cmp_array_alloc(&a, t, uint32_t(shape.size()), shape.data(), &err), NPU_OK);
    memcpy(a.data, data, a.count * cmp_dtype_size(t));
    ASSERT_EQ(cmp_npy_write(path.c_str(), &a, &err), NPU_OK) << err.msg;
    cmp_array_free(&a);
}

/* ------------------------------------------------------------------ model builders */

std::vector<int32_t> rand_vec(std::mt19937 &rng, size_t n, int lo, int hi) {
    std::uniform_int_distribution<int> d(lo, hi);
    std::vector<int32_t> v(n);
    for (auto &x : v)
        x = d(rng);
    return v;
}

std::vector<int32_t> fill(size_t n, int32_t v) {
    return std::vector<int32_t>(n, v);
}

void set_var(npu_model *m, uint32_t l, const char *name, std::vector<uint32_t> shape,
             const std::vector<int32_t> &d) {
    npu_err e{};
    ASSERT_EQ(npu_model_set_var(m, l, name, NPU_DTYPE_I32, uint32_t(shape.size()), shape.data(),
                                d.data(), &e),
              NPU_OK)
        << e.msg;
}

uint32_t add(npu_model *m, npu_layer_type t, const char *name, const npu_params &p) {
    npu_err e{};
    EXPECT_EQ(npu_model_add(m, t, name, &p, nullptr, 0, &e), NPU_OK) << e.msg;
    return uint32_t(npu_model_layer_count(m) - 1);
}

/* Saves m (finalized first) as dir/name and frees it. */
void save(npu_model *m, const std::string &path) {
    npu_err e{};
    ASSERT_EQ(npu_model_finalize(m, &e), NPU_OK) << e.msg;
    ASSERT_EQ(cmp_model_save(m, path.c_str(), &e), NPU_OK) << e.msg;
    npu_model_free(m);
}

npu_params v2(npu_layer_type t, uint32_t k, uint32_t filters, bool act, uint32_t out_bits) {
    npu_params p = npu_params_default(t);
    p.kernel_x = p.kernel_y = k;
    p.stride_x = p.stride_y = 1;
    p.filters = filters;
    p.activation = act;
    p.output_bits = out_bits;
    p.buffer_bits = 32;
    return p;
}

/* Akida 2.0: InputConv2D 3x3 -> Conv2D 3x3 -> BatchNormalization -> Conv2D 3x3 (global
 * average pool) -> Dense1D. The BatchNormalization is software only. */
void random_v2_bn(const std::string &path, uint32_t seed) {
    std::mt19937 rng(seed);
    npu_model *m = npu_model_new();
    const uint32_t W = 10 + seed % 6, H = 8 + seed % 5, f0 = 8, f1 = 12, f3 = 16, nc = 10;
    npu_params p = v2(NPU_INPUT_CONV2D, 3, f0, true, 8);
    p.input_shape = {W, H, 3};
    uint32_t l = add(m, NPU_INPUT_CONV2D, "conv_0", p);
    set_var(m, l, "weights", {3, 3, 3, f0}, rand_vec(rng, 27 * f0, -127, 127));
    set_var(m, l, "bias", {f0}, rand_vec(rng, f0, -50, 50));
    set_var(m, l, "output_scale", {f0}, rand_vec(rng, f0, 1, 4));
    set_var(m, l, "output_shift", {f0}, fill(f0, 10));
    l = add(m, NPU_CONV2D, "conv_1", v2(NPU_CONV2D, 3, f1, true, 8));
    set_var(m, l, "weights", {3, 3, f0, f1}, rand_vec(rng, 9 * f0 * f1, -20, 20));
    set_var(m, l, "output_scale", {f1}, rand_vec(rng, f1, 1, 4));
    set_var(m, l, "output_shift", {f1}, fill(f1, 9));
    npu_params bn = npu_params_default(NPU_BATCH_NORMALIZATION);
    bn.activation = true;
    bn.output_bits = 8;
    bn.buffer_bits = 32;
    l = add(m, NPU_BATCH_NORMALIZATION, "bn", bn);
    set_var(m, l, "a", {f1}, rand_vec(rng, f1, 1, 6));
    set_var(m, l, "b", {f1}, rand_vec(rng, f1, -40, 40));
    set_var(m, l, "output_shift", {f1}, fill(f1, 1));
    p = v2(NPU_CONV2D, 3, f3, true, 8);
    p.pool_type = NPU_POOL_AVG;
    p.pool_x = p.pool_y = -1;
    l = add(m, NPU_CONV2D, "conv_3", p);
    set_var(m, l, "weights", {3, 3, f1, f3}, rand_vec(rng, 9 * f1 * f3, -20, 20));
    set_var(m, l, "output_scale", {f3}, rand_vec(rng, f3, 1, 4));
    set_var(m, l, "output_shift", {f3}, fill(f3, 14));
    npu_params d = npu_params_default(NPU_DENSE1D);
    d.filters = nc;
    d.activation = false;
    d.output_bits = 32;
    d.buffer_bits = 32;
    l = add(m, NPU_DENSE1D, "dense", d);
    set_var(m, l, "weights", {f3, nc}, rand_vec(rng, f3 * nc, -127, 127));
    save(m, path);
}

/* Akida 1.0: InputConvolutional -> Convolutional 5x5 stride 2 (software: stride 2 needs a
 * 3x3 kernel) -> SeparableConvolutional -> Convolutional (global average pool) ->
 * FullyConnected. */
void random_v1_stride(const std::string &path, uint32_t seed) {
    std::mt19937 rng(seed);
    npu_model *m = npu_model_new();
    const uint32_t W = 12 + seed % 8, H = 10 + seed % 5, f0 = 8, f1 = 12, f2 = 16, f3 = 16, nc = 10;
    npu_params p = npu_params_default(NPU_INPUT_CONVOLUTIONAL);
    p.input_shape = {W, H, 3};
    p.kernel_x = p.kernel_y = 3;
    p.stride_x = p.stride_y = 1;
    p.filters = f0;
    p.act_bits = 4;
    p.weights_bits = 8;
    uint32_t l = add(m, NPU_INPUT_CONVOLUTIONAL, "conv_0", p);
    set_var(m, l, "weights", {3, 3, 3, f0}, rand_vec(rng, 27 * f0, -127, 127));
    set_var(m, l, "threshold", {f0}, rand_vec(rng, f0, 0, 2000));
    set_var(m, l, "act_step", {f0}, rand_vec(rng, f0, 200, 800));
    p = npu_params_default(NPU_CONVOLUTIONAL);
    p.kernel_x = p.kernel_y = 5;
    p.stride_x = p.stride_y = 2;
    p.filters = f1;
    p.weights_bits = 4;
    p.act_bits = 4;
    l = add(m, NPU_CONVOLUTIONAL, "conv_1", p);
    set_var(m, l, "weights", {5, 5, f0, f1}, rand_vec(rng, 25 * f0 * f1, -7, 7));
    set_var(m, l, "threshold", {f1}, rand_vec(rng, f1, 0, 60));
    set_var(m, l, "act_step", {f1}, rand_vec(rng, f1, 5, 30));
    p = npu_params_default(NPU_SEPARABLE_CONVOLUTIONAL);
    p.kernel_x = p.kernel_y = 3;
    p.filters = f2;
    p.weights_bits = 4;
    p.act_bits = 4;
    l = add(m, NPU_SEPARABLE_CONVOLUTIONAL, "sep_2", p);
    set_var(m, l, "weights", {3, 3, f1, 1}, rand_vec(rng, 9 * f1, -7, 7));
    set_var(m, l, "weights_pw", {1, 1, f1, f2}, rand_vec(rng, f1 * f2, -7, 7));
    set_var(m, l, "threshold", {f2}, rand_vec(rng, f2, 0, 60));
    set_var(m, l, "act_step", {f2}, rand_vec(rng, f2, 5, 30));
    p = npu_params_default(NPU_CONVOLUTIONAL);
    p.kernel_x = p.kernel_y = 3;
    p.filters = f3;
    p.weights_bits = 2;
    p.act_bits = 2;
    p.pool_type = NPU_POOL_AVG;
    p.pool_x = p.pool_y = -1;
    l = add(m, NPU_CONVOLUTIONAL, "conv_3", p);
    set_var(m, l, "weights", {3, 3, f2, f3}, rand_vec(rng, 9 * f2 * f3, -1, 1));
    set_var(m, l, "threshold", {f3}, rand_vec(rng, f3, 0, 100));
    set_var(m, l, "act_step", {f3}, rand_vec(rng, f3, 10, 60));
    p = npu_params_default(NPU_FULLY_CONNECTED);
    p.filters = nc;
    p.weights_bits = 4;
    p.act_bits = 4;
    p.activation = false;
    l = add(m, NPU_FULLY_CONNECTED, "fc", p);
    set_var(m, l, "weights", {1, 1, f3, nc}, rand_vec(rng, f3 * nc, -7, 7));
    set_var(m, l, "threshold", {nc}, rand_vec(rng, nc, 0, 10));
    set_var(m, l, "act_step", {nc}, rand_vec(rng, nc, 1, 4));
    save(m, path);
}

/* Tiny hand-computable v2 model on a 5x5x1 input: InputConv2D 3x3 (all weights 1, Same,
 * ReLU, 8 bits) -> BatchNormalization (a = 2, b = -5, ReLU, 8 bits) -> Conv2D 1x1 (weight 3,
 * no activation, 16 bits). */
void tiny_v2(const std::string &path) {
    npu_model *m = npu_model_new();
    npu_params p = v2(NPU_INPUT_CONV2D, 3, 1, true, 8);
    p.input_shape = {5, 5, 1};
    uint32_t l = add(m, NPU_INPUT_CONV2D, "conv_0", p);
    set_var(m, l, "weights", {3, 3, 1, 1}, fill(9, 1));
    npu_params bn = npu_params_default(NPU_BATCH_NORMALIZATION);
    bn.activation = true;
    bn.output_bits = 8;
    bn.buffer_bits = 32;
    l = add(m, NPU_BATCH_NORMALIZATION, "bn", bn);
    set_var(m, l, "a", {1}, {2});
    set_var(m, l, "b", {1}, {-5});
    l = add(m, NPU_CONV2D, "conv_2", v2(NPU_CONV2D, 1, 1, false, 16));
    set_var(m, l, "weights", {1, 1, 1, 1}, {3});
    save(m, path);
}

/* ------------------------------------------------------------------ hybrid tests */

/* Checks that `map` shows hardware and software sequences, the software one holding `layer`. */
void expect_hybrid_map(const TmpDir &d, const std::string &model, const std::string &mesh,
                       const std::string &layer) {
    const Cli r = akisim(d, "map " + model + " --mesh " + mesh);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("(Hybrid)"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("SW/" + layer + "-" + layer + " (Software)"), std::string::npos) << r.out;
    size_t hw = 0;
    for (size_t at = r.out.find(" HW/"); at != std::string::npos; at = r.out.find(" HW/", at + 1))
        hw++;
    EXPECT_EQ(hw, 2u) << "expected HW / SW / HW:\n" << r.out;
}

/* Runs model on both backends with inputs x.npy; expects byte-identical outputs and the
 * device statistics to list a hardware and a software sequence. */
void expect_hw_equals_sw(const TmpDir &d, const std::string &model, const std::string &mesh) {
    Cli r = akisim(d, "run " + model + " --input x.npy --output sw.npy -q");
    ASSERT_EQ(r.status, 0) << r.err;
    r = akisim(d, "run " + model + " --mesh " + mesh +
                      " --input x.npy --output hw.npy --stats s.json --trace t.json");
    ASSERT_EQ(r.status, 0) << r.err;
    const std::string sw = slurp(d / "sw.npy"), hw = slurp(d / "hw.npy");
    ASSERT_FALSE(sw.empty());
    EXPECT_EQ(hw, sw) << model << " on " << mesh;
    const std::string stats = slurp(d / "s.json");
    EXPECT_NE(stats.find("\"HW/"), std::string::npos) << stats.substr(0, 400);
    EXPECT_NE(stats.find("\"SW/"), std::string::npos) << stats.substr(0, 400);
    r = akisim(d, "run " + model + " --mesh " + mesh + " --input x.npy");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("Sequence SW/"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("Sequence HW/"), std::string::npos) << r.out;
}

/* --hw-only: exit 2, the message names the layer, no output written. */
void expect_hw_only_fails(const TmpDir &d, const std::string &model, const std::string &mesh,
                          const std::string &layer, const std::string &rule) {
    const Cli r = akisim(d, "run " + model + " --mesh " + mesh +
                                " --hw-only --input x.npy --output ho.npy --stats ho.json");
    expect_bad(r, {"'" + layer + "'", rule});
    EXPECT_FALSE(exists(d / "ho.npy"));
    EXPECT_FALSE(exists(d / "ho.json"));
}

TEST(CliHybrid, V2BatchNormalizationInTheMiddle) {
    for (uint32_t seed = 1; seed <= 3; seed++) {
        SCOPED_TRACE("seed " + std::to_string(seed));
        TmpDir d;
        random_v2_bn(d / "m", seed);
        expect_hybrid_map(d, "m", "sixnodes-v2", "bn");
        const Cli r =
            akisim(d, "input random --model m --n 3 --seed " + std::to_string(seed) + " -o x.npy");
        ASSERT_EQ(r.status, 0) << r.err;
        expect_hw_equals_sw(d, "m", "sixnodes-v2");
        expect_hw_only_fails(d, "m", "sixnodes-v2", "bn", "layer_type");
        /* the outputs are not trivially constant (the test could not fail otherwise) */
        Npy out(d / "sw.npy");
        ASSERT_TRUE(out.ok);
        const int32_t *v = static_cast<const int32_t *>(out.a.data);
        bool varied = false;
        for (size_t k = 1; k < out.a.count; k++)
            varied = varied || v[k] != v[0];
        EXPECT_TRUE(varied);
    }
}

TEST(CliHybrid, V1ConstraintViolationInTheMiddle) {
    for (uint32_t seed = 1; seed <= 3; seed++) {
        SCOPED_TRACE("seed " + std::to_string(seed));
        TmpDir d;
        random_v1_stride(d / "m", seed);
        expect_hybrid_map(d, "m", "akd1000", "conv_1");
        const Cli r = akisim(d, "input random --model m --n 2 --density 0.7 --seed " +
                                    std::to_string(seed) + " -o x.npy");
        ASSERT_EQ(r.status, 0) << r.err;
        expect_hw_equals_sw(d, "m", "akd1000");
        expect_hw_only_fails(d, "m", "akd1000", "conv_1", "stride");
    }
}

TEST(CliHybrid, TinyV2HandComputed) {
    TmpDir d;
    tiny_v2(d / "m");
    /* input: all ones except x = 2, y = 2 (the centre) = 4 */
    std::vector<uint8_t> x(25, 1);
    x[2 * 5 + 2] = 4;
    write_npy(d / "x.npy", CMP_U8, {1, 5, 5, 1}, x.data());
    /* conv_0 (3x3 box sum, Same): corners 4, edges 6, interior 9, plus 3 where the 3x3
     * window covers the centre (the 3x3 block x, y in 1..3). bn: 2v - 5. conv_2: 3 * that. */
    std::vector<int32_t> want(25);
    for (int xi = 0; xi < 5; xi++)
        for (int yi = 0; yi < 5; yi++) {
            const int nx = (xi == 0 || xi == 4) ? 2 : 3, ny = (yi == 0 || yi == 4) ? 2 : 3;
            const int box = nx * ny + ((xi >= 1 && xi <= 3 && yi >= 1 && yi <= 3) ? 3 : 0);
            want[xi * 5 + yi] = 3 * (2 * box - 5);
        }
    EXPECT_EQ(want[0], 9);          /* corner: 3 * (8 - 5) */
    EXPECT_EQ(want[2 * 5 + 2], 57); /* centre: 3 * (24 - 5) */
    EXPECT_EQ(want[0 * 5 + 2], 21); /* edge, not next to the centre: 3 * (12 - 5) */
    EXPECT_EQ(want[1 * 5 + 1], 57); /* next to the centre: 3 * (24 - 5) */
    expect_hybrid_map(d, "m", "sixnodes-v2", "bn");
    for (const char *mesh : {"", " --mesh sixnodes-v2"}) {
        SCOPED_TRACE(mesh);
        const Cli r = akisim(d, std::string("run m") + mesh + " --input x.npy --output y.npy -q");
        ASSERT_EQ(r.status, 0) << r.err;
        Npy y(d / "y.npy");
        ASSERT_TRUE(y.ok);
        EXPECT_EQ(y.shape(), (std::vector<uint64_t>{1, 5, 5, 1}));
        ASSERT_EQ(y.a.dtype, CMP_I32);
        const int32_t *v = static_cast<const int32_t *>(y.a.data);
        EXPECT_EQ(std::vector<int32_t>(v, v + 25), want);
    }
}

/* ------------------------------------------------------------------ input random */

/* Independent reference of the documented stream (splitmix64, multiply-shift ranges). */
struct Ref {
    uint64_t s; /* state */
    uint64_t next() {
        s += 0x9E3779B97F4A7C15ull;
        uint64_t z = s;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    uint64_t below(uint64_t n) {
        return ((next() >> 32) * n) >> 32;
    }
    double unit() {
        return double(next() >> 11) / 9007199254740992.0;
    }
};

std::vector<int> reference(uint64_t seed, size_t count, int bits, bool sgn, double density) {
    const int64_t lo = sgn ? -(int64_t(1) << (bits - 1)) : 0;
    const int64_t hi = sgn ? (int64_t(1) << (bits - 1)) - 1 : (int64_t(1) << bits) - 1;
    const uint64_t span = uint64_t(hi - lo + 1);
    Ref r{seed};
    std::vector<int> v(count);
    for (auto &x : v) {
        if (density < 0) {
            x = int(lo + int64_t(r.below(span)));
            continue;
        }
        if (!(r.unit() < density)) {
            x = 0;
            continue;
        }
        std::vector<int64_t> nonzero; /* the range's non-zero values, ascending */
        for (int64_t k = lo; k <= hi; k++)
            if (k != 0)
                nonzero.push_back(k);
        x = int(nonzero[r.below(nonzero.size())]);
    }
    return v;
}

std::vector<int> values(const Npy &n) {
    std::vector<int> v(n.a.count);
    for (size_t k = 0; k < v.size(); k++)
        v[k] = n.a.dtype == CMP_I8 ? int(int8_t(n.bytes()[k])) : int(n.bytes()[k]);
    return v;
}

TEST(CliInputRandom, HandKnownFirstValue) {
    TmpDir d;
    /* splitmix64(seed 0) first output 0xE220A8397B1DCDAF: its top byte 0xE2 = 226 is the
     * multiply-shift value in [0, 256); for 4 bits the top nibble 0xE = 14. */
    Cli r = akisim(d, "input random --shape 1,1,1 --seed 0 -o a.npy");
    ASSERT_EQ(r.status, 0) << r.err;
    Npy a(d / "a.npy");
    ASSERT_TRUE(a.ok);
    EXPECT_EQ(a.shape(), (std::vector<uint64_t>{1, 1, 1, 1}));
    EXPECT_EQ(a.a.dtype, CMP_U8);
    EXPECT_EQ(a.bytes()[0], 226);
    r = akisim(d, "input random --shape 1,1,1 --bits 4 --seed 0 -o b.npy");
    ASSERT_EQ(r.status, 0) << r.err;
    Npy b(d / "b.npy");
    ASSERT_TRUE(b.ok);
    EXPECT_EQ(b.bytes()[0], 14);
    EXPECT_NE(r.out.find("b.npy"), std::string::npos) << r.out;
}

TEST(CliInputRandom, MatchesIndependentReference) {
    TmpDir d;
    std::mt19937 rng(42);
    for (int i = 0; i < 12; i++) {
        const uint64_t seed = rng() % 100000, n = 1 + rng() % 3;
        const uint32_t X = 1 + rng() % 9, Y = 1 + rng() % 9, C = 1 + rng() % 4;
        const int bits = 1 + int(rng() % 8);
        const bool sgn = rng() % 2;
        const double density = (i % 3 == 0) ? -1.0 : double(rng() % 11) / 10.0;
        std::string args = "input random --shape " + std::to_string(X) + "," + std::to_string(Y) +
                           "," + std::to_string(C) + " --n " + std::to_string(n) + " --bits " +
                           std::to_string(bits) + " --seed " + std::to_string(seed) +
                           (sgn ? " --signed" : "") + " -o r.npy";
        if (density >= 0) {
            char buf[32];
            snprintf(buf, sizeof buf, " --density %.1f", density);
            args += buf;
        }
        SCOPED_TRACE(args);
        const Cli r = akisim(d, args);
        ASSERT_EQ(r.status, 0) << r.err;
        Npy a(d / "r.npy");
        ASSERT_TRUE(a.ok);
        EXPECT_EQ(a.shape(), (std::vector<uint64_t>{n, X, Y, C}));
        EXPECT_EQ(a.a.dtype, sgn ? CMP_I8 : CMP_U8);
        EXPECT_EQ(values(a), reference(seed, size_t(n * X * Y * C), bits, sgn, density));
    }
}

TEST(CliInputRandom, RangeDensityAndDeterminism) {
    TmpDir d;
    ASSERT_EQ(akisim(d, "input random --shape 32,32,4 --n 4 --bits 4 --signed --density 0.25 "
                        "--seed 9 -o a.npy")
                  .status,
              0);
    ASSERT_EQ(akisim(d, "input random --shape 32,32,4 --n 4 --bits 4 --signed --density 0.25 "
                        "--seed 9 -o b.npy")
                  .status,
              0);
    ASSERT_EQ(akisim(d, "input random --shape 32,32,4 --n 4 --bits 4 --signed --density 0.25 "
                        "--seed 10 -o c.npy")
                  .status,
              0);
    EXPECT_EQ(slurp(d / "a.npy"), slurp(d / "b.npy"));
    EXPECT_NE(slurp(d / "a.npy"), slurp(d / "c.npy"));
    Npy a(d / "a.npy");
    ASSERT_TRUE(a.ok);
    size_t nz = 0;
    bool lo = false, hi = false;
    for (int v : values(a)) {
        EXPECT_GE(v, -8);
        EXPECT_LE(v, 7);
        nz += v != 0;
        lo = lo || v == -8;
        hi = hi || v == 7;
    }
    EXPECT_TRUE(lo && hi); /* both ends of the range occur in 16384 values */
    const double frac = double(nz) / double(a.a.count);
    EXPECT_NEAR(frac, 0.25, 0.02) << nz; /* 16384 draws: sigma 0.0034 */
    /* density 0 and 1 are exact */
    ASSERT_EQ(akisim(d, "input random --shape 8,8,2 --density 0 -o z.npy").status, 0);
    ASSERT_EQ(akisim(d, "input random --shape 8,8,2 --density 1 --bits 1 -o o.npy").status, 0);
    Npy z(d / "z.npy"), o(d / "o.npy");
    for (int v : values(z))
        EXPECT_EQ(v, 0);
    for (int v : values(o))
        EXPECT_EQ(v, 1);
}

TEST(CliInputRandom, FromModelAndProgramThenRuns) {
    TmpDir d;
    Cli r = akisim(d, "demo -o demo -q");
    ASSERT_EQ(r.status, 0) << r.err;
    r = akisim(d, "input random --model demo --n 5 --seed 3 -o x.npy");
    ASSERT_EQ(r.status, 0) << r.err;
    Npy a(d / "x.npy");
    ASSERT_TRUE(a.ok);
    EXPECT_EQ(a.shape(), (std::vector<uint64_t>{5, 28, 28, 1}));
    EXPECT_EQ(a.a.dtype, CMP_U8);
    r = akisim(d, "run demo --input x.npy -q");
    EXPECT_EQ(r.status, 0) << r.err;
    /* a v2 model with a signed 4-bit InputData: shape, bits and sign from the model */
    npu_model *m = npu_model_new();
    npu_params p = npu_params_default(NPU_INPUT_DATA);
    p.input_shape = {6, 4, 3};
    p.input_bits = 4;
    p.input_signed = true;
    add(m, NPU_INPUT_DATA, "input", p);
    npu_params c = v2(NPU_CONV2D, 1, 2, false, 32);
    const uint32_t l = add(m, NPU_CONV2D, "conv", c);
    set_var(m, l, "weights", {1, 1, 3, 2}, {1, 2, 3, 4, 5, 6});
    save(m, d / "sgn");
    r = akisim(d, "input random --model sgn --n 2 -o s.npy");
    ASSERT_EQ(r.status, 0) << r.err;
    Npy s(d / "s.npy");
    ASSERT_TRUE(s.ok);
    EXPECT_EQ(s.shape(), (std::vector<uint64_t>{2, 6, 4, 3}));
    EXPECT_EQ(s.a.dtype, CMP_I8);
    for (int v : values(s)) {
        EXPECT_GE(v, -8);
        EXPECT_LE(v, 7);
    }
    r = akisim(d, "run sgn --input s.npy -q");
    EXPECT_EQ(r.status, 0) << r.err;
    /* a PROGRAM carries the input in its header */
    r = akisim(d, "map demo --mesh akd1000 -o demo.prog");
    ASSERT_EQ(r.status, 0) << r.err;
    r = akisim(d, "input random --model demo.prog --n 2 --seed 3 -o p.npy");
    ASSERT_EQ(r.status, 0) << r.err;
    Npy pa(d / "p.npy");
    ASSERT_TRUE(pa.ok);
    EXPECT_EQ(pa.shape(), (std::vector<uint64_t>{2, 28, 28, 1}));
    /* same seed, same values as from the model (first 2 samples) */
    EXPECT_EQ(0, memcmp(pa.bytes(), a.bytes(), pa.a.count));
    r = akisim(d, "run demo.prog --mesh akd1000 --input p.npy -q");
    EXPECT_EQ(r.status, 0) << r.err;
}

TEST(CliInputRandom, BadInputExitsTwoAndWritesNothing) {
    TmpDir d;
    ASSERT_EQ(akisim(d, "demo -o demo -q").status, 0);
    const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
        {"input random --shape 4,3 -o x.npy", {"--shape", "4,3"}},
        {"input random --shape 4,0,1 -o x.npy", {"--shape"}},
        {"input random --shape 4,3,2,1 -o x.npy", {"--shape"}},
        {"input random --shape a,b,c -o x.npy", {"--shape"}},
        {"input random --shape 4,3,2 --bits 9 -o x.npy", {"--bits", "9"}},
        {"input random --shape 4,3,2 --bits 0 -o x.npy", {"--bits"}},
        {"input random --shape 4,3,2 --density 1.5 -o x.npy", {"--density", "1.5"}},
        {"input random --shape 4,3,2 --density -0.1 -o x.npy", {"--density"}},
        {"input random --shape 4,3,2 --seed -1 -o x.npy", {"--seed"}},
        {"input random --shape 4,3,2 --n 0 -o x.npy", {"--n"}},
        {"input random --shape 4,3,2", {"-o"}},
        {"input random -o x.npy", {"--shape", "--model"}},
        {"input random --shape 4,3,2 --model demo -o x.npy", {"--shape", "--model"}},
        {"input random --model demo --bits 4 -o x.npy", {"--bits", "--model"}},
        {"input random --model demo --signed -o x.npy", {"--signed"}},
        {"input random --model nope -o x.npy", {"nope"}},
        {"input noise --shape 4,3,2 -o x.npy", {"noise"}},
        {"input --shape 4,3,2 -o x.npy", {"random"}},
        {"input random --shape 4,3,2 --bogus -o x.npy", {"--bogus"}},
        {"input random --shape 65536,65536,4 -o x.npy", {"bytes"}},
        {"input random --shape 4,3,2 -o missing/x.npy", {"missing/x.npy"}},
    };
    for (const auto &c : cases) {
        SCOPED_TRACE(c.first);
        expect_bad(akisim(d, c.first), c.second);
        EXPECT_FALSE(exists(d / "x.npy"));
        EXPECT_FALSE(exists(d / "missing"));
    }
    const Cli h = akisim(d, "input --help");
    EXPECT_EQ(h.status, 0);
    EXPECT_NE(h.out.find("--density"), std::string::npos);
}

} // namespace
