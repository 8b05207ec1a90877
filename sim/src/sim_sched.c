/*
 * sim_sched: 4-ary min-heap of timed events plus a FIFO run of in-order pushes (see
 * sim_sched.h).
 */
#include "sim_sched.h"

#include <stdlib.h>

#define SIM_SCHED_ARITY 4 /* children per heap node */

/* x before y in (key, seq) order: one 128-bit compare (compare and subtract with borrow, no
 * branch: the heap's comparisons are unpredictable). */
static inline bool sim_qev_before(const sim_qev *x, const sim_qev *y) {
    const unsigned __int128 kx = (unsigned __int128)x->key << 64 | x->seq;
    const unsigned __int128 ky = (unsigned __int128)y->key << 64 | y->seq;
    return kx < ky;
}

/* Grows the heap to hold one more event; false when out of memory. */
static bool sim_sched_grow_heap(sim_sched *s) {
    size_t cap = s->cap ? s->cap * 2 : 256;
    sim_qev *h = realloc(s->heap, cap * sizeof *h);
    if (h == NULL) {
        return false;
    }
    s->heap = h;
    s->cap = cap;
    return true;
}

/* Grows the run's ring (keeping its order) to hold one more event; false when out of
 * memory. */
static bool sim_sched_grow_run(sim_sched *s) {
    size_t cap = s->run_cap ? s->run_cap * 2 : 256;
    sim_qev *r = malloc(cap * sizeof *r);
    if (r == NULL) {
        return false;
    }
    for (size_t i = 0; i < s->run_n; i++) {
        r[i] = s->run[(s->run_head + i) & (s->run_cap - 1)];
    }
    free(s->run);
    s->run = r;
    s->run_cap = cap;
    s->run_head = 0;
    return true;
}

static bool sim_sched_heap_push(sim_sched *s, const sim_qev *e) {
    if (s->n == s->cap && !sim_sched_grow_heap(s)) {
        return false;
    }
    size_t i = s->n++;
    while (i > 0) {
        size_t p = (i - 1) / SIM_SCHED_ARITY;
        if (!sim_qev_before(e, &s->heap[p])) {
            break;
        }
        s->heap[i] = s->heap[p];
        i = p;
    }
    s->heap[i] = *e;
    return true;
}

static bool sim_sched_insert(sim_sched *s, const sim_qev *e) {
    if (s->run_n > 0 &&
        sim_qev_before(e, &s->run[(s->run_head + s->run_n - 1) & (s->run_cap - 1)])) {
        return sim_sched_heap_push(s, e);
    }
    if (s->run_n == s->run_cap && !sim_sched_grow_run(s)) {
        return false;
    }
    s->run[(s->run_head + s->run_n++) & (s->run_cap - 1)] = *e;
    return true;
}

bool sim_sched_push(sim_sched *s, double t, uint32_t kind, uint32_t a, uint32_t b, uint32_t c) {
    const sim_qev e = {sim_sched_key(t), s->next, kind, a, b, c};
    if (!sim_sched_insert(s, &e)) {
        return false;
    }
    s->next++;
    return true;
}

bool sim_sched_push_seq(sim_sched *s, double t, uint64_t seq, uint32_t kind, uint32_t a, uint32_t b,
                        uint32_t c) {
    const sim_qev e = {sim_sched_key(t), seq, kind, a, b, c};
    return sim_sched_insert(s, &e);
}

/* Index of the earliest of the (up to four) children of node i (first child f < n). */
static inline size_t sim_sched_min_child(const sim_qev *h, size_t f, size_t n) {
    if (f + SIM_SCHED_ARITY <= n) { /* a full node: a tournament of selects */
        size_t m0 = sim_qev_before(&h[f + 1], &h[f]) ? f + 1 : f;
        size_t m1 = sim_qev_before(&h[f + 3], &h[f + 2]) ? f + 3 : f + 2;
        return sim_qev_before(&h[m1], &h[m0]) ? m1 : m0;
    }
    size_t m = f;
    for (size_t k = f + 1; k < n; k++) {
        m = sim_qev_before(&h[k], &h[m]) ? k : m;
    }
    return m;
}

/* Removes the heap's top into *out: the hole at the root moves down along the earliest
 * children to a leaf, where the last event fills it and moves up (Floyd's bottom-up
 * removal: the last event, late, rarely moves up far). */
static void sim_sched_heap_pop(sim_sched *s, sim_qev *out) {
    sim_qev *h = s->heap;
    *out = h[0];
    size_t n = --s->n, i = 0;
    if (n == 0) {
        return;
    }
    for (;;) {
        size_t f = i * SIM_SCHED_ARITY + 1;
        if (f >= n) {
            break;
        }
        size_t m = sim_sched_min_child(h, f, n);
        h[i] = h[m];
        i = m;
    }
    const sim_qev last = h[n];
    while (i > 0) {
        size_t p = (i - 1) / SIM_SCHED_ARITY;
        if (!sim_qev_before(&last, &h[p])) {
            break;
        }
        h[i] = h[p];
        i = p;
    }
    h[i] = last;
}

bool sim_sched_pop(sim_sched *s, sim_ev *out) {
    sim_qev e;
    if (s->run_n > 0 && (s->n == 0 || sim_qev_before(&s->run[s->run_head], &s->heap[0]))) {
        e = s->run[s->run_head];
        s->run_head = (s->run_head + 1) & (s->run_cap - 1);
        s->run_n--;
    } else if (s->n > 0) {
        sim_sched_heap_pop(s, &e);
    } else {
        return false;
    }
    *out = (sim_ev){sim_sched_time(e.key), e.seq, e.kind, e.a, e.b, e.c};
    return true;
}

void sim_sched_clear(sim_sched *s) {
    s->n = 0;
    s->run_head = s->run_n = 0;
}

void sim_sched_free(sim_sched *s) {
    free(s->heap);
    free(s->run);
    s->heap = s->run = NULL;
    s->n = s->cap = 0;
    s->run_head = s->run_n = s->run_cap = 0;
}
