/*
 * np_internal: the state of one NP model (npu_np.h) shared by the files of npu/np/.
 *
 * np_config.c stores what the configuration port writes (register block, SRAM regions) and
 * decodes it at configure time into npu_np_config plus unpacked weights and per-filter
 * parameters; np_geom.c derives which output columns an NP owns and which input columns it
 * needs; np_conv.c runs HRC and CNP (events gathered into an input tile and convolved at
 * the end of the frame with the golden kernels, or scattered into potentials for
 * transposed kinds; then pooling and activation); np_pointwise.c takes the pointwise
 * product of separable layers; np_dense.c runs FNPs; np_core.c holds the public
 * entry points. Internal to npu/.
 */
#ifndef NP_INTERNAL_H
#define NP_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "npu/npu_np.h"
#include "npu_regmap.h"

#define NP_MAX_REGS 128u                    /* register block words held (>= every nregs) */
#define NP_MAX_SRAM_WORDS ((size_t)1 << 24) /* largest SRAM word address accepted */

/* One SRAM region as written. */
typedef struct np_region {
    uint32_t *w; /* words (zero where never written) */
    size_t n;    /* words written up to (highest offset + 1) */
} np_region;

struct npu_np {
    npu_np_kind kind;                    /* block kind (= npu_rm_type) */
    uint32_t regs[NP_MAX_REGS];          /* register block as written */
    np_region sram[NPU_RM_REGION_COUNT]; /* SRAM regions as written */
    const uint8_t *ext;                  /* FNP2: external memory image (not owned) */
    size_t ext_n;                        /* its size in bytes */
    bool configured;                     /* configure() succeeded since the last write */
    npu_np_config cfg;                   /* decoded configuration */
    uint32_t nch;                        /* potential channels per position (filters, or in.c
                                            for the depthwise part of a separable layer) */
    int32_t *w;          /* main weights, filters innermost: conv [kx][ky][c][f], depthwise
                            [kx][ky][f], separable depthwise [kx][ky][c], dense [i][u] */
    int32_t *w_pw;       /* separable pointwise weights [c][f] (NULL once packed into pw_w16) */
    int32_t *thr;        /* v1 threshold per filter of the slice */
    int32_t *step;       /* v1 act_step per filter */
    int32_t *bias;       /* v2 bias per filter */
    int32_t *scale;      /* v2 output_scale per filter */
    int32_t *bshift;     /* v2 bias_shift per filter */
    int32_t *oshift;     /* v2 output_shift per filter (sign-extended) */
    uint32_t *ishift;    /* v2 input_shift per input channel, NULL when FLAGS.INPUT_SHIFT = 0 */
    uint32_t *pot;       /* potentials [conv col - first][y][nch] (dense: [units]) */
    size_t pot_n;        /* entries of pot */
    uint32_t row_words;  /* weight words read per (event, tap) row access */
    npu_np_counters cnt; /* activity counters */
    /* Frame processing state derived at configure time (np_conv_prepare): */
    bool gather;         /* HRC/CNP computes at end of frame with the golden kernels */
    int32_t *inbuf;      /* gather: input tile [need col][in.y][in_cn] (values accumulate) */
    size_t inbuf_n;      /* entries of inbuf */
    uint32_t in_c0;      /* first input channel held in inbuf (depthwise: filter_first) */
    uint32_t in_cn;      /* channels per inbuf position */
    uint32_t pad_x_tile; /* padding before the tile's first column (kernel geometry) */
    bool dirty;          /* inbuf holds events since the last clear */
    uint32_t *hits_x;    /* taps of need column i landing in the conv columns [need_col_count] */
    uint32_t *hits_y;    /* taps of input row y landing in the conv rows [in.y] */
    uint32_t *pw;        /* separable: pointwise accumulators [conv pos][filters] */
    int16_t *pw_w16;     /* separable, packed path: pointwise weights [pw_c2][pw_fp][2] (NULL:
                            generic path, np_pointwise.c) */
    uint32_t pw_c2;      /* channel pairs: ceil(in.c / 2) */
    uint32_t pw_fp;      /* filters rounded up to a multiple of 16 */
    int32_t *levels;     /* v1 activation levels [n_levels][filters] (T + n*step, clipped) */
    uint32_t n_levels;   /* 2^out_bits - 1 when the level method applies, else 0 */
    int32_t *row;        /* scratch: one output position's values, or one pointwise weight
                            row [filters] */
};

/* Frees the decoded state (weights, parameters, potentials); keeps what was written. */
void np_free_decoded(npu_np *np);
/* Decodes registers and SRAM into np->cfg and the unpacked arrays (np_config.c). */
npu_status np_decode(npu_np *np, npu_err *err);
/* Fills the ownership fields of cfg (out/conv/need column ranges) (np_geom.c). */
void np_geom_ownership(npu_np_config *cfg);
/* Receptive input range [*lo, *hi] (unclamped) of convolution column ox along x. */
void np_geom_receptive(const npu_np_config *cfg, int64_t ox, int64_t *lo, int64_t *hi);
/* Clamped convolution column range [*lo, *hi] of pooled output column X (hi < lo: none). */
void np_geom_pool_window(const npu_np_config *cfg, uint32_t X, int64_t *lo, int64_t *hi);

/* HRC / CNP frame processing (np_conv.c): prepare derives the tables and buffers above
 * (called by configure once the geometry is known), push takes a batch of events. */
npu_status np_conv_prepare(npu_np *np, npu_err *err);
void np_conv_push(npu_np *np, const npu_event *ev, size_t n);
/* Clears the per-frame state (potentials, input tile). */
void np_conv_clear(npu_np *np);
npu_status np_conv_end(npu_np *np, npu_event_buf *out, npu_err *err);
/* Separable pointwise product (np_pointwise.c): prepare packs the weights (configure time),
 * np_pointwise computes np->pw from the depthwise potentials np->pot and counts. */
npu_status np_pw_prepare(npu_np *np, npu_err *err);
void np_pointwise(npu_np *np);
/* FNP frame processing (np_dense.c). */
void np_dense_push(npu_np *np, const npu_event *ev, size_t n);
npu_status np_dense_end(npu_np *np, npu_event_buf *out, npu_err *err);

/* Output stage of one value of local filter f (v1 activation / v2 ReLU-scale-shift). The
 * value is a potential (v1, 64-bit for global sums) or a biased, saturated v2 value. */
int32_t np_output_value(const npu_np *np, int64_t v, uint32_t f);
/* v2: wrap to buffer_bits, + (bias << bias_shift), saturate to buffer_bits. */
int32_t np_v2_bias(const npu_np *np, uint32_t acc, uint32_t f);
/* v2: input value shifted by the channel's input_shift (wrapped to int32); v1: v. */
uint32_t np_input_value(const npu_np *np, int32_t v, uint32_t c);

#endif /* NP_INTERNAL_H */
