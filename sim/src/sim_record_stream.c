/*
 * sim_record_stream: the compact form of one recorded event stream (sim_rstream).
 *
 * A stream (one layer's output events, or the model input's non-zero values, of one
 * frame) is kept in scan order (x, y, c) without per-event structs:
 *
 *  - col[X + 1]: the index of the first event of each column (so a column range of the
 *    stream is two loads, no search);
 *  - positions: each event's (y, c) as y << cbits | c, in 16 bits when every position
 *    fits (all zoo models), else 32 — or, when that is smaller (dense activations: more
 *    than one event in 16 elements), one bit per element of the X x Y x C tensor in scan
 *    order; a column decodes row by row (no division);
 *  - val: the values minus the stream's minimum, packed with the width the range needs
 *    (0 bits when all equal — e.g. binary activations — 1, 2, 4, 8, 16 or 32);
 *  - chist[X][C + 1]: per column, the number of events of channel < k, so the events of
 *    any (column, channel range) — an NP's output line in its filter slice, a DEST entry's
 *    flow — are one subtraction.
 *
 * Dims are the declared shape widened to hold every event, so any event round-trips.
 */
#include <stdlib.h>
#include <string.h>

#include "sim_engine_int.h"

static npu_status rs_oom(npu_err *err) {
    return npu_err_set(err, NPU_ERR_INTERNAL, "record: out of memory");
}

/* Bits needed to hold v (0 for v = 0). */
static uint32_t bits_for(uint64_t v) {
    uint32_t b = 0;
    while (v != 0) {
        b++;
        v >>= 1;
    }
    return b;
}

static bool ev_before(const npu_event *a, const npu_event *b) {
    if (a->x != b->x) {
        return a->x < b->x;
    }
    if (a->y != b->y) {
        return a->y < b->y;
    }
    return a->c < b->c;
}

/* Smallest supported value width holding range r. */
static uint8_t val_width(uint64_t r) {
    static const uint8_t widths[] = {0, 1, 2, 4, 8, 16, 32};
    uint32_t need = bits_for(r);
    for (size_t i = 0; i < sizeof widths; i++) {
        if (widths[i] >= need) {
            return widths[i];
        }
    }
    return 32;
}

/* Packs the values of ev[0..n) (minus the stream's minimum) into s->val (zeroed). */
static void put_values(sim_rstream *s, const npu_event *ev, size_t n) {
    const uint32_t m = (uint32_t)s->val_min;
    uint8_t *v8 = s->val;
    switch (s->val_bits) {
    case 0:
        return;
    case 4:
        for (size_t i = 0; i + 1 < n; i += 2) {
            v8[i >> 1] =
                (uint8_t)(((uint32_t)ev[i].value - m) | (((uint32_t)ev[i + 1].value - m) << 4));
        }
        if (n & 1) {
            v8[n >> 1] = (uint8_t)((uint32_t)ev[n - 1].value - m);
        }
        return;
    case 8:
        for (size_t i = 0; i < n; i++) {
            v8[i] = (uint8_t)((uint32_t)ev[i].value - m);
        }
        return;
    case 16:
        for (size_t i = 0; i < n; i++) {
            ((uint16_t *)(void *)v8)[i] = (uint16_t)((uint32_t)ev[i].value - m);
        }
        return;
    case 32:
        for (size_t i = 0; i < n; i++) {
            ((uint32_t *)(void *)v8)[i] = (uint32_t)ev[i].value - m;
        }
        return;
    default: /* 1 or 2 bits */
        for (size_t i = 0; i < n; i++) {
            size_t bit = i * s->val_bits;
            v8[bit >> 3] |= (uint8_t)(((uint32_t)ev[i].value - m) << (bit & 7));
        }
        return;
    }
}

/* Positions of ev[0..n) (scan order) into s->pos (packed or bitmap, zeroed) and their
 * per-column channel counts into s->chist (zeroed). */
static void put_positions(sim_rstream *s, const npu_event *ev, size_t n) {
    const uint32_t cb = s->cbits;
    const size_t C1 = (size_t)s->C + 1;
    uint32_t *h = s->chist;
    if (s->pos_bytes == 2) {
        uint16_t *p = s->pos;
        for (size_t i = 0; i < n; i++) {
            p[i] = (uint16_t)(((uint32_t)ev[i].y << cb) | ev[i].c);
            h[(size_t)ev[i].x * C1 + ev[i].c + 1]++;
        }
    } else if (s->pos_bytes == 4) {
        uint32_t *p = s->pos;
        for (size_t i = 0; i < n; i++) {
            p[i] = ((uint32_t)ev[i].y << cb) | ev[i].c;
            h[(size_t)ev[i].x * C1 + ev[i].c + 1]++;
        }
    } else { /* bits ascend: a word is gathered in a register, stored once */
        uint64_t *w = s->pos, acc = 0;
        const size_t Y = s->Y, C = s->C;
        size_t cur = 0;
        for (size_t i = 0; i < n; i++) {
            size_t bit = ((size_t)ev[i].x * Y + ev[i].y) * C + ev[i].c;
            if ((bit >> 6) != cur) {
                w[cur] |= acc;
                cur = bit >> 6;
                acc = 0;
            }
            acc |= (uint64_t)1 << (bit & 63);
            h[(size_t)ev[i].x * C1 + ev[i].c + 1]++;
        }
        w[cur] |= acc;
    }
}

int32_t sim_rstream_value(const sim_rstream *s, size_t i) {
    uint32_t v;
    switch (s->val_bits) {
    case 0:
        v = 0;
        break;
    case 16:
        v = ((const uint16_t *)(const void *)s->val)[i];
        break;
    case 32:
        v = ((const uint32_t *)(const void *)s->val)[i];
        break;
    default: {
        size_t bit = i * s->val_bits;
        v = (uint32_t)(s->val[bit >> 3] >> (bit & 7)) & ((1u << s->val_bits) - 1u);
        break;
    }
    }
    return (int32_t)((uint32_t)s->val_min + v);
}

void sim_rstream_free(sim_rstream *s) {
    if (s == NULL) {
        return;
    }
    free(s->col);
    free(s->pos);
    free(s->val);
    free(s->chist);
    memset(s, 0, sizeof *s);
}

/* Bytes of n packed values of width bits. */
static size_t val_bytes(size_t n, uint32_t bits) {
    return bits >= 16 ? n * (bits / 8) : (n * bits + 7) / 8;
}

/* Words of the position bitmap of dims X x Y x C. */
static size_t bitmap_words(uint32_t X, uint32_t Y, uint32_t C) {
    return ((size_t)X * Y * C + 63) / 64;
}

/* Bytes of the positions of s. */
static size_t pos_size(const sim_rstream *s) {
    return s->pos_bytes ? (size_t)s->n * s->pos_bytes
                        : bitmap_words(s->X, s->Y, s->C) * sizeof(uint64_t);
}

size_t sim_rstream_bytes(const sim_rstream *s) {
    return ((size_t)s->X + 1) * sizeof *s->col + pos_size(s) + val_bytes(s->n, s->val_bits) +
           (size_t)s->X * (s->C + 1) * sizeof *s->chist;
}

/* Set bits of bitmap w in [b0, b1), as (y << cbits | c) of row y, into out; returns the
 * end of out. */
static uint32_t *row_bits(const uint64_t *w, size_t b0, size_t b1, uint32_t y, uint32_t cbits,
                          uint32_t *out) {
    for (size_t b = b0; b < b1;) {
        size_t wi = b >> 6;
        uint64_t m = w[wi] >> (b & 63);
        size_t end = (wi + 1) << 6;
        if (end > b1) { /* keep bits below b1 */
            m &= ((uint64_t)1 << (b1 - b)) - 1u;
        }
        while (m != 0) {
            uint32_t k = (uint32_t)__builtin_ctzll(m);
            *out++ = (y << cbits) | (uint32_t)(b + k - b0);
            m &= m - 1;
        }
        b = end;
    }
    return out;
}

uint32_t sim_rstream_column(const sim_rstream *s, uint32_t x, uint32_t *out) {
    if (x >= s->X) {
        return 0;
    }
    uint32_t i0 = s->col[x], i1 = s->col[x + 1];
    if (s->pos_bytes == 2) {
        const uint16_t *p = s->pos;
        for (uint32_t i = i0; i < i1; i++) {
            out[i - i0] = p[i];
        }
    } else if (s->pos_bytes == 4) {
        memcpy(out, (const uint32_t *)s->pos + i0, (size_t)(i1 - i0) * sizeof *out);
    } else if (i1 > i0) {
        size_t base = (size_t)x * s->Y * s->C;
        uint32_t *o = out;
        for (uint32_t y = 0; y < s->Y; y++) {
            o = row_bits(s->pos, base + (size_t)y * s->C, base + (size_t)(y + 1) * s->C, y,
                         s->cbits, o);
        }
    }
    return i1 - i0;
}

/* Dims, value range and order of b; false when the positions do not fit 32 bits. */
static bool scan_dims(const npu_event_buf *b, npu_shape shape, sim_rstream *s, int64_t *vmax,
                      bool *sorted) {
    uint32_t X = shape.x, Y = shape.y, C = shape.c;
    int32_t lo = b->n ? b->ev[0].value : 0, hi = lo;
    bool order = true;
    for (size_t i = 0; i < b->n; i++) {
        const npu_event *e = &b->ev[i];
        X = e->x >= X ? e->x + 1u : X;
        Y = e->y >= Y ? e->y + 1u : Y;
        C = e->c >= C ? e->c + 1u : C;
        lo = e->value < lo ? e->value : lo;
        hi = e->value > hi ? e->value : hi;
        order = order && (i == 0 || ev_before(&b->ev[i - 1], e));
    }
    *sorted = order;
    s->X = X;
    s->Y = Y;
    s->C = C;
    s->cbits = (uint8_t)bits_for(C > 1 ? C - 1u : 0u);
    s->val_min = (int32_t)lo;
    *vmax = hi;
    uint32_t pbits = s->cbits + bits_for(Y > 1 ? Y - 1u : 0u);
    s->pos_bytes = pbits <= 16 ? 2 : 4;
    return pbits <= 32 && C < UINT32_MAX;
}

/* Whether sorted b holds an event twice (a bitmap could not). */
static bool has_duplicates(const npu_event_buf *b) {
    for (size_t i = 1; i < b->n; i++) {
        if (!ev_before(&b->ev[i - 1], &b->ev[i])) {
            return true;
        }
    }
    return false;
}

npu_status sim_rstream_encode(npu_event_buf *b, npu_shape shape, sim_rstream *out, npu_err *err) {
    sim_rstream_free(out);
    if (b->n > UINT32_MAX) {
        return npu_err_set(err, NPU_ERR_INPUT, "record: more than 2^32 events in one stream");
    }
    sim_rstream s = {0};
    int64_t vmax = 0;
    bool sorted = true;
    if (!scan_dims(b, shape, &s, &vmax, &sorted)) {
        return npu_err_set(err, NPU_ERR_INPUT, "record: stream dims (%u, %u, %u) too large", s.X,
                           s.Y, s.C);
    }
    if (!sorted) {
        sim_events_sort(b);
    }
    s.n = (uint32_t)b->n;
    s.val_bits = val_width((uint64_t)(vmax - s.val_min));
    size_t bm = bitmap_words(s.X, s.Y, s.C);
    if (bm * sizeof(uint64_t) < (size_t)s.n * s.pos_bytes && !has_duplicates(b)) {
        s.pos_bytes = 0;
    }
    s.col = calloc((size_t)s.X + 1, sizeof *s.col);
    s.pos =
        s.pos_bytes ? malloc(((size_t)s.n + 1) * s.pos_bytes) : calloc(bm + 1, sizeof(uint64_t));
    s.val = calloc(val_bytes(s.n, s.val_bits) + 1, 1);
    s.chist = calloc((size_t)s.X * (s.C + 1) + 1, sizeof *s.chist);
    if (s.col == NULL || s.pos == NULL || s.val == NULL || s.chist == NULL) {
        sim_rstream_free(&s);
        return rs_oom(err);
    }
    put_positions(&s, b->ev, b->n);
    put_values(&s, b->ev, b->n);
    const size_t C1 = (size_t)s.C + 1;
    for (uint32_t x = 0; x < s.X; x++) {
        uint32_t *h = &s.chist[(size_t)x * C1];
        for (uint32_t c = 0; c < s.C; c++) {
            h[c + 1] += h[c];
        }
        s.col[x + 1] = s.col[x] + h[s.C];
    }
    *out = s;
    return NPU_OK;
}
