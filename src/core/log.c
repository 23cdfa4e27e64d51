/* log.c - owns the log level, the process clock, the peak-RSS probe, the library-wide thread
 * count and the version string (see axcon/log.h). */
#ifdef HAVE_CONFIG_H /* the fuzz builds (scripts/fuzz.sh) compile this file without configure */
#include "config.h"
#endif
#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

#include "axcon/log.h"

#include <stdio.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "core/util.h"

static int g_level = AXCON_LOG_INFO;
static double g_t0 = -1.0;

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void axcon_log_set_level(int level) { g_level = level; }

int axcon_set_threads(int n)
{
#ifdef _OPENMP
    if (n >= 1) omp_set_num_threads(n);
#endif
    return axcon_get_threads();
}

int axcon_get_threads(void) { return ax_max_threads(); }

const char *axcon_version(void) { return PACKAGE_VERSION; }
int axcon_log_get_level(void) { return g_level; }

void axcon_log_init(void)
{
    if (g_t0 < 0) g_t0 = wall_now();
}

double axcon_realtime(void)
{
    axcon_log_init();
    return wall_now() - g_t0;
}

double axcon_cputime(void)
{
    struct rusage r;
    getrusage(RUSAGE_SELF, &r);
    return (double)r.ru_utime.tv_sec + (double)r.ru_stime.tv_sec +
           1e-6 * ((double)r.ru_utime.tv_usec + (double)r.ru_stime.tv_usec);
}

long axcon_peak_rss_kb(void)
{
    struct rusage r;
    getrusage(RUSAGE_SELF, &r);
    return r.ru_maxrss; /* kilobytes on Linux */
}

void axcon_log_write(int level, const char *func, const char *fmt, ...)
{
    if (level > g_level) return;
    const char tag = level <= AXCON_LOG_ERROR ? 'E' : level == AXCON_LOG_WARN ? 'W' : 'M';
    double rt = axcon_realtime();
    double ratio = rt > 1e-6 ? axcon_cputime() / rt : 0.0;
    fprintf(stderr, "[%c::%s::%.3f*%.2f] ", tag, func, rt, ratio);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}
