// Tests of the mapper (cmp_mapper.h): the published AKD1000 mappings (akida-facts.md §2) layer
// by layer, map modes, passes on AKD1500, hybrid versus hw_only splitting, FNP2 versus FNP3,
// NP mapping invariants checked against an independent reference, routing tables (every
// mapping's program builds; a table that cannot fit is refused naming the layer), bad input.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

extern "C" {
#include "cmp/cmp_mapper.h"
#include "cmp/cmp_program.h"
#include "cmp/cmp_zoo.h"
#include "mesh/mesh.h"
}

namespace {

struct Mesh {
    mesh_desc m{};
    explicit Mesh(const char *spec) {
        npu_err err{};
        EXPECT_EQ(mesh_load(spec, &m, &err), NPU_OK) << err.msg;
    }
    ~Mesh() {
        mesh_free(&m);
    }
};

struct Model {
    npu_model *m = nullptr;
    Model(const char *name, double alpha, uint32_t size, int version = 1, uint32_t classes = 0) {
        cmp_zoo_opts o;
        cmp_zoo_opts_default(&o);
        o.alpha = alpha;
        o.input_size = size;
        o.version = version;
        o.classes = classes;
        o.no_weights = true;
        npu_err err{};
        EXPECT_EQ(cmp_zoo_build(name, &o, &m, &err), NPU_OK) << err.msg;
    }
    ~Model() {
        npu_model_free(m);
    }
};

struct Mapped {
    cmp_mapped mm{};
    npu_status st;
    npu_err err{};
    Mapped(const Model &model, const Mesh &mesh, cmp_map_mode mode, bool hw_only = false) {
        st = cmp_map(model.m, &mesh.m, hw_only, mode, &mm, &err);
    }
    ~Mapped() {
        cmp_mapped_free(&mm);
    }
    uint32_t nps(const Model &model, const char *layer) const {
        int i = npu_model_find(model.m, layer);
        EXPECT_GE(i, 0) << layer;
        const cmp_layer_map *lm = cmp_mapped_layer(&mm, (uint32_t)i);
        EXPECT_NE(lm, nullptr) << layer;
        return lm ? lm->n_nps : 0;
    }
};

using Counts = std::map<std::string, uint32_t>;

void expect_counts(const Model &model, const Mapped &mp, const Counts &want) {
    for (const auto &kv : want)
        EXPECT_EQ(mp.nps(model, kv.first.c_str()), kv.second) << kv.first;
}

Counts akidanet_counts(uint32_t c1, uint32_t c2, uint32_t c3, uint32_t s4, uint32_t s5, uint32_t s6,
                       uint32_t s7_11, uint32_t s12, uint32_t s13) {
    Counts c{{"conv_0", 1}, {"conv_1", c1}, {"conv_2", c2},  {"conv_3", c3},  {"sep_4", s4},
             {"sep_5", s5}, {"sep_6", s6},  {"sep_12", s12}, {"sep_13", s13}, {"classifier", 1}};
    for (int i = 7; i <= 11; i++)
        c["sep_" + std::to_string(i)] = s7_11;
    return c;
}

} // namespace

TEST(Mapper, AkidaNet05_224_MinimalPublished) {
    Mesh mesh("akd1000");
    Model model("akidanet", 0.5, 224);
    Mapped mp(model, mesh, CMP_MAP_MINIMAL, true);
    ASSERT_EQ(mp.st, NPU_OK) << mp.err.msg;
    EXPECT_EQ(mp.mm.total_nps, 32u);
    EXPECT_EQ(mp.mm.n_sequences, 1u);
    EXPECT_EQ(mp.mm.total_passes, 1u);
    expect_counts(model, mp, akidanet_counts(4, 6, 3, 3, 2, 2, 1, 2, 4));
    EXPECT_EQ(std::string(mp.mm.sequences[0].name), "HW/conv_0-classifier");
    EXPECT_EQ(mp.mm.sequences[0].backend, CMP_BACKEND_HARDWARE);
    // The classifier (512 x 1000 4-bit weights) does not fit an FNP3: FNP2, 400,000 B external.
    const cmp_layer_map *cls =
        cmp_mapped_layer(&mp.mm, (uint32_t)npu_model_find(model.m, "classifier"));
    ASSERT_EQ(cls->n_nps, 1u);
    EXPECT_EQ(cls->nps[0].type, MESH_NP_FNP2);
    EXPECT_EQ(mp.mm.external_bytes, 400000u);
    const cmp_layer_map *c0 = cmp_mapped_layer(&mp.mm, 0);
    EXPECT_EQ(c0->nps[0].type, MESH_NP_HRC);
}

TEST(Mapper, AkidaNet05_224_AllNpsPublished) {
    Mesh mesh("akd1000");
    Model model("akidanet", 0.5, 224);
    Mapped mp(model, mesh, CMP_MAP_ALLNPS, true);
    ASSERT_EQ(mp.st, NPU_OK) << mp.err.msg;
    EXPECT_EQ(mp.mm.total_nps, 68u);
    expect_counts(model, mp, akidanet_counts(4, 6, 3, 6, 4, 8, 4, 8, 8));
    EXPECT_EQ(mp.mm.sequences[0].max_filters_per_np, 64u);
}

TEST(Mapper, DsCnnKwsAllNpsPublished) {
    Mesh mesh("akd1000");
    Model model("ds_cnn_kws", 1.0, 0);
    Mapped mp(model, mesh, CMP_MAP_ALLNPS, true);
    ASSERT_EQ(mp.st, NPU_OK) << mp.err.msg;
    EXPECT_EQ(mp.mm.total_nps, 65u);
    expect_counts(model, mp,
                  {{"separable_1", 16},
                   {"separable_2", 16},
                   {"separable_3", 16},
                   {"separable_4", 16},
                   {"dense", 1}});
    // 33 x 64 weights fit an FNP3.
    const cmp_layer_map *d = cmp_mapped_layer(&mp.mm, (uint32_t)npu_model_find(model.m, "dense"));
    EXPECT_EQ(d->nps[0].type, MESH_NP_FNP3);
    EXPECT_EQ(mp.mm.external_bytes, 0u);
}

TEST(Mapper, AkidaNet160MinimalTotalsPublished) {
    Mesh mesh("akd1000");
    const std::tuple<double, uint32_t> cases[] = {{0.25, 20}, {0.5, 24}, {1.0, 68}};
    for (const auto &c : cases) {
        Model model("akidanet", std::get<0>(c), 160);
        Mapped mp(model, mesh, CMP_MAP_MINIMAL, true);
        ASSERT_EQ(mp.st, NPU_OK) << mp.err.msg;
        EXPECT_EQ(mp.mm.total_nps, std::get<1>(c)) << "alpha " << std::get<0>(c);
    }
}

TEST(Mapper, ModesOrderNps) {
    // minimal <= allnps on a single-pass mesh; hwpr falls back to allnps without partial
    // reconfiguration.
    Mesh mesh("akd1000");
    Model model("akidanet", 0.25, 160);
    Mapped mn(model, mesh, CMP_MAP_MINIMAL), al(model, mesh, CMP_MAP_ALLNPS),
        hw(model, mesh, CMP_MAP_HWPR);
    ASSERT_EQ(mn.st, NPU_OK);
    ASSERT_EQ(al.st, NPU_OK);
    ASSERT_EQ(hw.st, NPU_OK);
    EXPECT_LE(mn.mm.total_nps, al.mm.total_nps);
    EXPECT_LE(al.mm.total_nps, 78u);
    EXPECT_EQ(hw.mm.total_nps, al.mm.total_nps);
    EXPECT_EQ(hw.mm.total_passes, 1u);
}

TEST(Mapper, Akd1500PassesAndModes) {
    // AKD1500 (akida-facts.md §6): AkidaNet 0.25/160 minimal 20 NPs (+HRC) in 1 pass, allnps
    // uses all 32 NPs, hwpr 106 NPs over 4 passes; AkidaNet 0.5/224 minimal 32 in 1 pass.
    Mesh mesh("akd1500");
    Model small("akidanet", 0.25, 160);
    Mapped mn(small, mesh, CMP_MAP_MINIMAL, true), al(small, mesh, CMP_MAP_ALLNPS, true),
        hw(small, mesh, CMP_MAP_HWPR, true);
    ASSERT_EQ(mn.st, NPU_OK) << mn.err.msg;
    ASSERT_EQ(al.st, NPU_OK) << al.err.msg;
    ASSERT_EQ(hw.st, NPU_OK) << hw.err.msg;
    EXPECT_EQ(mn.mm.total_nps, 20u);
    EXPECT_EQ(mn.mm.total_passes, 1u);
    EXPECT_EQ(al.mm.total_nps, 32u);
    EXPECT_EQ(al.mm.total_passes, 1u);
    EXPECT_EQ(hw.mm.total_nps, 106u);
    EXPECT_EQ(hw.mm.total_passes, 4u);
    EXPECT_EQ(hw.mm.n_sequences, 1u);
    Model big("akidanet", 0.5, 224);
    Mapped b(big, mesh, CMP_MAP_MINIMAL, true);
    ASSERT_EQ(b.st, NPU_OK) << b.err.msg;
    EXPECT_EQ(b.mm.total_nps, 32u);
    EXPECT_EQ(b.mm.total_passes, 1u);
}

TEST(Mapper, TooLargeModelUsesPassesOnPartialReconfig) {
    // AkidaNet 1.0/224 needs more NPs than AKD1500 has: several passes, one sequence.
    Mesh mesh("akd1500");
    Model model("akidanet", 1.0, 224);
    Mapped mp(model, mesh, CMP_MAP_MINIMAL, true);
    ASSERT_EQ(mp.st, NPU_OK) << mp.err.msg;
    EXPECT_EQ(mp.mm.n_sequences, 1u);
    EXPECT_GT(mp.mm.total_passes, 1u);
    // Each pass holds at most the mesh's NPs.
    std::map<uint32_t, uint32_t> per_pass;
    const cmp_sequence &s = mp.mm.sequences[0];
    for (uint32_t i = 0; i < s.n_layers; i++)
        for (uint32_t j = 0; j < s.layers[i].n_nps; j++)
            if (s.layers[i].nps[j].type != MESH_NP_HRC)
                per_pass[s.layers[i].pass]++;
    EXPECT_EQ(per_pass.size(), s.n_passes);
    for (const auto &kv : per_pass)
        EXPECT_LE(kv.second, mesh.m.n_nps);
}

TEST(Mapper, HybridSplitVersusHwOnly) {
    // twonodes (8 NPs, no partial reconfiguration): AkidaNet 0.25/160 does not fit in one pass.
    Mesh mesh("twonodes");
    Model model("akidanet", 0.25, 160);
    Mapped hy(model, mesh, CMP_MAP_MINIMAL, false);
    ASSERT_EQ(hy.st, NPU_OK) << hy.err.msg;
    EXPECT_GT(hy.mm.n_sequences, 1u);
    for (uint32_t s = 0; s < hy.mm.n_sequences; s++) {
        EXPECT_EQ(hy.mm.sequences[s].n_passes,
                  hy.mm.sequences[s].backend == CMP_BACKEND_SOFTWARE ? 0u : 1u);
        if (hy.mm.sequences[s].backend != CMP_BACKEND_SOFTWARE) {
            EXPECT_EQ(hy.mm.sequences[s].backend, CMP_BACKEND_HYBRID);
        }
    }
    // Sequences cover the layers in order, without gaps.
    uint32_t next = 0;
    for (uint32_t s = 0; s < hy.mm.n_sequences; s++) {
        EXPECT_EQ(hy.mm.sequences[s].first, next);
        next = hy.mm.sequences[s].last + 1;
    }
    EXPECT_EQ(next, npu_model_layer_count(model.m));
    Mapped hw(model, mesh, CMP_MAP_MINIMAL, true);
    EXPECT_EQ(hw.st, NPU_ERR_INPUT);
    EXPECT_NE(std::string(hw.err.msg).find("hw_only: layer '"), std::string::npos) << hw.err.msg;
    EXPECT_EQ(hw.mm.n_sequences, 0u);
}

TEST(Mapper, HwOnlyNamesSoftwareLayer) {
    // A v1 model on a v2 mesh cannot run on hardware: hw_only names the first layer.
    Mesh mesh("sixnodes-v2");
    Model model("ds_cnn_kws", 1.0, 0);
    Mapped hw(model, mesh, CMP_MAP_ALLNPS, true);
    EXPECT_EQ(hw.st, NPU_ERR_INPUT);
    EXPECT_NE(std::string(hw.err.msg).find("'conv_0'"), std::string::npos) << hw.err.msg;
    EXPECT_NE(std::string(hw.err.msg).find("ip_version"), std::string::npos) << hw.err.msg;
    Mapped sw(model, mesh, CMP_MAP_ALLNPS, false);
    ASSERT_EQ(sw.st, NPU_OK) << sw.err.msg;
    ASSERT_EQ(sw.mm.n_sequences, 1u);
    EXPECT_EQ(sw.mm.sequences[0].backend, CMP_BACKEND_SOFTWARE);
    EXPECT_EQ(std::string(sw.mm.sequences[0].name), "SW/conv_0-dense");
    EXPECT_EQ(sw.mm.total_nps, 0u);
}

TEST(Mapper, V2ModelOnV2Mesh) {
    Mesh mesh("sixnodes-v2");
    Model model("ds_cnn_kws", 1.0, 0, 2);
    Mapped mp(model, mesh, CMP_MAP_MINIMAL, true);
    ASSERT_EQ(mp.st, NPU_OK) << mp.err.msg;
    // conv_0 on the HRC, 4 x (depthwise + pointwise) CNPs, dense on an FNP.
    EXPECT_EQ(mp.mm.total_nps, 9u);
}

TEST(Mapper, Fnp2VersusFnp3) {
    Mesh mesh("akd1000");
    // Small classifier: FNP3 (weights fit 6,144 words). 1024 inputs x 200 units x 4 bits =
    // 200 x 86 words = 17,200 words: FNP2 with external memory.
    Model small("akidanet", 0.25, 64, 1, 10);
    Model large("akidanet", 1.0, 64, 1, 200);
    Mapped a(small, mesh, CMP_MAP_MINIMAL), b(large, mesh, CMP_MAP_MINIMAL);
    ASSERT_EQ(a.st, NPU_OK) << a.err.msg;
    ASSERT_EQ(b.st, NPU_OK) << b.err.msg;
    const uint32_t ia = (uint32_t)npu_model_find(small.m, "classifier");
    const uint32_t ib = (uint32_t)npu_model_find(large.m, "classifier");
    EXPECT_EQ(cmp_mapped_layer(&a.mm, ia)->nps[0].type, MESH_NP_FNP3);
    EXPECT_EQ(cmp_mapped_layer(&b.mm, ib)->nps[0].type, MESH_NP_FNP2);
    // 200 units x ceil(1024 / 8) words x 50 bits / 8 = 160,000 bytes.
    EXPECT_EQ(cmp_mapped_layer(&b.mm, ib)->external_bytes, 160000u);
    EXPECT_EQ(a.mm.external_bytes, 0u);
}

TEST(Mapper, NeedMatchesIndependentReference) {
    // Independent int64 reference of the per-layer rule on random conv geometries.
    Mesh mesh("akd1000");
    uint64_t s = 12345;
    auto rnd = [&](uint64_t n) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        return (s >> 33) % n;
    };
    for (int iter = 0; iter < 40; iter++) {
        uint32_t w = 8 + (uint32_t)rnd(120), c = 1u << (3 + rnd(6)), f = 8 + (uint32_t)rnd(600);
        npu_model *m = npu_model_new();
        npu_err err{};
        npu_params ip = npu_params_default(NPU_INPUT_DATA);
        ip.input_shape = {w, w, c};
        ip.input_bits = 4;
        ASSERT_EQ(npu_model_add(m, NPU_INPUT_DATA, "in", &ip, nullptr, 0, &err), NPU_OK) << err.msg;
        npu_params p = npu_params_default(NPU_CONVOLUTIONAL);
        p.kernel_x = p.kernel_y = 3;
        p.filters = f;
        p.weights_bits = 4;
        p.act_bits = 4;
        ASSERT_EQ(npu_model_add(m, NPU_CONVOLUTIONAL, "conv", &p, nullptr, 0, &err), NPU_OK);
        std::vector<int32_t> wts((size_t)9 * c * f, 0), th(f, 0), st(f, 1);
        uint32_t ws[4] = {3, 3, c, f};
        ASSERT_EQ(npu_model_set_var(m, 1, "weights", NPU_DTYPE_I32, 4, ws, wts.data(), &err),
                  NPU_OK);
        ASSERT_EQ(npu_model_set_var(m, 1, "threshold", NPU_DTYPE_I32, 1, &f, th.data(), &err),
                  NPU_OK);
        ASSERT_EQ(npu_model_set_var(m, 1, "act_step", NPU_DTYPE_I32, 1, &f, st.data(), &err),
                  NPU_OK);
        ASSERT_EQ(npu_model_finalize(m, &err), NPU_OK) << err.msg;
        cmp_layer_need need;
        ASSERT_EQ(cmp_layer_need_of(m, 1, &mesh.m, &need, &err), NPU_OK);
        // Reference: slices, filters per NP.
        int64_t col_bits = (int64_t)w * c * 4, sram = 43008LL * 8;
        int64_t fit = sram / col_bits - 2;
        if (fit < 1) {
            EXPECT_EQ(need.kind, CMP_NEED_SOFTWARE);
        } else {
            ASSERT_EQ(need.kind, CMP_NEED_CNP) << need.why;
            int64_t sl = std::max<int64_t>((w + 31) / 32, (w + fit - 1) / fit);
            int64_t sw = (w + sl - 1) / sl;
            sl = (w + sw - 1) / sw;
            int64_t fw = (9LL * c * 4 + 47) / 48, cap = 6144 / fw;
            for (uint32_t fpn : {0u, 1u, 7u, 64u}) {
                int64_t per = (fpn && fpn < cap) ? fpn : cap;
                EXPECT_EQ((int64_t)cmp_need_nps(&need, fpn), sl * ((f + per - 1) / per))
                    << "w " << w << " c " << c << " f " << f << " fpn " << fpn;
            }
            EXPECT_EQ(need.single_buffer, (sw + 2) * col_bits > sram / 2);
        }
        npu_model_free(m);
    }
}

TEST(Mapper, NpMappingsPartitionFiltersAndColumns) {
    // Every CNP layer: the NPs' (column slice, filter slice) pairs tile columns x filters
    // exactly once, and no mesh slot is used twice within a pass.
    Mesh mesh("akd1000");
    Model model("akidanet", 0.5, 224);
    Mapped mp(model, mesh, CMP_MAP_ALLNPS);
    ASSERT_EQ(mp.st, NPU_OK);
    const cmp_sequence &s = mp.mm.sequences[0];
    std::set<std::tuple<uint32_t, int, int, int>> used;
    for (uint32_t i = 0; i < s.n_layers; i++) {
        const cmp_layer_map &lm = s.layers[i];
        const npu_layer *l = npu_model_layer(model.m, lm.layer);
        for (uint32_t j = 0; j < lm.n_nps; j++) {
            const cmp_np_map &np = lm.nps[j];
            EXPECT_TRUE(used.insert({lm.pass, np.ident.col, np.ident.row, np.ident.id}).second);
        }
        if (l->type != NPU_CONVOLUTIONAL && l->type != NPU_SEPARABLE_CONVOLUTIONAL)
            continue;
        std::vector<int> cover((size_t)l->in_shape.x * l->p.filters, 0);
        for (uint32_t j = 0; j < lm.n_nps; j++) {
            const cmp_np_map &np = lm.nps[j];
            EXPECT_LE(np.col_count, 32u);
            for (uint32_t x = np.col_first; x < np.col_first + np.col_count; x++)
                for (uint32_t f = np.filter_first; f < np.filter_first + np.filters; f++)
                    cover[(size_t)x * l->p.filters + f]++;
        }
        for (int v : cover)
            ASSERT_EQ(v, 1) << l->name;
    }
}

TEST(Mapper, BadInput) {
    cmp_map_mode mode;
    EXPECT_FALSE(cmp_map_mode_from_name("fastest", &mode));
    EXPECT_FALSE(cmp_map_mode_from_name("", &mode));
    EXPECT_TRUE(cmp_map_mode_from_name("AllNps", &mode));
    EXPECT_EQ(mode, CMP_MAP_ALLNPS);
    EXPECT_TRUE(cmp_map_mode_from_name("hwpr", &mode));
    EXPECT_EQ(mode, CMP_MAP_HWPR);
    Mesh mesh("akd1000");
    Model model("ds_cnn_kws", 1.0, 0);
    cmp_mapped mm;
    npu_err err{};
    EXPECT_EQ(cmp_map(model.m, &mesh.m, false, (cmp_map_mode)7, &mm, &err), NPU_ERR_INPUT);
    EXPECT_NE(std::string(err.msg).find("map mode"), std::string::npos);
}

TEST(Mapper, EveryMappingHasRoutingTablesTheProgramHolds) {
    // AkidaNet 1.0/224: sep_11 feeds sep_12, spread over up to hundreds of NPs. Whatever the
    // mesh and mode, the mapping's program builds (no NP needs more DEST entries than the
    // register map has), which is what the mapper guarantees.
    Model model("akidanet", 1.0, 224);
    for (const char *spec : {"akd1000", "akd1500", "gen:cnp=400,fnp=4", "gen:cnp=1000,fnp=4"}) {
        Mesh mesh(spec);
        for (cmp_map_mode mode : {CMP_MAP_MINIMAL, CMP_MAP_ALLNPS, CMP_MAP_HWPR}) {
            Mapped mp(model, mesh, mode);
            ASSERT_EQ(mp.st, NPU_OK) << spec << " " << mp.err.msg;
            cmp_program *p = nullptr;
            npu_err err{};
            EXPECT_EQ(cmp_program_build(model.m, &mp.mm, &mesh.m, &p, &err), NPU_OK)
                << spec << " " << cmp_map_mode_name(mode) << ": " << err.msg;
            cmp_program_free(p);
        }
    }
    // the published allnps count on akd1000 is kept (no NP count given up for routing)
    Mesh akd("akd1000");
    Mapped mp(model, akd, CMP_MAP_ALLNPS);
    EXPECT_EQ(mp.mm.total_nps, 155u);
}

namespace {

/* conv_0 InputConvolutional W x 8 x 1 (HRC) -> conv_1 Convolutional 3x3, 8 filters. */
npu_model *wide_model(uint32_t W) {
    npu_model *m = npu_model_new();
    npu_err err{};
    const npu_layer_type types[2] = {NPU_INPUT_CONVOLUTIONAL, NPU_CONVOLUTIONAL};
    const char *names[2] = {"conv_0", "conv_1"};
    for (uint32_t l = 0; l < 2; l++) {
        npu_params p = npu_params_default(types[l]);
        if (l == 0)
            p.input_shape = {W, 8, 1};
        p.kernel_x = p.kernel_y = 3;
        p.filters = 8;
        p.weights_bits = l == 0 ? 8 : 4;
        p.act_bits = 1;
        EXPECT_EQ(npu_model_add(m, types[l], names[l], &p, nullptr, 0, &err), NPU_OK) << err.msg;
        uint32_t c = l == 0 ? 1 : 8, ws[4] = {3, 3, c, 8}, fs[1] = {8};
        std::vector<int32_t> w(9 * c * 8, 0), t(8, 0), st(8, 1);
        EXPECT_EQ(npu_model_set_var(m, l, "weights", NPU_DTYPE_I32, 4, ws, w.data(), &err), NPU_OK);
        EXPECT_EQ(npu_model_set_var(m, l, "threshold", NPU_DTYPE_I32, 1, fs, t.data(), &err),
                  NPU_OK);
        EXPECT_EQ(npu_model_set_var(m, l, "act_step", NPU_DTYPE_I32, 1, fs, st.data(), &err),
                  NPU_OK);
    }
    EXPECT_EQ(npu_model_finalize(m, &err), NPU_OK) << err.msg;
    return m;
}

} // namespace

TEST(Mapper, RoutingTableBeyondRegisterMapIsRefusedNamingTheLayer) {
    // conv_0 (HRC, owns every column) feeds conv_1, whose column slices are 32 wide (v1 NP
    // column limit): one DEST entry per slice. 1024 columns: 32 slices, 32 entries, the
    // register map's maximum: maps and builds. 1200 columns: 38 slices at every
    // filters-per-NP limit: refused by the mapper, naming both layers.
    Mesh mesh("akd1000");
    npu_model *ok = wide_model(1024);
    cmp_mapped mm;
    npu_err e{};
    ASSERT_EQ(cmp_map(ok, &mesh.m, false, CMP_MAP_ALLNPS, &mm, &e), NPU_OK) << e.msg;
    const cmp_layer_map *lm = cmp_mapped_layer(&mm, 1);
    ASSERT_NE(lm, nullptr);
    std::set<uint32_t> slices;
    for (uint32_t j = 0; j < lm->n_nps; j++)
        slices.insert(lm->nps[j].col_first);
    EXPECT_EQ(slices.size(), 32u);
    cmp_program *p = nullptr;
    EXPECT_EQ(cmp_program_build(ok, &mm, &mesh.m, &p, &e), NPU_OK) << e.msg;
    cmp_program_free(p);
    cmp_mapped_free(&mm);
    npu_model_free(ok);

    npu_model *m = wide_model(1200);
    for (cmp_map_mode mode : {CMP_MAP_MINIMAL, CMP_MAP_ALLNPS}) {
        npu_err e2{};
        EXPECT_EQ(cmp_map(m, &mesh.m, false, mode, &mm, &e2), NPU_ERR_INPUT);
        std::string msg = e2.msg;
        EXPECT_NE(msg.find("dest_count"), std::string::npos) << msg;
        EXPECT_NE(msg.find("'conv_0'"), std::string::npos) << msg;
        EXPECT_NE(msg.find("'conv_1' has 38 NPs"), std::string::npos) << msg;
        EXPECT_EQ(mm.n_sequences, 0u);
    }
    npu_model_free(m);
}
