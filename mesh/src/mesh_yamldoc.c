/*
 * mesh_yamldoc: YAML text -> libfyaml document with one error message naming file, line and
 * column, and the node helpers of their readers: line of a node, the node to blame, scalar
 * text, a message with the line (see mesh/include/mesh/mesh_yamldoc.h). Used by mesh_yaml.c,
 * mesh_calib_yaml.c and sim/src/sim_scenario.c.
 */
#include "mesh/mesh_yamldoc.h"

#include <libfyaml.h>
#include <stdio.h>
#include <string.h>

/* Diagnostics output function that prints nothing (errors are collected instead). */
static void mesh_yamldoc_silent(struct fy_diag *diag, void *user, const char *buf, size_t len) {
    (void)diag;
    (void)user;
    (void)buf;
    (void)len;
}

/* 1-based line of the first line that starts with '%' (a YAML directive), 0 when none.
 * Debian 12's libfyaml 0.8 loops forever on some malformed directives (found by
 * fuzz_mesh_yaml), and none of these formats uses directives, so they are refused before
 * libfyaml sees the text. */
static size_t mesh_yamldoc_directive_line(const char *text, size_t len) {
    size_t line = 1;
    for (size_t i = 0; i < len; i++) {
        if ((i == 0 || text[i - 1] == '\n') && text[i] == '%')
            return line;
        line += text[i] == '\n';
    }
    return 0;
}

struct fy_document *mesh_yaml_document(const char *text, size_t len, const char *file,
                                       npu_err *err) {
    const size_t dl = mesh_yamldoc_directive_line(text, len);
    if (dl > 0) {
        npu_err_set(err, NPU_ERR_INPUT,
                    "%s:%zu: YAML directives ('%%' at the start of a line) are not supported", file,
                    dl);
        return NULL;
    }
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

int mesh_yaml_line(struct fy_node *n) {
    if (!n || !fy_node_is_scalar(n))
        return 0;
    struct fy_token *t = fy_node_get_scalar_token(n);
    const struct fy_mark *mk = t ? fy_token_start_mark(t) : NULL;
    return mk ? mk->line + 1 : 0;
}

struct fy_node *mesh_yaml_blame(struct fy_node *v, struct fy_node *k) {
    return v && fy_node_is_scalar(v) ? v : k;
}

bool mesh_yaml_text(struct fy_node *v, char *buf, size_t n) {
    if (!v || !fy_node_is_scalar(v) || fy_node_is_alias(v))
        return false;
    size_t len = 0;
    const char *s = fy_node_get_scalar(v, &len);
    if (!s || len >= n)
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    return true;
}

npu_status mesh_yaml_vfail(npu_err *err, const char *file, struct fy_node *at, const char *fmt,
                           va_list ap) {
    char msg[NPU_ERR_MSG_MAX];
    vsnprintf(msg, sizeof msg, fmt, ap);
    const int line = mesh_yaml_line(at);
    if (line > 0)
        return npu_err_set(err, NPU_ERR_INPUT, "%s:%d: %s", file, line, msg);
    return npu_err_set(err, NPU_ERR_INPUT, "%s: %s", file, msg);
}
