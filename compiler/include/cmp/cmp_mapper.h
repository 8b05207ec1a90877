/*
 * cmp_mapper: maps a finalized model onto a mesh, like the vendor's Model.map(device, hw_only,
 * mode). The result structures are in cmp_map.h; the algorithm is in docs/mapping.md.
 *
 * Steps: (1) each layer gets a hardware "need" (HRC, CNP, FNP, no NP, or software with the
 * reason): spatial column slices from the per-NP column limit and the input SRAM, the maximum
 * filters per NP from the weight SRAM, FNP3 versus FNP2 from the FNP weight size; (2) runs of
 * hardware layers become hardware sequences, split into passes (meshes with partial
 * reconfiguration) or into several sequences (otherwise; hw_only then fails); (3) the map mode
 * chooses one maximum filters-per-NP value per sequence by binary search; (4) NPs are assigned
 * to mesh slots pass by pass (FNPs first, then CNPs in slot order).
 */
#ifndef CMP_MAPPER_H
#define CMP_MAPPER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cmp/cmp_map.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a layer needs from the hardware. */
typedef enum cmp_need_kind {
    CMP_NEED_SOFTWARE = 0, /* cannot run on this mesh: runs on the host (reason in `why`) */
    CMP_NEED_NONE = 1,     /* hardware layer that uses no NP (InputData, v2 skip Add/Concat) */
    CMP_NEED_HRC = 2,      /* the HRC (InputConvolutional, InputConv2D) */
    CMP_NEED_CNP = 3,      /* CNPs, split by columns and filters */
    CMP_NEED_FNP = 4,      /* one FNP (FNP3 or FNP2) */
} cmp_need_kind;

/* Per-NP memory geometry derived from a mesh (docs/mapping.md, "memories"). */
typedef struct cmp_np_memory {
    uint64_t input_bits;   /* input SRAM per NP, bits */
    uint64_t weight_words; /* weight SRAM words of 50 bits */
    uint64_t kernel_words; /* words available to kernels (the rest holds per-filter params) */
    uint32_t word_bits;    /* usable bits per weight word (48) */
    uint32_t col_limit;    /* columns an NP handles (32 on v1, 64 on v2) */
} cmp_np_memory;

typedef struct cmp_layer_need {
    cmp_need_kind kind;      /* what the layer needs */
    char why[256];           /* software layers: the reason (rule and value) */
    uint32_t filters;        /* CNP: filters (channels for depthwise) to distribute */
    uint32_t width;          /* CNP: input columns (x) */
    uint32_t slices;         /* CNP: column slices */
    uint32_t slice_cols;     /* CNP: columns per slice (last one may be narrower) */
    bool single_buffer;      /* CNP: a slice needs more than half the input SRAM */
    uint32_t filter_words;   /* CNP: weight words of one filter */
    uint32_t cap_filters;    /* CNP: max filters one NP's weight SRAM holds */
    bool fnp_external;       /* FNP: weights exceed the internal SRAM (FNP2) */
    uint64_t fnp_words;      /* FNP: internal weight words the layer would need */
    uint64_t external_bytes; /* FNP2: external memory bytes of the weights */
} cmp_layer_need;

/* Memory geometry of a mesh's NPs. */
cmp_np_memory cmp_np_memory_of(const mesh_desc *mesh);

/* Computes the need of layer i of a finalized model on a mesh (constraints included). */
npu_status cmp_layer_need_of(const npu_model *m, uint32_t i, const mesh_desc *mesh,
                             cmp_layer_need *out, npu_err *err);

/* NPs a CNP need takes with at most fpn filters per NP (fpn 0 = unlimited): slices x
 * ceil(filters / min(fpn, cap_filters)). 1 for HRC and FNP needs, 0 otherwise. */
uint32_t cmp_need_nps(const cmp_layer_need *need, uint32_t fpn);

/* Maps a finalized model onto a mesh. hw_only: one hardware sequence or NPU_ERR_INPUT naming
 * the first layer that prevents it and why. On success *out is filled (free it with
 * cmp_mapped_free); on failure *out is left empty. */
npu_status cmp_map(const npu_model *m, const mesh_desc *mesh, bool hw_only, cmp_map_mode mode,
                   cmp_mapped *out, npu_err *err);

/* "minimal", "allnps", "hwpr" (case-insensitive parse; false when unknown). */
const char *cmp_map_mode_name(cmp_map_mode mode);
bool cmp_map_mode_from_name(const char *name, cmp_map_mode *out);
/* "Software", "Hardware", "Hybrid". */
const char *cmp_backend_name(cmp_backend b);

/* Number of NP mappings of the mapped model that are not the HRC. */
uint32_t cmp_mapped_count_nps(const cmp_mapped *mm);
/* The layer map of model layer `layer`, or NULL. */
const cmp_layer_map *cmp_mapped_layer(const cmp_mapped *mm, uint32_t layer);

/* Prints the vendor-style mapped summary (sequences with backend and program size; per
 * layer: output shape, kernel shape, NPs; totals) of a mapping of model m on mesh. */
void cmp_mapped_print_text(FILE *f, const npu_model *m, const mesh_desc *mesh,
                           const cmp_mapped *mm);
/* Prints the same as JSON with each layer's NP mapping list (schema: docs/mapping.md). */
void cmp_mapped_print_json(FILE *f, const npu_model *m, const mesh_desc *mesh,
                           const cmp_mapped *mm);

#ifdef __cplusplus
}
#endif

#endif /* CMP_MAPPER_H */
