/*
 * cmp_program: the binary, versioned, self-contained program of a mapped model.
 *
 * A program is what the host hands a device: a header (magic "AKSP", format version, IP
 * version, device name, input and output dims and types), a sequence table, a pass table
 * and, per pass, a list of configuration tracks. A track is exactly what the configuration
 * DMA writes to one NP: a 2-word header (destination ident + NP type, register block or SRAM
 * region, start word, word count) followed by 32-bit payload words laid out by the generated
 * register map (npu_regmap.h, docs/register-map.md). FNP2 weights live in an external-memory
 * image section whose byte address is written in the NP's EXT_ADDR register. A CRC-32 closes
 * the file. The program holds every weight and activation parameter of the hardware layers,
 * so running it needs no model file. Byte layout: docs/program-format.md.
 *
 * cmp_program_build() creates a program from a finalized model and a mapping;
 * cmp_program_encode() serialises it; cmp_program_decode() is a strict, bounds-checked
 * decoder (never crashes, never allocates more than the input size justifies) returning the
 * same in-memory form. Accessors let the core model iterate passes -> tracks -> words.
 */
#ifndef CMP_PROGRAM_H
#define CMP_PROGRAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmp/cmp_map.h"
#include "mesh/mesh.h"
#include "npu/npu_err.h"
#include "npu/npu_model.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CMP_PROGRAM_MAGIC "AKSP"            /* first 4 bytes of every program */
#define CMP_PROGRAM_FORMAT_VERSION 2u       /* format version this akisim writes and reads */
#define CMP_PROGRAM_HEADER_BYTES 128u       /* fixed header size */
#define CMP_PROGRAM_SEQUENCE_BYTES 180u     /* one sequence-table entry */
#define CMP_PROGRAM_PASS_BYTES 12u          /* one pass-table entry */
#define CMP_PROGRAM_DEVICE_MAX 64u          /* device name field, NUL-padded */
#define CMP_PROGRAM_SEQ_NAME_MAX 160u       /* sequence name field, NUL-padded */
#define CMP_PROGRAM_TRACK_MAX_WORDS 0xffffu /* payload words of one track */

/* Output element type of the model (host side). */
typedef enum cmp_out_dtype {
    CMP_OUT_UINT8 = 0, /* last layer has an unsigned activation */
    CMP_OUT_INT8 = 1,  /* last layer has a signed activation */
    CMP_OUT_INT32 = 2, /* potentials */
} cmp_out_dtype;

/* What a track writes. */
typedef enum cmp_track_kind {
    CMP_TRACK_REGISTERS = 0, /* the NP's register block */
    CMP_TRACK_SRAM = 1,      /* an SRAM region (npu_rm_region) */
} cmp_track_kind;

/* Program header. */
typedef struct cmp_prog_info {
    uint32_t format_version;             /* CMP_PROGRAM_FORMAT_VERSION */
    uint32_t ip_version;                 /* 1 or 2 */
    char device[CMP_PROGRAM_DEVICE_MAX]; /* mesh (device) name, NUL-terminated */
    npu_shape in_shape;                  /* model input dims */
    uint32_t in_bits;                    /* input value bits (1, 2, 4, 8) */
    bool in_signed;                      /* inputs are int8 */
    npu_shape out_shape;                 /* model output dims */
    cmp_out_dtype out_dtype;             /* model output type */
    uint32_t n_layers;                   /* layers of the model the program was built from */
} cmp_prog_info;

typedef struct cmp_prog_sequence {
    char name[CMP_PROGRAM_SEQ_NAME_MAX]; /* "HW/first-last", NUL-terminated */
    cmp_backend backend;                 /* Software, Hardware or Hybrid */
    uint32_t first_layer;                /* first model layer index */
    uint32_t last_layer;                 /* last model layer index (inclusive) */
    uint32_t first_pass;                 /* index of its first pass in the pass table */
    uint32_t n_passes;                   /* passes (0 for software sequences) */
} cmp_prog_sequence;

typedef struct cmp_prog_pass {
    uint32_t sequence;    /* owning sequence index */
    uint32_t first_track; /* index of its first track in the track list */
    uint32_t n_tracks;    /* tracks of the pass */
} cmp_prog_pass;

/* One configuration track (header decoded). */
typedef struct cmp_prog_track {
    mesh_ident ident;    /* destination NP */
    mesh_np_type type;   /* mesh type the NP acts as */
    uint32_t rm_type;    /* npu_rm_type of the register map */
    cmp_track_kind kind; /* registers or SRAM */
    uint32_t region;     /* npu_rm_region (SRAM tracks; 0 for registers) */
    uint32_t offset;     /* first word written (register offset or SRAM word) */
    uint32_t n_words;    /* payload words (>= 1) */
    size_t first_word;   /* index of the payload in the program's word store */
} cmp_prog_track;

typedef struct cmp_program cmp_program; /* opaque */

/* Builds the program of a mapping. model: finalized; mm: its mapping on mesh. Every
 * hardware layer's NPs get a register track and their SRAM tracks (weights, thresholds or
 * scales, input shifts); FNP2 weights go to the external image. Fails with NPU_ERR_INPUT
 * naming the layer / NP / field when something cannot be encoded (value beyond its field,
 * unsupported layer or NP type, a routing table beyond the register map's DEST entries —
 * which cmp_map already refuses). */
npu_status cmp_program_build(const npu_model *model, const cmp_mapped *mm, const mesh_desc *mesh,
                             cmp_program **out, npu_err *err);
void cmp_program_free(cmp_program *p);
/* Builds the program of mm and replaces the mapper's size estimates with encoded sizes, the
 * one computation `akisim map` and `akisim summary --mesh` share: mm->program_bytes = the
 * encoded size of the whole program; each hardware sequence's program_bytes = the encoded
 * size of a program holding that sequence alone (the vendor's per-sequence program);
 * program_estimated = false. All or nothing: on failure the estimates stay and the build
 * error is returned. When out is not NULL it receives the whole program (caller frees). */
npu_status cmp_program_measure(const npu_model *model, cmp_mapped *mm, const mesh_desc *mesh,
                               cmp_program **out, npu_err *err);

/* Encoded size in bytes. */
size_t cmp_program_encoded_size(const cmp_program *p);
/* Serialises p into a malloc'd buffer (*bytes, *n_bytes). */
npu_status cmp_program_encode(const cmp_program *p, uint8_t **bytes, size_t *n_bytes, npu_err *err);
/* Writes the encoded program to path atomically (temporary file + rename). */
npu_status cmp_program_write(const cmp_program *p, const char *path, npu_err *err);

/* What the decoder must find; zero / NULL fields accept anything. */
typedef struct cmp_program_expect {
    uint32_t ip_version; /* 1 or 2; 0 = any */
    const char *device;  /* device name; NULL = any */
} cmp_program_expect;

/* Strict decode of n bytes. expect may be NULL. Rejects (NPU_ERR_INPUT, one message) bad
 * magic, foreign format version, truncated or oversized input, bad checksum, IP or device
 * mismatch, counts beyond the buffer, malformed tables, unknown NP types or regions,
 * register offsets out of range, overlapping writes, reserved bits set. */
npu_status cmp_program_decode(const uint8_t *bytes, size_t n, const cmp_program_expect *expect,
                              cmp_program **out, npu_err *err);
/* Reads and decodes a program file (messages prefixed with the path). */
npu_status cmp_program_read(const char *path, const cmp_program_expect *expect, cmp_program **out,
                            npu_err *err);

/* ---- accessors (valid until cmp_program_free) */
const cmp_prog_info *cmp_program_info(const cmp_program *p);
uint32_t cmp_program_sequence_count(const cmp_program *p);
const cmp_prog_sequence *cmp_program_sequence(const cmp_program *p, uint32_t i);
uint32_t cmp_program_pass_count(const cmp_program *p);
const cmp_prog_pass *cmp_program_pass(const cmp_program *p, uint32_t i);
uint32_t cmp_program_track_count(const cmp_program *p);
/* Track k of pass `pass` (k < n_tracks), or NULL. */
const cmp_prog_track *cmp_program_track(const cmp_program *p, uint32_t pass, uint32_t k);
/* Payload words of a track of p. */
const uint32_t *cmp_program_track_words(const cmp_program *p, const cmp_prog_track *t);
/* Register `offset` of NP `ident` in pass `pass`; false when the pass writes no such word. */
bool cmp_program_reg(const cmp_program *p, uint32_t pass, mesh_ident ident, uint32_t offset,
                     uint32_t *value);
/* Words of SRAM region `region` of NP `ident` in pass `pass` (the track starting at word 0);
 * NULL when absent. */
const uint32_t *cmp_program_sram(const cmp_program *p, uint32_t pass, mesh_ident ident,
                                 uint32_t region, size_t *n_words);
/* The external-memory image (FNP2 weights). */
const uint8_t *cmp_program_ext(const cmp_program *p, size_t *n_bytes);
/* The packed weight words of an NP: its WEIGHTS region, or for FNP2 (EXT_WORDS > 0) its
 * slice of the external image (*n_words words, little-endian, copied into *words which the
 * caller frees). NPU_ERR_INPUT when the NP has no weights in that pass. */
npu_status cmp_program_np_weight_words(const cmp_program *p, uint32_t pass, mesh_ident ident,
                                       uint32_t **words, size_t *n_words, npu_err *err);

/* Unpacks `count` b-bit weights (b = 1, 2, 4, 8; two's complement except b = 1, which is
 * unsigned {0,1}) from words[] as docs/register-map.md WEIGHTS describes, starting at
 * element `first`. NPU_ERR_INPUT when the words do not hold them. */
npu_status cmp_weights_unpack(const uint32_t *words, size_t n_words, uint32_t bits, size_t first,
                              size_t count, int32_t *out, npu_err *err);

#ifdef __cplusplus
}
#endif

#endif /* CMP_PROGRAM_H */
