/* simulate.c - owns the synthetic protein family of `axcon simulate` (see axcon/simulate.h):
 * the deterministic PRNG, the folded C-alpha/pseudo-C-beta chain, the Potts model planted on
 * its contacts, Gibbs/phylogeny sampling, gaps and insertions, and the A3M/truth writers.
 * Everything runs on one thread from one seed, so the output never depends on -t. */
#include "axcon/simulate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "axcon/log.h"
#include "axcon/ofile.h"
#include "core/util.h"

#define NAA 20
#define SIM_GAP 20
#define SIM_PI 3.14159265358979323846
#define DEG (SIM_PI / 180.0)

/* geometry (Angstrom) */
#define BOND 3.8          /* consecutive C-alpha distance */
#define CB_LEN 1.53       /* C-alpha to pseudo-C-beta */
#define CONTACT 8.0       /* pseudo-C-beta contact cutoff */
#define CORE_CA 4.0       /* hard core of C-alphas with |i-j| >= 3 */
#define CORE_CB 3.6       /* hard core of pseudo-C-betas with |i-j| >= 3 */
#define GROW_CA 5.0       /* stricter core while growing the initial chain */
#define WELL_CA 7.0       /* square-well attraction of C-alphas with |i-j| >= 3 */
#define SHEET_LO 4.2      /* strand-pairing bonus window for C-alphas of two strand residues */
#define SHEET_HI 5.6
#define GRID 8.0          /* cell size of the neighbour grid (>= every interaction range) */
#define ANGLE_MIN (80.0 * DEG)
#define ANGLE_MAX (150.0 * DEG)

/* ---------------------------------------------------------------- PRNG */

typedef struct {
    uint64_t s[4];
} rng_t;

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* Independent streams of one seed: stage-specific generators so changing one stage
 * (e.g. the gap rate) does not change the others. */
static void rng_seed(rng_t *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ (0xD1B54A32D192ED03ULL * (stream + 1));
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&x);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t rng_next(rng_t *r) /* xoshiro256** */
{
    uint64_t *s = r->s;
    uint64_t out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

static double rng_unif(rng_t *r) { return (double)(rng_next(r) >> 11) * 0x1.0p-53; } /* [0,1) */

static size_t rng_below(rng_t *r, size_t n) /* uniform in [0, n), n >= 1 */
{
    return (size_t)(((unsigned __int128)rng_next(r) * n) >> 64);
}

static double rng_normal(rng_t *r)
{
    double u1 = 1.0 - rng_unif(r), u2 = rng_unif(r);
    return sqrt(-2.0 * log(u1)) * cos(2.0 * SIM_PI * u2);
}

/* Binomial(n, 1/2) from random bits. */
static size_t rng_binom_half(rng_t *r, size_t n)
{
    size_t k = 0;
    while (n >= 64) {
        k += (size_t)__builtin_popcountll(rng_next(r));
        n -= 64;
    }
    if (n) k += (size_t)__builtin_popcountll(rng_next(r) & ((1ULL << n) - 1));
    return k;
}

enum { STREAM_LAYOUT = 1, STREAM_FOLD, STREAM_MODEL, STREAM_GIBBS, STREAM_TREE, STREAM_GAPS, STREAM_INSERT };

/* ---------------------------------------------------------------- amino acids */

/* Order ARNDCQEGHILKMFPSTWYV (AXCON_ALPHABET). */
static const char AA[NAA + 1] = "ARNDCQEGHILKMFPSTWYV";
/* UniProtKB/Swiss-Prot composition (%), a realistic background. */
static const double BG[NAA] = {8.25, 5.53, 4.06, 5.45, 1.37, 3.93, 6.75, 7.07, 2.27, 5.96,
                               9.66, 5.84, 2.42, 3.86, 4.70, 6.56, 5.34, 1.08, 2.92, 6.87};
/* Kyte-Doolittle hydropathy / 4.5. */
static const double HYD[NAA] = {1.8 / 4.5,  -4.5 / 4.5, -3.5 / 4.5, -3.5 / 4.5, 2.5 / 4.5,
                                -3.5 / 4.5, -3.5 / 4.5, -0.4 / 4.5, -3.2 / 4.5, 4.5 / 4.5,
                                3.8 / 4.5,  -3.9 / 4.5, 1.9 / 4.5,  2.8 / 4.5,  -1.6 / 4.5,
                                -0.8 / 4.5, -0.7 / 4.5, -0.9 / 4.5, -1.3 / 4.5, 4.2 / 4.5};
/* side-chain charge at neutral pH (His partly). */
static const double CHG[NAA] = {0, 1, 0, -1, 0, 0, -1, 0, 0.3, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0};

/* ---------------------------------------------------------------- the object */

struct axcon_sim {
    axcon_sim_opts_t opt;
    size_t L, N;
    char *ss;         /* L + 1 */
    double *ca, *cb;  /* 3L */
    double *dist;     /* L x L pseudo-CB distances */
    /* Potts model */
    double *h;        /* L x 20 */
    size_t nedge;
    size_t *ei, *ej;  /* planted pairs, ei < ej */
    double *J;        /* nedge x 400, J[e][a*20+b] couples a at ei with b at ej */
    size_t *adj_start; /* L + 1, CSR over sites */
    size_t *adj_edge;  /* 2 * nedge */
    uint8_t *coupled;  /* L x L flags */
    uint8_t *codes;    /* N x L */
};

/* ---------------------------------------------------------------- vectors */

static inline void v_sub(const double *a, const double *b, double *o)
{
    o[0] = a[0] - b[0];
    o[1] = a[1] - b[1];
    o[2] = a[2] - b[2];
}
static inline double v_dot(const double *a, const double *b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }
static inline void v_cross(const double *a, const double *b, double *o)
{
    double x = a[1] * b[2] - a[2] * b[1], y = a[2] * b[0] - a[0] * b[2], z = a[0] * b[1] - a[1] * b[0];
    o[0] = x;
    o[1] = y;
    o[2] = z;
}
static inline double v_norm(const double *a) { return sqrt(v_dot(a, a)); }
static inline void v_unit(double *a)
{
    double n = v_norm(a);
    if (n > 0) {
        a[0] /= n;
        a[1] /= n;
        a[2] /= n;
    }
}
static inline double v_dist2(const double *a, const double *b)
{
    double d[3];
    v_sub(a, b, d);
    return v_dot(d, d);
}

static double angle3(const double *a, const double *b, const double *c)
{
    double u[3], v[3];
    v_sub(a, b, u);
    v_sub(c, b, v);
    double cs = v_dot(u, v) / (v_norm(u) * v_norm(v));
    if (cs > 1) cs = 1;
    if (cs < -1) cs = -1;
    return acos(cs);
}

static double dihedral4(const double *p0, const double *p1, const double *p2, const double *p3)
{
    double b1[3], b2[3], b3[3], n1[3], n2[3], m[3];
    v_sub(p1, p0, b1);
    v_sub(p2, p1, b2);
    v_sub(p3, p2, b3);
    v_cross(b1, b2, n1);
    v_cross(b2, b3, n2);
    v_cross(n1, n2, m);
    return atan2(v_dot(m, b2) / v_norm(b2), v_dot(n1, n2));
}

/* NeRF: place d so that |cd| = BOND, angle(b,c,d) = theta, dihedral(a,b,c,d) = tau. */
static void place(const double *a, const double *b, const double *c, double theta, double tau, double *d)
{
    double bc[3], ab[3], n[3], m[3];
    v_sub(c, b, bc);
    v_unit(bc);
    v_sub(b, a, ab);
    v_cross(ab, bc, n);
    v_unit(n);
    v_cross(n, bc, m);
    double d2[3] = {-BOND * cos(theta), BOND * sin(theta) * cos(tau), BOND * sin(theta) * sin(tau)};
    for (int k = 0; k < 3; k++) d[k] = c[k] + d2[0] * bc[k] + d2[1] * m[k] + d2[2] * n[k];
}

/* Pseudo-C-beta of an interior residue from its C-alpha and the two neighbours: along the
 * outward bisector of the bend, tilted out of the plane (one fixed handedness). */
static void cb_interior(const double *prev, const double *cur, const double *next, double *cb)
{
    double b1[3], b2[3], u[3], n[3];
    v_sub(cur, prev, b1);
    v_sub(next, cur, b2);
    v_sub(b1, b2, u);
    v_unit(u);
    v_cross(b1, b2, n);
    v_unit(n);
    const double cu = 0.81915204428899178, cn = 0.57357643635104609; /* cos, sin of 35 degrees */
    for (int k = 0; k < 3; k++) cb[k] = cur[k] + CB_LEN * (cu * u[k] + cn * n[k]);
}

static void cb_all(size_t L, const double *ca, double *cb)
{
    for (size_t i = 1; i + 1 < L; i++) cb_interior(ca + 3 * (i - 1), ca + 3 * i, ca + 3 * (i + 1), cb + 3 * i);
    /* termini: same offset as the neighbour (keeps them rigid with it under pivot moves) */
    for (int k = 0; k < 3; k++) {
        cb[k] = ca[k] + (cb[3 + k] - ca[3 + k]);
        cb[3 * (L - 1) + k] = ca[3 * (L - 1) + k] + (cb[3 * (L - 2) + k] - ca[3 * (L - 2) + k]);
    }
}

/* ---------------------------------------------------------------- structure */

/* Secondary-structure layout: coil of 2-4, then helices (8-18) or strands (5-9) separated
 * by coils of 2-5, ending in a coil of >= 2. */
static void sim_layout(size_t L, rng_t *r, char *ss)
{
    memset(ss, 'C', L);
    ss[L] = '\0';
    size_t pos = 2 + rng_below(r, 3);
    while (pos + 2 < L) {
        int helix = rng_unif(r) < 0.5;
        size_t len = helix ? 8 + rng_below(r, 11) : 5 + rng_below(r, 5);
        if (pos + len + 2 > L) len = L - 2 - pos;
        if (len >= (helix ? 6u : 4u))
            for (size_t k = 0; k < len; k++) ss[pos + k] = helix ? 'H' : 'E';
        pos += len + 2 + rng_below(r, 4);
    }
}

/* Same secondary-structure element on residues a..b (inclusive)? */
static int same_sse(const char *ss, size_t a, size_t b)
{
    if (ss[a] == 'C') return 0;
    for (size_t k = a + 1; k <= b; k++)
        if (ss[k] != ss[a]) return 0;
    return 1;
}

typedef struct {
    double helix_theta, helix_tau, strand_theta, strand_tau;
} ideal_t;

static void ideal_init(ideal_t *g)
{
    /* ideal helix trace: radius 2.3, rise 1.5, 100 degrees per residue */
    double p[4][3];
    for (int k = 0; k < 4; k++) {
        p[k][0] = 2.3 * cos(k * 100.0 * DEG);
        p[k][1] = 2.3 * sin(k * 100.0 * DEG);
        p[k][2] = 1.5 * k;
    }
    g->helix_theta = angle3(p[0], p[1], p[2]);
    g->helix_tau = dihedral4(p[0], p[1], p[2], p[3]);
    g->strand_theta = 120.0 * DEG;
    g->strand_tau = -170.0 * DEG;
}

/* Internal coordinates: theta[m] = angle at m (1..L-2), tau[m] = dihedral about bond
 * m -> m+1 (1..L-3). Fixed inside secondary structure, free (resampled) in coil. */
static void coil_theta_tau(rng_t *r, double *theta, double *tau)
{
    *theta = (90.0 + 40.0 * rng_unif(r)) * DEG;
    *tau = (-180.0 + 360.0 * rng_unif(r)) * DEG;
}

static int theta_free(const char *ss, size_t m) { return !same_sse(ss, m - 1, m + 1); }
static int tau_free(const char *ss, size_t m) { return !same_sse(ss, m - 1, m + 2); }

static void set_fixed_coords(const char *ss, size_t L, const ideal_t *g, double *theta, double *tau)
{
    for (size_t m = 1; m + 1 < L; m++)
        if (!theta_free(ss, m)) theta[m] = ss[m] == 'H' ? g->helix_theta : g->strand_theta;
    for (size_t m = 1; m + 2 < L; m++)
        if (!tau_free(ss, m)) tau[m] = ss[m] == 'H' ? g->helix_tau : g->strand_tau;
}

/* While growing: residue k was just placed. Checks its C-alpha against residues 0..k-3 and
 * the now-defined pseudo-C-beta of k-1 (and of k itself at the chain end) against the
 * C-betas of residues at least 3 away. Returns 1 on a clash. */
static int grow_clash(size_t L, const double *ca, double *cb, size_t k)
{
    for (size_t j = 0; j + 3 <= k; j++)
        if (v_dist2(ca + 3 * j, ca + 3 * k) < GROW_CA * GROW_CA) return 1;
    cb_interior(ca + 3 * (k - 2), ca + 3 * (k - 1), ca + 3 * k, cb + 3 * (k - 1));
    for (size_t j = 0; j + 4 <= k; j++)
        if (v_dist2(cb + 3 * j, cb + 3 * (k - 1)) < CORE_CB * CORE_CB) return 1;
    if (k == L - 1) {
        for (int d = 0; d < 3; d++) cb[3 * k + d] = ca[3 * k + d] + (cb[3 * (k - 1) + d] - ca[3 * (k - 1) + d]);
        for (size_t j = 0; j + 3 <= k; j++)
            if (v_dist2(cb + 3 * j, cb + 3 * k) < CORE_CB * CORE_CB) return 1;
    }
    return 0;
}

/* Grow a self-avoiding chain; free internal coordinates are resampled on a clash,
 * backtracking to the last residue whose placement has one. Returns 0 or -1 (gave up). */
static int grow_chain(size_t L, const char *ss, const ideal_t *g, rng_t *r, double *ca, double *cb,
                      double *theta, double *tau)
{
    for (size_t m = 1; m + 1 < L; m++) coil_theta_tau(r, &theta[m], &tau[m]);
    set_fixed_coords(ss, L, g, theta, tau);
    size_t budget = 200 * L + 1000;
    ca[0] = ca[1] = ca[2] = 0.0;
    ca[3] = BOND;
    ca[4] = ca[5] = 0.0;
    ca[6] = BOND - BOND * cos(theta[1]);
    ca[7] = BOND * sin(theta[1]);
    ca[8] = 0.0;
    cb_interior(ca, ca + 3, ca + 6, cb + 3);
    for (int d = 0; d < 3; d++) cb[d] = ca[d] + (cb[3 + d] - ca[3 + d]);
    size_t k = 3;
    while (k < L) {
        place(ca + 3 * (k - 3), ca + 3 * (k - 2), ca + 3 * (k - 1), theta[k - 1], tau[k - 2], ca + 3 * k);
        if (!grow_clash(L, ca, cb, k)) {
            k++;
            continue;
        }
        if (budget-- == 0) return -1;
        /* last placement at or before k that uses a free coordinate (k >= 3 always has
         * one at the chain start: residue 3 uses tau[1], free since residue 0 is coil) */
        size_t b = k;
        while (b > 3 && !theta_free(ss, b - 1) && !tau_free(ss, b - 2)) b--;
        if (theta_free(ss, b - 1)) theta[b - 1] = (90.0 + 40.0 * rng_unif(r)) * DEG;
        if (tau_free(ss, b - 2)) tau[b - 2] = (-180.0 + 360.0 * rng_unif(r)) * DEG;
        /* occasionally step back further so a stuck element can swing elsewhere */
        if (rng_unif(r) < 0.2 && b > 3) {
            size_t b2 = b - 1;
            while (b2 > 3 && !theta_free(ss, b2 - 1) && !tau_free(ss, b2 - 2)) b2--;
            if (tau_free(ss, b2 - 2)) tau[b2 - 2] = (-180.0 + 360.0 * rng_unif(r)) * DEG;
            b = b2;
        }
        k = b;
    }
    return 0;
}

/* Neighbour grid over C-alphas: hashed cells, each atom remembers its cell. */
typedef struct {
    size_t mask;
    long *head; /* mask + 1 buckets, -1 = empty */
    long *next; /* L */
    int *cell;  /* 3L */
} grid_t;

static inline int cell_of(double x) { return (int)floor(x / GRID); }
static inline size_t cell_hash(const grid_t *g, int x, int y, int z)
{
    uint64_t hsh = (uint64_t)(uint32_t)x * 73856093ULL ^ (uint64_t)(uint32_t)y * 19349663ULL ^
                   (uint64_t)(uint32_t)z * 83492791ULL;
    return (size_t)(hsh & g->mask);
}

static void grid_build(grid_t *g, size_t L, const double *ca)
{
    for (size_t b = 0; b <= g->mask; b++) g->head[b] = -1;
    for (size_t i = 0; i < L; i++) {
        int *c = g->cell + 3 * i;
        c[0] = cell_of(ca[3 * i]);
        c[1] = cell_of(ca[3 * i + 1]);
        c[2] = cell_of(ca[3 * i + 2]);
        size_t hb = cell_hash(g, c[0], c[1], c[2]);
        g->next[i] = g->head[hb];
        g->head[hb] = (long)i;
    }
}

typedef struct {
    size_t L;
    const char *ss;
    double *ca, *cb;
    double *nca, *ncb; /* proposal buffers */
    grid_t grid;
    double sum[3], sumsq; /* for the radius of gyration */
    double rg0;
} fold_t;

/* Interaction energy terms of C-alpha pair (m, f) at squared distance d2. */
static inline double pair_energy(const char *ss, size_t m, size_t f, double d2)
{
    size_t s = m > f ? m - f : f - m;
    if (s < 3) return 0.0;
    double e = 0.0;
    if (d2 < WELL_CA * WELL_CA) e -= 1.0;
    if (ss[m] == 'E' && ss[f] == 'E' && d2 > SHEET_LO * SHEET_LO && d2 < SHEET_HI * SHEET_HI) e -= 1.5;
    return e;
}

static double rg_penalty(const fold_t *F, const double *sum, double sumsq)
{
    double n = (double)F->L;
    double rg2 = sumsq / n - (sum[0] * sum[0] + sum[1] * sum[1] + sum[2] * sum[2]) / (n * n);
    double rg = sqrt(rg2 > 0 ? rg2 : 0);
    return rg > F->rg0 ? 2.0 * (rg - F->rg0) * (rg - F->rg0) : 0.0;
}

/* Sum of pair energies of atom m at position p against non-moved atoms (outside [lo,hi]);
 * when check is set, returns +INFINITY on a hard-core clash (C-alpha, or pseudo-C-beta pcb
 * against the stored C-betas; the C-betas of k1, k2 are stale and checked elsewhere). */
static double env_energy(const fold_t *F, size_t m, const double *p, const double *pcb, size_t lo, size_t hi,
                         size_t k1, size_t k2, int check)
{
    const grid_t *g = &F->grid;
    int cx = cell_of(p[0]), cy = cell_of(p[1]), cz = cell_of(p[2]);
    double e = 0.0;
    for (int dx = -1; dx <= 1; dx++)
        for (int dy = -1; dy <= 1; dy++)
            for (int dz = -1; dz <= 1; dz++) {
                int x = cx + dx, y = cy + dy, z = cz + dz;
                for (long f = g->head[cell_hash(g, x, y, z)]; f >= 0; f = g->next[f]) {
                    const int *c = g->cell + 3 * f;
                    if (c[0] != x || c[1] != y || c[2] != z) continue;
                    size_t uf = (size_t)f;
                    if (uf >= lo && uf <= hi) continue;
                    size_t s = m > uf ? m - uf : uf - m;
                    double d2 = v_dist2(p, F->ca + 3 * uf);
                    if (check && s >= 3) {
                        if (d2 < CORE_CA * CORE_CA) return INFINITY;
                        if (uf != k1 && uf != k2 && v_dist2(pcb, F->cb + 3 * uf) < CORE_CB * CORE_CB) return INFINITY;
                    }
                    e += pair_energy(F->ss, m, uf, d2);
                }
            }
    return e;
}

/* Rotation matrix about unit axis u by angle a. */
static void rot_matrix(const double *u, double a, double R[9])
{
    double c = cos(a), s = sin(a), t = 1 - c;
    R[0] = t * u[0] * u[0] + c;
    R[1] = t * u[0] * u[1] - s * u[2];
    R[2] = t * u[0] * u[2] + s * u[1];
    R[3] = t * u[0] * u[1] + s * u[2];
    R[4] = t * u[1] * u[1] + c;
    R[5] = t * u[1] * u[2] - s * u[0];
    R[6] = t * u[0] * u[2] - s * u[1];
    R[7] = t * u[1] * u[2] + s * u[0];
    R[8] = t * u[2] * u[2] + c;
}

static inline void rot_about(const double R[9], const double *o, const double *p, double *out)
{
    double d[3];
    v_sub(p, o, d);
    out[0] = o[0] + R[0] * d[0] + R[1] * d[1] + R[2] * d[2];
    out[1] = o[1] + R[3] * d[0] + R[4] * d[1] + R[5] * d[2];
    out[2] = o[2] + R[6] * d[0] + R[7] * d[1] + R[8] * d[2];
}

/* Position of residue m after the proposed move (moved range [lo,hi] from the buffers). */
static inline const double *ca_after(const fold_t *F, size_t m, size_t lo, size_t hi)
{
    return m >= lo && m <= hi ? F->nca + 3 * m : F->ca + 3 * m;
}

/* New pseudo-C-beta of a fixed residue k whose neighbour moved; checks its bond angle and
 * its clashes with every other C-beta (other[] = the other special residue, or SIZE_MAX).
 * Returns 0 when the move must be rejected. */
static int special_cb(const fold_t *F, size_t k, size_t lo, size_t hi, size_t other, const double *other_cb,
                      double *cbk)
{
    const double *prev = ca_after(F, k - 1, lo, hi), *next = ca_after(F, k + 1, lo, hi), *o = F->ca + 3 * k;
    double ang = angle3(prev, o, next);
    if (ang < ANGLE_MIN || ang > ANGLE_MAX) return 0;
    cb_interior(prev, o, next, cbk);
    for (size_t m = lo; m <= hi; m++) {
        size_t s = m > k ? m - k : k - m;
        if (s >= 3 && v_dist2(cbk, F->ncb + 3 * m) < CORE_CB * CORE_CB) return 0;
    }
    if (other_cb) {
        size_t s = other > k ? other - k : k - other;
        if (s >= 3 && v_dist2(cbk, other_cb) < CORE_CB * CORE_CB) return 0;
    }
    const grid_t *g = &F->grid;
    int cx = cell_of(o[0]), cy = cell_of(o[1]), cz = cell_of(o[2]);
    for (int dx = -1; dx <= 1; dx++)
        for (int dy = -1; dy <= 1; dy++)
            for (int dz = -1; dz <= 1; dz++) {
                int x = cx + dx, y = cy + dy, z = cz + dz;
                for (long f = g->head[cell_hash(g, x, y, z)]; f >= 0; f = g->next[f]) {
                    const int *c = g->cell + 3 * f;
                    if (c[0] != x || c[1] != y || c[2] != z) continue;
                    size_t uf = (size_t)f;
                    if ((uf >= lo && uf <= hi) || uf == other) continue;
                    size_t s = k > uf ? k - uf : uf - k;
                    if (s >= 3 && v_dist2(cbk, F->cb + 3 * uf) < CORE_CB * CORE_CB) return 0;
                }
            }
    return 1;
}

/* One Metropolis move: rotate residues [lo,hi] by R about the point o. k1 (and k2 unless
 * SIZE_MAX) are the fixed residues next to the moved range whose C-beta changes.
 * Returns 1 if accepted. */
static int try_move(fold_t *F, size_t lo, size_t hi, const double R[9], const double *o, size_t k1, size_t k2,
                    double T, rng_t *r)
{
    size_t L = F->L;
    for (size_t m = lo; m <= hi; m++) {
        rot_about(R, o, F->ca + 3 * m, F->nca + 3 * m);
        rot_about(R, o, F->cb + 3 * m, F->ncb + 3 * m);
    }
    double cb1[3], cb2[3];
    if (!special_cb(F, k1, lo, hi, k2, NULL, cb1)) return 0;
    if (k2 != SIZE_MAX && !special_cb(F, k2, lo, hi, k1, cb1, cb2)) return 0;
    double e_new = 0.0, e_old = 0.0, nsum[3] = {F->sum[0], F->sum[1], F->sum[2]}, nsq = F->sumsq;
    for (size_t m = lo; m <= hi; m++) {
        double en = env_energy(F, m, F->nca + 3 * m, F->ncb + 3 * m, lo, hi, k1, k2, 1);
        if (isinf(en)) return 0;
        e_new += en;
        e_old += env_energy(F, m, F->ca + 3 * m, F->cb + 3 * m, lo, hi, k1, k2, 0);
        for (int d = 0; d < 3; d++) nsum[d] += F->nca[3 * m + d] - F->ca[3 * m + d];
        nsq += v_dot(F->nca + 3 * m, F->nca + 3 * m) - v_dot(F->ca + 3 * m, F->ca + 3 * m);
    }
    double dE = e_new - e_old + rg_penalty(F, nsum, nsq) - rg_penalty(F, F->sum, F->sumsq);
    if (dE > 0 && rng_unif(r) >= exp(-dE / T)) return 0;
    memcpy(F->ca + 3 * lo, F->nca + 3 * lo, (hi - lo + 1) * 3 * sizeof(double));
    memcpy(F->cb + 3 * lo, F->ncb + 3 * lo, (hi - lo + 1) * 3 * sizeof(double));
    memcpy(F->cb + 3 * k1, cb1, sizeof cb1);
    if (k2 != SIZE_MAX) memcpy(F->cb + 3 * k2, cb2, sizeof cb2);
    memcpy(F->sum, nsum, sizeof nsum);
    F->sumsq = nsq;
    grid_build(&F->grid, L, F->ca);
    return 1;
}

static double move_angle(rng_t *r) { return rng_unif(r) < 0.7 ? 0.25 * rng_normal(r) : (rng_unif(r) - 0.5) * SIM_PI; }

/* Pivot: rotate the shorter end of the chain about C-alpha k (random axis). */
static int pivot_move(fold_t *F, size_t k, double T, rng_t *r)
{
    size_t L = F->L, lo = k < L / 2 ? 0 : k + 1, hi = k < L / 2 ? k - 1 : L - 1;
    double axis[3] = {rng_normal(r), rng_normal(r), rng_normal(r)}, R[9];
    v_unit(axis);
    rot_matrix(axis, move_angle(r), R);
    return try_move(F, lo, hi, R, F->ca + 3 * k, k, SIZE_MAX, T, r);
}

/* Crankshaft: rotate the residues strictly between pivots k1 < k2 about the k1-k2 axis. */
static int crank_move(fold_t *F, size_t k1, size_t k2, double T, rng_t *r)
{
    double axis[3], R[9];
    v_sub(F->ca + 3 * k2, F->ca + 3 * k1, axis);
    v_unit(axis);
    rot_matrix(axis, move_angle(r), R);
    return try_move(F, k1 + 1, k2 - 1, R, F->ca + 3 * k1, k1, k2, T, r);
}

/* Full check of the invariants: bonds, angles, hard cores. */
static int chain_ok(size_t L, const double *ca, const double *cb)
{
    for (size_t i = 0; i + 1 < L; i++)
        if (fabs(sqrt(v_dist2(ca + 3 * i, ca + 3 * (i + 1))) - BOND) > 1e-6) return 0;
    for (size_t i = 0; i < L; i++)
        for (size_t j = i + 3; j < L; j++) {
            if (v_dist2(ca + 3 * i, ca + 3 * j) < CORE_CA * CORE_CA - 1e-9) return 0;
            if (v_dist2(cb + 3 * i, cb + 3 * j) < CORE_CB * CORE_CB - 1e-9) return 0;
        }
    return 1;
}

static int sim_fold(axcon_sim_t *S, axcon_error_t *err)
{
    size_t L = S->L;
    int rc = AXCON_OK;
    rng_t r;
    rng_seed(&r, S->opt.seed, STREAM_LAYOUT);
    sim_layout(L, &r, S->ss);
    rng_seed(&r, S->opt.seed, STREAM_FOLD);
    ideal_t g;
    ideal_init(&g);

    fold_t F;
    memset(&F, 0, sizeof F);
    F.L = L;
    F.ss = S->ss;
    F.ca = S->ca;
    F.cb = S->cb;
    size_t nb = 1;
    while (nb < 2 * L) nb <<= 1;
    F.grid.mask = nb - 1;
    double *theta = ax_alloc(L, sizeof(double), 1, "simulate: internal coordinates", err);
    double *tau = ax_alloc(L, sizeof(double), 1, "simulate: internal coordinates", err);
    F.nca = ax_alloc(3 * L, sizeof(double), 1, "simulate: coordinates", err);
    F.ncb = ax_alloc(3 * L, sizeof(double), 1, "simulate: coordinates", err);
    F.grid.head = ax_alloc(nb, sizeof(long), 0, "simulate: grid", err);
    F.grid.next = ax_alloc(L, sizeof(long), 0, "simulate: grid", err);
    F.grid.cell = ax_alloc(3 * L, sizeof(int), 0, "simulate: grid", err);
    size_t *pivots = ax_alloc(L, sizeof(size_t), 0, "simulate: pivots", err);
    if (!theta || !tau || !F.nca || !F.ncb || !F.grid.head || !F.grid.next || !F.grid.cell || !pivots) {
        rc = AXCON_ENOMEM;
        goto cleanup;
    }

    int grown = 0;
    for (int attempt = 0; attempt < 50 && !grown; attempt++) {
        if (grow_chain(L, S->ss, &g, &r, S->ca, S->cb, theta, tau) != 0) continue;
        cb_all(L, S->ca, S->cb);
        grown = chain_ok(L, S->ca, S->cb);
    }
    if (!grown) {
        rc = axcon_error_set(err, AXCON_EINTERNAL, "simulate: could not grow a self-avoiding chain of %zu residues", L);
        goto cleanup;
    }

    /* pivots: residues 2..L-3 that are not inside a secondary structure element */
    size_t npiv = 0;
    for (size_t k = 2; k + 2 < L; k++)
        if (!same_sse(S->ss, k - 1, k + 1)) pivots[npiv++] = k;
    F.rg0 = 2.2 * pow((double)L, 0.38);
    for (size_t i = 0; i < L; i++) {
        for (int d = 0; d < 3; d++) F.sum[d] += S->ca[3 * i + d];
        F.sumsq += v_dot(S->ca + 3 * i, S->ca + 3 * i);
    }
    grid_build(&F.grid, L, S->ca);
    if (npiv > 0) {
        size_t nmoves = 1000 * L, acc = 0;
        double T0 = 2.0, T1 = 0.1;
        for (size_t t = 0; t < nmoves; t++) {
            double T = T0 * pow(T1 / T0, (double)t / (double)nmoves);
            size_t a = rng_below(&r, npiv);
            if (rng_unif(&r) < 0.5) {
                acc += (size_t)pivot_move(&F, pivots[a], T, &r);
            } else {
                /* second pivot within ~40 residues downstream */
                size_t b = a + 1 + rng_below(&r, 12);
                if (b < npiv && pivots[b] - pivots[a] >= 2 && pivots[b] - pivots[a] <= 40)
                    acc += (size_t)crank_move(&F, pivots[a], pivots[b], T, &r);
            }
        }
        axcon_debug("fold: %zu pivot moves over %zu pivots, %.1f%% accepted, Rg %.1f (target %.1f)", nmoves, npiv,
                    100.0 * (double)acc / (double)nmoves,
                    sqrt(F.sumsq / (double)L - v_dot(F.sum, F.sum) / ((double)L * (double)L)), F.rg0);
    }
    /* recompute C-betas from scratch (removes rounding drift) and verify everything */
    cb_all(L, S->ca, S->cb);
    if (!chain_ok(L, S->ca, S->cb)) {
        rc = axcon_error_set(err, AXCON_EINTERNAL, "simulate: folded chain violates its geometry invariants");
        goto cleanup;
    }
    for (size_t i = 0; i < L; i++) {
        S->dist[i * L + i] = 0.0;
        for (size_t j = i + 1; j < L; j++)
            S->dist[i * L + j] = S->dist[j * L + i] = sqrt(v_dist2(S->cb + 3 * i, S->cb + 3 * j));
    }
cleanup:
    free(theta);
    free(tau);
    free(F.nca);
    free(F.ncb);
    free(F.grid.head);
    free(F.grid.next);
    free(F.grid.cell);
    free(pivots);
    return rc;
}

/* ---------------------------------------------------------------- Potts model */

static int sim_model(axcon_sim_t *S, axcon_error_t *err)
{
    size_t L = S->L;
    rng_t r;
    rng_seed(&r, S->opt.seed, STREAM_MODEL);
    /* burial: pseudo-C-betas within 10 A, z-scored */
    double *bur = ax_alloc(L, sizeof(double), 1, "simulate: burial", err);
    if (!bur) return AXCON_ENOMEM;
    double mean = 0, sd = 0;
    for (size_t i = 0; i < L; i++) {
        for (size_t j = 0; j < L; j++)
            if (j != i && S->dist[i * L + j] < 10.0) bur[i] += 1.0;
        mean += bur[i];
    }
    mean /= (double)L;
    for (size_t i = 0; i < L; i++) sd += (bur[i] - mean) * (bur[i] - mean);
    sd = sqrt(sd / (double)L);
    for (size_t i = 0; i < L; i++) bur[i] = sd > 0 ? (bur[i] - mean) / sd : 0.0;

    double bgsum = 0;
    for (int a = 0; a < NAA; a++) bgsum += BG[a];
    for (size_t i = 0; i < L; i++) {
        double sig = 0.3 + 0.9 * rng_unif(&r);
        for (int a = 0; a < NAA; a++)
            S->h[i * NAA + a] = log(BG[a] / bgsum) + 0.6 * bur[i] * HYD[a] + sig * rng_normal(&r);
    }
    free(bur);

    /* planted pairs */
    size_t ms = (size_t)S->opt.min_sep, ne = 0;
    for (size_t i = 0; i < L; i++)
        for (size_t j = i + ms; j < L; j++)
            if (S->dist[i * L + j] < CONTACT) ne++;
    S->nedge = ne;
    S->ei = ax_alloc(ne, sizeof(size_t), 0, "simulate: couplings", err);
    S->ej = ax_alloc(ne, sizeof(size_t), 0, "simulate: couplings", err);
    S->J = ax_alloc(ne, NAA * NAA * sizeof(double), 0, "simulate: couplings", err);
    S->adj_start = ax_alloc(L + 1, sizeof(size_t), 1, "simulate: couplings", err);
    S->adj_edge = ax_alloc(2 * ne, sizeof(size_t), 0, "simulate: couplings", err);
    if (!S->ei || !S->ej || !S->J || !S->adj_start || !S->adj_edge) return AXCON_ENOMEM;
    double s = S->opt.coupling_strength;
    /* hydropathy and charge centred on the background, so the physico-chemical terms shape
     * pair preferences without shifting the composition (no all-hydrophobic "phase") */
    double hc[NAA], qc[NAA], hm = 0, qm = 0;
    for (int a = 0; a < NAA; a++) {
        hm += BG[a] / bgsum * HYD[a];
        qm += BG[a] / bgsum * CHG[a];
    }
    for (int a = 0; a < NAA; a++) {
        hc[a] = HYD[a] - hm;
        qc[a] = CHG[a] - qm;
    }
    size_t e = 0;
    for (size_t i = 0; i < L; i++)
        for (size_t j = i + ms; j < L; j++) {
            if (!(S->dist[i * L + j] < CONTACT)) continue;
            S->ei[e] = i;
            S->ej[e] = j;
            S->coupled[i * L + j] = S->coupled[j * L + i] = 1;
            double ch = 0.5 * rng_unif(&r), cq = rng_unif(&r);
            double *Je = S->J + e * NAA * NAA;
            for (int a = 0; a < NAA; a++)
                for (int b = 0; b < NAA; b++)
                    Je[a * NAA + b] = s * (0.7 * rng_normal(&r) + ch * hc[a] * hc[b] - cq * qc[a] * qc[b]);
            S->adj_start[i + 1]++;
            S->adj_start[j + 1]++;
            e++;
        }
    for (size_t i = 0; i < L; i++) S->adj_start[i + 1] += S->adj_start[i];
    size_t *fill = ax_alloc(L, sizeof(size_t), 0, "simulate: couplings", err);
    if (!fill) return AXCON_ENOMEM;
    memcpy(fill, S->adj_start, L * sizeof(size_t));
    for (e = 0; e < ne; e++) {
        S->adj_edge[fill[S->ei[e]]++] = e;
        S->adj_edge[fill[S->ej[e]]++] = e;
    }
    free(fill);
    return AXCON_OK;
}

/* Local field of site i given the rest of seq: f[a] = h_i(a) + sum_j J_ij(a, seq_j). */
static void local_field(const axcon_sim_t *S, const uint8_t *seq, size_t i, double *f)
{
    memcpy(f, S->h + i * NAA, NAA * sizeof(double));
    for (size_t k = S->adj_start[i]; k < S->adj_start[i + 1]; k++) {
        size_t e = S->adj_edge[k];
        const double *Je = S->J + e * NAA * NAA;
        if (S->ei[e] == i) {
            int b = seq[S->ej[e]];
            for (int a = 0; a < NAA; a++) f[a] += Je[a * NAA + b];
        } else {
            int b = seq[S->ei[e]];
            for (int a = 0; a < NAA; a++) f[a] += Je[b * NAA + a];
        }
    }
}

static double local_one(const axcon_sim_t *S, const uint8_t *seq, size_t i, int a)
{
    double f = S->h[i * NAA + a];
    for (size_t k = S->adj_start[i]; k < S->adj_start[i + 1]; k++) {
        size_t e = S->adj_edge[k];
        const double *Je = S->J + e * NAA * NAA;
        f += S->ei[e] == i ? Je[a * NAA + seq[S->ej[e]]] : Je[seq[S->ei[e]] * NAA + a];
    }
    return f;
}

double axcon_sim_fitness(const axcon_sim_t *S, const uint8_t *seq)
{
    double f = 0.0;
    for (size_t i = 0; i < S->L; i++) f += seq[i] < NAA ? S->h[i * NAA + seq[i]] : 0.0;
    for (size_t e = 0; e < S->nedge; e++) {
        int a = seq[S->ei[e]], b = seq[S->ej[e]];
        if (a < NAA && b < NAA) f += S->J[e * NAA * NAA + a * NAA + b];
    }
    return f;
}

static void gibbs_sweep(const axcon_sim_t *S, uint8_t *seq, double T, rng_t *r)
{
    double f[NAA];
    for (size_t i = 0; i < S->L; i++) {
        local_field(S, seq, i, f);
        double mx = f[0];
        for (int a = 1; a < NAA; a++)
            if (f[a] > mx) mx = f[a];
        double tot = 0;
        for (int a = 0; a < NAA; a++) tot += (f[a] = exp((f[a] - mx) / T));
        double u = rng_unif(r) * tot, c = 0;
        int pick = NAA - 1;
        for (int a = 0; a < NAA; a++) {
            c += f[a];
            if (u < c) {
                pick = a;
                break;
            }
        }
        seq[i] = (uint8_t)pick;
    }
}

/* Metropolis point mutations along one branch: `n` attempts. */
static void mutate_branch(const axcon_sim_t *S, uint8_t *seq, size_t n, double T, rng_t *r)
{
    for (size_t t = 0; t < n; t++) {
        size_t i = rng_below(r, S->L);
        int a = seq[i], b = (int)rng_below(r, NAA - 1);
        if (b >= a) b++;
        double d = local_one(S, seq, i, b) - local_one(S, seq, i, a);
        if (d >= 0 || rng_unif(r) < exp(d / T)) seq[i] = (uint8_t)b;
    }
}

static size_t branch_attempts(const axcon_sim_t *S, rng_t *r)
{
    /* exponentially distributed branch lengths with the requested mean */
    double mean = S->opt.branch_length * (double)S->L;
    double x = -mean * log(1.0 - rng_unif(r)) + rng_unif(r);
    return (size_t)x;
}

/* Evolve `node` (a copy owned by the caller) down a random binary tree with nleaves leaves,
 * writing the leaves at rows *next... Balanced-ish splits keep the depth ~ log2(nleaves). */
static int evolve(const axcon_sim_t *S, const uint8_t *node, size_t nleaves, size_t *next, rng_t *r,
                  axcon_error_t *err)
{
    size_t L = S->L;
    if (nleaves == 1) {
        memcpy(S->codes + (*next)++ * L, node, L);
        return AXCON_OK;
    }
    uint8_t *child = ax_alloc(L, 1, 0, "simulate: tree", err);
    if (!child) return AXCON_ENOMEM;
    size_t n1 = 1 + rng_binom_half(r, nleaves - 2);
    size_t parts[2] = {n1, nleaves - n1};
    int rc = AXCON_OK;
    for (int c = 0; c < 2 && rc == AXCON_OK; c++) {
        memcpy(child, node, L);
        mutate_branch(S, child, branch_attempts(S, r), S->opt.temperature, r);
        rc = evolve(S, child, parts[c], next, r, err);
    }
    free(child);
    return rc;
}

static int sim_sample(axcon_sim_t *S, axcon_error_t *err)
{
    size_t L = S->L, N = S->N;
    double T = S->opt.temperature;
    rng_t r, rt;
    rng_seed(&r, S->opt.seed, STREAM_GIBBS);
    rng_seed(&rt, S->opt.seed, STREAM_TREE);
    uint8_t *seq = ax_alloc(L, 1, 0, "simulate: sequence", err);
    if (!seq) return AXCON_ENOMEM;
    int rc = AXCON_OK;
    /* start from the background composition */
    for (size_t i = 0; i < L; i++) {
        double u = rng_unif(&r) * 100.0, c = 0;
        int pick = NAA - 1;
        for (int a = 0; a < NAA; a++) {
            c += BG[a];
            if (u < c) {
                pick = a;
                break;
            }
        }
        seq[i] = (uint8_t)pick;
    }
    for (size_t t = 0; t < S->opt.burnin; t++) gibbs_sweep(S, seq, T, &r);
    if (!S->opt.tree) {
        for (size_t n = 0; n < N; n++) {
            for (size_t t = 0; t < S->opt.thin; t++) gibbs_sweep(S, seq, T, &r);
            memcpy(S->codes + n * L, seq, L);
        }
    } else {
        size_t F = S->opt.founders ? S->opt.founders : (N + 50) / 100;
        if (F < 1) F = 1;
        if (F > N) F = N;
        size_t next = 0;
        for (size_t f = 0; f < F && rc == AXCON_OK; f++) {
            for (size_t t = 0; t < S->opt.thin; t++) gibbs_sweep(S, seq, T, &r);
            size_t leaves = N / F + (f < N % F ? 1 : 0);
            rc = evolve(S, seq, leaves, &next, &rt, err);
        }
        if (rc == AXCON_OK && next != N)
            rc = axcon_error_set(err, AXCON_EINTERNAL, "simulate: tree produced %zu of %zu sequences", next, N);
    }
    free(seq);
    if (rc != AXCON_OK) return rc;

    /* the query: the fittest sequence, moved to row 0 */
    size_t best = 0;
    double bf = axcon_sim_fitness(S, S->codes);
    for (size_t n = 1; n < N; n++) {
        double f = axcon_sim_fitness(S, S->codes + n * L);
        if (f > bf) {
            bf = f;
            best = n;
        }
    }
    if (best) {
        for (size_t i = 0; i < L; i++) {
            uint8_t t = S->codes[i];
            S->codes[i] = S->codes[best * L + i];
            S->codes[best * L + i] = t;
        }
    }

    /* gap runs (mean length 5) in the other sequences: a two-state chain whose stationary
     * gap fraction is gap_rate */
    double g = S->opt.gap_rate;
    if (g > 0) {
        rng_t rg;
        rng_seed(&rg, S->opt.seed, STREAM_GAPS);
        double pend = 1.0 / 5.0, pstart = g >= 1.0 ? 1.0 : g * pend / (1.0 - g);
        for (size_t n = 1; n < N; n++) {
            int in_gap = rng_unif(&rg) < g;
            for (size_t i = 0; i < L; i++) {
                if (in_gap) S->codes[n * L + i] = SIM_GAP;
                in_gap = in_gap ? rng_unif(&rg) >= pend : rng_unif(&rg) < pstart;
            }
        }
    }
    return AXCON_OK;
}

/* ---------------------------------------------------------------- public API */

void axcon_sim_opts_init(axcon_sim_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->length = 100;
    o->nseq = 1000;
    o->seed = 1;
    o->coupling_strength = 1.0;
    o->temperature = 1.0;
    o->tree = 1;
    o->founders = 0;
    o->branch_length = 0.5;
    o->gap_rate = 0.0;
    o->insert_rate = 0.0;
    o->burnin = 200;
    o->thin = 10;
    o->min_sep = 6;
}

void axcon_sim_free(axcon_sim_t *S)
{
    if (!S) return;
    free(S->ss);
    free(S->ca);
    free(S->cb);
    free(S->dist);
    free(S->h);
    free(S->ei);
    free(S->ej);
    free(S->J);
    free(S->adj_start);
    free(S->adj_edge);
    free(S->coupled);
    free(S->codes);
    free(S);
}

int axcon_sim_run(const axcon_sim_opts_t *opts, axcon_sim_t **out, axcon_error_t *err)
{
    *out = NULL;
    const axcon_sim_opts_t *o = opts;
    if (o->length < 10 || o->length > AXCON_SIM_MAX_LEN)
        return axcon_error_set(err, AXCON_EUSAGE, "simulate: length must be from 10 to %d, got %zu",
                               AXCON_SIM_MAX_LEN, o->length);
    if (o->nseq < 1) return axcon_error_set(err, AXCON_EUSAGE, "simulate: at least one sequence is needed");
    if (!(o->coupling_strength >= 0 && o->coupling_strength <= 100))
        return axcon_error_set(err, AXCON_EUSAGE, "simulate: coupling strength must be in [0, 100]");
    if (!(o->temperature > 0 && o->temperature <= 1000))
        return axcon_error_set(err, AXCON_EUSAGE, "simulate: temperature must be in (0, 1000]");
    if (!(o->branch_length >= 0 && o->branch_length <= 100))
        return axcon_error_set(err, AXCON_EUSAGE, "simulate: branch length must be in [0, 100]");
    if (!(o->gap_rate >= 0 && o->gap_rate < 1))
        return axcon_error_set(err, AXCON_EUSAGE, "simulate: gap rate must be in [0, 1)");
    if (!(o->insert_rate >= 0 && o->insert_rate <= 1))
        return axcon_error_set(err, AXCON_EUSAGE, "simulate: insertion rate must be in [0, 1]");
    if (o->min_sep < 1 || (size_t)o->min_sep >= o->length)
        return axcon_error_set(err, AXCON_EUSAGE, "simulate: minimum separation must be from 1 to L-1");
    if (o->thin < 1) return axcon_error_set(err, AXCON_EUSAGE, "simulate: thinning must be at least 1 sweep");

    axcon_sim_t *S = ax_alloc(1, sizeof *S, 1, "simulate", err);
    if (!S) return AXCON_ENOMEM;
    S->opt = *o;
    size_t L = S->L = o->length, N = S->N = o->nseq;
    int rc;
    S->ss = ax_alloc(L + 1, 1, 1, "simulate: structure", err);
    S->ca = ax_alloc(3 * L, sizeof(double), 1, "simulate: structure", err);
    S->cb = ax_alloc(3 * L, sizeof(double), 1, "simulate: structure", err);
    S->dist = ax_alloc(L * L, sizeof(double), 1, "simulate: distances", err);
    S->h = ax_alloc(L * NAA, sizeof(double), 1, "simulate: fields", err);
    S->coupled = ax_alloc(L * L, 1, 1, "simulate: couplings", err);
    S->codes = ax_alloc(N, L, 0, "simulate: sequences", err);
    if (!S->ss || !S->ca || !S->cb || !S->dist || !S->h || !S->coupled || !S->codes) {
        rc = AXCON_ENOMEM;
        goto fail;
    }
    double t0 = axcon_realtime();
    if ((rc = sim_fold(S, err)) != AXCON_OK) goto fail;
    double t1 = axcon_realtime();
    if ((rc = sim_model(S, err)) != AXCON_OK) goto fail;
    if ((rc = sim_sample(S, err)) != AXCON_OK) goto fail;
    axcon_info("L=%zu N=%zu seed=%llu: %zu planted couplings; fold %.2f s, sampling %.2f s", L, N,
               (unsigned long long)o->seed, S->nedge, t1 - t0, axcon_realtime() - t1);
    *out = S;
    return AXCON_OK;
fail:
    axcon_sim_free(S);
    return rc;
}

size_t axcon_sim_length(const axcon_sim_t *S) { return S->L; }
size_t axcon_sim_nseq(const axcon_sim_t *S) { return S->N; }
const double *axcon_sim_ca(const axcon_sim_t *S) { return S->ca; }
const double *axcon_sim_cb(const axcon_sim_t *S) { return S->cb; }
const char *axcon_sim_ss(const axcon_sim_t *S) { return S->ss; }
const uint8_t *axcon_sim_codes(const axcon_sim_t *S) { return S->codes; }
size_t axcon_sim_ncouplings(const axcon_sim_t *S) { return S->nedge; }

double axcon_sim_distance(const axcon_sim_t *S, size_t i, size_t j)
{
    return i < S->L && j < S->L ? S->dist[i * S->L + j] : -1.0;
}

int axcon_sim_coupled(const axcon_sim_t *S, size_t i, size_t j)
{
    return i < S->L && j < S->L ? S->coupled[i * S->L + j] : 0;
}

static int stream_error(FILE *fp, axcon_error_t *err)
{
    if (ferror(fp)) return axcon_error_set(err, AXCON_EIO, "simulate: write error");
    return AXCON_OK;
}

int axcon_sim_write_a3m(const axcon_sim_t *S, FILE *fp, axcon_error_t *err)
{
    size_t L = S->L;
    double ir = S->opt.insert_rate;
    char *line = ax_alloc(L + 1, 1, 0, "simulate: line", err);
    if (!line) return AXCON_ENOMEM;
    for (size_t n = 0; n < S->N; n++) {
        const uint8_t *row = S->codes + n * L;
        if (n == 0)
            fprintf(fp, ">sim_0 query; axcon simulate L=%zu N=%zu seed=%llu\n", L, S->N,
                    (unsigned long long)S->opt.seed);
        else
            fprintf(fp, ">sim_%zu\n", n);
        if (n == 0 || ir <= 0) {
            for (size_t i = 0; i < L; i++) line[i] = row[i] < NAA ? AA[row[i]] : '-';
            line[L] = '\0';
            fputs(line, fp);
        } else {
            /* lowercase insertions between match columns (geometric length, mean 2) */
            rng_t r;
            rng_seed(&r, S->opt.seed ^ ((uint64_t)n * 0x9E3779B97F4A7C15ULL), STREAM_INSERT);
            for (size_t i = 0; i < L; i++) {
                fputc(row[i] < NAA ? AA[row[i]] : '-', fp);
                if (i + 1 < L && rng_unif(&r) < ir) {
                    do {
                        fputc(AA[rng_below(&r, NAA)] - 'A' + 'a', fp);
                    } while (rng_unif(&r) < 0.5);
                }
            }
        }
        fputc('\n', fp);
    }
    free(line);
    return stream_error(fp, err);
}

int axcon_sim_write_truth(const axcon_sim_t *S, FILE *fp, axcon_error_t *err)
{
    size_t L = S->L;
    for (size_t i = 0; i < L; i++)
        for (size_t j = i + 1; j < L; j++) fprintf(fp, "%zu\t%zu\t%.3f\n", i + 1, j + 1, S->dist[i * L + j]);
    return stream_error(fp, err);
}

int axcon_sim_write(const axcon_sim_t *S, const char *prefix, axcon_error_t *err)
{
    size_t n = strlen(prefix) + 16;
    char *pa = ax_alloc(n, 1, 0, "simulate: path", err), *pt = ax_alloc(n, 1, 0, "simulate: path", err);
    axcon_ofile_t *oa = NULL, *ot = NULL;
    int rc = AXCON_ENOMEM;
    if (!pa || !pt) goto done;
    snprintf(pa, n, "%s.a3m", prefix);
    snprintf(pt, n, "%s.true.tsv", prefix);
    if ((rc = axcon_ofile_open(pa, &oa, err)) != AXCON_OK) goto done;
    if ((rc = axcon_ofile_open(pt, &ot, err)) != AXCON_OK) goto done;
    if ((rc = axcon_sim_write_a3m(S, axcon_ofile_fp(oa), err)) != AXCON_OK) goto done;
    if ((rc = axcon_sim_write_truth(S, axcon_ofile_fp(ot), err)) != AXCON_OK) goto done;
    rc = axcon_ofile_commit(oa, err);
    oa = NULL;
    if (rc != AXCON_OK) goto done;
    rc = axcon_ofile_commit(ot, err);
    ot = NULL;
    if (rc != AXCON_OK) remove(pa); /* keep "both or neither" */
done:
    axcon_ofile_abort(oa);
    axcon_ofile_abort(ot);
    free(pa);
    free(pt);
    return rc;
}
