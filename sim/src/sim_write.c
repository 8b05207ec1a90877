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

void sim_buf_json_double(sim_buf *b, double v) {
    if (!isfinite(v))
        sim_buf_puts(b, "null");
    else
        sim_buf_printf(b, SIM_JSON_DOUBLE_FMT, v);
}

void sim_buf_us6(sim_buf *b, uint64_t ps) {
    sim_buf_printf(b, "%llu.%06llu", (unsigned long long)(ps / 1000000u),
                   (unsigned long long)(ps % 1000000u));
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
