/*
 * sim_scenario: a sweep scenario — the YAML file that names models, meshes, mappings, clock
 * modes, inputs and batch sizes, and the cartesian product of them, the sweep's points.
 *
 * sim_scenario_load() parses and validates everything a point will need before any point
 * runs: unknown keys (with a did-you-mean suggestion), empty lists and ranges that give no
 * value, malformed ranges, unknown zoo models, presets or clock modes, unreadable model,
 * mesh and input files all fail with one NPU_ERR_INPUT message naming the file, line and key.
 * Every mesh is loaded once here (its grid size and NP count go into each point's record).
 * Relative paths are resolved against the scenario file's directory. Format:
 * docs/scenarios.md.
 *
 * Points are numbered in a fixed nesting order — model, input, mesh, hw_only, map mode,
 * clock mode, batch (outermost first) — so the points that share a model and an input (a
 * "group", which reuses one functional run) are a contiguous index range.
 */
#ifndef SIM_SCENARIO_H
#define SIM_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmp/cmp_map.h"
#include "cmp/cmp_zoo.h"
#include "mesh/mesh_calib.h"
#include "npu/npu_err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SIM_SCN_LABEL_MAX 192   /* labels of models, meshes and inputs */
#define SIM_SCN_PATH_MAX 1024   /* resolved file paths */
#define SIM_SCN_MAX_VALUES 4096 /* values of one list or range (and points of a sweep: 1e6) */
#define SIM_SCN_MAX_POINTS 1000000u

/* Fidelity of the timing figures of a sweep. */
typedef enum sim_fidelity {
    SIM_FIDELITY_EXACT = 0,    /* the full timing model (replay of the functional record) */
    SIM_FIDELITY_ESTIMATE = 1, /* the analytical model (sim_sweep_estimator) */
} sim_fidelity;

/* "exact", "estimate"; parse returns false when unknown. */
const char *sim_fidelity_name(sim_fidelity f);
bool sim_fidelity_from_name(const char *name, sim_fidelity *out);

/* One model of the scenario. */
typedef struct sim_scn_model {
    char label[SIM_SCN_LABEL_MAX]; /* "akidanet:alpha=0.5,size=160" or the file as written */
    bool is_file;                  /* model file (else a zoo model) */
    char path[SIM_SCN_PATH_MAX];   /* resolved model path (files) */
    char zoo[32];                  /* zoo model name (zoo models) */
    cmp_zoo_opts opts;             /* zoo options (zoo models) */
} sim_scn_model;

/* One mesh of the scenario (loaded once at validation). */
typedef struct sim_scn_mesh {
    char label[SIM_SCN_LABEL_MAX]; /* preset name, "gen:cnp=8,fnp=2" or the file as written */
    char spec[SIM_SCN_PATH_MAX];   /* argument for mesh_load (resolved path for files) */
    uint32_t cols;                 /* grid columns */
    uint32_t rows;                 /* grid rows */
    uint32_t nps;                  /* NP slots (HRC excluded) */
} sim_scn_mesh;

/* Kinds of inputs. */
typedef enum sim_scn_input_kind {
    SIM_SCN_INPUT_RANDOM = 0,  /* seeded uniform values in the model's input range */
    SIM_SCN_INPUT_NPY = 1,     /* samples of an .npy file */
    SIM_SCN_INPUT_DATASET = 2, /* samples of an .npy file with an .npy of labels */
} sim_scn_input_kind;

/* One input set of the scenario. A point forwards `batch` frames taking the samples in
 * order, cyclically (frame k = sample k mod n). */
typedef struct sim_scn_input {
    char label[SIM_SCN_LABEL_MAX]; /* "random:seed=1", "npy:x.npy", "dataset:x.npy" */
    sim_scn_input_kind kind;       /* kind */
    uint32_t n;                    /* random: samples generated (default 1) */
    uint64_t seed;                 /* random: seed */
    char path[SIM_SCN_PATH_MAX];   /* npy / dataset: resolved samples path */
    char labels[SIM_SCN_PATH_MAX]; /* dataset: resolved labels path */
} sim_scn_input;

/* A parsed scenario (free with sim_scenario_free). */
typedef struct sim_scenario {
    char name[64];               /* scenario name */
    char file[SIM_SCN_PATH_MAX]; /* path it was read from */
    char *text;                  /* the file's bytes (NUL-terminated; copied into DIR) */
    size_t text_len;             /* bytes of text */
    sim_scn_model *models;       /* models */
    size_t n_models;             /* number of models */
    sim_scn_mesh *meshes;        /* meshes */
    size_t n_meshes;             /* number of meshes */
    bool hw_only[2];             /* hw_only values */
    size_t n_hw_only;            /* number of hw_only values */
    cmp_map_mode map_modes[3];   /* map modes */
    size_t n_map_modes;          /* number of map modes */
    mesh_clock_mode clocks[MESH_CLOCK_MODE_COUNT]; /* clock modes */
    size_t n_clocks;                               /* number of clock modes */
    sim_scn_input *inputs;                         /* input sets */
    size_t n_inputs;                               /* number of input sets */
    uint32_t *batches;                             /* batch sizes (frames per forward) */
    size_t n_batches;                              /* number of batch sizes */
    sim_fidelity fidelity;                         /* default fidelity */
} sim_scenario;

/* One point of the sweep: indices into the scenario's lists. */
typedef struct sim_point {
    uint32_t index; /* point index (file name p%05u) */
    uint32_t model; /* index into models */
    uint32_t input; /* index into inputs */
    uint32_t mesh;  /* index into meshes */
    uint32_t hw;    /* index into hw_only */
    uint32_t map;   /* index into map_modes */
    uint32_t clock; /* index into clocks */
    uint32_t batch; /* index into batches */
} sim_point;

/* Parses a scenario file and validates everything (see the file comment). */
npu_status sim_scenario_load(const char *path, sim_scenario *out, npu_err *err);
/* Same from text; `file` names it in messages and its directory resolves relative paths. */
npu_status sim_scenario_parse(const char *text, size_t len, const char *file, sim_scenario *out,
                              npu_err *err);
void sim_scenario_free(sim_scenario *s);

/* Number of points (the product of the list sizes). */
size_t sim_scenario_count(const sim_scenario *s);
/* Point i (i < count), decoded from the nesting order. */
sim_point sim_scenario_point(const sim_scenario *s, size_t i);
/* Group of point i: points with the same model and input share one (index / points per
 * group). */
size_t sim_scenario_group(const sim_scenario *s, size_t i);
/* One line describing the product ("4 models x 3 meshes x ... = 72 points"). */
void sim_scenario_describe(const sim_scenario *s, char *dst, size_t cap);

/* Closest word of `words` (n entries) to `word` by edit distance (<= 2, or <= a third of
 * the word), NULL when none is close. */
const char *sim_scn_suggest(const char *word, const char *const *words, size_t n);

#ifdef __cplusplus
}
#endif

#endif /* SIM_SCENARIO_H */
