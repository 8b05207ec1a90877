/*
 * sim_write: the output writers of a hardware run — pure formatting of a sim_results.
 *
 * Four renderers turn the results into text: the stats JSON (schema: docs/stats-format.md),
 * the vendor-style text summary (the runtime's SequenceStatistics look: "Average framerate =
 * X fps", power range, energy per frame), the Chrome Trace Event JSON (opens in Perfetto) and
 * the PowerMeter-like CSV. They compute nothing: every figure comes from the results, doubles
 * are printed with fixed formats (no locale, no host state), so identical results give
 * byte-identical files. The file functions render first and then write atomically
 * (cmp_file_write_atomic: temporary file + rename), so a failed write leaves nothing behind.
 */
#ifndef SIM_WRITE_H
#define SIM_WRITE_H

#include "akisim/sim_results.h"
#include "npu/npu_err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Schema identifier written as the "schema" key of the stats JSON. */
#define SIM_STATS_SCHEMA "akisim-stats/1"

/* The output kinds. */
typedef enum sim_write_kind {
    SIM_WRITE_STATS = 0,   /* stats JSON */
    SIM_WRITE_SUMMARY = 1, /* vendor-style text summary */
    SIM_WRITE_TRACE = 2,   /* Chrome Trace Event JSON */
    SIM_WRITE_POWER = 3,   /* power CSV */
    SIM_WRITE_KIND_COUNT
} sim_write_kind;

/* Renderers: a malloc'd NUL-terminated text (free()), NULL when out of memory. */
char *sim_write_stats_json(const sim_results *r);
char *sim_write_summary(const sim_results *r);
char *sim_write_trace_json(const sim_results *r);
char *sim_write_power_csv(const sim_results *r);
/* The renderer of a kind (NULL for an invalid kind). */
char *sim_write_render(sim_write_kind kind, const sim_results *r);

/* Renders one output and writes it atomically to path. */
npu_status sim_write_file(sim_write_kind kind, const sim_results *r, const char *path,
                          npu_err *err);

/* Writes a set of outputs: paths[kind] (NULL = not wanted). Every output is rendered and every
 * destination directory checked before the first file is written, so a bad path or an
 * out-of-memory leaves no file of the set behind. */
npu_status sim_write_files(const sim_results *r, const char *const paths[SIM_WRITE_KIND_COUNT],
                           npu_err *err);

/* Checks that the directory path would be created in exists and is writable (NPU_ERR_INPUT
 * naming path otherwise): lets a caller validate every destination before writing any. */
npu_status sim_write_check_dir(const char *path, npu_err *err);

/* Trace timestamps: cycles -> picoseconds, round(cycles * 10^6 / clock_mhz), exact integer
 * arithmetic when clock_mhz is integral. Printed as microseconds with 6 decimals. */
uint64_t sim_write_cycles_to_ps(uint64_t cycles, double clock_mhz);

#ifdef __cplusplus
}
#endif

#endif /* SIM_WRITE_H */
