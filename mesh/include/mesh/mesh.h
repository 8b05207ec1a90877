/*
 * mesh: description of an Akida-class device mesh (nodes, NP slots, DMA endpoints, memories).
 *
 * A mesh is a grid of node positions (col, row, 1-based as the vendor numbers them); each
 * node has 4 NP slots (ids 0-3), each slot lists the NP types it can act as. Meshes come
 * from YAML files (docs/mesh-format.md), built-in presets (akd1000, akd1500, twonodes,
 * sixnodes-v2) or the generator "gen:cnp=N,fnp=M[,v2][,no-hrc]". Timing and energy
 * parameters live in the calibration files of the core model, not here.
 */
#ifndef MESH_H
#define MESH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "npu/npu_err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* NP types; a slot's capabilities are a bit mask of (1u << type). */
typedef enum mesh_np_type {
    MESH_NP_HRC = 0, /* high-resolution convolution (dense 8-bit input layer) */
    MESH_NP_CNP1,    /* convolutional NP type 1 */
    MESH_NP_CNP2,    /* convolutional NP type 2 */
    MESH_NP_FNP2,    /* fully connected, weights in external memory */
    MESH_NP_FNP3,    /* fully connected, weights in internal SRAM */
    MESH_NP_TNP_B,   /* v2 temporal conv */
    MESH_NP_TYPE_COUNT
} mesh_np_type;

typedef struct mesh_ident {
    uint8_t col; /* node column, 1-based */
    uint8_t row; /* node row, 1-based */
    uint8_t id;  /* slot id within the node, 0..3 */
} mesh_ident;

typedef struct mesh_np {
    mesh_ident ident; /* position */
    uint32_t types;   /* bit mask of mesh_np_type this slot can act as */
} mesh_np;

typedef struct mesh_desc {
    char name[64];            /* preset or file name */
    int ip_version;           /* 1 or 2 */
    uint32_t cols, rows;      /* grid size (node positions) */
    uint32_t n_nps;           /* number of NP slots (HRC not included) */
    mesh_np *nps;             /* owned array of n_nps slots, sorted by (col, row, id) */
    bool has_hrc;             /* an HRC (input conv layer engine) exists */
    mesh_ident hrc;           /* HRC position (a DMA-side slot) when has_hrc */
    mesh_ident dma_conf;      /* configuration DMA endpoint */
    mesh_ident dma_event;     /* event DMA endpoint */
    uint32_t skip_dma;        /* v2 skip-DMA channels (0 on v1) */
    uint32_t input_sram;      /* bytes of input SRAM per NP */
    uint32_t weight_sram;     /* bytes of weight SRAM per NP */
    bool partial_reconfig;    /* hardware partial reconfiguration (multi-pass) supported */
    uint32_t clock_mhz;       /* nominal clock (Performance mode), MHz */
    uint64_t external_memory; /* bytes of external memory (FNP2 weights) */
} mesh_desc;

/* Parses a MESH argument: a preset name, a "gen:..." spec, or a YAML file path. */
npu_status mesh_load(const char *spec, mesh_desc *out, npu_err *err);
void mesh_free(mesh_desc *m);
/* Name of a type ("CNP1"), and parse of a name; false when unknown. */
const char *mesh_np_type_name(mesh_np_type t);
bool mesh_np_type_from_name(const char *name, mesh_np_type *out);
/* Number of slots that can act as type t. */
uint32_t mesh_count_type(const mesh_desc *m, mesh_np_type t);

/* ---- additions by the mesh module (H6) ---- */

#define MESH_SLOTS_PER_NODE 4u /* NP slots (ids 0..3) per node position */
#define MESH_MAX_NPS 4096u     /* upper bound on NP slots in a mesh */
#define MESH_MAX_GRID 255u     /* upper bound on cols and rows */
#define MESH_TYPE_BIT(t) (1u << (unsigned)(t))

/* Built-in presets by name (case-insensitive): akd1000, akd1500, twonodes, sixnodes-v2. */
npu_status mesh_preset(const char *name, mesh_desc *out, npu_err *err);
/* Number of presets and the i-th preset's name (NULL past the end). */
size_t mesh_preset_count(void);
const char *mesh_preset_name(size_t i);
/* Generator; params is the text after "gen:" ("cnp=N,fnp=M[,v1|v2][,no-hrc]"). */
npu_status mesh_generate(const char *params, mesh_desc *out, npu_err *err);
/* YAML mesh file (docs/mesh-format.md) from a path, or from text (filename names it in errors). */
npu_status mesh_load_yaml(const char *path, mesh_desc *out, npu_err *err);
npu_status mesh_parse_yaml(const char *text, size_t len, const char *filename, mesh_desc *out,
                           npu_err *err);
/* Checks the invariants of a mesh (grid bounds, ids, types, DMA endpoints, SRAM, version);
 * `where` (file or preset name) prefixes the message. nps must be sorted. */
npu_status mesh_validate(const mesh_desc *m, const char *where, npu_err *err);
/* The slot at ident, or NULL. */
const mesh_np *mesh_find(const mesh_desc *m, mesh_ident ident);
/* Compact code of a type for drawings ("C1", "F3", "TB", "H"). */
const char *mesh_np_type_code(mesh_np_type t);

/* Serialisations; each returns a malloc'd NUL-terminated string (free()), NULL when out of memory.
 * mesh_to_yaml emits the YAML format that mesh_parse_yaml reads back to an equal mesh. */
char *mesh_to_yaml(const mesh_desc *m);
char *mesh_to_json(const mesh_desc *m);
/* The grid drawn as text (rows x cols, each slot's type codes, DMA endpoints), then a line
 * "totals: N NPs (+HRC), CNP1 a, CNP2 b, FNP2 c, FNP3 d, TNP_B e". */
char *mesh_render_text(const mesh_desc *m);
/* Writes mesh_to_yaml(m) to path (temp file + rename). */
npu_status mesh_save_yaml(const mesh_desc *m, const char *path, npu_err *err);

#ifdef __cplusplus
}
#endif

#endif /* MESH_H */
