/*
 * akisim-bench-rtl: speed of the Verilated NP blocks and of mixed-level runs (issue 5).
 *
 * 1. Verilated cnp: every CNP slice of ds_cnn_kws (Akida 1.0 layers: SeparableConvolutional)
 *    mapped on akd1000, driven alone (RTL only, no checker, no back-pressure) with the golden
 *    model's activations of one frame: RTL clock cycles per wall second, configuration
 *    excluded (frames only), and the same with the C checker in lockstep (check_np);
 * 2. mixed-level: ds_cnn_kws on akd1000, N frames through sim_device_forward, pure C versus
 *    every CNP in RTL (`--rtl all-cnp`): host time per frame and the slowdown; outputs and
 *    inference_clk must be identical (exit 1 otherwise).
 *
 * Times are wall clock (median of RUNS runs for the mixed-level part). Nothing here asserts
 * on time. Usage: akisim-bench-rtl [--runs N] [--frames N].
 */
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

#include "Vcnp.h"
#include "akisim/sim_engine.h"
#include "cmp/cmp_mapper.h"
#include "cmp/cmp_zoo.h"
#include "cosim.hpp"
#include "mesh/mesh.h"
#include "mesh/mesh_calib.h"

namespace {

double now() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v[v.size() / 2];
}

struct Net {
    npu_model *m = nullptr;
    mesh_desc mesh{};
    mesh_calib calib{};
    cmp_program *prog = nullptr;
    ~Net() {
        cmp_program_free(prog);
        mesh_free(&mesh);
        npu_model_free(m);
    }
};

bool build(Net &n) {
    npu_err e{};
    cmp_zoo_opts o;
    cmp_zoo_opts_default(&o);
    o.seed = 4;
    cmp_mapped mm{};
    bool ok = cmp_zoo_build("ds_cnn_kws", &o, &n.m, &e) == NPU_OK &&
              mesh_load("akd1000", &n.mesh, &e) == NPU_OK &&
              mesh_calib_default(&n.mesh, &n.calib, &e) == NPU_OK &&
              cmp_map(n.m, &n.mesh, false, CMP_MAP_ALLNPS, &mm, &e) == NPU_OK &&
              cmp_program_build(n.m, &mm, &n.mesh, &n.prog, &e) == NPU_OK;
    cmp_mapped_free(&mm);
    if (!ok) {
        fprintf(stderr, "akisim-bench-rtl: %s\n", e.msg);
    }
    return ok;
}

/* Golden activations of one random frame. */
std::vector<npu_tensor> golden(const Net &n, npu_tensor *in) {
    npu_shape s = npu_model_input_shape(n.m);
    std::mt19937 rng(7);
    in->shape = s;
    in->data = static_cast<int32_t *>(calloc(npu_shape_size(s) + 1, 4));
    for (size_t i = 0; i < npu_shape_size(s); i++) {
        in->data[i] = int32_t(rng() % (1u << npu_model_input_bits(n.m)));
    }
    uint32_t L = npu_model_layer_count(n.m);
    std::vector<npu_tensor> st(L, npu_tensor{});
    npu_err e{};
    for (uint32_t l = 0; l < L; l++) {
        const npu_layer *ly = npu_model_layer(n.m, l);
        const npu_tensor *ins[NPU_MAX_INBOUND];
        uint32_t k = ly->n_inbound ? ly->n_inbound : 1;
        for (uint32_t j = 0; j < k; j++) {
            ins[j] = ly->n_inbound ? &st[ly->inbound[j]] : in;
        }
        npu_model_forward_layer(n.m, l, ins, k, &st[l], &e);
    }
    return st;
}

/* Part 1: RTL cycles per second of every CNP slice. */
void bench_cnp(const Net &n) {
    npu_tensor in{};
    std::vector<npu_tensor> acts = golden(n, &in);
    npu_cost_params p = cosim::rtl_params();
    double t_rtl = 0, t_chk = 0;
    uint64_t cyc = 0, slices = 0, events = 0, cyc_chk = 0;
    for (uint32_t pass = 0; pass < cmp_program_pass_count(n.prog); pass++) {
        const cmp_prog_pass *pp = cmp_program_pass(n.prog, pass);
        std::vector<uint32_t> seen;
        for (uint32_t k = 0; k < pp->n_tracks; k++) {
            const cmp_prog_track *t = cmp_program_track(n.prog, pass, k);
            uint32_t key = uint32_t(t->ident.col) << 16 | uint32_t(t->ident.row) << 8 | t->ident.id;
            if (t->type == MESH_NP_HRC || t->type == MESH_NP_FNP2 || t->type == MESH_NP_FNP3 ||
                std::find(seen.begin(), seen.end(), key) != seen.end()) {
                continue;
            }
            seen.push_back(key);
            cosim::NpCase c;
            c.kind = NPU_NP_CNP;
            c.ident = t->ident;
            c.writes = cosim::program_writes(n.prog, pass, t->ident);
            cosim::CModelChecker dec(NPU_NP_CNP, p, false, 0, t->ident);
            if (!dec.configured(c.writes, true)) {
                continue;
            }
            const npu_np_config *cfg = dec.config();
            c.layer = cfg->layer_index;
            const npu_layer *ly = npu_model_layer(n.m, c.layer);
            const npu_tensor *src = ly->n_inbound ? &acts[ly->inbound[0]] : &in;
            std::vector<npu_event> ev;
            for (const auto &e : cosim::tensor_events(src->shape, src->data, false)) {
                if (e.x >= cfg->need_col_first && e.x < cfg->need_col_first + cfg->need_col_count) {
                    ev.push_back(e);
                }
            }
            c.frames = {ev};
            /* RTL alone */
            cosim::RtlNpT<Vcnp> rtl(c.stim);
            for (const auto &w : c.writes) {
                rtl.write(w.sram, w.region, w.offset, w.words.data(), w.words.size());
            }
            if (!rtl.configure()) {
                continue;
            }
            uint64_t c0 = rtl.cycles();
            double t0 = now();
            std::vector<npu_event> out;
            rtl.begin_frame();
            for (const auto &e : ev) {
                rtl.push(e);
            }
            rtl.end_frame(&out);
            t_rtl += now() - t0;
            cyc += rtl.cycles() - c0;
            events += ev.size();
            slices++;
            /* with the checker (configuration included) */
            t0 = now();
            cosim::NpResult r = cosim::check_np(cosim::default_factory(), c, p, "", "bench");
            t_chk += now() - t0;
            cyc_chk += r.stats.rtl_cycles;
        }
    }
    printf("Verilated cnp (ds_cnn_kws v1 on akd1000, %llu CNP slices, %llu input events, one "
           "frame):\n",
           (unsigned long long)slices, (unsigned long long)events);
    printf("  RTL alone:        %12llu clock cycles in %8.3f s = %8.3f M cycles/s\n",
           (unsigned long long)cyc, t_rtl, t_rtl > 0 ? double(cyc) / t_rtl / 1e6 : 0.0);
    printf("  lockstep + check: %12llu busy cycles in %8.3f s (configuration included)\n",
           (unsigned long long)cyc_chk, t_chk);
    for (auto &t : acts) {
        npu_tensor_free(&t);
    }
    npu_tensor_free(&in);
}

/* One forward of `frames` random frames; returns wall seconds. */
double forward(const Net &n, const char *rtl, uint32_t frames, std::vector<int32_t> *out,
               uint64_t *clk, uint64_t *rtl_cycles, bool *ok) {
    npu_err e{};
    sim_device *d = nullptr;
    cosim_mixed *mx = nullptr;
    *ok = sim_device_new(&n.mesh, &n.calib, &d, &e) == NPU_OK;
    if (*ok && rtl) {
        *ok = cosim_mixed_new(rtl, &mx, &e) == NPU_OK;
        cosim_mixed_attach(mx, d);
    }
    *ok = *ok && sim_device_program(d, n.prog, n.m, &e) == NPU_OK;
    npu_shape s = npu_model_input_shape(n.m);
    std::mt19937 rng(9);
    std::vector<std::vector<int32_t>> data(frames, std::vector<int32_t>(npu_shape_size(s)));
    std::vector<npu_tensor> in(frames), res(frames);
    for (uint32_t i = 0; i < frames; i++) {
        for (auto &v : data[i]) {
            v = int32_t(rng() % (1u << npu_model_input_bits(n.m)));
        }
        in[i] = {s, data[i].data()};
    }
    double t0 = now();
    *ok = *ok && sim_device_forward(d, in.data(), frames, res.data(), &e) == NPU_OK;
    double t = now() - t0;
    if (!*ok) {
        fprintf(stderr, "akisim-bench-rtl: %s\n", e.msg);
    }
    out->clear();
    for (uint32_t i = 0; *ok && i < frames; i++) {
        out->insert(out->end(), res[i].data, res[i].data + npu_shape_size(res[i].shape));
        npu_tensor_free(&res[i]);
    }
    *clk = *ok ? sim_device_metrics(d).inference_clk : 0;
    *rtl_cycles = mx ? cosim_mixed_rtl_cycles(mx) : 0;
    sim_device_free(d);
    cosim_mixed_free(mx);
    return t;
}

} // namespace

int main(int argc, char **argv) {
    int runs = 3;
    uint32_t frames = 4;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--runs") == 0) {
            runs = std::max(1, atoi(argv[i + 1]));
        } else if (strcmp(argv[i], "--frames") == 0) {
            frames = uint32_t(std::max(1, atoi(argv[i + 1])));
        }
    }
    Net n;
    if (!build(n)) {
        return 1;
    }
    bench_cnp(n);
    std::vector<double> tc, tr;
    std::vector<int32_t> oc, orr;
    uint64_t clk_c = 0, clk_r = 0, rc = 0, rcyc = 0;
    bool ok = true, ok2 = true;
    for (int r = 0; r < runs && ok && ok2; r++) {
        tc.push_back(forward(n, nullptr, frames, &oc, &clk_c, &rc, &ok));
        tr.push_back(forward(n, "all-cnp", frames, &orr, &clk_r, &rcyc, &ok2));
    }
    if (!ok || !ok2) {
        return 1;
    }
    double mc = median(tc), mr = median(tr);
    printf("mixed-level (ds_cnn_kws v1 on akd1000, %u frames, median of %d):\n", frames, runs);
    printf("  pure C:        %10.4f s  (%8.3f ms/frame)\n", mc, mc / frames * 1e3);
    printf("  --rtl all-cnp: %10.4f s  (%8.3f ms/frame), %llu RTL cycles = %.3f M cycles/s\n", mr,
           mr / frames * 1e3, (unsigned long long)rcyc, mr > 0 ? double(rcyc) / mr / 1e6 : 0);
    printf("  slowdown:      %10.1f x\n", mc > 0 ? mr / mc : 0.0);
    bool same = oc == orr && clk_c == clk_r;
    printf("  outputs and inference_clk identical: %s (inference_clk %llu)\n", same ? "yes" : "NO",
           (unsigned long long)clk_c);
    return same ? 0 : 1;
}
