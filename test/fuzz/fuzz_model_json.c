/*
 * fuzz_model_json: libFuzzer target for the model.json reader (cmp_model_from_json). Any
 * input is either a model or a rejection with a message; an accepted model must serialise
 * and read back to the same number of layers.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cmp/cmp_modelfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    npu_model *m = NULL;
    npu_err err;
    npu_err_clear(&err);
    if (cmp_model_from_json((const char *)data, size, "fuzz.json", &m, &err) != NPU_OK) {
        if (m || !err.msg[0])
            abort();
        return 0;
    }
    char *text = NULL;
    if (cmp_model_to_json(m, &text, &err) == NPU_OK) {
        npu_model *m2 = NULL;
        if (cmp_model_from_json(text, strlen(text), "re-encoded", &m2, &err) != NPU_OK ||
            npu_model_layer_count(m2) != npu_model_layer_count(m))
            abort();
        npu_model_free(m2);
        free(text);
    }
    npu_model_free(m);
    return 0;
}
