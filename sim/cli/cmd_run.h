/*
 * cmd_run: the options shared by `akisim run`'s two paths — the software backend (cmd_run.c)
 * and the hardware path on a simulated device (cmd_run_hw.c, when --mesh is given).
 */
#ifndef CMD_RUN_H
#define CMD_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli.h"

#define RUN_MAX_SETS 64 /* --set assignments accepted */

/* Options of one run. */
typedef struct run_opts {
    const char *model;              /* MODEL or PROGRAM path */
    const char *input;              /* --input */
    const char *output;             /* --output, or NULL */
    bool predict;                   /* --predict */
    bool quiet;                     /* --quiet */
    uint64_t batch;                 /* --batch (0 = all at once) */
    cli_device_opts dev;            /* --mesh (NULL: software backend) and its options */
    const char *calib;              /* --calib FILE, or NULL */
    const char *sets[RUN_MAX_SETS]; /* --set field=value, in order */
    size_t n_sets;                  /* number of --set */
    const char *stats;              /* --stats S.json, or NULL */
    const char *trace;              /* --trace T.json, or NULL */
    const char *power;              /* --power P.csv, or NULL */
    const char *rtl;                /* --rtl SPEC (mixed-level: NPs in Verilated RTL), or NULL */
} run_opts;

/* True when path is a binary program (starts with the "AKSP" magic). */
bool run_is_program(const char *path);

/* Runs MODEL or PROGRAM on the simulated device o->mesh; returns the exit status. */
int run_hw(const run_opts *o);

#endif /* CMD_RUN_H */
