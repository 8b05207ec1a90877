/*
 * test_fmnist: the Fashion-MNIST scenario (scenarios/fmnist/) end to end, through the built
 * akisim binary in a temporary directory:
 * - `akisim dataset fashion-mnist` on the Debian package's files (skipped with a message when
 *   the package dataset-fashion-mnist is absent) against the bytes `gzip -dc` gives, and on
 *   synthetic IDX files: hand-written ones, random ones (property test), and broken ones
 *   (bad magic, dimensions, truncated, trailing bytes, count mismatch, label range, corrupt
 *   gzip), each refused with exit 2, one message and no output file;
 * - the committed model: an independent naive int64 reference of its four layers (written
 *   here from docs/semantics.md) against `akisim run` on the first test images;
 * - the accuracy on the 10,000 test images (software backend) is >= 0.85 and equals the
 *   number recorded in scenarios/fmnist/README.md;
 * - on the simulated AKD1000 (and AKD1500), hw_only: outputs bit-identical to the software
 *   backend on the first images, and `evaluate --mesh` gives the software accuracy;
 * - `evaluate --mesh` option errors.
 * Under the sanitizers (AKISIM_SANITIZE) the subsets are smaller and the full 10,000-image
 * accuracy is left to the plain build.
 */
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmp/cmp_array.h"

#include "common/test_cli.hpp"

namespace {

using akisim_test::CliRun;
using akisim_test::exists;
using akisim_test::lines;
using akisim_test::slurp;

const char *const DATA_DIR = "/usr/share/datasets/fashion-mnist";
const std::string MODEL = AKISIM_SOURCE_DIR "/scenarios/fmnist";

#ifdef AKISIM_SANITIZE
const size_t HW_SUBSET = 64;  /* images run on the device model */
const size_t REF_SUBSET = 16; /* images checked against the naive reference */
#else
const size_t HW_SUBSET = 500;
const size_t REF_SUBSET = 100;
#endif

/* Output of a shell command (binary safe). */
std::string command_output(const std::string &cmd) {
    std::string out;
    FILE *p = popen(cmd.c_str(), "r");
    if (!p)
        return out;
    char buf[65536];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, p)) > 0)
        out.append(buf, got);
    pclose(p);
    return out;
}

bool have_dataset() {
    return exists(std::string(DATA_DIR) + "/t10k-images-idx3-ubyte.gz") &&
           exists(std::string(DATA_DIR) + "/t10k-labels-idx1-ubyte.gz");
}

#define SKIP_WITHOUT_DATASET()                                                                     \
    do {                                                                                           \
        if (!have_dataset())                                                                       \
            GTEST_SKIP() << "Fashion-MNIST not found in " << DATA_DIR                              \
                         << ": install the Debian package dataset-fashion-mnist "                  \
                            "(scripts/setup.sh does)";                                             \
    } while (0)

/* A big-endian IDX header for unsigned bytes. */
std::string idx_header(const std::vector<uint32_t> &dims) {
    std::string h = {'\0', '\0', '\x08', (char)dims.size()};
    for (uint32_t d : dims)
        for (int s = 24; s >= 0; s -= 8)
            h.push_back((char)((d >> s) & 0xff));
    return h;
}

class Fmnist : public ::testing::Test {
  protected:
    void SetUp() override {
        char tmpl[] = "/tmp/akisim_fmnist_XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir = tmpl;
    }
    void TearDown() override {
        std::string cmd = "rm -rf '" + dir + "'";
        ASSERT_EQ(system(cmd.c_str()), 0);
    }
    CliRun akisim(const std::string &args) {
        return akisim_test::akisim_in(dir, args);
    }
    /* Writes name (inside dir/src) gzip'ed, or plain when gz is false. */
    void write_file(const std::string &name, const std::string &bytes, bool gz = true) {
        ASSERT_EQ(system(("mkdir -p '" + dir + "/src'").c_str()), 0);
        const std::string path = dir + "/src/" + name;
        const std::string raw = gz ? path + ".raw" : path;
        {
            std::ofstream f(raw, std::ios::binary);
            f.write(bytes.data(), (std::streamsize)bytes.size());
        }
        if (gz) {
            const std::string cmd = "gzip -c '" + raw + "' >'" + path + "' && rm '" + raw + "'";
            ASSERT_EQ(system(cmd.c_str()), 0);
        }
    }
    /* A synthetic test split: n images of rows x cols and the given labels. */
    void write_split(const std::string &pixels, const std::vector<uint32_t> &img_dims,
                     const std::string &labels, const std::vector<uint32_t> &lab_dims) {
        write_file("t10k-images-idx3-ubyte.gz", idx_header(img_dims) + pixels);
        write_file("t10k-labels-idx1-ubyte.gz", idx_header(lab_dims) + labels);
    }
    /* Converts dir/src into dir/out; returns the run. */
    CliRun convert(const std::string &extra = "") {
        return akisim("dataset fashion-mnist --test -o out --data-dir src -q " + extra);
    }
    /* Expects a refused conversion naming `what`, with no output written. */
    void expect_refused(const std::string &what) {
        CliRun r = convert();
        EXPECT_EQ(r.status, 2) << r.err;
        EXPECT_EQ(lines(r.err), 1u) << r.err;
        EXPECT_EQ(r.err.rfind("akisim: ", 0), 0u) << r.err;
        EXPECT_NE(r.err.find(what), std::string::npos) << "expected '" << what << "' in " << r.err;
        EXPECT_FALSE(exists(dir + "/out/inputs.npy"));
        EXPECT_FALSE(exists(dir + "/out/labels.npy"));
    }
    cmp_array read(const std::string &name) {
        cmp_array a;
        npu_err err;
        npu_err_clear(&err);
        EXPECT_EQ(cmp_npy_read((dir + "/" + name).c_str(), &a, &err), NPU_OK) << err.msg;
        return a;
    }
    /* Converts the first n test images of the package into dir/<sub>/. */
    void convert_package(const std::string &sub, size_t n) {
        std::string args = "dataset fashion-mnist --test -q -o " + sub;
        if (n)
            args += " --limit " + std::to_string(n);
        CliRun r = akisim(args);
        ASSERT_EQ(r.status, 0) << r.err;
    }
    std::string dir;
};

/* ---- the converter on synthetic files ----------------------------------------------------- */

TEST_F(Fmnist, ConvertsHandWrittenIdx) {
    /* two 28x28 images: the first all 0 except pixel (row 1, column 2) = 200, the second
     * pixel value = (row + column) % 256; labels 7 and 0. */
    std::string px(2 * 784, '\0');
    px[1 * 28 + 2] = (char)200;
    for (int r = 0; r < 28; r++)
        for (int c = 0; c < 28; c++)
            px[784 + r * 28 + c] = (char)(r + c);
    write_split(px, {2, 28, 28}, std::string{'\x07', '\x00'}, {2});
    CliRun r = convert();
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "");
    cmp_array x = read("out/inputs.npy"), y = read("out/labels.npy");
    ASSERT_EQ(x.dtype, CMP_U8);
    ASSERT_EQ(x.ndim, 4u);
    EXPECT_EQ(x.shape[0], 2u);
    EXPECT_EQ(x.shape[1], 28u);
    EXPECT_EQ(x.shape[2], 28u);
    EXPECT_EQ(x.shape[3], 1u);
    const uint8_t *xd = (const uint8_t *)x.data;
    EXPECT_EQ(xd[(1 * 28 + 2) * 1], 200); /* (n=0, x=1, y=2, c=0) */
    EXPECT_EQ(xd[(2 * 28 + 1) * 1], 0);
    EXPECT_EQ(xd[784 + 27 * 28 + 27], 54);
    EXPECT_EQ(xd[784 + 3 * 28 + 5], 8);
    ASSERT_EQ(y.dtype, CMP_I32);
    ASSERT_EQ(y.ndim, 1u);
    ASSERT_EQ(y.shape[0], 2u);
    EXPECT_EQ(((const int32_t *)y.data)[0], 7);
    EXPECT_EQ(((const int32_t *)y.data)[1], 0);
    cmp_array_free(&x);
    cmp_array_free(&y);

    /* --limit 1 keeps the first sample; a plain (not gzip'ed) file reads the same */
    write_file("t10k-images-idx3-ubyte.gz", idx_header({2, 28, 28}) + px, false);
    r = convert("--limit 1");
    ASSERT_EQ(r.status, 0) << r.err;
    x = read("out/inputs.npy");
    y = read("out/labels.npy");
    EXPECT_EQ(x.shape[0], 1u);
    EXPECT_EQ(y.shape[0], 1u);
    EXPECT_EQ(((const uint8_t *)x.data)[1 * 28 + 2], 200);
    EXPECT_EQ(((const int32_t *)y.data)[0], 7);
    cmp_array_free(&x);
    cmp_array_free(&y);
}

TEST_F(Fmnist, ConvertsRandomIdxExactly) {
    std::mt19937 rng(21);
    for (int trial = 0; trial < 5; trial++) {
        const uint32_t n = 1 + rng() % 40;
        std::string px(n * 784, '\0'), lab(n, '\0');
        for (char &c : px)
            c = (char)(rng() & 0xff);
        for (char &c : lab)
            c = (char)(rng() % 10);
        write_split(px, {n, 28, 28}, lab, {n});
        const uint32_t limit = 1 + rng() % (n + 5);
        CliRun r = convert("--limit " + std::to_string(limit));
        ASSERT_EQ(r.status, 0) << r.err;
        const size_t keep = limit < n ? limit : n;
        cmp_array x = read("out/inputs.npy"), y = read("out/labels.npy");
        ASSERT_EQ(x.count, keep * 784) << "trial " << trial;
        ASSERT_EQ(y.count, keep);
        EXPECT_EQ(memcmp(x.data, px.data(), keep * 784), 0);
        for (size_t i = 0; i < keep; i++)
            EXPECT_EQ(((const int32_t *)y.data)[i], (int32_t)lab[i]);
        cmp_array_free(&x);
        cmp_array_free(&y);
    }
}

TEST_F(Fmnist, RefusesBrokenIdx) {
    const std::string px(3 * 784, '\x01'), lab = {'\x01', '\x02', '\x03'};
    write_split(px, {3, 28, 28}, lab, {3});
    ASSERT_EQ(convert().status, 0);
    ASSERT_EQ(system(("rm -rf '" + dir + "/out'").c_str()), 0);

    std::string bad = idx_header({3, 28, 28}) + px;
    bad[2] = '\x09'; /* type: not unsigned bytes */
    write_file("t10k-images-idx3-ubyte.gz", bad);
    expect_refused("bad IDX magic");

    write_split(px, {3, 28}, lab, {3}); /* two dimensions */
    expect_refused("2 dimensions, expected 3");

    write_split(px, {3, 27, 28}, lab, {3});
    expect_refused("dimension 1 is 27, expected 28");

    write_split(px, {2000000, 28, 28}, lab, {3}); /* refused before allocating 1.5 GB */
    expect_refused("2000000 samples, at most 1000000 accepted");

    write_split(px, {0, 28, 28}, "", {0});
    expect_refused("dimension 0 is 0");

    write_split(px.substr(0, px.size() - 1), {3, 28, 28}, lab, {3});
    expect_refused("truncated");

    write_split(px + "x", {3, 28, 28}, lab, {3});
    expect_refused("trailing bytes");

    write_split(px, {3, 28, 28}, lab.substr(0, 2), {2});
    expect_refused("holds 3 images but");

    write_split(px, {3, 28, 28}, std::string{'\x01', '\x0a', '\x03'}, {3});
    expect_refused("label 10 at index 1 is outside [0, 10)");

    write_file("t10k-images-idx3-ubyte.gz", "\x01\x02");
    expect_refused("not an IDX file");

    /* a gzip stream whose body is corrupt */
    write_split(px, {3, 28, 28}, lab, {3});
    std::string gz = slurp(dir + "/src/t10k-images-idx3-ubyte.gz");
    for (size_t i = 20; i < 60 && i < gz.size(); i++)
        gz[i] = (char)(gz[i] ^ 0x5a);
    write_file("t10k-images-idx3-ubyte.gz", gz, false);
    expect_refused("t10k-images-idx3-ubyte.gz");

    ASSERT_EQ(system(("rm '" + dir + "/src/t10k-labels-idx1-ubyte.gz'").c_str()), 0);
    write_split(px, {3, 28, 28}, lab, {3});
    ASSERT_EQ(system(("rm '" + dir + "/src/t10k-labels-idx1-ubyte.gz'").c_str()), 0);
    expect_refused("t10k-labels-idx1-ubyte.gz: cannot read");
}

TEST_F(Fmnist, DatasetUsageErrors) {
    const char *bad[] = {
        "dataset",                                       /* no name */
        "dataset mnist --test -o out",                   /* unknown dataset */
        "dataset fashion-mnist -o out",                  /* no split */
        "dataset fashion-mnist --test",                  /* no output */
        "dataset fashion-mnist --test --train -o out",   /* both splits */
        "dataset fashion-mnist --test -o out --limit 0", /* bad limit */
        "dataset fashion-mnist --test -o out --bogus",   /* unknown option */
    };
    for (const char *args : bad) {
        CliRun r = akisim(args);
        EXPECT_EQ(r.status, 2) << args;
        EXPECT_EQ(lines(r.err), 1u) << args << ": " << r.err;
        EXPECT_FALSE(exists(dir + "/out")) << args;
    }
    CliRun h = akisim("dataset --help");
    EXPECT_EQ(h.status, 0);
    EXPECT_NE(h.out.find("fashion-mnist"), std::string::npos);
}

/* ---- the packaged dataset ----------------------------------------------------------------- */

TEST_F(Fmnist, ConvertsPackagedTestSplit) {
    SKIP_WITHOUT_DATASET();
    convert_package("d", 0);
    cmp_array x = read("d/inputs.npy"), y = read("d/labels.npy");
    ASSERT_EQ(x.count, 10000u * 784);
    ASSERT_EQ(y.count, 10000u);
    /* the payload is the file's bytes after the 16-byte (images) / 8-byte (labels) header */
    const std::string img =
        command_output(std::string("gzip -dc ") + DATA_DIR + "/t10k-images-idx3-ubyte.gz");
    const std::string lab =
        command_output(std::string("gzip -dc ") + DATA_DIR + "/t10k-labels-idx1-ubyte.gz");
    ASSERT_EQ(img.size(), 16u + 10000u * 784);
    ASSERT_EQ(lab.size(), 8u + 10000u);
    EXPECT_EQ(memcmp(x.data, img.data() + 16, x.count), 0);
    std::vector<int> per_class(10, 0);
    for (size_t i = 0; i < 10000; i++) {
        const int32_t l = ((const int32_t *)y.data)[i];
        ASSERT_EQ(l, (int32_t)(uint8_t)lab[8 + i]);
        per_class[(size_t)l]++;
    }
    EXPECT_EQ(((const int32_t *)y.data)[0], 9); /* the first test image is an ankle boot */
    for (int c = 0; c < 10; c++)
        EXPECT_EQ(per_class[(size_t)c], 1000) << "class " << c; /* balanced test split */
    cmp_array_free(&x);
    cmp_array_free(&y);
}

/* ---- the model ----------------------------------------------------------------------------- */

/* A naive int64 reference of scenarios/fmnist (docs/semantics.md, Akida 1.0): conv_0
 * InputConvolutional (cross-correlation), conv_1 and conv_2 Convolutional (real convolution:
 * flipped kernel), all 3x3 stride 1 Same, max pool 2x2 on conv_0 and conv_1, 4-bit
 * activations; fc FullyConnected without activation. */
struct RefLayer {
    std::vector<int64_t> w, t, s; /* weights (kx, ky, c, f), threshold, step */
    size_t c = 0, f = 0;          /* input channels, filters */
};

RefLayer ref_layer(const cmp_npz &z, const std::string &name) {
    RefLayer l;
    const cmp_array *w = cmp_npz_get(&z, (name + "/weights").c_str());
    const cmp_array *t = cmp_npz_get(&z, (name + "/threshold").c_str());
    const cmp_array *s = cmp_npz_get(&z, (name + "/act_step").c_str());
    EXPECT_TRUE(w && t && s) << name;
    if (!w || !t || !s || w->dtype != CMP_I32 || w->ndim != 4)
        return l;
    l.c = (size_t)w->shape[2];
    l.f = (size_t)w->shape[3];
    for (size_t i = 0; i < w->count; i++)
        l.w.push_back(((const int32_t *)w->data)[i]);
    for (size_t i = 0; i < t->count; i++) {
        l.t.push_back(((const int32_t *)t->data)[i]);
        l.s.push_back(((const int32_t *)s->data)[i]);
    }
    return l;
}

/* One conv layer on an (X, X, C) tensor: potentials, optional 2x2 max pool, activation. */
std::vector<int64_t> ref_conv(const std::vector<int64_t> &in, size_t X, const RefLayer &l,
                              bool flip, bool pool) {
    std::vector<int64_t> p(X * X * l.f, 0);
    for (size_t ox = 0; ox < X; ox++)
        for (size_t oy = 0; oy < X; oy++)
            for (size_t f = 0; f < l.f; f++) {
                int64_t acc = 0;
                for (size_t i = 0; i < 3; i++)
                    for (size_t j = 0; j < 3; j++) {
                        const long ix = (long)ox + (long)i - 1, iy = (long)oy + (long)j - 1;
                        if (ix < 0 || iy < 0 || ix >= (long)X || iy >= (long)X)
                            continue;
                        const size_t wi = flip ? 2 - i : i, wj = flip ? 2 - j : j;
                        for (size_t c = 0; c < l.c; c++)
                            acc += in[((size_t)ix * X + (size_t)iy) * l.c + c] *
                                   l.w[((wi * 3 + wj) * l.c + c) * l.f + f];
                    }
                p[(ox * X + oy) * l.f + f] = acc;
            }
    const size_t O = pool ? X / 2 : X;
    std::vector<int64_t> out(O * O * l.f);
    for (size_t ox = 0; ox < O; ox++)
        for (size_t oy = 0; oy < O; oy++)
            for (size_t f = 0; f < l.f; f++) {
                const size_t k = pool ? 2 : 1; /* pool window k x k at (k ox, k oy) */
                int64_t v = p[(k * ox * X + k * oy) * l.f + f];
                if (pool)
                    for (size_t a = 0; a < 2; a++)
                        for (size_t b = 0; b < 2; b++)
                            v = std::max(v, p[((2 * ox + a) * X + 2 * oy + b) * l.f + f]);
                const int64_t d = v - l.t[f];
                const int64_t q = d <= 0 ? 0 : (d + l.s[f] - 1) / l.s[f];
                out[(ox * O + oy) * l.f + f] = q > 15 ? 15 : q;
            }
    return out;
}

std::vector<int64_t> ref_forward(const std::vector<RefLayer> &L, const uint8_t *img) {
    std::vector<int64_t> a(img, img + 784);
    a = ref_conv(a, 28, L[0], false, true);
    a = ref_conv(a, 14, L[1], true, true);
    a = ref_conv(a, 7, L[2], true, false);
    std::vector<int64_t> out(L[3].f, 0);
    for (size_t u = 0; u < L[3].f; u++)
        for (size_t i = 0; i < a.size(); i++)
            out[u] += a[i] * L[3].w[i * L[3].f + u];
    return out;
}

TEST_F(Fmnist, ModelMatchesNaiveReference) {
    SKIP_WITHOUT_DATASET();
    convert_package("d", REF_SUBSET);
    CliRun r = akisim("run '" + MODEL + "' --input d/inputs.npy --output y.npy -q");
    ASSERT_EQ(r.status, 0) << r.err;
    cmp_npz z;
    npu_err err;
    npu_err_clear(&err);
    ASSERT_EQ(cmp_npz_read((MODEL + "/model.npz").c_str(), &z, &err), NPU_OK) << err.msg;
    std::vector<RefLayer> L;
    for (const char *name : {"conv_0", "conv_1", "conv_2", "fc"})
        L.push_back(ref_layer(z, name));
    cmp_npz_free(&z);
    ASSERT_EQ(L[0].c, 1u);
    ASSERT_EQ(L[3].f, 10u);
    cmp_array x = read("d/inputs.npy"), y = read("y.npy");
    ASSERT_EQ(y.dtype, CMP_I32); /* the classifier has no activation: int32 potentials */
    ASSERT_EQ(y.count, REF_SUBSET * 10);
    size_t nonzero = 0;
    for (size_t n = 0; n < REF_SUBSET; n++) {
        const std::vector<int64_t> ref = ref_forward(L, (const uint8_t *)x.data + n * 784);
        for (size_t u = 0; u < 10; u++) {
            ASSERT_EQ(((const int32_t *)y.data)[n * 10 + u], ref[u]) << "image " << n;
            nonzero += ref[u] != 0;
        }
    }
    EXPECT_GT(nonzero, REF_SUBSET * 5); /* a real network, not all zeros */
    cmp_array_free(&x);
    cmp_array_free(&y);
}

/* The "N / 10000" of the README's table row starting with `row`, or -1. */
long readme_count(const std::string &row) {
    const std::string md = slurp(MODEL + "/README.md");
    std::smatch m;
    const std::regex re("\\| " + row + "[^|]*\\| *([0-9]+) / 10000 *\\|");
    return std::regex_search(md, m, re) ? std::stol(m[1]) : -1;
}

TEST_F(Fmnist, SoftwareAccuracyIsTheRecordedOne) {
    SKIP_WITHOUT_DATASET();
#ifdef AKISIM_SANITIZE
    GTEST_SKIP() << "the full 10,000-image evaluation runs in the plain build";
#endif
    convert_package("d", 0);
    CliRun r = akisim("evaluate '" + MODEL + "' --input d/inputs.npy --labels d/labels.npy --json");
    ASSERT_EQ(r.status, 0) << r.err;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(r.out, m, std::regex("\"correct\": ([0-9]+)"))) << r.out;
    const long correct = std::stol(m[1]);
    EXPECT_GE(correct, 8500) << "accuracy below 85 %";
    const long recorded = readme_count("software backend");
    ASSERT_GT(recorded, 0) << "no '| software backend ... | N / 10000 |' row in README.md";
    EXPECT_EQ(correct, recorded);
    EXPECT_EQ(readme_count("simulated AKD1000"), recorded);
    EXPECT_EQ(readme_count("integer reference"), recorded);
}

TEST_F(Fmnist, HardwareOutputsEqualSoftware) {
    SKIP_WITHOUT_DATASET();
    convert_package("d", HW_SUBSET);
    convert_package("d_small", HW_SUBSET / 8);
    CliRun r = akisim("run '" + MODEL + "' --input d/inputs.npy --output sw.npy -q");
    ASSERT_EQ(r.status, 0) << r.err;
    cmp_array sw = read("sw.npy");
    ASSERT_EQ(sw.dtype, CMP_I32);
    ASSERT_EQ(sw.count, HW_SUBSET * 10);
    for (const char *mesh : {"akd1000", "akd1500"}) {
        /* AKD1000 on the whole subset, AKD1500 on its first eighth */
        const bool big = std::string(mesh) == "akd1000";
        const size_t n = big ? HW_SUBSET : HW_SUBSET / 8;
        r = akisim("run '" + MODEL + "' --mesh " + mesh + " --hw-only --input " +
                   (big ? "d" : "d_small") + "/inputs.npy --output hw.npy -q");
        ASSERT_EQ(r.status, 0) << mesh << ": " << r.err;
        cmp_array hw = read("hw.npy");
        ASSERT_EQ(hw.dtype, CMP_I32) << mesh;
        ASSERT_EQ(hw.count, n * 10) << mesh;
        EXPECT_EQ(memcmp(hw.data, sw.data, n * 10 * sizeof(int32_t)), 0)
            << mesh << ": device outputs differ from the software backend";
        cmp_array_free(&hw);
    }
    cmp_array_free(&sw);
    /* evaluate --mesh gives the software accuracy (on the small subset: same outputs) */
    const std::string ev =
        "evaluate '" + MODEL + "' --input d_small/inputs.npy --labels d_small/labels.npy";
    CliRun a = akisim(ev);
    CliRun b = akisim(ev + " --mesh akd1000 --hw-only");
    ASSERT_EQ(a.status, 0) << a.err;
    ASSERT_EQ(b.status, 0) << b.err;
    EXPECT_EQ(a.out, b.out);
    EXPECT_NE(a.out.find("/" + std::to_string(HW_SUBSET / 8) + " correct"), std::string::npos)
        << a.out;
}

TEST_F(Fmnist, ScenarioRuns) {
    SKIP_WITHOUT_DATASET();
#ifdef AKISIM_SANITIZE
    GTEST_SKIP() << "the scenario sweep runs in the plain build";
#endif
    /* scenarios/fmnist.yaml with its model, in a copy of the scenarios/ layout */
    const std::string src = AKISIM_SOURCE_DIR "/scenarios";
    const std::string cmd = "mkdir -p '" + dir + "/sc/fmnist' && cp '" + src + "/fmnist.yaml' '" +
                            src + "/fmnist/model.json' '" + src + "/fmnist/model.npz' '" + dir +
                            "/sc/' && mv '" + dir + "/sc/model.json' '" + dir + "/sc/model.npz' '" +
                            dir + "/sc/fmnist/'";
    ASSERT_EQ(system(cmd.c_str()), 0);
    /* the data is missing: refused before any point runs */
    CliRun r = akisim("sweep sc/fmnist.yaml --out out -q");
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_NE(r.err.find("inputs.npy"), std::string::npos) << r.err;
    convert_package("sc/fmnist/data", 100);
    r = akisim("sweep sc/fmnist.yaml --out out -q");
    ASSERT_EQ(r.status, 0) << r.err;
    const std::string csv = slurp(dir + "/out/results.csv");
    EXPECT_EQ(lines(csv), 5u) << csv; /* header + 4 points */
    EXPECT_EQ(csv.find(",error,"), std::string::npos) << csv;
    EXPECT_NE(csv.find(",akd1000,"), std::string::npos);
    EXPECT_NE(csv.find(",akd1500,"), std::string::npos);
    /* every point carries the top-1 accuracy of its frames (column "accuracy", the 23rd):
     * batch 100 = what `akisim evaluate` gives on the 100 images, batch 1 = the first image */
    r = akisim("evaluate sc/fmnist/model.json --input sc/fmnist/data/inputs.npy --labels "
               "sc/fmnist/data/labels.npy --json");
    ASSERT_EQ(r.status, 0) << r.err;
    const double acc = std::stod(r.out.substr(r.out.find(':') + 1));
    std::istringstream rows(csv);
    std::string row;
    std::getline(rows, row);
    EXPECT_NE(row.find(",program_bytes,accuracy,error"), std::string::npos) << row;
    while (std::getline(rows, row)) {
        std::vector<std::string> f;
        std::istringstream fs(row);
        for (std::string x; std::getline(fs, x, ',');)
            f.push_back(x);
        ASSERT_GE(f.size(), 23u) << row;
        if (f[8] == "100")
            EXPECT_NEAR(std::stod(f[22]), acc, 1e-9) << row;
        else
            EXPECT_TRUE(f[22] == "0" || f[22] == "1") << row;
    }
}

TEST_F(Fmnist, EvaluateMeshOptionErrors) {
    SKIP_WITHOUT_DATASET();
    convert_package("d", 4);
    const std::string base = "evaluate '" + MODEL + "' --input d/inputs.npy --labels d/labels.npy";
    const char *bad[] = {" --hw-only", " --map-mode allnps", " --mesh akd1000 --map-mode fast",
                         " --mesh nosuchmesh", " --mesh akd1000 --clock-mode warp"};
    for (const char *extra : bad) {
        CliRun r = akisim(base + extra);
        EXPECT_EQ(r.status, 2) << extra << ": " << r.err;
        EXPECT_EQ(lines(r.err), 1u) << extra << ": " << r.err;
        EXPECT_EQ(r.err.rfind("akisim: ", 0), 0u) << r.err;
        EXPECT_EQ(r.out, "") << extra;
    }
    /* every map mode gives the same outputs, hence the same accuracy */
    const std::string sw = akisim(base).out;
    for (const char *mode : {"minimal", "allnps", "hwpr"})
        EXPECT_EQ(akisim(base + " --mesh akd1000 --map-mode " + mode).out, sw) << mode;
}

} // namespace
