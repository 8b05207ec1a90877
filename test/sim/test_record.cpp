/*
 * Record format tests: the compact event stream (sim_record_stream.c) round-trips random
 * events and answers per (column, channel range) counts like a naive count over the events;
 * the per-layer input summaries (sim_record_sum.c) equal a naive per-event derivation
 * written here from the convolution definition (random geometries: strides, padding,
 * transposed, depthwise, separable, dense); the timing model gives identical results with
 * the record's summaries and with summaries derived at replay time (dropped from the
 * record); the record tensors equal the model's outputs; the record is compact.
 */
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <random>
#include <set>
#include <tuple>
#include <vector>

#include "akisim/sim_engine.h"
#include "cmp/cmp_mapper.h"
#include "cmp/cmp_program.h"
#include "cmp/cmp_zoo.h"
#include "mesh/mesh_calib.h"
#include "sim_engine_int.h"

namespace {

struct Ev {
    uint32_t x, y, c;
    int32_t v;
};

/* Random scan-ordered events of dims (X, Y, C) with density d and values in [lo, hi]. */
std::vector<Ev> random_events(std::mt19937 &rng, uint32_t X, uint32_t Y, uint32_t C, double d,
                              int32_t lo, int32_t hi) {
    std::vector<Ev> v;
    std::uniform_real_distribution<double> u(0.0, 1.0);
    std::uniform_int_distribution<int32_t> val(lo, hi);
    for (uint32_t x = 0; x < X; x++) {
        for (uint32_t y = 0; y < Y; y++) {
            for (uint32_t c = 0; c < C; c++) {
                if (u(rng) < d) {
                    int32_t w = val(rng);
                    v.push_back({x, y, c, w == 0 ? 1 : w});
                }
            }
        }
    }
    return v;
}

npu_event_buf to_buf(const std::vector<Ev> &v) {
    npu_event_buf b{};
    b.ev = (npu_event *)malloc((v.size() + 1) * sizeof(npu_event));
    b.cap = v.size() + 1;
    for (const Ev &e : v) {
        b.ev[b.n++] = npu_event{(uint16_t)e.x, (uint16_t)e.y, e.c, e.v};
    }
    return b;
}

sim_rstream encode(std::vector<Ev> v, npu_shape shape) {
    npu_event_buf b = to_buf(v);
    sim_rstream s{};
    npu_err e{};
    EXPECT_EQ(sim_rstream_encode(&b, shape, &s, &e), NPU_OK) << e.msg;
    npu_event_buf_free(&b);
    return s;
}

/* Decodes stream s back to events. */
std::vector<Ev> decode(const sim_rstream &s) {
    std::vector<Ev> v;
    std::vector<uint32_t> pos((size_t)s.Y * s.C + 1);
    for (uint32_t x = 0; x < s.X; x++) {
        uint32_t n = sim_rstream_column(&s, x, pos.data());
        EXPECT_EQ(n, s.col[x + 1] - s.col[x]);
        for (uint32_t i = 0; i < n; i++) {
            uint32_t p = pos[i];
            v.push_back(
                {x, p >> s.cbits, p & ((1u << s.cbits) - 1u), sim_rstream_value(&s, s.col[x] + i)});
        }
    }
    return v;
}

bool same(const std::vector<Ev> &a, const std::vector<Ev> &b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (size_t i = 0; i < a.size(); i++) {
        if (a[i].x != b[i].x || a[i].y != b[i].y || a[i].c != b[i].c || a[i].v != b[i].v) {
            return false;
        }
    }
    return true;
}

} // namespace

TEST(RecordStream, RoundTripAndCountsRandomized) {
    std::mt19937 rng(7);
    int n_bitmap = 0;
    const int32_t ranges[][2] = {{1, 1},
                                 {1, 15},
                                 {-8, 7},
                                 {1, 255},
                                 {-300, 300},
                                 {1, 70000},
                                 {INT32_MIN / 2, INT32_MAX / 2}};
    for (int it = 0; it < 60; it++) {
        SCOPED_TRACE(it);
        uint32_t X = 1 + rng() % 20, Y = 1 + rng() % 20, C = 1 + rng() % (it % 3 ? 40 : 600);
        double d = it % 2 ? (rng() % 100) / 100.0 : (rng() % 10) / 200.0; /* sparse: packed */
        const int32_t *r = ranges[it % 7];
        auto ev = random_events(rng, X, Y, C, d, r[0], r[1]);
        /* declared shape smaller than the events every 5th case: dims widen */
        npu_shape decl =
            it % 5 == 0 ? npu_shape{X / 2 + 1, Y / 2 + 1, C / 2 + 1} : npu_shape{X, Y, C};
        sim_rstream s = encode(ev, decl);
        EXPECT_EQ(s.n, ev.size());
        n_bitmap += s.pos_bytes == 0;
        EXPECT_TRUE(same(decode(s), ev));
        EXPECT_GE(s.X, decl.x);
        /* counts per (column, channel range) vs naive */
        for (int q = 0; q < 30; q++) {
            uint32_t x = rng() % (X + 2), c0 = rng() % (C + 2), c1 = rng() % (C + 3);
            uint32_t naive = 0;
            for (const Ev &e : ev) {
                naive += e.x == x && e.c >= c0 && e.c < c1;
            }
            EXPECT_EQ(sim_rstream_count(&s, x, c0, c1), naive) << x << " " << c0 << " " << c1;
        }
        sim_rstream_free(&s);
    }
    EXPECT_GT(n_bitmap, 5); /* both position encodings exercised */
    EXPECT_LT(n_bitmap, 55);
}

TEST(RecordStream, UnsortedInputIsSortedAndEmptyStreamWorks) {
    std::vector<Ev> ev = {{3, 1, 2, 5}, {0, 0, 1, -2}, {3, 0, 7, 9}, {1, 4, 0, 1}};
    sim_rstream s = encode(ev, npu_shape{4, 5, 8});
    std::vector<Ev> want = {{0, 0, 1, -2}, {1, 4, 0, 1}, {3, 0, 7, 9}, {3, 1, 2, 5}};
    EXPECT_TRUE(same(decode(s), want));
    EXPECT_EQ(s.val_bits, 4); /* range -2 .. 9 = 11 */
    EXPECT_EQ(s.pos_bytes, 2);
    EXPECT_EQ(sim_rstream_count(&s, 3, 0, 8), 2u);
    EXPECT_EQ(sim_rstream_count(&s, 3, 3, 8), 1u);
    sim_rstream_free(&s);
    /* dense: a bitmap; a duplicated event keeps packed positions */
    std::vector<Ev> dense;
    for (uint32_t i = 0; i < 40; i++) {
        dense.push_back({i / 8, (i / 4) % 2, i % 4, (int32_t)i + 1});
    }
    sim_rstream d = encode(dense, npu_shape{5, 2, 4});
    EXPECT_EQ(d.pos_bytes, 0);
    EXPECT_TRUE(same(decode(d), dense));
    EXPECT_EQ(d.val_bits, 8);
    sim_rstream_free(&d);
    dense.push_back(dense.back());
    sim_rstream d2 = encode(dense, npu_shape{5, 2, 4});
    EXPECT_EQ(d2.pos_bytes, 2);
    EXPECT_TRUE(same(decode(d2), dense));
    sim_rstream_free(&d2);
    sim_rstream e = encode({}, npu_shape{6, 2, 3});
    EXPECT_EQ(e.n, 0u);
    EXPECT_EQ(e.X, 6u);
    EXPECT_EQ(sim_rstream_count(&e, 2, 0, 3), 0u);
    sim_rstream_free(&e);
}

namespace {

/* Naive: does input coordinate i feed output o through tap t (the convolution definition)? */
bool feeds(const sim_rgeom &g, bool along_x, int64_t i, int64_t o, uint32_t t) {
    int64_t s = along_x ? g.sx : g.sy, pad = along_x ? g.pad_x : g.pad_y;
    return g.transpose ? i * s + t - pad == o : o * s - pad + t == i;
}

/* Naive taps of input i landing in outputs [0, n). */
uint32_t naive_taps(const sim_rgeom &g, bool along_x, int64_t i, uint32_t n) {
    uint32_t k = along_x ? g.kx : g.ky, hits = 0;
    for (uint32_t o = 0; o < n; o++) {
        for (uint32_t t = 0; t < k; t++) {
            hits += feeds(g, along_x, i, o, t);
        }
    }
    return hits;
}

/* Naive active potentials per conv column from events of input columns [x0, x1). */
std::vector<uint64_t> naive_active(const sim_rgeom &g, const std::vector<Ev> &ev, uint32_t x0,
                                   uint32_t x1) {
    std::set<std::tuple<uint32_t, uint32_t, uint32_t>> on;
    for (const Ev &e : ev) {
        if (e.x < x0 || e.x >= x1 || e.y >= g.in.y || e.c >= g.in.c) {
            continue;
        }
        for (uint32_t ox = 0; ox < g.conv.x; ox++) {
            for (uint32_t tx = 0; tx < g.kx; tx++) {
                if (!feeds(g, true, e.x, ox, tx)) {
                    continue;
                }
                for (uint32_t oy = 0; oy < g.conv.y; oy++) {
                    for (uint32_t ty = 0; ty < g.ky; ty++) {
                        if (feeds(g, false, e.y, oy, ty)) {
                            on.insert({ox, oy, e.c});
                        }
                    }
                }
            }
        }
    }
    std::vector<uint64_t> per(g.conv.x, 0);
    for (const auto &b : on) {
        per[std::get<0>(b)]++;
    }
    return per;
}

sim_rgeom random_geom(std::mt19937 &rng, uint32_t kind) {
    sim_rgeom g{};
    g.src = 0;
    g.kind = kind;
    g.in = npu_shape{1 + (uint32_t)rng() % 12, 1 + (uint32_t)rng() % 12, 1 + (uint32_t)rng() % 70};
    if (kind == SIM_RGEOM_DENSE) {
        return g;
    }
    g.kx = 1 + rng() % 5;
    g.ky = 1 + rng() % 5;
    g.sx = 1 + rng() % 3;
    g.sy = 1 + rng() % 3;
    g.pad_x = rng() % g.kx;
    g.pad_y = rng() % g.ky;
    g.transpose = kind == SIM_RGEOM_CONV && rng() % 3 == 0;
    if (g.transpose) {
        g.conv = npu_shape{g.in.x * g.sx, g.in.y * g.sy, 4};
    } else {
        g.conv = npu_shape{1 + (g.in.x + 2 * g.pad_x) / g.sx, 1 + (g.in.y + 2 * g.pad_y) / g.sy, 4};
    }
    return g;
}

} // namespace

TEST(RecordSummary, MatchesNaiveDerivationRandomized) {
    std::mt19937 rng(11);
    for (int it = 0; it < 80; it++) {
        SCOPED_TRACE(it);
        uint32_t kind = (uint32_t)(it % 4);
        sim_rgeom g = random_geom(rng, kind);
        /* events: sometimes beyond the input dims (filtered out by the summary) */
        uint32_t X = g.in.x + (it % 6 == 0 ? 2 : 0), Y = g.in.y + (it % 7 == 0 ? 2 : 0);
        uint32_t C = g.in.c + (it % 8 == 0 ? 3 : 0);
        auto ev = random_events(rng, X, Y, C, (1 + rng() % 60) / 100.0, 1, 15);
        sim_rstream s = encode(ev, npu_shape{X, Y, C});
        sim_rsum su{};
        npu_err e{};
        ASSERT_EQ(sim_rsum_build(&s, &g, &su, &e), NPU_OK) << e.msg;
        ASSERT_TRUE(su.valid);
        bool dw = kind == SIM_RGEOM_DEPTHWISE;
        uint32_t C1 = g.in.c + 1;
        for (uint32_t x = 0; x < g.in.x; x++) {
            /* depthwise: a few channel ranges; else the whole column */
            for (int q = 0; q < (dw ? 6 : 1); q++) {
                uint32_t c0 = dw ? rng() % C1 : 0, c1 = dw ? rng() % C1 : g.in.c;
                if (c1 < c0) {
                    std::swap(c0, c1);
                }
                uint64_t n = 0, w = 0;
                for (const Ev &ev1 : ev) {
                    if (ev1.x == x && ev1.y < g.in.y && ev1.c < g.in.c && ev1.c >= c0 &&
                        ev1.c < c1) {
                        n++;
                        w += kind == SIM_RGEOM_DENSE ? 0 : naive_taps(g, false, ev1.y, g.conv.y);
                    }
                }
                uint64_t gn = dw ? su.cnt[x * C1 + c1] - su.cnt[x * C1 + c0] : su.cnt[x];
                uint64_t gw = dw ? su.wy[x * C1 + c1] - su.wy[x * C1 + c0] : su.wy[x];
                EXPECT_EQ(gn, n) << "column " << x;
                EXPECT_EQ(gw, w) << "column " << x;
            }
        }
        if (kind == SIM_RGEOM_SEPARABLE) {
            ASSERT_NE(su.act, nullptr);
            auto per = naive_active(g, ev, 0, g.in.x);
            uint64_t acc = 0;
            for (uint32_t o = 0; o < g.conv.x; o++) {
                EXPECT_EQ(su.act[o + 1] - su.act[o], per[o]) << "conv column " << o;
                acc += per[o];
            }
            EXPECT_EQ(su.act[g.conv.x], acc);
            /* restricted to input and conv column ranges (an NP's need / conv columns) */
            for (int q = 0; q < 5; q++) {
                uint32_t x0 = rng() % (g.in.x + 1), x1 = x0 + rng() % (g.in.x + 1 - x0);
                uint32_t o0 = rng() % (g.conv.x + 1), o1 = o0 + rng() % (g.conv.x + 1 - o0);
                auto part = naive_active(g, ev, x0, x1);
                uint64_t want = 0, got = 0;
                for (uint32_t o = o0; o < o1; o++) {
                    want += part[o];
                }
                ASSERT_EQ(sim_rsum_active(&s, &g, x0, x1, o0, o1, &got, &e), NPU_OK);
                EXPECT_EQ(got, want) << x0 << ".." << x1 << " / " << o0 << ".." << o1;
            }
        } else {
            EXPECT_EQ(su.act, nullptr);
        }
        sim_rsum_free(&su);
        sim_rstream_free(&s);
    }
}

namespace {

npu_model *zoo_model(const char *name, int version, uint32_t size, double alpha) {
    cmp_zoo_opts o;
    cmp_zoo_opts_default(&o);
    o.version = version;
    o.input_size = size;
    o.alpha = alpha;
    npu_model *m = nullptr;
    npu_err e{};
    EXPECT_EQ(cmp_zoo_build(name, &o, &m, &e), NPU_OK) << e.msg;
    return m;
}

/* A programmed device of model m on mesh_name (mode). */
struct Dev {
    npu_err e{};
    mesh_desc mesh{};
    mesh_calib calib{};
    cmp_program *prog = nullptr;
    sim_device *dev = nullptr;
    Dev(const npu_model *m, const char *mesh_name, cmp_map_mode mode) {
        cmp_mapped mm{};
        EXPECT_EQ(mesh_load(mesh_name, &mesh, &e), NPU_OK) << e.msg;
        EXPECT_EQ(mesh_calib_default(&mesh, &calib, &e), NPU_OK) << e.msg;
        EXPECT_EQ(cmp_map(m, &mesh, false, mode, &mm, &e), NPU_OK) << e.msg;
        EXPECT_EQ(cmp_program_build(m, &mm, &mesh, &prog, &e), NPU_OK) << e.msg;
        cmp_mapped_free(&mm);
        EXPECT_EQ(sim_device_new(&mesh, &calib, &dev, &e), NPU_OK) << e.msg;
        EXPECT_EQ(sim_device_program(dev, prog, m, &e), NPU_OK) << e.msg;
    }
    ~Dev() {
        sim_device_free(dev);
        cmp_program_free(prog);
        mesh_free(&mesh);
    }
};

std::vector<npu_tensor> inputs(const npu_model *m, uint32_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    npu_shape s = npu_model_input_shape(m);
    uint32_t bits = npu_model_input_bits(m);
    bool sg = npu_model_input_signed(m);
    int lo = sg ? -(1 << (bits - 1)) : 0, hi = sg ? (1 << (bits - 1)) - 1 : (1 << bits) - 1;
    std::uniform_int_distribution<int> d(lo, hi);
    std::vector<npu_tensor> v(n);
    for (auto &t : v) {
        t.shape = s;
        t.data = (int32_t *)malloc(npu_shape_size(s) * 4);
        for (size_t i = 0; i < npu_shape_size(s); i++) {
            t.data[i] = d(rng);
        }
    }
    return v;
}

/* Every result figure of a and b equal. */
void expect_same_results(const sim_results *a, const sim_results *b) {
    ASSERT_EQ(a->n_nps, b->n_nps);
    for (uint32_t i = 0; i < a->n_nps; i++) {
        EXPECT_EQ(a->nps[i].busy_cycles, b->nps[i].busy_cycles) << i;
        EXPECT_EQ(0, memcmp(&a->nps[i].counters, &b->nps[i].counters, sizeof a->nps[i].counters))
            << i;
    }
    ASSERT_EQ(a->n_sequences, b->n_sequences);
    for (uint32_t s = 0; s < a->n_sequences; s++) {
        EXPECT_EQ(a->sequences[s].inference_clk, b->sequences[s].inference_clk);
        EXPECT_EQ(a->sequences[s].energy_mj_per_frame, b->sequences[s].energy_mj_per_frame);
    }
    ASSERT_EQ(a->n_spans, b->n_spans);
    for (size_t i = 0; i < a->n_spans; i++) {
        EXPECT_EQ(a->spans[i].start, b->spans[i].start);
        EXPECT_EQ(a->spans[i].end, b->spans[i].end);
    }
    ASSERT_EQ(a->n_power, b->n_power);
    for (size_t i = 0; i < a->n_power; i++) {
        EXPECT_EQ(a->power[i].power_mw, b->power[i].power_mw);
    }
}

/* Full path on (mesh, mode), then: the record's summaries vs summaries derived at replay
 * time give identical results; replay onto (mesh2, mode2) equals its full path. */
void check_model(const npu_model *m, const char *mesh, cmp_map_mode mode, const char *mesh2,
                 cmp_map_mode mode2) {
    Dev a(m, mesh, mode);
    auto in = inputs(m, 3, 5);
    std::vector<npu_tensor> out(3);
    ASSERT_EQ(sim_device_forward(a.dev, in.data(), 3, out.data(), &a.e), NPU_OK) << a.e.msg;
    sim_results full{};
    ASSERT_EQ(sim_device_take_results(a.dev, &full, &a.e), NPU_OK);
    sim_record *rec = sim_device_take_record(a.dev);
    ASSERT_NE(rec, nullptr);
    /* the last layer's record tensor is the output */
    uint32_t last = sim_record_layers(rec) - 1;
    for (uint32_t f = 0; f < 3; f++) {
        npu_tensor t{};
        ASSERT_EQ(sim_record_layer_tensor(rec, f, last, &t, &a.e), NPU_OK);
        ASSERT_EQ(npu_shape_size(t.shape), npu_shape_size(out[f].shape));
        EXPECT_EQ(0, memcmp(t.data, out[f].data, npu_shape_size(t.shape) * 4)) << f;
        npu_tensor_free(&t);
    }
    /* compact: well under the 12-byte event structs it replaces (summaries included) */
    EXPECT_LT(sim_record_bytes(rec), sim_record_events(rec) * 12 + 65536);
    ASSERT_EQ(sim_device_replay(a.dev, rec, &a.e), NPU_OK) << a.e.msg;
    expect_same_results(sim_device_results(a.dev), &full);
    sim_record_drop_summaries(rec);
    ASSERT_EQ(sim_device_replay(a.dev, rec, &a.e), NPU_OK) << a.e.msg;
    expect_same_results(sim_device_results(a.dev), &full);
    /* another mapping / mesh: replay of the summary-less record == its own full path */
    Dev b(m, mesh2, mode2);
    std::vector<npu_tensor> out2(3);
    ASSERT_EQ(sim_device_forward(b.dev, in.data(), 3, out2.data(), &b.e), NPU_OK) << b.e.msg;
    sim_results full2{};
    ASSERT_EQ(sim_device_take_results(b.dev, &full2, &b.e), NPU_OK);
    ASSERT_EQ(sim_device_replay(b.dev, rec, &b.e), NPU_OK) << b.e.msg;
    expect_same_results(sim_device_results(b.dev), &full2);
    /* and with b's own record (summaries derived on b) */
    ASSERT_EQ(sim_device_replay(b.dev, sim_device_record(b.dev), &b.e), NPU_OK) << b.e.msg;
    expect_same_results(sim_device_results(b.dev), &full2);
    sim_results_free(&full2);
    sim_results_free(&full);
    sim_record_free(rec);
    for (auto *v : {&in, &out, &out2}) {
        for (auto &t : *v) {
            npu_tensor_free(&t);
        }
    }
}

} // namespace

TEST(RecordReplay, SummariesEqualReplayDerivedKws) {
    npu_model *m = zoo_model("ds_cnn_kws", 1, 0, 1.0);
    check_model(m, "akd1000", CMP_MAP_ALLNPS, "akd1500", CMP_MAP_MINIMAL);
    npu_model_free(m);
}

TEST(RecordReplay, SummariesEqualReplayDerivedAkidanetV1) {
    npu_model *m = zoo_model("akidanet", 1, 32, 0.25);
    check_model(m, "akd1000", CMP_MAP_MINIMAL, "akd1500", CMP_MAP_ALLNPS);
    npu_model_free(m);
}

TEST(RecordReplay, SummariesEqualReplayDerivedDepthwiseV2) {
    npu_model *m = zoo_model("akidanet", 2, 32, 0.25);
    check_model(m, "sixnodes-v2", CMP_MAP_ALLNPS, "sixnodes-v2", CMP_MAP_MINIMAL);
    npu_model_free(m);
}

TEST(RecordReplay, DroppingSummariesShrinksTheRecord) {
    npu_model *m = zoo_model("ds_cnn_kws", 1, 0, 1.0);
    Dev a(m, "akd1000", CMP_MAP_ALLNPS);
    auto in = inputs(m, 2, 9);
    std::vector<npu_tensor> out(2);
    ASSERT_EQ(sim_device_forward(a.dev, in.data(), 2, out.data(), &a.e), NPU_OK) << a.e.msg;
    sim_record *rec = sim_device_take_record(a.dev);
    uint64_t with = sim_record_bytes(rec);
    sim_record_drop_summaries(rec);
    EXPECT_LT(sim_record_bytes(rec), with);
    sim_record_drop_summaries(rec); /* idempotent */
    sim_record_free(rec);
    for (auto *v : {&in, &out}) {
        for (auto &t : *v) {
            npu_tensor_free(&t);
        }
    }
    npu_model_free(m);
}
