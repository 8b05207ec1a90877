/*
 * cmp_constraints: device constraint tables (akida-facts.md §3) and the model check.
 *
 * The tables below are data: one row per (IP version, layer type). check_layer() walks a row
 * and appends one violation per rule the layer breaks; rule names and tables are listed in
 * docs/constraints.md. Layer types without a row never run on hardware of that IP version.
 */
#include "cmp/cmp_constraints.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BITS(...) cmp_mask((const uint32_t[]){__VA_ARGS__, 0})
#define NO_LIMIT 0u

/* One table row: what the hardware of an IP version accepts for a layer type. */
typedef struct cmp_rule_row {
    int ip;                   /* IP version (1 or 2) */
    npu_layer_type type;      /* layer type */
    uint32_t in_w_min;        /* minimum input width (x), 0 = none */
    uint32_t in_w_max;        /* maximum input width, 0 = none */
    uint32_t in_h_min;        /* minimum input height (y), 0 = none */
    uint32_t in_h_max;        /* maximum input height, 0 = none */
    uint32_t in_c_max;        /* maximum input channels, 0 = none */
    uint32_t in_c_set;        /* allowed channel counts as bit mask (input layers), 0 = any */
    uint32_t kernels;         /* allowed square kernel sizes, bit mask of (1 << k); 0 = n/a */
    uint8_t stride_max[8];    /* per kernel size k: maximum stride (0: kernel not allowed) */
    uint32_t pads;            /* allowed padding modes, bit mask of (1 << npu_padding) */
    uint32_t pool_sizes;      /* allowed max pool sizes, bit mask of (1 << (4 * px + py)) */
    bool pool_stride_is_size; /* max pool stride must equal its size */
    uint32_t pool_strides;    /* else allowed max pool strides, bit mask */
    bool pool_needs_conv;     /* max pooling must be followed by a convolution (v1) */
    bool gap;                 /* global average pooling allowed */
    uint32_t gap_h_max;       /* GAP: maximum input height, 0 = none */
    uint32_t gap_w_max;       /* GAP: maximum input width, 0 = none */
    uint32_t in_bits;         /* allowed input bit widths, bit mask */
    uint32_t w_bits;          /* allowed weight bit widths, bit mask */
    uint32_t act_bits;        /* allowed activation bit widths, bit mask (activation on) */
    bool act_is_output_bits;  /* v2: the activation width is output_bits */
    uint32_t fc_inputs_max;   /* dense: maximum flattened inputs, 0 = none */
    bool fc_needs_1x1;        /* dense: input must be 1 x 1 x C */
    bool hrc_filters;         /* v1 HRC filter limits apply */
    bool needs_skip_dma;      /* v2 Add / Concatenate: routed by skip-DMA channels */
} cmp_rule_row;

static uint32_t cmp_mask(const uint32_t *v) {
    uint32_t m = 0;
    for (; *v; v++)
        m |= 1u << *v;
    return m;
}

#define PADS_SAME (1u << NPU_PAD_SAME)
#define PADS_ANY ((1u << NPU_PAD_SAME) | (1u << NPU_PAD_VALID))
#define POOL(px, py) (1u << (4 * (px) + (py)))

/* Builds the constraint table (a function so the masks stay readable; no mutable state). */
static size_t cmp_rule_table(cmp_rule_row *t) {
    size_t n = 0;
    /* ---- Akida 1.0 (AKD1000-class) ---- */
    t[n++] = (cmp_rule_row){.ip = 1, .type = NPU_INPUT_DATA, .in_bits = BITS(1, 2, 4, 8)};
    t[n++] = (cmp_rule_row){.ip = 1,
                            .type = NPU_INPUT_CONVOLUTIONAL,
                            .in_w_min = 5,
                            .in_h_min = 5,
                            .in_h_max = 256,
                            .in_c_set = BITS(1, 3),
                            .kernels = BITS(3, 5, 7),
                            .stride_max = {[3] = 3, [5] = 3, [7] = 3},
                            .pads = PADS_ANY,
                            .pool_sizes = POOL(1, 2) | POOL(2, 1) | POOL(2, 2),
                            .pool_stride_is_size = true,
                            .in_bits = BITS(8),
                            .w_bits = BITS(8),
                            .act_bits = BITS(1, 2, 4),
                            .hrc_filters = true};
    cmp_rule_row conv = {.ip = 1,
                         .type = NPU_CONVOLUTIONAL,
                         .in_w_max = 4096,
                         .in_h_max = 4096,
                         .in_c_max = 2048,
                         .kernels = BITS(1, 3, 5, 7),
                         .stride_max = {[1] = 1, [3] = 2, [5] = 1, [7] = 1},
                         .pads = PADS_SAME,
                         .pool_sizes = POOL(2, 2),
                         .pool_strides = BITS(1, 2),
                         .pool_needs_conv = true,
                         .gap = true,
                         .gap_h_max = 32,
                         .in_bits = BITS(1, 2, 4),
                         .w_bits = BITS(1, 2, 4),
                         .act_bits = BITS(1, 2, 4)};
    t[n++] = conv;
    cmp_rule_row sep = conv;
    sep.type = NPU_SEPARABLE_CONVOLUTIONAL;
    sep.kernels = BITS(3, 5, 7);
    sep.stride_max[1] = 0;
    sep.w_bits = BITS(2, 4);
    t[n++] = sep;
    t[n++] = (cmp_rule_row){.ip = 1,
                            .type = NPU_FULLY_CONNECTED,
                            .fc_inputs_max = 57334,
                            .in_bits = BITS(1, 2, 4),
                            .w_bits = BITS(1, 2, 4),
                            .act_bits = BITS(1, 2, 4)};
    /* ---- Akida 2.0 ---- */
    t[n++] = (cmp_rule_row){.ip = 2, .type = NPU_INPUT_DATA, .in_bits = BITS(1, 2, 4, 8)};
    t[n++] = (cmp_rule_row){.ip = 2,
                            .type = NPU_INPUT_CONV2D,
                            .in_w_min = 5,
                            .in_h_min = 5,
                            .in_h_max = 384,
                            .in_c_set = BITS(1, 3),
                            .kernels = BITS(3, 4, 5, 7),
                            .stride_max = {[3] = 3, [4] = 4, [5] = 5, [7] = 6},
                            .pads = PADS_ANY,
                            .pool_sizes = POOL(2, 2) | POOL(3, 2),
                            .pool_strides = BITS(1, 2, 3),
                            .in_bits = BITS(8),
                            .w_bits = BITS(8),
                            .act_bits = BITS(4, 8),
                            .act_is_output_bits = true};
    cmp_rule_row c2 = {.ip = 2,
                       .type = NPU_CONV2D,
                       .in_w_max = 4096,
                       .in_h_max = 4096,
                       .in_c_max = 2048,
                       .kernels = BITS(1, 3, 5, 7),
                       .stride_max = {[1] = 1, [3] = 2, [5] = 1, [7] = 1},
                       .pads = PADS_ANY,
                       .pool_sizes = POOL(2, 2),
                       .pool_strides = BITS(1, 2),
                       .gap = true,
                       .gap_w_max = 64,
                       .in_bits = BITS(4, 8),
                       .w_bits = BITS(4, 8),
                       .act_bits = BITS(4, 8),
                       .act_is_output_bits = true};
    t[n++] = c2;
    cmp_rule_row dw = c2;
    dw.type = NPU_DEPTHWISE_CONV2D;
    dw.kernels = BITS(3, 5, 7);
    dw.stride_max[1] = 0;
    t[n++] = dw;
    cmp_rule_row tr = {.ip = 2,
                       .type = NPU_CONV2D_TRANSPOSE,
                       .in_w_max = 4096,
                       .in_h_max = 4096,
                       .in_c_max = 2048,
                       .kernels = BITS(3, 4),
                       .stride_max = {[3] = 2, [4] = 2},
                       .pads = PADS_SAME,
                       .in_bits = BITS(8),
                       .w_bits = BITS(8),
                       .act_bits = BITS(8),
                       .act_is_output_bits = true};
    t[n++] = tr;
    tr.type = NPU_DEPTHWISE_CONV2D_TRANSPOSE;
    t[n++] = tr;
    t[n++] = (cmp_rule_row){.ip = 2,
                            .type = NPU_DENSE1D,
                            .fc_inputs_max = 2048,
                            .fc_needs_1x1 = true,
                            .in_bits = BITS(4, 8),
                            .w_bits = BITS(4, 8),
                            .act_bits = BITS(4, 8),
                            .act_is_output_bits = true};
    t[n++] = (cmp_rule_row){.ip = 2, .type = NPU_ADD, .needs_skip_dma = true};
    t[n++] = (cmp_rule_row){.ip = 2, .type = NPU_CONCATENATE, .needs_skip_dma = true};
    return n;
}

#define CMP_RULE_MAX 32

/* Appends one violation; NPU_ERR_INTERNAL when out of memory. */
static npu_status cmp_add(cmp_violations *out, uint32_t layer, const char *rule,
                          const char *allowed, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static npu_status cmp_add(cmp_violations *out, uint32_t layer, const char *rule,
                          const char *allowed, const char *fmt, ...) {
    if (out->n == out->cap) {
        size_t cap = out->cap ? out->cap * 2 : 8;
        cmp_violation *v = realloc(out->v, cap * sizeof *v);
        if (v == NULL)
            return NPU_ERR_INTERNAL;
        out->v = v;
        out->cap = cap;
    }
    cmp_violation *e = &out->v[out->n++];
    memset(e, 0, sizeof *e);
    e->layer = layer;
    snprintf(e->rule, sizeof e->rule, "%s", rule);
    snprintf(e->allowed, sizeof e->allowed, "%s", allowed);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->actual, sizeof e->actual, fmt, ap);
    va_end(ap);
    return NPU_OK;
}

/* Writes the members of a bit mask as "1, 2, 4". */
static void cmp_mask_text(uint32_t mask, char *buf, size_t cap) {
    size_t len = 0;
    buf[0] = '\0';
    for (uint32_t b = 0; b < 32 && len < cap; b++) {
        if (mask & (1u << b))
            len += (size_t)snprintf(buf + len, cap - len, "%s%u", len ? ", " : "", b);
    }
}

static bool cmp_in_mask(uint32_t mask, uint32_t v) {
    return v < 32 && (mask & (1u << v)) != 0;
}

static const cmp_rule_row *cmp_find_row(const cmp_rule_row *t, size_t n, int ip,
                                        npu_layer_type type) {
    for (size_t i = 0; i < n; i++) {
        if (t[i].ip == ip && t[i].type == type)
            return &t[i];
    }
    return NULL;
}

/* v1 HRC maximum filters by input channels and kernel size (0 = no limit known). */
static uint32_t cmp_hrc_max_filters(uint32_t channels, uint32_t k) {
    static const uint32_t one[8] = {[3] = 512, [5] = 192, [7] = 96};
    static const uint32_t three[8] = {[3] = 192, [5] = 64, [7] = 32};
    if (k >= 8)
        return 0;
    return channels == 1 ? one[k] : channels == 3 ? three[k] : 0;
}

/* True when a layer of this type would feed a convolution (for v1 max pooling). */
static bool cmp_next_is_conv(const npu_model *m, uint32_t layer) {
    uint32_t n = npu_model_layer_count(m);
    for (uint32_t j = layer + 1; j < n; j++) {
        const npu_layer *l = npu_model_layer(m, j);
        bool feeds = l->n_inbound == 0 ? j == layer + 1 : false;
        for (uint32_t k = 0; k < l->n_inbound; k++)
            feeds = feeds || l->inbound[k] == layer;
        if (feeds && l->type != NPU_CONVOLUTIONAL && l->type != NPU_SEPARABLE_CONVOLUTIONAL)
            return false;
        if (feeds)
            return true;
    }
    return false;
}

static npu_status cmp_check_dims(const cmp_rule_row *r, const npu_layer *l, uint32_t i,
                                 cmp_violations *out) {
    char a[96];
    npu_shape s = l->in_shape;
    npu_status st = NPU_OK;
    if ((r->in_w_min && s.x < r->in_w_min) || (r->in_w_max && s.x > r->in_w_max)) {
        snprintf(a, sizeof a, "%u..%u", r->in_w_min ? r->in_w_min : 1u,
                 r->in_w_max ? r->in_w_max : 65535u);
        st = cmp_add(out, i, "input_width", a, "%u", s.x);
    }
    if (st == NPU_OK &&
        ((r->in_h_min && s.y < r->in_h_min) || (r->in_h_max && s.y > r->in_h_max))) {
        snprintf(a, sizeof a, "%u..%u", r->in_h_min ? r->in_h_min : 1u,
                 r->in_h_max ? r->in_h_max : 65535u);
        st = cmp_add(out, i, "input_height", a, "%u", s.y);
    }
    if (st == NPU_OK && r->in_c_max && s.c > r->in_c_max) {
        snprintf(a, sizeof a, "<= %u", r->in_c_max);
        st = cmp_add(out, i, "input_channels", a, "%u", s.c);
    }
    if (st == NPU_OK && r->in_c_set && !cmp_in_mask(r->in_c_set, s.c)) {
        cmp_mask_text(r->in_c_set, a, sizeof a);
        st = cmp_add(out, i, "input_channels", a, "%u", s.c);
    }
    return st;
}

static npu_status cmp_check_kernel(const cmp_rule_row *r, const npu_layer *l, uint32_t i,
                                   cmp_violations *out) {
    char a[96];
    const npu_params *p = &l->p;
    npu_status st = NPU_OK;
    if (!r->kernels)
        return NPU_OK;
    uint32_t k = p->kernel_x;
    if (p->kernel_x != p->kernel_y || !cmp_in_mask(r->kernels, k)) {
        cmp_mask_text(r->kernels, a, sizeof a);
        return cmp_add(out, i, "kernel_size", a, "%ux%u", p->kernel_x, p->kernel_y);
    }
    uint32_t smax = k < 8 ? r->stride_max[k] : 0;
    if (p->stride_x != p->stride_y || p->stride_x < 1 || p->stride_x > smax) {
        snprintf(a, sizeof a, "1..%u with kernel %u", smax, k);
        st = cmp_add(out, i, "stride", a, "%ux%u", p->stride_x, p->stride_y);
    }
    if (st == NPU_OK && !cmp_in_mask(r->pads, (uint32_t)p->padding))
        st = cmp_add(out, i, "padding", r->pads == PADS_SAME ? "Same" : "Same, Valid", "%s",
                     p->padding == NPU_PAD_SAME ? "Same" : "Valid");
    return st;
}

static npu_status cmp_check_pool(const cmp_rule_row *r, const npu_model *m, const npu_layer *l,
                                 uint32_t i, cmp_violations *out) {
    const npu_params *p = &l->p;
    char a[96];
    if (p->pool_type == NPU_POOL_AVG) {
        if (!r->gap)
            return cmp_add(out, i, "pooling", "no global average pooling", "global average");
        if (r->gap_h_max && l->in_shape.y > r->gap_h_max) {
            snprintf(a, sizeof a, "input height <= %u", r->gap_h_max);
            return cmp_add(out, i, "global_avg_pool", a, "height %u", l->in_shape.y);
        }
        if (r->gap_w_max && l->in_shape.x > r->gap_w_max) {
            snprintf(a, sizeof a, "input width <= %u", r->gap_w_max);
            return cmp_add(out, i, "global_avg_pool", a, "width %u", l->in_shape.x);
        }
        return NPU_OK;
    }
    if (p->pool_type != NPU_POOL_MAX)
        return NPU_OK;
    uint32_t px = (uint32_t)p->pool_x, py = (uint32_t)p->pool_y;
    int32_t sx = p->pool_stride_x < 0 ? p->pool_x : p->pool_stride_x;
    int32_t sy = p->pool_stride_y < 0 ? p->pool_y : p->pool_stride_y;
    if (!r->pool_sizes || p->pool_x < 1 || p->pool_y < 1 || px > 3 || py > 3 ||
        !(r->pool_sizes & POOL(px, py)))
        return cmp_add(out, i, "pool_size", r->pool_sizes ? "see docs/constraints.md" : "none",
                       "%dx%d", p->pool_x, p->pool_y);
    if (r->pool_stride_is_size && (sx != p->pool_x || sy != p->pool_y))
        return cmp_add(out, i, "pool_stride", "equal to the pool size", "%dx%d", sx, sy);
    if (!r->pool_stride_is_size && (sx != sy || !cmp_in_mask(r->pool_strides, (uint32_t)sx))) {
        cmp_mask_text(r->pool_strides, a, sizeof a);
        return cmp_add(out, i, "pool_stride", a, "%dx%d", sx, sy);
    }
    if (r->pool_needs_conv && !cmp_next_is_conv(m, i))
        return cmp_add(out, i, "pool_followed_by_conv", "a convolution after max pooling", "%s",
                       "no convolution follows");
    return NPU_OK;
}

static npu_status cmp_check_bits(const cmp_rule_row *r, const npu_layer *l, uint32_t i,
                                 cmp_violations *out) {
    char a[96];
    npu_status st = NPU_OK;
    if (r->in_bits && !cmp_in_mask(r->in_bits, l->in_bits)) {
        cmp_mask_text(r->in_bits, a, sizeof a);
        st = cmp_add(out, i, "input_bits", a, "%u", l->in_bits);
    }
    if (st == NPU_OK && r->w_bits && !cmp_in_mask(r->w_bits, l->p.weights_bits)) {
        cmp_mask_text(r->w_bits, a, sizeof a);
        st = cmp_add(out, i, "weight_bits", a, "%u", l->p.weights_bits);
    }
    uint32_t ab = r->act_is_output_bits ? l->p.output_bits : l->p.act_bits;
    if (st == NPU_OK && r->act_bits && l->p.activation && !cmp_in_mask(r->act_bits, ab)) {
        cmp_mask_text(r->act_bits, a, sizeof a);
        st = cmp_add(out, i, "act_bits", a, "%u", ab);
    }
    return st;
}

static npu_status cmp_check_misc(const cmp_rule_row *r, const npu_layer *l, uint32_t i,
                                 const mesh_desc *mesh, cmp_violations *out) {
    char a[96];
    npu_status st = NPU_OK;
    uint64_t n_in = npu_shape_size(l->in_shape);
    if (r->fc_inputs_max && n_in > r->fc_inputs_max) {
        snprintf(a, sizeof a, "<= %u", r->fc_inputs_max);
        st = cmp_add(out, i, "fc_inputs", a, "%llu", (unsigned long long)n_in);
    }
    if (st == NPU_OK && r->fc_needs_1x1 && (l->in_shape.x != 1 || l->in_shape.y != 1))
        st = cmp_add(out, i, "fc_input_shape", "1x1xC", "%ux%ux%u", l->in_shape.x, l->in_shape.y,
                     l->in_shape.c);
    if (st == NPU_OK && r->hrc_filters) {
        uint32_t max = cmp_hrc_max_filters(l->in_shape.c, l->p.kernel_x);
        if (max && l->p.filters > max) {
            snprintf(a, sizeof a, "<= %u for %u channel(s), kernel %u", max, l->in_shape.c,
                     l->p.kernel_x);
            st = cmp_add(out, i, "hrc_filters", a, "%u", l->p.filters);
        }
    }
    if (st == NPU_OK && r->needs_skip_dma && mesh->skip_dma == 0)
        st = cmp_add(out, i, "skip_dma", ">= 1 skip-DMA channel", "%u", mesh->skip_dma);
    return st;
}

npu_status cmp_check_layer(const npu_model *m, uint32_t i, const mesh_desc *mesh,
                           cmp_violations *out, npu_err *err) {
    cmp_rule_row table[CMP_RULE_MAX];
    size_t n = cmp_rule_table(table);
    const npu_layer *l = npu_model_layer(m, i);
    if (l == NULL)
        return npu_err_set(err, NPU_ERR_INTERNAL, "cmp_check_layer: no layer %u", i);
    const cmp_rule_row *r = cmp_find_row(table, n, mesh->ip_version, l->type);
    npu_status st;
    if (r == NULL) {
        int v = npu_layer_type_version(l->type);
        if (v != 0 && v != mesh->ip_version)
            st = cmp_add(out, i, "ip_version",
                         mesh->ip_version == 1 ? "Akida 1.0 layers" : "Akida 2.0 layers",
                         "%s (Akida %d.0)", npu_layer_type_name(l->type), v);
        else
            st = cmp_add(out, i, "layer_type", "a hardware layer type", "%s (software only)",
                         npu_layer_type_name(l->type));
    } else {
        st = cmp_check_dims(r, l, i, out);
        if (st == NPU_OK)
            st = cmp_check_kernel(r, l, i, out);
        if (st == NPU_OK)
            st = cmp_check_pool(r, m, l, i, out);
        if (st == NPU_OK)
            st = cmp_check_bits(r, l, i, out);
        if (st == NPU_OK)
            st = cmp_check_misc(r, l, i, mesh, out);
    }
    if (st != NPU_OK)
        return npu_err_set(err, st, "out of memory");
    return NPU_OK;
}

npu_status cmp_check(const npu_model *m, const mesh_desc *mesh, cmp_violations *out, npu_err *err) {
    uint32_t n = npu_model_layer_count(m);
    for (uint32_t i = 0; i < n; i++) {
        npu_status st = cmp_check_layer(m, i, mesh, out, err);
        if (st != NPU_OK)
            return st;
    }
    return NPU_OK;
}

void cmp_violations_free(cmp_violations *v) {
    if (v == NULL)
        return;
    free(v->v);
    v->v = NULL;
    v->n = v->cap = 0;
}
