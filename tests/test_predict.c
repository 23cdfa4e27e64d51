/* test_predict.c - end-to-end tests of `axcon predict` (src/cli/cmd_predict.c over
 * src/score/predict.c): planted co-varying pairs rank first for every linked method, every
 * output format is well formed, output bytes do not depend on the thread count, failures
 * leave nothing at -o, and bad options/inputs give exit 1 with one error line. */
#define _GNU_SOURCE /* memmem */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axcon/attn.h"
#include "axcon/error.h"
#include "axcon/msa.h"
#include "axcon/pred.h"
#include "axcon/predict.h"
#include "testutil.h"

enum { NSEQ = 300, LEN = 40 };
static const char *AA = "ARNDCQEGHILKMFPSTWYV";
static char *g_msa;      /* planted alignment (FASTA) */

static unsigned long long g_rng = 88172645463325252ULL;
static unsigned rnd(unsigned n)
{
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return (unsigned)(g_rng % n);
}

/* Random sequences, with column 30 a fixed permutation of column 5 and column 37 one of
 * column 12 (1-based): two perfectly co-varying pairs, (5,30) and (12,37). */
static const char *planted_msa(void)
{
    if (g_msa) return g_msa;
    g_msa = axt_tmp("planted.fa");
    FILE *fp = fopen(g_msa, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
    for (int n = 0; n < NSEQ; n++) {
        char s[LEN + 1];
        for (int i = 0; i < LEN; i++) s[i] = AA[rnd(20)];
        s[29] = AA[(strchr(AA, s[4]) - AA + 7) % 20];
        s[36] = AA[(strchr(AA, s[11]) - AA + 3) % 20];
        s[LEN] = '\0';
        fprintf(fp, ">s%d\n%s\n", n, s);
    }
    fclose(fp);
    return g_msa;
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++) n += *s == '\n';
    return n;
}

/* 1 if the method is linked in this build (runs a tiny prediction). */
static int method_available(const char *m)
{
    char *out = NULL, *err = NULL;
    int rc = axt_runf(&out, &err, "%s predict -q -m %s %s", axt_axcon(), m, planted_msa());
    int ok = rc == 0;
    if (!ok && err && strstr(err, "not available in this build")) printf("\nSKIP: method %s not linked\n", m);
    else if (!ok) CU_FAIL("predict failed for a linked method");
    free(out);
    free(err);
    return ok;
}

static void test_planted_pairs_rank_first(void)
{
    const char *methods[] = {"mf", "plm", "attn"};
    for (int k = 0; k < 3; k++) {
        if (!method_available(methods[k])) continue;
        char *out = NULL, *err = NULL;
        CU_ASSERT_EQUAL_FATAL(axt_runf(&out, &err, "%s predict -q -t 1 -m %s -f tsv %s", axt_axcon(), methods[k],
                                       planted_msa()), 0);
        int i1, j1, i2, j2;
        double s1, p1, s2, p2;
        CU_ASSERT_EQUAL_FATAL(sscanf(out, "%d\t%d\t%lf\t%lf\n%d\t%d\t%lf\t%lf", &i1, &j1, &s1, &p1, &i2, &j2, &s2, &p2), 8);
        int a = (i1 == 5 && j1 == 30) || (i1 == 12 && j1 == 37);
        int b = (i2 == 5 && j2 == 30) || (i2 == 12 && j2 == 37);
        CU_ASSERT(a && b && i1 != i2);
        if (!(a && b)) printf("\n%s: top pairs %d-%d %d-%d\n", methods[k], i1, j1, i2, j2);
        CU_ASSERT(p1 > 0.5 && p1 <= 1.0);
        /* every pair |i-j| >= 6 of the 40 columns is listed */
        CU_ASSERT_EQUAL(count_lines(out), (LEN - 6) * (LEN - 5) / 2);
        free(out);
        free(err);
    }
}

static void check_format(const char *fmt, const char *text)
{
    int lines = count_lines(text);
    if (!strcmp(fmt, "tsv")) {
        int i, j;
        double s, p;
        CU_ASSERT_EQUAL(sscanf(text, "%d\t%d\t%lf\t%lf", &i, &j, &s, &p), 4);
        CU_ASSERT_EQUAL(lines, 10);
    } else if (!strcmp(fmt, "rr")) {
        CU_ASSERT_EQUAL(strncmp(text, "PFRMAT RR\nTARGET s0\nAUTHOR axcon\nMETHOD ", 40), 0);
        CU_ASSERT_PTR_NOT_NULL(strstr(text, "\nMODEL 1\n"));
        CU_ASSERT_EQUAL(strcmp(text + strlen(text) - 5, "\nEND\n"), 0);
        const char *p = strstr(text, "\nMODEL 1\n") + 9;
        p = strchr(p, '\n') + 1; /* the 40-residue sequence fits one line */
        int i, j, d1, d2;
        double pr;
        CU_ASSERT_EQUAL(sscanf(p, "%d %d %d %d %lf", &i, &j, &d1, &d2, &pr), 5);
        CU_ASSERT(d1 == 0 && d2 == 8 && i < j && pr >= 0 && pr <= 1);
    } else if (!strcmp(fmt, "mat")) {
        CU_ASSERT_EQUAL(lines, LEN); /* --top does not apply */
        int tabs = 0;
        for (const char *p = text; *p && *p != '\n'; p++) tabs += *p == '\t';
        CU_ASSERT_EQUAL(tabs, LEN - 1);
    } else if (!strcmp(fmt, "csv")) {
        CU_ASSERT_EQUAL(strncmp(text, "i,A_i,j,A_j,fn,cn,probability\n", 30), 0);
        CU_ASSERT_EQUAL(lines, 11);
        int i, j;
        char a, b;
        double fn, cn, p;
        CU_ASSERT_EQUAL(sscanf(text + 30, "%d,%c,%d,%c,%lf,%lf,%lf", &i, &a, &j, &b, &fn, &cn, &p), 7);
    } else if (!strcmp(fmt, "plmc")) {
        int i, j, z;
        char a, b;
        double s;
        CU_ASSERT_EQUAL(sscanf(text, "%d %c %d %c %d %lf", &i, &a, &j, &b, &z, &s), 6);
        CU_ASSERT_EQUAL(lines, 10);
    } else if (!strcmp(fmt, "psicov")) {
        int i, j, lo, hi;
        double sc;
        CU_ASSERT_EQUAL(sscanf(text, "%d %d %d %d %lf", &i, &j, &lo, &hi, &sc), 5);
        CU_ASSERT(lo == 0 && hi == 8 && i < j);
        CU_ASSERT_EQUAL(lines, 10);
    } else if (!strcmp(fmt, "rosetta")) {
        CU_ASSERT_EQUAL(strncmp(text, "AtomPair C", 10), 0);
        CU_ASSERT_PTR_NOT_NULL(strstr(text, " SIGMOID 8.00 1.00\n"));
        CU_ASSERT_EQUAL(lines, 10);
    }
}

static void test_every_format(void)
{
    const char *fmts[] = {"tsv", "rr", "mat", "csv", "plmc", "rosetta", "psicov"};
    for (int k = 0; k < 7; k++) {
        char *out = NULL, *err = NULL;
        CU_ASSERT_EQUAL(axt_runf(&out, &err, "%s predict -q -m mf -f %s --top 10 %s", axt_axcon(), fmts[k],
                                 planted_msa()), 0);
        check_format(fmts[k], out);
        free(out);
        free(err);
    }
    /* the format follows the -o extension when -f is absent */
    const char *exts[] = {"x.rr", "x.mat", "x.csv", "x.cst", "x.plmc", "x.tsv", "x.psicov"};
    const char *as[] = {"rr", "mat", "csv", "rosetta", "plmc", "tsv", "psicov"};
    for (int k = 0; k < 7; k++) {
        char *path = axt_tmp(exts[k]);
        CU_ASSERT_EQUAL(axt_runf(NULL, NULL, "%s predict -q -m mf --top 10 -o %s %s", axt_axcon(), path, planted_msa()), 0);
        char *text = axt_slurp(path, NULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(text);
        check_format(as[k], text);
        free(text);
        free(path);
    }
    /* the RR header fields; the written file reads back as RR with its sequence */
    char *rr = axt_tmp("casp.rr");
    CU_ASSERT_EQUAL(axt_runf(NULL, NULL, "%s predict -q -m mf --top 5 --author 1234-5678 --target T0999 --remark one "
                                         "--remark 'two words' -o %s %s", axt_axcon(), rr, planted_msa()), 0);
    char *rtext = axt_slurp(rr, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(rtext);
    CU_ASSERT_EQUAL(strncmp(rtext, "PFRMAT RR\nTARGET T0999\nAUTHOR 1234-5678\nREMARK one\nREMARK two words\nMETHOD ",
                            strlen("PFRMAT RR\nTARGET T0999\nAUTHOR 1234-5678\nREMARK one\nREMARK two words\nMETHOD ")), 0);
    axcon_pred_t *pr = NULL;
    axcon_error_t perr;
    axcon_error_clear(&perr);
    CU_ASSERT_EQUAL_FATAL(axcon_pred_read(rr, AXCON_PRED_AUTO, 0, &pr, &perr), AXCON_OK);
    CU_ASSERT(axcon_pred_format(pr) == AXCON_PRED_RR && axcon_pred_npairs(pr) == 5 && axcon_pred_length(pr) == LEN);
    axcon_pred_free(pr);
    free(rtext);
    free(rr);
    /* rosetta without --top writes 1.5L constraints */
    char *out = NULL;
    CU_ASSERT_EQUAL(axt_runf(&out, NULL, "%s predict -q -m mf -f rosetta %s", axt_axcon(), planted_msa()), 0);
    CU_ASSERT_EQUAL(count_lines(out), 60);
    free(out);
    /* --min-sep and --top L/5 */
    CU_ASSERT_EQUAL(axt_runf(&out, NULL, "%s predict -q -m mf --min-sep 24 --top L/5 %s", axt_axcon(), planted_msa()), 0);
    CU_ASSERT_EQUAL(count_lines(out), 8);
    int good = 1;
    for (char *line = out; *line; line = strchr(line, '\n') + 1) {
        int i, j;
        if (sscanf(line, "%d\t%d", &i, &j) != 2 || j - i < 24) good = 0;
    }
    CU_ASSERT(good);
    free(out);
}

/* A side file (--dump-features, --save-couplings) at an unwritable path fails before any
 * computation: exit 1, one error naming the path, and no main output at out_path. */
static void check_unwritable_side_file(const char *opts, const char *bad, const char *out_path)
{
    char *out = NULL, *err = NULL;
    remove(out_path);
    CU_ASSERT_EQUAL(axt_runf(&out, &err, "%s predict -q %s -o %s %s %s", axt_axcon(), opts, out_path, bad, planted_msa()),
                    1);
    char want[256];
    snprintf(want, sizeof want, "axcon: error: %s", strchr(bad, ' ') + 1);
    CU_ASSERT_PTR_NOT_NULL(err && strstr(err, want));
    CU_ASSERT_FALSE(axt_exists(out_path));
    free(out);
    free(err);
}

/* --dump-features: a numpy archive of the head's inputs; -m mf has no F map, attn has one and
 * the attention maps (A: heads x L x L, symmetrised, scaled so that uniform is 1, so each map
 * averages (L - 1) / L; vnorm: one per head), also when --dump-attention asks for them as text.
 * When numpy is installed it must load the archive, and M must equal the written matrix. */
/* Run a numpy check script (its "assert"s, then print("ok")) with python3; 0 when numpy is
 * missing (the caller says SKIP), 1 when it ran. */
static int numpy_check(const char *script)
{
    const char *py = axt_exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
    if (axt_runf(NULL, NULL, "%s -c 'import numpy' 2>/dev/null", py) != 0) return 0;
    char *out = NULL, *err = NULL;
    CU_ASSERT_EQUAL(axt_runf(&out, &err, "%s -c 'import numpy as np; %s; print(\"ok\")'", py, script), 0);
    CU_ASSERT_PTR_NOT_NULL(out && strstr(out, "ok"));
    if (err && *err) printf("%s", err);
    free(out);
    free(err);
    return 1;
}

static void test_dump_features(void)
{
    char *npz = axt_tmp("feat.npz"), *mat = axt_tmp("feat.mat"), *att = axt_tmp("feat.att"), script[1024];
    CU_ASSERT_EQUAL(axt_runf(NULL, NULL, "%s predict -q -m mf --no-head -f mat -o %s --dump-features %s %s", axt_axcon(), mat,
                             npz, planted_msa()), 0);
    size_t len = 0;
    char *z = axt_slurp(npz, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(z);
    CU_ASSERT(len > 40 * 40 * 8);
    CU_ASSERT(memmem(z, len, "M.npy", 5) && memmem(z, len, "freq.npy", 8) && memmem(z, len, "pos.npy", 7));
    CU_ASSERT_PTR_NULL(memmem(z, len, "F.npy", 5));
    CU_ASSERT_PTR_NULL(memmem(z, len, "A.npy", 5));
    free(z);
    snprintf(script, sizeof script,
             "z = np.load(\"%s\"); m = np.loadtxt(\"%s\"); "
             "p = z[\"pos\"] - 1; M = np.zeros_like(m); M[np.ix_(p, p)] = z[\"M\"]; "
             "assert abs(M - m).max() <= 1e-5 * abs(m).max(), abs(M - m).max(); "
             "assert abs(z[\"freq\"].sum(1) - 1).max() < 1e-12; "
             "assert z[\"nseq\"] > 1 and 0 < z[\"neff\"] <= z[\"nseq\"]", npz, mat);
    if (!numpy_check(script)) printf("SKIP: dump_features numpy checks: numpy not installed\n");
    CU_ASSERT_EQUAL(axt_runf(NULL, NULL, "%s predict -q -o %s --max-iter 3 --heads 4 --dump-features %s "
                             "--dump-attention %s %s", axt_axcon(), mat, npz, att, planted_msa()), 0);
    z = axt_slurp(npz, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(z);
    CU_ASSERT_PTR_NOT_NULL(memmem(z, len, "F.npy", 5));
    CU_ASSERT_PTR_NOT_NULL(memmem(z, len, "A.npy", 5));
    CU_ASSERT_PTR_NOT_NULL(memmem(z, len, "vnorm.npy", 9));
    free(z);
    z = axt_slurp(att, &len);
    CU_ASSERT_PTR_NOT_NULL(z && strstr(z, "# axcon attention maps v1 (-m attn): 4 heads"));
    free(z);
    snprintf(script, sizeof script,
             "z = np.load(\"%s\"); A = z[\"A\"]; L = len(z[\"pos\"]); "
             "assert A.shape == (4, L, L) and z[\"vnorm\"].shape == (4,), A.shape; "
             "assert (A == A.transpose(0, 2, 1)).all() and (A >= 0).all(); "
             "m = A.mean((1, 2)); assert abs(m - (L - 1) / L).max() < 1e-5, m; "
             "assert (np.diagonal(A, 0, 1, 2) == 0).all()", npz);
    numpy_check(script);
    free(att);
    check_unwritable_side_file("-m mf", "--dump-features /nonexistent/f.npz", mat);
    free(npz);
    free(mat);
}

/* --save-couplings: plm and attn write the Potts model; its strongest coupling (Frobenius
 * norm of the 20 x 20 amino-acid block) is the method's top pair before APC, so it is among
 * the top ranked pairs; mf is refused; an unwritable path fails before the computation */
static void test_save_couplings(void)
{
    char *npz = axt_tmp("potts.npz"), *tsv = axt_tmp("potts.tsv"), *out = NULL, *err = NULL;
    const char *py = axt_exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
    int have_np = axt_runf(NULL, NULL, "%s -c 'import numpy' 2>/dev/null", py) == 0;
    const char *methods[] = {"-m plm --max-iter 10", "--max-iter 5"};
    for (int k = 0; k < 2; k++) {
        remove(npz);
        CU_ASSERT_EQUAL(axt_runf(NULL, NULL, "%s predict -q %s --no-head --no-apc -o %s --save-couplings %s %s",
                                 axt_axcon(), methods[k], tsv, npz, planted_msa()), 0);
        size_t len = 0;
        char *z = axt_slurp(npz, &len);
        CU_ASSERT_PTR_NOT_NULL_FATAL(z);
        CU_ASSERT(len > (size_t)LEN * LEN * 441 * 4 && !memcmp(z, "PK", 2) && memmem(z, len, "J.npy", 5));
        free(z);
        if (!have_np) continue;
        CU_ASSERT_EQUAL(axt_runf(&out, &err,
                                 "%s -c 'import numpy as np; z = np.load(\"%s\"); J = z[\"J\"]; h = z[\"h\"]; L = len(h); "
                                 "assert J.shape == (L, L, 21, 21) and J.dtype == np.float32 and h.shape == (L, 21); "
                                 "assert abs(J - J.transpose(1, 0, 3, 2)).max() == 0 and abs(J.sum(3)).max() < 1e-4; "
                                 "assert len(z[\"seq\"].item()) == L and list(z[\"pos\"]) == list(range(1, L + 1)); "
                                 "F = np.sqrt((J[:, :, :20, :20] ** 2).sum((2, 3))); F = np.triu(F, 6); "
                                 "i, j = np.unravel_index(np.argmax(F), F.shape); "
                                 "top = [tuple(map(int, l.split()[:2])) for l in open(\"%s\")][:10]; "
                                 "assert (i + 1, j + 1) in top, ((i + 1, j + 1), top); print(\"ok\")'",
                                 py, npz, tsv),
                        0);
        CU_ASSERT_PTR_NOT_NULL(out && strstr(out, "ok"));
        if (err && *err) printf("%s", err);
        free(out);
        free(err);
        out = err = NULL;
    }
    if (!have_np) printf("SKIP: save_couplings numpy check: numpy not installed\n");
    CU_ASSERT_EQUAL(axt_runf(&out, &err, "%s predict -q -m mf --save-couplings %s %s", axt_axcon(), npz, planted_msa()), 1);
    CU_ASSERT_PTR_NOT_NULL(err && strstr(err, "--save-couplings needs -m plm or -m attn"));
    free(out);
    free(err);
    check_unwritable_side_file("-m plm", "--save-couplings /nonexistent/c.npz", tsv);
    free(npz);
    free(tsv);
}

/* progress of the optimisers on stderr: plain lines when stderr is not a terminal, none
 * with -q (AXCON_PROGRESS_AFTER=0 reports from the first iteration) */
static void test_progress(void)
{
    const char *methods[] = {"", "-m plm"};
    for (int k = 0; k < 2; k++) {
        char *out = NULL, *err = NULL;
        CU_ASSERT_EQUAL(axt_runf(&out, &err, "AXCON_PROGRESS_AFTER=0 %s predict %s --max-iter 4 %s", axt_axcon(),
                                 methods[k], planted_msa()), 0);
        CU_ASSERT_PTR_NOT_NULL(err && strstr(err, k ? "[M::plm::" : "[M::attn::"));
        CU_ASSERT_PTR_NOT_NULL(err && strstr(err, "] iteration 1/4 (25%), f="));
        CU_ASSERT_PTR_NULL(err && strchr(err, '\r')); /* no redrawing into a log */
        free(out);
        free(err);
        CU_ASSERT_EQUAL(axt_runf(&out, &err, "AXCON_PROGRESS_AFTER=0 %s predict -q %s --max-iter 4 %s", axt_axcon(),
                                 methods[k], planted_msa()), 0);
        CU_ASSERT_PTR_NOT_NULL(err);
        CU_ASSERT_PTR_NULL(err && strstr(err, "iteration"));
        free(out);
        free(err);
    }
}

static void test_threads_identical(void)
{
    const char *methods[] = {"mf", "plm", "attn"};
    for (int k = 0; k < 3; k++) {
        if (k > 0 && !method_available(methods[k])) continue;
        char *o1 = NULL, *o2 = NULL;
        CU_ASSERT_EQUAL(axt_runf(&o1, NULL, "%s predict -q -t 1 -m %s -f mat %s", axt_axcon(), methods[k], planted_msa()), 0);
        CU_ASSERT_EQUAL(axt_runf(&o2, NULL, "%s predict -q -t 2 -m %s -f mat %s", axt_axcon(), methods[k], planted_msa()), 0);
        CU_ASSERT_PTR_NOT_NULL(o1);
        CU_ASSERT_PTR_NOT_NULL(o2);
        if (o1 && o2) CU_ASSERT_STRING_EQUAL(o1, o2);
        free(o1);
        free(o2);
    }
}

static void test_no_partial_output(void)
{
    char *err = NULL;
    /* -o into a directory that does not exist */
    char *dir = axt_tmp("no/such/dir/out.tsv");
    CU_ASSERT_EQUAL(axt_runf(NULL, &err, "%s predict -q -m mf -o %s %s", axt_axcon(), dir, planted_msa()), 1);
    CU_ASSERT_EQUAL(strncmp(err, "axcon: error: ", 14), 0);
    CU_ASSERT_EQUAL(count_lines(err), 1);
    free(err);
    free(dir);
    /* a bad MSA: exit 1, the output is not created, an existing one is left alone */
    char *bad = axt_tmp("bad.fa"), *out = axt_tmp("out.tsv"), *keep = axt_tmp("keep.tsv");
    axt_write_str(bad, ">q\nACDEFGHIK\n>s\nAC#EF\n");
    CU_ASSERT_EQUAL(axt_runf(NULL, &err, "%s predict -q -o %s %s", axt_axcon(), out, bad), 1);
    CU_ASSERT_FALSE(axt_exists(out));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "bad.fa"));
    free(err);
    axt_write_str(keep, "previous\n");
    CU_ASSERT_EQUAL(axt_runf(NULL, NULL, "%s predict -q -o %s %s", axt_axcon(), keep, bad), 1);
    char *text = axt_slurp(keep, NULL);
    CU_ASSERT_STRING_EQUAL(text, "previous\n");
    free(text);
    /* no temporaries left in the directory */
    char *listing = NULL;
    axt_runf(&listing, NULL, "ls -A %s | grep -c '^\\.' || true", axt_tmpdir());
    CU_ASSERT_EQUAL(atoi(listing), 0);
    free(listing);
    free(bad);
    free(out);
    free(keep);
}

static void test_degenerate_inputs(void)
{
    char *err = NULL, *path = axt_tmp("single.fa"), *out = axt_tmp("single.tsv");
    axt_write_str(path, ">only\nACDEFGHIKLMNPQRSTVWY\n");
    CU_ASSERT_EQUAL(axt_runf(NULL, &err, "%s predict -q -m mf -o %s %s", axt_axcon(), out, path), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "only the query"));
    CU_ASSERT_EQUAL(count_lines(err), 1);
    CU_ASSERT_FALSE(axt_exists(out));
    free(err);
    axt_write_str(path, ">q\nA\n>s\nC\n>t\nD\n");
    CU_ASSERT_EQUAL(axt_runf(NULL, &err, "%s predict -q -m mf %s", axt_axcon(), path), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "at least 2"));
    free(err);
    /* identical sequences: no variation, but still finite, well-formed output */
    axt_write_str(path, ">q\nACDEFGHIKLMNPQ\n>s\nACDEFGHIKLMNPQ\n>t\nACDEFGHIKLMNPQ\n");
    char *o = NULL;
    CU_ASSERT_EQUAL(axt_runf(&o, &err, "%s predict -q -m mf %s", axt_axcon(), path), 0);
    CU_ASSERT_PTR_NULL(strstr(o, "nan"));
    CU_ASSERT_EQUAL(count_lines(o), (14 - 6) * (14 - 5) / 2);
    free(o);
    free(err);
    free(path);
    free(out);
}

/* axcon_predict_opts_set: every key sets its field, a bad value or key leaves o unchanged */
static void test_opts_set(void)
{
    axcon_predict_opts_t *o = axcon_predict_opts_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    axcon_error_t err;
    axcon_error_clear(&err);
    CU_ASSERT_EQUAL(o->method, AXCON_METHOD_ATTN);
    const char *ok[][2] = {{"method", "plm"}, {"min-sep", "12"}, {"id", "0.62"}, {"apc", "no"},
                           {"pseudocount", "0.5"}, {"sharpen", "2"}, {"tau", "0.5"}, {"lambda-h", "0.02"},
                           {"lambda-j", "0.3"}, {"max-iter", "7"}, {"tol", "0.01"}, {"heads", "8"},
                           {"head-dim", "16"}, {"attn-lambda", "0.1"}, {"head", "net"}, {"max-mem", "2G"},
                           {"attn-residual", "sparse"}};
    for (size_t k = 0; k < sizeof ok / sizeof ok[0]; k++) {
        int rc = axcon_predict_opts_set(o, ok[k][0], ok[k][1], &err);
        if (rc) printf("\n%s=%s: %s", ok[k][0], ok[k][1], err.msg);
        CU_ASSERT_EQUAL(rc, AXCON_OK);
    }
    CU_ASSERT(o->method == AXCON_METHOD_PLM && o->min_sep == 12 && o->id_threshold == 0.62 && o->apc == 0);
    CU_ASSERT(o->mf_pseudocount == 0.5 && o->mf_sharpen == 2 && o->mf_tau == 0.5 && o->plm_lambda_h == 0.02);
    CU_ASSERT(o->plm_lambda_j == 0.3 && o->plm_max_iter == 7 && o->attn_max_iter == 7 && o->plm_tol == 0.01);
    CU_ASSERT(o->attn_tol == 0.01 && o->attn_heads == 8 && o->attn_dim == 16 && o->attn_lambda == 0.1);
    CU_ASSERT(o->head == AXCON_HEAD_NET && o->max_mem == 2.0 * 1024 * 1024 * 1024);
    CU_ASSERT(o->attn_residual == AXCON_ATTN_RESIDUAL_SPARSE);
    axcon_predict_opts_t before = *o;
    const char *bad[][3] = {{"min-sep", "0", "min-sep wants"}, {"id", "1.5", "id wants"}, {"apc", "maybe", "apc wants"},
                            {"method", "dca", "unknown method"}, {"head", "big", "head wants"},
                            {"max-mem", "lots", "max-mem wants"}, {"heads", "2.5", "heads wants"},
                            {"tol", "", "tol wants"}, {"colour", "red", "unknown prediction option 'colour'"},
                            {"attn-residual", "half", "attn-residual wants auto, dense or sparse"}};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        CU_ASSERT_EQUAL(axcon_predict_opts_set(o, bad[k][0], bad[k][1], &err), AXCON_EUSAGE);
        CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, bad[k][2]));
    }
    CU_ASSERT_EQUAL(axcon_predict_opts_set(o, "min-sep", NULL, &err), AXCON_EUSAGE);
    CU_ASSERT_EQUAL(memcmp(&before, o, sizeof before), 0);
    axcon_predict_opts_free(o);
}

static void test_bad_options(void)
{
    const char *cases[][2] = {
        {"-m frobnicate", "unknown method 'frobnicate'"},
        {"-f xml", "unknown output format 'xml'"},
        {"--top many", "expected all"},
        {"--top 0", "expected all"},
        {"--min-sep 0", "--min-sep"},
        {"--id 2", "--id"},
        {"--pseudocount 1", "--pseudocount"},
        {"--no-such-option", "unknown option '--no-such-option'"},
        {"-x", "unknown option '-x'"},
        {"-t 0", "-t/--threads"},
        {"--max-iter", "needs a value"},
        {"--author 'a b'", "--author: RR AUTHOR must be one word"},
        {"--head big", "--head wants linear, net or none, got 'big'"},
        {"--max-mem 3Q", "--max-mem wants a size"},
        {"--tol 2", "--tol wants a number in [0,1]"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char *out = NULL, *err = NULL;
        int rc = axt_runf(&out, &err, "%s predict %s %s", axt_axcon(), cases[k][0],
                          strcmp(cases[k][0], "--max-iter") ? planted_msa() : "");
        CU_ASSERT_EQUAL(rc, 1);
        CU_ASSERT_EQUAL(strncmp(err, "axcon: error: ", 14), 0);
        CU_ASSERT_EQUAL(count_lines(err), 1);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, cases[k][1]));
        if (!strstr(err, cases[k][1])) printf("\n%s -> %s", cases[k][0], err);
        CU_ASSERT_EQUAL(out[0], '\0');
        free(out);
        free(err);
    }
    char *out = NULL, *err = NULL;
    CU_ASSERT_EQUAL(axt_runf(&out, &err, "%s predict", axt_axcon()), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "exactly one MSA"));
    free(out);
    free(err);
    CU_ASSERT_EQUAL(axt_runf(&out, &err, "%s predict --help", axt_axcon()), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "Usage: axcon predict"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "--top"));
    free(out);
    free(err);
    CU_ASSERT_EQUAL(axt_runf(&out, &err, "%s predict /no/such/file.a3m", axt_axcon()), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "/no/such/file.a3m"));
    free(out);
    free(err);
}

/* The top 10 pairs of a tsv prediction, "i j" each, in rank order. */
static void top_pairs(const char *tsv, char *buf, size_t size)
{
    buf[0] = '\0';
    int n = 0;
    for (const char *l = tsv; l && *l && n < 10; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        int i, j;
        if (sscanf(l, "%d\t%d", &i, &j) != 2) continue;
        size_t have = strlen(buf);
        snprintf(buf + have, size - have, "%d %d,", i, j);
        n++;
    }
}

/* -m attn's sparse residual from the command line: asked for (every pair fits at this L, so it
 * is the dense model streamed: the same ranking), chosen by --max-mem between the two
 * estimates, refused with a bad value; --dry-run knows the smaller form. */
static void test_attn_residual_forms(void)
{
    char *od = NULL, *os = NULL, *err = NULL, a[512], b[512];
    CU_ASSERT_EQUAL(axt_runf(&od, NULL, "%s predict -q --attn-residual dense --max-iter 8 -f tsv %s", axt_axcon(),
                             planted_msa()), 0);
    CU_ASSERT_EQUAL(axt_runf(&os, &err, "%s predict -v --attn-residual sparse --max-iter 8 -f tsv %s", axt_axcon(),
                             planted_msa()), 0);
    CU_ASSERT_PTR_NOT_NULL(err && strstr(err, "sparse residual on the 780 best seed pairs of 780"));
    CU_ASSERT_FATAL(od && os);
    top_pairs(od, a, sizeof a);
    top_pairs(os, b, sizeof b);
    CU_ASSERT(strlen(a) > 20);
    CU_ASSERT_STRING_EQUAL(a, b);
    CU_ASSERT_PTR_NOT_NULL(strstr(a, "5 30,") && strstr(a, "12 37,"));
    free(od);
    free(os);
    free(err);
    /* a limit below the dense model's estimate: auto takes the sparse form with fewer pairs,
     * within the limit; the dense form asked for is refused */
    char *sim = axt_tmp("sim150"), *fa = axt_tmp("sim150.a3m"), *out = NULL;
    CU_ASSERT_EQUAL_FATAL(axt_runf(NULL, NULL, "%s simulate -q -L 150 -N 200 -o %s", axt_axcon(), sim), 0);
    axcon_msa_t *msa = NULL;
    axcon_error_t e;
    axcon_error_clear(&e);
    CU_ASSERT_EQUAL_FATAL(axcon_msa_read(fa, NULL, &msa, &e), AXCON_OK);
    axcon_predict_opts_t o;
    axcon_predict_opts_init(&o);
    axcon_estimate_t ed;
    CU_ASSERT_EQUAL(axcon_predict_estimate(msa, &o, 2, &ed, &e), AXCON_OK);
    axcon_msa_free(msa);
    double lim = 0.6 * ed.bytes;
    CU_ASSERT_EQUAL(axt_runf(&out, &err, "%s predict -v -t 2 --max-iter 2 --max-mem %.0f %s", axt_axcon(), lim, fa), 0);
    CU_ASSERT_PTR_NOT_NULL(err && strstr(err, "sparse residual on the "));
    CU_ASSERT_PTR_NULL(err && strstr(err, "on the 11175 best")); /* fewer than all 11175 pairs */
    CU_ASSERT(out && count_lines(out) > 1000);
    free(out);
    free(err);
    CU_ASSERT_EQUAL(axt_runf(&out, &err, "%s predict --dry-run -t 2 --max-mem %.0f %s", axt_axcon(), lim, fa), 0);
    CU_ASSERT_PTR_NOT_NULL(out && strstr(out, "memory="));
    CU_ASSERT_PTR_NULL(out && strstr(out, "over --max-mem"));
    free(out);
    free(err);
    CU_ASSERT_EQUAL(axt_runf(&out, &err, "%s predict -t 2 --attn-residual dense --max-mem %.0f %s", axt_axcon(), lim,
                             fa), 2);
    CU_ASSERT_PTR_NOT_NULL(err && strstr(err, "--max-mem"));
    free(out);
    free(err);
    free(sim);
    free(fa);
    CU_ASSERT_EQUAL(axt_runf(&out, &err, "%s predict --attn-residual half %s", axt_axcon(), planted_msa()), 1);
    CU_ASSERT_PTR_NOT_NULL(err && strstr(err, "attn-residual wants auto, dense or sparse"));
    free(out);
    free(err);
}

static void test_stdin_and_stdout(void)
{
    char *out = NULL, *err = NULL;
    CU_ASSERT_EQUAL(axt_runf(&out, &err, "%s predict -m mf -f rr --top 3 - < %s", axt_axcon(), planted_msa()), 0);
    CU_ASSERT_EQUAL(strncmp(out, "PFRMAT RR\nTARGET s0\n", 20), 0);
    CU_ASSERT_PTR_NULL(strstr(out, "[M::")); /* logs go to stderr only */
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "[M::"));
    free(out);
    free(err);
    /* PSICOV files have no names: the RR TARGET comes from the file name */
    char *aln = axt_tmp("fam1.aln");
    axt_write_str(aln, "ACDEFGHIKLMN\nACDEFGHIKLMQ\nSCDEFGHIRLMN\nACDEWGHIKLMN\n");
    CU_ASSERT_EQUAL(axt_runf(&out, NULL, "%s predict -q -m mf -f rr --top 1 %s", axt_axcon(), aln), 0);
    CU_ASSERT_EQUAL(strncmp(out, "PFRMAT RR\nTARGET fam1\n", 22), 0);
    free(out);
    free(aln);
}

static void register_suites(void)
{
    axt_suite("predict", (axt_case_t[]){{"planted_pairs_rank_first", test_planted_pairs_rank_first},
                                        {"attn_residual_forms", test_attn_residual_forms},
                                        {"opts_set", test_opts_set},
                                        {"dump_features", test_dump_features},
                                        {"save_couplings", test_save_couplings},
                                        {"progress", test_progress},
                                        {"every_format", test_every_format},
                                        {"threads_identical", test_threads_identical},
                                        {"no_partial_output", test_no_partial_output},
                                        {"degenerate_inputs", test_degenerate_inputs},
                                        {"bad_options", test_bad_options},
                                        {"stdin_and_stdout", test_stdin_and_stdout},
                                        {0, 0}});
}

int main(int argc, char **argv) { return axt_main(argc, argv, register_suites); }
