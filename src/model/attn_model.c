/* attn_model.c - owns the factored-attention model's workspace and passes (attn_impl.h):
 * allocation of the parameters and scratch, the attention softmax, the couplings
 * Ws = sum_h A_h V_h (+ R) by register-tiled dense kernels, the row hook that streams them into
 * the shared pseudo-likelihood kernel, the objective with its back-propagation to Q, K, V, g,
 * E and the fields, and the reduction of a trained model to raw pair scores.
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

#include "axcon/pll.h"
#include "core/util.h"
#include "model/attn_impl.h"
#include "model/lbfgs.h"
#include "model/pll_internal.h"

/* ---------------------------------------------------------------- model workspace */

void ax_attn_model_free(ax_attn_model_t *m)
{
    if (!m) return;
    free(m->A);
    free(m->bias);
    free(m->dL);
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
    free(m->rslot);
    free(m->rpair);
    free(m->dCr);
    free(m->gRr);
    free(m->rpart);
    free(m->gk);
    free(m->gkd);
    memset(m, 0, sizeof(*m));
}

int ax_attn_model_init(ax_attn_model_t *m, const axcon_pll_data_t *data, size_t H, size_t d, double lam_w,
                       double lam_h, double lam_qk, double lam_v, double lam_e, double lam_r, axcon_error_t *err)
{
    return ax_attn_model_init_ex(m, data, H, d, lam_w, lam_h, lam_qk, lam_v, lam_e, lam_r, 0, 0, err);
}

int ax_attn_model_init_ex(ax_attn_model_t *m, const axcon_pll_data_t *data, size_t H, size_t d, double lam_w,
                          double lam_h, double lam_qk, double lam_v, double lam_e, double lam_r, int stream,
                          size_t nres_max, axcon_error_t *err)
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
    m->stream = stream != 0;
    m->use_r = lam_r > 0 && !m->stream; /* sparse: set by ax_attn_set_residual */
    m->nres_max = m->stream && lam_r > 0 ? nres_max : 0;
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
    if (m->stream) {
        size_t rp;
        if (!(m->dCr = ax_alloc(2 * P2H, sizeof(float), 1, "attn: row pair gradients", err))) goto fail;
        if (ax_mul_ok(L * 2 * H, QQP, &rp) ||
            !(m->rpart = ax_alloc(rp, sizeof(float), 1, "attn: row value partials", err)))
            goto fail;
        if (!(m->rslot = ax_alloc(m->P, sizeof(int32_t), 0, "attn: residual slots", err))) goto fail;
        for (size_t p = 0; p < m->P; p++) m->rslot[p] = -1;
    }
    return AXCON_OK;
fail:
    ax_attn_model_free(m);
    return err ? err->status : AXCON_ENOMEM;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : (x > y);
}

int ax_attn_set_residual(ax_attn_model_t *m, const size_t *pairs, size_t n, axcon_error_t *err)
{
    if (!m->stream) return axcon_error_set(err, AXCON_EINTERNAL, "attn: a sparse residual needs the streamed model");
    if (n > m->P || n > (size_t)INT32_MAX) return axcon_error_set(err, AXCON_EINTERNAL, "attn: %zu residual pairs", n);
    size_t nr, *rp = NULL;
    float *xr = NULL, *gRr = NULL;
    if (ax_mul_ok(n, QQ, &nr) || m->nx > SIZE_MAX - nr ||
        !(rp = ax_alloc(n ? n : 1, sizeof *rp, 0, "attn: residual pairs", err)) ||
        !(xr = ax_vec_alloc(m->nx + nr, 1, "attn: parameters", err)) ||
        !(gRr = ax_alloc(2 * nr + 1, sizeof *gRr, 1, "attn: row residual gradients", err))) {
        free(rp);
        free(xr);
        if (err && err->status == AXCON_OK) axcon_error_set(err, AXCON_ENOMEM, "attn: residual of %zu pairs", n);
        return err ? err->status : AXCON_ENOMEM;
    }
    if (n) memcpy(rp, pairs, n * sizeof *rp);
    qsort(rp, n, sizeof *rp, cmp_size);
    for (size_t p = 0; p < m->P; p++) m->rslot[p] = -1;
    for (size_t s = 0; s < n; s++) {
        if (rp[s] >= m->P || m->rslot[rp[s]] >= 0) {
            free(rp);
            free(xr);
            free(gRr);
            return axcon_error_set(err, AXCON_EINTERNAL, "attn: bad residual pair list");
        }
        m->rslot[rp[s]] = (int32_t)s;
    }
    free(m->xr);
    free(m->rpair);
    free(m->gRr);
    free(m->gR);
    m->gR = NULL;
    m->xr = xr;
    m->rpair = rp;
    m->gRr = gRr;
    m->nres = n;
    m->nr = nr;
    m->use_r = n > 0;
    m->R = n ? m->xr + m->nx : NULL;
    m->Rf = m->R;
    m->gRf = NULL;
    return AXCON_OK;
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
            for (size_t j = 0; j < i; j++) row[j] += E[ax_attn_pair(j, i, L)];
            for (size_t j = i + 1; j < L; j++) row[j] += E[ax_attn_pair(i, j, L)];
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
        float *c0 = m->Cp + (i + 1 < L ? ax_attn_pair(i, i + 1, L) : 0) * H2;
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

/* Ws (add_r = 0) or J = Ws + R (add_r = 1) into Jc (nsym floats), in fixed pair blocks, from
 * the coefficients and the values already built (m->Cp, m->Vx). */
static void couplings_into(ax_attn_model_t *m, float *Jc, int add_r)
{
    const size_t H2 = 2 * m->H, P = m->P, nb = m->nblk;
    fwd_fn fwd = pick_fwd();
#pragma omp parallel for schedule(static)
    for (long b = 0; b < (long)nb; b++) {
        size_t p0 = P * (size_t)b / nb, p1 = P * (size_t)(b + 1) / nb;
        fwd(m->Cp, m->Vx, H2, p0, p1, Jc);
        if (!add_r) continue;
        if (m->use_r && m->stream) {
            for (size_t p = p0; p < p1; p++)
                if (m->rslot[p] >= 0) {
                    const float *R = m->Rf + (size_t)m->rslot[p] * QQ;
                    for (size_t t = 0; t < QQ; t++) Jc[p * QQ + t] += R[t];
                }
        } else if (m->use_r) {
            const float *R = m->Rf;
            for (size_t t = p0 * QQ; t < p1 * QQ; t++) Jc[t] += R[t];
        }
    }
}

int ax_attn_couplings(ax_attn_model_t *m, const double *x, axcon_error_t *err)
{
    if (!m->Jc && !(m->Jc = ax_alloc(axcon_pll_nsym(m->L), sizeof(float), 0, "attn: couplings", err)))
        return AXCON_ENOMEM;
    build_vx(m, x);
    couplings_into(m, m->Jc, 1);
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
        for (size_t r = 0; r < n; r++) memcpy(cr + r * H2, m->Cp + ax_attn_pair(j0 + r, i, L) * H2, H2 * sizeof(float));
        if (n4 > n) memset(cr + n * H2, 0, (n4 - n) * H2 * sizeof(float));
        fwd(cr, m->Vx, H2, 0, n, ws);
        for (size_t r = 0; r < n; r++) {
            float *e = E + (j0 + r) * AX_PLL_BLK;
            const float *w = ws + r * QQ;
            for (size_t b = 0; b < Q21; b++)
                for (size_t a = 0; a < Q21; a++) e[b * AX_PLL_QP + a] += w[b * Q21 + a];
            int32_t sl = m->stream ? m->rslot[ax_attn_pair(j0 + r, i, L)] : -1;
            if (sl >= 0) { /* the sparse residual, same layout */
                const float *rr = m->Rf + (size_t)sl * QQ;
                for (size_t b = 0; b < Q21; b++)
                    for (size_t a = 0; a < Q21; a++) e[b * AX_PLL_QP + a] += rr[b * Q21 + a];
            }
        }
    }
    /* j > i: pairs (i, j) are consecutive rows of Cp (padded at the end); block [a][b] */
    for (size_t j0 = i + 1; j0 < L; j0 += HCH) {
        const size_t n = L - j0 < HCH ? L - j0 : HCH;
        fwd(m->Cp + ax_attn_pair(i, j0, L) * H2, m->Vx, H2, 0, n, ws);
        for (size_t r = 0; r < n; r++) {
            float *e = E + (j0 + r) * AX_PLL_BLK;
            const float *w = ws + r * QQ;
            for (size_t a = 0; a < Q21; a++)
                for (size_t b = 0; b < Q21; b++) e[b * AX_PLL_QP + a] += w[a * Q21 + b];
            int32_t sl = m->stream ? m->rslot[ax_attn_pair(i, j0 + r, L)] : -1;
            if (sl >= 0) {
                const float *rr = m->Rf + (size_t)sl * QQ;
                for (size_t a = 0; a < Q21; a++)
                    for (size_t b = 0; b < Q21; b++) e[b * AX_PLL_QP + a] += rr[a * Q21 + b];
            }
        }
    }
}

/* Per-thread scratch of the gradient hook: HCH + TP gradient rows (QQP), coefficient rows and
 * their gradients (2H), and the row's value partials in double. */
static int grad_scratch(ax_attn_model_t *m, axcon_error_t *err)
{
    int nthr = ax_max_threads();
    if (m->gk && nthr <= m->gk_nthr) return AXCON_OK;
    free(m->gk);
    free(m->gkd);
    m->gkd = NULL;
    m->gk_nthr = 0;
    m->gk_per = (HCH + TP) * (QQP + 2 * 2 * m->H);
    if (!(m->gk = ax_alloc((size_t)nthr * m->gk_per, sizeof(float), 1, "attn: row gradient scratch", err)) ||
        !(m->gkd = ax_alloc((size_t)nthr * 2 * m->H * QQP, sizeof(double), 0, "attn: row value partials", err)))
        return AXCON_ENOMEM;
    m->gk_nthr = nthr;
    return AXCON_OK;
}

static fwd_fn pick_fwd(void);
static bwd_fn pick_bwd(void);

/* The kernel's gradient hook (sparse form): conditional i's coupling gradient T (kernel layout
 * T[j][b][a] = d f_i / d J_ij(a, b)) becomes, for every j != i, through the same products as
 * the dense back-propagation (G = T / 2 against the values):
 *   dC of pair (min, max) -> dCr's lower-row half (j > i) or upper-row half (j < i);
 *   the value partials -> rpart[i];
 *   R's gradient of a residual pair -> gRr's lower- or upper-row half.
 * For j > i the block is the transpose of the pair's layout; using the pair's coefficients with
 * their two halves swapped (A_ij <-> A_ji, V <-> V^T) gives the same sums without transposing. */
static void grad_row_hook(void *ctx, size_t i, int tid, const float *T)
{
    ax_attn_model_t *m = ctx;
    const size_t L = m->L, H = m->H, H2 = 2 * H;
    float *G = m->gk + (size_t)tid * m->gk_per, *cr = G + (HCH + TP) * QQP, *dc = cr + (HCH + TP) * H2;
    double *part = m->gkd + (size_t)tid * H2 * QQP;
    float *lo = m->dCr, *hi = m->dCr + (m->P + TP) * H2;
    float *gRlo = m->gRr, *gRhi = m->gRr + m->nr;
    bwd_fn bwd = pick_bwd();
    memset(part, 0, H2 * QQP * sizeof(double));
    for (int side = 0; side < 2; side++) { /* 0: j < i (row i is the pair's upper row), 1: j > i */
        const size_t jbeg = side ? i + 1 : 0, jend = side ? L : i;
        for (size_t j0 = jbeg; j0 < jend; j0 += HCH) {
            const size_t n = jend - j0 < HCH ? jend - j0 : HCH, n4 = (n + TP - 1) / TP * TP;
            for (size_t r = 0; r < n; r++) {
                const size_t j = j0 + r, p = side ? ax_attn_pair(i, j, L) : ax_attn_pair(j, i, L);
                const float *t = T + j * AX_PLL_BLK, *c = m->Cp + p * H2;
                float *gr = G + r * QQP, *ck = cr + r * H2;
                for (size_t b = 0; b < Q21; b++)
                    for (size_t a = 0; a < Q21; a++) gr[b * Q21 + a] = 0.5f * t[b * AX_PLL_QP + a];
                for (size_t u = QQ; u < QQP; u++) gr[u] = 0.0f;
                if (side) {
                    memcpy(ck, c + H, H * sizeof(float));
                    memcpy(ck + H, c, H * sizeof(float));
                } else
                    memcpy(ck, c, H2 * sizeof(float));
                int32_t sl = m->use_r ? m->rslot[p] : -1;
                if (sl < 0) continue;
                if (side) { /* pair layout [a][b] */
                    float *o = gRlo + (size_t)sl * QQ;
                    for (size_t b = 0; b < Q21; b++)
                        for (size_t a = 0; a < Q21; a++) o[a * Q21 + b] = t[b * AX_PLL_QP + a];
                } else {
                    float *o = gRhi + (size_t)sl * QQ;
                    for (size_t b = 0; b < Q21; b++)
                        for (size_t a = 0; a < Q21; a++) o[b * Q21 + a] = t[b * AX_PLL_QP + a];
                }
            }
            for (size_t r = n; r < n4; r++) {
                memset(G + r * QQP, 0, QQP * sizeof(float));
                memset(cr + r * H2, 0, H2 * sizeof(float));
            }
            bwd(G, n, cr, m->Vx, H2, dc, part);
            for (size_t r = 0; r < n; r++) {
                const size_t j = j0 + r;
                const float *d = dc + r * H2;
                if (side) {
                    float *o = lo + ax_attn_pair(i, j, L) * H2;
                    memcpy(o, d + H, H * sizeof(float));
                    memcpy(o + H, d, H * sizeof(float));
                } else
                    memcpy(hi + ax_attn_pair(j, i, L) * H2, d, H2 * sizeof(float));
            }
        }
    }
    float *rp = m->rpart + i * H2 * QQP;
    for (size_t u = 0; u < H2 * QQP; u++) rp[u] = (float)part[u];
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
    if (m->stream && g && grad_scratch(m, err) != AXCON_OK) return AXCON_ENOMEM;
    double fp = 0;
    float *gcp = NULL;      /* the kernel's coupling gradient: R's gradient slot (turned into it below) */
    const float *Wm = NULL; /* Ws materialised (mat_j), or NULL: recomputed in pair blocks */
    const float *R = m->use_r && !m->stream ? m->Rf : NULL; /* the dense residual */
    float *gRs = NULL;  /* the sparse residual's gradient */
    if (g && m->stream && m->use_r) {
        if (!m->gRf) {
            if (!m->gR && !(m->gR = ax_alloc(m->nr, sizeof(float), 0, "attn: residual gradient", err)))
                return AXCON_ENOMEM;
            m->gRf = m->gR;
        }
        gRs = m->gRf;
    }
    if (g && !m->stream) {
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
    if (m->stream) { /* Ws + the sparse R streamed in, the gradient consumed row by row */
        rc = ax_pll_eval_stream(m->data, m->hf, ws_row_hook, m, g ? grad_row_hook : NULL, m, &fp, g ? m->gh : NULL,
                                err);
    } else if (m->mat_j) { /* Ws materialised once, in the optimiser's idle slot or in a vector of our
                              * own; the kernel adds R as it expands each row (the same floats as
                              * the hook's), and the pass below reads Ws instead of recomputing it */
        float *ws = m->ext_work;
        if (!ws) {
            if (!m->Jc && !(m->Jc = ax_alloc(nsym, sizeof(float), 0, "attn: couplings", err))) return AXCON_ENOMEM;
            ws = m->Jc;
        }
        couplings_into(m, ws, 0); /* Vx built above */
        Wm = ws;
        rc = ax_pll_eval_sym_sum(m->data, m->hf, Wm, R, &fp, g ? m->gh : NULL, gcp, err);
    } else {
        rc = ax_pll_eval_sym_hook(m->data, m->hf, R, ws_row_hook, m, &fp, g ? m->gh : NULL, gcp, err);
    }
    if (rc != AXCON_OK) return rc;
    m->f_pll = fp;
    m->nevals++;

    /* one pass over fixed pair blocks, SUBP pairs at a time: Ws of the sub-block (read, or recomputed),
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
            const float *Wb = W;
            if (Wm)
                Wb = Wm + s0 * QQ;
            else
                fwd(m->Cp + s0 * H2, m->Vx, H2, 0, np, W);
            for (size_t r = 0; r < np; r++) {
                const float *ws = Wb + r * QQ, *rr = R ? R + (s0 + r) * QQ : NULL;
                for (size_t t = 0; t < QQ; t++) s += (double)ws[t] * (double)ws[t];
                if (rr)
                    for (size_t t = 0; t < QQ; t++) sr += (double)rr[t] * (double)rr[t];
                if (!g) continue;
                float *gr = G + r * QQP;
                if (gcp) {
                    float *gj = gcp + (s0 + r) * QQ;
                    for (size_t t = 0; t < QQ; t++) gr[t] = 0.5f * (gj[t] + lw2 * ws[t]);
                    if (rr)
                        for (size_t t = 0; t < QQ; t++) gj[t] = gj[t] + lr2 * rr[t];
                } else /* streamed: the penalty's part here, the conditionals' part from the rows */
                    for (size_t t = 0; t < QQ; t++) gr[t] = 0.5f * (lw2 * ws[t]);
                for (size_t t = QQ; t < QQP; t++) gr[t] = 0.0f;
            }
            if (!g) continue;
            for (size_t r = np; r < ((np + 3) & ~(size_t)3); r++) /* rows read by the tiles */
                memset(G + r * QQP, 0, QQP * sizeof(float));
            bwd(G, np, m->Cp + s0 * H2, m->Vx, H2, m->dC + s0 * H2, part);
            if (m->stream) { /* + the rows' coefficient gradients: lower row, then upper row */
                const float *lo = m->dCr + s0 * H2, *hi = m->dCr + (P + TP + s0) * H2;
                float *dc = m->dC + s0 * H2;
                for (size_t t = 0; t < np * H2; t++) dc[t] = dc[t] + lo[t] + hi[t];
            }
        }
        if (m->stream && m->use_r) { /* the sparse residual: slots of this block's share */
            const size_t nr = m->nres, r0 = nr * (size_t)b / nb, r1 = nr * (size_t)(b + 1) / nb;
            const float *Rs = m->Rf, *glo = m->gRr, *ghi = m->gRr + m->nr;
            for (size_t u = r0 * QQ; u < r1 * QQ; u++) {
                sr += (double)Rs[u] * (double)Rs[u];
                if (gRs) gRs[u] = glo[u] + ghi[u] + lr2 * Rs[u];
            }
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
    if (m->stream) /* the rows' value partials, in row order */
        for (size_t i = 0; i < L; i++) {
            const float *part = m->rpart + i * H2 * QQP;
            for (size_t h = 0; h < H; h++) {
                double *gv = gV + h * QQ;
                const float *pa = part + h * QQP, *pb = part + (H + h) * QQP;
                for (size_t s = 0; s < Q21; s++)
                    for (size_t t = 0; t < Q21; t++)
                        gv[s * Q21 + t] += (double)pa[s * Q21 + t] + (double)pb[t * Q21 + s];
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
                    if (j > i) da = m->dC[ax_attn_pair(i, j, L) * H2 + h];
                    else if (j < i) da = m->dC[ax_attn_pair(j, i, L) * H2 + H + h];
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
                size_t p = ax_attn_pair(i, j, L);
                double acc = 2.0 * m->lam_e * E[p];
                for (size_t h = 0; h < H; h++) acc += m->dL[(h * L + i) * L + j] + m->dL[(h * L + j) * L + i];
                gE[p] = acc;
            }
        }
    }
    return AXCON_OK;
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
        size_t i = 0; /* (i, j) of pair p0: rows i = 0..L-2 start at ax_attn_pair(i, i+1) */
        while (i + 2 < L && ax_attn_pair(i + 1, i + 2, L) <= p0) i++;
        size_t j = i + 1 + (p0 - ax_attn_pair(i, i + 1, L));
        for (size_t s0 = p0; s0 < p1; s0 += SUBP) {
            size_t np = p1 - s0 < SUBP ? p1 - s0 : SUBP;
            fwd(m->Cp + s0 * H2, m->Vx, H2, 0, np, W);
            if (m->use_r && m->stream) {
                for (size_t r = 0; r < np; r++)
                    if (m->rslot[s0 + r] >= 0) {
                        const float *R = m->Rf + (size_t)m->rslot[s0 + r] * QQ;
                        for (size_t t = 0; t < QQ; t++) W[r * QQ + t] += R[t];
                    }
            } else if (m->use_r)
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

