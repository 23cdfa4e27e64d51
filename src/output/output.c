/* output.c - owns stage 6: the output format names, --top selection (a count, a multiple of
 * L, or all) and the exact text of every contact format (see axcon/output.h):
 *
 *   rr       PFRMAT RR / TARGET t / AUTHOR axcon / METHOD (2 lines) / MODEL 1 / the query
 *            in lines of 50 residues / "i j 0 8 p" with p = calibrated probability, "%.3f",
 *            sorted by p descending (equal p: ranking order) / END. --top picks the first K
 *            lines of that order. TARGET = first word of the query name ("query" if none).
 *   mat      L lines of L tab-separated scores "%.6g" (query numbering; 0 on the diagonal, for
 *            unscored positions and for nothing else), symmetric; --top is ignored.
 *   tsv      "i<TAB>j<TAB>score<TAB>probability" ("%.6g", "%.4f"), ranking order, no header.
 *   csv      EVcouplings CouplingScores.csv: header "i,A_i,j,A_j,fn,cn,probability";
 *            fn = the model's raw score before APC and post-processing (the APC score when the
 *            map holds no raw scores), cn = the score that was ranked; ranking order.
 *   plmc     "i A_i j A_j 0 score" (score = ranked score, as plmc's 6th column holds the
 *            APC-corrected norm), ranking order.
 *   rosetta  "AtomPair CB i CB j SCALARWEIGHTEDFUNC p SIGMOID 8.00 1.00" (CA for glycine),
 *            ranking order. Rosetta's SIGMOID x0 m is 1/(1+exp(-m (d - x0))) - 0.5: a smooth
 *            step of width ~1/m A at x0 = 8 A, the contact definition, penalising d > 8 A
 *            (the RASREC/CONFOLD-style default); SCALARWEIGHTEDFUNC multiplies it by the
 *            calibrated probability, so uncertain contacts pull less (as GREMLIN's
 *            Rosetta constraints weight by probability).
 * Every list format is i < j, |i-j| >= the map's minimum separation, both positions scored. */
#include "config.h"

#include "axcon/output.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "axcon/ofile.h"
#include "core/util.h"

static const char *const g_fmt_names[] = {"rr", "mat", "tsv", "csv", "plmc", "rosetta", "psicov"};
#define N_FMTS (sizeof g_fmt_names / sizeof g_fmt_names[0])

int axcon_outfmt_parse(const char *name, axcon_outfmt_t *fmt, axcon_error_t *err)
{
    if (name)
        for (size_t k = 0; k < N_FMTS; k++)
            if (!strcmp(name, g_fmt_names[k])) {
                *fmt = (axcon_outfmt_t)k;
                return AXCON_OK;
            }
    return axcon_error_set(err, AXCON_EUSAGE, "unknown output format '%s' (expected rr, mat, tsv, csv, plmc, rosetta or psicov)",
                           name ? name : "");
}

const char *axcon_outfmt_name(axcon_outfmt_t fmt)
{
    return (size_t)fmt < N_FMTS ? g_fmt_names[fmt] : "unknown";
}

/* ------------------------------------------------------------------------------------------
 * --top */

static int parse_pos_number(const char *s, size_t n, double *out)
{
    char buf[64];
    if (n == 0 || n >= sizeof buf) return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    for (size_t k = 0; k < n; k++)
        if (!isdigit((unsigned char)buf[k]) && buf[k] != '.') return -1;
    char *end;
    errno = 0;
    double v = strtod(buf, &end);
    if (errno || *end || !isfinite(v) || v <= 0.0 || v > 1e9) return -1;
    *out = v;
    return 0;
}

int axcon_top_parse(const char *s, axcon_top_t *top, axcon_error_t *err)
{
    double v;
    if (!s) s = "";
    size_t n = strlen(s);
    if (!strcmp(s, "all")) {
        top->count = -1.0;
        top->per_L = 0;
        return AXCON_OK;
    }
    if (!strcmp(s, "L")) {
        top->count = 1.0;
        top->per_L = 1;
        return AXCON_OK;
    }
    if (n > 2 && s[0] == 'L' && s[1] == '/' && parse_pos_number(s + 2, n - 2, &v) == 0) {
        top->count = 1.0 / v;
        top->per_L = 1;
        return AXCON_OK;
    }
    if (n > 1 && s[n - 1] == 'L' && parse_pos_number(s, n - 1, &v) == 0) {
        top->count = v;
        top->per_L = 1;
        return AXCON_OK;
    }
    if (n > 0 && strspn(s, "0123456789") == n && parse_pos_number(s, n, &v) == 0) {
        top->count = v;
        top->per_L = 0;
        return AXCON_OK;
    }
    return axcon_error_set(err, AXCON_EUSAGE,
                           "invalid number of contacts '%s': expected all, a count such as 100, a multiple of L "
                           "such as 1.5L, or L/k such as L/5",
                           s);
}

size_t axcon_top_count(const axcon_top_t *top, size_t L, size_t available)
{
    if (!top || top->count < 0.0) return available;
    double want = top->per_L ? floor(top->count * (double)L + 1e-9) : floor(top->count + 1e-9);
    if (top->per_L && want < 1.0) want = 1.0; /* max(1, floor(xL)), as in the evaluation */
    if (want >= (double)available) return available;
    return want > 0.0 ? (size_t)want : 0;
}

/* ------------------------------------------------------------------------------------------
 * writers */

static const char *method_text(const char *m)
{
    if (!strcmp(m, "mf")) return "mean-field DCA";
    if (!strcmp(m, "plm")) return "Potts model by pseudo-likelihood";
    if (!strcmp(m, "attn")) return "factored attention by pseudo-likelihood";
    return m;
}

/* The RR METHOD line's words for the contact head that ranked the pairs ("" for none). */
static const char *head_text(const char *h)
{
    if (!strcmp(h, "net")) return ", convolutional contact network";
    if (!strcmp(h, "linear")) return ", logistic contact head";
    return "";
}

static char residue(const axcon_cmap_t *cm, int i)
{
    const char *seq = axcon_cmap_query_seq(cm);
    return (i >= 1 && (size_t)i <= axcon_cmap_len(cm)) ? seq[i - 1] : 'X';
}

typedef struct {
    const axcon_contact_t *c;
    size_t rank;
} by_prob_t;

static int cmp_prob(const void *a, const void *b)
{
    const by_prob_t *x = a, *y = b;
    if (x->c->prob > y->c->prob) return -1;
    if (x->c->prob < y->c->prob) return 1;
    return x->rank < y->rank ? -1 : x->rank > y->rank;
}

static int one_word(const char *s, const char *field, axcon_error_t *err)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64)
        return axcon_error_set(err, AXCON_EUSAGE, "RR %s must be one word of 1 to 64 characters, got %zu characters",
                               field, n);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (!isgraph(*p))
            return axcon_error_set(err, AXCON_EUSAGE, "RR %s must be one word of printable characters, got '%s'", field, s);
    return AXCON_OK;
}

int axcon_write_opts_check(const axcon_write_opts_t *wo, axcon_error_t *err)
{
    if (!wo) return AXCON_OK;
    int st;
    if (wo->author && (st = one_word(wo->author, "AUTHOR", err)) != AXCON_OK) return st;
    if (wo->target && (st = one_word(wo->target, "TARGET", err)) != AXCON_OK) return st;
    if (wo->remark) {
        size_t lines = 1;
        for (const unsigned char *p = (const unsigned char *)wo->remark; *p; p++) {
            if (*p == '\n') lines++;
            else if (!isprint(*p) && *p != '\t')
                return axcon_error_set(err, AXCON_EUSAGE, "RR REMARK must be printable text (byte 0x%02x)", *p);
        }
        if (lines > 80) return axcon_error_set(err, AXCON_EUSAGE, "RR REMARK has %zu lines, at most 80", lines);
    }
    return AXCON_OK;
}

static void write_remarks(FILE *fp, const char *r)
{
    while (r && *r) {
        size_t n = strcspn(r, "\n");
        fprintf(fp, "REMARK %.*s\n", (int)n, r);
        r += n;
        if (*r == '\n') r++;
    }
}

static int write_rr(FILE *fp, const axcon_cmap_t *cm, const axcon_top_t *top, const axcon_write_opts_t *wo,
                    axcon_error_t *err)
{
    size_t n;
    const axcon_contact_t *ranked = axcon_cmap_ranked(cm, &n);
    by_prob_t *order = ax_alloc(n ? n : 1, sizeof *order, 0, "RR order", err);
    if (!order) return AXCON_ENOMEM;
    for (size_t k = 0; k < n; k++) {
        order[k].c = &ranked[k];
        order[k].rank = k;
    }
    qsort(order, n, sizeof *order, cmp_prob);
    size_t L = axcon_cmap_len(cm), K = axcon_top_count(top, L, n);

    const char *name = axcon_cmap_query_name(cm);
    size_t tl = strcspn(name, " \t\r\n");
    if (wo && wo->target) fprintf(fp, "PFRMAT RR\nTARGET %s\n", wo->target);
    else fprintf(fp, "PFRMAT RR\nTARGET %.*s\n", tl ? (int)tl : 5, tl ? name : "query");
    fprintf(fp, "AUTHOR %s\n", wo && wo->author ? wo->author : "axcon");
    write_remarks(fp, wo ? wo->remark : NULL);
    fprintf(fp, "METHOD axcon %s: co-evolution, %s (-m %s), APC%s\n", PACKAGE_VERSION,
            method_text(axcon_cmap_method(cm)), axcon_cmap_method(cm), head_text(axcon_cmap_head(cm)));
    fprintf(fp, "METHOD Neff %.1f over %zu columns; p = calibrated P(C-beta distance < 8 A)\n", axcon_cmap_neff(cm),
            axcon_cmap_ncol(cm));
    fprintf(fp, "MODEL 1\n");
    const char *seq = axcon_cmap_query_seq(cm);
    for (size_t k = 0; k < L; k += 50) fprintf(fp, "%.*s\n", (int)(L - k < 50 ? L - k : 50), seq + k);
    for (size_t k = 0; k < K; k++) fprintf(fp, "%d %d 0 8 %.3f\n", order[k].c->i, order[k].c->j, order[k].c->prob);
    fprintf(fp, "END\n");
    free(order);
    return AXCON_OK;
}

static void put_score(FILE *fp, double s)
{
    if (s == 0.0) fputc('0', fp); /* also -0 */
    else fprintf(fp, "%.6g", s);
}

static int write_mat(FILE *fp, const axcon_cmap_t *cm)
{
    int L = (int)axcon_cmap_len(cm);
    for (int i = 1; i <= L; i++) {
        for (int j = 1; j <= L; j++) {
            if (j > 1) fputc('\t', fp);
            put_score(fp, axcon_cmap_score(cm, i, j));
        }
        fputc('\n', fp);
    }
    return AXCON_OK;
}

static int write_list(FILE *fp, const axcon_cmap_t *cm, axcon_outfmt_t fmt, const axcon_top_t *top)
{
    size_t n;
    const axcon_contact_t *r = axcon_cmap_ranked(cm, &n);
    size_t K = axcon_top_count(top, axcon_cmap_len(cm), n);
    if (fmt == AXCON_OUT_CSV) fprintf(fp, "i,A_i,j,A_j,fn,cn,probability\n");
    for (size_t k = 0; k < K; k++) {
        const axcon_contact_t *c = &r[k];
        char ai = residue(cm, c->i), aj = residue(cm, c->j);
        switch (fmt) {
        case AXCON_OUT_TSV:
            fprintf(fp, "%d\t%d\t", c->i, c->j);
            put_score(fp, c->score);
            fprintf(fp, "\t%.4f\n", c->prob);
            break;
        case AXCON_OUT_CSV:
            fprintf(fp, "%d,%c,%d,%c,", c->i, ai, c->j, aj);
            put_score(fp, axcon_cmap_raw_score(cm, c->i, c->j));
            fputc(',', fp);
            put_score(fp, c->score);
            fprintf(fp, ",%.4f\n", c->prob);
            break;
        case AXCON_OUT_PLMC:
            fprintf(fp, "%d %c %d %c 0 ", c->i, ai, c->j, aj);
            put_score(fp, c->score);
            fputc('\n', fp);
            break;
        case AXCON_OUT_PSICOV:
            fprintf(fp, "%d %d 0 8 ", c->i, c->j);
            put_score(fp, c->score);
            fputc('\n', fp);
            break;
        case AXCON_OUT_ROSETTA:
            fprintf(fp, "AtomPair %s %d %s %d SCALARWEIGHTEDFUNC %.3f SIGMOID 8.00 1.00\n", ai == 'G' ? "CA" : "CB",
                    c->i, aj == 'G' ? "CA" : "CB", c->j, c->prob);
            break;
        default: break;
        }
    }
    return AXCON_OK;
}

int axcon_write_contacts(FILE *fp, const axcon_cmap_t *cm, axcon_outfmt_t fmt, const axcon_top_t *top,
                         axcon_error_t *err)
{
    return axcon_write_contacts_ex(fp, cm, fmt, top, NULL, err);
}

int axcon_cmap_write(const axcon_cmap_t *cm, const char *path, const char *format, const char *top,
                     const char *author, const char *target, const char *remark, axcon_error_t *err)
{
    axcon_outfmt_t fmt;
    axcon_top_t t;
    axcon_write_opts_t wo = {author, target, remark};
    axcon_ofile_t *of = NULL;
    int st;
    if (!cm || !path) return axcon_error_set(err, AXCON_EUSAGE, "write contacts: missing map or path");
    if ((st = axcon_outfmt_parse(format ? format : "tsv", &fmt, err)) != AXCON_OK) return st;
    if (top && (st = axcon_top_parse(top, &t, err)) != AXCON_OK) return st;
    if ((st = axcon_write_opts_check(&wo, err)) != AXCON_OK) return st;
    if ((st = axcon_ofile_open(path, &of, err)) != AXCON_OK) return st;
    if ((st = axcon_write_contacts_ex(axcon_ofile_fp(of), cm, fmt, top ? &t : NULL, &wo, err)) != AXCON_OK) {
        axcon_ofile_abort(of);
        return st;
    }
    return axcon_ofile_commit(of, err);
}

int axcon_write_contacts_ex(FILE *fp, const axcon_cmap_t *cm, axcon_outfmt_t fmt, const axcon_top_t *top,
                            const axcon_write_opts_t *wo, axcon_error_t *err)
{
    if (!fp || !cm) return axcon_error_set(err, AXCON_EUSAGE, "write contacts: missing stream or map");
    int status;
    if ((status = axcon_write_opts_check(wo, err)) != AXCON_OK) return status;
    switch (fmt) {
    case AXCON_OUT_RR: status = write_rr(fp, cm, top, wo, err); break;
    case AXCON_OUT_MAT: status = write_mat(fp, cm); break;
    case AXCON_OUT_TSV:
    case AXCON_OUT_CSV:
    case AXCON_OUT_PLMC:
    case AXCON_OUT_ROSETTA:
    case AXCON_OUT_PSICOV: status = write_list(fp, cm, fmt, top); break;
    default: return axcon_error_set(err, AXCON_EUSAGE, "write contacts: unknown format %d", (int)fmt);
    }
    if (status != AXCON_OK) return status;
    if (ferror(fp)) return axcon_error_set(err, AXCON_EIO, "error writing contacts: %s", strerror(errno));
    return AXCON_OK;
}
