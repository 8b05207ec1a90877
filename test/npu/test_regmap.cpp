/*
 * test_regmap: the generated NP register map (npu_regmap.h from npu/regmap/regmap.yaml).
 *
 * Hand-checked offsets and bit positions; randomized field set/get against a naive int64
 * reference; structural properties of the descriptor tables (no overlapping fields or
 * registers, masks consistent with LSB/width); docs/register-map.md equal to the generator's
 * output (drift test); and the generator rejecting bad descriptions (overlapping fields,
 * width 0, a field beyond bit 31, duplicate names, overlapping registers, unknown keys) with
 * a non-zero exit and a "file:line: ... field" message.
 */
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "npu_regmap.h"

namespace {

std::string slurp(const std::string &path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

/* Naive reference: value of bits [lsb, lsb + width) of w. */
int64_t ref_get(int64_t w, int lsb, int width) {
    return (w >> lsb) & ((int64_t(1) << width) - 1);
}

TEST(Regmap, HandCheckedLayout) {
    EXPECT_EQ(NPU_RM_LAYER_OFFSET, 0u);
    EXPECT_EQ(NPU_RM_KERNEL_OFFSET, 7u);
    EXPECT_EQ(NPU_RM_DEST_IDENT_OFFSET, 16u);
    EXPECT_EQ(NPU_RM_DEST_IDENT_NWORDS, NPU_RM_MAX_DESTINATIONS);
    EXPECT_EQ(NPU_RM_DEST_FILTERS_OFFSET, 48u);
    EXPECT_EQ(NPU_RM_DEST_COLS_OFFSET, 80u);
    EXPECT_EQ(NPU_RM_KERNEL_KY_LSB, 4u);
    EXPECT_EQ(NPU_RM_KERNEL_KY_MASK, 0xf0u);
    EXPECT_EQ(NPU_RM_DEST_IDENT_VALID_MASK, 0x80000000u);
    EXPECT_EQ(NPU_RM_IN_XY_Y_MASK, 0xffff0000u);
    EXPECT_EQ(NPU_RM_SCALES_ENTRY_WORDS, 3u);
    EXPECT_EQ(NPU_RM_REGION_WEIGHTS, 0);
    EXPECT_EQ(NPU_RM_REGION_INPUT_SHIFTS, 3);
    /* kernel 3x3, stride 2x1, pad 1/0 */
    uint32_t w = 0;
    w = npu_rm_kernel_kx_set(w, 3);
    w = npu_rm_kernel_ky_set(w, 3);
    w = npu_rm_kernel_sx_set(w, 2);
    w = npu_rm_kernel_sy_set(w, 1);
    w = npu_rm_kernel_pad_x_set(w, 1);
    EXPECT_EQ(w, 0x00011233u);
    EXPECT_EQ(npu_rm_kernel_sx_get(w), 2u);
    /* set overwrites only its field and truncates to the width */
    w = npu_rm_kernel_kx_set(w, 0x1f);
    EXPECT_EQ(w, 0x0001123fu);
    EXPECT_EQ(npu_rm_in_xy_y_set(0xffffffffu, 7), 0x0007ffffu);
    EXPECT_EQ(npu_rm_ext_addr_addr_set(0, 0xdeadbeefu), 0xdeadbeefu);
    EXPECT_EQ(npu_rm_scales_shifts_output_shift_get(0x0000fe05u), 0xfeu);
    EXPECT_EQ(npu_rm_types[NPU_RM_TYPE_FNP].nregs, NPU_RM_FNP_NREGS);
    EXPECT_STREQ(npu_rm_types[NPU_RM_TYPE_CNP].mesh_types[1], "CNP2");
}

TEST(Regmap, RandomFieldSetGetMatchesReference) {
    std::mt19937 rng(7);
    for (size_t r = 0; r < NPU_RM_NUM_REGISTERS; r++) {
        const npu_rm_reg_desc &d = npu_rm_registers[r];
        for (size_t f = 0; f < d.n_fields; f++) {
            const npu_rm_field_desc &fd = d.fields[f];
            for (int it = 0; it < 200; it++) {
                uint32_t w = rng();
                EXPECT_EQ(int64_t(npu_rm_field_get(&fd, w)), ref_get(w, fd.lsb, fd.width))
                    << d.name << "." << fd.name;
            }
        }
    }
    /* the generated inline helpers agree with the reference on a few registers */
    for (int it = 0; it < 1000; it++) {
        uint32_t w = rng(), v = rng();
        EXPECT_EQ(int64_t(npu_rm_layer_index_get(w)), ref_get(w, 16, 16));
        EXPECT_EQ(int64_t(npu_rm_bits_out_get(w)), ref_get(w, 8, 6));
        EXPECT_EQ(int64_t(npu_rm_pool_stride_y_get(npu_rm_pool_stride_y_set(w, v))),
                  int64_t(v & 0xf));
        uint32_t s = npu_rm_dest_ident_row_set(w, v);
        EXPECT_EQ(int64_t(s & ~0xff00u), int64_t(w & ~0xff00u));
        EXPECT_EQ(int64_t(npu_rm_dest_ident_row_get(s)), int64_t(v & 0xff));
    }
}

TEST(Regmap, TablesHaveNoOverlaps) {
    for (size_t r = 0; r < NPU_RM_NUM_REGISTERS; r++) {
        const npu_rm_reg_desc &d = npu_rm_registers[r];
        uint32_t used = 0;
        for (size_t f = 0; f < d.n_fields; f++) {
            const npu_rm_field_desc &fd = d.fields[f];
            ASSERT_GE(fd.width, 1u);
            ASSERT_LE(fd.lsb + fd.width, 32u);
            uint32_t m = uint32_t(((uint64_t(1) << fd.width) - 1) << fd.lsb);
            EXPECT_EQ(used & m, 0u) << d.name << "." << fd.name;
            used |= m;
        }
        EXPECT_EQ(used, d.used_mask) << d.name;
        EXPECT_EQ(d.reset & ~d.used_mask, 0u) << d.name;
    }
    for (int t = 0; t < NPU_RM_TYPE_COUNT; t++) {
        std::vector<int> owner(npu_rm_types[t].nregs, -1);
        for (size_t r = 0; r < NPU_RM_NUM_REGISTERS; r++) {
            const npu_rm_reg_desc &d = npu_rm_registers[r];
            if (!(d.types & (1u << t))) {
                continue;
            }
            for (uint32_t k = 0; k < d.nwords; k++) {
                ASSERT_LT(d.offset + k, npu_rm_types[t].nregs) << d.name;
                EXPECT_EQ(owner[d.offset + k], -1) << d.name << " overlaps";
                owner[d.offset + k] = int(r);
                EXPECT_EQ(npu_rm_reg_at(npu_rm_type(t), d.offset + k), &d);
            }
        }
    }
    EXPECT_EQ(npu_rm_reg_at(NPU_RM_TYPE_CNP, NPU_RM_EXT_ADDR_OFFSET), nullptr);
    EXPECT_EQ(npu_rm_reg_at(NPU_RM_TYPE_CNP, 15), nullptr);
}

TEST(Regmap, DocsDoNotDrift) {
    std::string committed = slurp(std::string(AKISIM_SOURCE_DIR) + "/docs/register-map.md");
    std::string generated = slurp(std::string(AKISIM_BINARY_DIR) + "/generated/register-map.md");
    ASSERT_FALSE(generated.empty());
    EXPECT_TRUE(committed == generated)
        << "docs/register-map.md differs from the generator's output; copy " << AKISIM_BINARY_DIR
        << "/generated/register-map.md over it";
}

/* Runs the generator on a description; returns the exit status and its stderr. */
int run_gen(const std::string &yaml, std::string *out, bool write_c = false) {
    char dir[] = "/tmp/akisim_rm_XXXXXX";
    if (mkdtemp(dir) == nullptr) {
        return -1;
    }
    std::string y = std::string(dir) + "/rm.yaml", h = std::string(dir) + "/rm.h";
    std::ofstream(y) << yaml;
    std::string cmd = std::string(AKISIM_BINARY_DIR) + "/npu/gen_regmap " + y +
                      (write_c ? " --c " + h : "") + " 2>&1";
    FILE *p = popen(cmd.c_str(), "r");
    char buf[512];
    out->clear();
    while (p && fgets(buf, sizeof buf, p)) {
        *out += buf;
    }
    int st = p ? pclose(p) : -1;
    remove(h.c_str());
    remove(y.c_str());
    rmdir(dir);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

const char *kGood = R"(name: t
version: 1
word_bits: 32
max_destinations: 2
np_types:
  - {name: CNP, mesh_types: [CNP1], nregs: 8, regions: [WEIGHTS]}
regions:
  - {name: WEIGHTS, id: 0, description: w}
registers:
  - name: A
    offset: 0
    types: [CNP]
    fields:
      - {name: F1, lsb: 0, width: 4}
      - {name: F2, lsb: 4, width: 4}
  - name: B
    offset: 1
    count: 2
    types: [CNP]
    fields:
      - {name: G, lsb: 0, width: 32}
)";

std::string replaced(std::string s, const std::string &a, const std::string &b) {
    size_t at = s.find(a);
    EXPECT_NE(at, std::string::npos) << a;
    if (at != std::string::npos) {
        s.replace(at, a.size(), b);
    }
    return s;
}

TEST(Regmap, GeneratorAcceptsGoodDescription) {
    std::string out;
    EXPECT_EQ(run_gen(kGood, &out, true), 0) << out;
}

struct BadCase {
    const char *name; /* test label */
    const char *from; /* text replaced in kGood */
    const char *to;   /* replacement */
    const char *msg;  /* expected message part */
};

TEST(Regmap, GeneratorRejectsBadDescriptions) {
    const BadCase cases[] = {
        {"overlap", "{name: F2, lsb: 4, width: 4}", "{name: F2, lsb: 3, width: 4}",
         "field F2 (bits 3..6) overlaps field F1"},
        {"width0", "{name: F2, lsb: 4, width: 4}", "{name: F2, lsb: 4, width: 0}",
         "field F2: width 0"},
        {"beyond32", "{name: F2, lsb: 4, width: 4}", "{name: F2, lsb: 30, width: 4}",
         "field F2: bits 30..33 go beyond bit 31"},
        {"dupfield", "{name: F2, lsb: 4, width: 4}", "{name: F1, lsb: 4, width: 4}",
         "duplicate field name F1"},
        {"dupreg", "  - name: B\n", "  - name: A\n", "duplicate register name"},
        {"regoverlap", "    offset: 1\n", "    offset: 0\n", "overlaps register A"},
        {"beyondblock", "nregs: 8", "nregs: 2", "beyond the 2 registers of CNP"},
        {"unknownkey", "    offset: 1\n", "    offset: 1\n    ofset: 2\n", "unknown key 'ofset'"},
        {"badtype", "types: [CNP]\n    fields:\n      - {name: G",
         "types: [XNP]\n    fields:\n      - {name: G", "unknown NP type 'XNP'"},
        {"reset", "    count: 2\n", "    count: 2\n    reset: 0x1\n", ""},
        {"badreset", "    offset: 0\n", "    offset: 0\n    reset: 0x100\n", "sets reserved bits"},
        {"lowercase", "{name: F2,", "{name: f2,", "upper-case identifier"},
        {"nested", "{name: F1, lsb: 0, width: 4}", "{name: F1, lsb: x, width: 4}",
         "'lsb' must be an integer"},
    };
    for (const BadCase &c : cases) {
        std::string out;
        int rc = run_gen(replaced(kGood, c.from, c.to), &out);
        if (std::string(c.name) == "reset") { /* a valid variation: control case */
            EXPECT_EQ(rc, 0) << out;
            continue;
        }
        EXPECT_NE(rc, 0) << c.name;
        EXPECT_NE(out.find("rm.yaml:"), std::string::npos) << c.name << ": " << out;
        EXPECT_NE(out.find(c.msg), std::string::npos) << c.name << ": " << out;
    }
}

TEST(Regmap, GeneratorRejectsNonYaml) {
    std::string out;
    EXPECT_NE(run_gen("a: [unclosed\n", &out), 0);
    EXPECT_NE(run_gen("- just\n- a list\n", &out), 0);
    EXPECT_NE(out.find("top level"), std::string::npos) << out;
}

} // namespace
