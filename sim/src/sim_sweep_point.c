/*
 * sim_sweep_point: executes sweep points inside a worker. The worker's cache keeps what many
 * points share: models (zoo models are built once per process, or once in the parent before
 * the fork), meshes and their default calibrations (each mesh loaded once; the calibration
 * YAML parsed once per key — preset name, IP version, clock — not once per point). A unit
 * holds what the points of one (model, input) share: the input samples (seeded random values
 * in the model's input range, or an .npy / dataset checked against the model), a dataset's
 * labels, and one functional record per batch size, made by sim_device_forward on the first
 * point of that batch that maps and programs, with its top-1 count for a dataset (argmax over
 * the output, first maximum, class = index mod channels, against the label of the sample).
 * Every point's figures come from replaying that record on the point's own device (mesh,
 * default calibration, mapping, clock mode): exact fidelity through sim_device_replay,
 * estimate fidelity through the estimator. An estimate point builds no program and no device
 * once its record exists (mapping only), and keeps the estimator's digest of the record per
 * batch; with a check period N (sweep_unit_set_check) every N-th estimate point also runs
 * exact and carries the relative errors ("estimate_error"). A point yields its JSON, power
 * CSV and results.csv row (made from the figures, not by parsing the JSON back). A point that
 * fails anywhere becomes an error point JSON carrying the message; only out-of-memory fails
 * the call.
 */
#define _POSIX_C_SOURCE 200809L

#include "sim_sweep_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "akisim/sim_write.h"
#include "cmp/cmp_array.h"
#include "cmp/cmp_mapper.h"
#include "cmp/cmp_modelfile.h"
#include "cmp/cmp_program.h"
#include "cmp/cmp_zoo.h"
#include "mesh/mesh.h"

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
    uint64_t *correct;         /* dataset: top-1 hits of the record per batch index */
    int64_t *labels;           /* dataset: one label per sample (NULL otherwise) */
    uint32_t check;            /* estimate: exact reference every check-th point (0 = none) */
};

npu_status sweep_cache_init(sweep_cache *c, const sim_scenario *s, npu_err *err) {
    memset(c, 0, sizeof *c);
    c->s = s;
    const size_t nm = s->n_models ? s->n_models : 1, nh = s->n_meshes ? s->n_meshes : 1;
    c->models = calloc(nm, sizeof *c->models);
    c->model_errors = calloc(nm, sizeof *c->model_errors);
    c->meshes = calloc(nh, sizeof *c->meshes);
    c->mesh_state = calloc(nh, sizeof *c->mesh_state);
    c->mesh_errors = calloc(nh, sizeof *c->mesh_errors);
    c->mesh_calib = calloc(nh, sizeof *c->mesh_calib);
    if (!c->models || !c->model_errors || !c->meshes || !c->mesh_state || !c->mesh_errors ||
        !c->mesh_calib) {
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
    for (size_t i = 0; c->s && i < c->s->n_meshes; i++) {
        if (c->mesh_state && c->meshes && c->mesh_state[i] == 1)
            mesh_free(&c->meshes[i]);
        if (c->mesh_errors)
            free(c->mesh_errors[i]);
    }
    free(c->models);
    free(c->model_errors);
    free(c->meshes);
    free(c->mesh_state);
    free(c->mesh_errors);
    free(c->mesh_calib);
    free(c->calibs);
    memset(c, 0, sizeof *c);
}

const npu_model *sweep_cache_model(sweep_cache *c, uint32_t i, const char **why) {
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

/* The calibration key of a mesh: mesh_calib_default picks the set by the preset the mesh's
 * name matches (else by IP version) and scales it to the mesh clock, so meshes with the same
 * (matching preset, IP version, clock) share one default calibration. */
static void calib_key(const mesh_desc *m, sweep_calib_entry *k) {
    memset(k, 0, sizeof *k);
    for (size_t i = 0; i < mesh_preset_count(); i++)
        if (strcasecmp(m->name, mesh_preset_name(i)) == 0)
            snprintf(k->preset, sizeof k->preset, "%s", mesh_preset_name(i));
    k->ip_version = m->ip_version;
    k->mhz = m->clock_mhz;
}

/* Index in c->calibs of the default calibration of m (made when new); false on failure. */
static bool cache_calib(sweep_cache *c, const mesh_desc *m, size_t *at, npu_err *e) {
    sweep_calib_entry k;
    calib_key(m, &k);
    for (size_t i = 0; i < c->n_calibs; i++)
        if (strcmp(c->calibs[i].preset, k.preset) == 0 && c->calibs[i].ip_version == k.ip_version &&
            c->calibs[i].mhz == k.mhz) {
            *at = i;
            return true;
        }
    if (mesh_calib_default(m, &k.calib, e) != NPU_OK)
        return false;
    sweep_calib_entry *n = realloc(c->calibs, (c->n_calibs + 1) * sizeof *n);
    if (!n) {
        npu_err_set(e, NPU_ERR_INTERNAL, "out of memory");
        return false;
    }
    c->calibs = n;
    c->calibs[c->n_calibs] = k;
    *at = c->n_calibs++;
    return true;
}

const mesh_desc *sweep_cache_mesh(sweep_cache *c, uint32_t i, const mesh_calib **calib,
                                  const char **why) {
    if (c->mesh_state[i] == 0) {
        npu_err e;
        npu_err_clear(&e);
        size_t at = 0;
        if (mesh_load(c->s->meshes[i].spec, &c->meshes[i], &e) != NPU_OK) {
            c->mesh_state[i] = 2;
        } else if (!cache_calib(c, &c->meshes[i], &at, &e)) {
            mesh_free(&c->meshes[i]);
            c->mesh_state[i] = 2;
        } else {
            c->mesh_state[i] = 1;
            c->mesh_calib[i] = at;
        }
        if (c->mesh_state[i] == 2)
            c->mesh_errors[i] = strdup(e.msg);
    }
    if (c->mesh_state[i] != 1) {
        *why = c->mesh_errors[i] ? c->mesh_errors[i] : "mesh cannot be loaded";
        return NULL;
    }
    *calib = &c->calibs[c->mesh_calib[i]].calib;
    return &c->meshes[i];
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

/* Labels of a dataset input, one per sample, each a class of the model's output
 * (u->fail on error). */
static bool unit_labels(sweep_unit *u, const sim_scn_input *in) {
    cmp_array a;
    memset(&a, 0, sizeof a);
    npu_err e;
    npu_err_clear(&e);
    if (cmp_npy_read(in->labels, &a, &e) != NPU_OK) {
        snprintf(u->fail, sizeof u->fail, "input %s: %s", in->label, e.msg);
        return true;
    }
    const size_t n = a.count;
    bool ok = true;
    if (n != u->n_samples || a.dtype == CMP_F32 || a.dtype == CMP_F64)
        snprintf(u->fail, sizeof u->fail,
                 "input %s: expected %zu integer labels (one per sample), got %zu", in->label,
                 u->n_samples, n);
    else if (!(u->labels = malloc((n ? n : 1) * sizeof *u->labels)))
        ok = false;
    const uint32_t classes = npu_model_output_shape(u->m).c;
    for (size_t i = 0; ok && u->labels && i < n && !u->fail[0]; i++) {
        const void *d = a.data;
        int64_t v = 0;
        switch (a.dtype) {
        case CMP_U8:
            v = ((const uint8_t *)d)[i];
            break;
        case CMP_I8:
            v = ((const int8_t *)d)[i];
            break;
        case CMP_I16:
            v = ((const int16_t *)d)[i];
            break;
        case CMP_U16:
            v = ((const uint16_t *)d)[i];
            break;
        case CMP_I32:
            v = ((const int32_t *)d)[i];
            break;
        case CMP_U32:
            v = ((const uint32_t *)d)[i];
            break;
        default:
            v = ((const int64_t *)d)[i];
            break;
        }
        u->labels[i] = v;
        if (v < 0 || v >= (int64_t)classes)
            snprintf(u->fail, sizeof u->fail,
                     "input %s: label %lld of sample %zu is not a class of the model's %u "
                     "outputs",
                     in->label, (long long)v, i, classes);
    }
    cmp_array_free(&a);
    return ok;
}

npu_status sweep_unit_new(sweep_cache *c, uint32_t model, uint32_t input, sim_fidelity fidelity,
                          sim_sweep_estimator est, sweep_unit **out, npu_err *err) {
    const size_t nb = c->s->n_batches ? c->s->n_batches : 1;
    sweep_unit *u = calloc(1, sizeof *u);
    if (!u || !(u->records = calloc(nb, sizeof *u->records)) ||
        !(u->preps = calloc(nb, sizeof *u->preps)) ||
        !(u->correct = calloc(nb, sizeof *u->correct))) {
        if (u) {
            free(u->records);
            free(u->preps);
        }
        free(u);
        return npu_err_set(err, NPU_ERR_INTERNAL, "out of memory");
    }
    u->cache = c;
    u->model = model;
    u->input = input;
    u->fidelity = fidelity;
    u->est = est;
    const char *why = NULL;
    u->m = sweep_cache_model(c, model, &why);
    const sim_scn_input *in = &c->s->inputs[input];
    bool mem = true;
    if (!u->m)
        snprintf(u->fail, sizeof u->fail, "%s", why ? why : "model cannot be built");
    else if (in->kind == SIM_SCN_INPUT_RANDOM)
        mem = unit_random(u, in);
    else
        mem = unit_npy(u, in);
    if (mem && u->m && !u->fail[0] && in->kind == SIM_SCN_INPUT_DATASET)
        mem = unit_labels(u, in);
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
    free(u->correct);
    free(u->labels);
    free(u);
}

bool sweep_unit_is(const sweep_unit *u, uint32_t model, uint32_t input) {
    return u && u->model == model && u->input == input;
}

void sweep_unit_set_check(sweep_unit *u, uint32_t every) {
    u->check = every;
}

void sweep_point_out_free(sweep_point_out *o) {
    free(o->json);
    free(o->power);
    free(o->row);
    memset(o, 0, sizeof *o);
}

/* Everything one point holds (freed by point_free). */
typedef struct point_run {
    const mesh_desc *mesh; /* the point's mesh (the cache's) */
    mesh_calib calib;      /* its default calibration (a copy of the cache's) */
    cmp_mapped mm;         /* mapping */
    cmp_program *program;  /* program */
    sim_device *device;    /* device */
    sim_results results;   /* figures of the point */
} point_run;

static void point_free(point_run *r) {
    sim_results_free(&r->results);
    sim_device_free(r->device);
    cmp_program_free(r->program);
    cmp_mapped_free(&r->mm);
}

/* Mesh, calibration, mapping; then (when full) program and programmed device. */
static npu_status point_device(const sweep_unit *u, const sim_point *p, point_run *r, bool full,
                               npu_err *err) {
    const sim_scenario *s = u->cache->s;
    const mesh_calib *calib = NULL;
    const char *why = NULL;
    r->mesh = sweep_cache_mesh(u->cache, p->mesh, &calib, &why);
    if (!r->mesh)
        return npu_err_set(err, NPU_ERR_INPUT, "%s", why);
    r->calib = *calib;
    npu_status st = cmp_map(u->m, r->mesh, s->hw_only[p->hw], s->map_modes[p->map], &r->mm, err);
    if (st != NPU_OK || !full)
        return st;
    if (st == NPU_OK)
        st = cmp_program_build(u->m, &r->mm, r->mesh, &r->program, err);
    if (st == NPU_OK)
        st = sim_device_new(r->mesh, &r->calib, &r->device, err);
    if (st == NPU_OK) {
        sim_device_set_clock_mode(r->device, s->clocks[p->clock]);
        st = sim_device_program(r->device, r->program, u->m, err);
    }
    return st;
}

/* Index of the first maximum of a tensor's values. */
static size_t tensor_argmax(const npu_tensor *t) {
    const size_t n = npu_shape_size(t->shape);
    size_t best = 0;
    for (size_t k = 1; k < n; k++)
        if (t->data[k] > t->data[best])
            best = k;
    return best;
}

/* Top-1 hits of the outputs of `frames` frames (frame k = sample k mod n). */
static uint64_t unit_hits(const sweep_unit *u, const npu_tensor *out, size_t frames) {
    uint64_t hits = 0;
    for (size_t k = 0; k < frames; k++) {
        const uint32_t ch = out[k].shape.c ? out[k].shape.c : 1;
        const int64_t cls = (int64_t)(tensor_argmax(&out[k]) % ch);
        hits += cls == u->labels[k % u->n_samples];
    }
    return hits;
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
    if (st == NPU_OK && u->labels)
        u->correct[p->batch] = unit_hits(u, out, frames);
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
                                    r->mesh,
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
static npu_status point_check(point_run *r, const sim_record *rec, double errs[2], npu_err *err) {
    sim_device_reset_top_memory(r->device);
    npu_status st = sim_device_replay(r->device, rec, err);
    if (st != NPU_OK)
        return st;
    double ec, ee, xc, xe;
    point_totals(&r->results, &ec, &ee);
    point_totals(sim_device_results(r->device), &xc, &xe);
    errs[0] = rel_err(ec, xc);
    errs[1] = rel_err(ee, xe);
    return NPU_OK;
}

/* The files of a point that ran (out->json NULL when out of memory). */
static void point_ok_files(const sweep_unit *u, const sim_point *p, const point_run *r,
                           const double *errs, sweep_point_out *out) {
    const sim_scenario *s = u->cache->s;
    const sweep_accuracy acc = {u->labels != NULL, u->correct[p->batch], s->batches[p->batch]};
    char *stats = sim_write_stats_json(&r->results);
    out->status = SWEEP_OUT_OK;
    out->json = stats ? sweep_json_ok(s, p, u->fidelity, &r->mm, &acc, stats, errs) : NULL;
    free(stats);
    if (out->json && u->fidelity == SIM_FIDELITY_EXACT &&
        !(out->power = sim_write_power_csv(&r->results))) {
        free(out->json);
        out->json = NULL;
    }
    if (out->json)
        out->row = sweep_csv_row_direct(s, p, u->fidelity, &r->mm, &r->results, &acc);
    if (out->json && !out->row)
        out->row = sweep_csv_row(out->json, strlen(out->json));
}

npu_status sweep_unit_point(sweep_unit *u, uint32_t index, sweep_point_out *out, npu_err *err) {
    const sim_scenario *s = u->cache->s;
    const sim_point p = sim_scenario_point(s, index);
    memset(out, 0, sizeof *out);
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
    double errs[2] = {0.0, 0.0};
    if (st == NPU_OK && check)
        st = point_check(&r, u->records[p.batch], errs, &e);
    if (st == NPU_OK) {
        point_ok_files(u, &p, &r, check ? errs : NULL, out);
    } else {
        out->status = SWEEP_OUT_ERROR;
        out->json = sweep_json_error(s, &p, u->fidelity, e.msg);
        out->row = out->json ? sweep_csv_row(out->json, strlen(out->json)) : NULL;
    }
    point_free(&r);
    if (!out->json || !out->row) {
        sweep_point_out_free(out);
        return npu_err_set(err, NPU_ERR_INTERNAL, "out of memory writing point %u", index);
    }
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
    sweep_point_out o;
    memset(&o, 0, sizeof o);
    if (st == NPU_OK)
        st = sweep_unit_new(&c, p.model, p.input, fidelity, estimator, &u, err);
    if (st == NPU_OK)
        st = sweep_unit_point(u, (uint32_t)index, &o, err);
    if (st == NPU_OK) {
        *json = o.json;
        *power_csv = o.power;
        o.json = o.power = NULL;
    }
    sweep_point_out_free(&o);
    sweep_unit_free(u);
    if (c.s)
        sweep_cache_free(&c);
    return st;
}
