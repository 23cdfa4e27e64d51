/* axcon/head.h - stage 5a: the contact head, a second stage over coupling scores (-m attn).
 *
 * Owns: the per-pair features of the head and its fitted linear-logistic combination. The
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

#ifdef __cplusplus
}
#endif
#endif
