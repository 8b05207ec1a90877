/*
 * mesh_yaml: reading and writing mesh files (format in docs/mesh-format.md).
 *
 * Reading uses libfyaml's document (node) API; every key is checked against the format's
 * key list, every value against its range, and each error names the file, the line (when
 * libfyaml knows it) and the field path ("nodes[2].slots[1].types[0]"). Writing emits the
 * same format from a mesh_desc, so export then load gives an equal mesh.
 */
#include <errno.h>
#include <libfyaml.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mesh/mesh_yamldoc.h"
#include "mesh_internal.h"

#define MESH_Y_PATH_MAX 160             /* field path buffer */
#define MESH_YAML_MAX_BYTES (16u << 20) /* refuse mesh files larger than 16 MiB */

typedef struct mesh_yctx {
    const char *file; /* file name for messages */
    npu_err *err;     /* error sink */
    mesh_builder b;   /* slots being built */
} mesh_yctx;

static npu_status mesh_y_fail(mesh_yctx *c, struct fy_node *at, const char *path, const char *fmt,
                              ...) __attribute__((format(printf, 4, 5)));

static npu_status mesh_y_fail(mesh_yctx *c, struct fy_node *at, const char *path, const char *fmt,
                              ...) {
    char msg[NPU_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    int line = mesh_yaml_line(at);
    if (line > 0)
        return npu_err_set(c->err, NPU_ERR_INPUT, "%s:%d: %s: %s", c->file, line, path, msg);
    return npu_err_set(c->err, NPU_ERR_INPUT, "%s: %s: %s", c->file, path, msg);
}

/* Formats a field path (vsnprintf: silently truncated, paths are for messages only). */
static void mesh_y_path(char *dst, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void mesh_y_path(char *dst, size_t n, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dst, n, fmt, ap);
    va_end(ap);
}

static npu_status mesh_y_u64(mesh_yctx *c, struct fy_node *key, struct fy_node *v, const char *path,
                             uint64_t lo, uint64_t hi, uint64_t *out) {
    char buf[32];
    struct fy_node *at = v ? v : key;
    if (!mesh_yaml_text(v, buf, sizeof buf) || !buf[0])
        return mesh_y_fail(c, at, path, "expected an integer %llu..%llu", (unsigned long long)lo,
                           (unsigned long long)hi);
    uint64_t x = 0;
    for (const char *p = buf; *p; p++) {
        if (*p < '0' || *p > '9' || x > (UINT64_MAX - 9u) / 10u)
            return mesh_y_fail(c, at, path, "'%s' is not an integer %llu..%llu", buf,
                               (unsigned long long)lo, (unsigned long long)hi);
        x = x * 10u + (uint64_t)(*p - '0');
    }
    if (x < lo || x > hi)
        return mesh_y_fail(c, at, path, "%llu is outside %llu..%llu", (unsigned long long)x,
                           (unsigned long long)lo, (unsigned long long)hi);
    *out = x;
    return NPU_OK;
}

static npu_status mesh_y_u32(mesh_yctx *c, struct fy_node *key, struct fy_node *v, const char *path,
                             uint32_t lo, uint32_t hi, uint32_t *out) {
    uint64_t x = 0;
    npu_status st = mesh_y_u64(c, key, v, path, lo, hi, &x);
    if (!st)
        *out = (uint32_t)x;
    return st;
}

static npu_status mesh_y_bool(mesh_yctx *c, struct fy_node *key, struct fy_node *v,
                              const char *path, bool *out) {
    char buf[8];
    if (mesh_yaml_text(v, buf, sizeof buf) &&
        (strcmp(buf, "true") == 0 || strcmp(buf, "false") == 0)) {
        *out = buf[0] == 't';
        return NPU_OK;
    }
    return mesh_y_fail(c, v ? v : key, path, "expected true or false");
}

/* [col, row, id] with col, row in 1..255 and id in 0..3. */
static npu_status mesh_y_ident(mesh_yctx *c, struct fy_node *key, struct fy_node *v,
                               const char *path, mesh_ident *out) {
    if (!v || !fy_node_is_sequence(v) || fy_node_sequence_item_count(v) != 3)
        return mesh_y_fail(c, key, path, "expected [col, row, id]");
    static const char *const what[3] = {"col", "row", "id"};
    uint32_t x[3];
    void *it = NULL;
    for (int i = 0; i < 3; i++) {
        struct fy_node *e = fy_node_sequence_iterate(v, &it);
        char sub[MESH_Y_PATH_MAX];
        mesh_y_path(sub, sizeof sub, "%s.%s", path, what[i]);
        npu_status st =
            mesh_y_u32(c, key, e, sub, i < 2 ? 1u : 0u, i < 2 ? MESH_MAX_GRID : 3u, &x[i]);
        if (st)
            return st;
    }
    out->col = (uint8_t)x[0];
    out->row = (uint8_t)x[1];
    out->id = (uint8_t)x[2];
    return NPU_OK;
}

/* ---- keyed mappings ---- */

#define MESH_Y_MAX_KEYS 16

typedef struct mesh_y_map {
    struct fy_node *key[MESH_Y_MAX_KEYS]; /* key node per known key, NULL when absent */
    struct fy_node *val[MESH_Y_MAX_KEYS]; /* value node per known key */
} mesh_y_map;

/* Collects a mapping's pairs by the known key list; unknown keys are errors. */
static npu_status mesh_y_collect(mesh_yctx *c, struct fy_node *map, struct fy_node *at,
                                 const char *path, const char *const *keys, size_t nkeys,
                                 mesh_y_map *out) {
    memset(out, 0, sizeof *out);
    if (!map || !fy_node_is_mapping(map))
        return mesh_y_fail(c, at, path, "expected a mapping");
    void *it = NULL;
    struct fy_node_pair *p;
    while ((p = fy_node_mapping_iterate(map, &it)) != NULL) {
        struct fy_node *k = fy_node_pair_key(p);
        char name[64];
        if (!mesh_yaml_text(k, name, sizeof name))
            return mesh_y_fail(c, k, path, "keys must be short plain scalars");
        size_t i = 0;
        while (i < nkeys && strcmp(keys[i], name) != 0)
            i++;
        if (i == nkeys)
            return mesh_y_fail(c, k, path, "unknown key '%s'", name);
        out->key[i] = k;
        out->val[i] = fy_node_pair_value(p);
    }
    return NPU_OK;
}

static npu_status mesh_y_require(mesh_yctx *c, const mesh_y_map *m, struct fy_node *at,
                                 const char *path, const char *const *keys, size_t nkeys,
                                 uint32_t required_mask) {
    for (size_t i = 0; i < nkeys; i++)
        if ((required_mask & (1u << i)) && !m->key[i])
            return mesh_y_fail(c, at, path, "missing key '%s'", keys[i]);
    return NPU_OK;
}

/* ---- slots and nodes ---- */

enum { SK_ID, SK_TYPES, SK_N };
static const char *const mesh_slot_keys[SK_N] = {"id", "types"};

static npu_status mesh_y_types(mesh_yctx *c, struct fy_node *key, struct fy_node *v,
                               const char *path, int ipv, uint32_t *out) {
    if (!v || !fy_node_is_sequence(v) || fy_node_sequence_item_count(v) < 1)
        return mesh_y_fail(c, key, path, "expected a non-empty list of NP types");
    uint32_t mask = 0;
    void *it = NULL;
    struct fy_node *e;
    for (int i = 0; (e = fy_node_sequence_iterate(v, &it)) != NULL; i++) {
        char name[32] = "", sub[MESH_Y_PATH_MAX];
        mesh_y_path(sub, sizeof sub, "%s[%d]", path, i);
        mesh_np_type t;
        if (!mesh_yaml_text(e, name, sizeof name) || !mesh_np_type_from_name(name, &t))
            return mesh_y_fail(c, e ? e : key, sub,
                               "unknown NP type '%s' (known: CNP1, CNP2, FNP2, FNP3, TNP_B)",
                               fy_node_is_scalar(e) ? name : "?");
        if (t == MESH_NP_HRC)
            return mesh_y_fail(c, e, sub, "HRC is not a slot type; declare it with key 'hrc'");
        if (t == MESH_NP_TNP_B && ipv != 2)
            return mesh_y_fail(c, e, sub, "TNP_B needs ip_version 2");
        if (mask & MESH_TYPE_BIT(t))
            return mesh_y_fail(c, e, sub, "type %s listed twice", name);
        mask |= MESH_TYPE_BIT(t);
    }
    *out = mask;
    return NPU_OK;
}

static npu_status mesh_y_slot(mesh_yctx *c, struct fy_node *v, struct fy_node *at, const char *path,
                              uint8_t col, uint8_t row) {
    mesh_y_map m;
    npu_status st = mesh_y_collect(c, v, at, path, mesh_slot_keys, SK_N, &m);
    if (!st)
        st = mesh_y_require(c, &m, at, path, mesh_slot_keys, SK_N, 3u);
    char sub[MESH_Y_PATH_MAX];
    uint32_t id = 0, types = 0;
    mesh_y_path(sub, sizeof sub, "%s.id", path);
    if (!st)
        st = mesh_y_u32(c, m.key[SK_ID], m.val[SK_ID], sub, 0, 3, &id);
    mesh_y_path(sub, sizeof sub, "%s.types", path);
    if (!st)
        st = mesh_y_types(c, m.key[SK_TYPES], m.val[SK_TYPES], sub, c->b.m->ip_version, &types);
    if (st)
        return st;
    const mesh_desc *d = c->b.m;
    for (uint32_t i = 0; i < d->n_nps; i++) {
        const mesh_ident e = d->nps[i].ident;
        if (e.col == col && e.row == row && e.id == id)
            return mesh_y_fail(c, m.val[SK_ID], path, "duplicate NP ident (%u,%u,%u)", col, row,
                               id);
    }
    st = mesh_builder_add(&c->b, col, row, (uint8_t)id, types, c->err);
    return st ? npu_err_prefix(c->err, "%s: %s", c->file, path) : NPU_OK;
}

enum { NK_COL, NK_ROW, NK_SLOTS, NK_N };
static const char *const mesh_node_keys[NK_N] = {"col", "row", "slots"};

static npu_status mesh_y_node(mesh_yctx *c, struct fy_node *v, struct fy_node *at,
                              const char *path) {
    mesh_y_map m;
    npu_status st = mesh_y_collect(c, v, at, path, mesh_node_keys, NK_N, &m);
    if (!st)
        st = mesh_y_require(c, &m, at, path, mesh_node_keys, NK_N, 7u);
    char sub[MESH_Y_PATH_MAX];
    uint32_t col = 0, row = 0;
    mesh_y_path(sub, sizeof sub, "%s.col", path);
    if (!st)
        st = mesh_y_u32(c, m.key[NK_COL], m.val[NK_COL], sub, 1, c->b.m->cols, &col);
    mesh_y_path(sub, sizeof sub, "%s.row", path);
    if (!st)
        st = mesh_y_u32(c, m.key[NK_ROW], m.val[NK_ROW], sub, 1, c->b.m->rows, &row);
    if (st)
        return st;
    struct fy_node *slots = m.val[NK_SLOTS];
    mesh_y_path(sub, sizeof sub, "%s.slots", path);
    if (!slots || !fy_node_is_sequence(slots) || fy_node_sequence_item_count(slots) < 1)
        return mesh_y_fail(c, m.key[NK_SLOTS], sub, "expected a non-empty list of slots");
    void *it = NULL;
    struct fy_node *e;
    for (int i = 0; (e = fy_node_sequence_iterate(slots, &it)) != NULL; i++) {
        char spath[MESH_Y_PATH_MAX];
        mesh_y_path(spath, sizeof spath, "%s.slots[%d]", path, i);
        st = mesh_y_slot(c, e, m.key[NK_SLOTS], spath, (uint8_t)col, (uint8_t)row);
        if (st)
            return st;
    }
    return NPU_OK;
}

/* ---- top level ---- */

enum {
    K_VERSION,
    K_NAME,
    K_IPV,
    K_CLOCK,
    K_COLS,
    K_ROWS,
    K_INSRAM,
    K_WSRAM,
    K_PR,
    K_EXTMEM,
    K_HRC,
    K_DMA_CONF,
    K_DMA_EVENT,
    K_SKIP,
    K_NODES,
    K_N
};
static const char *const mesh_top_keys[K_N] = {
    "version", "name",       "ip_version",  "clock_mhz",        "cols",
    "rows",    "input_sram", "weight_sram", "partial_reconfig", "external_memory",
    "hrc",     "dma_conf",   "dma_event",   "skip_dma",         "nodes"};
#define MESH_TOP_REQUIRED                                                                          \
    ((1u << K_VERSION) | (1u << K_IPV) | (1u << K_COLS) | (1u << K_ROWS) | (1u << K_DMA_CONF) |    \
     (1u << K_DMA_EVENT) | (1u << K_NODES))

static void mesh_y_default_name(mesh_desc *d, const char *file) {
    const char *base = strrchr(file, '/');
    base = base ? base + 1 : file;
    mesh_set_name(d, base);
    char *dot = strrchr(d->name, '.');
    if (dot && dot != d->name)
        *dot = '\0';
}

static npu_status mesh_y_scalars(mesh_yctx *c, const mesh_y_map *m) {
    mesh_desc *d = c->b.m;
    uint64_t ver = 0, ipv = 0;
    npu_status st = mesh_y_u64(c, m->key[K_VERSION], m->val[K_VERSION], "version", 1, 1, &ver);
    if (!st)
        st = mesh_y_u64(c, m->key[K_IPV], m->val[K_IPV], "ip_version", 1, 2, &ipv);
    if (st)
        return st;
    mesh_set_version_defaults(d, (int)ipv);
    d->clock_mhz = 300;
    if (m->key[K_NAME]) {
        if (!mesh_yaml_text(m->val[K_NAME], d->name, sizeof d->name))
            return mesh_y_fail(c, m->key[K_NAME], "name", "expected a string of < 64 bytes");
    } else {
        mesh_y_default_name(d, c->file);
    }
    st = mesh_y_u32(c, m->key[K_COLS], m->val[K_COLS], "cols", 1, MESH_MAX_GRID, &d->cols);
    if (!st)
        st = mesh_y_u32(c, m->key[K_ROWS], m->val[K_ROWS], "rows", 1, MESH_MAX_GRID, &d->rows);
    if (!st && m->key[K_CLOCK])
        st = mesh_y_u32(c, m->key[K_CLOCK], m->val[K_CLOCK], "clock_mhz", 1, 100000, &d->clock_mhz);
    if (!st && m->key[K_INSRAM])
        st = mesh_y_u32(c, m->key[K_INSRAM], m->val[K_INSRAM], "input_sram", 1, UINT32_MAX,
                        &d->input_sram);
    if (!st && m->key[K_WSRAM])
        st = mesh_y_u32(c, m->key[K_WSRAM], m->val[K_WSRAM], "weight_sram", 1, UINT32_MAX,
                        &d->weight_sram);
    if (!st && m->key[K_PR])
        st = mesh_y_bool(c, m->key[K_PR], m->val[K_PR], "partial_reconfig", &d->partial_reconfig);
    if (!st && m->key[K_EXTMEM])
        st = mesh_y_u64(c, m->key[K_EXTMEM], m->val[K_EXTMEM], "external_memory", 0, UINT64_MAX / 2,
                        &d->external_memory);
    if (!st && m->key[K_SKIP])
        st = mesh_y_u32(c, m->key[K_SKIP], m->val[K_SKIP], "skip_dma", 0, 64u, &d->skip_dma);
    return st;
}

static npu_status mesh_y_endpoints(mesh_yctx *c, const mesh_y_map *m) {
    mesh_desc *d = c->b.m;
    npu_status st =
        mesh_y_ident(c, m->key[K_DMA_CONF], m->val[K_DMA_CONF], "dma_conf", &d->dma_conf);
    if (!st)
        st = mesh_y_ident(c, m->key[K_DMA_EVENT], m->val[K_DMA_EVENT], "dma_event", &d->dma_event);
    if (st)
        return st;
    d->has_hrc = true;
    d->hrc = d->dma_event;
    struct fy_node *h = m->val[K_HRC];
    if (!m->key[K_HRC])
        return NPU_OK;
    if (h && fy_node_is_sequence(h))
        return mesh_y_ident(c, m->key[K_HRC], h, "hrc", &d->hrc);
    return mesh_y_bool(c, m->key[K_HRC], h, "hrc", &d->has_hrc);
}

static npu_status mesh_y_nodes(mesh_yctx *c, const mesh_y_map *m) {
    struct fy_node *nodes = m->val[K_NODES];
    if (!nodes || !fy_node_is_sequence(nodes) || fy_node_sequence_item_count(nodes) < 1)
        return mesh_y_fail(c, m->key[K_NODES], "nodes", "expected a non-empty list of nodes");
    void *it = NULL;
    struct fy_node *e;
    for (int i = 0; (e = fy_node_sequence_iterate(nodes, &it)) != NULL; i++) {
        char path[MESH_Y_PATH_MAX];
        mesh_y_path(path, sizeof path, "nodes[%d]", i);
        npu_status st = mesh_y_node(c, e, m->key[K_NODES], path);
        if (st)
            return st;
    }
    return NPU_OK;
}

static npu_status mesh_y_document(mesh_yctx *c, struct fy_node *root) {
    mesh_y_map m;
    npu_status st = mesh_y_collect(c, root, NULL, "(top level)", mesh_top_keys, K_N, &m);
    if (!st)
        st = mesh_y_require(c, &m, NULL, "(top level)", mesh_top_keys, K_N, MESH_TOP_REQUIRED);
    if (!st)
        st = mesh_y_scalars(c, &m);
    if (!st)
        st = mesh_y_endpoints(c, &m);
    if (!st)
        st = mesh_y_nodes(c, &m);
    return st;
}

npu_status mesh_parse_yaml(const char *text, size_t len, const char *filename, mesh_desc *out,
                           npu_err *err) {
    const char *file = filename ? filename : "(mesh)";
    mesh_yctx c = {.file = file, .err = err};
    mesh_builder_init(&c.b, out);
    if (!text)
        return npu_err_set(err, NPU_ERR_INPUT, "%s: no text", file);
    struct fy_document *doc = mesh_yaml_document(text, len, file, err);
    if (!doc)
        return err && err->status ? err->status : NPU_ERR_INPUT;
    struct fy_node *root = fy_document_root(doc);
    npu_status st = root ? mesh_y_document(&c, root)
                         : npu_err_set(err, NPU_ERR_INPUT, "%s: empty document", file);
    fy_document_destroy(doc);
    if (st) {
        mesh_free(out);
        return st;
    }
    return mesh_finish(out, file, err);
}

npu_status mesh_load_yaml(const char *path, mesh_desc *out, npu_err *err) {
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f)
        return npu_err_set(err, NPU_ERR_INPUT, "cannot open mesh file '%s': %s", path,
                           strerror(errno));
    char *buf = malloc(MESH_YAML_MAX_BYTES + 1u);
    if (!buf) {
        fclose(f);
        return npu_err_set(err, NPU_ERR_INTERNAL, "%s: out of memory", path);
    }
    errno = 0;
    size_t n = fread(buf, 1, MESH_YAML_MAX_BYTES + 1u, f);
    const int read_errno = errno;
    bool bad = ferror(f) != 0;
    fclose(f);
    npu_status st;
    if (bad)
        st = npu_err_set(err, NPU_ERR_INPUT, "cannot read mesh file '%s': %s", path,
                         read_errno ? strerror(read_errno) : "read error");
    else if (n > MESH_YAML_MAX_BYTES)
        st = npu_err_set(err, NPU_ERR_INPUT, "%s: larger than %u bytes", path, MESH_YAML_MAX_BYTES);
    else
        st = mesh_parse_yaml(buf, n, path, out, err);
    free(buf);
    return st;
}

/* ---- writing ---- */

static void mesh_y_emit_ident(mesh_sb *sb, const char *key, mesh_ident id) {
    mesh_sb_printf(sb, "%s: [%u, %u, %u]\n", key, id.col, id.row, id.id);
}

static void mesh_y_emit_types(mesh_sb *sb, uint32_t types) {
    bool first = true;
    mesh_sb_printf(sb, "[");
    for (int t = 0; t < MESH_NP_TYPE_COUNT; t++) {
        if (!(types & MESH_TYPE_BIT(t)))
            continue;
        mesh_sb_printf(sb, "%s%s", first ? "" : ", ", mesh_np_type_name((mesh_np_type)t));
        first = false;
    }
    mesh_sb_printf(sb, "]");
}

static void mesh_y_emit_nodes(mesh_sb *sb, const mesh_desc *m) {
    mesh_sb_printf(sb, "nodes:\n");
    for (uint32_t i = 0; i < m->n_nps; i++) {
        const mesh_np *np = &m->nps[i];
        bool new_node =
            i == 0 || np[-1].ident.col != np->ident.col || np[-1].ident.row != np->ident.row;
        if (new_node)
            mesh_sb_printf(sb, "  - col: %u\n    row: %u\n    slots:\n", np->ident.col,
                           np->ident.row);
        mesh_sb_printf(sb, "      - {id: %u, types: ", np->ident.id);
        mesh_y_emit_types(sb, np->types);
        mesh_sb_printf(sb, "}\n");
    }
}

char *mesh_to_yaml(const mesh_desc *m) {
    mesh_sb sb;
    mesh_sb_init(&sb);
    mesh_sb_printf(&sb, "# akisim mesh description (format: docs/mesh-format.md)\n");
    mesh_sb_printf(&sb, "version: 1\nname: ");
    mesh_sb_quoted(&sb, m->name);
    mesh_sb_printf(&sb, "\nip_version: %d\nclock_mhz: %u\ncols: %u\nrows: %u\n", m->ip_version,
                   m->clock_mhz, m->cols, m->rows);
    mesh_sb_printf(&sb, "input_sram: %u\nweight_sram: %u\nexternal_memory: %llu\n", m->input_sram,
                   m->weight_sram, (unsigned long long)m->external_memory);
    mesh_sb_printf(&sb, "partial_reconfig: %s\nskip_dma: %u\n",
                   m->partial_reconfig ? "true" : "false", m->skip_dma);
    mesh_y_emit_ident(&sb, "dma_event", m->dma_event);
    mesh_y_emit_ident(&sb, "dma_conf", m->dma_conf);
    if (!m->has_hrc)
        mesh_sb_printf(&sb, "hrc: false\n");
    else if (mesh_ident_cmp(m->hrc, m->dma_event) == 0)
        mesh_sb_printf(&sb, "hrc: true\n");
    else
        mesh_y_emit_ident(&sb, "hrc", m->hrc);
    mesh_y_emit_nodes(&sb, m);
    return mesh_sb_take(&sb);
}

npu_status mesh_save_yaml(const mesh_desc *m, const char *path, npu_err *err) {
    char *text = mesh_to_yaml(m);
    if (!text)
        return npu_err_set(err, NPU_ERR_INTERNAL, "out of memory writing '%s'", path);
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 16);
    if (!tmp) {
        free(text);
        return npu_err_set(err, NPU_ERR_INTERNAL, "out of memory writing '%s'", path);
    }
    snprintf(tmp, plen + 16, "%s.tmp", path);
    npu_status st = NPU_OK;
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        st = npu_err_set(err, NPU_ERR_INPUT, "cannot write '%s': %s", path, strerror(errno));
    } else {
        size_t len = strlen(text);
        bool ok = fwrite(text, 1, len, f) == len;
        ok = (fclose(f) == 0) && ok;
        if (!ok || rename(tmp, path) != 0) {
            st =
                npu_err_set(err, NPU_ERR_INTERNAL, "error writing '%s': %s", path, strerror(errno));
            remove(tmp);
        }
    }
    free(tmp);
    free(text);
    return st;
}
