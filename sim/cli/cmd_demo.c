/*
 * cmd_demo: `akisim demo -o DIR [--seed N]` — writes the built-in demo network
 * (akisim_demo_create: a small seeded Akida 1.0 model for 28x28x1 images) as DIR/model.json +
 * DIR/model.npz, 8 random input images as DIR/input.npy (uint8 (8, 28, 28, 1)) and random
 * labels as DIR/labels.npy (int32 (8,)). This is the embedded default that `make run` uses.
 */
#define _POSIX_C_SOURCE 200809L

#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define DEMO_SAMPLES 8
#define DEMO_PATH_MAX 4096

static const char DEMO_HELP[] =
    "usage: akisim demo -o DIR [--seed N] [-q]\n\n"
    "Writes the built-in demo: an Akida 1.0 network for 28x28x1 8-bit images\n"
    "(InputConvolutional -> Convolutional -> SeparableConvolutional + max pool ->\n"
    "Convolutional + global average pool -> FullyConnected, 4-bit weights and activations)\n"
    "as DIR/model.json + DIR/model.npz, with DIR/input.npy (8 uint8 images) and\n"
    "DIR/labels.npy (8 int32 random labels; the network is untrained, so accuracy on\n"
    "them is at chance level). Same seed, same files. DIR is created.\n\n"
    "options:\n"
    "  -o, --output DIR  output directory (required)\n"
    "  -s, --seed N      random seed (default 1)\n"
    "  -q, --quiet       do not list the files written\n"
    "  -h, --help        show this help\n";

/* Writes model, inputs and labels into dir. */
static npu_status write_demo(const char *dir, akisim_model *m, const uint8_t *inputs,
                             const int32_t *labels, npu_err *err) {
    char path[DEMO_PATH_MAX];
    const uint64_t ishape[4] = {DEMO_SAMPLES, AKISIM_DEMO_X, AKISIM_DEMO_Y, AKISIM_DEMO_C};
    const uint64_t lshape[1] = {DEMO_SAMPLES};
    cmp_array in = {0}, lab = {0};
    npu_status st = cli_make_dirs(dir, err);
    if (st == NPU_OK)
        st = cmp_array_alloc(&in, CMP_U8, 4, ishape, err);
    if (st == NPU_OK)
        st = cmp_array_alloc(&lab, CMP_I32, 1, lshape, err);
    if (st == NPU_OK) {
        memcpy(in.data, inputs, in.count);
        memcpy(lab.data, labels, lab.count * sizeof *labels);
        st = akisim_model_save(m, dir, err);
    }
    if (st == NPU_OK) {
        snprintf(path, sizeof path, "%s/input.npy", dir);
        st = cmp_npy_write(path, &in, err);
    }
    if (st == NPU_OK) {
        snprintf(path, sizeof path, "%s/labels.npy", dir);
        st = cmp_npy_write(path, &lab, err);
    }
    cmp_array_free(&in);
    cmp_array_free(&lab);
    return st;
}

int cmd_demo(int argc, char **argv) {
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'},
        {"seed", required_argument, NULL, 's'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *dir = NULL;
    uint64_t seed = 1;
    bool quiet = false;
    int c;
    while ((c = getopt_long(argc, argv, ":o:s:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'o':
            dir = optarg;
            break;
        case 'q':
            quiet = true;
            break;
        case 's': {
            char *end = NULL;
            errno = 0;
            seed = strtoull(optarg, &end, 10);
            if (optarg[0] == '-' || optarg[0] == '\0' || *end != '\0' || errno != 0)
                return cli_usage("demo", "--seed: expected a non-negative integer, got '%s'",
                                 optarg);
            break;
        }
        case 'h':
            fputs(DEMO_HELP, stdout);
            return CLI_OK;
        default:
            return cli_bad_option("demo", c, argv);
        }
    }
    if (argc - optind != 0)
        return cli_usage("demo", "unexpected argument '%s'", argv[optind]);
    if (!dir || !dir[0])
        return cli_usage("demo", "missing -o DIR");
    npu_err err;
    npu_err_clear(&err);
    uint8_t inputs[DEMO_SAMPLES * AKISIM_DEMO_X * AKISIM_DEMO_Y * AKISIM_DEMO_C];
    int32_t labels[DEMO_SAMPLES];
    akisim_model *m = NULL;
    npu_status st = akisim_demo_create(seed, DEMO_SAMPLES, &m, inputs, labels, &err);
    if (st == NPU_OK)
        st = write_demo(dir, m, inputs, labels, &err);
    akisim_model_free(m);
    if (st != NPU_OK)
        return cli_fail(&err);
    if (!quiet)
        printf("demo (seed %llu) written to %s: model.json, model.npz, input.npy (%d samples), "
               "labels.npy\n",
               (unsigned long long)seed, dir, DEMO_SAMPLES);
    return CLI_OK;
}
