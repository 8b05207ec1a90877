/*
 * sim_sweep_int: internals shared by the sweep runner (sim_sweep.c: directories, worker
 * processes, scheduling, progress), the point executor (sim_sweep_point.c: models, meshes,
 * calibrations, inputs, labels, functional record, replay) and the point files
 * (sim_sweep_json.c: point JSON, CSV rows, completeness). Internal to sim/.
 */
#ifndef SIM_SWEEP_INT_H
#define SIM_SWEEP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "akisim/sim_sweep.h"

/* A default calibration kept by the cache, with the key it was made for. */
typedef struct sweep_calib_entry {
    char preset[64];  /* preset name the mesh's name matches (lower case), "" for none */
    int ip_version;   /* mesh IP version */
    uint32_t mhz;     /* mesh nominal clock */
    mesh_calib calib; /* mesh_calib_default of such a mesh */
} sweep_calib_entry;

/* What one process keeps between points: models (by model index), meshes and their default
 * calibrations (by mesh index), each made on first use. The parent fills the models that
 * several workers need before forking, so the workers inherit them. */
typedef struct sweep_cache {
    const sim_scenario *s;     /* scenario */
    npu_model **models;        /* n_models entries, NULL until built */
    char **model_errors;       /* build error message per model (NULL = none yet) */
    mesh_desc *meshes;         /* n_meshes entries, loaded when mesh_state is 1 */
    uint8_t *mesh_state;       /* per mesh: 0 not loaded, 1 loaded, 2 failed */
    char **mesh_errors;        /* per mesh: why it failed (state 2) */
    size_t *mesh_calib;        /* per mesh (state 1): index into calibs */
    sweep_calib_entry *calibs; /* default calibrations made so far */
    size_t n_calibs;           /* number of them */
} sweep_cache;

npu_status sweep_cache_init(sweep_cache *c, const sim_scenario *s, npu_err *err);
void sweep_cache_free(sweep_cache *c);
/* The model of index i, built or loaded on first use; NULL with *why set on failure. */
const npu_model *sweep_cache_model(sweep_cache *c, uint32_t i, const char **why);
/* The mesh of index i and its default calibration, loaded on first use (the calibration of
 * every mesh with the same key — matching preset name, IP version, clock — is parsed once);
 * NULL with *why set on failure. */
const mesh_desc *sweep_cache_mesh(sweep_cache *c, uint32_t i, const mesh_calib **calib,
                                  const char **why);

/* The points of one unit share a model and an input: the unit holds the model (borrowed
 * from the cache), the input samples, the labels of a dataset and one functional record
 * (with its top-1 count) per batch size. */
typedef struct sweep_unit sweep_unit;

/* Prepares a unit for points of (model, input); never fails for a bad model or input (the
 * points then fail with the message); fails only when out of memory. */
npu_status sweep_unit_new(sweep_cache *c, uint32_t model, uint32_t input, sim_fidelity fidelity,
                          sim_sweep_estimator est, sweep_unit **out, npu_err *err);
void sweep_unit_free(sweep_unit *u);
/* True when the unit is for (model, input). */
bool sweep_unit_is(const sweep_unit *u, uint32_t model, uint32_t input);
/* Estimate fidelity: every point whose index is a multiple of `every` (> 0) also runs the
 * exact model and records the relative errors (0 = never). */
void sweep_unit_set_check(sweep_unit *u, uint32_t every);

/* Top-1 accuracy of a point fed from a dataset. */
typedef struct sweep_accuracy {
    bool have;        /* the input is a dataset (else no accuracy) */
    uint64_t correct; /* frames whose argmax class equals the label */
    uint64_t frames;  /* frames forwarded */
} sweep_accuracy;

/* Outcomes of a point. */
enum { SWEEP_OUT_OK = 0, SWEEP_OUT_ERROR = 1, SWEEP_OUT_NOFILE = 2 };

/* The files of one finished point (malloc'd texts). */
typedef struct sweep_point_out {
    char *json;      /* point JSON */
    char *power;     /* power CSV, NULL for error points or estimate fidelity */
    char *row;       /* its results.csv row */
    uint32_t status; /* SWEEP_OUT_OK or SWEEP_OUT_ERROR */
} sweep_point_out;

void sweep_point_out_free(sweep_point_out *o);

/* Runs point `index` (which must belong to the unit) into *out. Fails only when out of
 * memory. */
npu_status sweep_unit_point(sweep_unit *u, uint32_t index, sweep_point_out *out, npu_err *err);

/* Point JSON of a point that failed with msg (malloc'd; NULL when out of memory). */
char *sweep_json_error(const sim_scenario *s, const sim_point *p, sim_fidelity f, const char *msg);
/* Point JSON of a point that ran: mapping figures, accuracy (when acc->have), the stats JSON
 * text and, when errs is not NULL, "estimate_error" (relative errors {cycles, energy}). */
char *sweep_json_ok(const sim_scenario *s, const sim_point *p, sim_fidelity f, const cmp_mapped *mm,
                    const sweep_accuracy *acc, const char *stats_json, const double *errs);
/* The "point" object line every point file of (s, p, f) holds (malloc'd). */
char *sweep_json_point_line(const sim_scenario *s, const sim_point *p, sim_fidelity f);

/* True when text is a complete point file of (s, p, f): valid JSON, the schema, the same
 * point description and a status; *row (when not NULL) then receives its results.csv row
 * (malloc'd; NULL when out of memory). */
bool sweep_json_complete(const char *text, size_t len, const sim_scenario *s, const sim_point *p,
                         sim_fidelity f, char **row);

/* The results.csv header line (with '\n'). */
extern const char SWEEP_CSV_HEADER[];
/* The results.csv row (with '\n', malloc'd) of a point file's text; NULL when the text is not
 * a point file. */
char *sweep_csv_row(const char *text, size_t len);
/* The same row made from the figures the point JSON was written from, without parsing it
 * (every double rounded through the JSON's format, as the parser would read it back); NULL
 * when a label needs JSON escaping (the caller then parses the JSON) or out of memory. */
char *sweep_csv_row_direct(const sim_scenario *s, const sim_point *p, sim_fidelity f,
                           const cmp_mapped *mm, const sim_results *r, const sweep_accuracy *acc);

/* Reads a whole file (malloc'd, NUL-terminated); NULL when it cannot be read. */
char *sweep_read_file(const char *path, size_t *len);
/* DIR/points/pNNNNN<suffix>. */
void sweep_point_path(char *dst, size_t cap, const char *dir, uint32_t index, const char *suffix);

#endif /* SIM_SWEEP_INT_H */
