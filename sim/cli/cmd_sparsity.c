/*
 * cmd_sparsity: `akisim sparsity MODEL --input X.npy [--json]` — per-layer output sparsity
 * like akida.evaluate_sparsity: for each layer, the fraction of its output values that are
 * zero over all the samples.
 */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char SPARSITY_HELP[] =
    "usage: akisim sparsity MODEL --input X.npy [--json]\n\n"
    "Forwards X.npy through MODEL and prints, for every layer, the fraction of its output\n"
    "values that are zero over all samples (1.0 = silent layer).\n\n"
    "options:\n"
    "  -i, --input X.npy  input samples, as for 'akisim run' (required)\n"
    "      --json         print JSON\n"
    "  -h, --help         show this help\n";

/* Prints the table or JSON. */
static int print(akisim_model *m, const double *sp, size_t n, bool json) {
    npu_err err;
    npu_err_clear(&err);
    const size_t nl = akisim_model_layer_count(m);
    size_t wname = strlen("Layer");
    for (size_t i = 0; i < nl; i++) {
        akisim_layer_info li;
        if (akisim_model_layer_info(m, i, &li, &err) != NPU_OK)
            return cli_fail(&err);
        wname = strlen(li.name) > wname ? strlen(li.name) : wname;
    }
    if (json)
        printf("{\"samples\": %zu, \"layers\": [", n);
    else
        printf("%-*s  %-24s  %s\n", (int)wname, "Layer", "Type", "Sparsity");
    for (size_t i = 0; i < nl; i++) {
        akisim_layer_info li;
        akisim_model_layer_info(m, i, &li, &err);
        if (json) {
            printf("%s{\"name\": ", i ? ", " : "");
            cli_json_string(stdout, li.name);
            printf(", \"type\": ");
            cli_json_string(stdout, li.type);
            printf(", \"sparsity\": %.6f}", sp[i]);
        } else {
            printf("%-*s  %-24s  %.4f\n", (int)wname, li.name, li.type, sp[i]);
        }
    }
    if (json)
        printf("]}\n");
    return CLI_OK;
}

int cmd_sparsity(int argc, char **argv) {
    static const struct option opts[] = {
        {"input", required_argument, NULL, 'i'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *input = NULL;
    bool json = false;
    int c;
    while ((c = getopt_long(argc, argv, ":i:h", opts, NULL)) != -1) {
        if (c == 'i')
            input = optarg;
        else if (c == 'j')
            json = true;
        else if (c == 'h') {
            fputs(SPARSITY_HELP, stdout);
            return CLI_OK;
        } else
            return cli_bad_option("sparsity", c, argv);
    }
    if (argc - optind != 1)
        return cli_usage("sparsity", "expected exactly one MODEL argument, got %d", argc - optind);
    if (!input)
        return cli_usage("sparsity", "missing --input X.npy");
    akisim_model *m = NULL;
    int rc = cli_load_model(argv[optind], &m);
    if (rc != CLI_OK)
        return rc;
    npu_err err;
    npu_err_clear(&err);
    cli_batch b;
    if (cli_batch_read(input, m, &b, &err) != NPU_OK) {
        akisim_model_free(m);
        return cli_fail(&err);
    }
    double *sp = calloc(akisim_model_layer_count(m), sizeof *sp);
    npu_status st = sp ? NPU_OK : npu_err_set(&err, NPU_ERR_INTERNAL, "out of memory");
    if (st == NPU_OK && akisim_model_check_inputs(m, b.n, b.dtype, b.arr.data, &err) != NPU_OK)
        st = npu_err_prefix(&err, "%s", input);
    if (st == NPU_OK)
        st = akisim_model_sparsity(m, b.n, b.dtype, b.arr.data, sp, &err);
    rc = st == NPU_OK ? print(m, sp, b.n, json) : cli_fail(&err);
    free(sp);
    cli_batch_free(&b);
    akisim_model_free(m);
    return rc;
}
