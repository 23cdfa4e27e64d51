/* axcon/error.h - status codes and the error record every library call fills in.
 *
 * Owns: the meaning of axcon's return codes. Every fallible library function returns
 * AXCON_OK (0) or a negative status, and writes a one-line, user-readable message into
 * an axcon_error_t supplied by the caller ("FILE:LINE: reason" for input errors).
 * User errors (bad input, bad usage) are kept apart from internal/resource failures so
 * the CLI can map them to exit 1 and exit 2 respectively. The library never prints
 * errors itself and never exits. */
#ifndef AXCON_ERROR_H
#define AXCON_ERROR_H

#include <stdarg.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define AXCON_API __attribute__((visibility("default")))
#define AXCON_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define AXCON_API
#define AXCON_PRINTF(a, b)
#endif

enum axcon_status {
    AXCON_OK = 0,
    AXCON_EINPUT = -1,    /* malformed or unusable input (user error) */
    AXCON_EUSAGE = -2,    /* invalid option or argument (user error) */
    AXCON_ENOMEM = -3,    /* allocation failed */
    AXCON_EIO = -4,       /* system I/O failure while writing or reading (disk full, ...) */
    AXCON_ERESOURCE = -5, /* refused: would exceed a resource limit (e.g. --max-mem) */
    AXCON_EINTERNAL = -6  /* a bug: an invariant did not hold */
};

#define AXCON_ERRMSG_MAX 1024

typedef struct axcon_error {
    int status;                  /* last status set, AXCON_OK if none */
    char msg[AXCON_ERRMSG_MAX];  /* one line, no trailing newline */
} axcon_error_t;

/* Reset an error record to AXCON_OK with an empty message. */
AXCON_API void axcon_error_clear(axcon_error_t *err);

/* Record `status` and a printf-style message (err may be NULL); returns `status`
 * so callers can write `return axcon_error_set(err, AXCON_EINPUT, "...")`. */
AXCON_API int axcon_error_set(axcon_error_t *err, int status, const char *fmt, ...) AXCON_PRINTF(3, 4);
AXCON_API int axcon_error_vset(axcon_error_t *err, int status, const char *fmt, va_list ap);

/* Prefix the existing message with "prefix: " (used to add context such as a file name). */
AXCON_API void axcon_error_prefix(axcon_error_t *err, const char *fmt, ...) AXCON_PRINTF(2, 3);

/* Non-zero when the status is the user's fault (bad input or usage): CLI exit code 1. */
AXCON_API int axcon_status_is_user(int status);

/* A short constant name for a status ("bad input", "out of memory", ...). */
AXCON_API const char *axcon_status_str(int status);

#ifdef __cplusplus
}
#endif
#endif
