/* test_eval.c - tests of the eval module: PDB and mmCIF readers on hand-made files (altlocs,
 * insertion codes, MSE, missing C-beta, glycine C-alpha, model 2 and other chains ignored,
 * best-chain choice), structure-to-query mapping, precision on hand-computed cases including
 * tie-breaking and max(1, floor(L/k)), every prediction format, malformed predictions through
 * the CLI (exit 1, "FILE:LINE: reason"), and the shared benchmark (skipped when absent). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "axcon/eval.h"
#include "axcon/msa.h"
#include "axcon/pred.h"
#include "axcon/structure.h"
#include "testutil.h"

/* ---- helpers ---------------------------------------------------------------------- */

typedef struct {
    char *s;
    size_t n, cap;
} sbuf_t;

static void sb_add(sbuf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_add(sbuf_t *b, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int w = vsnprintf(b->s ? b->s + b->n : NULL, b->s ? b->cap - b->n : 0, fmt, ap);
        va_end(ap);
        if (w < 0) exit(99);
        if (b->s && b->n + (size_t)w < b->cap) {
            b->n += (size_t)w;
            return;
        }
        size_t nc = (b->cap + (size_t)w + 1) * 2;
        char *ns = realloc(b->s, nc);
        if (!ns) exit(99);
        if (!b->s) ns[0] = '\0';
        b->s = ns;
        b->cap = nc;
    }
}

/* One PDB ATOM/HETATM record with the fixed columns of the format. */
static void pdb_atom(sbuf_t *b, const char *rec, const char *name, char alt, const char *res, char chain, int seq,
                     char icode, double x, double y, double z, double occ)
{
    static int serial = 1;
    sb_add(b, "%-6s%5d  %-3s%c%3s %c%4d%c   %8.3f%8.3f%8.3f%6.2f%6.2f           %c\n", rec, serial++, name, alt,
           res, chain, seq, icode, x, y, z, occ, 10.0, name[0]);
}

static char *g_paths[64]; /* scratch paths handed out by tmp_write, freed at exit */
static int g_npaths = 0;

static void free_paths(void)
{
    for (int k = 0; k < g_npaths; k++) free(g_paths[k]);
}

static const char *tmp_write(const char *name, const char *text)
{
    char *p = axt_tmp(name);
    CU_ASSERT_FATAL(axt_write_str(p, text) == 0);
    if (g_npaths == 0) atexit(free_paths);
    if (g_npaths < 64) g_paths[g_npaths++] = p;
    return p;
}

static int near(double a, double b, double tol) { return fabs(a - b) <= tol; }

/* The features every reader test uses: chain A of model 1 (see the expectations below). */
static void pdb_features(sbuf_t *b)
{
    sb_add(b, "HEADER    TEST\nMODEL        1\n");
    pdb_atom(b, "ATOM", "N", ' ', "ALA", 'A', 1, ' ', 2.0, 1.0, 0.0, 1.0);
    pdb_atom(b, "ATOM", "CA", ' ', "ALA", 'A', 1, ' ', 3.0, 1.0, 0.0, 1.0);
    pdb_atom(b, "ATOM", "CB", ' ', "ALA", 'A', 1, ' ', 3.0, 0.0, 0.0, 1.0);
    pdb_atom(b, "ATOM", "CA", ' ', "GLY", 'A', 2, ' ', 6.0, 0.0, 0.0, 1.0); /* glycine: CA */
    pdb_atom(b, "ATOM", "CA", 'A', "SER", 'A', 3, ' ', 9.0, 1.0, 0.0, 0.40);
    pdb_atom(b, "ATOM", "CA", 'B', "SER", 'A', 3, ' ', 9.0, 6.0, 0.0, 0.60);
    pdb_atom(b, "ATOM", "CB", 'A', "SER", 'A', 3, ' ', 9.0, 0.0, 0.0, 0.40); /* first altloc wins */
    pdb_atom(b, "ATOM", "CB", 'B', "SER", 'A', 3, ' ', 9.0, 5.0, 0.0, 0.60);
    pdb_atom(b, "HETATM", "CA", ' ', "MSE", 'A', 4, ' ', 12.0, 1.0, 0.0, 1.0);
    pdb_atom(b, "HETATM", "CB", ' ', "MSE", 'A', 4, ' ', 12.0, 0.0, 0.0, 1.0);
    pdb_atom(b, "ATOM", "CA", ' ', "LYS", 'A', 4, 'A', 15.0, 1.0, 0.0, 1.0); /* insertion code: 4A */
    pdb_atom(b, "ATOM", "CB", ' ', "LYS", 'A', 4, 'A', 15.0, 0.0, 0.0, 1.0);
    pdb_atom(b, "ATOM", "CA", ' ', "LEU", 'A', 5, ' ', 18.0, 1.0, 0.0, 1.0); /* no CB: CA used */
    pdb_atom(b, "ATOM", "N", ' ', "VAL", 'A', 6, ' ', 21.0, 1.0, 0.0, 1.0);  /* neither: unobserved */
    sb_add(b, "TER\n");
    pdb_atom(b, "HETATM", "O", ' ', "HOH", 'A', 101, ' ', 0.0, 0.0, 0.0, 1.0);
    pdb_atom(b, "HETATM", "C1", ' ', "NAG", 'A', 102, ' ', 0.0, 0.0, 0.0, 1.0);
    pdb_atom(b, "ATOM", "CA", ' ', "TRP", 'B', 1, ' ', 30.0, 1.0, 0.0, 1.0); /* second chain */
    pdb_atom(b, "ATOM", "CB", ' ', "TRP", 'B', 1, ' ', 30.0, 0.0, 0.0, 1.0);
    sb_add(b, "ENDMDL\nMODEL        2\n");
    pdb_atom(b, "ATOM", "CA", ' ', "ALA", 'A', 1, ' ', 50.0, 1.0, 0.0, 1.0);
    pdb_atom(b, "ATOM", "CB", ' ', "ALA", 'A', 1, ' ', 50.0, 0.0, 0.0, 1.0);
    pdb_atom(b, "ATOM", "CA", ' ', "CYS", 'A', 7, ' ', 53.0, 1.0, 0.0, 1.0);
    sb_add(b, "ENDMDL\nEND\n");
}

static void check_features(const axcon_structure_t *st)
{
    CU_ASSERT_EQUAL_FATAL(axcon_structure_nchains(st), 2);
    CU_ASSERT_STRING_EQUAL(axcon_structure_chain(st), "A");
    CU_ASSERT_STRING_EQUAL(axcon_structure_chain_id(st, 1), "B");
    CU_ASSERT_STRING_EQUAL(axcon_structure_seq(st), "AGSMKLV");
    CU_ASSERT_EQUAL_FATAL(axcon_structure_nres(st), 7);
    const axcon_residue_t *r = axcon_structure_residue(st, 0);
    CU_ASSERT(r->has_rep && near(r->rep[0], 3.0, 1e-9) && near(r->rep[1], 0.0, 1e-9)); /* CB */
    r = axcon_structure_residue(st, 1);
    CU_ASSERT(r->aa == 'G' && r->has_rep && near(r->rep[0], 6.0, 1e-9)); /* glycine CA */
    r = axcon_structure_residue(st, 2);
    CU_ASSERT(r->has_rep && near(r->rep[1], 0.0, 1e-9)); /* altloc A, not the higher-occupancy B */
    CU_ASSERT(near(r->ca[1], 1.0, 1e-9));
    r = axcon_structure_residue(st, 3);
    CU_ASSERT(r->aa == 'M' && !strcmp(r->resname, "MSE") && r->resseq == 4 && r->icode == ' ');
    r = axcon_structure_residue(st, 4);
    CU_ASSERT(r->aa == 'K' && r->resseq == 4 && r->icode == 'A' && near(r->rep[0], 15.0, 1e-9));
    r = axcon_structure_residue(st, 5);
    CU_ASSERT(r->has_rep && !r->has_cb && near(r->rep[1], 1.0, 1e-9)); /* CA fallback */
    r = axcon_structure_residue(st, 6);
    CU_ASSERT(r->aa == 'V' && !r->has_rep);
    CU_ASSERT_PTR_NULL(axcon_structure_residue(st, 7));
}

/* ---- structure readers -------------------------------------------------------------- */

static void test_pdb_features(void)
{
    sbuf_t b = {0};
    pdb_features(&b);
    const char *path = tmp_write("feat.pdb", b.s);
    axcon_structure_t *st = NULL;
    axcon_error_t err;
    axcon_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(axcon_structure_read(path, NULL, &st, &err), AXCON_OK);
    CU_ASSERT_STRING_EQUAL(axcon_structure_format(st), "pdb");
    check_features(st);
    axcon_structure_free(st);
    /* --chain B */
    CU_ASSERT_EQUAL_FATAL(axcon_structure_read(path, "B", &st, &err), AXCON_OK);
    CU_ASSERT_STRING_EQUAL(axcon_structure_seq(st), "W");
    CU_ASSERT_EQUAL(axcon_structure_nchains(st), 1);
    axcon_structure_free(st);
    /* a chain that is not there: the message lists the chains */
    CU_ASSERT_EQUAL(axcon_structure_read(path, "Q", &st, &err), AXCON_EINPUT);
    CU_ASSERT_PTR_NULL(st);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "'Q' not found"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "'A', 'B'"));
    free(b.s);
}

static void test_pdb_gzip_and_errors(void)
{
    sbuf_t b = {0};
    pdb_features(&b);
    char *gzp = axt_tmp("feat.pdb.gz");
    gzFile gz = gzopen(gzp, "wb");
    CU_ASSERT_FATAL(gz != NULL);
    CU_ASSERT(gzwrite(gz, b.s, (unsigned)b.n) == (int)b.n);
    gzclose(gz);
    axcon_structure_t *st = NULL;
    axcon_error_t err;
    axcon_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(axcon_structure_read(gzp, NULL, &st, &err), AXCON_OK);
    check_features(st);
    axcon_structure_free(st);
    free(gzp);
    free(b.s);

    /* bad coordinate: file and line */
    const char *bad = "HEADER    X\n"
                      "ATOM      1  CA  ALA A   1       3.000   1.000   0.000  1.00 10.00           C\n"
                      "ATOM      2  CB  ALA A   1       3.0x0   0.000   0.000  1.00 10.00           C\n";
    CU_ASSERT_EQUAL(axcon_structure_parse("bad.pdb", bad, strlen(bad), NULL, &st, &err), AXCON_EINPUT);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "bad.pdb:3:"));
    const char *none = "HEADER    X\nHETATM    1  O   HOH A   1       3.000   1.000   0.000  1.00 10.00           O\n";
    CU_ASSERT_EQUAL(axcon_structure_parse("w.pdb", none, strlen(none), NULL, &st, &err), AXCON_EINPUT);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "no amino-acid"));
    CU_ASSERT_EQUAL(axcon_residue_letter("SEP"), 'S');
    CU_ASSERT_EQUAL(axcon_residue_letter("PTR"), 'Y');
    CU_ASSERT_EQUAL(axcon_residue_letter("HOH"), 0);
}

static void cif_row(sbuf_t *b, const char *grp, const char *atom, const char *alt, const char *comp,
                    const char *lasym, const char *lseq, const char *ins, double x, double y, double z,
                    const char *aseq, const char *aasym, int model)
{
    static int id = 1;
    sb_add(b, "%s %d C %s %s %s %s 1 %s %s %.3f %.3f %.3f 1.00 10.0 ? %s %s %s %s %d\n", grp, id++, atom, alt, comp,
           lasym, lseq, ins, x, y, z, aseq, comp, aasym, atom, model);
}

static void test_mmcif_features(void)
{
    sbuf_t b = {0};
    sb_add(&b, "data_TEST\n#\n_entry.id TEST\n"
               "_struct.title\n;A text field with\n_atom_site.fake and loop_ inside\n;\n"
               "_struct.pdbx_descriptor 'a quoted value with spaces'\n#\n"
               "loop_\n_atom_site.group_PDB\n_atom_site.id\n_atom_site.type_symbol\n_atom_site.label_atom_id\n"
               "_atom_site.label_alt_id\n_atom_site.label_comp_id\n_atom_site.label_asym_id\n"
               "_atom_site.label_entity_id\n_atom_site.label_seq_id\n_atom_site.pdbx_PDB_ins_code\n"
               "_atom_site.Cartn_x\n_atom_site.Cartn_y\n_atom_site.Cartn_z\n_atom_site.occupancy\n"
               "_atom_site.B_iso_or_equiv\n_atom_site.pdbx_formal_charge\n_atom_site.auth_seq_id\n"
               "_atom_site.auth_comp_id\n_atom_site.auth_asym_id\n_atom_site.auth_atom_id\n"
               "_atom_site.pdbx_PDB_model_num\n");
    /* label numbering differs from auth numbering on purpose; auth is what is used */
    cif_row(&b, "ATOM", "N", ".", "ALA", "C", "1", "?", 2, 1, 0, "1", "A", 1);
    cif_row(&b, "ATOM", "CA", ".", "ALA", "C", "1", "?", 3, 1, 0, "1", "A", 1);
    cif_row(&b, "ATOM", "\"CB\"", ".", "ALA", "C", "1", "?", 3, 0, 0, "1", "A", 1);
    cif_row(&b, "ATOM", "CA", ".", "GLY", "C", "2", "?", 6, 0, 0, "2", "A", 1);
    cif_row(&b, "ATOM", "CA", "A", "SER", "C", "3", "?", 9, 1, 0, "3", "A", 1);
    cif_row(&b, "ATOM", "CA", "B", "SER", "C", "3", "?", 9, 6, 0, "3", "A", 1);
    cif_row(&b, "ATOM", "CB", "A", "SER", "C", "3", "?", 9, 0, 0, "3", "A", 1);
    cif_row(&b, "ATOM", "CB", "B", "SER", "C", "3", "?", 9, 5, 0, "3", "A", 1);
    cif_row(&b, "HETATM", "CA", ".", "MSE", "C", "4", "?", 12, 1, 0, "4", "A", 1);
    cif_row(&b, "HETATM", "CB", ".", "MSE", "C", "4", "?", 12, 0, 0, "4", "A", 1);
    cif_row(&b, "ATOM", "CA", ".", "LYS", "C", "5", "A", 15, 1, 0, "4", "A", 1);
    cif_row(&b, "ATOM", "'CB'", ".", "LYS", "C", "5", "A", 15, 0, 0, "4", "A", 1);
    cif_row(&b, "ATOM", "CA", ".", "LEU", "C", "6", "?", 18, 1, 0, "5", "A", 1);
    cif_row(&b, "ATOM", "N", ".", "VAL", "C", "7", "?", 21, 1, 0, "6", "A", 1);
    cif_row(&b, "HETATM", "O", ".", "HOH", "E", ".", "?", 0, 0, 0, "101", "A", 1);
    cif_row(&b, "ATOM", "CA", ".", "TRP", "D", "1", "?", 30, 1, 0, "1", "B", 1);
    cif_row(&b, "ATOM", "CB", ".", "TRP", "D", "1", "?", 30, 0, 0, "1", "B", 1);
    cif_row(&b, "ATOM", "CA", ".", "ALA", "C", "1", "?", 50, 1, 0, "1", "A", 2);
    cif_row(&b, "ATOM", "CB", ".", "ALA", "C", "1", "?", 50, 0, 0, "1", "A", 2);
    cif_row(&b, "ATOM", "CA", ".", "CYS", "C", "8", "?", 53, 1, 0, "7", "A", 2);
    sb_add(&b, "#\nloop_\n_pdbx_poly_seq_scheme.asym_id\nC\n#\n");
    const char *path = tmp_write("feat.cif", b.s);
    axcon_structure_t *st = NULL;
    axcon_error_t err;
    axcon_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(axcon_structure_read(path, NULL, &st, &err), AXCON_OK);
    CU_ASSERT_STRING_EQUAL(axcon_structure_format(st), "mmcif");
    check_features(st);
    axcon_structure_free(st);
    /* label_asym_id works when no auth chain has that name */
    CU_ASSERT_EQUAL_FATAL(axcon_structure_read(path, "D", &st, &err), AXCON_OK);
    CU_ASSERT_STRING_EQUAL(axcon_structure_seq(st), "W");
    axcon_structure_free(st);
    /* a row cut short at the end of the file */
    char *cut = strdup(b.s);
    char *last = strstr(cut, "#\nloop_\n_pdbx_poly");
    CU_ASSERT_FATAL(last != NULL);
    last[-10] = '\0';
    CU_ASSERT_EQUAL(axcon_structure_parse("cut.cif", cut, strlen(cut), NULL, &st, &err), AXCON_EINPUT);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "cut.cif:"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "values, expected 21"));
    /* fuzz finding: an unterminated quote must not shift the line numbers that follow */
    axcon_error_clear(&err);
    const char *uq = "data_x\n_struct.title 'unterminated\n;\nopen text field\n";
    CU_ASSERT_EQUAL(axcon_structure_parse("uq.cif", uq, strlen(uq), NULL, &st, &err), AXCON_EINPUT);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "uq.cif:3:"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "unterminated ';' text field"));
    free(cut);
    free(b.s);
}

/* ---- structure onto query ----------------------------------------------------------- */

static void test_truth_from_structure(void)
{
    sbuf_t b = {0};
    pdb_features(&b);
    axcon_structure_t *st = NULL;
    axcon_truth_t *t = NULL;
    axcon_error_t err;
    axcon_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(axcon_structure_parse("f.pdb", b.s, b.n, NULL, &st, &err), AXCON_OK);
    /* query M A G S M K L V W: the chain covers 2..8; V (8) has no atom */
    CU_ASSERT_EQUAL_FATAL(axcon_truth_from_structure(st, "MAGSMKLVW", &t, &err), AXCON_OK);
    CU_ASSERT_EQUAL(axcon_truth_length(t), 9);
    CU_ASSERT_EQUAL(axcon_truth_nobserved(t), 6);
    CU_ASSERT(!axcon_truth_observed(t, 1) && axcon_truth_observed(t, 2) && axcon_truth_observed(t, 7));
    CU_ASSERT(!axcon_truth_observed(t, 8) && !axcon_truth_observed(t, 9));
    CU_ASSERT(near(axcon_truth_distance(t, 2, 3), 3.0, 1e-9));      /* ALA CB - GLY CA */
    CU_ASSERT(near(axcon_truth_distance(t, 4, 3), 3.0, 1e-9));      /* altloc A CB, any order */
    CU_ASSERT(near(axcon_truth_distance(t, 5, 7), 6.083, 1e-9));    /* MSE CB - LEU CA, rounded */
    CU_ASSERT(axcon_truth_distance(t, 2, 8) < 0.0);
    CU_ASSERT(axcon_truth_contact(t, 5, 7) && !axcon_truth_contact(t, 2, 7));
    CU_ASSERT_EQUAL(axcon_truth_npairs(t), 15);
    const axcon_residue_t *r = axcon_truth_residue(t, 6);
    CU_ASSERT(r && r->icode == 'A');
    /* write and read back */
    char *tp = axt_tmp("feat.true.tsv");
    CU_ASSERT_EQUAL(axcon_truth_write(t, tp, &err), AXCON_OK);
    char *txt = axt_slurp(tp, NULL);
    CU_ASSERT(txt && !strncmp(txt, "2\t3\t3.000\n2\t4\t6.000\n", 20));
    axcon_truth_t *t2 = NULL;
    CU_ASSERT_EQUAL_FATAL(axcon_truth_read(tp, 0, &t2, &err), AXCON_OK);
    CU_ASSERT_EQUAL(axcon_truth_nobserved(t2), 6);
    CU_ASSERT_EQUAL(axcon_truth_length(t2), 7);
    CU_ASSERT(near(axcon_truth_distance(t2, 5, 7), 6.083, 1e-9));
    axcon_truth_free(t2);
    free(txt);
    free(tp);
    axcon_truth_free(t);
    axcon_structure_free(st);
    free(b.s);
}

/* Missing residues in a repeat: the numbering jump places the gap. */
static void test_alignment_numbering_gap(void)
{
    sbuf_t b = {0};
    const char *res3[] = {"MET", "TRP", "GLY", "SER", "GLY", "SER", "TYR", "PHE"};
    const int num[] = {1, 2, 3, 4, 9, 10, 11, 12};
    for (int k = 0; k < 8; k++) {
        pdb_atom(&b, "ATOM", "CA", ' ', res3[k], 'A', num[k], ' ', 3.8 * k, 0, 0, 1);
        pdb_atom(&b, "ATOM", "CB", ' ', res3[k], 'A', num[k], ' ', 3.8 * k, 1.5, 0, 1);
    }
    axcon_structure_t *st = NULL;
    axcon_truth_t *t = NULL;
    axcon_error_t err;
    axcon_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(axcon_structure_parse("gap.pdb", b.s, b.n, NULL, &st, &err), AXCON_OK);
    CU_ASSERT_EQUAL_FATAL(axcon_truth_from_structure(st, "MWGSGSGSGSYF", &t, &err), AXCON_OK);
    static const int want[13] = {0, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1};
    for (int i = 1; i <= 12; i++) CU_ASSERT_EQUAL(axcon_truth_observed(t, i), want[i]);
    CU_ASSERT(near(axcon_truth_distance(t, 4, 10), 7.6, 1e-9)); /* SER CB - SER CB */
    CU_ASSERT(near(axcon_truth_distance(t, 4, 9), 4.085, 1e-9)); /* SER CB - GLY CA */
    axcon_truth_free(t);
    axcon_structure_free(st);
    free(b.s);
}

static void test_best_chain(void)
{
    sbuf_t b = {0};
    const char *a3[] = {"LYS", "LYS", "LYS"};
    const char *b3[] = {"MET", "LYS", "THR", "ALA", "TYR", "ILE"};
    for (int k = 0; k < 3; k++) /* negative and zero residue numbers */
        pdb_atom(&b, "ATOM", "CA", ' ', a3[k], 'A', k - 2, ' ', 3.8 * k, 0, 0, 1);
    for (int k = 0; k < 6; k++) {
        pdb_atom(&b, "ATOM", "CA", ' ', b3[k], 'B', k + 1, ' ', 3.8 * k, 9, 0, 1);
        pdb_atom(&b, "ATOM", "CB", ' ', b3[k], 'B', k + 1, ' ', 3.8 * k, 10, 0, 1);
    }
    axcon_structure_t *st = NULL;
    axcon_error_t err;
    axcon_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(axcon_structure_parse("two.pdb", b.s, b.n, NULL, &st, &err), AXCON_OK);
    CU_ASSERT_STRING_EQUAL(axcon_structure_chain(st), "A");
    CU_ASSERT(axcon_structure_nres(st) == 3 && axcon_structure_residue(st, 0)->resseq == -2 &&
              axcon_structure_residue(st, 2)->resseq == 0);
    CU_ASSERT_EQUAL(axcon_structure_select_best(st, "MKTAYIAKQR", &err), AXCON_OK);
    CU_ASSERT_STRING_EQUAL(axcon_structure_chain(st), "B");
    CU_ASSERT_EQUAL(axcon_structure_selected(st), 1);
    axcon_structure_free(st);
    free(b.s);
}

/* ---- precision -------------------------------------------------------------------- */

/* Truth over positions 1..n (all observed): distance 5 for the listed contacts, else 20. */
static const char *write_truth(const char *name, int n, const int (*contacts)[2], int nc)
{
    sbuf_t b = {0};
    for (int i = 1; i <= n; i++)
        for (int j = i + 1; j <= n; j++) {
            int c = 0;
            for (int k = 0; k < nc; k++)
                if (contacts[k][0] == i && contacts[k][1] == j) c = 1;
            sb_add(&b, "%d\t%d\t%.3f\n", i, j, c ? 5.0 : 20.0);
        }
    const char *p = tmp_write(name, b.s);
    free(b.s);
    return p;
}

static int eval_text(const char *truth, const char *pred_text, axcon_eval_result_t *res)
{
    axcon_truth_t *t = NULL;
    axcon_pred_t *p = NULL;
    axcon_error_t err;
    axcon_error_clear(&err);
    int rc = axcon_truth_read(truth, 0, &t, &err);
    if (rc == AXCON_OK) rc = axcon_pred_parse("pred", pred_text, strlen(pred_text), AXCON_PRED_AUTO, 0, &p, &err);
    if (rc == AXCON_OK) rc = axcon_eval_precision(t, p, res, &err);
    if (rc != AXCON_OK) fprintf(stderr, "eval_text: %s\n", err.msg);
    axcon_pred_free(p);
    axcon_truth_free(t);
    return rc;
}

static void test_precision_by_hand(void)
{
    static const int contacts[][2] = {{1, 30}, {3, 30}, {5, 30}, {9, 34}, {10, 16}, {2, 4}};
    const char *truth = write_truth("hand.true.tsv", 40, contacts, 6);
    /* long range, ranks 1..10: contacts at ranks 1, 3, 5, 9; short: (10,17) no, (10,16) yes;
     * dropped: s < 6, and position 45 which the truth does not cover */
    const char *pred = "1\t2\t1.0\n1\t45\t1.0\n2\t4\t0.999\n"
                       "1\t30\t0.99\n2\t30\t0.98\n3\t30\t0.97\n4\t30\t0.96\n5\t30\t0.95\n"
                       "6\t31\t0.94\n7\t32\t0.93\n8\t33\t0.92\n9\t34\t0.91\n10\t35\t0.90\n"
                       "10\t17\t0.6\n10\t16\t0.5\n";
    axcon_eval_result_t r;
    CU_ASSERT_EQUAL_FATAL(eval_text(truth, pred, &r), AXCON_OK);
    CU_ASSERT_EQUAL(r.length, 40);
    CU_ASSERT(r.ntop[0] == 40 && r.ntop[1] == 20 && r.ntop[2] == 8);
    CU_ASSERT_EQUAL(r.ndropped, 3);
    CU_ASSERT_EQUAL(r.nranked[AXCON_RANGE_LONG], 10);
    CU_ASSERT(near(r.precision[AXCON_RANGE_LONG][2], 3.0 / 8, 1e-12));
    CU_ASSERT(near(r.precision[AXCON_RANGE_LONG][1], 4.0 / 20, 1e-12));
    CU_ASSERT(near(r.precision[AXCON_RANGE_LONG][0], 4.0 / 40, 1e-12));
    CU_ASSERT(near(r.precision[AXCON_RANGE_MEDIUM_LONG][2], 3.0 / 8, 1e-12));
    CU_ASSERT(near(r.precision[AXCON_RANGE_MEDIUM][0], 0.0, 1e-12));
    CU_ASSERT(near(r.precision[AXCON_RANGE_SHORT][2], 1.0 / 8, 1e-12));
    CU_ASSERT(near(r.precision[AXCON_RANGE_ALL][2], 3.0 / 8, 1e-12));
    CU_ASSERT(near(r.precision[AXCON_RANGE_ALL][1], 5.0 / 20, 1e-12));
    CU_ASSERT(near(r.precision[AXCON_RANGE_ALL][0], 5.0 / 40, 1e-12));
    CU_ASSERT_EQUAL(r.ncontacts[AXCON_RANGE_LONG], 4);
    CU_ASSERT_EQUAL(r.ncontacts[AXCON_RANGE_SHORT], 1);
    CU_ASSERT_EQUAL(r.ncontacts[AXCON_RANGE_ALL], 5);
}

static void test_precision_ties(void)
{
    /* L = 40 -> top-L/5 = 8 pairs: seven non-contacts, then two pairs tied on score for rank 8 */
    const char *head = "1\t31\t0.9\n2\t32\t0.9\n3\t33\t0.9\n6\t36\t0.9\n7\t37\t0.9\n8\t38\t0.9\n9\t39\t0.9\n";
    static const int c1[][2] = {{4, 35}};
    static const int c2[][2] = {{5, 35}};
    static const int c3[][2] = {{4, 36}};
    char pred[512];
    axcon_eval_result_t r;
    snprintf(pred, sizeof pred, "%s5\t35\t0.5\n4\t35\t0.5\n", head);
    /* smaller i first: (4,35) is rank 8 */
    CU_ASSERT_EQUAL_FATAL(eval_text(write_truth("tie1.tsv", 40, c1, 1), pred, &r), AXCON_OK);
    CU_ASSERT(near(r.precision[AXCON_RANGE_LONG][2], 1.0 / 8, 1e-12));
    CU_ASSERT_EQUAL_FATAL(eval_text(write_truth("tie2.tsv", 40, c2, 1), pred, &r), AXCON_OK);
    CU_ASSERT(near(r.precision[AXCON_RANGE_LONG][2], 0.0, 1e-12));
    CU_ASSERT(near(r.precision[AXCON_RANGE_LONG][1], 1.0 / 20, 1e-12)); /* rank 9 is inside L/2 */
    /* same i: smaller j first */
    snprintf(pred, sizeof pred, "%s4\t36\t0.5\n4\t35\t0.5\n", head);
    CU_ASSERT_EQUAL_FATAL(eval_text(write_truth("tie3.tsv", 40, c1, 1), pred, &r), AXCON_OK);
    CU_ASSERT(near(r.precision[AXCON_RANGE_LONG][2], 1.0 / 8, 1e-12));
    CU_ASSERT_EQUAL_FATAL(eval_text(write_truth("tie4.tsv", 40, c3, 1), pred, &r), AXCON_OK);
    CU_ASSERT(near(r.precision[AXCON_RANGE_LONG][2], 0.0, 1e-12));
}

static void test_precision_small_L(void)
{
    /* 4 observed residues: top-L/5 = max(1, 0) = 1, top-L/2 = 2, top-L = 4 */
    const char *truth = tmp_write("small.tsv", "1\t10\t20.0\n1\t20\t20.0\n1\t40\t5.0\n10\t20\t20.0\n"
                                               "10\t40\t20.0\n20\t40\t20.0\n");
    axcon_eval_result_t r;
    CU_ASSERT_EQUAL_FATAL(eval_text(truth, "1\t40\t0.9\n10\t40\t0.8\n5\t30\t0.95\n", &r), AXCON_OK);
    CU_ASSERT_EQUAL(r.length, 4);
    CU_ASSERT(r.ntop[2] == 1 && r.ntop[1] == 2 && r.ntop[0] == 4);
    CU_ASSERT(near(r.precision[AXCON_RANGE_LONG][2], 1.0, 1e-12));
    CU_ASSERT(near(r.precision[AXCON_RANGE_LONG][1], 0.5, 1e-12));
    CU_ASSERT(near(r.precision[AXCON_RANGE_LONG][0], 0.25, 1e-12));
    CU_ASSERT_EQUAL(r.nranked[AXCON_RANGE_LONG], 2); /* (5,30): unobserved, dropped */
}

/* ---- prediction formats ---------------------------------------------------------------- */

static axcon_pred_t *parse_ok(const char *text, axcon_pred_format_t want)
{
    axcon_pred_t *p = NULL;
    axcon_error_t err;
    axcon_error_clear(&err);
    int rc = axcon_pred_parse("x", text, strlen(text), AXCON_PRED_AUTO, 0, &p, &err);
    if (rc != AXCON_OK) fprintf(stderr, "parse_ok: %s\n", err.msg);
    CU_ASSERT_EQUAL_FATAL(rc, AXCON_OK);
    CU_ASSERT_EQUAL(axcon_pred_format(p), want);
    return p;
}

static int first_is(const axcon_pred_t *p, int i, int j, double s)
{
    const axcon_pred_pair_t *q = axcon_pred_pairs(p);
    return axcon_pred_npairs(p) > 0 && q[0].i == i && q[0].j == j && near(q[0].score, s, 1e-12);
}

static void test_formats(void)
{
    axcon_pred_t *p;
    p = parse_ok("PFRMAT RR\nTARGET T0999\nAUTHOR 1234-5678\nMETHOD test\nMODEL  1\nACDEFGHIKL\nMNPQ\n"
                 "2 9 0 8 0.7\n1 8 0 8 0.9\n3 12 0 8 0.5\nEND\n",
                 AXCON_PRED_RR);
    CU_ASSERT(first_is(p, 1, 8, 0.9) && axcon_pred_npairs(p) == 3);
    CU_ASSERT_STRING_EQUAL(axcon_pred_seq(p), "ACDEFGHIKLMNPQ");
    CU_ASSERT_EQUAL(axcon_pred_length(p), 14);
    CU_ASSERT_EQUAL(axcon_pred_max_pos(p), 12);
    axcon_pred_free(p);
    p = parse_ok("1 8 0.4\n2 9 0.7\n", AXCON_PRED_RR);
    CU_ASSERT(first_is(p, 2, 9, 0.7) && axcon_pred_seq(p) == NULL);
    axcon_pred_free(p);
    /* asymmetric cells: the larger one is kept */
    p = parse_ok("0 0.5 0.1 0.2\n0.7 0 0.3 0.4\n0.1 0.3 0 0.9\n0.2 0.4 0.9 0\n", AXCON_PRED_MAT);
    CU_ASSERT(first_is(p, 3, 4, 0.9) && axcon_pred_npairs(p) == 6 && axcon_pred_length(p) == 4);
    CU_ASSERT(axcon_pred_pairs(p)[1].i == 1 && axcon_pred_pairs(p)[1].j == 2 &&
              near(axcon_pred_pairs(p)[1].score, 0.7, 1e-12));
    axcon_pred_free(p);
    p = parse_ok("# axcon predict\ni\tj\tscore\tprobability\n3\t9\t2.5\t0.8\n1\t7\t3.0\t0.9\n", AXCON_PRED_TSV);
    CU_ASSERT(first_is(p, 1, 7, 3.0) && axcon_pred_npairs(p) == 2);
    axcon_pred_free(p);
    /* reversed duplicate: one pair with the larger score */
    p = parse_ok("9\t3\t1.0\n3\t9\t2.0\n4\t4\t9.0\n", AXCON_PRED_TSV);
    CU_ASSERT(first_is(p, 3, 9, 2.0) && axcon_pred_npairs(p) == 1);
    axcon_pred_free(p);
    p = parse_ok("i,A_i,j,A_j,fn,cn,segment_i,segment_j,probability\n2,K,9,L,0.4,0.75,A_1,A_1,0.8\n"
                 "1,M,8,K,0.5,1.25,A_1,A_1,0.9\n",
                 AXCON_PRED_CSV);
    CU_ASSERT(first_is(p, 1, 8, 1.25));
    axcon_pred_free(p);
    p = parse_ok("1 M 8 K 0 0.31\n2 K 9 L 0 0.12\n", AXCON_PRED_PLMC);
    CU_ASSERT(first_is(p, 1, 8, 0.31));
    axcon_pred_free(p);
    /* FreeContact: the second (APC) score ranks, not the raw one */
    p = parse_ok("1 M 8 K 0.2 3.8\n2 K 9 L 0.5 1.2\n", AXCON_PRED_FREECONTACT);
    CU_ASSERT(first_is(p, 1, 8, 3.8));
    axcon_pred_free(p);
    p = parse_ok("2 9 0 8 0.5\n1 8 0 8 0.95\n", AXCON_PRED_PSICOV);
    CU_ASSERT(first_is(p, 1, 8, 0.95));
    axcon_pred_free(p);
    /* GREMLIN, with and without its header: r_sco ranks */
    p = parse_ok("i\tj\ti_id\tj_id\tr_sco\ts_sco\tprob\n2\t9\t2_K\t9_L\t0.20\t2.9\t0.95\n"
                 "1\t8\t1_M\t8_K\t0.31\t3.1\t0.97\n3\t12\t3_A\t12_G\t0.1\t1.0\t0.4\n",
                 AXCON_PRED_GREMLIN);
    CU_ASSERT(first_is(p, 1, 8, 0.31) && axcon_pred_npairs(p) == 3);
    axcon_pred_free(p);
    p = parse_ok("2 9 2_K 9_L 0.20 2.9 0.95\n", AXCON_PRED_GREMLIN);
    CU_ASSERT(first_is(p, 2, 9, 0.20));
    axcon_pred_free(p);
    {
        static const char *const bad[][2] = {
            {"i j i_id j_id r_sco s_sco prob\n2 9 2_K 9_L 0.2 2.9\n", ":2: expected 7 columns"},
            {"i j i_id j_id r_sco s_sco prob\n2 9 3_K 9_L 0.2 2.9 0.9\n", ":2: columns 3 and 4 must name"},
            {"i j i_id j_id r_sco s_sco prob\n2 9 2_K 9_L 0.2 2.9 1.5\n", ":2: prob '1.5' is not in [0, 1]"},
            {"i j i_id j_id r_sco s_sco prob\n2 9 2_K 9_L nan 2.9 0.5\n", ":2:"},
            {"i j gene i_id j_id r_sco s_sco prob I_prob\n", ":1: an inter-chain GREMLIN file"},
            {"i j i_id j_id score\n1 5 1_A 5_C 0.1\n", ":1: expected GREMLIN's header"},
        };
        for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
            axcon_error_t e;
            axcon_error_clear(&e);
            axcon_pred_t *q = NULL;
            int rc = axcon_pred_parse("g.txt", bad[k][0], strlen(bad[k][0]), AXCON_PRED_AUTO, 0, &q, &e);
            CU_ASSERT_EQUAL(rc, AXCON_EINPUT);
            CU_ASSERT_PTR_NULL(q);
            if (!strstr(e.msg, bad[k][1])) fprintf(stderr, "gremlin case %zu: %s\n", k, e.msg);
            CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, bad[k][1]));
        }
    }

    /* explicit format, gzip file */
    char *gzp = axt_tmp("p.tsv.gz");
    gzFile gz = gzopen(gzp, "wb");
    CU_ASSERT_FATAL(gz != NULL);
    gzputs(gz, "1\t7\t0.5\t0.5\n2\t9\t0.25\t0.25\n");
    gzclose(gz);
    axcon_error_t err;
    axcon_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(axcon_pred_read(gzp, AXCON_PRED_TSV, 10, &p, &err), AXCON_OK);
    CU_ASSERT(first_is(p, 1, 7, 0.5) && axcon_pred_npairs(p) == 2);
    axcon_pred_free(p);
    /* the query length is enforced when given */
    CU_ASSERT_EQUAL(axcon_pred_read(gzp, AXCON_PRED_TSV, 8, &p, &err), AXCON_EINPUT);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, ":2: residue number 9 exceeds the query length (8)"));
    free(gzp);

    axcon_pred_format_t f;
    CU_ASSERT(axcon_pred_format_parse("ccmpred", &f) == 0 && f == AXCON_PRED_MAT);
    CU_ASSERT(axcon_pred_format_parse("freecontact", &f) == 0 && f == AXCON_PRED_FREECONTACT);
    CU_ASSERT(axcon_pred_format_parse("bogus", &f) == -1);
    CU_ASSERT_STRING_EQUAL(axcon_pred_format_name(AXCON_PRED_PSICOV), "psicov");
    CU_ASSERT(axcon_pred_format_parse("gremlin", &f) == 0 && f == AXCON_PRED_GREMLIN);
    CU_ASSERT_STRING_EQUAL(axcon_pred_format_name(AXCON_PRED_GREMLIN), "gremlin");
}

/* ---- CLI ------------------------------------------------------------------------------- */

static const char *cli_truth(void)
{
    static const int contacts[][2] = {{1, 30}, {3, 30}};
    static const char *p = NULL;
    if (!p) p = write_truth("cli.true.tsv", 40, contacts, 2);
    return p;
}

/* Every case: exit status exactly 1, one "axcon: error: FILE:LINE: reason" line. */
static void test_cli_malformed(void)
{
    static const struct {
        const char *name, *fmt, *text, *line, *reason;
    } cases[] = {
        {"m1.rr", "auto", "PFRMAT RR\nMODEL 1\n1 8 0 8 0.9\n2 9 0 0.5\n", ":4:", "expected 'i j d1 d2 p'"},
        {"m2.rr", "rr", "1 8 0.9\n1.5 9 0.4\n", ":2:", "is not a whole number"},
        {"m3.tsv", "tsv", "1\t8\t0.9\t0.9\n2\t9\tnan\t0.5\n", ":2:", "not a finite number"},
        {"m4.tsv", "auto", "1\t8\t0.9\t0.9\n0\t9\t0.5\t0.5\n", ":2:", "below 1"},
        {"m5.mat", "mat", "0 1 2\n1 0\n2 1 0\n", ":2:", "matrix row has 2 values, expected 3"},
        {"m6.mat", "mat", "0 1\n1 0\n2 2\n", ":3:", "more rows than columns"},
        {"m7.csv", "csv", "i,A_i,j,A_j,fn,probability\n1,M,8,K,0.5,0.9\n", ":1:", "must name the columns i, j and cn"},
        {"m8.plmc", "plmc", "1 M 8 K 0 0.3\n2 K 9 L 0.1\n", ":2:", "expected 6 columns"},
        {"m9.fc", "freecontact", "1 M 8 K 0.1 0.3\n2 3 9 L 0.1 0.2\n", ":2:", "residue letters"},
        {"m10.rr", "auto", "PFRMAT RR\nACDEFGHIKL\n1 8 0 8 0.9\n3 12 0 8 0.5\n", ":4:",
         "exceeds the length of the RR sequence (10)"},
        {"m11.psicov", "psicov", "1 8 0 8 0.9\n\n2 9 0 8 1e300\n", ":3:", "out of range"},
        {"m12.csv", "auto", "i,A_i,j,A_j,fn,cn\n1,M,8,K,0.5,0.9\n2,K,9\n", ":3:", "expected 6 comma-separated"},
        {"m13.tsv", "tsv", "1\t8\t0.9\t1.5\n", ":1:", "not in [0, 1]"},
        /* fuzz finding: one row of L values used to reserve L x L before a second row came */
        {"m14.mat", "mat", "0 1 2 3 4 5 6 7\n", ":1:", "matrix has 1 rows but 8 columns"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const char *p = tmp_write(cases[k].name, cases[k].text);
        char *out = NULL, *err = NULL;
        int st = axt_runf(&out, &err, "'%s' eval --truth '%s' --pred-format %s '%s'", axt_axcon(), cli_truth(),
                          cases[k].fmt, p);
        char want[512];
        snprintf(want, sizeof want, "axcon: error: %s%s", p, cases[k].line);
        if (st != 1 || !strstr(err, want) || !strstr(err, cases[k].reason))
            fprintf(stderr, "case %s: status %d, stderr: %s\n", cases[k].name, st, err);
        CU_ASSERT_EQUAL(st, 1);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
        CU_ASSERT_PTR_NOT_NULL(strstr(err, cases[k].reason));
        CU_ASSERT_STRING_EQUAL(out, "");
        free(out);
        free(err);
    }
    /* truncated gzip: exit 1, names the file */
    char *gzp = axt_tmp("trunc.tsv.gz");
    gzFile gz = gzopen(gzp, "wb");
    CU_ASSERT_FATAL(gz != NULL);
    for (int i = 1; i < 2000; i++) gzprintf(gz, "%d\t%d\t%d.5\n", i, i + 7, i);
    gzclose(gz);
    size_t n = 0;
    char *z = axt_slurp(gzp, &n);
    CU_ASSERT_FATAL(z && n > 40);
    CU_ASSERT(axt_write(gzp, z, n / 2) == 0);
    free(z);
    char *err = NULL;
    int st = axt_runf(NULL, &err, "'%s' eval --truth '%s' '%s'", axt_axcon(), cli_truth(), gzp);
    CU_ASSERT_EQUAL(st, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "truncated"));
    free(err);
    free(gzp);
}

static void test_cli_json_and_usage(void)
{
    const char *pred = tmp_write("c.tsv", "1\t30\t0.9\t0.9\n2\t30\t0.8\t0.8\n3\t30\t0.7\t0.7\n");
    char *out = NULL, *err = NULL;
    int st = axt_runf(&out, &err, "'%s' eval -q --json --truth '%s' '%s'", axt_axcon(), cli_truth(), pred);
    CU_ASSERT_EQUAL(st, 0);
    /* L = 40: top-L/5 = 8 pairs, 2 contacts among the 3 predicted */
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"length\": 40"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"long\": {\"L\": 0.050000, \"L2\": 0.100000, \"L5\": 0.250000"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"medium_long\": {\"L\": 0.050000"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"short\": {\"L\": 0.000000"));
    CU_ASSERT(out[0] == '{' && strchr(out, '\n') == out + strlen(out) - 1);
    free(out);
    free(err);
    st = axt_runf(&out, &err, "'%s' eval -q --truth '%s' '%s'", axt_axcon(), cli_truth(), pred);
    CU_ASSERT_EQUAL(st, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "long\t0.050\t0.100\t0.250\t2\n"));
    free(out);
    free(err);
    st = axt_runf(&out, &err, "'%s' eval --help", axt_axcon());
    CU_ASSERT(st == 0 && strstr(out, "Usage: axcon eval"));
    free(out);
    free(err);
    st = axt_runf(&out, &err, "'%s' eval --truth '%s' --pdb x.pdb '%s'", axt_axcon(), cli_truth(), pred);
    CU_ASSERT(st == 1 && strstr(err, "exactly one of --pdb"));
    free(out);
    free(err);
    st = axt_runf(&out, &err, "'%s' eval --truth '%s' --pred-format xyz '%s'", axt_axcon(), cli_truth(), pred);
    CU_ASSERT(st == 1 && strstr(err, "--pred-format"));
    free(out);
    free(err);
    /* --pdb without a query sequence */
    sbuf_t b = {0};
    pdb_features(&b);
    const char *pdb = tmp_write("cli.pdb", b.s);
    free(b.s);
    st = axt_runf(&out, &err, "'%s' eval --pdb '%s' '%s'", axt_axcon(), pdb, pred);
    CU_ASSERT(st == 1 && strstr(err, "needs the query sequence"));
    free(out);
    free(err);
    /* --pdb with the query from the RR sequence; --write-truth */
    const char *rr = tmp_write("cli.rr", "PFRMAT RR\nMAGSMKLVW\n2 8 0 8 0.9\n1 9 0 8 0.5\nEND\n");
    char *wt = axt_tmp("cli.written.tsv");
    st = axt_runf(&out, &err, "'%s' eval -q --json --pdb '%s' --write-truth '%s' '%s'", axt_axcon(), pdb, wt, rr);
    CU_ASSERT_EQUAL(st, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"length\": 6"));
    char *txt = axt_slurp(wt, NULL);
    CU_ASSERT(txt && !strncmp(txt, "2\t3\t3.000\n", 10));
    free(txt);
    free(wt);
    free(out);
    free(err);
    /* the query from --msa; predictions are checked against its length; '-' reads stdin */
    const char *fa = tmp_write("cli.fasta", ">q\nMAGSMKLVW\n>s\nMAGSMKLVW\n");
    const char *ok = tmp_write("cli_ok.tsv", "2\t8\t0.9\n1\t9\t0.5\n");
    st = axt_runf(&out, &err, "cat '%s' | '%s' eval -q --json --pdb '%s' --msa '%s' -", ok, axt_axcon(), pdb, fa);
    CU_ASSERT(st == 0 && strstr(out, "\"length\": 6") && strstr(out, "\"query_length\": 9"));
    free(out);
    free(err);
    const char *far = tmp_write("cli_far.tsv", "2\t8\t0.9\n1\t10\t0.5\n");
    st = axt_runf(&out, &err, "'%s' eval --pdb '%s' --msa '%s' '%s'", axt_axcon(), pdb, fa, far);
    CU_ASSERT_EQUAL(st, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, ":2: residue number 10 exceeds the query length (9)"));
    free(out);
    free(err);
}

/* ---- shared benchmark ------------------------------------------------------------------- */

static int ref_row(const char *bench, const char *tool, const char *id, double v[8])
{
    char path[4200], line[1024];
    snprintf(path, sizeof path, "%s/reference_precision.tsv", bench);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    int found = -1;
    while (fgets(line, sizeof line, f)) {
        char t[64], i[128];
        if (sscanf(line, "%63s %127s %lf %lf %lf %lf %lf %lf %lf %lf", t, i, &v[0], &v[1], &v[2], &v[3], &v[4],
                   &v[5], &v[6], &v[7]) == 10 &&
            !strcmp(t, tool) && !strcmp(i, id)) {
            found = 0;
            break;
        }
    }
    fclose(f);
    return found;
}

static void test_bench_reference(void)
{
    const char *bench = axt_bench("test_bench_reference");
    if (!bench) return;
    static const struct {
        const char *tool, *id, *suffix;
    } rows[] = {{"ccmpred", "1atzA", "ccmpred.mat.gz"},
                {"ccmpred", "T1031-D1", "ccmpred.mat.gz"},
                {"ccmpred", "PF00072_1MVO_A", "ccmpred.mat.gz"},
                {"ccmpred", "4zey_A", "ccmpred.mat.gz"},
                {"freecontact_evfold", "T1027-D1", "fcevfold.txt.gz"},
                {"freecontact_evfold", "PF00254_2PPN_A", "fcevfold.txt.gz"}};
    for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) {
        double v[8];
        if (ref_row(bench, rows[k].tool, rows[k].id, v) != 0) {
            printf("\nSKIP: %s %s not in reference_precision.tsv\n", rows[k].tool, rows[k].id);
            continue;
        }
        char tp[4200], pp[4200];
        snprintf(tp, sizeof tp, "%s/truth/%s.true.tsv", bench, rows[k].id);
        snprintf(pp, sizeof pp, "%s/peers/%s.%s", bench, rows[k].id, rows[k].suffix);
        axcon_truth_t *t = NULL;
        axcon_pred_t *p = NULL;
        axcon_eval_result_t r;
        axcon_error_t err;
        axcon_error_clear(&err);
        CU_ASSERT_EQUAL_FATAL(axcon_truth_read(tp, 0, &t, &err), AXCON_OK);
        CU_ASSERT_EQUAL_FATAL(axcon_pred_read(pp, AXCON_PRED_AUTO, 0, &p, &err), AXCON_OK);
        CU_ASSERT_EQUAL_FATAL(axcon_eval_precision(t, p, &r, &err), AXCON_OK);
        /* columns: L L5_long L2_long L_long L5_med+long L_med+long L5_all L_all */
        double got[8] = {r.length,
                         r.precision[AXCON_RANGE_LONG][2],
                         r.precision[AXCON_RANGE_LONG][1],
                         r.precision[AXCON_RANGE_LONG][0],
                         r.precision[AXCON_RANGE_MEDIUM_LONG][2],
                         r.precision[AXCON_RANGE_MEDIUM_LONG][0],
                         r.precision[AXCON_RANGE_ALL][2],
                         r.precision[AXCON_RANGE_ALL][0]};
        for (int c = 0; c < 8; c++) {
            if (!near(got[c], v[c], 0.001 + 1e-9))
                fprintf(stderr, "%s %s column %d: %.4f vs reference %.3f\n", rows[k].tool, rows[k].id, c, got[c], v[c]);
            CU_ASSERT(near(got[c], v[c], 0.001 + 1e-9));
        }
        axcon_pred_free(p);
        axcon_truth_free(t);
    }
}

/* Structure + query against the truth file: same observed set and distances (0.01 A). */
static void bench_structure_vs_truth(const char *bench, const char *id, const char *st_ext, const char *msa_ext,
                                     const char *want_chain)
{
    char sp[4200], mp[4200], tp[4200];
    snprintf(sp, sizeof sp, "%s/structures/%s.%s", bench, id, st_ext);
    snprintf(mp, sizeof mp, "%s/msa/%s.%s", bench, id, msa_ext);
    snprintf(tp, sizeof tp, "%s/truth/%s.true.tsv", bench, id);
    axcon_error_t err;
    axcon_error_clear(&err);
    axcon_msa_opts_t mo;
    axcon_msa_opts_init(&mo);
    axcon_msa_t *msa = NULL;
    axcon_structure_t *st = NULL;
    axcon_truth_t *a = NULL, *b = NULL;
    CU_ASSERT_EQUAL_FATAL(axcon_msa_read(mp, &mo, &msa, &err), AXCON_OK);
    CU_ASSERT_EQUAL_FATAL(axcon_structure_read(sp, NULL, &st, &err), AXCON_OK);
    CU_ASSERT_EQUAL_FATAL(axcon_structure_select_best(st, axcon_msa_query_seq(msa), &err), AXCON_OK);
    if (want_chain) CU_ASSERT_STRING_EQUAL(axcon_structure_chain(st), want_chain);
    CU_ASSERT_EQUAL_FATAL(axcon_truth_from_structure(st, axcon_msa_query_seq(msa), &a, &err), AXCON_OK);
    CU_ASSERT_EQUAL_FATAL(axcon_truth_read(tp, (int)axcon_msa_query_len(msa), &b, &err), AXCON_OK);
    CU_ASSERT_EQUAL(axcon_truth_nobserved(a), axcon_truth_nobserved(b));
    CU_ASSERT_EQUAL(axcon_truth_npairs(a), axcon_truth_npairs(b));
    size_t bad = 0;
    for (size_t k = 0; k < axcon_truth_npairs(b); k++) {
        int i, j;
        double d;
        axcon_truth_pair(b, k, &i, &j, &d);
        if (!near(axcon_truth_distance(a, i, j), d, 0.01)) bad++;
    }
    CU_ASSERT_EQUAL(bad, 0);
    axcon_truth_free(a);
    axcon_truth_free(b);
    axcon_structure_free(st);
    axcon_msa_free(msa);
}

static void test_bench_structures(void)
{
    const char *bench = axt_bench("test_bench_structures");
    if (!bench) return;
    bench_structure_vs_truth(bench, "PF00254_2PPN_A", "pdb", "fasta", "A"); /* altlocs */
    bench_structure_vs_truth(bench, "T1038-D2", "pdb", "aln", " ");         /* domain of a longer query */
    bench_structure_vs_truth(bench, "4zey_A", "cif", "a3m", "A");           /* mmCIF with MSE */
    bench_structure_vs_truth(bench, "1psm_A", "cif", "a3m", "A");           /* NMR: model 1 of 20 */
    bench_structure_vs_truth(bench, "5kc1_A", "cif", "a3m", "F");           /* 12 chains: best coverage */
}

static void register_suites(void)
{
    axt_suite("structure", (axt_case_t[]){{"pdb_features", test_pdb_features},
                                          {"pdb_gzip_and_errors", test_pdb_gzip_and_errors},
                                          {"mmcif_features", test_mmcif_features},
                                          {"truth_from_structure", test_truth_from_structure},
                                          {"alignment_numbering_gap", test_alignment_numbering_gap},
                                          {"best_chain", test_best_chain},
                                          {0, 0}});
    axt_suite("precision", (axt_case_t[]){{"by_hand", test_precision_by_hand},
                                          {"ties", test_precision_ties},
                                          {"small_L", test_precision_small_L},
                                          {0, 0}});
    axt_suite("pred", (axt_case_t[]){{"formats", test_formats}, {0, 0}});
    axt_suite("cli", (axt_case_t[]){{"malformed", test_cli_malformed},
                                    {"json_and_usage", test_cli_json_and_usage},
                                    {0, 0}});
    axt_suite("bench", (axt_case_t[]){{"reference", test_bench_reference},
                                      {"structures", test_bench_structures},
                                      {0, 0}});
}

int main(int argc, char **argv) { return axt_main(argc, argv, register_suites); }
