/*
 * rep_summary: writes the report's summary.md — the sweep's counts, per model the point with
 * the lowest latency, the one with the lowest energy per frame and the energy/latency Pareto
 * set (sorted by latency), the points that do not fit hw_only (an expected outcome, listed
 * apart), the failed points with their messages, and the figures (Markdown images of the
 * PNGs, or why a figure was not drawn). When any point has a top-1 accuracy (dataset inputs:
 * results.csv's optional `accuracy` column), the tables get an accuracy column and each model
 * the range of its points' accuracies. Plain GitHub-flavoured Markdown. Also the short text
 * summary `akisim report` prints on the terminal.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rep_int.h"

/* Whether any point carries a top-1 accuracy (adds a column and a line per model). */
static bool any_accuracy(const rep_sweep *s) {
    for (size_t i = 0; i < s->n; i++)
        if (isfinite(s->pts[i].accuracy))
            return true;
    return false;
}

/* One table row for a point (with its accuracy when acc). */
static void md_row(rep_buf *b, const char *what, const rep_point *p, bool acc) {
    char m[96], lat[32], en[32], ac[32];
    rep_mapping_label(p, m, sizeof m);
    rep_fmt(lat, sizeof lat, p->latency_ms);
    rep_fmt(en, sizeof en, p->energy_mj);
    rep_fmt(ac, sizeof ac, p->accuracy);
    rb_printf(b, "| %s | %s | ", what, p->id);
    rb_md(b, p->mesh);
    rb_printf(b, " (%lld NPs) | %s | %s | %lld | %s | %s |", (long long)p->mesh_nps, m,
              p->clock_mode, (long long)p->batch, lat, en);
    if (acc)
        rb_printf(b, " %s |", ac);
    rb_puts(b, "\n");
}

static void table_head(rep_buf *b, bool acc) {
    rb_puts(b, "| best for | point | mesh | mapping | clock | batch | latency (ms) | energy "
               "(mJ/frame) |");
    rb_puts(b, acc ? " top-1 accuracy |\n" : "\n");
    rb_puts(b, "|---|---|---|---|---|---:|---:|---:|");
    rb_puts(b, acc ? "---:|\n" : "\n");
}

/* "Top-1 accuracy: 0.8731 on all 12 points." (or the range) for model m, when any of its
 * points has one. */
static void model_accuracy(rep_buf *b, const rep_ctx *c, size_t m) {
    double lo = NAN, hi = NAN;
    size_t n = 0, n_ok = 0;
    for (size_t i = 0; i < c->s->n; i++) {
        const rep_point *p = &c->s->pts[i];
        if (!p->ok || rep_model_index(c, p) != m)
            continue;
        n_ok++;
        if (!isfinite(p->accuracy))
            continue;
        lo = n == 0 || p->accuracy < lo ? p->accuracy : lo;
        hi = n == 0 || p->accuracy > hi ? p->accuracy : hi;
        n++;
    }
    if (n == 0)
        return;
    char a[32], z[32];
    rep_fmt(a, sizeof a, lo);
    rep_fmt(z, sizeof z, hi);
    if (strcmp(a, z) == 0)
        rb_printf(b, "Top-1 accuracy: %s on %s%zu point%s with a dataset input.\n\n", a,
                  n == n_ok ? "all " : "", n, n == 1 ? "" : "s");
    else
        rb_printf(b, "Top-1 accuracy: from %s to %s over %zu point%s with a dataset input.\n\n", a,
                  z, n, n == 1 ? "" : "s");
}

/* Indices of the Pareto set of model m, sorted by latency. */
static size_t pareto_sorted(const rep_ctx *c, size_t m, bool *on, size_t *idx) {
    rep_model_pareto(c, m, on);
    size_t k = 0;
    for (size_t i = 0; i < c->s->n; i++)
        if (on[i])
            idx[k++] = i;
    for (size_t a = 1; a < k; a++)
        for (size_t j = a; j > 0 && c->s->pts[idx[j]].latency_ms < c->s->pts[idx[j - 1]].latency_ms;
             j--) {
            const size_t t = idx[j];
            idx[j] = idx[j - 1];
            idx[j - 1] = t;
        }
    return k;
}

static void models(rep_buf *b, const rep_ctx *c, bool *on, size_t *idx) {
    rb_puts(b, "## Best points per model\n\n");
    if (c->n_models == 0) {
        rb_puts(b, "No successful point.\n\n");
        return;
    }
    const bool acc = any_accuracy(c->s);
    for (size_t m = 0; m < c->n_models; m++) {
        rb_puts(b, "### ");
        rb_md(b, c->models[m]);
        rb_puts(b, "\n\n");
        table_head(b, acc);
        md_row(b, "lowest latency", rep_best(c, m, false), acc);
        md_row(b, "lowest energy", rep_best(c, m, true), acc);
        const size_t k = pareto_sorted(c, m, on, idx);
        for (size_t i = 0; i < k; i++)
            md_row(b, "Pareto set", &c->s->pts[idx[i]], acc);
        rb_printf(b,
                  "\nPareto set: %zu point%s (no other point of the model has both a lower "
                  "latency and a lower energy per frame).\n\n",
                  k, k == 1 ? "" : "s");
        if (acc)
            model_accuracy(b, c, m);
    }
}

/* One table of failed points: the unfit ones (unfit) or the others. */
static void error_rows(rep_buf *b, const rep_ctx *c, bool unfit) {
    rb_puts(b, "| point | model | mesh | mapping | error |\n|---|---|---|---|---|\n");
    for (size_t i = 0; i < c->s->n; i++) {
        const rep_point *p = &c->s->pts[i];
        if (p->ok || rep_point_unfit(p) != unfit)
            continue;
        char m[96];
        rep_mapping_label(p, m, sizeof m);
        rb_printf(b, "| %s | ", p->id);
        rb_md(b, p->model);
        rb_puts(b, " | ");
        rb_md(b, p->mesh);
        rb_printf(b, " | %s | ", m);
        rb_md(b, p->error);
        rb_puts(b, " |\n");
    }
    rb_puts(b, "\n");
}

static void errors(rep_buf *b, const rep_ctx *c) {
    const size_t unfit = rep_count_unfit(c->s), failed = c->s->n - c->s->n_ok - unfit;
    if (unfit > 0) {
        rb_printf(b,
                  "## Points that do not fit hw_only (expected)\n\n%zu point%s: the model needs "
                  "more NPs than the mesh has for a hardware-only mapping (one pass, no partial "
                  "reconfiguration). This is a result, not a fault: the hybrid points of the same "
                  "model and mesh run it in several passes.\n\n",
                  unfit, unfit == 1 ? "" : "s");
        error_rows(b, c, true);
    }
    if (failed > 0) {
        rb_puts(b, "## Failed points\n\n");
        error_rows(b, c, false);
    }
}

/* "111 ok, 9 do not fit hw_only (expected), 0 failed". */
static void counts(char *dst, size_t cap, const rep_sweep *s) {
    const size_t unfit = rep_count_unfit(s);
    char u[96] = "";
    if (unfit)
        snprintf(u, sizeof u, ", %zu do%s not fit hw_only (expected)", unfit,
                 unfit == 1 ? "es" : "");
    snprintf(dst, cap, "%zu ok%s, %zu failed", s->n_ok, u, s->n - s->n_ok - unfit);
}

static void figures(rep_buf *b, const rep_ctx *c) {
    rb_puts(b, "## Figures\n\n");
    for (size_t i = 0; i < REP_N_FIGS; i++) {
        const rep_fig *f = &c->figs[i];
        if (f->drawn)
            rb_printf(b, "### %s\n\n![%s](%s.png)\n\n%s ([SVG](%s.svg))\n\n", f->title, f->title,
                      f->name, f->caption, f->name);
        else
            rb_printf(b, "### %s\n\nNot drawn: %s.\n\n", f->title, f->skip);
    }
}

npu_status rep_write_summary(const rep_ctx *c, npu_err *err) {
    bool *on = calloc(c->s->n + 1, sizeof *on);
    size_t *idx = calloc(c->s->n + 1, sizeof *idx);
    if (!on || !idx) {
        free(on);
        free(idx);
        return npu_err_set(err, NPU_ERR_INTERNAL, "out of memory");
    }
    rep_buf b = {0};
    rb_puts(&b, "# Sweep summary\n\nSweep `");
    rb_md(&b, c->s->dir);
    char cnt[160];
    counts(cnt, sizeof cnt, c->s);
    rb_printf(&b,
              "`: %zu points, %s, %zu models. Figures and the table of all points: "
              "[index.html](index.html).\n\n",
              c->s->n, cnt, c->n_models);
    models(&b, c, on, idx);
    errors(&b, c);
    figures(&b, c);
    free(on);
    free(idx);
    char *path = rep_path(c->stage, "summary.md");
    const npu_status st =
        path ? rep_write_buf(path, &b, err) : npu_err_set(err, NPU_ERR_INTERNAL, "out of memory");
    free(path);
    rb_free(&b);
    return st;
}

void rep_write_text(const rep_ctx *c, const char *out, FILE *f) {
    char cnt[160];
    counts(cnt, sizeof cnt, c->s);
    fprintf(f, "%zu points: %s\n", c->s->n, cnt);
    size_t w = 0;
    for (size_t m = 0; m < c->n_models; m++)
        w = strlen(c->models[m]) > w ? strlen(c->models[m]) : w;
    if (c->n_models)
        fprintf(f, "best per model (latency, energy per frame):\n");
    for (size_t m = 0; m < c->n_models; m++) {
        const rep_point *p[2] = {rep_best(c, m, false), rep_best(c, m, true)};
        for (int e = 0; e < 2; e++) {
            char map[96], v[32];
            rep_mapping_label(p[e], map, sizeof map);
            rep_fmt(v, sizeof v, e ? p[e]->energy_mj : p[e]->latency_ms);
            fprintf(f, "  %-*s  %-14s %8s %-2s  %s on %s (%s)\n", (int)w, e ? "" : c->models[m],
                    e ? "lowest energy" : "lowest latency", v, e ? "mJ" : "ms", p[e]->id,
                    p[e]->mesh, map);
        }
    }
    size_t drawn = 0;
    for (size_t i = 0; i < REP_N_FIGS; i++)
        drawn += c->figs[i].drawn;
    fprintf(f,
            "report: %s/index.html (open in a browser), %s/summary.md\n%zu figure%s (PNG + SVG):",
            out, out, drawn, drawn == 1 ? "" : "s");
    for (size_t i = 0; i < REP_N_FIGS; i++)
        if (c->figs[i].drawn)
            fprintf(f, " %s", c->figs[i].name);
    fprintf(f, "\n");
}
