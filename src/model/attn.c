/* attn.c - owns the factored-attention model of -m attn (see axcon/attn.h and attn_impl.h):
 * parameters, the attention/coupling forward pass, the back-propagation of the shared
 * pseudo-likelihood kernel's coupling gradient to Q, K, V and the fields, the warm start
 * from closed-form co-variation (mean-field seed as a per-head logit bias, log-odds value
 * patterns), the optional pair bias and free Potts residual, full-batch L-BFGS training, the
 * score reductions, the soft sequence-identity weights (the sequence axis) and the optional
 * weight-proportional subsample of deep alignments.
 *
 * Determinism: every output element is written by one thread, or partial sums are formed over
 * a fixed number of pair blocks (independent of the thread count) and combined in block
 * order, so results are identical for every thread count. */
#include "axcon/attn.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "axcon/log.h"
#include "axcon/mf.h"
#include "axcon/pll.h"
#include "axcon/weights.h"
#include "core/util.h"
#include "model/attn_impl.h"
#include "model/lbfgs.h"
#include "model/pll_internal.h"

#define Q21 AXCON_PLL_Q
#define QQ (AXCON_PLL_Q * AXCON_PLL_Q)
#define NBLK_MAX 64
#define QQP 448 /* q*q padded to a multiple of 16 */
#define TP 4    /* pairs per register tile */
#define TT 64   /* states per register tile */
#define SUBP 64 /* pairs per float sub-block of the value gradient */
#define HCH 64  /* pairs per chunk of the row hook */

/* ---------------------------------------------------------------- random numbers */

static unsigned long long sm64(unsigned long long *s)
{
    unsigned long long z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static double unif(unsigned long long *s) { return ((double)(sm64(s) >> 11) + 0.5) * (1.0 / 9007199254740992.0); }

static double gauss(unsigned long long *s)
{
    double u = unif(s), v = unif(s);
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

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
}

/* ---------------------------------------------------------------- model workspace */

static size_t pair_index(size_t i, size_t j, size_t L) { return i * L - i * (i + 1) / 2 + (j - i - 1); }

void ax_attn_model_free(ax_attn_model_t *m)
{
    if (!m) return;
    free(m->A);
    free(m->bias);
    free(m->dL);
    free(m->own_work);
    free(m->xr);
    free(m->gR);
    free(m->hk);
    free(m->wsb);
    free(m->Kt);
    free(m->Cp);
    free(m->dC);
    free(m->Vx);
    free(m->part);
    free(m->gsc);
    free(m->hf);
    free(m->gh);
    free(m->Jc);
    free(m->gJc);
    memset(m, 0, sizeof(*m));
}

int ax_attn_model_init(ax_attn_model_t *m, const axcon_pll_data_t *data, size_t H, size_t d, double lam_w,
                       double lam_h, double lam_qk, double lam_v, double lam_e, double lam_r, axcon_error_t *err)
{
    memset(m, 0, sizeof(*m));
    size_t L = axcon_pll_ncol(data);
    if (L < 2 || H < 1 || d < 1) return axcon_error_set(err, AXCON_EUSAGE, "attn: need L >= 2, heads >= 1, dim >= 1");
    m->L = L;
    m->H = H;
    m->d = d;
    m->q = Q21;
    m->P = L * (L - 1) / 2;
    m->data = data;
    m->lam_w = lam_w;
    m->lam_h = lam_h;
    m->lam_qk = lam_qk;
    m->lam_v = lam_v;
    m->lam_e = lam_e;
    m->use_e = lam_e > 0;
    m->lam_r = lam_r;
    m->use_r = lam_r > 0;
    size_t LL, HLL, P2H, HLd, nsym = axcon_pll_nsym(L);
    if (ax_mul_ok(L, L, &LL) || ax_mul_ok(H, LL, &HLL) || ax_mul_ok(m->P + TP, 2 * H, &P2H) ||
        ax_mul_ok(H * L, d, &HLd) || nsym == 0)
        return axcon_error_set(err, AXCON_ENOMEM, "attn: model size overflows (L=%zu, H=%zu, d=%zu)", L, H, d);
    m->off_v = L * Q21;
    m->off_q = m->off_v + H * QQ;
    m->off_k = m->off_q + HLd;
    m->off_g = m->off_k + HLd;
    m->off_e = m->off_g + H;
    m->nx = m->off_e + (m->use_e ? m->P : 0);
    m->nr = m->use_r ? nsym : 0;
    /* fixed pair blocks (a function of P only, so results do not depend on the thread count) */
    m->nblk = m->P / 1024 + 1;
    if (m->nblk > NBLK_MAX) m->nblk = NBLK_MAX;
    if (!(m->A = ax_alloc(HLL, sizeof(double), 1, "attn: attention maps", err))) goto fail;
    if (!(m->Kt = ax_alloc(HLd, sizeof(double), 1, "attn: transposed keys", err))) goto fail;
    if (m->use_e && !(m->dL = ax_alloc(HLL, sizeof(double), 1, "attn: logit gradient", err))) goto fail;
    /* the optimiser's point [x | R] lives here (R starts at 0); no other P*q*q array is kept */
    if (m->nx > SIZE_MAX - m->nr || !(m->xr = ax_vec_alloc(m->nx + m->nr, 1, "attn: parameters", err))) {
        if (err && err->status == AXCON_OK) axcon_error_set(err, AXCON_ENOMEM, "attn: parameter vector overflows");
        goto fail;
    }
    if (m->use_r) {
        m->R = m->xr + m->nx;
        m->Rf = m->R;
        m->gRf = NULL;
    }
    if (!(m->Cp = ax_alloc(P2H, sizeof(float), 1, "attn: pair coefficients", err))) goto fail;
    if (!(m->dC = ax_alloc(P2H, sizeof(float), 1, "attn: pair gradient", err))) goto fail;
    if (!(m->Vx = ax_alloc((2 * H + 4) * QQP, sizeof(float), 1, "attn: values", err))) goto fail; /* + 4 zero rows for the tiles */
    if (!(m->part = ax_alloc(m->nblk * 2 * H * QQP, sizeof(double), 1, "attn: value partials", err))) goto fail;
    if (!(m->gsc = ax_alloc(m->nblk * SUBP * QQP, sizeof(float), 1, "attn: gradient scratch", err))) goto fail;
    if (!(m->wsb = ax_alloc(m->nblk * SUBP * QQ, sizeof(float), 1, "attn: coupling blocks", err))) goto fail;
    if (!(m->hf = ax_alloc(L * Q21, sizeof(float), 1, "attn: fields", err))) goto fail;
    if (!(m->gh = ax_alloc(L * Q21, sizeof(float), 1, "attn: field gradient", err))) goto fail;
    return AXCON_OK;
fail:
    ax_attn_model_free(m);
    return err ? err->status : AXCON_ENOMEM;
}

/* ---------------------------------------------------------------- dense kernels
 * Three products over the pairs (P) x values (2H) x states (QQP = q*q padded to 448):
 *   fwd:  Jc[p][t]  = 1/2 sum_k Cp[p][k] Vx[k][t]
 *   dot:  dC[p][k]  = sum_t G[p][t] Vx[k][t]
 *   acc:  part[k][t] += sum_p Cp[p][k] G[p][t]       (float over SUBP pairs, then double)
 * Register tiles of 4 x 4 vectors written with GCC vector extensions; instantiated for
 * AVX-512 (16 floats), AVX2+FMA (8 floats) and a portable 4-float build, chosen at run time.
 * The summation order inside a tile is fixed, so results do not depend on the thread count. */

#define KERNELS(SUF, ATTR, VW)                                                                               \
    typedef float vf_##SUF __attribute__((vector_size(4 * VW), aligned(4)));                               \
    static ATTR void fwd_##SUF(const float *Cp, const float *Vx, size_t H2, size_t p0, size_t p1, float *Jc) \
    {                                                                                                        \
        for (size_t p = p0; p < p1; p += 4) {                                                              \
            const size_t np = p1 - p < 4 ? p1 - p : 4;                                                     \
            const float *c = Cp + p * H2; /* rows beyond P are zero padding */                             \
            for (size_t t0 = 0; t0 < QQP; t0 += 4 * VW) {                                                  \
                vf_##SUF a[4][4];                                                                          \
                for (int r = 0; r < 4; r++)                                                                \
                    for (int u = 0; u < 4; u++) a[r][u] = (vf_##SUF){0};                                  \
                for (size_t k = 0; k < H2; k++) {                                                          \
                    const float *v = Vx + k * QQP + t0;                                                    \
                    vf_##SUF v0, v1, v2, v3;                                                               \
                    memcpy(&v0, v, 4 * VW);                                                                \
                    memcpy(&v1, v + VW, 4 * VW);                                                           \
                    memcpy(&v2, v + 2 * VW, 4 * VW);                                                       \
                    memcpy(&v3, v + 3 * VW, 4 * VW);                                                       \
                    for (int r = 0; r < 4; r++) {                                                          \
                        const float cr = c[r * H2 + k];                                                    \
                        a[r][0] += cr * v0;                                                                \
                        a[r][1] += cr * v1;                                                                \
                        a[r][2] += cr * v2;                                                                \
                        a[r][3] += cr * v3;                                                                \
                    }                                                                                      \
                }                                                                                          \
                for (size_t r = 0; r < np; r++) {                                                          \
                    float tmp[4 * VW];                                                                     \
                    for (int u = 0; u < 4; u++) memcpy(tmp + u * VW, &a[r][u], 4 * VW);                   \
                    float *o = Jc + (p + r) * QQ + t0;                                                     \
                    const size_t nt = QQ - t0 < 4 * VW ? QQ - t0 : 4 * VW;                                 \
                    for (size_t t = 0; t < nt; t++) o[t] = 0.5f * tmp[t];                                  \
                }                                                                                          \
            }                                                                                              \
        }                                                                                                  \
    }                                                                                                      \
    static ATTR void bwd_##SUF(const float *G, size_t np, const float *c, const float *Vx, size_t H2, float *dc, \
                               double *part)                                                               \
    {                                                                                                      \
        for (size_t r0 = 0; r0 < np; r0 += 4)                                                              \
            for (size_t k0 = 0; k0 < H2; k0 += 4) {                                                        \
                vf_##SUF a[4][4];                                                                          \
                for (int r = 0; r < 4; r++)                                                                \
                    for (int u = 0; u < 4; u++) a[r][u] = (vf_##SUF){0};                                  \
                const float *g0 = G + r0 * QQP;                                                            \
                const float *w0 = Vx + k0 * QQP;                                                           \
                for (size_t t = 0; t < QQP; t += VW) {                                                     \
                    vf_##SUF gv[4], vv[4];                                                                 \
                    for (int r = 0; r < 4; r++) memcpy(&gv[r], g0 + r * QQP + t, 4 * VW);                 \
                    for (int u = 0; u < 4; u++) memcpy(&vv[u], w0 + u * QQP + t, 4 * VW);                 \
                    for (int r = 0; r < 4; r++)                                                            \
                        for (int u = 0; u < 4; u++) a[r][u] += gv[r] * vv[u];                             \
                }                                                                                          \
                for (size_t r = 0; r < 4 && r0 + r < np; r++)                                              \
                    for (size_t u = 0; u < 4 && k0 + u < H2; u++) {                                        \
                        float tmp[VW], s = 0;                                                              \
                        memcpy(tmp, &a[r][u], 4 * VW);                                                     \
                        for (int e = 0; e < VW; e++) s += tmp[e];                                          \
                        dc[(r0 + r) * H2 + k0 + u] = s;                                                    \
                    }                                                                                      \
            }                                                                                              \
        for (size_t k0 = 0; k0 < H2; k0 += 4)                                                              \
            for (size_t t0 = 0; t0 < QQP; t0 += 4 * VW) {                                                  \
                vf_##SUF a[4][4];                                                                          \
                for (int r = 0; r < 4; r++)                                                                \
                    for (int u = 0; u < 4; u++) a[r][u] = (vf_##SUF){0};                                  \
                for (size_t r = 0; r < np; r++) {                                                          \
                    const float *g = G + r * QQP + t0;                                                     \
                    vf_##SUF g0v, g1v, g2v, g3v;                                                           \
                    memcpy(&g0v, g, 4 * VW);                                                               \
                    memcpy(&g1v, g + VW, 4 * VW);                                                          \
                    memcpy(&g2v, g + 2 * VW, 4 * VW);                                                      \
                    memcpy(&g3v, g + 3 * VW, 4 * VW);                                                      \
                    const float *cr = c + r * H2 + k0;                                                     \
                    for (int u = 0; u < 4; u++) {                                                          \
                        const float cu = cr[u];                                                            \
                        a[u][0] += cu * g0v;                                                               \
                        a[u][1] += cu * g1v;                                                               \
                        a[u][2] += cu * g2v;                                                               \
                        a[u][3] += cu * g3v;                                                               \
                    }                                                                                      \
                }                                                                                          \
                for (size_t u = 0; u < 4 && k0 + u < H2; u++) {                                            \
                    float tmp[4 * VW];                                                                     \
                    for (int v = 0; v < 4; v++) memcpy(tmp + v * VW, &a[u][v], 4 * VW);                   \
                    double *pk = part + (k0 + u) * QQP + t0;                                               \
                    for (int t = 0; t < 4 * VW; t++) pk[t] += tmp[t];                                      \
                }                                                                                          \
            }                                                                                              \
    }

KERNELS(generic, , 4)
#if defined(__x86_64__) && defined(__GNUC__)
KERNELS(avx2, __attribute__((target("avx2,fma"), optimize("unroll-loops"))), 8)
KERNELS(avx512, __attribute__((target("avx512f,avx512vl,avx2,fma"), optimize("unroll-loops"))), 16)
#define ATTN_HAVE_X86 1
#endif

typedef void (*fwd_fn)(const float *, const float *, size_t, size_t, size_t, float *);
typedef void (*bwd_fn)(const float *, size_t, const float *, const float *, size_t, float *, double *);

/* 0 generic, 1 AVX2, 2 AVX-512 (AXCON_NO_SIMD=1 forces generic). */
static int simd_level(void)
{
#ifdef ATTN_HAVE_X86
    static int cached = -1;
    if (cached < 0) {
        const char *env = getenv("AXCON_NO_SIMD");
        __builtin_cpu_init();
        int ok = !env || !*env || env[0] == '0';
        cached = 0;
        if (ok && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) cached = 1;
        if (cached == 1 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl")) cached = 2;
    }
    return cached;
#else
    return 0;
#endif
}

static fwd_fn pick_fwd(void)
{
#ifdef ATTN_HAVE_X86
    int l = simd_level();
    if (l == 2) return fwd_avx512;
    if (l == 1) return fwd_avx2;
#endif
    return fwd_generic;
}

static bwd_fn pick_bwd(void)
{
#ifdef ATTN_HAVE_X86
    int l = simd_level();
    if (l == 2) return bwd_avx512;
    if (l == 1) return bwd_avx2;
#endif
    return bwd_generic;
}

/* ---------------------------------------------------------------- forward pass */

void ax_attn_softmax(ax_attn_model_t *m, const double *x)
{
    const size_t L = m->L, H = m->H, d = m->d;
    const double *Q = x + m->off_q, *K = x + m->off_k;
    const double sc = 1.0 / sqrt((double)d);
    long nrow = (long)(H * L);
    double *Kt = m->Kt; /* keys transposed per head: Kt[(h*d + k)*L + j] */
#pragma omp parallel for schedule(static)
    for (long hl = 0; hl < (long)H; hl++)
        for (size_t j = 0; j < L; j++)
            for (size_t k = 0; k < d; k++) Kt[((size_t)hl * d + k) * L + j] = K[((size_t)hl * L + j) * d + k];
#pragma omp parallel for schedule(static)
    for (long r = 0; r < nrow; r++) {
        size_t h = (size_t)r / L, i = (size_t)r % L;
        double *row = m->A + (size_t)r * L;
        const double *qi = Q + (h * L + i) * d;
        if (m->bias) {
            const float *b = m->bias + (size_t)r * L;
            const double gam = x[m->off_g + h];
            for (size_t j = 0; j < L; j++) row[j] = gam * (double)b[j];
        } else
            for (size_t j = 0; j < L; j++) row[j] = 0.0;
        if (m->use_e) { /* shared symmetric pair bias */
            const double *E = x + m->off_e;
            for (size_t j = 0; j < i; j++) row[j] += E[pair_index(j, i, L)];
            for (size_t j = i + 1; j < L; j++) row[j] += E[pair_index(i, j, L)];
        }
        for (size_t k = 0; k < d; k++) {
            const double qk = qi[k] * sc;
            const double *kt = Kt + (h * d + k) * L;
            for (size_t j = 0; j < L; j++) row[j] += qk * kt[j];
        }
        double mx = -DBL_MAX;
        for (size_t j = 0; j < L; j++)
            if (j != i && row[j] > mx) mx = row[j];
        double sum = 0;
        for (size_t j = 0; j < L; j++) {
            double e = (j == i) ? 0.0 : exp(row[j] - mx);
            row[j] = e;
            sum += e;
        }
        double inv = 1.0 / sum;
        for (size_t j = 0; j < L; j++) row[j] *= inv;
    }
    /* pair-major coefficients */
    const size_t H2 = 2 * H;
#pragma omp parallel for schedule(static)
    for (long il = 0; il < (long)L; il++) {
        size_t i = (size_t)il;
        float *c0 = m->Cp + (i + 1 < L ? pair_index(i, i + 1, L) : 0) * H2;
        for (size_t h = 0; h < H; h++) {
            const double *ai = m->A + (h * L + i) * L; /* row i: A^h_ij, j > i */
            for (size_t j = i + 1; j < L; j++) c0[(j - i - 1) * H2 + h] = (float)ai[j];
            for (size_t j = i + 1; j < L; j++) c0[(j - i - 1) * H2 + H + h] = (float)m->A[(h * L + j) * L + i];
        }
    }
}

static void build_vx(ax_attn_model_t *m, const double *x)
{
    const double *V = x + m->off_v;
    for (size_t h = 0; h < m->H; h++) {
        const double *v = V + h * QQ;
        float *a = m->Vx + h * QQP, *b = m->Vx + (m->H + h) * QQP;
        for (size_t s = 0; s < Q21; s++)
            for (size_t t = 0; t < Q21; t++) {
                int gap = m->no_gap && (s == AXCON_GAP || t == AXCON_GAP);
                a[s * Q21 + t] = gap ? 0.0f : (float)v[s * Q21 + t];
                b[s * Q21 + t] = gap ? 0.0f : (float)v[t * Q21 + s];
            }
    }
}

int ax_attn_couplings(ax_attn_model_t *m, const double *x, axcon_error_t *err)
{
    if (!m->Jc && !(m->Jc = ax_alloc(axcon_pll_nsym(m->L), sizeof(float), 0, "attn: couplings", err)))
        return AXCON_ENOMEM;
    build_vx(m, x);
    const size_t H2 = 2 * m->H, P = m->P, nb = m->nblk;
    fwd_fn fwd = pick_fwd();
#pragma omp parallel for schedule(static)
    for (long b = 0; b < (long)nb; b++) {
        size_t p0 = P * (size_t)b / nb, p1 = P * (size_t)(b + 1) / nb;
        fwd(m->Cp, m->Vx, H2, p0, p1, m->Jc);
        if (m->use_r) {
            const float *R = m->Rf;
            for (size_t t = p0 * QQ; t < p1 * QQ; t++) m->Jc[t] += R[t];
        }
    }
    return AXCON_OK;
}

/* Per-thread scratch of the row hook: HCH + TP coefficient rows and HCH blocks. */
static int hook_scratch(ax_attn_model_t *m, axcon_error_t *err)
{
    int nthr = ax_max_threads();
    if (m->hk && nthr <= m->hk_nthr) return AXCON_OK;
    free(m->hk);
    m->hk_nthr = 0;
    m->hk_per = (HCH + TP) * 2 * m->H + HCH * QQ;
    if (!(m->hk = ax_alloc((size_t)nthr * m->hk_per, sizeof(float), 1, "attn: row scratch", err))) return AXCON_ENOMEM;
    m->hk_nthr = nthr;
    return AXCON_OK;
}

/* The kernel's row hook: adds Ws_ij(a, b) to E[j][b][a] for every j != i, from the attention
 * coefficients (m->Cp) and the values (m->Vx), HCH pairs at a time. The blocks are the same
 * floats the forward product gives for the symmetric layout, so E = R + Ws exactly as if Ws + R
 * had been materialised. */
static void ws_row_hook(void *ctx, size_t i, int tid, float *E)
{
    ax_attn_model_t *m = ctx;
    const size_t L = m->L, H2 = 2 * m->H;
    float *cr = m->hk + (size_t)tid * m->hk_per, *ws = cr + (HCH + TP) * H2;
    fwd_fn fwd = pick_fwd();
    /* j < i: pairs (j, i), gathered; their block is [state of j][state of i] = E's [b][a] */
    for (size_t j0 = 0; j0 < i; j0 += HCH) {
        const size_t n = i - j0 < HCH ? i - j0 : HCH, n4 = (n + TP - 1) / TP * TP;
        for (size_t r = 0; r < n; r++) memcpy(cr + r * H2, m->Cp + pair_index(j0 + r, i, L) * H2, H2 * sizeof(float));
        if (n4 > n) memset(cr + n * H2, 0, (n4 - n) * H2 * sizeof(float));
        fwd(cr, m->Vx, H2, 0, n, ws);
        for (size_t r = 0; r < n; r++) {
            float *e = E + (j0 + r) * AX_PLL_BLK;
            const float *w = ws + r * QQ;
            for (size_t b = 0; b < Q21; b++)
                for (size_t a = 0; a < Q21; a++) e[b * AX_PLL_QP + a] += w[b * Q21 + a];
        }
    }
    /* j > i: pairs (i, j) are consecutive rows of Cp (padded at the end); block [a][b] */
    for (size_t j0 = i + 1; j0 < L; j0 += HCH) {
        const size_t n = L - j0 < HCH ? L - j0 : HCH;
        fwd(m->Cp + pair_index(i, j0, L) * H2, m->Vx, H2, 0, n, ws);
        for (size_t r = 0; r < n; r++) {
            float *e = E + (j0 + r) * AX_PLL_BLK;
            const float *w = ws + r * QQ;
            for (size_t a = 0; a < Q21; a++)
                for (size_t b = 0; b < Q21; b++) e[b * AX_PLL_QP + a] += w[a * Q21 + b];
        }
    }
}

static double sumsq(const double *v, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) s += v[i] * v[i];
    return s;
}

/* ---------------------------------------------------------------- objective and gradient */

int ax_attn_eval(ax_attn_model_t *m, const double *x, double *fout, double *g, axcon_error_t *err)
{
    const size_t L = m->L, H = m->H, d = m->d, H2 = 2 * H, nb = m->nblk, P = m->P;
    const double *hx = x, *V = x + m->off_v, *Q = x + m->off_q, *K = x + m->off_k;
    const size_t nsym = axcon_pll_nsym(L);
    for (size_t t = 0; t < L * Q21; t++) m->hf[t] = (float)hx[t];
    ax_attn_softmax(m, x);
    build_vx(m, x);
    if (hook_scratch(m, err) != AXCON_OK) return AXCON_ENOMEM;
    double fp = 0;
    float *work = NULL; /* the kernel's gradient scratch: the optimiser's idle slot, or our own */
    float *gcp = NULL;  /* the kernel's coupling gradient: R's gradient slot (turned into it below) */
    const float *R = m->use_r ? m->Rf : NULL;
    if (g) {
        work = m->ext_work;
        if (!work) {
            if (!m->own_work && !(m->own_work = ax_alloc(nsym, sizeof(float), 0, "attn: kernel work", err)))
                return AXCON_ENOMEM;
            work = m->own_work;
        }
        if (m->use_r) {
            if (!m->gRf) {
                if (!m->gR && !(m->gR = ax_alloc(nsym, sizeof(float), 0, "attn: residual gradient", err)))
                    return AXCON_ENOMEM;
                m->gRf = m->gR;
            }
            gcp = m->gRf;
        } else {
            if (!m->gJc && !(m->gJc = ax_alloc(nsym, sizeof(float), 0, "attn: coupling gradient", err)))
                return AXCON_ENOMEM;
            gcp = m->gJc;
        }
    }
    int rc;
    if (m->mat_j) { /* memory to spare: J = Ws + R materialised once (the same floats as the hook's) */
        if ((rc = ax_attn_couplings(m, x, err)) != AXCON_OK) return rc;
        rc = ax_pll_eval_sym_hook(m->data, m->hf, m->Jc, NULL, NULL, &fp, g ? m->gh : NULL, gcp, work, err);
    } else {
        rc = ax_pll_eval_sym_hook(m->data, m->hf, R, ws_row_hook, m, &fp, g ? m->gh : NULL, gcp, work, err);
    }
    if (rc != AXCON_OK) return rc;
    m->f_pll = fp;
    m->nevals++;

    /* one pass over fixed pair blocks, SUBP pairs at a time: Ws of the sub-block recomputed,
     * the penalties (summed in block order) and, with the gradient, G_p = 1/2 dF/dWs_p ->
     * dC_pk = <G_p, Vx_k> and the value partials dVx_k += sum_p C_pk G_p; the coupling gradient
     * becomes R's gradient in place: gR = gJ + 2 lam_r R */
    double bsum[NBLK_MAX], rsum[NBLK_MAX];
    const float lw2 = (float)(2.0 * m->lam_w), lr2 = (float)(2.0 * m->lam_r);
    fwd_fn fwd = pick_fwd();
    bwd_fn bwd = pick_bwd();
#pragma omp parallel for schedule(static)
    for (long b = 0; b < (long)nb; b++) {
        size_t p0 = P * (size_t)b / nb, p1 = P * (size_t)(b + 1) / nb;
        double *part = m->part + (size_t)b * H2 * QQP;
        float *G = m->gsc + (size_t)b * SUBP * QQP, *W = m->wsb + (size_t)b * SUBP * QQ;
        double s = 0, sr = 0;
        if (g) memset(part, 0, H2 * QQP * sizeof(double));
        for (size_t s0 = p0; s0 < p1; s0 += SUBP) {
            size_t np = p1 - s0 < SUBP ? p1 - s0 : SUBP;
            fwd(m->Cp + s0 * H2, m->Vx, H2, 0, np, W);
            for (size_t r = 0; r < np; r++) {
                const float *ws = W + r * QQ, *rr = R ? R + (s0 + r) * QQ : NULL;
                for (size_t t = 0; t < QQ; t++) s += (double)ws[t] * (double)ws[t];
                if (rr)
                    for (size_t t = 0; t < QQ; t++) sr += (double)rr[t] * (double)rr[t];
                if (!g) continue;
                float *gr = G + r * QQP, *gj = gcp + (s0 + r) * QQ;
                for (size_t t = 0; t < QQ; t++) gr[t] = 0.5f * (gj[t] + lw2 * ws[t]);
                for (size_t t = QQ; t < QQP; t++) gr[t] = 0.0f;
                if (rr)
                    for (size_t t = 0; t < QQ; t++) gj[t] = gj[t] + lr2 * rr[t];
            }
            if (!g) continue;
            for (size_t r = np; r < ((np + 3) & ~(size_t)3); r++) /* rows read by the tiles */
                memset(G + r * QQP, 0, QQP * sizeof(float));
            bwd(G, np, m->Cp + s0 * H2, m->Vx, H2, m->dC + s0 * H2, part);
        }
        bsum[b] = s;
        rsum[b] = sr;
    }
    double fw = 0, fr = 0;
    for (size_t b = 0; b < nb; b++) {
        fw += bsum[b];
        fr += rsum[b];
    }
    double f = fp + m->lam_w * fw + m->lam_h * sumsq(hx, L * Q21) + m->lam_v * sumsq(V, H * QQ) +
               m->lam_qk * (sumsq(Q, H * L * d) + sumsq(K, H * L * d));
    if (m->use_e) f += m->lam_e * sumsq(x + m->off_e, P);
    if (m->use_r) f += m->lam_r * fr;
    *fout = f;
    if (!isfinite(f)) return axcon_error_set(err, AXCON_EINTERNAL, "attn: objective is not finite (training diverged)");
    if (!g) return AXCON_OK;

    /* fields */
    for (size_t t = 0; t < L * Q21; t++) g[t] = (double)m->gh[t] + 2.0 * m->lam_h * hx[t];

    double *gV = g + m->off_v;
    for (size_t h = 0; h < H; h++) {
        double *gv = gV + h * QQ;
        const double *v = V + h * QQ;
        for (size_t t = 0; t < QQ; t++) gv[t] = 2.0 * m->lam_v * v[t];
    }
    for (size_t b = 0; b < nb; b++) {
        const double *part = m->part + b * H2 * QQP;
        for (size_t h = 0; h < H; h++) {
            double *gv = gV + h * QQ;
            const double *pa = part + h * QQP, *pb = part + (H + h) * QQP;
            for (size_t s = 0; s < Q21; s++)
                for (size_t t = 0; t < Q21; t++) gv[s * Q21 + t] += pa[s * Q21 + t] + pb[t * Q21 + s];
        }
    }
    if (m->no_gap) /* the gap state is not coupled: its value rows and columns are constant */
        for (size_t h = 0; h < H; h++)
            for (size_t s = 0; s < Q21; s++) {
                gV[h * QQ + s * Q21 + AXCON_GAP] = 0.0;
                gV[h * QQ + AXCON_GAP * Q21 + s] = 0.0;
            }

    /* softmax backward and dQ, dK: one head per thread (rows of dC gathered on the fly) */
    const double sc = 1.0 / sqrt((double)d);
    double *gQ = g + m->off_q, *gK = g + m->off_k, *gG = g + m->off_g;
#pragma omp parallel
    {
        double *dl = malloc(L * sizeof(double));
#pragma omp for schedule(static)
        for (long hl = 0; hl < (long)H; hl++) {
            size_t h = (size_t)hl;
            double *gq = gQ + h * L * d, *gk = gK + h * L * d;
            const double *q = Q + h * L * d, *k = K + h * L * d;
            for (size_t t = 0; t < L * d; t++) {
                gq[t] = 2.0 * m->lam_qk * q[t];
                gk[t] = 2.0 * m->lam_qk * k[t];
            }
            gG[h] = 0.0;
            if (!dl) continue;
            double ggam = 0.0;
            for (size_t i = 0; i < L; i++) {
                const double *a = m->A + (h * L + i) * L;
                double s = 0;
                for (size_t j = 0; j < L; j++) {
                    double da = 0;
                    if (j > i) da = m->dC[pair_index(i, j, L) * H2 + h];
                    else if (j < i) da = m->dC[pair_index(j, i, L) * H2 + H + h];
                    dl[j] = da;
                    s += a[j] * da;
                }
                double *gqi = gq + i * d;
                const double *qi = q + i * d;
                if (m->bias) {
                    const float *b = m->bias + (h * L + i) * L;
                    for (size_t j = 0; j < L; j++) ggam += a[j] * (dl[j] - s) * (double)b[j];
                }
                if (m->use_e) {
                    double *dlr = m->dL + (h * L + i) * L;
                    for (size_t j = 0; j < L; j++) dlr[j] = a[j] * (dl[j] - s);
                }
                for (size_t j = 0; j < L; j++) {
                    const double w = a[j] * (dl[j] - s) * sc;
                    if (j == i) continue;
                    const double *kj = k + j * d;
                    double *gkj = gk + j * d;
                    for (size_t t = 0; t < d; t++) {
                        gqi[t] += w * kj[t];
                        gkj[t] += w * qi[t];
                    }
                }
            }
            gG[h] = ggam;
        }
        free(dl);
    }
    if (m->use_e) { /* pair bias: sum over heads in head order, both orientations */
        const double *E = x + m->off_e;
        double *gE = g + m->off_e;
#pragma omp parallel for schedule(static)
        for (long il = 0; il < (long)L; il++) {
            size_t i = (size_t)il;
            for (size_t j = i + 1; j < L; j++) {
                size_t p = pair_index(i, j, L);
                double acc = 2.0 * m->lam_e * E[p];
                for (size_t h = 0; h < H; h++) acc += m->dL[(h * L + i) * L + j] + m->dL[(h * L + j) * L + i];
                gE[p] = acc;
            }
        }
    }
    return AXCON_OK;
}

/* ---------------------------------------------------------------- small linear algebra */

/* Cyclic Jacobi eigen-decomposition of a symmetric n x n matrix (n small): A is destroyed,
 * U (n x n, column j = eigenvector j) and ev receive the result. */
static void jacobi_eig(double *A, size_t n, double *U, double *ev)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) U[i * n + j] = (i == j);
    for (int sweep = 0; sweep < 60; sweep++) {
        double off = 0, tot = 0;
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++) {
                tot += A[i * n + j] * A[i * n + j];
                if (i != j) off += A[i * n + j] * A[i * n + j];
            }
        if (off <= 1e-30 * (tot > 0 ? tot : 1)) break;
        for (size_t p = 0; p < n; p++)
            for (size_t q = p + 1; q < n; q++) {
                double apq = A[p * n + q];
                if (fabs(apq) < 1e-300) continue;
                double theta = (A[q * n + q] - A[p * n + p]) / (2 * apq);
                double t = (theta >= 0 ? 1.0 : -1.0) / (fabs(theta) + sqrt(theta * theta + 1));
                double c = 1 / sqrt(t * t + 1), s = t * c;
                for (size_t k = 0; k < n; k++) {
                    double akp = A[k * n + p], akq = A[k * n + q];
                    A[k * n + p] = c * akp - s * akq;
                    A[k * n + q] = s * akp + c * akq;
                }
                for (size_t k = 0; k < n; k++) {
                    double apk = A[p * n + k], aqk = A[q * n + k];
                    A[p * n + k] = c * apk - s * aqk;
                    A[q * n + k] = s * apk + c * aqk;
                }
                for (size_t k = 0; k < n; k++) {
                    double ukp = U[k * n + p], ukq = U[k * n + q];
                    U[k * n + p] = c * ukp - s * ukq;
                    U[k * n + q] = s * ukp + c * ukq;
                }
            }
    }
    for (size_t i = 0; i < n; i++) ev[i] = A[i * n + i];
}

/* Orthonormalise the columns of X (n x k) in place (modified Gram-Schmidt; a column that
 * vanishes is replaced by a unit vector not yet spanned). */
static void mgs(double *X, size_t n, size_t k)
{
    for (size_t j = 0; j < k; j++) {
        for (int pass = 0; pass < 2; pass++)
            for (size_t l = 0; l < j; l++) {
                double s = 0;
                for (size_t i = 0; i < n; i++) s += X[i * k + l] * X[i * k + j];
                for (size_t i = 0; i < n; i++) X[i * k + j] -= s * X[i * k + l];
            }
        double nr = 0;
        for (size_t i = 0; i < n; i++) nr += X[i * k + j] * X[i * k + j];
        nr = sqrt(nr);
        if (nr < 1e-12) {
            for (size_t i = 0; i < n; i++) X[i * k + j] = (i == j % n) ? 1.0 : 0.0;
            j--; /* re-orthogonalise the replacement */
            continue;
        }
        for (size_t i = 0; i < n; i++) X[i * k + j] /= nr;
    }
}

int ax_sym_topk(const double *M, size_t n, size_t k, int iters, unsigned long long seed, double *vecs, double *vals,
                axcon_error_t *err)
{
    if (k > n) k = n;
    size_t kk = k + 8 < n ? k + 8 : n; /* oversampled block */
    int rc = AXCON_OK;
    double *X = ax_alloc(n * kk, sizeof(double), 0, "attn: subspace", err);
    double *Y = ax_alloc(n * kk, sizeof(double), 0, "attn: subspace", err);
    double *B = ax_alloc(kk * kk, sizeof(double), 0, "attn: subspace", err);
    double *U = ax_alloc(kk * kk, sizeof(double), 0, "attn: subspace", err);
    double *ev = ax_alloc(kk, sizeof(double), 0, "attn: subspace", err);
    size_t *ord = ax_alloc(kk, sizeof(size_t), 0, "attn: subspace", err);
    if (!X || !Y || !B || !U || !ev || !ord) {
        rc = AXCON_ENOMEM;
        goto done;
    }
    unsigned long long s = seed ^ 0xA5A5A5A5ULL;
    for (size_t t = 0; t < n * kk; t++) X[t] = gauss(&s);
    mgs(X, n, kk);
    for (int it = 0; it <= iters; it++) {
#pragma omp parallel for schedule(static)
        for (long il = 0; il < (long)n; il++) {
            size_t i = (size_t)il;
            double *y = Y + i * kk;
            for (size_t c = 0; c < kk; c++) y[c] = 0;
            for (size_t j = 0; j < n; j++) {
                double mij = M[i * n + j];
                if (mij == 0.0) continue;
                const double *xj = X + j * kk;
                for (size_t c = 0; c < kk; c++) y[c] += mij * xj[c];
            }
        }
        if (it == iters) break;
        memcpy(X, Y, n * kk * sizeof(double));
        mgs(X, n, kk);
    }
    /* Rayleigh-Ritz: B = X^T M X = X^T Y */
    for (size_t a = 0; a < kk; a++)
        for (size_t b = 0; b < kk; b++) {
            double acc = 0;
            for (size_t i = 0; i < n; i++) acc += X[i * kk + a] * Y[i * kk + b];
            B[a * kk + b] = acc;
        }
    for (size_t a = 0; a < kk; a++)
        for (size_t b = a + 1; b < kk; b++) B[a * kk + b] = B[b * kk + a] = 0.5 * (B[a * kk + b] + B[b * kk + a]);
    jacobi_eig(B, kk, U, ev);
    for (size_t a = 0; a < kk; a++) ord[a] = a;
    for (size_t a = 1; a < kk; a++) { /* insertion sort by |ev| descending, stable */
        size_t t = ord[a], b = a;
        while (b > 0 && fabs(ev[ord[b - 1]]) < fabs(ev[t])) {
            ord[b] = ord[b - 1];
            b--;
        }
        ord[b] = t;
    }
    for (size_t c = 0; c < k; c++) {
        size_t e = ord[c];
        vals[c] = ev[e];
        double sgn = 0; /* fix the sign: largest component positive */
        for (size_t i = 0; i < n; i++) {
            double v = 0;
            for (size_t a = 0; a < kk; a++) v += X[i * kk + a] * U[a * kk + e];
            vecs[i * k + c] = v;
            if (fabs(v) > fabs(sgn)) sgn = v;
        }
        if (sgn < 0)
            for (size_t i = 0; i < n; i++) vecs[i * k + c] = -vecs[i * k + c];
    }
done:
    free(X);
    free(Y);
    free(B);
    free(U);
    free(ev);
    free(ord);
    return rc;
}

static void apc_inplace(double *S, size_t L)
{
    double *rm = calloc(L, sizeof(double));
    if (!rm) return;
    double tot = 0;
    for (size_t i = 0; i < L; i++) {
        for (size_t j = 0; j < L; j++)
            if (j != i) rm[i] += S[i * L + j];
        tot += rm[i];
        rm[i] /= (double)(L - 1);
    }
    tot /= (double)L * (double)(L - 1);
    for (size_t i = 0; i < L; i++)
        for (size_t j = 0; j < L; j++) S[i * L + j] = (i == j || tot == 0) ? 0.0 : S[i * L + j] - rm[i] * rm[j] / tot;
    free(rm);
}

/* ---------------------------------------------------------------- warm start */

/* Pseudocounted log-odds blocks LO_ij(a,b) = log f'_ij(a,b) - log f'_i(a) - log f'_j(b) over the
 * 20 amino acids, zero-sum gauged, for every pair i<j, written as float q x q blocks (gap row
 * and column 0) into out (symmetric layout); S (L x L) receives their Frobenius norms. */
static int logodds_blocks(const axcon_pll_data_t *d, double pc, float *out, double *S, axcon_error_t *err)
{
    const size_t L = axcon_pll_ncol(d), N = axcon_pll_nrows(d);
    const uint8_t *X = axcon_pll_codes(d);
    const double *w = axcon_pll_weights(d);
    const double wsum = axcon_pll_wsum(d);
    double *f1 = ax_alloc(L * Q21, sizeof(double), 0, "attn: frequencies", err);
    if (!f1) return AXCON_ENOMEM;
    axcon_pll_freq1(d, pc, f1);
    for (size_t t = 0; t < L * Q21; t++) f1[t] = log(f1[t]);
    int nthr = ax_max_threads();
    double *buf = ax_alloc((size_t)nthr * L * QQ, sizeof(double), 0, "attn: pair counts", err);
    if (!buf) {
        free(f1);
        return AXCON_ENOMEM;
    }
    memset(S, 0, L * L * sizeof(double));
#pragma omp parallel for schedule(static, 1)
    for (long il = 0; il < (long)L - 1; il++) {
        size_t i = (size_t)il;
        int tid = 0;
#ifdef _OPENMP
        tid = omp_get_thread_num();
#endif
        double *cnt = buf + (size_t)tid * L * QQ;
        size_t nj = L - i - 1;
        memset(cnt, 0, nj * QQ * sizeof(double));
        for (size_t n = 0; n < N; n++) {
            const uint8_t *r = X + n * L;
            const double wn = w[n];
            double *c = cnt + (size_t)r[i] * Q21;
            for (size_t j = i + 1; j < L; j++) c[(j - i - 1) * QQ + r[j]] += wn;
        }
        for (size_t j = i + 1; j < L; j++) {
            double *c = cnt + (j - i - 1) * QQ, blk[400], rs[20], cs[20], tot = 0;
            for (size_t a = 0; a < 20; a++) rs[a] = cs[a] = 0;
            for (size_t a = 0; a < 20; a++)
                for (size_t b = 0; b < 20; b++) {
                    double fij = (1 - pc) * c[a * Q21 + b] / wsum + pc / (double)QQ;
                    double v = log(fij) - f1[i * Q21 + a] - f1[j * Q21 + b];
                    blk[a * 20 + b] = v;
                    rs[a] += v;
                    cs[b] += v;
                    tot += v;
                }
            double fro = 0;
            float *o = out ? out + pair_index(i, j, L) * QQ : NULL;
            if (o) memset(o, 0, QQ * sizeof(float));
            for (size_t a = 0; a < 20; a++)
                for (size_t b = 0; b < 20; b++) {
                    double v = blk[a * 20 + b] - rs[a] / 20 - cs[b] / 20 + tot / 400;
                    fro += v * v;
                    if (o) o[a * Q21 + b] = (float)v;
                }
            S[i * L + j] = S[j * L + i] = sqrt(fro);
        }
    }
    free(buf);
    free(f1);
    return AXCON_OK;
}

static double clampd(double v, double lo, double hi) { return v < lo ? lo : (v > hi ? hi : v); }

/* Fields of the independent-site model: h_i(a) = log f'_i(a) - mean_a log f'_i. */
static int init_fields(ax_attn_model_t *m, double *x, axcon_error_t *err)
{
    double *f1 = ax_alloc(m->L * Q21, sizeof(double), 0, "attn: frequencies", err);
    if (!f1) return AXCON_ENOMEM;
    axcon_pll_freq1(m->data, 0.1, f1);
    for (size_t i = 0; i < m->L; i++) {
        double mean = 0;
        for (size_t a = 0; a < Q21; a++) mean += log(f1[i * Q21 + a]);
        mean /= Q21;
        for (size_t a = 0; a < Q21; a++) x[i * Q21 + a] = log(f1[i * Q21 + a]) - mean;
    }
    free(f1);
    return AXCON_OK;
}

typedef struct { double z; size_t p; } zpair_t;

static int cmp_zpair(const void *a, const void *b)
{
    const zpair_t *x = a, *y = b;
    if (x->z != y->z) return x->z > y->z ? -1 : 1;
    return x->p < y->p ? -1 : (x->p > y->p);
}

/* Warm start. The seed is the APC-corrected Frobenius norm of pseudocounted log-odds blocks
 * (z-scored, Z). Values: the leading eigenvectors v_k of the second moment of the gauged
 * 20 x 20 log-odds blocks of the 2L best pairs, in pairs of heads (+v_k, -v_k) scaled by the
 * RMS projection. Attention of head (k, s): logits T = tau * Z + s * proj_k / rms_k (the pair is
 * a likely contact and its block looks like s * v_k). Mode 0 keeps T as a fixed bias of the
 * logits (scaled by a learned g_h = 1 at start) and starts Q, K small; mode 1 approximates T
 * with rank d per head from its leading eigenpairs: Q = U |Lambda|^1/2 d^1/4,
 * K = U sign(Lambda) |Lambda|^1/2 d^1/4. */
int ax_attn_init_params(ax_attn_model_t *m, int mode, double tau, unsigned long long seed, double *x,
                        axcon_error_t *err)
{
    const int random = mode == 2;
    const size_t L = m->L, H = m->H, d = m->d, P = m->P;
    unsigned long long s = seed * 0x2545F4914F6CDD1DULL + 12345;
    int rc = init_fields(m, x, err);
    if (rc != AXCON_OK) return rc;
    double *V = x + m->off_v, *Q = x + m->off_q, *K = x + m->off_k;
    for (size_t h = 0; h < H; h++) x[m->off_g + h] = 1.0;
    free(m->bias);
    m->bias = NULL;
    if (mode == 0) {
        size_t HLL;
        if (ax_mul_ok(H, L * L, &HLL) || !(m->bias = ax_alloc(HLL, sizeof(float), 0, "attn: logit bias", err)))
            return AXCON_ENOMEM;
    }
    if (random) {
        for (size_t t = 0; t < H * QQ; t++) V[t] = 0.01 * gauss(&s);
        for (size_t t = 0; t < H * L * d; t++) Q[t] = 0.5 * gauss(&s);
        for (size_t t = 0; t < H * L * d; t++) K[t] = 0.5 * gauss(&s);
        return AXCON_OK;
    }
    double *S0 = NULL, *M2 = NULL, *pv = NULL, *pval = NULL, *T = NULL, *U = NULL, *lam = NULL, *proj = NULL;
    zpair_t *zp = NULL;
    float *blocks = NULL, *own_blocks = NULL;
    const size_t npat = (H + 1) / 2 < 400 ? (H + 1) / 2 : 400;
    const size_t dk = d < L ? d : L;
    if (!(S0 = ax_alloc(L * L, sizeof(double), 0, "attn: seed scores", err)) ||
        !(M2 = ax_alloc(400 * 400, sizeof(double), 1, "attn: block moments", err)) ||
        !(pv = ax_alloc(400 * npat, sizeof(double), 0, "attn: patterns", err)) ||
        !(pval = ax_alloc(npat, sizeof(double), 0, "attn: patterns", err)) ||
        !(T = ax_alloc(L * L, sizeof(double), 0, "attn: target logits", err)) ||
        !(U = ax_alloc(L * dk, sizeof(double), 0, "attn: eigenvectors", err)) ||
        !(lam = ax_alloc(dk, sizeof(double), 0, "attn: eigenvalues", err)) ||
        !(proj = ax_alloc(P * npat, sizeof(double), 0, "attn: projections", err)) ||
        !(zp = ax_alloc(P, sizeof(zpair_t), 0, "attn: pair order", err))) {
        rc = AXCON_ENOMEM;
        goto done;
    }
    /* log-odds blocks: in the residual's storage (idle until training; zeroed again below), or
     * in a temporary buffer without the residual */
    if (m->use_r) blocks = m->R;
    else if (!(blocks = own_blocks = ax_alloc(axcon_pll_nsym(L), sizeof(float), 0, "attn: log-odds blocks", err))) {
        rc = AXCON_ENOMEM;
        goto done;
    }
    if ((rc = logodds_blocks(m->data, 0.5, blocks, S0, err)) != AXCON_OK) goto done;
    if (m->seed_mf) { /* mean-field DCA scores as the contact seed (the blocks still give the patterns) */
        const axcon_pll_data_t *dd = m->data;
        if ((rc = axcon_mf_scores_codes(axcon_pll_codes(dd), axcon_pll_nrows(dd), L, axcon_pll_weights(dd), 0.5,
                                        AXCON_MF_AUTO, S0, err)) != AXCON_OK)
            goto done;
    }
    apc_inplace(S0, L);
    double mean = 0, var = 0;
    for (size_t i = 0; i < L; i++)
        for (size_t j = i + 1; j < L; j++) mean += S0[i * L + j];
    mean /= (double)P;
    for (size_t i = 0; i < L; i++)
        for (size_t j = i + 1; j < L; j++) var += (S0[i * L + j] - mean) * (S0[i * L + j] - mean);
    double sd = sqrt(var / (double)P);
    if (!(sd > 0)) sd = 1;
    for (size_t i = 0; i < L; i++)
        for (size_t j = i + 1; j < L; j++) {
            size_t p = pair_index(i, j, L);
            zp[p].z = (S0[i * L + j] - mean) / sd;
            zp[p].p = p;
            S0[i * L + j] = S0[j * L + i] = clampd(zp[p].z, -3.0, 6.0);
        }
    for (size_t i = 0; i < L; i++) S0[i * L + i] = 0;
    qsort(zp, P, sizeof(zpair_t), cmp_zpair);
    size_t ntop = 2 * L < P ? 2 * L : P;
    /* second moment of the best blocks (20 x 20 part) */
    for (size_t t = 0; t < ntop; t++) {
        const float *c = blocks + zp[t].p * QQ;
        double v[400];
        for (size_t a = 0; a < 20; a++)
            for (size_t b = 0; b < 20; b++) v[a * 20 + b] = c[a * Q21 + b];
#pragma omp parallel for schedule(static)
        for (long r = 0; r < 400; r++)
            for (size_t c2 = 0; c2 < 400; c2++) M2[(size_t)r * 400 + c2] += v[r] * v[c2];
    }
    if ((rc = ax_sym_topk(M2, 400, npat, 20, seed + 7, pv, pval, err)) != AXCON_OK) goto done;
    /* projections of every pair's block on every pattern, and their RMS */
#pragma omp parallel for schedule(static)
    for (long pl = 0; pl < (long)P; pl++) {
        const float *c = blocks + (size_t)pl * QQ;
        for (size_t k = 0; k < npat; k++) {
            double acc = 0;
            for (size_t a = 0; a < 20; a++)
                for (size_t b = 0; b < 20; b++) acc += (double)c[a * Q21 + b] * pv[(a * 20 + b) * npat + k];
            proj[(size_t)pl * npat + k] = acc;
        }
    }
    for (size_t k = 0; k < npat; k++) {
        double ss = 0, top = 0;
        for (size_t p = 0; p < P; p++) ss += proj[p * npat + k] * proj[p * npat + k];
        for (size_t t = 0; t < ntop; t++) top += proj[zp[t].p * npat + k];
        double rms = sqrt(ss / (double)P);
        if (!(rms > 0)) rms = 1;
        double sgn = top >= 0 ? 1.0 : -1.0; /* orient the pattern along the best pairs */
        double scale = sqrt(fabs(pval[k]) / (double)ntop);
        for (size_t p = 0; p < P; p++) proj[p * npat + k] *= sgn / rms;
        for (size_t sidx = 0; sidx < 2; sidx++) {
            size_t h = 2 * k + sidx;
            if (h >= H) break;
            double sg = (sidx == 0 ? 1.0 : -1.0) * sgn * scale;
            double *v = V + h * QQ;
            memset(v, 0, QQ * sizeof(double));
            for (size_t a = 0; a < 20; a++)
                for (size_t b = 0; b < 20; b++) v[a * Q21 + b] = sg * pv[(a * 20 + b) * npat + k];
        }
    }
    const double d14 = pow((double)d, 0.25);
    for (size_t h = 0; h < H; h++) {
        size_t k = h / 2;
        double sg = (h % 2 == 0) ? 1.0 : -1.0;
        for (size_t i = 0; i < L; i++) {
            T[i * L + i] = 0;
            for (size_t j = i + 1; j < L; j++) {
                double pz = clampd(sg * proj[pair_index(i, j, L) * npat + k], -3.0, 6.0);
                T[i * L + j] = T[j * L + i] = tau * (S0[i * L + j] + pz);
            }
        }
        if (mode == 0) {
            float *b = m->bias + h * L * L;
            for (size_t t = 0; t < L * L; t++) b[t] = (float)T[t];
            double *qh = Q + h * L * d, *kh = K + h * L * d;
            for (size_t t = 0; t < L * d; t++) {
                qh[t] = 0.1 * gauss(&s);
                kh[t] = 0.1 * gauss(&s);
            }
            continue;
        }
        if ((rc = ax_sym_topk(T, L, dk, 6, seed + 100 + h, U, lam, err)) != AXCON_OK) goto done;
        double *qh = Q + h * L * d, *kh = K + h * L * d;
        for (size_t i = 0; i < L; i++)
            for (size_t c = 0; c < d; c++) {
                double nq = 0.05 * gauss(&s), nk = 0.05 * gauss(&s);
                if (c < dk) {
                    double a = sqrt(fabs(lam[c])) * d14 * U[i * dk + c];
                    qh[i * d + c] = a + nq;
                    kh[i * d + c] = (lam[c] >= 0 ? a : -a) + nk;
                } else {
                    qh[i * d + c] = nq;
                    kh[i * d + c] = nk;
                }
            }
    }
done:
    if (m->use_r && blocks == m->R) memset(m->R, 0, m->nr * sizeof(float)); /* the residual starts at 0 */
    free(own_blocks);
    free(S0);
    free(M2);
    free(pv);
    free(pval);
    free(T);
    free(U);
    free(lam);
    free(proj);
    free(zp);
    return rc;
}

/* ---------------------------------------------------------------- scores */

void ax_attn_reduce(ax_attn_model_t *m, const double *x, int mode, double *S)
{
    const size_t L = m->L, H = m->H;
    ax_attn_softmax(m, x);
    memset(S, 0, L * L * sizeof(double));
    if (mode == 1) {
        double vn[4096];
        const double *V = x + m->off_v;
        for (size_t h = 0; h < H && h < 4096; h++) vn[h] = sqrt(sumsq(V + h * QQ, QQ));
#pragma omp parallel for schedule(static)
        for (long il = 0; il < (long)L; il++) {
            size_t i = (size_t)il;
            for (size_t j = 0; j < L; j++) {
                if (j == i) continue;
                double s = 0;
                for (size_t h = 0; h < H && h < 4096; h++)
                    s += vn[h] * 0.5 * (m->A[(h * L + i) * L + j] + m->A[(h * L + j) * L + i]);
                S[i * L + j] = s;
            }
        }
        return;
    }
    /* J = Ws + R block by block (Ws recomputed per sub-block of SUBP pairs, as in training) */
    build_vx(m, x);
    const size_t H2 = 2 * H, P = m->P, nb = m->nblk;
    fwd_fn fwd = pick_fwd();
#pragma omp parallel for schedule(static)
    for (long bl = 0; bl < (long)nb; bl++) {
        size_t p0 = P * (size_t)bl / nb, p1 = P * (size_t)(bl + 1) / nb;
        float *W = m->wsb + (size_t)bl * SUBP * QQ;
        size_t i = 0; /* (i, j) of pair p0: rows i = 0..L-2 start at pair_index(i, i+1) */
        while (i + 2 < L && pair_index(i + 1, i + 2, L) <= p0) i++;
        size_t j = i + 1 + (p0 - pair_index(i, i + 1, L));
        for (size_t s0 = p0; s0 < p1; s0 += SUBP) {
            size_t np = p1 - s0 < SUBP ? p1 - s0 : SUBP;
            fwd(m->Cp + s0 * H2, m->Vx, H2, 0, np, W);
            if (m->use_r)
                for (size_t t = 0; t < np * QQ; t++) W[t] += m->Rf[s0 * QQ + t];
            for (size_t r = 0; r < np; r++) {
                const float *c = W + r * QQ;
                double rs[20] = {0}, cs[20] = {0}, tot = 0, fro = 0;
                for (size_t a = 0; a < 20; a++)
                    for (size_t b = 0; b < 20; b++) {
                        rs[a] += c[a * Q21 + b];
                        cs[b] += c[a * Q21 + b];
                        tot += c[a * Q21 + b];
                    }
                for (size_t a = 0; a < 20; a++)
                    for (size_t b = 0; b < 20; b++) {
                        double v = c[a * Q21 + b] - rs[a] / 20 - cs[b] / 20 + tot / 400;
                        fro += v * v;
                    }
                S[i * L + j] = sqrt(fro);
                if (++j == L) {
                    i++;
                    j = i + 1;
                }
            }
        }
    }
    for (size_t i = 0; i < L; i++)
        for (size_t j = 0; j < i; j++) S[i * L + j] = S[j * L + i];
}

/* ---------------------------------------------------------------- optimiser (L-BFGS) */

typedef struct {
    ax_attn_model_t *m;
    double *xd, *gd; /* double copies of the optimiser's float vectors (attention part) */
    double fh[AXCON_ATTN_WINDOW_MAX + 1]; /* objective of the last window + 1 iterations */
    double tol;
    int window, min_iter, converged;
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
    m->ext_work = work; /* n + nr >= the kernel's nsym floats only with the residual */
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

int ax_attn_hist_pairs(size_t nt, int use_r, int *mat_j)
{
    /* 8 pairs for the attention alone; with the Potts residual the vectors are large: 3 (as
     * -m plm), fewer when the 2m + 3 vectors would exceed AX_ATTN_VEC_BUDGET bytes (T1061,
     * L = 949: m = 1, 5 vectors of 0.79 GB); J = Ws + R is materialised (faster) only when one
     * more vector still fits */
    if (mat_j) *mat_j = !use_r;
    if (!use_r) return 8;
    double vec = (double)nt * sizeof(float);
    int hm = 3;
    while (hm > 1 && (2.0 * hm + 3.0) * vec > AX_ATTN_VEC_BUDGET) hm--;
    if (mat_j) *mat_j = (2.0 * hm + 4.0) * vec <= AX_ATTN_VEC_BUDGET;
    return hm;
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
    lo.m = m->hist = ax_attn_hist_pairs(nt, m->use_r, &mat_j);
    m->mat_j = mat_j;
    free(m->own_work); /* the optimiser lends its idle slot from here on */
    m->own_work = NULL;
    free(m->gR);
    m->gR = NULL;
    if (!mat_j) {
        free(m->Jc);
        m->Jc = NULL;
    }
    axcon_debug("L-BFGS: %zu variables, m=%d (%.2f GB of optimiser vectors), couplings %s", nt, lo.m,
                (2.0 * lo.m + 3.0) * (double)nt * sizeof(float) / 1e9, mat_j ? "materialised" : "streamed");
    ax_lbfgs_info_t info;
    rc = ax_lbfgs_minimize(nt, xf, &lo, lb_eval, lb_progress, &c, &info, err);
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

int axcon_attn_seq_weights(const uint8_t *codes, size_t nseq, size_t ncol, double beta, double theta, double *w,
                           double *neff, axcon_error_t *err)
{
    if (!codes || !w || nseq == 0 || ncol == 0) return axcon_error_set(err, AXCON_EUSAGE, "attn: empty alignment");
    if (!(beta > 0) || !(theta > 0 && theta <= 1))
        return axcon_error_set(err, AXCON_EUSAGE, "attn: sequence kernel needs beta > 0 and theta in (0, 1]");
    if (beta > 1e6 || isinf(beta)) {
        double nf = 0;
        int rc = axcon_weights_identity_codes(codes, nseq, ncol, theta, w, &nf, err);
        if (rc == AXCON_OK && neff) *neff = nf;
        return rc;
    }
    /* kernel values by identity count 0..ncol */
    double *kv = ax_alloc(ncol + 1, sizeof(double), 0, "attn: sequence kernel", err);
    if (!kv) return AXCON_ENOMEM;
    for (size_t c = 0; c <= ncol; c++) kv[c] = 1.0 / (1.0 + exp(-beta * ((double)c / (double)ncol - theta)));
#pragma omp parallel for schedule(static, 16)
    for (long nl = 0; nl < (long)nseq; nl++) {
        const uint8_t *a = codes + (size_t)nl * ncol;
        double s = 0;
        for (size_t mm = 0; mm < nseq; mm++) {
            const uint8_t *b = codes + mm * ncol;
            size_t cnt = 0;
            for (size_t c = 0; c < ncol; c++) cnt += (a[c] == b[c]);
            s += kv[cnt];
        }
        w[nl] = 1.0 / s;
    }
    free(kv);
    if (neff) {
        double t = 0;
        for (size_t n = 0; n < nseq; n++) t += w[n];
        *neff = t;
    }
    return AXCON_OK;
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

/* ---------------------------------------------------------------- attention maps */

/* Hand the maps of x (m->A recomputed) to the callback. */
static int emit_maps(ax_attn_model_t *m, const double *x, const axcon_attn_opts_t *o, axcon_error_t *err)
{
    const size_t L = m->L, H = m->H;
    int rc = AXCON_OK;
    double *ent = ax_alloc(H * L, sizeof(double), 0, "attn: attention entropy", err);
    double *vn = ax_alloc(H, sizeof(double), 0, "attn: value norms", err);
    double *gs = ax_alloc(H, sizeof(double), 0, "attn: bias scales", err);
    if (!ent || !vn || !gs) {
        rc = AXCON_ENOMEM;
        goto done;
    }
    ax_attn_softmax(m, x);
#pragma omp parallel for schedule(static)
    for (long r = 0; r < (long)(H * L); r++) {
        const double *a = m->A + (size_t)r * L;
        double e = 0;
        for (size_t j = 0; j < L; j++)
            if (a[j] > 0) e -= a[j] * log(a[j]);
        ent[r] = e > 0 ? e : 0.0;
    }
    for (size_t h = 0; h < H; h++) {
        const double *v = x + m->off_v + h * QQ;
        double ss = 0;
        for (size_t a = 0; a < 20; a++)
            for (size_t b = 0; b < 20; b++) ss += v[a * Q21 + b] * v[a * Q21 + b];
        vn[h] = sqrt(ss);
        gs[h] = x[m->off_g + h];
    }
    axcon_attn_maps_t mp = {L, H, o->maps_pos, m->A, ent, vn, m->bias ? gs : NULL};
    rc = o->maps_cb(o->maps_ctx, &mp, err);
    if (rc > 0) rc = axcon_error_set(err, AXCON_EINTERNAL, "attn: the maps callback returned %d", rc);
done:
    free(ent);
    free(vn);
    free(gs);
    return rc;
}

int axcon_attn_maps_write(FILE *fp, const axcon_attn_maps_t *mp, double min_a, axcon_error_t *err)
{
    if (!fp || !mp || !mp->A || !mp->entropy || !mp->value_norm)
        return axcon_error_set(err, AXCON_EUSAGE, "attn maps: NULL argument");
    if (!(min_a > 0 && min_a <= 1))
        return axcon_error_set(err, AXCON_EUSAGE, "attn maps: threshold must be in (0, 1], got %g", min_a);
    const size_t L = mp->L, H = mp->H;
    fprintf(fp, "# axcon attention maps v1 (-m attn): %zu heads, %zu columns, A rows with a_ij >= %g\n", H, L, min_a);
    fprintf(fp, "# A head i j a_ij: attention of position i on j (softmax over j != i; a row sums to 1)\n");
    fprintf(fp, "# E head i . entropy: -sum_j a_ij ln a_ij of row i in nats, 0 (one j) .. ln(L-1) = %.6g (uniform)\n",
            L > 1 ? log((double)(L - 1)) : 0.0);
    fprintf(fp, "# V head . . |V|: Frobenius norm of the head's 20 x 20 value matrix (its weight in the couplings)\n");
    if (mp->bias_scale)
        fprintf(fp, "# G head . . g: learned scale of the head's fixed mean-field logit bias\n");
    fprintf(fp, "# heads are 1-based; i, j are 1-based query positions; the maps explain the attention part\n"
                "# of the couplings only (J = Ws + R: the free residual R is not attention)\n");
    fprintf(fp, "kind\thead\ti\tj\tvalue\n");
    for (size_t h = 0; h < H; h++) {
        fprintf(fp, "V\t%zu\t.\t.\t%.6g\n", h + 1, mp->value_norm[h]);
        if (mp->bias_scale) fprintf(fp, "G\t%zu\t.\t.\t%.6g\n", h + 1, mp->bias_scale[h]);
    }
    for (size_t h = 0; h < H; h++)
        for (size_t i = 0; i < L; i++) {
            const double *a = mp->A + (h * L + i) * L;
            int pi = mp->pos ? mp->pos[i] : (int)i + 1;
            fprintf(fp, "E\t%zu\t%d\t.\t%.6g\n", h + 1, pi, mp->entropy[h * L + i]);
            for (size_t j = 0; j < L; j++)
                if (j != i && a[j] >= min_a)
                    fprintf(fp, "A\t%zu\t%d\t%d\t%.6g\n", h + 1, pi, mp->pos ? mp->pos[j] : (int)j + 1, a[j]);
        }
    if (ferror(fp)) return axcon_error_set(err, AXCON_EIO, "attn maps: write error");
    return AXCON_OK;
}

/* ---------------------------------------------------------------- entry points */

int axcon_attn_fit_codes(const uint8_t *codes, size_t nseq, size_t ncol, const double *w, const axcon_attn_opts_t *o,
                         double *S, axcon_error_t *err)
{
    if (!codes || !w || !o || !S) return axcon_error_set(err, AXCON_EUSAGE, "attn: NULL argument");
    if (o->heads < 1 || o->heads > 4096 || o->dim < 1 || o->dim > 1024)
        return axcon_error_set(err, AXCON_EUSAGE, "attn: heads must be in 1..4096 and dim in 1..1024 (got %d, %d)",
                               o->heads, o->dim);
    if (!(o->lambda >= 0) || !(o->lambda_h >= 0) || !(o->lambda_qk >= 0) || !(o->lambda_v >= 0) ||
        !isfinite(o->lambda + o->lambda_h + o->lambda_qk + o->lambda_v) || o->max_iter < 0 || !(o->tol >= 0) ||
        !(o->init_tau >= 0) || !isfinite(o->init_tau) || !(o->seq_beta >= 0) || o->min_iter < 0 || o->window < 1 ||
        o->window > AXCON_ATTN_WINDOW_MAX)
        return axcon_error_set(err, AXCON_EUSAGE, "attn: invalid option value");
    if (ncol < 2) return axcon_error_set(err, AXCON_EINPUT, "attn: need at least 2 columns (got %zu)", ncol);
    int rc = AXCON_OK;
    double *w2 = NULL, *w3 = NULL, *x = NULL;
    axcon_pll_data_t *data = NULL;
    ax_attn_model_t m;
    memset(&m, 0, sizeof(m));
    const double *wu = w;
    if (o->seq_beta > 0) {
        if (!(w2 = ax_alloc(nseq, sizeof(double), 0, "attn: sequence weights", err))) return AXCON_ENOMEM;
        if ((rc = axcon_attn_seq_weights(codes, nseq, ncol, o->seq_beta, o->seq_theta, w2, NULL, err)) != AXCON_OK)
            goto done;
        wu = w2;
    }
    if (o->max_seqs > 0 && nseq > (size_t)o->max_seqs) { /* deep alignment: systematic subsample */
        if (!w3 && !(w3 = ax_alloc(nseq, sizeof(double), 0, "attn: sequence weights", err))) {
            rc = AXCON_ENOMEM;
            goto done;
        }
        size_t kept = ax_attn_subsample(wu, nseq, (size_t)o->max_seqs, w3);
        axcon_info("subsampled %zu of %zu sequences (systematic, by weight)", kept, nseq);
        wu = w3;
    }
    if ((rc = axcon_pll_data_new(codes, nseq, ncol, wu, &data, err)) != AXCON_OK) goto done;
    double lam_w = o->lambda * (double)ncol * 20.0;
    if ((rc = ax_attn_model_init(&m, data, (size_t)o->heads, (size_t)o->dim, lam_w, o->lambda_h, o->lambda_qk,
                                 o->lambda_v, o->lambda_e, o->lambda_r * (double)(ncol - 1), err)) != AXCON_OK)
        goto done;
    m.no_gap = !o->gap_coupling;
    m.seed_mf = o->warm_source == 0;
    if (!(x = ax_alloc(m.nx, sizeof(double), 1, "attn: parameters", err))) {
        rc = AXCON_ENOMEM;
        goto done;
    }
    axcon_info("L=%zu N=%zu distinct=%zu Neff=%.1f heads=%d dim=%d lambda=%g params=%zu", ncol, nseq,
               axcon_pll_nrows(data), axcon_pll_wsum(data), o->heads, o->dim, o->lambda, m.nx);
    if ((rc = ax_attn_init_params(&m, (int)o->init, o->init_tau, o->seed, x, err)) != AXCON_OK)
        goto done;
    double f = 0;
    if (o->max_iter > 0) {
        rc = ax_attn_train_ex(&m, x, o->max_iter, o->min_iter, o->window, o->tol, &f, err);
        if (rc != AXCON_OK) goto done;
    }
    axcon_info("trained: f=%.6g evaluations=%ld", f, m.nevals);
    ax_attn_reduce(&m, x, o->score == AXCON_ATTN_SCORE_ATTN ? 1 : 0, S);
    for (size_t t = 0; t < ncol * ncol; t++)
        if (!isfinite(S[t])) {
            rc = axcon_error_set(err, AXCON_EINTERNAL, "attn: non-finite score");
            goto done;
        }
    if (o->maps_cb && (rc = emit_maps(&m, x, o, err)) != AXCON_OK) goto done;
done:
    ax_attn_model_free(&m);
    axcon_pll_data_free(data);
    free(x);
    free(w2);
    free(w3);
    return rc;
}

int axcon_attn_scores(const axcon_msa_t *msa, const double *w, double neff, const axcon_predict_opts_t *o, double *S,
                      axcon_error_t *err)
{
    (void)neff;
    if (!msa || !o) return axcon_error_set(err, AXCON_EUSAGE, "attn: NULL argument");
    axcon_attn_opts_t ao;
    axcon_attn_opts_init(&ao);
    if (o->attn_heads > 0) ao.heads = o->attn_heads;
    if (o->attn_dim > 0) ao.dim = o->attn_dim;
    if (o->attn_lambda > 0) ao.lambda = o->attn_lambda;
    if (o->attn_max_iter > 0) ao.max_iter = o->attn_max_iter;
    if (o->attn_tol > 0) ao.tol = o->attn_tol;
    if (ao.min_iter > ao.max_iter) ao.min_iter = ao.max_iter;
    const size_t L = axcon_msa_ncol(msa);
    int *pos = NULL;
    if (o->attn_maps) {
        if (!(pos = ax_alloc(L ? L : 1, sizeof(int), 0, "attn: query positions", err))) return AXCON_ENOMEM;
        for (size_t c = 0; c < L; c++) pos[c] = axcon_msa_col_pos(msa, c);
        ao.maps_cb = o->attn_maps;
        ao.maps_ctx = o->attn_maps_ctx;
        ao.maps_pos = pos;
    }
    int rc = axcon_attn_fit_codes(axcon_msa_data(msa), axcon_msa_nseq(msa), L, w, &ao, S, err);
    free(pos);
    return rc;
}
