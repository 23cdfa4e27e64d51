/* axcon/ofile.h - atomic output files.
 *
 * Owns: the rule that no partial output ever appears at a user's path. Output goes to a
 * temporary file in the destination directory; axcon_ofile_commit() flushes, checks
 * every write, fsyncs and renames it into place; axcon_ofile_abort() removes it.
 * The path "-" means stdout (written directly, committed by a checked fflush). */
#ifndef AXCON_OFILE_H
#define AXCON_OFILE_H

#include <stdio.h>

#include "axcon/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct axcon_ofile axcon_ofile_t;

AXCON_API int axcon_ofile_open(const char *path, axcon_ofile_t **out, axcon_error_t *err);
/* The stream to write to (valid until commit/abort). */
AXCON_API FILE *axcon_ofile_fp(axcon_ofile_t *of);
/* Flush, check for write errors, close and rename into place; frees `of` whatever the outcome. */
AXCON_API int axcon_ofile_commit(axcon_ofile_t *of, axcon_error_t *err);
/* Discard: close and unlink the temporary file; frees `of`. NULL is accepted. */
AXCON_API void axcon_ofile_abort(axcon_ofile_t *of);

/* Remove every temporary file still open (for signal handlers: async-signal-safe unlink only). */
AXCON_API void axcon_ofile_abort_all_signal_safe(void);

#ifdef __cplusplus
}
#endif
#endif
