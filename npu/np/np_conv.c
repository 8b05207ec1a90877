/*
 * np_conv: the HRC and CNP models: event-driven convolution into potentials, then at the end
 * of the frame the layer's output pipeline over the NP's owned output columns.
 *
 * Each accepted event (x, y, c, v) scatters v * w into every convolution position of the
 * NP's column range whose window holds (x, y): forward convolutions (kernel flipped when
 * FLIP) and transposed ones (out = in * s + t - pad); Convolutional / Conv2D update all the
 * NP's filters (filters innermost), DepthwiseConv2D the event's own channel, and
 * SeparableConvolutional a per-channel depthwise potential whose pointwise product with the
 * NP's filters is taken at the end of the frame (exactly op_separable_convolutional.c).
 * Potentials are uint32 (wrap modulo 2^32), so arrival order never matters. At the end the
 * HRC adds the padded pixels' contribution (padding_value), v2 layers wrap / add the bias /
 * saturate, then max pooling or the global sum, then the v1 activation or the v2 output
 * stage, with the golden scalar helpers (npu_kernels.h). Output events are emitted in scan
 * order (x, y, c) for non-zero values only.
 */
#include <stdlib.h>
#include <string.h>

#include "np_internal.h"
#include "npu_kernels.h"

/* One kernel tap hit along an axis: the output coordinate and the weight tap used. */
typedef struct np_hit {
    uint32_t o; /* convolution coordinate */
    uint32_t t; /* weight index along the axis (flip applied) */
} np_hit;

/* Taps of input coordinate i along one axis landing in [lo, hi]; returns the count. */
static uint32_t axis_hits(const npu_np_config *c, bool along_x, int64_t i, int64_t lo, int64_t hi,
                          np_hit *h) {
    uint32_t k = along_x ? c->kx : c->ky, s = along_x ? c->sx : c->sy;
    int64_t pad = along_x ? c->pad_x : c->pad_y;
    uint32_t n = 0;
    for (uint32_t t = 0; t < k; t++) {
        int64_t o;
        if (c->transpose) {
            o = i * s + t - pad;
        } else {
            int64_t d = i + pad - t; /* = o * s */
            if (d < 0 || d % s != 0) {
                continue;
            }
            o = d / s;
        }
        if (o >= lo && o <= hi) {
            h[n].o = (uint32_t)o;
            h[n].t = c->flip ? k - 1 - t : t;
            n++;
        }
    }
    return n;
}

/* Adds v * w[0..n) into p[0..n) modulo 2^32. */
static void axpy(uint32_t *p, uint32_t v, const int32_t *w, uint32_t n) {
    for (uint32_t f = 0; f < n; f++) {
        p[f] += v * (uint32_t)w[f];
    }
}

void np_conv_push(npu_np *np, const npu_event *e) {
    const npu_np_config *c = &np->cfg;
    uint32_t ch = e->c, fc = c->filter_count;
    if (e->x < c->need_col_first || e->x >= c->need_col_first + c->need_col_count ||
        e->y >= c->in.y || ch >= c->in.c ||
        (c->depthwise && (ch < c->filter_first || ch >= c->filter_first + fc))) {
        return;
    }
    np->cnt.events_in++;
    np->cnt.sram_writes++; /* the event enters the input buffer */
    uint32_t v = np_input_value(np, e->value, ch);
    if (v == 0) {
        return;
    }
    np_hit hx[16], hy[16];
    int64_t x_lo = c->conv_col_first, x_hi = (int64_t)c->conv_col_first + c->conv_col_count - 1;
    uint32_t nx = axis_hits(c, true, e->x, x_lo, x_hi, hx);
    uint32_t ny = axis_hits(c, false, e->y, 0, (int64_t)c->conv.y - 1, hy);
    bool sep = c->layer == NPU_SEPARABLE_CONVOLUTIONAL;
    uint32_t per = (c->depthwise || sep) ? 1u : fc;
    for (uint32_t a = 0; a < nx; a++) {
        for (uint32_t b = 0; b < ny; b++) {
            size_t tap = (size_t)hx[a].t * c->ky + hy[b].t;
            uint32_t *p = np->pot + ((size_t)(hx[a].o - x_lo) * c->conv.y + hy[b].o) * np->nch;
            if (sep) {
                p[ch] += v * (uint32_t)np->w[tap * c->in.c + ch];
            } else if (c->depthwise) {
                uint32_t f = ch - c->filter_first;
                p[f] += v * (uint32_t)np->w[tap * fc + f];
            } else {
                axpy(p, v, np->w + (tap * c->in.c + ch) * fc, fc);
            }
        }
    }
    uint64_t hits = (uint64_t)nx * ny;
    np->cnt.synops += hits * per;
    np->cnt.sram_reads += hits * np->row_words;
    np->cnt.sram_writes += hits * per;
}

/* HRC: contribution of padded pixels (padding_value) to every computed position. */
static void add_padding(npu_np *np) {
    const npu_np_config *c = &np->cfg;
    uint32_t pv = (uint32_t)c->pad_value, fc = c->filter_count;
    if (pv == 0 || c->transpose) {
        return;
    }
    for (uint32_t i = 0; i < c->conv_col_count; i++) {
        int64_t ox = (int64_t)c->conv_col_first + i;
        for (uint32_t oy = 0; oy < c->conv.y; oy++) {
            uint32_t *p = np->pot + ((size_t)i * c->conv.y + oy) * np->nch;
            for (uint32_t tx = 0; tx < c->kx; tx++) {
                for (uint32_t ty = 0; ty < c->ky; ty++) {
                    int64_t ix = ox * c->sx + tx - (int64_t)c->pad_x;
                    int64_t iy = (int64_t)oy * c->sy + ty - (int64_t)c->pad_y;
                    if (ix >= 0 && iy >= 0 && ix < c->in.x && iy < c->in.y) {
                        continue;
                    }
                    uint32_t wx = c->flip ? c->kx - 1 - tx : tx;
                    uint32_t wy = c->flip ? c->ky - 1 - ty : ty;
                    for (uint32_t ch = 0; ch < c->in.c; ch++) {
                        axpy(p, pv, np->w + (((size_t)wx * c->ky + wy) * c->in.c + ch) * fc, fc);
                    }
                }
            }
        }
    }
}

/* Separable: pointwise product of the depthwise potentials into a new [pos][f] array. */
static uint32_t *pointwise(npu_np *np) {
    const npu_np_config *c = &np->cfg;
    uint32_t fc = c->filter_count, C = c->in.c;
    size_t n_pos = (size_t)c->conv_col_count * c->conv.y;
    uint32_t *acc = calloc(n_pos * fc + 1, sizeof *acc);
    if (acc == NULL) {
        return NULL;
    }
    uint32_t row = (fc * c->weight_bits + 31) / 32;
    for (size_t i = 0; i < n_pos; i++) {
        const uint32_t *dw = np->pot + i * C;
        for (uint32_t ch = 0; ch < C; ch++) {
            if (dw[ch] != 0) {
                axpy(acc + i * fc, dw[ch], np->w_pw + (size_t)ch * fc, fc);
                np->cnt.synops += fc;
                np->cnt.sram_reads += row;
                np->cnt.sram_writes += fc;
            }
        }
    }
    return acc;
}

static npu_status emit(npu_np *np, npu_event_buf *out, uint32_t x, uint32_t y, uint32_t f,
                       int32_t v, npu_err *err) {
    if (v == 0) {
        return NPU_OK;
    }
    np->cnt.events_out++;
    npu_event e = {(uint16_t)x, (uint16_t)y, np->cfg.filter_first + f, v};
    return npu_event_buf_push(out, e, err);
}

/* Max of value f over the (clamped) pool window of output (X, Y). */
static int32_t pool_max(const npu_np *np, const int32_t *vals, uint32_t X, uint32_t Y, uint32_t f) {
    const npu_np_config *c = &np->cfg;
    npu_padding pm = c->same ? NPU_PAD_SAME : NPU_PAD_VALID;
    int64_t xlo, xhi;
    np_geom_pool_window(c, X, &xlo, &xhi);
    int64_t pady = npu_pad_before(c->conv.y, c->pool_y, c->pool_sy, pm);
    int64_t ys = (int64_t)Y * c->pool_sy - pady, ye = ys + c->pool_y;
    ys = ys < 0 ? 0 : ys;
    ye = ye > c->conv.y ? c->conv.y : ye;
    int32_t m = INT32_MIN;
    for (int64_t x = xlo; x <= xhi; x++) {
        for (int64_t y = ys; y < ye; y++) {
            int32_t v =
                vals[((size_t)(x - c->conv_col_first) * c->conv.y + y) * c->filter_count + f];
            m = v > m ? v : m;
        }
    }
    return m;
}

/* Global sum pooling: one output (0, 0, f) per filter. */
static npu_status emit_global(npu_np *np, const int32_t *vals, npu_event_buf *out, npu_err *err) {
    const npu_np_config *c = &np->cfg;
    uint32_t fc = c->filter_count;
    size_t n_pos = (size_t)c->conv_col_count * c->conv.y;
    npu_status st = NPU_OK;
    for (uint32_t f = 0; st == NPU_OK && f < fc; f++) {
        int64_t s = 0;
        for (size_t i = 0; i < n_pos; i++) {
            s += vals[i * fc + f];
        }
        if (c->version == 2) {
            s = npu_saturate_signed(s, c->buffer_bits);
        }
        st = emit(np, out, 0, 0, f, np_output_value(np, s, f), err);
    }
    return st;
}

npu_status np_conv_end(npu_np *np, npu_event_buf *out, npu_err *err) {
    const npu_np_config *c = &np->cfg;
    if (c->out_col_count == 0) {
        return NPU_OK;
    }
    add_padding(np);
    uint32_t fc = c->filter_count, *sep = NULL;
    if (c->layer == NPU_SEPARABLE_CONVOLUTIONAL && (sep = pointwise(np)) == NULL) {
        return npu_err_set(err, NPU_ERR_INTERNAL, "NP: out of memory");
    }
    uint32_t *acc = sep ? sep : np->pot;
    int32_t *vals = (int32_t *)acc;
    size_t n_pos = (size_t)c->conv_col_count * c->conv.y;
    if (c->version == 2) {
        for (size_t i = 0; i < n_pos * fc; i++) {
            vals[i] = np_v2_bias(np, acc[i], (uint32_t)(i % fc));
        }
    }
    npu_status st = NPU_OK;
    if (c->pool == NPU_POOL_AVG) {
        st = emit_global(np, vals, out, err);
    }
    for (uint32_t X = c->out_col_first;
         c->pool != NPU_POOL_AVG && st == NPU_OK && X < c->out_col_first + c->out_col_count; X++) {
        for (uint32_t Y = 0; st == NPU_OK && Y < c->out.y; Y++) {
            for (uint32_t f = 0; st == NPU_OK && f < fc; f++) {
                int32_t v = c->pool == NPU_POOL_MAX
                                ? pool_max(np, vals, X, Y, f)
                                : vals[((size_t)(X - c->conv_col_first) * c->conv.y + Y) * fc + f];
                st = emit(np, out, X, Y, f, np_output_value(np, v, f), err);
            }
        }
    }
    free(sep);
    return st;
}
