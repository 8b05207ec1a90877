/*
 * sim_sweep_int: internals shared by the sweep runner (sim_sweep.c: directories, worker
 * processes, progress), the point executor (sim_sweep_point.c: models, inputs, functional
 * record, replay) and the point files (sim_sweep_json.c: point JSON, CSV rows, completeness).
 * Internal to sim/.
 */
#ifndef SIM_SWEEP_INT_H
#define SIM_SWEEP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "akisim/sim_sweep.h"

/* Models built by one worker (by model index; built on first use). */
typedef struct sweep_cache {
    const sim_scenario *s; /* scenario */
    npu_model **models;    /* n_models entries, NULL until built */
    char **model_errors;   /* build error message per model (NULL = none yet) */
} sweep_cache;

npu_status sweep_cache_init(sweep_cache *c, const sim_scenario *s, npu_err *err);
void sweep_cache_free(sweep_cache *c);

/* The points of one unit share a model and an input: the unit holds the model (borrowed
 * from the cache), the input samples and one functional record per batch size. */
typedef struct sweep_unit sweep_unit;

/* Prepares a unit for points of (model, input); never fails for a bad model or input (the
 * points then fail with the message); fails only when out of memory. */
npu_status sweep_unit_new(sweep_cache *c, uint32_t model, uint32_t input, sim_fidelity fidelity,
                          sim_sweep_estimator est, sweep_unit **out, npu_err *err);
void sweep_unit_free(sweep_unit *u);
/* Estimate fidelity: every point whose index is a multiple of `every` (> 0) also runs the
 * exact model and records the relative errors (0 = never). */
void sweep_unit_set_check(sweep_unit *u, uint32_t every);

/* Runs point `index` (which must belong to the unit): *json receives the point JSON (status
 * ok or error) and *power the power CSV (NULL for error points or estimate fidelity). Fails
 * only when out of memory. */
npu_status sweep_unit_point(sweep_unit *u, uint32_t index, char **json, char **power, npu_err *err);

/* Point JSON of a point that failed with msg (malloc'd; NULL when out of memory). */
char *sweep_json_error(const sim_scenario *s, const sim_point *p, sim_fidelity f, const char *msg);
/* Point JSON of a point that ran: mapping figures and the stats JSON text. */
char *sweep_json_ok(const sim_scenario *s, const sim_point *p, sim_fidelity f, const cmp_mapped *mm,
                    const char *stats_json);
/* Same with the "estimate_error" object (relative errors against exact). */
char *sweep_json_ok_checked(const sim_scenario *s, const sim_point *p, sim_fidelity f,
                            const cmp_mapped *mm, const char *stats_json, double err_cycles,
                            double err_energy);
/* The "point" object line every point file of (s, p, f) holds (malloc'd). */
char *sweep_json_point_line(const sim_scenario *s, const sim_point *p, sim_fidelity f);

/* True when text is a complete point file of (s, p, f): valid JSON, the schema, the same
 * point description and a status. */
bool sweep_json_complete(const char *text, size_t len, const sim_scenario *s, const sim_point *p,
                         sim_fidelity f);

/* The results.csv header line (with '\n'). */
extern const char SWEEP_CSV_HEADER[];
/* The results.csv row (with '\n', malloc'd) of a point file's text; NULL when the text is not
 * a point file. */
char *sweep_csv_row(const char *text, size_t len);

/* Reads a whole file (malloc'd, NUL-terminated); NULL when it cannot be read. */
char *sweep_read_file(const char *path, size_t *len);
/* DIR/points/pNNNNN<suffix>. */
void sweep_point_path(char *dst, size_t cap, const char *dir, uint32_t index, const char *suffix);

#endif /* SIM_SWEEP_INT_H */
