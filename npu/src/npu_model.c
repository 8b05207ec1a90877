/*
 * npu_model: building a model (add layers, set variables), its accessors, cloning and freeing,
 * and checking an input sample. Shape inference and validation live in npu_model_finalize.c,
 * running a sample in npu_model_forward.c. The container knows nothing of any layer type's
 * semantics: it asks the type's op (npu_op_get) for them.
 *
 * Model-level rules enforced when a layer is added (docs/semantics.md, "Model rules"):
 * the first layer is an input layer and only the first; Akida 1.0 and 2.0 neural layers do
 * not mix; layer names are unique, non-empty and shorter than NPU_NAME_MAX.
 */
#include "npu_model_internal.h"
#include "npu_op.h"

#include <stdlib.h>
#include <string.h>

npu_model *npu_model_new(void) {
    return calloc(1, sizeof(npu_model));
}

void npu_layer_free_vars(npu_layer *l) {
    for (uint32_t i = 0; i < l->n_vars; i++) {
        free(l->vars[i].data);
        l->vars[i].data = NULL;
    }
    l->n_vars = 0;
}

void npu_model_free(npu_model *m) {
    if (!m)
        return;
    for (uint32_t i = 0; i < m->n_layers; i++)
        npu_layer_free_vars(&m->layers[i]);
    free(m->layers);
    free(m);
}

static size_t npu_dtype_size(npu_dtype d) {
    return d == NPU_DTYPE_F32 ? sizeof(float) : sizeof(int32_t);
}

npu_model *npu_model_clone(const npu_model *m) {
    if (!m)
        return NULL;
    npu_model *c = npu_model_new();
    if (!c)
        return NULL;
    if (m->n_layers) {
        c->layers = calloc(m->n_layers, sizeof(npu_layer));
        if (!c->layers) {
            free(c);
            return NULL;
        }
        c->cap = m->n_layers;
    }
    for (uint32_t i = 0; i < m->n_layers; i++) {
        npu_layer *dst = &c->layers[i];
        *dst = m->layers[i];
        dst->n_vars = 0;
        c->n_layers = i + 1;
        for (uint32_t v = 0; v < m->layers[i].n_vars; v++) {
            const npu_var *src = &m->layers[i].vars[v];
            size_t bytes = src->count * npu_dtype_size(src->dtype);
            dst->vars[v] = *src;
            dst->vars[v].data = malloc(bytes ? bytes : 1);
            if (!dst->vars[v].data) {
                npu_model_free(c);
                return NULL;
            }
            memcpy(dst->vars[v].data, src->data, bytes);
            dst->n_vars = v + 1;
        }
    }
    c->finalized = m->finalized;
    return c;
}

int npu_model_find(const npu_model *m, const char *name) {
    if (!m || !name)
        return -1;
    for (uint32_t i = 0; i < m->n_layers; i++)
        if (strcmp(m->layers[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* Checks the type of a new layer: known, supported, input only first, one IP version. */
static npu_status npu_check_new_type(const npu_model *m, npu_layer_type type, const char *name,
                                     npu_err *err) {
    if ((unsigned)type >= (unsigned)NPU_LAYER_TYPE_COUNT)
        return npu_err_set(err, NPU_ERR_INPUT, "layer '%s': unknown layer type %d", name,
                           (int)type);
    if (!npu_layer_type_supported(type) || !npu_op_get(type))
        return npu_err_set(err, NPU_ERR_INPUT, "layer '%s': layer type %s is not supported yet",
                           name, npu_layer_type_name(type));
    bool input = npu_layer_type_is_input(type);
    if (m->n_layers == 0 && !input)
        return npu_err_set(err, NPU_ERR_INPUT,
                           "layer '%s': the first layer must be an input layer (InputData, "
                           "InputConvolutional or InputConv2D), not %s",
                           name, npu_layer_type_name(type));
    if (m->n_layers > 0 && input)
        return npu_err_set(err, NPU_ERR_INPUT,
                           "layer '%s': %s is an input layer and may only be the first layer", name,
                           npu_layer_type_name(type));
    int v = npu_layer_type_version(type);
    for (uint32_t i = 0; v != 0 && i < m->n_layers; i++) {
        int other = npu_layer_type_version(m->layers[i].type);
        if (other != 0 && other != v)
            return npu_err_set(err, NPU_ERR_INPUT,
                               "layer '%s': %s is an Akida %d.0 layer but layer '%s' (%s) is "
                               "Akida %d.0; versions cannot be mixed",
                               name, npu_layer_type_name(type), v, m->layers[i].name,
                               npu_layer_type_name(m->layers[i].type), other);
    }
    return NPU_OK;
}

/* Checks the inbound list of a new layer against its op's arity. */
static npu_status npu_check_inbound(const npu_model *m, const npu_op *op, const char *name,
                                    const uint32_t *inbound, uint32_t n_inbound, npu_err *err) {
    if (n_inbound > NPU_MAX_INBOUND)
        return npu_err_set(err, NPU_ERR_INPUT, "layer '%s': %u inbound layers (at most %u)", name,
                           n_inbound, NPU_MAX_INBOUND);
    if (n_inbound > 0 && !inbound)
        return npu_err_set(err, NPU_ERR_INPUT, "layer '%s': inbound list is missing", name);
    if (op->min_inbound == 0 && n_inbound > 0)
        return npu_err_set(err, NPU_ERR_INPUT, "layer '%s': an input layer has no inbound layer",
                           name);
    for (uint32_t i = 0; i < n_inbound; i++) {
        if (inbound[i] >= m->n_layers)
            return npu_err_set(err, NPU_ERR_INPUT,
                               "layer '%s': inbound layer index %u does not exist (the model "
                               "has %u layers)",
                               name, inbound[i], m->n_layers);
        for (uint32_t j = 0; j < i; j++)
            if (inbound[j] == inbound[i])
                return npu_err_set(err, NPU_ERR_INPUT,
                                   "layer '%s': inbound layer '%s' is listed twice", name,
                                   m->layers[inbound[i]].name);
    }
    uint32_t n = (op->min_inbound > 0 && n_inbound == 0) ? 1 : n_inbound;
    if (n < op->min_inbound || n > op->max_inbound)
        return npu_err_set(err, NPU_ERR_INPUT,
                           "layer '%s': %s takes %u to %u inbound layers, got %u", name,
                           npu_layer_type_name(op->type), op->min_inbound, op->max_inbound, n);
    return NPU_OK;
}

static npu_status npu_check_name(const npu_model *m, const char *name, npu_err *err) {
    if (!name || !name[0])
        return npu_err_set(err, NPU_ERR_INPUT, "layer %u: the layer name is empty", m->n_layers);
    if (strlen(name) >= NPU_NAME_MAX)
        return npu_err_set(err, NPU_ERR_INPUT, "layer '%.32s...': name longer than %d bytes", name,
                           NPU_NAME_MAX - 1);
    if (npu_model_find(m, name) >= 0)
        return npu_err_set(err, NPU_ERR_INPUT, "layer '%s': duplicate layer name", name);
    return NPU_OK;
}

static npu_status npu_model_grow(npu_model *m, npu_err *err) {
    if (m->n_layers < m->cap)
        return NPU_OK;
    uint32_t cap = m->cap ? m->cap * 2 : 16;
    npu_layer *l = realloc(m->layers, (size_t)cap * sizeof(npu_layer));
    if (!l)
        return npu_err_set(err, NPU_ERR_INTERNAL, "out of memory adding a layer");
    m->layers = l;
    m->cap = cap;
    return NPU_OK;
}

npu_status npu_model_add(npu_model *m, npu_layer_type type, const char *name, const npu_params *p,
                         const uint32_t *inbound, uint32_t n_inbound, npu_err *err) {
    if (!m || !p)
        return npu_err_set(err, NPU_ERR_INTERNAL, "npu_model_add: NULL model or params");
    npu_status st = npu_check_name(m, name, err);
    if (st == NPU_OK)
        st = npu_check_new_type(m, type, name, err);
    if (st != NPU_OK)
        return st;
    const npu_op *op = npu_op_get(type);
    st = npu_check_inbound(m, op, name, inbound, n_inbound, err);
    if (st == NPU_OK)
        st = npu_model_grow(m, err);
    if (st != NPU_OK)
        return st;
    npu_layer *l = &m->layers[m->n_layers];
    memset(l, 0, sizeof *l);
    strcpy(l->name, name);
    l->type = type;
    l->p = *p;
    if (n_inbound > 0) {
        memcpy(l->inbound, inbound, n_inbound * sizeof(uint32_t));
        l->n_inbound = n_inbound;
    } else if (op->min_inbound > 0) {
        l->inbound[0] = m->n_layers - 1; /* sequential: the previous layer */
        l->n_inbound = 1;
    }
    m->n_layers++;
    m->finalized = false;
    return NPU_OK;
}

/* Validates the shape of a variable before anything is allocated; fills count. */
static npu_status npu_check_var_shape(const npu_layer *l, const char *name, uint32_t ndim,
                                      const uint32_t *shape, size_t *count, npu_err *err) {
    if (ndim < 1 || ndim > NPU_VAR_MAX_DIMS || !shape)
        return npu_err_set(err, NPU_ERR_INPUT,
                           "layer '%s': variable '%s': %u dimensions (expected 1 to %d)", l->name,
                           name, ndim, NPU_VAR_MAX_DIMS);
    uint64_t n = 1;
    for (uint32_t i = 0; i < ndim; i++) {
        if (shape[i] == 0)
            return npu_err_set(err, NPU_ERR_INPUT, "layer '%s': variable '%s': dimension %u is 0",
                               l->name, name, i);
        n *= shape[i];
        if (n > NPU_MAX_ELEMENTS)
            return npu_err_set(err, NPU_ERR_INPUT,
                               "layer '%s': variable '%s': more than 2^28 elements", l->name, name);
    }
    *count = (size_t)n;
    return NPU_OK;
}

/* Returns the slot for variable `name` of l (existing one freed, or a new one), or NULL. */
static npu_var *npu_var_slot(npu_layer *l, const char *name) {
    for (uint32_t i = 0; i < l->n_vars; i++) {
        if (strcmp(l->vars[i].name, name) == 0) {
            free(l->vars[i].data);
            l->vars[i].data = NULL;
            return &l->vars[i];
        }
    }
    if (l->n_vars == NPU_MAX_VARS)
        return NULL;
    return &l->vars[l->n_vars++];
}

npu_status npu_model_set_var(npu_model *m, uint32_t layer, const char *name, npu_dtype dtype,
                             uint32_t ndim, const uint32_t *shape, const void *data, npu_err *err) {
    if (!m || layer >= m->n_layers)
        return npu_err_set(err, NPU_ERR_INPUT, "variable: layer index %u does not exist", layer);
    npu_layer *l = &m->layers[layer];
    if (!name || !name[0] || strlen(name) >= NPU_VAR_NAME_MAX)
        return npu_err_set(err, NPU_ERR_INPUT, "layer '%s': bad variable name", l->name);
    if (dtype != NPU_DTYPE_I32 && dtype != NPU_DTYPE_F32)
        return npu_err_set(err, NPU_ERR_INPUT, "layer '%s': variable '%s': unknown dtype %d",
                           l->name, name, (int)dtype);
    size_t count = 0;
    npu_status st = npu_check_var_shape(l, name, ndim, shape, &count, err);
    if (st != NPU_OK)
        return st;
    if (!data)
        return npu_err_set(err, NPU_ERR_INPUT, "layer '%s': variable '%s': no data", l->name, name);
    size_t bytes = count * npu_dtype_size(dtype);
    void *copy = malloc(bytes);
    if (!copy)
        return npu_err_set(err, NPU_ERR_INTERNAL, "layer '%s': variable '%s': out of memory",
                           l->name, name);
    npu_var *v = npu_var_slot(l, name);
    if (!v) {
        free(copy);
        return npu_err_set(err, NPU_ERR_INPUT, "layer '%s': variable '%s': more than %d variables",
                           l->name, name, NPU_MAX_VARS);
    }
    memcpy(copy, data, bytes);
    memset(v, 0, sizeof *v);
    strcpy(v->name, name);
    v->dtype = dtype;
    v->ndim = ndim;
    memcpy(v->shape, shape, ndim * sizeof(uint32_t));
    v->count = count;
    v->data = copy;
    m->finalized = false;
    return NPU_OK;
}

uint32_t npu_model_layer_count(const npu_model *m) {
    return m ? m->n_layers : 0;
}

const npu_layer *npu_model_layer(const npu_model *m, uint32_t i) {
    return (m && i < m->n_layers) ? &m->layers[i] : NULL;
}

const npu_var *npu_layer_var(const npu_layer *l, const char *name) {
    if (!l || !name)
        return NULL;
    for (uint32_t i = 0; i < l->n_vars; i++)
        if (strcmp(l->vars[i].name, name) == 0)
            return &l->vars[i];
    return NULL;
}

int npu_model_ip_version(const npu_model *m) {
    for (uint32_t i = 0; m && i < m->n_layers; i++)
        if (npu_layer_type_version(m->layers[i].type) == 2)
            return 2;
    return 1;
}

npu_shape npu_model_input_shape(const npu_model *m) {
    npu_shape s = {0, 0, 0};
    return (m && m->n_layers) ? m->layers[0].in_shape : s;
}

uint32_t npu_model_input_bits(const npu_model *m) {
    return (m && m->n_layers) ? m->layers[0].in_bits : 0;
}

bool npu_model_input_signed(const npu_model *m) {
    return (m && m->n_layers) ? m->layers[0].in_signed : false;
}

npu_shape npu_model_output_shape(const npu_model *m) {
    npu_shape s = {0, 0, 0};
    return (m && m->n_layers) ? m->layers[m->n_layers - 1].out_shape : s;
}

void npu_tensor_free(npu_tensor *t) {
    if (!t)
        return;
    free(t->data);
    t->data = NULL;
}

/* Reports the first value of `in` outside [lo, hi] with its (x, y, c) position. */
static npu_status npu_check_input_range(const npu_tensor *in, int64_t lo, int64_t hi, uint32_t bits,
                                        bool sign, npu_err *err) {
    size_t n = npu_shape_size(in->shape);
    for (size_t i = 0; i < n; i++) {
        int64_t v = in->data[i];
        if (v < lo || v > hi) {
            size_t c = i % in->shape.c, y = (i / in->shape.c) % in->shape.y;
            size_t x = i / ((size_t)in->shape.c * in->shape.y);
            return npu_err_set(err, NPU_ERR_INPUT,
                               "input: value %lld at (x=%zu, y=%zu, c=%zu) is outside the "
                               "%u-bit %s range [%lld, %lld]",
                               (long long)v, x, y, c, bits, sign ? "signed" : "unsigned",
                               (long long)lo, (long long)hi);
        }
    }
    return NPU_OK;
}

npu_status npu_model_check_input(const npu_model *m, const npu_tensor *in, npu_err *err) {
    if (!m || !m->finalized)
        return npu_err_set(err, NPU_ERR_INPUT, "model is not finalized");
    if (!in || !in->data)
        return npu_err_set(err, NPU_ERR_INPUT, "input: no data");
    npu_shape s = npu_model_input_shape(m);
    if (in->shape.x != s.x || in->shape.y != s.y || in->shape.c != s.c)
        return npu_err_set(err, NPU_ERR_INPUT, "input: shape (%u,%u,%u) expected (%u,%u,%u)",
                           in->shape.x, in->shape.y, in->shape.c, s.x, s.y, s.c);
    uint32_t bits = npu_model_input_bits(m);
    bool sign = npu_model_input_signed(m);
    if (bits == 0 || bits > 31)
        return NPU_OK; /* no bit range to check */
    int64_t lo = sign ? -((int64_t)1 << (bits - 1)) : 0;
    int64_t hi = sign ? ((int64_t)1 << (bits - 1)) - 1 : ((int64_t)1 << bits) - 1;
    return npu_check_input_range(in, lo, hi, bits, sign, err);
}
