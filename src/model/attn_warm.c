/* attn_warm.c - owns the warm start of the factored-attention model (ax_attn_init_params,
 * attn_impl.h): the contact seed (the caller's APC-corrected mean-field scores, or
 * pseudocounted log-odds), the value patterns from the leading eigenvectors of the best
 * pairs' log-odds blocks, the per-head logit bias or its low-rank Q/K form, the fields of the
 * independent-site model, the random start, and the small deterministic eigen-solvers they use. */
#include "axcon/attn.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "axcon/mf.h"
#include "axcon/pll.h"
#include "core/util.h"
#include "model/attn_impl.h"

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

/* ---------------------------------------------------------------- warm start */

/* The gauged log-odds block of one pair from its weighted pair counts c (q x q): written as
 * floats into o (q x q, gap row and column 0); returns its Frobenius norm. */
static double logodds_block(const double *c, double pc, double wsum, const double *lf_i, const double *lf_j, float *o)
{
    double blk[400], rs[20], cs[20], tot = 0;
    for (size_t a = 0; a < 20; a++) rs[a] = cs[a] = 0;
    for (size_t a = 0; a < 20; a++)
        for (size_t b = 0; b < 20; b++) {
            double fij = (1 - pc) * c[a * Q21 + b] / wsum + pc / (double)QQ;
            double v = log(fij) - lf_i[a] - lf_j[b];
            blk[a * 20 + b] = v;
            rs[a] += v;
            cs[b] += v;
            tot += v;
        }
    double fro = 0;
    memset(o, 0, QQ * sizeof(float));
    for (size_t a = 0; a < 20; a++)
        for (size_t b = 0; b < 20; b++) {
            double v = blk[a * 20 + b] - rs[a] / 20 - cs[b] / 20 + tot / 400;
            fro += v * v;
            o[a * Q21 + b] = (float)v;
        }
    return sqrt(fro);
}

/* The projections of a block on the npat patterns pv (400 x npat). */
static void project_block(const float *c, const double *pv, size_t npat, double *out)
{
    for (size_t k = 0; k < npat; k++) {
        double acc = 0;
        for (size_t a = 0; a < 20; a++)
            for (size_t b = 0; b < 20; b++) acc += (double)c[a * Q21 + b] * pv[(a * 20 + b) * npat + k];
        out[k] = acc;
    }
}

/* Log of the pseudocounted single-site frequencies (L x q), or NULL (ENOMEM). */
static double *log_freq1(const axcon_pll_data_t *d, double pc, axcon_error_t *err)
{
    const size_t L = axcon_pll_ncol(d);
    double *f1 = ax_alloc(L * Q21, sizeof(double), 0, "attn: frequencies", err);
    if (!f1) return NULL;
    axcon_pll_freq1(d, pc, f1);
    for (size_t t = 0; t < L * Q21; t++) f1[t] = log(f1[t]);
    return f1;
}

/* The log-odds block of the single pair i < j (o: q x q floats). */
static void logodds_pair(const axcon_pll_data_t *d, double pc, const double *lf, size_t i, size_t j, float *o)
{
    const size_t L = axcon_pll_ncol(d), N = axcon_pll_nrows(d);
    const uint8_t *X = axcon_pll_codes(d);
    const double *w = axcon_pll_weights(d);
    double c[QQ] = {0};
    for (size_t n = 0; n < N; n++) c[(size_t)X[n * L + i] * Q21 + X[n * L + j]] += w[n];
    logodds_block(c, pc, axcon_pll_wsum(d), lf + i * Q21, lf + j * Q21, o);
}

/* Pseudocounted log-odds blocks LO_ij(a,b) = log f'_ij(a,b) - log f'_i(a) - log f'_j(b) over the
 * 20 amino acids, zero-sum gauged, for every pair i<j: written as float q x q blocks (gap row
 * and column 0) into out (symmetric layout) when out is given; S (L x L, may be NULL) receives
 * their Frobenius norms; proj (P x npat, may be NULL) their projections on the patterns pv
 * (from the same float blocks, so a stored and a streamed warm start agree). */
static int logodds_blocks(const axcon_pll_data_t *d, double pc, float *out, double *S, const double *pv, size_t npat,
                          double *proj, axcon_error_t *err)
{
    const size_t L = axcon_pll_ncol(d), N = axcon_pll_nrows(d);
    const uint8_t *X = axcon_pll_codes(d);
    const double *w = axcon_pll_weights(d);
    const double wsum = axcon_pll_wsum(d);
    double *f1 = log_freq1(d, pc, err);
    if (!f1) return AXCON_ENOMEM;
    int nthr = ax_max_threads();
    double *buf = ax_alloc((size_t)nthr * L * QQ, sizeof(double), 0, "attn: pair counts", err);
    if (!buf) {
        free(f1);
        return AXCON_ENOMEM;
    }
    if (S) memset(S, 0, L * L * sizeof(double));
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
            float tmp[QQ], *o = out ? out + ax_attn_pair(i, j, L) * QQ : tmp;
            double fro = logodds_block(cnt + (j - i - 1) * QQ, pc, wsum, f1 + i * Q21, f1 + j * Q21, o);
            if (S) S[i * L + j] = S[j * L + i] = fro;
            if (proj) project_block(o, pv, npat, proj + ax_attn_pair(i, j, L) * npat);
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

/* Warm start. The seed is the APC-corrected mean-field DCA map (the caller's m->seed, or
 * computed from the training data; with seed_mf = 0 the Frobenius norms of pseudocounted
 * log-odds blocks), z-scored: Z. Values: the leading eigenvectors v_k of the second moment of the gauged
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
     * in a temporary buffer without the residual; the streamed model holds none (the best
     * pairs' blocks are recomputed, the projections computed in a second pass) */
    if (m->stream) {
        if (!m->seed && !m->seed_mf && (rc = logodds_blocks(m->data, 0.5, NULL, S0, NULL, 0, NULL, err)) != AXCON_OK)
            goto done;
    } else {
        if (m->use_r) blocks = m->R;
        else if (!(blocks = own_blocks = ax_alloc(axcon_pll_nsym(L), sizeof(float), 0, "attn: log-odds blocks", err))) {
            rc = AXCON_ENOMEM;
            goto done;
        }
        if ((rc = logodds_blocks(m->data, 0.5, blocks, S0, NULL, 0, NULL, err)) != AXCON_OK) goto done;
    }
    if (m->seed) { /* the caller's APC-corrected mean-field scores (the blocks still give the patterns) */
        memcpy(S0, m->seed, L * L * sizeof(double));
        for (size_t i = 0; i < L; i++) S0[i * L + i] = 0.0;
    } else {
        if (m->seed_mf) { /* mean-field DCA scores of the training data as the contact seed */
            const axcon_pll_data_t *dd = m->data;
            if ((rc = axcon_mf_scores_codes(axcon_pll_codes(dd), axcon_pll_nrows(dd), L, axcon_pll_weights(dd),
                                            AXCON_MF_DEFAULT_PSEUDOCOUNT, AXCON_MF_AUTO, S0, err)) != AXCON_OK)
                goto done;
        }
        ax_apc(S0, L);
    }
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
            size_t p = ax_attn_pair(i, j, L);
            zp[p].z = (S0[i * L + j] - mean) / sd;
            zp[p].p = p;
            S0[i * L + j] = S0[j * L + i] = clampd(zp[p].z, -3.0, 6.0);
        }
    for (size_t i = 0; i < L; i++) S0[i * L + i] = 0;
    qsort(zp, P, sizeof(zpair_t), cmp_zpair);
    size_t ntop = 2 * L < P ? 2 * L : P;
    if (m->stream && m->nres_max > 0) { /* the sparse residual: the seed's best pairs */
        size_t nres = m->nres_max < P ? m->nres_max : P;
        size_t *rp = ax_alloc(nres, sizeof *rp, 0, "attn: residual pairs", err);
        if (!rp) {
            rc = AXCON_ENOMEM;
            goto done;
        }
        for (size_t t = 0; t < nres; t++) rp[t] = zp[t].p;
        rc = ax_attn_set_residual(m, rp, nres, err);
        free(rp);
        if (rc != AXCON_OK) goto done;
    }
    double *lf = m->stream ? log_freq1(m->data, 0.5, err) : NULL;
    if (m->stream && !lf) {
        rc = AXCON_ENOMEM;
        goto done;
    }
    /* second moment of the best blocks (20 x 20 part) */
    for (size_t t = 0; t < ntop; t++) {
        float one[QQ];
        const float *c = one;
        if (m->stream) {
            size_t pi = 0;
            while (pi + 2 < L && ax_attn_pair(pi + 1, pi + 2, L) <= zp[t].p) pi++;
            logodds_pair(m->data, 0.5, lf, pi, pi + 1 + (zp[t].p - ax_attn_pair(pi, pi + 1, L)), one);
        } else
            c = blocks + zp[t].p * QQ;
        double v[400];
        for (size_t a = 0; a < 20; a++)
            for (size_t b = 0; b < 20; b++) v[a * 20 + b] = c[a * Q21 + b];
#pragma omp parallel for schedule(static)
        for (long r = 0; r < 400; r++)
            for (size_t c2 = 0; c2 < 400; c2++) M2[(size_t)r * 400 + c2] += v[r] * v[c2];
    }
    free(lf);
    if ((rc = ax_sym_topk(M2, 400, npat, 20, seed + 7, pv, pval, err)) != AXCON_OK) goto done;
    /* projections of every pair's block on every pattern, and their RMS */
    if (m->stream) {
        if ((rc = logodds_blocks(m->data, 0.5, NULL, NULL, pv, npat, proj, err)) != AXCON_OK) goto done;
    } else {
#pragma omp parallel for schedule(static)
        for (long pl = 0; pl < (long)P; pl++)
            project_block(blocks + (size_t)pl * QQ, pv, npat, proj + (size_t)pl * npat);
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
                double pz = clampd(sg * proj[ax_attn_pair(i, j, L) * npat + k], -3.0, 6.0);
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

