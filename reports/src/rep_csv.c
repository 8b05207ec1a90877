/*
 * rep_csv: a small RFC 4180 reader for results.csv and the power CSVs — comma-separated
 * fields, double-quoted fields that may hold commas, quotes ("") and newlines, LF or CRLF line
 * ends. Blank lines are skipped; so are '#' comment lines when asked (the power CSV ends with
 * "# floor_mw=..."). Every field becomes its own NUL-terminated string.
 */
#include <stdlib.h>
#include <string.h>

#include "rep_int.h"

/* Parser state over one text. */
typedef struct csv_state {
    const char *t;    /* text */
    size_t len;       /* its length */
    size_t i;         /* read position */
    size_t line;      /* current 1-based line */
    const char *what; /* file name for messages */
    npu_err *err;     /* error object */
} csv_state;

/* Appends a field to a row; false when out of memory. */
static bool row_add(rep_csv_row *r, rep_buf *fb) {
    char **f = realloc(r->f, (r->n + 1) * sizeof *f);
    if (!f)
        return false;
    r->f = f;
    char *s = strdup(fb->p ? fb->p : "");
    if (!s)
        return false;
    r->f[r->n++] = s;
    return true;
}

static void row_free(rep_csv_row *r) {
    for (size_t i = 0; i < r->n; i++)
        free(r->f[i]);
    free(r->f);
    memset(r, 0, sizeof *r);
}

/* Reads one field into fb; stops at ',' / end of line / end of text (not consumed). */
static npu_status read_field(csv_state *s, rep_buf *fb) {
    fb->n = 0;
    if (fb->p)
        fb->p[0] = '\0';
    rb_puts(fb, "");
    if (s->i < s->len && s->t[s->i] == '"') {
        const size_t start_line = s->line;
        s->i++;
        for (;;) {
            if (s->i >= s->len)
                return npu_err_set(s->err, NPU_ERR_INPUT, "%s: line %zu: unterminated quoted field",
                                   s->what, start_line);
            const char ch = s->t[s->i++];
            if (ch == '"') {
                if (s->i < s->len && s->t[s->i] == '"') {
                    s->i++;
                    rb_puts(fb, "\"");
                    continue;
                }
                break;
            }
            if (ch == '\n')
                s->line++;
            char one[2] = {ch, '\0'};
            rb_puts(fb, one);
        }
        if (s->i < s->len && s->t[s->i] != ',' && s->t[s->i] != '\n' && s->t[s->i] != '\r')
            return npu_err_set(s->err, NPU_ERR_INPUT, "%s: line %zu: text after a closing quote",
                               s->what, s->line);
        return NPU_OK;
    }
    const size_t start = s->i;
    while (s->i < s->len && s->t[s->i] != ',' && s->t[s->i] != '\n' && s->t[s->i] != '\r') {
        if (s->t[s->i] == '"')
            return npu_err_set(s->err, NPU_ERR_INPUT,
                               "%s: line %zu: quote inside an unquoted field", s->what, s->line);
        s->i++;
    }
    char *tmp = strndup(s->t + start, s->i - start);
    if (!tmp)
        return npu_err_set(s->err, NPU_ERR_INTERNAL, "%s: out of memory", s->what);
    rb_puts(fb, tmp);
    free(tmp);
    return NPU_OK;
}

/* Skips to the start of the next line. */
static void skip_line(csv_state *s) {
    while (s->i < s->len && s->t[s->i] != '\n')
        s->i++;
    if (s->i < s->len) {
        s->i++;
        s->line++;
    }
}

/* Reads one record into r (at the start of a non-blank line). */
static npu_status read_record(csv_state *s, rep_csv_row *r, rep_buf *fb) {
    r->line = s->line;
    for (;;) {
        npu_status st = read_field(s, fb);
        if (st != NPU_OK)
            return st;
        if (fb->oom || !row_add(r, fb))
            return npu_err_set(s->err, NPU_ERR_INTERNAL, "%s: out of memory", s->what);
        if (s->i < s->len && s->t[s->i] == ',') {
            s->i++;
            continue;
        }
        if (s->i < s->len && s->t[s->i] == '\r')
            s->i++;
        if (s->i < s->len && s->t[s->i] != '\n')
            return npu_err_set(s->err, NPU_ERR_INPUT, "%s: line %zu: stray carriage return",
                               s->what, s->line);
        skip_line(s);
        return NPU_OK;
    }
}

npu_status rep_csv_parse(const char *text, size_t len, bool comments, const char *what,
                         rep_csv *out, npu_err *err) {
    memset(out, 0, sizeof *out);
    csv_state s = {text, len, 0, 1, what, err};
    rep_buf fb = {0};
    npu_status st = NPU_OK;
    while (s.i < s.len && st == NPU_OK) {
        const char ch = s.t[s.i];
        if (ch == '\n' || ch == '\r' || (comments && ch == '#')) {
            skip_line(&s);
            continue;
        }
        rep_csv_row *rows = realloc(out->rows, (out->n + 1) * sizeof *rows);
        if (!rows) {
            st = npu_err_set(err, NPU_ERR_INTERNAL, "%s: out of memory", what);
            break;
        }
        out->rows = rows;
        memset(&out->rows[out->n], 0, sizeof out->rows[out->n]);
        st = read_record(&s, &out->rows[out->n], &fb);
        out->n++;
    }
    rb_free(&fb);
    if (st != NPU_OK)
        rep_csv_free(out);
    return st;
}

void rep_csv_free(rep_csv *c) {
    for (size_t i = 0; i < c->n; i++)
        row_free(&c->rows[i]);
    free(c->rows);
    memset(c, 0, sizeof *c);
}

long rep_csv_col(const rep_csv_row *header, const char *name) {
    for (size_t i = 0; i < header->n; i++)
        if (strcmp(header->f[i], name) == 0)
            return (long)i;
    return -1;
}
