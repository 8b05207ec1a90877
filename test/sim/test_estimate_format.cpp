/*
 * The printf-free number formatting of the stats JSON (sim_write_buf.h), used on the estimate
 * sweeps' hot path: sim_json_double_text must give snprintf("%.9g") byte for byte (hand
 * cases: integers, powers of ten, rounding carries, the fixed/exponent switch, signed zero,
 * non-finite values; randomized: values drawn over the whole exponent range, 9-digit
 * decimals and near-ties), and sim_buf_u64 / sim_buf_us6 the text of "%llu" and
 * "%llu.%06llu".
 */
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>

extern "C" {
#include "sim_write_buf.h"
}

namespace {

std::string reference(double v) { /* independent: the C library's printf */
    if (!std::isfinite(v)) {
        return "null";
    }
    char t[64];
    std::snprintf(t, sizeof t, "%.9g", v);
    return t;
}

std::string fast(double v) {
    char t[SIM_JSON_DOUBLE_MAX];
    size_t n = sim_json_double_text(v, t);
    EXPECT_EQ(n, std::strlen(t));
    return std::string(t, n);
}

std::string buf_text(void (*fn)(sim_buf *, uint64_t), uint64_t v) {
    sim_buf b = {};
    fn(&b, v);
    char *s = sim_buf_take(&b);
    std::string r = s ? s : "";
    std::free(s);
    return r;
}

} // namespace

TEST(EstimateFormat, DoubleHandCases) {
    EXPECT_EQ(fast(0.0), "0");
    EXPECT_EQ(fast(-0.0), "-0");
    EXPECT_EQ(fast(300.0), "300");
    EXPECT_EQ(fast(110.0), "110");
    EXPECT_EQ(fast(0.5), "0.5");
    EXPECT_EQ(fast(-2.25), "-2.25");
    EXPECT_EQ(fast(123456789.0), "123456789");
    EXPECT_EQ(fast(1234567890.0), "1.23456789e+09");
    EXPECT_EQ(fast(999999999.6), "1e+09");
    EXPECT_EQ(fast(0.0001), "0.0001");
    EXPECT_EQ(fast(0.00001), "1e-05");
    EXPECT_EQ(fast(0.000123456789123), "0.000123456789");
    EXPECT_EQ(fast(1e100), "1e+100");
    EXPECT_EQ(fast(-1.5e-300), "-1.5e-300");
    EXPECT_EQ(fast(18.3125), "18.3125");
    EXPECT_EQ(fast(54.60750846), "54.6075085");
    EXPECT_EQ(fast(std::nan("")), "null");
    EXPECT_EQ(fast(HUGE_VAL), "null");
    EXPECT_EQ(fast(-HUGE_VAL), "null");
    const double special[] = {DBL_MIN, DBL_MAX, DBL_TRUE_MIN, 1.0 / 3.0,    2.0 / 3.0,
                              0.1,     9.5,     99999999.95,  9999999995.0, 0.00009999999995,
                              1e-5,    1e9,     1e-4};
    for (double v : special) {
        EXPECT_EQ(fast(v), reference(v)) << v;
        EXPECT_EQ(fast(-v), reference(-v)) << -v;
    }
}

TEST(EstimateFormat, DoubleRandomMatchesPrintf) {
    std::mt19937_64 rng(20240611);
    std::uniform_int_distribution<uint64_t> bits;
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    std::uniform_int_distribution<int> ex(-40, 40);
    for (int i = 0; i < 200000; i++) {
        double v;
        switch (i % 4) {
        case 0: { /* any bit pattern */
            uint64_t u = bits(rng);
            std::memcpy(&v, &u, sizeof v);
            break;
        }
        case 1: /* typical magnitudes */
            v = unit(rng) * std::pow(10.0, ex(rng));
            break;
        case 2: { /* a 10-digit decimal ending in 5: a near-tie at 9 digits */
            uint64_t m = 1000000000u + bits(rng) % 9000000000u;
            m = m - m % 10u + 5u;
            v = (double)m * std::pow(10.0, ex(rng) - 9);
            break;
        }
        default: /* ratios as the stats have (energies, rates, shares) */
            v = (double)(bits(rng) % 100000000u) / (double)(1u + bits(rng) % 100000u);
            break;
        }
        ASSERT_EQ(fast(v), reference(v)) << i;
    }
}

TEST(EstimateFormat, Integers) {
    EXPECT_EQ(buf_text(sim_buf_u64, 0), "0");
    EXPECT_EQ(buf_text(sim_buf_u64, 7), "7");
    EXPECT_EQ(buf_text(sim_buf_u64, 1000000), "1000000");
    EXPECT_EQ(buf_text(sim_buf_u64, UINT64_MAX), "18446744073709551615");
    EXPECT_EQ(buf_text(sim_buf_us6, 0), "0.000000");
    EXPECT_EQ(buf_text(sim_buf_us6, 12345678), "12.345678");
    std::mt19937_64 rng(7);
    for (int i = 0; i < 20000; i++) {
        uint64_t v = rng() >> (rng() % 64);
        char t[64];
        std::snprintf(t, sizeof t, "%llu", (unsigned long long)v);
        ASSERT_EQ(buf_text(sim_buf_u64, v), t);
        std::snprintf(t, sizeof t, "%llu.%06llu", (unsigned long long)(v / 1000000u),
                      (unsigned long long)(v % 1000000u));
        ASSERT_EQ(buf_text(sim_buf_us6, v), t);
    }
}

TEST(EstimateFormat, BufferAppendsAndTakes) {
    sim_buf b = {};
    SIM_BUF_LIT(&b, "x=");
    sim_buf_json_double(&b, 1.25);
    SIM_BUF_LIT(&b, ", n=");
    sim_buf_u64(&b, 42);
    char *s = sim_buf_take(&b);
    ASSERT_NE(s, nullptr);
    EXPECT_STREQ(s, "x=1.25, n=42");
    std::free(s);
}
