/*
 * cmp_program_decode: the strict decoder of program bytes (docs/program-format.md).
 *
 * Order of checks: size of the fixed header, magic, format version, header size, declared
 * total size against the buffer, CRC-32, then every structural rule: header values, counts
 * whose sizes must add up exactly to the buffer (so nothing is allocated beyond what the
 * input justifies), sequence and pass tables that tile their ranges, and every track: known
 * NP type and region, ident inside the byte ranges, register writes inside the type's block
 * with no reserved bit set, SRAM entry words with no reserved bit set, no two writes of one
 * pass overlapping on the same NP, one NP type per NP per pass, FNP2 external weights inside
 * the image. Any violation yields NPU_ERR_INPUT with one message; arbitrary bytes never crash.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "cmp_program_int.h"

#define DERR(...) npu_err_set(err, NPU_ERR_INPUT, "program: " __VA_ARGS__)

static npu_status check_prefix(const uint8_t *b, size_t n, npu_err *err) {
    if (n < 8) {
        return DERR("truncated: %zu bytes, the header alone is %u", n, CMP_PROGRAM_HEADER_BYTES);
    }
    if (memcmp(b + CMP_H_MAGIC, CMP_PROGRAM_MAGIC, 4) != 0) {
        return DERR("bad magic (not an akisim program)");
    }
    uint32_t v = cmp_get_u16(b + CMP_H_VERSION);
    if (v != CMP_PROGRAM_FORMAT_VERSION) {
        return DERR("foreign format version %u (this akisim reads version %u)", v,
                    CMP_PROGRAM_FORMAT_VERSION);
    }
    if (n < CMP_PROGRAM_HEADER_BYTES + 4) {
        return DERR("truncated: %zu bytes, the header and checksum alone are %u", n,
                    CMP_PROGRAM_HEADER_BYTES + 4);
    }
    if (cmp_get_u16(b + CMP_H_HEADER_BYTES) != CMP_PROGRAM_HEADER_BYTES) {
        return DERR("header size %u, expected %u", cmp_get_u16(b + CMP_H_HEADER_BYTES),
                    CMP_PROGRAM_HEADER_BYTES);
    }
    uint32_t total = cmp_get_u32(b + CMP_H_TOTAL_BYTES);
    if (total != n) {
        return DERR("%s: header says %u bytes, got %zu", total > n ? "truncated" : "size mismatch",
                    total, n);
    }
    uLong crc = crc32(0L, Z_NULL, 0);
    crc = crc32(crc, b, (uInt)(n - 4));
    if ((uint32_t)crc != cmp_get_u32(b + n - 4)) {
        return DERR("checksum mismatch (stored 0x%08x, computed 0x%08x): corrupt program",
                    cmp_get_u32(b + n - 4), (uint32_t)crc);
    }
    return NPU_OK;
}

/* Copies a NUL-padded string field; false when no NUL inside or empty. */
static bool get_name(const uint8_t *b, size_t cap, char *out) {
    const uint8_t *z = memchr(b, 0, cap);
    if (z == NULL || z == b) {
        return false;
    }
    for (const uint8_t *q = z; q < b + cap; q++) {
        if (*q != 0) {
            return false; /* padding must be zero */
        }
    }
    memcpy(out, b, (size_t)(z - b) + 1);
    return true;
}

static npu_status decode_info(const uint8_t *b, const cmp_program_expect *ex, cmp_program *p,
                              npu_err *err) {
    cmp_prog_info *in = &p->info;
    in->format_version = cmp_get_u16(b + CMP_H_VERSION);
    in->ip_version = b[CMP_H_IP];
    in->in_bits = b[CMP_H_IN_BITS];
    if (in->ip_version != 1 && in->ip_version != 2) {
        return DERR("IP version %u (1 or 2)", in->ip_version);
    }
    if (in->in_bits != 1 && in->in_bits != 2 && in->in_bits != 4 && in->in_bits != 8) {
        return DERR("input bits %u (1, 2, 4 or 8)", in->in_bits);
    }
    if (b[CMP_H_IN_SIGNED] > 1 || b[CMP_H_OUT_DTYPE] > CMP_OUT_INT32) {
        return DERR("bad input sign flag %u or output dtype %u", b[CMP_H_IN_SIGNED],
                    b[CMP_H_OUT_DTYPE]);
    }
    in->in_signed = b[CMP_H_IN_SIGNED] == 1;
    in->out_dtype = (cmp_out_dtype)b[CMP_H_OUT_DTYPE];
    if (!get_name(b + CMP_H_DEVICE, CMP_PROGRAM_DEVICE_MAX, in->device)) {
        return DERR("device name not a NUL-padded string");
    }
    uint32_t d[6];
    for (size_t i = 0; i < 6; i++) {
        d[i] = cmp_get_u32(b + CMP_H_IN_X + 4 * i);
        if (d[i] == 0) {
            return DERR("input/output dimension %zu is 0", i);
        }
    }
    in->in_shape = (npu_shape){d[0], d[1], d[2]};
    in->out_shape = (npu_shape){d[3], d[4], d[5]};
    in->n_layers = cmp_get_u32(b + CMP_H_N_LAYERS);
    if (ex != NULL && ex->ip_version != 0 && ex->ip_version != in->ip_version) {
        return DERR("IP mismatch: program is for IP v%u, device is v%u", in->ip_version,
                    ex->ip_version);
    }
    if (ex != NULL && ex->device != NULL && strcmp(ex->device, in->device) != 0) {
        return DERR("device mismatch: program is for '%s', device is '%s'", in->device, ex->device);
    }
    return NPU_OK;
}

/* Checks that the section sizes add up to n exactly, then allocates the tables. */
static npu_status decode_sizes(const uint8_t *b, size_t n, cmp_program *p, uint64_t *track_words,
                               npu_err *err) {
    uint64_t ns = cmp_get_u32(b + CMP_H_N_SEQUENCES), np = cmp_get_u32(b + CMP_H_N_PASSES);
    uint64_t nt = cmp_get_u32(b + CMP_H_N_TRACKS), tw = cmp_get_u32(b + CMP_H_TRACK_WORDS);
    uint64_t ext = cmp_get_u32(b + CMP_H_EXT_BYTES);
    uint64_t need = (uint64_t)CMP_PROGRAM_HEADER_BYTES + ns * CMP_PROGRAM_SEQUENCE_BYTES +
                    np * CMP_PROGRAM_PASS_BYTES + 4 * tw + ext + 4;
    if (need != n) {
        return DERR("section counts (%llu sequences, %llu passes, %llu track words, %llu external "
                    "bytes) need %llu bytes, the program has %zu",
                    (unsigned long long)ns, (unsigned long long)np, (unsigned long long)tw,
                    (unsigned long long)ext, (unsigned long long)need, n);
    }
    if (ext % 4 != 0 || nt * 3 > tw || ns == 0 || (nt == 0) != (tw == 0)) {
        return DERR("inconsistent counts: %llu tracks in %llu words, %llu external bytes, %llu "
                    "sequences",
                    (unsigned long long)nt, (unsigned long long)tw, (unsigned long long)ext,
                    (unsigned long long)ns);
    }
    p->n_sequences = (uint32_t)ns;
    p->n_passes = (uint32_t)np;
    p->n_tracks = p->cap_tracks = (uint32_t)nt;
    p->cap_words = (size_t)(tw - 2 * nt);
    p->n_ext = p->cap_ext = (size_t)ext;
    p->sequences = calloc(ns + 1, sizeof *p->sequences);
    p->passes = calloc(np + 1, sizeof *p->passes);
    p->tracks = calloc(nt + 1, sizeof *p->tracks);
    p->words = malloc((p->cap_words + 1) * sizeof *p->words);
    p->ext = malloc(ext + 1);
    if (!p->sequences || !p->passes || !p->tracks || !p->words || !p->ext) {
        return npu_err_set(err, NPU_ERR_INTERNAL, "program: out of memory");
    }
    *track_words = tw;
    return NPU_OK;
}

static npu_status decode_tables(const uint8_t *b, cmp_program *p, npu_err *err) {
    uint32_t next_pass = 0, next_layer = 0;
    for (uint32_t i = 0; i < p->n_sequences; i++, b += CMP_PROGRAM_SEQUENCE_BYTES) {
        cmp_prog_sequence *s = &p->sequences[i];
        if (!get_name(b + CMP_S_NAME, CMP_PROGRAM_SEQ_NAME_MAX, s->name)) {
            return DERR("sequence %u: name not a NUL-padded string", i);
        }
        uint32_t be = cmp_get_u32(b + CMP_S_BACKEND);
        s->first_layer = cmp_get_u32(b + CMP_S_FIRST_LAYER);
        s->last_layer = cmp_get_u32(b + CMP_S_LAST_LAYER);
        s->first_pass = cmp_get_u32(b + CMP_S_FIRST_PASS);
        s->n_passes = cmp_get_u32(b + CMP_S_N_PASSES);
        if (be > CMP_BACKEND_HYBRID) {
            return DERR("sequence %s: unknown backend %u", s->name, be);
        }
        s->backend = (cmp_backend)be;
        if (s->first_layer < next_layer || s->first_layer > s->last_layer ||
            s->last_layer >= p->info.n_layers) {
            return DERR("sequence %s: layers %u-%u out of order or beyond the %u layers", s->name,
                        s->first_layer, s->last_layer, p->info.n_layers);
        }
        bool sw = s->backend == CMP_BACKEND_SOFTWARE;
        if (s->first_pass != next_pass || (sw != (s->n_passes == 0)) ||
            s->n_passes > p->n_passes - next_pass) {
            return DERR("sequence %s: passes %u+%u do not tile the %u-pass table", s->name,
                        s->first_pass, s->n_passes, p->n_passes);
        }
        next_pass += s->n_passes;
        next_layer = s->last_layer + 1;
    }
    if (next_pass != p->n_passes) {
        return DERR("pass table has %u passes, sequences use %u", p->n_passes, next_pass);
    }
    uint32_t next_track = 0, seq = 0;
    for (uint32_t i = 0; i < p->n_passes; i++, b += CMP_PROGRAM_PASS_BYTES) {
        cmp_prog_pass *q = &p->passes[i];
        q->sequence = cmp_get_u32(b + CMP_P_SEQUENCE);
        q->first_track = cmp_get_u32(b + CMP_P_FIRST_TRACK);
        q->n_tracks = cmp_get_u32(b + CMP_P_N_TRACKS);
        while (seq < p->n_sequences &&
               i >= p->sequences[seq].first_pass + p->sequences[seq].n_passes) {
            seq++;
        }
        if (q->sequence != seq || q->first_track != next_track ||
            q->n_tracks > p->n_tracks - next_track) {
            return DERR("pass %u: sequence %u / tracks %u+%u do not tile the %u-track list", i,
                        q->sequence, q->first_track, q->n_tracks, p->n_tracks);
        }
        next_track += q->n_tracks;
    }
    if (next_track != p->n_tracks) {
        return DERR("passes hold %u tracks, the header says %u", next_track, p->n_tracks);
    }
    return NPU_OK;
}

/* Reserved-bit check of one payload word. */
static bool word_ok(const cmp_prog_track *t, uint32_t k, uint32_t w) {
    uint32_t pos = t->offset + k;
    if (t->kind == CMP_TRACK_REGISTERS) {
        const npu_rm_reg_desc *r = npu_rm_reg_at((npu_rm_type)t->rm_type, pos);
        return r ? (w & ~r->used_mask) == 0 : w == 0;
    }
    const npu_rm_region_desc *g = npu_rm_region_get(t->region);
    if (g == NULL || g->entry_words == 0) {
        return true;
    }
    uint32_t e = pos % g->entry_words;
    for (size_t i = 0; i < g->n_words; i++) {
        if (g->words[i].offset == e) {
            return (w & ~g->words[i].used_mask) == 0;
        }
    }
    return w == 0;
}

/* Decodes the 2-word header of track index ti. */
static npu_status decode_track_header(cmp_program *p, uint32_t ti, uint32_t w0, uint32_t w1,
                                      npu_err *err) {
    cmp_prog_track *t = &p->tracks[ti];
    uint32_t type = (w0 >> 20) & 0xfu, kind = (w0 >> 24) & 0xfu, region = w0 >> 28;
    t->ident = (mesh_ident){(uint8_t)(w0 & 0xffu), (uint8_t)((w0 >> 8) & 0xffu),
                            (uint8_t)((w0 >> 16) & 0xfu)};
    if (type >= MESH_NP_TYPE_COUNT || !cmp_rm_type_of((mesh_np_type)type, &t->rm_type)) {
        return DERR("track %u: unknown NP type %u", ti, type);
    }
    t->type = (mesh_np_type)type;
    if (t->ident.col == 0 || t->ident.row == 0 || t->ident.id > 3) {
        return DERR("track %u: bad NP ident (%u,%u,%u)", ti, t->ident.col, t->ident.row,
                    t->ident.id);
    }
    if (kind > CMP_TRACK_SRAM) {
        return DERR("track %u: unknown track kind %u", ti, kind);
    }
    t->kind = (cmp_track_kind)kind;
    t->region = region;
    t->offset = w1 & 0xffffu;
    t->n_words = w1 >> 16;
    if (t->n_words == 0) {
        return DERR("track %u: empty track", ti);
    }
    const npu_rm_type_desc *td = &npu_rm_types[t->rm_type];
    if (kind == CMP_TRACK_REGISTERS) {
        if (region != 0 || t->offset + t->n_words > td->nregs) {
            return DERR("track %u: register writes %u..%u outside the %u registers of %s", ti,
                        t->offset, t->offset + t->n_words - 1, td->nregs, td->name);
        }
    } else if (region >= 32 || !(td->regions & (1u << region)) ||
               npu_rm_region_get(region) == NULL) {
        return DERR("track %u: unknown SRAM region %u for NP type %s", ti, region, td->name);
    }
    return NPU_OK;
}

static npu_status decode_tracks(const uint8_t *b, uint64_t track_words, cmp_program *p,
                                npu_err *err) {
    uint64_t pos = 0;
    size_t nw = 0;
    for (uint32_t ti = 0; ti < p->n_tracks; ti++) {
        if (track_words - pos < 2) {
            return DERR("track %u: header beyond the track section", ti);
        }
        npu_status st =
            decode_track_header(p, ti, cmp_get_u32(b + 4 * pos), cmp_get_u32(b + 4 * pos + 4), err);
        if (st != NPU_OK) {
            return st;
        }
        cmp_prog_track *t = &p->tracks[ti];
        pos += 2;
        if (t->n_words > track_words - pos || nw + t->n_words > p->cap_words) {
            return DERR("track %u: %u payload words beyond the track section", ti, t->n_words);
        }
        t->first_word = nw;
        for (uint32_t k = 0; k < t->n_words; k++) {
            uint32_t w = cmp_get_u32(b + 4 * (pos + k));
            if (!word_ok(t, k, w)) {
                return DERR("track %u: NP (%u,%u,%u) word %u = 0x%08x sets reserved bits", ti,
                            t->ident.col, t->ident.row, t->ident.id, t->offset + k, w);
            }
            p->words[nw + k] = w;
        }
        nw += t->n_words;
        pos += t->n_words;
    }
    if (pos != track_words) {
        return DERR("track section has %llu words, tracks use %llu",
                    (unsigned long long)track_words, (unsigned long long)pos);
    }
    p->n_words = nw;
    return NPU_OK;
}

/* Orders tracks by NP, kind, region, offset (for the overlap check). */
static int track_cmp(const void *a, const void *b) {
    const cmp_prog_track *x = *(const cmp_prog_track *const *)a;
    const cmp_prog_track *y = *(const cmp_prog_track *const *)b;
    uint64_t kx = ((uint64_t)x->ident.col << 40) | ((uint64_t)x->ident.row << 32) |
                  ((uint64_t)x->ident.id << 24) | ((uint64_t)x->kind << 20) |
                  ((uint64_t)x->region << 16) | x->offset;
    uint64_t ky = ((uint64_t)y->ident.col << 40) | ((uint64_t)y->ident.row << 32) |
                  ((uint64_t)y->ident.id << 24) | ((uint64_t)y->kind << 20) |
                  ((uint64_t)y->region << 16) | y->offset;
    return kx < ky ? -1 : kx > ky;
}

static bool same_np(const cmp_prog_track *a, const cmp_prog_track *b) {
    return a->ident.col == b->ident.col && a->ident.row == b->ident.row &&
           a->ident.id == b->ident.id;
}

/* Register off when register track t covers it. */
static bool reg_in(const cmp_program *p, const cmp_prog_track *t, uint32_t off, uint32_t *v) {
    if (off < t->offset || off - t->offset >= t->n_words) {
        return false;
    }
    *v = p->words[t->first_word + (off - t->offset)];
    return true;
}

/* Per pass: no overlapping writes, one type per NP, FNP2 external weights inside the image. */
static npu_status check_passes(cmp_program *p, npu_err *err) {
    const cmp_prog_track **v = malloc(((size_t)p->n_tracks + 1) * sizeof *v);
    if (v == NULL) {
        return npu_err_set(err, NPU_ERR_INTERNAL, "program: out of memory");
    }
    npu_status st = NPU_OK;
    for (uint32_t i = 0; st == NPU_OK && i < p->n_passes; i++) {
        const cmp_prog_pass *q = &p->passes[i];
        for (uint32_t k = 0; k < q->n_tracks; k++) {
            v[k] = &p->tracks[q->first_track + k];
        }
        qsort(v, q->n_tracks, sizeof *v, track_cmp);
        for (uint32_t k = 1; st == NPU_OK && k < q->n_tracks; k++) {
            const cmp_prog_track *a = v[k - 1], *c = v[k];
            if (same_np(a, c) && a->type != c->type) {
                st = DERR("pass %u: NP (%u,%u,%u) written as two NP types", i, c->ident.col,
                          c->ident.row, c->ident.id);
            } else if (same_np(a, c) && a->kind == c->kind && a->region == c->region &&
                       a->offset + a->n_words > c->offset) {
                st = DERR("pass %u: NP (%u,%u,%u): overlapping %s writes at word %u", i,
                          c->ident.col, c->ident.row, c->ident.id,
                          c->kind == CMP_TRACK_REGISTERS ? "register" : "SRAM", c->offset);
            }
        }
        for (uint32_t k = 0; st == NPU_OK && k < q->n_tracks; k++) {
            const cmp_prog_track *t = v[k];
            uint32_t words = 0, addr = 0;
            if (t->kind == CMP_TRACK_REGISTERS && t->rm_type == NPU_RM_TYPE_FNP &&
                reg_in(p, t, NPU_RM_EXT_WORDS_OFFSET, &words) && words > 0) {
                if (!(reg_in(p, t, NPU_RM_EXT_ADDR_OFFSET, &addr) ||
                      cmp_program_reg(p, i, t->ident, NPU_RM_EXT_ADDR_OFFSET, &addr)) ||
                    addr % 4 != 0 || (uint64_t)addr + 4ull * words > p->n_ext) {
                    st = DERR("pass %u: NP (%u,%u,%u): external weights %u words at 0x%x outside "
                              "the %zu-byte image",
                              i, t->ident.col, t->ident.row, t->ident.id, words, addr, p->n_ext);
                }
            }
        }
    }
    free(v);
    return st;
}

npu_status cmp_program_decode(const uint8_t *bytes, size_t n, const cmp_program_expect *expect,
                              cmp_program **out, npu_err *err) {
    *out = NULL;
    if (bytes == NULL && n > 0) {
        return DERR("no bytes");
    }
    if (n > UINT32_MAX) {
        return DERR("%zu bytes exceed the 4 GiB format limit", n);
    }
    npu_status st = check_prefix(bytes, n, err);
    if (st != NPU_OK) {
        return st;
    }
    cmp_program *p = calloc(1, sizeof *p);
    if (p == NULL) {
        return npu_err_set(err, NPU_ERR_INTERNAL, "program: out of memory");
    }
    uint64_t tw = 0;
    st = decode_info(bytes, expect, p, err);
    st = st ? st : decode_sizes(bytes, n, p, &tw, err);
    const uint8_t *b = bytes + CMP_PROGRAM_HEADER_BYTES;
    st = st ? st : decode_tables(b, p, err);
    if (st == NPU_OK) { /* sizes were checked against n by decode_sizes */
        b += (size_t)p->n_sequences * CMP_PROGRAM_SEQUENCE_BYTES +
             (size_t)p->n_passes * CMP_PROGRAM_PASS_BYTES;
    }
    st = st ? st : decode_tracks(b, tw, p, err);
    if (st == NPU_OK && p->n_ext > 0) {
        memcpy(p->ext, b + 4 * tw, p->n_ext);
    }
    st = st ? st : check_passes(p, err);
    if (st != NPU_OK) {
        cmp_program_free(p);
        return st;
    }
    *out = p;
    return NPU_OK;
}
