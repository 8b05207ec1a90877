/*
 * test_rig: the shared program rig of rtl/cosim/cosim_rig.hpp (hand-mapped one-layer
 * programs, random layers and inputs) with the GoogleTest failure rule of the tests that use
 * it (test_np_models, test_rtl_np): a variable the model refuses, or a program the compiler
 * refuses, fails the test (fatally) instead of being a value to check; replay() gives one
 * NP's tracks to any configuration port.
 */
#ifndef TEST_RIG_HPP
#define TEST_RIG_HPP

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <utility>
#include <vector>

#include "cosim_rig.hpp"

namespace test_rig {

using cosim::I32;

/* cosim::Rig whose var() fails the test (fatally for the calling function) when refused. */
struct Rig : cosim::Rig {
    explicit Rig(const char *mesh_name) : cosim::Rig(mesh_name) {}
    void var(uint32_t l, const char *name, std::vector<uint32_t> shape, const I32 &d) {
        ASSERT_TRUE(cosim::Rig::var(l, name, std::move(shape), d)) << e.msg;
    }
    /* cosim::Rig::finish(); a program the compiler refuses is a fatal failure. */
    bool finish() {
        const bool ok = cosim::Rig::finish();
        [&] { ASSERT_TRUE(ok) << "cmp_program_build: " << e.msg; }();
        return ok;
    }
};

/* Adds InputData of shape sh with `bits`-bit unsigned inputs. */
inline void add_input(Rig &r, npu_shape sh, uint32_t bits) {
    npu_params in = npu_params_default(NPU_INPUT_DATA);
    in.input_shape = sh;
    in.input_bits = bits;
    ASSERT_TRUE(r.add(NPU_INPUT_DATA, "input", in)) << r.e.msg;
}

/* After 8-bit InputData of shape sh: a v2 Conv2D 1x1 with one filter, no activation, 32-bit
 * output, weight w, bias b, output scale 1 and output shift `shift`. */
inline void add_conv1x1(Rig &r, npu_shape sh, int32_t w, int32_t b, int32_t shift) {
    ASSERT_NO_FATAL_FAILURE(add_input(r, sh, 8));
    npu_params p = npu_params_default(NPU_CONV2D);
    p.kernel_x = p.kernel_y = 1;
    p.filters = 1;
    p.activation = false;
    p.output_bits = 32;
    p.buffer_bits = 32;
    ASSERT_TRUE(r.add(NPU_CONV2D, "conv", p)) << r.e.msg;
    r.var(1, "weights", {1, 1, 1, 1}, {w});
    r.var(1, "bias", {1}, {b});
    r.var(1, "output_scale", {1}, {1});
    r.var(1, "output_shift", {1}, {shift});
}

/* Finalizes the model, maps layer l on one NP of type t and compiles the program. */
inline void finish_one(Rig &r, uint32_t l, mesh_np_type t) {
    ASSERT_EQ(npu_model_finalize(r.m, &r.e), NPU_OK) << r.e.msg;
    std::mt19937 rng(5);
    r.map_layer(rng, l, t, 1, 1);
    ASSERT_TRUE(r.finish()) << r.e.msg;
}

/* The tracks of NP id in pass 0, replayed into a configuration port
 * `wr(sram, region, offset, words, n)` in track order. */
template <class F>
void replay(const cmp_program *p, mesh_ident id, F wr) {
    for (const cosim::CfgWrite &w : cosim::program_writes(p, 0, id)) {
        wr(w.sram, w.region, w.offset, w.words.data(), w.words.size());
    }
}

} // namespace test_rig

#endif /* TEST_RIG_HPP */
