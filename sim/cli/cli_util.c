/*
 * cli_util: helpers shared by the akisim subcommands — the one-line error reporting, option
 * errors and value parsing, the device options of run / evaluate, model loading, reading and
 * checking an input batch, and the few JSON writing primitives the --json outputs need.
 */
#define _POSIX_C_SOURCE 200809L

#include "cli.h"

#include "cmp/cmp_mapper.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int cli_fail(const npu_err *err) {
    fprintf(stderr, "akisim: %s\n", err->msg[0] ? err->msg : "unknown error");
    return err->status == NPU_ERR_INTERNAL ? CLI_INTERNAL : CLI_BAD_INPUT;
}

int cli_usage(const char *cmd, const char *fmt, ...) {
    char msg[NPU_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "akisim: %s: %s (see 'akisim %s --help')\n", cmd, msg, cmd);
    return CLI_BAD_INPUT;
}

int cli_bad_option(const char *cmd, int c, char **argv) {
    const char *opt = argv[optind - 1];
    if (c == ':')
        return cli_usage(cmd, "option '%s' needs a value", opt);
    if (optopt && !(opt[0] == '-' && opt[1] == '-'))
        return cli_usage(cmd, "unknown option '-%c'", optopt);
    return cli_usage(cmd, "unknown option '%s'", opt);
}

bool cli_parse_positive(const char *cmd, const char *opt, const char *text, uint64_t max,
                        uint64_t *out) {
    char *end = NULL;
    errno = 0;
    const unsigned long long v = strtoull(text, &end, 10);
    if (text[0] == '-' || text[0] == '\0' || *end != '\0' || errno != 0 || v == 0 || v > max) {
        cli_usage(cmd, "%s: expected an integer in [1, %" PRIu64 "], got '%s'", opt, max, text);
        return false;
    }
    *out = (uint64_t)v;
    return true;
}

void cli_getopt_reset(void) {
    optind = 0; /* glibc: full re-initialisation */
    opterr = 0; /* errors are reported by cli_bad_option */
}

int cli_load_model(const char *path, akisim_model **m) {
    npu_err err;
    npu_err_clear(&err);
    if (akisim_model_load(path, m, &err) != NPU_OK)
        return cli_fail(&err);
    return CLI_OK;
}

void cli_fmt_dims(char *dst, size_t cap, const cmp_array *a) {
    size_t len = (size_t)snprintf(dst, cap, "(");
    for (uint32_t d = 0; d < a->ndim && len < cap; d++)
        len += (size_t)snprintf(dst + len, cap - len, "%s%" PRIu64, d ? ", " : "", a->shape[d]);
    if (len < cap)
        snprintf(dst + len, cap - len, ")");
}

npu_status cli_batch_read(const char *path, akisim_model *m, cli_batch *b, npu_err *err) {
    memset(b, 0, sizeof *b);
    akisim_shape in;
    npu_status st = akisim_model_input_shape(m, &in, err);
    if (st != NPU_OK)
        return st;
    const bool sgn = akisim_model_input_signed(m);
    st = cmp_npy_read(path, &b->arr, err);
    if (st != NPU_OK)
        return st;
    const cmp_array *a = &b->arr;
    char dims[128];
    cli_fmt_dims(dims, sizeof dims, a);
    const cmp_dtype want = sgn ? CMP_I8 : CMP_U8;
    if (a->dtype != want)
        st = npu_err_set(err, NPU_ERR_INPUT,
                         "%s: dtype %s, expected %s (the model input is %u-bit %s)", path,
                         cmp_dtype_name(a->dtype), cmp_dtype_name(want), akisim_model_input_bits(m),
                         sgn ? "signed" : "unsigned");
    else if (a->ndim != 3 && a->ndim != 4)
        st = npu_err_set(err, NPU_ERR_INPUT,
                         "%s: shape %s, expected (n, %u, %u, %u) or one sample (%u, %u, %u)", path,
                         dims, in.x, in.y, in.c, in.x, in.y, in.c);
    else {
        const uint64_t *s = a->shape + (a->ndim - 3);
        if (s[0] != in.x || s[1] != in.y || s[2] != in.c)
            st = npu_err_set(err, NPU_ERR_INPUT,
                             "%s: shape %s does not match the model input (%u, %u, %u)", path, dims,
                             in.x, in.y, in.c);
        else if (a->ndim == 4 && a->shape[0] == 0)
            st = npu_err_set(err, NPU_ERR_INPUT, "%s: holds no samples", path);
    }
    if (st != NPU_OK) {
        cmp_array_free(&b->arr);
        return st;
    }
    b->n = a->ndim == 4 ? (size_t)a->shape[0] : 1;
    b->dtype = sgn ? AKISIM_INPUT_I8 : AKISIM_INPUT_U8;
    return NPU_OK;
}

void cli_device_opts_init(cli_device_opts *o) {
    memset(o, 0, sizeof *o);
    o->map_mode = CMP_MAP_ALLNPS;
}

int cli_device_option(const char *cmd, int c, const char *arg, cli_device_opts *o) {
    switch (c) {
    case CLI_OPT_MESH:
        o->mesh = arg;
        return CLI_OK;
    case CLI_OPT_HW_ONLY:
        o->hw_only = true;
        return CLI_OK;
    case CLI_OPT_MAP_MODE:
        o->map_mode_set = true;
        if (!cmp_map_mode_from_name(arg, &o->map_mode))
            return cli_usage(cmd, "unknown map mode '%s' (minimal, allnps, hwpr)", arg);
        return CLI_OK;
    case CLI_OPT_CLOCK_MODE:
        o->clock_mode = arg;
        return CLI_OK;
    default:
        return -1;
    }
}

const char *cli_device_without_mesh(const cli_device_opts *o) {
    if (o->mesh)
        return NULL;
    if (o->hw_only)
        return "--hw-only";
    if (o->map_mode_set)
        return "--map-mode";
    return o->clock_mode ? "--clock-mode" : NULL;
}

void cli_batch_free(cli_batch *b) {
    cmp_array_free(&b->arr);
}

void cli_json_string(FILE *f, const char *s) {
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", f);
        else if (*p == '\t')
            fputs("\\t", f);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

void cli_json_shape(FILE *f, akisim_shape s) {
    fprintf(f, "[%u, %u, %u]", s.x, s.y, s.c);
}

npu_status cli_make_dirs(const char *dir, npu_err *err) {
    char path[4096];
    if (strlen(dir) >= sizeof path || dir[0] == '\0')
        return npu_err_set(err, NPU_ERR_INPUT, "'%s': bad output directory", dir);
    strcpy(path, dir);
    for (char *p = path + 1;; p++) {
        const bool end = *p == '\0';
        if (*p != '/' && !end)
            continue;
        *p = '\0';
        struct stat sb;
        if (mkdir(path, 0777) != 0 && errno != EEXIST)
            return npu_err_set(err, NPU_ERR_INPUT, "%s: cannot create directory: %s", path,
                               strerror(errno));
        if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode))
            return npu_err_set(err, NPU_ERR_INPUT, "%s: not a directory", path);
        if (end)
            break;
        *p = '/';
    }
    return NPU_OK;
}
