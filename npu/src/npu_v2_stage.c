/*
 * npu_v2_stage: the shared Akida 2.0 output pipeline and the infer/spec helpers of the v2
 * compute ops (see npu_v2_stage.h for the pipeline and docs/semantics-v2.md for the reasons).
 */
#include "npu_v2_stage.h"

#include <stdlib.h>
#include <string.h>

#include "npu_model_internal.h"

npu_status npu_v2_take_input(npu_layer *l, const npu_layer *const *inbound, uint32_t n_inbound,
                             npu_err *err) {
    if (n_inbound != 1 || inbound == NULL || inbound[0] == NULL) {
        return npu_err_set(err, NPU_ERR_INPUT, "inbound: expects exactly one inbound layer");
    }
    l->in_shape = inbound[0]->out_shape;
    l->in_bits = inbound[0]->out_bits;
    l->in_signed = inbound[0]->out_signed;
    if (npu_shape_size(l->in_shape) == 0) {
        return npu_err_set(err, NPU_ERR_INPUT, "input: empty input shape");
    }
    return NPU_OK;
}

npu_status npu_v2_check_output(npu_layer *l, npu_err *err) {
    const npu_params *p = &l->p;
    if (p->buffer_bits < 1 || p->buffer_bits > 32) {
        return npu_err_set(err, NPU_ERR_INPUT, "buffer_bits: must be 1..32 (got %u)",
                           p->buffer_bits);
    }
    const uint32_t max_out = p->activation ? 31 : 32;
    if (p->output_bits < 1 || p->output_bits > max_out) {
        return npu_err_set(err, NPU_ERR_INPUT, "output_bits: must be 1..%u%s (got %u)", max_out,
                           p->activation ? " with activation" : "", p->output_bits);
    }
    l->out_bits = p->output_bits;
    l->out_signed = !p->activation;
    return NPU_OK;
}

npu_status npu_v2_check_kernel(const npu_layer *l, bool need_filters, npu_err *err) {
    const npu_params *p = &l->p;
    if (p->kernel_x < 1 || p->kernel_y < 1) {
        return npu_err_set(err, NPU_ERR_INPUT, "kernel_size: must be >= 1 (got %u x %u)",
                           p->kernel_x, p->kernel_y);
    }
    if (p->stride_x < 1 || p->stride_y < 1) {
        return npu_err_set(err, NPU_ERR_INPUT, "kernel_stride: must be >= 1 (got %u x %u)",
                           p->stride_x, p->stride_y);
    }
    if (p->padding != NPU_PAD_SAME && p->padding != NPU_PAD_VALID) {
        return npu_err_set(err, NPU_ERR_INPUT, "padding: unknown value %d", (int)p->padding);
    }
    if (need_filters && p->filters < 1) {
        return npu_err_set(err, NPU_ERR_INPUT, "filters: must be >= 1 (got %u)", p->filters);
    }
    return NPU_OK;
}

npu_status npu_v2_check_no_pool(const npu_layer *l, npu_err *err) {
    if (l->p.pool_type != NPU_POOL_NONE) {
        return npu_err_set(err, NPU_ERR_INPUT, "pool_type: %s has no pooling",
                           npu_layer_type_name(l->type));
    }
    return NPU_OK;
}

npu_status npu_v2_check_transpose(const npu_layer *l, npu_err *err) {
    const npu_params *p = &l->p;
    if (p->stride_x != 2 || p->stride_y != 2) {
        return npu_err_set(err, NPU_ERR_INPUT,
                           "kernel_stride: %s supports only stride 2 "
                           "(got %u x %u)",
                           npu_layer_type_name(l->type), p->stride_x, p->stride_y);
    }
    if (p->padding != NPU_PAD_SAME) {
        return npu_err_set(err, NPU_ERR_INPUT, "padding: %s supports only Same padding",
                           npu_layer_type_name(l->type));
    }
    const uint64_t n = (uint64_t)l->in_shape.x * 2 * l->in_shape.y * 2 * l->in_shape.c;
    return npu_v2_check_elements(n, "output shape", err);
}

npu_status npu_v2_check_elements(uint64_t n, const char *what, npu_err *err) {
    if (n == 0) {
        return npu_err_set(err, NPU_ERR_INPUT, "%s: empty (0 elements)", what);
    }
    if (n > NPU_MAX_ELEMENTS) {
        return npu_err_set(err, NPU_ERR_INPUT, "%s: %llu elements exceed the limit of %llu", what,
                           (unsigned long long)n, (unsigned long long)NPU_MAX_ELEMENTS);
    }
    return NPU_OK;
}

/* Validates one max-pool axis; s_out and st_out receive the effective size and stride. */
static npu_status pool_axis(int32_t size, int32_t stride, const char *axis, uint32_t *s_out,
                            uint32_t *st_out, npu_err *err) {
    if (size < 1) {
        return npu_err_set(err, NPU_ERR_INPUT,
                           "pool_size: max pooling needs a size >= 1 along %s "
                           "(got %d)",
                           axis, size);
    }
    if (stride == 0 || stride < -1) {
        return npu_err_set(err, NPU_ERR_INPUT, "pool_stride: must be >= 1 or -1 along %s (got %d)",
                           axis, stride);
    }
    *s_out = (uint32_t)size;
    *st_out = stride == -1 ? (uint32_t)size : (uint32_t)stride;
    return NPU_OK;
}

/* Effective max-pool window and stride of a layer (after validation). */
static void pool_eff(const npu_params *p, uint32_t *px, uint32_t *py, uint32_t *sx, uint32_t *sy) {
    *px = (uint32_t)p->pool_x;
    *py = (uint32_t)p->pool_y;
    *sx = p->pool_stride_x == -1 ? *px : (uint32_t)p->pool_stride_x;
    *sy = p->pool_stride_y == -1 ? *py : (uint32_t)p->pool_stride_y;
}

npu_status npu_v2_infer_pool(npu_layer *l, npu_shape conv, npu_err *err) {
    const npu_params *p = &l->p;
    npu_status st = npu_v2_check_elements(npu_shape_size(conv), "output shape", err);
    if (st != NPU_OK) {
        return st;
    }
    if (p->pool_type == NPU_POOL_NONE) {
        l->out_shape = conv;
        return NPU_OK;
    }
    if (p->pool_type == NPU_POOL_AVG) {
        if (p->pool_x != -1 || p->pool_y != -1) {
            return npu_err_set(err, NPU_ERR_INPUT,
                               "pool_size: average pooling is global only "
                               "(pool_size -1, got %d x %d)",
                               p->pool_x, p->pool_y);
        }
        l->out_shape = (npu_shape){1, 1, conv.c};
        return NPU_OK;
    }
    if (p->pool_type != NPU_POOL_MAX) {
        return npu_err_set(err, NPU_ERR_INPUT, "pool_type: unknown value %d", (int)p->pool_type);
    }
    uint32_t px = 0, py = 0, sx = 0, sy = 0;
    if ((st = pool_axis(p->pool_x, p->pool_stride_x, "x", &px, &sx, err)) != NPU_OK ||
        (st = pool_axis(p->pool_y, p->pool_stride_y, "y", &py, &sy, err)) != NPU_OK) {
        return st;
    }
    l->out_shape.x = npu_out_size(conv.x, px, sx, p->padding);
    l->out_shape.y = npu_out_size(conv.y, py, sy, p->padding);
    l->out_shape.c = conv.c;
    if (l->out_shape.x == 0 || l->out_shape.y == 0) {
        return npu_err_set(err, NPU_ERR_INPUT,
                           "pool_size: %u x %u window larger than the "
                           "%u x %u convolution output (Valid padding)",
                           px, py, conv.x, conv.y);
    }
    return NPU_OK;
}

uint32_t npu_v2_spec(npu_var_spec *specs, uint32_t n, const char *name, uint32_t ndim,
                     const uint32_t *shape, int64_t min, int64_t max, bool optional) {
    npu_var_spec *s = &specs[n];
    memset(s, 0, sizeof(*s));
    s->name = name;
    s->dtype = NPU_DTYPE_I32;
    s->ndim = ndim;
    for (uint32_t i = 0; i < ndim && i < NPU_VAR_MAX_DIMS; i++) {
        s->shape[i] = shape[i];
    }
    s->min = min;
    s->max = max;
    s->optional = optional;
    return n + 1;
}

uint32_t npu_v2_pipeline_specs(const npu_layer *l, npu_var_spec *specs, uint32_t n,
                               bool with_input_shift) {
    const uint32_t in_c = l->in_shape.c;
    const uint32_t out_c = l->out_shape.c;
    if (with_input_shift) {
        n = npu_v2_spec(specs, n, "input_shift", 1, &in_c, 0, NPU_V2_SHIFT_IN_MAX, true);
    }
    n = npu_v2_spec(specs, n, "bias", 1, &out_c, INT32_MIN, INT32_MAX, true);
    n = npu_v2_spec(specs, n, "bias_shift", 1, &out_c, 0, NPU_V2_SHIFT_IN_MAX, true);
    n = npu_v2_spec(specs, n, "output_scale", 1, &out_c, 0, NPU_V2_SCALE_MAX, true);
    n = npu_v2_spec(specs, n, "output_shift", 1, &out_c, NPU_V2_OUT_SHIFT_MIN, NPU_V2_OUT_SHIFT_MAX,
                    true);
    return n;
}

/* Data of an int32 variable of count elements, or NULL when absent or mis-sized. */
static const int32_t *var_i32(const npu_layer *l, const char *name, size_t count) {
    const npu_var *v = npu_layer_var(l, name);
    if (v == NULL || v->dtype != NPU_DTYPE_I32 || v->count != count) {
        return NULL;
    }
    return (const int32_t *)v->data;
}

npu_status npu_v2_shifted_input(const npu_layer *l, const npu_tensor *in, int32_t **buf,
                                npu_err *err) {
    *buf = NULL;
    const uint32_t c_n = in->shape.c;
    const int32_t *shift = var_i32(l, "input_shift", c_n);
    if (shift == NULL) {
        return NPU_OK;
    }
    const size_t n = npu_shape_size(in->shape);
    int32_t *out = malloc(sizeof(int32_t) * (n ? n : 1));
    if (out == NULL) {
        return npu_err_set(err, NPU_ERR_INTERNAL, "input_shift: out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        const uint32_t s = (uint32_t)shift[i % c_n] & 31u;
        out[i] = npu_wrap_bits((int64_t)((uint64_t)(uint32_t)in->data[i] << s), 32);
    }
    *buf = out;
    return NPU_OK;
}

/* The resolved per-channel pipeline variables of a layer (NULL = default). */
typedef struct v2_vars {
    const int32_t *bias;       /* bias or NULL (0) */
    const int32_t *bias_shift; /* bias_shift or NULL (0) */
    const int32_t *scale;      /* output_scale or NULL (1) */
    const int32_t *shift;      /* output_shift or NULL (0) */
} v2_vars;

static v2_vars v2_vars_of(const npu_layer *l, uint32_t c_n) {
    v2_vars v;
    v.bias = var_i32(l, "bias", c_n);
    v.bias_shift = var_i32(l, "bias_shift", c_n);
    v.scale = var_i32(l, "output_scale", c_n);
    v.shift = var_i32(l, "output_shift", c_n);
    return v;
}

/* acc -> wrap to buffer_bits, + (bias << bias_shift), saturate to buffer_bits; in place. */
static void stage_bias(const npu_layer *l, const v2_vars *v, int32_t *acc, size_t n, uint32_t c_n) {
    const uint32_t bb = l->p.buffer_bits;
    for (size_t i = 0; i < n; i++) {
        const uint32_t c = (uint32_t)(i % c_n);
        int64_t x = npu_wrap_bits(acc[i], bb);
        if (v->bias != NULL) {
            const int32_t bs = v->bias_shift != NULL ? v->bias_shift[c] : 0;
            x += npu_shift_round(v->bias[c], -bs);
        }
        acc[i] = (int32_t)npu_saturate_signed(x, bb);
    }
}

/* One value through ReLU, x output_scale, output_shift and saturation to output_bits. */
static int32_t stage_output(const npu_layer *l, const v2_vars *v, int64_t x, uint32_t c) {
    if (l->p.activation && x < 0) {
        x = 0;
    }
    x *= v->scale != NULL ? v->scale[c] : 1;
    x = npu_shift_round(x, v->shift != NULL ? v->shift[c] : 0);
    if (l->p.activation) {
        return (int32_t)npu_saturate_unsigned(x, l->p.output_bits);
    }
    return (int32_t)npu_saturate_signed(x, l->p.output_bits);
}

/* Pools acc (shape conv) into *pooled (allocated; l->out_shape); global sums saturated to
 * buffer_bits. */
static npu_status stage_pool(const npu_layer *l, const int32_t *acc, npu_shape conv,
                             int32_t **pooled, npu_err *err) {
    const npu_shape os = l->out_shape;
    int32_t *p = malloc(sizeof(int32_t) * npu_shape_size(os));
    int64_t *sums = l->p.pool_type == NPU_POOL_AVG ? malloc(sizeof(int64_t) * conv.c) : NULL;
    if (p == NULL || (l->p.pool_type == NPU_POOL_AVG && sums == NULL)) {
        free(p);
        free(sums);
        return npu_err_set(err, NPU_ERR_INTERNAL, "pooling: out of memory");
    }
    if (l->p.pool_type == NPU_POOL_AVG) {
        npu_global_sum(acc, conv, sums);
        for (uint32_t c = 0; c < conv.c; c++) {
            p[c] = (int32_t)npu_saturate_signed(sums[c], l->p.buffer_bits);
        }
        free(sums);
    } else {
        uint32_t px, py, sx, sy;
        pool_eff(&l->p, &px, &py, &sx, &sy);
        npu_maxpool(acc, conv, px, py, sx, sy, l->p.padding, p, os);
    }
    *pooled = p;
    return NPU_OK;
}

npu_status npu_v2_stage_run(const npu_layer *l, int32_t *acc, npu_shape conv, bool with_pool,
                            npu_tensor *out, npu_err *err) {
    const v2_vars v = v2_vars_of(l, conv.c);
    stage_bias(l, &v, acc, npu_shape_size(conv), conv.c);
    const int32_t *src = acc;
    int32_t *pooled = NULL;
    if (with_pool && l->p.pool_type != NPU_POOL_NONE) {
        npu_status st = stage_pool(l, acc, conv, &pooled, err);
        if (st != NPU_OK) {
            return st;
        }
        src = pooled;
    }
    const size_t n = npu_shape_size(out->shape);
    const uint32_t c_n = out->shape.c;
    for (size_t i = 0; i < n; i++) {
        out->data[i] = stage_output(l, &v, src[i], (uint32_t)(i % c_n));
    }
    free(pooled);
    return NPU_OK;
}

npu_status npu_v2_conv_forward(const npu_layer *l, const npu_conv_geom *g, npu_v2_kernel kernel,
                               const npu_tensor *in, bool with_input_shift, bool with_pool,
                               npu_tensor *out, npu_err *err) {
    const npu_var *w = npu_layer_var(l, "weights");
    if (w == NULL || w->dtype != NPU_DTYPE_I32) {
        return npu_err_set(err, NPU_ERR_INTERNAL, "weights: missing after finalize");
    }
    int32_t *shifted = NULL;
    npu_status st = with_input_shift ? npu_v2_shifted_input(l, in, &shifted, err) : NPU_OK;
    if (st != NPU_OK) {
        return st;
    }
    int32_t *acc = malloc(sizeof(int32_t) * npu_shape_size(g->out));
    if (acc == NULL) {
        free(shifted);
        return npu_err_set(err, NPU_ERR_INTERNAL, "accumulators: out of memory");
    }
    kernel(g, shifted != NULL ? shifted : in->data, (const int32_t *)w->data, acc);
    free(shifted);
    st = npu_v2_stage_run(l, acc, g->out, with_pool, out, err);
    free(acc);
    return st;
}

npu_status npu_v2_infer_conv(npu_layer *l, const npu_conv_geom *g, uint64_t weights, npu_err *err) {
    if (g->out.x == 0 || g->out.y == 0) {
        return npu_err_set(err, NPU_ERR_INPUT,
                           "kernel_size: %u x %u kernel larger than the "
                           "%u x %u input (Valid padding)",
                           g->kx, g->ky, g->in.x, g->in.y);
    }
    npu_status st = npu_v2_check_elements(weights, "weights", err);
    if (st != NPU_OK) {
        return st;
    }
    return npu_v2_infer_pool(l, g->out, err);
}

void npu_v2_transpose_geom(npu_conv_geom *g, npu_shape in, uint32_t filters, uint32_t kx,
                           uint32_t ky, uint32_t sx, uint32_t sy) {
    g->in = in;
    g->out = (npu_shape){in.x * sx, in.y * sy, filters};
    g->kx = kx;
    g->ky = ky;
    g->sx = sx;
    g->sy = sy;
    g->pad_x = kx > sx ? (kx - sx) / 2 : 0;
    g->pad_y = ky > sy ? (ky - sy) / 2 : 0;
    g->pad_value = 0;
    g->flip = false;
}

/* Number of kernel taps of input coordinate i that land inside the output along one axis. */
static uint64_t axis_taps(uint32_t i, uint32_t k_n, uint32_t s, uint32_t pad, uint32_t out,
                          bool transpose) {
    uint64_t taps = 0;
    for (uint32_t k = 0; k < k_n; k++) {
        if (transpose) {
            const int64_t o = (int64_t)i * s + k - pad;
            taps += (o >= 0 && o < (int64_t)out);
        } else {
            const int64_t d = (int64_t)i + pad - k; /* = o * s */
            taps += (d >= 0 && d % s == 0 && d / s < (int64_t)out);
        }
    }
    return taps;
}

uint64_t npu_v2_conv_synops(const npu_conv_geom *g, const npu_tensor *in, bool transpose,
                            uint64_t per_tap) {
    uint64_t total = 0;
    for (uint32_t ix = 0; ix < in->shape.x; ix++) {
        const uint64_t tx = axis_taps(ix, g->kx, g->sx, g->pad_x, g->out.x, transpose);
        for (uint32_t iy = 0; iy < in->shape.y && tx != 0; iy++) {
            const int32_t *px = in->data + ((size_t)ix * in->shape.y + iy) * in->shape.c;
            const uint64_t nz = npu_count_nonzero(px, in->shape.c);
            if (nz != 0) {
                total +=
                    nz * tx * axis_taps(iy, g->ky, g->sy, g->pad_y, g->out.y, transpose) * per_tap;
            }
        }
    }
    return total;
}
