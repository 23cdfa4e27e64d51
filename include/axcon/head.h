/* axcon/head.h - stage 5a: the contact heads, second stages over coupling scores.
 *
 * Owns: the inputs a head sees (axcon_head_input_t), the LINEAR head of -m attn (its per-pair
 * features and their fitted linear-logistic combination; `--head linear`) and the NETWORK head,
 * the default for attn and mf (its input channels and the trained convolutional networks). The linear head: the
 * field's standard second stage (a logistic regression over APC-corrected score maps, as in
 * the MSA Transformer contact head; MetaPSICOV/PconsC-style windows of neighbouring scores):
 *
 *   z_F, z_M   APC-corrected scores of the model (F) and of mean-field DCA (M), z-scored over
 *              the off-diagonal pairs of the map (diagonal 0)
 *   ctx(z)     max of the parallel and antiparallel diagonal-neighbour sums:
 *              max(z[i-1][j-1] + z[i+1][j+1], z[i-1][j+1] + z[i+1][j-1])
 *   box_r(z)   sum of z over the (2r+1) x (2r+1) window around (i, j) without its centre,
 *              divided by (2r+1)^2 - 1 (entries outside the map count as 0)
 *   gap, ent   per column: weighted gap fraction and weighted entropy (nats, 21 states);
 *              pair feature = value(i) + value(j)
 *
 * Features, in this order (AXCON_HEAD_NFEAT = 9):
 *   z_F, z_M, ctx(z_F), ctx(z_M), box_1(z_F), box_1(z_M), box_2(z_F), gap_i + gap_j, ent_i + ent_j
 * Score:  logit = c0 + sum_k c_k x_k;  head = z(logit) + alpha z_F  (z over off-diagonal pairs).
 * The constants (head.c) were fitted by scripts/fit_head.py (family-weighted L2 logistic
 * regression, label = C-beta contact, pairs |i-j| >= 6) and checked by leave-one-family-out
 * cross-validation. The head only re-ranks pairs: its score is not a probability (the
 * calibration of axcon/contacts.h maps ranks to probabilities).
 * Neighbours are neighbouring KEPT columns (query neighbours unless columns were masked).
 * Serial loops in a fixed order: identical results for any thread count. */
#ifndef AXCON_HEAD_H
#define AXCON_HEAD_H

#include <stddef.h>

#include "axcon/attn.h"
#include "axcon/error.h"
#include "axcon/prep.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AXCON_HEAD_NFEAT 9

/* What a contact head sees of one prediction (handed to axcon_predict_opts_t.head_input,
 * e.g. by `axcon predict --dump-features` for training). Arrays are valid during the call. */
typedef struct axcon_head_input {
    size_t L;             /* columns */
    const int *pos;       /* L: 1-based query positions */
    const char *method;   /* "attn", "mf", "plm" */
    const double *F;      /* L x L scores of the method's model after APC, before any head (NULL: -m mf) */
    const double *M;      /* L x L mean-field DCA scores after APC */
    const double *freq;   /* L x 21 weighted single-site frequencies (axcon/prep.h) */
    double neff;          /* sum of the sequence weights */
    size_t nseq;          /* sequences */
    size_t ndistinct;     /* distinct sequences */
    const double *attn_mean; /* L x L: -m attn's pooled attention channels (axcon_head_attn_pool), */
    const double *attn_max;  /* or NULL when the input has none (then no attention channels) */
} axcon_head_input_t;

/* Per column of the prepared alignment (axcon/prep.h, its weighted frequencies): gap
 * fraction gap[i] and entropy ent[i] (nats, 21 states). */
AXCON_API int axcon_head_column_stats(const axcon_prep_t *p, double *gap, double *ent, axcon_error_t *err);

/* The AXCON_HEAD_NFEAT feature maps (X + k*n*n, symmetric, diagonal 0) of symmetric n x n
 * APC-corrected scores F (model) and M (mean-field), columns' gap and ent (n each). */
AXCON_API int axcon_head_features(size_t n, const double *F, const double *M, const double *gap, const double *ent,
                                  double *X, axcon_error_t *err);

/* Head scores into out (n x n, symmetric, diagonal 0); out may not alias the inputs. */
AXCON_API int axcon_head_scores(size_t n, const double *F, const double *M, const double *gap, const double *ent,
                                double *out, axcon_error_t *err);

/* ---- the network head (`--head net`): a small residual 2D convolutional network (the
 * field's second stage: DeepCov, PconsC4, ResPRE and trRosetta-like networks over coupling
 * maps; here small enough to train on tens of families and to run on the CPU in seconds).
 * Channels of a pair (i, j):
 *   zF     the method's APC-corrected scores (attn), z-scored over the pairs i < j
 *   zM     the APC-corrected mean-field DCA scores, z-scored likewise
 *   gap    gap_i + gap_j              (weighted gap fraction of a column)
 *   ent    (ent_i + ent_j) / ln 21    (weighted entropy of a column over the 21 states)
 *   sep    log(1 + |pos_i - pos_j|) / 7   (query positions)
 *   depth  log(1 + Neff / sqrt(L)) / 5    (the same in every pair)
 *   rF     rank of the pair in F: -log((r + 1) / P) / log P over the P pairs i < j (r = 0 is the
 *          highest score; ties by smaller i, then j): 1 for the top pair, 0 for the last
 *   rM     the same in M
 *   hsum   hyd_i + hyd_j, hyd = the column's frequency-weighted Kyte-Doolittle hydropathy / 4.5
 *   hprod  hyd_i * hyd_j
 *   aw     -m attn's trained attention, pooled over its H heads: with the maps symmetrised and
 *          scaled so uniform attention is 1, S_h(i,j) = float((L - 1) (A_hij + A_hji) / 2), and
 *          value weights w_h = |V_h| / sum_h' |V_h'| (1/H when all are 0), aw = z(log(sum_h w_h
 *          S_h + 1e-3)); heads are not aligned across families, so only poolings that do not
 *          depend on their order are inputs
 *   amax   z(log(max_h S_h + 1e-3)), the strongest head
 * z-scores (z) use the population standard deviation over the pairs i < j (1 when it is 0) and
 * put 0 on the diagonal. With a model map (F not NULL) the channels are zF, zM, gap, ent, sep,
 * depth, rF, rM, hsum, hprod, then aw and amax when the input has them (see
 * axcon_head_net_channels); without one (-m mf) the eight without zF, rF, aw and amax. Each
 * network is a small ensemble whose logits are averaged; a member may take only the first of
 * the channels (e.g. the ten without the attention channels). Trained by scripts/train_head.py
 * (grouped cross-validation; the README gives the figures); inference in src/score/cnn.c.
 * Output: a logit of C-beta contact per pair, symmetric. The default head of attn and mf.
 * Identical results for any thread count. */

#define AXCON_HEAD_MAX_CHANNELS 12

/* Number of input channels of this input: 12 with a model map and attention channels, 10 with
 * a model map only, 8 without. */
AXCON_API int axcon_head_nchannels(const axcon_head_input_t *in);

/* Number of input channels the shipped network takes (with or without a model map; its widest
 * member's): with the model map 12 when it takes the attention channels, 10 when not; 8
 * without. */
AXCON_API int axcon_head_net_channels(int with_model_map);

/* The channels above into X (nchannels x L x L floats, X[(c*L + i)*L + j]). EUSAGE on a NULL
 * or incomplete input, EINPUT when L < 2. */
AXCON_API int axcon_head_channels(const axcon_head_input_t *in, float *X, axcon_error_t *err);

/* The attention channels aw and amax (L x L doubles each, symmetric, diagonal 0) of a trained
 * model's maps (axcon/attn.h: rows of A sum to 1). EINPUT when L < 2 or H = 0. */
AXCON_API int axcon_head_attn_pool(const axcon_attn_maps_t *maps, double *aw, double *amax, axcon_error_t *err);

/* The same from maps already symmetrised and scaled (S: H x L x L floats, S_h(i,j) as above,
 * what `axcon predict --dump-features` writes as A) and the value norms vnorm (H). */
AXCON_API int axcon_head_attn_pool_sym(size_t L, size_t H, const float *S, const double *vnorm, double *aw,
                                       double *amax, axcon_error_t *err);

/* The network's logits into out (L x L, symmetric, diagonal 0); out may not alias the inputs.
 * EUSAGE when the input's channels are not the network's (axcon_head_net_channels); EINTERNAL
 * on a non-finite logit. */
AXCON_API int axcon_head_apply(const axcon_head_input_t *in, double *out, axcon_error_t *err);

/* Peak bytes axcon_head_apply allocates for L columns (channels, network planes). */
AXCON_API double axcon_head_bytes(size_t L, int with_model_map);

/* Parameters of the networks that axcon_head_apply uses (with or without a model map), summed
 * over the ensemble's members, and the number of members (their logits are averaged). */
AXCON_API size_t axcon_head_nparams(int with_model_map);
AXCON_API int axcon_head_nmembers(int with_model_map);

#ifdef __cplusplus
}
#endif
#endif
