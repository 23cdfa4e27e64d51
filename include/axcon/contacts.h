/* axcon/contacts.h - stage 5 of the pipeline: from coupling scores to ranked contacts.
 *
 * Owns: the average product correction (APC), the score post-processing of "Sharpening by
 * attention" (src/score/sharpen.c), the contact map object in QUERY numbering
 * (every model works on the alignment's kept columns; this module maps them back with
 * axcon_msa_col_pos), deterministic ranking (score descending, ties by smaller i then
 * smaller j), the minimum sequence separation, and the calibrated probability
 * P(contact) attached to every pair. Writers (axcon/output.h) consume this object. */
#ifndef AXCON_CONTACTS_H
#define AXCON_CONTACTS_H

#include <stddef.h>

#include "axcon/error.h"
#include "axcon/msa.h"

#ifdef __cplusplus
extern "C" {
#endif

/* APC in place on a symmetric n x n matrix (diagonal ignored and set to 0):
 * S'_ij = S_ij - mean_i * mean_j / mean, means over off-diagonal entries. */
AXCON_API void axcon_apc(double *S, size_t n);

/* Attention sharpening of an APC-corrected symmetric score matrix S (n x n, diagonal
 * ignored), in place (docs/METHOD.md "Sharpening by attention"): `passes` times, z-score the
 * off-diagonal entries, take the row softmax A_ij = exp(z_ij / tau) / sum_{k != i} exp(z_ik / tau),
 * symmetrise (A + A^T) and apply APC. passes = 0 leaves S unchanged. tau > 0. */
AXCON_API int axcon_mf_sharpen(double *S, size_t n, int passes, double tau, axcon_error_t *err);

/* The general form: first, when context > 0, replace S by its z-scores plus
 * context x max(z[i-1][j-1] + z[i+1][j+1], z[i-1][j+1] + z[i+1][j-1]) (neighbours in query
 * numbering: pos[c] is the 1-based query position of column c, NULL = consecutive;
 * missing neighbours count 0); then `passes` sharpening passes as above. */
AXCON_API int axcon_sharpen_ex(double *S, size_t n, const int *pos, int passes, double tau, double context,
                               axcon_error_t *err);

typedef struct axcon_contact {
    int i, j;        /* 1-based query positions, i < j */
    double score;    /* APC-corrected score of the method */
    double prob;     /* calibrated probability of contact, in [0, 1] */
} axcon_contact_t;

typedef struct axcon_cmap axcon_cmap_t;

/* Build a contact map from a symmetric score matrix over the msa's ncol kept columns
 * (row-major ncol x ncol, APC already applied by the caller), the effective depth neff
 * (used by the calibration) and a short method label ("attn", "mf", "plm"; "attn+net" when the
 * contact network ranked the scores).
 * Pairs with |i-j| < min_sep are left out of the ranked list (they stay in the matrix). */
AXCON_API int axcon_cmap_from_scores(const axcon_msa_t *msa, const double *scores, double neff, const char *method,
                                     int min_sep, axcon_cmap_t **out, axcon_error_t *err);
AXCON_API void axcon_cmap_free(axcon_cmap_t *cm);

AXCON_API size_t axcon_cmap_len(const axcon_cmap_t *cm);          /* query length */
AXCON_API const char *axcon_cmap_query_seq(const axcon_cmap_t *cm);
AXCON_API const char *axcon_cmap_query_name(const axcon_cmap_t *cm);
/* The model of the label given to axcon_cmap_from_scores ("attn" of "attn+net") and the contact
 * head that ranked the pairs ("net" of "attn+net"; "" for none). The calibration takes the row of
 * the whole label when it has one, else the model's. */
AXCON_API const char *axcon_cmap_method(const axcon_cmap_t *cm);
AXCON_API const char *axcon_cmap_head(const axcon_cmap_t *cm);
AXCON_API double axcon_cmap_neff(const axcon_cmap_t *cm);
AXCON_API int axcon_cmap_min_sep(const axcon_cmap_t *cm);
/* Score of the pair (1-based query positions; 0 for unscored positions and i == j). */
AXCON_API double axcon_cmap_score(const axcon_cmap_t *cm, int i, int j);
/* All scores at once: L x L row-major (L = axcon_cmap_len), entry (i-1)*L + (j-1) is
 * axcon_cmap_score(cm, i, j); owned by the map. */
AXCON_API const double *axcon_cmap_scores(const axcon_cmap_t *cm);
/* The ranked pairs (i < j, |i-j| >= min_sep, both positions scored), best first. */
AXCON_API const axcon_contact_t *axcon_cmap_ranked(const axcon_cmap_t *cm, size_t *n);

/* Additions (contacts.c):
 * Number of kept (scored) alignment columns, and whether query position i was scored. */
AXCON_API size_t axcon_cmap_ncol(const axcon_cmap_t *cm);
AXCON_API int axcon_cmap_scored(const axcon_cmap_t *cm, int i);
/* Keep the model's raw scores (before APC / post-processing; ncol x ncol over the kept
 * columns of the same msa) so writers can report both (EVcouplings "fn" column). */
AXCON_API int axcon_cmap_set_raw_scores(axcon_cmap_t *cm, const axcon_msa_t *msa, const double *raw,
                                        axcon_error_t *err);
AXCON_API int axcon_cmap_has_raw(const axcon_cmap_t *cm);
/* Raw score of the pair; the (APC) score when no raw scores were kept. */
AXCON_API double axcon_cmap_raw_score(const axcon_cmap_t *cm, int i, int j);
/* Replace the query name (used as the RR TARGET; e.g. from the file name for PSICOV input). */
AXCON_API int axcon_cmap_set_query_name(axcon_cmap_t *cm, const char *name, axcon_error_t *err);

/* Calibration: P(contact) of a pair from its rank r (0-based, score descending, ties by
 * smaller i then j) among all scored pairs of the map with |i-j| >= AXCON_CALIB_SEP (a pair
 * closer than that gets the rank it would have among them), the map's size ncol and the
 * depth neff:  P = 1 / (1 + exp(-(b0 + b1 x + b2 d + b3 x d))), x = log((r + 1) / ncol),
 * d = log(neff / sqrt(ncol)) clipped to [-3, 6]. Constants per method, fitted by
 * scripts/fit_calibration.py. Within one map P never increases down the ranking. */
#define AXCON_CALIB_SEP 6
AXCON_API double axcon_calib_prob(const char *method, size_t rank, double neff, size_t ncol);

#ifdef __cplusplus
}
#endif
#endif
