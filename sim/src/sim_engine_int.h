/*
 * sim_engine_int: internal state shared by the engine files (sim_device.c functional path,
 * sim_record.c record, sim_timing.c discrete-event timing, sim_engine_power.c energy and
 * power, sim_engine_results.c results). Internal to sim/.
 */
#ifndef SIM_ENGINE_INT_H
#define SIM_ENGINE_INT_H

#include "akisim/sim_engine.h"
#include "akisim/sim_np_backend.h"
#include "npu/npu_np.h"

#define SIM_NO_LAYER UINT32_MAX /* producer of a layer fed by the model input */

/* What the record knows about one model layer (mesh independent). */
typedef struct sim_layer_rec {
    char name[64];       /* layer name ("layer_<i>" without a host model) */
    char type[32];       /* type name */
    npu_shape in_shape;  /* input dims */
    npu_shape out_shape; /* output dims */
    uint32_t producer;   /* layer whose output it reads (first inbound), or SIM_NO_LAYER */
} sim_layer_rec;

struct sim_record {
    uint32_t n_frames;     /* frames */
    uint32_t n_layers;     /* model layers */
    npu_shape in_shape;    /* model input dims */
    sim_layer_rec *layers; /* per layer */
    npu_event_buf *input;  /* per frame: non-zero model input values, scan order */
    npu_event_buf *events; /* [frame * n_layers + layer]: output events, scan order x, y, c */
    uint64_t total_events; /* events stored */
};

/* One NP instance of the programmed device (one per pass and ident). */
typedef struct sim_np_inst {
    void *np;                 /* the NP model (owned; npu_np * for the C model) */
    const sim_np_ops *ops;    /* its operations (sim_np_c_ops() or a factory's) */
    const npu_np_config *cfg; /* its decoded configuration */
    mesh_ident ident;         /* position */
    mesh_np_type type;        /* type it acts as */
    uint32_t seq;             /* sequence index */
    uint32_t pass;            /* global pass index */
    uint64_t track_bytes;     /* configuration bytes written to it (headers + payload) */
    uint32_t n_tracks;        /* configuration tracks */
} sim_np_inst;

typedef struct sim_pass_plan {
    uint32_t seq;         /* sequence index */
    uint32_t first_np;    /* first NP instance */
    uint32_t n_nps;       /* NP instances */
    uint64_t conf_cycles; /* cycles to (re)write its tracks through the configuration DMA */
    uint64_t conf_bytes;  /* bytes of its tracks */
} sim_pass_plan;

struct sim_device {
    mesh_desc mesh;            /* the mesh (owned copy) */
    mesh_calib calib;          /* calibration */
    mesh_clock_mode mode;      /* clock mode */
    bool programmed;           /* a program is loaded */
    cmp_program *prog;         /* the program (owned, decoded copy) */
    const npu_model *host;     /* host model (borrowed) for software sequences */
    uint32_t n_nps;            /* NP instances */
    sim_np_inst *nps;          /* owned */
    uint32_t n_passes;         /* passes (all sequences) */
    sim_pass_plan *passes;     /* owned */
    uint64_t program_bytes;    /* encoded program size (device memory) */
    uint64_t external_bytes;   /* external memory image size */
    sim_metrics metrics;       /* of the last run */
    sim_memory memory;         /* memory usage */
    bool have_results;         /* results valid */
    sim_results results;       /* of the last run */
    sim_record *record;        /* of the last forward (owned) */
    sim_np_factory np_factory; /* creates NPs other than the C model (NULL: none) */
    void *np_factory_ctx;      /* its context (borrowed) */
};

/* Timing + energy of a record on the programmed device: fills d->metrics and d->results.
 * NPU_ERR_INPUT when a budget is exceeded or the record does not fit. (sim_timing.c) */
npu_status sim_timing_run(sim_device *d, const sim_record *rec, npu_err *err);

/* Dense tensor -> events (non-zero values, scan order). */
npu_status sim_tensor_events(const npu_tensor *t, npu_event_buf *out, npu_err *err);
/* Sorts events in scan order (x, y, c). */
void sim_events_sort(npu_event_buf *b);
/* Allocates an empty record for n frames of a program / host model. */
npu_status sim_record_new(const sim_device *d, uint32_t n_frames, sim_record **out, npu_err *err);

/* Creates the NP instance n at site: the factory's, or the C model. (sim_np_backend.c) */
npu_status sim_np_create(const sim_device *d, sim_np_inst *n, const sim_np_site *site,
                         npu_err *err);

/* Frees the results' arrays. */
void sim_results_clear(sim_results *r);

#endif /* SIM_ENGINE_INT_H */
