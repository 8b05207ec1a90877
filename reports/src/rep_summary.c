/*
 * rep_summary: writes the report's summary.md — the sweep's counts, per model the point with
 * the lowest latency, the one with the lowest energy per frame and the energy/latency Pareto
 * set (sorted by latency), the failed points with their messages, and the figures (Markdown
 * images of the PNGs, or why a figure was not drawn). Plain GitHub-flavoured Markdown.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rep_int.h"

/* One table row for a point. */
static void md_row(rep_buf *b, const char *what, const rep_point *p) {
    char m[96], lat[32], en[32];
    rep_mapping_label(p, m, sizeof m);
    rep_fmt(lat, sizeof lat, p->latency_ms);
    rep_fmt(en, sizeof en, p->energy_mj);
    rb_printf(b, "| %s | %s | ", what, p->id);
    rb_md(b, p->mesh);
    rb_printf(b, " (%lld NPs) | %s | %s | %lld | %s | %s |\n", (long long)p->mesh_nps, m,
              p->clock_mode, (long long)p->batch, lat, en);
}

static const char TABLE_HEAD[] =
    "| best for | point | mesh | mapping | clock | batch | latency (ms) | energy (mJ/frame) |\n"
    "|---|---|---|---|---|---:|---:|---:|\n";

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
    for (size_t m = 0; m < c->n_models; m++) {
        rb_puts(b, "### ");
        rb_md(b, c->models[m]);
        rb_puts(b, "\n\n");
        rb_puts(b, TABLE_HEAD);
        md_row(b, "lowest latency", rep_best(c, m, false));
        md_row(b, "lowest energy", rep_best(c, m, true));
        const size_t k = pareto_sorted(c, m, on, idx);
        for (size_t i = 0; i < k; i++)
            md_row(b, "Pareto set", &c->s->pts[idx[i]]);
        rb_printf(b,
                  "\nPareto set: %zu point%s (no other point of the model has both a lower "
                  "latency and a lower energy per frame).\n\n",
                  k, k == 1 ? "" : "s");
    }
}

static void errors(rep_buf *b, const rep_ctx *c) {
    if (c->s->n_ok == c->s->n)
        return;
    rb_puts(b, "## Failed points\n\n| point | model | mesh | mapping | error |\n"
               "|---|---|---|---|---|\n");
    for (size_t i = 0; i < c->s->n; i++) {
        const rep_point *p = &c->s->pts[i];
        if (p->ok)
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
    rb_printf(&b,
              "`: %zu points, %zu ok, %zu failed, %zu models. Figures and the table of all "
              "points: [index.html](index.html).\n\n",
              c->s->n, c->s->n_ok, c->s->n - c->s->n_ok, c->n_models);
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
