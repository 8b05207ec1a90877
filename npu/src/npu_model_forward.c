/*
 * npu_model_forward: runs one sample through a finalized model.
 *
 * Layers run in their (topological) order; each output tensor is allocated with the
 * inferred shape and handed to the layer's op. An intermediate output is freed as soon as
 * the last layer that reads it has run, so peak memory stays near the two or three largest
 * live tensors, unless the caller asked for every layer's output (per_layer).
 */
#include "npu_model_internal.h"
#include "npu_op.h"

#include <stdlib.h>
#include <string.h>

/* last[i] = index of the last layer reading layer i's output (n - 1 for the model output). */
static void npu_last_use(const npu_model *m, uint32_t *last) {
    for (uint32_t i = 0; i < m->n_layers; i++)
        last[i] = i;
    for (uint32_t i = 0; i < m->n_layers; i++)
        for (uint32_t k = 0; k < m->layers[i].n_inbound; k++)
            last[m->layers[i].inbound[k]] = i;
    last[m->n_layers - 1] = m->n_layers - 1;
}

/* Runs layer i, reading outs[] (or the model input for the input layer) into outs[i]. */
static npu_status npu_forward_layer(const npu_model *m, uint32_t i, const npu_tensor *input,
                                    npu_tensor *outs, npu_err *err) {
    const npu_layer *l = &m->layers[i];
    const npu_op *op = npu_op_get(l->type);
    const npu_tensor *in[NPU_MAX_INBOUND];
    uint32_t n_in = l->n_inbound;
    if (n_in == 0) {
        in[0] = input;
        n_in = 1;
    } else {
        for (uint32_t k = 0; k < n_in; k++)
            in[k] = &outs[l->inbound[k]];
    }
    size_t n = npu_shape_size(l->out_shape);
    outs[i].shape = l->out_shape;
    outs[i].data = malloc(n * sizeof(int32_t));
    if (!outs[i].data)
        return npu_err_set(err, NPU_ERR_INTERNAL, "layer '%s': out of memory (%zu values)", l->name,
                           n);
    npu_status st = op->forward(l, in, n_in, &outs[i], err);
    if (st != NPU_OK)
        return npu_err_prefix(err, "layer '%s'", l->name);
    return NPU_OK;
}

static void npu_free_outs(npu_tensor *outs, uint32_t n) {
    for (uint32_t i = 0; i < n; i++)
        npu_tensor_free(&outs[i]);
    free(outs);
}

/* Hands the results over: per_layer gets every output, out the last one (a copy when
 * per_layer also holds it). */
static npu_status npu_forward_deliver(const npu_model *m, npu_tensor *outs, npu_tensor *out,
                                      npu_tensor *per_layer, npu_err *err) {
    uint32_t last = m->n_layers - 1;
    if (!per_layer) {
        *out = outs[last];
        outs[last].data = NULL;
        return NPU_OK;
    }
    size_t bytes = npu_shape_size(outs[last].shape) * sizeof(int32_t);
    out->shape = outs[last].shape;
    out->data = malloc(bytes);
    if (!out->data)
        return npu_err_set(err, NPU_ERR_INTERNAL, "out of memory copying the output");
    memcpy(out->data, outs[last].data, bytes);
    for (uint32_t i = 0; i < m->n_layers; i++) {
        per_layer[i] = outs[i];
        outs[i].data = NULL;
    }
    return NPU_OK;
}

npu_status npu_model_forward(const npu_model *m, const npu_tensor *in, npu_tensor *out,
                             npu_tensor *per_layer, npu_err *err) {
    if (!out)
        return npu_err_set(err, NPU_ERR_INTERNAL, "npu_model_forward: NULL output");
    out->data = NULL;
    npu_status st = npu_model_check_input(m, in, err);
    if (st != NPU_OK)
        return st;
    npu_tensor *outs = calloc(m->n_layers, sizeof(npu_tensor));
    uint32_t *last = malloc(m->n_layers * sizeof(uint32_t));
    if (!outs || !last) {
        free(outs);
        free(last);
        return npu_err_set(err, NPU_ERR_INTERNAL, "out of memory");
    }
    npu_last_use(m, last);
    for (uint32_t i = 0; i < m->n_layers && st == NPU_OK; i++) {
        st = npu_forward_layer(m, i, in, outs, err);
        for (uint32_t k = 0; st == NPU_OK && !per_layer && k < m->layers[i].n_inbound; k++) {
            uint32_t j = m->layers[i].inbound[k];
            if (last[j] == i)
                npu_tensor_free(&outs[j]);
        }
    }
    if (st == NPU_OK)
        st = npu_forward_deliver(m, outs, out, per_layer, err);
    free(last);
    npu_free_outs(outs, m->n_layers);
    return st;
}

npu_status npu_model_forward_layer(const npu_model *m, uint32_t i, const npu_tensor *const *in,
                                   uint32_t n_in, npu_tensor *out, npu_err *err) {
    out->data = NULL;
    if (i >= m->n_layers) {
        return npu_err_set(err, NPU_ERR_INPUT, "forward_layer: layer %u out of range", i);
    }
    const npu_layer *l = &m->layers[i];
    uint32_t want = l->n_inbound ? l->n_inbound : 1;
    if (n_in != want) {
        return npu_err_set(err, NPU_ERR_INPUT, "layer '%s': %u inputs given, %u expected", l->name,
                           n_in, want);
    }
    for (uint32_t k = 0; k < n_in; k++) {
        npu_shape s = l->n_inbound ? m->layers[l->inbound[k]].out_shape : l->in_shape;
        if (in[k] == NULL || in[k]->data == NULL || in[k]->shape.x != s.x ||
            in[k]->shape.y != s.y || in[k]->shape.c != s.c) {
            return npu_err_set(err, NPU_ERR_INPUT, "layer '%s': input %u has the wrong shape",
                               l->name, k);
        }
    }
    const npu_op *op = npu_op_get(l->type);
    size_t n = npu_shape_size(l->out_shape);
    out->shape = l->out_shape;
    out->data = malloc((n ? n : 1) * sizeof(int32_t));
    if (!out->data)
        return npu_err_set(err, NPU_ERR_INTERNAL, "layer '%s': out of memory", l->name);
    npu_status st = op->forward(l, in, n_in, out, err);
    if (st != NPU_OK) {
        npu_tensor_free(out);
        return npu_err_prefix(err, "layer '%s'", l->name);
    }
    return NPU_OK;
}
