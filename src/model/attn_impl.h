/* attn_impl.h - internals of the factored-attention model, shared by its files (attn.c entry
 * points, attn_model.c workspace and passes, attn_warm.c warm start, attn_train.c training,
 * attn_maps.c maps) and exposed to tests/test_attn.c (not installed).
 *
 * Owns: the parameter vector layout
 *   x = [ h (L*q) | V (H*q*q) | Q (H*L*d) | K (H*L*d) | g (H) | E (P, only when lam_e > 0) ]
 * (h[i*q + a], V[(h*q + a)*q + b], Q[(h*L + i)*d + k], K likewise, g[h], E[p(i,j)]), the
 * training workspace, and the objective/gradient evaluation used by the optimiser.
 * Attention logits of head h: g_h B_h(i,j) + E_ij + Q_h,i . K_h,j / sqrt(d), where B_h is an
 * optional fixed bias (the warm start's seed, NULL = none; then g is unused and its gradient is
 * 0) and E a learned symmetric pair bias shared by the heads, penalised by lam_e |E|^2.
 * Couplings: J = Ws + R, R an optional free Potts residual in the kernel's symmetric layout
 * (float, m->R, outside x) penalised by lam_r |R|^2 (lam_w then penalises Ws alone).
 *
 * Memory: Ws is materialised during training (mat_j) in the optimiser's idle history slot,
 * which the kernel no longer needs as a work vector; the kernel adds R to it as it expands
 * each row (ax_pll_eval_sym_sum), so J = Ws + R is never stored. Outside training, with no
 * slot lent, the kernel expands R into each row and a row hook adds that row's Ws blocks
 * (recomputed from the attention coefficients and the values, in chunks). Either way the
 * coupling gradient is written straight into the optimiser's gradient of R and turned into
 * the R gradient in place, in one pass that also reads (or, with the hook, recomputes) Ws in
 * small pair blocks for the penalty and the back-propagation. The only vectors of P*q*q floats are the optimiser's:
 * m->xr ([x as float | R], which training uses as the optimiser's point), its gradient,
 * direction and history pairs. Everything else is O(H L^2).
 *
 * Sparse residual (m->stream = 1, axcon/attn.h): R holds blocks for nres pairs only (slot
 * rslot[p], pairs rpair[s] increasing), in x's optimiser vector as before. Evaluations use
 * ax_pll_eval_stream: the row hook adds Ws + the sparse R, and the gradient hook turns each
 * conditional's coupling gradient into its contributions to dC, to the value partials and to
 * R's gradient, each stored where only that row writes (dCr: the lower and the upper row of a
 * pair in two halves; rpart: one slice per row; gRr likewise), then summed in a fixed order.
 * No vector of P*q*q floats exists. */
#ifndef AX_ATTN_IMPL_H
#define AX_ATTN_IMPL_H

#include <stddef.h>

#include "axcon/attn.h"
#include "axcon/error.h"
#include "axcon/pll.h"

/* Shorthands of the attn*.c files. */
#define Q21 AXCON_PLL_Q
#define QQ (AXCON_PLL_Q * AXCON_PLL_Q)
#define NBLK_MAX 64
#define QQP 448 /* q*q padded to a multiple of 16 */
#define TP 4    /* pairs per register tile */
#define TT 64   /* states per register tile */
#define SUBP 64 /* pairs per float sub-block of the value gradient */
#define HCH 64  /* pairs per chunk of the row hook */

/* Index of pair (i, j), i < j < L, in the order (0,1),(0,2),...,(1,2),... */
static inline size_t ax_attn_pair(size_t i, size_t j, size_t L) { return i * L - i * (i + 1) / 2 + (j - i - 1); }

typedef struct ax_attn_model {
    size_t L, H, d, q, P;        /* P = L(L-1)/2 pairs */
    size_t off_v, off_q, off_k, off_g, off_e; /* offsets in x (h at 0) */
    size_t nx;                   /* parameters in x (doubles) */
    size_t nr;                   /* Potts residual floats (P*q*q when use_r, else 0) */
    double lam_w;                /* penalty on sum_{i<j} |Ws_ij|^2 (already times L*20) */
    double lam_h, lam_qk, lam_v, lam_e, lam_r;
    int use_r;                   /* Potts residual R added to Ws (symmetric layout, floats) */
    float *xr;                   /* nx + nr floats (owned): [x as float | R]; training's point */
    float *R;                    /* the residual: xr + nx (NULL without it) */
    float *gR;                   /* its gradient outside training (owned, allocated on first need) */
    const float *Rf;             /* residual read by ax_attn_eval (R, or the optimiser's point) */
    float *gRf;                  /* where ax_attn_eval writes its gradient (NULL: gR on need) */
    int iters;                   /* iterations of the last training */
    int hist;                    /* L-BFGS history pairs of the last training */
    int stop_status;             /* why the last training stopped (ax_lbfgs_status_t) */
    float *ext_work;             /* nsym floats lent by the optimiser (its idle slot, or NULL): J */
    float *hk;                   /* row-hook scratch, hk_per floats per thread */
    size_t hk_per;
    int hk_nthr;
    float *wsb;                  /* nblk*64*q*q: Ws of a sub-block of pairs per fixed block */
    /* optional per-iteration callback of training (experiments): m->xr holds the current
     * point; return non-zero to stop */
    int (*iter_cb)(void *ctx, struct ax_attn_model *m, int iter, double f);
    void *iter_ctx;
    int use_e;                   /* shared symmetric pair bias E (P params at off_e) */
    int no_gap;                  /* 1: value rows/columns of the gap state held at 0 */
    int seed_mf;                 /* warm start seeded by mean-field scores (else log-odds) */
    const double *seed;          /* L*L APC-corrected mean-field scores given by the caller (NULL:
                                    computed from the training data when seed_mf) */
    const axcon_pll_data_t *data;
    /* workspace */
    double *A;    /* H*L*L attention rows (diagonal 0) */
    double *Kt;   /* H*d*L keys transposed per head (scratch) */
    float *bias;  /* H*L*L fixed logit bias or NULL (set by ax_attn_init_params) */
    double *dL;   /* H*L*L logit gradient (with the pair bias) */
    float *Cp;    /* (P+4)*2H: (A^h_ij, A^h_ji) per pair i<j; zero padding rows */
    float *dC;    /* (P+4)*2H: gradient w.r.t. Cp */
    float *Vx;    /* (2H+4)*448: V^h then (V^h)^T, rows padded with zeros, 4 zero rows */
    double *part; /* nblk*2H*448 partial sums of the value gradient */
    float *gsc;   /* nblk*64*448 gradient scratch */
    size_t nblk;
    float *hf, *gh;  /* L*q */
    float *Jc;       /* Ws + R, symmetric layout, by ax_attn_couplings (allocated on need); Ws
                      * after ax_attn_eval with mat_j and no slot lent */
    int mat_j;       /* 1: evaluations materialise J (ext_work, else Jc), 0: the row hook */
    float *gJc;      /* coupling gradient without the residual (allocated on need) */
    double f_pll;    /* last pseudo-likelihood term */
    long nevals;
    /* sparse residual (stream = 1) */
    int stream;      /* couplings and their gradient streamed through the kernel's hooks */
    size_t nres_max; /* residual pairs wanted (chosen by ax_attn_init_params from the seed) */
    size_t nres;     /* residual pairs held */
    int32_t *rslot;  /* P: residual slot of pair p, or -1 */
    size_t *rpair;   /* nres: pair of each slot, increasing */
    float *dCr;      /* 2 (P + TP) 2H: dC of each pair from its lower row's conditional | its upper row's */
    float *gRr;      /* 2 nres q*q: R's gradient from the lower row | the upper row */
    float *rpart;    /* L 2H QQP: each row's value partials */
    float *gk;       /* gradient-hook scratch, gk_per floats per thread */
    size_t gk_per;
    double *gkd;     /* per thread 2H QQP doubles: the row's value partials */
    int gk_nthr;
} ax_attn_model_t;

int ax_attn_model_init(ax_attn_model_t *m, const axcon_pll_data_t *data, size_t H, size_t d, double lam_w,
                       double lam_h, double lam_qk, double lam_v, double lam_e, double lam_r, axcon_error_t *err);
void ax_attn_model_free(ax_attn_model_t *m);
/* As ax_attn_model_init; stream = 1 gives the sparse form with up to nres_max residual pairs
 * (lam_r > 0), chosen later by ax_attn_init_params (or ax_attn_set_residual). */
int ax_attn_model_init_ex(ax_attn_model_t *m, const axcon_pll_data_t *data, size_t H, size_t d, double lam_w,
                          double lam_h, double lam_qk, double lam_v, double lam_e, double lam_r, int stream,
                          size_t nres_max, axcon_error_t *err);
/* Sparse form: the residual on these n pairs (pair indices, any order, no repeats), starting
 * at 0; reallocates m->xr (x's float copy is not kept). ENOMEM. */
int ax_attn_set_residual(ax_attn_model_t *m, const size_t *pairs, size_t n, axcon_error_t *err);

/* Attention maps A (m->A) from x. */
void ax_attn_softmax(ax_attn_model_t *m, const double *x);
/* A (already computed) and V of x -> J = Ws + R in m->Jc (symmetric layout, allocated here:
 * for tests and experiments; training never calls it). ENOMEM. */
int ax_attn_couplings(ax_attn_model_t *m, const double *x, axcon_error_t *err);
/* Objective and gradient (g may be NULL). */
int ax_attn_eval(ax_attn_model_t *m, const double *x, double *f, double *g, axcon_error_t *err);

/* Start of x (nx doubles): mode 0 = warm start with a fixed per-head logit bias (allocates
 * m->bias), 1 = warm start through low-rank Q, K, 2 = random. */
int ax_attn_init_params(ax_attn_model_t *m, int mode, double tau, unsigned long long seed, double *x,
                        axcon_error_t *err);

/* The sequence-axis weights of axcon_attn_seq_weights on nrows rows that stand for mult[u]
 * identical sequences each (NULL = 1): w[u] = the weight of one copy of row u. */
int ax_attn_seq_weights_rows(const uint8_t *codes, size_t nrows, size_t ncol, const size_t *mult, double beta,
                              double theta, double *w, axcon_error_t *err);

/* Systematic weight-proportional subsample of ~target sequences (see attn.c). */
size_t ax_attn_subsample(const double *w, size_t nseq, size_t target, double *wout);

/* Memory policy: the optimiser holds 2m + 3 vectors of nt floats; m = 1 history pair with the
 * Potts residual (dense or sparse; see attn_train.c for why), 8 without it. AX_ATTN_VEC_BUDGET
 * bytes is what the sparse residual's pairs may take. J = Ws + R is materialised in the
 * optimiser's idle slot (no vector of its own). Peak memory is then about (2m + 3) * 4 nt bytes
 * + H L^2 * 12 (attention maps, logit bias) + 16 H P (pair coefficients and their gradient).
 * Measured peak RSS with m = 1, 1 thread (MB; CCMpred's in the reference table in brackets):
 * T1042 (L 289) 403 (859), T1096 (L 464) 1011 (2211). Returns m; *mat_j (may be NULL) is 1: J
 * is materialised during training. */
#define AX_ATTN_VEC_BUDGET (3.0 * 1073741824.0)
#define AX_ATTN_RESIDUAL_HIST 1 /* L-BFGS history pairs with the Potts residual */
int ax_attn_hist_pairs(int use_r, int *mat_j);

/* Minimise the objective from x (L-BFGS, in place); *fout = final objective. Stops after
 * max_iter iterations, or once iter >= min_iter and the objective fell by less than tol
 * (relative) over the last `window` iterations (tol = 0: never). ax_attn_train: min_iter 0. */
int ax_attn_train_ex(ax_attn_model_t *m, double *x, int max_iter, int min_iter, int window, double tol, double *fout,
                     axcon_error_t *err);
int ax_attn_train(ax_attn_model_t *m, double *x, int max_iter, double tol, double *fout, axcon_error_t *err);

/* Raw scores from trained x: mode 0 = Frobenius of gauged 20x20 Ws blocks, 1 = attention maps. */
void ax_attn_reduce(ax_attn_model_t *m, const double *x, int mode, double *S);

/* Hand the maps of trained x (m->A recomputed) to o->maps_cb (attn_maps.c). */
int ax_attn_emit_maps(ax_attn_model_t *m, const double *x, const axcon_attn_opts_t *o, axcon_error_t *err);

/* Top-k eigenpairs (largest |lambda|) of a symmetric n x n matrix by subspace iteration;
 * vecs n x k (column j = vecs[i*k + j]), vals k. Deterministic. */
int ax_sym_topk(const double *M, size_t n, size_t k, int iters, unsigned long long seed, double *vecs,
                double *vals, axcon_error_t *err);

#endif
