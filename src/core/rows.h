/* rows.h - internal: identical rows of a code matrix (not installed).
 *
 * Owns: the project's only row hash and the grouping of identical sequences. Groups are
 * numbered in order of first occurrence, so everything built on them (distinct rows, summed
 * weights) is deterministic and independent of the thread count. */
#ifndef AXCON_CORE_ROWS_H
#define AXCON_CORE_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "axcon/error.h"

/* 64-bit hash of a row of len bytes. */
uint64_t ax_row_hash(const uint8_t *r, size_t len);

/* Group the nseq rows (ncol bytes each, row-major) by content: gid[n] = group of row n,
 * 0..*ngroups-1 in order of first occurrence. With w (nseq weights, may be NULL) the rows
 * whose weight is not > 0 are left out (gid = SIZE_MAX). first (may be NULL; else nseq
 * entries, caller-allocated) receives the index of each group's first row. ENOMEM only. */
int ax_row_groups(const uint8_t *codes, size_t nseq, size_t ncol, const double *w, size_t *gid, size_t *first,
                  size_t *ngroups, axcon_error_t *err);

#endif
