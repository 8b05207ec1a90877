/*
 * cmd_sweep: `akisim sweep SCENARIO [-j N] [--out DIR] [--resume] [--fidelity exact|estimate]`
 * — validates a scenario (sim_scenario.h: every key, value and file checked before any point
 * runs), prints the size of its cartesian product, then runs the points in worker processes
 * (sim_sweep.h) writing DIR/points/pNNNNN.json, the power CSVs and DIR/results.csv. Formats:
 * docs/scenarios.md. A failing point is recorded and does not change the exit status; bad
 * input (scenario, DIR, unavailable fidelity) exits 2 before any point runs.
 */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "akisim/sim_scenario.h"
#include "akisim/sim_sweep.h"

static const char SWEEP_HELP[] =
    "usage: akisim sweep SCENARIO [-j N] [--out DIR] [--resume] [--fidelity exact|estimate]\n"
    "                    [--check N]\n\n"
    "Runs the cartesian product of a scenario (models x inputs x meshes x hw_only x map\n"
    "modes x clock modes x batch sizes; format: docs/scenarios.md) in parallel worker\n"
    "processes. Each point is written to DIR/points/pNNNNN.json (+ .power.csv) when it\n"
    "finishes, and DIR/results.csv is rebuilt at most every 2 s and at the end; the files\n"
    "are synced to disk every 10 s and at the end. Points sharing a model and an input\n"
    "reuse one functional run and only replay the timing model. A dataset input adds each\n"
    "point's top-1 accuracy against its labels.\n\n"
    "options:\n"
    "  -j, --jobs N        worker processes (default 2)\n"
    "  -o, --out DIR       output directory (default sweeps/<scenario name>)\n"
    "  --resume            continue a sweep in DIR: skip its complete points\n"
    "  --fidelity F        exact (default: the scenario's, else exact) or estimate\n"
    "  --check N           with estimate: also run exact on every N-th point (index a\n"
    "                      multiple of N) and record \"estimate_error\" in its file\n"
    "  -q, --quiet         no progress output\n"
    "  -h, --help          show this help\n\n"
    "Progress: a bar on a terminal, one line per finished point otherwise.\n";

/* Parsed options. */
typedef struct sweep_args {
    const char *scenario; /* SCENARIO */
    const char *out;      /* --out, or NULL */
    uint64_t jobs;        /* -j */
    bool resume;          /* --resume */
    const char *fidelity; /* --fidelity, or NULL */
    bool quiet;           /* --quiet */
    uint64_t check;       /* --check N (estimate: exact reference every N-th point), 0 = none */
} sweep_args;

static int sweep_parse(int argc, char **argv, sweep_args *a, bool *help) {
    static const struct option opts[] = {
        {"jobs", required_argument, NULL, 'j'}, {"out", required_argument, NULL, 'o'},
        {"resume", no_argument, NULL, 'r'},     {"fidelity", required_argument, NULL, 'f'},
        {"quiet", no_argument, NULL, 'q'},      {"check", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, ":j:o:qh", opts, NULL)) != -1) {
        if (c == 'j' && !cli_parse_positive("sweep", "-j", optarg, 256, &a->jobs))
            return CLI_BAD_INPUT;
        else if (c == 'o')
            a->out = optarg;
        else if (c == 'r')
            a->resume = true;
        else if (c == 'f')
            a->fidelity = optarg;
        else if (c == 'q')
            a->quiet = true;
        else if (c == 'c' && !cli_parse_positive("sweep", "--check", optarg, 1000000, &a->check))
            return CLI_BAD_INPUT;
        else if (c == 'h') {
            *help = true;
            return CLI_OK;
        } else if (c == '?' || c == ':')
            return cli_bad_option("sweep", c, argv);
    }
    if (argc - optind != 1)
        return cli_usage("sweep", "expected exactly one SCENARIO argument, got %d", argc - optind);
    a->scenario = argv[optind];
    return CLI_OK;
}

int cmd_sweep(int argc, char **argv) {
    sweep_args a = {.jobs = 2};
    bool help = false;
    int rc = sweep_parse(argc, argv, &a, &help);
    if (rc != CLI_OK || help) {
        if (help)
            fputs(SWEEP_HELP, stdout);
        return rc;
    }
    sim_sweep_opts o = {.jobs = (unsigned)a.jobs, .resume = a.resume, .log = stdout};
    o.progress = a.quiet ? SIM_PROGRESS_NONE : SIM_PROGRESS_AUTO;
    o.check_every = (unsigned)a.check;
    o.estimator = sim_sweep_builtin_estimator();
    if (a.fidelity && !sim_fidelity_from_name(a.fidelity, &o.fidelity))
        return cli_usage("sweep", "--fidelity: expected exact or estimate, got '%s'", a.fidelity);
    npu_err err;
    npu_err_clear(&err);
    sim_scenario s;
    if (sim_scenario_load(a.scenario, &s, &err) != NPU_OK)
        return cli_fail(&err);
    if (!a.fidelity)
        o.fidelity = s.fidelity;
    char dir[SIM_SCN_PATH_MAX], line[512];
    snprintf(dir, sizeof dir, "sweeps/%s", s.name);
    o.out_dir = a.out ? a.out : dir;
    sim_scenario_describe(&s, line, sizeof line);
    if (!a.quiet)
        printf("scenario %s: %s\noutput: %s (fidelity %s, %u worker%s)\n", s.name, line, o.out_dir,
               sim_fidelity_name(o.fidelity), o.jobs, o.jobs == 1 ? "" : "s");
    sim_sweep_summary sum;
    npu_status st = sim_sweep_run(&s, &o, &sum, &err);
    if (st == NPU_OK && !a.quiet) {
        const size_t ran = sum.ok + sum.failed;
        printf("%zu points: %zu ok, %zu failed, %zu skipped (already done); %zu run in %.1f s "
               "(%.2f points/s)\nresults: %s/results.csv\n",
               sum.total, sum.ok, sum.failed, sum.skipped, ran, sum.seconds,
               sum.seconds > 0 ? (double)ran / sum.seconds : 0.0, o.out_dir);
    }
    sim_scenario_free(&s);
    return st == NPU_OK ? CLI_OK : cli_fail(&err);
}
