/* attn.c - owns the entry points of -m attn (axcon/attn.h): the options and their defaults,
 * the fit on a prepared alignment (training data, model, warm start from the caller's
 * mean-field seed, training, scores, maps), and the method's memory and time estimate. The
 * model itself is split by what each part owns: attn_model.c (workspace and passes),
 * attn_warm.c (warm start), attn_train.c (optimiser and sequence axis), attn_maps.c (maps). */
#include "axcon/attn.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "axcon/log.h"
#include "axcon/pll.h"
#include "axcon/weights.h"
#include "core/util.h"
#include "model/attn_impl.h"
#include "model/pll_internal.h"

/* ---------------------------------------------------------------- options */

void axcon_attn_opts_init(axcon_attn_opts_t *o)
{
    memset(o, 0, sizeof(*o));
    o->heads = AXCON_ATTN_DEFAULT_HEADS;
    o->dim = AXCON_ATTN_DEFAULT_DIM;
    o->lambda = AXCON_ATTN_DEFAULT_LAMBDA;
    o->lambda_h = 0.01;
    o->lambda_qk = 0.01;
    o->lambda_v = 0.0;
    o->lambda_e = 0.0;
    o->lambda_r = AXCON_ATTN_DEFAULT_LAMBDA_R;
    o->max_seqs = 0;
    o->max_iter = AXCON_ATTN_DEFAULT_MAX_ITER;
    o->tol = AXCON_ATTN_DEFAULT_TOL;
    o->window = AXCON_ATTN_DEFAULT_WINDOW;
    o->min_iter = AXCON_ATTN_DEFAULT_MIN_ITER;
    o->init = AXCON_ATTN_INIT_WARM;
    o->init_tau = 2.0;
    o->warm_source = 0;
    o->gap_coupling = 0;
    o->score = AXCON_ATTN_SCORE_FROB;
    o->seq_beta = 0.0;
    o->seq_theta = AXCON_DEFAULT_ID_THRESHOLD;
    o->seed = 1;
    o->residual = AXCON_ATTN_RESIDUAL_AUTO;
    o->mem_limit = 0.0;
    o->residual_pairs = 0;
}

/* ---------------------------------------------------------------- entry points */

static int check_opts(const axcon_attn_opts_t *o, axcon_error_t *err)
{
    if (o->heads < 1 || o->heads > 4096 || o->dim < 1 || o->dim > 1024)
        return axcon_error_set(err, AXCON_EUSAGE, "attn: heads must be in 1..4096 and dim in 1..1024 (got %d, %d)",
                               o->heads, o->dim);
    if (!(o->lambda >= 0) || !(o->lambda_h >= 0) || !(o->lambda_qk >= 0) || !(o->lambda_v >= 0) ||
        !isfinite(o->lambda + o->lambda_h + o->lambda_qk + o->lambda_v) || o->max_iter < 0 || !(o->tol >= 0) ||
        !(o->init_tau >= 0) || !isfinite(o->init_tau) || !(o->seq_beta >= 0) || o->min_iter < 0 || o->window < 1 ||
        o->window > AXCON_ATTN_WINDOW_MAX || !(o->mem_limit >= 0) || o->residual < AXCON_ATTN_RESIDUAL_AUTO ||
        o->residual > AXCON_ATTN_RESIDUAL_SPARSE)
        return axcon_error_set(err, AXCON_EUSAGE, "attn: invalid option value");
    return AXCON_OK;
}

/* Train on the data and reduce to raw scores S (seed: the caller's APC-corrected mean-field
 * map, or NULL). */
static int fit(const axcon_pll_data_t *data, size_t nseq, const axcon_attn_opts_t *o, const double *seed, double *S,
               axcon_error_t *err)
{
    const size_t ncol = axcon_pll_ncol(data);
    int rc = AXCON_OK;
    double *x = NULL;
    ax_attn_model_t m;
    double lam_w = o->lambda * (double)ncol * 20.0;
    size_t nres = 0;
    const int sparse =
        axcon_attn_plan(ncol, nseq, axcon_pll_nrows(data), o, ax_max_threads(), &nres) == AXCON_ATTN_RESIDUAL_SPARSE;
    if ((rc = ax_attn_model_init_ex(&m, data, (size_t)o->heads, (size_t)o->dim, lam_w, o->lambda_h, o->lambda_qk,
                                    o->lambda_v, o->lambda_e, o->lambda_r * (double)(ncol - 1), sparse, nres, err)) !=
        AXCON_OK)
        return rc;
    if (sparse)
        axcon_info("sparse residual on the %zu best seed pairs of %zu (%.1f per column): couplings streamed", nres,
                   m.P, (double)nres / (double)ncol);
    m.no_gap = !o->gap_coupling;
    m.seed_mf = o->warm_source == 0;
    m.seed = m.seed_mf ? seed : NULL;
    if (!(x = ax_alloc(m.nx, sizeof(double), 1, "attn: parameters", err))) {
        rc = AXCON_ENOMEM;
        goto done;
    }
    axcon_info("L=%zu N=%zu distinct=%zu Neff=%.1f heads=%d dim=%d lambda=%g params=%zu", ncol, nseq,
               axcon_pll_nrows(data), axcon_pll_wsum(data), o->heads, o->dim, o->lambda, m.nx);
    if ((rc = ax_attn_init_params(&m, (int)o->init, o->init_tau, o->seed, x, err)) != AXCON_OK) goto done;
    double f = 0;
    if (o->max_iter > 0 && (rc = ax_attn_train_ex(&m, x, o->max_iter, o->min_iter, o->window, o->tol, &f, err)) !=
                               AXCON_OK)
        goto done;
    axcon_info("trained: f=%.6g evaluations=%ld", f, m.nevals);
    ax_attn_reduce(&m, x, o->score == AXCON_ATTN_SCORE_ATTN ? 1 : 0, S);
    for (size_t t = 0; t < ncol * ncol; t++)
        if (!isfinite(S[t])) {
            rc = axcon_error_set(err, AXCON_EINTERNAL, "attn: non-finite score");
            goto done;
        }
    if (o->maps_cb && (rc = ax_attn_emit_maps(&m, x, o, err)) != AXCON_OK) goto done;
    if (o->potts_cb) {
        float *hf = ax_alloc(ncol * m.q, sizeof *hf, 0, "attn: fields", err);
        if (!hf) {
            rc = AXCON_ENOMEM;
            goto done;
        }
        ax_attn_softmax(&m, x);
        if ((rc = ax_attn_couplings(&m, x, err)) == AXCON_OK) {
            for (size_t t = 0; t < ncol * m.q; t++) hf[t] = (float)x[t]; /* h at offset 0 of x */
            axcon_potts_t pm = {ncol, hf, m.Jc};
            rc = o->potts_cb(o->potts_ctx, &pm, err);
        }
        free(hf);
        if (rc != AXCON_OK) goto done;
    }
done:
    ax_attn_model_free(&m);
    free(x);
    return rc;
}

/* The training weights of n rows (row weights w, copies mult or NULL): the sequence axis and
 * the subsample of deep alignments when the options ask for them, else w itself (*out). */
static int train_weights(const uint8_t *codes, size_t n, size_t ncol, const size_t *mult, const double *w,
                         const axcon_attn_opts_t *o, double **own, const double **out, axcon_error_t *err)
{
    int rc;
    *own = NULL;
    *out = w;
    if (o->seq_beta <= 0 && !(o->max_seqs > 0 && n > (size_t)o->max_seqs)) return AXCON_OK;
    double *w2 = ax_alloc(2 * n, sizeof(double), 0, "attn: sequence weights", err);
    if (!w2) return AXCON_ENOMEM;
    *own = w2;
    if (o->seq_beta > 0) {
        if ((rc = ax_attn_seq_weights_rows(codes, n, ncol, mult, o->seq_beta, o->seq_theta, w2, err)) != AXCON_OK)
            return rc;
        if (mult)
            for (size_t u = 0; u < n; u++) w2[u] *= (double)mult[u];
        w = w2;
    }
    if (o->max_seqs > 0 && n > (size_t)o->max_seqs) { /* deep alignment: systematic subsample */
        size_t kept = ax_attn_subsample(w, n, (size_t)o->max_seqs, w2 + n);
        axcon_info("subsampled %zu of %zu %s (systematic, by weight)", kept, n, mult ? "distinct rows" : "sequences");
        w = w2 + n;
    }
    *out = w;
    return AXCON_OK;
}

int axcon_attn_fit_codes(const uint8_t *codes, size_t nseq, size_t ncol, const double *w, const axcon_attn_opts_t *o,
                         double *S, axcon_error_t *err)
{
    if (!codes || !w || !o || !S) return axcon_error_set(err, AXCON_EUSAGE, "attn: NULL argument");
    int rc = check_opts(o, err);
    if (rc != AXCON_OK) return rc;
    if (ncol < 2) return axcon_error_set(err, AXCON_EINPUT, "attn: need at least 2 columns (got %zu)", ncol);
    double *own = NULL;
    const double *wt = NULL;
    axcon_pll_data_t *data = NULL;
    if ((rc = train_weights(codes, nseq, ncol, NULL, w, o, &own, &wt, err)) == AXCON_OK &&
        (rc = axcon_pll_data_new(codes, nseq, ncol, wt, &data, err)) == AXCON_OK)
        rc = fit(data, nseq, o, NULL, S, err);
    axcon_pll_data_free(data);
    free(own);
    return rc;
}

int axcon_attn_scores(const axcon_prep_t *p, const axcon_attn_opts_t *o, const double *seed, double *S,
                      axcon_error_t *err)
{
    if (!p || !o || !S) return axcon_error_set(err, AXCON_EUSAGE, "attn: NULL argument");
    int rc = check_opts(o, err);
    if (rc != AXCON_OK) return rc;
    const size_t ncol = axcon_prep_ncol(p), nu = axcon_prep_ndistinct(p);
    if (ncol < 2) return axcon_error_set(err, AXCON_EINPUT, "attn: need at least 2 columns (got %zu)", ncol);
    double *own = NULL;
    const double *wt = NULL;
    axcon_pll_data_t *data = NULL;
    if ((rc = train_weights(axcon_prep_rows(p), nu, ncol, axcon_prep_mult(p), axcon_prep_row_weights(p), o, &own, &wt,
                            err)) == AXCON_OK &&
        (rc = axcon_pll_data_from_prep(p, wt, &data, err)) == AXCON_OK)
        rc = fit(data, axcon_prep_nseq(p), o, seed, S, err);
    axcon_pll_data_free(data);
    free(own);
    return rc;
}

/* Bytes of the sparse form's own arrays beyond the shared ones (axcon_attn_estimate): the rows'
 * pair gradients, value partials, slots and the gradient hook's scratch. */
static double sparse_bytes(double Lf, double H, double P, int threads)
{
    return 2.0 * 4.0 * (P + 4.0) * 2.0 * H + 4.0 * Lf * 2.0 * H * QQP + 4.0 * P +
           threads * (4.0 * (HCH + 4.0) * (QQP + 4.0 * H) + 8.0 * 2.0 * H * QQP);
}

/* Optimiser bytes per sparse residual pair: 2m + 3 vectors of q*q floats (m history pairs, as
 * ax_attn_hist_pairs gives the residual), the rows' two gradient halves, the slot list. */
#define SPARSE_PAIR_BYTES ((2.0 * AX_ATTN_RESIDUAL_HIST + 3.0 + 2.0) * 4.0 * 441.0 + 8.0)

static void estimate_form(size_t L, size_t N, size_t ndistinct, const axcon_attn_opts_t *o, int threads, int sparse,
                          double nres, double *bytes, double *seconds);

axcon_attn_residual_t axcon_attn_plan(size_t L, size_t N, size_t ndistinct, const axcon_attn_opts_t *o, int threads,
                                      size_t *npairs)
{
    axcon_attn_opts_t def;
    if (!o) {
        axcon_attn_opts_init(&def);
        o = &def;
    }
    if (npairs) *npairs = 0;
    const double P = (double)L * ((double)L - 1.0) / 2.0;
    axcon_attn_residual_t form = o->residual;
    if (form == AXCON_ATTN_RESIDUAL_AUTO) {
        double dense = 0;
        estimate_form(L, N, ndistinct, o, threads, 0, 0, &dense, NULL);
        form = o->mem_limit <= 0 || dense <= o->mem_limit ? AXCON_ATTN_RESIDUAL_DENSE : AXCON_ATTN_RESIDUAL_SPARSE;
    }
    if (form != AXCON_ATTN_RESIDUAL_SPARSE || !(o->lambda_r > 0)) return form;
    /* residual pairs: as asked, or as many as the vector budget holds, within mem_limit */
    double k = o->residual_pairs > 0 ? (double)o->residual_pairs : floor(AX_ATTN_VEC_BUDGET / SPARSE_PAIR_BYTES);
    if (o->residual_pairs == 0 && o->mem_limit > 0) {
        double base = 0;
        estimate_form(L, N, ndistinct, o, threads, 1, 0, &base, NULL);
        double fit = floor((o->mem_limit - base) / SPARSE_PAIR_BYTES);
        if (fit < k) k = fit > 0 ? fit : 0;
    }
    if (k > P) k = P;
    if (npairs) *npairs = (size_t)k;
    return form;
}

/* THE ATTENTION MEMORY FORMULA, next to the allocations it follows (ax_attn_model_init,
 * ax_attn_init_params, ax_attn_train_ex): the model's fixed arrays plus the larger of the
 * warm start (log-odds blocks, seed scores, targets, projections) and training (L-BFGS vectors
 * over [x | R], the materialised couplings when they fit the budget). The mean-field seed is
 * computed before the model exists (axcon_predict), so it is not part of this peak. */
void axcon_attn_estimate(size_t L, size_t N, size_t ndistinct, const axcon_attn_opts_t *o, int threads, double *bytes,
                         double *seconds)
{
    axcon_attn_opts_t def;
    if (!o) {
        axcon_attn_opts_init(&def);
        o = &def;
    }
    size_t nres = 0;
    int sparse = axcon_attn_plan(L, N, ndistinct, o, threads, &nres) == AXCON_ATTN_RESIDUAL_SPARSE;
    estimate_form(L, N, ndistinct, o, threads, sparse, (double)nres, bytes, seconds);
}

/* The formula for one form: dense, or sparse with nres residual pairs. */
static void estimate_form(size_t L, size_t N, size_t ndistinct, const axcon_attn_opts_t *o, int threads, int sparse,
                          double nres, double *bytes, double *seconds)
{
    if (threads < 1) threads = 1;
    const double Lf = (double)L, H = o->heads, d = o->dim, P = Lf * (Lf - 1.0) / 2.0, LL = Lf * Lf;
    const double nsym = 441.0 * (sparse ? nres : P); /* the residual's floats */
    const int use_r = o->lambda_r > 0 && (!sparse || nres > 0), use_e = o->lambda_e > 0;
    double nu = (double)ndistinct;
    if (o->max_seqs > 0 && nu > o->max_seqs) nu = o->max_seqs;
    double nx = 21.0 * Lf + H * 441.0 + 2.0 * H * Lf * d + H + (use_e ? P : 0.0);
    double nt = nx + (use_r ? nsym : 0.0);
    double nblk = floor(P / 1024.0) + 1.0;
    if (nblk > NBLK_MAX) nblk = NBLK_MAX;
    /* ax_attn_model_init: A, Kt, dL, [x | R], Cp, dC, Vx, partials, scratch; the logit bias;
     * x, its double copies in training; the row hook's scratch; the kernel's data */
    double fixed = 8.0 * H * LL + 8.0 * H * Lf * d + (use_e ? 8.0 * H * LL : 0.0) + 4.0 * nt +
                   2.0 * 4.0 * (P + 4.0) * 2.0 * H + 4.0 * (2.0 * H + 4.0) * QQP + 8.0 * nblk * 2.0 * H * QQP +
                   4.0 * nblk * SUBP * (QQP + QQ) + 4.0 * H * LL + 3.0 * 8.0 * nx +
                   threads * 4.0 * ((HCH + 4.0) * 2.0 * H + HCH * 441.0) +
                   ax_pll_data_bytes(L, N, (size_t)nu, threads) +
                   (sparse ? sparse_bytes(Lf, H, P, threads) + 2.0 * 4.0 * nsym : 0.0);
    /* warm start: log-odds blocks (in R's storage, else their own), their pair-count buffers,
     * seed scores, targets, projections, pair order, block moments */
    double npat = floor((H + 1.0) / 2.0);
    if (npat > 400) npat = 400;
    double warm = (use_r || sparse ? 0.0 : 4.0 * nsym) + threads * 8.0 * Lf * 441.0 + 2.0 * 8.0 * LL +
                  8.0 * P * npat + 16.0 * P + 8.0 * 400.0 * 400.0;
    /* training: g, direction, m history pairs (Ws in an idle slot of theirs); without the
     * residual Ws and its gradient of their own; sparse: no kernel vectors (R's gradient halves
     * are in `fixed`) */
    int m = ax_attn_hist_pairs(use_r, NULL);
    double train = 4.0 * nt * (2.0 * m + 2.0);
    if (!sparse && !use_r) train += 4.0 * nsym + 4.0 * 441.0 * P;
    if (bytes) *bytes = fixed + (warm > train ? warm : train);
    double evals = 1.15 * (o->max_iter > 0 ? o->max_iter : AXCON_ATTN_DEFAULT_MAX_ITER) + 2.0;
    if (seconds)
        *seconds =
            evals * (1.8e-10 * nu * Lf * Lf * 21.0 + 8e-9 * nt + (sparse ? 2e-9 : 1e-9) * H * P * 441.0) / threads;
}
