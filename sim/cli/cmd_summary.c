/*
 * cmd_summary: `akisim summary MODEL [--json]` — the vendor-style model summary (input and
 * output shapes, sequences, per-layer name, type, output shape and kernel shape), or the
 * same facts as JSON.
 */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>

static const char SUMMARY_HELP[] =
    "usage: akisim summary MODEL [--json]\n\n"
    "Prints the model's input and output shapes, its sequences (one software sequence for\n"
    "now) and, per layer, its name (type), output shape and kernel shape.\n"
    "MODEL is a model.json file (model.npz beside it) or a directory holding both.\n\n"
    "options:\n"
    "  --json      print JSON instead of the text tables\n"
    "  -h, --help  show this help\n";

/* Prints a variable's shape as a JSON array (or null). */
static void json_kernel(FILE *f, const akisim_variable *v) {
    if (!v) {
        fputs("null", f);
        return;
    }
    fputc('[', f);
    for (uint32_t d = 0; d < v->ndim; d++)
        fprintf(f, "%s%u", d ? ", " : "", v->shape[d]);
    fputc(']', f);
}

/* The summary as JSON on stdout. */
static int print_json(akisim_model *m) {
    npu_err err;
    npu_err_clear(&err);
    akisim_shape in, out;
    if (akisim_model_input_shape(m, &in, &err) != NPU_OK ||
        akisim_model_output_shape(m, &out, &err) != NPU_OK)
        return cli_fail(&err);
    const size_t nl = akisim_model_layer_count(m);
    akisim_layer_info first, last;
    if (akisim_model_layer_info(m, 0, &first, &err) != NPU_OK ||
        akisim_model_layer_info(m, nl - 1, &last, &err) != NPU_OK)
        return cli_fail(&err);
    printf("{\"input_shape\": ");
    cli_json_shape(stdout, in);
    printf(", \"input_bits\": %u, \"input_signed\": %s, \"output_shape\": ",
           akisim_model_input_bits(m), akisim_model_input_signed(m) ? "true" : "false");
    cli_json_shape(stdout, out);
    char seq[2 * NPU_NAME_MAX + 8];
    snprintf(seq, sizeof seq, "SW/%s-%s", first.name, last.name);
    printf(", \"layers\": %zu, \"sequences\": [{\"name\": ", nl);
    cli_json_string(stdout, seq);
    printf(", \"backend\": \"Software\", \"layers\": [");
    for (size_t i = 0; i < nl; i++) {
        akisim_layer_info li;
        if (akisim_model_layer_info(m, i, &li, &err) != NPU_OK)
            return cli_fail(&err);
        printf("%s{\"name\": ", i ? ", " : "");
        cli_json_string(stdout, li.name);
        printf(", \"type\": ");
        cli_json_string(stdout, li.type);
        printf(", \"output_shape\": ");
        cli_json_shape(stdout, li.output_shape);
        printf(", \"activation\": %s, \"output_bits\": %u, \"kernel_shape\": ",
               li.activation ? "true" : "false", li.output_bits);
        json_kernel(stdout, li.kernel);
        if (li.kernel_pw) {
            printf(", \"kernel_pw_shape\": ");
            json_kernel(stdout, li.kernel_pw);
        }
        printf("}");
    }
    printf("]}]}\n");
    return CLI_OK;
}

int cmd_summary(int argc, char **argv) {
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool json = false;
    int c;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        if (c == 'j')
            json = true;
        else if (c == 'h') {
            fputs(SUMMARY_HELP, stdout);
            return CLI_OK;
        } else
            return cli_bad_option("summary", c, argv);
    }
    if (argc - optind != 1)
        return cli_usage("summary", "expected exactly one MODEL argument, got %d", argc - optind);
    akisim_model *m = NULL;
    int rc = cli_load_model(argv[optind], &m);
    if (rc != CLI_OK)
        return rc;
    if (json) {
        rc = print_json(m);
    } else {
        npu_err err;
        npu_err_clear(&err);
        char *text = NULL;
        if (akisim_model_summary(m, &text, &err) != NPU_OK)
            rc = cli_fail(&err);
        else
            fputs(text, stdout);
        free(text);
    }
    akisim_model_free(m);
    return rc;
}
