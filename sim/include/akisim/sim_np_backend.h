/*
 * sim_np_backend: the NP interface of the device model as a table of operations, so that an
 * NP at a chosen ident can be something other than the C model (npu_np.h) — e.g. the
 * Verilated RTL adapter of rtl/cosim (mixed-level simulation, `akisim run --rtl`).
 *
 * Every operation mirrors one function of npu_np.h with the same contract (configuration
 * port, begin_frame / push / end_frame, decoded configuration, counters). The device calls
 * the factory once per NP instance it creates while programming (one per pass and ident);
 * the factory either returns its own operations and instance, or declines (*ops = NULL) and
 * the device uses the C model. Without a factory every NP is the C model. The engine's
 * routing and timing read only get_config() and the output events, so an implementation
 * that returns the C decoder's configuration and the same output events gives the same
 * outputs and cycles as the pure C run.
 */
#ifndef SIM_NP_BACKEND_H
#define SIM_NP_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "akisim/sim_engine.h"
#include "mesh/mesh.h"
#include "npu/npu_err.h"
#include "npu/npu_np.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One NP implementation: the functions of npu_np.h on an opaque instance. */
typedef struct sim_np_ops {
    const char *name;       /* implementation name for messages ("c", "rtl") */
    void (*free)(void *np); /* npu_np_free */
    npu_status (*write_regs)(void *np, uint32_t offset, const uint32_t *words, size_t n,
                             npu_err *err); /* npu_np_write_regs */
    npu_status (*write_sram)(void *np, uint32_t region, uint32_t offset, const uint32_t *words,
                             size_t n, npu_err *err); /* npu_np_write_sram */
    void (*attach_external)(void *np, const uint8_t *ext,
                            size_t n_bytes);               /* npu_np_attach_external */
    npu_status (*configure)(void *np, npu_err *err);       /* npu_np_configure */
    const npu_np_config *(*get_config)(const void *np);    /* npu_np_get_config */
    void (*begin_frame)(void *np);                         /* npu_np_begin_frame */
    void (*push)(void *np, const npu_event *ev, size_t n); /* npu_np_push */
    npu_status (*end_frame)(void *np, npu_event_buf *out, npu_err *err); /* npu_np_end_frame */
    const npu_np_counters *(*get_counters)(const void *np);              /* npu_np_get_counters */
    void (*reset_counters)(void *np);                                    /* npu_np_reset_counters */
} sim_np_ops;

/* Where the device is about to create an NP. */
typedef struct sim_np_site {
    uint32_t pass;     /* global pass index */
    mesh_ident ident;  /* position */
    mesh_np_type type; /* type it acts as */
    npu_np_kind kind;  /* block kind of the register map */
} sim_np_site;

/* Creates the NP at `site`: sets *ops and *np, or leaves *ops NULL to decline (C model).
 * A failure (NPU_ERR_*) aborts programming with that error. */
typedef npu_status (*sim_np_factory)(void *ctx, const sim_np_site *site, const sim_np_ops **ops,
                                     void **np, npu_err *err);

/* The operations of the C model (npu_np.h). */
const sim_np_ops *sim_np_c_ops(void);

/* Installs the factory used by the next program() (NULL: C models only). ctx is borrowed
 * and must outlive the device's program. */
void sim_device_set_np_factory(sim_device *d, sim_np_factory f, void *ctx);

#ifdef __cplusplus
}
#endif

#endif /* SIM_NP_BACKEND_H */
