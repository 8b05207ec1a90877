/*
 * cosim_rtl: a Verilated NP block (Vcnp, Vfnp, Vhrc or a variant with the same ports, such as
 * the bug-injected Vcnp_bug) behind one abstract driver, RtlNp, used by the checker
 * (rtl-check, tests) and by the engine adapter (mixed-level runs).
 *
 * The driver programs the block through its configuration port (one word per cycle), then
 * per frame pulses frame_start, pushes events through the valid/ready port (optional random
 * idle gaps), pulses frame_end when idle and collects the output events (optional random
 * back-pressure) until the done pulse. Every observable event is reported to an attached
 * Checker (cosim_checker.hpp): frame start, each event the block took, each event it sent,
 * done with cyc_busy. When the checker rejects an event the driver stops at once and keeps
 * the cycle (stop_cycle) so that a replay can trace a window of cycles around it into a VCD
 * (Verilated trace, opened at the window's first cycle and closed after its last).
 *
 * Stimulus randomness (gaps, back-pressure) comes from the driver's own seeded generator, so
 * a fresh driver with the same seed replaying the same calls is cycle-identical.
 */
#ifndef COSIM_RTL_HPP
#define COSIM_RTL_HPP

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "cosim_checker.hpp"
#include "npu/npu_np.h"
#include "verilated.h"
#include "verilated_vcd_c.h"

namespace cosim {

/* Stimulus options of a driver. */
struct Stim {
    uint64_t seed = 1;         /* generator of gaps and back-pressure */
    bool gaps = false;         /* random idle cycles between input events */
    bool backpressure = false; /* random out_ready low cycles */
};

/* The abstract driver of one Verilated NP block. */
class RtlNp {
  public:
    virtual ~RtlNp() = default;
    /* Configuration port: n words at offset of the register block or SRAM region. */
    virtual void write(bool sram, uint32_t region, uint32_t offset, const uint32_t *w,
                       size_t n) = 0;
    /* cfg_start; waits for cfg_done / cfg_err; false on cfg_err (not covered) or a hang. */
    virtual bool configure() = 0;
    /* frame_start pulse (checker: frame_start). */
    virtual bool begin_frame() = 0;
    /* One input event, held until taken (checker: event_in). */
    virtual bool push(const npu_event &e) = 0;
    /* frame_end when idle, output events until done (checker: event_out each, done). */
    virtual bool end_frame(std::vector<npu_event> *out) = 0;
    /* Clock cycles since reset; cyc_busy of the last frame. */
    virtual uint64_t cycles() const = 0;
    virtual uint64_t busy() const = 0;
    /* FNP2: the external-memory image served on the ext_rd / ext_rsp port (borrowed). */
    virtual void attach_external(const uint8_t *ext, size_t n) {
        (void)ext;
        (void)n;
    }
    /* Traces cycles [from, to] (absolute) into path. Call before the cycles run. */
    virtual void trace_window(const std::string &path, uint64_t from, uint64_t to) = 0;
    /* Observer of the observable events (borrowed; nullptr: none). */
    void attach(Checker *c) {
        chk_ = c;
    }
    /* Cycle at which the checker stopped the driver (0: never). */
    uint64_t stop_cycle() const {
        return stop_cycle_;
    }
    /* Cycle of the last frame_start. */
    uint64_t frame_cycle() const {
        return frame_cycle_;
    }
    /* Why the last call failed without a checker verdict ("" if none). */
    const std::string &fault() const {
        return fault_;
    }

  protected:
    Checker *chk_ = nullptr;
    uint64_t stop_cycle_ = 0;
    uint64_t frame_cycle_ = 0;
    std::string fault_;
};

/* Makes a driver for a block kind (nullptr: no RTL for this kind). */
using RtlFactory = std::function<std::unique_ptr<RtlNp>(npu_np_kind kind, const Stim &stim)>;

/* Whether model M has the FNP2 external-memory port (Vfnp). */
template <class T, class = void>
struct HasExt : std::false_type {};
template <class T>
struct HasExt<T, std::void_t<decltype(std::declval<T &>().ext_rd_valid)>> : std::true_type {};

/* The driver of Verilated model M (ports of rtl/src/np_core.v, docs/rtl.md "Ports"). The
 * external memory of an FNP2 is modelled as in test_rtl_np: requests accepted when ready
 * (random with stim.gaps, else always), answered in order 1 to 3 cycles later (random with
 * stim.gaps, else 1), the little-endian word of the attached image. */
template <class M>
class RtlNpT final : public RtlNp {
  public:
    explicit RtlNpT(const Stim &s) : stim_(s), rng_(s.seed) {
        ctx_->traceEverOn(true);
        m_.reset(new M{ctx_.get()});
        m_->rst_n = 0;
        tick();
        tick();
        m_->rst_n = 1;
        tick();
    }
    ~RtlNpT() override {
        close_trace();
        m_->final();
    }
    void write(bool sram, uint32_t region, uint32_t offset, const uint32_t *w, size_t n) override {
        for (size_t i = 0; i < n; i++) {
            m_->cfg_valid = 1;
            m_->cfg_sram = sram;
            m_->cfg_region = region;
            m_->cfg_offset = offset + uint32_t(i);
            m_->cfg_data = w[i];
            tick();
        }
        m_->cfg_valid = 0;
    }
    bool configure() override {
        m_->cfg_start = 1;
        tick();
        m_->cfg_start = 0;
        for (uint64_t i = 0; i < kCfgLimit && !m_->cfg_done && !m_->cfg_err; i++) {
            tick();
        }
        if (!m_->cfg_done && !m_->cfg_err) {
            fault_ = "configuration did not finish (no cfg_done)";
        }
        return m_->cfg_done && !m_->cfg_err;
    }
    bool begin_frame() override {
        frame_cycle_ = cycles_;
        m_->frame_start = 1;
        tick();
        m_->frame_start = 0;
        return !chk_ || observe(chk_->frame_start());
    }
    bool push(const npu_event &e) override {
        while (stim_.gaps && rnd(4) == 0) {
            tick();
        }
        m_->ev_valid = 1;
        m_->ev_x = e.x;
        m_->ev_y = e.y;
        m_->ev_c = e.c;
        m_->ev_value = uint32_t(e.value);
        for (uint64_t i = 0; i < kEventLimit; i++) {
            low();
            bool taken = m_->ev_ready;
            tick();
            if (taken) {
                m_->ev_valid = 0;
                return !chk_ || observe(chk_->event_in(e));
            }
        }
        m_->ev_valid = 0;
        fault_ = "input event not taken (ev_ready stuck low)";
        return false;
    }
    bool end_frame(std::vector<npu_event> *out) override {
        for (uint64_t i = 0; i < kFrameLimit && !m_->idle; i++) {
            tick();
        }
        m_->frame_end = 1;
        tick();
        m_->frame_end = 0;
        for (uint64_t i = 0; i < kFrameLimit; i++) {
            m_->out_ready = stim_.backpressure ? rnd(4) != 0 : 1;
            low();
            if (m_->out_valid && m_->out_ready) {
                npu_event e = {uint16_t(m_->out_x), uint16_t(m_->out_y), m_->out_c,
                               int32_t(m_->out_value)};
                out->push_back(e);
                if (chk_ && !observe(chk_->event_out(e))) {
                    m_->out_ready = 0;
                    return false;
                }
            }
            bool fin = m_->done;
            tick();
            if (fin) {
                m_->out_ready = 0;
                return !chk_ || observe(chk_->done(busy()));
            }
        }
        m_->out_ready = 0;
        fault_ = "frame did not finish (no done pulse)";
        return false;
    }
    uint64_t cycles() const override {
        return cycles_;
    }
    uint64_t busy() const override {
        return uint64_t(m_->cyc_busy);
    }
    void attach_external(const uint8_t *ext, size_t n) override {
        ext_ = ext;
        ext_n_ = n;
    }
    void trace_window(const std::string &path, uint64_t from, uint64_t to) override {
        trace_path_ = path;
        trace_from_ = from;
        trace_to_ = to;
    }
    M &model() {
        return *m_;
    }

  private:
    static constexpr uint64_t kCfgLimit = 50000000;    /* cycles before a hang is declared */
    static constexpr uint64_t kEventLimit = 50000000;  /* per input event */
    static constexpr uint64_t kFrameLimit = 200000000; /* per frame phase */

    bool observe(bool ok) {
        if (!ok && stop_cycle_ == 0) {
            stop_cycle_ = cycles_;
        }
        return ok;
    }
    int rnd(int n) {
        return int(rng_() % uint64_t(n));
    }
    /* Clock low: combinational outputs settle on the current inputs. */
    void low() {
        m_->clk = 0;
        m_->eval();
    }
    /* One clock: low then rising edge; dumps both phases inside the trace window. */
    void tick() {
        if (!trace_path_.empty() && !vcd_ && cycles_ >= trace_from_ && cycles_ <= trace_to_) {
            vcd_.reset(new VerilatedVcdC);
            m_->trace(vcd_.get(), 99);
            vcd_->open(trace_path_.c_str());
        }
        bool req = false, rsp = false;
        uint32_t addr = 0;
        m_->clk = 0;
        if constexpr (HasExt<M>::value) {
            m_->ext_rd_ready = stim_.gaps ? rnd(3) != 0 : 1;
            m_->ext_rsp_valid = !ext_q_.empty() && ext_q_.front().second == 0;
            uint32_t a = ext_q_.empty() ? 0 : ext_q_.front().first;
            m_->ext_rsp_data = ext_ && size_t(a) + 4 <= ext_n_
                                   ? uint32_t(ext_[a]) | uint32_t(ext_[a + 1]) << 8 |
                                         uint32_t(ext_[a + 2]) << 16 | uint32_t(ext_[a + 3]) << 24
                                   : 0xdeadbeefu;
        }
        m_->eval();
        if constexpr (HasExt<M>::value) {
            req = m_->ext_rd_valid && m_->ext_rd_ready;
            rsp = m_->ext_rsp_valid;
            addr = m_->ext_rd_addr;
        }
        if (vcd_) {
            vcd_->dump(2 * cycles_);
        }
        m_->clk = 1;
        m_->eval();
        if (vcd_) {
            vcd_->dump(2 * cycles_ + 1);
        }
        cycles_++;
        if constexpr (HasExt<M>::value) {
            if (rsp) {
                ext_q_.pop_front();
            }
            for (auto &q : ext_q_) {
                q.second = q.second > 0 ? q.second - 1 : 0;
            }
            if (req) {
                ext_q_.push_back({addr, stim_.gaps ? rnd(3) : 0});
            }
        }
        if (vcd_ && cycles_ > trace_to_) {
            close_trace();
        }
    }
    void close_trace() {
        if (vcd_) {
            vcd_->close();
            vcd_.reset();
            trace_path_.clear();
        }
    }

    Stim stim_;
    std::mt19937_64 rng_;
    std::unique_ptr<VerilatedContext> ctx_{new VerilatedContext};
    std::unique_ptr<M> m_;
    uint64_t cycles_ = 0;
    std::unique_ptr<VerilatedVcdC> vcd_;
    std::string trace_path_;
    uint64_t trace_from_ = 0, trace_to_ = 0;
    const uint8_t *ext_ = nullptr;               /* FNP2 external image */
    size_t ext_n_ = 0;                           /* its bytes */
    std::deque<std::pair<uint32_t, int>> ext_q_; /* accepted reads: address, cycles left */
};

/* The factory of the shipped blocks (Vcnp, Vfnp, Vhrc). */
RtlFactory default_factory();

} // namespace cosim

#endif /* COSIM_RTL_HPP */
