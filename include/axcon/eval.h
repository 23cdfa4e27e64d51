/* axcon/eval.h - native contact maps ("truth") and contact precision.
 *
 * Owns: the evaluation protocol of docs/EVALUATION.md.
 *  - axcon_truth_t: which query positions are observed, and the representative-atom
 *    distance (C-beta, C-alpha for glycine) of every pair of observed positions. Built from
 *    a truth TSV (`i<TAB>j<TAB>distance`, 1-based, the format of ../bench/truth) or from a
 *    structure chain aligned to the query sequence.
 *  - Contact: distance < AXCON_CONTACT_CUTOFF (8.0 Å). Distances computed from coordinates
 *    are rounded to 0.001 Å, the precision of the truth files and of PDB coordinates.
 *  - Precision: only pairs with both positions observed are ranked; L = observed residues;
 *    ranges short 6<=s<12, medium 12<=s<24, long s>=24, medium_long s>=12, all s>=6;
 *    top-L/k for k = 1, 2, 5 takes max(1, floor(L/k)) pairs in rank order (score
 *    descending, ties by smaller i then smaller j). When a prediction has fewer ranked pairs
 *    in a range than that, the missing ones count as wrong (denominator stays L/k).
 *
 * For plotting: iterate over axcon_truth_npairs()/axcon_truth_pair() (i < j, distance) or
 * query axcon_truth_distance(); axcon_truth_observed() tells which positions are resolved. */
#ifndef AXCON_EVAL_H
#define AXCON_EVAL_H

#include <stddef.h>

#include "axcon/error.h"
#include "axcon/pred.h"
#include "axcon/structure.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AXCON_CONTACT_CUTOFF 8.0

typedef struct axcon_truth axcon_truth_t;

/* Read a truth TSV. `length` = query length if known (positions must be <= length; 0 =
 * unknown: the length becomes the largest position seen). '#' lines, blank lines and one
 * non-numeric header line are skipped; a pair listed twice is an error. Observed positions
 * are those appearing in at least one pair. An observed pair missing from the file has no
 * distance and counts as a non-contact (a warning says how many are missing). */
AXCON_API int axcon_truth_read(const char *path, int length, axcon_truth_t **out, axcon_error_t *err);

/* Map a structure chain onto the query by global alignment of the two sequences (end gaps
 * free, identity scoring with affine gaps; see eval.c) and compute the distances. Query
 * positions aligned to a residue that has its representative atom are observed. */
AXCON_API int axcon_truth_from_structure(const axcon_structure_t *st, const char *query_seq,
                                         axcon_truth_t **out, axcon_error_t *err);
AXCON_API void axcon_truth_free(axcon_truth_t *t);

/* Select the chain that covers the query best: the most query positions aligned to an
 * identical residue with its representative atom (ties: the chain listed first). The CLI
 * uses it when no --chain is given; it reproduces the chain choice of ../bench/truth. */
AXCON_API int axcon_structure_select_best(axcon_structure_t *st, const char *query_seq, axcon_error_t *err);

AXCON_API int axcon_truth_length(const axcon_truth_t *t);    /* query length */
AXCON_API int axcon_truth_nobserved(const axcon_truth_t *t); /* L of the protocol */
/* 1 if 1-based position i is observed. */
AXCON_API int axcon_truth_observed(const axcon_truth_t *t, int i);
/* Distance of (i, j) in Å (any order), or a negative number if not known. */
AXCON_API double axcon_truth_distance(const axcon_truth_t *t, int i, int j);
/* 1 if (i, j) is a contact (known distance < 8 Å). */
AXCON_API int axcon_truth_contact(const axcon_truth_t *t, int i, int j);
/* Pairs with a known distance, k = 0..npairs-1, ordered by i then j (i < j). */
AXCON_API size_t axcon_truth_npairs(const axcon_truth_t *t);
AXCON_API void axcon_truth_pair(const axcon_truth_t *t, size_t k, int *i, int *j, double *dist);
/* For a structure-derived truth: the structure residue mapped to position i, or NULL. */
AXCON_API const axcon_residue_t *axcon_truth_residue(const axcon_truth_t *t, int i);
/* Write `i<TAB>j<TAB>distance` (3 decimals) for every known pair, via axcon/ofile.h. */
AXCON_API int axcon_truth_write(const axcon_truth_t *t, const char *path, axcon_error_t *err);

typedef enum axcon_range {
    AXCON_RANGE_SHORT = 0, /* 6 <= s < 12 */
    AXCON_RANGE_MEDIUM,    /* 12 <= s < 24 */
    AXCON_RANGE_LONG,      /* s >= 24 */
    AXCON_RANGE_MEDIUM_LONG, /* s >= 12 */
    AXCON_RANGE_ALL,       /* s >= 6 */
    AXCON_NRANGES
} axcon_range_t;

#define AXCON_NTOPS 3 /* top-L/k for k = 1, 2, 5 */

typedef struct axcon_eval_result {
    int length;                                  /* observed residues (L) */
    int top_k[AXCON_NTOPS];                      /* 1, 2, 5 */
    int ntop[AXCON_NTOPS];                       /* max(1, floor(L/k)) */
    size_t nranked[AXCON_NRANGES];               /* ranked predicted pairs in each range */
    size_t ncontacts[AXCON_NRANGES];             /* true contacts in each range */
    int correct[AXCON_NRANGES][AXCON_NTOPS];     /* contacts among the top pairs */
    double precision[AXCON_NRANGES][AXCON_NTOPS];
    size_t ndropped;                             /* predicted pairs not ranked (unobserved or s < 6) */
} axcon_eval_result_t;

/* Range name: "short", "medium", "long", "medium_long", "all". */
AXCON_API const char *axcon_range_name(axcon_range_t r);
/* sizeof(axcon_eval_result_t): bindings that lay the struct out themselves check it. */
AXCON_API size_t axcon_eval_result_sizeof(void);
/* 1 if separation s belongs to range r. */
AXCON_API int axcon_range_has(axcon_range_t r, int s);

/* Precision of `pred` against `truth`. Predicted pairs with a position the truth does not
 * observe (including positions beyond its length) or with s < 6 are dropped before ranking
 * (counted in ndropped). Error (AXCON_EINPUT): fewer than two observed residues. */
AXCON_API int axcon_eval_precision(const axcon_truth_t *truth, const axcon_pred_t *pred, axcon_eval_result_t *res,
                                   axcon_error_t *err);

#ifdef __cplusplus
}
#endif
#endif
