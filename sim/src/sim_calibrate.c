/*
 * sim_calibrate: the published calibration cases (akida-facts.md section 6) and the session
 * that prepares them once and evaluates any calibration by replaying a recorded frame
 * through the timing model (sim_calibrate.h, docs/fidelity.md).
 *
 * Preparation per distinct zoo model (name, alpha, size, density): build it (seed 0), run one
 * seeded uniform random 8-bit input through it on the first case's device and keep the
 * record (the record does not depend on the mesh or the mapping). Per case: load the mesh,
 * map the model in the case's mode (hw_only) and build the program. Evaluation: a device
 * with the given calibration, programmed, replays the record.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cmp/cmp_mapper.h"
#include "cmp/cmp_program.h"
#include "cmp/cmp_zoo.h"
#include "sim_calibrate.h"
#include "sim_engine_int.h"

/* Published figures: inference_clk, program_clk, floor mW, total mW, dynamic mJ, NPs,
 * passes (0 = not published). AKD1000 "1 random input" rows: density 0.5 (documented
 * choice, docs/fidelity.md); AKD1500 rows: 1 - published sparsity. */
static const sim_cal_case CASES[] = {
    {"akd1000/ds_cnn_kws/allnps",
     "akd1000",
     "ds_cnn_kws",
     0.0,
     0,
     CMP_MAP_ALLNPS,
     0.5,
     false,
     {93965, 152396, 914, 0, 0, 65, 1}},
    {"akd1000/akidanet-0.5-224/allnps",
     "akd1000",
     "akidanet",
     0.5,
     224,
     CMP_MAP_ALLNPS,
     0.5,
     false,
     {13733572, 999868, 907, 0, 0, 68, 1}},
    {"akd1500/akidanet-0.25-160/minimal",
     "akd1500",
     "akidanet",
     0.25,
     160,
     CMP_MAP_MINIMAL,
     1.0 - 0.4671,
     true,
     {8417975, 0, 0, 140.2, 0.619, 21, 1}},
    {"akd1500/akidanet-0.25-160/allnps",
     "akd1500",
     "akidanet",
     0.25,
     160,
     CMP_MAP_ALLNPS,
     1.0 - 0.4671,
     true,
     {5554226, 0, 0, 155.0, 0.610, 33, 1}},
    {"akd1500/akidanet-0.25-160/hwpr",
     "akd1500",
     "akidanet",
     0.25,
     160,
     CMP_MAP_HWPR,
     1.0 - 0.4671,
     true,
     {3210457, 0, 0, 188.1, 0.632, 107, 4}},
    {"akd1500/akidanet-0.5-224/minimal",
     "akd1500",
     "akidanet",
     0.5,
     224,
     CMP_MAP_MINIMAL,
     1.0 - 0.5436,
     true,
     {36261735, 0, 0, 154.9, 3.944, 33, 1}},
    {"akd1500/akidanet-0.5-224/allnps",
     "akd1500",
     "akidanet",
     0.5,
     224,
     CMP_MAP_ALLNPS,
     1.0 - 0.5436,
     true,
     {36261479, 0, 0, 154.7, 3.938, 33, 1}},
    {"akd1500/ds_cnn_kws/minimal",
     "akd1500",
     "ds_cnn_kws",
     0.0,
     0,
     CMP_MAP_MINIMAL,
     1.0 - 0.7319,
     true,
     {134806, 0, 0, 131.5, 0.008, 6, 1}},
    {"akd1500/ds_cnn_kws/allnps",
     "akd1500",
     "ds_cnn_kws",
     0.0,
     0,
     CMP_MAP_ALLNPS,
     1.0 - 0.7319,
     true,
     {45638, 0, 0, 178.8, 0.010, 31, 1}},
};

static const char *const FIG_NAMES[SIM_CAL_N_FIGS] = {
    "inference_clk", "program_clk", "floor_mw", "total_mw", "dynamic_mj", "nps", "passes",
};

const char *sim_cal_fig_name(sim_cal_fig f) {
    return (unsigned)f < SIM_CAL_N_FIGS ? FIG_NAMES[f] : "?";
}

const sim_cal_case *sim_cal_cases(size_t *n) {
    *n = sizeof CASES / sizeof CASES[0];
    return CASES;
}

double sim_cal_rel_error(double published, double simulated) {
    return published != 0.0 ? simulated / published - 1.0 : 0.0;
}

/* A prepared zoo model and its recorded frame. */
typedef struct cal_model {
    const char *name; /* zoo name */
    double alpha;     /* width */
    uint32_t size;    /* input size */
    double density;   /* activation density */
    npu_model *model; /* built model (owned) */
    sim_record *rec;  /* its recorded frame (owned) */
} cal_model;

/* A prepared case. */
typedef struct cal_prep {
    sim_cal_case c;    /* the case (copy) */
    mesh_desc mesh;    /* its device */
    cmp_program *prog; /* its program (owned) */
    size_t model;      /* index into models */
    sim_device *dev;   /* programmed device kept between evaluations (owned), or NULL */
    double conf[3];    /* hop_cycles, conf_track_cycles, conf_dma_bytes_per_cycle it was
                          programmed with (programming cost depends on them only) */
} cal_prep;

struct sim_cal_session {
    cal_model *models; /* distinct models */
    size_t n_models;   /* count */
    cal_prep *cases;   /* per case */
    size_t n_cases;    /* count */
    uint64_t seed;     /* input seed */
};

static uint64_t splitmix(uint64_t *s) {
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static bool same_model(const cal_model *m, const sim_cal_case *c) {
    return strcmp(m->name, c->model) == 0 && m->alpha == c->alpha && m->size == c->input_size &&
           m->density == c->density;
}

static npu_status build_model(cal_model *m, const sim_cal_case *c, npu_err *err) {
    cmp_zoo_opts o;
    cmp_zoo_opts_default(&o);
    if (c->alpha > 0.0) {
        o.alpha = c->alpha;
    }
    o.input_size = c->input_size;
    o.density = c->density;
    m->name = c->model;
    m->alpha = c->alpha;
    m->size = c->input_size;
    m->density = c->density;
    npu_status st = cmp_zoo_build(c->model, &o, &m->model, err);
    return st ? npu_err_prefix(err, "calibrate: %s", c->id) : NPU_OK;
}

/* One functional forward of a seeded random input on the case's program: the record. */
static npu_status record_model(cal_model *m, const cal_prep *p, uint64_t seed, npu_err *err) {
    const cmp_prog_info *info = cmp_program_info(p->prog);
    npu_tensor in = {info->in_shape, NULL}, out = {{0, 0, 0}, NULL};
    size_t n = npu_shape_size(info->in_shape);
    in.data = malloc((n ? n : 1) * sizeof *in.data);
    if (in.data == NULL) {
        return npu_err_set(err, NPU_ERR_INTERNAL, "calibrate: out of memory");
    }
    uint64_t s = seed;
    uint32_t bits = info->in_bits >= 1 && info->in_bits <= 8 ? info->in_bits : 8;
    for (size_t i = 0; i < n; i++) {
        in.data[i] = (int32_t)(splitmix(&s) >> (64 - bits));
    }
    mesh_calib cal;
    sim_device *d = NULL;
    npu_status st = mesh_calib_default(&p->mesh, &cal, err);
    st = st ? st : sim_device_new(&p->mesh, &cal, &d, err);
    st = st ? st : sim_device_program(d, p->prog, m->model, err);
    st = st ? st : sim_device_forward(d, &in, 1, &out, err);
    if (st == NPU_OK) {
        m->rec = sim_device_take_record(d);
    }
    npu_tensor_free(&out);
    free(in.data);
    sim_device_free(d);
    return st ? npu_err_prefix(err, "calibrate: %s", p->c.id) : NPU_OK;
}

static npu_status prep_case(sim_cal_session *s, size_t i, FILE *progress, npu_err *err) {
    cal_prep *p = &s->cases[i];
    const sim_cal_case *c = &p->c;
    size_t k = 0;
    while (k < s->n_models && !same_model(&s->models[k], c)) {
        k++;
    }
    bool fresh = k == s->n_models;
    if (fresh) {
        if (progress) {
            fprintf(progress, "calibrate: building %s (alpha %g, size %u, density %.4f)\n",
                    c->model, c->alpha, c->input_size, c->density);
        }
        npu_status st = build_model(&s->models[k], c, err);
        if (st != NPU_OK) {
            return st;
        }
        s->n_models++;
    }
    p->model = k;
    cmp_mapped mm = {0};
    npu_status st = mesh_load(c->device, &p->mesh, err);
    st = st ? st : cmp_map(s->models[k].model, &p->mesh, true, c->mode, &mm, err);
    st = st ? st : cmp_program_build(s->models[k].model, &mm, &p->mesh, &p->prog, err);
    cmp_mapped_free(&mm);
    if (st != NPU_OK) {
        return npu_err_prefix(err, "calibrate: %s", c->id);
    }
    if (fresh) {
        if (progress) {
            fprintf(progress, "calibrate: recording %s\n", c->id);
        }
        return record_model(&s->models[k], p, s->seed, err);
    }
    return NPU_OK;
}

npu_status sim_cal_session_new(const sim_cal_case *cases, size_t n, uint64_t input_seed,
                               FILE *progress, sim_cal_session **out, npu_err *err) {
    *out = NULL;
    sim_cal_session *s = calloc(1, sizeof *s);
    if (s == NULL || (s->models = calloc(n + 1, sizeof *s->models)) == NULL ||
        (s->cases = calloc(n + 1, sizeof *s->cases)) == NULL) {
        sim_cal_session_free(s);
        return npu_err_set(err, NPU_ERR_INTERNAL, "calibrate: out of memory");
    }
    s->seed = input_seed;
    npu_status st = NPU_OK;
    for (size_t i = 0; i < n && st == NPU_OK; i++) {
        s->cases[i].c = cases[i];
        s->n_cases = i + 1;
        st = prep_case(s, i, progress, err);
    }
    if (st != NPU_OK) {
        sim_cal_session_free(s);
        return st;
    }
    *out = s;
    return NPU_OK;
}

void sim_cal_session_free(sim_cal_session *s) {
    if (s == NULL) {
        return;
    }
    for (size_t i = 0; s->cases && i < s->n_cases; i++) {
        sim_device_free(s->cases[i].dev);
        cmp_program_free(s->cases[i].prog);
        mesh_free(&s->cases[i].mesh);
    }
    for (size_t i = 0; s->models && i < s->n_models; i++) {
        sim_record_free(s->models[i].rec);
        npu_model_free(s->models[i].model);
    }
    free(s->cases);
    free(s->models);
    free(s);
}

size_t sim_cal_session_count(const sim_cal_session *s) {
    return s->n_cases;
}

const sim_cal_case *sim_cal_session_case(const sim_cal_session *s, size_t i) {
    return i < s->n_cases ? &s->cases[i].c : NULL;
}

/* NPs of the program as the published table counts them. */
static double count_nps(const sim_results *r, bool with_hrc) {
    double n = 0;
    for (uint32_t i = 0; i < r->n_nps; i++) {
        n += with_hrc || r->nps[i].type != MESH_NP_HRC;
    }
    return n;
}

/* The case's device under calibration c, programmed: the kept device with c swapped in when
 * the programming cost fields are unchanged (the timing model reads the calibration at each
 * run), else a freshly programmed one. */
static npu_status case_device(cal_prep *p, const cal_model *m, const mesh_calib *c, npu_err *err) {
    double key[3] = {c->hop_cycles, c->conf_track_cycles, c->conf_dma_bytes_per_cycle};
    if (p->dev != NULL && memcmp(key, p->conf, sizeof key) == 0) {
        p->dev->calib = *c;
        return NPU_OK;
    }
    sim_device_free(p->dev);
    p->dev = NULL;
    sim_device *d = NULL;
    npu_status st = sim_device_new(&p->mesh, c, &d, err);
    st = st ? st : sim_device_program(d, p->prog, m->model, err);
    if (st != NPU_OK) {
        sim_device_free(d);
        return st;
    }
    p->dev = d;
    memcpy(p->conf, key, sizeof key);
    return NPU_OK;
}

npu_status sim_cal_eval(sim_cal_session *s, size_t i, const mesh_calib *c, sim_cal_result *out,
                        npu_err *err) {
    memset(out, 0, sizeof *out);
    if (i >= s->n_cases) {
        return npu_err_set(err, NPU_ERR_INPUT, "calibrate: no case %zu", i);
    }
    cal_prep *p = &s->cases[i];
    const cal_model *m = &s->models[p->model];
    npu_status st = case_device(p, m, c, err);
    sim_device *d = p->dev;
    st = st ? st : sim_device_replay(d, m->rec, err);
    const sim_results *r = st == NPU_OK ? sim_device_results(d) : NULL;
    if (st == NPU_OK && r == NULL) {
        st = npu_err_set(err, NPU_ERR_INTERNAL, "calibrate: %s: no results", p->c.id);
    }
    if (st == NPU_OK) {
        sim_metrics mt = sim_device_metrics(d);
        const sim_seq_stats *q = &r->sequences[0];
        out->sim[SIM_CAL_INFERENCE_CLK] = (double)mt.inference_clk;
        out->sim[SIM_CAL_PROGRAM_CLK] = (double)mt.program_clk;
        out->sim[SIM_CAL_FLOOR_MW] = c->p_floor_mw;
        out->sim[SIM_CAL_TOTAL_MW] = q->power_avg_mw;
        out->sim[SIM_CAL_DYNAMIC_MJ] = q->dynamic_energy_mj_per_frame;
        out->sim[SIM_CAL_NPS] = count_nps(r, p->c.nps_with_hrc);
        out->sim[SIM_CAL_PASSES] = (double)cmp_program_pass_count(p->prog);
    }
    return st;
}

static const char *kind_name(npu_np_kind k) {
    return k == NPU_NP_HRC ? "HRC" : k == NPU_NP_FNP ? "FNP" : "CNP";
}

npu_status sim_cal_breakdown(sim_cal_session *s, size_t i, const mesh_calib *c, FILE *out,
                             npu_err *err) {
    if (i >= s->n_cases) {
        return npu_err_set(err, NPU_ERR_INPUT, "calibrate: no case %zu", i);
    }
    cal_prep *p = &s->cases[i];
    const cal_model *m = &s->models[p->model];
    npu_status st = case_device(p, m, c, err);
    sim_device *d = p->dev;
    st = st ? st : sim_device_replay(d, m->rec, err);
    const sim_results *r = st == NPU_OK ? sim_device_results(d) : NULL;
    if (st == NPU_OK && r != NULL) {
        fprintf(out, "# %s: inference_clk %llu\n", p->c.id,
                (unsigned long long)sim_device_metrics(d).inference_clk);
        for (uint32_t l = 0; l < r->n_layers; l++) {
            const sim_layer_stats *ls = &r->layers[l];
            if (!ls->hardware) {
                continue;
            }
            fprintf(out, "layer %-12s %-24s nps %3u ev_in %9llu ev_out %9llu span %10llu\n",
                    ls->name, ls->type, ls->n_nps, (unsigned long long)ls->events_in,
                    (unsigned long long)ls->events_out, (unsigned long long)ls->cycles);
            for (uint32_t u = 0; u < d->n_nps; u++) {
                const npu_np_config *nc = d->nps[u].cfg;
                const sim_np_stats *ns = &r->nps[u];
                if (nc->layer_index != l) {
                    continue;
                }
                fprintf(out,
                        "  np %s pass %u k %u s %u cin %4u f %4u cols %3u pos %6u ev %8llu "
                        "syn %11llu busy %10llu\n",
                        kind_name(nc->kind), ns->pass, nc->kx, nc->sx, nc->in.c, nc->filter_count,
                        nc->conv_col_count, nc->conv_col_count * nc->conv.y,
                        (unsigned long long)ns->counters.events_in,
                        (unsigned long long)ns->counters.synops,
                        (unsigned long long)ns->busy_cycles);
            }
        }
    }
    return st;
}
