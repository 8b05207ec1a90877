/*
 * sim_calibrate: calibration of the timing and energy model to published silicon (issue 4
 * section 6, docs/fidelity.md).
 *
 * A *case* is one published measurement (akida-facts.md section 6): a device, a zoo model
 * built at a given activation density, a map mode and the published figures (inference_clk,
 * program_clk, floor / total power, dynamic energy, NPs, passes; 0 = not published). A
 * *session* prepares the cases once — zoo model per (model, density), one seeded random
 * input, one functional forward per model (the record), one program per (device, mode) — and
 * then evaluates any calibration by replaying the record through the timing model
 * (sim_device_replay), so a fit iteration costs only timing.
 *
 * The fit (sim_cal_fit) is documented in docs/fidelity.md: Nelder-Mead in log space over a
 * small set of bounded parameters (sim_fit_minimize, reusable and tested on a synthetic
 * problem), minimising the RMS log error of the cycle figures plus a penalty on the largest
 * one, then a second stage on the energy and power figures that uses the exact linear
 * decomposition of the dynamic energy (one replay per energy field).
 */
#ifndef SIM_CALIBRATE_H
#define SIM_CALIBRATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cmp/cmp_map.h"
#include "mesh/mesh_calib.h"
#include "npu/npu_err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Figures of a case (published or simulated). */
typedef enum sim_cal_fig {
    SIM_CAL_INFERENCE_CLK = 0, /* cycles of one inference (batch 1) */
    SIM_CAL_PROGRAM_CLK,       /* cycles of programming */
    SIM_CAL_FLOOR_MW,          /* floor power, mW */
    SIM_CAL_TOTAL_MW,          /* average total power during the inference, mW */
    SIM_CAL_DYNAMIC_MJ,        /* dynamic energy per inference, mJ */
    SIM_CAL_NPS,               /* NPs used (mapping figure) */
    SIM_CAL_PASSES,            /* passes (mapping figure) */
    SIM_CAL_N_FIGS
} sim_cal_fig;

/* Name of a figure ("inference_clk", ...). */
const char *sim_cal_fig_name(sim_cal_fig f);

/* One published measurement. */
typedef struct sim_cal_case {
    const char *id;      /* short unique name, e.g. "akd1500/akidanet-0.25-160/minimal" */
    const char *device;  /* mesh preset (akd1000, akd1500) */
    const char *model;   /* zoo model name */
    double alpha;        /* width multiplier (akidanet); 0 = model default */
    uint32_t input_size; /* input size; 0 = model default */
    cmp_map_mode mode;   /* map mode */
    double density;      /* zoo activation density = 1 - published sparsity */
    bool nps_with_hrc;   /* published NP count includes the HRC (AKD1500 table) */
    double published[SIM_CAL_N_FIGS]; /* published figures, 0 = not published */
} sim_cal_case;

/* The built-in cases of akida-facts.md section 6 (static array of *n entries). */
const sim_cal_case *sim_cal_cases(size_t *n);

/* Simulated figures of one case. */
typedef struct sim_cal_result {
    double sim[SIM_CAL_N_FIGS]; /* simulated figure (0 where not applicable) */
} sim_cal_result;

/* Relative error of a simulated figure (sim / published - 1); 0 when not published. */
double sim_cal_rel_error(double published, double simulated);

typedef struct sim_cal_session sim_cal_session;

/* Prepares the n cases (copied): builds each distinct zoo model (seeded; input seed
 * input_seed) once, runs it once functionally to record its event streams, and maps and
 * programs each case. progress (may be NULL) receives one line per step. */
npu_status sim_cal_session_new(const sim_cal_case *cases, size_t n, uint64_t input_seed,
                               FILE *progress, sim_cal_session **out, npu_err *err);
void sim_cal_session_free(sim_cal_session *s);
size_t sim_cal_session_count(const sim_cal_session *s);
const sim_cal_case *sim_cal_session_case(const sim_cal_session *s, size_t i);

/* Evaluates case i under calibration c (its device's calibration): replays the recorded
 * frame on the case's program; fills *out. */
npu_status sim_cal_eval(sim_cal_session *s, size_t i, const mesh_calib *c, sim_cal_result *out,
                        npu_err *err);

/* Prints case i's per-layer and per-NP breakdown under calibration c (one replay): per
 * layer its span and NPs; per NP its kind, geometry (kernel, stride, input channels,
 * filters, convolution positions), events in, synops and busy cycles. The data the NP cost
 * formulas are fitted on (docs/fidelity.md). */
npu_status sim_cal_breakdown(sim_cal_session *s, size_t i, const mesh_calib *c, FILE *out,
                             npu_err *err);

/* ---- generic bounded minimiser (tested on a synthetic problem) ---- */

/* One free parameter: searched in log space within [lo, hi] (0 < lo <= x0 <= hi). */
typedef struct sim_fit_param {
    const char *name; /* calibration field (dotted name) or a label */
    double lo, hi;    /* bounds (> 0) */
    double x0;        /* start */
} sim_fit_param;

/* Objective: x holds the n parameter values (linear scale). Returns the value to minimise
 * (finite; a failure can return a large value). */
typedef double (*sim_fit_objective)(const double *x, void *ctx);

/* Nelder-Mead in log space (reflection 1, expansion 2, contraction 0.5, shrink 0.5; initial
 * simplex steps of log(2) clipped into the bounds), restarted from the best point until a
 * restart no longer improves; points are clamped into the bounds. Stops after max_evals
 * objective calls or when the simplex spread falls below tol (log units). x_out receives
 * the best point; returns its objective value. */
double sim_fit_minimize(const sim_fit_param *p, size_t n, sim_fit_objective f, void *ctx,
                        size_t max_evals, double tol, double *x_out);

/* ---- the calibration fit ---- */

/* Fits the default calibration of `device` (akd1000 or akd1500) on the session's cases of
 * that device, starting from *c (in/out). log (may be NULL) receives the procedure's
 * progress. max_evals bounds each Nelder-Mead stage. */
npu_status sim_cal_fit(sim_cal_session *s, const char *device, mesh_calib *c, size_t max_evals,
                       FILE *log, npu_err *err);

#ifdef __cplusplus
}
#endif

#endif /* SIM_CALIBRATE_H */
