/*
 * sim_api: internals shared by the files implementing the public akisim API (akisim.h).
 *
 * The opaque akisim_model is an npu_model plus a "finalized" flag: layer additions and
 * variable writes clear it, and sim_model_ready() re-validates the model before any call
 * that needs shapes or runs samples. Internal to sim/.
 */
#ifndef SIM_API_H
#define SIM_API_H

#include "akisim/akisim.h"

struct akisim_model {
    npu_model *npu; /* the wrapped golden model (owned) */
    bool finalized; /* npu_model_finalize() succeeded since the last change */
};

/* Finalizes m when needed; returns the status of the validation. */
npu_status sim_model_ready(akisim_model *m, npu_err *err);

/* The last layer of a finalized model (NULL when the model has no layer). */
const npu_layer *sim_model_last(const akisim_model *m);

#endif /* SIM_API_H */
