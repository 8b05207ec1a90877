/*
 * cmp_fileio: reading a whole file with a size cap, and writing one atomically through a
 * temporary file in the same directory renamed into place (see cmp_fileio.h).
 */
#define _POSIX_C_SOURCE 200809L

#include "cmp_fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

npu_status cmp_file_read(const char *path, uint64_t max_len, uint8_t **buf, size_t *len,
                         npu_err *err) {
    *buf = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return npu_err_set(err, NPU_ERR_INPUT, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return npu_err_set(err, NPU_ERR_INPUT, "%s: not a regular file", path);
    }
    if ((uint64_t)st.st_size > max_len || (uint64_t)st.st_size >= SIZE_MAX) {
        close(fd);
        return npu_err_set(err, NPU_ERR_INPUT, "%s: file too large (%lld bytes, limit %llu)", path,
                           (long long)st.st_size, (unsigned long long)max_len);
    }
    size_t n = (size_t)st.st_size;
    uint8_t *b = malloc(n + 1);
    if (!b) {
        close(fd);
        return npu_err_set(err, NPU_ERR_INTERNAL, "%s: out of memory (%zu bytes)", path, n);
    }
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, b + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            const int e = r < 0 ? errno : 0;
            free(b);
            close(fd);
            return npu_err_set(err, NPU_ERR_INPUT, "%s: read failed: %s", path,
                               e ? strerror(e) : "file shrank while reading");
        }
        got += (size_t)r;
    }
    close(fd);
    b[n] = '\0';
    *buf = b;
    *len = n;
    return NPU_OK;
}

/* Writes all of data to fd; returns 0 or an errno value. */
static int write_all(int fd, const uint8_t *data, size_t len) {
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, data + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return w < 0 ? errno : EIO;
        done += (size_t)w;
    }
    return 0;
}

npu_status cmp_file_write_atomic(const char *path, const void *data, size_t len, npu_err *err) {
    const size_t plen = strlen(path);
    char *tmp = malloc(plen + 16);
    if (!tmp)
        return npu_err_set(err, NPU_ERR_INTERNAL, "%s: out of memory", path);
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp.XXXXXX", 12);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        const int e = errno;
        free(tmp);
        return npu_err_set(err, NPU_ERR_INPUT, "%s: cannot create file: %s", path, strerror(e));
    }
    int e = write_all(fd, data, len);
    if (!e && fchmod(fd, 0644) != 0)
        e = errno;
    if (!e && fsync(fd) != 0 && errno != EINVAL)
        e = errno;
    if (close(fd) != 0 && !e)
        e = errno;
    if (!e && rename(tmp, path) != 0)
        e = errno;
    if (e) {
        unlink(tmp);
        free(tmp);
        return npu_err_set(err, NPU_ERR_INTERNAL, "%s: write failed: %s", path, strerror(e));
    }
    free(tmp);
    return NPU_OK;
}
