/* pll.c - owns the pseudo-likelihood kernel of axcon/pll.h: the collapsed training data and the
 * evaluation of f = -sum_n w_n sum_i log P(x_ni | x_n,-i) with its gradients, on the full
 * (untied) and on the symmetric (tied, upper-triangle) coupling layouts.
 *
 * Organisation. Conditional i only reads h_i and the couplings between i and the other
 * positions, and the untied gradient of those couplings only depends on conditional i. For
 * each i (OpenMP, one owner per i) a thread expands the couplings into a private block
 * E[j][b][0..23] (the logit contribution of "position j holds state b", 21 states padded to 24
 * floats, zero block at j = i), so the logits of one sequence are L gathers of 24 contiguous
 * floats (3 vectors of 8) at precomputed offsets (j*21 + x_nj)*24. A vectorised expf gives the
 * softmax; the objective and the field gradient are accumulated in double per position in
 * sequence order, and the residual r = w_n (p - e_x) is scattered into a private gradient
 * block T[j][b][.], summed over sequences in order. When the rows are related enough (the
 * data object decides once, from the length of its row tree, pll_tree.h), the same E and T are
 * reached by walking the tree instead: logits updated along its edges from the columns that
 * change, the residuals scattered through subtree sums (tree_row_body). T is then written out:
 *  - full layout: row block i of gW;
 *  - symmetric layout: block (i, j) of gJc (i < j) is the sum of conditional i's T[j]
 *    (transposed) and conditional j's T[i]. Whichever of the two rows comes first writes its
 *    part, the second adds its own (a per-pair flag says which, pair_claim); a sum of two floats
 *    does not depend on their order, so no work vector is needed and the result is the same
 *    for every schedule.
 * A caller whose couplings are a sum (-m attn: Ws + R) never materialises the sum: the
 * symmetric expansion can add two coupling vectors block by block (ax_pll_eval_sym_sum), or
 * an optional row hook (pll_internal.h) adds couplings computed on the fly to each row; an
 * optional gradient hook receives each T instead of a coupling gradient vector, so a caller
 * whose couplings are a function of fewer parameters (-m attn's sparse residual) never holds
 * an L^2 q^2 gradient either.
 * Every output element has one owner and a fixed summation order: results are bitwise
 * identical for every thread count and schedule. */
#include "axcon/pll.h"
#include "axcon/log.h"

#include <limits.h>
#include <math.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "core/rows.h"
#include "core/util.h"
#include "model/pll_internal.h"
#include "model/pll_tree.h"

/* The vector helpers below are always inlined into per-ISA functions: their by-value vector
 * ABI is never used across a call boundary. */
#pragma GCC diagnostic ignored "-Wpsabi"

#define Q AXCON_PLL_Q
#define QP 24             /* padded state stride of the scratch blocks */
#define BLK (Q * QP)      /* floats per neighbour block in scratch: 504 */
#define QQ (Q * Q)        /* floats per coupling block in the public layouts: 441 */

struct axcon_pll_data {
    size_t n, L;
    uint8_t *codes;  /* n x L */
    double *w;       /* n */
    uint32_t *off;   /* n x L: (j*Q + x_nj) * QP */
    double wsum;
    /* the row tree (pll_tree.h) and whether the kernel walks it (use_tree) or sums every row */
    ax_pll_tree_t *tree;
    float *tw;       /* n: the rows' weights in the tree's node order, as the kernel uses them */
    int use_tree;
    /* evaluation workspace, kept between calls (evaluations on one data object must not run
     * concurrently): per-thread scratch, per-position objective and field gradient */
    float *scratch;
    size_t scratch_n;
    double *fi, *ghd;
    /* tree walk: per thread, the logits of every node (n x QP floats) and its subtree sums of
     * the residuals (n x QP doubles) */
    float *tz;
    double *tu;
    size_t tz_n;
    /* symmetric gradient: per pair, who has written its block (PAIR_FREE, PAIR_BUSY, PAIR_DONE) */
    uint8_t *pstate;
    size_t pstate_n;
};

/* ------------------------------------------------------------------------------------------ */
/* data */

static void *aligned_floats(size_t n, const char *what, axcon_error_t *err)
{
    size_t bytes;
    if (ax_mul_ok(n ? n : 1, sizeof(float), &bytes) != 0 || bytes > SIZE_MAX - 64) {
        axcon_error_set(err, AXCON_ENOMEM, "%s: size overflow (%zu floats)", what, n);
        return NULL;
    }
    void *p = NULL;
    if (posix_memalign(&p, 64, bytes) != 0 || !p) {
        axcon_error_set(err, AXCON_ENOMEM, "%s: cannot allocate %.1f MiB", what, (double)bytes / 1048576.0);
        return NULL;
    }
    return p;
}

/* An empty data object for nrows distinct rows of ncol columns (codes and weights to fill). */
static axcon_pll_data_t *data_alloc(size_t ncol, size_t nrows, axcon_error_t *err)
{
    axcon_pll_data_t *d = ax_alloc(1, sizeof *d, 1, "pll data", err);
    if (!d) return NULL;
    d->L = ncol;
    d->n = nrows;
    if (!(d->codes = ax_alloc(nrows * ncol, 1, 0, "pll codes", err)) ||
        !(d->w = ax_alloc(nrows, sizeof *d->w, 1, "pll weights", err)) ||
        !(d->off = ax_alloc(nrows * ncol, sizeof *d->off, 0, "pll offsets", err))) {
        axcon_pll_data_free(d);
        return NULL;
    }
    return d;
}

/* Whether walking the tree is cheaper than summing every row: a change costs two gathers and
 * up to two group entries where a row's column costs a gather and a scatter, and a node adds
 * a fixed overhead (its logits stored, its subtree sum carried) of about TREE_NODE_COST
 * columns. */
#define TREE_NODE_COST 8.0
static int tree_pays(const ax_pll_tree_t *t, size_t L)
{
    double walk = 2.0 * (double)t->nchg + (double)L + TREE_NODE_COST * (double)t->n;
    return walk < 0.8 * (double)t->n * (double)L;
}

/* The row tree of d's rows, its sink one block past the L blocks of the kernel's scratch. */
static int build_tree(axcon_pll_data_t *d, axcon_error_t *err)
{
    int st = ax_pll_tree_build(d->codes, d->off, d->n, d->L, (uint32_t)(d->L * BLK), &d->tree, err);
    if (st != AXCON_OK) return st;
    free(d->tw);
    if (!(d->tw = ax_alloc(d->n, sizeof *d->tw, 0, "row tree weights", err))) return AXCON_ENOMEM;
    for (size_t k = 0; k < d->n; k++) d->tw[k] = (float)d->w[d->tree->row[k]];
    return AXCON_OK;
}

/* The weight sum and the gather offsets of the filled rows, then the row tree and the choice
 * of kernel. ENOMEM only. */
static int pll_index_rows(axcon_pll_data_t *d, axcon_error_t *err)
{
    const size_t L = d->L;
    d->wsum = 0.0;
    for (size_t n = 0; n < d->n; n++) d->wsum += d->w[n];
    for (size_t n = 0; n < d->n; n++)
        for (size_t j = 0; j < L; j++) d->off[n * L + j] = (uint32_t)((j * Q + d->codes[n * L + j]) * QP);
    if (d->n < 2) return AXCON_OK;
    double t0 = axcon_realtime();
    int st = build_tree(d, err);
    if (st != AXCON_OK) return st;
    d->use_tree = tree_pays(d->tree, L);
    axcon_info("%zu distinct rows: spanning tree of mean edge %.3f L in %.2f s; %s", d->n,
               (double)d->tree->nchg / ((double)(d->n - 1) * (double)L), axcon_realtime() - t0,
               d->use_tree ? "the kernel walks the tree" : "the kernel sums every row");
    if (!d->use_tree) { /* the tree and its node-order weights */
        ax_pll_tree_free(d->tree);
        d->tree = NULL;
        free(d->tw);
        d->tw = NULL;
    }
    return AXCON_OK;
}

int ax_pll_set_tree(axcon_pll_data_t *d, int mode, axcon_error_t *err)
{
    if (mode == AX_PLL_TREE_OFF) {
        d->use_tree = 0;
        return AXCON_OK;
    }
    if (!d->tree && d->n >= 2) {
        int st = build_tree(d, err);
        if (st != AXCON_OK) return st;
    }
    d->use_tree = d->tree && (mode == AX_PLL_TREE_ON || tree_pays(d->tree, d->L));
    return AXCON_OK;
}

int ax_pll_uses_tree(const axcon_pll_data_t *d) { return d->use_tree; }

static int check_shape(size_t nseq, size_t ncol, size_t *cells, axcon_error_t *err)
{
    if (ncol < 2) return axcon_error_set(err, AXCON_EINPUT, "pseudo-likelihood needs at least 2 columns (got %zu)", ncol);
    if (nseq == 0) return axcon_error_set(err, AXCON_EINPUT, "pseudo-likelihood needs at least one sequence");
    if (ax_mul_ok(nseq, ncol, cells) != 0 || ncol + 1 > (size_t)UINT32_MAX / BLK)
        return axcon_error_set(err, AXCON_ERESOURCE, "alignment too large (%zu x %zu)", nseq, ncol);
    return AXCON_OK;
}

static int check_weights(const double *w, size_t n, const char *what, axcon_error_t *err)
{
    if (w)
        for (size_t k = 0; k < n; k++)
            if (!(w[k] >= 0.0) || !isfinite(w[k]))
                return axcon_error_set(err, AXCON_EINPUT, "%s %zu: invalid weight %g", what, k + 1, w[k]);
    return AXCON_OK;
}

int axcon_pll_data_new(const uint8_t *codes, size_t nseq, size_t ncol, const double *w, axcon_pll_data_t **out,
                       axcon_error_t *err)
{
    axcon_pll_data_t *d = NULL;
    size_t *gid = NULL, *first = NULL, nkeep = 0, cells;
    int st;
    *out = NULL;
    if ((st = check_shape(nseq, ncol, &cells, err)) != AXCON_OK) return st;
    for (size_t k = 0; k < cells; k++)
        if (codes[k] >= Q)
            return axcon_error_set(err, AXCON_EINPUT, "sequence %zu, column %zu: state code %d out of range 0..20",
                                   k / ncol + 1, k % ncol + 1, codes[k]);
    if ((st = check_weights(w, nseq, "sequence", err)) != AXCON_OK) return st;
    if (!(gid = ax_alloc(nseq, sizeof *gid, 0, "pll row groups", err)) ||
        !(first = ax_alloc(nseq, sizeof *first, 0, "pll first rows", err))) {
        st = AXCON_ENOMEM;
        goto done;
    }
    if ((st = ax_row_groups(codes, nseq, ncol, w, gid, first, &nkeep, err)) != AXCON_OK) goto done;
    if (nkeep == 0) {
        st = axcon_error_set(err, AXCON_EINPUT, "no sequence with a positive weight");
        goto done;
    }
    if (!(d = data_alloc(ncol, nkeep, err))) {
        st = AXCON_ENOMEM;
        goto done;
    }
    for (size_t u = 0; u < nkeep; u++) memcpy(d->codes + u * ncol, codes + first[u] * ncol, ncol);
    for (size_t n = 0; n < nseq; n++)
        if (gid[n] != SIZE_MAX) d->w[gid[n]] += w ? w[n] : 1.0;
    if ((st = pll_index_rows(d, err)) != AXCON_OK) {
        axcon_pll_data_free(d);
        goto done;
    }
    *out = d;
done:
    free(gid);
    free(first);
    return st;
}

int axcon_pll_data_from_prep(const axcon_prep_t *p, const double *wrow, axcon_pll_data_t **out, axcon_error_t *err)
{
    *out = NULL;
    if (!p) return axcon_error_set(err, AXCON_EUSAGE, "pll data: no prepared alignment");
    const size_t nu = axcon_prep_ndistinct(p), L = axcon_prep_ncol(p);
    const uint8_t *rows = axcon_prep_rows(p);
    size_t cells, nkeep = 0;
    int st;
    if (!wrow) wrow = axcon_prep_row_weights(p);
    if ((st = check_shape(nu, L, &cells, err)) != AXCON_OK) return st;
    if ((st = check_weights(wrow, nu, "distinct row", err)) != AXCON_OK) return st;
    for (size_t u = 0; u < nu; u++) nkeep += wrow[u] > 0.0;
    if (nkeep == 0) return axcon_error_set(err, AXCON_EINPUT, "no sequence with a positive weight");
    axcon_pll_data_t *d = data_alloc(L, nkeep, err);
    if (!d) return AXCON_ENOMEM;
    for (size_t u = 0, k = 0; u < nu; u++) /* the rows are distinct already */
        if (wrow[u] > 0.0) {
            memcpy(d->codes + k * L, rows + u * L, L);
            d->w[k++] = wrow[u];
        }
    int st2 = pll_index_rows(d, err);
    if (st2 != AXCON_OK) {
        axcon_pll_data_free(d);
        return st2;
    }
    *out = d;
    return AXCON_OK;
}

double ax_pll_data_bytes(size_t L, size_t N, size_t ndistinct, int threads)
{
    double Lf = (double)L, nu = (double)ndistinct, th = threads < 1 ? 1 : threads;
    /* the tree, when it is walked: fewer than 0.4 L changes per edge (tree_pays), each with 2
     * offsets and up to 2 group entries, the nodes' states by column (L bytes each), the group
     * starts, 20 bytes per node, and per thread
     * n x 24 floats and doubles */
    double tree = 7.4 * nu * Lf + 4.0 * Lf + 8.0 * 21.0 * Lf + 20.0 * nu + th * 288.0 * nu;
    double pairs = Lf * (Lf - 1.0) / 2.0; /* the symmetric write-out's pair states */
    return nu * Lf * 5.0 + 8.0 * nu + 16.0 * (double)N + 16.0 * Lf * 21.0 + th * 2.0 * Lf * 21.0 * 24.0 * 4.0 + tree +
           pairs;
}

void axcon_pll_data_free(axcon_pll_data_t *d)
{
    if (!d) return;
    free(d->codes);
    free(d->w);
    free(d->off);
    free(d->scratch);
    free(d->fi);
    free(d->ghd);
    free(d->tz);
    free(d->tu);
    free(d->pstate);
    free(d->tw);
    ax_pll_tree_free(d->tree);
    free(d);
}

size_t axcon_pll_nrows(const axcon_pll_data_t *d) { return d->n; }
size_t axcon_pll_ncol(const axcon_pll_data_t *d) { return d->L; }
const uint8_t *axcon_pll_codes(const axcon_pll_data_t *d) { return d->codes; }
const double *axcon_pll_weights(const axcon_pll_data_t *d) { return d->w; }
double axcon_pll_wsum(const axcon_pll_data_t *d) { return d->wsum; }

void axcon_pll_freq1(const axcon_pll_data_t *d, double pc, double *f1)
{
    size_t L = d->L;
    memset(f1, 0, L * Q * sizeof *f1);
    for (size_t n = 0; n < d->n; n++)
        for (size_t i = 0; i < L; i++) f1[i * Q + d->codes[n * L + i]] += d->w[n];
    for (size_t k = 0; k < L * Q; k++) f1[k] = (1.0 - pc) * f1[k] / d->wsum + pc / Q;
}

size_t axcon_pll_nfull(size_t L)
{
    size_t a, b;
    if (ax_mul_ok(L, L, &a) || ax_mul_ok(a, QQ, &b)) return 0;
    return b;
}

size_t axcon_pll_nsym(size_t L)
{
    size_t a, b;
    if (L < 2) return 0;
    if (ax_mul_ok(L, L - 1, &a) || ax_mul_ok(a / 2, QQ, &b)) return 0;
    return b;
}

size_t axcon_pll_sym_offset(size_t i, size_t j, size_t L)
{
    return (i * L - i * (i + 1) / 2 + (j - i - 1)) * QQ;
}

/* ------------------------------------------------------------------------------------------ */
/* vector helpers (GCC vector extensions; lowered to AVX2 or SSE2 by the including wrapper) */

typedef float v8f __attribute__((vector_size(32)));
typedef int v8i __attribute__((vector_size(32)));
typedef double v4d __attribute__((vector_size(32)));

#define AI static inline __attribute__((always_inline))
#define VLD(p) (*(const v8f *)(const void *)(p))
#define VST(p, v) (*(v8f *)(void *)(p) = (v))
/* unaligned variants (the public layouts are not padded) */
typedef float v8fu __attribute__((vector_size(32), aligned(4)));
#define VLDU(p) ((v8f)(*(const v8fu *)(const void *)(p)))
#define VSTU(p, v) (*(v8fu *)(void *)(p) = (v8fu)(v))

AI v8f vsplat(float x) { return (v8f){x, x, x, x, x, x, x, x}; }

/* lane-wise max (a macro: GCC notes an ABI change for 32-byte vector arguments) */
#define vmax(a, b)                                                                                          \
    __extension__({                                                                                         \
        v8f va_ = (a), vb_ = (b);                                                                           \
        v8i m_ = (v8i)(va_ > vb_);                                                                          \
        (v8f)(((v8i)va_ & m_) | ((v8i)vb_ & ~m_));                                                          \
    })

/* expf on 8 lanes: x clamped to [-87.3, 88.3], 2^k * p(r) with a degree-6 polynomial
 * (Cephes coefficients), relative error ~2e-7. */
AI v8f vexp_p(const v8f *xp)
{
    v8f x = *xp;
    const v8f lo = vsplat(-87.3f), hi = vsplat(88.3f);
    x = vmax(x, lo);
    x = -vmax(-x, -hi);
    v8f t = x * vsplat(1.44269504088896341f) + vsplat(12582912.0f);
    v8f kf = t - vsplat(12582912.0f);
    v8f r = x - kf * vsplat(0.693359375f);
    r = r - kf * vsplat(-2.12194440e-4f);
    v8f p = vsplat(1.9875691500e-4f);
    p = p * r + vsplat(1.3981999507e-3f);
    p = p * r + vsplat(8.3334519073e-3f);
    p = p * r + vsplat(4.1665795894e-2f);
    p = p * r + vsplat(1.6666665459e-1f);
    p = p * r + vsplat(5.0000001201e-1f);
    p = p * r * r + r + vsplat(1.0f);
    v8i k = __builtin_convertvector(kf, v8i);
    v8i sc = (k + 127) << 23;
    return p * (v8f)sc;
}

AI float hsum8_p(const v8f *v)
{
    float s = 0.0f;
    for (int k = 0; k < 8; k++) s += (*v)[k];
    return s;
}

AI float hmax8_p(const v8f *v)
{
    float m = (*v)[0];
    for (int k = 1; k < 8; k++) m = (*v)[k] > m ? (*v)[k] : m;
    return m;
}

/* by-value wrappers as macros (GCC notes an ABI change for 32-byte vector arguments) */
#define vexp(x) __extension__({ v8f ex_ = (x); vexp_p(&ex_); })
#define hsum8(x) __extension__({ v8f hs_ = (x); hsum8_p(&hs_); })
#define hmax8(x) __extension__({ v8f hm_ = (x); hmax8_p(&hm_); })

/* Sum of the L gathered rows E + off[j] (24 floats each), two interleaved accumulators. */
AI void gather_sum(const float *E, const uint32_t *off, size_t L, v8f *z0, v8f *z1, v8f *z2)
{
    v8f a0 = vsplat(0), a1 = vsplat(0), a2 = vsplat(0), b0 = vsplat(0), b1 = vsplat(0), b2 = vsplat(0);
    size_t j = 0;
    for (; j + 2 <= L; j += 2) {
        const float *p = E + off[j], *q = E + off[j + 1];
        a0 += VLD(p);
        a1 += VLD(p + 8);
        a2 += VLD(p + 16);
        b0 += VLD(q);
        b1 += VLD(q + 8);
        b2 += VLD(q + 16);
    }
    if (j < L) {
        const float *p = E + off[j];
        a0 += VLD(p);
        a1 += VLD(p + 8);
        a2 += VLD(p + 16);
    }
    *z0 = a0 + b0;
    *z1 = a1 + b1;
    *z2 = a2 + b2;
}

/* Softmax of one conditional. hp: the 24 padded fields (lanes 21..23 = -1e30). On return
 * r0..r2 = w (p - e_x) (padding lanes 0); returns w * (log sum exp(z) - z_x). */
AI double softmax_resid(const float *hp, int x, float wn, v8f *r0, v8f *r1, v8f *r2)
{
    v8f z0 = *r0 + VLD(hp), z1 = *r1 + VLD(hp + 8), z2 = *r2 + VLD(hp + 16);
    v8f m01 = vmax(z0, z1);
    float m = hmax8(vmax(m01, z2));
    v8f mv = vsplat(m);
    v8f e0 = vexp(z0 - mv), e1 = vexp(z1 - mv), e2 = vexp(z2 - mv);
    e2 *= (v8f){1, 1, 1, 1, 1, 0, 0, 0};
    float s = hsum8(e0 + e1 + e2);
    float zx = x < 8 ? z0[x] : x < 16 ? z1[x - 8] : z2[x - 16];
    double fl = (double)wn * ((double)m + log((double)s) - (double)zx);
    v8f sc = vsplat(wn / s);
    e0 *= sc;
    e1 *= sc;
    e2 *= sc;
    if (x < 8) e0[x] -= wn;
    else if (x < 16) e1[x - 8] -= wn;
    else e2[x - 16] -= wn;
    *r0 = e0;
    *r1 = e1;
    *r2 = e2;
    return fl;
}

AI void acc_gh(double *g, const v8f *r0, const v8f *r1, const v8f *r2)
{
    for (int k = 0; k < 8; k++) g[k] += (double)(*r0)[k];
    for (int k = 0; k < 8; k++) g[8 + k] += (double)(*r1)[k];
    for (int k = 0; k < 5; k++) g[16 + k] += (double)(*r2)[k];
}

/* Padded fields of position i. */
AI void pad_fields(const float *h, size_t i, float *hp)
{
    for (int a = 0; a < Q; a++) hp[a] = h[i * Q + a];
    for (int a = Q; a < QP; a++) hp[a] = -1e30f;
}

/* ------------------------------------------------------------------------------------------ */
/* per-ISA bodies */

/* Full layout, conditional i over all rows: objective partial, field gradient (double) and the
 * gradient block T (L x BLK, transposed, padded). E is the expanded row block of W. */
AI void full_row_body(const axcon_pll_data_t *d, size_t i, const float *E, const float *hp, float *T, int want_g,
                      double *fi, double *ghi)
{
    const size_t L = d->L;
    double f = 0.0;
    for (size_t n = 0; n < d->n; n++) {
        const uint32_t *off = d->off + n * L;
        v8f r0, r1, r2;
        gather_sum(E, off, L, &r0, &r1, &r2);
        f += softmax_resid(hp, d->codes[n * L + i], (float)d->w[n], &r0, &r1, &r2);
        if (!want_g) continue;
        acc_gh(ghi, &r0, &r1, &r2);
        for (size_t j = 0; j < L; j++) {
            float *t = T + off[j];
            VST(t, VLD(t) + r0);
            VST(t + 8, VLD(t + 8) + r1);
            VST(t + 16, VLD(t + 16) + r2);
        }
    }
    *fi = f;
}

/* a += *pn - *po over 24 floats (one change of the logit walk) */
AI void add_change(v8f *a0, v8f *a1, v8f *a2, const float *pn, const float *po)
{
    *a0 += VLD(pn) - VLD(po);
    *a1 += VLD(pn + 8) - VLD(po + 8);
    *a2 += VLD(pn + 16) - VLD(po + 16);
}

/* a += *p with its sign flipped where m has the sign bit (one entry of a change group) */
AI void add_signed(v8f *a0, v8f *a1, v8f *a2, const float *p, const v8i *m)
{
    *a0 += (v8f)((v8i)VLD(p) ^ *m);
    *a1 += (v8f)((v8i)VLD(p + 8) ^ *m);
    *a2 += (v8f)((v8i)VLD(p + 16) ^ *m);
}

/* As full_row_body, walking the row tree t (pll_tree.h) instead of summing every row. E is
 * first turned into differences to each column's most frequent state c_j (D[j][b] = E[j][b] -
 * E[j][c_j], zero at c_j, whose offset the change lists send to the zero sink block after the
 * L blocks), so a change to or from c_j reads one block instead of two; a row of the c_j has
 * the logits zc = sum_j E[j][c_j]. Node k's logits are its parent's plus the differences of
 * its change list (summed first, then added, so a logit carries one rounding per tree level);
 * its residual goes into U (double). Then, in reverse preorder, each node's U is complete when
 * it is reached (its subtree follows it) and is added to its parent's. The gradient is then
 * gathered per (column, state) group of the changes: T[j][b] = the sum of U_k over the nodes
 * whose edge changes column j to b, minus that over the nodes whose edge changes it from b,
 * plus U_root where the root has b; last, T[j][c_j] = U_root - the column's other states
 * (every row holds one state per column). E: (L + 1) blocks, T: L blocks; Z: n x QP floats
 * (the logits, then the subtree sums as floats), U: n x QP doubles of scratch. */
AI void tree_row_body(const axcon_pll_data_t *d, size_t i, float *E, const float *hp, float *T, int want_g,
                      double *fi, double *ghi, float *Z, double *U)
{
    const ax_pll_tree_t *t = d->tree;
    const size_t L = d->L, n = t->n;
    const uint32_t *chg = t->chg;
    const uint8_t *cons = t->cons, *xi = t->xcol + i * n;
    const float *tw = d->tw;
    double f = 0.0;
    v8f zc0 = vsplat(0), zc1 = vsplat(0), zc2 = vsplat(0);
    for (size_t j = 0; j < L; j++) {
        float *e = E + j * BLK;
        const float *ec = e + (size_t)cons[j] * QP;
        const v8f x0 = VLD(ec), x1 = VLD(ec + 8), x2 = VLD(ec + 16);
        zc0 += x0;
        zc1 += x1;
        zc2 += x2;
        for (int b = 0; b < Q; b++) {
            float *eb = e + b * QP;
            VST(eb, VLD(eb) - x0);
            VST(eb + 8, VLD(eb + 8) - x1);
            VST(eb + 16, VLD(eb + 16) - x2);
        }
    }
    memset(E + L * BLK, 0, QP * sizeof *E);
    for (size_t k = 0; k < n; k++) {
        const size_t row = t->row[k];
        v8f r0, r1, r2;
        if (k == 0) {
            gather_sum(E, d->off + row * L, L, &r0, &r1, &r2);
            r0 += zc0;
            r1 += zc1;
            r2 += zc2;
        } else {
            v8f a0 = vsplat(0), a1 = vsplat(0), a2 = vsplat(0), b0 = vsplat(0), b1 = vsplat(0), b2 = vsplat(0);
            size_t c = t->start[k];
            const size_t ce = t->start[k + 1];
            for (; c + 2 <= ce; c += 2) { /* two interleaved sums: one alone waits on its adds */
                add_change(&a0, &a1, &a2, E + chg[2 * c], E + chg[2 * c + 1]);
                add_change(&b0, &b1, &b2, E + chg[2 * c + 2], E + chg[2 * c + 3]);
            }
            if (c < ce) add_change(&a0, &a1, &a2, E + chg[2 * c], E + chg[2 * c + 1]);
            a0 += b0;
            a1 += b1;
            a2 += b2;
            const float *zp = Z + (size_t)t->parent[k] * QP;
            r0 = VLD(zp) + a0;
            r1 = VLD(zp + 8) + a1;
            r2 = VLD(zp + 16) + a2;
        }
        float *zk = Z + k * QP;
        VST(zk, r0);
        VST(zk + 8, r1);
        VST(zk + 16, r2);
        f += softmax_resid(hp, xi[k], tw[k], &r0, &r1, &r2);
        if (!want_g) continue;
        acc_gh(ghi, &r0, &r1, &r2);
        double *u = U + k * QP;
        for (int a = 0; a < 8; a++) u[a] = (double)r0[a];
        for (int a = 0; a < 8; a++) u[8 + a] = (double)r1[a];
        for (int a = 0; a < 8; a++) u[16 + a] = (double)r2[a];
    }
    *fi = f;
    if (!want_g) return;
    /* subtree sums, in double; each complete one is kept as floats in Z (the logits are done) */
    for (size_t k = n - 1; k > 0; k--) {
        const double *u = U + k * QP;
        double *up = U + (size_t)t->parent[k] * QP;
        for (int a = 0; a < QP; a++) up[a] += u[a];
        for (int a = 0; a < QP; a++) Z[k * QP + a] = (float)u[a];
    }
    for (int a = 0; a < QP; a++) Z[a] = (float)U[a];
    const v8f r0 = VLD(Z), r1 = VLD(Z + 8), r2 = VLD(Z + 16);
    /* T[j][b] = the sum of +-U over group (j, b), gathered column by column (two interleaved
     * sums, added last); the most frequent state from the column's total U_root */
    const size_t *gs = t->gstart;
    const uint32_t *ge = t->gent;
    static const v8i sgn[2] = {{0, 0, 0, 0, 0, 0, 0, 0}, /* XOR masks: + for "to b", - for "from b" */
                               {INT_MIN, INT_MIN, INT_MIN, INT_MIN, INT_MIN, INT_MIN, INT_MIN, INT_MIN}};
    for (size_t j = 0; j < L; j++) {
        float *tj = T + j * BLK;
        v8f s0 = r0, s1 = r1, s2 = r2;
        for (int b = 0; b < Q; b++) {
            const size_t g = j * Q + (size_t)b;
            size_t e = gs[g];
            const size_t ee = gs[g + 1];
            if (e == ee) continue;
            v8f a0 = vsplat(0), a1 = vsplat(0), a2 = vsplat(0), b0 = vsplat(0), b1 = vsplat(0), b2 = vsplat(0);
            for (; e + 2 <= ee; e += 2) {
                add_signed(&a0, &a1, &a2, Z + (size_t)(ge[e] >> 1) * QP, &sgn[ge[e] & 1]);
                add_signed(&b0, &b1, &b2, Z + (size_t)(ge[e + 1] >> 1) * QP, &sgn[ge[e + 1] & 1]);
            }
            if (e < ee) add_signed(&a0, &a1, &a2, Z + (size_t)(ge[e] >> 1) * QP, &sgn[ge[e] & 1]);
            a0 += b0;
            a1 += b1;
            a2 += b2;
            float *tb = tj + b * QP;
            VST(tb, a0);
            VST(tb + 8, a1);
            VST(tb + 16, a2);
            s0 -= a0;
            s1 -= a1;
            s2 -= a2;
        }
        float *tc = tj + (size_t)cons[j] * QP;
        VST(tc, s0);
        VST(tc + 8, s1);
        VST(tc + 16, s2);
    }
}

/* 8x8 transpose of r[0..7] in place. */
AI void tr8(v8f *r)
{
    v8f t0 = __builtin_shufflevector(r[0], r[1], 0, 8, 1, 9, 4, 12, 5, 13);
    v8f t1 = __builtin_shufflevector(r[0], r[1], 2, 10, 3, 11, 6, 14, 7, 15);
    v8f t2 = __builtin_shufflevector(r[2], r[3], 0, 8, 1, 9, 4, 12, 5, 13);
    v8f t3 = __builtin_shufflevector(r[2], r[3], 2, 10, 3, 11, 6, 14, 7, 15);
    v8f t4 = __builtin_shufflevector(r[4], r[5], 0, 8, 1, 9, 4, 12, 5, 13);
    v8f t5 = __builtin_shufflevector(r[4], r[5], 2, 10, 3, 11, 6, 14, 7, 15);
    v8f t6 = __builtin_shufflevector(r[6], r[7], 0, 8, 1, 9, 4, 12, 5, 13);
    v8f t7 = __builtin_shufflevector(r[6], r[7], 2, 10, 3, 11, 6, 14, 7, 15);
    v8f u0 = __builtin_shufflevector(t0, t2, 0, 1, 8, 9, 4, 5, 12, 13);
    v8f u1 = __builtin_shufflevector(t0, t2, 2, 3, 10, 11, 6, 7, 14, 15);
    v8f u2 = __builtin_shufflevector(t1, t3, 0, 1, 8, 9, 4, 5, 12, 13);
    v8f u3 = __builtin_shufflevector(t1, t3, 2, 3, 10, 11, 6, 7, 14, 15);
    v8f u4 = __builtin_shufflevector(t4, t6, 0, 1, 8, 9, 4, 5, 12, 13);
    v8f u5 = __builtin_shufflevector(t4, t6, 2, 3, 10, 11, 6, 7, 14, 15);
    v8f u6 = __builtin_shufflevector(t5, t7, 0, 1, 8, 9, 4, 5, 12, 13);
    v8f u7 = __builtin_shufflevector(t5, t7, 2, 3, 10, 11, 6, 7, 14, 15);
    r[0] = __builtin_shufflevector(u0, u4, 0, 1, 2, 3, 8, 9, 10, 11);
    r[1] = __builtin_shufflevector(u1, u5, 0, 1, 2, 3, 8, 9, 10, 11);
    r[2] = __builtin_shufflevector(u2, u6, 0, 1, 2, 3, 8, 9, 10, 11);
    r[3] = __builtin_shufflevector(u3, u7, 0, 1, 2, 3, 8, 9, 10, 11);
    r[4] = __builtin_shufflevector(u0, u4, 4, 5, 6, 7, 12, 13, 14, 15);
    r[5] = __builtin_shufflevector(u1, u5, 4, 5, 6, 7, 12, 13, 14, 15);
    r[6] = __builtin_shufflevector(u2, u6, 4, 5, 6, 7, 12, 13, 14, 15);
    r[7] = __builtin_shufflevector(u3, u7, 4, 5, 6, 7, 12, 13, 14, 15);
}

/* Transpose through a 24x24 zero-padded tile: src has 21 rows of stride ss, dst receives
 * 21 rows of stride ds (the first 21 lanes of each, or all 24 when dst is padded: the
 * padding lanes then get zeros). */
AI void tr21(const float *src, size_t ss, float *dst, size_t ds, int dst_lanes)
{
    float tin[24 * 24] __attribute__((aligned(32)));
    float tout[24 * 24] __attribute__((aligned(32)));
    for (int r = 0; r < Q; r++) {
        memcpy(tin + r * 24, src + r * ss, Q * sizeof(float));
        tin[r * 24 + 21] = tin[r * 24 + 22] = tin[r * 24 + 23] = 0.0f;
    }
    memset(tin + Q * 24, 0, 3 * 24 * sizeof(float));
    for (int A = 0; A < 3; A++)
        for (int B = 0; B < 3; B++) {
            v8f r[8];
            for (int k = 0; k < 8; k++) r[k] = VLD(tin + (A * 8 + k) * 24 + B * 8);
            tr8(r);
            for (int k = 0; k < 8; k++) VST(tout + (B * 8 + k) * 24 + A * 8, r[k]);
        }
    for (int r = 0; r < Q; r++) memcpy(dst + r * ds, tout + r * 24, (size_t)dst_lanes * sizeof(float));
}

#define DEFINE_BODIES(SUF, ATTR)                                                                            \
    static ATTR void full_row_##SUF(const axcon_pll_data_t *d, size_t i, const float *E, const float *hp,  \
                                    float *T, int want_g, double *fi, double *ghi)                          \
    {                                                                                                       \
        full_row_body(d, i, E, hp, T, want_g, fi, ghi);                                                     \
    }                                                                                                       \
    static ATTR void tree_row_##SUF(const axcon_pll_data_t *d, size_t i, float *E, const float *hp,        \
                                    float *T, int want_g, double *fi, double *ghi, float *Z, double *U)     \
    {                                                                                                       \
        tree_row_body(d, i, E, hp, T, want_g, fi, ghi, Z, U);                                               \
    }                                                                                                       \
    static ATTR void tr21_##SUF(const float *src, size_t ss, float *dst, size_t ds, int lanes)              \
    {                                                                                                       \
        tr21(src, ss, dst, ds, lanes);                                                                      \
    }

DEFINE_BODIES(generic, )
#if defined(__x86_64__) && defined(__GNUC__)
DEFINE_BODIES(avx2, __attribute__((target("avx2,fma"))))
#define HAVE_AVX2_PATH 1
#endif

typedef void (*full_row_fn)(const axcon_pll_data_t *, size_t, const float *, const float *, float *, int, double *,
                            double *);
typedef void (*tree_row_fn)(const axcon_pll_data_t *, size_t, float *, const float *, float *, int, double *,
                            double *, float *, double *);
typedef void (*tr21_fn)(const float *, size_t, float *, size_t, int);
static int use_avx2(void)
{
#ifdef HAVE_AVX2_PATH
    static int cached = -1;
    if (cached < 0) {
        const char *env = getenv("AXCON_NO_SIMD");
        __builtin_cpu_init();
        cached = (!env || !*env || env[0] == '0') && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    }
    return cached;
#else
    return 0;
#endif
}

/* ------------------------------------------------------------------------------------------ */
/* expansion of one row block into scratch */

/* E[j][b][a] = W[i][j][b][a] (full layout), block i zero. */
static void expand_full(const float *W, size_t L, size_t i, float *E)
{
    for (size_t j = 0; j < L; j++) {
        float *e = E + j * BLK;
        if (j == i) {
            memset(e, 0, BLK * sizeof *e);
            continue;
        }
        const float *w = W + (i * L + j) * QQ;
        for (int b = 0; b < Q; b++) {
            memcpy(e + b * QP, w + b * Q, Q * sizeof *e);
            e[b * QP + 21] = e[b * QP + 22] = e[b * QP + 23] = 0.0f;
        }
    }
}

/* E[j][b][a] = J_ij(a, b) from the symmetric layout (J = Jc, or Jc + J2 when J2 is not NULL:
 * the same floats as a materialised sum), block i zero. */
static void expand_sym(const float *Jc, const float *J2, size_t L, size_t i, float *E, tr21_fn tr)
{
    for (size_t j = 0; j < L; j++) {
        float *e = E + j * BLK;
        if (j == i) {
            memset(e, 0, BLK * sizeof *e);
            continue;
        }
        if (j < i) { /* block (j, i) holds [state of j][state of i] = [b][a] */
            const size_t off = axcon_pll_sym_offset(j, i, L);
            const float *w = Jc + off;
            if (J2) {
                const float *w2 = J2 + off;
                for (int b = 0; b < Q; b++)
                    for (int a = 0; a < Q; a++) e[b * QP + a] = w[b * Q + a] + w2[b * Q + a];
            } else {
                for (int b = 0; b < Q; b++) memcpy(e + b * QP, w + b * Q, Q * sizeof *e);
            }
            for (int b = 0; b < Q; b++) e[b * QP + 21] = e[b * QP + 22] = e[b * QP + 23] = 0.0f;
        } else { /* block (i, j) holds [a][b]: transpose */
            const size_t off = axcon_pll_sym_offset(i, j, L);
            if (J2) {
                float sum[QQ];
                for (int k = 0; k < QQ; k++) sum[k] = Jc[off + k] + J2[off + k];
                tr(sum, Q, e, QP, QP);
            } else {
                tr(Jc + off, Q, e, QP, QP);
            }
        }
    }
}

static int thread_id(void)
{
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

/* ------------------------------------------------------------------------------------------ */
/* public kernels */

typedef enum { OUT_FULL, OUT_SYM } out_kind_t;

/* The shared driver: for every position i, expand the couplings, run the row kernel, write
 * the gradient block out. */
#define FBLK 65536 /* fixed block size of the final pass (partial sums combined in block order) */

/* The symmetric gradient's write-out. A pair's state goes PAIR_FREE -> PAIR_BUSY (the first
 * row writing) -> PAIR_DONE; the second row waits for PAIR_DONE (the first row's 441 stores)
 * and adds. */
enum { PAIR_FREE = 0, PAIR_BUSY = 1, PAIR_DONE = 2 };

/* 1 if the caller is the pair's first row (it must then write the block and call pair_done),
 * 0 once the first row's block is complete (the caller adds to it). */
static int pair_claim(uint8_t *st)
{
    uint8_t want = PAIR_FREE;
    if (__atomic_compare_exchange_n(st, &want, PAIR_BUSY, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) return 1;
    for (unsigned spin = 0; __atomic_load_n(st, __ATOMIC_ACQUIRE) != PAIR_DONE; spin++)
        if (spin > 1024) sched_yield(); /* the first row was descheduled mid-block */
    return 0;
}

static void pair_done(uint8_t *st) { __atomic_store_n(st, PAIR_DONE, __ATOMIC_RELEASE); }

/* Row i's part of the symmetric block of pair (i, j), from its scratch block t = T[j]
 * ([state of j][state of i], stride QP): written if first, added otherwise. */
static void sym_out(const float *t, size_t i, size_t j, size_t L, float *gout, uint8_t *pst, tr21_fn tr)
{
    const size_t lo = i < j ? i : j, hi = i < j ? j : i;
    const size_t off = axcon_pll_sym_offset(lo, hi, L);
    float *g = gout + off;
    uint8_t *st = pst + off / QQ;
    const int first = pair_claim(st);
    if (j > i) { /* block (i, j) = [state of i][state of j]: transpose */
        if (first) {
            tr(t, QP, g, Q, Q);
        } else {
            float tmp[QQ];
            tr(t, QP, tmp, Q, Q);
            for (int k = 0; k < QQ; k++) g[k] += tmp[k];
        }
    } else { /* block (j, i) = [state of j][state of i] = [b][a] */
        if (first)
            for (int b = 0; b < Q; b++) memcpy(g + b * Q, t + b * QP, Q * sizeof *g);
        else
            for (int b = 0; b < Q; b++)
                for (int a = 0; a < Q; a++) g[b * Q + a] += t[b * QP + a];
    }
    if (first) pair_done(st);
}

static int eval_rows(const axcon_pll_data_t *d, const float *h, const float *W, const float *Jc, const float *J2,
                     ax_pll_row_hook_fn hook,
                     void *hctx, ax_pll_grad_hook_fn ghook, void *gctx, double *f, float *gh, float *gout,
                     double lj, double *jsq, axcon_error_t *err)
{
    const size_t L = d->L;
    const int nth = ax_max_threads();
    const int want_g = gh != NULL || gout != NULL || ghook != NULL;
    const size_t per = (L + 1) * BLK, nper = 2; /* L blocks and the tree walk's sink */
    size_t need;
    float *scratch;
    double *fi, *ghd;

    if (ax_mul_ok((size_t)nth * per, nper, &need) != 0)
        return axcon_error_set(err, AXCON_ENOMEM, "pll scratch: size overflow");
    if (need > d->scratch_n) {
        axcon_pll_data_t *dm = (axcon_pll_data_t *)d; /* workspace only */
        free(dm->scratch);
        dm->scratch_n = 0;
        dm->scratch = aligned_floats(need, "pll scratch", err);
        if (!dm->scratch) return AXCON_ENOMEM;
        dm->scratch_n = need;
    }
    if (!d->fi) {
        axcon_pll_data_t *dm = (axcon_pll_data_t *)d;
        dm->fi = ax_alloc(L, sizeof *dm->fi, 0, "pll partial objective", err);
        dm->ghd = ax_alloc(L * Q, sizeof *dm->ghd, 0, "pll field gradient", err);
        if (!dm->fi || !dm->ghd) {
            free(dm->fi);
            free(dm->ghd);
            dm->fi = NULL;
            dm->ghd = NULL;
            return AXCON_ENOMEM;
        }
    }
    if (d->use_tree) {
        size_t zn;
        if (ax_mul_ok((size_t)nth * QP, d->n, &zn) != 0)
            return axcon_error_set(err, AXCON_ENOMEM, "pll tree scratch: size overflow");
        if (zn > d->tz_n) {
            axcon_pll_data_t *dm = (axcon_pll_data_t *)d; /* workspace only */
            free(dm->tz);
            free(dm->tu);
            dm->tz_n = 0;
            dm->tz = aligned_floats(zn, "pll tree logits", err);
            dm->tu = dm->tz ? ax_alloc(zn, sizeof *dm->tu, 0, "pll tree sums", err) : NULL;
            if (!dm->tu) {
                free(dm->tz);
                dm->tz = NULL;
                return AXCON_ENOMEM;
            }
            dm->tz_n = zn;
        }
    }
    if (gout && !W) { /* the symmetric write-out's pair states, all PAIR_FREE */
        const size_t np = L * (L - 1) / 2;
        if (np > d->pstate_n) {
            axcon_pll_data_t *dm = (axcon_pll_data_t *)d; /* workspace only */
            free(dm->pstate);
            dm->pstate_n = 0;
            if (!(dm->pstate = ax_alloc(np, 1, 0, "pll pair states", err))) return AXCON_ENOMEM;
            dm->pstate_n = np;
        }
        memset(d->pstate, PAIR_FREE, np);
    }
    scratch = d->scratch;
    fi = d->fi;
    ghd = d->ghd;
    memset(ghd, 0, L * Q * sizeof *ghd);
    full_row_fn row = full_row_generic;
    tree_row_fn trow = tree_row_generic;
    tr21_fn tr = tr21_generic;
#ifdef HAVE_AVX2_PATH
    if (use_avx2()) {
        row = full_row_avx2;
        trow = tree_row_avx2;
        tr = tr21_avx2;
    }
#endif

#pragma omp parallel for schedule(dynamic, 1)
    for (size_t i = 0; i < L; i++) {
        float *E = scratch + (size_t)thread_id() * per * nper;
        float *T = E + per;
        float hp[QP] __attribute__((aligned(32)));
        pad_fields(h, i, hp);
        if (W) expand_full(W, L, i, E);
        else if (Jc) expand_sym(Jc, J2, L, i, E, tr);
        else memset(E, 0, per * sizeof *E);
        if (hook) hook(hctx, i, thread_id(), E);
        if (want_g) memset(T, 0, per * sizeof *T);
        if (d->use_tree) {
            const size_t tid = (size_t)thread_id();
            trow(d, i, E, hp, T, want_g, &fi[i], ghd + i * Q, d->tz + tid * d->n * QP, d->tu + tid * d->n * QP);
        } else {
            row(d, i, E, hp, T, want_g, &fi[i], ghd + i * Q);
        }
        if (ghook) ghook(gctx, i, thread_id(), T);
        if (!gout) continue;
        for (size_t j = 0; j < L; j++) {
            const float *t = T + j * BLK;
            if (W) { /* row block i of gW, same transposed layout */
                float *g = gout + (i * L + j) * QQ;
                if (j == i) memset(g, 0, QQ * sizeof *g);
                else
                    for (int b = 0; b < Q; b++) memcpy(g + b * Q, t + b * QP, Q * sizeof *g);
            } else if (j != i) {
                sym_out(t, i, j, L, gout, d->pstate, tr);
            }
        }
    }
    if (!W && Jc == NULL) jsq = NULL, lj = 0.0; /* couplings from the hook only: no L2 term here */
    const float l2 = (float)(2.0 * lj);
    if (!W && ((gout && l2 != 0.0f) || jsq)) { /* gJc += 2 lj Jc, sum of Jc^2 */
        const size_t nj = axcon_pll_nsym(L), nb = (nj + FBLK - 1) / FBLK;
        double *part = jsq ? ax_alloc(nb, sizeof *part, 0, "pll partial sums", err) : NULL;
        if (jsq && !part) return AXCON_ENOMEM;
#pragma omp parallel for schedule(static)
        for (size_t b = 0; b < nb; b++) {
            size_t lo = b * FBLK, hi = lo + FBLK < nj ? lo + FBLK : nj;
            double s0 = 0.0, s1 = 0.0;
            if (gout && l2 != 0.0f)
                for (size_t k = lo; k < hi; k++) gout[k] += l2 * Jc[k];
            if (jsq) {
                size_t k = lo;
                for (; k + 2 <= hi; k += 2) {
                    s0 += (double)Jc[k] * Jc[k];
                    s1 += (double)Jc[k + 1] * Jc[k + 1];
                }
                if (k < hi) s0 += (double)Jc[k] * Jc[k];
                part[b] = s0 + s1;
            }
        }
        if (jsq) {
            double t = 0.0;
            for (size_t b = 0; b < nb; b++) t += part[b];
            *jsq = t;
            free(part);
        }
    }
    double tot = 0.0;
    for (size_t i = 0; i < L; i++) tot += fi[i];
    *f = tot;
    if (gh)
        for (size_t k = 0; k < L * Q; k++) gh[k] = (float)ghd[k];
    return AXCON_OK;
}

int axcon_pll_eval_full(const axcon_pll_data_t *d, const float *h, const float *W, double *f, float *gh, float *gW,
                        axcon_error_t *err)
{
    return eval_rows(d, h, W, NULL, NULL, NULL, NULL, NULL, NULL, f, gh, gW, 0.0, NULL, err);
}

int ax_pll_eval_sym_l2(const axcon_pll_data_t *d, const float *h, const float *Jc, double lambda_j, double *f,
                       double *jsq, float *gh, float *gJc, axcon_error_t *err)
{
    return eval_rows(d, h, NULL, Jc, NULL, NULL, NULL, NULL, NULL, f, gh, gJc, lambda_j, jsq, err);
}

int ax_pll_eval_sym_hook(const axcon_pll_data_t *d, const float *h, const float *Jc, ax_pll_row_hook_fn hook,
                         void *hctx, double *f, float *gh, float *gJc, axcon_error_t *err)
{
    return eval_rows(d, h, NULL, Jc, NULL, hook, hctx, NULL, NULL, f, gh, gJc, 0.0, NULL, err);
}

int ax_pll_eval_sym_sum(const axcon_pll_data_t *d, const float *h, const float *Ja, const float *Jb, double *f,
                        float *gh, float *gJc, axcon_error_t *err)
{
    return eval_rows(d, h, NULL, Ja, Jb, NULL, NULL, NULL, NULL, f, gh, gJc, 0.0, NULL, err);
}

int ax_pll_eval_stream(const axcon_pll_data_t *d, const float *h, ax_pll_row_hook_fn hook, void *hctx,
                       ax_pll_grad_hook_fn ghook, void *gctx, double *f, float *gh, axcon_error_t *err)
{
    if (!hook) return axcon_error_set(err, AXCON_EINTERNAL, "pll: the streamed evaluation needs a row hook");
    return eval_rows(d, h, NULL, NULL, NULL, hook, hctx, ghook, gctx, f, gh, NULL, 0.0, NULL, err);
}

int axcon_pll_eval_sym(const axcon_pll_data_t *d, const float *h, const float *Jc, double *f, float *gh, float *gJc,
                       axcon_error_t *err)
{
    return ax_pll_eval_sym_l2(d, h, Jc, 0.0, f, NULL, gh, gJc, err);
}
