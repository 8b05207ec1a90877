/*
 * cosim_router: the harness of the Verilated 5-port XY router (rtl/src/noc_router.v) — a flit,
 * one router with helpers to set / read its flattened flit ports, and a cols x rows mesh of
 * router instances wired N/E/S/W by the harness with the local ports left to the caller.
 * Used by the router cross-check (cosim_router.cpp, rtl-check) and test_rtl_router.
 */
#ifndef COSIM_ROUTER_HPP
#define COSIM_ROUTER_HPP

#include <cstdint>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "Vnoc_router.h"
#include "verilated.h"

namespace cosim {

/* Router ports: north (increasing row), east (increasing column), south, west, local. */
enum { P_N = 0, P_E = 1, P_S = 2, P_W = 3, P_L = 4 };

/* One 96-bit flit = 3 words (layout of docs/rtl.md and noc_router.v). */
struct Flit {
    uint32_t w0 = 0, w1 = 0;          /* event words */
    uint8_t col = 0, row = 0, id = 0; /* destination node and NP */
    bool tail = false;                /* last flit of its packet */
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

/* A flit for messages: "[w0 w1 -> (col,row,id) tail]". */
inline std::string flit_str(const Flit &f) {
    char b[128];
    snprintf(b, sizeof b, "[%08x %08x -> (%u,%u,%u)%s]", f.w0, f.w1, unsigned(f.col),
             unsigned(f.row), unsigned(f.id), f.tail ? " tail" : "");
    return b;
}

/* One router model at node (col, row), reset. */
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
    /* Clock low: outputs settle on the current inputs. */
    void low() {
        m->clk = 0;
        m->eval();
    }
    /* One clock: low, then the rising edge. */
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

/* A cols x rows mesh of routers; ports wired N/E/S/W between neighbours, local ports to the
 * harness. Node (c, r) sits at index r * cols + c; its router ident is (c, r). */
struct RouterMesh {
    int cols, rows;                             /* size */
    std::vector<std::unique_ptr<Router>> nodes; /* routers, row-major */
    uint64_t cycle = 0;                         /* clocks stepped */
    RouterMesh(int c, int r) : cols(c), rows(r) {
        for (int y = 0; y < rows; y++) {
            for (int x = 0; x < cols; x++) {
                nodes.emplace_back(new Router(uint8_t(x), uint8_t(y)));
            }
        }
    }
    Router &at(int x, int y) {
        return *nodes[size_t(y * cols + x)];
    }
    /* Neighbour of (x, y) through port p and the port it arrives on; false at the edge. */
    bool link(int x, int y, int p, int *nx, int *ny, int *np) const {
        int dx = p == P_E ? 1 : p == P_W ? -1 : 0, dy = p == P_N ? 1 : p == P_S ? -1 : 0;
        *nx = x + dx;
        *ny = y + dy;
        *np = p == P_E ? P_W : p == P_W ? P_E : p == P_N ? P_S : P_N;
        return *nx >= 0 && *nx < cols && *ny >= 0 && *ny < rows;
    }
    /* One clock: inject[node] = flit offered on the local input (or none); eject ready on
     * every local output (random 2 in 3 with random_ready). Calls got(x, y, flit) for each
     * ejected flit; returns the local inputs taken. Outputs (valid, flit) and in_ready depend
     * only on state, so one eval with the clock low fixes them; inter-router handshakes are
     * then wired and evaluated. */
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
                wire(x, y, inject[size_t(y * cols + x)], rng, random_ready);
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
        cycle++;
        return taken;
    }

  private:
    /* The handshakes of node (x, y): its outputs to the neighbours' inputs, their readies
     * back, the injected flit and the local ready. */
    void wire(int x, int y, const Flit *f, std::mt19937 &rng, bool random_ready) {
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
        a.set_in(P_L, f != nullptr, f ? *f : Flit{});
        bool rdy = !random_ready || rng() % 3 != 0;
        a.m->out_ready |= uint8_t(rdy << P_L);
    }
};

} // namespace cosim

#endif /* COSIM_ROUTER_HPP */
