/*
 * cmd_run_hw: the hardware path of `akisim run` (--mesh MESH) — runs a MODEL (mapped first:
 * cmp_map + cmp_program_build) or a binary PROGRAM (run as is) on the simulated device
 * (sim_engine.h) and writes its outputs: Y.npy, the stats JSON, the Chrome trace and the
 * power CSV (sim_write.h), or prints the vendor-style statistics.
 *
 * Order of work: mesh, calibration (default of the mesh, then --calib FILE, then each --set,
 * validated), program, input batch (dtype, shape and bit range checked against the
 * program's header), programming, forward (all samples at once, or chunks of --batch N;
 * stats, trace and power describe the last forward, as the vendor's "last inference"
 * statistics), then every destination directory is checked and every file rendered before
 * the first one is written. Any failure before that point writes nothing.
 */
#include "cli.h"
#include "cmd_run.h"

#include <stdlib.h>
#include <string.h>

#include "akisim/sim_engine.h"
#include "akisim/sim_write.h"
#include "cmp/cmp_mapper.h"
#include "cmp/cmp_modelfile.h"
#include "cmp/cmp_program.h"
#include "mesh/mesh.h"
#include "mesh/mesh_calib.h"

#ifdef AKISIM_HAVE_RTL
#include "cosim/cosim.h"
#endif

bool run_is_program(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    char magic[4] = {0};
    const size_t got = fread(magic, 1, sizeof magic, f);
    fclose(f);
    return got == sizeof magic && memcmp(magic, CMP_PROGRAM_MAGIC, sizeof magic) == 0;
}

/* Everything a hardware run holds (freed by hw_free). */
typedef struct hw_run {
    mesh_desc mesh;        /* target mesh */
    mesh_calib calib;      /* its calibration after --calib / --set */
    mesh_clock_mode clock; /* clock mode */
    npu_model *model;      /* MODEL (NULL for a PROGRAM) */
    cmp_program *program;  /* the program run */
    cmp_array in;          /* input array as read */
    size_t n;              /* samples */
    npu_tensor *inputs;    /* n input tensors (int32) */
    npu_tensor *outputs;   /* n output tensors (callee-allocated data) */
    sim_device *device;    /* the device */
    cmp_array out;         /* Y.npy array */
    void *rtl;             /* --rtl: the cosim_mixed NP factory context (owned) */
} hw_run;

static void hw_free(hw_run *h) {
    for (size_t i = 0; h->inputs && i < h->n; i++)
        free(h->inputs[i].data);
    for (size_t i = 0; h->outputs && i < h->n; i++)
        npu_tensor_free(&h->outputs[i]);
    free(h->inputs);
    free(h->outputs);
    sim_device_free(h->device);
#ifdef AKISIM_HAVE_RTL
    cosim_mixed_free(h->rtl);
#endif
    cmp_program_free(h->program);
    npu_model_free(h->model);
    cmp_array_free(&h->in);
    cmp_array_free(&h->out);
    mesh_free(&h->mesh);
}

/* Mesh, calibration and clock mode. */
static npu_status hw_setup(const run_opts *o, hw_run *h, npu_err *err) {
    npu_status st = mesh_load(o->dev.mesh, &h->mesh, err);
    if (st == NPU_OK)
        st = mesh_calib_default(&h->mesh, &h->calib, err);
    if (st == NPU_OK && o->calib)
        st = mesh_calib_load(o->calib, &h->calib, err);
    for (size_t i = 0; i < o->n_sets && st == NPU_OK; i++)
        if ((st = mesh_calib_set(&h->calib, o->sets[i], err)) != NPU_OK)
            npu_err_prefix(err, "--set %s", o->sets[i]);
    if (st == NPU_OK)
        st = mesh_calib_validate(&h->calib, err);
    h->clock = MESH_CLOCK_PERFORMANCE;
    if (st == NPU_OK && o->dev.clock_mode)
        st = mesh_clock_mode_parse(o->dev.clock_mode, &h->clock, err);
    return st;
}

/* The program: decoded from a PROGRAM file, or built by mapping the MODEL. */
static npu_status hw_program(const run_opts *o, hw_run *h, npu_err *err) {
    if (run_is_program(o->model)) {
        const cmp_program_expect expect = {(uint32_t)h->mesh.ip_version, h->mesh.name};
        npu_status st = cmp_program_read(o->model, &expect, &h->program, err);
        for (uint32_t s = 0; st == NPU_OK && s < cmp_program_sequence_count(h->program); s++) {
            const cmp_prog_sequence *q = cmp_program_sequence(h->program, s);
            if (q->backend == CMP_BACKEND_SOFTWARE)
                st = npu_err_set(err, NPU_ERR_INPUT,
                                 "%s: sequence %s runs in software; run the MODEL instead of "
                                 "its program",
                                 o->model, q->name);
        }
        return st;
    }
    cmp_mapped mm = {0};
    npu_status st = cmp_model_load(o->model, &h->model, err);
    if (st == NPU_OK)
        st = cmp_map(h->model, &h->mesh, o->dev.hw_only, o->dev.map_mode, &mm, err);
    if (st == NPU_OK)
        st = cmp_program_build(h->model, &mm, &h->mesh, &h->program, err);
    cmp_mapped_free(&mm);
    return st;
}

/* Reads X.npy and checks dtype, shape and bit range against the program's input. */
static npu_status hw_inputs(const run_opts *o, hw_run *h, npu_err *err) {
    const cmp_prog_info *info = cmp_program_info(h->program);
    const npu_shape is = info->in_shape;
    npu_status st = cmp_npy_read(o->input, &h->in, err);
    if (st != NPU_OK)
        return st;
    const cmp_array *a = &h->in;
    char dims[128];
    cli_fmt_dims(dims, sizeof dims, a);
    const cmp_dtype want = info->in_signed ? CMP_I8 : CMP_U8;
    if (a->dtype != want)
        return npu_err_set(err, NPU_ERR_INPUT, "%s: dtype %s, expected %s (the input is %u-bit %s)",
                           o->input, cmp_dtype_name(a->dtype), cmp_dtype_name(want), info->in_bits,
                           info->in_signed ? "signed" : "unsigned");
    const uint64_t *s = a->shape + (a->ndim >= 3 ? a->ndim - 3 : 0);
    if ((a->ndim != 3 && a->ndim != 4) || s[0] != is.x || s[1] != is.y || s[2] != is.c)
        return npu_err_set(err, NPU_ERR_INPUT,
                           "%s: shape %s, expected (n, %u, %u, %u) or one sample (%u, %u, %u)",
                           o->input, dims, is.x, is.y, is.c, is.x, is.y, is.c);
    if (info->in_bits < 1 || info->in_bits > 8)
        return npu_err_set(err, NPU_ERR_INPUT, "%s: input bits %u not in 1..8", o->model,
                           info->in_bits);
    h->n = a->ndim == 4 ? (size_t)a->shape[0] : 1;
    if (h->n == 0)
        return npu_err_set(err, NPU_ERR_INPUT, "%s: holds no samples", o->input);
    const int64_t lo = info->in_signed ? -(INT64_C(1) << (info->in_bits - 1)) : 0;
    const int64_t hi = info->in_signed ? (INT64_C(1) << (info->in_bits - 1)) - 1
                                       : (INT64_C(1) << info->in_bits) - 1;
    const size_t per = npu_shape_size(is);
    h->inputs = calloc(h->n, sizeof *h->inputs);
    h->outputs = calloc(h->n, sizeof *h->outputs);
    if (!h->inputs || !h->outputs)
        return npu_err_set(err, NPU_ERR_INTERNAL, "out of memory for %zu samples", h->n);
    for (size_t i = 0; i < h->n; i++) {
        h->inputs[i].shape = is;
        if (!(h->inputs[i].data = malloc((per ? per : 1) * sizeof(int32_t))))
            return npu_err_set(err, NPU_ERR_INTERNAL, "out of memory for sample %zu", i);
        for (size_t k = 0; k < per; k++) {
            const size_t j = i * per + k;
            const int32_t v =
                info->in_signed ? ((const int8_t *)a->data)[j] : ((const uint8_t *)a->data)[j];
            if (v < lo || v > hi) {
                const size_t c = k % is.c, y = k / is.c % is.y, x = k / is.c / is.y;
                return npu_err_set(err, NPU_ERR_INPUT,
                                   "%s: value %d at index (%zu, %zu, %zu, %zu) is outside the "
                                   "%u-bit input range [%lld, %lld]",
                                   o->input, (int)v, i, x, y, c, info->in_bits, (long long)lo,
                                   (long long)hi);
            }
            h->inputs[i].data[k] = v;
        }
    }
    return NPU_OK;
}

/* --rtl: installs the mixed-level NP factory (rtl/cosim) before programming. */
static npu_status hw_rtl(const run_opts *o, hw_run *h, npu_err *err) {
    if (!o->rtl)
        return NPU_OK;
#ifdef AKISIM_HAVE_RTL
    cosim_mixed *m = NULL;
    npu_status st = cosim_mixed_new(o->rtl, &m, err);
    if (st == NPU_OK) {
        h->rtl = m;
        cosim_mixed_attach(m, h->device);
    }
    return st;
#else
    (void)h;
    return npu_err_set(err, NPU_ERR_INTERNAL,
                       "--rtl: this akisim was built without Verilator (no RTL blocks)");
#endif
}

/* Programs the device and forwards the batch (chunks of --batch N). */
static npu_status hw_forward(const run_opts *o, hw_run *h, npu_err *err) {
    npu_status st = sim_device_new(&h->mesh, &h->calib, &h->device, err);
    if (st != NPU_OK)
        return st;
    sim_device_set_clock_mode(h->device, h->clock);
    st = hw_rtl(o, h, err);
    st = st ? st : sim_device_program(h->device, h->program, h->model, err);
#ifdef AKISIM_HAVE_RTL
    if (st == NPU_OK && h->rtl)
        st = cosim_mixed_check_used(h->rtl, err);
#endif
    const size_t chunk = o->batch ? (size_t)o->batch : h->n;
    for (size_t i = 0; i < h->n && st == NPU_OK; i += chunk) {
        const size_t cnt = h->n - i < chunk ? h->n - i : chunk;
        st = sim_device_forward(h->device, h->inputs + i, cnt, h->outputs + i, err);
        if (st != NPU_OK && i > 0)
            npu_err_prefix(err, "batch starting at sample %zu", i);
    }
    if (st == NPU_OK && !sim_device_results(h->device))
        st = npu_err_set(err, NPU_ERR_INTERNAL, "the device returned no results");
    return st;
}

/* Fills the (n, x, y, c) output array in the program's output type. */
static npu_status hw_output_array(hw_run *h, npu_err *err) {
    const cmp_prog_info *info = cmp_program_info(h->program);
    const npu_shape os = info->out_shape;
    const cmp_dtype dt = info->out_dtype == CMP_OUT_UINT8  ? CMP_U8
                         : info->out_dtype == CMP_OUT_INT8 ? CMP_I8
                                                           : CMP_I32;
    const uint64_t shape[4] = {h->n, os.x, os.y, os.c};
    npu_status st = cmp_array_alloc(&h->out, dt, 4, shape, err);
    const size_t per = npu_shape_size(os);
    for (size_t i = 0; i < h->n && st == NPU_OK; i++) {
        const npu_tensor *t = &h->outputs[i];
        if (t->shape.x != os.x || t->shape.y != os.y || t->shape.c != os.c || !t->data)
            return npu_err_set(err, NPU_ERR_INTERNAL,
                               "sample %zu: output shape differs from "
                               "the program's",
                               i);
        for (size_t k = 0; k < per; k++) {
            const int32_t v = t->data[k];
            if (dt == CMP_U8)
                ((uint8_t *)h->out.data)[i * per + k] = (uint8_t)v;
            else if (dt == CMP_I8)
                ((int8_t *)h->out.data)[i * per + k] = (int8_t)v;
            else
                ((int32_t *)h->out.data)[i * per + k] = v;
        }
    }
    return st;
}

/* Checks every destination, then writes the stats/trace/power files and Y.npy. */
static npu_status hw_write(const run_opts *o, hw_run *h, npu_err *err) {
    const char *paths[SIM_WRITE_KIND_COUNT] = {o->stats, NULL, o->trace, o->power};
    npu_status st = o->output ? sim_write_check_dir(o->output, err) : NPU_OK;
    if (st == NPU_OK)
        st = sim_write_files(sim_device_results(h->device), paths, err);
    if (st == NPU_OK && o->output)
        st = cmp_npy_write(o->output, &h->out, err);
    return st;
}

/* Prints the run: the vendor-style statistics (without --stats), then the output line. */
static npu_status hw_print(const run_opts *o, hw_run *h, npu_err *err) {
    if (o->quiet)
        return NPU_OK;
    if (!o->stats) {
        char *text = sim_write_summary(sim_device_results(h->device));
        if (!text)
            return npu_err_set(err, NPU_ERR_INTERNAL, "out of memory");
        fputs(text, stdout);
        free(text);
    }
    const cmp_array *a = &h->out;
    printf("%zu sample%s -> output (%zu, %zu, %zu, %zu) %s%s%s\n", h->n, h->n == 1 ? "" : "s",
           (size_t)a->shape[0], (size_t)a->shape[1], (size_t)a->shape[2], (size_t)a->shape[3],
           cmp_dtype_name(a->dtype), o->output ? " written to " : "", o->output ? o->output : "");
#ifdef AKISIM_HAVE_RTL
    if (h->rtl)
        printf("rtl: %llu NP%s in Verilated RTL, %llu RTL clock cycles simulated\n",
               (unsigned long long)cosim_mixed_rtl_nps(h->rtl),
               cosim_mixed_rtl_nps(h->rtl) == 1 ? "" : "s",
               (unsigned long long)cosim_mixed_rtl_cycles(h->rtl));
#endif
    return NPU_OK;
}

int run_hw(const run_opts *o) {
    npu_err err;
    npu_err_clear(&err);
    hw_run h;
    memset(&h, 0, sizeof h);
    npu_status st = hw_setup(o, &h, &err);
    if (st == NPU_OK)
        st = hw_program(o, &h, &err);
    if (st == NPU_OK)
        st = hw_inputs(o, &h, &err);
    if (st == NPU_OK)
        st = hw_forward(o, &h, &err);
    if (st == NPU_OK)
        st = hw_output_array(&h, &err);
    if (st == NPU_OK)
        st = hw_write(o, &h, &err);
    if (st == NPU_OK)
        st = hw_print(o, &h, &err);
    const int rc = st == NPU_OK ? CLI_OK : cli_fail(&err);
    hw_free(&h);
    return rc;
}
