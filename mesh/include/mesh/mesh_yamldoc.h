/*
 * mesh_yamldoc: YAML text -> libfyaml document, with one clear message on a syntax error.
 *
 * The YAML readers of the project (mesh descriptions, calibration files, scenarios) share it:
 * libfyaml's own diagnostics are silenced and collected, and the first one becomes the
 * error "FILE:LINE:COLUMN: malformed YAML: WHAT" (NPU_ERR_INPUT). JSON is not accepted as a
 * flow-only document (FYPCF_JSON_NONE): these files are YAML.
 */
#ifndef MESH_YAMLDOC_H
#define MESH_YAMLDOC_H

#include <stddef.h>

#include "npu/npu_err.h"

struct fy_document;

/* Parses len bytes of text (file names it in messages). Returns the document (the caller
 * frees it with fy_document_destroy) or NULL with err set: NPU_ERR_INPUT for malformed or
 * empty YAML, NPU_ERR_INTERNAL when libfyaml cannot allocate its diagnostics. */
struct fy_document *mesh_yaml_document(const char *text, size_t len, const char *file,
                                       npu_err *err);

#endif /* MESH_YAMLDOC_H */
