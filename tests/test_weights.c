/* test_weights.c - unit tests of the weights module (stage 2): hand-checked weights, the
 * exact threshold boundary, gap matching gap, duplicates, every SIMD kernel and every
 * thread count against a naive O(N^2 L) reference, errors, and one real family. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "axcon/msa.h"
#include "axcon/weights.h"
#include "testutil.h"

/* ---- helpers ---- */

/* Letters to codes with the alphabet of msa.h ("ARNDCQEGHILKMFPSTWYV-"). */
static uint8_t *codes_of(const char *const *rows, size_t n, size_t *L)
{
    *L = strlen(rows[0]);
    uint8_t *c = malloc(n * *L + 1);
    if (!c) exit(99);
    for (size_t i = 0; i < n; i++) {
        CU_ASSERT_EQUAL_FATAL(strlen(rows[i]), *L);
        for (size_t j = 0; j < *L; j++) c[i * *L + j] = (uint8_t)(strchr(AXCON_ALPHABET, rows[i][j]) - AXCON_ALPHABET);
    }
    return c;
}

static int weights_of(const char *const *rows, size_t n, double thr, double *w, double *neff)
{
    size_t L;
    uint8_t *c = codes_of(rows, n, &L);
    axcon_error_t e;
    axcon_error_clear(&e);
    int rc = axcon_weights_identity_codes(c, n, L, thr, w, neff, &e);
    free(c);
    return rc;
}

/* Independent reference: identity compared as an exact fraction, count * den >= num * L. */
static void naive_weights(const uint8_t *c, size_t N, size_t L, long num, long den, double *w, double *neff)
{
    double s = 0.0;
    for (size_t n = 0; n < N; n++) {
        size_t k = 0;
        for (size_t m = 0; m < N; m++) {
            size_t same = 0;
            for (size_t i = 0; i < L; i++) same += c[n * L + i] == c[m * L + i];
            if ((long)same * den >= num * (long)L) k++;
        }
        w[n] = 1.0 / (double)k;
        s += w[n];
    }
    *neff = s;
}

static uint64_t rng_state;
static uint64_t rng(void) /* splitmix64 */
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}
static double urand(void) { return (double)(rng() >> 11) / 9007199254740992.0; }

/* A family-like random alignment: rows descend from a few ancestors with mutation rates
 * from 2% to 50% (so identities straddle any threshold), gaps, and exact duplicates. */
static uint8_t *random_msa(size_t N, size_t L, uint64_t seed)
{
    rng_state = seed;
    uint8_t *c = malloc(N * L + 1);
    uint8_t anc[4][1200];
    if (!c || L > 1200) exit(99);
    for (int a = 0; a < 4; a++)
        for (size_t i = 0; i < L; i++) anc[a][i] = (uint8_t)(rng() % 20);
    static const double rates[] = {0.02, 0.1, 0.15, 0.2, 0.25, 0.3, 0.5};
    for (size_t n = 0; n < N; n++) {
        if (n > 0 && urand() < 0.1) { /* an exact duplicate of an earlier row */
            memcpy(c + n * L, c + (rng() % n) * L, L);
            continue;
        }
        const uint8_t *a = anc[rng() % 4];
        double r = rates[rng() % 7];
        for (size_t i = 0; i < L; i++) {
            double u = urand();
            c[n * L + i] = u < r * 0.3 ? AXCON_GAP : u < r ? (uint8_t)(rng() % 21) : a[i];
        }
    }
    return c;
}

static void check_equal_weights(const double *a, const double *b, size_t n, const char *what)
{
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) bad += a[i] != b[i];
    if (bad) printf("\n%s: %zu of %zu weights differ\n", what, bad, n);
    CU_ASSERT_EQUAL(bad, 0);
}

/* ---- tests ---- */

static void test_hand_checked(void)
{
    /* L = 5, threshold 0.8 -> neighbours share >= 4 of 5 columns.
     *   s0 AAAAA  s1 AAAAR : 4/5 = 0.8 -> neighbours
     *   s2 RRRNN  s3 NNNRD : 0/5 with each other and with s0, s1
     * counts (self included) 2, 2, 1, 1 -> weights 1/2, 1/2, 1, 1; Neff = 3. */
    static const char *const a[] = {"AAAAA", "AAAAR", "RRRNN", "NNNRD"};
    double w[4], neff = -1;
    CU_ASSERT_EQUAL_FATAL(weights_of(a, 4, 0.8, w, &neff), AXCON_OK);
    CU_ASSERT_DOUBLE_EQUAL(w[0], 0.5, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(w[1], 0.5, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(w[2], 1.0, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(w[3], 1.0, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(neff, 3.0, 1e-12);

    /* A chain is not transitive: s0 AAAAA, s1 AAAAR, s2 AAARR.
     * id(0,1) = 4/5, id(1,2) = 4/5, id(0,2) = 3/5 -> counts 2, 3, 2;
     * weights 1/2, 1/3, 1/2; Neff = 4/3. */
    static const char *const b[] = {"AAAAA", "AAAAR", "AAARR"};
    double wb[3];
    CU_ASSERT_EQUAL_FATAL(weights_of(b, 3, 0.8, wb, &neff), AXCON_OK);
    CU_ASSERT_DOUBLE_EQUAL(wb[0], 0.5, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(wb[1], 1.0 / 3.0, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(wb[2], 0.5, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(neff, 4.0 / 3.0, 1e-12);

    /* The same at threshold 0.6 (>= 3 of 5): all three are mutual neighbours -> 1/3 each. */
    CU_ASSERT_EQUAL_FATAL(weights_of(b, 3, 0.6, wb, &neff), AXCON_OK);
    for (int i = 0; i < 3; i++) CU_ASSERT_DOUBLE_EQUAL(wb[i], 1.0 / 3.0, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(neff, 1.0, 1e-12);
    /* and at 1.0 only identical rows count: every weight 1, Neff 3 */
    CU_ASSERT_EQUAL_FATAL(weights_of(b, 3, 1.0, wb, &neff), AXCON_OK);
    CU_ASSERT_DOUBLE_EQUAL(neff, 3.0, 1e-12);
}

static void test_threshold_boundary(void)
{
    /* 0.14 * 50 = 7.000000000000001 and 0.07 * 300 = 21.000000000000004 in binary floating
     * point: a plain ceil would demand one column more than the exact threshold. */
    CU_ASSERT_EQUAL(axcon_weights_min_identical(50, 0.14), 7);
    CU_ASSERT_EQUAL(axcon_weights_min_identical(300, 0.07), 21);
    CU_ASSERT_EQUAL(axcon_weights_min_identical(35, 0.8), 28);
    CU_ASSERT_EQUAL(axcon_weights_min_identical(10, 0.8), 8);
    CU_ASSERT_EQUAL(axcon_weights_min_identical(11, 0.8), 9); /* 8.8 -> 9 */
    CU_ASSERT_EQUAL(axcon_weights_min_identical(106, 0.8), 85); /* 84.8 -> 85 */
    CU_ASSERT_EQUAL(axcon_weights_min_identical(7, 1.0), 7);
    CU_ASSERT_EQUAL(axcon_weights_min_identical(3, 0.3), 1); /* 0.9 -> 1 */
    CU_ASSERT_EQUAL(axcon_weights_min_identical(0, 0.8), 0);

    /* L = 35: rows sharing exactly 28 columns (identity exactly 0.8) are neighbours,
     * 27 shared (0.771) are not. s1 differs from s0 in 7 columns, s2 in 8. */
    char r0[36], r1[36], r2[36];
    memset(r0, 'A', 35);
    memcpy(r1, r0, 35);
    memcpy(r2, r0, 35);
    r0[35] = r1[35] = r2[35] = '\0';
    for (int i = 0; i < 7; i++) r1[i] = 'W';
    for (int i = 0; i < 8; i++) r2[34 - i] = 'Y';
    /* id(0,1) = 28/35 -> yes; id(0,2) = 27/35 -> no; id(1,2) = 20/35 -> no */
    const char *const rows[] = {r0, r1, r2};
    double w[3], neff;
    CU_ASSERT_EQUAL_FATAL(weights_of(rows, 3, 0.8, w, &neff), AXCON_OK);
    CU_ASSERT_DOUBLE_EQUAL(w[0], 0.5, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(w[1], 0.5, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(w[2], 1.0, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(neff, 2.0, 1e-12);
    /* 28/35 just below a threshold of 0.81 -> nobody has a neighbour */
    CU_ASSERT_EQUAL_FATAL(weights_of(rows, 3, 0.81, w, &neff), AXCON_OK);
    CU_ASSERT_DOUBLE_EQUAL(neff, 3.0, 1e-12);

    /* L = 50 at threshold 0.14 (0.14 * 50 rounds above 7): 7 shared columns are exactly
     * 0.14 -> neighbours; 6 shared are not. q AAA..., x 7 A then W, y 6 A then Y. */
    char q[51], x[51], y[51];
    memset(q, 'A', 50);
    memset(x, 'W', 50);
    memset(y, 'Y', 50);
    memset(x, 'A', 7);
    memset(y, 'A', 6);
    q[50] = x[50] = y[50] = '\0';
    const char *const rows2[] = {q, x, y}; /* id(q,x) = 7/50, id(q,y) = 6/50, id(x,y) = 6/50 */
    CU_ASSERT_EQUAL_FATAL(weights_of(rows2, 3, 0.14, w, &neff), AXCON_OK);
    CU_ASSERT_DOUBLE_EQUAL(w[0], 0.5, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(w[1], 0.5, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(w[2], 1.0, 1e-15);
}

static void test_gap_matches_gap(void)
{
    /* s0 --AAA and s1 --AAR: 2 gap==gap + 2 A==A = 4/5 -> neighbours.
     * s2 AAAAR vs s1: 3/5 (the gaps do not match letters) -> not; vs s0: 2/5 -> not.
     * weights 1/2, 1/2, 1. */
    static const char *const a[] = {"--AAA", "--AAR", "AAAAR"};
    double w[3], neff;
    CU_ASSERT_EQUAL_FATAL(weights_of(a, 3, 0.8, w, &neff), AXCON_OK);
    CU_ASSERT_DOUBLE_EQUAL(w[0], 0.5, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(w[1], 0.5, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(w[2], 1.0, 1e-15);
    /* all-gap rows are identical to each other */
    static const char *const g[] = {"AAAAA", "-----", "-----"};
    CU_ASSERT_EQUAL_FATAL(weights_of(g, 3, 0.8, w, &neff), AXCON_OK);
    CU_ASSERT_DOUBLE_EQUAL(w[0], 1.0, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(w[1], 0.5, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(neff, 2.0, 1e-12);
}

static void test_all_identical(void)
{
    enum { N = 50, L = 77 };
    uint8_t *c = malloc(N * L);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    for (int n = 0; n < N; n++)
        for (int i = 0; i < L; i++) c[n * L + i] = (uint8_t)(i % 21);
    double w[N], neff = 0;
    axcon_error_t e;
    CU_ASSERT_EQUAL_FATAL(axcon_weights_identity_codes(c, N, L, 0.8, w, &neff, &e), AXCON_OK);
    for (int n = 0; n < N; n++) CU_ASSERT_DOUBLE_EQUAL(w[n], 1.0 / N, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(neff, 1.0, 1e-12);
    /* one row changed everywhere: it gets weight 1, the others 1/49 */
    for (int i = 0; i < L; i++) c[7 * L + i] = (uint8_t)((i + 1) % 21);
    CU_ASSERT_EQUAL_FATAL(axcon_weights_identity_codes(c, N, L, 0.8, w, &neff, &e), AXCON_OK);
    CU_ASSERT_DOUBLE_EQUAL(w[7], 1.0, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(w[0], 1.0 / 49, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(neff, 2.0, 1e-12);
    free(c);
}

static void test_thread_invariance(void)
{
#ifdef _OPENMP
    enum { N = 500, L = 150 };
    uint8_t *c = random_msa(N, L, 42);
    double *w1 = malloc(N * sizeof *w1), *w2 = malloc(N * sizeof *w2), *w3 = malloc(N * sizeof *w3);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w1 && w2 && w3);
    double n1, n2, n3;
    axcon_error_t e;
    int saved = omp_get_max_threads();
    omp_set_num_threads(1);
    CU_ASSERT_EQUAL_FATAL(axcon_weights_identity_codes(c, N, L, 0.8, w1, &n1, &e), AXCON_OK);
    omp_set_num_threads(2);
    CU_ASSERT_EQUAL_FATAL(axcon_weights_identity_codes(c, N, L, 0.8, w2, &n2, &e), AXCON_OK);
    omp_set_num_threads(3);
    CU_ASSERT_EQUAL_FATAL(axcon_weights_identity_codes(c, N, L, 0.8, w3, &n3, &e), AXCON_OK);
    omp_set_num_threads(saved);
    check_equal_weights(w1, w2, N, "1 vs 2 threads");
    check_equal_weights(w1, w3, N, "1 vs 3 threads");
    CU_ASSERT_EQUAL(memcmp(&n1, &n2, sizeof n1), 0); /* bit-identical Neff */
    CU_ASSERT_EQUAL(memcmp(&n1, &n3, sizeof n1), 0);
    /* the data must exercise the weighting: some neighbours, not everyone */
    CU_ASSERT_TRUE(n1 > 5.0 && n1 < N - 5.0);
    free(w1);
    free(w2);
    free(w3);
    free(c);
#else
    printf("\nSKIP: thread invariance: built without OpenMP\n");
#endif
}

/* Every kernel the CPU has, several lengths (none a multiple of the vector width except
 * to check the padding, some above the unrolled range), several thresholds, against the
 * naive reference: weights are 1/integer, so they must be exactly equal. */
static void test_against_naive(void)
{
    static const size_t lens[] = {1, 15, 31, 32, 33, 106, 257, 300, 613};
    static const long fr[][2] = {{4, 5}, {3, 10}, {62, 100}, {9, 10}, {1, 1}, {7, 100}, {14, 100}};
    static const char *const kernels[] = {"scalar", "sse2", "avx2"};
    const size_t N = 240;
    double *w = malloc(N * sizeof *w), *r = malloc(N * sizeof *r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w && r);
    char *saved = getenv("AXCON_WEIGHTS_KERNEL") ? strdup(getenv("AXCON_WEIGHTS_KERNEL")) : NULL;
    int kernels_run = 0;
    for (size_t k = 0; k < 3; k++) {
        setenv("AXCON_WEIGHTS_KERNEL", kernels[k], 1);
        if (strcmp(axcon_weights_kernel(), kernels[k]) != 0) {
            printf("\nSKIP: kernel %s not supported by this CPU/build\n", kernels[k]);
            continue;
        }
        kernels_run++;
        for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {
            const size_t L = lens[li];
            uint8_t *c = random_msa(N, L, 1000 + L);
            for (size_t f = 0; f < sizeof fr / sizeof fr[0]; f++) {
                double neff, rneff;
                axcon_error_t e;
                CU_ASSERT_EQUAL_FATAL(
                    axcon_weights_identity_codes(c, N, L, (double)fr[f][0] / fr[f][1], w, &neff, &e), AXCON_OK);
                naive_weights(c, N, L, fr[f][0], fr[f][1], r, &rneff);
                char what[128];
                snprintf(what, sizeof what, "kernel %s L=%zu threshold %ld/%ld", kernels[k], L, fr[f][0], fr[f][1]);
                check_equal_weights(w, r, N, what);
                CU_ASSERT_DOUBLE_EQUAL(neff, rneff, 1e-9);
            }
            free(c);
        }
    }
    if (saved) { setenv("AXCON_WEIGHTS_KERNEL", saved, 1); free(saved); }
    else unsetenv("AXCON_WEIGHTS_KERNEL");
    CU_ASSERT_TRUE(kernels_run >= 1);
    free(w);
    free(r);
}

/* Rows sharing a tile and rows in different tiles, with many duplicates: N large enough
 * for several tile blocks at the default block size. */
static void test_tiles_and_duplicates(void)
{
    const size_t N = 1500, L = 40;
    uint8_t *c = random_msa(N, L, 7);
    for (size_t n = 700; n < 900; n++) memcpy(c + n * L, c + 3 * L, L); /* 200 more copies of row 3 */
    double *w = malloc(N * sizeof *w), *r = malloc(N * sizeof *r), neff, rneff;
    CU_ASSERT_PTR_NOT_NULL_FATAL(w && r);
    axcon_error_t e;
    CU_ASSERT_EQUAL_FATAL(axcon_weights_identity_codes(c, N, L, 0.8, w, &neff, &e), AXCON_OK);
    naive_weights(c, N, L, 4, 5, r, &rneff);
    check_equal_weights(w, r, N, "tiles and duplicates");
    CU_ASSERT_DOUBLE_EQUAL(neff, rneff, 1e-9);
    CU_ASSERT_TRUE(w[3] <= 1.0 / 201);
    free(w);
    free(r);
    free(c);
}

static void test_errors_and_edges(void)
{
    uint8_t c[6] = {0, 1, 2, 0, 1, 21};
    double w[2], neff = 5;
    axcon_error_t e;
    axcon_error_clear(&e);
    CU_ASSERT_EQUAL(axcon_weights_identity_codes(c, 2, 3, 0.0, w, &neff, &e), AXCON_EUSAGE);
    CU_ASSERT_EQUAL(axcon_weights_identity_codes(c, 2, 3, 1.5, w, &neff, &e), AXCON_EUSAGE);
    CU_ASSERT_EQUAL(axcon_weights_identity_codes(c, 2, 3, NAN, w, &neff, &e), AXCON_EUSAGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "threshold"));
    CU_ASSERT_EQUAL(axcon_weights_identity_codes(c, 2, 3, 0.8, w, &neff, &e), AXCON_EINPUT);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "sequence 2 column 3"));
    c[5] = 2;
    CU_ASSERT_EQUAL(axcon_weights_identity_codes(c, 2, 3, 0.8, w, &neff, &e), AXCON_OK);
    CU_ASSERT_DOUBLE_EQUAL(neff, 1.0, 1e-15); /* identical rows */
    /* no sequences: Neff 0; no columns: everyone is a neighbour */
    CU_ASSERT_EQUAL(axcon_weights_identity_codes(NULL, 0, 3, 0.8, NULL, &neff, &e), AXCON_OK);
    CU_ASSERT_DOUBLE_EQUAL(neff, 0.0, 0.0);
    CU_ASSERT_EQUAL(axcon_weights_identity_codes(NULL, 2, 0, 0.8, w, &neff, &e), AXCON_OK);
    CU_ASSERT_DOUBLE_EQUAL(w[0], 0.5, 1e-15);
    CU_ASSERT_EQUAL(axcon_weights_identity(NULL, 0.8, w, &neff, &e), AXCON_EUSAGE);
}

static void test_msa_wrapper(void)
{
    const size_t N = 60, L = 45;
    uint8_t *c = random_msa(N, L, 99);
    for (size_t i = 0; i < L; i++) c[i] = (uint8_t)(i % 20); /* the query has no gaps */
    axcon_msa_t *msa = NULL;
    axcon_error_t e;
    CU_ASSERT_EQUAL_FATAL(axcon_msa_from_codes(c, N, L, "q", &msa, &e), AXCON_OK);
    double w[60], r[60], neff, rneff;
    CU_ASSERT_EQUAL(axcon_weights_identity(msa, 0.8, w, &neff, &e), AXCON_OK);
    naive_weights(c, N, L, 4, 5, r, &rneff);
    check_equal_weights(w, r, N, "msa wrapper");
    axcon_msa_free(msa);
    free(c);
}

/* One real family read from ../shared/bench: Neff against the naive computation, and
 * `axcon info --json` reporting the same Neff. */
static void test_bench_family(void)
{
    const char *bench = axt_bench("weights: real family");
    if (!bench) return;
    char path[4200];
    snprintf(path, sizeof path, "%s/msa/1atzA.fasta", bench);
    axcon_msa_opts_t o;
    axcon_msa_opts_init(&o);
    axcon_msa_t *msa = NULL;
    axcon_error_t e;
    CU_ASSERT_EQUAL_FATAL(axcon_msa_read(path, &o, &msa, &e), AXCON_OK);
    size_t N = axcon_msa_nseq(msa), L = axcon_msa_ncol(msa);
    CU_ASSERT_EQUAL(N, 3068);
    CU_ASSERT_EQUAL(L, 75);
    double *w = malloc(N * sizeof *w), *r = malloc(N * sizeof *r), neff, rneff;
    CU_ASSERT_PTR_NOT_NULL_FATAL(w && r);
    CU_ASSERT_EQUAL_FATAL(axcon_weights_identity(msa, 0.8, w, &neff, &e), AXCON_OK);
    naive_weights(axcon_msa_data(msa), N, L, 4, 5, r, &rneff);
    check_equal_weights(w, r, N, "1atzA");
    CU_ASSERT_DOUBLE_EQUAL(neff, rneff, 1e-9);
    CU_ASSERT_TRUE(neff > 1.0 && neff < (double)N);

    char *out = NULL;
    if (axt_exists(axt_axcon())) {
        CU_ASSERT_EQUAL(axt_runf(&out, NULL, "'%s' info --json '%s'", axt_axcon(), path), 0);
        const char *p = out ? strstr(out, "\"neff\": ") : NULL;
        CU_ASSERT_PTR_NOT_NULL(p);
        if (p) CU_ASSERT_DOUBLE_EQUAL(strtod(p + 8, NULL), rneff, 1e-4);
        free(out);
    }
    free(w);
    free(r);
    axcon_msa_free(msa);
}

static void register_suites(void)
{
    axt_suite("weights", (axt_case_t[]){{"hand-checked weights", test_hand_checked},
                                         {"threshold boundary exactly 0.8", test_threshold_boundary},
                                         {"gap matches gap", test_gap_matches_gap},
                                         {"all identical: Neff 1", test_all_identical},
                                         {"1, 2, 3 threads give identical weights", test_thread_invariance},
                                         {"every kernel and length vs naive", test_against_naive},
                                         {"tiles and duplicate rows vs naive", test_tiles_and_duplicates},
                                         {"errors and edge cases", test_errors_and_edges},
                                         {"msa wrapper", test_msa_wrapper},
                                         {"real family vs naive, CLI info", test_bench_family},
                                         {0, 0}});
}

int main(int argc, char **argv) { return axt_main(argc, argv, register_suites); }
