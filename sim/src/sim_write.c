/*
 * sim_write: the shared machinery of the output writers — the growable text buffer, JSON
 * string escaping and number formatting (sim_write_buf.h), cycles-to-picoseconds conversion
 * for the trace, the renderer dispatch and the atomic file writes (sim_write.h). The
 * renderers themselves live in sim_write_stats.c, sim_write_trace.c and sim_write_power.c.
 */
#include "akisim/sim_write.h"

#include "cmp/cmp_file.h"
#include "sim_write_buf.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- buffer ---- */

/* Makes room for extra more bytes plus the NUL; false (sticky oom) on failure. */
static bool buf_reserve(sim_buf *b, size_t extra) {
    if (b->oom)
        return false;
    if (extra >= SIZE_MAX / 2 - b->n) {
        b->oom = true;
        return false;
    }
    const size_t need = b->n + extra + 1;
    if (need <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < need)
        cap *= 2;
    char *s = realloc(b->s, cap);
    if (!s) {
        b->oom = true;
        return false;
    }
    b->s = s;
    b->cap = cap;
    return true;
}

void sim_buf_printf(sim_buf *b, const char *fmt, ...) {
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    const int len = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (len < 0 || !buf_reserve(b, (size_t)len))
        return;
    if ((size_t)len < sizeof small) {
        memcpy(b->s + b->n, small, (size_t)len + 1);
    } else {
        va_start(ap, fmt);
        vsnprintf(b->s + b->n, (size_t)len + 1, fmt, ap);
        va_end(ap);
    }
    b->n += (size_t)len;
}

/* Appends n raw bytes. */
static void buf_append(sim_buf *b, const char *s, size_t n) {
    if (!buf_reserve(b, n))
        return;
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = '\0';
}

void sim_buf_puts(sim_buf *b, const char *s) {
    buf_append(b, s, strlen(s));
}

/* Length (1..4) of the valid UTF-8 sequence at s[0..n), 0 when invalid. */
static size_t utf8_len(const unsigned char *s, size_t n) {
    const unsigned char c = s[0];
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        lo = c == 0xE0 ? 0xA0 : 0x80; /* no overlong forms */
        hi = c == 0xED ? 0x9F : 0xBF; /* no surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        lo = c == 0xF0 ? 0x90 : 0x80;
        hi = c == 0xF4 ? 0x8F : 0xBF; /* at most U+10FFFF */
    } else {
        return 0;
    }
    if (len > n || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t k = 2; k < len; k++)
        if (s[k] < 0x80 || s[k] > 0xBF)
            return 0;
    return len;
}

void sim_buf_json_string(sim_buf *b, const char *s, size_t max) {
    const unsigned char *u = (const unsigned char *)s;
    const size_t n = strnlen(s, max);
    buf_append(b, "\"", 1);
    for (size_t i = 0; i < n;) {
        const unsigned char c = u[i];
        if (c == '"' || c == '\\') {
            const char esc[2] = {'\\', (char)c};
            buf_append(b, esc, 2);
            i++;
        } else if (c < 0x20) {
            static const char short_esc[] = "btn\0fr"; /* \b \t \n (\v none) \f \r */
            if (c >= 0x08 && c <= 0x0D && short_esc[c - 0x08]) {
                const char esc[2] = {'\\', short_esc[c - 0x08]};
                buf_append(b, esc, 2);
            } else {
                sim_buf_printf(b, "\\u%04x", (unsigned)c);
            }
            i++;
        } else if (c < 0x80) {
            buf_append(b, (const char *)u + i, 1);
            i++;
        } else {
            const size_t len = utf8_len(u + i, n - i);
            if (len) {
                buf_append(b, (const char *)u + i, len);
                i += len;
            } else {
                buf_append(b, "\\ufffd", 6);
                i++;
            }
        }
    }
    buf_append(b, "\"", 1);
}

void sim_buf_put_grow(sim_buf *b, const char *s, size_t n) {
    buf_append(b, s, n);
}

void sim_buf_reserve(sim_buf *b, size_t extra) {
    buf_reserve(b, extra);
}

/* Writes v in decimal at the end of a 20-byte field ending at end; returns the first digit. */
static char *u64_digits(uint64_t v, char *end) {
    char *p = end;
    do {
        *--p = (char)('0' + v % 10u);
        v /= 10u;
    } while (v != 0);
    return p;
}

void sim_buf_u64(sim_buf *b, uint64_t v) {
    char t[24];
    char *p = u64_digits(v, t + sizeof t);
    sim_buf_put(b, p, (size_t)(t + sizeof t - p));
}

/*
 * "%.9g" without printf. The value is scaled to nine significant digits in long double (an
 * exact power of ten, then one rounding: relative error below 2^-63), rounded to the nearest
 * integer, and laid out as printf's %g does (fixed notation for decimal exponents -4..8,
 * else d.dddde+XX; trailing zeros and a bare point dropped). When the scaled value lies
 * within 1e-6 of a rounding tie, or outside the table's exponent range, or long double is
 * not wider than double, the text comes from snprintf: the output is always printf's.
 */
#define SIM_G_DIGITS 9
static size_t fmt_g9(double v, char *out, size_t cap) {
#if LDBL_MANT_DIG >= 64
    static const long double pow10[] = {1e0L,  1e1L,  1e2L,  1e3L,  1e4L,  1e5L,  1e6L,
                                        1e7L,  1e8L,  1e9L,  1e10L, 1e11L, 1e12L, 1e13L,
                                        1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L, 1e20L,
                                        1e21L, 1e22L, 1e23L, 1e24L, 1e25L, 1e26L, 1e27L};
    const int max_p = (int)(sizeof pow10 / sizeof pow10[0]) - 1;
    char *o = out;
    if (v == 0.0) {
        if (signbit(v))
            *o++ = '-';
        *o++ = '0';
        return (size_t)(o - out);
    }
    const long double a = fabsl((long double)v);
    int e = (int)floor(log10((double)a)); /* decimal exponent, maybe off by one */
    long double s = 0.0L;
    for (int k = 0; k < 3; k++) {
        const int p = SIM_G_DIGITS - 1 - e;
        if (p > max_p || p < -max_p)
            return (size_t)snprintf(out, cap, SIM_JSON_DOUBLE_FMT, v);
        s = p >= 0 ? a * pow10[p] : a / pow10[-p];
        if (s < 1e8L)
            e--;
        else if (s >= 1e9L)
            e++;
        else
            break;
    }
    const long double fl = floorl(s), frac = s - fl;
    if (s < 1e8L || s >= 1e9L || fabsl(frac - 0.5L) < 1e-6L)
        return (size_t)snprintf(out, cap, SIM_JSON_DOUBLE_FMT, v);
    uint64_t d = (uint64_t)fl + (frac > 0.5L);
    if (d >= 1000000000u) {
        d /= 10u;
        e++;
    }
    char dig[SIM_G_DIGITS];
    for (int k = SIM_G_DIGITS - 1; k >= 0; k--, d /= 10u)
        dig[k] = (char)('0' + d % 10u);
    int nd = SIM_G_DIGITS; /* significant digits without trailing zeros */
    while (nd > 1 && dig[nd - 1] == '0')
        nd--;
    if (v < 0)
        *o++ = '-';
    if (e < -4 || e >= SIM_G_DIGITS) { /* d.ddde+XX */
        *o++ = dig[0];
        if (nd > 1) {
            *o++ = '.';
            memcpy(o, dig + 1, (size_t)nd - 1);
            o += nd - 1;
        }
        *o++ = 'e';
        *o++ = e < 0 ? '-' : '+';
        const int ae = e < 0 ? -e : e;
        if (ae >= 100)
            *o++ = (char)('0' + ae / 100);
        *o++ = (char)('0' + ae / 10 % 10);
        *o++ = (char)('0' + ae % 10);
    } else if (e >= 0) { /* ddd.ddd */
        const int ip = e + 1;
        memcpy(o, dig, (size_t)ip);
        o += ip;
        if (nd > ip) {
            *o++ = '.';
            memcpy(o, dig + ip, (size_t)(nd - ip));
            o += nd - ip;
        }
    } else { /* 0.000ddd */
        *o++ = '0';
        *o++ = '.';
        for (int k = 0; k < -e - 1; k++)
            *o++ = '0';
        memcpy(o, dig, (size_t)nd);
        o += nd;
    }
    *o = '\0';
    return (size_t)(o - out);
#else
    return (size_t)snprintf(out, cap, SIM_JSON_DOUBLE_FMT, v);
#endif
}

size_t sim_json_double_text(double v, char out[SIM_JSON_DOUBLE_MAX]) {
    if (!isfinite(v)) {
        memcpy(out, "null", 5);
        return 4;
    }
    const size_t n = fmt_g9(v, out, SIM_JSON_DOUBLE_MAX - 1);
    out[n] = '\0'; /* fmt_g9's own digit paths do not terminate */
    return n;
}

void sim_buf_json_double(sim_buf *b, double v) {
    char t[SIM_JSON_DOUBLE_MAX];
    const size_t n = sim_json_double_text(v, t);
    sim_buf_put(b, t, n);
}

void sim_buf_us6(sim_buf *b, uint64_t ps) {
    char t[32];
    char *end = t + sizeof t, *p = end;
    uint64_t frac = ps % 1000000u;
    for (int k = 0; k < 6; k++, frac /= 10u)
        *--p = (char)('0' + frac % 10u);
    *--p = '.';
    p = u64_digits(ps / 1000000u, p);
    buf_append(b, p, (size_t)(end - p));
}

char *sim_buf_take(sim_buf *b) {
    if (!b->oom && !b->s)
        buf_reserve(b, 0);
    if (b->oom) {
        free(b->s);
        b->s = NULL;
        return NULL;
    }
    b->s[b->n] = '\0';
    char *s = b->s;
    b->s = NULL;
    b->n = b->cap = 0;
    return s;
}

/* ---- conversions ---- */

uint64_t sim_write_cycles_to_ps(uint64_t cycles, double clock_mhz) {
    if (!(clock_mhz > 0.0) || !isfinite(clock_mhz))
        return 0;
    if (clock_mhz == floor(clock_mhz) && clock_mhz <= 1e9) {
        /* exact: q * 10^6 + round(rem * 10^6 / mhz), rem < mhz so nothing overflows */
        const uint64_t mhz = (uint64_t)clock_mhz;
        const uint64_t q = cycles / mhz, rem = cycles % mhz;
        return q * 1000000u + (rem * 1000000u + mhz / 2) / mhz;
    }
    const long double ps = (long double)cycles * 1e6L / (long double)clock_mhz;
    return ps >= 18446744073709551615.0L ? UINT64_MAX : (uint64_t)(ps + 0.5L);
}

/* ---- dispatch and files ---- */

char *sim_write_render(sim_write_kind kind, const sim_results *r) {
    switch (kind) {
    case SIM_WRITE_STATS:
        return sim_write_stats_json(r);
    case SIM_WRITE_SUMMARY:
        return sim_write_summary(r);
    case SIM_WRITE_TRACE:
        return sim_write_trace_json(r);
    case SIM_WRITE_POWER:
        return sim_write_power_csv(r);
    default:
        return NULL;
    }
}

npu_status sim_write_file(sim_write_kind kind, const sim_results *r, const char *path,
                          npu_err *err) {
    char *text = sim_write_render(kind, r);
    if (!text)
        return npu_err_set(err, NPU_ERR_INTERNAL, "%s: out of memory rendering the output", path);
    const npu_status st = cmp_file_write_atomic(path, text, strlen(text), err);
    free(text);
    return st;
}

npu_status sim_write_check_dir(const char *path, npu_err *err) {
    const char *slash = strrchr(path, '/');
    char dir[4096];
    if (!slash) {
        strcpy(dir, ".");
    } else if (slash == path) {
        strcpy(dir, "/");
    } else {
        const size_t n = (size_t)(slash - path);
        if (n >= sizeof dir)
            return npu_err_set(err, NPU_ERR_INPUT, "%s: path too long", path);
        memcpy(dir, path, n);
        dir[n] = '\0';
    }
    if (access(dir, W_OK | X_OK) != 0)
        return npu_err_set(err, NPU_ERR_INPUT, "%s: cannot create file: %s: %s", path, dir,
                           strerror(errno));
    return NPU_OK;
}

npu_status sim_write_files(const sim_results *r, const char *const paths[SIM_WRITE_KIND_COUNT],
                           npu_err *err) {
    char *text[SIM_WRITE_KIND_COUNT] = {0};
    npu_status st = NPU_OK;
    for (int k = 0; k < SIM_WRITE_KIND_COUNT && st == NPU_OK; k++) {
        if (!paths[k])
            continue;
        st = sim_write_check_dir(paths[k], err);
        if (st == NPU_OK && !(text[k] = sim_write_render((sim_write_kind)k, r)))
            st = npu_err_set(err, NPU_ERR_INTERNAL, "%s: out of memory rendering the output",
                             paths[k]);
    }
    for (int k = 0; k < SIM_WRITE_KIND_COUNT && st == NPU_OK; k++)
        if (text[k])
            st = cmp_file_write_atomic(paths[k], text[k], strlen(text[k]), err);
    for (int k = 0; k < SIM_WRITE_KIND_COUNT; k++)
        free(text[k]);
    return st;
}
