/*
 * cmp_npz: NumPy .npz archives (zip files of .npy members) through libzip (see cmp_array.h).
 *
 * Reading accepts stored and deflated members; every member must be "<key>.npy" and is
 * parsed by the strict .npy reader. Member sizes are bounded before allocating and each
 * member is read to its end so libzip verifies its CRC (a truncated or corrupted archive is
 * an error, never a partial result). Writing builds the archive in memory (deflated members,
 * fixed timestamps so equal inputs give equal bytes) and writes it atomically.
 */
#include "cmp/cmp_array.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "cmp_fileio.h"

/* Largest member accepted: a maximal array plus a generous header. */
#define NPZ_MEMBER_MAX (((uint64_t)1 << 20) + CMP_MAX_ELEMS * 8)
/* Most members accepted in one archive. */
#define NPZ_MAX_MEMBERS 100000
/* 1980-01-01, the earliest zip timestamp: makes archives reproducible. */
#define NPZ_MTIME 315532800

const cmp_array *cmp_npz_get(const cmp_npz *z, const char *key) {
    for (size_t i = 0; i < z->n; i++)
        if (strcmp(z->keys[i], key) == 0)
            return &z->arrays[i];
    return NULL;
}

void cmp_npz_free(cmp_npz *z) {
    if (!z)
        return;
    for (size_t i = 0; i < z->n; i++) {
        free(z->keys[i]);
        cmp_array_free(&z->arrays[i]);
    }
    free(z->keys);
    free(z->arrays);
    memset(z, 0, sizeof *z);
}

/* Appends key and a (taking ownership of a's data on success). */
static npu_status npz_push(cmp_npz *z, const char *key, cmp_array *a, npu_err *err) {
    char **keys = realloc(z->keys, (z->n + 1) * sizeof *keys);
    if (!keys)
        return npu_err_set(err, NPU_ERR_INTERNAL, "npz: out of memory");
    z->keys = keys;
    cmp_array *arrays = realloc(z->arrays, (z->n + 1) * sizeof *arrays);
    if (!arrays)
        return npu_err_set(err, NPU_ERR_INTERNAL, "npz: out of memory");
    z->arrays = arrays;
    const size_t kl = strlen(key);
    char *k = malloc(kl + 1);
    if (!k)
        return npu_err_set(err, NPU_ERR_INTERNAL, "npz: out of memory");
    memcpy(k, key, kl + 1);
    z->keys[z->n] = k;
    z->arrays[z->n] = *a;
    z->n++;
    memset(a, 0, sizeof *a);
    return NPU_OK;
}

npu_status cmp_npz_add(cmp_npz *z, const char *key, const cmp_array *a, npu_err *err) {
    cmp_array copy;
    npu_status st = cmp_array_alloc(&copy, a->dtype, a->ndim, a->shape, err);
    if (st)
        return st;
    const size_t bytes = a->count * cmp_dtype_size(a->dtype);
    if (bytes)
        memcpy(copy.data, a->data, bytes);
    st = npz_push(z, key, &copy, err);
    cmp_array_free(&copy);
    return st;
}

/* Reads member idx fully (checking its CRC) into a malloc'd buffer. */
static npu_status npz_read_member(zip_t *za, zip_uint64_t idx, const char *path, const char *name,
                                  uint64_t size, uint8_t **out, npu_err *err) {
    *out = NULL;
    zip_file_t *f = zip_fopen_index(za, idx, 0);
    if (!f)
        return npu_err_set(err, NPU_ERR_INPUT, "%s: member '%s': %s", path, name, zip_strerror(za));
    uint8_t *buf = malloc(size ? (size_t)size : 1);
    if (!buf) {
        zip_fclose(f);
        return npu_err_set(err, NPU_ERR_INTERNAL, "%s: out of memory", path);
    }
    uint64_t got = 0;
    uint8_t extra;
    zip_int64_t r = 1;
    while (got < size && (r = zip_fread(f, buf + got, size - got)) > 0)
        got += (uint64_t)r;
    if (r >= 0 && got == size)
        r = zip_fread(f, &extra, 1); /* must be 0: end of data, CRC verified */
    if (r != 0 || got != size) {
        npu_err_set(err, NPU_ERR_INPUT, "%s: member '%s' is corrupted or truncated: %s", path, name,
                    r < 0 ? zip_file_strerror(f) : "size mismatch");
        zip_fclose(f);
        free(buf);
        return NPU_ERR_INPUT;
    }
    zip_fclose(f);
    *out = buf;
    return NPU_OK;
}

/* Reads and parses member idx into z. */
static npu_status npz_load_member(zip_t *za, zip_uint64_t idx, const char *path, cmp_npz *z,
                                  npu_err *err) {
    zip_stat_t sb;
    zip_stat_init(&sb);
    if (zip_stat_index(za, idx, 0, &sb) != 0 || !(sb.valid & ZIP_STAT_NAME) ||
        !(sb.valid & ZIP_STAT_SIZE))
        return npu_err_set(err, NPU_ERR_INPUT, "%s: cannot read member %llu: %s", path,
                           (unsigned long long)idx, zip_strerror(za));
    const char *name = sb.name;
    const size_t nl = strlen(name);
    if (nl <= 4 || strcmp(name + nl - 4, ".npy") != 0)
        return npu_err_set(err, NPU_ERR_INPUT, "%s: member '%s' is not a .npy array", path, name);
    if (sb.size > NPZ_MEMBER_MAX)
        return npu_err_set(err, NPU_ERR_INPUT, "%s: member '%s' is absurdly large (%llu bytes)",
                           path, name, (unsigned long long)sb.size);
    char key[1024];
    if (nl - 4 >= sizeof key)
        return npu_err_set(err, NPU_ERR_INPUT, "%s: member name too long", path);
    memcpy(key, name, nl - 4);
    key[nl - 4] = '\0';
    if (cmp_npz_get(z, key))
        return npu_err_set(err, NPU_ERR_INPUT, "%s: key '%s' appears twice", path, key);
    uint8_t *buf;
    npu_status st = npz_read_member(za, idx, path, name, sb.size, &buf, err);
    if (st)
        return st;
    char what[1200];
    snprintf(what, sizeof what, "%s:%s", path, key);
    cmp_array a;
    st = cmp_npy_parse(buf, (size_t)sb.size, what, &a, err);
    free(buf);
    if (st)
        return st;
    st = npz_push(z, key, &a, err);
    cmp_array_free(&a);
    return st;
}

npu_status cmp_npz_read(const char *path, cmp_npz *out, npu_err *err) {
    memset(out, 0, sizeof *out);
    int zerr = 0;
    zip_t *za = zip_open(path, ZIP_RDONLY | ZIP_CHECKCONS, &zerr);
    if (!za) {
        zip_error_t ze;
        zip_error_init_with_code(&ze, zerr);
        npu_err_set(err, NPU_ERR_INPUT, "%s: cannot read .npz archive: %s", path,
                    zip_error_strerror(&ze));
        zip_error_fini(&ze);
        return NPU_ERR_INPUT;
    }
    const zip_int64_t n = zip_get_num_entries(za, 0);
    npu_status st = NPU_OK;
    if (n < 0 || n > NPZ_MAX_MEMBERS)
        st = npu_err_set(err, NPU_ERR_INPUT, "%s: bad number of .npz members (%lld)", path,
                         (long long)n);
    for (zip_int64_t i = 0; st == NPU_OK && i < n; i++)
        st = npz_load_member(za, (zip_uint64_t)i, path, out, err);
    zip_discard(za);
    if (st)
        cmp_npz_free(out);
    return st;
}

/* Adds one array as a deflated member "<key>.npy". */
static npu_status npz_add_member(zip_t *za, const char *key, const cmp_array *a, const char *path,
                                 npu_err *err) {
    uint8_t *buf;
    size_t len;
    npu_status st = cmp_npy_encode(a, &buf, &len, err);
    if (st)
        return npu_err_prefix(err, "%s: key '%s'", path, key);
    char name[1100];
    if (!key[0] || strlen(key) > 1000) {
        free(buf);
        return npu_err_set(err, NPU_ERR_INPUT, "%s: bad .npz key '%.40s'", path, key);
    }
    snprintf(name, sizeof name, "%s.npy", key);
    zip_source_t *src = zip_source_buffer(za, buf, len, 1);
    if (!src) {
        free(buf);
        return npu_err_set(err, NPU_ERR_INTERNAL, "%s: %s", path, zip_strerror(za));
    }
    const zip_int64_t idx = zip_file_add(za, name, src, ZIP_FL_ENC_UTF_8);
    if (idx < 0) {
        zip_source_free(src);
        return npu_err_set(err, NPU_ERR_INPUT, "%s: cannot add '%s': %s", path, name,
                           zip_strerror(za));
    }
    if (zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_DEFLATE, 0) != 0 ||
        zip_file_set_mtime(za, (zip_uint64_t)idx, NPZ_MTIME, 0) != 0)
        return npu_err_set(err, NPU_ERR_INTERNAL, "%s: %s", path, zip_strerror(za));
    return NPU_OK;
}

/* Copies the whole content of a (closed) zip source into a malloc'd buffer. */
static npu_status npz_source_bytes(zip_source_t *src, uint8_t **buf, size_t *len, const char *path,
                                   npu_err *err) {
    *buf = NULL;
    *len = 0;
    if (zip_source_open(src) != 0)
        return npu_err_set(err, NPU_ERR_INTERNAL, "%s: cannot read built archive", path);
    npu_status st = NPU_OK;
    zip_int64_t size = -1;
    if (zip_source_seek(src, 0, SEEK_END) == 0)
        size = zip_source_tell(src);
    if (size < 0 || zip_source_seek(src, 0, SEEK_SET) != 0) {
        st = npu_err_set(err, NPU_ERR_INTERNAL, "%s: cannot size built archive", path);
    } else {
        uint8_t *b = malloc(size ? (size_t)size : 1);
        if (!b)
            st = npu_err_set(err, NPU_ERR_INTERNAL, "%s: out of memory", path);
        else if (zip_source_read(src, b, (zip_uint64_t)size) != size) {
            free(b);
            st = npu_err_set(err, NPU_ERR_INTERNAL, "%s: cannot read built archive", path);
        } else {
            *buf = b;
            *len = (size_t)size;
        }
    }
    zip_source_close(src);
    return st;
}

npu_status cmp_npz_write(const char *path, const cmp_npz *z, npu_err *err) {
    if (z->n == 0) {
        /* libzip drops empty archives; numpy writes just the end-of-central-directory record. */
        static const uint8_t empty_zip[22] = {'P', 'K', 5, 6};
        return cmp_file_write_atomic(path, empty_zip, sizeof empty_zip, err);
    }
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &ze);
    zip_t *za = src ? zip_open_from_source(src, ZIP_TRUNCATE, &ze) : NULL;
    if (!za) {
        if (src)
            zip_source_free(src);
        npu_err_set(err, NPU_ERR_INTERNAL, "%s: cannot create archive: %s", path,
                    zip_error_strerror(&ze));
        zip_error_fini(&ze);
        return NPU_ERR_INTERNAL;
    }
    zip_error_fini(&ze);
    zip_source_keep(src);
    npu_status st = NPU_OK;
    for (size_t i = 0; st == NPU_OK && i < z->n; i++) {
        for (size_t j = 0; st == NPU_OK && j < i; j++)
            if (strcmp(z->keys[i], z->keys[j]) == 0)
                st =
                    npu_err_set(err, NPU_ERR_INPUT, "%s: key '%s' appears twice", path, z->keys[i]);
        if (st == NPU_OK)
            st = npz_add_member(za, z->keys[i], &z->arrays[i], path, err);
    }
    if (st) {
        zip_discard(za);
        zip_source_free(src);
        return st;
    }
    if (zip_close(za) != 0) {
        npu_err_set(err, NPU_ERR_INTERNAL, "%s: cannot build archive: %s", path, zip_strerror(za));
        zip_discard(za);
        zip_source_free(src);
        return NPU_ERR_INTERNAL;
    }
    uint8_t *buf;
    size_t len;
    st = npz_source_bytes(src, &buf, &len, path, err);
    zip_source_free(src);
    if (st)
        return st;
    st = cmp_file_write_atomic(path, buf, len, err);
    free(buf);
    return st;
}
