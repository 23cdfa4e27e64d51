/* axcon/mf.h - stage 4 (model): closed-form couplings by mean-field DCA.
 *
 * Owns: the mean-field (mfDCA) raw scores of `-m mf` (also the warm-start seed of -m attn and
 * an input of the contact head: axcon_predict runs it once), their default pseudocount, and
 * the solvers' memory and time estimate.
 *
 * Mean-field DCA (docs/METHOD.md): pseudocount lambda (f' = (1-l) f + l/q,
 * f'_ij = (1-l) f_ij + l/q^2, f'_ii = diag(f'_i), q = 21), the gap state dropped (20 states
 * per column), C' = f'_ij - f'_i f'_j (an n x n SPD matrix, n = 20 L), J = -(C')^-1, each
 * 20 x 20 block J_ij put in the zero-sum gauge, score = its Frobenius norm. RAW scores: no
 * APC (axcon_predict applies it).
 *
 * Two exact solvers, chosen by cost:
 *  - dense: C' from the pair counts (axcon_pair_matrix), Cholesky + inverse (LAPACK
 *    dpotrf/dpotri from OpenBLAS): n^3 flops, n^2 doubles.
 *  - low rank: with m = distinct sequences + 1 < ~n/2, C' = B + V^T V where B is the same
 *    20 x 20 block for every column, B = (l/q)(I - 11^T/q), and V (m x n) stacks the
 *    centred, weighted encoding sqrt(1-l) Z (axcon_encode_centered) and the row
 *    sqrt(l(1-l)) (f - 1/q). By the matrix inversion lemma the off-diagonal blocks of
 *    C'^-1 are those of -B^-1 V^T (I + V B^-1 V^T)^-1 V B^-1, and since B^-1 is
 *    (q/l)(I + 11^T) per block the gauge-fixed J_ij is (q/l)^2 Vc_i^T K^-1 Vc_j with Vc the
 *    block-centred V and K = I + (q/l)(V V^T + S S^T) (S = block sums of V): about
 *    n^2 m + 2 m^2 n flops and O(m n) memory instead of n^3 and n^2.
 * Both give the same scores (to rounding). The dense algebra is tiled with every tile owned
 * by one OpenMP thread over single-threaded OpenBLAS kernels, so scores are bitwise
 * identical for any thread count. */
#ifndef AXCON_MF_H
#define AXCON_MF_H

#include <stddef.h>
#include <stdint.h>

#include "axcon/error.h"
#include "axcon/prep.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Default pseudocount of -m mf, and of the one mean-field run per prediction that also seeds
 * the attention model's warm start and feeds the contact head. 0.7, not the textbook 0.5: on
 * the 51 shared families 0.6-0.8 all beat 0.5 (long-range top-L/5 0.442 at 0.7 against 0.415
 * at 0.5), a broad optimum rather than a tuned point. */
#define AXCON_MF_DEFAULT_PSEUDOCOUNT 0.7

typedef enum axcon_mf_solver {
    AXCON_MF_AUTO = 0,  /* the cheaper of the two for this alignment */
    AXCON_MF_DENSE,     /* Cholesky inverse of the full covariance */
    AXCON_MF_LOWRANK    /* matrix inversion lemma in sequence space (needs pseudocount > 0) */
} axcon_mf_solver_t;

/* Raw mean-field scores of the prepared alignment's columns (axcon/prep.h): S is ncol x ncol
 * row-major, symmetric, diagonal 0. pseudocount must be in (0,1) for a well-posed inverse (0
 * fails with EINPUT when C' is singular). */
AXCON_API int axcon_mf_scores(const axcon_prep_t *p, double pseudocount, axcon_mf_solver_t solver, double *S,
                              axcon_error_t *err);

/* The same on a raw N x L code matrix (0..20) with weights w (NULL = all 1). */
AXCON_API int axcon_mf_scores_codes(const uint8_t *codes, size_t nseq, size_t ncol, const double *w,
                                    double pseudocount, axcon_mf_solver_t solver, double *S, axcon_error_t *err);

/* Estimated peak bytes allocated by axcon_mf_scores (beyond the prepared alignment and S) and
 * a rough wall time with `threads` threads, for L columns, N sequences of which ndistinct are
 * distinct (the solver chosen as axcon_mf_scores chooses it). Either output may be NULL. */
AXCON_API void axcon_mf_estimate(size_t L, size_t N, size_t ndistinct, double pseudocount, int threads,
                                 double *bytes, double *seconds);

/* Inverse of a symmetric positive definite n x n matrix in place (both triangles written),
 * by Cholesky (dpotrf + dpotri). EINPUT when A is not positive definite. */
AXCON_API int axcon_spd_inverse(double *A, size_t n, axcon_error_t *err);

#ifdef __cplusplus
}
#endif
#endif
