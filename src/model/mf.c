/* mf.c - owns the closed-form mean-field DCA scores of `-m mf` (axcon/mf.h): building the
 * pseudocount covariance over the 20 amino-acid states, inverting it (dense Cholesky, or
 * the matrix inversion lemma in sequence space when there are fewer distinct sequences
 * than about half the matrix size), the zero-sum gauge and the Frobenius scores, plus the
 * SPD inverse used by it. The low-rank solver's sequence-space matrix comes from integer
 * counts of shared residues (ax_mf_seq_gram, mf_internal.h); its solve and products run in
 * float. Dense linear algebra: the deterministic OpenMP tiling of tiled.c over
 * single-threaded OpenBLAS kernels (configure requires libopenblas-dev); the thread count is
 * OpenMP's, and results are bitwise identical for any thread count. */
#include "axcon/mf.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "axcon/encode.h"
#include "axcon/prep.h"
#include "axcon/log.h"
#include "core/util.h"

#include "mf_internal.h"
#include "tiled.h"

#define QK 20           /* kept states: the gap is dropped */
#define QF 21.0         /* q of the pseudocount formulas */
#define STRIP_POS 32    /* positions per strip of the low-rank product */

/* Frobenius norm of the zero-sum-gauged 20 x 20 block X (element (a,b) at X[a*sa + b*sb]),
 * in double for double or float blocks. */
#define DEFINE_GAUGE_FROB(NAME, TYPE)                                                          \
    static double NAME(const TYPE *X, size_t sa, size_t sb)                                    \
    {                                                                                          \
        double r[QK], c[QK], g = 0.0, s = 0.0;                                                 \
        for (int a = 0; a < QK; a++) r[a] = c[a] = 0.0;                                        \
        for (int a = 0; a < QK; a++)                                                           \
            for (int b = 0; b < QK; b++) {                                                     \
                double x = (double)X[a * sa + b * sb];                                         \
                r[a] += x;                                                                     \
                c[b] += x;                                                                     \
            }                                                                                  \
        for (int a = 0; a < QK; a++) {                                                         \
            r[a] /= QK;                                                                        \
            c[a] /= QK;                                                                        \
            g += r[a];                                                                         \
        }                                                                                      \
        g /= QK;                                                                               \
        for (int a = 0; a < QK; a++)                                                           \
            for (int b = 0; b < QK; b++) {                                                     \
                double x = (double)X[a * sa + b * sb] - r[a] - c[b] + g;                       \
                s += x * x;                                                                    \
            }                                                                                  \
        return sqrt(s);                                                                        \
    }
DEFINE_GAUGE_FROB(gauge_frob, double)
DEFINE_GAUGE_FROB(gauge_frob_f, float)

/* Cholesky inverse of the SPD matrix whose row-major upper triangle is given; only the
 * row-major upper triangle (column-major lower) of the inverse is written. */
static int chol_inverse_upper(double *A, size_t n, axcon_error_t *err)
{
    if (n == 0) return AXCON_OK;
    if (n > INT_MAX) return axcon_error_set(err, AXCON_ERESOURCE, "matrix of order %zu is too large for LAPACK", n);
    /* row-major upper triangle = column-major lower triangle */
    int old = ax_blas_serial_begin();
    long info = ax_tiled_potrf(A, n, n);
    int st = info == 0 ? ax_tiled_potri(A, n, n, err) : AXCON_OK;
    ax_blas_serial_end(old);
    if (st != AXCON_OK) return st;
    if (info != 0)
        return axcon_error_set(err, AXCON_EINPUT,
                               "covariance matrix is not positive definite (leading minor %ld): use a pseudocount > 0",
                               info);
    return AXCON_OK;
}

int axcon_spd_inverse(double *A, size_t n, axcon_error_t *err)
{
    int st = chol_inverse_upper(A, n, err);
    if (st != AXCON_OK) return st;
    const size_t T = 64; /* mirror the upper triangle in tiles */
    long nt = (long)((n + T - 1) / T);
#pragma omp parallel for schedule(dynamic, 1)
    for (long rt = 0; rt < nt; rt++) {
        size_t r0 = (size_t)rt * T, r1 = r0 + T < n ? r0 + T : n;
        for (size_t c0 = 0; c0 <= r0; c0 += T)
            for (size_t r = r0; r < r1; r++) {
                size_t c1 = c0 + T < r ? c0 + T : r;
                for (size_t c = c0; c < c1; c++) A[r * n + c] = A[c * n + r];
            }
    }
    return AXCON_OK;
}

static int mf_dense(const axcon_prep_t *p, double lambda, double *S, axcon_error_t *err)
{
    size_t L = axcon_prep_ncol(p), n = L * QK, nn;
    int st;
    if (ax_mul_ok(n, n, &nn) != 0) return axcon_error_set(err, AXCON_ENOMEM, "mf: %zu columns too many", L);
    double *C = ax_alloc(nn, sizeof *C, 0, "mean-field covariance", err);
    if (!C) return AXCON_ENOMEM;
    double t0 = axcon_realtime();
    if ((st = axcon_prep_pair_matrix(p, QK, lambda, AXCON_PAIR_CENTERED | AXCON_PAIR_UPPER, C, err)) != AXCON_OK)
        goto done;
    double t1 = axcon_realtime();
    if ((st = chol_inverse_upper(C, n, err)) != AXCON_OK) goto done;
    axcon_debug("dense n=%zu: covariance %.2f s, Cholesky inverse %.2f s", n, t1 - t0, axcon_realtime() - t1);
    long Ll = (long)L;
#pragma omp parallel for schedule(dynamic, 1)
    for (long il = 0; il < Ll; il++) {
        size_t i = (size_t)il;
        S[i * L + i] = 0.0;
        for (size_t j = i + 1; j < L; j++) {
            double v = gauge_frob(C + (i * QK) * n + j * QK, n, 1);
            S[i * L + j] = v;
            S[j * L + i] = v;
        }
    }
done:
    free(C);
    return st;
}

/* The sequence-space matrix K = I + (q/l)(V V^T + S S^T) from integer counts.
 *
 * With s_u the scale of distinct row u and f the frequencies, V_u,ia = s_u ([x_ui = a] - f_ia)
 * (a < 20) and S_ui = s_u ([x_ui != gap] - phi_i), phi_i = sum_a f_ia. So
 *   (V V^T + S S^T)_uv = s_u s_v (M_uv + G_uv - c_u - c_v + F),
 * M_uv the columns where u and v hold the same residue, G_uv the columns where neither has a
 * gap, c_u = sum over u's residue columns of f_i,x_ui + phi_i, and F = sum_i (sum_a f_ia^2 +
 * phi_i^2). M and G are exact integers counted with byte compares (m^2 L byte operations
 * instead of the m^2 n multiply-adds of a product), so K is as exact as the double formula. */

#define GRAM_W 32 /* bytes per vector */
#pragma GCC diagnostic ignored "-Wpsabi"
typedef unsigned char gv8 __attribute__((vector_size(GRAM_W)));
typedef unsigned long long gv64 __attribute__((vector_size(GRAM_W)));

/* M_uv + G_uv of one pair: ra holds row u with gaps as 0xFE, rb row v with gaps as 0xFD (so a
 * gap never matches), ma and mb their residue masks (0xFF at a residue); nv vectors. */
#define GRAM_BODY                                                                                      \
    {                                                                                                  \
        unsigned long long tot = 0;                                                                    \
        size_t v = 0;                                                                                  \
        while (v < nv) { /* each byte lane gains at most 2 per vector: flush before 255 */             \
            size_t ve = nv - v < 127 ? nv : v + 127;                                                   \
            gv8 acc = {0};                                                                             \
            for (; v < ve; v++) {                                                                      \
                gv8 x, y, p, q;                                                                        \
                memcpy(&x, ra + v * GRAM_W, GRAM_W);                                                   \
                memcpy(&y, rb + v * GRAM_W, GRAM_W);                                                   \
                memcpy(&p, ma + v * GRAM_W, GRAM_W);                                                   \
                memcpy(&q, mb + v * GRAM_W, GRAM_W);                                                   \
                acc -= (gv8)(x == y);                                                                  \
                acc -= p & q;                                                                          \
            }                                                                                          \
            gv64 s;                                                                                    \
            memcpy(&s, &acc, GRAM_W);                                                                  \
            s = (s & 0x00FF00FF00FF00FFull) + ((s >> 8) & 0x00FF00FF00FF00FFull);                    \
            s = (s & 0x0000FFFF0000FFFFull) + ((s >> 16) & 0x0000FFFF0000FFFFull);                    \
            s = (s & 0x00000000FFFFFFFFull) + (s >> 32);                                               \
            tot += s[0] + s[1] + s[2] + s[3];                                                          \
        }                                                                                              \
        return tot;                                                                                    \
    }
static unsigned long long gram_pair_generic(const uint8_t *ra, const uint8_t *rb, const uint8_t *ma,
                                            const uint8_t *mb, size_t nv) GRAM_BODY
#if defined(__x86_64__) && defined(__GNUC__)
static __attribute__((target("avx2"))) unsigned long long gram_pair_avx2(const uint8_t *ra, const uint8_t *rb,
                                                                         const uint8_t *ma, const uint8_t *mb,
                                                                         size_t nv) GRAM_BODY
#endif
#undef GRAM_BODY

typedef unsigned long long (*gram_pair_fn)(const uint8_t *, const uint8_t *, const uint8_t *, const uint8_t *,
                                           size_t);
static gram_pair_fn gram_pair_pick(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
    const char *env = getenv("AXCON_NO_SIMD");
    __builtin_cpu_init();
    if ((!env || !*env || env[0] == '0') && __builtin_cpu_supports("avx2")) return gram_pair_avx2;
#endif
    return gram_pair_generic;
}

/* K[u * ldk + v] for u <= v < nu (column-major lower triangle) = [u == v] + c (V V^T + S S^T)_uv,
 * with s[u] the rows' scales. */
int ax_mf_seq_gram(const uint8_t *rows, size_t nu, size_t L, const double *f, const double *s, double c, double *K,
                   size_t ldk, axcon_error_t *err)
{
    const size_t stride = (L + GRAM_W - 1) / GRAM_W * GRAM_W, nv = stride / GRAM_W;
    size_t bytes;
    if (ax_mul_ok(nu, stride, &bytes) != 0)
        return axcon_error_set(err, AXCON_ENOMEM, "mf: %zu x %zu rows too large", nu, L);
    if (bytes == 0) bytes = 1;
    uint8_t *ra = ax_alloc(bytes, 1, 0, "sequence-space rows", err);
    uint8_t *rb = ax_alloc(bytes, 1, 0, "sequence-space rows", err);
    uint8_t *mk = ax_alloc(bytes, 1, 0, "sequence-space masks", err);
    double *cu = ax_alloc(nu ? nu : 1, sizeof *cu, 0, "sequence-space sums", err);
    if (!ra || !rb || !mk || !cu) {
        free(ra), free(rb), free(mk), free(cu);
        return AXCON_ENOMEM;
    }
    double F = 0.0;
    for (size_t i = 0; i < L; i++) {
        double phi = 0.0, sq = 0.0;
        for (int a = 0; a < QK; a++) {
            phi += f[i * 21 + a];
            sq += f[i * 21 + a] * f[i * 21 + a];
        }
        F += sq + phi * phi;
    }
    long nl = (long)nu;
#pragma omp parallel for schedule(static)
    for (long ul = 0; ul < nl; ul++) {
        size_t u = (size_t)ul;
        const uint8_t *x = rows + u * L;
        uint8_t *pa = ra + u * stride, *pb = rb + u * stride, *pm = mk + u * stride;
        double t = 0.0;
        for (size_t i = 0; i < L; i++) {
            int res = x[i] < QK;
            pa[i] = res ? x[i] : 0xFE;
            pb[i] = res ? x[i] : 0xFD;
            pm[i] = res ? 0xFF : 0x00;
            if (res) {
                double phi = 0.0;
                for (int a = 0; a < QK; a++) phi += f[i * 21 + a];
                t += f[i * 21 + x[i]] + phi;
            }
        }
        memset(pa + L, 0xFE, stride - L);
        memset(pb + L, 0xFD, stride - L);
        memset(pm + L, 0x00, stride - L);
        cu[u] = t;
    }
    const gram_pair_fn pair = gram_pair_pick();
#pragma omp parallel for schedule(dynamic, 16)
    for (long ul = 0; ul < nl; ul++) {
        size_t u = (size_t)ul;
        const uint8_t *pa = ra + u * stride, *pm = mk + u * stride;
        double *ku = K + u * ldk;
        for (size_t v = u; v < nu; v++) {
            double cnt = (double)pair(pa, rb + v * stride, pm, mk + v * stride, nv);
            ku[v] = (u == v ? 1.0 : 0.0) + c * s[u] * s[v] * (cnt - cu[u] - cu[v] + F);
        }
    }
    free(ra), free(rb), free(mk), free(cu);
    return AXCON_OK;
}

/* Cost (flops) of the two solvers. */
static void mf_costs(size_t L, size_t m, double *dense, double *lowrank)
{
    double n = (double)L * QK, md = (double)m;
    *dense = n * n * n + n * n; /* potrf + potri (+ fill) */
    *lowrank = n * n * md + 2.0 * md * md * n + md * md * md / 3.0;
}

/* The n doubles at *p as floats, in place (each chunk of floats overlaps only doubles already
 * read); the buffer is shrunk to the floats' size when realloc allows. */
static float *to_float_inplace(double **p, size_t n)
{
    double *d = *p;
    float *f = (float *)(void *)d;
    for (size_t k0 = 0; k0 < n; k0 += 512) {
        double buf[512];
        float fb[512];
        size_t nk = n - k0 < 512 ? n - k0 : 512;
        memcpy(buf, d + k0, nk * sizeof *buf);
        for (size_t k = 0; k < nk; k++) fb[k] = (float)buf[k];
        memcpy(f + k0, fb, nk * sizeof *fb);
    }
    float *shrunk = realloc(f, (n ? n : 1) * sizeof *f);
    if (shrunk) *p = (double *)(void *)shrunk, f = shrunk;
    return f;
}

static int mf_lowrank(const axcon_prep_t *p, double lambda, double *S, axcon_error_t *err)
{
    int st = AXCON_OK, old = -1;
    const size_t L = axcon_prep_ncol(p), n = L * QK, nu = axcon_prep_ndistinct(p);
    const double meff = axcon_prep_neff(p), *f = axcon_prep_freq(p), *wu = axcon_prep_row_weights(p);
    const uint8_t *uniq = axcon_prep_rows(p);
    size_t m, mn;
    double *V = NULL, *Sb = NULL, *K = NULL, *Sc = NULL;
    float *G = NULL;
    if (!(lambda > 0.0)) return axcon_error_set(err, AXCON_EUSAGE, "mf low-rank solver needs a pseudocount > 0");
    m = nu + 1;
    if (n > INT_MAX || m > INT_MAX || ax_mul_ok(m, n, &mn) != 0 || ax_mul_ok(m, m, &(size_t){0}) != 0) {
        st = axcon_error_set(err, AXCON_ERESOURCE, "mf: %zu x %zu problem too large", m, n);
        goto done;
    }
    if (!(V = ax_alloc(mn, sizeof *V, 0, "mean-field encoding", err)) ||
        !(Sb = ax_alloc(m * L, sizeof *Sb, 0, "block sums", err)) ||
        !(K = ax_alloc(m * m, sizeof *K, 1, "sequence-space matrix", err)) ||
        !(Sc = ax_alloc(m, sizeof *Sc, 0, "row scales", err))) {
        st = AXCON_ENOMEM;
        goto done;
    }
    /* V rows 0..nu-1: sqrt(1-l) Z of the distinct sequences (weights wu, already summed). */
    if ((st = axcon_encode_centered(uniq, nu, L, wu, f, QK, V, err)) != AXCON_OK) goto done;
    {
        /* encode_centered scaled by sqrt(wu/sum(wu)); sum(wu) = meff up to rounding order, so
         * rescale exactly to sqrt(wu/meff) * sqrt(1-l). Last row: sqrt(l(1-l)) (f - 1/q). */
        double su = 0.0;
        for (size_t u = 0; u < nu; u++) su += wu[u];
        double sc = sqrt((1.0 - lambda) * su / meff);
        double *Vlast = V + nu * n;
        for (size_t k = 0; k < nu * n; k++) V[k] *= sc;
        for (size_t u = 0; u < nu; u++) Sc[u] = sqrt(wu[u] / su) * sc; /* row u of V: Sc[u] ([x = a] - f) */
        double r = sqrt(lambda * (1.0 - lambda));
        for (size_t i = 0; i < L; i++)
            for (int a = 0; a < QK; a++) Vlast[i * QK + a] = r * (f[i * 21 + a] - 1.0 / QF);
    }
    /* block sums S (m x L row-major = column-major L x m) */
    long ml = (long)m;
#pragma omp parallel for schedule(static)
    for (long rl = 0; rl < ml; rl++) {
        double *v = V + (size_t)rl * n, *s = Sb + (size_t)rl * L;
        for (size_t i = 0; i < L; i++) {
            double t = 0.0;
            for (int a = 0; a < QK; a++) t += v[i * QK + a];
            s[i] = t;
        }
    }
    double t0 = axcon_realtime();
    old = ax_blas_serial_begin();
    double c = QF / lambda;
    /* K = I + (q/l)(V V^T + S S^T): the distinct rows' block from counts, the pseudocount
     * row's column from V and S */
    if ((st = ax_mf_seq_gram(uniq, nu, L, f, Sc, c, K, m, err)) != AXCON_OK) goto done;
    {
        const double *vl = V + nu * n, *sl = Sb + nu * L;
#pragma omp parallel for schedule(static)
        for (long rl = 0; rl < ml; rl++) {
            const double *v = V + (size_t)rl * n, *s = Sb + (size_t)rl * L;
            double t = 0.0, ts = 0.0;
            for (size_t k = 0; k < n; k++) t += v[k] * vl[k];
            for (size_t i = 0; i < L; i++) ts += s[i] * sl[i];
            K[(size_t)rl * m + nu] = (rl == (long)nu ? 1.0 : 0.0) + c * (t + ts);
        }
    }
    long info = ax_tiled_potrf(K, m, m);
    if (info != 0) {
        st = axcon_error_set(err, AXCON_EINTERNAL, "mf: sequence-space matrix not positive definite (%ld)", info);
        goto done;
    }
    double t1 = axcon_realtime();
    /* centre V within each 20-state block: the zero-sum gauge, since B^-1 P = (q/l) P */
#pragma omp parallel for schedule(static)
    for (long rl = 0; rl < ml; rl++) {
        double *v = V + (size_t)rl * n, *s = Sb + (size_t)rl * L;
        for (size_t i = 0; i < L; i++) {
            double mu = s[i] / QK;
            for (int a = 0; a < QK; a++) v[i * QK + a] -= mu;
        }
    }
    /* The solve and the coupling products run in single precision, twice as fast as in
     * double: Vc and the factor Lk in place as floats (their first halves; the rest given
     * back), then R = (q/l) Lk^-1 Vc (column-major: Rc (n x m) = (q/l) Vc_cm Lk^-T) and the
     * products' sums in float. K >= I keeps the factor well conditioned: on T1052-D3,
     * T1061-D1 and T1093-D1 the scores as written differ from those of a double solve by at
     * most 1e-5 (2e-4 relative) and the top-L/5, L/2 and L pairs are the same. */
    float *Rf = to_float_inplace(&V, mn), *Kf = to_float_inplace(&K, m * m);
    free(Sb);
    Sb = NULL;
    ax_tiled_strsm_rlt(n, m, (float)c, Kf, m, Rf, n);
    free(K);
    K = NULL;
    double t2 = axcon_realtime();
    if (!(G = ax_alloc((size_t)STRIP_POS * QK * n, sizeof *G, 0, "coupling strip", err))) {
        st = AXCON_ENOMEM;
        goto done;
    }
    /* gauge-fixed J_ij = R_i^T R_j; strips of STRIP_POS positions against all later columns */
    for (size_t i0 = 0; i0 < L; i0 += STRIP_POS) {
        size_t np = L - i0 < STRIP_POS ? L - i0 : STRIP_POS;
        size_t rows = np * QK, cols = n - i0 * QK;
        /* G (rows x cols, column-major) = Rc[i0.., :] * Rc[i0.., :]^T */
        ax_tiled_sgemm_nt(rows, cols, m, Rf + i0 * QK, n, Rf + i0 * QK, n, G, rows);
        long npl = (long)np;
#pragma omp parallel for schedule(dynamic, 1)
        for (long pl = 0; pl < npl; pl++) {
            size_t i = i0 + (size_t)pl;
            S[i * L + i] = 0.0;
            for (size_t j = i + 1; j < L; j++) {
                /* element (a,b) of block (i,j): G[(pl*20 + a) + ((j-i0)*20 + b) * rows] */
                double v = gauge_frob_f(G + (size_t)pl * QK + (j - i0) * QK * rows, 1, rows);
                S[i * L + j] = v;
                S[j * L + i] = v;
            }
        }
    }
    axcon_debug("low rank m=%zu n=%zu: K %.2f s, solve %.2f s, products %.2f s", m, n, t1 - t0, t2 - t1,
                axcon_realtime() - t2);
done:
    if (old >= 0) ax_blas_serial_end(old);
    free(V);
    free(Sb);
    free(K);
    free(Sc);
    free(G);
    return st;
}


int axcon_mf_scores(const axcon_prep_t *p, double pseudocount, axcon_mf_solver_t solver, double *S, axcon_error_t *err)
{
    if (!p || !S) return axcon_error_set(err, AXCON_EUSAGE, "mf: NULL argument");
    if (!(pseudocount >= 0.0 && pseudocount < 1.0))
        return axcon_error_set(err, AXCON_EUSAGE, "pseudocount must be in [0,1), got %g", pseudocount);
    const size_t ncol = axcon_prep_ncol(p), nu = axcon_prep_ndistinct(p);
    if (ncol == 1) {
        S[0] = 0.0;
        return AXCON_OK;
    }
    if (solver == AXCON_MF_AUTO) { /* distinct sequences decide the low-rank cost */
        double cd, cl;
        mf_costs(ncol, nu + 1, &cd, &cl);
        solver = (pseudocount > 0.0 && cl < cd) ? AXCON_MF_LOWRANK : AXCON_MF_DENSE;
        axcon_info("mean-field DCA: %zu columns, %zu distinct sequences, %s solver (%.2g flops)", ncol, nu,
                   solver == AXCON_MF_LOWRANK ? "low-rank" : "dense", solver == AXCON_MF_LOWRANK ? cl : cd);
    }
    if (solver == AXCON_MF_LOWRANK) return mf_lowrank(p, pseudocount, S, err);
    return mf_dense(p, pseudocount, S, err);
}

int axcon_mf_scores_codes(const uint8_t *codes, size_t nseq, size_t ncol, const double *w, double pseudocount,
                          axcon_mf_solver_t solver, double *S, axcon_error_t *err)
{
    if (!(pseudocount >= 0.0 && pseudocount < 1.0))
        return axcon_error_set(err, AXCON_EUSAGE, "pseudocount must be in [0,1), got %g", pseudocount);
    if (ncol == 0) return AXCON_OK;
    axcon_prep_t *p = NULL;
    int st = axcon_prep_from_codes(codes, nseq, ncol, w, &p, err);
    if (st == AXCON_OK) st = axcon_mf_scores(p, pseudocount, solver, S, err);
    axcon_prep_free(p);
    return st;
}

/* Memory of the two solvers as allocated above (and by axcon_prep_pair_matrix), for the
 * solver axcon_mf_scores picks. */
void axcon_mf_estimate(size_t L, size_t N, size_t ndistinct, double pseudocount, int threads, double *bytes,
                       double *seconds)
{
    double Lf = (double)L, nu = (double)ndistinct; /* N: the solvers see only the distinct rows */
    double n = QK * Lf, m = nu + 1.0, cd, cl, b, t;
    if (threads < 1) threads = 1;
    (void)N;
    mf_costs(L, ndistinct + 1, &cd, &cl);
    if (pseudocount > 0.0 && cl < cd) {
        /* V (m x n), block sums (m x L), K (m x m) and the Gram's three byte copies of the
         * rows; then V and K as floats and a coupling strip (32*20 x n floats) */
        b = 8.0 * (m * n + m * Lf + m * m) + 3.0 * m * (Lf + 32.0);
        t = cl / (2.5e10 * threads);
    } else {
        /* C (n x n), of which only the upper triangle is ever written (pair counts, Cholesky,
         * inverse): measured resident fraction 0.79 at n = 1500 down to 0.60 at n = 7300 (page
         * and tile rounding), modelled as 0.55 + 11/sqrt(n) (a little high on purpose); the
         * column-major rows and pair tables of the counts; the inverse's panel scratch */
        double frac = 0.55 + 11.0 / sqrt(n);
        if (frac > 1.0) frac = 1.0;
        b = frac * 8.0 * n * n + 8.0 * n * 64.0 + threads * 8.0 * 4.0 * 441.0 + Lf * nu + 8.0 * 21.0 * Lf;
        t = cd / (2.5e10 * threads) + 1e-9 * nu * Lf * Lf / threads;
    }
    if (bytes) *bytes = b;
    if (seconds) *seconds = t;
}
