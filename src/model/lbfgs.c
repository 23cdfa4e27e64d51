/* lbfgs.c - owns the limited-memory BFGS minimiser of src/model/lbfgs.h: the compact-form
 * quasi-Newton direction, strong-Wolfe line search, stopping rules, and the blocked deterministic vector kernels it
 * runs on (float storage, double accumulation, fixed block partition independent of the
 * number of threads). */
#include "model/lbfgs.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "core/util.h"

/* ------------------------------------------------------------------------------------------ */

float *ax_vec_alloc(size_t n, int zero, const char *what, axcon_error_t *err)
{
    size_t bytes;
    if (ax_mul_ok(n ? n : 1, sizeof(float), &bytes) != 0) {
        axcon_error_set(err, AXCON_ENOMEM, "%s: size overflow (%zu floats)", what, n);
        return NULL;
    }
    const size_t huge = (size_t)2 << 20;
    void *p = NULL;
    if (bytes >= 2 * huge) { /* 2 MiB aligned, transparent huge pages requested: far fewer page faults */
        if (posix_memalign(&p, huge, bytes) != 0) p = NULL;
#ifdef MADV_HUGEPAGE
        if (p) (void)madvise(p, bytes - bytes % huge, MADV_HUGEPAGE);
#endif
    } else {
        p = malloc(bytes);
    }
    if (!p) {
        axcon_error_set(err, AXCON_ENOMEM, "%s: cannot allocate %.1f MiB", what, (double)bytes / 1048576.0);
        return NULL;
    }
    if (zero) memset(p, 0, bytes);
    return p;
}

/* ------------------------------------------------------------------------------------------ */
/* vector kernels: the range [0, n) is cut into at most NBLK_MAX blocks of at least BLK_MIN
 * elements (a function of n only); partial sums are combined in block order. */

#define NBLK_MAX 256
#define BLK_MIN 16384

static size_t nblocks(size_t n, size_t *bs)
{
    size_t b = (n + NBLK_MAX - 1) / NBLK_MAX;
    if (b < BLK_MIN) b = BLK_MIN;
    *bs = b;
    return n ? (n + b - 1) / b : 0;
}

/* Block bodies, vectorised with GCC vector extensions (8 floats, double accumulators) and
 * instantiated for AVX2+FMA and for the baseline ISA; the choice is made once at run time. */
#pragma GCC diagnostic ignored "-Wpsabi"
typedef float v8f __attribute__((vector_size(32), aligned(4)));
typedef float v4f __attribute__((vector_size(16)));
typedef double v4d __attribute__((vector_size(32)));
#define AI static inline __attribute__((always_inline))
#define LD8(p) (*(const v8f *)(const void *)(p))
#define ST8(p, v) (*(v8f *)(void *)(p) = (v))

/* macros, not functions: GCC notes an ABI change for 32-byte vector arguments */
#define lo4(v) __builtin_convertvector(__builtin_shufflevector((v), (v), 0, 1, 2, 3), v4d)
#define hi4(v) __builtin_convertvector(__builtin_shufflevector((v), (v), 4, 5, 6, 7), v4d)
#define hsum4(v) __extension__({ v4d h4_ = (v); (h4_[0] + h4_[1]) + (h4_[2] + h4_[3]); })

AI double dot_body(const float *a, const float *b, size_t n)
{
    v4d s0 = {0, 0, 0, 0}, s1 = {0, 0, 0, 0};
    size_t k = 0;
    for (; k + 8 <= n; k += 8) {
        v8f x = LD8(a + k), y = LD8(b + k);
        s0 += lo4(x) * lo4(y);
        s1 += hi4(x) * hi4(y);
    }
    double s = hsum4(s0 + s1);
    for (; k < n; k++) s += (double)a[k] * b[k];
    return s;
}

/* x += a d; returns |x|^2 */
AI double move_body(float *x, float af, const float *d, size_t n)
{
    v4d s0 = {0, 0, 0, 0}, s1 = {0, 0, 0, 0};
    size_t k = 0;
    for (; k + 8 <= n; k += 8) {
        v8f v = LD8(x + k) + af * LD8(d + k);
        ST8(x + k, v);
        s0 += lo4(v) * lo4(v);
        s1 += hi4(v) * hi4(v);
    }
    double s = hsum4(s0 + s1);
    for (; k < n; k++) {
        x[k] += af * d[k];
        s += (double)x[k] * x[k];
    }
    return s;
}

/* d <- a d (= s), gt <- gt - g (= y), g <- old gt; sums s.y, y.y, g_new.g_new */
AI void update_body(float *d, float *gt, float *g, float af, size_t n, double *o3)
{
    v4d a0 = {0, 0, 0, 0}, a1 = a0, b0 = a0, b1 = a0, c0 = a0, c1 = a0;
    size_t k = 0;
    for (; k + 8 <= n; k += 8) {
        v8f sv = af * LD8(d + k), gn = LD8(gt + k), y = gn - LD8(g + k);
        ST8(d + k, sv);
        ST8(gt + k, y);
        ST8(g + k, gn);
        a0 += lo4(sv) * lo4(y);
        a1 += hi4(sv) * hi4(y);
        b0 += lo4(y) * lo4(y);
        b1 += hi4(y) * hi4(y);
        c0 += lo4(gn) * lo4(gn);
        c1 += hi4(gn) * hi4(gn);
    }
    double sy = hsum4(a0 + a1), yy = hsum4(b0 + b1), gg = hsum4(c0 + c1);
    for (; k < n; k++) {
        float sv = af * d[k], gn = gt[k], y = gn - g[k];
        d[k] = sv;
        gt[k] = y;
        g[k] = gn;
        sy += (double)sv * y;
        yy += (double)y * y;
        gg += (double)gn * gn;
    }
    o3[0] = sy;
    o3[1] = yy;
    o3[2] = gg;
}

/* q <- a q + c v (q <- c v when zero_q); returns w.q when w != NULL */
AI double comb_body(float *q, float af, float cf, int zero_q, const float *v, const float *w, size_t n)
{
    size_t k = 0;
    if (zero_q)
        for (; k + 8 <= n; k += 8) ST8(q + k, cf * LD8(v + k));
    else
        for (; k + 8 <= n; k += 8) ST8(q + k, af * LD8(q + k) + cf * LD8(v + k));
    for (; k < n; k++) q[k] = zero_q ? cf * v[k] : af * q[k] + cf * v[k];
    return w ? dot_body(w, q, n) : 0.0;
}

#define DEFINE_VK(SUF, ATTR)                                                                                \
    static ATTR double dot_##SUF(const float *a, const float *b, size_t n) { return dot_body(a, b, n); }    \
    static ATTR double move_##SUF(float *x, float af, const float *d, size_t n)                             \
    {                                                                                                       \
        return move_body(x, af, d, n);                                                                      \
    }                                                                                                       \
    static ATTR void update_##SUF(float *d, float *gt, float *g, float af, size_t n, double *o3)            \
    {                                                                                                       \
        update_body(d, gt, g, af, n, o3);                                                                   \
    }                                                                                                       \
    static ATTR double comb_##SUF(float *q, float af, float cf, int zq, const float *v, const float *w,     \
                                  size_t n)                                                                 \
    {                                                                                                       \
        return comb_body(q, af, cf, zq, v, w, n);                                                           \
    }

DEFINE_VK(generic, )
#if defined(__x86_64__) && defined(__GNUC__)
DEFINE_VK(avx2, __attribute__((target("avx2,fma"))))
#endif

typedef struct vk {
    double (*dot)(const float *, const float *, size_t);
    double (*move)(float *, float, const float *, size_t);
    void (*update)(float *, float *, float *, float, size_t, double *);
    double (*comb)(float *, float, float, int, const float *, const float *, size_t);
} vk_t;

static const vk_t *vk(void)
{
    static const vk_t gen = {dot_generic, move_generic, update_generic, comb_generic};
#if defined(__x86_64__) && defined(__GNUC__)
    static const vk_t avx = {dot_avx2, move_avx2, update_avx2, comb_avx2};
    static int cached = -1;
    if (cached < 0) {
        const char *env = getenv("AXCON_NO_SIMD");
        __builtin_cpu_init();
        cached = (!env || !*env || env[0] == '0') && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    }
    return cached ? &avx : &gen;
#else
    return &gen;
#endif
}

double ax_vdot(const float *a, const float *b, size_t n)
{
    const vk_t *K = vk();
    size_t bs, nb = nblocks(n, &bs);
    double part[NBLK_MAX];
#pragma omp parallel for schedule(static) if (nb > 1)
    for (size_t k = 0; k < nb; k++) {
        size_t lo = k * bs, hi = lo + bs < n ? lo + bs : n;
        part[k] = K->dot(a + lo, b + lo, hi - lo);
    }
    double s = 0.0;
    for (size_t k = 0; k < nb; k++) s += part[k];
    return s;
}

/* x += a * d; returns |x|^2 of the result. */
static double vmove(float *x, double a, const float *d, size_t n)
{
    const vk_t *K = vk();
    size_t bs, nb = nblocks(n, &bs);
    double part[NBLK_MAX];
#pragma omp parallel for schedule(static) if (nb > 1)
    for (size_t k = 0; k < nb; k++) {
        size_t lo = k * bs, hi = lo + bs < n ? lo + bs : n;
        part[k] = K->move(x + lo, (float)a, d + lo, hi - lo);
    }
    double s = 0.0;
    for (size_t k = 0; k < nb; k++) s += part[k];
    return s;
}

/* After an accepted step a along d with new gradient gt: d <- s = a d, gt <- y = gt - g,
 * g <- gt (new gradient). Returns s.y, y.y and |g_new|^2. */
static void vupdate(float *d, float *gt, float *g, double a, size_t n, double *sy, double *yy, double *gg)
{
    const vk_t *K = vk();
    size_t bs, nb = nblocks(n, &bs);
    double part[NBLK_MAX][3];
#pragma omp parallel for schedule(static) if (nb > 1)
    for (size_t k = 0; k < nb; k++) {
        size_t lo = k * bs, hi = lo + bs < n ? lo + bs : n;
        K->update(d + lo, gt + lo, g + lo, (float)a, hi - lo, part[k]);
    }
    double s1 = 0, s2 = 0, s3 = 0;
    for (size_t k = 0; k < nb; k++) {
        s1 += part[k][0];
        s2 += part[k][1];
        s3 += part[k][2];
    }
    *sy = s1;
    *yy = s2;
    *gg = s3;
}

/* q <- a q + c v (q <- c v when a == 0, whatever q holds); returns w.q of the result when w
 * is not NULL. One pass. */
static double vcomb_dot(float *q, double a, double c, const float *v, const float *w, size_t n)
{
    const vk_t *K = vk();
    size_t bs, nb = nblocks(n, &bs);
    double part[NBLK_MAX];
#pragma omp parallel for schedule(static) if (nb > 1)
    for (size_t k = 0; k < nb; k++) {
        size_t lo = k * bs, hi = lo + bs < n ? lo + bs : n;
        part[k] = K->comb(q + lo, (float)a, (float)c, a == 0.0, v + lo, w ? w + lo : NULL, hi - lo);
    }
    double s = 0.0;
    for (size_t k = 0; k < nb; k++) s += part[k];
    return s;
}

/* ------------------------------------------------------------------------------------------ */

void ax_lbfgs_opts_init(ax_lbfgs_opts_t *o)
{
    o->m = 5;
    o->max_iter = 100;
    o->max_evals = 0;
    o->ftol = 1e-5;
    o->window = 5;
    o->gtol = 1e-7;
    o->c1 = 1e-4;
    o->c2 = 0.9;
    o->max_ls = 20;
    o->alpha0 = 0.0;
}

typedef struct lsctx {
    size_t n;
    float *x, *d, *gt, *work;
    double alpha_cur; /* x currently sits at x0 + alpha_cur * d */
    double xx;        /* |x|^2 at the current point */
    int nevals, max_evals;
    ax_lbfgs_eval_fn eval;
    void *ctx;
} lsctx_t;

/* Move to x0 + a d and evaluate; *dphi = g.d. */
static int ls_eval(lsctx_t *c, double a, double *phi, double *dphi, axcon_error_t *err)
{
    c->xx = vmove(c->x, a - c->alpha_cur, c->d, c->n);
    c->alpha_cur = a;
    c->nevals++;
    int st = c->eval(c->ctx, c->x, phi, c->gt, c->work, err);
    if (st != AXCON_OK) return st;
    *dphi = isfinite(*phi) ? ax_vdot(c->gt, c->d, c->n) : NAN;
    return AXCON_OK;
}

/* Safeguarded cubic minimiser between (a, fa, da) and (b, fb, db), kept inside the middle 80%. */
static double cubic_step(double a, double fa, double da, double b, double fb, double db)
{
    double lo = a < b ? a : b, hi = a < b ? b : a, w = hi - lo;
    double t = NAN;
    if (isfinite(fb) && isfinite(db)) {
        double d1 = da + db - 3.0 * (fa - fb) / (a - b);
        double disc = d1 * d1 - da * db;
        if (disc >= 0.0) {
            double d2 = (b > a ? 1.0 : -1.0) * sqrt(disc);
            double den = db - da + 2.0 * d2;
            if (den != 0.0) t = b - (b - a) * (db + d2 - d1) / den;
        }
    } else {
        t = a + 0.1 * (b - a); /* the far end blew up: stay close to the good end */
    }
    if (!isfinite(t)) t = 0.5 * (a + b);
    if (t < lo + 0.1 * w) t = lo + 0.1 * w;
    if (t > hi - 0.1 * w) t = hi - 0.1 * w;
    return t;
}

/* Strong-Wolfe line search along d from f0 (slope dg0 < 0), first trial a1. On success
 * returns 1 with x at the accepted point, its gradient in gt, *fa and *a set. Returns 0 when
 * no acceptable point was found (x moved back to the start), or a negative status. */
static int linesearch(lsctx_t *c, double f0, double dg0, double a1, const ax_lbfgs_opts_t *o, double *fa, double *a,
                      axcon_error_t *err)
{
    double aprev = 0.0, fprev = f0, dprev = dg0;
    double ai = a1, fi, di;
    int st, evals = 0;
    const double curv = -o->c2 * dg0;
    double alo, flo, dlo, ahi, fhi, dhi;

    for (;;) {
        if (evals >= o->max_ls || c->nevals >= c->max_evals) goto fail;
        st = ls_eval(c, ai, &fi, &di, err);
        evals++;
        if (st != AXCON_OK) return st;
        if (!isfinite(fi) || fi > f0 + o->c1 * ai * dg0 || (evals > 1 && fi >= fprev)) {
            alo = aprev; flo = fprev; dlo = dprev;
            ahi = ai; fhi = fi; dhi = di;
            break;
        }
        if (fabs(di) <= curv) {
            *fa = fi;
            *a = ai;
            return 1;
        }
        if (di >= 0.0) {
            alo = ai; flo = fi; dlo = di;
            ahi = aprev; fhi = fprev; dhi = dprev;
            break;
        }
        aprev = ai; fprev = fi; dprev = di;
        ai *= 2.0;
    }
    /* zoom */
    for (;;) {
        if (evals >= o->max_ls || c->nevals >= c->max_evals || fabs(ahi - alo) <= 1e-12 * fabs(alo)) break;
        double aj = cubic_step(alo, flo, dlo, ahi, fhi, dhi), fj, dj;
        st = ls_eval(c, aj, &fj, &dj, err);
        evals++;
        if (st != AXCON_OK) return st;
        if (!isfinite(fj) || fj > f0 + o->c1 * aj * dg0 || fj >= flo) {
            ahi = aj; fhi = fj; dhi = dj;
        } else {
            if (fabs(dj) <= curv) {
                *fa = fj;
                *a = aj;
                return 1;
            }
            if (dj * (ahi - alo) >= 0.0) {
                ahi = alo; fhi = flo; dhi = dlo;
            }
            alo = aj; flo = fj; dlo = dj;
        }
    }
    /* out of evaluations: settle for the best sufficient-decrease point, if any */
    if (alo > 0.0 && flo < f0) {
        if (c->alpha_cur != alo) {
            double fj, dj;
            st = ls_eval(c, alo, &fj, &dj, err);
            if (st != AXCON_OK) return st;
            if (!(isfinite(fj) && fj < f0)) goto fail;
            flo = fj;
        }
        *fa = flo;
        *a = alo;
        return 1;
    }
fail:
    c->xx = vmove(c->x, -c->alpha_cur, c->d, c->n);
    c->alpha_cur = 0.0;
    return 0;
}

/* One pass over the c history vectors V[0..c) (each S_k or Y_k): outg[k] = V[k].g and, when
 * yn is not NULL, outy[k] = V[k].yn. part: scratch of NBLK_MAX * 2c doubles. */
static void vmulti_dot(size_t n, const float *g, const float *yn, float *const *V, int c, double *outg, double *outy,
                       double *part)
{
    const vk_t *K = vk();
    size_t bs, nb = nblocks(n, &bs);
    const int w = 2 * c;
#pragma omp parallel for schedule(static) if (nb > 1)
    for (size_t b = 0; b < nb; b++) {
        size_t lo = b * bs, hi = lo + bs < n ? lo + bs : n;
        for (int k = 0; k < c; k++) {
            part[b * w + k] = K->dot(V[k] + lo, g + lo, hi - lo);
            part[b * w + c + k] = yn ? K->dot(V[k] + lo, yn + lo, hi - lo) : 0.0;
        }
    }
    for (int k = 0; k < c; k++) {
        double sg = 0.0, sy = 0.0;
        for (size_t b = 0; b < nb; b++) {
            sg += part[b * w + k];
            sy += part[b * w + c + k];
        }
        outg[k] = sg;
        if (outy) outy[k] = sy;
    }
}

/* d = -(gamma g + sum_k a[k] V[k]); returns g.d. One pass. */
static double vdirection(size_t n, float *d, const float *g, double gamma, float *const *V, const double *a, int c)
{
    const vk_t *K = vk();
    size_t bs, nb = nblocks(n, &bs);
    double part[NBLK_MAX];
#pragma omp parallel for schedule(static) if (nb > 1)
    for (size_t b = 0; b < nb; b++) {
        size_t lo = b * bs, hi = lo + bs < n ? lo + bs : n;
        K->comb(d + lo, 0.0f, (float)-gamma, 1, g + lo, NULL, hi - lo);
        for (int k = 0; k < c; k++) K->comb(d + lo, 1.0f, (float)-a[k], 0, V[k] + lo, NULL, hi - lo);
        part[b] = K->dot(g + lo, d + lo, hi - lo);
    }
    double sum = 0.0;
    for (size_t b = 0; b < nb; b++) sum += part[b];
    return sum;
}

int ax_lbfgs_minimize(size_t n, float *x, const ax_lbfgs_opts_t *o, ax_lbfgs_eval_fn eval,
                      ax_lbfgs_progress_fn progress, void *ctx, ax_lbfgs_info_t *info, axcon_error_t *err)
{
    const int m = o->m > 0 ? (o->m < AX_LBFGS_MMAX ? o->m : AX_LBFGS_MMAX) : 1;
    const int window = o->window > 0 ? o->window : 1;
    float *g = NULL, *dspare = NULL, **S = NULL, **Y = NULL;
    double *fhist = NULL, *part = NULL;
    /* compact representation (Byrd, Nocedal & Schnabel 1994), logical index 0 = oldest pair:
     * SY[i][j] = s_i.y_j (i <= j used), YY[i][j] = y_i.y_j */
    double SY[AX_LBFGS_MMAX][AX_LBFGS_MMAX], YY[AX_LBFGS_MMAX][AX_LBFGS_MMAX];
    double sg[AX_LBFGS_MMAX], yg[AX_LBFGS_MMAX], sy_new = 1.0, yy_new = 1.0;
    double wv[AX_LBFGS_MMAX], coef[2 * AX_LBFGS_MMAX];
    float *V[2 * AX_LBFGS_MMAX];
    int st = AXCON_OK, first = 0, count = 0, need_col = 0;
    double f, gg, xx;
    lsctx_t c;

    memset(info, 0, sizeof *info);
    S = ax_alloc((size_t)m, sizeof *S, 1, "lbfgs history", err);
    Y = ax_alloc((size_t)m, sizeof *Y, 1, "lbfgs history", err);
    fhist = ax_alloc((size_t)window + 1, sizeof *fhist, 1, "lbfgs history", err);
    part = ax_alloc((size_t)NBLK_MAX * 4 * m, sizeof *part, 0, "lbfgs partial sums", err);
    if (!S || !Y || !fhist || !part) goto nomem;
    g = ax_vec_alloc(n, 0, "lbfgs gradient", err);
    dspare = ax_vec_alloc(n, 0, "lbfgs direction", err);
    if (!g || !dspare) goto nomem;
    for (int k = 0; k < m; k++) {
        S[k] = ax_vec_alloc(n, 0, "lbfgs history", err);
        Y[k] = ax_vec_alloc(n, 0, "lbfgs history", err);
        if (!S[k] || !Y[k]) goto nomem;
    }

    c.n = n;
    c.x = x;
    c.nevals = 0;
    c.max_evals = o->max_evals > 0 ? o->max_evals : 4 * o->max_iter + 20;
    c.eval = eval;
    c.ctx = ctx;

    st = eval(ctx, x, &f, g, S[0], err);
    c.nevals = 1;
    if (st != AXCON_OK) goto out;
    if (!isfinite(f)) {
        st = axcon_error_set(err, AXCON_EINTERNAL, "L-BFGS: the objective is not finite at the starting point");
        goto out;
    }
    gg = ax_vdot(g, g, n);
    xx = ax_vdot(x, x, n);
    info->f = f;
    info->gnorm = sqrt(gg);
    info->xnorm = sqrt(xx);
    info->nevals = 1;
    fhist[0] = f;
    int reset_tries = 0;

    for (;;) {
        if (info->gnorm <= o->gtol * (info->xnorm > 1.0 ? info->xnorm : 1.0)) {
            info->status = AX_LBFGS_CONVERGED_G;
            break;
        }
        if (info->iter >= o->max_iter) {
            info->status = AX_LBFGS_MAX_ITER;
            break;
        }
        if (c.nevals >= c.max_evals) {
            info->status = AX_LBFGS_MAX_EVALS;
            break;
        }
        /* direction d = -H g with the compact representation: one pass for the inner products,
         * one pass to assemble d (and g.d) */
        float *d = dspare;
        double a1, dg0;
        if (count == 0) {
            dg0 = vcomb_dot(d, 0.0, -1.0, g, g, n);
            a1 = info->iter == 0 && o->alpha0 > 0.0 ? o->alpha0 : 1.0 / info->gnorm;
        } else {
            const int cn = count, nw = cn - 1;
            for (int k = 0; k < cn; k++) {
                V[k] = S[(first + k) % m];
                V[cn + k] = Y[(first + k) % m];
            }
            const float *ynew = Y[(first + nw) % m];
            double tmp[2 * AX_LBFGS_MMAX], tmpy[2 * AX_LBFGS_MMAX];
            vmulti_dot(n, g, need_col ? ynew : NULL, V, 2 * cn, tmp, need_col ? tmpy : NULL, part);
            for (int k = 0; k < cn; k++) {
                sg[k] = tmp[k];
                yg[k] = tmp[cn + k];
            }
            if (need_col) { /* column of the newest pair: s_k.y_new, y_k.y_new */
                for (int k = 0; k < cn; k++) {
                    SY[k][nw] = k == nw ? sy_new : tmpy[k];
                    YY[k][nw] = YY[nw][k] = k == nw ? yy_new : tmpy[cn + k];
                }
                need_col = 0;
            }
            double gamma = SY[nw][nw] / YY[nw][nw];
            /* w = R^-1 (S^T g) */
            for (int i = cn - 1; i >= 0; i--) {
                double t = sg[i];
                for (int j = i + 1; j < cn; j++) t -= SY[i][j] * wv[j];
                wv[i] = t / SY[i][i];
            }
            /* q1 = R^-T ((D + gamma Y^T Y) w - gamma Y^T g), q2 = -w */
            for (int i = 0; i < cn; i++) {
                double t = SY[i][i] * wv[i] - gamma * yg[i];
                for (int j = 0; j < cn; j++) t += gamma * YY[i][j] * wv[j];
                for (int j = 0; j < i; j++) t -= SY[j][i] * coef[j];
                coef[i] = t / SY[i][i];
            }
            for (int i = 0; i < cn; i++) coef[cn + i] = -gamma * wv[i];
            /* H g = gamma g + S q1 + gamma Y q2 */
            dg0 = vdirection(n, d, g, gamma, V, coef, 2 * cn);
            a1 = 1.0;
        }
        if (!(dg0 < 0.0)) { /* not a descent direction: restart from steepest descent */
            count = 0;
            first = 0;
            need_col = 0;
            dg0 = vcomb_dot(d, 0.0, -1.0, g, g, n);
            a1 = 1.0 / info->gnorm;
        }
        /* the trial gradient goes into the Y buffer of the slot the new pair will occupy */
        int slot = count < m ? (first + count) % m : first;
        c.d = d;
        c.gt = Y[slot];
        c.work = S[slot]; /* idle: a free slot, or the oldest pair, no longer needed */
        c.alpha_cur = 0.0;
        c.xx = xx;
        double fnew = f, astep = 0.0;
        int ok = linesearch(&c, f, dg0, a1, o, &fnew, &astep, err);
        if (ok < 0) {
            st = ok;
            goto out;
        }
        if (count == m) { /* the oldest pair's buffers were used as scratch: drop it */
            first = (first + 1) % m;
            count--;
            for (int i = 0; i < count; i++)
                for (int j = 0; j < count; j++) {
                    SY[i][j] = SY[i + 1][j + 1];
                    YY[i][j] = YY[i + 1][j + 1];
                }
        }
        if (!ok) {
            if (count > 0 || reset_tries == 0) { /* retry once along -g with a fresh history */
                count = 0;
                first = 0;
                need_col = 0;
                reset_tries++;
                if (c.nevals < c.max_evals) continue;
            }
            info->status = c.nevals >= c.max_evals ? AX_LBFGS_MAX_EVALS : AX_LBFGS_LINESEARCH_FAIL;
            break;
        }
        reset_tries = 0;
        xx = c.xx;
        double sy, yy, gnew2;
        vupdate(d, Y[slot], g, astep, n, &sy, &yy, &gnew2);
        /* store the pair (s in d's buffer, y in Y[slot]); S[slot]'s buffer becomes the spare */
        if (sy > 1e-10 * yy && yy > 0.0) {
            dspare = S[slot];
            S[slot] = d;
            count++;
            sy_new = sy;
            yy_new = yy;
            need_col = 1;
        }
        f = fnew;
        info->iter++;
        info->nevals = c.nevals;
        info->f = f;
        info->gnorm = sqrt(gnew2);
        info->xnorm = sqrt(xx);
        info->step = astep;
        if (progress && progress(ctx, info)) {
            info->status = AX_LBFGS_STOPPED;
            break;
        }
        /* relative decrease over the window */
        fhist[info->iter % (window + 1)] = f;
        if (info->iter >= window) {
            double fw = fhist[(info->iter - window) % (window + 1)];
            double den = fabs(f) > 1e-300 ? fabs(f) : 1e-300;
            if ((fw - f) / den < o->ftol) {
                info->status = AX_LBFGS_CONVERGED_F;
                break;
            }
        }
    }
    info->nevals = c.nevals;
    goto out;

nomem:
    st = AXCON_ENOMEM;
out:
    if (S)
        for (int k = 0; k < m; k++) free(S[k]);
    if (Y)
        for (int k = 0; k < m; k++) free(Y[k]);
    free(S);
    free(Y);
    free(g);
    free(dspare);
    free(fhist);
    free(part);
    return st;
}
