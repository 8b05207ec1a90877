/*
 * sim_np_backend: the C model's NP operations (npu_np.h behind sim_np_ops) and the creation
 * of an NP instance of the device, through the installed factory (mixed-level simulation,
 * e.g. the RTL adapter of rtl/cosim) or the C model.
 */
#include <string.h>

#include "akisim/sim_np_backend.h"
#include "sim_engine_int.h"

static void c_free(void *np) {
    npu_np_free(np);
}

static npu_status c_write_regs(void *np, uint32_t offset, const uint32_t *w, size_t n,
                               npu_err *err) {
    return npu_np_write_regs(np, offset, w, n, err);
}

static npu_status c_write_sram(void *np, uint32_t region, uint32_t offset, const uint32_t *w,
                               size_t n, npu_err *err) {
    return npu_np_write_sram(np, region, offset, w, n, err);
}

static void c_attach_external(void *np, const uint8_t *ext, size_t n) {
    npu_np_attach_external(np, ext, n);
}

static npu_status c_configure(void *np, npu_err *err) {
    return npu_np_configure(np, err);
}

static const npu_np_config *c_get_config(const void *np) {
    return npu_np_get_config(np);
}

static void c_begin_frame(void *np) {
    npu_np_begin_frame(np);
}

static void c_push(void *np, const npu_event *ev, size_t n) {
    npu_np_push(np, ev, n);
}

static npu_status c_end_frame(void *np, npu_event_buf *out, npu_err *err) {
    return npu_np_end_frame(np, out, err);
}

static const npu_np_counters *c_get_counters(const void *np) {
    return npu_np_get_counters(np);
}

static void c_reset_counters(void *np) {
    npu_np_reset_counters(np);
}

static const sim_np_ops C_OPS = {
    "c",          c_free,        c_write_regs, c_write_sram, c_attach_external, c_configure,
    c_get_config, c_begin_frame, c_push,       c_end_frame,  c_get_counters,    c_reset_counters,
};

const sim_np_ops *sim_np_c_ops(void) {
    return &C_OPS;
}

void sim_device_set_np_factory(sim_device *d, sim_np_factory f, void *ctx) {
    d->np_factory = f;
    d->np_factory_ctx = ctx;
}

npu_status sim_np_create(const sim_device *d, sim_np_inst *n, const sim_np_site *site,
                         npu_err *err) {
    n->ops = NULL;
    n->np = NULL;
    if (d->np_factory != NULL) {
        npu_status st = d->np_factory(d->np_factory_ctx, site, &n->ops, &n->np, err);
        if (st != NPU_OK) {
            return npu_err_prefix(err, "program: pass %u, NP (%u,%u,%u)", site->pass,
                                  site->ident.col, site->ident.row, site->ident.id);
        }
        if (n->ops != NULL && n->np != NULL) {
            return NPU_OK;
        }
    }
    n->ops = &C_OPS;
    n->np = npu_np_new(site->kind);
    return n->np != NULL ? NPU_OK : npu_err_set(err, NPU_ERR_INTERNAL, "device: out of memory");
}
