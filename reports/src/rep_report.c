/*
 * rep_report: rep_generate, the report pipeline — load and check the sweep, find gnuplot,
 * choose the point of the power and NP figures, then render everything into a staging
 * directory OUT/.report-XXXXXX and only when all of it succeeded move the files into OUT
 * (each by rename, so each file is replaced atomically; figures not drawn this time are
 * removed so no stale image remains). A failure removes the staging directory and leaves OUT
 * as it was. Also the per-model selections index.html and summary.md share.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rep_int.h"

void rep_fmt(char *dst, size_t cap, double v) {
    if (!isfinite(v))
        snprintf(dst, cap, "-");
    else
        snprintf(dst, cap, "%.4g", v);
}

const rep_point *rep_best(const rep_ctx *c, size_t m, bool energy) {
    const rep_point *best = NULL;
    for (size_t i = 0; i < c->s->n; i++) {
        const rep_point *p = &c->s->pts[i];
        if (!p->ok || rep_model_index(c, p) != m)
            continue;
        const double v = energy ? p->energy_mj : p->latency_ms;
        const double bv = best ? (energy ? best->energy_mj : best->latency_ms) : INFINITY;
        if (!best || v < bv)
            best = p;
    }
    return best;
}

bool rep_point_unfit(const rep_point *p) {
    return !p->ok && p->hw_only && p->error && strncmp(p->error, "hw_only:", 8) == 0 &&
           strstr(p->error, "does not fit") != NULL;
}

size_t rep_count_unfit(const rep_sweep *s) {
    size_t n = 0;
    for (size_t i = 0; i < s->n; i++)
        n += rep_point_unfit(&s->pts[i]);
    return n;
}

size_t rep_model_pareto(const rep_ctx *c, size_t m, bool *on) {
    const size_t n = c->s->n;
    double *x = malloc((n + 1) * sizeof *x), *y = malloc((n + 1) * sizeof *y);
    size_t k = 0;
    if (x && y) {
        for (size_t i = 0; i < n; i++) {
            const rep_point *p = &c->s->pts[i];
            const bool mine = p->ok && rep_model_index(c, p) == m;
            x[i] = mine ? p->latency_ms : NAN;
            y[i] = mine ? p->energy_mj : NAN;
        }
        k = rep_pareto(x, y, n, on);
    } else {
        memset(on, 0, n * sizeof *on);
    }
    free(x);
    free(y);
    return k;
}

/* Warnings of the loader go to stderr. */
static void warn_stderr(const char *msg) {
    fprintf(stderr, "akisim: warning: %s\n", msg);
}

/* The distinct models of the ok points, in order of appearance. */
static npu_status collect_models(rep_ctx *c, npu_err *err) {
    c->models = calloc(c->s->n + 1, sizeof *c->models);
    if (!c->models)
        return npu_err_set(err, NPU_ERR_INTERNAL, "out of memory");
    for (size_t i = 0; i < c->s->n; i++) {
        const rep_point *p = &c->s->pts[i];
        if (p->ok && rep_model_index(c, p) == c->n_models)
            c->models[c->n_models++] = p->model;
    }
    return NPU_OK;
}

/* Whether a is a better default for the power and NP figures than b (NULL): a power CSV
 * first, then a single pass (the heat map shows one NP per slot), then more NPs in use (the
 * heat map says most), then the lower index. */
static bool better_default(const rep_point *a, const rep_point *b) {
    if (!b)
        return true;
    if (a->has_power != b->has_power)
        return a->has_power;
    if ((a->passes <= 1) != (b->passes <= 1))
        return a->passes <= 1;
    return a->nps > b->nps;
}

/* The point of the power and NP figures: the one asked for, else the successful point that
 * better_default prefers (NULL when none). */
static npu_status choose_point(rep_ctx *c, const char *want, npu_err *err) {
    c->chosen = NULL;
    if (want) {
        for (size_t i = 0; i < c->s->n; i++)
            if (strcmp(c->s->pts[i].id, want) == 0)
                c->chosen = &c->s->pts[i];
        if (!c->chosen)
            return npu_err_set(err, NPU_ERR_INPUT, "--point %s: no such point in %s/points", want,
                               c->s->dir);
        if (!c->chosen->ok)
            return npu_err_set(err, NPU_ERR_INPUT,
                               "--point %s: the point failed (%s); choose a successful point", want,
                               c->chosen->error);
        return NPU_OK;
    }
    for (size_t i = 0; i < c->s->n; i++)
        if (c->s->pts[i].ok && better_default(&c->s->pts[i], c->chosen))
            c->chosen = &c->s->pts[i];
    return NPU_OK;
}

/* Creates the directory when missing (its parent must exist). */
static npu_status ensure_dir(const char *path, npu_err *err) {
    struct stat st;
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return NPU_OK;
        return npu_err_set(err, NPU_ERR_INPUT, "%s: exists and is not a directory", path);
    }
    if (mkdir(path, 0755) != 0 && errno != EEXIST)
        return npu_err_set(err, NPU_ERR_INPUT, "%s: cannot create the directory: %s", path,
                           strerror(errno));
    return NPU_OK;
}

/* Removes the regular files of dir, then dir (only what the report wrote there). */
static void remove_flat(const char *dir) {
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char *p = rep_path(dir, e->d_name);
        if (p && rep_file_exists(p))
            unlink(p);
        free(p);
    }
    closedir(d);
    rmdir(dir);
}

/* Moves every regular file of src into dst (same file system). */
static npu_status move_files(const char *src, const char *dst, npu_err *err) {
    DIR *d = opendir(src);
    if (!d)
        return NPU_OK;
    npu_status st = NPU_OK;
    struct dirent *e;
    while (st == NPU_OK && (e = readdir(d)) != NULL) {
        char *from = rep_path(src, e->d_name), *to = rep_path(dst, e->d_name);
        if (!from || !to)
            st = npu_err_set(err, NPU_ERR_INTERNAL, "out of memory");
        else if (rep_file_exists(from) && rename(from, to) != 0)
            st = npu_err_set(err, NPU_ERR_INTERNAL, "%s: cannot move into place: %s", to,
                             strerror(errno));
        free(from);
        free(to);
    }
    closedir(d);
    return st;
}

/* Removes OUT's files of a figure that was not drawn this time. */
static void remove_stale(const char *out, const rep_fig *f) {
    static const char *const FMT[] = {"%s/%s.png", "%s/%s.svg", "%s/gnuplot/%s.gp",
                                      "%s/gnuplot/%s.dat"};
    for (size_t i = 0; i < sizeof FMT / sizeof FMT[0]; i++) {
        char path[4096];
        snprintf(path, sizeof path, FMT[i], out, f->name);
        if (rep_file_exists(path))
            unlink(path);
    }
}

/* Moves the staged report into OUT. */
static npu_status publish(const rep_ctx *c, const char *out, npu_err *err) {
    char src[4096], dst[4096];
    snprintf(src, sizeof src, "%s/gnuplot", c->stage);
    snprintf(dst, sizeof dst, "%s/gnuplot", out);
    npu_status st = ensure_dir(dst, err);
    if (st == NPU_OK)
        st = move_files(src, dst, err);
    if (st == NPU_OK)
        st = move_files(c->stage, out, err);
    for (size_t i = 0; st == NPU_OK && i < REP_N_FIGS; i++)
        if (!c->figs[i].drawn)
            remove_stale(out, &c->figs[i]);
    return st;
}

/* Renders into the staging directory and publishes. */
static npu_status render_all(rep_ctx *c, const char *out, npu_err *err) {
    npu_status st = rep_plot_all(c, err);
    if (st == NPU_OK)
        st = rep_write_html(c, err);
    if (st == NPU_OK)
        st = rep_write_summary(c, err);
    if (st == NPU_OK)
        st = publish(c, out, err);
    return st;
}

npu_status rep_generate(const rep_options *o, size_t *n_plots, npu_err *err) {
    rep_sweep s;
    npu_status st = rep_sweep_load(o->dir, &s, o->quiet ? NULL : warn_stderr, err);
    if (st != NPU_OK)
        return st;
    rep_gnuplot gp;
    rep_ctx c;
    memset(&c, 0, sizeof c);
    c.s = &s;
    c.gp = &gp;
    st = rep_gnuplot_find(o->gnuplot, &gp, err);
    if (st == NPU_OK)
        st = collect_models(&c, err);
    if (st == NPU_OK)
        st = choose_point(&c, o->point, err);
    if (st == NPU_OK)
        st = ensure_dir(o->out, err);
    char *stage = NULL;
    if (st == NPU_OK) {
        stage = rep_path(o->out, ".report-XXXXXX");
        if (!stage)
            st = npu_err_set(err, NPU_ERR_INTERNAL, "out of memory");
        else if (!mkdtemp(stage))
            st = npu_err_set(err, NPU_ERR_INPUT, "%s: cannot write into the directory: %s", o->out,
                             strerror(errno));
        else
            c.stage = stage;
    }
    if (st == NPU_OK)
        st = render_all(&c, o->out, err);
    if (c.stage) {
        char sub[4096];
        snprintf(sub, sizeof sub, "%s/gnuplot", c.stage);
        remove_flat(sub);
        remove_flat(c.stage);
    }
    if (st == NPU_OK && o->text)
        rep_write_text(&c, o->out, o->text);
    if (st == NPU_OK && n_plots) {
        *n_plots = 0;
        for (size_t i = 0; i < REP_N_FIGS; i++)
            *n_plots += c.figs[i].drawn;
    }
    free(stage);
    free(c.models);
    rep_sweep_free(&s);
    return st;
}
