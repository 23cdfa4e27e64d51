/* pll_internal.h - library-internal entry points of the pseudo-likelihood kernel (not installed).
 *
 * Owns: the symmetric-layout evaluation with an L2 penalty on the couplings folded into the
 * kernel's final pass (one pass over the coupling vector fewer per evaluation for -m plm). */
#ifndef AXCON_MODEL_PLL_INTERNAL_H
#define AXCON_MODEL_PLL_INTERNAL_H

#include "axcon/pll.h"

/* As axcon_pll_eval_sym_work, and in the same pass gJc += 2 lambda_j Jc and *jsq = sum Jc^2
 * (when jsq is not NULL; computed in fixed blocks, thread-count independent). f excludes the
 * penalty: the caller adds lambda_j * *jsq. */
int ax_pll_eval_sym_l2(const axcon_pll_data_t *d, const float *h, const float *Jc, double lambda_j, double *f,
                       double *jsq, float *gh, float *gJc, float *work, axcon_error_t *err);

#endif
