// test_mesh: the mesh module — presets against akida-facts.md §1 (totals per type, grid, DMA
// endpoints, empty positions), the generator (hand-computed grids, fill order, a randomized
// property test against an independent reference written here), YAML round trips, the example
// file scenarios/meshes/akd1000.yaml, every bad-input case with its message, the text and JSON
// views, and the `akisim mesh` CLI.
#include <gtest/gtest.h>

#include <libfyaml.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <set>
#include <string>
#include <sys/wait.h>
#include <tuple>
#include <unistd.h>
#include <vector>

extern "C" {
#include "mesh/mesh.h"
}

namespace {

constexpr uint32_t bit(mesh_np_type t) {
    return 1u << static_cast<unsigned>(t);
}
constexpr uint32_t C1 = bit(MESH_NP_CNP1), C2 = bit(MESH_NP_CNP2), F2 = bit(MESH_NP_FNP2),
                   F3 = bit(MESH_NP_FNP3), TB = bit(MESH_NP_TNP_B);

// RAII holder so failing assertions do not leak.
struct Mesh {
    mesh_desc m{};
    npu_err err{};
    npu_status st = NPU_OK;
    ~Mesh() {
        mesh_free(&m);
    }
    npu_status load(const std::string &spec) {
        npu_err_clear(&err);
        st = mesh_load(spec.c_str(), &m, &err);
        return st;
    }
    npu_status parse(const std::string &text, const char *file = "test.yaml") {
        npu_err_clear(&err);
        st = mesh_parse_yaml(text.data(), text.size(), file, &m, &err);
        return st;
    }
};

std::string take(char *s) {
    std::string r = s ? s : "";
    free(s);
    return r;
}

size_t count_substr(const std::string &hay, const std::string &needle) {
    size_t n = 0;
    for (size_t p = hay.find(needle); p != std::string::npos; p = hay.find(needle, p + 1))
        n++;
    return n;
}

// Counts slots with a type by scanning the array (independent of mesh_count_type).
uint32_t count_bits(const mesh_desc &m, uint32_t b) {
    uint32_t n = 0;
    for (uint32_t i = 0; i < m.n_nps; i++)
        n += (m.nps[i].types & b) ? 1u : 0u;
    return n;
}

const mesh_np *find(const mesh_desc &m, int col, int row, int id) {
    for (uint32_t i = 0; i < m.n_nps; i++)
        if (m.nps[i].ident.col == col && m.nps[i].ident.row == row && m.nps[i].ident.id == id)
            return &m.nps[i];
    return nullptr;
}

void expect_ident(mesh_ident a, int col, int row, int id) {
    EXPECT_EQ(a.col, col);
    EXPECT_EQ(a.row, row);
    EXPECT_EQ(a.id, id);
}

// Field-by-field equality of two meshes.
void expect_equal(const mesh_desc &a, const mesh_desc &b) {
    EXPECT_STREQ(a.name, b.name);
    EXPECT_EQ(a.ip_version, b.ip_version);
    EXPECT_EQ(a.cols, b.cols);
    EXPECT_EQ(a.rows, b.rows);
    EXPECT_EQ(a.has_hrc, b.has_hrc);
    if (a.has_hrc && b.has_hrc)
        expect_ident(a.hrc, b.hrc.col, b.hrc.row, b.hrc.id);
    expect_ident(a.dma_conf, b.dma_conf.col, b.dma_conf.row, b.dma_conf.id);
    expect_ident(a.dma_event, b.dma_event.col, b.dma_event.row, b.dma_event.id);
    EXPECT_EQ(a.skip_dma, b.skip_dma);
    EXPECT_EQ(a.input_sram, b.input_sram);
    EXPECT_EQ(a.weight_sram, b.weight_sram);
    EXPECT_EQ(a.partial_reconfig, b.partial_reconfig);
    EXPECT_EQ(a.clock_mhz, b.clock_mhz);
    EXPECT_EQ(a.external_memory, b.external_memory);
    ASSERT_EQ(a.n_nps, b.n_nps);
    for (uint32_t i = 0; i < a.n_nps; i++) {
        expect_ident(a.nps[i].ident, b.nps[i].ident.col, b.nps[i].ident.row, b.nps[i].ident.id);
        EXPECT_EQ(a.nps[i].types, b.nps[i].types) << "slot " << i;
    }
}

// ---------------------------------------------------------------- presets

struct PresetFacts {
    const char *name;
    int ipv;
    uint32_t cols, rows, nps, cnp1, cnp2, fnp2, fnp3, tnpb;
    int ev_col, ev_row, conf_col, conf_row;
    uint32_t clock;
    bool pr;
    uint32_t skip;
};

// akida-facts.md §1 "Device layouts" (twonodes' clock and sixnodes-v2's FNP split inferred).
const PresetFacts kPresets[] = {
    {"akd1000", 1, 5, 5, 78, 78, 54, 4, 18, 0, 3, 1, 3, 1, 300, false, 0},
    {"akd1500", 1, 3, 3, 32, 32, 21, 1, 7, 0, 1, 1, 1, 1, 400, true, 0},
    {"twonodes", 1, 1, 3, 8, 8, 3, 1, 1, 0, 1, 1, 1, 1, 300, false, 0},
    {"sixnodes-v2", 2, 3, 3, 24, 24, 24, 1, 5, 24, 1, 1, 1, 1, 25, true, 4},
};

TEST(MeshPreset, TotalsMatchFacts) {
    for (const PresetFacts &f : kPresets) {
        SCOPED_TRACE(f.name);
        Mesh x;
        ASSERT_EQ(x.load(f.name), NPU_OK) << x.err.msg;
        const mesh_desc &m = x.m;
        EXPECT_STREQ(m.name, f.name);
        EXPECT_EQ(m.ip_version, f.ipv);
        EXPECT_EQ(m.cols, f.cols);
        EXPECT_EQ(m.rows, f.rows);
        EXPECT_EQ(m.n_nps, f.nps);
        EXPECT_EQ(count_bits(m, C1), f.cnp1);
        EXPECT_EQ(count_bits(m, C2), f.cnp2);
        EXPECT_EQ(count_bits(m, F2), f.fnp2);
        EXPECT_EQ(count_bits(m, F3), f.fnp3);
        EXPECT_EQ(count_bits(m, TB), f.tnpb);
        EXPECT_EQ(mesh_count_type(&m, MESH_NP_CNP1), f.cnp1);
        EXPECT_EQ(mesh_count_type(&m, MESH_NP_CNP2), f.cnp2);
        EXPECT_EQ(mesh_count_type(&m, MESH_NP_FNP2), f.fnp2);
        EXPECT_EQ(mesh_count_type(&m, MESH_NP_FNP3), f.fnp3);
        EXPECT_EQ(mesh_count_type(&m, MESH_NP_TNP_B), f.tnpb);
        EXPECT_EQ(mesh_count_type(&m, MESH_NP_HRC), 1u);
        EXPECT_TRUE(m.has_hrc);
        expect_ident(m.dma_event, f.ev_col, f.ev_row, 0);
        expect_ident(m.dma_conf, f.conf_col, f.conf_row, 1);
        EXPECT_EQ(m.clock_mhz, f.clock);
        EXPECT_EQ(m.partial_reconfig, f.pr);
        EXPECT_EQ(m.skip_dma, f.skip);
        EXPECT_EQ(m.input_sram, f.ipv == 1 ? 43008u : 65536u);
        EXPECT_EQ(m.weight_sram, f.ipv == 1 ? 44800u : 51200u);
        EXPECT_GT(m.external_memory, 0u);
        // no NP slot carries HRC, and slots are sorted by (col, row, id) without duplicates
        EXPECT_EQ(count_bits(m, bit(MESH_NP_HRC)), 0u);
        for (uint32_t i = 1; i < m.n_nps; i++) {
            const mesh_ident a = m.nps[i - 1].ident, b = m.nps[i].ident;
            EXPECT_LT(std::make_tuple(a.col, a.row, a.id), std::make_tuple(b.col, b.row, b.id));
        }
    }
}

TEST(MeshPreset, Akd1000Layout) {
    Mesh x;
    ASSERT_EQ(x.load("akd1000"), NPU_OK) << x.err.msg;
    const std::set<std::pair<int, int>> empty = {{1, 1}, {1, 2}, {2, 1}, {2, 2}, {5, 1}};
    int used_nodes = 0;
    for (int c = 1; c <= 5; c++)
        for (int r = 1; r <= 5; r++) {
            int slots = 0;
            for (int id = 0; id < 4; id++)
                slots += find(x.m, c, r, id) ? 1 : 0;
            EXPECT_EQ(slots == 0, empty.count({c, r}) == 1) << "(" << c << "," << r << ")";
            used_nodes += slots ? 1 : 0;
        }
    EXPECT_EQ(used_nodes, 20);
    // (3,1): ids 0,1 are the DMA endpoints, ids 2,3 CNP1 only
    EXPECT_EQ(find(x.m, 3, 1, 0), nullptr);
    EXPECT_EQ(find(x.m, 3, 1, 1), nullptr);
    ASSERT_NE(find(x.m, 3, 1, 2), nullptr);
    EXPECT_EQ(find(x.m, 3, 1, 2)->types, C1);
    EXPECT_EQ(find(x.m, 3, 1, 3)->types, C1);
    for (int id = 0; id < 4; id++) {
        ASSERT_NE(find(x.m, 4, 1, id), nullptr);
        EXPECT_EQ(find(x.m, 4, 1, id)->types, C1 | F2);
    }
    // a standard node: id0 {CNP1, FNP3}, ids 1-3 {CNP1, CNP2}
    for (auto [c, r] : std::vector<std::pair<int, int>>{{1, 3}, {2, 5}, {3, 2}, {5, 2}, {5, 5}}) {
        ASSERT_NE(find(x.m, c, r, 0), nullptr);
        EXPECT_EQ(find(x.m, c, r, 0)->types, C1 | F3);
        for (int id = 1; id < 4; id++)
            EXPECT_EQ(find(x.m, c, r, id)->types, C1 | C2);
    }
    mesh_ident probe = {4, 1, 2};
    ASSERT_NE(mesh_find(&x.m, probe), nullptr);
    EXPECT_EQ(mesh_find(&x.m, probe)->types, C1 | F2);
    probe = {1, 1, 0};
    EXPECT_EQ(mesh_find(&x.m, probe), nullptr);
}

TEST(MeshPreset, Akd1500AndTwoNodesLayout) {
    Mesh a;
    ASSERT_EQ(a.load("akd1500"), NPU_OK) << a.err.msg;
    EXPECT_EQ(find(a.m, 1, 2, 0)->types, C1 | F2);
    for (int id = 1; id < 4; id++)
        EXPECT_EQ(find(a.m, 1, 2, id)->types, C1);
    for (int id = 0; id < 4; id++)
        EXPECT_EQ(find(a.m, 1, 1, id), nullptr);
    for (auto [c, r] :
         std::vector<std::pair<int, int>>{{1, 3}, {2, 1}, {2, 2}, {2, 3}, {3, 1}, {3, 2}, {3, 3}})
        EXPECT_EQ(find(a.m, c, r, 0)->types, C1 | F3);
    Mesh t;
    ASSERT_EQ(t.load("TwoNodes"), NPU_OK) << t.err.msg; // names are case-insensitive
    EXPECT_EQ(find(t.m, 1, 2, 0)->types, C1 | F2);
    EXPECT_EQ(find(t.m, 1, 3, 0)->types, C1 | F3);
    EXPECT_EQ(find(t.m, 1, 3, 3)->types, C1 | C2);
}

TEST(MeshPreset, PresetListAndTypeNames) {
    ASSERT_EQ(mesh_preset_count(), 4u);
    EXPECT_STREQ(mesh_preset_name(0), "akd1000");
    EXPECT_EQ(mesh_preset_name(4), nullptr);
    for (int t = 0; t < MESH_NP_TYPE_COUNT; t++) {
        mesh_np_type back;
        ASSERT_TRUE(mesh_np_type_from_name(mesh_np_type_name((mesh_np_type)t), &back));
        EXPECT_EQ(back, (mesh_np_type)t);
    }
    EXPECT_FALSE(mesh_np_type_from_name("cnp1", nullptr));
    EXPECT_STREQ(mesh_np_type_code(MESH_NP_FNP3), "F3");
}

// ---------------------------------------------------------------- generator

struct GridCase {
    uint32_t cnp, fnp, cols, rows;
};

// Hand-computed: n = 1 (DMA node) + ceil((cnp + fnp) / 4) nodes; k = floor(sqrt n),
// cols = k + ceil(f), rows = k + round(f), f = sqrt(n) - k.
const GridCase kGrids[] = {
    {1, 0, 2, 1},      // n=2: sqrt 1.41 -> 2x1
    {4, 0, 2, 1},      // n=2
    {4, 3, 2, 2},      // 7 NPs, 2 nodes, n=3: sqrt 1.73 -> 2x2
    {8, 1, 2, 2},      // 3 nodes, n=4: 2x2
    {16, 4, 3, 2},     // 5 nodes, n=6: sqrt 2.45 -> 3x2
    {24, 0, 3, 3},     // 6 nodes, n=7: sqrt 2.65 -> 3x3
    {32, 0, 3, 3},     // 8 nodes, n=9: 3x3
    {36, 0, 4, 3},     // 9 nodes, n=10: sqrt 3.16 -> 4x3
    {50, 2, 4, 4},     // 13 nodes, n=14: sqrt 3.74 -> 4x4
    {100, 0, 6, 5},    // 25 nodes, n=26: sqrt 5.10 -> 6x5
    {0, 5, 2, 2},      // 2 nodes, n=3
    {4096, 0, 33, 32}, // 1024 nodes, n=1025: sqrt 32.02 -> 33x32
};

TEST(MeshGen, HandComputedGrids) {
    for (const GridCase &g : kGrids) {
        std::string spec = "gen:cnp=" + std::to_string(g.cnp) + ",fnp=" + std::to_string(g.fnp);
        SCOPED_TRACE(spec);
        Mesh x;
        ASSERT_EQ(x.load(spec), NPU_OK) << x.err.msg;
        EXPECT_EQ(x.m.cols, g.cols);
        EXPECT_EQ(x.m.rows, g.rows);
        EXPECT_EQ(x.m.n_nps, g.cnp + g.fnp);
        EXPECT_EQ(count_bits(x.m, C1), g.cnp);
        EXPECT_EQ(count_bits(x.m, F2), g.fnp ? 1u : 0u);
        EXPECT_EQ(count_bits(x.m, F3), g.fnp ? g.fnp - 1 : 0u);
        expect_ident(x.m.dma_event, 1, 1, 0);
        expect_ident(x.m.dma_conf, 1, 1, 1);
        EXPECT_STREQ(x.m.name, spec.c_str());
    }
}

TEST(MeshGen, FillOrderFnp2First) {
    Mesh x;
    ASSERT_EQ(x.load("gen:cnp=4,fnp=3"), NPU_OK) << x.err.msg;
    // 2x2 grid, column-major from (1,2): CNPs fill (1,2) ids 0-3, then FNP2 (2,1,0), FNP3
    // (2,1,1..2)
    for (int id = 0; id < 4; id++)
        EXPECT_EQ(find(x.m, 1, 2, id)->types, C1 | C2);
    EXPECT_EQ(find(x.m, 2, 1, 0)->types, F2);
    EXPECT_EQ(find(x.m, 2, 1, 1)->types, F3);
    EXPECT_EQ(find(x.m, 2, 1, 2)->types, F3);
    EXPECT_EQ(find(x.m, 2, 1, 3), nullptr);
    EXPECT_EQ(find(x.m, 2, 2, 0), nullptr);
    EXPECT_FALSE(x.m.partial_reconfig);
    EXPECT_EQ(x.m.ip_version, 1);
    EXPECT_TRUE(x.m.has_hrc);

    Mesh y;
    ASSERT_EQ(y.load("gen:cnp=8,fnp=1"), NPU_OK) << y.err.msg;
    EXPECT_EQ(find(y.m, 1, 2, 3)->types, C1 | C2);
    EXPECT_EQ(find(y.m, 2, 1, 0)->types, C1 | C2);
    EXPECT_EQ(find(y.m, 2, 2, 0)->types, F2);
}

TEST(MeshGen, V2AndNoHrc) {
    Mesh x;
    ASSERT_EQ(x.load("gen:cnp=6,fnp=2,v2,no-hrc"), NPU_OK) << x.err.msg;
    EXPECT_EQ(x.m.ip_version, 2);
    EXPECT_FALSE(x.m.has_hrc);
    EXPECT_EQ(mesh_count_type(&x.m, MESH_NP_HRC), 0u);
    EXPECT_EQ(count_bits(x.m, TB), 6u);
    EXPECT_EQ(count_bits(x.m, C1 | C2 | TB), 6u);
    EXPECT_EQ(x.m.input_sram, 65536u);
    EXPECT_EQ(x.m.weight_sram, 51200u);
    EXPECT_TRUE(x.m.partial_reconfig);
    EXPECT_EQ(x.m.skip_dma, 4u);
    Mesh v1;
    ASSERT_EQ(v1.load("gen:fnp=1,v1"), NPU_OK) << v1.err.msg;
    EXPECT_EQ(v1.m.n_nps, 1u);
    EXPECT_EQ(v1.m.nps[0].types, F2);
}

// Property test: random (cnp, fnp) against an independent reference of the layout.
TEST(MeshGen, RandomizedAgainstReference) {
    std::mt19937 rng(12345);
    for (int iter = 0; iter < 300; iter++) {
        const uint32_t cnp = rng() % 300, fnp = rng() % 40 + (cnp == 0 ? 1 : 0);
        const bool v2 = rng() % 2;
        std::string spec =
            "gen:cnp=" + std::to_string(cnp) + ",fnp=" + std::to_string(fnp) + (v2 ? ",v2" : "");
        SCOPED_TRACE(spec);
        Mesh x;
        ASSERT_EQ(x.load(spec), NPU_OK) << x.err.msg;
        const int64_t total = cnp + fnp;
        const int64_t n = 1 + (total + 3) / 4;
        const double s = std::sqrt(static_cast<double>(n));
        const double k = std::floor(s), f = s - k;
        const int64_t cols = static_cast<int64_t>(k + std::ceil(f));
        const int64_t rows = static_cast<int64_t>(k + std::round(f));
        ASSERT_EQ(x.m.cols, cols);
        ASSERT_EQ(x.m.rows, rows);
        ASSERT_GE(cols * rows, n);
        // enumerate positions column-major, skipping (1,1)
        std::vector<std::tuple<int, int, int>> want;
        for (int64_t c = 1; c <= cols; c++)
            for (int64_t r = 1; r <= rows; r++) {
                if (c == 1 && r == 1)
                    continue;
                for (int id = 0; id < 4; id++)
                    if (static_cast<int64_t>(want.size()) < total)
                        want.emplace_back(c, r, id);
            }
        ASSERT_EQ(static_cast<int64_t>(want.size()), total);
        ASSERT_EQ(x.m.n_nps, static_cast<uint32_t>(total));
        for (int64_t i = 0; i < total; i++) {
            const mesh_np &np = x.m.nps[i];
            EXPECT_EQ(std::make_tuple(int(np.ident.col), int(np.ident.row), int(np.ident.id)),
                      want[i]);
            uint32_t t = i < cnp ? (C1 | C2 | (v2 ? TB : 0u)) : (i == cnp ? F2 : F3);
            EXPECT_EQ(np.types, t) << "slot " << i;
        }
    }
}

// ---------------------------------------------------------------- YAML

std::string tmp_path(const std::string &leaf) {
    return std::string(AKISIM_BINARY_DIR) + "/test_mesh_" + std::to_string(getpid()) + "_" + leaf;
}

TEST(MeshYaml, RoundTripPresetsAndGenerated) {
    for (const char *spec : {"akd1000", "akd1500", "twonodes", "sixnodes-v2", "gen:cnp=13,fnp=3",
                             "gen:cnp=9,fnp=0,v2,no-hrc"}) {
        SCOPED_TRACE(spec);
        Mesh a;
        ASSERT_EQ(a.load(spec), NPU_OK) << a.err.msg;
        const std::string text = take(mesh_to_yaml(&a.m));
        ASSERT_FALSE(text.empty());
        Mesh b;
        ASSERT_EQ(b.parse(text), NPU_OK) << b.err.msg << "\n" << text;
        expect_equal(b.m, a.m);
        // through a file as well
        const std::string path = tmp_path("rt.yaml");
        npu_err err;
        npu_err_clear(&err);
        ASSERT_EQ(mesh_save_yaml(&a.m, path.c_str(), &err), NPU_OK) << err.msg;
        Mesh c;
        ASSERT_EQ(c.load(path), NPU_OK) << c.err.msg;
        expect_equal(c.m, a.m);
        std::remove(path.c_str());
    }
}

TEST(MeshYaml, ExampleFileEqualsPreset) {
    Mesh file, preset;
    ASSERT_EQ(file.load(std::string(AKISIM_SOURCE_DIR) + "/scenarios/meshes/akd1000.yaml"), NPU_OK)
        << file.err.msg;
    ASSERT_EQ(preset.load("akd1000"), NPU_OK);
    expect_equal(file.m, preset.m);
}

TEST(MeshYaml, ExampleFilesLoad) {
    for (const char *leaf : {"akd1500.yaml", "twonodes.yaml", "sixnodes-v2.yaml"}) {
        SCOPED_TRACE(leaf);
        Mesh file, preset;
        ASSERT_EQ(file.load(std::string(AKISIM_SOURCE_DIR) + "/scenarios/meshes/" + leaf), NPU_OK)
            << file.err.msg;
        std::string name = leaf;
        ASSERT_EQ(preset.load(name.substr(0, name.size() - 5)), NPU_OK);
        expect_equal(file.m, preset.m);
    }
}

// A small valid v1 mesh: 2 cols x 2 rows, DMA at (1,1), nodes (1,2) and (2,1).
const char kBase[] = R"(version: 1
ip_version: 1
cols: 2
rows: 2
clock_mhz: 100
input_sram: 1000
weight_sram: 2000
dma_event: [1, 1, 0]
dma_conf: [1, 1, 1]
nodes:
  - col: 1
    row: 2
    slots:
      - {id: 0, types: [CNP1, FNP3]}
      - {id: 1, types: [CNP1, CNP2]}
  - col: 2
    row: 1
    slots:
      - {id: 3, types: [FNP2]}
)";

std::string with(const std::string &from, const std::string &to) {
    std::string s = kBase;
    size_t p = s.find(from);
    EXPECT_NE(p, std::string::npos) << from;
    if (p != std::string::npos)
        s.replace(p, from.size(), to);
    return s;
}

TEST(MeshYaml, BaseAndDefaults) {
    Mesh x;
    ASSERT_EQ(x.parse(kBase, "dir/small.yaml"), NPU_OK) << x.err.msg;
    EXPECT_STREQ(x.m.name, "small"); // default name: file base name without extension
    EXPECT_EQ(x.m.n_nps, 3u);
    EXPECT_EQ(x.m.clock_mhz, 100u);
    EXPECT_EQ(x.m.input_sram, 1000u);
    EXPECT_EQ(x.m.weight_sram, 2000u);
    EXPECT_TRUE(x.m.has_hrc);
    expect_ident(x.m.hrc, 1, 1, 0);
    EXPECT_FALSE(x.m.partial_reconfig);
    EXPECT_EQ(x.m.skip_dma, 0u);
    EXPECT_EQ(find(x.m, 2, 1, 3)->types, F2);
    Mesh y;
    ASSERT_EQ(y.parse(with("clock_mhz: 100\ninput_sram: 1000\nweight_sram: 2000\n",
                           "hrc: [2, 2, 0]\nname: \"x: y\"\n")),
              NPU_OK)
        << y.err.msg;
    EXPECT_EQ(y.m.input_sram, 43008u); // v1 defaults
    EXPECT_EQ(y.m.weight_sram, 44800u);
    expect_ident(y.m.hrc, 2, 2, 0);
    EXPECT_STREQ(y.m.name, "x: y");
    Mesh z; // the HRC at its own position survives a round trip
    ASSERT_EQ(z.parse(take(mesh_to_yaml(&y.m))), NPU_OK) << z.err.msg;
    expect_equal(z.m, y.m);
    Mesh h;
    ASSERT_EQ(h.parse(with("clock_mhz: 100\n", "hrc: false\n")), NPU_OK) << h.err.msg;
    EXPECT_FALSE(h.m.has_hrc);
}

struct BadCase {
    const char *what;
    std::string text;
    std::vector<std::string> msg; // substrings the message must contain
};

TEST(MeshYaml, BadInputs) {
    const std::vector<BadCase> cases = {
        {"malformed", "version: 1\nnodes: [\n", {"bad.yaml", "malformed YAML"}},
        {"not a mapping", "- 1\n- 2\n", {"bad.yaml", "expected a mapping"}},
        {"empty", "", {"bad.yaml"}},
        {"unknown top key",
         with("cols: 2\n", "cols: 2\ncolour: red\n"),
         {"bad.yaml:", "unknown key 'colour'"}},
        {"unknown node key",
         with("  - col: 2\n", "  - col: 2\n    extra: 1\n"),
         {"nodes[1]", "unknown key 'extra'"}},
        {"unknown slot key",
         with("{id: 3, types: [FNP2]}", "{id: 3, types: [FNP2], x: 1}"),
         {"nodes[1].slots[0]", "unknown key 'x'"}},
        {"missing nodes", with("nodes:", "nodez:"), {"unknown key 'nodez'"}},
        {"missing key", with("cols: 2\n", ""), {"missing key 'cols'"}},
        {"duplicate ident in node",
         with("{id: 1, types: [CNP1, CNP2]}", "{id: 0, types: [CNP1]}"),
         {"bad.yaml:", "nodes[0].slots[1]", "duplicate NP ident (1,2,0)"}},
        {"duplicate ident across nodes",
         with("  - col: 2\n    row: 1\n    slots:\n      - {id: 3,",
              "  - col: 1\n    row: 2\n    slots:\n      - {id: 1,"),
         {"nodes[1].slots[0]", "duplicate NP ident (1,2,1)"}},
        {"unknown type",
         with("[FNP2]", "[FNP9]"),
         {"bad.yaml:", "nodes[1].slots[0].types[0]", "unknown NP type 'FNP9'"}},
        {"type listed twice", with("[FNP2]", "[FNP2, FNP2]"), {"listed twice"}},
        {"HRC as slot type", with("[FNP2]", "[HRC]"), {"HRC is not a slot type"}},
        {"empty types", with("[FNP2]", "[]"), {"types", "non-empty list"}},
        {"id out of range", with("{id: 3,", "{id: 4,"), {"nodes[1].slots[0].id", "outside 0..3"}},
        {"negative id", with("{id: 3,", "{id: -1,"), {"slots[0].id", "not an integer"}},
        {"zero input SRAM",
         with("input_sram: 1000", "input_sram: 0"),
         {"bad.yaml:", "input_sram", "outside"}},
        {"zero weight SRAM", with("weight_sram: 2000", "weight_sram: 0"), {"weight_sram"}},
        {"non-numeric", with("clock_mhz: 100", "clock_mhz: fast"), {"clock_mhz", "'fast'"}},
        {"dma outside grid",
         with("dma_conf: [1, 1, 1]", "dma_conf: [3, 1, 1]"),
         {"bad.yaml", "dma_conf (3,1,1) is outside the 2x2 grid"}},
        {"dma id outside",
         with("dma_conf: [1, 1, 1]", "dma_conf: [1, 1, 4]"),
         {"dma_conf.id", "outside 0..3"}},
        {"dma collides",
         with("dma_event: [1, 1, 0]", "dma_event: [1, 2, 1]"),
         {"bad.yaml", "dma_event (1,2,1) collides with an NP slot"}},
        {"dma same slot", with("dma_conf: [1, 1, 1]", "dma_conf: [1, 1, 0]"), {"same slot"}},
        {"dma not a triple",
         with("dma_conf: [1, 1, 1]", "dma_conf: [1, 1]"),
         {"dma_conf", "[col, row, id]"}},
        {"ip_version 3", with("ip_version: 1", "ip_version: 3"), {"ip_version", "outside 1..2"}},
        {"version 2", with("version: 1", "version: 2"), {"version", "outside 1..1"}},
        {"TNP_B on v1",
         with("[FNP2]", "[CNP1, TNP_B]"),
         {"nodes[1].slots[0].types[1]", "TNP_B needs ip_version 2"}},
        {"skip_dma on v1", with("cols: 2\n", "cols: 2\nskip_dma: 2\n"), {"skip_dma 2 needs IP v2"}},
        {"node col outside",
         with("  - col: 2\n", "  - col: 3\n"),
         {"nodes[1].col", "outside 1..2"}},
        {"empty slots",
         with("    slots:\n      - {id: 3, types: [FNP2]}\n", "    slots: []\n"),
         {"nodes[1].slots", "non-empty list"}},
        {"bad bool",
         with("cols: 2\n", "cols: 2\npartial_reconfig: maybe\n"),
         {"partial_reconfig", "true or false"}},
        {"bad hrc",
         with("cols: 2\n", "cols: 2\nhrc: [1, 2, 0]\n"),
         {"hrc (1,2,0) collides with an NP slot"}},
        {"no nodes",
         "version: 1\nip_version: 1\ncols: 1\nrows: 1\ndma_event: [1, 1, 0]\n"
         "dma_conf: [1, 1, 1]\nnodes: []\n",
         {"nodes", "non-empty list of nodes"}},
        {"alias", with("cols: 2\nrows: 2\n", "cols: &c 2\nrows: *c\n"), {"rows"}},
    };
    for (const BadCase &c : cases) {
        SCOPED_TRACE(c.what);
        Mesh x;
        EXPECT_EQ(x.parse(c.text, "bad.yaml"), NPU_ERR_INPUT) << c.text;
        EXPECT_EQ(x.err.status, NPU_ERR_INPUT);
        EXPECT_EQ(x.m.nps, nullptr);
        for (const std::string &s : c.msg)
            EXPECT_NE(std::string(x.err.msg).find(s), std::string::npos)
                << "message: " << x.err.msg << "\nwanted: " << s;
    }
}

// Robustness: random byte mutations of a valid file either load to a valid mesh or fail with
// NPU_ERR_INPUT and a message; never anything else (run under the sanitizer build too).
// YAML directives are refused before libfyaml parses: libfyaml 0.8 loops forever on some
// malformed ones (the second text, found by fuzz_mesh_yaml; it must return, with a message).
TEST(MeshYaml, DirectivesRefused) {
    Mesh a;
    EXPECT_EQ(a.parse("%YAML 1.2\n---\nversion: 1\n", "d.yaml"), NPU_ERR_INPUT);
    EXPECT_STREQ(a.err.msg,
                 "d.yaml:1: YAML directives ('%' at the start of a line) are not supported");
    Mesh b;
    const std::string hang = "# m \n%0C0ax_cycles: 100000000000\n  # ge_,: 0.7}";
    EXPECT_EQ(b.parse(hang, "h.yaml"), NPU_ERR_INPUT);
    EXPECT_NE(std::string(b.err.msg).find("h.yaml:2: YAML directives"), std::string::npos)
        << b.err.msg;
    Mesh c; // a '%' that does not start a line is ordinary text (here: a bad value)
    EXPECT_EQ(c.parse("version: 1%\n"), NPU_ERR_INPUT);
    EXPECT_EQ(std::string(c.err.msg).find("directive"), std::string::npos) << c.err.msg;
}

TEST(MeshYaml, RandomMutationsNeverCrash) {
    std::mt19937 rng(777);
    const std::string base = kBase;
    const char alphabet[] = "0123456789[]{}:,- \n#&*!'\"abcCNPFT_";
    int ok = 0;
    for (int iter = 0; iter < 3000; iter++) {
        std::string s = base;
        const int edits = 1 + static_cast<int>(rng() % 4);
        for (int e = 0; e < edits; e++) {
            const size_t pos = rng() % s.size();
            switch (rng() % 3) {
            case 0:
                s[pos] = alphabet[rng() % (sizeof alphabet - 1)];
                break;
            case 1:
                s.erase(pos, 1 + rng() % 8);
                break;
            default:
                s.insert(pos, 1, alphabet[rng() % (sizeof alphabet - 1)]);
            }
        }
        Mesh x;
        const npu_status st = x.parse(s, "mut.yaml");
        ASSERT_TRUE(st == NPU_OK || st == NPU_ERR_INPUT) << s;
        if (st == NPU_OK) {
            ok++;
            npu_err err;
            npu_err_clear(&err);
            EXPECT_EQ(mesh_validate(&x.m, "again", &err), NPU_OK) << err.msg;
        } else {
            EXPECT_EQ(std::string(x.err.msg).rfind("mut.yaml", 0), 0u) << x.err.msg;
            EXPECT_EQ(x.m.nps, nullptr);
        }
    }
    EXPECT_GT(ok, 0); // some mutations (comments, values) stay valid
}

TEST(MeshLoad, BadSpecs) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"akd9999", "unknown mesh preset 'akd9999'"},
        {"", "empty mesh argument"},
        {"gen:cnp=-1", "'cnp' value '-1' is not an integer"},
        {"gen:cnp=abc", "'cnp' value 'abc' is not an integer"},
        {"gen:cnp=0,fnp=0", "cnp + fnp must be at least 1"},
        {"gen:v2", "cnp + fnp must be at least 1"},
        {"gen:cnp=3000,fnp=2000", "exceeds 4096"},
        {"gen:cnp=5000", "is not an integer 0..4096"},
        {"gen:cnp=99999999999999999999", "is not an integer"},
        {"gen:cnp=4,gpu=1", "unknown generator parameter 'gpu'"},
        {"gen:cnp=4,v3", "unknown generator parameter 'v3'"},
        {"gen:cnp=4,cnp=5", "given twice"},
        {"gen:cnp=4,", "empty generator parameter"},
        {"gen:", "empty generator parameter"},
        {"gen:cnp=", "is not an integer"},
        {"gen:cnp=4,v1,v2", "IP version given twice"},
        {"/no/such/dir/mesh.yaml", "cannot open mesh file '/no/such/dir/mesh.yaml'"},
        {"missing.yaml", "cannot open mesh file 'missing.yaml'"},
        {std::string(AKISIM_SOURCE_DIR) + "/scenarios/meshes", "Is a directory"},
    };
    for (const auto &[spec, msg] : cases) {
        SCOPED_TRACE(spec);
        Mesh x;
        EXPECT_EQ(x.load(spec), NPU_ERR_INPUT);
        EXPECT_NE(std::string(x.err.msg).find(msg), std::string::npos) << x.err.msg;
        EXPECT_EQ(x.m.nps, nullptr);
    }
    npu_err err;
    npu_err_clear(&err);
    mesh_desc m;
    EXPECT_EQ(mesh_preset("akd1000x", &m, &err), NPU_ERR_INPUT);
    EXPECT_NE(std::string(err.msg).find("known: akd1000, akd1500, twonodes, sixnodes-v2"),
              std::string::npos)
        << err.msg;
}

TEST(MeshValidate, HandBuiltDescriptors) {
    Mesh x;
    ASSERT_EQ(x.load("twonodes"), NPU_OK);
    npu_err err;
    npu_err_clear(&err);
    EXPECT_EQ(mesh_validate(&x.m, "w", &err), NPU_OK) << err.msg;
    mesh_desc m = x.m; // shallow copy; restore the fields after each probe
    m.nps[1].ident = m.nps[0].ident;
    EXPECT_EQ(mesh_validate(&m, "w", &err), NPU_ERR_INPUT);
    EXPECT_NE(std::string(err.msg).find("w: duplicate NP ident (1,2,0)"), std::string::npos)
        << err.msg;
    m.nps[1].ident.id = 1;
    m.nps[1].types |= TB;
    EXPECT_EQ(mesh_validate(&m, "w", &err), NPU_ERR_INPUT);
    EXPECT_NE(std::string(err.msg).find("TNP_B"), std::string::npos) << err.msg;
    m.nps[1].types = 1u << 7;
    EXPECT_EQ(mesh_validate(&m, "w", &err), NPU_ERR_INPUT);
    m.nps[1].types = C1;
    EXPECT_EQ(mesh_validate(&m, "w", &err), NPU_OK) << err.msg;
    m.weight_sram = 0;
    EXPECT_EQ(mesh_validate(&m, "w", &err), NPU_ERR_INPUT);
    EXPECT_NE(std::string(err.msg).find("weight_sram"), std::string::npos);
    m.weight_sram = 1;
    m.ip_version = 0;
    EXPECT_EQ(mesh_validate(&m, "w", &err), NPU_ERR_INPUT);
    EXPECT_NE(std::string(err.msg).find("ip_version 0"), std::string::npos);
}

// ---------------------------------------------------------------- views

TEST(MeshRender, TextShowsGridAndTotals) {
    Mesh x;
    ASSERT_EQ(x.load("akd1000"), NPU_OK);
    const std::string t = take(mesh_render_text(&x.m));
    EXPECT_NE(t.find("totals: 78 NPs (+HRC), CNP1 78, CNP2 54, FNP2 4, FNP3 18, TNP_B 0"),
              std::string::npos)
        << t;
    // one cell line per slot: codes counted independently of the totals line
    EXPECT_EQ(count_substr(t, " C1/F3"), 18u);
    EXPECT_EQ(count_substr(t, " C1/F2"), 4u);
    EXPECT_EQ(count_substr(t, " C1/C2"), 54u);
    EXPECT_EQ(count_substr(t, "DMA-E"), 2u); // the cell and the legend
    EXPECT_EQ(count_substr(t, "DMA-C"), 2u);
    EXPECT_EQ(count_substr(t, "\nrow "), 5u);
    EXPECT_NE(t.find("col 5"), std::string::npos);
    EXPECT_EQ(t.find(" \n"), std::string::npos); // no trailing blanks

    Mesh g;
    ASSERT_EQ(g.load("gen:cnp=2,fnp=1,v2,no-hrc"), NPU_OK);
    const std::string u = take(mesh_render_text(&g.m));
    EXPECT_NE(u.find("totals: 3 NPs (no HRC), CNP1 2, CNP2 2, FNP2 1, FNP3 0, TNP_B 2"),
              std::string::npos)
        << u;
    EXPECT_NE(u.find("0 C1/C2/TB"), std::string::npos) << u;
    EXPECT_NE(u.find("2 F2"), std::string::npos) << u;
}

// Parses JSON with libfyaml and returns the scalar at a ypath ("/totals/CNP2").
std::string json_get(struct fy_document *d, const char *path) {
    struct fy_node *n = fy_node_by_path(fy_document_root(d), path, (size_t)-1, FYNWF_DONT_FOLLOW);
    if (!n)
        return "<missing>";
    size_t len = 0;
    const char *s = fy_node_get_scalar(n, &len);
    return s ? std::string(s, len) : "<not scalar>";
}

TEST(MeshRender, JsonSchema) {
    for (const PresetFacts &f : kPresets) {
        SCOPED_TRACE(f.name);
        Mesh x;
        ASSERT_EQ(x.load(f.name), NPU_OK);
        const std::string j = take(mesh_to_json(&x.m));
        struct fy_parse_cfg cfg = {};
        cfg.flags = static_cast<fy_parse_cfg_flags>(FYPCF_QUIET | FYPCF_JSON_FORCE);
        struct fy_document *d = fy_document_build_from_string(&cfg, j.c_str(), j.size());
        ASSERT_NE(d, nullptr) << j;
        EXPECT_EQ(json_get(d, "/name"), f.name);
        EXPECT_EQ(json_get(d, "/totals/nps"), std::to_string(f.nps));
        EXPECT_EQ(json_get(d, "/totals/CNP1"), std::to_string(f.cnp1));
        EXPECT_EQ(json_get(d, "/totals/CNP2"), std::to_string(f.cnp2));
        EXPECT_EQ(json_get(d, "/totals/FNP2"), std::to_string(f.fnp2));
        EXPECT_EQ(json_get(d, "/totals/FNP3"), std::to_string(f.fnp3));
        EXPECT_EQ(json_get(d, "/totals/TNP_B"), std::to_string(f.tnpb));
        EXPECT_EQ(json_get(d, "/totals/HRC"), "1");
        EXPECT_EQ(json_get(d, "/dma_event/col"), std::to_string(f.ev_col));
        EXPECT_EQ(json_get(d, "/dma_conf/id"), "1");
        struct fy_node *nps =
            fy_node_by_path(fy_document_root(d), "/nps", (size_t)-1, FYNWF_DONT_FOLLOW);
        ASSERT_NE(nps, nullptr);
        EXPECT_EQ(fy_node_sequence_item_count(nps), static_cast<int>(f.nps));
        // first slot matches the descriptor
        EXPECT_EQ(json_get(d, "/nps/0/ident/col"), std::to_string(x.m.nps[0].ident.col));
        EXPECT_EQ(json_get(d, "/nps/0/types/0"), "CNP1");
        fy_document_destroy(d);
    }
}

// ---------------------------------------------------------------- CLI

struct RunResult {
    int status;
    std::string out;
};

RunResult run_cli(const std::string &args) {
    std::string cmd = std::string(AKISIM_CLI) + " " + args + " 2>&1";
    FILE *p = popen(cmd.c_str(), "r");
    RunResult r{-1, ""};
    if (!p)
        return r;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0)
        r.out.append(buf, n);
    int st = pclose(p);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return r;
}

TEST(MeshCli, ShowExportAndErrors) {
    RunResult r = run_cli("mesh show akd1500");
    EXPECT_EQ(r.status, 0) << r.out;
    EXPECT_NE(r.out.find("totals: 32 NPs (+HRC), CNP1 32, CNP2 21, FNP2 1, FNP3 7"),
              std::string::npos)
        << r.out;
    r = run_cli("mesh show twonodes --json");
    EXPECT_EQ(r.status, 0) << r.out;
    EXPECT_NE(r.out.find("\"totals\": {\"nps\": 8"), std::string::npos) << r.out;
    r = run_cli("mesh --help");
    EXPECT_EQ(r.status, 0);
    EXPECT_NE(r.out.find("usage: akisim mesh show MESH"), std::string::npos) << r.out;

    const std::string path = tmp_path("cli.yaml");
    r = run_cli("mesh export akd1000 -o " + path);
    EXPECT_EQ(r.status, 0) << r.out;
    Mesh a, b;
    ASSERT_EQ(a.load(path), NPU_OK) << a.err.msg;
    ASSERT_EQ(b.load("akd1000"), NPU_OK);
    expect_equal(a.m, b.m);
    std::remove(path.c_str());

    for (const char *bad :
         {"mesh show akd9999", "mesh show gen:cnp=-1", "mesh show", "mesh frobnicate akd1000",
          "mesh export akd1000", "mesh show akd1000 --bogus", "mesh show /no/such/file.yaml"}) {
        SCOPED_TRACE(bad);
        r = run_cli(bad);
        EXPECT_EQ(r.status, 2) << r.out;
        EXPECT_EQ(r.out.rfind("akisim: ", 0), 0u) << r.out;
        EXPECT_EQ(count_substr(r.out, "\n"), 1u) << r.out; // one line
    }
    r = run_cli("mesh export akd1000 -o /no/such/dir/x.yaml");
    EXPECT_EQ(r.status, 2) << r.out;
}

} // namespace
