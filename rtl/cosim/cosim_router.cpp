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

#include "cosim.hpp"
#include "cosim_router.hpp"
#include "mesh/mesh.h"
extern "C" {
#include "sim_noc.h" /* internal C header of sim/ without C++ guards */
}

namespace cosim {

namespace {

constexpr int kCols = 4, kRows = 4;
/* The router's own timing in the NoC model's terms: a head crosses a router + link per
 * cycle (hop_cycles 1) and a link carries one flit = one 8-byte event per cycle. The C model
 * is run with these, not with a (fitted) calibration's values, as the NP blocks are compared
 * with the cost formulas of the parameters they are built with. */
constexpr double kHopCycles = 1.0;
constexpr uint32_t kFlitBytes = 8;

/* The 4 x 4 mesh of the check. */
struct Mesh : RouterMesh {
    Mesh() : RouterMesh(kCols, kRows) {}
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
        auto taken = mesh.step(inj, rng, false, [&](int x, int y, const Flit &f) {
            const int node = y * kCols + x;
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
        auto taken = mesh.step(inj, rng, true, [&](int x, int y, const Flit &f) {
            const int d = y * kCols + x;
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
