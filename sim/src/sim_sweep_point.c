/*
 * sim_sweep_point: executes sweep points inside a worker. A unit holds what its points share
 * — the model (from the worker's cache: zoo models are built once per worker), the input
 * samples (seeded random values in the model's input range, or an .npy checked against the
 * model) and one functional record per batch size, made by sim_device_forward on the first
 * point of that batch that maps and programs. Every point's figures come from replaying that
 * record on the point's own device (mesh, default calibration, mapping, clock mode): exact
 * fidelity through sim_device_replay, estimate fidelity through the estimator. An estimate
 * point builds no program and no device once its record exists (mesh, calibration and
 * mapping only), and keeps the estimator's digest of the record per batch; with a check
 * period N (sweep_unit_set_check) every N-th estimate point also runs exact and carries the
 * relative errors ("estimate_error"). A point that fails anywhere becomes an error point JSON
 * carrying the message; only out-of-memory fails the call.
 */
#define _POSIX_C_SOURCE 200809L

#include "sim_sweep_int.h"

#include <stdlib.h>
#include <string.h>

#include "akisim/sim_write.h"
#include "cmp/cmp_array.h"
#include "cmp/cmp_mapper.h"
#include "cmp/cmp_modelfile.h"
#include "cmp/cmp_program.h"
#include "cmp/cmp_zoo.h"

struct sweep_unit {
    sweep_cache *cache;      /* model cache of the worker */
    uint32_t model;          /* model index */
    uint32_t input;          /* input index */
    sim_fidelity fidelity;   /* fidelity of the points */
    sim_sweep_estimator est; /* estimator (estimate fidelity) */
    const npu_model *m;      /* the model, NULL when it failed to build */
    char fail[NPU_ERR_MSG_MAX + SIM_SCN_LABEL_MAX +
              64];             /* why the model or the input is unusable ("" = usable) */
    npu_tensor *samples;       /* input samples (owned data) */
    size_t n_samples;          /* number of samples */
    sim_record **records;      /* one per batch index, NULL until made */
    sim_estimate_prep **preps; /* estimator digest per batch index, NULL until made */
    uint32_t check;            /* estimate: exact reference every check-th point (0 = none) */
};

npu_status sweep_cache_init(sweep_cache *c, const sim_scenario *s, npu_err *err) {
    c->s = s;
    c->models = calloc(s->n_models, sizeof *c->models);
    c->model_errors = calloc(s->n_models, sizeof *c->model_errors);
    if (!c->models || !c->model_errors) {
        sweep_cache_free(c);
        return npu_err_set(err, NPU_ERR_INTERNAL, "out of memory");
    }
    return NPU_OK;
}

void sweep_cache_free(sweep_cache *c) {
    for (size_t i = 0; c->s && i < c->s->n_models; i++) {
        if (c->models)
            npu_model_free(c->models[i]);
        if (c->model_errors)
            free(c->model_errors[i]);
    }
    free(c->models);
    free(c->model_errors);
    memset(c, 0, sizeof *c);
}

/* The model of index i, built or loaded on first use; NULL with *why set on failure. */
static const npu_model *cache_model(sweep_cache *c, uint32_t i, const char **why) {
    if (c->models[i] || c->model_errors[i]) {
        *why = c->model_errors[i];
        return c->models[i];
    }
    const sim_scn_model *sm = &c->s->models[i];
    npu_err e;
    npu_err_clear(&e);
    npu_status st = sm->is_file ? cmp_model_load(sm->path, &c->models[i], &e)
                                : cmp_zoo_build(sm->zoo, &sm->opts, &c->models[i], &e);
    if (st != NPU_OK) {
        npu_err_prefix(&e, "model %s", sm->label);
        c->models[i] = NULL;
        c->model_errors[i] = strdup(e.msg);
        *why = c->model_errors[i] ? c->model_errors[i] : "model cannot be built";
    }
    return c->models[i];
}

/* splitmix64 step. */
static uint64_t unit_rand(uint64_t *state) {
    uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* Allocates n samples of the model's input shape. */
static bool unit_alloc_samples(sweep_unit *u, size_t n) {
    const npu_shape is = npu_model_input_shape(u->m);
    const size_t per = npu_shape_size(is);
    u->samples = calloc(n, sizeof *u->samples);
    if (!u->samples)
        return false;
    u->n_samples = n;
    for (size_t i = 0; i < n; i++) {
        u->samples[i].shape = is;
        if (!(u->samples[i].data = malloc((per ? per : 1) * sizeof(int32_t))))
            return false;
    }
    return true;
}

static bool unit_random(sweep_unit *u, const sim_scn_input *in) {
    if (!unit_alloc_samples(u, in->n))
        return false;
    const uint32_t bits = npu_model_input_bits(u->m);
    const bool sgn = npu_model_input_signed(u->m);
    const uint64_t span = UINT64_C(1) << (bits >= 1 && bits <= 16 ? bits : 8);
    uint64_t state = in->seed;
    const size_t per = npu_shape_size(npu_model_input_shape(u->m));
    for (size_t i = 0; i < u->n_samples; i++)
        for (size_t k = 0; k < per; k++) {
            const int64_t v = (int64_t)(unit_rand(&state) % span);
            u->samples[i].data[k] = (int32_t)(sgn ? v - (int64_t)(span / 2) : v);
        }
    return true;
}

/* Samples of an .npy: type, shape and range checked against the model (u->fail on error). */
static bool unit_npy(sweep_unit *u, const sim_scn_input *in) {
    cmp_array a;
    memset(&a, 0, sizeof a);
    npu_err e;
    npu_err_clear(&e);
    if (cmp_npy_read(in->path, &a, &e) != NPU_OK) {
        snprintf(u->fail, sizeof u->fail, "input %s: %s", in->label, e.msg);
        return true;
    }
    const npu_shape is = npu_model_input_shape(u->m);
    const bool sgn = npu_model_input_signed(u->m);
    const uint64_t *s = a.shape + (a.ndim >= 3 ? a.ndim - 3 : 0);
    const size_t n = a.ndim == 4 ? (size_t)a.shape[0] : 1;
    bool ok = true;
    if (a.dtype != (sgn ? CMP_I8 : CMP_U8) || (a.ndim != 3 && a.ndim != 4) || s[0] != is.x ||
        s[1] != is.y || s[2] != is.c || n == 0)
        snprintf(u->fail, sizeof u->fail,
                 "input %s does not fit the model: expected %s samples of (%u, %u, %u)", in->label,
                 sgn ? "int8" : "uint8", is.x, is.y, is.c);
    else if (!(ok = unit_alloc_samples(u, n)))
        ;
    else {
        const size_t per = npu_shape_size(is);
        for (size_t j = 0; j < n * per; j++)
            u->samples[j / per].data[j % per] =
                sgn ? ((const int8_t *)a.data)[j] : ((const uint8_t *)a.data)[j];
        for (size_t i = 0; i < n && !u->fail[0]; i++)
            if (npu_model_check_input(u->m, &u->samples[i], &e) != NPU_OK)
                snprintf(u->fail, sizeof u->fail, "input %s, sample %zu: %s", in->label, i, e.msg);
    }
    cmp_array_free(&a);
    return ok;
}

npu_status sweep_unit_new(sweep_cache *c, uint32_t model, uint32_t input, sim_fidelity fidelity,
                          sim_sweep_estimator est, sweep_unit **out, npu_err *err) {
    sweep_unit *u = calloc(1, sizeof *u);
    if (!u || !(u->records = calloc(c->s->n_batches, sizeof *u->records)) ||
        !(u->preps = calloc(c->s->n_batches, sizeof *u->preps))) {
        if (u)
            free(u->records);
        free(u);
        return npu_err_set(err, NPU_ERR_INTERNAL, "out of memory");
    }
    u->cache = c;
    u->model = model;
    u->input = input;
    u->fidelity = fidelity;
    u->est = est;
    const char *why = NULL;
    u->m = cache_model(c, model, &why);
    bool mem = true;
    if (!u->m)
        snprintf(u->fail, sizeof u->fail, "%s", why ? why : "model cannot be built");
    else if (c->s->inputs[input].kind == SIM_SCN_INPUT_RANDOM)
        mem = unit_random(u, &c->s->inputs[input]);
    else
        mem = unit_npy(u, &c->s->inputs[input]);
    if (!mem) {
        sweep_unit_free(u);
        return npu_err_set(err, NPU_ERR_INTERNAL, "out of memory for the input samples");
    }
    *out = u;
    return NPU_OK;
}

void sweep_unit_free(sweep_unit *u) {
    if (!u)
        return;
    for (size_t i = 0; u->samples && i < u->n_samples; i++)
        free(u->samples[i].data);
    free(u->samples);
    for (size_t i = 0; u->records && i < u->cache->s->n_batches; i++)
        sim_record_free(u->records[i]);
    for (size_t i = 0; u->preps && i < u->cache->s->n_batches; i++)
        sim_estimate_prep_free(u->preps[i]);
    free(u->records);
    free(u->preps);
    free(u);
}

/* Everything one point holds (freed by point_free). */
typedef struct point_run {
    mesh_desc mesh;       /* the point's mesh */
    mesh_calib calib;     /* its default calibration */
    cmp_mapped mm;        /* mapping */
    cmp_program *program; /* program */
    sim_device *device;   /* device */
    sim_results results;  /* figures of the point */
} point_run;

static void point_free(point_run *r) {
    sim_results_free(&r->results);
    sim_device_free(r->device);
    cmp_program_free(r->program);
    cmp_mapped_free(&r->mm);
    mesh_free(&r->mesh);
}

void sweep_unit_set_check(sweep_unit *u, uint32_t every) {
    u->check = every;
}

/* Mesh, calibration, mapping; then (when full) program and programmed device. */
static npu_status point_device(const sweep_unit *u, const sim_point *p, point_run *r, bool full,
                               npu_err *err) {
    const sim_scenario *s = u->cache->s;
    npu_status st = mesh_load(s->meshes[p->mesh].spec, &r->mesh, err);
    if (st == NPU_OK)
        st = mesh_calib_default(&r->mesh, &r->calib, err);
    if (st == NPU_OK)
        st = cmp_map(u->m, &r->mesh, s->hw_only[p->hw], s->map_modes[p->map], &r->mm, err);
    if (st != NPU_OK || !full)
        return st;
    if (st == NPU_OK)
        st = cmp_program_build(u->m, &r->mm, &r->mesh, &r->program, err);
    if (st == NPU_OK)
        st = sim_device_new(&r->mesh, &r->calib, &r->device, err);
    if (st == NPU_OK) {
        sim_device_set_clock_mode(r->device, s->clocks[p->clock]);
        st = sim_device_program(r->device, r->program, u->m, err);
    }
    return st;
}

/* The functional record of the point's batch size: forwarded on this device when missing. */
static npu_status point_record(sweep_unit *u, const sim_point *p, point_run *r, npu_err *err) {
    if (u->records[p->batch])
        return NPU_OK;
    const size_t frames = u->cache->s->batches[p->batch];
    npu_tensor *in = calloc(frames, sizeof *in), *out = calloc(frames, sizeof *out);
    npu_status st = NPU_OK;
    if (!in || !out)
        st = npu_err_set(err, NPU_ERR_INTERNAL, "out of memory for %zu frames", frames);
    for (size_t k = 0; st == NPU_OK && k < frames; k++)
        in[k] = u->samples[k % u->n_samples];
    if (st == NPU_OK)
        st = sim_device_forward(r->device, in, frames, out, err);
    if (st == NPU_OK && !(u->records[p->batch] = sim_device_take_record(r->device)))
        st = npu_err_set(err, NPU_ERR_INTERNAL, "the device kept no record of the run");
    for (size_t k = 0; out && k < frames; k++)
        npu_tensor_free(&out[k]);
    free(in);
    free(out);
    return st;
}

/* The point's figures: replay (exact) or estimator (estimate). */
static npu_status point_figures(sweep_unit *u, const sim_point *p, point_run *r, npu_err *err) {
    const sim_record *rec = u->records[p->batch];
    if (u->fidelity == SIM_FIDELITY_ESTIMATE) {
        if (!u->est)
            return npu_err_set(err, NPU_ERR_INPUT,
                               "estimate fidelity is not available in this build");
        const sim_estimate_in in = {u->cache->s,
                                    p,
                                    u->m,
                                    &r->mesh,
                                    &r->calib,
                                    u->cache->s->clocks[p->clock],
                                    &r->mm,
                                    NULL,
                                    rec, /* same figures with or
                                            without a program */
                                    &u->preps[p->batch]};
        return u->est(&in, &r->results, err);
    }
    sim_device_reset_top_memory(r->device); /* the same figures whether or not it forwarded */
    npu_status st = sim_device_replay(r->device, rec, err);
    if (st == NPU_OK)
        st = sim_device_take_results(r->device, &r->results, err);
    return st;
}

/* Total inference cycles and energy (mJ) of a result, over its hardware sequences. */
static void point_totals(const sim_results *r, double *cycles, double *energy) {
    *cycles = *energy = 0.0;
    for (uint32_t i = 0; i < r->n_sequences; i++)
        if (r->sequences[i].hardware) {
            *cycles += (double)r->sequences[i].inference_clk;
            *energy += r->sequences[i].energy_mj_per_frame * r->sequences[i].frames;
        }
}

static double rel_err(double est, double ref) {
    return ref != 0.0 ? (est - ref) / ref : (est != 0.0 ? 1.0 : 0.0);
}

/* Exact reference of an estimate point: relative errors of cycles and energy. */
static npu_status point_check(point_run *r, const sim_record *rec, double *e_cyc, double *e_en,
                              npu_err *err) {
    sim_device_reset_top_memory(r->device);
    npu_status st = sim_device_replay(r->device, rec, err);
    if (st != NPU_OK)
        return st;
    double ec, ee, xc, xe;
    point_totals(&r->results, &ec, &ee);
    point_totals(sim_device_results(r->device), &xc, &xe);
    *e_cyc = rel_err(ec, xc);
    *e_en = rel_err(ee, xe);
    return NPU_OK;
}

npu_status sweep_unit_point(sweep_unit *u, uint32_t index, char **json, char **power,
                            npu_err *err) {
    const sim_scenario *s = u->cache->s;
    const sim_point p = sim_scenario_point(s, index);
    *json = *power = NULL;
    npu_err e;
    npu_err_clear(&e);
    point_run r;
    memset(&r, 0, sizeof r);
    npu_status st = NPU_OK;
    if (p.model != u->model || p.input != u->input)
        st = npu_err_set(&e, NPU_ERR_INTERNAL, "point %u does not belong to this unit", index);
    else if (u->fail[0])
        st = npu_err_set(&e, NPU_ERR_INPUT, "%s", u->fail);
    const bool est = u->fidelity == SIM_FIDELITY_ESTIMATE;
    const bool check = est && u->check && index % u->check == 0;
    if (st == NPU_OK)
        st = point_device(u, &p, &r, !est || check || !u->records[p.batch], &e);
    if (st == NPU_OK)
        st = point_record(u, &p, &r, &e);
    if (st == NPU_OK)
        st = point_figures(u, &p, &r, &e);
    double err_cyc = 0.0, err_en = 0.0;
    if (st == NPU_OK && check)
        st = point_check(&r, u->records[p.batch], &err_cyc, &err_en, &e);
    char *stats = st == NPU_OK ? sim_write_stats_json(&r.results) : NULL;
    if (st == NPU_OK && stats) {
        *json = check ? sweep_json_ok_checked(s, &p, u->fidelity, &r.mm, stats, err_cyc, err_en)
                      : sweep_json_ok(s, &p, u->fidelity, &r.mm, stats);
        if (u->fidelity == SIM_FIDELITY_EXACT && !(*power = sim_write_power_csv(&r.results))) {
            free(*json);
            *json = NULL;
        }
    } else if (st != NPU_OK) {
        *json = sweep_json_error(s, &p, u->fidelity, e.msg);
    }
    free(stats);
    point_free(&r);
    if (!*json)
        return npu_err_set(err, NPU_ERR_INTERNAL, "out of memory writing point %u", index);
    return NPU_OK;
}

npu_status sim_sweep_point_text(const sim_scenario *s, size_t index, sim_fidelity fidelity,
                                sim_sweep_estimator estimator, char **json, char **power_csv,
                                npu_err *err) {
    *json = *power_csv = NULL;
    if (index >= sim_scenario_count(s))
        return npu_err_set(err, NPU_ERR_INPUT, "point %zu: the sweep has %zu points", index,
                           sim_scenario_count(s));
    const sim_point p = sim_scenario_point(s, index);
    sweep_cache c;
    npu_status st = sweep_cache_init(&c, s, err);
    sweep_unit *u = NULL;
    if (st == NPU_OK)
        st = sweep_unit_new(&c, p.model, p.input, fidelity, estimator, &u, err);
    if (st == NPU_OK)
        st = sweep_unit_point(u, (uint32_t)index, json, power_csv, err);
    sweep_unit_free(u);
    if (c.s)
        sweep_cache_free(&c);
    return st;
}
