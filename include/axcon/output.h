/* axcon/output.h - stage 6 of the pipeline: write ranked contacts in the formats that
 * structure-modelling tools read (see ../shared/docs/FORMATS.md):
 *   rr       CASP RR (PFRMAT RR header, TARGET/AUTHOR/METHOD/MODEL, sequence, "i j 0 8 p", END)
 *   mat      CCMpred-style L x L matrix of scores, tab-separated (query length; 0 for unscored)
 *   tsv      i<TAB>j<TAB>score<TAB>probability, ranked (axcon's own)
 *   csv      EVcouplings CouplingScores.csv: i,A_i,j,A_j,fn,cn,probability
 *   plmc     plmc couplings list: i A_i j A_j 0 score
 *   rosetta  Rosetta AtomPair constraints (CB, CA for Gly; SIGMOID) weighted by probability
 * Owns: format names, top-K selection (an absolute K or a multiple of L such as 1.5L) and
 * the exact text layout of each format. */
#ifndef AXCON_OUTPUT_H
#define AXCON_OUTPUT_H

#include <stdio.h>

#include "axcon/contacts.h"
#include "axcon/pll.h"
#include "axcon/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum axcon_outfmt {
    AXCON_OUT_RR = 0,
    AXCON_OUT_MAT,
    AXCON_OUT_TSV,
    AXCON_OUT_CSV,
    AXCON_OUT_PLMC,
    AXCON_OUT_ROSETTA,
    AXCON_OUT_PSICOV     /* PSICOV's output: i j 0 8 score (ranked); what ConKit's psicov reader takes */
} axcon_outfmt_t;

/* "rr", "mat", ... -> format; returns AXCON_EUSAGE for an unknown name. */
AXCON_API int axcon_outfmt_parse(const char *name, axcon_outfmt_t *fmt, axcon_error_t *err);
AXCON_API const char *axcon_outfmt_name(axcon_outfmt_t fmt);

typedef struct axcon_top {
    double count;    /* absolute number of pairs when per_L == 0, else a multiple of L */
    int per_L;       /* 1 when count was given as "xL" (e.g. "1.5L", "L/5" -> 0.2) */
} axcon_top_t;

/* Parse "--top" values: "all", "100", "1.5L", "L", "L/2", "L/5". */
AXCON_API int axcon_top_parse(const char *s, axcon_top_t *top, axcon_error_t *err);
/* Number of ranked pairs to write for query length L (all when top is NULL or "all"). */
AXCON_API size_t axcon_top_count(const axcon_top_t *top, size_t L, size_t available);

/* Write the map; `top` may be NULL (all ranked pairs; "mat" always writes the full matrix). */
/* Header fields of the CASP RR format (other formats have no header and ignore them). */
typedef struct axcon_write_opts {
    const char *author; /* AUTHOR: the group's CASP registration code, e.g. 1234-5678 [NULL: axcon] */
    const char *target; /* TARGET: the CASP target id, e.g. T1061 [NULL: the query name] */
    const char *remark; /* REMARK lines after AUTHOR, '\n' between lines [NULL: none] */
} axcon_write_opts_t;

/* Check the fields: author and target one word each of printable characters (at most 64),
 * remark printable text (at most 80 lines); AXCON_EUSAGE naming the field otherwise. */
AXCON_API int axcon_write_opts_check(const axcon_write_opts_t *wo, axcon_error_t *err);

/* axcon_write_contacts with RR header fields (wo may be NULL: the defaults). */
AXCON_API int axcon_write_contacts_ex(FILE *fp, const axcon_cmap_t *cm, axcon_outfmt_t fmt, const axcon_top_t *top,
                                      const axcon_write_opts_t *wo, axcon_error_t *err);

/* Write the map to `path` ("-" = stdout) atomically (a temporary file renamed on success,
 * axcon/ofile.h): format by name (rr, mat, tsv, csv, plmc, rosetta, psicov), top as
 * axcon_top_parse takes it (NULL = all), RR fields as in axcon_write_opts_t (NULL =
 * defaults). All arguments are text, for bindings. */
AXCON_API int axcon_cmap_write(const axcon_cmap_t *cm, const char *path, const char *format, const char *top,
                               const char *author, const char *target, const char *remark, axcon_error_t *err);

/* A fitted Potts model (axcon/pll.h) as a NumPy archive (`--save-couplings`), in the
 * zero-sum gauge (every block's rows and columns and every field sum to 0; the energy is
 * unchanged up to a constant): h (L x 21 float32), J (L x L x 21 x 21 float32, J[i,j,a,b] =
 * J[j,i,b,a], J[i,i] = 0; a, b index AXCON_ALPHABET), pos (L int32: the query position of
 * each column), seq (the query's residues at them) and alphabet ("ARNDCQEGHILKMFPSTWYV-").
 * msa is the alignment the model was fitted on. EUSAGE beyond the 4 GiB of a ZIP member
 * (L > 1560). */
AXCON_API int axcon_potts_write_npz(FILE *fp, const axcon_potts_t *m, const axcon_msa_t *msa, axcon_error_t *err);

AXCON_API int axcon_write_contacts(FILE *fp, const axcon_cmap_t *cm, axcon_outfmt_t fmt, const axcon_top_t *top,
                                   axcon_error_t *err);

#ifdef __cplusplus
}
#endif
#endif
