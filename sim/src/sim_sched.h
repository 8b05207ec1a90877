/*
 * sim_sched: the discrete-event queue of the timing model.
 *
 * A binary min-heap of events ordered by (time, sequence number): events at equal times pop
 * in the order they were pushed, so a run is deterministic. Time is in device cycles
 * (double: formulas may cost fractional cycles; results are rounded up at the end). Idle
 * units cost nothing: the engine only pushes work that happens.
 */
#ifndef SIM_SCHED_H
#define SIM_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sim_ev {
    double t;      /* time, cycles */
    uint64_t seq;  /* push order (tie break) */
    uint32_t kind; /* event kind (engine-defined) */
    uint32_t a;    /* argument (e.g. NP index) */
    uint32_t b;    /* argument (e.g. frame) */
    uint32_t c;    /* argument (e.g. line) */
} sim_ev;

typedef struct sim_sched {
    sim_ev *heap;  /* heap array */
    size_t n;      /* events queued */
    size_t cap;    /* allocated */
    uint64_t next; /* next sequence number */
} sim_sched;

/* Queues an event; false when out of memory. */
bool sim_sched_push(sim_sched *s, double t, uint32_t kind, uint32_t a, uint32_t b, uint32_t c);
/* Pops the earliest event into *out; false when empty. */
bool sim_sched_pop(sim_sched *s, sim_ev *out);
void sim_sched_free(sim_sched *s);

#endif /* SIM_SCHED_H */
