/* test_encode.c - unit tests of stage 3 (encode): weighted frequencies, pseudocounts,
 * duplicate collapsing, the centred encoding's Gram identity, pair counts against a naive
 * triple loop, and thread-count invariance. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "axcon/encode.h"
#include "axcon/msa.h"
#include "axcon/prep.h"
#include "axcon/weights.h"
#include "testutil.h"

#define Q AXCON_Q

static uint64_t g_rng = 88172645463325252ULL;
static uint64_t rnd(void)
{
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return g_rng;
}
static double urand(void) { return (double)(rnd() >> 11) / 9007199254740992.0; }

/* Random alignment with skewed states, some duplicated rows and gaps. */
static void random_alignment(uint8_t *x, double *w, size_t N, size_t L)
{
    for (size_t n = 0; n < N; n++) {
        if (n >= 2 && rnd() % 4 == 0) {
            memcpy(x + n * L, x + (rnd() % n) * L, L); /* duplicate an earlier row */
        } else {
            for (size_t i = 0; i < L; i++) {
                uint64_t r = rnd() % 40;
                x[n * L + i] = (uint8_t)(r < 21 ? r : (r < 30 ? i % 21 : (r < 35 ? AXCON_GAP : 3)));
            }
        }
        w[n] = 0.2 + urand();
    }
    w[N - 1] = 0.0; /* a zero weight must simply not count */
}

static void test_freq_hand(void)
{
    /* 3 sequences, 2 columns: A R / A - / N R with weights 1, 0.5, 0.5 (Meff = 2) */
    uint8_t x[] = {0, 1, 0, AXCON_GAP, 2, 1};
    double w[] = {1.0, 0.5, 0.5}, f[2 * Q], meff = 0;
    axcon_error_t err;
    axcon_error_clear(&err);
    CU_ASSERT_EQUAL(axcon_weights_sum(w, 3, &meff, &err), AXCON_OK);
    CU_ASSERT_DOUBLE_EQUAL(meff, 2.0, 0);
    CU_ASSERT_EQUAL_FATAL(axcon_freq1(x, 3, 2, w, f, &err), AXCON_OK);
    CU_ASSERT_DOUBLE_EQUAL(f[0], 0.75, 1e-15);          /* A in column 1 */
    CU_ASSERT_DOUBLE_EQUAL(f[2], 0.25, 1e-15);          /* N in column 1 */
    CU_ASSERT_DOUBLE_EQUAL(f[Q + 1], 0.75, 1e-15);      /* R in column 2 */
    CU_ASSERT_DOUBLE_EQUAL(f[Q + AXCON_GAP], 0.25, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(f[5], 0.0, 0);
    /* pseudocount: f' = (1-l) f + l/21 */
    axcon_freq1_pseudocount(f, 2, 0.5);
    CU_ASSERT_DOUBLE_EQUAL(f[0], 0.375 + 0.5 / 21, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(f[5], 0.5 / 21, 1e-15);
    double s = 0;
    for (int a = 0; a < Q; a++) s += f[Q + a];
    CU_ASSERT_DOUBLE_EQUAL(s, 1.0, 1e-14);

    /* raw pair frequencies (lambda 0, not centred), all 21 states: exact values */
    double M[42 * 42];
    CU_ASSERT_EQUAL_FATAL(axcon_pair_matrix(x, 3, 2, w, Q, 0.0, 0, M, &err), AXCON_OK);
#define PM(i, a, j, b) M[((i) * Q + (a)) * 42 + (j) * Q + (b)]
    CU_ASSERT_DOUBLE_EQUAL(PM(0, 0, 1, 1), 0.5, 1e-15);          /* A,R: weight 1 of 2 */
    CU_ASSERT_DOUBLE_EQUAL(PM(0, 0, 1, AXCON_GAP), 0.25, 1e-15); /* A,- */
    CU_ASSERT_DOUBLE_EQUAL(PM(0, 2, 1, 1), 0.25, 1e-15);         /* N,R */
    CU_ASSERT_DOUBLE_EQUAL(PM(1, 1, 0, 2), 0.25, 1e-15);         /* symmetric copy */
    CU_ASSERT_DOUBLE_EQUAL(PM(0, 0, 0, 0), 0.75, 1e-15);         /* diagonal block diag(f) */
    CU_ASSERT_DOUBLE_EQUAL(PM(0, 0, 0, 2), 0.0, 0);
    /* pseudocount and centring: C = (1-l) f_ij + l/q^2 - f'_i f'_j */
    CU_ASSERT_EQUAL_FATAL(axcon_pair_matrix(x, 3, 2, w, Q, 0.5, 1, M, &err), AXCON_OK);
    double fa = 0.375 + 0.5 / 21, fr = 0.375 + 0.5 / 21;
    CU_ASSERT_DOUBLE_EQUAL(PM(0, 0, 1, 1), 0.5 * 0.5 + 0.5 / 441 - fa * fr, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(PM(0, 0, 0, 0), fa - fa * fa, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(PM(0, 0, 0, 2), -fa * (0.125 + 0.5 / 21), 1e-15);
#undef PM
}

static void test_bad_input(void)
{
    uint8_t x[] = {0, 1, 22, 3};
    double w[] = {1.0, 1.0}, f[2 * Q], M[42 * 42];
    axcon_error_t err;
    axcon_error_clear(&err);
    CU_ASSERT_EQUAL(axcon_freq1(x, 2, 2, w, f, &err), AXCON_EINPUT);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "sequence 2, column 1"));
    x[2] = 2;
    w[1] = -1.0;
    CU_ASSERT_EQUAL(axcon_freq1(x, 2, 2, w, f, &err), AXCON_EINPUT);
    w[1] = NAN;
    CU_ASSERT_EQUAL(axcon_pair_matrix(x, 2, 2, w, Q, 0.5, 1, M, &err), AXCON_EINPUT);
    w[0] = w[1] = 0.0;
    CU_ASSERT_EQUAL(axcon_weights_sum(w, 2, &f[0], &err), AXCON_EINPUT);
    w[0] = w[1] = 1.0;
    CU_ASSERT_EQUAL(axcon_pair_matrix(x, 2, 2, w, 19, 0.5, 1, M, &err), AXCON_EUSAGE);
    CU_ASSERT_EQUAL(axcon_pair_matrix(x, 2, 2, w, Q, 1.0, 1, M, &err), AXCON_EUSAGE);
}

static void test_collapse(void)
{
    uint8_t x[] = {1, 2, 3, /**/ 4, 5, 6, /**/ 1, 2, 3, /**/ 7, 7, 7, /**/ 4, 5, 6, /**/ 1, 2, 3};
    double w[] = {1.0, 2.0, 0.25, 0.0, 0.5, 4.0}, wu[6];
    uint8_t u[18];
    size_t nu = 0;
    axcon_error_t err;
    axcon_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(axcon_collapse_duplicates(x, 6, 3, w, u, wu, &nu, &err), AXCON_OK);
    CU_ASSERT_EQUAL_FATAL(nu, 2); /* the zero-weight row is dropped */
    CU_ASSERT_EQUAL(memcmp(u, x, 3), 0);
    CU_ASSERT_EQUAL(memcmp(u + 3, x + 3, 3), 0);
    CU_ASSERT_DOUBLE_EQUAL(wu[0], 5.25, 0);
    CU_ASSERT_DOUBLE_EQUAL(wu[1], 2.5, 0);
}

/* Z^T Z equals the covariance (lambda 0), for 21 and 20 kept states. */
static void test_gram_identity(void)
{
    const size_t N = 57, L = 9;
    uint8_t *x = malloc(N * L);
    double *w = malloc(N * sizeof *w), f[9 * Q];
    random_alignment(x, w, N, L);
    axcon_error_t err;
    axcon_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(axcon_freq1(x, N, L, w, f, &err), AXCON_OK);
    for (int qk = Q - 1; qk <= Q; qk++) {
        size_t D = L * (size_t)qk;
        double *Z = malloc(N * D * sizeof *Z), *C = malloc(D * D * sizeof *C);
        CU_ASSERT_EQUAL_FATAL(axcon_encode_centered(x, N, L, w, f, qk, Z, &err), AXCON_OK);
        CU_ASSERT_EQUAL_FATAL(axcon_pair_matrix(x, N, L, w, qk, 0.0, 1, C, &err), AXCON_OK);
        double maxdiff = 0, maxabs = 0;
        for (size_t r = 0; r < D; r++)
            for (size_t c = 0; c < D; c++) {
                double g = 0;
                for (size_t n = 0; n < N; n++) g += Z[n * D + r] * Z[n * D + c];
                double d = fabs(g - C[r * D + c]);
                if (d > maxdiff) maxdiff = d;
                if (fabs(C[r * D + c]) > maxabs) maxabs = fabs(C[r * D + c]);
            }
        CU_ASSERT(maxdiff < 1e-13);
        CU_ASSERT(maxabs > 0.01); /* the comparison was not vacuous */
        free(Z);
        free(C);
    }
    free(x);
    free(w);
}

/* Pair frequencies against a naive loop over sequences (duplicates, gaps, zero weight). */
static void test_pair_counts_naive(void)
{
    const size_t N = 101, L = 13, D = L * Q;
    uint8_t *x = malloc(N * L);
    double *w = malloc(N * sizeof *w), *M = malloc(D * D * sizeof *M), *ref = calloc(D * D, sizeof *ref);
    random_alignment(x, w, N, L);
    double meff = 0;
    for (size_t n = 0; n < N; n++) meff += w[n];
    for (size_t n = 0; n < N; n++)
        for (size_t i = 0; i < L; i++)
            for (size_t j = 0; j < L; j++) {
                size_t r = i * Q + x[n * L + i], c = j * Q + x[n * L + j];
                if (i == j && r != c) continue;
                ref[r * D + c] += w[n] / meff;
            }
    axcon_error_t err;
    axcon_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(axcon_pair_matrix(x, N, L, w, Q, 0.0, 0, M, &err), AXCON_OK);
    double maxdiff = 0, tot = 0;
    for (size_t k = 0; k < D * D; k++) {
        double d = fabs(M[k] - ref[k]);
        if (d > maxdiff) maxdiff = d;
        tot += M[k];
    }
    CU_ASSERT(maxdiff < 1e-14);
    CU_ASSERT_DOUBLE_EQUAL(tot, (double)(L * L), 1e-9); /* every block sums to 1 */
    /* AXCON_PAIR_UPPER: blocks i <= j as before, blocks i > j untouched */
    for (size_t k = 0; k < D * D; k++) ref[k] = -7.0;
    CU_ASSERT_EQUAL_FATAL(axcon_pair_matrix(x, N, L, w, Q, 0.0, AXCON_PAIR_UPPER, ref, &err), AXCON_OK);
    size_t wrong = 0;
    for (size_t r = 0; r < D; r++)
        for (size_t c = 0; c < D; c++) {
            if (r / Q <= c / Q) wrong += ref[r * D + c] != M[r * D + c];
            else wrong += ref[r * D + c] != -7.0;
        }
    CU_ASSERT_EQUAL(wrong, 0);
    free(x);
    free(w);
    free(M);
    free(ref);
}

/* Bitwise identical results with 1 and 2 threads. */
static void test_thread_invariance(void)
{
#ifdef _OPENMP
    const size_t N = 300, L = 23, D = L * (Q - 1);
    uint8_t *x = malloc(N * L);
    double *w = malloc(N * sizeof *w), *M1 = malloc(D * D * sizeof *M1), *M2 = malloc(D * D * sizeof *M2);
    random_alignment(x, w, N, L);
    axcon_error_t err;
    axcon_error_clear(&err);
    int old = omp_get_max_threads();
    omp_set_num_threads(1);
    CU_ASSERT_EQUAL(axcon_pair_matrix(x, N, L, w, Q - 1, 0.5, 1, M1, &err), AXCON_OK);
    omp_set_num_threads(2);
    CU_ASSERT_EQUAL(axcon_pair_matrix(x, N, L, w, Q - 1, 0.5, 1, M2, &err), AXCON_OK);
    omp_set_num_threads(old);
    CU_ASSERT_EQUAL(memcmp(M1, M2, D * D * sizeof *M1), 0);
    free(x);
    free(w);
    free(M1);
    free(M2);
#else
    CU_PASS("built without OpenMP");
#endif
}

/* The prepared alignment: distinct rows, multiplicities, weights, Neff and frequencies equal
 * what the encode and weights functions give on the expanded alignment, bit for bit. */
static void test_prep(void)
{
    const size_t N = 83, L = 11;
    uint8_t *x = malloc(N * L);
    double *w = malloc(N * sizeof *w), *wid = malloc(N * sizeof *wid), f[11 * Q], neff = 0;
    random_alignment(x, w, N, L);
    for (size_t i = 0; i < L; i++) x[i] = (uint8_t)(i % 20); /* a query without gaps */
    axcon_error_t err;
    axcon_error_clear(&err);
    axcon_msa_t *msa = NULL;
    CU_ASSERT_EQUAL_FATAL(axcon_msa_from_codes(x, N, L, "q", &msa, &err), AXCON_OK);
    CU_ASSERT_EQUAL_FATAL(axcon_weights_identity(msa, 0.8, wid, &neff, &err), AXCON_OK);
    axcon_prep_t *p = NULL;
    CU_ASSERT_EQUAL_FATAL(axcon_prep_new(msa, 0.8, &p, &err), AXCON_OK);
    CU_ASSERT_EQUAL(axcon_prep_nseq(p), N);
    CU_ASSERT_EQUAL(axcon_prep_ncol(p), L);
    CU_ASSERT_PTR_EQUAL(axcon_prep_msa(p), msa);
    CU_ASSERT_EQUAL(axcon_prep_id_threshold(p), 0.8);
    CU_ASSERT_EQUAL(axcon_prep_neff(p), neff);
    CU_ASSERT_EQUAL(memcmp(axcon_prep_seq_weights(p), wid, N * sizeof *wid), 0);
    CU_ASSERT_EQUAL_FATAL(axcon_freq1(x, N, L, wid, f, &err), AXCON_OK);
    CU_ASSERT_EQUAL(memcmp(axcon_prep_freq(p), f, L * Q * sizeof *f), 0);
    /* distinct rows and summed weights as axcon_collapse_duplicates gives them */
    uint8_t *u = malloc(N * L);
    double *wu = malloc(N * sizeof *wu);
    size_t nu = 0;
    CU_ASSERT_EQUAL_FATAL(axcon_collapse_duplicates(x, N, L, wid, u, wu, &nu, &err), AXCON_OK);
    CU_ASSERT_EQUAL_FATAL(axcon_prep_ndistinct(p), nu);
    CU_ASSERT(nu < N); /* random_alignment duplicates rows */
    CU_ASSERT_EQUAL(memcmp(axcon_prep_rows(p), u, nu * L), 0);
    CU_ASSERT_EQUAL(memcmp(axcon_prep_row_weights(p), wu, nu * sizeof *wu), 0);
    size_t tot = 0;
    const size_t *mult = axcon_prep_mult(p), *row = axcon_prep_seq_row(p);
    for (size_t k = 0; k < nu; k++) tot += mult[k];
    CU_ASSERT_EQUAL(tot, N);
    for (size_t n = 0; n < N; n++) CU_ASSERT_EQUAL(memcmp(axcon_prep_rows(p) + row[n] * L, x + n * L, L), 0);
    /* the distinct-row weights equal the expanded ones */
    double *wd = malloc(nu * sizeof *wd);
    CU_ASSERT_EQUAL_FATAL(axcon_weights_identity_distinct(axcon_prep_rows(p), nu, L, mult, 0.8, wd, &err), AXCON_OK);
    for (size_t n = 0; n < N; n++) CU_ASSERT_EQUAL(wd[row[n]], wid[n]);
    /* pair matrix on the prepared alignment = on the raw rows */
    size_t D = L * 20;
    double *M1 = malloc(D * D * sizeof *M1), *M2 = malloc(D * D * sizeof *M2);
    CU_ASSERT_EQUAL_FATAL(axcon_prep_pair_matrix(p, 20, 0.3, AXCON_PAIR_CENTERED, M1, &err), AXCON_OK);
    CU_ASSERT_EQUAL_FATAL(axcon_pair_matrix(x, N, L, wid, 20, 0.3, AXCON_PAIR_CENTERED, M2, &err), AXCON_OK);
    CU_ASSERT_EQUAL(memcmp(M1, M2, D * D * sizeof *M1), 0);
    axcon_prep_free(p);
    /* the caller's weights: the zero-weight last row is left out of the distinct rows */
    CU_ASSERT_EQUAL_FATAL(axcon_prep_from_codes(x, N, L, w, &p, &err), AXCON_OK);
    CU_ASSERT_PTR_NULL(axcon_prep_msa(p));
    CU_ASSERT_EQUAL(axcon_prep_id_threshold(p), 0.0);
    CU_ASSERT_EQUAL(axcon_prep_seq_row(p)[N - 1], SIZE_MAX);
    CU_ASSERT_EQUAL_FATAL(axcon_collapse_duplicates(x, N, L, w, u, wu, &nu, &err), AXCON_OK);
    CU_ASSERT_EQUAL(axcon_prep_ndistinct(p), nu);
    CU_ASSERT_EQUAL(memcmp(axcon_prep_row_weights(p), wu, nu * sizeof *wu), 0);
    axcon_prep_free(p);
    /* NULL weights = 1 each */
    CU_ASSERT_EQUAL_FATAL(axcon_prep_from_codes(x, N, L, NULL, &p, &err), AXCON_OK);
    CU_ASSERT_EQUAL(axcon_prep_neff(p), (double)N);
    axcon_prep_free(p);
    /* bad input */
    double w0[3] = {0, 0, 0}, wneg[3] = {1, -1, 1};
    CU_ASSERT_EQUAL(axcon_prep_from_codes(x, 3, L, w0, &p, &err), AXCON_EINPUT);
    CU_ASSERT_PTR_NULL(p);
    CU_ASSERT_EQUAL(axcon_prep_from_codes(x, 3, L, wneg, &p, &err), AXCON_EINPUT);
    CU_ASSERT_EQUAL(axcon_prep_from_codes(x, 3, 0, NULL, &p, &err), AXCON_EINPUT);
    uint8_t badc[2] = {0, 21};
    CU_ASSERT_EQUAL(axcon_prep_from_codes(badc, 1, 2, NULL, &p, &err), AXCON_EINPUT);
    CU_ASSERT(strstr(err.msg, "column 2") != NULL);
    CU_ASSERT_EQUAL(axcon_prep_new(msa, 0.0, &p, &err), AXCON_EUSAGE);
    CU_ASSERT_EQUAL(axcon_prep_new(NULL, 0.8, &p, &err), AXCON_EUSAGE);
    axcon_msa_free(msa);
    free(x);
    free(w);
    free(wid);
    free(u);
    free(wu);
    free(wd);
    free(M1);
    free(M2);
}

static void register_suites(void)
{
    axt_suite("encode", (axt_case_t[]){{"frequencies and pseudocounts by hand", test_freq_hand},
                                        {"bad codes and weights", test_bad_input},
                                        {"duplicate collapsing", test_collapse},
                                        {"Z^T Z = C", test_gram_identity},
                                        {"pair counts vs naive", test_pair_counts_naive},
                                        {"thread invariance", test_thread_invariance},
                                        {"prepared alignment", test_prep},
                                        {0, 0}});
}

int main(int argc, char **argv) { return axt_main(argc, argv, register_suites); }
