/* test_cnn.c - unit tests of the contact head's convolutional network (src/score/cnn.c): the forward
 * pass against a naive reference written here (double loops over an explicitly zero-padded map),
 * hand-computed cases (elu of negative values, symmetrisation, zero padding and dilation), symmetry
 * and bitwise equality for 1, 2 and 3 OpenMP threads, the parameter count, argument errors and
 * ax_cnn_bytes. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "score/cnn.h"
#include "testutil.h"

#define MAXB 8

/* A network owning its weights (random, fixed seed). */
typedef struct tnet {
    ax_cnn_t net;
    int dil[MAXB];
    float *w0, *b0, *wout, *wc[2 * MAXB], *bc[2 * MAXB];
} tnet_t;

static uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 11;
}

/* uniform in [-a, a) */
static float unif(uint64_t *s, double a) { return (float)(((double)lcg(s) / 9007199254740992.0 * 2.0 - 1.0) * a); }

static float *rand_array(size_t n, uint64_t *s, double a)
{
    float *p = malloc((n ? n : 1) * sizeof *p);
    for (size_t i = 0; i < n; i++) p[i] = unif(s, a);
    return p;
}

static void tnet_init(tnet_t *t, int cin, int K, int nb, const int *dil, uint64_t seed)
{
    uint64_t s = seed;
    memset(t, 0, sizeof *t);
    t->w0 = rand_array((size_t)K * (size_t)cin, &s, 1.0);
    t->b0 = rand_array((size_t)K, &s, 0.3);
    for (int b = 0; b < 2 * nb; b++) {
        t->wc[b] = rand_array((size_t)K * (size_t)K * 9, &s, 1.5 / sqrt(9.0 * K));
        t->bc[b] = rand_array((size_t)K, &s, 0.3);
    }
    for (int b = 0; b < nb; b++) t->dil[b] = dil[b];
    t->wout = rand_array((size_t)K, &s, 1.0);
    t->net = (ax_cnn_t){cin, K, nb, t->dil, t->w0, t->b0, (const float *const *)t->wc, (const float *const *)t->bc,
                        t->wout, unif(&s, 0.5)};
}

static void tnet_free(tnet_t *t)
{
    free(t->w0);
    free(t->b0);
    free(t->wout);
    for (int b = 0; b < 2 * MAXB; b++) {
        free(t->wc[b]);
        free(t->bc[b]);
    }
}

static double ref_elu(double t) { return t > 0.0 ? t : expm1(t); }

/* Naive 3x3 convolution with dilation d: out = conv(elu(in)) (or out += when res), the input
 * first copied, through elu, into a zero-padded (L+2d) x (L+2d) double map per channel. */
static void ref_conv(size_t K, size_t L, size_t d, const float *W, const float *bias, const float *in, float *out,
                     int res)
{
    const size_t P = L + 2 * d;
    double *pad = calloc(K * P * P, sizeof *pad);
    for (size_t c = 0; c < K; c++)
        for (size_t i = 0; i < L; i++)
            for (size_t j = 0; j < L; j++) pad[(c * P + i + d) * P + j + d] = ref_elu(in[(c * L + i) * L + j]);
    for (size_t k = 0; k < K; k++)
        for (size_t i = 0; i < L; i++)
            for (size_t j = 0; j < L; j++) {
                double s = bias[k];
                for (size_t c = 0; c < K; c++)
                    for (size_t u = 0; u < 3; u++)
                        for (size_t v = 0; v < 3; v++)
                            s += (double)W[((k * K + c) * 3 + u) * 3 + v] * pad[(c * P + i + u * d) * P + j + v * d];
                float *o = out + (k * L + i) * L + j;
                *o = res ? (float)((double)*o + s) : (float)s;
            }
    free(pad);
}

static void ref_forward(const ax_cnn_t *n, size_t L, const float *X, double *z)
{
    const size_t K = (size_t)n->k, C = (size_t)n->cin;
    float *x = malloc(K * L * L * sizeof *x), *h = malloc(K * L * L * sizeof *h);
    double *y = malloc(L * L * sizeof *y);
    for (size_t k = 0; k < K; k++)
        for (size_t i = 0; i < L * L; i++) {
            double s = n->b0[k];
            for (size_t c = 0; c < C; c++) s += (double)n->w0[k * C + c] * (double)X[c * L * L + i];
            x[k * L * L + i] = (float)s;
        }
    for (int b = 0; b < n->nblocks; b++) {
        ref_conv(K, L, (size_t)n->dil[b], n->wc[2 * b], n->bc[2 * b], x, h, 0);
        ref_conv(K, L, (size_t)n->dil[b], n->wc[2 * b + 1], n->bc[2 * b + 1], h, x, 1);
    }
    for (size_t i = 0; i < L * L; i++) {
        double s = n->bout;
        for (size_t k = 0; k < K; k++) s += (double)n->wout[k] * ref_elu(x[k * L * L + i]);
        y[i] = s;
    }
    for (size_t i = 0; i < L; i++)
        for (size_t j = 0; j < L; j++) z[i * L + j] = (y[i * L + j] + y[j * L + i]) / 2.0;
    free(x);
    free(h);
    free(y);
}

/* max |a - b| / max |b| */
static double rel_diff(const double *a, const double *b, size_t n)
{
    double md = 0.0, mb = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (fabs(a[i] - b[i]) > md || isnan(a[i] - b[i])) md = isnan(a[i] - b[i]) ? INFINITY : fabs(a[i] - b[i]);
        if (fabs(b[i]) > mb) mb = fabs(b[i]);
    }
    return mb > 0.0 ? md / mb : md;
}

static void check_against_ref(int cin, int K, int nb, const int *dil, size_t L, uint64_t seed)
{
    tnet_t t;
    tnet_init(&t, cin, K, nb, dil, seed);
    uint64_t s = seed * 7 + 1;
    float *X = rand_array((size_t)cin * L * L, &s, 1.0);
    double *z = malloc(L * L * sizeof *z), *zr = malloc(L * L * sizeof *zr);
    axcon_error_t err;
    axcon_error_clear(&err);
    CU_ASSERT_EQUAL(ax_cnn_forward(&t.net, L, X, z, &err), AXCON_OK);
    ref_forward(&t.net, L, X, zr);
    CU_ASSERT(rel_diff(z, zr, L * L) <= 1e-9);
    /* the case is not degenerate: negative activations (elu's expm1 branch) and varied logits */
    double mn = zr[0], mx = zr[0];
    for (size_t i = 0; i < L * L; i++) mn = zr[i] < mn ? zr[i] : mn, mx = zr[i] > mx ? zr[i] : mx;
    if (L > 1) CU_ASSERT(mx - mn > 1e-3);
    free(X);
    free(z);
    free(zr);
    tnet_free(&t);
}

static void test_reference(void)
{
    const int dil[3] = {1, 2, 3}, dil2[2] = {1, 5};
    const size_t Ls[4] = {1, 2, 7, 20};
    for (int t = 0; t < 4; t++) check_against_ref(3, 5, 3, dil, Ls[t], 11 + (uint64_t)t);
    /* two full blocks of 4 output channels, one tail channel; a dilation >= L */
    check_against_ref(2, 9, 2, dil2, 13, 5);
    check_against_ref(2, 9, 2, dil2, 4, 6);
    check_against_ref(1, 4, 0, dil2, 9, 7);
}

/* Cin = 1, K = 1, no block: x = 2 X - 1, y = 0.5 + 3 elu(x), z = (y + y^T) / 2. */
static void test_hand(void)
{
    const float w0 = 2.0f, b0 = -1.0f, wout = 3.0f;
    const ax_cnn_t net = {1, 1, 0, NULL, &w0, &b0, NULL, NULL, &wout, 0.5f};
    const float X[4] = {1.0f, 0.0f, 0.5f, -1.0f}; /* x = 1, -1, 0, -3 */
    double z[4];
    axcon_error_t err;
    axcon_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(ax_cnn_forward(&net, 2, X, z, &err), AXCON_OK);
    /* y00 = 3.5; y01 = 0.5 + 3 (e^-1 - 1) = -1.39636167648567; y10 = 0.5; y11 = 0.5 + 3 (e^-3 - 1) */
    CU_ASSERT_DOUBLE_EQUAL(z[0], 3.5, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(z[1], (-1.3963616764856731 + 0.5) / 2.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(z[1], -0.44818083824283655, 1e-12);
    CU_ASSERT_EQUAL(z[2], z[1]);
    CU_ASSERT_DOUBLE_EQUAL(z[3], -2.350638794896408, 1e-12);

    /* 3 x 3, K = 1, one block: x = 1; h = all-ones 3x3 kernel = number of taps inside the map;
     * x += h + 0.5 (centre-only kernel, bias 0.5); y = x. */
    const float one = 1.0f, zero = 0.0f, half = 0.5f;
    const float ones[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1}, centre[9] = {0, 0, 0, 0, 1, 0, 0, 0, 0};
    const float *wc[2] = {ones, centre}, *bc[2] = {&zero, &half};
    int d = 1;
    const ax_cnn_t n2 = {1, 1, 1, &d, &one, &zero, wc, bc, &one, 0.0f};
    const float X9[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    double z9[9];
    CU_ASSERT_EQUAL_FATAL(ax_cnn_forward(&n2, 3, X9, z9, &err), AXCON_OK);
    const double e1[9] = {5.5, 7.5, 5.5, 7.5, 10.5, 7.5, 5.5, 7.5, 5.5}; /* 4, 6, 9 taps inside */
    for (int i = 0; i < 9; i++) CU_ASSERT_DOUBLE_EQUAL(z9[i], e1[i], 1e-12);
    d = 2; /* rows/columns i-2, i, i+2 inside: 2, 1, 2 -> taps 4 (corners), 2 (edges), 1 (centre) */
    CU_ASSERT_EQUAL_FATAL(ax_cnn_forward(&n2, 3, X9, z9, &err), AXCON_OK);
    const double e2[9] = {5.5, 3.5, 5.5, 3.5, 2.5, 3.5, 5.5, 3.5, 5.5};
    for (int i = 0; i < 9; i++) CU_ASSERT_DOUBLE_EQUAL(z9[i], e2[i], 1e-12);
}

static void test_symmetry_threads(void)
{
    const int dil[3] = {1, 2, 4};
    const size_t L = 37;
    tnet_t t;
    tnet_init(&t, 3, 6, 3, dil, 99);
    uint64_t s = 123;
    float *X = rand_array(3 * L * L, &s, 1.0);
    CU_ASSERT(X[0 * L + 1] != X[1 * L + 0]); /* the input is not symmetric */
    double *z[3];
    axcon_error_t err;
    axcon_error_clear(&err);
#ifdef _OPENMP
    int saved = omp_get_max_threads();
#endif
    for (int n = 0; n < 3; n++) {
#ifdef _OPENMP
        omp_set_num_threads(n + 1);
#endif
        z[n] = malloc(L * L * sizeof *z[n]);
        CU_ASSERT_EQUAL(ax_cnn_forward(&t.net, L, X, z[n], &err), AXCON_OK);
    }
#ifdef _OPENMP
    omp_set_num_threads(saved);
#endif
    int sym = 1;
    for (size_t i = 0; i < L; i++)
        for (size_t j = 0; j < L; j++) sym &= z[0][i * L + j] == z[0][j * L + i] && isfinite(z[0][i * L + j]);
    CU_ASSERT(sym);
    CU_ASSERT(z[0][0 * L + 1] != z[0][2 * L + 3]);
    CU_ASSERT(memcmp(z[0], z[1], L * L * sizeof *z[0]) == 0);
    CU_ASSERT(memcmp(z[0], z[2], L * L * sizeof *z[0]) == 0);
    /* and the same as the reference */
    double *zr = malloc(L * L * sizeof *zr);
    ref_forward(&t.net, L, X, zr);
    CU_ASSERT(rel_diff(z[0], zr, L * L) <= 1e-9);
    for (int n = 0; n < 3; n++) free(z[n]);
    free(zr);
    free(X);
    tnet_free(&t);
}

static void test_params_errors(void)
{
    const int dil[2] = {1, 2};
    tnet_t t;
    tnet_init(&t, 3, 5, 2, dil, 3);
    /* K*cin + K + per block 2 (9 K^2 + K) + K + 1 */
    CU_ASSERT_EQUAL(ax_cnn_nparams(&t.net), (size_t)(15 + 5 + 2 * 2 * (225 + 5) + 5 + 1));
    ax_cnn_t n16 = t.net;
    n16.cin = 6, n16.k = 16, n16.nblocks = 4;
    CU_ASSERT_EQUAL(ax_cnn_nparams(&n16), (size_t)(96 + 16 + 8 * (2304 + 16) + 17));
    CU_ASSERT_EQUAL(ax_cnn_nparams(NULL), 0);

    const size_t L = 4;
    float X[3 * 16] = {0};
    double z[16], z0[16];
    for (int i = 0; i < 16; i++) z[i] = z0[i] = -7.25;
    axcon_error_t err;
    axcon_error_clear(&err);
    ax_cnn_t bad;
#define BAD(stmt)                                                        \
    do {                                                                 \
        bad = t.net;                                                     \
        stmt;                                                            \
        axcon_error_clear(&err);                                         \
        CU_ASSERT_EQUAL(ax_cnn_forward(&bad, L, X, z, &err), AXCON_EUSAGE); \
        CU_ASSERT_EQUAL(err.status, AXCON_EUSAGE);                       \
        CU_ASSERT(err.msg[0] != '\0');                                   \
        CU_ASSERT_EQUAL(ax_cnn_bytes(&bad, L), 0.0);                     \
    } while (0)
    BAD(bad.cin = 0);
    BAD(bad.k = 0);
    BAD(bad.k = -3);
    BAD(bad.nblocks = -1);
    BAD(bad.w0 = NULL);
    BAD(bad.b0 = NULL);
    BAD(bad.wout = NULL);
    BAD(bad.dil = NULL);
    BAD(bad.wc = NULL);
    BAD(bad.bc = NULL);
    int d0[2] = {1, 0};
    BAD(bad.dil = d0);
    float *keep = t.wc[3];
    t.wc[3] = NULL; /* second convolution of block 1 */
    BAD((void)0);
    t.wc[3] = keep;
    keep = t.bc[0];
    t.bc[0] = NULL;
    BAD((void)0);
    t.bc[0] = keep;
#undef BAD
    CU_ASSERT_EQUAL(ax_cnn_forward(NULL, L, X, z, &err), AXCON_EUSAGE);
    CU_ASSERT(memcmp(z, z0, sizeof z) == 0);
    CU_ASSERT_EQUAL(ax_cnn_forward(&t.net, L, NULL, z, &err), AXCON_EUSAGE);
    CU_ASSERT_EQUAL(ax_cnn_forward(&t.net, L, X, NULL, &err), AXCON_EUSAGE);
    /* L = 0: nothing read or written */
    CU_ASSERT_EQUAL(ax_cnn_forward(&t.net, 0, NULL, NULL, &err), AXCON_OK);
    CU_ASSERT_EQUAL(ax_cnn_forward(&t.net, 0, X, z, &err), AXCON_OK);
    CU_ASSERT(memcmp(z, z0, sizeof z) == 0);
    /* an impossible size fails cleanly (ENOMEM) without reading X */
    axcon_error_clear(&err);
    CU_ASSERT_EQUAL(ax_cnn_forward(&t.net, SIZE_MAX / 2, X, z, &err), AXCON_ENOMEM);
    CU_ASSERT_EQUAL(err.status, AXCON_ENOMEM);
    CU_ASSERT_EQUAL(ax_cnn_forward(&t.net, L, X, z, &err), AXCON_OK);

    /* bytes (cnn.h): two float planes, per thread (at most L) 2d+1 rows of K padded double rows
     * (d = 2, padded width round_up(L, 8) + 2d), the four convolutions' weights as doubles */
    int nt = 1;
#ifdef _OPENMP
    nt = omp_get_max_threads();
#endif
    const double planes = 2.0 * 5 * 300.0 * 300.0 * sizeof(float);
    const double ring = 5.0 * 5 * (304 + 4) * sizeof(double), wts = 4.0 * 225 * sizeof(double);
    CU_ASSERT_EQUAL(ax_cnn_bytes(&t.net, 300), planes + (nt < 300 ? nt : 300) * ring + wts);
    CU_ASSERT_EQUAL(ax_cnn_bytes(&t.net, 0), 0.0);
    ax_cnn_t nob = t.net;
    nob.nblocks = 0; /* one plane, rows of width 304, no convolution weights */
    CU_ASSERT_EQUAL(ax_cnn_bytes(&nob, 300), planes / 2 + (nt < 300 ? nt : 300) * 5.0 * 304 * sizeof(double) + 0.0);
    tnet_free(&t);
}

static void register_suites(void)
{
    axt_suite("cnn", (axt_case_t[]){{"reference", test_reference},
                                    {"hand", test_hand},
                                    {"symmetry_threads", test_symmetry_threads},
                                    {"params_errors", test_params_errors},
                                    {0, 0}});
}

int main(int argc, char **argv) { return axt_main(argc, argv, register_suites); }
