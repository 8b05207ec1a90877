/*
 * sim_sweep: the sweep runner — prepares the sweep directory, finds the points still to run
 * (resume), cuts them into chunks (points of one model and input, a group; a group is cut into
 * several chunks when there are few groups, so that free workers can share it), forks the
 * workers and feeds them chunks as they become free, collects their messages (point started /
 * point finished with its results.csv row / chunk finished) over one pipe, keeps the rows in
 * memory, rewrites results.csv at most every SWEEP_CSV_EVERY_S seconds and at the end, and
 * shows the progress.
 *
 * Throughput: a worker keeps its models, meshes, calibrations (sweep_cache) and its current
 * unit (samples, functional records) from chunk to chunk, and a free worker takes a chunk of
 * the group it is on, else of a group no worker is on, else any; models that several workers
 * need from the start (fewer groups than workers) are built once in the parent before the
 * fork. The worker makes each point's results.csv row from the figures and sends it with the
 * "finished" message, so the parent parses no JSON during the run.
 *
 * Robustness: a worker dies with the parent (PR_SET_PDEATHSIG), so a SIGKILLed sweep leaves
 * no orphan; point files are written atomically (temporary file + rename; power CSV first,
 * the JSON last: the JSON's presence marks a finished point) WITHOUT a per-point fsync — a
 * killed process cannot lose data already written to the page cache, and resume re-checks
 * every point file's content — and the files reach the disk by a sync of the file system
 * (syncfs) every SWEEP_SYNC_EVERY_S seconds and at the end (power loss: docs/scenarios.md).
 * Stray temporary files are removed on the next run; a worker that dies while running a
 * point gets that point recorded as an error by the parent, and the rest of its chunk goes
 * back to the queue for a new worker.
 */
#define _GNU_SOURCE

#include "sim_sweep_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "cmp/cmp_file.h"
#include "cmp/cmp_mapper.h"

#define SWEEP_CSV_EVERY_S 2.0   /* results.csv rewrite period during a run */
#define SWEEP_SYNC_EVERY_S 10.0 /* file system sync period during a run */
#define SWEEP_BAR_EVERY_S 0.1   /* progress bar redraw period */
#define SWEEP_CHUNKS_PER_JOB 4  /* chunks per worker when groups are few */

/* Worker -> parent message kinds. */
enum { MSG_START = 1, MSG_DONE = 2, MSG_CHUNK = 3, MSG_BYE = 4 };

/* Header of a message; MSG_DONE is followed by `len` bytes of its results.csv row (0: the
 * parent reads the point file). A whole message is at most PIPE_BUF bytes, so that the
 * writes of several workers to the one pipe never interleave. */
typedef struct sweep_msg {
    uint32_t kind;   /* MSG_* */
    uint32_t worker; /* worker slot */
    uint32_t index;  /* point index (START, DONE) */
    uint32_t status; /* SWEEP_OUT_* (DONE) */
    uint32_t len;    /* bytes of row that follow (DONE) */
} sweep_msg;

/* A chunk of work: point indices of one group. */
typedef struct sweep_work {
    uint32_t *pts; /* owned; NULL once handed out */
    size_t n;      /* number of points */
    size_t group;  /* their group */
} sweep_work;

/* A worker slot of the parent. */
typedef struct sweep_slot {
    pid_t pid;       /* worker process (0 = none) */
    int cmd;         /* write end of its command pipe (-1 = none) */
    bool busy;       /* running a chunk */
    sweep_work work; /* the chunk it runs (owned) */
    int64_t current; /* point it runs (-1 = none) */
    size_t group;    /* group of its last chunk (SIZE_MAX = none) */
    bool bye;        /* it said it exits (reaped without waiting for the poll timeout) */
} sweep_slot;

/* Parent state. */
typedef struct sweep_run {
    const sim_scenario *s;   /* scenario */
    const sim_sweep_opts *o; /* options */
    sweep_cache *cache;      /* models built before the fork (inherited by the workers) */
    sweep_unit **primed;     /* units made before the fork (inherited by the workers) */
    size_t n_primed;         /* number of them */
    size_t total;            /* points */
    uint8_t *done;           /* per point: finished (or skipped) */
    char **rows;             /* per point: results.csv row, NULL when none */
    size_t n_done;           /* finished points (skipped included) */
    size_t n_run;            /* points finished in this run */
    sweep_work *queue;       /* chunks to hand out (pts NULL once taken) */
    size_t q_head;           /* first chunk not taken */
    size_t q_len;            /* chunks queued */
    size_t q_cap;            /* chunks allocated */
    sweep_slot *slots;       /* workers */
    unsigned n_slots;        /* number of slots */
    int res[2];              /* result pipe */
    char *rbuf;              /* bytes read from the pipe, not handled yet */
    size_t rlen;             /* bytes in rbuf */
    size_t rcap;             /* bytes allocated */
    double t0;               /* start time */
    double last_csv;         /* time of the last results.csv write */
    double last_sync;        /* time of the last sync */
    double last_bar;         /* time of the last progress bar */
    bool csv_dirty;          /* rows changed since */
    bool bar;                /* progress bar (else lines) */
    sim_sweep_summary *sum;  /* summary being filled */
} sweep_run;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static bool write_full(int fd, const void *buf, size_t n) {
    const char *p = buf;
    while (n) {
        const ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

static bool read_full(int fd, void *buf, size_t n) {
    char *p = buf;
    while (n) {
        const ssize_t r = read(fd, p, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        p += r;
        n -= (size_t)r;
    }
    return true;
}

/* ---- files ---- */

/* Writes path atomically (path.tmp.PID, then rename) without fsync; false on failure (no
 * file left behind). */
static bool write_nosync(const char *path, const char *data, size_t len) {
    char tmp[SIM_SCN_PATH_MAX + 64];
    if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof tmp)
        return false;
    const int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0)
        return false;
    bool ok = write_full(fd, data, len);
    ok = close(fd) == 0 && ok;
    ok = ok && rename(tmp, path) == 0;
    if (!ok)
        unlink(tmp);
    return ok;
}

/* Flushes the files of DIR to the disk: the whole file system (syncfs) and DIR's entries. */
static void sync_dir(const char *dir) {
    char points[SIM_SCN_PATH_MAX + 16];
    snprintf(points, sizeof points, "%s/points", dir);
    const char *const dirs[] = {points, dir};
    for (size_t i = 0; i < 2; i++) {
        const int fd = open(dirs[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
            continue;
#ifdef __linux__
        if (i == 0)
            syncfs(fd);
#else
        if (i == 0)
            sync();
#endif
        fsync(fd);
        close(fd);
    }
}

static npu_status mkdir_p(const char *path, npu_err *err) {
    char buf[SIM_SCN_PATH_MAX];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return npu_err_set(err, NPU_ERR_INPUT, "%s: path too long", path);
    for (char *p = buf + 1;; p++) {
        const char c = *p;
        if (c != '/' && c != '\0')
            continue;
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return npu_err_set(err, NPU_ERR_INPUT, "cannot create directory '%s': %s", buf,
                               strerror(errno));
        *p = c;
        if (c == '\0')
            break;
    }
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return npu_err_set(err, NPU_ERR_INPUT, "'%s' is not a directory", path);
    return NPU_OK;
}

/* Removes temporary files left by an interrupted atomic write; counts point JSONs. */
static size_t clean_dir(const char *dir) {
    DIR *d = opendir(dir);
    size_t points = 0;
    if (!d)
        return 0;
    struct dirent *e;
    char path[SIM_SCN_PATH_MAX + 256];
    while ((e = readdir(d)) != NULL) {
        const size_t n = strlen(e->d_name);
        if (strstr(e->d_name, ".tmp.")) {
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            unlink(path);
        } else if (e->d_name[0] == 'p' && n > 5 && strcmp(e->d_name + n - 5, ".json") == 0) {
            points++;
        }
    }
    closedir(d);
    return points;
}

/* Creates DIR and DIR/points, checks it may be used, copies the scenario. */
static npu_status prepare_dir(const sim_scenario *s, const sim_sweep_opts *o, npu_err *err) {
    char points[SIM_SCN_PATH_MAX + 16], copy[SIM_SCN_PATH_MAX + 16];
    snprintf(points, sizeof points, "%s/points", o->out_dir);
    snprintf(copy, sizeof copy, "%s/scenario.yaml", o->out_dir);
    npu_status st = mkdir_p(points, err);
    if (st)
        return st;
    clean_dir(o->out_dir);
    const size_t existing = clean_dir(points);
    size_t len = 0;
    char *old = sweep_read_file(copy, &len);
    const bool same = old && len == s->text_len && memcmp(old, s->text, len) == 0;
    free(old);
    if (existing && !o->resume)
        return npu_err_set(err, NPU_ERR_INPUT,
                           "%s already holds a sweep (%zu point files): use --resume to "
                           "continue it, or another --out",
                           o->out_dir, existing);
    if (existing && old && !same)
        return npu_err_set(err, NPU_ERR_INPUT,
                           "%s holds a sweep of another scenario (its scenario.yaml differs "
                           "from %s): use another --out",
                           o->out_dir, s->file);
    return same ? NPU_OK : cmp_file_write_atomic(copy, s->text, s->text_len, err);
}

/* ---- results.csv ---- */

static npu_status csv_write(const char *dir, char *const *rows, size_t n, npu_err *err) {
    size_t len = strlen(SWEEP_CSV_HEADER);
    for (size_t i = 0; i < n; i++)
        len += rows[i] ? strlen(rows[i]) : 0;
    char *buf = malloc(len + 1), *p = buf;
    if (!buf)
        return npu_err_set(err, NPU_ERR_INTERNAL, "out of memory for results.csv");
    memcpy(p, SWEEP_CSV_HEADER, strlen(SWEEP_CSV_HEADER));
    p += strlen(SWEEP_CSV_HEADER);
    for (size_t i = 0; i < n; i++)
        if (rows[i]) {
            const size_t k = strlen(rows[i]);
            memcpy(p, rows[i], k);
            p += k;
        }
    char path[SIM_SCN_PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/results.csv", dir);
    const bool ok = write_nosync(path, buf, len);
    free(buf);
    return ok ? NPU_OK
              : npu_err_set(err, NPU_ERR_INPUT, "cannot write '%s': %s", path, strerror(errno));
}

/* The row of point i from its file (NULL when absent or not a point file). */
static char *row_of(const char *dir, uint32_t i) {
    char path[SIM_SCN_PATH_MAX + 32];
    sweep_point_path(path, sizeof path, dir, i, ".json");
    size_t len = 0;
    char *text = sweep_read_file(path, &len);
    char *row = text ? sweep_csv_row(text, len) : NULL;
    free(text);
    return row;
}

npu_status sim_sweep_write_csv(const char *dir, size_t n, npu_err *err) {
    char **rows = calloc(n ? n : 1, sizeof *rows);
    if (!rows)
        return npu_err_set(err, NPU_ERR_INTERNAL, "out of memory for results.csv");
    for (size_t i = 0; i < n; i++)
        rows[i] = row_of(dir, (uint32_t)i);
    npu_status st = csv_write(dir, rows, n, err);
    if (st == NPU_OK)
        sync_dir(dir);
    for (size_t i = 0; i < n; i++)
        free(rows[i]);
    free(rows);
    return st;
}

/* ---- worker ---- */

/* Writes a point's files: power CSV first, then the JSON (its presence marks completion). */
static uint32_t point_write(const char *dir, uint32_t index, const char *json, const char *power,
                            uint32_t status) {
    char path[SIM_SCN_PATH_MAX + 32];
    if (power) {
        sweep_point_path(path, sizeof path, dir, index, ".power.csv");
        if (!write_nosync(path, power, strlen(power)))
            return SWEEP_OUT_NOFILE;
    }
    sweep_point_path(path, sizeof path, dir, index, ".json");
    if (!write_nosync(path, json, strlen(json)))
        return SWEEP_OUT_NOFILE;
    return status;
}

/* Sends a message (with the row of a finished point when it fits in one atomic write). */
static void worker_send(int fd, uint32_t kind, uint32_t worker, uint32_t index, uint32_t status,
                        const char *row) {
    char buf[PIPE_BUF];
    sweep_msg m = {kind, worker, index, status, 0};
    const size_t n = row ? strlen(row) : 0;
    if (n && sizeof m + n <= sizeof buf)
        m.len = (uint32_t)n;
    memcpy(buf, &m, sizeof m);
    memcpy(buf + sizeof m, row ? row : "", m.len);
    if (!write_full(fd, buf, sizeof m + m.len))
        _exit(3);
}

/* What a worker keeps between chunks. */
typedef struct sweep_worker {
    sweep_cache *cache;        /* models, meshes, calibrations (the parent's copy) */
    sweep_unit *const *primed; /* units the parent made (borrowed) */
    size_t n_primed;           /* number of them */
    const sim_sweep_opts *o;   /* options */
    sweep_unit *unit;          /* unit of the last chunk (NULL = none) */
    bool own;                  /* unit is the worker's (else one of primed) */
    int res;                   /* result pipe */
    uint32_t wid;              /* worker slot */
} sweep_worker;

/* Makes w->unit the unit of (model, input): the current one, a primed one, or a new one. */
static void worker_unit(sweep_worker *w, uint32_t model, uint32_t input) {
    if (sweep_unit_is(w->unit, model, input))
        return;
    if (w->own)
        sweep_unit_free(w->unit);
    w->unit = NULL;
    w->own = false;
    for (size_t i = 0; i < w->n_primed && !w->unit; i++)
        if (sweep_unit_is(w->primed[i], model, input))
            w->unit = w->primed[i];
    if (w->unit)
        return;
    npu_err e;
    npu_err_clear(&e);
    if (sweep_unit_new(w->cache, model, input, w->o->fidelity, w->o->estimator, &w->unit, &e) !=
        NPU_OK)
        _exit(4);
    sweep_unit_set_check(w->unit, w->o->check_every);
    w->own = true;
}

/* Runs one chunk (the unit of the previous chunk is reused when the group is the same). */
static void worker_chunk(sweep_worker *w, const uint32_t *pts, size_t n) {
    const sim_point p0 = sim_scenario_point(w->cache->s, pts[0]);
    npu_err e;
    npu_err_clear(&e);
    worker_unit(w, p0.model, p0.input);
    for (size_t i = 0; i < n; i++) {
        worker_send(w->res, MSG_START, w->wid, pts[i], 0, NULL);
        sweep_point_out out;
        if (sweep_unit_point(w->unit, pts[i], &out, &e) != NPU_OK)
            _exit(4);
        const uint32_t st = point_write(w->o->out_dir, pts[i], out.json, out.power, out.status);
        worker_send(w->res, MSG_DONE, w->wid, pts[i], st, st == SWEEP_OUT_NOFILE ? NULL : out.row);
        sweep_point_out_free(&out);
    }
}

static void worker_main(const sweep_run *r, int cmd, int res, uint32_t wid, pid_t parent) {
#ifdef __linux__
    prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
    if (getppid() != parent)
        _exit(5);
    signal(SIGPIPE, SIG_DFL);
    sweep_worker w = {r->cache, r->primed, r->n_primed, r->o, NULL, false, res, wid};
    for (;;) {
        uint32_t n = 0;
        if (!read_full(cmd, &n, sizeof n) || n == 0)
            break;
        uint32_t *pts = malloc(n * sizeof *pts);
        if (!pts || !read_full(cmd, pts, n * sizeof *pts))
            _exit(4);
        worker_chunk(&w, pts, n);
        free(pts);
        worker_send(res, MSG_CHUNK, wid, 0, 0, NULL);
    }
    worker_send(res, MSG_BYE, wid, 0, 0, NULL);
    _exit(0);
}

/* ---- scheduling ---- */

static bool queue_push(sweep_run *r, const uint32_t *pts, size_t n, size_t group) {
    if (r->q_len == r->q_cap) {
        const size_t cap = r->q_cap ? r->q_cap * 2 : 64;
        sweep_work *q = realloc(r->queue, cap * sizeof *q);
        if (!q)
            return false;
        r->queue = q;
        r->q_cap = cap;
    }
    uint32_t *copy = malloc((n ? n : 1) * sizeof *copy);
    if (!copy)
        return false;
    memcpy(copy, pts, n * sizeof *copy);
    r->queue[r->q_len++] = (sweep_work){copy, n, group};
    return true;
}

/* Number of groups of the pending points (1 when none). */
static size_t pending_groups(const sweep_run *r, const uint32_t *pend, size_t n, size_t *starts) {
    size_t groups = 0;
    for (size_t k = 0; k < n; k++)
        if (!k || sim_scenario_group(r->s, pend[k]) != sim_scenario_group(r->s, pend[k - 1]))
            starts[groups++] = k;
    starts[groups] = n;
    return groups;
}

/* Cuts the pending points into chunks: one per group when there are many groups, else about
 * SWEEP_CHUNKS_PER_JOB per worker overall, each group in proportion to its size. */
static npu_status make_chunks(sweep_run *r, size_t *n_groups, npu_err *err) {
    uint32_t *pend = malloc((r->total ? r->total : 1) * sizeof *pend);
    size_t *starts = malloc((r->total + 1) * sizeof *starts);
    size_t n = 0;
    if (!pend || !starts) {
        free(pend);
        free(starts);
        return npu_err_set(err, NPU_ERR_INTERNAL, "out of memory");
    }
    for (size_t i = 0; i < r->total; i++)
        if (!r->done[i])
            pend[n++] = (uint32_t)i;
    const size_t groups = pending_groups(r, pend, n, starts);
    const size_t target = (size_t)(r->o->jobs ? r->o->jobs : 1) * SWEEP_CHUNKS_PER_JOB;
    bool ok = true;
    for (size_t g = 0; g < groups && ok; g++) {
        const size_t len = starts[g + 1] - starts[g];
        size_t k = groups >= target ? 1 : (len * target + n - 1) / n;
        k = k < 1 ? 1 : (k > len ? len : k);
        const size_t chunk = (len + k - 1) / k;
        const size_t group = sim_scenario_group(r->s, pend[starts[g]]);
        for (size_t i = starts[g]; i < starts[g + 1] && ok; i += chunk)
            ok = queue_push(r, pend + i, starts[g + 1] - i < chunk ? starts[g + 1] - i : chunk,
                            group);
    }
    *n_groups = groups;
    free(pend);
    free(starts);
    return ok ? NPU_OK : npu_err_set(err, NPU_ERR_INTERNAL, "out of memory");
}

/* True when a worker other than `self` runs a chunk of group g. */
static bool group_busy(const sweep_run *r, const sweep_slot *self, size_t g) {
    for (unsigned k = 0; k < r->n_slots; k++)
        if (&r->slots[k] != self && r->slots[k].busy && r->slots[k].work.group == g)
            return true;
    return false;
}

/* The chunk for worker w: of its group, else of a group no worker is on, else the first. */
static size_t pick_chunk(const sweep_run *r, const sweep_slot *w) {
    size_t first = SIZE_MAX, idle = SIZE_MAX;
    for (size_t i = r->q_head; i < r->q_len; i++) {
        const sweep_work *q = &r->queue[i];
        if (!q->pts)
            continue;
        if (q->group == w->group)
            return i;
        if (first == SIZE_MAX)
            first = i;
        if (idle == SIZE_MAX && !group_busy(r, w, q->group))
            idle = i;
    }
    return idle != SIZE_MAX ? idle : first;
}

/* ---- progress ---- */

static void fmt_time(char *dst, size_t cap, double s) {
    const unsigned long t = s > 0 ? (unsigned long)(s + 0.5) : 0;
    if (t >= 3600)
        snprintf(dst, cap, "%lu:%02lu:%02lu", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(dst, cap, "%lu:%02lu", t / 60, t % 60);
}

static void progress_bar(sweep_run *r) {
    FILE *f = r->o->log;
    const double t = now_s(), el = t - r->t0;
    r->last_bar = t;
    const size_t left = r->total - r->n_done;
    char e1[32], e2[32] = "--:--", bar[31];
    fmt_time(e1, sizeof e1, el);
    if (r->n_run)
        fmt_time(e2, sizeof e2, el / (double)r->n_run * (double)left);
    const size_t fill = r->total ? r->n_done * 30 / r->total : 30;
    for (size_t i = 0; i < 30; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[30] = '\0';
    fprintf(f, "\r[%s] %zu/%zu points, %zu failed, elapsed %s, ETA %s   ", bar, r->n_done, r->total,
            r->sum->failed, e1, e2);
    fflush(f);
}

static void progress_line(sweep_run *r, uint32_t i, uint32_t out) {
    const sim_point p = sim_scenario_point(r->s, i);
    const sim_scenario *s = r->s;
    fprintf(r->o->log, "[%zu/%zu] p%05u %s: %s on %s, hw_only=%s, %s, %s, batch %u, %s\n",
            r->n_done, r->total, i, out == SWEEP_OUT_OK ? "ok" : "error", s->models[p.model].label,
            s->meshes[p.mesh].label, s->hw_only[p.hw] ? "true" : "false",
            cmp_map_mode_name(s->map_modes[p.map]), mesh_clock_mode_name(s->clocks[p.clock]),
            s->batches[p.batch], s->inputs[p.input].label);
    fflush(r->o->log);
}

static bool show_progress(const sweep_run *r) {
    return r->o->log && r->o->progress != SIM_PROGRESS_NONE;
}

/* Records a finished point; takes row (NULL: read from the point file). */
static void point_done(sweep_run *r, uint32_t i, uint32_t out, char *row) {
    if (i >= r->total || r->done[i]) {
        free(row);
        return;
    }
    r->done[i] = 1;
    r->n_done++;
    r->n_run++;
    if (out == SWEEP_OUT_OK)
        r->sum->ok++;
    else
        r->sum->failed++;
    free(r->rows[i]);
    r->rows[i] = row ? row : row_of(r->o->out_dir, i);
    r->csv_dirty = true;
    if (show_progress(r)) {
        if (!r->bar)
            progress_line(r, i, out);
        else if (now_s() - r->last_bar >= SWEEP_BAR_EVERY_S)
            progress_bar(r);
    }
}

/* ---- parent ---- */

/* Hands the next chunk to slot w, or tells it to stop. */
static void slot_feed(sweep_run *r, sweep_slot *w) {
    if (w->cmd < 0)
        return;
    const size_t i = pick_chunk(r, w);
    if (i == SIZE_MAX) {
        const uint32_t zero = 0;
        write_full(w->cmd, &zero, sizeof zero);
        close(w->cmd);
        w->cmd = -1;
        return;
    }
    w->work = r->queue[i];
    r->queue[i].pts = NULL;
    while (r->q_head < r->q_len && !r->queue[r->q_head].pts)
        r->q_head++;
    w->busy = true;
    w->current = -1;
    w->group = w->work.group;
    const uint32_t n = (uint32_t)w->work.n;
    if (!write_full(w->cmd, &n, sizeof n) ||
        !write_full(w->cmd, w->work.pts, w->work.n * sizeof *w->work.pts)) {
        close(w->cmd); /* the worker died: reaped and requeued by reap() */
        w->cmd = -1;
    }
}

static npu_status slot_spawn(sweep_run *r, uint32_t wid, npu_err *err) {
    sweep_slot *w = &r->slots[wid];
    int cmd[2];
    if (pipe(cmd) != 0)
        return npu_err_set(err, NPU_ERR_INTERNAL, "pipe: %s", strerror(errno));
    fflush(NULL);
    const pid_t parent = getpid();
    const pid_t pid = fork();
    if (pid < 0) {
        close(cmd[0]);
        close(cmd[1]);
        return npu_err_set(err, NPU_ERR_INTERNAL, "fork: %s", strerror(errno));
    }
    if (pid == 0) {
        close(cmd[1]);
        close(r->res[0]);
        for (unsigned k = 0; k < r->n_slots; k++)
            if (r->slots[k].cmd >= 0)
                close(r->slots[k].cmd);
        worker_main(r, cmd[0], r->res[1], wid, parent);
    }
    close(cmd[0]);
    w->pid = pid;
    w->cmd = cmd[1];
    w->busy = false;
    w->current = -1;
    w->group = SIZE_MAX;
    w->bye = false;
    slot_feed(r, w);
    return NPU_OK;
}

static void handle_msg(sweep_run *r, const sweep_msg *m, const char *row) {
    if (m->worker >= r->n_slots)
        return;
    sweep_slot *w = &r->slots[m->worker];
    if (m->kind == MSG_START) {
        w->current = m->index;
    } else if (m->kind == MSG_DONE) {
        w->current = -1;
        char *copy = NULL;
        if (m->len && (copy = malloc((size_t)m->len + 1))) {
            memcpy(copy, row, m->len);
            copy[m->len] = '\0';
        }
        point_done(r, m->index, m->status, copy);
    } else if (m->kind == MSG_CHUNK) {
        free(w->work.pts);
        w->work = (sweep_work){NULL, 0, w->group};
        w->busy = false;
        slot_feed(r, w);
    } else if (m->kind == MSG_BYE) {
        w->bye = true;
    }
}

/* Handles the complete messages at the start of the read buffer and keeps the rest. */
static void handle_buffer(sweep_run *r) {
    size_t off = 0;
    while (r->rlen - off >= sizeof(sweep_msg)) {
        sweep_msg m;
        memcpy(&m, r->rbuf + off, sizeof m);
        if (r->rlen - off - sizeof m < m.len)
            break;
        handle_msg(r, &m, r->rbuf + off + sizeof m);
        off += sizeof m + m.len;
    }
    memmove(r->rbuf, r->rbuf + off, r->rlen - off);
    r->rlen -= off;
}

/* Reads every message available (waiting up to timeout_ms for the first). */
static void drain(sweep_run *r, int timeout_ms) {
    struct pollfd pfd = {r->res[0], POLLIN, 0};
    if (poll(&pfd, 1, timeout_ms) <= 0)
        return;
    for (;;) {
        if (r->rcap - r->rlen < 2 * PIPE_BUF) {
            const size_t cap = r->rcap ? r->rcap * 2 : 65536;
            char *b = realloc(r->rbuf, cap);
            if (!b)
                return;
            r->rbuf = b;
            r->rcap = cap;
        }
        const ssize_t got = read(r->res[0], r->rbuf + r->rlen, r->rcap - r->rlen);
        if (got <= 0)
            break;
        r->rlen += (size_t)got;
        handle_buffer(r);
    }
}

/* A worker died while busy: its current point is recorded as an error, the rest requeued. */
static npu_status slot_crashed(sweep_run *r, uint32_t wid, int status, npu_err *err) {
    sweep_slot *w = &r->slots[wid];
    if (w->cmd >= 0)
        close(w->cmd);
    w->cmd = -1;
    w->pid = 0;
    if (!w->busy)
        return NPU_OK;
    char msg[128];
    if (WIFSIGNALED(status))
        snprintf(msg, sizeof msg, "the worker process died (signal %d: %s) running this point",
                 WTERMSIG(status), strsignal(WTERMSIG(status)));
    else
        snprintf(msg, sizeof msg, "the worker process exited (status %d) running this point",
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    if (w->current >= 0 && !r->done[w->current]) {
        const uint32_t i = (uint32_t)w->current;
        const sim_point p = sim_scenario_point(r->s, i);
        char *json = sweep_json_error(r->s, &p, r->o->fidelity, msg);
        const uint32_t out =
            json ? point_write(r->o->out_dir, i, json, NULL, SWEEP_OUT_ERROR) : SWEEP_OUT_NOFILE;
        char *row = out != SWEEP_OUT_NOFILE ? sweep_csv_row(json, strlen(json)) : NULL;
        free(json);
        point_done(r, i, out == SWEEP_OUT_NOFILE ? SWEEP_OUT_NOFILE : SWEEP_OUT_ERROR, row);
    }
    size_t k = 0;
    for (size_t i = 0; i < w->work.n; i++)
        if (!r->done[w->work.pts[i]])
            w->work.pts[k++] = w->work.pts[i];
    npu_status st = NPU_OK;
    if (k && !queue_push(r, w->work.pts, k, w->work.group))
        st = npu_err_set(err, NPU_ERR_INTERNAL, "out of memory");
    free(w->work.pts);
    w->work = (sweep_work){NULL, 0, w->group};
    w->busy = false;
    if (st == NPU_OK && r->q_head < r->q_len)
        st = slot_spawn(r, wid, err);
    return st;
}

/* Reaps exited workers (only ours: the caller may have other children); waits for those
 * that said they exit. */
static npu_status reap(sweep_run *r, npu_err *err) {
    for (uint32_t k = 0; k < r->n_slots; k++) {
        int status = 0;
        const int flags = r->slots[k].bye ? 0 : WNOHANG;
        if (!r->slots[k].pid || waitpid(r->slots[k].pid, &status, flags) != r->slots[k].pid)
            continue;
        r->slots[k].bye = false;
        drain(r, 0);
        npu_status st = slot_crashed(r, k, status, err);
        if (st)
            return st;
    }
    return NPU_OK;
}

static bool any_alive(const sweep_run *r) {
    for (unsigned k = 0; k < r->n_slots; k++)
        if (r->slots[k].pid)
            return true;
    return false;
}

/* True when the power CSV of an exact point that ran is complete (header, final newline):
 * after a power loss the JSON may have reached the disk without it. */
static bool power_complete(const char *dir, uint32_t i) {
    char path[SIM_SCN_PATH_MAX + 32], head[12], last = 0;
    sweep_point_path(path, sizeof path, dir, i, ".power.csv");
    const int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    bool ok = fd >= 0 && fstat(fd, &sb) == 0 && sb.st_size > (off_t)sizeof head &&
              pread(fd, head, sizeof head, 0) == (ssize_t)sizeof head &&
              pread(fd, &last, 1, sb.st_size - 1) == 1;
    if (fd >= 0)
        close(fd);
    return ok && memcmp(head, "timestamp_us", sizeof head) == 0 && last == '\n';
}

/* Skipped points of a resumed sweep: complete point files (and power CSVs). */
static void resume_scan(sweep_run *r) {
    for (size_t i = 0; i < r->total && r->o->resume; i++) {
        char path[SIM_SCN_PATH_MAX + 32];
        sweep_point_path(path, sizeof path, r->o->out_dir, (uint32_t)i, ".json");
        size_t len = 0;
        char *text = sweep_read_file(path, &len), *row = NULL;
        const sim_point p = sim_scenario_point(r->s, i);
        bool ok = text && sweep_json_complete(text, len, r->s, &p, r->o->fidelity, &row);
        if (ok && r->o->fidelity == SIM_FIDELITY_EXACT && strstr(text, "\n  \"status\": \"ok\",\n"))
            ok = power_complete(r->o->out_dir, (uint32_t)i);
        if (ok) {
            r->done[i] = 1;
            r->n_done++;
            r->sum->skipped++;
            r->rows[i] = row;
        } else {
            free(row);
        }
        free(text);
    }
}

/* Writes results.csv (and syncs) when due, or always when `final`. */
static npu_status periodic(sweep_run *r, bool final, npu_err *err) {
    const double t = now_s();
    npu_status st = NPU_OK;
    if (final || (r->csv_dirty && t - r->last_csv >= SWEEP_CSV_EVERY_S)) {
        st = csv_write(r->o->out_dir, r->rows, r->total, err);
        r->last_csv = t;
        r->csv_dirty = false;
    }
    if (final || t - r->last_sync >= SWEEP_SYNC_EVERY_S) {
        sync_dir(r->o->out_dir);
        r->last_sync = t;
    }
    return st;
}

static npu_status main_loop(sweep_run *r, npu_err *err) {
    npu_status st = NPU_OK;
    const unsigned jobs = r->o->jobs ? r->o->jobs : 1;
    const size_t chunks = r->q_len;
    r->n_slots = jobs < chunks ? jobs : (unsigned)chunks;
    r->slots = calloc(r->n_slots ? r->n_slots : 1, sizeof *r->slots);
    if (!r->slots)
        return npu_err_set(err, NPU_ERR_INTERNAL, "out of memory");
    for (unsigned k = 0; k < r->n_slots; k++)
        r->slots[k].cmd = -1;
    for (unsigned k = 0; k < r->n_slots && st == NPU_OK; k++)
        st = slot_spawn(r, k, err);
    while (st == NPU_OK && any_alive(r)) {
        drain(r, 200);
        st = reap(r, err);
        if (st == NPU_OK)
            st = periodic(r, false, err);
        if (r->bar && show_progress(r) && now_s() - r->last_bar >= SWEEP_BAR_EVERY_S)
            progress_bar(r);
    }
    return st;
}

/* The pending point of the group that starts at index `from` with batch index b that is best
 * to make the functional record on (hybrid before hw_only: it maps on any mesh; then the mesh
 * with the fewest NPs: the device to build and program is the smallest, and the forward the
 * cheapest — 35 ms on 10 NPs, 165 ms on 209 NPs for AkidaNet 0.5/160); SIZE_MAX when none. */
static size_t prime_point(const sweep_run *r, size_t from, uint32_t b) {
    const size_t g = sim_scenario_group(r->s, from);
    size_t best = SIZE_MAX;
    uint64_t best_score = 0;
    for (size_t i = from; i < r->total && sim_scenario_group(r->s, i) == g; i++) {
        const sim_point p = sim_scenario_point(r->s, i);
        if (r->done[i] || p.batch != b)
            continue;
        const uint64_t score =
            ((uint64_t)!r->s->hw_only[p.hw] << 32) | (UINT32_MAX - r->s->meshes[p.mesh].nps);
        if (best == SIZE_MAX || score > best_score) {
            best = i;
            best_score = score;
        }
    }
    return best;
}

/* Runs point i in the parent with unit u (its files and row as a worker would). */
static npu_status prime_run(sweep_run *r, sweep_unit *u, size_t i, npu_err *err) {
    sweep_point_out out;
    npu_status st = sweep_unit_point(u, (uint32_t)i, &out, err);
    if (st != NPU_OK)
        return st;
    const uint32_t res = point_write(r->o->out_dir, (uint32_t)i, out.json, out.power, out.status);
    point_done(r, (uint32_t)i, res, res == SWEEP_OUT_NOFILE ? NULL : out.row);
    if (res != SWEEP_OUT_NOFILE)
        out.row = NULL;
    sweep_point_out_free(&out);
    return NPU_OK;
}

/* With fewer pending groups than workers, several workers need each group's model and
 * functional records from the start: the parent makes them once before the fork — builds
 * the model and runs, per group and batch size, one point (prime_point) whose functional run
 * every worker then inherits. */
static npu_status prime_groups(sweep_run *r, npu_err *err) {
    size_t groups = 0, last = SIZE_MAX;
    for (size_t i = 0; i < r->total; i++)
        if (!r->done[i] && sim_scenario_group(r->s, i) != last) {
            last = sim_scenario_group(r->s, i);
            groups++;
        }
    if (r->o->jobs <= 1 || groups >= r->o->jobs)
        return NPU_OK;
    r->primed = calloc(groups, sizeof *r->primed);
    if (!r->primed)
        return npu_err_set(err, NPU_ERR_INTERNAL, "out of memory");
    npu_status st = NPU_OK;
    last = SIZE_MAX;
    for (size_t i = 0; i < r->total && st == NPU_OK; i++) {
        if (r->done[i] || sim_scenario_group(r->s, i) == last)
            continue;
        last = sim_scenario_group(r->s, i); /* i: the group's first pending point */
        const sim_point p = sim_scenario_point(r->s, i);
        sweep_unit *u = NULL;
        st = sweep_unit_new(r->cache, p.model, p.input, r->o->fidelity, r->o->estimator, &u, err);
        if (st != NPU_OK)
            break;
        sweep_unit_set_check(u, r->o->check_every);
        r->primed[r->n_primed++] = u;
        for (uint32_t b = 0; b < r->s->n_batches && st == NPU_OK; b++) {
            const size_t k = prime_point(r, i, b);
            if (k != SIZE_MAX)
                st = prime_run(r, u, k, err);
        }
    }
    return st;
}

static void run_free(sweep_run *r) {
    for (unsigned k = 0; r->slots && k < r->n_slots; k++) {
        if (r->slots[k].cmd >= 0)
            close(r->slots[k].cmd);
        if (r->slots[k].pid) {
            kill(r->slots[k].pid, SIGKILL);
            waitpid(r->slots[k].pid, NULL, 0);
        }
        free(r->slots[k].work.pts);
    }
    for (size_t i = 0; r->queue && i < r->q_len; i++)
        free(r->queue[i].pts);
    for (size_t i = 0; r->rows && i < r->total; i++)
        free(r->rows[i]);
    free(r->rows);
    free(r->done);
    free(r->queue);
    free(r->slots);
    free(r->rbuf);
    for (size_t i = 0; i < r->n_primed; i++)
        sweep_unit_free(r->primed[i]);
    free(r->primed);
    if (r->res[0] >= 0)
        close(r->res[0]);
    if (r->res[1] >= 0)
        close(r->res[1]);
}

/* Everything between the checks and the final files. */
static npu_status run_points(sweep_run *r, npu_err *err) {
    size_t groups = 0;
    npu_status st = prime_groups(r, err);
    if (st == NPU_OK)
        st = make_chunks(r, &groups, err);
    if (st == NPU_OK && pipe(r->res) != 0)
        st = npu_err_set(err, NPU_ERR_INTERNAL, "pipe: %s", strerror(errno));
    if (st != NPU_OK)
        return st;
    fcntl(r->res[0], F_SETFL, fcntl(r->res[0], F_GETFL) | O_NONBLOCK);
    struct sigaction ign, old;
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ign, &old);
    st = main_loop(r, err);
    sigaction(SIGPIPE, &old, NULL);
    return st;
}

npu_status sim_sweep_run(const sim_scenario *s, const sim_sweep_opts *o, sim_sweep_summary *sum,
                         npu_err *err) {
    memset(sum, 0, sizeof *sum);
    sum->total = sim_scenario_count(s);
    if (o->fidelity == SIM_FIDELITY_ESTIMATE && !o->estimator)
        return npu_err_set(err, NPU_ERR_INPUT,
                           "estimate fidelity is not available in this build "
                           "(use --fidelity exact)");
    if (!o->out_dir || !o->out_dir[0])
        return npu_err_set(err, NPU_ERR_INPUT, "no output directory given");
    npu_status st = prepare_dir(s, o, err);
    if (st)
        return st;
    sweep_cache cache;
    sweep_run r;
    memset(&r, 0, sizeof r);
    r.s = s;
    r.o = o;
    r.sum = sum;
    r.cache = &cache;
    r.total = sum->total;
    r.res[0] = r.res[1] = -1;
    r.t0 = r.last_csv = r.last_sync = now_s();
    r.bar = o->progress == SIM_PROGRESS_BAR ||
            (o->progress == SIM_PROGRESS_AUTO && o->log && isatty(fileno(o->log)));
    r.done = calloc(r.total ? r.total : 1, 1);
    r.rows = calloc(r.total ? r.total : 1, sizeof *r.rows);
    st = sweep_cache_init(&cache, s, err);
    if (st == NPU_OK && (!r.done || !r.rows))
        st = npu_err_set(err, NPU_ERR_INTERNAL, "out of memory for %zu points", r.total);
    if (st == NPU_OK)
        resume_scan(&r);
    if (st == NPU_OK)
        st = run_points(&r, err);
    if (st == NPU_OK)
        st = periodic(&r, true, err);
    if (r.bar && show_progress(&r)) {
        progress_bar(&r);
        fputc('\n', o->log);
    }
    if (st == NPU_OK && r.n_done != r.total)
        st = npu_err_set(err, NPU_ERR_INTERNAL, "%zu of %zu points were not run",
                         r.total - r.n_done, r.total);
    sum->seconds = now_s() - r.t0;
    run_free(&r);
    if (cache.s)
        sweep_cache_free(&cache);
    return st;
}
