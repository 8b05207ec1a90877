/*
 * rep_json: reads one sweep point JSON (schema "akisim-point/1", docs/reports.md) with
 * libfyaml in forced JSON mode into a rep_point. The point's configuration, outcome, mapping
 * and the per-frame figures are taken from the embedded stats object ("akisim-stats/1",
 * docs/stats-format.md): latency, energy and cycles are summed over the sequences (the rule
 * results.csv follows), average power is the latency-weighted mean over hardware sequences,
 * and stats.nps[] gives the NP positions and utilisations for the heat map. Keys the report
 * does not use are ignored, so newer writers stay readable; every key it does use is checked
 * for presence and JSON type, and a message names the file and the key path.
 */
#include <libfyaml.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rep_int.h"

/* Context of one parse. */
typedef struct jctx {
    const char *what; /* file name for messages */
    npu_err *err;     /* error object */
} jctx;

static npu_status jfail(const jctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static npu_status jfail(const jctx *c, const char *fmt, ...) {
    char msg[NPU_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return npu_err_set(c->err, NPU_ERR_INPUT, "%s: %s", c->what, msg);
}

/* Value of key in mapping m (NULL when m is no mapping or lacks the key). */
static struct fy_node *jget(struct fy_node *m, const char *key) {
    if (!m || fy_node_get_type(m) != FYNT_MAPPING)
        return NULL;
    return fy_node_mapping_lookup_by_string(m, key, strlen(key));
}

/* Scalar text of a plain (unquoted) scalar, NULL otherwise. */
static const char *plain(struct fy_node *n, size_t *len) {
    if (!n || fy_node_get_type(n) != FYNT_SCALAR || fy_node_get_style(n) != FYNS_PLAIN)
        return NULL;
    return fy_node_get_scalar(n, len);
}

/* Reads a JSON string into a fresh allocation. */
static npu_status jstr(const jctx *c, struct fy_node *m, const char *key, const char *path,
                       char **out) {
    struct fy_node *n = jget(m, key);
    size_t len = 0;
    const char *s = NULL;
    if (n && fy_node_get_type(n) == FYNT_SCALAR && fy_node_get_style(n) == FYNS_DOUBLE_QUOTED)
        s = fy_node_get_scalar(n, &len);
    if (!s)
        return jfail(c, "%s%s: %s", path, key, n ? "expected a string" : "missing");
    *out = strndup(s, len);
    if (!*out)
        return npu_err_set(c->err, NPU_ERR_INTERNAL, "%s: out of memory", c->what);
    return NPU_OK;
}

/* Reads a JSON string into a fixed buffer (too long is an error). */
static npu_status jword(const jctx *c, struct fy_node *m, const char *key, const char *path,
                        char *dst, size_t cap) {
    char *s = NULL;
    npu_status st = jstr(c, m, key, path, &s);
    if (st != NPU_OK)
        return st;
    if (strlen(s) >= cap) {
        free(s);
        return jfail(c, "%s%s: longer than %zu characters", path, key, cap - 1);
    }
    strcpy(dst, s);
    free(s);
    return NPU_OK;
}

/* Reads a JSON number (null -> NaN when allowed). */
static npu_status jnum_node(const jctx *c, struct fy_node *n, const char *path, const char *key,
                            double *out) {
    size_t len = 0;
    const char *s = plain(n, &len);
    if (s && len == 4 && memcmp(s, "null", 4) == 0) {
        *out = NAN;
        return NPU_OK;
    }
    char buf[64];
    if (s && len > 0 && len < sizeof buf) {
        memcpy(buf, s, len);
        buf[len] = '\0';
        char *end = NULL;
        const double v = strtod(buf, &end);
        if (*end == '\0' && (buf[0] == '-' || (buf[0] >= '0' && buf[0] <= '9'))) {
            *out = v;
            return NPU_OK;
        }
    }
    return jfail(c, "%s%s: %s", path, key, n ? "expected a number" : "missing");
}

static npu_status jnum(const jctx *c, struct fy_node *m, const char *key, const char *path,
                       double *out) {
    return jnum_node(c, jget(m, key), path, key, out);
}

/* Reads a JSON integer. */
static npu_status jint(const jctx *c, struct fy_node *m, const char *key, const char *path,
                       int64_t *out) {
    struct fy_node *n = jget(m, key);
    size_t len = 0;
    const char *s = plain(n, &len);
    char buf[32];
    if (s && len > 0 && len < sizeof buf) {
        memcpy(buf, s, len);
        buf[len] = '\0';
        char *end = NULL;
        const long long v = strtoll(buf, &end, 10);
        if (*end == '\0' && (buf[0] == '-' || (buf[0] >= '0' && buf[0] <= '9'))) {
            *out = (int64_t)v;
            return NPU_OK;
        }
    }
    return jfail(c, "%s%s: %s", path, key, n ? "expected an integer" : "missing");
}

static npu_status jbool(const jctx *c, struct fy_node *m, const char *key, const char *path,
                        bool *out) {
    size_t len = 0;
    struct fy_node *n = jget(m, key);
    const char *s = plain(n, &len);
    if (s && len == 4 && memcmp(s, "true", 4) == 0)
        *out = true;
    else if (s && len == 5 && memcmp(s, "false", 5) == 0)
        *out = false;
    else
        return jfail(c, "%s%s: %s", path, key, n ? "expected true or false" : "missing");
    return NPU_OK;
}

/* A mapping (object) member. */
static npu_status jobj(const jctx *c, struct fy_node *m, const char *key, const char *path,
                       struct fy_node **out) {
    struct fy_node *n = jget(m, key);
    if (!n || fy_node_get_type(n) != FYNT_MAPPING)
        return jfail(c, "%s%s: %s", path, key, n ? "expected an object" : "missing");
    *out = n;
    return NPU_OK;
}

/* A sequence (array) member. */
static npu_status jarr(const jctx *c, struct fy_node *m, const char *key, const char *path,
                       struct fy_node **out) {
    struct fy_node *n = jget(m, key);
    if (!n || fy_node_get_type(n) != FYNT_SEQUENCE)
        return jfail(c, "%s%s: %s", path, key, n ? "expected an array" : "missing");
    *out = n;
    return NPU_OK;
}

#define TRY(x)                                                                                     \
    do {                                                                                           \
        npu_status st_ = (x);                                                                      \
        if (st_ != NPU_OK)                                                                         \
            return st_;                                                                            \
    } while (0)

/* The "point" object: the configuration. Mesh geometry may be absent on error points. */
static npu_status read_config(const jctx *c, struct fy_node *root, rep_point *p) {
    struct fy_node *pt = NULL;
    TRY(jobj(c, root, "point", "", &pt));
    TRY(jstr(c, pt, "model", "point.", &p->model));
    TRY(jstr(c, pt, "mesh", "point.", &p->mesh));
    if (jget(pt, "input"))
        TRY(jstr(c, pt, "input", "point.", &p->input));
    static const char *const geo[] = {"mesh_cols", "mesh_rows", "mesh_nps"};
    int64_t *dst[] = {&p->mesh_cols, &p->mesh_rows, &p->mesh_nps};
    for (size_t i = 0; i < 3; i++)
        if (p->ok || jget(pt, geo[i]))
            TRY(jint(c, pt, geo[i], "point.", dst[i]));
    TRY(jbool(c, pt, "hw_only", "point.", &p->hw_only));
    TRY(jword(c, pt, "map_mode", "point.", p->map_mode, sizeof p->map_mode));
    TRY(jword(c, pt, "clock_mode", "point.", p->clock_mode, sizeof p->clock_mode));
    TRY(jint(c, pt, "batch", "point.", &p->batch));
    if (jget(pt, "fidelity"))
        TRY(jword(c, pt, "fidelity", "point.", p->fidelity, sizeof p->fidelity));
    if (p->mesh_cols < 0 || p->mesh_rows < 0 || p->mesh_cols > 4096 || p->mesh_rows > 4096)
        return jfail(c, "point.mesh_cols/mesh_rows: out of range");
    return NPU_OK;
}

/* One stats.sequences[] element, added to the point's sums. */
static npu_status read_sequence(const jctx *c, struct fy_node *q, size_t i, rep_point *p,
                                double *pw_lat) {
    char path[64];
    snprintf(path, sizeof path, "stats.sequences[%zu].", i);
    int64_t clk = 0;
    double lat = 0, avg = 0, tot = 0, dyn = 0;
    char *backend = NULL;
    struct fy_node *pw = NULL, *en = NULL;
    TRY(jint(c, q, "inference_clk", path, &clk));
    TRY(jnum(c, q, "latency_ms", path, &lat));
    TRY(jobj(c, q, "power_mw", path, &pw));
    TRY(jobj(c, q, "energy_mj_per_frame", path, &en));
    char sub[96];
    snprintf(sub, sizeof sub, "%spower_mw.", path);
    TRY(jnum(c, pw, "avg", sub, &avg));
    snprintf(sub, sizeof sub, "%senergy_mj_per_frame.", path);
    TRY(jnum(c, en, "total", sub, &tot));
    TRY(jnum(c, en, "dynamic", sub, &dyn));
    TRY(jstr(c, q, "backend", path, &backend));
    const bool hw = strcmp(backend, "Software") != 0;
    free(backend);
    p->inference_clk += clk;
    p->latency_ms += lat;
    p->energy_mj += tot;
    p->dyn_energy_mj += dyn;
    if (hw && isfinite(lat) && isfinite(avg)) {
        p->power_avg_mw += avg * lat;
        *pw_lat += lat;
    }
    return NPU_OK;
}

/* One stats.nps[] element. */
static npu_status read_np(const jctx *c, struct fy_node *e, size_t i, rep_np *np) {
    char path[48];
    snprintf(path, sizeof path, "stats.nps[%zu].", i);
    struct fy_node *id = NULL;
    TRY(jarr(c, e, "ident", path, &id));
    if (fy_node_sequence_item_count(id) != 3)
        return jfail(c, "%sident: expected [col, row, id]", path);
    int32_t v[3];
    for (int k = 0; k < 3; k++) {
        double d = 0;
        TRY(jnum_node(c, fy_node_sequence_get_by_index(id, k), path, "ident", &d));
        if (!(d >= 0 && d <= 4096) || d != floor(d))
            return jfail(c, "%sident: expected small non-negative integers", path);
        v[k] = (int32_t)d;
    }
    np->col = v[0];
    np->row = v[1];
    np->id = v[2];
    TRY(jnum(c, e, "utilisation", path, &np->util));
    TRY(jword(c, e, "type", path, np->type, sizeof np->type));
    return NPU_OK;
}

/* The stats object: per-frame figures and NPs. */
static npu_status read_stats(const jctx *c, struct fy_node *root, rep_point *p) {
    struct fy_node *st = NULL, *seqs = NULL, *nps = NULL;
    TRY(jobj(c, root, "stats", "", &st));
    char *schema = NULL;
    TRY(jstr(c, st, "schema", "stats.", &schema));
    const bool good = strcmp(schema, "akisim-stats/1") == 0;
    free(schema);
    if (!good)
        return jfail(c, "stats.schema: expected \"akisim-stats/1\"");
    TRY(jnum(c, st, "floor_mw", "stats.", &p->floor_mw));
    TRY(jarr(c, st, "sequences", "stats.", &seqs));
    const int ns = fy_node_sequence_item_count(seqs);
    double pw_lat = 0;
    for (int i = 0; i < ns; i++)
        TRY(read_sequence(c, fy_node_sequence_get_by_index(seqs, i), (size_t)i, p, &pw_lat));
    p->power_avg_mw = pw_lat > 0 ? p->power_avg_mw / pw_lat : 0;
    p->fps = p->latency_ms > 0 ? 1000.0 / p->latency_ms : 0;
    TRY(jarr(c, st, "nps", "stats.", &nps));
    const int nn = fy_node_sequence_item_count(nps);
    if (nn > 0) {
        p->np = calloc((size_t)nn, sizeof *p->np);
        if (!p->np)
            return npu_err_set(c->err, NPU_ERR_INTERNAL, "%s: out of memory", c->what);
    }
    for (int i = 0; i < nn; i++) {
        TRY(read_np(c, fy_node_sequence_get_by_index(nps, i), (size_t)i, &p->np[i]));
        p->n_np++;
    }
    return NPU_OK;
}

/* The mapping summary of an ok point. */
static npu_status read_mapping(const jctx *c, struct fy_node *root, rep_point *p) {
    struct fy_node *m = NULL;
    TRY(jobj(c, root, "mapping", "", &m));
    TRY(jint(c, m, "nps", "mapping.", &p->nps));
    TRY(jint(c, m, "passes", "mapping.", &p->passes));
    TRY(jint(c, m, "sequences", "mapping.", &p->sequences));
    TRY(jint(c, m, "program_bytes", "mapping.", &p->program_bytes));
    return NPU_OK;
}

/* The whole document. */
static npu_status read_root(const jctx *c, struct fy_node *root, rep_point *p) {
    if (!root || fy_node_get_type(root) != FYNT_MAPPING)
        return jfail(c, "expected a JSON object at the top level");
    char *s = NULL;
    TRY(jstr(c, root, "schema", "", &s));
    const bool good = strcmp(s, "akisim-point/1") == 0;
    free(s);
    if (!good)
        return jfail(c, "schema: expected \"akisim-point/1\"");
    TRY(jword(c, root, "id", "", p->id, sizeof p->id));
    TRY(jint(c, root, "index", "", &p->index));
    char status[16];
    TRY(jword(c, root, "status", "", status, sizeof status));
    if (strcmp(status, "ok") != 0 && strcmp(status, "error") != 0)
        return jfail(c, "status: expected \"ok\" or \"error\", got \"%s\"", status);
    p->ok = strcmp(status, "ok") == 0;
    TRY(read_config(c, root, p));
    if (!p->ok) {
        TRY(jstr(c, root, "error", "", &p->error));
        return NPU_OK;
    }
    TRY(read_mapping(c, root, p));
    TRY(read_stats(c, root, p));
    struct fy_node *ee = jget(root, "estimate_error");
    if (ee && fy_node_get_type(ee) == FYNT_MAPPING) {
        TRY(jnum(c, ee, "cycles", "estimate_error.", &p->est_err_cycles));
        TRY(jnum(c, ee, "energy", "estimate_error.", &p->est_err_energy));
    }
    return NPU_OK;
}

/* libfyaml diagnostics are collected, not printed. */
static void quiet_output(struct fy_diag *diag, void *user, const char *buf, size_t len) {
    (void)diag, (void)user, (void)buf, (void)len;
}

/* Fills empty strings so every char * of a parsed point is valid. */
static npu_status fill_strings(const jctx *c, rep_point *p) {
    char **s[] = {&p->model, &p->mesh, &p->input, &p->error};
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
        if (!*s[i] && !(*s[i] = strdup("")))
            return npu_err_set(c->err, NPU_ERR_INTERNAL, "%s: out of memory", c->what);
    return NPU_OK;
}

npu_status rep_point_parse(const char *text, size_t len, const char *what, rep_point *p,
                           npu_err *err) {
    memset(p, 0, sizeof *p);
    p->est_err_cycles = NAN;
    p->est_err_energy = NAN;
    const jctx c = {what, err};
    struct fy_diag_cfg dcfg;
    fy_diag_cfg_default(&dcfg);
    dcfg.fp = NULL;
    dcfg.output_fn = quiet_output;
    dcfg.colorize = false;
    struct fy_diag *diag = fy_diag_create(&dcfg);
    if (!diag)
        return npu_err_set(err, NPU_ERR_INTERNAL, "%s: out of memory", what);
    fy_diag_set_collect_errors(diag, true);
    struct fy_parse_cfg cfg = {NULL, FYPCF_QUIET | FYPCF_JSON_FORCE, NULL, diag};
    struct fy_document *fyd = fy_document_build_from_string(&cfg, text, len);
    npu_status st;
    if (!fyd) {
        void *it = NULL;
        struct fy_diag_error *de = fy_diag_errors_iterate(diag, &it);
        if (de)
            st = jfail(&c, "invalid JSON at line %d, column %d: %s", de->line, de->column + 1,
                       de->msg ? de->msg : "syntax error");
        else
            st = jfail(&c, "invalid JSON");
    } else {
        st = read_root(&c, fy_document_root(fyd), p);
        fy_document_destroy(fyd);
    }
    fy_diag_destroy(diag);
    if (st == NPU_OK)
        st = fill_strings(&c, p);
    if (st != NPU_OK)
        rep_point_free(p);
    return st;
}

void rep_point_free(rep_point *p) {
    free(p->model);
    free(p->mesh);
    free(p->input);
    free(p->error);
    free(p->np);
    memset(p, 0, sizeof *p);
}
