/*
 * npu_err: setting, clearing and prefixing the error object (see npu_err.h).
 */
#include "npu/npu_err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void npu_err_clear(npu_err *err) {
    if (!err)
        return;
    err->status = NPU_OK;
    err->msg[0] = '\0';
}

npu_status npu_err_set(npu_err *err, npu_status status, const char *fmt, ...) {
    if (!err)
        return status;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    err->status = status;
    return status;
}

npu_status npu_err_prefix(npu_err *err, const char *fmt, ...) {
    if (!err)
        return NPU_ERR_INTERNAL;
    char out[NPU_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out, sizeof out, fmt, ap);
    va_end(ap);
    size_t used = n < 0 ? 0 : (size_t)n;
    if (used > sizeof out - 1)
        used = sizeof out - 1;
    /* Append ": <old message>", truncating the old message if the whole does not fit. */
    size_t room = sizeof out - 1 - used;
    size_t old_len = strlen(err->msg);
    const char sep[] = ": ";
    size_t sep_len = room < 2 ? room : 2;
    memcpy(out + used, sep, sep_len);
    used += sep_len;
    room -= sep_len;
    if (old_len > room)
        old_len = room;
    memcpy(out + used, err->msg, old_len);
    used += old_len;
    out[used] = '\0';
    memcpy(err->msg, out, used + 1);
    return err->status;
}
