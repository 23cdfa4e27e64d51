/* axcon/prep.h - stage 3 of the pipeline: the prepared alignment, made once per prediction.
 *
 * Owns: everything the models take from an alignment, derived once: the distinct rows (in
 * order of first occurrence) with their multiplicities, the sequence weights (identity
 * threshold, axcon/weights.h, computed on the distinct rows) or the caller's weights, the
 * summed weight of each distinct row, Neff and the weighted single-site frequencies
 * f_i(a) (axcon/encode.h, no pseudocount). Every model (axcon/mf.h, plm.h, attn.h) and
 * the contact head take this object instead of re-deriving any of it.
 *
 * Sums are formed in sequence order over the original rows (Neff = sum_n w_n, the summed
 * weight of a distinct row = its copies' weights added in order, f_i(a) = sum_n w_n [x_ni = a]
 * / Neff), exactly as the encode stage's functions on the expanded alignment do, so a model
 * run on the prepared alignment gives the same bits as on the raw rows. Rows whose weight is
 * 0 (caller's weights) are left out of the distinct rows. The object is immutable after
 * construction and may be shared by concurrent readers. */
#ifndef AXCON_PREP_H
#define AXCON_PREP_H

#include <stddef.h>
#include <stdint.h>

#include "axcon/error.h"
#include "axcon/msa.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct axcon_prep axcon_prep_t;

/* From an alignment: identity-threshold weights (threshold in (0, 1], EUSAGE otherwise).
 * The alignment is borrowed (axcon_prep_msa) and must outlive the object. EINPUT on an
 * alignment without sequences or columns. */
AXCON_API int axcon_prep_new(const axcon_msa_t *msa, double id_threshold, axcon_prep_t **out, axcon_error_t *err);

/* From an N x L row-major code matrix (0..20, copied) with the caller's weights (N doubles,
 * finite and >= 0 with a positive sum; NULL = all 1). EINPUT on bad codes or weights. */
AXCON_API int axcon_prep_from_codes(const uint8_t *codes, size_t nseq, size_t ncol, const double *w,
                                    axcon_prep_t **out, axcon_error_t *err);

AXCON_API void axcon_prep_free(axcon_prep_t *p);

AXCON_API size_t axcon_prep_nseq(const axcon_prep_t *p);      /* N sequences given */
AXCON_API size_t axcon_prep_ncol(const axcon_prep_t *p);      /* L columns */
AXCON_API size_t axcon_prep_ndistinct(const axcon_prep_t *p); /* N' distinct rows of positive weight */
AXCON_API const uint8_t *axcon_prep_rows(const axcon_prep_t *p);        /* N' x L distinct rows */
AXCON_API const size_t *axcon_prep_mult(const axcon_prep_t *p);         /* N' copies of each */
AXCON_API const double *axcon_prep_row_weights(const axcon_prep_t *p);  /* N' summed weights */
AXCON_API const double *axcon_prep_seq_weights(const axcon_prep_t *p);  /* N weights, input order */
AXCON_API const size_t *axcon_prep_seq_row(const axcon_prep_t *p);      /* N: distinct row of sequence n
                                                                           (SIZE_MAX: weight 0) */
AXCON_API double axcon_prep_neff(const axcon_prep_t *p);                /* sum of the N weights */
AXCON_API const double *axcon_prep_freq(const axcon_prep_t *p);         /* L x 21: f_i(a) */
/* The alignment it was made from (NULL when made from codes) and the identity threshold of
 * its weights (0 when the caller gave them). */
AXCON_API const axcon_msa_t *axcon_prep_msa(const axcon_prep_t *p);
AXCON_API double axcon_prep_id_threshold(const axcon_prep_t *p);

/* The dense pair matrix of axcon_pair_matrix (axcon/encode.h) from the prepared alignment
 * (same flags, qk, lambda and result, bit for bit). */
AXCON_API int axcon_prep_pair_matrix(const axcon_prep_t *p, int qk, double lambda, int flags, double *M,
                                     axcon_error_t *err);

#ifdef __cplusplus
}
#endif
#endif
