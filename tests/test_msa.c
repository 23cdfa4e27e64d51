/* test_msa.c - unit and end-to-end tests of the MSA reader (stage 1): every format (FASTA,
 * A2M, A3M, PSICOV, Stockholm), recognition from content, insert removal and query
 * numbering, the non-standard letter policy, A3M annotation records, CRLF/BOM, the gap
 * filters, plain/gzip/BGZF/stdin input, the line and sequence limits, axcon_msa_from_codes,
 * more than 25 malformed inputs checked through `axcon info` (exit 1, one-line
 * "axcon: error: FILE:LINE: reason"), and every alignment of ../shared/bench/msa. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <htslib/bgzf.h>
#include <zlib.h>

#include "axcon/log.h"
#include "axcon/msa.h"
#include "testutil.h"

/* ---- helpers ---- */

static axcon_msa_t *parse_opts(const char *text, size_t len, const axcon_msa_opts_t *o, axcon_error_t *e, int *rc)
{
    axcon_msa_t *m = NULL;
    axcon_error_clear(e);
    *rc = axcon_msa_parse("mem.txt", text, len, o, &m, e);
    return m;
}

static axcon_msa_t *parse(const char *text)
{
    axcon_error_t e;
    int rc;
    axcon_msa_t *m = parse_opts(text, strlen(text), NULL, &e, &rc);
    if (rc != AXCON_OK) printf("\nunexpected parse error: %s\n", e.msg);
    return m;
}

/* Row n as letters of AXCON_ALPHABET (static buffer). */
static const char *row_str(const axcon_msa_t *m, size_t n)
{
    static char buf[4096];
    const uint8_t *r = axcon_msa_row(m, n);
    size_t L = axcon_msa_ncol(m);
    if (!r || L >= sizeof buf) return "?";
    for (size_t c = 0; c < L; c++) buf[c] = r[c] <= AXCON_GAP ? AXCON_ALPHABET[r[c]] : '?';
    buf[L] = '\0';
    return buf;
}

/* Kept-column query positions as "1,2,4" (static buffer). */
static const char *pos_str(const axcon_msa_t *m)
{
    static char buf[4096];
    size_t len = 0;
    buf[0] = '\0';
    for (size_t c = 0; c < axcon_msa_ncol(m) && len + 16 < sizeof buf; c++)
        len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%d", c ? "," : "", axcon_msa_col_pos(m, c));
    return buf;
}

static int same_msa(const axcon_msa_t *a, const axcon_msa_t *b)
{
    if (axcon_msa_nseq(a) != axcon_msa_nseq(b) || axcon_msa_ncol(a) != axcon_msa_ncol(b)) return 0;
    if (axcon_msa_format(a) != axcon_msa_format(b)) return 0;
    if (memcmp(axcon_msa_data(a), axcon_msa_data(b), axcon_msa_nseq(a) * axcon_msa_ncol(a)) != 0) return 0;
    if (strcmp(axcon_msa_query_seq(a), axcon_msa_query_seq(b)) != 0) return 0;
    for (size_t n = 0; n < axcon_msa_nseq(a); n++)
        if (strcmp(axcon_msa_seq_name(a, n), axcon_msa_seq_name(b, n)) != 0) return 0;
    for (size_t c = 0; c < axcon_msa_ncol(a); c++)
        if (axcon_msa_col_pos(a, c) != axcon_msa_col_pos(b, c)) return 0;
    return 1;
}

static char *write_tmp(const char *name, const void *data, size_t len)
{
    char *p = axt_tmp(name);
    CU_ASSERT_FATAL(axt_write(p, data, len) == 0);
    return p;
}

static int write_gzip(const char *path, const void *data, size_t len)
{
    gzFile g = gzopen(path, "wb1");
    if (!g) return -1;
    int ok = gzwrite(g, data, (unsigned)len) == (int)len;
    if (gzclose(g) != Z_OK) ok = 0;
    return ok ? 0 : -1;
}

static int write_bgzf(const char *path, const void *data, size_t len)
{
    BGZF *f = bgzf_open(path, "w1");
    if (!f) return -1;
    int ok = bgzf_write(f, data, len) == (ssize_t)len;
    if (bgzf_close(f) != 0) ok = 0;
    return ok ? 0 : -1;
}

/* ---- alphabet ---- */

static void test_aa_code_policy(void)
{
    for (int i = 0; i < 20; i++) {
        CU_ASSERT_EQUAL(axcon_aa_code(AXCON_ALPHABET[i]), i);
        CU_ASSERT_EQUAL(axcon_aa_code(AXCON_ALPHABET[i] + 32), i); /* lowercase */
    }
    CU_ASSERT_EQUAL(axcon_aa_code('U'), axcon_aa_code('C'));
    CU_ASSERT_EQUAL(axcon_aa_code('O'), axcon_aa_code('K'));
    const char *unk = "XBZJxbzj*-.";
    for (const char *p = unk; *p; p++) CU_ASSERT_EQUAL(axcon_aa_code(*p), AXCON_GAP);
    const char *bad = "1@ #>~\t\n";
    for (const char *p = bad; *p; p++) CU_ASSERT_EQUAL(axcon_aa_code(*p), -1);
    CU_ASSERT_EQUAL(axcon_aa_code(0), -1);
    CU_ASSERT_EQUAL(axcon_aa_code(0xC3), -1);
    CU_ASSERT_EQUAL(AXCON_Q, 21);
    CU_ASSERT_STRING_EQUAL(axcon_msa_format_name(AXCON_FMT_A3M), "a3m");
    CU_ASSERT_STRING_EQUAL(axcon_msa_format_name(AXCON_FMT_STOCKHOLM), "stockholm");
}

/* ---- formats ---- */

static void test_fasta_multiline(void)
{
    axcon_msa_t *m = parse(">q first sequence\nACDE\nFGHI\n\n>s1 second\nAC-E\nFG-I\n>s2\n--DEFGHI\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_EQUAL(axcon_msa_format(m), AXCON_FMT_FASTA);
    CU_ASSERT_EQUAL(axcon_msa_nseq(m), 3);
    CU_ASSERT_EQUAL(axcon_msa_nseq_read(m), 3);
    CU_ASSERT_EQUAL(axcon_msa_ncol(m), 8);
    CU_ASSERT_EQUAL(axcon_msa_ncol_match(m), 8);
    CU_ASSERT_STRING_EQUAL(axcon_msa_query_name(m), "q");
    CU_ASSERT_STRING_EQUAL(axcon_msa_seq_name(m, 1), "s1");
    CU_ASSERT_STRING_EQUAL(axcon_msa_seq_name(m, 2), "s2");
    CU_ASSERT_STRING_EQUAL(axcon_msa_query_seq(m), "ACDEFGHI");
    CU_ASSERT_EQUAL(axcon_msa_query_len(m), 8);
    CU_ASSERT_STRING_EQUAL(row_str(m, 0), "ACDEFGHI");
    CU_ASSERT_STRING_EQUAL(row_str(m, 1), "AC-EFG-I");
    CU_ASSERT_STRING_EQUAL(row_str(m, 2), "--DEFGHI");
    /* row-major N x L codes */
    const uint8_t *d = axcon_msa_data(m);
    CU_ASSERT_EQUAL(d[8 + 2], AXCON_GAP);
    CU_ASSERT_EQUAL(d[16 + 2], axcon_aa_code('D'));
    CU_ASSERT_PTR_EQUAL(axcon_msa_row(m, 2), d + 16);
    CU_ASSERT_STRING_EQUAL(pos_str(m), "1,2,3,4,5,6,7,8");
    CU_ASSERT_DOUBLE_EQUAL(axcon_msa_gap_fraction(m), 4.0 / 24.0, 1e-12);
    axcon_msa_free(m);
}

static void test_fasta_query_gaps_removed(void)
{
    /* query gaps '-' and '.' (no lowercase anywhere: '.' is a plain gap) drop columns */
    axcon_msa_t *m = parse(">q\nA-C.DE\n>s\nAWCYD-\n>t\nA.C-DE\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_EQUAL(axcon_msa_format(m), AXCON_FMT_FASTA);
    CU_ASSERT_EQUAL(axcon_msa_ncol(m), 4);
    CU_ASSERT_STRING_EQUAL(row_str(m, 1), "ACD-");
    CU_ASSERT_STRING_EQUAL(row_str(m, 2), "ACDE");
    CU_ASSERT_STRING_EQUAL(pos_str(m), "1,2,3,4");
    CU_ASSERT_STRING_EQUAL(axcon_msa_query_seq(m), "ACDE");
    axcon_msa_free(m);
}

static void test_nonstandard_letters(void)
{
    /* U->C, O->K; X, B, Z, J, '*' -> gap. A query X is still a residue: its column stays. */
    axcon_msa_t *m = parse(">q\nAXCUO\n>s\nBZJ*X\n>t\nUOACD\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_EQUAL(axcon_msa_ncol(m), 5);
    CU_ASSERT_STRING_EQUAL(axcon_msa_query_seq(m), "AXCUO");
    CU_ASSERT_STRING_EQUAL(row_str(m, 0), "A-CCK");
    CU_ASSERT_STRING_EQUAL(row_str(m, 1), "-----");
    CU_ASSERT_STRING_EQUAL(row_str(m, 2), "CKACD");
    CU_ASSERT_STRING_EQUAL(pos_str(m), "1,2,3,4,5");
    axcon_msa_free(m);
}

static void test_a3m_inserts_annotations(void)
{
    const char *txt = "#60 1\n"
                      ">ss_pred PSIPRED\nCCHHEE\n"
                      ">ss_conf\n012345678\n"
                      ">q query protein\nAC-DEF\n"
                      ">ss_dssp\nCCHH\n"
                      ">s1\nAkkC-DEyF\n"
                      ">Q_consensus\nxxxxxxxxxxxxxx\n"
                      ">s2\n-CWD.E-\n";
    axcon_msa_t *m = parse(txt);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_EQUAL(axcon_msa_format(m), AXCON_FMT_A3M);
    CU_ASSERT_EQUAL(axcon_msa_nseq(m), 3); /* annotations are not sequences */
    CU_ASSERT_EQUAL(axcon_msa_ncol(m), 5);
    CU_ASSERT_STRING_EQUAL(axcon_msa_query_name(m), "q");
    CU_ASSERT_STRING_EQUAL(axcon_msa_seq_name(m, 1), "s1");
    CU_ASSERT_STRING_EQUAL(row_str(m, 0), "ACDEF");
    CU_ASSERT_STRING_EQUAL(row_str(m, 1), "ACDEF");
    CU_ASSERT_STRING_EQUAL(row_str(m, 2), "-CDE-");
    CU_ASSERT_STRING_EQUAL(pos_str(m), "1,2,3,4,5");
    axcon_msa_free(m);
}

static void test_query_numbering_with_query_inserts(void)
{
    /* the query's own lowercase residues are insertions (no column) but keep their number */
    axcon_msa_t *m = parse(">q\nmACdE-G\n>s\nAC-WG\n>t\nyAwCEEG\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_EQUAL(axcon_msa_format(m), AXCON_FMT_A3M);
    CU_ASSERT_STRING_EQUAL(axcon_msa_query_seq(m), "MACDEG");
    CU_ASSERT_EQUAL(axcon_msa_query_len(m), 6);
    CU_ASSERT_EQUAL(axcon_msa_ncol_match(m), 4);
    CU_ASSERT_STRING_EQUAL(pos_str(m), "2,3,5,6");
    CU_ASSERT_STRING_EQUAL(row_str(m, 1), "AC-G");
    CU_ASSERT_STRING_EQUAL(row_str(m, 2), "ACEG");
    axcon_msa_free(m);
}

static void test_a2m_equal_lengths(void)
{
    axcon_msa_t *m = parse(">q\nAC.dE-F\n>s1\nACkyEGF\n>s2\nA-..EGF\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_EQUAL(axcon_msa_format(m), AXCON_FMT_A2M);
    CU_ASSERT_EQUAL(axcon_msa_ncol(m), 4);
    CU_ASSERT_STRING_EQUAL(axcon_msa_query_seq(m), "ACDEF");
    CU_ASSERT_STRING_EQUAL(pos_str(m), "1,2,4,5");
    CU_ASSERT_STRING_EQUAL(row_str(m, 1), "ACEF");
    CU_ASSERT_STRING_EQUAL(row_str(m, 2), "A-EF");
    axcon_msa_free(m);
}

static void test_psicov(void)
{
    axcon_msa_t *m = parse("ACDEFG\n\nAC-EFG\n--DEF-\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_EQUAL(axcon_msa_format(m), AXCON_FMT_PSICOV);
    CU_ASSERT_EQUAL(axcon_msa_nseq(m), 3);
    CU_ASSERT_EQUAL(axcon_msa_ncol(m), 6);
    CU_ASSERT_STRING_EQUAL(axcon_msa_query_name(m), "");
    CU_ASSERT_STRING_EQUAL(axcon_msa_seq_name(m, 2), "");
    CU_ASSERT_STRING_EQUAL(row_str(m, 2), "--DEF-");
    axcon_msa_free(m);
}

static const char *g_sto =
    "# STOCKHOLM 1.0\n"
    "#=GF ID test\n"
    "#=GS s1 DE first homologue\n"
    "\n"
    "hom1   AC-D.E\n"
    "s1     ACWDkE\n"
    "#=GR s1 SS HHHHHH\n"
    "s2     -C-D.E\n"
    "#=GC RF xx.xxx\n"
    "\n"
    "hom1   FG\n"
    "s1     FG\n"
    "s2     F-\n"
    "#=GC RF xx\n"
    "//\n";

static void test_stockholm_interleaved(void)
{
    axcon_msa_t *m = parse(g_sto);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_EQUAL(axcon_msa_format(m), AXCON_FMT_STOCKHOLM);
    CU_ASSERT_EQUAL(axcon_msa_nseq(m), 3);
    CU_ASSERT_EQUAL(axcon_msa_ncol(m), 6);
    CU_ASSERT_STRING_EQUAL(axcon_msa_query_name(m), "hom1");
    CU_ASSERT_STRING_EQUAL(axcon_msa_seq_name(m, 2), "s2");
    CU_ASSERT_STRING_EQUAL(axcon_msa_query_seq(m), "ACDEFG");
    CU_ASSERT_STRING_EQUAL(row_str(m, 1), "ACDEFG");
    CU_ASSERT_STRING_EQUAL(row_str(m, 2), "-CDEF-");
    CU_ASSERT_STRING_EQUAL(pos_str(m), "1,2,3,4,5,6");
    axcon_msa_free(m);
    /* blocks without blank lines between them are recognised by the repeated name */
    m = parse("# STOCKHOLM 1.0\na AC\nb A-\na DE\nb -E\n//\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_EQUAL(axcon_msa_nseq(m), 2);
    CU_ASSERT_STRING_EQUAL(row_str(m, 1), "A--E");
    axcon_msa_free(m);
}

/* Stockholm rows are column-aligned (Easel's trna-5.stk layout): '.' and '-' are gaps in any
 * row, lowercase letters are residues of insert columns, and a column is a match column when
 * #=GC RF (or, without it, the query) has a residue there. Lowercase once switched the reader
 * to A3M's row-by-row insert removal and failed with a wrong match-column count. */
static const char *g_sto_rf =
    "# STOCKHOLM 1.0\n"
    "\n"
    "seq1  ACDE.FGhiKL-MN\n"
    "seq2  AC-EwFG..KLpMN\n"
    "seq3  AC.E.FG..KL-MN\n"
    "#=GC RF xxxx.xx..xx.xx\n"
    "//\n";

static void test_stockholm_columns(void)
{
    axcon_msa_t *m = parse(g_sto_rf);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_EQUAL(axcon_msa_nseq(m), 3);
    CU_ASSERT_EQUAL(axcon_msa_ncol(m), 10);
    CU_ASSERT_STRING_EQUAL(axcon_msa_query_seq(m), "ACDEFGHIKLMN");
    CU_ASSERT_STRING_EQUAL(pos_str(m), "1,2,3,4,5,6,9,10,11,12");
    CU_ASSERT_STRING_EQUAL(row_str(m, 1), "AC-EFGKLMN");
    CU_ASSERT_STRING_EQUAL(row_str(m, 2), "AC-EFGKLMN");
    axcon_msa_free(m);
    /* without RF, the query's residues define the match columns, its lowercase ones too */
    char *norf = strdup(g_sto_rf);
    CU_ASSERT_PTR_NOT_NULL_FATAL(norf);
    char *rf = strstr(norf, "#=GC RF");
    memcpy(rf, "#=GC SS", 7); /* another per-column annotation, not a reference */
    m = parse(norf);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_EQUAL(axcon_msa_ncol(m), 12);
    CU_ASSERT_STRING_EQUAL(pos_str(m), "1,2,3,4,5,6,7,8,9,10,11,12");
    CU_ASSERT_STRING_EQUAL(row_str(m, 1), "AC-EFG--KLMN");
    CU_ASSERT_STRING_EQUAL(row_str(m, 2), "AC-EFG--KLMN");
    axcon_msa_free(m);
    free(norf);
    /* RF split over blocks, with its name padded as Pfam writes it */
    m = parse("# STOCKHOLM 1.0\nq    AcD\ns    A-D\n#=GC RF  x.x\n\nq    EF\ns    e.\n#=GC RF  xx\n//\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_STRING_EQUAL(pos_str(m), "1,3,4,5");
    CU_ASSERT_STRING_EQUAL(row_str(m, 1), "ADE-");
    axcon_msa_free(m);
}

/* Inputs that are not protein alignments are refused with the reason, never read. */
static void test_not_protein_alignments(void)
{
    static const struct {
        const char *text, *msg;
    } cases[] = {
        {"# STOCKHOLM 1.0\nq ACDE\ns AC-E\n//\n# STOCKHOLM 1.0\nr ACDE\n//\n",
         "mem.txt:5: a second alignment starts here (the first ended at line 4): axcon reads one alignment a file; "
         "split the file into one file per alignment"},
        {"# STOCKHOLM 1.0\nq ACDE\ns AC-E\n//\nmore text\n",
         "mem.txt:5: text after the '//' that ends the alignment at line 4"},
        {"# STOCKHOLM 1.0\nq ACDE\ns AC-E\n#=GC RF xxx\n//\n",
         "mem.txt:4: the #=GC RF annotation has 3 columns, the alignment's rows have 4"},
        {"# STOCKHOLM 1.0\nq acDE\ns AC-E\n#=GC RF ..xx\n//\n", NULL},
        {"# STOCKHOLM 1.0\nq ac--\ns ACDE\n#=GC RF ..xx\n//\n",
         "mem.txt:2: the query ('q') has no match columns (none of its residues is in a match column of the #=GC RF "
         "annotation)"},
        {">r1\nGGCUAGCUCAGUUGGUAGAGCAC\n>r2\nGGCUAGCUCAG-UGGUAGAGCAU\n>r3\nGCCUAGCUCAGUUGGUAGAGCAC\n",
         "mem.txt: a nucleotide alignment? 100.0% of its 68 residues are A, C, G, T/U or N: axcon predicts protein "
         "contacts from amino-acid alignments"},
        {">d1\nATGGCGTTAACGNNACGTAC\n>d2\nATGGCGTTAACGAAACGTAC\n",
         "mem.txt: a nucleotide alignment? 100.0% of its 40 residues are A, C, G, T/U or N: axcon predicts protein "
         "contacts from amino-acid alignments"},
        {"This is a line of plain text and not an alignment\n",
         "mem.txt:1: one line of text is not an alignment (a PSICOV alignment has one aligned sequence a line, the "
         "query first, and its homologs after it)"},
    };
    for (size_t t = 0; t < sizeof cases / sizeof cases[0]; t++) {
        axcon_error_t e;
        int rc;
        axcon_msa_t *m = parse_opts(cases[t].text, strlen(cases[t].text), NULL, &e, &rc);
        if (!cases[t].msg) { /* the query's lowercase residues in RF match columns are kept */
            CU_ASSERT_EQUAL(rc, AXCON_OK);
            if (m) CU_ASSERT_STRING_EQUAL(row_str(m, 1), "-E");
            if (m) CU_ASSERT_STRING_EQUAL(pos_str(m), "3,4");
            axcon_msa_free(m);
            continue;
        }
        CU_ASSERT_EQUAL(rc, AXCON_EINPUT);
        CU_ASSERT_PTR_NULL(m);
        CU_ASSERT_STRING_EQUAL(e.msg, cases[t].msg);
        if (strcmp(e.msg, cases[t].msg)) printf("\ncase %zu: %s\n", t, e.msg);
        axcon_msa_free(m);
    }
    /* a protein rich in A, C, G, T and N (here 80%) stays a protein */
    axcon_msa_t *m = parse(">q\nGATTACAGATTACAGAWWWW\n>s\nGATTACAGATTACAGAWWWW\n");
    CU_ASSERT_PTR_NOT_NULL(m);
    axcon_msa_free(m);
}

static void test_crlf_and_bom(void)
{
    const char *texts[] = {">q d\nACDE\nFG\n>s\nA-DEF-\n", "ACDE\nA-DE\n", g_sto,
                           ">q\nAC-DEF\n>s1\nAkkC-DEyF\n"};
    for (size_t t = 0; t < sizeof texts / sizeof texts[0]; t++) {
        const char *lf = texts[t];
        char *crlf = malloc(2 * strlen(lf) + 8);
        CU_ASSERT_PTR_NOT_NULL_FATAL(crlf);
        size_t k = 0;
        memcpy(crlf, "\xEF\xBB\xBF", 3);
        k = 3;
        for (const char *p = lf; *p; p++) {
            if (*p == '\n') crlf[k++] = '\r';
            crlf[k++] = *p;
        }
        axcon_error_t e;
        int rc1, rc2;
        axcon_msa_t *a = parse_opts(lf, strlen(lf), NULL, &e, &rc1);
        axcon_msa_t *b = parse_opts(crlf, k, NULL, &e, &rc2);
        CU_ASSERT_EQUAL(rc1, AXCON_OK);
        CU_ASSERT_EQUAL(rc2, AXCON_OK);
        if (a && b) CU_ASSERT_TRUE(same_msa(a, b));
        axcon_msa_free(a);
        axcon_msa_free(b);
        free(crlf);
    }
}

static void test_forced_format(void)
{
    axcon_msa_opts_t o;
    axcon_msa_opts_init(&o);
    axcon_error_t e;
    int rc;
    const char *t = ">q\nACDE\n>s\nAC-E\n";
    o.format = AXCON_FMT_A2M;
    axcon_msa_t *m = parse_opts(t, strlen(t), &o, &e, &rc);
    CU_ASSERT_EQUAL(rc, AXCON_OK);
    if (m) CU_ASSERT_EQUAL(axcon_msa_format(m), AXCON_FMT_A2M);
    axcon_msa_free(m);
    o.format = AXCON_FMT_STOCKHOLM;
    m = parse_opts(t, strlen(t), &o, &e, &rc);
    CU_ASSERT_EQUAL(rc, AXCON_EINPUT);
    CU_ASSERT_PTR_NULL(m);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "not a Stockholm file"));
}

/* ---- options ---- */

static const char *g_gappy = ">q\nACDEFG\n>s1\nA-DE--\n>s2\n------\n>s3\nAC-EF-\n>s4\nACDEF-\n";

static void test_gap_filters(void)
{
    axcon_msa_opts_t o;
    axcon_msa_opts_init(&o);
    CU_ASSERT_DOUBLE_EQUAL(o.max_seq_gap, 1.0, 0);
    CU_ASSERT_DOUBLE_EQUAL(o.max_col_gap, 1.0, 0);
    axcon_error_t e;
    int rc;
    /* sequences: gap fractions 0.5, 1.0, 1/3, 1/6 */
    o.max_seq_gap = 0.4;
    axcon_msa_t *m = parse_opts(g_gappy, strlen(g_gappy), &o, &e, &rc);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_EQUAL(axcon_msa_nseq(m), 3);
    CU_ASSERT_EQUAL(axcon_msa_nseq_read(m), 5);
    CU_ASSERT_STRING_EQUAL(axcon_msa_seq_name(m, 1), "s3");
    CU_ASSERT_STRING_EQUAL(axcon_msa_seq_name(m, 2), "s4");
    CU_ASSERT_STRING_EQUAL(row_str(m, 2), "ACDEF-");
    axcon_msa_free(m);
    /* columns over all 5 rows: 0.2 0.4 0.4 0.2 0.4 0.8 */
    o.max_seq_gap = 1.0;
    o.max_col_gap = 0.3;
    m = parse_opts(g_gappy, strlen(g_gappy), &o, &e, &rc);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_EQUAL(axcon_msa_nseq(m), 5);
    CU_ASSERT_EQUAL(axcon_msa_ncol(m), 2);
    CU_ASSERT_EQUAL(axcon_msa_ncol_match(m), 6);
    CU_ASSERT_STRING_EQUAL(pos_str(m), "1,4");
    CU_ASSERT_STRING_EQUAL(row_str(m, 1), "AE");
    CU_ASSERT_STRING_EQUAL(axcon_msa_query_seq(m), "ACDEFG"); /* numbering unchanged */
    axcon_msa_free(m);
    /* both: the sequence filter runs first, then columns over the kept rows (0 0 1/3 0 0 2/3) */
    o.max_seq_gap = 0.4;
    o.max_col_gap = 0.5;
    m = parse_opts(g_gappy, strlen(g_gappy), &o, &e, &rc);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_EQUAL(axcon_msa_nseq(m), 3);
    CU_ASSERT_STRING_EQUAL(pos_str(m), "1,2,3,4,5");
    CU_ASSERT_STRING_EQUAL(row_str(m, 1), "AC-EF");
    axcon_msa_free(m);
    /* the query is never dropped, even with an X (gap state) and max_seq_gap 0 */
    o.max_seq_gap = 0.0;
    o.max_col_gap = 1.0;
    const char *t = ">q\nAXC\n>s\nA-C\n>t\nAWC\n";
    m = parse_opts(t, strlen(t), &o, &e, &rc);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_EQUAL(axcon_msa_nseq(m), 2);
    CU_ASSERT_STRING_EQUAL(axcon_msa_query_name(m), "q");
    CU_ASSERT_STRING_EQUAL(axcon_msa_seq_name(m, 1), "t");
    axcon_msa_free(m);
    /* masking every column is an input error; bad option values are usage errors */
    o.max_seq_gap = 1.0;
    o.max_col_gap = 0.0;
    m = parse_opts(g_gappy, strlen(g_gappy), &o, &e, &rc);
    CU_ASSERT_EQUAL(rc, AXCON_EINPUT);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "all 6 match columns"));
    o.max_col_gap = 1.5;
    m = parse_opts(g_gappy, strlen(g_gappy), &o, &e, &rc);
    CU_ASSERT_EQUAL(rc, AXCON_EUSAGE);
    CU_ASSERT_PTR_NULL(m);
}

static void test_gap_filters_cli_log(void)
{
    char *p = write_tmp("gappy.fa", g_gappy, strlen(g_gappy));
    char *out = NULL, *err = NULL;
    int rc = axt_runf(&out, &err, "%s info --max-col-gap 0.3 %s", axt_axcon(), p);
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "columns\t2\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "match_columns\t6\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "masked 4 of 6 columns"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "query positions 2-3,5-6"));
    free(out);
    free(err);
    rc = axt_runf(&out, &err, "%s info --max-seq-gap 0.4 %s", axt_axcon(), p);
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "sequences\t3\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "sequences_read\t5\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "dropped 2 of 5 sequences"));
    free(out);
    free(err);
    free(p);
}

static void test_max_line_and_max_seqs(void)
{
    axcon_msa_opts_t o;
    axcon_msa_opts_init(&o);
    axcon_error_t e;
    int rc;
    o.max_line = 10;
    const char *ok = ">q\nACDEFGHIKL\r\n>s\nACDEFGHIKL\n"; /* exactly 10 bytes before CRLF */
    axcon_msa_t *m = parse_opts(ok, strlen(ok), &o, &e, &rc);
    CU_ASSERT_EQUAL(rc, AXCON_OK);
    axcon_msa_free(m);
    const char *bad = ">q\nACDEFGHIKL\n>s\nACDEFGHIKLM\n";
    m = parse_opts(bad, strlen(bad), &o, &e, &rc);
    CU_ASSERT_EQUAL(rc, AXCON_EINPUT);
    CU_ASSERT_STRING_EQUAL(e.msg, "mem.txt:4: line longer than 10 bytes");
    /* a long line with no newline at all, larger than the internal buffer */
    size_t big = (size_t)3 << 20;
    char *huge = malloc(2 * big + 1); /* two rows, the second with no newline */
    CU_ASSERT_PTR_NOT_NULL_FATAL(huge);
    memset(huge, 'L', 2 * big + 1);
    huge[big] = '\n';
    o.max_line = (size_t)1 << 20;
    m = parse_opts(huge, big, &o, &e, &rc);
    CU_ASSERT_EQUAL(rc, AXCON_EINPUT);
    CU_ASSERT_STRING_EQUAL(e.msg, "mem.txt:1: line longer than 1048576 bytes");
    o.max_line = (size_t)4 << 20; /* and within the limit they are two PSICOV rows */
    m = parse_opts(huge, 2 * big + 1, &o, &e, &rc);
    CU_ASSERT_EQUAL(rc, AXCON_OK);
    if (m) CU_ASSERT_EQUAL(axcon_msa_ncol(m), big);
    axcon_msa_free(m);
    free(huge);
    axcon_msa_opts_init(&o);
    o.max_seqs = 2;
    const char *three = "AC\nAD\nAE\n";
    m = parse_opts(three, strlen(three), &o, &e, &rc);
    CU_ASSERT_EQUAL(rc, AXCON_ERESOURCE);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "mem.txt:3: more than 2 sequences"));
    o.max_seqs = 3;
    m = parse_opts(three, strlen(three), &o, &e, &rc);
    CU_ASSERT_EQUAL(rc, AXCON_OK);
    axcon_msa_free(m);
}

static void test_from_codes(void)
{
    const uint8_t rows[] = {0, 1, 2, 3, 20, 1, 2, 3, 19, 20, 20, 20};
    axcon_msa_t *m = NULL;
    axcon_error_t e;
    axcon_error_clear(&e);
    CU_ASSERT_EQUAL_FATAL(axcon_msa_from_codes(rows, 3, 4, "sim", &m, &e), AXCON_OK);
    CU_ASSERT_EQUAL(axcon_msa_nseq(m), 3);
    CU_ASSERT_EQUAL(axcon_msa_ncol(m), 4);
    CU_ASSERT_STRING_EQUAL(axcon_msa_query_seq(m), "ARND");
    CU_ASSERT_STRING_EQUAL(axcon_msa_query_name(m), "sim");
    CU_ASSERT_STRING_EQUAL(axcon_msa_seq_name(m, 2), "");
    CU_ASSERT_STRING_EQUAL(row_str(m, 1), "-RND");
    CU_ASSERT_STRING_EQUAL(pos_str(m), "1,2,3,4");
    CU_ASSERT_DOUBLE_EQUAL(axcon_msa_gap_fraction(m), 4.0 / 12.0, 1e-12);
    CU_ASSERT_EQUAL(memcmp(axcon_msa_data(m), rows, sizeof rows), 0);
    axcon_msa_free(m);
    const uint8_t gapq[] = {0, 20};
    CU_ASSERT_EQUAL(axcon_msa_from_codes(gapq, 1, 2, NULL, &m, &e), AXCON_EUSAGE);
    CU_ASSERT_PTR_NULL(m);
    const uint8_t badc[] = {0, 1, 21, 0};
    CU_ASSERT_EQUAL(axcon_msa_from_codes(badc, 2, 2, NULL, &m, &e), AXCON_EUSAGE);
    CU_ASSERT_EQUAL(axcon_msa_from_codes(rows, 0, 4, NULL, &m, &e), AXCON_EUSAGE);
}

/* ---- compression and stdin ---- */

static const char *g_a3m = ">q\nAC-DEF\n>s1\nAkkC-DEyF\n>s2\n-CWD.E-\n>s3\nACWDEF\n";

static void test_gzip_bgzf_files(void)
{
    char *plain = write_tmp("c.a3m", g_a3m, strlen(g_a3m));
    char *gz = axt_tmp("c.a3m.gz"), *bgz = axt_tmp("c.a3m.bgz"), *multi = axt_tmp("c.multi.gz");
    CU_ASSERT_FATAL(write_gzip(gz, g_a3m, strlen(g_a3m)) == 0);
    CU_ASSERT_FATAL(write_bgzf(bgz, g_a3m, strlen(g_a3m)) == 0);
    /* a multi-member gzip: two members written back to back */
    size_t la = 20, n1, n2;
    CU_ASSERT_FATAL(write_gzip(multi, g_a3m, la) == 0);
    char *m1 = axt_slurp(multi, &n1);
    CU_ASSERT_FATAL(write_gzip(multi, g_a3m + la, strlen(g_a3m) - la) == 0);
    char *m2 = axt_slurp(multi, &n2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m2);
    char *cat = malloc(n1 + n2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(cat);
    memcpy(cat, m1, n1);
    memcpy(cat + n1, m2, n2);
    CU_ASSERT_FATAL(axt_write(multi, cat, n1 + n2) == 0);
    axcon_error_t e;
    axcon_msa_t *ref = NULL, *x = NULL;
    CU_ASSERT_EQUAL_FATAL(axcon_msa_read(plain, NULL, &ref, &e), AXCON_OK);
    CU_ASSERT_EQUAL(axcon_msa_format(ref), AXCON_FMT_A3M);
    const char *paths[] = {gz, bgz, multi};
    for (int i = 0; i < 3; i++) {
        int rc = axcon_msa_read(paths[i], NULL, &x, &e);
        CU_ASSERT_EQUAL(rc, AXCON_OK);
        if (rc == AXCON_OK) CU_ASSERT_TRUE(same_msa(ref, x));
        axcon_msa_free(x);
        x = NULL;
    }
    /* the same bytes through axcon_msa_parse (decompression works on buffers too) */
    size_t bl;
    char *bbuf = axt_slurp(bgz, &bl);
    CU_ASSERT_PTR_NOT_NULL_FATAL(bbuf);
    CU_ASSERT_EQUAL(axcon_msa_parse("buf.bgz", bbuf, bl, NULL, &x, &e), AXCON_OK);
    if (x) CU_ASSERT_TRUE(same_msa(ref, x));
    axcon_msa_free(x);
    /* truncations: middle of the gzip stream, the BGZF EOF block, the middle of a BGZF block */
    size_t gl;
    char *gbuf = axt_slurp(gz, &gl);
    CU_ASSERT_PTR_NOT_NULL_FATAL(gbuf);
    struct {
        const char *buf;
        size_t len;
    } cut[] = {{gbuf, gl / 2}, {gbuf, gl - 1}, {bbuf, bl - 28}, {bbuf, (bl - 28) / 2}, {cat, n1 + n2 / 2}};
    for (size_t i = 0; i < sizeof cut / sizeof cut[0]; i++) {
        x = NULL;
        int rc = axcon_msa_parse("cut.gz", cut[i].buf, cut[i].len, NULL, &x, &e);
        CU_ASSERT_EQUAL(rc, AXCON_EINPUT);
        CU_ASSERT_PTR_NULL(x);
        CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "cut.gz: truncated or corrupt compressed input"));
    }
    axcon_msa_free(ref);
    free(gbuf);
    free(bbuf);
    free(m1);
    free(m2);
    free(cat);
    free(plain);
    free(gz);
    free(bgz);
    free(multi);
}

static void test_stdin_cli(void)
{
    char *plain = write_tmp("in.sto", g_sto, strlen(g_sto));
    char *gz = axt_tmp("in.sto.gz"), *bgz = axt_tmp("in.sto.bgz");
    CU_ASSERT_FATAL(write_gzip(gz, g_sto, strlen(g_sto)) == 0);
    CU_ASSERT_FATAL(write_bgzf(bgz, g_sto, strlen(g_sto)) == 0);
    const char *paths[] = {plain, gz, bgz};
    for (int i = 0; i < 3; i++) {
        char *out = NULL, *err = NULL;
        int rc = axt_runf(&out, &err, "cat '%s' | %s info --json -", paths[i], axt_axcon());
        CU_ASSERT_EQUAL(rc, 0);
        CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"format\": \"stockholm\""));
        CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"sequences\": 3,"));
        CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"columns\": 6,"));
        CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"query_sequence\": \"ACDEFG\""));
        free(out);
        free(err);
    }
    /* every format through stdin, recognised from the content alone */
    struct {
        const char *text, *fmt;
    } f[] = {{">q\nACDE\n>s\nAC-E\n", "fasta"},
             {">q\nAC.dE\n>s\nACkyE\n", "a2m"},
             {g_a3m, "a3m"},
             {"ACDE\nAC-E\n", "psicov"},
             {g_sto, "stockholm"}};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        char name[32];
        snprintf(name, sizeof name, "fmt%zu.gz", i);
        char *p = axt_tmp(name);
        CU_ASSERT_FATAL(write_gzip(p, f[i].text, strlen(f[i].text)) == 0);
        char *out = NULL, *err = NULL;
        int rc = axt_runf(&out, &err, "cat '%s' | %s info -", p, axt_axcon());
        CU_ASSERT_EQUAL(rc, 0);
        char want[64];
        snprintf(want, sizeof want, "format\t%s\n", f[i].fmt);
        CU_ASSERT_PTR_NOT_NULL(strstr(out, want));
        free(out);
        free(err);
        free(p);
    }
    /* a truncated gzip on stdin is an error, not a short alignment */
    size_t gl;
    char *gbuf = axt_slurp(gz, &gl);
    CU_ASSERT_PTR_NOT_NULL_FATAL(gbuf);
    char *cut = write_tmp("in.cut.gz", gbuf, gl / 2);
    char *out = NULL, *err = NULL;
    int rc = axt_runf(&out, &err, "cat '%s' | %s info -", cut, axt_axcon());
    CU_ASSERT_EQUAL(rc, 1);
    CU_ASSERT_STRING_EQUAL(err, "axcon: error: <stdin>: truncated or corrupt compressed input (unexpected end of file)\n");
    free(out);
    free(err);
    free(gbuf);
    free(cut);
    free(plain);
    free(gz);
    free(bgz);
}

/* ---- malformed inputs through the CLI ---- */

typedef struct {
    const char *file;    /* file name in the scratch directory */
    const char *data;    /* contents (NULL: made by the test) */
    size_t len;          /* bytes of data (0: strlen) */
    size_t line;         /* expected line, 0 = the message has no line */
    const char *reason;  /* expected text after "FILE:LINE: " */
} bad_case_t;

#define B(s) s, sizeof(s) - 1

static const bad_case_t g_bad[] = {
    {"empty.fa", B(""), 0, "empty file"},
    {"bom_only.fa", B("\xEF\xBB\xBF"), 0, "empty file"},
    {"comments_only.a3m", B("#60 1\n\n# nothing\n\n"), 0, "no sequences found"},
    {"annotations_only.a3m", B(">ss_pred\nCCHHEE\n>ss_conf\n123456\n"), 0, "no sequences found"},
    {"sto_no_seqs.sto", B("# STOCKHOLM 1.0\n#=GF ID x\n//\n"), 0, "no sequences found"},
    {"fasta_lengths.fa", B(">q\nACDE\n>s1\nACDE\n>s2\nACD\n"), 5, "rows of different lengths: sequence 's2' has 3 columns"},
    {"psicov_lengths.aln", B("ACDEF\nACDEF\nACD-\n"), 3, "rows of different lengths: sequence 3 has 4 columns"},
    {"sto_lengths.sto", B("# STOCKHOLM 1.0\na ACDE\nb ACD\n//\n"), 3, "rows of different lengths: sequence 'b'"},
    {"a3m_matches.a3m", B(">q\nACDE\n>s\nAcCD\n>t\nACDEF\n"), 3,
     "sequence 's' has 3 match columns (uppercase letters and '-'), the query has 4"},
    {"a2m_too_many.a2m", B(">q\nAC.DE\n>s\nACKDEm\n"), 3, "sequence 's' has 5 match columns"},
    {"header_no_seq.fa", B(">a\n>b\nACD\n"), 1, "'>' header of sequence 'a' with no sequence after it"},
    {"header_no_seq_end.fa", B(">a\nACD\n>b desc\n\n"), 3, "'>' header of sequence 'b' with no sequence after it"},
    {"header_blank_seq.fa", B(">a\n   \t\n>b\nACD\n"), 1, "'>' header of sequence 'a' with no sequence after it"},
    {"nul.fa", B(">a\nAC\0D\n"), 2, "NUL byte at column 3"},
    {"nul_header.fa", B(">a\nACD\n>b\0x\nACD\n"), 3, "NUL byte at column 3"},
    {"binary.png", B("\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0"), 1, "invalid character '\\x89' in sequence at column 1"},
    {"digit.fa", B(">q\nAC1E\n>s\nACDE\n"), 2, "invalid character '1' in sequence at column 3"},
    {"ctrl.fa", B(">q\nACDE\n>s\nAC\x01" "E\n"), 4, "invalid character '\\x01' in sequence at column 3"},
    {"utf8.fa", B(">q\nAC\xC3\x89" "D\n"), 2, "invalid character '\\xC3' in sequence at column 3"},
    {"psicov_char.aln", B("ACDE\nAC@E\n"), 2, "invalid character '@' in sequence at column 3"},
    {"sto_char.sto", B("# STOCKHOLM 1.0\nq AC!E\n//\n"), 2, "invalid character '!' in sequence at column 5"},
    {"seq_before_header.fa", B("ACDE\n>q\nACDE\n"), 2, "'>' header in a headerless (PSICOV) alignment"},
    {"query_lowercase.a3m", B(">q\nacde\n>s\nACDE\n"), 1,
     "the query ('q') has no match columns (all its residues are lowercase insertions)"},
    {"query_gaps.fa", B(">q\n----\n>s\nACDE\n"), 1, "the query ('q') has no match columns (it has no residues, only gaps)"},
    {"sto_no_end.sto", B("# STOCKHOLM 1.0\na ACDE\nb AC-E\n"), 3, "Stockholm alignment not terminated by '//'"},
    {"sto_missing.sto", B("# STOCKHOLM 1.0\na AC\nb AC\nc AC\n\na DE\nc DE\n//\n"), 6,
     "sequence 'b' is missing from the alignment block at lines 6-7 (it appears in only some blocks)"},
    {"sto_new_name.sto", B("# STOCKHOLM 1.0\na AC\nb AC\n\na DE\nb DE\nz DE\n//\n"), 7,
     "sequence 'z' is not in the first alignment block"},
    {"sto_twice.sto", B("# STOCKHOLM 1.0\na AC\nb AC\nc AC\n\na DE\na DE\n//\n"), 7,
     "sequence 'a' appears twice in the alignment block starting at line 6"},
    {"sto_name_only.sto", B("# STOCKHOLM 1.0\nq\n//\n"), 2, "sequence line 'q' has a name but no sequence"},
    {"trunc.fa.gz", NULL, 0, 0, "truncated or corrupt compressed input (unexpected end of file)"},
    {"trunc.fa.bgz", NULL, 0, 0, "truncated or corrupt compressed input (unexpected end of file)"},
    {"noeof.fa.bgz", NULL, 0, 0, "truncated or corrupt compressed input (BGZF end-of-file block missing)"},
    {"corrupt.fa.gz", NULL, 0, 0, "truncated or corrupt compressed input"},
    {"trailing.fa.gz", NULL, 0, 0, "truncated or corrupt compressed input (garbage after the end of the compressed data)"},
    {"bad_in_gz.fa.gz", NULL, 0, 2, "invalid character '1' in sequence at column 3"},
    {"missing.fa", NULL, 0, 0, "cannot open: No such file or directory"},
    {"a_directory", NULL, 0, 0, "cannot open: Is a directory"},
};

/* Make the files whose contents are not literal. */
static void make_special(const char *file, const char *path)
{
    /* a FASTA big enough for several BGZF blocks and a gzip stream of some size */
    size_t n = 200000, k = 0;
    char *txt = malloc(n + 64);
    CU_ASSERT_PTR_NOT_NULL_FATAL(txt);
    uint32_t x = 12345;
    while (k < n) {
        k += (size_t)sprintf(txt + k, ">s%zu\n", k);
        for (int j = 0; j < 60; j++) {
            x = x * 1103515245u + 12345u;
            txt[k++] = AXCON_ALPHABET[(x >> 16) % 20];
        }
        txt[k++] = '\n';
    }
    txt[k] = '\0';
    char *tmp = axt_tmp("special.tmp");
    size_t len = 0;
    char *z = NULL;
    if (!strcmp(file, "trunc.fa.gz") || !strcmp(file, "corrupt.fa.gz") || !strcmp(file, "trailing.fa.gz")) {
        CU_ASSERT_FATAL(write_gzip(tmp, txt, k) == 0);
        z = axt_slurp(tmp, &len);
        CU_ASSERT_PTR_NOT_NULL_FATAL(z);
        if (!strcmp(file, "trunc.fa.gz")) len /= 2;
        if (!strcmp(file, "corrupt.fa.gz"))
            for (size_t i = len / 3; i < len / 3 + 64; i++) z[i] ^= 0x5a;
        if (!strcmp(file, "trailing.fa.gz")) {
            char *z2 = realloc(z, len + 8);
            CU_ASSERT_PTR_NOT_NULL_FATAL(z2);
            z = z2;
            memcpy(z + len, "garbage!", 8);
            len += 8;
        }
        CU_ASSERT_FATAL(axt_write(path, z, len) == 0);
    } else if (!strcmp(file, "trunc.fa.bgz") || !strcmp(file, "noeof.fa.bgz")) {
        CU_ASSERT_FATAL(write_bgzf(tmp, txt, k) == 0);
        z = axt_slurp(tmp, &len);
        CU_ASSERT_PTR_NOT_NULL_FATAL(z);
        CU_ASSERT_FATAL(len > 28 + 1000);
        len = !strcmp(file, "noeof.fa.bgz") ? len - 28 : len / 2;
        CU_ASSERT_FATAL(axt_write(path, z, len) == 0);
    } else if (!strcmp(file, "bad_in_gz.fa.gz")) {
        const char *t = ">q\nAC1E\n";
        CU_ASSERT_FATAL(write_gzip(path, t, strlen(t)) == 0);
    } else if (!strcmp(file, "a_directory")) {
        CU_ASSERT_FATAL(mkdir(path, 0700) == 0);
    }
    unlink(tmp);
    free(tmp);
    free(z);
    free(txt);
}

/* Run `axcon info PATH`: exit 1, nothing on stdout, exactly one stderr line
 * "axcon: error: PATH[:LINE]: reason...". */
static void expect_cli_error(const char *path, size_t line, const char *reason)
{
    char *out = NULL, *err = NULL;
    int rc = axt_runf(&out, &err, "%s info '%s'", axt_axcon(), path);
    char want[4096];
    if (line) snprintf(want, sizeof want, "axcon: error: %s:%zu: %s", path, line, reason);
    else snprintf(want, sizeof want, "axcon: error: %s: %s", path, reason);
    int ok = rc == 1 && out[0] == '\0' && !strncmp(err, want, strlen(want)) && strchr(err, '\n') &&
             strchr(err, '\n')[1] == '\0';
    if (!ok) printf("\n  case %s: exit %d\n  stderr: %s  wanted: %s\n", path, rc, err, want);
    CU_ASSERT_EQUAL(rc, 1);
    CU_ASSERT_STRING_EQUAL(out, "");
    CU_ASSERT_EQUAL(strncmp(err, want, strlen(want)), 0);
    const char *nl = strchr(err, '\n');
    CU_ASSERT_TRUE(nl != NULL && nl[1] == '\0'); /* exactly one line */
    free(out);
    free(err);
}

static void test_malformed_cli(void)
{
    size_t ncase = sizeof g_bad / sizeof g_bad[0];
    CU_ASSERT_TRUE(ncase >= 25);
    for (size_t i = 0; i < ncase; i++) {
        const bad_case_t *c = &g_bad[i];
        char *path = axt_tmp(c->file);
        if (c->data) {
            CU_ASSERT_FATAL(axt_write(path, c->data, c->len) == 0);
        } else if (strcmp(c->file, "missing.fa") != 0) {
            make_special(c->file, path);
        }
        expect_cli_error(path, c->line, c->reason);
        free(path);
    }
    /* an unreadable file (permissions do not apply to root) */
    if (geteuid() != 0) {
        char *p = write_tmp("noperm.fa", ">q\nACD\n", 7);
        CU_ASSERT_FATAL(chmod(p, 0) == 0);
        expect_cli_error(p, 0, "cannot open: Permission denied");
        free(p);
    }
}

/* The library returns the same messages and statuses (no CLI): spot checks. */
static void test_malformed_library(void)
{
    axcon_error_t e;
    int rc;
    axcon_msa_t *m = parse_opts(B(">q\nACDE\n>s1\nACDE\n>s2\nACD\n"), NULL, &e, &rc);
    CU_ASSERT_EQUAL(rc, AXCON_EINPUT);
    CU_ASSERT_PTR_NULL(m);
    CU_ASSERT_STRING_EQUAL(e.msg, "mem.txt:5: rows of different lengths: sequence 's2' has 3 columns, the first sequence has 4");
    m = NULL;
    rc = axcon_msa_read("/nonexistent/dir/x.fa", NULL, &m, &e);
    CU_ASSERT_EQUAL(rc, AXCON_EINPUT);
    CU_ASSERT_STRING_EQUAL(e.msg, "/nonexistent/dir/x.fa: cannot open: No such file or directory");
    CU_ASSERT_EQUAL(axcon_msa_parse("x", NULL, 5, NULL, &m, &e), AXCON_EUSAGE);
}

/* Deterministic mutations of valid inputs (text and gzip): every result is either a
 * consistent alignment or a one-line EINPUT naming the buffer; never a crash or hang. */
static void test_mutations(void)
{
    const char *seeds[] = {g_a3m, g_sto, g_gappy, "ACDE\nAC-E\n--DE\n", ">q\nAC.dE-F\n>s1\nACkyEGF\n>s2\nA-..EGF\n"};
    const char specials[] = {'\n', '\r', '>', '#', '/', ' ', '.', '-', 'a', 'Z', '\0', '\t', '*', '1'};
    uint32_t x = 2463534242u;
    size_t ok = 0, bad = 0;
    for (size_t s = 0; s < sizeof seeds / sizeof seeds[0]; s++) {
        size_t n0 = strlen(seeds[s]);
        char *gzp = axt_tmp("mut.gz");
        CU_ASSERT_FATAL(write_gzip(gzp, seeds[s], n0) == 0);
        size_t gl;
        char *gzb = axt_slurp(gzp, &gl);
        CU_ASSERT_PTR_NOT_NULL_FATAL(gzb);
        for (int it = 0; it < 400; it++) {
            int use_gz = it % 4 == 3;
            const char *src = use_gz ? gzb : seeds[s];
            size_t n = use_gz ? gl : n0;
            char buf[1024];
            CU_ASSERT_FATAL(n + 8 < sizeof buf);
            memcpy(buf, src, n);
            int nmut = 1 + it % 3;
            for (int k = 0; k < nmut; k++) {
                x ^= x << 13, x ^= x >> 17, x ^= x << 5;
                size_t at = x % (n ? n : 1);
                switch ((x >> 8) % 4) {
                case 0: buf[at] = specials[(x >> 12) % sizeof specials]; break;
                case 1: n = at; break; /* truncate */
                case 2:
                    memmove(buf + at + 1, buf + at, n - at);
                    buf[at] = specials[(x >> 12) % sizeof specials];
                    n++;
                    break;
                default: buf[at] ^= (char)(1 << ((x >> 16) % 8)); break;
                }
            }
            axcon_error_t e;
            int rc;
            axcon_msa_t *m = parse_opts(buf, n, NULL, &e, &rc);
            CU_ASSERT_TRUE(rc == AXCON_OK || rc == AXCON_EINPUT);
            if (rc != AXCON_OK) {
                bad++;
                CU_ASSERT_PTR_NULL(m);
                CU_ASSERT_EQUAL(strncmp(e.msg, "mem.txt:", 8), 0);
                CU_ASSERT_PTR_NULL(strchr(e.msg, '\n'));
                continue;
            }
            ok++;
            size_t N = axcon_msa_nseq(m), L = axcon_msa_ncol(m);
            CU_ASSERT_TRUE(N >= 1 && L >= 1);
            const uint8_t *d = axcon_msa_data(m);
            int codes_ok = 1, pos_ok = 1;
            for (size_t i = 0; i < N * L; i++) codes_ok &= d[i] <= AXCON_GAP;
            for (size_t c = 0; c < L; c++) {
                int p = axcon_msa_col_pos(m, c);
                pos_ok &= p >= 1 && (size_t)p <= axcon_msa_query_len(m) && (c == 0 || p > axcon_msa_col_pos(m, c - 1));
            }
            CU_ASSERT_TRUE(codes_ok);
            CU_ASSERT_TRUE(pos_ok);
            CU_ASSERT_EQUAL(strlen(axcon_msa_query_seq(m)), axcon_msa_query_len(m));
            axcon_msa_free(m);
        }
        free(gzb);
        free(gzp);
    }
    CU_ASSERT_TRUE(ok > 0 && bad > 0); /* both outcomes were exercised */
}

/* ---- the shared benchmark alignments ---- */

typedef struct {
    char id[128], msa[256];
    long L, N;
} fam_t;

static size_t read_families(const char *bench, fam_t *fam, size_t cap)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/families.tsv", bench);
    FILE *f = fopen(path, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    char line[4096];
    size_t n = 0;
    int header = 1;
    while (fgets(line, sizeof line, f) && n < cap) {
        if (header) { header = 0; continue; }
        char *tok[9] = {0};
        int k = 0;
        for (char *p = strtok(line, "\t\n"); p && k < 9; p = strtok(NULL, "\t\n")) tok[k++] = p;
        if (k < 7) continue;
        snprintf(fam[n].id, sizeof fam[n].id, "%s", tok[0]);
        snprintf(fam[n].msa, sizeof fam[n].msa, "%s", tok[2]);
        fam[n].L = atol(tok[5]);
        fam[n].N = atol(tok[6]);
        n++;
    }
    fclose(f);
    return n;
}

static void test_bench_families(void)
{
    const char *bench = axt_bench("test_bench_families");
    if (!bench) return;
    static fam_t fam[256];
    size_t nf = read_families(bench, fam, 256);
    CU_ASSERT_TRUE(nf >= 40);
    axcon_log_set_level(AXCON_LOG_WARN);
    for (size_t i = 0; i < nf; i++) {
        char path[4600];
        snprintf(path, sizeof path, "%s/%s", bench, fam[i].msa);
        axcon_msa_t *m = NULL;
        axcon_error_t e;
        int rc = axcon_msa_read(path, NULL, &m, &e);
        if (rc != AXCON_OK) printf("\n  %s: %s\n", fam[i].id, e.msg);
        CU_ASSERT_EQUAL(rc, AXCON_OK);
        if (!m) continue;
        if ((long)axcon_msa_nseq(m) != fam[i].N || (long)axcon_msa_ncol(m) != fam[i].L)
            printf("\n  %s: N=%zu L=%zu, table N=%ld L=%ld\n", fam[i].id, axcon_msa_nseq(m), axcon_msa_ncol(m),
                   fam[i].N, fam[i].L);
        CU_ASSERT_EQUAL((long)axcon_msa_nseq(m), fam[i].N);
        CU_ASSERT_EQUAL((long)axcon_msa_ncol(m), fam[i].L);
        CU_ASSERT_EQUAL((long)axcon_msa_query_len(m), fam[i].L);
        const char *ext = strrchr(fam[i].msa, '.');
        axcon_msa_format_t want = !strcmp(ext, ".aln")    ? AXCON_FMT_PSICOV
                                  : !strcmp(ext, ".a3m")  ? AXCON_FMT_A3M
                                                          : AXCON_FMT_FASTA;
        /* an .a3m without any insertion is plain aligned FASTA by content */
        if (want != AXCON_FMT_A3M || axcon_msa_format(m) != AXCON_FMT_FASTA)
            CU_ASSERT_EQUAL(axcon_msa_format(m), want);
        axcon_msa_free(m);
    }
    axcon_log_set_level(AXCON_LOG_INFO);
}

/* Independent count for the Stockholm file: sequence lines before "//" and the letters of
 * the first row (which becomes the query). */
static void test_bench_stockholm(void)
{
    const char *bench = axt_bench("test_bench_stockholm");
    if (!bench) return;
    char path[4200];
    snprintf(path, sizeof path, "%s/msa/2crb_A.uniref90_hits.sto", bench);
    FILE *f = fopen(path, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    static char line[1 << 16];
    char first[256] = "";
    size_t nseq = 0, letters = 0;
    while (fgets(line, sizeof line, f)) {
        if (!strncmp(line, "//", 2)) break;
        if (line[0] == '#' || line[0] == '\n') continue;
        char name[256], seq[1 << 15];
        if (sscanf(line, "%255s %32767s", name, seq) != 2) continue;
        if (!first[0]) snprintf(first, sizeof first, "%s", name);
        if (!strcmp(name, first))
            for (char *p = seq; *p; p++) letters += (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z');
        nseq++; /* the file is a single block: one line per sequence */
    }
    fclose(f);
    axcon_msa_t *m = NULL;
    axcon_error_t e;
    int rc = axcon_msa_read(path, NULL, &m, &e);
    CU_ASSERT_EQUAL_FATAL(rc, AXCON_OK);
    CU_ASSERT_EQUAL(axcon_msa_format(m), AXCON_FMT_STOCKHOLM);
    CU_ASSERT_EQUAL(axcon_msa_nseq(m), nseq);
    CU_ASSERT_EQUAL(axcon_msa_query_len(m), letters);
    CU_ASSERT_STRING_EQUAL(axcon_msa_query_name(m), first);
    CU_ASSERT_TRUE(axcon_msa_ncol(m) > 0 && axcon_msa_ncol(m) <= letters);
    axcon_msa_free(m);
}

/* Every file of bench/msa parses, and gzip and BGZF copies give identical alignments. */
static void test_bench_compressed_copies(void)
{
    const char *bench = axt_bench("test_bench_compressed_copies");
    if (!bench) return;
    char *list = NULL;
    CU_ASSERT_EQUAL_FATAL(axt_runf(&list, NULL, "ls '%s/msa'", bench), 0);
    axcon_log_set_level(AXCON_LOG_WARN);
    size_t nfiles = 0;
    for (char *name = strtok(list, "\n"); name; name = strtok(NULL, "\n")) {
        char path[4600];
        snprintf(path, sizeof path, "%s/msa/%s", bench, name);
        size_t len;
        char *buf = axt_slurp(path, &len);
        CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
        axcon_msa_t *ref = NULL, *x = NULL;
        axcon_error_t e;
        int rc = axcon_msa_read(path, NULL, &ref, &e);
        if (rc) printf("\n  %s: %s\n", name, e.msg);
        CU_ASSERT_EQUAL(rc, AXCON_OK);
        char *gz = axt_tmp("bench.gz"), *bgz = axt_tmp("bench.bgz");
        CU_ASSERT_FATAL(write_gzip(gz, buf, len) == 0);
        CU_ASSERT_FATAL(write_bgzf(bgz, buf, len) == 0);
        const char *copies[] = {gz, bgz};
        for (int k = 0; k < 2 && ref; k++) {
            rc = axcon_msa_read(copies[k], NULL, &x, &e);
            CU_ASSERT_EQUAL(rc, AXCON_OK);
            if (x) CU_ASSERT_TRUE(same_msa(ref, x));
            axcon_msa_free(x);
            x = NULL;
        }
        axcon_msa_free(ref);
        unlink(gz);
        unlink(bgz);
        free(gz);
        free(bgz);
        free(buf);
        nfiles++;
    }
    CU_ASSERT_TRUE(nfiles >= 40);
    free(list);
    axcon_log_set_level(AXCON_LOG_INFO);
}

static void test_bench_cli_stdin(void)
{
    const char *bench = axt_bench("test_bench_cli_stdin");
    if (!bench) return;
    char *out = NULL, *err = NULL;
    int rc = axt_runf(&out, &err, "gzip -c '%s/msa/1psm_A.a3m' | %s info --json -", bench, axt_axcon());
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"sequences\": 12,"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"columns\": 38,"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"format\": \"a3m\""));
    free(out);
    free(err);
    rc = axt_runf(&out, &err, "cat '%s/msa/1mkcA00.aln' | %s info -", bench, axt_axcon());
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "format\tpsicov\nsequences\t142\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "columns\t43\n"));
    free(out);
    free(err);
}

static void register_suites(void)
{
    axcon_log_set_level(AXCON_LOG_WARN);
    axt_suite("msa_formats", (axt_case_t[]){{"aa_code_policy", test_aa_code_policy},
                                            {"fasta_multiline", test_fasta_multiline},
                                            {"fasta_query_gaps_removed", test_fasta_query_gaps_removed},
                                            {"nonstandard_letters", test_nonstandard_letters},
                                            {"a3m_inserts_annotations", test_a3m_inserts_annotations},
                                            {"query_numbering_with_query_inserts", test_query_numbering_with_query_inserts},
                                            {"a2m_equal_lengths", test_a2m_equal_lengths},
                                            {"psicov", test_psicov},
                                            {"stockholm_interleaved", test_stockholm_interleaved},
                                            {"stockholm_columns", test_stockholm_columns},
                                            {"not_protein_alignments", test_not_protein_alignments},
                                            {"crlf_and_bom", test_crlf_and_bom},
                                            {"forced_format", test_forced_format},
                                            {0, 0}});
    axt_suite("msa_options", (axt_case_t[]){{"gap_filters", test_gap_filters},
                                            {"gap_filters_cli_log", test_gap_filters_cli_log},
                                            {"max_line_and_max_seqs", test_max_line_and_max_seqs},
                                            {"from_codes", test_from_codes},
                                            {0, 0}});
    axt_suite("msa_input", (axt_case_t[]){{"gzip_bgzf_files", test_gzip_bgzf_files},
                                          {"stdin_cli", test_stdin_cli},
                                          {"malformed_cli", test_malformed_cli},
                                          {"malformed_library", test_malformed_library},
                                          {"mutations", test_mutations},
                                          {0, 0}});
    axt_suite("msa_bench", (axt_case_t[]){{"bench_families", test_bench_families},
                                          {"bench_stockholm", test_bench_stockholm},
                                          {"bench_compressed_copies", test_bench_compressed_copies},
                                          {"bench_cli_stdin", test_bench_cli_stdin},
                                          {0, 0}});
}

int main(int argc, char **argv) { return axt_main(argc, argv, register_suites); }
