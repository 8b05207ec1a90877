/*
 * cmp_map: the result of mapping a model onto a mesh (like the vendor's Model.map()).
 *
 * A mapped model is a list of sequences (HW/<first>-<last>, SW/<first>-<last>), each with a
 * backend and, for hardware sequences, passes; every hardware layer carries its NP mappings
 * (ident, type, filters, single_buffer) plus the slice of filters and input columns that NP
 * computes. The mapping algorithm is documented in docs/mapping.md.
 */
#ifndef CMP_MAP_H
#define CMP_MAP_H

#include <stdbool.h>
#include <stdint.h>

#include "mesh/mesh.h"
#include "npu/npu_err.h"
#include "npu/npu_model.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum cmp_backend {
    CMP_BACKEND_SOFTWARE = 0, /* runs on the host CPU */
    CMP_BACKEND_HARDWARE = 1, /* runs on the device */
    CMP_BACKEND_HYBRID = 2,   /* device with host intervention */
} cmp_backend;

typedef enum cmp_map_mode {
    CMP_MAP_MINIMAL = 0, /* fewest NPs */
    CMP_MAP_ALLNPS = 1,  /* most NPs with fewest passes (default) */
    CMP_MAP_HWPR = 2,    /* more NPs per layer over more passes */
} cmp_map_mode;

/* One NP's share of a layer. */
typedef struct cmp_np_map {
    mesh_ident ident;      /* NP position */
    mesh_np_type type;     /* type the slot acts as for this layer */
    uint32_t filters;      /* number of the layer's filters this NP computes */
    uint32_t filter_first; /* first filter index of its slice */
    uint32_t col_first;    /* first input column (x) of its spatial slice */
    uint32_t col_count;    /* number of input columns of its slice */
    bool single_buffer;    /* single (true) or dual input buffer */
} cmp_np_map;

typedef struct cmp_layer_map {
    uint32_t layer;          /* index of the layer in the model */
    uint32_t pass;           /* pass index within the sequence */
    uint32_t n_nps;          /* number of NP mappings (0 for software layers) */
    cmp_np_map *nps;         /* owned array */
    uint64_t external_bytes; /* external memory used (FNP2 weights) */
} cmp_layer_map;

typedef struct cmp_sequence {
    char name[160];              /* "HW/conv_0-classifier" or "SW/..." */
    cmp_backend backend;         /* Software, Hardware or Hybrid */
    uint32_t first;              /* first layer index */
    uint32_t last;               /* last layer index (inclusive) */
    uint32_t n_passes;           /* passes (hardware sequences; 0 for software) */
    uint32_t n_layers;           /* number of layer maps */
    cmp_layer_map *layers;       /* owned array, one per layer first..last */
    uint64_t program_bytes;      /* size of the encoded program of this sequence */
    uint32_t max_filters_per_np; /* filters-per-NP limit chosen by the map mode (0 = none) */
} cmp_sequence;

typedef struct cmp_mapped {
    uint32_t n_sequences;    /* number of sequences */
    cmp_sequence *sequences; /* owned array */
    cmp_map_mode mode;       /* map mode used */
    bool hw_only;            /* single hardware sequence was required */
    uint32_t total_nps;      /* NPs used, HRC excluded (as published figures count) */
    uint32_t total_passes;   /* passes over all hardware sequences */
    uint64_t program_bytes;  /* total program bytes */
    uint64_t external_bytes; /* total external memory bytes */
    bool program_estimated;  /* program_bytes is the mapper's estimate, not the encoder's */
} cmp_mapped;

void cmp_mapped_free(cmp_mapped *mm);

#ifdef __cplusplus
}
#endif

#endif /* CMP_MAP_H */
