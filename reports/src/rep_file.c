/*
 * rep_file: whole-file reading and atomic writing for the report generator. Reads go through
 * stdio into one NUL-terminated buffer; writes go through cmp_file_write_atomic (temporary
 * file + rename), so a reader never sees a half-written report file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmp/cmp_file.h"
#include "rep_int.h"

npu_status rep_read_file(const char *path, char **text, size_t *len, npu_err *err) {
    *text = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return npu_err_set(err, NPU_ERR_INPUT, "%s: cannot read: %s", path, strerror(errno));
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n + 1 >= cap) {
            char *p = realloc(buf, cap * 2);
            if (!p) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = p;
            cap *= 2;
        }
        const size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    const bool bad = !buf || ferror(f);
    fclose(f);
    if (!buf)
        return npu_err_set(err, NPU_ERR_INTERNAL, "%s: out of memory", path);
    if (bad) {
        free(buf);
        return npu_err_set(err, NPU_ERR_INPUT, "%s: read error", path);
    }
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return NPU_OK;
}

npu_status rep_write_buf(const char *path, const rep_buf *b, npu_err *err) {
    if (b->oom)
        return npu_err_set(err, NPU_ERR_INTERNAL, "%s: out of memory", path);
    return cmp_file_write_atomic(path, b->p ? b->p : "", b->n, err);
}

char *rep_path(const char *dir, const char *name) {
    const size_t a = strlen(dir), c = strlen(name);
    char *p = malloc(a + c + 2);
    if (!p)
        return NULL;
    memcpy(p, dir, a);
    size_t n = a;
    if (n && p[n - 1] != '/')
        p[n++] = '/';
    memcpy(p + n, name, c + 1);
    return p;
}

bool rep_file_exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}
