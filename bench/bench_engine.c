/*
 * akisim-bench-engine: host cost of the device model (issue 4), full path and replay.
 *
 * Per case (ds_cnn_kws, AkidaNet 0.5/224, AkidaNet 1.0/224; zoo models with seeded
 * calibrated weights, mapped allnps on akd1000 with hybrid allowed, so 1.0/224 runs as two
 * sequences), in its own child process so each case gets its own peak RSS:
 *
 *  - not timed: zoo build, mesh, calibration, cmp_map, cmp_program_build, seeded random
 *    inputs (uniform over the input bits);
 *  - programming: sim_device_program (encode + decode + NP configuration), median;
 *  - full path, batch 1 and batch 10: sim_device_forward (functional NP models, routing,
 *    record, timing, energy, results with trace spans and power samples) followed by the
 *    writers (sim_write_files: stats JSON, summary, Chrome trace, power CSV, written to a
 *    temporary directory); median of RUNS runs after one warm-up. Host time per simulated
 *    frame = that median / batch; real-time factor = host seconds per simulated device
 *    second = host time per frame / (inference_clk / batch / clock);
 *  - record: events and bytes of the batch-10 record (compact streams and input summaries)
 *    against 12-byte event structs;
 *  - replay: the record of a batch-10 run on akd1000 is replayed onto another mapping
 *    (akd1000/minimal) and another mesh (akd1500/allnps) with sim_device_replay, against
 *    the full path (forward) on that same target; the cycles must be identical;
 *  - peak RSS, per phase (VmHWM reset through /proc/self/clear_refs at the start of each,
 *    after malloc_trim(0) has returned what the previous phase freed; omitted when the
 *    kernel refuses): the zoo build with mapping and programming; the full path on each
 *    replay target (its device and its own record, nothing else of the case held); the full
 *    path on akd1000 (its device, the record being made); each replay phase (the target
 *    device and the taken record; the recording device is freed before). The process peak
 *    printed is the maximum over the phases (resetting VmHWM also resets ru_maxrss).
 *
 * --no-fork runs the cases in the parent (for heap profilers that do not follow forks).
 * Times are wall clock and, in parentheses, process CPU time (robust on a loaded host).
 *
 * Usage: akisim-bench-engine [--runs N] [--no-fork] [CASE...] (CASE: kws, an05, an10; default
 * all).
 * Nothing here asserts on time; exit status 1 only when a step fails.
 */
#define _POSIX_C_SOURCE 200809L
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "akisim/sim_engine.h"
#include "akisim/sim_write.h"
#include "bench.h"
#include "cmp/cmp_mapper.h"
#include "cmp/cmp_program.h"
#include "cmp/cmp_zoo.h"
#include "mesh/mesh.h"
#include "mesh/mesh_calib.h"

#define BENCH_RUNS_DEFAULT 5 /* timed runs per figure (median) */
#define BENCH_MAX_BATCH 10   /* largest batch timed */
#define BENCH_RUNS_MAX 99    /* upper bound of --runs */

/* One benchmark case. */
typedef struct eng_case {
    const char *key;     /* command-line key */
    const char *label;   /* printed name */
    const char *zoo;     /* zoo model name */
    double alpha;        /* width multiplier */
    uint32_t input_size; /* input size (0 = the model's default) */
    double silicon_ms;   /* published frame time on akd1000 (0 = none) */
} eng_case;

static const eng_case eng_cases[] = {
    {"kws", "ds_cnn_kws", "ds_cnn_kws", 1.0, 0, 0.0},
    {"an05", "AkidaNet 0.5/224", "akidanet", 0.5, 224, 45.8},
    {"an10", "AkidaNet 1.0/224", "akidanet", 1.0, 224, 0.0},
};

/* A mapped, programmable target (mesh + calibration + program). */
typedef struct eng_target {
    mesh_desc mesh;       /* mesh */
    mesh_calib calib;     /* default calibration */
    cmp_program *program; /* program of the model on it */
    sim_device *dev;      /* device programmed with it */
    bool loaded;          /* mesh loaded (needs mesh_free) */
} eng_target;

/* Everything one case holds. */
typedef struct eng_run {
    const eng_case *c;                   /* the case */
    npu_model *model;                    /* zoo model */
    npu_tensor inputs[BENCH_MAX_BATCH];  /* seeded inputs */
    npu_tensor outputs[BENCH_MAX_BATCH]; /* outputs of the last forward */
    int runs;                            /* timed runs per figure */
    char dir[64];                        /* temporary directory of the written files */
} eng_run;

static void eng_outputs_free(eng_run *r) {
    for (int i = 0; i < BENCH_MAX_BATCH; i++) {
        npu_tensor_free(&r->outputs[i]);
    }
}

static void eng_target_free(eng_target *t) {
    sim_device_free(t->dev);
    cmp_program_free(t->program);
    if (t->loaded) {
        mesh_free(&t->mesh);
    }
    memset(t, 0, sizeof *t);
}

static bool eng_fail(const char *what, const npu_err *err) {
    fprintf(stderr, "akisim-bench-engine: %s: %s\n", what, err->msg);
    return false;
}

/* Loads mesh_name, maps the model in mode, builds the program and programs a device. */
static bool eng_target_setup(const eng_run *r, const char *mesh_name, cmp_map_mode mode,
                             eng_target *t) {
    npu_err err;
    npu_err_clear(&err);
    memset(t, 0, sizeof *t);
    if (mesh_load(mesh_name, &t->mesh, &err) != NPU_OK) {
        return eng_fail(mesh_name, &err);
    }
    t->loaded = true;
    cmp_mapped mm = {0};
    npu_status st = mesh_calib_default(&t->mesh, &t->calib, &err);
    st = st ? st : cmp_map(r->model, &t->mesh, false, mode, &mm, &err);
    st = st ? st : cmp_program_build(r->model, &mm, &t->mesh, &t->program, &err);
    cmp_mapped_free(&mm);
    st = st ? st : sim_device_new(&t->mesh, &t->calib, &t->dev, &err);
    st = st ? st : sim_device_program(t->dev, t->program, r->model, &err);
    return st == NPU_OK || eng_fail(mesh_name, &err);
}

/* splitmix64 step. */
static uint64_t eng_rand(uint64_t *s) {
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Seeded uniform inputs over the program's input range. */
static bool eng_inputs(eng_run *r, const cmp_program *p) {
    const cmp_prog_info *info = cmp_program_info(p);
    const size_t n = npu_shape_size(info->in_shape);
    const int64_t lo = info->in_signed ? -(INT64_C(1) << (info->in_bits - 1)) : 0;
    const uint64_t span = UINT64_C(1) << info->in_bits;
    uint64_t seed = 42;
    for (int i = 0; i < BENCH_MAX_BATCH; i++) {
        r->inputs[i].shape = info->in_shape;
        r->inputs[i].data = malloc((n ? n : 1) * sizeof(int32_t));
        if (r->inputs[i].data == NULL) {
            return false;
        }
        for (size_t k = 0; k < n; k++) {
            r->inputs[i].data[k] = (int32_t)(lo + (int64_t)(eng_rand(&seed) % span));
        }
    }
    return true;
}

/* Times of one run: wall and process CPU seconds of the forward and of the writers. */
typedef struct eng_times {
    double fwd, wr;         /* wall: forward, writers */
    double fwd_cpu, wr_cpu; /* CPU: forward, writers */
} eng_times;

/* Process CPU time in seconds. */
static double eng_cpu_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* One forward of `batch` frames (+ the writers when write); false on failure. */
static bool eng_forward_once(eng_run *r, sim_device *dev, size_t batch, bool write, eng_times *t) {
    npu_err err;
    npu_err_clear(&err);
    char paths_buf[SIM_WRITE_KIND_COUNT][96];
    const char *paths[SIM_WRITE_KIND_COUNT];
    static const char *const names[SIM_WRITE_KIND_COUNT] = {"stats.json", "summary.txt",
                                                            "trace.json", "power.csv"};
    for (int k = 0; k < SIM_WRITE_KIND_COUNT; k++) {
        snprintf(paths_buf[k], sizeof paths_buf[k], "%s/%s", r->dir, names[k]);
        paths[k] = paths_buf[k];
    }
    eng_outputs_free(r);
    const double t0 = bench_now(), c0 = eng_cpu_now();
    npu_status st = sim_device_forward(dev, r->inputs, batch, r->outputs, &err);
    const double t1 = bench_now(), c1 = eng_cpu_now();
    if (st == NPU_OK && write) {
        st = sim_write_files(sim_device_results(dev), paths, &err);
    }
    t->fwd = t1 - t0;
    t->fwd_cpu = c1 - c0;
    t->wr = bench_now() - t1;
    t->wr_cpu = eng_cpu_now() - c1;
    return st == NPU_OK || eng_fail("forward", &err);
}

/* Medians over r->runs runs after one warm-up; false on failure. */
static bool eng_forward_median(eng_run *r, sim_device *dev, size_t batch, bool write,
                               eng_times *med) {
    double a[4][BENCH_RUNS_MAX];
    eng_times t;
    if (!eng_forward_once(r, dev, batch, write, &t)) {
        return false;
    }
    for (int i = 0; i < r->runs; i++) {
        if (!eng_forward_once(r, dev, batch, write, &t)) {
            return false;
        }
        a[0][i] = t.fwd;
        a[1][i] = t.wr;
        a[2][i] = t.fwd_cpu;
        a[3][i] = t.wr_cpu;
    }
    med->fwd = bench_median(a[0], r->runs);
    med->wr = bench_median(a[1], r->runs);
    med->fwd_cpu = bench_median(a[2], r->runs);
    med->wr_cpu = bench_median(a[3], r->runs);
    return true;
}

/* Median programming time of t's device; < 0 on failure. */
static double eng_program_median(eng_run *r, eng_target *t) {
    double s[BENCH_RUNS_MAX];
    npu_err err;
    npu_err_clear(&err);
    for (int i = 0; i < r->runs; i++) {
        const double t0 = bench_now();
        if (sim_device_program(t->dev, t->program, r->model, &err) != NPU_OK) {
            return (eng_fail("program", &err), -1.0);
        }
        s[i] = bench_now() - t0;
    }
    return bench_median(s, r->runs);
}

/* Peak resident set of the sim part: VmHWM (kB) from /proc/self/status; -1 when absent. */
static long eng_vmhwm_kb(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f != NULL && fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "VmHWM:", 6) == 0) {
            kb = strtol(line + 6, NULL, 10);
        }
    }
    if (f != NULL) {
        fclose(f);
    }
    return kb;
}

/* Resets VmHWM to the current RSS; false when the kernel refuses. */
static bool eng_reset_hwm(void) {
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (f == NULL) {
        return false;
    }
    const bool ok = fputs("5", f) >= 0;
    return fclose(f) == 0 && ok;
}

/* Sequences of a program as "HW/... + SW/..." for the header line. */
static void eng_print_sequences(const cmp_program *p) {
    for (uint32_t s = 0; s < cmp_program_sequence_count(p); s++) {
        const cmp_prog_sequence *q = cmp_program_sequence(p, s);
        printf("%s%s", s ? " + " : "", q->name);
    }
}

/* Full-path figures of one batch size. */
static bool eng_full_path(eng_run *r, eng_target *t, size_t batch) {
    eng_times m;
    if (!eng_forward_median(r, t->dev, batch, true, &m)) {
        return false;
    }
    const sim_results *res = sim_device_results(t->dev);
    const sim_metrics mt = sim_device_metrics(t->dev);
    const double sim_frame_s = (double)mt.inference_clk / (double)batch / (res->clock_mhz * 1e6);
    const double host_frame_s = (m.fwd + m.wr) / (double)batch;
    const double cpu_frame_s = (m.fwd_cpu + m.wr_cpu) / (double)batch;
    printf("  batch %2zu: forward %8.2f ms (cpu %8.2f), writers %6.2f ms (cpu %6.2f) -> "
           "%7.2f ms/frame (cpu %7.2f)\n",
           batch, m.fwd * 1e3, m.fwd_cpu * 1e3, m.wr * 1e3, m.wr_cpu * 1e3, host_frame_s * 1e3,
           cpu_frame_s * 1e3);
    printf("            simulated %7.3f ms/frame (%llu clk, %zu spans, %zu power samples); "
           "RTF %.3f (cpu %.3f)",
           sim_frame_s * 1e3, (unsigned long long)mt.inference_clk, res->n_spans, res->n_power,
           host_frame_s / sim_frame_s, cpu_frame_s / sim_frame_s);
    if (r->c->silicon_ms > 0) {
        printf("; vs silicon %.1f ms: %.3f (cpu %.3f)", r->c->silicon_ms,
               host_frame_s / (r->c->silicon_ms * 1e-3), cpu_frame_s / (r->c->silicon_ms * 1e-3));
    }
    printf("\n");
    return true;
}

/* Peak resident set (MB) since the last eng_phase_start(); -1 when the kernel does not let
 * VmHWM be reset. */
static double eng_phase_peak_mb(bool hwm) {
    return hwm ? (double)eng_vmhwm_kb() / 1024.0 : -1.0;
}

/* Starts a memory phase: memory freed by the previous phase goes back to the system and the
 * high-water mark is reset to the current RSS; false when the reset is refused. */
static bool eng_phase_start(void) {
    malloc_trim(0);
    return eng_reset_hwm();
}

/* A replay target and its figures. */
typedef struct eng_replay_target {
    const char *mesh;  /* mesh name */
    cmp_map_mode mode; /* mapping mode */
    eng_times full;    /* full path (forward) medians there */
    uint64_t full_clk; /* its cycles */
    double full_mb;    /* peak RSS of that phase (MB) */
    double rp, rp_cpu; /* replay medians (s) */
    uint64_t rp_clk;   /* replay cycles */
    double rp_mb;      /* peak RSS of the replay phase (MB) */
} eng_replay_target;

/* Reference: the full path on the target, in a phase of its own (the target device and
 * its own record; nothing else of the case is held). */
static bool eng_reference(eng_run *r, size_t batch, eng_replay_target *x) {
    eng_target t;
    if (!eng_target_setup(r, x->mesh, x->mode, &t)) {
        eng_target_free(&t);
        return false;
    }
    const bool hwm = eng_phase_start();
    bool ok = eng_forward_median(r, t.dev, batch, false, &x->full);
    x->full_clk = sim_device_metrics(t.dev).inference_clk;
    x->full_mb = eng_phase_peak_mb(hwm);
    eng_outputs_free(r);
    eng_target_free(&t);
    return ok;
}

/* Replay of rec onto the target: a phase holding the target device and the record. */
static bool eng_replay(eng_run *r, const sim_record *rec, eng_replay_target *x) {
    eng_target t;
    if (!eng_target_setup(r, x->mesh, x->mode, &t)) {
        eng_target_free(&t);
        return false;
    }
    const bool hwm = eng_phase_start();
    double s[BENCH_RUNS_MAX], sc[BENCH_RUNS_MAX];
    npu_err err;
    npu_err_clear(&err);
    bool ok = true;
    for (int i = 0; ok && i < r->runs + 1; i++) { /* run 0 is the warm-up */
        const double t0 = bench_now(), c0 = eng_cpu_now();
        ok = sim_device_replay(t.dev, rec, &err) == NPU_OK || eng_fail("replay", &err);
        s[i ? i - 1 : 0] = bench_now() - t0;
        sc[i ? i - 1 : 0] = eng_cpu_now() - c0;
    }
    x->rp_mb = eng_phase_peak_mb(hwm);
    if (ok) {
        x->rp = bench_median(s, r->runs);
        x->rp_cpu = bench_median(sc, r->runs);
        x->rp_clk = sim_device_metrics(t.dev).inference_clk;
        printf("  replay of the batch-%u record onto %s/%s: full path %8.2f ms (cpu %8.2f), "
               "replay %7.2f ms (cpu %7.2f), speedup %.1fx (cpu %.1fx); cycles %llu vs %llu "
               "(%s)\n",
               sim_record_frames(rec), x->mesh, cmp_map_mode_name(x->mode), x->full.fwd * 1e3,
               x->full.fwd_cpu * 1e3, x->rp * 1e3, x->rp_cpu * 1e3, x->full.fwd / x->rp,
               x->full.fwd_cpu / x->rp_cpu, (unsigned long long)x->full_clk,
               (unsigned long long)x->rp_clk, x->full_clk == x->rp_clk ? "identical" : "DIFFER");
        printf("    peak RSS: full path there %.1f MB, replay phase %.1f MB\n", x->full_mb,
               x->rp_mb);
        ok = x->full_clk == x->rp_clk;
    }
    eng_target_free(&t);
    return ok;
}

/* Prints the size of a record: events, bytes with and without its summaries. */
static void eng_print_record(sim_record *rec) {
    const uint64_t ev = sim_record_events(rec), by = sim_record_bytes(rec);
    printf("  record of the batch-%u run: %llu events, %.1f MB (%.2f bytes/event, input "
           "summaries included; as 12-byte event structs %.1f MB)\n",
           sim_record_frames(rec), (unsigned long long)ev, (double)by / 1048576.0,
           ev ? (double)by / (double)ev : 0.0, (double)ev * 12.0 / 1048576.0);
}

/* The case's model built, inputs made (from a throw-away akd1000 program), mode chosen. */
static bool eng_prepare(eng_run *r, cmp_map_mode *mode, double *build_s) {
    npu_err err;
    npu_err_clear(&err);
    cmp_zoo_opts o;
    cmp_zoo_opts_default(&o);
    o.alpha = r->c->alpha;
    o.input_size = r->c->input_size;
    const double t0 = bench_now();
    bool ok = cmp_zoo_build(r->c->zoo, &o, &r->model, &err) == NPU_OK || eng_fail(r->c->zoo, &err);
    *build_s = bench_now() - t0;
    eng_target t;
    memset(&t, 0, sizeof t);
    *mode = CMP_MAP_ALLNPS;
    if (ok && !eng_target_setup(r, "akd1000", *mode, &t)) { /* e.g. a mapper limit */
        eng_target_free(&t);
        *mode = CMP_MAP_MINIMAL;
        printf("%s: allnps failed (above); falling back to minimal\n", r->c->label);
        ok = eng_target_setup(r, "akd1000", *mode, &t);
    }
    ok = ok && eng_inputs(r, t.program);
    eng_target_free(&t);
    return ok;
}

/* Runs one case; returns the exit status of the child. Phases, each with its own peak RSS:
 * the full path on every replay target (reference), the full path on akd1000 (record
 * made), then the replays of that record (the akd1000 device freed). */
static int eng_case_run(const eng_case *c, int runs) {
    eng_run r;
    memset(&r, 0, sizeof r);
    r.c = c;
    r.runs = runs;
    snprintf(r.dir, sizeof r.dir, "/tmp/akisim-bench-engine-XXXXXX");
    if (mkdtemp(r.dir) == NULL) {
        perror("akisim-bench-engine: mkdtemp");
        return 1;
    }
    cmp_map_mode mode = CMP_MAP_ALLNPS;
    double build_s = 0.0;
    bool ok = eng_prepare(&r, &mode, &build_s);
    const long hwm_build = eng_vmhwm_kb(); /* zoo build, mapping, programming */
    eng_replay_target tg[2] = {{.mesh = "akd1000", .mode = CMP_MAP_MINIMAL},
                               {.mesh = "akd1500", .mode = CMP_MAP_ALLNPS}};
    for (int k = 0; ok && k < 2; k++) {
        ok = eng_reference(&r, BENCH_MAX_BATCH, &tg[k]);
    }
    eng_target t;
    memset(&t, 0, sizeof t);
    ok = ok && eng_target_setup(&r, "akd1000", mode, &t);
    const bool hwm = ok && eng_phase_start();
    const long hwm0 = eng_vmhwm_kb();
    if (ok) {
        printf("%s on akd1000/%s (", c->label, cmp_map_mode_name(mode));
        eng_print_sequences(t.program);
        printf("), zoo build %.2f s (not timed), median of %d runs:\n", build_s, runs);
        const double prog = eng_program_median(&r, &t);
        ok = prog >= 0;
        if (ok) {
            printf("  programming: %.2f ms\n", prog * 1e3);
        }
    }
    ok = ok && eng_full_path(&r, &t, 1) && eng_full_path(&r, &t, BENCH_MAX_BATCH);
    const double full_mb = eng_phase_peak_mb(hwm);
    sim_record *rec = ok ? sim_device_take_record(t.dev) : NULL;
    ok = ok && rec != NULL;
    if (ok) {
        eng_print_record(rec);
    }
    eng_target_free(&t); /* the recording device is not needed by the replays */
    eng_outputs_free(&r);
    for (int k = 0; ok && k < 2; k++) {
        ok = eng_replay(&r, rec, &tg[k]);
    }
    sim_record_free(rec);
    if (ok) {
        double peak = (double)hwm_build / 1024.0;
        peak = full_mb > peak ? full_mb : peak;
        for (int k = 0; k < 2; k++) {
            peak = tg[k].full_mb > peak ? tg[k].full_mb : peak;
            peak = tg[k].rp_mb > peak ? tg[k].rp_mb : peak;
        }
        printf("  peak RSS: process %.1f MB (max over the phases); zoo build, mapping and "
               "programming %.1f MB",
               peak, (double)hwm_build / 1024.0);
        if (hwm) {
            printf("; full path on akd1000 %.1f MB (%.1f MB resident before it)", full_mb,
                   (double)hwm0 / 1024.0);
        }
        printf("\n");
    }
    eng_outputs_free(&r);
    for (int i = 0; i < BENCH_MAX_BATCH; i++) {
        free(r.inputs[i].data);
    }
    npu_model_free(r.model);
    for (int k = 0; k < 4; k++) {
        static const char *const names[] = {"stats.json", "summary.txt", "trace.json", "power.csv"};
        char p[128];
        snprintf(p, sizeof p, "%s/%s", r.dir, names[k]);
        remove(p);
    }
    rmdir(r.dir);
    return ok ? 0 : 1;
}

/* Runs a case in a child process (own peak RSS); returns its exit status. */
static int eng_case_child(const eng_case *c, int runs) {
    fflush(stdout);
    const pid_t pid = fork();
    if (pid < 0) {
        perror("akisim-bench-engine: fork");
        return 1;
    }
    if (pid == 0) {
        const int rc = eng_case_run(c, runs);
        fflush(stdout);
        _exit(rc);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) < 0) {
        return 1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

int main(int argc, char **argv) {
    int runs = BENCH_RUNS_DEFAULT, rc = 0, n_sel = 0;
    bool fork_cases = true;
    bool sel[sizeof eng_cases / sizeof eng_cases[0]] = {false};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
            runs = atoi(argv[++i]);
            runs = runs < 1 ? 1 : (runs > BENCH_RUNS_MAX ? BENCH_RUNS_MAX : runs);
            continue;
        }
        if (strcmp(argv[i], "--no-fork") == 0) { /* for profilers that do not follow forks */
            fork_cases = false;
            continue;
        }
        bool found = false;
        for (size_t k = 0; k < sizeof eng_cases / sizeof eng_cases[0]; k++) {
            if (strcmp(argv[i], eng_cases[k].key) == 0) {
                sel[k] = found = true;
                n_sel++;
            }
        }
        if (!found) {
            fprintf(stderr,
                    "usage: akisim-bench-engine [--runs N] [--no-fork] [kws|an05|an10]...\n");
            return 2;
        }
    }
    printf("akisim-bench-engine: one thread; stats, summary, trace and power written each run\n");
    for (size_t k = 0; k < sizeof eng_cases / sizeof eng_cases[0]; k++) {
        if (n_sel == 0 || sel[k]) {
            rc |= fork_cases ? eng_case_child(&eng_cases[k], runs)
                             : eng_case_run(&eng_cases[k], runs);
        }
    }
    return rc;
}
