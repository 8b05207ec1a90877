/*
 * bench: shared declarations of the benchmark programs: akisim-bench (golden-model
 * throughput; bench_golden.c, bench_onednn.c) and akisim-bench-mapper (bench_mapper.c), and
 * the timing helpers both use (bench_util.c).
 *
 * A benchmark case is one convolution layer shape; bench_golden.c times it through the
 * golden model (kernel and public model API), bench_onednn.c through oneDNN's int8
 * convolution on one thread when oneDNN was found at configure time.
 */
#ifndef BENCH_H
#define BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One convolution layer shape; tensors (x, y, c) C order, weights (kx, ky, c, filters). */
typedef struct bench_case {
    const char *name;      /* printed label */
    uint32_t in_x, in_y;   /* input spatial size */
    uint32_t in_c;         /* input channels */
    uint32_t filters;      /* output channels */
    uint32_t k;            /* square kernel size */
    uint32_t stride;       /* stride along x and y */
    uint32_t out_x, out_y; /* output spatial size (Same padding) */
    uint32_t pad_x, pad_y; /* padding before along x and y */
} bench_case;

/* Times the cross-correlation of in (values 0..255) with w (-128..127) through oneDNN
 * (u8 x s8 -> s32, one thread): fills *median_s with the median of `runs` executions and
 * out (out_x*out_y*filters, (x, y, f) order) with the result. Returns false and prints the
 * reason when oneDNN fails or is absent. */
bool bench_onednn_conv(const bench_case *bc, const uint8_t *in, const int8_t *w, int runs,
                       double *median_s, int32_t *out);
/* true when the binary was built with oneDNN. */
bool bench_onednn_available(void);

/* Median of n timings (sorts t in place); bench_util.c. */
double bench_median(double *t, int n);
/* Monotonic wall clock in seconds. */
double bench_now(void);

#endif /* BENCH_H */
