/*
 * mesh_core: the mesh description's basic operations — NP type names and codes, type
 * counts, lookup, the invariant checker (mesh_validate), the slot builder used by the
 * presets, the generator and the YAML reader, and the string buffer used by emitters.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mesh_internal.h"

static const char *const mesh_type_names[MESH_NP_TYPE_COUNT] = {"HRC",  "CNP1", "CNP2",
                                                                "FNP2", "FNP3", "TNP_B"};
static const char *const mesh_type_codes[MESH_NP_TYPE_COUNT] = {"H", "C1", "C2", "F2", "F3", "TB"};

const char *mesh_np_type_name(mesh_np_type t) {
    return (unsigned)t < MESH_NP_TYPE_COUNT ? mesh_type_names[t] : "?";
}

const char *mesh_np_type_code(mesh_np_type t) {
    return (unsigned)t < MESH_NP_TYPE_COUNT ? mesh_type_codes[t] : "?";
}

bool mesh_np_type_from_name(const char *name, mesh_np_type *out) {
    if (!name)
        return false;
    for (int t = 0; t < MESH_NP_TYPE_COUNT; t++) {
        if (strcmp(name, mesh_type_names[t]) == 0) {
            if (out)
                *out = (mesh_np_type)t;
            return true;
        }
    }
    return false;
}

uint32_t mesh_count_type(const mesh_desc *m, mesh_np_type t) {
    if (!m)
        return 0;
    if (t == MESH_NP_HRC)
        return m->has_hrc ? 1u : 0u;
    uint32_t n = 0;
    for (uint32_t i = 0; i < m->n_nps; i++)
        if (m->nps[i].types & MESH_TYPE_BIT(t))
            n++;
    return n;
}

void mesh_free(mesh_desc *m) {
    if (!m)
        return;
    free(m->nps);
    m->nps = NULL;
    m->n_nps = 0;
}

int mesh_ident_cmp(mesh_ident a, mesh_ident b) {
    if (a.col != b.col)
        return a.col < b.col ? -1 : 1;
    if (a.row != b.row)
        return a.row < b.row ? -1 : 1;
    if (a.id != b.id)
        return a.id < b.id ? -1 : 1;
    return 0;
}

const mesh_np *mesh_find(const mesh_desc *m, mesh_ident ident) {
    if (!m || !m->nps)
        return NULL;
    size_t lo = 0, hi = m->n_nps;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = mesh_ident_cmp(m->nps[mid].ident, ident);
        if (c == 0)
            return &m->nps[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

void mesh_set_name(mesh_desc *m, const char *src) {
    size_t n = strlen(src);
    if (n >= sizeof m->name)
        n = sizeof m->name - 1;
    memcpy(m->name, src, n);
    m->name[n] = '\0';
}

void mesh_set_version_defaults(mesh_desc *m, int ip_version) {
    m->ip_version = ip_version;
    m->input_sram = ip_version == 2 ? MESH_V2_INPUT_SRAM : MESH_V1_INPUT_SRAM;
    m->weight_sram = ip_version == 2 ? MESH_V2_WEIGHT_SRAM : MESH_V1_WEIGHT_SRAM;
    m->external_memory = MESH_EXTERNAL_MEMORY_DEFAULT;
    m->skip_dma = 0;
}

/* ---- validation ---- */

static bool mesh_in_grid(const mesh_desc *m, mesh_ident id) {
    return id.col >= 1 && id.col <= m->cols && id.row >= 1 && id.row <= m->rows &&
           id.id < MESH_SLOTS_PER_NODE;
}

static npu_status mesh_check_endpoint(const mesh_desc *m, const char *where, const char *what,
                                      mesh_ident id, npu_err *err) {
    if (!mesh_in_grid(m, id))
        return npu_err_set(err, NPU_ERR_INPUT,
                           "%s: %s (%u,%u,%u) is outside the %ux%u grid (ids 0..3)", where, what,
                           id.col, id.row, id.id, m->cols, m->rows);
    if (mesh_find(m, id))
        return npu_err_set(err, NPU_ERR_INPUT, "%s: %s (%u,%u,%u) collides with an NP slot", where,
                           what, id.col, id.row, id.id);
    return NPU_OK;
}

static npu_status mesh_check_slot(const mesh_desc *m, const char *where, const mesh_np *np,
                                  npu_err *err) {
    const mesh_ident id = np->ident;
    const uint32_t all = MESH_TYPE_BIT(MESH_NP_TYPE_COUNT) - 1u;
    if (!mesh_in_grid(m, id))
        return npu_err_set(err, NPU_ERR_INPUT,
                           "%s: NP (%u,%u,%u) is outside the %ux%u grid (ids 0..3)", where, id.col,
                           id.row, id.id, m->cols, m->rows);
    if (np->types == 0 || (np->types & ~all))
        return npu_err_set(err, NPU_ERR_INPUT, "%s: NP (%u,%u,%u) has an invalid type set 0x%x",
                           where, id.col, id.row, id.id, np->types);
    if (np->types & MESH_TYPE_BIT(MESH_NP_HRC))
        return npu_err_set(err, NPU_ERR_INPUT,
                           "%s: NP (%u,%u,%u) lists HRC; the HRC is declared apart (key hrc)",
                           where, id.col, id.row, id.id);
    if ((np->types & MESH_TYPE_BIT(MESH_NP_TNP_B)) && m->ip_version != 2)
        return npu_err_set(err, NPU_ERR_INPUT, "%s: NP (%u,%u,%u) lists TNP_B, which needs IP v2",
                           where, id.col, id.row, id.id);
    return NPU_OK;
}

static npu_status mesh_check_scalars(const mesh_desc *m, const char *where, npu_err *err) {
    if (m->ip_version != 1 && m->ip_version != 2)
        return npu_err_set(err, NPU_ERR_INPUT, "%s: ip_version %d is not 1 or 2", where,
                           m->ip_version);
    if (m->cols < 1 || m->cols > MESH_MAX_GRID || m->rows < 1 || m->rows > MESH_MAX_GRID)
        return npu_err_set(err, NPU_ERR_INPUT, "%s: grid %ux%u is outside 1..%u", where, m->cols,
                           m->rows, MESH_MAX_GRID);
    if (m->input_sram == 0)
        return npu_err_set(err, NPU_ERR_INPUT, "%s: input_sram must be > 0", where);
    if (m->weight_sram == 0)
        return npu_err_set(err, NPU_ERR_INPUT, "%s: weight_sram must be > 0", where);
    if (m->clock_mhz == 0)
        return npu_err_set(err, NPU_ERR_INPUT, "%s: clock_mhz must be > 0", where);
    if (m->skip_dma != 0 && m->ip_version != 2)
        return npu_err_set(err, NPU_ERR_INPUT, "%s: skip_dma %u needs IP v2", where, m->skip_dma);
    if (m->n_nps == 0 || m->n_nps > MESH_MAX_NPS)
        return npu_err_set(err, NPU_ERR_INPUT, "%s: %u NP slots (must be 1..%u)", where, m->n_nps,
                           MESH_MAX_NPS);
    return NPU_OK;
}

npu_status mesh_validate(const mesh_desc *m, const char *where, npu_err *err) {
    if (!where)
        where = m && m->name[0] ? m->name : "mesh";
    if (!m)
        return npu_err_set(err, NPU_ERR_INTERNAL, "%s: no mesh", where);
    npu_status st = mesh_check_scalars(m, where, err);
    if (st)
        return st;
    for (uint32_t i = 0; i < m->n_nps; i++) {
        st = mesh_check_slot(m, where, &m->nps[i], err);
        if (st)
            return st;
        if (i > 0 && mesh_ident_cmp(m->nps[i - 1].ident, m->nps[i].ident) >= 0) {
            const mesh_ident id = m->nps[i].ident;
            return npu_err_set(err, NPU_ERR_INPUT, "%s: duplicate NP ident (%u,%u,%u)", where,
                               id.col, id.row, id.id);
        }
    }
    st = mesh_check_endpoint(m, where, "dma_conf", m->dma_conf, err);
    if (!st)
        st = mesh_check_endpoint(m, where, "dma_event", m->dma_event, err);
    if (!st && mesh_ident_cmp(m->dma_conf, m->dma_event) == 0)
        st = npu_err_set(err, NPU_ERR_INPUT, "%s: dma_conf and dma_event are the same slot", where);
    if (!st && m->has_hrc)
        st = mesh_check_endpoint(m, where, "hrc", m->hrc, err);
    return st;
}

/* ---- builder ---- */

void mesh_builder_init(mesh_builder *b, mesh_desc *m) {
    memset(m, 0, sizeof *m);
    b->m = m;
    b->cap = 0;
}

npu_status mesh_builder_add(mesh_builder *b, uint8_t col, uint8_t row, uint8_t id, uint32_t types,
                            npu_err *err) {
    mesh_desc *m = b->m;
    if (m->n_nps >= MESH_MAX_NPS)
        return npu_err_set(err, NPU_ERR_INPUT, "more than %u NP slots", MESH_MAX_NPS);
    if (m->n_nps == b->cap) {
        size_t ncap = b->cap ? b->cap * 2 : 32;
        mesh_np *p = realloc(m->nps, ncap * sizeof *p);
        if (!p)
            return npu_err_set(err, NPU_ERR_INTERNAL, "out of memory building a mesh");
        m->nps = p;
        b->cap = ncap;
    }
    mesh_np *np = &m->nps[m->n_nps++];
    np->ident.col = col;
    np->ident.row = row;
    np->ident.id = id;
    np->types = types;
    return NPU_OK;
}

static int mesh_np_cmp(const void *a, const void *b) {
    return mesh_ident_cmp(((const mesh_np *)a)->ident, ((const mesh_np *)b)->ident);
}

npu_status mesh_finish(mesh_desc *m, const char *where, npu_err *err) {
    if (m->nps && m->n_nps > 1)
        qsort(m->nps, m->n_nps, sizeof *m->nps, mesh_np_cmp);
    npu_status st = mesh_validate(m, where, err);
    if (st)
        mesh_free(m);
    return st;
}

/* ---- string buffer ---- */

void mesh_sb_init(mesh_sb *sb) {
    memset(sb, 0, sizeof *sb);
}

static bool mesh_sb_reserve(mesh_sb *sb, size_t extra) {
    if (sb->oom)
        return false;
    if (sb->len + extra + 1 <= sb->cap)
        return true;
    size_t ncap = sb->cap ? sb->cap : 256;
    while (ncap < sb->len + extra + 1)
        ncap *= 2;
    char *p = realloc(sb->buf, ncap);
    if (!p) {
        free(sb->buf);
        sb->buf = NULL;
        sb->oom = true;
        return false;
    }
    sb->buf = p;
    sb->cap = ncap;
    return true;
}

void mesh_sb_printf(mesh_sb *sb, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !mesh_sb_reserve(sb, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb->len += (size_t)n;
}

void mesh_sb_quoted(mesh_sb *sb, const char *s) {
    mesh_sb_printf(sb, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            mesh_sb_printf(sb, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f)
            mesh_sb_printf(sb, "\\u%04x", *p);
        else
            mesh_sb_printf(sb, "%c", *p);
    }
    mesh_sb_printf(sb, "\"");
}

char *mesh_sb_take(mesh_sb *sb) {
    if (sb->oom)
        return NULL;
    if (!sb->buf && !mesh_sb_reserve(sb, 0))
        return NULL;
    sb->buf[sb->len] = '\0';
    char *r = sb->buf;
    mesh_sb_init(sb);
    return r;
}
