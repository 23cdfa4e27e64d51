/* test_contacts.c - unit tests of stage 5 (src/score/contacts.c): APC against hand-computed
 * values, the contact map in query numbering (masked columns unscored and unranked),
 * deterministic ranking with ties, minimum separation, calibrated probabilities. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "axcon/contacts.h"
#include "axcon/log.h"
#include "axcon/msa.h"
#include "testutil.h"

static void test_apc_hand(void)
{
    /* row means over off-diagonal entries: 1.5, 2, 2.5; overall mean 2 */
    double S[9] = {7, 1, 2, 1, 7, 3, 2, 3, 7};
    axcon_apc(S, 3);
    CU_ASSERT_DOUBLE_EQUAL(S[0], 0.0, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(S[4], 0.0, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(S[1], 1.0 - 1.5 * 2.0 / 2.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(S[2], 2.0 - 1.5 * 2.5 / 2.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(S[5], 3.0 - 2.0 * 2.5 / 2.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(S[3], S[1], 0.0);
    CU_ASSERT_DOUBLE_EQUAL(S[6], S[2], 0.0);
    CU_ASSERT_DOUBLE_EQUAL(S[7], S[5], 0.0);
}

static void test_apc_degenerate(void)
{
    double Z[16] = {0}; /* all zero: mean 0, no division */
    axcon_apc(Z, 4);
    for (int k = 0; k < 16; k++) CU_ASSERT_EQUAL(Z[k], 0.0);
    double T[4] = {5, 2, 2, 5}; /* n = 2: diagonal cleared, the pair kept */
    axcon_apc(T, 2);
    CU_ASSERT_EQUAL(T[0], 0.0);
    CU_ASSERT_EQUAL(T[1], 2.0);
    axcon_apc(NULL, 0); /* must not crash */
}

/* 10-residue query; column 4 is gapped in both homologues and gets masked with
 * --max-col-gap 0.5, so the kept columns are query positions 1,2,3,5,...,10. */
static axcon_msa_t *small_msa(void)
{
    const char *fa = ">q test query\nACDEFGHIKL\n>s1\nACD-FGHIKM\n>s2\nACE-FGNIKL\n";
    axcon_msa_opts_t o;
    axcon_msa_opts_init(&o);
    o.max_col_gap = 0.5;
    axcon_msa_t *msa = NULL;
    axcon_error_t err;
    axcon_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(axcon_msa_parse("small.fa", fa, strlen(fa), &o, &msa, &err), AXCON_OK);
    CU_ASSERT_EQUAL_FATAL(axcon_msa_ncol(msa), 9);
    CU_ASSERT_EQUAL_FATAL(axcon_msa_col_pos(msa, 3), 5);
    return msa;
}

static void set_pair(double *S, size_t n, size_t a, size_t b, double v)
{
    S[a * n + b] = v;
    S[b * n + a] = v;
}

static void test_cmap_numbering_and_ranking(void)
{
    axcon_msa_t *msa = small_msa();
    size_t n = 9;
    double S[81];
    for (size_t a = 0; a < n; a++)
        for (size_t b = 0; b < n; b++) S[a * n + b] = a == b ? 0.0 : 0.01 * (double)(a + b);
    set_pair(S, n, 0, 8, 5.0); /* positions 1,10 */
    set_pair(S, n, 1, 7, 5.0); /* positions 2,9: tie, ranked after (1,10) */
    set_pair(S, n, 0, 7, 5.0); /* positions 1,9: tie, between the two (smaller i, then smaller j) */
    set_pair(S, n, 2, 3, 9.0); /* positions 3,5: separation 2, below min_sep 3 */
    set_pair(S, n, 2, 4, 4.0); /* positions 3,6 */
    axcon_cmap_t *cm = NULL;
    axcon_error_t err;
    axcon_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(axcon_cmap_from_scores(msa, S, 3.0, "mf", 3, &cm, &err), AXCON_OK);
    CU_ASSERT_EQUAL(axcon_cmap_len(cm), 10);
    CU_ASSERT_EQUAL(axcon_cmap_ncol(cm), 9);
    CU_ASSERT_STRING_EQUAL(axcon_cmap_query_seq(cm), "ACDEFGHIKL");
    CU_ASSERT_STRING_EQUAL(axcon_cmap_method(cm), "mf");
    CU_ASSERT_EQUAL(axcon_cmap_min_sep(cm), 3);
    CU_ASSERT_FALSE(axcon_cmap_scored(cm, 4));
    CU_ASSERT_TRUE(axcon_cmap_scored(cm, 5));
    CU_ASSERT_FALSE(axcon_cmap_scored(cm, 0));
    CU_ASSERT_FALSE(axcon_cmap_scored(cm, 11));
    /* matrix in query numbering, symmetric, 0 for the unscored position and the diagonal */
    CU_ASSERT_EQUAL(axcon_cmap_score(cm, 1, 10), 5.0);
    CU_ASSERT_EQUAL(axcon_cmap_score(cm, 10, 1), 5.0);
    CU_ASSERT_EQUAL(axcon_cmap_score(cm, 3, 5), 9.0);
    CU_ASSERT_EQUAL(axcon_cmap_score(cm, 4, 9), 0.0);
    CU_ASSERT_EQUAL(axcon_cmap_score(cm, 7, 7), 0.0);
    CU_ASSERT_EQUAL(axcon_cmap_score(cm, 0, 3), 0.0);
    CU_ASSERT_FALSE(axcon_cmap_has_raw(cm));
    CU_ASSERT_EQUAL(axcon_cmap_raw_score(cm, 1, 10), 5.0);

    size_t nr;
    const axcon_contact_t *r = axcon_cmap_ranked(cm, &nr);
    /* pairs among the 9 scored positions with |i-j| >= 3 */
    int pos[9] = {1, 2, 3, 5, 6, 7, 8, 9, 10};
    size_t expect = 0;
    for (int a = 0; a < 9; a++)
        for (int b = a + 1; b < 9; b++) expect += pos[b] - pos[a] >= 3;
    CU_ASSERT_EQUAL_FATAL(nr, expect);
    CU_ASSERT(r[0].i == 1 && r[0].j == 9);
    CU_ASSERT(r[1].i == 1 && r[1].j == 10);
    CU_ASSERT(r[2].i == 2 && r[2].j == 9);
    CU_ASSERT(r[3].i == 3 && r[3].j == 6);
    for (size_t k = 0; k < nr; k++) {
        CU_ASSERT(r[k].i < r[k].j);
        CU_ASSERT(r[k].j - r[k].i >= 3);
        CU_ASSERT(r[k].i != 4 && r[k].j != 4);
        CU_ASSERT(r[k].prob >= 0.0 && r[k].prob <= 1.0);
        if (k) {
            int ordered = r[k - 1].score > r[k].score ||
                          (r[k - 1].score == r[k].score &&
                           (r[k - 1].i < r[k].i || (r[k - 1].i == r[k].i && r[k - 1].j < r[k].j)));
            CU_ASSERT(ordered);
        }
    }
    /* same separation class: higher score, higher probability */
    CU_ASSERT(r[0].prob >= r[nr - 1].prob);
    CU_ASSERT(r[0].prob > 0.0);

    /* raw scores and the query name */
    double R[81];
    for (size_t k = 0; k < 81; k++) R[k] = 2.0 * S[k];
    CU_ASSERT_EQUAL(axcon_cmap_set_raw_scores(cm, msa, R, &err), AXCON_OK);
    CU_ASSERT_TRUE(axcon_cmap_has_raw(cm));
    CU_ASSERT_EQUAL(axcon_cmap_raw_score(cm, 1, 10), 10.0);
    CU_ASSERT_EQUAL(axcon_cmap_raw_score(cm, 4, 10), 0.0);
    CU_ASSERT_EQUAL(axcon_cmap_score(cm, 1, 10), 5.0);
    CU_ASSERT_EQUAL(axcon_cmap_set_query_name(cm, "renamed", &err), AXCON_OK);
    CU_ASSERT_STRING_EQUAL(axcon_cmap_query_name(cm), "renamed");
    axcon_cmap_free(cm);
    axcon_msa_free(msa);
}

static void test_cmap_errors(void)
{
    axcon_msa_t *msa = small_msa();
    double S[81] = {0};
    axcon_cmap_t *cm = NULL;
    axcon_error_t err;
    axcon_error_clear(&err);
    S[2 * 9 + 5] = NAN;
    CU_ASSERT_EQUAL(axcon_cmap_from_scores(msa, S, 3.0, "mf", 6, &cm, &err), AXCON_EINPUT);
    CU_ASSERT_PTR_NULL(cm);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "non-finite"));
    S[2 * 9 + 5] = 0.0;
    CU_ASSERT_EQUAL(axcon_cmap_from_scores(msa, S, 3.0, "mf", 0, &cm, &err), AXCON_EUSAGE);
    CU_ASSERT_PTR_NULL(cm);
    /* all-zero scores: defined (z = 0), probabilities finite and equal within a class */
    CU_ASSERT_EQUAL_FATAL(axcon_cmap_from_scores(msa, S, 3.0, "unknown-method", 6, &cm, &err), AXCON_OK);
    size_t nr;
    const axcon_contact_t *r = axcon_cmap_ranked(cm, &nr);
    CU_ASSERT_EQUAL(nr, 9); /* (1,7..10) (2,8..10) (3,9..10): |i-j| >= 6 among scored positions */
    for (size_t k = 0; k < nr; k++) CU_ASSERT(isfinite(r[k].prob));
    CU_ASSERT(r[0].i == 1 && r[0].j == 7); /* ties by i then j */
    axcon_cmap_free(cm);
    axcon_msa_free(msa);
}

static void test_calibration_shape(void)
{
    const char *methods[] = {"mf", "plm", "attn", "other", "attn+net", "mf+net"};
    for (int m = 0; m < 6; m++) {
        for (double neff = 0.5; neff < 1e6; neff *= 3.0) {
            double prev = 2.0;
            for (size_t r = 0; r < 5000; r += 7) {
                double p = axcon_calib_prob(methods[m], r, neff, 100);
                CU_ASSERT(p >= 0.0 && p <= 1.0);
                CU_ASSERT(p <= prev); /* never increases down the ranking */
                prev = p;
            }
        }
        /* the top pair of a deep alignment is likely a contact; a pair ranked 20L is not */
        CU_ASSERT(axcon_calib_prob(methods[m], 0, 5000.0, 100) > 0.8);
        CU_ASSERT(axcon_calib_prob(methods[m], 2000, 5000.0, 100) < 0.1);
        /* deeper alignment, same rank: more confident */
        CU_ASSERT(axcon_calib_prob(methods[m], 10, 5000.0, 100) > axcon_calib_prob(methods[m], 10, 20.0, 100));
        /* a very shallow alignment never claims certainty */
        CU_ASSERT(axcon_calib_prob(methods[m], 0, 2.0, 200) < 0.3);
        /* extreme inputs stay finite */
        CU_ASSERT(isfinite(axcon_calib_prob(methods[m], (size_t)-1, 1e300, 1)));
        CU_ASSERT(isfinite(axcon_calib_prob(methods[m], 0, 0.0, 0)));
        CU_ASSERT(isfinite(axcon_calib_prob(methods[m], 3, NAN, 10)));
    }
}

/* A label METHOD+HEAD: the model and the head apart; the calibration row of the whole label where
 * there is one (the network's), else the model's (the linear head, an unknown head). */
static void test_calibration_labels(void)
{
    for (size_t r = 0; r < 3000; r += 11) {
        CU_ASSERT_EQUAL(axcon_calib_prob("attn+linear", r, 300.0, 120), axcon_calib_prob("attn", r, 300.0, 120));
        CU_ASSERT_EQUAL(axcon_calib_prob("plm+other", r, 300.0, 120), axcon_calib_prob("plm", r, 300.0, 120));
    }
    CU_ASSERT(axcon_calib_prob("attn+net", 5, 300.0, 120) != axcon_calib_prob("attn", 5, 300.0, 120));
    CU_ASSERT(axcon_calib_prob("mf+net", 5, 300.0, 120) != axcon_calib_prob("mf", 5, 300.0, 120));
    enum { L = 12 };
    uint8_t rows[2 * L];
    for (int k = 0; k < 2 * L; k++) rows[k] = (uint8_t)((k * 5 + k / L) % 20);
    axcon_msa_t *msa = NULL;
    axcon_error_t err;
    axcon_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(axcon_msa_from_codes(rows, 2, L, NULL, &msa, &err), AXCON_OK);
    double S[L * L];
    for (int k = 0; k < L * L; k++) S[k] = (double)((k / L + 1) * (k % L + 1) % 17);
    const char *labels[][3] = {{"attn+net", "attn", "net"}, {"mf", "mf", ""}, {"attn+linear", "attn", "linear"}};
    for (int t = 0; t < 3; t++) {
        axcon_cmap_t *cm = NULL;
        CU_ASSERT_EQUAL_FATAL(axcon_cmap_from_scores(msa, S, 40.0, labels[t][0], 6, &cm, &err), AXCON_OK);
        CU_ASSERT_STRING_EQUAL(axcon_cmap_method(cm), labels[t][1]);
        CU_ASSERT_STRING_EQUAL(axcon_cmap_head(cm), labels[t][2]);
        size_t nr = 0;
        const axcon_contact_t *c = axcon_cmap_ranked(cm, &nr);
        CU_ASSERT(nr > 0);
        if (nr) CU_ASSERT_DOUBLE_EQUAL(c[0].prob, axcon_calib_prob(labels[t][0], 0, 40.0, L), 1e-12);
        axcon_cmap_free(cm);
    }
    axcon_msa_free(msa);
}

/* Probabilities do not depend on --min-sep: a pair gets its rank among the |i-j| >= 6 pairs. */
static void test_prob_independent_of_min_sep(void)
{
    enum { L = 30 };
    uint8_t rows[3 * L];
    for (int k = 0; k < 3 * L; k++) rows[k] = (uint8_t)((k * 7 + k / L) % 20);
    axcon_msa_t *msa = NULL;
    axcon_error_t err;
    axcon_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(axcon_msa_from_codes(rows, 3, L, "q", &msa, &err), AXCON_OK);
    double S[L * L];
    for (int a = 0; a < L; a++)
        for (int b = 0; b < L; b++) S[a * L + b] = a == b ? 0.0 : (double)(((a + 1) * (b + 1) * 37) % 101) / 10.0;
    axcon_cmap_t *c6 = NULL, *c1 = NULL, *c12 = NULL;
    CU_ASSERT_EQUAL_FATAL(axcon_cmap_from_scores(msa, S, 50.0, "mf", 6, &c6, &err), AXCON_OK);
    CU_ASSERT_EQUAL_FATAL(axcon_cmap_from_scores(msa, S, 50.0, "mf", 1, &c1, &err), AXCON_OK);
    CU_ASSERT_EQUAL_FATAL(axcon_cmap_from_scores(msa, S, 50.0, "mf", 12, &c12, &err), AXCON_OK);
    size_t n6, n1, n12;
    const axcon_contact_t *r6 = axcon_cmap_ranked(c6, &n6), *r1 = axcon_cmap_ranked(c1, &n1),
                          *r12 = axcon_cmap_ranked(c12, &n12);
    CU_ASSERT_EQUAL(n1, (size_t)L * (L - 1) / 2);
    CU_ASSERT_EQUAL(n6, (size_t)(L - 6) * (L - 5) / 2);
    int same = 1, mono = 1;
    for (size_t k = 0; k < n6; k++) {
        CU_ASSERT_DOUBLE_EQUAL(r6[k].prob, axcon_calib_prob("mf", k, 50.0, L), 1e-15);
        for (size_t q = 0; q < n1; q++)
            if (r1[q].i == r6[k].i && r1[q].j == r6[k].j && r1[q].prob != r6[k].prob) same = 0;
        for (size_t q = 0; q < n12; q++)
            if (r12[q].i == r6[k].i && r12[q].j == r6[k].j && r12[q].prob != r6[k].prob) same = 0;
    }
    for (size_t q = 1; q < n1; q++)
        if (r1[q].prob > r1[q - 1].prob) mono = 0;
    CU_ASSERT(same);
    CU_ASSERT(mono);
    axcon_cmap_free(c6);
    axcon_cmap_free(c1);
    axcon_cmap_free(c12);
    axcon_msa_free(msa);
}

static void register_suites(void)
{
    axcon_log_set_level(AXCON_LOG_WARN);
    axt_suite("contacts", (axt_case_t[]){{"apc_hand", test_apc_hand},
                                         {"apc_degenerate", test_apc_degenerate},
                                         {"cmap_numbering_and_ranking", test_cmap_numbering_and_ranking},
                                         {"cmap_errors", test_cmap_errors},
                                         {"calibration_shape", test_calibration_shape},
                                         {"calibration_labels", test_calibration_labels},
                                         {"prob_independent_of_min_sep", test_prob_independent_of_min_sep},
                                         {0, 0}});
}

int main(int argc, char **argv) { return axt_main(argc, argv, register_suites); }
