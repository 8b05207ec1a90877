/*
 * cosim_rig: real programs of small hand-mapped models, for the cross-check drivers
 * (rtl-check) and the tests of the NP models and of the RTL blocks.
 *
 * A Rig owns a model (InputData + the layers added to it), a hand-built single-pass mapping of
 * some layers on NPs (map_layer: random input-column x filter slices on consecutive NP slots
 * of column 1) and the program cmp_program_build compiles from them — exactly what a real
 * program is, so the register / SRAM tracks of every NP are the compiler's. random_layer()
 * draws InputData + one layer of a given type with random geometry, bits and v1 / v2
 * variables; random_frames() draws input frames as event streams; program_writes() gives the
 * configuration-port writes of one NP.
 *
 * Errors are values: add / var / finish return false and leave the message in Rig::e; a
 * refused variable also sets Rig::var_failed (random_layer returns false for a draw the model
 * does not accept, and callers that must not redraw check var_failed). No Verilator, no test
 * framework: the library (akisim_cosim_rig) is built with or without Verilator.
 */
#ifndef COSIM_RIG_HPP
#define COSIM_RIG_HPP

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

#include "cmp/cmp_program.h"
#include "mesh/mesh.h"
#include "npu/npu_model.h"
#include "npu/npu_np.h"

namespace cosim {

using I32 = std::vector<int32_t>;

/* A uniform integer in [lo, hi]. */
int rnd(std::mt19937 &rng, int lo, int hi);
/* n uniform integers in [lo, hi]. */
I32 rand_vec(std::mt19937 &rng, size_t n, int lo, int hi);
/* The symmetric v1 weight range of `bits` (1 bit: 0..1). */
int wmin(uint32_t bits);
int wmax(uint32_t bits);
/* The NP model kind of a mesh NP type. */
npu_np_kind np_kind_of(mesh_np_type t);

/* One configuration-port write (a program track's payload). */
struct CfgWrite {
    bool sram = false;           /* SRAM region (else register block) */
    uint32_t region = 0;         /* region id */
    uint32_t offset = 0;         /* first word */
    std::vector<uint32_t> words; /* payload */
};

/* The configuration writes of NP id's tracks in pass `pass` of a program, in track order. */
std::vector<CfgWrite> program_writes(const cmp_program *p, uint32_t pass, mesh_ident id);
/* Events of a tensor in scan order (x, y, c): non-zero values, or every value (dense: HRC
 * input). */
std::vector<npu_event> tensor_events(const npu_shape &s, const int32_t *d, bool dense);
std::vector<npu_event> tensor_events(const npu_tensor &t, bool dense);

/* A model, its hand-built single-pass mapping and program. */
struct Rig {
    npu_model *m = npu_model_new();           /* the model */
    npu_err e{};                              /* last error */
    bool var_failed = false;                  /* a var() was refused */
    mesh_desc mesh{};                         /* the mesh finish() compiles for */
    std::vector<std::vector<cmp_np_map>> nps; /* NPs per layer */
    std::vector<cmp_layer_map> lmaps;         /* layer maps of the sequence */
    cmp_sequence seq{};                       /* the one hardware sequence */
    cmp_mapped mm{};                          /* the mapping */
    cmp_program *prog = nullptr;              /* the program (finish) */
    uint32_t next_slot = 0;                   /* next free NP slot */
    const char *mesh_name;                    /* name of the mesh */

    explicit Rig(const char *name) : mesh_name(name) {}
    Rig(const Rig &) = delete;
    Rig &operator=(const Rig &) = delete;
    ~Rig();
    /* Adds a layer (no variables yet). */
    bool add(npu_layer_type t, const char *name, const npu_params &p);
    /* Sets an int32 variable of layer l. */
    bool var(uint32_t l, const char *name, std::vector<uint32_t> shape, const I32 &d);
    /* The next NP slot: column 1, rows 2.., four NPs per node. */
    mesh_ident slot();
    /* Layer l on NPs of type t: col_parts input-column slices x filter_parts filter slices
     * (random uneven cuts; col_parts 1: every NP takes the whole input, as an FNP does). */
    void map_layer(std::mt19937 &rng, uint32_t l, mesh_np_type t, uint32_t col_parts,
                   uint32_t filter_parts);
    /* The mesh, the one-sequence mapping of every layer's NPs and the program. */
    bool finish();
};

/* Random kernel (1..4), stride (1..2), padding and pooling (none / max / global average;
 * with pool false: none, nothing drawn). */
void random_spatial(std::mt19937 &rng, npu_params &p, bool pool = true);

/* What random_layer draws besides the type's own constraints. */
struct LayerDraw {
    uint32_t max_filters = 20;     /* filters in 1..max_filters */
    bool pool_coin = false;        /* pooling only on a coin flip (else always drawn) */
    bool sep_weights_2bit = false; /* SeparableConvolutional: 1-bit weights become 2-bit */
};

/* InputData (unless an image layer) + one layer of type t with random geometry (input
 * 2..11 x 2..7 x 1..5, or 1 / 3 channels for images; transposed kinds stride 2, Same, no
 * pooling), bits and v1 / v2 variables; finalizes the model. False when the draw is refused
 * (r.var_failed tells whether a variable was); *target = index of the layer. */
bool random_layer(std::mt19937 &rng, Rig &r, npu_layer_type t, const LayerDraw &d,
                  uint32_t *target);

/* Random model inputs within the input's bits and sign (shape of the model input). */
I32 random_input(std::mt19937 &rng, const npu_model *m);
/* Zeroes each value with probability zero_pct / 100. */
void sparsify(std::mt19937 &rng, I32 &d, int zero_pct);
/* n random input frames as events (random density: 0..max_zero_pct % zeros). */
std::vector<std::vector<npu_event>> random_frames(std::mt19937 &rng, const npu_model *m, bool dense,
                                                  int n, int max_zero_pct);

} // namespace cosim

#endif /* COSIM_RIG_HPP */
