/*
 * npu_model_finalize: shape inference and validation of a whole model.
 *
 * Layers are visited in order: each type's op infers the output shape and bit width from
 * the (already finalized) inbound layers and validates the parameters; then the container
 * checks, generically, every variable against the op's var_specs (presence unless optional,
 * dtype, exact shape, value range) and refuses variables the op does not know. Tensors of
 * more than 2^28 elements or with a zero dimension are refused here, so nothing absurd is
 * ever allocated by npu_model_forward(). Finally the model-level rules are checked
 * (docs/semantics.md, "Model rules").
 */
#include "npu_model_internal.h"
#include "npu_op.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Formats a shape as "(a,b,c)" into buf. */
static void npu_fmt_shape(char *buf, size_t size, uint32_t ndim, const uint32_t *shape) {
    size_t off = (size_t)snprintf(buf, size, "(");
    for (uint32_t i = 0; i < ndim && off < size; i++)
        off += (size_t)snprintf(buf + off, size - off, "%s%u", i ? "," : "", shape[i]);
    if (off < size)
        snprintf(buf + off, size - off, ")");
}

static bool npu_var_shape_equal(const npu_var *v, const npu_var_spec *s) {
    if (v->ndim != s->ndim)
        return false;
    for (uint32_t i = 0; i < s->ndim; i++)
        if (v->shape[i] != s->shape[i])
            return false;
    return true;
}

/* Checks every value of v against the spec's range (int32) or finiteness (float32). */
static npu_status npu_check_var_values(const npu_layer *l, const npu_var *v, const npu_var_spec *s,
                                       npu_err *err) {
    if (v->dtype == NPU_DTYPE_F32) {
        const float *f = v->data;
        for (size_t i = 0; i < v->count; i++)
            if (!isfinite(f[i]))
                return npu_err_set(err, NPU_ERR_INPUT,
                                   "layer '%s': variable '%s': value at index %zu is not finite",
                                   l->name, v->name, i);
        return NPU_OK;
    }
    const int32_t *d = v->data;
    for (size_t i = 0; i < v->count; i++)
        if (d[i] < s->min || d[i] > s->max)
            return npu_err_set(err, NPU_ERR_INPUT,
                               "layer '%s': variable '%s': value %d at index %zu is outside "
                               "[%lld, %lld]",
                               l->name, v->name, d[i], i, (long long)s->min, (long long)s->max);
    return NPU_OK;
}

/* Checks one variable spec of layer l. */
static npu_status npu_check_var_spec(const npu_layer *l, const npu_var_spec *s, npu_err *err) {
    const npu_var *v = npu_layer_var(l, s->name);
    if (!v) {
        if (s->optional)
            return NPU_OK;
        return npu_err_set(err, NPU_ERR_INPUT, "layer '%s': variable '%s' is missing", l->name,
                           s->name);
    }
    if (v->dtype != s->dtype)
        return npu_err_set(err, NPU_ERR_INPUT, "layer '%s': variable '%s': dtype %s expected %s",
                           l->name, s->name, v->dtype == NPU_DTYPE_F32 ? "float32" : "int32",
                           s->dtype == NPU_DTYPE_F32 ? "float32" : "int32");
    if (!npu_var_shape_equal(v, s)) {
        char got[96], want[96];
        npu_fmt_shape(got, sizeof got, v->ndim, v->shape);
        npu_fmt_shape(want, sizeof want, s->ndim, s->shape);
        return npu_err_set(err, NPU_ERR_INPUT, "layer '%s': variable '%s': shape %s expected %s",
                           l->name, s->name, got, want);
    }
    return npu_check_var_values(l, v, s, err);
}

/* Checks all variables of l against its op's specs; unknown variables are refused. */
static npu_status npu_check_vars(const npu_layer *l, const npu_op *op, npu_err *err) {
    npu_var_spec specs[NPU_MAX_VARS];
    memset(specs, 0, sizeof specs);
    uint32_t n = op->var_specs ? op->var_specs(l, specs) : 0;
    for (uint32_t i = 0; i < n; i++) {
        npu_status st = npu_check_var_spec(l, &specs[i], err);
        if (st != NPU_OK)
            return st;
    }
    for (uint32_t v = 0; v < l->n_vars; v++) {
        bool known = false;
        for (uint32_t i = 0; i < n && !known; i++)
            known = strcmp(l->vars[v].name, specs[i].name) == 0;
        if (known)
            continue;
        char list[256] = "none";
        size_t off = 0;
        for (uint32_t i = 0; i < n && off < sizeof list; i++)
            off += (size_t)snprintf(list + off, sizeof list - off, "%s%s", i ? ", " : "",
                                    specs[i].name);
        return npu_err_set(err, NPU_ERR_INPUT,
                           "layer '%s': unknown variable '%s' for %s (expected: %s)", l->name,
                           l->vars[v].name, npu_layer_type_name(l->type), list);
    }
    return NPU_OK;
}

/* Refuses zero or absurd output dimensions (more than 2^28 elements). */
static npu_status npu_check_out_shape(const npu_layer *l, npu_err *err) {
    npu_shape s = l->out_shape;
    if (s.x == 0 || s.y == 0 || s.c == 0)
        return npu_err_set(err, NPU_ERR_INPUT, "layer '%s': output shape (%u,%u,%u) is empty",
                           l->name, s.x, s.y, s.c);
    if ((uint64_t)s.x * s.y * s.c > NPU_MAX_ELEMENTS)
        return npu_err_set(err, NPU_ERR_INPUT,
                           "layer '%s': output shape (%u,%u,%u) has more than 2^28 elements",
                           l->name, s.x, s.y, s.c);
    return NPU_OK;
}

/* Infers and checks layer i of m. */
static npu_status npu_finalize_layer(npu_model *m, uint32_t i, npu_err *err) {
    npu_layer *l = &m->layers[i];
    const npu_op *op = npu_op_get(l->type);
    if (!op)
        return npu_err_set(err, NPU_ERR_INPUT, "layer '%s': layer type %s is not supported yet",
                           l->name, npu_layer_type_name(l->type));
    const npu_layer *in[NPU_MAX_INBOUND];
    for (uint32_t k = 0; k < l->n_inbound; k++) {
        if (l->inbound[k] >= i)
            return npu_err_set(err, NPU_ERR_INPUT,
                               "layer '%s': inbound layer %u is not an earlier layer", l->name,
                               l->inbound[k]);
        in[k] = &m->layers[l->inbound[k]];
    }
    l->in_shape = l->out_shape = (npu_shape){0, 0, 0};
    l->in_bits = l->out_bits = 0;
    l->in_signed = l->out_signed = false;
    npu_status st = op->infer(l, in, l->n_inbound, err);
    if (st != NPU_OK)
        return npu_err_prefix(err, "layer '%s'", l->name);
    st = npu_check_out_shape(l, err);
    if (st == NPU_OK)
        st = npu_check_vars(l, op, err);
    return st;
}

/* Model rule: 8-bit model inputs (InputData input_bits 8) feed only convolutions
 * (Convolutional, Conv2D) and have 1 or 3 channels (seed 001, Model). */
static npu_status npu_check_8bit_input(const npu_model *m, npu_err *err) {
    const npu_layer *first = &m->layers[0];
    if (first->type != NPU_INPUT_DATA || first->in_bits != 8)
        return NPU_OK;
    if (first->in_shape.c != 1 && first->in_shape.c != 3)
        return npu_err_set(err, NPU_ERR_INPUT,
                           "layer '%s': 8-bit inputs must have 1 or 3 channels, not %u",
                           first->name, first->in_shape.c);
    for (uint32_t i = 1; i < m->n_layers; i++) {
        const npu_layer *l = &m->layers[i];
        for (uint32_t k = 0; k < l->n_inbound; k++) {
            if (l->inbound[k] != 0 || l->type == NPU_CONVOLUTIONAL || l->type == NPU_CONV2D)
                continue;
            return npu_err_set(err, NPU_ERR_INPUT,
                               "layer '%s': 8-bit inputs must be followed by a convolution "
                               "(Convolutional or Conv2D), not %s",
                               l->name, npu_layer_type_name(l->type));
        }
    }
    return NPU_OK;
}

npu_status npu_model_finalize(npu_model *m, npu_err *err) {
    if (!m)
        return npu_err_set(err, NPU_ERR_INTERNAL, "npu_model_finalize: NULL model");
    m->finalized = false;
    if (m->n_layers == 0)
        return npu_err_set(err, NPU_ERR_INPUT, "model has no layer");
    for (uint32_t i = 0; i < m->n_layers; i++) {
        npu_status st = npu_finalize_layer(m, i, err);
        if (st != NPU_OK)
            return st;
    }
    npu_status st = npu_check_8bit_input(m, err);
    if (st != NPU_OK)
        return st;
    m->finalized = true;
    npu_err_clear(err);
    return NPU_OK;
}
