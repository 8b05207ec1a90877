/*
 * rep_report: the sweep report generator behind `akisim report DIR -o OUT`.
 *
 * A sweep directory (docs/scenarios.md; contract in docs/reports.md) holds one JSON per point
 * (points/<id>.json, schema "akisim-point/1"), an optional power CSV per point and
 * results.csv. rep_sweep_load reads and checks all of it into a rep_sweep; rep_generate turns
 * a sweep directory into OUT/: gnuplot figures (PNG and SVG), a self-contained index.html and
 * a summary.md. Everything is built only from the files the simulator wrote; nothing is
 * fetched from the network. Errors follow npu_err: NPU_ERR_INPUT (exit 2) names the file,
 * NPU_ERR_INTERNAL (exit 1) is an I/O or allocation failure.
 */
#ifndef REP_REPORT_H
#define REP_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "npu/npu_err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define REP_ID_MAX 64   /* longest point id, including the NUL */
#define REP_WORD_MAX 32 /* longest short word (map mode, clock mode, fidelity, NP type) */

/* One NP mapping of a point's stats (stats.nps[]). */
typedef struct rep_np {
    int32_t col;             /* 1-based mesh column */
    int32_t row;             /* 1-based mesh row */
    int32_t id;              /* slot id 0..3 */
    double util;             /* busy_cycles / inference_clk of its sequence (0..1) */
    char type[REP_WORD_MAX]; /* type it acts as (CNP1, FNP2, ...) */
} rep_np;

/* One sweep point: its configuration, outcome and the figures the report uses. */
typedef struct rep_point {
    char id[REP_ID_MAX];           /* "p00017" */
    int64_t index;                 /* point index */
    char *model;                   /* model spec or file */
    char *mesh;                    /* mesh preset, gen spec or file */
    char *input;                   /* input spec ("" when absent) */
    int64_t mesh_cols;             /* grid columns (0 when unknown) */
    int64_t mesh_rows;             /* grid rows (0 when unknown) */
    int64_t mesh_nps;              /* NPs in the mesh (0 when unknown) */
    bool hw_only;                  /* mapped hardware-only (false: hybrid) */
    char map_mode[REP_WORD_MAX];   /* minimal / allnps / hwpr */
    char clock_mode[REP_WORD_MAX]; /* Performance / Economy / LowPower */
    int64_t batch;                 /* frames per inference */
    char fidelity[REP_WORD_MAX];   /* exact / estimate */
    bool ok;                       /* status "ok" (false: "error") */
    char *error;                   /* error message ("" when ok) */
    int64_t nps;                   /* NPs the mapping uses */
    int64_t passes;                /* passes of the mapping */
    int64_t sequences;             /* sequences of the mapping */
    int64_t program_bytes;         /* program size, bytes */
    int64_t inference_clk;         /* device cycles, summed over sequences */
    double latency_ms;             /* latency per frame, ms, summed over sequences */
    double fps;                    /* 1000 / latency_ms */
    double power_avg_mw;           /* latency-weighted average power, mW (floor included) */
    double energy_mj;              /* energy per frame, mJ, summed over sequences */
    double dyn_energy_mj;          /* dynamic energy per frame, mJ, summed */
    double floor_mw;               /* floor power, mW */
    double est_err_cycles;         /* estimate error in cycles (NaN when absent) */
    double est_err_energy;         /* estimate error in energy (NaN when absent) */
    double accuracy;               /* top-1 accuracy on a dataset input (NaN when absent) */
    rep_np *np;                    /* NP mappings (stats.nps) */
    size_t n_np;                   /* entries in np */
    bool has_power;                /* points/<id>.power.csv exists */
    bool in_csv;                   /* results.csv has a row for it */
} rep_point;

/* A loaded sweep directory, points sorted by index. */
typedef struct rep_sweep {
    char *dir;      /* the sweep directory */
    rep_point *pts; /* points */
    size_t n;       /* number of points */
    size_t n_ok;    /* points with status ok */
    size_t n_csv;   /* rows in results.csv */
} rep_sweep;

/* Options of rep_generate. */
typedef struct rep_options {
    const char *dir;     /* sweep directory */
    const char *out;     /* output directory (created; files in it are replaced) */
    const char *point;   /* point for the power and NP plots (NULL: default choice) */
    const char *gnuplot; /* gnuplot executable (NULL: "gnuplot" from PATH) */
    bool quiet;          /* no warnings on stderr */
    FILE *text;          /* short text summary printed here on success (NULL: none) */
} rep_options;

/* Loads DIR/points/ *.json and DIR/results.csv. Bad or missing files, a directory with no
 * point, duplicate ids and rows of results.csv without a point JSON are NPU_ERR_INPUT with
 * the file named. Warnings (point without a results.csv row, figures that disagree) go to
 * warn when it is not NULL. */
npu_status rep_sweep_load(const char *dir, rep_sweep *s, void (*warn)(const char *msg),
                          npu_err *err);
void rep_sweep_free(rep_sweep *s);

/* Marks the Pareto-optimal points (minimise both x and y) among the n pairs: on[i] = true
 * when no other pair is <= in both and < in one. Pairs with a non-finite value are never on
 * the front and dominate nothing. Returns the number of points on the front. */
size_t rep_pareto(const double *x, const double *y, size_t n, bool *on);

/* Renders the report of o->dir into o->out. A missing gnuplot is NPU_ERR_INPUT with a
 * message saying so (nothing written). On success *n_plots receives the number of figures. */
npu_status rep_generate(const rep_options *o, size_t *n_plots, npu_err *err);

#ifdef __cplusplus
}
#endif

#endif /* REP_REPORT_H */
