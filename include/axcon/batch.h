/* axcon/batch.h - many alignments in one run (`axcon batch`): the bookkeeping around
 * axcon_predict that makes a batch resumable and splittable across cluster jobs.
 *
 * Owns: the manifest format and its errors, the deterministic shard split (--shard K/N or
 * a SLURM job array), the options fingerprint, the per-family done-record that marks a
 * finished family, removal of temporaries left by a killed run, and the summary TSV.
 *
 * Manifest: one family per line, either "PATH" or "ID<TAB>PATH". Blank lines and lines
 * starting with '#' are skipped; surrounding spaces and a trailing CR are removed. Without
 * an ID, the ID is the base name of PATH without a compression extension (.gz, .bgz, .bgzf)
 * and one more extension. IDs name the output files, so they must be unique, must not be
 * empty, start with '.', or hold '/' or control characters (error "MANIFEST:LINE: reason").
 * Relative paths are used as given (relative to the current directory).
 *
 * Shards: family i (0-based manifest order) belongs to shard i mod N. Within a shard the
 * families run largest input file first (ties: manifest order); the split itself never
 * depends on file sizes, so every job of an array agrees on it.
 *
 * Resume: a family is finished when its done-record (`axcon batch`: OUTDIR/ID.done) exists and records the same options
 * fingerprint, the same input (path, size, modification time) and the size and FNV-1a
 * checksum of the output file now present. The record is written (atomically) only after
 * the output was renamed into place, so a run killed at any moment leaves either a
 * finished family or one that the next run redoes. */
#ifndef AXCON_BATCH_H
#define AXCON_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "axcon/error.h"
#include "axcon/msa.h"
#include "axcon/output.h"
#include "axcon/predict.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- manifest ---- */
typedef struct axcon_manifest axcon_manifest_t;

AXCON_API int axcon_manifest_read(const char *path, axcon_manifest_t **out, axcon_error_t *err);
/* Same from a buffer; `name` is used in messages. */
AXCON_API int axcon_manifest_parse(const char *name, const char *buf, size_t len, axcon_manifest_t **out,
                                   axcon_error_t *err);
AXCON_API void axcon_manifest_free(axcon_manifest_t *m);
AXCON_API size_t axcon_manifest_size(const axcon_manifest_t *m);
AXCON_API const char *axcon_manifest_id(const axcon_manifest_t *m, size_t i);
AXCON_API const char *axcon_manifest_path(const axcon_manifest_t *m, size_t i);
/* Manifest line of entry i (1-based). */
AXCON_API size_t axcon_manifest_line(const axcon_manifest_t *m, size_t i);
/* The default ID of an alignment path (see above); "" if none can be derived. */
AXCON_API void axcon_batch_id_from_path(const char *path, char *buf, size_t size);

/* ---- shards ---- */
typedef struct axcon_shard {
    int index; /* 0-based */
    int count; /* >= 1 */
} axcon_shard_t;

/* "K/N" with 1 <= K <= N (1-based, as in `split -n K/N`). */
AXCON_API int axcon_shard_parse(const char *s, axcon_shard_t *sh, axcon_error_t *err);
/* From a SLURM job array: index = (SLURM_ARRAY_TASK_ID - MIN) / STEP, count =
 * SLURM_ARRAY_TASK_COUNT, else (MAX - MIN) / STEP + 1. *found = 0 (and sh = 1/1) when no
 * array variables are set; a malformed variable is AXCON_EUSAGE naming it. */
AXCON_API int axcon_shard_from_env(axcon_shard_t *sh, int *found, axcon_error_t *err);
/* The manifest indices of shard sh in running order (largest input first); *idx is malloc'd. */
AXCON_API int axcon_shard_select(const axcon_manifest_t *m, const axcon_shard_t *sh, size_t **idx, size_t *n,
                                 axcon_error_t *err);

/* ---- options fingerprint and file names ---- */
#define AXCON_FINGERPRINT_MAX 1024
/* One line (no tabs) naming the axcon version, every prediction and alignment option and
 * the output format and --top: two runs with equal fingerprints write identical outputs.
 * It ends with a hash of the raw option structs (max_mem excluded), so options added later
 * are covered too. */
AXCON_API void axcon_batch_fingerprint(const axcon_predict_opts_t *po, const axcon_msa_opts_t *mo, axcon_outfmt_t fmt,
                                       const axcon_top_t *top, char *buf, size_t size);
/* File name extension of a format: "tsv", "rr", "mat", "csv", "plmc", "cst". */
AXCON_API const char *axcon_batch_ext(axcon_outfmt_t fmt);

/* ---- done records ---- */
typedef struct axcon_batch_stats {
    size_t nseq, ncol;  /* N and L used by the model */
    double neff;
    double seconds;     /* wall time of the family */
    long peak_kb;       /* peak resident memory of the family's process, kB (0 if unknown) */
} axcon_batch_stats_t;

typedef struct axcon_batch_stamp {
    long long size;
    long long mtime_ns;
} axcon_batch_stamp_t;

/* Size and modification time of a file (AXCON_EINPUT naming the path when missing). */
AXCON_API int axcon_batch_stamp(const char *path, axcon_batch_stamp_t *st, axcon_error_t *err);
/* Size and 64-bit FNV-1a checksum of a file's bytes. */
AXCON_API int axcon_batch_checksum(const char *path, long long *size, uint64_t *sum, axcon_error_t *err);

/* Write done_path atomically: checksums out_path (which must be in place) and records
 * id, fingerprint, input (path + stamp taken BEFORE the input was read) and stats. */
AXCON_API int axcon_batch_done_write(const char *done_path, const char *id, const char *fingerprint,
                                     const char *input, const axcon_batch_stamp_t *in_stamp, const char *out_path,
                                     const axcon_batch_stats_t *stats, axcon_error_t *err);
/* 1 when the family is finished (see Resume above), filling *stats from the record when
 * stats is not NULL; 0 otherwise (missing, unreadable or stale record, changed input or
 * output). Never fails. */
AXCON_API int axcon_batch_done_check(const char *done_path, const char *id, const char *fingerprint,
                                     const char *input, const char *out_path, axcon_batch_stats_t *stats);

/* Remove the temporaries ".NAME.XXXXXX" (axcon/ofile.h) of each of the n names in dir,
 * left behind by a killed run. Returns the number removed (>= 0) or a negative status. */
AXCON_API int axcon_batch_clean_temps(const char *dir, const char *const *names, size_t n, axcon_error_t *err);

/* ---- results and summary ---- */
typedef enum axcon_batch_status {
    AXCON_BATCH_PENDING = 0, /* not run (yet) */
    AXCON_BATCH_DONE,        /* computed by this run */
    AXCON_BATCH_SKIPPED,     /* already finished by an earlier run with the same options */
    AXCON_BATCH_FAILED,      /* bad or missing input, or an option the family cannot use */
    AXCON_BATCH_TOO_BIG,     /* estimated memory above --max-mem: refused before computing */
    AXCON_BATCH_ERROR        /* internal or resource failure (also a crash of the family) */
} axcon_batch_status_t;

/* "pending", "done", "skipped", "failed", "too-big", "error". */
AXCON_API const char *axcon_batch_status_name(axcon_batch_status_t st);
/* Family status for a library status (AXCON_OK -> done). */
AXCON_API axcon_batch_status_t axcon_batch_status_of(int axcon_status);

typedef struct axcon_batch_result {
    axcon_batch_status_t status;
    axcon_batch_stats_t stats;
    char msg[AXCON_ERRMSG_MAX]; /* error message ("" when done/skipped) */
} axcon_batch_result_t;

/* Write the summary TSV atomically: header "#id status N L Neff seconds peak_mem_mb message"
 * then one line per family of idx (n entries, res[k] belongs to idx[k]) in manifest order.
 * Tabs and newlines in messages become spaces; unknown values (N, L, Neff) are "-". */
AXCON_API int axcon_batch_summary_write(const char *path, const axcon_manifest_t *m, const size_t *idx,
                                        const axcon_batch_result_t *res, size_t n, axcon_error_t *err);

#ifdef __cplusplus
}
#endif
#endif
