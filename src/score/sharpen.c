/* sharpen.c - owns the score post-processing of docs/METHOD.md "Sharpening by attention"
 * (declared in axcon/contacts.h): z-scoring, the row softmax with temperature, symmetrisation and
 * APC, stacked passes, and the diagonal context term. Serial sums in a fixed order, so the
 * result does not depend on the thread count. */
#include "axcon/contacts.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

/* Replace the off-diagonal entries by their z-scores (diagonal set to 0). */
static void zscore(double *S, size_t n)
{
    double s = 0.0, ss = 0.0, cnt = (double)n * (double)(n - 1);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            if (i != j) s += S[i * n + j];
    double mu = s / cnt;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            if (i != j) {
                double d = S[i * n + j] - mu;
                ss += d * d;
            }
    double sd = sqrt(ss / cnt);
    if (!(sd > 0.0) || !isfinite(sd)) sd = 1.0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) S[i * n + j] = i == j ? 0.0 : (S[i * n + j] - mu) / sd;
}

/* One pass: z-score, row softmax (diagonal excluded), A + A^T, APC. A is n x n scratch. */
static void sharpen_pass(double *S, double *A, size_t n, double tau)
{
    zscore(S, n);
    long nl = (long)n;
#pragma omp parallel for schedule(static)
    for (long il = 0; il < nl; il++) {
        size_t i = (size_t)il;
        const double *s = S + i * n;
        double *a = A + i * n, mx = -INFINITY, tot = 0.0;
        for (size_t j = 0; j < n; j++)
            if (j != i && s[j] > mx) mx = s[j];
        for (size_t j = 0; j < n; j++) {
            a[j] = j == i ? 0.0 : exp((s[j] - mx) / tau);
            tot += a[j];
        }
        for (size_t j = 0; j < n; j++) a[j] /= tot;
    }
    for (size_t i = 0; i < n; i++) {
        S[i * n + i] = 0.0;
        for (size_t j = i + 1; j < n; j++) S[i * n + j] = S[j * n + i] = A[i * n + j] + A[j * n + i];
    }
    axcon_apc(S, n);
}

/* z-scores plus ctx x the larger diagonal-neighbour sum (parallel or antiparallel). */
static int context_term(double *S, double *Z, size_t n, const int *pos, double ctx, axcon_error_t *err)
{
    long *nbr = ax_alloc(2 * n + 1, sizeof *nbr, 0, "neighbour map", err); /* prev/next column or -1 */
    if (!nbr) return AXCON_ENOMEM;
    for (size_t c = 0; c < n; c++) {
        long p = pos ? pos[c] : (long)c + 1;
        long pp = c > 0 ? (pos ? pos[c - 1] : (long)c) : -10;
        long pn = c + 1 < n ? (pos ? pos[c + 1] : (long)c + 2) : -10;
        nbr[2 * c] = (c > 0 && pp == p - 1) ? (long)c - 1 : -1;
        nbr[2 * c + 1] = (c + 1 < n && pn == p + 1) ? (long)c + 1 : -1;
    }
    memcpy(Z, S, n * n * sizeof *Z);
    zscore(Z, n);
#define ZZ(a, b) (((a) < 0 || (b) < 0 || (a) == (b)) ? 0.0 : Z[(size_t)(a) * n + (size_t)(b)])
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            if (i == j) {
                S[i * n + j] = 0.0;
                continue;
            }
            long im = nbr[2 * i], ip = nbr[2 * i + 1], jm = nbr[2 * j], jp = nbr[2 * j + 1];
            double par = ZZ(im, jm) + ZZ(ip, jp), anti = ZZ(im, jp) + ZZ(ip, jm);
            S[i * n + j] = Z[i * n + j] + ctx * (par > anti ? par : anti);
        }
#undef ZZ
    free(nbr);
    return AXCON_OK;
}

int axcon_sharpen_ex(double *S, size_t n, const int *pos, int passes, double tau, double context, axcon_error_t *err)
{
    if (passes < 0) return axcon_error_set(err, AXCON_EUSAGE, "sharpening passes must be >= 0, got %d", passes);
    if (passes > 0 && !(tau > 0.0 && isfinite(tau)))
        return axcon_error_set(err, AXCON_EUSAGE, "sharpening temperature must be > 0, got %g", tau);
    if (!(context >= 0.0 && isfinite(context)))
        return axcon_error_set(err, AXCON_EUSAGE, "context weight must be >= 0, got %g", context);
    if (n < 3 || (passes == 0 && context == 0.0)) return AXCON_OK;
    size_t nn;
    if (ax_mul_ok(n, n, &nn) != 0) return axcon_error_set(err, AXCON_ENOMEM, "sharpen: %zu columns too many", n);
    double *A = ax_alloc(nn, sizeof *A, 0, "sharpening scratch", err);
    if (!A) return AXCON_ENOMEM;
    int st = AXCON_OK;
    if (context > 0.0 && (st = context_term(S, A, n, pos, context, err)) != AXCON_OK) goto done;
    for (int p = 0; p < passes; p++) sharpen_pass(S, A, n, tau);
done:
    free(A);
    return st;
}

int axcon_mf_sharpen(double *S, size_t n, int passes, double tau, axcon_error_t *err)
{
    return axcon_sharpen_ex(S, n, NULL, passes, tau, 0.0, err);
}
