/*
 * cosim_adapter: the RTL-backed NP of mixed-level runs (`akisim run --mesh M --rtl SPEC`).
 *
 * The device's NP factory hook (sim_np_backend.h) asks cosim_mixed at every NP it creates;
 * the NPs the spec names become an Adapter: the sim_np_ops of npu_np.h implemented by the
 * Verilated block (Vcnp, Vfnp, Vhrc) with a CModelChecker attached in lockstep.
 *
 * - configuration: each register / SRAM write goes to the RTL configuration port as it
 *   arrives and is kept; configure() configures the C decoder (whose npu_np_config the
 *   engine reads for routing and timing — the RTL has no such struct) and pulses cfg_start;
 *   a configuration the RTL does not cover (cfg_err) is NPU_ERR_INPUT naming the NP/layer;
 * - frames: begin_frame / push / end_frame drive the RTL ports (no idle gaps, output always
 *   ready); the output events returned to the engine are the RTL's. The checker steps the C
 *   model with the same events and compares every output event and the busy cycles with the
 *   npu_cost formulas (of the RTL's build parameters); the first difference fails the frame
 *   with NPU_ERR_INTERNAL and the checker's message (layer, NP, frame, event, expected,
 *   actual);
 * - counters: the C model's (events_in, synops and SRAM counts are not RTL outputs);
 *   events_out equals the RTL's by the check.
 */
#include <cstdio>
#include <cstring>
#include <string>

#include "akisim/sim_np_backend.h"
#include "cosim.hpp"

struct cosim_mixed {
    bool all = false;               /* every CNP, FNP and HRC */
    bool all_cnp = false;           /* every CNP */
    std::vector<mesh_ident> idents; /* chosen idents */
    std::vector<bool> used;         /* per ident: matched an NP */
    std::string spec;               /* as given */
    npu_cost_params p{};            /* the RTL's cycle parameters */
    cosim::RtlFactory factory;      /* Verilated blocks */
    uint64_t nps = 0;               /* NPs replaced */
    uint64_t cycles = 0;            /* RTL cycles simulated */
};

namespace {

struct Adapter {
    cosim_mixed *owner = nullptr;
    std::unique_ptr<cosim::CModelChecker> chk;
    std::unique_ptr<cosim::RtlNp> rtl;
    std::vector<cosim::CfgWrite> writes;
    mesh_ident id = {0, 0, 0};
    bool ok = true;           /* no failure so far */
    std::string msg;          /* first failure */
    uint64_t last_cycles = 0; /* rtl cycles already added to owner */
    std::vector<npu_event> out;

    void account() {
        owner->cycles += rtl->cycles() - last_cycles;
        last_cycles = rtl->cycles();
    }
    void failed() {
        if (ok) {
            ok = false;
            msg = !chk->errors().empty() ? chk->errors().front() : "RTL: " + rtl->fault();
        }
    }
};

Adapter *as(void *np) {
    return static_cast<Adapter *>(np);
}
const Adapter *as(const void *np) {
    return static_cast<const Adapter *>(np);
}

void a_free(void *np) {
    Adapter *a = as(np);
    a->account();
    delete a;
}

npu_status a_write(Adapter *a, bool sram, uint32_t region, uint32_t offset, const uint32_t *w,
                   size_t n) {
    a->writes.push_back({sram, region, offset, std::vector<uint32_t>(w, w + n)});
    a->rtl->write(sram, region, offset, w, n);
    return NPU_OK;
}

npu_status a_write_regs(void *np, uint32_t offset, const uint32_t *w, size_t n, npu_err *) {
    return a_write(as(np), false, 0, offset, w, n);
}

npu_status a_write_sram(void *np, uint32_t region, uint32_t offset, const uint32_t *w, size_t n,
                        npu_err *) {
    return a_write(as(np), true, region, offset, w, n);
}

void a_attach_external(void *np, const uint8_t *ext, size_t n) {
    as(np)->chk->attach_external(ext, n);
    as(np)->rtl->attach_external(ext, n);
}

npu_status a_configure(void *np, npu_err *err) {
    Adapter *a = as(np);
    npu_status st = a->chk->configure_c(a->writes, err);
    if (st != NPU_OK) {
        return st;
    }
    bool rtl_ok = a->rtl->configure();
    a->account();
    if (!rtl_ok) {
        const npu_np_config *c = a->chk->config();
        return npu_err_set(err, NPU_ERR_INPUT,
                           "--rtl: NP (%u,%u,%u), layer %u (%s): the RTL does not cover this "
                           "configuration (cfg_err%s%s)",
                           unsigned(a->id.col), unsigned(a->id.row), unsigned(a->id.id),
                           c->layer_index, npu_layer_type_name(c->layer),
                           a->rtl->fault().empty() ? "" : ": ", a->rtl->fault().c_str());
    }
    a->writes.clear();
    a->writes.shrink_to_fit();
    a->rtl->attach(a->chk.get());
    return NPU_OK;
}

const npu_np_config *a_get_config(const void *np) {
    return as(np)->chk->config();
}

void a_begin_frame(void *np) {
    Adapter *a = as(np);
    if (a->ok && !a->rtl->begin_frame()) {
        a->failed();
    }
}

void a_push(void *np, const npu_event *ev, size_t n) {
    Adapter *a = as(np);
    for (size_t i = 0; a->ok && i < n; i++) {
        if (!a->rtl->push(ev[i])) {
            a->failed();
        }
    }
}

npu_status a_end_frame(void *np, npu_event_buf *out, npu_err *err) {
    Adapter *a = as(np);
    a->out.clear();
    if (a->ok && !a->rtl->end_frame(&a->out)) {
        a->failed();
    }
    a->account();
    if (!a->ok) {
        return npu_err_set(err, NPU_ERR_INTERNAL, "--rtl: RTL and C model differ: %s",
                           a->msg.c_str());
    }
    for (const auto &e : a->out) {
        npu_status st = npu_event_buf_push(out, e, err);
        if (st != NPU_OK) {
            return st;
        }
    }
    return NPU_OK;
}

const npu_np_counters *a_get_counters(const void *np) {
    return npu_np_get_counters(const_cast<Adapter *>(as(np))->chk->model());
}

void a_reset_counters(void *np) {
    npu_np_reset_counters(as(np)->chk->model());
}

const sim_np_ops RTL_OPS = {
    "rtl",        a_free,        a_write_regs, a_write_sram, a_attach_external, a_configure,
    a_get_config, a_begin_frame, a_push,       a_end_frame,  a_get_counters,    a_reset_counters,
};

bool ident_eq(mesh_ident a, mesh_ident b) {
    return a.col == b.col && a.row == b.row && a.id == b.id;
}

npu_status factory(void *ctx, const sim_np_site *site, const sim_np_ops **ops, void **np,
                   npu_err *err) {
    cosim_mixed *m = static_cast<cosim_mixed *>(ctx);
    bool want = m->all || (m->all_cnp && site->kind == NPU_NP_CNP);
    for (size_t i = 0; i < m->idents.size(); i++) {
        if (ident_eq(m->idents[i], site->ident)) {
            want = true;
            m->used[i] = true;
        }
    }
    if (!want) {
        return NPU_OK; /* the C model */
    }
    Adapter *a = new (std::nothrow) Adapter;
    if (a == nullptr) {
        return npu_err_set(err, NPU_ERR_INTERNAL, "out of memory");
    }
    a->owner = m;
    a->id = site->ident;
    a->chk.reset(new cosim::CModelChecker(site->kind, m->p, true, 0, site->ident));
    cosim::Stim stim;
    a->rtl = m->factory(site->kind, stim);
    if (!a->rtl) {
        delete a;
        return npu_err_set(err, NPU_ERR_INPUT, "--rtl: no RTL block for this NP kind");
    }
    m->nps++;
    *ops = &RTL_OPS;
    *np = a;
    return NPU_OK;
}

bool parse_ident(const std::string &s, mesh_ident *out) {
    unsigned c = 0, r = 0, i = 0;
    char tail = 0;
    if (sscanf(s.c_str(), "%u:%u:%u%c", &c, &r, &i, &tail) != 3 || c > 255 || r > 255 || i > 3) {
        return false;
    }
    *out = {uint8_t(c), uint8_t(r), uint8_t(i)};
    return true;
}

} // namespace

extern "C" npu_status cosim_mixed_new(const char *spec, cosim_mixed **out, npu_err *err) {
    *out = nullptr;
    std::unique_ptr<cosim_mixed> m(new (std::nothrow) cosim_mixed);
    if (!m) {
        return npu_err_set(err, NPU_ERR_INTERNAL, "out of memory");
    }
    m->spec = spec ? spec : "";
    if (m->spec == "all") {
        m->all = true;
    } else if (m->spec == "all-cnp") {
        m->all_cnp = true;
    } else {
        size_t pos = 0;
        while (pos <= m->spec.size()) {
            size_t comma = m->spec.find(',', pos);
            std::string item =
                m->spec.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
            mesh_ident id;
            if (!parse_ident(item, &id)) {
                return npu_err_set(err, NPU_ERR_INPUT,
                                   "--rtl: '%s' is not all-cnp, all or an ident COL:ROW:ID "
                                   "(ID 0..3)",
                                   item.c_str());
            }
            m->idents.push_back(id);
            if (comma == std::string::npos) {
                break;
            }
            pos = comma + 1;
        }
        m->used.assign(m->idents.size(), false);
    }
    m->p = cosim::rtl_params();
    m->factory = cosim::default_factory();
    *out = m.release();
    return NPU_OK;
}

extern "C" void cosim_mixed_free(cosim_mixed *m) {
    delete m;
}

extern "C" void cosim_mixed_attach(cosim_mixed *m, sim_device *d) {
    sim_device_set_np_factory(d, factory, m);
}

extern "C" uint64_t cosim_mixed_rtl_nps(const cosim_mixed *m) {
    return m->nps;
}

extern "C" uint64_t cosim_mixed_rtl_cycles(const cosim_mixed *m) {
    return m->cycles;
}

extern "C" npu_status cosim_mixed_check_used(const cosim_mixed *m, npu_err *err) {
    for (size_t i = 0; i < m->idents.size(); i++) {
        if (!m->used[i]) {
            return npu_err_set(err, NPU_ERR_INPUT, "--rtl: no NP of the program at %u:%u:%u",
                               unsigned(m->idents[i].col), unsigned(m->idents[i].row),
                               unsigned(m->idents[i].id));
        }
    }
    return NPU_OK;
}
