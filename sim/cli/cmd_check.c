/*
 * cmd_check: `akisim check MODEL --mesh MESH [--json]` — lists every incompatibility of a model
 * with a mesh's hardware (docs/constraints.md): layer, rule, actual value, allowed values.
 * Exit status 0 when there is none, 2 when there are (or on bad input).
 */
#include "cli.h"

#include <getopt.h>

#include "cmp/cmp_constraints.h"
#include "cmp/cmp_modelfile.h"
#include "mesh/mesh.h"

static const char CHECK_HELP[] =
    "usage: akisim check MODEL --mesh MESH [--json]\n\n"
    "Checks MODEL against the hardware constraints of MESH's IP version and lists every\n"
    "incompatibility (layer, rule, actual value, allowed). Exit status 0 when none.\n\n"
    "options:\n"
    "  --mesh MESH  target mesh: preset, gen:..., or YAML file (required)\n"
    "  --json       print JSON instead of a table\n"
    "  -h, --help   show this help\n";

static void check_print(const npu_model *m, const mesh_desc *mesh, const cmp_violations *v,
                        bool json) {
    if (json) {
        printf("{\"mesh\": ");
        cli_json_string(stdout, mesh->name);
        printf(", \"compatible\": %s, \"violations\": [", v->n ? "false" : "true");
    } else if (v->n == 0) {
        printf("compatible: no constraint violated on %s\n", mesh->name);
    } else {
        printf("%-24s %-22s %-20s %s\n", "Layer", "Rule", "Actual", "Allowed");
    }
    for (size_t i = 0; i < v->n; i++) {
        const cmp_violation *e = &v->v[i];
        const char *name = npu_model_layer(m, e->layer)->name;
        if (json) {
            printf("%s{\"layer\": ", i ? ", " : "");
            cli_json_string(stdout, name);
            printf(", \"index\": %u, \"rule\": ", e->layer);
            cli_json_string(stdout, e->rule);
            printf(", \"actual\": ");
            cli_json_string(stdout, e->actual);
            printf(", \"allowed\": ");
            cli_json_string(stdout, e->allowed);
            printf("}");
        } else {
            printf("%-24s %-22s %-20s %s\n", name, e->rule, e->actual, e->allowed);
        }
    }
    if (json)
        printf("]}\n");
    else if (v->n)
        printf("%zu incompatibilit%s with %s\n", v->n, v->n == 1 ? "y" : "ies", mesh->name);
}

int cmd_check(int argc, char **argv) {
    static const struct option opts[] = {
        {"mesh", required_argument, NULL, 'm'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *mesh_spec = NULL;
    bool json = false;
    int c;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        if (c == 'm')
            mesh_spec = optarg;
        else if (c == 'j')
            json = true;
        else if (c == 'h') {
            fputs(CHECK_HELP, stdout);
            return CLI_OK;
        } else
            return cli_bad_option("check", c, argv);
    }
    if (argc - optind != 1)
        return cli_usage("check", "expected exactly one MODEL argument, got %d", argc - optind);
    if (!mesh_spec)
        return cli_usage("check", "missing --mesh MESH");
    npu_err err;
    npu_err_clear(&err);
    npu_model *m = NULL;
    mesh_desc mesh = {0};
    cmp_violations v = {0};
    npu_status st = cmp_model_load(argv[optind], &m, &err);
    if (st == NPU_OK)
        st = mesh_load(mesh_spec, &mesh, &err);
    if (st == NPU_OK)
        st = cmp_check(m, &mesh, &v, &err);
    int rc;
    if (st == NPU_OK) {
        check_print(m, &mesh, &v, json);
        rc = v.n ? CLI_BAD_INPUT : CLI_OK;
    } else {
        rc = cli_fail(&err);
    }
    cmp_violations_free(&v);
    mesh_free(&mesh);
    npu_model_free(m);
    return rc;
}
