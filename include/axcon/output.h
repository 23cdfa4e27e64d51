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
    AXCON_OUT_ROSETTA
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
AXCON_API int axcon_write_contacts(FILE *fp, const axcon_cmap_t *cm, axcon_outfmt_t fmt, const axcon_top_t *top,
                                   axcon_error_t *err);

#ifdef __cplusplus
}
#endif
#endif
