/*
 * akisim: the public C API of the simulator's software backend.
 *
 * An akisim_model wraps the golden functional model (npu_model): build one layer by layer or
 * load it from model.json + model.npz, then summarise it, forward a batch of integer inputs to
 * int32 outputs, predict dequantised floats, evaluate class accuracy, measure per-layer output
 * sparsity and read or write layer variables. Every call that can fail returns an
 * akisim_status (0 on success) and fills an akisim_error with one message naming the file,
 * layer and field involved; status 2 (AKISIM_ERR_INPUT) means bad input, 1 an internal
 * failure. The model is (re)finalized lazily: adding a layer or setting a variable marks it
 * dirty and the next call that needs shapes or outputs validates it again.
 *
 * Batches are dense arrays of n samples, each (x, y, c) in C order, i.e. a numpy
 * (n, x, y, c) array. A model holds no global state; distinct models may be used from
 * distinct threads.
 */
#ifndef AKISIM_H
#define AKISIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "npu/npu_err.h"
#include "npu/npu_model.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef npu_status akisim_status; /* AKISIM_OK, AKISIM_ERR_INPUT, AKISIM_ERR_INTERNAL */
#define AKISIM_OK NPU_OK
#define AKISIM_ERR_INTERNAL NPU_ERR_INTERNAL
#define AKISIM_ERR_INPUT NPU_ERR_INPUT

typedef npu_err akisim_error;     /* status + one NUL-terminated message */
typedef npu_params akisim_params; /* layer parameters (seed-001 names, see npu_model.h) */
typedef npu_shape akisim_shape;   /* (x, y, c) */
typedef npu_var akisim_variable;  /* a named int32 / float32 layer variable */

typedef struct akisim_model akisim_model; /* opaque */

/* Element type of a batch of model inputs. */
typedef enum akisim_input_dtype {
    AKISIM_INPUT_U8 = 0, /* uint8_t values */
    AKISIM_INPUT_I8 = 1, /* int8_t values (models whose input is signed) */
} akisim_input_dtype;

/* What akisim_model_layer_info() reports about one layer. */
typedef struct akisim_layer_info {
    const char *name;                 /* layer name (owned by the model) */
    const char *type;                 /* vendor type name, e.g. "InputConvolutional" */
    akisim_shape output_shape;        /* output (x, y, c) */
    bool activation;                  /* the layer applies an activation (v1) / ReLU (v2) */
    uint32_t output_bits;             /* bit width of its output values (32 = potentials) */
    bool output_signed;               /* its outputs may be negative */
    const akisim_variable *kernel;    /* its "weights" variable, or NULL */
    const akisim_variable *kernel_pw; /* its "weights_pw" variable (separable), or NULL */
} akisim_layer_info;

/* Library version string ("0.1.0"). */
const char *akisim_version(void);

/* Message / status of an error object (the empty string / AKISIM_OK when none). */
const char *akisim_error_message(const akisim_error *err);
akisim_status akisim_error_status(const akisim_error *err);
void akisim_error_clear(akisim_error *err);

/* Seed-001 default parameters of a layer type given by name ("Convolutional", ...). */
akisim_status akisim_params_default(const char *type_name, akisim_params *out, akisim_error *err);

/* Creates an empty model (*out; free with akisim_model_free). */
akisim_status akisim_model_create(akisim_model **out, akisim_error *err);
void akisim_model_free(akisim_model *m);

/* Appends a layer of type type_name called layer_name. inbound names existing layers; with
 * n_inbound == 0 the previous layer is the inbound one (none for input layers). */
akisim_status akisim_model_add_layer(akisim_model *m, const char *type_name, const char *layer_name,
                                     const akisim_params *p, const char *const *inbound,
                                     size_t n_inbound, akisim_error *err);

/* Loads MODEL (a model.json file, or a directory holding model.json + model.npz). */
akisim_status akisim_model_load(const char *path, akisim_model **out, akisim_error *err);
/* Saves to a .json path (npz beside it) or a directory; validates the model first. */
akisim_status akisim_model_save(akisim_model *m, const char *path, akisim_error *err);

/* Validates the model (shapes, bits, variables). Called implicitly by the calls below. */
akisim_status akisim_model_finalize(akisim_model *m, akisim_error *err);

/* Shapes and input format (the model is finalized first). */
akisim_status akisim_model_input_shape(akisim_model *m, akisim_shape *out, akisim_error *err);
akisim_status akisim_model_output_shape(akisim_model *m, akisim_shape *out, akisim_error *err);
uint32_t akisim_model_input_bits(akisim_model *m); /* 0 when the model is invalid */
bool akisim_model_input_signed(akisim_model *m);   /* false when the model is invalid */
size_t akisim_model_layer_count(const akisim_model *m);
/* Describes layer i (the model is finalized first). Pointers stay valid until the model is
 * changed or freed. */
akisim_status akisim_model_layer_info(akisim_model *m, size_t i, akisim_layer_info *out,
                                      akisim_error *err);
/* true when the last layer's outputs are activations that fit a uint8 (akisim run writes
 * them as uint8); false when they are potentials / wide values (int32). */
bool akisim_model_output_is_u8(akisim_model *m);

/* The vendor-style text summary (malloc'd in *text; free()):
 *   Model Summary table (input shape, output shape, sequences, layers), then one table per
 *   sequence ("SW/<first>-<last> (Software)") with layer name (type), output shape and
 *   kernel shape. */
akisim_status akisim_model_summary(akisim_model *m, char **text, akisim_error *err);

/* How akisim_model_summary_mapped() maps the model (like the vendor's Model.map()). */
typedef struct akisim_map_options {
    const char *mesh;     /* preset ("akd1000"), generator ("gen:cnp=N,fnp=M") or mesh YAML */
    const char *map_mode; /* "minimal", "allnps" or "hwpr"; NULL = "allnps" */
    bool hw_only;         /* require one hardware sequence (else an error naming the layer) */
    bool json;            /* JSON instead of text */
} akisim_map_options;

/* The mapped summary (malloc'd in *text; free()): the model mapped onto opt->mesh, printed
 * as `akisim map` does — header table (input and output shapes, sequences, layers, NPs), per
 * sequence a "HW/<first>-<last> (Hardware) - size: N bytes" banner (N: encoded size of a
 * program holding that sequence alone), per layer name (type), output shape, kernel shape
 * and NPs, then totals (NPs excluding the HRC, passes, program bytes, external memory
 * bytes). JSON: the `akisim map --json` schema (docs/mapping.md) plus "input_bits",
 * "input_signed", "layers" (count) and, per layer, "activation", "output_bits",
 * "output_signed" and "kernel_pw_shape" (separable layers). Unknown mesh or map mode, or a
 * model that cannot be mapped with hw_only: AKISIM_ERR_INPUT naming the layer and reason. */
akisim_status akisim_model_summary_mapped(akisim_model *m, const akisim_map_options *opt,
                                          char **text, akisim_error *err);

/* Checks a batch without running it: every value against the model's input bits and sign;
 * the message names the numpy index (n, x, y, c) of the first offending value. */
akisim_status akisim_model_check_inputs(akisim_model *m, size_t n, akisim_input_dtype dtype,
                                        const void *inputs, akisim_error *err);

/* Forwards n samples (inputs: n * input size elements of dtype) into outputs (caller-owned,
 * n * output size int32). Every input value is checked against the model's input bits and
 * sign before any sample runs; the message names the numpy index (n, x, y, c). */
akisim_status akisim_model_forward(akisim_model *m, size_t n, akisim_input_dtype dtype,
                                   const void *inputs, int32_t *outputs, akisim_error *err);

/* Like forward, but returns dequantised floats (n * output size). Only for models whose
 * last layer has no activation:
 *   - Akida 1.0 last layer: (potential - threshold[c]) / act_step[c];
 *   - Akida 2.0 Dequantizer last: the Dequantizer's float values (npu_dequant.h);
 *   - other Akida 2.0 last layers without activation: the integer value itself.
 * A last layer with an activation, or an InputData-only model, is AKISIM_ERR_INPUT. */
akisim_status akisim_model_predict(akisim_model *m, size_t n, akisim_input_dtype dtype,
                                   const void *inputs, float *outputs, akisim_error *err);

/* Class accuracy over n labelled samples (seed 001 Model.evaluate). num_classes 0 means the
 * number of output channels. Each sample's prediction is the output channel of its largest
 * output value (argmax over the flattened (x, y, c) output, ties -> lowest flat index; the
 * neuron id is the channel, flat index % c). With more neurons than classes, neuron id i
 * belongs to class i / (c / num_classes); num_classes must divide c. Labels must lie in
 * [0, num_classes). *accuracy = correct / n; *correct (may be NULL) the count. */
akisim_status akisim_model_evaluate(akisim_model *m, size_t n, akisim_input_dtype dtype,
                                    const void *inputs, const int64_t *labels, uint32_t num_classes,
                                    double *accuracy, size_t *correct, akisim_error *err);

/* Per-layer output sparsity (akida.evaluate_sparsity): for each layer i (in model order),
 * sparsity[i] = number of zero output values / total output values over the n samples.
 * sparsity holds akisim_model_layer_count() doubles. */
akisim_status akisim_model_sparsity(akisim_model *m, size_t n, akisim_input_dtype dtype,
                                    const void *inputs, double *sparsity, akisim_error *err);

/* The variable var of layer `layer` (borrowed; valid until the model changes), or an
 * AKISIM_ERR_INPUT naming the missing layer/variable. */
akisim_status akisim_model_get_variable(const akisim_model *m, const char *layer, const char *var,
                                        const akisim_variable **out, akisim_error *err);
/* Sets (copies) a variable; shape and value range are checked at the next finalize. */
akisim_status akisim_model_set_variable(akisim_model *m, const char *layer, const char *var,
                                        npu_dtype dtype, uint32_t ndim, const uint32_t *shape,
                                        const void *data, akisim_error *err);

/* The wrapped golden model (finalized if possible; NULL when validation fails). For the
 * simulator's internal modules and tools; the result is owned by m. */
const npu_model *akisim_model_npu(akisim_model *m);

/* The built-in demo (akisim demo, make run): an Akida 1.0 network for 28x28x1 8-bit images:
 * conv_0 InputConvolutional 3x3 stride 2 (8 filters) -> conv_1 Convolutional 3x3 (16) ->
 * sep_2 SeparableConvolutional 3x3 (32) with 2x2 max pooling -> conv_3 Convolutional 3x3
 * (32) with global average pooling -> classifier FullyConnected (10 units, no activation);
 * 8-bit input weights, 4-bit weights and activations. Weights and the n random inputs
 * (uint8 images of bright discs on a dark noisy background) are drawn from seed; each
 * hidden filter's threshold is the median of its potentials over the inputs (floored at 0)
 * and its act_step spreads the 98th percentile over the 15 activation levels, so hidden
 * layers are neither silent nor saturated; the classifier has threshold 0 and an act_step
 * scaling its typical |potential| to about 4.0 in predict(). The network is untrained and
 * the labels are random classes in [0, 10): evaluate gives chance-level accuracy. */
#define AKISIM_DEMO_X 28
#define AKISIM_DEMO_Y 28
#define AKISIM_DEMO_C 1
#define AKISIM_DEMO_CLASSES 10
/* inputs: n * 28 * 28 * 1 bytes, labels: n values (both caller-owned). */
akisim_status akisim_demo_create(uint64_t seed, size_t n, akisim_model **model, uint8_t *inputs,
                                 int32_t *labels, akisim_error *err);

#ifdef __cplusplus
}
#endif

#endif /* AKISIM_H */
