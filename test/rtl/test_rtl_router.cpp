/*
 * test_rtl_router: the Verilated 5-port XY router (rtl/src/noc_router.v), alone and as a
 * 3 x 3 mesh of router instances wired in the harness.
 *
 * The router and mesh harness is rtl/cosim/cosim_router.hpp's (shared with rtl-check).
 * Checks, against an independent XY reference written here (the rule of sim/src/sim_noc.c:
 * column first, E = increasing column, N = increasing row, then the local port): every flit
 * leaves by the right port / reaches the right node, nothing is lost or duplicated, the flits
 * of a packet are never interleaved with another packet on a port, packets between one
 * source and one destination keep their order, back-pressure (random ready) never drops a
 * flit, and the uncontended latency equals the bound of docs/rtl.md: a packet of n flits over
 * `links` inter-node links ejects its head links + 1 cycles and its tail links + n cycles
 * after the head's injection (the C model's (links + 1) * hop_cycles + n - 1 with
 * hop_cycles = 1, one 8-byte flit per link per cycle).
 */
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <random>
#include <vector>

#include "cosim_router.hpp"

namespace {

using cosim::Flit;
using cosim::P_E;
using cosim::P_L;
using cosim::P_N;
using cosim::P_S;
using cosim::P_W;
using cosim::Router;
using Mesh = cosim::RouterMesh; /* cols x rows routers wired N/E/S/W (cosim_router.hpp) */

/* Reference XY output port at node (col, row). */
int xy_port(uint8_t dcol, uint8_t drow, uint8_t col, uint8_t row) {
    if (dcol != col) {
        return dcol > col ? P_E : P_W;
    }
    if (drow != row) {
        return drow > row ? P_N : P_S;
    }
    return P_L;
}

/* Single router: random packets on all five inputs to random destinations, random output
 * ready. Every flit must leave by the XY port, packets contiguous per port, order per
 * (input, output) kept. */
TEST(RtlRouter, SingleRouterRoutesXYWithBackpressure) {
    std::mt19937 rng(3);
    const uint8_t col = 3, row = 3;
    Router r(col, row);
    std::deque<Flit> pending[5];                /* flits still to inject per input */
    std::map<int, std::deque<uint32_t>> expect; /* (in * 5 + out) -> w0 sequence */
    uint32_t serial = 0;
    int sent = 0, received = 0;
    for (int pkt = 0; pkt < 2000; pkt++) {
        int in = int(rng() % 5);
        Flit f;
        f.col = uint8_t(rng() % 7);
        f.row = uint8_t(rng() % 7);
        f.id = uint8_t(rng() % 4);
        int n = 1 + int(rng() % 3);
        int port = xy_port(f.col, f.row, col, row);
        for (int k = 0; k < n; k++) {
            f.w0 = serial++;
            f.w1 = uint32_t(in << 16 | port);
            f.tail = k == n - 1;
            pending[in].push_back(f);
            expect[in * 5 + port].push_back(f.w0);
            sent++;
        }
    }
    int owner[5] = {-1, -1, -1, -1, -1}; /* input whose packet holds each output */
    for (int cyc = 0; cyc < 200000 && received < sent; cyc++) {
        for (int p = 0; p < 5; p++) {
            bool v = !pending[p].empty() && rng() % 4 != 0;
            r.set_in(p, v, v ? pending[p].front() : Flit{});
        }
        r.m->out_ready = uint8_t(rng() % 32);
        r.low();
        for (int p = 0; p < 5; p++) {
            if (r.out_valid(p) && ((r.m->out_ready >> p) & 1u)) {
                Flit f = r.out(p);
                int in = int(f.w1 >> 16), port = int(f.w1 & 0xff);
                ASSERT_EQ(port, p) << "flit " << f.w0 << " left by the wrong port";
                ASSERT_TRUE(owner[p] < 0 || owner[p] == in) << "packets interleaved on port " << p;
                owner[p] = f.tail ? -1 : in;
                auto &q = expect[in * 5 + p];
                ASSERT_FALSE(q.empty());
                ASSERT_EQ(q.front(), f.w0) << "order from input " << in << " to port " << p;
                q.pop_front();
                received++;
            }
        }
        for (int p = 0; p < 5; p++) {
            if (((r.m->in_valid >> p) & 1u) && r.in_ready(p)) {
                pending[p].pop_front();
            }
        }
        r.edge();
    }
    EXPECT_EQ(received, sent);
}

/* Uncontended packets over every (source, destination) pair of a 3 x 3 mesh: head ejected
 * links + 1 cycles and tail links + n cycles after the head's injection. */
TEST(RtlRouter, MeshUncontendedLatencyEqualsBound) {
    std::mt19937 rng(9);
    Mesh mesh(3, 3);
    for (int s = 0; s < 9; s++) {
        for (int d = 0; d < 9; d++) {
            int n = 1 + (s + d) % 3;
            std::vector<Flit> pkt(static_cast<size_t>(n));
            for (int k = 0; k < n; k++) {
                pkt[size_t(k)].col = uint8_t(d % 3);
                pkt[size_t(k)].row = uint8_t(d / 3);
                pkt[size_t(k)].w0 = uint32_t(k);
                pkt[size_t(k)].tail = k == n - 1;
            }
            int links = std::abs(s % 3 - d % 3) + std::abs(s / 3 - d / 3);
            size_t next = 0;
            uint64_t t = 0, t_head = ~0ull, t_tail = ~0ull;
            int ejected = 0;
            for (; t < 100 && ejected < n; t++) {
                std::vector<const Flit *> inj(9, nullptr);
                inj[size_t(s)] = next < pkt.size() ? &pkt[next] : nullptr;
                auto taken = mesh.step(inj, rng, false, [&](int x, int y, const Flit &f) {
                    EXPECT_EQ(x, d % 3);
                    EXPECT_EQ(y, d / 3);
                    EXPECT_EQ(f.w0, uint32_t(ejected));
                    t_head = ejected == 0 ? t : t_head;
                    t_tail = t;
                    ejected++;
                });
                next += taken[size_t(s)] ? 1 : 0;
            }
            ASSERT_EQ(ejected, n) << "packet " << s << " -> " << d << " lost";
            /* injection handshake at cycle 0 */
            EXPECT_EQ(t_head, uint64_t(links + 1)) << s << " -> " << d;
            EXPECT_EQ(t_tail, uint64_t(links + n)) << s << " -> " << d;
        }
    }
}

/* Random traffic from every node with random ejection back-pressure: everything arrives at
 * its destination node, in order per (source, destination), packets never interleaved at a
 * local port. */
TEST(RtlRouter, MeshRandomTrafficDeliversInOrder) {
    std::mt19937 rng(21);
    Mesh mesh(3, 3);
    std::vector<std::deque<Flit>> pending(9);
    std::map<int, std::deque<uint32_t>> expect; /* src * 9 + dst -> w0 sequence */
    uint32_t serial = 0;
    int sent = 0, received = 0;
    for (int pkt = 0; pkt < 1500; pkt++) {
        int s = int(rng() % 9), d = int(rng() % 9), n = 1 + int(rng() % 4);
        for (int k = 0; k < n; k++) {
            Flit f;
            f.col = uint8_t(d % 3);
            f.row = uint8_t(d / 3);
            f.w0 = serial++;
            f.w1 = uint32_t(s);
            f.tail = k == n - 1;
            pending[size_t(s)].push_back(f);
            expect[s * 9 + d].push_back(f.w0);
            sent++;
        }
    }
    int owner[9];
    std::fill(owner, owner + 9, -1);
    for (int cyc = 0; cyc < 100000 && received < sent; cyc++) {
        std::vector<const Flit *> inj(9, nullptr);
        for (size_t s = 0; s < 9; s++) {
            inj[s] = !pending[s].empty() && rng() % 2 ? &pending[s].front() : nullptr;
        }
        auto taken = mesh.step(inj, rng, true, [&](int x, int y, const Flit &f) {
            int d = y * 3 + x, s = int(f.w1);
            EXPECT_EQ(f.col, x);
            EXPECT_EQ(f.row, y);
            EXPECT_TRUE(owner[d] < 0 || owner[d] == s) << "interleaved at node " << d;
            owner[d] = f.tail ? -1 : s;
            auto &q = expect[s * 9 + d];
            ASSERT_FALSE(q.empty());
            EXPECT_EQ(q.front(), f.w0);
            q.pop_front();
            received++;
        });
        for (size_t s = 0; s < 9; s++) {
            if (taken[s]) {
                pending[s].pop_front();
            }
        }
    }
    EXPECT_EQ(received, sent);
}

/* Contention bound (docs/rtl.md, "Latency bound"): at one router whose output consumers are
 * always ready, with every input saturated (a packet's flits offered back to back), a head
 * flit that reaches the front of its input FIFO leaves after at most (P - 1) x n_max cycles
 * of waiting, P = inputs competing for its output, n_max = longest packet; body flits never
 * wait. Adversarial patterns: all five inputs to one output (fixed and random lengths), and
 * random outputs. The wait of a flit = departure cycle - first cycle it is the FIFO head
 * (max(acceptance + 1, departure of the previous flit of its input + 1)). */
TEST(RtlRouter, ContendedWaitWithinRoundRobinBound) {
    std::mt19937 rng(17);
    const uint8_t col = 3, row = 3;
    /* destination (col, row) of each output port from (3, 3) */
    const uint8_t dst[5][2] = {{3, 5}, {5, 3}, {3, 1}, {1, 3}, {3, 3}};
    struct Scenario {
        const char *name;
        int n_max;      /* longest packet */
        bool fixed_len; /* every packet n_max flits */
        int target;     /* output every packet wants, -1 = random */
    };
    const Scenario sc[] = {{"all to local, 1 flit", 1, true, P_L},
                           {"all to local, 4 flits", 4, true, P_L},
                           {"all to north, 1..5 flits", 5, false, P_N},
                           {"random outputs, 1..3 flits", 3, false, -1}};
    for (const Scenario &S : sc) {
        SCOPED_TRACE(S.name);
        Router r(col, row);
        struct Rec {
            Flit f;
            int in, out;
            bool head;
            int64_t t_in = -1, t_out = -1;
        };
        std::vector<Rec> recs;
        std::deque<size_t> pending[5]; /* record indices per input */
        bool competes[5][5] = {};      /* [out][in] */
        for (int in = 0; in < 5; in++) {
            for (int pkt = 0; pkt < 150; pkt++) {
                int o = S.target >= 0 ? S.target : int(rng() % 5);
                int n = S.fixed_len ? S.n_max : 1 + int(rng() % uint32_t(S.n_max));
                competes[o][in] = true;
                for (int k = 0; k < n; k++) {
                    Rec rc;
                    rc.f.col = dst[o][0];
                    rc.f.row = dst[o][1];
                    rc.f.w0 = uint32_t(recs.size());
                    rc.f.tail = k == n - 1;
                    rc.in = in;
                    rc.out = o;
                    rc.head = k == 0;
                    pending[in].push_back(recs.size());
                    recs.push_back(rc);
                }
            }
        }
        size_t done = 0;
        for (int64_t cyc = 0; cyc < 1000000 && done < recs.size(); cyc++) {
            for (int p = 0; p < 5; p++) { /* saturated inputs */
                bool v = !pending[p].empty();
                r.set_in(p, v, v ? recs[pending[p].front()].f : Flit{});
            }
            r.m->out_ready = 0x1f;
            r.low();
            for (int p = 0; p < 5; p++) {
                if (r.out_valid(p)) {
                    Rec &rc = recs[r.out(p).w0];
                    ASSERT_EQ(rc.out, p);
                    rc.t_out = cyc;
                    done++;
                }
                if (((r.m->in_valid >> p) & 1u) && r.in_ready(p)) {
                    recs[pending[p].front()].t_in = cyc;
                    pending[p].pop_front();
                }
            }
            r.edge();
        }
        ASSERT_EQ(done, recs.size()) << "flits lost";
        int64_t prev_out[5] = {-1, -1, -1, -1, -1};
        int64_t max_wait[5] = {0, 0, 0, 0, 0};
        for (const Rec &rc : recs) { /* records are in per-input order */
            int64_t front = std::max(rc.t_in + 1, prev_out[rc.in] + 1);
            int64_t wait = rc.t_out - front;
            prev_out[rc.in] = rc.t_out;
            ASSERT_GE(wait, 0);
            int P = 0;
            for (int i = 0; i < 5; i++) {
                P += competes[rc.out][i];
            }
            if (rc.head) {
                ASSERT_LE(wait, int64_t(P - 1) * S.n_max)
                    << "head " << rc.f.w0 << " from input " << rc.in << " to output " << rc.out;
                max_wait[rc.out] = std::max(max_wait[rc.out], wait);
            } else {
                ASSERT_EQ(wait, 0) << "body flit " << rc.f.w0 << " waited";
            }
        }
        if (S.fixed_len) { /* the bound is tight: reached under full contention */
            EXPECT_EQ(max_wait[S.target], int64_t(4) * S.n_max);
        }
    }
}

} // namespace
