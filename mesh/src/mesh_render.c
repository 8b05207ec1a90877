/*
 * mesh_render: human and machine views of a mesh — the text drawing used by
 * `akisim mesh show` (a rows x cols grid, one line per slot with its type codes, DMA
 * endpoints marked, then per-type totals) and the JSON form (`--json`, schema in
 * docs/mesh-format.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mesh_internal.h"

#define MESH_CELL_MAX 40 /* longest cell text: "3 C1/C2/F2/F3/TB" plus DMA marks */

/* Text of slot (col,row,id): "C1/F3", "DMA-E", "DMA-C", "-" when nothing is there. */
static void mesh_slot_text(const mesh_desc *m, mesh_ident id, char *buf, size_t n) {
    buf[0] = '\0';
    const mesh_np *np = mesh_find(m, id);
    size_t used = 0;
    for (int t = 0; np && t < MESH_NP_TYPE_COUNT; t++)
        if (np->types & MESH_TYPE_BIT(t))
            used += (size_t)snprintf(buf + used, n - used, "%s%s", used ? "/" : "",
                                     mesh_np_type_code((mesh_np_type)t));
    if (mesh_ident_cmp(id, m->dma_event) == 0)
        used += (size_t)snprintf(buf + used, n - used, "%sDMA-E", used ? "/" : "");
    if (mesh_ident_cmp(id, m->dma_conf) == 0)
        used += (size_t)snprintf(buf + used, n - used, "%sDMA-C", used ? "/" : "");
    if (m->has_hrc && mesh_ident_cmp(id, m->hrc) == 0)
        used += (size_t)snprintf(buf + used, n - used, "%sHRC", used ? "/" : "");
    if (!used)
        snprintf(buf, n, "-");
}

/* A node position is used when it holds an NP, a DMA endpoint or the HRC. */
static bool mesh_node_used(const mesh_desc *m, uint8_t col, uint8_t row) {
    for (uint8_t id = 0; id < MESH_SLOTS_PER_NODE; id++) {
        mesh_ident x = {col, row, id};
        if (mesh_find(m, x) || mesh_ident_cmp(x, m->dma_event) == 0 ||
            mesh_ident_cmp(x, m->dma_conf) == 0 || (m->has_hrc && mesh_ident_cmp(x, m->hrc) == 0))
            return true;
    }
    return false;
}

/* Text of line `line` (0..3) of cell (col,row). */
static void mesh_cell_line(const mesh_desc *m, uint8_t col, uint8_t row, uint8_t line, char *buf,
                           size_t n) {
    if (!mesh_node_used(m, col, row)) {
        snprintf(buf, n, "%s", line == 0 ? "." : "");
        return;
    }
    char slot[MESH_CELL_MAX];
    mesh_ident id = {col, row, line};
    mesh_slot_text(m, id, slot, sizeof slot);
    snprintf(buf, n, "%u %s", line, slot);
}

static size_t mesh_cell_width(const mesh_desc *m) {
    size_t w = 6; /* "col NN" */
    char buf[MESH_CELL_MAX + 4];
    for (uint32_t c = 1; c <= m->cols; c++)
        for (uint32_t r = 1; r <= m->rows; r++)
            for (uint8_t l = 0; l < MESH_SLOTS_PER_NODE; l++) {
                mesh_cell_line(m, (uint8_t)c, (uint8_t)r, l, buf, sizeof buf);
                size_t len = strlen(buf);
                w = len > w ? len : w;
            }
    return w + 2;
}

static void mesh_render_header(mesh_sb *sb, const mesh_desc *m) {
    mesh_sb_printf(sb, "mesh %s: IP v%d, %u cols x %u rows, %u MHz, %s, %s\n", m->name,
                   m->ip_version, m->cols, m->rows, m->clock_mhz, m->has_hrc ? "HRC" : "no HRC",
                   m->partial_reconfig ? "partial reconfiguration" : "no partial reconfiguration");
    mesh_sb_printf(sb, "per NP: input SRAM %u B, weight SRAM %u B; external memory %llu B\n",
                   m->input_sram, m->weight_sram, (unsigned long long)m->external_memory);
    mesh_sb_printf(sb, "dma_event (%u,%u,%u), dma_conf (%u,%u,%u)", m->dma_event.col,
                   m->dma_event.row, m->dma_event.id, m->dma_conf.col, m->dma_conf.row,
                   m->dma_conf.id);
    if (m->has_hrc)
        mesh_sb_printf(sb, ", HRC (%u,%u,%u)", m->hrc.col, m->hrc.row, m->hrc.id);
    if (m->ip_version == 2)
        mesh_sb_printf(sb, ", skip DMA channels %u", m->skip_dma);
    mesh_sb_printf(sb, "\n\n");
}

/* Drops trailing blanks of the current line (cells are left-aligned and padded). */
static void mesh_sb_rtrim(mesh_sb *sb) {
    while (!sb->oom && sb->len > 0 && sb->buf[sb->len - 1] == ' ')
        sb->len--;
}

static void mesh_render_grid(mesh_sb *sb, const mesh_desc *m) {
    const int w = (int)mesh_cell_width(m);
    mesh_sb_printf(sb, "%-8s", "");
    for (uint32_t c = 1; c <= m->cols; c++) {
        char head[16];
        snprintf(head, sizeof head, "col %u", c);
        mesh_sb_printf(sb, "%-*s", w, head);
    }
    mesh_sb_rtrim(sb);
    mesh_sb_printf(sb, "\n");
    for (uint32_t r = 1; r <= m->rows; r++) {
        for (uint8_t l = 0; l < MESH_SLOTS_PER_NODE; l++) {
            char label[16] = "";
            if (l == 0)
                snprintf(label, sizeof label, "row %u", r);
            mesh_sb_printf(sb, "%-8s", label);
            for (uint32_t c = 1; c <= m->cols; c++) {
                char cell[MESH_CELL_MAX + 4];
                mesh_cell_line(m, (uint8_t)c, (uint8_t)r, l, cell, sizeof cell);
                mesh_sb_printf(sb, "%-*s", w, cell);
            }
            mesh_sb_rtrim(sb);
            mesh_sb_printf(sb, "\n");
        }
    }
}

char *mesh_render_text(const mesh_desc *m) {
    mesh_sb sb;
    mesh_sb_init(&sb);
    mesh_render_header(&sb, m);
    mesh_render_grid(&sb, m);
    mesh_sb_printf(&sb, "\ncodes: C1 CNP1, C2 CNP2, F2 FNP2, F3 FNP3, TB TNP_B; DMA-E event DMA, "
                        "DMA-C config DMA;\n       - no NP in the slot, . empty node position\n");
    mesh_sb_printf(&sb, "totals: %u NPs %s", m->n_nps, m->has_hrc ? "(+HRC)" : "(no HRC)");
    for (int t = MESH_NP_CNP1; t < MESH_NP_TYPE_COUNT; t++)
        mesh_sb_printf(&sb, ", %s %u", mesh_np_type_name((mesh_np_type)t),
                       mesh_count_type(m, (mesh_np_type)t));
    mesh_sb_printf(&sb, "\n");
    return mesh_sb_take(&sb);
}

/* ---- JSON ---- */

static void mesh_json_ident(mesh_sb *sb, mesh_ident id) {
    mesh_sb_printf(sb, "{\"col\": %u, \"row\": %u, \"id\": %u}", id.col, id.row, id.id);
}

static void mesh_json_nps(mesh_sb *sb, const mesh_desc *m) {
    mesh_sb_printf(sb, "  \"nps\": [");
    for (uint32_t i = 0; i < m->n_nps; i++) {
        mesh_sb_printf(sb, "%s\n    {\"ident\": ", i ? "," : "");
        mesh_json_ident(sb, m->nps[i].ident);
        mesh_sb_printf(sb, ", \"types\": [");
        bool first = true;
        for (int t = 0; t < MESH_NP_TYPE_COUNT; t++) {
            if (!(m->nps[i].types & MESH_TYPE_BIT(t)))
                continue;
            mesh_sb_printf(sb, "%s\"%s\"", first ? "" : ", ", mesh_np_type_name((mesh_np_type)t));
            first = false;
        }
        mesh_sb_printf(sb, "]}");
    }
    mesh_sb_printf(sb, "\n  ],\n");
}

char *mesh_to_json(const mesh_desc *m) {
    mesh_sb sb;
    mesh_sb_init(&sb);
    mesh_sb_printf(&sb, "{\n  \"name\": ");
    mesh_sb_quoted(&sb, m->name);
    mesh_sb_printf(&sb, ",\n  \"ip_version\": %d,\n  \"cols\": %u,\n  \"rows\": %u,\n",
                   m->ip_version, m->cols, m->rows);
    mesh_sb_printf(&sb, "  \"clock_mhz\": %u,\n  \"input_sram\": %u,\n  \"weight_sram\": %u,\n",
                   m->clock_mhz, m->input_sram, m->weight_sram);
    mesh_sb_printf(&sb,
                   "  \"external_memory\": %llu,\n  \"partial_reconfig\": %s,\n"
                   "  \"skip_dma\": %u,\n  \"hrc\": ",
                   (unsigned long long)m->external_memory, m->partial_reconfig ? "true" : "false",
                   m->skip_dma);
    if (m->has_hrc)
        mesh_json_ident(&sb, m->hrc);
    else
        mesh_sb_printf(&sb, "null");
    mesh_sb_printf(&sb, ",\n  \"dma_event\": ");
    mesh_json_ident(&sb, m->dma_event);
    mesh_sb_printf(&sb, ",\n  \"dma_conf\": ");
    mesh_json_ident(&sb, m->dma_conf);
    mesh_sb_printf(&sb, ",\n");
    mesh_json_nps(&sb, m);
    mesh_sb_printf(&sb, "  \"totals\": {\"nps\": %u", m->n_nps);
    for (int t = 0; t < MESH_NP_TYPE_COUNT; t++)
        mesh_sb_printf(&sb, ", \"%s\": %u", mesh_np_type_name((mesh_np_type)t),
                       mesh_count_type(m, (mesh_np_type)t));
    mesh_sb_printf(&sb, "}\n}\n");
    return mesh_sb_take(&sb);
}
