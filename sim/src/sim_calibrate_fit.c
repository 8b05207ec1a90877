/*
 * sim_calibrate_fit: the bounded Nelder-Mead minimiser (log space) and the two-stage fit of a
 * device's calibration to its published figures (sim_calibrate.h; procedure documented in
 * docs/fidelity.md).
 *
 * Stage 1 (cycles): the free timing fields of FIT_TIMING, searched in log space within
 * physically plausible bounds, each evaluation replaying every case of the device;
 * objective = RMS of ln(simulated / published) over the cycle figures + the largest
 * |ln ratio| (so no single figure is sacrificed) + a weak pull (1e-3 x sum of squared log
 * distances) toward the shipped starting values, which only matters along directions the
 * figures do not determine.
 * Stage 2 (energy and power): the dynamic energy is linear in the energy fields, so one replay
 * per field (that field 1 pJ, the others 0) gives each case's exact basis; with the powered
 * NP count and the inference time of stage 1 the dynamic energy, total power and floor
 * figures are closed-form and the same objective is minimised over the energy fields,
 * p_static_np_mw and p_floor_mw without further replays.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "npu/npu_cost.h"
#include "sim_calibrate.h"

/* ------------------------------------------------------------------ minimiser */

typedef struct nm_ctx {
    const sim_fit_param *p; /* parameters */
    size_t n;               /* count */
    sim_fit_objective f;    /* objective */
    void *ctx;              /* its context */
    double *x;              /* scratch, linear scale */
    size_t evals;           /* calls so far */
} nm_ctx;

static double clampd(double v, double lo, double hi) {
    return v < lo ? lo : (v > hi ? hi : v);
}

/* Objective at log point u (clamped into the bounds in place). */
static double nm_eval(nm_ctx *m, double *u) {
    for (size_t i = 0; i < m->n; i++) {
        u[i] = clampd(u[i], log(m->p[i].lo), log(m->p[i].hi));
        m->x[i] = exp(u[i]);
    }
    m->evals++;
    double v = m->f(m->x, m->ctx);
    return isfinite(v) ? v : 1e300;
}

/* One Nelder-Mead run from u0 (log space); returns the best value, point in u0. */
static double nm_run(nm_ctx *m, double *u0, size_t max_evals, double tol) {
    size_t n = m->n, np1 = n + 1;
    double *s = calloc(np1 * n, sizeof *s), *fv = calloc(np1, sizeof *fv);
    double *c = calloc(n, sizeof *c), *r = calloc(n, sizeof *r), *e = calloc(n, sizeof *e);
    if (!s || !fv || !c || !r || !e) {
        free(s), free(fv), free(c), free(r), free(e);
        return 1e300;
    }
    for (size_t k = 0; k < np1; k++) {
        memcpy(&s[k * n], u0, n * sizeof *u0);
        if (k > 0) {
            size_t i = k - 1;
            double step = log(2.0);
            if (u0[i] + step > log(m->p[i].hi)) {
                step = -step; /* step inward at the upper bound */
            }
            s[k * n + i] += step;
        }
        fv[k] = nm_eval(m, &s[k * n]);
    }
    while (m->evals < max_evals) {
        /* order: best first */
        for (size_t a = 1; a < np1; a++) {
            for (size_t b = a; b > 0 && fv[b] < fv[b - 1]; b--) {
                double t = fv[b];
                fv[b] = fv[b - 1];
                fv[b - 1] = t;
                for (size_t i = 0; i < n; i++) {
                    double q = s[b * n + i];
                    s[b * n + i] = s[(b - 1) * n + i];
                    s[(b - 1) * n + i] = q;
                }
            }
        }
        double spread = 0.0;
        for (size_t k = 1; k < np1; k++) {
            for (size_t i = 0; i < n; i++) {
                spread = fmax(spread, fabs(s[k * n + i] - s[i]));
            }
        }
        if (spread < tol) {
            break;
        }
        double *w = &s[n * n]; /* worst */
        for (size_t i = 0; i < n; i++) {
            c[i] = 0.0;
            for (size_t k = 0; k < n; k++) {
                c[i] += s[k * n + i] / (double)n;
            }
            r[i] = c[i] + (c[i] - w[i]);
        }
        double fr = nm_eval(m, r);
        if (fr < fv[0]) {
            for (size_t i = 0; i < n; i++) {
                e[i] = c[i] + 2.0 * (c[i] - w[i]);
            }
            double fe = nm_eval(m, e);
            memcpy(w, fe < fr ? e : r, n * sizeof *w);
            fv[n] = fe < fr ? fe : fr;
        } else if (fr < fv[n - 1]) {
            memcpy(w, r, n * sizeof *w);
            fv[n] = fr;
        } else {
            bool outside = fr < fv[n];
            for (size_t i = 0; i < n; i++) {
                e[i] = outside ? c[i] + 0.5 * (r[i] - c[i]) : c[i] + 0.5 * (w[i] - c[i]);
            }
            double fc = nm_eval(m, e);
            if (fc < (outside ? fr : fv[n])) {
                memcpy(w, e, n * sizeof *w);
                fv[n] = fc;
            } else { /* shrink toward the best */
                for (size_t k = 1; k < np1; k++) {
                    for (size_t i = 0; i < n; i++) {
                        s[k * n + i] = s[i] + 0.5 * (s[k * n + i] - s[i]);
                    }
                    fv[k] = nm_eval(m, &s[k * n]);
                }
            }
        }
    }
    size_t best = 0;
    for (size_t k = 1; k < np1; k++) {
        best = fv[k] < fv[best] ? k : best;
    }
    memcpy(u0, &s[best * n], n * sizeof *u0);
    double fb = fv[best];
    free(s), free(fv), free(c), free(r), free(e);
    return fb;
}

double sim_fit_minimize(const sim_fit_param *p, size_t n, sim_fit_objective f, void *ctx,
                        size_t max_evals, double tol, double *x_out) {
    double *u = calloc(n + 1, sizeof *u), *x = calloc(n + 1, sizeof *x);
    if (u == NULL || x == NULL) {
        free(u), free(x);
        return 1e300;
    }
    nm_ctx m = {p, n, f, ctx, x, 0};
    for (size_t i = 0; i < n; i++) {
        u[i] = log(clampd(p[i].x0, p[i].lo, p[i].hi));
    }
    double best = nm_run(&m, u, max_evals, tol);
    while (m.evals < max_evals) { /* restart from the best until no gain */
        double v = nm_run(&m, u, max_evals, tol);
        bool gain = v < best - 1e-12 * fabs(best);
        best = v < best ? v : best;
        if (!gain) {
            break;
        }
    }
    for (size_t i = 0; i < n; i++) {
        x_out[i] = clampd(exp(u[i]), p[i].lo, p[i].hi);
    }
    free(u), free(x);
    return best;
}

/* ------------------------------------------------------------------ the calibration fit */

/* Free timing fields (stage 1) and their plausible bounds. np.cnp_event_cycles.3 stands for
 * the per-tap cost: every kernel size k gets round(c3 * k^2 / 9) once rounded. The NP fields
 * (np.*) are integers in the shipped files (the RTL blocks implement them): stage 1 fits them
 * continuously, stage 1b rounds them and polishes by an integer neighbour search. The NoC
 * link width is continuous. The configuration DMA fields are free only when the device has
 * program_clk figures. */
static const sim_fit_param FIT_TIMING[] = {
    {"np.cnp_event_cycles.3", 1.0, 256.0, 0},
    {"np.cnp_event_overhead", 1.0, 32.0, 0},
    {"np.cnp_output_cycles", 1.0, 16.0, 0},
    {"np.cnp_sep_event_cycles", 1.0, 64.0, 0},
    {"np.cnp_sep_channels_per_cycle", 4.0, 4096.0, 0},
    {"np.cnp_pw_channels_per_cycle", 1.0, 256.0, 0},
    {"np.hrc_macs_per_cycle", 4.0, 1024.0, 0},
    {"link_bytes_per_cycle", 4.0, 64.0, 0},
    {"conf_track_cycles", 1.0, 5000.0, 0},
    {"conf_dma_bytes_per_cycle", 0.1, 16.0, 0},
};
#define N_TIMING (sizeof FIT_TIMING / sizeof FIT_TIMING[0])
#define N_TIMING_NP 7 /* the first N_TIMING_NP fields are integer NP parameters */

/* Free energy / power fields (stage 2); the floor bounds depend on the device. */
static const sim_fit_param FIT_ENERGY[] = {
    {"e_synop_pj", 0.05, 20.0, 0},      {"e_sram_read_pj", 0.5, 100.0, 0},
    {"e_sram_write_pj", 0.5, 100.0, 0}, {"e_hop_byte_pj", 0.05, 10.0, 0},
    {"e_dma_byte_pj", 0.1, 20.0, 0},    {"e_ext_byte_pj", 1.0, 100.0, 0},
    {"e_np_cycle_pj", 0.01, 50.0, 0},   {"e_np_busy_pj", 0.01, 100.0, 0},
    {"p_static_np_mw", 0.001, 5.0, 0},  {"p_floor_mw", 10.0, 2000.0, 0},
};
#define N_ENERGY (sizeof FIT_ENERGY / sizeof FIT_ENERGY[0])
#define N_EFIELDS 8 /* the e_* fields: the dynamic energy is linear in them */

#define PULL 1e-3 /* weight of the pull toward the starting values */

/* Sets one field (by its dotted name) of c. */
static void set_field(mesh_calib *c, const char *name, double v) {
    if (strcmp(name, "np.cnp_event_cycles.3") == 0) {
        for (int k = 1; k <= NPU_COST_MAX_KERNEL; k++) {
            double ck = v * (double)(k * k) / 9.0;
            bool whole = v == floor(v); /* integer c3: integer costs for every k */
            c->np.cnp_event_cycles[k] = whole ? fmax(1.0, floor(ck + 0.5)) : ck;
        }
        return;
    }
    char a[128];
    snprintf(a, sizeof a, "%s=%.17g", name, v);
    npu_err e = {0};
    (void)mesh_calib_set(c, a, &e); /* names are fields of the table: cannot fail */
}

static double get_field(const mesh_calib *c, const char *name) {
    double v = 0.0;
    npu_err e = {0};
    (void)mesh_calib_get(c, name, &v, &e);
    return v;
}

/* Objective terms over log ratios l[0..n): RMS + max |l|. */
static double score(const double *l, size_t n) {
    double sq = 0.0, mx = 0.0;
    for (size_t i = 0; i < n; i++) {
        sq += l[i] * l[i];
        mx = fmax(mx, fabs(l[i]));
    }
    return n ? sqrt(sq / (double)n) + mx : 0.0;
}

static double pull(const sim_fit_param *p, const double *x, size_t n) {
    double s = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = log(x[i] / p[i].x0);
        s += d * d;
    }
    return PULL * s;
}

typedef struct fit_ctx {
    sim_cal_session *s;  /* session */
    const size_t *cases; /* case indices of the device */
    size_t n_cases;      /* count */
    mesh_calib base;     /* calibration the free fields are written into */
    sim_fit_param *p;    /* free parameters (x0 = start) */
    size_t n;            /* count */
    /* stage 2 data, per case */
    double (*basis)[N_EFIELDS]; /* dynamic mJ per 1 pJ of each e_* field */
    double *t_s;                /* inference seconds */
    double *powered;            /* powered NPs */
    double *l;                  /* scratch log ratios */
    bool failed;                /* a replay failed */
} fit_ctx;

static const char *const EFIELDS[N_EFIELDS] = {"e_synop_pj",    "e_sram_read_pj", "e_sram_write_pj",
                                               "e_hop_byte_pj", "e_dma_byte_pj",  "e_ext_byte_pj",
                                               "e_np_cycle_pj", "e_np_busy_pj"};

/* Stage 1: replays every case, scores the cycle figures. */
static double timing_objective(const double *x, void *vctx) {
    fit_ctx *f = vctx;
    mesh_calib c = f->base;
    for (size_t i = 0; i < f->n; i++) {
        set_field(&c, f->p[i].name, x[i]);
    }
    size_t m = 0;
    for (size_t k = 0; k < f->n_cases; k++) {
        const sim_cal_case *cc = sim_cal_session_case(f->s, f->cases[k]);
        sim_cal_result r;
        npu_err e = {0};
        if (sim_cal_eval(f->s, f->cases[k], &c, &r, &e) != NPU_OK) {
            f->failed = true;
            return 1e300;
        }
        for (int g = SIM_CAL_INFERENCE_CLK; g <= SIM_CAL_PROGRAM_CLK; g++) {
            if (cc->published[g] > 0.0) {
                f->l[m++] = log(fmax(r.sim[g], 1.0) / cc->published[g]);
            }
        }
    }
    return score(f->l, m) + pull(f->p, x, f->n);
}

/* Stage 2: closed form from the basis. */
static double energy_objective(const double *x, void *vctx) {
    fit_ctx *f = vctx;
    size_t m = 0;
    double stat = x[N_EFIELDS], floor_mw = x[N_EFIELDS + 1];
    for (size_t k = 0; k < f->n_cases; k++) {
        const sim_cal_case *cc = sim_cal_session_case(f->s, f->cases[k]);
        double dyn = 0.0;
        for (size_t j = 0; j < N_EFIELDS; j++) {
            dyn += x[j] * f->basis[k][j];
        }
        double sim[SIM_CAL_N_FIGS] = {0};
        sim[SIM_CAL_DYNAMIC_MJ] = dyn;
        sim[SIM_CAL_FLOOR_MW] = floor_mw;
        sim[SIM_CAL_TOTAL_MW] =
            floor_mw + stat * f->powered[k] + (f->t_s[k] > 0 ? dyn / f->t_s[k] : 0);
        for (int g = SIM_CAL_FLOOR_MW; g <= SIM_CAL_DYNAMIC_MJ; g++) {
            if (cc->published[g] > 0.0) {
                f->l[m++] = log(fmax(sim[g], 1e-12) / cc->published[g]);
            }
        }
    }
    return score(f->l, m) + pull(f->p, x, f->n);
}

/* One replay of case k under c with all energy and power fields zero except `field` = 1
 * (NULL: none); returns the figures. */
static npu_status unit_eval(fit_ctx *f, size_t k, const mesh_calib *c, const char *field,
                            sim_cal_result *r, npu_err *err) {
    mesh_calib u = *c;
    for (size_t j = 0; j < N_ENERGY; j++) {
        set_field(&u, FIT_ENERGY[j].name, 0.0);
    }
    if (field != NULL) {
        set_field(&u, field, 1.0);
    }
    return sim_cal_eval(f->s, f->cases[k], &u, r, err);
}

static npu_status energy_basis(fit_ctx *f, const mesh_calib *c, npu_err *err) {
    double hz = mesh_calib_freq_hz(c, MESH_CLOCK_PERFORMANCE);
    for (size_t k = 0; k < f->n_cases; k++) {
        sim_cal_result r;
        npu_status st = unit_eval(f, k, c, "p_static_np_mw", &r, err);
        if (st != NPU_OK) {
            return st;
        }
        f->powered[k] = r.sim[SIM_CAL_TOTAL_MW];
        f->t_s[k] = r.sim[SIM_CAL_INFERENCE_CLK] / hz;
        for (size_t j = 0; j < N_EFIELDS; j++) {
            if ((st = unit_eval(f, k, c, EFIELDS[j], &r, err)) != NPU_OK) {
                return st;
            }
            f->basis[k][j] = r.sim[SIM_CAL_DYNAMIC_MJ];
        }
    }
    return NPU_OK;
}

static void log_params(FILE *log, const char *stage, const sim_fit_param *p, const double *x,
                       size_t n, double v) {
    if (log == NULL) {
        return;
    }
    fprintf(log, "calibrate: %s: objective %.4f\n", stage, v);
    for (size_t i = 0; i < n; i++) {
        fprintf(log, "calibrate:   %-30s %12.6g (start %g, bounds [%g, %g])\n", p[i].name, x[i],
                p[i].x0, p[i].lo, p[i].hi);
    }
}

/* A minimisation over a subset of the timing fields, the others held in full[]. */
typedef struct sub_ctx {
    fit_ctx *f;        /* the fit */
    double *full;      /* every field's value */
    const size_t *idx; /* free field indices */
    size_t m;          /* count */
} sub_ctx;

static double sub_objective(const double *x, void *vctx) {
    sub_ctx *c = vctx;
    for (size_t i = 0; i < c->m; i++) {
        c->full[c->idx[i]] = x[i];
    }
    return timing_objective(c->full, c->f);
}

/* Nelder-Mead over the fields not marked fixed, from full[] (updated); returns the value. */
static double refit_free(fit_ctx *f, double *full, const bool *fixed, size_t max_evals) {
    size_t idx[N_TIMING], m = 0;
    sim_fit_param sp[N_TIMING];
    for (size_t i = 0; i < f->n; i++) {
        if (!fixed[i]) {
            sp[m] = f->p[i];
            sp[m].x0 = full[i];
            idx[m++] = i;
        }
    }
    if (m == 0) {
        return timing_objective(full, f);
    }
    double x[N_TIMING];
    sub_ctx c = {f, full, idx, m};
    double v = sim_fit_minimize(sp, m, sub_objective, &c, max_evals, 1e-4, x);
    for (size_t i = 0; i < m; i++) {
        full[idx[i]] = x[i];
    }
    return v;
}

/* Stage 1b: makes the integer NP fields (the first n_int of x) whole numbers one at a time,
 * in table order: each is tried at floor and ceil of its current value, the still-free fields
 * refitted (Nelder-Mead) after each try, and the better try kept; then an integer neighbour
 * search (each field +-1 and +-5 %, at least 1) with the remaining continuous fields fixed,
 * until a sweep changes nothing. */
static double integer_polish(fit_ctx *f, double *x, size_t n_int, size_t max_evals) {
    bool fixed[N_TIMING] = {false};
    double best = timing_objective(x, f);
    for (size_t i = 0; i < n_int; i++) {
        double base[N_TIMING], trial[N_TIMING], keep[N_TIMING];
        memcpy(base, x, f->n * sizeof *x);
        double cand[2] = {floor(base[i]), ceil(base[i])}, bv = 1e300;
        fixed[i] = true;
        for (int k = 0; k < (cand[0] == cand[1] ? 1 : 2); k++) {
            memcpy(trial, base, f->n * sizeof *x);
            trial[i] = fmin(fmax(cand[k], ceil(f->p[i].lo)), floor(f->p[i].hi));
            double v = refit_free(f, trial, fixed, max_evals / 4);
            if (v < bv) {
                bv = v;
                memcpy(keep, trial, f->n * sizeof *x);
            }
        }
        memcpy(x, keep, f->n * sizeof *x);
        best = bv;
    }
    size_t evals = 0;
    bool moved = true;
    while (moved && evals < max_evals) {
        moved = false;
        for (size_t i = 0; i < n_int && evals < max_evals; i++) {
            double big = fmax(1.0, floor(0.05 * x[i] + 0.5));
            const double steps[4] = {big, -big, 1.0, -1.0};
            for (size_t k = 0; k < 4 && evals < max_evals; k++) {
                double keep = x[i];
                x[i] = keep + steps[k];
                if (x[i] < f->p[i].lo || x[i] > f->p[i].hi) {
                    x[i] = keep;
                    continue;
                }
                double v = timing_objective(x, f);
                evals++;
                if (v < best - 1e-12) {
                    best = v;
                    moved = true;
                    k = (size_t)-1; /* same field again from the largest step */
                } else {
                    x[i] = keep;
                }
            }
        }
    }
    return best;
}

static npu_status fit_stages(fit_ctx *f, mesh_calib *c, size_t max_evals, FILE *log, npu_err *err) {
    double x[N_TIMING + N_ENERGY];
    sim_fit_param pt[N_TIMING], pe[N_ENERGY];
    memcpy(pe, FIT_ENERGY, sizeof pe);
    bool have_prog = false; /* program_clk figures fix the configuration DMA fields */
    for (size_t k = 0; k < f->n_cases; k++) {
        have_prog = have_prog ||
                    sim_cal_session_case(f->s, f->cases[k])->published[SIM_CAL_PROGRAM_CLK] > 0.0;
    }
    size_t nt = 0;
    for (size_t i = 0; i < N_TIMING; i++) {
        if (i <= N_TIMING_NP || have_prog) { /* NP fields, link width; DMA with figures */
            pt[nt] = FIT_TIMING[i];
            pt[nt].x0 = fmin(fmax(get_field(c, pt[nt].name), pt[nt].lo), pt[nt].hi);
            nt++;
        }
    }
    f->base = *c;
    f->p = pt;
    f->n = nt;
    double v = sim_fit_minimize(pt, nt, timing_objective, f, max_evals, 1e-4, x);
    if (f->failed) {
        return npu_err_set(err, NPU_ERR_INTERNAL, "calibrate: a replay failed during the fit");
    }
    log_params(log, "stage 1 (cycles, continuous)", pt, x, nt, v);
    v = integer_polish(f, x, N_TIMING_NP, max_evals);
    if (f->failed) {
        return npu_err_set(err, NPU_ERR_INTERNAL, "calibrate: a replay failed during the fit");
    }
    for (size_t i = 0; i < nt; i++) {
        set_field(c, pt[i].name, x[i]);
    }
    log_params(log, "stage 1b (cycles, integer NP fields)", pt, x, nt, v);
    npu_status st = energy_basis(f, c, err);
    if (st != NPU_OK) {
        return st;
    }
    for (size_t i = 0; i < N_ENERGY; i++) {
        pe[i].x0 = fmin(fmax(get_field(c, pe[i].name), pe[i].lo), pe[i].hi);
    }
    f->p = pe;
    f->n = N_ENERGY;
    v = sim_fit_minimize(pe, N_ENERGY, energy_objective, f, max_evals * 20, 1e-6, x);
    for (size_t i = 0; i < N_ENERGY; i++) {
        set_field(c, pe[i].name, x[i]);
    }
    log_params(log, "stage 2 (energy, power)", pe, x, N_ENERGY, v);
    return NPU_OK;
}

npu_status sim_cal_fit(sim_cal_session *s, const char *device, mesh_calib *c, size_t max_evals,
                       FILE *log, npu_err *err) {
    size_t n = sim_cal_session_count(s), m = 0;
    fit_ctx f = {0};
    f.s = s;
    size_t *idx = calloc(n + 1, sizeof *idx);
    f.basis = calloc(n + 1, sizeof *f.basis);
    f.t_s = calloc(n + 1, sizeof *f.t_s);
    f.powered = calloc(n + 1, sizeof *f.powered);
    f.l = calloc(n * SIM_CAL_N_FIGS + 1, sizeof *f.l);
    npu_status st = NPU_OK;
    if (!idx || !f.basis || !f.t_s || !f.powered || !f.l) {
        st = npu_err_set(err, NPU_ERR_INTERNAL, "calibrate: out of memory");
    }
    for (size_t i = 0; st == NPU_OK && i < n; i++) {
        if (strcmp(sim_cal_session_case(s, i)->device, device) == 0) {
            idx[m++] = i;
        }
    }
    if (st == NPU_OK && m == 0) {
        st = npu_err_set(err, NPU_ERR_INPUT, "calibrate: no case of device '%s' to fit", device);
    }
    f.cases = idx;
    f.n_cases = m;
    mesh_calib work = *c;
    st = st ? st : fit_stages(&f, &work, max_evals, log, err);
    if (st == NPU_OK) {
        snprintf(work.name, sizeof work.name, "%s", device);
        st = mesh_calib_validate(&work, err);
    }
    if (st == NPU_OK) {
        *c = work;
    }
    free(idx);
    free(f.basis);
    free(f.t_s);
    free(f.powered);
    free(f.l);
    return st;
}
