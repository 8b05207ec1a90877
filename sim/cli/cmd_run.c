/*
 * cmd_run: `akisim run MODEL|PROGRAM --input X.npy [--output Y.npy] [--batch N] ...` —
 * without --mesh, forwards a batch through the software backend (the golden model) and
 * writes the outputs as .npy: uint8 when the last layer is activated, int32 otherwise,
 * float32 with --predict. With --mesh MESH it runs on the simulated device instead
 * (cmd_run_hw.c): a MODEL is mapped first, a PROGRAM runs as is, and the run's statistics,
 * trace and power samples can be written (--stats, --trace, --power) or are printed in the
 * vendor's style. Output files are written (atomically) only after every sample succeeded.
 */
#include "cmd_run.h"
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char RUN_HELP[] =
    "usage: akisim run MODEL --input X.npy [--output Y.npy] [--predict] [--batch N] [-q]\n"
    "       akisim run MODEL|PROGRAM --mesh MESH --input X.npy [--output Y.npy] [--batch N]\n"
    "                  [--hw-only] [--map-mode M] [--clock-mode C] [--calib FILE]\n"
    "                  [--set field=value]... [--stats S.json] [--trace T.json]\n"
    "                  [--power P.csv] [--rtl all-cnp|all|IDENT[,IDENT...]] [-q]\n\n"
    "Forwards the samples of X.npy through MODEL (software backend), or, with --mesh, runs\n"
    "them on a simulated device: a MODEL is mapped first (as `akisim map`), a PROGRAM (a file\n"
    "written by `akisim map -o`) runs as is. X.npy is (n, x, y, c) uint8 (int8 when the\n"
    "input is signed), or (x, y, c) for one sample; every value must fit the input bits.\n"
    "Without --stats a hardware run prints its statistics in the vendor's style.\n\n"
    "options:\n"
    "  -i, --input X.npy   input samples (required)\n"
    "  -o, --output Y.npy  write the (n, x, y, c) outputs: uint8 when the last layer is\n"
    "                      activated, int32 potentials otherwise, float32 with --predict\n"
    "  -p, --predict       dequantised float outputs (software backend only)\n"
    "  -b, --batch N       process at most N samples at a time (N > 0; default: all); on a\n"
    "                      device each chunk is one forward and the statistics describe the\n"
    "                      last one (the vendor's \"last inference\")\n"
    "  -q, --quiet         do not print the result summary\n"
    "  -h, --help          show this help\n\n"
    "device options (need --mesh):\n"
    "  --mesh MESH         run on this device (preset, gen:..., or mesh YAML)\n"
    "  --hw-only           MODEL: require one hardware sequence\n"
    "  --map-mode M        MODEL: minimal, allnps (default) or hwpr\n"
    "  --clock-mode C      Performance (default), Economy or LowPower\n"
    "  --calib FILE        calibration YAML over the device's default (docs/timing-model.md)\n"
    "  --set field=value   override one calibration field (repeatable)\n"
    "  --stats S.json      write the statistics JSON (docs/stats-format.md)\n"
    "  --trace T.json      write the Chrome trace (open in Perfetto)\n"
    "  --power P.csv       write the power samples (timestamp, voltage, current, power)\n"
    "  --rtl SPEC          mixed-level: run these NPs on their Verilated RTL (all-cnp, all,\n"
    "                      or idents COL:ROW:ID); outputs and cycles equal the C run\n";

/* Long-only option codes (after the shared device options of cli.h). */
enum {
    OPT_CALIB = CLI_OPT_NEXT,
    OPT_SET,
    OPT_STATS,
    OPT_TRACE,
    OPT_POWER,
    OPT_RTL,
};

/* Handles a device option; returns -1 when c is not one, else CLI_OK / an error status. */
static int parse_device_option(int c, const char *arg, run_opts *o) {
    switch (c) {
    case OPT_CALIB:
        o->calib = arg;
        return CLI_OK;
    case OPT_SET:
        if (o->n_sets == RUN_MAX_SETS)
            return cli_usage("run", "at most %d --set options", RUN_MAX_SETS);
        o->sets[o->n_sets++] = arg;
        return CLI_OK;
    case OPT_STATS:
        o->stats = arg;
        return CLI_OK;
    case OPT_TRACE:
        o->trace = arg;
        return CLI_OK;
    case OPT_POWER:
        o->power = arg;
        return CLI_OK;
    case OPT_RTL:
        o->rtl = arg;
        return CLI_OK;
    default:
        return cli_device_option("run", c, arg, &o->dev);
    }
}

/* The first device option given without --mesh, or NULL. */
static const char *device_option_without_mesh(const run_opts *o) {
    if (o->dev.mesh)
        return NULL;
    const char *dev = cli_device_without_mesh(&o->dev);
    if (dev)
        return dev;
    if (o->calib)
        return "--calib";
    if (o->n_sets)
        return "--set";
    if (o->stats)
        return "--stats";
    if (o->trace)
        return "--trace";
    if (o->power)
        return "--power";
    if (o->rtl)
        return "--rtl";
    return NULL;
}

/* Parses argv into o; returns -1 to continue, else an exit status. */
static int parse(int argc, char **argv, run_opts *o) {
    static const struct option opts[] = {
        {"input", required_argument, NULL, 'i'},
        {"output", required_argument, NULL, 'o'},
        {"predict", no_argument, NULL, 'p'},
        {"batch", required_argument, NULL, 'b'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        CLI_DEVICE_OPTIONS,
        {"calib", required_argument, NULL, OPT_CALIB},
        {"set", required_argument, NULL, OPT_SET},
        {"stats", required_argument, NULL, OPT_STATS},
        {"trace", required_argument, NULL, OPT_TRACE},
        {"power", required_argument, NULL, OPT_POWER},
        {"rtl", required_argument, NULL, OPT_RTL},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    cli_device_opts_init(&o->dev);
    int c;
    while ((c = getopt_long(argc, argv, ":i:o:pb:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'i':
            o->input = optarg;
            break;
        case 'o':
            o->output = optarg;
            break;
        case 'p':
            o->predict = true;
            break;
        case 'q':
            o->quiet = true;
            break;
        case 'b':
            if (!cli_parse_positive("run", "--batch", optarg, UINT32_MAX, &o->batch))
                return CLI_BAD_INPUT;
            break;
        case 'h':
            fputs(RUN_HELP, stdout);
            return CLI_OK;
        default: {
            const int rc = parse_device_option(c, optarg, o);
            if (rc != CLI_OK)
                return rc < 0 ? cli_bad_option("run", c, argv) : rc;
        }
        }
    }
    if (argc - optind != 1)
        return cli_usage("run", "expected exactly one MODEL argument, got %d", argc - optind);
    if (!o->input)
        return cli_usage("run", "missing --input X.npy");
    o->model = argv[optind];
    const char *dev = device_option_without_mesh(o);
    if (dev)
        return cli_usage("run", "%s needs --mesh MESH", dev);
    if (o->dev.mesh && o->predict)
        return cli_usage("run", "--predict is not available with --mesh");
    if (!o->dev.mesh && run_is_program(o->model))
        return cli_usage("run", "%s is a program: it runs on a device, add --mesh MESH", o->model);
    return -1;
}

/* Runs the batch in chunks of at most o->batch samples into out (int32 or float). */
static npu_status run_chunks(akisim_model *m, const run_opts *o, const cli_batch *b, size_t in_size,
                             size_t out_size, void *out, npu_err *err) {
    const size_t chunk = o->batch ? (size_t)o->batch : b->n;
    npu_status st = NPU_OK;
    for (size_t i = 0; i < b->n && st == NPU_OK; i += chunk) {
        const size_t cnt = b->n - i < chunk ? b->n - i : chunk;
        const uint8_t *in = (const uint8_t *)b->arr.data + i * in_size; /* 1-byte elements */
        if (o->predict)
            st = akisim_model_predict(m, cnt, b->dtype, in, (float *)out + i * out_size, err);
        else
            st = akisim_model_forward(m, cnt, b->dtype, in, (int32_t *)out + i * out_size, err);
        if (st != NPU_OK && i > 0)
            npu_err_prefix(err, "batch starting at sample %zu", i);
    }
    return st;
}

/* Converts the int32 / float results into the output array (dtype chosen by the caller). */
static void fill_output(cmp_array *a, const void *res) {
    if (a->dtype == CMP_U8) {
        for (size_t k = 0; k < a->count; k++)
            ((uint8_t *)a->data)[k] = (uint8_t)((const int32_t *)res)[k];
    } else {
        memcpy(a->data, res, a->count * cmp_dtype_size(a->dtype));
    }
}

/* One value of the result as double. */
static double value(const cmp_array *a, size_t k) {
    switch (a->dtype) {
    case CMP_U8:
        return ((const uint8_t *)a->data)[k];
    case CMP_F32:
        return ((const float *)a->data)[k];
    default:
        return ((const int32_t *)a->data)[k];
    }
}

/* Prints the result summary: counts, shape, dtype, then per sample (at most 8) its values
 * (small outputs) or its argmax. */
static void print_result(const run_opts *o, const cmp_array *a, size_t out_size) {
    printf("%zu sample%s -> output (%zu, %zu, %zu, %zu) %s%s%s\n", (size_t)a->shape[0],
           a->shape[0] == 1 ? "" : "s", (size_t)a->shape[0], (size_t)a->shape[1],
           (size_t)a->shape[2], (size_t)a->shape[3], cmp_dtype_name(a->dtype),
           o->output ? " written to " : "", o->output ? o->output : "");
    const size_t shown = a->shape[0] < 8 ? (size_t)a->shape[0] : 8;
    for (size_t i = 0; i < shown; i++) {
        size_t best = 0;
        for (size_t k = 1; k < out_size; k++)
            if (value(a, i * out_size + k) > value(a, i * out_size + best))
                best = k;
        printf("  sample %zu: argmax %zu", i, best);
        if (out_size <= 16) {
            printf(" [");
            for (size_t k = 0; k < out_size; k++)
                printf(a->dtype == CMP_F32 ? "%s%.4g" : "%s%.0f", k ? " " : "",
                       value(a, i * out_size + k));
            printf("]");
        } else {
            printf(a->dtype == CMP_F32 ? " (value %.4g)" : " (value %.0f)",
                   value(a, i * out_size + best));
        }
        printf("\n");
    }
    if (shown < a->shape[0])
        printf("  ... (%zu more)\n", (size_t)a->shape[0] - shown);
}

/* Loads, runs and writes; returns the exit status. */
static int run(const run_opts *o, akisim_model *m) {
    npu_err err;
    npu_err_clear(&err);
    cli_batch b;
    if (cli_batch_read(o->input, m, &b, &err) != NPU_OK)
        return cli_fail(&err);
    akisim_shape is, os;
    npu_status st = akisim_model_input_shape(m, &is, &err);
    if (st == NPU_OK)
        st = akisim_model_output_shape(m, &os, &err);
    if (st == NPU_OK && akisim_model_check_inputs(m, b.n, b.dtype, b.arr.data, &err) != NPU_OK)
        st = npu_err_prefix(&err, "%s", o->input);
    const size_t out_size = npu_shape_size(os);
    const cmp_dtype dt = o->predict ? CMP_F32 : akisim_model_output_is_u8(m) ? CMP_U8 : CMP_I32;
    const uint64_t shape[4] = {b.n, os.x, os.y, os.c};
    cmp_array out = {0};
    void *res = NULL;
    if (st == NPU_OK)
        st = cmp_array_alloc(&out, dt, 4, shape, &err);
    const size_t total = b.n * out_size;
    if (st == NPU_OK && !(res = malloc((total ? total : 1) * 4)))
        st = npu_err_set(&err, NPU_ERR_INTERNAL, "out of memory for %zu outputs", b.n);
    if (st == NPU_OK)
        st = run_chunks(m, o, &b, npu_shape_size(is), out_size, res, &err);
    if (st == NPU_OK)
        fill_output(&out, res);
    if (st == NPU_OK && o->output)
        st = cmp_npy_write(o->output, &out, &err);
    int rc = st == NPU_OK ? CLI_OK : cli_fail(&err);
    if (rc == CLI_OK && !o->quiet)
        print_result(o, &out, out_size);
    free(res);
    cmp_array_free(&out);
    cli_batch_free(&b);
    return rc;
}

int cmd_run(int argc, char **argv) {
    run_opts o;
    int rc = parse(argc, argv, &o);
    if (rc >= 0)
        return rc;
    if (o.dev.mesh)
        return run_hw(&o);
    akisim_model *m = NULL;
    rc = cli_load_model(o.model, &m);
    if (rc != CLI_OK)
        return rc;
    rc = run(&o, m);
    akisim_model_free(m);
    return rc;
}
