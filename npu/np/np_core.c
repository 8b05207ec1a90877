/*
 * np_core: the public entry points of the NP models (npu_np.h): lifetime, the configuration
 * port (register and SRAM writes, bounds-checked), configure, the frame protocol
 * (begin / push / end), counters, the shared output arithmetic and the event buffer.
 */
#include <stdlib.h>
#include <string.h>

#include "np_internal.h"
#include "npu_kernels.h"

npu_np *npu_np_new(npu_np_kind kind) {
    if ((unsigned)kind >= NPU_RM_TYPE_COUNT) {
        return NULL;
    }
    npu_np *np = calloc(1, sizeof *np);
    if (np != NULL) {
        np->kind = kind;
    }
    return np;
}

void npu_np_reset(npu_np *np) {
    if (np == NULL) {
        return;
    }
    np_free_decoded(np);
    for (uint32_t r = 0; r < NPU_RM_REGION_COUNT; r++) {
        free(np->sram[r].w);
        np->sram[r].w = NULL;
        np->sram[r].n = 0;
    }
    memset(np->regs, 0, sizeof np->regs);
    memset(&np->cfg, 0, sizeof np->cfg);
    np->ext = NULL;
    np->ext_n = 0;
}

void npu_np_free(npu_np *np) {
    npu_np_reset(np);
    free(np);
}

npu_status npu_np_write_regs(npu_np *np, uint32_t offset, const uint32_t *words, size_t n,
                             npu_err *err) {
    uint32_t nregs = npu_rm_types[np->kind].nregs;
    if (n == 0 || offset >= nregs || n > nregs - offset) {
        return npu_err_set(err, NPU_ERR_INPUT,
                           "NP %s: register write %u+%zu beyond the %u-word block",
                           npu_rm_types[np->kind].name, offset, n, nregs);
    }
    memcpy(np->regs + offset, words, n * sizeof *words);
    np->configured = false;
    return NPU_OK;
}

npu_status npu_np_write_sram(npu_np *np, uint32_t region, uint32_t offset, const uint32_t *words,
                             size_t n, npu_err *err) {
    const char *tn = npu_rm_types[np->kind].name;
    if (region >= NPU_RM_REGION_COUNT || !(npu_rm_types[np->kind].regions & (1u << region))) {
        return npu_err_set(err, NPU_ERR_INPUT, "NP %s: SRAM region %u unknown", tn, region);
    }
    if (n == 0 || offset > NP_MAX_SRAM_WORDS || n > NP_MAX_SRAM_WORDS - offset) {
        return npu_err_set(err, NPU_ERR_INPUT, "NP %s: SRAM write %u+%zu beyond the region", tn,
                           offset, n);
    }
    np_region *r = &np->sram[region];
    size_t end = (size_t)offset + n;
    if (end > r->n) {
        uint32_t *w = realloc(r->w, end * sizeof *w);
        if (w == NULL) {
            return npu_err_set(err, NPU_ERR_INTERNAL, "NP %s: out of memory", tn);
        }
        memset(w + r->n, 0, (end - r->n) * sizeof *w);
        r->w = w;
        r->n = end;
    }
    memcpy(r->w + offset, words, n * sizeof *words);
    np->configured = false;
    return NPU_OK;
}

void npu_np_attach_external(npu_np *np, const uint8_t *ext, size_t n_bytes) {
    np->ext = ext;
    np->ext_n = ext != NULL ? n_bytes : 0;
    np->configured = false;
}

npu_status npu_np_configure(npu_np *np, npu_err *err) {
    return np_decode(np, err);
}

const npu_np_config *npu_np_get_config(const npu_np *np) {
    return &np->cfg;
}

void npu_np_begin_frame(npu_np *np) {
    if (np->kind != NPU_NP_FNP) {
        np_conv_clear(np);
    } else if (np->pot != NULL) {
        memset(np->pot, 0, np->pot_n * sizeof *np->pot);
    }
}

bool npu_np_accepts_col(const npu_np *np, uint32_t x) {
    const npu_np_config *c = &np->cfg;
    return np->configured && x >= c->need_col_first && x - c->need_col_first < c->need_col_count;
}

void npu_np_push(npu_np *np, const npu_event *ev, size_t n) {
    if (!np->configured) {
        return;
    }
    if (np->kind == NPU_NP_FNP) {
        np_dense_push(np, ev, n);
    } else {
        np_conv_push(np, ev, n);
    }
}

npu_status npu_np_end_frame(npu_np *np, npu_event_buf *out, npu_err *err) {
    if (!np->configured) {
        return npu_err_set(err, NPU_ERR_INPUT, "NP %s: end of frame before a successful configure",
                           npu_rm_types[np->kind].name);
    }
    npu_status st = np->kind == NPU_NP_FNP ? np_dense_end(np, out, err) : np_conv_end(np, out, err);
    npu_np_begin_frame(np);
    return st;
}

const npu_np_counters *npu_np_get_counters(const npu_np *np) {
    return &np->cnt;
}

void npu_np_reset_counters(npu_np *np) {
    memset(&np->cnt, 0, sizeof np->cnt);
}

/* ---------------------------------------------------------------- arithmetic */

uint32_t np_input_value(const npu_np *np, int32_t v, uint32_t c) {
    if (np->ishift == NULL) {
        return (uint32_t)v;
    }
    return (uint32_t)npu_wrap_bits((int64_t)((uint64_t)(uint32_t)v << np->ishift[c]), 32);
}

int32_t np_v2_bias(const npu_np *np, uint32_t acc, uint32_t f) {
    uint32_t bb = np->cfg.buffer_bits;
    int64_t x = npu_wrap_bits((int32_t)acc, bb);
    x += npu_shift_round(np->bias[f], -np->bshift[f]);
    return (int32_t)npu_saturate_signed(x, bb);
}

int32_t np_output_value(const npu_np *np, int64_t v, uint32_t f) {
    const npu_np_config *c = &np->cfg;
    if (c->version == 1) {
        return c->activation ? npu_v1_activation(v, np->thr[f], np->step[f], c->out_bits)
                             : (int32_t)(uint32_t)(uint64_t)v;
    }
    if (c->activation && v < 0) {
        v = 0;
    }
    v *= np->scale[f];
    v = npu_shift_round(v, np->oshift[f]);
    return c->activation ? (int32_t)npu_saturate_unsigned(v, c->out_bits)
                         : (int32_t)npu_saturate_signed(v, c->out_bits);
}

/* ---------------------------------------------------------------- event buffer */

npu_status npu_event_buf_push(npu_event_buf *b, npu_event e, npu_err *err) {
    if (b->n == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 256;
        npu_event *ev = realloc(b->ev, cap * sizeof *ev);
        if (ev == NULL) {
            return npu_err_set(err, NPU_ERR_INTERNAL, "events: out of memory");
        }
        b->ev = ev;
        b->cap = cap;
    }
    b->ev[b->n++] = e;
    return NPU_OK;
}

void npu_event_buf_free(npu_event_buf *b) {
    free(b->ev);
    b->ev = NULL;
    b->n = b->cap = 0;
}
