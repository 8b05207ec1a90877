/*
 * np_config: decodes what the configuration port wrote into an NP (register block and SRAM
 * regions, laid out by the generated register map npu_regmap.h, docs/register-map.md) into
 * npu_np_config and unpacked weights / per-filter parameters. Everything is validated: an
 * unknown KIND, a slice beyond the layer's dims, geometry that does not match OUT_XY, a
 * WEIGHTS region (or FNP2 external window) too small, invalid bit widths or reserved bits
 * set fail with NPU_ERR_INPUT naming the register and field. Nothing here trusts a field.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "np_internal.h"
#include "npu_kernels.h"

/* Field of register word w (generated LSB / WIDTH macros). */
#define NP_FIELD(w, reg, field)                                                                    \
    ((uint32_t)(((uint64_t)(w) >> NPU_RM_##reg##_##field##_LSB) &                                  \
                ((1ull << NPU_RM_##reg##_##field##_WIDTH) - 1u)))
#define GET(reg, field) NP_FIELD(np->regs[NPU_RM_##reg##_OFFSET], reg, field)
#define GETI(reg, i, field) NP_FIELD(np->regs[NPU_RM_##reg##_OFFSET + (i)], reg, field)

/* Largest window (kernel, pool) field value: 4-bit fields. */
#define NP_V2_SHIFT_MAX 31 /* input_shift, bias_shift upper bound (golden ranges) */
#define NP_V2_OSHIFT_MIN (-32)
#define NP_V2_OSHIFT_MAX 63

/* "NP <type>: <REG.FIELD>: message" as NPU_ERR_INPUT. */
static npu_status np_fail(const npu_np *np, npu_err *err, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static npu_status np_fail(const npu_np *np, npu_err *err, const char *field, const char *fmt, ...) {
    char m[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m, sizeof m, fmt, ap);
    va_end(ap);
    return npu_err_set(err, NPU_ERR_INPUT, "NP %s: %s: %s", npu_rm_types[np->kind].name, field, m);
}

static npu_status np_oom(npu_err *err) {
    return npu_err_set(err, NPU_ERR_INTERNAL, "NP: out of memory");
}

void np_free_decoded(npu_np *np) {
    int32_t **arr[] = {&np->w,    &np->w_pw,  &np->thr,    &np->step,
                       &np->bias, &np->scale, &np->bshift, &np->oshift};
    for (size_t i = 0; i < sizeof arr / sizeof arr[0]; i++) {
        free(*arr[i]);
        *arr[i] = NULL;
    }
    int32_t **arr2[] = {&np->inbuf, &np->levels, &np->row};
    for (size_t i = 0; i < sizeof arr2 / sizeof arr2[0]; i++) {
        free(*arr2[i]);
        *arr2[i] = NULL;
    }
    uint32_t **arr3[] = {&np->ishift, &np->pot, &np->hits_x, &np->hits_y, &np->pw};
    for (size_t i = 0; i < sizeof arr3 / sizeof arr3[0]; i++) {
        free(*arr3[i]);
        *arr3[i] = NULL;
    }
    free(np->pw_w16);
    np->pw_w16 = NULL;
    np->pot_n = np->inbuf_n = 0;
    np->n_levels = 0;
    np->gather = np->dirty = false;
    np->configured = false;
}

/* ---------------------------------------------------------------- registers */

/* Reserved bits of the register block of this NP type must be 0. */
static npu_status check_reserved(const npu_np *np, npu_err *err) {
    uint32_t nregs = npu_rm_types[np->kind].nregs;
    uint32_t used[NP_MAX_REGS] = {0};
    for (size_t i = 0; i < NPU_RM_NUM_REGISTERS; i++) {
        const npu_rm_reg_desc *r = &npu_rm_registers[i];
        for (uint32_t k = 0; (r->types & (1u << np->kind)) && k < r->nwords; k++) {
            used[r->offset + k] = r->used_mask;
        }
    }
    for (uint32_t o = 0; o < nregs && o < NP_MAX_REGS; o++) {
        if (np->regs[o] & ~used[o]) {
            char f[32];
            snprintf(f, sizeof f, "register word %u", o);
            return np_fail(np, err, f, "reserved bits 0x%08x set", np->regs[o] & ~used[o]);
        }
    }
    return NPU_OK;
}

/* Layer kinds each NP kind runs. */
static bool kind_fits(npu_np_kind k, uint32_t t) {
    switch (k) {
    case NPU_NP_HRC:
        return t == NPU_INPUT_CONVOLUTIONAL || t == NPU_INPUT_CONV2D;
    case NPU_NP_CNP:
        return t == NPU_CONVOLUTIONAL || t == NPU_SEPARABLE_CONVOLUTIONAL || t == NPU_CONV2D ||
               t == NPU_DEPTHWISE_CONV2D || t == NPU_CONV2D_TRANSPOSE ||
               t == NPU_DEPTHWISE_CONV2D_TRANSPOSE;
    case NPU_NP_FNP:
        return t == NPU_FULLY_CONNECTED || t == NPU_DENSE1D;
    }
    return false;
}

static npu_status decode_layer(npu_np *np, npu_err *err) {
    npu_np_config *c = &np->cfg;
    uint32_t kind = GET(LAYER, KIND);
    if (kind == 0 || kind >= NPU_LAYER_TYPE_COUNT || !kind_fits(np->kind, kind)) {
        return np_fail(np, err, "LAYER.KIND", "layer kind %u is not run by this NP type", kind);
    }
    c->layer = (npu_layer_type)kind;
    c->version = GET(LAYER, VERSION);
    if ((int)c->version != npu_layer_type_version(c->layer)) {
        return np_fail(np, err, "LAYER.VERSION", "version %u does not match %s", c->version,
                       npu_layer_type_name(c->layer));
    }
    c->layer_index = GET(LAYER, INDEX);
    c->activation = GET(FLAGS, ACTIVATION);
    c->single_buffer = GET(FLAGS, SINGLE_BUFFER);
    c->flip = GET(FLAGS, FLIP);
    c->same = GET(FLAGS, PAD_SAME);
    c->transpose = kind == NPU_CONV2D_TRANSPOSE || kind == NPU_DEPTHWISE_CONV2D_TRANSPOSE;
    c->depthwise = kind == NPU_DEPTHWISE_CONV2D || kind == NPU_DEPTHWISE_CONV2D_TRANSPOSE;
    return NPU_OK;
}

static npu_status decode_dims(npu_np *np, npu_err *err) {
    npu_np_config *c = &np->cfg;
    c->in = (npu_shape){GET(IN_XY, X), GET(IN_XY, Y), GET(IN_C, C)};
    if (c->in.x == 0 || c->in.y == 0 || c->in.c == 0) {
        return np_fail(np, err, "IN_XY/IN_C", "input dims %ux%u, %u channels have a zero", c->in.x,
                       c->in.y, c->in.c);
    }
    c->col_first = GET(COLS, FIRST);
    c->col_count = GET(COLS, COUNT);
    if (c->col_count == 0 || (uint64_t)c->col_first + c->col_count > c->in.x) {
        return np_fail(np, err, "COLS", "column slice %u+%u beyond the input width %u",
                       c->col_first, c->col_count, c->in.x);
    }
    c->out = (npu_shape){GET(OUT_XY, X), GET(OUT_XY, Y), GET(OUT_C, C)};
    uint32_t want_c = c->depthwise ? c->in.c : c->out.c;
    if (c->out.c == 0 || c->out.c != want_c) {
        return np_fail(np, err, "OUT_C", "%u output channels (expected %u)", c->out.c, want_c);
    }
    c->filter_first = GET(FILTERS, FIRST);
    c->filter_count = GET(FILTERS, COUNT);
    if (c->filter_count == 0 || (uint64_t)c->filter_first + c->filter_count > c->out.c) {
        return np_fail(np, err, "FILTERS", "filter slice %u+%u beyond the %u filters",
                       c->filter_first, c->filter_count, c->out.c);
    }
    return NPU_OK;
}

static npu_status decode_bits(npu_np *np, npu_err *err) {
    npu_np_config *c = &np->cfg;
    c->in_bits = GET(BITS, IN);
    c->weight_bits = GET(BITS, WEIGHTS);
    c->out_bits = GET(BITS, OUT);
    c->buffer_bits = GET(BITS, BUFFER);
    uint32_t wb = c->weight_bits;
    if (c->in_bits < 1 || c->in_bits > 8) {
        return np_fail(np, err, "BITS.IN", "input bits %u not in 1..8", c->in_bits);
    }
    if (wb != 1 && wb != 2 && wb != 4 && wb != 8) {
        return np_fail(np, err, "BITS.WEIGHTS", "weight bits %u not 1, 2, 4 or 8", wb);
    }
    if (c->out_bits < 1 || c->out_bits > 32 || (c->activation && c->out_bits > 31)) {
        return np_fail(np, err, "BITS.OUT", "output bits %u invalid", c->out_bits);
    }
    if (c->version == 2 ? (c->buffer_bits < 1 || c->buffer_bits > 32) : c->buffer_bits != 0) {
        return np_fail(np, err, "BITS.BUFFER", "buffer bits %u invalid for a v%u layer",
                       c->buffer_bits, c->version);
    }
    return NPU_OK;
}

/* Pooling registers into cfg->pool*, validated. */
static npu_status decode_pool(npu_np *np, npu_err *err) {
    npu_np_config *c = &np->cfg;
    uint32_t t = GET(POOL, TYPE), global = GET(POOL, GLOBAL);
    c->pool = (npu_pool_type)t;
    if (t > NPU_POOL_AVG || (t == NPU_POOL_AVG) != (global == 1) ||
        (t == NPU_POOL_NONE && np->regs[NPU_RM_POOL_OFFSET] != 0)) {
        return np_fail(np, err, "POOL.TYPE", "pool type %u with GLOBAL %u invalid", t, global);
    }
    if (t != NPU_POOL_NONE && (c->transpose || np->kind == NPU_NP_FNP)) {
        return np_fail(np, err, "POOL.TYPE", "%s has no pooling", npu_layer_type_name(c->layer));
    }
    if (t != NPU_POOL_MAX) {
        return NPU_OK;
    }
    c->pool_x = GET(POOL, SX);
    c->pool_y = GET(POOL, SY);
    c->pool_sx = GET(POOL, STRIDE_X);
    c->pool_sy = GET(POOL, STRIDE_Y);
    if (c->pool_x == 0 || c->pool_y == 0 || c->pool_sx == 0 || c->pool_sy == 0) {
        return np_fail(np, err, "POOL.SX/SY/STRIDE", "max pool window %ux%u stride %ux%u has a 0",
                       c->pool_x, c->pool_y, c->pool_sx, c->pool_sy);
    }
    return NPU_OK;
}

/* Kernel registers and the convolution / pooled geometry, checked against OUT_XY. */
static npu_status decode_conv_geom(npu_np *np, npu_err *err) {
    npu_np_config *c = &np->cfg;
    npu_padding pm = c->same ? NPU_PAD_SAME : NPU_PAD_VALID;
    c->kx = GET(KERNEL, KX);
    c->ky = GET(KERNEL, KY);
    c->sx = GET(KERNEL, SX);
    c->sy = GET(KERNEL, SY);
    c->pad_x = GET(KERNEL, PAD_X);
    c->pad_y = GET(KERNEL, PAD_Y);
    if (c->kx == 0 || c->ky == 0 || c->sx == 0 || c->sy == 0) {
        return np_fail(np, err, "KERNEL", "kernel %ux%u stride %ux%u has a 0", c->kx, c->ky, c->sx,
                       c->sy);
    }
    uint32_t px, py;
    if (c->transpose) {
        c->conv = (npu_shape){c->in.x * c->sx, c->in.y * c->sy, c->out.c};
        px = c->kx > c->sx ? (c->kx - c->sx) / 2 : 0;
        py = c->ky > c->sy ? (c->ky - c->sy) / 2 : 0;
    } else {
        c->conv = (npu_shape){npu_out_size(c->in.x, c->kx, c->sx, pm),
                              npu_out_size(c->in.y, c->ky, c->sy, pm), c->out.c};
        px = npu_pad_before(c->in.x, c->kx, c->sx, pm);
        py = npu_pad_before(c->in.y, c->ky, c->sy, pm);
    }
    if (c->pad_x != px || c->pad_y != py) {
        return np_fail(np, err, "KERNEL.PAD_X/PAD_Y", "padding %u,%u (geometry gives %u,%u)",
                       c->pad_x, c->pad_y, px, py);
    }
    if (c->conv.x == 0 || c->conv.y == 0) {
        return np_fail(np, err, "KERNEL", "kernel %ux%u larger than the %ux%u input", c->kx, c->ky,
                       c->in.x, c->in.y);
    }
    npu_status st = decode_pool(np, err);
    if (st != NPU_OK) {
        return st;
    }
    npu_shape o = c->conv;
    if (c->pool == NPU_POOL_AVG) {
        o.x = o.y = 1;
    } else if (c->pool == NPU_POOL_MAX) {
        o.x = npu_out_size(c->conv.x, c->pool_x, c->pool_sx, pm);
        o.y = npu_out_size(c->conv.y, c->pool_y, c->pool_sy, pm);
    }
    if (o.x == 0 || o.y == 0 || o.x != c->out.x || o.y != c->out.y) {
        return np_fail(np, err, "OUT_XY", "output %ux%u does not match the geometry (%ux%u)",
                       c->out.x, c->out.y, o.x, o.y);
    }
    return NPU_OK;
}

static npu_status decode_dense_geom(npu_np *np, npu_err *err) {
    npu_np_config *c = &np->cfg;
    if (c->out.x != 1 || c->out.y != 1) {
        return np_fail(np, err, "OUT_XY", "a dense layer outputs 1x1 (got %ux%u)", c->out.x,
                       c->out.y);
    }
    if (np->regs[NPU_RM_POOL_OFFSET] != 0 || np->regs[NPU_RM_KERNEL_OFFSET] != 0) {
        return np_fail(np, err, "KERNEL/POOL", "dense layers have no kernel or pooling%s", "");
    }
    c->conv = c->out;
    c->kx = c->ky = c->sx = c->sy = 1;
    c->pool = NPU_POOL_NONE;
    return NPU_OK;
}

/* Decodes the DEST_* entries into the routing table, one element per destination NP: an NP
 * entry names slots of one node (SLOTS mask, expanded in slot order), a DMA entry the event
 * DMA endpoint (SLOTS 0). Every entry below NDEST.COUNT must be VALID. */
_Static_assert(NPU_NP_MAX_DEST >= NPU_RM_MAX_DESTINATIONS * NPU_RM_DEST_IDENT_SLOTS_WIDTH,
               "npu_np_config.dest[] holds every slot of every DEST entry");

static npu_status decode_dests(npu_np *np, npu_err *err) {
    npu_np_config *c = &np->cfg;
    uint32_t n = GET(NDEST, COUNT);
    c->n_dest = 0;
    if (n > NPU_RM_MAX_DESTINATIONS) {
        return np_fail(np, err, "NDEST.COUNT", "%u destinations > %u", n, NPU_RM_MAX_DESTINATIONS);
    }
    for (uint32_t i = 0; i < n; i++) {
        uint32_t slots = GETI(DEST_IDENT, i, SLOTS);
        bool dma = GETI(DEST_IDENT, i, DMA);
        if (!GETI(DEST_IDENT, i, VALID)) {
            return np_fail(np, err, "DEST_IDENT.VALID", "destination %u is not marked valid", i);
        }
        if (dma ? slots != 0 : slots == 0) {
            return np_fail(np, err, "DEST_IDENT.SLOTS",
                           "destination %u: slot mask 0x%x with DMA %u", i, slots, dma ? 1u : 0u);
        }
        for (uint32_t id = 0; id < NPU_RM_DEST_IDENT_SLOTS_WIDTH; id++) {
            if (!dma && !(slots & (1u << id))) {
                continue;
            }
            c->dest[c->n_dest].col = (uint8_t)GETI(DEST_IDENT, i, COL);
            c->dest[c->n_dest].row = (uint8_t)GETI(DEST_IDENT, i, ROW);
            c->dest[c->n_dest].id = (uint8_t)(dma ? 0 : id);
            c->dest[c->n_dest].dma = dma;
            c->dest[c->n_dest].filter_first = GETI(DEST_FILTERS, i, FIRST);
            c->dest[c->n_dest].filter_count = GETI(DEST_FILTERS, i, COUNT);
            c->dest[c->n_dest].col_first = GETI(DEST_COLS, i, FIRST);
            c->dest[c->n_dest].col_count = GETI(DEST_COLS, i, COUNT);
            c->n_dest++;
            if (dma) {
                break;
            }
        }
    }
    return NPU_OK;
}

/* ---------------------------------------------------------------- weights */

/* Element i of a packed b-bit stream (two's complement, b = 1 unsigned). */
static int32_t unpack_at(const uint32_t *w, uint32_t b, size_t i) {
    size_t per = 32u / b;
    uint32_t raw = (w[i / per] >> (b * (i % per))) & ((b == 32 ? 0u : (1u << b)) - 1u);
    if (b > 1 && (raw >> (b - 1))) {
        return (int32_t)raw - (int32_t)(1u << b);
    }
    return (int32_t)raw;
}

static size_t words_for(size_t elems, uint32_t b) {
    size_t per = 32u / b;
    return (elems + per - 1) / per;
}

/* The packed weight words: WEIGHTS region, or the FNP2 window of the external image. */
static npu_status weight_source(npu_np *np, const uint32_t **w, size_t *n, uint32_t **tmp,
                                npu_err *err) {
    npu_np_config *c = &np->cfg;
    *tmp = NULL;
    if (np->kind == NPU_NP_FNP) {
        c->ext_addr = GET(EXT_ADDR, ADDR);
        c->ext_words = GET(EXT_WORDS, WORDS);
    }
    c->external_weights = c->ext_words > 0;
    if (!c->external_weights) {
        *w = np->sram[NPU_RM_REGION_WEIGHTS].w;
        *n = np->sram[NPU_RM_REGION_WEIGHTS].n;
        return NPU_OK;
    }
    if (c->ext_addr % 4 != 0 || np->ext == NULL ||
        (uint64_t)c->ext_addr + (uint64_t)c->ext_words * 4u > np->ext_n) {
        return np_fail(np, err, "EXT_ADDR/EXT_WORDS",
                       "external window %u + %u words outside the %zu-byte image (or unaligned)",
                       c->ext_addr, c->ext_words, np->ext_n);
    }
    uint32_t *t = malloc((size_t)c->ext_words * sizeof *t);
    if (t == NULL) {
        return np_oom(err);
    }
    const uint8_t *p = np->ext + c->ext_addr;
    for (size_t i = 0; i < c->ext_words; i++) {
        t[i] = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 | (uint32_t)p[4 * i + 2] << 16 |
               (uint32_t)p[4 * i + 3] << 24;
    }
    *tmp = t;
    *w = t;
    *n = c->ext_words;
    return NPU_OK;
}

/* Expected WEIGHTS.GROUP (elements per filter). */
static uint64_t expected_group(const npu_np_config *c) {
    if (c->layer == NPU_FULLY_CONNECTED || c->layer == NPU_DENSE1D) {
        return npu_shape_size(c->in);
    }
    uint64_t k = (uint64_t)c->kx * c->ky;
    if (c->depthwise || c->layer == NPU_SEPARABLE_CONVOLUTIONAL) {
        return k;
    }
    return k * c->in.c;
}

/* Unpacks the main stream (filter-major) into np->w with filters innermost. */
static void unpack_main(npu_np *np, const uint32_t *w) {
    const npu_np_config *c = &np->cfg;
    uint32_t b = c->weight_bits, fc = c->filter_count, C = c->in.c;
    bool dense = np->kind == NPU_NP_FNP;
    if (c->layer == NPU_SEPARABLE_CONVOLUTIONAL) { /* [c][kx][ky] -> [kx][ky][c] */
        size_t k = (size_t)c->kx * c->ky;
        for (size_t ch = 0; ch < C; ch++) {
            for (size_t t = 0; t < k; t++) {
                np->w[t * C + ch] = unpack_at(w, b, ch * k + t);
            }
        }
        size_t base = (size_t)GET(WEIGHTS, PW_OFFSET) * (32u / b);
        for (size_t f = 0; f < fc; f++) { /* [f][c] -> [c][f] */
            for (size_t ch = 0; ch < C; ch++) {
                np->w_pw[ch * fc + f] = unpack_at(w, b, base + f * C + ch);
            }
        }
        return;
    }
    size_t group = dense ? npu_shape_size(c->in) : (size_t)expected_group(c);
    for (size_t f = 0; f < fc; f++) { /* [f][rest] -> [rest][f] */
        for (size_t i = 0; i < group; i++) {
            np->w[i * fc + f] = unpack_at(w, b, f * group + i);
        }
    }
}

static npu_status decode_weights(npu_np *np, npu_err *err) {
    npu_np_config *c = &np->cfg;
    uint64_t group = expected_group(c);
    if (GET(WEIGHTS, GROUP) != group) {
        return np_fail(np, err, "WEIGHTS.GROUP", "%u weights per filter (expected %llu)",
                       GET(WEIGHTS, GROUP), (unsigned long long)group);
    }
    bool sep = c->layer == NPU_SEPARABLE_CONVOLUTIONAL;
    uint32_t b = c->weight_bits;
    uint64_t main_elems = sep ? group * c->in.c : group * c->filter_count;
    uint64_t need = words_for(main_elems, b);
    uint64_t pw_off = GET(WEIGHTS, PW_OFFSET);
    if (sep) {
        if (pw_off < need) {
            return np_fail(np, err, "WEIGHTS.PW_OFFSET",
                           "offset %llu inside the %llu depthwise words",
                           (unsigned long long)pw_off, (unsigned long long)need);
        }
        need = pw_off + words_for((uint64_t)c->filter_count * c->in.c, b);
    } else if (pw_off != 0) {
        return np_fail(np, err, "WEIGHTS.PW_OFFSET", "must be 0 for %s",
                       npu_layer_type_name(c->layer));
    }
    if (main_elems > ((uint64_t)1 << 28)) {
        return np_fail(np, err, "WEIGHTS.GROUP", "%llu weights exceed the model limit",
                       (unsigned long long)main_elems);
    }
    const uint32_t *w = NULL;
    uint32_t *tmp = NULL;
    size_t n = 0;
    npu_status st = weight_source(np, &w, &n, &tmp, err);
    if (st != NPU_OK) {
        return st;
    }
    if (n < need) {
        free(tmp);
        return np_fail(np, err, c->external_weights ? "EXT_WORDS" : "WEIGHTS region",
                       "%zu words hold fewer than the %llu the slice needs", n,
                       (unsigned long long)need);
    }
    c->weight_bytes = need * 4u;
    np->w = malloc((size_t)main_elems * sizeof *np->w + sizeof *np->w);
    np->w_pw = sep ? malloc(((size_t)c->filter_count * c->in.c + 1) * sizeof *np->w_pw) : NULL;
    if (np->w == NULL || (sep && np->w_pw == NULL)) {
        free(tmp);
        return np_oom(err);
    }
    unpack_main(np, w);
    free(tmp);
    uint32_t row = (c->depthwise || sep) ? 1u : c->filter_count;
    np->row_words = (uint32_t)words_for(row, b);
    return NPU_OK;
}

/* ---------------------------------------------------------------- per-filter parameters */

/* Region words, checked to hold n entries of ew words. */
static npu_status region_entries(npu_np *np, uint32_t region, size_t n, size_t ew,
                                 const uint32_t **out, npu_err *err) {
    const np_region *r = &np->sram[region];
    if (r->n < n * ew) {
        return np_fail(np, err, npu_rm_regions[region].name,
                       "%zu words, fewer than the %zu entries of %zu words needed", r->n, n, ew);
    }
    *out = r->w;
    return NPU_OK;
}

static npu_status decode_v1_params(npu_np *np, npu_err *err) {
    uint32_t nf = np->cfg.filter_count;
    const uint32_t *e = NULL;
    npu_status st =
        region_entries(np, NPU_RM_REGION_THRESHOLDS, nf, NPU_RM_THRESHOLDS_ENTRY_WORDS, &e, err);
    if (st != NPU_OK) {
        return st;
    }
    np->thr = malloc(nf * sizeof(int32_t));
    np->step = malloc(nf * sizeof(int32_t));
    if (np->thr == NULL || np->step == NULL) {
        return np_oom(err);
    }
    for (uint32_t f = 0; f < nf; f++) {
        const uint32_t *x = e + (size_t)f * NPU_RM_THRESHOLDS_ENTRY_WORDS;
        np->thr[f] = (int32_t)x[NPU_RM_THRESHOLDS_THRESHOLD_OFFSET];
        np->step[f] = (int32_t)x[NPU_RM_THRESHOLDS_STEP_OFFSET];
        if (np->cfg.activation && np->step[f] < 1) {
            return np_fail(np, err, "THRESHOLDS.STEP", "filter %u: step %d < 1", f, np->step[f]);
        }
    }
    return NPU_OK;
}

static npu_status decode_v2_params(npu_np *np, npu_err *err) {
    uint32_t nf = np->cfg.filter_count;
    const uint32_t *e = NULL;
    npu_status st =
        region_entries(np, NPU_RM_REGION_SCALES, nf, NPU_RM_SCALES_ENTRY_WORDS, &e, err);
    if (st != NPU_OK) {
        return st;
    }
    np->bias = malloc(nf * sizeof(int32_t));
    np->scale = malloc(nf * sizeof(int32_t));
    np->bshift = malloc(nf * sizeof(int32_t));
    np->oshift = malloc(nf * sizeof(int32_t));
    if (!np->bias || !np->scale || !np->bshift || !np->oshift) {
        return np_oom(err);
    }
    for (uint32_t f = 0; f < nf; f++) {
        const uint32_t *x = e + (size_t)f * NPU_RM_SCALES_ENTRY_WORDS;
        uint32_t sh = x[NPU_RM_SCALES_SHIFTS_OFFSET];
        if (sh & ~NPU_RM_SCALES_SHIFTS_USED_MASK) {
            return np_fail(np, err, "SCALES.SHIFTS", "filter %u: reserved bits set", f);
        }
        np->bias[f] = (int32_t)x[NPU_RM_SCALES_BIAS_OFFSET];
        np->scale[f] = (int32_t)x[NPU_RM_SCALES_SCALE_OFFSET];
        np->bshift[f] = (int32_t)npu_rm_scales_shifts_bias_shift_get(sh);
        np->oshift[f] = (int32_t)(int8_t)(uint8_t)npu_rm_scales_shifts_output_shift_get(sh);
        if (np->scale[f] < 0) {
            return np_fail(np, err, "SCALES.SCALE", "filter %u: scale %u beyond 2^31-1", f,
                           x[NPU_RM_SCALES_SCALE_OFFSET]);
        }
        if (np->bshift[f] > NP_V2_SHIFT_MAX || np->oshift[f] < NP_V2_OSHIFT_MIN ||
            np->oshift[f] > NP_V2_OSHIFT_MAX) {
            return np_fail(np, err, "SCALES.SHIFTS",
                           "filter %u: bias_shift %d / output_shift %d "
                           "out of range",
                           f, np->bshift[f], np->oshift[f]);
        }
    }
    if (!GET(FLAGS, INPUT_SHIFT)) {
        return NPU_OK;
    }
    uint32_t nc = np->cfg.in.c;
    st = region_entries(np, NPU_RM_REGION_INPUT_SHIFTS, nc, 1, &e, err);
    np->ishift = st == NPU_OK ? malloc(nc * sizeof(uint32_t)) : NULL;
    if (st == NPU_OK && np->ishift == NULL) {
        return np_oom(err);
    }
    for (uint32_t ch = 0; st == NPU_OK && ch < nc; ch++) {
        if (e[ch] & ~NPU_RM_INPUT_SHIFTS_SHIFT_USED_MASK ||
            npu_rm_input_shifts_shift_value_get(e[ch]) > NP_V2_SHIFT_MAX) {
            return np_fail(np, err, "INPUT_SHIFTS.SHIFT", "channel %u: 0x%x invalid", ch, e[ch]);
        }
        np->ishift[ch] = npu_rm_input_shifts_shift_value_get(e[ch]);
    }
    return st;
}

/* ---------------------------------------------------------------- configure */

static npu_status alloc_potentials(npu_np *np, npu_err *err) {
    npu_np_config *c = &np->cfg;
    bool sep = c->layer == NPU_SEPARABLE_CONVOLUTIONAL;
    np->nch = sep ? c->in.c : c->filter_count;
    np->pot_n = (size_t)c->conv_col_count * c->conv.y * np->nch;
    if (np->kind == NPU_NP_FNP) {
        np->pot_n = c->filter_count;
    }
    np->pot = calloc(np->pot_n + 1, sizeof *np->pot);
    if (np->pot == NULL) {
        return np_oom(err);
    }
    return np->kind == NPU_NP_FNP ? NPU_OK : np_conv_prepare(np, err);
}

npu_status np_decode(npu_np *np, npu_err *err) {
    np_free_decoded(np);
    memset(&np->cfg, 0, sizeof np->cfg);
    np->cfg.kind = np->kind;
    npu_status st = check_reserved(np, err);
    st = st ? st : decode_layer(np, err);
    st = st ? st : decode_dims(np, err);
    st = st ? st : decode_bits(np, err);
    if (st == NPU_OK) {
        st = np->kind == NPU_NP_FNP ? decode_dense_geom(np, err) : decode_conv_geom(np, err);
    }
    if (st == NPU_OK && np->kind == NPU_NP_HRC) {
        np->cfg.pad_value = (int32_t)GET(KERNEL, PAD_VALUE);
    }
    st = st ? st : decode_dests(np, err);
    st = st ? st : decode_weights(np, err);
    if (st == NPU_OK) {
        st = np->cfg.version == 1 ? decode_v1_params(np, err) : decode_v2_params(np, err);
    }
    if (st == NPU_OK) {
        np_geom_ownership(&np->cfg);
        st = alloc_potentials(np, err);
    }
    if (st != NPU_OK) {
        np_free_decoded(np);
        return st;
    }
    np->configured = true;
    return NPU_OK;
}
