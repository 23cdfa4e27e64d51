/* axcon/attn.h - stage 4 (model), default method: factored attention trained per family by
 * weighted pseudo-likelihood (-m attn).
 *
 * Owns: the factored-attention Potts model (Bhattacharya et al. 2020) over the alignment's
 * kept columns, its warm start from closed-form co-variation, its full-batch training, the
 * reduction of the trained couplings to raw pair scores, and the sequence-axis weights.
 *
 * Model (q = 21 states, the shared pseudo-likelihood kernel of axcon/pll.h):
 *   logits   l^h_ij = g_h B^h_ij + E_ij + Q_h,i . K_h,j / sqrt(d)       (i != j)
 *   A^h_ij   = softmax_j(l^h_ij), diagonal masked (A^h_ii = 0)
 *   W_ij     = sum_h A^h_ij V^h,   Ws_ij = (W_ij + W_ji^T) / 2           (V^h: q x q per head)
 *   J_ij     = Ws_ij + R_ij                                                (couplings)
 *   loss     = - sum_n w_n sum_i log P(x_ni | x_n,-i; h, J)
 *              + lambda L 20 sum_{i<j} |Ws_ij|^2 + lambda_r (L-1) sum_{i<j} |R_ij|^2
 *              + lambda_h |h|^2 + lambda_qk (|Q|^2 + |K|^2) + lambda_v |V|^2 + lambda_e |E|^2
 * B^h is a fixed per-head bias from the warm start (z-scored APC-corrected mean-field DCA
 * scores, the seed the caller computed once, plus the
 * projection of each pair's log-odds block on the head's value pattern), g_h its learned scale;
 * E an optional learned pair bias shared by the heads; R an optional free Potts residual
 * (lambda_r = 0 turns it off and leaves pure factored attention). The gap state is not coupled
 * through V by default (gap_coupling = 0: the gap row/column of every V^h is held at 0).
 * Values start from the leading patterns of the best pairs' log-odds blocks (heads in +/- pairs),
 * fields from the independent-site model. Training: full-batch L-BFGS (src/model/lbfgs.c).
 * Memory: two forms of the residual.
 *   dense   R on every pair: the optimiser's vectors hold L(L-1)/2 q^2 floats each (about
 *           4 GB in all at L = 949, 40 GB at L = 3000);
 *   sparse  R on the K pairs the seed (mean-field) map ranks highest, K as many as
 *           AX_ATTN_VEC_BUDGET's optimiser vectors hold (about 200,000 pairs) or
 *           residual_pairs; the couplings Ws + R are streamed into the pseudo-likelihood kernel
 *           row by row and its gradient is consumed row by row, so no array of L^2 q^2 floats
 *           exists: memory is O(H L^2) (about 7 GB at L = 3000).
 * residual = AUTO (default) takes dense whenever its estimate fits mem_limit, else sparse.
 * Attention maps are kept as H L^2 doubles.
 *
 * Scores: raw, symmetric L x L (no APC: the caller applies it), diagonal 0:
 *   FROB  ||J_ij||_F over the 20 amino acids (gap row/column excluded) after the zero-sum
 *         gauge of the 20 x 20 block (default);
 *   ATTN  sum_h ||V^h||_F (A^h_ij + A^h_ji) / 2 (attention maps weighted by value norms).
 * Results are identical for every thread count (static ownership, fixed-order sums). */
#ifndef AXCON_ATTN_H
#define AXCON_ATTN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "axcon/error.h"
#include "axcon/pll.h"
#include "axcon/prep.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Defaults measured on 20 benchmark families (docs in the report of the first version):
 * 16 heads of size 8, lambda 0.01, residual lambda_r 0.2. Stopping: at most 50 L-BFGS
 * iterations, and after at least 20 as soon as the objective fell by less than 0.1% (relative)
 * over the last 3. On the 20 families precision plateaus from about 20 iterations (long-range
 * top-L/5 / top-L, mean: it 10 0.340/0.168, 20 0.382/0.169, 30 0.385/0.171, 50 0.382/0.171,
 * 100 0.384/0.173, 150 0.386/0.174); the rule stops after 28.6 iterations on average with
 * 0.388/0.171. */
#define AXCON_ATTN_DEFAULT_HEADS 16
#define AXCON_ATTN_DEFAULT_DIM 8
#define AXCON_ATTN_DEFAULT_LAMBDA 0.01
#define AXCON_ATTN_DEFAULT_LAMBDA_R 0.2
#define AXCON_ATTN_DEFAULT_MAX_ITER 50
#define AXCON_ATTN_DEFAULT_MIN_ITER 20
#define AXCON_ATTN_DEFAULT_TOL 1e-3
#define AXCON_ATTN_DEFAULT_WINDOW 3
#define AXCON_ATTN_WINDOW_MAX 64

typedef enum axcon_attn_init {
    AXCON_ATTN_INIT_WARM = 0,  /* warm start from closed-form couplings, kept as a fixed logit
                                  bias per head with a learned scale (default) */
    AXCON_ATTN_INIT_LOWRANK,   /* the same seed, through rank-d queries and keys (no bias) */
    AXCON_ATTN_INIT_RANDOM     /* random Q, K, small V (the paper's start) */
} axcon_attn_init_t;

typedef enum axcon_attn_residual {
    AXCON_ATTN_RESIDUAL_AUTO = 0, /* dense when its memory estimate fits mem_limit, else sparse */
    AXCON_ATTN_RESIDUAL_DENSE,    /* a residual block on every pair (L^2 q^2 memory) */
    AXCON_ATTN_RESIDUAL_SPARSE    /* on the seed's best pairs only, couplings streamed */
} axcon_attn_residual_t;

typedef enum axcon_attn_score {
    AXCON_ATTN_SCORE_FROB = 0, /* Frobenius norm of the gauged 20 x 20 block of Ws_ij */
    AXCON_ATTN_SCORE_ATTN      /* value-norm-weighted symmetrised attention maps */
} axcon_attn_score_t;

/* The attention maps of a trained model (for inspection; see README "What the attention maps
 * mean (and don't)"). All arrays belong to the model and are valid during the callback only. */
typedef struct axcon_attn_maps {
    size_t L;                 /* kept columns */
    size_t H;                 /* heads */
    const int *pos;           /* L: 1-based query position of each column (NULL: 1..L) */
    const double *A;          /* H*L*L: A[(h*L + i)*L + j] = attention of i on j in head h: softmax
                                 over j != i of the logits, so every row sums to 1; A_ii = 0 */
    const double *entropy;    /* H*L: -sum_j A_ij log A_ij of row (h, i), nats, in [0, log(L-1)] */
    const double *value_norm; /* H: Frobenius norm of head h's value matrix (20 amino acids) */
    const double *bias_scale; /* H: learned scale g_h of the head's fixed logit bias (NULL: none) */
} axcon_attn_maps_t;

/* Called once after training with the final maps; a non-zero (negative status) return aborts
 * the fit with that status (err filled by the callback). */
typedef int (*axcon_attn_maps_fn)(void *ctx, const axcon_attn_maps_t *maps, axcon_error_t *err);

typedef struct axcon_attn_opts {
    int heads;           /* H [16] */
    int dim;             /* d [8] */
    double lambda;       /* coupling penalty per L*20 [0.01]: lambda*L*20*sum|Ws_ij|^2 */
    double lambda_h;     /* fields [0.01] */
    double lambda_qk;    /* queries and keys [0.01] */
    double lambda_v;     /* values [0.0] */
    double lambda_e;     /* learned pair bias of the logits, shared by the heads: penalty
                            lambda_e |E|^2; 0 = no pair bias [0.0] */
    double lambda_r;     /* per (L-1): a free Potts residual R added to the attention couplings,
                            penalty lambda_r (L-1) |R|^2 (CCMpred's scaling); 0 = none [0.2] */
    int max_iter;        /* at most this many L-BFGS iterations [50] */
    double tol;          /* stop when (f_{k-w} - f_k) / |f_k| < tol, w = window ... [1e-3] */
    int window;          /* ... iterations back [3] ... */
    int min_iter;        /* ... but not before iteration min_iter [20]; tol = 0: run max_iter */
    axcon_attn_init_t init;
    double init_tau;     /* warm start: logit scale of the z-scored seed scores [2.0] */
    int warm_source;     /* seed scores of the warm start: 0 = mean-field DCA, 1 = log-odds [0] */
    int gap_coupling;    /* 1 = the gap state is coupled like an amino acid; 0 = gap inputs
                            carry no coupling (values of the gap row/column fixed at 0) [0] */
    axcon_attn_score_t score;
    double seq_beta;     /* sequence axis: 0 = the caller's weights; > 0 = soft identity
                            kernel w_n = 1 / sum_m sigmoid(beta (id(n,m) - seq_theta)) */
    double seq_theta;    /* [0.8] */
    uint64_t seed;       /* deterministic pseudo-random start [1] */
    int max_seqs;        /* deep alignments: train on a systematic, weight-proportional sample
                            of about this many sequences (distinct rows with axcon_attn_scores)
                            (0 = all) [0] */
    axcon_attn_residual_t residual; /* dense or sparse residual (above) [AUTO] */
    double mem_limit;    /* AUTO: bytes the model may use (its own estimate, beyond the
                            prepared alignment and the seed); 0 = no limit [0] */
    size_t residual_pairs; /* sparse: residual pairs, 0 = as many as the vector budget
                              holds, capped by mem_limit [0] */
    axcon_attn_maps_fn maps_cb; /* receives the trained attention maps (NULL = none) */
    void *maps_ctx;
    const int *maps_pos; /* handed to maps_cb as maps->pos (NULL: 1..L) */
    axcon_potts_fn potts_cb; /* called once with the trained model's fields and couplings
                                J = the factored couplings + the Potts residual (NULL = none) */
    void *potts_ctx;
} axcon_attn_opts_t;

AXCON_API void axcon_attn_opts_init(axcon_attn_opts_t *o);

/* Train on an N x L row-major code matrix (0..20) with sequence weights w (N doubles, not
 * NULL) and write raw symmetric L x L scores to S. EUSAGE on bad options, EINPUT on bad
 * codes/weights or L < 2, ENOMEM, EINTERNAL if training diverges. */
AXCON_API int axcon_attn_fit_codes(const uint8_t *codes, size_t nseq, size_t ncol, const double *w,
                                   const axcon_attn_opts_t *o, double *S, axcon_error_t *err);

/* The pipeline entry (-m attn): train on the prepared alignment (axcon/prep.h: its distinct
 * rows and row weights) and write raw symmetric ncol x ncol scores to S (no APC). seed: the
 * APC-corrected mean-field DCA map of the same alignment (ncol x ncol; axcon_predict computes
 * it once and also gives it to the contact head), or NULL to compute it here from the
 * training data. Errors as axcon_attn_fit_codes. */
AXCON_API int axcon_attn_scores(const axcon_prep_t *p, const axcon_attn_opts_t *o, const double *seed, double *S,
                                axcon_error_t *err);

/* Estimated peak bytes allocated by axcon_attn_scores with a seed (beyond the prepared
 * alignment, the seed and S) and a rough wall time with `threads` threads, for L columns, N
 * sequences of which ndistinct are distinct; o NULL = defaults. Outputs may be NULL. */
AXCON_API void axcon_attn_estimate(size_t L, size_t N, size_t ndistinct, const axcon_attn_opts_t *o, int threads,
                                   double *bytes, double *seconds);

/* The residual form axcon_attn_scores will use for this shape and these options
 * (AXCON_ATTN_RESIDUAL_DENSE or _SPARSE; SPARSE also when lambda_r = 0 and the dense model does not
 * fit) and, when sparse, its number of residual pairs (may be NULL). */
AXCON_API axcon_attn_residual_t axcon_attn_plan(size_t L, size_t N, size_t ndistinct, const axcon_attn_opts_t *o,
                                                int threads, size_t *npairs);

/* Write maps as tab-separated text (format version 1):
 *   # comment lines (header: heads, columns, threshold, the meaning of each record kind)
 *   kind head i j value                        (the column header line)
 *   A  h  i  j  a_ij      attention of position i on j in head h, for every a_ij >= min_a
 *                         (at most 1/min_a per row), i != j
 *   E  h  i  .  e_i       entropy of the attention row of i in head h (nats), every (h, i)
 *   V  h  .  .  |V_h|     Frobenius norm of head h's value matrix (its weight in Ws)
 *   G  h  .  .  g_h       scale of head h's fixed (mean-field) logit bias, when there is one
 * Heads are 1-based; i, j are maps->pos (1-based query positions). Values in %.6g.
 * min_a in (0, 1]; EUSAGE otherwise, EIO on a write error. */
AXCON_API int axcon_attn_maps_write(FILE *fp, const axcon_attn_maps_t *maps, double min_a, axcon_error_t *err);

/* Soft sequence-identity weights (the sequence axis): w_n = 1 / sum_m sigmoid(beta (id(n,m) - theta)),
 * id = fraction of equal states over the ncol columns (gap = gap counts). beta = +inf (or > 1e6)
 * gives the identity-threshold weights. Writes N weights and, when not NULL, their sum. */
AXCON_API int axcon_attn_seq_weights(const uint8_t *codes, size_t nseq, size_t ncol, double beta, double theta,
                                     double *w, double *neff, axcon_error_t *err);

#ifdef __cplusplus
}
#endif
#endif
