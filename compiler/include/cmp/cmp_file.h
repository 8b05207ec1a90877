/*
 * cmp_file: the public face of the compiler's atomic whole-file writer (cmp_fileio.c), so the
 * other modules (sim/ writers: stats, traces, power) write their outputs the same way as the
 * .npy/.npz/model/program files: a temporary file in the destination's directory renamed over
 * the destination, removed on any failure, so a reader never sees a half-written file and a
 * failed write leaves nothing behind. The declaration is identical to the internal one in
 * compiler/src/cmp_fileio.h (added by H12, additive).
 */
#ifndef CMP_FILE_H
#define CMP_FILE_H

#include <stddef.h>

#include "npu/npu_err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Writes len bytes to path atomically (temporary file in the same directory + rename). A
 * directory that does not exist or cannot be written fails with NPU_ERR_INPUT. */
npu_status cmp_file_write_atomic(const char *path, const void *data, size_t len, npu_err *err);

#ifdef __cplusplus
}
#endif

#endif /* CMP_FILE_H */
