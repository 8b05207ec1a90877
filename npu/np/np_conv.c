/*
 * np_conv: the HRC and CNP models: convolution of the events an NP receives into the
 * potentials of its slice, then at the end of the frame the layer's output pipeline over the
 * NP's owned output columns.
 *
 * Forward convolutions (HRC, CNP: Convolutional / Conv2D / InputConvolutional kinds,
 * DepthwiseConv2D, SeparableConvolutional) gather: each accepted event (x, y, c, v) is
 * added into the NP's input tile (its need columns x all rows x its channels, uint32 wrap)
 * and counted with per-column and per-row tap tables; at the end of the frame the tile is
 * convolved for the NP's convolution columns and filters by the golden kernels
 * (npu_conv2d, npu_depthwise2d: VNNI for 8-bit data, generic wrap arithmetic otherwise),
 * with the tile's column offset folded into the kernel's padding. The tile covers every
 * input column the NP's convolution columns read that exists, so every position outside it
 * is true padding (padding_value on the HRC). Transposed kinds scatter each event into the
 * potentials instead (out = in * s + t - pad). Both are exact: products and sums are uint32
 * (wrap modulo 2^32), so neither the order of events nor duplicates (values add) change the
 * result. SeparableConvolutional keeps per-channel depthwise potentials whose pointwise
 * product with the NP's filters is taken at the end of the frame (np_pointwise.c; exactly
 * op_separable_convolutional.c).
 *
 * Push is the per-event hot path: the gather without input shifts runs as two tight loops
 * over the batch (count the accepted events and kernel hits, then add the values into the
 * tile), each small enough that its variables stay in registers.
 *
 * Output stage: v2 layers wrap / add the bias / saturate, then max pooling (per output
 * position, all filters at once) or the global sum, then the v1 activation (levels method
 * below) or the v2 output stage with the golden scalar helpers (npu_kernels.h). Output
 * events are emitted in scan order (x, y, c) for non-zero values only.
 *
 * v1 activation levels: for act_bits b, min(2^b - 1, ceil((p - T) / s)) when p > T, else 0,
 * equals the number of levels T + n * s (n = 0 .. 2^b - 2) that p exceeds (ceil(d / s) for
 * d > 0 counts the n >= 0 with n * s < d). The levels are computed once at configure time
 * in 64 bits and clipped to INT32_MAX (no int32 potential exceeds it), so the count is exact
 * and needs no division.
 *
 * Counters (per event, independent of the compute method): events_in and one SRAM write
 * per accepted event; per kernel hit (taps landing in the NP's convolution columns and
 * rows) one weight row read and `per` synaptic operations and potential writes.
 */
#include <stdlib.h>
#include <string.h>

#include "np_internal.h"
#include "npu_kernels.h"

#define NP_LEVELS_MAX_BITS 4u /* largest act_bits whose activation uses the levels method */
#define NP_LVL_BLOCK 16u      /* filters per block of the level counting */

/* One kernel tap hit along an axis: the output coordinate and the weight tap used. */
typedef struct np_hit {
    uint32_t o; /* convolution coordinate */
    uint32_t t; /* weight index along the axis (flip applied) */
} np_hit;

/* Taps of input coordinate i along one axis landing in [lo, hi]; returns the count and,
 * when h is not NULL, fills the hits (k <= 15: the KERNEL fields are 4 bits). */
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
            if (h != NULL) {
                h[n].o = (uint32_t)o;
                h[n].t = c->flip ? k - 1 - t : t;
            }
            n++;
        }
    }
    return n;
}

/* Adds v * w[0..n) into p[0..n) modulo 2^32. */
static void axpy(uint32_t *restrict p, uint32_t v, const int32_t *restrict w, uint32_t n) {
    for (uint32_t f = 0; f < n; f++) {
        p[f] += v * (uint32_t)w[f];
    }
}

static bool is_sep(const npu_np_config *c) {
    return c->layer == NPU_SEPARABLE_CONVOLUTIONAL;
}

/* ---------------------------------------------------------------- configure-time tables */

/* v1 activation levels (see the header); n_levels = 0 when the method does not apply. */
static npu_status prepare_levels(npu_np *np, npu_err *err) {
    const npu_np_config *c = &np->cfg;
    uint32_t fc = c->filter_count;
    np->n_levels = 0;
    if (c->version != 1 || !c->activation || c->out_bits == 0 || c->out_bits > NP_LEVELS_MAX_BITS ||
        fc == 0) {
        return NPU_OK;
    }
    uint32_t nl = (1u << c->out_bits) - 1u;
    np->levels = malloc((size_t)nl * fc * sizeof *np->levels);
    if (np->levels == NULL) {
        return npu_err_set(err, NPU_ERR_INTERNAL, "NP: out of memory");
    }
    for (uint32_t n = 0; n < nl; n++) {
        for (uint32_t f = 0; f < fc; f++) {
            int64_t l = (int64_t)np->thr[f] + (int64_t)n * np->step[f];
            np->levels[(size_t)n * fc + f] = l > INT32_MAX ? INT32_MAX : (int32_t)l;
        }
    }
    np->n_levels = nl;
    return NPU_OK;
}

npu_status np_conv_prepare(npu_np *np, npu_err *err) {
    const npu_np_config *c = &np->cfg;
    uint32_t fc = c->filter_count;
    np->hits_x = calloc((size_t)c->need_col_count + 1, sizeof *np->hits_x);
    np->hits_y = calloc((size_t)c->in.y + 1, sizeof *np->hits_y);
    np->row = calloc((size_t)fc + 1, sizeof *np->row); /* one position's values */
    if (np->hits_x == NULL || np->hits_y == NULL || np->row == NULL) {
        return npu_err_set(err, NPU_ERR_INTERNAL, "NP: out of memory");
    }
    int64_t x_lo = c->conv_col_first, x_hi = (int64_t)c->conv_col_first + c->conv_col_count - 1;
    for (uint32_t i = 0; i < c->need_col_count; i++) {
        np->hits_x[i] = axis_hits(c, true, (int64_t)c->need_col_first + i, x_lo, x_hi, NULL);
    }
    for (uint32_t y = 0; y < c->in.y; y++) {
        np->hits_y[y] = axis_hits(c, false, y, 0, (int64_t)c->conv.y - 1, NULL);
    }
    /* gather when the tile starts at or after the first column the kernel reads */
    int64_t pad_tile = (int64_t)c->pad_x + c->need_col_first - (int64_t)c->conv_col_first * c->sx;
    np->gather = !c->transpose && c->out_col_count > 0 && c->need_col_count > 0 && pad_tile >= 0 &&
                 (uint64_t)c->need_col_first + c->need_col_count <= c->in.x;
    if (np->gather) {
        np->pad_x_tile = (uint32_t)pad_tile;
        np->in_c0 = c->depthwise ? c->filter_first : 0;
        np->in_cn = c->depthwise ? fc : c->in.c;
        np->inbuf_n = (size_t)c->need_col_count * c->in.y * np->in_cn;
        np->inbuf = calloc(np->inbuf_n + 1, sizeof *np->inbuf);
        if (np->inbuf == NULL) {
            return npu_err_set(err, NPU_ERR_INTERNAL, "NP: out of memory");
        }
    }
    if (is_sep(c) && c->out_col_count > 0) {
        np->pw = malloc(((size_t)c->conv_col_count * c->conv.y * fc + 1) * sizeof *np->pw);
        if (np->pw == NULL) {
            return npu_err_set(err, NPU_ERR_INTERNAL, "NP: out of memory");
        }
        npu_status st = np_pw_prepare(np, err);
        if (st != NPU_OK) {
            return st;
        }
    }
    return prepare_levels(np, err);
}

void np_conv_clear(npu_np *np) {
    if (np->gather) {
        if (np->dirty) {
            memset(np->inbuf, 0, np->inbuf_n * sizeof *np->inbuf);
        }
    } else if (np->pot != NULL) {
        memset(np->pot, 0, np->pot_n * sizeof *np->pot);
    }
    np->dirty = false;
}

/* ---------------------------------------------------------------- events */

/* Scatters one event (transposed kinds): v * w into every position its taps reach. */
static void scatter(npu_np *np, const npu_event *e, uint32_t v) {
    const npu_np_config *c = &np->cfg;
    uint32_t ch = e->c, fc = c->filter_count;
    np_hit hx[16], hy[16];
    int64_t x_lo = c->conv_col_first, x_hi = (int64_t)c->conv_col_first + c->conv_col_count - 1;
    uint32_t nx = axis_hits(c, true, e->x, x_lo, x_hi, hx);
    uint32_t ny = axis_hits(c, false, e->y, 0, (int64_t)c->conv.y - 1, hy);
    bool sep = is_sep(c);
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
}

/* Adds the accepted events to the counters (per event: one input write; per hit `per`
 * synaptic operations and potential writes, one weight row read). */
static void count_push(npu_np *np, uint64_t accepted, uint64_t hits) {
    const npu_np_config *c = &np->cfg;
    const uint32_t per = (c->depthwise || is_sep(c)) ? 1u : c->filter_count;
    np->dirty = np->dirty || accepted > 0;
    np->cnt.events_in += accepted;
    np->cnt.sram_writes += accepted + hits * per; /* the event enters the input buffer */
    np->cnt.synops += hits * per;
    np->cnt.sram_reads += hits * np->row_words;
}

/* Accepted-event filter of push: the event's tile column lx, row and local channel ch are
 * inside the NP's need range and its channels (depthwise: its filters' channels, clipped to
 * in.c, so that ch < c_n alone implies c < in.c). */
typedef struct np_accept {
    uint32_t nf, nn;    /* need columns: first, count */
    uint32_t in_y;      /* input rows */
    uint32_t c_lo, c_n; /* accepted channels: first, count */
} np_accept;

static np_accept accept_of(const npu_np *np) {
    const npu_np_config *c = &np->cfg;
    const uint32_t lo = c->depthwise ? c->filter_first : 0;
    const uint32_t cn = c->depthwise ? c->filter_count : c->in.c;
    const uint32_t room = lo < c->in.c ? c->in.c - lo : 0;
    return (np_accept){c->need_col_first, c->need_col_count, c->in.y, lo, cn < room ? cn : room};
}

/* Counting pass of the gather without input shifts: returns the kernel hits of the accepted
 * events with a non-zero value; *accepted counts the accepted events. Kept apart from the
 * tile update (and not inlined) so that each loop's few variables stay in registers: a
 * spilled accumulator costs a store-load round trip per event. */
static __attribute__((noinline)) uint64_t
gather_count(const np_accept a, const uint32_t *restrict hx, const uint32_t *restrict hy,
             const npu_event *restrict ev, size_t n, uint64_t *accepted) {
    uint64_t hits = 0, acc = 0;
    for (size_t i = 0; i < n; i++) {
        const npu_event *e = &ev[i];
        const uint32_t lx = (uint32_t)e->x - a.nf, y = e->y, ch = e->c - a.c_lo;
        if (lx >= a.nn || y >= a.in_y || ch >= a.c_n) {
            continue;
        }
        acc++;
        hits += e->value != 0 ? (uint64_t)hx[lx] * hy[y] : 0;
    }
    *accepted = acc;
    return hits;
}

/* Tile pass of the gather without input shifts: adds each accepted event's value into
 * buf[lx][y][ch] (row stride in_cn). */
static __attribute__((noinline)) void gather_add(const np_accept a, uint32_t in_cn,
                                                 int32_t *restrict buf,
                                                 const npu_event *restrict ev, size_t n) {
    const size_t col = (size_t)a.in_y * in_cn;
    for (size_t i = 0; i < n; i++) {
        const npu_event *e = &ev[i];
        const uint32_t lx = (uint32_t)e->x - a.nf, y = e->y, ch = e->c - a.c_lo;
        if (lx >= a.nn || y >= a.in_y || ch >= a.c_n) {
            continue;
        }
        int32_t *p = buf + lx * col + (size_t)y * in_cn + ch;
        *p = (int32_t)((uint32_t)*p + (uint32_t)e->value); /* 0 adds nothing */
    }
}

/* Gather: adds each accepted event into the input tile. */
static void push_gather(npu_np *np, const npu_event *ev, size_t n) {
    const np_accept a = accept_of(np);
    const uint32_t in_cn = np->in_cn;
    uint64_t accepted = 0, hits = 0;
    if (np->ishift == NULL) {
        hits = gather_count(a, np->hits_x, np->hits_y, ev, n, &accepted);
        gather_add(a, in_cn, np->inbuf, ev, n);
    } else {
        for (size_t i = 0; i < n; i++) {
            const npu_event *e = &ev[i];
            const uint32_t lx = (uint32_t)e->x - a.nf, y = e->y, ch = e->c - a.c_lo;
            if (lx >= a.nn || y >= a.in_y || ch >= a.c_n) {
                continue;
            }
            const uint32_t v = np_input_value(np, e->value, e->c);
            accepted++;
            hits += v != 0 ? (uint64_t)np->hits_x[lx] * np->hits_y[y] : 0;
            const size_t k = ((size_t)lx * a.in_y + y) * in_cn + ch;
            np->inbuf[k] = (int32_t)((uint32_t)np->inbuf[k] + v);
        }
    }
    count_push(np, accepted, hits);
}

/* Transposed kinds (and tiles that do not cover the kernel's reach): scatters each event. */
static void push_scatter(npu_np *np, const npu_event *ev, size_t n) {
    const np_accept a = accept_of(np);
    uint64_t accepted = 0, hits = 0;
    for (size_t i = 0; i < n; i++) {
        const npu_event *e = &ev[i];
        const uint32_t lx = (uint32_t)e->x - a.nf, y = e->y, ch = e->c - a.c_lo;
        if (lx >= a.nn || y >= a.in_y || ch >= a.c_n) {
            continue;
        }
        accepted++;
        const uint32_t v = np_input_value(np, e->value, e->c);
        if (v != 0) {
            hits += (uint64_t)np->hits_x[lx] * np->hits_y[y];
            scatter(np, e, v);
        }
    }
    count_push(np, accepted, hits);
}

void np_conv_push(npu_np *np, const npu_event *ev, size_t n) {
    if (np->gather) {
        push_gather(np, ev, n);
    } else {
        push_scatter(np, ev, n);
    }
}

/* ---------------------------------------------------------------- end of frame */

/* Gather: convolves the input tile into the potentials (depthwise ones for separable). */
static void convolve_tile(npu_np *np) {
    const npu_np_config *c = &np->cfg;
    npu_conv_geom g;
    g.in = (npu_shape){c->need_col_count, c->in.y, np->in_cn};
    g.out = (npu_shape){c->conv_col_count, c->conv.y, np->nch};
    g.kx = c->kx;
    g.ky = c->ky;
    g.sx = c->sx;
    g.sy = c->sy;
    g.pad_x = np->pad_x_tile;
    g.pad_y = c->pad_y;
    g.pad_value = c->pad_value;
    g.flip = c->flip;
    if (c->depthwise || is_sep(c)) {
        npu_depthwise2d(&g, np->inbuf, np->w, (int32_t *)np->pot);
    } else {
        npu_conv2d(&g, np->inbuf, np->w, (int32_t *)np->pot);
    }
}

/* HRC without gather: contribution of padded pixels (padding_value) to every position. */
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

/* Makes room for n more events in out. */
static npu_status reserve(npu_event_buf *out, size_t n, npu_err *err) {
    if (out->cap - out->n >= n) {
        return NPU_OK;
    }
    size_t cap = out->cap ? out->cap : 256;
    while (cap - out->n < n) {
        cap *= 2;
    }
    npu_event *ev = realloc(out->ev, cap * sizeof *ev);
    if (ev == NULL) {
        return npu_err_set(err, NPU_ERR_INTERNAL, "events: out of memory");
    }
    out->ev = ev;
    out->cap = cap;
    return NPU_OK;
}

/* Level counts of NP_LVL_BLOCK values v[0..NP_LVL_BLOCK) of filters f0.. (in place): the
 * block's counts stay in one register across the levels. */
static void levels_block(const npu_np *np, int32_t *restrict v, uint32_t f0, uint32_t fc) {
    int32_t cnt[NP_LVL_BLOCK] = {0};
    for (uint32_t n = 0; n < np->n_levels; n++) {
        const int32_t *restrict l = np->levels + (size_t)n * fc + f0;
        for (uint32_t j = 0; j < NP_LVL_BLOCK; j++) {
            cnt[j] += v[j] > l[j];
        }
    }
    memcpy(v, cnt, sizeof cnt);
}

/* Output stage of one position's fc values v (in place), v1 levels or the scalar helper. */
static void activate_row(const npu_np *np, int32_t *v, uint32_t fc) {
    if (np->n_levels == 0) {
        for (uint32_t f = 0; f < fc; f++) {
            v[f] = np_output_value(np, v[f], f);
        }
        return;
    }
    uint32_t f0 = 0;
    for (; f0 + NP_LVL_BLOCK <= fc; f0 += NP_LVL_BLOCK) {
        levels_block(np, v + f0, f0, fc);
    }
    for (uint32_t f = f0; f < fc; f++) { /* tail: fc not a multiple of the block */
        int32_t k = 0;
        for (uint32_t n = 0; n < np->n_levels; n++) {
            k += v[f] > np->levels[(size_t)n * fc + f];
        }
        v[f] = k;
    }
}

/* Emits the non-zero values of v[0..fc) at (x, y); out has room for fc more events. Every
 * value is written and the cursor advances only past non-zero ones (no branch). */
static void emit_row(npu_np *np, npu_event_buf *out, uint32_t x, uint32_t y, const int32_t *v,
                     uint32_t fc) {
    npu_event *e = out->ev + out->n;
    const uint32_t c0 = np->cfg.filter_first;
    size_t k = 0;
    for (uint32_t f = 0; f < fc; f++) {
        e[k] = (npu_event){(uint16_t)x, (uint16_t)y, c0 + f, v[f]};
        k += v[f] != 0;
    }
    out->n += k;
    np->cnt.events_out += k;
}

/* Global sum pooling: one output (0, 0, f) per filter. */
static npu_status emit_global(npu_np *np, const int32_t *vals, npu_event_buf *out, npu_err *err) {
    const npu_np_config *c = &np->cfg;
    uint32_t fc = c->filter_count;
    size_t n_pos = (size_t)c->conv_col_count * c->conv.y;
    npu_status st = reserve(out, fc, err);
    for (uint32_t f = 0; st == NPU_OK && f < fc; f++) {
        int64_t s = 0;
        for (size_t i = 0; i < n_pos; i++) {
            s += vals[i * fc + f];
        }
        if (c->version == 2) {
            s = npu_saturate_signed(s, c->buffer_bits);
        }
        int32_t o = np_output_value(np, s, f);
        if (o != 0) {
            out->ev[out->n++] = (npu_event){0, 0, c->filter_first + f, o};
            np->cnt.events_out++;
        }
    }
    return st;
}

/* Max pooling and output stage of the owned columns. */
static void emit_pooled(npu_np *np, const int32_t *vals, npu_event_buf *out) {
    const npu_np_config *c = &np->cfg;
    uint32_t fc = c->filter_count;
    npu_padding pm = c->same ? NPU_PAD_SAME : NPU_PAD_VALID;
    int64_t pady = npu_pad_before(c->conv.y, c->pool_y, c->pool_sy, pm);
    int32_t *m = np->row;
    for (uint32_t X = c->out_col_first; X < c->out_col_first + c->out_col_count; X++) {
        int64_t xlo, xhi;
        np_geom_pool_window(c, X, &xlo, &xhi);
        for (uint32_t Y = 0; Y < c->out.y; Y++) {
            int64_t ys = (int64_t)Y * c->pool_sy - pady, ye = ys + c->pool_y;
            ys = ys < 0 ? 0 : ys;
            ye = ye > c->conv.y ? c->conv.y : ye;
            for (uint32_t f = 0; f < fc; f++) {
                m[f] = INT32_MIN;
            }
            for (int64_t x = xlo; x <= xhi; x++) {
                for (int64_t y = ys; y < ye; y++) {
                    const int32_t *restrict p =
                        vals + ((size_t)(x - c->conv_col_first) * c->conv.y + y) * fc;
                    for (uint32_t f = 0; f < fc; f++) {
                        m[f] = p[f] > m[f] ? p[f] : m[f];
                    }
                }
            }
            activate_row(np, m, fc);
            emit_row(np, out, X, Y, m, fc);
        }
    }
}

/* Output stage of the owned columns without pooling. */
static void emit_plain(npu_np *np, int32_t *vals, npu_event_buf *out) {
    const npu_np_config *c = &np->cfg;
    uint32_t fc = c->filter_count;
    for (uint32_t X = c->out_col_first; X < c->out_col_first + c->out_col_count; X++) {
        for (uint32_t Y = 0; Y < c->out.y; Y++) {
            int32_t *m = vals + ((size_t)(X - c->conv_col_first) * c->conv.y + Y) * fc;
            activate_row(np, m, fc); /* in place: vals is recomputed every frame */
            emit_row(np, out, X, Y, m, fc);
        }
    }
}

npu_status np_conv_end(npu_np *np, npu_event_buf *out, npu_err *err) {
    const npu_np_config *c = &np->cfg;
    if (c->out_col_count == 0) {
        return NPU_OK;
    }
    if (np->gather) {
        convolve_tile(np);
    } else {
        add_padding(np);
    }
    uint32_t fc = c->filter_count;
    if (is_sep(c)) {
        np_pointwise(np);
    }
    uint32_t *acc = is_sep(c) ? np->pw : np->pot;
    int32_t *vals = (int32_t *)acc;
    size_t n_pos = (size_t)c->conv_col_count * c->conv.y;
    if (c->version == 2) {
        for (size_t i = 0; i < n_pos; i++) {
            for (uint32_t f = 0; f < fc; f++) {
                vals[i * fc + f] = np_v2_bias(np, acc[i * fc + f], f);
            }
        }
    }
    if (c->pool == NPU_POOL_AVG) {
        return emit_global(np, vals, out, err);
    }
    npu_status st = reserve(out, (size_t)c->out_col_count * c->out.y * fc, err);
    if (st != NPU_OK) {
        return st;
    }
    if (c->pool == NPU_POOL_MAX) {
        emit_pooled(np, vals, out);
    } else {
        emit_plain(np, vals, out);
    }
    return NPU_OK;
}
