/* mf.c - owns the closed-form mean-field DCA scores of `-m mf` (axcon/mf.h): building the
 * pseudocount covariance over the 20 amino-acid states, inverting it (dense Cholesky, or
 * the matrix inversion lemma in sequence space when there are fewer distinct sequences
 * than about half the matrix size), the zero-sum gauge and the Frobenius scores, plus the
 * SPD inverse used by it. Dense linear algebra: the deterministic OpenMP tiling of tiled.c
 * over single-threaded OpenBLAS kernels (configure requires libopenblas-dev); the thread
 * count is OpenMP's, and results are bitwise identical for any thread count. */
#include "axcon/mf.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "axcon/encode.h"
#include "axcon/prep.h"
#include "axcon/log.h"
#include "core/util.h"

#include "tiled.h"

#define QK 20           /* kept states: the gap is dropped */
#define QF 21.0         /* q of the pseudocount formulas */
#define STRIP_POS 32    /* positions per strip of the low-rank product */

/* Frobenius norm of the zero-sum-gauged 20 x 20 block X (element (a,b) at X[a*sa + b*sb]),
 * in double for double or float blocks. */
#define DEFINE_GAUGE_FROB(NAME, TYPE)                                                          \
    static double NAME(const TYPE *X, size_t sa, size_t sb)                                    \
    {                                                                                          \
        double r[QK], c[QK], g = 0.0, s = 0.0;                                                 \
        for (int a = 0; a < QK; a++) r[a] = c[a] = 0.0;                                        \
        for (int a = 0; a < QK; a++)                                                           \
            for (int b = 0; b < QK; b++) {                                                     \
                double x = (double)X[a * sa + b * sb];                                         \
                r[a] += x;                                                                     \
                c[b] += x;                                                                     \
            }                                                                                  \
        for (int a = 0; a < QK; a++) {                                                         \
            r[a] /= QK;                                                                        \
            c[a] /= QK;                                                                        \
            g += r[a];                                                                         \
        }                                                                                      \
        g /= QK;                                                                               \
        for (int a = 0; a < QK; a++)                                                           \
            for (int b = 0; b < QK; b++) {                                                     \
                double x = (double)X[a * sa + b * sb] - r[a] - c[b] + g;                       \
                s += x * x;                                                                    \
            }                                                                                  \
        return sqrt(s);                                                                        \
    }
DEFINE_GAUGE_FROB(gauge_frob, double)
DEFINE_GAUGE_FROB(gauge_frob_f, float)

/* Cholesky inverse of the SPD matrix whose row-major upper triangle is given; only the
 * row-major upper triangle (column-major lower) of the inverse is written. */
static int chol_inverse_upper(double *A, size_t n, axcon_error_t *err)
{
    if (n == 0) return AXCON_OK;
    if (n > INT_MAX) return axcon_error_set(err, AXCON_ERESOURCE, "matrix of order %zu is too large for LAPACK", n);
    /* row-major upper triangle = column-major lower triangle */
    int old = ax_blas_serial_begin();
    long info = ax_tiled_potrf(A, n, n);
    int st = info == 0 ? ax_tiled_potri(A, n, n, err) : AXCON_OK;
    ax_blas_serial_end(old);
    if (st != AXCON_OK) return st;
    if (info != 0)
        return axcon_error_set(err, AXCON_EINPUT,
                               "covariance matrix is not positive definite (leading minor %ld): use a pseudocount > 0",
                               info);
    return AXCON_OK;
}

int axcon_spd_inverse(double *A, size_t n, axcon_error_t *err)
{
    int st = chol_inverse_upper(A, n, err);
    if (st != AXCON_OK) return st;
    const size_t T = 64; /* mirror the upper triangle in tiles */
    long nt = (long)((n + T - 1) / T);
#pragma omp parallel for schedule(dynamic, 1)
    for (long rt = 0; rt < nt; rt++) {
        size_t r0 = (size_t)rt * T, r1 = r0 + T < n ? r0 + T : n;
        for (size_t c0 = 0; c0 <= r0; c0 += T)
            for (size_t r = r0; r < r1; r++) {
                size_t c1 = c0 + T < r ? c0 + T : r;
                for (size_t c = c0; c < c1; c++) A[r * n + c] = A[c * n + r];
            }
    }
    return AXCON_OK;
}

static int mf_dense(const axcon_prep_t *p, double lambda, double *S, axcon_error_t *err)
{
    size_t L = axcon_prep_ncol(p), n = L * QK, nn;
    int st;
    if (ax_mul_ok(n, n, &nn) != 0) return axcon_error_set(err, AXCON_ENOMEM, "mf: %zu columns too many", L);
    double *C = ax_alloc(nn, sizeof *C, 0, "mean-field covariance", err);
    if (!C) return AXCON_ENOMEM;
    double t0 = axcon_realtime();
    if ((st = axcon_prep_pair_matrix(p, QK, lambda, AXCON_PAIR_CENTERED | AXCON_PAIR_UPPER, C, err)) != AXCON_OK)
        goto done;
    double t1 = axcon_realtime();
    if ((st = chol_inverse_upper(C, n, err)) != AXCON_OK) goto done;
    axcon_debug("dense n=%zu: covariance %.2f s, Cholesky inverse %.2f s", n, t1 - t0, axcon_realtime() - t1);
    long Ll = (long)L;
#pragma omp parallel for schedule(dynamic, 1)
    for (long il = 0; il < Ll; il++) {
        size_t i = (size_t)il;
        S[i * L + i] = 0.0;
        for (size_t j = i + 1; j < L; j++) {
            double v = gauge_frob(C + (i * QK) * n + j * QK, n, 1);
            S[i * L + j] = v;
            S[j * L + i] = v;
        }
    }
done:
    free(C);
    return st;
}

/* Cost (flops) of the two solvers. */
static void mf_costs(size_t L, size_t m, double *dense, double *lowrank)
{
    double n = (double)L * QK, md = (double)m;
    *dense = n * n * n + n * n; /* potrf + potri (+ fill) */
    *lowrank = n * n * md + 2.0 * md * md * n + md * md * md / 3.0;
}

static int mf_lowrank(const axcon_prep_t *p, double lambda, double *S, axcon_error_t *err)
{
    int st = AXCON_OK, old = -1;
    const size_t L = axcon_prep_ncol(p), n = L * QK, nu = axcon_prep_ndistinct(p);
    const double meff = axcon_prep_neff(p), *f = axcon_prep_freq(p), *wu = axcon_prep_row_weights(p);
    const uint8_t *uniq = axcon_prep_rows(p);
    size_t m, mn;
    double *V = NULL, *Sb = NULL, *K = NULL;
    float *G = NULL;
    if (!(lambda > 0.0)) return axcon_error_set(err, AXCON_EUSAGE, "mf low-rank solver needs a pseudocount > 0");
    m = nu + 1;
    if (n > INT_MAX || m > INT_MAX || ax_mul_ok(m, n, &mn) != 0 || ax_mul_ok(m, m, &(size_t){0}) != 0) {
        st = axcon_error_set(err, AXCON_ERESOURCE, "mf: %zu x %zu problem too large", m, n);
        goto done;
    }
    if (!(V = ax_alloc(mn, sizeof *V, 0, "mean-field encoding", err)) ||
        !(Sb = ax_alloc(m * L, sizeof *Sb, 0, "block sums", err)) ||
        !(K = ax_alloc(m * m, sizeof *K, 1, "sequence-space matrix", err))) {
        st = AXCON_ENOMEM;
        goto done;
    }
    /* V rows 0..nu-1: sqrt(1-l) Z of the distinct sequences (weights wu, already summed). */
    if ((st = axcon_encode_centered(uniq, nu, L, wu, f, QK, V, err)) != AXCON_OK) goto done;
    {
        /* encode_centered scaled by sqrt(wu/sum(wu)); sum(wu) = meff up to rounding order, so
         * rescale exactly to sqrt(wu/meff) * sqrt(1-l). Last row: sqrt(l(1-l)) (f - 1/q). */
        double su = 0.0;
        for (size_t u = 0; u < nu; u++) su += wu[u];
        double sc = sqrt((1.0 - lambda) * su / meff);
        double *Vlast = V + nu * n;
        for (size_t k = 0; k < nu * n; k++) V[k] *= sc;
        double r = sqrt(lambda * (1.0 - lambda));
        for (size_t i = 0; i < L; i++)
            for (int a = 0; a < QK; a++) Vlast[i * QK + a] = r * (f[i * 21 + a] - 1.0 / QF);
    }
    /* block sums S (m x L row-major = column-major L x m) */
    long ml = (long)m;
#pragma omp parallel for schedule(static)
    for (long rl = 0; rl < ml; rl++) {
        double *v = V + (size_t)rl * n, *s = Sb + (size_t)rl * L;
        for (size_t i = 0; i < L; i++) {
            double t = 0.0;
            for (int a = 0; a < QK; a++) t += v[i * QK + a];
            s[i] = t;
        }
    }
    double t0 = axcon_realtime();
    old = ax_blas_serial_begin();
    double c = QF / lambda;
    for (size_t k = 0; k < m; k++) K[k * m + k] = 1.0;
    /* K = I + (q/l)(V V^T + S S^T); row-major m x n is column-major n x m, so V V^T = Vc^T Vc */
    ax_tiled_syrk_t(m, n, c, V, n, K, m);
    ax_tiled_syrk_t(m, L, c, Sb, L, K, m);
    long info = ax_tiled_potrf(K, m, m);
    if (info != 0) {
        st = axcon_error_set(err, AXCON_EINTERNAL, "mf: sequence-space matrix not positive definite (%ld)", info);
        goto done;
    }
    double t1 = axcon_realtime();
    /* centre V within each 20-state block: the zero-sum gauge, since B^-1 P = (q/l) P */
#pragma omp parallel for schedule(static)
    for (long rl = 0; rl < ml; rl++) {
        double *v = V + (size_t)rl * n, *s = Sb + (size_t)rl * L;
        for (size_t i = 0; i < L; i++) {
            double mu = s[i] / QK;
            for (int a = 0; a < QK; a++) v[i * QK + a] -= mu;
        }
    }
    /* R = (q/l) Lk^-1 Vc: column-major, Rc (n x m) = (q/l) Vc_cm Lk^-T */
    ax_tiled_trsm_rlt(n, m, c, K, m, V, n);
    free(K);
    free(Sb);
    K = Sb = NULL;
    double t2 = axcon_realtime();
    /* The coupling products run in single precision, twice as fast as in double: R in place
     * as floats (its first half; the rest given back), the products' sums in float. On
     * T1052-D3 (m = 3570) the products take 18.7 s against 31.9 s, the scores as written
     * (6 digits) differ from those of double products by at most 1e-6 and the top-L pairs
     * are the same. */
    float *Rf = (float *)V;
    for (size_t k0 = 0; k0 < mn; k0 += 512) { /* forward: floats k0.. overlap doubles already read */
        double buf[512];
        float fb[512];
        size_t nk = mn - k0 < 512 ? mn - k0 : 512;
        memcpy(buf, V + k0, nk * sizeof *buf);
        for (size_t k = 0; k < nk; k++) fb[k] = (float)buf[k];
        memcpy(Rf + k0, fb, nk * sizeof *fb);
    }
    {
        float *shrunk = realloc(V, mn * sizeof *Rf);
        if (shrunk) V = (double *)(void *)shrunk, Rf = shrunk;
    }
    if (!(G = ax_alloc((size_t)STRIP_POS * QK * n, sizeof *G, 0, "coupling strip", err))) {
        st = AXCON_ENOMEM;
        goto done;
    }
    /* gauge-fixed J_ij = R_i^T R_j; strips of STRIP_POS positions against all later columns */
    for (size_t i0 = 0; i0 < L; i0 += STRIP_POS) {
        size_t np = L - i0 < STRIP_POS ? L - i0 : STRIP_POS;
        size_t rows = np * QK, cols = n - i0 * QK;
        /* G (rows x cols, column-major) = Rc[i0.., :] * Rc[i0.., :]^T */
        ax_tiled_sgemm_nt(rows, cols, m, Rf + i0 * QK, n, Rf + i0 * QK, n, G, rows);
        long npl = (long)np;
#pragma omp parallel for schedule(dynamic, 1)
        for (long pl = 0; pl < npl; pl++) {
            size_t i = i0 + (size_t)pl;
            S[i * L + i] = 0.0;
            for (size_t j = i + 1; j < L; j++) {
                /* element (a,b) of block (i,j): G[(pl*20 + a) + ((j-i0)*20 + b) * rows] */
                double v = gauge_frob_f(G + (size_t)pl * QK + (j - i0) * QK * rows, 1, rows);
                S[i * L + j] = v;
                S[j * L + i] = v;
            }
        }
    }
    axcon_debug("low rank m=%zu n=%zu: K %.2f s, solve %.2f s, products %.2f s", m, n, t1 - t0, t2 - t1,
                axcon_realtime() - t2);
done:
    if (old >= 0) ax_blas_serial_end(old);
    free(V);
    free(Sb);
    free(K);
    free(G);
    return st;
}


int axcon_mf_scores(const axcon_prep_t *p, double pseudocount, axcon_mf_solver_t solver, double *S, axcon_error_t *err)
{
    if (!p || !S) return axcon_error_set(err, AXCON_EUSAGE, "mf: NULL argument");
    if (!(pseudocount >= 0.0 && pseudocount < 1.0))
        return axcon_error_set(err, AXCON_EUSAGE, "pseudocount must be in [0,1), got %g", pseudocount);
    const size_t ncol = axcon_prep_ncol(p), nu = axcon_prep_ndistinct(p);
    if (ncol == 1) {
        S[0] = 0.0;
        return AXCON_OK;
    }
    if (solver == AXCON_MF_AUTO) { /* distinct sequences decide the low-rank cost */
        double cd, cl;
        mf_costs(ncol, nu + 1, &cd, &cl);
        solver = (pseudocount > 0.0 && cl < cd) ? AXCON_MF_LOWRANK : AXCON_MF_DENSE;
        axcon_info("mean-field DCA: %zu columns, %zu distinct sequences, %s solver (%.2g flops)", ncol, nu,
                   solver == AXCON_MF_LOWRANK ? "low-rank" : "dense", solver == AXCON_MF_LOWRANK ? cl : cd);
    }
    if (solver == AXCON_MF_LOWRANK) return mf_lowrank(p, pseudocount, S, err);
    return mf_dense(p, pseudocount, S, err);
}

int axcon_mf_scores_codes(const uint8_t *codes, size_t nseq, size_t ncol, const double *w, double pseudocount,
                          axcon_mf_solver_t solver, double *S, axcon_error_t *err)
{
    if (!(pseudocount >= 0.0 && pseudocount < 1.0))
        return axcon_error_set(err, AXCON_EUSAGE, "pseudocount must be in [0,1), got %g", pseudocount);
    if (ncol == 0) return AXCON_OK;
    axcon_prep_t *p = NULL;
    int st = axcon_prep_from_codes(codes, nseq, ncol, w, &p, err);
    if (st == AXCON_OK) st = axcon_mf_scores(p, pseudocount, solver, S, err);
    axcon_prep_free(p);
    return st;
}

/* Memory of the two solvers as allocated above (and by axcon_prep_pair_matrix), for the
 * solver axcon_mf_scores picks. */
void axcon_mf_estimate(size_t L, size_t N, size_t ndistinct, double pseudocount, int threads, double *bytes,
                       double *seconds)
{
    double Lf = (double)L, nu = (double)ndistinct; /* N: the solvers see only the distinct rows */
    double n = QK * Lf, m = nu + 1.0, cd, cl, b, t;
    if (threads < 1) threads = 1;
    (void)N;
    mf_costs(L, ndistinct + 1, &cd, &cl);
    if (pseudocount > 0.0 && cl < cd) {
        /* V (m x n), block sums (m x L), K (m x m); then V as floats and a coupling strip
         * (32*20 x n floats) */
        b = 8.0 * (m * n + m * Lf + m * m);
        t = cl / (2.5e10 * threads);
    } else {
        /* C (n x n), of which only the upper triangle is ever written (pair counts, Cholesky,
         * inverse): measured resident fraction 0.79 at n = 1500 down to 0.60 at n = 7300 (page
         * and tile rounding), modelled as 0.55 + 11/sqrt(n) (a little high on purpose); the
         * column-major rows and pair tables of the counts; the inverse's panel scratch */
        double frac = 0.55 + 11.0 / sqrt(n);
        if (frac > 1.0) frac = 1.0;
        b = frac * 8.0 * n * n + 8.0 * n * 64.0 + threads * 8.0 * 4.0 * 441.0 + Lf * nu + 8.0 * 21.0 * Lf;
        t = cd / (2.5e10 * threads) + 1e-9 * nu * Lf * Lf / threads;
    }
    if (bytes) *bytes = b;
    if (seconds) *seconds = t;
}
