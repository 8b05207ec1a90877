/*
 * sim_energy: energy rules shared by the exact timing model (sim_timing.c) and the analytical
 * estimator (sim_estimate.c), so both charge the same energy for the same work
 * (docs/timing-model.md, "Engine formulas", energy).
 *
 * Busy-cycle energy: an NP that works for n cycles (its npu_cost line and output-stage
 * cycles) draws e_np_busy_pj x n x its lane share, the fraction of its filter lanes that hold
 * a filter: filters / (filter groups x lanes). A slice of 10 filters on 8-lane hardware runs
 * two groups with 6 of 16 lane slots empty; those lanes do not toggle, so the slice is
 * charged 10/16 of a full-occupancy cycle.
 */
#ifndef SIM_ENERGY_H
#define SIM_ENERGY_H

#include "mesh/mesh_calib.h"
#include "npu/npu_cost.h"

/* Occupied share of the NP's filter (unit) lanes, in (0, 1]; 1 for an NP without filters. */
static inline double sim_energy_lane_share(const npu_np_config *c, const npu_cost_params *p) {
    uint32_t lanes = c->kind == NPU_NP_HRC   ? p->hrc_filter_lanes
                     : c->kind == NPU_NP_FNP ? p->fnp_unit_lanes
                                             : p->cnp_filter_lanes;
    uint64_t g = npu_cost_filter_groups(c, p);
    if (lanes == 0 || g == 0 || c->filter_count == 0) {
        return 1.0;
    }
    return (double)c->filter_count / ((double)g * (double)lanes);
}

/* Dynamic energy of n busy cycles of NP c at voltage scale vscale, pJ. */
static inline double sim_energy_busy_pj(const npu_np_config *c, const mesh_calib *k, double vscale,
                                        double n) {
    return vscale * k->e_np_busy_pj * sim_energy_lane_share(c, &k->np) * n;
}

#endif /* SIM_ENERGY_H */
