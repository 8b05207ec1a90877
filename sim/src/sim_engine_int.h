/*
 * sim_engine_int: internal state shared by the engine files (sim_device.c functional path,
 * sim_record.c record, sim_record_stream.c its compact event streams, sim_record_sum.c its
 * per-layer input summaries, sim_timing.c discrete-event timing and energy). Internal to
 * sim/.
 */
#ifndef SIM_ENGINE_INT_H
#define SIM_ENGINE_INT_H

#include "akisim/sim_engine.h"
#include "akisim/sim_np_backend.h"
#include "npu/npu_np.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SIM_NO_LAYER UINT32_MAX /* producer of a layer fed by the model input */

/* What the record knows about one model layer (mesh independent). */
typedef struct sim_layer_rec {
    char name[64];       /* layer name ("layer_<i>" without a host model) */
    char type[32];       /* type name */
    npu_shape in_shape;  /* input dims */
    npu_shape out_shape; /* output dims */
    uint32_t producer;   /* layer whose output it reads (first inbound), or SIM_NO_LAYER */
} sim_layer_rec;

/* One recorded event stream (a layer's output or the model input, one frame), compact:
 * the events in scan order (x, y, c) as per-column ranges of positions — packed
 * (y << cbits | c, 16 or 32 bits), or, when smaller, one bit per tensor element in scan
 * order — and packed values (the width the stream's value range needs), plus per column
 * the channel prefix counts the timing model queries.
 * (sim_record_stream.c; docs/timing-model.md, "Record") */
typedef struct sim_rstream {
    uint32_t X, Y, C;  /* dims: the declared shape, widened to hold every event */
    uint32_t n;        /* events */
    uint8_t cbits;     /* decoded position = y << cbits | c */
    uint8_t pos_bytes; /* bytes per stored position: 2 or 4; 0 = bitmap */
    uint8_t val_bits;  /* bits per value: 0, 1, 2, 4, 8, 16 or 32 */
    int32_t val_min;   /* value = val_min + packed field */
    uint32_t *col;     /* [X + 1] index of the first event of each column */
    void *pos;         /* [n] positions (uint16_t or uint32_t), or the bitmap (uint64_t words,
                          bit (x * Y + y) * C + c) */
    uint8_t *val;      /* packed values, little-endian bit order */
    uint32_t *chist;   /* [X][C + 1]: per column, events of channel < k (k = 0..C) */
} sim_rstream;

/* What a layer's input summary depends on: its source stream and the layer geometry of
 * an NP configuration (the same for every NP of the layer, on any mesh). */
typedef struct sim_rgeom {
    uint32_t src;            /* stream read: producer layer or SIM_NO_LAYER (model input) */
    npu_shape in, conv;      /* input and convolution dims */
    uint32_t kx, ky, sx, sy; /* kernel and stride */
    uint32_t pad_x, pad_y;   /* padding before */
    uint32_t kind;           /* SIM_RGEOM_* */
    uint32_t transpose;      /* transposed convolution (0 / 1) */
} sim_rgeom;

enum {
    SIM_RGEOM_DENSE = 0,     /* FNP: per-column counts only */
    SIM_RGEOM_CONV = 1,      /* convolution (HRC / CNP) */
    SIM_RGEOM_DEPTHWISE = 2, /* depthwise: per-column channel prefix sums */
    SIM_RGEOM_SEPARABLE = 3  /* separable: plus active depthwise potentials */
};

/* A layer's input summary of one frame (sim_record_sum.c): what every NP of the layer
 * derives its per-line work from, whatever its column range and filter slice. */
typedef struct sim_rsum {
    sim_rgeom g;   /* geometry it was derived for */
    bool valid;    /* derived */
    uint32_t *cnt; /* [in.x] events per column (y < in.y, c < in.c); depthwise:
                      [in.x][in.c + 1] prefix over channels */
    uint64_t *wy;  /* same layout: the events weighted by the kernel rows they hit */
    uint64_t *act; /* separable: [conv.x + 1] prefix over convolution columns of the
                      depthwise potentials receiving at least one tap */
} sim_rsum;

struct sim_record {
    uint32_t n_frames;     /* frames */
    uint32_t n_layers;     /* model layers */
    npu_shape in_shape;    /* model input dims */
    sim_layer_rec *layers; /* per layer */
    sim_rstream *input;    /* per frame: non-zero model input values */
    sim_rstream *events;   /* [frame * n_layers + layer]: output events */
    sim_rsum *sums;        /* [frame * n_layers + layer]: input summary (NULL once dropped) */
    uint64_t total_events; /* events stored */
};

/* One NP instance of the programmed device (one per pass and ident). */
typedef struct sim_np_inst {
    void *np;                 /* the NP model (owned; npu_np * for the C model) */
    const sim_np_ops *ops;    /* its operations (sim_np_c_ops() or a factory's) */
    const npu_np_config *cfg; /* its decoded configuration */
    mesh_ident ident;         /* position */
    mesh_np_type type;        /* type it acts as */
    uint32_t seq;             /* sequence index */
    uint32_t pass;            /* global pass index */
    uint64_t track_bytes;     /* configuration bytes written to it (headers + payload) */
    uint32_t n_tracks;        /* configuration tracks */
} sim_np_inst;

typedef struct sim_pass_plan {
    uint32_t seq;         /* sequence index */
    uint32_t first_np;    /* first NP instance */
    uint32_t n_nps;       /* NP instances */
    uint64_t conf_cycles; /* cycles to (re)write its tracks through the configuration DMA */
    uint64_t conf_bytes;  /* bytes of its tracks */
} sim_pass_plan;

struct sim_device {
    mesh_desc mesh;            /* the mesh (owned copy) */
    mesh_calib calib;          /* calibration */
    mesh_clock_mode mode;      /* clock mode */
    bool programmed;           /* a program is loaded */
    cmp_program *prog;         /* the program (owned, decoded copy) */
    const npu_model *host;     /* host model (borrowed) for software sequences */
    uint32_t n_nps;            /* NP instances */
    sim_np_inst *nps;          /* owned */
    uint32_t n_passes;         /* passes (all sequences) */
    sim_pass_plan *passes;     /* owned */
    uint64_t program_bytes;    /* encoded program size (device memory) */
    uint64_t external_bytes;   /* external memory image size */
    sim_metrics metrics;       /* of the last run */
    sim_memory memory;         /* memory usage */
    bool have_results;         /* results valid */
    sim_results results;       /* of the last run */
    sim_record *record;        /* of the last forward (owned) */
    sim_np_factory np_factory; /* creates NPs other than the C model (NULL: none) */
    void *np_factory_ctx;      /* its context (borrowed) */
};

/* Timing + energy of a record on the programmed device: fills d->metrics and d->results.
 * NPU_ERR_INPUT when a budget is exceeded or the record does not fit. (sim_timing.c) */
npu_status sim_timing_run(sim_device *d, const sim_record *rec, npu_err *err);

/* Dense tensor -> events (non-zero values, scan order). */
npu_status sim_tensor_events(const npu_tensor *t, npu_event_buf *out, npu_err *err);
/* Sorts events in scan order (x, y, c). */
void sim_events_sort(npu_event_buf *b);
/* Allocates an empty record for n frames of a program / host model. */
npu_status sim_record_new(const sim_device *d, uint32_t n_frames, sim_record **out, npu_err *err);

/* Stream `layer` (SIM_NO_LAYER: the model input) of frame f. */
const sim_rstream *sim_record_stream(const sim_record *r, uint32_t layer, uint32_t f);

/* Encodes events b (scan order x, y, c; sorted first when not) of declared dims shape into
 * *out (previous content freed). (sim_record_stream.c) */
npu_status sim_rstream_encode(npu_event_buf *b, npu_shape shape, sim_rstream *out, npu_err *err);
void sim_rstream_free(sim_rstream *s);
/* Value of event i of s (i < s->n, column x: col[x] <= i < col[x + 1]). */
int32_t sim_rstream_value(const sim_rstream *s, size_t i);
/* Positions (y << cbits | c, scan order) of column x's events into out[] (room for
 * col[x + 1] - col[x]; at most Y * C); returns their count (0 outside the stream). */
uint32_t sim_rstream_column(const sim_rstream *s, uint32_t x, uint32_t *out);
/* Events of column x in channels [c0, c1) (0 for columns outside the stream). */
static inline uint32_t sim_rstream_count(const sim_rstream *s, uint32_t x, uint32_t c0,
                                         uint32_t c1) {
    if (x >= s->X) {
        return 0;
    }
    const uint32_t *h = &s->chist[(size_t)x * (s->C + 1)];
    c0 = c0 < s->C ? c0 : s->C;
    c1 = c1 < s->C ? c1 : s->C;
    return c1 > c0 ? h[c1] - h[c0] : 0;
}
/* Bytes held by s. */
size_t sim_rstream_bytes(const sim_rstream *s);

/* Geometry of NP configuration c reading stream src. (sim_record_sum.c) */
void sim_rgeom_of(const npu_np_config *c, uint32_t src, sim_rgeom *g);
bool sim_rgeom_eq(const sim_rgeom *a, const sim_rgeom *b);
/* Derives the input summary of geometry g from stream s into *out (previous content
 * freed). */
npu_status sim_rsum_build(const sim_rstream *s, const sim_rgeom *g, sim_rsum *out, npu_err *err);
void sim_rsum_free(sim_rsum *s);
/* Depthwise potentials of convolution columns [ox0, ox1) receiving at least one tap from
 * the events of s in input columns [x0, x1) (g separable): the separable pointwise work. */
npu_status sim_rsum_active(const sim_rstream *s, const sim_rgeom *g, uint32_t x0, uint32_t x1,
                           uint32_t ox0, uint32_t ox1, uint64_t *out, npu_err *err);
/* Kernel taps of input coordinate i landing in outputs [lo, hi] along one axis of kernel size
 * k, stride s, padding pad (the NP models' rule: transposed o = i*s + t - pad, else
 * o = (i + pad - t) / s when exact); the outputs hit minus lo go to out[] (may be NULL; room
 * for k). Returns the count. */
uint32_t sim_axis_taps(uint32_t k, uint32_t s, int64_t pad, bool transpose, int64_t i, int64_t lo,
                       int64_t hi, uint32_t *out);
/* sim_axis_taps along x (along_x) or y of geometry g. */
uint32_t sim_rgeom_taps(const sim_rgeom *g, bool along_x, int64_t i, int64_t lo, int64_t hi,
                        uint32_t *out);

/* Creates the NP instance n at site: the factory's, or the C model. (sim_np_backend.c) */
npu_status sim_np_create(const sim_device *d, sim_np_inst *n, const sim_np_site *site,
                         npu_err *err);

/* Frees the results' arrays. */
void sim_results_clear(sim_results *r);

#ifdef __cplusplus
}
#endif

#endif /* SIM_ENGINE_INT_H */
