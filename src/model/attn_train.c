/* attn_train.c - owns the training of the factored-attention model: the full-batch L-BFGS
 * glue over [x | R] (float optimiser vectors, double attention parameters), the window
 * convergence rule, the memory-aware history size, and the sequence axis of the training
 * data (soft identity weights, the weight-proportional subsample of deep alignments). */
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
#include "core/progress.h"
#include "core/util.h"
#include "model/attn_impl.h"
#include "model/lbfgs.h"

/* ---------------------------------------------------------------- optimiser (L-BFGS) */

typedef struct {
    ax_attn_model_t *m;
    double *xd, *gd; /* double copies of the optimiser's float vectors (attention part) */
    double fh[AXCON_ATTN_WINDOW_MAX + 1]; /* objective of the last window + 1 iterations */
    double tol;
    int window, min_iter, converged;
    ax_progress_t prog; /* iteration, objective, time left on stderr (core/progress.h) */
} lbctx_t;

/* The optimiser's vector is [ x (m->nx, as float) | R (m->nr floats, used in place) ]. */
static int lb_eval(void *ctx, const float *x, double *f, float *g, float *work, axcon_error_t *err)
{
    lbctx_t *c = ctx;
    ax_attn_model_t *m = c->m;
    const size_t n = m->nx;
    for (size_t t = 0; t < n; t++) c->xd[t] = (double)x[t];
    if (m->use_r) {
        m->Rf = x + n;
        m->gRf = g + n;
    }
    m->ext_work = work; /* Ws in the idle slot: n + nr >= nsym floats only with the residual */
    if (n + m->nr < axcon_pll_nsym(m->L)) m->ext_work = NULL;
    axcon_error_t e2;
    axcon_error_clear(&e2);
    int rc = ax_attn_eval(m, c->xd, f, c->gd, &e2);
    m->ext_work = NULL;
    if (rc == AXCON_EINTERNAL) { /* non-finite objective: a step too long for the line search */
        *f = INFINITY;
        for (size_t t = 0; t < n + m->nr; t++) g[t] = 0.0f;
        return AXCON_OK;
    }
    if (rc != AXCON_OK) {
        if (err) *err = e2;
        return rc;
    }
    for (size_t t = 0; t < n; t++) g[t] = (float)c->gd[t];
    return AXCON_OK;
}

static int lb_progress(void *ctx, const ax_lbfgs_info_t *info)
{
    lbctx_t *c = ctx;
    ax_progress_step(&c->prog, info->iter, info->f);
    if (info->iter % 10 == 0)
        axcon_debug("iter %d f=%.8g pll=%.8g |g|=%.3g step=%.3g evals=%d", info->iter, info->f, c->m->f_pll,
                    info->gnorm, info->step, info->nevals);
    if (c->m->iter_cb && c->m->iter_cb(c->m->iter_ctx, c->m, info->iter, info->f)) return 1;
    /* convergence: relative decrease over the last `window` iterations below tol */
    const int w = c->window;
    c->fh[info->iter % (w + 1)] = info->f;
    if (c->tol > 0 && info->iter > w && info->iter >= c->min_iter) { /* f of iterations 1.. */
        double fw = c->fh[(info->iter - w) % (w + 1)], den = fabs(info->f) > 1e-300 ? fabs(info->f) : 1e-300;
        if ((fw - info->f) / den < c->tol) {
            c->converged = 1;
            return 1;
        }
    }
    return 0;
}

int ax_attn_hist_pairs(int use_r, int *mat_j)
{
    /* 8 pairs for the attention alone (small vectors). With the Potts residual, dense or sparse,
     * 1 pair: its 441 variables per pair dominate, the default stops within 50 iterations, and
     * older pairs' curvature buys nothing there: on the 46 shared families up to L = 470, m = 1
     * against m = 3 gave the same mean long-range precision (top-L +0.001, top-L/5 +0.000), 0.93x
     * the time and 0.58x the peak RSS (5 vectors instead of 9). The attention couplings Ws are
     * materialised in every case: in a vector of their own without the residual (small), else
     * in the optimiser's idle slot (the kernel needs no work vector of its own) */
    if (mat_j) *mat_j = 1;
    return use_r ? AX_ATTN_RESIDUAL_HIST : 8;
}

int ax_attn_train(ax_attn_model_t *m, double *x, int max_iter, double tol, double *fout, axcon_error_t *err)
{
    return ax_attn_train_ex(m, x, max_iter, 0, AXCON_ATTN_DEFAULT_WINDOW, tol, fout, err);
}

int ax_attn_train_ex(ax_attn_model_t *m, double *x, int max_iter, int min_iter, int window, double tol, double *fout,
                     axcon_error_t *err)
{
    const size_t n = m->nx, nt = m->nx + m->nr;
    int rc = AXCON_OK;
    float *xf = m->xr; /* the optimiser works on the model's own [x | R] (no copy of R) */
    lbctx_t c;
    memset(&c, 0, sizeof c);
    c.m = m;
    c.xd = ax_alloc(n, sizeof(double), 0, "attn: parameters", err);
    c.gd = ax_alloc(n, sizeof(double), 0, "attn: gradient", err);
    c.tol = tol;
    c.window = window < 1 ? 1 : (window > AXCON_ATTN_WINDOW_MAX ? AXCON_ATTN_WINDOW_MAX : window);
    c.min_iter = min_iter;
    if (!c.xd || !c.gd) {
        rc = AXCON_ENOMEM;
        goto done;
    }
    for (size_t t = 0; t < n; t++) xf[t] = (float)x[t];
    ax_lbfgs_opts_t lo;
    ax_lbfgs_opts_init(&lo);
    lo.max_iter = max_iter;
    lo.ftol = 0.0; /* the window rule is ours (lb_progress), with a minimum iteration count */
    int mat_j = 0;
    lo.m = m->hist = ax_attn_hist_pairs(m->use_r, &mat_j);
    if (m->stream) mat_j = 0; /* the streamed model never holds the couplings */
    m->mat_j = mat_j;
    free(m->gR); /* the optimiser's gradient holds R's from here on */
    m->gR = NULL;
    if (!mat_j || m->use_r) { /* Ws of its own only without the residual (else: the idle slot) */
        free(m->Jc);
        m->Jc = NULL;
    }
    axcon_debug("L-BFGS: %zu variables, m=%d (%.2f GB of optimiser vectors), couplings %s", nt, lo.m,
                (2.0 * lo.m + 3.0) * (double)nt * sizeof(float) / 1e9,
                m->stream ? "and their gradient streamed (sparse residual)"
                : !mat_j  ? "streamed"
                : m->use_r ? "Ws materialised in the optimiser's idle slot"
                           : "materialised");
    ax_lbfgs_info_t info;
    ax_progress_begin(&c.prog, "attn", max_iter);
    rc = ax_lbfgs_minimize(nt, xf, &lo, lb_eval, lb_progress, &c, &info, err);
    ax_progress_end(&c.prog);
    if (m->use_r) { /* back to the model's own storage */
        m->Rf = m->R;
        m->gRf = m->gR;
    }
    if (rc != AXCON_OK) goto done;
    for (size_t t = 0; t < n; t++) x[t] = (double)xf[t];
    *fout = info.f;
    m->iters = info.iter;
    m->stop_status = c.converged ? (int)AX_LBFGS_CONVERGED_F : (int)info.status;
    m->mat_j = 0;
    free(m->Jc); /* scores are reduced block by block */
    m->Jc = NULL;
    axcon_info("L-BFGS: %d iterations (%s), %d evaluations, f=%.8g |g|=%.3g", info.iter,
               c.converged                          ? "converged: relative decrease below tolerance"
               : info.status == AX_LBFGS_MAX_ITER   ? "iteration limit"
               : info.status == AX_LBFGS_STOPPED    ? "stopped"
                                                    : "optimiser stop",
               info.nevals, info.f, info.gnorm);
done:
    free(c.xd);
    free(c.gd);
    return rc;
}

/* ---------------------------------------------------------------- sequence axis */

int ax_attn_seq_weights_rows(const uint8_t *codes, size_t nrows, size_t ncol, const size_t *mult, double beta,
                              double theta, double *w, axcon_error_t *err)
{
    if (!codes || !w || nrows == 0 || ncol == 0) return axcon_error_set(err, AXCON_EUSAGE, "attn: empty alignment");
    if (!(beta > 0) || !(theta > 0 && theta <= 1))
        return axcon_error_set(err, AXCON_EUSAGE, "attn: sequence kernel needs beta > 0 and theta in (0, 1]");
    if (beta > 1e6 || isinf(beta))
        return mult ? axcon_weights_identity_distinct(codes, nrows, ncol, mult, theta, w, err)
                    : axcon_weights_identity_codes(codes, nrows, ncol, theta, w, NULL, err);
    /* kernel values by identity count 0..ncol */
    double *kv = ax_alloc(ncol + 1, sizeof(double), 0, "attn: sequence kernel", err);
    if (!kv) return AXCON_ENOMEM;
    for (size_t c = 0; c <= ncol; c++) kv[c] = 1.0 / (1.0 + exp(-beta * ((double)c / (double)ncol - theta)));
#pragma omp parallel for schedule(static, 16)
    for (long nl = 0; nl < (long)nrows; nl++) {
        const uint8_t *a = codes + (size_t)nl * ncol;
        double s = 0;
        for (size_t mm = 0; mm < nrows; mm++) {
            const uint8_t *b = codes + mm * ncol;
            size_t cnt = 0;
            for (size_t c = 0; c < ncol; c++) cnt += (a[c] == b[c]);
            s += (mult ? (double)mult[mm] : 1.0) * kv[cnt];
        }
        w[nl] = 1.0 / s;
    }
    free(kv);
    return AXCON_OK;
}

int axcon_attn_seq_weights(const uint8_t *codes, size_t nseq, size_t ncol, double beta, double theta, double *w,
                           double *neff, axcon_error_t *err)
{
    int rc = ax_attn_seq_weights_rows(codes, nseq, ncol, NULL, beta, theta, w, err);
    if (rc == AXCON_OK && neff) {
        double t = 0;
        for (size_t n = 0; n < nseq; n++) t += w[n];
        *neff = t;
    }
    return rc;
}

/* Systematic sampling of about `target` sequences with probability proportional to weight:
 * walking the sequences in order, sequence n receives one sample for every multiple of
 * step = sum(w)/target its cumulative weight crosses, and the weight (samples x step); the
 * others get 0 (dropped by the kernel's data builder). The weighted sums of the objective are
 * unbiased for those of the full alignment. Returns the number of sequences kept. */
size_t ax_attn_subsample(const double *w, size_t nseq, size_t target, double *wout)
{
    double tot = 0;
    for (size_t n = 0; n < nseq; n++) tot += w[n];
    if (target == 0 || !(tot > 0)) {
        memcpy(wout, w, nseq * sizeof(double));
        return nseq;
    }
    const double step = tot / (double)target;
    double cum = 0;
    size_t kept = 0;
    for (size_t n = 0; n < nseq; n++) {
        double before = floor(cum / step + 0.5);
        cum += w[n];
        double after = floor(cum / step + 0.5);
        wout[n] = (after - before) * step;
        if (after > before) kept++;
    }
    return kept;
}

