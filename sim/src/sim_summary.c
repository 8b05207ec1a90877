/*
 * sim_summary: the vendor-style text summary of a model (akisim_model_summary), laid out
 * like the runtime's Model.summary() (seed 004): a "Model Summary" table (input shape,
 * output shape, sequences, layers), then one table per sequence headed
 * "SW/<first>-<last> (Software)" listing each layer as "name (type)", its output shape and
 * its kernel shape (the shape of its weights; a separable layer adds its pointwise kernel on
 * a continuation row). Every column is as wide as its longest cell plus two spaces; rules
 * span the table. For now the whole model is one software sequence.
 */
#define _POSIX_C_SOURCE 200809L

#include "sim_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
