/*
 * sim_estimate_prep: the mesh-independent digest of a functional record used by the
 * estimate fidelity (sim_estimate.h). One pass over every recorded event, once per
 * (model, input, batch):
 *
 *  - per layer and frame, the output events counted per (column, channel) and turned into
 *    prefix sums over channels, so the events of any column and channel range (an NP's
 *    line, filter slice or destination) are one subtraction;
 *  - per convolution layer, its input events weighted by the number of kernel rows they
 *    hit (the y factor of the synaptic operations, which depends on the layer only), with
 *    the same prefix layout: an NP's synaptic operations are then a sum over its need
 *    columns of (x taps landing in its convolution columns) x (weighted count);
 *  - per SeparableConvolutional layer, the depthwise potentials that receive at least one
 *    tap, per convolution column (prefix sums), which the pointwise stage multiplies.
 *
 * The geometry of each layer (kernel, padding, convolution dims) follows the program
 * builder and the NP configuration decoder, so that an NP configuration built from a
 * mapping slice equals the one the device decodes.
 */
#include <stdlib.h>
#include <string.h>

#include "sim_estimate.h"

static npu_status prep_oom(npu_err *err) {
    return npu_err_set(err, NPU_ERR_INTERNAL, "estimate: out of memory");
}

static uint32_t out_size(uint32_t in, uint32_t k, uint32_t s, bool same) {
    if (s == 0) {
        return 0;
    }
    if (same) {
        return (in + s - 1) / s;
    }
    return in >= k ? (in - k) / s + 1 : 0;
}

static uint32_t pad_before(uint32_t in, uint32_t k, uint32_t s, bool same) {
    if (!same || s == 0) {
        return 0;
    }
    int64_t out = ((int64_t)in + s - 1) / s;
    int64_t total = (out - 1) * s + k - (int64_t)in;
    return total > 0 ? (uint32_t)(total / 2) : 0;
}

static bool is_dense_type(npu_layer_type t) {
    return t == NPU_FULLY_CONNECTED || t == NPU_DENSE1D || t == NPU_DENSE2D;
}

static bool is_conv_type(npu_layer_type t) {
    return t == NPU_INPUT_CONVOLUTIONAL || t == NPU_CONVOLUTIONAL ||
           t == NPU_SEPARABLE_CONVOLUTIONAL || t == NPU_INPUT_CONV2D || t == NPU_CONV2D ||
           t == NPU_DEPTHWISE_CONV2D || t == NPU_CONV2D_TRANSPOSE ||
           t == NPU_DEPTHWISE_CONV2D_TRANSPOSE;
}

/* Weight packing width (the program builder's rule). */
static uint32_t layer_weight_bits(const npu_layer *l) {
    uint32_t wb = l->p.weights_bits;
    if (wb == 1 || wb == 2 || wb == 4 || wb == 8) {
        return wb;
    }
    const npu_var *w = npu_layer_var(l, "weights");
    if (w == NULL || w->dtype != NPU_DTYPE_I32) {
        return 8;
    }
    const int32_t *d = w->data;
    for (size_t i = 0; i < w->count; i++) {
        if (d[i] < -8 || d[i] > 7) {
            return 8;
        }
    }
    return 4;
}

/* Whole-layer geometry as the NP decoder derives it (kind set later per NP). */
static void layer_geom(const npu_layer *l, uint32_t li, npu_np_config *c) {
    const npu_params *q = &l->p;
    memset(c, 0, sizeof *c);
    c->layer = l->type;
    c->layer_index = li;
    c->version = (uint32_t)(npu_layer_type_version(l->type) == 2 ? 2 : 1);
    c->in = l->in_shape;
    c->out = l->out_shape;
    c->same = q->padding == NPU_PAD_SAME;
    c->activation = q->activation;
    c->in_bits = l->in_bits;
    c->out_bits = l->out_bits;
    c->transpose = l->type == NPU_CONV2D_TRANSPOSE || l->type == NPU_DEPTHWISE_CONV2D_TRANSPOSE;
    c->depthwise = l->type == NPU_DEPTHWISE_CONV2D || l->type == NPU_DEPTHWISE_CONV2D_TRANSPOSE;
    if (is_dense_type(l->type)) {
        c->kind = NPU_NP_FNP;
        c->conv = c->out;
        c->kx = c->ky = c->sx = c->sy = 1;
        c->pool = NPU_POOL_NONE;
        return;
    }
    c->kind = (l->type == NPU_INPUT_CONVOLUTIONAL || l->type == NPU_INPUT_CONV2D) ? NPU_NP_HRC
                                                                                  : NPU_NP_CNP;
    c->kx = q->kernel_x;
    c->ky = q->kernel_y;
    c->sx = q->stride_x;
    c->sy = q->stride_y;
    if (c->transpose) {
        c->conv = (npu_shape){c->in.x * c->sx, c->in.y * c->sy, c->out.c};
        c->pad_x = c->kx > c->sx ? (c->kx - c->sx) / 2 : 0;
        c->pad_y = c->ky > c->sy ? (c->ky - c->sy) / 2 : 0;
    } else {
        c->conv = (npu_shape){out_size(c->in.x, c->kx, c->sx, c->same),
                              out_size(c->in.y, c->ky, c->sy, c->same), c->out.c};
        c->pad_x = pad_before(c->in.x, c->kx, c->sx, c->same);
        c->pad_y = pad_before(c->in.y, c->ky, c->sy, c->same);
    }
    c->pool = q->pool_type;
    if (q->pool_type == NPU_POOL_MAX && q->pool_x > 0 && q->pool_y > 0) {
        c->pool_x = (uint32_t)q->pool_x;
        c->pool_y = (uint32_t)q->pool_y;
        c->pool_sx = q->pool_stride_x > 0 ? (uint32_t)q->pool_stride_x : c->pool_x;
        c->pool_sy = q->pool_stride_y > 0 ? (uint32_t)q->pool_stride_y : c->pool_y;
    } else if (q->pool_type == NPU_POOL_MAX) {
        c->pool = NPU_POOL_AVG; /* a global max window is encoded as the global pool */
    }
}

/* Kernel rows of input row y landing in convolution rows [0, conv.y) (np_conv's rule). */
static uint32_t row_hits(const npu_np_config *c, int64_t y) {
    uint32_t n = 0;
    for (uint32_t t = 0; t < c->ky; t++) {
        int64_t o;
        if (c->transpose) {
            o = y * c->sy + t - (int64_t)c->pad_y;
        } else {
            int64_t dd = y + c->pad_y - t;
            if (dd < 0 || dd % c->sy != 0) {
                continue;
            }
            o = dd / c->sy;
        }
        n += o >= 0 && o < (int64_t)c->conv.y;
    }
    return n;
}

/* Row and channel of decoded position p of stream b. */
static void prep_event(const sim_rstream *b, uint32_t p, uint32_t *y, uint32_t *c) {
    *y = p >> b->cbits;
    *c = p & ((1u << b->cbits) - 1u);
}

/* A buffer for any column of b's positions (NULL when out of memory). */
static uint32_t *prep_column_buf(const sim_rstream *b) {
    return malloc(((size_t)b->Y * b->C + 1) * sizeof(uint32_t));
}

/* Histogram of a stream over frames. */
static npu_status hist_fill(est_hist *h, const sim_record *r, uint32_t layer, npu_shape s,
                            npu_err *err) {
    h->X = s.x;
    h->C = s.c;
    size_t per = (size_t)h->X * (h->C + 1);
    h->cnt = calloc(per * r->n_frames + 1, sizeof *h->cnt);
    if (h->cnt == NULL) {
        return prep_oom(err);
    }
    for (uint32_t f = 0; f < r->n_frames; f++) {
        uint32_t *base = h->cnt + per * f;
        const sim_rstream *b = sim_record_stream(r, layer, f);
        for (uint32_t x = 0; x < h->X && x < b->X; x++) { /* the stream's channel counts */
            for (uint32_t c = 0; c < h->C; c++) {
                base[(size_t)x * (h->C + 1) + c + 1] = sim_rstream_count(b, x, c, c + 1);
            }
        }
        for (uint32_t x = 0; x < h->X; x++) {
            uint32_t *row = base + (size_t)x * (h->C + 1);
            for (uint32_t c = 0; c < h->C; c++) {
                row[c + 1] += row[c];
            }
        }
    }
    return NPU_OK;
}

/* Row-hit weighted input counts of a convolution layer. */
static npu_status fill_wy(est_layer *L, const sim_record *r, npu_err *err) {
    const npu_np_config *c = &L->geom;
    size_t per = (size_t)c->in.x * (c->in.c + 1);
    L->wy = calloc(per * r->n_frames + 1, sizeof *L->wy);
    uint32_t *hy = calloc((size_t)c->in.y + 1, sizeof *hy);
    if (L->wy == NULL || hy == NULL) {
        free(hy);
        return prep_oom(err);
    }
    for (uint32_t y = 0; y < c->in.y; y++) {
        hy[y] = row_hits(c, y);
    }
    for (uint32_t f = 0; f < r->n_frames; f++) {
        uint64_t *base = L->wy + per * f;
        const sim_rstream *b = sim_record_stream(r, L->producer, f);
        uint32_t *pos = prep_column_buf(b);
        if (pos == NULL) {
            free(hy);
            return prep_oom(err);
        }
        for (uint32_t x = 0; x < c->in.x && x < b->X; x++) {
            uint32_t n = sim_rstream_column(b, x, pos);
            for (uint32_t i = 0; i < n; i++) {
                uint32_t y, ch;
                prep_event(b, pos[i], &y, &ch);
                if (y < c->in.y && ch < c->in.c) {
                    base[(size_t)x * (c->in.c + 1) + ch + 1] += hy[y];
                }
            }
        }
        free(pos);
        for (uint32_t x = 0; x < c->in.x; x++) {
            uint64_t *row = base + (size_t)x * (c->in.c + 1);
            for (uint32_t k = 0; k < c->in.c; k++) {
                row[k + 1] += row[k];
            }
        }
    }
    free(hy);
    return NPU_OK;
}

/* Active depthwise potentials per convolution column of a separable layer (prefix sums):
 * the record's input summary of the layer when it has one for this geometry, else derived
 * here with the same code (sim_record_sum.c). */
static npu_status fill_act(est_layer *L, const sim_record *r, npu_err *err) {
    const npu_np_config *c = &L->geom;
    size_t per = (size_t)c->conv.x + 1;
    L->act = calloc(per * r->n_frames + 1, sizeof *L->act);
    if (L->act == NULL) {
        return prep_oom(err);
    }
    sim_rgeom g;
    sim_rgeom_of(c, L->producer, &g);
    sim_rsum own = {0};
    npu_status st = NPU_OK;
    for (uint32_t f = 0; st == NPU_OK && f < r->n_frames; f++) {
        const sim_rsum *su =
            r->sums != NULL ? &r->sums[(size_t)f * r->n_layers + c->layer_index] : NULL;
        if (su == NULL || !su->valid || !sim_rgeom_eq(&su->g, &g)) {
            st = sim_rsum_build(sim_record_stream(r, L->producer, f), &g, &own, err);
            su = &own;
        }
        if (st == NPU_OK && su->act != NULL) {
            memcpy(L->act + per * f, su->act, per * sizeof *L->act);
        }
    }
    sim_rsum_free(&own);
    return st;
}

static npu_status prep_layer(sim_estimate_prep *p, uint32_t li, npu_err *err) {
    const sim_record *r = p->rec;
    est_layer *L = &p->layers[li];
    L->l = npu_model_layer(p->model, li);
    L->producer = r->layers[li].producer;
    npu_status st = hist_fill(&L->out, r, li, r->layers[li].out_shape, err);
    if (st != NPU_OK || L->l == NULL) {
        return st;
    }
    L->weight_bits = layer_weight_bits(L->l);
    bool conv = is_conv_type(L->l->type), dense = is_dense_type(L->l->type);
    if (!conv && !dense) {
        return NPU_OK;
    }
    layer_geom(L->l, li, &L->geom);
    L->conv = conv && L->geom.sx > 0 && L->geom.sy > 0;
    if (!L->conv) {
        return NPU_OK;
    }
    st = fill_wy(L, r, err);
    if (st == NPU_OK && L->l->type == NPU_SEPARABLE_CONVOLUTIONAL) {
        st = fill_act(L, r, err);
    }
    return st;
}

npu_status sim_estimate_prep_new(const npu_model *m, const sim_record *rec, sim_estimate_prep **out,
                                 npu_err *err) {
    *out = NULL;
    if (m == NULL || rec == NULL || npu_model_layer_count(m) != rec->n_layers) {
        return npu_err_set(err, NPU_ERR_INPUT, "estimate: the record does not fit the model");
    }
    sim_estimate_prep *p = calloc(1, sizeof *p);
    if (p == NULL) {
        return prep_oom(err);
    }
    p->model = m;
    p->rec = rec;
    p->F = rec->n_frames;
    p->n_layers = rec->n_layers;
    p->layers = calloc(p->n_layers + 1, sizeof *p->layers);
    npu_status st =
        p->layers ? hist_fill(&p->input, rec, SIM_NO_LAYER, rec->in_shape, err) : prep_oom(err);
    for (uint32_t l = 0; st == NPU_OK && l < p->n_layers; l++) {
        st = prep_layer(p, l, err);
    }
    if (st != NPU_OK) {
        sim_estimate_prep_free(p);
        return st;
    }
    *out = p;
    return NPU_OK;
}

const est_hist *sim_estimate_in_hist(const sim_estimate_prep *p, uint32_t l) {
    uint32_t src = l < p->n_layers ? p->layers[l].producer : SIM_NO_LAYER;
    return src == SIM_NO_LAYER || src >= p->n_layers ? &p->input : &p->layers[src].out;
}

void sim_estimate_prep_free(sim_estimate_prep *p) {
    if (p == NULL) {
        return;
    }
    for (uint32_t l = 0; p->layers != NULL && l < p->n_layers; l++) {
        free(p->layers[l].out.cnt);
        free(p->layers[l].wy);
        free(p->layers[l].act);
    }
    free(p->layers);
    free(p->input.cnt);
    free(p);
}
