/*
 * cmp_zoo_calib: activation calibration of zoo models with the golden model.
 *
 * Layer by layer, in order: the layer runs alone (behind an InputData layer carrying the
 * previous calibrated activations; the image input layer runs alone on seeded random images)
 * with its activation off, so the golden model returns its potentials (after pooling). Over
 * all samples' potentials: T = the (1 - density) quantile (lowered to the largest value below
 * the maximum if nothing would fire), hi = the 90th percentile of the potentials above T.
 * v1: threshold T, act_step = ceil((hi - T) / (2^b - 1)) >= 1. v2: bias = -T (divided by the
 * number of pooled positions under global average pooling, where the bias is added before
 * the sum), output_shift 16, output_scale = (2^b - 1) * 2^16 / (hi - T). The activations for
 * the next layer apply the same formulas to the potentials.
 */
#include <stdlib.h>
#include <string.h>

#include "cmp_zoo_arch.h"

#define ZOO_V2_SHIFT 16

/* splitmix64 step (same generator as cmp_zoo.c, separate stream). */
static uint64_t calib_next(uint64_t *s) {
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static int calib_cmp_i32(const void *a, const void *b) {
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* Sorts v ascending — the order qsort with calib_cmp_i32 gives — by an LSD radix sort of the
 * sign-flipped values (4 passes of 8 bits, O(n): the zoo build of AkidaNet 0.5/160 spent most
 * of its time in qsort); qsort for small arrays or when the scratch cannot be allocated. */
static void calib_sort_i32(int32_t *v, size_t n) {
    uint32_t *a = (uint32_t *)v, *tmp = n > 256 ? malloc(n * sizeof *tmp) : NULL;
    if (tmp == NULL) {
        qsort(v, n, sizeof *v, calib_cmp_i32);
        return;
    }
    for (size_t i = 0; i < n; i++)
        a[i] ^= 0x80000000u;
    uint32_t *src = a, *dst = tmp;
    for (unsigned shift = 0; shift < 32; shift += 8) {
        size_t count[257] = {0};
        for (size_t i = 0; i < n; i++)
            count[((src[i] >> shift) & 255u) + 1]++;
        for (size_t k = 0; k < 256; k++)
            count[k + 1] += count[k];
        for (size_t i = 0; i < n; i++)
            dst[count[(src[i] >> shift) & 255u]++] = src[i];
        uint32_t *s = src;
        src = dst;
        dst = s;
    }
    for (size_t i = 0; i < n; i++) /* four passes: the sorted values are back in a */
        a[i] ^= 0x80000000u;
    free(tmp);
}

/* A single-layer model computing layer i's potentials (activation off). */
static npu_status calib_mini(const npu_model *m, uint32_t i, int version, npu_model **out,
                             npu_err *err) {
    const npu_layer *l = npu_model_layer(m, i);
    npu_model *mini = npu_model_new();
    if (mini == NULL)
        return npu_err_set(err, NPU_ERR_INTERNAL, "zoo: out of memory");
    npu_status st = NPU_OK;
    if (!npu_layer_type_is_input(l->type)) {
        npu_params ip = npu_params_default(NPU_INPUT_DATA);
        ip.input_shape = l->in_shape;
        ip.input_bits = l->in_bits;
        st = npu_model_add(mini, NPU_INPUT_DATA, "calibration_input", &ip, NULL, 0, err);
    }
    npu_params p = l->p;
    p.activation = false;
    if (version == 2)
        p.output_bits = 32;
    if (st == NPU_OK)
        st = npu_model_add(mini, l->type, l->name, &p, NULL, 0, err);
    uint32_t li = npu_model_layer_count(mini) - 1;
    for (uint32_t v = 0; v < l->n_vars && st == NPU_OK; v++) {
        const npu_var *var = &l->vars[v];
        if (version == 2 && strcmp(var->name, "weights") != 0)
            continue;
        st = npu_model_set_var(mini, li, var->name, var->dtype, var->ndim, var->shape, var->data,
                               err);
    }
    if (st == NPU_OK)
        st = npu_model_finalize(mini, err);
    if (st != NPU_OK) {
        npu_model_free(mini);
        return st;
    }
    *out = mini;
    return NPU_OK;
}

/* Calibration result of one layer. */
typedef struct calib_point {
    int64_t t;      /* threshold on the potentials */
    int64_t step;   /* v1 act_step */
    int64_t bias;   /* v2 bias */
    int64_t scale;  /* v2 output_scale */
    int64_t n_pool; /* v2: positions summed by global average pooling (1 otherwise) */
} calib_point;

/* Chooses T and the step from the sorted potentials. */
static void calib_choose(const int32_t *v, size_t n, double density, uint32_t bits,
                         calib_point *cp) {
    size_t q = (size_t)((1.0 - density) * (double)(n - 1));
    int64_t t = density >= 1.0 ? (int64_t)v[0] - 1 : v[q];
    if (t >= v[n - 1])
        t = (int64_t)v[n - 1] - 1; /* make sure the largest potentials fire */
    size_t first = q;
    while (first < n && v[first] <= t)
        first++;
    while (first > 0 && v[first - 1] > t)
        first--;
    size_t hi_i = first + (size_t)(0.9 * (double)(n - 1 - first));
    int64_t span = (int64_t)v[hi_i] - t;
    int64_t levels = ((int64_t)1 << bits) - 1;
    cp->t = t;
    cp->step = span > levels ? (span + levels - 1) / levels : 1;
    cp->scale = span > 0 ? (levels << ZOO_V2_SHIFT) / span : 1;
    if (cp->scale < 1)
        cp->scale = 1;
    if (cp->scale > INT32_MAX)
        cp->scale = INT32_MAX;
}

/* Activation of one potential with the calibrated parameters. */
static int32_t calib_activate(int64_t p, const calib_point *cp, int version, uint32_t bits) {
    int64_t levels = ((int64_t)1 << bits) - 1;
    if (version == 1) {
        if (p <= cp->t)
            return 0;
        int64_t n = (p - cp->t + cp->step - 1) / cp->step;
        return (int32_t)(n > levels ? levels : n);
    }
    int64_t v = p + cp->bias * cp->n_pool;
    if (v <= 0)
        return 0;
    int64_t o = (v * cp->scale + ((int64_t)1 << (ZOO_V2_SHIFT - 1))) >> ZOO_V2_SHIFT;
    return (int32_t)(o > levels ? levels : o);
}

/* Writes the calibrated variables of layer i. */
static npu_status calib_store(npu_model *m, uint32_t i, int version, const calib_point *cp,
                              npu_err *err) {
    const npu_layer *l = npu_model_layer(m, i);
    uint32_t f = l->out_shape.c;
    int32_t *a = malloc(f * sizeof *a), *b = malloc(f * sizeof *b), *c = malloc(f * sizeof *c);
    npu_status st = (a && b && c) ? NPU_OK : npu_err_set(err, NPU_ERR_INTERNAL, "out of memory");
    for (uint32_t k = 0; k < f && st == NPU_OK; k++) {
        a[k] = (int32_t)(version == 1 ? cp->t : cp->bias);
        b[k] = (int32_t)(version == 1 ? cp->step : cp->scale);
        c[k] = ZOO_V2_SHIFT;
    }
    const char *na = version == 1 ? "threshold" : "bias";
    const char *nb = version == 1 ? "act_step" : "output_scale";
    if (st == NPU_OK)
        st = npu_model_set_var(m, i, na, NPU_DTYPE_I32, 1, &f, a, err);
    if (st == NPU_OK)
        st = npu_model_set_var(m, i, nb, NPU_DTYPE_I32, 1, &f, b, err);
    if (st == NPU_OK && version == 2)
        st = npu_model_set_var(m, i, "output_shift", NPU_DTYPE_I32, 1, &f, c, err);
    free(a);
    free(b);
    free(c);
    return st;
}

/* Calibrates layer i from its potentials pots[0..samples) and turns them into activations. */
static npu_status calib_layer(npu_model *m, uint32_t i, const cmp_zoo_opts *o, npu_tensor *pots,
                              uint32_t samples, npu_err *err) {
    const npu_layer *l = npu_model_layer(m, i);
    if (!l->p.activation)
        return NPU_OK;
    size_t per = npu_shape_size(pots[0].shape), n = per * samples;
    int32_t *all = malloc(n * sizeof *all);
    if (all == NULL)
        return npu_err_set(err, NPU_ERR_INTERNAL, "zoo: out of memory");
    for (uint32_t s = 0; s < samples; s++)
        memcpy(all + per * s, pots[s].data, per * sizeof *all);
    calib_sort_i32(all, n);
    uint32_t bits = o->version == 1 ? l->p.act_bits : l->p.output_bits;
    calib_point cp;
    calib_choose(all, n, o->density, bits, &cp);
    free(all);
    cp.n_pool = 1;
    if (l->p.pool_type == NPU_POOL_AVG) {
        uint32_t sx = l->p.stride_x ? l->p.stride_x : 1, sy = l->p.stride_y ? l->p.stride_y : 1;
        cp.n_pool = (int64_t)((l->in_shape.x + sx - 1) / sx) * ((l->in_shape.y + sy - 1) / sy);
    }
    cp.bias = -cp.t / cp.n_pool;
    if (cp.bias < INT32_MIN)
        cp.bias = INT32_MIN;
    for (uint32_t s = 0; s < samples; s++) {
        for (size_t k = 0; k < per; k++)
            pots[s].data[k] = calib_activate(pots[s].data[k], &cp, o->version, bits);
    }
    return calib_store(m, i, o->version, &cp, err);
}

/* Random 8-bit images of the model input shape. */
static npu_status calib_inputs(const npu_model *m, uint64_t seed, npu_tensor *in, uint32_t samples,
                               npu_err *err) {
    npu_shape s = npu_model_layer(m, 0)->in_shape;
    uint32_t bits = npu_model_layer(m, 0)->in_bits;
    bits = bits >= 1 && bits <= 8 ? bits : 8;
    uint64_t rng = seed ^ 0xC0FFEE1234567ull;
    for (uint32_t k = 0; k < samples; k++) {
        in[k].shape = s;
        in[k].data = malloc(npu_shape_size(s) * sizeof(int32_t));
        if (in[k].data == NULL)
            return npu_err_set(err, NPU_ERR_INTERNAL, "zoo: out of memory");
        for (size_t j = 0; j < npu_shape_size(s); j++)
            in[k].data[j] = (int32_t)(calib_next(&rng) % (1ull << bits));
    }
    return NPU_OK;
}

npu_status cmp_zoo_calibrate(npu_model *m, const cmp_zoo_opts *o, npu_err *err);

npu_status cmp_zoo_calibrate(npu_model *m, const cmp_zoo_opts *o, npu_err *err) {
    uint32_t samples = o->calib_samples ? o->calib_samples : 1;
    npu_tensor *cur = calloc(samples, sizeof *cur), *next = calloc(samples, sizeof *next);
    npu_status st = (cur && next) ? NPU_OK : npu_err_set(err, NPU_ERR_INTERNAL, "out of memory");
    if (st == NPU_OK)
        st = calib_inputs(m, o->seed, cur, samples, err);
    uint32_t n = npu_model_layer_count(m);
    for (uint32_t i = 0; i < n && st == NPU_OK; i++) {
        npu_model *mini = NULL;
        st = calib_mini(m, i, o->version, &mini, err);
        for (uint32_t s = 0; s < samples && st == NPU_OK; s++)
            st = npu_model_forward(mini, &cur[s], &next[s], NULL, err);
        npu_model_free(mini);
        if (st == NPU_OK)
            st = calib_layer(m, i, o, next, samples, err);
        for (uint32_t s = 0; s < samples; s++) {
            npu_tensor_free(&cur[s]);
            cur[s] = next[s];
            memset(&next[s], 0, sizeof next[s]);
        }
    }
    for (uint32_t s = 0; cur && s < samples; s++)
        npu_tensor_free(&cur[s]);
    free(cur);
    free(next);
    return st;
}
