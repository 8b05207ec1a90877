/*
 * test_scenario: the sweep scenario parser (sim_scenario.h) — a valid scenario with every
 * section (labels, generator ranges, defaults), the cartesian product against a naive nested
 * loop (count, decoding, groups contiguous), and bad input: unknown keys with a did-you-mean
 * suggestion at every level, empty lists and ranges, malformed ranges, unknown names,
 * unreadable model / mesh / input files — each one NPU_ERR_INPUT with a message naming it.
 */
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <regex>
#include <set>
#include <string>
#include <tuple>

#include <unistd.h>

#include "akisim/sim_scenario.h"

namespace {

/* Parses text as if read from DIR/scn.yaml (relative paths resolve against /tmp). */
npu_status parse(const std::string &text, sim_scenario *s, npu_err *e) {
    npu_err_clear(e);
    return sim_scenario_parse(text.data(), text.size(), "/tmp/scn.yaml", s, e);
}

/* Expects a parse failure whose message contains every needle. */
void expect_bad(const std::string &text, std::initializer_list<const char *> needles) {
    sim_scenario s;
    npu_err e;
    ASSERT_EQ(parse(text, &s, &e), NPU_ERR_INPUT) << text;
    for (const char *n : needles)
        EXPECT_NE(std::string(e.msg).find(n), std::string::npos)
            << "message '" << e.msg << "' lacks '" << n << "'";
    EXPECT_EQ(std::string(e.msg).find('\n'), std::string::npos);
}

const char *const BASE_MESHES = "meshes: [akd1000]\n";

} // namespace

TEST(Scenario, ValidFull) {
    const std::string text = "name: demo\n"
                             "models:\n"
                             "  - ds_cnn_kws\n"
                             "  - {zoo: akidanet, alpha: 0.5, input_size: 160, seed: 3}\n"
                             "meshes:\n"
                             "  - akd1000\n"
                             "  - {preset: akd1500}\n"
                             "  - {gen: {cnp: \"8..32\", step: 8, fnp: [1, 2]}}\n"
                             "  - {gen: {cnp: \"8..40\", step: x2, v2: true}}\n"
                             "mapping: {hw_only: [true, false], map_mode: [minimal, hwpr]}\n"
                             "clock_modes: [Performance, LowPower]\n"
                             "inputs: [{random: {n: 4, seed: 9}}, {random: {seed: 2}}]\n"
                             "batch: [1, 10]\n"
                             "fidelity: exact\n";
    sim_scenario s;
    npu_err e;
    ASSERT_EQ(parse(text, &s, &e), NPU_OK) << e.msg;
    EXPECT_STREQ(s.name, "demo");
    ASSERT_EQ(s.n_models, 2u);
    EXPECT_STREQ(s.models[0].label, "ds_cnn_kws");
    EXPECT_STREQ(s.models[1].label, "akidanet:alpha=0.5,size=160,seed=3");
    EXPECT_DOUBLE_EQ(s.models[1].opts.alpha, 0.5);
    EXPECT_EQ(s.models[1].opts.input_size, 160u);
    EXPECT_EQ(s.models[1].opts.seed, 3u);
    /* 2 presets + 4 cnp x 2 fnp + (8, 16, 32) */
    ASSERT_EQ(s.n_meshes, 2u + 8u + 3u);
    EXPECT_STREQ(s.meshes[0].label, "akd1000");
    EXPECT_EQ(s.meshes[0].nps, 78u);
    EXPECT_STREQ(s.meshes[2].label, "gen:cnp=8,fnp=1");
    EXPECT_STREQ(s.meshes[3].label, "gen:cnp=8,fnp=2");
    EXPECT_STREQ(s.meshes[9].label, "gen:cnp=32,fnp=2");
    EXPECT_STREQ(s.meshes[10].label, "gen:cnp=8,fnp=2,v2");
    EXPECT_STREQ(s.meshes[12].label, "gen:cnp=32,fnp=2,v2");
    EXPECT_EQ(s.meshes[2].nps, 9u);
    EXPECT_EQ(s.n_hw_only, 2u);
    EXPECT_TRUE(s.hw_only[0]);
    EXPECT_EQ(s.n_map_modes, 2u);
    EXPECT_EQ(s.map_modes[1], CMP_MAP_HWPR);
    EXPECT_EQ(s.n_clocks, 2u);
    EXPECT_EQ(s.clocks[1], MESH_CLOCK_LOWPOWER);
    ASSERT_EQ(s.n_inputs, 2u);
    EXPECT_STREQ(s.inputs[0].label, "random:n=4,seed=9");
    EXPECT_STREQ(s.inputs[1].label, "random:seed=2");
    ASSERT_EQ(s.n_batches, 2u);
    EXPECT_EQ(s.batches[1], 10u);
    EXPECT_EQ(sim_scenario_count(&s), 2u * 2u * 13u * 2u * 2u * 2u * 2u);
    char line[256];
    sim_scenario_describe(&s, line, sizeof line);
    EXPECT_NE(std::string(line).find("= 832 points"), std::string::npos) << line;
    sim_scenario_free(&s);
}

TEST(Scenario, Defaults) {
    sim_scenario s;
    npu_err e;
    ASSERT_EQ(parse("models: [ds_cnn_kws]\nmeshes: [akd1000, twonodes]\n", &s, &e), NPU_OK)
        << e.msg;
    EXPECT_STREQ(s.name, "scn");
    EXPECT_EQ(s.n_hw_only, 1u);
    EXPECT_FALSE(s.hw_only[0]);
    EXPECT_EQ(s.n_map_modes, 1u);
    EXPECT_EQ(s.map_modes[0], CMP_MAP_ALLNPS);
    EXPECT_EQ(s.clocks[0], MESH_CLOCK_PERFORMANCE);
    EXPECT_EQ(s.n_inputs, 1u);
    EXPECT_EQ(s.inputs[0].kind, SIM_SCN_INPUT_RANDOM);
    EXPECT_EQ(s.n_batches, 1u);
    EXPECT_EQ(s.batches[0], 1u);
    EXPECT_EQ(s.fidelity, SIM_FIDELITY_EXACT);
    EXPECT_EQ(sim_scenario_count(&s), 2u);
    sim_scenario_free(&s);
}

/* The product against an independent nested loop: every tuple once, in nesting order, groups
 * contiguous and numbered model * inputs + input. */
TEST(Scenario, CartesianProduct) {
    const std::string text = "models: [ds_cnn_kws, gxnor_mnist, {zoo: akidanet, alpha: 0.25}]\n"
                             "meshes: [akd1000, {gen: {cnp: \"4..12\", step: 4}}]\n"
                             "mapping: {hw_only: [false, true], map_mode: [minimal, allnps, "
                             "hwpr]}\n"
                             "clock_modes: [Economy, Performance]\n"
                             "inputs: [{random: {seed: 1}}, {random: {seed: 2}}]\n"
                             "batch: [1, 2, 5]\n";
    sim_scenario s;
    npu_err e;
    ASSERT_EQ(parse(text, &s, &e), NPU_OK) << e.msg;
    const size_t expect = 3 * 2 * 4 * 2 * 3 * 2 * 3;
    ASSERT_EQ(sim_scenario_count(&s), expect);
    size_t i = 0;
    std::set<std::tuple<int, int, int, int, int, int, int>> seen;
    for (uint32_t m = 0; m < 3; m++)
        for (uint32_t in = 0; in < 2; in++)
            for (uint32_t me = 0; me < 4; me++)
                for (uint32_t hw = 0; hw < 2; hw++)
                    for (uint32_t mp = 0; mp < 3; mp++)
                        for (uint32_t c = 0; c < 2; c++)
                            for (uint32_t b = 0; b < 3; b++, i++) {
                                const sim_point p = sim_scenario_point(&s, i);
                                EXPECT_EQ(p.index, i);
                                EXPECT_EQ(p.model, m);
                                EXPECT_EQ(p.input, in);
                                EXPECT_EQ(p.mesh, me);
                                EXPECT_EQ(p.hw, hw);
                                EXPECT_EQ(p.map, mp);
                                EXPECT_EQ(p.clock, c);
                                EXPECT_EQ(p.batch, b);
                                EXPECT_EQ(sim_scenario_group(&s, i), m * 2 + in);
                                seen.insert({(int)p.model, (int)p.input, (int)p.mesh, (int)p.hw,
                                             (int)p.map, (int)p.clock, (int)p.batch});
                            }
    EXPECT_EQ(seen.size(), expect);
    sim_scenario_free(&s);
}

TEST(Scenario, UnknownKeysSuggest) {
    expect_bad(std::string("modles: [ds_cnn_kws]\n") + BASE_MESHES,
               {"scn.yaml:1", "unknown key 'modles'", "did you mean 'models'"});
    expect_bad(std::string("models: [ds_cnn_kws]\n") + BASE_MESHES + "mapping: {hw_onyl: true}\n",
               {"unknown key 'hw_onyl'", "did you mean 'hw_only'"});
    expect_bad(std::string("models: [{zoo: akidanet, alpah: 0.5}]\n") + BASE_MESHES,
               {"unknown key 'alpah'", "did you mean 'alpha'"});
    expect_bad("models: [ds_cnn_kws]\nmeshes: [{gen: {cpn: 8}}]\n",
               {"unknown key 'cpn'", "did you mean 'cnp'"});
    expect_bad(std::string("models: [ds_cnn_kws]\n") + BASE_MESHES + "inputs: {random: {sed: 1}}\n",
               {"unknown key 'sed'", "did you mean 'seed'"});
    expect_bad(std::string("models: [akidanett]\n") + BASE_MESHES,
               {"unknown zoo model 'akidanett'", "did you mean 'akidanet'"});
    expect_bad(std::string("models: [ds_cnn_kws]\n") + BASE_MESHES + "clock_modes: [Performnce]\n",
               {"did you mean 'Performance'"});
    expect_bad(std::string("models: [ds_cnn_kws]\n") + BASE_MESHES +
                   "mapping: {map_mode: [allnp]}\n",
               {"did you mean 'allnps'"});
    /* far from every key: the known keys are listed instead */
    expect_bad(std::string("models: [ds_cnn_kws]\n") + BASE_MESHES + "zzzzzzzz: 1\n",
               {"unknown key 'zzzzzzzz'", "known: name"});
}

TEST(Scenario, EmptySweep) {
    expect_bad(std::string("models: []\n") + BASE_MESHES, {"'models' is an empty list"});
    expect_bad("models: [ds_cnn_kws]\nmeshes:\n", {"'meshes' is empty"});
    expect_bad(std::string("models: [ds_cnn_kws]\n") + BASE_MESHES + "batch: []\n",
               {"'batch' is an empty list"});
    expect_bad(std::string("models: [ds_cnn_kws]\n") + BASE_MESHES + "mapping: {map_mode: []}\n",
               {"empty list"});
    expect_bad("models: [ds_cnn_kws]\nmeshes: [{gen: {cnp: \"128..8\"}}]\n",
               {"range '128..8' gives no values"});
    expect_bad("models: [ds_cnn_kws]\nmeshes: [{gen: {cnp: []}}]\n", {"empty list"});
    expect_bad(std::string("meshes: [akd1000]\n"), {"'models' is required"});
}

TEST(Scenario, BadValues) {
    const char *const ranges[] = {"\"8..x\"", "\"a..b\"", "\"8...16\"",
                                  "\"..8\"",  "\"8..\"",  "\"-1..4\""};
    for (const char *r : ranges)
        expect_bad(std::string("models: [ds_cnn_kws]\nmeshes: [{gen: {cnp: ") + r + "}}]\n",
                   {"malformed range"});
    expect_bad("models: [ds_cnn_kws]\nmeshes: [{gen: {cnp: \"8..16\", step: 0}}]\n", {"step"});
    expect_bad("models: [ds_cnn_kws]\nmeshes: [{gen: {cnp: \"8..16\", step: x1}}]\n", {"step"});
    expect_bad(std::string("models: [{zoo: akidanet, alpha: 9}]\n") + BASE_MESHES, {"alpha"});
    expect_bad(std::string("models: [ds_cnn_kws]\n") + BASE_MESHES + "batch: [0]\n", {"batch"});
    expect_bad(std::string("models: [ds_cnn_kws]\n") + BASE_MESHES + "mapping: {hw_only: maybe}\n",
               {"true or false"});
    expect_bad(std::string("models: [ds_cnn_kws]\n") + BASE_MESHES +
                   "mapping: {hw_only: [true, true]}\n",
               {"listed twice"});
    expect_bad(std::string("models: [ds_cnn_kws]\n") + BASE_MESHES + "fidelity: rough\n",
               {"fidelity"});
    expect_bad("models: [ds_cnn_kws]\nmeshes: [akd9999]\n", {"mesh 'akd9999'"});
    expect_bad("models: [ds_cnn_kws]\nmeshes: [{gen: {cnp: 5000}}]\n", {"cnp", "4096"});
    expect_bad("models: [ds_cnn_kws\n", {"malformed YAML"});
    expect_bad("- a\n- b\n", {"a scenario is a YAML mapping"});
}

TEST(Scenario, UnreadableFiles) {
    expect_bad(std::string("models: [ds_cnn_kws]\n") + BASE_MESHES +
                   "inputs: {npy: akisim_no_such_file.npy}\n",
               {"input 'akisim_no_such_file.npy' cannot be read"});
    expect_bad(std::string("models: [ds_cnn_kws]\n") + BASE_MESHES +
                   "inputs: {dataset: {x: akisim_none_x.npy, labels: y.npy}}\n",
               {"cannot be read"});
    expect_bad(std::string("models: [{file: akisim_no_model/model.json}]\n") + BASE_MESHES,
               {"model file 'akisim_no_model/model.json' cannot be used"});
    expect_bad("models: [ds_cnn_kws]\nmeshes: [{file: akisim_no_mesh.yaml}]\n",
               {"mesh 'akisim_no_mesh.yaml'"});
    /* an existing file that is not an .npy */
    char tmpl[] = "/tmp/akisim_scn_XXXXXX";
    const int fd = mkstemp(tmpl);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(write(fd, "hello", 5), 5);
    close(fd);
    expect_bad(std::string("models: [ds_cnn_kws]\n") + BASE_MESHES + "inputs: {npy: " + tmpl +
                   "}\n",
               {"cannot be read"});
    unlink(tmpl);
}

TEST(Scenario, LoadMissingFile) {
    sim_scenario s;
    npu_err e;
    npu_err_clear(&e);
    EXPECT_EQ(sim_scenario_load("/nonexistent/akisim.yaml", &s, &e), NPU_ERR_INPUT);
    EXPECT_NE(std::string(e.msg).find("/nonexistent/akisim.yaml"), std::string::npos);
}

TEST(Scenario, Suggest) {
    const char *const words[] = {"models", "meshes", "mapping"};
    EXPECT_STREQ(sim_scn_suggest("mesh", words, 3), "meshes");
    EXPECT_STREQ(sim_scn_suggest("mapings", words, 3), "mapping");
    EXPECT_EQ(sim_scn_suggest("xyzzyplugh", words, 3), nullptr);
}

/* The shipped scenarios parse, with the sizes their comments state ("= N points" or ": N
 * points", the first number before "points"); fmnist.yaml only when its data directory (made
 * by `akisim dataset`, not committed) exists. */
TEST(Scenario, Shipped) {
    for (const char *f : {"default.yaml", "mesh-scaling.yaml", "fmnist.yaml"}) {
        const std::string dir = std::string(AKISIM_SOURCE_DIR) + "/scenarios/";
        if (std::string(f) == "fmnist.yaml" &&
            access((dir + "fmnist/data/labels.npy").c_str(), R_OK))
            continue;
        sim_scenario s;
        npu_err e;
        npu_err_clear(&e);
        ASSERT_EQ(sim_scenario_load((dir + f).c_str(), &s, &e), NPU_OK) << e.msg;
        const std::string text(s.text, s.text_len);
        std::smatch m;
        ASSERT_TRUE(std::regex_search(text, m, std::regex("(\\d+) points"))) << f;
        EXPECT_EQ(sim_scenario_count(&s), std::stoul(m[1].str())) << f;
        sim_scenario_free(&s);
    }
}
