/*
 * Event queue (sim_sched) and NoC route (sim_noc path) units: hand-computed orders and
 * times, and randomized runs against naive references written here (a linear scan for the
 * earliest (time, sequence) event; a map of link free times walked hop by hop).
 */
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <map>
#include <random>
#include <tuple>
#include <vector>

extern "C" {
#include "sim_noc.h"
#include "sim_sched.h"
}

namespace {

/* Naive queue: events in a vector, pop = linear scan for the least (t, seq). */
struct RefQueue {
    struct Ev {
        double t;
        uint64_t seq;
        uint32_t a;
    };
    std::vector<Ev> ev;
    void push(double t, uint64_t seq, uint32_t a) {
        ev.push_back({t, seq, a});
    }
    bool pop(Ev *out) {
        if (ev.empty()) {
            return false;
        }
        size_t m = 0;
        for (size_t i = 1; i < ev.size(); i++) {
            if (ev[i].t < ev[m].t || (ev[i].t == ev[m].t && ev[i].seq < ev[m].seq)) {
                m = i;
            }
        }
        *out = ev[m];
        ev.erase(ev.begin() + long(m));
        return true;
    }
};

} // namespace

TEST(Sched, EqualTimesPopInPushOrder) {
    sim_sched q{};
    ASSERT_TRUE(sim_sched_push(&q, 5.0, 7, 0, 10, 20));
    ASSERT_TRUE(sim_sched_push(&q, 3.0, 7, 1, 11, 21));
    ASSERT_TRUE(sim_sched_push(&q, 5.0, 7, 2, 12, 22));
    ASSERT_TRUE(sim_sched_push(&q, 3.0, 7, 3, 13, 23));
    ASSERT_TRUE(sim_sched_push(&q, 4.5, 7, 4, 14, 24));
    EXPECT_EQ(sim_sched_size(&q), 5u);
    const uint32_t order[] = {1, 3, 4, 0, 2};
    const double times[] = {3.0, 3.0, 4.5, 5.0, 5.0};
    const uint64_t seqs[] = {1, 3, 4, 0, 2};
    sim_ev e;
    for (int i = 0; i < 5; i++) {
        ASSERT_TRUE(sim_sched_pop(&q, &e));
        EXPECT_EQ(e.a, order[i]);
        EXPECT_EQ(e.t, times[i]);
        EXPECT_EQ(e.seq, seqs[i]);
        EXPECT_EQ(e.kind, 7u);
        EXPECT_EQ(e.b, order[i] + 10);
        EXPECT_EQ(e.c, order[i] + 20);
    }
    EXPECT_FALSE(sim_sched_pop(&q, &e));
    sim_sched_free(&q);
}

TEST(Sched, ReservedSequenceNumberPopsWhereItWasTaken) {
    sim_sched q{};
    const uint64_t r = sim_sched_reserve(&q);         /* 0 */
    ASSERT_TRUE(sim_sched_push(&q, 2.0, 0, 1, 0, 0)); /* seq 1 */
    ASSERT_TRUE(sim_sched_push(&q, 1.0, 0, 2, 0, 0)); /* seq 2 */
    ASSERT_TRUE(sim_sched_push_seq(&q, 2.0, r, 0, 3, 0, 0));
    sim_ev e;
    ASSERT_TRUE(sim_sched_pop(&q, &e));
    EXPECT_EQ(e.a, 2u);
    ASSERT_TRUE(sim_sched_pop(&q, &e)); /* time 2.0: the reserved 0 before 1 */
    EXPECT_EQ(e.a, 3u);
    EXPECT_EQ(e.seq, r);
    ASSERT_TRUE(sim_sched_pop(&q, &e));
    EXPECT_EQ(e.a, 1u);
    EXPECT_FALSE(sim_sched_pop(&q, &e));
    sim_sched_free(&q);
}

TEST(Sched, KeyKeepsTheOrderOfTimesAndRoundTrips) {
    const double v[] = {-1e300, -3.5, -1.0,        -1e-300, 0.0,  1e-310, 1e-300,
                        0.25,   1.0,  1.0 + 1e-15, 3.0,     1e12, 1e300,  INFINITY};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        EXPECT_EQ(sim_sched_time(sim_sched_key(v[i])), v[i]);
        for (size_t j = 0; j < sizeof v / sizeof v[0]; j++) {
            EXPECT_EQ(sim_sched_key(v[i]) < sim_sched_key(v[j]), v[i] < v[j])
                << v[i] << " " << v[j];
        }
    }
    EXPECT_EQ(sim_sched_key(-0.0), sim_sched_key(0.0)); /* -0.0 counts as 0.0 */
}

TEST(Sched, EmptyAndClear) {
    sim_sched q{};
    sim_ev e;
    EXPECT_FALSE(sim_sched_pop(&q, &e));
    for (uint32_t i = 0; i < 1000; i++) {
        ASSERT_TRUE(sim_sched_push(&q, double(i % 7), 0, i, 0, 0));
    }
    EXPECT_EQ(sim_sched_size(&q), 1000u);
    sim_sched_clear(&q);
    EXPECT_EQ(sim_sched_size(&q), 0u);
    EXPECT_FALSE(sim_sched_pop(&q, &e));
    ASSERT_TRUE(sim_sched_push(&q, 1.0, 0, 5, 0, 0)); /* reusable, numbering goes on */
    ASSERT_TRUE(sim_sched_pop(&q, &e));
    EXPECT_EQ(e.a, 5u);
    EXPECT_EQ(e.seq, 1000u);
    sim_sched_free(&q);
    sim_sched_free(&q); /* twice is harmless */
}

/* Random interleavings of pushes (in order and out of order, many equal times, -0.0),
 * reserved numbers queued later, and pops, against the naive queue. */
TEST(Sched, RandomizedAgainstNaiveQueue) {
    for (uint32_t seed = 1; seed <= 40; seed++) {
        std::mt19937_64 rng(seed);
        sim_sched q{};
        RefQueue ref;
        std::vector<std::pair<uint64_t, double>> reserved; /* taken, not yet queued */
        double now = 0.0;
        const bool des = seed % 2 == 0; /* pushes never before the last pop (a DES) */
        const uint32_t steps = 200 + uint32_t(rng() % 3000);
        uint32_t id = 0;
        for (uint32_t s = 0; s < steps; s++) {
            const uint32_t op = uint32_t(rng() % 10);
            double t = des ? now + double(rng() % 8) * 0.5 : double(rng() % 40) - 5.0;
            if (rng() % 16 == 0) {
                t = des ? now : -0.0;
            }
            if (op < 4) {
                ASSERT_TRUE(sim_sched_push(&q, t, 0, id, 0, 0));
                ref.push(t, q.next - 1, id++);
            } else if (op == 4) {
                reserved.push_back({sim_sched_reserve(&q), t});
            } else if (op == 5 && !reserved.empty()) {
                const size_t k = size_t(rng() % reserved.size());
                ASSERT_TRUE(
                    sim_sched_push_seq(&q, reserved[k].second, reserved[k].first, 0, id, 0, 0));
                ref.push(reserved[k].second, reserved[k].first, id++);
                reserved.erase(reserved.begin() + long(k));
            } else {
                sim_ev e;
                RefQueue::Ev r;
                const bool have = ref.pop(&r);
                ASSERT_EQ(sim_sched_pop(&q, &e), have);
                if (have) {
                    ASSERT_EQ(e.a, r.a) << "seed " << seed << " step " << s;
                    ASSERT_EQ(e.seq, r.seq);
                    ASSERT_EQ(sim_sched_key(e.t), sim_sched_key(r.t));
                    now = e.t > now ? e.t : now;
                    /* a DES's reserved numbers are queued at or after the present */
                    for (auto &rv : reserved) {
                        rv.second = des && rv.second < now ? now : rv.second;
                    }
                }
            }
            ASSERT_EQ(sim_sched_size(&q), ref.ev.size());
        }
        sim_ev e;
        RefQueue::Ev r;
        while (ref.pop(&r)) { /* drain */
            ASSERT_TRUE(sim_sched_pop(&q, &e));
            ASSERT_EQ(e.a, r.a);
        }
        EXPECT_FALSE(sim_sched_pop(&q, &e));
        sim_sched_free(&q);
    }
}

/* ------------------------------------------------------------------ NoC routes */

namespace {

/* Naive XY NoC: resources named by tuples in a map; the head crosses the injection port,
 * the row then the column links, the ejection port (sim_noc.h). */
struct RefNoc {
    uint32_t cols, rows;
    double hop, bw;
    std::map<std::tuple<int, int, int, int>, double> free_t; /* (kind, col/node, row, dir) */
    static uint32_t clamp(uint32_t v, uint32_t hi) {
        return v < 1 ? 0 : (v > hi ? hi - 1 : v - 1);
    }
    double cross(std::tuple<int, int, int, int> r, double t, double ser, double h) {
        double &f = free_t[r];
        double s = t > f ? t : f;
        f = s + ser;
        return s + h;
    }
    double send(mesh_ident a, mesh_ident b, double t, uint32_t bytes, uint32_t *hops) {
        const double ser = double(bytes) / bw;
        int c = int(clamp(a.col, cols)), r = int(clamp(a.row, rows));
        const int c1 = int(clamp(b.col, cols)), r1 = int(clamp(b.row, rows));
        double head = cross({0, c, r, a.id & 3}, t, ser, hop);
        *hops = 1;
        while (c != c1) {
            head = cross({1, c, r, c < c1 ? 0 : 1}, head, ser, hop);
            c += c < c1 ? 1 : -1;
            ++*hops;
        }
        while (r != r1) {
            head = cross({1, c, r, r < r1 ? 2 : 3}, head, ser, hop);
            r += r < r1 ? 1 : -1;
            ++*hops;
        }
        return cross({2, c, r, b.id & 3}, head, ser, 0.0) + ser;
    }
};

} // namespace

TEST(SchedNoc, PathHandComputed) {
    sim_noc n;
    ASSERT_TRUE(sim_noc_init(&n, 5, 5, 2.0, 4.0));
    sim_noc_path p;
    sim_noc_path_of(&n, mesh_ident{4, 3, 1}, mesh_ident{2, 1, 0}, &p); /* 2 west, 2 south */
    EXPECT_EQ(p.nx, 2u);
    EXPECT_EQ(p.ny, 2u);
    EXPECT_EQ(sim_noc_path_hops(&p), 5u);
    EXPECT_EQ(p.x_step, -4);
    EXPECT_EQ(p.y_step, -20);
    /* uncontended: (links + 1) * hop + bytes / bw = 5 * 2 + 32 / 4 */
    EXPECT_DOUBLE_EQ(sim_noc_send_path(&n, &p, 1.0, 32), 1.0 + 18.0);
    /* the same packet again at the same time waits ser = 8 cycles at the injection port */
    EXPECT_DOUBLE_EQ(sim_noc_send_path(&n, &p, 1.0, 32), 1.0 + 8.0 + 18.0);
    EXPECT_EQ(n.packets, 2u);
    EXPECT_EQ(n.hop_bytes, 2u * 32u * 5u);
    sim_noc_free(&n);
}

/* Random packets between random positions (including out-of-grid ones, clamped) on random
 * grids: resolved routes and per-call routing give the naive NoC's times and hops. */
TEST(SchedNoc, RandomizedAgainstNaiveNoc) {
    for (uint32_t seed = 1; seed <= 20; seed++) {
        std::mt19937 rng(seed);
        const uint32_t cols = 1 + rng() % 7, rows = 1 + rng() % 7;
        const double hop = 0.5 * (1 + rng() % 4), bw = 1.0 + rng() % 8;
        sim_noc a, b;
        ASSERT_TRUE(sim_noc_init(&a, cols, rows, hop, bw));
        ASSERT_TRUE(sim_noc_init(&b, cols, rows, hop, bw));
        RefNoc ref{cols, rows, hop, bw, {}};
        auto pos = [&]() {
            return mesh_ident{uint8_t(rng() % (cols + 2)), uint8_t(rng() % (rows + 2)),
                              uint8_t(rng() % 4)};
        };
        double t = 0.0;
        for (int i = 0; i < 400; i++) {
            const mesh_ident s = pos(), d = pos();
            const uint32_t bytes = 1 + rng() % 200;
            t += double(rng() % 20) * 0.25;
            uint32_t hops = 0;
            const double want = ref.send(s, d, t, bytes, &hops);
            sim_noc_path p;
            sim_noc_path_of(&a, s, d, &p);
            EXPECT_EQ(sim_noc_path_hops(&p), hops);
            EXPECT_EQ(sim_noc_hops(&a, s, d), hops);
            ASSERT_EQ(sim_noc_send_path(&a, &p, t, bytes), want) << "seed " << seed << " i " << i;
            ASSERT_EQ(sim_noc_send(&b, s, d, t, bytes), want);
        }
        EXPECT_EQ(a.hop_bytes, b.hop_bytes);
        EXPECT_EQ(a.packets, 400u);
        sim_noc_free(&a);
        sim_noc_free(&b);
    }
}
