/* contacts.c - owns stage 5: the average product correction, the contact map object in
 * query numbering, deterministic ranking (score descending, ties by smaller i then smaller
 * j), the minimum separation of ranked pairs, and the calibrated probability P(contact)
 * (see axcon/contacts.h). */
#include "axcon/contacts.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axcon/log.h"
#include "core/util.h"

struct axcon_cmap {
    size_t L;          /* query length (query numbering 1..L) */
    size_t ncol;       /* kept columns that carry scores */
    char *name;        /* query name */
    char *seq;         /* query residues, length L */
    char method[16];   /* the model ("attn") */
    char head[8];      /* the contact head that ranked the pairs ("net"), or "" */
    char label[24];    /* METHOD or METHOD+HEAD: the calibration row */
    double neff;
    int min_sep;
    unsigned char *scored; /* L flags: position scored */
    double *S;         /* L x L, query numbering (0-based rows), APC score; 0 if unscored */
    double *raw;       /* L x L raw model scores, or NULL */
    axcon_contact_t *ranked;
    size_t nranked;
};

/* ------------------------------------------------------------------------------------------
 * APC */

void axcon_apc(double *S, size_t n) { ax_apc(S, n); }

/* ------------------------------------------------------------------------------------------
 * Calibration
 *
 * P(contact) = 1 / (1 + exp(-(b0 + slope * x + b2 d))), slope = min(0, b1 + b3 d),
 *   x = log((r + 1) / ncol), r = 0-based rank of the pair among the map's scored pairs with
 *       |i-j| >= AXCON_CALIB_SEP (score descending, ties by i then j; independent of
 *       --min-sep, so probabilities do not change with it; a closer pair gets the rank it
 *       would have among them),
 *   d = log(neff / sqrt(ncol)) clipped to [-0.5, 6], the range of the fitting data.
 * The slope is clamped at 0 so P never increases down the ranking (for the fitted constants
 * it is negative over the whole clipped range anyway). The rank relative to the map size
 * saturates where z-scores do not: on the bench, z-score features left the top bins
 * overconfident (predicted 0.96, observed 0.59 for -m mf) and cross-validated log loss was
 * 0.105 against 0.093 for the rank; separation classes added nothing once the rank was used.
 *
 * Constants fitted by scripts/fit_calibration.py (weighted logistic regression) on the 51
 * families of ../shared/bench (families.tsv; truth/ID.true.tsv, contact = C-beta < 8 A;
 * every observed pair with |i-j| >= 6), on `axcon predict -m METHOD` with default options:
 * "mf" (pseudocount 0.7) on all 51 families (46 distinct alignments), "plm" on the 46
 * families whose alignments have <= 500 columns (--max-len 500; the larger ones cost too much
 * to fit on a shared 2-core machine). 5-fold cross-validated (by alignment) log loss 0.094 (mf), 0.117 (plm); expected
 * calibration error 0.003 and 0.002. "attn" (with the linear contact head, --head linear) on
 * the 46 families of <= 470 columns (43 alignments): CV log loss 0.111, ECE 0.0007; its top bin
 * is still over-confident (predicted 0.95, observed 0.83 held out). With --no-head the attn
 * ranking is plm-like and these constants are somewhat optimistic in the middle bins. (Fitted on
 * the peers' CCMpred matrices instead, plm would be {-3.264, -0.1124, 0.4509, -0.1678}: close to
 * axcon's own plm.)
 * "attn+net" and "mf+net" (the default contact network) on all 51 families, on the network's
 * held-out maps: scripts/train_head.py --cv-out writes every family's prediction by the
 * ensemble of the cross-validation fold that did not train on it, and fit_calibration.py
 * --cache reads them, so the probabilities are fitted on maps the network never saw. Their own
 * 5-fold CV (by alignment) log loss: attn+net 0.083 (ECE 0.0017; top bin predicted 0.95,
 * observed 0.86 held out; the width-24 ensemble), mf+net 0.092 (ECE 0.0008; top bin 0.95
 * against 0.87). */

typedef struct {
    const char *method;
    double b[4];
} calib_row_t;

static const calib_row_t g_calib[] = {
    {"mf", {-3.063, -0.2534, 0.3809, -0.1176}},
    {"plm", {-3.376, -0.114, 0.4702, -0.1583}},
    {"attn", {-3.102, -0.1648, 0.4973, -0.1973}},
    {"attn+net", {-2.679, -0.3281, 0.4184, -0.1616}},
    {"mf+net", {-2.665, -0.2983, 0.4008, -0.149}},
};

/* The row of a method ("attn", or "attn+net" for its ranking by the contact network); a
 * "METHOD+HEAD" without a row of its own takes METHOD's; anything unknown the mean-field row. */
static const calib_row_t *calib_row(const char *method)
{
    size_t n = sizeof g_calib / sizeof g_calib[0];
    if (!method) return &g_calib[0];
    for (size_t k = 0; k < n; k++)
        if (!strcmp(method, g_calib[k].method)) return &g_calib[k];
    size_t base = strcspn(method, "+");
    if (method[base])
        for (size_t k = 0; k < n; k++)
            if (strlen(g_calib[k].method) == base && !strncmp(method, g_calib[k].method, base)) return &g_calib[k];
    return &g_calib[0];
}

static double clip(double x, double lo, double hi) { return x < lo ? lo : x > hi ? hi : x; }

static double calib_depth(double neff, size_t ncol)
{
    if (!(neff > 0.0) || ncol == 0) return -0.5;
    return clip(log(neff / sqrt((double)ncol)), -0.5, 6.0);
}

static double calib_eval(const calib_row_t *r, size_t rank, size_t ncol, double d)
{
    double x = log(((double)rank + 1.0) / (double)(ncol ? ncol : 1));
    double slope = r->b[1] + r->b[3] * d;
    if (slope > 0.0) slope = 0.0;
    double t = r->b[0] + slope * x + r->b[2] * d;
    return clip(1.0 / (1.0 + exp(-t)), 0.0, 1.0);
}

double axcon_calib_prob(const char *method, size_t rank, double neff, size_t ncol)
{
    return calib_eval(calib_row(method), rank, ncol, calib_depth(neff, ncol));
}

/* ------------------------------------------------------------------------------------------
 * Contact map */

static int cmp_contact(const void *a, const void *b)
{
    const axcon_contact_t *x = a, *y = b;
    if (x->score > y->score) return -1;
    if (x->score < y->score) return 1;
    if (x->i != y->i) return x->i < y->i ? -1 : 1;
    if (x->j != y->j) return x->j < y->j ? -1 : 1;
    return 0;
}

const double *axcon_cmap_scores(const axcon_cmap_t *cm) { return cm ? cm->S : NULL; }

void axcon_cmap_free(axcon_cmap_t *cm)
{
    if (!cm) return;
    free(cm->name);
    free(cm->seq);
    free(cm->scored);
    free(cm->S);
    free(cm->raw);
    free(cm->ranked);
    free(cm);
}

static char *dupstr(const char *s, axcon_error_t *err)
{
    size_t n = strlen(s);
    char *d = ax_alloc(n + 1, 1, 0, "string copy", err);
    if (d) memcpy(d, s, n + 1);
    return d;
}

/* Map the kept columns to query positions; fails if the msa's numbering is inconsistent. */
static int col_positions(const axcon_msa_t *msa, size_t L, int **pos_out, axcon_error_t *err)
{
    size_t ncol = axcon_msa_ncol(msa);
    int *pos = ax_alloc(ncol ? ncol : 1, sizeof *pos, 0, "column positions", err);
    if (!pos) return AXCON_ENOMEM;
    for (size_t c = 0; c < ncol; c++) {
        int p = axcon_msa_col_pos(msa, c);
        if (p < 1 || (size_t)p > L || (c > 0 && p <= pos[c - 1])) {
            free(pos);
            return axcon_error_set(err, AXCON_EINTERNAL,
                                   "column %zu maps to query position %d (query length %zu)", c, p, L);
        }
        pos[c] = p;
    }
    *pos_out = pos;
    return AXCON_OK;
}

int axcon_cmap_from_scores(const axcon_msa_t *msa, const double *scores, double neff, const char *method,
                           int min_sep, axcon_cmap_t **out, axcon_error_t *err)
{
    int status = AXCON_OK;
    int *pos = NULL;
    axcon_cmap_t *cm = NULL;
    *out = NULL;
    if (!msa || !scores) return axcon_error_set(err, AXCON_EUSAGE, "contact map: no alignment or scores");
    if (min_sep < 1) return axcon_error_set(err, AXCON_EUSAGE, "minimum separation must be >= 1, got %d", min_sep);
    size_t ncol = axcon_msa_ncol(msa), L = axcon_msa_query_len(msa);
    const char *seq = axcon_msa_query_seq(msa), *name = axcon_msa_query_name(msa);
    if (L == 0 || !seq || strlen(seq) != L)
        return axcon_error_set(err, AXCON_EINTERNAL, "contact map: query sequence missing or of wrong length");
    if ((status = col_positions(msa, L, &pos, err)) != AXCON_OK) return status;

    /* every score finite: a NaN would make the ranking undefined */
    for (size_t a = 0; a < ncol; a++)
        for (size_t b = 0; b < ncol; b++)
            if (a != b && !isfinite(scores[a * ncol + b])) {
                status = axcon_error_set(err, AXCON_EINPUT, "score matrix holds a non-finite value at columns %zu,%zu",
                                         a, b);
                goto fail;
            }

    cm = calloc(1, sizeof *cm);
    if (!cm) { status = axcon_error_set(err, AXCON_ENOMEM, "out of memory for the contact map"); goto fail; }
    cm->L = L;
    cm->ncol = ncol;
    cm->neff = neff;
    cm->min_sep = min_sep;
    {
        const char *m = method ? method : "";
        size_t base = strcspn(m, "+");
        snprintf(cm->label, sizeof cm->label, "%s", m);
        snprintf(cm->method, sizeof cm->method, "%.*s", (int)base, m);
        snprintf(cm->head, sizeof cm->head, "%s", m[base] ? m + base + 1 : "");
    }
    size_t LL;
    if (ax_mul_ok(L, L, &LL) != 0) {
        status = axcon_error_set(err, AXCON_ENOMEM, "contact matrix: query of %zu residues is too long", L);
        goto fail;
    }
    if (!(cm->name = dupstr(name ? name : "", err)) || !(cm->seq = dupstr(seq, err)) ||
        !(cm->scored = ax_alloc(L, 1, 1, "scored flags", err)) ||
        !(cm->S = ax_alloc(LL, sizeof *cm->S, 1, "contact matrix", err))) {
        status = AXCON_ENOMEM;
        goto fail;
    }
    for (size_t c = 0; c < ncol; c++) cm->scored[pos[c] - 1] = 1;
    /* symmetric matrix in query numbering (the mean of the two triangles: equal for symmetric input) */
    for (size_t a = 0; a < ncol; a++)
        for (size_t b = a + 1; b < ncol; b++) {
            double s = 0.5 * (scores[a * ncol + b] + scores[b * ncol + a]);
            size_t i = (size_t)pos[a] - 1, j = (size_t)pos[b] - 1;
            cm->S[i * L + j] = s;
            cm->S[j * L + i] = s;
        }

    /* the ranked list */
    size_t cap = 0, ncal = 0;
    for (size_t a = 0; a < ncol; a++)
        for (size_t b = a + 1; b < ncol; b++) {
            cap += pos[b] - pos[a] >= min_sep;
            ncal += pos[b] - pos[a] >= AXCON_CALIB_SEP;
        }
    cm->ranked = ax_alloc(cap ? cap : 1, sizeof *cm->ranked, 0, "ranked contacts", err);
    if (!cm->ranked) { status = AXCON_ENOMEM; goto fail; }
    size_t k = 0;
    for (size_t a = 0; a < ncol; a++)
        for (size_t b = a + 1; b < ncol; b++) {
            if (pos[b] - pos[a] < min_sep) continue;
            axcon_contact_t *ct = &cm->ranked[k++];
            ct->i = pos[a];
            ct->j = pos[b];
            ct->score = cm->S[(size_t)(pos[a] - 1) * L + (size_t)(pos[b] - 1)];
            ct->prob = 0.0;
        }
    cm->nranked = k;
    qsort(cm->ranked, cm->nranked, sizeof *cm->ranked, cmp_contact);

    /* calibration: rank among the pairs with |i-j| >= AXCON_CALIB_SEP */
    const calib_row_t *crow = calib_row(cm->label);
    double depth = calib_depth(neff, ncol);
    axcon_debug("calibration: row=%s pairs=%zu neff=%.3f ncol=%zu depth=%.3f", crow->method, ncal, neff, ncol, depth);
    if (min_sep == AXCON_CALIB_SEP) {
        for (size_t r = 0; r < cm->nranked; r++) cm->ranked[r].prob = calib_eval(crow, r, ncol, depth);
    } else {
        /* a calibration list of its own; each ranked pair's rank = its lower bound in it */
        axcon_contact_t *cal = ax_alloc(ncal ? ncal : 1, sizeof *cal, 0, "calibration ranks", err);
        if (!cal) { status = AXCON_ENOMEM; goto fail; }
        size_t m = 0;
        for (size_t a = 0; a < ncol; a++)
            for (size_t b = a + 1; b < ncol; b++)
                if (pos[b] - pos[a] >= AXCON_CALIB_SEP) {
                    cal[m].i = pos[a];
                    cal[m].j = pos[b];
                    cal[m].score = cm->S[(size_t)(pos[a] - 1) * L + (size_t)(pos[b] - 1)];
                    cal[m++].prob = 0.0;
                }
        qsort(cal, ncal, sizeof *cal, cmp_contact);
        for (size_t r = 0; r < cm->nranked; r++) {
            size_t lo = 0, hi = ncal;
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (cmp_contact(&cal[mid], &cm->ranked[r]) < 0) lo = mid + 1;
                else hi = mid;
            }
            cm->ranked[r].prob = calib_eval(crow, lo, ncol, depth);
        }
        free(cal);
    }
    free(pos);
    *out = cm;
    return AXCON_OK;
fail:
    free(pos);
    axcon_cmap_free(cm);
    return status;
}

int axcon_cmap_set_raw_scores(axcon_cmap_t *cm, const axcon_msa_t *msa, const double *raw, axcon_error_t *err)
{
    if (!cm || !msa || !raw) return axcon_error_set(err, AXCON_EUSAGE, "raw scores: missing argument");
    size_t ncol = axcon_msa_ncol(msa);
    if (ncol != cm->ncol || axcon_msa_query_len(msa) != cm->L)
        return axcon_error_set(err, AXCON_EUSAGE, "raw scores: alignment does not match the contact map");
    int *pos = NULL;
    int status = col_positions(msa, cm->L, &pos, err);
    if (status != AXCON_OK) return status;
    double *R = ax_alloc(cm->L * cm->L, sizeof *R, 1, "raw score matrix", err);
    if (!R) { free(pos); return AXCON_ENOMEM; }
    for (size_t a = 0; a < ncol; a++)
        for (size_t b = a + 1; b < ncol; b++) {
            double s = 0.5 * (raw[a * ncol + b] + raw[b * ncol + a]);
            if (!isfinite(s)) {
                free(pos); free(R);
                return axcon_error_set(err, AXCON_EINPUT, "raw score matrix holds a non-finite value at columns %zu,%zu", a, b);
            }
            size_t i = (size_t)pos[a] - 1, j = (size_t)pos[b] - 1;
            R[i * cm->L + j] = s;
            R[j * cm->L + i] = s;
        }
    free(pos);
    free(cm->raw);
    cm->raw = R;
    return AXCON_OK;
}

int axcon_cmap_set_query_name(axcon_cmap_t *cm, const char *name, axcon_error_t *err)
{
    if (!cm || !name) return axcon_error_set(err, AXCON_EUSAGE, "query name: missing argument");
    char *d = dupstr(name, err);
    if (!d) return AXCON_ENOMEM;
    free(cm->name);
    cm->name = d;
    return AXCON_OK;
}

size_t axcon_cmap_len(const axcon_cmap_t *cm) { return cm->L; }
size_t axcon_cmap_ncol(const axcon_cmap_t *cm) { return cm->ncol; }
const char *axcon_cmap_query_seq(const axcon_cmap_t *cm) { return cm->seq; }
const char *axcon_cmap_query_name(const axcon_cmap_t *cm) { return cm->name; }
const char *axcon_cmap_method(const axcon_cmap_t *cm) { return cm->method; }
const char *axcon_cmap_head(const axcon_cmap_t *cm) { return cm->head; }
double axcon_cmap_neff(const axcon_cmap_t *cm) { return cm->neff; }
int axcon_cmap_min_sep(const axcon_cmap_t *cm) { return cm->min_sep; }
int axcon_cmap_has_raw(const axcon_cmap_t *cm) { return cm->raw != NULL; }

int axcon_cmap_scored(const axcon_cmap_t *cm, int i)
{
    return i >= 1 && (size_t)i <= cm->L && cm->scored[i - 1];
}

double axcon_cmap_score(const axcon_cmap_t *cm, int i, int j)
{
    if (i < 1 || j < 1 || (size_t)i > cm->L || (size_t)j > cm->L || i == j) return 0.0;
    return cm->S[(size_t)(i - 1) * cm->L + (size_t)(j - 1)];
}

double axcon_cmap_raw_score(const axcon_cmap_t *cm, int i, int j)
{
    if (!cm->raw) return axcon_cmap_score(cm, i, j);
    if (i < 1 || j < 1 || (size_t)i > cm->L || (size_t)j > cm->L || i == j) return 0.0;
    return cm->raw[(size_t)(i - 1) * cm->L + (size_t)(j - 1)];
}

const axcon_contact_t *axcon_cmap_ranked(const axcon_cmap_t *cm, size_t *n)
{
    if (n) *n = cm->nranked;
    return cm->ranked;
}
