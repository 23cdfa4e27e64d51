/* cli.h - the thin command-line layer over libaxcon (not installed).
 *
 * Owns: mapping library statuses to exit codes and the one-line "axcon: error: ..."
 * message, the thread-count policy (-t, OMP_NUM_THREADS, SLURM_CPUS_PER_TASK, cores),
 * shared option parsing helpers, and the subcommand entry points. */
#ifndef AXCON_CLI_H
#define AXCON_CLI_H

#include "axcon/error.h"
#include "core/util.h"

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

/* Strict number parsing (whole string a number within [lo, hi]; sizes such as 4G): the
 * library's ax_parse_long, ax_parse_double and ax_parse_size of core/util.h. */

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

/* The prediction options shared by `predict` and `batch` (cli_predopts.c). A command puts
 * CLI_PREDICT_LONGOPTS in its getopt_long table and CLI_PREDICT_SHORTOPTS in its short
 * option string, then offers each option code to cli_predopts_handle(). */
#include "axcon/output.h"
#include "axcon/predict.h"
enum {
    CLI_OPT_MIN_SEP = 256, CLI_OPT_TOP, CLI_OPT_ID, CLI_OPT_SEQ_GAP, CLI_OPT_COL_GAP, CLI_OPT_NO_APC, CLI_OPT_PC,
    CLI_OPT_SHARPEN, CLI_OPT_TAU, CLI_OPT_LAMBDA_H, CLI_OPT_LAMBDA_J, CLI_OPT_MAX_ITER, CLI_OPT_TOL, CLI_OPT_HEADS,
    CLI_OPT_HEAD_DIM, CLI_OPT_ATTN_LAMBDA, CLI_OPT_MAX_MEM, CLI_OPT_DRY_RUN, CLI_OPT_NO_HEAD,
    CLI_OPT_HEAD, CLI_OPT_AUTHOR, CLI_OPT_TARGET, CLI_OPT_REMARK, CLI_OPT_ATTN_RESIDUAL,
    CLI_OPT_FIRST_FREE = 512 /* commands number their own long-only options from here */
};
#define CLI_PREDICT_SHORTOPTS "m:t:f:vq"
#define CLI_PREDICT_LONGOPTS                                                                                      \
    {"method", required_argument, 0, 'm'}, {"threads", required_argument, 0, 't'},                                \
    {"format", required_argument, 0, 'f'}, {"min-sep", required_argument, 0, CLI_OPT_MIN_SEP},                    \
    {"top", required_argument, 0, CLI_OPT_TOP}, {"id", required_argument, 0, CLI_OPT_ID},                         \
    {"max-seq-gap", required_argument, 0, CLI_OPT_SEQ_GAP}, {"max-col-gap", required_argument, 0, CLI_OPT_COL_GAP}, \
    {"no-apc", no_argument, 0, CLI_OPT_NO_APC}, {"pseudocount", required_argument, 0, CLI_OPT_PC},                \
    {"sharpen", required_argument, 0, CLI_OPT_SHARPEN}, {"tau", required_argument, 0, CLI_OPT_TAU},               \
    {"lambda-h", required_argument, 0, CLI_OPT_LAMBDA_H}, {"lambda-j", required_argument, 0, CLI_OPT_LAMBDA_J},   \
    {"max-iter", required_argument, 0, CLI_OPT_MAX_ITER}, {"tol", required_argument, 0, CLI_OPT_TOL},             \
    {"heads", required_argument, 0, CLI_OPT_HEADS}, {"head-dim", required_argument, 0, CLI_OPT_HEAD_DIM},         \
    {"attn-lambda", required_argument, 0, CLI_OPT_ATTN_LAMBDA}, {"verbose", no_argument, 0, 'v'},                 \
    {"quiet", no_argument, 0, 'q'}, {"max-mem", required_argument, 0, CLI_OPT_MAX_MEM},                          \
    {"dry-run", no_argument, 0, CLI_OPT_DRY_RUN}, {"no-head", no_argument, 0, CLI_OPT_NO_HEAD},                  \
    {"head", required_argument, 0, CLI_OPT_HEAD}, {"author", required_argument, 0, CLI_OPT_AUTHOR},              \
    {"target", required_argument, 0, CLI_OPT_TARGET}, {"remark", required_argument, 0, CLI_OPT_REMARK},           \
    {"attn-residual", required_argument, 0, CLI_OPT_ATTN_RESIDUAL}

typedef struct cli_predopts {
    axcon_predict_opts_t po;
    axcon_msa_opts_t mo;
    const char *threads; /* -t as given, NULL if not */
    axcon_outfmt_t fmt;
    int fmt_set;
    axcon_top_t top;
    int top_set;
    int dry_run;         /* --dry-run: print the resource estimate instead of predicting */
    axcon_write_opts_t wo; /* --author, --target (RR header; wo.remark unused: remark[]) */
    char remark[8192];   /* the --remark lines, '\n' between them */
} cli_predopts_t;

void cli_predopts_init(cli_predopts_t *p);
/* Print the option lines (for a command's --help). */
void cli_predopts_usage(FILE *fp);
/* 1 if c was a prediction option and was applied, 0 if it is not one of them, or minus the
 * exit status after printing the usage error for a bad value. */
int cli_predopts_handle(cli_predopts_t *p, int c, const char *arg, const char *cmd);
/* -f, else the output path's extension, else tsv. */
axcon_outfmt_t cli_predopts_format(const cli_predopts_t *p, const char *out_path);
/* --top, else 1.5L for rosetta, else NULL (all pairs); buf backs the default. */
const axcon_top_t *cli_predopts_top(const cli_predopts_t *p, axcon_outfmt_t fmt, axcon_top_t *buf);
/* Target name from an alignment path: base name without compression/format extensions. */
void cli_name_from_path(const char *path, char *buf, size_t size);
/* Read msa_path, predict, write to out_path ('-' = stdout) atomically. When msa_out is not
 * NULL it receives the alignment (caller frees) on success. */
int cli_predict_file(const char *msa_path, const char *out_path, const cli_predopts_t *p, axcon_msa_t **msa_out,
                     axcon_error_t *err);
/* The same, also reporting N, L and Neff of the prediction (stats may be NULL). With
 * p->dry_run it prints the estimate (cli_print_estimate) to stdout and writes nothing. */
typedef struct cli_predict_stats {
    size_t nseq, ncol;
    double neff;
} cli_predict_stats_t;
int cli_predict_file_ex(const char *msa_path, const char *out_path, const cli_predopts_t *p, axcon_msa_t **msa_out,
                        cli_predict_stats_t *stats, axcon_error_t *err);
/* Memory available in bytes: physical memory, or a lower limit of the cgroup (v2 memory.max,
 * v1 memory.limit_in_bytes) or of SLURM (SLURM_MEM_PER_NODE, SLURM_MEM_PER_CPU x
 * SLURM_CPUS_PER_TASK); 0 if unknown. The default of --max-mem. */
double cli_phys_mem(void);
/* Print "name: N sequences, L columns; estimated memory X GB, time ~Y s (T threads)". */
void cli_print_estimate(FILE *fp, const char *name, const axcon_msa_t *msa, const axcon_estimate_t *est,
                        const axcon_predict_opts_t *po, int threads);

/* Subcommands: each returns the process exit status. */
int axcon_cmd_info(int argc, char **argv);
int axcon_cmd_predict(int argc, char **argv);
int axcon_cmd_convert(int argc, char **argv);
int axcon_cmd_eval(int argc, char **argv);
int axcon_cmd_simulate(int argc, char **argv);
int axcon_cmd_plot(int argc, char **argv);
int axcon_cmd_batch(int argc, char **argv);

#endif
