/* lbfgs.h - limited-memory BFGS minimiser used by the pseudo-likelihood models (internal).
 *
 * Owns: the quasi-Newton direction from m (s, y) pairs in the compact representation of
 * Byrd, Nocedal & Schnabel (1994) (two passes over the history per iteration instead of the
 * 2m of the two-loop recursion; the 2m x 2m algebra in double), a strong-Wolfe line search
 * (bracketing and zoom with safeguarded cubic interpolation, Nocedal & Wright Alg. 3.5/3.6),
 * and the stopping rules (relative objective decrease over a window, gradient norm,
 * iteration and evaluation caps). The evaluator receives an idle history vector as scratch.
 *
 * Vectors are float (memory: x, g, one direction and m pairs = 2m + 3 vectors of n floats,
 * x being the caller's); every dot product and norm is accumulated in double over fixed
 * blocks combined in a fixed order, so the path is identical for every thread count. The
 * line search moves x in place (x += (a_new - a_old) d). */
#ifndef AXCON_MODEL_LBFGS_H
#define AXCON_MODEL_LBFGS_H

#include <stddef.h>

#include "axcon/error.h"

/* f(x) and its gradient g (n floats, overwritten). `work` is n floats of scratch the evaluator
 * may use freely during the call (a history slot that is idle at that moment). Return AXCON_OK
 * or a negative status (which aborts the minimisation). A non-finite *f is allowed: the line
 * search treats it as a step too long. */
typedef int (*ax_lbfgs_eval_fn)(void *ctx, const float *x, double *f, float *g, float *work, axcon_error_t *err);

typedef enum ax_lbfgs_status {
    AX_LBFGS_RUNNING = 0,
    AX_LBFGS_CONVERGED_F,    /* relative decrease over the window below ftol */
    AX_LBFGS_CONVERGED_G,    /* gradient norm below gtol * max(1, |x|) */
    AX_LBFGS_MAX_ITER,
    AX_LBFGS_MAX_EVALS,
    AX_LBFGS_LINESEARCH_FAIL, /* no acceptable step even along -g: x is the best point found */
    AX_LBFGS_STOPPED          /* the progress callback asked to stop */
} ax_lbfgs_status_t;

typedef struct ax_lbfgs_info {
    int iter;        /* completed iterations */
    int nevals;      /* function evaluations */
    double f;        /* objective at x */
    double gnorm;    /* |g| at x */
    double xnorm;    /* |x| */
    double step;     /* last accepted step length along the search direction */
    ax_lbfgs_status_t status;
} ax_lbfgs_info_t;

/* Called after every accepted iteration with the current state; return non-zero to stop. */
typedef int (*ax_lbfgs_progress_fn)(void *ctx, const ax_lbfgs_info_t *info);

#define AX_LBFGS_MMAX 16

typedef struct ax_lbfgs_opts {
    int m;           /* history pairs [5], at most AX_LBFGS_MMAX */
    int max_iter;    /* [100] */
    int max_evals;   /* [0 = 4 * max_iter + 20] */
    double ftol;     /* relative decrease (f_{k-w} - f_k) / |f_k| below which to stop [1e-5] */
    int window;      /* w [5] */
    double gtol;     /* [1e-7] */
    double c1, c2;   /* sufficient decrease, curvature [1e-4, 0.9] */
    int max_ls;      /* evaluations per line search [20] */
    double alpha0;   /* first trial step along -g0 [0: 1/|g0|, a unit-length step] */
} ax_lbfgs_opts_t;

void ax_lbfgs_opts_init(ax_lbfgs_opts_t *o);

/* Minimise from x (n floats, updated in place to the best point found). Returns AXCON_OK
 * (see info->status for why it stopped), ENOMEM, or the evaluator's error. */
int ax_lbfgs_minimize(size_t n, float *x, const ax_lbfgs_opts_t *o, ax_lbfgs_eval_fn eval,
                      ax_lbfgs_progress_fn progress, void *ctx, ax_lbfgs_info_t *info, axcon_error_t *err);

/* Allocate n floats for an optimiser vector (zeroed when `zero`): large vectors are 2 MiB
 * aligned with transparent huge pages requested. Release with free(). NULL + ENOMEM on failure. */
float *ax_vec_alloc(size_t n, int zero, const char *what, axcon_error_t *err);

/* Blocked, deterministic double-accumulated dot product of two float vectors (OpenMP). */
double ax_vdot(const float *a, const float *b, size_t n);

#endif
