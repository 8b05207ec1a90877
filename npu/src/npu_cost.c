/*
 * npu_cost: the per-NP cycle formulas (npu_cost.h, docs/timing-model.md "NP formulas").
 * Pure functions of the decoded configuration, the calibration parameters and the amount of
 * work; results are integers rounded up so an RTL block can match them exactly.
 */
#include <math.h>

#include "npu/npu_cost.h"

static uint64_t ceil_u64(double v) {
    return v <= 0.0 ? 0u : (uint64_t)ceil(v);
}

static uint64_t groups(uint32_t n, uint32_t lanes) {
    uint32_t l = lanes ? lanes : 1u;
    return ((uint64_t)n + l - 1) / l;
}

uint64_t npu_cost_filter_groups(const npu_np_config *cfg, const npu_cost_params *p) {
    uint32_t lanes = cfg->kind == NPU_NP_HRC   ? p->hrc_filter_lanes
                     : cfg->kind == NPU_NP_FNP ? p->fnp_unit_lanes
                                               : p->cnp_filter_lanes;
    return groups(cfg->filter_count, lanes);
}

/* Cycles of one input event of a v1 separable NP, per filter group: the fused depthwise x
 * pointwise update plus the streaming of its in.c-long pointwise weight row. */
static double sep_group_cycles(const npu_np_config *cfg, const npu_cost_params *p) {
    double row = p->cnp_sep_channels_per_cycle > 0.0
                     ? (double)cfg->in.c / p->cnp_sep_channels_per_cycle
                     : 0.0;
    return p->cnp_sep_event_cycles + row;
}

uint64_t npu_cost_cnp_events(const npu_np_config *cfg, const npu_cost_params *p, uint64_t n) {
    double g = (double)npu_cost_filter_groups(cfg, p);
    if (cfg->layer == NPU_SEPARABLE_CONVOLUTIONAL) {
        return ceil_u64((double)n * (p->cnp_event_overhead + g * sep_group_cycles(cfg, p)));
    }
    uint32_t k = cfg->kx > cfg->ky ? cfg->kx : cfg->ky;
    k = k > NPU_COST_MAX_KERNEL ? NPU_COST_MAX_KERNEL : k;
    g = cfg->depthwise ? 1.0 : g; /* an event updates only its own channel */
    return ceil_u64((double)n * (p->cnp_event_overhead + p->cnp_event_cycles[k] * g));
}

uint64_t npu_cost_hrc_line(const npu_np_config *cfg, const npu_cost_params *p, uint32_t x) {
    if (cfg->conv_col_count == 0 || cfg->need_col_count == 0 || p->hrc_macs_per_cycle <= 0.0) {
        return 0;
    }
    int64_t lo = cfg->need_col_first, hi = lo + cfg->need_col_count - 1;
    uint64_t cols = 0;
    for (uint32_t i = 0; i < cfg->conv_col_count; i++) {
        int64_t ox = (int64_t)cfg->conv_col_first + i;
        int64_t done = ox * cfg->sx - (int64_t)cfg->pad_x + cfg->kx - 1;
        done = done < lo ? lo : (done > hi ? hi : done);
        cols += done == (int64_t)x;
    }
    double macs = (double)cols * cfg->conv.y * cfg->kx * cfg->ky * cfg->in.c * cfg->filter_count;
    return ceil_u64(macs / p->hrc_macs_per_cycle);
}

uint64_t npu_cost_fnp_events(const npu_np_config *cfg, const npu_cost_params *p, uint64_t n) {
    return ceil_u64((double)n * p->fnp_event_cycles * (double)npu_cost_filter_groups(cfg, p));
}

uint64_t npu_cost_output(const npu_np_config *cfg, const npu_cost_params *p) {
    if (cfg->out_col_count == 0) {
        return 0;
    }
    double g = (double)npu_cost_filter_groups(cfg, p);
    if (cfg->kind == NPU_NP_FNP) {
        return ceil_u64(g * p->fnp_output_cycles);
    }
    double pos = (double)cfg->conv_col_count * cfg->conv.y;
    if (cfg->kind == NPU_NP_HRC) {
        return ceil_u64(pos * g * p->hrc_output_cycles);
    }
    double pw_rate = p->cnp_pw_channels_per_cycle > 0.0 ? p->cnp_pw_channels_per_cycle : 1.0;
    double pw = cfg->layer == NPU_SEPARABLE_CONVOLUTIONAL ? pos * g * cfg->in.c / pw_rate : 0.0;
    return ceil_u64(pos * g * p->cnp_output_cycles + pw);
}
