/*
 * sim_engine: the device model and its host driver (modelled on the vendor's HardwareDevice).
 *
 * A sim_device is a mesh plus its calibration. program() decodes a binary program (or takes
 * a decoded one), instantiates an NP model (npu_np.h) at every ident its tracks address,
 * feeds each track's payload through the NP configuration port and attaches the external
 * memory image for FNP2; nothing of the model file is used for hardware layers. forward()
 * then runs frames functionally - inputs through the event DMA (or the HRC DMA), events
 * routed NP to NP by the DEST_* registers, software sequences on the host model - and
 * records each layer's event stream (sim_record). The timing model (discrete events over
 * line-granular work items, NoC links with contention, DMAs, external memory) and the
 * energy / power model consume only that record and the NP configurations, so a record can
 * be replayed on another mesh, mapping or clock mode (sim_device_replay) without running
 * the functional path again; both give identical cycles. Formulas: docs/timing-model.md.
 *
 * Results (metrics, per sequence / layer / NP statistics, trace spans, power samples) are
 * deterministic: two identical runs give identical results.
 */
#ifndef SIM_ENGINE_H
#define SIM_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "akisim/sim_results.h"
#include "cmp/cmp_program.h"
#include "mesh/mesh.h"
#include "mesh/mesh_calib.h"
#include "npu/npu_err.h"
#include "npu/npu_model.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sim_device sim_device; /* opaque: a programmable device model */
typedef struct sim_record sim_record; /* opaque: per-layer event streams of a run */

/* HardwareDevice.metrics. */
typedef struct sim_metrics {
    uint64_t inference_frames; /* frames processed by the last forward */
    uint64_t inference_clk;    /* device cycles of the last forward (hardware sequences) */
    uint64_t program_clk;      /* device cycles spent programming */
} sim_metrics;

/* HardwareDevice.memory (bytes). */
typedef struct sim_memory {
    uint64_t usage; /* device memory in use now */
    uint64_t top;   /* top usage since programming or reset_top_memory */
} sim_memory;

/* A new device on mesh with calibration calib (both copied). NPU_ERR_INPUT when the
 * calibration is implausible (mesh_calib_validate). */
npu_status sim_device_new(const mesh_desc *mesh, const mesh_calib *calib, sim_device **out,
                          npu_err *err);
void sim_device_free(sim_device *d);

/* Programs the device with a decoded program (copied into the device's state; p may be freed
 * afterwards). host_model (borrowed, must outlive the device's use) runs the software
 * sequences and NP-less layers; it may be NULL when the program has none. A program for
 * another device or IP version is rejected with NPU_ERR_INPUT. */
npu_status sim_device_program(sim_device *d, const cmp_program *p, const npu_model *host_model,
                              npu_err *err);
/* Same from encoded program bytes (strict decode expecting this mesh and IP version). */
npu_status sim_device_program_bytes(sim_device *d, const uint8_t *bytes, size_t n,
                                    const npu_model *host_model, npu_err *err);
/* Clears the program (NPs back to reset). */
void sim_device_unprogram(sim_device *d);
bool sim_device_programmed(const sim_device *d);

/* Clock mode (default Performance): frequency for time, voltage for energy. */
void sim_device_set_clock_mode(sim_device *d, mesh_clock_mode mode);
mesh_clock_mode sim_device_clock_mode(const sim_device *d);

/* Runs n frames (each the program's input shape, values within its input bits). outputs
 * receives n tensors allocated by the callee (free with npu_tensor_free). Fills the
 * metrics, memory, results and record of the run. Bad input shape or range, or a run
 * beyond the calibration's max_cycles / max_events, fails with NPU_ERR_INPUT. */
npu_status sim_device_forward(sim_device *d, const npu_tensor *inputs, size_t n,
                              npu_tensor *outputs, npu_err *err);

/* Replays a record (from a run of the same model on any mesh / mapping) through the timing
 * and energy model of the current program and clock mode; fills metrics and results as a
 * forward would, without running the NP models. NPU_ERR_INPUT when the record does not fit
 * the program (layer count or shapes differ). */
npu_status sim_device_replay(sim_device *d, const sim_record *rec, npu_err *err);

sim_metrics sim_device_metrics(const sim_device *d);
sim_memory sim_device_memory(const sim_device *d);
void sim_device_reset_top_memory(sim_device *d);
/* Results of the last forward or replay (owned by the device; NULL before any). */
const sim_results *sim_device_results(const sim_device *d);
/* Moves the results of the last run to *out (caller frees with sim_results_free). */
npu_status sim_device_take_results(sim_device *d, sim_results *out, npu_err *err);
/* Record of the last forward (owned by the device; NULL before any). */
const sim_record *sim_device_record(const sim_device *d);
/* Moves the record of the last forward out (caller frees with sim_record_free). */
sim_record *sim_device_take_record(sim_device *d);
void sim_record_free(sim_record *r);
/* Frames and layers a record holds; total events it stores. */
uint32_t sim_record_frames(const sim_record *r);
uint32_t sim_record_layers(const sim_record *r);
uint64_t sim_record_events(const sim_record *r);
/* Bytes the record holds (compact event streams and per-layer input summaries). */
uint64_t sim_record_bytes(const sim_record *r);
/* Frees the per-layer input summaries: the record gets smaller, a replay then derives them
 * from the event streams (same results, slower). */
void sim_record_drop_summaries(sim_record *r);

/* The hardware output events of model layer `layer` in frame `frame` of the last forward,
 * as a dense tensor (copied into *out, allocated by the callee): for tests and debugging. */
npu_status sim_record_layer_tensor(const sim_record *r, uint32_t frame, uint32_t layer,
                                   npu_tensor *out, npu_err *err);

/* Per-NP activity of the NP models in the last forward (pass, ident), for checks against the
 * timing model's derived counts: returns false when no such NP. */
bool sim_device_np_counters(const sim_device *d, uint32_t pass, mesh_ident ident,
                            npu_np_counters *out);

#ifdef __cplusplus
}
#endif

#endif /* SIM_ENGINE_H */
