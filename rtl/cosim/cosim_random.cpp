/*
 * cosim_random: randomized constrained cross-check vectors for the NP blocks.
 *
 * A configuration is a real one-layer model (InputData + one layer of the block's kinds)
 * with random geometry (input 2..11 x 2..7 x 1..5, kernel 1..4, stride 1..2, same / valid
 * padding, none / max / global-average pooling), random bits and v1 / v2 variables, mapped
 * by hand on one to four NPs (random input-column and filter slices; dense layers on FNP2
 * with external weights or FNP3 at random) and compiled with cmp_program_build, exactly as a
 * real program (the Rig and the random draws of cosim_rig.hpp, shared with the tests). Every NP
 * slice gets kFrames random input frames (random density) with random input gaps and output
 * back-pressure; each frame is one vector (check_np). The constraints are those of the RTL's
 * covered kinds (docs/rtl.md).
 */
#include <cstdio>
#include <random>

#include "cmp/cmp_program.h"
#include "cosim.hpp"
#include "cosim_rig.hpp"

namespace cosim {

namespace {

constexpr int kFrames = 8;               /* frames (vectors) per NP slice */
constexpr int kMaxZeroPct = 95;          /* input frames: 0..95 % zeros */
const LayerDraw kDraw{20, false, false}; /* 1..20 filters, pooling always drawn */

const char *block_name(cosim_block b) {
    static const char *const names[] = {"cnp", "fnp", "hrc", "router"};
    return b < COSIM_BLOCK_COUNT ? names[b] : "?";
}

} // namespace

/* Adds r's outcome to row; true when it passed. */
bool add_result(const NpResult &r, cosim_row *row) {
    row->configs++;
    if (!r.covered) {
        row->skipped++;
        return true;
    }
    row->vectors += r.stats.frames;
    row->events_out += r.stats.events_out;
    row->c_cycles += r.stats.c_cycles;
    row->rtl_cycles += r.stats.rtl_cycles;
    if (!r.ok) {
        row->mismatches++;
        if (row->first[0] == 0) {
            snprintf(row->first, sizeof row->first, "%s", r.message.c_str());
            snprintf(row->vcd, sizeof row->vcd, "%s", r.vcd.c_str());
        }
    }
    return r.ok;
}

void check_random(const RtlFactory &f, cosim_block b, uint64_t vectors, uint64_t seed,
                  const std::string &vcd_dir, cosim_row *row) {
    snprintf(row->source, sizeof row->source, "%s", "random");
    snprintf(row->block, sizeof row->block, "%s", block_name(b));
    std::vector<npu_layer_type> types;
    mesh_np_type mt = MESH_NP_CNP1; /* dense: chosen per case */
    npu_np_kind kind = NPU_NP_CNP;
    if (b == COSIM_CNP) {
        types = {NPU_CONVOLUTIONAL, NPU_CONV2D, NPU_DEPTHWISE_CONV2D};
    } else if (b == COSIM_FNP) {
        types = {NPU_FULLY_CONNECTED, NPU_DENSE1D};
        mt = MESH_NP_FNP3;
        kind = NPU_NP_FNP;
    } else {
        types = {NPU_INPUT_CONVOLUTIONAL, NPU_INPUT_CONV2D};
        mt = MESH_NP_HRC;
        kind = NPU_NP_HRC;
    }
    std::mt19937 rng(uint32_t(seed * 2654435761u + uint64_t(b)));
    npu_cost_params p = rtl_params();
    for (uint64_t attempt = 0; row->vectors < vectors && attempt < vectors * 20; attempt++) {
        Rig r("rtl-check");
        uint32_t l = 0;
        npu_layer_type t = types[size_t(rnd(rng, 0, int(types.size()) - 1))];
        if (!random_layer(rng, r, t, kDraw, &l)) {
            continue;
        }
        bool dense = kind == NPU_NP_FNP;
        /* dense layers: FNP2 (external weights) or FNP3 at random */
        mesh_np_type t_np = dense ? (rnd(rng, 0, 1) ? MESH_NP_FNP2 : MESH_NP_FNP3) : mt;
        r.map_layer(rng, l, t_np, dense ? 1u : uint32_t(rnd(rng, 1, 2)), uint32_t(rnd(rng, 1, 2)));
        if (!r.finish()) {
            continue; /* a draw the compiler refuses (field range): not a vector */
        }
        auto frames = random_frames(rng, r.m, kind == NPU_NP_HRC, kFrames, kMaxZeroPct);
        size_t ext_n = 0;
        const uint8_t *ext = cmp_program_ext(r.prog, &ext_n);
        for (const auto &nm : r.nps[l]) {
            NpCase c;
            c.kind = kind;
            c.layer = l;
            c.ident = nm.ident;
            c.writes = program_writes(r.prog, 0, nm.ident);
            c.ext = ext;
            c.ext_n = ext_n;
            c.frames = frames;
            c.stim.seed = rng();
            c.stim.gaps = rnd(rng, 0, 1);
            c.stim.backpressure = rnd(rng, 0, 1);
            char tag[96];
            snprintf(tag, sizeof tag, "%s_config%llu_np%u_%u_%u", block_name(b),
                     (unsigned long long)row->configs, unsigned(nm.ident.col),
                     unsigned(nm.ident.row), unsigned(nm.ident.id));
            if (!add_result(check_np(f, c, p, vcd_dir, tag), row)) {
                return;
            }
        }
    }
}

} // namespace cosim
