/* progress.c - owns the progress reports of long loops (see progress.h). */
#include "progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "axcon/log.h"

void ax_progress_eta(double elapsed, int done, int total, char *buf, unsigned size)
{
    if (done <= 0 || total <= done || !(elapsed >= 0)) {
        snprintf(buf, size, "%s", total <= done ? "finishing" : "estimating");
        return;
    }
    double left = elapsed / done * (total - done);
    if (left < 90) snprintf(buf, size, "at most %.0f s left", left);
    else if (left < 5400) snprintf(buf, size, "at most %.0f min left", left / 60);
    else snprintf(buf, size, "at most %.1f h left", left / 3600);
}

void ax_progress_begin(ax_progress_t *p, const char *what, int total)
{
    p->what = what;
    p->total = total;
    p->t0 = p->last = axcon_realtime();
    p->tty = isatty(fileno(stderr));
    p->drawn = 0;
    p->reports = 0;
    const char *q = getenv("AXCON_PROGRESS_AFTER"); /* tests: report from this many seconds on */
    char *end;
    double v = q ? strtod(q, &end) : -1;
    p->quiet = q && *q && !*end && v >= 0 ? v : AX_PROGRESS_QUIET_S;
}

void ax_progress_step(ax_progress_t *p, int done, double f)
{
    if (axcon_log_get_level() < AXCON_LOG_INFO) return;
    double now = axcon_realtime(), el = now - p->t0;
    if (el < p->quiet) return;
    if (now - p->last < (p->tty ? 0.25 : AX_PROGRESS_EVERY_S) && p->reports) return;
    char eta[48];
    ax_progress_eta(el, done, p->total, eta, sizeof eta);
    int pct = p->total > 0 ? (int)(100.0 * done / p->total) : 0;
    if (p->tty) {
        char bar[21];
        int full = pct / 5;
        for (int k = 0; k < 20; k++) bar[k] = k < full ? '#' : '.';
        bar[20] = '\0';
        fprintf(stderr, "\r[M::%s] [%s] iteration %d/%d  f=%.6g  %s\033[K", p->what, bar, done, p->total, f, eta);
        p->drawn = 1;
    } else {
        fprintf(stderr, "[M::%s::%.3f*%.2f] iteration %d/%d (%d%%), f=%.8g, %s\n", p->what, now,
                now > 1e-6 ? axcon_cputime() / now : 0.0, done, p->total, pct, f, eta);
    }
    fflush(stderr);
    p->last = now;
    p->reports++;
}

void ax_progress_end(ax_progress_t *p)
{
    if (p->drawn) {
        fputc('\n', stderr);
        fflush(stderr);
        p->drawn = 0;
    }
}
