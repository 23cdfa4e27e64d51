/* evio.h - internal input helpers of the eval module (not installed).
 *
 * Owns: reading a whole input file (plain, gzip or BGZF, "-" = stdin) into one mutable,
 * NUL-terminated buffer with truncation detected, and splitting such a buffer into lines
 * and whitespace-separated tokens with 1-based line numbers for error messages. */
#ifndef AXCON_EVAL_EVIO_H
#define AXCON_EVAL_EVIO_H

#include <stddef.h>

#include "axcon/error.h"

/* Largest input accepted (bytes after decompression). */
#define AXE_MAX_INPUT ((size_t)4 << 30)

/* Read `path` fully; *buf is malloc'd, NUL-terminated (embedded NULs are an error); a
 * leading UTF-8 byte-order mark is dropped (also by axe_copy). */
int axe_slurp(const char *path, char **buf, size_t *len, axcon_error_t *err);
/* Copy an in-memory buffer into a fresh NUL-terminated one (same checks as axe_slurp). */
int axe_copy(const char *name, const char *src, size_t len, char **buf, axcon_error_t *err);

/* Line iterator over a mutable buffer: each '\n' (and a '\r' before it) is replaced by NUL. */
typedef struct axe_lines {
    char *p, *end;
    size_t lineno; /* of the line last returned */
} axe_lines_t;

void axe_lines_init(axe_lines_t *it, char *buf, size_t len);
/* Next line (NUL-terminated, without the newline) or NULL at the end. */
char *axe_next_line(axe_lines_t *it);

/* Split a line in place at whitespace (space, tab) into at most `max` tokens; returns the
 * number of tokens found (which may exceed max: the extra ones are not stored). */
int axe_split(char *line, char **tok, int max);
/* Split at a single separator character (CSV without quotes); same contract as axe_split. */
int axe_split_sep(char *line, char sep, char **tok, int max);

/* Strict parsing: the whole token must be a number. 0 on success, -1 otherwise. */
int axe_parse_int(const char *s, long *out);
int axe_parse_double(const char *s, double *out);

/* 1 if the line is empty or only whitespace. */
int axe_blank(const char *s);

#endif
