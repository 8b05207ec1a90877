/*
 * sim_sweep_estimate: the built-in estimator of the "estimate" fidelity of sweeps. It
 * digests the point's functional record once (sim_estimate_prep_new, kept in the caller's
 * cache slot in->prep so every point of a sweep unit reuses it) and gives the point's
 * figures with the analytical model of sim_estimate.c from the mapping and the calibration
 * (docs/fidelity.md, "Estimate fidelity").
 */
#include "akisim/sim_sweep.h"
#include "sim_estimate.h"

static npu_status sweep_estimate(const sim_estimate_in *in, sim_results *out, npu_err *err) {
    if (in->record == NULL || in->model == NULL || in->mapped == NULL || in->mesh == NULL ||
        in->calib == NULL) {
        return npu_err_set(err, NPU_ERR_INTERNAL, "estimate: incomplete point input");
    }
    sim_estimate_prep *own = NULL, *prep = in->prep != NULL ? *in->prep : NULL;
    if (prep != NULL && (prep->rec != in->record || prep->model != in->model)) {
        sim_estimate_prep_free(prep); /* the slot held the digest of another record */
        *in->prep = prep = NULL;
    }
    if (prep == NULL) {
        npu_status st = sim_estimate_prep_new(in->model, in->record, &prep, err);
        if (st != NPU_OK) {
            return st;
        }
        if (in->prep != NULL) {
            *in->prep = prep;
        } else {
            own = prep;
        }
    }
    npu_status st =
        sim_estimate_run(prep, in->mesh, in->calib, in->clock, in->mapped, in->program, out, err);
    sim_estimate_prep_free(own);
    return st;
}

sim_sweep_estimator sim_sweep_builtin_estimator(void) {
    return sweep_estimate;
}
