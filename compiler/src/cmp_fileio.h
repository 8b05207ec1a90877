/*
 * cmp_fileio: whole-file reading with a size cap and atomic whole-file writing, shared by the
 * .npy/.npz and model-file code. Internal to compiler/.
 *
 * Writing goes to a temporary file created in the destination's directory, which is then
 * renamed over the destination: readers see either the old file or the complete new one, and
 * on any failure the temporary file is removed so nothing is left behind.
 */
#ifndef CMP_FILEIO_H
#define CMP_FILEIO_H

#include <stddef.h>
#include <stdint.h>

#include "npu/npu_err.h"

/* Reads the whole file into a malloc'd buffer (NUL-terminated, not counted in *len). Files
 * larger than max_len bytes are refused with NPU_ERR_INPUT before reading. */
npu_status cmp_file_read(const char *path, uint64_t max_len, uint8_t **buf, size_t *len,
                         npu_err *err);

/* Writes len bytes to path atomically (temporary file in the same directory + rename). */
npu_status cmp_file_write_atomic(const char *path, const void *data, size_t len, npu_err *err);

#endif /* CMP_FILEIO_H */
