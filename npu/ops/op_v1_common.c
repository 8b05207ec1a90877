/*
 * op_v1_common: the parts of the Akida 1.0 layer semantics shared by several ops: parameter
 * validation, geometry, variable specs, pooling + activation, synaptic-op counting. See
 * op_v1_common.h and docs/semantics.md ("Akida 1.0 layers").
 *
 * The activation is the hot per-output loop of the v1 forward pass: instead of a division per
 * output it counts how many of the filter's activation levels T + n*s the potential exceeds
 * (npu_v1_levels; exact, see docs/performance.md).
 */
#include "op_v1_common.h"

#include <stdlib.h>
#include <string.h>

/* Same bound as the container's (npu_model_internal.h): 2^28 elements per tensor. */
#define NPU_V1_MAX_ELEMENTS ((uint64_t)1 << 28)

/* Widest act_bits activated by level counting (2^bits - 1 comparisons per value). */
#define NPU_V1_ACT_MAX_LEVEL_BITS 4u

int64_t npu_v1_weight_min(uint32_t bits) {
    return bits <= 1 ? 0 : -(((int64_t)1 << (bits - 1)) - 1);
}

int64_t npu_v1_weight_max(uint32_t bits) {
    return bits <= 1 ? 1 : ((int64_t)1 << (bits - 1)) - 1;
}

npu_status npu_v1_check_input_shape(const npu_params *p, npu_err *err) {
    npu_shape s = p->input_shape;
    if (s.x == 0 || s.y == 0 || s.c == 0)
        return npu_err_set(err, NPU_ERR_INPUT, "input_shape (%u,%u,%u) has a zero dimension", s.x,
                           s.y, s.c);
    if ((uint64_t)s.x * s.y * s.c > NPU_V1_MAX_ELEMENTS)
        return npu_err_set(err, NPU_ERR_INPUT, "input_shape (%u,%u,%u) has more than 2^28 elements",
                           s.x, s.y, s.c);
    return NPU_OK;
}

npu_status npu_v1_check_bits(const npu_layer *l, bool allow8, npu_err *err) {
    uint32_t wb = l->p.weights_bits;
    if (!(wb == 1 || wb == 2 || wb == 4 || (allow8 && wb == 8)))
        return npu_err_set(err, NPU_ERR_INPUT, "weights_bits %u not supported (1, 2, 4%s)", wb,
                           allow8 ? " or 8" : "");
    uint32_t ab = l->p.act_bits;
    if (l->p.activation && !(ab == 1 || ab == 2 || ab == 4))
        return npu_err_set(err, NPU_ERR_INPUT, "act_bits %u not supported (1, 2 or 4)", ab);
    return NPU_OK;
}

npu_status npu_v1_take_input(npu_layer *l, const npu_layer *in, npu_err *err) {
    if (in->out_bits > 8)
        return npu_err_set(err, NPU_ERR_INPUT,
                           "inbound layer '%s' outputs %u-bit values (activation off); Akida "
                           "1.0 layers take inputs of at most 8 bits",
                           in->name, in->out_bits);
    l->in_shape = in->out_shape;
    l->in_bits = in->out_bits;
    l->in_signed = in->out_signed;
    return NPU_OK;
}

/* Validates a window size (kernel or pool) and its stride along one axis. */
static npu_status npu_v1_check_window(const char *what, const char *swhat, int64_t k, int64_t s,
                                      npu_err *err) {
    if (k < 1 || k > NPU_V1_MAX_WINDOW)
        return npu_err_set(err, NPU_ERR_INPUT, "%s %lld must be in 1..%u", what, (long long)k,
                           NPU_V1_MAX_WINDOW);
    if (s < 1 || s > NPU_V1_MAX_WINDOW)
        return npu_err_set(err, NPU_ERR_INPUT, "%s %lld must be in 1..%u", swhat, (long long)s,
                           NPU_V1_MAX_WINDOW);
    return NPU_OK;
}

npu_status npu_v1_conv_shape(const npu_layer *l, npu_shape in, uint32_t filters,
                             npu_shape *conv_out, npu_err *err) {
    const npu_params *p = &l->p;
    npu_status st =
        npu_v1_check_window("kernel_size x", "kernel_stride x", p->kernel_x, p->stride_x, err);
    if (st == NPU_OK)
        st = npu_v1_check_window("kernel_size y", "kernel_stride y", p->kernel_y, p->stride_y, err);
    if (st != NPU_OK)
        return st;
    if (p->padding != NPU_PAD_SAME && p->padding != NPU_PAD_VALID)
        return npu_err_set(err, NPU_ERR_INPUT, "padding %d unknown (Same or Valid)",
                           (int)p->padding);
    if (filters == 0)
        return npu_err_set(err, NPU_ERR_INPUT, "filters must be at least 1");
    conv_out->x = npu_out_size(in.x, p->kernel_x, p->stride_x, p->padding);
    conv_out->y = npu_out_size(in.y, p->kernel_y, p->stride_y, p->padding);
    conv_out->c = filters;
    if (conv_out->x == 0 || conv_out->y == 0)
        return npu_err_set(err, NPU_ERR_INPUT,
                           "kernel_size (%u,%u) larger than the input (%u,%u) with Valid padding",
                           p->kernel_x, p->kernel_y, in.x, in.y);
    if ((uint64_t)conv_out->x * conv_out->y * filters > NPU_V1_MAX_ELEMENTS)
        return npu_err_set(err, NPU_ERR_INPUT,
                           "convolution output (%u,%u,%u) has more than 2^28 elements", conv_out->x,
                           conv_out->y, filters);
    return NPU_OK;
}

/* Max pooling geometry: pool size required, stride -1 = pool size. */
static npu_status npu_v1_max_pool_shape(const npu_layer *l, npu_shape conv_out, npu_shape *out,
                                        npu_err *err) {
    const npu_params *p = &l->p;
    int64_t sx = p->pool_stride_x == -1 ? p->pool_x : p->pool_stride_x;
    int64_t sy = p->pool_stride_y == -1 ? p->pool_y : p->pool_stride_y;
    npu_status st = npu_v1_check_window("pool_size x", "pool_stride x", p->pool_x, sx, err);
    if (st == NPU_OK)
        st = npu_v1_check_window("pool_size y", "pool_stride y", p->pool_y, sy, err);
    if (st != NPU_OK)
        return st;
    out->x = npu_out_size(conv_out.x, (uint32_t)p->pool_x, (uint32_t)sx, p->padding);
    out->y = npu_out_size(conv_out.y, (uint32_t)p->pool_y, (uint32_t)sy, p->padding);
    out->c = conv_out.c;
    if (out->x == 0 || out->y == 0)
        return npu_err_set(err, NPU_ERR_INPUT,
                           "pool_size (%d,%d) larger than the convolution output (%u,%u) with "
                           "Valid padding",
                           p->pool_x, p->pool_y, conv_out.x, conv_out.y);
    return NPU_OK;
}

npu_status npu_v1_pool_shape(const npu_layer *l, npu_shape conv_out, npu_shape *out, npu_err *err) {
    const npu_params *p = &l->p;
    switch (p->pool_type) {
    case NPU_POOL_NONE:
        *out = conv_out;
        return NPU_OK;
    case NPU_POOL_MAX:
        return npu_v1_max_pool_shape(l, conv_out, out, err);
    case NPU_POOL_AVG: {
        bool global = p->pool_x == -1 && p->pool_y == -1;
        bool whole = p->pool_x == (int64_t)conv_out.x && p->pool_y == (int64_t)conv_out.y;
        if (!global && !whole)
            return npu_err_set(err, NPU_ERR_INPUT,
                               "pool_size (%d,%d): average pooling is global only (pool_size "
                               "-1 or the whole (%u,%u) convolution output)",
                               p->pool_x, p->pool_y, conv_out.x, conv_out.y);
        *out = (npu_shape){1, 1, conv_out.c};
        return NPU_OK;
    }
    default:
        return npu_err_set(err, NPU_ERR_INPUT, "pool_type %d unknown", (int)p->pool_type);
    }
}

void npu_v1_set_out_bits(npu_layer *l) {
    l->out_bits = l->p.activation ? l->p.act_bits : 32;
    l->out_signed = !l->p.activation;
}

void npu_v1_spec(npu_var_spec *s, const char *name, uint32_t ndim, const uint32_t *shape,
                 int64_t min, int64_t max) {
    memset(s, 0, sizeof *s);
    s->name = name;
    s->dtype = NPU_DTYPE_I32;
    s->ndim = ndim;
    memcpy(s->shape, shape, ndim * sizeof(uint32_t));
    s->min = min;
    s->max = max;
    s->optional = false;
}

uint32_t npu_v1_act_specs(uint32_t filters, npu_var_spec *specs) {
    npu_v1_spec(&specs[0], "threshold", 1, &filters, INT32_MIN, INT32_MAX);
    npu_v1_spec(&specs[1], "act_step", 1, &filters, 1, INT32_MAX);
    return 2;
}

void npu_v1_geom(const npu_layer *l, npu_shape in, uint32_t filters, int32_t pad_value, bool flip,
                 npu_conv_geom *g) {
    npu_conv_geom_init(g, in, filters, l->p.kernel_x, l->p.kernel_y, l->p.stride_x, l->p.stride_y,
                       l->p.padding, pad_value, flip);
}

const int32_t *npu_v1_var(const npu_layer *l, const char *name) {
    const npu_var *v = npu_layer_var(l, name);
    return v ? (const int32_t *)v->data : NULL;
}

/* Activation levels of one layer: lv[n * filters + f] = T[f] + n * s[f] clipped to INT32_MAX,
 * n = 0..top-1, so that for an int32 potential p,
 *   min(top, ceil((p - T) / s)) (0 when p <= T) = #{n : p > lv[n * filters + f]}
 * (ceil(d / s) for d > 0 counts the n >= 0 with n * s < d; a level above INT32_MAX can never
 * be exceeded, so clipping it keeps the count exact). Returns NULL when out of memory. */
static int32_t *npu_v1_levels(const int32_t *t, const int32_t *s, uint32_t filters, uint32_t top) {
    int32_t *lv = malloc((size_t)top * filters * sizeof(int32_t));
    if (!lv)
        return NULL;
    for (uint32_t n = 0; n < top; n++)
        for (uint32_t f = 0; f < filters; f++) {
            int64_t level = (int64_t)t[f] + (int64_t)n * s[f];
            lv[(size_t)n * filters + f] = level > INT32_MAX ? INT32_MAX : (int32_t)level;
        }
    return lv;
}

/* Replaces the potentials v[0..filters) of one pixel by their activation: the number of the
 * `top` levels of each filter it exceeds. Written so that with a constant top (inlined from
 * npu_v1_activate_levels) the level loop unrolls and the filter loop vectorises. */
static inline void npu_v1_count_levels(int32_t *restrict v, uint32_t filters,
                                       const int32_t *restrict lv, uint32_t top) {
    for (uint32_t f = 0; f < filters; f++) {
        const int32_t p = v[f];
        int32_t n = 0;
        for (uint32_t k = 0; k < top; k++)
            n += p > lv[(size_t)k * filters + f];
        v[f] = n;
    }
}

/* Activates n_pix pixels of `filters` potentials in place: top comparisons per value, no
 * division. The common tops (act_bits 1, 2, 4) get specialised loops. */
static void npu_v1_activate_levels(int32_t *v, size_t n_pix, uint32_t filters, const int32_t *lv,
                                   uint32_t top) {
    for (size_t i = 0; i < n_pix; i++) {
        int32_t *px = v + i * filters;
        switch (top) {
        case 1:
            npu_v1_count_levels(px, filters, lv, 1);
            break;
        case 3:
            npu_v1_count_levels(px, filters, lv, 3);
            break;
        case 15:
            npu_v1_count_levels(px, filters, lv, 15);
            break;
        default:
            npu_v1_count_levels(px, filters, lv, top);
            break;
        }
    }
}

/* Activates (or copies, activation off) n_pix pixels of `filters` potentials into out
 * (acc may equal out). act_bits <= 4 (checked by infer) takes the level-counting loop; a
 * wider act_bits, never accepted today, would take the scalar reference. */
static npu_status npu_v1_activate(const npu_layer *l, const int32_t *acc, size_t n_pix,
                                  uint32_t filters, int32_t *out, npu_err *err) {
    if (out != acc)
        memcpy(out, acc, n_pix * filters * sizeof(int32_t));
    if (!l->p.activation)
        return NPU_OK;
    const int32_t *t = npu_v1_var(l, "threshold");
    const int32_t *s = npu_v1_var(l, "act_step");
    const uint32_t bits = l->p.act_bits;
    if (bits > NPU_V1_ACT_MAX_LEVEL_BITS) {
        for (size_t i = 0; i < n_pix; i++)
            for (uint32_t f = 0; f < filters; f++)
                out[i * filters + f] = npu_v1_activation(out[i * filters + f], t[f], s[f], bits);
        return NPU_OK;
    }
    const uint32_t top = (1u << bits) - 1;
    int32_t *lv = npu_v1_levels(t, s, filters, top);
    if (!lv)
        return npu_err_set(err, NPU_ERR_INTERNAL, "out of memory (%zu activation levels)",
                           (size_t)top * filters);
    npu_v1_activate_levels(out, n_pix, filters, lv, top);
    free(lv);
    return NPU_OK;
}

/* Global average pooling = per-channel sum (no division), then activation. Without
 * activation the 64-bit sum wraps to int32 like every accumulator. */
static npu_status npu_v1_global(const npu_layer *l, const int32_t *acc, npu_shape acc_shape,
                                npu_tensor *out, npu_err *err) {
    uint32_t f = acc_shape.c;
    int64_t *sum = malloc(f * sizeof(int64_t));
    if (!sum)
        return npu_err_set(err, NPU_ERR_INTERNAL, "out of memory");
    npu_global_sum(acc, acc_shape, sum);
    const int32_t *t = npu_v1_var(l, "threshold");
    const int32_t *s = npu_v1_var(l, "act_step");
    for (uint32_t c = 0; c < f; c++)
        out->data[c] = l->p.activation ? npu_v1_activation(sum[c], t[c], s[c], l->p.act_bits)
                                       : (int32_t)(uint32_t)(uint64_t)sum[c];
    free(sum);
    return NPU_OK;
}

npu_status npu_v1_pool_activate(const npu_layer *l, const int32_t *acc, npu_shape acc_shape,
                                npu_tensor *out, npu_err *err) {
    npu_shape os = l->out_shape;
    const npu_params *p = &l->p;
    if (p->pool_type == NPU_POOL_AVG)
        return npu_v1_global(l, acc, acc_shape, out, err);
    if (p->pool_type == NPU_POOL_MAX) {
        uint32_t sx = p->pool_stride_x == -1 ? (uint32_t)p->pool_x : (uint32_t)p->pool_stride_x;
        uint32_t sy = p->pool_stride_y == -1 ? (uint32_t)p->pool_y : (uint32_t)p->pool_stride_y;
        npu_maxpool(acc, acc_shape, (uint32_t)p->pool_x, (uint32_t)p->pool_y, sx, sy, p->padding,
                    out->data, os);
        acc = out->data;
    }
    return npu_v1_activate(l, acc, (size_t)os.x * os.y, os.c, out->data, err);
}

npu_status npu_v1_conv_forward(const npu_layer *l, const npu_tensor *in, const int32_t *w,
                               int32_t pad_value, bool flip, npu_tensor *out, npu_err *err) {
    npu_conv_geom g;
    npu_v1_geom(l, in->shape, l->p.filters, pad_value, flip, &g);
    if (l->p.pool_type == NPU_POOL_NONE) {
        npu_conv2d(&g, in->data, w, out->data);
        return npu_v1_pool_activate(l, out->data, g.out, out, err);
    }
    int32_t *acc = malloc(npu_shape_size(g.out) * sizeof(int32_t));
    if (!acc)
        return npu_err_set(err, NPU_ERR_INTERNAL, "out of memory (%zu potentials)",
                           npu_shape_size(g.out));
    npu_conv2d(&g, in->data, w, acc);
    npu_status st = npu_v1_pool_activate(l, acc, g.out, out, err);
    free(acc);
    return st;
}

/* cov[i] = number of output positions along one axis whose window covers input i. */
static void npu_v1_coverage(uint32_t n_in, uint32_t n_out, uint32_t k, uint32_t s, uint32_t pad,
                            uint32_t *cov) {
    memset(cov, 0, n_in * sizeof(uint32_t));
    for (uint32_t o = 0; o < n_out; o++)
        for (uint32_t t = 0; t < k; t++) {
            int64_t i = (int64_t)o * s + t - pad;
            if (i >= 0 && i < (int64_t)n_in)
                cov[i]++;
        }
}

uint64_t npu_v1_conv_synops(const npu_conv_geom *g, const int32_t *in, uint32_t per_tap) {
    uint32_t *cx = malloc(((size_t)g->in.x + g->in.y) * sizeof(uint32_t));
    if (!cx)
        return 0;
    uint32_t *cy = cx + g->in.x;
    npu_v1_coverage(g->in.x, g->out.x, g->kx, g->sx, g->pad_x, cx);
    npu_v1_coverage(g->in.y, g->out.y, g->ky, g->sy, g->pad_y, cy);
    uint64_t total = 0;
    for (uint32_t x = 0; x < g->in.x; x++)
        for (uint32_t y = 0; y < g->in.y; y++) {
            const int32_t *px = in + ((size_t)x * g->in.y + y) * g->in.c;
            uint64_t nz = npu_count_nonzero(px, g->in.c);
            total += nz * cx[x] * cy[y];
        }
    free(cx);
    return total * per_tap;
}
