/*
 * fuzz_program: libFuzzer target for the strict program decoder (cmp_program_decode).
 *
 * The first input byte selects a mode; the rest is the program. Mode bit 0 set: the target
 * first patches the total-size field and the CRC-32 of the bytes, so mutations reach the
 * structural checks instead of stopping at the checksum. Any input must be either rejected
 * with NPU_ERR_INPUT and a message, or accepted; an accepted program is walked through every
 * accessor (passes, tracks, registers, SRAM regions, weight words, unpacking) and must
 * re-encode to exactly the bytes decoded (the format is canonical).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "cmp/cmp_program.h"
#include "npu_regmap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void put32(uint8_t *b, uint32_t v) {
    for (int i = 0; i < 4; i++) {
        b[i] = (uint8_t)(v >> (8 * i));
    }
}

/* Walks every accessor of a decoded program; aborts on an inconsistency. */
static void walk(const cmp_program *p) {
    npu_err err;
    uint32_t tracks = 0;
    for (uint32_t i = 0; i < cmp_program_pass_count(p); i++) {
        const cmp_prog_pass *q = cmp_program_pass(p, i);
        for (uint32_t k = 0; k < q->n_tracks; k++) {
            const cmp_prog_track *t = cmp_program_track(p, i, k);
            const uint32_t *w = cmp_program_track_words(p, t);
            uint32_t v = 0;
            if (t == NULL || w == NULL || t->n_words == 0) {
                abort();
            }
            if (t->kind == CMP_TRACK_REGISTERS &&
                (!cmp_program_reg(p, i, t->ident, t->offset, &v) || v != w[0])) {
                abort();
            }
            uint32_t *ww = NULL;
            size_t nw = 0;
            if (cmp_program_np_weight_words(p, i, t->ident, &ww, &nw, &err) == NPU_OK) {
                int32_t out[64];
                size_t cnt = nw * 8 < 64 ? nw * 8 : 64;
                if (cmp_weights_unpack(ww, nw, 4, 0, cnt, out, &err) != NPU_OK) {
                    abort();
                }
                free(ww);
            }
            size_t n = 0;
            (void)cmp_program_sram(p, i, t->ident, NPU_RM_REGION_WEIGHTS, &n);
            tracks++;
        }
    }
    if (tracks != cmp_program_track_count(p)) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) {
        return 0;
    }
    size_t n = size - 1;
    uint8_t *b = malloc(n ? n : 1);
    if (b == NULL) {
        return 0;
    }
    memcpy(b, data + 1, n);
    if ((data[0] & 1u) && n >= CMP_PROGRAM_HEADER_BYTES + 4) {
        put32(b + 124, (uint32_t)n);
        put32(b + n - 4, (uint32_t)crc32(crc32(0L, Z_NULL, 0), b, (uInt)(n - 4)));
    }
    npu_err err;
    npu_err_clear(&err);
    cmp_program *p = NULL;
    cmp_program_expect ex = {data[0] & 2u ? 1u : 0u, NULL};
    if (cmp_program_decode(b, n, &ex, &p, &err) != NPU_OK) {
        if (err.status != NPU_ERR_INPUT || !err.msg[0] || p != NULL) {
            abort();
        }
        free(b);
        return 0;
    }
    walk(p);
    uint8_t *enc = NULL;
    size_t len = 0;
    if (cmp_program_encode(p, &enc, &len, &err) != NPU_OK || len != n || memcmp(enc, b, n) != 0) {
        abort();
    }
    free(enc);
    cmp_program_free(p);
    free(b);
    return 0;
}
