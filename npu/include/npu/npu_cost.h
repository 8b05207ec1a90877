/*
 * npu_cost: the per-NP cycle formulas of the core model and their parameters.
 *
 * Timing of one NP is a function of what it is configured to do (npu_np_config) and of the
 * work it receives (input events, output positions), never of the data values. The same
 * formulas are the contract of the RTL blocks (a later issue): an RTL CNP must take exactly
 * the cycles these functions give. Parameters are named fields of the per-device calibration
 * file (mesh_calib.h); each formula is stated in docs/timing-model.md.
 */
#ifndef NPU_COST_H
#define NPU_COST_H

#include <stdint.h>

#include "npu/npu_np.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NPU_COST_MAX_KERNEL 7

typedef struct npu_cost_params {
    double cnp_event_cycles[NPU_COST_MAX_KERNEL + 1]; /* CNP cycles per input event per filter
                                                          group, by kernel size (index k) */
    double cnp_event_overhead;  /* CNP fixed cycles per input event */
    uint32_t cnp_filter_lanes;  /* CNP filters updated in parallel (one filter group) */
    double cnp_output_cycles;   /* CNP cycles per output position per filter group
                                   (activation, pooling, event emission) */
    double hrc_macs_per_cycle;  /* HRC dense multiply-accumulates per cycle */
    double hrc_output_cycles;   /* HRC cycles per output position per filter group */
    uint32_t hrc_filter_lanes;  /* HRC filters per group */
    double fnp_event_cycles;    /* FNP cycles per input event per unit group */
    uint32_t fnp_unit_lanes;    /* FNP units updated in parallel */
    double fnp_output_cycles;   /* FNP cycles per output unit group */
} npu_cost_params;

#ifdef __cplusplus
}
#endif

#endif /* NPU_COST_H */
