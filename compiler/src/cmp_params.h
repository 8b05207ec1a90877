/*
 * cmp_params: the table of model.json layer parameters -- their names (as in the vendor
 * runtime API, seed 001), which layer types accept them, how they map onto npu_params, and
 * their value limits. Shared by the JSON reader and writer. Internal to compiler/.
 */
#ifndef CMP_PARAMS_H
#define CMP_PARAMS_H

#include <stdbool.h>
#include <stdint.h>

#include "npu/npu_model.h"

/* How a parameter's JSON value looks. */
typedef enum cmp_param_kind {
    CMP_PK_SHAPE3, /* [x, y, c] of positive integers */
    CMP_PK_UINT,   /* positive integer within [min, max] */
    CMP_PK_INT,    /* integer within [min, max] */
    CMP_PK_BOOL,   /* true / false */
    CMP_PK_PAIR,   /* integer (both axes) or [x, y]; -1 allowed when min == -1 */
    CMP_PK_ENUM    /* string from a fixed list */
} cmp_param_kind;

typedef enum cmp_param_id {
    CMP_P_INPUT_SHAPE = 0,
    CMP_P_INPUT_BITS,
    CMP_P_INPUT_SIGNED,
    CMP_P_KERNEL_SIZE,
    CMP_P_FILTERS,
    CMP_P_UNITS,
    CMP_P_KERNEL_STRIDE,
    CMP_P_PADDING,
    CMP_P_PADDING_VALUE,
    CMP_P_POOL_TYPE,
    CMP_P_POOL_SIZE,
    CMP_P_POOL_STRIDE,
    CMP_P_ACTIVATION,
    CMP_P_WEIGHTS_BITS,
    CMP_P_ACT_BITS,
    CMP_P_OUTPUT_BITS,
    CMP_P_BUFFER_BITS,
    CMP_P_COUNT
} cmp_param_id;

typedef struct cmp_param_def {
    const char *name;           /* JSON key */
    cmp_param_kind kind;        /* value shape */
    int64_t min;                /* smallest value (each element) */
    int64_t max;                /* largest value (each element) */
    const char *const *choices; /* CMP_PK_ENUM: NULL-terminated names, index = enum value */
} cmp_param_def;

/* Largest spatial or channel dimension, and largest x*y*c, accepted in a model file. */
#define CMP_DIM_MAX 65536
#define CMP_SHAPE_ELEMS_MAX ((uint64_t)1 << 28)
/* Most layers accepted in a model file. */
#define CMP_MAX_LAYERS 16384

const cmp_param_def *cmp_param_def_get(cmp_param_id id);
/* Looks a parameter up by name; false when the name is no parameter of any type. */
bool cmp_param_lookup(const char *name, cmp_param_id *out);
/* Whether layer type t accepts parameter id, and whether it must be given. */
bool cmp_param_allowed(npu_layer_type t, cmp_param_id id);
bool cmp_param_required(npu_layer_type t, cmp_param_id id);
/* The closest accepted parameter name of type t to name (edit distance <= 2 or a parameter
 * of another type with the same meaning), or NULL. */
const char *cmp_param_suggest(npu_layer_type t, const char *name);

/* Reads (get) or writes (set) a parameter's value as up to 3 integers (bool 0/1, enum
 * index); n is the number of values: 3 for shapes, 2 for pairs, 1 otherwise. */
void cmp_param_get(const npu_params *p, cmp_param_id id, int64_t v[3]);
void cmp_param_set(npu_params *p, cmp_param_id id, const int64_t v[3]);

#endif /* CMP_PARAMS_H */
