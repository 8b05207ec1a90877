/*
 * test_rtl_np: the Verilated NP blocks (rtl/src: cnp, fnp, hrc) against the C NP models.
 *
 * Every case builds a real one-layer model (random geometry, v1 or v2 arithmetic, random
 * variables), maps it by hand on one or a few NPs (random filter and input-column slices),
 * and compiles it with cmp_program_build (the rig of rtl/cosim/cosim_rig.hpp, shared with
 * rtl-check and test_np_models). The register / SRAM writes of each NP's tracks go
 * both to the C model (npu_np_write_*) and, word by word, to the RTL configuration port. The
 * golden model's input of the layer is pushed as events (every pixel for the HRC) through the
 * RTL event port with random gaps, and the output port sees random back-pressure. The RTL's
 * output events must equal the C model's bit-exactly and in the same order, and the RTL's
 * busy cycles must equal the npu_cost formulas (events / HRC lines + output stage) computed
 * with the parameters the RTL was built with. Hand cases check values and cycles computed
 * by hand; unsupported configurations must raise cfg_err.
 */
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include "Vcnp.h"
#include "Vcnp_bug.h"
#include "Vfnp.h"
#include "Vhrc.h"
#include "cmp/cmp_program.h"
#include "common/test_rig.hpp"
#include "cosim.hpp"
#include "mesh/mesh_calib.h"
#include "npu/npu_cost.h"
#include "npu/npu_np.h"
#include "rtl_calib_params.h"
#include "verilated.h"

namespace {

using cosim::I32;
using cosim::np_kind_of;
using cosim::rand_vec;
using cosim::rnd;
using cosim::rtl_params;
using test_rig::replay;

/* The rig of these tests (the mesh is named "rtl-test"). */
struct Rig : test_rig::Rig {
    Rig() : test_rig::Rig("rtl-test") {}
};

/* Randomized vectors per block (AKISIM_RTL_VECTORS overrides; docs/rtl.md "Build and
 * tests"): a vector is one input event driven through the block's event port in a frame
 * whose outputs (values, order) and busy cycles are compared with the C model. */
long vectors_wanted() {
    const char *v = std::getenv("AKISIM_RTL_VECTORS");
    long n = v != nullptr ? std::strtol(v, nullptr, 10) : 0;
    return n > 0 ? n : 10000;
}

/* ------------------------------------------------------------------ the RTL harness */

/* One Verilated NP block (Vcnp, Vfnp and Vhrc have the same ports) and the loop that drives
 * it. Every call advances the clock with tick(); inputs are set while the clock is low and
 * sampled at the rising edge, like a testbench. */
template <class M>
struct RtlNp {
    std::unique_ptr<VerilatedContext> ctx{new VerilatedContext};
    std::unique_ptr<M> m{new M{ctx.get()}};
    std::mt19937 rng{1};
    uint64_t cycles = 0; /* clock cycles since reset */
    /* FNP2 external memory model (Vfnp only): the image, the accepted requests waiting for
     * their response (byte address, cycles left) and the requests served. */
    const uint8_t *ext = nullptr;
    size_t ext_n = 0;
    std::deque<std::pair<uint32_t, int>> ext_q;
    uint64_t ext_reads = 0;
    static constexpr bool has_ext = std::is_same_v<M, Vfnp>;

    RtlNp() {
        m->rst_n = 0;
        tick();
        tick();
        m->rst_n = 1;
        tick();
    }
    ~RtlNp() {
        m->final();
    }
    /* One clock: evaluate with the clock low (combinational outputs settle on the current
     * inputs), then raise it (registers take their next values). */
    void tick() {
        bool req = false, rsp = false;
        m->clk = 0;
        if constexpr (has_ext) { /* random ready, responses after 1..3 cycles, in order */
            m->ext_rd_ready = rnd(rng, 0, 2) != 0;
            m->ext_rsp_valid = !ext_q.empty() && ext_q.front().second == 0;
            uint32_t a = ext_q.empty() ? 0 : ext_q.front().first;
            m->ext_rsp_data = a + 4 <= ext_n
                                  ? uint32_t(ext[a]) | uint32_t(ext[a + 1]) << 8 |
                                        uint32_t(ext[a + 2]) << 16 | uint32_t(ext[a + 3]) << 24
                                  : 0xdeadbeefu;
            m->eval();
            req = m->ext_rd_valid && m->ext_rd_ready;
            rsp = m->ext_rsp_valid;
        }
        m->eval();
        uint32_t addr = 0;
        if constexpr (has_ext) {
            addr = m->ext_rd_addr;
        }
        m->clk = 1;
        m->eval();
        cycles++;
        if constexpr (has_ext) {
            if (rsp) {
                ext_q.pop_front();
            }
            for (auto &q : ext_q) {
                q.second = q.second > 0 ? q.second - 1 : 0;
            }
            if (req) {
                ext_q.push_back({addr, rnd(rng, 0, 2)});
                ext_reads++;
            }
        }
    }
    /* Configuration port: one word per cycle. */
    void write(bool sram, uint32_t region, uint32_t offset, const uint32_t *w, size_t n) {
        for (size_t i = 0; i < n; i++) {
            m->cfg_valid = 1;
            m->cfg_sram = sram;
            m->cfg_region = region;
            m->cfg_offset = offset + uint32_t(i);
            m->cfg_data = w[i];
            tick();
        }
        m->cfg_valid = 0;
    }
    /* Pulses cfg_start and waits for the decode + weight unpack; false on cfg_err. */
    bool configure() {
        m->cfg_start = 1;
        tick();
        m->cfg_start = 0;
        for (int i = 0; i < 1000000 && !m->cfg_done && !m->cfg_err; i++) {
            tick();
        }
        return m->cfg_done && !m->cfg_err;
    }
    void pulse_start() {
        m->frame_start = 1;
        tick();
        m->frame_start = 0;
    }
    void pulse_end() {
        m->frame_end = 1;
        tick();
        m->frame_end = 0;
    }
    /* Output port: takes an event when valid and ready at this edge (ready random when
     * backpressure is on). Call with the clock low, before tick(). */
    void sample_out(std::vector<npu_event> &out, bool backpressure) {
        m->out_ready = backpressure ? rnd(rng, 0, 3) != 0 : 1;
        m->clk = 0;
        m->eval();
        if (m->out_valid && m->out_ready) {
            out.push_back(
                {uint16_t(m->out_x), uint16_t(m->out_y), m->out_c, int32_t(m->out_value)});
        }
    }
    /* One frame: frame_start, the events (random idle gaps), wait idle, frame_end, emission
     * until done. Returns the output events. */
    std::vector<npu_event> frame(const std::vector<npu_event> &in, bool gaps, bool backpressure) {
        std::vector<npu_event> out;
        pulse_start();
        for (const auto &e : in) {
            while (gaps && rnd(rng, 0, 3) == 0) {
                tick();
            }
            m->ev_valid = 1;
            m->ev_x = e.x;
            m->ev_y = e.y;
            m->ev_c = e.c;
            m->ev_value = uint32_t(e.value);
            for (;;) { /* hold the event until the block takes it at a rising edge */
                m->clk = 0;
                m->eval();
                bool taken = m->ev_ready;
                tick();
                if (taken) {
                    break;
                }
            }
            m->ev_valid = 0;
        }
        for (int i = 0; i < 10000000 && !m->idle; i++) {
            tick();
        }
        pulse_end();
        for (int i = 0; i < 10000000; i++) {
            sample_out(out, backpressure);
            bool fin = m->done;
            tick();
            if (fin) {
                break;
            }
        }
        m->out_ready = 0;
        return out;
    }
};

/* ------------------------------------------------------------------ programs (real compiler) */

/* The C model's cycles for one frame (the formulas of npu_cost.h). */
uint64_t formula_cycles(const npu_np_config *c, const npu_cost_params &p, uint64_t events_in) {
    uint64_t cyc = npu_cost_output(c, &p);
    if (c->kind == NPU_NP_CNP) {
        cyc += npu_cost_cnp_events(c, &p, events_in);
    } else if (c->kind == NPU_NP_FNP) {
        cyc += npu_cost_fnp_events(c, &p, events_in);
    } else {
        for (uint32_t x = c->need_col_first; x < c->need_col_first + c->need_col_count; x++) {
            cyc += npu_cost_hrc_line(c, &p, x);
        }
    }
    return cyc;
}

struct NpDel {
    void operator()(npu_np *n) const {
        npu_np_free(n);
    }
};

/* Counts of one block's run: vectors (input events accepted in compared frames), frames. */
struct Tally {
    long vectors = 0;
    int frames = 0, events_out = 0, ext_nps = 0;
};

/* Runs one NP of the program on the C model and on the RTL block M for `frames` inputs;
 * expects equal outputs (order included) and busy cycles equal to the formulas. */
template <class M>
void run_np(const Rig &r, const cmp_np_map &nm, const std::vector<std::vector<npu_event>> &frames,
            std::mt19937 &rng, Tally &tally, bool expect_supported = true) {
    std::unique_ptr<npu_np, NpDel> c(npu_np_new(np_kind_of(nm.type)));
    npu_err e{};
    replay(r.prog, nm.ident,
           [&](bool sram, uint32_t reg, uint32_t off, const uint32_t *w, size_t n) {
               npu_status st = sram ? npu_np_write_sram(c.get(), reg, off, w, n, &e)
                                    : npu_np_write_regs(c.get(), off, w, n, &e);
               ASSERT_EQ(st, NPU_OK) << e.msg;
           });
    size_t n_ext = 0;
    const uint8_t *ext = cmp_program_ext(r.prog, &n_ext);
    npu_np_attach_external(c.get(), ext, n_ext);
    ASSERT_EQ(npu_np_configure(c.get(), &e), NPU_OK) << e.msg;
    RtlNp<M> rtl;
    rtl.rng.seed(rng());
    rtl.ext = ext;
    rtl.ext_n = n_ext;
    replay(r.prog, nm.ident,
           [&](bool sram, uint32_t reg, uint32_t off, const uint32_t *w, size_t n) {
               rtl.write(sram, reg, off, w, n);
           });
    bool ok = rtl.configure();
    if (!expect_supported) {
        EXPECT_FALSE(ok) << "cfg_err expected";
        return;
    }
    ASSERT_TRUE(ok) << "RTL configuration failed (cfg_err)";
    const npu_np_config *cfg = npu_np_get_config(c.get());
    npu_cost_params p = rtl_params();
    uint64_t total_in = 0;
    for (size_t f = 0; f < frames.size(); f++) {
        SCOPED_TRACE("frame " + std::to_string(f));
        npu_np_reset_counters(c.get());
        npu_np_begin_frame(c.get());
        npu_np_push(c.get(), frames[f].data(), frames[f].size());
        npu_event_buf ob{};
        ASSERT_EQ(npu_np_end_frame(c.get(), &ob, &e), NPU_OK) << e.msg;
        std::vector<npu_event> want(ob.ev, ob.ev + ob.n);
        npu_event_buf_free(&ob);
        std::vector<npu_event> got = rtl.frame(frames[f], rnd(rng, 0, 1), rnd(rng, 0, 1));
        ASSERT_EQ(got.size(), want.size()) << "output event count";
        for (size_t i = 0; i < want.size(); i++) {
            ASSERT_TRUE(got[i].x == want[i].x && got[i].y == want[i].y && got[i].c == want[i].c &&
                        got[i].value == want[i].value)
                << "event " << i << ": RTL (" << got[i].x << "," << got[i].y << "," << got[i].c
                << ")=" << got[i].value << " C (" << want[i].x << "," << want[i].y << ","
                << want[i].c << ")=" << want[i].value;
        }
        uint64_t n_in = npu_np_get_counters(c.get())->events_in;
        EXPECT_EQ(uint64_t(rtl.m->cyc_busy), formula_cycles(cfg, p, n_in)) << "busy cycles";
        tally.frames++;
        tally.vectors += long(n_in);
        total_in += n_in;
        tally.events_out += int(want.size());
    }
    if (cfg->external_weights) { /* FNP2: one external read per filter per accepted event */
        EXPECT_EQ(rtl.ext_reads, uint64_t(cfg->filter_count) * total_in) << "external reads";
        tally.ext_nps++;
    }
}

/* ------------------------------------------------------------------ random layers */

/* Random input frames of the rig's model: 0..90 % zeros; every value for an image layer
 * (l == 0, HRC input). */
std::vector<std::vector<npu_event>> random_frames(std::mt19937 &rng, const Rig &r, uint32_t l,
                                                  int n) {
    return cosim::random_frames(rng, r.m, l == 0, n, 90);
}

mesh_np_type np_type(npu_layer_type t) {
    switch (t) {
    case NPU_INPUT_CONVOLUTIONAL:
    case NPU_INPUT_CONV2D:
        return MESH_NP_HRC;
    case NPU_FULLY_CONNECTED:
    case NPU_DENSE1D:
        return MESH_NP_FNP3;
    default:
        return MESH_NP_CNP1;
    }
}

/* Random layers of the given types on block M, 2 frames each, every NP of the mapping
 * compared, until at least `vectors` input events were compared (and at least `min_cases`
 * layers). Dense layers go to FNP2 (external weights) or FNP3 at random. */
template <class M>
void random_block(const std::vector<npu_layer_type> &types, uint32_t seed, long vectors,
                  int min_cases) {
    std::mt19937 rng(seed);
    Tally tally;
    int done = 0, attempts = 0;
    std::vector<int> per_type(types.size(), 0);
    while ((tally.vectors < vectors || done < min_cases) && attempts++ < 100000) {
        Rig r;
        uint32_t l = 0;
        size_t ti = size_t(rnd(rng, 0, int(types.size()) - 1));
        npu_layer_type t = types[ti];
        if (!cosim::random_layer(rng, r, t, cosim::LayerDraw{}, &l)) {
            ASSERT_FALSE(r.var_failed) << r.e.msg;
            continue;
        }
        bool dense = t == NPU_FULLY_CONNECTED || t == NPU_DENSE1D;
        mesh_np_type nt = np_type(t);
        if (dense && rnd(rng, 0, 1)) {
            nt = MESH_NP_FNP2;
        }
        r.map_layer(rng, l, nt, dense ? 1u : uint32_t(rnd(rng, 1, 2)), uint32_t(rnd(rng, 1, 2)));
        ASSERT_TRUE(r.finish()) << r.e.msg;
        auto frames = random_frames(rng, r, l, 2);
        for (const auto &nm : r.nps[l]) {
            SCOPED_TRACE(std::string(npu_layer_type_name(t)) + " case " + std::to_string(done));
            run_np<M>(r, nm, frames, rng, tally);
            if (::testing::Test::HasFailure()) {
                return;
            }
        }
        per_type[ti]++;
        done++;
    }
    EXPECT_GE(tally.vectors, vectors);
    EXPECT_GT(tally.events_out, 0);
    for (size_t i = 0; i < types.size(); i++) {
        EXPECT_GT(per_type[i], 0) << npu_layer_type_name(types[i]) << " never drawn";
    }
    ::testing::Test::RecordProperty("vectors", int(tally.vectors));
    ::testing::Test::RecordProperty("frames", tally.frames);
    ::testing::Test::RecordProperty("layers", done);
    std::printf("[ rtl      ] %ld vectors (input events), %d frames, %d layers, %d FNP2 NPs\n",
                tally.vectors, tally.frames, done, tally.ext_nps);
}

TEST(RtlCnp, RandomLayersMatchCModelAndCycles) {
    random_block<Vcnp>({NPU_CONVOLUTIONAL, NPU_CONV2D, NPU_DEPTHWISE_CONV2D,
                        NPU_SEPARABLE_CONVOLUTIONAL, NPU_CONV2D_TRANSPOSE,
                        NPU_DEPTHWISE_CONV2D_TRANSPOSE},
                       11, vectors_wanted(), 50);
}

TEST(RtlFnp, RandomLayersMatchCModelAndCycles) {
    random_block<Vfnp>({NPU_FULLY_CONNECTED, NPU_DENSE1D}, 23, vectors_wanted(), 50);
}

TEST(RtlHrc, RandomLayersMatchCModelAndCycles) {
    random_block<Vhrc>({NPU_INPUT_CONVOLUTIONAL, NPU_INPUT_CONV2D}, 37, vectors_wanted(), 50);
}

/* The Verilated blocks are built with the NP fields of the calibration file rtl/CMakeLists.txt
 * read at configure time (rtl_calib_params.h); they must equal what the C calibration reader
 * (mesh_calib_load) takes from the same file, and the embedded preset of that device, so
 * the RTL and the C formulas use the same numbers. */
TEST(RtlParams, BuiltWithTheDefaultCalibration) {
    npu_cost_params r = rtl_params();
    mesh_calib file{}, preset{};
    npu_err e{};
    ASSERT_EQ(mesh_calib_load(AKISIM_RTL_CALIB_FILE, &file, &e), NPU_OK) << e.msg;
    std::vector<const mesh_calib *> sets = {&file};
    const std::string shipped = std::string(AKISIM_SOURCE_DIR) + "/mesh/calib/";
    if (std::string(AKISIM_RTL_CALIB_FILE).rfind(shipped, 0) == 0) { /* a shipped file */
        ASSERT_EQ(mesh_calib_preset(file.name, &preset, &e), NPU_OK) << e.msg;
        sets.push_back(&preset);
    }
    for (const mesh_calib *c : sets) {
        for (int k = 1; k <= NPU_COST_MAX_KERNEL; k++) {
            EXPECT_EQ(c->np.cnp_event_cycles[k], r.cnp_event_cycles[k]) << "k " << k;
        }
        EXPECT_EQ(c->np.cnp_event_overhead, r.cnp_event_overhead);
        EXPECT_EQ(c->np.cnp_filter_lanes, r.cnp_filter_lanes);
        EXPECT_EQ(c->np.cnp_output_cycles, r.cnp_output_cycles);
        EXPECT_EQ(c->np.cnp_pw_channels_per_cycle, r.cnp_pw_channels_per_cycle);
        EXPECT_EQ(c->np.cnp_sep_event_cycles, r.cnp_sep_event_cycles);
        EXPECT_EQ(c->np.cnp_sep_channels_per_cycle, r.cnp_sep_channels_per_cycle);
        EXPECT_EQ(c->np.hrc_macs_per_cycle, r.hrc_macs_per_cycle);
        EXPECT_EQ(c->np.hrc_output_cycles, r.hrc_output_cycles);
        EXPECT_EQ(c->np.hrc_filter_lanes, r.hrc_filter_lanes);
        EXPECT_EQ(c->np.fnp_event_cycles, r.fnp_event_cycles);
        EXPECT_EQ(c->np.fnp_unit_lanes, r.fnp_unit_lanes);
        EXPECT_EQ(c->np.fnp_output_cycles, r.fnp_output_cycles);
    }
}

/* The configure-time reader refuses a calibration whose NP field is not an integer, naming
 * the field (the RTL counts whole cycles), and prints every parameter of a valid file. */
TEST(RtlParams, ReaderRefusesNonIntegerValues) {
    const std::string tool = std::string(AKISIM_BINARY_DIR) + "/rtl/generated/rtl_calib_params";
    std::ifstream in(AKISIM_RTL_CALIB_FILE);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    size_t at = text.find("hrc_macs_per_cycle:");
    ASSERT_NE(at, std::string::npos);
    size_t v = text.find_first_of("0123456789", at);
    size_t end = text.find_first_not_of("0123456789.e+", v);
    std::string bad = text.substr(0, v) + "62.5" + text.substr(end);
    const std::string path = std::string(AKISIM_BINARY_DIR) + "/rtl_calib_bad.yaml";
    std::ofstream(path) << bad;
    auto run = [](const std::string &cmd, std::string &out) {
        FILE *f = popen((cmd + " 2>&1").c_str(), "r");
        char buf[512];
        out.clear();
        while (f != nullptr && fgets(buf, sizeof buf, f) != nullptr) {
            out += buf;
        }
        int st = f != nullptr ? pclose(f) : -1;
        return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    };
    std::string out;
    EXPECT_EQ(run(tool + " " + path, out), 2);
    EXPECT_NE(out.find("/np/hrc_macs_per_cycle = '62.5' is not an integer"), std::string::npos)
        << out;
    EXPECT_EQ(run(tool + " " + AKISIM_RTL_CALIB_FILE, out), 0) << out;
    EXPECT_NE(out.find("HRC_MACS_PER_CYCLE=" + std::to_string(AKISIM_RTL_HRC_MACS_PER_CYCLE)),
              std::string::npos)
        << out;
    std::remove(path.c_str());
}

/* ------------------------------------------------------------------ hand cases */

using test_rig::add_conv1x1;
using test_rig::add_input;
using test_rig::finish_one;

/* v1 FullyConnected of n inputs (InputData n x 1 x 1, 4 bits) to `units` units of `bits`-bit
 * weights w ([input][unit]), activation off (potentials out), thresholds 0, steps 1. */
void add_fc_v1(Rig &r, uint32_t n, uint32_t units, uint32_t bits, const I32 &w) {
    ASSERT_NO_FATAL_FAILURE(add_input(r, {n, 1, 1}, 4));
    npu_params p = npu_params_default(NPU_FULLY_CONNECTED);
    p.filters = units;
    p.weights_bits = bits;
    p.activation = false;
    ASSERT_TRUE(r.add(NPU_FULLY_CONNECTED, "fc", p)) << r.e.msg;
    r.var(1, "weights", {1, 1, n, units}, w);
    r.var(1, "threshold", {units}, I32(units, 0));
    r.var(1, "act_step", {units}, I32(units, 1));
}

/* Writes the tracks of layer l's NP to the RTL block and configures it; false on cfg_err. */
template <class M>
bool program_rtl(const Rig &r, uint32_t l, RtlNp<M> &rtl) {
    replay(r.prog, r.nps[l][0].ident,
           [&](bool sram, uint32_t g, uint32_t o, const uint32_t *w, size_t n) {
               rtl.write(sram, g, o, w, n);
           });
    return rtl.configure();
}

/* Conv2D 1x1, one channel, one filter on a 2x2 input, weight 3, scale 1, no shift, no
 * activation, 32-bit output: an event (1, 0, 0, 5) gives (1, 0, 0) = 5 * 3 + bias 7 = 22,
 * and the other three positions emit the bias 7. Cycles: 1 event x (overhead + cycles(k=1)
 * x 1 group) + 4 positions x 1 group x output cycles (6 with the shipped calibration). */
TEST(RtlCnp, HandConv2dOneByOne) {
    Rig r;
    ASSERT_NO_FATAL_FAILURE(add_conv1x1(r, {2, 2, 1}, 3, 7, 0));
    ASSERT_NO_FATAL_FAILURE(finish_one(r, 1, MESH_NP_CNP1));
    RtlNp<Vcnp> rtl;
    ASSERT_TRUE(program_rtl(r, 1, rtl));
    auto out = rtl.frame({{1, 0, 0, 5}}, false, false);
    ASSERT_EQ(out.size(), 4u);
    const int32_t want[4] = {7, 7, 22, 7}; /* scan order (0,0) (0,1) (1,0) (1,1) */
    for (size_t i = 0; i < 4; i++) {
        EXPECT_EQ(out[i].x, i / 2);
        EXPECT_EQ(out[i].y, i % 2);
        EXPECT_EQ(out[i].c, 0u);
        EXPECT_EQ(out[i].value, want[i]);
    }
    EXPECT_EQ(rtl.m->cyc_busy,
              1u * (AKISIM_RTL_CNP_EVENT_OVERHEAD + AKISIM_RTL_CNP_EVENT_CYCLES_1) +
                  4u * AKISIM_RTL_CNP_OUTPUT_CYCLES);
    /* a second frame starts from cleared potentials */
    out = rtl.frame({}, false, false);
    EXPECT_EQ(out.size(), 4u);
    EXPECT_EQ(out.empty() ? 0 : out[2].value, 7);
    EXPECT_EQ(rtl.m->cyc_busy, 4u * AKISIM_RTL_CNP_OUTPUT_CYCLES);
}

/* v1 FullyConnected, 2 inputs, 10 units (2 unit groups): events (0,0,0,1) and (1,0,0,2)
 * with weights w[i][u] = u - 4 (4-bit -> symmetric range) for i = 0 and 1 for i = 1:
 * potential of unit u = (u - 4) + 2; activation off -> value = u - 2 (u = 2 emits nothing).
 * Cycles: 2 events x G x event cycles + G x output cycles, G = ceil(10 / unit lanes) (6
 * with the shipped calibration: 8 lanes, 1, 1). */
TEST(RtlFnp, HandFullyConnected) {
    I32 w(20);
    for (int u = 0; u < 10; u++) {
        w[size_t(u)] = u - 4;
        w[size_t(10 + u)] = 1;
    }
    Rig r;
    ASSERT_NO_FATAL_FAILURE(add_fc_v1(r, 2, 10, 4, w));
    ASSERT_NO_FATAL_FAILURE(finish_one(r, 1, MESH_NP_FNP3));
    RtlNp<Vfnp> rtl;
    ASSERT_TRUE(program_rtl(r, 1, rtl));
    auto out = rtl.frame({{0, 0, 0, 1}, {1, 0, 0, 2}}, true, true);
    ASSERT_EQ(out.size(), 9u);
    for (size_t i = 0; i < out.size(); i++) {
        uint32_t u = uint32_t(i < 2 ? i : i + 1);
        EXPECT_EQ(out[i].c, u);
        EXPECT_EQ(out[i].value, int32_t(u) - 2);
    }
    const uint64_t g = (10u + AKISIM_RTL_FNP_UNIT_LANES - 1) / AKISIM_RTL_FNP_UNIT_LANES;
    EXPECT_EQ(rtl.m->cyc_busy,
              2u * g * AKISIM_RTL_FNP_EVENT_CYCLES + g * AKISIM_RTL_FNP_OUTPUT_CYCLES);
}

/* InputConv2D 1x1 on a 3x1 one-channel image, 1 filter, weight 2, bias 0, scale 1, ReLU,
 * 8-bit output: pixels 10, 0, 200 -> 20, (nothing), 255 (saturated). Cycles: 3 lines of
 * 1 MAC each (ceil(1/64) = 1) + 3 positions = 6. */
TEST(RtlHrc, HandInputConv2d) {
    Rig r;
    npu_params p = npu_params_default(NPU_INPUT_CONV2D);
    p.input_shape = {3, 1, 1};
    p.kernel_x = p.kernel_y = 1;
    p.filters = 1;
    p.activation = true;
    p.output_bits = 8;
    p.buffer_bits = 32;
    ASSERT_TRUE(r.add(NPU_INPUT_CONV2D, "conv", p)) << r.e.msg;
    r.var(0, "weights", {1, 1, 1, 1}, {2});
    r.var(0, "bias", {1}, {0});
    r.var(0, "output_scale", {1}, {1});
    r.var(0, "output_shift", {1}, {0});
    ASSERT_NO_FATAL_FAILURE(finish_one(r, 0, MESH_NP_HRC));
    RtlNp<Vhrc> rtl;
    ASSERT_TRUE(program_rtl(r, 0, rtl));
    auto out = rtl.frame({{0, 0, 0, 10}, {1, 0, 0, 0}, {2, 0, 0, 200}}, false, true);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].x, 0u);
    EXPECT_EQ(out[0].value, 20);
    EXPECT_EQ(out[1].x, 2u);
    EXPECT_EQ(out[1].value, 255);
    EXPECT_EQ(rtl.m->cyc_busy, 3u + 3u * AKISIM_RTL_HRC_OUTPUT_CYCLES); /* ceil(1 / MACs) = 1 */
}

/* v1 SeparableConvolutional 1x1, 2 channels, 2 filters on a 2x1 input, activation off
 * (potentials out). Depthwise weights c0 = 2, c1 = -3; pointwise w[c][f] = {{1, 2}, {3, -1}}.
 * Events (0,0,0)=5, (0,0,1)=1, (1,0,1)=2: depthwise potentials x=0: (10, -3), x=1: (0, -6);
 * pointwise x=0: f0 = 10 - 9 = 1, f1 = 20 + 3 = 23; x=1: f0 = -18, f1 = 6. Cycles: 3 events
 * x (overhead + 1 group x separable event cycles) + the weight-row streaming
 * ceil(3 events x 1 group x 2 channels / row rate) + 2 positions x 1 group x output cycles +
 * the pointwise stage ceil(2 positions x 1 group x 2 channels / pointwise rate). */
TEST(RtlCnp, HandSeparable) {
    Rig r;
    ASSERT_NO_FATAL_FAILURE(add_input(r, {2, 1, 2}, 4));
    npu_params p = npu_params_default(NPU_SEPARABLE_CONVOLUTIONAL);
    p.kernel_x = p.kernel_y = 1;
    p.filters = 2;
    p.weights_bits = 4;
    p.activation = false;
    ASSERT_TRUE(r.add(NPU_SEPARABLE_CONVOLUTIONAL, "sep", p)) << r.e.msg;
    r.var(1, "weights", {1, 1, 2, 1}, {2, -3});
    r.var(1, "weights_pw", {1, 1, 2, 2}, {1, 2, 3, -1});
    r.var(1, "threshold", {2}, {0, 0});
    r.var(1, "act_step", {2}, {1, 1});
    ASSERT_NO_FATAL_FAILURE(finish_one(r, 1, MESH_NP_CNP1));
    RtlNp<Vcnp> rtl;
    ASSERT_TRUE(program_rtl(r, 1, rtl));
    auto out = rtl.frame({{0, 0, 0, 5}, {0, 0, 1, 1}, {1, 0, 1, 2}}, true, true);
    ASSERT_EQ(out.size(), 4u);
    const int32_t want[4] = {1, 23, -18, 6}; /* (0,0,f0) (0,0,f1) (1,0,f0) (1,0,f1) */
    for (size_t i = 0; i < 4; i++) {
        EXPECT_EQ(out[i].x, i / 2);
        EXPECT_EQ(out[i].y, 0u);
        EXPECT_EQ(out[i].c, i % 2);
        EXPECT_EQ(out[i].value, want[i]);
    }
    const uint64_t pw_rate = AKISIM_RTL_CNP_PW_CHANNELS_PER_CYCLE;
    const uint64_t row_rate = AKISIM_RTL_CNP_SEP_CHANNELS_PER_CYCLE;
    const uint64_t row = row_rate == 0 ? 0 : (6u + row_rate - 1) / row_rate;
    EXPECT_EQ(rtl.m->cyc_busy,
              3u * (AKISIM_RTL_CNP_EVENT_OVERHEAD + AKISIM_RTL_CNP_SEP_EVENT_CYCLES) + row +
                  2u * AKISIM_RTL_CNP_OUTPUT_CYCLES + (4u + pw_rate - 1) / pw_rate);
}

/* FNP2: FullyConnected with its weights in the external-memory image, read through the
 * external port (random ready and latency): 3 inputs, 3 units, 2-bit weights w[i][u] =
 * i - u clipped to -1..1; events (0,0,0)=1 and (2,0,0)=3 (inputs 0 and 2): unit u gets
 * (0 - u) + 3 (2 - u) clipped: u0 = 0 + 3 = 3, u1 = -1 + 3 = 2, u2 = -1 + 0 = -1. Every event
 * reads one word per unit (6 reads); the reads are stall cycles, busy = 2 events x 1 group x
 * event cycles + 1 group x output cycles. */
TEST(RtlFnp, HandExternalWeights) {
    I32 w(9);
    for (int i = 0; i < 3; i++) {
        for (int u = 0; u < 3; u++) {
            w[size_t(i * 3 + u)] = std::max(-1, std::min(1, i - u));
        }
    }
    Rig r;
    ASSERT_NO_FATAL_FAILURE(add_fc_v1(r, 3, 3, 2, w));
    ASSERT_NO_FATAL_FAILURE(finish_one(r, 1, MESH_NP_FNP2));
    RtlNp<Vfnp> rtl;
    rtl.ext = cmp_program_ext(r.prog, &rtl.ext_n);
    ASSERT_GT(rtl.ext_n, 0u);
    ASSERT_TRUE(program_rtl(r, 1, rtl));
    auto out = rtl.frame({{0, 0, 0, 1}, {2, 0, 0, 3}}, true, true);
    ASSERT_EQ(out.size(), 3u);
    const int32_t want[3] = {3, 2, -1};
    for (size_t i = 0; i < 3; i++) {
        EXPECT_EQ(out[i].c, i);
        EXPECT_EQ(out[i].value, want[i]);
    }
    EXPECT_EQ(rtl.ext_reads, 6u);
    EXPECT_EQ(rtl.m->cyc_busy, 2u * AKISIM_RTL_FNP_EVENT_CYCLES + AKISIM_RTL_FNP_OUTPUT_CYCLES);
    EXPECT_GE(rtl.m->cyc_stall, 6u); /* at least one cycle per external read */
}

/* Configurations outside the RTL's coverage are refused with cfg_err, never computed
 * wrongly: a Conv2D kernel k x k with more taps than CNP_EVENT_CYCLES_7 cycles (one tap per
 * cycle; k is the smallest such size the 4-bit kernel fields allow). */
TEST(RtlCnp, UnsupportedKernelRaisesCfgErr) {
    uint32_t k = 8;
    while (k <= 15 && k * k <= uint32_t(AKISIM_RTL_CNP_EVENT_CYCLES_7)) {
        k++;
    }
    if (k > 15) {
        GTEST_SKIP() << "the calibration gives every kernel enough cycles";
    }
    std::mt19937 rng(77);
    Rig r;
    ASSERT_NO_FATAL_FAILURE(add_input(r, {k, k, 1}, 4));
    npu_params p = npu_params_default(NPU_CONV2D);
    p.kernel_x = p.kernel_y = k;
    p.filters = 2;
    p.activation = false;
    p.output_bits = 32;
    p.buffer_bits = 32;
    ASSERT_TRUE(r.add(NPU_CONV2D, "conv", p)) << r.e.msg;
    r.var(1, "weights", {k, k, 1, 2}, rand_vec(rng, 2 * k * k, -3, 3));
    r.var(1, "bias", {2}, {0, 0});
    r.var(1, "output_scale", {2}, {1, 1});
    r.var(1, "output_shift", {2}, {0, 0});
    ASSERT_NO_FATAL_FAILURE(finish_one(r, 1, MESH_NP_CNP1));
    Tally t;
    run_np<Vcnp>(r, r.nps[1][0], {}, rng, t, false);
}

/* The test-only broken model (Vcnp_bug, AKISIM_RTL_BUG_ROUNDING) is really off by one: a
 * Conv2D 1x1 potential 22 with output_shift 1 rounds to 11 (half bit 0), the broken model
 * gives 12, while Vcnp gives 11. */
TEST(RtlCnp, BrokenVariantIsOffByOne) {
    Rig r;
    ASSERT_NO_FATAL_FAILURE(add_conv1x1(r, {1, 1, 1}, 2, 0, 1));
    ASSERT_NO_FATAL_FAILURE(finish_one(r, 1, MESH_NP_CNP1));
    auto run = [&](auto &rtl) {
        EXPECT_TRUE(program_rtl(r, 1, rtl));
        auto out = rtl.frame({{0, 0, 0, 11}}, false, false);
        return out.size() == 1 ? out[0].value : -1;
    };
    RtlNp<Vcnp> good;
    RtlNp<Vcnp_bug> bad;
    EXPECT_EQ(run(good), 11);
    EXPECT_EQ(run(bad), 12);
}

/* Zoo-sized layers (ds_cnn_kws: SeparableConvolutional 3x3 64 -> 64 on 25 x 5, global
 * average pooling on the last; the input convolution 5x5 s2 on 49 x 10; the classifier),
 * v1 4-bit weights, mapped on 1 to 3 column slices x 1 to 2 filter slices: outputs and busy
 * cycles as in the random tests. */
TEST(RtlZoo, DsCnnKwsSizedLayersMatchCModelAndCycles) {
    std::mt19937 rng(404);
    Tally tally;
    struct L {
        npu_layer_type t;
        npu_shape in;
        uint32_t k, s, filters;
        npu_pool_type pool;
    };
    const L layers[] = {{NPU_SEPARABLE_CONVOLUTIONAL, {25, 5, 64}, 3, 1, 64, NPU_POOL_NONE},
                        {NPU_SEPARABLE_CONVOLUTIONAL, {25, 5, 64}, 3, 1, 64, NPU_POOL_AVG},
                        {NPU_INPUT_CONVOLUTIONAL, {49, 10, 1}, 5, 2, 64, NPU_POOL_NONE},
                        {NPU_FULLY_CONNECTED, {1, 1, 64}, 1, 1, 12, NPU_POOL_NONE}};
    for (const L &ly : layers) {
        SCOPED_TRACE(npu_layer_type_name(ly.t));
        Rig r;
        bool image = ly.t == NPU_INPUT_CONVOLUTIONAL, dense = ly.t == NPU_FULLY_CONNECTED;
        uint32_t l = 0;
        if (!image) {
            ASSERT_NO_FATAL_FAILURE(add_input(r, ly.in, 4));
            l = 1;
        }
        npu_params p = npu_params_default(ly.t);
        if (image) {
            p.input_shape = ly.in;
        }
        p.filters = ly.filters;
        p.activation = !dense;
        p.act_bits = 4;
        p.weights_bits = image ? 8 : 4;
        if (!dense) {
            p.kernel_x = p.kernel_y = ly.k;
            p.stride_x = p.stride_y = ly.s;
            p.padding = NPU_PAD_SAME;
            p.pool_type = ly.pool;
            p.pool_x = p.pool_y = p.pool_stride_x = p.pool_stride_y = -1;
        }
        ASSERT_TRUE(r.add(ly.t, "layer", p)) << r.e.msg;
        uint32_t c = ly.in.c, nf = ly.filters, k = ly.k;
        int lo = image ? -127 : -7, hi = image ? 127 : 7;
        if (ly.t == NPU_SEPARABLE_CONVOLUTIONAL) {
            r.var(l, "weights", {k, k, c, 1}, rand_vec(rng, k * k * c, lo, hi));
            r.var(l, "weights_pw", {1, 1, c, nf}, rand_vec(rng, c * nf, lo, hi));
        } else if (dense) {
            r.var(l, "weights", {1, 1, c, nf}, rand_vec(rng, c * nf, lo, hi));
        } else {
            r.var(l, "weights", {k, k, c, nf}, rand_vec(rng, k * k * c * nf, lo, hi));
        }
        int scale = ly.pool == NPU_POOL_AVG ? 200000 : image ? 20000 : 2000;
        r.var(l, "threshold", {nf}, rand_vec(rng, nf, 0, scale));
        r.var(l, "act_step", {nf}, rand_vec(rng, nf, scale / 8, scale / 4));
        ASSERT_EQ(npu_model_finalize(r.m, &r.e), NPU_OK) << r.e.msg;
        r.map_layer(rng, l, np_type(ly.t), dense ? 1u : uint32_t(rnd(rng, 1, 3)),
                    uint32_t(rnd(rng, 1, 2)));
        ASSERT_TRUE(r.finish()) << r.e.msg;
        auto frames = random_frames(rng, r, l, 2);
        for (const auto &nm : r.nps[l]) {
            if (image) {
                run_np<Vhrc>(r, nm, frames, rng, tally);
            } else if (dense) {
                run_np<Vfnp>(r, nm, frames, rng, tally);
            } else {
                run_np<Vcnp>(r, nm, frames, rng, tally);
            }
            ASSERT_FALSE(::testing::Test::HasFailure());
        }
    }
    EXPECT_GT(tally.events_out, 0);
}

} // namespace
