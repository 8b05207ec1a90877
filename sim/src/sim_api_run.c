/*
 * sim_api_run: running batches through an akisim_model — forward (int32 outputs), predict
 * (dequantised floats), evaluate (class accuracy) and per-layer sparsity. Inputs are
 * checked in full (shape is implied, values against the input bits and sign) before any
 * sample runs, so a bad batch fails without partial work.
 */
#include "sim_api.h"

#include <stdlib.h>
#include <string.h>

#include "npu/npu_dequant.h"

/* Checks every input value against the model's input bits and sign; the message gives the
 * numpy index (n, x, y, c) of the first offending value. */
static npu_status check_inputs(const npu_model *nm, size_t n, akisim_input_dtype dtype,
                               const void *inputs, npu_err *err) {
    if (!inputs && n > 0)
        return npu_err_set(err, NPU_ERR_INPUT, "no input data");
    if (dtype != AKISIM_INPUT_U8 && dtype != AKISIM_INPUT_I8)
        return npu_err_set(err, NPU_ERR_INPUT, "unknown input dtype %d", (int)dtype);
    const npu_shape s = npu_model_input_shape(nm);
    const uint32_t bits = npu_model_input_bits(nm);
    const bool sgn = npu_model_input_signed(nm);
    const int64_t lo = sgn ? -((int64_t)1 << (bits - 1)) : 0;
    const int64_t hi = sgn ? ((int64_t)1 << (bits - 1)) - 1 : ((int64_t)1 << bits) - 1;
    const size_t per = npu_shape_size(s);
    for (size_t i = 0; i < n * per; i++) {
        const int64_t v = dtype == AKISIM_INPUT_U8 ? (int64_t)((const uint8_t *)inputs)[i]
                                                   : (int64_t)((const int8_t *)inputs)[i];
        if (v < lo || v > hi) {
            const size_t k = i % per;
            return npu_err_set(err, NPU_ERR_INPUT,
                               "input value %lld at index (%zu, %zu, %zu, %zu) is outside the "
                               "model's %u-bit %s input range [%lld, %lld]",
                               (long long)v, i / per, k / ((size_t)s.y * s.c), (k / s.c) % s.y,
                               k % s.c, bits, sgn ? "signed" : "unsigned", (long long)lo,
                               (long long)hi);
        }
    }
    return NPU_OK;
}

/* Copies sample i of the batch into an int32 tensor buffer. */
static void load_sample(akisim_input_dtype dtype, const void *inputs, size_t i, size_t per,
                        int32_t *dst) {
    for (size_t k = 0; k < per; k++)
        dst[k] = dtype == AKISIM_INPUT_U8 ? (int32_t)((const uint8_t *)inputs)[i * per + k]
                                          : (int32_t)((const int8_t *)inputs)[i * per + k];
}

/* Validates the model and the batch; fills the model pointer. */
static npu_status prepare(akisim_model *m, size_t n, akisim_input_dtype dtype, const void *inputs,
                          npu_err *err) {
    npu_status st = sim_model_ready(m, err);
    if (st != NPU_OK)
        return st;
    return check_inputs(m->npu, n, dtype, inputs, err);
}

/* Runs sample i; per_layer may be NULL. out->data is malloc'd by the golden model. */
static npu_status run_sample(const npu_model *nm, akisim_input_dtype dtype, const void *inputs,
                             size_t i, int32_t *scratch, npu_tensor *out, npu_tensor *per_layer,
                             npu_err *err) {
    const npu_shape s = npu_model_input_shape(nm);
    load_sample(dtype, inputs, i, npu_shape_size(s), scratch);
    npu_tensor in = {.shape = s, .data = scratch};
    out->data = NULL;
    npu_status st = npu_model_forward(nm, &in, out, per_layer, err);
    if (st != NPU_OK)
        npu_err_prefix(err, "sample %zu", i);
    return st;
}

akisim_status akisim_model_check_inputs(akisim_model *m, size_t n, akisim_input_dtype dtype,
                                        const void *inputs, akisim_error *err) {
    return prepare(m, n, dtype, inputs, err);
}

akisim_status akisim_model_forward(akisim_model *m, size_t n, akisim_input_dtype dtype,
                                   const void *inputs, int32_t *outputs, akisim_error *err) {
    npu_status st = prepare(m, n, dtype, inputs, err);
    if (st != NPU_OK)
        return st;
    const size_t in_size = npu_shape_size(npu_model_input_shape(m->npu));
    const size_t out_size = npu_shape_size(npu_model_output_shape(m->npu));
    int32_t *scratch = malloc((in_size ? in_size : 1) * sizeof *scratch);
    if (!scratch)
        return npu_err_set(err, NPU_ERR_INTERNAL, "out of memory for an input sample");
    for (size_t i = 0; i < n && st == NPU_OK; i++) {
        npu_tensor out;
        st = run_sample(m->npu, dtype, inputs, i, scratch, &out, NULL, err);
        if (st == NPU_OK)
            memcpy(outputs + i * out_size, out.data, out_size * sizeof *outputs);
        npu_tensor_free(&out);
    }
    free(scratch);
    return st;
}

/* Checks that the last layer allows predict() (no activation, not InputData). */
static npu_status check_predictable(const npu_layer *l, npu_err *err) {
    if (l->type == NPU_INPUT_DATA)
        return npu_err_set(err, NPU_ERR_INPUT,
                           "predict: the model only has an InputData layer ('%s')", l->name);
    if (l->p.activation)
        return npu_err_set(err, NPU_ERR_INPUT,
                           "predict: the last layer '%s' has an activation; predict needs a "
                           "last layer without activation",
                           l->name);
    return NPU_OK;
}

/* Dequantises one sample's output values of the last layer l into dst. */
static npu_status dequantize(const npu_layer *l, const int32_t *v, size_t count, float *dst,
                             npu_err *err) {
    const uint32_t c = l->out_shape.c;
    if (l->type == NPU_DEQUANTIZER) {
        const npu_tensor t = {.shape = l->out_shape, .data = (int32_t *)v};
        if (npu_dequantize(l, &t, dst) != NPU_OK)
            return npu_err_set(err, NPU_ERR_INPUT,
                               "predict: Dequantizer '%s' scales do not match its %u channels",
                               l->name, c);
        return NPU_OK;
    }
    if (npu_layer_type_version(l->type) != 1) {
        for (size_t k = 0; k < count; k++)
            dst[k] = (float)v[k];
        return NPU_OK;
    }
    const npu_var *th = npu_layer_var(l, "threshold");
    const npu_var *step = npu_layer_var(l, "act_step");
    if (!th || !step || th->count < c || step->count < c || th->dtype != NPU_DTYPE_I32 ||
        step->dtype != NPU_DTYPE_I32)
        return npu_err_set(err, NPU_ERR_INPUT,
                           "predict: layer '%s' lacks valid threshold/act_step variables", l->name);
    const int32_t *t = th->data;
    const int32_t *s = step->data;
    for (size_t k = 0; k < count; k++) {
        const size_t ch = k % c;
        dst[k] = (float)((double)((int64_t)v[k] - t[ch]) / (double)s[ch]);
    }
    return NPU_OK;
}

akisim_status akisim_model_predict(akisim_model *m, size_t n, akisim_input_dtype dtype,
                                   const void *inputs, float *outputs, akisim_error *err) {
    npu_status st = sim_model_ready(m, err);
    if (st != NPU_OK)
        return st;
    const npu_layer *last = sim_model_last(m);
    st = check_predictable(last, err);
    if (st != NPU_OK)
        return st;
    const size_t out_size = npu_shape_size(last->out_shape);
    const size_t total = n * out_size;
    int32_t *raw = malloc((total ? total : 1) * sizeof *raw);
    if (!raw)
        return npu_err_set(err, NPU_ERR_INTERNAL, "out of memory for %zu outputs", n);
    st = akisim_model_forward(m, n, dtype, inputs, raw, err);
    for (size_t i = 0; i < n && st == NPU_OK; i++)
        st = dequantize(last, raw + i * out_size, out_size, outputs + i * out_size, err);
    free(raw);
    return st;
}

/* Index of the largest value (ties -> lowest index). */
static size_t argmax_i32(const int32_t *v, size_t count) {
    size_t best = 0;
    for (size_t k = 1; k < count; k++)
        if (v[k] > v[best])
            best = k;
    return best;
}

akisim_status akisim_model_evaluate(akisim_model *m, size_t n, akisim_input_dtype dtype,
                                    const void *inputs, const int64_t *labels, uint32_t num_classes,
                                    double *accuracy, size_t *correct, akisim_error *err) {
    npu_status st = sim_model_ready(m, err);
    if (st != NPU_OK)
        return st;
    const npu_shape os = npu_model_output_shape(m->npu);
    const uint32_t k = num_classes ? num_classes : os.c;
    if (n == 0)
        return npu_err_set(err, NPU_ERR_INPUT, "evaluate: no samples");
    if (k > os.c || os.c % k != 0)
        return npu_err_set(err, NPU_ERR_INPUT,
                           "num_classes %u must divide the %u output neurons of the model", k,
                           os.c);
    for (size_t i = 0; i < n; i++)
        if (labels[i] < 0 || labels[i] >= (int64_t)k)
            return npu_err_set(err, NPU_ERR_INPUT, "label %lld at index %zu is outside [0, %u)",
                               (long long)labels[i], i, k);
    const size_t out_size = npu_shape_size(os);
    const size_t total = n * out_size;
    int32_t *raw = malloc((total ? total : 1) * sizeof *raw);
    if (!raw)
        return npu_err_set(err, NPU_ERR_INTERNAL, "out of memory for %zu outputs", n);
    st = akisim_model_forward(m, n, dtype, inputs, raw, err);
    size_t ok = 0;
    const uint32_t per_class = os.c / k;
    for (size_t i = 0; i < n && st == NPU_OK; i++) {
        const size_t neuron = argmax_i32(raw + i * out_size, out_size) % os.c;
        ok += (int64_t)(neuron / per_class) == labels[i];
    }
    free(raw);
    if (st != NPU_OK)
        return st;
    *accuracy = (double)ok / (double)n;
    if (correct)
        *correct = ok;
    return NPU_OK;
}

akisim_status akisim_model_sparsity(akisim_model *m, size_t n, akisim_input_dtype dtype,
                                    const void *inputs, double *sparsity, akisim_error *err) {
    npu_status st = prepare(m, n, dtype, inputs, err);
    if (st != NPU_OK)
        return st;
    if (n == 0)
        return npu_err_set(err, NPU_ERR_INPUT, "sparsity: no samples");
    const uint32_t nl = npu_model_layer_count(m->npu);
    uint64_t *zeros = calloc(nl, sizeof *zeros);
    npu_tensor *per = calloc(nl, sizeof *per);
    int32_t *scratch = malloc(npu_shape_size(npu_model_input_shape(m->npu)) * sizeof *scratch);
    if (!zeros || !per || !scratch)
        st = npu_err_set(err, NPU_ERR_INTERNAL, "out of memory for sparsity counters");
    for (size_t i = 0; i < n && st == NPU_OK; i++) {
        npu_tensor out;
        st = run_sample(m->npu, dtype, inputs, i, scratch, &out, per, err);
        for (uint32_t l = 0; l < nl && st == NPU_OK; l++) {
            const size_t cnt = npu_shape_size(per[l].shape);
            for (size_t k = 0; k < cnt; k++)
                zeros[l] += per[l].data[k] == 0;
        }
        for (uint32_t l = 0; l < nl; l++) {
            npu_tensor_free(&per[l]);
            per[l].data = NULL;
        }
        npu_tensor_free(&out);
    }
    for (uint32_t l = 0; l < nl && st == NPU_OK; l++) {
        const npu_layer *ly = npu_model_layer(m->npu, l);
        const double total = (double)npu_shape_size(ly->out_shape) * (double)n;
        sparsity[l] = total > 0 ? (double)zeros[l] / total : 0.0;
    }
    free(zeros);
    free(per);
    free(scratch);
    return st;
}
