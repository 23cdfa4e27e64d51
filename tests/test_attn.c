/* test_attn.c - unit tests of the factored-attention model (-m attn, src/model/attn.c):
 * the full objective's gradient against central finite differences, masked-diagonal softmax
 * rows, the symmetrisation of the couplings, a finite warm start, thread invariance, a
 * planted coupled pair that must rank first, the sequence-axis weights and option errors. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "axcon/attn.h"
#include "axcon/contacts.h"
#include "axcon/mf.h"
#include "axcon/msa.h"
#include "axcon/pll.h"
#include "axcon/predict.h"
#include "axcon/weights.h"
#include "model/attn_impl.h"
#include "testutil.h"

static uint64_t rs = 88172645463325252ULL;
static uint64_t rnd(void)
{
    rs ^= rs << 13;
    rs ^= rs >> 7;
    rs ^= rs << 17;
    return rs;
}
static double urnd(void) { return (double)(rnd() >> 11) / 9007199254740992.0; }

/* N x L alignment over a reduced alphabet with one planted pair: column pj copies a fixed
 * permutation of column pi with probability pcopy. Column k's states are drawn from a
 * column-specific set of 5 letters (plus occasional gaps). */
static uint8_t *toy_msa(size_t N, size_t L, size_t pi, size_t pj, double pcopy, uint64_t seed)
{
    rs = seed;
    uint8_t *c = malloc(N * L);
    if (!c) exit(99);
    for (size_t n = 0; n < N; n++) {
        for (size_t k = 0; k < L; k++) {
            size_t base = (k * 7) % 16;
            c[n * L + k] = (uint8_t)(urnd() < 0.03 ? 20 : base + (size_t)(urnd() * 5));
        }
        if (urnd() < pcopy) {
            int a = c[n * L + pi];
            c[n * L + pj] = (uint8_t)(a == 20 ? 20 : (a * 7 + 3) % 20);
        }
    }
    return c;
}

typedef struct {
    uint8_t *codes;
    double *w;
    axcon_pll_data_t *data;
    ax_attn_model_t m;
    double *x;
} fixture_t;

/* mode: 0 warm start with logit bias, 1 warm start through low-rank Q K, 2 random */
static void fixture_new(fixture_t *fx, size_t N, size_t L, size_t H, size_t d, int mode, double lam)
{
    axcon_error_t e;
    axcon_error_clear(&e);
    fx->codes = toy_msa(N, L, 1, L - 2, 0.8, 12345);
    fx->w = malloc(N * sizeof(double));
    CU_ASSERT_FATAL(fx->w != NULL);
    for (size_t n = 0; n < N; n++) fx->w[n] = 0.5 + 0.5 * (double)(n % 3);
    CU_ASSERT_EQUAL_FATAL(axcon_pll_data_new(fx->codes, N, L, fx->w, &fx->data, &e), AXCON_OK);
    CU_ASSERT_EQUAL_FATAL(ax_attn_model_init(&fx->m, fx->data, H, d, lam, 0.01, 0.01, 0.01, 0.03, 0.02, &e), AXCON_OK);
    fx->x = calloc(fx->m.nx, sizeof(double));
    CU_ASSERT_FATAL(fx->x != NULL);
    CU_ASSERT_EQUAL_FATAL(ax_attn_init_params(&fx->m, mode, 1.0, 7, fx->x, &e), AXCON_OK);
}

static void fixture_free(fixture_t *fx)
{
    ax_attn_model_free(&fx->m);
    axcon_pll_data_free(fx->data);
    free(fx->codes);
    free(fx->w);
    free(fx->x);
}

/* The objective's gradient w.r.t. every parameter block against central differences. The
 * couplings pass through float (the shared kernel's precision), so the step is large (the
 * objective is smooth: the O(h^2) error is far below the float noise of small steps) and the
 * tolerance is relative to the gradient scale. */
static void test_gradient(void)
{
    fixture_t fx;
    fixture_new(&fx, 40, 7, 3, 4, 0, 0.05);
    CU_ASSERT_FATAL(fx.m.bias != NULL);
    ax_attn_model_t *m = &fx.m;
    /* make the values and attention non-trivial */
    rs = 99;
    for (size_t t = m->off_v; t < m->off_q; t++) fx.x[t] = 0.3 * (urnd() - 0.5);
    for (size_t t = m->off_q; t < m->off_g; t++) fx.x[t] = urnd() - 0.5;
    for (size_t t = m->off_g; t < m->nx; t++) fx.x[t] = 0.5 + urnd();
    axcon_error_t e;
    axcon_error_clear(&e);
    double *g = malloc(m->nx * sizeof(double)), f0;
    CU_ASSERT_FATAL(g != NULL);
    CU_ASSERT_EQUAL_FATAL(ax_attn_eval(m, fx.x, &f0, g, &e), AXCON_OK);
    double gmax = 0;
    for (size_t t = 0; t < m->nx; t++) gmax = fmax(gmax, fabs(g[t]));
    CU_ASSERT(gmax > 1e-3);
    CU_ASSERT_FATAL(m->use_e && m->nx == m->off_e + m->P);
    CU_ASSERT_FATAL(m->use_r && m->nr == m->P * m->q * m->q && m->Rf == m->R);
    for (size_t t = m->off_e; t < m->nx; t++) fx.x[t] = urnd() - 0.5;
    for (size_t t = 0; t < m->nr; t++) m->R[t] = (float)(0.25 * (urnd() - 0.5));
    CU_ASSERT_EQUAL_FATAL(ax_attn_eval(m, fx.x, &f0, g, &e), AXCON_OK);
    /* the residual (float, outside x): central differences on a sample of entries */
    double rmax = 0;
    for (size_t t = 0; t < m->nr; t++) rmax = fmax(rmax, fabs(m->gR[t]));
    CU_ASSERT(rmax > 1e-3);
    int rbad = 0;
    for (int k = 0; k < 12; k++) {
        size_t t = (size_t)(rnd() % m->nr);
        double gr = m->gR[t], fp, fm;
        float keep = m->R[t];
        m->R[t] = keep + 0.0625f;
        CU_ASSERT_EQUAL_FATAL(ax_attn_eval(m, fx.x, &fp, NULL, &e), AXCON_OK);
        m->R[t] = keep - 0.0625f;
        CU_ASSERT_EQUAL_FATAL(ax_attn_eval(m, fx.x, &fm, NULL, &e), AXCON_OK);
        m->R[t] = keep;
        double fd = (fp - fm) / 0.125;
        if (fabs(fd - gr) > 1e-3 * fmax(1.0, rmax) + 1e-2 * fabs(gr)) {
            rbad++;
            fprintf(stderr, "grad residual index %zu: analytic %.6g numeric %.6g\n", t, gr, fd);
        }
    }
    CU_ASSERT_EQUAL(rbad, 0);
    CU_ASSERT_EQUAL_FATAL(ax_attn_eval(m, fx.x, &f0, g, &e), AXCON_OK);
    const size_t starts[6] = {0, m->off_v, m->off_q, m->off_k, m->off_g, m->off_e};
    const size_t ends[6] = {m->off_v, m->off_q, m->off_k, m->off_g, m->off_e, m->nx};
    int checked = 0, bad = 0;
    for (int blk = 0; blk < 6; blk++) {
        double bmax = 0;
        for (size_t t = starts[blk]; t < ends[blk]; t++) bmax = fmax(bmax, fabs(g[t]));
        for (int s = 0; s < 12; s++) {
            size_t t = starts[blk] + (size_t)(rnd() % (ends[blk] - starts[blk]));
            double h = 0.05, fp, fm, keep = fx.x[t];
            fx.x[t] = keep + h;
            CU_ASSERT_EQUAL_FATAL(ax_attn_eval(m, fx.x, &fp, NULL, &e), AXCON_OK);
            fx.x[t] = keep - h;
            CU_ASSERT_EQUAL_FATAL(ax_attn_eval(m, fx.x, &fm, NULL, &e), AXCON_OK);
            fx.x[t] = keep;
            double fd = (fp - fm) / (2 * h);
            double tol = 1e-3 * fmax(1.0, bmax) + 1e-2 * fabs(g[t]);
            checked++;
            if (fabs(fd - g[t]) > tol) {
                bad++;
                fprintf(stderr, "grad block %d index %zu: analytic %.6g numeric %.6g\n", blk, t, g[t], fd);
            }
        }
        CU_ASSERT(bmax > 0); /* every block receives gradient */
    }
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT_EQUAL(checked, 72);
    /* the two evaluation paths (couplings streamed through the kernel's row hook, or J = Ws + R
     * materialised) give the same floats: objective, parameter and residual gradients */
    double *g2 = malloc(m->nx * sizeof(double)), f1, f2;
    float *gr1 = malloc(m->nr * sizeof(float));
    CU_ASSERT_FATAL(g2 && gr1);
    m->mat_j = 0;
    CU_ASSERT_EQUAL_FATAL(ax_attn_eval(m, fx.x, &f1, g, &e), AXCON_OK);
    memcpy(gr1, m->gR, m->nr * sizeof(float));
    m->mat_j = 1;
    CU_ASSERT_EQUAL_FATAL(ax_attn_eval(m, fx.x, &f2, g2, &e), AXCON_OK);
    m->mat_j = 0;
    CU_ASSERT(m->Jc != NULL);
    CU_ASSERT(f1 == f2);
    CU_ASSERT(memcmp(g, g2, m->nx * sizeof(double)) == 0);
    CU_ASSERT(memcmp(gr1, m->gR, m->nr * sizeof(float)) == 0);
    /* J in a lent slot (training's idle history vector, any prior content): the same floats,
     * and the model's own J untouched */
    const size_t nsym = axcon_pll_nsym(m->L);
    float *slot = malloc(nsym * sizeof(float)), *own = malloc(nsym * sizeof(float));
    CU_ASSERT_FATAL(slot && own);
    for (size_t t = 0; t < nsym; t++) slot[t] = 1e6f * (float)(t % 7);
    memset(m->Jc, 0, nsym * sizeof(float));
    memcpy(own, m->Jc, nsym * sizeof(float));
    m->mat_j = 1;
    m->ext_work = slot;
    CU_ASSERT_EQUAL_FATAL(ax_attn_eval(m, fx.x, &f2, g2, &e), AXCON_OK);
    m->ext_work = NULL;
    m->mat_j = 0;
    CU_ASSERT(f1 == f2);
    CU_ASSERT(memcmp(g, g2, m->nx * sizeof(double)) == 0);
    CU_ASSERT(memcmp(gr1, m->gR, m->nr * sizeof(float)) == 0);
    CU_ASSERT(memcmp(own, m->Jc, nsym * sizeof(float)) == 0);
    free(slot);
    free(own);
#ifdef _OPENMP
    /* the streamed path for 1 and 3 threads: the same floats */
    int nthr = omp_get_max_threads();
    omp_set_num_threads(1);
    CU_ASSERT_EQUAL_FATAL(ax_attn_eval(m, fx.x, &f1, g, &e), AXCON_OK);
    memcpy(gr1, m->gR, m->nr * sizeof(float));
    omp_set_num_threads(3);
    CU_ASSERT_EQUAL_FATAL(ax_attn_eval(m, fx.x, &f2, g2, &e), AXCON_OK);
    omp_set_num_threads(nthr);
    CU_ASSERT(f1 == f2);
    CU_ASSERT(memcmp(g, g2, m->nx * sizeof(double)) == 0);
    CU_ASSERT(memcmp(gr1, m->gR, m->nr * sizeof(float)) == 0);
#endif
    free(g2);
    free(gr1);
    free(g);
    fixture_free(&fx);
}

static void test_softmax_rows(void)
{
    fixture_t fx;
    fixture_new(&fx, 30, 9, 4, 3, 0, 0.01);
    ax_attn_model_t *m = &fx.m;
    ax_attn_softmax(m, fx.x);
    for (size_t h = 0; h < m->H; h++)
        for (size_t i = 0; i < m->L; i++) {
            const double *row = m->A + (h * m->L + i) * m->L;
            double s = 0;
            for (size_t j = 0; j < m->L; j++) {
                CU_ASSERT(row[j] >= 0.0);
                s += row[j];
            }
            CU_ASSERT_DOUBLE_EQUAL(row[i], 0.0, 0.0);
            CU_ASSERT_DOUBLE_EQUAL(s, 1.0, 1e-12);
        }
    fixture_free(&fx);
}

/* Ws_ij(a,b) = (W_ij(a,b) + W_ji(b,a)) / 2 with W_ij = sum_h A^h_ij V^h, checked naively. */
static void test_symmetrisation(void)
{
    fixture_t fx;
    fixture_new(&fx, 30, 8, 3, 3, 2, 0.01);
    ax_attn_model_t *m = &fx.m;
    rs = 5;
    for (size_t t = m->off_v; t < m->off_q; t++) fx.x[t] = urnd() - 0.5;
    ax_attn_softmax(m, fx.x);
    axcon_error_t ce;
    axcon_error_clear(&ce);
    CU_ASSERT_EQUAL_FATAL(ax_attn_couplings(m, fx.x, &ce), AXCON_OK);
    const size_t L = m->L, q = m->q;
    const double *V = fx.x + m->off_v;
    double maxerr = 0;
    for (size_t i = 0; i < L; i++)
        for (size_t j = i + 1; j < L; j++) {
            const float *blk = m->Jc + axcon_pll_sym_offset(i, j, L);
            for (size_t a = 0; a < q; a++)
                for (size_t b = 0; b < q; b++) {
                    double wij = 0, wji = 0;
                    for (size_t h = 0; h < m->H; h++) {
                        wij += m->A[(h * L + i) * L + j] * V[(h * q + a) * q + b];
                        wji += m->A[(h * L + j) * L + i] * V[(h * q + b) * q + a];
                    }
                    maxerr = fmax(maxerr, fabs(blk[a * q + b] - 0.5 * (wij + wji)));
                }
        }
    CU_ASSERT(maxerr < 1e-6);
    fixture_free(&fx);
}

static void test_warm_start_finite(void)
{
    fixture_t fx;
    fixture_new(&fx, 200, 30, 8, 6, 0, 0.01);
    int finite = 1;
    double vnorm = 0, qnorm = 0;
    for (size_t t = 0; t < fx.m.nx; t++) finite &= isfinite(fx.x[t]) != 0;
    for (size_t t = fx.m.off_v; t < fx.m.off_q; t++) vnorm += fx.x[t] * fx.x[t];
    for (size_t t = fx.m.off_q; t < fx.m.nx; t++) qnorm += fx.x[t] * fx.x[t];
    CU_ASSERT(finite);
    CU_ASSERT(vnorm > 0);
    CU_ASSERT(qnorm > 0);
    /* the warm start already prefers the planted pair (1, L-2) in the attention of some head */
    ax_attn_softmax(&fx.m, fx.x);
    const size_t L = fx.m.L;
    double best = 0;
    for (size_t h = 0; h < fx.m.H; h++) best = fmax(best, fx.m.A[(h * L + 1) * L + (L - 2)]);
    CU_ASSERT(best > 2.0 / (double)(L - 1));
    fixture_free(&fx);
}

static int argmax_pair(const double *S, size_t L, size_t *bi, size_t *bj)
{
    double best = -INFINITY;
    for (size_t i = 0; i < L; i++)
        for (size_t j = i + 1; j < L; j++)
            if (S[i * L + j] > best) {
                best = S[i * L + j];
                *bi = i;
                *bj = j;
            }
    return isfinite(best);
}

static void test_planted_pair(void)
{
    const size_t N = 300, L = 24;
    uint8_t *c = toy_msa(N, L, 4, 17, 0.7, 2024);
    double *w = malloc(N * sizeof(double)), *S = malloc(L * L * sizeof(double));
    CU_ASSERT_FATAL(w && S);
    for (size_t n = 0; n < N; n++) w[n] = 1.0;
    axcon_attn_opts_t o;
    axcon_attn_opts_init(&o);
    o.heads = 4;
    o.dim = 4;
    o.max_iter = 100;
    for (int init = 0; init < 2; init++) {
        axcon_error_t e;
        axcon_error_clear(&e);
        o.init = init ? AXCON_ATTN_INIT_RANDOM : AXCON_ATTN_INIT_WARM;
        CU_ASSERT_EQUAL_FATAL(axcon_attn_fit_codes(c, N, L, w, &o, S, &e), AXCON_OK);
        axcon_apc(S, L);
        size_t bi = 0, bj = 0;
        CU_ASSERT(argmax_pair(S, L, &bi, &bj));
        CU_ASSERT_EQUAL(bi, 4);
        CU_ASSERT_EQUAL(bj, 17);
        CU_ASSERT_DOUBLE_EQUAL(S[4 * L + 17], S[17 * L + 4], 1e-12);
    }
    free(c);
    free(w);
    free(S);
}

/* A toy family (toy_msa) with identity weights at 0.8, and S1, S2 for its L x L scores. */
static void toy_family(size_t N, size_t L, size_t pi, size_t pj, double pcopy, uint64_t seed, uint8_t **c,
                       double **w, double **S1, double **S2)
{
    axcon_error_t e;
    axcon_error_clear(&e);
    *c = toy_msa(N, L, pi, pj, pcopy, seed);
    *w = malloc(N * sizeof(double));
    *S1 = malloc(L * L * sizeof(double));
    *S2 = malloc(L * L * sizeof(double));
    CU_ASSERT_FATAL(*w && *S1 && *S2);
    CU_ASSERT_EQUAL_FATAL(axcon_weights_identity_codes(*c, N, L, 0.8, *w, NULL, &e), AXCON_OK);
}

#ifdef _OPENMP
/* Fit with 1 thread into S1 and with 3 threads into S2; the largest difference. */
static double fit_1_and_3_threads(const uint8_t *c, size_t N, size_t L, const double *w, const axcon_attn_opts_t *o,
                                  double *S1, double *S2)
{
    axcon_error_t e;
    axcon_error_clear(&e);
    int nt = omp_get_max_threads();
    omp_set_num_threads(1);
    CU_ASSERT_EQUAL_FATAL(axcon_attn_fit_codes(c, N, L, w, o, S1, &e), AXCON_OK);
    omp_set_num_threads(3);
    CU_ASSERT_EQUAL_FATAL(axcon_attn_fit_codes(c, N, L, w, o, S2, &e), AXCON_OK);
    omp_set_num_threads(nt);
    double maxd = 0;
    for (size_t t = 0; t < L * L; t++) maxd = fmax(maxd, fabs(S1[t] - S2[t]));
    return maxd;
}
#endif

static void test_threads(void)
{
#ifdef _OPENMP
    const size_t N = 150, L = 40;
    uint8_t *c;
    double *w, *S1, *S2;
    toy_family(N, L, 3, 30, 0.6, 77, &c, &w, &S1, &S2);
    axcon_attn_opts_t o;
    axcon_attn_opts_init(&o);
    o.heads = 6;
    o.dim = 5;
    o.max_iter = 15;
    CU_ASSERT(fit_1_and_3_threads(c, N, L, w, &o, S1, S2) <= 1e-9);
    free(c);
    free(w);
    free(S1);
    free(S2);
#else
    printf("SKIP: test_threads: built without OpenMP\n");
#endif
}

static void test_seq_weights(void)
{
    const size_t N = 60, L = 20;
    uint8_t *c = toy_msa(N, L, 0, 5, 0.5, 3);
    memcpy(c + 10 * L, c, L); /* an exact duplicate of row 0 */
    double w1[60], w2[60], w3[60], n1, n2, n3;
    axcon_error_t e;
    axcon_error_clear(&e);
    CU_ASSERT_EQUAL_FATAL(axcon_weights_identity_codes(c, N, L, 0.8, w1, &n1, &e), AXCON_OK);
    CU_ASSERT_EQUAL_FATAL(axcon_attn_seq_weights(c, N, L, INFINITY, 0.8, w2, &n2, &e), AXCON_OK);
    for (size_t n = 0; n < N; n++) CU_ASSERT_DOUBLE_EQUAL(w1[n], w2[n], 1e-12);
    /* a steep but finite kernel approaches the threshold weights */
    CU_ASSERT_EQUAL_FATAL(axcon_attn_seq_weights(c, N, L, 2000.0, 0.79, w3, &n3, &e), AXCON_OK);
    for (size_t n = 0; n < N; n++) CU_ASSERT_DOUBLE_EQUAL(w1[n], w3[n], 1e-3);
    /* a soft kernel: positive, at most 1, duplicates share weight */
    CU_ASSERT_EQUAL_FATAL(axcon_attn_seq_weights(c, N, L, 10.0, 0.8, w3, &n3, &e), AXCON_OK);
    for (size_t n = 0; n < N; n++) CU_ASSERT(w3[n] > 0 && w3[n] <= (1.0 + exp(-2.0)) + 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(w3[0], w3[10], 1e-15);
    CU_ASSERT(w3[0] < w3[1] || w3[0] < w3[2]);
    CU_ASSERT_EQUAL(axcon_attn_seq_weights(c, N, L, -1.0, 0.8, w3, &n3, &e), AXCON_EUSAGE);
    free(c);
}

static void test_bad_options(void)
{
    uint8_t c[8] = {0, 1, 2, 3, 1, 1, 2, 2};
    double w[2] = {1, 1}, S[16];
    axcon_attn_opts_t o;
    axcon_error_t e;
    axcon_error_clear(&e);
    axcon_attn_opts_init(&o);
    o.heads = 0;
    CU_ASSERT_EQUAL(axcon_attn_fit_codes(c, 2, 4, w, &o, S, &e), AXCON_EUSAGE);
    CU_ASSERT(strstr(e.msg, "heads") != NULL);
    axcon_attn_opts_init(&o);
    o.lambda = NAN;
    CU_ASSERT_EQUAL(axcon_attn_fit_codes(c, 2, 4, w, &o, S, &e), AXCON_EUSAGE);
    axcon_attn_opts_init(&o);
    CU_ASSERT_EQUAL(axcon_attn_fit_codes(c, 8, 1, w, &o, S, &e), AXCON_EINPUT);
}

/* One real family (skipped without ../shared/bench): the default model must recover the
 * native long-range contacts far above chance (top-L/5 precision >= 0.5; chance is ~0.05). */
static void test_real_family(void)
{
    const char *bench = axt_bench("test_real_family");
    if (!bench) return;
    char path[4096];
    snprintf(path, sizeof path, "%s/msa/PF00327_1BXY_A.fasta", bench);
    axcon_msa_opts_t mo;
    axcon_msa_opts_init(&mo);
    axcon_msa_t *msa = NULL;
    axcon_error_t e;
    axcon_error_clear(&e);
    if (axcon_msa_read(path, &mo, &msa, &e) != AXCON_OK) {
        printf("SKIP: test_real_family: %s\n", e.msg);
        return;
    }
    size_t N = axcon_msa_nseq(msa), L = axcon_msa_ncol(msa);
    double *S = malloc(L * L * sizeof(double)), *M = malloc(L * L * sizeof(double));
    CU_ASSERT_FATAL(S && M);
    (void)N;
    /* the pipeline's path: the prepared alignment and the APC-corrected mean-field seed */
    axcon_prep_t *prep = NULL;
    CU_ASSERT_EQUAL_FATAL(axcon_prep_new(msa, 0.8, &prep, &e), AXCON_OK);
    CU_ASSERT_EQUAL_FATAL(axcon_mf_scores(prep, AXCON_MF_DEFAULT_PSEUDOCOUNT, AXCON_MF_AUTO, M, &e), AXCON_OK);
    axcon_apc(M, L);
    axcon_attn_opts_t ao;
    axcon_attn_opts_init(&ao);
    CU_ASSERT_EQUAL_FATAL(axcon_attn_scores(prep, &ao, M, S, &e), AXCON_OK);
    axcon_prep_free(prep);
    free(M);
    axcon_apc(S, L);
    /* truth: i j distance (1-based query positions) */
    snprintf(path, sizeof path, "%s/truth/PF00327_1BXY_A.true.tsv", bench);
    FILE *fh = fopen(path, "r");
    CU_ASSERT_FATAL(fh != NULL);
    size_t Lq = axcon_msa_query_len(msa);
    double *dist = malloc((Lq + 1) * (Lq + 1) * sizeof(double));
    CU_ASSERT_FATAL(dist != NULL);
    for (size_t t = 0; t < (Lq + 1) * (Lq + 1); t++) dist[t] = -1;
    int i, j;
    double dd;
    size_t nobs = 0;
    while (fscanf(fh, "%d %d %lf", &i, &j, &dd) == 3)
        if (i > 0 && j > 0 && (size_t)i <= Lq && (size_t)j <= Lq) dist[i * (Lq + 1) + j] = dd;
    fclose(fh);
    for (size_t a = 1; a <= Lq; a++) {
        int seen = 0;
        for (size_t b = 1; b <= Lq; b++) seen |= dist[a * (Lq + 1) + b] >= 0 || dist[b * (Lq + 1) + a] >= 0;
        nobs += (size_t)seen;
    }
    size_t want = nobs / 5, got = 0, hit = 0;
    /* rank long-range column pairs by score (ties: smaller i, then j) */
    while (got < want) {
        double best = -INFINITY;
        size_t bi = 0, bj = 0;
        for (size_t a = 0; a < L; a++)
            for (size_t b = a + 1; b < L; b++) {
                int pa = axcon_msa_col_pos(msa, a), pb = axcon_msa_col_pos(msa, b);
                if (pb - pa < 24 || dist[pa * (Lq + 1) + pb] < 0) continue;
                if (S[a * L + b] > best) {
                    best = S[a * L + b];
                    bi = a;
                    bj = b;
                }
            }
        if (!isfinite(best)) break;
        int pa = axcon_msa_col_pos(msa, bi), pb = axcon_msa_col_pos(msa, bj);
        hit += dist[pa * (Lq + 1) + pb] < 8.0;
        S[bi * L + bj] = -INFINITY;
        got++;
    }
    CU_ASSERT(want >= 5);
    CU_ASSERT(got == want);
    CU_ASSERT((double)hit >= 0.5 * (double)want);
    free(dist);
    free(S);
    axcon_msa_free(msa);
}

/* --dump-attention, library side: the maps handed to the callback after training */
typedef struct {
    int calls;
    size_t L, H;
    double rowsum_err, diag_max, ent_err, ent_min, ent_max, vnorm_min;
    int has_bias, pos_ok;
    char *text;
} maps_seen_t;

static int maps_cb(void *ctx, const axcon_attn_maps_t *mp, axcon_error_t *err)
{
    maps_seen_t *s = ctx;
    s->calls++;
    s->L = mp->L;
    s->H = mp->H;
    s->ent_min = INFINITY;
    s->vnorm_min = INFINITY;
    for (size_t r = 0; r < mp->H * mp->L; r++) {
        const double *a = mp->A + r * mp->L;
        size_t i = r % mp->L;
        double sum = 0, e = 0;
        for (size_t j = 0; j < mp->L; j++) {
            sum += a[j];
            if (a[j] > 0) e -= a[j] * log(a[j]);
        }
        s->rowsum_err = fmax(s->rowsum_err, fabs(sum - 1.0));
        s->diag_max = fmax(s->diag_max, fabs(a[i]));
        s->ent_err = fmax(s->ent_err, fabs(e - mp->entropy[r]));
        s->ent_min = fmin(s->ent_min, mp->entropy[r]);
        s->ent_max = fmax(s->ent_max, mp->entropy[r]);
    }
    for (size_t h = 0; h < mp->H; h++) s->vnorm_min = fmin(s->vnorm_min, mp->value_norm[h]);
    s->has_bias = mp->bias_scale != NULL;
    s->pos_ok = mp->pos == NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&s->text, &len);
    if (!fp) return axcon_error_set(err, AXCON_ENOMEM, "memstream");
    int rc = axcon_attn_maps_write(fp, mp, 0.05, err);
    fclose(fp);
    return rc;
}

static void test_attention_maps(void)
{
    const size_t N = 200, L = 20;
    uint8_t *c = toy_msa(N, L, 2, 15, 0.7, 31);
    double *w = malloc(N * sizeof(double)), *S = malloc(L * L * sizeof(double));
    CU_ASSERT_FATAL(w && S);
    for (size_t n = 0; n < N; n++) w[n] = 1.0;
    axcon_attn_opts_t o;
    axcon_attn_opts_init(&o);
    o.heads = 5;
    o.dim = 3;
    o.max_iter = 20;
    maps_seen_t seen;
    memset(&seen, 0, sizeof seen);
    o.maps_cb = maps_cb;
    o.maps_ctx = &seen;
    axcon_error_t e;
    axcon_error_clear(&e);
    CU_ASSERT_EQUAL_FATAL(axcon_attn_fit_codes(c, N, L, w, &o, S, &e), AXCON_OK);
    CU_ASSERT_EQUAL(seen.calls, 1);
    CU_ASSERT_EQUAL(seen.L, L);
    CU_ASSERT_EQUAL(seen.H, 5);
    CU_ASSERT(seen.rowsum_err < 1e-12);            /* softmax rows sum to 1 */
    CU_ASSERT(seen.diag_max == 0.0);               /* the diagonal is masked */
    CU_ASSERT(seen.ent_err < 1e-12);               /* entropy of the rows handed over */
    CU_ASSERT(seen.ent_min >= 0.0);
    CU_ASSERT(seen.ent_max <= log((double)(L - 1)) + 1e-12);
    CU_ASSERT(seen.ent_min < log((double)(L - 1)) - 1e-3); /* not all uniform: the seed shapes them */
    CU_ASSERT(seen.vnorm_min > 0.0);
    CU_ASSERT(seen.has_bias);                      /* the default warm start keeps a fixed bias */
    CU_ASSERT(seen.pos_ok);
    /* the text: header, V and G rows per head, one E row per (head, position), A rows >= 0.05 */
    CU_ASSERT_FATAL(seen.text != NULL);
    size_t nV = 0, nG = 0, nE = 0, nA = 0, nhdr = 0, bad = 0;
    char *save = NULL;
    for (char *line = strtok_r(seen.text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#') continue;
        if (!strcmp(line, "kind\thead\ti\tj\tvalue")) {
            nhdr++;
            continue;
        }
        char kind[4], si[16], sj[16];
        int h;
        double v;
        if (sscanf(line, "%3s\t%d\t%15s\t%15s\t%lf", kind, &h, si, sj, &v) != 5 || h < 1 || h > 5) {
            bad++;
            continue;
        }
        if (!strcmp(kind, "V")) nV++;
        else if (!strcmp(kind, "G")) nG++;
        else if (!strcmp(kind, "E")) {
            nE++;
            bad += !(v >= 0 && v <= log((double)(L - 1)) + 1e-6) || strcmp(sj, ".") != 0;
        } else if (!strcmp(kind, "A")) {
            nA++;
            int i = atoi(si), j = atoi(sj);
            bad += !(v >= 0.05 && v <= 1.0) || i == j || i < 1 || j < 1 || i > (int)L || j > (int)L;
        } else
            bad++;
    }
    CU_ASSERT_EQUAL(nhdr, 1);
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT_EQUAL(nV, 5);
    CU_ASSERT_EQUAL(nG, 5);
    CU_ASSERT_EQUAL(nE, 5 * L);
    CU_ASSERT(nA >= 5 * L && nA <= 5 * L * 20); /* >= 1 per row (some a_ij >= 1/(L-1) > 0.05), <= 1/0.05 */
    free(seen.text);
    /* bad threshold; the pipeline refuses maps for another method */
    axcon_attn_maps_t mp = {2, 1, NULL, (double[4]){0, 1, 1, 0}, (double[2]){0, 0}, (double[1]){1}, NULL};
    CU_ASSERT_EQUAL(axcon_attn_maps_write(stdout, &mp, 0.0, &e), AXCON_EUSAGE);
    free(c);
    free(w);
    free(S);
}

static int maps_never(void *ctx, const axcon_attn_maps_t *mp, axcon_error_t *err)
{
    (void)mp;
    (void)err;
    ++*(int *)ctx;
    return AXCON_OK;
}

static void test_attention_maps_other_method(void)
{
    const char *bench = axt_bench("test_attention_maps_other_method");
    if (!bench) return;
    char path[4096];
    snprintf(path, sizeof path, "%s/msa/1mkcA00.aln", bench);
    axcon_msa_opts_t mo;
    axcon_msa_opts_init(&mo);
    axcon_msa_t *msa = NULL;
    axcon_error_t e;
    axcon_error_clear(&e);
    CU_ASSERT_EQUAL_FATAL(axcon_msa_read(path, &mo, &msa, &e), AXCON_OK);
    axcon_predict_opts_t po;
    axcon_predict_opts_init(&po);
    int calls = 0;
    po.attn_maps = maps_never;
    po.attn_maps_ctx = &calls;
    po.method = AXCON_METHOD_MF;
    axcon_cmap_t *cm = NULL;
    CU_ASSERT_EQUAL(axcon_predict(msa, &po, &cm, &e), AXCON_EUSAGE);
    CU_ASSERT(strstr(e.msg, "attn") != NULL);
    CU_ASSERT(cm == NULL);
    CU_ASSERT_EQUAL(calls, 0);
    po.method = AXCON_METHOD_ATTN;
    po.attn_max_iter = 3;
    CU_ASSERT_EQUAL(axcon_predict(msa, &po, &cm, &e), AXCON_OK);
    CU_ASSERT_EQUAL(calls, 1);
    axcon_cmap_free(cm);
    axcon_msa_free(msa);
}

/* --dump-attention through the CLI: TSV and gzip, atomic, refused for other methods */
static void test_cli_dump_attention(void)
{
    const char *bench = axt_bench("test_cli_dump_attention");
    if (!bench) return;
    char *maps = axt_tmp("maps.tsv"), *gz = axt_tmp("maps.tsv.gz"), *mf = axt_tmp("mf.tsv"), *out = NULL, *er = NULL;
    int st = axt_runf(&out, &er, "%s predict -q --max-iter 3 --dump-attention %s %s/msa/1mkcA00.aln", axt_axcon(), maps,
                      bench);
    CU_ASSERT_EQUAL(st, 0);
    CU_ASSERT(out && strlen(out) > 100); /* the contacts still go to stdout */
    free(out);
    free(er);
    size_t len = 0;
    char *text = axt_slurp(maps, &len);
    CU_ASSERT_FATAL(text != NULL);
    CU_ASSERT(strstr(text, "\nkind\thead\ti\tj\tvalue\n") != NULL);
    size_t nE = 0, nA = 0;
    for (char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        nE += l[0] == 'E' && l[1] == '\t';
        nA += l[0] == 'A' && l[1] == '\t';
    }
    CU_ASSERT_EQUAL(nE, 16 * 43); /* default 16 heads, 43 columns */
    CU_ASSERT(nA >= 16 * 43);
    st = axt_runf(&out, &er, "%s predict -q --max-iter 3 --dump-attention %s -o /dev/null %s/msa/1mkcA00.aln && "
                             "gzip -dc %s | cmp -s - %s", axt_axcon(), gz, bench, gz, maps);
    CU_ASSERT_EQUAL(st, 0); /* same text, gzip-compressed */
    free(out);
    free(er);
    st = axt_runf(&out, &er, "%s predict -q -m mf --dump-attention %s %s/msa/1mkcA00.aln", axt_axcon(), mf, bench);
    CU_ASSERT_EQUAL(st, 1);
    CU_ASSERT(er && strstr(er, "-m attn") != NULL);
    CU_ASSERT(!axt_exists(mf));
    free(out);
    free(er);
    free(text);
    free(maps);
    free(gz);
    free(mf);
}

/* The sparse residual's streamed evaluation (couplings and their gradient through the kernel's
 * hooks) against the dense model holding the same residual on the same pairs and 0 elsewhere:
 * the same warm start, objective, parameter gradient and residual gradient on the residual
 * pairs; no array of the couplings' size; the same floats for 1 and 3 threads. */
static void test_sparse_residual(void)
{
    const size_t N = 60, L = 12, H = 3, d = 4;
    axcon_error_t e;
    axcon_error_clear(&e);
    uint8_t *codes = toy_msa(N, L, 2, 9, 0.7, 4242);
    double *w = malloc(N * sizeof(double));
    CU_ASSERT_FATAL(w != NULL);
    for (size_t n = 0; n < N; n++) w[n] = 0.5 + 0.25 * (double)(n % 4);
    axcon_pll_data_t *data = NULL;
    CU_ASSERT_EQUAL_FATAL(axcon_pll_data_new(codes, N, L, w, &data, &e), AXCON_OK);
    ax_attn_model_t md, ms;
    CU_ASSERT_EQUAL_FATAL(ax_attn_model_init(&md, data, H, d, 0.05, 0.01, 0.01, 0.01, 0.03, 0.02, &e), AXCON_OK);
    const size_t P = md.P, K = P / 3;
    CU_ASSERT_EQUAL_FATAL(ax_attn_model_init_ex(&ms, data, H, d, 0.05, 0.01, 0.01, 0.01, 0.03, 0.02, 1, K, &e),
                          AXCON_OK);
    CU_ASSERT(ms.stream == 1 && ms.nr == 0 && ms.R == NULL); /* no residual before the warm start */
    double *xd = calloc(md.nx, sizeof(double)), *xs = calloc(ms.nx, sizeof(double));
    CU_ASSERT_FATAL(xd && xs && md.nx == ms.nx);
    CU_ASSERT_EQUAL_FATAL(ax_attn_init_params(&md, 0, 1.0, 7, xd, &e), AXCON_OK);
    CU_ASSERT_EQUAL_FATAL(ax_attn_init_params(&ms, 0, 1.0, 7, xs, &e), AXCON_OK);
    /* the streamed warm start (no stored log-odds blocks) gives the same start */
    CU_ASSERT(memcmp(xd, xs, md.nx * sizeof(double)) == 0);
    CU_ASSERT_FATAL(ms.nres == K && ms.nr == K * ms.q * ms.q && ms.use_r && ms.R == ms.xr + ms.nx);
    size_t inslot = 0;
    for (size_t p = 0; p < P; p++) inslot += ms.rslot[p] >= 0;
    CU_ASSERT_EQUAL(inslot, K);
    for (size_t s = 1; s < K; s++) CU_ASSERT(ms.rpair[s] > ms.rpair[s - 1]);
    rs = 31;
    for (size_t t = md.off_v; t < md.off_q; t++) xd[t] = 0.3 * (urnd() - 0.5);
    for (size_t t = md.off_q; t < md.off_g; t++) xd[t] = urnd() - 0.5;
    for (size_t t = md.off_g; t < md.off_e; t++) xd[t] = 0.5 + urnd();
    for (size_t t = md.off_e; t < md.nx; t++) xd[t] = urnd() - 0.5;
    memcpy(xs, xd, md.nx * sizeof(double));
    memset(md.R, 0, md.nr * sizeof(float));
    const size_t qq = md.q * md.q;
    for (size_t s = 0; s < K; s++)
        for (size_t t = 0; t < qq; t++) {
            float v = (float)(0.4 * (urnd() - 0.5));
            ms.R[s * qq + t] = v;
            md.R[ms.rpair[s] * qq + t] = v;
        }
    double *gd = malloc(md.nx * sizeof(double)), *gs = malloc(md.nx * sizeof(double)), fd = 0, fs = 0;
    CU_ASSERT_FATAL(gd && gs);
    CU_ASSERT_EQUAL_FATAL(ax_attn_eval(&md, xd, &fd, gd, &e), AXCON_OK);
    CU_ASSERT_EQUAL_FATAL(ax_attn_eval(&ms, xs, &fs, gs, &e), AXCON_OK);
    CU_ASSERT(fabs(fd - fs) <= 1e-6 * fabs(fd));
    double gmax = 0, dmax = 0;
    for (size_t t = 0; t < md.nx; t++) {
        gmax = fmax(gmax, fabs(gd[t]));
        dmax = fmax(dmax, fabs(gd[t] - gs[t]));
    }
    CU_ASSERT(gmax > 1e-2);
    CU_ASSERT(dmax <= 1e-5 * gmax);
    double rmax = 0, rdiff = 0;
    for (size_t s = 0; s < K; s++)
        for (size_t t = 0; t < qq; t++) {
            double a = md.gR[ms.rpair[s] * qq + t], b = ms.gR[s * qq + t];
            rmax = fmax(rmax, fabs(a));
            rdiff = fmax(rdiff, fabs(a - b));
        }
    CU_ASSERT(rmax > 1e-2);
    CU_ASSERT(rdiff <= 1e-5 * rmax);
    CU_ASSERT(ms.Jc == NULL && ms.gJc == NULL); /* nothing of P q^2 floats */
    /* the objective alone agrees too */
    double f3 = 0;
    CU_ASSERT_EQUAL_FATAL(ax_attn_eval(&ms, xs, &f3, NULL, &e), AXCON_OK);
    CU_ASSERT(f3 == fs);
#ifdef _OPENMP
    int nthr = omp_get_max_threads();
    double *g1 = malloc(md.nx * sizeof(double)), f1 = 0, f2 = 0;
    float *gr1 = malloc(ms.nr * sizeof(float));
    CU_ASSERT_FATAL(g1 && gr1);
    omp_set_num_threads(1);
    CU_ASSERT_EQUAL_FATAL(ax_attn_eval(&ms, xs, &f1, g1, &e), AXCON_OK);
    memcpy(gr1, ms.gR, ms.nr * sizeof(float));
    omp_set_num_threads(3);
    CU_ASSERT_EQUAL_FATAL(ax_attn_eval(&ms, xs, &f2, gs, &e), AXCON_OK);
    omp_set_num_threads(nthr);
    CU_ASSERT(f1 == f2);
    CU_ASSERT(memcmp(g1, gs, md.nx * sizeof(double)) == 0);
    CU_ASSERT(memcmp(gr1, ms.gR, ms.nr * sizeof(float)) == 0);
    free(g1);
    free(gr1);
#endif
    /* the scores: the dense model's reduction with the same residual */
    double *Sd = malloc(L * L * sizeof(double)), *Ss = malloc(L * L * sizeof(double));
    CU_ASSERT_FATAL(Sd && Ss);
    ax_attn_reduce(&md, xd, 0, Sd);
    ax_attn_reduce(&ms, xs, 0, Ss);
    double sdiff = 0;
    for (size_t t = 0; t < L * L; t++) sdiff = fmax(sdiff, fabs(Sd[t] - Ss[t]));
    CU_ASSERT(sdiff <= 1e-6);
    free(Sd);
    free(Ss);
    free(gd);
    free(gs);
    free(xd);
    free(xs);
    ax_attn_model_free(&md);
    ax_attn_model_free(&ms);
    axcon_pll_data_free(data);
    free(codes);
    free(w);
}

/* The residual form follows the memory: dense when it fits the limit (or there is none),
 * sparse beyond, with as many pairs as fit; the sparse estimate stays within the limit and the
 * explicit forms are kept. */
static void test_residual_plan(void)
{
    axcon_attn_opts_t o;
    axcon_attn_opts_init(&o);
    size_t k = 1;
    double dense = 0, sparse = 0;
    CU_ASSERT_EQUAL(axcon_attn_plan(3000, 2000, 2000, &o, 2, &k), AXCON_ATTN_RESIDUAL_DENSE); /* no limit */
    CU_ASSERT_EQUAL(k, 0);
    axcon_attn_estimate(3000, 2000, 2000, &o, 2, &dense, NULL);
    CU_ASSERT(dense > 30e9); /* L^2 q^2 optimiser vectors */
    o.mem_limit = 20.0 * 1073741824.0;
    CU_ASSERT_EQUAL(axcon_attn_plan(3000, 2000, 2000, &o, 2, &k), AXCON_ATTN_RESIDUAL_SPARSE);
    CU_ASSERT(k > 20 * 3000 && k < 3000 * 2999 / 2);
    axcon_attn_estimate(3000, 2000, 2000, &o, 2, &sparse, NULL);
    CU_ASSERT(sparse < 12.0 * 1073741824.0 && sparse < o.mem_limit);
    /* a tighter limit: fewer residual pairs, still within it */
    o.mem_limit = 6.0 * 1073741824.0;
    size_t k2 = 0;
    CU_ASSERT_EQUAL(axcon_attn_plan(3000, 2000, 2000, &o, 2, &k2), AXCON_ATTN_RESIDUAL_SPARSE);
    CU_ASSERT(k2 < k);
    axcon_attn_estimate(3000, 2000, 2000, &o, 2, &sparse, NULL);
    CU_ASSERT(sparse <= o.mem_limit);
    /* small L fits: dense, unchanged */
    CU_ASSERT_EQUAL(axcon_attn_plan(300, 2000, 2000, &o, 2, &k2), AXCON_ATTN_RESIDUAL_DENSE);
    /* forced forms */
    o.mem_limit = 0;
    o.residual = AXCON_ATTN_RESIDUAL_SPARSE;
    CU_ASSERT_EQUAL(axcon_attn_plan(300, 2000, 2000, &o, 2, &k2), AXCON_ATTN_RESIDUAL_SPARSE);
    CU_ASSERT_EQUAL(k2, 300 * 299 / 2); /* every pair fits the vector budget at L = 300 */
    o.lambda_r = 0;
    CU_ASSERT_EQUAL(axcon_attn_plan(300, 2000, 2000, &o, 2, &k2), AXCON_ATTN_RESIDUAL_SPARSE);
    CU_ASSERT_EQUAL(k2, 0); /* no residual: pure factored attention, streamed */
    o.lambda_r = AXCON_ATTN_DEFAULT_LAMBDA_R;
    o.residual = AXCON_ATTN_RESIDUAL_DENSE;
    o.mem_limit = 1e6;
    CU_ASSERT_EQUAL(axcon_attn_plan(3000, 2000, 2000, &o, 2, &k2), AXCON_ATTN_RESIDUAL_DENSE);
}

/* A fit in the sparse form with a residual on part of the pairs: finite scores, the planted
 * pair first, the same scores for 1 and 3 threads. */
static void test_sparse_fit(void)
{
    const size_t N = 200, L = 30;
    uint8_t *c;
    double *w, *S1, *S2;
    toy_family(N, L, 4, 22, 0.8, 99, &c, &w, &S1, &S2);
    axcon_error_t e;
    axcon_error_clear(&e);
    axcon_attn_opts_t o;
    axcon_attn_opts_init(&o);
    o.heads = 4;
    o.dim = 4;
    o.max_iter = 12;
    o.residual = AXCON_ATTN_RESIDUAL_SPARSE;
    o.residual_pairs = 3 * L;
    CU_ASSERT_EQUAL_FATAL(axcon_attn_fit_codes(c, N, L, w, &o, S1, &e), AXCON_OK);
    size_t bi = 0, bj = 0;
    CU_ASSERT(argmax_pair(S1, L, &bi, &bj));
    CU_ASSERT(bi == 4 && bj == 22);
#ifdef _OPENMP
    CU_ASSERT(fit_1_and_3_threads(c, N, L, w, &o, S1, S2) == 0.0);
#endif
    free(c);
    free(w);
    free(S1);
    free(S2);
}

static void register_suites(void)
{
    axt_suite("attn", (axt_case_t[]){{"gradient_vs_finite_differences", test_gradient},
                                     {"softmax_rows_masked_diagonal", test_softmax_rows},
                                     {"symmetrisation", test_symmetrisation},
                                     {"warm_start_finite", test_warm_start_finite},
                                     {"planted_pair_ranks_first", test_planted_pair},
                                     {"thread_invariance", test_threads},
                                     {"sequence_axis_weights", test_seq_weights},
                                     {"bad_options", test_bad_options},
                                     {"real_family_PF00327", test_real_family},
                                     {"attention_maps", test_attention_maps},
                                     {"attention_maps_other_method", test_attention_maps_other_method},
                                     {"cli_dump_attention", test_cli_dump_attention},
                                     {"sparse_residual_equals_dense", test_sparse_residual},
                                     {"residual_plan_by_memory", test_residual_plan},
                                     {"sparse_fit", test_sparse_fit},
                                     {0}});
}

int main(int argc, char **argv) { return axt_main(argc, argv, register_suites); }
