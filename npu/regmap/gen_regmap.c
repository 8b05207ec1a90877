/*
 * gen_regmap: build-time generator of the NP register map artefacts.
 *
 * Reads the one machine-readable register-map description (npu/regmap/regmap.yaml, parsed
 * with libfyaml), validates it, and writes three views of it: a C header (offsets, LSB,
 * width and mask per field, the region enum, static inline get/set helpers and descriptor
 * tables for generic decoding), a Verilog include (`define per field, for the RTL) and the
 * markdown tables of docs/register-map.md. Output is deterministic (no dates), each file is
 * written to a temporary name and renamed. A bad description (overlapping fields, zero width,
 * a field beyond bit 31, duplicate names, unknown keys...) makes it exit 1 with a
 * "file:line: what" message on stderr and no output written.
 *
 * Usage: gen_regmap REGMAP.yaml --c OUT.h --verilog OUT.vh --md OUT.md  (any subset of outputs)
 */
#include <ctype.h>
#include <errno.h>
#include <libfyaml.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RM_NAME_MAX 48
#define RM_MAX_TYPES 8
#define RM_MAX_REGIONS 16
#define RM_MAX_FIELDS 32
#define RM_MAX_REGS 128
#define RM_MAX_MESH_TYPES 8

typedef struct rm_field {
    char name[RM_NAME_MAX]; /* field name (upper-case identifier) */
    unsigned lsb;           /* least significant bit */
    unsigned width;         /* width in bits (1..32) */
    char *desc;             /* description (owned) */
    int line;               /* source line of the field */
} rm_field;

typedef struct rm_reg {
    char name[RM_NAME_MAX];         /* register (or region word) name */
    unsigned offset;                /* word offset (within the block or the region entry) */
    unsigned count;                 /* consecutive words (register arrays), >= 1 */
    uint32_t reset;                 /* reset value of each word */
    unsigned types;                 /* bit mask of rm_type indices holding it (registers) */
    char *desc;                     /* description (owned) */
    size_t n_fields;                /* number of fields */
    rm_field fields[RM_MAX_FIELDS]; /* fields */
    int line;                       /* source line of the name */
} rm_reg;

typedef struct rm_region {
    char name[RM_NAME_MAX];      /* region name */
    unsigned id;                 /* region id (index into the region enum) */
    unsigned entry_words;        /* words per entry (0 = free layout, e.g. weights) */
    char *desc;                  /* description (owned) */
    size_t n_words;              /* words described per entry */
    rm_reg words[RM_MAX_FIELDS]; /* entry words */
    int line;                    /* source line */
} rm_region;

typedef struct rm_type {
    char name[RM_NAME_MAX];                          /* NP type name (HRC, CNP, FNP) */
    char *desc;                                      /* description (owned) */
    size_t n_mesh;                                   /* number of mesh types acting as it */
    char mesh_types[RM_MAX_MESH_TYPES][RM_NAME_MAX]; /* mesh NP type names */
    unsigned nregs;                                  /* register block size in words */
    unsigned regions;                                /* bit mask of region ids */
    int line;                                        /* source line */
} rm_type;

typedef struct rm_map {
    char name[RM_NAME_MAX];            /* map name */
    unsigned version;                  /* description version */
    unsigned max_dest;                 /* max destinations per NP */
    size_t n_types;                    /* NP types */
    rm_type types[RM_MAX_TYPES];       /* NP types */
    size_t n_regs;                     /* registers */
    rm_reg regs[RM_MAX_REGS];          /* registers */
    size_t n_regions;                  /* SRAM regions */
    rm_region regions[RM_MAX_REGIONS]; /* regions */
} rm_map;

/* Parse context: the file name for messages. */
typedef struct rm_ctx {
    const char *file; /* description path */
} rm_ctx;

/* ---------------------------------------------------------------- errors and YAML access */

static int node_line(struct fy_node *n) {
    if (n == NULL || !fy_node_is_scalar(n)) {
        return 0;
    }
    struct fy_token *t = fy_node_get_scalar_token(n);
    const struct fy_mark *m = t ? fy_token_start_mark(t) : NULL;
    return m ? m->line + 1 : 0;
}

/* Prints "file:line: message" and returns -1. */
static int fail(const rm_ctx *c, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(const rm_ctx *c, int line, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s:%d: ", c->file, line);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return -1;
}

static struct fy_node *lookup(struct fy_node *map, const char *key) {
    return fy_node_mapping_lookup_by_string(map, key, FY_NT);
}

/* Line of a mapping: the line of its "name" value (or of any scalar value). */
static int map_line(struct fy_node *map) {
    struct fy_node *n = lookup(map, "name");
    if (n != NULL) {
        return node_line(n);
    }
    void *it = NULL;
    struct fy_node_pair *p = fy_node_mapping_iterate(map, &it);
    return p ? node_line(fy_node_pair_key(p)) : 0;
}

/* Rejects keys of a mapping not listed in allowed (NULL-terminated). */
static int check_keys(const rm_ctx *c, struct fy_node *map, const char *what,
                      const char *const *allowed) {
    void *it = NULL;
    struct fy_node_pair *p;
    while ((p = fy_node_mapping_iterate(map, &it)) != NULL) {
        struct fy_node *k = fy_node_pair_key(p);
        const char *ks = k && fy_node_is_scalar(k) ? fy_node_get_scalar0(k) : NULL;
        bool ok = false;
        for (size_t i = 0; ks && allowed[i]; i++) {
            ok = ok || strcmp(ks, allowed[i]) == 0;
        }
        if (!ok) {
            return fail(c, node_line(k), "%s: unknown key '%s'", what, ks ? ks : "?");
        }
    }
    return 0;
}

/* Reads a required scalar string. */
static int get_str(const rm_ctx *c, struct fy_node *map, const char *key, const char *what,
                   const char **out) {
    struct fy_node *n = lookup(map, key);
    if (n == NULL || !fy_node_is_scalar(n)) {
        return fail(c, map_line(map), "%s: missing or non-scalar '%s'", what, key);
    }
    *out = fy_node_get_scalar0(n);
    return *out ? 0 : fail(c, node_line(n), "%s: bad '%s'", what, key);
}

/* Reads an unsigned integer (decimal or 0x hex); def is used when absent and !required. */
static int get_uint(const rm_ctx *c, struct fy_node *map, const char *key, const char *what,
                    bool required, uint64_t def, uint64_t max, uint64_t *out) {
    struct fy_node *n = lookup(map, key);
    if (n == NULL) {
        if (required) {
            return fail(c, map_line(map), "%s: missing '%s'", what, key);
        }
        *out = def;
        return 0;
    }
    const char *s = fy_node_is_scalar(n) ? fy_node_get_scalar0(n) : NULL;
    char *end = NULL;
    errno = 0;
    unsigned long long v = s && isdigit((unsigned char)s[0]) ? strtoull(s, &end, 0) : 0;
    if (s == NULL || end == NULL || *end != '\0' || errno != 0 || v > max) {
        return fail(c, node_line(n), "%s: '%s' must be an integer in 0..%llu, got '%s'", what, key,
                    (unsigned long long)max, s ? s : "?");
    }
    *out = v;
    return 0;
}

static int get_name(const rm_ctx *c, struct fy_node *map, const char *what, char *out) {
    const char *s;
    if (get_str(c, map, "name", what, &s) != 0) {
        return -1;
    }
    size_t len = strlen(s);
    bool ok = len > 0 && len < RM_NAME_MAX && isupper((unsigned char)s[0]);
    for (size_t i = 0; ok && i < len; i++) {
        ok = isupper((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '_';
    }
    if (!ok) {
        return fail(c, node_line(lookup(map, "name")),
                    "%s: name '%s' must be an upper-case identifier ([A-Z][A-Z0-9_]*)", what, s);
    }
    memcpy(out, s, len + 1);
    return 0;
}

/* strdup (not in C11). */
static char *rm_strdup(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    return d ? memcpy(d, s, n) : NULL;
}

static char *dup_desc(struct fy_node *map) {
    struct fy_node *n = lookup(map, "description");
    const char *s = n && fy_node_is_scalar(n) ? fy_node_get_scalar0(n) : "";
    return rm_strdup(s ? s : "");
}

static struct fy_node *get_seq(const rm_ctx *c, struct fy_node *map, const char *key,
                               const char *what, bool required) {
    struct fy_node *n = lookup(map, key);
    if (n == NULL && !required) {
        return NULL;
    }
    if (n == NULL || !fy_node_is_sequence(n)) {
        fail(c, map_line(map), "%s: '%s' must be a sequence", what, key);
        return NULL;
    }
    return n;
}

/* ---------------------------------------------------------------- parsing */

static int parse_field(const rm_ctx *c, struct fy_node *n, const char *owner, rm_field *f) {
    static const char *const keys[] = {"name", "lsb", "width", "description", NULL};
    char what[160];
    snprintf(what, sizeof what, "%s: field", owner);
    if (!fy_node_is_mapping(n)) {
        return fail(c, 0, "%s must be a mapping", what);
    }
    uint64_t lsb, width;
    if (get_name(c, n, what, f->name) != 0) {
        return -1;
    }
    snprintf(what, sizeof what, "%s: field %s", owner, f->name);
    f->line = map_line(n);
    if (check_keys(c, n, what, keys) != 0 ||
        get_uint(c, n, "lsb", what, true, 0, 1000, &lsb) != 0 ||
        get_uint(c, n, "width", what, true, 0, 1000, &width) != 0) {
        return -1;
    }
    if (width == 0) {
        return fail(c, f->line, "%s: width 0", what);
    }
    if (lsb + width > 32) {
        return fail(c, f->line, "%s: bits %llu..%llu go beyond bit 31", what,
                    (unsigned long long)lsb, (unsigned long long)(lsb + width - 1));
    }
    f->lsb = (unsigned)lsb;
    f->width = (unsigned)width;
    f->desc = dup_desc(n);
    return 0;
}

static uint32_t field_mask(const rm_field *f) {
    return (f->width == 32 ? 0xffffffffu : ((1u << f->width) - 1u)) << f->lsb;
}

static uint32_t reg_used(const rm_reg *r) {
    uint32_t m = 0;
    for (size_t i = 0; i < r->n_fields; i++) {
        m |= field_mask(&r->fields[i]);
    }
    return m;
}

/* Checks duplicate and overlapping fields and the reset value of a register. */
static int check_reg_fields(const rm_ctx *c, const rm_reg *r, const char *owner) {
    for (size_t i = 0; i < r->n_fields; i++) {
        for (size_t j = 0; j < i; j++) {
            const rm_field *a = &r->fields[i], *b = &r->fields[j];
            if (strcmp(a->name, b->name) == 0) {
                return fail(c, a->line, "%s: duplicate field name %s", owner, a->name);
            }
            if (field_mask(a) & field_mask(b)) {
                return fail(
                    c, a->line, "%s: field %s (bits %u..%u) overlaps field %s (bits %u..%u)", owner,
                    a->name, a->lsb, a->lsb + a->width - 1, b->name, b->lsb, b->lsb + b->width - 1);
            }
        }
    }
    if (r->reset & ~reg_used(r)) {
        return fail(c, r->line, "%s: reset value 0x%08x sets reserved bits", owner,
                    (unsigned)r->reset);
    }
    return 0;
}

/* Parses a register or a region word (kind "register" / "region X word"). */
static int parse_reg(const rm_ctx *c, const rm_map *m, struct fy_node *n, const char *kind,
                     bool is_register, rm_reg *r) {
    static const char *const rkeys[] = {"name",  "offset",      "count",  "types",
                                        "reset", "description", "fields", NULL};
    static const char *const wkeys[] = {"name", "offset", "reset", "description", "fields", NULL};
    char what[128];
    if (!fy_node_is_mapping(n)) {
        return fail(c, 0, "%s entry must be a mapping", kind);
    }
    snprintf(what, sizeof what, "%s", kind);
    if (get_name(c, n, what, r->name) != 0) {
        return -1;
    }
    snprintf(what, sizeof what, "%s %s", kind, r->name);
    r->line = map_line(n);
    uint64_t off, cnt, reset;
    if (check_keys(c, n, what, is_register ? rkeys : wkeys) != 0 ||
        get_uint(c, n, "offset", what, true, 0, 0xffff, &off) != 0 ||
        get_uint(c, n, "count", what, false, 1, 0xffff, &cnt) != 0 ||
        get_uint(c, n, "reset", what, false, 0, 0xffffffffu, &reset) != 0) {
        return -1;
    }
    if (cnt == 0) {
        return fail(c, r->line, "%s: count 0", what);
    }
    r->offset = (unsigned)off;
    r->count = (unsigned)cnt;
    r->reset = (uint32_t)reset;
    r->desc = dup_desc(n);
    if (is_register) {
        struct fy_node *ts = get_seq(c, n, "types", what, true);
        if (ts == NULL) {
            return -1;
        }
        void *it = NULL;
        struct fy_node *t;
        while ((t = fy_node_sequence_iterate(ts, &it)) != NULL) {
            const char *s = fy_node_is_scalar(t) ? fy_node_get_scalar0(t) : NULL;
            size_t k = 0;
            while (s && k < m->n_types && strcmp(m->types[k].name, s) != 0) {
                k++;
            }
            if (s == NULL || k == m->n_types) {
                return fail(c, node_line(t), "%s: unknown NP type '%s'", what, s ? s : "?");
            }
            r->types |= 1u << k;
        }
        if (r->types == 0) {
            return fail(c, r->line, "%s: empty 'types'", what);
        }
    }
    struct fy_node *fs = get_seq(c, n, "fields", what, true);
    if (fs == NULL) {
        return -1;
    }
    void *it = NULL;
    struct fy_node *fn;
    while ((fn = fy_node_sequence_iterate(fs, &it)) != NULL) {
        if (r->n_fields == RM_MAX_FIELDS) {
            return fail(c, r->line, "%s: more than %d fields", what, RM_MAX_FIELDS);
        }
        if (parse_field(c, fn, what, &r->fields[r->n_fields]) != 0) {
            return -1;
        }
        r->n_fields++;
    }
    if (r->n_fields == 0) {
        return fail(c, r->line, "%s: no fields", what);
    }
    return check_reg_fields(c, r, what);
}

static int parse_type(const rm_ctx *c, struct fy_node *n, rm_type *t) {
    static const char *const keys[] = {"name",  "description", "mesh_types",
                                       "nregs", "regions",     NULL};
    char what[96];
    if (!fy_node_is_mapping(n) || get_name(c, n, "np type", t->name) != 0) {
        return fail(c, 0, "np_types: entry must be a mapping with a name");
    }
    snprintf(what, sizeof what, "np type %s", t->name);
    t->line = map_line(n);
    uint64_t nregs;
    if (check_keys(c, n, what, keys) != 0 ||
        get_uint(c, n, "nregs", what, true, 0, 0xffff, &nregs) != 0) {
        return -1;
    }
    if (nregs == 0) {
        return fail(c, t->line, "%s: nregs 0", what);
    }
    t->nregs = (unsigned)nregs;
    t->desc = dup_desc(n);
    struct fy_node *ms = get_seq(c, n, "mesh_types", what, true);
    if (ms == NULL) {
        return -1;
    }
    void *it = NULL;
    struct fy_node *e;
    while ((e = fy_node_sequence_iterate(ms, &it)) != NULL) {
        const char *s = fy_node_is_scalar(e) ? fy_node_get_scalar0(e) : NULL;
        if (s == NULL || strlen(s) >= RM_NAME_MAX || t->n_mesh == RM_MAX_MESH_TYPES) {
            return fail(c, node_line(e), "%s: bad mesh type", what);
        }
        snprintf(t->mesh_types[t->n_mesh++], RM_NAME_MAX, "%s", s);
    }
    return 0;
}

/* Resolves a type's region names once the regions are parsed. */
static int parse_type_regions(const rm_ctx *c, rm_map *m, struct fy_node *n, rm_type *t) {
    char what[96];
    snprintf(what, sizeof what, "np type %s", t->name);
    struct fy_node *rs = get_seq(c, n, "regions", what, true);
    if (rs == NULL) {
        return -1;
    }
    void *it = NULL;
    struct fy_node *e;
    while ((e = fy_node_sequence_iterate(rs, &it)) != NULL) {
        const char *s = fy_node_is_scalar(e) ? fy_node_get_scalar0(e) : NULL;
        size_t k = 0;
        while (s && k < m->n_regions && strcmp(m->regions[k].name, s) != 0) {
            k++;
        }
        if (s == NULL || k == m->n_regions) {
            return fail(c, node_line(e), "%s: unknown region '%s'", what, s ? s : "?");
        }
        t->regions |= 1u << m->regions[k].id;
    }
    return 0;
}

static int parse_region(const rm_ctx *c, const rm_map *m, struct fy_node *n, rm_region *g) {
    static const char *const keys[] = {"name", "id", "entry_words", "description", "words", NULL};
    char what[96];
    if (!fy_node_is_mapping(n) || get_name(c, n, "region", g->name) != 0) {
        return fail(c, 0, "regions: entry must be a mapping with a name");
    }
    snprintf(what, sizeof what, "region %s", g->name);
    g->line = map_line(n);
    uint64_t id, ew;
    if (check_keys(c, n, what, keys) != 0 ||
        get_uint(c, n, "id", what, true, 0, RM_MAX_REGIONS - 1, &id) != 0 ||
        get_uint(c, n, "entry_words", what, false, 0, 64, &ew) != 0) {
        return -1;
    }
    g->id = (unsigned)id;
    g->entry_words = (unsigned)ew;
    g->desc = dup_desc(n);
    struct fy_node *ws = get_seq(c, n, "words", what, false);
    if (ws == NULL) {
        if (lookup(n, "words") != NULL) {
            return -1;
        }
        return ew == 0 ? 0 : fail(c, g->line, "%s: entry_words without words", what);
    }
    char kind[96];
    snprintf(kind, sizeof kind, "region %s word", g->name);
    void *it = NULL;
    struct fy_node *w;
    while ((w = fy_node_sequence_iterate(ws, &it)) != NULL) {
        if (g->n_words == RM_MAX_FIELDS) {
            return fail(c, g->line, "%s: too many words", what);
        }
        rm_reg *r = &g->words[g->n_words];
        if (parse_reg(c, m, w, kind, false, r) != 0) {
            return -1;
        }
        if (r->offset + r->count > g->entry_words) {
            return fail(c, r->line, "%s %s: offset %u is outside the %u-word entry", kind, r->name,
                        r->offset, g->entry_words);
        }
        for (size_t j = 0; j < g->n_words; j++) {
            if (strcmp(g->words[j].name, r->name) == 0) {
                return fail(c, r->line, "%s: duplicate word name %s", what, r->name);
            }
            if (g->words[j].offset == r->offset) {
                return fail(c, r->line, "%s: word %s overlaps word %s at offset %u", what, r->name,
                            g->words[j].name, r->offset);
            }
        }
        g->n_words++;
    }
    return 0;
}

/* Cross-register checks: unique names, per-type overlaps and block bounds. */
static int check_regs(const rm_ctx *c, const rm_map *m) {
    for (size_t i = 0; i < m->n_regs; i++) {
        const rm_reg *a = &m->regs[i];
        for (size_t t = 0; t < m->n_types; t++) {
            if ((a->types & (1u << t)) && a->offset + a->count > m->types[t].nregs) {
                return fail(c, a->line, "register %s: words %u..%u beyond the %u registers of %s",
                            a->name, a->offset, a->offset + a->count - 1, m->types[t].nregs,
                            m->types[t].name);
            }
        }
        for (size_t j = 0; j < i; j++) {
            const rm_reg *b = &m->regs[j];
            if (strcmp(a->name, b->name) == 0) {
                return fail(c, a->line, "register %s: duplicate register name", a->name);
            }
            bool share = (a->types & b->types) != 0;
            bool cross = a->offset < b->offset + b->count && b->offset < a->offset + a->count;
            if (share && cross) {
                return fail(c, a->line,
                            "register %s: offset %u overlaps register %s (words %u..%u)", a->name,
                            a->offset, b->name, b->offset, b->offset + b->count - 1);
            }
        }
    }
    for (size_t i = 0; i < m->n_regions; i++) {
        for (size_t j = 0; j < i; j++) {
            if (strcmp(m->regions[i].name, m->regions[j].name) == 0 ||
                m->regions[i].id == m->regions[j].id) {
                return fail(c, m->regions[i].line, "region %s: duplicate name or id %u",
                            m->regions[i].name, m->regions[i].id);
            }
        }
    }
    for (size_t i = 0; i < m->n_types; i++) {
        for (size_t j = 0; j < i; j++) {
            if (strcmp(m->types[i].name, m->types[j].name) == 0) {
                return fail(c, m->types[i].line, "np type %s: duplicate name", m->types[i].name);
            }
        }
    }
    return 0;
}

static int parse_map(const rm_ctx *c, struct fy_node *root, rm_map *m) {
    static const char *const keys[] = {"name",     "version",   "word_bits", "max_destinations",
                                       "np_types", "registers", "regions",   NULL};
    if (root == NULL || !fy_node_is_mapping(root)) {
        return fail(c, 1, "top level must be a mapping");
    }
    uint64_t v, wb, md;
    const char *name;
    if (check_keys(c, root, "top level", keys) != 0 ||
        get_str(c, root, "name", "top level", &name) != 0 ||
        get_uint(c, root, "version", "top level", true, 0, 0xffff, &v) != 0 ||
        get_uint(c, root, "word_bits", "top level", true, 0, 64, &wb) != 0 ||
        get_uint(c, root, "max_destinations", "top level", true, 0, 64, &md) != 0) {
        return -1;
    }
    if (wb != 32) {
        return fail(c, node_line(lookup(root, "word_bits")), "top level: word_bits must be 32");
    }
    snprintf(m->name, sizeof m->name, "%s", name);
    m->version = (unsigned)v;
    m->max_dest = (unsigned)md;
    struct fy_node *ts = get_seq(c, root, "np_types", "top level", true);
    struct fy_node *rs = ts ? get_seq(c, root, "registers", "top level", true) : NULL;
    struct fy_node *gs = rs ? get_seq(c, root, "regions", "top level", true) : NULL;
    if (gs == NULL) {
        return -1;
    }
    void *it = NULL;
    struct fy_node *n;
    while ((n = fy_node_sequence_iterate(ts, &it)) != NULL) {
        if (m->n_types == RM_MAX_TYPES) {
            return fail(c, 0, "np_types: more than %d", RM_MAX_TYPES);
        }
        if (parse_type(c, n, &m->types[m->n_types]) != 0) {
            return -1;
        }
        m->n_types++;
    }
    it = NULL;
    while ((n = fy_node_sequence_iterate(gs, &it)) != NULL) {
        if (m->n_regions == RM_MAX_REGIONS) {
            return fail(c, 0, "regions: more than %d", RM_MAX_REGIONS);
        }
        if (parse_region(c, m, n, &m->regions[m->n_regions]) != 0) {
            return -1;
        }
        m->n_regions++;
    }
    it = NULL;
    size_t k = 0;
    while ((n = fy_node_sequence_iterate(ts, &it)) != NULL) {
        if (parse_type_regions(c, m, n, &m->types[k++]) != 0) {
            return -1;
        }
    }
    it = NULL;
    while ((n = fy_node_sequence_iterate(rs, &it)) != NULL) {
        if (m->n_regs == RM_MAX_REGS) {
            return fail(c, 0, "registers: more than %d", RM_MAX_REGS);
        }
        if (parse_reg(c, m, n, "register", true, &m->regs[m->n_regs]) != 0) {
            return -1;
        }
        m->n_regs++;
    }
    return check_regs(c, m);
}

/* ---------------------------------------------------------------- generated-name check */

typedef struct rm_names {
    size_t n;     /* names collected */
    size_t cap;   /* capacity */
    char **names; /* owned strings */
} rm_names;

static int add_name(const rm_ctx *c, rm_names *ns, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int add_name(const rm_ctx *c, rm_names *ns, int line, const char *fmt, ...) {
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    for (size_t i = 0; i < ns->n; i++) {
        if (strcmp(ns->names[i], buf) == 0) {
            return fail(c, line, "duplicate generated name %s", buf);
        }
    }
    if (ns->n == ns->cap) {
        size_t cap = ns->cap ? 2 * ns->cap : 256;
        char **p = realloc(ns->names, cap * sizeof *p);
        if (p == NULL) {
            return fail(c, line, "out of memory");
        }
        ns->names = p;
        ns->cap = cap;
    }
    ns->names[ns->n] = rm_strdup(buf);
    return ns->names[ns->n++] ? 0 : fail(c, line, "out of memory");
}

static int reg_names(const rm_ctx *c, rm_names *ns, const char *prefix, const rm_reg *r) {
    static const char *const sfx[] = {"OFFSET", "NWORDS", "RESET", "USED_MASK"};
    for (size_t i = 0; i < 4; i++) {
        if (add_name(c, ns, r->line, "%s%s_%s", prefix, r->name, sfx[i]) != 0) {
            return -1;
        }
    }
    for (size_t f = 0; f < r->n_fields; f++) {
        const char *fn = r->fields[f].name;
        if (add_name(c, ns, r->fields[f].line, "%s%s_%s_LSB", prefix, r->name, fn) != 0 ||
            add_name(c, ns, r->fields[f].line, "%s%s_%s_WIDTH", prefix, r->name, fn) != 0 ||
            add_name(c, ns, r->fields[f].line, "%s%s_%s_MASK", prefix, r->name, fn) != 0) {
            return -1;
        }
    }
    return 0;
}

/* Every macro the outputs define must be unique (e.g. register A_B field C vs A field B_C). */
static int check_generated_names(const rm_ctx *c, const rm_map *m) {
    rm_names ns = {0};
    int rc = 0;
    for (size_t t = 0; rc == 0 && t < m->n_types; t++) {
        rc = add_name(c, &ns, m->types[t].line, "TYPE_%s", m->types[t].name);
        rc = rc ? rc : add_name(c, &ns, m->types[t].line, "%s_NREGS", m->types[t].name);
        rc = rc ? rc : add_name(c, &ns, m->types[t].line, "%s_REGIONS", m->types[t].name);
    }
    for (size_t g = 0; rc == 0 && g < m->n_regions; g++) {
        const rm_region *rg = &m->regions[g];
        rc = add_name(c, &ns, rg->line, "REGION_%s", rg->name);
        rc = rc ? rc : add_name(c, &ns, rg->line, "%s_ENTRY_WORDS", rg->name);
        for (size_t w = 0; rc == 0 && w < rg->n_words; w++) {
            char prefix[RM_NAME_MAX + 2];
            snprintf(prefix, sizeof prefix, "%s_", rg->name);
            rc = reg_names(c, &ns, prefix, &rg->words[w]);
        }
    }
    for (size_t r = 0; rc == 0 && r < m->n_regs; r++) {
        rc = reg_names(c, &ns, "", &m->regs[r]);
    }
    for (size_t i = 0; i < ns.n; i++) {
        free(ns.names[i]);
    }
    free(ns.names);
    return rc;
}

/* ---------------------------------------------------------------- output helpers */

static void lower(char *dst, const char *src, size_t cap) {
    size_t i = 0;
    for (; src[i] && i + 1 < cap; i++) {
        dst[i] = (char)tolower((unsigned char)src[i]);
    }
    dst[i] = '\0';
}

/* Writes a C string literal body (escapes quotes, backslashes and newlines). */
static void c_string(FILE *f, const char *s) {
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') {
            fputc('\\', f);
            fputc(*s, f);
        } else if (*s == '\n') {
            fputc(' ', f);
        } else {
            fputc(*s, f);
        }
    }
}

/* Writes text on one line, replacing newlines and escaping '|' for markdown tables. */
static void md_text(FILE *f, const char *s) {
    for (; *s; s++) {
        if (*s == '\n') {
            fputc(' ', f);
        } else if (*s == '|') {
            fputs("\\|", f);
        } else {
            fputc(*s, f);
        }
    }
}

/* Writes a comment body safely (no comment terminator inside). */
static void c_comment(FILE *f, const char *s) {
    for (; *s; s++) {
        if (s[0] == '*' && s[1] == '/') {
            fputs("* /", f);
            s++;
        } else {
            fputc(*s == '\n' ? ' ' : *s, f);
        }
    }
}

/* ---------------------------------------------------------------- C header */

static void c_reg_defines(FILE *f, const char *prefix, const char *lprefix, const rm_reg *r) {
    char lname[RM_NAME_MAX];
    lower(lname, r->name, sizeof lname);
    fprintf(f, "\n/* %s%s: ", prefix, r->name);
    c_comment(f, r->desc);
    fprintf(f, " */\n");
    fprintf(f, "#define NPU_RM_%s%s_OFFSET %uu\n", prefix, r->name, r->offset);
    fprintf(f, "#define NPU_RM_%s%s_NWORDS %uu\n", prefix, r->name, r->count);
    fprintf(f, "#define NPU_RM_%s%s_RESET 0x%08xu\n", prefix, r->name, (unsigned)r->reset);
    fprintf(f, "#define NPU_RM_%s%s_USED_MASK 0x%08xu\n", prefix, r->name, (unsigned)reg_used(r));
    for (size_t i = 0; i < r->n_fields; i++) {
        const rm_field *fd = &r->fields[i];
        char lf[RM_NAME_MAX];
        lower(lf, fd->name, sizeof lf);
        const char *n = fd->name;
        fprintf(f, "#define NPU_RM_%s%s_%s_LSB %uu /* ", prefix, r->name, n, fd->lsb);
        c_comment(f, fd->desc);
        fprintf(f, " */\n");
        fprintf(f, "#define NPU_RM_%s%s_%s_WIDTH %uu\n", prefix, r->name, n, fd->width);
        fprintf(f, "#define NPU_RM_%s%s_%s_MASK 0x%08xu\n", prefix, r->name, n,
                (unsigned)field_mask(fd));
        fprintf(f,
                "static inline uint32_t npu_rm_%s%s_%s_get(uint32_t w) {\n"
                "    return (w & NPU_RM_%s%s_%s_MASK) >> NPU_RM_%s%s_%s_LSB;\n}\n",
                lprefix, lname, lf, prefix, r->name, n, prefix, r->name, n);
        fprintf(f,
                "static inline uint32_t npu_rm_%s%s_%s_set(uint32_t w, uint32_t v) {\n"
                "    return (w & ~NPU_RM_%s%s_%s_MASK) |\n"
                "           ((uint32_t)(v << NPU_RM_%s%s_%s_LSB) & NPU_RM_%s%s_%s_MASK);\n}\n",
                lprefix, lname, lf, prefix, r->name, n, prefix, r->name, n, prefix, r->name, n);
    }
}

static void c_reg_table(FILE *f, const char *lprefix, const rm_reg *r) {
    char lname[RM_NAME_MAX];
    lower(lname, r->name, sizeof lname);
    fprintf(f, "static const npu_rm_field_desc npu_rm_%s%s_fields[] = {\n", lprefix, lname);
    for (size_t i = 0; i < r->n_fields; i++) {
        fprintf(f, "    {\"%s\", %u, %u},\n", r->fields[i].name, r->fields[i].lsb,
                r->fields[i].width);
    }
    fprintf(f, "};\n");
}

static void c_reg_entry(FILE *f, const char *lprefix, const rm_reg *r) {
    char lname[RM_NAME_MAX];
    lower(lname, r->name, sizeof lname);
    fprintf(f, "    {\"%s\", %u, %u, 0x%08xu, 0x%08xu, 0x%xu, %zu, npu_rm_%s%s_fields},\n", r->name,
            r->offset, r->count, (unsigned)r->reset, (unsigned)reg_used(r), r->types, r->n_fields,
            lprefix, lname);
}

static const char c_preamble[] =
    "/*\n"
    " * npu_regmap.h: GENERATED by npu/regmap/gen_regmap.c from npu/regmap/regmap.yaml.\n"
    " * Do not edit. The NP configuration register map: per register the word offset, per\n"
    " * field the LSB, width and in-place mask with get/set helpers, the SRAM region enum\n"
    " * and entry layouts, and descriptor tables for generic decoding. docs/register-map.md\n"
    " * documents the same content.\n"
    " */\n"
    "#ifndef NPU_REGMAP_H\n#define NPU_REGMAP_H\n\n#include <stddef.h>\n#include <stdint.h>\n\n"
    "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n"
    "/* One bit field of a register word. */\n"
    "typedef struct npu_rm_field_desc {\n"
    "    const char *name; /* field name */\n"
    "    uint8_t lsb;      /* least significant bit */\n"
    "    uint8_t width;    /* width in bits */\n"
    "} npu_rm_field_desc;\n\n"
    "/* A register (or register array, or region entry word). */\n"
    "typedef struct npu_rm_reg_desc {\n"
    "    const char *name;                /* register name */\n"
    "    uint16_t offset;                 /* word offset (block or entry) */\n"
    "    uint16_t nwords;                 /* consecutive words (arrays) */\n"
    "    uint32_t reset;                  /* reset value of each word */\n"
    "    uint32_t used_mask;              /* bits covered by fields; others are reserved */\n"
    "    uint32_t types;                  /* bit mask of npu_rm_type holding it */\n"
    "    size_t n_fields;                 /* number of fields */\n"
    "    const npu_rm_field_desc *fields; /* fields */\n"
    "} npu_rm_reg_desc;\n\n"
    "/* An SRAM region. */\n"
    "typedef struct npu_rm_region_desc {\n"
    "    const char *name;             /* region name */\n"
    "    uint32_t id;                  /* npu_rm_region value */\n"
    "    uint32_t entry_words;         /* words per entry, 0 = free layout (weights) */\n"
    "    size_t n_words;               /* described words per entry */\n"
    "    const npu_rm_reg_desc *words; /* entry word layouts */\n"
    "} npu_rm_region_desc;\n\n"
    "/* An NP type of the register map. */\n"
    "typedef struct npu_rm_type_desc {\n"
    "    const char *name;              /* type name */\n"
    "    uint32_t nregs;                /* register block size in words */\n"
    "    uint32_t regions;              /* bit mask of regions it accepts */\n"
    "    size_t n_mesh_types;           /* mesh NP types acting as this type */\n"
    "    const char *mesh_types[8];     /* their names (mesh_np_type_name) */\n"
    "} npu_rm_type_desc;\n";

static void emit_c(FILE *f, const rm_map *m) {
    fputs(c_preamble, f);
    fprintf(f, "\n#define NPU_RM_VERSION %uu\n#define NPU_RM_MAX_DESTINATIONS %uu\n", m->version,
            m->max_dest);
    fprintf(f, "\ntypedef enum npu_rm_type {\n");
    for (size_t t = 0; t < m->n_types; t++) {
        fprintf(f, "    NPU_RM_TYPE_%s = %zu, /* ", m->types[t].name, t);
        c_comment(f, m->types[t].desc);
        fprintf(f, " */\n");
    }
    fprintf(f, "    NPU_RM_TYPE_COUNT = %zu\n} npu_rm_type;\n\n", m->n_types);
    for (size_t t = 0; t < m->n_types; t++) {
        fprintf(f, "#define NPU_RM_%s_NREGS %uu\n", m->types[t].name, m->types[t].nregs);
        fprintf(f, "#define NPU_RM_%s_REGIONS 0x%xu\n", m->types[t].name, m->types[t].regions);
    }
    unsigned max_id = 0;
    fprintf(f, "\ntypedef enum npu_rm_region {\n");
    for (size_t g = 0; g < m->n_regions; g++) {
        fprintf(f, "    NPU_RM_REGION_%s = %u,\n", m->regions[g].name, m->regions[g].id);
        max_id = m->regions[g].id + 1 > max_id ? m->regions[g].id + 1 : max_id;
    }
    fprintf(f, "    NPU_RM_REGION_COUNT = %u\n} npu_rm_region;\n", max_id);
    for (size_t g = 0; g < m->n_regions; g++) {
        const rm_region *rg = &m->regions[g];
        fprintf(f, "#define NPU_RM_%s_ENTRY_WORDS %uu\n", rg->name, rg->entry_words);
    }
    for (size_t g = 0; g < m->n_regions; g++) {
        const rm_region *rg = &m->regions[g];
        char prefix[RM_NAME_MAX + 2], lprefix[RM_NAME_MAX + 2];
        snprintf(prefix, sizeof prefix, "%s_", rg->name);
        lower(lprefix, prefix, sizeof lprefix);
        for (size_t w = 0; w < rg->n_words; w++) {
            c_reg_defines(f, prefix, lprefix, &rg->words[w]);
        }
    }
    for (size_t r = 0; r < m->n_regs; r++) {
        c_reg_defines(f, "", "", &m->regs[r]);
    }
    fprintf(f, "\n/* Descriptor tables (generic decoding, validation, dumps). */\n");
    for (size_t r = 0; r < m->n_regs; r++) {
        c_reg_table(f, "", &m->regs[r]);
    }
    fprintf(f, "#define NPU_RM_NUM_REGISTERS %zuu\n", m->n_regs);
    fprintf(f, "static const npu_rm_reg_desc npu_rm_registers[NPU_RM_NUM_REGISTERS] = {\n");
    for (size_t r = 0; r < m->n_regs; r++) {
        c_reg_entry(f, "", &m->regs[r]);
    }
    fprintf(f, "};\n");
    for (size_t g = 0; g < m->n_regions; g++) {
        const rm_region *rg = &m->regions[g];
        char lprefix[RM_NAME_MAX + 2], lname[RM_NAME_MAX];
        snprintf(lprefix, sizeof lprefix, "%s_", rg->name);
        lower(lprefix, lprefix, sizeof lprefix);
        lower(lname, rg->name, sizeof lname);
        for (size_t w = 0; w < rg->n_words; w++) {
            c_reg_table(f, lprefix, &rg->words[w]);
        }
        if (rg->n_words > 0) {
            fprintf(f, "static const npu_rm_reg_desc npu_rm_%s_words[] = {\n", lname);
            for (size_t w = 0; w < rg->n_words; w++) {
                c_reg_entry(f, lprefix, &rg->words[w]);
            }
            fprintf(f, "};\n");
        }
    }
    fprintf(f, "#define NPU_RM_NUM_REGIONS %zuu\n", m->n_regions);
    fprintf(f, "static const npu_rm_region_desc npu_rm_regions[NPU_RM_NUM_REGIONS] = {\n");
    for (size_t g = 0; g < m->n_regions; g++) {
        const rm_region *rg = &m->regions[g];
        char lname[RM_NAME_MAX];
        lower(lname, rg->name, sizeof lname);
        fprintf(f, "    {\"%s\", %u, %u, %zu, ", rg->name, rg->id, rg->entry_words, rg->n_words);
        if (rg->n_words > 0) {
            fprintf(f, "npu_rm_%s_words},\n", lname);
        } else {
            fprintf(f, "NULL},\n");
        }
    }
    fprintf(f, "};\n");
    fprintf(f, "static const npu_rm_type_desc npu_rm_types[NPU_RM_TYPE_COUNT] = {\n");
    for (size_t t = 0; t < m->n_types; t++) {
        const rm_type *ty = &m->types[t];
        fprintf(f, "    {\"%s\", %u, 0x%xu, %zu, {", ty->name, ty->nregs, ty->regions, ty->n_mesh);
        for (size_t k = 0; k < ty->n_mesh; k++) {
            fprintf(f, "%s\"", k ? ", " : "");
            c_string(f, ty->mesh_types[k]);
            fprintf(f, "\"");
        }
        fprintf(f, "}},\n");
    }
    fprintf(f, "};\n\n");
    fputs("/* The register of type t covering word offset off, or NULL (reserved word). */\n"
          "static inline const npu_rm_reg_desc *npu_rm_reg_at(npu_rm_type t, uint32_t off) {\n"
          "    for (size_t i = 0; i < NPU_RM_NUM_REGISTERS; i++) {\n"
          "        const npu_rm_reg_desc *r = &npu_rm_registers[i];\n"
          "        if ((r->types & (1u << t)) && off >= r->offset &&\n"
          "            off < (uint32_t)r->offset + r->nwords) {\n"
          "            return r;\n"
          "        }\n"
          "    }\n"
          "    return NULL;\n"
          "}\n\n"
          "/* The region descriptor of id, or NULL. */\n"
          "static inline const npu_rm_region_desc *npu_rm_region_get(uint32_t id) {\n"
          "    for (size_t i = 0; i < NPU_RM_NUM_REGIONS; i++) {\n"
          "        if (npu_rm_regions[i].id == id) {\n"
          "            return &npu_rm_regions[i];\n"
          "        }\n"
          "    }\n"
          "    return NULL;\n"
          "}\n\n"
          "/* Reads field f of word w. */\n"
          "static inline uint32_t npu_rm_field_get(const npu_rm_field_desc *f, uint32_t w) {\n"
          "    uint32_t m = f->width >= 32 ? 0xffffffffu : ((1u << f->width) - 1u);\n"
          "    return (w >> f->lsb) & m;\n"
          "}\n\n"
          "#ifdef __cplusplus\n}\n#endif\n\n#endif /* NPU_REGMAP_H */\n",
          f);
}

/* ---------------------------------------------------------------- Verilog include */

static void vh_reg(FILE *f, const char *prefix, const rm_reg *r) {
    fprintf(f, "\n// %s%s: ", prefix, r->name);
    c_comment(f, r->desc);
    fprintf(f, "\n`define NPU_RM_%s%s_OFFSET %u\n", prefix, r->name, r->offset);
    fprintf(f, "`define NPU_RM_%s%s_NWORDS %u\n", prefix, r->name, r->count);
    fprintf(f, "`define NPU_RM_%s%s_RESET 32'h%08x\n", prefix, r->name, (unsigned)r->reset);
    for (size_t i = 0; i < r->n_fields; i++) {
        const rm_field *fd = &r->fields[i];
        const char *n = fd->name;
        fprintf(f, "`define NPU_RM_%s%s_%s_LSB %u\n", prefix, r->name, n, fd->lsb);
        fprintf(f, "`define NPU_RM_%s%s_%s_WIDTH %u\n", prefix, r->name, n, fd->width);
        fprintf(f, "`define NPU_RM_%s%s_%s_MASK 32'h%08x\n", prefix, r->name, n,
                (unsigned)field_mask(fd));
        fprintf(f, "`define NPU_RM_%s%s_%s_RANGE %u:%u\n", prefix, r->name, n,
                fd->lsb + fd->width - 1, fd->lsb);
    }
}

static void emit_vh(FILE *f, const rm_map *m) {
    fprintf(f,
            "// npu_regmap.vh: GENERATED by npu/regmap/gen_regmap.c from npu/regmap/regmap.yaml.\n"
            "// Do not edit. NP configuration register map for the RTL: word offsets, field\n"
            "// LSB / width / mask / bit range (use as word[`NPU_RM_X_Y_RANGE]).\n"
            "`ifndef NPU_REGMAP_VH\n`define NPU_REGMAP_VH\n\n");
    fprintf(f, "`define NPU_RM_VERSION %u\n`define NPU_RM_MAX_DESTINATIONS %u\n", m->version,
            m->max_dest);
    for (size_t t = 0; t < m->n_types; t++) {
        fprintf(f, "`define NPU_RM_TYPE_%s %zu\n", m->types[t].name, t);
        fprintf(f, "`define NPU_RM_%s_NREGS %u\n", m->types[t].name, m->types[t].nregs);
    }
    for (size_t g = 0; g < m->n_regions; g++) {
        const rm_region *rg = &m->regions[g];
        fprintf(f, "`define NPU_RM_REGION_%s %u\n", rg->name, rg->id);
        fprintf(f, "`define NPU_RM_%s_ENTRY_WORDS %u\n", rg->name, rg->entry_words);
        char prefix[RM_NAME_MAX + 2];
        snprintf(prefix, sizeof prefix, "%s_", rg->name);
        for (size_t w = 0; w < rg->n_words; w++) {
            vh_reg(f, prefix, &rg->words[w]);
        }
    }
    for (size_t r = 0; r < m->n_regs; r++) {
        vh_reg(f, "", &m->regs[r]);
    }
    fprintf(f, "\n`endif // NPU_REGMAP_VH\n");
}

/* ---------------------------------------------------------------- markdown */

static void md_fields(FILE *f, const rm_reg *r) {
    fprintf(f, "| bits | field | width | description |\n|---|---|---|---|\n");
    for (size_t i = 0; i < r->n_fields; i++) {
        const rm_field *fd = &r->fields[i];
        if (fd->width == 1) {
            fprintf(f, "| %u | %s | 1 | ", fd->lsb, fd->name);
        } else {
            fprintf(f, "| %u:%u | %s | %u | ", fd->lsb + fd->width - 1, fd->lsb, fd->name,
                    fd->width);
        }
        md_text(f, fd->desc);
        fprintf(f, " |\n");
    }
}

static void md_types_of(FILE *f, const rm_map *m, unsigned mask) {
    bool first = true;
    for (size_t t = 0; t < m->n_types; t++) {
        if (mask & (1u << t)) {
            fprintf(f, "%s%s", first ? "" : ", ", m->types[t].name);
            first = false;
        }
    }
}

static void emit_md(FILE *f, const rm_map *m) {
    fprintf(f, "# NP register map\n\n"
               "<!-- GENERATED by npu/regmap/gen_regmap.c from npu/regmap/regmap.yaml; do not "
               "edit. A test fails when this file drifts from the generator's output. -->\n\n");
    fprintf(f,
            "Register map `%s`, version %u. Every NP is configured by 32-bit words written by the "
            "configuration DMA (see docs/program-format.md): a register block (word offsets "
            "below) and SRAM regions. Bits not covered by a field are reserved and must be 0. "
            "The same description generates `npu_regmap.h` (C) and `npu_regmap.vh` (Verilog). "
            "Up to %u output-event destinations per NP.\n\n",
            m->name, m->version, m->max_dest);
    fprintf(f, "## NP types\n\n| type | mesh NP types | registers (words) | SRAM regions | "
               "description |\n|---|---|---|---|---|\n");
    for (size_t t = 0; t < m->n_types; t++) {
        const rm_type *ty = &m->types[t];
        fprintf(f, "| %s | ", ty->name);
        for (size_t k = 0; k < ty->n_mesh; k++) {
            fprintf(f, "%s%s", k ? ", " : "", ty->mesh_types[k]);
        }
        fprintf(f, " | %u | ", ty->nregs);
        bool first = true;
        for (size_t g = 0; g < m->n_regions; g++) {
            if (ty->regions & (1u << m->regions[g].id)) {
                fprintf(f, "%s%s", first ? "" : ", ", m->regions[g].name);
                first = false;
            }
        }
        fprintf(f, " | ");
        md_text(f, ty->desc);
        fprintf(f, " |\n");
    }
    fprintf(f, "\n## Registers\n\n| offset | register | words | NP types | reset | description "
               "|\n|---|---|---|---|---|---|\n");
    for (size_t r = 0; r < m->n_regs; r++) {
        const rm_reg *rg = &m->regs[r];
        if (rg->count > 1) {
            fprintf(f, "| %u–%u | %s | %u | ", rg->offset, rg->offset + rg->count - 1, rg->name,
                    rg->count);
        } else {
            fprintf(f, "| %u | %s | 1 | ", rg->offset, rg->name);
        }
        md_types_of(f, m, rg->types);
        fprintf(f, " | 0x%08x | ", (unsigned)rg->reset);
        md_text(f, rg->desc);
        fprintf(f, " |\n");
    }
    for (size_t r = 0; r < m->n_regs; r++) {
        const rm_reg *rg = &m->regs[r];
        fprintf(f, "\n### %s (offset %u", rg->name, rg->offset);
        if (rg->count > 1) {
            fprintf(f, ", %u words", rg->count);
        }
        fprintf(f, ")\n\n");
        md_text(f, rg->desc);
        fprintf(f, "\n\n");
        md_fields(f, rg);
    }
    fprintf(f, "\n## SRAM regions\n\n| id | region | words per entry | description |\n"
               "|---|---|---|---|\n");
    for (size_t g = 0; g < m->n_regions; g++) {
        const rm_region *rg = &m->regions[g];
        fprintf(f, "| %u | %s | ", rg->id, rg->name);
        if (rg->entry_words) {
            fprintf(f, "%u", rg->entry_words);
        } else {
            fprintf(f, "–");
        }
        fprintf(f, " | ");
        md_text(f, rg->desc);
        fprintf(f, " |\n");
    }
    for (size_t g = 0; g < m->n_regions; g++) {
        const rm_region *rg = &m->regions[g];
        for (size_t w = 0; w < rg->n_words; w++) {
            fprintf(f, "\n### %s.%s (entry word %u)\n\n", rg->name, rg->words[w].name,
                    rg->words[w].offset);
            md_text(f, rg->words[w].desc);
            fprintf(f, "\n\n");
            md_fields(f, &rg->words[w]);
        }
    }
}

/* ---------------------------------------------------------------- main */

typedef void (*rm_emit_fn)(FILE *, const rm_map *);

/* Writes path atomically through path.tmp. Returns 0 or -1 (message printed). */
static int write_out(const char *path, rm_emit_fn fn, const rm_map *m) {
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
        fprintf(stderr, "%s: path too long\n", path);
        return -1;
    }
    FILE *f = fopen(tmp, "w");
    if (f == NULL) {
        fprintf(stderr, "%s: cannot write: %s\n", tmp, strerror(errno));
        return -1;
    }
    fn(f, m);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad || rename(tmp, path) != 0) {
        fprintf(stderr, "%s: write failed: %s\n", path, strerror(errno));
        remove(tmp);
        return -1;
    }
    return 0;
}

static void free_map(rm_map *m) {
    for (size_t t = 0; t < m->n_types; t++) {
        free(m->types[t].desc);
    }
    for (size_t r = 0; r < RM_MAX_REGS; r++) {
        free(m->regs[r].desc);
        for (size_t i = 0; i < RM_MAX_FIELDS; i++) {
            free(m->regs[r].fields[i].desc);
        }
    }
    for (size_t g = 0; g < RM_MAX_REGIONS; g++) {
        free(m->regions[g].desc);
        for (size_t w = 0; w < RM_MAX_FIELDS; w++) {
            free(m->regions[g].words[w].desc);
            for (size_t i = 0; i < RM_MAX_FIELDS; i++) {
                free(m->regions[g].words[w].fields[i].desc);
            }
        }
    }
}

int main(int argc, char **argv) {
    const char *in = NULL, *out_c = NULL, *out_v = NULL, *out_md = NULL;
    for (int i = 1; i < argc; i++) {
        const char **dst = strcmp(argv[i], "--c") == 0         ? &out_c
                           : strcmp(argv[i], "--verilog") == 0 ? &out_v
                           : strcmp(argv[i], "--md") == 0      ? &out_md
                                                               : NULL;
        if (dst != NULL && i + 1 < argc) {
            *dst = argv[++i];
        } else if (dst == NULL && in == NULL && argv[i][0] != '-') {
            in = argv[i];
        } else {
            in = NULL;
            break;
        }
    }
    if (in == NULL) {
        fprintf(stderr,
                "usage: gen_regmap REGMAP.yaml [--c OUT.h] [--verilog OUT.vh] [--md OUT.md]\n");
        return 2;
    }
    rm_ctx ctx = {in};
    struct fy_parse_cfg cfg = {.flags = FYPCF_QUIET | FYPCF_RESOLVE_DOCUMENT};
    struct fy_document *doc = fy_document_build_from_file(&cfg, in);
    if (doc == NULL) {
        fprintf(stderr, "%s: cannot read or parse YAML\n", in);
        return 1;
    }
    rm_map *m = calloc(1, sizeof *m);
    int rc = m == NULL ? fail(&ctx, 0, "out of memory") : 0;
    rc = rc ? rc : parse_map(&ctx, fy_document_root(doc), m);
    rc = rc ? rc : check_generated_names(&ctx, m);
    rc = rc || out_c == NULL ? rc : write_out(out_c, emit_c, m);
    rc = rc || out_v == NULL ? rc : write_out(out_v, emit_vh, m);
    rc = rc || out_md == NULL ? rc : write_out(out_md, emit_md, m);
    if (m != NULL) {
        free_map(m);
        free(m);
    }
    fy_document_destroy(doc);
    return rc == 0 ? 0 : 1;
}
