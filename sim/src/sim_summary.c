/*
 * sim_summary: the vendor-style text summary of a model (akisim_model_summary), laid out
 * like the runtime's Model.summary() (seed 004): a "Model Summary" table (input shape,
 * output shape, sequences, layers), then one table per sequence headed
 * "SW/<first>-<last> (Software)" listing each layer as "name (type)", its output shape and
 * its kernel shape (the shape of its weights; a separable layer adds its pointwise kernel on
 * a continuation row). Every column is as wide as its longest cell plus two spaces; rules
 * span the table. Without a mesh the whole model is one software sequence.
 *
 * akisim_model_summary_mapped() is the view after Model.map(): the model is mapped onto a
 * mesh (cmp_mapper.h) and printed by the mapper's own printers (cmp_mapper_print.c) — text:
 * header table, one "HW/<first>-<last> (Hardware) - size: N bytes" banner per sequence, per
 * layer its NPs, totals; JSON: the `akisim map --json` schema (docs/mapping.md) plus the
 * model summary fields (input_bits, input_signed, layer count; per layer activation,
 * output_bits, output_signed and the separable pointwise kernel), merged with libfyaml. The
 * size of a hardware sequence is the encoded size of a program holding that sequence alone
 * (cmp_program_encoded_size, like the vendor's per-sequence program); the total is the size
 * of the whole program. When the program cannot be built the mapper's estimates stay and
 * are marked as such.
 */
#define _POSIX_C_SOURCE 200809L

#include "sim_api.h"

#include <libfyaml.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmp/cmp_mapper.h"
#include "cmp/cmp_program.h"
#include "mesh/mesh.h"

#define SUM_CELL 160 /* room for one cell ("name (type)" or a shape) */
#define SUM_COLS 4   /* at most four columns */

/* One table row: SUM_COLS cells. */
typedef struct sum_row {
    char cell[SUM_COLS][SUM_CELL]; /* cell texts; unused cells are empty */
} sum_row;

/* Abbreviated v1 type names as the vendor summary prints them. */
static const char *short_type(const char *type) {
    static const char *const map[][2] = {
        {"InputConvolutional", "InputConv."},
        {"Convolutional", "Conv."},
        {"SeparableConvolutional", "Sep.Conv."},
        {"FullyConnected", "Fully."},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(type, map[i][0]) == 0)
            return map[i][1];
    return type;
}

/* "[x, y, c]" */
static void fmt_shape(char *dst, size_t cap, npu_shape s) {
    snprintf(dst, cap, "[%u, %u, %u]", s.x, s.y, s.c);
}

/* A variable's shape as a Python tuple "(3, 3, 1, 8)" / "(10,)", or "N/A". */
static void fmt_kernel(char *dst, size_t cap, const npu_var *v) {
    if (!v) {
        snprintf(dst, cap, "N/A");
        return;
    }
    size_t len = (size_t)snprintf(dst, cap, "(");
    for (uint32_t d = 0; d < v->ndim && len < cap; d++)
        len += (size_t)snprintf(dst + len, cap - len, "%s%u", d ? ", " : "", v->shape[d]);
    if (len < cap)
        snprintf(dst + len, cap - len, v->ndim == 1 ? ",)" : ")");
}

/* Column widths: longest cell + 2; the last column grows so the total reaches min_total. */
static size_t table_widths(const sum_row *rows, size_t n, size_t cols, size_t min_total,
                           size_t *w) {
    size_t total = 0;
    for (size_t c = 0; c < cols; c++) {
        w[c] = 0;
        for (size_t r = 0; r < n; r++) {
            const size_t len = strlen(rows[r].cell[c]);
            w[c] = len > w[c] ? len : w[c];
        }
        w[c] += 2;
        total += w[c];
    }
    if (total < min_total) {
        w[cols - 1] += min_total - total;
        total = min_total;
    }
    return total;
}

/* A line of `total` copies of ch. */
static void rule(FILE *f, char ch, size_t total) {
    for (size_t i = 0; i < total; i++)
        fputc(ch, f);
    fputc('\n', f);
}

/* A row, left-aligned cells, trailing spaces trimmed. */
static void row(FILE *f, const sum_row *r, size_t cols, const size_t *w) {
    size_t last = 0;
    for (size_t c = 0; c < cols; c++)
        if (r->cell[c][0])
            last = c;
    for (size_t c = 0; c <= last; c++)
        fprintf(f, "%-*s", c == last ? 0 : (int)w[c], r->cell[c]);
    fputc('\n', f);
}

/* "==== text ====" spanning total columns (extra fill on the left, as the vendor does). */
static void banner(FILE *f, const char *text, size_t total) {
    const size_t len = strlen(text) + 2;
    const size_t fill = total > len ? total - len : 0;
    const size_t left = (fill + 1) / 2;
    for (size_t i = 0; i < left; i++)
        fputc('=', f);
    fprintf(f, " %s ", text);
    for (size_t i = left; i < fill; i++)
        fputc('=', f);
    fputc('\n', f);
}

/* The "Model Summary" table. */
static void model_table(FILE *f, const npu_model *nm) {
    sum_row r[2];
    memset(r, 0, sizeof r);
    snprintf(r[0].cell[0], SUM_CELL, "Input shape");
    snprintf(r[0].cell[1], SUM_CELL, "Output shape");
    snprintf(r[0].cell[2], SUM_CELL, "Sequences");
    snprintf(r[0].cell[3], SUM_CELL, "Layers");
    fmt_shape(r[1].cell[0], SUM_CELL, npu_model_input_shape(nm));
    fmt_shape(r[1].cell[1], SUM_CELL, npu_model_output_shape(nm));
    snprintf(r[1].cell[2], SUM_CELL, "1");
    snprintf(r[1].cell[3], SUM_CELL, "%u", npu_model_layer_count(nm));
    size_t w[SUM_COLS];
    const size_t total = table_widths(r, 2, 4, 0, w);
    const char *title = "Model Summary";
    const size_t pad = total > strlen(title) ? (total - strlen(title)) / 2 : 0;
    fprintf(f, "%*s%s\n", (int)pad, "", title);
    rule(f, '_', total);
    row(f, &r[0], 4, w);
    rule(f, '=', total);
    row(f, &r[1], 4, w);
    rule(f, '_', total);
}

/* The layer table of the single software sequence. Returns the status (rows allocation). */
static npu_status layer_table(FILE *f, const npu_model *nm, npu_err *err) {
    const uint32_t nl = npu_model_layer_count(nm);
    sum_row *r = calloc(2 * (size_t)nl + 1, sizeof *r);
    if (!r)
        return npu_err_set(err, NPU_ERR_INTERNAL, "out of memory for the summary");
    snprintf(r[0].cell[0], SUM_CELL, "Layer (type)");
    snprintf(r[0].cell[1], SUM_CELL, "Output shape");
    snprintf(r[0].cell[2], SUM_CELL, "Kernel shape");
    size_t nr = 1;
    for (uint32_t i = 0; i < nl; i++) {
        const npu_layer *l = npu_model_layer(nm, i);
        snprintf(r[nr].cell[0], SUM_CELL, "%s (%s)", l->name,
                 short_type(npu_layer_type_name(l->type)));
        fmt_shape(r[nr].cell[1], SUM_CELL, l->out_shape);
        fmt_kernel(r[nr].cell[2], SUM_CELL, npu_layer_var(l, "weights"));
        nr++;
        const npu_var *pw = npu_layer_var(l, "weights_pw");
        if (pw)
            fmt_kernel(r[nr++].cell[2], SUM_CELL, pw);
    }
    char seq[2 * NPU_NAME_MAX + 32];
    snprintf(seq, sizeof seq, "SW/%s-%s (Software)", npu_model_layer(nm, 0)->name,
             npu_model_layer(nm, nl - 1)->name);
    size_t w[SUM_COLS];
    const size_t total = table_widths(r, nr, 3, strlen(seq) + 4, w);
    rule(f, '_', total);
    row(f, &r[0], 3, w);
    banner(f, seq, total);
    for (size_t k = 1; k < nr; k++) {
        row(f, &r[k], 3, w);
        const bool next_is_cont = k + 1 < nr && r[k + 1].cell[0][0] == '\0';
        if (!next_is_cont)
            rule(f, '_', total);
    }
    free(r);
    return NPU_OK;
}

akisim_status akisim_model_summary(akisim_model *m, char **text, akisim_error *err) {
    npu_status st = sim_model_ready(m, err);
    if (st != NPU_OK)
        return st;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return npu_err_set(err, NPU_ERR_INTERNAL, "out of memory for the summary");
    model_table(f, m->npu);
    fputc('\n', f);
    st = layer_table(f, m->npu, err);
    if (fclose(f) != 0 && st == NPU_OK)
        st = npu_err_set(err, NPU_ERR_INTERNAL, "out of memory for the summary");
    if (st != NPU_OK) {
        free(buf);
        return st;
    }
    *text = buf;
    return NPU_OK;
}

/* ---------------------------------------------------------------- mapped view */

/* Replaces the mapper's size estimates with encoded sizes (cmp_program_measure, shared with
 * `akisim map`). A program that cannot be built keeps the estimates (marked "estimate");
 * only running out of memory is an error. */
static npu_status encoded_sizes(const npu_model *m, const mesh_desc *mesh, cmp_mapped *mm,
                                npu_err *err) {
    npu_err e;
    npu_err_clear(&e);
    npu_status st = cmp_program_measure(m, mm, mesh, NULL, &e);
    if (st == NPU_ERR_INTERNAL)
        return npu_err_set(err, st, "%s", e.msg);
    return NPU_OK;
}

/* Appends key: value to a mapping (value parsed as JSON, e.g. "8", "true", "[1, 2]"). */
static bool fy_put(struct fy_document *fyd, struct fy_node *map, const char *key,
                   const char *value) {
    struct fy_node *k = fy_node_create_scalar_copy(fyd, key, FY_NT);
    char *src = strdup(value); /* the node keeps a reference; the document frees it */
    struct fy_node *v = src ? fy_node_build_from_malloc_string(fyd, src, FY_NT) : NULL;
    if (!k || !v || fy_node_mapping_append(map, k, v) != 0) {
        fy_node_free(k);
        fy_node_free(v);
        return false;
    }
    return true;
}

/* "[a, b, ...]" of a variable's shape. */
static void json_dims(char *dst, size_t cap, const npu_var *v) {
    size_t len = (size_t)snprintf(dst, cap, "[");
    for (uint32_t d = 0; d < v->ndim && len < cap; d++)
        len += (size_t)snprintf(dst + len, cap - len, "%s%u", d ? ", " : "", v->shape[d]);
    if (len < cap)
        snprintf(dst + len, cap - len, "]");
}

/* Adds the model summary fields of one layer to its JSON mapping. */
static bool fy_layer_fields(struct fy_document *fyd, struct fy_node *node, const npu_layer *l) {
    char v[SUM_CELL];
    bool ok = fy_put(fyd, node, "activation", l->p.activation ? "true" : "false");
    snprintf(v, sizeof v, "%u", l->out_bits);
    ok = ok && fy_put(fyd, node, "output_bits", v);
    ok = ok && fy_put(fyd, node, "output_signed", l->out_signed ? "true" : "false");
    const npu_var *pw = npu_layer_var(l, "weights_pw");
    if (ok && pw) {
        json_dims(v, sizeof v, pw);
        ok = fy_put(fyd, node, "kernel_pw_shape", v);
    }
    return ok;
}

/* Adds the model summary fields to the parsed mapped JSON (same layer order as mm). */
static bool fy_model_fields(struct fy_document *fyd, const npu_model *m, const cmp_mapped *mm) {
    struct fy_node *root = fy_document_root(fyd);
    char v[32];
    snprintf(v, sizeof v, "%u", npu_model_input_bits(m));
    bool ok = root && fy_put(fyd, root, "input_bits", v);
    ok = ok && fy_put(fyd, root, "input_signed", npu_model_input_signed(m) ? "true" : "false");
    snprintf(v, sizeof v, "%u", npu_model_layer_count(m));
    ok = ok && fy_put(fyd, root, "layers", v);
    struct fy_node *seqs = ok ? fy_node_mapping_lookup_by_string(root, "sequences", FY_NT) : NULL;
    for (uint32_t s = 0; ok && s < mm->n_sequences; s++) {
        struct fy_node *seq = fy_node_sequence_get_by_index(seqs, (int)s);
        struct fy_node *layers = fy_node_mapping_lookup_by_string(seq, "layers", FY_NT);
        for (uint32_t i = 0; ok && i < mm->sequences[s].n_layers; i++) {
            struct fy_node *ln = fy_node_sequence_get_by_index(layers, (int)i);
            const uint32_t li = mm->sequences[s].layers[i].layer;
            ok = ln && fy_layer_fields(fyd, ln, npu_model_layer(m, li));
        }
    }
    return ok;
}

/* The mapped JSON of mm plus the model summary fields, one line, malloc'd. */
static npu_status mapped_json(const npu_model *m, const mesh_desc *mesh, const cmp_mapped *mm,
                              char **text, npu_err *err) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return npu_err_set(err, NPU_ERR_INTERNAL, "out of memory for the summary");
    cmp_mapped_print_json(f, m, mesh, mm);
    if (fclose(f) != 0) {
        free(buf);
        return npu_err_set(err, NPU_ERR_INTERNAL, "out of memory for the summary");
    }
    const struct fy_parse_cfg cfg = {.flags = FYPCF_QUIET | FYPCF_JSON_FORCE};
    struct fy_document *fyd = fy_document_build_from_string(&cfg, buf, len);
    char *out = NULL;
    if (fyd && fy_model_fields(fyd, m, mm))
        out = fy_emit_document_to_string(fyd, FYECF_MODE_JSON_ONELINE | FYECF_WIDTH_INF);
    fy_document_destroy(fyd);
    free(buf);
    if (!out)
        return npu_err_set(err, NPU_ERR_INTERNAL, "summary: cannot build the mapped JSON");
    *text = out;
    return NPU_OK;
}

/* The mapper's text summary of mm, malloc'd. */
static npu_status mapped_text(const npu_model *m, const mesh_desc *mesh, const cmp_mapped *mm,
                              char **text, npu_err *err) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return npu_err_set(err, NPU_ERR_INTERNAL, "out of memory for the summary");
    cmp_mapped_print_text(f, m, mesh, mm);
    if (fclose(f) != 0) {
        free(buf);
        return npu_err_set(err, NPU_ERR_INTERNAL, "out of memory for the summary");
    }
    *text = buf;
    return NPU_OK;
}

akisim_status akisim_model_summary_mapped(akisim_model *m, const akisim_map_options *opt,
                                          char **text, akisim_error *err) {
    if (!opt || !opt->mesh)
        return npu_err_set(err, NPU_ERR_INPUT, "summary: no mesh given");
    cmp_map_mode mode = CMP_MAP_ALLNPS;
    if (opt->map_mode && !cmp_map_mode_from_name(opt->map_mode, &mode))
        return npu_err_set(err, NPU_ERR_INPUT, "unknown map mode '%s' (minimal, allnps, hwpr)",
                           opt->map_mode);
    npu_status st = sim_model_ready(m, err);
    if (st != NPU_OK)
        return st;
    mesh_desc mesh = {0};
    cmp_mapped mm = {0};
    st = mesh_load(opt->mesh, &mesh, err);
    if (st == NPU_OK)
        st = cmp_map(m->npu, &mesh, opt->hw_only, mode, &mm, err);
    if (st == NPU_OK)
        st = encoded_sizes(m->npu, &mesh, &mm, err);
    if (st == NPU_OK)
        st = opt->json ? mapped_json(m->npu, &mesh, &mm, text, err)
                       : mapped_text(m->npu, &mesh, &mm, text, err);
    cmp_mapped_free(&mm);
    mesh_free(&mesh);
    return st;
}
