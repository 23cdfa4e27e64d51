/* tiled.h - internal: deterministic, OpenMP-tiled dense linear algebra on single-threaded
 * BLAS/LAPACK kernels (OpenBLAS).
 *
 * Owns: the Cholesky factorisation and SPD inverse used by mean-field DCA, and the
 * single-precision triangular solve and product of its low-rank solver. All
 * matrices are COLUMN-MAJOR (BLAS convention) with an explicit leading dimension. Work is
 * cut into fixed AX_TILE-sized tiles whatever the thread count; each output tile is
 * computed by exactly one thread with a fixed sequence of BLAS calls, so results are
 * bitwise identical for any number of threads (OpenBLAS's own threading is not: its
 * parallel dpotrf/dpotri change the last bits with the thread count). */
#ifndef AXCON_MODEL_TILED_H
#define AXCON_MODEL_TILED_H

#include <stddef.h>

#include "axcon/error.h"

#define AX_TILE 256

/* Enter / leave a section where OpenBLAS runs one thread (reference-counted and locked, so
 * concurrent callers are safe); begin returns the saved count (>= 1). */
int ax_blas_serial_begin(void);
void ax_blas_serial_end(int old);

/* Cholesky A = L L^T of the n x n SPD matrix whose lower triangle is given (column-major,
 * leading dimension lda); L overwrites the lower triangle. Returns 0, or k > 0 when the
 * leading minor of order k is not positive definite. */
long ax_tiled_potrf(double *A, size_t n, size_t lda);

/* In place: from the Cholesky factor L (lower) to the lower triangle of A^-1 = L^-T L^-1.
 * Needs scratch for n x AX_TILE doubles; returns AXCON_OK or AXCON_ENOMEM. */
int ax_tiled_potri(double *A, size_t n, size_t lda, axcon_error_t *err);

/* B (m x n, ldb) := alpha * B * L^-T with L n x n lower (ldl), in single precision (float
 * accumulation inside each BLAS call): rows of B are independent. */
void ax_tiled_strsm_rlt(size_t m, size_t n, float alpha, const float *L, size_t ldl, float *B, size_t ldb);

/* C (m x n, ldc) := A (m x k, lda) * B(n x k, ldb)^T in single precision (float accumulation
 * inside each BLAS call). */
void ax_tiled_sgemm_nt(size_t m, size_t n, size_t k, const float *A, size_t lda, const float *B, size_t ldb, float *C,
                       size_t ldc);

#endif
