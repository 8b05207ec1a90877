/*
 * cmd_zoo: `akisim zoo NAME [--alpha A] [--input-size S] [--classes C] [--weight-bits W]
 * [--act-bits A] [--version v1|v2] [--density D] [--seed N] [--no-weights] -o MODEL` — builds
 * a model-zoo architecture with seeded synthetic, calibrated weights (cmp_zoo.h) and saves
 * it as model.json + model.npz.
 */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cmp/cmp_modelfile.h"
#include "cmp/cmp_zoo.h"

static const char ZOO_HELP[] =
    "usage: akisim zoo NAME -o MODEL [options]\n\n"
    "Builds zoo model NAME (akidanet, mobilenet, ds_cnn_kws, ds_cnn_cifar10, vgg_cifar10,\n"
    "vgg_utk_face, gxnor_mnist) with seeded synthetic weights whose thresholds are\n"
    "calibrated so hidden layers fire with about the requested density; saves MODEL.\n\n"
    "options:\n"
    "  -o MODEL            output: model.json path (npz beside it) or directory (required)\n"
    "  --alpha A           width multiplier (akidanet, mobilenet; default 1.0)\n"
    "  --input-size S      input rows/cols (default: the model's; KWS: time frames)\n"
    "  --classes C         output classes (default: the model's)\n"
    "  --weight-bits W     hidden weight bits (v1: 1, 2, 4; v2: 4, 8; default 4)\n"
    "  --act-bits A        activation bits (v1: 1, 2, 4; v2: 4, 8; default 4)\n"
    "  --version v1|v2     Akida 1.0 or 2.0 layers (default v1)\n"
    "  --density D         target activation density in (0, 1] (default 0.5)\n"
    "  --seed N            PRNG seed (default 0)\n"
    "  --no-weights        zero weights, no calibration (mapping-only models; fast)\n"
    "  -h, --help          show this help\n";

/* Parses a real number in (lo, hi]. */
static bool zoo_real(const char *opt, const char *text, double lo, double hi, double *out) {
    char *end = NULL;
    double v = strtod(text, &end);
    if (text[0] == '\0' || *end != '\0' || !(v > lo && v <= hi)) {
        cli_usage("zoo", "%s: expected a number in (%g, %g], got '%s'", opt, lo, hi, text);
        return false;
    }
    *out = v;
    return true;
}

static int zoo_option(int c, const char *arg, cmp_zoo_opts *o) {
    uint64_t v = 0;
    switch (c) {
    case 'a':
        return zoo_real("--alpha", arg, 0.0, 4.0, &o->alpha) ? CLI_OK : CLI_BAD_INPUT;
    case 'd':
        return zoo_real("--density", arg, 0.0, 1.0, &o->density) ? CLI_OK : CLI_BAD_INPUT;
    case 's':
        if (!cli_parse_positive("zoo", "--input-size", arg, 1024, &v))
            return CLI_BAD_INPUT;
        o->input_size = (uint32_t)v;
        return CLI_OK;
    case 'c':
        if (!cli_parse_positive("zoo", "--classes", arg, 65536, &v))
            return CLI_BAD_INPUT;
        o->classes = (uint32_t)v;
        return CLI_OK;
    case 'w':
        if (!cli_parse_positive("zoo", "--weight-bits", arg, 8, &v))
            return CLI_BAD_INPUT;
        o->weight_bits = (uint32_t)v;
        return CLI_OK;
    case 'b':
        if (!cli_parse_positive("zoo", "--act-bits", arg, 8, &v))
            return CLI_BAD_INPUT;
        o->act_bits = (uint32_t)v;
        return CLI_OK;
    case 'S': {
        char *end = NULL;
        unsigned long long s = strtoull(arg, &end, 10);
        if (arg[0] == '\0' || arg[0] == '-' || *end != '\0')
            return cli_usage("zoo", "--seed: expected a non-negative integer, got '%s'", arg);
        o->seed = (uint64_t)s;
        return CLI_OK;
    }
    case 'v':
        if (strcmp(arg, "v1") == 0 || strcmp(arg, "1") == 0)
            o->version = 1;
        else if (strcmp(arg, "v2") == 0 || strcmp(arg, "2") == 0)
            o->version = 2;
        else
            return cli_usage("zoo", "--version: expected v1 or v2, got '%s'", arg);
        return CLI_OK;
    }
    return CLI_BAD_INPUT;
}

int cmd_zoo(int argc, char **argv) {
    static const struct option opts[] = {
        {"alpha", required_argument, NULL, 'a'},    {"input-size", required_argument, NULL, 's'},
        {"classes", required_argument, NULL, 'c'},  {"weight-bits", required_argument, NULL, 'w'},
        {"act-bits", required_argument, NULL, 'b'}, {"version", required_argument, NULL, 'v'},
        {"density", required_argument, NULL, 'd'},  {"seed", required_argument, NULL, 'S'},
        {"no-weights", no_argument, NULL, 'n'},     {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
    };
    cmp_zoo_opts o;
    cmp_zoo_opts_default(&o);
    const char *out = NULL;
    int c;
    while ((c = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
        if (c == 'o')
            out = optarg;
        else if (c == 'n')
            o.no_weights = true;
        else if (c == 'h') {
            fputs(ZOO_HELP, stdout);
            return CLI_OK;
        } else if (c == '?' || c == ':')
            return cli_bad_option("zoo", c, argv);
        else if (zoo_option(c, optarg, &o) != CLI_OK)
            return CLI_BAD_INPUT;
    }
    if (argc - optind != 1)
        return cli_usage("zoo", "expected exactly one NAME argument, got %d", argc - optind);
    if (!out)
        return cli_usage("zoo", "missing -o MODEL");
    npu_err err;
    npu_err_clear(&err);
    npu_model *m = NULL;
    npu_status st = cmp_zoo_build(argv[optind], &o, &m, &err);
    if (st == NPU_OK)
        st = cmp_model_save(m, out, &err);
    npu_model_free(m);
    return st == NPU_OK ? CLI_OK : cli_fail(&err);
}
