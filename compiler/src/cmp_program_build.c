/*
 * cmp_program_build: turns a finalized model and its mapping into configuration tracks.
 *
 * For every hardware sequence and pass, every NP mapping of every layer of that pass gets:
 * a register track (the whole register block of its register-map type, fields filled from
 * the layer's parameters, its filter and column slice and the destinations of its output
 * events), a WEIGHTS track with its slice of the weights packed as docs/register-map.md says
 * (FNP2: the same words go to the external image, EXT_ADDR/EXT_WORDS point at them), and
 * the per-filter THRESHOLDS (v1) or SCALES (v2) entries plus v2 INPUT_SHIFTS. Its DEST_*
 * routing table comes from cmp_np_dests (cmp_program_dest.c), the rule the mapper checks. Every
 * value is range-checked against its field; a value that does not fit is an error naming the layer,
 * NP and field, never a silent truncation.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmp_program_int.h"

/* Build context of one NP mapping. */
typedef struct bld {
    cmp_program *p;          /* program under construction */
    const npu_model *m;      /* the model */
    const cmp_mapped *mm;    /* the mapping */
    const mesh_desc *mesh;   /* the mesh */
    const cmp_sequence *seq; /* current sequence */
    uint32_t pass;           /* pass index within the sequence */
    const npu_layer *l;      /* current layer */
    uint32_t li;             /* its index */
    const cmp_np_map *np;    /* current NP mapping */
    uint32_t regs[256];      /* register block being filled */
    npu_err *err;            /* error sink */
} bld;

static npu_status bad(bld *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static npu_status bad(bld *b, const char *fmt, ...) {
    char m[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m, sizeof m, fmt, ap);
    va_end(ap);
    return npu_err_set(b->err, NPU_ERR_INPUT, "program: layer %s, NP (%u,%u,%u): %s", b->l->name,
                       b->np->ident.col, b->np->ident.row, b->np->ident.id, m);
}

/* Sets a field of a register word after checking the value fits. */
static npu_status put(bld *b, uint32_t off, uint32_t lsb, uint32_t width, uint64_t v,
                      const char *name) {
    uint64_t max = width >= 32 ? 0xffffffffull : ((1ull << width) - 1);
    if (v > max) {
        return bad(b, "%s = %llu does not fit its field", name, (unsigned long long)v);
    }
    uint32_t mask = (uint32_t)(max << lsb);
    b->regs[off] = (b->regs[off] & ~mask) | (((uint32_t)v << lsb) & mask);
    return NPU_OK;
}

#define PUT(reg, field, v)                                                                         \
    put(b, NPU_RM_##reg##_OFFSET, NPU_RM_##reg##_##field##_LSB, NPU_RM_##reg##_##field##_WIDTH,    \
        (uint64_t)(v), #reg "." #field)
#define PUTI(reg, i, field, v)                                                                     \
    put(b, NPU_RM_##reg##_OFFSET + (i), NPU_RM_##reg##_##field##_LSB,                              \
        NPU_RM_##reg##_##field##_WIDTH, (uint64_t)(v), #reg "." #field)

/* ---------------------------------------------------------------- layer facts */

static bool is_depthwise(npu_layer_type t) {
    return t == NPU_DEPTHWISE_CONV2D || t == NPU_DEPTHWISE_CONV2D_TRANSPOSE;
}

static bool is_transpose(npu_layer_type t) {
    return t == NPU_CONV2D_TRANSPOSE || t == NPU_DEPTHWISE_CONV2D_TRANSPOSE;
}

static bool is_dense(npu_layer_type t) {
    return t == NPU_FULLY_CONNECTED || t == NPU_DENSE1D || t == NPU_DENSE2D;
}

/* Layer types an NP can be programmed with. */
static bool programmable(npu_layer_type t) {
    switch (t) {
    case NPU_INPUT_CONVOLUTIONAL:
    case NPU_CONVOLUTIONAL:
    case NPU_SEPARABLE_CONVOLUTIONAL:
    case NPU_FULLY_CONNECTED:
    case NPU_INPUT_CONV2D:
    case NPU_CONV2D:
    case NPU_DEPTHWISE_CONV2D:
    case NPU_CONV2D_TRANSPOSE:
    case NPU_DEPTHWISE_CONV2D_TRANSPOSE:
    case NPU_DENSE1D:
        return true;
    default:
        return false;
    }
}

/* Pad before of one axis (Same: TensorFlow rule; transposes: (k - s) / 2 floored at 0). */
static uint32_t pad_before(const npu_layer *l, uint32_t in, uint32_t k, uint32_t s) {
    if (is_transpose(l->type)) {
        return k > s ? (k - s) / 2 : 0;
    }
    if (l->p.padding != NPU_PAD_SAME || s == 0) {
        return 0;
    }
    int64_t out = ((int64_t)in + s - 1) / s;
    int64_t total = (out - 1) * s + k - (int64_t)in;
    return total > 0 ? (uint32_t)(total / 2) : 0;
}

/* ---------------------------------------------------------------- weights */

/* Smallest packing width holding every weight: the layer's weights_bits when set (v1),
 * else 4 or 8 (v2). Values are checked against the packing. */
static npu_status weight_bits(bld *b, const npu_var *w, uint32_t *bits) {
    uint32_t wb = b->l->p.weights_bits;
    if (wb != 1 && wb != 2 && wb != 4 && wb != 8) {
        wb = 4;
        const int32_t *d = w->data;
        for (size_t i = 0; i < w->count && wb == 4; i++) {
            if (d[i] < -8 || d[i] > 7) {
                wb = 8;
            }
        }
    }
    int32_t lo = wb == 1 ? 0 : -(1 << (wb - 1)), hi = wb == 1 ? 1 : (1 << (wb - 1)) - 1;
    const int32_t *d = w->data;
    for (size_t i = 0; i < w->count; i++) {
        if (d[i] < lo || d[i] > hi) {
            return bad(b, "%s value %d does not fit the %u-bit weight packing", w->name, (int)d[i],
                       wb);
        }
    }
    *bits = wb;
    return NPU_OK;
}

/* Packed stream being built. */
typedef struct pack {
    uint32_t *w;   /* words */
    size_t n;      /* elements packed */
    size_t cap;    /* word capacity */
    uint32_t bits; /* element width */
} pack;

static npu_status pack_push(pack *pk, int32_t v, npu_err *err) {
    size_t per = 32 / pk->bits, wi = pk->n / per;
    if (wi >= pk->cap) {
        size_t cap = pk->cap ? 2 * pk->cap : 256;
        uint32_t *nw = realloc(pk->w, cap * sizeof *nw);
        if (nw == NULL) {
            return npu_err_set(err, NPU_ERR_INTERNAL, "program: out of memory");
        }
        memset(nw + pk->cap, 0, (cap - pk->cap) * sizeof *nw);
        pk->w = nw;
        pk->cap = cap;
    }
    uint32_t mask = pk->bits == 32 ? 0xffffffffu : (1u << pk->bits) - 1u;
    pk->w[wi] |= ((uint32_t)v & mask) << (pk->bits * (pk->n % per));
    pk->n++;
    return NPU_OK;
}

static size_t pack_words(const pack *pk) {
    size_t per = 32 / pk->bits;
    return (pk->n + per - 1) / per;
}

/* Pads the stream to a word boundary. */
static void pack_align(pack *pk) {
    size_t per = 32 / pk->bits;
    pk->n = (pk->n + per - 1) / per * per;
}

/* Appends filters [first, first+count) of var w along axis, the other axes in C order. */
static npu_status pack_slice(bld *b, pack *pk, const npu_var *w, uint32_t axis, uint32_t first,
                             uint32_t count) {
    if (w->ndim == 0 || axis >= w->ndim || (uint64_t)first + count > w->shape[axis]) {
        return bad(b, "%s: filter slice %u+%u beyond the filter axis", w->name, first, count);
    }
    size_t outer = 1, inner = 1;
    for (uint32_t a = 0; a < axis; a++) {
        outer *= w->shape[a];
    }
    for (uint32_t a = axis + 1; a < w->ndim; a++) {
        inner *= w->shape[a];
    }
    const int32_t *d = w->data;
    for (uint32_t f = first; f < first + count; f++) {
        for (size_t o = 0; o < outer; o++) {
            for (size_t i = 0; i < inner; i++) {
                npu_status st = pack_push(pk, d[(o * w->shape[axis] + f) * inner + i], b->err);
                if (st != NPU_OK) {
                    return st;
                }
            }
        }
    }
    return NPU_OK;
}

/* Filter axis of the main weights: channels for depthwise layers, else the last axis. */
static uint32_t filter_axis(const npu_layer *l, const npu_var *w) {
    if (is_depthwise(l->type) && w->ndim >= 3) {
        return 2;
    }
    return w->ndim - 1;
}

static npu_status emit_weights(bld *b, bool external) {
    const npu_var *w = npu_layer_var(b->l, "weights");
    if (w == NULL || w->dtype != NPU_DTYPE_I32 || w->count == 0) {
        return bad(b, "weights variable missing or not int32");
    }
    pack pk = {0};
    npu_status st = weight_bits(b, w, &pk.bits);
    const npu_var *pw = NULL;
    uint32_t pw_offset = 0, axis = filter_axis(b->l, w);
    size_t group = axis < w->ndim && w->shape[axis] ? w->count / w->shape[axis] : 0;
    if (st == NPU_OK && b->l->type == NPU_SEPARABLE_CONVOLUTIONAL) {
        pw = npu_layer_var(b->l, "weights_pw");
        if (pw == NULL || pw->dtype != NPU_DTYPE_I32 || pw->count == 0) {
            st = bad(b, "weights_pw variable missing or not int32");
        }
        uint32_t pwb = 0;
        st = st ? st : weight_bits(b, pw, &pwb);
        /* depthwise part: all channels, channel-major */
        uint32_t ca = w->ndim >= 3 ? 2 : w->ndim - 1;
        st = st ? st : pack_slice(b, &pk, w, ca, 0, w->shape[ca]);
        pack_align(&pk);
        pw_offset = (uint32_t)pack_words(&pk);
        group = w->shape[ca] ? w->count / w->shape[ca] : 0;
        if (st == NPU_OK && pwb != pk.bits) {
            st = bad(b, "weights_pw bits %u differ from the depthwise weights' bits %u", pwb,
                     pk.bits);
        }
        st = st ? st : pack_slice(b, &pk, pw, pw->ndim - 1, b->np->filter_first, b->np->filters);
    } else if (st == NPU_OK) {
        st = pack_slice(b, &pk, w, axis, b->np->filter_first, b->np->filters);
    }
    st = st ? st : PUT(BITS, WEIGHTS, pk.bits);
    st = st ? st : PUT(WEIGHTS, PW_OFFSET, pw_offset);
    st = st ? st : PUT(WEIGHTS, GROUP, group);
    size_t nw = pack_words(&pk);
    if (st == NPU_OK && nw > 0 && external) {
        uint32_t addr = 0;
        st = cmp_prog_add_ext(b->p, pk.w, nw, &addr, b->err);
        st = st ? st : PUT(EXT_ADDR, ADDR, addr);
        st = st ? st : PUT(EXT_WORDS, WORDS, nw);
    } else if (st == NPU_OK && nw > 0) {
        st = cmp_prog_add_track(b->p, b->np->ident, b->np->type, CMP_TRACK_SRAM,
                                NPU_RM_REGION_WEIGHTS, 0, pk.w, nw, b->err);
    }
    free(pk.w);
    return st;
}

/* ---------------------------------------------------------------- per-filter parameters */

/* Value i of an optional per-filter / per-channel var, or def when absent. */
static npu_status var_at(bld *b, const char *name, size_t i, int32_t def, int64_t lo, int64_t hi,
                         int32_t *out) {
    const npu_var *v = npu_layer_var(b->l, name);
    if (v == NULL) {
        *out = def;
        return NPU_OK;
    }
    if (v->dtype != NPU_DTYPE_I32 || i >= v->count) {
        return bad(b, "%s has %zu values, fewer than the slice needs", name, v->count);
    }
    int32_t x = ((const int32_t *)v->data)[i];
    if (x < lo || x > hi) {
        return bad(b, "%s value %d out of its field's range", name, (int)x);
    }
    *out = x;
    return NPU_OK;
}

static npu_status add_sram(bld *b, uint32_t region, const uint32_t *w, size_t n) {
    return cmp_prog_add_track(b->p, b->np->ident, b->np->type, CMP_TRACK_SRAM, region, 0, w, n,
                              b->err);
}

static npu_status emit_params(bld *b) {
    uint32_t nf = b->np->filters, ff = b->np->filter_first;
    bool v1 = npu_layer_type_version(b->l->type) == 1;
    size_t ew = v1 ? NPU_RM_THRESHOLDS_ENTRY_WORDS : NPU_RM_SCALES_ENTRY_WORDS;
    uint32_t *w = calloc((size_t)nf * ew + 1, sizeof *w);
    if (w == NULL) {
        return npu_err_set(b->err, NPU_ERR_INTERNAL, "program: out of memory");
    }
    npu_status st = NPU_OK;
    for (uint32_t i = 0; st == NPU_OK && i < nf; i++) {
        uint32_t *e = w + (size_t)i * ew;
        int32_t a = 0, c = 0, d = 0, s = 0;
        if (v1) {
            if (npu_layer_var(b->l, "threshold") == NULL ||
                npu_layer_var(b->l, "act_step") == NULL) {
                st = bad(b, "v1 layer needs threshold and act_step variables");
                break;
            }
            st = var_at(b, "threshold", ff + i, 0, INT32_MIN, INT32_MAX, &a);
            st = st ? st : var_at(b, "act_step", ff + i, 1, 1, INT32_MAX, &c);
            e[NPU_RM_THRESHOLDS_THRESHOLD_OFFSET] = (uint32_t)a;
            e[NPU_RM_THRESHOLDS_STEP_OFFSET] = (uint32_t)c;
        } else {
            st = var_at(b, "bias", ff + i, 0, INT32_MIN, INT32_MAX, &a);
            st = st ? st : var_at(b, "output_scale", ff + i, 1, 0, INT32_MAX, &c);
            st = st ? st : var_at(b, "bias_shift", ff + i, 0, 0, 255, &d);
            st = st ? st : var_at(b, "output_shift", ff + i, 0, -128, 127, &s);
            e[NPU_RM_SCALES_BIAS_OFFSET] = (uint32_t)a;
            e[NPU_RM_SCALES_SCALE_OFFSET] = (uint32_t)c;
            e[NPU_RM_SCALES_SHIFTS_OFFSET] = npu_rm_scales_shifts_output_shift_set(
                npu_rm_scales_shifts_bias_shift_set(0, (uint32_t)d), (uint32_t)s & 0xffu);
        }
    }
    if (st == NPU_OK && nf > 0) {
        st = add_sram(b, v1 ? NPU_RM_REGION_THRESHOLDS : NPU_RM_REGION_SCALES, w, (size_t)nf * ew);
    }
    free(w);
    if (st != NPU_OK || v1 || npu_layer_var(b->l, "input_shift") == NULL) {
        return st;
    }
    uint32_t nc = b->l->in_shape.c;
    uint32_t *sh = calloc((size_t)nc + 1, sizeof *sh);
    if (sh == NULL) {
        return npu_err_set(b->err, NPU_ERR_INTERNAL, "program: out of memory");
    }
    for (uint32_t c = 0; st == NPU_OK && c < nc; c++) {
        int32_t v = 0;
        st = var_at(b, "input_shift", c, 0, 0, 255, &v);
        sh[c] = npu_rm_input_shifts_shift_value_set(0, (uint32_t)v);
    }
    st = st ? st : PUT(FLAGS, INPUT_SHIFT, 1);
    st = st || nc == 0 ? st : add_sram(b, NPU_RM_REGION_INPUT_SHIFTS, sh, nc);
    free(sh);
    return st;
}

/* ---------------------------------------------------------------- registers */

static npu_status fill_geometry(bld *b) {
    const npu_layer *l = b->l;
    const npu_params *q = &l->p;
    bool v1 = npu_layer_type_version(l->type) == 1;
    bool flip = l->type == NPU_CONVOLUTIONAL || l->type == NPU_SEPARABLE_CONVOLUTIONAL ||
                l->type == NPU_DEPTHWISE_CONV2D;
    uint32_t cols = b->np->col_count ? b->np->col_count : l->in_shape.x;
    npu_status st = PUT(LAYER, KIND, l->type);
    st = st ? st : PUT(LAYER, VERSION, v1 ? 1 : 2);
    st = st ? st : PUT(LAYER, INDEX, b->li);
    st = st ? st : PUT(FLAGS, ACTIVATION, q->activation ? 1 : 0);
    st = st ? st : PUT(FLAGS, SINGLE_BUFFER, b->np->single_buffer ? 1 : 0);
    st = st ? st : PUT(FLAGS, FLIP, flip ? 1 : 0);
    st = st ? st : PUT(FLAGS, PAD_SAME, q->padding == NPU_PAD_SAME ? 1 : 0);
    st = st ? st : PUT(FLAGS, IN_SIGNED, l->in_signed ? 1 : 0);
    st = st ? st : PUT(FLAGS, OUT_SIGNED, l->out_signed ? 1 : 0);
    st = st ? st : PUT(IN_XY, X, l->in_shape.x);
    st = st ? st : PUT(IN_XY, Y, l->in_shape.y);
    st = st ? st : PUT(IN_C, C, l->in_shape.c);
    st = st ? st : PUT(COLS, FIRST, b->np->col_first);
    st = st ? st : PUT(COLS, COUNT, cols);
    st = st ? st : PUT(OUT_XY, X, l->out_shape.x);
    st = st ? st : PUT(OUT_XY, Y, l->out_shape.y);
    st = st ? st : PUT(OUT_C, C, l->out_shape.c);
    st = st ? st : PUT(BITS, IN, l->in_bits);
    st = st ? st : PUT(BITS, OUT, l->out_bits);
    st = st ? st : PUT(BITS, BUFFER, v1 ? 0 : q->buffer_bits);
    st = st ? st : PUT(FILTERS, FIRST, b->np->filter_first);
    st = st ? st : PUT(FILTERS, COUNT, b->np->filters);
    if (st != NPU_OK || is_dense(l->type)) {
        return st;
    }
    st = PUT(KERNEL, KX, q->kernel_x);
    st = st ? st : PUT(KERNEL, KY, q->kernel_y);
    st = st ? st : PUT(KERNEL, SX, q->stride_x);
    st = st ? st : PUT(KERNEL, SY, q->stride_y);
    st = st ? st : PUT(KERNEL, PAD_X, pad_before(l, l->in_shape.x, q->kernel_x, q->stride_x));
    st = st ? st : PUT(KERNEL, PAD_Y, pad_before(l, l->in_shape.y, q->kernel_y, q->stride_y));
    st = st ? st : PUT(KERNEL, PAD_VALUE, (uint32_t)q->padding_value);
    st = st ? st : PUT(POOL, TYPE, q->pool_type);
    if (st != NPU_OK || q->pool_type == NPU_POOL_NONE) {
        return st;
    }
    bool global = q->pool_type == NPU_POOL_AVG || q->pool_x < 0 || q->pool_y < 0;
    st = PUT(POOL, GLOBAL, global ? 1 : 0);
    if (global) {
        return st;
    }
    st = st ? st : PUT(POOL, SX, q->pool_x);
    st = st ? st : PUT(POOL, SY, q->pool_y);
    st = st ? st : PUT(POOL, STRIDE_X, q->pool_stride_x > 0 ? q->pool_stride_x : q->pool_x);
    st = st ? st : PUT(POOL, STRIDE_Y, q->pool_stride_y > 0 ? q->pool_stride_y : q->pool_y);
    return st;
}

/* Destinations: the DEST_* entries cmp_np_dests computes (consumer NPs of the same pass whose
 * needed columns overlap this NP's output, grouped per node; the event DMA for output leaving
 * the pass), each carrying this NP's filter range. */
static npu_status fill_dests(bld *b) {
    cmp_dest d[NPU_RM_MAX_DESTINATIONS];
    uint32_t n = cmp_np_dests(b->m, b->seq, b->pass, b->li, b->np, b->mesh->dma_event, d,
                              NPU_RM_MAX_DESTINATIONS, NULL);
    if (n > NPU_RM_MAX_DESTINATIONS) {
        return bad(b, "more than the register map's %u destination entries",
                   NPU_RM_MAX_DESTINATIONS);
    }
    npu_status st = NPU_OK;
    for (uint32_t i = 0; st == NPU_OK && i < n; i++) {
        st = PUTI(DEST_IDENT, i, COL, d[i].node.col);
        st = st ? st : PUTI(DEST_IDENT, i, ROW, d[i].node.row);
        st = st ? st : PUTI(DEST_IDENT, i, SLOTS, d[i].slots);
        st = st ? st : PUTI(DEST_IDENT, i, DMA, d[i].dma ? 1 : 0);
        st = st ? st : PUTI(DEST_IDENT, i, VALID, 1);
        st = st ? st : PUTI(DEST_FILTERS, i, FIRST, b->np->filter_first);
        st = st ? st : PUTI(DEST_FILTERS, i, COUNT, b->np->filters);
        st = st ? st : PUTI(DEST_COLS, i, FIRST, d[i].col_first);
        st = st ? st : PUTI(DEST_COLS, i, COUNT, d[i].col_count);
    }
    return st ? st : PUT(NDEST, COUNT, n);
}

/* Emits the tracks of one NP mapping. */
static npu_status emit_np(bld *b) {
    uint32_t rm;
    if (!cmp_rm_type_of(b->np->type, &rm)) {
        return bad(b, "NP type code %d is not described by the register map", (int)b->np->type);
    }
    if (!programmable(b->l->type)) {
        return bad(b, "layer type %s cannot be programmed on an NP",
                   npu_layer_type_name(b->l->type));
    }
    if (is_dense(b->l->type) != (rm == NPU_RM_TYPE_FNP)) {
        return bad(b, "layer type %s does not run on NP type code %d",
                   npu_layer_type_name(b->l->type), (int)b->np->type);
    }
    memset(b->regs, 0, sizeof b->regs);
    for (size_t i = 0; i < NPU_RM_NUM_REGISTERS; i++) {
        const npu_rm_reg_desc *r = &npu_rm_registers[i];
        for (uint32_t k = 0; (r->types & (1u << rm)) && k < r->nwords; k++) {
            b->regs[r->offset + k] = r->reset;
        }
    }
    size_t regs_track = b->p->n_tracks;
    /* register track first: reserve it, fill after the SRAM tracks set WEIGHTS/EXT fields */
    npu_status st = cmp_prog_add_track(b->p, b->np->ident, b->np->type, CMP_TRACK_REGISTERS, 0, 0,
                                       b->regs, npu_rm_types[rm].nregs, b->err);
    st = st ? st : fill_geometry(b);
    st = st ? st : fill_dests(b);
    st = st ? st : emit_weights(b, b->np->type == MESH_NP_FNP2);
    st = st ? st : emit_params(b);
    if (st == NPU_OK) {
        const cmp_prog_track *t = &b->p->tracks[regs_track];
        memcpy(b->p->words + t->first_word, b->regs, t->n_words * sizeof *b->regs);
    }
    return st;
}

/* ---------------------------------------------------------------- program */

static cmp_out_dtype out_dtype(const npu_model *m) {
    uint32_t n = npu_model_layer_count(m);
    const npu_layer *l = n ? npu_model_layer(m, n - 1) : NULL;
    if (l == NULL || l->out_bits > 8) {
        return CMP_OUT_INT32;
    }
    return l->out_signed ? CMP_OUT_INT8 : CMP_OUT_UINT8;
}

static npu_status fill_info(cmp_program *p, const npu_model *m, const mesh_desc *mesh,
                            npu_err *err) {
    cmp_prog_info *in = &p->info;
    int ip = npu_model_ip_version(m);
    if (mesh->ip_version != 1 && mesh->ip_version != 2) {
        return npu_err_set(err, NPU_ERR_INPUT, "program: mesh %s has IP version %d", mesh->name,
                           mesh->ip_version);
    }
    if (ip != mesh->ip_version) {
        return npu_err_set(err, NPU_ERR_INPUT, "program: model is IP v%d but mesh %s is v%d", ip,
                           mesh->name, mesh->ip_version);
    }
    in->format_version = CMP_PROGRAM_FORMAT_VERSION;
    in->ip_version = (uint32_t)ip;
    snprintf(in->device, sizeof in->device, "%s", mesh->name);
    in->in_shape = npu_model_input_shape(m);
    in->in_bits = npu_model_input_bits(m);
    in->in_signed = npu_model_input_signed(m);
    in->out_shape = npu_model_output_shape(m);
    in->out_dtype = out_dtype(m);
    in->n_layers = npu_model_layer_count(m);
    return NPU_OK;
}

/* Emits the passes of one hardware sequence. */
static npu_status emit_sequence(bld *b, uint32_t si) {
    cmp_program *p = b->p;
    for (uint32_t pass = 0; pass < b->seq->n_passes; pass++) {
        cmp_prog_pass *pp = &p->passes[p->sequences[si].first_pass + pass];
        *pp = (cmp_prog_pass){si, p->n_tracks, 0};
        b->pass = pass;
        for (uint32_t k = 0; k < b->seq->n_layers; k++) {
            const cmp_layer_map *lm = &b->seq->layers[k];
            if (lm->pass != pass) {
                continue;
            }
            b->li = lm->layer;
            b->l = npu_model_layer(b->m, lm->layer);
            for (uint32_t n = 0; n < lm->n_nps; n++) {
                b->np = &lm->nps[n];
                npu_status st = emit_np(b);
                if (st != NPU_OK) {
                    return st;
                }
            }
        }
        pp->n_tracks = p->n_tracks - pp->first_track;
    }
    return NPU_OK;
}

/* Structural checks of the mapping before anything is emitted. */
static npu_status check_mapped(const npu_model *m, const cmp_mapped *mm, npu_err *err) {
    uint32_t nl = npu_model_layer_count(m);
    for (uint32_t s = 0; s < mm->n_sequences; s++) {
        const cmp_sequence *q = &mm->sequences[s];
        if (q->first > q->last || q->last >= nl || (q->n_layers > 0 && q->layers == NULL)) {
            return npu_err_set(err, NPU_ERR_INPUT, "program: sequence %s: bad layer range %u-%u",
                               q->name, q->first, q->last);
        }
        bool hw = q->backend != CMP_BACKEND_SOFTWARE;
        for (uint32_t k = 0; k < q->n_layers; k++) {
            const cmp_layer_map *lm = &q->layers[k];
            if (lm->layer >= nl || (hw && lm->pass >= q->n_passes) ||
                (lm->n_nps > 0 && lm->nps == NULL)) {
                return npu_err_set(err, NPU_ERR_INPUT,
                                   "program: sequence %s: layer map %u has "
                                   "a bad layer index or pass",
                                   q->name, k);
            }
        }
    }
    return NPU_OK;
}

npu_status cmp_program_build(const npu_model *model, const cmp_mapped *mm, const mesh_desc *mesh,
                             cmp_program **out, npu_err *err) {
    *out = NULL;
    cmp_program *p = calloc(1, sizeof *p);
    if (p == NULL) {
        return npu_err_set(err, NPU_ERR_INTERNAL, "program: out of memory");
    }
    npu_status st = fill_info(p, model, mesh, err);
    st = st ? st : check_mapped(model, mm, err);
    uint32_t n_passes = 0;
    for (uint32_t s = 0; st == NPU_OK && s < mm->n_sequences; s++) {
        if (mm->sequences[s].backend != CMP_BACKEND_SOFTWARE) {
            n_passes += mm->sequences[s].n_passes;
        }
    }
    if (st == NPU_OK) {
        p->sequences = calloc(mm->n_sequences + 1, sizeof *p->sequences);
        p->passes = calloc(n_passes + 1, sizeof *p->passes);
        if (p->sequences == NULL || p->passes == NULL) {
            st = npu_err_set(err, NPU_ERR_INTERNAL, "program: out of memory");
        }
    }
    p->n_sequences = st == NPU_OK ? mm->n_sequences : 0;
    p->n_passes = st == NPU_OK ? n_passes : 0;
    bld b = {.p = p, .m = model, .mm = mm, .mesh = mesh, .err = err};
    uint32_t first_pass = 0;
    for (uint32_t s = 0; st == NPU_OK && s < mm->n_sequences; s++) {
        const cmp_sequence *q = &mm->sequences[s];
        cmp_prog_sequence *ps = &p->sequences[s];
        snprintf(ps->name, sizeof ps->name, "%s", q->name);
        ps->backend = q->backend;
        ps->first_layer = q->first;
        ps->last_layer = q->last;
        ps->first_pass = first_pass;
        ps->n_passes = q->backend == CMP_BACKEND_SOFTWARE ? 0 : q->n_passes;
        first_pass += ps->n_passes;
        b.seq = q;
        st = ps->n_passes ? emit_sequence(&b, s) : NPU_OK;
    }
    if (st != NPU_OK) {
        cmp_program_free(p);
        return st;
    }
    *out = p;
    return NPU_OK;
}

npu_status cmp_program_measure(const npu_model *model, cmp_mapped *mm, const mesh_desc *mesh,
                               cmp_program **out, npu_err *err) {
    cmp_program *whole = NULL;
    npu_status st = cmp_program_build(model, mm, mesh, &whole, err);
    uint64_t *seq = st == NPU_OK ? calloc((size_t)mm->n_sequences + 1, sizeof *seq) : NULL;
    if (st == NPU_OK && seq == NULL) {
        st = npu_err_set(err, NPU_ERR_INTERNAL, "program: out of memory");
    }
    for (uint32_t s = 0; st == NPU_OK && s < mm->n_sequences; s++) {
        if (mm->sequences[s].backend == CMP_BACKEND_SOFTWARE) {
            continue;
        }
        cmp_mapped one = *mm; /* a program holding sequence s alone */
        one.n_sequences = 1;
        one.sequences = &mm->sequences[s];
        cmp_program *p = NULL;
        st = cmp_program_build(model, &one, mesh, &p, err);
        seq[s] = st == NPU_OK ? (uint64_t)cmp_program_encoded_size(p) : 0;
        cmp_program_free(p);
    }
    if (st == NPU_OK) {
        for (uint32_t s = 0; s < mm->n_sequences; s++) {
            if (mm->sequences[s].backend != CMP_BACKEND_SOFTWARE) {
                mm->sequences[s].program_bytes = seq[s];
            }
        }
        mm->program_bytes = (uint64_t)cmp_program_encoded_size(whole);
        mm->program_estimated = false;
    }
    free(seq);
    if (st != NPU_OK || out == NULL) {
        cmp_program_free(whole);
        whole = NULL;
    }
    if (out != NULL) {
        *out = whole;
    }
    return st;
}
