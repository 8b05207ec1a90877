/*
 * cosim: the C++ side of the cross-check flow (rtl-check, tests, benchmark).
 *
 * check_np() runs one NP slice — its configuration writes and a list of input frames — on a
 * Verilated block (from an RtlFactory, so tests can substitute a variant such as Vcnp_bug)
 * with a CModelChecker attached, stops at the first mismatch and, given a VCD directory,
 * replays the same stimulus on a fresh block with a trace window around the mismatch.
 *
 * A "vector" is one frame of one configured NP slice: a randomized input event stream whose
 * every output event (value and order) and busy-cycle count are compared.
 *
 * The drivers build the NP cases: random one-layer models per block (random geometry, bits,
 * variables, slices; compiled with cmp_program_build), the layers of zoo models mapped on
 * akd1000 with the golden model's activations as inputs, and random router traffic.
 */
#ifndef COSIM_HPP
#define COSIM_HPP

#include <cstdint>
#include <string>
#include <vector>

#include "cmp/cmp_program.h"
#include "cosim/cosim.h"
#include "cosim_checker.hpp"
#include "cosim_rig.hpp"
#include "cosim_rtl.hpp"

namespace cosim {

/* One NP slice to check. */
struct NpCase {
    npu_np_kind kind = NPU_NP_CNP;              /* block */
    uint32_t layer = 0;                         /* model layer */
    mesh_ident ident = {0, 0, 0};               /* NP */
    std::vector<CfgWrite> writes;               /* its tracks */
    const uint8_t *ext = nullptr;               /* external image (FNP2) */
    size_t ext_n = 0;                           /* its bytes */
    std::vector<std::vector<npu_event>> frames; /* input events per frame */
    Stim stim;                                  /* gaps / back-pressure */
};

/* Outcome of one NP slice. */
struct NpResult {
    bool covered = true; /* the RTL accepted the configuration (no cfg_err) */
    bool ok = true;      /* no mismatch */
    CheckStats stats;    /* vectors (frames), cycles */
    Mismatch first;      /* first mismatch */
    std::string message; /* its message */
    std::string vcd;     /* VCD written ("" none) */
};

/* Checks one NP slice; vcd_dir "" = no VCD; tag names the VCD file. */
NpResult check_np(const RtlFactory &f, const NpCase &c, const npu_cost_params &p,
                  const std::string &vcd_dir, const std::string &tag);

/* Adds an NP result to a report row (counts, first message, VCD); true when it passed. */
bool add_result(const NpResult &r, cosim_row *row);
/* program_writes(), tensor_events(): cosim_rig.hpp. */

/* The cycle parameters the blocks of this build are verilated with: the -G values of
 * rtl_calib_params.h (rtl/CMakeLists.txt, from the RTL calibration file), over the akd1000
 * calibration's NP fields. */
npu_cost_params rtl_params();

/* Drivers: fill row (vectors, mismatches, cycles, first message, VCD). They stop at the
 * first mismatch. */
void check_random(const RtlFactory &f, cosim_block b, uint64_t vectors, uint64_t seed,
                  const std::string &vcd_dir, cosim_row *row);
void check_router(uint64_t vectors, uint64_t seed, cosim_row *row);
/* The layers of a zoo model (name, v1 / v2, alpha, input size, classes; 0 = defaults)
 * mapped on akd1000 (v1) or gen:cnp=64,fnp=8,v2: one row per block kind present; frames
 * random inputs. Appends rows. */
npu_status check_zoo(const RtlFactory &f, const char *name, int version, double alpha,
                     uint32_t input_size, uint32_t classes, uint32_t frames, uint64_t seed,
                     const std::string &vcd_dir, std::vector<cosim_row> *rows, npu_err *err);

} // namespace cosim

#endif /* COSIM_HPP */
