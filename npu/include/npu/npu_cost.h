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
    double cnp_event_overhead;                        /* CNP fixed cycles per input event */
    uint32_t cnp_filter_lanes;         /* CNP filters updated in parallel (one filter group) */
    double cnp_output_cycles;          /* CNP cycles per output position per filter group
                                          (activation, pooling, event emission) */
    double hrc_macs_per_cycle;         /* HRC dense multiply-accumulates per cycle */
    double hrc_output_cycles;          /* HRC cycles per output position per filter group */
    uint32_t hrc_filter_lanes;         /* HRC filters per group */
    double fnp_event_cycles;           /* FNP cycles per input event per unit group */
    uint32_t fnp_unit_lanes;           /* FNP units updated in parallel */
    double fnp_output_cycles;          /* FNP cycles per output unit group */
    double cnp_pw_channels_per_cycle;  /* SeparableConvolutional pointwise stage: input
                                          channels accumulated per cycle per filter group
                                          (0 counts as 1) */
    double cnp_sep_event_cycles;       /* SeparableConvolutional: cycles per input event per
                                          filter group (fused depthwise x pointwise update) */
    double cnp_sep_channels_per_cycle; /* SeparableConvolutional: input channels of the
                                          pointwise weight row streamed per cycle per filter
                                          group and input event (> 0 in a calibration;
                                          0 here drops the term) */
} npu_cost_params;

/* Per-NP cycle formulas (docs/timing-model.md, "NP formulas"). Every result is an integer
 * number of cycles rounded up (ceil of the real-valued formula); a lane count of 0 counts
 * as 1. The kernel index k of cnp_event_cycles is max(kx, ky) clamped to
 * NPU_COST_MAX_KERNEL. Functions of the configuration and the amount of work only. */

/* Filter groups of an NP: ceil(filter_count / lanes) (its kind's lanes). */
uint64_t npu_cost_filter_groups(const npu_np_config *cfg, const npu_cost_params *p);

/* CNP: cycles to integrate n input events:
 *   Convolutional / Conv2D / Conv2DTranspose: ceil(n * (cnp_event_overhead +
 *     cnp_event_cycles[k] * G)), G = filter groups;
 *   DepthwiseConv2D(Transpose): the same with G = 1;
 *   SeparableConvolutional (v1 fused depthwise x pointwise): ceil(n * (cnp_event_overhead +
 *     G * (cnp_sep_event_cycles + in.c / cnp_sep_channels_per_cycle))), the last term 0 when
 *     the rate is 0. */
uint64_t npu_cost_cnp_events(const npu_np_config *cfg, const npu_cost_params *p, uint64_t n);

/* HRC: cycles to process input line x (one input column, all rows and channels):
 * ceil(macs(x) / hrc_macs_per_cycle), macs(x) = (convolution columns of the NP completing at
 * line x) * conv.y * kx * ky * in.c * filter_count; convolution column ox completes at line
 * clamp(ox * sx - pad_x + kx - 1, need_col_first, need_col_last). Dense: zeros cost the same. */
uint64_t npu_cost_hrc_line(const npu_np_config *cfg, const npu_cost_params *p, uint32_t x);

/* FNP: cycles to integrate n input events: ceil(n * fnp_event_cycles * G), G = filter groups
 * (FNP2 external reads are timed by the engine's memory model, not here). */
uint64_t npu_cost_fnp_events(const npu_np_config *cfg, const npu_cost_params *p, uint64_t n);

/* End of frame (activation, pooling, output emission):
 *   CNP: ceil(P * G * cnp_output_cycles) with P = conv_col_count * conv.y positions; a
 *        SeparableConvolutional adds the pointwise product:
 *        + P * G * in.c / cnp_pw_channels_per_cycle (0 counts as 1);
 *   HRC: ceil(P * G * hrc_output_cycles);
 *   FNP: ceil(G * fnp_output_cycles) (0 when the NP owns no output).
 * 0 when the NP owns no output column. */
uint64_t npu_cost_output(const npu_np_config *cfg, const npu_cost_params *p);

#ifdef __cplusplus
}
#endif

#endif /* NPU_COST_H */
