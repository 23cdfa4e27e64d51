/* test_malformed.c - the malformed-input corpus of tests/malformed/, run through the built CLI.
 *
 * Owns: running every case of tests/malformed/cases.tsv (the readers of the alignment,
 * structure (PDB/mmCIF), prediction and truth files, and degenerate alignments given to
 * `axcon predict`) from inside tests/malformed/, so messages name files relatively, and
 * checking the exact exit status and the exact error/warning lines on stderr; making the
 * few inputs too big to keep in the tree (huge lines); and the "twins" of
 * tests/malformed/twins.tsv: each reader given the CRLF, UTF-8 BOM and BOM+CRLF versions of a
 * valid file must accept them and print exactly what it prints for the LF original. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil.h"

static const char *corpus_dir(void)
{
    static char dir[4096];
    if (!dir[0]) snprintf(dir, sizeof dir, "%s/tests/malformed", axt_srcdir());
    return dir;
}

/* Replace every occurrence of `from` in s by `to` (returns a new string; frees s). */
static char *replace_all(char *s, const char *from, const char *to)
{
    size_t fl = strlen(from), tl = strlen(to), n = 0;
    if (!fl) return s;
    for (const char *p = s; (p = strstr(p, from)); p += fl) n++;
    if (!n) return s;
    char *r = malloc(strlen(s) + n * tl + 1), *w = r;
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    const char *p = s, *q;
    while ((q = strstr(p, from))) {
        memcpy(w, p, (size_t)(q - p));
        w += q - p;
        memcpy(w, to, tl);
        w += tl;
        p = q + fl;
    }
    strcpy(w, p);
    free(s);
    return r;
}

/* The stderr lines a case is judged on: "axcon: error: ..." and any other line kept as is,
 * log lines "[W::func::clock] msg" as "[W::func] msg", progress lines "[M::...]" dropped;
 * the scratch directory reads "@TMP@". Lines joined by '\n', no trailing newline. */
static char *normalise_stderr(const char *err)
{
    char *e = replace_all(strdup(err), axt_tmpdir(), "@TMP@");
    size_t cap = strlen(e) + 1, n = 0;
    char *out = malloc(cap);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    out[0] = '\0';
    for (char *line = e, *next; line && *line; line = next) {
        char *nl = strchr(line, '\n');
        next = nl ? nl + 1 : NULL;
        if (nl) *nl = '\0';
        if (!strncmp(line, "[M::", 4)) continue;
        const char *text = line;
        char buf[4096];
        if (line[0] == '[' && line[1] && !strncmp(line + 2, "::", 2)) {
            const char *fe = strstr(line + 4, "::"), *close = strstr(line, "] ");
            if (close && fe && fe < close) {
                snprintf(buf, sizeof buf, "%.*s] %s", (int)(fe - line), line, close + 2);
                text = buf;
            }
        }
        size_t tl = strlen(text);
        if (n + tl + 2 > cap) {
            cap = n + tl + 2;
            out = realloc(out, cap);
            CU_ASSERT_PTR_NOT_NULL_FATAL(out);
        }
        if (n) out[n++] = '\n';
        memcpy(out + n, text, tl + 1);
        n += tl;
    }
    free(e);
    return out;
}

/* "\n" in a table cell stands for a line break. */
static void unescape(char *s)
{
    char *w = s;
    for (const char *r = s; *r; r++) {
        if (r[0] == '\\' && r[1] == 'n') {
            *w++ = '\n';
            r++;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
}

/* Inputs too large for the source tree, made in the scratch directory (@TMP@ in the table). */
static void make_generated(void)
{
    size_t big = 2000000;
    char *s = malloc(big + 64);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    /* a 2 MB alignment line that ends in a digit */
    size_t k = (size_t)sprintf(s, ">query\n");
    memset(s + k, 'A', big);
    k += big;
    k += (size_t)sprintf(s + k, "1\n");
    char *p = axt_tmp("huge_line.fa");
    CU_ASSERT_FATAL(axt_write(p, s, k) == 0);
    free(p);
    /* a 2 MB comment line before valid predictions: accepted */
    k = (size_t)sprintf(s, "# ");
    memset(s + k, 'x', big);
    k += big;
    k += (size_t)sprintf(s + k, "\n1\t8\t0.9\n2\t9\t0.5\n");
    p = axt_tmp("huge_comment.tsv");
    CU_ASSERT_FATAL(axt_write(p, s, k) == 0);
    free(p);
    /* a 2 MB number: the message quotes only its start */
    k = (size_t)sprintf(s, "1\t8\t");
    memset(s + k, '9', big);
    k += big;
    k += (size_t)sprintf(s + k, "\n");
    p = axt_tmp("huge_token.tsv");
    CU_ASSERT_FATAL(axt_write(p, s, k) == 0);
    free(p);
    free(s);
}

static void test_corpus(void)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/cases.tsv", corpus_dir());
    char *table = axt_slurp(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(table);
    make_generated();
    size_t ncase = 0, nfail = 0;
    char *save = NULL;
    for (char *line = strtok_r(table, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#' || !line[0]) continue;
        char *f[4] = {0};
        int nf = 0;
        for (char *p = line; nf < 4; nf++) {
            f[nf] = p;
            char *t = strchr(p, '\t');
            if (!t) { nf++; break; }
            *t = '\0';
            p = t + 1;
        }
        if (nf < 3) {
            printf("\n  bad line in cases.tsv: %s\n", line);
            CU_FAIL("cases.tsv: a line with fewer than 3 fields");
            continue;
        }
        const char *id = f[0];
        int want_exit = atoi(f[1]);
        char *args = replace_all(strdup(f[2]), "@TMP@", axt_tmpdir());
        char *want = strdup(nf > 3 ? f[3] : "");
        unescape(want);
        char *out = NULL, *err = NULL;
        int st = axt_runf(&out, &err, "cd '%s' && '%s' %s", corpus_dir(), axt_axcon(), args);
        char *got = normalise_stderr(err);
        int ok = st == want_exit && !strcmp(got, want) && (want_exit == 0 || out[0] == '\0');
        if (!ok) {
            nfail++;
            printf("\n  case %s: axcon %s\n    exit %d (want %d), stdout %zu bytes\n    stderr: %s\n    wanted: %s\n", id,
                   f[2], st, want_exit, strlen(out), got, want);
        }
        CU_ASSERT_EQUAL(st, want_exit);
        CU_ASSERT_STRING_EQUAL(got, want);
        if (want_exit != 0) CU_ASSERT_STRING_EQUAL(out, ""); /* nothing on stdout when failing */
        ncase++;
        free(got);
        free(out);
        free(err);
        free(args);
        free(want);
    }
    printf("\n  %zu malformed-input cases, %zu failed\n", ncase, nfail);
    CU_ASSERT(ncase >= 50);
    free(table);
}

/* ---- CRLF / BOM twins ---- */

static const char *const g_base_files[] = {"q.fa",  "q.a3m", "q.sto", "q.aln", "q.pdb",    "q.cif",    "q.rr",
                                           "q.mat", "q.tsv", "q.csv", "q.plmc", "q.fc", "q.psicov", "truth.tsv", NULL};

static void copy_file(const char *from, const char *to, int crlf, int bom)
{
    size_t n = 0;
    char *s = axt_slurp(from, &n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    char *d = malloc(2 * n + 4);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    size_t k = 0;
    if (bom) {
        memcpy(d, "\xEF\xBB\xBF", 3);
        k = 3;
    }
    for (size_t i = 0; i < n; i++) {
        if (crlf && s[i] == '\n') d[k++] = '\r';
        d[k++] = s[i];
    }
    CU_ASSERT_FATAL(axt_write(to, d, k) == 0);
    free(s);
    free(d);
}

static void test_twins(void)
{
    static const struct { const char *dir; int crlf, bom; } variants[] = {
        {"twin-lf", 0, 0}, {"twin-crlf", 1, 0}, {"twin-bom", 0, 1}, {"twin-bom-crlf", 1, 1}};
    char path[4200], from[4200], to[4200];
    snprintf(path, sizeof path, "%s/twins.tsv", corpus_dir());
    char *table = axt_slurp(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(table);
    for (size_t v = 0; v < 4; v++) {
        char *d = axt_tmp(variants[v].dir);
        CU_ASSERT_FATAL(mkdir(d, 0700) == 0);
        for (int b = 0; g_base_files[b]; b++) {
            snprintf(from, sizeof from, "%s/%s", corpus_dir(), g_base_files[b]);
            snprintf(to, sizeof to, "%s/%s", d, g_base_files[b]);
            copy_file(from, to, 0, 0);
        }
        free(d);
    }
    size_t ntwin = 0;
    char *save = NULL;
    for (char *line = strtok_r(table, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#' || !line[0]) continue;
        char *tab = strchr(line, '\t');
        CU_ASSERT_PTR_NOT_NULL_FATAL(tab);
        *tab = '\0';
        const char *file = line, *args = tab + 1;
        char *ref = NULL;
        for (size_t v = 0; v < 4; v++) {
            char *d = axt_tmp(variants[v].dir);
            snprintf(from, sizeof from, "%s/%s", corpus_dir(), file);
            snprintf(to, sizeof to, "%s/%s", d, file);
            copy_file(from, to, variants[v].crlf, variants[v].bom);
            char *out = NULL, *err = NULL;
            int st = axt_runf(&out, &err, "cd '%s' && '%s' %s", d, axt_axcon(), args);
            if (st != 0 || (ref && strcmp(out, ref) != 0))
                printf("\n  twin %s (%s): axcon %s\n    exit %d, stderr: %s\n", file, variants[v].dir, args, st, err);
            CU_ASSERT_EQUAL(st, 0);
            CU_ASSERT(out[0] != '\0');
            if (!ref) {
                ref = out;
            } else {
                CU_ASSERT_STRING_EQUAL(out, ref);
                free(out);
            }
            copy_file(from, to, 0, 0); /* back to the original for the next line */
            free(err);
            free(d);
        }
        free(ref);
        ntwin++;
    }
    printf("\n  %zu files accepted with CRLF, BOM and BOM+CRLF, same output as LF\n", ntwin);
    CU_ASSERT(ntwin >= 14);
    free(table);
}

static void register_suites(void)
{
    axt_suite("malformed", (axt_case_t[]){{"corpus: exit status and exact message", test_corpus},
                                          {"CRLF and BOM twins give identical results", test_twins},
                                          {0, 0}});
}

int main(int argc, char **argv) { return axt_main(argc, argv, register_suites); }
