/*
 * fuzz_npy: libFuzzer target for the strict .npy parser (cmp_npy_parse). Any input must be
 * either rejected with NPU_ERR_INPUT and a message, or accepted with an array whose element
 * count matches its shape; accepted arrays must re-encode and parse back identically.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cmp/cmp_array.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    cmp_array a;
    npu_err err;
    npu_err_clear(&err);
    if (cmp_npy_parse(data, size, "fuzz.npy", &a, &err) != NPU_OK) {
        if (err.status != NPU_ERR_INPUT || !err.msg[0])
            abort();
        return 0;
    }
    size_t count = 1;
    for (uint32_t i = 0; i < a.ndim; i++)
        count *= (size_t)a.shape[i];
    if (count != a.count)
        abort();
    uint8_t *buf;
    size_t len;
    if (cmp_npy_encode(&a, &buf, &len, &err) == NPU_OK) {
        cmp_array b;
        if (cmp_npy_parse(buf, len, "re-encoded", &b, &err) != NPU_OK || b.count != a.count ||
            b.dtype != a.dtype || memcmp(a.data, b.data, a.count * cmp_dtype_size(a.dtype)) != 0)
            abort();
        cmp_array_free(&b);
        free(buf);
    }
    cmp_array_free(&a);
    return 0;
}
