/*
 * cmd_input: `akisim input random (--shape X,Y,C | --model MODEL|PROGRAM) [--n N] [--bits B]
 * [--signed] [--density D] [--seed S] -o X.npy` — writes seeded random input samples as a
 * (n, x, y, c) .npy (uint8, or int8 for signed inputs), so any model can be run without numpy.
 * With --model the shape, bits and sign come from the model (or program header).
 *
 * Values, one per element in C order, from a splitmix64 stream of the seed (no global state,
 * the same on every host): without --density, uniform over the whole B-bit range; with
 * --density D, zero with probability 1 - D and otherwise uniform over the range's non-zero
 * values. Same options, same bytes. The file is written atomically (cmp_npy_write).
 */
#include "cli.h"
#include "cmd_run.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cmp/cmp_program.h"

#define INPUT_MAX_SAMPLES 1048576u          /* --n limit */
#define INPUT_MAX_DIM 65536u                /* limit of each of x, y, c */
#define INPUT_MAX_BYTES (UINT64_C(1) << 30) /* limit of the whole array */

static const char INPUT_HELP[] =
    "usage: akisim input random (--shape X,Y,C | --model MODEL) -o X.npy [--n N] [--bits B]\n"
    "                           [--signed] [--density D] [--seed S] [-q]\n\n"
    "Writes N seeded random input samples as a (N, X, Y, C) .npy: uint8, or int8 with\n"
    "--signed. --model MODEL (a model or a program written by `akisim map -o`) takes the\n"
    "shape, bits and sign from the model's input. Without --density the values are uniform\n"
    "over the B-bit range; with --density D each value is zero with probability 1 - D and\n"
    "otherwise uniform over the non-zero values. Same options, same file, on any host.\n\n"
    "options:\n"
    "  -o, --output X.npy  output file (required)\n"
    "  --shape X,Y,C       sample shape (x = width, y = height, c = channels)\n"
    "  --model MODEL       take shape, bits and sign from MODEL (or PROGRAM)\n"
    "  -n, --n N           number of samples (default 1)\n"
    "  --bits B            value bits, 1..8 (default 8; not with --model)\n"
    "  --signed            signed values, int8 (not with --model)\n"
    "  --density D         fraction of non-zero values, in [0, 1]\n"
    "  --seed S            random seed (default 0)\n"
    "  -q, --quiet         do not print what was written\n"
    "  -h, --help          show this help\n";

/* Long-only option codes. */
enum { OPT_SHAPE = 256, OPT_MODEL, OPT_BITS, OPT_SIGNED, OPT_DENSITY, OPT_SEED };

/* What to generate. */
typedef struct input_spec {
    const char *output; /* -o X.npy */
    const char *shape;  /* --shape text, or NULL */
    const char *model;  /* --model path, or NULL */
    uint64_t n;         /* samples */
    uint64_t bits;      /* value bits (0 = not given) */
    bool is_signed;     /* --signed */
    bool has_density;   /* --density given */
    double density;     /* fraction of non-zero values */
    uint64_t seed;      /* PRNG seed */
    bool quiet;         /* -q */
    npu_shape dims;     /* resolved sample shape */
} input_spec;

/* splitmix64: the next 64-bit value of the stream whose state is *s. */
static uint64_t input_next(uint64_t *s) {
    uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* A uniform integer in [0, n) (n <= 2^32) from one draw (multiply-shift). */
static uint64_t input_below(uint64_t *s, uint64_t n) {
    return ((input_next(s) >> 32) * n) >> 32;
}

/* A uniform double in [0, 1) from one draw. */
static double input_unit(uint64_t *s) {
    return (double)(input_next(s) >> 11) * (1.0 / 9007199254740992.0);
}

/* One value of the B-bit range [lo, hi]. */
static int32_t input_value(uint64_t *s, const input_spec *o, int32_t lo, int32_t hi) {
    const uint64_t span = (uint64_t)((int64_t)hi - lo + 1);
    if (!o->has_density)
        return lo + (int32_t)input_below(s, span);
    if (!(input_unit(s) < o->density))
        return 0;
    /* uniform over the span - 1 non-zero values: skip zero, which lies in [lo, hi] */
    const int32_t v = lo + (int32_t)input_below(s, span - 1);
    return v >= 0 ? v + 1 : v;
}

/* Parses "X,Y,C" (three integers in [1, INPUT_MAX_DIM]). */
static bool input_parse_shape(const char *text, npu_shape *out) {
    uint32_t v[3];
    const char *p = text;
    for (int i = 0; i < 3; i++) {
        char *end = NULL;
        errno = 0;
        const unsigned long x = strtoul(p, &end, 10);
        if (end == p || *p == '-' || *p == '+' || errno != 0 || x == 0 || x > INPUT_MAX_DIM)
            return false;
        if (*end != (i < 2 ? ',' : '\0'))
            return false;
        v[i] = (uint32_t)x;
        p = end + 1;
    }
    *out = (npu_shape){v[0], v[1], v[2]};
    return true;
}

/* Shape, bits and sign of a MODEL or PROGRAM input. */
static npu_status input_from_model(input_spec *o, npu_err *err) {
    if (run_is_program(o->model)) {
        cmp_program *p = NULL;
        const npu_status st = cmp_program_read(o->model, NULL, &p, err);
        if (st == NPU_OK) {
            const cmp_prog_info *info = cmp_program_info(p);
            o->dims = info->in_shape;
            o->bits = info->in_bits;
            o->is_signed = info->in_signed;
        }
        cmp_program_free(p);
        return st;
    }
    akisim_model *m = NULL;
    akisim_shape s;
    npu_status st = akisim_model_load(o->model, &m, err);
    if (st == NPU_OK)
        st = akisim_model_input_shape(m, &s, err);
    if (st == NPU_OK) {
        o->dims = s;
        o->bits = akisim_model_input_bits(m);
        o->is_signed = akisim_model_input_signed(m);
    }
    akisim_model_free(m);
    if (st == NPU_OK && (o->bits < 1 || o->bits > 8))
        st = npu_err_set(err, NPU_ERR_INPUT, "%s: input bits %u not in 1..8", o->model,
                         (unsigned)o->bits);
    return st;
}

/* Handles one option (not -o / -h); returns CLI_OK or a usage status. */
static int input_option(int c, const char *arg, input_spec *o) {
    switch (c) {
    case OPT_SHAPE:
        o->shape = arg;
        if (!input_parse_shape(arg, &o->dims))
            return cli_usage("input", "--shape: expected X,Y,C with each in [1, %u], got '%s'",
                             INPUT_MAX_DIM, arg);
        return CLI_OK;
    case OPT_MODEL:
        o->model = arg;
        return CLI_OK;
    case 'n':
        return cli_parse_positive("input", "--n", arg, INPUT_MAX_SAMPLES, &o->n) ? CLI_OK
                                                                                 : CLI_BAD_INPUT;
    case OPT_BITS:
        return cli_parse_positive("input", "--bits", arg, 8, &o->bits) ? CLI_OK : CLI_BAD_INPUT;
    case OPT_SIGNED:
        o->is_signed = true;
        return CLI_OK;
    case OPT_DENSITY: {
        char *end = NULL;
        const double d = strtod(arg, &end);
        if (arg[0] == '\0' || *end != '\0' || !(d >= 0.0 && d <= 1.0))
            return cli_usage("input", "--density: expected a number in [0, 1], got '%s'", arg);
        o->has_density = true;
        o->density = d;
        return CLI_OK;
    }
    case OPT_SEED: {
        char *end = NULL;
        errno = 0;
        const unsigned long long s = strtoull(arg, &end, 10);
        if (arg[0] == '\0' || arg[0] == '-' || *end != '\0' || errno != 0)
            return cli_usage("input", "--seed: expected a non-negative integer, got '%s'", arg);
        o->seed = (uint64_t)s;
        return CLI_OK;
    }
    default:
        return CLI_BAD_INPUT;
    }
}

/* Parses argv into o; returns -1 to continue, else an exit status. */
static int input_parse(int argc, char **argv, input_spec *o) {
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'},
        {"shape", required_argument, NULL, OPT_SHAPE},
        {"model", required_argument, NULL, OPT_MODEL},
        {"n", required_argument, NULL, 'n'},
        {"bits", required_argument, NULL, OPT_BITS},
        {"signed", no_argument, NULL, OPT_SIGNED},
        {"density", required_argument, NULL, OPT_DENSITY},
        {"seed", required_argument, NULL, OPT_SEED},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    o->n = 1;
    int c;
    while ((c = getopt_long(argc, argv, ":o:n:qh", opts, NULL)) != -1) {
        if (c == 'o') {
            o->output = optarg;
        } else if (c == 'q') {
            o->quiet = true;
        } else if (c == 'h') {
            fputs(INPUT_HELP, stdout);
            return CLI_OK;
        } else if (c == '?' || c == ':') {
            return cli_bad_option("input", c, argv);
        } else if (input_option(c, optarg, o) != CLI_OK) {
            return CLI_BAD_INPUT;
        }
    }
    if (argc - optind < 1)
        return cli_usage("input", "expected a kind: random");
    if (strcmp(argv[optind], "random") != 0)
        return cli_usage("input", "unknown kind '%s' (expected: random)", argv[optind]);
    if (argc - optind > 1)
        return cli_usage("input", "unexpected argument '%s'", argv[optind + 1]);
    if (!o->output || !o->output[0])
        return cli_usage("input", "missing -o X.npy");
    if (!o->shape == !o->model)
        return cli_usage("input", "give exactly one of --shape X,Y,C and --model MODEL");
    if (o->model && (o->bits || o->is_signed))
        return cli_usage("input", "%s cannot be combined with --model (the model sets it)",
                         o->bits ? "--bits" : "--signed");
    if (!o->bits)
        o->bits = 8;
    return -1;
}

/* Fills the array with the random values. */
static void input_fill(const input_spec *o, cmp_array *a) {
    const int32_t lo = o->is_signed ? -(INT32_C(1) << (o->bits - 1)) : 0;
    const int32_t hi =
        o->is_signed ? (INT32_C(1) << (o->bits - 1)) - 1 : (INT32_C(1) << o->bits) - 1;
    uint64_t s = o->seed;
    for (size_t k = 0; k < a->count; k++) {
        const int32_t v = input_value(&s, o, lo, hi);
        if (o->is_signed)
            ((int8_t *)a->data)[k] = (int8_t)v;
        else
            ((uint8_t *)a->data)[k] = (uint8_t)v;
    }
}

/* Counts the non-zero bytes of a (uint8 / int8). */
static size_t input_nonzero(const cmp_array *a) {
    size_t nz = 0;
    for (size_t k = 0; k < a->count; k++)
        nz += ((const uint8_t *)a->data)[k] != 0;
    return nz;
}

int cmd_input(int argc, char **argv) {
    input_spec o;
    const int rc = input_parse(argc, argv, &o);
    if (rc >= 0)
        return rc;
    npu_err err;
    npu_err_clear(&err);
    if (o.model && input_from_model(&o, &err) != NPU_OK)
        return cli_fail(&err);
    const uint64_t per = (uint64_t)o.dims.x * o.dims.y * o.dims.c;
    if (per == 0 || o.n > INPUT_MAX_BYTES / per)
        return cli_usage("input", "%llu samples of (%u, %u, %u) exceed %llu bytes",
                         (unsigned long long)o.n, o.dims.x, o.dims.y, o.dims.c,
                         (unsigned long long)INPUT_MAX_BYTES);
    const uint64_t shape[4] = {o.n, o.dims.x, o.dims.y, o.dims.c};
    cmp_array a = {0};
    npu_status st = cmp_array_alloc(&a, o.is_signed ? CMP_I8 : CMP_U8, 4, shape, &err);
    if (st == NPU_OK) {
        input_fill(&o, &a);
        st = cmp_npy_write(o.output, &a, &err);
    }
    if (st == NPU_OK && !o.quiet)
        printf("%llu random sample%s (%llu, %u, %u, %u) %s, %u-bit %s, %.1f%% non-zero, seed "
               "%llu, written to %s\n",
               (unsigned long long)o.n, o.n == 1 ? "" : "s", (unsigned long long)o.n, o.dims.x,
               o.dims.y, o.dims.c, cmp_dtype_name(a.dtype), (unsigned)o.bits,
               o.is_signed ? "signed" : "unsigned",
               a.count ? 100.0 * (double)input_nonzero(&a) / (double)a.count : 0.0,
               (unsigned long long)o.seed, o.output);
    cmp_array_free(&a);
    return st == NPU_OK ? CLI_OK : cli_fail(&err);
}
