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

void np_dense_push(npu_np *np, const npu_event *e) {
    const npu_np_config *c = &np->cfg;
    if (c->out_col_count == 0 || e->x < c->need_col_first ||
        e->x >= c->need_col_first + c->need_col_count || e->y >= c->in.y || e->c >= c->in.c) {
        return;
    }
    np->cnt.events_in++;
    np->cnt.sram_writes++;
    uint32_t v = np_input_value(np, e->value, e->c);
    if (v == 0) {
        return;
    }
    uint32_t fc = c->filter_count;
    size_t idx = ((size_t)e->x * c->in.y + e->y) * c->in.c + e->c;
    const int32_t *w = np->w + idx * fc;
    for (uint32_t u = 0; u < fc; u++) {
        np->pot[u] += v * (uint32_t)w[u];
    }
    np->cnt.synops += fc;
    np->cnt.sram_writes += fc;
    if (c->external_weights) {
        np->cnt.ext_bytes += (uint64_t)np->row_words * 4u;
    } else {
        np->cnt.sram_reads += np->row_words;
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
