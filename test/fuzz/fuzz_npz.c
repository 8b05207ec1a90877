/*
 * fuzz_npz: libFuzzer target for the .npz reader (cmp_npz_read). The input bytes are written
 * to a temporary file (libzip reads archives from files) which is then read; any input is
 * either an archive of valid arrays or a rejection with a message.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmp/cmp_array.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[] = "/tmp/akisim-fuzz-npz-XXXXXX";
    const int fd = mkstemp(path);
    if (fd < 0)
        return 0;
    size_t done = 0;
    while (done < size) {
        const ssize_t w = write(fd, data + done, size - done);
        if (w <= 0)
            break;
        done += (size_t)w;
    }
    close(fd);
    cmp_npz z;
    npu_err err;
    npu_err_clear(&err);
    if (done == size) {
        if (cmp_npz_read(path, &z, &err) == NPU_OK) {
            for (size_t i = 0; i < z.n; i++)
                if (!z.keys[i] || (z.arrays[i].count && !z.arrays[i].data))
                    abort();
            cmp_npz_free(&z);
        } else if (!err.msg[0] || z.n != 0) {
            abort();
        }
    }
    unlink(path);
    return 0;
}
