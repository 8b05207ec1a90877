/*
 * mesh_yamldoc: YAML text -> libfyaml document with one error message naming file, line and
 * column (see mesh/include/mesh/mesh_yamldoc.h). Used by mesh_yaml.c, mesh_calib_yaml.c and
 * sim/src/sim_scenario.c.
 */
#include "mesh/mesh_yamldoc.h"

#include <libfyaml.h>

/* Diagnostics output function that prints nothing (errors are collected instead). */
static void mesh_yamldoc_silent(struct fy_diag *diag, void *user, const char *buf, size_t len) {
    (void)diag;
    (void)user;
    (void)buf;
    (void)len;
}

struct fy_document *mesh_yaml_document(const char *text, size_t len, const char *file,
                                       npu_err *err) {
    struct fy_diag_cfg dcfg;
    fy_diag_cfg_default(&dcfg);
    dcfg.fp = NULL;
    dcfg.output_fn = mesh_yamldoc_silent;
    struct fy_diag *diag = fy_diag_create(&dcfg);
    if (!diag) {
        npu_err_set(err, NPU_ERR_INTERNAL, "%s: cannot create the YAML diagnostics", file);
        return NULL;
    }
    fy_diag_set_collect_errors(diag, true);
    struct fy_parse_cfg cfg = {.flags = FYPCF_QUIET | FYPCF_JSON_NONE, .diag = diag};
    struct fy_document *doc = fy_document_build_from_string(&cfg, text, len);
    if (!doc) {
        void *it = NULL;
        struct fy_diag_error *e = fy_diag_errors_iterate(diag, &it);
        if (e)
            npu_err_set(err, NPU_ERR_INPUT, "%s:%d:%d: malformed YAML: %s", file, e->line + 1,
                        e->column + 1, e->msg ? e->msg : "syntax error");
        else
            npu_err_set(err, NPU_ERR_INPUT, "%s: empty or malformed YAML", file);
    }
    fy_diag_destroy(diag);
    return doc;
}
