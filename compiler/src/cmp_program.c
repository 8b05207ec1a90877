/*
 * cmp_program: in-memory program store, accessors, the encoder and the weight unpacker.
 *
 * The builder (cmp_program_build.c) and the strict decoder (cmp_program_decode.c) both fill
 * the same struct cmp_program (cmp_program_int.h); this file appends tracks and external
 * words to it, serialises it byte by byte as docs/program-format.md specifies (CRC-32 from
 * zlib over everything before the checksum), writes it atomically, and answers the core
 * model's queries (tracks of a pass, a register of an NP, an SRAM region, weights).
 */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "cmp_fileio.h"
#include "cmp_program_int.h"

bool cmp_rm_type_of(mesh_np_type t, uint32_t *rm_type) {
    switch (t) {
    case MESH_NP_HRC:
        *rm_type = NPU_RM_TYPE_HRC;
        return true;
    case MESH_NP_CNP1:
    case MESH_NP_CNP2:
        *rm_type = NPU_RM_TYPE_CNP;
        return true;
    case MESH_NP_FNP2:
    case MESH_NP_FNP3:
        *rm_type = NPU_RM_TYPE_FNP;
        return true;
    default:
        return false;
    }
}

/* Grows *buf (elements of size esz) to hold need elements. */
static npu_status grow(void **buf, size_t *cap, size_t need, size_t esz, npu_err *err) {
    if (need <= *cap) {
        return NPU_OK;
    }
    size_t cap2 = *cap ? *cap : 64;
    while (cap2 < need) {
        cap2 *= 2;
    }
    void *nb = realloc(*buf, cap2 * esz);
    if (nb == NULL) {
        return npu_err_set(err, NPU_ERR_INTERNAL, "program: out of memory");
    }
    *buf = nb;
    *cap = cap2;
    return NPU_OK;
}

npu_status cmp_prog_add_track(cmp_program *p, mesh_ident ident, mesh_np_type type,
                              cmp_track_kind kind, uint32_t region, uint32_t offset,
                              const uint32_t *words, size_t n_words, npu_err *err) {
    uint32_t rm;
    if (n_words == 0 || n_words > CMP_PROGRAM_TRACK_MAX_WORDS || offset > 0xffffu ||
        !cmp_rm_type_of(type, &rm)) {
        return npu_err_set(err, NPU_ERR_INPUT,
                           "program: NP (%u,%u,%u): track of %zu words at %u cannot be encoded "
                           "(1..%u words, offset < 65536, known NP type)",
                           ident.col, ident.row, ident.id, n_words, offset,
                           CMP_PROGRAM_TRACK_MAX_WORDS);
    }
    size_t cap_tracks = p->cap_tracks;
    if (p->n_tracks == UINT32_MAX ||
        grow((void **)&p->tracks, &cap_tracks, (size_t)p->n_tracks + 1, sizeof *p->tracks, err) ||
        grow((void **)&p->words, &p->cap_words, p->n_words + n_words, sizeof *p->words, err)) {
        return npu_err_set(err, NPU_ERR_INTERNAL, "program: out of memory");
    }
    p->cap_tracks = (uint32_t)(cap_tracks > UINT32_MAX ? UINT32_MAX : cap_tracks);
    cmp_prog_track *t = &p->tracks[p->n_tracks++];
    *t = (cmp_prog_track){ident, type, rm, kind, region, offset, (uint32_t)n_words, p->n_words};
    memcpy(p->words + p->n_words, words, n_words * sizeof *words);
    p->n_words += n_words;
    return NPU_OK;
}

npu_status cmp_prog_add_ext(cmp_program *p, const uint32_t *words, size_t n, uint32_t *addr,
                            npu_err *err) {
    if (p->n_ext + 4 * n > UINT32_MAX) {
        return npu_err_set(err, NPU_ERR_INPUT, "program: external image exceeds 4 GiB");
    }
    if (grow((void **)&p->ext, &p->cap_ext, p->n_ext + 4 * n, 1, err)) {
        return NPU_ERR_INTERNAL;
    }
    *addr = (uint32_t)p->n_ext;
    for (size_t i = 0; i < n; i++) {
        cmp_put_u32(p->ext + p->n_ext + 4 * i, words[i]);
    }
    p->n_ext += 4 * n;
    return NPU_OK;
}

void cmp_program_free(cmp_program *p) {
    if (p == NULL) {
        return;
    }
    free(p->sequences);
    free(p->passes);
    free(p->tracks);
    free(p->words);
    free(p->ext);
    free(p);
}

/* ---------------------------------------------------------------- encoder */

size_t cmp_program_encoded_size(const cmp_program *p) {
    return CMP_PROGRAM_HEADER_BYTES + (size_t)p->n_sequences * CMP_PROGRAM_SEQUENCE_BYTES +
           (size_t)p->n_passes * CMP_PROGRAM_PASS_BYTES +
           4 * (2 * (size_t)p->n_tracks + p->n_words) + p->n_ext + 4;
}

/* Length of s, at most cap (strnlen is not C11). */
static size_t bounded_len(const char *s, size_t cap) {
    size_t n = 0;
    while (n < cap && s[n] != '\0') {
        n++;
    }
    return n;
}

static void encode_header(const cmp_program *p, uint8_t *b, size_t total) {
    const cmp_prog_info *in = &p->info;
    memcpy(b + CMP_H_MAGIC, CMP_PROGRAM_MAGIC, 4);
    cmp_put_u16(b + CMP_H_VERSION, in->format_version);
    cmp_put_u16(b + CMP_H_HEADER_BYTES, CMP_PROGRAM_HEADER_BYTES);
    b[CMP_H_IP] = (uint8_t)in->ip_version;
    b[CMP_H_IN_BITS] = (uint8_t)in->in_bits;
    b[CMP_H_IN_SIGNED] = in->in_signed ? 1 : 0;
    b[CMP_H_OUT_DTYPE] = (uint8_t)in->out_dtype;
    memcpy(b + CMP_H_DEVICE, in->device, bounded_len(in->device, CMP_PROGRAM_DEVICE_MAX - 1));
    const uint32_t dims[6] = {in->in_shape.x,  in->in_shape.y,  in->in_shape.c,
                              in->out_shape.x, in->out_shape.y, in->out_shape.c};
    for (size_t i = 0; i < 6; i++) {
        cmp_put_u32(b + CMP_H_IN_X + 4 * i, dims[i]);
    }
    cmp_put_u32(b + CMP_H_N_LAYERS, in->n_layers);
    cmp_put_u32(b + CMP_H_N_SEQUENCES, p->n_sequences);
    cmp_put_u32(b + CMP_H_N_PASSES, p->n_passes);
    cmp_put_u32(b + CMP_H_N_TRACKS, p->n_tracks);
    cmp_put_u32(b + CMP_H_TRACK_WORDS, (uint32_t)(2 * (size_t)p->n_tracks + p->n_words));
    cmp_put_u32(b + CMP_H_EXT_BYTES, (uint32_t)p->n_ext);
    cmp_put_u32(b + CMP_H_TOTAL_BYTES, (uint32_t)total);
}

static uint8_t *encode_tables(const cmp_program *p, uint8_t *b) {
    for (uint32_t i = 0; i < p->n_sequences; i++, b += CMP_PROGRAM_SEQUENCE_BYTES) {
        const cmp_prog_sequence *s = &p->sequences[i];
        memcpy(b + CMP_S_NAME, s->name, bounded_len(s->name, CMP_PROGRAM_SEQ_NAME_MAX - 1));
        cmp_put_u32(b + CMP_S_BACKEND, (uint32_t)s->backend);
        cmp_put_u32(b + CMP_S_FIRST_LAYER, s->first_layer);
        cmp_put_u32(b + CMP_S_LAST_LAYER, s->last_layer);
        cmp_put_u32(b + CMP_S_FIRST_PASS, s->first_pass);
        cmp_put_u32(b + CMP_S_N_PASSES, s->n_passes);
    }
    for (uint32_t i = 0; i < p->n_passes; i++, b += CMP_PROGRAM_PASS_BYTES) {
        cmp_put_u32(b + CMP_P_SEQUENCE, p->passes[i].sequence);
        cmp_put_u32(b + CMP_P_FIRST_TRACK, p->passes[i].first_track);
        cmp_put_u32(b + CMP_P_N_TRACKS, p->passes[i].n_tracks);
    }
    return b;
}

npu_status cmp_program_encode(const cmp_program *p, uint8_t **bytes, size_t *n_bytes,
                              npu_err *err) {
    size_t total = cmp_program_encoded_size(p);
    if (total > UINT32_MAX) {
        return npu_err_set(err, NPU_ERR_INPUT, "program: %zu bytes exceed the 4 GiB format limit",
                           total);
    }
    uint8_t *buf = calloc(1, total);
    if (buf == NULL) {
        return npu_err_set(err, NPU_ERR_INTERNAL, "program: out of memory (%zu bytes)", total);
    }
    encode_header(p, buf, total);
    uint8_t *b = encode_tables(p, buf + CMP_PROGRAM_HEADER_BYTES);
    for (uint32_t i = 0; i < p->n_tracks; i++) {
        const cmp_prog_track *t = &p->tracks[i];
        cmp_put_u32(b, cmp_track_w0(t));
        cmp_put_u32(b + 4, cmp_track_w1(t));
        b += 8;
        for (uint32_t k = 0; k < t->n_words; k++, b += 4) {
            cmp_put_u32(b, p->words[t->first_word + k]);
        }
    }
    if (p->n_ext > 0) {
        memcpy(b, p->ext, p->n_ext);
        b += p->n_ext;
    }
    uLong crc = crc32(0L, Z_NULL, 0);
    size_t done = 0, body = (size_t)(b - buf);
    while (done < body) { /* zlib takes uInt lengths */
        size_t chunk = body - done > 0x40000000u ? 0x40000000u : body - done;
        crc = crc32(crc, buf + done, (uInt)chunk);
        done += chunk;
    }
    cmp_put_u32(b, (uint32_t)crc);
    *bytes = buf;
    *n_bytes = total;
    return NPU_OK;
}

npu_status cmp_program_write(const cmp_program *p, const char *path, npu_err *err) {
    uint8_t *buf = NULL;
    size_t n = 0;
    npu_status st = cmp_program_encode(p, &buf, &n, err);
    if (st == NPU_OK) {
        st = cmp_file_write_atomic(path, buf, n, err);
    }
    free(buf);
    return st;
}

npu_status cmp_program_read(const char *path, const cmp_program_expect *expect, cmp_program **out,
                            npu_err *err) {
    uint8_t *buf = NULL;
    size_t n = 0;
    npu_status st = cmp_file_read(path, UINT32_MAX, &buf, &n, err);
    if (st == NPU_OK) {
        st = cmp_program_decode(buf, n, expect, out, err);
        if (st != NPU_OK) {
            npu_err_prefix(err, "%s", path);
        }
    }
    free(buf);
    return st;
}

/* ---------------------------------------------------------------- accessors */

const cmp_prog_info *cmp_program_info(const cmp_program *p) {
    return &p->info;
}

uint32_t cmp_program_sequence_count(const cmp_program *p) {
    return p->n_sequences;
}

const cmp_prog_sequence *cmp_program_sequence(const cmp_program *p, uint32_t i) {
    return i < p->n_sequences ? &p->sequences[i] : NULL;
}

uint32_t cmp_program_pass_count(const cmp_program *p) {
    return p->n_passes;
}

const cmp_prog_pass *cmp_program_pass(const cmp_program *p, uint32_t i) {
    return i < p->n_passes ? &p->passes[i] : NULL;
}

uint32_t cmp_program_track_count(const cmp_program *p) {
    return p->n_tracks;
}

const cmp_prog_track *cmp_program_track(const cmp_program *p, uint32_t pass, uint32_t k) {
    if (pass >= p->n_passes || k >= p->passes[pass].n_tracks) {
        return NULL;
    }
    return &p->tracks[p->passes[pass].first_track + k];
}

const uint32_t *cmp_program_track_words(const cmp_program *p, const cmp_prog_track *t) {
    return p->words + t->first_word;
}

static bool same_ident(mesh_ident a, mesh_ident b) {
    return a.col == b.col && a.row == b.row && a.id == b.id;
}

bool cmp_program_reg(const cmp_program *p, uint32_t pass, mesh_ident ident, uint32_t offset,
                     uint32_t *value) {
    const cmp_prog_track *t;
    for (uint32_t k = 0; (t = cmp_program_track(p, pass, k)) != NULL; k++) {
        if (t->kind == CMP_TRACK_REGISTERS && same_ident(t->ident, ident) && offset >= t->offset &&
            offset - t->offset < t->n_words) {
            *value = p->words[t->first_word + (offset - t->offset)];
            return true;
        }
    }
    return false;
}

const uint32_t *cmp_program_sram(const cmp_program *p, uint32_t pass, mesh_ident ident,
                                 uint32_t region, size_t *n_words) {
    const cmp_prog_track *t;
    for (uint32_t k = 0; (t = cmp_program_track(p, pass, k)) != NULL; k++) {
        if (t->kind == CMP_TRACK_SRAM && t->region == region && t->offset == 0 &&
            same_ident(t->ident, ident)) {
            *n_words = t->n_words;
            return p->words + t->first_word;
        }
    }
    *n_words = 0;
    return NULL;
}

const uint8_t *cmp_program_ext(const cmp_program *p, size_t *n_bytes) {
    *n_bytes = p->n_ext;
    return p->ext;
}

npu_status cmp_program_np_weight_words(const cmp_program *p, uint32_t pass, mesh_ident ident,
                                       uint32_t **words, size_t *n_words, npu_err *err) {
    uint32_t addr = 0, ext_words = 0;
    const uint32_t *src = NULL;
    size_t n = 0;
    bool ext = cmp_program_reg(p, pass, ident, NPU_RM_EXT_WORDS_OFFSET, &ext_words) &&
               ext_words > 0 && cmp_program_reg(p, pass, ident, NPU_RM_EXT_ADDR_OFFSET, &addr);
    if (ext) {
        if ((uint64_t)addr + 4ull * ext_words > p->n_ext) {
            return npu_err_set(err, NPU_ERR_INPUT,
                               "program: NP (%u,%u,%u): external weights "
                               "beyond the image",
                               ident.col, ident.row, ident.id);
        }
        n = ext_words;
    } else {
        src = cmp_program_sram(p, pass, ident, NPU_RM_REGION_WEIGHTS, &n);
        if (src == NULL) {
            return npu_err_set(err, NPU_ERR_INPUT,
                               "program: NP (%u,%u,%u) has no weights in "
                               "pass %u",
                               ident.col, ident.row, ident.id, pass);
        }
    }
    uint32_t *w = malloc((n ? n : 1) * sizeof *w);
    if (w == NULL) {
        return npu_err_set(err, NPU_ERR_INTERNAL, "program: out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        w[i] = ext ? cmp_get_u32(p->ext + addr + 4 * i) : src[i];
    }
    *words = w;
    *n_words = n;
    return NPU_OK;
}

npu_status cmp_weights_unpack(const uint32_t *words, size_t n_words, uint32_t bits, size_t first,
                              size_t count, int32_t *out, npu_err *err) {
    if (bits != 1 && bits != 2 && bits != 4 && bits != 8) {
        return npu_err_set(err, NPU_ERR_INPUT, "weights: unsupported bit width %u", bits);
    }
    size_t per = 32 / bits;
    if (first + count < first || (first + count + per - 1) / per > n_words) {
        return npu_err_set(err, NPU_ERR_INPUT,
                           "weights: %zu %u-bit weights from %zu need more "
                           "than the %zu words present",
                           count, bits, first, n_words);
    }
    uint32_t mask = (1u << bits) - 1u;
    for (size_t i = 0; i < count; i++) {
        size_t e = first + i;
        uint32_t v = (words[e / per] >> (bits * (e % per))) & mask;
        if (bits > 1 && (v >> (bits - 1))) {
            out[i] = (int32_t)v - (int32_t)(1u << bits);
        } else {
            out[i] = (int32_t)v;
        }
    }
    return NPU_OK;
}
