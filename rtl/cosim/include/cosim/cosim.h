/*
 * cosim: the C interface of the RTL cross-check (rtl/cosim) for the akisim CLI.
 *
 * - cosim_check_run(): `akisim rtl-check` — randomized constrained configurations and event
 *   streams per block (cnp, fnp, hrc: one-layer programs; router: random packets on a mesh of
 *   Verilated routers), and the layers of zoo models (ds_cnn_kws, a reduced AkidaNet) mapped
 *   on akd1000, each NP slice run on its Verilated block in lockstep with the C NP model.
 *   One report row per (source, block). It stops at the first mismatch (which it reports
 *   with layer, NP, frame, event index, expected and actual; a VCD of the RTL around it when
 *   a VCD directory is given).
 * - cosim_mixed_*(): mixed-level runs (`akisim run --mesh M --rtl ...`): a factory for
 *   sim_device_set_np_factory() that replaces the chosen NPs by an adapter around their
 *   Verilated block. The adapter decodes the configuration with the C decoder (the engine's
 *   routing reads npu_np_config), feeds each event to the RTL and to the C model in lockstep,
 *   and returns the RTL's output events; any difference fails the frame (NPU_ERR_INTERNAL).
 *
 * A vector is one frame of one configured NP slice (router: one packet).
 */
#ifndef COSIM_H
#define COSIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "akisim/sim_engine.h"
#include "npu/npu_err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Blocks of rtl-check. */
typedef enum cosim_block {
    COSIM_CNP = 0,
    COSIM_FNP = 1,
    COSIM_HRC = 2,
    COSIM_ROUTER = 3,
    COSIM_BLOCK_COUNT
} cosim_block;

/* Options of rtl-check. */
typedef struct cosim_check_opts {
    uint32_t blocks;     /* bit mask of 1 << cosim_block */
    uint64_t vectors;    /* random vectors per block */
    uint64_t seed;       /* random seed */
    const char *vcd_dir; /* VCD on the first mismatch (NULL: none) */
    bool zoo;            /* also check the zoo model layers */
    uint32_t zoo_frames; /* input frames per zoo model (>= 1) */
} cosim_check_opts;

/* One report row. */
typedef struct cosim_row {
    char source[48];     /* "random" or the zoo model */
    char block[16];      /* "cnp", "fnp", "hrc", "router" */
    uint64_t configs;    /* NP slices (router: meshes) */
    uint64_t vectors;    /* vectors compared */
    uint64_t mismatches; /* 0, or 1 (the run stops at the first) */
    uint64_t skipped;    /* NP slices the RTL does not cover (cfg_err) */
    uint64_t events_out; /* output events compared (router: flits) */
    uint64_t c_cycles;   /* C model cycles (npu_cost formulas; router: NoC model latency) */
    uint64_t rtl_cycles; /* RTL cycles (cyc_busy; router: measured latency) */
    char first[1024];    /* first mismatch message ("" none) */
    char vcd[512];       /* VCD written ("" none) */
} cosim_row;

#define COSIM_MAX_ROWS 32

typedef struct cosim_report {
    size_t n;                      /* rows used */
    cosim_row row[COSIM_MAX_ROWS]; /* rows */
} cosim_report;

/* Runs rtl-check; NPU_OK even with mismatches (see the rows); an error only when a model
 * could not be built (NPU_ERR_INTERNAL) or an option is invalid (NPU_ERR_INPUT). */
npu_status cosim_check_run(const cosim_check_opts *o, cosim_report *rep, npu_err *err);

/* Cycle error of a row in percent: (rtl - c) / c * 100 (0 when c = 0). */
double cosim_row_error_pct(const cosim_row *r);

/* ------------------------------------------------------------------ mixed-level runs */

typedef struct cosim_mixed cosim_mixed; /* opaque: which NPs are RTL, and their stats */

/* Parses --rtl SPEC: "all-cnp", "all" (every CNP, FNP and HRC), or a comma-separated list of
 * idents COL:ROW:ID. NPU_ERR_INPUT on a bad spec. */
npu_status cosim_mixed_new(const char *spec, cosim_mixed **out, npu_err *err);
void cosim_mixed_free(cosim_mixed *m);
/* Installs the factory on the device (before programming); m must outlive the device. */
void cosim_mixed_attach(cosim_mixed *m, sim_device *d);
/* NPs replaced by RTL so far; RTL clock cycles simulated (configuration + frames). */
uint64_t cosim_mixed_rtl_nps(const cosim_mixed *m);
uint64_t cosim_mixed_rtl_cycles(const cosim_mixed *m);
/* An IDENT of the spec never matched a programmed NP: NPU_ERR_INPUT naming it. */
npu_status cosim_mixed_check_used(const cosim_mixed *m, npu_err *err);

#ifdef __cplusplus
}
#endif

#endif /* COSIM_H */
