/* tiled.c - owns the deterministic OpenMP-tiled dense linear algebra of the mean-field
 * solver (see tiled.h): right-looking tiled Cholesky, the tiled triangular inverse and
 * L^-T L^-1 product (LAPACK's dtrtri/dlauum algorithms by tiles), and the tiled
 * single-precision TRSM and GEMM of the low-rank solver. Tiles are fixed-size and each output tile is written by one thread through
 * single-threaded OpenBLAS kernels, so results do not depend on the thread count. */
#include "tiled.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

/* Fortran BLAS/LAPACK (OpenBLAS); trailing hidden string lengths per gfortran's ABI. */
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info, size_t l1);
void dtrtri_(const char *uplo, const char *diag, const int *n, double *a, const int *lda, int *info, size_t l1,
             size_t l2);
void dlauum_(const char *uplo, const int *n, double *a, const int *lda, int *info, size_t l1);
void dsyrk_(const char *uplo, const char *trans, const int *n, const int *k, const double *alpha, const double *a,
            const int *lda, const double *beta, double *c, const int *ldc, size_t l1, size_t l2);
void strsm_(const char *side, const char *uplo, const char *transa, const char *diag, const int *m, const int *n,
            const float *alpha, const float *a, const int *lda, float *b, const int *ldb, size_t l1, size_t l2,
            size_t l3, size_t l4);
void dtrsm_(const char *side, const char *uplo, const char *transa, const char *diag, const int *m, const int *n,
            const double *alpha, const double *a, const int *lda, double *b, const int *ldb, size_t l1, size_t l2,
            size_t l3, size_t l4);
void dtrmm_(const char *side, const char *uplo, const char *transa, const char *diag, const int *m, const int *n,
            const double *alpha, const double *a, const int *lda, double *b, const int *ldb, size_t l1, size_t l2,
            size_t l3, size_t l4);
void dgemm_(const char *ta, const char *tb, const int *m, const int *n, const int *k, const double *alpha,
            const double *a, const int *lda, const double *b, const int *ldb, const double *beta, double *c,
            const int *ldc, size_t l1, size_t l2);
void sgemm_(const char *ta, const char *tb, const int *m, const int *n, const int *k, const float *alpha,
            const float *a, const int *lda, const float *b, const int *ldb, const float *beta, float *c,
            const int *ldc, size_t l1, size_t l2);
void openblas_set_num_threads(int n);
int openblas_get_num_threads(void);

#define T AX_TILE

static const double ONE = 1.0, MONE = -1.0;

/* OpenBLAS's thread count is process-global. Concurrent callers (a library user running
 * several predictions in threads) share one serial section: the first to enter saves the
 * count and sets 1, the last to leave restores it. */
static pthread_mutex_t g_blas_lock = PTHREAD_MUTEX_INITIALIZER;
static int g_blas_users = 0, g_blas_saved = 1;

int ax_blas_serial_begin(void)
{
    pthread_mutex_lock(&g_blas_lock);
    if (g_blas_users++ == 0) {
        g_blas_saved = openblas_get_num_threads();
        openblas_set_num_threads(1);
    }
    int old = g_blas_saved;
    pthread_mutex_unlock(&g_blas_lock);
    return old;
}

void ax_blas_serial_end(int old)
{
    (void)old;
    pthread_mutex_lock(&g_blas_lock);
    if (g_blas_users > 0 && --g_blas_users == 0) openblas_set_num_threads(g_blas_saved > 0 ? g_blas_saved : 1);
    pthread_mutex_unlock(&g_blas_lock);
}

static inline size_t tsize(size_t n, size_t t) { return n - t * T < T ? n - t * T : T; }
#define AT(A, lda, r, c) ((A) + (size_t)(r) + (size_t)(c) * (lda))

long ax_tiled_potrf(double *A, size_t n, size_t lda)
{
    size_t nt = (n + T - 1) / T;
    int ld = (int)lda;
    for (size_t k = 0; k < nt; k++) {
        size_t k0 = k * T;
        int kb = (int)tsize(n, k), info = 0;
        double *Akk = AT(A, lda, k0, k0);
        dpotrf_("L", &kb, Akk, &ld, &info, 1);
        if (info != 0) return (long)k0 + info;
        long rest = (long)(nt - k - 1);
#pragma omp parallel for schedule(dynamic, 1)
        for (long r = 0; r < rest; r++) {
            size_t i = k + 1 + (size_t)r;
            int ib = (int)tsize(n, i);
            dtrsm_("R", "L", "T", "N", &ib, &kb, &ONE, Akk, &ld, AT(A, lda, i * T, k0), &ld, 1, 1, 1, 1);
        }
        long npair = rest * rest;
#pragma omp parallel for schedule(dynamic, 1)
        for (long p = 0; p < npair; p++) {
            size_t i = k + 1 + (size_t)(p / rest), j = k + 1 + (size_t)(p % rest);
            if (j > i) continue;
            int ib = (int)tsize(n, i), jb = (int)tsize(n, j);
            if (i == j)
                dsyrk_("L", "N", &ib, &kb, &MONE, AT(A, lda, i * T, k0), &ld, &ONE, AT(A, lda, i * T, i * T), &ld, 1, 1);
            else
                dgemm_("N", "T", &ib, &jb, &kb, &MONE, AT(A, lda, i * T, k0), &ld, AT(A, lda, j * T, k0), &ld, &ONE,
                       AT(A, lda, i * T, j * T), &ld, 1, 1);
        }
    }
    return 0;
}

int ax_tiled_potri(double *A, size_t n, size_t lda, axcon_error_t *err)
{
    size_t nt = (n + T - 1) / T;
    int ld = (int)lda, ldp = (int)n, ldq = T;
    double *P = ax_alloc(n * T, sizeof *P, 0, "inverse scratch", err);
    if (!P) return AXCON_ENOMEM;
    /* 1. X = L^-1 in place, block columns from the last: for i > j,
     *    X_ij = -(X_ii L_ij + sum_{j<k<i} X_ik L_kj) L_jj^-1, with the panel L_.j copied to P. */
    for (size_t jj = nt; jj-- > 0;) {
        size_t j0 = jj * T, r0 = j0 + tsize(n, jj);
        int jb = (int)tsize(n, jj), info = 0;
        double *Ajj = AT(A, lda, j0, j0);
        if (r0 < n) {
            for (size_t c = 0; c < (size_t)jb; c++) memcpy(P + c * n + r0, AT(A, lda, r0, j0 + c), (n - r0) * sizeof *P);
            long rest = (long)(nt - jj - 1);
#pragma omp parallel for schedule(dynamic, 1)
            for (long r = 0; r < rest; r++) {
                size_t i = jj + 1 + (size_t)r, i0 = i * T;
                int ib = (int)tsize(n, i), kk = (int)(i0 - r0);
                double *out = AT(A, lda, i0, j0);
                dtrmm_("L", "L", "N", "N", &ib, &jb, &ONE, AT(A, lda, i0, i0), &ld, out, &ld, 1, 1, 1, 1);
                if (kk > 0)
                    dgemm_("N", "N", &ib, &jb, &kk, &ONE, AT(A, lda, i0, r0), &ld, P + r0, &ldp, &ONE, out, &ld, 1, 1);
                dtrsm_("R", "L", "N", "N", &ib, &jb, &MONE, Ajj, &ld, out, &ld, 1, 1, 1, 1);
            }
        }
        dtrtri_("L", "N", &jb, Ajj, &ld, &info, 1, 1);
    }
    /* 2. W = X^T X (lower), block rows from the first: W_ij = X_ii^T X_ij + sum_{k>i} X_ki^T X_kj,
     *    a block row computed into P (T x n, leading dimension T) and then copied back. */
    for (size_t i = 0; i < nt; i++) {
        size_t i0 = i * T, k0 = i0 + tsize(n, i);
        int ib = (int)tsize(n, i), kr = (int)(n - k0);
        long ncol = (long)i + 1;
#pragma omp parallel for schedule(dynamic, 1)
        for (long jl = 0; jl < ncol; jl++) {
            size_t j = (size_t)jl, j0 = j * T;
            int jb = (int)tsize(n, j), info = 0;
            double *q = P + j0 * T;
            for (size_t c = 0; c < (size_t)jb; c++) memcpy(q + c * T, AT(A, lda, i0, j0 + c), (size_t)ib * sizeof *q);
            if (j < i) {
                dtrmm_("L", "L", "T", "N", &ib, &jb, &ONE, AT(A, lda, i0, i0), &ld, q, &ldq, 1, 1, 1, 1);
                if (kr > 0)
                    dgemm_("T", "N", &ib, &jb, &kr, &ONE, AT(A, lda, k0, i0), &ld, AT(A, lda, k0, j0), &ld, &ONE, q, &ldq,
                           1, 1);
            } else {
                dlauum_("L", &ib, q, &ldq, &info, 1);
                if (kr > 0) dsyrk_("L", "T", &ib, &kr, &ONE, AT(A, lda, k0, i0), &ld, &ONE, q, &ldq, 1, 1);
            }
        }
        for (size_t j = 0; j <= i; j++) {
            size_t j0 = j * T, jb = tsize(n, j);
            for (size_t c = 0; c < jb; c++) {
                size_t rs = j == i ? c : 0; /* diagonal tile: lower part only */
                memcpy(AT(A, lda, i0 + rs, j0 + c), P + j0 * T + c * T + rs, ((size_t)ib - rs) * sizeof *P);
            }
        }
    }
    free(P);
    return AXCON_OK;
}

void ax_tiled_strsm_rlt(size_t m, size_t n, float alpha, const float *L, size_t ldl, float *B, size_t ldb)
{
    long nt = (long)((m + T - 1) / T);
    int ni = (int)n, ll = (int)ldl, lb = (int)ldb;
#pragma omp parallel for schedule(dynamic, 1)
    for (long t = 0; t < nt; t++) {
        int rb = (int)tsize(m, (size_t)t);
        strsm_("R", "L", "T", "N", &rb, &ni, &alpha, L, &ll, B + (size_t)t * T, &lb, 1, 1, 1, 1);
    }
}

void ax_tiled_sgemm_nt(size_t m, size_t n, size_t k, const float *A, size_t lda, const float *B, size_t ldb, float *C,
                       size_t ldc)
{
    static const float one = 1.0f, zero = 0.0f;
    long nt = (long)((n + T - 1) / T);
    int mi = (int)m, ki = (int)k, la = (int)lda, lb = (int)ldb, lc = (int)ldc;
#pragma omp parallel for schedule(dynamic, 1)
    for (long t = 0; t < nt; t++) {
        int nb = (int)tsize(n, (size_t)t);
        sgemm_("N", "T", &mi, &nb, &ki, &one, A, &la, B + (size_t)t * T, &lb, &zero, C + (size_t)t * T * ldc, &lc, 1,
               1);
    }
}
