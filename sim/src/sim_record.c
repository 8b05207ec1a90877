/*
 * sim_record: the per-run record of every layer's output event stream.
 *
 * The record is independent of the mesh and mapping: per frame, the model input's non-zero
 * values and each model layer's output events in scan order, in the compact stream form of
 * sim_record_stream.c, plus each layer's shapes and producer and, per frame, each hardware
 * layer's input summary (sim_record_sum.c) derived once when the frame is recorded. The timing
 * model derives everything it needs for any mapping from it: an NP's input events per input line
 * are the producer layer's events in the NP's need columns (and channel slice for depthwise
 * layers), its output events per line are the layer's events in its owned columns and filter slice,
 * a flow between two NPs is the sender's events the receiver's DEST entry selects; the summaries
 * answer those queries by prefix sums. See docs/timing-model.md ("Record").
 */
#include <stdlib.h>
#include <string.h>

#include "sim_engine_int.h"

void sim_record_free(sim_record *r) {
    if (r == NULL) {
        return;
    }
    for (uint32_t f = 0; r->input != NULL && f < r->n_frames; f++) {
        sim_rstream_free(&r->input[f]);
    }
    for (size_t i = 0; r->events != NULL && i < (size_t)r->n_frames * r->n_layers; i++) {
        sim_rstream_free(&r->events[i]);
    }
    sim_record_drop_summaries(r);
    free(r->input);
    free(r->events);
    free(r->layers);
    free(r);
}

void sim_record_drop_summaries(sim_record *r) {
    for (size_t i = 0; r->sums != NULL && i < (size_t)r->n_frames * r->n_layers; i++) {
        sim_rsum_free(&r->sums[i]);
    }
    free(r->sums);
    r->sums = NULL;
}

uint32_t sim_record_frames(const sim_record *r) {
    return r->n_frames;
}

uint32_t sim_record_layers(const sim_record *r) {
    return r->n_layers;
}

uint64_t sim_record_events(const sim_record *r) {
    return r->total_events;
}

static size_t sum_bytes(const sim_rsum *s) {
    if (!s->valid) {
        return 0;
    }
    size_t per = s->g.kind == SIM_RGEOM_DEPTHWISE ? (size_t)s->g.in.x * (s->g.in.c + 1) : s->g.in.x;
    return per * (sizeof *s->cnt + sizeof *s->wy) +
           (s->act != NULL ? ((size_t)s->g.conv.x + 1) * sizeof *s->act : 0);
}

uint64_t sim_record_bytes(const sim_record *r) {
    uint64_t n = sizeof *r + (uint64_t)r->n_layers * sizeof *r->layers;
    for (uint32_t f = 0; f < r->n_frames; f++) {
        n += sizeof *r->input + sim_rstream_bytes(&r->input[f]);
        for (uint32_t l = 0; l < r->n_layers; l++) {
            size_t i = (size_t)f * r->n_layers + l;
            n += sizeof *r->events + sim_rstream_bytes(&r->events[i]);
            n += r->sums != NULL ? sizeof *r->sums + sum_bytes(&r->sums[i]) : 0;
        }
    }
    return n;
}

const sim_rstream *sim_record_stream(const sim_record *r, uint32_t layer, uint32_t f) {
    return layer == SIM_NO_LAYER ? &r->input[f] : &r->events[(size_t)f * r->n_layers + layer];
}

npu_status sim_record_layer_tensor(const sim_record *r, uint32_t frame, uint32_t layer,
                                   npu_tensor *out, npu_err *err) {
    out->data = NULL;
    if (frame >= r->n_frames || layer >= r->n_layers) {
        return npu_err_set(err, NPU_ERR_INPUT, "record: no frame %u / layer %u", frame, layer);
    }
    npu_shape s = r->layers[layer].out_shape;
    size_t n = npu_shape_size(s);
    out->shape = s;
    out->data = calloc(n ? n : 1, sizeof(int32_t));
    if (out->data == NULL) {
        return npu_err_set(err, NPU_ERR_INTERNAL, "record: out of memory");
    }
    const sim_rstream *b = sim_record_stream(r, layer, frame);
    const uint32_t cmask = (1u << b->cbits) - 1u;
    uint32_t *pos = malloc(((size_t)b->Y * b->C + 1) * sizeof *pos);
    if (pos == NULL) {
        npu_tensor_free(out);
        return npu_err_set(err, NPU_ERR_INTERNAL, "record: out of memory");
    }
    for (uint32_t x = 0; x < b->X && x < s.x; x++) {
        uint32_t k = sim_rstream_column(b, x, pos);
        for (uint32_t i = 0; i < k; i++) {
            uint32_t y = pos[i] >> b->cbits, c = pos[i] & cmask;
            if (y < s.y && c < s.c) {
                out->data[((size_t)x * s.y + y) * s.c + c] = sim_rstream_value(b, b->col[x] + i);
            }
        }
    }
    free(pos);
    return NPU_OK;
}
