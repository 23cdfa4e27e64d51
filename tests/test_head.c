/* test_head.c - unit tests of the contact head (src/score/head.c): the feature maps against
 * hand-computed values, the column statistics, argument errors, a planted contact patch that
 * the head must rank above an isolated stronger pair, and `axcon predict --no-head`. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "axcon/head.h"
#include "axcon/log.h"
#include "axcon/msa.h"
#include "testutil.h"

/* n = 5, one pair (1,3) = 1, all other pairs 0: 10 pairs, mean 0.1, sd 0.3, so z(1,3) = 3 and
 * every other pair -1/3. */
static void test_features_hand(void)
{
    const size_t n = 5, nn = 25;
    double F[25] = {0}, M[25] = {0}, gap[5] = {0.0, 0.1, 0.2, 0.3, 0.4}, ent[5] = {1, 2, 3, 4, 5};
    F[1 * n + 3] = F[3 * n + 1] = 1.0;
    M[0 * n + 4] = M[4 * n + 0] = 2.0;
    double *X = malloc(AXCON_HEAD_NFEAT * nn * sizeof *X);
    axcon_error_t err;
    axcon_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(axcon_head_features(n, F, M, gap, ent, X, &err), AXCON_OK);
    const double *zF = X, *zM = X + nn, *cF = X + 2 * nn, *b1 = X + 4 * nn, *b2 = X + 6 * nn, *g = X + 7 * nn,
                 *e = X + 8 * nn;
    CU_ASSERT_DOUBLE_EQUAL(zF[1 * n + 3], 3.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(zF[3 * n + 1], 3.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(zF[0 * n + 2], -1.0 / 3.0, 1e-12);
    CU_ASSERT_EQUAL(zF[2 * n + 2], 0.0);
    CU_ASSERT_DOUBLE_EQUAL(zM[0 * n + 4], 3.0, 1e-12);
    /* (2,4): parallel neighbours (1,3) + (3,5 outside) = 3, antiparallel (1,5 out) + (3,3 diag) = 0 */
    CU_ASSERT_DOUBLE_EQUAL(cF[2 * n + 4], 3.0, 1e-12);
    /* (0,2): parallel (-1,1 out) + (1,3) = 3; antiparallel (-1,3 out) + (1,1) = 0 */
    CU_ASSERT_DOUBLE_EQUAL(cF[0 * n + 2], 3.0, 1e-12);
    /* (0,4): parallel (1,5 out) = 0 and antiparallel (1,3) = 3 */
    CU_ASSERT_DOUBLE_EQUAL(cF[0 * n + 4], 3.0, 1e-12);
    /* box_1 at (1,2): (0,1) (0,2) (0,3) (2,1) (2,3) = -1/3 each, (1,1) (2,2) = 0, (1,3) = 3 */
    CU_ASSERT_DOUBLE_EQUAL(b1[1 * n + 2], (3.0 - 5.0 / 3.0) / 8.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(b1[2 * n + 1], b1[1 * n + 2], 1e-12);
    /* box_2 at (0,0+...): (0,1) sees rows -2..2 and cols -1..3 inside: 0..2 x 0..3 minus (0,1) */
    double s = 0.0;
    for (int u = 0; u <= 2; u++)
        for (int v = 0; v <= 3; v++)
            if (!(u == 0 && v == 1)) s += zF[u * n + v];
    CU_ASSERT_DOUBLE_EQUAL(b2[0 * n + 1], s / 24.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(g[1 * n + 4], 0.5, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(e[0 * n + 2], 4.0, 1e-12);
    CU_ASSERT_EQUAL(g[3 * n + 3], 0.0);
    free(X);
}

static void test_column_stats(void)
{
    /* 4 distinct sequences (identity < 0.8: weights 1): column 2 = A, A, C, - */
    const char *fa = ">q\nMKAWL\n>s1\nMRAWI\n>s2\nLKCYV\n>s3\nIE-FW\n";
    axcon_msa_opts_t o;
    axcon_msa_opts_init(&o);
    axcon_msa_t *msa = NULL;
    axcon_error_t err;
    axcon_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(axcon_msa_parse("t.fa", fa, strlen(fa), &o, &msa, &err), AXCON_OK);
    double w[4] = {1, 1, 1, 1}, gap[5], ent[5];
    axcon_prep_t *p = NULL;
    CU_ASSERT_EQUAL_FATAL(axcon_prep_from_codes(axcon_msa_data(msa), 4, 5, w, &p, &err), AXCON_OK);
    CU_ASSERT_EQUAL_FATAL(axcon_head_column_stats(p, gap, ent, &err), AXCON_OK);
    CU_ASSERT_DOUBLE_EQUAL(gap[2], 0.25, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(ent[2], -(0.5 * log(0.5) + 2 * 0.25 * log(0.25)), 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(gap[0], 0.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(ent[0], -(0.5 * log(0.5) + 2 * 0.25 * log(0.25)), 1e-12); /* M M L I */
    CU_ASSERT_DOUBLE_EQUAL(ent[3], -(0.5 * log(0.5) + 2 * 0.25 * log(0.25)), 1e-12); /* W W Y F */
    axcon_prep_free(p);
    double w2[4] = {3, 1, 0, 0}; /* weights count: column 2 -> A with weight 4 of 4 */
    CU_ASSERT_EQUAL_FATAL(axcon_prep_from_codes(axcon_msa_data(msa), 4, 5, w2, &p, &err), AXCON_OK);
    CU_ASSERT_EQUAL_FATAL(axcon_head_column_stats(p, gap, ent, &err), AXCON_OK);
    CU_ASSERT_DOUBLE_EQUAL(gap[2], 0.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(ent[2], 0.0, 1e-12);
    axcon_prep_free(p);
    /* identity weights from the alignment: all four rows differ in more than 20% of columns */
    CU_ASSERT_EQUAL_FATAL(axcon_prep_new(msa, 0.8, &p, &err), AXCON_OK);
    CU_ASSERT_EQUAL_FATAL(axcon_head_column_stats(p, gap, ent, &err), AXCON_OK);
    CU_ASSERT_DOUBLE_EQUAL(gap[2], 0.25, 1e-12);
    axcon_prep_free(p);
    CU_ASSERT_EQUAL(axcon_head_column_stats(NULL, gap, ent, &err), AXCON_EUSAGE);
    axcon_msa_free(msa);
}

static void test_errors(void)
{
    double F[4] = {0, 1, 1, 0}, g[2] = {0, 0}, out[4];
    axcon_error_t err;
    axcon_error_clear(&err);
    CU_ASSERT_EQUAL(axcon_head_scores(2, NULL, F, g, g, out, &err), AXCON_EUSAGE);
    CU_ASSERT_EQUAL(axcon_head_scores(1, F, F, g, g, out, &err), AXCON_EINPUT);
    CU_ASSERT_EQUAL(axcon_head_features(2, F, F, g, NULL, out, &err), AXCON_EUSAGE);
    /* constant map: sd 0 must not give NaN */
    double H[4];
    CU_ASSERT_EQUAL(axcon_head_scores(2, F, F, g, g, H, &err), AXCON_OK);
    for (int k = 0; k < 4; k++) CU_ASSERT(isfinite(H[k]));
}

static uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 11;
}

/* n = 40 noise scores (|z| small), a 3 x 3 patch of contacts (10..12, 28..30) at 2.0 and an
 * isolated pair (2, 20) at 2.4. The model's score ranks the isolated pair first; the head, which
 * reads the neighbours of a pair (contacts come in patches), must rank all nine patch pairs
 * above it. */
static void test_planted_patch(void)
{
    const size_t n = 40, nn = n * n;
    double *F = calloc(nn, sizeof *F), *H = calloc(nn, sizeof *H), gap[40], ent[40];
    uint64_t s = 7;
    for (size_t i = 0; i < n; i++) {
        gap[i] = 0.05;
        ent[i] = 2.0;
        for (size_t j = i + 1; j < n; j++) F[i * n + j] = F[j * n + i] = 0.5 * ((double)(lcg(&s) % 1000) / 1000.0 - 0.5);
    }
    for (size_t a = 10; a <= 12; a++)
        for (size_t b = 28; b <= 30; b++) F[a * n + b] = F[b * n + a] = 2.0;
    F[2 * n + 20] = F[20 * n + 2] = 2.4;
    axcon_error_t err;
    axcon_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(axcon_head_scores(n, F, F, gap, ent, H, &err), AXCON_OK);
    int above = 1;
    for (size_t a = 10; a <= 12; a++)
        for (size_t b = 28; b <= 30; b++) {
            if (!(H[a * n + b] > H[2 * n + 20])) above = 0;
            CU_ASSERT(F[a * n + b] < F[2 * n + 20]);
        }
    CU_ASSERT(above);
    for (size_t i = 0; i < n; i++) {
        CU_ASSERT_EQUAL(H[i * n + i], 0.0);
        for (size_t j = 0; j < n; j++) CU_ASSERT_EQUAL(H[i * n + j], H[j * n + i]);
    }
    free(F);
    free(H);
}

/* The CLI: default (head) and --no-head both run on the bundled example and rank differently. */
static void test_cli_no_head(void)
{
    const char *src = getenv("AXCON_SRCDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/data/example.a3m", src ? src : ".");
    char *o1 = NULL, *e1 = NULL, *o2 = NULL, *e2 = NULL;
    int r1 = axt_runf(&o1, &e1, "%s predict -q -t 1 --max-iter 5 -f tsv --top 20 %s", axt_axcon(), path);
    int r2 = axt_runf(&o2, &e2, "%s predict -q -t 1 --max-iter 5 -f tsv --top 20 --no-head %s", axt_axcon(), path);
    CU_ASSERT_EQUAL(r1, 0);
    CU_ASSERT_EQUAL(r2, 0);
    CU_ASSERT(o1 && o2 && strlen(o1) > 0 && strlen(o2) > 0);
    if (o1 && o2) CU_ASSERT(strcmp(o1, o2) != 0);
    free(o1);
    free(e1);
    free(o2);
    free(e2);
}

static void register_suites(void)
{
    axcon_log_set_level(AXCON_LOG_WARN);
    axt_suite("head", (axt_case_t[]){{"features_hand", test_features_hand},
                                     {"column_stats", test_column_stats},
                                     {"errors", test_errors},
                                     {"planted_patch", test_planted_patch},
                                     {"cli_no_head", test_cli_no_head},
                                     {0, 0}});
}

int main(int argc, char **argv) { return axt_main(argc, argv, register_suites); }
