/*
 * sim_scenario: parsing and validation of a sweep scenario YAML (libfyaml), and the cartesian
 * product of its lists (the points). Everything a point needs is checked here, before any
 * point runs: keys (unknown ones with a did-you-mean suggestion), values, ranges, zoo names,
 * presets, model / mesh / input files (each opened and parsed once). Format:
 * docs/scenarios.md. Lists are parsed by small per-section functions; an item callback fills
 * one growable array per list.
 */
#define _POSIX_C_SOURCE 200809L

#include "akisim/sim_scenario.h"

#include <errno.h>
#include <libfyaml.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmp/cmp_array.h"
#include "cmp/cmp_mapper.h"
#include "cmp/cmp_modelfile.h"
#include "mesh/mesh.h"
#include "mesh/mesh_yamldoc.h"
#include "npu/npu_model.h"

#define SCN_MAX_BYTES (1u << 20) /* largest scenario file read */

/* Parsing state. */
typedef struct scn_ctx {
    const char *file;           /* scenario file name for messages */
    char dir[SIM_SCN_PATH_MAX]; /* its directory ("" = current) */
    npu_err *err;               /* error sink */
    sim_scenario *s;            /* scenario being filled */
} scn_ctx;

const char *sim_fidelity_name(sim_fidelity f) {
    return f == SIM_FIDELITY_ESTIMATE ? "estimate" : "exact";
}

bool sim_fidelity_from_name(const char *name, sim_fidelity *out) {
    if (strcmp(name, "exact") == 0)
        *out = SIM_FIDELITY_EXACT;
    else if (strcmp(name, "estimate") == 0)
        *out = SIM_FIDELITY_ESTIMATE;
    else
        return false;
    return true;
}

/* ---- suggestions ---- */

static size_t scn_edit_distance(const char *a, const char *b) {
    const size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return 64;
    size_t row[64];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            const size_t up = row[j];
            const size_t sub = diag + (a[i - 1] != b[j - 1]);
            const size_t del = row[j] + 1, ins = row[j - 1] + 1;
            row[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
            diag = up;
        }
    }
    return row[lb];
}

const char *sim_scn_suggest(const char *word, const char *const *words, size_t n) {
    const size_t len = strlen(word);
    const size_t limit = len / 3 > 2 ? len / 3 : 2;
    const char *best = NULL;
    size_t best_d = limit + 1;
    for (size_t i = 0; i < n; i++) {
        const size_t d = scn_edit_distance(word, words[i]);
        if (d < best_d) {
            best_d = d;
            best = words[i];
        }
    }
    return best;
}

/* ---- node helpers ---- */

static npu_status scn_fail(scn_ctx *c, struct fy_node *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static npu_status scn_fail(scn_ctx *c, struct fy_node *at, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    const npu_status st = mesh_yaml_vfail(c->err, c->file, at, fmt, ap);
    va_end(ap);
    return st;
}

/* Rejects keys of map that are not in known[] (suggesting the closest one). */
static npu_status scn_keys(scn_ctx *c, struct fy_node *map, const char *where,
                           const char *const *known, size_t n_known) {
    void *it = NULL;
    struct fy_node_pair *p;
    while ((p = fy_node_mapping_iterate(map, &it)) != NULL) {
        struct fy_node *k = fy_node_pair_key(p);
        char key[64];
        if (!mesh_yaml_text(k, key, sizeof key))
            return scn_fail(c, k, "%s: keys must be short plain words", where);
        bool ok = false;
        for (size_t i = 0; i < n_known && !ok; i++)
            ok = strcmp(key, known[i]) == 0;
        if (ok)
            continue;
        const char *hint = sim_scn_suggest(key, known, n_known);
        if (hint)
            return scn_fail(c, k, "unknown key '%s' in %s (did you mean '%s'?)", key, where, hint);
        char list[256] = "";
        for (size_t i = 0; i < n_known; i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "",
                     known[i]);
        return scn_fail(c, k, "unknown key '%s' in %s (known: %s)", key, where, list);
    }
    return NPU_OK;
}

/* Value and key node of `key` in map (both NULL when absent). */
static struct fy_node *scn_get(struct fy_node *map, const char *key, struct fy_node **knode) {
    struct fy_node *k = fy_node_mapping_lookup_key_by_string(map, key, (size_t)-1);
    if (knode)
        *knode = k;
    return k ? fy_node_mapping_lookup_by_string(map, key, (size_t)-1) : NULL;
}

static npu_status scn_uint(scn_ctx *c, struct fy_node *k, struct fy_node *v, const char *what,
                           uint64_t lo, uint64_t hi, uint64_t *out) {
    char t[32], *end = NULL;
    if (!mesh_yaml_text(v, t, sizeof t) || !t[0] || t[0] == '-')
        return scn_fail(c, mesh_yaml_blame(v, k), "%s: expected an integer in [%llu, %llu]", what,
                        (unsigned long long)lo, (unsigned long long)hi);
    errno = 0;
    const unsigned long long x = strtoull(t, &end, 10);
    if (*end || errno || x < lo || x > hi)
        return scn_fail(c, mesh_yaml_blame(v, k),
                        "%s: expected an integer in [%llu, %llu], got '%s'", what,
                        (unsigned long long)lo, (unsigned long long)hi, t);
    *out = (uint64_t)x;
    return NPU_OK;
}

static npu_status scn_real(scn_ctx *c, struct fy_node *k, struct fy_node *v, const char *what,
                           double lo, double hi, double *out) {
    char t[32], *end = NULL;
    if (!mesh_yaml_text(v, t, sizeof t) || !t[0])
        return scn_fail(c, mesh_yaml_blame(v, k), "%s: expected a number in (%g, %g]", what, lo,
                        hi);
    const double x = strtod(t, &end);
    if (*end || !(x > lo && x <= hi))
        return scn_fail(c, mesh_yaml_blame(v, k), "%s: expected a number in (%g, %g], got '%s'",
                        what, lo, hi, t);
    *out = x;
    return NPU_OK;
}

static npu_status scn_bool(scn_ctx *c, struct fy_node *k, struct fy_node *v, const char *what,
                           bool *out) {
    char t[16];
    if (mesh_yaml_text(v, t, sizeof t)) {
        if (!strcmp(t, "true") || !strcmp(t, "yes") || !strcmp(t, "True")) {
            *out = true;
            return NPU_OK;
        }
        if (!strcmp(t, "false") || !strcmp(t, "no") || !strcmp(t, "False")) {
            *out = false;
            return NPU_OK;
        }
    }
    return scn_fail(c, mesh_yaml_blame(v, k), "%s: expected true or false", what);
}

/* Resolves a path relative to the scenario's directory. */
static void scn_resolve(const scn_ctx *c, const char *p, char *out, size_t cap) {
    const size_t ld = p[0] == '/' ? 0 : strlen(c->dir), lp = strlen(p);
    if (ld + 1 + lp >= cap) { /* too long: keep the path as written (opening it fails) */
        snprintf(out, cap, "%.*s", (int)(cap - 1), p);
        return;
    }
    memcpy(out, c->dir, ld);
    if (ld)
        out[ld] = '/';
    memcpy(out + ld + (ld ? 1 : 0), p, lp + 1);
}

/* ---- lists ---- */

/* Called for each item of a list (or for a lone scalar / mapping value). */
typedef npu_status (*scn_item_fn)(scn_ctx *c, struct fy_node *k, struct fy_node *item);

/* Applies fn to each item of v (a sequence) or to v itself; an empty list is an error. */
static npu_status scn_each(scn_ctx *c, struct fy_node *k, struct fy_node *v, const char *what,
                           scn_item_fn fn) {
    if (!v || (fy_node_is_scalar(v) && fy_node_get_scalar_length(v) == 0))
        return scn_fail(c, k, "'%s' is empty: the sweep would have no points", what);
    if (!fy_node_is_sequence(v))
        return fn(c, k, v);
    if (fy_node_sequence_item_count(v) == 0)
        return scn_fail(c, k, "'%s' is an empty list: the sweep would have no points", what);
    void *it = NULL;
    struct fy_node *item;
    while ((item = fy_node_sequence_iterate(v, &it)) != NULL) {
        if (fy_node_is_sequence(item))
            return scn_fail(c, k, "'%s': nested lists are not allowed", what);
        npu_status st = fn(c, k, item);
        if (st)
            return st;
    }
    return NPU_OK;
}

/* Grows an array of `size`-byte elements to hold one more; returns the new slot or NULL. */
static void *scn_push(void **arr, size_t *n, size_t size) {
    if (*n >= SIM_SCN_MAX_VALUES)
        return NULL;
    void *p = realloc(*arr, (*n + 1) * size);
    if (!p)
        return NULL;
    *arr = p;
    memset((char *)p + *n * size, 0, size);
    return (char *)p + (*n)++ * size;
}

static npu_status scn_full(scn_ctx *c, struct fy_node *k, const char *what) {
    return scn_fail(c, k, "'%s': more than %u values (or out of memory)", what,
                    (unsigned)SIM_SCN_MAX_VALUES);
}

/* ---- models ---- */

static const char *const SCN_ZOO_KEYS[] = {"zoo",         "alpha",      "input_size",   "classes",
                                           "weight_bits", "act_bits",   "version",      "density",
                                           "seed",        "no_weights", "calib_samples"};
static const char *const SCN_FILE_KEYS[] = {"file"};

static npu_status scn_zoo_name(scn_ctx *c, struct fy_node *at, const char *name, sim_scn_model *m) {
    size_t n = 0;
    const char *const *names = cmp_zoo_names(&n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0) {
            snprintf(m->zoo, sizeof m->zoo, "%s", name);
            snprintf(m->label, sizeof m->label, "%s", name);
            return NPU_OK;
        }
    const char *hint = sim_scn_suggest(name, names, n);
    if (hint)
        return scn_fail(c, at, "unknown zoo model '%s' (did you mean '%s'?)", name, hint);
    return scn_fail(c, at, "unknown zoo model '%s' (see 'akisim zoo --help')", name);
}

/* Appends ",key=value" (or ":key=value" for the first option) to the label. */
static void scn_label_add(sim_scn_model *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void scn_label_add(sim_scn_model *m, const char *fmt, ...) {
    const size_t len = strlen(m->label);
    if (len + 2 >= sizeof m->label)
        return;
    m->label[len] = strchr(m->label, ':') ? ',' : ':';
    m->label[len + 1] = '\0';
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->label + len + 1, sizeof m->label - len - 1, fmt, ap);
    va_end(ap);
}

/* Options of a zoo model, in the label's canonical order. */
static npu_status scn_zoo_opts(scn_ctx *c, struct fy_node *map, sim_scn_model *m) {
    struct fy_node *k, *v;
    uint64_t u = 0;
    npu_status st = NPU_OK;
    cmp_zoo_opts *o = &m->opts;
    if ((v = scn_get(map, "alpha", &k)) || k) {
        if ((st = scn_real(c, k, v, "alpha", 0.0, 4.0, &o->alpha)))
            return st;
        scn_label_add(m, "alpha=%g", o->alpha);
    }
    if ((v = scn_get(map, "input_size", &k)) || k) {
        if ((st = scn_uint(c, k, v, "input_size", 1, 1024, &u)))
            return st;
        o->input_size = (uint32_t)u;
        scn_label_add(m, "size=%u", o->input_size);
    }
    if ((v = scn_get(map, "classes", &k)) || k) {
        if ((st = scn_uint(c, k, v, "classes", 1, 65536, &u)))
            return st;
        o->classes = (uint32_t)u;
        scn_label_add(m, "classes=%u", o->classes);
    }
    if ((v = scn_get(map, "weight_bits", &k)) || k) {
        if ((st = scn_uint(c, k, v, "weight_bits", 1, 8, &u)))
            return st;
        o->weight_bits = (uint32_t)u;
        scn_label_add(m, "wbits=%u", o->weight_bits);
    }
    if ((v = scn_get(map, "act_bits", &k)) || k) {
        if ((st = scn_uint(c, k, v, "act_bits", 1, 8, &u)))
            return st;
        o->act_bits = (uint32_t)u;
        scn_label_add(m, "abits=%u", o->act_bits);
    }
    if ((v = scn_get(map, "density", &k)) || k) {
        if ((st = scn_real(c, k, v, "density", 0.0, 1.0, &o->density)))
            return st;
        scn_label_add(m, "density=%g", o->density);
    }
    if ((v = scn_get(map, "version", &k)) || k) {
        char t[8] = "";
        mesh_yaml_text(v, t, sizeof t);
        if (!strcmp(t, "v1") || !strcmp(t, "1"))
            o->version = 1;
        else if (!strcmp(t, "v2") || !strcmp(t, "2"))
            o->version = 2;
        else
            return scn_fail(c, mesh_yaml_blame(v, k), "version: expected v1 or v2");
        scn_label_add(m, "v%d", o->version);
    }
    if ((v = scn_get(map, "seed", &k)) || k) {
        if ((st = scn_uint(c, k, v, "seed", 0, UINT64_MAX, &u)))
            return st;
        o->seed = u;
        scn_label_add(m, "seed=%llu", (unsigned long long)u);
    }
    if ((v = scn_get(map, "calib_samples", &k)) || k) {
        if ((st = scn_uint(c, k, v, "calib_samples", 1, 1024, &u)))
            return st;
        o->calib_samples = (uint32_t)u;
        scn_label_add(m, "calib=%u", o->calib_samples);
    }
    if ((v = scn_get(map, "no_weights", &k)) || k) {
        if ((st = scn_bool(c, k, v, "no_weights", &o->no_weights)))
            return st;
        if (o->no_weights)
            scn_label_add(m, "no_weights");
    }
    return NPU_OK;
}

static npu_status scn_model_file(scn_ctx *c, struct fy_node *k, struct fy_node *v,
                                 sim_scn_model *m) {
    char text[SIM_SCN_PATH_MAX];
    if (!mesh_yaml_text(v, text, sizeof text) || !text[0])
        return scn_fail(c, mesh_yaml_blame(v, k), "models: 'file' must be a path");
    m->is_file = true;
    snprintf(m->label, sizeof m->label, "%.*s", (int)sizeof m->label - 1, text);
    scn_resolve(c, text, m->path, sizeof m->path);
    npu_model *model = NULL;
    npu_err e;
    npu_err_clear(&e);
    if (cmp_model_load(m->path, &model, &e) != NPU_OK)
        return scn_fail(c, mesh_yaml_blame(v, k), "model file '%s' cannot be used: %s", text,
                        e.msg);
    npu_model_free(model);
    return NPU_OK;
}

static npu_status scn_model(scn_ctx *c, struct fy_node *k, struct fy_node *item) {
    sim_scn_model *m = scn_push((void **)&c->s->models, &c->s->n_models, sizeof *m);
    if (!m)
        return scn_full(c, k, "models");
    cmp_zoo_opts_default(&m->opts);
    char name[64];
    if (mesh_yaml_text(item, name, sizeof name))
        return scn_zoo_name(c, item, name, m);
    if (!fy_node_is_mapping(item))
        return scn_fail(c, k, "models: each item is a zoo name, {zoo: NAME, ...} or {file: PATH}");
    struct fy_node *fk = NULL, *fv = scn_get(item, "file", &fk);
    if (fk) {
        npu_status st = scn_keys(c, item, "a file model", SCN_FILE_KEYS, 1);
        return st ? st : scn_model_file(c, fk, fv, m);
    }
    npu_status st = scn_keys(c, item, "a zoo model", SCN_ZOO_KEYS,
                             sizeof SCN_ZOO_KEYS / sizeof SCN_ZOO_KEYS[0]);
    if (st)
        return st;
    struct fy_node *zk = NULL, *zv = scn_get(item, "zoo", &zk);
    if (!zk)
        return scn_fail(c, k, "models: an item needs 'zoo: NAME' or 'file: PATH'");
    if (!mesh_yaml_text(zv, name, sizeof name))
        return scn_fail(c, mesh_yaml_blame(zv, zk), "models: 'zoo' must be a model name");
    if ((st = scn_zoo_name(c, mesh_yaml_blame(zv, zk), name, m)))
        return st;
    return scn_zoo_opts(c, item, m);
}

/* ---- meshes ---- */

static const char *const SCN_MESH_KEYS[] = {"preset", "file", "gen"};
static const char *const SCN_GEN_KEYS[] = {"cnp", "fnp", "step", "v2", "hrc"};

/* Loads spec and appends it as a mesh. */
static npu_status scn_mesh_add(scn_ctx *c, struct fy_node *at, const char *label,
                               const char *spec) {
    sim_scn_mesh *m = scn_push((void **)&c->s->meshes, &c->s->n_meshes, sizeof *m);
    if (!m)
        return scn_full(c, at, "meshes");
    snprintf(m->label, sizeof m->label, "%s", label);
    snprintf(m->spec, sizeof m->spec, "%s", spec);
    mesh_desc d;
    memset(&d, 0, sizeof d);
    npu_err e;
    npu_err_clear(&e);
    if (mesh_load(spec, &d, &e) != NPU_OK)
        return scn_fail(c, at, "mesh '%s': %s", label, e.msg);
    m->cols = d.cols;
    m->rows = d.rows;
    m->nps = d.n_nps;
    mesh_free(&d);
    return NPU_OK;
}

static bool scn_is_file_spec(const char *s) {
    const size_t n = strlen(s);
    return strchr(s, '/') || (n > 5 && strcmp(s + n - 5, ".yaml") == 0) ||
           (n > 4 && strcmp(s + n - 4, ".yml") == 0);
}

/* A range "a..b" with step (linear `step` or geometric factor `geo`), an integer, or a list
 * of integers: the values go to vals (*n of them). */
static npu_status scn_int_values(scn_ctx *c, struct fy_node *k, struct fy_node *v, const char *what,
                                 uint64_t step, uint64_t geo, uint64_t *vals, size_t *n) {
    *n = 0;
    if (v && fy_node_is_sequence(v)) {
        if (fy_node_sequence_item_count(v) == 0)
            return scn_fail(c, k, "'%s' is an empty list: the sweep would have no points", what);
        void *it = NULL;
        struct fy_node *item;
        while ((item = fy_node_sequence_iterate(v, &it)) != NULL) {
            if (*n >= SIM_SCN_MAX_VALUES)
                return scn_full(c, k, what);
            npu_status st = scn_uint(c, k, item, what, 0, MESH_MAX_NPS, &vals[(*n)++]);
            if (st)
                return st;
        }
        return NPU_OK;
    }
    char t[64];
    if (!mesh_yaml_text(v, t, sizeof t) || !t[0])
        return scn_fail(c, mesh_yaml_blame(v, k),
                        "'%s': expected an integer, a list or a range 'A..B'", what);
    const char *dots = strstr(t, "..");
    if (!dots)
        return scn_uint(c, k, v, what, 0, MESH_MAX_NPS, &vals[(*n)++]);
    char *end = NULL;
    errno = 0;
    const unsigned long long a = strtoull(t, &end, 10);
    const bool a_ok = end == dots && t[0] >= '0' && t[0] <= '9';
    const char *bt = dots + 2;
    const unsigned long long b = strtoull(bt, &end, 10);
    if (!a_ok || !(bt[0] >= '0' && bt[0] <= '9') || *end || errno || b > MESH_MAX_NPS)
        return scn_fail(c, mesh_yaml_blame(v, k),
                        "'%s': malformed range '%s' (expected A..B with integers 0 <= A <= B "
                        "<= %u)",
                        what, t, MESH_MAX_NPS);
    if (a > b)
        return scn_fail(c, mesh_yaml_blame(v, k),
                        "'%s': range '%s' gives no values (the sweep would have no points)", what,
                        t);
    for (uint64_t x = a; x <= b; x = geo ? (x ? x * geo : 1) : x + step) {
        if (*n >= SIM_SCN_MAX_VALUES)
            return scn_full(c, k, what);
        vals[(*n)++] = x;
    }
    return NPU_OK;
}

static npu_status scn_gen_step(scn_ctx *c, struct fy_node *map, uint64_t *step, uint64_t *geo) {
    struct fy_node *k = NULL, *v = scn_get(map, "step", &k);
    *step = 1;
    *geo = 0;
    if (!k)
        return NPU_OK;
    char t[32];
    if (mesh_yaml_text(v, t, sizeof t) && t[0] == 'x') {
        char *end = NULL;
        const unsigned long long f = strtoull(t + 1, &end, 10);
        if (t[1] < '0' || t[1] > '9' || *end || f < 2 || f > 1024)
            return scn_fail(c, mesh_yaml_blame(v, k),
                            "step: expected an integer >= 1 or xF (F >= 2)");
        *geo = f;
        return NPU_OK;
    }
    return scn_uint(c, k, v, "step", 1, MESH_MAX_NPS, step);
}

static npu_status scn_gen(scn_ctx *c, struct fy_node *gk, struct fy_node *g) {
    if (!g || !fy_node_is_mapping(g))
        return scn_fail(c, gk, "gen: expected a mapping {cnp: ..., fnp: ..., step: ..., v2: ...}");
    npu_status st =
        scn_keys(c, g, "gen", SCN_GEN_KEYS, sizeof SCN_GEN_KEYS / sizeof SCN_GEN_KEYS[0]);
    uint64_t step = 1, geo = 0;
    if (st || (st = scn_gen_step(c, g, &step, &geo)))
        return st;
    bool v2 = false, hrc = true;
    struct fy_node *k = NULL, *v = scn_get(g, "v2", &k);
    if (k && (st = scn_bool(c, k, v, "v2", &v2)))
        return st;
    if ((v = scn_get(g, "hrc", &k)) || k)
        if ((st = scn_bool(c, k, v, "hrc", &hrc)))
            return st;
    uint64_t *cnp = malloc(SIM_SCN_MAX_VALUES * sizeof *cnp);
    uint64_t *fnp = malloc(SIM_SCN_MAX_VALUES * sizeof *fnp);
    size_t n_cnp = 0, n_fnp = 0;
    if (!cnp || !fnp)
        st = npu_err_set(c->err, NPU_ERR_INTERNAL, "%s: out of memory", c->file);
    if (!st && !(v = scn_get(g, "cnp", &k)) && !k)
        st = scn_fail(c, gk, "gen: 'cnp' is required");
    if (!st)
        st = scn_int_values(c, k, v, "cnp", step, geo, cnp, &n_cnp);
    if (!st && ((v = scn_get(g, "fnp", &k)) || k))
        st = scn_int_values(c, k, v, "fnp", step, geo, fnp, &n_fnp);
    else if (!st)
        fnp[n_fnp++] = 2;
    for (size_t i = 0; !st && i < n_cnp; i++)
        for (size_t j = 0; !st && j < n_fnp; j++) {
            char spec[96];
            snprintf(spec, sizeof spec, "gen:cnp=%llu,fnp=%llu%s%s", (unsigned long long)cnp[i],
                     (unsigned long long)fnp[j], v2 ? ",v2" : "", hrc ? "" : ",no-hrc");
            st = scn_mesh_add(c, gk, spec, spec);
        }
    free(cnp);
    free(fnp);
    return st;
}

static npu_status scn_mesh(scn_ctx *c, struct fy_node *k, struct fy_node *item) {
    char text[SIM_SCN_PATH_MAX], path[SIM_SCN_PATH_MAX];
    if (mesh_yaml_text(item, text, sizeof text)) {
        if (!text[0])
            return scn_fail(c, item, "meshes: empty mesh name");
        if (!scn_is_file_spec(text))
            return scn_mesh_add(c, item, text, text);
        scn_resolve(c, text, path, sizeof path);
        return scn_mesh_add(c, item, text, path);
    }
    if (!fy_node_is_mapping(item) || fy_node_mapping_item_count(item) != 1)
        return scn_fail(c, k,
                        "meshes: each item is a preset name, {preset: NAME}, {file: PATH} "
                        "or {gen: {...}}");
    npu_status st = scn_keys(c, item, "meshes", SCN_MESH_KEYS, 3);
    if (st)
        return st;
    struct fy_node *mk = NULL, *mv = scn_get(item, "gen", &mk);
    if (mk)
        return scn_gen(c, mk, mv);
    if ((mv = scn_get(item, "preset", &mk)) || mk) {
        if (!mesh_yaml_text(mv, text, sizeof text) || !text[0] || scn_is_file_spec(text))
            return scn_fail(c, mesh_yaml_blame(mv, mk), "meshes: 'preset' must be a preset name");
        return scn_mesh_add(c, mesh_yaml_blame(mv, mk), text, text);
    }
    mv = scn_get(item, "file", &mk);
    if (!mesh_yaml_text(mv, text, sizeof text) || !text[0])
        return scn_fail(c, mesh_yaml_blame(mv, mk), "meshes: 'file' must be a path");
    scn_resolve(c, text, path, sizeof path);
    return scn_mesh_add(c, mesh_yaml_blame(mv, mk), text, path);
}

/* ---- mapping, clock modes, batch, fidelity ---- */

static const char *const SCN_MAPPING_KEYS[] = {"hw_only", "map_mode"};

static npu_status scn_hw_only(scn_ctx *c, struct fy_node *k, struct fy_node *item) {
    bool b = false;
    npu_status st = scn_bool(c, k, item, "mapping.hw_only", &b);
    if (st)
        return st;
    for (size_t i = 0; i < c->s->n_hw_only; i++)
        if (c->s->hw_only[i] == b)
            return scn_fail(c, mesh_yaml_blame(item, k), "mapping.hw_only: %s listed twice",
                            b ? "true" : "false");
    c->s->hw_only[c->s->n_hw_only++] = b;
    return NPU_OK;
}

static npu_status scn_map_mode(scn_ctx *c, struct fy_node *k, struct fy_node *item) {
    static const char *const names[] = {"minimal", "allnps", "hwpr"};
    char t[32];
    cmp_map_mode m = CMP_MAP_ALLNPS;
    if (!mesh_yaml_text(item, t, sizeof t) || !cmp_map_mode_from_name(t, &m)) {
        const char *hint = mesh_yaml_text(item, t, sizeof t) ? sim_scn_suggest(t, names, 3) : NULL;
        if (hint)
            return scn_fail(c, mesh_yaml_blame(item, k),
                            "unknown map mode '%s' (did you mean '%s'?)", t, hint);
        return scn_fail(c, mesh_yaml_blame(item, k),
                        "mapping.map_mode: expected minimal, allnps or hwpr");
    }
    for (size_t i = 0; i < c->s->n_map_modes; i++)
        if (c->s->map_modes[i] == m)
            return scn_fail(c, mesh_yaml_blame(item, k), "mapping.map_mode: %s listed twice", t);
    c->s->map_modes[c->s->n_map_modes++] = m;
    return NPU_OK;
}

static npu_status scn_mapping(scn_ctx *c, struct fy_node *k, struct fy_node *v) {
    if (!v || !fy_node_is_mapping(v))
        return scn_fail(c, k, "mapping: expected {hw_only: [...], map_mode: [...]}");
    npu_status st = scn_keys(c, v, "mapping", SCN_MAPPING_KEYS, 2);
    struct fy_node *kk = NULL, *vv = NULL;
    if (!st && ((vv = scn_get(v, "hw_only", &kk)) || kk))
        st = scn_each(c, kk, vv, "mapping.hw_only", scn_hw_only);
    if (!st && ((vv = scn_get(v, "map_mode", &kk)) || kk))
        st = scn_each(c, kk, vv, "mapping.map_mode", scn_map_mode);
    return st;
}

static npu_status scn_clock(scn_ctx *c, struct fy_node *k, struct fy_node *item) {
    static const char *const names[] = {"Performance", "Economy", "LowPower"};
    char t[32];
    mesh_clock_mode m = MESH_CLOCK_PERFORMANCE;
    npu_err e;
    npu_err_clear(&e);
    if (!mesh_yaml_text(item, t, sizeof t) || mesh_clock_mode_parse(t, &m, &e) != NPU_OK) {
        const char *hint = mesh_yaml_text(item, t, sizeof t) ? sim_scn_suggest(t, names, 3) : NULL;
        if (hint)
            return scn_fail(c, mesh_yaml_blame(item, k),
                            "unknown clock mode '%s' (did you mean '%s'?)", t, hint);
        return scn_fail(c, mesh_yaml_blame(item, k),
                        "clock_modes: expected Performance, Economy or LowPower");
    }
    for (size_t i = 0; i < c->s->n_clocks; i++)
        if (c->s->clocks[i] == m)
            return scn_fail(c, mesh_yaml_blame(item, k), "clock_modes: %s listed twice", t);
    c->s->clocks[c->s->n_clocks++] = m;
    return NPU_OK;
}

static npu_status scn_batch(scn_ctx *c, struct fy_node *k, struct fy_node *item) {
    uint64_t b = 0;
    npu_status st = scn_uint(c, k, item, "batch", 1, 65536, &b);
    if (st)
        return st;
    uint32_t *slot = scn_push((void **)&c->s->batches, &c->s->n_batches, sizeof *slot);
    if (!slot)
        return scn_full(c, k, "batch");
    *slot = (uint32_t)b;
    return NPU_OK;
}

/* ---- inputs ---- */

static const char *const SCN_INPUT_KEYS[] = {"random", "npy", "dataset"};
static const char *const SCN_RANDOM_KEYS[] = {"n", "seed"};
static const char *const SCN_DATASET_KEYS[] = {"x", "labels"};

/* Reads an .npy of samples and checks its type and rank; returns the sample count. */
static npu_status scn_samples(scn_ctx *c, struct fy_node *at, const char *text, const char *path,
                              uint64_t *n) {
    cmp_array a;
    memset(&a, 0, sizeof a);
    npu_err e;
    npu_err_clear(&e);
    if (cmp_npy_read(path, &a, &e) != NPU_OK)
        return scn_fail(c, at, "input '%s' cannot be read: %s", text, e.msg);
    npu_status st = NPU_OK;
    if (a.dtype != CMP_U8 && a.dtype != CMP_I8)
        st = scn_fail(c, at, "input '%s': dtype %s, expected uint8 or int8", text,
                      cmp_dtype_name(a.dtype));
    else if (a.ndim != 3 && a.ndim != 4)
        st = scn_fail(c, at, "input '%s': expected (n, x, y, c) or (x, y, c) samples", text);
    else if (a.ndim == 4 && a.shape[0] == 0)
        st = scn_fail(c, at, "input '%s' holds no samples", text);
    *n = a.ndim == 4 ? a.shape[0] : 1;
    cmp_array_free(&a);
    return st;
}

static npu_status scn_input_random(scn_ctx *c, struct fy_node *k, struct fy_node *v,
                                   sim_scn_input *in) {
    in->kind = SIM_SCN_INPUT_RANDOM;
    in->n = 1;
    npu_status st = NPU_OK;
    if (v && fy_node_is_mapping(v)) {
        struct fy_node *kk = NULL, *vv = NULL;
        uint64_t u = 0;
        st = scn_keys(c, v, "inputs.random", SCN_RANDOM_KEYS, 2);
        if (!st && ((vv = scn_get(v, "n", &kk)) || kk) &&
            !(st = scn_uint(c, kk, vv, "random.n", 1, 65536, &u)))
            in->n = (uint32_t)u;
        if (!st && ((vv = scn_get(v, "seed", &kk)) || kk) &&
            !(st = scn_uint(c, kk, vv, "random.seed", 0, UINT64_MAX, &u)))
            in->seed = u;
    } else if (v && !(fy_node_is_scalar(v) && fy_node_get_scalar_length(v) == 0)) {
        return scn_fail(c, k, "inputs: random takes {n: N, seed: S}");
    }
    if (in->n == 1)
        snprintf(in->label, sizeof in->label, "random:seed=%llu", (unsigned long long)in->seed);
    else
        snprintf(in->label, sizeof in->label, "random:n=%u,seed=%llu", in->n,
                 (unsigned long long)in->seed);
    return st;
}

static npu_status scn_input_dataset(scn_ctx *c, struct fy_node *k, struct fy_node *v,
                                    sim_scn_input *in) {
    in->kind = SIM_SCN_INPUT_DATASET;
    if (!v || !fy_node_is_mapping(v))
        return scn_fail(c, k, "inputs: dataset takes {x: X.npy, labels: Y.npy}");
    npu_status st = scn_keys(c, v, "inputs.dataset", SCN_DATASET_KEYS, 2);
    struct fy_node *xk = NULL, *xv = scn_get(v, "x", &xk), *lk = NULL,
                   *lv = scn_get(v, "labels", &lk);
    char x[SIM_SCN_PATH_MAX], l[SIM_SCN_PATH_MAX];
    if (!st && (!mesh_yaml_text(xv, x, sizeof x) || !x[0]))
        return scn_fail(c, mesh_yaml_blame(xv, k),
                        "inputs.dataset: 'x' must be the path of an .npy");
    if (!st && (!mesh_yaml_text(lv, l, sizeof l) || !l[0]))
        return scn_fail(c, mesh_yaml_blame(lv, k),
                        "inputs.dataset: 'labels' must be the path of an .npy");
    if (st)
        return st;
    snprintf(in->label, sizeof in->label, "dataset:%.*s", (int)sizeof in->label - 9, x);
    scn_resolve(c, x, in->path, sizeof in->path);
    scn_resolve(c, l, in->labels, sizeof in->labels);
    uint64_t n = 0;
    if ((st = scn_samples(c, mesh_yaml_blame(xv, xk), x, in->path, &n)))
        return st;
    cmp_array a;
    memset(&a, 0, sizeof a);
    npu_err e;
    npu_err_clear(&e);
    if (cmp_npy_read(in->labels, &a, &e) != NPU_OK)
        return scn_fail(c, mesh_yaml_blame(lv, lk), "labels '%s' cannot be read: %s", l, e.msg);
    const bool integer = a.dtype != CMP_F32 && a.dtype != CMP_F64;
    const bool ok = integer && a.ndim == 1 && a.shape[0] == n;
    cmp_array_free(&a);
    if (!ok)
        return scn_fail(c, mesh_yaml_blame(lv, lk),
                        "labels '%s': expected a 1-D integer array of %llu labels (one per "
                        "sample of '%s')",
                        l, (unsigned long long)n, x);
    return NPU_OK;
}

static npu_status scn_input(scn_ctx *c, struct fy_node *k, struct fy_node *item) {
    sim_scn_input *in = scn_push((void **)&c->s->inputs, &c->s->n_inputs, sizeof *in);
    if (!in)
        return scn_full(c, k, "inputs");
    if (!fy_node_is_mapping(item) || fy_node_mapping_item_count(item) != 1)
        return scn_fail(c, k,
                        "inputs: each item is {random: {n, seed}}, {npy: PATH} or "
                        "{dataset: {x: PATH, labels: PATH}}");
    npu_status st = scn_keys(c, item, "inputs", SCN_INPUT_KEYS, 3);
    if (st)
        return st;
    struct fy_node *ik = NULL, *iv = scn_get(item, "random", &ik);
    if (ik)
        return scn_input_random(c, ik, iv, in);
    if ((iv = scn_get(item, "dataset", &ik)) || ik)
        return scn_input_dataset(c, ik, iv, in);
    iv = scn_get(item, "npy", &ik);
    char text[SIM_SCN_PATH_MAX];
    if (!mesh_yaml_text(iv, text, sizeof text) || !text[0])
        return scn_fail(c, mesh_yaml_blame(iv, ik), "inputs: 'npy' must be a path");
    in->kind = SIM_SCN_INPUT_NPY;
    snprintf(in->label, sizeof in->label, "npy:%.*s", (int)sizeof in->label - 5, text);
    scn_resolve(c, text, in->path, sizeof in->path);
    uint64_t n = 0;
    return scn_samples(c, mesh_yaml_blame(iv, ik), text, in->path, &n);
}

/* ---- top level ---- */

static const char *const SCN_TOP_KEYS[] = {"name",   "description", "models",
                                           "meshes", "mapping",     "clock_modes",
                                           "inputs", "batch",       "fidelity"};

static npu_status scn_name(scn_ctx *c, struct fy_node *root) {
    struct fy_node *k = NULL, *v = scn_get(root, "name", &k);
    if (k) {
        if (!mesh_yaml_text(v, c->s->name, sizeof c->s->name) || !c->s->name[0])
            return scn_fail(c, mesh_yaml_blame(v, k),
                            "name: expected a string of 1..%zu characters", sizeof c->s->name - 1);
        return NPU_OK;
    }
    const char *base = strrchr(c->file, '/');
    base = base ? base + 1 : c->file;
    snprintf(c->s->name, sizeof c->s->name, "%s", base);
    char *dot = strrchr(c->s->name, '.');
    if (dot && dot != c->s->name)
        *dot = '\0';
    return NPU_OK;
}

static npu_status scn_fidelity(scn_ctx *c, struct fy_node *root) {
    struct fy_node *k = NULL, *v = scn_get(root, "fidelity", &k);
    char t[16];
    c->s->fidelity = SIM_FIDELITY_EXACT;
    if (!k)
        return NPU_OK;
    if (!mesh_yaml_text(v, t, sizeof t) || !sim_fidelity_from_name(t, &c->s->fidelity))
        return scn_fail(c, mesh_yaml_blame(v, k), "fidelity: expected exact or estimate");
    return NPU_OK;
}

/* A required (or defaulted) list section. */
static npu_status scn_section(scn_ctx *c, struct fy_node *root, const char *key, scn_item_fn fn,
                              bool required) {
    struct fy_node *k = NULL, *v = scn_get(root, key, &k);
    if (!k)
        return required ? scn_fail(c, NULL, "'%s' is required", key) : NPU_OK;
    return scn_each(c, k, v, key, fn);
}

/* Defaults of the optional sections. */
static void scn_defaults(sim_scenario *s) {
    if (!s->n_hw_only)
        s->hw_only[s->n_hw_only++] = false;
    if (!s->n_map_modes)
        s->map_modes[s->n_map_modes++] = CMP_MAP_ALLNPS;
    if (!s->n_clocks)
        s->clocks[s->n_clocks++] = MESH_CLOCK_PERFORMANCE;
}

static npu_status scn_root(scn_ctx *c, struct fy_node *root) {
    npu_status st = scn_keys(c, root, "the scenario", SCN_TOP_KEYS,
                             sizeof SCN_TOP_KEYS / sizeof SCN_TOP_KEYS[0]);
    struct fy_node *k = NULL, *v = NULL;
    if (!st)
        st = scn_name(c, root);
    if (!st)
        st = scn_fidelity(c, root);
    if (!st)
        st = scn_section(c, root, "models", scn_model, true);
    if (!st)
        st = scn_section(c, root, "meshes", scn_mesh, true);
    if (!st && ((v = scn_get(root, "mapping", &k)) || k))
        st = scn_mapping(c, k, v);
    if (!st)
        st = scn_section(c, root, "clock_modes", scn_clock, false);
    if (!st)
        st = scn_section(c, root, "inputs", scn_input, false);
    if (!st)
        st = scn_section(c, root, "batch", scn_batch, false);
    if (st)
        return st;
    scn_defaults(c->s);
    if (!c->s->n_inputs) {
        sim_scn_input *in = scn_push((void **)&c->s->inputs, &c->s->n_inputs, sizeof *in);
        if (!in)
            return npu_err_set(c->err, NPU_ERR_INTERNAL, "out of memory");
        in->kind = SIM_SCN_INPUT_RANDOM;
        in->n = 1;
        snprintf(in->label, sizeof in->label, "random:seed=0");
    }
    if (!c->s->n_batches) {
        uint32_t *b = scn_push((void **)&c->s->batches, &c->s->n_batches, sizeof *b);
        if (!b)
            return npu_err_set(c->err, NPU_ERR_INTERNAL, "out of memory");
        *b = 1;
    }
    if (sim_scenario_count(c->s) > SIM_SCN_MAX_POINTS)
        return scn_fail(c, NULL, "the sweep has more than %u points", SIM_SCN_MAX_POINTS);
    return NPU_OK;
}

npu_status sim_scenario_parse(const char *text, size_t len, const char *file, sim_scenario *out,
                              npu_err *err) {
    memset(out, 0, sizeof *out);
    file = file ? file : "(scenario)";
    scn_ctx c = {.file = file, .err = err, .s = out};
    snprintf(out->file, sizeof out->file, "%s", file);
    const char *slash = strrchr(file, '/');
    if (slash)
        snprintf(c.dir, sizeof c.dir, "%.*s", (int)(slash - file), file);
    if (slash == file)
        snprintf(c.dir, sizeof c.dir, "/");
    out->text = malloc(len + 1);
    if (!out->text)
        return npu_err_set(err, NPU_ERR_INTERNAL, "%s: out of memory", file);
    memcpy(out->text, text, len);
    out->text[len] = '\0';
    out->text_len = len;
    struct fy_document *doc = mesh_yaml_document(text, len, file, err);
    struct fy_node *root = doc ? fy_document_root(doc) : NULL;
    npu_status st = NPU_OK;
    if (!doc)
        st = err && err->status ? err->status : NPU_ERR_INPUT;
    else if (!root || !fy_node_is_mapping(root))
        st = npu_err_set(err, NPU_ERR_INPUT, "%s: a scenario is a YAML mapping", file);
    else
        st = scn_root(&c, root);
    if (doc)
        fy_document_destroy(doc);
    if (st)
        sim_scenario_free(out);
    return st;
}

npu_status sim_scenario_load(const char *path, sim_scenario *out, npu_err *err) {
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f)
        return npu_err_set(err, NPU_ERR_INPUT, "cannot open scenario '%s': %s", path,
                           strerror(errno));
    char *buf = malloc(SCN_MAX_BYTES + 1u);
    if (!buf) {
        fclose(f);
        return npu_err_set(err, NPU_ERR_INTERNAL, "%s: out of memory", path);
    }
    const size_t n = fread(buf, 1, SCN_MAX_BYTES + 1u, f);
    const bool bad = ferror(f) != 0;
    fclose(f);
    npu_status st = NPU_OK;
    if (bad)
        st = npu_err_set(err, NPU_ERR_INPUT, "cannot read scenario '%s'", path);
    else if (n > SCN_MAX_BYTES)
        st = npu_err_set(err, NPU_ERR_INPUT, "scenario '%s' is larger than %u bytes", path,
                         SCN_MAX_BYTES);
    else
        st = sim_scenario_parse(buf, n, path, out, err);
    free(buf);
    return st;
}

void sim_scenario_free(sim_scenario *s) {
    if (!s)
        return;
    free(s->text);
    free(s->models);
    free(s->meshes);
    free(s->inputs);
    free(s->batches);
    memset(s, 0, sizeof *s);
}

/* Points per group (every list but models and inputs). */
static size_t scn_group_size(const sim_scenario *s) {
    return s->n_meshes * s->n_hw_only * s->n_map_modes * s->n_clocks * s->n_batches;
}

size_t sim_scenario_count(const sim_scenario *s) {
    const size_t sizes[] = {s->n_models,    s->n_inputs, s->n_meshes, s->n_hw_only,
                            s->n_map_modes, s->n_clocks, s->n_batches};
    size_t n = 1;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        if (sizes[i] && n > (SIZE_MAX / 2) / sizes[i])
            return SIZE_MAX;
        n *= sizes[i];
    }
    return n;
}

sim_point sim_scenario_point(const sim_scenario *s, size_t i) {
    sim_point p;
    p.index = (uint32_t)i;
    p.batch = (uint32_t)(i % s->n_batches);
    i /= s->n_batches;
    p.clock = (uint32_t)(i % s->n_clocks);
    i /= s->n_clocks;
    p.map = (uint32_t)(i % s->n_map_modes);
    i /= s->n_map_modes;
    p.hw = (uint32_t)(i % s->n_hw_only);
    i /= s->n_hw_only;
    p.mesh = (uint32_t)(i % s->n_meshes);
    i /= s->n_meshes;
    p.input = (uint32_t)(i % s->n_inputs);
    i /= s->n_inputs;
    p.model = (uint32_t)i;
    return p;
}

size_t sim_scenario_group(const sim_scenario *s, size_t i) {
    return i / scn_group_size(s);
}

void sim_scenario_describe(const sim_scenario *s, char *dst, size_t cap) {
    snprintf(dst, cap,
             "%zu model%s x %zu input%s x %zu mesh%s x %zu hw_only x %zu map mode%s x %zu "
             "clock mode%s x %zu batch size%s = %zu point%s",
             s->n_models, s->n_models == 1 ? "" : "s", s->n_inputs, s->n_inputs == 1 ? "" : "s",
             s->n_meshes, s->n_meshes == 1 ? "" : "es", s->n_hw_only, s->n_map_modes,
             s->n_map_modes == 1 ? "" : "s", s->n_clocks, s->n_clocks == 1 ? "" : "s", s->n_batches,
             s->n_batches == 1 ? "" : "s", sim_scenario_count(s),
             sim_scenario_count(s) == 1 ? "" : "s");
}
