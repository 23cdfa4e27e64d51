/* axcon/encode.h - stage 3 of the pipeline: column encoding and pair statistics.
 *
 * Owns: the weighted single-site frequencies f_i(a), the pseudocount formulas, the
 * centred weighted column encoding Z and the weighted pair frequencies / covariance over
 * all column pairs (docs/METHOD.md, "Columns as queries and keys").
 *
 * Notation: N sequences, L columns, q = AXCON_Q = 21 states (20 amino acids + gap), codes
 * N x L row-major (axcon_msa_data), weights w_n >= 0, Meff = sum of w_n (summed in index
 * order). A "kept" alphabet of qk states means states 0..qk-1: qk = 21 keeps every state,
 * qk = 20 drops the gap state (as mean-field DCA does). Dense pair matrices are
 * (L*qk) x (L*qk) row-major with index (i*qk + a, j*qk + b).
 *
 *   f_i(a)      = sum_n w_n [x_ni = a] / Meff
 *   f_ij(a,b)   = sum_n w_n [x_ni = a][x_nj = b] / Meff       (f_ii(a,b) = [a = b] f_i(a))
 *   pseudocount lambda (over q = 21 states, whatever qk is):
 *   f'_i(a)     = (1 - lambda) f_i(a) + lambda / q
 *   f'_ij(a,b)  = (1 - lambda) f_ij(a,b) + lambda / q^2   (i != j),  f'_ii = diag(f'_i)
 *   C_ij(a,b)   = f'_ij(a,b) - f'_i(a) f'_j(b)
 *   Z_n,(i,a)   = sqrt(w_n / Meff) (x_ni(a) - f_i(a)),   so that  Z^T Z = C  (lambda = 0).
 *
 * Pair statistics are counted, not multiplied: for every column pair the 21 x 21 table of
 * summed weights is accumulated in one pass over the (duplicate-collapsed) sequences,
 * OpenMP-parallel over column pairs with every output block written by one thread and a
 * fixed summation order, so results are identical for any thread count. */
#ifndef AXCON_ENCODE_H
#define AXCON_ENCODE_H

#include <stddef.h>
#include <stdint.h>

#include "axcon/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Check the weights (finite, >= 0, at least one > 0) and return Meff in *meff.
 * EINPUT names the first bad weight. */
AXCON_API int axcon_weights_sum(const double *w, size_t nseq, double *meff, axcon_error_t *err);

/* Weighted single frequencies over all q = 21 states: f is ncol x 21 (caller-allocated).
 * codes must hold values 0..20 (EINPUT otherwise). */
AXCON_API int axcon_freq1(const uint8_t *codes, size_t nseq, size_t ncol, const double *w, double *f,
                          axcon_error_t *err);

/* In place on an ncol x 21 frequency table: f' = (1 - lambda) f + lambda / 21. */
AXCON_API void axcon_freq1_pseudocount(double *f, size_t ncol, double lambda);

/* Collapse identical rows (grouped by the project's one row hash; the prepared alignment of
 * axcon/prep.h does this once per prediction): *nuniq distinct rows (first-occurrence order)
 * are written to uniq (nseq x ncol bytes, caller-allocated, may be codes itself; only the
 * first *nuniq rows are used) with
 * their summed weights in wu (nseq doubles), added in index order. Rows of weight 0 are
 * dropped. Deterministic. */
AXCON_API int axcon_collapse_duplicates(const uint8_t *codes, size_t nseq, size_t ncol, const double *w,
                                        uint8_t *uniq, double *wu, size_t *nuniq, axcon_error_t *err);

/* Centred weighted encoding over the kept states: Z is nseq x (ncol*qk) row-major,
 * Z[n][i*qk + a] = sqrt(w_n / Meff) ([x_ni = a] - f_i(a)), f = ncol x 21 raw frequencies
 * (from axcon_freq1). qk is 20 or 21. Then Z^T Z is the covariance C restricted to the
 * kept states. */
AXCON_API int axcon_encode_centered(const uint8_t *codes, size_t nseq, size_t ncol, const double *w,
                                    const double *f, int qk, double *Z, axcon_error_t *err);

/* Flags of axcon_pair_matrix. */
#define AXCON_PAIR_CENTERED 1 /* subtract f'_i(a) f'_j(b): the covariance C */
#define AXCON_PAIR_UPPER 2    /* write only the blocks i <= j (row-major upper triangle; this is the
                                 lower triangle LAPACK reads in column-major order) */

/* The dense pair matrix over the kept states (qk = 20 or 21), (ncol*qk)^2 doubles,
 * caller-allocated, both triangles filled unless AXCON_PAIR_UPPER:
 *   flags 0:                    M = f'_ij(a,b)                     (f'_ii = diag(f'_i))
 *   flags AXCON_PAIR_CENTERED:  M = f'_ij(a,b) - f'_i(a) f'_j(b)   (the covariance C)
 * lambda in [0, 1). lambda = 0, flags 0 gives the raw pair frequencies. Duplicate rows are
 * collapsed internally (axcon_prep_pair_matrix of axcon/prep.h does it on a prepared
 * alignment). */
AXCON_API int axcon_pair_matrix(const uint8_t *codes, size_t nseq, size_t ncol, const double *w, int qk,
                                double lambda, int flags, double *M, axcon_error_t *err);

#ifdef __cplusplus
}
#endif
#endif
