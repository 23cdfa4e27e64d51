/* prep.c - owns the prepared alignment of axcon/prep.h: grouping the rows once (the
 * project's one row hash, core/rows.h), the weights of the distinct rows (axcon/weights.h),
 * the summed row weights, Neff and the single-site frequencies, and the accessors. */
#include "axcon/prep.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "axcon/encode.h"
#include "axcon/log.h"
#include "axcon/weights.h"
#include "core/rows.h"
#include "core/util.h"

struct axcon_prep {
    const axcon_msa_t *msa; /* borrowed; NULL when made from codes */
    double id_threshold;    /* 0 = the caller's weights */
    size_t N, L, nu;
    uint8_t *rows;          /* nu x L distinct rows, first-occurrence order */
    size_t *mult;           /* nu: copies of positive weight */
    double *wu;             /* nu: their weights added in sequence order */
    double *w;              /* N: weight of each sequence */
    size_t *gid;            /* N: distinct row of each sequence (SIZE_MAX: weight 0) */
    double neff;
    double *f;              /* L x 21 */
};

void axcon_prep_free(axcon_prep_t *p)
{
    if (!p) return;
    free(p->rows);
    free(p->mult);
    free(p->wu);
    free(p->w);
    free(p->gid);
    free(p->f);
    free(p);
}

/* Everything from the rows and either the caller's weights (p->w set, threshold 0) or the
 * identity threshold to compute them with. */
static int build(axcon_prep_t *p, const uint8_t *codes, double threshold, axcon_error_t *err)
{
    const size_t N = p->N, L = p->L;
    const int given = !(threshold > 0.0);
    size_t *first = NULL, nl;
    int st = AXCON_OK;
    if (ax_mul_ok(N, L, &nl) != 0 || ax_mul_ok(L, AXCON_Q, &(size_t){0}) != 0)
        return axcon_error_set(err, AXCON_ENOMEM, "prepared alignment: %zu x %zu too large", N, L);
    if (!(p->gid = ax_alloc(N, sizeof *p->gid, 0, "prepared alignment (row groups)", err)) ||
        !(first = ax_alloc(N, sizeof *first, 0, "prepared alignment (first rows)", err)) ||
        !(p->f = ax_alloc(L * AXCON_Q, sizeof *p->f, 0, "prepared alignment (frequencies)", err))) {
        st = AXCON_ENOMEM;
        goto done;
    }
    /* the caller's weights and codes are checked by the frequencies (encode stage) first */
    if (given && (st = axcon_freq1(codes, N, L, p->w, p->f, err)) != AXCON_OK) goto done;
    /* identity weights depend on the rows only: group every row, then weigh the groups */
    if ((st = ax_row_groups(codes, N, L, given ? p->w : NULL, p->gid, first, &p->nu, err)) != AXCON_OK) goto done;
    if (p->nu == 0) {
        st = axcon_error_set(err, AXCON_EINPUT, "no sequence with a positive weight");
        goto done;
    }
    const size_t nu = p->nu;
    if (!(p->rows = ax_alloc(nu * L + 1, 1, 0, "prepared alignment (distinct rows)", err)) ||
        !(p->mult = ax_alloc(nu, sizeof *p->mult, 1, "prepared alignment (multiplicities)", err)) ||
        !(p->wu = ax_alloc(nu, sizeof *p->wu, 1, "prepared alignment (row weights)", err))) {
        st = AXCON_ENOMEM;
        goto done;
    }
    for (size_t u = 0; u < nu; u++) memcpy(p->rows + u * L, codes + first[u] * L, L);
    for (size_t n = 0; n < N; n++)
        if (p->gid[n] != SIZE_MAX) p->mult[p->gid[n]]++;
    if (!given) {
        if (!(p->w = ax_alloc(N, sizeof *p->w, 0, "sequence weights", err))) {
            st = AXCON_ENOMEM;
            goto done;
        }
        /* the distinct rows' weights go to wu for the moment, then out to the sequences */
        if ((st = axcon_weights_identity_distinct(p->rows, nu, L, p->mult, threshold, p->wu, err)) != AXCON_OK)
            goto done;
        for (size_t n = 0; n < N; n++) p->w[n] = p->wu[p->gid[n]];
        memset(p->wu, 0, nu * sizeof *p->wu);
    }
    for (size_t n = 0; n < N; n++)
        if (p->gid[n] != SIZE_MAX) p->wu[p->gid[n]] += p->w[n];
    if ((st = axcon_weights_sum(p->w, N, &p->neff, err)) != AXCON_OK) goto done;
    if (!given && (st = axcon_freq1(codes, N, L, p->w, p->f, err)) != AXCON_OK) goto done;
    axcon_debug("prepared alignment: %zu sequences, %zu distinct, %zu columns, Neff %.4f", N, nu, L, p->neff);
done:
    free(first);
    return st;
}

int axcon_prep_new(const axcon_msa_t *msa, double id_threshold, axcon_prep_t **out, axcon_error_t *err)
{
    *out = NULL;
    if (!msa) return axcon_error_set(err, AXCON_EUSAGE, "prepared alignment: no alignment");
    if (!(id_threshold > 0.0) || id_threshold >= 1.0 + 1e-9)
        return axcon_error_set(err, AXCON_EUSAGE, "identity threshold must be in (0,1], got %g", id_threshold);
    size_t N = axcon_msa_nseq(msa), L = axcon_msa_ncol(msa);
    if (N == 0 || L == 0)
        return axcon_error_set(err, AXCON_EINPUT, "alignment has %zu sequences and %zu columns", N, L);
    axcon_prep_t *p = ax_alloc(1, sizeof *p, 1, "prepared alignment", err);
    if (!p) return AXCON_ENOMEM;
    p->msa = msa;
    p->id_threshold = id_threshold;
    p->N = N;
    p->L = L;
    int st = build(p, axcon_msa_data(msa), id_threshold, err);
    if (st != AXCON_OK) {
        axcon_prep_free(p);
        return st;
    }
    *out = p;
    return AXCON_OK;
}

int axcon_prep_from_codes(const uint8_t *codes, size_t nseq, size_t ncol, const double *w, axcon_prep_t **out,
                          axcon_error_t *err)
{
    *out = NULL;
    int st;
    if (!codes || nseq == 0 || ncol == 0)
        return axcon_error_set(err, AXCON_EINPUT, "alignment has %zu sequences and %zu columns", nseq, ncol);
    axcon_prep_t *p = ax_alloc(1, sizeof *p, 1, "prepared alignment", err);
    if (!p) return AXCON_ENOMEM;
    p->N = nseq;
    p->L = ncol;
    if (!(p->w = ax_alloc(nseq, sizeof *p->w, 0, "sequence weights", err))) {
        axcon_prep_free(p);
        return AXCON_ENOMEM;
    }
    for (size_t n = 0; n < nseq; n++) p->w[n] = w ? w[n] : 1.0;
    if ((st = build(p, codes, 0.0, err)) != AXCON_OK) {
        axcon_prep_free(p);
        return st;
    }
    *out = p;
    return AXCON_OK;
}

size_t axcon_prep_nseq(const axcon_prep_t *p) { return p->N; }
size_t axcon_prep_ncol(const axcon_prep_t *p) { return p->L; }
size_t axcon_prep_ndistinct(const axcon_prep_t *p) { return p->nu; }
const uint8_t *axcon_prep_rows(const axcon_prep_t *p) { return p->rows; }
const size_t *axcon_prep_mult(const axcon_prep_t *p) { return p->mult; }
const double *axcon_prep_row_weights(const axcon_prep_t *p) { return p->wu; }
const double *axcon_prep_seq_weights(const axcon_prep_t *p) { return p->w; }
const size_t *axcon_prep_seq_row(const axcon_prep_t *p) { return p->gid; }
double axcon_prep_neff(const axcon_prep_t *p) { return p->neff; }
const double *axcon_prep_freq(const axcon_prep_t *p) { return p->f; }
const axcon_msa_t *axcon_prep_msa(const axcon_prep_t *p) { return p->msa; }
double axcon_prep_id_threshold(const axcon_prep_t *p) { return p->id_threshold; }
