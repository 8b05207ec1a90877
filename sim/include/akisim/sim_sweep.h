/*
 * sim_sweep: runs the points of a scenario (sim_scenario.h) in parallel worker processes and
 * writes the sweep directory (docs/scenarios.md, "Sweep directory"):
 *
 *   DIR/scenario.yaml           copy of the scenario (a resumed sweep must match it)
 *   DIR/points/pNNNNN.json      one point each, written atomically when it finishes
 *   DIR/points/pNNNNN.power.csv its power samples (exact fidelity, status ok)
 *   DIR/results.csv             one row per finished point, rebuilt atomically at most every
 *                               2 s during the run and at the end
 *
 * Work: the pending points are cut into chunks — points of one group (same model and input),
 * a group cut further when groups are few — handed to forked workers as they become free (a
 * worker keeps to its group). A worker keeps its models, meshes, default calibrations and
 * the current group's samples and functional records from chunk to chunk, runs the
 * functional path once per batch size (sim_device_forward) and gives every point its figures
 * by replaying that record on the point's mesh, mapping and clock mode (sim_device_replay,
 * or the estimator), so identical scenarios give byte-identical point files whatever the
 * split, the number of workers or the interruptions. With fewer groups than workers, the
 * parent builds the model and makes the records once before the fork. A dataset input adds
 * the top-1 accuracy of the forwarded frames against its labels. A point that fails (or
 * whose worker dies) is recorded with status "error" and its message; the sweep goes on.
 * Files are written without a per-point fsync and synced (syncfs) every 10 s and at the end;
 * a killed sweep resumes (resume = true) from the point files whose content is complete.
 */
#ifndef SIM_SWEEP_H
#define SIM_SWEEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "akisim/sim_engine.h"
#include "akisim/sim_results.h"
#include "akisim/sim_scenario.h"
#include "cmp/cmp_map.h"
#include "cmp/cmp_program.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SIM_POINT_SCHEMA "akisim-point/1" /* "schema" of a point JSON */

/* Digest of a functional record kept by the built-in estimator between the points that
 * share it (sim_estimate.h); opaque here. */
typedef struct sim_estimate_prep sim_estimate_prep;
void sim_estimate_prep_free(sim_estimate_prep *p);

/* What an estimator receives for one point (everything borrowed). */
typedef struct sim_estimate_in {
    const sim_scenario *scenario; /* the scenario */
    const sim_point *point;       /* the point */
    const npu_model *model;       /* the model */
    const mesh_desc *mesh;        /* the point's mesh */
    const mesh_calib *calib;      /* its default calibration */
    mesh_clock_mode clock;        /* the point's clock mode */
    const cmp_mapped *mapped;     /* the point's mapping */
    const cmp_program *program;   /* the program built from it; NULL when not built (the
                                     sweep builds none for estimate points) */
    const sim_record *record;     /* functional record of the point's model, input and batch */
    sim_estimate_prep **prep;     /* NULL, or the caller's cache slot of the record's digest
                                     (*prep NULL until the estimator fills it; the caller frees
                                     it with sim_estimate_prep_free) */
} sim_estimate_in;

/* The analytical ("estimate" fidelity) model: fills *out as sim_device_replay would fill the
 * device's results (caller frees with sim_results_free). */
typedef npu_status (*sim_sweep_estimator)(const sim_estimate_in *in, sim_results *out,
                                          npu_err *err);

/* The estimator built into this akisim, NULL while none is (sim_sweep_estimate.c). */
sim_sweep_estimator sim_sweep_builtin_estimator(void);

/* Progress display. */
typedef enum sim_sweep_progress {
    SIM_PROGRESS_AUTO = 0,  /* bar when the log stream is a terminal, else lines */
    SIM_PROGRESS_BAR = 1,   /* one line rewritten with \r */
    SIM_PROGRESS_LINES = 2, /* one line per finished point */
    SIM_PROGRESS_NONE = 3,  /* nothing */
} sim_sweep_progress;

typedef struct sim_sweep_opts {
    const char *out_dir;           /* DIR */
    unsigned jobs;                 /* worker processes (>= 1) */
    bool resume;                   /* skip complete point files of DIR */
    sim_fidelity fidelity;         /* fidelity of every point */
    sim_sweep_estimator estimator; /* analytical model (estimate fidelity); NULL = none */
    FILE *log;                     /* progress stream (NULL: none) */
    sim_sweep_progress progress;   /* progress display */
    unsigned check_every;          /* estimate fidelity: points whose index is a multiple of it
                                      also run exact and carry "estimate_error" (0 = none) */
} sim_sweep_opts;

typedef struct sim_sweep_summary {
    size_t total;   /* points of the scenario */
    size_t skipped; /* complete points found on resume */
    size_t ok;      /* points run with status ok */
    size_t failed;  /* points run with status error */
    double seconds; /* wall time of the run */
} sim_sweep_summary;

/* Runs a sweep (see the file comment). Fails with NPU_ERR_INPUT before running any point when
 * DIR cannot be used (holds another sweep without resume, or another scenario), or when the
 * estimate fidelity is asked for and no estimator is given; a failing point is not an error
 * of the sweep. */
npu_status sim_sweep_run(const sim_scenario *s, const sim_sweep_opts *o, sim_sweep_summary *sum,
                         npu_err *err);

/* Runs point `index` in the calling process (no reuse) and returns its point JSON text
 * (malloc'd) and power CSV (malloc'd, NULL when none): for tests and debugging. */
npu_status sim_sweep_point_text(const sim_scenario *s, size_t index, sim_fidelity fidelity,
                                sim_sweep_estimator estimator, char **json, char **power_csv,
                                npu_err *err);

/* Rebuilds DIR/results.csv from the point files of a scenario of n points. */
npu_status sim_sweep_write_csv(const char *dir, size_t n, npu_err *err);

#ifdef __cplusplus
}
#endif

#endif /* SIM_SWEEP_H */
