/*
 * cmp_modeljson: model.json <-> npu_model architecture (see cmp_modelfile.h; schema in
 * docs/formats.md, section "model.json").
 *
 * Reading parses the text with libfyaml in forced JSON mode and walks its node tree:
 * the top level {"format": "akisim-model", "version": 1, "layers": [...]}, then each layer
 * {"name", "type", "inbound" (optional), "parameters" (optional)}. Every key, JSON type and
 * value range is checked; unknown keys get a did-you-mean suggestion. Inbound names are
 * resolved, the layers are sorted topologically (stable: file order among ready layers) and
 * a cycle is reported with its path. Writing emits every accepted parameter explicitly so
 * a round trip is exact.
 */
#include <libfyaml.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmp/cmp_modelfile.h"
#include "cmp_params.h"

/* One layer as read from the file, before it is added to the model. */
typedef struct cmp_pending {
    char name[NPU_NAME_MAX];                      /* layer name */
    npu_layer_type type;                          /* layer type */
    npu_params p;                                 /* parameters (defaults + given values) */
    bool has_inbound;                             /* "inbound" was given */
    uint32_t n_inbound;                           /* number of inbound layers */
    uint32_t inbound[NPU_MAX_INBOUND];            /* file indices of the inbound layers */
    char in_names[NPU_MAX_INBOUND][NPU_NAME_MAX]; /* inbound names as written */
} cmp_pending;

/* Context of one parse: the source name and the error object. */
typedef struct cmp_jctx {
    const char *what; /* source name for messages */
    npu_err *err;     /* error object */
} cmp_jctx;

/* Sets an NPU_ERR_INPUT message prefixed with the source name; returns NPU_ERR_INPUT. */
static npu_status jfail(const cmp_jctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static npu_status jfail(const cmp_jctx *c, const char *fmt, ...) {
    char msg[NPU_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return npu_err_set(c->err, NPU_ERR_INPUT, "%s: %s", c->what, msg);
}

/* ---- scalar helpers ---- */

/* Text of a scalar node (NULL when the node is no scalar). */
static const char *scalar_text(struct fy_node *n, size_t *len) {
    if (!n || fy_node_get_type(n) != FYNT_SCALAR)
        return NULL;
    return fy_node_get_scalar(n, len);
}

/* A JSON string value: double-quoted scalar. */
static bool node_is_string(struct fy_node *n) {
    size_t len;
    return scalar_text(n, &len) && fy_node_get_style(n) == FYNS_DOUBLE_QUOTED;
}

/* Describes a node's JSON type for messages. */
static const char *node_kind(struct fy_node *n) {
    if (!n)
        return "nothing";
    switch (fy_node_get_type(n)) {
    case FYNT_SEQUENCE:
        return "an array";
    case FYNT_MAPPING:
        return "an object";
    default:
        break;
    }
    if (fy_node_get_style(n) != FYNS_PLAIN)
        return "a string";
    size_t len;
    const char *s = fy_node_get_scalar(n, &len);
    if (s && ((len == 4 && !memcmp(s, "true", 4)) || (len == 5 && !memcmp(s, "false", 5))))
        return "a boolean";
    if (s && len == 4 && !memcmp(s, "null", 4))
        return "null";
    return "a number";
}

/* Parses a plain JSON integer; false when not an integer or beyond +-2^53. */
static bool node_int(struct fy_node *n, int64_t *out) {
    size_t len;
    const char *s = scalar_text(n, &len);
    if (!s || fy_node_get_style(n) != FYNS_PLAIN || len == 0 || len > 20)
        return false;
    size_t i = 0;
    bool neg = false;
    if (s[0] == '-') {
        neg = true;
        i = 1;
    }
    if (i == len)
        return false;
    int64_t v = 0;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        if (v > ((int64_t)1 << 53) / 10)
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = neg ? -v : v;
    return true;
}

static bool node_bool(struct fy_node *n, bool *out) {
    size_t len;
    const char *s = scalar_text(n, &len);
    if (!s || fy_node_get_style(n) != FYNS_PLAIN)
        return false;
    if (len == 4 && !memcmp(s, "true", 4))
        *out = true;
    else if (len == 5 && !memcmp(s, "false", 5))
        *out = false;
    else
        return false;
    return true;
}

/* Copies a JSON string value into buf (cap bytes); false when not a string, too long or
 * holding a NUL byte. */
static bool node_string(struct fy_node *n, char *buf, size_t cap) {
    size_t len;
    const char *s = scalar_text(n, &len);
    if (!s || !node_is_string(n) || len >= cap || memchr(s, '\0', len))
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    return true;
}

/* Copies a mapping key into buf (truncated, for messages and lookups). */
static bool key_text(struct fy_node_pair *pr, char *buf, size_t cap) {
    size_t len;
    const char *s = scalar_text(fy_node_pair_key(pr), &len);
    if (!s || memchr(s, '\0', len))
        return false;
    if (len >= cap)
        len = cap - 1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    return true;
}

/* ---- parameters ---- */

/* Checks one integer element against a parameter's limits. */
static npu_status param_range(const cmp_jctx *c, const cmp_pending *l, const cmp_param_def *d,
                              int64_t v) {
    const bool minus_one_ok = d->min == -1;
    if (minus_one_ok && v == -1)
        return NPU_OK;
    const int64_t lo = minus_one_ok ? 1 : d->min;
    if (v < lo || v > d->max) {
        if (minus_one_ok)
            return jfail(c, "layer '%s': parameter '%s': value %lld out of range (-1 or 1..%lld)",
                         l->name, d->name, (long long)v, (long long)d->max);
        return jfail(c, "layer '%s': parameter '%s': value %lld out of range (%lld..%lld)", l->name,
                     d->name, (long long)v, (long long)lo, (long long)d->max);
    }
    return NPU_OK;
}

/* Reads a list of exactly n integers. */
static npu_status param_list(const cmp_jctx *c, const cmp_pending *l, const cmp_param_def *d,
                             struct fy_node *n, int count, int64_t v[3]) {
    if (fy_node_get_type(n) != FYNT_SEQUENCE || fy_node_sequence_item_count(n) != count)
        return jfail(c, "layer '%s': parameter '%s': expected an array of %d integers, got %s",
                     l->name, d->name, count, node_kind(n));
    for (int i = 0; i < count; i++) {
        struct fy_node *e = fy_node_sequence_get_by_index(n, i);
        if (!node_int(e, &v[i]))
            return jfail(c, "layer '%s': parameter '%s'[%d]: expected an integer, got %s", l->name,
                         d->name, i, node_kind(e));
        npu_status st = param_range(c, l, d, v[i]);
        if (st)
            return st;
    }
    return NPU_OK;
}

/* Reads the value of parameter id into v. */
static npu_status param_value(const cmp_jctx *c, const cmp_pending *l, cmp_param_id id,
                              struct fy_node *n, int64_t v[3]) {
    const cmp_param_def *d = cmp_param_def_get(id);
    v[0] = v[1] = v[2] = 0;
    switch (d->kind) {
    case CMP_PK_SHAPE3: {
        npu_status st = param_list(c, l, d, n, 3, v);
        if (st)
            return st;
        if ((uint64_t)v[0] * (uint64_t)v[1] * (uint64_t)v[2] > CMP_SHAPE_ELEMS_MAX)
            return jfail(c,
                         "layer '%s': parameter '%s': shape [%lld, %lld, %lld] is absurdly "
                         "large (limit %llu elements)",
                         l->name, d->name, (long long)v[0], (long long)v[1], (long long)v[2],
                         (unsigned long long)CMP_SHAPE_ELEMS_MAX);
        return NPU_OK;
    }
    case CMP_PK_PAIR:
        if (fy_node_get_type(n) == FYNT_SEQUENCE)
            return param_list(c, l, d, n, 2, v);
        if (!node_int(n, &v[0]))
            return jfail(c, "layer '%s': parameter '%s': expected an integer or [x, y], got %s",
                         l->name, d->name, node_kind(n));
        v[1] = v[0];
        return param_range(c, l, d, v[0]);
    case CMP_PK_UINT:
    case CMP_PK_INT:
        if (!node_int(n, &v[0]))
            return jfail(c, "layer '%s': parameter '%s': expected an integer, got %s", l->name,
                         d->name, node_kind(n));
        return param_range(c, l, d, v[0]);
    case CMP_PK_BOOL: {
        bool b;
        if (!node_bool(n, &b))
            return jfail(c, "layer '%s': parameter '%s': expected true or false, got %s", l->name,
                         d->name, node_kind(n));
        v[0] = b;
        return NPU_OK;
    }
    case CMP_PK_ENUM: {
        char s[32];
        if (!node_string(n, s, sizeof s))
            return jfail(c, "layer '%s': parameter '%s': expected a string, got %s", l->name,
                         d->name, node_kind(n));
        for (int i = 0; d->choices[i]; i++) {
            if (strcmp(s, d->choices[i]) == 0) {
                v[0] = i;
                return NPU_OK;
            }
        }
        char list[128] = "";
        for (int i = 0; d->choices[i]; i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s\"%s\"", i ? ", " : "",
                     d->choices[i]);
        return jfail(c, "layer '%s': parameter '%s': unknown value \"%s\" (expected %s)", l->name,
                     d->name, s, list);
    }
    }
    return NPU_OK;
}

/* Reads the "parameters" object of a layer. */
static npu_status read_params(const cmp_jctx *c, cmp_pending *l, struct fy_node *n) {
    if (fy_node_get_type(n) != FYNT_MAPPING)
        return jfail(c, "layer '%s': 'parameters' must be an object, got %s", l->name,
                     node_kind(n));
    uint32_t given = 0;
    void *it = NULL;
    struct fy_node_pair *pr;
    while ((pr = fy_node_mapping_iterate(n, &it)) != NULL) {
        char key[64];
        if (!key_text(pr, key, sizeof key))
            return jfail(c, "layer '%s': parameters: keys must be strings", l->name);
        cmp_param_id id;
        if (!cmp_param_lookup(key, &id) || !cmp_param_allowed(l->type, id)) {
            const char *hint = cmp_param_suggest(l->type, key);
            return jfail(c, "layer '%s': unknown parameter '%s' for type %s%s%s%s", l->name, key,
                         npu_layer_type_name(l->type), hint ? " (did you mean '" : "",
                         hint ? hint : "", hint ? "'?)" : "");
        }
        int64_t v[3];
        npu_status st = param_value(c, l, id, fy_node_pair_value(pr), v);
        if (st)
            return st;
        cmp_param_set(&l->p, id, v);
        given |= 1u << id;
    }
    for (int i = 0; i < CMP_P_COUNT; i++)
        if (cmp_param_required(l->type, (cmp_param_id)i) && !(given & (1u << i)))
            return jfail(c, "layer '%s': missing required parameter '%s' for type %s", l->name,
                         cmp_param_def_get((cmp_param_id)i)->name, npu_layer_type_name(l->type));
    return NPU_OK;
}

/* ---- layers ---- */

/* Reads "inbound": an array of layer names (resolved later). */
static npu_status read_inbound(const cmp_jctx *c, cmp_pending *l, struct fy_node *n) {
    if (fy_node_get_type(n) != FYNT_SEQUENCE)
        return jfail(c, "layer '%s': 'inbound' must be an array of layer names, got %s", l->name,
                     node_kind(n));
    const int cnt = fy_node_sequence_item_count(n);
    if (cnt < 0 || cnt > NPU_MAX_INBOUND)
        return jfail(c, "layer '%s': 'inbound' has %d layers (at most %d)", l->name, cnt,
                     NPU_MAX_INBOUND);
    for (int i = 0; i < cnt; i++) {
        struct fy_node *e = fy_node_sequence_get_by_index(n, i);
        if (!node_string(e, l->in_names[i], NPU_NAME_MAX))
            return jfail(c, "layer '%s': 'inbound'[%d] must be a layer name string, got %s",
                         l->name, i, node_kind(e));
    }
    l->has_inbound = true;
    l->n_inbound = (uint32_t)cnt;
    return NPU_OK;
}

static const char *const LAYER_KEYS[] = {"name", "type", "inbound", "parameters", NULL};

/* Index of key in a NULL-terminated list, or -1. */
static int key_index(const char *const *keys, const char *key) {
    for (int i = 0; keys[i]; i++)
        if (strcmp(keys[i], key) == 0)
            return i;
    return -1;
}

/* A key of keys within edit distance 2 of key (did-you-mean), or NULL. */
static const char *key_suggest(const char *const *keys, const char *key) {
    for (int i = 0; keys[i]; i++) {
        const size_t a = strlen(keys[i]), b = strlen(key);
        if ((a > b ? a - b : b - a) > 2)
            continue;
        size_t diff = 0;
        for (size_t j = 0; j < (a < b ? a : b); j++)
            diff += keys[i][j] != key[j];
        if (diff + (a > b ? a - b : b - a) <= 2)
            return keys[i];
    }
    return NULL;
}

/* Reads layer number idx of the "layers" array. */
static npu_status read_layer(const cmp_jctx *c, uint32_t idx, struct fy_node *n, cmp_pending *l) {
    memset(l, 0, sizeof *l);
    snprintf(l->name, sizeof l->name, "#%u", idx);
    if (fy_node_get_type(n) != FYNT_MAPPING)
        return jfail(c, "layers[%u]: expected an object, got %s", idx, node_kind(n));
    struct fy_node *name = fy_node_mapping_lookup_by_string(n, "name", 4);
    struct fy_node *type = fy_node_mapping_lookup_by_string(n, "type", 4);
    if (!name)
        return jfail(c, "layers[%u]: missing 'name'", idx);
    if (!node_string(name, l->name, sizeof l->name) || !l->name[0]) {
        snprintf(l->name, sizeof l->name, "#%u", idx);
        return jfail(c, "layers[%u]: 'name' must be a non-empty string of at most %d bytes", idx,
                     NPU_NAME_MAX - 1);
    }
    char tname[64];
    if (!type)
        return jfail(c, "layer '%s': missing 'type'", l->name);
    if (!node_string(type, tname, sizeof tname))
        return jfail(c, "layer '%s': 'type' must be a string, got %s", l->name, node_kind(type));
    if (!npu_layer_type_from_name(tname, &l->type))
        return jfail(c, "layer '%s': unknown layer type '%s'", l->name, tname);
    if (!npu_layer_type_supported(l->type))
        return jfail(c, "layer '%s': layer type %s is not supported yet", l->name, tname);
    l->p = npu_params_default(l->type);
    void *it = NULL;
    struct fy_node_pair *pr;
    struct fy_node *params = NULL;
    while ((pr = fy_node_mapping_iterate(n, &it)) != NULL) {
        char key[64];
        if (!key_text(pr, key, sizeof key))
            return jfail(c, "layer '%s': keys must be strings", l->name);
        const int k = key_index(LAYER_KEYS, key);
        if (k < 0) {
            const char *hint = key_suggest(LAYER_KEYS, key);
            return jfail(c,
                         "layer '%s': unknown key '%s'%s%s%s (parameters go in "
                         "\"parameters\")",
                         l->name, key, hint ? " (did you mean '" : "", hint ? hint : "",
                         hint ? "'?)" : "");
        }
        if (k == 2) {
            npu_status st = read_inbound(c, l, fy_node_pair_value(pr));
            if (st)
                return st;
        } else if (k == 3) {
            params = fy_node_pair_value(pr);
        }
    }
    if (params)
        return read_params(c, l, params);
    /* No "parameters": still report the required ones. */
    for (int i = 0; i < CMP_P_COUNT; i++)
        if (cmp_param_required(l->type, (cmp_param_id)i))
            return jfail(c, "layer '%s': missing required parameter '%s' for type %s", l->name,
                         cmp_param_def_get((cmp_param_id)i)->name, npu_layer_type_name(l->type));
    return NPU_OK;
}

/* Resolves inbound names to file indices (default: the previous layer). */
static npu_status resolve_inbound(const cmp_jctx *c, cmp_pending *ls, uint32_t n) {
    for (uint32_t i = 0; i < n; i++) {
        cmp_pending *l = &ls[i];
        const bool input = npu_layer_type_is_input(l->type);
        if (input && l->has_inbound && l->n_inbound > 0)
            return jfail(c,
                         "layer '%s': field 'inbound': input layer type %s takes no inbound "
                         "layers",
                         l->name, npu_layer_type_name(l->type));
        if (!l->has_inbound) {
            l->n_inbound = 0;
            if (!input && i > 0) {
                l->n_inbound = 1;
                l->inbound[0] = i - 1;
            }
            continue;
        }
        if (!input && l->n_inbound == 0)
            return jfail(c,
                         "layer '%s': field 'inbound': empty list (omit it to use the "
                         "previous layer)",
                         l->name);
        for (uint32_t k = 0; k < l->n_inbound; k++) {
            uint32_t j = 0;
            while (j < n && strcmp(ls[j].name, l->in_names[k]) != 0)
                j++;
            if (j == n)
                return jfail(c, "layer '%s': field 'inbound': no layer named '%s'", l->name,
                             l->in_names[k]);
            l->inbound[k] = j;
        }
    }
    return NPU_OK;
}

/* Reports a cycle among the layers not placed (placed[i] false). */
static npu_status report_cycle(const cmp_jctx *c, const cmp_pending *ls, uint32_t n,
                               const bool *placed) {
    uint32_t start = 0;
    while (start < n && placed[start])
        start++;
    /* Walk inbound edges among unplaced layers; in at most n steps a layer repeats. */
    uint32_t cur = start;
    for (uint32_t s = 0; s < n; s++) {
        for (uint32_t k = 0; k < ls[cur].n_inbound; k++) {
            if (!placed[ls[cur].inbound[k]]) {
                cur = ls[cur].inbound[k];
                break;
            }
        }
    }
    char path[NPU_ERR_MSG_MAX] = "";
    uint32_t at = cur;
    for (uint32_t s = 0; s <= n; s++) {
        const size_t used = strlen(path);
        snprintf(path + used, sizeof path - used, "%s'%s'", s ? " <- " : "", ls[at].name);
        if (s > 0 && at == cur)
            break;
        for (uint32_t k = 0; k < ls[at].n_inbound; k++) {
            if (!placed[ls[at].inbound[k]]) {
                at = ls[at].inbound[k];
                break;
            }
        }
    }
    return jfail(c, "layer '%s': field 'inbound': the inbound layers form a cycle: %s",
                 ls[cur].name, path);
}

/* Stable topological order of the layers into order[]. */
static npu_status topo_sort(const cmp_jctx *c, const cmp_pending *ls, uint32_t n, uint32_t *order,
                            bool *placed) {
    uint32_t done = 0;
    while (done < n) {
        uint32_t pick = n;
        for (uint32_t i = 0; i < n && pick == n; i++) {
            if (placed[i])
                continue;
            bool ready = true;
            for (uint32_t k = 0; k < ls[i].n_inbound && ready; k++)
                ready = placed[ls[i].inbound[k]];
            if (ready)
                pick = i;
        }
        if (pick == n)
            return report_cycle(c, ls, n, placed);
        placed[pick] = true;
        order[done++] = pick;
    }
    return NPU_OK;
}

/* Adds the layers to a new model in topological order. */
static npu_status build_model(const cmp_jctx *c, const cmp_pending *ls, uint32_t n,
                              npu_model **out) {
    uint32_t *order = calloc(n ? n : 1, sizeof *order);
    uint32_t *pos = calloc(n ? n : 1, sizeof *pos);
    bool *placed = calloc(n ? n : 1, sizeof *placed);
    npu_model *m = npu_model_new();
    npu_status st = NPU_OK;
    if (!order || !pos || !placed || !m)
        st = npu_err_set(c->err, NPU_ERR_INTERNAL, "%s: out of memory", c->what);
    if (!st)
        st = topo_sort(c, ls, n, order, placed);
    for (uint32_t i = 0; !st && i < n; i++) {
        const cmp_pending *l = &ls[order[i]];
        uint32_t in[NPU_MAX_INBOUND];
        for (uint32_t k = 0; k < l->n_inbound; k++)
            in[k] = pos[l->inbound[k]];
        st = npu_model_add(m, l->type, l->name, &l->p, in, l->n_inbound, c->err);
        if (st)
            npu_err_prefix(c->err, "%s: layer '%s'", c->what, l->name);
        pos[order[i]] = i;
    }
    free(order);
    free(pos);
    free(placed);
    if (st) {
        npu_model_free(m);
        return st;
    }
    *out = m;
    return NPU_OK;
}

/* Reads the "layers" array into a new pending-layer list. */
static npu_status read_layers(const cmp_jctx *c, struct fy_node *arr, npu_model **out) {
    if (fy_node_get_type(arr) != FYNT_SEQUENCE)
        return jfail(c, "field 'layers': expected an array, got %s", node_kind(arr));
    const int n = fy_node_sequence_item_count(arr);
    if (n <= 0)
        return jfail(c, "field 'layers': the model has no layers");
    if (n > CMP_MAX_LAYERS)
        return jfail(c, "field 'layers': %d layers (at most %d)", n, CMP_MAX_LAYERS);
    cmp_pending *ls = calloc((size_t)n, sizeof *ls);
    if (!ls)
        return npu_err_set(c->err, NPU_ERR_INTERNAL, "%s: out of memory", c->what);
    npu_status st = NPU_OK;
    void *it = NULL;
    struct fy_node *e;
    uint32_t i = 0;
    while (!st && (e = fy_node_sequence_iterate(arr, &it)) != NULL) {
        st = read_layer(c, i, e, &ls[i]);
        for (uint32_t j = 0; !st && j < i; j++)
            if (strcmp(ls[j].name, ls[i].name) == 0)
                st = jfail(c, "layer '%s': field 'name': duplicate layer name", ls[i].name);
        i++;
    }
    if (!st)
        st = resolve_inbound(c, ls, i);
    if (!st)
        st = build_model(c, ls, i, out);
    free(ls);
    return st;
}

static const char *const TOP_KEYS[] = {"format", "version", "layers", NULL};

/* Checks the top-level object and reads the layers. */
static npu_status read_root(const cmp_jctx *c, struct fy_node *root, npu_model **out) {
    if (!root || fy_node_get_type(root) != FYNT_MAPPING)
        return jfail(c, "expected a JSON object at the top level, got %s", node_kind(root));
    void *it = NULL;
    struct fy_node_pair *pr;
    while ((pr = fy_node_mapping_iterate(root, &it)) != NULL) {
        char key[64];
        if (!key_text(pr, key, sizeof key))
            return jfail(c, "top-level keys must be strings");
        if (key_index(TOP_KEYS, key) < 0) {
            const char *hint = key_suggest(TOP_KEYS, key);
            return jfail(c, "unknown top-level key '%s'%s%s%s", key, hint ? " (did you mean '" : "",
                         hint ? hint : "", hint ? "'?)" : "");
        }
    }
    struct fy_node *fmt = fy_node_mapping_lookup_by_string(root, "format", 6);
    struct fy_node *ver = fy_node_mapping_lookup_by_string(root, "version", 7);
    struct fy_node *layers = fy_node_mapping_lookup_by_string(root, "layers", 6);
    char fs[32];
    if (!fmt || !node_string(fmt, fs, sizeof fs) || strcmp(fs, "akisim-model") != 0)
        return jfail(c, "field 'format': expected \"akisim-model\"");
    int64_t v;
    if (!ver || !node_int(ver, &v))
        return jfail(c, "field 'version': expected an integer, got %s", node_kind(ver));
    if (v != 1)
        return jfail(c, "field 'version': unsupported version %lld (this build reads 1)",
                     (long long)v);
    if (!layers)
        return jfail(c, "missing field 'layers'");
    return read_layers(c, layers, out);
}

/* libfyaml diagnostics are collected, not printed. */
static void fy_quiet_output(struct fy_diag *diag, void *user, const char *buf, size_t len) {
    (void)diag, (void)user, (void)buf, (void)len;
}

npu_status cmp_model_from_json(const char *text, size_t len, const char *what, npu_model **out,
                               npu_err *err) {
    *out = NULL;
    const cmp_jctx c = {what ? what : "model.json", err};
    struct fy_diag_cfg dcfg;
    fy_diag_cfg_default(&dcfg);
    dcfg.fp = NULL;
    dcfg.output_fn = fy_quiet_output;
    dcfg.colorize = false;
    struct fy_diag *diag = fy_diag_create(&dcfg);
    if (!diag)
        return npu_err_set(err, NPU_ERR_INTERNAL, "%s: out of memory", c.what);
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
        st = read_root(&c, fy_document_root(fyd), out);
        fy_document_destroy(fyd);
    }
    fy_diag_destroy(diag);
    return st;
}

/* ---- writing ---- */

/* A growable text buffer; oom latches on the first allocation failure. */
typedef struct cmp_sbuf {
    char *p;    /* text (NUL-terminated) */
    size_t n;   /* length */
    size_t cap; /* allocated bytes */
    bool oom;   /* an allocation failed */
} cmp_sbuf;

static void sb_printf(cmp_sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(cmp_sbuf *b, const char *fmt, ...) {
    if (b->oom)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        const int need = vsnprintf(b->p ? b->p + b->n : NULL, b->p ? b->cap - b->n : 0, fmt, ap);
        va_end(ap);
        if (need < 0) {
            b->oom = true;
            return;
        }
        if (b->p && b->n + (size_t)need < b->cap) {
            b->n += (size_t)need;
            return;
        }
        const size_t cap = (b->cap + (size_t)need + 1) * 2;
        char *q = realloc(b->p, cap);
        if (!q) {
            b->oom = true;
            return;
        }
        b->p = q;
        b->cap = cap;
    }
}

/* Appends s as a JSON string literal. */
static void sb_string(cmp_sbuf *b, const char *s) {
    sb_printf(b, "\"");
    for (const unsigned char *q = (const unsigned char *)s; *q; q++) {
        if (*q == '"' || *q == '\\')
            sb_printf(b, "\\%c", *q);
        else if (*q < 0x20)
            sb_printf(b, "\\u%04x", *q);
        else
            sb_printf(b, "%c", *q);
    }
    sb_printf(b, "\"");
}

/* Appends one parameter value. v1 layers write pairs as [x, y]; v2 layers as one integer
 * when both axes agree. */
static void sb_param(cmp_sbuf *b, const npu_layer *l, cmp_param_id id) {
    const cmp_param_def *d = cmp_param_def_get(id);
    int64_t v[3];
    cmp_param_get(&l->p, id, v);
    sb_printf(b, "\"%s\": ", d->name);
    switch (d->kind) {
    case CMP_PK_SHAPE3:
        sb_printf(b, "[%lld, %lld, %lld]", (long long)v[0], (long long)v[1], (long long)v[2]);
        break;
    case CMP_PK_PAIR:
        if (npu_layer_type_version(l->type) != 1 && v[0] == v[1])
            sb_printf(b, "%lld", (long long)v[0]);
        else
            sb_printf(b, "[%lld, %lld]", (long long)v[0], (long long)v[1]);
        break;
    case CMP_PK_BOOL:
        sb_printf(b, "%s", v[0] ? "true" : "false");
        break;
    case CMP_PK_ENUM: {
        int64_t k = 0;
        while (d->choices[k] && k < v[0])
            k++;
        sb_printf(b, "\"%s\"", d->choices[k] ? d->choices[k] : d->choices[0]);
        break;
    }
    default:
        sb_printf(b, "%lld", (long long)v[0]);
        break;
    }
}

static void sb_layer(cmp_sbuf *b, const npu_model *m, const npu_layer *l, bool last) {
    sb_printf(b, "    {\n      \"name\": ");
    sb_string(b, l->name);
    sb_printf(b, ",\n      \"type\": \"%s\",\n", npu_layer_type_name(l->type));
    if (l->n_inbound > 0) {
        sb_printf(b, "      \"inbound\": [");
        for (uint32_t k = 0; k < l->n_inbound; k++) {
            if (k)
                sb_printf(b, ", ");
            sb_string(b, npu_model_layer(m, l->inbound[k])->name);
        }
        sb_printf(b, "],\n");
    }
    sb_printf(b, "      \"parameters\": {");
    bool first = true;
    for (int i = 0; i < CMP_P_COUNT; i++) {
        if (!cmp_param_allowed(l->type, (cmp_param_id)i))
            continue;
        sb_printf(b, "%s\n        ", first ? "" : ",");
        sb_param(b, l, (cmp_param_id)i);
        first = false;
    }
    sb_printf(b, "%s}\n    }%s\n", first ? "" : "\n      ", last ? "" : ",");
}

npu_status cmp_model_to_json(const npu_model *m, char **text, npu_err *err) {
    *text = NULL;
    cmp_sbuf b = {NULL, 0, 0, false};
    sb_printf(&b, "{\n  \"format\": \"akisim-model\",\n  \"version\": 1,\n  \"layers\": [\n");
    const uint32_t n = npu_model_layer_count(m);
    for (uint32_t i = 0; i < n; i++)
        sb_layer(&b, m, npu_model_layer(m, i), i + 1 == n);
    sb_printf(&b, "  ]\n}\n");
    if (b.oom) {
        free(b.p);
        return npu_err_set(err, NPU_ERR_INTERNAL, "model.json: out of memory");
    }
    *text = b.p;
    return NPU_OK;
}
