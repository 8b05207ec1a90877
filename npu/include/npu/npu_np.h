/*
 * npu_np: the narrow interface between the engine and one neural processor (NP) model.
 *
 * An NP is configured only through its configuration port: register and SRAM writes, exactly
 * the payload of the program's tracks (decoded with the generated register map,
 * npu_regmap.h), plus, for FNP2, a view of the external memory image. After configure() the
 * NP holds its slice of one layer: a range of filters and a range of input columns. Per frame
 * the engine pushes the input events the NP's slice needs, then calls end_frame(), which
 * applies the layer's activation / pooling and returns the NP's output events (its filters,
 * its output columns), bit-exact with the golden model (npu_model.h).
 *
 * The same interface is implemented by the C models (npu/np/) and, later, by an adapter
 * around the Verilated RTL, so a checker can run both in lockstep.
 */
#ifndef NPU_NP_H
#define NPU_NP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "npu/npu_err.h"
#include "npu/npu_model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Register-map NP block kinds (npu_regmap.yaml np_types). */
typedef enum npu_np_kind {
    NPU_NP_HRC = 0, /* dense 8-bit image input convolution */
    NPU_NP_CNP = 1, /* event-driven convolution (CNP1/CNP2) */
    NPU_NP_FNP = 2, /* fully connected (FNP2 external weights, FNP3 internal) */
} npu_np_kind;

/* One event: a non-zero activation at (x, y, c) of the producing layer's output. Dense
 * (FNP) layers flatten it themselves: index = (x * Y + y) * C + c of their input dims.
 * Two 32-bit words on the wire (docs/timing-model.md). */
typedef struct npu_event {
    uint16_t x;    /* column */
    uint16_t y;    /* row */
    uint32_t c;    /* channel */
    int32_t value; /* non-zero value (potential when the layer has no activation) */
} npu_event;

/* A growable array of events (owned). */
typedef struct npu_event_buf {
    npu_event *ev; /* events */
    size_t n;      /* used */
    size_t cap;    /* allocated */
} npu_event_buf;

/* Routing-table capacity of a decoded NP: each of the register map's DEST_* entries
 * (NPU_RM_MAX_DESTINATIONS, 32) multicasts to up to 4 NP slots of one node and is expanded into
 * one dest[] element per slot (docs/register-map.md, DEST_IDENT.SLOTS). */
#define NPU_NP_MAX_DEST 128

/* The decoded configuration of an NP, readable by the engine for routing and costs. */
typedef struct npu_np_config {
    npu_np_kind kind;          /* block kind */
    npu_layer_type layer;      /* layer kind (LAYER.KIND) */
    uint32_t layer_index;      /* model layer index (LAYER.INDEX) */
    uint32_t version;          /* 1 threshold/step, 2 shift/scale */
    npu_shape in;              /* full input dims of the layer */
    npu_shape out;             /* full output dims of the layer (after pooling) */
    uint32_t col_first;        /* first input column of the slice */
    uint32_t col_count;        /* input columns of the slice */
    uint32_t filter_first;     /* first filter of the slice */
    uint32_t filter_count;     /* filters of the slice */
    uint32_t kx, ky, sx, sy;   /* kernel and stride */
    uint32_t pad_x, pad_y;     /* padding before */
    bool same;                 /* Same padding */
    bool activation;           /* activation on */
    bool single_buffer;        /* single input buffer */
    npu_pool_type pool;        /* pooling kind */
    uint32_t pool_x, pool_y;   /* pool window */
    uint32_t pool_sx, pool_sy; /* pool stride */
    uint32_t in_bits;          /* input value bits */
    uint32_t weight_bits;      /* weight bits */
    uint32_t out_bits;         /* output bits (32 = potentials) */
    uint64_t weight_bytes;     /* bytes of weights this NP holds (or reads from external memory) */
    bool external_weights;     /* FNP2: weights read from external memory per event */
    uint32_t n_dest;           /* destinations of output events (DEST entries expanded) */
    struct {
        uint8_t col, row, id;                /* destination NP ident */
        bool dma;                            /* output leaves the mesh through the event DMA */
        uint32_t filter_first, filter_count; /* output channels sent there */
        uint32_t col_first, col_count;       /* output columns sent there */
    } dest[NPU_NP_MAX_DEST]; /* routing table: DEST_* entries, one element per NP slot */
    /* Added by the NP models (H10), derived at configure time (docs/timing-model.md,
     * "NP formulas", ownership rule): */
    npu_shape conv;          /* convolution output dims before pooling (dense: 1 x 1 x units) */
    uint32_t buffer_bits;    /* v2 accumulator width (BITS.BUFFER); 0 on v1 */
    int32_t pad_value;       /* value of padded input pixels (HRC; 0 otherwise) */
    bool flip;               /* real convolution (FLIP) */
    bool transpose;          /* transposed convolution (Conv2DTranspose kinds) */
    bool depthwise;          /* one filter per channel (DepthwiseConv2D kinds) */
    uint32_t ext_addr;       /* FNP2: EXT_ADDR (bytes) */
    uint32_t ext_words;      /* FNP2: EXT_WORDS (0 = internal weights) */
    uint32_t out_col_first;  /* first output column this NP owns (emits) */
    uint32_t out_col_count;  /* output columns owned (0 = the NP emits nothing) */
    uint32_t conv_col_first; /* first convolution column it computes */
    uint32_t conv_col_count; /* convolution columns computed (pool windows of owned columns) */
    uint32_t need_col_first; /* first input column its owned outputs depend on */
    uint32_t need_col_count; /* input columns accepted by push (slice + kernel halo) */
} npu_np_config;

/* Activity counters of one NP, accumulated over frames until reset. */
typedef struct npu_np_counters {
    uint64_t events_in;   /* input events accepted */
    uint64_t events_out;  /* output events produced */
    uint64_t synops;      /* synaptic operations (weight x non-zero input MACs) */
    uint64_t sram_reads;  /* weight SRAM words read */
    uint64_t sram_writes; /* input/potential SRAM words written */
    uint64_t ext_bytes;   /* external memory bytes read (FNP2) */
} npu_np_counters;

typedef struct npu_np npu_np; /* opaque */

/* A new, unconfigured NP of a kind; NULL when out of memory. */
npu_np *npu_np_new(npu_np_kind kind);
void npu_np_free(npu_np *np);
/* Clears all configuration (unprogram). */
void npu_np_reset(npu_np *np);

/* Configuration port. Offsets and regions as in npu_regmap.h; out-of-range writes fail. */
npu_status npu_np_write_regs(npu_np *np, uint32_t offset, const uint32_t *words, size_t n,
                             npu_err *err);
npu_status npu_np_write_sram(npu_np *np, uint32_t region, uint32_t offset, const uint32_t *words,
                             size_t n, npu_err *err);
/* FNP2: the external memory image its EXT_ADDR register points into (not copied). */
void npu_np_attach_external(npu_np *np, const uint8_t *ext, size_t n_bytes);
/* Decodes and validates the registers and SRAM written so far; allocates potentials. A
 * corrupt configuration fails with NPU_ERR_INPUT naming the register/field. */
npu_status npu_np_configure(npu_np *np, npu_err *err);
/* Decoded configuration (valid after configure). */
const npu_np_config *npu_np_get_config(const npu_np *np);

/* Starts a frame: clears potentials. */
void npu_np_begin_frame(npu_np *np);
/* Delivers input events. Events outside the NP's receptive slice are ignored (not counted). */
void npu_np_push(npu_np *np, const npu_event *ev, size_t n);
/* Ends the frame: activation, pooling; appends the NP's output events (scan order x, y, c)
 * to out. */
npu_status npu_np_end_frame(npu_np *np, npu_event_buf *out, npu_err *err);

/* True when push() would accept an event at input column x (x inside the NP's need range,
 * see npu_np_config.need_col_*). Lets the engine route only the events an NP consumes. */
bool npu_np_accepts_col(const npu_np *np, uint32_t x);

const npu_np_counters *npu_np_get_counters(const npu_np *np);
void npu_np_reset_counters(npu_np *np);

/* Event buffer helpers. */
npu_status npu_event_buf_push(npu_event_buf *b, npu_event e, npu_err *err);
void npu_event_buf_free(npu_event_buf *b);

#ifdef __cplusplus
}
#endif

#endif /* NPU_NP_H */
