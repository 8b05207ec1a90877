/*
 * rep_load: reads a sweep directory — every DIR/points/<id>.json (names starting with '.' are
 * a writer's temporary files and are skipped), the presence of DIR/points/<id>.power.csv, and
 * DIR/results.csv — into a rep_sweep sorted by point index. results.csv is the sweep's own
 * table: its header must carry the contract's columns, each of its rows must name a point
 * whose JSON exists and agrees on the status; a point JSON without a row (the sweep was
 * interrupted between the two writes) and figures that differ from the ones derived from the
 * JSON produce warnings, not errors.
 */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rep_int.h"

/* The columns results.csv must have (docs/reports.md). */
static const char *const CSV_COLUMNS[] = {
    "id",
    "index",
    "model",
    "mesh",
    "mesh_nps",
    "hw_only",
    "map_mode",
    "clock_mode",
    "batch",
    "input",
    "fidelity",
    "status",
    "nps",
    "passes",
    "sequences",
    "inference_clk",
    "latency_ms",
    "fps",
    "power_avg_mw",
    "energy_mj_per_frame",
    "dynamic_energy_mj_per_frame",
    "program_bytes",
    "error",
};
#define N_CSV_COLUMNS (sizeof CSV_COLUMNS / sizeof CSV_COLUMNS[0])

/* A list of file names. */
typedef struct name_list {
    char **v; /* names */
    size_t n; /* count */
} name_list;

static void names_free(name_list *l) {
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool ends_with(const char *s, const char *suffix) {
    const size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Lists the point JSON files of DIR/points, sorted. */
static npu_status list_points(const char *pdir, name_list *l, npu_err *err) {
    DIR *d = opendir(pdir);
    if (!d)
        return npu_err_set(err, NPU_ERR_INPUT,
                           "%s: cannot open the points directory (is this a sweep directory?)",
                           pdir);
    struct dirent *e;
    npu_status st = NPU_OK;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || !ends_with(e->d_name, ".json"))
            continue;
        char **v = realloc(l->v, (l->n + 1) * sizeof *v);
        if (!v || !(v[l->n] = strdup(e->d_name))) {
            if (v)
                l->v = v;
            st = npu_err_set(err, NPU_ERR_INTERNAL, "out of memory");
            break;
        }
        l->v = v;
        l->n++;
    }
    closedir(d);
    if (st == NPU_OK && l->n == 0)
        st = npu_err_set(err, NPU_ERR_INPUT, "%s: no point JSON files (nothing to report)", pdir);
    if (st == NPU_OK)
        qsort(l->v, l->n, sizeof *l->v, cmp_str);
    return st;
}

/* Reads one point file; its id must match the file name. */
static npu_status load_point(const char *pdir, const char *name, rep_point *p, npu_err *err) {
    char *path = rep_path(pdir, name);
    if (!path)
        return npu_err_set(err, NPU_ERR_INTERNAL, "out of memory");
    char *text = NULL;
    size_t len = 0;
    npu_status st = rep_read_file(path, &text, &len, err);
    if (st == NPU_OK)
        st = rep_point_parse(text, len, path, p, err);
    free(text);
    if (st == NPU_OK) {
        const size_t stem = strlen(name) - strlen(".json");
        if (strlen(p->id) != stem || strncmp(p->id, name, stem) != 0) {
            st = npu_err_set(err, NPU_ERR_INPUT, "%s: id \"%s\" does not match the file name", path,
                             p->id);
            rep_point_free(p);
        }
    }
    if (st == NPU_OK) {
        p->accuracy = NAN; /* results.csv's optional "accuracy" column sets it */
        char pw[REP_ID_MAX + 16];
        snprintf(pw, sizeof pw, "%s.power.csv", p->id);
        char *pp = rep_path(pdir, pw);
        p->has_power = pp && rep_file_exists(pp);
        free(pp);
    }
    free(path);
    return st;
}

static int cmp_point(const void *a, const void *b) {
    const rep_point *x = a, *y = b;
    if (x->index != y->index)
        return x->index < y->index ? -1 : 1;
    return strcmp(x->id, y->id);
}

/* Finds a point by id (linear: sweeps are thousands of points at most). */
static rep_point *find_point(rep_sweep *s, const char *id) {
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->pts[i].id, id) == 0)
            return &s->pts[i];
    return NULL;
}

/* True when two figures agree to 0.1 % (or both are tiny). */
static bool close_enough(double a, double b) {
    if (!isfinite(a) || !isfinite(b))
        return isfinite(a) == isfinite(b);
    return fabs(a - b) <= 1e-3 * fmax(fabs(a), fabs(b)) + 1e-9;
}

/* Checks one results.csv row against its point. */
static npu_status check_row(rep_sweep *s, const rep_csv_row *r, const long *col, const char *what,
                            void (*warn)(const char *), npu_err *err) {
    const char *id = r->f[col[0]];
    rep_point *p = find_point(s, id);
    if (!p)
        return npu_err_set(err, NPU_ERR_INPUT, "%s: line %zu: point \"%s\" has no points/%s.json",
                           what, r->line, id, id);
    if (p->in_csv)
        return npu_err_set(err, NPU_ERR_INPUT, "%s: line %zu: point \"%s\" appears twice", what,
                           r->line, id);
    p->in_csv = true;
    const char *status = r->f[col[11]];
    if (strcmp(status, p->ok ? "ok" : "error") != 0)
        return npu_err_set(err, NPU_ERR_INPUT,
                           "%s: line %zu: point \"%s\" has status \"%s\" but its JSON says \"%s\"",
                           what, r->line, id, status, p->ok ? "ok" : "error");
    if (!p->ok || !warn)
        return NPU_OK;
    const double lat = strtod(r->f[col[16]], NULL), en = strtod(r->f[col[19]], NULL);
    if (!close_enough(lat, p->latency_ms) || !close_enough(en, p->energy_mj)) {
        char msg[NPU_ERR_MSG_MAX];
        snprintf(msg, sizeof msg,
                 "%s: line %zu: point %s: latency %s ms / energy %s mJ differ from its JSON "
                 "(%.6g ms, %.6g mJ); the report uses the JSON",
                 what, r->line, id, r->f[col[16]], r->f[col[19]], p->latency_ms, p->energy_mj);
        warn(msg);
    }
    return NPU_OK;
}

/* Reads and checks DIR/results.csv. */
static npu_status load_csv(rep_sweep *s, void (*warn)(const char *), npu_err *err) {
    char *path = rep_path(s->dir, "results.csv");
    if (!path)
        return npu_err_set(err, NPU_ERR_INTERNAL, "out of memory");
    char *text = NULL;
    size_t len = 0;
    rep_csv csv = {0};
    npu_status st = rep_read_file(path, &text, &len, err);
    if (st == NPU_OK)
        st = rep_csv_parse(text, len, false, path, &csv, err);
    free(text);
    if (st == NPU_OK && csv.n == 0)
        st = npu_err_set(err, NPU_ERR_INPUT, "%s: empty (no header line)", path);
    long col[N_CSV_COLUMNS];
    for (size_t i = 0; st == NPU_OK && i < N_CSV_COLUMNS; i++)
        if ((col[i] = rep_csv_col(&csv.rows[0], CSV_COLUMNS[i])) < 0)
            st = npu_err_set(err, NPU_ERR_INPUT, "%s: header lacks the column \"%s\"", path,
                             CSV_COLUMNS[i]);
    for (size_t r = 1; st == NPU_OK && r < csv.n; r++) {
        if (csv.rows[r].n != csv.rows[0].n)
            st = npu_err_set(err, NPU_ERR_INPUT, "%s: line %zu: %zu fields, the header has %zu",
                             path, csv.rows[r].line, csv.rows[r].n, csv.rows[0].n);
        else
            st = check_row(s, &csv.rows[r], col, path, warn, err);
        const long acc = st == NPU_OK ? rep_csv_col(&csv.rows[0], "accuracy") : -1;
        rep_point *ap = acc >= 0 ? find_point(s, csv.rows[r].f[col[0]]) : NULL;
        if (ap && csv.rows[r].f[acc][0])
            ap->accuracy = strtod(csv.rows[r].f[acc], NULL);
    }
    if (st == NPU_OK)
        s->n_csv = csv.n - 1;
    for (size_t i = 0; st == NPU_OK && warn && i < s->n; i++)
        if (!s->pts[i].in_csv) {
            char msg[NPU_ERR_MSG_MAX];
            snprintf(msg, sizeof msg, "%s: no row for point %s (sweep still running?)", path,
                     s->pts[i].id);
            warn(msg);
        }
    rep_csv_free(&csv);
    free(path);
    return st;
}

npu_status rep_sweep_load(const char *dir, rep_sweep *s, void (*warn)(const char *msg),
                          npu_err *err) {
    memset(s, 0, sizeof *s);
    s->dir = strdup(dir);
    char *pdir = rep_path(dir, "points");
    name_list names = {0};
    npu_status st = (s->dir && pdir) ? list_points(pdir, &names, err)
                                     : npu_err_set(err, NPU_ERR_INTERNAL, "out of memory");
    if (st == NPU_OK && !(s->pts = calloc(names.n, sizeof *s->pts)))
        st = npu_err_set(err, NPU_ERR_INTERNAL, "out of memory");
    for (size_t i = 0; st == NPU_OK && i < names.n; i++) {
        st = load_point(pdir, names.v[i], &s->pts[i], err);
        if (st == NPU_OK) {
            s->n++;
            s->n_ok += s->pts[i].ok;
        }
    }
    if (st == NPU_OK) {
        qsort(s->pts, s->n, sizeof *s->pts, cmp_point);
        for (size_t i = 1; i < s->n; i++)
            if (s->pts[i].index == s->pts[i - 1].index)
                st = npu_err_set(err, NPU_ERR_INPUT, "%s: points %s and %s share index %lld", pdir,
                                 s->pts[i - 1].id, s->pts[i].id, (long long)s->pts[i].index);
    }
    if (st == NPU_OK)
        st = load_csv(s, warn, err);
    names_free(&names);
    free(pdir);
    if (st != NPU_OK)
        rep_sweep_free(s);
    return st;
}

void rep_sweep_free(rep_sweep *s) {
    for (size_t i = 0; i < s->n; i++)
        rep_point_free(&s->pts[i]);
    free(s->pts);
    free(s->dir);
    memset(s, 0, sizeof *s);
}

/* A finite pair and its position, for sorting. */
typedef struct xy_pair {
    double x; /* first objective */
    double y; /* second objective */
    size_t i; /* index in the caller's arrays */
} xy_pair;

static int cmp_pair(const void *a, const void *b) {
    const xy_pair *p = a, *q = b;
    if (p->x != q->x)
        return p->x < q->x ? -1 : 1;
    if (p->y != q->y)
        return p->y < q->y ? -1 : 1;
    return p->i < q->i ? -1 : (p->i > q->i);
}

/* Sorted by x then y: within a run of equal x only the smallest y can be optimal, and it is
 * when it is below every y of a smaller x. O(n log n). */
size_t rep_pareto(const double *x, const double *y, size_t n, bool *on) {
    xy_pair *v = malloc((n ? n : 1) * sizeof *v);
    size_t m = 0, count = 0;
    for (size_t i = 0; i < n; i++) {
        on[i] = false;
        if (v && isfinite(x[i]) && isfinite(y[i]))
            v[m++] = (xy_pair){x[i], y[i], i};
    }
    if (!v)
        return 0;
    qsort(v, m, sizeof *v, cmp_pair);
    double best = INFINITY;
    for (size_t a = 0; a < m;) {
        size_t b = a;
        while (b < m && v[b].x == v[a].x)
            b++;
        const double gmin = v[a].y;
        for (size_t k = a; k < b && gmin < best; k++)
            if (v[k].y == gmin) {
                on[v[k].i] = true;
                count++;
            }
        best = fmin(best, gmin);
        a = b;
    }
    free(v);
    return count;
}
