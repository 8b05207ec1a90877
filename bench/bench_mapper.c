/*
 * akisim-bench-mapper: speed of the compiler's mapping and program encoding (issue 3).
 *
 *  1. Mapping: AkidaNet 1.0/224 (zoo, no-weights variant: shapes only) on the akd1000 mesh,
 *     cmp_map in each map mode (minimal, allnps, hwpr); median of RUNS runs after one
 *     warm-up, against the 50 ms target.
 *  2. Program encoding: AkidaNet 0.5/224 with real (seeded, calibrated) zoo weights, mapped
 *     minimal and allnps; cmp_program_build + cmp_program_encode timed together, median
 *     of RUNS runs (the encoded size is printed too).
 *
 * Only the named calls are timed: building the zoo model and loading the mesh happen once,
 * outside the timed region. Exit status 1 when any step fails (message on stderr).
 */
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"
#include "cmp/cmp_mapper.h"
#include "cmp/cmp_program.h"
#include "cmp/cmp_zoo.h"
#include "mesh/mesh.h"

#define RUNS 9              /* timed runs per measurement (median) */
#define MAP_TARGET_MS 50.0  /* issue 3: mapping time target per mode */
#define MESH_NAME "akd1000" /* device the models are mapped on */

/* Builds zoo AkidaNet with width alpha at 224x224; NULL (message printed) on failure. */
static npu_model *bench_akidanet(double alpha, bool no_weights) {
    cmp_zoo_opts o;
    cmp_zoo_opts_default(&o);
    o.alpha = alpha;
    o.input_size = 224;
    o.no_weights = no_weights;
    npu_model *m = NULL;
    npu_err err;
    npu_err_clear(&err);
    if (cmp_zoo_build("akidanet", &o, &m, &err) != NPU_OK) {
        fprintf(stderr, "akisim-bench-mapper: zoo akidanet %.2f: %s\n", alpha, err.msg);
        return NULL;
    }
    return m;
}

/* One cmp_map call, timed; false (message printed) on failure. The mapping is freed unless
 * keep is non-NULL, in which case it is handed over. */
static bool bench_map_once(const npu_model *m, const mesh_desc *mesh, cmp_map_mode mode,
                           double *seconds, cmp_mapped *keep) {
    cmp_mapped mm;
    npu_err err;
    npu_err_clear(&err);
    const double t0 = bench_now();
    const npu_status st = cmp_map(m, mesh, false, mode, &mm, &err);
    *seconds = bench_now() - t0;
    if (st != NPU_OK) {
        fprintf(stderr, "akisim-bench-mapper: map %s: %s\n", cmp_map_mode_name(mode), err.msg);
        return false;
    }
    if (keep)
        *keep = mm;
    else
        cmp_mapped_free(&mm);
    return true;
}

/* Median mapping time of m in `mode`; < 0 on failure. Prints the mapping's NPs and passes. */
static double bench_map_mode(const npu_model *m, const mesh_desc *mesh, cmp_map_mode mode) {
    double t[RUNS], dt;
    cmp_mapped mm;
    if (!bench_map_once(m, mesh, mode, &dt, &mm)) /* warm-up, kept for the summary */
        return -1.0;
    printf("  %-8s %3u NPs, %u sequence(s), %u pass(es)", cmp_map_mode_name(mode), mm.total_nps,
           mm.n_sequences, mm.total_passes);
    cmp_mapped_free(&mm);
    for (int r = 0; r < RUNS; r++)
        if (!bench_map_once(m, mesh, mode, &t[r], NULL))
            return -1.0;
    return bench_median(t, RUNS);
}

/* One build + encode of the program of mapping mm, timed; false on failure. */
static bool bench_encode_once(const npu_model *m, const cmp_mapped *mm, const mesh_desc *mesh,
                              double *seconds, size_t *n_bytes) {
    cmp_program *p = NULL;
    uint8_t *bytes = NULL;
    npu_err err;
    npu_err_clear(&err);
    const double t0 = bench_now();
    npu_status st = cmp_program_build(m, mm, mesh, &p, &err);
    if (st == NPU_OK)
        st = cmp_program_encode(p, &bytes, n_bytes, &err);
    *seconds = bench_now() - t0;
    free(bytes);
    cmp_program_free(p);
    if (st != NPU_OK)
        fprintf(stderr, "akisim-bench-mapper: program: %s\n", err.msg);
    return st == NPU_OK;
}

/* Median program build + encode time of m mapped in `mode`; < 0 on failure. */
static double bench_encode_mode(const npu_model *m, const mesh_desc *mesh, cmp_map_mode mode,
                                size_t *n_bytes) {
    cmp_mapped mm;
    double t[RUNS], dt;
    if (!bench_map_once(m, mesh, mode, &dt, &mm))
        return -1.0;
    bool ok = bench_encode_once(m, &mm, mesh, &dt, n_bytes); /* warm-up */
    for (int r = 0; ok && r < RUNS; r++)
        ok = bench_encode_once(m, &mm, mesh, &t[r], n_bytes);
    cmp_mapped_free(&mm);
    return ok ? bench_median(t, RUNS) : -1.0;
}

/* Part 1: mapping time of AkidaNet 1.0/224 per mode. Returns false on failure. */
static bool bench_mapping(const mesh_desc *mesh) {
    npu_model *m = bench_akidanet(1.0, true);
    if (!m)
        return false;
    printf("mapping AkidaNet 1.0/224 (no weights) on %s, cmp_map, median of %d runs:\n", mesh->name,
           RUNS);
    static const cmp_map_mode modes[] = {CMP_MAP_MINIMAL, CMP_MAP_ALLNPS, CMP_MAP_HWPR};
    bool ok = true;
    for (size_t i = 0; ok && i < sizeof modes / sizeof modes[0]; i++) {
        const double s = bench_map_mode(m, mesh, modes[i]);
        ok = s >= 0;
        if (ok)
            printf(": %9.4f ms (target < %.0f ms: %s)\n", s * 1e3, MAP_TARGET_MS,
                   s * 1e3 < MAP_TARGET_MS ? "met" : "NOT met");
    }
    npu_model_free(m);
    return ok;
}

/* Part 2: program build + encode of AkidaNet 0.5/224 with weights. Returns false on failure. */
static bool bench_programs(const mesh_desc *mesh) {
    const double t0 = bench_now();
    npu_model *m = bench_akidanet(0.5, false);
    if (!m)
        return false;
    printf("program build + encode, AkidaNet 0.5/224 with weights (zoo build %.2f s, not "
           "timed below), median of %d runs:\n",
           bench_now() - t0, RUNS);
    static const cmp_map_mode modes[] = {CMP_MAP_MINIMAL, CMP_MAP_ALLNPS};
    bool ok = true;
    for (size_t i = 0; ok && i < sizeof modes / sizeof modes[0]; i++) {
        size_t n_bytes = 0;
        const double s = bench_encode_mode(m, mesh, modes[i], &n_bytes);
        ok = s >= 0;
        if (ok)
            printf("  %-8s %8.3f ms, %zu bytes\n", cmp_map_mode_name(modes[i]), s * 1e3, n_bytes);
    }
    npu_model_free(m);
    return ok;
}

int main(void) {
    mesh_desc mesh;
    npu_err err;
    npu_err_clear(&err);
    if (mesh_load(MESH_NAME, &mesh, &err) != NPU_OK) {
        fprintf(stderr, "akisim-bench-mapper: mesh %s: %s\n", MESH_NAME, err.msg);
        return 1;
    }
    printf("akisim-bench-mapper: one thread\n");
    const bool ok = bench_mapping(&mesh) && bench_programs(&mesh);
    mesh_free(&mesh);
    return ok ? 0 : 1;
}
