/*
 * npu_arith_v1: the Akida 1.0 step-wise quantised ReLU (docs/semantics.md, "v1 activation").
 *
 * With threshold T, step s >= 1 and b activation bits, a potential p becomes
 *   0                                  if p <= T
 *   min(2^b - 1, ceil((p - T) / s))    otherwise,
 * i.e. T + n*s < p <= T + (n+1)*s gives n+1. Computed exactly in 64-bit integers.
 */
#include "npu_kernels.h"

int32_t npu_v1_activation(int64_t p, int32_t threshold, int32_t step, uint32_t bits) {
    if (p <= (int64_t)threshold)
        return 0;
    int64_t top = bits >= 31 ? INT32_MAX : ((int64_t)1 << bits) - 1;
    if (p > INT64_MAX - ((int64_t)1 << 32))
        return (int32_t)top;                  /* p - T would overflow: far above any step */
    int64_t s = step < 1 ? 1 : (int64_t)step; /* finalize guarantees step >= 1 */
    int64_t d = p - (int64_t)threshold;       /* > 0, no overflow (checked above) */
    int64_t n = (d - 1) / s + 1;              /* ceil(d / s) for d > 0 */
    return (int32_t)(n < top ? n : top);
}
