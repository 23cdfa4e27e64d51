/* testutil.h - shared helpers for axcon's CUnit test programs.
 *
 * Owns: the common main() (exit status derived from CUnit's failure counts, because
 * CU_basic_run_tests() returns 0 even when assertions fail), locating the built CLI
 * and ../shared/bench, running commands with captured output, and scratch files. */
#ifndef AXCON_TESTUTIL_H
#define AXCON_TESTUTIL_H

#include <stddef.h>

#include <CUnit/CUnit.h>

/* Run every registered suite; returns the process exit status (0 only when no failures). */
int axt_main(int argc, char **argv, void (*register_suites)(void));

/* Add a suite with the given tests: axt_suite("msa", (axt_case_t[]){{"name", fn}, ..., {0}}). */
typedef struct { const char *name; CU_TestFunc fn; } axt_case_t;
void axt_suite(const char *name, const axt_case_t *cases);

/* Absolute path of ../shared/bench (or $AXCON_BENCH), or NULL after printing
 * "SKIP: <test>: ../shared/bench not found" once per caller. */
const char *axt_bench(const char *who);
/* Path of the built CLI ($AXCON_BIN, default ./axcon). */
const char *axt_axcon(void);
/* Source tree ($AXCON_SRCDIR, default "."). */
const char *axt_srcdir(void);

/* A fresh scratch directory for this process (removed at exit) and a path inside it. */
const char *axt_tmpdir(void);
/* Returns a malloc'd "<tmpdir>/<name>". */
char *axt_tmp(const char *name);

/* Run a shell command; captures stdout/stderr (malloc'd, NUL-terminated) when the
 * pointers are not NULL. Returns the exit status, or 128+signal if killed. */
int axt_run(const char *cmd, char **out, char **err);
/* printf-style variant: axt_runf(&out, &err, "%s info %s", axt_axcon(), path). */
int axt_runf(char **out, char **err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

int axt_write(const char *path, const void *data, size_t len);
int axt_write_str(const char *path, const char *text);
char *axt_slurp(const char *path, size_t *len); /* NULL if unreadable */
int axt_exists(const char *path);

#endif
