/* cli.h - the thin command-line layer over libaxcon (not installed).
 *
 * Owns: mapping library statuses to exit codes and the one-line "axcon: error: ..."
 * message, the thread-count policy (-t, OMP_NUM_THREADS, SLURM_CPUS_PER_TASK, cores),
 * shared option parsing helpers, and the subcommand entry points. */
#ifndef AXCON_CLI_H
#define AXCON_CLI_H

#include "axcon/error.h"

/* Exit codes of the CLI contract. */
#define AXCON_EXIT_OK 0
#define AXCON_EXIT_USER 1
#define AXCON_EXIT_INTERNAL 2

/* Print "axcon: error: <msg>" and return the exit code for err->status. */
int cli_fail(const axcon_error_t *err);
/* Print "axcon: error: <formatted>" plus a hint to see `axcon CMD --help`; returns 1. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Resolve and apply the thread count: value of -t (NULL if not given), else
 * OMP_NUM_THREADS, else SLURM_CPUS_PER_TASK, else all cores. Returns the count, or
 * -1 after printing an error for an invalid value. */
int cli_threads(const char *cmd, const char *value);

/* Strict number parsing: whole string must be a number within [lo, hi]. 0 on success. */
int cli_parse_long(const char *s, long lo, long hi, long *out);
int cli_parse_double(const char *s, double lo, double hi, double *out);

/* Handle -v / -q style verbosity: call for each occurrence. */
void cli_verbose_more(void);
void cli_verbose_quiet(void);

/* Write s as a JSON string literal (quotes and escapes included). */
#include <stdio.h>
void cli_json_str(FILE *fp, const char *s);

/* Shared by eval and plot (cli_truth.c): read the query (from --msa when msa_path is set,
 * else from the prediction's sequence lines; *query stays NULL when neither has one) and the
 * prediction; then, for --pdb, the structure's contacts mapped onto that query. Outputs are
 * owned by the caller, also on failure. */
#include "axcon/eval.h"
#include "axcon/msa.h"
#include "axcon/pred.h"
#include "axcon/structure.h"
int cli_read_query_and_prediction(const char *msa_path, const char *pred_path, axcon_pred_format_t pfmt,
                                  axcon_msa_t **msa, axcon_pred_t **pred, const char **query, int *qlen,
                                  axcon_error_t *err);
int cli_truth_from_pdb(const char *pdb, const char *chain, const char *query, axcon_structure_t **st,
                       axcon_truth_t **truth, axcon_error_t *err);

/* Subcommands: each returns the process exit status. */
int axcon_cmd_info(int argc, char **argv);
int axcon_cmd_predict(int argc, char **argv);
int axcon_cmd_convert(int argc, char **argv);
int axcon_cmd_eval(int argc, char **argv);
int axcon_cmd_simulate(int argc, char **argv);
int axcon_cmd_plot(int argc, char **argv);

#endif
