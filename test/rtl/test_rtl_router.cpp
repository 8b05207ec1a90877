/*
 * test_rtl_router: the Verilated 5-port XY router (rtl/src/noc_router.v), alone and as a
 * 3 x 3 mesh of router instances wired in the harness.
 *
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

#include "Vnoc_router.h"
#include "verilated.h"

namespace {

enum { P_N = 0, P_E = 1, P_S = 2, P_W = 3, P_L = 4 };

/* One flit (96 bits = 3 words, layout of noc_router.v). */
struct Flit {
    uint32_t w0 = 0, w1 = 0; /* event words */
    uint8_t col = 0, row = 0, id = 0;
    bool tail = false;
    uint32_t word2() const {
        return uint32_t(col) | uint32_t(row) << 8 | uint32_t(id & 3u) << 16 | uint32_t(tail) << 18;
    }
    static Flit from(const uint32_t *w) {
        Flit f;
        f.w0 = w[0];
        f.w1 = w[1];
        f.col = uint8_t(w[2]);
        f.row = uint8_t(w[2] >> 8);
        f.id = uint8_t((w[2] >> 16) & 3u);
        f.tail = (w[2] >> 18) & 1u;
        return f;
    }
};

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

/* A router model with helpers to set / read its flattened flit ports. */
struct Router {
    std::unique_ptr<VerilatedContext> ctx{new VerilatedContext};
    std::unique_ptr<Vnoc_router> m{new Vnoc_router{ctx.get()}};
    Router(uint8_t col, uint8_t row) {
        m->my_col = col;
        m->my_row = row;
        m->rst_n = 0;
        edge();
        m->rst_n = 1;
    }
    ~Router() {
        m->final();
    }
    void low() {
        m->clk = 0;
        m->eval();
    }
    void edge() {
        m->clk = 0;
        m->eval();
        m->clk = 1;
        m->eval();
    }
    void set_in(int p, bool v, const Flit &f) {
        m->in_valid = (m->in_valid & ~(1u << p)) | (uint32_t(v) << p);
        m->in_flit[p * 3] = f.w0;
        m->in_flit[p * 3 + 1] = f.w1;
        m->in_flit[p * 3 + 2] = f.word2();
    }
    bool in_ready(int p) const {
        return (m->in_ready >> p) & 1u;
    }
    bool out_valid(int p) const {
        return (m->out_valid >> p) & 1u;
    }
    Flit out(int p) const {
        return Flit::from(&m->out_flit[p * 3]);
    }
};

/* A packet as sent: its flits, source and injection cycle of the head. */
struct Packet {
    std::vector<Flit> flits;
    int src_col, src_row;
    uint64_t t_head = 0;
};

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

/* A cols x rows mesh of routers; ports wired N/E/S/W between neighbours, local ports to the
 * harness. Node (c, r) sits at index r * cols + c; idents are the (c, r) themselves. */
struct Mesh {
    int cols, rows;
    std::vector<std::unique_ptr<Router>> nodes;
    Mesh(int c, int r) : cols(c), rows(r) {
        for (int y = 0; y < rows; y++) {
            for (int x = 0; x < cols; x++) {
                nodes.emplace_back(new Router(uint8_t(x), uint8_t(y)));
            }
        }
    }
    Router &at(int x, int y) {
        return *nodes[size_t(y * cols + x)];
    }
    /* neighbour of (x, y) through port p and the port it arrives on; false at the edge */
    bool link(int x, int y, int p, int *nx, int *ny, int *np) const {
        int dx = p == P_E ? 1 : p == P_W ? -1 : 0, dy = p == P_N ? 1 : p == P_S ? -1 : 0;
        *nx = x + dx;
        *ny = y + dy;
        *np = p == P_E ? P_W : p == P_W ? P_E : p == P_N ? P_S : P_N;
        return *nx >= 0 && *nx < cols && *ny >= 0 && *ny < rows;
    }
    /* One clock: inject[node] = flit offered on the local input (or none), eject ready on
     * every local output. Calls got(x, y, flit) for each ejected flit; returns the local
     * inputs taken. Outputs (valid, flit) and in_ready depend only on state, so one eval with
     * the clock low fixes them; inter-router handshakes are then wired and evaluated. */
    template <class F>
    std::vector<bool> step(const std::vector<const Flit *> &inject, std::mt19937 &rng,
                           bool random_ready, F got) {
        for (auto &n : nodes) {
            n->m->in_valid = 0;
            n->m->out_ready = 0;
            n->low();
        }
        for (int y = 0; y < rows; y++) {
            for (int x = 0; x < cols; x++) {
                Router &a = at(x, y);
                for (int p = 0; p < 4; p++) {
                    int nx, ny, np;
                    if (!link(x, y, p, &nx, &ny, &np)) {
                        continue;
                    }
                    Router &b = at(nx, ny);
                    b.set_in(np, a.out_valid(p), a.out(p));
                    if (b.in_ready(np)) {
                        a.m->out_ready |= uint8_t(1u << p);
                    }
                }
                const Flit *f = inject[size_t(y * cols + x)];
                a.set_in(P_L, f != nullptr, f ? *f : Flit{});
                bool rdy = !random_ready || rng() % 3 != 0;
                a.m->out_ready |= uint8_t(rdy << P_L);
            }
        }
        std::vector<bool> taken(nodes.size(), false);
        for (int y = 0; y < rows; y++) {
            for (int x = 0; x < cols; x++) {
                Router &a = at(x, y);
                a.low();
                if (a.out_valid(P_L) && ((a.m->out_ready >> P_L) & 1u)) {
                    got(x, y, a.out(P_L));
                }
                taken[size_t(y * cols + x)] = inject[size_t(y * cols + x)] && a.in_ready(P_L);
            }
        }
        for (auto &n : nodes) {
            n->edge();
        }
        return taken;
    }
};

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
