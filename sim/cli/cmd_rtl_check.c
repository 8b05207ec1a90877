/*
 * cmd_rtl_check: `akisim rtl-check [--block cnp|fnp|hrc|router|all] [--vectors N] [--seed S]
 * [--vcd DIR] [--no-zoo] [--frames N] [--json]` — cross-checks the Verilated RTL blocks
 * (rtl/) against the C models in lockstep (rtl/cosim, docs/rtl.md "Cross-check"):
 * randomized constrained configurations and event streams per block, then every NP of the
 * zoo models ds_cnn_kws and a reduced AkidaNet (1.0 layers on akd1000, 2.0 layers on
 * gen:cnp=64,fnp=8,v2). It
 * prints per (source, block) the vectors, mismatches, C cycles, RTL cycles and the cycle
 * error, and stops at the first mismatch, printing its layer, NP, frame, event index,
 * expected and actual values (and the VCD written with --vcd).
 *
 * Exit status: 0 all checks passed; 1 a mismatch (the check failed: the RTL and the C model
 * disagree — not bad input, so not 2); 2 bad usage or options; 1 as well when this akisim was
 * built without Verilator (the command is unavailable).
 */
#include "cli.h"

#include <getopt.h>
#include <string.h>

#ifdef AKISIM_HAVE_RTL
#include "cosim/cosim.h"
#endif

static const char RTL_CHECK_HELP[] =
    "usage: akisim rtl-check [--block cnp|fnp|hrc|router|all] [--vectors N] [--seed S]\n"
    "                        [--vcd DIR] [--no-zoo] [--frames N] [--json]\n\n"
    "Runs the Verilated RTL blocks in lockstep with the C NP models and compares every output\n"
    "event (value and order) and the busy cycles with the npu_cost formulas (router: flits\n"
    "and the NoC model latency). A vector is one input frame of one configured NP slice\n"
    "(router: one packet). Sources: random one-layer programs per block, then every NP of\n"
    "ds_cnn_kws and AkidaNet 0.25/32/10 classes (Akida 1.0 layers on akd1000, 2.0 layers\n"
    "on gen:cnp=64,fnp=8,v2).\n"
    "Stops at the first mismatch.\n\n"
    "options:\n"
    "  --block B      cnp, fnp, hrc, router or all (default all; repeatable)\n"
    "  --vectors N    random vectors per block (default 2000)\n"
    "  --seed S       random seed (default 1)\n"
    "  --vcd DIR      on a mismatch, write a VCD of the RTL around it into DIR\n"
    "  --no-zoo       skip the zoo model layers\n"
    "  --frames N     input frames per zoo model (default 1)\n"
    "  --json         print the report as JSON\n"
    "  -h, --help     show this help\n\n"
    "Exit status: 0 passed, 1 mismatch (or no RTL in this build), 2 bad usage.\n";

#ifdef AKISIM_HAVE_RTL

enum { OPT_BLOCK = 256, OPT_VECTORS, OPT_SEED, OPT_VCD, OPT_NO_ZOO, OPT_FRAMES, OPT_JSON };

/* Adds a --block value to the mask; false when unknown. */
static bool add_block(const char *s, uint32_t *mask) {
    static const char *const names[] = {"cnp", "fnp", "hrc", "router"};
    if (strcmp(s, "all") == 0) {
        *mask = (1u << COSIM_BLOCK_COUNT) - 1u;
        return true;
    }
    for (unsigned b = 0; b < COSIM_BLOCK_COUNT; b++) {
        if (strcmp(s, names[b]) == 0) {
            *mask |= 1u << b;
            return true;
        }
    }
    return false;
}

static void print_table(const cosim_report *r) {
    printf("%-26s %-7s %8s %8s %10s %8s %14s %14s %8s\n", "source", "block", "configs", "vectors",
           "mismatches", "skipped", "C cycles", "RTL cycles", "error %");
    for (size_t i = 0; i < r->n; i++) {
        const cosim_row *w = &r->row[i];
        printf("%-26s %-7s %8llu %8llu %10llu %8llu %14llu %14llu %8.3f\n", w->source, w->block,
               (unsigned long long)w->configs, (unsigned long long)w->vectors,
               (unsigned long long)w->mismatches, (unsigned long long)w->skipped,
               (unsigned long long)w->c_cycles, (unsigned long long)w->rtl_cycles,
               cosim_row_error_pct(w));
    }
    for (size_t i = 0; i < r->n; i++) {
        const cosim_row *w = &r->row[i];
        if (w->first[0]) {
            printf("MISMATCH %s %s: %s\n", w->source, w->block, w->first);
        }
        if (w->vcd[0]) {
            printf("VCD: %s\n", w->vcd);
        }
    }
}

static void print_json(const cosim_report *r) {
    printf("{\"rows\": [");
    for (size_t i = 0; i < r->n; i++) {
        const cosim_row *w = &r->row[i];
        printf("%s\n  {\"source\": ", i ? "," : "");
        cli_json_string(stdout, w->source);
        printf(", \"block\": ");
        cli_json_string(stdout, w->block);
        printf(", \"configs\": %llu, \"vectors\": %llu, \"mismatches\": %llu, \"skipped\": %llu, "
               "\"events_out\": %llu, \"c_cycles\": %llu, \"rtl_cycles\": %llu, "
               "\"cycle_error_pct\": %.6f, \"first_mismatch\": ",
               (unsigned long long)w->configs, (unsigned long long)w->vectors,
               (unsigned long long)w->mismatches, (unsigned long long)w->skipped,
               (unsigned long long)w->events_out, (unsigned long long)w->c_cycles,
               (unsigned long long)w->rtl_cycles, cosim_row_error_pct(w));
        cli_json_string(stdout, w->first);
        printf(", \"vcd\": ");
        cli_json_string(stdout, w->vcd);
        printf("}");
    }
    printf("\n]}\n");
}

int cmd_rtl_check(int argc, char **argv) {
    static const struct option opts[] = {
        {"block", required_argument, NULL, OPT_BLOCK},
        {"vectors", required_argument, NULL, OPT_VECTORS},
        {"seed", required_argument, NULL, OPT_SEED},
        {"vcd", required_argument, NULL, OPT_VCD},
        {"no-zoo", no_argument, NULL, OPT_NO_ZOO},
        {"frames", required_argument, NULL, OPT_FRAMES},
        {"json", no_argument, NULL, OPT_JSON},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    cosim_check_opts o = {0, 2000, 1, NULL, true, 1};
    bool json = false;
    uint64_t v = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case OPT_BLOCK:
            if (!add_block(optarg, &o.blocks))
                return cli_usage("rtl-check", "unknown block '%s' (cnp, fnp, hrc, router, all)",
                                 optarg);
            break;
        case OPT_VECTORS:
            if (!cli_parse_positive("rtl-check", "--vectors", optarg, UINT32_MAX, &o.vectors))
                return CLI_BAD_INPUT;
            break;
        case OPT_SEED:
            if (!cli_parse_positive("rtl-check", "--seed", optarg, UINT32_MAX, &o.seed))
                return CLI_BAD_INPUT;
            break;
        case OPT_VCD:
            o.vcd_dir = optarg;
            break;
        case OPT_NO_ZOO:
            o.zoo = false;
            break;
        case OPT_FRAMES:
            if (!cli_parse_positive("rtl-check", "--frames", optarg, 64, &v))
                return CLI_BAD_INPUT;
            o.zoo_frames = (uint32_t)v;
            break;
        case OPT_JSON:
            json = true;
            break;
        case 'h':
            fputs(RTL_CHECK_HELP, stdout);
            return CLI_OK;
        default:
            return cli_bad_option("rtl-check", c, argv);
        }
    }
    if (optind != argc)
        return cli_usage("rtl-check", "unexpected argument '%s'", argv[optind]);
    if (o.blocks == 0)
        o.blocks = (1u << COSIM_BLOCK_COUNT) - 1u;
    npu_err err;
    npu_err_clear(&err);
    static cosim_report rep; /* large: not on the stack */
    if (cosim_check_run(&o, &rep, &err) != NPU_OK)
        return cli_fail(&err);
    if (json)
        print_json(&rep);
    else
        print_table(&rep);
    for (size_t i = 0; i < rep.n; i++)
        if (rep.row[i].mismatches)
            return CLI_INTERNAL; /* the check failed */
    return CLI_OK;
}

#else

int cmd_rtl_check(int argc, char **argv) {
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(RTL_CHECK_HELP, stdout);
            return CLI_OK;
        }
    fprintf(stderr, "akisim: rtl-check: this akisim was built without Verilator (install the "
                    "'verilator' package, e.g. `make setup`, and rebuild)\n");
    return CLI_INTERNAL;
}

#endif
