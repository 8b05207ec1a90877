/*
 * bench_onednn: the reference point of akisim-bench — the same convolution through oneDNN's
 * int8 convolution (u8 source x s8 weights -> s32 destination, inference), pinned to ONE
 * thread (Debian's libdnnl uses the OpenMP runtime: omp_set_num_threads(1)).
 *
 * Layout mapping: our (x, y, c) tensors are NHWC with H = x, W = y; our (kx, ky, c, f)
 * weights are HWIO. The primitive chooses its own memory formats (format_tag_any); inputs
 * are reordered into them once, OUTSIDE the timed region, so only the convolution itself is
 * timed (a favourable setting for oneDNN).
 */
#include <omp.h>
#include <stdio.h>
#include <string.h>

#include <oneapi/dnnl/dnnl.h>

#include "bench.h"

#define DNNL_TRY(call)                                                                             \
    do {                                                                                           \
        dnnl_status_t s_ = (call);                                                                 \
        if (s_ != dnnl_success) {                                                                  \
            fprintf(stderr, "oneDNN: %s failed (status %d)\n", #call, (int)s_);                    \
            goto done;                                                                             \
        }                                                                                          \
    } while (0)

bool bench_onednn_available(void) {
    return true;
}

/* Executes a reorder from `from` to `to` and waits for it. */
static dnnl_status_t reorder(dnnl_engine_t eng, dnnl_stream_t st, dnnl_memory_t from,
                             dnnl_memory_t to) {
    const dnnl_memory_desc_t *from_md, *to_md;
    dnnl_memory_get_memory_desc(from, &from_md);
    dnnl_memory_get_memory_desc(to, &to_md);
    dnnl_primitive_desc_t pd = NULL;
    dnnl_primitive_t prim = NULL;
    dnnl_status_t s = dnnl_reorder_primitive_desc_create(&pd, from_md, eng, to_md, eng, NULL);
    if (s == dnnl_success) {
        s = dnnl_primitive_create(&prim, pd);
    }
    if (s == dnnl_success) {
        dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}};
        s = dnnl_primitive_execute(prim, st, 2, args);
    }
    if (s == dnnl_success) {
        s = dnnl_stream_wait(st);
    }
    dnnl_primitive_destroy(prim);
    dnnl_primitive_desc_destroy(pd);
    return s;
}

bool bench_onednn_conv(const bench_case *bc, const uint8_t *in, const int8_t *w, int runs,
                       double *median_s, int32_t *out) {
    omp_set_num_threads(1);
    bool ok = false;
    dnnl_engine_t eng = NULL;
    dnnl_stream_t st = NULL;
    dnnl_primitive_desc_t pd = NULL;
    dnnl_primitive_t conv = NULL;
    dnnl_memory_t user_src = NULL, user_w = NULL, user_dst = NULL;
    dnnl_memory_t src = NULL, wei = NULL, dst = NULL;
    double times[64];
    if (runs > 64) {
        runs = 64;
    }
    const dnnl_dims_t src_dims = {1, bc->in_c, bc->in_x, bc->in_y};
    const dnnl_dims_t w_dims = {bc->filters, bc->in_c, bc->k, bc->k};
    const dnnl_dims_t dst_dims = {1, bc->filters, bc->out_x, bc->out_y};
    const dnnl_dims_t strides = {bc->stride, bc->stride};
    const dnnl_dims_t pad_l = {bc->pad_x, bc->pad_y};
    const dnnl_dims_t pad_r = {
        (bc->out_x - 1) * bc->stride + bc->k - bc->in_x - bc->pad_x,
        (bc->out_y - 1) * bc->stride + bc->k - bc->in_y - bc->pad_y,
    };
    dnnl_memory_desc_t user_src_md, user_w_md, user_dst_md, any_src, any_w, any_dst;
    DNNL_TRY(dnnl_engine_create(&eng, dnnl_cpu, 0));
    DNNL_TRY(dnnl_stream_create(&st, eng, dnnl_stream_default_flags));
    DNNL_TRY(dnnl_memory_desc_init_by_tag(&user_src_md, 4, src_dims, dnnl_u8, dnnl_nhwc));
    DNNL_TRY(dnnl_memory_desc_init_by_tag(&user_w_md, 4, w_dims, dnnl_s8, dnnl_hwio));
    DNNL_TRY(dnnl_memory_desc_init_by_tag(&user_dst_md, 4, dst_dims, dnnl_s32, dnnl_nhwc));
    DNNL_TRY(dnnl_memory_desc_init_by_tag(&any_src, 4, src_dims, dnnl_u8, dnnl_format_tag_any));
    DNNL_TRY(dnnl_memory_desc_init_by_tag(&any_w, 4, w_dims, dnnl_s8, dnnl_format_tag_any));
    DNNL_TRY(dnnl_memory_desc_init_by_tag(&any_dst, 4, dst_dims, dnnl_s32, dnnl_format_tag_any));
    dnnl_convolution_desc_t cd;
    DNNL_TRY(dnnl_convolution_forward_desc_init(&cd, dnnl_forward_inference,
                                                dnnl_convolution_direct, &any_src, &any_w, NULL,
                                                &any_dst, strides, pad_l, pad_r));
    DNNL_TRY(dnnl_primitive_desc_create(&pd, &cd, NULL, eng, NULL));
    const char *impl = NULL;
    DNNL_TRY(dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl));
    printf("  oneDNN implementation: %s\n", impl);
    DNNL_TRY(dnnl_primitive_create(&conv, pd));
    DNNL_TRY(dnnl_memory_create(&user_src, &user_src_md, eng, (void *)in));
    DNNL_TRY(dnnl_memory_create(&user_w, &user_w_md, eng, (void *)w));
    DNNL_TRY(dnnl_memory_create(&user_dst, &user_dst_md, eng, out));
    DNNL_TRY(dnnl_memory_create(&src, dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0), eng,
                                DNNL_MEMORY_ALLOCATE));
    DNNL_TRY(dnnl_memory_create(&wei, dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0),
                                eng, DNNL_MEMORY_ALLOCATE));
    DNNL_TRY(dnnl_memory_create(&dst, dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0), eng,
                                DNNL_MEMORY_ALLOCATE));
    DNNL_TRY(reorder(eng, st, user_src, src));
    DNNL_TRY(reorder(eng, st, user_w, wei));
    dnnl_exec_arg_t args[3] = {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, wei}, {DNNL_ARG_DST, dst}};
    for (int r = -1; r < runs; r++) { /* run -1 warms up */
        const double t0 = bench_now();
        DNNL_TRY(dnnl_primitive_execute(conv, st, 3, args));
        DNNL_TRY(dnnl_stream_wait(st));
        if (r >= 0) {
            times[r] = bench_now() - t0;
        }
    }
    DNNL_TRY(reorder(eng, st, dst, user_dst));
    *median_s = bench_median(times, runs);
    ok = true;
done:
    dnnl_memory_destroy(src);
    dnnl_memory_destroy(wei);
    dnnl_memory_destroy(dst);
    dnnl_memory_destroy(user_src);
    dnnl_memory_destroy(user_w);
    dnnl_memory_destroy(user_dst);
    dnnl_primitive_destroy(conv);
    dnnl_primitive_desc_destroy(pd);
    dnnl_stream_destroy(st);
    dnnl_engine_destroy(eng);
    return ok;
}
