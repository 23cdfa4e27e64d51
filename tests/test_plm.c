/* test_plm.c - unit tests of the pseudo-likelihood kernel (axcon/pll.h), the L-BFGS minimiser
 * (src/model/lbfgs.h) and method "plm" (axcon/plm.h): the kernel's objective against a
 * double-precision reference and its gradients against finite differences of that reference,
 * the symmetric layout against the full one (any prior content of the gradient), duplicate
 * collapsing, thread-count invariance of the kernel,
 * L-BFGS on a quadratic and on Rosenbrock, thread-count invariance of the scores, a planted
 * coupled pair, and one real family from ../shared/bench when present. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "axcon/contacts.h"
#include "axcon/msa.h"
#include "axcon/plm.h"
#include "axcon/weights.h"
#include "axcon/pll.h"
#include "model/lbfgs.h"
#include "model/pll_internal.h"
#include "model/pll_tree.h"
#include "testutil.h"

#define Q AXCON_PLL_Q
#define QQ (Q * Q)

static uint64_t rng_state = 88172645463325252ULL;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}
static double unif(void) { return (double)(rnd() >> 11) / 9007199254740992.0; }

static void *xmalloc(size_t n)
{
    void *p = calloc(1, n ? n : 1);
    if (!p) exit(99);
    return p;
}

/* Reference objective in double on the full layout. */
static double ref_f(const uint8_t *x, const double *w, size_t N, size_t L, const double *h, const double *W)
{
    double f = 0.0;
    for (size_t n = 0; n < N; n++)
        for (size_t i = 0; i < L; i++) {
            double z[Q], m = -1e300, s = 0.0;
            for (int a = 0; a < Q; a++) {
                z[a] = h[i * Q + a];
                for (size_t j = 0; j < L; j++)
                    if (j != i) z[a] += W[((i * L + j) * Q + x[n * L + j]) * Q + a];
                if (z[a] > m) m = z[a];
            }
            for (int a = 0; a < Q; a++) s += exp(z[a] - m);
            f += w[n] * (m + log(s) - z[x[n * L + i]]);
        }
    return f;
}

static uint8_t *random_codes(size_t N, size_t L)
{
    uint8_t *c = xmalloc(N * L);
    for (size_t k = 0; k < N * L; k++) c[k] = (uint8_t)(rnd() % Q);
    return c;
}

/* The kernel's f equals the reference; its gradients equal central differences of it. */
static void test_gradient_full(void)
{
    const size_t N = 9, L = 5, nh = L * Q, nw = L * L * QQ;
    uint8_t *x = random_codes(N, L);
    memcpy(x + 4 * L, x + 1 * L, L); /* a duplicate row */
    double w[9];
    for (size_t n = 0; n < N; n++) w[n] = 0.2 + unif();
    double *hd = xmalloc(nh * sizeof *hd), *Wd = xmalloc(nw * sizeof *Wd);
    float *h = xmalloc(nh * sizeof *h), *W = xmalloc(nw * sizeof *W), *gh = xmalloc(nh * sizeof *gh),
          *gW = xmalloc(nw * sizeof *gW);
    for (size_t k = 0; k < nh; k++) {
        h[k] = (float)(2.0 * unif() - 1.0);
        hd[k] = h[k];
    }
    for (size_t k = 0; k < nw; k++) {
        W[k] = (float)(unif() - 0.5);
        Wd[k] = W[k];
    }

    axcon_pll_data_t *d = NULL;
    axcon_error_t e;
    axcon_error_clear(&e);
    CU_ASSERT_EQUAL_FATAL(axcon_pll_data_new(x, N, L, w, &d, &e), AXCON_OK);
    CU_ASSERT_EQUAL(axcon_pll_nrows(d), N - 1);
    double f;
    CU_ASSERT_EQUAL_FATAL(axcon_pll_eval_full(d, h, W, &f, gh, gW, &e), AXCON_OK);
    double fr = ref_f(x, w, N, L, hd, Wd);
    CU_ASSERT(fabs(f - fr) <= 1e-5 * fabs(fr));

    const double eps = 1e-5;
    double maxerr = 0.0;
    for (size_t k = 0; k < nh; k++) {
        double s = hd[k];
        hd[k] = s + eps;
        double fp = ref_f(x, w, N, L, hd, Wd);
        hd[k] = s - eps;
        double fm = ref_f(x, w, N, L, hd, Wd);
        hd[k] = s;
        double fd = (fp - fm) / (2 * eps), err = fabs(fd - gh[k]) / (1.0 + fabs(fd));
        if (err > maxerr) maxerr = err;
    }
    CU_ASSERT(maxerr < 1e-4);
    maxerr = 0.0;
    int nonzero = 0;
    for (size_t k = 0; k < nw; k++) {
        size_t i = k / (L * QQ), j = (k / QQ) % L;
        double s = Wd[k];
        Wd[k] = s + eps;
        double fp = ref_f(x, w, N, L, hd, Wd);
        Wd[k] = s - eps;
        double fm = ref_f(x, w, N, L, hd, Wd);
        Wd[k] = s;
        double fd = (fp - fm) / (2 * eps), err = fabs(fd - gW[k]) / (1.0 + fabs(fd));
        if (i == j) CU_ASSERT_EQUAL(gW[k], 0.0f);
        if (fabs(fd) > 1e-3) nonzero++;
        if (err > maxerr) maxerr = err;
    }
    CU_ASSERT(maxerr < 1e-4);
    CU_ASSERT(nonzero > 100);

    /* objective only */
    double f2;
    CU_ASSERT_EQUAL(axcon_pll_eval_full(d, h, W, &f2, NULL, NULL, &e), AXCON_OK);
    CU_ASSERT_EQUAL(f2, f);

    axcon_pll_data_free(d);
    free(x); free(hd); free(Wd); free(h); free(W); free(gh); free(gW);
}

/* Symmetric layout: same f as the full layout built from it; tied gradient = sum of the two
 * untied entries; the gradient vector's prior content does not matter (each block is written
 * by the first of its two rows, then added to by the second); 1 to 8 threads give identical
 * results. */
static void test_sym_vs_full(void)
{
    const size_t N = 23, L = 7, nh = L * Q, nw = L * L * QQ, nj = axcon_pll_nsym(L);
    CU_ASSERT_EQUAL_FATAL(nj, L * (L - 1) / 2 * QQ);
    CU_ASSERT_EQUAL(axcon_pll_sym_offset(0, 1, L), 0);
    CU_ASSERT_EQUAL(axcon_pll_sym_offset(1, 2, L), (L - 1) * QQ);
    CU_ASSERT_EQUAL(axcon_pll_sym_offset(L - 2, L - 1, L), nj - QQ);
    uint8_t *x = random_codes(N, L);
    for (size_t n = 0; n < N; n++) x[n * L + L - 1] = (n % 3) ? 20 : x[n * L + L - 1]; /* gaps in the last column */
    float *h = xmalloc(nh * sizeof *h), *Jc = xmalloc(nj * sizeof *Jc), *W = xmalloc(nw * sizeof *W);
    float *gh1 = xmalloc(nh * sizeof *gh1), *gh2 = xmalloc(nh * sizeof *gh2), *gW = xmalloc(nw * sizeof *gW);
    float *gJ = xmalloc(nj * sizeof *gJ), *gJ2 = xmalloc(nj * sizeof *gJ2);
    for (size_t k = 0; k < nh; k++) h[k] = (float)(unif() - 0.5);
    for (size_t k = 0; k < nj; k++) Jc[k] = (float)(unif() - 0.5);
    for (size_t i = 0; i < L; i++)
        for (size_t j = 0; j < L; j++)
            for (int a = 0; a < Q; a++)
                for (int b = 0; b < Q; b++) {
                    float v = 0.0f;
                    if (i < j) v = Jc[axcon_pll_sym_offset(i, j, L) + a * Q + b];
                    if (i > j) v = Jc[axcon_pll_sym_offset(j, i, L) + b * Q + a];
                    W[((i * L + j) * Q + b) * Q + a] = v;
                }
    axcon_pll_data_t *d = NULL;
    axcon_error_t e;
    axcon_error_clear(&e);
    CU_ASSERT_EQUAL_FATAL(axcon_pll_data_new(x, N, L, NULL, &d, &e), AXCON_OK);
    CU_ASSERT_EQUAL(axcon_pll_wsum(d), (double)N);
    double f1, f2, f3;
    CU_ASSERT_EQUAL_FATAL(axcon_pll_eval_full(d, h, W, &f1, gh1, gW, &e), AXCON_OK);
    CU_ASSERT_EQUAL_FATAL(axcon_pll_eval_sym(d, h, Jc, &f2, gh2, gJ, &e), AXCON_OK);
    CU_ASSERT(fabs(f1 - f2) <= 1e-9 * fabs(f1));
    double maxerr = 0.0;
    for (size_t k = 0; k < nh; k++)
        if (fabs(gh1[k] - gh2[k]) > maxerr) maxerr = fabs(gh1[k] - gh2[k]);
    for (size_t i = 0; i < L; i++)
        for (size_t j = i + 1; j < L; j++)
            for (int a = 0; a < Q; a++)
                for (int b = 0; b < Q; b++) {
                    double tied = (double)gW[((i * L + j) * Q + b) * Q + a] + gW[((j * L + i) * Q + a) * Q + b];
                    double err = fabs(tied - gJ[axcon_pll_sym_offset(i, j, L) + a * Q + b]);
                    if (err > maxerr) maxerr = err;
                }
    CU_ASSERT(maxerr < 1e-5);

    for (size_t k = 0; k < nj; k++) gJ2[k] = (float)unif() * 1e6f;
    CU_ASSERT_EQUAL(axcon_pll_eval_sym(d, h, Jc, &f3, gh2, gJ2, &e), AXCON_OK);
    CU_ASSERT_EQUAL(f3, f2);
    CU_ASSERT_EQUAL(memcmp(gJ, gJ2, nj * sizeof *gJ), 0);
#ifdef _OPENMP
    int nt = omp_get_max_threads();
    for (int t = 1; t <= 8; t++) {
        omp_set_num_threads(t);
        for (size_t k = 0; k < nj; k++) gJ2[k] = (float)unif() * 1e6f;
        CU_ASSERT_EQUAL(axcon_pll_eval_sym(d, h, Jc, &f3, gh2, gJ2, &e), AXCON_OK);
        CU_ASSERT_EQUAL(f3, f2);
        CU_ASSERT_EQUAL(memcmp(gJ, gJ2, nj * sizeof *gJ), 0);
    }
    omp_set_num_threads(nt);
#endif
    /* the L2 variant: same f, jsq = |J|^2, gradient + 2 lambda J */
    double f4, jsq, ref = 0.0;
    float *gJ4 = xmalloc(nj * sizeof *gJ4);
    CU_ASSERT_EQUAL(ax_pll_eval_sym_l2(d, h, Jc, 0.7, &f4, &jsq, gh2, gJ4, &e), AXCON_OK);
    CU_ASSERT_EQUAL(f4, f2);
    for (size_t k = 0; k < nj; k++) ref += (double)Jc[k] * Jc[k];
    CU_ASSERT(fabs(jsq - ref) <= 1e-12 * ref);
    maxerr = 0.0;
    for (size_t k = 0; k < nj; k++) {
        double err = fabs(gJ4[k] - (gJ[k] + 1.4 * Jc[k]));
        if (err > maxerr) maxerr = err;
    }
    CU_ASSERT(maxerr < 1e-5);
    free(gJ4);

    axcon_pll_data_free(d);
    free(x); free(h); free(Jc); free(W); free(gh1); free(gh2); free(gW); free(gJ); free(gJ2);
}

/* Merging duplicates (weights summed) leaves the objective and gradients unchanged. */
static void test_duplicates(void)
{
    const size_t L = 6, N0 = 5, nh = L * Q, nj = axcon_pll_nsym(L);
    uint8_t *u = random_codes(N0, L);
    double wu[5] = {0.5, 1.0, 0.25, 2.0, 1.5};
    /* expanded: row r appears reps[r] times with weights summing to wu[r], interleaved */
    const size_t reps[5] = {1, 3, 2, 1, 4};
    uint8_t x[11 * 6];
    double w[11];
    size_t N = 0;
    for (size_t rep = 0; rep < 4; rep++)
        for (size_t r = 0; r < N0; r++)
            if (rep < reps[r]) {
                memcpy(x + N * L, u + r * L, L);
                w[N++] = wu[r] / (double)reps[r];
            }
    CU_ASSERT_EQUAL_FATAL(N, 11);
    float *h = xmalloc(nh * sizeof *h), *J = xmalloc(nj * sizeof *J);
    float *g1 = xmalloc((nh + nj) * sizeof *g1), *g2 = xmalloc((nh + nj) * sizeof *g2);
    for (size_t k = 0; k < nh; k++) h[k] = (float)(unif() - 0.5);
    for (size_t k = 0; k < nj; k++) J[k] = (float)(unif() - 0.5);
    axcon_pll_data_t *d1 = NULL, *d2 = NULL;
    axcon_error_t e;
    CU_ASSERT_EQUAL_FATAL(axcon_pll_data_new(u, N0, L, wu, &d1, &e), AXCON_OK);
    CU_ASSERT_EQUAL_FATAL(axcon_pll_data_new(x, N, L, w, &d2, &e), AXCON_OK);
    CU_ASSERT_EQUAL(axcon_pll_nrows(d2), N0);
    CU_ASSERT(fabs(axcon_pll_weights(d2)[2] - wu[2]) < 1e-12);
    CU_ASSERT_EQUAL(memcmp(axcon_pll_codes(d2), u, N0 * L), 0);
    double f1, f2;
    CU_ASSERT_EQUAL(axcon_pll_eval_sym(d1, h, J, &f1, g1, g1 + nh, &e), AXCON_OK);
    CU_ASSERT_EQUAL(axcon_pll_eval_sym(d2, h, J, &f2, g2, g2 + nh, &e), AXCON_OK);
    CU_ASSERT(fabs(f1 - f2) <= 1e-12 * fabs(f1));
    double maxerr = 0.0;
    for (size_t k = 0; k < nh + nj; k++)
        if (fabs(g1[k] - g2[k]) > maxerr) maxerr = fabs(g1[k] - g2[k]);
    CU_ASSERT(maxerr < 1e-6);
    axcon_pll_data_free(d1);
    axcon_pll_data_free(d2);
    free(u); free(h); free(J); free(g1); free(g2);
}

/* A family with a tree behind it: row 0 random, every later row a copy of a random earlier row
 * with 1..3 point changes (some to the gap), as homologues look to the kernel. */
static uint8_t *related_codes(size_t N, size_t L)
{
    uint8_t *x = random_codes(1, L), *c = xmalloc(N * L);
    memcpy(c, x, L);
    free(x);
    for (size_t n = 1; n < N; n++) {
        memcpy(c + n * L, c + (rnd() % n) * L, L);
        for (int k = 0, nk = 1 + (int)(rnd() % 3); k < nk; k++) c[n * L + rnd() % L] = (uint8_t)(rnd() % Q);
    }
    return c;
}

/* Hamming distance with a bound; the row tree is a minimum spanning tree (its length equals a
 * plain O(n^2) Prim's), in preorder, with change lists that hold the right offsets (the sink
 * for a column's most frequent state). */
static void test_tree_build(void)
{
    const size_t N = 70, L = 45;
    uint8_t *x = related_codes(N, L);
    for (int t = 0; t < 200; t++) {
        size_t a = rnd() % N, b = rnd() % N;
        uint32_t ref = 0;
        for (size_t j = 0; j < L; j++) ref += x[a * L + j] != x[b * L + j];
        CU_ASSERT_EQUAL(ax_pll_hamming(x + a * L, x + b * L, L, UINT32_MAX), ref);
        uint32_t bound = (uint32_t)(rnd() % 8), got = ax_pll_hamming(x + a * L, x + b * L, L, bound);
        CU_ASSERT(ref < bound ? got == ref : got >= bound);
    }
    /* rows 10..69 are new mutants; make them distinct as a data object's rows are */
    for (size_t n = 0; n < N; n++) x[n * L + n % L] = (uint8_t)((x[n * L + n % L] + n / L + 1) % Q);
    uint32_t *off = xmalloc(N * L * sizeof *off);
    for (size_t n = 0; n < N; n++)
        for (size_t j = 0; j < L; j++) off[n * L + j] = (uint32_t)((j * Q + x[n * L + j]) * AX_PLL_QP);
    ax_pll_tree_t *t = NULL;
    axcon_error_t e;
    axcon_error_clear(&e);
    CU_ASSERT_EQUAL_FATAL(ax_pll_tree_build(x, off, N, L, (uint32_t)(L * Q * AX_PLL_QP), &t, &e), AXCON_OK);
    CU_ASSERT_EQUAL(t->n, N);
    CU_ASSERT_EQUAL(t->row[0], 0);
    int *seen = xmalloc(N * sizeof *seen), ok = 1;
    size_t len = 0;
    for (size_t k = 0; k < N; k++) {
        if (t->row[k] >= N || seen[t->row[k]]++) ok = 0;
        if (k == 0) continue;
        if (t->parent[k] >= k) ok = 0;
        const uint8_t *a = x + (size_t)t->row[k] * L, *b = x + (size_t)t->row[t->parent[k]] * L;
        size_t c = t->start[k];
        for (size_t j = 0; j < L; j++)
            if (a[j] != b[j]) {
                const uint32_t sink = (uint32_t)(L * Q * AX_PLL_QP);
                uint32_t on = a[j] == t->cons[j] ? sink : off[t->row[k] * L + j];
                uint32_t oo = b[j] == t->cons[j] ? sink : off[t->row[t->parent[k]] * L + j];
                if (c >= t->start[k + 1] || t->chg[2 * c] != on || t->chg[2 * c + 1] != oo) ok = 0;
                c++;
            }
        if (c != t->start[k + 1]) ok = 0;
        len += t->start[k + 1] - t->start[k];
    }
    CU_ASSERT(ok);
    CU_ASSERT_EQUAL(len, t->nchg);
    for (size_t j = 0; j < L; j++) { /* cons: the most frequent state, the smaller on a tie */
        size_t cnt[Q] = {0}, best = 0;
        for (size_t n = 0; n < N; n++) cnt[x[n * L + j]]++;
        for (size_t b = 1; b < Q; b++)
            if (cnt[b] > cnt[best]) best = b;
        CU_ASSERT_EQUAL(t->cons[j], best);
    }
    /* the (column, state) groups: increasing nodes, none at the most frequent state, every
     * entry a real change (or the root's state); with a residual of 1 on every row, the sums
     * of +-(subtree size) over a group are the state counts the gradient needs */
    size_t *sub = xmalloc(N * sizeof *sub);
    for (size_t k = 0; k < N; k++) sub[k] = 1;
    for (size_t k = N - 1; k > 0; k--) sub[t->parent[k]] += sub[k];
    int gok = 1;
    for (size_t j = 0; j < L; j++)
        for (size_t b = 0; b < Q; b++) {
            const size_t g = j * Q + b;
            long sum = 0, cnt = 0;
            for (size_t n = 0; n < N; n++) cnt += x[n * L + j] == b;
            for (size_t q = t->gstart[g]; q < t->gstart[g + 1]; q++) {
                const size_t k = t->gent[q] >> 1, from = t->gent[q] & 1;
                if (q > t->gstart[g] && (t->gent[q - 1] >> 1) >= k) gok = 0;
                const uint8_t xk = x[(size_t)t->row[k] * L + j], xp = x[(size_t)t->row[t->parent[k]] * L + j];
                if (k == 0 ? (from || xk != b) : (xk == xp || (from ? xp : xk) != b)) gok = 0;
                sum += from ? -(long)sub[k] : (long)sub[k];
            }
            if (b == t->cons[j] ? t->gstart[g] != t->gstart[g + 1] : sum != cnt) gok = 0;
        }
    CU_ASSERT(gok);
    size_t at_cons = 0; /* change ends (and root states) at a column's most frequent state */
    for (size_t k = 0; k < N; k++)
        for (size_t j = 0; j < L; j++) {
            const uint8_t xk = x[(size_t)t->row[k] * L + j], xp = x[(size_t)t->row[t->parent[k]] * L + j];
            if (k == 0) at_cons += xk == t->cons[j];
            else if (xk != xp) at_cons += (size_t)(xk == t->cons[j]) + (xp == t->cons[j]);
        }
    CU_ASSERT_EQUAL(t->gstart[L * Q], 2 * t->nchg + L - at_cons);
    free(sub);
    /* preorder: node k's subtree is contiguous after it, so every ancestor chain is increasing
     * and a node's parent is the nearest earlier node that is an ancestor; check the length
     * against plain Prim's */
    size_t *best = xmalloc(N * sizeof *best), ref = 0;
    int *in = xmalloc(N * sizeof *in);
    for (size_t u = 0; u < N; u++) best[u] = SIZE_MAX;
    size_t v = 0;
    for (size_t step = 1; step < N; step++) {
        in[v] = 1;
        for (size_t u = 0; u < N; u++) {
            size_t dd = 0;
            for (size_t j = 0; j < L; j++) dd += x[v * L + j] != x[u * L + j];
            if (!in[u] && dd < best[u]) best[u] = dd;
        }
        size_t q = SIZE_MAX;
        for (size_t u = 0; u < N; u++)
            if (!in[u] && (q == SIZE_MAX || best[u] < best[q])) q = u;
        ref += best[q];
        v = q;
    }
    CU_ASSERT_EQUAL(t->nchg, ref);
    ax_pll_tree_free(t);
    free(best); free(in); free(seen); free(off); free(x);
}

static double maxabs_diff(const float *a, const float *b, size_t n, double *scale)
{
    double m = 0.0, s = 0.0;
    for (size_t k = 0; k < n; k++) {
        if (fabs(a[k] - b[k]) > m) m = fabs(a[k] - b[k]);
        if (fabs(a[k]) > s) s = fabs(a[k]);
    }
    if (scale) *scale = s;
    return m;
}

/* Walking the tree gives the objective and gradients of summing every row (float rounding
 * apart), on both layouts and objective-only; it is chosen for a related family and not for
 * unrelated rows; its results do not depend on the thread count. */
static void test_tree_walk(void)
{
    const size_t N = 120, L = 37, nh = L * Q, nj = axcon_pll_nsym(L), nw = L * L * QQ;
    uint8_t *x = related_codes(N, L);
    double *w = xmalloc(N * sizeof *w);
    for (size_t n = 0; n < N; n++) w[n] = 0.1 + unif();
    float *h = xmalloc(nh * sizeof *h), *Jc = xmalloc(nj * sizeof *Jc), *W = xmalloc(nw * sizeof *W);
    float *gh1 = xmalloc(nh * sizeof *gh1), *gh2 = xmalloc(nh * sizeof *gh2);
    float *gJ1 = xmalloc(nj * sizeof *gJ1), *gJ2 = xmalloc(nj * sizeof *gJ2);
    float *gW1 = xmalloc(nw * sizeof *gW1), *gW2 = xmalloc(nw * sizeof *gW2);
    for (size_t k = 0; k < nh; k++) h[k] = (float)(unif() - 0.5);
    for (size_t k = 0; k < nj; k++) Jc[k] = (float)(0.6 * (unif() - 0.5));
    for (size_t k = 0; k < nw; k++) W[k] = (float)(0.6 * (unif() - 0.5));
    axcon_pll_data_t *d = NULL, *dr = NULL;
    axcon_error_t e;
    axcon_error_clear(&e);
    CU_ASSERT_EQUAL_FATAL(axcon_pll_data_new(x, N, L, w, &d, &e), AXCON_OK);
    CU_ASSERT(axcon_pll_nrows(d) > N / 2);
    CU_ASSERT_EQUAL(ax_pll_uses_tree(d), 1); /* ~2 changes per edge of 37 columns */
    uint8_t *xr = random_codes(N, L);
    CU_ASSERT_EQUAL_FATAL(axcon_pll_data_new(xr, N, L, NULL, &dr, &e), AXCON_OK);
    CU_ASSERT_EQUAL(ax_pll_uses_tree(dr), 0); /* unrelated rows: every column differs */

    double f1, f2, f3, scale;
    CU_ASSERT_EQUAL_FATAL(axcon_pll_eval_sym(d, h, Jc, &f1, gh1, gJ1, &e), AXCON_OK);
    CU_ASSERT_EQUAL(ax_pll_set_tree(d, AX_PLL_TREE_OFF, &e), AXCON_OK);
    CU_ASSERT_EQUAL(ax_pll_uses_tree(d), 0);
    CU_ASSERT_EQUAL_FATAL(axcon_pll_eval_sym(d, h, Jc, &f2, gh2, gJ2, &e), AXCON_OK);
    CU_ASSERT(fabs(f1 - f2) <= 1e-6 * fabs(f2));
    CU_ASSERT(maxabs_diff(gh1, gh2, nh, &scale) <= 1e-5 * scale);
    CU_ASSERT(scale > 1.0);
    CU_ASSERT(maxabs_diff(gJ1, gJ2, nj, &scale) <= 1e-5 * scale);
    CU_ASSERT(scale > 1.0);
    CU_ASSERT_EQUAL_FATAL(axcon_pll_eval_full(d, h, W, &f2, gh2, gW2, &e), AXCON_OK);
    CU_ASSERT_EQUAL(ax_pll_set_tree(d, AX_PLL_TREE_ON, &e), AXCON_OK);
    CU_ASSERT_EQUAL(ax_pll_uses_tree(d), 1);
    CU_ASSERT_EQUAL_FATAL(axcon_pll_eval_full(d, h, W, &f1, gh1, gW1, &e), AXCON_OK);
    CU_ASSERT(fabs(f1 - f2) <= 1e-6 * fabs(f2));
    CU_ASSERT(maxabs_diff(gW1, gW2, nw, &scale) <= 1e-5 * scale);
    CU_ASSERT(scale > 1.0);
    CU_ASSERT_EQUAL(axcon_pll_eval_full(d, h, W, &f3, NULL, NULL, &e), AXCON_OK);
    CU_ASSERT_EQUAL(f3, f1);
    /* the unrelated rows can be walked too (forced): still the same numbers */
    CU_ASSERT_EQUAL(axcon_pll_eval_sym(dr, h, Jc, &f2, gh2, gJ2, &e), AXCON_OK);
    CU_ASSERT_EQUAL(ax_pll_set_tree(dr, AX_PLL_TREE_ON, &e), AXCON_OK);
    CU_ASSERT_EQUAL(axcon_pll_eval_sym(dr, h, Jc, &f3, gh1, gJ1, &e), AXCON_OK);
    CU_ASSERT(fabs(f3 - f2) <= 1e-6 * fabs(f2));
    CU_ASSERT(maxabs_diff(gJ1, gJ2, nj, &scale) <= 1e-5 * scale);
#ifdef _OPENMP
    int nt = omp_get_max_threads();
    CU_ASSERT_EQUAL(axcon_pll_eval_sym(d, h, Jc, &f1, gh1, gJ1, &e), AXCON_OK);
    for (int th = 1; th <= 8; th++) { /* more threads than cores: rows preempted mid-block */
        omp_set_num_threads(th);
        CU_ASSERT_EQUAL(axcon_pll_eval_sym(d, h, Jc, &f2, gh2, gJ2, &e), AXCON_OK);
        CU_ASSERT_EQUAL(f2, f1);
        CU_ASSERT_EQUAL(memcmp(gh1, gh2, nh * sizeof *gh1), 0);
        CU_ASSERT_EQUAL(memcmp(gJ1, gJ2, nj * sizeof *gJ1), 0);
    }
    omp_set_num_threads(nt);
#endif
    axcon_pll_data_free(d);
    axcon_pll_data_free(dr);
    free(x); free(xr); free(w); free(h); free(Jc); free(W); free(gh1); free(gh2); free(gJ1); free(gJ2);
    free(gW1); free(gW2);
}

static void test_data_errors(void)
{
    uint8_t x[6] = {0, 1, 2, 3, 21, 5};
    double w[2] = {1.0, -1.0};
    axcon_pll_data_t *d = (axcon_pll_data_t *)&w; /* must be reset to NULL */
    axcon_error_t e;
    CU_ASSERT_EQUAL(axcon_pll_data_new(x, 2, 3, NULL, &d, &e), AXCON_EINPUT);
    CU_ASSERT_PTR_NULL(d);
    CU_ASSERT(strstr(e.msg, "out of range") != NULL);
    x[4] = 4;
    CU_ASSERT_EQUAL(axcon_pll_data_new(x, 2, 3, w, &d, &e), AXCON_EINPUT);
    CU_ASSERT_EQUAL(axcon_pll_data_new(x, 2, 1, NULL, &d, &e), AXCON_EINPUT);
    w[0] = 0.0, w[1] = 0.0;
    CU_ASSERT_EQUAL(axcon_pll_data_new(x, 2, 3, w, &d, &e), AXCON_EINPUT);
    w[1] = 2.0;
    CU_ASSERT_EQUAL_FATAL(axcon_pll_data_new(x, 2, 3, w, &d, &e), AXCON_OK);
    CU_ASSERT_EQUAL(axcon_pll_nrows(d), 1); /* the zero-weight row is dropped */
    double f1[3 * Q];
    axcon_pll_freq1(d, 0.0, f1);
    CU_ASSERT_DOUBLE_EQUAL(f1[0 * Q + 3], 1.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(f1[2 * Q + 5], 1.0, 1e-12);
    axcon_pll_freq1(d, 0.21, f1);
    CU_ASSERT_DOUBLE_EQUAL(f1[1 * Q + 0], 0.01, 1e-12);
    axcon_pll_data_free(d);
}

/* ---- L-BFGS ---- */

typedef struct { size_t n; double *c, *t; } quadprob_t;

static int quad_eval(void *vc, const float *x, double *f, float *g, float *work, axcon_error_t *err)
{
    quadprob_t *q = vc;
    double s = 0.0;
    for (size_t k = 0; k < q->n; k++) {
        double d = x[k] - q->t[k];
        s += q->c[k] * d * d;
        g[k] = (float)(2.0 * q->c[k] * d);
    }
    *f = s;
    return AXCON_OK;
}

static void test_lbfgs_quadratic(void)
{
    size_t n = 50;
    quadprob_t q = {n, xmalloc(n * sizeof(double)), xmalloc(n * sizeof(double))};
    float *x = xmalloc(n * sizeof *x);
    for (size_t k = 0; k < n; k++) {
        q.c[k] = 1.0 + 99.0 * unif();
        q.t[k] = 4.0 * unif() - 2.0;
    }
    ax_lbfgs_opts_t o;
    ax_lbfgs_opts_init(&o);
    o.ftol = 0.0;
    o.gtol = 1e-5;
    o.max_iter = 500;
    ax_lbfgs_info_t info;
    axcon_error_t e;
    CU_ASSERT_EQUAL_FATAL(ax_lbfgs_minimize(n, x, &o, quad_eval, NULL, &q, &info, &e), AXCON_OK);
    CU_ASSERT_EQUAL(info.status, AX_LBFGS_CONVERGED_G);
    double maxerr = 0.0;
    for (size_t k = 0; k < n; k++)
        if (fabs(x[k] - q.t[k]) > maxerr) maxerr = fabs(x[k] - q.t[k]);
    CU_ASSERT(maxerr < 1e-4);
    CU_ASSERT(info.iter < 200);
    free(q.c); free(q.t); free(x);
}

static int rosen_eval(void *vc, const float *x, double *f, float *g, float *work, axcon_error_t *err)
{
    double a = x[0], b = x[1];
    *f = (1 - a) * (1 - a) + 100 * (b - a * a) * (b - a * a);
    g[0] = (float)(-2 * (1 - a) - 400 * a * (b - a * a));
    g[1] = (float)(200 * (b - a * a));
    return AXCON_OK;
}

static int count_progress(void *vc, const ax_lbfgs_info_t *in)
{
    int *k = vc;
    (*k)++;
    return in->iter >= 1000; /* never */
}

static void test_lbfgs_rosenbrock(void)
{
    float x[2] = {-1.2f, 1.0f};
    ax_lbfgs_opts_t o;
    ax_lbfgs_opts_init(&o);
    o.ftol = 0.0;
    o.gtol = 1e-4;
    o.max_iter = 300;
    o.max_evals = 2000;
    ax_lbfgs_info_t info;
    axcon_error_t e;
    int calls = 0;
    CU_ASSERT_EQUAL_FATAL(ax_lbfgs_minimize(2, x, &o, rosen_eval, NULL, &calls, &info, &e), AXCON_OK);
    CU_ASSERT(fabs(x[0] - 1.0f) < 1e-2 && fabs(x[1] - 1.0f) < 2e-2);
    CU_ASSERT(info.f < 1e-4);
    /* progress callback is called once per iteration */
    x[0] = -1.2f, x[1] = 1.0f;
    CU_ASSERT_EQUAL(ax_lbfgs_minimize(2, x, &o, rosen_eval, count_progress, &calls, &info, &e), AXCON_OK);
    CU_ASSERT_EQUAL(calls, info.iter);
}

/* ---- plm ---- */

static void plm_opts(axcon_plm_opts_t *o)
{
    axcon_plm_opts_init(o);
    CU_ASSERT_EQUAL(o->lambda_h, 0.01); /* CCMpred's defaults */
    CU_ASSERT_EQUAL(o->lambda_j, 0.2);
}

/* Column 2 and column 7 carry a planted coupling; every other column is independent. */
static uint8_t *planted(size_t N, size_t L)
{
    uint8_t *x = xmalloc(N * L);
    for (size_t n = 0; n < N; n++) {
        for (size_t j = 0; j < L; j++) x[n * L + j] = (uint8_t)(unif() < 0.05 ? 20 : rnd() % 20);
        if (unif() < 0.9) x[n * L + 7] = (uint8_t)((x[n * L + 2] % 20 + 3) % 20);
    }
    return x;
}

static void test_plm_planted(void)
{
    const size_t N = 300, L = 12;
    uint8_t *x = planted(N, L);
    double *S = xmalloc(L * L * sizeof *S);
    axcon_plm_opts_t o;
    plm_opts(&o);
    axcon_error_t e;
    CU_ASSERT_EQUAL_FATAL(axcon_plm_scores_codes(x, N, L, NULL, &o, S, &e), AXCON_OK);
    size_t bi = 0, bj = 0;
    double best = -1, second = -1;
    for (size_t i = 0; i < L; i++) {
        CU_ASSERT_EQUAL(S[i * L + i], 0.0);
        for (size_t j = i + 1; j < L; j++) {
            CU_ASSERT_EQUAL(S[i * L + j], S[j * L + i]);
            if (S[i * L + j] > best) second = best, best = S[i * L + j], bi = i, bj = j;
            else if (S[i * L + j] > second) second = S[i * L + j];
        }
    }
    CU_ASSERT_EQUAL(bi, 2);
    CU_ASSERT_EQUAL(bj, 7);
    CU_ASSERT(best > 1.5 * second); /* raw norms: the background of ~400 noisy entries is large */
    free(x); free(S);
}

static void test_plm_threads(void)
{
#ifdef _OPENMP
    const size_t N = 200, L = 30;
    uint8_t *x = planted(N, L);
    double *w = xmalloc(N * sizeof *w);
    for (size_t n = 0; n < N; n++) w[n] = 0.3 + unif();
    double *S1 = xmalloc(L * L * sizeof *S1), *S2 = xmalloc(L * L * sizeof *S2);
    axcon_plm_opts_t o;
    plm_opts(&o);
    o.max_iter = 30;
    axcon_error_t e;
    int nt = omp_get_max_threads();
    omp_set_num_threads(1);
    CU_ASSERT_EQUAL_FATAL(axcon_plm_scores_codes(x, N, L, w, &o, S1, &e), AXCON_OK);
    omp_set_num_threads(2);
    CU_ASSERT_EQUAL_FATAL(axcon_plm_scores_codes(x, N, L, w, &o, S2, &e), AXCON_OK);
    omp_set_num_threads(3);
    double maxd = 0.0;
    for (size_t k = 0; k < L * L; k++)
        if (fabs(S1[k] - S2[k]) > maxd) maxd = fabs(S1[k] - S2[k]);
    CU_ASSERT(maxd <= 1e-6);
    CU_ASSERT_EQUAL_FATAL(axcon_plm_scores_codes(x, N, L, w, &o, S2, &e), AXCON_OK);
    for (size_t k = 0; k < L * L; k++)
        if (fabs(S1[k] - S2[k]) > maxd) maxd = fabs(S1[k] - S2[k]);
    CU_ASSERT(maxd <= 1e-6);
    omp_set_num_threads(nt);
    free(x); free(w); free(S1); free(S2);
#endif
}

static void test_plm_usage(void)
{
    uint8_t x[4] = {0, 1, 2, 3};
    double S[4];
    axcon_plm_opts_t o;
    plm_opts(&o);
    axcon_error_t e;
    o.lambda_j = -1.0;
    CU_ASSERT_EQUAL(axcon_plm_scores_codes(x, 2, 2, NULL, &o, S, &e), AXCON_EUSAGE);
    o.lambda_j = 0.2;
    CU_ASSERT_EQUAL(axcon_plm_scores_codes(x, 2, 2, NULL, &o, S, &e), AXCON_OK);
    CU_ASSERT_EQUAL(S[0], 0.0);
    CU_ASSERT_EQUAL(S[1], S[2]);
}

/* A real family (Pfam PF00327, N = 539, L = 52): long-range top-L/5 precision of plm + APC
 * against the truth table, as CCMpred gets 0.9 there. */
typedef struct { double s; int i, j, c; } ranked_t;
static int by_score(const void *a, const void *b)
{
    const ranked_t *x = a, *y = b;
    if (x->s != y->s) return x->s < y->s ? 1 : -1;
    if (x->i != y->i) return x->i - y->i;
    return x->j - y->j;
}

static void test_plm_real_family(void)
{
    const char *bench = axt_bench("plm real family");
    if (!bench) return;
    char path[4096];
    snprintf(path, sizeof path, "%s/msa/PF00327_1BXY_A.fasta", bench);
    axcon_msa_opts_t mo;
    axcon_msa_opts_init(&mo);
    axcon_msa_t *msa = NULL;
    axcon_error_t e;
    CU_ASSERT_EQUAL_FATAL(axcon_msa_read(path, &mo, &msa, &e), AXCON_OK);
    size_t N = axcon_msa_nseq(msa), L = axcon_msa_ncol(msa), QL = axcon_msa_query_len(msa);
    double *w = xmalloc(N * sizeof *w), neff, *S = xmalloc(L * L * sizeof *S), *M = xmalloc(QL * QL * sizeof *M);
    CU_ASSERT_EQUAL_FATAL(axcon_weights_identity(msa, 0.8, w, &neff, &e), AXCON_OK);
    axcon_prep_t *prep = NULL;
    CU_ASSERT_EQUAL_FATAL(axcon_prep_new(msa, 0.8, &prep, &e), AXCON_OK);
    CU_ASSERT_DOUBLE_EQUAL(axcon_prep_neff(prep), neff, 1e-9);
    axcon_plm_opts_t o;
    plm_opts(&o);
    CU_ASSERT_EQUAL_FATAL(axcon_plm_scores(prep, &o, S, &e), AXCON_OK);
    axcon_prep_free(prep);
    axcon_apc(S, L);
    for (size_t a = 0; a < L; a++)
        for (size_t b = 0; b < L; b++)
            M[(size_t)(axcon_msa_col_pos(msa, a) - 1) * QL + (size_t)(axcon_msa_col_pos(msa, b) - 1)] = S[a * L + b];
    snprintf(path, sizeof path, "%s/truth/PF00327_1BXY_A.true.tsv", bench);
    FILE *fp = fopen(path, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
    ranked_t *r = xmalloc(QL * QL * sizeof *r);
    char *obs = xmalloc(QL + 2);
    size_t nr = 0, nobs = 0;
    int i, j;
    double dist;
    char line[256];
    while (fgets(line, sizeof line, fp))
        if (sscanf(line, "%d %d %lf", &i, &j, &dist) == 3 && i >= 1 && j <= (int)QL && i < j) {
            if (!obs[i]) obs[i] = 1, nobs++;
            if (!obs[j]) obs[j] = 1, nobs++;
            if (j - i >= 24) r[nr++] = (ranked_t){M[(size_t)(i - 1) * QL + (size_t)(j - 1)], i, j, dist < 8.0};
        }
    fclose(fp);
    qsort(r, nr, sizeof *r, by_score);
    size_t top = nobs / 5 ? nobs / 5 : 1, hits = 0;
    for (size_t k = 0; k < top && k < nr; k++) hits += (size_t)r[k].c;
    CU_ASSERT(nobs == 52);
    CU_ASSERT((double)hits / (double)top >= 0.7); /* CCMpred: 0.900 */
    free(w);
    free(S);
    free(M);
    free(r);
    free(obs);
    axcon_msa_free(msa);
}

static void register_suites(void)
{
    axt_suite("pll", (axt_case_t[]){{"full-layout objective and gradients vs reference", test_gradient_full},
                                    {"symmetric layout vs full, prior gradient content, threads", test_sym_vs_full},
                                    {"duplicate collapsing", test_duplicates},
                                    {"data errors and frequencies", test_data_errors},
                                    {"row tree: Hamming bound, spanning tree, change lists", test_tree_build},
                                    {"row tree walk equals the row sums", test_tree_walk},
                                    {0}});
    axt_suite("lbfgs", (axt_case_t[]){{"quadratic", test_lbfgs_quadratic}, {"rosenbrock", test_lbfgs_rosenbrock}, {0}});
    axt_suite("plm", (axt_case_t[]){{"planted pair scores highest", test_plm_planted},
                                    {"thread-count invariance", test_plm_threads},
                                    {"usage errors, tiny input", test_plm_usage},
                                    {"real family PF00327 precision", test_plm_real_family},
                                    {0}});
}

int main(int argc, char **argv) { return axt_main(argc, argv, register_suites); }
