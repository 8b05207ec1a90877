/*
 * sim_demo: the built-in demo network (akisim demo, make run; see akisim_demo_create in
 * akisim.h). Everything is drawn from one seed with a local splitmix64 generator, so a seed
 * always gives the same files. Thresholds are calibrated layer by layer: the network up to
 * layer k is built with layer k's activation off, the inputs are run through it, and each
 * filter's threshold / act_step are read off the distribution of its potentials (the
 * classifier's act_step only scales predict()).
 */
#include "sim_api.h"

#include <stdlib.h>
#include <string.h>

#define DEMO_LAYERS 5
#define DEMO_ACT_LEVELS 15 /* 4-bit activations: 1..15 above threshold */

/* Architecture of one demo layer. */
typedef struct demo_layer {
    const char *type;      /* vendor type name */
    const char *name;      /* layer name */
    uint32_t kernel;       /* square kernel size */
    uint32_t filters;      /* filters / units */
    uint32_t stride;       /* convolution stride */
    uint32_t in_c;         /* input channels */
    npu_pool_type pool;    /* pooling applied */
    int32_t pool_size;     /* max pool size (-1: global average / none) */
    uint32_t weights_bits; /* weight bit width */
    bool activation;       /* activation on in the final model */
} demo_layer;

static const demo_layer DEMO[DEMO_LAYERS] = {
    {"InputConvolutional", "conv_0", 3, 8, 2, 1, NPU_POOL_NONE, -1, 8, true},
    {"Convolutional", "conv_1", 3, 16, 1, 8, NPU_POOL_NONE, -1, 4, true},
    {"SeparableConvolutional", "sep_2", 3, 32, 1, 16, NPU_POOL_MAX, 2, 4, true},
    {"Convolutional", "conv_3", 3, 32, 1, 32, NPU_POOL_AVG, -1, 4, true},
    {"FullyConnected", "classifier", 1, AKISIM_DEMO_CLASSES, 1, 32, NPU_POOL_NONE, -1, 4, false},
};

/* splitmix64: a small seeded generator (state owned by the caller). */
typedef struct demo_rng {
    uint64_t s; /* generator state */
} demo_rng;

static uint64_t rng_next(demo_rng *r) {
    uint64_t z = (r->s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* Uniform integer in [lo, hi]. */
static int32_t rng_range(demo_rng *r, int32_t lo, int32_t hi) {
    return lo + (int32_t)(rng_next(r) % (uint64_t)((int64_t)hi - lo + 1));
}

/* The variables of every layer (owned arrays; NULL where unused). */
typedef struct demo_vars {
    int32_t *w[DEMO_LAYERS];    /* weights */
    int32_t *pw[DEMO_LAYERS];   /* weights_pw (separable only) */
    int32_t *th[DEMO_LAYERS];   /* threshold per filter */
    int32_t *step[DEMO_LAYERS]; /* act_step per filter */
} demo_vars;

static void vars_free(demo_vars *v) {
    for (int i = 0; i < DEMO_LAYERS; i++) {
        free(v->w[i]);
        free(v->pw[i]);
        free(v->th[i]);
        free(v->step[i]);
    }
}

/* Shape of the main weights of layer i (4-D, C order). */
static void weights_shape(const demo_layer *d, uint32_t *shape) {
    const bool sep = strcmp(d->type, "SeparableConvolutional") == 0;
    shape[0] = d->kernel;
    shape[1] = d->kernel;
    shape[2] = d->in_c;
    shape[3] = sep ? 1 : d->filters;
}

/* Symmetric signed weights of b bits (2^b - 1 levels). */
static int32_t *random_weights(demo_rng *r, size_t count, uint32_t bits) {
    int32_t *w = malloc(count * sizeof *w);
    const int32_t hi = ((int32_t)1 << (bits - 1)) - 1;
    for (size_t k = 0; w && k < count; k++)
        w[k] = rng_range(r, -hi, hi);
    return w;
}

/* Draws every weight; thresholds start at 0 and steps at 1. */
static npu_status draw_vars(demo_rng *r, demo_vars *v, npu_err *err) {
    for (int i = 0; i < DEMO_LAYERS; i++) {
        const demo_layer *d = &DEMO[i];
        uint32_t s[4];
        weights_shape(d, s);
        v->w[i] = random_weights(r, (size_t)s[0] * s[1] * s[2] * s[3], d->weights_bits);
        if (strcmp(d->type, "SeparableConvolutional") == 0)
            if (!(v->pw[i] = random_weights(r, (size_t)d->in_c * d->filters, d->weights_bits)))
                return npu_err_set(err, NPU_ERR_INTERNAL, "out of memory for the demo");
        v->th[i] = calloc(d->filters, sizeof(int32_t));
        v->step[i] = malloc(d->filters * sizeof(int32_t));
        if (!v->w[i] || !v->th[i] || !v->step[i])
            return npu_err_set(err, NPU_ERR_INTERNAL, "out of memory for the demo");
        for (uint32_t f = 0; f < d->filters; f++)
            v->step[i][f] = 1;
    }
    return NPU_OK;
}

/* Parameters of demo layer i; `activation` overrides the final-model setting. */
static npu_params layer_params(const demo_layer *d, bool activation) {
    npu_layer_type t;
    npu_layer_type_from_name(d->type, &t);
    npu_params p = npu_params_default(t);
    if (t == NPU_INPUT_CONVOLUTIONAL) {
        p.input_shape = (npu_shape){AKISIM_DEMO_X, AKISIM_DEMO_Y, AKISIM_DEMO_C};
        p.input_bits = 8;
    }
    p.kernel_x = p.kernel_y = d->kernel;
    p.filters = d->filters;
    p.stride_x = p.stride_y = d->stride;
    p.padding = t == NPU_FULLY_CONNECTED ? p.padding : NPU_PAD_SAME;
    p.pool_type = d->pool;
    p.pool_x = p.pool_y = d->pool_size;
    p.pool_stride_x = p.pool_stride_y = -1;
    p.activation = activation;
    p.weights_bits = d->weights_bits;
    p.act_bits = 4;
    return p;
}

/* Sets the variables of layer i. */
static npu_status set_layer_vars(akisim_model *m, int i, const demo_vars *v, npu_err *err) {
    const demo_layer *d = &DEMO[i];
    uint32_t s[4];
    weights_shape(d, s);
    npu_status st =
        akisim_model_set_variable(m, d->name, "weights", NPU_DTYPE_I32, 4, s, v->w[i], err);
    if (st == NPU_OK && v->pw[i]) {
        const uint32_t ps[4] = {1, 1, d->in_c, d->filters};
        st = akisim_model_set_variable(m, d->name, "weights_pw", NPU_DTYPE_I32, 4, ps, v->pw[i],
                                       err);
    }
    const uint32_t fs[1] = {d->filters};
    if (st == NPU_OK)
        st =
            akisim_model_set_variable(m, d->name, "threshold", NPU_DTYPE_I32, 1, fs, v->th[i], err);
    if (st == NPU_OK)
        st = akisim_model_set_variable(m, d->name, "act_step", NPU_DTYPE_I32, 1, fs, v->step[i],
                                       err);
    return st;
}

/* Builds layers 0..last; layer `last` gets activation `last_act`. */
static npu_status build(int last, bool last_act, const demo_vars *v, akisim_model **out,
                        npu_err *err) {
    akisim_model *m = NULL;
    npu_status st = akisim_model_create(&m, err);
    for (int i = 0; i <= last && st == NPU_OK; i++) {
        const npu_params p = layer_params(&DEMO[i], i == last ? last_act : DEMO[i].activation);
        st = akisim_model_add_layer(m, DEMO[i].type, DEMO[i].name, &p, NULL, 0, err);
        if (st == NPU_OK)
            st = set_layer_vars(m, i, v, err);
    }
    if (st == NPU_OK)
        st = akisim_model_finalize(m, err);
    if (st != NPU_OK) {
        akisim_model_free(m);
        return npu_err_prefix(err, "demo model");
    }
    *out = m;
    return NPU_OK;
}

static int cmp_i32(const void *a, const void *b) {
    const int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* Sets thresholds / steps of layer i from its potentials pot (n * x * y * filters). Hidden
 * layers: threshold = median (floored at 0), act_step spreads the 98th percentile over the
 * activation levels. The classifier (no activation): threshold 0 and an act_step that maps
 * the 98th percentile of |p| to 4.0 in predict(). */
static void calibrate(const demo_layer *d, const int32_t *pot, size_t count, int32_t *th,
                      int32_t *step, int32_t *tmp) {
    const size_t per_f = count / d->filters;
    for (uint32_t f = 0; f < d->filters; f++) {
        for (size_t k = 0; k < per_f; k++) {
            const int32_t p = pot[k * d->filters + f];
            tmp[k] = d->activation ? p : (p < 0 ? -p : p);
        }
        qsort(tmp, per_f, sizeof *tmp, cmp_i32);
        const int64_t med = tmp[per_f / 2];
        const int64_t hi = tmp[(per_f * 98) / 100];
        const int64_t t = d->activation && med > 0 ? med : 0;
        const int64_t levels = d->activation ? DEMO_ACT_LEVELS : 4;
        const int64_t s = hi > t ? (hi - t + levels - 1) / levels : 1;
        th[f] = (int32_t)t;
        step[f] = (int32_t)(s > 0 ? s : 1);
    }
}

/* Calibrates the layers one after the other on the n inputs. */
static npu_status calibrate_all(demo_vars *v, size_t n, const uint8_t *inputs, npu_err *err) {
    npu_status st = NPU_OK;
    for (int i = 0; i < DEMO_LAYERS && st == NPU_OK; i++) {
        akisim_model *m = NULL;
        st = build(i, false, v, &m, err);
        if (st != NPU_OK)
            break;
        akisim_shape os;
        akisim_model_output_shape(m, &os, err);
        const size_t count = n * npu_shape_size(os);
        int32_t *pot = malloc(count * sizeof *pot);
        int32_t *tmp = malloc(count * sizeof *tmp);
        if (!pot || !tmp)
            st = npu_err_set(err, NPU_ERR_INTERNAL, "out of memory for the demo");
        if (st == NPU_OK)
            st = akisim_model_forward(m, n, AKISIM_INPUT_U8, inputs, pot, err);
        if (st == NPU_OK)
            calibrate(&DEMO[i], pot, count, v->th[i], v->step[i], tmp);
        free(pot);
        free(tmp);
        akisim_model_free(m);
    }
    return st;
}

/* n images: dark noise with 1 to 3 bright discs. */
static void draw_inputs(demo_rng *r, size_t n, uint8_t *inputs) {
    const int32_t X = AKISIM_DEMO_X, Y = AKISIM_DEMO_Y;
    for (size_t i = 0; i < n; i++) {
        uint8_t *img = inputs + i * (size_t)X * Y;
        for (int32_t k = 0; k < X * Y; k++)
            img[k] = (uint8_t)rng_range(r, 0, 40);
        const int32_t discs = rng_range(r, 1, 3);
        for (int32_t d = 0; d < discs; d++) {
            const int32_t cx = rng_range(r, 0, X - 1), cy = rng_range(r, 0, Y - 1);
            const int32_t rad = rng_range(r, 3, 8), val = rng_range(r, 150, 255);
            for (int32_t x = 0; x < X; x++)
                for (int32_t y = 0; y < Y; y++)
                    if ((x - cx) * (x - cx) + (y - cy) * (y - cy) <= rad * rad)
                        img[x * Y + y] = (uint8_t)val;
        }
    }
}

akisim_status akisim_demo_create(uint64_t seed, size_t n, akisim_model **model, uint8_t *inputs,
                                 int32_t *labels, akisim_error *err) {
    if (n == 0)
        return npu_err_set(err, NPU_ERR_INPUT, "demo: need at least one sample");
    demo_rng r = {seed};
    demo_vars v;
    memset(&v, 0, sizeof v);
    draw_inputs(&r, n, inputs);
    for (size_t i = 0; i < n; i++)
        labels[i] = rng_range(&r, 0, AKISIM_DEMO_CLASSES - 1);
    npu_status st = draw_vars(&r, &v, err);
    if (st == NPU_OK)
        st = calibrate_all(&v, n, inputs, err);
    if (st == NPU_OK)
        st = build(DEMO_LAYERS - 1, false, &v, model, err);
    vars_free(&v);
    return st;
}
