/*
 * cosim_run: cosim_check_run(), the C entry point of `akisim rtl-check`: the random vectors
 * of each chosen block, then (with zoo) the layers of ds_cnn_kws (Akida 2.0 layers, and
 * 1.0 layers: SeparableConvolutional) and of a reduced AkidaNet (alpha 0.25, 32 x 32, 10
 * classes, both versions) mapped on akd1000 (1.0) or gen:cnp=64,fnp=8,v2 (2.0). It stops at the
 * first mismatch.
 */
#include <cstdio>
#include <cstring>

#include "cosim.hpp"

namespace {

/* The zoo models checked: name, version, alpha, input size (0 = default). */
struct ZooCase {
    const char *name;
    int version;
    double alpha;
    uint32_t input_size;
    uint32_t classes;
};

const ZooCase kZoo[] = {
    {"ds_cnn_kws", 2, 1.0, 0, 0},
    {"ds_cnn_kws", 1, 1.0, 0, 0},
    {"akidanet", 2, 0.25, 32, 10},
    {"akidanet", 1, 0.25, 32, 10},
};

bool any_mismatch(const cosim_report *rep) {
    for (size_t i = 0; i < rep->n; i++) {
        if (rep->row[i].mismatches) {
            return true;
        }
    }
    return false;
}

} // namespace

extern "C" double cosim_row_error_pct(const cosim_row *r) {
    if (r->c_cycles == 0) {
        return 0.0;
    }
    return (double(r->rtl_cycles) - double(r->c_cycles)) / double(r->c_cycles) * 100.0;
}

extern "C" npu_status cosim_check_run(const cosim_check_opts *o, cosim_report *rep, npu_err *err) {
    memset(rep, 0, sizeof *rep);
    if (o->blocks == 0 || o->blocks >= (1u << COSIM_BLOCK_COUNT)) {
        return npu_err_set(err, NPU_ERR_INPUT, "rtl-check: no block chosen");
    }
    std::string vcd = o->vcd_dir ? o->vcd_dir : "";
    cosim::RtlFactory f = cosim::default_factory();
    for (int b = 0; b < COSIM_BLOCK_COUNT && !any_mismatch(rep); b++) {
        if (!(o->blocks & (1u << b))) {
            continue;
        }
        cosim_row *row = &rep->row[rep->n++];
        if (b == COSIM_ROUTER) {
            cosim::check_router(o->vectors, o->seed, row);
        } else {
            cosim::check_random(f, cosim_block(b), o->vectors, o->seed, vcd, row);
        }
    }
    if (!o->zoo) {
        return NPU_OK;
    }
    for (const auto &z : kZoo) {
        if (any_mismatch(rep)) {
            break;
        }
        std::vector<cosim_row> rows;
        npu_status st =
            cosim::check_zoo(f, z.name, z.version, z.alpha, z.input_size, z.classes,
                             o->zoo_frames ? o->zoo_frames : 1, o->seed, vcd, &rows, err);
        if (st != NPU_OK) {
            return st;
        }
        for (const auto &r : rows) {
            /* only the blocks asked for */
            int b = std::string(r.block) == "cnp"   ? COSIM_CNP
                    : std::string(r.block) == "fnp" ? COSIM_FNP
                                                    : COSIM_HRC;
            if ((o->blocks & (1u << b)) && rep->n < COSIM_MAX_ROWS) {
                rep->row[rep->n++] = r;
            }
        }
    }
    return NPU_OK;
}
