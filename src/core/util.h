/* util.h - internal helpers shared by the library's modules (not installed).
 *
 * Owns: overflow-checked size arithmetic and allocation that records an
 * AXCON_ENOMEM error instead of aborting, the thread-count helper, and the APC arithmetic
 * shared by the score stage and the models' warm starts. */
#ifndef AXCON_UTIL_H
#define AXCON_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "axcon/error.h"

/* *out = a * b; returns 0 on success, -1 on overflow. */
static inline int ax_mul_ok(size_t a, size_t b, size_t *out)
{
    if (a && b > SIZE_MAX / a) return -1;
    *out = a * b;
    return 0;
}

/* Allocate n*size bytes (zeroed when `zero`); on overflow or failure set err
 * (AXCON_ENOMEM, naming `what` and the size) and return NULL. */
void *ax_alloc(size_t n, size_t size, int zero, const char *what, axcon_error_t *err);
void *ax_realloc(void *p, size_t n, size_t size, const char *what, axcon_error_t *err);

/* Average product correction in place on a symmetric n x n matrix (axcon_apc of
 * axcon/contacts.h, which the models' warm starts also need): diagonal set to 0,
 * S_ij -= mean_i mean_j / mean over the off-diagonal entries; n < 3 or a zero mean leaves
 * the off-diagonal entries unchanged. Serial, fixed summation order. */
void ax_apc(double *S, size_t n);

/* Number of OpenMP threads in effect (1 without OpenMP). */
int ax_max_threads(void);

/* Option values (the CLI's and axcon_predict_opts_set's): 0 and *out set when the whole of s
 * is a number within [lo, hi] (finite for doubles), -1 otherwise. A size is a number >= 0
 * with an optional unit K, M, G or T (powers of 1024; "G", "GB" and "GiB" alike). */
int ax_parse_long(const char *s, long lo, long hi, long *out);
int ax_parse_double(const char *s, double lo, double hi, double *out);
int ax_parse_size(const char *s, double *bytes);

#endif
