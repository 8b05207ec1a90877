/*
 * akisim-bench-sweep: sweep throughput of both fidelities (issue 6 benchmark) on 200
 * generated meshes (gen:cnp=N,fnp=2, N = 8..207) x AkidaNet 0.5/160 (zoo, seeded weights),
 * hybrid mapping, map mode allnps, Performance clock, batch 1, one seeded random input.
 *
 *  - not timed: zoo build, the one functional run (sim_device_forward on the first mesh:
 *    the record every point reuses, as a sweep unit does);
 *  - estimate: per point mesh_load + default calibration + cmp_map + the built-in
 *    estimator (record digest made once, reused) + the stats JSON text; in-process, ONE
 *    thread; median of --runs passes over the 200 points; then the same with two forked
 *    workers (half of the points each, digest shared), wall time including the forks;
 *  - exact with reuse: per point mesh_load + calibration + cmp_map + cmp_program_build +
 *    device programming + sim_device_replay of the record + stats JSON + power CSV; two
 *    forked workers (half of the points each, the record shared copy-on-write), wall time;
 *    median of --exact-runs passes;
 *  - error: per point relative error of the estimate's cycles and energy against exact
 *    (max and mean over the 200 points);
 *  - the real CLI end to end: `akisim sweep S --fidelity F -j J -q -o DIR` on the same 200
 *    points written as a scenario (fork + exec, wall time of the whole process: scenario
 *    load, zoo builds, functional runs, point files, results.csv, final sync), estimate and
 *    exact, 2 workers and 1 worker, median of --cli-runs (estimate) / --cli-exact-runs
 *    (exact); plus the same scenario x 3 map modes x 3 clock modes (1,800 points, estimate)
 *    for the marginal rate (1,600 more points / the extra wall time), which leaves out the
 *    fixed cost of the model build and the functional run. The CLI is --cli PATH, default
 *    ../sim/akisim next to this binary's directory (the build tree).
 *
 * Usage: akisim-bench-sweep [--runs N] [--exact-runs N (0: estimate only)] [--points N]
 *                           [--cli PATH] [--cli-runs N (0: no CLI)] [--cli-exact-runs N].
 * No assertion on time; exit status 1 only when a step fails.
 */
#define _DEFAULT_SOURCE
#define _POSIX_C_SOURCE 200809L
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "akisim/sim_engine.h"
#include "akisim/sim_sweep.h"
#include "akisim/sim_write.h"
#include "bench.h"
#include "cmp/cmp_mapper.h"
#include "cmp/cmp_program.h"
#include "cmp/cmp_zoo.h"

#define SWEEP_POINTS 200 /* meshes */
#define SWEEP_RUNS_MAX 99

/* Cycles and energy (mJ) of one point. */
typedef struct pt_fig {
    double cycles; /* inference cycles over hardware sequences */
    double energy; /* energy over hardware sequences, mJ */
    int ok;        /* 1 when the point ran */
} pt_fig;

/* Shared state of the bench. */
typedef struct bench_ctx {
    npu_model *model;        /* AkidaNet 0.5/160 */
    sim_record *record;      /* functional record (batch 1) */
    sim_estimate_prep *prep; /* estimator digest slot */
    size_t n;                /* points */
} bench_ctx;

/* Process CPU time in seconds (robust on a loaded host). */
static double cpu_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void totals(const sim_results *r, pt_fig *f) {
    f->cycles = f->energy = 0.0;
    for (uint32_t i = 0; i < r->n_sequences; i++) {
        if (r->sequences[i].hardware) {
            f->cycles += (double)r->sequences[i].inference_clk;
            f->energy += r->sequences[i].energy_mj_per_frame * r->sequences[i].frames;
        }
    }
    f->ok = 1;
}

static void mesh_spec(size_t i, char *dst, size_t cap) {
    snprintf(dst, cap, "gen:cnp=%zu,fnp=2", 8 + i);
}

/* Mesh, calibration, mapping of point i. */
static npu_status point_map(const bench_ctx *b, size_t i, mesh_desc *mesh, mesh_calib *calib,
                            cmp_mapped *mm, npu_err *err) {
    char spec[64];
    mesh_spec(i, spec, sizeof spec);
    npu_status st = mesh_load(spec, mesh, err);
    st = st ? st : mesh_calib_default(mesh, calib, err);
    st = st ? st : cmp_map(b->model, mesh, false, CMP_MAP_ALLNPS, mm, err);
    return st;
}

/* A programmed device for point i (the caller frees device, program, mapping and mesh). */
static npu_status point_device(const bench_ctx *b, size_t i, mesh_desc *mesh, cmp_mapped *mm,
                               cmp_program **prog, sim_device **dev, npu_err *err) {
    mesh_calib calib;
    npu_status st = point_map(b, i, mesh, &calib, mm, err);
    st = st ? st : cmp_program_build(b->model, mm, mesh, prog, err);
    st = st ? st : sim_device_new(mesh, &calib, dev, err);
    st = st ? st : sim_device_program(*dev, *prog, b->model, err);
    return st;
}

static npu_status estimate_point(bench_ctx *b, size_t i, pt_fig *f, npu_err *err) {
    mesh_desc mesh;
    mesh_calib calib;
    cmp_mapped mm;
    memset(&mesh, 0, sizeof mesh);
    memset(&mm, 0, sizeof mm);
    sim_results r;
    memset(&r, 0, sizeof r);
    npu_status st = point_map(b, i, &mesh, &calib, &mm, err);
    if (st == NPU_OK) {
        const sim_estimate_in in = {NULL, NULL, b->model,  &mesh,   &calib, MESH_CLOCK_PERFORMANCE,
                                    &mm,  NULL, b->record, &b->prep};
        st = sim_sweep_builtin_estimator()(&in, &r, err);
    }
    if (st == NPU_OK) {
        char *json = sim_write_stats_json(&r);
        if (json == NULL) {
            st = npu_err_set(err, NPU_ERR_INTERNAL, "out of memory");
        }
        free(json);
        totals(&r, f);
    }
    sim_results_free(&r);
    cmp_mapped_free(&mm);
    mesh_free(&mesh);
    return st;
}

static npu_status exact_point(const bench_ctx *b, size_t i, pt_fig *f, npu_err *err) {
    mesh_desc mesh;
    cmp_mapped mm;
    cmp_program *prog = NULL;
    sim_device *dev = NULL;
    memset(&mesh, 0, sizeof mesh);
    memset(&mm, 0, sizeof mm);
    npu_status st = point_device(b, i, &mesh, &mm, &prog, &dev, err);
    st = st ? st : sim_device_replay(dev, b->record, err);
    if (st == NPU_OK) {
        const sim_results *r = sim_device_results(dev);
        char *json = sim_write_stats_json(r), *csv = sim_write_power_csv(r);
        if (json == NULL || csv == NULL) {
            st = npu_err_set(err, NPU_ERR_INTERNAL, "out of memory");
        }
        free(json);
        free(csv);
        totals(r, f);
    }
    sim_device_free(dev);
    cmp_program_free(prog);
    cmp_mapped_free(&mm);
    mesh_free(&mesh);
    return st;
}

/* The model and its functional record on the first mesh. */
static npu_status setup(bench_ctx *b, npu_err *err) {
    cmp_zoo_opts o;
    cmp_zoo_opts_default(&o);
    o.alpha = 0.5;
    o.input_size = 160;
    npu_status st = cmp_zoo_build("akidanet", &o, &b->model, err);
    mesh_desc mesh;
    cmp_mapped mm;
    cmp_program *prog = NULL;
    sim_device *dev = NULL;
    memset(&mesh, 0, sizeof mesh);
    memset(&mm, 0, sizeof mm);
    st = st ? st : point_device(b, 0, &mesh, &mm, &prog, &dev, err);
    npu_tensor in = {0}, out = {0};
    if (st == NPU_OK) {
        in.shape = npu_model_input_shape(b->model);
        size_t n = npu_shape_size(in.shape);
        in.data = malloc((n ? n : 1) * sizeof *in.data);
        uint64_t s = 1;
        for (size_t k = 0; in.data != NULL && k < n; k++) {
            s = s * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
            in.data[k] = (int32_t)((s >> 33) % 256u);
        }
        st = in.data ? sim_device_forward(dev, &in, 1, &out, err)
                     : npu_err_set(err, NPU_ERR_INTERNAL, "out of memory");
    }
    if (st == NPU_OK) {
        b->record = sim_device_take_record(dev);
    }
    npu_tensor_free(&out);
    free(in.data);
    sim_device_free(dev);
    cmp_program_free(prog);
    cmp_mapped_free(&mm);
    mesh_free(&mesh);
    return st;
}

/* One pass of the points with two forked workers (exact, or estimate when est); fills figs
 * (shared memory). */
static bool worker_pass(bench_ctx *b, pt_fig *figs, bool est, double *wall) {
    double t0 = bench_now();
    pid_t pid[2];
    for (int w = 0; w < 2; w++) {
        pid[w] = fork();
        if (pid[w] == 0) {
            npu_err e;
            npu_err_clear(&e);
            for (size_t i = (size_t)w; i < b->n; i += 2) {
                if ((est ? estimate_point(b, i, &figs[i], &e) : exact_point(b, i, &figs[i], &e)) !=
                    NPU_OK) {
                    fprintf(stderr, "point %zu: %s\n", i, e.msg);
                    _exit(1);
                }
            }
            _exit(0);
        }
    }
    bool ok = true;
    for (int w = 0; w < 2; w++) {
        int status = 0;
        ok = ok && pid[w] > 0 && waitpid(pid[w], &status, 0) == pid[w] && WIFEXITED(status) &&
             WEXITSTATUS(status) == 0;
    }
    *wall = bench_now() - t0;
    return ok;
}

/* ---- the CLI end to end ---- */

/* Writes the 200-mesh scenario (x 3 map modes x 3 clock modes when big) into dir. */
static bool cli_scenario(const char *path, size_t n, bool big) {
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        return false;
    }
    fprintf(f,
            "name: bench\nmodels: [{zoo: akidanet, alpha: 0.5, input_size: 160}]\n"
            "meshes: [{gen: {cnp: \"8..%zu\", fnp: 2}}]\n"
            "mapping: {hw_only: false, map_mode: %s}\nclock_modes: %s\n"
            "inputs: {random: {n: 1, seed: 1}}\nbatch: 1\n",
            7 + n, big ? "[minimal, allnps, hwpr]" : "allnps",
            big ? "[Performance, Economy, LowPower]" : "[Performance]");
    return fclose(f) == 0;
}

/* Runs `cli sweep scn --fidelity fid -j jobs -q -o DIR` into a new DIR under `out` (every
 * run writes a fresh directory and all are removed at the end: on ext4, deleting thousands of
 * files just before a run makes its file creations slow); wall seconds, or a negative value
 * when it fails. */
static double children_cpu(void) {
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

static double cli_run(const char *cli, const char *scn, const char *out, const char *fid, int jobs,
                      double *cpu) {
    static unsigned serial;
    char dst[PATH_MAX], j[16];
    snprintf(dst, sizeof dst, "%.*s/%u", PATH_MAX - 16, out, serial++);
    snprintf(j, sizeof j, "%d", jobs);
    fflush(NULL); /* the child must not write this process's buffered output again */
    double t0 = bench_now(), c0 = children_cpu();
    pid_t pid = fork();
    if (pid == 0) {
        if (freopen("/dev/null", "w", stdout) == NULL) {
            _exit(99);
        }
        execl(cli, "akisim", "sweep", scn, "--fidelity", fid, "-j", j, "-q", "-o", dst,
              (char *)NULL);
        _exit(98);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0) {
        return -1.0;
    }
    *cpu = children_cpu() - c0;
    return bench_now() - t0;
}

/* Median wall time of `runs` CLI runs (negative on failure); *cpu the median CPU time of the
 * process and its workers. */
static double cli_median(const char *cli, const char *scn, const char *out, const char *fid,
                         int jobs, int runs, double *cpu) {
    double t[SWEEP_RUNS_MAX], c[SWEEP_RUNS_MAX];
    for (int r = 0; r < runs; r++) {
        if ((t[r] = cli_run(cli, scn, out, fid, jobs, &c[r])) < 0) {
            return -1.0;
        }
    }
    *cpu = bench_median(c, runs);
    return bench_median(t, runs);
}

/* The default CLI path: <dir of this binary>/../sim/akisim. */
static void cli_default(char *dst, size_t cap) {
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash != NULL) {
        *slash = '\0';
    }
    if (snprintf(dst, cap, "%.*s/../sim/akisim", (int)(cap > 32 ? cap - 32 : 0), exe) < 0) {
        dst[0] = '\0';
    }
}

static bool cli_bench(const char *cli, size_t n, int runs, int exact_runs) {
    char dir[] = "/tmp/akisim_bench_sweep_XXXXXX";
    if (mkdtemp(dir) == NULL) {
        return false;
    }
    char scn[64], big[64], out[64], cmd[128];
    snprintf(scn, sizeof scn, "%s/s.yaml", dir);
    snprintf(big, sizeof big, "%s/big.yaml", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    bool ok = cli_scenario(scn, n, false) && cli_scenario(big, n, true);
    printf("CLI end to end (%s sweep ... -q, wall of the whole process, median):\n", cli);
    for (int jobs = 2; ok && jobs >= 1; jobs--) {
        double ce = 0, cb = 0, cx = 0;
        double e = cli_median(cli, scn, out, "estimate", jobs, runs, &ce);
        double b = cli_median(cli, big, out, "estimate", jobs, runs, &cb);
        ok = e > 0 && b > 0;
        if (ok) {
            printf("  estimate, -j %d: %zu points in %.3f s (%.3f s CPU) = %.0f points/s; %zu "
                   "points in %.3f s (%.3f s CPU) = %.0f points/s; marginal %.0f points/s, %.2f "
                   "ms CPU per point (median of %d)\n",
                   jobs, n, e, ce, (double)n / e, 9 * n, b, cb, 9.0 * (double)n / b,
                   b > e ? 8.0 * (double)n / (b - e) : 0.0, (cb - ce) / (8.0 * (double)n) * 1e3,
                   runs);
        }
        double x =
            exact_runs > 0 && ok ? cli_median(cli, scn, out, "exact", jobs, exact_runs, &cx) : 0.0;
        ok = ok && x >= 0;
        if (ok && exact_runs > 0) {
            printf("  exact with reuse, -j %d: %zu points in %.2f s (%.2f s CPU) = %.2f points/s "
                   "(median of %d)\n",
                   jobs, n, x, cx, (double)n / x, exact_runs);
        }
        fflush(stdout);
    }
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 && ok;
}

static int parse_runs(const char *s) {
    int v = atoi(s);
    return v < 1 ? 1 : (v > SWEEP_RUNS_MAX ? SWEEP_RUNS_MAX : v);
}

int main(int argc, char **argv) {
    int runs = 5, exact_runs = 3, cli_runs = 5, cli_exact_runs = 3;
    char cli[PATH_MAX];
    cli_default(cli, sizeof cli);
    bench_ctx b;
    memset(&b, 0, sizeof b);
    b.n = SWEEP_POINTS;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--runs") == 0) {
            runs = parse_runs(argv[i + 1]);
        } else if (strcmp(argv[i], "--exact-runs") == 0) {
            exact_runs = atoi(argv[i + 1]) == 0 ? 0 : parse_runs(argv[i + 1]);
        } else if (strcmp(argv[i], "--cli") == 0) {
            snprintf(cli, sizeof cli, "%s", argv[i + 1]);
        } else if (strcmp(argv[i], "--cli-runs") == 0) {
            cli_runs = atoi(argv[i + 1]) == 0 ? 0 : parse_runs(argv[i + 1]);
        } else if (strcmp(argv[i], "--cli-exact-runs") == 0) {
            cli_exact_runs = atoi(argv[i + 1]) == 0 ? 0 : parse_runs(argv[i + 1]);
        } else if (strcmp(argv[i], "--points") == 0) {
            int n = atoi(argv[i + 1]);
            b.n = n >= 2 && n <= SWEEP_POINTS ? (size_t)n : SWEEP_POINTS;
        }
    }
    npu_err e;
    npu_err_clear(&e);
    double t0 = bench_now();
    if (setup(&b, &e) != NPU_OK) {
        fprintf(stderr, "setup: %s\n", e.msg);
        return 1;
    }
    printf("akisim-bench-sweep: AkidaNet 0.5/160 x %zu meshes gen:cnp=8..%zu,fnp=2 (hybrid, "
           "allnps); setup (zoo + functional run) %.2f s\n",
           b.n, 7 + b.n, bench_now() - t0);
    pt_fig *est = calloc(b.n, sizeof *est);
    pt_fig *ex =
        mmap(NULL, b.n * sizeof *ex, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    double t_est[SWEEP_RUNS_MAX], t_ex[SWEEP_RUNS_MAX], c_est[SWEEP_RUNS_MAX];
    if (est == NULL || ex == MAP_FAILED) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    for (int r = 0; r < runs; r++) {
        double s = bench_now(), cs = cpu_now();
        for (size_t i = 0; i < b.n; i++) {
            if (estimate_point(&b, i, &est[i], &e) != NPU_OK) {
                fprintf(stderr, "estimate point %zu: %s\n", i, e.msg);
                return 1;
            }
        }
        t_est[r] = bench_now() - s;
        c_est[r] = cpu_now() - cs;
    }
    double me = bench_median(t_est, runs), mc = bench_median(c_est, runs);
    printf("estimate, 1 thread in-process: %.1f ms wall (%.1f ms CPU) per %zu points = %.0f "
           "points/s wall, %.0f points per CPU second (median of %d; first pass includes the "
           "record digest)\n",
           me * 1e3, mc * 1e3, b.n, (double)b.n / me, (double)b.n / mc, runs);
    for (int r = 0; r < runs; r++) {
        if (!worker_pass(&b, ex, true, &t_ex[r])) {
            fprintf(stderr, "estimate pass failed\n");
            return 1;
        }
    }
    double m2 = bench_median(t_ex, runs);
    printf("estimate, 2 worker processes: %.1f ms per %zu points = %.0f points/s (median of %d; "
           "fork included)\n",
           m2 * 1e3, b.n, (double)b.n / m2, runs);
    if (exact_runs == 0) { /* estimate only (profiling), then the CLI */
        return cli_runs > 0 && !cli_bench(cli, b.n, cli_runs, cli_exact_runs) ? 1 : 0;
    }
    for (int r = 0; r < exact_runs; r++) {
        if (!worker_pass(&b, ex, false, &t_ex[r])) {
            fprintf(stderr, "exact pass failed\n");
            return 1;
        }
    }
    double mx = bench_median(t_ex, exact_runs);
    printf("exact with reuse, 2 worker processes: %.2f s per %zu points = %.2f points/s (median "
           "of %d)\n",
           mx, b.n, (double)b.n / mx, exact_runs);
    double c_max = 0, c_sum = 0, e_max = 0, e_sum = 0;
    for (size_t i = 0; i < b.n; i++) {
        double ec = fabs(est[i].cycles / ex[i].cycles - 1.0);
        double ee = fabs(est[i].energy / ex[i].energy - 1.0);
        c_max = ec > c_max ? ec : c_max;
        e_max = ee > e_max ? ee : e_max;
        c_sum += ec;
        e_sum += ee;
    }
    printf("estimate error vs exact over %zu points: cycles max %.2f %% mean %.2f %%, energy max "
           "%.2f %% mean %.2f %%\n",
           b.n, c_max * 100, c_sum / b.n * 100, e_max * 100, e_sum / b.n * 100);
    sim_estimate_prep_free(b.prep);
    sim_record_free(b.record);
    npu_model_free(b.model);
    free(est);
    munmap(ex, b.n * sizeof *ex);
    if (cli_runs > 0 && !cli_bench(cli, b.n, cli_runs, cli_exact_runs)) {
        fprintf(stderr, "CLI sweep failed (%s)\n", cli);
        return 1;
    }
    return 0;
}
