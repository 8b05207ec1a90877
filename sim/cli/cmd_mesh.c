/*
 * cmd_mesh: `akisim mesh show MESH [--json]` draws a mesh (grid of nodes, each slot's NP
 * types, DMA endpoints, totals per type) or prints it as JSON; `akisim mesh export MESH -o
 * FILE.yaml` writes it in the mesh YAML format (docs/mesh-format.md), e.g. to start a custom
 * mesh from a preset. MESH is a preset name, a gen:... spec or a YAML file.
 */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "mesh/mesh.h"

static const char MESH_HELP[] =
    "usage: akisim mesh show MESH [--json]\n"
    "       akisim mesh export MESH -o FILE.yaml\n\n"
    "show    draws the mesh: a rows x cols grid of node positions, each NP slot (ids 0-3)\n"
    "        with the types it can act as (C1 CNP1, C2 CNP2, F2 FNP2, F3 FNP3, TB TNP_B),\n"
    "        the DMA endpoints and the HRC, then the totals per type; --json prints the\n"
    "        same as JSON (schema in docs/mesh-format.md).\n"
    "export  writes the mesh as a YAML mesh file (docs/mesh-format.md).\n\n"
    "MESH is a preset (akd1000, akd1500, twonodes, sixnodes-v2), a generated mesh\n"
    "gen:cnp=N,fnp=M[,v1|v2][,no-hrc], or a YAML mesh file.\n\n"
    "options:\n"
    "  --json             (show) print JSON instead of the drawing\n"
    "  -o, --output FILE  (export) the YAML file to write\n"
    "  -h, --help         show this help\n";

/* Loads the mesh, printing the error; returns the exit status. */
static int mesh_cli_load(const char *spec, mesh_desc *m) {
    npu_err err;
    npu_err_clear(&err);
    if (mesh_load(spec, m, &err) != NPU_OK)
        return cli_fail(&err);
    return CLI_OK;
}

static int mesh_cli_show(const char *spec, bool json) {
    mesh_desc m;
    int rc = mesh_cli_load(spec, &m);
    if (rc != CLI_OK)
        return rc;
    char *text = json ? mesh_to_json(&m) : mesh_render_text(&m);
    mesh_free(&m);
    if (!text) {
        fprintf(stderr, "akisim: mesh: out of memory\n");
        return CLI_INTERNAL;
    }
    fputs(text, stdout);
    free(text);
    return CLI_OK;
}

static int mesh_cli_export(const char *spec, const char *out) {
    mesh_desc m;
    int rc = mesh_cli_load(spec, &m);
    if (rc != CLI_OK)
        return rc;
    npu_err err;
    npu_err_clear(&err);
    if (mesh_save_yaml(&m, out, &err) != NPU_OK)
        rc = cli_fail(&err);
    mesh_free(&m);
    return rc;
}

int cmd_mesh(int argc, char **argv) {
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool json = false;
    const char *out = NULL;
    int c;
    while ((c = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
        if (c == 'j')
            json = true;
        else if (c == 'o')
            out = optarg;
        else if (c == 'h') {
            fputs(MESH_HELP, stdout);
            return CLI_OK;
        } else
            return cli_bad_option("mesh", c, argv);
    }
    if (argc - optind < 1)
        return cli_usage("mesh", "expected a subcommand: show or export");
    const char *sub = argv[optind];
    if (argc - optind != 2)
        return cli_usage("mesh", "expected '%s MESH' (one MESH argument), got %d arguments", sub,
                         argc - optind - 1);
    const char *spec = argv[optind + 1];
    if (strcmp(sub, "show") == 0) {
        if (out)
            return cli_usage("mesh", "show takes no -o (use 'mesh export')");
        return mesh_cli_show(spec, json);
    }
    if (strcmp(sub, "export") == 0) {
        if (json)
            return cli_usage("mesh", "export takes no --json");
        if (!out)
            return cli_usage("mesh", "export needs -o FILE.yaml");
        return mesh_cli_export(spec, out);
    }
    return cli_usage("mesh", "unknown subcommand '%s' (show, export)", sub);
}
