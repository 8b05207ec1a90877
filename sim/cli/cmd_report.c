/*
 * cmd_report: `akisim report DIR -o OUT [--point ID]` renders a sweep directory (written by
 * `akisim sweep`) as a report: gnuplot figures in PNG and SVG, a self-contained index.html
 * and a summary.md (reports/include/rep/rep_report.h, docs/reports.md). gnuplot runs as a
 * child process; when it is missing the command fails with status 2 and says so.
 */
#include "cli.h"

#include <getopt.h>
#include <string.h>

#include "rep/rep_report.h"

static const char REPORT_HELP[] =
    "usage: akisim report DIR -o OUT [--point ID] [--gnuplot PATH] [-q]\n\n"
    "Renders the sweep directory DIR (points/*.json, points/*.power.csv, results.csv) into\n"
    "OUT: figures as PNG and SVG (latency and energy per frame vs mesh size, hw_only vs\n"
    "hybrid, map modes, power over time, NP utilisation heat map, energy/latency Pareto\n"
    "front), OUT/index.html (self-contained, sortable tables) and OUT/summary.md (best points\n"
    "per model). The gnuplot scripts and data are kept in OUT/gnuplot/. Needs gnuplot\n"
    "(Debian: gnuplot-nox).\n\n"
    "options:\n"
    "  -o, --output OUT   report directory (created; its report files are replaced)\n"
    "  --point ID         point of the power and NP utilisation figures\n"
    "                     (default: the successful single-pass point with a power CSV\n"
    "                     that uses the most NPs)\n"
    "  --gnuplot PATH     gnuplot executable (default: gnuplot from PATH)\n"
    "  -q, --quiet        no warnings and no summary on the terminal\n"
    "  -h, --help         show this help\n";

int cmd_report(int argc, char **argv) {
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'},  {"point", required_argument, NULL, 'p'},
        {"gnuplot", required_argument, NULL, 'g'}, {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
    };
    rep_options o;
    memset(&o, 0, sizeof o);
    int c;
    while ((c = getopt_long(argc, argv, ":ho:q", opts, NULL)) != -1) {
        if (c == 'o')
            o.out = optarg;
        else if (c == 'p')
            o.point = optarg;
        else if (c == 'g')
            o.gnuplot = optarg;
        else if (c == 'q')
            o.quiet = true;
        else if (c == 'h') {
            fputs(REPORT_HELP, stdout);
            return CLI_OK;
        } else
            return cli_bad_option("report", c, argv);
    }
    if (optind >= argc)
        return cli_usage("report", "no sweep directory given");
    if (optind + 1 < argc)
        return cli_usage("report", "unexpected argument '%s'", argv[optind + 1]);
    if (!o.out)
        return cli_usage("report", "no output directory given (-o OUT)");
    o.dir = argv[optind];
    npu_err err;
    npu_err_clear(&err);
    size_t n_plots = 0;
    o.text = o.quiet ? NULL : stdout;
    if (rep_generate(&o, &n_plots, &err) != NPU_OK)
        return cli_fail(&err);
    return CLI_OK;
}
