/*
 * cmp_zoo_arch: the layer lists of the zoo models (akida-facts.md §5, seed 000).
 *
 * AkidaNet(alpha, size): conv_0 (input, 3x3 s2, 32a), conv_1 64a, conv_2 128a s2, conv_3 128a,
 * sep_4 256a s2, sep_5 256a, sep_6 512a s2, sep_7..sep_11 512a, sep_12 1024a s2, sep_13 1024a
 * with global average pooling, classifier. MobileNetV1: conv_0 then separable_1..13 with the
 * paper's (filters, stride) list. DS-CNN KWS: 49x10x1, conv_0 5x5 s2 64, separable_1..4 64,
 * dense. The CIFAR-10, UTKFace and MNIST models are small VGG / DS-CNN stacks (documented in
 * docs/mapping.md, "zoo"); max pooling is always followed by a convolution (v1 constraint).
 */
#define _POSIX_C_SOURCE 200809L /* strcasecmp */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cmp_zoo_arch.h"

/* Appends one layer. */
static void zadd(cmp_zoo_arch *a, const char *name, cmp_zoo_kind kind, uint32_t k, uint32_t filters,
                 uint32_t stride, npu_pool_type pool, bool act) {
    cmp_zoo_layer *l = &a->l[a->n++];
    snprintf(l->name, sizeof l->name, "%s", name);
    l->kind = kind;
    l->k = k;
    l->filters = filters ? filters : 1u;
    l->stride = stride;
    l->pool = pool;
    l->activation = act;
}

static uint32_t zscale(double alpha, uint32_t n) {
    uint32_t v = (uint32_t)(n * alpha);
    return v ? v : 1u;
}

static void zoo_akidanet(const cmp_zoo_opts *o, cmp_zoo_arch *a, uint32_t size, uint32_t classes) {
    double al = o->alpha;
    a->input = (npu_shape){size, size, 3};
    zadd(a, "conv_0", CMP_ZL_INPUT_CONV, 3, zscale(al, 32), 2, NPU_POOL_NONE, true);
    zadd(a, "conv_1", CMP_ZL_CONV, 3, zscale(al, 64), 1, NPU_POOL_NONE, true);
    zadd(a, "conv_2", CMP_ZL_CONV, 3, zscale(al, 128), 2, NPU_POOL_NONE, true);
    zadd(a, "conv_3", CMP_ZL_CONV, 3, zscale(al, 128), 1, NPU_POOL_NONE, true);
    static const uint32_t f[10] = {256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024};
    static const uint32_t s[10] = {2, 1, 2, 1, 1, 1, 1, 1, 2, 1};
    for (uint32_t i = 0; i < 10; i++) {
        char name[32];
        snprintf(name, sizeof name, "sep_%u", i + 4);
        zadd(a, name, CMP_ZL_SEP, 3, zscale(al, f[i]), s[i], i == 9 ? NPU_POOL_AVG : NPU_POOL_NONE,
             true);
    }
    zadd(a, "classifier", CMP_ZL_DENSE, 1, classes, 1, NPU_POOL_NONE, false);
}

static void zoo_mobilenet(const cmp_zoo_opts *o, cmp_zoo_arch *a, uint32_t size, uint32_t classes) {
    double al = o->alpha;
    a->input = (npu_shape){size, size, 3};
    zadd(a, "conv_0", CMP_ZL_INPUT_CONV, 3, zscale(al, 32), 2, NPU_POOL_NONE, true);
    static const uint32_t f[13] = {64,  128, 128, 256, 256,  512, 512,
                                   512, 512, 512, 512, 1024, 1024};
    static const uint32_t s[13] = {1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1};
    for (uint32_t i = 0; i < 13; i++) {
        char name[32];
        snprintf(name, sizeof name, "separable_%u", i + 1);
        zadd(a, name, CMP_ZL_SEP, 3, zscale(al, f[i]), s[i], i == 12 ? NPU_POOL_AVG : NPU_POOL_NONE,
             true);
    }
    zadd(a, "classifier", CMP_ZL_DENSE, 1, classes, 1, NPU_POOL_NONE, false);
}

static void zoo_kws(cmp_zoo_arch *a, uint32_t size, uint32_t classes) {
    a->input = (npu_shape){size, 10, 1};
    zadd(a, "conv_0", CMP_ZL_INPUT_CONV, 5, 64, 2, NPU_POOL_NONE, true);
    for (uint32_t i = 1; i <= 4; i++) {
        char name[32];
        snprintf(name, sizeof name, "separable_%u", i);
        zadd(a, name, CMP_ZL_SEP, 3, 64, 1, i == 4 ? NPU_POOL_AVG : NPU_POOL_NONE, true);
    }
    zadd(a, "dense", CMP_ZL_DENSE, 1, classes, 1, NPU_POOL_NONE, false);
}

static void zoo_ds_cnn_cifar10(cmp_zoo_arch *a, uint32_t size, uint32_t classes) {
    a->input = (npu_shape){size, size, 3};
    zadd(a, "conv_0", CMP_ZL_INPUT_CONV, 3, 128, 1, NPU_POOL_NONE, true);
    static const uint32_t f[9] = {128, 256, 256, 512, 512, 512, 512, 1024, 1024};
    static const npu_pool_type p[9] = {NPU_POOL_NONE, NPU_POOL_MAX,  NPU_POOL_NONE,
                                       NPU_POOL_MAX,  NPU_POOL_NONE, NPU_POOL_NONE,
                                       NPU_POOL_MAX,  NPU_POOL_NONE, NPU_POOL_NONE};
    for (uint32_t i = 0; i < 9; i++) {
        char name[32];
        snprintf(name, sizeof name, "separable_%u", i + 1);
        zadd(a, name, CMP_ZL_SEP, 3, f[i], 1, p[i], true);
    }
    zadd(a, "separable_10", CMP_ZL_SEP, 3, classes, 1, NPU_POOL_AVG, false);
}

static void zoo_vgg_cifar10(cmp_zoo_arch *a, uint32_t size, uint32_t classes) {
    a->input = (npu_shape){size, size, 3};
    zadd(a, "conv_0", CMP_ZL_INPUT_CONV, 3, 128, 1, NPU_POOL_NONE, true);
    static const uint32_t f[8] = {128, 128, 256, 256, 256, 512, 512, 512};
    static const npu_pool_type p[8] = {NPU_POOL_NONE, NPU_POOL_MAX,  NPU_POOL_NONE, NPU_POOL_NONE,
                                       NPU_POOL_MAX,  NPU_POOL_NONE, NPU_POOL_NONE, NPU_POOL_AVG};
    for (uint32_t i = 0; i < 8; i++) {
        char name[32];
        snprintf(name, sizeof name, "conv_%u", i + 1);
        zadd(a, name, CMP_ZL_CONV, 3, f[i], 1, p[i], true);
    }
    zadd(a, "dense_1", CMP_ZL_DENSE, 1, 1024, 1, NPU_POOL_NONE, true);
    zadd(a, "dense_2", CMP_ZL_DENSE, 1, classes, 1, NPU_POOL_NONE, false);
}

static void zoo_vgg_utk_face(cmp_zoo_arch *a, uint32_t size) {
    a->input = (npu_shape){size, size, 3};
    a->def_weight_bits = 2;
    a->def_act_bits = 2;
    zadd(a, "conv_0", CMP_ZL_INPUT_CONV, 3, 32, 1, NPU_POOL_NONE, true);
    zadd(a, "conv_1", CMP_ZL_CONV, 3, 32, 1, NPU_POOL_MAX, true);
    zadd(a, "conv_2", CMP_ZL_CONV, 3, 64, 1, NPU_POOL_NONE, true);
    zadd(a, "conv_3", CMP_ZL_CONV, 3, 64, 1, NPU_POOL_MAX, true);
    zadd(a, "conv_4", CMP_ZL_CONV, 3, 84, 1, NPU_POOL_AVG, true);
    zadd(a, "dense_5", CMP_ZL_DENSE, 1, 64, 1, NPU_POOL_NONE, true);
    zadd(a, "dense_6", CMP_ZL_DENSE, 1, 1, 1, NPU_POOL_NONE, false);
}

static void zoo_gxnor_mnist(cmp_zoo_arch *a, uint32_t size, uint32_t classes) {
    a->input = (npu_shape){size, size, 1};
    a->def_weight_bits = 2;
    a->def_act_bits = 1;
    zadd(a, "conv_0", CMP_ZL_INPUT_CONV, 5, 32, 1, NPU_POOL_MAX, true);
    zadd(a, "conv_1", CMP_ZL_CONV, 5, 64, 1, NPU_POOL_MAX, true);
    zadd(a, "conv_2", CMP_ZL_CONV, 3, 64, 1, NPU_POOL_NONE, true);
    zadd(a, "dense_3", CMP_ZL_DENSE, 1, 512, 1, NPU_POOL_NONE, true);
    zadd(a, "dense_4", CMP_ZL_DENSE, 1, classes, 1, NPU_POOL_NONE, false);
}

npu_status cmp_zoo_arch_of(const char *name, const cmp_zoo_opts *o, cmp_zoo_arch *a, npu_err *err) {
    memset(a, 0, sizeof *a);
    a->def_weight_bits = 4;
    a->def_act_bits = 4;
    if (!(o->alpha > 0.0 && o->alpha <= 4.0))
        return npu_err_set(err, NPU_ERR_INPUT, "zoo: alpha %g outside (0, 4]", o->alpha);
    if (o->input_size != 0 && (o->input_size < 8 || o->input_size > 1024))
        return npu_err_set(err, NPU_ERR_INPUT, "zoo: input size %u outside [8, 1024]",
                           o->input_size);
    if (o->classes > 65536)
        return npu_err_set(err, NPU_ERR_INPUT, "zoo: classes %u above 65536", o->classes);
    uint32_t sz = o->input_size;
    uint32_t cl = o->classes;
    if (name && strcasecmp(name, "akidanet") == 0)
        zoo_akidanet(o, a, sz ? sz : 224, cl ? cl : 1000);
    else if (name && strcasecmp(name, "mobilenet") == 0)
        zoo_mobilenet(o, a, sz ? sz : 224, cl ? cl : 1000);
    else if (name && strcasecmp(name, "ds_cnn_kws") == 0)
        zoo_kws(a, sz ? sz : 49, cl ? cl : 33);
    else if (name && strcasecmp(name, "ds_cnn_cifar10") == 0)
        zoo_ds_cnn_cifar10(a, sz ? sz : 32, cl ? cl : 10);
    else if (name && strcasecmp(name, "vgg_cifar10") == 0)
        zoo_vgg_cifar10(a, sz ? sz : 32, cl ? cl : 10);
    else if (name && strcasecmp(name, "vgg_utk_face") == 0)
        zoo_vgg_utk_face(a, sz ? sz : 32);
    else if (name && strcasecmp(name, "gxnor_mnist") == 0)
        zoo_gxnor_mnist(a, sz ? sz : 28, cl ? cl : 10);
    else
        return npu_err_set(err, NPU_ERR_INPUT,
                           "zoo: unknown model '%s' (akidanet, mobilenet, ds_cnn_kws, "
                           "ds_cnn_cifar10, vgg_cifar10, vgg_utk_face, gxnor_mnist)",
                           name ? name : "");
    return NPU_OK;
}

const char *const *cmp_zoo_names(size_t *n) {
    static const char *const names[] = {"akidanet",       "mobilenet",   "ds_cnn_kws",
                                        "ds_cnn_cifar10", "vgg_cifar10", "vgg_utk_face",
                                        "gxnor_mnist"};
    *n = sizeof names / sizeof names[0];
    return names;
}
