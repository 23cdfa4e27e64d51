/* axcon/pred.h - read contact predictions: axcon's own formats and the peers'.
 *
 * Owns: recognising and parsing predicted contact lists/matrices into one list of
 * (i, j, score) pairs, 1-based query positions. Used by `axcon eval`, `axcon plot` and
 * the benchmark harness.
 *
 * Formats (AXCON_PRED_AUTO recognises them from the content, never from the file name;
 * plain or gzip/BGZF input, "-" = stdin):
 *  - rr          CASP RR: optional header records (PFRMAT, TARGET, AUTHOR, METHOD, REMARK,
 *                MODEL, END, ...) and sequence lines, then `i j d1 d2 p` or `i j p`; score = p.
 *                The sequence lines (if any) are kept: axcon_pred_seq().
 *  - mat         CCMpred matrix: L lines of L whitespace-separated numbers, 0-based implicit
 *                indices; every off-diagonal cell (i < j) becomes a pair; L = number of rows.
 *  - tsv         axcon's `i<TAB>j<TAB>score<TAB>probability` (probability optional; score is
 *                the 3rd column); '#' lines and one non-numeric header line are skipped.
 *  - csv         EVcouplings CouplingScores.csv: header `i,A_i,j,A_j,fn,cn,...`; score = cn
 *                (the columns are located by name in the header).
 *  - plmc        `i A_i j A_j 0 score`; score = the 6th column.
 *  - freecontact `i aa j aa score1 score2`; score = the 6th column (APC-corrected).
 *  - psicov      `i j 0 8 score`; score = the 5th column. (A headerless RR body has the same
 *                columns; auto detection calls it psicov, with the same result.)
 *
 * Normalisation (all formats): every pair is stored with i < j; i == j is dropped; when a
 * pair appears twice (e.g. (i,j) and (j,i), or a symmetric matrix) the LARGER score is kept
 * (for a symmetric matrix both are equal). The list is returned in rank order: score
 * descending, ties broken by smaller i, then smaller j (EVALUATION.md).
 *
 * Errors (AXCON_EINPUT, message "FILE:LINE: reason"): a line that does not fit the format,
 * residue numbers < 1 or (when a length is known) > L, scores that are NaN/inf or larger in
 * magnitude than 1e12, a ragged or non-square matrix, an empty file. */
#ifndef AXCON_PRED_H
#define AXCON_PRED_H

#include <stddef.h>

#include "axcon/contacts.h"
#include "axcon/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum axcon_pred_format {
    AXCON_PRED_AUTO = 0,
    AXCON_PRED_RR,
    AXCON_PRED_MAT,
    AXCON_PRED_TSV,
    AXCON_PRED_CSV,
    AXCON_PRED_PLMC,
    AXCON_PRED_FREECONTACT,
    AXCON_PRED_PSICOV,
    AXCON_PRED_GREMLIN   /* "i j i_id j_id r_sco s_sco prob" (intra-chain); score = r_sco */
} axcon_pred_format_t;

/* One predicted pair: 1-based query positions, i < j. */
typedef struct axcon_pred_pair {
    int i, j;
    double score;
} axcon_pred_pair_t;

typedef struct axcon_pred axcon_pred_t;

/* "auto", "rr", "mat", "tsv", "csv", "plmc", "freecontact", "psicov", "gremlin" (also accepted:
 * "casp" for rr, "ccmpred"/"matrix" for mat, "evcouplings" for csv). 0 on success, -1 if unknown. */
AXCON_API int axcon_pred_format_parse(const char *name, axcon_pred_format_t *out);
AXCON_API const char *axcon_pred_format_name(axcon_pred_format_t fmt);

/* Read predictions from `path` ("-" = stdin). `length` = query length for range checks
 * (residue numbers must be in 1..length; 0 = unknown, only >= 1 is checked). */
AXCON_API int axcon_pred_read(const char *path, axcon_pred_format_t fmt, int length, axcon_pred_t **out,
                              axcon_error_t *err);
/* Same from an in-memory buffer (tests, fuzzing); `name` is used in messages. */
AXCON_API int axcon_pred_parse(const char *name, const char *buf, size_t len, axcon_pred_format_t fmt, int length,
                               axcon_pred_t **out, axcon_error_t *err);
AXCON_API void axcon_pred_free(axcon_pred_t *pred);
/* The ranked pairs of a contact map made in this process (axcon_predict), as if written as
 * tsv and read back, without the file: for axcon_eval_precision from bindings. */
AXCON_API int axcon_pred_from_cmap(const axcon_cmap_t *cm, axcon_pred_t **out, axcon_error_t *err);

/* The format actually parsed (never AUTO). */
AXCON_API axcon_pred_format_t axcon_pred_format(const axcon_pred_t *pred);
/* Number of pairs and the pairs themselves, in rank order (see above). */
AXCON_API size_t axcon_pred_npairs(const axcon_pred_t *pred);
AXCON_API const axcon_pred_pair_t *axcon_pred_pairs(const axcon_pred_t *pred);
/* Largest residue number seen in any pair (0 if none). */
AXCON_API int axcon_pred_max_pos(const axcon_pred_t *pred);
/* Length the file itself declares: matrix size, or the RR sequence's length; 0 if none. */
AXCON_API int axcon_pred_length(const axcon_pred_t *pred);
/* Sequence from the RR header lines (uppercase), or NULL if the file has none. */
AXCON_API const char *axcon_pred_seq(const axcon_pred_t *pred);

#ifdef __cplusplus
}
#endif
#endif
