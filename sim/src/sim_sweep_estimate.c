/*
 * sim_sweep_estimate: the hook of the "estimate" fidelity of sweeps — the analytical model
 * built from per-layer activity (events, synaptic ops, bytes per NP and link) that gives a
 * point's figures without the discrete-event timing model. This build has none yet:
 * sim_sweep_builtin_estimator() returns NULL, and `akisim sweep --fidelity estimate` then
 * exits with status 2 before running any point. Filling the hook: implement a
 * sim_sweep_estimator (sim_sweep.h) in its own file and return it here.
 */
#include "akisim/sim_sweep.h"

sim_sweep_estimator sim_sweep_builtin_estimator(void) {
    return NULL;
}
