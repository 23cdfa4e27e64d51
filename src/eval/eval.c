/* eval.c - owns the native contact map ("truth": from a truth TSV, or from a structure chain
 * aligned to the query) and the precision computation of docs/EVALUATION.md (see axcon/eval.h).
 *
 * Structure-to-query mapping: a global alignment with free end gaps (Gotoh, affine gaps) of
 * the chain's one-letter sequence to the query. Scores: identity +5, mismatch -3, 'X' 0; gap
 * open -11, extend -1. A gap in the chain (query residues not resolved) costs only -2 to open
 * where the chain's residue numbering jumps, so missing loops land where the file says they
 * are even in repetitive sequence. Ties prefer match, then a query-side gap. Distances are
 * rounded to 0.001 Å (the precision of the coordinates), so a truth written with
 * axcon_truth_write() and read back gives identical results. */
#include "axcon/eval.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "axcon/log.h"
#include "axcon/ofile.h"
#include "core/util.h"
#include "evio.h"

typedef struct {
    int i, j;
    double d;
} tpair_t;

struct axcon_truth {
    int length;         /* query length: positions 1..length */
    int nobs;
    int *obs_idx;       /* [length+1]: index among observed positions, -1 if not observed */
    int *obs_pos;       /* [nobs]: position of observed index */
    int32_t *tri;       /* [nobs*(nobs-1)/2]: pair index, -1 if the distance is unknown */
    tpair_t *pairs;     /* known pairs, ordered by i then j */
    size_t npairs;
    axcon_residue_t *res; /* [length+1] structure residue at each position (aa == 0: none), or NULL */
};

void axcon_truth_free(axcon_truth_t *t)
{
    if (!t) return;
    free(t->obs_idx);
    free(t->obs_pos);
    free(t->tri);
    free(t->pairs);
    free(t->res);
    free(t);
}

int axcon_truth_length(const axcon_truth_t *t) { return t->length; }
int axcon_truth_nobserved(const axcon_truth_t *t) { return t->nobs; }
int axcon_truth_observed(const axcon_truth_t *t, int i) { return i >= 1 && i <= t->length && t->obs_idx[i] >= 0; }
size_t axcon_truth_npairs(const axcon_truth_t *t) { return t->npairs; }

void axcon_truth_pair(const axcon_truth_t *t, size_t k, int *i, int *j, double *d)
{
    if (k >= t->npairs) {
        *i = *j = 0;
        *d = -1.0;
        return;
    }
    *i = t->pairs[k].i;
    *j = t->pairs[k].j;
    *d = t->pairs[k].d;
}

static size_t tri_index(int nobs, int a, int b) /* a < b, observed indices */
{
    return (size_t)a * (size_t)(2 * (size_t)nobs - (size_t)a - 1) / 2 + (size_t)(b - a - 1);
}

double axcon_truth_distance(const axcon_truth_t *t, int i, int j)
{
    if (!axcon_truth_observed(t, i) || !axcon_truth_observed(t, j) || i == j) return -1.0;
    int a = t->obs_idx[i], b = t->obs_idx[j];
    if (a > b) {
        int x = a;
        a = b;
        b = x;
    }
    int32_t k = t->tri[tri_index(t->nobs, a, b)];
    return k < 0 ? -1.0 : t->pairs[k].d;
}

int axcon_truth_contact(const axcon_truth_t *t, int i, int j)
{
    double d = axcon_truth_distance(t, i, j);
    return d >= 0.0 && d < AXCON_CONTACT_CUTOFF;
}

const axcon_residue_t *axcon_truth_residue(const axcon_truth_t *t, int i)
{
    if (!t->res || i < 1 || i > t->length || !t->res[i].aa) return NULL;
    return &t->res[i];
}

/* Allocate the position tables for `length` positions with the observed flags in obs[1..length]. */
static int truth_alloc(axcon_truth_t *t, int length, const unsigned char *obs, axcon_error_t *err)
{
    t->length = length;
    t->obs_idx = ax_alloc((size_t)length + 1, sizeof *t->obs_idx, 0, "truth positions", err);
    if (!t->obs_idx) return AXCON_ENOMEM;
    t->obs_idx[0] = -1;
    t->nobs = 0;
    for (int i = 1; i <= length; i++) t->obs_idx[i] = obs[i] ? t->nobs++ : -1;
    t->obs_pos = ax_alloc(t->nobs ? (size_t)t->nobs : 1, sizeof *t->obs_pos, 0, "truth positions", err);
    if (!t->obs_pos) return AXCON_ENOMEM;
    for (int i = 1; i <= length; i++)
        if (obs[i]) t->obs_pos[t->obs_idx[i]] = i;
    size_t ntri;
    if (ax_mul_ok((size_t)t->nobs, t->nobs > 0 ? (size_t)(t->nobs - 1) : 0, &ntri) != 0)
        return axcon_error_set(err, AXCON_ENOMEM, "truth: too many observed residues (%d)", t->nobs);
    ntri /= 2;
    if (ntri > (size_t)INT32_MAX)
        return axcon_error_set(err, AXCON_ERESOURCE, "truth: too many observed residues (%d)", t->nobs);
    t->tri = ax_alloc(ntri ? ntri : 1, sizeof *t->tri, 0, "truth distance table", err);
    if (!t->tri) return AXCON_ENOMEM;
    for (size_t k = 0; k < ntri; k++) t->tri[k] = -1;
    return AXCON_OK;
}

static double round3(double d) { return floor(d * 1000.0 + 0.5) / 1000.0; }

/* ---- truth TSV --------------------------------------------------------------------- */

static int cmp_tpair(const void *a, const void *b)
{
    const tpair_t *x = a, *y = b;
    if (x->i != y->i) return x->i < y->i ? -1 : 1;
    if (x->j != y->j) return x->j < y->j ? -1 : 1;
    return 0;
}

typedef struct {
    tpair_t p;
    size_t line;
} tline_t;

static int cmp_tline(const void *a, const void *b)
{
    int c = cmp_tpair(&((const tline_t *)a)->p, &((const tline_t *)b)->p);
    if (c) return c;
    const tline_t *x = a, *y = b;
    return x->line < y->line ? -1 : x->line > y->line;
}

int axcon_truth_read(const char *path, int length, axcon_truth_t **out, axcon_error_t *err)
{
    const char *name = !strcmp(path, "-") ? "<stdin>" : path;
    char *buf = NULL, *line, *tok[8];
    size_t len = 0, n = 0, cap = 0;
    tline_t *v = NULL;
    unsigned char *obs = NULL;
    axcon_truth_t *t = NULL;
    int rc, maxpos = 0, first = 1;
    *out = NULL;
    if ((rc = axe_slurp(path, &buf, &len, err)) != AXCON_OK) return rc;
    axe_lines_t it;
    axe_lines_init(&it, buf, len);
    while ((line = axe_next_line(&it))) {
        if (axe_blank(line) || line[0] == '#') continue;
        int nt = axe_split(line, tok, 8);
        if (first) {
            first = 0;
            double dummy;
            if (nt >= 1 && axe_parse_double(tok[0], &dummy) != 0) continue; /* header line */
        }
        if (nt != 3) {
            rc = axcon_error_set(err, AXCON_EINPUT, "%s:%zu: expected 'i<TAB>j<TAB>distance', found %d column%s", name,
                                 it.lineno, nt, nt == 1 ? "" : "s");
            goto cleanup;
        }
        long i, j;
        double d;
        if (axe_parse_int(tok[0], &i) != 0 || axe_parse_int(tok[1], &j) != 0) {
            rc = axcon_error_set(err, AXCON_EINPUT, "%s:%zu: residue numbers '%s' '%s' are not whole numbers", name,
                                 it.lineno, tok[0], tok[1]);
            goto cleanup;
        }
        if (i < 1 || j < 1 || i > 100000000L || j > 100000000L || (length > 0 && (i > length || j > length))) {
            rc = axcon_error_set(err, AXCON_EINPUT, "%s:%zu: residue number %ld is outside 1..%d", name, it.lineno,
                                 (i < 1 || i > j) ? i : j, length > 0 ? length : 100000000);
            goto cleanup;
        }
        if (i == j) {
            rc = axcon_error_set(err, AXCON_EINPUT, "%s:%zu: pair of a residue with itself (%ld)", name, it.lineno, i);
            goto cleanup;
        }
        if (axe_parse_double(tok[2], &d) != 0 || !isfinite(d) || d < 0.0 || d > 1e6) {
            rc = axcon_error_set(err, AXCON_EINPUT, "%s:%zu: distance '%s' is not a non-negative number", name,
                                 it.lineno, tok[2]);
            goto cleanup;
        }
        if (n == cap) {
            size_t nc = cap ? 2 * cap : 4096;
            tline_t *nv = ax_realloc(v, nc, sizeof *nv, "truth pairs", err);
            if (!nv) {
                rc = AXCON_ENOMEM;
                goto cleanup;
            }
            v = nv;
            cap = nc;
        }
        v[n].p.i = (int)(i < j ? i : j);
        v[n].p.j = (int)(i < j ? j : i);
        v[n].p.d = d;
        v[n].line = it.lineno;
        if (v[n].p.j > maxpos) maxpos = v[n].p.j;
        n++;
    }
    if (n == 0) {
        rc = axcon_error_set(err, AXCON_EINPUT, "%s: no residue pairs found", name);
        goto cleanup;
    }
    qsort(v, n, sizeof *v, cmp_tline);
    for (size_t k = 1; k < n; k++)
        if (v[k].p.i == v[k - 1].p.i && v[k].p.j == v[k - 1].p.j) {
            rc = axcon_error_set(err, AXCON_EINPUT, "%s:%zu: pair %d %d listed again (first on line %zu)", name,
                                 v[k].line, v[k].p.i, v[k].p.j, v[k - 1].line);
            goto cleanup;
        }
    if (length <= 0) length = maxpos;
    obs = ax_alloc((size_t)length + 1, 1, 1, "truth positions", err);
    t = ax_alloc(1, sizeof *t, 1, "truth", err);
    if (!obs || !t) {
        rc = AXCON_ENOMEM;
        goto cleanup;
    }
    for (size_t k = 0; k < n; k++) obs[v[k].p.i] = obs[v[k].p.j] = 1;
    if ((rc = truth_alloc(t, length, obs, err)) != AXCON_OK) goto cleanup;
    t->pairs = ax_alloc(n, sizeof *t->pairs, 0, "truth pairs", err);
    if (!t->pairs) {
        rc = AXCON_ENOMEM;
        goto cleanup;
    }
    for (size_t k = 0; k < n; k++) {
        t->pairs[k] = v[k].p;
        t->tri[tri_index(t->nobs, t->obs_idx[v[k].p.i], t->obs_idx[v[k].p.j])] = (int32_t)k;
    }
    t->npairs = n;
    {
        size_t all = (size_t)t->nobs * (size_t)(t->nobs - 1) / 2;
        if (n < all)
            axcon_warn("%s: %zu of the %zu pairs of observed residues are not listed; they count as non-contacts",
                       name, all - n, all);
    }
    *out = t;
    t = NULL;
cleanup:
    axcon_truth_free(t);
    free(obs);
    free(v);
    free(buf);
    return rc;
}

/* ---- structure onto query ----------------------------------------------------------- */

#define AL_MATCH 5
#define AL_MISMATCH (-3)
#define AL_OPEN 11       /* gap of length k costs OPEN + EXTEND * (k - 1) */
#define AL_EXTEND 1
#define AL_OPEN_BREAK 2  /* query-side gap where the chain numbering jumps */
#define NEG_INF (INT_MIN / 4)

/* traceback bits per cell */
#define TB_M_MASK 3      /* M came from: 0 = M, 1 = Q (query gap), 2 = S (structure gap) */
#define TB_Q_EXT 4       /* Q came from Q (extend), else from M/S (open) */
#define TB_Q_FROM_S 8
#define TB_S_EXT 16      /* S came from S (extend), else from M/Q (open) */
#define TB_S_FROM_Q 32

static int sub_score(char a, char b)
{
    if (a == 'X' || b == 'X') return 0;
    return a == b ? AL_MATCH : AL_MISMATCH;
}

/* Align structure sequence a (n, residues res) to query b (m): map[k] = query position
 * (1-based) of structure residue k, or 0 when unaligned. */
static int align_chain(const char *a, const axcon_residue_t *res, size_t n, const char *b, size_t m, int *map,
                       axcon_error_t *err)
{
    size_t cells;
    if (ax_mul_ok(n + 1, m + 1, &cells) != 0)
        return axcon_error_set(err, AXCON_ENOMEM, "alignment of %zu x %zu residues too large", n, m);
    unsigned char *tb = ax_alloc(cells, 1, 0, "alignment traceback", err);
    int *rows = ax_alloc(6 * (m + 1), sizeof *rows, 0, "alignment rows", err);
    if (!tb || !rows) {
        free(tb);
        free(rows);
        return AXCON_ENOMEM;
    }
    int *Mp = rows, *Qp = rows + (m + 1), *Sp = rows + 2 * (m + 1);
    int *Mc = rows + 3 * (m + 1), *Qc = rows + 4 * (m + 1), *Sc = rows + 5 * (m + 1);
    /* row 0: only leading query residues, free */
    for (size_t q = 0; q <= m; q++) {
        Mp[q] = q == 0 ? 0 : NEG_INF;
        Qp[q] = q == 0 ? NEG_INF : 0;
        Sp[q] = NEG_INF;
        tb[q] = q > 1 ? TB_Q_EXT : 0;
    }
    for (size_t k = 1; k <= n; k++) {
        unsigned char *trow = tb + k * (m + 1);
        /* query-side gap opened after structure residue k (before k+1): numbering jump? */
        int end_row = k == n;
        int qopen = AL_OPEN;
        if (k < n && res[k].resseq - res[k - 1].resseq > 1) qopen = AL_OPEN_BREAK;
        for (size_t q = 0; q <= m; q++) {
            unsigned char t = 0;
            /* S: structure residue k unaligned (free at the query's ends) */
            int sfree = q == 0 || q == m;
            int so = sfree ? 0 : AL_OPEN, se = sfree ? 0 : AL_EXTEND;
            int fromM = Mp[q] == NEG_INF ? NEG_INF : Mp[q] - so;
            int fromQ = Qp[q] == NEG_INF ? NEG_INF : Qp[q] - so;
            int fromS = Sp[q] == NEG_INF ? NEG_INF : Sp[q] - se;
            int best = fromM;
            if (fromQ > best) {
                best = fromQ;
                t |= TB_S_FROM_Q;
            }
            if (fromS > best) {
                best = fromS;
                t = (unsigned char)((t & ~TB_S_FROM_Q) | TB_S_EXT);
            }
            Sc[q] = best;
            if (q == 0) {
                Mc[q] = NEG_INF;
                Qc[q] = NEG_INF;
                trow[q] = t;
                continue;
            }
            /* M: a[k-1] ~ b[q-1] */
            int prev = Mp[q - 1], src = 0;
            if (Qp[q - 1] > prev) {
                prev = Qp[q - 1];
                src = 1;
            }
            if (Sp[q - 1] > prev) {
                prev = Sp[q - 1];
                src = 2;
            }
            Mc[q] = prev == NEG_INF ? NEG_INF : prev + sub_score(a[k - 1], b[q - 1]);
            t |= (unsigned char)src;
            /* Q: query residue q unaligned after structure residue k (free at the chain's end) */
            int qo = end_row ? 0 : qopen, qe = end_row ? 0 : AL_EXTEND;
            int qm = Mc[q - 1] == NEG_INF ? NEG_INF : Mc[q - 1] - qo;
            int qs = Sc[q - 1] == NEG_INF ? NEG_INF : Sc[q - 1] - qo;
            int qq = Qc[q - 1] == NEG_INF ? NEG_INF : Qc[q - 1] - qe;
            best = qm;
            if (qs > best) {
                best = qs;
                t |= TB_Q_FROM_S;
            }
            if (qq > best) {
                best = qq;
                t = (unsigned char)((t & ~TB_Q_FROM_S) | TB_Q_EXT);
            }
            Qc[q] = best;
            trow[q] = t;
        }
        int *x;
        x = Mp; Mp = Mc; Mc = x;
        x = Qp; Qp = Qc; Qc = x;
        x = Sp; Sp = Sc; Sc = x;
    }
    /* end state at (n, m) */
    int state = 0, best = Mp[m];
    if (Qp[m] > best) { best = Qp[m]; state = 1; }
    if (Sp[m] > best) { best = Sp[m]; state = 2; }
    for (size_t k = 0; k < n; k++) map[k] = 0;
    size_t k = n, q = m;
    while (k > 0 || q > 0) {
        unsigned char t = tb[k * (m + 1) + q];
        if (k == 0) { q--; continue; }          /* leading query residues */
        if (q == 0) { k--; continue; }          /* leading structure residues */
        if (state == 0) {
            map[k - 1] = (int)q;
            state = t & TB_M_MASK;
            k--;
            q--;
        } else if (state == 1) {
            state = (t & TB_Q_EXT) ? 1 : ((t & TB_Q_FROM_S) ? 2 : 0);
            q--;
        } else {
            state = (t & TB_S_EXT) ? 2 : ((t & TB_S_FROM_Q) ? 1 : 0);
            k--;
        }
    }
    free(tb);
    free(rows);
    return AXCON_OK;
}

/* Align the selected chain of st to query q (uppercase, m residues): map[k] = query position
 * of chain residue k (0 = none); counts of aligned and identical residues, and of identical
 * residues with their representative atom. */
static int map_chain(const axcon_structure_t *st, const char *q, size_t m, int **mapp, size_t *aligned,
                     size_t *ident, size_t *covered, axcon_error_t *err)
{
    size_t n = axcon_structure_nres(st);
    const char *a = axcon_structure_seq(st);
    int rc;
    *mapp = NULL;
    int *map = ax_alloc(n ? n : 1, sizeof *map, 0, "residue map", err);
    axcon_residue_t *resv = ax_alloc(n ? n : 1, sizeof *resv, 0, "residues", err);
    if (!map || !resv) {
        free(map);
        free(resv);
        return AXCON_ENOMEM;
    }
    for (size_t k = 0; k < n; k++) resv[k] = *axcon_structure_residue(st, k);
    rc = align_chain(a, resv, n, q, m, map, err);
    *aligned = *ident = *covered = 0;
    for (size_t k = 0; rc == AXCON_OK && k < n; k++) {
        if (!map[k]) continue;
        ++*aligned;
        if (resv[k].aa == q[map[k] - 1]) {
            ++*ident;
            if (resv[k].has_rep) ++*covered;
        }
    }
    free(resv);
    if (rc != AXCON_OK) {
        free(map);
        return rc;
    }
    *mapp = map;
    return AXCON_OK;
}

static char *upper_query(const char *query, size_t m, axcon_error_t *err)
{
    char *b = ax_alloc(m + 1, 1, 0, "query", err);
    if (!b) return NULL;
    for (size_t q = 0; q < m; q++) {
        char c = query[q];
        b[q] = (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
    }
    b[m] = '\0';
    return b;
}

int axcon_structure_select_best(axcon_structure_t *st, const char *query, axcon_error_t *err)
{
    size_t m = query ? strlen(query) : 0, nch = axcon_structure_nchains(st), best = 0, best_cov = 0;
    if (m == 0) return axcon_error_set(err, AXCON_EUSAGE, "empty query sequence");
    if (m > 1000000) return axcon_error_set(err, AXCON_ERESOURCE, "query of %zu residues is too long", m);
    if (nch <= 1) return AXCON_OK;
    char *b = upper_query(query, m, err);
    if (!b) return AXCON_ENOMEM;
    int rc = AXCON_OK;
    for (size_t c = 0; c < nch; c++) {
        axcon_structure_select(st, c);
        if (axcon_structure_nres(st) == 0) continue;
        int *map = NULL;
        size_t al, id, cov;
        if ((rc = map_chain(st, b, m, &map, &al, &id, &cov, err)) != AXCON_OK) break;
        free(map);
        axcon_debug("chain '%s': %zu residues, %zu aligned, %zu identical with their atom", axcon_structure_chain(st),
                    axcon_structure_nres(st), al, cov);
        if (cov > best_cov) {
            best_cov = cov;
            best = c;
        }
    }
    free(b);
    axcon_structure_select(st, best);
    if (rc == AXCON_OK)
        axcon_info("chain '%s' (of %zu) covers the query best: %zu positions", axcon_structure_chain(st), nch,
                   best_cov);
    return rc;
}

int axcon_truth_from_structure(const axcon_structure_t *st, const char *query, axcon_truth_t **out,
                               axcon_error_t *err)
{
    size_t n = axcon_structure_nres(st), m = query ? strlen(query) : 0;
    int *map = NULL, rc;
    unsigned char *obs = NULL;
    axcon_truth_t *t = NULL;
    char *b = NULL;
    *out = NULL;
    if (m == 0) return axcon_error_set(err, AXCON_EUSAGE, "empty query sequence");
    if (m > 1000000) return axcon_error_set(err, AXCON_ERESOURCE, "query of %zu residues is too long", m);
    if (n == 0) return axcon_error_set(err, AXCON_EINPUT, "structure chain has no residues");
    b = upper_query(query, m, err);
    obs = ax_alloc(m + 1, 1, 1, "truth positions", err);
    t = ax_alloc(1, sizeof *t, 1, "truth", err);
    if (!b || !obs || !t) {
        rc = AXCON_ENOMEM;
        goto cleanup;
    }
    size_t aligned, ident, covered;
    if ((rc = map_chain(st, b, m, &map, &aligned, &ident, &covered, err)) != AXCON_OK) goto cleanup;
    t->res = ax_alloc(m + 1, sizeof *t->res, 1, "truth residues", err);
    if (!t->res) {
        rc = AXCON_ENOMEM;
        goto cleanup;
    }
    for (size_t k = 0; k < n; k++) {
        if (!map[k]) continue;
        const axcon_residue_t *r = axcon_structure_residue(st, k);
        t->res[map[k]] = *r;
        if (r->has_rep) obs[map[k]] = 1;
        if (axcon_log_get_level() >= AXCON_LOG_DEBUG)
            axcon_debug("residue %d%c %s -> query %d %c%s", r->resseq, r->icode, r->resname, map[k], b[map[k] - 1],
                        r->has_rep ? "" : " (no atom)");
    }
    axcon_info("chain '%s': %zu residues, %zu aligned to the %zu-residue query (%zu identical)",
               axcon_structure_chain(st), n, aligned, m, ident);
    if (aligned == 0) {
        rc = axcon_error_set(err, AXCON_EINPUT, "the structure's chain '%s' does not align to the query sequence",
                             axcon_structure_chain(st));
        goto cleanup;
    }
    if (ident * 10 < aligned * 9 || aligned * 2 < n)
        axcon_warn("chain '%s' matches the query poorly (%zu of %zu residues aligned, %zu identical): "
                   "check --chain and the query",
                   axcon_structure_chain(st), aligned, n, ident);
    if ((rc = truth_alloc(t, (int)m, obs, err)) != AXCON_OK) goto cleanup;
    {
        size_t np = (size_t)t->nobs * (size_t)(t->nobs > 0 ? t->nobs - 1 : 0) / 2;
        t->pairs = ax_alloc(np ? np : 1, sizeof *t->pairs, 0, "truth pairs", err);
        if (!t->pairs) {
            rc = AXCON_ENOMEM;
            goto cleanup;
        }
        size_t k = 0;
        for (int x = 0; x < t->nobs; x++) {
            const double *p = t->res[t->obs_pos[x]].rep;
            for (int y = x + 1; y < t->nobs; y++) {
                const double *r = t->res[t->obs_pos[y]].rep;
                double dx = p[0] - r[0], dy = p[1] - r[1], dz = p[2] - r[2];
                t->pairs[k].i = t->obs_pos[x];
                t->pairs[k].j = t->obs_pos[y];
                t->pairs[k].d = round3(sqrt(dx * dx + dy * dy + dz * dz));
                t->tri[tri_index(t->nobs, x, y)] = (int32_t)k;
                k++;
            }
        }
        t->npairs = k;
    }
    *out = t;
    t = NULL;
cleanup:
    axcon_truth_free(t);
    free(obs);
    free(map);
    free(b);
    return rc;
}

int axcon_truth_write(const axcon_truth_t *t, const char *path, axcon_error_t *err)
{
    axcon_ofile_t *of = NULL;
    int rc = axcon_ofile_open(path, &of, err);
    if (rc != AXCON_OK) return rc;
    FILE *fp = axcon_ofile_fp(of);
    for (size_t k = 0; k < t->npairs; k++)
        if (fprintf(fp, "%d\t%d\t%.3f\n", t->pairs[k].i, t->pairs[k].j, t->pairs[k].d) < 0) break;
    return axcon_ofile_commit(of, err);
}

/* ---- precision ----------------------------------------------------------------------- */

static const char *g_range_names[AXCON_NRANGES] = {"short", "medium", "long", "medium_long", "all"};

const char *axcon_range_name(axcon_range_t r) { return (unsigned)r < AXCON_NRANGES ? g_range_names[r] : "?"; }

int axcon_range_has(axcon_range_t r, int s)
{
    if (s < 0) s = -s;
    switch (r) {
    case AXCON_RANGE_SHORT: return s >= 6 && s < 12;
    case AXCON_RANGE_MEDIUM: return s >= 12 && s < 24;
    case AXCON_RANGE_LONG: return s >= 24;
    case AXCON_RANGE_MEDIUM_LONG: return s >= 12;
    case AXCON_RANGE_ALL: return s >= 6;
    default: return 0;
    }
}

int axcon_eval_precision(const axcon_truth_t *t, const axcon_pred_t *pred, axcon_eval_result_t *res,
                         axcon_error_t *err)
{
    static const int ks[AXCON_NTOPS] = {1, 2, 5};
    memset(res, 0, sizeof *res);
    res->length = t->nobs;
    if (t->nobs < 2) return axcon_error_set(err, AXCON_EINPUT, "fewer than two observed residues: nothing to evaluate");
    for (int k = 0; k < AXCON_NTOPS; k++) {
        res->top_k[k] = ks[k];
        res->ntop[k] = t->nobs / ks[k] > 1 ? t->nobs / ks[k] : 1;
    }
    /* true contacts per range (for reference) */
    for (size_t k = 0; k < t->npairs; k++) {
        if (!(t->pairs[k].d < AXCON_CONTACT_CUTOFF)) continue;
        int s = t->pairs[k].j - t->pairs[k].i;
        for (int r = 0; r < AXCON_NRANGES; r++)
            if (axcon_range_has((axcon_range_t)r, s)) res->ncontacts[r]++;
    }
    /* the prediction list is already in rank order (score desc, then i, then j) */
    size_t np = axcon_pred_npairs(pred);
    const axcon_pred_pair_t *pp = axcon_pred_pairs(pred);
    for (size_t k = 0; k < np; k++) {
        int i = pp[k].i, j = pp[k].j, s = j - i;
        if (s < 6 || !axcon_truth_observed(t, i) || !axcon_truth_observed(t, j)) {
            res->ndropped++;
            continue;
        }
        int contact = axcon_truth_contact(t, i, j);
        for (int r = 0; r < AXCON_NRANGES; r++) {
            if (!axcon_range_has((axcon_range_t)r, s)) continue;
            size_t rank = ++res->nranked[r];
            if (!contact) continue;
            for (int x = 0; x < AXCON_NTOPS; x++)
                if (rank <= (size_t)res->ntop[x]) res->correct[r][x]++;
        }
    }
    for (int r = 0; r < AXCON_NRANGES; r++)
        for (int x = 0; x < AXCON_NTOPS; x++) res->precision[r][x] = (double)res->correct[r][x] / res->ntop[x];
    return AXCON_OK;
}

size_t axcon_eval_result_sizeof(void) { return sizeof(axcon_eval_result_t); }
