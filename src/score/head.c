/* head.c - owns the contact head of axcon/head.h: the per-pair features over APC-corrected
 * score maps (z-scores, diagonal context, neighbour windows, column gap and entropy) and the
 * fitted constants of their logistic combination. Serial sums in a fixed order. */
#include "axcon/head.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

/* Fitted by scripts/fit_head.py on the 44 shared families that have CCMpred reference rows
 * (features of `axcon predict --no-head -f mat` and `-m mf -f mat`, default options, this
 * version of attn; the features in the order of axcon/head.h, on their natural scale;
 * family-weighted L2 logistic regression over the pairs |i-j| >= 6 whose residues are observed,
 * label C-beta < 8 A; negatives subsampled 1 in 4, weight 4): 10 constants, plus alpha.
 * Leave-one-alignment-out CV (42 groups), mean long-range top-L / top-L/5 over the 44
 * (CCMpred's reference: 0.235 / 0.450):
 *   attn alone 0.238 / 0.464; head alpha 0: 0.293 / 0.472; alpha 0.3: 0.290 / 0.481;
 *   alpha 0.5: 0.290 / 0.482; alpha 0.8: 0.282 / 0.485.
 *   Shallow families (N < 300, 16): attn alone 0.061 / 0.136, head alpha 0.3 0.076 / 0.138
 *   (-m plm 0.059 / 0.110).
 * On the features of an earlier attn build the same CV gave 0.291 / 0.476 at alpha 0.3, and a
 * nested CV that picked alpha by inner 5-fold CV in each outer fold gave 0.290 / 0.470 (picks
 * 0.15-0.5, median 0.3): the top-L/5 gain (+0.006 to +0.017) is within the family-to-family
 * noise; the top-L gain (+0.05) is not. The coefficients varied little between folds.
 * The head's output ranks pairs; it is not a probability (contacts.c calibrates ranks). */
static const double g_coef[AXCON_HEAD_NFEAT] = {0.32423, 0.298767, -0.156898, 0.0296867, 1.19696,
                                                -0.198277, 0.325512, -1.06879, -0.291637};
static const double g_intercept = -2.10574;
static const double g_alpha = 0.3; /* weight of z_F added to the z-scored logit (CV above) */

int axcon_head_column_stats(const axcon_prep_t *p, double *gap, double *ent, axcon_error_t *err)
{
    if (!p || !gap || !ent) return axcon_error_set(err, AXCON_EUSAGE, "head: NULL argument");
    const size_t L = axcon_prep_ncol(p);
    const double *f = axcon_prep_freq(p);
    for (size_t i = 0; i < L; i++) {
        double h = 0.0;
        for (int a = 0; a < AXCON_Q; a++) {
            double q = f[i * AXCON_Q + a];
            if (q > 0.0) h -= q * log(q);
        }
        gap[i] = f[i * AXCON_Q + AXCON_GAP];
        ent[i] = h;
    }
    return AXCON_OK;
}

/* z-score of the off-diagonal entries of a symmetric n x n matrix into Z (diagonal 0). */
static void zscore(size_t n, const double *S, double *Z)
{
    double s = 0.0, ss = 0.0, cnt = (double)n * (double)(n - 1) / 2.0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) s += S[i * n + j];
    double mu = s / cnt;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) ss += (S[i * n + j] - mu) * (S[i * n + j] - mu);
    double sd = sqrt(ss / cnt);
    if (!(sd > 0.0) || !isfinite(sd)) sd = 1.0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) Z[i * n + j] = i == j ? 0.0 : (S[i * n + j] - mu) / sd;
}

static double at(const double *Z, size_t n, long i, long j)
{
    return (i < 0 || j < 0 || i >= (long)n || j >= (long)n) ? 0.0 : Z[(size_t)i * n + (size_t)j];
}

/* max of the parallel and antiparallel diagonal-neighbour sums (computed for i < j, mirrored) */
static void ctx_map(size_t n, const double *Z, double *out)
{
    for (long i = 0; i < (long)n; i++) {
        out[(size_t)i * n + (size_t)i] = 0.0;
        for (long j = i + 1; j < (long)n; j++) {
            double par = at(Z, n, i - 1, j - 1) + at(Z, n, i + 1, j + 1);
            double anti = at(Z, n, i - 1, j + 1) + at(Z, n, i + 1, j - 1);
            out[(size_t)i * n + (size_t)j] = out[(size_t)j * n + (size_t)i] = par > anti ? par : anti;
        }
    }
}

/* mean of the (2r+1)^2 - 1 window entries around (i, j), outside = 0 (i < j, mirrored) */
static void box_map(size_t n, const double *Z, long r, double *out)
{
    double cnt = (double)((2 * r + 1) * (2 * r + 1) - 1);
    for (long i = 0; i < (long)n; i++) {
        out[(size_t)i * n + (size_t)i] = 0.0;
        for (long j = i + 1; j < (long)n; j++) {
            double s = 0.0;
            for (long u = -r; u <= r; u++)
                for (long v = -r; v <= r; v++)
                    if (u || v) s += at(Z, n, i + u, j + v);
            out[(size_t)i * n + (size_t)j] = out[(size_t)j * n + (size_t)i] = s / cnt;
        }
    }
}

static int check_args(size_t n, const double *F, const double *M, const double *gap, const double *ent,
                      const double *out, axcon_error_t *err)
{
    if (!F || !M || !gap || !ent || !out) return axcon_error_set(err, AXCON_EUSAGE, "head: NULL argument");
    if (n < 2) return axcon_error_set(err, AXCON_EINPUT, "head: need at least 2 columns (got %zu)", n);
    return AXCON_OK;
}

/* Feature k into out; ZF, ZM = z-scored F, M. */
static void feature(int k, size_t n, const double *ZF, const double *ZM, const double *gap, const double *ent,
                    double *out)
{
    switch (k) {
    case 0: memcpy(out, ZF, n * n * sizeof *out); break;
    case 1: memcpy(out, ZM, n * n * sizeof *out); break;
    case 2: ctx_map(n, ZF, out); break;
    case 3: ctx_map(n, ZM, out); break;
    case 4: box_map(n, ZF, 1, out); break;
    case 5: box_map(n, ZM, 1, out); break;
    case 6: box_map(n, ZF, 2, out); break;
    default: {
        const double *c = k == 7 ? gap : ent;
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++) out[i * n + j] = i == j ? 0.0 : c[i] + c[j];
    }
    }
}

int axcon_head_features(size_t n, const double *F, const double *M, const double *gap, const double *ent, double *X,
                        axcon_error_t *err)
{
    int rc = check_args(n, F, M, gap, ent, X, err);
    if (rc != AXCON_OK) return rc;
    size_t nn = n * n;
    double *ZF = ax_alloc(nn, sizeof *ZF, 0, "head: z-scores", err);
    double *ZM = ZF ? ax_alloc(nn, sizeof *ZM, 0, "head: z-scores", err) : NULL;
    if (!ZF || !ZM) {
        free(ZF);
        return AXCON_ENOMEM;
    }
    zscore(n, F, ZF);
    zscore(n, M, ZM);
    for (int k = 0; k < AXCON_HEAD_NFEAT; k++) feature(k, n, ZF, ZM, gap, ent, X + (size_t)k * nn);
    free(ZF);
    free(ZM);
    return AXCON_OK;
}

int axcon_head_scores(size_t n, const double *F, const double *M, const double *gap, const double *ent, double *out,
                      axcon_error_t *err)
{
    int rc = check_args(n, F, M, gap, ent, out, err);
    if (rc != AXCON_OK) return rc;
    size_t nn = n * n;
    double *ZF = NULL, *ZM = NULL, *tmp = NULL;
    if (!(ZF = ax_alloc(nn, sizeof *ZF, 0, "head: z-scores", err)) ||
        !(ZM = ax_alloc(nn, sizeof *ZM, 0, "head: z-scores", err)) ||
        !(tmp = ax_alloc(nn, sizeof *tmp, 0, "head: feature map", err))) {
        rc = AXCON_ENOMEM;
        goto done;
    }
    zscore(n, F, ZF);
    zscore(n, M, ZM);
    for (size_t t = 0; t < nn; t++) out[t] = g_intercept;
    for (int k = 0; k < AXCON_HEAD_NFEAT; k++) { /* every feature map is exactly symmetric */
        feature(k, n, ZF, ZM, gap, ent, tmp);
        for (size_t t = 0; t < nn; t++) out[t] += g_coef[k] * tmp[t];
    }
    zscore(n, out, tmp);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) out[i * n + j] = i == j ? 0.0 : tmp[i * n + j] + g_alpha * ZF[i * n + j];
    for (size_t t = 0; t < nn; t++)
        if (!isfinite(out[t])) {
            rc = axcon_error_set(err, AXCON_EINTERNAL, "head: non-finite score at columns %zu,%zu", t / n, t % n);
            goto done;
        }
done:
    free(ZF);
    free(ZM);
    free(tmp);
    return rc;
}
