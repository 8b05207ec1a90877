/*
 * sim_sweep: the sweep runner — prepares the sweep directory, finds the points still to run
 * (resume), cuts them into units (points of one model and input; split further when there
 * are fewer groups than workers), forks the workers and feeds them units as they become free,
 * collects their messages (point started / finished / unit finished) over one pipe, keeps the
 * results.csv rows in memory and rewrites the file atomically, and shows the progress.
 *
 * Robustness: a worker dies with the parent (PR_SET_PDEATHSIG), so a SIGKILLed sweep leaves
 * no orphan; point files are written atomically (power CSV first, the JSON last: the JSON's
 * presence marks a finished point) and stray temporary files are removed on the next run; a
 * worker that dies while running a point gets that point recorded as an error by the parent,
 * and the rest of its unit goes back to the queue for a new worker.
 */
#define _GNU_SOURCE

#include "sim_sweep_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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

/* Worker -> parent message kinds. */
enum { MSG_START = 1, MSG_DONE = 2, MSG_UNIT = 3 };
/* Point outcomes of MSG_DONE. */
enum { OUT_OK = 0, OUT_ERROR = 1, OUT_NOFILE = 2 };

/* One message (16 bytes: written atomically to the pipe). */
typedef struct sweep_msg {
    uint32_t kind;   /* MSG_* */
    uint32_t worker; /* worker slot */
    uint32_t index;  /* point index (START, DONE) */
    uint32_t status; /* OUT_* (DONE) */
} sweep_msg;

/* A unit of work: point indices of one (model, input). */
typedef struct sweep_work {
    uint32_t *pts; /* owned */
    size_t n;      /* number of points */
} sweep_work;

/* A worker slot of the parent. */
typedef struct sweep_slot {
    pid_t pid;       /* worker process (0 = none) */
    int cmd;         /* write end of its command pipe (-1 = none) */
    bool busy;       /* running a unit */
    sweep_work work; /* the unit it runs (owned copy) */
    int64_t current; /* point it runs (-1 = none) */
} sweep_slot;

/* Parent state. */
typedef struct sweep_run {
    const sim_scenario *s;   /* scenario */
    const sim_sweep_opts *o; /* options */
    size_t total;            /* points */
    uint8_t *done;           /* per point: finished (or skipped) */
    char **rows;             /* per point: results.csv row, NULL when none */
    size_t n_done;           /* finished points (skipped included) */
    size_t n_run;            /* points finished in this run */
    sweep_work *queue;       /* units to hand out */
    size_t q_head, q_len, q_cap;
    sweep_slot *slots;      /* workers */
    unsigned n_slots;       /* number of slots */
    int res[2];             /* result pipe */
    double t0;              /* start time */
    double last_csv;        /* time of the last results.csv write */
    bool csv_dirty;         /* rows changed since */
    bool bar;               /* progress bar (else lines) */
    sim_sweep_summary *sum; /* summary being filled */
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

/* ---- directory ---- */

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
    npu_status st = cmp_file_write_atomic(path, buf, len, err);
    free(buf);
    return st;
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
    for (size_t i = 0; i < n; i++)
        free(rows[i]);
    free(rows);
    return st;
}

/* ---- worker ---- */

/* Writes a point's files: power CSV first, then the JSON (its presence marks completion). */
static uint32_t worker_write(const char *dir, uint32_t index, const char *json, const char *power) {
    char path[SIM_SCN_PATH_MAX + 32];
    npu_err e;
    npu_err_clear(&e);
    if (power) {
        sweep_point_path(path, sizeof path, dir, index, ".power.csv");
        if (cmp_file_write_atomic(path, power, strlen(power), &e) != NPU_OK)
            return OUT_NOFILE;
    }
    sweep_point_path(path, sizeof path, dir, index, ".json");
    if (cmp_file_write_atomic(path, json, strlen(json), &e) != NPU_OK)
        return OUT_NOFILE;
    return strstr(json, "\"status\": \"ok\"") ? OUT_OK : OUT_ERROR;
}

static void worker_send(int fd, uint32_t kind, uint32_t worker, uint32_t index, uint32_t status) {
    const sweep_msg m = {kind, worker, index, status};
    if (!write_full(fd, &m, sizeof m))
        _exit(3);
}

/* Runs one unit. */
static void worker_unit(sweep_cache *c, const sim_sweep_opts *o, const uint32_t *pts, size_t n,
                        int res, uint32_t wid) {
    const sim_point p0 = sim_scenario_point(c->s, pts[0]);
    sweep_unit *u = NULL;
    npu_err e;
    npu_err_clear(&e);
    if (sweep_unit_new(c, p0.model, p0.input, o->fidelity, o->estimator, &u, &e) != NPU_OK)
        _exit(4);
    sweep_unit_set_check(u, o->check_every);
    for (size_t i = 0; i < n; i++) {
        worker_send(res, MSG_START, wid, pts[i], 0);
        char *json = NULL, *power = NULL;
        if (sweep_unit_point(u, pts[i], &json, &power, &e) != NPU_OK)
            _exit(4);
        const uint32_t out = worker_write(o->out_dir, pts[i], json, power);
        free(json);
        free(power);
        worker_send(res, MSG_DONE, wid, pts[i], out);
    }
    sweep_unit_free(u);
}

static void worker_main(const sim_scenario *s, const sim_sweep_opts *o, int cmd, int res,
                        uint32_t wid, pid_t parent) {
#ifdef __linux__
    prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
    if (getppid() != parent)
        _exit(5);
    signal(SIGPIPE, SIG_DFL);
    sweep_cache c;
    npu_err e;
    npu_err_clear(&e);
    if (sweep_cache_init(&c, s, &e) != NPU_OK)
        _exit(4);
    for (;;) {
        uint32_t n = 0;
        if (!read_full(cmd, &n, sizeof n) || n == 0)
            break;
        uint32_t *pts = malloc(n * sizeof *pts);
        if (!pts || !read_full(cmd, pts, n * sizeof *pts))
            _exit(4);
        worker_unit(&c, o, pts, n, res, wid);
        free(pts);
        worker_send(res, MSG_UNIT, wid, 0, 0);
    }
    sweep_cache_free(&c);
    _exit(0);
}

/* ---- parent ---- */

static bool queue_push(sweep_run *r, const uint32_t *pts, size_t n) {
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
    r->queue[r->q_len++] = (sweep_work){copy, n};
    return true;
}

/* Cuts the pending points into units (see the file comment). */
static npu_status make_units(sweep_run *r, npu_err *err) {
    uint32_t *pend = malloc((r->total ? r->total : 1) * sizeof *pend);
    size_t *starts = malloc((r->total + 1) * sizeof *starts);
    size_t n = 0, groups = 0;
    if (!pend || !starts) {
        free(pend);
        free(starts);
        return npu_err_set(err, NPU_ERR_INTERNAL, "out of memory");
    }
    for (size_t i = 0; i < r->total; i++)
        if (!r->done[i]) {
            if (!n || sim_scenario_group(r->s, i) != sim_scenario_group(r->s, pend[n - 1]))
                starts[groups++] = n;
            pend[n++] = (uint32_t)i;
        }
    starts[groups] = n;
    const size_t split = groups && groups < r->o->jobs ? (r->o->jobs + groups - 1) / groups : 1;
    bool ok = true;
    for (size_t g = 0; g < groups && ok; g++) {
        const size_t len = starts[g + 1] - starts[g];
        const size_t chunk = (len + split - 1) / split;
        for (size_t k = starts[g]; k < starts[g + 1] && ok; k += chunk)
            ok = queue_push(r, pend + k, starts[g + 1] - k < chunk ? starts[g + 1] - k : chunk);
    }
    free(pend);
    free(starts);
    return ok ? NPU_OK : npu_err_set(err, NPU_ERR_INTERNAL, "out of memory");
}

static void fmt_time(char *dst, size_t cap, double s) {
    const unsigned long t = s > 0 ? (unsigned long)(s + 0.5) : 0;
    if (t >= 3600)
        snprintf(dst, cap, "%lu:%02lu:%02lu", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(dst, cap, "%lu:%02lu", t / 60, t % 60);
}

static void progress_bar(sweep_run *r) {
    FILE *f = r->o->log;
    const double el = now_s() - r->t0;
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
            r->n_done, r->total, i, out == OUT_OK ? "ok" : "error", s->models[p.model].label,
            s->meshes[p.mesh].label, s->hw_only[p.hw] ? "true" : "false",
            cmp_map_mode_name(s->map_modes[p.map]), mesh_clock_mode_name(s->clocks[p.clock]),
            s->batches[p.batch], s->inputs[p.input].label);
    fflush(r->o->log);
}

/* Records a finished point. */
static void point_done(sweep_run *r, uint32_t i, uint32_t out) {
    if (i >= r->total || r->done[i])
        return;
    r->done[i] = 1;
    r->n_done++;
    r->n_run++;
    if (out == OUT_OK)
        r->sum->ok++;
    else
        r->sum->failed++;
    free(r->rows[i]);
    r->rows[i] = row_of(r->o->out_dir, i);
    r->csv_dirty = true;
    if (r->o->log && r->o->progress != SIM_PROGRESS_NONE) {
        if (r->bar)
            progress_bar(r);
        else
            progress_line(r, i, out);
    }
}

/* Hands the next unit to slot w, or tells it to stop. */
static void slot_feed(sweep_run *r, sweep_slot *w) {
    if (w->cmd < 0)
        return;
    if (r->q_head == r->q_len) {
        const uint32_t zero = 0;
        write_full(w->cmd, &zero, sizeof zero);
        close(w->cmd);
        w->cmd = -1;
        return;
    }
    w->work = r->queue[r->q_head++];
    w->busy = true;
    w->current = -1;
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
        worker_main(r->s, r->o, cmd[0], r->res[1], wid, parent);
    }
    close(cmd[0]);
    w->pid = pid;
    w->cmd = cmd[1];
    w->busy = false;
    w->current = -1;
    slot_feed(r, w);
    return NPU_OK;
}

static void handle_msg(sweep_run *r, const sweep_msg *m) {
    if (m->worker >= r->n_slots)
        return;
    sweep_slot *w = &r->slots[m->worker];
    if (m->kind == MSG_START) {
        w->current = m->index;
    } else if (m->kind == MSG_DONE) {
        w->current = -1;
        point_done(r, m->index, m->status);
    } else if (m->kind == MSG_UNIT) {
        free(w->work.pts);
        w->work = (sweep_work){NULL, 0};
        w->busy = false;
        slot_feed(r, w);
    }
}

/* Reads every message available (waiting up to timeout_ms for the first). */
static void drain(sweep_run *r, int timeout_ms) {
    struct pollfd pfd = {r->res[0], POLLIN, 0};
    if (poll(&pfd, 1, timeout_ms) <= 0)
        return;
    sweep_msg buf[64];
    for (;;) {
        const ssize_t got = read(r->res[0], buf, sizeof buf);
        if (got <= 0)
            break;
        for (size_t i = 0; i < (size_t)got / sizeof buf[0]; i++)
            handle_msg(r, &buf[i]);
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
        const uint32_t out = json ? worker_write(r->o->out_dir, i, json, NULL) : OUT_NOFILE;
        free(json);
        point_done(r, i, out == OUT_NOFILE ? OUT_NOFILE : OUT_ERROR);
    }
    size_t k = 0;
    for (size_t i = 0; i < w->work.n; i++)
        if (!r->done[w->work.pts[i]])
            w->work.pts[k++] = w->work.pts[i];
    npu_status st = NPU_OK;
    if (k && !queue_push(r, w->work.pts, k))
        st = npu_err_set(err, NPU_ERR_INTERNAL, "out of memory");
    free(w->work.pts);
    w->work = (sweep_work){NULL, 0};
    w->busy = false;
    if (st == NPU_OK && r->q_head < r->q_len)
        st = slot_spawn(r, wid, err);
    return st;
}

/* Reaps exited workers (only ours: the caller may have other children). */
static npu_status reap(sweep_run *r, npu_err *err) {
    for (uint32_t k = 0; k < r->n_slots; k++) {
        int status = 0;
        if (!r->slots[k].pid || waitpid(r->slots[k].pid, &status, WNOHANG) != r->slots[k].pid)
            continue;
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

/* Skipped points of a resumed sweep. */
static npu_status resume_scan(sweep_run *r) {
    for (size_t i = 0; i < r->total && r->o->resume; i++) {
        char path[SIM_SCN_PATH_MAX + 32];
        sweep_point_path(path, sizeof path, r->o->out_dir, (uint32_t)i, ".json");
        size_t len = 0;
        char *text = sweep_read_file(path, &len);
        const sim_point p = sim_scenario_point(r->s, i);
        if (text && sweep_json_complete(text, len, r->s, &p, r->o->fidelity)) {
            r->done[i] = 1;
            r->n_done++;
            r->sum->skipped++;
            r->rows[i] = sweep_csv_row(text, len);
        }
        free(text);
    }
    return NPU_OK;
}

static npu_status main_loop(sweep_run *r, npu_err *err) {
    npu_status st = NPU_OK;
    const unsigned jobs = r->o->jobs ? r->o->jobs : 1;
    const size_t units = r->q_len;
    r->n_slots = jobs < units ? jobs : (unsigned)units;
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
        const double t = now_s();
        if (r->csv_dirty && t - r->last_csv >= 0.2) {
            st = st ? st : csv_write(r->o->out_dir, r->rows, r->total, err);
            r->last_csv = t;
            r->csv_dirty = false;
        }
        if (r->bar && r->o->log && r->o->progress != SIM_PROGRESS_NONE)
            progress_bar(r);
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
    for (size_t i = r->q_head; i < r->q_len; i++)
        free(r->queue[i].pts);
    for (size_t i = 0; r->rows && i < r->total; i++)
        free(r->rows[i]);
    free(r->rows);
    free(r->done);
    free(r->queue);
    free(r->slots);
    if (r->res[0] >= 0)
        close(r->res[0]);
    if (r->res[1] >= 0)
        close(r->res[1]);
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
    sweep_run r;
    memset(&r, 0, sizeof r);
    r.s = s;
    r.o = o;
    r.sum = sum;
    r.total = sum->total;
    r.res[0] = r.res[1] = -1;
    r.t0 = now_s();
    r.bar = o->progress == SIM_PROGRESS_BAR ||
            (o->progress == SIM_PROGRESS_AUTO && o->log && isatty(fileno(o->log)));
    r.done = calloc(r.total ? r.total : 1, 1);
    r.rows = calloc(r.total ? r.total : 1, sizeof *r.rows);
    if (!r.done || !r.rows)
        st = npu_err_set(err, NPU_ERR_INTERNAL, "out of memory for %zu points", r.total);
    if (st == NPU_OK)
        st = resume_scan(&r);
    if (st == NPU_OK)
        st = make_units(&r, err);
    if (st == NPU_OK && pipe(r.res) != 0)
        st = npu_err_set(err, NPU_ERR_INTERNAL, "pipe: %s", strerror(errno));
    if (st == NPU_OK)
        fcntl(r.res[0], F_SETFL, fcntl(r.res[0], F_GETFL) | O_NONBLOCK);
    struct sigaction ign, old;
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ign, &old);
    if (st == NPU_OK)
        st = main_loop(&r, err);
    sigaction(SIGPIPE, &old, NULL);
    if (st == NPU_OK)
        st = csv_write(o->out_dir, r.rows, r.total, err);
    if (r.bar && o->log && o->progress != SIM_PROGRESS_NONE) {
        progress_bar(&r);
        fputc('\n', o->log);
    }
    if (st == NPU_OK && r.n_done != r.total)
        st = npu_err_set(err, NPU_ERR_INTERNAL, "%zu of %zu points were not run",
                         r.total - r.n_done, r.total);
    sum->seconds = now_s() - r.t0;
    run_free(&r);
    return st;
}
