/*
 * sim_sched: the discrete-event queue of the timing model.
 *
 * Events are ordered by (time, sequence number): events at equal times pop in the order
 * their sequence numbers were taken (push order), so a run is deterministic. Time is in
 * device cycles (double: formulas may cost fractional cycles; results are rounded up at the
 * end; never NaN; -0.0 counts as 0.0). Idle units cost nothing: the engine only pushes work
 * that happens.
 *
 * Structure: a 4-ary min-heap (half the depth of a binary heap, the four children of a node
 * side by side; removal moves the hole down to a leaf first) keyed by the time's bits mapped
 * to an unsigned integer of the same order, then the sequence number (one 128-bit integer
 * compare, no branch), plus a FIFO run: a push at or after the run's last event is appended
 * to it in O(1) (the input DMA's events, scheduled up front in time order, stay out of the
 * heap; an empty run takes any push); a pop takes the earlier of the heap top and the run's
 * head. Storage grows by doubling and is kept across clears: no allocation per event.
 *
 * A coalesced event (several engine happenings of which only the last in (time, sequence)
 * order acts) can take its sequence numbers with sim_sched_reserve when each happening
 * occurs and be queued once, under the largest (time, sequence) pair, with
 * sim_sched_push_seq: it pops exactly where that last happening would have popped.
 */
#ifndef SIM_SCHED_H
#define SIM_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sim_ev {
    double t;      /* time, cycles */
    uint64_t seq;  /* sequence number (tie break) */
    uint32_t kind; /* event kind (engine-defined) */
    uint32_t a;    /* argument (e.g. NP index) */
    uint32_t b;    /* argument (e.g. frame) */
    uint32_t c;    /* argument (e.g. line) */
} sim_ev;

/* A queued event: the time as an order-preserving unsigned key. (internal) */
typedef struct sim_qev {
    uint64_t key;  /* sim_sched_key(t) */
    uint64_t seq;  /* sequence number */
    uint32_t kind; /* event kind */
    uint32_t a;    /* argument */
    uint32_t b;    /* argument */
    uint32_t c;    /* argument */
} sim_qev;

typedef struct sim_sched {
    sim_qev *heap;   /* 4-ary heap array */
    size_t n;        /* events in the heap */
    size_t cap;      /* heap slots allocated */
    sim_qev *run;    /* FIFO run: ring buffer of events in (key, seq) order */
    size_t run_head; /* index of its first event */
    size_t run_n;    /* events in the run */
    size_t run_cap;  /* ring slots allocated (a power of two, or 0) */
    uint64_t next;   /* next sequence number */
} sim_sched;

/* Order-preserving unsigned key of a time (t < u <=> key(t) < key(u); -0.0 as 0.0). */
static inline uint64_t sim_sched_key(double t) {
    union {
        double d;
        uint64_t u;
    } v = {t + 0.0};
    return v.u >> 63 ? ~v.u : v.u | UINT64_C(0x8000000000000000);
}

/* Time of a key (inverse of sim_sched_key). */
static inline double sim_sched_time(uint64_t key) {
    union {
        uint64_t u;
        double d;
    } v = {key >> 63 ? key & ~UINT64_C(0x8000000000000000) : ~key};
    return v.d;
}

/* Queues an event under the next sequence number; false when out of memory. */
bool sim_sched_push(sim_sched *s, double t, uint32_t kind, uint32_t a, uint32_t b, uint32_t c);
/* Takes the next sequence number without queuing anything. */
static inline uint64_t sim_sched_reserve(sim_sched *s) {
    return s->next++;
}
/* Queues an event under a sequence number taken with sim_sched_reserve; false when out of
 * memory. */
bool sim_sched_push_seq(sim_sched *s, double t, uint64_t seq, uint32_t kind, uint32_t a, uint32_t b,
                        uint32_t c);
/* Pops the earliest event into *out; false when empty. */
bool sim_sched_pop(sim_sched *s, sim_ev *out);
/* Events queued. */
static inline size_t sim_sched_size(const sim_sched *s) {
    return s->n + s->run_n;
}
/* Drops every queued event (storage and the sequence counter are kept). */
void sim_sched_clear(sim_sched *s);
void sim_sched_free(sim_sched *s);

#endif /* SIM_SCHED_H */
