/*
 * cmd_dataset: `akisim dataset NAME (--test | --train) -o DIR [--data-dir SRC] [--limit N]` —
 * converts a labelled image dataset shipped by a Debian package into the .npy files the other
 * commands read: DIR/inputs.npy (uint8 (n, x, y, 1), x = image row, y = column) and
 * DIR/labels.npy (int32 (n,)).
 *
 * Known datasets (one table row each): fashion-mnist, from the Debian package
 * dataset-fashion-mnist (/usr/share/datasets/fashion-mnist). The files are in the IDX format
 * of LeCun's MNIST: a big-endian header — two zero bytes, a type byte (0x08 = unsigned byte),
 * a dimension count, then one uint32 per dimension — followed by the payload, here gzip'ed
 * and read with zlib's gzread (a plain, uncompressed file is read as is). Everything is
 * validated (magic, type, dimensions against the dataset's, payload size exactly, label
 * range, image and label counts equal) before anything is written; both outputs are written
 * atomically.
 */
#define _POSIX_C_SOURCE 200809L

#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#define DS_PATH_MAX 4096
#define DS_IDX_MAX_DIMS 3
#define DS_MAX_SAMPLES 1000000u /* more samples are refused before allocating */

/* One known dataset. */
typedef struct ds_info {
    const char *name;         /* NAME on the command line */
    const char *package;      /* Debian package shipping it */
    const char *dir;          /* default directory of the files */
    const char *train_images; /* file names inside dir */
    const char *train_labels;
    const char *test_images;
    const char *test_labels;
    uint32_t rows, cols; /* image size */
    uint32_t classes;    /* labels are in [0, classes) */
} ds_info;

static const ds_info DATASETS[] = {
    {"fashion-mnist", "dataset-fashion-mnist", "/usr/share/datasets/fashion-mnist",
     "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
     "t10k-labels-idx1-ubyte.gz", 28, 28, 10},
};

#define DS_COUNT (sizeof DATASETS / sizeof DATASETS[0])

static const char DATASET_HELP[] =
    "usage: akisim dataset NAME (--test | --train) -o DIR [--data-dir SRC] [--limit N] [-q]\n\n"
    "Converts a dataset's IDX files (gzip'ed or plain) into DIR/inputs.npy (uint8\n"
    "(n, rows, cols, 1)) and DIR/labels.npy (int32 (n,)), ready for 'akisim evaluate\n"
    "MODEL --input DIR/inputs.npy --labels DIR/labels.npy'. DIR is created.\n\n"
    "datasets:\n"
    "  fashion-mnist   Debian package dataset-fashion-mnist (/usr/share/datasets/fashion-mnist)\n"
    "                  60,000 training and 10,000 test images, 28x28, 10 classes\n\n"
    "options:\n"
    "      --test           the test split (t10k-*)\n"
    "      --train          the training split (train-*)\n"
    "  -o, --output DIR     output directory (required)\n"
    "  -d, --data-dir SRC   read the IDX files from SRC instead of the package's directory\n"
    "  -n, --limit N        keep only the first N samples (all when N >= the split size)\n"
    "  -q, --quiet          do not print the summary line\n"
    "  -h, --help           show this help\n";

/* Options of one conversion. */
typedef struct ds_opts {
    const ds_info *ds;    /* the dataset */
    int split;            /* 0 unset, 1 test, 2 train */
    const char *out;      /* -o DIR */
    const char *data_dir; /* --data-dir, or NULL (the package's) */
    uint64_t limit;       /* --limit (0 = all) */
    bool quiet;           /* -q */
} ds_opts;

/* An IDX file as read: its dimensions and unsigned-byte payload. */
typedef struct ds_idx {
    uint32_t ndim;                  /* number of dimensions */
    uint32_t dims[DS_IDX_MAX_DIMS]; /* dimensions */
    size_t count;                   /* payload bytes (product of dims) */
    uint8_t *data;                  /* owned payload */
} ds_idx;

/* Reads exactly len bytes; false on a short read. */
static bool ds_read(gzFile f, void *buf, size_t len) {
    uint8_t *p = buf;
    while (len > 0) {
        const unsigned chunk = len > (1u << 30) ? (1u << 30) : (unsigned)len;
        const int got = gzread(f, p, chunk);
        if (got <= 0)
            return false;
        p += got;
        len -= (size_t)got;
    }
    return true;
}

/* The zlib error of f (without the "path: " zlib puts in front), or the end-of-file text. */
static const char *ds_gz_error(gzFile f, const char *path, const char *eof_text) {
    int code = Z_OK;
    const char *msg = gzerror(f, &code);
    if (code == Z_OK || code == Z_BUF_ERROR || !msg || !msg[0])
        return eof_text;
    const size_t n = strlen(path);
    return strncmp(msg, path, n) == 0 && msg[n] == ':' && msg[n + 1] == ' ' ? msg + n + 2 : msg;
}

static uint32_t ds_be32(const uint8_t *b) {
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | (uint32_t)b[3];
}

/* Reads and checks the IDX header: unsigned bytes, ndim dimensions, none zero, the total
 * below DS_MAX_SAMPLES samples of the given sample size. */
static npu_status ds_idx_header(gzFile f, const char *path, uint32_t ndim, size_t sample, ds_idx *x,
                                npu_err *err) {
    uint8_t h[4 + 4 * DS_IDX_MAX_DIMS];
    if (!ds_read(f, h, 4))
        return npu_err_set(err, NPU_ERR_INPUT, "%s: not an IDX file (%s)", path,
                           ds_gz_error(f, path, "shorter than the 4-byte magic"));
    if (h[0] != 0 || h[1] != 0 || h[2] != 0x08)
        return npu_err_set(err, NPU_ERR_INPUT,
                           "%s: bad IDX magic %02x %02x %02x %02x, expected 00 00 08 %02x "
                           "(unsigned bytes, %u dimensions)",
                           path, h[0], h[1], h[2], h[3], ndim, ndim);
    if (h[3] != ndim)
        return npu_err_set(err, NPU_ERR_INPUT, "%s: %u dimensions, expected %u", path, h[3], ndim);
    if (!ds_read(f, h + 4, 4 * (size_t)ndim))
        return npu_err_set(err, NPU_ERR_INPUT, "%s: truncated IDX header (%s)", path,
                           ds_gz_error(f, path, "end of file"));
    x->ndim = ndim;
    x->count = 1;
    for (uint32_t d = 0; d < ndim; d++) {
        x->dims[d] = ds_be32(h + 4 + 4 * d);
        if (x->dims[d] == 0)
            return npu_err_set(err, NPU_ERR_INPUT, "%s: dimension %u is 0", path, d);
    }
    if (x->dims[0] > DS_MAX_SAMPLES)
        return npu_err_set(err, NPU_ERR_INPUT, "%s: %u samples, at most %u accepted", path,
                           x->dims[0], DS_MAX_SAMPLES);
    x->count = (size_t)x->dims[0] * sample;
    return NPU_OK;
}

/* Reads the payload (exactly x->count bytes, nothing after). */
static npu_status ds_idx_payload(gzFile f, const char *path, ds_idx *x, npu_err *err) {
    if (!(x->data = malloc(x->count)))
        return npu_err_set(err, NPU_ERR_INTERNAL, "%s: out of memory for %zu bytes", path,
                           x->count);
    if (!ds_read(f, x->data, x->count))
        return npu_err_set(err, NPU_ERR_INPUT, "%s: truncated: the header announces %zu bytes (%s)",
                           path, x->count, ds_gz_error(f, path, "end of file before them"));
    uint8_t extra;
    if (gzread(f, &extra, 1) != 0)
        return npu_err_set(err, NPU_ERR_INPUT, "%s: %s after the %zu announced bytes", path,
                           ds_gz_error(f, path, "trailing bytes"), x->count);
    return NPU_OK;
}

/* Reads an IDX file of ndim dimensions whose dimensions after the first equal tail[]. */
static npu_status ds_idx_read(const char *path, uint32_t ndim, const uint32_t *tail, ds_idx *x,
                              npu_err *err) {
    memset(x, 0, sizeof *x);
    struct stat sb;
    if (stat(path, &sb) != 0)
        return npu_err_set(err, NPU_ERR_INPUT, "%s: cannot read: %s", path, strerror(errno));
    if (!S_ISREG(sb.st_mode))
        return npu_err_set(err, NPU_ERR_INPUT, "%s: not a regular file", path);
    gzFile f = gzopen(path, "rb");
    if (!f)
        return npu_err_set(err, NPU_ERR_INPUT, "%s: cannot open: %s", path, strerror(errno));
    size_t sample = 1;
    for (uint32_t d = 1; d < ndim; d++)
        sample *= tail[d - 1];
    npu_status st = ds_idx_header(f, path, ndim, sample, x, err);
    for (uint32_t d = 1; st == NPU_OK && d < ndim; d++)
        if (x->dims[d] != tail[d - 1])
            st = npu_err_set(err, NPU_ERR_INPUT, "%s: dimension %u is %u, expected %u", path, d,
                             x->dims[d], tail[d - 1]);
    if (st == NPU_OK)
        st = ds_idx_payload(f, path, x, err);
    gzclose(f);
    if (st != NPU_OK) {
        free(x->data);
        x->data = NULL;
    }
    return st;
}

/* Joins dir and name into dst; false when too long. */
static bool ds_join(char *dst, size_t cap, const char *dir, const char *name) {
    const int n = snprintf(dst, cap, "%s/%s", dir, name);
    return n > 0 && (size_t)n < cap;
}

/* Builds the two output arrays from the IDX payloads (first n samples). */
static npu_status ds_arrays(const ds_info *ds, const ds_idx *img, const ds_idx *lab, size_t n,
                            const char *lab_path, cmp_array *x, cmp_array *y, npu_err *err) {
    for (size_t i = 0; i < lab->count; i++)
        if (lab->data[i] >= ds->classes)
            return npu_err_set(err, NPU_ERR_INPUT, "%s: label %u at index %zu is outside [0, %u)",
                               lab_path, lab->data[i], i, ds->classes);
    const uint64_t xs[4] = {n, ds->rows, ds->cols, 1};
    const uint64_t ys[1] = {n};
    npu_status st = cmp_array_alloc(x, CMP_U8, 4, xs, err);
    if (st == NPU_OK)
        st = cmp_array_alloc(y, CMP_I32, 1, ys, err);
    if (st != NPU_OK)
        return st;
    memcpy(x->data, img->data, n * ds->rows * ds->cols);
    for (size_t i = 0; i < n; i++)
        ((int32_t *)y->data)[i] = lab->data[i];
    return NPU_OK;
}

/* Reads the split, checks it and writes DIR/inputs.npy and DIR/labels.npy. */
static npu_status ds_convert(const ds_opts *o, size_t *n_out, npu_err *err) {
    const ds_info *ds = o->ds;
    const char *dir = o->data_dir ? o->data_dir : ds->dir;
    char ip[DS_PATH_MAX], lp[DS_PATH_MAX], xo[DS_PATH_MAX], yo[DS_PATH_MAX];
    const bool test = o->split == 1;
    if (!ds_join(ip, sizeof ip, dir, test ? ds->test_images : ds->train_images) ||
        !ds_join(lp, sizeof lp, dir, test ? ds->test_labels : ds->train_labels) ||
        !ds_join(xo, sizeof xo, o->out, "inputs.npy") ||
        !ds_join(yo, sizeof yo, o->out, "labels.npy"))
        return npu_err_set(err, NPU_ERR_INPUT, "path too long");
    struct stat sb;
    if (!o->data_dir && stat(dir, &sb) != 0)
        return npu_err_set(err, NPU_ERR_INPUT,
                           "%s: dataset %s not found; install the Debian package %s or give "
                           "--data-dir",
                           dir, ds->name, ds->package);
    const uint32_t img_tail[2] = {ds->rows, ds->cols};
    ds_idx img, lab;
    memset(&lab, 0, sizeof lab);
    npu_status st = ds_idx_read(ip, 3, img_tail, &img, err);
    if (st == NPU_OK)
        st = ds_idx_read(lp, 1, NULL, &lab, err);
    if (st == NPU_OK && img.dims[0] != lab.dims[0])
        st = npu_err_set(err, NPU_ERR_INPUT, "%s holds %u images but %s holds %u labels", ip,
                         img.dims[0], lp, lab.dims[0]);
    const size_t n =
        st == NPU_OK && o->limit && o->limit < img.dims[0] ? (size_t)o->limit : (size_t)img.dims[0];
    cmp_array x = {0}, y = {0};
    if (st == NPU_OK)
        st = ds_arrays(ds, &img, &lab, n, lp, &x, &y, err);
    free(img.data);
    free(lab.data);
    if (st == NPU_OK)
        st = cli_make_dirs(o->out, err);
    if (st == NPU_OK)
        st = cmp_npy_write(xo, &x, err);
    if (st == NPU_OK)
        st = cmp_npy_write(yo, &y, err);
    cmp_array_free(&x);
    cmp_array_free(&y);
    *n_out = n;
    return st;
}

/* Finds a dataset by name; NULL when unknown. */
static const ds_info *ds_find(const char *name) {
    for (size_t i = 0; i < DS_COUNT; i++)
        if (strcmp(DATASETS[i].name, name) == 0)
            return &DATASETS[i];
    return NULL;
}

/* Parses argv; returns -1 to continue, else an exit status. */
static int ds_parse(int argc, char **argv, ds_opts *o) {
    enum { OPT_TEST = 256, OPT_TRAIN };
    static const struct option opts[] = {
        {"test", no_argument, NULL, OPT_TEST},    {"train", no_argument, NULL, OPT_TRAIN},
        {"output", required_argument, NULL, 'o'}, {"data-dir", required_argument, NULL, 'd'},
        {"limit", required_argument, NULL, 'n'},  {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    int c;
    while ((c = getopt_long(argc, argv, ":o:d:n:qh", opts, NULL)) != -1) {
        switch (c) {
        case OPT_TEST:
        case OPT_TRAIN:
            if (o->split && o->split != (c == OPT_TEST ? 1 : 2))
                return cli_usage("dataset", "--test and --train exclude each other");
            o->split = c == OPT_TEST ? 1 : 2;
            break;
        case 'o':
            o->out = optarg;
            break;
        case 'd':
            o->data_dir = optarg;
            break;
        case 'n':
            if (!cli_parse_positive("dataset", "--limit", optarg, DS_MAX_SAMPLES, &o->limit))
                return CLI_BAD_INPUT;
            break;
        case 'q':
            o->quiet = true;
            break;
        case 'h':
            fputs(DATASET_HELP, stdout);
            return CLI_OK;
        default:
            return cli_bad_option("dataset", c, argv);
        }
    }
    if (argc - optind != 1)
        return cli_usage("dataset", "expected exactly one dataset NAME, got %d", argc - optind);
    if (!(o->ds = ds_find(argv[optind])))
        return cli_usage("dataset", "unknown dataset '%s' (known: fashion-mnist)", argv[optind]);
    if (!o->split)
        return cli_usage("dataset", "choose the split: --test or --train");
    if (!o->out)
        return cli_usage("dataset", "missing -o DIR");
    return -1;
}

int cmd_dataset(int argc, char **argv) {
    ds_opts o;
    const int rc = ds_parse(argc, argv, &o);
    if (rc >= 0)
        return rc;
    npu_err err;
    npu_err_clear(&err);
    size_t n = 0;
    if (ds_convert(&o, &n, &err) != NPU_OK)
        return cli_fail(&err);
    if (!o.quiet)
        printf("%s %s: %zu samples -> %s/inputs.npy (uint8 (%zu, %u, %u, 1)), %s/labels.npy\n",
               o.ds->name, o.split == 1 ? "test" : "train", n, o.out, n, o.ds->rows, o.ds->cols,
               o.out);
    return CLI_OK;
}
