/*
 * cmd_evaluate: the hardware path of `akisim evaluate` (--mesh MESH, cmd_evaluate_hw.c): the
 * model is mapped onto the mesh and run on the simulated device exactly as `akisim run
 * --mesh` runs it (cmp_map, cmp_program_build, sim_device_program, sim_device_forward), and
 * the device's outputs replace the software backend's in the accuracy.
 */
#ifndef CMD_EVALUATE_H
#define CMD_EVALUATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli.h"

/* Runs the n samples of b through m mapped on o->mesh (chunks of a few frames, so memory
 * stays bounded) and writes the n outputs, each out_size int32 values in (x, y, c) order, to
 * out. Errors name the mesh, the mapping or the sample chunk. */
npu_status eval_hw_outputs(akisim_model *m, const cli_device_opts *o, const cli_batch *b,
                           size_t out_size, int32_t *out, npu_err *err);

#endif /* CMD_EVALUATE_H */
