/*
 * rep_plot: the report's figures. Each figure is a tab-separated data file and a gnuplot
 * script written into gnuplot/ of the report (so `cd OUT && gnuplot gnuplot/NAME.gp` redraws
 * it), rendered twice by one gnuplot run: NAME.png and NAME.svg. The figures:
 *   latency_mesh, energy_mesh  per-frame latency / energy vs mesh size (NPs), one colour per
 *                              model: a line through the best point of each mesh size and an
 *                              open circle for every point
 *   hw_hybrid, map_modes       clustered bars per model (latency above, energy below): the
 *                              best point of each mapping option
 *   power                      power samples of the chosen point over time, floor dashed
 *   np_util                    utilisation of every NP of the chosen point on the mesh grid
 *                              (each node a 2x2 block of slots 0-3)
 *   pareto                     energy vs latency of every ok point, the Pareto front stepped
 * Axes switch to log scale when the values span a decade or more. A figure without data is
 * not drawn; the reason is kept for index.html and summary.md.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rep_int.h"

/* Series colours (Tableau 10), cycled. */
static const char *const COLORS[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                     "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
#define N_COLORS (sizeof COLORS / sizeof COLORS[0])

/* Point types cycled with the colours (filled circle, square, triangles, diamond, pentagon). */
static const int PTYPES[] = {7, 5, 9, 11, 13, 15};
#define N_PTYPES (sizeof PTYPES / sizeof PTYPES[0])

static const char *color(size_t i) {
    return COLORS[i % N_COLORS];
}

static int ptype(size_t i) {
    return PTYPES[i % N_PTYPES];
}

size_t rep_model_index(const rep_ctx *c, const rep_point *p) {
    for (size_t i = 0; i < c->n_models; i++)
        if (strcmp(c->models[i], p->model) == 0)
            return i;
    return c->n_models;
}

void rep_mapping_label(const rep_point *p, char *dst, size_t cap) {
    snprintf(dst, cap, "%s, %s", p->hw_only ? "hw_only" : "hybrid", p->map_mode);
}

/* "p00003: MODEL on MESH (hw_only, allnps, Performance, batch 1)". */
static void point_label(const rep_point *p, char *dst, size_t cap) {
    char m[96];
    rep_mapping_label(p, m, sizeof m);
    snprintf(dst, cap, "%s: %s on %s (%s, %s, batch %lld)", p->id, p->model, p->mesh, m,
             p->clock_mode, (long long)p->batch);
}

/* Extent of the finite values of an axis. */
typedef struct range {
    double lo;   /* smallest positive finite value */
    double hi;   /* largest positive finite value */
    double amin; /* smallest finite value */
    double amax; /* largest finite value */
    bool any;    /* at least one positive value */
    bool fin;    /* at least one finite value */
    bool nonpos; /* a finite value <= 0 was seen */
} range;

static void range_add(range *r, double v) {
    if (!isfinite(v))
        return;
    r->amin = r->fin ? fmin(r->amin, v) : v;
    r->amax = r->fin ? fmax(r->amax, v) : v;
    r->fin = true;
    if (v <= 0) {
        r->nonpos = true;
        return;
    }
    r->lo = r->any ? fmin(r->lo, v) : v;
    r->hi = r->any ? fmax(r->hi, v) : v;
    r->any = true;
}

/* A log scale pays off when the values are positive and span a decade or more. */
static bool range_log(const range *r) {
    return r->any && !r->nonpos && r->hi >= 10.0 * r->lo;
}

/* Common settings at the top of every figure body. */
static void body_start(rep_buf *b, const char *title) {
    rb_puts(b, "reset\nset encoding utf8\nset datafile separator '\\t'\n"
               "set datafile missing '?'\nset border lw 1 lc rgb '#555555'\n"
               "set grid xtics ytics mxtics mytics lc rgb '#e4e4e4' lw 1 dt 1\n"
               "set tics nomirror out scale 0.6\nset key opaque box lc rgb '#cccccc'\n");
    rb_puts(b, "set title ");
    rb_gpstr(b, title);
    rb_puts(b, " font ',14'\n");
}

/* Sets the range of an axis a little wider than the data (gnuplot's autoscale would extend
 * a log axis to whole decades), in log scale when the range calls for it. */
static void axis_scale(rep_buf *b, const char *axis, const range *r) {
    if (!r->fin)
        return;
    if (range_log(r)) {
        rb_printf(b, "set logscale %s 10\nset format %s '%%g'\nset %srange [%.6g:%.6g]\n", axis,
                  axis, axis, r->lo / 1.45, r->hi * 1.45);
        return;
    }
    double span = r->amax - r->amin;
    if (span <= 0)
        span = fabs(r->amax) > 0 ? fabs(r->amax) * 0.4 : 1.0;
    rb_printf(b, "set %srange [%.6g:%.6g]\n", axis, r->amin - 0.07 * span, r->amax + 0.07 * span);
}

/* Writes NAME.dat and NAME.gp (PNG + SVG from one body) and runs gnuplot. */
static npu_status render(rep_ctx *c, rep_fig *f, const rep_buf *data, const rep_buf *body,
                         int width, int height, npu_err *err) {
    if (data->oom || body->oom)
        return npu_err_set(err, NPU_ERR_INTERNAL, "%s: out of memory", f->name);
    char rel[128], path[4096];
    snprintf(path, sizeof path, "%s/gnuplot/%s.dat", c->stage, f->name);
    npu_status st = rep_write_buf(path, data, err);
    if (st != NPU_OK)
        return st;
    rep_buf s = {0};
    rb_printf(&s,
              "# %s: %s\n# Generated by `akisim report`; redraw from the report directory "
              "with: gnuplot gnuplot/%s.gp\n",
              f->name, f->title, f->name);
    for (int svg = 0; svg < 2; svg++) {
        if (svg)
            rb_printf(&s,
                      "set terminal svg size %d,%d dynamic noenhanced "
                      "font 'DejaVu Sans,11' background rgb 'white'\n",
                      width, height);
        else if (c->gp->pngcairo)
            rb_printf(&s,
                      "set terminal pngcairo size %d,%d noenhanced "
                      "font 'DejaVu Sans,11' background rgb 'white'\n",
                      width, height);
        else
            rb_printf(&s, "set terminal png size %d,%d noenhanced background rgb 'white'\n", width,
                      height);
        rb_printf(&s, "set output '%s.%s'\n", f->name, svg ? "svg" : "png");
        rb_puts(&s, body->p ? body->p : "");
        rb_puts(&s, "unset output\n");
    }
    snprintf(path, sizeof path, "%s/gnuplot/%s.gp", c->stage, f->name);
    st = rep_write_buf(path, &s, err);
    rb_free(&s);
    if (st != NPU_OK)
        return st;
    snprintf(rel, sizeof rel, "gnuplot/%s.gp", f->name);
    snprintf(path, sizeof path, "%s/gnuplot/%s.log", c->stage, f->name);
    st = rep_gnuplot_run(c->gp, c->stage, rel, path, err);
    if (st == NPU_OK) {
        unlink(path);
        f->drawn = true;
    }
    return st;
}

/* ---- metric vs mesh size ---- */

/* A per-frame figure of a point. */
typedef double (*metric_fn)(const rep_point *p);

static double m_latency(const rep_point *p) {
    return p->latency_ms;
}

static double m_energy(const rep_point *p) {
    return p->energy_mj;
}

/* An (x, y) pair for sorting. */
typedef struct xy {
    double x; /* abscissa */
    double y; /* ordinate */
} xy;

static int cmp_xy(const void *a, const void *b) {
    const xy *p = a, *q = b;
    if (p->x != q->x)
        return p->x < q->x ? -1 : 1;
    return (p->y > q->y) - (p->y < q->y);
}

/* Appends the two blocks of one model: best per x (sorted) and every point. Returns the
 * number of points. */
static size_t mesh_blocks(const rep_ctx *c, size_t m, metric_fn fn, rep_buf *d, xy *tmp, range *rx,
                          range *ry) {
    size_t n = 0;
    for (size_t i = 0; i < c->s->n; i++) {
        const rep_point *p = &c->s->pts[i];
        if (!p->ok || p->mesh_nps <= 0 || rep_model_index(c, p) != m || !isfinite(fn(p)))
            continue;
        tmp[n++] = (xy){(double)p->mesh_nps, fn(p)};
        range_add(rx, (double)p->mesh_nps);
        range_add(ry, fn(p));
    }
    if (n == 0)
        return 0;
    qsort(tmp, n, sizeof *tmp, cmp_xy);
    rb_printf(d, "# model %zu: best per mesh size\n", m);
    for (size_t i = 0; i < n; i++)
        if (i == 0 || tmp[i].x != tmp[i - 1].x)
            rb_printf(d, "%.9g\t%.9g\n", tmp[i].x, tmp[i].y);
    rb_printf(d, "\n\n# model %zu: all points\n", m);
    for (size_t i = 0; i < n; i++)
        rb_printf(d, "%.9g\t%.9g\n", tmp[i].x, tmp[i].y);
    rb_puts(d, "\n\n");
    return n;
}

/* Labels the x axis at the mesh sizes of the sweep when there are few of them. */
static void mesh_tics(const rep_ctx *c, rep_buf *b) {
    int64_t v[13];
    size_t n = 0;
    for (size_t i = 0; i < c->s->n && n < 13; i++) {
        const rep_point *p = &c->s->pts[i];
        bool seen = !p->ok || p->mesh_nps <= 0;
        for (size_t k = 0; k < n && !seen; k++)
            seen = v[k] == p->mesh_nps;
        if (!seen)
            v[n++] = p->mesh_nps;
    }
    if (n == 0 || n > 12)
        return;
    for (size_t a = 1; a < n; a++) /* ascending, to skip labels that would overlap */
        for (size_t k = a; k > 0 && v[k] < v[k - 1]; k--) {
            const int64_t t = v[k];
            v[k] = v[k - 1];
            v[k - 1] = t;
        }
    const double gap = 0.04 * (double)(v[n - 1] - v[0]);
    rb_puts(b, "set xtics (");
    for (size_t k = 0, last = 0; k < n; k++)
        if (k == 0 || (double)(v[k] - v[last]) >= gap) {
            rb_printf(b, "%s%lld", k ? ", " : "", (long long)v[k]);
            last = k;
        }
    rb_puts(b, ")\nset grid noxtics nomxtics\n");
}

static npu_status fig_vs_mesh(rep_ctx *c, rep_fig *f, metric_fn fn, const char *what,
                              const char *ylabel, npu_err *err) {
    xy *tmp = malloc((c->s->n + 1) * sizeof *tmp);
    if (!tmp)
        return npu_err_set(err, NPU_ERR_INTERNAL, "out of memory");
    rep_buf d = {0}, b = {0};
    range rx = {0}, ry = {0};
    size_t total = 0, *count = calloc(c->n_models + 1, sizeof *count);
    for (size_t m = 0; count && m < c->n_models; m++)
        total += (count[m] = mesh_blocks(c, m, fn, &d, tmp, &rx, &ry));
    free(tmp);
    npu_status st = NPU_OK;
    if (!count)
        st = npu_err_set(err, NPU_ERR_INTERNAL, "out of memory");
    else if (total == 0)
        snprintf(f->skip, sizeof f->skip, "no successful point with a known mesh size");
    if (st != NPU_OK || total == 0) {
        free(count);
        rb_free(&d);
        return st;
    }
    char title[160];
    snprintf(title, sizeof title, "%s per frame vs mesh size", what);
    body_start(&b, title);
    rb_printf(&b, "set xlabel 'mesh size (NPs)'\nset ylabel '%s'\n", ylabel);
    axis_scale(&b, "x", &rx);
    axis_scale(&b, "y", &ry);
    mesh_tics(c, &b);
    rb_puts(&b, "set key below horizontal noopaque nobox height 1.5\n");
    rb_printf(&b, "plot ");
    bool first = true;
    size_t blk = 0;
    for (size_t m = 0; m < c->n_models; m++) {
        if (!count[m])
            continue;
        rb_printf(&b,
                  "%s'gnuplot/%s.dat' index %zu using 1:2 with linespoints lw 2 pt %d ps 1.1 "
                  "lc rgb '%s' title ",
                  first ? "" : ", \\\n     ", f->name, blk, ptype(m), color(m));
        rb_gpstr(&b, c->models[m]);
        rb_printf(&b,
                  ", \\\n     '' index %zu using 1:2 with points pt 6 ps 1.4 lc rgb '%s' notitle",
                  blk + 1, color(m));
        first = false;
        blk += 2;
    }
    rb_puts(&b, "\n");
    snprintf(f->caption, sizeof f->caption,
             "%s per frame against the number of NPs of the mesh, one colour per model: the line "
             "joins the best configuration of each mesh size, open circles are every point "
             "(mapping options, clock modes, batches).",
             what);
    st = render(c, f, &d, &b, 960, 600, err);
    free(count);
    rb_free(&d);
    rb_free(&b);
    return st;
}

/* ---- clustered bars: best point per model and option ---- */

/* Label of a point's option in a bar figure. */
typedef void (*series_fn)(const rep_point *p, char *dst, size_t cap);

static void s_hw(const rep_point *p, char *dst, size_t cap) {
    snprintf(dst, cap, "%s", p->hw_only ? "hw_only" : "hybrid");
}

static void s_mode(const rep_point *p, char *dst, size_t cap) {
    snprintf(dst, cap, "%s", p->map_mode);
}

#define MAX_SERIES 16

/* The distinct series labels of the ok points, preferred ones first. */
static size_t series_list(const rep_ctx *c, series_fn fn, const char *const *pref,
                          char out[MAX_SERIES][REP_WORD_MAX]) {
    size_t n = 0;
    char lab[REP_WORD_MAX];
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < c->s->n; i++) {
            const rep_point *p = &c->s->pts[i];
            if (!p->ok)
                continue;
            fn(p, lab, sizeof lab);
            bool is_pref = false;
            for (size_t k = 0; pref[k]; k++)
                is_pref |= strcmp(pref[k], lab) == 0;
            if (is_pref != (pass == 0))
                continue;
            bool seen = false;
            for (size_t k = 0; k < n; k++)
                seen |= strcmp(out[k], lab) == 0;
            if (!seen && n < MAX_SERIES)
                snprintf(out[n++], REP_WORD_MAX, "%s", lab);
        }
    /* Preferred labels in their listed order. */
    for (size_t a = 0; a < n; a++)
        for (size_t k = a + 1; k < n; k++) {
            size_t ra = 99, rk = 99;
            for (size_t q = 0; pref[q]; q++) {
                if (strcmp(pref[q], out[a]) == 0)
                    ra = q;
                if (strcmp(pref[q], out[k]) == 0)
                    rk = q;
            }
            if (rk < ra) {
                char t[REP_WORD_MAX];
                memcpy(t, out[a], REP_WORD_MAX);
                memcpy(out[a], out[k], REP_WORD_MAX);
                memcpy(out[k], t, REP_WORD_MAX);
            }
        }
    return n;
}

/* Smallest metric among the ok points of model m and series label lab (NaN: none). */
static double best_of(const rep_ctx *c, size_t m, series_fn fn, const char *lab, metric_fn mf) {
    double best = NAN;
    char l[REP_WORD_MAX];
    for (size_t i = 0; i < c->s->n; i++) {
        const rep_point *p = &c->s->pts[i];
        if (!p->ok || rep_model_index(c, p) != m)
            continue;
        fn(p, l, sizeof l);
        if (strcmp(l, lab) == 0 && isfinite(mf(p)) && !(mf(p) >= best))
            best = mf(p);
    }
    return best;
}

/* One panel of a bar figure: the columns col0.. of the data file. */
static void bar_panel(rep_buf *b, const rep_fig *f, size_t ns,
                      char series[MAX_SERIES][REP_WORD_MAX], size_t col0, const char *ylabel,
                      const range *r, bool key) {
    const double w = 0.8 / (double)ns;
    rb_printf(b, "set ylabel '%s'\nunset logscale y\nset format y '%%g'\n", ylabel);
    if (range_log(r))
        rb_printf(b, "set logscale y 10\nset yrange [%.6g:%.6g]\n", r->lo / 2.5, r->hi * 2.5);
    else
        rb_printf(b, "set yrange [0:%.6g]\n", r->any ? r->hi * 1.18 : 1.0);
    /* The key above the panel, outside the bars and their value labels. */
    rb_puts(b, key ? "set key at graph 0.5, graph 1.0 center bottom horizontal noopaque nobox\n"
                   : "unset key\n");
    rb_puts(b, "plot ");
    for (size_t j = 0; j < ns; j++) {
        const double off = ((double)j - (double)(ns - 1) / 2.0) * w;
        rb_printf(b,
                  "%s'gnuplot/%s.dat' using ($1%+.4f):%zu with boxes fs solid 0.85 border rgb "
                  "'#333333' lc rgb '%s' title ",
                  j ? ", \\\n     " : "", f->name, off, col0 + j, color(j));
        rb_gpstr(b, series[j]);
        rb_printf(b,
                  ", \\\n     '' using ($1%+.4f):%zu:(sprintf('%%.3g', column(%zu))) with labels "
                  "offset 0,0.7 font ',8' tc rgb '#333333' notitle",
                  off, col0 + j, col0 + j);
    }
    rb_puts(b, "\n");
}

/* A model's tic label on two lines: the zoo name, then its options ("akidanet" /
 * "alpha=0.5,size=160"), so long labels stay inside their category. */
static void model_tic(rep_buf *b, const char *model) {
    char t[256];
    snprintf(t, sizeof t, "%s", model);
    char *colon = strchr(t, ':');
    if (colon)
        *colon = '\n';
    rb_gpstr_lines(b, t);
}

static npu_status fig_bars(rep_ctx *c, rep_fig *f, series_fn fn, const char *const *pref,
                           const char *what, npu_err *err) {
    char series[MAX_SERIES][REP_WORD_MAX];
    const size_t ns = series_list(c, fn, pref, series);
    if (ns == 0 || c->n_models == 0) {
        snprintf(f->skip, sizeof f->skip, "no successful point");
        return NPU_OK;
    }
    rep_buf d = {0}, b = {0};
    range rl = {0}, re = {0};
    rb_puts(&d, "# category\tmodel");
    for (size_t j = 0; j < ns; j++)
        rb_printf(&d, "\tlatency_ms[%s]", series[j]);
    for (size_t j = 0; j < ns; j++)
        rb_printf(&d, "\tenergy_mj[%s]", series[j]);
    rb_puts(&d, "\n");
    for (size_t m = 0; m < c->n_models; m++) {
        rb_printf(&d, "%zu\t", m);
        rb_field(&d, c->models[m]);
        for (int e = 0; e < 2; e++)
            for (size_t j = 0; j < ns; j++) {
                const double v = best_of(c, m, fn, series[j], e ? m_energy : m_latency);
                range_add(e ? &re : &rl, v);
                if (isfinite(v))
                    rb_printf(&d, "\t%.9g", v);
                else
                    rb_puts(&d, "\t?");
            }
        rb_puts(&d, "\n");
    }
    char title[128];
    snprintf(title, sizeof title, "%s: best point per model", what);
    body_start(&b, title);
    rb_printf(&b, "set xrange [-0.6:%zu.6]\nset xtics (", c->n_models - 1);
    for (size_t m = 0; m < c->n_models; m++) {
        rb_puts(&b, m ? ", " : "");
        model_tic(&b, c->models[m]);
        rb_printf(&b, " %zu", m);
    }
    /* Many models: labels rotated so they end at their tic (never past the right edge). */
    rb_printf(&b, ") %s\nunset mxtics\nset grid noxtics nomxtics\nset boxwidth %.4f absolute\n",
              c->n_models > 5 ? "rotate by 20 right" : "", 0.8 / (double)ns * 0.92);
    rb_puts(&b, "set multiplot layout 2,1 title ");
    rb_gpstr(&b, title);
    rb_puts(&b, " font ',14'\nunset title\nset lmargin 12\nset rmargin 4\nset tmargin 2.5\n"
                "set bmargin 3.5\n");
    bar_panel(&b, f, ns, series, 3, "latency per frame (ms)", &rl, true);
    bar_panel(&b, f, ns, series, 3 + ns, "energy per frame (mJ)", &re, false);
    rb_puts(&b, "unset multiplot\n");
    snprintf(f->caption, sizeof f->caption,
             "%s, per model: the lowest latency (top) and the lowest energy per frame (bottom) "
             "over the points of each option (any mesh, clock mode and batch).",
             what);
    const npu_status st = render(c, f, &d, &b, 960, 760, err);
    rb_free(&d);
    rb_free(&b);
    return st;
}

/* ---- hw_only vs hybrid per mesh ---- */

#define HWH_MAX_MESHES 8 /* more meshes: the per-model bars of fig_bars instead */

/* A mesh of the sweep: its label and size. */
typedef struct mesh_key {
    const char *name; /* mesh label */
    int64_t nps;      /* NPs (0 when unknown) */
} mesh_key;

static int cmp_mesh(const void *a, const void *b) {
    const mesh_key *p = a, *q = b;
    if (p->nps != q->nps)
        return p->nps < q->nps ? -1 : 1;
    return strcmp(p->name, q->name);
}

/* The distinct meshes of all points, by size then name; returns their number (at most cap,
 * cap + 1 meaning "more"). */
static size_t mesh_list(const rep_ctx *c, mesh_key *out, size_t cap) {
    size_t n = 0;
    for (size_t i = 0; i < c->s->n; i++) {
        const rep_point *p = &c->s->pts[i];
        bool seen = false;
        for (size_t k = 0; k < n && !seen; k++)
            seen = strcmp(out[k].name, p->mesh) == 0;
        if (seen)
            continue;
        if (n == cap)
            return cap + 1;
        out[n++] = (mesh_key){p->mesh, p->mesh_nps};
    }
    qsort(out, n, sizeof *out, cmp_mesh);
    return n;
}

/* Best latency and energy of model m on mesh k with hw_only == hw (NaN: none); *unfit is
 * set when some point of that cell did not fit hw_only. */
static void hwh_cell(const rep_ctx *c, size_t m, const char *mesh, bool hw, double *lat, double *en,
                     bool *unfit) {
    *lat = *en = NAN;
    *unfit = false;
    for (size_t i = 0; i < c->s->n; i++) {
        const rep_point *p = &c->s->pts[i];
        if (p->hw_only != hw || strcmp(p->mesh, mesh) != 0)
            continue;
        if (rep_point_unfit(p) && c->n_models && strcmp(p->model, c->models[m]) == 0)
            *unfit = true;
        if (!p->ok || rep_model_index(c, p) != m)
            continue;
        if (isfinite(p->latency_ms) && !(p->latency_ms >= *lat))
            *lat = p->latency_ms;
        if (isfinite(p->energy_mj) && !(p->energy_mj >= *en))
            *en = p->energy_mj;
    }
}

/* One panel: the bars of columns col (hw_only) and col + 1 (hybrid) of block m, on a linear
 * axis (bar heights compare directly). Equal values get one label over the pair. */
static void hwh_panel(rep_buf *b, const rep_fig *f, size_t m, size_t col, const range *r,
                      const char *ylabel) {
    const double hi = r->any ? r->hi * 1.25 : 1.0;
    rb_printf(b, "unset logscale y\nset yrange [0:%.6g]\nset ylabel '%s'\n", hi, ylabel);
    rb_printf(b,
              "eq(a, b) = abs(a - b) <= 0.005 * (abs(a) > abs(b) ? abs(a) : abs(b))\n"
              "both = '(valid(%zu) && valid(%zu) && eq(column(%zu), column(%zu)))'\n",
              col, col + 1, col, col + 1);
    rb_puts(b, "plot ");
    for (size_t j = 0; j < 2; j++) {
        const double off = j ? 0.2 : -0.2;
        rb_printf(b,
                  "%s'gnuplot/%s.dat' index %zu using ($1%+.1f):%zu with boxes fs solid 0.85 "
                  "border rgb '#333333' lc rgb '%s' title '%s', \\\n     '' index %zu using "
                  "($1 + (@both ? 0 : %+.1f)):(@both && %zu ? NaN : column(%zu)):"
                  "(sprintf('%%.3g', column(%zu))) with labels offset 0,0.7 font ',8' "
                  "tc rgb '#333333' notitle, \\\n     '' index %zu using ($1%+.1f):"
                  "(column(%zu) > 0 && !valid(%zu) ? %.6g : NaN):('does not fit') with labels "
                  "left rotate by 90 font ',8' tc rgb '#a05000' notitle",
                  j ? ", \\\n     " : "", f->name, m, off, col + j, color(j),
                  j ? "hybrid" : "hw_only", m, off, j, col + j, col + j, m, off, 7 + j, col + j,
                  hi * 0.03);
    }
    rb_puts(b, "\n");
}

/* Tic labels of the hw_only vs hybrid panels: plot width (px) of a panel of the 1200 px
 * figure and the glyph width (px per character, measured on the rendered PNG: "cnp=128,fnp=2"
 * is 84 px at 8 points) of DejaVu Sans at 9 / 8 points. */
#define HWH_PLOT_PX 470.0
#define HWH_CHAR_PX_9 7.2
#define HWH_CHAR_PX_8 6.5
#define HWH_GAP_PX 8.0 /* space kept between neighbouring labels */

/* The mesh name of a tic label: without the "gen:" of a generated mesh ("cnp=32,fnp=2"). */
static const char *hwh_short_name(const char *name) {
    return strncmp(name, "gen:", 4) == 0 ? name + 4 : name;
}

/* Whether neighbouring tic labels of `chars` characters (the longest line of each) stay
 * apart at char_px pixels per character with nm tics. */
static bool hwh_labels_fit(const size_t *chars, size_t nm, double char_px) {
    const double slot = HWH_PLOT_PX / (double)(nm > 0 ? nm : 1);
    for (size_t k = 0; k + 1 < nm; k++)
        if ((double)(chars[k] + chars[k + 1]) / 2.0 * char_px + HWH_GAP_PX > slot)
            return false;
    return true;
}

/* The x tics of the hw_only vs hybrid panels: the short mesh name on line one (split at its
 * commas, one field per line, when neighbours would overlap even at 8 points) and "N NPs"
 * below; font 9, or 8 when the lines are still too long. Returns the number of label lines. */
static int hwh_tics(rep_buf *b, const mesh_key *mk, size_t nm) {
    /* the longest line of each label: the name on one line / one name field per line */
    size_t one[HWH_MAX_MESHES], fields[HWH_MAX_MESHES];
    for (size_t k = 0; k < nm; k++) {
        const char *n = hwh_short_name(mk[k].name);
        const int nps = mk[k].nps > 0 ? snprintf(NULL, 0, "%lld NPs", (long long)mk[k].nps) : 0;
        one[k] = fields[k] = (size_t)nps;
        one[k] = strlen(n) > one[k] ? strlen(n) : one[k];
        for (const char *f = n; *f;) {
            const size_t len = strcspn(f, ",");
            fields[k] = len > fields[k] ? len : fields[k];
            f += len + (f[len] == ',');
        }
    }
    const bool split = !hwh_labels_fit(one, nm, HWH_CHAR_PX_8);
    const bool fit9 = hwh_labels_fit(split ? fields : one, nm, HWH_CHAR_PX_9);
    int lines = 1;
    rb_puts(b, "set xtics (");
    for (size_t k = 0; k < nm; k++) {
        char t[256];
        int n = snprintf(t, sizeof t, "%s", hwh_short_name(mk[k].name));
        int l = 1;
        for (char *comma = split ? strchr(t, ',') : NULL; comma; comma = strchr(comma, ',')) {
            *comma = '\n';
            l++;
        }
        if (mk[k].nps > 0 && n >= 0 && (size_t)n < sizeof t) {
            snprintf(t + n, sizeof t - (size_t)n, "\n%lld NPs", (long long)mk[k].nps);
            l++;
        }
        lines = l > lines ? l : lines;
        rb_puts(b, k ? ", " : "");
        rb_gpstr_lines(b, t);
        rb_printf(b, " %zu", k);
    }
    rb_printf(b, ") font ',%d'\n", fit9 ? 9 : 8);
    return lines;
}

/* hw_only vs hybrid on every mesh, one row of panels (latency, energy) per model; a cell
 * where hw_only did not fit says so. Falls back to the per-model bars (fig_bars) when the
 * sweep has more than HWH_MAX_MESHES meshes. */
static npu_status fig_hw_hybrid(rep_ctx *c, rep_fig *f, npu_err *err) {
    static const char *const HW_PREF[] = {"hw_only", "hybrid", NULL};
    mesh_key mk[HWH_MAX_MESHES];
    const size_t nm = mesh_list(c, mk, HWH_MAX_MESHES);
    if (nm > HWH_MAX_MESHES || c->n_models == 0 || c->n_models > 8)
        return fig_bars(c, f, s_hw, HW_PREF, "hw_only vs hybrid", err);
    rep_buf d = {0}, b = {0};
    range rl[8] = {{0}}, re[8] = {{0}};
    for (size_t m = 0; m < c->n_models; m++) {
        rb_printf(&d,
                  "# model %zu: mesh\tname\tlat_hw_only\tlat_hybrid\ten_hw_only\ten_hybrid\t"
                  "unfit_hw_only\tunfit_hybrid\n",
                  m);
        for (size_t k = 0; k < nm; k++) {
            double lat[2], en[2];
            bool unfit[2];
            for (int j = 0; j < 2; j++) {
                hwh_cell(c, m, mk[k].name, j == 0, &lat[j], &en[j], &unfit[j]);
                range_add(&rl[m], lat[j]);
                range_add(&re[m], en[j]);
            }
            rb_printf(&d, "%zu\t", k);
            rb_field(&d, mk[k].name);
            for (int j = 0; j < 4; j++) {
                const double v = j < 2 ? lat[j] : en[j - 2];
                if (isfinite(v))
                    rb_printf(&d, "\t%.9g", v);
                else
                    rb_puts(&d, "\t?");
            }
            rb_printf(&d, "\t%d\t%d\n", unfit[0], unfit[1]);
        }
        rb_puts(&d, "\n\n");
    }
    const char *title = "hw_only vs hybrid: best point per model and mesh";
    body_start(&b, title);
    rb_printf(&b, "set xrange [-0.6:%zu.6]\n", nm - 1);
    const int tic_lines = hwh_tics(&b, mk, nm);
    rb_puts(&b, "unset mxtics\nset grid noxtics nomxtics\nset boxwidth 0.37 absolute\n"
                "set format y '%g'\n");
    rb_printf(&b, "set multiplot layout %zu,2 title ", c->n_models);
    rb_gpstr(&b, title);
    rb_printf(&b,
              " font ',14'\nunset title\nset lmargin 11\nset rmargin 3\nset tmargin 2.2\n"
              "set bmargin %.1f\nset key at screen 0.98, screen 0.995 right top horizontal "
              "noopaque nobox\n",
              1.2 + 1.0 * tic_lines);
    for (size_t m = 0; m < c->n_models; m++)
        for (int e = 0; e < 2; e++) {
            rb_puts(&b, "set title ");
            rb_gpstr(&b, c->models[m]);
            rb_puts(&b, " font ',10' offset 0,-0.4\n");
            hwh_panel(&b, f, m, e ? 5 : 3, e ? &re[m] : &rl[m],
                      e ? "energy (mJ/frame)" : "latency (ms)");
        }
    rb_puts(&b, "unset multiplot\n");
    snprintf(f->caption, sizeof f->caption,
             "hw_only against hybrid mapping on every mesh, one row per model: the lowest "
             "latency (left) and energy per frame (right) over the map modes, clock modes and "
             "batches of each cell. \"does not fit\" marks meshes too small for a hardware-only "
             "mapping, where only the hybrid mapping (several passes) runs the model.");
    const int row_px = 250 + 14 * (tic_lines > 2 ? tic_lines - 2 : 0); /* extra tic lines */
    const npu_status st = render(c, f, &d, &b, 1200, 90 + row_px * (int)c->n_models, err);
    rb_free(&d);
    rb_free(&b);
    return st;
}

/* ---- power over time ---- */

/* Reads the chosen point's power CSV into data rows "t\tpower"; fills the floor. */
static npu_status power_data(const rep_ctx *c, rep_buf *d, double *t_max, double *floor_mw,
                             range *rp, npu_err *err) {
    char name[REP_ID_MAX + 32];
    snprintf(name, sizeof name, "points/%s.power.csv", c->chosen->id);
    char *path = rep_path(c->s->dir, name);
    if (!path)
        return npu_err_set(err, NPU_ERR_INTERNAL, "out of memory");
    char *text = NULL;
    size_t len = 0;
    rep_csv csv = {0};
    npu_status st = rep_read_file(path, &text, &len, err);
    if (st == NPU_OK)
        st = rep_csv_parse(text, len, true, path, &csv, err);
    long ct = -1, cp = -1;
    if (st == NPU_OK && csv.n > 0) {
        ct = rep_csv_col(&csv.rows[0], "timestamp_us");
        cp = rep_csv_col(&csv.rows[0], "power_mw");
    }
    if (st == NPU_OK && (ct < 0 || cp < 0))
        st = npu_err_set(err, NPU_ERR_INPUT, "%s: expected a header with timestamp_us and power_mw",
                         path);
    if (st == NPU_OK && csv.n < 2)
        st = npu_err_set(err, NPU_ERR_INPUT, "%s: no power samples", path);
    const char *fl = text ? strstr(text, "# floor_mw=") : NULL;
    *floor_mw = fl ? strtod(fl + strlen("# floor_mw="), NULL) : c->chosen->floor_mw;
    *t_max = 0;
    double t_prev = 0, last_pw = 0;
    for (size_t r = 1; st == NPU_OK && r < csv.n; r++) {
        char *e1 = NULL, *e2 = NULL;
        const rep_csv_row *row = &csv.rows[r];
        const double t = row->n == csv.rows[0].n ? strtod(row->f[ct], &e1) : NAN;
        const double pw = row->n == csv.rows[0].n ? strtod(row->f[cp], &e2) : NAN;
        if (!e1 || !e2 || *e1 || *e2 || !isfinite(t) || !isfinite(pw))
            st = npu_err_set(err, NPU_ERR_INPUT, "%s: line %zu: expected numbers", path, row->line);
        else {
            rb_printf(d, "%.9g\t%.9g\n", t, pw);
            /* A sample holds until the next one: the last one for one more period. */
            *t_max = fmax(*t_max, t + (r > 1 ? t - t_prev : 0.0));
            t_prev = t;
            last_pw = pw;
            range_add(rp, pw);
        }
    }
    if (st == NPU_OK && csv.n == 2) /* one sample: shown over 1 us */
        *t_max += 1.0;
    if (st == NPU_OK)
        rb_printf(d, "%.9g\t%.9g\n", *t_max, last_pw); /* the last sample's step */
    free(text);
    free(path);
    rep_csv_free(&csv);
    return st;
}

static npu_status fig_power(rep_ctx *c, rep_fig *f, npu_err *err) {
    if (!c->chosen || !c->chosen->has_power) {
        snprintf(f->skip, sizeof f->skip, "%s",
                 c->chosen ? "the chosen point has no power CSV"
                           : "no successful point has a power CSV");
        return NPU_OK;
    }
    rep_buf d = {0}, b = {0};
    double t_max = 0, fl = 0;
    range rp = {0};
    npu_status st = power_data(c, &d, &t_max, &fl, &rp, err);
    if (st != NPU_OK) {
        rb_free(&d);
        return st;
    }
    const bool ms = t_max >= 10000.0;
    char lab[640];
    point_label(c->chosen, lab, sizeof lab);
    body_start(&b, "Power over time");
    rb_puts(&b, "set label 1 ");
    rb_gpstr(&b, lab);
    rb_puts(&b, " at graph 0.5, graph 1.03 center font ',9' tc rgb '#555555'\n"
                "set title offset 0,0.9\nset tmargin 4.5\n");
    rb_printf(&b, "set xlabel 'time (%s)'\nset ylabel 'power (mW)'\n", ms ? "ms" : "µs");
    const double lo = fmin(fl, rp.any ? rp.lo : fl), hi = fmax(fl, rp.any ? rp.hi : fl);
    const double pad = fmax((hi - lo) * 0.15, fmax(hi * 0.002, 0.5));
    rb_printf(
        &b,
        "set yrange [%.6g:%.6g]\nset key below horizontal noopaque nobox height 1.5\nfloor = %.9g\n"
        "set xrange [0:%.9g]\n",
        lo - pad, hi + pad, fl, t_max / (ms ? 1000.0 : 1.0));
    rb_printf(
        &b,
        "plot 'gnuplot/%s.dat' using ($1/%s):2 with fillsteps above y=floor fs solid 1.0 "
        "noborder lc rgb '#c6dbef' title 'above the floor (dynamic)', \\\n"
        "     '' using ($1/%s):2 with steps lw 1.6 lc rgb '#1f77b4' title 'power (sampled)', "
        "\\\n     floor with lines dt 2 lw 1.5 lc rgb '#d62728' title sprintf('floor %%.1f mW', "
        "floor)\n",
        f->name, ms ? "1000.0" : "1.0", ms ? "1000.0" : "1.0");
    snprintf(f->caption, sizeof f->caption,
             "Sampled device power of point %s over its run, floor included; the shaded part "
             "above the dashed floor is the dynamic power.",
             c->chosen->id);
    st = render(c, f, &d, &b, 960, 560, err);
    rb_free(&d);
    rb_free(&b);
    return st;
}

/* ---- NP utilisation heat map ---- */

/* A slot's utilisation label: whole percents from 10 %, one decimal below, "<0.1%" for a
 * busy NP under 0.05 % (the HRC and FNP of a CNP-bound pipeline work for a few percent of
 * the inference or less; "0%" would read as "not recorded"), "0%" only for zero. */
static void util_label(char *dst, size_t cap, double pct) {
    if (pct >= 9.95)
        snprintf(dst, cap, "%.0f%%", pct);
    else if (pct >= 0.05)
        snprintf(dst, cap, "%.1f%%", pct);
    else
        snprintf(dst, cap, "%s", pct > 0 ? "<0.1%" : "0%");
}

/* Top of the colour scale: the smallest of 10, 25, 50, 100 % holding every utilisation, so
 * a lightly loaded mesh still shows its contrasts. */
static double cb_top(const double *u, size_t n) {
    double mx = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(u[i]))
            mx = fmax(mx, u[i] * 100.0);
    return mx <= 10 ? 10 : mx <= 25 ? 25 : mx <= 50 ? 50 : 100;
}

static npu_status fig_np_util(rep_ctx *c, rep_fig *f, npu_err *err) {
    const rep_point *p = c->chosen;
    if (!p || p->n_np == 0 || p->mesh_cols <= 0 || p->mesh_rows <= 0) {
        snprintf(f->skip, sizeof f->skip, "%s",
                 !p ? "no successful point" : "the chosen point has no NP statistics");
        return NPU_OK;
    }
    const size_t w = (size_t)p->mesh_cols * 2, h = (size_t)p->mesh_rows * 2;
    double *u = malloc(w * h * sizeof *u);
    const char **ty = calloc(w * h, sizeof *ty);
    if (!u || !ty) {
        free(u);
        free(ty);
        return npu_err_set(err, NPU_ERR_INTERNAL, "out of memory");
    }
    for (size_t i = 0; i < w * h; i++)
        u[i] = NAN;
    size_t outside = 0;
    for (size_t i = 0; i < p->n_np; i++) {
        const rep_np *n = &p->np[i];
        if (n->col < 1 || n->row < 1 || n->col > p->mesh_cols || n->row > p->mesh_rows ||
            n->id > 3) {
            outside++;
            continue;
        }
        const size_t x = (size_t)(n->col - 1) * 2 + (size_t)(n->id & 1);
        const size_t y = (size_t)(n->row - 1) * 2 + (size_t)(n->id >> 1);
        const double v = isfinite(n->util) ? n->util : 0;
        u[y * w + x] = fmin(1.0, (isnan(u[y * w + x]) ? 0 : u[y * w + x]) + v);
        ty[y * w + x] = n->type;
    }
    rep_buf d = {0}, b = {0};
    rb_puts(&d, "# x\ty\tutilisation_percent\ttype\tlabel (x = 2*(col-1) + id%2, "
                "y = 2*(row-1) + id/2)\n");
    for (size_t y = 0; y < h; y++) {
        for (size_t x = 0; x < w; x++) {
            char pct[16];
            if (isnan(u[y * w + x])) {
                rb_printf(&d, "%zu\t%zu\tNaN\t-\t-\n", x, y);
                continue;
            }
            util_label(pct, sizeof pct, u[y * w + x] * 100.0);
            rb_printf(&d, "%zu\t%zu\t%.4g\t%s\t%s\n", x, y, u[y * w + x] * 100.0, ty[y * w + x],
                      pct);
        }
        rb_puts(&d, "\n");
    }
    char lab[640];
    point_label(p, lab, sizeof lab);
    body_start(&b, "NP utilisation over the mesh");
    rb_puts(&b, "set label 1 ");
    rb_gpstr(&b, lab);
    rb_puts(&b, " at graph 0.5, graph 1.03 center font ',9' tc rgb '#555555'\n"
                "set title offset 0,0.9\nset tmargin 4.5\n");
    rb_printf(
        &b,
        "unset grid\nset size ratio -1\nset xrange [-0.5:%zu.5]\nset yrange [%zu.5:-0.5]\n"
        "set xlabel 'mesh column'\nset ylabel 'mesh row'\nset tics scale 0\n"
        "set cbrange [0:%g]\nset cblabel 'utilisation (%% of inference cycles)' offset 1.5,0\n"
        "set format cb '%%.0f%%%%'\nset palette defined (0 '#ffffcc', 25 '#fed976', "
        "50 '#fd8d3c', 75 '#e31a1c', 100 '#800026')\nunset key\n"
        "set object 1 rect from graph 0, graph 0 to graph 1, graph 1 behind "
        "fc rgb '#eeeeee' fs solid noborder\n",
        w - 1, h - 1, cb_top(u, w * h));
    rb_puts(&b, "set xtics (");
    for (size_t x = 0; x < (size_t)p->mesh_cols; x++)
        rb_printf(&b, "%s'%zu' %zu.5", x ? ", " : "", x + 1, 2 * x);
    rb_puts(&b, ")\nset ytics (");
    for (size_t y = 0; y < (size_t)p->mesh_rows; y++)
        rb_printf(&b, "%s'%zu' %zu.5", y ? ", " : "", y + 1, 2 * y);
    rb_puts(&b, ")\n");
    if (p->mesh_cols * p->mesh_rows <= 1024)
        for (size_t y = 0; y < (size_t)p->mesh_rows; y++)
            for (size_t x = 0; x < (size_t)p->mesh_cols; x++)
                rb_printf(&b,
                          "set object %zu rect from %.1f, %.1f to %.1f, %.1f front "
                          "fs empty border lc rgb '#555555' lw 1.5\n",
                          2 + y * (size_t)p->mesh_cols + x, 2.0 * (double)x - 0.5,
                          2.0 * (double)y - 0.5, 2.0 * (double)x + 1.5, 2.0 * (double)y + 1.5);
    const bool labels = p->mesh_cols * p->mesh_rows <= 64;
    rb_printf(&b, "plot 'gnuplot/%s.dat' using 1:2:3 with image", f->name);
    if (labels)
        for (int dark = 0; dark < 2; dark++)
            rb_printf(&b,
                      ", \\\n     '' using 1:2:(valid(3) && ($3 %s %g) ? "
                      "sprintf(\"%%s\\n%%s\", strcol(4), strcol(5)) : '') with labels "
                      "font ',8' tc rgb '%s'",
                      dark ? ">=" : "<", 0.7 * cb_top(u, w * h), dark ? "#ffffff" : "#222222");
    rb_puts(&b, "\n");
    snprintf(f->caption, sizeof f->caption,
             "Utilisation (busy cycles / inference cycles) of every NP of point %s; each mesh "
             "node is a 2x2 block of its slots 0-3 (0 top left, 3 bottom right), grey slots are "
             "unused.%s",
             p->id,
             outside ? " Some NPs lie outside the point's mesh grid and are not shown." : "");
    free(u);
    free(ty);
    const npu_status st = render(c, f, &d, &b, 960, 640, err);
    rb_free(&d);
    rb_free(&b);
    return st;
}

/* ---- Pareto front ---- */

/* Appends a data block with the points marked in on, sorted by x. */
static void front_block(rep_buf *d, const double *x, const double *y, const bool *on, size_t n,
                        xy *tmp, const char *what) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (on[i])
            tmp[k++] = (xy){x[i], y[i]};
    qsort(tmp, k, sizeof *tmp, cmp_xy);
    rb_printf(d, "# Pareto front (%s), by latency\n", what);
    for (size_t i = 0; i < k; i++)
        rb_printf(d, "%.9g\t%.9g\n", tmp[i].x, tmp[i].y);
    rb_puts(d, "\n\n");
}

/* Data blocks: per model its points then its front (2 blocks each, models with points only),
 * then the global front. Returns the number of model blocks written (2 per model). */
static size_t pareto_data(const rep_ctx *c, const double *x, const double *y, bool *on, xy *tmp,
                          size_t *blk, rep_buf *d) {
    const size_t n = c->s->n;
    size_t nblk = 0;
    for (size_t m = 0; m < c->n_models; m++) {
        blk[m] = SIZE_MAX;
        for (size_t i = 0; i < n; i++) {
            if (!isfinite(x[i]) || !isfinite(y[i]) || rep_model_index(c, &c->s->pts[i]) != m)
                continue;
            if (blk[m] == SIZE_MAX) {
                blk[m] = nblk;
                nblk += 2;
                rb_printf(d, "# model %zu: latency_ms energy_mj id\n", m);
            }
            rb_printf(d, "%.9g\t%.9g\t%s\n", x[i], y[i], c->s->pts[i].id);
        }
        if (blk[m] == SIZE_MAX)
            continue;
        rb_puts(d, "\n\n");
        rep_model_pareto(c, m, on);
        front_block(d, x, y, on, n, tmp, c->models[m]);
    }
    rep_pareto(x, y, n, on);
    front_block(d, x, y, on, n, tmp, "all points");
    return nblk;
}

static npu_status fig_pareto(rep_ctx *c, rep_fig *f, npu_err *err) {
    const size_t n = c->s->n;
    double *x = malloc((n + 1) * sizeof *x), *y = malloc((n + 1) * sizeof *y);
    bool *on = malloc((n + 1) * sizeof *on);
    xy *tmp = malloc((n + 1) * sizeof *tmp);
    size_t *blk = calloc(c->n_models + 1, sizeof *blk);
    rep_buf d = {0}, b = {0};
    npu_status st = NPU_OK;
    if (!x || !y || !on || !tmp || !blk) {
        st = npu_err_set(err, NPU_ERR_INTERNAL, "out of memory");
        goto done;
    }
    range rx = {0}, ry = {0};
    for (size_t i = 0; i < n; i++) {
        const rep_point *p = &c->s->pts[i];
        x[i] = p->ok ? p->latency_ms : NAN;
        y[i] = p->ok ? p->energy_mj : NAN;
        range_add(&rx, x[i]);
        range_add(&ry, y[i]);
    }
    const size_t nf = rep_pareto(x, y, n, on);
    if (nf == 0) {
        snprintf(f->skip, sizeof f->skip, "no successful point with latency and energy");
        goto done;
    }
    const size_t nblk = pareto_data(c, x, y, on, tmp, blk, &d);
    body_start(&b, "Energy vs latency: Pareto fronts");
    rb_puts(&b, "set xlabel 'latency per frame (ms)'\nset ylabel 'energy per frame (mJ)'\n"
                "set key below horizontal noopaque nobox height 1.5\n");
    axis_scale(&b, "x", &rx);
    axis_scale(&b, "y", &ry);
    rb_printf(&b,
              "plot 'gnuplot/%s.dat' index %zu using 1:2 with steps lw 2.5 dt 2 lc rgb "
              "'#222222' title 'Pareto front of all points (%zu)', \\\n     '' index %zu using "
              "1:2 with points pt 6 ps 2.2 lw 1.5 lc rgb '#222222' notitle",
              f->name, nblk, nf, nblk);
    for (size_t m = 0; m < c->n_models; m++) {
        if (blk[m] == SIZE_MAX)
            continue;
        rb_printf(&b,
                  ", \\\n     '' index %zu using 1:2 with steps lw 1.2 lc rgb '%s' notitle, "
                  "\\\n     '' index %zu using 1:2 with points pt %d ps 1.1 lc rgb '%s' title ",
                  blk[m] + 1, color(m), blk[m], ptype(m), color(m));
        rb_gpstr(&b, c->models[m]);
    }
    rb_puts(&b, "\n");
    snprintf(f->caption, sizeof f->caption,
             "Energy against latency per frame of every successful point, one colour per model "
             "with its own Pareto front as a thin staircase; the circled points on the dashed "
             "staircase are the Pareto front of all points (no other point is better in both).");
    st = render(c, f, &d, &b, 960, 640, err);
done:
    free(blk);
    free(x), free(y), free(on), free(tmp);
    rb_free(&d);
    rb_free(&b);
    return st;
}

npu_status rep_plot_all(rep_ctx *c, npu_err *err) {
    static const char *const MODE_PREF[] = {"minimal", "allnps", "hwpr", NULL};
    static const struct {
        const char *name;  /* file stem */
        const char *title; /* heading */
    } FIGS[REP_N_FIGS] = {
        {"latency_mesh", "Latency per frame vs mesh size"},
        {"energy_mesh", "Energy per frame vs mesh size"},
        {"hw_hybrid", "hw_only vs hybrid mapping"},
        {"map_modes", "Map modes side by side"},
        {"power", "Power over time"},
        {"np_util", "NP utilisation over the mesh"},
        {"pareto", "Energy vs latency Pareto front"},
    };
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/gnuplot", c->stage);
    if (mkdir(dir, 0755) != 0)
        return npu_err_set(err, NPU_ERR_INTERNAL, "%s: cannot create the directory", dir);
    for (size_t i = 0; i < REP_N_FIGS; i++) {
        memset(&c->figs[i], 0, sizeof c->figs[i]);
        c->figs[i].name = FIGS[i].name;
        c->figs[i].title = FIGS[i].title;
    }
    npu_status st =
        fig_vs_mesh(c, &c->figs[0], m_latency, "Latency", "latency per frame (ms)", err);
    if (st == NPU_OK)
        st = fig_vs_mesh(c, &c->figs[1], m_energy, "Energy", "energy per frame (mJ)", err);
    if (st == NPU_OK)
        st = fig_hw_hybrid(c, &c->figs[2], err);
    if (st == NPU_OK)
        st = fig_bars(c, &c->figs[3], s_mode, MODE_PREF, "Map modes", err);
    if (st == NPU_OK)
        st = fig_power(c, &c->figs[4], err);
    if (st == NPU_OK)
        st = fig_np_util(c, &c->figs[5], err);
    if (st == NPU_OK)
        st = fig_pareto(c, &c->figs[6], err);
    return st;
}
