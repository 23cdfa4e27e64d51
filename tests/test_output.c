/* test_output.c - unit tests of stage 6 (src/output/output.c): format names, --top parsing
 * and counting, and the exact text of every writer for a small hand-built contact map. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "axcon/contacts.h"
#include "axcon/log.h"
#include "axcon/msa.h"
#include "axcon/npz.h"
#include "axcon/output.h"
#include "axcon/pll.h"
#include "testutil.h"

static void test_format_names(void)
{
    const char *names[] = {"rr", "mat", "tsv", "csv", "plmc", "rosetta", "psicov"};
    axcon_error_t err;
    axcon_error_clear(&err);
    for (int k = 0; k < 7; k++) {
        axcon_outfmt_t f;
        CU_ASSERT_EQUAL(axcon_outfmt_parse(names[k], &f, &err), AXCON_OK);
        CU_ASSERT_STRING_EQUAL(axcon_outfmt_name(f), names[k]);
    }
    axcon_outfmt_t f;
    CU_ASSERT_EQUAL(axcon_outfmt_parse("RR", &f, &err), AXCON_EUSAGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "'RR'"));
    CU_ASSERT_EQUAL(axcon_outfmt_parse("", &f, &err), AXCON_EUSAGE);
}

static void test_top(void)
{
    axcon_top_t t;
    axcon_error_t err;
    axcon_error_clear(&err);
    CU_ASSERT_EQUAL(axcon_top_parse("all", &t, &err), AXCON_OK);
    CU_ASSERT_EQUAL(axcon_top_count(&t, 75, 1000), 1000);
    CU_ASSERT_EQUAL(axcon_top_count(NULL, 75, 1000), 1000);
    CU_ASSERT_EQUAL(axcon_top_parse("100", &t, &err), AXCON_OK);
    CU_ASSERT_EQUAL(t.per_L, 0);
    CU_ASSERT_EQUAL(axcon_top_count(&t, 75, 1000), 100);
    CU_ASSERT_EQUAL(axcon_top_count(&t, 75, 40), 40);
    CU_ASSERT_EQUAL(axcon_top_parse("1.5L", &t, &err), AXCON_OK);
    CU_ASSERT_EQUAL(t.per_L, 1);
    CU_ASSERT_EQUAL(axcon_top_count(&t, 75, 1000), 112);
    CU_ASSERT_EQUAL(axcon_top_parse("L", &t, &err), AXCON_OK);
    CU_ASSERT_EQUAL(axcon_top_count(&t, 75, 1000), 75);
    CU_ASSERT_EQUAL(axcon_top_parse("L/2", &t, &err), AXCON_OK);
    CU_ASSERT_EQUAL(axcon_top_count(&t, 75, 1000), 37);
    CU_ASSERT_EQUAL(axcon_top_parse("L/5", &t, &err), AXCON_OK);
    /* floor(L/5) for every L up to 2000, despite 0.2 not being exact in binary */
    int ok = 1;
    for (size_t L = 1; L <= 2000; L++) {
        size_t want = L / 5 ? L / 5 : 1;
        if (axcon_top_count(&t, L, 1000000) != want) ok = 0;
    }
    CU_ASSERT(ok);
    CU_ASSERT_EQUAL(axcon_top_parse("L/10", &t, &err), AXCON_OK);
    CU_ASSERT_EQUAL(axcon_top_count(&t, 3, 100), 1); /* max(1, floor(L/k)) */
    CU_ASSERT_EQUAL(axcon_top_parse("2L", &t, &err), AXCON_OK);
    CU_ASSERT_EQUAL(axcon_top_count(&t, 75, 1000), 150);
    const char *bad[] = {"", "0", "-3", "1.5", "L/0", "L/", "abc", "2LL", "0L", "1e3", "L/-5", " 5", "5 "};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        axcon_error_clear(&err);
        CU_ASSERT_EQUAL(axcon_top_parse(bad[k], &t, &err), AXCON_EUSAGE);
        CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "expected all"));
    }
}

/* Query ACDEFGHIKL; position 4 masked (gapped in both homologues). Scores in query
 * numbering: (1,9) (1,10) (2,9) = 5, (3,6) = 4, (2,5) = 1.25, (6,10) = -0.75, others 0;
 * raw scores = 2 x scores; min_sep 3. */
static axcon_msa_t *g_msa;
static axcon_cmap_t *build_map(void)
{
    const char *fa = ">T0001 a test target\nACDEFGHIKL\n>s1\nACD-FGHIKM\n>s2\nACE-FGNIKL\n";
    axcon_msa_opts_t o;
    axcon_msa_opts_init(&o);
    o.max_col_gap = 0.5;
    axcon_error_t err;
    axcon_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(axcon_msa_parse("t.fa", fa, strlen(fa), &o, &g_msa, &err), AXCON_OK);
    CU_ASSERT_EQUAL_FATAL(axcon_msa_ncol(g_msa), 9);
    int col[11] = {-1, 0, 1, 2, -1, 3, 4, 5, 6, 7, 8}; /* query position -> kept column */
    static const struct { int i, j; double v; } set[] = {
        {1, 9, 5.0}, {1, 10, 5.0}, {2, 9, 5.0}, {3, 6, 4.0}, {2, 5, 1.25}, {6, 10, -0.75}};
    double S[81] = {0}, R[81];
    for (size_t k = 0; k < sizeof set / sizeof set[0]; k++) {
        int a = col[set[k].i], b = col[set[k].j];
        S[a * 9 + b] = S[b * 9 + a] = set[k].v;
    }
    for (int k = 0; k < 81; k++) R[k] = 2.0 * S[k];
    axcon_cmap_t *cm = NULL;
    CU_ASSERT_EQUAL_FATAL(axcon_cmap_from_scores(g_msa, S, 2.5, "mf", 3, &cm, &err), AXCON_OK);
    CU_ASSERT_EQUAL_FATAL(axcon_cmap_set_raw_scores(cm, g_msa, R, &err), AXCON_OK);
    return cm;
}

static void done_map(axcon_cmap_t *cm)
{
    axcon_cmap_free(cm);
    axcon_msa_free(g_msa);
    g_msa = NULL;
}

/* Write the map into a memory buffer. */
static char *render(const axcon_cmap_t *cm, axcon_outfmt_t fmt, const char *top)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
    axcon_top_t t;
    axcon_error_t err;
    axcon_error_clear(&err);
    if (top) CU_ASSERT_EQUAL(axcon_top_parse(top, &t, &err), AXCON_OK);
    CU_ASSERT_EQUAL(axcon_write_contacts(fp, cm, fmt, top ? &t : NULL, &err), AXCON_OK);
    fclose(fp);
    return buf;
}

/* Probability of ranked pair k, formatted. */
static const char *pstr(const axcon_cmap_t *cm, size_t k, const char *fmt)
{
    static char b[8][32];
    size_t n;
    const axcon_contact_t *r = axcon_cmap_ranked(cm, &n);
    CU_ASSERT_FATAL(k < n && k < 8);
    snprintf(b[k], sizeof b[k], fmt, r[k].prob);
    return b[k];
}

static void test_tsv(void)
{
    axcon_cmap_t *cm = build_map();
    char *got = render(cm, AXCON_OUT_TSV, "5");
    char want[512];
    snprintf(want, sizeof want, "1\t9\t5\t%s\n1\t10\t5\t%s\n2\t9\t5\t%s\n3\t6\t4\t%s\n2\t5\t1.25\t%s\n",
             pstr(cm, 0, "%.4f"), pstr(cm, 1, "%.4f"), pstr(cm, 2, "%.4f"), pstr(cm, 3, "%.4f"), pstr(cm, 4, "%.4f"));
    CU_ASSERT_STRING_EQUAL(got, want);
    free(got);
    /* all pairs: last is the only negative one; no pair with position 4 or |i-j| < 3 */
    got = render(cm, AXCON_OUT_TSV, NULL);
    size_t n;
    axcon_cmap_ranked(cm, &n);
    size_t lines = 0;
    for (char *p = got; *p; p++) lines += *p == '\n';
    CU_ASSERT_EQUAL(lines, n);
    const char *last = got + strlen(got) - 1;
    while (last > got && last[-1] != '\n') last--;
    CU_ASSERT_EQUAL(strncmp(last, "6\t10\t-0.75\t", 11), 0);
    int good = 1;
    for (char *line = got; *line; line = strchr(line, '\n') + 1) {
        int i, j;
        if (sscanf(line, "%d\t%d\t", &i, &j) != 2 || i == 4 || j == 4 || j - i < 3) good = 0;
    }
    CU_ASSERT(good);
    free(got);
    done_map(cm);
}

static void test_rr(void)
{
    axcon_cmap_t *cm = build_map();
    char *got = render(cm, AXCON_OUT_RR, "3");
    char want[1024];
    snprintf(want, sizeof want,
             "PFRMAT RR\nTARGET T0001\nAUTHOR axcon\n"
             "METHOD axcon %s: co-evolution, mean-field DCA (-m mf), APC\n"
             "METHOD Neff 2.5 over 9 columns; p = calibrated P(C-beta distance < 8 A)\n"
             "MODEL 1\nACDEFGHIKL\n1 9 0 8 %s\n1 10 0 8 %s\n2 9 0 8 %s\nEND\n",
             PACKAGE_VERSION, pstr(cm, 0, "%.3f"), pstr(cm, 1, "%.3f"), pstr(cm, 2, "%.3f"));
    CU_ASSERT_STRING_EQUAL(got, want);
    free(got);
    /* the full list is sorted by p descending */
    got = render(cm, AXCON_OUT_RR, NULL);
    double prev = 2.0;
    int sorted = 1, pairs = 0;
    for (char *line = strstr(got, "MODEL 1\n"); line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        int i, j, d1, d2;
        double p;
        if (sscanf(line, "%d %d %d %d %lf", &i, &j, &d1, &d2, &p) == 5) {
            pairs++;
            if (p > prev || d1 != 0 || d2 != 8 || i >= j) sorted = 0;
            prev = p;
        }
    }
    size_t n;
    axcon_cmap_ranked(cm, &n);
    CU_ASSERT(sorted);
    CU_ASSERT_EQUAL((size_t)pairs, n);
    CU_ASSERT_EQUAL(strcmp(got + strlen(got) - 4, "END\n"), 0);
    free(got);
    done_map(cm);
}

static void test_rr_long_sequence_and_no_name(void)
{
    /* 120-residue query without a name: TARGET query, sequence wrapped at 50 */
    enum { L = 120 };
    uint8_t rows[2 * L];
    for (int k = 0; k < L; k++) { rows[k] = (uint8_t)(k % 20); rows[L + k] = (uint8_t)((k * 7) % 20); }
    axcon_msa_t *msa = NULL;
    axcon_error_t err;
    axcon_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(axcon_msa_from_codes(rows, 2, L, "", &msa, &err), AXCON_OK);
    double *S = calloc((size_t)L * L, sizeof *S);
    S[0 * L + 59] = S[59 * L + 0] = 10.0; /* the one signal: (1,60) */
    axcon_cmap_t *cm = NULL;
    CU_ASSERT_EQUAL_FATAL(axcon_cmap_from_scores(msa, S, 2.0, "plm", 6, &cm, &err), AXCON_OK);
    char *got = render(cm, AXCON_OUT_RR, "1");
    const char *seq = axcon_msa_query_seq(msa);
    char want[1024];
    snprintf(want, sizeof want,
             "PFRMAT RR\nTARGET query\nAUTHOR axcon\n"
             "METHOD axcon %s: co-evolution, Potts model by pseudo-likelihood (-m plm), APC\n"
             "METHOD Neff 2.0 over 120 columns; p = calibrated P(C-beta distance < 8 A)\n"
             "MODEL 1\n%.50s\n%.50s\n%.20s\n1 60 0 8 %s\nEND\n",
             PACKAGE_VERSION, seq, seq + 50, seq + 100, pstr(cm, 0, "%.3f"));
    CU_ASSERT_STRING_EQUAL(got, want);
    free(got);
    /* the matrix is L x L; the one signal at (1,60) and (60,1) */
    got = render(cm, AXCON_OUT_MAT, NULL);
    size_t lines = 0, tabs = 0, tens = 0;
    for (char *p = got; *p; p++) { lines += *p == '\n'; tabs += *p == '\t'; tens += p[0] == '1' && p[1] == '0'; }
    CU_ASSERT_EQUAL(lines, L);
    CU_ASSERT_EQUAL(tabs, (size_t)L * (L - 1));
    CU_ASSERT_EQUAL(tens, 2);
    free(got);
    axcon_cmap_free(cm);
    axcon_msa_free(msa);
    free(S);
}

static void test_mat(void)
{
    axcon_cmap_t *cm = build_map();
    char *got = render(cm, AXCON_OUT_MAT, "1"); /* --top is ignored by mat */
    /* expected matrix in query numbering (position 4 unscored: zero row and column) */
    double M[11][11] = {{0}};
    M[1][9] = M[9][1] = 5; M[1][10] = M[10][1] = 5; M[2][9] = M[9][2] = 5;
    M[3][6] = M[6][3] = 4; M[2][5] = M[5][2] = 1.25; M[6][10] = M[10][6] = -0.75;
    char want[2048] = "";
    for (int i = 1; i <= 10; i++) {
        for (int j = 1; j <= 10; j++) {
            char cell[32];
            snprintf(cell, sizeof cell, "%s%g", j > 1 ? "\t" : "", M[i][j]);
            strcat(want, cell);
        }
        strcat(want, "\n");
    }
    CU_ASSERT_STRING_EQUAL(got, want);
    CU_ASSERT_EQUAL(strncmp(got, "0\t0\t0\t0\t0\t0\t0\t0\t5\t5\n", 20), 0);
    free(got);
    done_map(cm);
}

static void test_csv_plmc_rosetta(void)
{
    axcon_cmap_t *cm = build_map();
    char want[1024];
    char *got = render(cm, AXCON_OUT_CSV, "4");
    snprintf(want, sizeof want,
             "i,A_i,j,A_j,fn,cn,probability\n1,A,9,K,10,5,%s\n1,A,10,L,10,5,%s\n2,C,9,K,10,5,%s\n3,D,6,G,8,4,%s\n",
             pstr(cm, 0, "%.4f"), pstr(cm, 1, "%.4f"), pstr(cm, 2, "%.4f"), pstr(cm, 3, "%.4f"));
    CU_ASSERT_STRING_EQUAL(got, want);
    free(got);
    got = render(cm, AXCON_OUT_PLMC, "5");
    CU_ASSERT_STRING_EQUAL(got, "1 A 9 K 0 5\n1 A 10 L 0 5\n2 C 9 K 0 5\n3 D 6 G 0 4\n2 C 5 F 0 1.25\n");
    free(got);
    got = render(cm, AXCON_OUT_ROSETTA, "4");
    snprintf(want, sizeof want,
             "AtomPair CB 1 CB 9 SCALARWEIGHTEDFUNC %s SIGMOID 8.00 1.00\n"
             "AtomPair CB 1 CB 10 SCALARWEIGHTEDFUNC %s SIGMOID 8.00 1.00\n"
             "AtomPair CB 2 CB 9 SCALARWEIGHTEDFUNC %s SIGMOID 8.00 1.00\n"
             "AtomPair CB 3 CA 6 SCALARWEIGHTEDFUNC %s SIGMOID 8.00 1.00\n",
             pstr(cm, 0, "%.3f"), pstr(cm, 1, "%.3f"), pstr(cm, 2, "%.3f"), pstr(cm, 3, "%.3f"));
    CU_ASSERT_STRING_EQUAL(got, want);
    free(got);
    got = render(cm, AXCON_OUT_TSV, "0.1L"); /* floor(0.1 x 10) = 1 */
    CU_ASSERT_EQUAL(strncmp(got, "1\t9\t5\t", 6), 0);
    size_t lines = 0;
    for (char *p = got; *p; p++) lines += *p == '\n';
    CU_ASSERT_EQUAL(lines, 1);
    free(got);
    done_map(cm);
}

static void test_write_error(void)
{
    axcon_cmap_t *cm = build_map();
    FILE *fp = fopen("/dev/full", "w");
    if (fp) {
        setvbuf(fp, NULL, _IONBF, 0);
        axcon_error_t err;
        axcon_error_clear(&err);
        CU_ASSERT_EQUAL(axcon_write_contacts(fp, cm, AXCON_OUT_MAT, NULL, &err), AXCON_EIO);
        fclose(fp);
    }
    axcon_error_t err;
    axcon_error_clear(&err);
    CU_ASSERT_EQUAL(axcon_write_contacts(stdout, cm, (axcon_outfmt_t)42, NULL, &err), AXCON_EUSAGE);
    done_map(cm);
}

/* ---- npz: parse the archive back by the ZIP and .npy layouts (independent of the writer) */

static unsigned rd16(const unsigned char *p) { return p[0] | (unsigned)p[1] << 8; }
static unsigned long rd32(const unsigned char *p)
{
    return p[0] | (unsigned long)p[1] << 8 | (unsigned long)p[2] << 16 | (unsigned long)p[3] << 24;
}

/* Member `name` of the archive buf: its .npy header dict into hdr, data pointer and size. */
static int npz_member(const unsigned char *buf, size_t len, const char *name, char *hdr, size_t hcap,
                      const unsigned char **data, size_t *dlen)
{
    if (len < 22 || rd32(buf + len - 22) != 0x06054b50UL) return -1;
    const unsigned char *e = buf + len - 22;
    size_t n = rd16(e + 10), cd = rd32(e + 16), cdsize = rd32(e + 12);
    if (cd + cdsize != len - 22) return -1;
    const unsigned char *c = buf + cd;
    for (size_t k = 0; k < n; k++) {
        if (rd32(c) != 0x02014b50UL) return -1;
        size_t nl = rd16(c + 28), off = rd32(c + 42), size = rd32(c + 24);
        unsigned long crc = rd32(c + 16);
        if (nl == strlen(name) + 4 && !memcmp(c + 46, name, strlen(name)) && !memcmp(c + 46 + strlen(name), ".npy", 4)) {
            const unsigned char *l = buf + off;
            if (rd32(l) != 0x04034b50UL || rd16(l + 8) != 0 || rd32(l + 18) != size || rd16(l + 26) != nl) return -1;
            const unsigned char *m = l + 30 + nl + rd16(l + 28);
            if (crc32(crc32(0L, Z_NULL, 0), m, (uInt)size) != crc) return -2;
            if (memcmp(m, "\x93NUMPY\x01\x00", 8) != 0) return -1;
            size_t hl = rd16(m + 8);
            if ((10 + hl) % 64 != 0 || m[10 + hl - 1] != '\n' || hl >= hcap) return -1;
            memcpy(hdr, m + 10, hl);
            hdr[hl] = 0;
            *data = m + 10 + hl;
            *dlen = size - 10 - hl;
            return 0;
        }
        c += 46 + nl + rd16(c + 30) + rd16(c + 32);
    }
    return -1;
}

static void test_npz(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
    axcon_error_t err;
    axcon_error_clear(&err);
    axcon_npz_t *z = NULL;
    const double d[6] = {1.5, -2, 3, 4, 5, 6.25};
    const int32_t iv[3] = {7, -8, 9};
    const float f = 0.5f;
    const size_t s23[2] = {2, 3}, s3 = 3;
    CU_ASSERT_EQUAL_FATAL(axcon_npz_begin(fp, &z, &err), AXCON_OK);
    CU_ASSERT_EQUAL(axcon_npz_add(z, "M", AXCON_NPZ_F8, 2, s23, d, &err), AXCON_OK);
    CU_ASSERT_EQUAL(axcon_npz_add(z, "pos", AXCON_NPZ_I4, 1, &s3, iv, &err), AXCON_OK);
    CU_ASSERT_EQUAL(axcon_npz_add(z, "x_1", AXCON_NPZ_F4, 0, NULL, &f, &err), AXCON_OK);
    CU_ASSERT_EQUAL(axcon_npz_add(z, "M", AXCON_NPZ_F8, 2, s23, d, &err), AXCON_EUSAGE); /* twice */
    CU_ASSERT_EQUAL(axcon_npz_add(z, "a.b", AXCON_NPZ_F8, 2, s23, d, &err), AXCON_EUSAGE);
    CU_ASSERT_EQUAL(axcon_npz_add(z, "", AXCON_NPZ_F8, 2, s23, d, &err), AXCON_EUSAGE);
    CU_ASSERT_EQUAL(axcon_npz_add(z, "big", AXCON_NPZ_F8, 5, s23, d, &err), AXCON_EUSAGE);
    CU_ASSERT_EQUAL_FATAL(axcon_npz_end(z, &err), AXCON_OK);
    CU_ASSERT_EQUAL_FATAL(fclose(fp), 0);
    char hdr[256];
    const unsigned char *data = NULL;
    size_t dl = 0;
    const unsigned char *ub = (const unsigned char *)buf;
    CU_ASSERT_EQUAL_FATAL(npz_member(ub, len, "M", hdr, sizeof hdr, &data, &dl), 0);
    CU_ASSERT(strstr(hdr, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }") == hdr);
    CU_ASSERT_EQUAL_FATAL(dl, sizeof d);
    CU_ASSERT_EQUAL(memcmp(data, d, sizeof d), 0); /* x86: little-endian in memory */
    CU_ASSERT_EQUAL_FATAL(npz_member(ub, len, "pos", hdr, sizeof hdr, &data, &dl), 0);
    CU_ASSERT(strstr(hdr, "'descr': '<i4'") && strstr(hdr, "'shape': (3,), }"));
    CU_ASSERT_EQUAL(memcmp(data, iv, sizeof iv), 0);
    CU_ASSERT_EQUAL_FATAL(npz_member(ub, len, "x_1", hdr, sizeof hdr, &data, &dl), 0);
    CU_ASSERT(strstr(hdr, "'descr': '<f4'") && strstr(hdr, "'shape': (), }"));
    CU_ASSERT_EQUAL(dl, 4);
    CU_ASSERT_EQUAL(npz_member(ub, len, "big", hdr, sizeof hdr, &data, &dl), -1); /* refused: absent */
    /* a corrupted data byte is caught by the CRC */
    buf[100] ^= 1;
    CU_ASSERT_EQUAL(npz_member(ub, len, "M", hdr, sizeof hdr, &data, &dl), -2);
    free(buf);
    CU_ASSERT_EQUAL(axcon_npz_begin(NULL, &z, &err), AXCON_EUSAGE);
}

/* psicov: i j 0 8 score, ranked like tsv */
static void test_psicov(void)
{
    axcon_cmap_t *cm = build_map();
    char *got = render(cm, AXCON_OUT_PSICOV, "3");
    CU_ASSERT_STRING_EQUAL(got, "1 9 0 8 5\n1 10 0 8 5\n2 9 0 8 5\n");
    free(got);
    done_map(cm);
}

static char *render_ex(const axcon_cmap_t *cm, const axcon_write_opts_t *wo, int *status, axcon_error_t *err)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
    axcon_top_t t;
    CU_ASSERT_EQUAL(axcon_top_parse("1", &t, err), AXCON_OK);
    *status = axcon_write_contacts_ex(fp, cm, AXCON_OUT_RR, &t, wo, err);
    fclose(fp);
    return buf;
}

/* --author, --target, --remark: the RR header CASP asks for, and the checks of each field */
static void test_rr_header_fields(void)
{
    axcon_cmap_t *cm = build_map();
    axcon_error_t err;
    axcon_error_clear(&err);
    int st;
    axcon_write_opts_t wo = {"1234-5678", "T1061", "trained on nothing\nsecond line"};
    char *got = render_ex(cm, &wo, &st, &err);
    CU_ASSERT_EQUAL(st, AXCON_OK);
    const char *want = "PFRMAT RR\nTARGET T1061\nAUTHOR 1234-5678\nREMARK trained on nothing\n"
                       "REMARK second line\nMETHOD axcon ";
    CU_ASSERT_EQUAL(strncmp(got, want, strlen(want)), 0);
    free(got);
    /* defaults: the query name and axcon, no REMARK */
    axcon_write_opts_t none = {0};
    got = render_ex(cm, &none, &st, &err);
    want = "PFRMAT RR\nTARGET T0001\nAUTHOR axcon\nMETHOD";
    CU_ASSERT(st == AXCON_OK && !strncmp(got, want, strlen(want)));
    free(got);
    const axcon_write_opts_t bad[] = {{"two words", 0, 0}, {"", 0, 0}, {0, "T1\t2", 0}, {0, 0, "a\001b"},
                                      {"12345678901234567890123456789012345678901234567890123456789012345", 0, 0}};
    const char *what[] = {"AUTHOR", "AUTHOR", "TARGET", "REMARK", "AUTHOR"};
    for (int k = 0; k < 5; k++) {
        got = render_ex(cm, &bad[k], &st, &err);
        CU_ASSERT_EQUAL(st, AXCON_EUSAGE);
        CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, what[k]));
        CU_ASSERT_EQUAL(got[0], '\0'); /* nothing written */
        free(got);
    }
    char many[200];
    memset(many, '\n', 90);
    many[90] = '\0';
    axcon_write_opts_t lines = {0, 0, many};
    CU_ASSERT_EQUAL(axcon_write_opts_check(&lines, &err), AXCON_EUSAGE);
    done_map(cm);
}

/* axcon_cmap_write: the text API bindings use; atomic (no file after a refusal) */
static void test_cmap_write_file(void)
{
    axcon_cmap_t *cm = build_map();
    axcon_error_t err;
    axcon_error_clear(&err);
    char dir[] = "/tmp/axcon-out.XXXXXX", path[256];
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/x.rr", dir);
    CU_ASSERT_EQUAL(axcon_cmap_write(cm, path, "rr", "2", "9999-0000", NULL, "r1", &err), AXCON_OK);
    FILE *fp = fopen(path, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
    char buf[2048];
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    buf[n] = '\0';
    fclose(fp);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "AUTHOR 9999-0000\nREMARK r1\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "ACDEFGHIKL\n1 9 0 8 "));
    CU_ASSERT_PTR_NULL(strstr(buf, "2 9 0 8"));
    CU_ASSERT_EQUAL(remove(path), 0);
    CU_ASSERT_EQUAL(axcon_cmap_write(cm, path, "pdf", NULL, NULL, NULL, NULL, &err), AXCON_EUSAGE);
    CU_ASSERT_EQUAL(axcon_cmap_write(cm, path, "tsv", "many", NULL, NULL, NULL, &err), AXCON_EUSAGE);
    CU_ASSERT_EQUAL(axcon_cmap_write(cm, path, "rr", NULL, "a b", NULL, NULL, &err), AXCON_EUSAGE);
    CU_ASSERT_EQUAL(fopen(path, "r"), NULL); /* nothing left behind */
    snprintf(path, sizeof path, "%s/no/such.tsv", dir);
    CU_ASSERT(axcon_cmap_write(cm, path, NULL, NULL, NULL, NULL, NULL, &err) < 0);
    CU_ASSERT_EQUAL(rmdir(dir), 0);
    /* the scores matrix is axcon_cmap_score's */
    const double *S = axcon_cmap_scores(cm);
    size_t L = axcon_cmap_len(cm);
    int same = 1;
    for (size_t i = 1; i <= L; i++)
        for (size_t j = 1; j <= L; j++) same &= S[(i - 1) * L + (j - 1)] == axcon_cmap_score(cm, (int)i, (int)j);
    CU_ASSERT(same);
    done_map(cm);
}

/* --save-couplings: the zero-sum gauge keeps every sequence's energy (up to one constant),
 * J comes out symmetric with zero rows and columns, row-streamed with a valid CRC */
static void test_potts_npz(void)
{
    enum { L = 5, NQ = AXCON_Q };
    static float h[L * NQ], J[L * (L - 1) / 2 * NQ * NQ];
    unsigned long long r = 12345;
#define RND() ((r = r * 6364136223846793005ULL + 1442695040888963407ULL), (float)((double)(r >> 11) / 9007199254740992.0 - 0.5))
    for (size_t k = 0; k < sizeof h / sizeof h[0]; k++) h[k] = RND();
    for (size_t k = 0; k < sizeof J / sizeof J[0]; k++) J[k] = RND();
    uint8_t codes[3 * L] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 20};
    axcon_msa_t *msa = NULL;
    axcon_error_t err;
    axcon_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(axcon_msa_from_codes(codes, 3, L, "q", &msa, &err), AXCON_OK);
    axcon_potts_t m = {L, h, J};
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
    CU_ASSERT_EQUAL_FATAL(axcon_potts_write_npz(fp, &m, msa, &err), AXCON_OK);
    CU_ASSERT_EQUAL_FATAL(fclose(fp), 0);
    const unsigned char *ub = (const unsigned char *)buf, *hd, *jd, *sd;
    char hdr[256];
    size_t hl, jl, sl;
    CU_ASSERT_EQUAL_FATAL(npz_member(ub, len, "h", hdr, sizeof hdr, &hd, &hl), 0);
    CU_ASSERT(strstr(hdr, "'descr': '<f4'") && strstr(hdr, "'shape': (5, 21), }") && hl == sizeof h);
    CU_ASSERT_EQUAL_FATAL(npz_member(ub, len, "J", hdr, sizeof hdr, &jd, &jl), 0); /* CRC checked */
    CU_ASSERT(strstr(hdr, "'shape': (5, 5, 21, 21), }") && jl == (size_t)L * L * NQ * NQ * 4);
    CU_ASSERT_EQUAL_FATAL(npz_member(ub, len, "seq", hdr, sizeof hdr, &sd, &sl), 0);
    CU_ASSERT(strstr(hdr, "'descr': '|S5'") && strstr(hdr, "'shape': ()") && sl == 5 && !memcmp(sd, "ARNDC", 5));
    CU_ASSERT_EQUAL(npz_member(ub, len, "pos", hdr, sizeof hdr, &sd, &sl), 0);
    CU_ASSERT_EQUAL(npz_member(ub, len, "alphabet", hdr, sizeof hdr, &sd, &sl), 0);
    float hg[L * NQ], *Jg = malloc(jl);
    CU_ASSERT_PTR_NOT_NULL_FATAL(Jg);
    memcpy(hg, hd, sizeof hg);
    memcpy(Jg, jd, jl);
    double worst_sum = 0, worst_sym = 0;
#define JG(i, j, a, b) Jg[(((size_t)(i) * L + (j)) * NQ + (a)) * NQ + (b)]
    for (int i = 0; i < L; i++)
        for (int j = 0; j < L; j++)
            for (int a = 0; a < NQ; a++) {
                double rs = 0, cs = 0;
                for (int b = 0; b < NQ; b++) {
                    rs += JG(i, j, a, b);
                    cs += JG(i, j, b, a);
                    double d = JG(i, j, a, b) - JG(j, i, b, a);
                    if (d < 0) d = -d;
                    if (d > worst_sym) worst_sym = d;
                    if (i == j && JG(i, j, a, b) != 0.0f) worst_sym = 1;
                }
                if (rs < 0) rs = -rs;
                if (cs < 0) cs = -cs;
                if (rs > worst_sum) worst_sum = rs;
                if (cs > worst_sum) worst_sum = cs;
            }
    CU_ASSERT(worst_sum < 1e-5 && worst_sym == 0);
    double c0 = 0, worst = 0;
    for (int t = 0; t < 40; t++) {
        int sq[L];
        for (int i = 0; i < L; i++) sq[i] = (int)((RND() + 0.5) * NQ) % NQ;
        double e0 = 0, e1 = 0;
        for (int i = 0; i < L; i++) {
            e0 += h[i * NQ + sq[i]];
            e1 += hg[i * NQ + sq[i]];
            for (int j = i + 1; j < L; j++) {
                e0 += J[axcon_pll_sym_offset((size_t)i, (size_t)j, L) + (size_t)sq[i] * NQ + (size_t)sq[j]];
                e1 += JG(i, j, sq[i], sq[j]);
            }
        }
        if (t == 0) c0 = e0 - e1;
        double d = e0 - e1 - c0;
        if (d < 0) d = -d;
        if (d > worst) worst = d;
    }
    CU_ASSERT(worst < 1e-4);
#undef JG
#undef RND
    free(Jg);
    free(buf);
    /* a model that does not match the alignment is refused */
    axcon_potts_t bad = {L + 1, h, J};
    fp = open_memstream(&buf, &len);
    CU_ASSERT_EQUAL(axcon_potts_write_npz(fp, &bad, msa, &err), AXCON_EUSAGE);
    fclose(fp);
    free(buf);
    axcon_msa_free(msa);
}

static void register_suites(void)
{
    axcon_log_set_level(AXCON_LOG_WARN);
    axt_suite("output", (axt_case_t[]){{"format_names", test_format_names},
                                       {"top", test_top},
                                       {"tsv", test_tsv},
                                       {"rr", test_rr},
                                       {"rr_long_sequence_and_no_name", test_rr_long_sequence_and_no_name},
                                       {"mat", test_mat},
                                       {"csv_plmc_rosetta", test_csv_plmc_rosetta},
                                       {"write_error", test_write_error},
                                       {"psicov", test_psicov},
                                       {"rr_header_fields", test_rr_header_fields},
                                       {"cmap_write_file", test_cmap_write_file},
                                       {"npz archive", test_npz},
                                       {"potts_npz", test_potts_npz},
                                       {0, 0}});
}

int main(int argc, char **argv) { return axt_main(argc, argv, register_suites); }
