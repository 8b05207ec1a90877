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

#endif /* SIM_NOC_H */
