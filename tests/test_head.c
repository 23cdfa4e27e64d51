/* test_head.c - unit tests of the contact heads (src/score/head.c; the network over
 * src/score/cnn.c): the linear head's feature maps and the network's input channels against
 * hand-computed values, the network's channels and logits against the training script's
 * values for the shipped weights (tests/head_fixture.h), the column statistics, argument
 * errors, a planted contact patch that each head must rank above an isolated stronger pair,
 * and `axcon predict --no-head / --head net`. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "axcon/head.h"
#include "axcon/log.h"
#include "axcon/msa.h"
#include "head_fixture.h"
#include "testutil.h"

/* n = 5, one pair (1,3) = 1, all other pairs 0: 10 pairs, mean 0.1, sd 0.3, so z(1,3) = 3 and
 * every other pair -1/3. */
static void test_features_hand(void)
{
    const size_t n = 5, nn = 25;
    double F[25] = {0}, M[25] = {0}, gap[5] = {0.0, 0.1, 0.2, 0.3, 0.4}, ent[5] = {1, 2, 3, 4, 5};
    F[1 * n + 3] = F[3 * n + 1] = 1.0;
    M[0 * n + 4] = M[4 * n + 0] = 2.0;
    double *X = malloc(AXCON_HEAD_NFEAT * nn * sizeof *X);
    axcon_error_t err;
    axcon_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(axcon_head_features(n, F, M, gap, ent, X, &err), AXCON_OK);
    const double *zF = X, *zM = X + nn, *cF = X + 2 * nn, *b1 = X + 4 * nn, *b2 = X + 6 * nn, *g = X + 7 * nn,
                 *e = X + 8 * nn;
    CU_ASSERT_DOUBLE_EQUAL(zF[1 * n + 3], 3.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(zF[3 * n + 1], 3.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(zF[0 * n + 2], -1.0 / 3.0, 1e-12);
    CU_ASSERT_EQUAL(zF[2 * n + 2], 0.0);
    CU_ASSERT_DOUBLE_EQUAL(zM[0 * n + 4], 3.0, 1e-12);
    /* (2,4): parallel neighbours (1,3) + (3,5 outside) = 3, antiparallel (1,5 out) + (3,3 diag) = 0 */
    CU_ASSERT_DOUBLE_EQUAL(cF[2 * n + 4], 3.0, 1e-12);
    /* (0,2): parallel (-1,1 out) + (1,3) = 3; antiparallel (-1,3 out) + (1,1) = 0 */
    CU_ASSERT_DOUBLE_EQUAL(cF[0 * n + 2], 3.0, 1e-12);
    /* (0,4): parallel (1,5 out) = 0 and antiparallel (1,3) = 3 */
    CU_ASSERT_DOUBLE_EQUAL(cF[0 * n + 4], 3.0, 1e-12);
    /* box_1 at (1,2): (0,1) (0,2) (0,3) (2,1) (2,3) = -1/3 each, (1,1) (2,2) = 0, (1,3) = 3 */
    CU_ASSERT_DOUBLE_EQUAL(b1[1 * n + 2], (3.0 - 5.0 / 3.0) / 8.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(b1[2 * n + 1], b1[1 * n + 2], 1e-12);
    /* box_2 at (0,0+...): (0,1) sees rows -2..2 and cols -1..3 inside: 0..2 x 0..3 minus (0,1) */
    double s = 0.0;
    for (int u = 0; u <= 2; u++)
        for (int v = 0; v <= 3; v++)
            if (!(u == 0 && v == 1)) s += zF[u * n + v];
    CU_ASSERT_DOUBLE_EQUAL(b2[0 * n + 1], s / 24.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(g[1 * n + 4], 0.5, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(e[0 * n + 2], 4.0, 1e-12);
    CU_ASSERT_EQUAL(g[3 * n + 3], 0.0);
    free(X);
}

static void test_column_stats(void)
{
    /* 4 distinct sequences (identity < 0.8: weights 1): column 2 = A, A, C, - */
    const char *fa = ">q\nMKAWL\n>s1\nMRAWI\n>s2\nLKCYV\n>s3\nIE-FW\n";
    axcon_msa_opts_t o;
    axcon_msa_opts_init(&o);
    axcon_msa_t *msa = NULL;
    axcon_error_t err;
    axcon_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(axcon_msa_parse("t.fa", fa, strlen(fa), &o, &msa, &err), AXCON_OK);
    double w[4] = {1, 1, 1, 1}, gap[5], ent[5];
    axcon_prep_t *p = NULL;
    CU_ASSERT_EQUAL_FATAL(axcon_prep_from_codes(axcon_msa_data(msa), 4, 5, w, &p, &err), AXCON_OK);
    CU_ASSERT_EQUAL_FATAL(axcon_head_column_stats(p, gap, ent, &err), AXCON_OK);
    CU_ASSERT_DOUBLE_EQUAL(gap[2], 0.25, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(ent[2], -(0.5 * log(0.5) + 2 * 0.25 * log(0.25)), 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(gap[0], 0.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(ent[0], -(0.5 * log(0.5) + 2 * 0.25 * log(0.25)), 1e-12); /* M M L I */
    CU_ASSERT_DOUBLE_EQUAL(ent[3], -(0.5 * log(0.5) + 2 * 0.25 * log(0.25)), 1e-12); /* W W Y F */
    axcon_prep_free(p);
    double w2[4] = {3, 1, 0, 0}; /* weights count: column 2 -> A with weight 4 of 4 */
    CU_ASSERT_EQUAL_FATAL(axcon_prep_from_codes(axcon_msa_data(msa), 4, 5, w2, &p, &err), AXCON_OK);
    CU_ASSERT_EQUAL_FATAL(axcon_head_column_stats(p, gap, ent, &err), AXCON_OK);
    CU_ASSERT_DOUBLE_EQUAL(gap[2], 0.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(ent[2], 0.0, 1e-12);
    axcon_prep_free(p);
    /* identity weights from the alignment: all four rows differ in more than 20% of columns */
    CU_ASSERT_EQUAL_FATAL(axcon_prep_new(msa, 0.8, &p, &err), AXCON_OK);
    CU_ASSERT_EQUAL_FATAL(axcon_head_column_stats(p, gap, ent, &err), AXCON_OK);
    CU_ASSERT_DOUBLE_EQUAL(gap[2], 0.25, 1e-12);
    axcon_prep_free(p);
    CU_ASSERT_EQUAL(axcon_head_column_stats(NULL, gap, ent, &err), AXCON_EUSAGE);
    axcon_msa_free(msa);
}

static void test_errors(void)
{
    double F[4] = {0, 1, 1, 0}, g[2] = {0, 0}, out[4];
    axcon_error_t err;
    axcon_error_clear(&err);
    CU_ASSERT_EQUAL(axcon_head_scores(2, NULL, F, g, g, out, &err), AXCON_EUSAGE);
    CU_ASSERT_EQUAL(axcon_head_scores(1, F, F, g, g, out, &err), AXCON_EINPUT);
    CU_ASSERT_EQUAL(axcon_head_features(2, F, F, g, NULL, out, &err), AXCON_EUSAGE);
    /* constant map: sd 0 must not give NaN */
    double H[4];
    CU_ASSERT_EQUAL(axcon_head_scores(2, F, F, g, g, H, &err), AXCON_OK);
    for (int k = 0; k < 4; k++) CU_ASSERT(isfinite(H[k]));
}

static uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 11;
}

/* n = 40 noise scores (|z| small), a 3 x 3 patch of contacts (10..12, 28..30) at 2.0 and an
 * isolated pair (2, 20) at 2.4. The model's score ranks the isolated pair first; the head, which
 * reads the neighbours of a pair (contacts come in patches), must rank all nine patch pairs
 * above it. */
static void test_planted_patch(void)
{
    const size_t n = 40, nn = n * n;
    double *F = calloc(nn, sizeof *F), *H = calloc(nn, sizeof *H), gap[40], ent[40];
    uint64_t s = 7;
    for (size_t i = 0; i < n; i++) {
        gap[i] = 0.05;
        ent[i] = 2.0;
        for (size_t j = i + 1; j < n; j++) F[i * n + j] = F[j * n + i] = 0.5 * ((double)(lcg(&s) % 1000) / 1000.0 - 0.5);
    }
    for (size_t a = 10; a <= 12; a++)
        for (size_t b = 28; b <= 30; b++) F[a * n + b] = F[b * n + a] = 2.0;
    F[2 * n + 20] = F[20 * n + 2] = 2.4;
    axcon_error_t err;
    axcon_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(axcon_head_scores(n, F, F, gap, ent, H, &err), AXCON_OK);
    int above = 1;
    for (size_t a = 10; a <= 12; a++)
        for (size_t b = 28; b <= 30; b++) {
            if (!(H[a * n + b] > H[2 * n + 20])) above = 0;
            CU_ASSERT(F[a * n + b] < F[2 * n + 20]);
        }
    CU_ASSERT(above);
    for (size_t i = 0; i < n; i++) {
        CU_ASSERT_EQUAL(H[i * n + i], 0.0);
        for (size_t j = 0; j < n; j++) CU_ASSERT_EQUAL(H[i * n + j], H[j * n + i]);
    }
    free(F);
    free(H);
}

/* n = 5, one pair (1,3) = 1, all other pairs 0: 10 pairs, mean 0.1, sd 0.3, so z(1,3) = 3 and
 * every other pair -1/3. Columns: column 2 all gap (entropy 0), columns 1, 3, 4 A/Q half and
 * half (entropy ln 2), column 0 A/C/G; positions 1, 2, 4, 8, 9; Neff 20. */
static void test_net_channels_hand(void)
{
    const size_t n = 5, nn = 25;
    double F[25] = {0}, M[25] = {0}, freq[5 * 21] = {0};
    int pos[5] = {1, 2, 4, 8, 9};
    F[1 * n + 3] = F[3 * n + 1] = 1.0;
    M[0 * n + 4] = M[4 * n + 0] = 2.0;
    for (size_t i = 0; i < n; i++) {
        if (i == 2) freq[i * 21 + 20] = 1.0;
        else freq[i * 21 + 0] = freq[i * 21 + 5] = 0.5;
    }
    freq[0 * 21 + 0] = 0.25; /* column 0: A 0.25, C 0.5 (hydropathy 2.5), G 0.25 */
    freq[0 * 21 + 5] = 0.0;
    freq[0 * 21 + 4] = 0.5;
    freq[0 * 21 + 7] = 0.25;
    axcon_head_input_t in = {n, pos, "attn", F, M, freq, 20.0, 30, 25, NULL, NULL};
    float *X = malloc(10 * nn * sizeof *X);
    axcon_error_t err;
    axcon_error_clear(&err);
    CU_ASSERT_EQUAL(axcon_head_nchannels(&in), 10);
    CU_ASSERT_EQUAL_FATAL(axcon_head_channels(&in, X, &err), AXCON_OK);
    const float *zF = X, *zM = X + nn, *g = X + 2 * nn, *e = X + 3 * nn, *sp = X + 4 * nn, *d = X + 5 * nn;
    CU_ASSERT_DOUBLE_EQUAL(zF[1 * n + 3], 3.0, 1e-6);
    CU_ASSERT_DOUBLE_EQUAL(zF[3 * n + 1], 3.0, 1e-6);
    CU_ASSERT_DOUBLE_EQUAL(zF[0 * n + 2], -1.0 / 3.0, 1e-6);
    CU_ASSERT_EQUAL(zF[2 * n + 2], 0.0f);
    CU_ASSERT_DOUBLE_EQUAL(zM[0 * n + 4], 3.0, 1e-6);
    CU_ASSERT_DOUBLE_EQUAL(g[2 * n + 4], 1.0, 1e-7);
    CU_ASSERT_DOUBLE_EQUAL(g[2 * n + 2], 2.0, 1e-7);
    CU_ASSERT_DOUBLE_EQUAL(g[0 * n + 1], 0.0, 1e-7);
    const double e0 = -(0.5 * log(0.5) + 2 * 0.25 * log(0.25)) / log(21.0), e1 = log(2.0) / log(21.0);
    CU_ASSERT_DOUBLE_EQUAL(e[0 * n + 1], e0 + e1, 1e-6);
    CU_ASSERT_DOUBLE_EQUAL(e[1 * n + 3], 2.0 * e1, 1e-6);
    CU_ASSERT_DOUBLE_EQUAL(e[1 * n + 2], e1, 1e-6);
    CU_ASSERT_DOUBLE_EQUAL(sp[1 * n + 3], log1p(6.0) / 7.0, 1e-6); /* positions 2 and 8 */
    CU_ASSERT_DOUBLE_EQUAL(sp[4 * n + 0], log1p(8.0) / 7.0, 1e-6);
    CU_ASSERT_EQUAL(sp[3 * n + 3], 0.0f);
    CU_ASSERT_DOUBLE_EQUAL(d[7], log1p(20.0 / sqrt(5.0)) / 5.0, 1e-6);
    /* ranks: 10 pairs; in F the pair (1,3) is first (value 1), then (0,1), (0,2), ... by i, j */
    const float *rF = X + 6 * nn, *rM = X + 7 * nn, *hs = X + 8 * nn, *hp = X + 9 * nn;
    CU_ASSERT_DOUBLE_EQUAL(rF[1 * n + 3], 1.0, 1e-6);
    CU_ASSERT_DOUBLE_EQUAL(rF[3 * n + 1], 1.0, 1e-6);
    CU_ASSERT_DOUBLE_EQUAL(rF[0 * n + 1], -log(2.0 / 10.0) / log(10.0), 1e-6);
    CU_ASSERT_DOUBLE_EQUAL(rF[3 * n + 4], 0.0, 1e-6); /* the last of the ten */
    CU_ASSERT_DOUBLE_EQUAL(rM[0 * n + 4], 1.0, 1e-6);
    CU_ASSERT_EQUAL(rM[2 * n + 2], 0.0f);
    /* hydropathy: column 0 = 0.25 * 1.8 + 0.5 * 2.5 + 0.25 * -0.4 = 1.6 (/4.5); column 1 = (1.8 - 3.5) / 2;
     * column 2 (gap) = 0 */
    const double h0 = 1.6 / 4.5, h1 = 0.5 * (1.8 - 3.5) / 4.5;
    CU_ASSERT_DOUBLE_EQUAL(hs[0 * n + 1], h0 + h1, 1e-6);
    CU_ASSERT_DOUBLE_EQUAL(hp[0 * n + 1], h0 * h1, 1e-6);
    CU_ASSERT_DOUBLE_EQUAL(hs[1 * n + 2], h1, 1e-6);
    CU_ASSERT_DOUBLE_EQUAL(hp[1 * n + 2], 0.0, 1e-7);
    /* without a model map (-m mf): eight channels, zM first */
    in.F = NULL;
    CU_ASSERT_EQUAL(axcon_head_nchannels(&in), 8);
    CU_ASSERT_EQUAL_FATAL(axcon_head_channels(&in, X, &err), AXCON_OK);
    CU_ASSERT_DOUBLE_EQUAL(X[0 * n + 4], 3.0, 1e-6);
    CU_ASSERT_DOUBLE_EQUAL(X[nn + 2 * n + 4], 1.0, 1e-7);
    CU_ASSERT_DOUBLE_EQUAL(X[5 * nn + 0 * n + 4], 1.0, 1e-6); /* rM is the sixth channel */
    free(X);
}

/* The C channels and network against the training script's own computation on its fixed
 * input (tests/head_fixture.h, written by scripts/train_head.py with the shipped weights):
 * the two implementations cannot drift apart. */
static void check_fixture(const double *F, const float *fxX, const double *fxlogit, const char *what)
{
    const size_t L = FX_L, nn = FX_L * FX_L;
    axcon_head_input_t in = {L, fx_pos, what, F, fx_M, fx_freq, fx_neff, 100, 90, NULL, NULL};
    axcon_error_t err;
    axcon_error_clear(&err);
    double *pool = malloc(2 * nn * sizeof *pool);
#ifdef FX_H /* the attn network takes the attention channels: pooled from the fixture's maps */
    if (F) {
        CU_ASSERT_EQUAL_FATAL(axcon_head_attn_pool_sym(L, FX_H, fx_A, fx_vnorm, pool, pool + nn, &err), AXCON_OK);
        in.attn_mean = pool;
        in.attn_max = pool + nn;
    }
#endif
    const int C = axcon_head_nchannels(&in);
    CU_ASSERT_EQUAL(C, axcon_head_net_channels(F != NULL));
    float *X = malloc((size_t)C * nn * sizeof *X);
    double *out = malloc(nn * sizeof *out);
    CU_ASSERT_EQUAL_FATAL(axcon_head_channels(&in, X, &err), AXCON_OK);
    double dx = 0.0;
    for (size_t t = 0; t < (size_t)C * nn; t++) dx = fmax(dx, fabs((double)X[t] - (double)fxX[t]));
    CU_ASSERT(dx <= 1e-6);
    CU_ASSERT_EQUAL_FATAL(axcon_head_apply(&in, out, &err), AXCON_OK);
    double dl = 0.0, mx = 0.0;
    for (size_t i = 0; i < L; i++)
        for (size_t j = 0; j < L; j++) {
            if (i == j) {
                CU_ASSERT_EQUAL(out[i * L + j], 0.0);
                continue;
            }
            dl = fmax(dl, fabs(out[i * L + j] - fxlogit[i * L + j]));
            mx = fmax(mx, fabs(fxlogit[i * L + j]));
            CU_ASSERT_EQUAL(out[i * L + j], out[j * L + i]);
        }
    CU_ASSERT(mx > 0.0);
    CU_ASSERT(dl <= 1e-5);
    if (!(dl <= 1e-5) || !(dx <= 1e-6)) printf("%s: channels differ by %g, logits by %g\n", what, dx, dl);
    free(X);
    free(out);
    free(pool);
}

static void test_net_fixture(void)
{
    check_fixture(fx_F, fx_X_attn, fx_logit_attn, "attn");
    check_fixture(NULL, fx_X_mf, fx_logit_mf, "mf");
    /* tens of thousands of parameters at most per network; a small ensemble of them */
    for (int m = 0; m < 2; m++) {
        int n = axcon_head_nmembers(m);
        CU_ASSERT(n >= 1 && n <= 8);
        CU_ASSERT(axcon_head_nparams(m) / (size_t)(n > 0 ? n : 1) > 1000);
        CU_ASSERT(axcon_head_nparams(m) / (size_t)(n > 0 ? n : 1) < 50000);
    }
    CU_ASSERT(axcon_head_bytes(949, 1) > 4.0 * 6 * 949 * 949);
}

/* Attention pooling by hand: L = 3, two heads with value norms 3 and 1 (weights 3/4, 1/4),
 * head 0 rows (0 .5 .5) (.25 0 .75) (1 0 0), head 1 uniform; scale (L - 1) / 2 = 1, so the
 * symmetrised maps are head 0: (0,1) .75, (0,2) 1.5, (1,2) .75 and head 1: 1 everywhere. */
static void zscore3(const double v[3], double z[3])
{
    double mu = (v[0] + v[1] + v[2]) / 3.0, ss = 0.0;
    for (int k = 0; k < 3; k++) ss += (v[k] - mu) * (v[k] - mu);
    for (int k = 0; k < 3; k++) z[k] = (v[k] - mu) / sqrt(ss / 3.0);
}

static void test_attn_pool_hand(void)
{
    const double A[18] = {0, .5, .5, .25, 0, .75, 1, 0, 0, 0, .5, .5, .5, 0, .5, .5, .5, 0};
    double vn[2] = {3.0, 1.0}, aw[9], am[9], aw2[9], am2[9];
    int pos[3] = {1, 2, 3};
    const double ew[3] = {log(.75 * .75 + .25 + 1e-3), log(.75 * 1.5 + .25 + 1e-3), log(.75 * .75 + .25 + 1e-3)};
    const double em[3] = {log(1 + 1e-3), log(1.5 + 1e-3), log(1 + 1e-3)};
    double zw[3], zm[3];
    zscore3(ew, zw);
    zscore3(em, zm);
    axcon_attn_maps_t mp = {3, 2, pos, A, NULL, vn, NULL};
    axcon_error_t err;
    axcon_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(axcon_head_attn_pool(&mp, aw, am, &err), AXCON_OK);
    const size_t pr[3][2] = {{0, 1}, {0, 2}, {1, 2}};
    for (int k = 0; k < 3; k++) {
        size_t i = pr[k][0], j = pr[k][1];
        CU_ASSERT_DOUBLE_EQUAL(aw[i * 3 + j], zw[k], 1e-6); /* the maps are rounded to float first */
        CU_ASSERT_DOUBLE_EQUAL(am[i * 3 + j], zm[k], 1e-6);
        CU_ASSERT_EQUAL(aw[j * 3 + i], aw[i * 3 + j]);
        CU_ASSERT_EQUAL(am[j * 3 + i], am[i * 3 + j]);
        CU_ASSERT_EQUAL(aw[i * 3 + i], 0.0);
    }
    /* from the symmetrised maps (as --dump-features writes them): the same, bit for bit */
    float S[18];
    for (size_t h = 0; h < 2; h++)
        for (size_t i = 0; i < 3; i++)
            for (size_t j = 0; j < 3; j++) S[h * 9 + i * 3 + j] = (float)(A[h * 9 + i * 3 + j] + A[h * 9 + j * 3 + i]);
    CU_ASSERT_EQUAL_FATAL(axcon_head_attn_pool_sym(3, 2, S, vn, aw2, am2, &err), AXCON_OK);
    CU_ASSERT(memcmp(aw, aw2, sizeof aw) == 0);
    CU_ASSERT(memcmp(am, am2, sizeof am) == 0);
    /* value norms all 0: equal weights, so head 0 at (0,2) gives (1.5 + 1) / 2 */
    vn[0] = vn[1] = 0.0;
    CU_ASSERT_EQUAL_FATAL(axcon_head_attn_pool(&mp, aw2, am2, &err), AXCON_OK);
    const double eu[3] = {log(.875 + 1e-3), log(1.25 + 1e-3), log(.875 + 1e-3)};
    zscore3(eu, zw);
    CU_ASSERT_DOUBLE_EQUAL(aw2[0 * 3 + 2], zw[1], 1e-6);
    CU_ASSERT(memcmp(am, am2, sizeof am) == 0); /* the maximum does not depend on the weights */
    /* bad input */
    vn[0] = -1.0;
    CU_ASSERT_EQUAL(axcon_head_attn_pool(&mp, aw, am, &err), AXCON_EINPUT);
    vn[0] = 1.0;
    S[1] = NAN;
    CU_ASSERT_EQUAL(axcon_head_attn_pool_sym(3, 2, S, vn, aw, am, &err), AXCON_EINPUT);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "columns 1,2"));
    CU_ASSERT_EQUAL(axcon_head_attn_pool_sym(3, 0, S, vn, aw, am, &err), AXCON_EINPUT);
    CU_ASSERT_EQUAL(axcon_head_attn_pool_sym(1, 2, S, vn, aw, am, &err), AXCON_EINPUT);
    CU_ASSERT_EQUAL(axcon_head_attn_pool(NULL, aw, am, &err), AXCON_EUSAGE);
    /* the channels: 12 with the attention channels, appended after the ten others... */
    double M[9] = {0, 1, 2, 1, 0, 3, 2, 3, 0}, freq[63] = {0};
    freq[0] = freq[21] = freq[42] = 1.0;
    axcon_head_input_t in = {3, pos, "attn", M, M, freq, 10.0, 10, 10, aw, am};
    float X[12 * 9];
    CU_ASSERT_EQUAL(axcon_head_nchannels(&in), 12);
    CU_ASSERT_EQUAL_FATAL(axcon_head_channels(&in, X, &err), AXCON_OK);
    CU_ASSERT_EQUAL(X[10 * 9 + 2], (float)aw[2]);
    CU_ASSERT_EQUAL(X[11 * 9 + 2], (float)am[2]);
    CU_ASSERT_EQUAL(X[9 + 2], X[0 + 2]); /* zM (M = F here) */
    float X10[10 * 9];
    in.attn_mean = in.attn_max = NULL; /* without them: the same first ten planes */
    CU_ASSERT_EQUAL(axcon_head_nchannels(&in), 10);
    CU_ASSERT_EQUAL_FATAL(axcon_head_channels(&in, X10, &err), AXCON_OK);
    CU_ASSERT(memcmp(X, X10, sizeof X10) == 0);
    in.attn_mean = aw;
    in.attn_max = am;
    /* ...and a network that does not take them refuses the input (and the reverse) */
    double out[9];
    int wants = axcon_head_net_channels(1) == 12;
    if (!wants) {
        CU_ASSERT_EQUAL(axcon_head_apply(&in, out, &err), AXCON_EUSAGE);
    } else {
        in.attn_mean = in.attn_max = NULL;
        CU_ASSERT_EQUAL(axcon_head_apply(&in, out, &err), AXCON_EUSAGE);
        CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "no attention channels"));
    }
    CU_ASSERT_EQUAL(axcon_head_net_channels(0), 8);
#ifdef FX_H
    CU_ASSERT_EQUAL(axcon_head_net_channels(1), 12);
#else
    CU_ASSERT_EQUAL(axcon_head_net_channels(1), 10);
#endif
}

/* Attention channels for a hand-made attn input when the shipped network takes them: flat maps
 * (uniform attention: both channels 0 after the z-score). */
static void flat_attention(axcon_head_input_t *in, double *zeros)
{
    if (axcon_head_net_channels(1) != 12) return;
    memset(zeros, 0, in->L * in->L * sizeof *zeros);
    in->attn_mean = in->attn_max = zeros;
}

static void test_net_errors(void)
{
    double F[4] = {0, 1, 1, 0}, freq[2 * 21] = {0}, out[4];
    int pos[2] = {1, 2};
    float X[48];
    freq[0] = freq[21] = 1.0;
    axcon_error_t err;
    axcon_error_clear(&err);
    double zeros[4];
    axcon_head_input_t in = {2, pos, "attn", F, NULL, freq, 10.0, 10, 10, NULL, NULL};
    flat_attention(&in, zeros);
    CU_ASSERT_EQUAL(axcon_head_channels(&in, X, &err), AXCON_EUSAGE); /* no mean-field map */
    CU_ASSERT_EQUAL(axcon_head_apply(NULL, out, &err), AXCON_EUSAGE);
    in.M = F;
    in.L = 1;
    CU_ASSERT_EQUAL(axcon_head_apply(&in, out, &err), AXCON_EINPUT);
    /* constant map: sd 0 must not give NaN */
    in.L = 2;
    CU_ASSERT_EQUAL(axcon_head_apply(&in, out, &err), AXCON_OK);
    for (int k = 0; k < 4; k++) CU_ASSERT(isfinite(out[k]));
}

/* The same planted patch for the network head: a lone strong pair is more likely noise than a
 * patch of nine slightly weaker ones, so most of the patch (all but at most one corner) and
 * its centre by a margin must rank above it. */
static void test_net_planted_patch(void)
{
    const size_t n = 40, nn = n * n;
    double *F = calloc(nn, sizeof *F), *H = calloc(nn, sizeof *H), freq[40 * 21] = {0};
    int pos[40];
    uint64_t s = 7;
    for (size_t i = 0; i < n; i++) {
        pos[i] = (int)i + 1;
        for (int a = 0; a < 8; a++) freq[i * 21 + a] = 0.12;
        freq[i * 21 + 20] = 0.04;
        for (size_t j = i + 1; j < n; j++) F[i * n + j] = F[j * n + i] = 0.5 * ((double)(lcg(&s) % 1000) / 1000.0 - 0.5);
    }
    for (size_t a = 10; a <= 12; a++)
        for (size_t b = 28; b <= 30; b++) F[a * n + b] = F[b * n + a] = 2.0;
    F[2 * n + 20] = F[20 * n + 2] = 2.4;
    axcon_error_t err;
    axcon_error_clear(&err);
    axcon_head_input_t in = {n, pos, "attn", F, F, freq, 200.0, 300, 250, NULL, NULL};
    double *zeros = malloc(nn * sizeof *zeros);
    flat_attention(&in, zeros);
    CU_ASSERT_EQUAL_FATAL(axcon_head_apply(&in, H, &err), AXCON_OK);
    free(zeros);
    int above = 0;
    for (size_t a = 10; a <= 12; a++)
        for (size_t b = 28; b <= 30; b++) {
            above += H[a * n + b] > H[2 * n + 20];
            CU_ASSERT(F[a * n + b] < F[2 * n + 20]);
        }
    CU_ASSERT(above >= 8); /* (the shipped network leaves one corner of the block, (12,30), below) */
    CU_ASSERT(H[11 * n + 29] > H[2 * n + 20] + 1.0);
    CU_ASSERT(H[2 * n + 20] > H[5 * n + 35]); /* the isolated pair still above the noise */
    for (size_t i = 0; i < n; i++) {
        CU_ASSERT_EQUAL(H[i * n + i], 0.0);
        for (size_t j = 0; j < n; j++) CU_ASSERT_EQUAL(H[i * n + j], H[j * n + i]);
    }
    free(F);
    free(H);
}

/* The CLI: the default (the network), --head linear and --no-head run on the bundled example and
 * rank differently. */
static void test_cli_no_head(void)
{
    const char *src = getenv("AXCON_SRCDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/data/example.a3m", src ? src : ".");
    char *o1 = NULL, *e1 = NULL, *o2 = NULL, *e2 = NULL;
    int r1 = axt_runf(&o1, &e1, "%s predict -q -t 1 --max-iter 5 -f tsv --top 20 %s", axt_axcon(), path);
    int r2 = axt_runf(&o2, &e2, "%s predict -q -t 1 --max-iter 5 -f tsv --top 20 --no-head %s", axt_axcon(), path);
    CU_ASSERT_EQUAL(r1, 0);
    CU_ASSERT_EQUAL(r2, 0);
    CU_ASSERT(o1 && o2 && strlen(o1) > 0 && strlen(o2) > 0);
    if (o1 && o2) CU_ASSERT(strcmp(o1, o2) != 0);
    /* the network head is the default; for attn and for mf it ranks differently from the raw
     * scores, and for attn differently from the linear head */
    char *o3 = NULL, *o4 = NULL, *o5 = NULL, *e5 = NULL;
    CU_ASSERT_EQUAL(axt_runf(&o3, NULL, "%s predict -q -t 1 --max-iter 5 -f tsv --top 20 --head net %s", axt_axcon(),
                             path), 0);
    if (o1 && o3) CU_ASSERT_STRING_EQUAL(o1, o3);
    if (o2 && o3) CU_ASSERT(strcmp(o2, o3) != 0);
    CU_ASSERT_EQUAL(axt_runf(&o4, NULL, "%s predict -q -t 1 --max-iter 5 -f tsv --top 20 --head linear %s", axt_axcon(),
                             path), 0);
    if (o3 && o4) CU_ASSERT(strcmp(o3, o4) != 0);
    if (o2 && o4) CU_ASSERT(strcmp(o2, o4) != 0);
    free(o4);
    o4 = NULL;
    CU_ASSERT_EQUAL(axt_runf(&o4, NULL, "%s predict -q -m mf -f tsv --top 20 %s", axt_axcon(), path), 0);
    CU_ASSERT_EQUAL(axt_runf(&o5, NULL, "%s predict -q -m mf -f tsv --top 20 --no-head %s", axt_axcon(), path), 0);
    if (o4 && o5) CU_ASSERT(strcmp(o4, o5) != 0);
    free(o5);
    /* the RR header names the head that ranked the pairs */
    const char *rr[][2] = {{"", "(-m attn), APC, convolutional contact network\n"},
                           {"--head linear", "(-m attn), APC, logistic contact head\n"},
                           {"--no-head", "(-m attn), APC\n"}};
    for (int k = 0; k < 3; k++) {
        char *orr = NULL;
        CU_ASSERT_EQUAL(axt_runf(&orr, NULL, "%s predict -q -t 1 --max-iter 2 -f rr --top 3 %s %s", axt_axcon(),
                                 rr[k][0], path), 0);
        CU_ASSERT_PTR_NOT_NULL(orr && strstr(orr, rr[k][1]));
        free(orr);
    }
    CU_ASSERT_EQUAL(axt_runf(&o5, &e5, "%s predict -q -m mf --head bogus %s", axt_axcon(), path), 1);
    CU_ASSERT_PTR_NOT_NULL(e5 && strstr(e5, "--head wants linear, net or none"));
    free(o1);
    free(e1);
    free(o2);
    free(e2);
    free(o3);
    free(o4);
    free(o5);
    free(e5);
}

static void register_suites(void)
{
    axcon_log_set_level(AXCON_LOG_WARN);
    axt_suite("head", (axt_case_t[]){{"features_hand", test_features_hand},
                                     {"column_stats", test_column_stats},
                                     {"errors", test_errors},
                                     {"planted_patch", test_planted_patch},
                                     {"cli_no_head", test_cli_no_head},
                                     {"net_channels_hand", test_net_channels_hand},
                                     {"attn_pool_hand", test_attn_pool_hand},
                                     {"net_fixture (the training script's values)", test_net_fixture},
                                     {"net_errors", test_net_errors},
                                     {"net_planted_patch", test_net_planted_patch},
                                     {0, 0}});
}

int main(int argc, char **argv) { return axt_main(argc, argv, register_suites); }
