/* error.c - owns axcon_error_t formatting and the status-code table (see axcon/error.h). */
#include "axcon/error.h"

#include <stdio.h>
#include <string.h>

void axcon_error_clear(axcon_error_t *err)
{
    if (!err) return;
    err->status = AXCON_OK;
    err->msg[0] = '\0';
}

int axcon_error_vset(axcon_error_t *err, int status, const char *fmt, va_list ap)
{
    if (!err) return status;
    err->status = status;
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    /* keep the message on one line whatever the caller passed in */
    for (char *p = err->msg; *p; p++)
        if (*p == '\n' || *p == '\r') *p = ' ';
    return status;
}

int axcon_error_set(axcon_error_t *err, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    axcon_error_vset(err, status, fmt, ap);
    va_end(ap);
    return status;
}

void axcon_error_prefix(axcon_error_t *err, const char *fmt, ...)
{
    if (!err) return;
    char head[AXCON_ERRMSG_MAX], old[AXCON_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(head, sizeof head, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    /* assemble by hand: the result is cut at the buffer size, on purpose */
    size_t n = strlen(head);
    if (n > sizeof err->msg - 3) n = sizeof err->msg - 3;
    memcpy(err->msg, head, n);
    err->msg[n++] = ':';
    err->msg[n++] = ' ';
    size_t rest = sizeof err->msg - 1 - n, m = strlen(old);
    if (m > rest) m = rest;
    memcpy(err->msg + n, old, m);
    err->msg[n + m] = '\0';
}

int axcon_status_is_user(int status)
{
    return status == AXCON_EINPUT || status == AXCON_EUSAGE;
}

const char *axcon_status_str(int status)
{
    switch (status) {
    case AXCON_OK: return "ok";
    case AXCON_EINPUT: return "bad input";
    case AXCON_EUSAGE: return "bad usage";
    case AXCON_ENOMEM: return "out of memory";
    case AXCON_EIO: return "I/O failure";
    case AXCON_ERESOURCE: return "resource limit";
    case AXCON_EINTERNAL: return "internal error";
    default: return "unknown status";
    }
}
