/* axcon/plm.h - stage 4 (model), method "plm": the Potts model fitted by pseudo-likelihood (the model
 * of CCMpred and plmc).
 *
 * Owns: CCMpred's objective and score on top of the shared kernel (axcon/pll.h):
 *   minimise  -sum_n w_n sum_i log P(x_ni | x_n,-i)
 *             + lambda_h sum_{i, a<20} h_i(a)^2 + lambda_J sum_{i<j} sum_{a,b<21} J_ij(a,b)^2
 * with q = 21 (gap is a state; its field is fixed at 0, the fields of the 20 amino acids are
 * relative to it), lambda_h = o->lambda_h [0.01], lambda_J = o->lambda_j * (L - 1)
 * [0.2 (L-1)], raw sequence weights (not divided by Neff), fields started at
 * log f_i(a) - log f_i(gap) (weighted frequencies, one pseudo-count per state), J at 0.
 * Minimised by L-BFGS (float parameters, J stored once per pair: L(L-1)/2 * 441 floats).
 * Score of (i, j): Frobenius norm over the 20 x 20 amino-acid block of J_ij minus the mean of
 * its full 21 x 21 block (CCMpred's convention). No APC here: predict.c applies it. */
#ifndef AXCON_PLM_H
#define AXCON_PLM_H

#include <stddef.h>
#include <stdint.h>

#include "axcon/error.h"
#include "axcon/pll.h"
#include "axcon/prep.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AXCON_PLM_DEFAULT_LAMBDA_H 0.01 /* CCMpred's */
#define AXCON_PLM_DEFAULT_LAMBDA_J 0.2  /* per (L - 1), CCMpred's */
#define AXCON_PLM_DEFAULT_MAX_ITER 25   /* used when max_iter <= 0 */
#define AXCON_PLM_DEFAULT_TOL 1e-4      /* used when tol <= 0 */

typedef struct axcon_plm_opts {
    double lambda_h; /* [0.01] */
    double lambda_j; /* per (L-1) [0.2] */
    int max_iter;    /* L-BFGS iterations [25] (<= 0: the default) */
    double tol;      /* relative objective decrease that stops it [1e-4] (<= 0: the default) */
    axcon_potts_fn potts_cb; /* called once with the fitted model (axcon/pll.h; NULL = none) */
    void *potts_ctx;
} axcon_plm_opts_t;

AXCON_API void axcon_plm_opts_init(axcon_plm_opts_t *o);

/* Raw scores over the prepared alignment's columns (axcon/prep.h; the distinct rows with
 * their summed weights): S is ncol x ncol row-major (caller-allocated), symmetric, diagonal 0. */
AXCON_API int axcon_plm_scores(const axcon_prep_t *p, const axcon_plm_opts_t *o, double *S, axcon_error_t *err);

/* The same from a raw N x L code matrix (0..20); w may be NULL (all 1). */
AXCON_API int axcon_plm_scores_codes(const uint8_t *codes, size_t nseq, size_t ncol, const double *w,
                                     const axcon_plm_opts_t *o, double *S, axcon_error_t *err);

/* Estimated peak bytes allocated by axcon_plm_scores (beyond the prepared alignment and S)
 * and a rough wall time with `threads` threads. Outputs may be NULL. */
AXCON_API void axcon_plm_estimate(size_t L, size_t N, size_t ndistinct, const axcon_plm_opts_t *o, int threads,
                                  double *bytes, double *seconds);

#ifdef __cplusplus
}
#endif
#endif
