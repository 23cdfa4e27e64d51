/* predict.c - owns the pipeline order (prepared alignment -> model raw scores -> APC ->
 * optional post-processing -> ranked, calibrated contact map), the method names, the mapping
 * of the pipeline options onto each model's own options (whose defaults live in the model
 * headers), the one mean-field run per prediction that -m attn shares between its warm start
 * and the contact head, and the resource estimate that sums the models' own estimates (see
 * axcon/predict.h). The default method is attn. */
#include "axcon/predict.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "axcon/log.h"
#include "axcon/prep.h"
#include "axcon/weights.h"
#include "core/rows.h"
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
    o->mf_pseudocount = AXCON_MF_DEFAULT_PSEUDOCOUNT; /* axcon/mf.h says why 0.7 */
    o->mf_sharpen = 0; /* METHOD.md: sharpening did not raise the mean across families */
    o->mf_tau = 1.0;
    o->plm_lambda_h = AXCON_PLM_DEFAULT_LAMBDA_H;
    o->plm_lambda_j = AXCON_PLM_DEFAULT_LAMBDA_J;
    o->plm_max_iter = 0; /* 0 = the model's own default (plm.h) */
    o->plm_tol = 0.0;    /* 0 = the model's own default */
    o->attn_heads = 0;   /* 0 = the model's own defaults (attn.h) */
    o->attn_dim = 0;
    o->attn_lambda = 0.0;
    o->attn_max_iter = 0;
    o->attn_tol = 0.0;     /* 0 = the model's own default */
    o->attn_residual = AXCON_ATTN_RESIDUAL_AUTO;
    o->head = AXCON_HEAD_NET; /* the contact network on by default for attn and mf (axcon/head.h; README) */
}

axcon_predict_opts_t *axcon_predict_opts_new(void)
{
    axcon_predict_opts_t *o = malloc(sizeof *o);
    if (o) axcon_predict_opts_init(o);
    return o;
}

void axcon_predict_opts_free(axcon_predict_opts_t *o) { free(o); }

/* One option by name, as the CLI's long option of the same name takes it. */
int axcon_predict_opts_set(axcon_predict_opts_t *o, const char *key, const char *value, axcon_error_t *err)
{
    long lv;
    double dv;
    if (!o || !key) return axcon_error_set(err, AXCON_EUSAGE, "prediction option: missing argument");
    if (!value) return axcon_error_set(err, AXCON_EUSAGE, "%s wants a value", key);
#define BAD(...) axcon_error_set(err, AXCON_EUSAGE, __VA_ARGS__)
    if (!strcmp(key, "method")) return axcon_method_parse(value, &o->method, err);
    if (!strcmp(key, "min-sep")) {
        if (ax_parse_long(value, 1, 1000000, &lv)) return BAD("min-sep wants a whole number >= 1, got '%s'", value);
        o->min_sep = (int)lv;
    } else if (!strcmp(key, "id")) {
        if (ax_parse_double(value, 1e-9, 1.0, &o->id_threshold)) return BAD("id wants a number in (0,1], got '%s'", value);
    } else if (!strcmp(key, "apc")) {
        if (!strcmp(value, "1") || !strcmp(value, "yes") || !strcmp(value, "true")) o->apc = 1;
        else if (!strcmp(value, "0") || !strcmp(value, "no") || !strcmp(value, "false")) o->apc = 0;
        else return BAD("apc wants yes or no (1 or 0), got '%s'", value);
    } else if (!strcmp(key, "pseudocount")) {
        if (ax_parse_double(value, 0.0, 0.999999, &o->mf_pseudocount))
            return BAD("pseudocount wants a number in [0,1), got '%s'", value);
    } else if (!strcmp(key, "sharpen")) {
        if (ax_parse_long(value, 0, 100, &lv)) return BAD("sharpen wants a whole number from 0 to 100, got '%s'", value);
        o->mf_sharpen = (int)lv;
    } else if (!strcmp(key, "tau")) {
        if (ax_parse_double(value, 1e-6, 1e6, &o->mf_tau)) return BAD("tau wants a positive number, got '%s'", value);
    } else if (!strcmp(key, "lambda-h")) {
        if (ax_parse_double(value, 0.0, 1e6, &o->plm_lambda_h)) return BAD("lambda-h wants a number >= 0, got '%s'", value);
    } else if (!strcmp(key, "lambda-j")) {
        if (ax_parse_double(value, 0.0, 1e6, &o->plm_lambda_j)) return BAD("lambda-j wants a number >= 0, got '%s'", value);
    } else if (!strcmp(key, "max-iter")) {
        if (ax_parse_long(value, 1, 1000000, &lv)) return BAD("max-iter wants a whole number >= 1, got '%s'", value);
        o->plm_max_iter = o->attn_max_iter = (int)lv;
    } else if (!strcmp(key, "tol")) {
        if (ax_parse_double(value, 0.0, 1.0, &o->plm_tol)) return BAD("tol wants a number in [0,1], got '%s'", value);
        o->attn_tol = o->plm_tol;
    } else if (!strcmp(key, "heads")) {
        if (ax_parse_long(value, 1, 4096, &lv)) return BAD("heads wants a whole number from 1 to 4096, got '%s'", value);
        o->attn_heads = (int)lv;
    } else if (!strcmp(key, "head-dim")) {
        if (ax_parse_long(value, 1, 4096, &lv)) return BAD("head-dim wants a whole number from 1 to 4096, got '%s'", value);
        o->attn_dim = (int)lv;
    } else if (!strcmp(key, "attn-lambda")) {
        if (ax_parse_double(value, 0.0, 1e6, &dv)) return BAD("attn-lambda wants a number >= 0, got '%s'", value);
        o->attn_lambda = dv;
    } else if (!strcmp(key, "attn-residual")) {
        if (!strcmp(value, "auto")) o->attn_residual = AXCON_ATTN_RESIDUAL_AUTO;
        else if (!strcmp(value, "dense")) o->attn_residual = AXCON_ATTN_RESIDUAL_DENSE;
        else if (!strcmp(value, "sparse")) o->attn_residual = AXCON_ATTN_RESIDUAL_SPARSE;
        else return BAD("attn-residual wants auto, dense or sparse, got '%s'", value);
    } else if (!strcmp(key, "head")) {
        if (!strcmp(value, "linear")) o->head = AXCON_HEAD_LINEAR;
        else if (!strcmp(value, "net")) o->head = AXCON_HEAD_NET;
        else if (!strcmp(value, "none")) o->head = AXCON_HEAD_NONE;
        else return BAD("head wants linear, net or none, got '%s'", value);
    } else if (!strcmp(key, "max-mem")) {
        if (ax_parse_size(value, &o->max_mem)) return BAD("max-mem wants a size such as 4G, 500M or 0, got '%s'", value);
    } else {
        return BAD("unknown prediction option '%s' (method, min-sep, id, apc, pseudocount, sharpen, tau, lambda-h, "
                   "lambda-j, max-iter, tol, heads, head-dim, attn-lambda, attn-residual, head, max-mem)", key);
    }
#undef BAD
    return AXCON_OK;
}

static int check_opts(const axcon_predict_opts_t *o, axcon_error_t *err)
{
    if (!(o->id_threshold > 0.0 && o->id_threshold <= 1.0))
        return axcon_error_set(err, AXCON_EUSAGE, "identity threshold must be in (0,1], got %g", o->id_threshold);
    if (o->min_sep < 1) return axcon_error_set(err, AXCON_EUSAGE, "minimum separation must be >= 1, got %d", o->min_sep);
    if (!(o->mf_pseudocount >= 0.0 && o->mf_pseudocount < 1.0))
        return axcon_error_set(err, AXCON_EUSAGE, "pseudocount must be in [0,1), got %g", o->mf_pseudocount);
    if (o->mf_sharpen < 0) return axcon_error_set(err, AXCON_EUSAGE, "sharpening passes must be >= 0");
    if ((unsigned)o->head > AXCON_HEAD_NET) return axcon_error_set(err, AXCON_EUSAGE, "unknown contact head %d", (int)o->head);
    if (o->potts && o->method == AXCON_METHOD_MF)
        return axcon_error_set(err, AXCON_EUSAGE,
                               "the Potts model's fields and couplings come from -m plm or -m attn; mean-field "
                               "DCA (-m mf) fits no fields");
    if (o->mf_sharpen > 0 && !(o->mf_tau > 0.0 && isfinite(o->mf_tau)))
        return axcon_error_set(err, AXCON_EUSAGE, "sharpening temperature must be > 0, got %g", o->mf_tau);
    if (!(o->plm_lambda_h >= 0.0 && isfinite(o->plm_lambda_h)) || !(o->plm_lambda_j >= 0.0 && isfinite(o->plm_lambda_j)))
        return axcon_error_set(err, AXCON_EUSAGE, "regularisation strengths must be finite and >= 0");
    if (o->plm_max_iter < 0 || o->attn_max_iter < 0 || o->attn_heads < 0 || o->attn_dim < 0)
        return axcon_error_set(err, AXCON_EUSAGE, "iteration counts and sizes must be >= 0");
    if (!(o->plm_tol >= 0.0 && isfinite(o->plm_tol)) || !(o->attn_lambda >= 0.0 && isfinite(o->attn_lambda)) ||
        !(o->attn_tol >= 0.0 && isfinite(o->attn_tol)))
        return axcon_error_set(err, AXCON_EUSAGE, "tolerances and attention lambda must be finite and >= 0");
    if (o->attn_residual < AXCON_ATTN_RESIDUAL_AUTO || o->attn_residual > AXCON_ATTN_RESIDUAL_SPARSE)
        return axcon_error_set(err, AXCON_EUSAGE, "unknown attention residual form %d", o->attn_residual);
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

static void plm_opts(const axcon_predict_opts_t *o, axcon_plm_opts_t *po)
{
    axcon_plm_opts_init(po);
    po->lambda_h = o->plm_lambda_h;
    po->lambda_j = o->plm_lambda_j;
    if (o->plm_max_iter > 0) po->max_iter = o->plm_max_iter;
    if (o->plm_tol > 0.0) po->tol = o->plm_tol;
}

static double base_bytes(size_t N, size_t L, size_t nu, int threads);

/* The model's share of --max-mem: what the pipeline holds beside it (the run's fixed bytes,
 * the kept mean-field seed, the written couplings) taken off; 0 = no limit. */
static double attn_mem_limit(const axcon_predict_opts_t *o, size_t N, size_t L, size_t nu, int threads)
{
    if (!(o->max_mem > 0.0)) return 0.0;
    const double LL = (double)L * (double)L;
    double beside = base_bytes(N, L, nu, threads) + 8.0 * LL;
    if (o->potts) beside += 4.0 * 441.0 * (double)L * ((double)L - 1.0) / 2.0 + 4.0 * 441.0 * (double)L;
    double lim = o->max_mem - beside;
    return lim > 1.0 ? lim : 1.0;
}

static void attn_opts(const axcon_predict_opts_t *o, axcon_attn_opts_t *ao)
{
    axcon_attn_opts_init(ao);
    ao->residual = (axcon_attn_residual_t)o->attn_residual;
    if (o->attn_heads > 0) ao->heads = o->attn_heads;
    if (o->attn_dim > 0) ao->dim = o->attn_dim;
    if (o->attn_lambda > 0) ao->lambda = o->attn_lambda;
    if (o->attn_max_iter > 0) ao->max_iter = o->attn_max_iter;
    if (o->attn_tol > 0) ao->tol = o->attn_tol;
    if (ao->min_iter > ao->max_iter) ao->min_iter = ao->max_iter;
}

/* The models hand over their fitted Potts model; the caller's callback also gets the alignment. */
typedef struct potts_tramp {
    const axcon_predict_opts_t *o;
    const axcon_msa_t *msa;
} potts_tramp_t;

static int potts_tramp(void *ctx, const axcon_potts_t *m, axcon_error_t *err)
{
    const potts_tramp_t *t = ctx;
    return t->o->potts(t->o->potts_ctx, t->msa, m, err);
}

/* Whether -m attn pools its trained attention maps for the network head (the shipped attn
 * network takes the two attention channels of axcon/head.h). */
static int wants_attn_pool(const axcon_predict_opts_t *o)
{
    return o->method == AXCON_METHOD_ATTN && o->apc && o->head == AXCON_HEAD_NET && axcon_head_net_channels(1) == 12;
}

/* The trained maps go to the caller's callback (if any), then are pooled into the head's two
 * attention channels (pool: 2 x L x L, or NULL for none); one set per run. */
typedef struct maps_tramp {
    const axcon_predict_opts_t *o;
    double *pool;
    int pooled;
} maps_tramp_t;

static int maps_tramp(void *ctx, const axcon_attn_maps_t *mp, axcon_error_t *err)
{
    maps_tramp_t *t = ctx;
    int rc;
    if (t->o->attn_maps && (rc = t->o->attn_maps(t->o->attn_maps_ctx, mp, err)) != AXCON_OK) return rc;
    if (!t->pool || t->pooled) return AXCON_OK;
    if ((rc = axcon_head_attn_pool(mp, t->pool, t->pool + mp->L * mp->L, err)) != AXCON_OK) return rc;
    t->pooled = 1;
    return AXCON_OK;
}

/* The model's raw scores into S. For attn, *mfapc receives the APC-corrected mean-field map
 * (allocated here) that seeded its warm start, for the contact head to reuse, and *pool the
 * head's two attention channels (allocated here; NULL when the head does not take them). */
static int run_model(const axcon_prep_t *p, const axcon_predict_opts_t *o, double *S, double **mfapc,
                     double **pool, axcon_error_t *err)
{
    switch (o->method) {
    case AXCON_METHOD_MF: return axcon_mf_scores(p, o->mf_pseudocount, AXCON_MF_AUTO, S, err);
    case AXCON_METHOD_PLM: {
        axcon_plm_opts_t po;
        plm_opts(o, &po);
        potts_tramp_t tr = {o, axcon_prep_msa(p)};
        if (o->potts) {
            po.potts_cb = potts_tramp;
            po.potts_ctx = &tr;
        }
        return axcon_plm_scores(p, &po, S, err);
    }
    case AXCON_METHOD_ATTN: {
        const axcon_msa_t *msa = axcon_prep_msa(p);
        const size_t L = axcon_prep_ncol(p);
        axcon_attn_opts_t ao;
        int *pos = NULL, rc;
        double *M = ax_alloc(L * L, sizeof *M, 0, "mean-field scores", err);
        if (!M) return AXCON_ENOMEM;
        attn_opts(o, &ao);
        ao.mem_limit = attn_mem_limit(o, axcon_prep_nseq(p), L, axcon_prep_ndistinct(p), ax_max_threads());
        potts_tramp_t tr = {o, msa};
        maps_tramp_t mt = {o, NULL, 0};
        if (o->potts) {
            ao.potts_cb = potts_tramp;
            ao.potts_ctx = &tr;
        }
        rc = AXCON_OK;
        if (o->attn_maps) {
            if (!(pos = ax_alloc(L, sizeof *pos, 0, "attn: query positions", err))) rc = AXCON_ENOMEM;
            else
                for (size_t c = 0; c < L; c++) pos[c] = axcon_msa_col_pos(msa, c);
            ao.maps_pos = pos;
        }
        if (rc == AXCON_OK && wants_attn_pool(o) &&
            !(mt.pool = ax_alloc(2 * L * L, sizeof *mt.pool, 0, "head: attention channels", err)))
            rc = AXCON_ENOMEM;
        if (o->attn_maps || mt.pool) {
            ao.maps_cb = maps_tramp;
            ao.maps_ctx = &mt;
        }
        if (rc == AXCON_OK && (rc = axcon_mf_scores(p, o->mf_pseudocount, AXCON_MF_AUTO, M, err)) == AXCON_OK) {
            axcon_apc(M, L);
            rc = axcon_attn_scores(p, &ao, M, S, err);
        }
        if (rc == AXCON_OK && mt.pool && !mt.pooled)
            rc = axcon_error_set(err, AXCON_EINTERNAL, "attn: the trained model handed over no attention maps");
        free(pos);
        if (rc != AXCON_OK) {
            free(M);
            free(mt.pool);
            return rc;
        }
        *mfapc = M;
        *pool = mt.pool;
        return AXCON_OK;
    }
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

/* The contact head `apply` (axcon_head_kind_t; AXCON_HEAD_NONE: none) and/or the head_input
 * hook over S, the method's scores after APC (replaced by the head's scores). *M: the APC
 * mean-field map of the run (attn), computed here when the method did not need it (plm, or
 * attn without variation); -m mf's own map is S. pool: -m attn's attention channels or NULL. */
static int run_head(const axcon_prep_t *p, const axcon_predict_opts_t *o, const char *mname, int apply, double *S,
                    double **M, const double *pool, axcon_error_t *err)
{
    const size_t L = axcon_prep_ncol(p), LL = L * L;
    int rc = AXCON_OK;
    double *H = NULL;
    int *pos = ax_alloc(L, sizeof *pos, 0, "head input: positions", err);
    if (!pos) return AXCON_ENOMEM;
    for (size_t c = 0; c < L; c++) pos[c] = axcon_msa_col_pos(axcon_prep_msa(p), c);
    if (o->method != AXCON_METHOD_MF && !*M) {
        if (!(*M = ax_alloc(LL, sizeof **M, 0, "mean-field scores", err))) rc = AXCON_ENOMEM;
        else if ((rc = axcon_mf_scores(p, o->mf_pseudocount, AXCON_MF_AUTO, *M, err)) == AXCON_OK)
            axcon_apc(*M, L);
    }
    const axcon_head_input_t in = {L, pos, mname, o->method == AXCON_METHOD_MF ? NULL : S,
                                   o->method == AXCON_METHOD_MF ? S : *M, axcon_prep_freq(p), axcon_prep_neff(p),
                                   axcon_prep_nseq(p), axcon_prep_ndistinct(p), pool, pool ? pool + LL : NULL};
    if (rc == AXCON_OK && o->head_input) {
        rc = o->head_input(o->head_input_ctx, &in, err);
        if (rc > 0) rc = axcon_error_set(err, AXCON_EINTERNAL, "head input callback returned %d", rc);
    }
    if (rc == AXCON_OK && apply == AXCON_HEAD_NET) {
        double t0 = axcon_realtime();
        if (!(H = ax_alloc(LL, sizeof *H, 0, "head: logits", err))) rc = AXCON_ENOMEM;
        else if ((rc = axcon_head_apply(&in, H, err)) == AXCON_OK) {
            memcpy(S, H, LL * sizeof *S);
            axcon_info("contact network applied (%d channels, %d member(s), %zu parameters, %.2f s)",
                       axcon_head_nchannels(&in), axcon_head_nmembers(in.F != NULL), axcon_head_nparams(in.F != NULL),
                       axcon_realtime() - t0);
        }
    } else if (rc == AXCON_OK && apply == AXCON_HEAD_LINEAR) {
        double *gap = NULL;
        if (!(H = ax_alloc(LL, sizeof *H, 0, "head: scores", err)) ||
            !(gap = ax_alloc(2 * L, sizeof *gap, 0, "head: column statistics", err)))
            rc = AXCON_ENOMEM;
        else if ((rc = axcon_head_column_stats(p, gap, gap + L, err)) == AXCON_OK &&
                 (rc = axcon_head_scores(L, S, *M, gap, gap + L, H, err)) == AXCON_OK) {
            memcpy(S, H, LL * sizeof *S);
            axcon_info("contact head applied (attn + mean-field features)");
        }
        free(gap);
    }
    free(H);
    free(pos);
    return rc;
}

int axcon_predict(const axcon_msa_t *msa, const axcon_predict_opts_t *o, axcon_cmap_t **out, axcon_error_t *err)
{
    int status = AXCON_OK;
    double *S = NULL, *raw = NULL, *M = NULL, *pool = NULL;
    axcon_prep_t *prep = NULL;
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
    if ((status = axcon_prep_new(msa, o->id_threshold, &prep, err)) != AXCON_OK) goto done;
    neff = axcon_prep_neff(prep);
    axcon_info("%zu sequences, %zu columns, Neff %.1f (identity %.2f); method %s", N, L, neff, o->id_threshold, mname);
    if (neff / sqrt((double)L) < 1.0)
        axcon_warn("shallow alignment (Neff %.1f for %zu columns): contact predictions will be unreliable", neff, L);

    if (!(S = ax_alloc(LL, sizeof *S, 1, "score matrix", err))) { status = AXCON_ENOMEM; goto done; }
    if (!novar && (status = run_model(prep, o, S, &M, &pool, err)) != AXCON_OK) goto done;
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
    /* the linear head exists for attn only, the network for attn and mf */
    int apply = o->apc && !novar ? (int)o->head : AXCON_HEAD_NONE;
    if (o->method == AXCON_METHOD_PLM || (apply == AXCON_HEAD_LINEAR && o->method != AXCON_METHOD_ATTN))
        apply = AXCON_HEAD_NONE;
    if ((apply || o->head_input) && (status = run_head(prep, o, mname, apply, S, &M, pool, err)) != AXCON_OK) goto done;
    if (o->mf_sharpen > 0 && o->method == AXCON_METHOD_MF) {
        if ((status = axcon_mf_sharpen(S, L, o->mf_sharpen, o->mf_tau, err)) != AXCON_OK) goto done;
    }
    bad = first_nonfinite(S, L);
    if (bad < LL) {
        status = axcon_error_set(err, AXCON_EINTERNAL, "non-finite score after APC at columns %zu,%zu", bad / L, bad % L);
        goto done;
    }
    /* the label names the head that ranked the pairs: the network's ranking has calibration
     * constants of its own ("attn+net", "mf+net"); "attn+linear" takes attn's */
    char cname[24];
    snprintf(cname, sizeof cname, "%s%s", mname,
             apply == AXCON_HEAD_NET ? "+net" : apply == AXCON_HEAD_LINEAR ? "+linear" : "");
    if ((status = axcon_cmap_from_scores(msa, S, neff, cname, o->min_sep, &cm, err)) != AXCON_OK) goto done;
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
    axcon_prep_free(prep);
    free(S);
    free(raw);
    free(M);
    free(pool);
    return status;
}

/* ---- resources: the sum of the models' own estimates (each next to its allocations) ---- */

#define MB (1024.0 * 1024.0)

/* Bytes every run pays: the program, OpenMP/BLAS runtime and the alignment itself (N x L
 * codes plus the reader's buffers, about one more copy), the prepared alignment (distinct
 * rows, weights, groups, frequencies) and the pipeline's two L x L score matrices plus the
 * contact map's (score, raw, ranked). */
static double base_bytes(size_t N, size_t L, size_t nu, int threads)
{
    double LL = (double)L * (double)L, Nf = (double)N, Lf = (double)L, nuf = (double)nu;
    return 8.0 * MB + 0.5 * MB * threads             /* text, libraries, BLAS buffers, thread stacks */
           + 2.0 * Nf * Lf                            /* alignment codes (+ reader's arena) */
           + nuf * Lf + 24.0 * Nf + 24.0 * nuf + 8.0 * 21.0 * Lf /* prepared alignment */
           + 8.0 * LL * 4.0                           /* S, raw copy, cmap S and raw matrices */
           + 24.0 * LL / 2.0;                         /* ranked pairs */
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
    size_t N = axcon_msa_nseq(msa), L = axcon_msa_ncol(msa), nu = N;
    size_t *gid = ax_alloc(N ? N : 1, sizeof *gid, 0, "estimate: row groups", err);
    if (!gid) return AXCON_ENOMEM;
    int st = ax_row_groups(axcon_msa_data(msa), N, L, NULL, gid, NULL, &nu, err);
    free(gid);
    if (st != AXCON_OK) return st;
    double b = 0.0, t = 0.0, mb = 0.0, mt = 0.0, LL = (double)L * (double)L;
    switch (o->method) {
    case AXCON_METHOD_MF: axcon_mf_estimate(L, N, nu, o->mf_pseudocount, threads, &b, &t); break;
    case AXCON_METHOD_PLM: {
        axcon_plm_opts_t po;
        plm_opts(o, &po);
        axcon_plm_estimate(L, N, nu, &po, threads, &b, &t);
        if (o->potts) b += 4.0 * 441.0 * (double)L; /* one row of the written J */
        break;
    }
    case AXCON_METHOD_ATTN: {
        /* mean-field first (freed before the model is built), then attn with the kept seed map */
        axcon_attn_opts_t ao;
        attn_opts(o, &ao);
        ao.mem_limit = attn_mem_limit(o, N, L, nu, threads);
        axcon_mf_estimate(L, N, nu, o->mf_pseudocount, threads, &mb, &mt);
        axcon_attn_estimate(L, N, nu, &ao, threads, &b, &t);
        if (o->potts) b += 4.0 * 441.0 * (double)L * ((double)L - 1.0) / 2.0 + 4.0 * 441.0 * (double)L; /* J, a row */
        if (mb > b) b = mb;
        b += 8.0 * LL;
        if (wants_attn_pool(o)) b += 16.0 * LL; /* the head's attention channels, made from the trained maps */
        t += mt;
        break;
    }
    default: return axcon_error_set(err, AXCON_EUSAGE, "unknown method %d", (int)o->method);
    }
    if (o->head == AXCON_HEAD_NET && o->apc && o->method != AXCON_METHOD_PLM) { /* after the model is freed */
        double hb = axcon_head_bytes(L, o->method == AXCON_METHOD_ATTN) + 8.0 * LL;
        if (o->method == AXCON_METHOD_ATTN) hb += 8.0 * LL; /* the kept mean-field map */
        if (wants_attn_pool(o)) hb += 16.0 * LL;            /* and attention channels */
        if (hb > b) b = hb;
        t += 2.5e-9 * (double)axcon_head_nparams(o->method == AXCON_METHOD_ATTN) * LL / 9.0 / threads;
    } else if (o->head == AXCON_HEAD_LINEAR && o->apc && o->method == AXCON_METHOD_ATTN) {
        b += 8.0 * LL; /* the head's score map beside the kept mean-field map */
    }
    est->model_bytes = b;
    /* sequence weights: the SIMD identity kernel over distinct pairs */
    est->seconds = t + 1e-11 * (double)nu * (double)nu * (double)L / threads;
    est->bytes = base_bytes(N, L, nu, threads) + est->model_bytes;
    return AXCON_OK;
}
