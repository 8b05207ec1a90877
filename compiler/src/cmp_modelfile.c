/*
 * cmp_modelfile: MODEL paths, loading (model.json + model.npz, then finalize) and saving
 * (see cmp_modelfile.h; the JSON side is in cmp_modeljson.c).
 *
 * Variables travel as .npz members "<layer>/<variable>" (split at the last '/', so layer
 * names may themselves contain '/'). Integer arrays of any integer dtype become int32 after
 * a range check; float32 arrays (and float64 arrays whose values are exactly float32) become
 * float32 variables (Dequantizer scales). Whether a variable is known, required, well shaped
 * and in range is decided by npu_model_finalize() from the layer's op.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmp/cmp_array.h"
#include "cmp/cmp_modelfile.h"
#include "cmp_fileio.h"

/* Largest model.json accepted. */
#define CMP_JSON_MAX ((uint64_t)64 << 20)

static bool ends_with(const char *s, const char *suffix) {
    const size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

npu_status cmp_model_paths(const char *path, char *json, size_t json_cap, char *npz, size_t npz_cap,
                           npu_err *err) {
    const size_t len = strlen(path);
    if (len == 0)
        return npu_err_set(err, NPU_ERR_INPUT, "empty model path");
    int a, b;
    if (ends_with(path, ".json")) {
        a = snprintf(json, json_cap, "%s", path);
        b = snprintf(npz, npz_cap, "%.*s.npz", (int)(len - 5), path);
    } else {
        const char *sep = path[len - 1] == '/' ? "" : "/";
        a = snprintf(json, json_cap, "%s%smodel.json", path, sep);
        b = snprintf(npz, npz_cap, "%s%smodel.npz", path, sep);
    }
    if (a < 0 || b < 0 || (size_t)a >= json_cap || (size_t)b >= npz_cap)
        return npu_err_set(err, NPU_ERR_INPUT, "%s: model path too long", path);
    return NPU_OK;
}

/* Converts an integer array to int32 values (range-checked); what names it. */
static npu_status to_int32(const cmp_array *a, int32_t *dst, const char *what, npu_err *err) {
    for (size_t i = 0; i < a->count; i++) {
        int64_t v;
        switch (a->dtype) {
        case CMP_U8:
            v = ((const uint8_t *)a->data)[i];
            break;
        case CMP_I8:
            v = ((const int8_t *)a->data)[i];
            break;
        case CMP_I16:
            v = ((const int16_t *)a->data)[i];
            break;
        case CMP_U16:
            v = ((const uint16_t *)a->data)[i];
            break;
        case CMP_I32:
            v = ((const int32_t *)a->data)[i];
            break;
        case CMP_U32:
            v = ((const uint32_t *)a->data)[i];
            break;
        case CMP_I64:
            v = ((const int64_t *)a->data)[i];
            break;
        default:
            return npu_err_set(err, NPU_ERR_INPUT, "%s: not an integer array", what);
        }
        if (v < INT32_MIN || v > INT32_MAX)
            return npu_err_set(err, NPU_ERR_INPUT,
                               "%s: value %lld at flat index %zu does not fit int32", what,
                               (long long)v, i);
        dst[i] = (int32_t)v;
    }
    return NPU_OK;
}

/* Converts a float array to float32 values; float64 values must be exact float32. */
static npu_status to_float32(const cmp_array *a, float *dst, const char *what, npu_err *err) {
    for (size_t i = 0; i < a->count; i++) {
        if (a->dtype == CMP_F32) {
            dst[i] = ((const float *)a->data)[i];
            continue;
        }
        const double d = ((const double *)a->data)[i];
        const float f = (float)d;
        if ((double)f != d && d == d)
            return npu_err_set(err, NPU_ERR_INPUT,
                               "%s: float64 value %.17g at flat index %zu is not exactly a "
                               "float32 (save the array as float32)",
                               what, d, i);
        dst[i] = f;
    }
    return NPU_OK;
}

/* Sets one variable of m from array a stored under key. */
static npu_status set_var_from_array(npu_model *m, const char *npz_path, const char *key,
                                     const cmp_array *a, npu_err *err) {
    char what[1200];
    snprintf(what, sizeof what, "%s: key '%s'", npz_path, key);
    const char *slash = strrchr(key, '/');
    if (!slash || slash == key || !slash[1])
        return npu_err_set(err, NPU_ERR_INPUT, "%s: expected '<layer>/<variable>'", what);
    char layer[NPU_NAME_MAX + 1];
    const size_t ll = (size_t)(slash - key);
    if (ll >= sizeof layer)
        return npu_err_set(err, NPU_ERR_INPUT, "%s: no layer named '%.*s'", what, (int)ll, key);
    memcpy(layer, key, ll);
    layer[ll] = '\0';
    const int li = npu_model_find(m, layer);
    if (li < 0)
        return npu_err_set(err, NPU_ERR_INPUT, "%s: no layer named '%s'", what, layer);
    const char *var = slash + 1;
    if (strlen(var) >= NPU_VAR_NAME_MAX)
        return npu_err_set(err, NPU_ERR_INPUT, "%s: layer '%s': unknown variable '%s'", what, layer,
                           var);
    if (a->ndim < 1 || a->ndim > NPU_VAR_MAX_DIMS)
        return npu_err_set(err, NPU_ERR_INPUT,
                           "%s: layer '%s': variable '%s' has %u dimensions (1 to %d allowed)",
                           what, layer, var, a->ndim, NPU_VAR_MAX_DIMS);
    uint32_t shape[NPU_VAR_MAX_DIMS];
    for (uint32_t i = 0; i < a->ndim; i++) {
        if (a->shape[i] > UINT32_MAX)
            return npu_err_set(err, NPU_ERR_INPUT, "%s: dimension %u too large", what, i);
        shape[i] = (uint32_t)a->shape[i];
    }
    const bool is_float = a->dtype == CMP_F32 || a->dtype == CMP_F64;
    void *data = malloc(a->count ? a->count * 4 : 4);
    if (!data)
        return npu_err_set(err, NPU_ERR_INTERNAL, "%s: out of memory", what);
    npu_status st = is_float ? to_float32(a, data, what, err) : to_int32(a, data, what, err);
    if (!st) {
        st = npu_model_set_var(m, (uint32_t)li, var, is_float ? NPU_DTYPE_F32 : NPU_DTYPE_I32,
                               a->ndim, shape, data, err);
        if (st)
            npu_err_prefix(err, "%s", what);
    }
    free(data);
    return st;
}

npu_status cmp_model_load_npz(npu_model *m, const char *npz_path, npu_err *err) {
    cmp_npz z;
    npu_status st = cmp_npz_read(npz_path, &z, err);
    if (st)
        return st;
    for (size_t i = 0; !st && i < z.n; i++)
        st = set_var_from_array(m, npz_path, z.keys[i], &z.arrays[i], err);
    cmp_npz_free(&z);
    return st;
}

npu_status cmp_model_load(const char *path, npu_model **out, npu_err *err) {
    *out = NULL;
    char json[4096], npz[4096];
    npu_status st = cmp_model_paths(path, json, sizeof json, npz, sizeof npz, err);
    if (st)
        return st;
    uint8_t *text;
    size_t len;
    st = cmp_file_read(json, CMP_JSON_MAX, &text, &len, err);
    if (st)
        return st;
    npu_model *m = NULL;
    st = cmp_model_from_json((const char *)text, len, json, &m, err);
    free(text);
    if (st)
        return st;
    st = cmp_model_load_npz(m, npz, err);
    if (!st) {
        st = npu_model_finalize(m, err);
        if (st)
            npu_err_prefix(err, "%s (%s)", json, npz);
    }
    if (st) {
        npu_model_free(m);
        return st;
    }
    *out = m;
    return NPU_OK;
}

/* Collects every variable of m into an npz (int32 or float32 arrays). */
static npu_status model_to_npz(const npu_model *m, cmp_npz *z, npu_err *err) {
    memset(z, 0, sizeof *z);
    const uint32_t n = npu_model_layer_count(m);
    for (uint32_t i = 0; i < n; i++) {
        const npu_layer *l = npu_model_layer(m, i);
        for (uint32_t k = 0; k < l->n_vars; k++) {
            const npu_var *v = &l->vars[k];
            cmp_array a;
            memset(&a, 0, sizeof a);
            a.dtype = v->dtype == NPU_DTYPE_F32 ? CMP_F32 : CMP_I32;
            a.ndim = v->ndim;
            for (uint32_t d = 0; d < v->ndim && d < CMP_MAX_DIMS; d++)
                a.shape[d] = v->shape[d];
            a.count = v->count;
            a.data = v->data;
            char key[NPU_NAME_MAX + NPU_VAR_NAME_MAX + 2];
            snprintf(key, sizeof key, "%s/%s", l->name, v->name);
            npu_status st = cmp_npz_add(z, key, &a, err);
            if (st) {
                cmp_npz_free(z);
                return st;
            }
        }
    }
    return NPU_OK;
}

npu_status cmp_model_save(const npu_model *m, const char *path, npu_err *err) {
    char json[4096], npz[4096];
    npu_status st = cmp_model_paths(path, json, sizeof json, npz, sizeof npz, err);
    if (st)
        return st;
    if (!ends_with(path, ".json") && mkdir(path, 0755) != 0 && errno != EEXIST)
        return npu_err_set(err, NPU_ERR_INPUT, "%s: cannot create directory: %s", path,
                           strerror(errno));
    cmp_npz z;
    st = model_to_npz(m, &z, err);
    if (st)
        return npu_err_prefix(err, "%s", npz);
    st = cmp_npz_write(npz, &z, err);
    cmp_npz_free(&z);
    if (st)
        return st;
    char *text;
    st = cmp_model_to_json(m, &text, err);
    if (st)
        return npu_err_prefix(err, "%s", json);
    st = cmp_file_write_atomic(json, text, strlen(text), err);
    free(text);
    return st;
}
