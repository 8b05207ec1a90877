/*
 * cmd_evaluate_hw: the hardware path of `akisim evaluate --mesh MESH` (see cmd_evaluate.h).
 * It follows cmd_run_hw.c's order — mesh, default calibration, clock mode, mapping, program,
 * device — then forwards the batch in chunks of EVAL_HW_CHUNK frames (the device keeps a
 * record of every frame of a forward, so one forward of 10,000 frames would hold them all)
 * and copies each output tensor, checked against the model's output shape, to the caller.
 */
#include "cmd_evaluate.h"

#include <stdlib.h>
#include <string.h>

#include "akisim/sim_engine.h"
#include "cmp/cmp_mapper.h"
#include "cmp/cmp_program.h"
#include "mesh/mesh.h"
#include "mesh/mesh_calib.h"

#define EVAL_HW_CHUNK 64 /* frames per device forward */

/* Everything the hardware evaluation holds (freed by hw_free). */
typedef struct eval_hw {
    mesh_desc mesh;                /* target mesh */
    mesh_calib calib;              /* its default calibration */
    cmp_program *program;          /* the mapped program */
    sim_device *device;            /* the device */
    npu_tensor in[EVAL_HW_CHUNK];  /* one chunk of inputs (int32) */
    npu_tensor out[EVAL_HW_CHUNK]; /* one chunk of outputs (callee-allocated) */
} eval_hw;

static void hw_free(eval_hw *h) {
    for (size_t i = 0; i < EVAL_HW_CHUNK; i++) {
        free(h->in[i].data);
        npu_tensor_free(&h->out[i]);
    }
    sim_device_free(h->device);
    cmp_program_free(h->program);
    mesh_free(&h->mesh);
}

/* Mesh, calibration, program and a programmed device. */
static npu_status hw_setup(const npu_model *nm, const cli_device_opts *o, eval_hw *h,
                           npu_err *err) {
    mesh_clock_mode clock = MESH_CLOCK_PERFORMANCE;
    npu_status st = mesh_load(o->mesh, &h->mesh, err);
    if (st == NPU_OK)
        st = mesh_calib_default(&h->mesh, &h->calib, err);
    if (st == NPU_OK && o->clock_mode)
        st = mesh_clock_mode_parse(o->clock_mode, &clock, err);
    cmp_mapped mm = {0};
    if (st == NPU_OK)
        st = cmp_map(nm, &h->mesh, o->hw_only, o->map_mode, &mm, err);
    if (st == NPU_OK)
        st = cmp_program_build(nm, &mm, &h->mesh, &h->program, err);
    cmp_mapped_free(&mm);
    if (st == NPU_OK)
        st = sim_device_new(&h->mesh, &h->calib, &h->device, err);
    if (st == NPU_OK) {
        sim_device_set_clock_mode(h->device, clock);
        st = sim_device_program(h->device, h->program, nm, err);
    }
    return st;
}

/* Converts samples [first, first + cnt) of b to int32 tensors. */
static void hw_fill(const cli_batch *b, npu_shape is, size_t first, size_t cnt, eval_hw *h) {
    const size_t per = npu_shape_size(is);
    for (size_t i = 0; i < cnt; i++) {
        h->in[i].shape = is;
        for (size_t k = 0; k < per; k++) {
            const size_t j = (first + i) * per + k;
            h->in[i].data[k] = b->dtype == AKISIM_INPUT_I8 ? ((const int8_t *)b->arr.data)[j]
                                                           : ((const uint8_t *)b->arr.data)[j];
        }
    }
}

/* Copies the chunk's outputs to out, checking their shape. */
static npu_status hw_copy(eval_hw *h, size_t first, size_t cnt, size_t out_size, int32_t *out,
                          npu_err *err) {
    for (size_t i = 0; i < cnt; i++) {
        npu_tensor *t = &h->out[i];
        if (!t->data || npu_shape_size(t->shape) != out_size)
            return npu_err_set(err, NPU_ERR_INTERNAL,
                               "sample %zu: the device output has %zu values, expected %zu",
                               first + i, t->data ? npu_shape_size(t->shape) : 0, out_size);
        memcpy(out + (first + i) * out_size, t->data, out_size * sizeof *out);
        npu_tensor_free(t);
    }
    return NPU_OK;
}

npu_status eval_hw_outputs(akisim_model *m, const cli_device_opts *o, const cli_batch *b,
                           size_t out_size, int32_t *out, npu_err *err) {
    const npu_model *nm = akisim_model_npu(m);
    if (!nm)
        return npu_err_set(err, NPU_ERR_INPUT, "the model does not validate");
    eval_hw h;
    memset(&h, 0, sizeof h);
    const npu_shape is = npu_model_input_shape(nm);
    const size_t per = npu_shape_size(is);
    npu_status st = hw_setup(nm, o, &h, err);
    for (size_t i = 0; i < EVAL_HW_CHUNK && st == NPU_OK; i++)
        if (!(h.in[i].data = malloc(per * sizeof(int32_t))))
            st = npu_err_set(err, NPU_ERR_INTERNAL, "out of memory for the inputs");
    for (size_t i = 0; i < b->n && st == NPU_OK; i += EVAL_HW_CHUNK) {
        const size_t cnt = b->n - i < EVAL_HW_CHUNK ? b->n - i : EVAL_HW_CHUNK;
        hw_fill(b, is, i, cnt, &h);
        st = sim_device_forward(h.device, h.in, cnt, h.out, err);
        if (st != NPU_OK)
            npu_err_prefix(err, "%s: samples %zu..%zu", o->mesh, i, i + cnt - 1);
        else
            st = hw_copy(&h, i, cnt, out_size, out, err);
    }
    hw_free(&h);
    return st;
}
