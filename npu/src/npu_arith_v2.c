/*
 * npu_arith_v2: the integer helpers of the Akida 2.0 output pipeline.
 *
 * Wrapping to an accumulator width (buffer_bits), saturating to a signed or unsigned bit range
 * (buffer_bits, output_bits) and the rounding shift of output_shift. Everything is exact
 * int64 arithmetic with no undefined or implementation-defined behaviour: negative values are
 * never shifted (floor division is spelled with ~), and left shifts that would leave int64
 * saturate to INT64_MIN / INT64_MAX, which the later saturation to output_bits turns into the
 * same result as infinite precision would. See docs/semantics-v2.md.
 */
#include "npu_kernels.h"

int32_t npu_wrap_bits(int64_t v, uint32_t bits) {
    if (bits == 0) {
        return 0;
    }
    if (bits > 32) {
        bits = 32;
    }
    const uint64_t mask = ((uint64_t)1 << bits) - 1;
    const uint64_t sign = (uint64_t)1 << (bits - 1);
    const uint64_t u = (uint64_t)v & mask;
    if (u & sign) {
        return (int32_t)((int64_t)u - (int64_t)((uint64_t)1 << bits));
    }
    return (int32_t)u;
}

int64_t npu_saturate(int64_t v, int64_t lo, int64_t hi) {
    return v < lo ? lo : (v > hi ? hi : v);
}

int64_t npu_saturate_signed(int64_t v, uint32_t bits) {
    if (bits == 0) {
        return 0;
    }
    if (bits >= 64) {
        return v;
    }
    const int64_t hi = (int64_t)(((uint64_t)1 << (bits - 1)) - 1);
    return npu_saturate(v, -hi - 1, hi);
}

int64_t npu_saturate_unsigned(int64_t v, uint32_t bits) {
    if (bits >= 63) {
        return v < 0 ? 0 : v;
    }
    const int64_t hi = (int64_t)(((uint64_t)1 << bits) - 1);
    return npu_saturate(v, 0, hi);
}

/* floor(v / 2^s) for 1 <= s <= 63 without shifting a negative value. */
static int64_t floor_shift(int64_t v, uint32_t s) {
    return v >= 0 ? v >> s : ~((~v) >> s);
}

/* v * 2^n saturated to the int64 range. */
static int64_t left_shift_sat(int64_t v, uint64_t n) {
    if (v == 0) {
        return 0;
    }
    if (n >= 63) {
        return v > 0 ? INT64_MAX : INT64_MIN;
    }
    if (v > (INT64_MAX >> n)) {
        return INT64_MAX;
    }
    if (v < floor_shift(INT64_MIN, (uint32_t)n)) {
        return INT64_MIN;
    }
    return v * (int64_t)((uint64_t)1 << n);
}

int64_t npu_shift_round(int64_t v, int32_t shift) {
    if (shift == 0) {
        return v;
    }
    if (shift < 0) {
        return left_shift_sat(v, (uint64_t)(-(int64_t)shift));
    }
    if (shift >= 64) {
        return 0; /* |v / 2^64| < 1/2 for every int64 v, and -1/2 rounds up to 0 */
    }
    const uint32_t s = (uint32_t)shift;
    /* floor(v / 2^s + 1/2) = floor(v / 2^s) + (bit s-1 of v) */
    return floor_shift(v, s) + (int64_t)(((uint64_t)v >> (s - 1)) & 1u);
}
