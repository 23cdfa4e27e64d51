/* cnn.c - owns the forward pass of the contact head's residual convolutional network (cnn.h):
 * argument checks, the buffers (two K x L x L float planes: x, updated in place by each residual
 * sum, and h; per thread a ring of the 2d+1 input rows a 3x3 convolution with dilation d reads,
 * holding elu of the stored activations in double with d zero columns each side, so the inner
 * loops have no bounds tests), and the kernels: OpenMP threads own contiguous bands of output rows;
 * each output element is written by one thread with a fixed summation order, so the result does
 * not depend on the thread count. The 3x3 kernel computes 4 output channels x 8 columns at once
 * in GCC vector registers; elu is evaluated 4 at a time without branches (its own expm1, within
 * 1.2 ulp). An AVX2 copy of the kernels is chosen at run time on x86; it performs the same
 * multiplications and additions (no fused multiply-add), so both copies give the same bits. */
#include "score/cnn.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "core/util.h"

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__)) && !defined(__AVX2__)
#define AX_CNN_AVX2 1
#endif

#define AX_INLINE static inline __attribute__((always_inline))
#define JB 8 /* columns per register block (two vectors of 4 doubles) */
#define KB 4 /* output channels per register block */

typedef double ax_vd __attribute__((vector_size(32)));
typedef double ax_vdu __attribute__((vector_size(32), aligned(8), may_alias));
typedef float ax_vf __attribute__((vector_size(16)));
typedef float ax_vfu __attribute__((vector_size(16), aligned(4), may_alias));
typedef unsigned long long ax_vu __attribute__((vector_size(32)));

size_t ax_cnn_nparams(const ax_cnn_t *net)
{
    if (!net || net->cin < 0 || net->k < 0 || net->nblocks < 0) return 0;
    size_t K = (size_t)net->k, C = (size_t)net->cin, B = (size_t)net->nblocks;
    return K * C + K + B * 2 * (9 * K * K + K) + K + 1;
}

static int check_net(const ax_cnn_t *net, axcon_error_t *err)
{
    if (!net) return axcon_error_set(err, AXCON_EUSAGE, "cnn: NULL network");
    if (net->cin < 1 || net->k < 1 || net->nblocks < 0)
        return axcon_error_set(err, AXCON_EUSAGE, "cnn: bad shape (%d input channels, width %d, %d blocks)",
                               net->cin, net->k, net->nblocks);
    if (!net->w0 || !net->b0 || !net->wout) return axcon_error_set(err, AXCON_EUSAGE, "cnn: NULL weights");
    if (net->nblocks > 0 && (!net->dil || !net->wc || !net->bc))
        return axcon_error_set(err, AXCON_EUSAGE, "cnn: NULL block arrays");
    for (int b = 0; b < net->nblocks; b++) {
        if (net->dil[b] < 1)
            return axcon_error_set(err, AXCON_EUSAGE, "cnn: block %d: dilation %d < 1", b, net->dil[b]);
        for (int t = 2 * b; t < 2 * b + 2; t++)
            if (!net->wc[t] || !net->bc[t])
                return axcon_error_set(err, AXCON_EUSAGE, "cnn: convolution %d: NULL weights", t);
    }
    return AXCON_OK;
}

/* Effective dilation: for d >= L every off-centre tap is outside the map, as for d = L. */
static size_t eff_dil(int d, size_t L) { return (size_t)d < L ? (size_t)d : L; }

static size_t round_up(size_t n, size_t m) { return (n + m - 1) / m * m; }

/* Buffer sizes for L >= 1 (elements): one plane (K*L*L floats), planes in use, per-thread ring
 * (doubles), arranged weights (doubles); threads used (at most L). get_sizes: -1 on overflow. */
typedef struct sizes {
    size_t plane, nplanes, ring, wd;
    int nt;
} sizes_t;

static int get_sizes(const ax_cnn_t *net, size_t L, sizes_t *s)
{
    size_t K = (size_t)net->k, dmax = 0, LL, t;
    for (int b = 0; b < net->nblocks; b++)
        if (eff_dil(net->dil[b], L) > dmax) dmax = eff_dil(net->dil[b], L);
    int nt = ax_max_threads();
    if (nt < 1) nt = 1;
    if ((size_t)nt > L) nt = (int)L;
    s->nt = nt;
    s->nplanes = net->nblocks > 0 ? 2 : 1;
    if (L > SIZE_MAX / 4 - 2 * dmax - JB) return -1;
    if (ax_mul_ok(L, L, &LL) || ax_mul_ok(LL, K, &s->plane)) return -1;
    /* ring: 2d+1 rows x K channels x (Lr + 2d) columns (also the row scratch of the 1x1 layer) */
    if (ax_mul_ok(2 * dmax + 1, K, &t) || ax_mul_ok(t, round_up(L, JB) + 2 * dmax, &s->ring) ||
        ax_mul_ok(s->ring, (size_t)nt * sizeof(double), &t))
        return -1;
    if (ax_mul_ok(K, K, &t) || ax_mul_ok(t, 9, &t) || ax_mul_ok(t, 2 * (size_t)net->nblocks, &s->wd)) return -1;
    return 0;
}

double ax_cnn_bytes(const ax_cnn_t *net, size_t L)
{
    sizes_t s;
    if (check_net(net, NULL) != AXCON_OK || L == 0 || get_sizes(net, L, &s) != 0) return 0.0;
    return (double)s.nplanes * (double)s.plane * sizeof(float) + (double)s.nt * (double)s.ring * sizeof(double) +
           (double)s.wd * sizeof(double);
}

/* One 3x3 convolution: input plane `in` (read through elu), output plane `out` (= or += ). */
typedef struct conv {
    size_t K, L, d, W, S; /* width, map size, dilation, ring row width Lr + 2d, ring rows 2d+1 */
    const float *in;
    float *out;
    const double *wd;   /* weights by blocks of KB output channels: [c][u][v][kk] */
    const float *bias;  /* K */
    int res;            /* out += conv (the residual sum) instead of out = conv */
} conv_t;

/* elu of 4 doubles: t > 0 ? t : expm1(t), branch-free. expm1(t) for t <= 0: t = k ln2 + r with
 * |r| <= ln2/2 (Cody-Waite), expm1(r) by its Taylor polynomial to degree 13 (truncation < 0.1 ulp),
 * expm1(t) = 2^k expm1(r) + (2^k - 1); t < -40 is taken as -40 (the result rounds to -1). Within
 * 1.2 ulp of the exact value for every float t <= 0 (libm's expm1: 0.8); NaN stays NaN. */
AX_INLINE void elu4(const ax_vd *tp, ax_vd *out)
{
    const ax_vd t = *tp, one = {1.0, 1.0, 1.0, 1.0}, lim = one * -40.0, zero = one * 0.0;
    const ax_vd shift = one * 0x1.8p52, inv_ln2 = one * 0x1.71547652b82fep0;
    const ax_vd ln2_hi = one * 0x1.62e42fee00000p-1, ln2_lo = one * 0x1.a39ef35793c76p-33;
    const ax_vu low = (ax_vu)(t < lim), pos = (ax_vu)(t > zero);
    const ax_vd tc = (ax_vd)(((ax_vu)t & ~low) | ((ax_vu)lim & low));
    const ax_vd u = tc * inv_ln2 + shift; /* 1.5 2^52 + k: k = round(tc / ln2) in the low bits */
    const ax_vd kd = u - shift;
    const ax_vd r = (tc - kd * ln2_hi) - kd * ln2_lo;
    ax_vd q = one * (1.0 / 6227020800.0);
    q = q * r + 1.0 / 479001600.0;
    q = q * r + 1.0 / 39916800.0;
    q = q * r + 1.0 / 3628800.0;
    q = q * r + 1.0 / 362880.0;
    q = q * r + 1.0 / 40320.0;
    q = q * r + 1.0 / 5040.0;
    q = q * r + 1.0 / 720.0;
    q = q * r + 1.0 / 120.0;
    q = q * r + 1.0 / 24.0;
    q = q * r + 1.0 / 6.0;
    q = q * r + 0.5;
    const ax_vd p = r + r * r * q;                                        /* expm1(r) */
    const ax_vd sc = (ax_vd)(((ax_vu)u << 52) + (ax_vu)one); /* 2^k: k + 1023 in the exponent */
    const ax_vd e = sc * p + (sc - one);
    *out = (ax_vd)(((ax_vu)t & pos) | ((ax_vu)e & ~pos));
}

/* dst[j] = elu(src[j]) for j < n (the last n % 4 through a padded copy: the same operations). */
AX_INLINE void elu_row(const float *src, double *dst, size_t n)
{
    size_t j = 0;
    ax_vd t, e;
    for (; j + 4 <= n; j += 4) {
        t = __builtin_convertvector(*(const ax_vfu *)(src + j), ax_vd);
        elu4(&t, &e);
        *(ax_vdu *)(dst + j) = e;
    }
    if (j < n) {
        float f[4] = {0.0f, 0.0f, 0.0f, 0.0f};
        double o[4];
        memcpy(f, src + j, (n - j) * sizeof *f);
        t = __builtin_convertvector(*(const ax_vfu *)f, ax_vd);
        elu4(&t, &e);
        memcpy(o, &e, sizeof o);
        memcpy(dst + j, o, (n - j) * sizeof *o);
    }
}

/* Load input row r (-d <= r < L + d) into its ring slot: elu of each channel's row at columns
 * d..d+L-1, zeros elsewhere (and everywhere for rows outside the map). */
AX_INLINE void ring_fill(const conv_t *cv, double *ring, ptrdiff_t r)
{
    const size_t K = cv->K, L = cv->L, d = cv->d, W = cv->W;
    double *dst = ring + (size_t)(r + (ptrdiff_t)d) % cv->S * K * W;
    for (size_t c = 0; c < K; c++) {
        double *q = dst + c * W;
        if (r < 0 || (size_t)r >= L) {
            memset(q, 0, W * sizeof *q);
            continue;
        }
        memset(q, 0, d * sizeof *q);
        elu_row(cv->in + (c * L + (size_t)r) * L, q + d, L);
        memset(q + d + L, 0, (W - d - L) * sizeof *q);
    }
}

/* Store 8 (or the last n < 8) columns from jb of one output row o. */
AX_INLINE void store8(float *o, size_t n, const ax_vd *a, int res)
{
    if (n == JB) {
        for (int h = 0; h < 2; h++) {
            ax_vd s = a[h];
            if (res) s += __builtin_convertvector(*(const ax_vfu *)(o + 4 * h), ax_vd);
            *(ax_vfu *)(o + 4 * h) = __builtin_convertvector(s, ax_vf);
        }
    } else {
        for (size_t e = 0; e < n; e++) {
            double s = a[e >> 2][e & 3];
            if (res) s += (double)o[e];
            o[e] = (float)s;
        }
    }
}

/* Sums of KB output channels at columns jb..jb+7: acc[2*kk + h] (bias first, then c, u, v). */
AX_INLINE void kern4(const conv_t *cv, const double *const base[3], const double *w, const float *bias, size_t jb,
                     ax_vd acc[2 * KB])
{
    const size_t K = cv->K, W = cv->W, d = cv->d;
    const ax_vd z = {0.0, 0.0, 0.0, 0.0};
    ax_vd a00 = z + (double)bias[0], a01 = a00, a10 = z + (double)bias[1], a11 = a10;
    ax_vd a20 = z + (double)bias[2], a21 = a20, a30 = z + (double)bias[3], a31 = a30;
    for (size_t c = 0; c < K; c++)
        for (int u = 0; u < 3; u++) {
            const double *p = base[u] + c * W + jb;
#pragma GCC unroll 3
            for (int v = 0; v < 3; v++, p += d, w += KB) {
                const ax_vd x0 = *(const ax_vdu *)p, x1 = *(const ax_vdu *)(p + 4);
                a00 += x0 * w[0];
                a01 += x1 * w[0];
                a10 += x0 * w[1];
                a11 += x1 * w[1];
                a20 += x0 * w[2];
                a21 += x1 * w[2];
                a30 += x0 * w[3];
                a31 += x1 * w[3];
            }
        }
    acc[0] = a00, acc[1] = a01, acc[2] = a10, acc[3] = a11;
    acc[4] = a20, acc[5] = a21, acc[6] = a30, acc[7] = a31;
}

/* The same for one output channel (the K % KB last ones). */
AX_INLINE void kern1(const conv_t *cv, const double *const base[3], const double *w, const float *bias, size_t jb,
                     ax_vd acc[2])
{
    const size_t K = cv->K, W = cv->W, d = cv->d;
    const ax_vd z = {0.0, 0.0, 0.0, 0.0};
    ax_vd a0 = z + (double)bias[0], a1 = a0;
    for (size_t c = 0; c < K; c++)
        for (int u = 0; u < 3; u++) {
            const double *p = base[u] + c * W + jb;
            for (int v = 0; v < 3; v++, p += d, w++) {
                a0 += *(const ax_vdu *)p * w[0];
                a1 += *(const ax_vdu *)(p + 4) * w[0];
            }
        }
    acc[0] = a0, acc[1] = a1;
}

/* Output row i of a 3x3 convolution, from the ring (which holds input rows i-d..i+d). */
AX_INLINE void conv_row_body(const conv_t *cv, const double *ring, size_t i)
{
    const size_t K = cv->K, L = cv->L;
    const double *base[3];
    for (int u = 0; u < 3; u++) base[u] = ring + (i + (size_t)u * cv->d) % cv->S * K * cv->W;
    ax_vd acc[2 * KB];
    for (size_t jb = 0; jb < L; jb += JB) {
        size_t n = L - jb < JB ? L - jb : JB, k = 0;
        for (; k + KB <= K; k += KB) {
            kern4(cv, base, cv->wd + k * K * 9, cv->bias + k, jb, acc);
            for (size_t kk = 0; kk < KB; kk++) store8(cv->out + ((k + kk) * L + i) * L + jb, n, acc + 2 * kk, cv->res);
        }
        for (; k < K; k++) {
            kern1(cv, base, cv->wd + k * K * 9, cv->bias + k, jb, acc);
            store8(cv->out + (k * L + i) * L + jb, n, acc, cv->res);
        }
    }
}

/* Rows [i0, i1) of one 3x3 convolution by one thread. */
AX_INLINE void conv_band_body(const conv_t *cv, double *ring, size_t i0, size_t i1)
{
    const ptrdiff_t d = (ptrdiff_t)cv->d;
    for (size_t i = i0; i < i1; i++) {
        if (i == i0)
            for (ptrdiff_t r = (ptrdiff_t)i0 - d; r < (ptrdiff_t)i0 + d; r++) ring_fill(cv, ring, r);
        ring_fill(cv, ring, (ptrdiff_t)i + d);
        conv_row_body(cv, ring, i);
    }
}

/* Output rows [i0, i1): y = bout + sum_k wout[k] elu(x_k) (k ascending); e: L doubles of scratch. */
AX_INLINE void out_band_body(const ax_cnn_t *net, size_t L, const float *x, double *logits, double *e, size_t i0,
                             size_t i1)
{
    for (size_t i = i0; i < i1; i++) {
        double *y = logits + i * L;
        for (size_t j = 0; j < L; j++) y[j] = (double)net->bout;
        for (size_t k = 0; k < (size_t)net->k; k++) {
            const double w = net->wout[k];
            elu_row(x + (k * L + i) * L, e, L);
            for (size_t j = 0; j < L; j++) y[j] += w * e[j];
        }
    }
}

typedef struct kernels {
    void (*conv_band)(const conv_t *, double *, size_t, size_t);
    void (*out_band)(const ax_cnn_t *, size_t, const float *, double *, double *, size_t, size_t);
} kernels_t;

static void conv_band_generic(const conv_t *cv, double *ring, size_t i0, size_t i1)
{
    conv_band_body(cv, ring, i0, i1);
}

static void out_band_generic(const ax_cnn_t *net, size_t L, const float *x, double *logits, double *e, size_t i0,
                             size_t i1)
{
    out_band_body(net, L, x, logits, e, i0, i1);
}

#ifdef AX_CNN_AVX2
__attribute__((target("avx2"))) static void conv_band_avx2(const conv_t *cv, double *ring, size_t i0, size_t i1)
{
    conv_band_body(cv, ring, i0, i1);
}

__attribute__((target("avx2"))) static void out_band_avx2(const ax_cnn_t *net, size_t L, const float *x,
                                                          double *logits, double *e, size_t i0, size_t i1)
{
    out_band_body(net, L, x, logits, e, i0, i1);
}
#endif

static kernels_t pick_kernels(void)
{
#ifdef AX_CNN_AVX2
    if (__builtin_cpu_supports("avx2")) return (kernels_t){conv_band_avx2, out_band_avx2};
#endif
    return (kernels_t){conv_band_generic, out_band_generic};
}

/* Arrange conv weights W[((k*K + c)*3 + u)*3 + v] by blocks of KB output channels (then single
 * channels): block at k0 of nk channels at wd + k0*K*9, element [((c*3 + u)*3 + v)*nk + kk]. */
static void arrange(size_t K, const float *W, double *wd)
{
    for (size_t k0 = 0; k0 < K;) {
        size_t nk = K - k0 >= KB ? KB : 1;
        double *o = wd + k0 * K * 9;
        for (size_t c = 0; c < K; c++)
            for (size_t t = 0; t < 9; t++)
                for (size_t kk = 0; kk < nk; kk++) o[(c * 9 + t) * nk + kk] = W[((k0 + kk) * K + c) * 9 + t];
        k0 += nk;
    }
}

int ax_cnn_forward(const ax_cnn_t *net, size_t L, const float *X, double *logits, axcon_error_t *err)
{
    int rc = check_net(net, err);
    if (rc != AXCON_OK) return rc;
    if (L == 0) return AXCON_OK;
    if (!X || !logits) return axcon_error_set(err, AXCON_EUSAGE, "cnn: NULL input or output");
    sizes_t s;
    if (get_sizes(net, L, &s) != 0)
        return axcon_error_set(err, AXCON_ENOMEM, "cnn: buffer size overflow (L = %zu, width %d)", L, net->k);
    const size_t K = (size_t)net->k, C = (size_t)net->cin, NB = (size_t)net->nblocks;
    float *xa = ax_alloc(s.plane, sizeof *xa, 0, "cnn: activations", err);
    float *hb = xa && NB ? ax_alloc(s.plane, sizeof *hb, 0, "cnn: activations", err) : NULL;
    double *rings = xa && (hb || !NB) ? ax_alloc(s.ring, (size_t)s.nt * sizeof *rings, 0, "cnn: row buffers", err)
                                      : NULL;
    double *wd = rings ? ax_alloc(s.wd, sizeof *wd, 0, "cnn: weights", err) : NULL;
    if (!wd) {
        free(xa);
        free(hb);
        free(rings);
        return AXCON_ENOMEM;
    }
    for (size_t t = 0; t < 2 * NB; t++) arrange(K, net->wc[t], wd + t * K * K * 9);
    const kernels_t kern = pick_kernels();

#pragma omp parallel num_threads(s.nt)
    {
        int tid = 0, team = 1;
#ifdef _OPENMP
        tid = omp_get_thread_num();
        team = omp_get_num_threads();
#endif
        const size_t i0 = L * (size_t)tid / (size_t)team, i1 = L * (size_t)(tid + 1) / (size_t)team;
        double *ring = rings + (size_t)tid * s.ring;

        /* layer 0: x = b0 + W0 X (1x1), a row of doubles per output channel */
        for (size_t i = i0; i < i1; i++)
            for (size_t k = 0; k < K; k++) {
                double *a = ring;
                for (size_t j = 0; j < L; j++) a[j] = (double)net->b0[k];
                for (size_t c = 0; c < C; c++) {
                    const double w = net->w0[k * C + c];
                    const float *xr = X + (c * L + i) * L;
                    for (size_t j = 0; j < L; j++) a[j] += w * (double)xr[j];
                }
                float *o = xa + (k * L + i) * L;
                for (size_t j = 0; j < L; j++) o[j] = (float)a[j];
            }

        for (size_t b = 0; b < NB; b++) {
            size_t d = eff_dil(net->dil[b], L);
            conv_t cv = {K, L, d, round_up(L, JB) + 2 * d, 2 * d + 1, xa, hb, wd + 2 * b * K * K * 9,
                         net->bc[2 * b], 0};
#pragma omp barrier
            kern.conv_band(&cv, ring, i0, i1); /* h = conv(elu(x)) */
            cv.in = hb;
            cv.out = xa;
            cv.wd += K * K * 9;
            cv.bias = net->bc[2 * b + 1];
            cv.res = 1;
#pragma omp barrier
            kern.conv_band(&cv, ring, i0, i1); /* x += conv(elu(h)) */
        }

        /* y = bout + wout . elu(x), then z = (y + y^T) / 2 */
        kern.out_band(net, L, xa, logits, ring, i0, i1);
#pragma omp barrier
        for (size_t i = i0; i < i1; i++)
            for (size_t j = i + 1; j < L; j++)
                logits[i * L + j] = logits[j * L + i] = (logits[i * L + j] + logits[j * L + i]) / 2.0;
    }
    free(xa);
    free(hb);
    free(rings);
    free(wd);
    return AXCON_OK;
}
