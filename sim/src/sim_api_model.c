/*
 * sim_api_model: the akisim_model object of the public API (akisim.h) — creation, layers,
 * load/save through the model files of compiler/, lazy validation, layer descriptions and
 * variable access. Running samples lives in sim_api_run.c, the text summary in
 * sim_summary.c.
 */
#include "sim_api.h"

#include <stdlib.h>
#include <string.h>

#include "cmp/cmp_modelfile.h"

#ifndef AKISIM_VERSION
#define AKISIM_VERSION "0.0.0"
#endif

const char *akisim_version(void) {
    return AKISIM_VERSION;
}

const char *akisim_error_message(const akisim_error *err) {
    return err ? err->msg : "";
}

akisim_status akisim_error_status(const akisim_error *err) {
    return err ? err->status : AKISIM_OK;
}

void akisim_error_clear(akisim_error *err) {
    npu_err_clear(err);
}

/* Parses a type name, failing with a message naming it. */
static npu_status parse_type(const char *type_name, npu_layer_type *t, npu_err *err) {
    if (!type_name || !npu_layer_type_from_name(type_name, t))
        return npu_err_set(err, NPU_ERR_INPUT, "unknown layer type '%s'",
                           type_name ? type_name : "(null)");
    return NPU_OK;
}

akisim_status akisim_params_default(const char *type_name, akisim_params *out, akisim_error *err) {
    npu_layer_type t;
    npu_status st = parse_type(type_name, &t, err);
    if (st != NPU_OK)
        return st;
    *out = npu_params_default(t);
    return NPU_OK;
}

akisim_status akisim_model_create(akisim_model **out, akisim_error *err) {
    akisim_model *m = calloc(1, sizeof *m);
    if (m)
        m->npu = npu_model_new();
    if (!m || !m->npu) {
        free(m);
        return npu_err_set(err, NPU_ERR_INTERNAL, "out of memory creating a model");
    }
    *out = m;
    return NPU_OK;
}

void akisim_model_free(akisim_model *m) {
    if (!m)
        return;
    npu_model_free(m->npu);
    free(m);
}

akisim_status akisim_model_add_layer(akisim_model *m, const char *type_name, const char *layer_name,
                                     const akisim_params *p, const char *const *inbound,
                                     size_t n_inbound, akisim_error *err) {
    npu_layer_type t;
    npu_status st = parse_type(type_name, &t, err);
    if (st != NPU_OK)
        return st;
    if (n_inbound > NPU_MAX_INBOUND)
        return npu_err_set(err, NPU_ERR_INPUT, "layer '%s': %zu inbound layers (at most %d)",
                           layer_name ? layer_name : "(null)", n_inbound, NPU_MAX_INBOUND);
    uint32_t idx[NPU_MAX_INBOUND];
    for (size_t i = 0; i < n_inbound; i++) {
        int k = npu_model_find(m->npu, inbound[i]);
        if (k < 0)
            return npu_err_set(err, NPU_ERR_INPUT, "layer '%s': unknown inbound layer '%s'",
                               layer_name ? layer_name : "(null)", inbound[i]);
        idx[i] = (uint32_t)k;
    }
    npu_params def;
    if (!p) {
        def = npu_params_default(t);
        p = &def;
    }
    m->finalized = false;
    return npu_model_add(m->npu, t, layer_name, p, idx, (uint32_t)n_inbound, err);
}

akisim_status akisim_model_load(const char *path, akisim_model **out, akisim_error *err) {
    npu_model *nm = NULL;
    npu_status st = cmp_model_load(path, &nm, err);
    if (st != NPU_OK)
        return st;
    akisim_model *m = calloc(1, sizeof *m);
    if (!m) {
        npu_model_free(nm);
        return npu_err_set(err, NPU_ERR_INTERNAL, "out of memory loading %s", path);
    }
    m->npu = nm;
    m->finalized = true; /* cmp_model_load returns a finalized model */
    *out = m;
    return NPU_OK;
}

npu_status sim_model_ready(akisim_model *m, npu_err *err) {
    if (m->finalized)
        return NPU_OK;
    if (npu_model_layer_count(m->npu) == 0)
        return npu_err_set(err, NPU_ERR_INPUT, "the model has no layer");
    npu_status st = npu_model_finalize(m->npu, err);
    m->finalized = st == NPU_OK;
    return st;
}

akisim_status akisim_model_finalize(akisim_model *m, akisim_error *err) {
    return sim_model_ready(m, err);
}

akisim_status akisim_model_save(akisim_model *m, const char *path, akisim_error *err) {
    npu_status st = sim_model_ready(m, err);
    if (st != NPU_OK)
        return st;
    return cmp_model_save(m->npu, path, err);
}

const npu_layer *sim_model_last(const akisim_model *m) {
    uint32_t n = npu_model_layer_count(m->npu);
    return n ? npu_model_layer(m->npu, n - 1) : NULL;
}

akisim_status akisim_model_input_shape(akisim_model *m, akisim_shape *out, akisim_error *err) {
    npu_status st = sim_model_ready(m, err);
    if (st == NPU_OK)
        *out = npu_model_input_shape(m->npu);
    return st;
}

akisim_status akisim_model_output_shape(akisim_model *m, akisim_shape *out, akisim_error *err) {
    npu_status st = sim_model_ready(m, err);
    if (st == NPU_OK)
        *out = npu_model_output_shape(m->npu);
    return st;
}

uint32_t akisim_model_input_bits(akisim_model *m) {
    npu_err e;
    return sim_model_ready(m, &e) == NPU_OK ? npu_model_input_bits(m->npu) : 0;
}

bool akisim_model_input_signed(akisim_model *m) {
    npu_err e;
    return sim_model_ready(m, &e) == NPU_OK && npu_model_input_signed(m->npu);
}

size_t akisim_model_layer_count(const akisim_model *m) {
    return npu_model_layer_count(m->npu);
}

akisim_status akisim_model_layer_info(akisim_model *m, size_t i, akisim_layer_info *out,
                                      akisim_error *err) {
    npu_status st = sim_model_ready(m, err);
    if (st != NPU_OK)
        return st;
    if (i >= npu_model_layer_count(m->npu))
        return npu_err_set(err, NPU_ERR_INPUT, "layer index %zu out of range (%u layers)", i,
                           npu_model_layer_count(m->npu));
    const npu_layer *l = npu_model_layer(m->npu, (uint32_t)i);
    out->name = l->name;
    out->type = npu_layer_type_name(l->type);
    out->output_shape = l->out_shape;
    out->activation = l->p.activation;
    out->output_bits = l->out_bits;
    out->output_signed = l->out_signed;
    out->kernel = npu_layer_var(l, "weights");
    out->kernel_pw = npu_layer_var(l, "weights_pw");
    return NPU_OK;
}

bool akisim_model_output_is_u8(akisim_model *m) {
    npu_err e;
    if (sim_model_ready(m, &e) != NPU_OK)
        return false;
    const npu_layer *l = sim_model_last(m);
    return l->p.activation && !l->out_signed && l->out_bits <= 8;
}

/* Finds layer `layer` or fails naming it. */
static npu_status find_layer(const akisim_model *m, const char *layer, uint32_t *idx,
                             npu_err *err) {
    int k = layer ? npu_model_find(m->npu, layer) : -1;
    if (k < 0)
        return npu_err_set(err, NPU_ERR_INPUT, "no layer named '%s'", layer ? layer : "(null)");
    *idx = (uint32_t)k;
    return NPU_OK;
}

akisim_status akisim_model_get_variable(const akisim_model *m, const char *layer, const char *var,
                                        const akisim_variable **out, akisim_error *err) {
    uint32_t idx = 0;
    npu_status st = find_layer(m, layer, &idx, err);
    if (st != NPU_OK)
        return st;
    const npu_var *v = npu_layer_var(npu_model_layer(m->npu, idx), var ? var : "");
    if (!v)
        return npu_err_set(err, NPU_ERR_INPUT, "layer '%s' has no variable '%s'", layer,
                           var ? var : "(null)");
    *out = v;
    return NPU_OK;
}

akisim_status akisim_model_set_variable(akisim_model *m, const char *layer, const char *var,
                                        npu_dtype dtype, uint32_t ndim, const uint32_t *shape,
                                        const void *data, akisim_error *err) {
    uint32_t idx = 0;
    npu_status st = find_layer(m, layer, &idx, err);
    if (st != NPU_OK)
        return st;
    m->finalized = false;
    return npu_model_set_var(m->npu, idx, var, dtype, ndim, shape, data, err);
}

const npu_model *akisim_model_npu(akisim_model *m) {
    npu_err e;
    return sim_model_ready(m, &e) == NPU_OK ? m->npu : NULL;
}
