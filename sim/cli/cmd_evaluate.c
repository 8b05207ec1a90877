/*
 * cmd_evaluate: `akisim evaluate MODEL --input X.npy --labels L.npy [--num-classes K]
 * [--json]` — class accuracy as the runtime's Model.evaluate defines it (see
 * akisim_model_evaluate: argmax over the output neurons; with more neurons than classes,
 * neuron i belongs to class i / (neurons / K)). With --mesh MESH the outputs come from the
 * simulated device instead of the software backend (cmd_evaluate_hw.c).
 */
#include "cmd_evaluate.h"
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char EVALUATE_HELP[] =
    "usage: akisim evaluate MODEL --input X.npy --labels L.npy [--num-classes K] [--json]\n"
    "                       [--mesh MESH [--hw-only] [--map-mode M] [--clock-mode C]]\n\n"
    "Forwards X.npy through MODEL and prints the fraction of samples whose predicted class\n"
    "equals the label. The prediction is the output neuron (channel) holding the largest\n"
    "output value (ties: the lowest index); with more neurons than classes, neuron i belongs\n"
    "to class i / (neurons / K), so K must divide the number of output neurons.\n\n"
    "options:\n"
    "  -i, --input X.npy        input samples, as for 'akisim run' (required)\n"
    "  -l, --labels L.npy       (n,) integer labels in [0, K) (required)\n"
    "  -k, --num-classes K      number of classes (default: number of output neurons)\n"
    "      --json               print JSON\n"
    "      --mesh MESH          run on this simulated device (preset, gen:..., or mesh YAML)\n"
    "                           instead of the software backend, as 'akisim run --mesh'\n"
    "      --hw-only            with --mesh: require one hardware sequence\n"
    "      --map-mode M         with --mesh: minimal, allnps (default) or hwpr\n"
    "      --clock-mode C       with --mesh: clock mode (default Performance)\n"
    "  -h, --help               show this help\n";

/* Reads L.npy: a 1-D integer array of n labels (an (n, 1) array is accepted too). */
static npu_status read_labels(const char *path, size_t n, int64_t **out, npu_err *err) {
    cmp_array a;
    npu_status st = cmp_npy_read(path, &a, err);
    if (st != NPU_OK)
        return st;
    const bool is_int = a.dtype == CMP_U8 || a.dtype == CMP_I8 || a.dtype == CMP_I16 ||
                        a.dtype == CMP_U16 || a.dtype == CMP_I32 || a.dtype == CMP_U32 ||
                        a.dtype == CMP_I64;
    const bool shape_ok = (a.ndim == 1 || (a.ndim == 2 && a.shape[1] == 1)) && a.count == n;
    if (!is_int)
        st = npu_err_set(err, NPU_ERR_INPUT, "%s: dtype %s, expected an integer dtype", path,
                         cmp_dtype_name(a.dtype));
    else if (!shape_ok) {
        char dims[128];
        cli_fmt_dims(dims, sizeof dims, &a);
        st = npu_err_set(err, NPU_ERR_INPUT,
                         "%s: expected %zu labels of shape (%zu,), got shape %s", path, n, n, dims);
    }
    int64_t *l = NULL;
    if (st == NPU_OK && !(l = malloc(n * sizeof *l)))
        st = npu_err_set(err, NPU_ERR_INTERNAL, "out of memory for %zu labels", n);
    for (size_t i = 0; st == NPU_OK && i < n; i++) {
        switch (a.dtype) {
        case CMP_U8:
            l[i] = ((const uint8_t *)a.data)[i];
            break;
        case CMP_I8:
            l[i] = ((const int8_t *)a.data)[i];
            break;
        case CMP_I16:
            l[i] = ((const int16_t *)a.data)[i];
            break;
        case CMP_U16:
            l[i] = ((const uint16_t *)a.data)[i];
            break;
        case CMP_I32:
            l[i] = ((const int32_t *)a.data)[i];
            break;
        case CMP_U32:
            l[i] = ((const uint32_t *)a.data)[i];
            break;
        default:
            l[i] = ((const int64_t *)a.data)[i];
            break;
        }
    }
    cmp_array_free(&a);
    if (st != NPU_OK) {
        free(l);
        return st;
    }
    *out = l;
    return NPU_OK;
}

/* Options of one evaluation. */
typedef struct eval_opts {
    const char *model;  /* MODEL */
    const char *input;  /* --input */
    const char *labels; /* --labels */
    uint64_t classes;   /* --num-classes (0 = output neurons) */
    bool json;          /* --json */
    cli_device_opts hw; /* --mesh and its options (hw.mesh NULL: software backend) */
} eval_opts;

/* Parses argv; returns -1 to continue, else an exit status. */
static int parse(int argc, char **argv, eval_opts *o) {
    static const struct option opts[] = {
        {"input", required_argument, NULL, 'i'},
        {"labels", required_argument, NULL, 'l'},
        {"num-classes", required_argument, NULL, 'k'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        CLI_DEVICE_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    cli_device_opts_init(&o->hw);
    int c;
    while ((c = getopt_long(argc, argv, ":i:l:k:h", opts, NULL)) != -1) {
        switch (c) {
        case 'i':
            o->input = optarg;
            break;
        case 'l':
            o->labels = optarg;
            break;
        case 'j':
            o->json = true;
            break;
        case 'k':
            if (!cli_parse_positive("evaluate", "--num-classes", optarg, UINT32_MAX, &o->classes))
                return CLI_BAD_INPUT;
            break;
        case 'h':
            fputs(EVALUATE_HELP, stdout);
            return CLI_OK;
        default: {
            const int rc = cli_device_option("evaluate", c, optarg, &o->hw);
            if (rc != CLI_OK)
                return rc < 0 ? cli_bad_option("evaluate", c, argv) : rc;
        }
        }
    }
    if (argc - optind != 1)
        return cli_usage("evaluate", "expected exactly one MODEL argument, got %d", argc - optind);
    if (!o->input)
        return cli_usage("evaluate", "missing --input X.npy");
    if (!o->labels)
        return cli_usage("evaluate", "missing --labels L.npy");
    const char *dev = cli_device_without_mesh(&o->hw);
    if (dev)
        return cli_usage("evaluate", "%s needs --mesh MESH", dev);
    o->model = argv[optind];
    return -1;
}

/* The accuracy of the device's outputs, by akisim_model_evaluate's rule: the first maximum
 * over the output values, neuron = its index % channels, class = neuron / (channels / K). */
static npu_status evaluate_hw(const eval_opts *o, akisim_model *m, const cli_batch *b,
                              const int64_t *labels, akisim_shape os, uint32_t k, double *acc,
                              size_t *ok, npu_err *err) {
    const size_t per = (size_t)os.x * os.y * os.c;
    const size_t total = b->n * per;
    int32_t *raw = malloc((total > 0 ? total : 1) * sizeof *raw);
    if (!raw)
        return npu_err_set(err, NPU_ERR_INTERNAL, "out of memory for %zu outputs", b->n);
    npu_status st = eval_hw_outputs(m, &o->hw, b, per, raw, err);
    size_t good = 0;
    for (size_t i = 0; st == NPU_OK && i < b->n; i++) {
        const int32_t *v = raw + i * per;
        size_t best = 0;
        for (size_t j = 1; j < per; j++)
            if (v[j] > v[best])
                best = j;
        good += (int64_t)(best % os.c / (os.c / k)) == labels[i];
    }
    free(raw);
    if (st == NPU_OK && b->n == 0)
        st = npu_err_set(err, NPU_ERR_INPUT, "evaluate: no samples");
    if (st == NPU_OK) {
        *ok = good;
        *acc = (double)good / (double)b->n;
    }
    return st;
}

/* Reads, evaluates and prints; returns the exit status. */
static int evaluate(const eval_opts *o, akisim_model *m) {
    npu_err err;
    npu_err_clear(&err);
    cli_batch b;
    if (cli_batch_read(o->input, m, &b, &err) != NPU_OK)
        return cli_fail(&err);
    int64_t *labels = NULL;
    npu_status st = akisim_model_check_inputs(m, b.n, b.dtype, b.arr.data, &err);
    if (st != NPU_OK)
        npu_err_prefix(&err, "%s", o->input);
    akisim_shape os = {0, 0, 0};
    if (st == NPU_OK)
        st = akisim_model_output_shape(m, &os, &err);
    const uint32_t k = o->classes ? (uint32_t)o->classes : os.c;
    if (st == NPU_OK && (k > os.c || os.c % k != 0))
        st = npu_err_set(&err, NPU_ERR_INPUT,
                         "--num-classes %u must divide the %u output neurons of %s", k, os.c,
                         o->model);
    if (st == NPU_OK)
        st = read_labels(o->labels, b.n, &labels, &err);
    for (size_t i = 0; st == NPU_OK && i < b.n; i++)
        if (labels[i] < 0 || labels[i] >= (int64_t)k)
            st = npu_err_set(&err, NPU_ERR_INPUT, "%s: label %lld at index %zu is outside [0, %u)",
                             o->labels, (long long)labels[i], i, k);
    double acc = 0;
    size_t ok = 0;
    if (st == NPU_OK && o->hw.mesh)
        st = evaluate_hw(o, m, &b, labels, os, k, &acc, &ok, &err);
    else if (st == NPU_OK)
        st = akisim_model_evaluate(m, b.n, b.dtype, b.arr.data, labels, k, &acc, &ok, &err);
    int rc = st == NPU_OK ? CLI_OK : cli_fail(&err);
    if (rc == CLI_OK && o->json)
        printf("{\"accuracy\": %.6f, \"correct\": %zu, \"samples\": %zu, \"num_classes\": %u}\n",
               acc, ok, b.n, k);
    else if (rc == CLI_OK)
        printf("accuracy: %.4f (%zu/%zu correct, %u classes)\n", acc, ok, b.n, k);
    free(labels);
    cli_batch_free(&b);
    return rc;
}

int cmd_evaluate(int argc, char **argv) {
    eval_opts o;
    int rc = parse(argc, argv, &o);
    if (rc >= 0)
        return rc;
    akisim_model *m = NULL;
    rc = cli_load_model(o.model, &m);
    if (rc != CLI_OK)
        return rc;
    rc = evaluate(&o, m);
    akisim_model_free(m);
    return rc;
}
