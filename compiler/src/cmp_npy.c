/*
 * cmp_npy: the strict .npy codec (see cmp_array.h).
 *
 * Layout: 6-byte magic "\x93NUMPY", major and minor version bytes (1.0, 2.0 or 3.0), the
 * header length (uint16 LE for 1.0, uint32 LE for 2.0/3.0), the header -- a Python dict
 * literal such as {'descr': '<i4', 'fortran_order': False, 'shape': (2, 3), } padded with
 * spaces and ended by '\n' -- then the raw C-order payload. The dict is Python syntax, not
 * JSON, so a tiny tokenizer below accepts exactly that grammar: the three keys once each,
 * quoted strings without escapes, True/False, and tuples of non-negative integers.
 *
 * Decisions: big-endian multi-byte dtypes ('>i4') are rejected with a message rather than
 * byte-swapped (numpy never writes them unless asked to; rejecting keeps one code path);
 * '=' (native) is read as little-endian, the only host order supported. fortran_order True
 * is rejected. The element count is bounded by CMP_MAX_ELEMS and the payload length must
 * match the shape exactly, both checked before any allocation.
 */
#include "cmp/cmp_array.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmp_fileio.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "akisim's .npy codec assumes a little-endian host"
#endif

#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAGIC_LEN 6

/* Token kinds of the header dict grammar. */
typedef enum npy_tok_kind {
    TK_END = 0, /* end of the header text */
    TK_LBRACE,  /* { */
    TK_RBRACE,  /* } */
    TK_LPAREN,  /* ( */
    TK_RPAREN,  /* ) */
    TK_COLON,   /* : */
    TK_COMMA,   /* , */
    TK_STR,     /* 'text' or "text" (no escapes) */
    TK_INT,     /* non-negative decimal integer */
    TK_IDENT,   /* True / False (any identifier is lexed; the parser checks) */
    TK_BAD      /* anything else */
} npy_tok_kind;

typedef struct npy_tok {
    npy_tok_kind kind; /* token kind */
    const char *s;     /* text of a string (without quotes) or identifier */
    size_t n;          /* length of s */
    uint64_t ival;     /* value of an integer */
    bool overflow;     /* integer exceeded 2^62 */
} npy_tok;

typedef struct npy_lexer {
    const char *p;   /* next character */
    const char *end; /* end of the header text */
} npy_lexer;

static bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

static bool is_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

/* Reads a quoted string starting at the quote. */
static npy_tok lex_string(npy_lexer *lx) {
    npy_tok t = {TK_BAD, NULL, 0, 0, false};
    const char q = *lx->p++;
    const char *s = lx->p;
    while (lx->p < lx->end && *lx->p != q) {
        const unsigned char c = (unsigned char)*lx->p;
        if (c == '\\' || c < 0x20 || c >= 0x7f)
            return t;
        lx->p++;
    }
    if (lx->p >= lx->end)
        return t;
    t.kind = TK_STR;
    t.s = s;
    t.n = (size_t)(lx->p - s);
    lx->p++;
    return t;
}

static npy_tok lex_int(npy_lexer *lx) {
    npy_tok t = {TK_INT, lx->p, 0, 0, false};
    while (lx->p < lx->end && is_digit(*lx->p)) {
        if (t.ival > ((uint64_t)1 << 62) / 10)
            t.overflow = true;
        else
            t.ival = t.ival * 10 + (uint64_t)(*lx->p - '0');
        lx->p++;
    }
    t.n = (size_t)(lx->p - t.s);
    /* Python 2 long suffix, written by very old numpy. */
    if (lx->p < lx->end && *lx->p == 'L')
        lx->p++;
    return t;
}

static npy_tok lex_next(npy_lexer *lx) {
    while (lx->p < lx->end && *lx->p == ' ')
        lx->p++;
    npy_tok t = {TK_END, NULL, 0, 0, false};
    if (lx->p >= lx->end)
        return t;
    const char c = *lx->p;
    static const char punct[] = "{}():,";
    const char *hit = memchr(punct, c, sizeof punct - 1);
    if (hit) {
        static const npy_tok_kind kinds[] = {TK_LBRACE, TK_RBRACE, TK_LPAREN,
                                             TK_RPAREN, TK_COLON,  TK_COMMA};
        t.kind = kinds[hit - punct];
        lx->p++;
        return t;
    }
    if (c == '\'' || c == '"')
        return lex_string(lx);
    if (is_digit(c))
        return lex_int(lx);
    if (is_alpha(c)) {
        t.kind = TK_IDENT;
        t.s = lx->p;
        while (lx->p < lx->end && (is_alpha(*lx->p) || is_digit(*lx->p)))
            lx->p++;
        t.n = (size_t)(lx->p - t.s);
        return t;
    }
    t.kind = TK_BAD;
    return t;
}

static bool tok_is(const npy_tok *t, const char *text) {
    return (t->kind == TK_STR || t->kind == TK_IDENT) && t->n == strlen(text) &&
           memcmp(t->s, text, t->n) == 0;
}

/* Maps a descr string to a dtype; fills a message on failure. */
static npu_status parse_descr(const npy_tok *t, const char *what, cmp_dtype *out, npu_err *err) {
    if (t->kind != TK_STR)
        return npu_err_set(err, NPU_ERR_INPUT,
                           "%s: .npy header: 'descr' must be a simple dtype string (structured "
                           "dtypes are not supported)",
                           what);
    static const char *const codes[CMP_DTYPE_COUNT] = {
        [CMP_U8] = "u1",  [CMP_I8] = "i1",  [CMP_I16] = "i2", [CMP_U16] = "u2", [CMP_I32] = "i4",
        [CMP_U32] = "u4", [CMP_I64] = "i8", [CMP_F32] = "f4", [CMP_F64] = "f8",
    };
    if (t->n == 3) {
        for (int i = 0; i < CMP_DTYPE_COUNT; i++) {
            if (memcmp(t->s + 1, codes[i], 2) != 0)
                continue;
            const char order = t->s[0];
            const bool one = cmp_dtype_size((cmp_dtype)i) == 1;
            if (order == '>' && !one)
                return npu_err_set(err, NPU_ERR_INPUT,
                                   "%s: .npy dtype '%.*s' is big-endian; only little-endian "
                                   "('<') arrays are supported (use arr.astype('<%s'))",
                                   what, (int)t->n, t->s, codes[i]);
            if (order == '<' || order == '=' || (one && (order == '|' || order == '>'))) {
                *out = (cmp_dtype)i;
                return NPU_OK;
            }
            break;
        }
    }
    return npu_err_set(err, NPU_ERR_INPUT,
                       "%s: unsupported .npy dtype '%.*s' (supported: uint8, int8, int16, uint16, "
                       "int32, uint32, int64, float32, float64)",
                       what, (int)(t->n > 32 ? 32 : t->n), t->s);
}

/* Parses the shape tuple after its '('. */
static npu_status parse_shape(npy_lexer *lx, const char *what, cmp_array *a, npu_err *err) {
    uint32_t nd = 0;
    bool comma_after_last = false;
    for (;;) {
        npy_tok t = lex_next(lx);
        if (t.kind == TK_RPAREN)
            break;
        if (t.kind != TK_INT)
            return npu_err_set(err, NPU_ERR_INPUT,
                               "%s: .npy header: 'shape' must be a tuple of non-negative "
                               "integers",
                               what);
        if (nd == CMP_MAX_DIMS)
            return npu_err_set(err, NPU_ERR_INPUT, "%s: .npy shape has more than %d dimensions",
                               what, CMP_MAX_DIMS);
        if (t.overflow || t.ival > CMP_MAX_ELEMS)
            return npu_err_set(err, NPU_ERR_INPUT,
                               "%s: .npy shape dimension %u is absurdly large (limit %llu "
                               "elements)",
                               what, nd, (unsigned long long)CMP_MAX_ELEMS);
        a->shape[nd++] = t.ival;
        t = lex_next(lx);
        comma_after_last = t.kind == TK_COMMA;
        if (t.kind == TK_RPAREN)
            break;
        if (t.kind != TK_COMMA)
            return npu_err_set(err, NPU_ERR_INPUT, "%s: .npy header: malformed 'shape' tuple",
                               what);
    }
    if (nd == 1 && !comma_after_last)
        return npu_err_set(err, NPU_ERR_INPUT,
                           "%s: .npy header: 'shape' (n) is not a tuple; expected (n,)", what);
    a->ndim = nd;
    return NPU_OK;
}

/* Parses the value of one header key. seen: bit 0 descr, 1 fortran_order, 2 shape. */
static npu_status parse_entry(npy_lexer *lx, const npy_tok *key, const char *what, cmp_array *a,
                              unsigned *seen, npu_err *err) {
    unsigned bit;
    if (tok_is(key, "descr"))
        bit = 1;
    else if (tok_is(key, "fortran_order"))
        bit = 2;
    else if (tok_is(key, "shape"))
        bit = 4;
    else
        return npu_err_set(err, NPU_ERR_INPUT, "%s: .npy header has unknown key '%.*s'", what,
                           (int)(key->n > 32 ? 32 : key->n), key->s);
    if (*seen & bit)
        return npu_err_set(err, NPU_ERR_INPUT, "%s: .npy header repeats key '%.*s'", what,
                           (int)key->n, key->s);
    *seen |= bit;
    if (lex_next(lx).kind != TK_COLON)
        return npu_err_set(err, NPU_ERR_INPUT, "%s: .npy header: expected ':' after '%.*s'", what,
                           (int)key->n, key->s);
    npy_tok v = lex_next(lx);
    if (bit == 1)
        return parse_descr(&v, what, &a->dtype, err);
    if (bit == 2) {
        if (tok_is(&v, "False") && v.kind == TK_IDENT)
            return NPU_OK;
        if (tok_is(&v, "True") && v.kind == TK_IDENT)
            return npu_err_set(err, NPU_ERR_INPUT,
                               "%s: .npy array is in Fortran order (fortran_order: True); save "
                               "it in C order (np.ascontiguousarray)",
                               what);
        return npu_err_set(err, NPU_ERR_INPUT,
                           "%s: .npy header: 'fortran_order' must be True or False", what);
    }
    if (v.kind != TK_LPAREN)
        return npu_err_set(err, NPU_ERR_INPUT, "%s: .npy header: 'shape' must be a tuple", what);
    return parse_shape(lx, what, a, err);
}

/* Parses the header dict text into dtype and shape of a. */
static npu_status parse_header(const char *h, size_t n, const char *what, cmp_array *a,
                               npu_err *err) {
    npy_lexer lx = {h, h + n};
    if (lex_next(&lx).kind != TK_LBRACE)
        return npu_err_set(err, NPU_ERR_INPUT, "%s: .npy header is not a dict", what);
    unsigned seen = 0;
    for (;;) {
        npy_tok key = lex_next(&lx);
        if (key.kind == TK_RBRACE)
            break;
        if (key.kind != TK_STR)
            return npu_err_set(err, NPU_ERR_INPUT, "%s: .npy header: malformed dict", what);
        npu_status st = parse_entry(&lx, &key, what, a, &seen, err);
        if (st)
            return st;
        npy_tok sep = lex_next(&lx);
        if (sep.kind == TK_RBRACE)
            break;
        if (sep.kind != TK_COMMA)
            return npu_err_set(err, NPU_ERR_INPUT, "%s: .npy header: malformed dict", what);
    }
    if (seen != 7)
        return npu_err_set(err, NPU_ERR_INPUT, "%s: .npy header lacks key '%s'", what,
                           !(seen & 1)   ? "descr"
                           : !(seen & 2) ? "fortran_order"
                                         : "shape");
    for (const char *p = lx.p; p < lx.end; p++)
        if (*p != ' ' && *p != '\n')
            return npu_err_set(err, NPU_ERR_INPUT, "%s: .npy header: trailing bytes after dict",
                               what);
    return NPU_OK;
}

npu_status cmp_npy_parse(const uint8_t *buf, size_t len, const char *what, cmp_array *out,
                         npu_err *err) {
    memset(out, 0, sizeof *out);
    if (len < NPY_MAGIC_LEN + 2 || memcmp(buf, NPY_MAGIC, NPY_MAGIC_LEN) != 0)
        return npu_err_set(err, NPU_ERR_INPUT, "%s: not a .npy file (bad magic)", what);
    const uint8_t major = buf[6], minor = buf[7];
    if (major < 1 || major > 3 || minor != 0)
        return npu_err_set(err, NPU_ERR_INPUT,
                           "%s: unsupported .npy format version %u.%u (supported: 1.0, 2.0, 3.0)",
                           what, major, minor);
    const size_t lenbytes = major == 1 ? 2 : 4;
    if (len < 8 + lenbytes)
        return npu_err_set(err, NPU_ERR_INPUT, "%s: truncated .npy header", what);
    uint64_t hlen = (uint64_t)buf[8] | (uint64_t)buf[9] << 8;
    if (lenbytes == 4)
        hlen |= (uint64_t)buf[10] << 16 | (uint64_t)buf[11] << 24;
    const size_t start = 8 + lenbytes;
    if (hlen == 0 || hlen > len - start)
        return npu_err_set(err, NPU_ERR_INPUT,
                           "%s: truncated .npy header (header length %llu, %zu bytes left)", what,
                           (unsigned long long)hlen, len - start);
    cmp_array a;
    memset(&a, 0, sizeof a);
    npu_status st = parse_header((const char *)buf + start, (size_t)hlen, what, &a, err);
    if (st)
        return st;
    uint64_t count = 1;
    for (uint32_t i = 0; i < a.ndim; i++) {
        if (a.shape[i] != 0 && count > CMP_MAX_ELEMS / a.shape[i])
            return npu_err_set(err, NPU_ERR_INPUT,
                               "%s: .npy shape is absurdly large (more than %llu elements)", what,
                               (unsigned long long)CMP_MAX_ELEMS);
        count *= a.shape[i];
    }
    const uint64_t want = count * cmp_dtype_size(a.dtype);
    const uint64_t have = len - start - hlen;
    if (have != want)
        return npu_err_set(err, NPU_ERR_INPUT,
                           "%s: .npy payload is %llu bytes but shape and dtype %s need %llu (%s)",
                           what, (unsigned long long)have, cmp_dtype_name(a.dtype),
                           (unsigned long long)want, have < want ? "truncated" : "trailing bytes");
    st = cmp_array_alloc(out, a.dtype, a.ndim, a.shape, err);
    if (st)
        return npu_err_prefix(err, "%s", what);
    if (want)
        memcpy(out->data, buf + start + hlen, (size_t)want);
    return NPU_OK;
}

npu_status cmp_npy_encode(const cmp_array *a, uint8_t **buf, size_t *len, npu_err *err) {
    *buf = NULL;
    *len = 0;
    if ((unsigned)a->dtype >= CMP_DTYPE_COUNT || a->ndim > CMP_MAX_DIMS)
        return npu_err_set(err, NPU_ERR_INPUT, "npy encode: bad dtype or dimensions");
    char h[512];
    int n = snprintf(h, sizeof h, "{'descr': '%s', 'fortran_order': False, 'shape': (",
                     cmp_dtype_descr(a->dtype));
    for (uint32_t i = 0; i < a->ndim; i++)
        n += snprintf(h + n, sizeof h - (size_t)n, "%s%llu", i ? ", " : "",
                      (unsigned long long)a->shape[i]);
    n += snprintf(h + n, sizeof h - (size_t)n, "%s), }", a->ndim == 1 ? "," : "");
    /* Pad with spaces so that magic + version + length + header is a multiple of 64. */
    size_t hl = (size_t)n + 1;
    const size_t total_head = (10 + hl + 63) / 64 * 64;
    hl = total_head - 10;
    const size_t payload = a->count * cmp_dtype_size(a->dtype);
    uint8_t *b = malloc(total_head + payload);
    if (!b)
        return npu_err_set(err, NPU_ERR_INTERNAL, "npy encode: out of memory");
    memcpy(b, NPY_MAGIC, NPY_MAGIC_LEN);
    b[6] = 1;
    b[7] = 0;
    b[8] = (uint8_t)(hl & 0xff);
    b[9] = (uint8_t)(hl >> 8);
    memcpy(b + 10, h, (size_t)n);
    memset(b + 10 + n, ' ', hl - (size_t)n - 1);
    b[total_head - 1] = '\n';
    if (payload)
        memcpy(b + total_head, a->data, payload);
    *buf = b;
    *len = total_head + payload;
    return NPU_OK;
}

npu_status cmp_npy_read(const char *path, cmp_array *out, npu_err *err) {
    uint8_t *buf;
    size_t len;
    memset(out, 0, sizeof *out);
    npu_status st = cmp_file_read(path, (uint64_t)1 << 20 | CMP_MAX_ELEMS * 8, &buf, &len, err);
    if (st)
        return st;
    st = cmp_npy_parse(buf, len, path, out, err);
    free(buf);
    return st;
}

npu_status cmp_npy_write(const char *path, const cmp_array *a, npu_err *err) {
    uint8_t *buf;
    size_t len;
    npu_status st = cmp_npy_encode(a, &buf, &len, err);
    if (st)
        return npu_err_prefix(err, "%s", path);
    st = cmp_file_write_atomic(path, buf, len, err);
    free(buf);
    return st;
}
