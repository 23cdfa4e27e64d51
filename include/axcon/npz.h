/* axcon/npz.h - stage 6 (output): numpy arrays for machine learning and scripting.
 *
 * Owns: writing named arrays as a NumPy .npz archive (a ZIP of .npy files, format 1.0,
 * little-endian, C order), readable by numpy.load. Members are stored uncompressed (ZIP
 * method 0, CRC-32 from zlib), so the writer streams to any FILE, pipes included; the archive
 * and every member stay below 4 GiB (no ZIP64: EUSAGE beyond). Used by
 * `axcon predict --dump-features` (the contact network's inputs, for training it). */
#ifndef AXCON_NPZ_H
#define AXCON_NPZ_H

#include <stddef.h>
#include <stdio.h>

#include "axcon/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct axcon_npz axcon_npz_t;

typedef enum axcon_npz_dtype {
    AXCON_NPZ_F4 = 0, /* float  (<f4) */
    AXCON_NPZ_F8,     /* double (<f8) */
    AXCON_NPZ_I4,     /* int32_t (<i4) */
    AXCON_NPZ_S       /* a byte string (a 0-d array of dtype |S<n>; axcon_npz_add_string) */
} axcon_npz_dtype_t;

/* Start an archive on fp (the caller opens and closes fp, e.g. an axcon_ofile). */
AXCON_API int axcon_npz_begin(FILE *fp, axcon_npz_t **out, axcon_error_t *err);
/* Add array `name` (member name.npy; letters, digits and _ only) of ndim <= 4 dimensions
 * (ndim 0 = a scalar) from data in C order. EIO on a write error. */
AXCON_API int axcon_npz_add(axcon_npz_t *z, const char *name, axcon_npz_dtype_t dtype, int ndim, const size_t *shape,
                            const void *data, axcon_error_t *err);
/* The same, written row by row for arrays too large to hold twice: fill(ctx, r, buf, err)
 * writes row r (shape[1] x ... elements, C order) into buf and is called twice per row (the
 * ZIP header's CRC comes first), so it must give the same bytes both times; a non-zero
 * status from it stops the archive. */
typedef int (*axcon_npz_fill_fn)(void *ctx, size_t row, void *buf, axcon_error_t *err);
AXCON_API int axcon_npz_add_rows(axcon_npz_t *z, const char *name, axcon_npz_dtype_t dtype, int ndim,
                                 const size_t *shape, axcon_npz_fill_fn fill, void *ctx, axcon_error_t *err);
/* A text member: numpy reads it as a 0-d bytes array (str(z[name].item(), 'ascii')). */
AXCON_API int axcon_npz_add_string(axcon_npz_t *z, const char *name, const char *s, axcon_error_t *err);
/* Write the central directory and free z (also on error). */
AXCON_API int axcon_npz_end(axcon_npz_t *z, axcon_error_t *err);
/* Free without finishing (after an error). NULL is accepted. */
AXCON_API void axcon_npz_free(axcon_npz_t *z);

#ifdef __cplusplus
}
#endif
#endif
