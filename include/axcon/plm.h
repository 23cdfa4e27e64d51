/* axcon/plm.h - stage 4, method "plm": the Potts model fitted by pseudo-likelihood (the model
 * of CCMpred and plmc).
 *
 * Owns: CCMpred's objective and score on top of the shared kernel (axcon/pll.h):
 *   minimise  -sum_n w_n sum_i log P(x_ni | x_n,-i)
 *             + lambda_h sum_{i, a<20} h_i(a)^2 + lambda_J sum_{i<j} sum_{a,b<21} J_ij(a,b)^2
 * with q = 21 (gap is a state; its field is fixed at 0, the fields of the 20 amino acids are
 * relative to it), lambda_h = o->plm_lambda_h [0.01], lambda_J = o->plm_lambda_j * (L - 1)
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
#include "axcon/msa.h"
#include "axcon/predict.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AXCON_PLM_DEFAULT_MAX_ITER 25 /* used when o->plm_max_iter <= 0 */
#define AXCON_PLM_DEFAULT_TOL 1e-4     /* used when o->plm_tol <= 0 */

/* Raw scores over the msa's ncol kept columns: S is ncol x ncol row-major (caller-allocated),
 * symmetric, diagonal 0. w: the N sequence weights; neff: their sum (used only for logging).
 * Uses o->plm_lambda_h, o->plm_lambda_j, o->plm_max_iter, o->plm_tol. */
AXCON_API int axcon_plm_scores(const axcon_msa_t *msa, const double *w, double neff, const axcon_predict_opts_t *o,
                               double *S, axcon_error_t *err);

/* The same from a raw N x L code matrix (0..20); w may be NULL (all 1). */
AXCON_API int axcon_plm_scores_codes(const uint8_t *codes, size_t nseq, size_t ncol, const double *w,
                                     const axcon_predict_opts_t *o, double *S, axcon_error_t *err);

#ifdef __cplusplus
}
#endif
#endif
