/*
 * cosim_np: check_np(), one NP slice on its Verilated block in lockstep with the C model, and
 * the VCD replay around the first mismatch; rtl_params(), the RTL's cycle parameters.
 */
#include <cstdio>
#include <sys/stat.h>

#include "cosim.hpp"
#if __has_include("rtl_calib_params.h")
#include "rtl_calib_params.h"
#endif
#include "mesh/mesh.h"
#include "mesh/mesh_calib.h"

namespace cosim {

namespace {

constexpr uint64_t kWindowBefore = 4000; /* VCD cycles before the mismatch */
constexpr uint64_t kWindowAfter = 16;    /* and after it */

/* Replays configuration and frames 0..fail on a fresh block with the same stimulus, tracing
 * the cycles around stop_rel (cycles after the failing frame's start). */
std::string replay_vcd(const RtlFactory &f, const NpCase &c, uint64_t fail, uint64_t stop_rel,
                       const std::string &vcd_dir, const std::string &tag) {
    mkdir(vcd_dir.c_str(), 0777);
    std::string path = vcd_dir + "/" + tag + ".vcd";
    std::unique_ptr<RtlNp> rtl = f(c.kind, c.stim);
    if (!rtl) {
        return "";
    }
    rtl->attach_external(c.ext, c.ext_n);
    for (const auto &w : c.writes) {
        rtl->write(w.sram, w.region, w.offset, w.words.data(), w.words.size());
    }
    if (!rtl->configure()) {
        return "";
    }
    std::vector<npu_event> out;
    for (uint64_t k = 0; k <= fail && k < c.frames.size(); k++) {
        if (k == fail) {
            uint64_t b = rtl->cycles();
            uint64_t from = b + (stop_rel > kWindowBefore ? stop_rel - kWindowBefore : 0);
            rtl->trace_window(path, from, b + stop_rel + kWindowAfter);
        }
        rtl->begin_frame();
        for (const auto &e : c.frames[k]) {
            rtl->push(e);
        }
        out.clear();
        rtl->end_frame(&out);
    }
    rtl.reset(); /* closes the trace */
    struct stat sb;
    return stat(path.c_str(), &sb) == 0 ? path : "";
}

} // namespace

npu_cost_params rtl_params() {
    mesh_desc m{};
    mesh_calib c{};
    npu_err e{};
    npu_cost_params p{};
    if (mesh_load("akd1000", &m, &e) == NPU_OK && mesh_calib_default(&m, &c, &e) == NPU_OK) {
        p = c.np;
    }
    mesh_free(&m);
#ifdef AKISIM_RTL_CNP_FILTER_LANES
    /* the -G values the blocks of this build were verilated with (rtl_calib_params.h) */
    const double ev[] = {0,
                         AKISIM_RTL_CNP_EVENT_CYCLES_1,
                         AKISIM_RTL_CNP_EVENT_CYCLES_2,
                         AKISIM_RTL_CNP_EVENT_CYCLES_3,
                         AKISIM_RTL_CNP_EVENT_CYCLES_4,
                         AKISIM_RTL_CNP_EVENT_CYCLES_5,
                         AKISIM_RTL_CNP_EVENT_CYCLES_6,
                         AKISIM_RTL_CNP_EVENT_CYCLES_7};
    for (int k = 1; k <= NPU_COST_MAX_KERNEL && k < 8; k++) {
        p.cnp_event_cycles[k] = ev[k];
    }
    p.cnp_event_overhead = AKISIM_RTL_CNP_EVENT_OVERHEAD;
    p.cnp_filter_lanes = AKISIM_RTL_CNP_FILTER_LANES;
    p.cnp_output_cycles = AKISIM_RTL_CNP_OUTPUT_CYCLES;
    p.hrc_macs_per_cycle = AKISIM_RTL_HRC_MACS_PER_CYCLE;
    p.hrc_output_cycles = AKISIM_RTL_HRC_OUTPUT_CYCLES;
    p.hrc_filter_lanes = AKISIM_RTL_HRC_FILTER_LANES;
    p.fnp_event_cycles = AKISIM_RTL_FNP_EVENT_CYCLES;
    p.fnp_unit_lanes = AKISIM_RTL_FNP_UNIT_LANES;
    p.fnp_output_cycles = AKISIM_RTL_FNP_OUTPUT_CYCLES;
#endif
#ifdef AKISIM_RTL_CNP_PW_CHANNELS_PER_CYCLE
    p.cnp_pw_channels_per_cycle = AKISIM_RTL_CNP_PW_CHANNELS_PER_CYCLE;
#endif
#ifdef AKISIM_RTL_CNP_SEP_EVENT_CYCLES
    p.cnp_sep_event_cycles = AKISIM_RTL_CNP_SEP_EVENT_CYCLES;
#endif
#ifdef AKISIM_RTL_CNP_SEP_CHANNELS_PER_CYCLE
    p.cnp_sep_channels_per_cycle = AKISIM_RTL_CNP_SEP_CHANNELS_PER_CYCLE;
#endif
    return p;
}

NpResult check_np(const RtlFactory &f, const NpCase &c, const npu_cost_params &p,
                  const std::string &vcd_dir, const std::string &tag) {
    NpResult r;
    CModelChecker chk(c.kind, p, true, c.layer, c.ident);
    chk.attach_external(c.ext, c.ext_n);
    std::unique_ptr<RtlNp> rtl = f(c.kind, c.stim);
    if (!rtl) {
        r.covered = false;
        return r;
    }
    rtl->attach_external(c.ext, c.ext_n);
    for (const auto &w : c.writes) {
        rtl->write(w.sram, w.region, w.offset, w.words.data(), w.words.size());
    }
    if (!rtl->configure()) {
        r.covered = false;
        r.message = rtl->fault();
        return r;
    }
    if (!chk.configured(c.writes, true)) {
        r.ok = false;
    }
    rtl->attach(&chk);
    uint64_t fail_frame = 0, stop_rel = 0;
    std::vector<npu_event> out;
    for (size_t k = 0; r.ok && k < c.frames.size(); k++) {
        bool ok = rtl->begin_frame();
        for (size_t i = 0; ok && i < c.frames[k].size(); i++) {
            ok = rtl->push(c.frames[k][i]);
        }
        out.clear();
        ok = ok && rtl->end_frame(&out);
        if (!ok) {
            r.ok = false;
            fail_frame = k;
            uint64_t stop = rtl->stop_cycle() ? rtl->stop_cycle() : rtl->cycles();
            stop_rel = stop - rtl->frame_cycle();
        }
    }
    r.stats = chk.stats();
    if (!r.ok) {
        r.first = chk.first();
        r.message = chk.errors().empty() ? "RTL: " + rtl->fault() : chk.errors().front();
        if (chk.errors().empty()) {
            r.first.any = true;
            r.first.what = "hang";
            r.first.layer = c.layer;
            r.first.np = c.ident;
            r.first.frame = fail_frame;
            char b[160];
            snprintf(b, sizeof b, "layer %u, NP (%u,%u,%u), frame %llu: ", c.layer,
                     unsigned(c.ident.col), unsigned(c.ident.row), unsigned(c.ident.id),
                     (unsigned long long)fail_frame);
            r.message = b + rtl->fault();
        }
        rtl.reset();
        if (!vcd_dir.empty()) {
            r.vcd = replay_vcd(f, c, fail_frame, stop_rel, vcd_dir, tag);
        }
    }
    return r;
}

} // namespace cosim
