/*
 * cmp_zoo: turns a zoo architecture (cmp_zoo_arch.c) into a finalized npu_model with seeded
 * synthetic weights, and calibrates its activations.
 *
 * Weights: uniform over the symmetric range of their bit width (v1 4-bit: -7..7, 1-bit {0,1},
 * input layer 8-bit -127..127; v2 b-bit: -2^(b-1)..2^(b-1)-1), drawn from one splitmix64
 * stream of the seed in layer order. Calibration, layer by layer in order: the layer alone
 * (behind an InputData layer carrying the previous activations, or alone for the input
 * layer) runs in the golden model with its activation off, giving its potentials; the
 * threshold (v1) or -bias (v2) is their (1 - density) quantile, and the step (v1) or output
 * scale (v2) maps the 90th percentile of the firing potentials to the top of the bit range.
 * The calibrated activations then feed the next layer.
 */
#include "cmp/cmp_zoo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmp_zoo_arch.h"

/* splitmix64: a small deterministic PRNG held by the caller. */
static uint64_t zoo_next(uint64_t *s) {
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform integer in [lo, hi]. */
static int32_t zoo_uniform(uint64_t *s, int32_t lo, int32_t hi) {
    uint64_t span = (uint64_t)((int64_t)hi - lo + 1);
    return (int32_t)(lo + (int64_t)(zoo_next(s) % span));
}

void cmp_zoo_opts_default(cmp_zoo_opts *o) {
    memset(o, 0, sizeof *o);
    o->alpha = 1.0;
    o->version = 1;
    o->density = 0.5;
    o->calib_samples = 1;
}

/* Weight range of a layer. */
static void zoo_weight_range(const npu_layer *l, int version, int32_t *lo, int32_t *hi) {
    uint32_t b = l->p.weights_bits;
    if (version == 2) {
        *lo = -(1 << (b - 1));
        *hi = (1 << (b - 1)) - 1;
    } else if (b == 1) {
        *lo = 0;
        *hi = 1;
    } else {
        *hi = (1 << (b - 1)) - 1;
        *lo = -*hi;
    }
}

/* Sets variable `name` of layer i to count values (random in [lo, hi] or all `fill`). */
static npu_status zoo_set(npu_model *m, uint32_t i, const char *name, uint32_t ndim,
                          const uint32_t *shape, uint64_t *rng, int32_t lo, int32_t hi,
                          npu_err *err) {
    size_t count = 1;
    for (uint32_t d = 0; d < ndim; d++)
        count *= shape[d];
    int32_t *v = malloc((count ? count : 1) * sizeof *v);
    if (v == NULL)
        return npu_err_set(err, NPU_ERR_INTERNAL, "zoo: out of memory");
    for (size_t j = 0; j < count; j++)
        v[j] = rng ? zoo_uniform(rng, lo, hi) : lo;
    npu_status st = npu_model_set_var(m, i, name, NPU_DTYPE_I32, ndim, shape, v, err);
    free(v);
    return st;
}

/* Parameters of one concrete layer. */
static npu_params zoo_params(npu_layer_type t, const cmp_zoo_layer *zl, uint32_t k, uint32_t stride,
                             uint32_t wbits, uint32_t abits) {
    npu_params p = npu_params_default(t);
    p.kernel_x = p.kernel_y = k;
    p.stride_x = p.stride_y = stride;
    p.filters = zl->filters;
    p.padding = NPU_PAD_SAME;
    p.weights_bits = wbits;
    p.act_bits = abits;
    p.output_bits = zl->activation ? abits : 32u;
    p.activation = zl->activation;
    if (zl->pool == NPU_POOL_MAX) {
        p.pool_type = NPU_POOL_MAX;
        p.pool_x = p.pool_y = 2;
        p.pool_stride_x = p.pool_stride_y = 2;
    } else if (zl->pool == NPU_POOL_AVG) {
        p.pool_type = NPU_POOL_AVG;
        p.pool_x = p.pool_y = -1;
    }
    return p;
}

/* Appends the concrete layers of one abstract layer (v2 separable: depthwise + pointwise). */
static npu_status zoo_add_layer(npu_model *m, const cmp_zoo_arch *a, const cmp_zoo_layer *zl,
                                const cmp_zoo_opts *o, npu_err *err) {
    uint32_t wb = o->weight_bits ? o->weight_bits : a->def_weight_bits;
    uint32_t ab = o->act_bits ? o->act_bits : a->def_act_bits;
    bool v2 = o->version == 2;
    npu_params p;
    switch (zl->kind) {
    case CMP_ZL_INPUT_CONV: {
        npu_layer_type t = v2 ? NPU_INPUT_CONV2D : NPU_INPUT_CONVOLUTIONAL;
        p = zoo_params(t, zl, zl->k, zl->stride, 8, ab);
        p.input_shape = a->input;
        p.input_bits = 8;
        return npu_model_add(m, t, zl->name, &p, NULL, 0, err);
    }
    case CMP_ZL_CONV: {
        npu_layer_type t = v2 ? NPU_CONV2D : NPU_CONVOLUTIONAL;
        p = zoo_params(t, zl, zl->k, zl->stride, wb, ab);
        return npu_model_add(m, t, zl->name, &p, NULL, 0, err);
    }
    case CMP_ZL_SEP:
        if (!v2) {
            p = zoo_params(NPU_SEPARABLE_CONVOLUTIONAL, zl, zl->k, zl->stride, wb, ab);
            return npu_model_add(m, NPU_SEPARABLE_CONVOLUTIONAL, zl->name, &p, NULL, 0, err);
        } else {
            char dw[40];
            cmp_zoo_layer d = *zl;
            d.pool = NPU_POOL_NONE;
            d.activation = true;
            p = zoo_params(NPU_DEPTHWISE_CONV2D, &d, zl->k, zl->stride, wb, ab);
            snprintf(dw, sizeof dw, "%s_dw", zl->name);
            npu_status st = npu_model_add(m, NPU_DEPTHWISE_CONV2D, dw, &p, NULL, 0, err);
            if (st != NPU_OK)
                return st;
            p = zoo_params(NPU_CONV2D, zl, 1, 1, wb, ab);
            return npu_model_add(m, NPU_CONV2D, zl->name, &p, NULL, 0, err);
        }
    case CMP_ZL_DENSE: {
        npu_layer_type t = v2 ? NPU_DENSE1D : NPU_FULLY_CONNECTED;
        p = zoo_params(t, zl, 1, 1, wb, ab);
        return npu_model_add(m, t, zl->name, &p, NULL, 0, err);
    }
    }
    return npu_err_set(err, NPU_ERR_INTERNAL, "zoo: bad layer kind");
}

/* Sets the variables of layer i: weights (random or zero) and neutral activation vars. */
static npu_status zoo_set_vars(npu_model *m, uint32_t i, int version, uint64_t *rng, npu_shape in,
                               npu_err *err) {
    const npu_layer *l = npu_model_layer(m, i);
    uint32_t c = in.c, f = l->p.filters, kx = l->p.kernel_x, ky = l->p.kernel_y;
    int32_t lo, hi;
    zoo_weight_range(l, version, &lo, &hi);
    uint64_t *r = rng;
    int32_t zlo = rng ? lo : 0, zhi = rng ? hi : 0;
    npu_status st = NPU_OK;
    switch (l->type) {
    case NPU_SEPARABLE_CONVOLUTIONAL: {
        uint32_t dw[4] = {kx, ky, c, 1}, pw[4] = {1, 1, c, f};
        st = zoo_set(m, i, "weights", 4, dw, r, zlo, zhi, err);
        if (st == NPU_OK)
            st = zoo_set(m, i, "weights_pw", 4, pw, r, zlo, zhi, err);
        break;
    }
    case NPU_DEPTHWISE_CONV2D: {
        uint32_t dw[3] = {kx, ky, c};
        st = zoo_set(m, i, "weights", 3, dw, r, zlo, zhi, err);
        f = c;
        break;
    }
    case NPU_FULLY_CONNECTED: {
        uint32_t w[4] = {1, 1, (uint32_t)npu_shape_size(in), f};
        st = zoo_set(m, i, "weights", 4, w, r, zlo, zhi, err);
        break;
    }
    case NPU_DENSE1D: {
        uint32_t w[2] = {(uint32_t)npu_shape_size(in), f};
        st = zoo_set(m, i, "weights", 2, w, r, zlo, zhi, err);
        break;
    }
    default: {
        uint32_t w[4] = {kx, ky, c, f};
        st = zoo_set(m, i, "weights", 4, w, r, zlo, zhi, err);
        break;
    }
    }
    if (st == NPU_OK && version == 1) {
        st = zoo_set(m, i, "threshold", 1, &f, NULL, 0, 0, err);
        if (st == NPU_OK)
            st = zoo_set(m, i, "act_step", 1, &f, NULL, 1, 1, err);
    }
    return st;
}

npu_status cmp_zoo_calibrate(npu_model *m, const cmp_zoo_opts *o, npu_err *err);

/* Output shape of the layer just added, from its input shape (Same padding). */
static npu_shape zoo_out_shape(const npu_layer *l, npu_shape in) {
    const npu_params *p = &l->p;
    if (l->type == NPU_FULLY_CONNECTED || l->type == NPU_DENSE1D)
        return (npu_shape){1, 1, p->filters};
    npu_shape o = {(in.x + p->stride_x - 1) / p->stride_x, (in.y + p->stride_y - 1) / p->stride_y,
                   l->type == NPU_DEPTHWISE_CONV2D ? in.c : p->filters};
    if (p->pool_type == NPU_POOL_MAX) {
        o.x = (o.x + 1) / 2;
        o.y = (o.y + 1) / 2;
    } else if (p->pool_type == NPU_POOL_AVG) {
        o.x = o.y = 1;
    }
    return o;
}

/* Adds every layer with zero variables, finalizes, then draws the random weights. */
static npu_status zoo_build_layers(npu_model *m, const cmp_zoo_arch *a, const cmp_zoo_opts *o,
                                   npu_err *err) {
    npu_status st = NPU_OK;
    npu_shape cur = a->input;
    for (uint32_t i = 0; i < a->n && st == NPU_OK; i++) {
        uint32_t before = npu_model_layer_count(m);
        st = zoo_add_layer(m, a, &a->l[i], o, err);
        for (uint32_t j = before; j < npu_model_layer_count(m) && st == NPU_OK; j++) {
            st = zoo_set_vars(m, j, o->version, NULL, cur, err);
            cur = zoo_out_shape(npu_model_layer(m, j), cur);
        }
    }
    if (st == NPU_OK)
        st = npu_model_finalize(m, err);
    uint64_t rng = o->seed ^ 0x5A5A5A5A12345678ull;
    uint32_t n = npu_model_layer_count(m);
    for (uint32_t i = 0; i < n && st == NPU_OK && !o->no_weights; i++)
        st = zoo_set_vars(m, i, o->version, &rng, npu_model_layer(m, i)->in_shape, err);
    return st;
}

npu_status cmp_zoo_build(const char *name, const cmp_zoo_opts *o, npu_model **out, npu_err *err) {
    *out = NULL;
    if (o->version != 1 && o->version != 2)
        return npu_err_set(err, NPU_ERR_INPUT, "zoo: version %d unknown (v1 or v2)", o->version);
    if (!(o->density > 0.0 && o->density <= 1.0))
        return npu_err_set(err, NPU_ERR_INPUT, "zoo: density %g outside (0, 1]", o->density);
    uint32_t v1w[] = {1, 2, 4}, v2w[] = {4, 8};
    bool ok_w = o->weight_bits == 0, ok_a = o->act_bits == 0;
    for (int i = 0; i < 3 && o->version == 1; i++) {
        ok_w = ok_w || o->weight_bits == v1w[i];
        ok_a = ok_a || o->act_bits == v1w[i];
    }
    for (int i = 0; i < 2 && o->version == 2; i++) {
        ok_w = ok_w || o->weight_bits == v2w[i];
        ok_a = ok_a || o->act_bits == v2w[i];
    }
    if (!ok_w || !ok_a)
        return npu_err_set(err, NPU_ERR_INPUT,
                           "zoo: weight bits %u / act bits %u not supported by Akida %d.0 "
                           "(v1: 1, 2, 4; v2: 4, 8)",
                           o->weight_bits, o->act_bits, o->version);
    cmp_zoo_arch *a = malloc(sizeof *a);
    npu_model *m = npu_model_new();
    npu_status st = (a && m) ? NPU_OK : npu_err_set(err, NPU_ERR_INTERNAL, "zoo: out of memory");
    if (st == NPU_OK)
        st = cmp_zoo_arch_of(name, o, a, err);
    if (st == NPU_OK)
        st = zoo_build_layers(m, a, o, err);
    if (st == NPU_OK && !o->no_weights)
        st = cmp_zoo_calibrate(m, o, err);
    if (st == NPU_OK)
        st = npu_model_finalize(m, err);
    free(a);
    if (st != NPU_OK) {
        npu_model_free(m);
        return npu_err_prefix(err, "zoo %s", name ? name : "");
    }
    *out = m;
    return NPU_OK;
}
