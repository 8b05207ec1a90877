/*
 * test_cosim: the cross-check flow of rtl/cosim.
 *
 * - the checker itself, on hand-made observable events: the C model's own outputs pass; an
 *   altered value, a missing or an extra event, or wrong busy cycles are reported with the
 *   layer, NP, frame and event index, expected and actual, and the checker stops there;
 * - >= 10,000 randomized vectors per block (a vector = one input frame of one configured NP
 *   slice, every output event and the busy cycles compared; router: one packet) with zero
 *   mismatches and C cycles = RTL cycles (router: the C NoC model's latency for the
 *   uncontended packets, docs/rtl.md bound);
 * - the deliberately broken CNP (Vcnp_bug, test-only define): the checker reports the first
 *   mismatch (layer, NP, event index) and writes a VCD around it;
 * - negative CLI cases (bad --block, bad --rtl spec, unknown ident).
 * The zoo-model layers and the mixed-level runs are in test_cosim_zoo.cpp.
 */
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/stat.h>

#include "Vcnp.h"
#include "Vcnp_bug.h"
#include "cmp/cmp_program.h"
#include "common/test_rig.hpp"
#include "cosim.hpp"

namespace {

/* A Conv2D 1x1 layer (2x2x1 input, 1 filter, weight 3, bias 7, scale 1, 32-bit output) on
 * one NP: the C model's output for the event (1,0,0)=5 is (0,0,0)=7 (0,1,0)=7 (1,0,0)=22
 * (1,1,0)=7, and its cycles one event x (overhead + 1 group x cycles of a 1x1 kernel) +
 * 4 positions x 1 group x output cycles (with the RTL's build parameters; 1 + 1 + 4 = 6 with
 * the unit parameters). */
struct HandCase {
    test_rig::Rig r{"hand"};             /* model, one-NP mapping, program */
    std::vector<cosim::CfgWrite> writes; /* the NP's configuration writes */
    mesh_ident id = {1, 2, 0};           /* the NP (the rig's first slot) */

    HandCase() {
        test_rig::add_conv1x1(r, {2, 2, 1}, 3, 7, 0);
        test_rig::finish_one(r, 1, MESH_NP_CNP1);
        if (r.prog) {
            writes = cosim::program_writes(r.prog, 0, id);
        }
    }
};

const npu_event kIn = {1, 0, 0, 5};

/* The hand formula above. */
uint64_t hand_cycles(uint64_t events) {
    npu_cost_params p = cosim::rtl_params();
    return uint64_t(double(events) * (p.cnp_event_overhead + p.cnp_event_cycles[1]) +
                    4.0 * p.cnp_output_cycles);
}

TEST(CosimChecker, HandEventsPassAndCyclesMatch) {
    HandCase h;
    cosim::CModelChecker c(NPU_NP_CNP, cosim::rtl_params(), true, 0, h.id);
    ASSERT_TRUE(c.configured(h.writes, true));
    ASSERT_TRUE(c.frame_start());
    ASSERT_TRUE(c.event_in(kIn));
    const npu_event out[4] = {{0, 0, 0, 7}, {0, 1, 0, 7}, {1, 0, 0, 22}, {1, 1, 0, 7}};
    for (const auto &e : out) {
        ASSERT_TRUE(c.event_out(e)) << c.errors().front();
    }
    EXPECT_EQ(c.formula_cycles(1), hand_cycles(1));
    EXPECT_TRUE(c.done(hand_cycles(1)));
    EXPECT_TRUE(c.errors().empty());
    EXPECT_EQ(c.stats().frames, 1u);
    EXPECT_EQ(c.stats().events_out, 4u);
}

TEST(CosimChecker, ReportsFirstWrongEventWithLayerNpIndex) {
    HandCase h;
    cosim::CModelChecker c(NPU_NP_CNP, cosim::rtl_params(), true, 0, h.id);
    ASSERT_TRUE(c.configured(h.writes, true));
    ASSERT_TRUE(c.frame_start());
    ASSERT_TRUE(c.event_in(kIn));
    ASSERT_TRUE(c.event_out({0, 0, 0, 7}));
    ASSERT_TRUE(c.event_out({0, 1, 0, 7}));
    EXPECT_FALSE(c.event_out({1, 0, 0, 23})); /* off by one */
    ASSERT_EQ(c.errors().size(), 1u);
    const cosim::Mismatch &m = c.first();
    EXPECT_TRUE(m.any);
    EXPECT_EQ(m.what, "event");
    EXPECT_EQ(m.layer, 1u);
    EXPECT_EQ(m.np.col, 1u);
    EXPECT_EQ(m.np.row, 2u);
    EXPECT_EQ(m.frame, 0u);
    EXPECT_EQ(m.index, 2u);
    EXPECT_EQ(m.expected, "(1,0,0)=22");
    EXPECT_EQ(m.actual, "(1,0,0)=23");
    EXPECT_NE(c.errors().front().find("layer 1, NP (1,2,0), frame 0, output event 2"),
              std::string::npos)
        << c.errors().front();
}

TEST(CosimChecker, ReportsMissingExtraEventsAndWrongCycles) {
    HandCase h;
    {
        cosim::CModelChecker c(NPU_NP_CNP, cosim::rtl_params(), true, 0, h.id);
        ASSERT_TRUE(c.configured(h.writes, true));
        ASSERT_TRUE(c.frame_start());
        ASSERT_TRUE(c.event_in(kIn));
        ASSERT_TRUE(c.event_out({0, 0, 0, 7}));
        EXPECT_FALSE(c.done(hand_cycles(1))); /* three events missing */
        EXPECT_EQ(c.first().what, "count");
        EXPECT_EQ(c.first().index, 1u);
        EXPECT_EQ(c.first().expected, "(0,1,0)=7");
    }
    {
        cosim::CModelChecker c(NPU_NP_CNP, cosim::rtl_params(), true, 0, h.id);
        ASSERT_TRUE(c.configured(h.writes, true));
        ASSERT_TRUE(c.frame_start()); /* no input: four bias events */
        for (int i = 0; i < 4; i++) {
            ASSERT_TRUE(c.event_out({uint16_t(i / 2), uint16_t(i % 2), 0, 7}));
        }
        EXPECT_FALSE(c.event_out({1, 1, 0, 7})); /* a fifth */
        EXPECT_EQ(c.first().index, 4u);
        EXPECT_EQ(c.first().expected, "no event");
    }
    {
        cosim::CModelChecker c(NPU_NP_CNP, cosim::rtl_params(), true, 0, h.id);
        ASSERT_TRUE(c.configured(h.writes, true));
        ASSERT_TRUE(c.frame_start());
        for (int i = 0; i < 4; i++) {
            ASSERT_TRUE(c.event_out({uint16_t(i / 2), uint16_t(i % 2), 0, 7}));
        }
        EXPECT_FALSE(c.done(hand_cycles(0) + 1)); /* the output stage only */
        EXPECT_EQ(c.first().what, "cycles");
        EXPECT_EQ(c.first().expected, std::to_string(hand_cycles(0)));
        EXPECT_EQ(c.first().actual, std::to_string(hand_cycles(0) + 1));
    }
    {
        cosim::CModelChecker c(NPU_NP_CNP, cosim::rtl_params(), true, 0, h.id);
        EXPECT_FALSE(c.configured(h.writes, false)); /* RTL cfg_err */
        EXPECT_EQ(c.first().what, "config");
    }
}

/* The hand case through the real RTL driver: the same events and cycles. */
TEST(CosimChecker, HandCaseOnRtlPasses) {
    HandCase h;
    cosim::NpCase c;
    c.kind = NPU_NP_CNP;
    c.ident = h.id;
    c.writes = h.writes;
    c.frames = {{kIn}, {}};
    cosim::NpResult r =
        cosim::check_np(cosim::default_factory(), c, cosim::rtl_params(), "", "hand");
    EXPECT_TRUE(r.covered);
    EXPECT_TRUE(r.ok) << r.message;
    EXPECT_EQ(r.stats.frames, 2u);
    EXPECT_EQ(r.stats.events_out, 8u);
    EXPECT_EQ(r.stats.rtl_cycles, hand_cycles(1) + hand_cycles(0));
    EXPECT_EQ(r.stats.c_cycles, r.stats.rtl_cycles);
}

/* ------------------------------------------------------------------ random vectors */

void expect_clean(const cosim_row &row, uint64_t vectors) {
    EXPECT_EQ(row.mismatches, 0u) << row.first;
    EXPECT_GE(row.vectors, vectors);
    EXPECT_EQ(row.skipped, 0u);
    EXPECT_GT(row.events_out, 0u);
    EXPECT_EQ(row.c_cycles, row.rtl_cycles);
    EXPECT_GT(row.c_cycles, 0u);
    ::testing::Test::RecordProperty("vectors", int(row.vectors));
    ::testing::Test::RecordProperty("configs", int(row.configs));
}

constexpr uint64_t kVectors = 10000;

TEST(CosimRandom, Cnp10000Vectors) {
    cosim_row row{};
    cosim::check_random(cosim::default_factory(), COSIM_CNP, kVectors, 5, "", &row);
    expect_clean(row, kVectors);
}

TEST(CosimRandom, Fnp10000Vectors) {
    cosim_row row{};
    cosim::check_random(cosim::default_factory(), COSIM_FNP, kVectors, 5, "", &row);
    expect_clean(row, kVectors);
}

TEST(CosimRandom, Hrc10000Vectors) {
    cosim_row row{};
    cosim::check_random(cosim::default_factory(), COSIM_HRC, kVectors, 5, "", &row);
    expect_clean(row, kVectors);
}

TEST(CosimRandom, Router10000Packets) {
    cosim_row row{};
    cosim::check_router(kVectors, 5, &row);
    EXPECT_EQ(row.mismatches, 0u) << row.first;
    EXPECT_GE(row.vectors, kVectors);
    EXPECT_GT(row.c_cycles, 0u);
    EXPECT_EQ(row.c_cycles, row.rtl_cycles); /* uncontended packets: the NoC model's time */
}

/* ------------------------------------------------------------------ broken RTL */

cosim::RtlFactory bug_factory() {
    return [](npu_np_kind kind, const cosim::Stim &s) -> std::unique_ptr<cosim::RtlNp> {
        if (kind == NPU_NP_CNP) {
            return std::unique_ptr<cosim::RtlNp>(new cosim::RtlNpT<Vcnp_bug>(s));
        }
        return cosim::default_factory()(kind, s);
    };
}

std::string slurp(const std::string &path) {
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

TEST(CosimBug, BrokenCnpIsCaughtWithVcd) {
    std::string dir = std::string(AKISIM_BINARY_DIR) + "/test-cosim-bug-vcd";
    cosim_row row{};
    cosim::check_random(bug_factory(), COSIM_CNP, 2000, 3, dir, &row);
    ASSERT_EQ(row.mismatches, 1u) << "the off-by-one of Vcnp_bug went unnoticed";
    std::string msg = row.first;
    EXPECT_NE(msg.find("layer 1, NP (1,"), std::string::npos) << msg;
    EXPECT_NE(msg.find("output event "), std::string::npos) << msg;
    EXPECT_NE(msg.find("expected ("), std::string::npos) << msg;
    EXPECT_NE(msg.find("actual ("), std::string::npos) << msg;
    ASSERT_NE(row.vcd[0], 0) << "no VCD written";
    std::string vcd = slurp(row.vcd);
    EXPECT_NE(vcd.find("$enddefinitions"), std::string::npos);
    EXPECT_NE(vcd.find("out_value"), std::string::npos);
    EXPECT_NE(vcd.find("#"), std::string::npos); /* value changes at some time */
}

/* The structured record of the bug: the same case through check_np. */
TEST(CosimBug, BrokenCnpMismatchRecord) {
    HandCase h; /* Conv2D without activation: the bug is in rounding, so use a v2 shift */
    cosim::NpCase c;
    c.kind = NPU_NP_CNP;
    c.ident = h.id;
    c.writes = h.writes;
    c.frames = {{kIn}};
    cosim::NpResult good =
        cosim::check_np(cosim::default_factory(), c, cosim::rtl_params(), "", "hand");
    EXPECT_TRUE(good.ok) << good.message;
    /* random until the bug shows: the record names layer, NP, frame and index */
    std::string dir = std::string(AKISIM_BINARY_DIR) + "/test-cosim-bug-vcd2";
    cosim_row row{};
    cosim::check_random(bug_factory(), COSIM_CNP, 2000, 11, dir, &row);
    ASSERT_EQ(row.mismatches, 1u);
    unsigned layer = 99, col = 0, r = 0, id = 0, frame = 0, idx = 0;
    const char *p = strstr(row.first, "layer ");
    ASSERT_NE(p, nullptr);
    int got = sscanf(p, "layer %u, NP (%u,%u,%u), frame %u, output event %u", &layer, &col, &r, &id,
                     &frame, &idx);
    EXPECT_GE(got, 5) << row.first;
    EXPECT_EQ(layer, 1u);
    EXPECT_EQ(col, 1u);
    struct stat sb;
    EXPECT_EQ(stat(row.vcd, &sb), 0) << row.vcd;
}

/* ------------------------------------------------------------------ CLI */

int run_cli(const std::string &args) {
    std::string cmd = std::string(AKISIM_CLI) + " " + args + " >/dev/null 2>&1";
    int st = system(cmd.c_str());
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

TEST(CosimCli, BadOptionsExit2) {
    EXPECT_EQ(run_cli("rtl-check --block gpu"), 2);
    EXPECT_EQ(run_cli("rtl-check --vectors 0"), 2);
    EXPECT_EQ(run_cli("rtl-check extra"), 2);
    EXPECT_EQ(run_cli("rtl-check --help"), 0);
}

TEST(CosimCli, SmallCheckPassesAndJson) {
    std::string out = std::string(AKISIM_BINARY_DIR) + "/test-cosim-cli.json";
    std::string cmd = std::string(AKISIM_CLI) +
                      " rtl-check --block cnp --block router --vectors 50 --no-zoo --json > " + out;
    int st = system(cmd.c_str());
    ASSERT_TRUE(WIFEXITED(st));
    EXPECT_EQ(WEXITSTATUS(st), 0);
    std::string j = slurp(out);
    EXPECT_NE(j.find("\"block\": \"cnp\""), std::string::npos) << j;
    EXPECT_NE(j.find("\"block\": \"router\""), std::string::npos) << j;
    EXPECT_NE(j.find("\"mismatches\": 0"), std::string::npos) << j;
    EXPECT_EQ(j.find("\"block\": \"fnp\""), std::string::npos) << j;
}

TEST(CosimMixedSpec, ParsesAndRejects) {
    npu_err e{};
    cosim_mixed *m = nullptr;
    EXPECT_EQ(cosim_mixed_new("all-cnp", &m, &e), NPU_OK);
    cosim_mixed_free(m);
    EXPECT_EQ(cosim_mixed_new("1:2:0,3:4:1", &m, &e), NPU_OK);
    EXPECT_EQ(cosim_mixed_check_used(m, &e), NPU_ERR_INPUT); /* nothing programmed */
    EXPECT_NE(std::string(e.msg).find("1:2:0"), std::string::npos) << e.msg;
    cosim_mixed_free(m);
    const char *bad[] = {"", "cnp", "1:2", "1:2:4", "1:2:0,", "1:2:0x", "all-fnpx"};
    for (const char *s : bad) {
        m = nullptr;
        EXPECT_EQ(cosim_mixed_new(s, &m, &e), NPU_ERR_INPUT) << s;
        EXPECT_EQ(m, nullptr);
    }
}

} // namespace
