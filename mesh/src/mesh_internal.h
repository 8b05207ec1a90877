/*
 * mesh_internal: helpers shared by the mesh module's files (not a public header).
 *
 * A growable string buffer used by the YAML/JSON emitters and the text renderer, and a
 * small builder that appends NP slots to a mesh_desc while it is being assembled by a
 * preset, the generator or the YAML reader. After building, mesh_finish() sorts the
 * slots by (col, row, id) and runs mesh_validate().
 */
#ifndef MESH_INTERNAL_H
#define MESH_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "mesh/mesh.h"

#define MESH_EXTERNAL_MEMORY_DEFAULT (256ull << 20) /* 256 MiB, documented default */
#define MESH_V1_INPUT_SRAM 43008u                   /* v1 input SRAM per NP, bytes */
#define MESH_V1_WEIGHT_SRAM 44800u                  /* v1 weight SRAM per NP, bytes */
#define MESH_V2_INPUT_SRAM 65536u                   /* v2 input SRAM per NP, bytes */
#define MESH_V2_WEIGHT_SRAM 51200u                  /* v2 weight SRAM per NP, bytes */

typedef struct mesh_sb {
    char *buf;  /* NUL-terminated text, malloc'd */
    size_t len; /* characters used (excluding the NUL) */
    size_t cap; /* bytes allocated */
    bool oom;   /* an allocation failed; buf is then freed and further appends ignored */
} mesh_sb;

void mesh_sb_init(mesh_sb *sb);
void mesh_sb_printf(mesh_sb *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s as a double-quoted JSON/YAML string with escapes. */
void mesh_sb_quoted(mesh_sb *sb, const char *s);
/* Returns the text (caller frees) or NULL on out of memory. */
char *mesh_sb_take(mesh_sb *sb);

typedef struct mesh_builder {
    mesh_desc *m; /* mesh being built; m->nps grows */
    size_t cap;   /* capacity of m->nps */
} mesh_builder;

/* Zeroes *m and starts a builder on it. */
void mesh_builder_init(mesh_builder *b, mesh_desc *m);
/* Appends one slot; NPU_ERR_INTERNAL on out of memory, NPU_ERR_INPUT past MESH_MAX_NPS. */
npu_status mesh_builder_add(mesh_builder *b, uint8_t col, uint8_t row, uint8_t id, uint32_t types,
                            npu_err *err);
/* Sorts the slots and validates the mesh (where names it in messages); frees it on failure. */
npu_status mesh_finish(mesh_desc *m, const char *where, npu_err *err);
/* Orders idents by (col, row, id); returns <0, 0, >0. */
int mesh_ident_cmp(mesh_ident a, mesh_ident b);
/* Copies src into m->name, truncated to fit. */
void mesh_set_name(mesh_desc *m, const char *src);
/* Default descriptor fields of an IP version (SRAM sizes, external memory, skip DMA). */
void mesh_set_version_defaults(mesh_desc *m, int ip_version);

#endif /* MESH_INTERNAL_H */
