/* axcon/simulate.h - a synthetic protein family with a known answer (tests, the demo data).
 *
 * Owns: the simulator behind `axcon simulate`. One run, fully determined by the options
 * (including the seed; single-threaded, own PRNG: output is byte-identical whatever the
 * thread count), does:
 *  1. Structure: a C-alpha trace of L residues with 3.8 A virtual bonds and a secondary
 *     structure layout (ideal helices: rise 1.5 A/res, 100 deg/res, radius ~2.3 A; strands:
 *     extended zigzag; coil), grown as a self-avoiding chain and folded into a compact
 *     globule by Metropolis pivot moves at coil residues (hard core: non-local CA-CA >= 4 A
 *     and pseudo-CB clashes rejected; square-well attraction, strand-pairing bonus and a
 *     radius-of-gyration restraint), then pseudo C-beta atoms 1.53 A off each C-alpha.
 *  2. Model: a Potts model on the 20 amino acids. Fields from the Swiss-Prot composition,
 *     a burial-dependent hydrophobic bias and site-specific noise; couplings J_ij(a,b) only
 *     on the planted pairs = pseudo-CB contacts (< 8 A) with |i-j| >= min_sep, each a mix of
 *     a random Gaussian 20x20 matrix, hydrophobic complementarity and charge attraction,
 *     scaled by coupling_strength. P(s) ~ exp((sum_i h_i(s_i) + sum_ij J_ij(s_i,s_j)) / T).
 *  3. Sequences: with tree = 0, N samples of one Gibbs chain (burn-in, thinning); with
 *     tree = 1 (default), a few founders sampled by Gibbs, each evolved down a random
 *     binary tree whose branches apply Metropolis point mutations (proposal uniform over
 *     the 19 other residues, acceptance on the Potts energy) - so close relatives share
 *     most residues and Neff < N, as in real alignments.
 *  4. The query (record 0, never gapped) is the lowest-energy sequence; the others may get
 *     gap runs (gap_rate) and lowercase insertions (insert_rate), A3M style.
 * Output: PREFIX.a3m (records >sim_0 ... >sim_{N-1}; sim_0 is the query) and
 * PREFIX.true.tsv (i<TAB>j<TAB>pseudo-CB distance, 3 decimals, every pair i < j, 1-based:
 * the format of ../bench/truth). Every planted coupling is a contact of the truth file. */
#ifndef AXCON_SIMULATE_H
#define AXCON_SIMULATE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "axcon/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AXCON_SIM_MAX_LEN 5000

typedef struct axcon_sim_opts {
    size_t length;            /* L residues, 10..AXCON_SIM_MAX_LEN [100] */
    size_t nseq;              /* N sequences written, query included, >= 1 [1000] */
    uint64_t seed;            /* [1] */
    double coupling_strength; /* scale of the planted couplings, >= 0 [1.0] */
    double temperature;       /* sampling temperature, > 0 [1.0] */
    int tree;                 /* 1: founders + random binary trees [1]; 0: independent Gibbs samples */
    size_t founders;          /* founder sequences of the trees; 0 = automatic, ~N/100 [0] */
    double branch_length;     /* mean Metropolis mutation attempts per site on a branch [0.5] */
    double gap_rate;          /* expected gap fraction of non-query sequences, in runs [0] */
    double insert_rate;       /* expected lowercase insertions per match column [0] */
    size_t burnin;            /* Gibbs sweeps before the first sample [200] */
    size_t thin;              /* Gibbs sweeps between samples [10] */
    int min_sep;              /* couplings only on contacts with |i-j| >= min_sep [6] */
} axcon_sim_opts_t;

typedef struct axcon_sim axcon_sim_t;

/* Fill opts with the defaults above. */
AXCON_API void axcon_sim_opts_init(axcon_sim_opts_t *opts);

/* Run the simulation. Errors: AXCON_EUSAGE for out-of-range options, AXCON_ENOMEM. */
AXCON_API int axcon_sim_run(const axcon_sim_opts_t *opts, axcon_sim_t **out, axcon_error_t *err);
AXCON_API void axcon_sim_free(axcon_sim_t *sim);

AXCON_API size_t axcon_sim_length(const axcon_sim_t *sim);
AXCON_API size_t axcon_sim_nseq(const axcon_sim_t *sim);
/* Coordinates, 3 doubles per residue (x, y, z), residue k at [3k]. */
AXCON_API const double *axcon_sim_ca(const axcon_sim_t *sim);
AXCON_API const double *axcon_sim_cb(const axcon_sim_t *sim);
/* Secondary structure per residue: 'H' helix, 'E' strand, 'C' coil (NUL-terminated). */
AXCON_API const char *axcon_sim_ss(const axcon_sim_t *sim);
/* Pseudo-CB distance of 0-based residues i and j. */
AXCON_API double axcon_sim_distance(const axcon_sim_t *sim, size_t i, size_t j);
/* Planted couplings: count, and whether the 0-based pair (any order) carries one. */
AXCON_API size_t axcon_sim_ncouplings(const axcon_sim_t *sim);
AXCON_API int axcon_sim_coupled(const axcon_sim_t *sim, size_t i, size_t j);
/* Sequences as state codes (0..19 in the order of AXCON_ALPHABET, 20 = gap), N x L
 * row-major; row 0 is the query. Insertions are not part of this matrix. */
AXCON_API const uint8_t *axcon_sim_codes(const axcon_sim_t *sim);
/* Potts "fitness" sum h + sum J of a gap-free sequence of L codes (higher = more likely). */
AXCON_API double axcon_sim_fitness(const axcon_sim_t *sim, const uint8_t *codes);

/* Write the alignment (A3M) / the truth table to an open stream. */
AXCON_API int axcon_sim_write_a3m(const axcon_sim_t *sim, FILE *fp, axcon_error_t *err);
AXCON_API int axcon_sim_write_truth(const axcon_sim_t *sim, FILE *fp, axcon_error_t *err);
/* Write PREFIX.a3m and PREFIX.true.tsv atomically (both or, on failure, neither). */
AXCON_API int axcon_sim_write(const axcon_sim_t *sim, const char *prefix, axcon_error_t *err);

#ifdef __cplusplus
}
#endif
#endif
