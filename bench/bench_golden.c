/*
 * akisim-bench: throughput of the golden model on two reference convolution layers.
 *
 *  (a) Convolutional 56x56x64 -> 64 filters, 3x3, Same, stride 1, 4-bit weights (-7..7),
 *      4-bit activations (0..15, ~50% zeros), real convolution (kernel flipped);
 *  (b) InputConvolutional 224x224x3 -> 32 filters, 3x3, Same, stride 2, 8-bit weights
 *      (-127..127), dense random 8-bit image, cross-correlation.
 *
 * Each layer is timed (median of RUNS runs after one warm-up) through npu_conv2d (the
 * kernel alone) and through the public model API (npu_model_add / set_var / finalize /
 * forward, which adds input checks, the v1 activation and output allocation), and through
 * oneDNN's int8 convolution on one thread when available (bench_onednn.c).
 *
 * Two rates are printed, both honest counts divided by the median time:
 *  - dense MAC/s: out_x * out_y * k * k * in_c * filters multiply-accumulates;
 *  - event synop/s: only the MACs whose input value is non-zero (what an event-based
 *    processor performs): for every output pixel and in-range tap, the number of non-zero
 *    input channels at that input pixel, times filters.
 * The kernel's result is also compared with oneDNN's (same cross-correlation) bit for bit.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "npu/npu_model.h"
#include "npu_kernels.h"

#define RUNS 9 /* timed runs per measurement (median); >= 5 */

#ifndef AKISIM_BENCH_ONEDNN
bool bench_onednn_available(void) {
    return false;
}
bool bench_onednn_conv(const bench_case *bc, const uint8_t *in, const int8_t *w, int runs,
                       double *median_s, int32_t *out) {
    return false;
}
#endif

/* Deterministic xorshift32 generator (the state is local to each benchmark). */
static uint32_t rng_next(uint32_t *s) {
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

/* One benchmark layer: shape, data and layer semantics. */
typedef struct bench_layer {
    bench_case bc;       /* shape */
    npu_layer_type type; /* NPU_CONVOLUTIONAL or NPU_INPUT_CONVOLUTIONAL */
    uint32_t in_bits;    /* input bits (4 or 8) */
    uint32_t w_bits;     /* weight bits (4 or 8) */
    bool flip;           /* real convolution (v1 Convolutional) */
    int32_t *in;         /* input (x, y, c) */
    int32_t *w;          /* weights (kx, ky, c, f) */
    double dense_macs;   /* dense multiply-accumulates per forward pass */
    double event_synops; /* MACs with a non-zero input */
} bench_layer;

static void layer_shape(bench_layer *l, const char *name, uint32_t in_x, uint32_t in_y,
                        uint32_t in_c, uint32_t filters, uint32_t k, uint32_t stride) {
    bench_case *bc = &l->bc;
    bc->name = name;
    bc->in_x = in_x;
    bc->in_y = in_y;
    bc->in_c = in_c;
    bc->filters = filters;
    bc->k = k;
    bc->stride = stride;
    bc->out_x = npu_out_size(in_x, k, stride, NPU_PAD_SAME);
    bc->out_y = npu_out_size(in_y, k, stride, NPU_PAD_SAME);
    bc->pad_x = npu_pad_before(in_x, k, stride, NPU_PAD_SAME);
    bc->pad_y = npu_pad_before(in_y, k, stride, NPU_PAD_SAME);
}

/* Fills input and weights: inputs uniform over 1..2^bits-1 with probability 1-zero_frac. */
static void layer_data(bench_layer *l, double zero_frac, uint32_t seed) {
    const bench_case *bc = &l->bc;
    const size_t in_n = (size_t)bc->in_x * bc->in_y * bc->in_c;
    const size_t w_n = (size_t)bc->k * bc->k * bc->in_c * bc->filters;
    const uint32_t in_max = (1u << l->in_bits) - 1;
    const int32_t w_max = (int32_t)((1u << (l->w_bits - 1)) - 1);
    l->in = malloc(sizeof(int32_t) * in_n);
    l->w = malloc(sizeof(int32_t) * w_n);
    if (l->in == NULL || l->w == NULL) {
        fprintf(stderr, "akisim-bench: out of memory\n");
        exit(1);
    }
    uint32_t s = seed;
    for (size_t i = 0; i < in_n; i++) {
        const bool zero = (double)(rng_next(&s) % 1000000u) < zero_frac * 1e6;
        l->in[i] = zero ? 0 : (int32_t)(1 + rng_next(&s) % in_max);
    }
    for (size_t i = 0; i < w_n; i++) {
        l->w[i] = (int32_t)(rng_next(&s) % (uint32_t)(2 * w_max + 1)) - w_max;
    }
}

/* Dense MACs and event synaptic ops (MACs with a non-zero input) of one forward pass. */
static void layer_count(bench_layer *l) {
    const bench_case *bc = &l->bc;
    l->dense_macs = (double)bc->out_x * bc->out_y * bc->k * bc->k * bc->in_c * bc->filters;
    double events = 0;
    for (uint32_t ox = 0; ox < bc->out_x; ox++) {
        for (uint32_t oy = 0; oy < bc->out_y; oy++) {
            for (uint32_t kx = 0; kx < bc->k; kx++) {
                for (uint32_t ky = 0; ky < bc->k; ky++) {
                    const int64_t ix = (int64_t)ox * bc->stride + kx - bc->pad_x;
                    const int64_t iy = (int64_t)oy * bc->stride + ky - bc->pad_y;
                    if (ix < 0 || iy < 0 || ix >= bc->in_x || iy >= bc->in_y) {
                        continue; /* padding is 0: no event */
                    }
                    const int32_t *px = l->in + ((size_t)ix * bc->in_y + (size_t)iy) * bc->in_c;
                    events += (double)npu_count_nonzero(px, bc->in_c);
                }
            }
        }
    }
    l->event_synops = events * bc->filters;
}

static void layer_geom(const bench_layer *l, bool flip, npu_conv_geom *g) {
    const bench_case *bc = &l->bc;
    const npu_shape in = {bc->in_x, bc->in_y, bc->in_c};
    npu_conv_geom_init(g, in, bc->filters, bc->k, bc->k, bc->stride, bc->stride, NPU_PAD_SAME, 0,
                       flip);
}

/* Median time of npu_conv2d with the layer's own flip. */
static double time_kernel(const bench_layer *l, int32_t *acc) {
    npu_conv_geom g;
    layer_geom(l, l->flip, &g);
    double t[RUNS];
    for (int r = -1; r < RUNS; r++) {
        const double t0 = bench_now();
        npu_conv2d(&g, l->in, l->w, acc);
        if (r >= 0) {
            t[r] = bench_now() - t0;
        }
    }
    return bench_median(t, RUNS);
}

/* Builds the layer as a model through the public API; NULL (message printed) on failure. */
static npu_model *build_model(const bench_layer *l) {
    const bench_case *bc = &l->bc;
    npu_err err;
    npu_err_clear(&err);
    npu_model *m = npu_model_new();
    if (m == NULL) {
        return NULL;
    }
    const npu_shape in_shape = {bc->in_x, bc->in_y, bc->in_c};
    npu_status s = NPU_OK;
    if (l->type == NPU_CONVOLUTIONAL) {
        npu_params in_p = npu_params_default(NPU_INPUT_DATA);
        in_p.input_shape = in_shape;
        in_p.input_bits = l->in_bits;
        s = npu_model_add(m, NPU_INPUT_DATA, "input", &in_p, NULL, 0, &err);
    }
    npu_params p = npu_params_default(l->type);
    p.input_shape = in_shape;
    p.kernel_x = p.kernel_y = bc->k;
    p.filters = bc->filters;
    p.stride_x = p.stride_y = bc->stride;
    p.padding = NPU_PAD_SAME;
    p.padding_value = 0;
    p.pool_type = NPU_POOL_NONE;
    p.activation = true;
    p.weights_bits = l->w_bits;
    p.act_bits = 4;
    if (s == NPU_OK) {
        s = npu_model_add(m, l->type, "conv", &p, NULL, 0, &err);
    }
    const uint32_t layer = npu_model_layer_count(m) - 1;
    const uint32_t w_shape[4] = {bc->k, bc->k, bc->in_c, bc->filters};
    int32_t *thr = calloc(bc->filters, sizeof(int32_t));
    int32_t *step = malloc(sizeof(int32_t) * bc->filters);
    for (uint32_t f = 0; step != NULL && f < bc->filters; f++) {
        step[f] = 64;
    }
    if (s == NPU_OK && (thr == NULL || step == NULL)) {
        s = npu_err_set(&err, NPU_ERR_INTERNAL, "out of memory");
    }
    if (s == NPU_OK) {
        s = npu_model_set_var(m, layer, "weights", NPU_DTYPE_I32, 4, w_shape, l->w, &err);
    }
    if (s == NPU_OK) {
        s = npu_model_set_var(m, layer, "threshold", NPU_DTYPE_I32, 1, &bc->filters, thr, &err);
    }
    if (s == NPU_OK) {
        s = npu_model_set_var(m, layer, "act_step", NPU_DTYPE_I32, 1, &bc->filters, step, &err);
    }
    if (s == NPU_OK) {
        s = npu_model_finalize(m, &err);
    }
    free(thr);
    free(step);
    if (s != NPU_OK) {
        fprintf(stderr, "akisim-bench: model build failed: %s\n", err.msg);
        npu_model_free(m);
        return NULL;
    }
    return m;
}

/* Median time of npu_model_forward on the layer's model; < 0 when it cannot run. */
static double time_model(const bench_layer *l) {
    npu_model *m = build_model(l);
    if (m == NULL) {
        return -1.0;
    }
    const npu_tensor in = {{l->bc.in_x, l->bc.in_y, l->bc.in_c}, l->in};
    double t[RUNS];
    double result = 0;
    for (int r = -1; r < RUNS && result >= 0; r++) {
        npu_err err;
        npu_err_clear(&err);
        npu_tensor out = {{0, 0, 0}, NULL};
        const double t0 = bench_now();
        const npu_status s = npu_model_forward(m, &in, &out, NULL, &err);
        const double dt = bench_now() - t0;
        npu_tensor_free(&out);
        if (s != NPU_OK) {
            fprintf(stderr, "akisim-bench: forward failed: %s\n", err.msg);
            result = -1.0;
        } else if (r >= 0) {
            t[r] = dt;
        }
    }
    npu_model_free(m);
    return result < 0 ? result : bench_median(t, RUNS);
}

/* oneDNN timing; also checks the kernel's cross-correlation against oneDNN bit for bit.
 * Returns the median time or < 0 when oneDNN is unavailable or failed. */
static double time_onednn(const bench_layer *l, bool *exact) {
    const bench_case *bc = &l->bc;
    const size_t in_n = (size_t)bc->in_x * bc->in_y * bc->in_c;
    const size_t w_n = (size_t)bc->k * bc->k * bc->in_c * bc->filters;
    const size_t out_n = (size_t)bc->out_x * bc->out_y * bc->filters;
    uint8_t *in8 = malloc(in_n);
    int8_t *w8 = malloc(w_n);
    int32_t *ref = malloc(sizeof(int32_t) * out_n);
    int32_t *mine = malloc(sizeof(int32_t) * out_n);
    double t = -1.0;
    *exact = false;
    if (in8 && w8 && ref && mine) {
        for (size_t i = 0; i < in_n; i++) {
            in8[i] = (uint8_t)l->in[i];
        }
        for (size_t i = 0; i < w_n; i++) {
            w8[i] = (int8_t)l->w[i];
        }
        if (bench_onednn_conv(bc, in8, w8, RUNS, &t, ref)) {
            npu_conv_geom g;
            layer_geom(l, false, &g); /* oneDNN computes a cross-correlation */
            npu_conv2d(&g, l->in, l->w, mine);
            *exact = memcmp(ref, mine, sizeof(int32_t) * out_n) == 0;
        } else {
            t = -1.0;
        }
    }
    free(in8);
    free(w8);
    free(ref);
    free(mine);
    return t;
}

static void report_rate(const char *what, double seconds, const bench_layer *l) {
    if (seconds < 0) {
        printf("  %-22s unavailable\n", what);
        return;
    }
    printf("  %-22s %9.3f ms  %8.3g dense MAC/s  %8.3g event synop/s\n", what, seconds * 1e3,
           l->dense_macs / seconds, l->event_synops / seconds);
}

static void run_layer(bench_layer *l) {
    const bench_case *bc = &l->bc;
    layer_count(l);
    printf("%s: %ux%ux%u -> %ux%ux%u, %ux%u stride %u Same, %u-bit in, %u-bit weights\n", bc->name,
           bc->in_x, bc->in_y, bc->in_c, bc->out_x, bc->out_y, bc->filters, bc->k, bc->k,
           bc->stride, l->in_bits, l->w_bits);
    printf("  dense MACs %.4g, event synops %.4g (%.1f%% of dense)\n", l->dense_macs,
           l->event_synops, 100.0 * l->event_synops / l->dense_macs);
    int32_t *acc = malloc(sizeof(int32_t) * bc->out_x * bc->out_y * bc->filters);
    if (acc == NULL) {
        fprintf(stderr, "akisim-bench: out of memory\n");
        exit(1);
    }
    const double t_kernel = time_kernel(l, acc);
    free(acc);
    const double t_model = time_model(l);
    bool exact = false;
    const double t_dnnl = bench_onednn_available() ? time_onednn(l, &exact) : -1.0;
    report_rate("golden npu_conv2d", t_kernel, l);
    report_rate("golden model forward", t_model, l);
    report_rate("oneDNN int8 (1 thread)", t_dnnl, l);
    if (t_dnnl > 0) {
        printf("  ratio golden/oneDNN (MAC/s): kernel %.3f, model %s", t_dnnl / t_kernel,
               t_model > 0 ? "" : "n/a");
        if (t_model > 0) {
            printf("%.3f", t_dnnl / t_model);
        }
        printf("; kernel result bit-exact vs oneDNN: %s\n", exact ? "yes" : "NO");
    }
    const double target = 1e10;
    printf("  target 1e10 synop/s: kernel dense %s, model dense %s\n",
           l->dense_macs / t_kernel >= target ? "met" : "NOT met",
           t_model > 0 && l->dense_macs / t_model >= target ? "met" : "NOT met");
}

int main(void) {
    printf("akisim-bench: median of %d runs, one thread\n", RUNS);
    bench_layer a = {.type = NPU_CONVOLUTIONAL, .in_bits = 4, .w_bits = 4, .flip = true};
    layer_shape(&a, "(a) Convolutional", 56, 56, 64, 64, 3, 1);
    layer_data(&a, 0.5, 12345u);
    run_layer(&a);
    bench_layer b = {.type = NPU_INPUT_CONVOLUTIONAL, .in_bits = 8, .w_bits = 8, .flip = false};
    layer_shape(&b, "(b) InputConvolutional", 224, 224, 3, 32, 3, 2);
    layer_data(&b, 0.0, 67890u);
    run_layer(&b);
    free(a.in);
    free(a.w);
    free(b.in);
    free(b.w);
    return 0;
}
