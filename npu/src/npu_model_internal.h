/*
 * npu_model_internal: the model container's private state, shared by the files that implement
 * npu_model.h (npu_model.c: building and accessors; npu_model_finalize.c: shape inference and
 * validation; npu_model_forward.c: running a sample). Internal to npu/.
 *
 * Invariants: layers[0] is an input layer and no other layer is; every inbound index of layer
 * i is < i; all layers belong to one IP version (InputData aside); `finalized` is true only
 * while no layer, parameter or variable changed since the last successful finalize.
 */
#ifndef NPU_MODEL_INTERNAL_H
#define NPU_MODEL_INTERNAL_H

#include "npu/npu_model.h"

/* Largest number of elements of any tensor or variable (2^28): bigger dimensions are refused
 * as bad input before anything is allocated. */
#define NPU_MAX_ELEMENTS ((uint64_t)1 << 28)

struct npu_model {
    npu_layer *layers; /* layers in topological order, n_layers valid entries */
    uint32_t n_layers; /* number of layers */
    uint32_t cap;      /* allocated entries of layers */
    bool finalized;    /* npu_model_finalize() succeeded and nothing changed since */
};

/* Frees the variable data of a layer (not the layer itself). */
void npu_layer_free_vars(npu_layer *l);

#endif /* NPU_MODEL_INTERNAL_H */
