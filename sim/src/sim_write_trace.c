/*
 * sim_write_trace: the Chrome Trace Event JSON of a run (the "JSON Object Format" that
 * chrome://tracing and Perfetto open).
 *
 * One process (pid 1) named after the device; one thread per track of the results (tid =
 * track index + 1), named by a "thread_name" metadata event and ordered by a
 * "thread_sort_index"; then one complete ("X") event per span with ts and dur in
 * microseconds: cycles are converted to an integer number of picoseconds
 * (sim_write_cycles_to_ps, exact rounding) and printed with 6 decimals; dur is the
 * difference of the rounded end and start, so spans nested in cycles stay nested in the file.
 * args carry the frame and the exact cycle count.
 *
 * The format requires the slices of one thread to nest properly; pipelined frames overlap
 * without nesting. So the spans of a track are laid out in lanes: sorted by (start, longer
 * first), each span goes to the first lane where it nests inside the spans still open there;
 * lane 0 is the track's own thread, lane k > 0 an extra thread "<track> #<k+1>" (tid after
 * all tracks, sorted right after its track). X events are written by track, start, longer
 * first. See docs/stats-format.md.
 */
#include "akisim/sim_write.h"

#include "sim_write_buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TRACE_SORT_STRIDE 1000u /* thread_sort_index = track * stride + lane */

/* A span in output order with its lane. */
typedef struct trace_item {
    uint32_t track; /* track index */
    uint64_t start; /* first cycle */
    uint64_t end;   /* end cycle, >= start */
    size_t index;   /* index in sim_results.spans */
    uint32_t lane;  /* lane within the track */
} trace_item;

/* The open spans (end cycles, innermost last) of one lane. */
typedef struct trace_lane {
    uint64_t *ends; /* stack of end cycles */
    size_t n;       /* depth */
    size_t cap;     /* allocated */
} trace_lane;

/* Extra lanes (beyond lane 0) of the tracks, in tid order. */
typedef struct trace_layout {
    trace_item *items;  /* n_spans items in output order */
    uint32_t *n_lanes;  /* lanes per track (>= 1) */
    uint32_t *tid_base; /* tid of lane 1 of each track (extra lanes are consecutive) */
} trace_layout;

static int item_cmp(const void *pa, const void *pb) {
    const trace_item *a = pa, *b = pb;
    if (a->track != b->track)
        return a->track < b->track ? -1 : 1;
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    if (a->end != b->end)
        return a->end > b->end ? -1 : 1; /* longer first: parents before children */
    return a->index < b->index ? -1 : a->index > b->index;
}

/* True when a span [start, end) nests in lane l (after closing the spans ended by start). */
static bool lane_fits(trace_lane *l, uint64_t start, uint64_t end) {
    while (l->n && l->ends[l->n - 1] <= start)
        l->n--;
    return l->n == 0 || l->ends[l->n - 1] >= end;
}

static bool lane_push(trace_lane *l, uint64_t end) {
    if (l->n == l->cap) {
        const size_t cap = l->cap ? 2 * l->cap : 8;
        uint64_t *e = realloc(l->ends, cap * sizeof *e);
        if (!e)
            return false;
        l->ends = e;
        l->cap = cap;
    }
    l->ends[l->n++] = end;
    return true;
}

/* Assigns lanes to the items of one track [first, last); returns false when out of memory. */
static bool assign_lanes(trace_item *items, size_t first, size_t last, uint32_t *n_lanes) {
    trace_lane *lanes = NULL;
    uint32_t n = 0;
    bool ok = true;
    for (size_t i = first; i < last && ok; i++) {
        uint32_t l = 0;
        while (l < n && !lane_fits(&lanes[l], items[i].start, items[i].end))
            l++;
        if (l == n) {
            trace_lane *g = realloc(lanes, (size_t)(n + 1) * sizeof *g);
            if (!g) {
                ok = false;
                break;
            }
            lanes = g;
            memset(&lanes[n++], 0, sizeof *lanes);
        }
        items[i].lane = l;
        ok = lane_push(&lanes[l], items[i].end);
    }
    for (uint32_t l = 0; l < n; l++)
        free(lanes[l].ends);
    free(lanes);
    *n_lanes = n ? n : 1;
    return ok;
}

static void layout_free(trace_layout *t) {
    free(t->items);
    free(t->n_lanes);
    free(t->tid_base);
}

/* Sorts the spans and lays them out in lanes; false when out of memory. */
static bool layout(const sim_results *r, trace_layout *t) {
    memset(t, 0, sizeof *t);
    const size_t nt = r->n_tracks;
    t->items = malloc((r->n_spans ? r->n_spans : 1) * sizeof *t->items);
    t->n_lanes = calloc(nt ? nt : 1, sizeof *t->n_lanes);
    t->tid_base = calloc(nt ? nt : 1, sizeof *t->tid_base);
    if (!t->items || !t->n_lanes || !t->tid_base)
        return false;
    size_t n = 0;
    for (size_t i = 0; i < r->n_spans; i++) {
        const sim_span *s = &r->spans[i];
        if (s->track >= nt)
            continue; /* a span on no track cannot be shown */
        t->items[n++] =
            (trace_item){s->track, s->start, s->end > s->start ? s->end : s->start, i, 0};
    }
    qsort(t->items, n, sizeof *t->items, item_cmp);
    for (uint32_t k = 0; k < nt; k++)
        t->n_lanes[k] = 1;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && t->items[j].track == t->items[i].track)
            j++;
        if (!assign_lanes(t->items, i, j, &t->n_lanes[t->items[i].track]))
            return false;
        i = j;
    }
    uint32_t next = (uint32_t)nt + 1;
    for (uint32_t k = 0; k < nt; k++) {
        t->tid_base[k] = next;
        next += t->n_lanes[k] - 1;
    }
    return true;
}

/* Number of laid-out items (spans on a valid track). */
static size_t layout_count(const sim_results *r) {
    size_t n = 0;
    for (size_t i = 0; i < r->n_spans; i++)
        n += r->spans[i].track < r->n_tracks;
    return n;
}

static uint32_t lane_tid(const trace_layout *t, uint32_t track, uint32_t lane) {
    return lane == 0 ? track + 1 : t->tid_base[track] + lane - 1;
}

/* The name of span s ("?" when its string index is out of range). */
static const char *span_name(const sim_results *r, const sim_span *s, size_t *max) {
    if (s->name < r->n_strings) {
        *max = sizeof r->strings[0];
        return r->strings[s->name];
    }
    *max = 2;
    return "?";
}

/* Metadata of one thread: its name (track name, " #<lane+1>" for extra lanes) and order. */
static void thread_meta(sim_buf *b, const sim_results *r, uint32_t tid, uint32_t track,
                        uint32_t lane) {
    sim_buf_printf(b,
                   ",\n{\"ph\": \"M\", \"pid\": 1, \"tid\": %u, \"name\": \"thread_name\", "
                   "\"args\": {\"name\": ",
                   (unsigned)tid);
    if (lane == 0) {
        sim_buf_json_string(b, r->tracks[track], sizeof r->tracks[track]);
    } else {
        char name[sizeof r->tracks[0] + 16];
        snprintf(name, sizeof name, "%.*s #%u",
                 (int)strnlen(r->tracks[track], sizeof r->tracks[track]), r->tracks[track],
                 (unsigned)lane + 1);
        sim_buf_json_string(b, name, sizeof name);
    }
    sim_buf_printf(b,
                   "}},\n{\"ph\": \"M\", \"pid\": 1, \"tid\": %u, \"name\": "
                   "\"thread_sort_index\", \"args\": {\"sort_index\": %llu}}",
                   (unsigned)tid,
                   (unsigned long long)track * TRACE_SORT_STRIDE + (unsigned long long)lane);
}

static void trace_metadata(sim_buf *b, const sim_results *r, const trace_layout *t) {
    sim_buf_puts(b, "{\"ph\": \"M\", \"pid\": 1, \"tid\": 0, \"name\": \"process_name\", "
                    "\"args\": {\"name\": ");
    sim_buf_json_string(b, r->device, sizeof r->device);
    sim_buf_puts(b, "}}");
    for (uint32_t k = 0; k < r->n_tracks; k++)
        thread_meta(b, r, k + 1, k, 0);
    for (uint32_t k = 0; k < r->n_tracks; k++)
        for (uint32_t l = 1; l < t->n_lanes[k]; l++)
            thread_meta(b, r, lane_tid(t, k, l), k, l);
}

static void trace_span(sim_buf *b, const sim_results *r, const trace_layout *t,
                       const trace_item *it) {
    const sim_span *s = &r->spans[it->index];
    const uint64_t ts = sim_write_cycles_to_ps(it->start, r->clock_mhz);
    const uint64_t te = sim_write_cycles_to_ps(it->end, r->clock_mhz);
    size_t max;
    const char *name = span_name(r, s, &max);
    sim_buf_printf(b, ",\n{\"ph\": \"X\", \"pid\": 1, \"tid\": %u, \"name\": ",
                   (unsigned)lane_tid(t, it->track, it->lane));
    sim_buf_json_string(b, name, max);
    sim_buf_puts(b, ", \"ts\": ");
    sim_buf_us6(b, ts);
    sim_buf_puts(b, ", \"dur\": ");
    sim_buf_us6(b, te - ts);
    sim_buf_printf(b, ", \"args\": {\"frame\": %u, \"cycles\": %llu}}", (unsigned)s->frame,
                   (unsigned long long)(it->end - it->start));
}

char *sim_write_trace_json(const sim_results *r) {
    trace_layout t;
    if (!layout(r, &t)) {
        layout_free(&t);
        return NULL;
    }
    sim_buf b = {0};
    sim_buf_puts(&b, "{\"displayTimeUnit\": \"ns\",\n\"otherData\": {\"device\": ");
    sim_buf_json_string(&b, r->device, sizeof r->device);
    sim_buf_puts(&b, ", \"clock_mode\": ");
    sim_buf_json_string(&b, r->clock_mode, sizeof r->clock_mode);
    sim_buf_puts(&b, ", \"clock_mhz\": ");
    sim_buf_json_double(&b, r->clock_mhz);
    sim_buf_puts(&b, "},\n\"traceEvents\": [\n");
    trace_metadata(&b, r, &t);
    const size_t n = layout_count(r);
    for (size_t i = 0; i < n; i++)
        trace_span(&b, r, &t, &t.items[i]);
    sim_buf_puts(&b, "\n]}\n");
    layout_free(&t);
    return sim_buf_take(&b);
}
