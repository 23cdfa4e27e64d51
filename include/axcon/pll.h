/* axcon/pll.h - the pseudo-likelihood kernel shared by the Potts-type models (-m plm, -m attn).
 *
 * Owns: the training data of a pseudo-likelihood model (identical sequences collapsed into
 * one row whose weight is the sum of theirs, codes kept as an N' x L byte matrix; taken as
 * they are from a prepared alignment, axcon/prep.h, or grouped by the project's row hash), the
 * evaluation of the weighted negative log pseudo-likelihood
 *
 *     f = - sum_n w_n sum_i log P(x_ni | x_n,-i),
 *     P(x_ni = a | rest) = softmax_a( h_i(a) + sum_{j != i} J_ij(a, x_nj) ),
 *
 * over q = 21 states (20 amino acids + gap, the gap is an ordinary state as in CCMpred), with
 * its gradient with respect to the fields h and the couplings. No regularisation here: callers
 * add their own penalty (plm.c adds CCMpred's L2 terms; attention adds its own).
 *
 * Parameter layouts (float, all row-major, no padding):
 *   fields     h[i*q + a]                                     = h_i(a)            (L*q floats)
 *   full       W[((i*L + j)*q + b)*q + a]                     = J_ij(a, b)        (L*L*q*q floats)
 *              "Untied": row block i (L*q*q contiguous floats) is read ONLY by the conditional
 *              of position i: logit_ni(a) = h_i(a) + sum_{j != i} W[i][j][x_nj][a]. Note the
 *              block (i,j) is stored TRANSPOSED (neighbour state b major, own state a minor), so
 *              the gather of one neighbour is 21 contiguous floats. Diagonal blocks (i,i) are
 *              never read; gradients there are written as 0. A symmetric Potts model has
 *              W[i][j][b][a] == W[j][i][a][b] (J_ij(a,b) = J_ji(b,a)); the kernel does not
 *              require it. The gradient gW[i][j][b][a] = df/dW[i][j][b][a] with every entry
 *              treated as an independent variable (so for tied parameters the total gradient
 *              of J_ij(a,b) is gW[i][j][b][a] + gW[j][i][a][b]).
 *   symmetric  Jc[p(i,j)*q*q + a*q + b] = J_ij(a,b) = J_ji(b,a), i < j only,     (L(L-1)/2*q*q floats)
 *              p(i,j) = i*L - i*(i+1)/2 + (j - i - 1)  (pairs in order (0,1),(0,2),...,(1,2),...);
 *              a is the state of the SMALLER position i. Half the memory of the full layout;
 *              the gradient is the tied one (both conditionals that use J_ij).
 *
 * Numerics: logits and log-sum-exp per (n, i) in double from float parameters; f accumulated
 * in double in a fixed order; gradients accumulated in float per output element by the one
 * thread that owns it (OpenMP over positions), summing over sequences in a fixed order: results
 * are bitwise identical for every thread count. Inner loops over the 21 states are vectorised
 * (AVX2+FMA chosen at run time, SSE2 otherwise; AXCON_NO_SIMD=1 forces SSE2). Cost per
 * evaluation ~ N' L^2 gathers of 24 floats forward and as many scatter-adds backward.
 */
#ifndef AXCON_PLL_H
#define AXCON_PLL_H

#include <stddef.h>
#include <stdint.h>

#include "axcon/error.h"
#include "axcon/prep.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AXCON_PLL_Q 21

typedef struct axcon_pll_data axcon_pll_data_t;

/* A fitted Potts model (-m plm, -m attn), as handed to a caller's callback: fields h
 * (L x 21, h[i*21 + a]) and the couplings of the pairs i < j in the symmetric layout below
 * (block at axcon_pll_sym_offset(i, j, L), J[.. + a*21 + b] with a the state at i, b at j),
 * over the model's L columns, in the gauge the model was fitted in. Valid during the call. */
typedef struct axcon_potts {
    size_t L;
    const float *h;
    const float *J;
} axcon_potts_t;
typedef int (*axcon_potts_fn)(void *ctx, const axcon_potts_t *m, axcon_error_t *err);

/* Build the training data from an N x L row-major code matrix (0..20) and per-sequence
 * weights (NULL = all 1). Identical rows are merged (weights summed, first occurrence order
 * kept); rows with weight <= 0 are dropped. EINPUT on codes > 20, negative/non-finite
 * weights, L < 2 or no row with positive weight. */
AXCON_API int axcon_pll_data_new(const uint8_t *codes, size_t nseq, size_t ncol, const double *w,
                                 axcon_pll_data_t **out, axcon_error_t *err);
/* The same from a prepared alignment (axcon/prep.h), whose rows are distinct already: row u
 * gets weight wrow[u] (NULL = the prepared row weights); rows of weight 0 are left out. */
AXCON_API int axcon_pll_data_from_prep(const axcon_prep_t *p, const double *wrow, axcon_pll_data_t **out,
                                       axcon_error_t *err);
AXCON_API void axcon_pll_data_free(axcon_pll_data_t *d);

AXCON_API size_t axcon_pll_nrows(const axcon_pll_data_t *d);        /* N' distinct rows kept */
AXCON_API size_t axcon_pll_ncol(const axcon_pll_data_t *d);         /* L */
AXCON_API const uint8_t *axcon_pll_codes(const axcon_pll_data_t *d); /* N' x L, row-major */
AXCON_API const double *axcon_pll_weights(const axcon_pll_data_t *d); /* N' merged weights */
AXCON_API double axcon_pll_wsum(const axcon_pll_data_t *d);         /* sum of weights (= Neff) */

/* Weighted single-site frequencies with a pseudocount: f_i(a) = (1-pc) * counts/wsum + pc/q
 * (pc in [0,1)), written to f1[i*q + a] (L*q doubles). */
AXCON_API void axcon_pll_freq1(const axcon_pll_data_t *d, double pc, double *f1);

/* Number of floats of each layout (0 on overflow). */
AXCON_API size_t axcon_pll_nfull(size_t L); /* L*L*q*q */
AXCON_API size_t axcon_pll_nsym(size_t L);  /* L(L-1)/2*q*q */
/* Offset of the block of pair (i, j), i < j < L, in the symmetric layout: p(i,j)*q*q. */
AXCON_API size_t axcon_pll_sym_offset(size_t i, size_t j, size_t L);

/* Evaluations keep a workspace in the data object (per-thread scratch of 2 * L * 21 * 24
 * floats, sized for omp_get_max_threads()): calls on ONE data object must not run
 * concurrently; distinct data objects are independent.
 *
 * Evaluate f (and, when gh/gW are not NULL, the gradients; each may be NULL independently)
 * on the full, untied layout. gh (L*q) and gW (L*L*q*q) are overwritten. Returns AXCON_OK or
 * ENOMEM (per-thread scratch). Softmaxes are max-shifted, so finite parameters give a finite
 * f; non-finite parameters give a non-finite f (callers such as line searches test it). */
AXCON_API int axcon_pll_eval_full(const axcon_pll_data_t *d, const float *h, const float *W, double *f, float *gh,
                                  float *gW, axcon_error_t *err);

/* The same on the symmetric (tied, upper-triangle) layout: gJc (L(L-1)/2*q*q, any content;
 * overwritten) receives df/dJ_ij(a,b) summed over both conditionals that use it. No memory
 * beyond the data object's workspace (one byte per pair of it). */
AXCON_API int axcon_pll_eval_sym(const axcon_pll_data_t *d, const float *h, const float *Jc, double *f, float *gh,
                                 float *gJc, axcon_error_t *err);

#ifdef __cplusplus
}
#endif
#endif
