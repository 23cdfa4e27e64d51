/* axcon/msa.h - stage 1 of the pipeline: read a multiple sequence alignment.
 *
 * Owns: format recognition (aligned FASTA, A3M, A2M, PSICOV .aln, Stockholm, from the
 * content, never the file name), input (plain, gzip, BGZF; files and "-" = stdin through
 * HTSlib's hFILE, inflation by zlib),
 * the alphabet policy, query-anchored match columns, and the compact N x L byte matrix.
 *
 * Conventions
 *  - The first sequence is the query. Lowercase letters and '.' are insertions and are
 *    removed (A3M/A2M/Stockholm); columns where the query has a gap are removed as well,
 *    so every kept column is a query residue. Query numbering (1-based) counts every
 *    residue of the query sequence (see axcon_msa_query_seq), so positions stay stable
 *    whatever columns are masked.
 *  - States: 0..19 = the amino acids in the order "ARNDCQEGHILKMFPSTWYV", 20 = gap.
 *  - Non-standard letters: U (selenocysteine) -> C, O (pyrrolysine) -> K; X, B, Z, J, '*'
 *    and any other letter -> gap (unknown identity carries no co-variation signal; CCMpred
 *    does the same for unknown letters). A query X is still a query residue: its column
 *    is kept (gap state) and numbered. Characters that are neither letters nor gap
 *    symbols are an error naming file, line and column.
 *  - A3M records named ss_pred, ss_conf, ss_dssp, ss_dssp_*, sa_*, or ending in _consensus
 *    are annotations and skipped; '#' lines are skipped in FASTA-like formats.
 *
 * Recognition (from content; opts->format forces a parser and the reported name):
 *  - first non-blank line "# STOCKHOLM ..." -> Stockholm: '#' markup lines skipped, blocks
 *    separated by blank lines (or by a name repeating), every sequence in every block, the
 *    first alignment read up to "//" (a missing "//" is an error);
 *  - else the first line that is not blank or '#' starts with '>' -> FASTA-like: "fasta" if no
 *    lowercase letter occurs ('.' is then an ordinary gap and rows must have equal length),
 *    "a2m" if lowercase occurs and all rows have the same raw length, "a3m" otherwise
 *    (lowercase and '.' removed row by row; every row must then have the query's number of
 *    match columns);
 *  - else PSICOV (one sequence per line, rows of equal length).
 *  Spaces/tabs inside sequence text are ignored; CRLF and a UTF-8 BOM are accepted.
 *  Input may be plain, gzip (also multi-member) or BGZF (which must end with its EOF block);
 *  truncated or corrupt compressed data is an error, never a short alignment. Messages for
 *  stdin name the file "<stdin>".
 *
 * Filters: max_seq_gap is applied first (the query is never dropped), then max_col_gap on
 * the kept sequences. Both report what they removed through axcon_info.
 */
#ifndef AXCON_MSA_H
#define AXCON_MSA_H

#include <stddef.h>
#include <stdint.h>

#include "axcon/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AXCON_Q 21          /* states: 20 amino acids + gap */
#define AXCON_GAP 20        /* the gap state */
#define AXCON_ALPHABET "ARNDCQEGHILKMFPSTWYV-"

typedef enum axcon_msa_format {
    AXCON_FMT_AUTO = 0,
    AXCON_FMT_FASTA,      /* aligned FASTA, every row the same length */
    AXCON_FMT_A3M,        /* FASTA-like with lowercase insertions of varying count */
    AXCON_FMT_A2M,        /* FASTA-like, lowercase/'.' inserts, rows equal length */
    AXCON_FMT_PSICOV,     /* one aligned sequence per line, no headers */
    AXCON_FMT_STOCKHOLM   /* "# STOCKHOLM 1.0" ... "//"; the first alignment is read */
} axcon_msa_format_t;

typedef struct axcon_msa_opts {
    axcon_msa_format_t format; /* AXCON_FMT_AUTO: recognise from content */
    double max_seq_gap;  /* drop non-query sequences whose gap fraction over the match columns
                            exceeds this (1.0 = keep all; default 1.0) */
    double max_col_gap;  /* mask (remove) match columns whose unweighted gap fraction exceeds this
                            (1.0 = keep all; default 1.0); positions keep query numbering */
    size_t max_line;     /* longest accepted input line in bytes (default 256 MiB) */
    size_t max_seqs;     /* refuse alignments with more sequences, AXCON_ERESOURCE (0 = no limit) */
} axcon_msa_opts_t;

typedef struct axcon_msa axcon_msa_t;

/* Fill opts with the defaults above. */
AXCON_API void axcon_msa_opts_init(axcon_msa_opts_t *opts);

/* Read `path` ("-" = stdin). On failure returns a negative status and err->msg reads
 * "PATH:LINE: reason" (or "PATH: reason" when no line applies). */
AXCON_API int axcon_msa_read(const char *path, const axcon_msa_opts_t *opts, axcon_msa_t **out,
                             axcon_error_t *err);
/* Parse an in-memory buffer (fuzzing, tests); `name` is used in messages. */
AXCON_API int axcon_msa_parse(const char *name, const char *buf, size_t len, const axcon_msa_opts_t *opts,
                              axcon_msa_t **out, axcon_error_t *err);
AXCON_API void axcon_msa_free(axcon_msa_t *msa);

AXCON_API axcon_msa_format_t axcon_msa_format(const axcon_msa_t *msa);
/* "fasta", "a3m", "a2m", "psicov", "stockholm"; "auto" for alignments made by axcon_msa_from_codes. */
AXCON_API const char *axcon_msa_format_name(axcon_msa_format_t fmt);

AXCON_API size_t axcon_msa_nseq(const axcon_msa_t *msa);     /* N kept (query included) */
AXCON_API size_t axcon_msa_ncol(const axcon_msa_t *msa);     /* L kept match columns */
AXCON_API size_t axcon_msa_nseq_read(const axcon_msa_t *msa);  /* sequences in the file */
AXCON_API size_t axcon_msa_ncol_match(const axcon_msa_t *msa); /* match columns before masking */
/* Row n (0 = query): ncol state codes 0..20, contiguous; the whole matrix is row-major N x L.
 * NULL when n >= nseq. */
AXCON_API const uint8_t *axcon_msa_row(const axcon_msa_t *msa, size_t n);
AXCON_API const uint8_t *axcon_msa_data(const axcon_msa_t *msa);
/* 1-based query position of kept column c (0 when c >= ncol); increasing in c. */
AXCON_API int axcon_msa_col_pos(const axcon_msa_t *msa, size_t c);

AXCON_API const char *axcon_msa_query_name(const axcon_msa_t *msa);
/* The query's residues, uppercase, gaps removed; its length is the query numbering's range. */
AXCON_API const char *axcon_msa_query_seq(const axcon_msa_t *msa);
AXCON_API size_t axcon_msa_query_len(const axcon_msa_t *msa);
/* Name of sequence n: the first word of its header ("" for PSICOV files, which have none). */
AXCON_API const char *axcon_msa_seq_name(const axcon_msa_t *msa, size_t n);

/* Fraction of gap states in the kept N x L matrix. */
AXCON_API double axcon_msa_gap_fraction(const axcon_msa_t *msa);

/* Build an alignment from state codes (tests, simulator): rows is N x L row-major, codes
 * 0..20 (copied); the query sequence is derived from row 0, where gaps are not allowed;
 * query_name may be NULL ("query"); other rows are unnamed. Bad arguments: AXCON_EUSAGE. */
AXCON_API int axcon_msa_from_codes(const uint8_t *rows, size_t nseq, size_t ncol, const char *query_name,
                                   axcon_msa_t **out, axcon_error_t *err);

/* Map a character to a state code with the policy above (either case; '-', '.' and '*' are
 * gaps); returns -1 for anything else. */
AXCON_API int axcon_aa_code(int c);

#ifdef __cplusplus
}
#endif
#endif
