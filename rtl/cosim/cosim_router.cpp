/*
 * cosim_router: the cross-check of the Verilated noc_router against the C NoC model
 * (sim/src/sim_noc.c) on a 4 x 4 mesh of router instances wired by the harness.
 *
 * A vector is one packet (1..4 flits, one event per flit, random payload and destination
 * slot). A quarter of the vectors are sent alone (uncontended): the packet must reach its
 * destination node's local port with every flit bit-exact and in order, its head after
 * links + 1 cycles, and its last byte arrives (the cycle after the tail's handshake) at the
 * C model's time sim_noc_send() = (links + 1) x hop_cycles + bytes / link_bytes_per_cycle
 * with the router's own parameters (hop_cycles 1, 8 bytes = one flit per link per cycle) —
 * the "C cycles" / "RTL cycles" of the report. The others are random traffic from
 * every node with random ejection back-pressure: every flit delivered to the right node,
 * bit-exact, in order per (source, destination), packets never interleaved at a local port,
 * and no packet faster than its uncontended time (contention has no closed-form bound,
 * docs/rtl.md).
 */
#include <cstdio>
#include <deque>
#include <map>
#include <memory>
#include <random>

#include "Vnoc_router.h"
#include "cosim.hpp"
#include "mesh/mesh.h"
extern "C" {
#include "sim_noc.h" /* internal C header of sim/ without C++ guards */
}

namespace cosim {

namespace {

enum { P_N = 0, P_E = 1, P_S = 2, P_W = 3, P_L = 4 };
constexpr int kCols = 4, kRows = 4;
/* The router's own timing in the NoC model's terms: a head crosses a router + link per
 * cycle (hop_cycles 1) and a link carries one flit = one 8-byte event per cycle. The C model
 * is run with these, not with a (fitted) calibration's values, as the NP blocks are compared
 * with the cost formulas of the parameters they are built with. */
constexpr double kHopCycles = 1.0;
constexpr uint32_t kFlitBytes = 8;

/* One 96-bit flit (layout of docs/rtl.md). */
struct Flit {
    uint32_t w0 = 0, w1 = 0;
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
    bool operator==(const Flit &o) const {
        return w0 == o.w0 && w1 == o.w1 && col == o.col && row == o.row && id == o.id &&
               tail == o.tail;
    }
};

std::string flit_str(const Flit &f) {
    char b[128];
    snprintf(b, sizeof b, "[%08x %08x -> (%u,%u,%u)%s]", f.w0, f.w1, unsigned(f.col),
             unsigned(f.row), unsigned(f.id), f.tail ? " tail" : "");
    return b;
}

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
        low();
        m->clk = 1;
        m->eval();
    }
    void set_in(int p, bool v, const Flit &f) {
        m->in_valid = uint8_t((m->in_valid & ~(1u << p)) | (uint32_t(v) << p));
        m->in_flit[size_t(p * 3)] = f.w0;
        m->in_flit[size_t(p * 3 + 1)] = f.w1;
        m->in_flit[size_t(p * 3 + 2)] = f.word2();
    }
    bool in_ready(int p) const {
        return (m->in_ready >> p) & 1u;
    }
    bool out_valid(int p) const {
        return (m->out_valid >> p) & 1u;
    }
    Flit out(int p) const {
        return Flit::from(&m->out_flit[size_t(p * 3)]);
    }
};

/* The mesh: routers wired N/E/S/W, local ports to the harness. */
struct Mesh {
    std::vector<std::unique_ptr<Router>> nodes;
    uint64_t cycle = 0;
    Mesh() {
        for (int y = 0; y < kRows; y++) {
            for (int x = 0; x < kCols; x++) {
                nodes.emplace_back(new Router(uint8_t(x), uint8_t(y)));
            }
        }
    }
    Router &at(int x, int y) {
        return *nodes[size_t(y * kCols + x)];
    }
    static bool link(int x, int y, int p, int *nx, int *ny, int *np) {
        int dx = p == P_E ? 1 : p == P_W ? -1 : 0, dy = p == P_N ? 1 : p == P_S ? -1 : 0;
        *nx = x + dx;
        *ny = y + dy;
        *np = p == P_E ? P_W : p == P_W ? P_E : p == P_N ? P_S : P_N;
        return *nx >= 0 && *nx < kCols && *ny >= 0 && *ny < kRows;
    }
    /* One clock; got(node, flit) per ejected flit; returns the local inputs taken. */
    template <class F>
    std::vector<bool> step(const std::vector<const Flit *> &inject, std::mt19937 &rng,
                           bool random_ready, F got) {
        for (auto &n : nodes) {
            n->m->in_valid = 0;
            n->m->out_ready = 0;
            n->low();
        }
        for (int y = 0; y < kRows; y++) {
            for (int x = 0; x < kCols; x++) {
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
                const Flit *f = inject[size_t(y * kCols + x)];
                a.set_in(P_L, f != nullptr, f ? *f : Flit{});
                bool rdy = !random_ready || rng() % 3 != 0;
                a.m->out_ready |= uint8_t(rdy << P_L);
            }
        }
        std::vector<bool> taken(nodes.size(), false);
        for (int y = 0; y < kRows; y++) {
            for (int x = 0; x < kCols; x++) {
                Router &a = at(x, y);
                a.low();
                if (a.out_valid(P_L) && ((a.m->out_ready >> P_L) & 1u)) {
                    got(y * kCols + x, a.out(P_L));
                }
                taken[size_t(y * kCols + x)] = inject[size_t(y * kCols + x)] && a.in_ready(P_L);
            }
        }
        for (auto &n : nodes) {
            n->edge();
        }
        cycle++;
        return taken;
    }
};

std::vector<Flit> random_packet(std::mt19937 &rng, int dst, uint32_t serial) {
    int n = 1 + int(rng() % 4);
    std::vector<Flit> pkt(static_cast<size_t>(n));
    uint8_t id = uint8_t(rng() % 4);
    for (int k = 0; k < n; k++) {
        Flit &f = pkt[size_t(k)];
        f.col = uint8_t(dst % kCols);
        f.row = uint8_t(dst / kCols);
        f.id = id;
        f.w0 = serial + uint32_t(k);
        f.w1 = uint32_t(rng());
        f.tail = k == n - 1;
    }
    return pkt;
}

int links(int s, int d) {
    return std::abs(s % kCols - d % kCols) + std::abs(s / kCols - d / kCols);
}

bool fail(cosim_row *row, const std::string &msg) {
    row->mismatches++;
    if (row->first[0] == 0) {
        snprintf(row->first, sizeof row->first, "router: %s", msg.c_str());
    }
    return false;
}

/* One packet alone: delivery, head latency, last-byte time vs the C NoC model. */
bool uncontended(Mesh &mesh, std::mt19937 &rng, sim_noc &noc, uint32_t serial, cosim_row *row) {
    int s = int(rng() % (kCols * kRows)), d = int(rng() % (kCols * kRows));
    std::vector<Flit> pkt = random_packet(rng, d, serial);
    size_t next = 0, got_n = 0;
    uint64_t t0 = mesh.cycle, t_head = 0, t_tail = 0;
    std::string err;
    for (int i = 0; i < 200 && got_n < pkt.size(); i++) {
        std::vector<const Flit *> inj(size_t(kCols * kRows), nullptr);
        inj[size_t(s)] = next < pkt.size() ? &pkt[next] : nullptr;
        auto taken = mesh.step(inj, rng, false, [&](int node, const Flit &f) {
            if (err.empty() && (node != d || got_n >= pkt.size() || !(f == pkt[got_n]))) {
                err = "uncontended packet " + std::to_string(serial) + " from node " +
                      std::to_string(s) + " ejected at node " + std::to_string(node) + ", flit " +
                      std::to_string(got_n) + ": expected " +
                      (got_n < pkt.size() ? flit_str(pkt[got_n]) : "none") + " at node " +
                      std::to_string(d) + ", actual " + flit_str(f);
            }
            t_head = got_n == 0 ? mesh.cycle - t0 : t_head;
            t_tail = mesh.cycle - t0;
            got_n++;
        });
        next += taken[size_t(s)] ? 1 : 0;
    }
    if (!err.empty()) {
        return fail(row, err);
    }
    if (got_n != pkt.size()) {
        return fail(row, "packet " + std::to_string(serial) + " lost");
    }
    /* mesh idents are 1-based (column / row 1 = the first node of the NoC model) */
    mesh_ident a = {uint8_t(s % kCols + 1), uint8_t(s / kCols + 1), 0};
    mesh_ident b = {uint8_t(d % kCols + 1), uint8_t(d / kCols + 1), 0};
    sim_noc_reset(&noc);
    double c = sim_noc_send(&noc, a, b, 0.0, uint32_t(pkt.size()) * kFlitBytes);
    uint64_t c_cyc = uint64_t(c + 0.5), rtl_cyc = t_tail + 1;
    row->c_cycles += c_cyc;
    row->rtl_cycles += rtl_cyc;
    row->vectors++;
    row->events_out += pkt.size();
    if (t_head != uint64_t(links(s, d) + 1) || rtl_cyc != c_cyc) {
        return fail(row, "packet " + std::to_string(serial) + " (" + std::to_string(pkt.size()) +
                             " flits, " + std::to_string(links(s, d)) + " links): head after " +
                             std::to_string(t_head) + " cycles (bound links + 1), last byte at " +
                             std::to_string(rtl_cyc) + ", C NoC model " + std::to_string(c_cyc));
    }
    return true;
}

/* Random traffic with ejection back-pressure: n packets. */
bool traffic(Mesh &mesh, std::mt19937 &rng, uint64_t n, uint32_t serial, cosim_row *row) {
    const int nodes = kCols * kRows;
    std::vector<std::deque<Flit>> pending(static_cast<size_t>(nodes));
    std::map<int, std::deque<Flit>> expect;                 /* src * nodes + dst -> flits */
    std::map<uint32_t, std::pair<uint64_t, int>> head_time; /* serial -> (inject, s*nodes+d) */
    std::vector<int> owner(static_cast<size_t>(nodes), -1);
    uint64_t sent = 0, received = 0;
    for (uint64_t k = 0; k < n; k++) {
        int s = int(rng() % uint32_t(nodes)), d = int(rng() % uint32_t(nodes));
        auto pkt = random_packet(rng, d, serial);
        for (auto &f : pkt) {
            f.w1 = uint32_t(s); /* source in word 1 */
            pending[size_t(s)].push_back(f);
            expect[s * nodes + d].push_back(f);
            sent++;
        }
        serial += uint32_t(pkt.size());
    }
    std::string err;
    for (uint64_t cyc = 0; cyc < 200 * n + 1000 && received < sent && err.empty(); cyc++) {
        std::vector<const Flit *> inj(size_t(nodes), nullptr);
        for (size_t s = 0; s < size_t(nodes); s++) {
            inj[s] = !pending[s].empty() && rng() % 2 ? &pending[s].front() : nullptr;
        }
        auto taken = mesh.step(inj, rng, true, [&](int d, const Flit &f) {
            int s = int(f.w1);
            auto &q = expect[s * nodes + d];
            if (!err.empty()) {
                return;
            }
            if (s < 0 || s >= nodes || q.empty() || !(q.front() == f)) {
                err = "traffic: flit ejected at node " + std::to_string(d) + ": expected " +
                      (q.empty() ? std::string("none") : flit_str(q.front())) + ", actual " +
                      flit_str(f);
                return;
            }
            if (owner[size_t(d)] >= 0 && owner[size_t(d)] != s) {
                err = "traffic: packets interleaved at node " + std::to_string(d);
                return;
            }
            owner[size_t(d)] = f.tail ? -1 : s;
            q.pop_front();
            received++;
            row->events_out++;
        });
        for (size_t s = 0; s < size_t(nodes); s++) {
            if (taken[s]) {
                pending[s].pop_front();
            }
        }
    }
    if (!err.empty()) {
        return fail(row, err);
    }
    if (received != sent) {
        return fail(row, "traffic: " + std::to_string(sent - received) + " of " +
                             std::to_string(sent) + " flits not delivered");
    }
    row->vectors += n;
    return true;
}

} // namespace

void check_router(uint64_t vectors, uint64_t seed, cosim_row *row) {
    snprintf(row->source, sizeof row->source, "%s", "random");
    snprintf(row->block, sizeof row->block, "%s", "router");
    sim_noc noc{};
    if (!sim_noc_init(&noc, kCols, kRows, kHopCycles, kFlitBytes)) {
        fail(row, "out of memory");
        return;
    }
    std::mt19937 rng(uint32_t(seed * 40503u + 7u));
    Mesh mesh;
    row->configs = 1;
    uint32_t serial = 0;
    uint64_t alone = vectors / 4 + 1;
    for (uint64_t i = 0; i < alone; i++, serial += 8) {
        if (!uncontended(mesh, rng, noc, serial, row)) {
            sim_noc_free(&noc);
            return;
        }
    }
    const uint64_t batch = 200;
    while (row->vectors < vectors) {
        uint64_t n = std::min<uint64_t>(batch, vectors - row->vectors);
        if (!traffic(mesh, rng, n, serial, row)) {
            break;
        }
        serial += uint32_t(n * 4);
    }
    sim_noc_free(&noc);
}

} // namespace cosim
