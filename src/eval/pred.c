/* pred.c - owns the contact prediction readers of axcon/pred.h: format recognition from the
 * content, the per-format parsers (CASP RR, CCMpred matrix, axcon TSV, EVcouplings CSV,
 * plmc, FreeContact, PSICOV), validation with "FILE:LINE: reason" errors, and the
 * normalised pair list (i < j, duplicates collapsed to their larger score, rank order). */
#include "axcon/pred.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "axcon/log.h"
#include "core/util.h"
#include "evio.h"

#define MAX_ABS_SCORE 1e12
#define MAX_POS 100000000L
#define MAXTOK 16

struct axcon_pred {
    axcon_pred_format_t format;
    axcon_pred_pair_t *pairs;
    size_t n, cap;
    int max_pos;
    int length;
    char *seq;
};

static const struct {
    const char *name;
    axcon_pred_format_t fmt;
} g_fmt_names[] = {
    {"auto", AXCON_PRED_AUTO},   {"rr", AXCON_PRED_RR},       {"mat", AXCON_PRED_MAT},
    {"tsv", AXCON_PRED_TSV},     {"csv", AXCON_PRED_CSV},     {"plmc", AXCON_PRED_PLMC},
    {"freecontact", AXCON_PRED_FREECONTACT}, {"psicov", AXCON_PRED_PSICOV},
    {"gremlin", AXCON_PRED_GREMLIN},
    {"casp", AXCON_PRED_RR},     {"ccmpred", AXCON_PRED_MAT}, {"matrix", AXCON_PRED_MAT},
    {"evcouplings", AXCON_PRED_CSV},
};

int axcon_pred_format_parse(const char *name, axcon_pred_format_t *out)
{
    if (!name) return -1;
    for (size_t k = 0; k < sizeof g_fmt_names / sizeof g_fmt_names[0]; k++)
        if (!strcmp(name, g_fmt_names[k].name)) {
            *out = g_fmt_names[k].fmt;
            return 0;
        }
    return -1;
}

const char *axcon_pred_format_name(axcon_pred_format_t fmt)
{
    for (size_t k = 0; k < sizeof g_fmt_names / sizeof g_fmt_names[0]; k++)
        if (g_fmt_names[k].fmt == fmt) return g_fmt_names[k].name;
    return "unknown";
}

axcon_pred_format_t axcon_pred_format(const axcon_pred_t *p) { return p->format; }
size_t axcon_pred_npairs(const axcon_pred_t *p) { return p->n; }
const axcon_pred_pair_t *axcon_pred_pairs(const axcon_pred_t *p) { return p->pairs; }
int axcon_pred_max_pos(const axcon_pred_t *p) { return p->max_pos; }
int axcon_pred_length(const axcon_pred_t *p) { return p->length; }
const char *axcon_pred_seq(const axcon_pred_t *p) { return p->seq; }

void axcon_pred_free(axcon_pred_t *p)
{
    if (!p) return;
    free(p->pairs);
    free(p->seq);
    free(p);
}

int axcon_pred_from_cmap(const axcon_cmap_t *cm, axcon_pred_t **out, axcon_error_t *err)
{
    if (!cm || !out) return axcon_error_set(err, AXCON_EUSAGE, "prediction from a contact map: missing argument");
    *out = NULL;
    size_t n;
    const axcon_contact_t *c = axcon_cmap_ranked(cm, &n);
    axcon_pred_t *p = ax_alloc(1, sizeof *p, 1, "prediction", err);
    if (!p) return AXCON_ENOMEM;
    p->format = AXCON_PRED_TSV; /* the ranked list axcon's tsv writer writes */
    p->length = (int)axcon_cmap_len(cm);
    const char *seq = axcon_cmap_query_seq(cm);
    if ((n && !(p->pairs = ax_alloc(n, sizeof *p->pairs, 0, "prediction pairs", err))) ||
        (seq && !(p->seq = ax_alloc(strlen(seq) + 1, 1, 0, "prediction sequence", err)))) {
        axcon_pred_free(p);
        return AXCON_ENOMEM;
    }
    if (seq) memcpy(p->seq, seq, strlen(seq) + 1);
    for (size_t k = 0; k < n; k++) {
        p->pairs[k].i = c[k].i;
        p->pairs[k].j = c[k].j;
        p->pairs[k].score = c[k].score;
        if (c[k].j > p->max_pos) p->max_pos = c[k].j;
    }
    p->n = p->cap = n;
    *out = p;
    return AXCON_OK;
}

/* ---- helpers ---------------------------------------------------------------------- */

typedef struct {
    const char *name;
    axcon_pred_t *p;
    long limit;   /* largest valid position (0 = unchecked) */
    const char *limit_what;
    axcon_error_t *err;
} ctx_t;

static int push_pair(ctx_t *c, size_t line, long i, long j, double score)
{
    axcon_pred_t *p = c->p;
    if (i < 1 || j < 1)
        return axcon_error_set(c->err, AXCON_EINPUT, "%s:%zu: residue number %ld is below 1 (positions are 1-based)",
                               c->name, line, i < 1 ? i : j);
    if (c->limit > 0 && (i > c->limit || j > c->limit))
        return axcon_error_set(c->err, AXCON_EINPUT, "%s:%zu: residue number %ld exceeds the %s (%ld)", c->name,
                               line, i > c->limit ? i : j, c->limit_what, c->limit);
    if (i > MAX_POS || j > MAX_POS)
        return axcon_error_set(c->err, AXCON_EINPUT, "%s:%zu: residue number %ld is absurdly large", c->name, line,
                               i > j ? i : j);
    if (!isfinite(score))
        return axcon_error_set(c->err, AXCON_EINPUT, "%s:%zu: score is not a finite number", c->name, line);
    if (fabs(score) > MAX_ABS_SCORE)
        return axcon_error_set(c->err, AXCON_EINPUT, "%s:%zu: score %g is out of range (|score| > %g)", c->name, line,
                               score, MAX_ABS_SCORE);
    if (i == j) return AXCON_OK;
    if (p->n == p->cap) {
        size_t nc = p->cap ? p->cap * 2 : 1024;
        axcon_pred_pair_t *nv = ax_realloc(p->pairs, nc, sizeof *nv, "predicted pairs", c->err);
        if (!nv) return AXCON_ENOMEM;
        p->pairs = nv;
        p->cap = nc;
    }
    axcon_pred_pair_t *q = &p->pairs[p->n++];
    q->i = (int)(i < j ? i : j);
    q->j = (int)(i < j ? j : i);
    q->score = score;
    if (q->j > p->max_pos) p->max_pos = q->j;
    return AXCON_OK;
}

static int get_pos(ctx_t *c, size_t line, const char *tok, const char *what, long *out)
{
    if (axe_parse_int(tok, out) != 0)
        return axcon_error_set(c->err, AXCON_EINPUT, "%s:%zu: %s '%.40s%s' is not a whole number", c->name, line,
                               what, tok, strlen(tok) > 40 ? "..." : "");
    return AXCON_OK;
}

static int get_score(ctx_t *c, size_t line, const char *tok, const char *what, double *out)
{
    if (axe_parse_double(tok, out) != 0)
        return axcon_error_set(c->err, AXCON_EINPUT, "%s:%zu: %s '%.40s%s' is not a number", c->name, line, what, tok,
                               strlen(tok) > 40 ? "..." : "");
    return AXCON_OK;
}

static int is_number(const char *s)
{
    double v;
    return axe_parse_double(s, &v) == 0;
}

static int is_posint(const char *s)
{
    long v;
    return axe_parse_int(s, &v) == 0 && v >= 1;
}

static int all_letters(const char *s)
{
    int n = 0;
    for (; *s; s++) {
        if (*s == ' ' || *s == '\t') continue;
        if (!isalpha((unsigned char)*s) && *s != '-' && *s != '*') return 0;
        n++;
    }
    return n > 0;
}

static const char *g_rr_keys[] = {"PFRMAT", "TARGET", "AUTHOR", "METHOD", "REMARK", "MODEL", "PARENT", "RMSD",
                                  "SCORE",  "QMODE",  "END",    NULL};

static int rr_keyword(const char *line)
{
    for (int k = 0; g_rr_keys[k]; k++) {
        size_t n = strlen(g_rr_keys[k]);
        if (!strncmp(line, g_rr_keys[k], n) && (line[n] == '\0' || line[n] == ' ' || line[n] == '\t')) return k;
    }
    return -1;
}

/* ---- format recognition ---------------------------------------------------------- */

/* Count tokens of the line starting at s (up to '\n'), copying at most `max` of them
 * (each up to 63 chars) into tok. */
static int peek_tokens(const char *s, const char *end, char tok[][64], int max)
{
    int n = 0;
    while (s < end && *s != '\n') {
        while (s < end && (*s == ' ' || *s == '\t' || *s == '\r')) s++;
        if (s >= end || *s == '\n') break;
        const char *b = s;
        while (s < end && *s != ' ' && *s != '\t' && *s != '\r' && *s != '\n') s++;
        if (n < max) {
            size_t l = (size_t)(s - b) < 63 ? (size_t)(s - b) : 63;
            memcpy(tok[n], b, l);
            tok[n][l] = '\0';
        }
        n++;
    }
    return n;
}

static int detect(const char *name, const char *buf, size_t len, axcon_pred_format_t *fmt, axcon_error_t *err)
{
    const char *p = buf, *end = buf + len, *first = NULL;
    size_t ndata = 0, firstline = 0, lineno = 0;
    /* first data line, and the number of data lines (for the square-matrix test) */
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl ? nl : end;
        lineno++;
        const char *s = p;
        while (s < e && (*s == ' ' || *s == '\t' || *s == '\r')) s++;
        if (s < e && *s != '#') {
            if (!first) {
                first = s;
                firstline = lineno;
            }
            ndata++;
        }
        p = nl ? nl + 1 : end;
    }
    if (!first) return axcon_error_set(err, AXCON_EINPUT, "%s: no predictions (empty file)", name);
    char tok[8][64];
    const char *fe = memchr(first, '\n', (size_t)(end - first));
    if (!fe) fe = end;
    int nt = peek_tokens(first, end, tok, 8);
    /* CASP RR header records or sequence lines */
    {
        char l[64];
        size_t n = (size_t)(fe - first) < 63 ? (size_t)(fe - first) : 63;
        memcpy(l, first, n);
        l[n] = '\0';
        if (rr_keyword(l) >= 0) { *fmt = AXCON_PRED_RR; return AXCON_OK; }
    }
    if (memchr(first, ',', (size_t)(fe - first))) { *fmt = AXCON_PRED_CSV; return AXCON_OK; }
    int letters = 1;
    for (const char *s = first; s < fe; s++)
        if (!isalpha((unsigned char)*s) && *s != '\r' && *s != ' ' && *s != '\t') letters = 0;
    if (letters && nt == 1) { *fmt = AXCON_PRED_RR; return AXCON_OK; }
    if (nt >= 3 && !strcmp(tok[0], "i") && !strcmp(tok[1], "j") &&
        (!strcmp(tok[2], "i_id") || !strcmp(tok[2], "gene"))) {
        *fmt = AXCON_PRED_GREMLIN; /* GREMLIN's header */
        return AXCON_OK;
    }
    if (nt == 7 && is_posint(tok[0]) && is_posint(tok[1]) && strchr(tok[2], '_') && strchr(tok[3], '_')) {
        *fmt = AXCON_PRED_GREMLIN;
        return AXCON_OK;
    }
    if (nt >= 2 && !is_number(tok[0])) { *fmt = AXCON_PRED_TSV; return AXCON_OK; } /* header line */
    int pairlike = nt >= 3 && nt <= 6 && is_posint(tok[0]) && (is_posint(tok[1]) || (nt == 6 && is_posint(tok[2])));
    if (!pairlike && nt >= 1 && (size_t)nt == ndata) { *fmt = AXCON_PRED_MAT; return AXCON_OK; }
    if (nt == 6 && is_posint(tok[0]) && is_posint(tok[2]) && !is_number(tok[1]) && !is_number(tok[3])) {
        *fmt = !strcmp(tok[4], "0") ? AXCON_PRED_PLMC : AXCON_PRED_FREECONTACT;
        return AXCON_OK;
    }
    if (nt == 5 && is_posint(tok[0]) && is_posint(tok[1])) { *fmt = AXCON_PRED_PSICOV; return AXCON_OK; }
    if ((nt == 3 || nt == 4) && is_posint(tok[0]) && is_posint(tok[1])) {
        *fmt = memchr(first, '\t', (size_t)(fe - first)) || nt == 4 ? AXCON_PRED_TSV : AXCON_PRED_RR;
        return AXCON_OK;
    }
    return axcon_error_set(err, AXCON_EINPUT,
                           "%s:%zu: cannot recognise the prediction format (%d columns); give --pred-format", name,
                           firstline, nt);
}

/* ---- parsers ------------------------------------------------------------------------ */

static int seq_append(ctx_t *c, size_t line, const char *s)
{
    axcon_pred_t *p = c->p;
    size_t have = p->seq ? strlen(p->seq) : 0, add = 0;
    for (const char *q = s; *q; q++)
        if (!isspace((unsigned char)*q)) add++;
    char *ns = ax_realloc(p->seq, have + add + 1, 1, "RR sequence", c->err);
    if (!ns) return AXCON_ENOMEM;
    p->seq = ns;
    for (const char *q = s; *q; q++)
        if (!isspace((unsigned char)*q)) ns[have++] = (char)toupper((unsigned char)*q);
    ns[have] = '\0';
    (void)line;
    return AXCON_OK;
}

/* CASP RR (`i j d1 d2 p` or `i j p`) and PSICOV (`i j 0 8 score`). */
static int parse_rr(ctx_t *c, char *buf, size_t len, int psicov)
{
    axe_lines_t it;
    char *line, *tok[MAXTOK];
    int in_contacts = 0, models = 0, rc;
    axe_lines_init(&it, buf, len);
    while ((line = axe_next_line(&it))) {
        if (axe_blank(line) || line[0] == '#') continue;
        while (*line == ' ' || *line == '\t') line++;
        int kw = psicov ? -1 : rr_keyword(line);
        if (kw >= 0) {
            if (!strcmp(g_rr_keys[kw], "END")) break;
            if (!strcmp(g_rr_keys[kw], "MODEL") && ++models > 1) break; /* model 1 only */
            continue;
        }
        if (!psicov && !in_contacts && all_letters(line)) {
            if ((rc = seq_append(c, it.lineno, line)) != AXCON_OK) return rc;
            continue;
        }
        if (!in_contacts && c->p->seq && c->limit == 0) {
            c->limit = (long)strlen(c->p->seq);
            c->limit_what = "length of the RR sequence";
        }
        in_contacts = 1;
        int nt = axe_split(line, tok, MAXTOK);
        if (psicov ? nt != 5 : (nt != 5 && nt != 3))
            return axcon_error_set(c->err, AXCON_EINPUT, "%s:%zu: expected %s, found %d column%s", c->name,
                                   it.lineno, psicov ? "5 columns 'i j 0 8 score'" : "'i j d1 d2 p' or 'i j p'", nt,
                                   nt == 1 ? "" : "s");
        long i, j;
        double d, s;
        if ((rc = get_pos(c, it.lineno, tok[0], "residue number", &i)) != AXCON_OK) return rc;
        if ((rc = get_pos(c, it.lineno, tok[1], "residue number", &j)) != AXCON_OK) return rc;
        if (nt == 5) {
            if ((rc = get_score(c, it.lineno, tok[2], "distance bound", &d)) != AXCON_OK) return rc;
            if ((rc = get_score(c, it.lineno, tok[3], "distance bound", &d)) != AXCON_OK) return rc;
        }
        if ((rc = get_score(c, it.lineno, tok[nt - 1], psicov ? "score" : "probability", &s)) != AXCON_OK) return rc;
        if ((rc = push_pair(c, it.lineno, i, j, s)) != AXCON_OK) return rc;
    }
    return AXCON_OK;
}

/* axcon TSV `i j score [probability ...]`, plmc `i A j A 0 score`, FreeContact `i a j a s1 s2`. */
static int parse_list(ctx_t *c, char *buf, size_t len, axcon_pred_format_t fmt)
{
    axe_lines_t it;
    char *line, *tok[MAXTOK];
    int rc, header_ok = fmt == AXCON_PRED_TSV;
    axe_lines_init(&it, buf, len);
    while ((line = axe_next_line(&it))) {
        if (axe_blank(line) || line[0] == '#') continue;
        int nt = axe_split(line, tok, MAXTOK);
        if (header_ok) {
            header_ok = 0;
            if (!is_number(tok[0])) continue; /* one header line, e.g. "i j score probability" */
        }
        long i, j;
        double s;
        if (fmt == AXCON_PRED_TSV) {
            if (nt < 3)
                return axcon_error_set(c->err, AXCON_EINPUT,
                                       "%s:%zu: expected 'i<TAB>j<TAB>score[<TAB>probability]', found %d column%s",
                                       c->name, it.lineno, nt, nt == 1 ? "" : "s");
            if ((rc = get_pos(c, it.lineno, tok[0], "residue number", &i)) != AXCON_OK) return rc;
            if ((rc = get_pos(c, it.lineno, tok[1], "residue number", &j)) != AXCON_OK) return rc;
            if ((rc = get_score(c, it.lineno, tok[2], "score", &s)) != AXCON_OK) return rc;
            if (nt >= 4) {
                double pr;
                if ((rc = get_score(c, it.lineno, tok[3], "probability", &pr)) != AXCON_OK) return rc;
                if (!(pr >= 0.0 && pr <= 1.0))
                    return axcon_error_set(c->err, AXCON_EINPUT, "%s:%zu: probability '%s' is not in [0, 1]",
                                           c->name, it.lineno, tok[3]);
            }
        } else {
            const char *what = fmt == AXCON_PRED_PLMC ? "'i A_i j A_j 0 score'" : "'i aa j aa score apc_score'";
            if (nt != 6)
                return axcon_error_set(c->err, AXCON_EINPUT, "%s:%zu: expected 6 columns %s, found %d", c->name,
                                       it.lineno, what, nt);
            if ((rc = get_pos(c, it.lineno, tok[0], "residue number", &i)) != AXCON_OK) return rc;
            if ((rc = get_pos(c, it.lineno, tok[2], "residue number", &j)) != AXCON_OK) return rc;
            if (is_number(tok[1]) || is_number(tok[3]))
                return axcon_error_set(c->err, AXCON_EINPUT, "%s:%zu: expected %s: columns 2 and 4 are residue letters",
                                       c->name, it.lineno, what);
            double s4;
            if ((rc = get_score(c, it.lineno, tok[4], fmt == AXCON_PRED_PLMC ? "column 5" : "raw score", &s4)) !=
                AXCON_OK)
                return rc;
            if ((rc = get_score(c, it.lineno, tok[5], "score", &s)) != AXCON_OK) return rc;
        }
        if ((rc = push_pair(c, it.lineno, i, j, s)) != AXCON_OK) return rc;
    }
    return AXCON_OK;
}

/* "5_K": the residue number i, '_', one residue letter. */
static int gremlin_id_ok(const char *id, long i)
{
    char *end;
    long v = strtol(id, &end, 10);
    return v == i && end[0] == '_' && isalpha((unsigned char)end[1]) && end[2] == '\0';
}

/* GREMLIN (intra-chain): optional header "i j i_id j_id r_sco s_sco prob", then rows
 * `i j i_id j_id r_sco s_sco prob` (i_id = "5_K"); the score is r_sco, the APC-corrected
 * raw score (s_sco is r_sco over its mean: the same ranking). */
static int parse_gremlin(ctx_t *c, char *buf, size_t len)
{
    axe_lines_t it;
    char *line, *tok[MAXTOK];
    int rc, seen_data = 0;
    axe_lines_init(&it, buf, len);
    while ((line = axe_next_line(&it))) {
        if (axe_blank(line) || line[0] == '#') continue;
        int nt = axe_split(line, tok, MAXTOK);
        if (!seen_data && nt >= 3 && !strcmp(tok[0], "i") && !strcmp(tok[1], "j")) {
            if (!strcmp(tok[2], "gene"))
                return axcon_error_set(c->err, AXCON_EINPUT,
                                       "%s:%zu: an inter-chain GREMLIN file (column 'gene'): axcon evaluates "
                                       "contacts within one chain",
                                       c->name, it.lineno);
            static const char *const want[7] = {"i", "j", "i_id", "j_id", "r_sco", "s_sco", "prob"};
            int ok = nt == 7;
            for (int k = 0; ok && k < 7; k++) ok = !strcmp(tok[k], want[k]);
            if (!ok)
                return axcon_error_set(c->err, AXCON_EINPUT,
                                       "%s:%zu: expected GREMLIN's header 'i j i_id j_id r_sco s_sco prob'", c->name,
                                       it.lineno);
            seen_data = 1;
            continue;
        }
        seen_data = 1;
        if (nt != 7)
            return axcon_error_set(c->err, AXCON_EINPUT,
                                   "%s:%zu: expected 7 columns 'i j i_id j_id r_sco s_sco prob', found %d", c->name,
                                   it.lineno, nt);
        long i, j;
        double s, s2, pr;
        if ((rc = get_pos(c, it.lineno, tok[0], "residue number", &i)) != AXCON_OK) return rc;
        if ((rc = get_pos(c, it.lineno, tok[1], "residue number", &j)) != AXCON_OK) return rc;
        if (!gremlin_id_ok(tok[2], i) || !gremlin_id_ok(tok[3], j))
            return axcon_error_set(c->err, AXCON_EINPUT,
                                   "%s:%zu: columns 3 and 4 must name the residues as i_letter ('%ld_K'), got '%s' '%s'",
                                   c->name, it.lineno, i, tok[2], tok[3]);
        if ((rc = get_score(c, it.lineno, tok[4], "r_sco", &s)) != AXCON_OK) return rc;
        if ((rc = get_score(c, it.lineno, tok[5], "s_sco", &s2)) != AXCON_OK) return rc;
        if ((rc = get_score(c, it.lineno, tok[6], "prob", &pr)) != AXCON_OK) return rc;
        if (!(pr >= 0.0 && pr <= 1.0))
            return axcon_error_set(c->err, AXCON_EINPUT, "%s:%zu: prob '%s' is not in [0, 1]", c->name, it.lineno,
                                   tok[6]);
        if ((rc = push_pair(c, it.lineno, i, j, s)) != AXCON_OK) return rc;
    }
    return AXCON_OK;
}

/* EVcouplings CouplingScores.csv: header naming the columns; score = cn. */
static int parse_csv(ctx_t *c, char *buf, size_t len)
{
    axe_lines_t it;
    char *line, *tok[64];
    int ci = -1, cj = -1, cs = -1, ncol = 0, rc;
    axe_lines_init(&it, buf, len);
    while ((line = axe_next_line(&it))) {
        if (axe_blank(line) || line[0] == '#') continue;
        int nt = axe_split_sep(line, ',', tok, 64);
        if (ncol == 0) {
            if (nt > 64)
                return axcon_error_set(c->err, AXCON_EINPUT, "%s:%zu: CSV header with more than 64 columns", c->name,
                                       it.lineno);
            for (int k = 0; k < nt; k++) {
                if (!strcmp(tok[k], "i")) ci = k;
                else if (!strcmp(tok[k], "j")) cj = k;
                else if (!strcmp(tok[k], "cn")) cs = k;
            }
            if (ci < 0 || cj < 0 || cs < 0)
                return axcon_error_set(c->err, AXCON_EINPUT,
                                       "%s:%zu: CSV header must name the columns i, j and cn "
                                       "(EVcouplings 'i,A_i,j,A_j,fn,cn,...')",
                                       c->name, it.lineno);
            ncol = nt;
            continue;
        }
        if (nt != ncol)
            return axcon_error_set(c->err, AXCON_EINPUT, "%s:%zu: expected %d comma-separated columns, found %d",
                                   c->name, it.lineno, ncol, nt);
        long i, j;
        double s;
        if ((rc = get_pos(c, it.lineno, tok[ci], "residue number", &i)) != AXCON_OK) return rc;
        if ((rc = get_pos(c, it.lineno, tok[cj], "residue number", &j)) != AXCON_OK) return rc;
        if ((rc = get_score(c, it.lineno, tok[cs], "cn score", &s)) != AXCON_OK) return rc;
        if ((rc = push_pair(c, it.lineno, i, j, s)) != AXCON_OK) return rc;
    }
    if (ncol == 0) return axcon_error_set(c->err, AXCON_EINPUT, "%s: CSV file without a header line", c->name);
    return AXCON_OK;
}

/* CCMpred matrix: L rows of L numbers; pair (i, j) takes the larger of the two cells. */
static int parse_mat(ctx_t *c, char *buf, size_t len)
{
    axe_lines_t it;
    char *line;
    double *m = NULL;
    char **tok = NULL;
    size_t L = 0, row = 0, mrows = 0;
    int rc = AXCON_OK;
    axe_lines_init(&it, buf, len);
    while ((line = axe_next_line(&it))) {
        if (axe_blank(line) || line[0] == '#') continue;
        if (L == 0) {
            /* the first row fixes L */
            size_t n = 0;
            for (const char *s = line; *s;) {
                while (*s == ' ' || *s == '\t') s++;
                if (!*s) break;
                n++;
                while (*s && *s != ' ' && *s != '\t') s++;
            }
            if (n > (size_t)MAX_POS) {
                rc = axcon_error_set(c->err, AXCON_EINPUT, "%s:%zu: matrix row too long", c->name, it.lineno);
                goto cleanup;
            }
            L = n;
            if (c->limit > 0 && (long)L > c->limit) {
                rc = axcon_error_set(c->err, AXCON_EINPUT, "%s:%zu: matrix has %zu columns but the %s is %ld",
                                     c->name, it.lineno, L, c->limit_what, c->limit);
                goto cleanup;
            }
            size_t cells;
            if (ax_mul_ok(L, L, &cells) != 0) {
                rc = axcon_error_set(c->err, AXCON_ENOMEM, "%s: matrix too large", c->name);
                goto cleanup;
            }
            /* rows are stored as they come: a long first line alone must not reserve L x L cells */
            tok = ax_alloc(L + 1, sizeof *tok, 0, "prediction matrix", c->err);
            if (!tok) {
                rc = AXCON_ENOMEM;
                goto cleanup;
            }
        }
        if (row >= L) {
            rc = axcon_error_set(c->err, AXCON_EINPUT, "%s:%zu: matrix has more rows than columns (%zu)", c->name,
                                 it.lineno, L);
            goto cleanup;
        }
        int nt = axe_split(line, tok, (int)(L + 1 > 0x7fffffff ? 0x7fffffff : L + 1));
        if ((size_t)nt != L) {
            rc = axcon_error_set(c->err, AXCON_EINPUT, "%s:%zu: matrix row has %d values, expected %zu", c->name,
                                 it.lineno, nt, L);
            goto cleanup;
        }
        if (row == mrows) {
            size_t nr = mrows ? (mrows > L / 2 ? L : 2 * mrows) : (L < 64 ? L : 64);
            double *nm = ax_realloc(m, nr * L, sizeof *m, "prediction matrix", c->err);
            if (!nm) {
                rc = AXCON_ENOMEM;
                goto cleanup;
            }
            m = nm;
            mrows = nr;
        }
        for (size_t k = 0; k < L; k++) {
            double v;
            if (axe_parse_double(tok[k], &v) != 0) {
                rc = axcon_error_set(c->err, AXCON_EINPUT, "%s:%zu: value %zu '%s' is not a number", c->name,
                                     it.lineno, k + 1, tok[k]);
                goto cleanup;
            }
            if (!isfinite(v) || fabs(v) > MAX_ABS_SCORE) {
                rc = axcon_error_set(c->err, AXCON_EINPUT, "%s:%zu: value %zu '%s' is %s", c->name, it.lineno, k + 1,
                                     tok[k], isfinite(v) ? "out of range" : "not a finite number");
                goto cleanup;
            }
            m[row * L + k] = v;
        }
        row++;
    }
    if (row != L) {
        rc = axcon_error_set(c->err, AXCON_EINPUT, "%s:%zu: matrix has %zu rows but %zu columns", c->name, it.lineno,
                             row, L);
        goto cleanup;
    }
    c->p->length = (int)L;
    for (size_t i = 0; i < L; i++)
        for (size_t j = i + 1; j < L; j++) {
            double a = m[i * L + j], b = m[j * L + i];
            if ((rc = push_pair(c, 0, (long)i + 1, (long)j + 1, a > b ? a : b)) != AXCON_OK) goto cleanup;
        }
cleanup:
    free(m);
    free(tok);
    return rc;
}

/* ---- normalisation ------------------------------------------------------------------ */

static int cmp_ij(const void *a, const void *b)
{
    const axcon_pred_pair_t *x = a, *y = b;
    if (x->i != y->i) return x->i < y->i ? -1 : 1;
    if (x->j != y->j) return x->j < y->j ? -1 : 1;
    if (x->score != y->score) return x->score > y->score ? -1 : 1;
    return 0;
}

static int cmp_rank(const void *a, const void *b)
{
    const axcon_pred_pair_t *x = a, *y = b;
    if (x->score != y->score) return x->score > y->score ? -1 : 1;
    if (x->i != y->i) return x->i < y->i ? -1 : 1;
    if (x->j != y->j) return x->j < y->j ? -1 : 1;
    return 0;
}

static void normalise(axcon_pred_t *p)
{
    if (p->n == 0) return;
    qsort(p->pairs, p->n, sizeof *p->pairs, cmp_ij);
    size_t w = 0;
    for (size_t k = 0; k < p->n; k++) {
        if (w > 0 && p->pairs[w - 1].i == p->pairs[k].i && p->pairs[w - 1].j == p->pairs[k].j) continue;
        p->pairs[w++] = p->pairs[k];
    }
    p->n = w;
    qsort(p->pairs, p->n, sizeof *p->pairs, cmp_rank);
}

static int parse_owned(const char *name, char *buf, size_t len, axcon_pred_format_t fmt, int length,
                       axcon_pred_t **out, axcon_error_t *err)
{
    int rc;
    *out = NULL;
    if (fmt == AXCON_PRED_AUTO && (rc = detect(name, buf, len, &fmt, err)) != AXCON_OK) return rc;
    axcon_pred_t *p = ax_alloc(1, sizeof *p, 1, "predictions", err);
    if (!p) return AXCON_ENOMEM;
    p->format = fmt;
    ctx_t c = {name, p, length > 0 ? length : 0, "query length", err};
    switch (fmt) {
    case AXCON_PRED_RR: rc = parse_rr(&c, buf, len, 0); break;
    case AXCON_PRED_PSICOV: rc = parse_rr(&c, buf, len, 1); break;
    case AXCON_PRED_MAT: rc = parse_mat(&c, buf, len); break;
    case AXCON_PRED_CSV: rc = parse_csv(&c, buf, len); break;
    case AXCON_PRED_GREMLIN: rc = parse_gremlin(&c, buf, len); break;
    case AXCON_PRED_TSV:
    case AXCON_PRED_PLMC:
    case AXCON_PRED_FREECONTACT: rc = parse_list(&c, buf, len, fmt); break;
    default: rc = axcon_error_set(err, AXCON_EUSAGE, "unknown prediction format %d", (int)fmt); break;
    }
    if (rc != AXCON_OK) goto fail;
    if (p->seq) {
        p->length = (int)strlen(p->seq);
        if (length > 0 && p->length != length)
            axcon_warn("%s: the RR sequence has %d residues but the query has %d", name, p->length, length);
    }
    if (p->n == 0) {
        rc = axcon_error_set(err, AXCON_EINPUT, "%s: no predicted pairs found (format %s)", name,
                             axcon_pred_format_name(fmt));
        goto fail;
    }
    normalise(p);
    *out = p;
    return AXCON_OK;
fail:
    axcon_pred_free(p);
    return rc;
}

int axcon_pred_parse(const char *name, const char *cbuf, size_t len, axcon_pred_format_t fmt, int length,
                     axcon_pred_t **out, axcon_error_t *err)
{
    char *buf = NULL;
    *out = NULL;
    int rc = axe_copy(name, cbuf, len, &buf, err);
    if (rc != AXCON_OK) return rc;
    rc = parse_owned(name, buf, strlen(buf), fmt, length, out, err);
    free(buf);
    return rc;
}

int axcon_pred_read(const char *path, axcon_pred_format_t fmt, int length, axcon_pred_t **out, axcon_error_t *err)
{
    char *buf = NULL;
    size_t len = 0;
    *out = NULL;
    int rc = axe_slurp(path, &buf, &len, err);
    if (rc != AXCON_OK) return rc;
    rc = parse_owned(!strcmp(path, "-") ? "<stdin>" : path, buf, len, fmt, length, out, err);
    free(buf);
    return rc;
}
