/* fuzz_common.h - helpers shared by the fuzz targets in tests/fuzz/ (not part of the library).
 *
 * Owns: the checks every target applies to a reader's result (a failure is one line with a
 * user-error or resource status, never AXCON_EINTERNAL/EUSAGE), quiet logging, and writing
 * an input to an anonymous file (memfd, else a temporary file) so that the path-based
 * readers (HTSlib hFILE, zlib gzopen) can be fuzzed too. A violated check calls abort(), which
 * libFuzzer, AFL++ and the standalone runner all report as a crash. */
#ifndef AXCON_FUZZ_COMMON_H
#define AXCON_FUZZ_COMMON_H

#define _GNU_SOURCE 1
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "axcon/error.h"
#include "axcon/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_CHECK(cond)                                                                       \
    do {                                                                                    \
        if (!(cond)) {                                                                      \
            fprintf(stderr, "fuzz check failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
            abort();                                                                        \
        }                                                                                   \
    } while (0)

static inline void fz_quiet(void)
{
    static int done;
    if (!done) {
        axcon_log_set_level(getenv("AXCON_FUZZ_VERBOSE") ? AXCON_LOG_DEBUG : AXCON_LOG_QUIET);
        done = 1;
    }
}

/* A failed read: the status is a negative user/resource status and the message one line. */
/* Every target: silence the logger, then take the first input byte as the selector of the
 * format and options; 0 when the input is empty. */
static inline int fz_selector(const uint8_t **data, size_t *size, unsigned *sel)
{
    fz_quiet();
    if (*size < 1) return 0;
    *sel = (*data)[0];
    (*data)++;
    (*size)--;
    return 1;
}

static inline void fz_check_error(int rc, const axcon_error_t *err)
{
    if (getenv("AXCON_FUZZ_VERBOSE")) fprintf(stderr, "status %d: %s\n", rc, err->msg);
    FZ_CHECK(rc < 0);
    FZ_CHECK(err->status == rc);
    FZ_CHECK(rc == AXCON_EINPUT || rc == AXCON_ERESOURCE || rc == AXCON_ENOMEM);
    FZ_CHECK(err->msg[0] != '\0');
    FZ_CHECK(strlen(err->msg) < AXCON_ERRMSG_MAX);
    FZ_CHECK(strchr(err->msg, '\n') == NULL);
}

static char fz_tmp_path[4096];
static inline void fz_unlink_tmp(void)
{
    if (fz_tmp_path[0]) unlink(fz_tmp_path);
}

/* Write data to an anonymous file and return a path that opens it afresh, or NULL. The file
 * is reused from call to call (one per process). */
static inline const char *fz_file(const uint8_t *data, size_t size)
{
    static int fd = -1;
    static char path[4096];
    if (fd < 0) {
#ifdef MFD_CLOEXEC
        fd = memfd_create("axcon-fuzz", MFD_CLOEXEC);
        if (fd >= 0) snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
#endif
        if (fd < 0) {
            const char *tmp = getenv("TMPDIR");
            snprintf(path, sizeof path, "%s/axcon-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
            fd = mkstemp(path);
            if (fd < 0) return NULL;
            memcpy(fz_tmp_path, path, sizeof path);
            atexit(fz_unlink_tmp);
        }
    }
    if (ftruncate(fd, 0) != 0) return NULL;
    size_t done = 0;
    while (done < size) {
        ssize_t w = pwrite(fd, data + done, size - done, (off_t)done);
        if (w <= 0) return NULL;
        done += (size_t)w;
    }
    return path;
}

#endif
