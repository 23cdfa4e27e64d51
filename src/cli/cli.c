/* cli.c - shared CLI helpers: error mapping, thread policy, number parsing (see cli.h). */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "axcon/log.h"

int cli_fail(const axcon_error_t *err)
{
    fprintf(stderr, "axcon: error: %s\n", err->msg[0] ? err->msg : axcon_status_str(err->status));
    return axcon_status_is_user(err->status) ? AXCON_EXIT_USER : AXCON_EXIT_INTERNAL;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    fprintf(stderr, "axcon: error: %s (see 'axcon %s --help')\n", buf, cmd);
    return AXCON_EXIT_USER;
}

int cli_threads(const char *cmd, const char *value)
{
    long n = 0;
    if (value) {
        if (ax_parse_long(value, 1, 4096, &n) != 0) {
            cli_usage_error(cmd, "-t/--threads wants a whole number from 1 to 4096, got '%s'", value);
            return -1;
        }
    } else {
        const char *env[] = {"OMP_NUM_THREADS", "SLURM_CPUS_PER_TASK"};
        for (int i = 0; i < 2 && n == 0; i++) {
            const char *v = getenv(env[i]);
            long t;
            if (v && *v && ax_parse_long(v, 1, 4096, &t) == 0) n = t;
        }
        if (n == 0) {
            long c = sysconf(_SC_NPROCESSORS_ONLN);
            n = c > 0 ? c : 1;
        }
    }
#ifdef _OPENMP
    omp_set_num_threads((int)n);
#endif
    return (int)n;
}

void cli_verbose_more(void) { axcon_log_set_level(axcon_log_get_level() + 1); }
void cli_verbose_quiet(void) { axcon_log_set_level(AXCON_LOG_ERROR); }

void cli_json_str(FILE *fp, const char *s)
{
    fputc('"', fp);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') fprintf(fp, "\\%c", *p);
        else if (*p < 0x20) fprintf(fp, "\\u%04x", *p);
        else fputc(*p, fp);
    }
    fputc('"', fp);
}
