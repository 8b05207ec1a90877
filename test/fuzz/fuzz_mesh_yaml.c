/*
 * fuzz_mesh_yaml: libFuzzer target for the two YAML readers of mesh/ — mesh descriptions
 * (mesh_parse_yaml) and calibration sets (mesh_calib_parse_yaml, over the akd1000 preset as
 * its base). Any input must be either rejected with NPU_ERR_INPUT and a message, or accepted
 * with a result that passes its own validation.
 */
#include <stdint.h>
#include <stdlib.h>

#include "mesh/mesh.h"
#include "mesh/mesh_calib.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts unless a rejection is a bad-input error with a message. */
static void check_rejection(const npu_err *err) {
    if (err->status != NPU_ERR_INPUT || !err->msg[0])
        abort();
}

static void fuzz_mesh(const char *text, size_t size) {
    mesh_desc m;
    npu_err err;
    npu_err_clear(&err);
    if (mesh_parse_yaml(text, size, "fuzz.yaml", &m, &err) != NPU_OK) {
        check_rejection(&err);
        return;
    }
    if (mesh_validate(&m, "fuzz.yaml", &err) != NPU_OK)
        abort();
    mesh_free(&m);
}

static void fuzz_calib(const char *text, size_t size) {
    mesh_calib c;
    npu_err err;
    npu_err_clear(&err);
    if (mesh_calib_preset("akd1000", &c, &err) != NPU_OK)
        abort();
    if (mesh_calib_parse_yaml(text, size, "fuzz-calib.yaml", &c, &err) != NPU_OK) {
        check_rejection(&err);
        return;
    }
    if (mesh_calib_validate(&c, &err) != NPU_OK)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_mesh((const char *)data, size);
    fuzz_calib((const char *)data, size);
    return 0;
}
