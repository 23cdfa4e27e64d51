/* predict.c - owns the pipeline order (weights -> model raw scores -> APC -> optional
 * post-processing -> ranked, calibrated contact map), the method names and every model
 * option's default (see axcon/predict.h).
 * The default method is attn. */
#include "axcon/predict.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "axcon/log.h"
#include "axcon/weights.h"
#include "core/util.h"

#include "axcon/attn.h"
#include "axcon/head.h"
#include "axcon/mf.h"
#include "axcon/plm.h"

static const char *const g_method_names[] = {"attn", "mf", "plm"};

int axcon_method_parse(const char *name, axcon_method_t *m, axcon_error_t *err)
{
    for (size_t k = 0; k < sizeof g_method_names / sizeof g_method_names[0]; k++)
        if (name && !strcmp(name, g_method_names[k])) {
            *m = (axcon_method_t)k;
            return AXCON_OK;
        }
    return axcon_error_set(err, AXCON_EUSAGE, "unknown method '%s' (expected attn, mf or plm)", name ? name : "");
}

const char *axcon_method_name(axcon_method_t m)
{
    return (size_t)m < sizeof g_method_names / sizeof g_method_names[0] ? g_method_names[m] : "unknown";
}

void axcon_predict_opts_init(axcon_predict_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->method = AXCON_METHOD_ATTN;
    o->id_threshold = AXCON_DEFAULT_ID_THRESHOLD;
    o->min_sep = 6;
    o->apc = 1;
    /* 0.7, not the textbook 0.5: on the 51 shared families 0.6-0.8 all beat 0.5 (long-range
     * top-L/5 0.442 at 0.7 against 0.415 at 0.5), a broad optimum rather than a tuned point */
    o->mf_pseudocount = 0.7;
    o->mf_sharpen = 0; /* METHOD.md: sharpening did not raise the mean across families */
    o->mf_tau = 1.0;
    o->plm_lambda_h = 0.01;
    o->plm_lambda_j = 0.2;
    o->plm_max_iter = 0; /* 0 = the model's own default (plm.h) */
    o->plm_tol = 0.0;    /* 0 = the model's own default */
    o->attn_heads = 0;   /* 0 = the model's own defaults (attn.h) */
    o->attn_dim = 0;
    o->attn_lambda = 0.0;
    o->attn_max_iter = 0;
    o->attn_tol = 0.0;     /* 0 = the model's own default */
    o->attn_head = 1;      /* contact head on by default (axcon/head.h: CV gain, see head.c) */
}

static int check_opts(const axcon_predict_opts_t *o, axcon_error_t *err)
{
    if (!(o->id_threshold > 0.0 && o->id_threshold <= 1.0))
        return axcon_error_set(err, AXCON_EUSAGE, "identity threshold must be in (0,1], got %g", o->id_threshold);
    if (o->min_sep < 1) return axcon_error_set(err, AXCON_EUSAGE, "minimum separation must be >= 1, got %d", o->min_sep);
    if (!(o->mf_pseudocount >= 0.0 && o->mf_pseudocount < 1.0))
        return axcon_error_set(err, AXCON_EUSAGE, "pseudocount must be in [0,1), got %g", o->mf_pseudocount);
    if (o->mf_sharpen < 0) return axcon_error_set(err, AXCON_EUSAGE, "sharpening passes must be >= 0");
    if (o->mf_sharpen > 0 && !(o->mf_tau > 0.0 && isfinite(o->mf_tau)))
        return axcon_error_set(err, AXCON_EUSAGE, "sharpening temperature must be > 0, got %g", o->mf_tau);
    if (!(o->plm_lambda_h >= 0.0 && isfinite(o->plm_lambda_h)) || !(o->plm_lambda_j >= 0.0 && isfinite(o->plm_lambda_j)))
        return axcon_error_set(err, AXCON_EUSAGE, "regularisation strengths must be finite and >= 0");
    if (o->plm_max_iter < 0 || o->attn_max_iter < 0 || o->attn_heads < 0 || o->attn_dim < 0)
        return axcon_error_set(err, AXCON_EUSAGE, "iteration counts and sizes must be >= 0");
    if (!(o->plm_tol >= 0.0 && isfinite(o->plm_tol)) || !(o->attn_lambda >= 0.0 && isfinite(o->attn_lambda)) ||
        !(o->attn_tol >= 0.0 && isfinite(o->attn_tol)))
        return axcon_error_set(err, AXCON_EUSAGE, "tolerances and attention lambda must be finite and >= 0");
    if (o->attn_maps && o->method != AXCON_METHOD_ATTN)
        return axcon_error_set(err, AXCON_EUSAGE, "attention maps exist only for method attn (got %s)",
                               axcon_method_name(o->method));
    return AXCON_OK;
}

/* Index of the first non-finite off-diagonal entry, or n*n when all are finite. */
static size_t first_nonfinite(const double *S, size_t n)
{
    for (size_t a = 0; a < n; a++)
        for (size_t b = 0; b < n; b++)
            if (a != b && !isfinite(S[a * n + b])) return a * n + b;
    return n * n;
}

static int run_model(const axcon_msa_t *msa, const double *w, double neff, const axcon_predict_opts_t *o, double *S,
                     axcon_error_t *err)
{
    switch (o->method) {
    case AXCON_METHOD_MF: return axcon_mf_scores(msa, w, neff, o, S, err);
    case AXCON_METHOD_PLM: return axcon_plm_scores(msa, w, neff, o, S, err);
    case AXCON_METHOD_ATTN: return axcon_attn_scores(msa, w, neff, o, S, err);
    }
    return axcon_error_set(err, AXCON_EUSAGE, "unknown method %d", (int)o->method);
}

/* Degenerate alignments (O(N L) checks, before any model): when no sequence but the query
 * has a residue it is an input error, like a single sequence; when every sequence equals the
 * query (*novar = 1) there is no co-variation, so the scores are set to exactly 0 (not the
 * models' rounding noise) and the output stays valid, with a warning. */
static int check_informative(const axcon_msa_t *msa, int *novar, axcon_error_t *err)
{
    size_t N = axcon_msa_nseq(msa), L = axcon_msa_ncol(msa), empty = 0, differ = 0;
    const uint8_t *q = axcon_msa_row(msa, 0);
    for (size_t n = 1; n < N; n++) {
        const uint8_t *r = axcon_msa_row(msa, n);
        size_t res = 0, diff = 0;
        for (size_t k = 0; k < L; k++) {
            res += r[k] != AXCON_GAP;
            diff += r[k] != q[k];
        }
        empty += res == 0;
        differ += res > 0 && diff > 0;
    }
    if (empty == N - 1)
        return axcon_error_set(err, AXCON_EINPUT,
                               "alignment holds only the query sequence: the other %zu sequence%s no residue in the "
                               "%zu columns",
                               N - 1, N - 1 == 1 ? " has" : "s have", L);
    *novar = differ == 0;
    if (*novar)
        axcon_warn("all %zu sequences are identical to the query over the %zu columns: no variation, every score "
                   "is 0 and the ranking is arbitrary",
                   N - empty, L);
    return AXCON_OK;
}

/* The contact head (axcon/head.h) over the APC scores S of attn, in place: mean-field scores
 * (APC) and column statistics are its other inputs. */
static int apply_head(const axcon_msa_t *msa, const double *w, double neff, const axcon_predict_opts_t *o, double *S,
                      axcon_error_t *err)
{
    size_t L = axcon_msa_ncol(msa), LL = L * L;
    int rc = AXCON_OK;
    double *M = NULL, *H = NULL, *gap = NULL, *ent = NULL;
    if (!(M = ax_alloc(LL, sizeof *M, 1, "head: mean-field scores", err)) ||
        !(H = ax_alloc(LL, sizeof *H, 0, "head: scores", err)) ||
        !(gap = ax_alloc(L, sizeof *gap, 0, "head: column gaps", err)) ||
        !(ent = ax_alloc(L, sizeof *ent, 0, "head: column entropies", err))) {
        rc = AXCON_ENOMEM;
        goto done;
    }
    if ((rc = axcon_mf_scores(msa, w, neff, o, M, err)) != AXCON_OK) goto done;
    for (size_t i = 0; i < L; i++) M[i * L + i] = 0.0;
    axcon_apc(M, L);
    if ((rc = axcon_head_column_stats(msa, w, gap, ent, err)) != AXCON_OK) goto done;
    if ((rc = axcon_head_scores(L, S, M, gap, ent, H, err)) != AXCON_OK) goto done;
    memcpy(S, H, LL * sizeof *S);
    axcon_info("contact head applied (attn + mean-field features)");
done:
    free(M);
    free(H);
    free(gap);
    free(ent);
    return rc;
}

int axcon_predict(const axcon_msa_t *msa, const axcon_predict_opts_t *o, axcon_cmap_t **out, axcon_error_t *err)
{
    int status = AXCON_OK;
    double *w = NULL, *S = NULL, *raw = NULL;
    axcon_cmap_t *cm = NULL;
    axcon_predict_opts_t defaults;
    *out = NULL;
    if (!msa) return axcon_error_set(err, AXCON_EUSAGE, "predict: no alignment");
    if (!o) {
        axcon_predict_opts_init(&defaults);
        o = &defaults;
    }
    if ((status = check_opts(o, err)) != AXCON_OK) return status;
    size_t N = axcon_msa_nseq(msa), L = axcon_msa_ncol(msa);
    const char *mname = axcon_method_name(o->method);
    if (L < 2)
        return axcon_error_set(err, AXCON_EINPUT,
                               "alignment has %zu usable column%s: contact prediction needs at least 2", L,
                               L == 1 ? "" : "s");
    if (N < 2)
        return axcon_error_set(err, AXCON_EINPUT,
                               "alignment holds only the query sequence: co-evolution needs homologous sequences");
    int novar = 0;
    if ((status = check_informative(msa, &novar, err)) != AXCON_OK) return status;

    if (o->max_mem > 0.0) { /* refuse before allocating anything big (axcon_predict_estimate) */
        axcon_estimate_t est;
        if ((status = axcon_predict_estimate(msa, o, 0, &est, err)) != AXCON_OK) return status;
        if (est.bytes > o->max_mem)
            return axcon_error_set(err, AXCON_ERESOURCE,
                                   "method %s on %zu sequences x %zu columns needs about %.2f GB, more than the "
                                   "%.2f GB allowed (--max-mem)", mname, N, L, est.bytes / 1073741824.0,
                                   o->max_mem / 1073741824.0);
    }
    double neff = 0.0;
    size_t LL;
    if (ax_mul_ok(L, L, &LL) != 0) return axcon_error_set(err, AXCON_ENOMEM, "%zu columns: score matrix too large", L);
    if (!(w = ax_alloc(N, sizeof *w, 0, "sequence weights", err))) { status = AXCON_ENOMEM; goto done; }
    if ((status = axcon_weights_identity(msa, o->id_threshold, w, &neff, err)) != AXCON_OK) goto done;
    axcon_info("%zu sequences, %zu columns, Neff %.1f (identity %.2f); method %s", N, L, neff, o->id_threshold, mname);
    if (neff / sqrt((double)L) < 1.0)
        axcon_warn("shallow alignment (Neff %.1f for %zu columns): contact predictions will be unreliable", neff, L);

    if (!(S = ax_alloc(LL, sizeof *S, 1, "score matrix", err))) { status = AXCON_ENOMEM; goto done; }
    if (!novar && (status = run_model(msa, w, neff, o, S, err)) != AXCON_OK) goto done;
    size_t bad = first_nonfinite(S, L);
    if (bad < LL) {
        status = axcon_error_set(err, AXCON_EINTERNAL, "method %s produced a non-finite score at columns %zu,%zu",
                                 mname, bad / L, bad % L);
        goto done;
    }
    for (size_t i = 0; i < L; i++) S[i * L + i] = 0.0;
    if (!(raw = ax_alloc(LL, sizeof *raw, 0, "raw score copy", err))) { status = AXCON_ENOMEM; goto done; }
    memcpy(raw, S, LL * sizeof *S);

    if (o->apc) axcon_apc(S, L);
    if (o->method == AXCON_METHOD_ATTN && o->attn_head && o->apc && !novar &&
        (status = apply_head(msa, w, neff, o, S, err)) != AXCON_OK)
        goto done;
    if (o->mf_sharpen > 0 && o->method == AXCON_METHOD_MF) {
        if ((status = axcon_mf_sharpen(S, L, o->mf_sharpen, o->mf_tau, err)) != AXCON_OK) goto done;
    }
    bad = first_nonfinite(S, L);
    if (bad < LL) {
        status = axcon_error_set(err, AXCON_EINTERNAL, "non-finite score after APC at columns %zu,%zu", bad / L, bad % L);
        goto done;
    }
    if ((status = axcon_cmap_from_scores(msa, S, neff, mname, o->min_sep, &cm, err)) != AXCON_OK) goto done;
    {
        size_t nranked = 0;
        axcon_cmap_ranked(cm, &nranked);
        if (nranked == 0)
            axcon_warn("no two of the %zu columns are %d or more query positions apart: no pairs to rank", L,
                       o->min_sep);
    }
    if ((status = axcon_cmap_set_raw_scores(cm, msa, raw, err)) != AXCON_OK) goto done;
    *out = cm;
    cm = NULL;
done:
    axcon_cmap_free(cm);
    free(w);
    free(S);
    free(raw);
    return status;
}
