/*
 * sim_noc: the network on chip of the timing model.
 *
 * Packets travel XY-routed over the node grid: first along the row to the destination
 * column, then along the column to the destination row (column first, then row). Each
 * directed link between adjacent nodes, each NP's injection port (NP -> router) and each
 * ejection port (router -> NP) is a resource carrying link_bytes_per_cycle: a packet takes
 * bytes / link_bytes_per_cycle cycles to cross it and a link busy with another packet delays
 * it (contention, first come first served in the order packets are sent). The head of a
 * packet advances hop_cycles per router + link (cut-through), so an uncontended packet over
 * h links arrives after (h + 1) * hop_cycles + bytes / link_bytes_per_cycle cycles.
 */
#ifndef SIM_NOC_H
#define SIM_NOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mesh/mesh.h"

typedef struct sim_noc {
    uint32_t cols, rows;    /* grid */
    double hop_cycles;      /* head latency per hop */
    double bytes_per_cycle; /* link throughput */
    double *link_free;      /* per directed link (node * 4 + direction): next free time */
    double *port_free;      /* per slot (node * 4 + id) * 2 + {0 inject, 1 eject} */
    uint64_t hop_bytes;     /* sum over packets of bytes x hops */
    uint64_t packets;       /* packets sent */
    uint64_t bytes;         /* bytes sent */
} sim_noc;

/* A NoC for a grid; false when out of memory. */
bool sim_noc_init(sim_noc *n, uint32_t cols, uint32_t rows, double hop_cycles,
                  double bytes_per_cycle);
void sim_noc_free(sim_noc *n);
/* Clears link occupancy and counters. */
void sim_noc_reset(sim_noc *n);
/* Number of hops (inter-node links + 1) between two idents. */
uint32_t sim_noc_hops(const sim_noc *n, mesh_ident src, mesh_ident dst);
/* Sends a packet of `bytes` from src at time t; returns the time its last byte arrives at
 * dst. */
double sim_noc_send(sim_noc *n, mesh_ident src, mesh_ident dst, double t, uint32_t bytes);

/* The route of a (src, dst) pair, resolved once (sim_noc_path_of) for the packets sent
 * along it (sim_noc_send_path): resources as indices into link_free / port_free; the links
 * of a leg are `step` apart (+-4: one node along a row; +-4 cols: one row along a column). */
typedef struct sim_noc_path {
    uint32_t inject; /* port_free index of the injection port */
    uint32_t eject;  /* port_free index of the ejection port */
    uint32_t x0, nx; /* row leg: link_free index of its first link, links */
    int32_t x_step;  /* row leg: index step between its links */
    uint32_t y0, ny; /* column leg: first link, links */
    int32_t y_step;  /* column leg: index step */
} sim_noc_path;

/* Route from src to dst (XY, as sim_noc_send). */
void sim_noc_path_of(const sim_noc *n, mesh_ident src, mesh_ident dst, sim_noc_path *out);
/* Hops of a route (as sim_noc_hops). */
static inline uint32_t sim_noc_path_hops(const sim_noc_path *p) {
    return p->nx + p->ny + 1;
}
/* Occupies resource *free_t from head time t for ser cycles; returns the head time at the
 * next router. */
static inline double sim_noc_cross(double *free_t, double t, double ser, double hop) {
    double start = t > *free_t ? t : *free_t;
    *free_t = start + ser;
    return start + hop;
}

/* Crosses the `cnt` links of a leg (link_free[l0], then `step` apart), each as
 * sim_noc_cross; returns the head time after the leg. */
static inline double sim_noc_leg(double *link_free, uint32_t l0, int32_t step, uint32_t cnt,
                                 double head, double ser, double hop) {
    ptrdiff_t l = l0;
    for (uint32_t k = 0; k < cnt; k++, l += step) {
        head = sim_noc_cross(&link_free[l], head, ser, hop);
    }
    return head;
}

/* sim_noc_send along a resolved route: the same reservations, times and counters (inline:
 * it runs once per packet). */
static inline double sim_noc_send_path(sim_noc *n, const sim_noc_path *p, double t,
                                       uint32_t bytes) {
    double ser = (double)bytes / n->bytes_per_cycle, hop = n->hop_cycles;
    double head = sim_noc_cross(&n->port_free[p->inject], t, ser, hop);
    head = sim_noc_leg(n->link_free, p->x0, p->x_step, p->nx, head, ser, hop);
    head = sim_noc_leg(n->link_free, p->y0, p->y_step, p->ny, head, ser, hop);
    double start = sim_noc_cross(&n->port_free[p->eject], head, ser, 0.0);
    n->hop_bytes += (uint64_t)bytes * (p->nx + p->ny + 1);
    n->packets++;
    n->bytes += bytes;
    return start + ser;
}

#endif /* SIM_NOC_H */
