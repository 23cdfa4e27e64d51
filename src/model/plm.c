/* plm.c - owns method "plm" (axcon/plm.h): CCMpred's regularised pseudo-likelihood objective on
 * the shared kernel (axcon/pll.h, symmetric layout), its L-BFGS fit (src/model/lbfgs.h), the
 * starting point, the memory-aware history size, progress logging and the coupling-norm score. */
#include "axcon/plm.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "axcon/log.h"
#include "axcon/pll.h"
#include "core/progress.h"
#include "core/util.h"
#include "model/lbfgs.h"
#include "model/pll_internal.h"

#define Q AXCON_PLL_Q
#define QQ (Q * Q)
#define GAP (Q - 1)

/* History pairs: 3 (5 converges no faster per iteration here and costs 4 more vectors), fewer
 * for very long alignments so that the optimiser's 2m + 3 vectors (x, g, direction, pairs)
 * stay within PLM_VEC_BUDGET bytes: L = 464 keeps m = 3 (1.7 GB), L = 949 gets m = 1 (4 GB). */
#define PLM_M_MAX 3
#define PLM_M_MIN 1
#define PLM_VEC_BUDGET ((double)4.5 * 1024 * 1024 * 1024)

typedef struct plm_ctx {
    const axcon_pll_data_t *d;
    size_t L, nh, nj;
    double lambda_h, lambda_j;
    ax_progress_t prog; /* iteration, objective, time left on stderr (core/progress.h) */
} plm_ctx_t;

/* f = kernel + lambda_h |h_aa|^2 + lambda_j |J|^2 (the J penalty folded into the kernel's last
 * pass), gradients likewise; the gap field is frozen at 0. */
static int plm_eval(void *vc, const float *x, double *f, float *g, float *work, axcon_error_t *err)
{
    plm_ctx_t *c = vc;
    const float *h = x, *J = x + c->nh;
    float *gh = g, *gJ = g + c->nh;
    double fd, rj;
    (void)work; /* the kernel needs no work vector */
    int st = ax_pll_eval_sym_l2(c->d, h, J, c->lambda_j, &fd, &rj, gh, gJ, err);
    if (st != AXCON_OK) return st;
    double rh = 0.0;
    const float lh2 = (float)(2.0 * c->lambda_h);
    for (size_t i = 0; i < c->L; i++) {
        for (int a = 0; a < GAP; a++) {
            float v = h[i * Q + a];
            rh += (double)v * v;
            gh[i * Q + a] += lh2 * v;
        }
        gh[i * Q + GAP] = 0.0f;
    }
    *f = fd + c->lambda_h * rh + c->lambda_j * rj;
    return AXCON_OK;
}

static int plm_progress(void *vc, const ax_lbfgs_info_t *in)
{
    plm_ctx_t *c = vc;
    ax_progress_step(&c->prog, in->iter, in->f);
    if (in->iter % 10 == 0)
        axcon_debug("iter %d: f=%.8g |g|=%.4g step=%.3g evals=%d", in->iter, in->f, in->gnorm, in->step, in->nevals);
    return 0;
}

static const char *status_str(ax_lbfgs_status_t s)
{
    switch (s) {
    case AX_LBFGS_CONVERGED_F: return "relative decrease below tolerance";
    case AX_LBFGS_CONVERGED_G: return "gradient below tolerance";
    case AX_LBFGS_MAX_ITER: return "iteration limit";
    case AX_LBFGS_MAX_EVALS: return "evaluation limit";
    case AX_LBFGS_LINESEARCH_FAIL: return "line search found no better point";
    case AX_LBFGS_STOPPED: return "stopped";
    default: return "running";
    }
}

/* CCMpred's score: norm of J_ij minus its 21x21 mean, over the 20x20 amino-acid block. */
static void plm_score_matrix(const float *J, size_t L, double *S)
{
#pragma omp parallel for schedule(dynamic, 4)
    for (size_t i = 0; i < L; i++) {
        S[i * L + i] = 0.0;
        for (size_t j = i + 1; j < L; j++) {
            const float *b = J + axcon_pll_sym_offset(i, j, L);
            double mean = 0.0, s = 0.0;
            for (int k = 0; k < QQ; k++) mean += b[k];
            mean /= QQ;
            for (int a = 0; a < GAP; a++)
                for (int bb = 0; bb < GAP; bb++) {
                    double v = b[a * Q + bb] - mean;
                    s += v * v;
                }
            S[i * L + j] = sqrt(s);
        }
    }
    for (size_t i = 0; i < L; i++)
        for (size_t j = 0; j < i; j++) S[i * L + j] = S[j * L + i];
}

void axcon_plm_opts_init(axcon_plm_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->lambda_h = AXCON_PLM_DEFAULT_LAMBDA_H;
    o->lambda_j = AXCON_PLM_DEFAULT_LAMBDA_J;
    o->max_iter = AXCON_PLM_DEFAULT_MAX_ITER;
    o->tol = AXCON_PLM_DEFAULT_TOL;
}

static int check_opts(const axcon_plm_opts_t *o, axcon_error_t *err)
{
    if (!o) return axcon_error_set(err, AXCON_EUSAGE, "plm: no options");
    if (!(o->lambda_h >= 0.0) || !(o->lambda_j >= 0.0) || !isfinite(o->lambda_h) || !isfinite(o->lambda_j))
        return axcon_error_set(err, AXCON_EUSAGE, "plm: regularisation strengths must be finite and >= 0 (got %g, %g)",
                               o->lambda_h, o->lambda_j);
    return AXCON_OK;
}

/* History pairs of the optimiser for nx floats under PLM_VEC_BUDGET. */
static int hist_pairs(double nx)
{
    double vec = nx * sizeof(float);
    int m = PLM_M_MAX;
    while (m > PLM_M_MIN && (2.0 * m + 3.0) * vec > PLM_VEC_BUDGET) m--;
    return m;
}

static int plm_fit(const axcon_pll_data_t *d, const axcon_plm_opts_t *o, double *S, axcon_error_t *err)
{
    float *x = NULL;
    double *f1 = NULL;
    int st;
    const size_t L = axcon_pll_ncol(d);
    const size_t nh = L * Q, nj = axcon_pll_nsym(L);
    size_t nx;
    if (nj == 0 || nj > SIZE_MAX - nh)
        return axcon_error_set(err, AXCON_ERESOURCE, "plm: %zu columns are too many for the coupling tensor", L);
    nx = nh + nj;
    x = ax_vec_alloc(nx, 1, "plm parameters", err);
    f1 = ax_alloc(nh, sizeof *f1, 0, "plm frequencies", err);
    if (!x || !f1) {
        st = AXCON_ENOMEM;
        goto out;
    }
    /* fields: log-odds against the gap, one pseudo-count per state */
    double wsum = axcon_pll_wsum(d);
    axcon_pll_freq1(d, Q / (wsum + Q), f1);
    for (size_t i = 0; i < L; i++)
        for (int a = 0; a < Q; a++) x[i * Q + a] = a == GAP ? 0.0f : (float)(log(f1[i * Q + a]) - log(f1[i * Q + GAP]));
    plm_ctx_t c = {.d = d, .L = L, .nh = nh, .nj = nj, .lambda_h = o->lambda_h,
                   .lambda_j = o->lambda_j * (double)(L - 1)};
    free(f1);
    f1 = NULL;

    ax_lbfgs_opts_t lo;
    ax_lbfgs_opts_init(&lo);
    lo.max_iter = o->max_iter > 0 ? o->max_iter : AXCON_PLM_DEFAULT_MAX_ITER;
    lo.ftol = o->tol > 0.0 ? o->tol : AXCON_PLM_DEFAULT_TOL;
    lo.window = 5;
    lo.m = hist_pairs((double)nx);
    axcon_info("plm: %zu columns, %zu distinct sequences, Neff %.1f, %zu parameters, lambda_J %.3g, L-BFGS m=%d "
               "(%.2f GB of optimiser vectors)",
               L, axcon_pll_nrows(d), wsum, nx, c.lambda_j, lo.m, (2.0 * lo.m + 3.0) * (double)nx * sizeof(float) / 1e9);
    ax_lbfgs_info_t info;
    ax_progress_begin(&c.prog, "plm", lo.max_iter);
    st = ax_lbfgs_minimize(nx, x, &lo, plm_eval, plm_progress, &c, &info, err);
    ax_progress_end(&c.prog);
    if (st != AXCON_OK) goto out;
    axcon_info("plm: %d iterations, %d evaluations, f=%.8g |g|=%.4g (%s)", info.iter, info.nevals, info.f, info.gnorm,
               status_str(info.status));

    plm_score_matrix(x + nh, L, S);
    if (o->potts_cb) {
        axcon_potts_t pm = {L, x, x + nh};
        st = o->potts_cb(o->potts_ctx, &pm, err);
    }
out:
    free(x);
    free(f1);
    return st;
}

int axcon_plm_scores(const axcon_prep_t *p, const axcon_plm_opts_t *o, double *S, axcon_error_t *err)
{
    axcon_pll_data_t *d = NULL;
    int st;
    if ((st = check_opts(o, err)) != AXCON_OK) return st;
    if (!p || !S) return axcon_error_set(err, AXCON_EUSAGE, "plm: NULL argument");
    if (axcon_prep_ncol(p) < 2) {
        S[0] = 0.0;
        return AXCON_OK;
    }
    if ((st = axcon_pll_data_from_prep(p, NULL, &d, err)) == AXCON_OK) st = plm_fit(d, o, S, err);
    axcon_pll_data_free(d);
    return st;
}

int axcon_plm_scores_codes(const uint8_t *codes, size_t nseq, size_t ncol, const double *w,
                           const axcon_plm_opts_t *o, double *S, axcon_error_t *err)
{
    axcon_pll_data_t *d = NULL;
    int st;
    if ((st = check_opts(o, err)) != AXCON_OK) return st;
    if (ncol < 2) {
        if (ncol == 1) S[0] = 0.0;
        return AXCON_OK;
    }
    if ((st = axcon_pll_data_new(codes, nseq, ncol, w, &d, err)) == AXCON_OK) st = plm_fit(d, o, S, err);
    axcon_pll_data_free(d);
    return st;
}

/* Memory: x, gradient, direction and the history pairs of nx = 21 L + 441 L(L-1)/2 floats
 * (the kernel needs no work vector), plus the kernel's data. Time: each
 * evaluation visits every (distinct sequence, i, j) with 21-state blocks; fitted on bench
 * families (1 thread): 1.8e-10 s per (sequence, i, j, state), 8e-9 s per coupling float
 * (optimiser vector passes), about 1.15 evaluations per iteration. */
void axcon_plm_estimate(size_t L, size_t N, size_t ndistinct, const axcon_plm_opts_t *o, int threads, double *bytes,
                        double *seconds)
{
    double Lf = (double)L, nu = (double)ndistinct;
    double nx = 21.0 * Lf + 441.0 * Lf * (Lf - 1.0) / 2.0;
    int m = hist_pairs(nx);
    if (threads < 1) threads = 1;
    if (bytes) *bytes = 4.0 * nx * (2.0 * m + 3.0) + ax_pll_data_bytes(L, N, ndistinct, threads);
    int iters = o && o->max_iter > 0 ? o->max_iter : AXCON_PLM_DEFAULT_MAX_ITER;
    double evals = 1.15 * iters + 2.0;
    if (seconds) *seconds = evals * (1.8e-10 * nu * Lf * Lf * 21.0 + 8e-9 * nx) / threads;
}
