/*
 * np_dense: the FNP model (FullyConnected v1, Dense1D v2). The input (x, y, c) is
 * flattened as index = (x * in.y + y) * in.c + c; each accepted event adds v * w[index, u]
 * to the potential of every unit u of the NP's slice (uint32, wrap modulo 2^32). FNP3 reads
 * the weights from its WEIGHTS SRAM, FNP2 from the external memory image (ext_bytes counts
 * the bytes of the weight row each event reads). At the end of the frame: v1 activation or
 * potential, v2 bias / ReLU / scale / shift / saturation; output events (0, 0, unit).
 */
#include <string.h>

#include "np_internal.h"
#include "npu_kernels.h"

void np_dense_push(npu_np *np, const npu_event *ev, size_t n) {
    const npu_np_config *c = &np->cfg;
    if (c->out_col_count == 0) {
        return;
    }
    const uint32_t fc = c->filter_count, nf = c->need_col_first, nn = c->need_col_count;
    uint64_t accepted = 0, used = 0;
    uint32_t *restrict pot = np->pot;
    for (size_t i = 0; i < n; i++) {
        const npu_event *e = &ev[i];
        if ((uint32_t)e->x - nf >= nn || e->y >= c->in.y || e->c >= c->in.c) {
            continue;
        }
        accepted++;
        uint32_t v = np_input_value(np, e->value, e->c);
        if (v == 0) {
            continue;
        }
        used++;
        size_t idx = ((size_t)e->x * c->in.y + e->y) * c->in.c + e->c;
        const int32_t *restrict w = np->w + idx * fc;
        for (uint32_t u = 0; u < fc; u++) {
            pot[u] += v * (uint32_t)w[u];
        }
    }
    np->cnt.events_in += accepted;
    np->cnt.sram_writes += accepted + used * fc;
    np->cnt.synops += used * fc;
    if (c->external_weights) {
        np->cnt.ext_bytes += used * np->row_words * 4u;
    } else {
        np->cnt.sram_reads += used * np->row_words;
    }
}

npu_status np_dense_end(npu_np *np, npu_event_buf *out, npu_err *err) {
    const npu_np_config *c = &np->cfg;
    npu_status st = NPU_OK;
    for (uint32_t u = 0; c->out_col_count > 0 && st == NPU_OK && u < c->filter_count; u++) {
        int64_t v = c->version == 2 ? np_v2_bias(np, np->pot[u], u) : (int32_t)np->pot[u];
        int32_t o = np_output_value(np, v, u);
        if (o != 0) {
            np->cnt.events_out++;
            npu_event e = {0, 0, c->filter_first + u, o};
            st = npu_event_buf_push(out, e, err);
        }
    }
    return st;
}
