/*
 * mesh_yamldoc: YAML text -> libfyaml document, with one clear message on a syntax error.
 *
 * The YAML readers of the project (mesh descriptions, calibration files, scenarios) share it:
 * libfyaml's own diagnostics are silenced and collected, and the first one becomes the
 * error "FILE:LINE:COLUMN: malformed YAML: WHAT" (NPU_ERR_INPUT). JSON is not accepted as a
 * flow-only document (FYPCF_JSON_NONE): these files are YAML. YAML directives (a line
 * starting with '%') are refused: the formats have none, and libfyaml 0.8 can hang on
 * malformed ones.
 */
#ifndef MESH_YAMLDOC_H
#define MESH_YAMLDOC_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "npu/npu_err.h"

struct fy_document;
struct fy_node;

/* Parses len bytes of text (file names it in messages). Returns the document (the caller
 * frees it with fy_document_destroy) or NULL with err set: NPU_ERR_INPUT for malformed or
 * empty YAML, NPU_ERR_INTERNAL when libfyaml cannot allocate its diagnostics. */
struct fy_document *mesh_yaml_document(const char *text, size_t len, const char *file,
                                       npu_err *err);

/* 1-based line of a scalar node, 0 when unknown (libfyaml marks scalar tokens only). */
int mesh_yaml_line(struct fy_node *n);
/* The node to blame for a bad value: the value v when it is a scalar, else its key k. */
struct fy_node *mesh_yaml_blame(struct fy_node *v, struct fy_node *k);
/* Copies a plain (non-alias) scalar's text into buf (n bytes with the NUL); false when v is
 * not a scalar or its text does not fit. */
bool mesh_yaml_text(struct fy_node *v, char *buf, size_t n);
/* Sets err to NPU_ERR_INPUT "FILE:LINE: MESSAGE" (line of node at; "FILE: MESSAGE" when
 * unknown) from fmt and ap; returns NPU_ERR_INPUT. */
npu_status mesh_yaml_vfail(npu_err *err, const char *file, struct fy_node *at, const char *fmt,
                           va_list ap) __attribute__((format(printf, 4, 0)));

#endif /* MESH_YAMLDOC_H */
