/*
 * cmp_array: NumPy .npy arrays in memory and on disk, and .npz archives of them.
 *
 * The .npy reader is strict (it reads untrusted bytes): it checks the magic, the format
 * version (1.0, 2.0, 3.0), the header dict (descr, fortran_order, shape), the dtype and its
 * endianness, and that the payload length matches the shape, refusing absurd sizes before
 * allocating. Writers produce version 1.0 little-endian C-order files that numpy.load opens,
 * and write to a temporary file renamed into place (never a half-written output).
 */
#ifndef CMP_ARRAY_H
#define CMP_ARRAY_H

#include <stddef.h>
#include <stdint.h>

#include "npu/npu_err.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum cmp_dtype {
    CMP_U8 = 0, /* '|u1' */
    CMP_I8,     /* '|i1' */
    CMP_I16,    /* '<i2' */
    CMP_U16,    /* '<u2' */
    CMP_I32,    /* '<i4' */
    CMP_U32,    /* '<u4' */
    CMP_I64,    /* '<i8' */
    CMP_F32,    /* '<f4' */
    CMP_F64,    /* '<f8' */
    CMP_DTYPE_COUNT
} cmp_dtype;

#define CMP_MAX_DIMS 8
/* Largest array the readers accept (elements), refused before allocating. */
#define CMP_MAX_ELEMS ((uint64_t)1 << 31)

typedef struct cmp_array {
    cmp_dtype dtype;              /* element type */
    uint32_t ndim;                /* number of dimensions (0 = scalar) */
    uint64_t shape[CMP_MAX_DIMS]; /* C-order shape */
    size_t count;                 /* number of elements (product of shape) */
    void *data;                   /* owned, count * cmp_dtype_size(dtype) bytes */
} cmp_array;

/* Size in bytes of one element; numpy descr string ("<i4"); name ("int32"). */
size_t cmp_dtype_size(cmp_dtype t);
const char *cmp_dtype_descr(cmp_dtype t);
const char *cmp_dtype_name(cmp_dtype t);

/* Allocates a zeroed array. Returns NPU_ERR_INTERNAL when out of memory. */
npu_status cmp_array_alloc(cmp_array *a, cmp_dtype t, uint32_t ndim, const uint64_t *shape,
                           npu_err *err);
void cmp_array_free(cmp_array *a);

/* Parses .npy bytes. `what` names the source in messages (file, or "archive.npz:key"). */
npu_status cmp_npy_parse(const uint8_t *buf, size_t len, const char *what, cmp_array *out,
                         npu_err *err);
/* Serialises to .npy bytes (malloc'd *buf of *len bytes). */
npu_status cmp_npy_encode(const cmp_array *a, uint8_t **buf, size_t *len, npu_err *err);
/* Reads a .npy file. */
npu_status cmp_npy_read(const char *path, cmp_array *out, npu_err *err);
/* Writes a .npy file atomically (temporary file + rename). */
npu_status cmp_npy_write(const char *path, const cmp_array *a, npu_err *err);

/* An .npz archive: named arrays ("<layer>/<variable>" keys, without the .npy suffix). */
typedef struct cmp_npz {
    size_t n;          /* number of arrays */
    char **keys;       /* owned key strings */
    cmp_array *arrays; /* owned arrays */
} cmp_npz;

/* Reads every array of an .npz (stored or deflated zip members). */
npu_status cmp_npz_read(const char *path, cmp_npz *out, npu_err *err);
/* Writes an .npz atomically. */
npu_status cmp_npz_write(const char *path, const cmp_npz *z, npu_err *err);
/* Returns the array stored under key, or NULL. */
const cmp_array *cmp_npz_get(const cmp_npz *z, const char *key);
/* Appends a copy of a under key (NPU_ERR_INTERNAL when out of memory). */
npu_status cmp_npz_add(cmp_npz *z, const char *key, const cmp_array *a, npu_err *err);
void cmp_npz_free(cmp_npz *z);

#ifdef __cplusplus
}
#endif

#endif /* CMP_ARRAY_H */
