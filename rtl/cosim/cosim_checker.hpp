/*
 * cosim_checker: the lockstep checker of an NP block against the C NP model (npu_np.h), in
 * the style of lowRISC Ibex's cosim: the design under test (the Verilated RTL) runs freely
 * and its driver reports every observable event through the abstract Checker interface —
 * configured, frame start, event in, event out, done with its cycle count — and the checker
 * steps its reference with the same inputs and compares what the DUT produced. Errors are
 * collected as messages; the first mismatch is also kept as a structured record (layer, NP,
 * frame, output event index, expected, actual) for tools and tests.
 *
 * CModelChecker is the checker of the C model: configured() writes the same register/SRAM
 * words (the program's tracks) and configures it, event_in() pushes the event, the first
 * event_out() (or done()) ends the C frame, and each event_out() must equal the C model's
 * next output event bit-exactly (order: scan order x, y, c, which both sides define). done()
 * compares the event count and the RTL's busy cycles with the npu_cost formulas for the
 * events the C model accepted (the cycle contract of docs/rtl.md).
 */
#ifndef COSIM_CHECKER_HPP
#define COSIM_CHECKER_HPP

#include <cstdint>
#include <string>
#include <vector>

#include "cosim_rig.hpp" /* CfgWrite */
#include "mesh/mesh.h"
#include "npu/npu_cost.h"
#include "npu/npu_np.h"

namespace cosim {

/* The first mismatch, structured. */
struct Mismatch {
    bool any = false;          /* a mismatch was seen */
    std::string what;          /* "event", "count", "cycles", "config" */
    uint32_t layer = 0;        /* model layer index */
    mesh_ident np = {0, 0, 0}; /* NP ident */
    uint64_t frame = 0;        /* frame index (since configured) */
    uint64_t index = 0;        /* output event index in the frame */
    std::string expected;      /* C model */
    std::string actual;        /* RTL */
};

/* The abstract checker: one call per observable event; false = mismatch (stop). */
class Checker {
  public:
    virtual ~Checker() = default;
    /* The DUT finished its configuration (rtl_ok false: it raised cfg_err). */
    virtual bool configured(const std::vector<CfgWrite> &writes, bool rtl_ok) = 0;
    virtual bool frame_start() = 0;
    /* The DUT took input event e. */
    virtual bool event_in(const npu_event &e) = 0;
    /* The DUT sent output event e. */
    virtual bool event_out(const npu_event &e) = 0;
    /* The DUT finished the frame after busy_cycles formula cycles. */
    virtual bool done(uint64_t busy_cycles) = 0;
    const std::vector<std::string> &errors() const {
        return errors_;
    }
    const Mismatch &first() const {
        return first_;
    }

  protected:
    /* Records a mismatch: message + (first only) the structured record. */
    bool fail(const Mismatch &m, const std::string &msg) {
        errors_.push_back(msg);
        if (!first_.any) {
            first_ = m;
            first_.any = true;
        }
        return false;
    }
    std::vector<std::string> errors_;
    Mismatch first_;
};

/* Statistics a CModelChecker accumulates. */
struct CheckStats {
    uint64_t frames = 0;     /* frames finished (done) */
    uint64_t events_in = 0;  /* events the C model accepted */
    uint64_t events_out = 0; /* output events compared */
    uint64_t c_cycles = 0;   /* formula cycles (npu_cost) */
    uint64_t rtl_cycles = 0; /* RTL cyc_busy */
};

/* The C NP model as the reference. */
class CModelChecker final : public Checker {
  public:
    /* kind of the block; p: the cycle parameters the RTL is built with; check_cycles: compare
     * busy cycles with the formulas; layer / np: for messages. */
    CModelChecker(npu_np_kind kind, const npu_cost_params &p, bool check_cycles, uint32_t layer,
                  mesh_ident np);
    ~CModelChecker() override;
    CModelChecker(const CModelChecker &) = delete;
    CModelChecker &operator=(const CModelChecker &) = delete;

    /* FNP2: the external memory image (borrowed), attached before configured(). */
    void attach_external(const uint8_t *ext, size_t n);
    bool configured(const std::vector<CfgWrite> &writes, bool rtl_ok) override;
    /* The C side of configured(): writes and configures the C model; the C model's status
     * and message (bad configuration: NPU_ERR_INPUT naming the register / field). */
    npu_status configure_c(const std::vector<CfgWrite> &writes, npu_err *err);
    bool frame_start() override;
    bool event_in(const npu_event &e) override;
    bool event_out(const npu_event &e) override;
    bool done(uint64_t busy_cycles) override;

    /* The C model (configured after configured() succeeded). */
    npu_np *model() {
        return np_;
    }
    const npu_np_config *config() const;
    /* The C model's output events of the current / last frame. */
    const std::vector<npu_event> &expected() const {
        return want_;
    }
    const CheckStats &stats() const {
        return stats_;
    }
    /* Formula cycles of one frame of the configured NP with n_in accepted events. */
    uint64_t formula_cycles(uint64_t n_in) const;

  private:
    bool finish_c();
    Mismatch at(const char *what, uint64_t index) const;

    npu_np *np_ = nullptr;
    npu_cost_params p_;
    bool check_cycles_;
    uint32_t layer_;
    mesh_ident id_;
    const uint8_t *ext_ = nullptr;
    size_t ext_n_ = 0;
    bool configured_ = false;
    bool ended_ = false;       /* C end_frame ran for this frame */
    uint64_t frame_ = 0;       /* current frame index */
    uint64_t next_ = 0;        /* next output event index */
    uint64_t in_at_start_ = 0; /* C events_in at frame start */
    std::vector<npu_event> want_;
    CheckStats stats_;
};

/* "(x,y,c)=v" */
std::string event_str(const npu_event &e);

} // namespace cosim

#endif /* COSIM_CHECKER_HPP */
