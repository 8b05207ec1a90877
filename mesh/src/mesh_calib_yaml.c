/*
 * mesh_calib_yaml: reading and writing calibration files.
 *
 * A calibration file is a YAML mapping whose keys are the field names of mesh_calib; the NP
 * formula parameters sit under `np:` (per-kernel CNP costs under `np.cnp_event_cycles:` keyed
 * 1..7) and the clock modes under `clock:` (Performance / Economy / LowPower, any case, each
 * with freq_mhz and voltage_v). Optional `version: 1` and `name:`. The reader walks the
 * document with libfyaml's node API against the field table (mesh_calib_internal.h): unknown
 * keys fail with a did-you-mean, values are parsed strictly, and the result is validated with
 * the file, line and field in the message. The writer emits the same format (shortest
 * round-trip decimal for each number), so export then load gives an equal calibration.
 */
#include <errno.h>
#include <libfyaml.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mesh/mesh_yamldoc.h"
#include "mesh_calib_internal.h"
#include "mesh_internal.h"

#define MESH_CALIB_MAX_BYTES (1u << 20) /* refuse calibration files larger than 1 MiB */

typedef struct mesh_cyctx {
    const char *file;                 /* file name for messages */
    npu_err *err;                     /* error sink */
    mesh_calib *c;                    /* calibration being filled */
    int line[MESH_CALIB_MAX_FIELDS];  /* line where each field was read, 0 when absent */
    bool seen[MESH_CALIB_MAX_FIELDS]; /* field present in the file */
    bool has_name;                    /* the file set `name:` */
} mesh_cyctx;

static npu_status mesh_cy_fail(mesh_cyctx *c, struct fy_node *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static npu_status mesh_cy_fail(mesh_cyctx *c, struct fy_node *at, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    const npu_status st = mesh_yaml_vfail(c->err, c->file, at, fmt, ap);
    va_end(ap);
    return st;
}

static npu_status mesh_cy_value(mesh_cyctx *c, int idx, struct fy_node *key, struct fy_node *v) {
    size_t n = 0;
    const mesh_calib_field *f = &mesh_calib_fields(&n)[idx];
    char text[128], why[160];
    if (c->seen[idx])
        return mesh_cy_fail(c, key, "calibration field '%s' is set twice (first at line %d)",
                            f->name, c->line[idx]);
    if (!mesh_yaml_text(v, text, sizeof text))
        return mesh_cy_fail(c, mesh_yaml_blame(v, key), "calibration field '%s': expected a number",
                            f->name);
    if (!mesh_calib_parse_value(f, text, c->c, why, sizeof why))
        return mesh_cy_fail(c, v, "calibration field '%s': %s", f->name, why);
    c->seen[idx] = true;
    c->line[idx] = mesh_yaml_line(v);
    return NPU_OK;
}

/* The top-level keys that are not fields: name and version. */
static npu_status mesh_cy_meta(mesh_cyctx *c, const char *key, struct fy_node *k, struct fy_node *v,
                               bool *handled) {
    char text[MESH_CALIB_NAME_MAX];
    *handled = true;
    if (strcmp(key, "name") == 0) {
        if (!mesh_yaml_text(v, text, sizeof c->c->name) || !text[0])
            return mesh_cy_fail(c, mesh_yaml_blame(v, k),
                                "'name' must be a string of 1..%zu characters",
                                sizeof c->c->name - 1);
        snprintf(c->c->name, sizeof c->c->name, "%s", text);
        c->has_name = true;
        return NPU_OK;
    }
    if (strcmp(key, "version") == 0) {
        if (!mesh_yaml_text(v, text, sizeof text) || strcmp(text, "1") != 0)
            return mesh_cy_fail(c, mesh_yaml_blame(v, k),
                                "'version' must be %d (the only format version)",
                                MESH_CALIB_FORMAT_VERSION);
        return NPU_OK;
    }
    *handled = false;
    return NPU_OK;
}

static npu_status mesh_cy_mapping(mesh_cyctx *c, struct fy_node *map, const char *prefix);

/* One key/value pair of a mapping at `prefix` ("" at the top level). */
static npu_status mesh_cy_pair(mesh_cyctx *c, const char *prefix, struct fy_node *k,
                               struct fy_node *v) {
    char key[MESH_CALIB_NAME_MAX], path[2 * MESH_CALIB_NAME_MAX + 2];
    if (!mesh_yaml_text(k, key, sizeof key) || !key[0])
        return mesh_cy_fail(c, k, "%s%skeys must be short plain scalars", prefix,
                            prefix[0] ? ": " : "");
    if (!prefix[0]) {
        bool handled = false;
        npu_status st = mesh_cy_meta(c, key, k, v, &handled);
        if (st || handled)
            return st;
    }
    snprintf(path, sizeof path, "%s%s%s", prefix, prefix[0] ? "." : "", key);
    if (strcmp(prefix, "clock") == 0 && !mesh_calib_canonical_name(path, sizeof path))
        return mesh_cy_fail(c, k,
                            "unknown clock mode 'clock.%s' (known: Performance, Economy, "
                            "LowPower)",
                            key);
    const int idx = mesh_calib_field_find(path);
    if (idx >= 0)
        return mesh_cy_value(c, idx, k, v);
    if (mesh_calib_field_is_group(path)) {
        if (!v || !fy_node_is_mapping(v))
            return mesh_cy_fail(c, mesh_yaml_blame(v, k), "'%s' must be a mapping", path);
        return mesh_cy_mapping(c, v, path);
    }
    char hint[MESH_CALIB_NAME_MAX];
    if (mesh_calib_suggest(path, key, hint, sizeof hint))
        return mesh_cy_fail(c, k, "unknown key '%s' (did you mean '%s'?)", path, hint);
    return mesh_cy_fail(c, k, "unknown key '%s' (fields: docs/timing-model.md)", path);
}

static npu_status mesh_cy_mapping(mesh_cyctx *c, struct fy_node *map, const char *prefix) {
    void *it = NULL;
    struct fy_node_pair *p;
    while ((p = fy_node_mapping_iterate(map, &it)) != NULL) {
        npu_status st = mesh_cy_pair(c, prefix, fy_node_pair_key(p), fy_node_pair_value(p));
        if (st)
            return st;
    }
    return NPU_OK;
}

/* Every field must be present (the base was not a valid calibration). */
static npu_status mesh_cy_require_all(mesh_cyctx *c) {
    size_t n = 0, missing = 0, first = 0;
    const mesh_calib_field *f = mesh_calib_fields(&n);
    for (size_t i = 0; i < n; i++)
        if (!c->seen[i] && missing++ == 0)
            first = i;
    if (!missing)
        return NPU_OK;
    return npu_err_set(c->err, NPU_ERR_INPUT,
                       "%s: missing calibration field '%s'%s (a file loaded without valid "
                       "defaults must set every field; see docs/timing-model.md)",
                       c->file, f[first].name, missing > 1 ? " and others" : "");
}

/* Base name of a path without a ".yaml"/".yml" extension. */
static void mesh_cy_set_name_from(mesh_calib *c, const char *file) {
    const char *base = strrchr(file, '/');
    base = base ? base + 1 : file;
    size_t len = strlen(base);
    if (len > 5 && strcmp(base + len - 5, ".yaml") == 0)
        len -= 5;
    else if (len > 4 && strcmp(base + len - 4, ".yml") == 0)
        len -= 4;
    if (len >= sizeof c->name)
        len = sizeof c->name - 1;
    memcpy(c->name, base, len);
    c->name[len] = '\0';
}

npu_status mesh_calib_parse_yaml(const char *text, size_t len, const char *filename,
                                 mesh_calib *out, npu_err *err) {
    const char *file = filename ? filename : "(calibration)";
    if (!text || !out)
        return npu_err_set(err, NPU_ERR_INPUT, "%s: no calibration text", file);
    const bool full = mesh_calib_validate(out, NULL) != NPU_OK;
    mesh_calib tmp = *out;
    mesh_cyctx *c = calloc(1, sizeof *c);
    if (!c)
        return npu_err_set(err, NPU_ERR_INTERNAL, "%s: out of memory", file);
    c->file = file;
    c->err = err;
    c->c = &tmp;
    npu_status st = NPU_OK;
    struct fy_document *doc = mesh_yaml_document(text, len, file, err);
    struct fy_node *root = doc ? fy_document_root(doc) : NULL;
    if (!doc)
        st = err && err->status ? err->status : NPU_ERR_INPUT;
    else if (!root || !fy_node_is_mapping(root))
        st = npu_err_set(err, NPU_ERR_INPUT, "%s: a calibration file is a YAML mapping", file);
    else
        st = mesh_cy_mapping(c, root, "");
    if (!st && full)
        st = mesh_cy_require_all(c);
    if (!st && !c->has_name)
        mesh_cy_set_name_from(&tmp, file);
    if (!st)
        st = mesh_calib_validate_at(&tmp, file, c->line, err);
    if (doc)
        fy_document_destroy(doc);
    free(c);
    if (!st)
        *out = tmp;
    return st;
}

npu_status mesh_calib_load(const char *path, mesh_calib *out, npu_err *err) {
    if (!path)
        return npu_err_set(err, NPU_ERR_INPUT, "no calibration file given");
    FILE *f = fopen(path, "rb");
    if (!f)
        return npu_err_set(err, NPU_ERR_INPUT, "cannot open calibration file '%s': %s", path,
                           strerror(errno));
    char *buf = malloc(MESH_CALIB_MAX_BYTES + 1u);
    if (!buf) {
        fclose(f);
        return npu_err_set(err, NPU_ERR_INTERNAL, "%s: out of memory", path);
    }
    errno = 0;
    const size_t n = fread(buf, 1, MESH_CALIB_MAX_BYTES + 1u, f);
    const int read_errno = errno;
    const bool bad = ferror(f) != 0;
    fclose(f);
    npu_status st;
    if (bad)
        st = npu_err_set(err, NPU_ERR_INPUT, "cannot read calibration file '%s': %s", path,
                         read_errno ? strerror(read_errno) : "read error");
    else if (n > MESH_CALIB_MAX_BYTES)
        st =
            npu_err_set(err, NPU_ERR_INPUT, "%s: larger than %u bytes", path, MESH_CALIB_MAX_BYTES);
    else
        st = mesh_calib_parse_yaml(buf, n, path, out, err);
    free(buf);
    return st;
}

/* ---- writing ---- */

/* Shortest decimal that reads back to exactly v (whole numbers below 1e15 in plain digits). */
static void mesh_cy_number(char *buf, size_t n, double v) {
    if (isfinite(v) && floor(v) == v && fabs(v) < 1e15) {
        snprintf(buf, n, "%.0f", v);
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, n, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
    snprintf(buf, n, "%.17g", v);
}

/* Number of leading dotted segments two names share. */
static size_t mesh_cy_common_segments(const char *a, const char *b) {
    size_t segs = 0;
    for (size_t i = 0;; i++) {
        if (a[i] != b[i])
            return segs;
        if (a[i] == '.')
            segs++;
        if (!a[i])
            return segs;
    }
}

/* Emits the value line of field f, opening the mappings its name enters after `prev`. */
static void mesh_cy_emit_field(mesh_sb *sb, const mesh_calib *c, const mesh_calib_field *f,
                               const char *prev) {
    const size_t shared = prev ? mesh_cy_common_segments(prev, f->name) : 0;
    const char *seg = f->name;
    size_t depth = 0;
    for (const char *dot; (dot = strchr(seg, '.')) != NULL; seg = dot + 1, depth++)
        if (depth >= shared)
            mesh_sb_printf(sb, "%*s%.*s:\n", (int)(2 * depth), "", (int)(dot - seg), seg);
    char num[40];
    if (f->kind == MESH_CK_F64)
        mesh_cy_number(num, sizeof num, mesh_calib_value(c, f));
    else if (f->kind == MESH_CK_U32)
        snprintf(num, sizeof num, "%u", *(const uint32_t *)((const char *)c + f->offset));
    else
        snprintf(num, sizeof num, "%llu",
                 (unsigned long long)*(const uint64_t *)((const char *)c + f->offset));
    mesh_sb_printf(sb, "%*s%s: %s  # %s\n", (int)(2 * depth), "", seg, num, f->unit);
}

char *mesh_calib_to_yaml(const mesh_calib *c) {
    mesh_sb sb;
    mesh_sb_init(&sb);
    mesh_sb_printf(&sb,
                   "# akisim calibration (fields, units and formulas: "
                   "docs/timing-model.md)\nversion: %d\nname: ",
                   MESH_CALIB_FORMAT_VERSION);
    mesh_sb_quoted(&sb, c->name);
    mesh_sb_printf(&sb, "\n");
    size_t n = 0;
    const mesh_calib_field *f = mesh_calib_fields(&n);
    for (size_t i = 0; i < n; i++)
        mesh_cy_emit_field(&sb, c, &f[i], i ? f[i - 1].name : NULL);
    return mesh_sb_take(&sb);
}

npu_status mesh_calib_save_yaml(const mesh_calib *c, const char *path, npu_err *err) {
    char *text = mesh_calib_to_yaml(c);
    const size_t plen = strlen(path);
    char *tmp = malloc(plen + 16);
    if (!text || !tmp) {
        free(text);
        free(tmp);
        return npu_err_set(err, NPU_ERR_INTERNAL, "out of memory writing '%s'", path);
    }
    snprintf(tmp, plen + 16, "%s.tmp", path);
    npu_status st = NPU_OK;
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        st = npu_err_set(err, NPU_ERR_INPUT, "cannot write '%s': %s", path, strerror(errno));
    } else {
        const size_t len = strlen(text);
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
