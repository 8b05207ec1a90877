/*
 * cmp_mapper_need: what one layer needs from a mesh's hardware (step 1 of docs/mapping.md).
 *
 * A layer that breaks a constraint (cmp_constraints) or whose unit does not exist on the mesh
 * becomes a software layer with the reason. A CNP layer gets its column slices (per-NP column
 * limit, input SRAM holding a strip of (slice columns + kernel - 1) x height x channels x
 * input bits) and the maximum filters one NP's weight SRAM holds (kernel words per filter,
 * 48 usable bits per 50-bit word, one seventh of the words reserved for per-filter
 * parameters and depthwise kernels). An FNP layer gets FNP3 when its weights fit the internal
 * kernel words, else FNP2 with its weights in external memory.
 */
#include <stdio.h>
#include <string.h>

#include "cmp/cmp_constraints.h"
#include "cmp/cmp_mapper.h"

#define CMP_WORD_BITS 50u      /* physical weight word width */
#define CMP_WORD_DATA_BITS 48u /* usable bits per weight word */
#define CMP_PARAM_FRACTION 7u  /* 1/7 of the words hold per-filter params, dw kernels */
#define CMP_EXT_SLOT_BITS 6u   /* FNP2 external words: one weight per 6-bit field */

static uint64_t cmp_ceil_div(uint64_t a, uint64_t b) {
    return (a + b - 1) / b;
}

cmp_np_memory cmp_np_memory_of(const mesh_desc *mesh) {
    cmp_np_memory mem;
    mem.input_bits = (uint64_t)mesh->input_sram * 8u;
    mem.weight_words = (uint64_t)mesh->weight_sram * 8u / CMP_WORD_BITS;
    mem.kernel_words = mem.weight_words - mem.weight_words / CMP_PARAM_FRACTION;
    mem.word_bits = CMP_WORD_DATA_BITS;
    mem.col_limit = mesh->ip_version == 2 ? 64u : 32u;
    return mem;
}

static bool cmp_mesh_has(const mesh_desc *mesh, uint32_t type_mask) {
    for (uint32_t i = 0; i < mesh->n_nps; i++) {
        if (mesh->nps[i].types & type_mask)
            return true;
    }
    return false;
}

static void cmp_need_sw(cmp_layer_need *o, const char *fmt, const char *a, const char *b) {
    o->kind = CMP_NEED_SOFTWARE;
    snprintf(o->why, sizeof o->why, fmt, a, b);
}

/* Weight bits of one filter and the number of filters to distribute. */
static void cmp_cnp_filter(const npu_layer *l, uint64_t *bits, uint32_t *filters) {
    const npu_params *p = &l->p;
    uint64_t k = (uint64_t)p->kernel_x * p->kernel_y;
    uint64_t wb = p->weights_bits ? p->weights_bits : 8u;
    switch (l->type) {
    case NPU_SEPARABLE_CONVOLUTIONAL: /* the pointwise kernel; depthwise in param words */
        *bits = (uint64_t)l->in_shape.c * wb;
        *filters = p->filters;
        break;
    case NPU_DEPTHWISE_CONV2D:
    case NPU_DEPTHWISE_CONV2D_TRANSPOSE: /* one filter per channel */
        *bits = k * wb;
        *filters = l->in_shape.c;
        break;
    default:
        *bits = k * l->in_shape.c * wb;
        *filters = p->filters;
        break;
    }
}

static void cmp_need_cnp(const npu_layer *l, const mesh_desc *mesh, cmp_layer_need *o) {
    const cmp_np_memory mem = cmp_np_memory_of(mesh);
    char a[96], b[96];
    uint64_t in_bits = l->in_bits ? l->in_bits : 8u;
    uint64_t per_col = (uint64_t)l->in_shape.y * l->in_shape.c * in_bits;
    uint64_t overlap = l->p.kernel_x > 0 ? l->p.kernel_x - 1u : 0u;
    uint64_t fit_cols = per_col ? mem.input_bits / per_col : 0;
    if (!cmp_mesh_has(mesh, (1u << MESH_NP_CNP1) | (1u << MESH_NP_CNP2)))
        return cmp_need_sw(o, "%s%s", "the mesh has no CNP", "");
    if (fit_cols <= overlap) {
        snprintf(a, sizeof a, "%llu", (unsigned long long)((overlap + 1) * per_col / 8));
        snprintf(b, sizeof b, "%u", mesh->input_sram);
        return cmp_need_sw(o, "input_sram: one input column strip needs %s bytes > %s", a, b);
    }
    uint64_t w = l->in_shape.x;
    uint64_t s = cmp_ceil_div(w, mem.col_limit);
    uint64_t s_sram = cmp_ceil_div(w, fit_cols - overlap);
    o->width = (uint32_t)w;
    o->slices = (uint32_t)(s > s_sram ? s : s_sram);
    o->slice_cols = (uint32_t)cmp_ceil_div(w, o->slices);
    o->slices = (uint32_t)cmp_ceil_div(w, o->slice_cols); /* no empty trailing slice */
    o->single_buffer = (o->slice_cols + overlap) * per_col > mem.input_bits / 2;
    uint64_t fbits;
    cmp_cnp_filter(l, &fbits, &o->filters);
    uint64_t words = cmp_ceil_div(fbits, mem.word_bits);
    if (words > mem.kernel_words) {
        snprintf(a, sizeof a, "%llu", (unsigned long long)words);
        snprintf(b, sizeof b, "%llu", (unsigned long long)mem.kernel_words);
        return cmp_need_sw(o, "weight_sram: one filter needs %s weight words > %s", a, b);
    }
    o->filter_words = (uint32_t)words;
    o->cap_filters = (uint32_t)(mem.kernel_words / words);
    o->kind = CMP_NEED_CNP;
}

static void cmp_need_fnp(const npu_layer *l, const mesh_desc *mesh, cmp_layer_need *o) {
    const cmp_np_memory mem = cmp_np_memory_of(mesh);
    uint64_t n = npu_shape_size(l->in_shape);
    uint64_t wb = l->p.weights_bits ? l->p.weights_bits : 8u;
    uint64_t units = l->p.filters;
    char a[96], b[96];
    o->fnp_words = units * cmp_ceil_div(n * wb, mem.word_bits);
    o->fnp_external = o->fnp_words > mem.kernel_words;
    uint64_t slot = wb > CMP_EXT_SLOT_BITS ? wb : CMP_EXT_SLOT_BITS;
    uint64_t per_word = CMP_WORD_DATA_BITS / slot;
    o->external_bytes = cmp_ceil_div(units * cmp_ceil_div(n, per_word) * CMP_WORD_BITS, 8);
    o->filters = l->p.filters;
    bool fnp2 = cmp_mesh_has(mesh, 1u << MESH_NP_FNP2);
    if (!o->fnp_external && !cmp_mesh_has(mesh, 1u << MESH_NP_FNP3) && !fnp2)
        return cmp_need_sw(o, "%s%s", "the mesh has no FNP", "");
    if (o->fnp_external && !fnp2) {
        snprintf(a, sizeof a, "%llu", (unsigned long long)o->fnp_words);
        snprintf(b, sizeof b, "%llu", (unsigned long long)mem.kernel_words);
        return cmp_need_sw(o, "fnp_weights: %s weight words > %s internal and the mesh has no FNP2",
                           a, b);
    }
    if (o->fnp_external && mesh->external_memory && o->external_bytes > mesh->external_memory) {
        snprintf(a, sizeof a, "%llu", (unsigned long long)o->external_bytes);
        snprintf(b, sizeof b, "%llu", (unsigned long long)mesh->external_memory);
        return cmp_need_sw(o, "external_memory: FNP2 weights need %s bytes > %s", a, b);
    }
    o->kind = CMP_NEED_FNP;
}

npu_status cmp_layer_need_of(const npu_model *m, uint32_t i, const mesh_desc *mesh,
                             cmp_layer_need *out, npu_err *err) {
    memset(out, 0, sizeof *out);
    cmp_violations v = {0};
    npu_status st = cmp_check_layer(m, i, mesh, &v, err);
    if (st != NPU_OK)
        return st;
    if (v.n > 0) {
        out->kind = CMP_NEED_SOFTWARE;
        snprintf(out->why, sizeof out->why, "%s: %s (allowed: %s)", v.v[0].rule, v.v[0].actual,
                 v.v[0].allowed);
        cmp_violations_free(&v);
        return NPU_OK;
    }
    cmp_violations_free(&v);
    const npu_layer *l = npu_model_layer(m, i);
    switch (l->type) {
    case NPU_INPUT_DATA:
    case NPU_ADD:
    case NPU_CONCATENATE:
        out->kind = CMP_NEED_NONE;
        break;
    case NPU_INPUT_CONVOLUTIONAL:
    case NPU_INPUT_CONV2D:
        if (mesh->has_hrc)
            out->kind = CMP_NEED_HRC;
        else
            cmp_need_sw(out, "%s%s", "the mesh has no HRC", "");
        break;
    case NPU_CONVOLUTIONAL:
    case NPU_SEPARABLE_CONVOLUTIONAL:
    case NPU_CONV2D:
    case NPU_DEPTHWISE_CONV2D:
    case NPU_CONV2D_TRANSPOSE:
    case NPU_DEPTHWISE_CONV2D_TRANSPOSE:
        cmp_need_cnp(l, mesh, out);
        break;
    case NPU_FULLY_CONNECTED:
    case NPU_DENSE1D:
        cmp_need_fnp(l, mesh, out);
        break;
    default:
        cmp_need_sw(out, "layer_type: %s%s", npu_layer_type_name(l->type), " is software only");
        break;
    }
    return NPU_OK;
}

uint32_t cmp_need_nps(const cmp_layer_need *need, uint32_t fpn) {
    switch (need->kind) {
    case CMP_NEED_HRC:
    case CMP_NEED_FNP:
        return 1;
    case CMP_NEED_CNP: {
        uint32_t per = need->cap_filters;
        if (fpn != 0 && fpn < per)
            per = fpn;
        return need->slices * (uint32_t)cmp_ceil_div(need->filters, per);
    }
    default:
        return 0;
    }
}
