/* estimate.c - owns axcon_predict_estimate (axcon/predict.h): the memory and rough time of
 * one prediction, from the allocation formulas of each method (src/model/mf.c, tiled.c,
 * plm.c, pll.c, attn.c), so users can size cluster memory requests and axcon_predict can
 * refuse (--max-mem) before allocating. Each method has one function below; when a
 * model's allocations change, its function here must follow. */
#include "axcon/predict.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "axcon/attn.h"
#include "axcon/plm.h"
#include "core/util.h"
#include "model/attn_impl.h"

#define MB (1024.0 * 1024.0)

/* Bytes every run pays: the program, OpenMP/BLAS runtime and the alignment itself
 * (N x L codes plus the reader's buffers, about one more copy), the weights and the
 * pipeline's two L x L score matrices plus the contact map's (score, raw, ranked). */
static double base_bytes(size_t N, size_t L, int threads)
{
    double LL = (double)L * (double)L;
    return 8.0 * MB + 0.5 * MB * threads        /* text, libraries, BLAS buffers, thread stacks */
           + 2.0 * (double)N * (double)L         /* alignment codes (+ reader's arena) */
           + 8.0 * (double)N                      /* weights */
           + 8.0 * LL * 4.0                       /* S, raw copy, cmap S and raw matrices */
           + 24.0 * LL / 2.0;                     /* ranked pairs */
}

/* Distinct rows of the N x L code matrix (hash of each row; O(N L)). */
static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static size_t distinct_rows(const axcon_msa_t *msa)
{
    size_t N = axcon_msa_nseq(msa), L = axcon_msa_ncol(msa);
    uint64_t *h = malloc((N ? N : 1) * sizeof *h);
    if (!h) return N;
    for (size_t n = 0; n < N; n++) {
        const uint8_t *r = axcon_msa_row(msa, n);
        uint64_t x = 0xcbf29ce484222325ULL;
        for (size_t c = 0; c < L; c++) x = (x ^ r[c]) * 0x100000001b3ULL;
        h[n] = x;
    }
    qsort(h, N, sizeof *h, cmp_u64);
    size_t u = N ? 1 : 0;
    for (size_t n = 1; n < N; n++) u += h[n] != h[n - 1];
    free(h);
    return u;
}

/* ---- -m mf (src/model/mf.c, tiled.c): the dense Cholesky inverse of the (20L)^2 covariance,
 * or the low-rank sequence-space solver with m = distinct sequences + 1, whichever costs fewer
 * flops (the rule of axcon_mf_scores_codes). Also used by attn's warm start. */
static double mf_bytes(double L, double N, double nu, double pc, int threads, double *seconds)
{
    double n = 20.0 * L, m = nu + 1.0;
    double dense = n * n * n + n * n, low = n * n * m + 2.0 * m * m * n + m * m * m / 3.0;
    double collapse = N * L + 8.0 * N + 21.0 * 8.0 * L; /* distinct rows, weights, frequencies */
    double bytes, t;
    if (pc > 0.0 && low < dense) {
        /* V (m x n), block sums (m x L), K (m x m), coupling strip (32*20 x n) */
        bytes = 8.0 * (m * n + m * L + m * m + 32.0 * 20.0 * n) + collapse;
        t = low / (2.5e10 * threads);
    } else {
        /* C (n x n), of which only the upper triangle is ever written (pair counts, Cholesky,
         * inverse): measured resident fraction 0.79 at n = 1500 down to 0.60 at n = 7300 (page
         * and tile rounding), modelled as 0.55 + 11/sqrt(n) (a little high on purpose); pair
         * tables; the inverse's panel scratch */
        double frac = 0.55 + 11.0 / sqrt(n);
        if (frac > 1.0) frac = 1.0;
        bytes = frac * 8.0 * n * n + 8.0 * n * 64.0 + threads * 8.0 * 32.0 * 441.0 + collapse + L * nu;
        t = dense / (2.5e10 * threads) + 1e-9 * N * L * L / threads;
    }
    if (seconds) *seconds = t;
    return bytes;
}

static void est_mf(double L, double N, double nu, const axcon_predict_opts_t *o, int threads, axcon_estimate_t *e)
{
    e->model_bytes = mf_bytes(L, N, nu, o->mf_pseudocount, threads, &e->seconds);
}

/* Pseudo-likelihood data (src/model/pll.c): distinct rows' codes and 32-bit offsets, weights,
 * the row hash table while collapsing, per-thread scratch of 2 L x 21 x 24 floats. */
static double pll_data_bytes(double L, double N, double nu, int threads)
{
    double tsize = 1.0;
    while (tsize < 2.0 * N) tsize *= 2.0;
    return nu * L * 5.0 + 8.0 * nu + 8.0 * tsize + threads * 2.0 * L * 21.0 * 24.0 * 4.0 + 16.0 * L * 21.0;
}

/* L-BFGS history pairs of a vector of nx floats under a byte budget: 2m + 3 vectors. */
static int hist_pairs(double nx, int mmax, double budget)
{
    int m = mmax;
    while (m > 1 && (2.0 * m + 3.0) * 4.0 * nx > budget) m--;
    return m;
}

/* ---- -m plm (src/model/plm.c): x, gradient, direction and m = 3 history pairs (fewer over
 * 4.5 GB) of nx = 21 L + 441 L(L-1)/2 floats; the kernel's work vector is the optimiser's idle
 * slot. Time: each evaluation visits every (distinct sequence, i, j) with 21-state blocks. */
static void est_plm(double L, double N, double nu, const axcon_predict_opts_t *o, int threads, axcon_estimate_t *e)
{
    double nx = 21.0 * L + 441.0 * L * (L - 1.0) / 2.0;
    int m = hist_pairs(nx, 3, 4.5 * 1073741824.0);
    e->model_bytes = 4.0 * nx * (2.0 * m + 3.0) + pll_data_bytes(L, N, nu, threads);
    int iters = o->plm_max_iter > 0 ? o->plm_max_iter : AXCON_PLM_DEFAULT_MAX_ITER;
    double evals = 1.15 * iters + 2.0;
    /* fitted on bench families (1 thread): 1.8e-10 s per (sequence, i, j, state), 8e-9 s per
     * coupling float (optimiser vector passes) */
    e->seconds = evals * (1.8e-10 * nu * L * L * 21.0 + 8e-9 * nx) / threads;
}

/* ---- -m attn (src/model/attn.c). THE ATTENTION MEMORY FORMULA: kept in this one function;
 * when attn's allocations change (issue 5), update it here. Peak = the model's fixed arrays
 * plus the larger of the warm start (mean-field seed, projections) and training (L-BFGS
 * vectors over [x | R], the materialised couplings when they fit the budget). */
static void est_attn(double L, double N, double nu, const axcon_predict_opts_t *o, int threads, axcon_estimate_t *e)
{
    axcon_attn_opts_t ao;
    axcon_attn_opts_init(&ao);
    if (o->attn_heads > 0) ao.heads = o->attn_heads;
    if (o->attn_dim > 0) ao.dim = o->attn_dim;
    if (o->attn_max_iter > 0) ao.max_iter = o->attn_max_iter;
    double H = ao.heads, d = ao.dim, P = L * (L - 1.0) / 2.0, nsym = 441.0 * P, LL = L * L;
    int use_r = ao.lambda_r > 0, use_e = ao.lambda_e > 0;
    if (ao.max_seqs > 0 && nu > ao.max_seqs) nu = ao.max_seqs;
    double nx = 21.0 * L + H * 441.0 + 2.0 * H * L * d + H + (use_e ? P : 0.0);
    double nt = nx + (use_r ? nsym : 0.0);
    double nblk = floor(P / 1024.0) + 1.0;
    if (nblk > 64) nblk = 64;
    /* ax_attn_model_init: A, Kt, dL, [x | R], Cp, dC, Vx, partials, scratch; the logit bias */
    double fixed = 8.0 * H * LL + 8.0 * H * L * d + (use_e ? 8.0 * H * LL : 0.0) + 4.0 * nt +
                   2.0 * 4.0 * (P + 4.0) * 2.0 * H + 4.0 * (2.0 * H + 4.0) * 448.0 + 8.0 * nblk * 2.0 * H * 448.0 +
                   4.0 * nblk * 64.0 * (448.0 + 441.0) + 4.0 * H * LL + 3.0 * 8.0 * nx +
                   threads * 4.0 * ((64.0 + 4.0) * 2.0 * H + 64.0 * 441.0) + pll_data_bytes(L, N, nu, threads);
    /* warm start: log-odds blocks (in R's storage, else their own), the mean-field seed,
     * seed scores, targets, projections, pair order */
    double npat = floor((H + 1.0) / 2.0);
    if (npat > 400) npat = 400;
    double warm = mf_bytes(L, nu, nu, 0.5, threads, NULL) + (use_r ? 0.0 : 4.0 * nsym) + 2.0 * 8.0 * LL +
                  8.0 * P * npat + 16.0 * P + 8.0 * 400.0 * 400.0;
    /* training: g, direction, m history pairs (the kernel borrows an idle slot), J when it fits */
    int mat_j = 0;
    int m = ax_attn_hist_pairs((size_t)nt, use_r, &mat_j);
    double train = 4.0 * nt * (2.0 * m + 2.0) + (mat_j ? 4.0 * nsym : 0.0) + (use_r ? 0.0 : 4.0 * nsym);
    e->model_bytes = fixed + (warm > train ? warm : train);
    double evals = 1.15 * (ao.max_iter > 0 ? ao.max_iter : AXCON_ATTN_DEFAULT_MAX_ITER) + 2.0;
    double t_mf;
    mf_bytes(L, nu, nu, 0.5, threads, &t_mf);
    e->seconds = t_mf + evals * (1.8e-10 * nu * L * L * 21.0 + 8e-9 * nt + 1e-9 * H * P * 441.0) / threads;
}

int axcon_predict_estimate(const axcon_msa_t *msa, const axcon_predict_opts_t *o, int threads, axcon_estimate_t *est,
                           axcon_error_t *err)
{
    axcon_predict_opts_t defaults;
    memset(est, 0, sizeof *est);
    if (!msa) return axcon_error_set(err, AXCON_EUSAGE, "estimate: no alignment");
    if (!o) {
        axcon_predict_opts_init(&defaults);
        o = &defaults;
    }
    if (threads <= 0) threads = ax_max_threads();
    size_t N = axcon_msa_nseq(msa), L = axcon_msa_ncol(msa);
    double Nf = (double)N, Lf = (double)L, nu = (double)distinct_rows(msa);
    switch (o->method) {
    case AXCON_METHOD_MF: est_mf(Lf, Nf, nu, o, threads, est); break;
    case AXCON_METHOD_PLM: est_plm(Lf, Nf, nu, o, threads, est); break;
    case AXCON_METHOD_ATTN: est_attn(Lf, Nf, nu, o, threads, est); break;
    default: return axcon_error_set(err, AXCON_EUSAGE, "unknown method %d", (int)o->method);
    }
    /* sequence weights: the SIMD identity kernel over distinct pairs */
    est->seconds += 1e-11 * nu * nu * Lf / threads;
    est->bytes = base_bytes(N, L, threads) + est->model_bytes;
    return AXCON_OK;
}
