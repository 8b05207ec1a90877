/*
 * sim_results: everything one hardware run measured, in one plain structure.
 *
 * The engine (sim_engine) fills it; the writers turn it into the stats JSON (documented
 * schema, docs/stats-format.md), the vendor-style text summary, the Chrome Trace Event JSON
 * and the PowerMeter-like CSV. Nothing here is computed by the writers: they only format, so
 * two identical runs give byte-identical files.
 */
#ifndef SIM_RESULTS_H
#define SIM_RESULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mesh/mesh.h"
#include "npu/npu_np.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sim_layer_stats {
    char name[64];       /* layer name */
    char type[32];       /* layer type name */
    uint32_t sequence;   /* index of its sequence */
    bool hardware;       /* mapped on the device (false: host) */
    uint64_t events_in;  /* input events over all frames */
    uint64_t events_out; /* output events over all frames */
    uint64_t outputs;    /* output values (dense count) over all frames */
    double sparsity;     /* 1 - events_out / outputs */
    uint64_t synops;     /* synaptic operations over all frames */
    uint64_t cycles;     /* cycles from the layer's first start to its last end */
    uint32_t n_nps;      /* NPs it uses */
} sim_layer_stats;

typedef struct sim_np_stats {
    mesh_ident ident;         /* NP position */
    mesh_np_type type;        /* type it acts as */
    uint32_t layer;           /* layer index */
    uint32_t pass;            /* pass index */
    npu_np_counters counters; /* activity */
    uint64_t busy_cycles;     /* cycles spent computing */
    double utilisation;       /* busy_cycles / inference cycles of its sequence */
} sim_np_stats;

typedef struct sim_seq_stats {
    char name[160];         /* "HW/first-last" or "SW/first-last" */
    bool hardware;          /* hardware (or hybrid) sequence */
    uint32_t frames;        /* frames run */
    uint32_t passes;        /* passes */
    uint64_t inference_clk; /* device cycles of the inference of all frames */
    uint64_t program_clk;   /* device cycles spent programming */
    double latency_ms;   /* inference_clk / frames / clock (first frame latency when pipelined: see
                            docs) */
    double fps;          /* frames per second */
    double power_avg_mw; /* average power (floor included) */
    double power_min_mw; /* minimum sampled power */
    double power_max_mw; /* maximum sampled power */
    double power_std_mw; /* standard deviation of sampled power */
    double energy_mj_per_frame;         /* total energy per frame (floor included) */
    double dynamic_energy_mj_per_frame; /* dynamic energy per frame */
    double host_s;                      /* host time of software sequences, s */
} sim_seq_stats;

/* A span of the Chrome trace: one track, [start, end) in device cycles. */
typedef struct sim_span {
    uint32_t track; /* index into sim_results.tracks */
    uint64_t start; /* first cycle */
    uint64_t end;   /* end cycle (exclusive) */
    uint32_t name;  /* index into sim_results.strings (span name) */
    uint32_t frame; /* frame index */
} sim_span;

typedef struct sim_power_sample {
    double t_us;       /* timestamp, microseconds from the start of the run */
    double voltage_uv; /* voltage, microvolts */
    double current_ma; /* current, milliamperes */
    double power_mw;   /* power, milliwatts (floor included) */
} sim_power_sample;

typedef struct sim_results {
    char device[64];          /* mesh name */
    char clock_mode[16];      /* clock mode name */
    double clock_mhz;         /* clock frequency used */
    double floor_mw;          /* floor power */
    uint32_t n_sequences;     /* sequences */
    sim_seq_stats *sequences; /* owned */
    uint32_t n_layers;        /* layers */
    sim_layer_stats *layers;  /* owned */
    uint32_t n_nps;           /* NP entries (one per NP mapping) */
    sim_np_stats *nps;        /* owned */
    uint64_t memory_usage;    /* device memory in use (bytes) after the run */
    uint64_t memory_top;      /* top device memory usage (bytes) */
    uint64_t external_bytes;  /* external memory bytes used (FNP2 weights) */
    uint32_t n_tracks;        /* trace tracks */
    char (*tracks)[64];       /* owned track names ("NP (3,2,1)", "dma_event", "HW/...") */
    uint32_t n_strings;       /* span names */
    char (*strings)[96];      /* owned */
    size_t n_spans;           /* spans */
    sim_span *spans;          /* owned, sorted by (track, start) */
    size_t n_power;           /* power samples */
    sim_power_sample *power;  /* owned, by time */
} sim_results;

void sim_results_free(sim_results *r);

#ifdef __cplusplus
}
#endif

#endif /* SIM_RESULTS_H */
