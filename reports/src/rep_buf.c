/*
 * rep_buf: the growable text buffer the report writers build their files in, with the
 * escaping each output format needs (HTML, gnuplot string literals, Markdown table cells,
 * tab-separated data fields).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rep_int.h"

/* Makes room for `more` bytes plus the NUL; false (oom latched) on failure. */
static bool rb_reserve(rep_buf *b, size_t more) {
    if (b->oom)
        return false;
    if (b->n + more + 1 <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->n + more + 1)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->oom = true;
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

void rb_printf(rep_buf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    const int need = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (need < 0 || !rb_reserve(b, (size_t)need))
        return;
    va_start(ap, fmt);
    vsnprintf(b->p + b->n, b->cap - b->n, fmt, ap);
    va_end(ap);
    b->n += (size_t)need;
}

/* Appends len bytes. */
static void rb_put(rep_buf *b, const char *s, size_t len) {
    if (!rb_reserve(b, len))
        return;
    memcpy(b->p + b->n, s, len);
    b->n += len;
    b->p[b->n] = '\0';
}

void rb_puts(rep_buf *b, const char *s) {
    rb_put(b, s, strlen(s));
}

void rb_html(rep_buf *b, const char *s) {
    for (; *s; s++) {
        switch (*s) {
        case '&':
            rb_puts(b, "&amp;");
            break;
        case '<':
            rb_puts(b, "&lt;");
            break;
        case '>':
            rb_puts(b, "&gt;");
            break;
        case '"':
            rb_puts(b, "&quot;");
            break;
        case '\'':
            rb_puts(b, "&#39;");
            break;
        default:
            rb_put(b, s, 1);
            break;
        }
    }
}

void rb_gpstr(rep_buf *b, const char *s) {
    rb_put(b, "'", 1);
    for (; *s; s++) {
        if (*s == '\'')
            rb_put(b, "''", 2);
        else if (*s == '\n' || *s == '\r' || *s == '\t')
            rb_put(b, " ", 1);
        else
            rb_put(b, s, 1);
    }
    rb_put(b, "'", 1);
}

void rb_gpstr_lines(rep_buf *b, const char *s) {
    rb_put(b, "\"", 1);
    for (; *s; s++) {
        if (*s == '\n')
            rb_put(b, "\\n", 2);
        else if (*s == '"' || *s == '\\')
            rb_put(b, "\\", 1), rb_put(b, s, 1);
        else if (*s == '\r' || *s == '\t')
            rb_put(b, " ", 1);
        else
            rb_put(b, s, 1);
    }
    rb_put(b, "\"", 1);
}

void rb_md(rep_buf *b, const char *s) {
    for (; *s; s++) {
        if (*s == '|')
            rb_put(b, "\\|", 2);
        else if (*s == '\n' || *s == '\r')
            rb_put(b, " ", 1);
        else
            rb_put(b, s, 1);
    }
}

void rb_field(rep_buf *b, const char *s) {
    if (!*s) {
        rb_put(b, "-", 1);
        return;
    }
    for (; *s; s++)
        rb_put(b, (*s == '\t' || *s == '\n' || *s == '\r') ? " " : s, 1);
}

void rb_free(rep_buf *b) {
    free(b->p);
    memset(b, 0, sizeof *b);
}
