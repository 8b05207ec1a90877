/*
 * sim_noc: XY routing with per-link contention (see sim_noc.h).
 */
#include "sim_noc.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

enum { SIM_DIR_E = 0, SIM_DIR_W = 1, SIM_DIR_N = 2, SIM_DIR_S = 3 };

static uint32_t sim_noc_clamp(uint32_t v, uint32_t hi) {
    return v < 1 ? 0 : (v > hi ? hi - 1 : v - 1);
}

static size_t sim_noc_node(const sim_noc *n, uint32_t col, uint32_t row) {
    return (size_t)row * n->cols + col;
}

bool sim_noc_init(sim_noc *n, uint32_t cols, uint32_t rows, double hop_cycles,
                  double bytes_per_cycle) {
    memset(n, 0, sizeof *n);
    n->cols = cols ? cols : 1;
    n->rows = rows ? rows : 1;
    n->hop_cycles = hop_cycles;
    n->bytes_per_cycle = bytes_per_cycle;
    size_t nodes = (size_t)n->cols * n->rows;
    n->link_free = calloc(nodes * 4, sizeof *n->link_free);
    n->port_free = calloc(nodes * 8, sizeof *n->port_free);
    if (n->link_free == NULL || n->port_free == NULL) {
        sim_noc_free(n);
        return false;
    }
    return true;
}

void sim_noc_free(sim_noc *n) {
    free(n->link_free);
    free(n->port_free);
    n->link_free = n->port_free = NULL;
}

void sim_noc_reset(sim_noc *n) {
    size_t nodes = (size_t)n->cols * n->rows;
    memset(n->link_free, 0, nodes * 4 * sizeof *n->link_free);
    memset(n->port_free, 0, nodes * 8 * sizeof *n->port_free);
    n->hop_bytes = n->packets = n->bytes = 0;
}

uint32_t sim_noc_hops(const sim_noc *n, mesh_ident src, mesh_ident dst) {
    uint32_t c0 = sim_noc_clamp(src.col, n->cols), r0 = sim_noc_clamp(src.row, n->rows);
    uint32_t c1 = sim_noc_clamp(dst.col, n->cols), r1 = sim_noc_clamp(dst.row, n->rows);
    uint32_t dc = c0 > c1 ? c0 - c1 : c1 - c0, dr = r0 > r1 ? r0 - r1 : r1 - r0;
    return dc + dr + 1;
}

void sim_noc_path_of(const sim_noc *n, mesh_ident src, mesh_ident dst, sim_noc_path *out) {
    uint32_t c = sim_noc_clamp(src.col, n->cols), r = sim_noc_clamp(src.row, n->rows);
    uint32_t c1 = sim_noc_clamp(dst.col, n->cols), r1 = sim_noc_clamp(dst.row, n->rows);
    out->inject = (uint32_t)((sim_noc_node(n, c, r) * 4 + (src.id & 3u)) * 2);
    out->eject = (uint32_t)((sim_noc_node(n, c1, r1) * 4 + (dst.id & 3u)) * 2 + 1);
    /* row leg from (c, r) to (c1, r); column leg from (c1, r) to (c1, r1) */
    out->nx = c < c1 ? c1 - c : c - c1;
    out->x0 = (uint32_t)(sim_noc_node(n, c, r) * 4 + (c < c1 ? SIM_DIR_E : SIM_DIR_W));
    out->x_step = c < c1 ? 4 : -4;
    out->ny = r < r1 ? r1 - r : r - r1;
    out->y0 = (uint32_t)(sim_noc_node(n, c1, r) * 4 + (r < r1 ? SIM_DIR_N : SIM_DIR_S));
    out->y_step = (r < r1 ? 4 : -4) * (int32_t)n->cols;
}

double sim_noc_send(sim_noc *n, mesh_ident src, mesh_ident dst, double t, uint32_t bytes) {
    sim_noc_path p;
    sim_noc_path_of(n, src, dst, &p);
    return sim_noc_send_path(n, &p, t, bytes);
}
