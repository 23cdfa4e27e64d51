/* progress.h - progress of long loops on stderr (core; the models' optimisers use it).
 *
 * Owns: when and how a long run reports where it is. At the default log level (INFO; -q
 * silences it, and so does any level below INFO, e.g. the Python module's WARN), a loop
 * that has run for more than AX_PROGRESS_QUIET_S seconds reports its step, objective and
 * an estimate of the time left:
 *   - stderr a terminal: one line "[M::what] iteration 12/50  f=...  ~35 s left" redrawn in
 *     place (carriage return) at most 4 times a second, ended by a newline at the end;
 *   - otherwise (batch logs, files, pipes): a plain [M::what] line every
 *     AX_PROGRESS_EVERY_S seconds, so logs stay short.
 * The time left assumes the run goes to `total` steps at the mean pace so far: an upper
 * bound when the optimiser may stop early on convergence ("at most"). The environment
 * variable AXCON_PROGRESS_AFTER (seconds) replaces AX_PROGRESS_QUIET_S (the tests set 0).
 * Serial; one loop at
 * a time per thread of control (the optimisers call it outside parallel regions). */
#ifndef AX_CORE_PROGRESS_H
#define AX_CORE_PROGRESS_H

#define AX_PROGRESS_QUIET_S 2.0  /* nothing for loops shorter than this */
#define AX_PROGRESS_EVERY_S 10.0 /* plain lines at most this often */

typedef struct ax_progress {
    const char *what;  /* the tag, e.g. "attn" */
    int total;         /* the step count the loop may reach (iteration limit) */
    double t0, last;   /* wall clock at the start and at the last report */
    int tty;           /* stderr is a terminal (redraw in place) */
    int drawn;         /* a terminal line is open (needs its newline) */
    int reports;       /* reports printed */
    double quiet;      /* AX_PROGRESS_QUIET_S, or $AXCON_PROGRESS_AFTER (tests: 0) */
} ax_progress_t;

void ax_progress_begin(ax_progress_t *p, const char *what, int total);
/* Step `done` of total is over, with objective f. */
void ax_progress_step(ax_progress_t *p, int done, double f);
/* The loop ended: close a terminal line. */
void ax_progress_end(ax_progress_t *p);
/* The "time left" text of ax_progress_step for tests: done steps in elapsed seconds. */
void ax_progress_eta(double elapsed, int done, int total, char *buf, unsigned size);

#endif
