/* axcon/structure.h - read the protein chains of a native structure (PDB or mmCIF).
 *
 * Owns: the structure readers used by evaluation and plotting, and the residue model:
 *  - Format from the content (mmCIF if a `data_` block / `_atom_site.` loop is found, else
 *    PDB fixed columns); plain or gzip/BGZF input, "-" = stdin.
 *  - Model 1 only (the first MODEL in a PDB file; the first pdbx_PDB_model_num listed in mmCIF).
 *  - Chains: every chain with a protein residue is read (or only the one asked for: PDB
 *    column 22 / mmCIF auth_asym_id, falling back to label_asym_id). The selected chain is
 *    the one asked for, else the first; the per-chain accessors below work on the selected
 *    chain. With a query sequence, axcon_structure_select_best() (axcon/eval.h) picks the
 *    chain that covers the query best, as the benchmark truth files do.
 *  - Residues are identified by (residue number, insertion code): 52 and 52A are distinct.
 *    mmCIF uses auth_seq_id, pdbx_PDB_ins_code, auth_comp_id (label_* when auth_* absent).
 *  - Altlocs: for every atom the first location listed is kept (usually ' '/'.' or 'A'),
 *    whatever the occupancies; this is what reproduces ../bench/truth (choosing the highest
 *    occupancy moves some C-beta by up to 0.8 Å there). A residue whose altlocs carry
 *    different residue names (microheterogeneity) keeps the name of its first atom.
 *  - A residue is a protein residue when its name is one of the 20 standard amino acids
 *    or a modified residue in the built-in table (MSE->M, SEP->S, TPO->T, PTR->Y, CSO->C,
 *    MLY->K, HYP->P, ... see structure.c); HETATM records count as well as ATOM. Other
 *    residues (water, ligands, nucleotides) are ignored.
 *  - Representative atom for contacts: C-beta, C-alpha for glycine. A non-glycine residue
 *    without C-beta falls back to its C-alpha (a warning gives the count): this keeps CA-only
 *    models and truncated residues usable; no residue of ../bench needs it. A residue with
 *    neither atom stays in the sequence (it still anchors the alignment) with has_rep = 0
 *    and is not observed.
 */
#ifndef AXCON_STRUCTURE_H
#define AXCON_STRUCTURE_H

#include <stddef.h>

#include "axcon/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct axcon_residue {
    int resseq;          /* author residue number */
    char icode;          /* insertion code, ' ' if none */
    char resname[4];     /* residue name as in the file (up to 3 characters) */
    char aa;             /* one-letter code; modified residues map to their parent */
    char has_ca, has_cb; /* atoms present */
    char has_rep;        /* representative atom present (CB, or CA for glycine) */
    double ca[3], cb[3];
    double rep[3];       /* representative atom coordinates (valid when has_rep) */
} axcon_residue_t;

typedef struct axcon_structure axcon_structure_t;

/* Read `path`; chain NULL or "" = all protein chains (the first selected). Errors: unreadable
 * file, malformed coordinates ("FILE:LINE: reason"), no protein residue, chain not found
 * (the message lists the chains present). */
AXCON_API int axcon_structure_read(const char *path, const char *chain, axcon_structure_t **out,
                                   axcon_error_t *err);
AXCON_API int axcon_structure_parse(const char *name, const char *buf, size_t len, const char *chain,
                                    axcon_structure_t **out, axcon_error_t *err);
AXCON_API void axcon_structure_free(axcon_structure_t *st);

/* "pdb" or "mmcif". */
AXCON_API const char *axcon_structure_format(const axcon_structure_t *st);
/* Protein chains read, their ids (" " for a blank PDB chain id), and the selection. */
AXCON_API size_t axcon_structure_nchains(const axcon_structure_t *st);
AXCON_API const char *axcon_structure_chain_id(const axcon_structure_t *st, size_t c);
AXCON_API int axcon_structure_select(axcon_structure_t *st, size_t c); /* 0, or -1 if out of range */
AXCON_API size_t axcon_structure_selected(const axcon_structure_t *st);
/* Selected chain: its id, residues (file order) and one-letter sequence. */
AXCON_API const char *axcon_structure_chain(const axcon_structure_t *st);
AXCON_API size_t axcon_structure_nres(const axcon_structure_t *st);
AXCON_API const axcon_residue_t *axcon_structure_residue(const axcon_structure_t *st, size_t k);
/* One-letter sequence of the chain's protein residues in file order (NUL-terminated). */
AXCON_API const char *axcon_structure_seq(const axcon_structure_t *st);

/* One-letter code of a residue name (standard or modified), or 0 when not an amino acid. */
AXCON_API char axcon_residue_letter(const char *resname);

#ifdef __cplusplus
}
#endif
#endif
