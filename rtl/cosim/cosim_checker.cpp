/*
 * cosim_checker: CModelChecker, the C NP model (npu_np.h) as the lockstep reference of a
 * Verilated NP block (see cosim_checker.hpp), and the default factory of the shipped blocks.
 */
#include "cosim_checker.hpp"

#include <cstdio>

#include "Vcnp.h"
#include "Vfnp.h"
#include "Vhrc.h"
#include "cosim_rtl.hpp"

namespace cosim {

std::string event_str(const npu_event &e) {
    char b[96];
    snprintf(b, sizeof b, "(%u,%u,%u)=%d", unsigned(e.x), unsigned(e.y), unsigned(e.c),
             int(e.value));
    return b;
}

CModelChecker::CModelChecker(npu_np_kind kind, const npu_cost_params &p, bool check_cycles,
                             uint32_t layer, mesh_ident np)
    : np_(npu_np_new(kind)), p_(p), check_cycles_(check_cycles), layer_(layer), id_(np) {}

CModelChecker::~CModelChecker() {
    npu_np_free(np_);
}

void CModelChecker::attach_external(const uint8_t *ext, size_t n) {
    ext_ = ext;
    ext_n_ = n;
}

const npu_np_config *CModelChecker::config() const {
    return configured_ ? npu_np_get_config(np_) : nullptr;
}

Mismatch CModelChecker::at(const char *what, uint64_t index) const {
    Mismatch m;
    m.what = what;
    m.layer = layer_;
    m.np = id_;
    m.frame = frame_;
    m.index = index;
    return m;
}

/* Prefix of every message: where. */
static std::string where(uint32_t layer, mesh_ident id, uint64_t frame) {
    char b[128];
    snprintf(b, sizeof b, "layer %u, NP (%u,%u,%u), frame %llu", layer, unsigned(id.col),
             unsigned(id.row), unsigned(id.id), (unsigned long long)frame);
    return b;
}

npu_status CModelChecker::configure_c(const std::vector<CfgWrite> &writes, npu_err *err) {
    if (np_ == nullptr) {
        return npu_err_set(err, NPU_ERR_INTERNAL, "out of memory");
    }
    for (const auto &w : writes) {
        npu_status st =
            w.sram ? npu_np_write_sram(np_, w.region, w.offset, w.words.data(), w.words.size(), err)
                   : npu_np_write_regs(np_, w.offset, w.words.data(), w.words.size(), err);
        if (st != NPU_OK) {
            return st;
        }
    }
    npu_np_attach_external(np_, ext_, ext_n_);
    npu_status st = npu_np_configure(np_, err);
    configured_ = st == NPU_OK;
    return st;
}

bool CModelChecker::configured(const std::vector<CfgWrite> &writes, bool rtl_ok) {
    npu_err e{};
    if (configure_c(writes, &e) != NPU_OK) {
        return fail(at("config", 0), where(layer_, id_, 0) + ": C model: " + e.msg);
    }
    layer_ = npu_np_get_config(np_)->layer_index;
    if (!rtl_ok) {
        Mismatch m = at("config", 0);
        m.expected = "configured";
        m.actual = "cfg_err";
        return fail(m, where(layer_, id_, 0) +
                           ": the RTL refused a configuration the C model accepts (cfg_err)");
    }
    return true;
}

bool CModelChecker::frame_start() {
    if (!configured_) {
        return fail(at("config", 0), where(layer_, id_, frame_) + ": frame before configuration");
    }
    npu_np_begin_frame(np_);
    ended_ = false;
    next_ = 0;
    want_.clear();
    in_at_start_ = npu_np_get_counters(np_)->events_in;
    return true;
}

bool CModelChecker::event_in(const npu_event &e) {
    npu_np_push(np_, &e, 1);
    return true;
}

bool CModelChecker::finish_c() {
    if (ended_) {
        return true;
    }
    ended_ = true;
    npu_event_buf ob{};
    npu_err e{};
    npu_status st = npu_np_end_frame(np_, &ob, &e);
    want_.assign(ob.ev, ob.ev + ob.n);
    npu_event_buf_free(&ob);
    if (st != NPU_OK) {
        return fail(at("event", 0), where(layer_, id_, frame_) + ": C model: " + e.msg);
    }
    return true;
}

bool CModelChecker::event_out(const npu_event &got) {
    if (!finish_c()) {
        return false;
    }
    uint64_t i = next_++;
    if (i >= want_.size()) {
        Mismatch m = at("event", i);
        m.expected = "no event";
        m.actual = event_str(got);
        return fail(m, where(layer_, id_, frame_) + ", output event " + std::to_string(i) +
                           ": expected no more events (C model sent " +
                           std::to_string(want_.size()) + "), actual " + m.actual);
    }
    const npu_event &w = want_[i];
    if (w.x != got.x || w.y != got.y || w.c != got.c || w.value != got.value) {
        Mismatch m = at("event", i);
        m.expected = event_str(w);
        m.actual = event_str(got);
        return fail(m, where(layer_, id_, frame_) + ", output event " + std::to_string(i) +
                           ": expected " + m.expected + ", actual " + m.actual);
    }
    stats_.events_out++;
    return true;
}

uint64_t CModelChecker::formula_cycles(uint64_t n_in) const {
    const npu_np_config *c = npu_np_get_config(np_);
    uint64_t cyc = npu_cost_output(c, &p_);
    if (c->kind == NPU_NP_CNP) {
        cyc += npu_cost_cnp_events(c, &p_, n_in);
    } else if (c->kind == NPU_NP_FNP) {
        cyc += npu_cost_fnp_events(c, &p_, n_in);
    } else {
        for (uint32_t x = c->need_col_first; x < c->need_col_first + c->need_col_count; x++) {
            cyc += npu_cost_hrc_line(c, &p_, x);
        }
    }
    return cyc;
}

bool CModelChecker::done(uint64_t busy_cycles) {
    if (!finish_c()) {
        return false;
    }
    uint64_t f = frame_++;
    if (next_ < want_.size()) {
        Mismatch m = at("count", next_);
        m.frame = f;
        m.expected = event_str(want_[next_]);
        m.actual = "done (no more events)";
        return fail(m, where(layer_, id_, f) + ", output event " + std::to_string(next_) +
                           ": expected " + m.expected + ", actual: the RTL finished after " +
                           std::to_string(next_) + " of " + std::to_string(want_.size()) +
                           " events");
    }
    uint64_t n_in = npu_np_get_counters(np_)->events_in - in_at_start_;
    uint64_t want = formula_cycles(n_in);
    stats_.frames++;
    stats_.events_in += n_in;
    stats_.c_cycles += want;
    stats_.rtl_cycles += busy_cycles;
    if (check_cycles_ && want != busy_cycles) {
        Mismatch m = at("cycles", next_);
        m.frame = f;
        m.expected = std::to_string(want);
        m.actual = std::to_string(busy_cycles);
        return fail(m, where(layer_, id_, f) + ": busy cycles: expected " + m.expected +
                           " (npu_cost formulas), actual " + m.actual);
    }
    return true;
}

RtlFactory default_factory() {
    return [](npu_np_kind kind, const Stim &s) -> std::unique_ptr<RtlNp> {
        switch (kind) {
        case NPU_NP_CNP:
            return std::unique_ptr<RtlNp>(new RtlNpT<Vcnp>(s));
        case NPU_NP_FNP:
            return std::unique_ptr<RtlNp>(new RtlNpT<Vfnp>(s));
        case NPU_NP_HRC:
            return std::unique_ptr<RtlNp>(new RtlNpT<Vhrc>(s));
        }
        return nullptr;
    };
}

} // namespace cosim
