/*
 * sim_sched: binary min-heap of timed events (see sim_sched.h).
 */
#include "sim_sched.h"

#include <stdlib.h>

static bool sim_ev_before(const sim_ev *x, const sim_ev *y) {
    return x->t < y->t || (x->t == y->t && x->seq < y->seq);
}

bool sim_sched_push(sim_sched *s, double t, uint32_t kind, uint32_t a, uint32_t b, uint32_t c) {
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 256;
        sim_ev *h = realloc(s->heap, cap * sizeof *h);
        if (h == NULL) {
            return false;
        }
        s->heap = h;
        s->cap = cap;
    }
    size_t i = s->n++;
    sim_ev e = {t, s->next++, kind, a, b, c};
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!sim_ev_before(&e, &s->heap[p])) {
            break;
        }
        s->heap[i] = s->heap[p];
        i = p;
    }
    s->heap[i] = e;
    return true;
}

bool sim_sched_pop(sim_sched *s, sim_ev *out) {
    if (s->n == 0) {
        return false;
    }
    *out = s->heap[0];
    sim_ev last = s->heap[--s->n];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        const sim_ev *best = &last;
        if (l < s->n && sim_ev_before(&s->heap[l], best)) {
            m = l;
            best = &s->heap[l];
        }
        if (r < s->n && sim_ev_before(&s->heap[r], best)) {
            m = r;
        }
        if (m == i) {
            break;
        }
        s->heap[i] = s->heap[m];
        i = m;
    }
    if (s->n > 0) {
        s->heap[i] = last;
    }
    return true;
}

void sim_sched_free(sim_sched *s) {
    free(s->heap);
    s->heap = NULL;
    s->n = s->cap = 0;
}
