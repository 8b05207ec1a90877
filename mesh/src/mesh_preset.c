/*
 * mesh_preset: the built-in meshes (akd1000, akd1500, twonodes, sixnodes-v2), the
 * generator "gen:cnp=N,fnp=M[,v1|v2][,no-hrc]" and mesh_load(), which dispatches a MESH
 * argument to a preset, the generator or a YAML file.
 *
 * Layouts follow akida-facts.md §1 "Device layouts"; what is inferred (sixnodes-v2's node
 * placement and slot types, twonodes' clock, the external memory size, generated slots'
 * types) is documented in docs/mesh-format.md.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "mesh_internal.h"

#define T(x) MESH_TYPE_BIT(MESH_NP_##x)
#define C12 (T(CNP1) | T(CNP2))
#define STD0 (T(CNP1) | T(FNP3)) /* standard node, id 0 */
#define C1F2 (T(CNP1) | T(FNP2))

/* Appends the slots of one node; types[i] == 0 means no NP in slot i. */
static npu_status mesh_add_node(mesh_builder *b, uint8_t col, uint8_t row, const uint32_t types[4],
                                npu_err *err) {
    for (uint8_t id = 0; id < MESH_SLOTS_PER_NODE; id++) {
        if (types[id] == 0)
            continue;
        npu_status st = mesh_builder_add(b, col, row, id, types[id], err);
        if (st)
            return st;
    }
    return NPU_OK;
}

static const uint32_t mesh_std_node[4] = {STD0, C12, C12, C12};
static const uint32_t mesh_first_node[4] = {C1F2, T(CNP1), T(CNP1), T(CNP1)};

static mesh_ident mesh_mk_ident(uint8_t col, uint8_t row, uint8_t id) {
    mesh_ident r = {col, row, id};
    return r;
}

/* Common fields of the vendor devices: DMA endpoints, HRC at the event DMA. */
static void mesh_set_common(mesh_desc *m, const char *name, int ipv, uint32_t cols, uint32_t rows,
                            mesh_ident dma_event, mesh_ident dma_conf, uint32_t clock_mhz) {
    mesh_set_name(m, name);
    mesh_set_version_defaults(m, ipv);
    m->cols = cols;
    m->rows = rows;
    m->dma_event = dma_event;
    m->dma_conf = dma_conf;
    m->has_hrc = true;
    m->hrc = dma_event;
    m->clock_mhz = clock_mhz;
}

static npu_status mesh_build_akd1000(mesh_desc *m, npu_err *err) {
    mesh_builder b;
    mesh_builder_init(&b, m);
    mesh_set_common(m, "akd1000", 1, 5, 5, mesh_mk_ident(3, 1, 0), mesh_mk_ident(3, 1, 1), 300);
    static const uint32_t dma_node[4] = {0, 0, T(CNP1), T(CNP1)};
    static const uint32_t fnp2_node[4] = {C1F2, C1F2, C1F2, C1F2};
    static const uint8_t first_std_row[5] = {3, 3, 2, 2, 2}; /* per column */
    npu_status st = mesh_add_node(&b, 3, 1, dma_node, err);
    if (!st)
        st = mesh_add_node(&b, 4, 1, fnp2_node, err);
    for (uint8_t col = 1; col <= 5 && !st; col++)
        for (uint8_t row = first_std_row[col - 1]; row <= 5 && !st; row++)
            st = mesh_add_node(&b, col, row, mesh_std_node, err);
    return st;
}

static npu_status mesh_build_akd1500(mesh_desc *m, npu_err *err) {
    mesh_builder b;
    mesh_builder_init(&b, m);
    mesh_set_common(m, "akd1500", 1, 3, 3, mesh_mk_ident(1, 1, 0), mesh_mk_ident(1, 1, 1), 400);
    m->partial_reconfig = true;
    npu_status st = mesh_add_node(&b, 1, 2, mesh_first_node, err);
    static const uint8_t std_pos[7][2] = {{1, 3}, {2, 1}, {2, 2}, {2, 3}, {3, 1}, {3, 2}, {3, 3}};
    for (size_t i = 0; i < 7 && !st; i++)
        st = mesh_add_node(&b, std_pos[i][0], std_pos[i][1], mesh_std_node, err);
    return st;
}

static npu_status mesh_build_twonodes(mesh_desc *m, npu_err *err) {
    mesh_builder b;
    mesh_builder_init(&b, m);
    /* clock not published: AKD1000's 300 MHz assumed */
    mesh_set_common(m, "twonodes", 1, 1, 3, mesh_mk_ident(1, 1, 0), mesh_mk_ident(1, 1, 1), 300);
    npu_status st = mesh_add_node(&b, 1, 2, mesh_first_node, err);
    if (!st)
        st = mesh_add_node(&b, 1, 3, mesh_std_node, err);
    return st;
}

/* Inferred layout: the generator's column-major placement of 6 nodes after the DMA node. */
static npu_status mesh_build_sixnodes_v2(mesh_desc *m, npu_err *err) {
    mesh_builder b;
    mesh_builder_init(&b, m);
    mesh_set_common(m, "sixnodes-v2", 2, 3, 3, mesh_mk_ident(1, 1, 0), mesh_mk_ident(1, 1, 1), 25);
    m->partial_reconfig = true;
    m->skip_dma = 4;
    const uint32_t cnp = C12 | T(TNP_B);
    const uint32_t first[4] = {cnp | T(FNP2), cnp, cnp, cnp};
    const uint32_t other[4] = {cnp | T(FNP3), cnp, cnp, cnp};
    static const uint8_t pos[6][2] = {{1, 2}, {1, 3}, {2, 1}, {2, 2}, {2, 3}, {3, 1}};
    npu_status st = NPU_OK;
    for (size_t i = 0; i < 6 && !st; i++)
        st = mesh_add_node(&b, pos[i][0], pos[i][1], i == 0 ? first : other, err);
    return st;
}

typedef struct mesh_preset_entry {
    const char *name;                                /* preset name */
    npu_status (*build)(mesh_desc *m, npu_err *err); /* builder (unsorted, unvalidated) */
} mesh_preset_entry;

static const mesh_preset_entry mesh_presets[] = {
    {"akd1000", mesh_build_akd1000},
    {"akd1500", mesh_build_akd1500},
    {"twonodes", mesh_build_twonodes},
    {"sixnodes-v2", mesh_build_sixnodes_v2},
};
#define MESH_N_PRESETS (sizeof mesh_presets / sizeof mesh_presets[0])

size_t mesh_preset_count(void) {
    return MESH_N_PRESETS;
}

const char *mesh_preset_name(size_t i) {
    return i < MESH_N_PRESETS ? mesh_presets[i].name : NULL;
}

static const mesh_preset_entry *mesh_find_preset(const char *name) {
    for (size_t i = 0; i < MESH_N_PRESETS; i++)
        if (strcasecmp(name, mesh_presets[i].name) == 0)
            return &mesh_presets[i];
    return NULL;
}

static void mesh_preset_list(char *buf, size_t n) {
    buf[0] = '\0';
    for (size_t i = 0; i < MESH_N_PRESETS; i++) {
        size_t used = strlen(buf);
        snprintf(buf + used, n - used, "%s%s", i ? ", " : "", mesh_presets[i].name);
    }
}

npu_status mesh_preset(const char *name, mesh_desc *out, npu_err *err) {
    const mesh_preset_entry *p = name ? mesh_find_preset(name) : NULL;
    if (!p) {
        char list[128];
        mesh_preset_list(list, sizeof list);
        memset(out, 0, sizeof *out);
        return npu_err_set(err, NPU_ERR_INPUT, "unknown mesh preset '%s' (known: %s)",
                           name ? name : "(null)", list);
    }
    npu_status st = p->build(out, err);
    if (st) {
        mesh_free(out);
        return st;
    }
    return mesh_finish(out, p->name, err);
}

/* ---- generator ---- */

typedef struct mesh_gen_params {
    uint32_t cnp;    /* CNP slots */
    uint32_t fnp;    /* FNP slots (first FNP2, then FNP3) */
    int ip_version;  /* 1 or 2 */
    bool hrc;        /* an HRC exists */
    bool seen_cnp;   /* cnp= given (duplicates are errors) */
    bool seen_fnp;   /* fnp= given */
    bool seen_ver;   /* v1/v2 given */
    bool seen_nohrc; /* no-hrc given */
} mesh_gen_params;

/* Parses a decimal count 0..MESH_MAX_NPS. */
static bool mesh_parse_count(const char *s, uint32_t *out) {
    if (!*s || strlen(s) > 6)
        return false;
    uint32_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        v = v * 10u + (uint32_t)(*p - '0');
    }
    if (v > MESH_MAX_NPS)
        return false;
    *out = v;
    return true;
}

static npu_status mesh_gen_token(const char *spec, const char *tok, mesh_gen_params *g,
                                 npu_err *err) {
    const char *eq = strchr(tok, '=');
    if (eq) {
        size_t klen = (size_t)(eq - tok);
        bool is_cnp = klen == 3 && strncmp(tok, "cnp", 3) == 0;
        bool is_fnp = klen == 3 && strncmp(tok, "fnp", 3) == 0;
        if (!is_cnp && !is_fnp)
            return npu_err_set(err, NPU_ERR_INPUT,
                               "mesh '%s': unknown generator parameter '%.*s' (known: cnp=N, "
                               "fnp=M, v1, v2, no-hrc)",
                               spec, (int)klen, tok);
        bool *seen = is_cnp ? &g->seen_cnp : &g->seen_fnp;
        if (*seen)
            return npu_err_set(err, NPU_ERR_INPUT, "mesh '%s': parameter '%.3s' given twice", spec,
                               tok);
        *seen = true;
        if (!mesh_parse_count(eq + 1, is_cnp ? &g->cnp : &g->fnp))
            return npu_err_set(err, NPU_ERR_INPUT,
                               "mesh '%s': parameter '%.3s' value '%s' is not an integer 0..%u",
                               spec, tok, eq + 1, MESH_MAX_NPS);
        return NPU_OK;
    }
    if (strcmp(tok, "v1") == 0 || strcmp(tok, "v2") == 0) {
        if (g->seen_ver)
            return npu_err_set(err, NPU_ERR_INPUT, "mesh '%s': IP version given twice", spec);
        g->seen_ver = true;
        g->ip_version = tok[1] - '0';
        return NPU_OK;
    }
    if (strcmp(tok, "no-hrc") == 0) {
        if (g->seen_nohrc)
            return npu_err_set(err, NPU_ERR_INPUT, "mesh '%s': 'no-hrc' given twice", spec);
        g->seen_nohrc = true;
        g->hrc = false;
        return NPU_OK;
    }
    return npu_err_set(err, NPU_ERR_INPUT,
                       "mesh '%s': unknown generator parameter '%s' (known: cnp=N, fnp=M, v1, "
                       "v2, no-hrc)",
                       spec, tok);
}

static npu_status mesh_gen_parse(const char *spec, const char *params, mesh_gen_params *g,
                                 npu_err *err) {
    memset(g, 0, sizeof *g);
    g->ip_version = 1;
    g->hrc = true;
    char buf[256];
    if (strlen(params) >= sizeof buf)
        return npu_err_set(err, NPU_ERR_INPUT, "mesh '%.40s...': generator spec too long", spec);
    snprintf(buf, sizeof buf, "%s", params);
    char *p = buf;
    for (;;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        if (!*p)
            return npu_err_set(err, NPU_ERR_INPUT, "mesh '%s': empty generator parameter", spec);
        npu_status st = mesh_gen_token(spec, p, g, err);
        if (st)
            return st;
        if (!comma)
            break;
        p = comma + 1;
    }
    if (g->cnp + g->fnp == 0)
        return npu_err_set(err, NPU_ERR_INPUT, "mesh '%s': cnp + fnp must be at least 1", spec);
    if (g->cnp + g->fnp > MESH_MAX_NPS)
        return npu_err_set(err, NPU_ERR_INPUT, "mesh '%s': cnp + fnp = %u exceeds %u NPs", spec,
                           g->cnp + g->fnp, MESH_MAX_NPS);
    return NPU_OK;
}

static uint32_t mesh_isqrt(uint32_t n) {
    uint32_t r = 0;
    while ((r + 1) * (r + 1) <= n)
        r++;
    return r;
}

/* "As square as possible" for n node positions: k = floor(sqrt n), f = sqrt n - k,
 * cols = k + ceil(f), rows = k + round(f); round(f) = 1 iff n > k*k + k. */
static void mesh_gen_grid(uint32_t n, uint32_t *cols, uint32_t *rows) {
    uint32_t k = mesh_isqrt(n);
    *cols = k + (n > k * k ? 1u : 0u);
    *rows = k + (n > k * k + k ? 1u : 0u);
}

static npu_status mesh_gen_build(const mesh_gen_params *g, mesh_desc *m, npu_err *err) {
    mesh_builder b;
    mesh_builder_init(&b, m);
    mesh_set_version_defaults(m, g->ip_version);
    const uint32_t total = g->cnp + g->fnp;
    const uint32_t n = 1u + (total + MESH_SLOTS_PER_NODE - 1u) / MESH_SLOTS_PER_NODE;
    mesh_gen_grid(n, &m->cols, &m->rows);
    m->dma_event = mesh_mk_ident(1, 1, 0);
    m->dma_conf = mesh_mk_ident(1, 1, 1);
    m->has_hrc = g->hrc;
    m->hrc = m->dma_event;
    m->clock_mhz = 300;
    m->partial_reconfig = g->ip_version == 2;
    m->skip_dma = g->ip_version == 2 ? 4u : 0u;
    const uint32_t cnp_types = C12 | (g->ip_version == 2 ? T(TNP_B) : 0u);
    for (uint32_t i = 0; i < total; i++) {
        /* node positions column-major, skipping (1,1) which holds the DMA endpoints */
        const uint32_t pos = 1u + i / MESH_SLOTS_PER_NODE;
        const uint8_t col = (uint8_t)(1u + pos / m->rows);
        const uint8_t row = (uint8_t)(1u + pos % m->rows);
        const uint8_t id = (uint8_t)(i % MESH_SLOTS_PER_NODE);
        uint32_t types = cnp_types;
        if (i >= g->cnp)
            types = i == g->cnp ? T(FNP2) : T(FNP3);
        npu_status st = mesh_builder_add(&b, col, row, id, types, err);
        if (st)
            return st;
    }
    return NPU_OK;
}

npu_status mesh_generate(const char *params, mesh_desc *out, npu_err *err) {
    memset(out, 0, sizeof *out);
    char spec[300];
    snprintf(spec, sizeof spec, "gen:%s", params ? params : "");
    mesh_gen_params g;
    npu_status st = mesh_gen_parse(spec, params ? params : "", &g, err);
    if (st)
        return st;
    st = mesh_gen_build(&g, out, err);
    if (st) {
        mesh_free(out);
        return st;
    }
    mesh_set_name(out, spec);
    return mesh_finish(out, spec, err);
}

/* ---- dispatch ---- */

static bool mesh_looks_like_path(const char *s) {
    size_t n = strlen(s);
    if (strchr(s, '/'))
        return true;
    return (n > 5 && strcmp(s + n - 5, ".yaml") == 0) || (n > 4 && strcmp(s + n - 4, ".yml") == 0);
}

npu_status mesh_load(const char *spec, mesh_desc *out, npu_err *err) {
    memset(out, 0, sizeof *out);
    if (!spec || !*spec)
        return npu_err_set(err, NPU_ERR_INPUT, "empty mesh argument");
    if (strncmp(spec, "gen:", 4) == 0)
        return mesh_generate(spec + 4, out, err);
    if (mesh_find_preset(spec))
        return mesh_preset(spec, out, err);
    struct stat sbuf;
    if (stat(spec, &sbuf) == 0 || mesh_looks_like_path(spec))
        return mesh_load_yaml(spec, out, err);
    char list[128];
    mesh_preset_list(list, sizeof list);
    return npu_err_set(err, NPU_ERR_INPUT,
                       "unknown mesh preset '%s' (known: %s; or gen:cnp=N,fnp=M[,v2][,no-hrc]; "
                       "or a YAML file path)",
                       spec, list);
}
