/*
 * rep_int: internal interfaces of the report generator, shared by its source files — a
 * growable text buffer, whole-file reading and atomic writing, a small RFC 4180 CSV reader,
 * the gnuplot runner and the renderers (figures, index.html, summary.md). Not installed.
 */
#ifndef REP_INT_H
#define REP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "rep/rep_report.h"

/* ---- text buffer (rep_buf.c) ---- */

/* A growable NUL-terminated text buffer; oom latches on the first allocation failure. */
typedef struct rep_buf {
    char *p;    /* text (NUL-terminated once anything was written) */
    size_t n;   /* length */
    size_t cap; /* allocated bytes */
    bool oom;   /* an allocation failed */
} rep_buf;

void rb_printf(rep_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rb_puts(rep_buf *b, const char *s);
/* Appends s with &, <, >, " and ' escaped for HTML text and attribute values. */
void rb_html(rep_buf *b, const char *s);
/* Appends s as a gnuplot single-quoted string literal (quotes included). */
void rb_gpstr(rep_buf *b, const char *s);
/* Appends s as a gnuplot double-quoted string literal: its newlines become line breaks. */
void rb_gpstr_lines(rep_buf *b, const char *s);
/* Appends s for a Markdown table cell (| escaped, newlines as spaces). */
void rb_md(rep_buf *b, const char *s);
/* Appends s for a tab-separated data field (tabs and newlines become spaces, "" -> "-"). */
void rb_field(rep_buf *b, const char *s);
void rb_free(rep_buf *b);

/* ---- files (rep_file.c) ---- */

/* Reads a whole file (NUL-terminated). A missing or unreadable file is NPU_ERR_INPUT. */
npu_status rep_read_file(const char *path, char **text, size_t *len, npu_err *err);
/* Writes the buffer to path atomically; an out-of-memory buffer is NPU_ERR_INTERNAL. */
npu_status rep_write_buf(const char *path, const rep_buf *b, npu_err *err);
/* Joins a directory and a name into a fresh string (NULL when out of memory). */
char *rep_path(const char *dir, const char *name);
bool rep_file_exists(const char *path);

/* ---- CSV (rep_csv.c) ---- */

/* One CSV record. */
typedef struct rep_csv_row {
    char **f;    /* fields (NUL-terminated, unquoted) */
    size_t n;    /* number of fields */
    size_t line; /* 1-based line where the record starts */
} rep_csv_row;

/* A parsed CSV file. */
typedef struct rep_csv {
    rep_csv_row *rows; /* records, the header first */
    size_t n;          /* number of records */
} rep_csv;

/* Parses RFC 4180 CSV (quoted fields, "" escapes, LF or CRLF). Blank lines are skipped, and
 * lines starting with '#' too when comments is set. Errors name `what` and the line. */
npu_status rep_csv_parse(const char *text, size_t len, bool comments, const char *what,
                         rep_csv *out, npu_err *err);
void rep_csv_free(rep_csv *c);
/* Column of a header name, or -1. */
long rep_csv_col(const rep_csv_row *header, const char *name);

/* ---- point JSON (rep_json.c) ---- */

/* Parses one point JSON text into p (zeroed first); `what` names the file in messages. */
npu_status rep_point_parse(const char *text, size_t len, const char *what, rep_point *p,
                           npu_err *err);
void rep_point_free(rep_point *p);

/* ---- gnuplot (rep_gnuplot.c) ---- */

/* The gnuplot executable and what it supports. */
typedef struct rep_gnuplot {
    char exe[4096]; /* resolved executable path */
    bool pngcairo;  /* the pngcairo terminal works (else the png terminal is used) */
} rep_gnuplot;

/* Finds gnuplot (name: NULL = "gnuplot" searched in PATH, or a path) and probes the PNG
 * terminal. Not found is NPU_ERR_INPUT with an installation hint. */
npu_status rep_gnuplot_find(const char *name, rep_gnuplot *g, npu_err *err);
/* Runs `gnuplot SCRIPT` with workdir as working directory; its messages go to log (a path).
 * A failure is NPU_ERR_INTERNAL quoting the first lines of the log. */
npu_status rep_gnuplot_run(const rep_gnuplot *g, const char *workdir, const char *script,
                           const char *log, npu_err *err);

/* ---- figures (rep_plot.c) ---- */

#define REP_N_FIGS 7

/* One figure of the report. */
typedef struct rep_fig {
    const char *name;  /* file stem: NAME.png, NAME.svg, gnuplot/NAME.gp */
    const char *title; /* heading in index.html and summary.md */
    char caption[512]; /* what the figure shows (drawn) */
    char skip[256];    /* why it was not drawn ("" when drawn) */
    bool drawn;        /* the PNG and SVG exist */
} rep_fig;

/* What the renderers share. */
typedef struct rep_ctx {
    const rep_sweep *s;       /* the sweep */
    const rep_point *chosen;  /* point of the power / NP figures (NULL: none) */
    const char *stage;        /* staging directory (files are written here) */
    const rep_gnuplot *gp;    /* gnuplot */
    rep_fig figs[REP_N_FIGS]; /* figures, in report order */
    char **models;            /* distinct models of ok points, first-appearance order */
    size_t n_models;          /* entries in models */
} rep_ctx;

/* Index of the model of p in ctx->models (or n_models when p is not ok). */
size_t rep_model_index(const rep_ctx *c, const rep_point *p);
/* Draws every figure (or records why it is not drawn). */
npu_status rep_plot_all(rep_ctx *c, npu_err *err);
/* Writes index.html and summary.md into the staging directory. */
npu_status rep_write_html(const rep_ctx *c, npu_err *err);
npu_status rep_write_summary(const rep_ctx *c, npu_err *err);

/* The ok point of model m with the lowest latency (energy when `energy`), ties to the lower
 * index; NULL when the model has none. */
const rep_point *rep_best(const rep_ctx *c, size_t m, bool energy);
/* Marks on[i] (i over all points) for the energy/latency Pareto set of model m; returns its
 * size. */
size_t rep_model_pareto(const rep_ctx *c, size_t m, bool *on);
/* Formats a figure with 4 significant digits ("-" when not finite). */
void rep_fmt(char *dst, size_t cap, double v);

/* Short "hw_only, allnps" description of a point's mapping options. */
void rep_mapping_label(const rep_point *p, char *dst, size_t cap);

/* Whether p failed only because its model does not fit the mesh in a hardware-only mapping
 * (the mapper's "hw_only: ... does not fit" refusal): an expected outcome of sweeping
 * hw_only over small meshes, reported apart from real failures. */
bool rep_point_unfit(const rep_point *p);
/* Number of points of s that rep_point_unfit. */
size_t rep_count_unfit(const rep_sweep *s);
/* Prints the short text summary of the report (counts, best point per model, files). */
void rep_write_text(const rep_ctx *c, const char *out, FILE *f);

#endif /* REP_INT_H */
