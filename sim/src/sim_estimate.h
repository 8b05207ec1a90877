/*
 * sim_estimate: the analytical model of the "estimate" fidelity (docs/fidelity.md,
 * "Estimate fidelity"). Internal to sim/.
 *
 * Two steps. sim_estimate_prep_new() digests a functional record once per (model, input,
 * batch): for every layer and frame, per-column channel-prefix histograms of the layer's
 * output events, of its input events weighted by their kernel row hits, and (separable
 * layers) the active depthwise potentials per convolution column. Everything there is
 * mesh-independent. sim_estimate_run() then gives one point's figures from that digest,
 * the mapping (cmp_mapped: per-NP slices) and the calibration: per-NP configurations are
 * derived from the slices with the NP models' ownership rule, per-NP activity is read from
 * the histograms (no per-event loop), per-line cycles come from npu_cost, and a line-level
 * critical path (no event queue, no link contention) follows the exact engine's pipelining
 * rule (sim_timing.c). Energy uses the same calibration fields as the exact model.
 */
#ifndef SIM_ESTIMATE_H
#define SIM_ESTIMATE_H

#include "akisim/sim_sweep.h"
#include "sim_engine_int.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Per-stream histograms of one frame (a layer's output, or the model input). */
typedef struct est_hist {
    uint32_t X, C; /* columns, channels */
    uint32_t *cnt; /* [F][X][C + 1]: events of column x with channel < c */
} est_hist;

/* What the estimate keeps of one model layer. */
typedef struct est_layer {
    const npu_layer *l;   /* the model layer (borrowed) */
    uint32_t producer;    /* first inbound layer, SIM_NO_LAYER for the model input */
    uint32_t weight_bits; /* weight packing width of its NPs */
    bool conv;            /* convolution kind (HRC / CNP), else dense or host-only */
    npu_np_config geom;   /* whole-layer geometry (kind, kernel, pool, conv dims) */
    est_hist out;         /* its output events */
    uint64_t *wy;         /* conv: [F][in.x][in.c + 1] prefix over channels of kernel-row hits */
    uint64_t *act;        /* separable: [F][conv.x + 1] prefix over conv columns of active
                             depthwise potentials */
} est_layer;

/* The digest of one functional record (sim_estimate_prep_new). */
struct sim_estimate_prep {
    const npu_model *model; /* model (borrowed) */
    const sim_record *rec;  /* record it digests (borrowed) */
    uint32_t F;             /* frames */
    uint32_t n_layers;      /* layers */
    est_layer *layers;      /* per layer */
    est_hist input;         /* model input events */
};

/* Digests rec (a record of model m) into *out. */
npu_status sim_estimate_prep_new(const npu_model *m, const sim_record *rec, sim_estimate_prep **out,
                                 npu_err *err);

/* Input-event histogram of layer l (its producer's output or the model input). */
const est_hist *sim_estimate_in_hist(const sim_estimate_prep *p, uint32_t l);

/* One point: fills *out (caller frees with sim_results_free). program may be NULL (the
 * configuration time of multi-pass sequences is then estimated from the mapping). */
npu_status sim_estimate_run(const sim_estimate_prep *p, const mesh_desc *mesh,
                            const mesh_calib *calib, mesh_clock_mode mode, const cmp_mapped *mm,
                            const cmp_program *program, sim_results *out, npu_err *err);

#ifdef __cplusplus
}
#endif

#endif /* SIM_ESTIMATE_H */
