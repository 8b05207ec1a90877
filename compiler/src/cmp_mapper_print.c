/*
 * cmp_mapper_print: the mapped summary of a model, as vendor-style text (seed 004 look) and
 * as JSON (schema in docs/mapping.md, "JSON output").
 */
#include <stdio.h>
#include <string.h>

#include "cmp/cmp_mapper.h"

/* Short type names as the vendor's summary prints them. */
static const char *cmp_type_short(npu_layer_type t) {
    switch (t) {
    case NPU_INPUT_CONVOLUTIONAL:
        return "InputConv.";
    case NPU_CONVOLUTIONAL:
        return "Conv.";
    case NPU_SEPARABLE_CONVOLUTIONAL:
        return "Sep.Conv.";
    case NPU_FULLY_CONNECTED:
        return "Fully.";
    default:
        return npu_layer_type_name(t);
    }
}

static void cmp_kernel_text(const npu_layer *l, char *buf, size_t cap) {
    const npu_var *v = npu_layer_var(l, "weights");
    if (v == NULL) {
        snprintf(buf, cap, "N/A");
        return;
    }
    size_t len = (size_t)snprintf(buf, cap, "(");
    for (uint32_t d = 0; d < v->ndim && len < cap; d++)
        len += (size_t)snprintf(buf + len, cap - len, "%s%u", d ? ", " : "", v->shape[d]);
    if (len < cap)
        snprintf(buf + len, cap - len, ")");
}

static void cmp_json_str(FILE *f, const char *s) {
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static void cmp_rule(FILE *f, char ch, int n) {
    for (int i = 0; i < n; i++)
        fputc(ch, f);
    fputc('\n', f);
}

#define CMP_WIDTH 78

static void cmp_print_layer(FILE *f, const npu_model *m, const cmp_sequence *seq,
                            const cmp_layer_map *lm) {
    const npu_layer *l = npu_model_layer(m, lm->layer);
    char name[NPU_NAME_MAX + 32], shape[48], kernel[64], nps[48];
    snprintf(name, sizeof name, "%s (%s)", l->name, cmp_type_short(l->type));
    snprintf(shape, sizeof shape, "[%u, %u, %u]", l->out_shape.x, l->out_shape.y, l->out_shape.c);
    cmp_kernel_text(l, kernel, sizeof kernel);
    if (seq->backend == CMP_BACKEND_SOFTWARE || lm->n_nps == 0)
        snprintf(nps, sizeof nps, "%s", seq->backend == CMP_BACKEND_SOFTWARE ? "-" : "0");
    else if (lm->nps[0].type == MESH_NP_HRC)
        snprintf(nps, sizeof nps, "HRC");
    else if (lm->nps[0].type == MESH_NP_FNP2 || lm->nps[0].type == MESH_NP_FNP3)
        snprintf(nps, sizeof nps, "1 (%s)", mesh_np_type_name(lm->nps[0].type));
    else
        snprintf(nps, sizeof nps, "%u", lm->n_nps);
    if (seq->n_passes > 1 && lm->n_nps > 0) {
        size_t len = strlen(nps);
        snprintf(nps + len, sizeof nps - len, " pass %u", lm->pass + 1);
    }
    fprintf(f, "%-28s %-16s %-20s %s\n", name, shape, kernel, nps);
    cmp_rule(f, '_', CMP_WIDTH);
}

void cmp_mapped_print_text(FILE *f, const npu_model *m, const mesh_desc *mesh,
                           const cmp_mapped *mm) {
    npu_shape in = npu_model_input_shape(m), out = npu_model_output_shape(m);
    char a[48], b[48];
    fprintf(f, "Model Summary (mapped on %s, %s%s)\n", mesh->name, cmp_map_mode_name(mm->mode),
            mm->hw_only ? ", hw_only" : "");
    cmp_rule(f, '_', 62);
    fprintf(f, "%-16s %-16s %-10s %-8s %s\n", "Input shape", "Output shape", "Sequences", "Layers",
            "NPs");
    cmp_rule(f, '=', 62);
    snprintf(a, sizeof a, "[%u, %u, %u]", in.x, in.y, in.c);
    snprintf(b, sizeof b, "[%u, %u, %u]", out.x, out.y, out.c);
    fprintf(f, "%-16s %-16s %-10u %-8u %u\n", a, b, mm->n_sequences, npu_model_layer_count(m),
            mm->total_nps);
    cmp_rule(f, '_', 62);
    fputc('\n', f);
    cmp_rule(f, '_', CMP_WIDTH);
    fprintf(f, "%-28s %-16s %-20s %s\n", "Layer (type)", "Output shape", "Kernel shape", "NPs");
    for (uint32_t s = 0; s < mm->n_sequences; s++) {
        const cmp_sequence *seq = &mm->sequences[s];
        char title[256];
        if (seq->backend == CMP_BACKEND_SOFTWARE)
            snprintf(title, sizeof title, " %s (Software) ", seq->name);
        else
            snprintf(title, sizeof title, " %s (%s) - size: %llu bytes%s ", seq->name,
                     cmp_backend_name(seq->backend), (unsigned long long)seq->program_bytes,
                     mm->program_estimated ? " (estimate)" : "");
        int pad = CMP_WIDTH - (int)strlen(title);
        pad = pad < 4 ? 4 : pad;
        for (int i = 0; i < pad / 2; i++)
            fputc('=', f);
        fputs(title, f);
        cmp_rule(f, '=', pad - pad / 2);
        for (uint32_t i = 0; i < seq->n_layers; i++)
            cmp_print_layer(f, m, seq, &seq->layers[i]);
    }
    fprintf(f,
            "Totals: %u NPs (HRC excluded), %u pass(es), program %llu bytes%s, external "
            "memory %llu bytes\n",
            mm->total_nps, mm->total_passes, (unsigned long long)mm->program_bytes,
            mm->program_estimated ? " (estimate)" : "", (unsigned long long)mm->external_bytes);
}

static void cmp_json_np(FILE *f, const cmp_np_map *np) {
    fprintf(f,
            "{\"ident\": [%u, %u, %u], \"type\": \"%s\", \"filters\": %u, \"filter_first\": %u, "
            "\"col_first\": %u, \"col_count\": %u, \"single_buffer\": %s}",
            np->ident.col, np->ident.row, np->ident.id, mesh_np_type_name(np->type), np->filters,
            np->filter_first, np->col_first, np->col_count, np->single_buffer ? "true" : "false");
}

static void cmp_json_layer(FILE *f, const npu_model *m, const cmp_sequence *seq,
                           const cmp_layer_map *lm) {
    const npu_layer *l = npu_model_layer(m, lm->layer);
    const npu_var *w = npu_layer_var(l, "weights");
    fputs("{\"name\": ", f);
    cmp_json_str(f, l->name);
    fprintf(f, ", \"type\": \"%s\", \"output_shape\": [%u, %u, %u], \"kernel_shape\": ",
            npu_layer_type_name(l->type), l->out_shape.x, l->out_shape.y, l->out_shape.c);
    if (w == NULL) {
        fputs("null", f);
    } else {
        fputc('[', f);
        for (uint32_t d = 0; d < w->ndim; d++)
            fprintf(f, "%s%u", d ? ", " : "", w->shape[d]);
        fputc(']', f);
    }
    fprintf(f, ", \"pass\": %u, \"nps\": %u, \"external_bytes\": %llu, \"np_mappings\": [",
            seq->backend == CMP_BACKEND_SOFTWARE ? 0u : lm->pass, lm->n_nps,
            (unsigned long long)lm->external_bytes);
    for (uint32_t j = 0; j < lm->n_nps; j++) {
        fputs(j ? ", " : "", f);
        cmp_json_np(f, &lm->nps[j]);
    }
    fputs("]}", f);
}

void cmp_mapped_print_json(FILE *f, const npu_model *m, const mesh_desc *mesh,
                           const cmp_mapped *mm) {
    npu_shape in = npu_model_input_shape(m), out = npu_model_output_shape(m);
    fputs("{\"mesh\": ", f);
    cmp_json_str(f, mesh->name);
    fprintf(f,
            ", \"map_mode\": \"%s\", \"hw_only\": %s, \"input_shape\": [%u, %u, %u], "
            "\"output_shape\": [%u, %u, %u], \"sequences\": [",
            cmp_map_mode_name(mm->mode), mm->hw_only ? "true" : "false", in.x, in.y, in.c, out.x,
            out.y, out.c);
    for (uint32_t s = 0; s < mm->n_sequences; s++) {
        const cmp_sequence *seq = &mm->sequences[s];
        fputs(s ? ", {\"name\": " : "{\"name\": ", f);
        cmp_json_str(f, seq->name);
        fprintf(f,
                ", \"backend\": \"%s\", \"passes\": %u, \"program_bytes\": %llu, "
                "\"max_filters_per_np\": %u, \"layers\": [",
                cmp_backend_name(seq->backend), seq->n_passes,
                (unsigned long long)seq->program_bytes, seq->max_filters_per_np);
        for (uint32_t i = 0; i < seq->n_layers; i++) {
            fputs(i ? ", " : "", f);
            cmp_json_layer(f, m, seq, &seq->layers[i]);
        }
        fputs("]}", f);
    }
    fprintf(f,
            "], \"totals\": {\"nps\": %u, \"passes\": %u, \"program_bytes\": %llu, "
            "\"program_bytes_estimated\": %s, \"external_bytes\": %llu}}\n",
            mm->total_nps, mm->total_passes, (unsigned long long)mm->program_bytes,
            mm->program_estimated ? "true" : "false", (unsigned long long)mm->external_bytes);
}
