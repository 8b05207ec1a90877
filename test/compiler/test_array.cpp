/*
 * test_array: the strict .npy codec and the .npz archive code (compiler/src/cmp_npy.c,
 * cmp_npz.c). Hand-written byte strings for each header version and each rejection, round
 * trips for every dtype, a randomized comparison of the encoder against a naive header
 * builder written here, every truncation of a valid file, and atomic-write failures.
 */
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "cmp/cmp_array.h"

namespace {

/* A fresh empty directory under the build tree, removed (non-recursively) at the end. */
class TmpDir {
  public:
    TmpDir() {
        std::string tmpl = std::string(AKISIM_BINARY_DIR) + "/tmp-test-array-XXXXXX";
        std::vector<char> b(tmpl.begin(), tmpl.end());
        b.push_back('\0');
        path_ = mkdtemp(b.data());
    }
    ~TmpDir() {
        for (const auto &f : list())
            unlink((path_ + "/" + f).c_str());
        rmdir(path_.c_str());
    }
    std::string file(const std::string &name) const {
        return path_ + "/" + name;
    }
    std::vector<std::string> list() const {
        std::vector<std::string> out;
        DIR *d = opendir(path_.c_str());
        if (!d)
            return out;
        while (dirent *e = readdir(d)) {
            std::string n = e->d_name;
            if (n != "." && n != "..")
                out.push_back(n);
        }
        closedir(d);
        return out;
    }
    const std::string &path() const {
        return path_;
    }

  private:
    std::string path_;
};

/* "\x93NUMPY" + version + little-endian header length + header + payload. */
std::string npy_bytes(int major, int minor, const std::string &header, const std::string &payload) {
    std::string s = "\x93NUMPY";
    s += char(major);
    s += char(minor);
    const size_t n = header.size();
    s += char(n & 0xff);
    s += char((n >> 8) & 0xff);
    if (major >= 2) {
        s += char((n >> 16) & 0xff);
        s += char((n >> 24) & 0xff);
    }
    return s + header + payload;
}

std::string le32(int32_t v) {
    std::string s(4, '\0');
    std::memcpy(&s[0], &v, 4);
    return s;
}

struct Parsed {
    npu_status st;
    cmp_array a;
    npu_err err;
};

Parsed parse(const std::string &bytes, const char *what = "x.npy") {
    Parsed p;
    npu_err_clear(&p.err);
    p.st = cmp_npy_parse(reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size(), what, &p.a,
                         &p.err);
    return p;
}

void expect_reject(const std::string &bytes, const char *needle) {
    Parsed p = parse(bytes, "bad.npy");
    EXPECT_EQ(p.st, NPU_ERR_INPUT) << needle;
    EXPECT_NE(std::string(p.err.msg).find("bad.npy"), std::string::npos) << p.err.msg;
    EXPECT_NE(std::string(p.err.msg).find(needle), std::string::npos) << p.err.msg;
    EXPECT_EQ(p.a.data, nullptr);
    cmp_array_free(&p.a);
}

const std::string HDR_I4_23 = "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), }";

std::string payload_1_to_6() {
    std::string s;
    for (int i = 1; i <= 6; i++)
        s += le32(i * (i % 2 ? -1 : 1));
    return s;
}

} // namespace

TEST(NpyParse, Version1HandWritten) {
    Parsed p = parse(npy_bytes(1, 0, HDR_I4_23 + "   \n", payload_1_to_6()));
    ASSERT_EQ(p.st, NPU_OK) << p.err.msg;
    EXPECT_EQ(p.a.dtype, CMP_I32);
    EXPECT_EQ(p.a.ndim, 2u);
    EXPECT_EQ(p.a.shape[0], 2u);
    EXPECT_EQ(p.a.shape[1], 3u);
    EXPECT_EQ(p.a.count, 6u);
    const int32_t *d = static_cast<const int32_t *>(p.a.data);
    const int32_t want[6] = {-1, 2, -3, 4, -5, 6};
    for (int i = 0; i < 6; i++)
        EXPECT_EQ(d[i], want[i]);
    cmp_array_free(&p.a);
}

TEST(NpyParse, Version2And3HandWritten) {
    for (int major : {2, 3}) {
        Parsed p = parse(npy_bytes(major, 0, HDR_I4_23 + "\n", payload_1_to_6()));
        ASSERT_EQ(p.st, NPU_OK) << p.err.msg;
        EXPECT_EQ(p.a.count, 6u);
        EXPECT_EQ(static_cast<const int32_t *>(p.a.data)[5], 6);
        cmp_array_free(&p.a);
    }
}

TEST(NpyParse, HeaderVariants) {
    /* Double quotes, other key order, no trailing comma, 1-d and 0-d shapes, '|u1'. */
    Parsed p =
        parse(npy_bytes(1, 0, "{\"shape\": (3,), \"fortran_order\": False, \"descr\": \"|u1\"}\n",
                        std::string("\x01\x02\xff", 3)));
    ASSERT_EQ(p.st, NPU_OK) << p.err.msg;
    EXPECT_EQ(p.a.dtype, CMP_U8);
    EXPECT_EQ(p.a.ndim, 1u);
    EXPECT_EQ(static_cast<const uint8_t *>(p.a.data)[2], 255);
    cmp_array_free(&p.a);

    p = parse(npy_bytes(1, 0, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }\n",
                        std::string("\x00\x00\xc0\x3f", 4)));
    ASSERT_EQ(p.st, NPU_OK) << p.err.msg;
    EXPECT_EQ(p.a.ndim, 0u);
    EXPECT_EQ(p.a.count, 1u);
    EXPECT_EQ(static_cast<const float *>(p.a.data)[0], 1.5f);
    cmp_array_free(&p.a);

    /* Empty array: a zero dimension, no payload. */
    p = parse(npy_bytes(1, 0, "{'descr': '<i8', 'fortran_order': False, 'shape': (0, 5), }\n", ""));
    ASSERT_EQ(p.st, NPU_OK) << p.err.msg;
    EXPECT_EQ(p.a.count, 0u);
    cmp_array_free(&p.a);
}

TEST(NpyParse, Rejections) {
    const std::string good_hdr = HDR_I4_23 + "\n";
    const std::string pay = payload_1_to_6();
    std::string bad_magic = npy_bytes(1, 0, good_hdr, pay);
    bad_magic[1] = 'n';
    expect_reject(bad_magic, "bad magic");
    expect_reject("\x93NUM", "bad magic");
    expect_reject(npy_bytes(4, 0, good_hdr, pay), "version 4.0");
    expect_reject(npy_bytes(1, 1, good_hdr, pay), "version 1.1");
    expect_reject(npy_bytes(0, 0, good_hdr, pay), "version 0.0");
    /* Header length beyond the end of the file. */
    expect_reject(npy_bytes(1, 0, good_hdr, "").substr(0, 30), "truncated .npy header");
    expect_reject(std::string("\x93NUMPY\x02\x00\x10", 9), "truncated .npy header");
    expect_reject(npy_bytes(1, 0, good_hdr, pay.substr(0, 20)), "truncated");
    expect_reject(npy_bytes(1, 0, good_hdr, pay + "x"), "trailing bytes");
    expect_reject(
        npy_bytes(1, 0, "{'descr': '<i4', 'fortran_order': True, 'shape': (2, 3), }\n", pay),
        "Fortran order");
    for (const char *dt : {"<c8", "<U5", "|b1", "<f2", "<u8", "O", "<i3", "|i4"})
        expect_reject(npy_bytes(1, 0,
                                std::string("{'descr': '") + dt +
                                    "', 'fortran_order': False, 'shape': (2, 3), }\n",
                                pay),
                      "unsupported .npy dtype");
    expect_reject(
        npy_bytes(1, 0, "{'descr': '>i4', 'fortran_order': False, 'shape': (2, 3), }\n", pay),
        "big-endian");
    expect_reject(npy_bytes(1, 0,
                            "{'descr': '<i4', 'fortran_order': False, 'shape': (4294967296, "
                            "4294967296), }\n",
                            pay),
                  "absurdly large");
    expect_reject(npy_bytes(1, 0,
                            "{'descr': '<i4', 'fortran_order': False, 'shape': (3000000000,), }\n",
                            pay),
                  "absurdly large");
    expect_reject(npy_bytes(1, 0,
                            "{'descr': '<i4', 'fortran_order': False, 'shape': "
                            "(99999999999999999999999999,), }\n",
                            pay),
                  "absurdly large");
    expect_reject(npy_bytes(1, 0,
                            "{'descr': '<i4', 'fortran_order': False, 'shape': (1, 1, 1, 1, 1, 1, "
                            "1, 1, 1), }\n",
                            pay),
                  "more than 8 dimensions");
    expect_reject(npy_bytes(1, 0, "{'descr': '<i4', 'shape': (2, 3), }\n", pay),
                  "lacks key 'fortran_order'");
    expect_reject(
        npy_bytes(1, 0,
                  "{'descr': '<i4', 'descr': '<i4', 'fortran_order': False, 'shape': (2, 3)}\n",
                  pay),
        "repeats key");
    expect_reject(npy_bytes(1, 0, HDR_I4_23.substr(0, HDR_I4_23.size() - 1) + "'x': 1}\n", pay),
                  "unknown key");
    expect_reject(
        npy_bytes(1, 0, "{'descr': '<i4', 'fortran_order': False, 'shape': (6), }\n", pay),
        "not a tuple");
    expect_reject(
        npy_bytes(1, 0, "{'descr': '<i4', 'fortran_order': False, 'shape': (-2, 3), }\n", pay),
        "'shape' must be a tuple");
    expect_reject(
        npy_bytes(1, 0, "{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (2, 3), }\n",
                  pay),
        "structured");
    expect_reject(npy_bytes(1, 0, HDR_I4_23 + " x\n", pay), "trailing bytes after dict");
    expect_reject(npy_bytes(1, 0, "[1, 2]\n", pay), "not a dict");
    expect_reject(
        npy_bytes(1, 0, "{'descr': '<i4\\n', 'fortran_order': False, 'shape': (2, 3), }\n", pay),
        "dtype");
}

/* Every strict prefix of a valid file is rejected (the payload length must match exactly). */
TEST(NpyParse, EveryTruncationRejected) {
    const std::string full = npy_bytes(1, 0, HDR_I4_23 + "\n", payload_1_to_6());
    for (size_t k = 0; k < full.size(); k++) {
        Parsed p = parse(full.substr(0, k));
        EXPECT_EQ(p.st, NPU_ERR_INPUT) << "prefix " << k;
        cmp_array_free(&p.a);
    }
}

/* Random byte corruption never crashes and never yields an array that disagrees with its
 * own shape. */
TEST(NpyParse, RandomCorruptionIsHandled) {
    std::mt19937 rng(7);
    const std::string full = npy_bytes(1, 0, HDR_I4_23 + "\n", payload_1_to_6());
    int rejected = 0;
    for (int it = 0; it < 3000; it++) {
        std::string s = full;
        const int flips = 1 + int(rng() % 3);
        for (int f = 0; f < flips; f++)
            s[rng() % s.size()] = char(rng() & 0xff);
        Parsed p = parse(s);
        if (p.st == NPU_OK) {
            size_t count = 1;
            for (uint32_t d = 0; d < p.a.ndim; d++)
                count *= p.a.shape[d];
            EXPECT_EQ(count, p.a.count);
        } else {
            EXPECT_EQ(p.st, NPU_ERR_INPUT);
            EXPECT_NE(p.err.msg[0], '\0');
            rejected++;
        }
        cmp_array_free(&p.a);
    }
    EXPECT_GT(rejected, 100);
}

namespace {

/* Naive reference encoder: the header numpy writes for a C-order little-endian array. */
std::string ref_encode(const char *descr, const std::vector<uint64_t> &shape,
                       const std::string &payload) {
    std::string h = std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': (";
    for (size_t i = 0; i < shape.size(); i++)
        h += (i ? ", " : "") + std::to_string(shape[i]);
    if (shape.size() == 1)
        h += ",";
    h += "), }";
    size_t total = 10 + h.size() + 1;
    while (total % 64)
        total++;
    h += std::string(total - 10 - h.size() - 1, ' ') + "\n";
    return npy_bytes(1, 0, h, payload);
}

} // namespace

TEST(NpyEncode, HandComputedHeader) {
    cmp_array a;
    npu_err err;
    const uint64_t shape[2] = {2, 3};
    ASSERT_EQ(cmp_array_alloc(&a, CMP_I32, 2, shape, &err), NPU_OK);
    uint8_t *buf;
    size_t len;
    ASSERT_EQ(cmp_npy_encode(&a, &buf, &len, &err), NPU_OK);
    /* 10 + 59 header characters + '\n' = 70, padded to 128. */
    ASSERT_EQ(len, 128u + 24u);
    EXPECT_EQ(buf[8], 118);
    EXPECT_EQ(buf[9], 0);
    EXPECT_EQ(std::string(reinterpret_cast<char *>(buf) + 10, 59), HDR_I4_23);
    EXPECT_EQ(buf[127], '\n');
    EXPECT_EQ(buf[126], ' ');
    free(buf);
    cmp_array_free(&a);
}

/* Every dtype, random shapes and contents: encode equals the naive reference, parse gives back
 * the same array, and the file round trip too. */
TEST(NpyEncode, RoundTripEveryDtypeRandom) {
    std::mt19937 rng(42);
    TmpDir dir;
    for (int it = 0; it < 200; it++) {
        const cmp_dtype t = cmp_dtype(it % CMP_DTYPE_COUNT);
        const uint32_t nd = rng() % 5;
        std::vector<uint64_t> shape(nd);
        for (auto &d : shape)
            d = rng() % 5;
        cmp_array a;
        npu_err err;
        ASSERT_EQ(cmp_array_alloc(&a, t, nd, shape.data(), &err), NPU_OK);
        const size_t bytes = a.count * cmp_dtype_size(t);
        ASSERT_EQ(cmp_dtype_size(t), std::string(cmp_dtype_descr(t)).back() - '0');
        uint8_t *p = static_cast<uint8_t *>(a.data);
        for (size_t i = 0; i < bytes; i++)
            p[i] = uint8_t(rng());
        uint8_t *buf;
        size_t len;
        ASSERT_EQ(cmp_npy_encode(&a, &buf, &len, &err), NPU_OK);
        const std::string want =
            ref_encode(cmp_dtype_descr(t), shape, std::string(reinterpret_cast<char *>(p), bytes));
        ASSERT_EQ(std::string(reinterpret_cast<char *>(buf), len), want) << cmp_dtype_name(t);
        Parsed back = parse(std::string(reinterpret_cast<char *>(buf), len));
        free(buf);
        ASSERT_EQ(back.st, NPU_OK) << back.err.msg;
        EXPECT_EQ(back.a.dtype, t);
        EXPECT_EQ(back.a.ndim, nd);
        for (uint32_t d = 0; d < nd; d++)
            EXPECT_EQ(back.a.shape[d], shape[d]);
        EXPECT_EQ(std::memcmp(back.a.data, a.data, bytes), 0);
        cmp_array_free(&back.a);

        const std::string f = dir.file("a" + std::to_string(it) + ".npy");
        ASSERT_EQ(cmp_npy_write(f.c_str(), &a, &err), NPU_OK) << err.msg;
        cmp_array r;
        ASSERT_EQ(cmp_npy_read(f.c_str(), &r, &err), NPU_OK) << err.msg;
        EXPECT_EQ(r.dtype, t);
        EXPECT_EQ(r.count, a.count);
        EXPECT_EQ(std::memcmp(r.data, a.data, bytes), 0);
        cmp_array_free(&r);
        cmp_array_free(&a);
    }
}

TEST(NpyFile, MissingFileNamed) {
    cmp_array a;
    npu_err err;
    EXPECT_EQ(cmp_npy_read("/nonexistent/akisim/x.npy", &a, &err), NPU_ERR_INPUT);
    EXPECT_NE(std::string(err.msg).find("/nonexistent/akisim/x.npy"), std::string::npos);
}

TEST(NpyFile, AtomicWriteLeavesNothingOnFailure) {
    TmpDir dir;
    cmp_array a;
    npu_err err;
    const uint64_t shape[1] = {4};
    ASSERT_EQ(cmp_array_alloc(&a, CMP_U8, 1, shape, &err), NPU_OK);
    /* Non-existent directory. */
    const std::string missing = dir.file("nope/x.npy");
    EXPECT_NE(cmp_npy_write(missing.c_str(), &a, &err), NPU_OK);
    EXPECT_NE(std::string(err.msg).find(missing), std::string::npos) << err.msg;
    EXPECT_TRUE(dir.list().empty());
    /* The destination is a directory: the rename fails and the temporary file is removed. */
    const std::string target = dir.file("target");
    ASSERT_EQ(mkdir(target.c_str(), 0755), 0);
    EXPECT_NE(cmp_npy_write(target.c_str(), &a, &err), NPU_OK);
    EXPECT_EQ(dir.list(), std::vector<std::string>{"target"});
    rmdir(target.c_str());
    /* Same for an .npz. */
    cmp_npz z = {};
    ASSERT_EQ(cmp_npz_add(&z, "k", &a, &err), NPU_OK);
    EXPECT_NE(cmp_npz_write(dir.file("nope/x.npz").c_str(), &z, &err), NPU_OK);
    EXPECT_TRUE(dir.list().empty());
    /* A successful write replaces an existing file and leaves only it. */
    ASSERT_EQ(cmp_npz_write(dir.file("x.npz").c_str(), &z, &err), NPU_OK) << err.msg;
    ASSERT_EQ(cmp_npz_write(dir.file("x.npz").c_str(), &z, &err), NPU_OK) << err.msg;
    EXPECT_EQ(dir.list(), std::vector<std::string>{"x.npz"});
    cmp_npz_free(&z);
    cmp_array_free(&a);
}

namespace {

cmp_array make_i32(std::vector<uint64_t> shape, int32_t base) {
    cmp_array a;
    npu_err err;
    EXPECT_EQ(cmp_array_alloc(&a, CMP_I32, uint32_t(shape.size()), shape.data(), &err), NPU_OK);
    for (size_t i = 0; i < a.count; i++)
        static_cast<int32_t *>(a.data)[i] = base - int32_t(i) * 3;
    return a;
}

std::string read_file(const std::string &p) {
    std::ifstream f(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), {});
}

void write_file(const std::string &p, const std::string &s) {
    std::ofstream f(p, std::ios::binary | std::ios::trunc);
    f << s;
}

} // namespace

TEST(Npz, RoundTrip) {
    TmpDir dir;
    npu_err err;
    cmp_npz z = {};
    cmp_array a = make_i32({2, 3}, 100), b = make_i32({5}, -7);
    cmp_array f;
    const uint64_t fs[1] = {3};
    ASSERT_EQ(cmp_array_alloc(&f, CMP_F32, 1, fs, &err), NPU_OK);
    static_cast<float *>(f.data)[1] = 0.25f;
    ASSERT_EQ(cmp_npz_add(&z, "conv_0/weights", &a, &err), NPU_OK);
    ASSERT_EQ(cmp_npz_add(&z, "conv_0/threshold", &b, &err), NPU_OK);
    ASSERT_EQ(cmp_npz_add(&z, "deq/scales", &f, &err), NPU_OK);
    const std::string path = dir.file("m.npz");
    ASSERT_EQ(cmp_npz_write(path.c_str(), &z, &err), NPU_OK) << err.msg;
    /* Deterministic bytes. */
    const std::string first = read_file(path);
    ASSERT_EQ(cmp_npz_write(path.c_str(), &z, &err), NPU_OK);
    EXPECT_EQ(read_file(path), first);

    cmp_npz r;
    ASSERT_EQ(cmp_npz_read(path.c_str(), &r, &err), NPU_OK) << err.msg;
    ASSERT_EQ(r.n, 3u);
    for (size_t i = 0; i < z.n; i++) {
        const cmp_array *x = cmp_npz_get(&r, z.keys[i]);
        ASSERT_NE(x, nullptr) << z.keys[i];
        EXPECT_EQ(x->dtype, z.arrays[i].dtype);
        EXPECT_EQ(x->ndim, z.arrays[i].ndim);
        EXPECT_EQ(x->count, z.arrays[i].count);
        EXPECT_EQ(std::memcmp(x->data, z.arrays[i].data, x->count * cmp_dtype_size(x->dtype)), 0);
    }
    EXPECT_EQ(cmp_npz_get(&r, "conv_0/weights.npy"), nullptr);
    EXPECT_EQ(static_cast<const int32_t *>(cmp_npz_get(&r, "conv_0/threshold")->data)[4], -19);
    cmp_npz_free(&r);
    cmp_npz_free(&z);
    cmp_array_free(&a);
    cmp_array_free(&b);
    cmp_array_free(&f);
}

TEST(Npz, EmptyArchiveRoundTrip) {
    TmpDir dir;
    npu_err err;
    cmp_npz z = {};
    const std::string path = dir.file("e.npz");
    ASSERT_EQ(cmp_npz_write(path.c_str(), &z, &err), NPU_OK) << err.msg;
    cmp_npz r;
    ASSERT_EQ(cmp_npz_read(path.c_str(), &r, &err), NPU_OK) << err.msg;
    EXPECT_EQ(r.n, 0u);
    cmp_npz_free(&r);
}

/* An archive with a stored (uncompressed) member, written with libzip directly. */
TEST(Npz, ReadsStoredMembers) {
    TmpDir dir;
    const std::string path = dir.file("s.npz");
    const std::string npy = npy_bytes(1, 0, HDR_I4_23 + "\n", payload_1_to_6());
    int zerr = 0;
    zip_t *za = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &zerr);
    ASSERT_NE(za, nullptr);
    zip_source_t *src = zip_source_buffer(za, npy.data(), npy.size(), 0);
    const zip_int64_t idx = zip_file_add(za, "layer/w.npy", src, 0);
    ASSERT_GE(idx, 0);
    ASSERT_EQ(zip_set_file_compression(za, zip_uint64_t(idx), ZIP_CM_STORE, 0), 0);
    ASSERT_EQ(zip_close(za), 0);
    cmp_npz r;
    npu_err err;
    ASSERT_EQ(cmp_npz_read(path.c_str(), &r, &err), NPU_OK) << err.msg;
    ASSERT_EQ(r.n, 1u);
    EXPECT_STREQ(r.keys[0], "layer/w");
    EXPECT_EQ(static_cast<const int32_t *>(r.arrays[0].data)[2], -3);
    cmp_npz_free(&r);
}

TEST(Npz, RejectsBadArchives) {
    TmpDir dir;
    npu_err err;
    cmp_npz z = {};
    cmp_array a = make_i32({64, 64}, 5);
    ASSERT_EQ(cmp_npz_add(&z, "l/w", &a, &err), NPU_OK);
    const std::string good = dir.file("good.npz");
    ASSERT_EQ(cmp_npz_write(good.c_str(), &z, &err), NPU_OK);
    const std::string bytes = read_file(good);
    cmp_npz r;

    /* Truncated archives, at several lengths. */
    for (size_t cut : {size_t(0), size_t(10), bytes.size() / 2, bytes.size() - 1}) {
        const std::string p = dir.file("trunc.npz");
        write_file(p, bytes.substr(0, cut));
        EXPECT_EQ(cmp_npz_read(p.c_str(), &r, &err), NPU_ERR_INPUT) << cut;
        EXPECT_NE(std::string(err.msg).find(p), std::string::npos) << err.msg;
        EXPECT_EQ(r.n, 0u);
    }
    /* Corrupted compressed data: inflate or CRC error. */
    std::string bad = bytes;
    for (size_t i = 60; i < 90 && i < bad.size(); i++)
        bad[i] = char(bad[i] ^ 0x5a);
    const std::string pc = dir.file("corrupt.npz");
    write_file(pc, bad);
    EXPECT_EQ(cmp_npz_read(pc.c_str(), &r, &err), NPU_ERR_INPUT);
    EXPECT_NE(std::string(err.msg).find("corrupt.npz"), std::string::npos) << err.msg;

    /* A member that is not an .npy. */
    const std::string pn = dir.file("notnpy.npz");
    int zerr = 0;
    zip_t *za = zip_open(pn.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &zerr);
    ASSERT_NE(za, nullptr);
    ASSERT_GE(zip_file_add(za, "readme.txt", zip_source_buffer(za, "hi", 2, 0), 0), 0);
    ASSERT_EQ(zip_close(za), 0);
    EXPECT_EQ(cmp_npz_read(pn.c_str(), &r, &err), NPU_ERR_INPUT);
    EXPECT_NE(std::string(err.msg).find("readme.txt"), std::string::npos) << err.msg;

    /* A member whose .npy is bad names archive and key. */
    const std::string pb = dir.file("badnpy.npz");
    za = zip_open(pb.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &zerr);
    ASSERT_NE(za, nullptr);
    const std::string be =
        npy_bytes(1, 0, "{'descr': '>i4', 'fortran_order': False, 'shape': (1,), }\n", "abcd");
    ASSERT_GE(zip_file_add(za, "c/w.npy", zip_source_buffer(za, be.data(), be.size(), 0), 0), 0);
    ASSERT_EQ(zip_close(za), 0);
    EXPECT_EQ(cmp_npz_read(pb.c_str(), &r, &err), NPU_ERR_INPUT);
    EXPECT_NE(std::string(err.msg).find("badnpy.npz:c/w"), std::string::npos) << err.msg;
    EXPECT_NE(std::string(err.msg).find("big-endian"), std::string::npos) << err.msg;

    /* Duplicate keys are refused on write. */
    ASSERT_EQ(cmp_npz_add(&z, "l/w", &a, &err), NPU_OK);
    EXPECT_EQ(cmp_npz_write(dir.file("dup.npz").c_str(), &z, &err), NPU_ERR_INPUT);
    EXPECT_NE(std::string(err.msg).find("twice"), std::string::npos);

    cmp_npz_free(&z);
    cmp_array_free(&a);
    for (const auto &f : dir.list())
        unlink(dir.file(f).c_str());
}
