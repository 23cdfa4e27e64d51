/* axcon/log.h - the library's only way to talk to the user.
 *
 * Owns: log levels and the stderr progress format. Lines look like minimap2's:
 *   [M::axcon_plm_fit::2.315*1.98] iter 10 f=1234.5 |g|=0.12
 * (function, elapsed wall seconds since axcon_log_init, CPU/wall ratio). Warnings use
 * [W::func], errors [E::func]. Library code calls these macros and nothing else prints. */
#ifndef AXCON_LOG_H
#define AXCON_LOG_H

#include "axcon/error.h"

#ifdef __cplusplus
extern "C" {
#endif

enum axcon_log_level {
    AXCON_LOG_QUIET = 0,
    AXCON_LOG_ERROR = 1,
    AXCON_LOG_WARN = 2,
    AXCON_LOG_INFO = 3,   /* default: progress of long steps */
    AXCON_LOG_DEBUG = 4
};

AXCON_API void axcon_log_set_level(int level);
AXCON_API int axcon_log_get_level(void);
/* Start the clock used for elapsed times (called once by the CLI; lazily otherwise). */
AXCON_API void axcon_log_init(void);
AXCON_API void axcon_log_write(int level, const char *func, const char *fmt, ...) AXCON_PRINTF(3, 4);

/* Wall seconds since axcon_log_init, CPU seconds of the process, peak RSS in kB. */
/* Threads of the library's parallel loops (OpenMP; process-wide, as omp_set_num_threads):
 * n >= 1; returns the count in effect afterwards (1 in a build without OpenMP). */
AXCON_API int axcon_set_threads(int n);
AXCON_API int axcon_get_threads(void);
/* The library's version, "0.1.0" (AXCON_VERSION of the headers it was built with). */
AXCON_API const char *axcon_version(void);

AXCON_API double axcon_realtime(void);
AXCON_API double axcon_cputime(void);
AXCON_API long axcon_peak_rss_kb(void);

#define axcon_info(...) axcon_log_write(AXCON_LOG_INFO, __func__, __VA_ARGS__)
#define axcon_warn(...) axcon_log_write(AXCON_LOG_WARN, __func__, __VA_ARGS__)
#define axcon_debug(...) axcon_log_write(AXCON_LOG_DEBUG, __func__, __VA_ARGS__)

#ifdef __cplusplus
}
#endif
#endif
