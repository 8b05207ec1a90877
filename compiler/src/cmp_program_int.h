/*
 * cmp_program_int: the in-memory form of a program shared by the builder, the encoder and
 * the strict decoder (compiler/src/cmp_program*.c). Internal to compiler/.
 *
 * Invariants: tracks are stored in pass order (pass i owns tracks first_track ..
 * first_track + n_tracks - 1); a track's payload is words[first_word .. + n_words); the
 * external image size is a multiple of 4. The track section of the encoded program holds
 * 2 * n_tracks + n_words words.
 */
#ifndef CMP_PROGRAM_INT_H
#define CMP_PROGRAM_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmp/cmp_program.h"
#include "npu_regmap.h"

struct cmp_program {
    cmp_prog_info info;           /* header */
    uint32_t n_sequences;         /* sequence table entries */
    cmp_prog_sequence *sequences; /* owned */
    uint32_t n_passes;            /* pass table entries */
    cmp_prog_pass *passes;        /* owned */
    uint32_t n_tracks;            /* tracks over all passes */
    uint32_t cap_tracks;          /* allocated tracks */
    cmp_prog_track *tracks;       /* owned */
    size_t n_words;               /* payload words over all tracks */
    size_t cap_words;             /* allocated words */
    uint32_t *words;              /* owned payload store */
    size_t n_ext;                 /* external image bytes (multiple of 4) */
    size_t cap_ext;               /* allocated bytes */
    uint8_t *ext;                 /* owned external image */
};

/* Track header word 0: col[7:0] row[15:8] id[19:16] type[23:20] kind[27:24] region[31:28];
 * word 1: offset[15:0] count[31:16]. */
static inline uint32_t cmp_track_w0(const cmp_prog_track *t) {
    return (uint32_t)t->ident.col | ((uint32_t)t->ident.row << 8) |
           ((uint32_t)(t->ident.id & 0xfu) << 16) | (((uint32_t)t->type & 0xfu) << 20) |
           (((uint32_t)t->kind & 0xfu) << 24) | ((t->region & 0xfu) << 28);
}
static inline uint32_t cmp_track_w1(const cmp_prog_track *t) {
    return (t->offset & 0xffffu) | ((t->n_words & 0xffffu) << 16);
}

/* The register-map type a mesh NP type acts as; false for types the map does not describe. */
bool cmp_rm_type_of(mesh_np_type t, uint32_t *rm_type);

/* Appends a track and copies its payload. */
npu_status cmp_prog_add_track(cmp_program *p, mesh_ident ident, mesh_np_type type,
                              cmp_track_kind kind, uint32_t region, uint32_t offset,
                              const uint32_t *words, size_t n_words, npu_err *err);
/* Appends n 32-bit words to the external image; *addr receives their byte address. */
npu_status cmp_prog_add_ext(cmp_program *p, const uint32_t *words, size_t n, uint32_t *addr,
                            npu_err *err);

/* One DEST_* entry of an NP's routing table (cmp_program_dest.c). */
typedef struct cmp_dest {
    mesh_ident node;    /* destination node (id unused) or the event DMA endpoint */
    uint32_t slots;     /* NP entries: receiving slot ids of the node (bit i = id i); DMA: 0 */
    bool dma;           /* the event DMA endpoint */
    uint32_t col_first; /* DEST_COLS: first output column sent (receivers' input slice) */
    uint32_t col_count; /* DEST_COLS: output columns sent */
} cmp_dest;

/* The DEST_* entries of NP np of layer li mapped in pass `pass` of hardware sequence seq
 * (rule: docs/mapping.md "Destinations"). Stores at most cap entries in out and returns the
 * number of entries the table needs; a result above cap means the table does not fit (only
 * "> cap" is then exact, not the value). When the table overflows cap and consumer is not
 * NULL, *consumer receives the consumer layer whose NPs overflowed it. */
uint32_t cmp_np_dests(const npu_model *m, const cmp_sequence *seq, uint32_t pass, uint32_t li,
                      const cmp_np_map *np, mesh_ident dma_ident, cmp_dest *out, uint32_t cap,
                      uint32_t *consumer);

/* Byte offsets of the encoded header, sequence entries and pass entries (little-endian). */
enum {
    CMP_H_MAGIC = 0,         /* "AKSP" */
    CMP_H_VERSION = 4,       /* u16 format version */
    CMP_H_HEADER_BYTES = 6,  /* u16 header size (128) */
    CMP_H_IP = 8,            /* u8 IP version */
    CMP_H_IN_BITS = 9,       /* u8 input bits */
    CMP_H_IN_SIGNED = 10,    /* u8 0/1 */
    CMP_H_OUT_DTYPE = 11,    /* u8 cmp_out_dtype */
    CMP_H_DEVICE = 12,       /* char[64] */
    CMP_H_IN_X = 76,         /* u32 x3 */
    CMP_H_OUT_X = 88,        /* u32 x3 */
    CMP_H_N_LAYERS = 100,    /* u32 */
    CMP_H_N_SEQUENCES = 104, /* u32 */
    CMP_H_N_PASSES = 108,    /* u32 */
    CMP_H_N_TRACKS = 112,    /* u32 */
    CMP_H_TRACK_WORDS = 116, /* u32 */
    CMP_H_EXT_BYTES = 120,   /* u32 */
    CMP_H_TOTAL_BYTES = 124, /* u32 */
    CMP_S_NAME = 0,          /* char[160] */
    CMP_S_BACKEND = 160,     /* u32 */
    CMP_S_FIRST_LAYER = 164, /* u32 */
    CMP_S_LAST_LAYER = 168,  /* u32 */
    CMP_S_FIRST_PASS = 172,  /* u32 */
    CMP_S_N_PASSES = 176,    /* u32 */
    CMP_P_SEQUENCE = 0,      /* u32 */
    CMP_P_FIRST_TRACK = 4,   /* u32 */
    CMP_P_N_TRACKS = 8,      /* u32 */
};

static inline void cmp_put_u16(uint8_t *b, uint32_t v) {
    b[0] = (uint8_t)v;
    b[1] = (uint8_t)(v >> 8);
}
static inline void cmp_put_u32(uint8_t *b, uint32_t v) {
    b[0] = (uint8_t)v;
    b[1] = (uint8_t)(v >> 8);
    b[2] = (uint8_t)(v >> 16);
    b[3] = (uint8_t)(v >> 24);
}
static inline uint32_t cmp_get_u16(const uint8_t *b) {
    return (uint32_t)b[0] | ((uint32_t)b[1] << 8);
}
static inline uint32_t cmp_get_u32(const uint8_t *b) {
    return (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24);
}

#endif /* CMP_PROGRAM_INT_H */
