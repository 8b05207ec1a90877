/*
 * sim_write_buf: the growable text buffer and the JSON scalar formatting shared by the
 * output writers (sim_write*.c). Internal to sim/.
 *
 * An out-of-memory failure is sticky: later appends are ignored and sim_buf_take() returns
 * NULL, so writers append without checking each call. JSON strings are escaped per RFC 8259
 * (quote, backslash, control characters); bytes that are not valid UTF-8 become U+FFFD, so
 * the output is always valid JSON. Doubles: SIM_JSON_DOUBLE_FMT, non-finite values as null.
 */
#ifndef SIM_WRITE_BUF_H
#define SIM_WRITE_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Format of every double in the stats JSON (9 significant digits; documented in
 * docs/stats-format.md). */
#define SIM_JSON_DOUBLE_FMT "%.9g"

typedef struct sim_buf {
    char *s;    /* text (NUL-terminated when not oom) */
    size_t n;   /* bytes used, without the NUL */
    size_t cap; /* bytes allocated */
    bool oom;   /* an allocation failed */
} sim_buf;

/* Appends printf-formatted text. */
void sim_buf_printf(sim_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
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
