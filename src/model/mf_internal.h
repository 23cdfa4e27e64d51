/* mf_internal.h - internal to libaxcon (and its unit tests): the sequence-space Gram matrix of
 * the mean-field low-rank solver (src/model/mf.c), exposed so the tests can check it against
 * the explicit product it replaces. */
#ifndef AXCON_MODEL_MF_INTERNAL_H
#define AXCON_MODEL_MF_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "axcon/error.h"

/* For the nu distinct rows (codes 0..19 residues, 20 the gap; L columns) with frequencies f
 * (L x 21) and row scales s: K[u * ldk + v] = [u == v] + c (V V^T + S S^T)_uv for u <= v < nu,
 * where V_u,ia = s_u ([x_ui = a] - f_ia) over the 20 residues and S_ui = sum_a V_u,ia. The
 * products are formed from exact integer counts (residues shared, columns without gaps) and
 * per-row sums; results do not depend on the thread count. Other entries are not written. */
int ax_mf_seq_gram(const uint8_t *rows, size_t nu, size_t L, const double *f, const double *s, double c, double *K,
                   size_t ldk, axcon_error_t *err);

#endif
