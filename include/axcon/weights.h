/* axcon/weights.h - stage 2 of the pipeline: sequence weights and the effective depth.
 *
 * Owns: the standard identity-threshold reweighting. The weight of sequence n is
 * 1 / |{m : id(n,m) >= threshold}| (n itself included), where id(n,m) is the number of
 * the L kept columns at which the two rows hold the same state (gap matching gap counts,
 * as in CCMpred and PSICOV) divided by L. Neff = sum of the weights. The O(N^2 L)
 * comparison is packed, vectorised and OpenMP-parallel; integer counts make the result
 * identical for every thread count.
 *
 * The exact threshold rule: with L columns, sequences n and m are neighbours when the
 * number c of identical columns satisfies c >= t, t = ceil(threshold * L - 1e-9) clamped to
 * [0, L] (axcon_weights_min_identical). The integer comparison makes an identity of exactly
 * the threshold count (e.g. 8 of 10 columns at 0.8) a neighbour despite rounding in
 * threshold * L. A sequence is always its own neighbour, so weights lie in [1/N, 1].
 * With L = 0 every pair is a neighbour (all weights 1/N).
 *
 * Exact duplicate rows are collapsed before the comparison (a pure speed-up: the result is
 * the same; grouping by the project's one row hash). The kernel is AVX2 or SSE2 on x86 (chosen at run time), plain C elsewhere;
 * the environment variable AXCON_WEIGHTS_KERNEL=scalar|sse2|avx2 forces a kernel the CPU
 * supports (used by the tests). Memory: the packed unique rows (N x L rounded up to 32
 * bytes) plus 4 bytes per unique row per thread. */
#ifndef AXCON_WEIGHTS_H
#define AXCON_WEIGHTS_H

#include <stddef.h>

#include "axcon/error.h"
#include "axcon/msa.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AXCON_DEFAULT_ID_THRESHOLD 0.8

/* Compute weights (array of N doubles, caller-allocated) for the alignment; threshold in
 * (0, 1]; threshold >= 1 + 1e-9 or <= 0 is EUSAGE. Returns AXCON_OK or a negative status.
 * Writes Neff to *neff when not NULL. */
AXCON_API int axcon_weights_identity(const axcon_msa_t *msa, double threshold, double *w, double *neff,
                                     axcon_error_t *err);

/* The same on a raw N x L row-major code matrix (0..20). */
AXCON_API int axcon_weights_identity_codes(const unsigned char *codes, size_t nseq, size_t ncol, double threshold,
                                           double *w, double *neff, axcon_error_t *err);

/* The same on distinct rows that stand for mult[u] >= 1 identical sequences each (nrows x
 * ncol, row-major): wrow[u] = the weight of ONE copy of row u, 1 / (mult[u] + the copies of
 * every other row with enough identical columns). Exactly the weights axcon_weights_identity_codes
 * gives the expanded alignment; used by the prepared alignment (axcon/prep.h), which groups
 * the rows once. */
AXCON_API int axcon_weights_identity_distinct(const unsigned char *rows, size_t nrows, size_t ncol, const size_t *mult,
                                              double threshold, double *wrow, axcon_error_t *err);

/* The smallest number of identical columns (out of ncol) that reaches `threshold`:
 * ceil(threshold * ncol - 1e-9), clamped to [0, ncol]. */
AXCON_API size_t axcon_weights_min_identical(size_t ncol, double threshold);

/* Name of the comparison kernel the next call will use: "avx2", "sse2" or "scalar". */
AXCON_API const char *axcon_weights_kernel(void);

#ifdef __cplusplus
}
#endif
#endif
