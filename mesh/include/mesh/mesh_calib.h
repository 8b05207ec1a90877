/*
 * mesh_calib: the per-device timing and energy parameters of the core model.
 *
 * Every cost the simulator uses is a named field here, loaded from a calibration YAML that
 * ships next to the mesh presets (mesh/calib/<preset>.yaml) and can be overridden by the
 * user (--calib FILE, or individual fields). Missing or negative fields, unknown keys and
 * implausible values (zero bandwidth, zero-latency hops) are rejected with the file and
 * field named. Formulas using them: docs/timing-model.md.
 */
#ifndef MESH_CALIB_H
#define MESH_CALIB_H

#include <stddef.h>
#include <stdint.h>

#include "mesh/mesh.h"
#include "npu/npu_cost.h"
#include "npu/npu_err.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum mesh_clock_mode {
    MESH_CLOCK_PERFORMANCE = 0, /* nominal clock and voltage */
    MESH_CLOCK_ECONOMY = 1,     /* lower clock */
    MESH_CLOCK_LOWPOWER = 2,    /* lowest clock and voltage */
    MESH_CLOCK_MODE_COUNT
} mesh_clock_mode;

typedef struct mesh_clock {
    double freq_mhz;  /* NP clock frequency in this mode, MHz */
    double voltage_v; /* core voltage in this mode, V (dynamic energy scales with V^2) */
} mesh_clock;

typedef struct mesh_calib {
    char name[64];      /* calibration set name (preset or file) */
    npu_cost_params np; /* per-NP cycle formula parameters */
    /* NoC */
    double hop_cycles;           /* cycles for a packet head to cross one router + link */
    double link_bytes_per_cycle; /* bytes a link carries per cycle (contention beyond) */
    uint32_t event_bytes;        /* bytes per event packet payload (2 x 32-bit words) */
    /* DMA */
    double conf_dma_bytes_per_cycle;  /* configuration DMA throughput */
    double conf_track_cycles;         /* fixed cycles per configuration track */
    double event_dma_bytes_per_cycle; /* event DMA throughput (inputs in, outputs out) */
    double hrc_dma_bytes_per_cycle;   /* HRC dense-input DMA throughput */
    double dma_latency_cycles;        /* fixed latency of a DMA transfer */
    /* external memory (FNP2 weights) */
    double ext_bytes_per_cycle; /* external memory read throughput */
    double ext_latency_cycles;  /* external memory read latency */
    /* host (software sequences and host link) */
    double host_link_bytes_per_s; /* host <-> device link throughput (bytes/s) */
    double host_link_latency_s;   /* host link fixed latency per transfer (s) */
    double host_ops_per_s;        /* host CPU synaptic ops per second (software sequences) */
    /* energy, at the Performance-mode voltage */
    double e_synop_pj;                       /* energy per synaptic operation, pJ */
    double e_sram_read_pj;                   /* per weight SRAM word read, pJ */
    double e_sram_write_pj;                  /* per input/potential SRAM word written, pJ */
    double e_hop_byte_pj;                    /* per byte per hop on the NoC, pJ */
    double e_dma_byte_pj;                    /* per DMA byte, pJ */
    double e_ext_byte_pj;                    /* per external memory byte, pJ */
    double p_static_np_mw;                   /* static power per powered (mapped) NP, mW */
    double p_floor_mw;                       /* floor power (board / chip rail at idle), mW */
    mesh_clock clock[MESH_CLOCK_MODE_COUNT]; /* per clock mode */
    /* sampling and budgets */
    double power_sample_us; /* power meter sampling interval, us */
    uint64_t max_cycles;    /* a run stops with an error beyond this many cycles */
    uint64_t max_events;    /* a run stops with an error beyond this many events */
    double e_np_cycle_pj;   /* per powered NP and cycle of its running sequence (clock), pJ */
    double e_np_busy_pj;    /* per busy NP cycle at full filter-lane occupancy (work), pJ */
} mesh_calib;

/* Loads the default calibration of a mesh (by preset name, or the generic v1/v2 set for
 * generated and file meshes). */
npu_status mesh_calib_default(const mesh_desc *mesh, mesh_calib *out, npu_err *err);
/* Loads a calibration YAML file over *out (fields present replace; unknown keys fail). */
npu_status mesh_calib_load(const char *path, mesh_calib *out, npu_err *err);
/* Applies "field=value" overrides (e.g. "hop_cycles=2"). */
npu_status mesh_calib_set(mesh_calib *c, const char *assignment, npu_err *err);
/* Checks every field for plausibility; names the first bad one. */
npu_status mesh_calib_validate(const mesh_calib *c, npu_err *err);
/* Writes the calibration as YAML text (malloc'd). */
char *mesh_calib_to_yaml(const mesh_calib *c);
const char *mesh_clock_mode_name(mesh_clock_mode m);
npu_status mesh_clock_mode_parse(const char *name, mesh_clock_mode *out, npu_err *err);

/* ---- additions by the calibration module (H9) ----
 *
 * Loading rules (docs/timing-model.md, "Parameters"): mesh_calib_load and
 * mesh_calib_parse_yaml read a YAML file of the calibration format over *out. When *out
 * already holds a valid calibration (e.g. from mesh_calib_default), the file may set any
 * subset of the fields; otherwise (e.g. a zero-initialised struct) the file must set every
 * field, and a missing one is an error naming it. The result is validated; on any failure
 * *out is left unchanged. The set name becomes the file's `name:` key, else the file's base
 * name without ".yaml".
 *
 * mesh_calib_default scales the three clock-mode frequencies by one factor so that the
 * Performance frequency equals mesh->clock_mhz (voltages and every cycle-based parameter
 * unchanged); for the shipped presets the factor is 1. */

/* Same as mesh_calib_load, from text; filename names the source in messages. */
npu_status mesh_calib_parse_yaml(const char *text, size_t len, const char *filename,
                                 mesh_calib *out, npu_err *err);
/* A shipped calibration set by name (case-insensitive): akd1000, akd1500, twonodes,
 * sixnodes-v2, generic-v1, generic-v2; no clock scaling. */
npu_status mesh_calib_preset(const char *name, mesh_calib *out, npu_err *err);
size_t mesh_calib_preset_count(void);
/* Name of the i-th shipped set, NULL past the end. */
const char *mesh_calib_preset_name(size_t i);
/* The embedded YAML text of a shipped set (NUL-terminated, static), NULL when unknown. */
const char *mesh_calib_preset_yaml(const char *name);
/* Writes mesh_calib_to_yaml(c) to path (temp file + rename). */
npu_status mesh_calib_save_yaml(const mesh_calib *c, const char *path, npu_err *err);
/* The numeric fields by dotted name ("hop_cycles", "np.cnp_event_cycles.3",
 * "clock.Performance.freq_mhz"), in file order; the set name is not among them. */
size_t mesh_calib_field_count(void);
const char *mesh_calib_field_name(size_t i); /* NULL past the end */
const char *mesh_calib_field_unit(size_t i); /* unit text ("cycles", "pJ", ...) */
/* Reads field `name` of c as a double (integers converted); NPU_ERR_INPUT when unknown. */
npu_status mesh_calib_get(const mesh_calib *c, const char *name, double *out, npu_err *err);
/* Frequency of a clock mode in Hz. */
double mesh_calib_freq_hz(const mesh_calib *c, mesh_clock_mode m);

#ifdef __cplusplus
}
#endif

#endif /* MESH_CALIB_H */
