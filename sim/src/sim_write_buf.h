/*
 * sim_write_buf: the growable text buffer and the JSON scalar formatting shared by the
 * output writers (sim_write*.c). Internal to sim/.
 *
 * An out-of-memory failure is sticky: later appends are ignored and sim_buf_take() returns
 * NULL, so writers append without checking each call. JSON strings are escaped per RFC 8259
 * (quote, backslash, control characters); bytes that are not valid UTF-8 become U+FFFD, so
 * the output is always valid JSON. Doubles: SIM_JSON_DOUBLE_FMT, non-finite values as null.
 * Integers and doubles are formatted without printf (the writers' hot path in sweeps), with
 * printf's exact text.
 */
#ifndef SIM_WRITE_BUF_H
#define SIM_WRITE_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Format of every double in the stats JSON (9 significant digits; documented in
 * docs/stats-format.md). */
#define SIM_JSON_DOUBLE_FMT "%.9g"
/* Room for any SIM_JSON_DOUBLE_FMT text with its NUL ("-1.23456789e-308"). */
#define SIM_JSON_DOUBLE_MAX 32

typedef struct sim_buf {
    char *s;    /* text (NUL-terminated when not oom) */
    size_t n;   /* bytes used, without the NUL */
    size_t cap; /* bytes allocated */
    bool oom;   /* an allocation failed */
} sim_buf;

/* Appends printf-formatted text. */
void sim_buf_printf(sim_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends n bytes of s when the buffer must grow first (sim_buf_put's slow path). */
void sim_buf_put_grow(sim_buf *b, const char *s, size_t n);
/* Makes room for `extra` more bytes (so that the appends that follow do not reallocate). */
void sim_buf_reserve(sim_buf *b, size_t extra);
/* Appends n bytes of s. */
static inline void sim_buf_put(sim_buf *b, const char *s, size_t n) {
    if (!b->oom && b->s != NULL && n < b->cap - b->n) {
        memcpy(b->s + b->n, s, n);
        b->n += n;
        b->s[b->n] = '\0';
    } else {
        sim_buf_put_grow(b, s, n);
    }
}
/* Appends a string literal (its length known at compile time). */
#define SIM_BUF_LIT(b, lit) sim_buf_put((b), "" lit, sizeof(lit) - 1)
/* Appends an unsigned integer in decimal (printf's %llu, without printf). */
void sim_buf_u64(sim_buf *b, uint64_t v);
/* Writes v as SIM_JSON_DOUBLE_FMT (null when not finite) into out without printf (the text
 * equals snprintf's byte for byte), NUL-terminated; returns its length. */
size_t sim_json_double_text(double v, char out[SIM_JSON_DOUBLE_MAX]);
/* Appends a NUL-terminated string. */
void sim_buf_puts(sim_buf *b, const char *s);
/* Appends s (at most max bytes, stopping at a NUL) as a quoted, escaped JSON string. */
void sim_buf_json_string(sim_buf *b, const char *s, size_t max);
/* Appends a double as JSON: SIM_JSON_DOUBLE_FMT, null when not finite. */
void sim_buf_json_double(sim_buf *b, double v);
/* Appends picoseconds as decimal microseconds with 6 decimals ("12.345678"). */
void sim_buf_us6(sim_buf *b, uint64_t ps);
/* Returns the text (caller frees) or NULL when an allocation failed (buffer freed). */
char *sim_buf_take(sim_buf *b);

#endif /* SIM_WRITE_BUF_H */
