/* test_determinism.c - thread-count invariance of `axcon predict`, end to end.
 *
 * Owns: the CLI-level check that every method (attn, mf, plm) gives the same ranked contacts
 * with 1 and 2 threads (-t) and with 3 taken from OMP_NUM_THREADS: the same pairs in the
 * same order, scores equal to 1e-6 (relative to the largest score), probabilities identical.
 * The family is simulated (planted couplings), small enough for the sanitizer build. The
 * model-level thread tests live in test_mf.c, test_plm.c and test_attn.c; test_predict.c
 * compares -f mat bytes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

typedef struct {
    int i, j;
    double score, prob;
} row_t;

/* Parse `predict -f tsv` output: i, j, score, probability per line. */
static row_t *parse_tsv(const char *text, size_t *n)
{
    size_t cap = 1024;
    row_t *v = malloc(cap * sizeof *v);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    *n = 0;
    for (const char *p = text; *p;) {
        row_t r;
        int used = 0;
        if (sscanf(p, "%d\t%d\t%lf\t%lf%n", &r.i, &r.j, &r.score, &r.prob, &used) != 4) {
            free(v);
            return NULL;
        }
        if (*n == cap) {
            cap *= 2;
            v = realloc(v, cap * sizeof *v);
            CU_ASSERT_PTR_NOT_NULL_FATAL(v);
        }
        v[(*n)++] = r;
        p += used;
        while (*p == '\n') p++;
    }
    return v;
}

static const char *family(void)
{
    static char *msa = NULL;
    if (!msa) {
        char *prefix = axt_tmp("det");
        CU_ASSERT_EQUAL_FATAL(
            axt_runf(NULL, NULL, "'%s' simulate -q -L 40 -N 200 --seed 11 -o '%s'", axt_axcon(), prefix), 0);
        msa = axt_tmp("det.a3m");
        free(prefix);
    }
    return msa;
}

/* Same pairs in the same order, scores within 1e-6 of the largest, probabilities equal. */
static void compare(const char *method, const char *what, const row_t *a, size_t na, const row_t *b, size_t nb)
{
    CU_ASSERT_EQUAL(na, nb);
    double top = 0.0;
    for (size_t k = 0; k < na; k++)
        if (fabs(a[k].score) > top) top = fabs(a[k].score);
    double tol = 1e-6 * (top > 1.0 ? top : 1.0);
    size_t order = 0, score = 0, prob = 0;
    for (size_t k = 0; k < na && k < nb; k++) {
        order += a[k].i != b[k].i || a[k].j != b[k].j;
        score += !(fabs(a[k].score - b[k].score) <= tol);
        prob += a[k].prob != b[k].prob;
    }
    if (order || score || prob || na != nb)
        printf("\n  %s, %s: %zu vs %zu pairs, %zu out of order, %zu scores differ, %zu probabilities differ\n",
               method, what, na, nb, order, score, prob);
    CU_ASSERT_EQUAL(order, 0);
    CU_ASSERT_EQUAL(score, 0);
    CU_ASSERT_EQUAL(prob, 0);
}

static void run_method(const char *method, const char *extra)
{
    char *o[3] = {0};
    const char *how[3] = {"-t 1", "-t 2", "OMP_NUM_THREADS=3"};
    for (int k = 0; k < 3; k++) {
        char *err = NULL;
        int st = k < 2 ? axt_runf(&o[k], &err, "'%s' predict -q %s -m %s %s -f tsv '%s'", axt_axcon(), how[k], method,
                                  extra, family())
                       : axt_runf(&o[k], &err, "OMP_NUM_THREADS=3 '%s' predict -q -m %s %s -f tsv '%s'", axt_axcon(),
                                  method, extra, family());
        if (st != 0) printf("\n  %s %s: exit %d: %s\n", method, how[k], st, err);
        CU_ASSERT_EQUAL_FATAL(st, 0);
        free(err);
    }
    size_t n0 = 0;
    row_t *r0 = parse_tsv(o[0], &n0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r0);
    CU_ASSERT_EQUAL(n0, 595); /* every pair with |i-j| >= 6 of the 40 columns */
    for (int k = 1; k < 3; k++) {
        size_t n = 0;
        row_t *r = parse_tsv(o[k], &n);
        CU_ASSERT_PTR_NOT_NULL_FATAL(r);
        char what[64];
        snprintf(what, sizeof what, "-t 1 vs %s", how[k]);
        compare(method, what, r0, n0, r, n);
        free(r);
    }
    for (int k = 0; k < 3; k++) free(o[k]);
    free(r0);
}

static void test_mf(void) { run_method("mf", ""); }
static void test_plm(void) { run_method("plm", ""); }
static void test_attn(void) { run_method("attn", ""); }

static void register_suites(void)
{
    axt_suite("determinism", (axt_case_t[]){{"mf: -t 1, -t 2 and OMP_NUM_THREADS=3 agree", test_mf},
                                            {"plm: -t 1, -t 2 and OMP_NUM_THREADS=3 agree", test_plm},
                                            {"attn: -t 1, -t 2 and OMP_NUM_THREADS=3 agree", test_attn},
                                            {0, 0}});
}

int main(int argc, char **argv) { return axt_main(argc, argv, register_suites); }
