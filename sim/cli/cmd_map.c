/*
 * cmd_map: `akisim map MODEL --mesh MESH [--hw-only] [--map-mode minimal|allnps|hwpr]
 * [-o PROGRAM] [--json]` — maps a model onto a mesh (cmp_mapper.h) and prints the mapped
 * summary (sequences, per-layer NPs, totals) or its JSON; -o writes the binary program
 * (cmp_program.h). Nothing is written when mapping or encoding fails.
 */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>

#include "cmp/cmp_mapper.h"
#include "cmp/cmp_modelfile.h"
#include "cmp/cmp_program.h"
#include "mesh/mesh.h"

static const char MAP_HELP[] =
    "usage: akisim map MODEL --mesh MESH [--hw-only] [--map-mode minimal|allnps|hwpr]\n"
    "                  [-o PROGRAM] [--json]\n\n"
    "Maps MODEL onto MESH (preset, gen:..., or YAML file) like the vendor's Model.map():\n"
    "sequences (HW/..., SW/...), passes, NPs per layer; see docs/mapping.md.\n\n"
    "options:\n"
    "  --mesh MESH        target mesh (required)\n"
    "  --hw-only          require one hardware sequence; fail naming the layer otherwise\n"
    "  --map-mode MODE    minimal, allnps (default) or hwpr\n"
    "  -o PROGRAM         write the binary program (docs/formats.md)\n"
    "  --json             print JSON (each layer's NP mappings) instead of text\n"
    "  -h, --help         show this help\n";

/* Options of the command. */
typedef struct map_args {
    const char *model; /* MODEL path */
    const char *mesh;  /* MESH spec */
    const char *out;   /* -o PROGRAM, or NULL */
    bool hw_only;      /* --hw-only */
    bool json;         /* --json */
    cmp_map_mode mode; /* --map-mode */
} map_args;

static int map_parse(int argc, char **argv, map_args *a) {
    static const struct option opts[] = {
        {"mesh", required_argument, NULL, 'm'},
        {"hw-only", no_argument, NULL, 'w'},
        {"map-mode", required_argument, NULL, 'M'},
        {"json", no_argument, NULL, 'j'},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    a->mode = CMP_MAP_ALLNPS;
    while ((c = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
        if (c == 'm')
            a->mesh = optarg;
        else if (c == 'w')
            a->hw_only = true;
        else if (c == 'j')
            a->json = true;
        else if (c == 'o')
            a->out = optarg;
        else if (c == 'M') {
            if (!cmp_map_mode_from_name(optarg, &a->mode))
                return cli_usage("map", "unknown map mode '%s' (minimal, allnps, hwpr)", optarg);
        } else if (c == 'h') {
            fputs(MAP_HELP, stdout);
            return -1;
        } else
            return cli_bad_option("map", c, argv);
    }
    if (argc - optind != 1)
        return cli_usage("map", "expected exactly one MODEL argument, got %d", argc - optind);
    if (!a->mesh)
        return cli_usage("map", "missing --mesh MESH");
    a->model = argv[optind];
    return CLI_OK;
}

/* Replaces the mapper's size estimates with the encoded sizes (cmp_program_measure, the
 * computation `akisim summary --mesh` uses: each hardware sequence gets the size of a program
 * holding it alone, the total that of the whole program); writes -o. Without -o a program
 * that cannot be built keeps the estimates (marked "estimate" in the summary). */
static npu_status map_program(const npu_model *m, const mesh_desc *mesh, cmp_mapped *mm,
                              const char *out, npu_err *err) {
    cmp_program *p = NULL;
    npu_status st = cmp_program_measure(m, mm, mesh, &p, err);
    if (st != NPU_OK)
        return out ? st : NPU_OK; /* summary only: keep the estimates */
    if (out)
        st = cmp_program_write(p, out, err);
    cmp_program_free(p);
    return st;
}

int cmd_map(int argc, char **argv) {
    map_args a = {0};
    int rc = map_parse(argc, argv, &a);
    if (rc != CLI_OK)
        return rc < 0 ? CLI_OK : rc;
    npu_err err;
    npu_err_clear(&err);
    npu_model *m = NULL;
    mesh_desc mesh = {0};
    cmp_mapped mm = {0};
    npu_status st = cmp_model_load(a.model, &m, &err);
    if (st == NPU_OK)
        st = mesh_load(a.mesh, &mesh, &err);
    if (st == NPU_OK)
        st = cmp_map(m, &mesh, a.hw_only, a.mode, &mm, &err);
    if (st == NPU_OK)
        st = map_program(m, &mesh, &mm, a.out, &err);
    if (st == NPU_OK && a.json)
        cmp_mapped_print_json(stdout, m, &mesh, &mm);
    else if (st == NPU_OK)
        cmp_mapped_print_text(stdout, m, &mesh, &mm);
    rc = st == NPU_OK ? CLI_OK : cli_fail(&err);
    cmp_mapped_free(&mm);
    mesh_free(&mesh);
    npu_model_free(m);
    return rc;
}
