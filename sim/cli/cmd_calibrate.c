/*
 * cmd_calibrate: `akisim calibrate` — reruns the published calibration cases of
 * akida-facts.md section 6 (zoo models at the published activation density, one seeded
 * random input, batch 1, hw_only) with the default calibration of each device and prints
 * published vs simulated figures with the relative error; --json prints the same as JSON.
 * --fit DEVICE runs the documented fit procedure (docs/fidelity.md) on that device's cases
 * and writes the fitted calibration YAML (-o FILE); --calib FILE evaluates a calibration
 * file instead of the default; --case SUBSTR keeps the cases whose id contains SUBSTR
 * (repeatable).
 */
#include "cli.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mesh/mesh.h"
#include "mesh/mesh_calib.h"
#include "sim_calibrate.h"

#define MAX_FILTERS 16

typedef struct cal_opts {
    bool json;                        /* JSON output */
    const char *fit;                  /* device to fit, or NULL */
    const char *out;                  /* fitted YAML path */
    const char *calib;                /* calibration file to evaluate */
    const char *filters[MAX_FILTERS]; /* case id substrings */
    size_t n_filters;                 /* count */
    uint64_t max_evals;               /* per fit stage */
    bool quiet;                       /* no progress lines */
    bool breakdown;                   /* per-layer / per-NP breakdown */
} cal_opts;

static void usage(FILE *f) {
    fprintf(f, "usage: akisim calibrate [--json] [--case SUBSTR]... [--calib FILE]\n"
               "       akisim calibrate --fit DEVICE -o FILE [--case SUBSTR]... [--max-evals N]\n\n"
               "Reruns the published calibration cases (akida-facts.md section 6: zoo models at\n"
               "the published activation density, one random input, batch 1, hw_only) and prints\n"
               "published vs simulated figures with the error. With --fit, fits DEVICE's\n"
               "(akd1000 or akd1500) calibration on its cases (docs/fidelity.md) and writes it.\n\n"
               "options:\n"
               "  --json              print JSON instead of a table\n"
               "  --case SUBSTR       keep the cases whose id contains SUBSTR (repeatable)\n"
               "  --calib FILE        evaluate this calibration (read over each device's default;\n"
               "                      applied to the cases of the device it names)\n"
               "  --fit DEVICE        fit DEVICE's calibration from its shipped default\n"
               "  -o, --output FILE   fitted calibration YAML (with --fit)\n"
               "  --max-evals N       objective evaluations per fit stage (default 400)\n"
               "  --breakdown         also print each case's per-layer and per-NP work and cycles\n"
               "  -q, --quiet         no progress lines on stderr\n"
               "  -h, --help          show this help\n");
}

static int parse(int argc, char **argv, cal_opts *o) {
    static const struct option longs[] = {
        {"json", no_argument, NULL, 'j'},         {"case", required_argument, NULL, 'c'},
        {"calib", required_argument, NULL, 'C'},  {"fit", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'}, {"max-evals", required_argument, NULL, 'm'},
        {"quiet", no_argument, NULL, 'q'},        {"breakdown", no_argument, NULL, 'b'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    o->max_evals = 400;
    int c;
    while ((c = getopt_long(argc, argv, ":o:qh", longs, NULL)) != -1) {
        switch (c) {
        case 'j':
            o->json = true;
            break;
        case 'c':
            if (o->n_filters == MAX_FILTERS)
                return cli_usage("calibrate", "at most %d --case options", MAX_FILTERS);
            o->filters[o->n_filters++] = optarg;
            break;
        case 'C':
            o->calib = optarg;
            break;
        case 'f':
            o->fit = optarg;
            break;
        case 'o':
            o->out = optarg;
            break;
        case 'm':
            if (!cli_parse_positive("calibrate", "--max-evals", optarg, 1000000, &o->max_evals))
                return CLI_BAD_INPUT;
            break;
        case 'q':
            o->quiet = true;
            break;
        case 'b':
            o->breakdown = true;
            break;
        case 'h':
            usage(stdout);
            return -1;
        default:
            return cli_bad_option("calibrate", c, argv);
        }
    }
    if (optind < argc)
        return cli_usage("calibrate", "unexpected argument '%s'", argv[optind]);
    if (o->fit && !o->out)
        return cli_usage("calibrate", "--fit needs -o FILE");
    if (!o->fit && o->out)
        return cli_usage("calibrate", "-o needs --fit DEVICE");
    if (o->fit && strcmp(o->fit, "akd1000") != 0 && strcmp(o->fit, "akd1500") != 0)
        return cli_usage("calibrate",
                         "--fit: device '%s' has no published figures "
                         "(akd1000, akd1500)",
                         o->fit);
    return CLI_OK;
}

/* The cases kept by the filters (and --fit's device). */
static size_t select_cases(const cal_opts *o, sim_cal_case *out) {
    size_t n = 0, total;
    const sim_cal_case *all = sim_cal_cases(&total);
    for (size_t i = 0; i < total; i++) {
        bool keep = o->n_filters == 0;
        for (size_t k = 0; k < o->n_filters; k++)
            keep = keep || strstr(all[i].id, o->filters[k]) != NULL;
        if (o->fit && strcmp(all[i].device, o->fit) != 0)
            keep = false;
        if (keep)
            out[n++] = all[i];
    }
    return n;
}

/* Calibration of a case's device: the default, or --calib over it when it names it. */
static npu_status case_calib(const cal_opts *o, const sim_cal_case *c, const mesh_calib *fitted,
                             mesh_calib *out, npu_err *err) {
    if (fitted) {
        *out = *fitted;
        return NPU_OK;
    }
    npu_status st = mesh_calib_preset(c->device, out, err);
    if (st == NPU_OK && o->calib) {
        mesh_calib tmp = *out;
        st = mesh_calib_load(o->calib, &tmp, err);
        if (st == NPU_OK && strcmp(tmp.name, c->device) == 0)
            *out = tmp;
    }
    return st;
}

static void print_json(const sim_cal_session *s, const sim_cal_result *res, double max_err) {
    printf("{\n  \"cases\": [");
    for (size_t i = 0; i < sim_cal_session_count(s); i++) {
        const sim_cal_case *c = sim_cal_session_case(s, i);
        printf("%s\n    {\"id\": ", i ? "," : "");
        cli_json_string(stdout, c->id);
        printf(", \"device\": ");
        cli_json_string(stdout, c->device);
        printf(", \"density\": %.4f, \"figures\": [", c->density);
        bool first = true;
        for (int f = 0; f < SIM_CAL_N_FIGS; f++) {
            if (c->published[f] == 0.0)
                continue;
            printf("%s\n      {\"figure\": \"%s\", \"published\": %.6g, \"simulated\": %.6g, "
                   "\"error_pct\": %.2f}",
                   first ? "" : ",", sim_cal_fig_name((sim_cal_fig)f), c->published[f],
                   res[i].sim[f], 100.0 * sim_cal_rel_error(c->published[f], res[i].sim[f]));
            first = false;
        }
        printf("\n    ]}");
    }
    printf("\n  ],\n  \"max_abs_error_pct\": %.2f,\n  \"within_15_pct\": %s\n}\n", 100.0 * max_err,
           max_err <= 0.15 ? "true" : "false");
}

static void print_table(const sim_cal_session *s, const sim_cal_result *res, double max_err) {
    printf("%-36s %-14s %14s %14s %8s\n", "case", "figure", "published", "simulated", "error");
    for (size_t i = 0; i < sim_cal_session_count(s); i++) {
        const sim_cal_case *c = sim_cal_session_case(s, i);
        for (int f = 0; f < SIM_CAL_N_FIGS; f++) {
            if (c->published[f] == 0.0)
                continue;
            printf("%-36s %-14s %14.6g %14.6g %+7.1f%%\n", c->id, sim_cal_fig_name((sim_cal_fig)f),
                   c->published[f], res[i].sim[f],
                   100.0 * sim_cal_rel_error(c->published[f], res[i].sim[f]));
        }
    }
    printf("max |error| = %.1f%% (%s 15%%)\n", 100.0 * max_err,
           max_err <= 0.15 ? "within" : "NOT within");
}

static int run(const cal_opts *o) {
    sim_cal_case cases[64];
    size_t n = select_cases(o, cases);
    if (n == 0)
        return cli_usage("calibrate", "no case matches");
    npu_err err = {0};
    sim_cal_session *s = NULL;
    npu_status st = sim_cal_session_new(cases, n, 1, o->quiet ? NULL : stderr, &s, &err);
    if (st != NPU_OK)
        return cli_fail(&err);
    mesh_calib fitted;
    bool have_fit = false;
    if (o->fit) {
        st = mesh_calib_preset(o->fit, &fitted, &err);
        st =
            st ? st : sim_cal_fit(s, o->fit, &fitted, o->max_evals, o->quiet ? NULL : stderr, &err);
        st = st ? st : mesh_calib_save_yaml(&fitted, o->out, &err);
        have_fit = st == NPU_OK;
    }
    sim_cal_result *res = calloc(n, sizeof *res);
    double max_err = 0.0;
    if (res == NULL && st == NPU_OK)
        st = npu_err_set(&err, NPU_ERR_INTERNAL, "calibrate: out of memory");
    for (size_t i = 0; i < n && st == NPU_OK; i++) {
        mesh_calib c;
        const sim_cal_case *cc = sim_cal_session_case(s, i);
        st = case_calib(o, cc, have_fit ? &fitted : NULL, &c, &err);
        st = st ? st : sim_cal_eval(s, i, &c, &res[i], &err);
        if (st == NPU_OK && o->breakdown)
            st = sim_cal_breakdown(s, i, &c, stdout, &err);
        for (int f = 0; st == NPU_OK && f < SIM_CAL_N_FIGS; f++) {
            double e = fabs(sim_cal_rel_error(cc->published[f], res[i].sim[f]));
            max_err = e > max_err ? e : max_err;
        }
    }
    if (st == NPU_OK) {
        if (o->json)
            print_json(s, res, max_err);
        else
            print_table(s, res, max_err);
    }
    free(res);
    sim_cal_session_free(s);
    return st == NPU_OK ? CLI_OK : cli_fail(&err);
}

int cmd_calibrate(int argc, char **argv) {
    cal_opts o = {0};
    int rc = parse(argc, argv, &o);
    if (rc != CLI_OK)
        return rc < 0 ? CLI_OK : rc;
    return run(&o);
}
