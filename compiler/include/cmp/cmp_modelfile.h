/*
 * cmp_modelfile: loading and saving models as model.json (architecture, parameters) plus
 * model.npz (one array per variable, key "<layer>/<variable>"). Schema: docs/formats.md.
 *
 * A MODEL path is either a .json file (variables in the .npz of the same stem beside it) or
 * a directory holding model.json and model.npz. Loading validates everything (unknown types
 * or parameters, missing or mis-shaped variables, cycles, absurd dimensions) and returns a
 * finalized npu_model; saving writes both files atomically. Round trips are exact.
 */
#ifndef CMP_MODELFILE_H
#define CMP_MODELFILE_H

#include "npu/npu_err.h"
#include "npu/npu_model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Loads and finalizes a model. Messages start with the file name and name layer and field. */
npu_status cmp_model_load(const char *path, npu_model **out, npu_err *err);
/* Parses model JSON text (no variables) into a model that is not yet finalized. `what`
 * names the source in messages. */
npu_status cmp_model_from_json(const char *text, size_t len, const char *what, npu_model **out,
                               npu_err *err);
/* Sets every variable of m from an .npz archive; `what` names it in messages. */
npu_status cmp_model_load_npz(npu_model *m, const char *npz_path, npu_err *err);
/* Serialises the architecture to JSON text (malloc'd, NUL-terminated). */
npu_status cmp_model_to_json(const npu_model *m, char **text, npu_err *err);
/* Saves m: path is a .json file (npz beside it with the same stem) or a directory. */
npu_status cmp_model_save(const npu_model *m, const char *path, npu_err *err);
/* Resolves a MODEL path into its json and npz paths (caller-provided buffers). */
npu_status cmp_model_paths(const char *path, char *json, size_t json_cap, char *npz, size_t npz_cap,
                           npu_err *err);

#ifdef __cplusplus
}
#endif

#endif /* CMP_MODELFILE_H */
