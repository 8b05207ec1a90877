/*
 * mesh_calib_internal: the calibration field table and the embedded calibration files,
 * shared by mesh_calib.c (defaults, set, validation) and mesh_calib_yaml.c (reading and
 * writing). Not a public header.
 *
 * Every numeric field of mesh_calib is one row of the table: its dotted name (the YAML path
 * and the --calib-set name), where it lives in the struct, its type, its plausibility rule,
 * its unit and a one-line meaning. Reading, writing, overriding and validation all walk the
 * table, so adding a parameter is one row (plus the shipped YAML files and the doc table).
 */
#ifndef MESH_CALIB_INTERNAL_H
#define MESH_CALIB_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "mesh/mesh_calib.h"

#define MESH_CALIB_MAX_FIELDS 96    /* upper bound on table rows (static arrays per row) */
#define MESH_CALIB_NAME_MAX 64      /* longest dotted field name, with the NUL */
#define MESH_CALIB_FORMAT_VERSION 1 /* value of the optional top-level `version:` key */

typedef enum mesh_calib_kind {
    MESH_CK_F64, /* double */
    MESH_CK_U32, /* uint32_t */
    MESH_CK_U64, /* uint64_t */
} mesh_calib_kind;

typedef enum mesh_calib_rule {
    MESH_CR_NONNEG, /* finite and >= 0 */
    MESH_CR_POS,    /* finite and > 0 (integers: >= 1) */
} mesh_calib_rule;

typedef struct mesh_calib_field {
    const char *name;     /* dotted name, e.g. "np.cnp_event_cycles.3" */
    size_t offset;        /* offset of the value inside mesh_calib */
    mesh_calib_kind kind; /* storage type */
    mesh_calib_rule rule; /* plausibility rule checked by validation */
    const char *unit;     /* unit text for comments and docs */
} mesh_calib_field;

typedef struct mesh_calib_blob {
    const char *name; /* set name = file base name, e.g. "akd1000" */
    const char *text; /* NUL-terminated YAML text */
    size_t len;       /* bytes of text, without the NUL */
} mesh_calib_blob;

/* The embedded mesh/calib YAML files (generated at build time, mesh_calib_data.c). */
extern const mesh_calib_blob mesh_calib_blobs[];
extern const size_t mesh_calib_blob_count;

/* The field table. */
const mesh_calib_field *mesh_calib_fields(size_t *count);
/* Index of the field with this exact dotted name, or -1. */
int mesh_calib_field_find(const char *name);
/* True when some field name starts with prefix followed by '.' (a YAML mapping). */
bool mesh_calib_field_is_group(const char *prefix);
/* Writes into buf the dotted name closest to `path` (or whose last segment is closest to
 * `key`); false when nothing is close enough to suggest. */
bool mesh_calib_suggest(const char *path, const char *key, char *buf, size_t n);

/* Value of a field as a double, and store of a double (integers must be integral and in
 * range: the caller checks with mesh_calib_value_fits). */
double mesh_calib_value(const mesh_calib *c, const mesh_calib_field *f);
bool mesh_calib_value_fits(const mesh_calib_field *f, double v);
void mesh_calib_store(mesh_calib *c, const mesh_calib_field *f, double v);
/* Parses a value for field f (integers exactly, up to UINT64_MAX); false with a reason
 * in why when malformed or out of the type's range. */
bool mesh_calib_parse_value(const mesh_calib_field *f, const char *text, mesh_calib *c, char *why,
                            size_t n);

/* Validation naming `where` (file or set name); lines[i] (may be NULL, 0 = unknown) is the
 * 1-based line where field i was read, for messages. */
npu_status mesh_calib_validate_at(const mesh_calib *c, const char *where, const int *lines,
                                  npu_err *err);
/* Checks one field's own rule (no cross-field ordering). */
npu_status mesh_calib_check_field(const mesh_calib *c, const mesh_calib_field *f, const char *where,
                                  int line, npu_err *err);

/* Canonicalises a clock-mode segment of a dotted name in place ("clock.lowpower.freq_mhz" ->
 * "clock.LowPower.freq_mhz"); false when the segment names no mode. Names not under "clock."
 * are left as they are (true). */
bool mesh_calib_canonical_name(char *name, size_t n);

#endif /* MESH_CALIB_INTERNAL_H */
