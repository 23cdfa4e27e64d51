/* axcon/mf.h - closed-form couplings: mean-field DCA, and attention sharpening of scores.
 *
 * Owns: the mean-field (mfDCA) raw scores of `-m mf` and the score post-processing of
 * docs/METHOD.md "Sharpening by attention" (row softmax, symmetrisation, APC; stacked
 * passes; the diagonal context term).
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
#include "axcon/msa.h"
#include "axcon/predict.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AXCON_MF_HAVE_SHARPEN 1

typedef enum axcon_mf_solver {
    AXCON_MF_AUTO = 0,  /* the cheaper of the two for this alignment */
    AXCON_MF_DENSE,     /* Cholesky inverse of the full covariance */
    AXCON_MF_LOWRANK    /* matrix inversion lemma in sequence space (needs pseudocount > 0) */
} axcon_mf_solver_t;

/* Raw mean-field scores of the msa's kept columns: S is ncol x ncol row-major, symmetric,
 * diagonal 0. Uses o->mf_pseudocount (must be in (0,1) for a well-posed inverse; 0 fails
 * with EINPUT when C' is singular). w: the N sequence weights; neff is informational (the
 * sum of w is recomputed). */
AXCON_API int axcon_mf_scores(const axcon_msa_t *msa, const double *w, double neff, const axcon_predict_opts_t *o,
                              double *S, axcon_error_t *err);

/* The same on a raw N x L code matrix (0..20) with an explicit solver. */
AXCON_API int axcon_mf_scores_codes(const uint8_t *codes, size_t nseq, size_t ncol, const double *w,
                                    double pseudocount, axcon_mf_solver_t solver, double *S, axcon_error_t *err);

/* Inverse of a symmetric positive definite n x n matrix in place (both triangles written),
 * by Cholesky (dpotrf + dpotri). EINPUT when A is not positive definite. */
AXCON_API int axcon_spd_inverse(double *A, size_t n, axcon_error_t *err);

/* Attention sharpening of an APC-corrected symmetric score matrix S (n x n, diagonal
 * ignored), in place: `passes` times, z-score the off-diagonal entries, take the row
 * softmax A_ij = exp(z_ij / tau) / sum_{k != i} exp(z_ik / tau), symmetrise (A + A^T) and
 * apply APC. passes = 0 leaves S unchanged. tau > 0. */
AXCON_API int axcon_mf_sharpen(double *S, size_t n, int passes, double tau, axcon_error_t *err);

/* The general form: first, when context > 0, replace S by its z-scores plus
 * context x max(z[i-1][j-1] + z[i+1][j+1], z[i-1][j+1] + z[i+1][j-1]) (neighbours in query
 * numbering: pos[c] is the 1-based query position of column c, NULL = consecutive;
 * missing neighbours count 0); then `passes` sharpening passes as above. */
AXCON_API int axcon_sharpen_ex(double *S, size_t n, const int *pos, int passes, double tau, double context,
                               axcon_error_t *err);

#ifdef __cplusplus
}
#endif
#endif
