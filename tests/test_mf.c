/* test_mf.c - unit tests of mean-field DCA (-m mf) and attention sharpening: the SPD
 * inverse against Gauss-Jordan, a planted covarying pair, dense vs low-rank solver
 * agreement, the sequence-space Gram matrix from counts, thread invariance, the singular (no pseudocount) case, and the sharpening /
 * context-term post-processing. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "axcon/contacts.h"
#include "axcon/log.h"
#include "axcon/mf.h"
#include "axcon/msa.h"
#include "axcon/predict.h"
#include "model/mf_internal.h"
#include "testutil.h"

static uint64_t g_rng = 0x9E3779B97F4A7C15ULL;
static uint64_t rnd(void)
{
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return g_rng;
}
static double urand(void) { return (double)(rnd() >> 11) / 9007199254740992.0; }

/* Naive Gauss-Jordan inverse with partial pivoting (reference). */
static int gauss_jordan(const double *A, double *X, size_t n)
{
    double *T = malloc(n * 2 * n * sizeof *T);
    for (size_t r = 0; r < n; r++)
        for (size_t c = 0; c < 2 * n; c++) T[r * 2 * n + c] = c < n ? A[r * n + c] : (c - n == r);
    for (size_t k = 0; k < n; k++) {
        size_t p = k;
        for (size_t r = k + 1; r < n; r++)
            if (fabs(T[r * 2 * n + k]) > fabs(T[p * 2 * n + k])) p = r;
        if (T[p * 2 * n + k] == 0.0) {
            free(T);
            return -1;
        }
        for (size_t c = 0; c < 2 * n; c++) {
            double t = T[k * 2 * n + c];
            T[k * 2 * n + c] = T[p * 2 * n + c];
            T[p * 2 * n + c] = t;
        }
        double d = T[k * 2 * n + k];
        for (size_t c = 0; c < 2 * n; c++) T[k * 2 * n + c] /= d;
        for (size_t r = 0; r < n; r++) {
            if (r == k) continue;
            double m = T[r * 2 * n + k];
            for (size_t c = 0; c < 2 * n; c++) T[r * 2 * n + c] -= m * T[k * 2 * n + c];
        }
    }
    for (size_t r = 0; r < n; r++) memcpy(X + r * n, T + r * 2 * n + n, n * sizeof *X);
    free(T);
    return 0;
}

static void test_spd_inverse(void)
{
    size_t sizes[] = {1, 7, 150, 520}; /* 520: three tiles of the tiled Cholesky, the last partial */
    axcon_error_t err;
    axcon_error_clear(&err);
    for (int t = 0; t < 4; t++) {
        size_t n = sizes[t], k = n + 3;
        double *G = malloc(n * k * sizeof *G), *A = malloc(n * n * sizeof *A), *X = malloc(n * n * sizeof *X);
        for (size_t i = 0; i < n * k; i++) G[i] = urand() - 0.5;
        for (size_t r = 0; r < n; r++)
            for (size_t c = 0; c < n; c++) {
                double s = r == c ? 0.1 : 0.0;
                for (size_t m = 0; m < k; m++) s += G[r * k + m] * G[c * k + m];
                A[r * n + c] = s;
            }
        CU_ASSERT_EQUAL_FATAL(gauss_jordan(A, X, n), 0);
#ifdef _OPENMP
        /* bitwise identical with 1 and 2 threads */
        double *A2 = malloc(n * n * sizeof *A2);
        memcpy(A2, A, n * n * sizeof *A2);
        int old = omp_get_max_threads();
        omp_set_num_threads(2);
        CU_ASSERT_EQUAL(axcon_spd_inverse(A2, n, &err), AXCON_OK);
        omp_set_num_threads(1);
        CU_ASSERT_EQUAL_FATAL(axcon_spd_inverse(A, n, &err), AXCON_OK);
        omp_set_num_threads(old);
        CU_ASSERT_EQUAL(memcmp(A, A2, n * n * sizeof *A), 0);
        free(A2);
#else
        CU_ASSERT_EQUAL_FATAL(axcon_spd_inverse(A, n, &err), AXCON_OK);
#endif
        double md = 0, mx = 0;
        for (size_t i = 0; i < n * n; i++) {
            if (fabs(A[i] - X[i]) > md) md = fabs(A[i] - X[i]);
            if (fabs(X[i]) > mx) mx = fabs(X[i]);
        }
        CU_ASSERT(md <= 1e-9 * mx);
        CU_ASSERT(mx > 0.0);
        free(G);
        free(A);
        free(X);
    }
    /* not positive definite: user error with a message */
    double B[4] = {1.0, 2.0, 2.0, 1.0};
    CU_ASSERT_EQUAL(axcon_spd_inverse(B, 2, &err), AXCON_EINPUT);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "positive definite"));
}

/* N x L alignment of random columns with columns a and b perfectly covarying
 * (state of b = a fixed permutation of the state of a). */
static void planted(uint8_t *x, double *w, size_t N, size_t L, size_t a, size_t b)
{
    for (size_t n = 0; n < N; n++) {
        for (size_t i = 0; i < L; i++) x[n * L + i] = (uint8_t)(rnd() % 20);
        if (rnd() % 10 == 0) x[n * L + (rnd() % L)] = AXCON_GAP;
        x[n * L + b] = (uint8_t)((x[n * L + a] * 7 + 3) % 20);
        if (x[n * L + a] == AXCON_GAP) x[n * L + b] = AXCON_GAP;
        w[n] = 0.5 + urand();
    }
}

static void argmax_pair(const double *S, size_t L, size_t *bi, size_t *bj)
{
    double best = -1;
    for (size_t i = 0; i < L; i++)
        for (size_t j = i + 1; j < L; j++)
            if (S[i * L + j] > best) {
                best = S[i * L + j];
                *bi = i;
                *bj = j;
            }
}

static void test_planted_pair(void)
{
    const size_t N = 400, L = 12;
    uint8_t *x = malloc(N * L);
    double *w = malloc(N * sizeof *w), *S = malloc(L * L * sizeof *S);
    planted(x, w, N, L, 3, 8);
    axcon_error_t err;
    axcon_error_clear(&err);
    for (int solver = AXCON_MF_DENSE; solver <= AXCON_MF_LOWRANK; solver++) {
        CU_ASSERT_EQUAL_FATAL(axcon_mf_scores_codes(x, N, L, w, 0.5, (axcon_mf_solver_t)solver, S, &err), AXCON_OK);
        size_t bi = 0, bj = 0;
        argmax_pair(S, L, &bi, &bj);
        CU_ASSERT_EQUAL(bi, 3);
        CU_ASSERT_EQUAL(bj, 8);
        for (size_t i = 0; i < L; i++) {
            CU_ASSERT_EQUAL(S[i * L + i], 0.0);
            for (size_t j = 0; j < L; j++) CU_ASSERT_EQUAL(S[i * L + j], S[j * L + i]);
        }
        /* the planted pair stands far above the rest */
        double second = 0;
        for (size_t i = 0; i < L; i++)
            for (size_t j = i + 1; j < L; j++)
                if (!(i == 3 && j == 8) && S[i * L + j] > second) second = S[i * L + j];
        CU_ASSERT(S[3 * L + 8] > 3.0 * second);
    }
    free(x);
    free(w);
    free(S);
}

static double max_rel_diff(const double *a, const double *b, size_t n)
{
    double md = 0, mx = 0;
    for (size_t k = 0; k < n; k++) {
        if (fabs(a[k] - b[k]) > md) md = fabs(a[k] - b[k]);
        if (fabs(a[k]) > mx) mx = fabs(a[k]);
    }
    return mx > 0 ? md / mx : (md > 0 ? 1.0 : 0.0);
}

/* Both solvers compute the same J (to float rounding: the low-rank solver's coupling products
 * run in single precision); with 1 and 2 threads. Small random alignments with duplicate rows
 * and gaps. */
static void test_solvers_and_threads(void)
{
    const size_t N = 90, L = 17;
    uint8_t *x = malloc(N * L);
    double *w = malloc(N * sizeof *w), *Sd = malloc(L * L * sizeof *Sd), *Sl = malloc(L * L * sizeof *Sl),
           *S2 = malloc(L * L * sizeof *S2);
    planted(x, w, N, L, 2, 11);
    for (size_t n = 1; n < N; n += 9) memcpy(x + n * L, x + (n - 1) * L, L); /* duplicates */
    for (size_t i = 0; i < L; i++) x[5 * L + i] = AXCON_GAP;                  /* an all-gap row */
    axcon_error_t err;
    axcon_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(axcon_mf_scores_codes(x, N, L, w, 0.3, AXCON_MF_DENSE, Sd, &err), AXCON_OK);
    CU_ASSERT_EQUAL_FATAL(axcon_mf_scores_codes(x, N, L, w, 0.3, AXCON_MF_LOWRANK, Sl, &err), AXCON_OK);
    CU_ASSERT(max_rel_diff(Sd, Sl, L * L) < 2e-6);
    CU_ASSERT_EQUAL_FATAL(axcon_mf_scores_codes(x, N, L, w, 0.3, AXCON_MF_AUTO, S2, &err), AXCON_OK);
    CU_ASSERT(max_rel_diff(Sd, S2, L * L) < 2e-6);
#ifdef _OPENMP
    int old = omp_get_max_threads();
    for (int solver = AXCON_MF_DENSE; solver <= AXCON_MF_LOWRANK; solver++) {
        double *ref = solver == AXCON_MF_DENSE ? Sd : Sl;
        omp_set_num_threads(1);
        CU_ASSERT_EQUAL(axcon_mf_scores_codes(x, N, L, w, 0.3, (axcon_mf_solver_t)solver, ref, &err), AXCON_OK);
        omp_set_num_threads(2);
        CU_ASSERT_EQUAL(axcon_mf_scores_codes(x, N, L, w, 0.3, (axcon_mf_solver_t)solver, S2, &err), AXCON_OK);
        CU_ASSERT(max_rel_diff(ref, S2, L * L) < 1e-9);
        CU_ASSERT_EQUAL(memcmp(ref, S2, L * L * sizeof *S2), 0); /* in fact bitwise */
    }
    omp_set_num_threads(old);
#endif
    free(x);
    free(w);
    free(Sd);
    free(Sl);
    free(S2);
}

static void test_singular_and_usage(void)
{
    const size_t N = 30, L = 5;
    uint8_t x[30 * 5];
    double w[30], S[25];
    for (size_t n = 0; n < N; n++)
        for (size_t i = 0; i < L; i++) x[n * L + i] = (uint8_t)(i == 0 ? 4 : rnd() % 21); /* column 1 conserved */
    for (size_t n = 0; n < N; n++) w[n] = 1.0;
    axcon_error_t err;
    axcon_error_clear(&err);
    CU_ASSERT_EQUAL(axcon_mf_scores_codes(x, N, L, w, 0.0, AXCON_MF_DENSE, S, &err), AXCON_EINPUT);
    CU_ASSERT_EQUAL(axcon_mf_scores_codes(x, N, L, w, 0.0, AXCON_MF_LOWRANK, S, &err), AXCON_EUSAGE);
    CU_ASSERT_EQUAL(axcon_mf_scores_codes(x, N, L, w, 1.0, AXCON_MF_AUTO, S, &err), AXCON_EUSAGE);
    CU_ASSERT_EQUAL(axcon_mf_scores_codes(x, N, L, w, 0.5, AXCON_MF_AUTO, S, &err), AXCON_OK);
    for (size_t k = 0; k < L * L; k++) CU_ASSERT(isfinite(S[k]));
}

/* The public entry point on a prepared alignment: the same scores as on the raw rows. */
static void test_msa_entry(void)
{
    const size_t N = 200, L = 10;
    uint8_t *x = malloc(N * L);
    double *w = malloc(N * sizeof *w), *S = malloc(L * L * sizeof *S), *R = malloc(L * L * sizeof *R);
    planted(x, w, N, L, 1, 6);
    for (size_t i = 0; i < L; i++) x[i] = (uint8_t)(i % 20); /* query without gaps */
    x[6] = (uint8_t)((x[1] * 7 + 3) % 20);
    axcon_msa_t *msa = NULL;
    axcon_error_t err;
    axcon_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(axcon_msa_from_codes(x, N, L, "q", &msa, &err), AXCON_OK);
    axcon_prep_t *prep = NULL;
    CU_ASSERT_EQUAL_FATAL(axcon_prep_from_codes(axcon_msa_data(msa), N, L, w, &prep, &err), AXCON_OK);
    CU_ASSERT_EQUAL_FATAL(axcon_mf_scores(prep, 0.4, AXCON_MF_DENSE, S, &err), AXCON_OK);
    axcon_prep_free(prep);
    CU_ASSERT_EQUAL_FATAL(axcon_mf_scores_codes(axcon_msa_data(msa), axcon_msa_nseq(msa), L, w, 0.4, AXCON_MF_DENSE,
                                                R, &err),
                          AXCON_OK);
    for (size_t k = 0; k < L * L; k++) CU_ASSERT_EQUAL(S[k], R[k]); /* bit for bit */
    size_t bi = 0, bj = 0;
    argmax_pair(S, L, &bi, &bj);
    CU_ASSERT(bi == 1 && bj == 6);
    axcon_msa_free(msa);
    free(x);
    free(w);
    free(S);
    free(R);
}

static void test_sharpen(void)
{
    const size_t n = 12;
    double S[144], T[144];
    for (size_t i = 0; i < n; i++)
        for (size_t j = i; j < n; j++) S[i * n + j] = S[j * n + i] = i == j ? 0 : urand();
    S[2 * n + 9] = S[9 * n + 2] = 5.0; /* one strong pair */
    axcon_apc(S, n);
    axcon_error_t err;
    axcon_error_clear(&err);
    memcpy(T, S, sizeof S);
    CU_ASSERT_EQUAL(axcon_mf_sharpen(T, n, 0, 1.0, &err), AXCON_OK);
    CU_ASSERT_EQUAL(memcmp(T, S, sizeof S), 0); /* zero passes: unchanged */
    CU_ASSERT_EQUAL(axcon_mf_sharpen(T, n, 1, 0.0, &err), AXCON_EUSAGE);
    CU_ASSERT_EQUAL(axcon_mf_sharpen(T, n, -1, 1.0, &err), AXCON_EUSAGE);
    CU_ASSERT_EQUAL_FATAL(axcon_mf_sharpen(T, n, 2, 0.5, &err), AXCON_OK);
    size_t bi = 0, bj = 0;
    argmax_pair(T, n, &bi, &bj);
    CU_ASSERT(bi == 2 && bj == 9);
    double rowsum = 0;
    for (size_t i = 0; i < n; i++) {
        CU_ASSERT_EQUAL(T[i * n + i], 0.0);
        for (size_t j = 0; j < n; j++) {
            CU_ASSERT_EQUAL(T[i * n + j], T[j * n + i]);
            CU_ASSERT(isfinite(T[i * n + j]));
        }
    }
    for (size_t j = 0; j < n; j++) rowsum += T[0 * n + j];
    CU_ASSERT(fabs(rowsum) < 1.0); /* APC'd output, not raw softmax sums of 2 */
    CU_ASSERT(memcmp(T, S, sizeof S) != 0);

    /* context term by hand: z-scores plus 0.25 x the best diagonal-neighbour sum */
    double U[16] = {0}, Z[16];
    const size_t m = 4;
    double v[6] = {1.0, 2.0, 0.5, 3.0, 0.25, 4.0}; /* (0,1) (0,2) (0,3) (1,2) (1,3) (2,3) */
    size_t k = 0;
    for (size_t i = 0; i < m; i++)
        for (size_t j = i + 1; j < m; j++) U[i * m + j] = U[j * m + i] = v[k++];
    double mu = 0, sd = 0;
    for (k = 0; k < 6; k++) mu += v[k] / 6;
    for (k = 0; k < 6; k++) sd += (v[k] - mu) * (v[k] - mu) / 6;
    sd = sqrt(sd);
    for (size_t i = 0; i < 16; i++) Z[i] = (i % 5 == 0) ? 0 : (U[i] - mu) / sd;
    CU_ASSERT_EQUAL_FATAL(axcon_sharpen_ex(U, m, NULL, 0, 1.0, 0.25, &err), AXCON_OK);
    /* pair (0,2): parallel z(-1,1)=0 + z(1,3); antiparallel z(-1,3)=0 + z(1,1)=0 (diagonal) */
    double par = Z[1 * m + 3], want = Z[0 * m + 2] + 0.25 * (par > 0 ? par : 0);
    CU_ASSERT_DOUBLE_EQUAL(U[0 * m + 2], want, 1e-12);
    /* pair (1,2): parallel z(0,1) + z(2,3); antiparallel z(0,3) + z(2,1) */
    double p2 = Z[0 * m + 1] + Z[2 * m + 3], a2 = Z[0 * m + 3] + Z[2 * m + 1];
    CU_ASSERT_DOUBLE_EQUAL(U[1 * m + 2], Z[1 * m + 2] + 0.25 * (p2 > a2 ? p2 : a2), 1e-12);
    /* positions with a hole: columns 0,1 | 2,3 are not neighbours across the hole */
    int pos[4] = {1, 2, 5, 6};
    for (size_t i = 0; i < m; i++)
        for (size_t j = i + 1; j < m; j++) U[i * m + j] = U[j * m + i] = 0;
    k = 0;
    for (size_t i = 0; i < m; i++)
        for (size_t j = i + 1; j < m; j++) U[i * m + j] = U[j * m + i] = v[k++];
    CU_ASSERT_EQUAL_FATAL(axcon_sharpen_ex(U, m, pos, 0, 1.0, 0.25, &err), AXCON_OK);
    /* (1,2): neighbours of column 1 = {0}, of column 2 = {3}: parallel z(0,-)=0, anti z(0,3) */
    double a3 = Z[0 * m + 3];
    CU_ASSERT_DOUBLE_EQUAL(U[1 * m + 2], Z[1 * m + 2] + 0.25 * (a3 > 0 ? a3 : 0), 1e-12);
}

/* The sequence-space Gram matrix from counts against the explicit double product V V^T + S S^T
 * it replaces: rows with gaps, a row length past the kernel's 127-vector flush (L = 4200),
 * both the SIMD and the plain kernel, and 1 against 3 threads bitwise. */
static void test_seq_gram(void)
{
    const size_t Ls[2] = {45, 4200};
    const size_t nu = 23;
    for (int li = 0; li < 2; li++) {
        const size_t L = Ls[li], n = L * 20;
        uint8_t *x = malloc(nu * L);
        double *f = malloc(L * 21 * sizeof *f), *s = malloc(nu * sizeof *s), *V = malloc(nu * n * sizeof *V),
               *S = malloc(nu * L * sizeof *S), *K = calloc(nu * nu, sizeof *K), *K2 = calloc(nu * nu, sizeof *K2);
        for (size_t k = 0; k < nu * L; k++) x[k] = rnd() % 4 == 0 ? AXCON_GAP : (uint8_t)(rnd() % (li ? 20 : 3));
        for (size_t i = 0; i < L; i++) {
            double t = 0.0;
            for (int a = 0; a < 21; a++) t += f[i * 21 + a] = 0.05 + urand();
            for (int a = 0; a < 21; a++) f[i * 21 + a] /= t;
        }
        for (size_t u = 0; u < nu; u++) s[u] = 0.1 + urand();
        for (size_t u = 0; u < nu; u++)
            for (size_t i = 0; i < L; i++) {
                double t = 0.0;
                for (int a = 0; a < 20; a++)
                    t += V[u * n + i * 20 + a] = s[u] * ((x[u * L + i] == a ? 1.0 : 0.0) - f[i * 21 + a]);
                S[u * L + i] = t;
            }
        const double c = 70.0;
        double maxrel = 0.0;
        for (int simd = 0; simd < 2; simd++) {
            setenv("AXCON_NO_SIMD", simd ? "0" : "1", 1);
            axcon_error_t err;
            axcon_error_clear(&err);
            CU_ASSERT_EQUAL_FATAL(ax_mf_seq_gram(x, nu, L, f, s, c, K, nu, &err), AXCON_OK);
            for (size_t u = 0; u < nu; u++)
                for (size_t v = u; v < nu; v++) {
                    double t = 0.0;
                    for (size_t k = 0; k < n; k++) t += V[u * n + k] * V[v * n + k];
                    for (size_t i = 0; i < L; i++) t += S[u * L + i] * S[v * L + i];
                    double ref = (u == v ? 1.0 : 0.0) + c * t, d = fabs(K[u * nu + v] - ref) / (1.0 + fabs(ref));
                    if (d > maxrel) maxrel = d;
                }
#ifdef _OPENMP
            int old = omp_get_max_threads();
            omp_set_num_threads(3);
            CU_ASSERT_EQUAL(ax_mf_seq_gram(x, nu, L, f, s, c, K2, nu, &err), AXCON_OK);
            omp_set_num_threads(old);
            CU_ASSERT_EQUAL(memcmp(K, K2, nu * nu * sizeof *K), 0);
#endif
        }
        unsetenv("AXCON_NO_SIMD");
        CU_ASSERT(maxrel < 1e-11);
        free(x), free(f), free(s), free(V), free(S), free(K), free(K2);
    }
}

static void register_suites(void)
{
    axcon_log_set_level(AXCON_LOG_WARN);
    axt_suite("mf", (axt_case_t[]){{"SPD inverse vs Gauss-Jordan", test_spd_inverse},
                                    {"planted covarying pair wins", test_planted_pair},
                                    {"dense = low-rank, 1 = 2 threads", test_solvers_and_threads},
                                    {"sequence-space Gram from counts", test_seq_gram},
                                    {"singular covariance and bad options", test_singular_and_usage},
                                    {"msa entry point", test_msa_entry},
                                    {"sharpening and context term", test_sharpen},
                                    {0, 0}});
}

int main(int argc, char **argv) { return axt_main(argc, argv, register_suites); }
