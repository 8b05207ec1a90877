/*
 * cmd_summary: `akisim summary MODEL [--mesh MESH [--hw-only] [--map-mode MODE]] [--json]`
 * — the vendor-style model summary (input and output shapes, sequences, per-layer name,
 * type, output shape and kernel shape), or the same facts as JSON. With --mesh it is the
 * mapped view (akisim_model_summary_mapped): sequences with backend and program size, NPs
 * per layer, totals; its JSON is the `akisim map --json` schema plus the model fields.
 */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>

static const char SUMMARY_HELP[] =
    "usage: akisim summary MODEL [--mesh MESH [--hw-only] [--map-mode minimal|allnps|hwpr]]\n"
    "                      [--json]\n\n"
    "Prints the model's input and output shapes, its sequences and, per layer, its name\n"
    "(type), output shape and kernel shape. Without --mesh the model is one software\n"
    "sequence; with --mesh it is shown as mapped onto MESH (like Model.summary() after\n"
    "Model.map()): hardware sequences with their program size, NPs per layer, totals.\n"
    "MODEL is a model.json file (model.npz beside it) or a directory holding both.\n\n"
    "options:\n"
    "  --mesh MESH        map onto MESH (preset, gen:..., or YAML file); docs/mapping.md\n"
    "  --hw-only          require one hardware sequence; fail naming the layer otherwise\n"
    "  --map-mode MODE    minimal, allnps (default) or hwpr\n"
    "  --json             print JSON instead of the text tables (with --mesh: the\n"
    "                     `akisim map --json` schema plus the model summary fields)\n"
    "  -h, --help         show this help\n";

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

/* Options of the command. */
typedef struct summary_args {
    const char *model;      /* MODEL path */
    akisim_map_options map; /* --mesh, --map-mode, --hw-only, --json */
} summary_args;

/* Parses argv; returns CLI_OK, an exit status, or -1 after --help. */
static int summary_parse(int argc, char **argv, summary_args *a) {
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},    {"mesh", required_argument, NULL, 'm'},
        {"hw-only", no_argument, NULL, 'w'}, {"map-mode", required_argument, NULL, 'M'},
        {"help", no_argument, NULL, 'h'},    {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        if (c == 'j')
            a->map.json = true;
        else if (c == 'm')
            a->map.mesh = optarg;
        else if (c == 'w')
            a->map.hw_only = true;
        else if (c == 'M')
            a->map.map_mode = optarg;
        else if (c == 'h') {
            fputs(SUMMARY_HELP, stdout);
            return -1;
        } else
            return cli_bad_option("summary", c, argv);
    }
    if (argc - optind != 1)
        return cli_usage("summary", "expected exactly one MODEL argument, got %d", argc - optind);
    if (!a->map.mesh && (a->map.hw_only || a->map.map_mode))
        return cli_usage("summary", "--hw-only and --map-mode need --mesh MESH");
    a->model = argv[optind];
    return CLI_OK;
}

/* Prints the text summary (software view, or mapped with --mesh). */
static int print_text(akisim_model *m, const akisim_map_options *map) {
    npu_err err;
    npu_err_clear(&err);
    char *text = NULL;
    const npu_status st = map->mesh ? akisim_model_summary_mapped(m, map, &text, &err)
                                    : akisim_model_summary(m, &text, &err);
    const int rc = st != NPU_OK ? cli_fail(&err) : CLI_OK;
    if (st == NPU_OK)
        fputs(text, stdout);
    free(text);
    return rc;
}

int cmd_summary(int argc, char **argv) {
    summary_args a = {0};
    int rc = summary_parse(argc, argv, &a);
    if (rc != CLI_OK)
        return rc < 0 ? CLI_OK : rc;
    akisim_model *m = NULL;
    rc = cli_load_model(a.model, &m);
    if (rc != CLI_OK)
        return rc;
    if (a.map.json && !a.map.mesh)
        rc = print_json(m);
    else
        rc = print_text(m, &a.map);
    akisim_model_free(m);
    return rc;
}
