/*
 * cmp_array: the dtype table and allocation of in-memory NumPy arrays (see cmp_array.h).
 * The .npy codec lives in cmp_npy.c and the .npz archive code in cmp_npz.c.
 */
#include "cmp/cmp_array.h"

#include <stdlib.h>
#include <string.h>

/* One dtype: element size, the descr numpy writes, and the numpy name. */
typedef struct cmp_dtype_info {
    size_t size;       /* bytes per element */
    const char *descr; /* descr string written to .npy headers */
    const char *name;  /* numpy dtype name */
} cmp_dtype_info;

static const cmp_dtype_info DTYPES[CMP_DTYPE_COUNT] = {
    [CMP_U8] = {1, "|u1", "uint8"},    [CMP_I8] = {1, "|i1", "int8"},
    [CMP_I16] = {2, "<i2", "int16"},   [CMP_U16] = {2, "<u2", "uint16"},
    [CMP_I32] = {4, "<i4", "int32"},   [CMP_U32] = {4, "<u4", "uint32"},
    [CMP_I64] = {8, "<i8", "int64"},   [CMP_F32] = {4, "<f4", "float32"},
    [CMP_F64] = {8, "<f8", "float64"},
};

size_t cmp_dtype_size(cmp_dtype t) {
    return (unsigned)t < CMP_DTYPE_COUNT ? DTYPES[t].size : 0;
}

const char *cmp_dtype_descr(cmp_dtype t) {
    return (unsigned)t < CMP_DTYPE_COUNT ? DTYPES[t].descr : "?";
}

const char *cmp_dtype_name(cmp_dtype t) {
    return (unsigned)t < CMP_DTYPE_COUNT ? DTYPES[t].name : "unknown";
}

npu_status cmp_array_alloc(cmp_array *a, cmp_dtype t, uint32_t ndim, const uint64_t *shape,
                           npu_err *err) {
    memset(a, 0, sizeof *a);
    if ((unsigned)t >= CMP_DTYPE_COUNT || ndim > CMP_MAX_DIMS)
        return npu_err_set(err, NPU_ERR_INPUT, "array: bad dtype or %u dimensions", ndim);
    uint64_t count = 1;
    for (uint32_t i = 0; i < ndim; i++) {
        if (shape[i] != 0 && count > CMP_MAX_ELEMS / shape[i])
            return npu_err_set(err, NPU_ERR_INPUT, "array: shape too large (limit %llu elements)",
                               (unsigned long long)CMP_MAX_ELEMS);
        count *= shape[i];
        a->shape[i] = shape[i];
    }
    if (count > CMP_MAX_ELEMS)
        return npu_err_set(err, NPU_ERR_INPUT, "array: shape too large (limit %llu elements)",
                           (unsigned long long)CMP_MAX_ELEMS);
    const size_t bytes = (size_t)count * DTYPES[t].size;
    a->data = calloc(bytes ? bytes : 1, 1);
    if (!a->data)
        return npu_err_set(err, NPU_ERR_INTERNAL, "array: out of memory (%zu bytes)", bytes);
    a->dtype = t;
    a->ndim = ndim;
    a->count = (size_t)count;
    return NPU_OK;
}

void cmp_array_free(cmp_array *a) {
    if (!a)
        return;
    free(a->data);
    memset(a, 0, sizeof *a);
}
