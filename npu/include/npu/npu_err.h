/*
 * npu_err: the error object every akisim module fills instead of printing.
 *
 * Errors are values: a function that can fail returns an npu_status (0 on success)
 * and, on failure, writes one human-readable message naming the file, layer and field
 * involved into the caller's npu_err. The CLI prints that message and exits with the
 * status: 2 for bad input (malformed files, wrong shapes, bit ranges), 1 for internal
 * failures (out of memory, I/O on a valid path).
 */
#ifndef NPU_ERR_H
#define NPU_ERR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum npu_status {
    NPU_OK = 0,           /* success */
    NPU_ERR_INTERNAL = 1, /* internal failure: allocation, I/O error on a good path */
    NPU_ERR_INPUT = 2,    /* bad input: the message names file / layer / field */
} npu_status;

#define NPU_ERR_MSG_MAX 512

typedef struct npu_err {
    npu_status status;         /* NPU_OK until an error is set */
    char msg[NPU_ERR_MSG_MAX]; /* NUL-terminated message, empty when status == NPU_OK */
} npu_err;

/* Resets err to "no error". err may be NULL. */
void npu_err_clear(npu_err *err);

/* Sets status and a printf-style message; returns status so callers can write
 * `return npu_err_set(err, NPU_ERR_INPUT, "...")`. err may be NULL. */
npu_status npu_err_set(npu_err *err, npu_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prepends "prefix: " to an existing message (e.g. the file name). Returns err->status. */
npu_status npu_err_prefix(npu_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#ifdef __cplusplus
}
#endif

#endif /* NPU_ERR_H */
