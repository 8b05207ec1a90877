/*
 * test_calibrate: the calibration to published silicon (sim_calibrate.h, docs/fidelity.md).
 *
 * - The KWS cases of akida-facts.md section 6 (AKD1000 AllNps, AKD1500 Minimal and AllNps)
 *   land within 15 % of every published cycle / programming / floor / mapping figure with
 *   the shipped default calibrations.
 * - The bounded Nelder-Mead minimiser recovers known parameters of a synthetic problem whose
 *   "published" figures were generated from them (hand-made linear cost model, independent
 *   of the simulator), and keeps a search inside its bounds.
 * - Replay evaluation is deterministic and the relative error helper is hand-checked.
 * - Every case of the table (AKD1000 and AKD1500, AkidaNet included) lands within 15 % with
 *   the shipped defaults for cycles, program_clk, floor, NPs and passes, and for the energy
 *   figures (total mW, dynamic mJ per inference).
 * - The busy-cycle energy rule (sim_energy.h): the lane share by hand, and on a device run
 *   the dynamic energy with only e_np_busy_pj set equals the sum over NPs of busy cycles x
 *   lane share, computed here from the run's per-NP busy cycles and the mapping's slices.
 * - The NP cost formulas the fit acts on (npu_cost.h): hand-computed separable / convolution
 *   cases and a randomized comparison with a naive int64 reference written here; the NP
 *   cost fields of the shipped akd1000 / akd1500 sets are whole numbers (RTL contract).
 * - `akisim calibrate --case kws --json` prints JSON that parses and holds every figure;
 *   bad options exit 2.
 */
#include <gtest/gtest.h>

#include <libfyaml.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <sys/wait.h>

#include "akisim/sim_engine.h"
#include "cmp/cmp_mapper.h"
#include "cmp/cmp_program.h"
#include "cmp/cmp_zoo.h"
#include "mesh/mesh_calib.h"
#include "npu/npu_cost.h"
#include "sim_calibrate.h"
#include "sim_energy.h"

namespace {

/* Cycles, programming, floor and the mapping figures; the others (total_mw, dynamic_mj) are
 * the energy figures. Both sets are within 15 % with the shipped defaults (docs/fidelity.md). */
bool timing_figure(int f) {
    return f != SIM_CAL_TOTAL_MW && f != SIM_CAL_DYNAMIC_MJ;
}

std::vector<sim_cal_case> kws_cases() {
    size_t n = 0;
    const sim_cal_case *all = sim_cal_cases(&n);
    std::vector<sim_cal_case> v;
    for (size_t i = 0; i < n; i++)
        if (std::strstr(all[i].id, "ds_cnn_kws"))
            v.push_back(all[i]);
    return v;
}

TEST(Calibrate, CaseTableMatchesTheFacts) {
    size_t n = 0;
    const sim_cal_case *c = sim_cal_cases(&n);
    ASSERT_EQ(n, 9u); /* 2 AKD1000 rows + 7 AKD1500 rows of akida-facts.md section 6 */
    EXPECT_STREQ(c[0].device, "akd1000");
    EXPECT_EQ(c[0].published[SIM_CAL_INFERENCE_CLK], 93965.0);
    EXPECT_EQ(c[0].published[SIM_CAL_PROGRAM_CLK], 152396.0);
    EXPECT_EQ(c[1].published[SIM_CAL_INFERENCE_CLK], 13733572.0);
    EXPECT_EQ(c[1].published[SIM_CAL_PROGRAM_CLK], 999868.0);
    for (size_t i = 2; i < n; i++) {
        EXPECT_STREQ(c[i].device, "akd1500");
        EXPECT_TRUE(c[i].nps_with_hrc);
        EXPECT_GT(c[i].published[SIM_CAL_DYNAMIC_MJ], 0.0);
        EXPECT_GT(c[i].published[SIM_CAL_TOTAL_MW], 0.0);
    }
    EXPECT_NEAR(c[2].density, 1.0 - 0.4671, 1e-12);
    EXPECT_NEAR(c[8].density, 1.0 - 0.7319, 1e-12);
    EXPECT_EQ(c[4].published[SIM_CAL_PASSES], 4.0);
}

TEST(Calibrate, RelativeErrorByHand) {
    EXPECT_DOUBLE_EQ(sim_cal_rel_error(100.0, 115.0), 0.15);
    EXPECT_DOUBLE_EQ(sim_cal_rel_error(200.0, 150.0), -0.25);
    EXPECT_DOUBLE_EQ(sim_cal_rel_error(0.0, 123.0), 0.0); /* not published */
}

TEST(Calibrate, KwsWithinFifteenPercent) {
    std::vector<sim_cal_case> cases = kws_cases();
    ASSERT_EQ(cases.size(), 3u);
    npu_err err{};
    sim_cal_session *s = nullptr;
    ASSERT_EQ(sim_cal_session_new(cases.data(), cases.size(), 1, nullptr, &s, &err), NPU_OK)
        << err.msg;
    for (size_t i = 0; i < cases.size(); i++) {
        mesh_calib c;
        ASSERT_EQ(mesh_calib_preset(cases[i].device, &c, &err), NPU_OK) << err.msg;
        sim_cal_result r{}, r2{};
        ASSERT_EQ(sim_cal_eval(s, i, &c, &r, &err), NPU_OK) << err.msg;
        ASSERT_EQ(sim_cal_eval(s, i, &c, &r2, &err), NPU_OK) << err.msg;
        for (int f = 0; f < SIM_CAL_N_FIGS; f++) {
            EXPECT_EQ(r.sim[f], r2.sim[f]) << "replay is deterministic";
            const double pub = cases[i].published[f];
            if (pub == 0.0 || !timing_figure(f))
                continue;
            EXPECT_LE(std::fabs(r.sim[f] / pub - 1.0), 0.15)
                << cases[i].id << " " << sim_cal_fig_name(sim_cal_fig(f)) << ": published " << pub
                << ", simulated " << r.sim[f];
        }
    }
    sim_cal_session_free(s);
}

/* Every case of akida-facts.md section 6 with the shipped defaults (builds the AkidaNet models
 * too: a few seconds in Release); `energy` selects the energy figures instead of the others. */
void all_cases_within(bool energy, double tol) {
    size_t n = 0;
    const sim_cal_case *all = sim_cal_cases(&n);
    npu_err err{};
    sim_cal_session *s = nullptr;
    ASSERT_EQ(sim_cal_session_new(all, n, 1, nullptr, &s, &err), NPU_OK) << err.msg;
    for (size_t i = 0; i < n; i++) {
        mesh_calib c{};
        ASSERT_EQ(mesh_calib_preset(all[i].device, &c, &err), NPU_OK) << err.msg;
        sim_cal_result r{};
        ASSERT_EQ(sim_cal_eval(s, i, &c, &r, &err), NPU_OK) << err.msg;
        for (int f = 0; f < SIM_CAL_N_FIGS; f++) {
            const double pub = all[i].published[f];
            if (pub == 0.0 || timing_figure(f) == energy)
                continue;
            EXPECT_LE(std::fabs(r.sim[f] / pub - 1.0), tol)
                << all[i].id << " " << sim_cal_fig_name(sim_cal_fig(f)) << ": published " << pub
                << ", simulated " << r.sim[f];
        }
    }
    sim_cal_session_free(s);
}

/* Cycles (inference_clk, program_clk), floor, NPs and passes of every case within 15 %. */
TEST(Calibrate, AllCyclesWithinFifteenPercent) {
    all_cases_within(false, 0.15);
}

/* Total power and dynamic energy per inference of every AKD1500 case within 15 %. */
TEST(Calibrate, AllEnergyWithinFifteenPercent) {
    all_cases_within(true, 0.15);
}

/* The NP cost fields are whole cycles / lanes / MACs per cycle in the shipped AKD sets: the
 * RTL blocks implement them (rtl/, docs/rtl.md). */
TEST(Calibrate, ShippedNpCostFieldsAreWholeNumbers) {
    for (const char *dev : {"akd1000", "akd1500"}) {
        mesh_calib c{};
        npu_err err{};
        ASSERT_EQ(mesh_calib_preset(dev, &c, &err), NPU_OK) << err.msg;
        const npu_cost_params &p = c.np;
        std::vector<double> v = {
            p.cnp_event_overhead,        p.cnp_output_cycles,    p.hrc_macs_per_cycle,
            p.hrc_output_cycles,         p.fnp_event_cycles,     p.fnp_output_cycles,
            p.cnp_pw_channels_per_cycle, p.cnp_sep_event_cycles, p.cnp_sep_channels_per_cycle};
        for (int k = 1; k <= NPU_COST_MAX_KERNEL; k++)
            v.push_back(p.cnp_event_cycles[k]);
        for (size_t i = 0; i < v.size(); i++)
            EXPECT_EQ(v[i], std::floor(v[i])) << dev << " field " << i;
        EXPECT_GE(p.cnp_event_overhead, 1.0) << dev; /* no free events */
    }
}

npu_np_config sep_config(uint32_t in_c, uint32_t filters) {
    npu_np_config c{};
    c.kind = NPU_NP_CNP;
    c.layer = NPU_SEPARABLE_CONVOLUTIONAL;
    c.in = {25, 5, in_c};
    c.kx = c.ky = 3;
    c.sx = c.sy = 1;
    c.filter_count = filters;
    return c;
}

npu_cost_params hand_params() {
    npu_cost_params p{};
    for (int k = 1; k <= NPU_COST_MAX_KERNEL; k++)
        p.cnp_event_cycles[k] = 3.0 * k * k;
    p.cnp_event_overhead = 2;
    p.cnp_filter_lanes = 8;
    p.cnp_sep_event_cycles = 1;
    p.cnp_sep_channels_per_cycle = 32;
    return p;
}

/* By hand: 64 input channels, 10 filters -> G = 2 groups; per event 2 + 2 x (1 + 64 / 32)
 * = 8 cycles; 100 events = 800. 64 filters -> G = 8: 2 + 8 x 3 = 26 per event. */
TEST(CalibrateCost, SeparableEventCostByHand) {
    npu_cost_params p = hand_params();
    npu_np_config c = sep_config(64, 10);
    EXPECT_EQ(npu_cost_cnp_events(&c, &p, 100), 800u);
    c.filter_count = 64;
    EXPECT_EQ(npu_cost_cnp_events(&c, &p, 100), 2600u);
    p.cnp_sep_channels_per_cycle = 0; /* term off: 2 + 8 x 1 = 10 per event */
    EXPECT_EQ(npu_cost_cnp_events(&c, &p, 3), 30u);
    /* a standard convolution ignores the separable fields: 2 + 27 x 8 = 218 per event */
    c.layer = NPU_CONVOLUTIONAL;
    EXPECT_EQ(npu_cost_cnp_events(&c, &p, 1), 218u);
    c.depthwise = true; /* depthwise: one group, 2 + 27 */
    c.layer = NPU_DEPTHWISE_CONV2D;
    EXPECT_EQ(npu_cost_cnp_events(&c, &p, 1), 29u);
}

/* Randomized: the formula equals a naive reference in exact rational arithmetic (int64,
 * parameters whole numbers, channel rate dividing into a common denominator). */
TEST(CalibrateCost, SeparableEventCostMatchesNaiveReference) {
    uint64_t seed = 12345;
    auto rnd = [&seed](uint64_t m) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        return (seed >> 33) % m;
    };
    for (int it = 0; it < 2000; it++) {
        npu_cost_params p{};
        p.cnp_event_overhead = double(1 + rnd(8));
        p.cnp_filter_lanes = uint32_t(1 + rnd(16));
        p.cnp_sep_event_cycles = double(1 + rnd(6));
        const int64_t rate = int64_t(1 + rnd(256));
        p.cnp_sep_channels_per_cycle = double(rate);
        npu_np_config c = sep_config(uint32_t(1 + rnd(512)), uint32_t(1 + rnd(300)));
        const int64_t n = int64_t(rnd(5000));
        const int64_t g = (int64_t(c.filter_count) + p.cnp_filter_lanes - 1) / p.cnp_filter_lanes;
        /* cycles = n * (o + g * (s + C / rate)) = (n * (o + g * s) * rate + n * g * C) / rate */
        const int64_t num =
            n * (int64_t(p.cnp_event_overhead) + g * int64_t(p.cnp_sep_event_cycles)) * rate +
            n * g * int64_t(c.in.c);
        const int64_t want = (num + rate - 1) / rate; /* ceil */
        const uint64_t got = npu_cost_cnp_events(&c, &p, uint64_t(n));
        /* the formula computes in double: allow the one-cycle slack of a rounding at an exact
         * integer boundary */
        EXPECT_LE(std::llabs(int64_t(got) - want), 1) << "iteration " << it;
    }
}

/* ---------------------------------------------------------------- busy-cycle energy */

/* Lane share = filters / (filter groups x lanes), by hand. */
TEST(CalibrateEnergy, LaneShareByHand) {
    npu_cost_params p{};
    p.cnp_filter_lanes = 8;
    p.hrc_filter_lanes = 8;
    p.fnp_unit_lanes = 8;
    npu_np_config c = sep_config(64, 10); /* 2 groups, 10 of 16 lane slots */
    EXPECT_DOUBLE_EQ(sim_energy_lane_share(&c, &p), 10.0 / 16.0);
    c.filter_count = 64; /* 8 full groups */
    EXPECT_DOUBLE_EQ(sim_energy_lane_share(&c, &p), 1.0);
    c.filter_count = 4; /* one group, half empty */
    EXPECT_DOUBLE_EQ(sim_energy_lane_share(&c, &p), 0.5);
    c.kind = NPU_NP_FNP; /* 33 units: 5 groups of 8 */
    c.filter_count = 33;
    EXPECT_DOUBLE_EQ(sim_energy_lane_share(&c, &p), 33.0 / 40.0);
    c.kind = NPU_NP_HRC;
    c.filter_count = 8;
    p.hrc_filter_lanes = 16; /* the HRC's own lane count */
    EXPECT_DOUBLE_EQ(sim_energy_lane_share(&c, &p), 0.5);
    c.filter_count = 0; /* no filters: a full share, never a division by zero */
    EXPECT_DOUBLE_EQ(sim_energy_lane_share(&c, &p), 1.0);
    mesh_calib k{};
    k.np = p;
    k.e_np_busy_pj = 3.0;
    c.filter_count = 8;
    EXPECT_DOUBLE_EQ(sim_energy_busy_pj(&c, &k, 0.5, 100.0), 0.5 * 3.0 * 0.5 * 100.0);
}

/* Share of the lanes an NP of `type` holding `filters` filters occupies (test reference). */
double ref_share(mesh_np_type type, uint32_t filters, const npu_cost_params &p) {
    const uint32_t lanes = type == MESH_NP_HRC                              ? p.hrc_filter_lanes
                           : (type == MESH_NP_FNP2 || type == MESH_NP_FNP3) ? p.fnp_unit_lanes
                                                                            : p.cnp_filter_lanes;
    const uint32_t groups = (filters + lanes - 1) / lanes;
    return filters == 0 ? 1.0 : double(filters) / double(groups * lanes);
}

/* DS-CNN KWS on AKD1000 AllNps (separable layers split 4 filters per NP: half the 8 lanes)
 * with every energy field zero but e_np_busy_pj = 1 pJ: the dynamic energy is the sum over
 * the run's NPs of busy cycles x lane share (the slices from the mapping; the FNP2's
 * external-memory waits, inside its busy cycles, excepted), and LowPower scales it by
 * (V_low / V_perf)^2 (same cycles, lower voltage). */
TEST(CalibrateEnergy, BusyEnergyIsBusyCyclesTimesLaneShare) {
    npu_err e{};
    cmp_zoo_opts o;
    cmp_zoo_opts_default(&o);
    npu_model *m = nullptr;
    ASSERT_EQ(cmp_zoo_build("ds_cnn_kws", &o, &m, &e), NPU_OK) << e.msg;
    mesh_desc mesh{};
    ASSERT_EQ(mesh_load("akd1000", &mesh, &e), NPU_OK) << e.msg;
    mesh_calib c{};
    ASSERT_EQ(mesh_calib_default(&mesh, &c, &e), NPU_OK) << e.msg;
    for (const char *f : {"e_synop_pj", "e_sram_read_pj", "e_sram_write_pj", "e_hop_byte_pj",
                          "e_dma_byte_pj", "e_ext_byte_pj", "e_np_cycle_pj", "p_static_np_mw"})
        ASSERT_EQ(mesh_calib_set(&c, (std::string(f) + "=0").c_str(), &e), NPU_OK) << f;
    ASSERT_EQ(mesh_calib_set(&c, "e_np_busy_pj=1", &e), NPU_OK) << e.msg;
    cmp_mapped mm{};
    ASSERT_EQ(cmp_map(m, &mesh, true, CMP_MAP_ALLNPS, &mm, &e), NPU_OK) << e.msg;
    cmp_program *prog = nullptr;
    ASSERT_EQ(cmp_program_build(m, &mm, &mesh, &prog, &e), NPU_OK) << e.msg;
    sim_device *dev = nullptr;
    ASSERT_EQ(sim_device_new(&mesh, &c, &dev, &e), NPU_OK) << e.msg;
    ASSERT_EQ(sim_device_program(dev, prog, m, &e), NPU_OK) << e.msg;
    npu_tensor in{};
    in.shape = npu_model_input_shape(m);
    in.data = static_cast<int32_t *>(malloc(npu_shape_size(in.shape) * sizeof(int32_t)));
    std::mt19937 rng(7);
    for (size_t i = 0; i < npu_shape_size(in.shape); i++)
        in.data[i] = int32_t(rng() % 256);
    npu_tensor out{};
    double dyn[2] = {0, 0};
    for (int mode = 0; mode < 2; mode++) {
        sim_device_set_clock_mode(dev, mode ? MESH_CLOCK_LOWPOWER : MESH_CLOCK_PERFORMANCE);
        ASSERT_EQ(sim_device_forward(dev, &in, 1, &out, &e), NPU_OK) << e.msg;
        npu_tensor_free(&out);
        const sim_results *r = sim_device_results(dev);
        ASSERT_EQ(r->n_sequences, 1u);
        dyn[mode] = r->sequences[0].dynamic_energy_mj_per_frame * 1e9; /* pJ */
        if (mode)
            break;
        double want = 0.0, ext = 0.0;
        size_t half = 0;
        for (size_t i = 0; i < r->n_nps; i++) {
            const sim_np_stats &n = r->nps[i];
            uint32_t filters = 0;
            bool found = false;
            for (const cmp_layer_map &lm : std::vector<cmp_layer_map>(
                     mm.sequences[0].layers, mm.sequences[0].layers + mm.sequences[0].n_layers))
                for (uint32_t k = 0; lm.layer == n.layer && k < lm.n_nps; k++)
                    if (lm.nps[k].ident.col == n.ident.col && lm.nps[k].ident.row == n.ident.row &&
                        lm.nps[k].ident.id == n.ident.id) {
                        filters = lm.nps[k].filters;
                        found = true;
                    }
            ASSERT_TRUE(found) << "NP " << i << " of layer " << n.layer;
            const double share = ref_share(n.type, filters, c.np);
            half += share == 0.5;
            (n.type == MESH_NP_FNP2 ? ext : want) += double(n.busy_cycles) * share;
        }
        EXPECT_GT(half, 40u); /* the 4-filter slices of the separable layers */
        EXPECT_GT(want, 0.0);
        /* busy_cycles is the ceiling of a floating-point sum: up to one cycle (1 pJ) per NP
         * above the work; an FNP2's busy cycles also hold its external-memory waits (no work,
         * no energy) */
        const double slack = double(r->n_nps);
        EXPECT_GE(dyn[0], want - slack);
        EXPECT_LE(dyn[0], want + ext + slack);
        EXPECT_LT(ext, 1e-3 * want);
    }
    const double v =
        c.clock[MESH_CLOCK_LOWPOWER].voltage_v / c.clock[MESH_CLOCK_PERFORMANCE].voltage_v;
    EXPECT_NEAR(dyn[1], dyn[0] * v * v, 1e-6 * dyn[0]);
    free(in.data);
    sim_device_free(dev);
    cmp_program_free(prog);
    cmp_mapped_free(&mm);
    npu_model_free(m);
    mesh_free(&mesh);
}

TEST(Calibrate, EvalRejectsBadCaseIndex) {
    std::vector<sim_cal_case> cases = kws_cases();
    cases.resize(1);
    npu_err err{};
    sim_cal_session *s = nullptr;
    ASSERT_EQ(sim_cal_session_new(cases.data(), 1, 1, nullptr, &s, &err), NPU_OK) << err.msg;
    mesh_calib c;
    ASSERT_EQ(mesh_calib_preset("akd1000", &c, &err), NPU_OK);
    sim_cal_result r{};
    EXPECT_EQ(sim_cal_eval(s, 5, &c, &r, &err), NPU_ERR_INPUT);
    sim_cal_session_free(s);
}

/* Synthetic problem: figure_j = a * n_j + b * m_j + c (cycles = per-event cost x events +
 * per-output cost x outputs + fixed), "published" from known (a, b, c). */
struct Synth {
    std::vector<double> n, m, pub;
};

double synth_objective(const double *x, void *ctx) {
    const Synth *s = static_cast<const Synth *>(ctx);
    double sq = 0.0, mx = 0.0;
    for (size_t j = 0; j < s->pub.size(); j++) {
        const double sim = x[0] * s->n[j] + x[1] * s->m[j] + x[2];
        const double l = std::log(sim / s->pub[j]);
        sq += l * l;
        mx = std::fmax(mx, std::fabs(l));
    }
    return std::sqrt(sq / double(s->pub.size())) + mx;
}

TEST(Calibrate, FitRecoversKnownParameters) {
    const double truth[3] = {3.2, 0.7, 450.0};
    Synth s;
    const double ns[] = {100, 2000, 50, 8000, 300, 12000};
    const double ms[] = {5000, 100, 20000, 700, 300, 40};
    for (size_t j = 0; j < 6; j++) {
        s.n.push_back(ns[j]);
        s.m.push_back(ms[j]);
        s.pub.push_back(truth[0] * ns[j] + truth[1] * ms[j] + truth[2]);
    }
    const sim_fit_param p[3] = {
        {"a", 0.01, 100.0, 1.0}, {"b", 0.01, 100.0, 5.0}, {"c", 1.0, 1e5, 10.0}};
    double x[3] = {0, 0, 0};
    const double v = sim_fit_minimize(p, 3, synth_objective, &s, 20000, 1e-9, x);
    EXPECT_LT(v, 1e-3);
    EXPECT_NEAR(x[0], truth[0], 0.02 * truth[0]);
    EXPECT_NEAR(x[1], truth[1], 0.02 * truth[1]);
    EXPECT_NEAR(x[2], truth[2], 0.05 * truth[2]);
}

/* Bounds hold: the unconstrained optimum (a = 3.2) lies above the upper bound 2. */
TEST(Calibrate, FitStaysWithinBounds) {
    Synth s;
    const double ns[] = {100, 2000, 50, 8000};
    for (double n : ns) {
        s.n.push_back(n);
        s.m.push_back(0.0);
        s.pub.push_back(3.2 * n + 1.0);
    }
    const sim_fit_param p[3] = {{"a", 0.1, 2.0, 1.0}, {"b", 0.5, 1.0, 0.7}, {"c", 0.5, 2.0, 1.0}};
    double x[3];
    sim_fit_minimize(p, 3, synth_objective, &s, 5000, 1e-9, x);
    for (int i = 0; i < 3; i++) {
        EXPECT_GE(x[i], p[i].lo);
        EXPECT_LE(x[i], p[i].hi);
    }
    EXPECT_NEAR(x[0], 2.0, 1e-6); /* pinned at the bound */
}

/* ---------------------------------------------------------------- CLI */

struct CalRun {
    int status = -1;
    std::string out, err;
};

std::string slurp(const std::string &path) {
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

CalRun akisim(const std::string &args) {
    char tmpl[] = "/tmp/akisim_calibrate_XXXXXX";
    const char *dir = mkdtemp(tmpl);
    CalRun r;
    if (!dir)
        return r;
    const std::string o = std::string(dir) + "/out", e = std::string(dir) + "/err";
    const std::string cmd = "'" AKISIM_CLI "' " + args + " >'" + o + "' 2>'" + e + "'";
    const int st = system(cmd.c_str());
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    r.out = slurp(o);
    r.err = slurp(e);
    std::remove(o.c_str());
    std::remove(e.c_str());
    rmdir(dir);
    return r;
}

TEST(CalibrateCli, JsonParsesAndHoldsEveryFigure) {
    CalRun r = akisim("calibrate --case kws --json -q");
    ASSERT_EQ(r.status, 0) << r.err;
    fy_parse_cfg cfg{};
    cfg.flags = static_cast<fy_parse_cfg_flags>(FYPCF_QUIET | FYPCF_JSON_FORCE);
    fy_document *d = fy_document_build_from_string(&cfg, r.out.c_str(), r.out.size());
    ASSERT_NE(d, nullptr) << r.out;
    fy_node *cases = fy_node_by_path(fy_document_root(d), "/cases", size_t(-1), FYNWF_DONT_FOLLOW);
    ASSERT_NE(cases, nullptr);
    ASSERT_TRUE(fy_node_is_sequence(cases));
    EXPECT_EQ(fy_node_sequence_item_count(cases), 3);
    size_t n = 0;
    const sim_cal_case *all = sim_cal_cases(&n);
    int published = 0;
    for (size_t i = 0; i < n; i++)
        if (std::strstr(all[i].id, "ds_cnn_kws"))
            for (int f = 0; f < SIM_CAL_N_FIGS; f++)
                published += all[i].published[f] != 0.0;
    int figures = 0;
    void *it = nullptr;
    for (fy_node *c = fy_node_sequence_iterate(cases, &it); c;
         c = fy_node_sequence_iterate(cases, &it)) {
        fy_node *figs = fy_node_by_path(c, "/figures", size_t(-1), FYNWF_DONT_FOLLOW);
        ASSERT_NE(figs, nullptr);
        figures += fy_node_sequence_item_count(figs);
        void *jt = nullptr;
        for (fy_node *g = fy_node_sequence_iterate(figs, &jt); g;
             g = fy_node_sequence_iterate(figs, &jt)) {
            const char *pub = fy_node_get_scalar0(
                fy_node_by_path(g, "/published", size_t(-1), FYNWF_DONT_FOLLOW));
            const char *sim = fy_node_get_scalar0(
                fy_node_by_path(g, "/simulated", size_t(-1), FYNWF_DONT_FOLLOW));
            const char *e = fy_node_get_scalar0(
                fy_node_by_path(g, "/error_pct", size_t(-1), FYNWF_DONT_FOLLOW));
            ASSERT_TRUE(pub && sim && e);
            const double p = std::atof(pub), s = std::atof(sim);
            EXPECT_NEAR(std::atof(e), 100.0 * (s / p - 1.0), 0.01 + 1e-4 * std::fabs(s / p) * 100);
        }
    }
    EXPECT_EQ(figures, published);
    fy_document_destroy(d);
}

TEST(CalibrateCli, TableAndBadOptions) {
    CalRun r = akisim("calibrate --case akd1500/ds_cnn_kws/minimal -q");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("inference_clk"), std::string::npos);
    EXPECT_NE(r.out.find("max |error|"), std::string::npos);
    EXPECT_EQ(akisim("calibrate --bogus").status, 2);
    EXPECT_EQ(akisim("calibrate --case no-such-case -q").status, 2);
    EXPECT_EQ(akisim("calibrate --fit akd1000").status, 2);            /* no -o */
    EXPECT_EQ(akisim("calibrate --fit twonodes -o x.yaml").status, 2); /* no figures */
    EXPECT_EQ(akisim("calibrate -o x.yaml").status, 2);
}

} // namespace
