/*
 * sim_record: the per-run record of every layer's output event stream.
 *
 * The record is independent of the mesh and mapping: per frame, the model input's non-zero
 * values and each model layer's output events (x, y, c, value) in scan order, plus each
 * layer's shapes and producer. The timing model derives everything it needs for any
 * mapping from it: an NP's input events per input line are the producer layer's events in
 * the NP's need columns (and channel slice for depthwise layers), its output events per line
 * are the layer's events in its owned columns and filter slice, a flow between two NPs is
 * the sender's events the receiver's DEST entry selects. See docs/timing-model.md.
 */
#include <stdlib.h>
#include <string.h>

#include "sim_engine_int.h"

void sim_record_free(sim_record *r) {
    if (r == NULL) {
        return;
    }
    for (uint32_t f = 0; r->input != NULL && f < r->n_frames; f++) {
        npu_event_buf_free(&r->input[f]);
    }
    for (size_t i = 0; r->events != NULL && i < (size_t)r->n_frames * r->n_layers; i++) {
        npu_event_buf_free(&r->events[i]);
    }
    free(r->input);
    free(r->events);
    free(r->layers);
    free(r);
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
    const npu_event_buf *b = &r->events[(size_t)frame * r->n_layers + layer];
    for (size_t i = 0; i < b->n; i++) {
        const npu_event *e = &b->ev[i];
        if (e->x < s.x && e->y < s.y && e->c < s.c) {
            out->data[((size_t)e->x * s.y + e->y) * s.c + e->c] = e->value;
        }
    }
    return NPU_OK;
}
