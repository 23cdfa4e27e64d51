/* encode.c - owns stage 3: weighted single frequencies, pseudocounts, duplicate collapsing,
 * the centred weighted column encoding Z and the dense pair-frequency / covariance matrix
 * (see axcon/encode.h for the formulas).
 *
 * Pair statistics. The covariance is the Gram matrix of the one-hot encoding, but for
 * one-hot data the product X^T W X (2 N (Lq)^2 flops) is wasteful: every sequence adds its
 * weight to exactly one cell of each column pair's 21 x 21 table, so counting costs
 * N L^2 / 2 additions. Rows are first collapsed (identical sequences summed) and stored
 * column-major so a pair (i, j) streams two contiguous byte columns. One thread owns a
 * column i and a block of AX_JB partner columns j at a time, accumulating AX_JB small
 * tables that stay in L1 (the independent tables also break the store-to-load dependency
 * of conserved columns hitting the same cell). Each output block is written by exactly one
 * thread and sums in sequence order, so results do not depend on the thread count. */
#include "axcon/encode.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "axcon/msa.h"
#include "axcon/prep.h"
#include "core/rows.h"
#include "core/util.h"

#define AX_Q AXCON_Q
#define AX_QQ (AXCON_Q * AXCON_Q)
#define AX_JB 4 /* partner columns per pass of the counting kernel */

int axcon_weights_sum(const double *w, size_t nseq, double *meff, axcon_error_t *err)
{
    double s = 0.0;
    for (size_t n = 0; n < nseq; n++) {
        if (!isfinite(w[n]) || w[n] < 0.0)
            return axcon_error_set(err, AXCON_EINPUT, "sequence weight %zu is %g (must be finite and >= 0)", n + 1,
                                   w[n]);
        s += w[n];
    }
    if (!(s > 0.0) || !isfinite(s))
        return axcon_error_set(err, AXCON_EINPUT, "sum of sequence weights is %g (must be > 0)", s);
    *meff = s;
    return AXCON_OK;
}

static int check_codes(const uint8_t *codes, size_t nseq, size_t ncol, axcon_error_t *err)
{
    size_t nl = nseq * ncol;
    for (size_t k = 0; k < nl; k++)
        if (codes[k] > AXCON_GAP)
            return axcon_error_set(err, AXCON_EINPUT, "state code %u at sequence %zu, column %zu is out of range 0..20",
                                   (unsigned)codes[k], k / ncol + 1, k % ncol + 1);
    return AXCON_OK;
}

int axcon_freq1(const uint8_t *codes, size_t nseq, size_t ncol, const double *w, double *f, axcon_error_t *err)
{
    double meff;
    int st;
    size_t nf;
    if (ax_mul_ok(ncol, AX_Q, &nf) != 0 || ax_mul_ok(nseq, ncol, &(size_t){0}) != 0)
        return axcon_error_set(err, AXCON_ENOMEM, "frequencies: %zu x %zu alignment too large", nseq, ncol);
    if ((st = axcon_weights_sum(w, nseq, &meff, err)) != AXCON_OK) return st;
    if ((st = check_codes(codes, nseq, ncol, err)) != AXCON_OK) return st;
    memset(f, 0, nf * sizeof *f);
    for (size_t n = 0; n < nseq; n++) {
        const uint8_t *x = codes + n * ncol;
        double wn = w[n];
        if (wn == 0.0) continue;
        for (size_t i = 0; i < ncol; i++) f[i * AX_Q + x[i]] += wn;
    }
    for (size_t k = 0; k < nf; k++) f[k] /= meff;
    return AXCON_OK;
}

void axcon_freq1_pseudocount(double *f, size_t ncol, double lambda)
{
    size_t nf = ncol * AX_Q;
    for (size_t k = 0; k < nf; k++) f[k] = (1.0 - lambda) * f[k] + lambda / AX_Q;
}

int axcon_collapse_duplicates(const uint8_t *codes, size_t nseq, size_t ncol, const double *w, uint8_t *uniq,
                              double *wu, size_t *nuniq, axcon_error_t *err)
{
    size_t nu = 0;
    size_t *gid = ax_alloc(nseq ? nseq : 1, sizeof *gid, 0, "duplicate rows (groups)", err);
    size_t *first = ax_alloc(nseq ? nseq : 1, sizeof *first, 0, "duplicate rows (first rows)", err);
    int st = gid && first ? ax_row_groups(codes, nseq, ncol, w, gid, first, &nu, err) : AXCON_ENOMEM;
    if (st == AXCON_OK) {
        /* first[u] >= u, and a row is read only before its slot is written: safe in place */
        for (size_t u = 0; u < nu; u++)
            if (uniq + u * ncol != codes + first[u] * ncol) memmove(uniq + u * ncol, codes + first[u] * ncol, ncol);
        for (size_t u = 0; u < nu; u++) wu[u] = 0.0;
        for (size_t n = 0; n < nseq; n++)
            if (gid[n] != SIZE_MAX) wu[gid[n]] += w[n];
        *nuniq = nu;
    }
    free(gid);
    free(first);
    return st;
}

int axcon_encode_centered(const uint8_t *codes, size_t nseq, size_t ncol, const double *w, const double *f, int qk,
                          double *Z, axcon_error_t *err)
{
    double meff;
    int st;
    size_t D;
    if (qk != AX_Q && qk != AX_Q - 1)
        return axcon_error_set(err, AXCON_EUSAGE, "encode: kept states must be 20 or 21, got %d", qk);
    if (ax_mul_ok(ncol, (size_t)qk, &D) != 0 || ax_mul_ok(nseq, D, &(size_t){0}) != 0)
        return axcon_error_set(err, AXCON_ENOMEM, "encode: %zu x %zu alignment too large", nseq, ncol);
    if ((st = axcon_weights_sum(w, nseq, &meff, err)) != AXCON_OK) return st;
    if ((st = check_codes(codes, nseq, ncol, err)) != AXCON_OK) return st;
    long nn = (long)nseq;
#pragma omp parallel for schedule(static)
    for (long n = 0; n < nn; n++) {
        double s = sqrt(w[n] / meff);
        const uint8_t *x = codes + (size_t)n * ncol;
        double *z = Z + (size_t)n * D;
        for (size_t i = 0; i < ncol; i++) {
            const double *fi = f + i * AX_Q;
            double *zi = z + i * (size_t)qk;
            for (int a = 0; a < qk; a++) zi[a] = -s * fi[a];
            if (x[i] < qk) zi[x[i]] += s;
        }
    }
    return AXCON_OK;
}

/* Accumulate the 21 x 21 weight tables of column ci against nb (1..AX_JB) partner columns. */
static void count_pairs(const uint8_t *ci, const uint8_t *const *cj, int nb, const double *wu, size_t nu, double *t)
{
    memset(t, 0, (size_t)nb * AX_QQ * sizeof *t);
    if (nb == AX_JB) {
        const uint8_t *c0 = cj[0], *c1 = cj[1], *c2 = cj[2], *c3 = cj[3];
        double *t0 = t, *t1 = t + AX_QQ, *t2 = t + 2 * AX_QQ, *t3 = t + 3 * AX_QQ;
        for (size_t n = 0; n < nu; n++) {
            size_t b = (size_t)ci[n] * AX_Q;
            double wn = wu[n];
            t0[b + c0[n]] += wn;
            t1[b + c1[n]] += wn;
            t2[b + c2[n]] += wn;
            t3[b + c3[n]] += wn;
        }
        return;
    }
    for (int k = 0; k < nb; k++) {
        const uint8_t *c = cj[k];
        double *tk = t + (size_t)k * AX_QQ;
        for (size_t n = 0; n < nu; n++) tk[(size_t)ci[n] * AX_Q + c[n]] += wu[n];
    }
}

/* Mirror the upper block triangle of the D x D matrix into the lower one, in tiles. */
static void mirror_upper(double *M, size_t D)
{
    const size_t T = 64;
    long nt = (long)((D + T - 1) / T);
#pragma omp parallel for schedule(dynamic, 1)
    for (long rt = 1; rt < nt; rt++) {
        size_t r0 = (size_t)rt * T, r1 = r0 + T < D ? r0 + T : D;
        for (size_t c0 = 0; c0 < r0; c0 += T) /* tile (rt, c0) strictly below the diagonal */
            for (size_t r = r0; r < r1; r++)
                for (size_t c = c0; c < c0 + T; c++) M[r * D + c] = M[c * D + r];
        for (size_t r = r0; r < r1; r++) /* the diagonal tile's lower part */
            for (size_t c = r0; c < r; c++) M[r * D + c] = M[c * D + r];
    }
    for (size_t r = 1; r < (D < T ? D : T); r++)
        for (size_t c = 0; c < r; c++) M[r * D + c] = M[c * D + r];
}

int axcon_prep_pair_matrix(const axcon_prep_t *p, int qk, double lambda, int flags, double *M, axcon_error_t *err)
{
    const int centered = (flags & AXCON_PAIR_CENTERED) != 0;
    int st = AXCON_OK;
    double *f = NULL, *tab = NULL;
    uint8_t *cc = NULL;
    if (!p) return axcon_error_set(err, AXCON_EUSAGE, "pair matrix: no prepared alignment");
    const size_t ncol = axcon_prep_ncol(p), nu = axcon_prep_ndistinct(p);
    const uint8_t *uniq = axcon_prep_rows(p);
    const double *wu = axcon_prep_row_weights(p), meff = axcon_prep_neff(p);
    size_t D;
    if (qk != AX_Q && qk != AX_Q - 1)
        return axcon_error_set(err, AXCON_EUSAGE, "pair matrix: kept states must be 20 or 21, got %d", qk);
    if (!(lambda >= 0.0 && lambda < 1.0))
        return axcon_error_set(err, AXCON_EUSAGE, "pseudocount must be in [0,1), got %g", lambda);
    if (ax_mul_ok(ncol, (size_t)qk, &D) != 0 || ax_mul_ok(D, D, &(size_t){0}) != 0)
        return axcon_error_set(err, AXCON_ENOMEM, "pair matrix: %zu columns too many", ncol);

    /* column-major copy of the distinct rows */
    if (!(f = ax_alloc(ncol * AX_Q + 1, sizeof *f, 0, "frequencies", err)) ||
        !(cc = ax_alloc(ncol * nu + 1, 1, 0, "column-major alignment", err))) {
        st = AXCON_ENOMEM;
        goto done;
    }
    memcpy(f, axcon_prep_freq(p), ncol * AX_Q * sizeof *f);
    for (size_t n = 0; n < nu; n++)
        for (size_t i = 0; i < ncol; i++) cc[i * nu + n] = uniq[n * ncol + i];
    axcon_freq1_pseudocount(f, ncol, lambda);

    int nth = ax_max_threads();
    if (!(tab = ax_alloc((size_t)nth * AX_JB * AX_QQ, sizeof *tab, 0, "pair tables", err))) {
        st = AXCON_ENOMEM;
        goto done;
    }
    const double a1 = 1.0 - lambda, c2 = lambda / ((double)AX_Q * AX_Q);
    long nc = (long)ncol;
#pragma omp parallel for schedule(dynamic, 1)
    for (long il = 0; il < nc; il++) {
        size_t i = (size_t)il;
#ifdef _OPENMP
        double *t = tab + (size_t)omp_get_thread_num() * AX_JB * AX_QQ;
#else
        double *t = tab;
#endif
        const double *fi = f + i * AX_Q;
        /* diagonal block: diag(f'_i) (- f'_i f'_i^T) */
        for (int a = 0; a < qk; a++) {
            double *row = M + (i * qk + (size_t)a) * D + i * qk;
            for (int b = 0; b < qk; b++) row[b] = (a == b ? fi[a] : 0.0) - (centered ? fi[a] * fi[b] : 0.0);
        }
        for (size_t j0 = i + 1; j0 < ncol; j0 += AX_JB) {
            int nb = (int)(ncol - j0 < AX_JB ? ncol - j0 : AX_JB);
            const uint8_t *cj[AX_JB];
            for (int k = 0; k < nb; k++) cj[k] = cc + (j0 + (size_t)k) * nu;
            count_pairs(cc + i * nu, cj, nb, wu, nu, t);
            for (int k = 0; k < nb; k++) {
                size_t j = j0 + (size_t)k;
                const double *tk = t + (size_t)k * AX_QQ, *fj = f + j * AX_Q;
                for (int a = 0; a < qk; a++) {
                    double *row = M + (i * qk + (size_t)a) * D + j * qk;
                    for (int b = 0; b < qk; b++) {
                        double v = a1 * (tk[a * AX_Q + b] / meff) + c2;
                        if (centered) v -= fi[a] * fj[b];
                        row[b] = v;
                    }
                }
            }
        }
    }
    if (!(flags & AXCON_PAIR_UPPER)) mirror_upper(M, D);
done:
    free(f);
    free(cc);
    free(tab);
    return st;
}

int axcon_pair_matrix(const uint8_t *codes, size_t nseq, size_t ncol, const double *w, int qk, double lambda,
                      int flags, double *M, axcon_error_t *err)
{
    axcon_prep_t *p = NULL;
    int st = axcon_prep_from_codes(codes, nseq, ncol, w, &p, err);
    if (st == AXCON_OK) st = axcon_prep_pair_matrix(p, qk, lambda, flags, M, err);
    axcon_prep_free(p);
    return st;
}
