/* structure.c - owns the PDB and mmCIF readers and the residue model of axcon/structure.h:
 * model 1, chain choice, altlocs (the first location listed), insertion codes, modified
 * residues mapped to their parent amino acid, representative atoms (CB; CA for glycine;
 * CA when a non-glycine residue lacks CB, with a warning). */
#include "axcon/structure.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axcon/log.h"
#include "core/util.h"
#include "evio.h"

#define CHAIN_MAX 8 /* longest chain id kept (mmCIF ids are short; longer ones are an error) */
/* largest coordinate magnitude accepted (Å): PDB columns hold at most 9999.999; the bound keeps
 * every distance finite and below the 1e6 Å that a truth file may list */
#define COORD_MAX 1e5

/* ---- residue names ---------------------------------------------------------------- */

typedef struct {
    const char *name;
    char aa;
} resmap_t;

/* Standard residues, then common modified residues (parent amino acid), as found in
 * the PDB chemical component dictionary's parent assignments. */
static const resmap_t g_resmap[] = {
    {"ALA", 'A'}, {"ARG", 'R'}, {"ASN", 'N'}, {"ASP", 'D'}, {"CYS", 'C'}, {"GLN", 'Q'}, {"GLU", 'E'},
    {"GLY", 'G'}, {"HIS", 'H'}, {"ILE", 'I'}, {"LEU", 'L'}, {"LYS", 'K'}, {"MET", 'M'}, {"PHE", 'F'},
    {"PRO", 'P'}, {"SER", 'S'}, {"THR", 'T'}, {"TRP", 'W'}, {"TYR", 'Y'}, {"VAL", 'V'},
    /* ambiguous / rare standard */
    {"ASX", 'B'}, {"GLX", 'Z'}, {"SEC", 'U'}, {"PYL", 'O'}, {"UNK", 'X'},
    /* modified residues */
    {"MSE", 'M'}, {"FME", 'M'}, {"MHO", 'M'}, {"MME", 'M'}, {"CXM", 'M'},
    {"SEP", 'S'}, {"TPO", 'T'}, {"PTR", 'Y'}, {"TYS", 'Y'}, {"NIY", 'Y'}, {"IYR", 'Y'},
    {"CSO", 'C'}, {"CSD", 'C'}, {"CME", 'C'}, {"CSS", 'C'}, {"CSX", 'C'}, {"OCS", 'C'}, {"SMC", 'C'},
    {"CAS", 'C'}, {"CSW", 'C'}, {"SNC", 'C'}, {"CCS", 'C'}, {"YCM", 'C'}, {"SCH", 'C'}, {"CYG", 'C'},
    {"MLY", 'K'}, {"M3L", 'K'}, {"MLZ", 'K'}, {"ALY", 'K'}, {"KCX", 'K'}, {"LLP", 'K'}, {"KPI", 'K'},
    {"HYP", 'P'}, {"HIC", 'H'}, {"NEP", 'H'}, {"HIP", 'H'}, {"MEN", 'N'}, {"AGM", 'R'}, {"ARO", 'R'},
    {"PCA", 'E'}, {"CGU", 'E'}, {"GMA", 'E'}, {"DDE", 'H'}, {"TRQ", 'W'}, {"TRO", 'W'}, {"HTR", 'W'},
    {"MVA", 'V'}, {"MLE", 'L'}, {"NLE", 'L'}, {"AIB", 'A'}, {"ABA", 'A'}, {"DAL", 'A'}, {"SAR", 'G'},
    {"DSN", 'S'}, {"DCY", 'C'}, {"DLE", 'L'}, {"DVA", 'V'}, {"DPR", 'P'}, {"DTH", 'T'}, {"DAS", 'D'},
    {"DGL", 'E'}, {"DLY", 'K'}, {"DAR", 'R'}, {"DPN", 'F'}, {"DTY", 'Y'}, {"DTR", 'W'}, {"DHI", 'H'},
    {"DGN", 'Q'}, {"DSG", 'N'}, {"DIL", 'I'}, {"MED", 'M'}, {"CSE", 'C'}, {"SVY", 'S'}, {"OAS", 'S'},
    {"BMT", 'T'}, {"ASA", 'D'}, {"IAS", 'D'}, {"PHI", 'F'}, {"PHL", 'F'}, {"TYI", 'Y'}, {"STY", 'Y'},
};

char axcon_residue_letter(const char *resname)
{
    char nm[8];
    size_t n = 0;
    if (!resname) return 0;
    for (; resname[n] && n < sizeof nm - 1; n++) nm[n] = (char)toupper((unsigned char)resname[n]);
    if (resname[n]) return 0;
    nm[n] = '\0';
    for (size_t k = 0; k < sizeof g_resmap / sizeof g_resmap[0]; k++)
        if (!strcmp(g_resmap[k].name, nm)) return g_resmap[k].aa;
    return 0;
}

/* ---- atoms as read ----------------------------------------------------------------- */

enum { ATOM_OTHER = 0, ATOM_CA = 1, ATOM_CB = 2 };

typedef struct {
    char chain[CHAIN_MAX + 1];  /* auth chain (PDB column 22) */
    char lchain[CHAIN_MAX + 1]; /* mmCIF label_asym_id ("" for PDB) */
    char resname[8];
    int resseq;
    char icode;
    char kind; /* ATOM_CA, ATOM_CB, ATOM_OTHER */
    char aa;
    double xyz[3];
} atom_t;

typedef struct {
    atom_t *v;
    size_t n, cap;
} atoms_t;

typedef struct {
    char id[CHAIN_MAX + 1];
    size_t off, nres; /* residues res[off .. off+nres-1]; sequence at seq + off + index */
} chain_t;

struct axcon_structure {
    const char *format;
    chain_t *chains;
    size_t nchains, cur;  /* cur = the selected chain */
    axcon_residue_t *res; /* all chains' residues, chain after chain */
    size_t nres;
    char *seq;            /* each chain's sequence, NUL-terminated, one after the other */
};

static int atoms_push(atoms_t *a, const atom_t *x, axcon_error_t *err)
{
    if (a->n == a->cap) {
        size_t nc = a->cap ? a->cap * 2 : 1024;
        atom_t *nv = ax_realloc(a->v, nc, sizeof *nv, "structure atoms", err);
        if (!nv) return AXCON_ENOMEM;
        a->v = nv;
        a->cap = nc;
    }
    a->v[a->n++] = *x;
    return AXCON_OK;
}

static char atom_kind(const char *name)
{
    if (!strcmp(name, "CA")) return ATOM_CA;
    if (!strcmp(name, "CB")) return ATOM_CB;
    return ATOM_OTHER;
}

/* copy columns [a, b) of a fixed-column line (1-based inclusive a..b) trimmed */
static void col(const char *line, size_t len, int a, int b, char *out, size_t outsz)
{
    size_t n = 0;
    for (int k = a - 1; k < b && (size_t)k < len; k++)
        if (n + 1 < outsz) out[n++] = line[k];
    out[n] = '\0';
    /* trim */
    char *s = out;
    while (*s == ' ') s++;
    if (s != out) memmove(out, s, strlen(s) + 1);
    n = strlen(out);
    while (n && out[n - 1] == ' ') out[--n] = '\0';
}

/* ---- PDB ---------------------------------------------------------------------------- */

static int parse_pdb(const char *name, char *buf, size_t len, atoms_t *atoms, axcon_error_t *err)
{
    axe_lines_t it;
    char *line;
    int nmodel = 0, done = 0;
    axe_lines_init(&it, buf, len);
    while (!done && (line = axe_next_line(&it))) {
        size_t ll = strlen(line);
        if (!strncmp(line, "MODEL ", 6) || !strcmp(line, "MODEL")) {
            if (++nmodel > 1) done = 1; /* model 1 only */
            continue;
        }
        if (!strncmp(line, "ENDMDL", 6)) {
            if (nmodel >= 1) done = 1;
            continue;
        }
        if (!strncmp(line, "END", 3) && (ll == 3 || line[3] == ' ')) break;
        int is_atom = !strncmp(line, "ATOM  ", 6) || !strncmp(line, "HETATM", 6);
        if (!is_atom) continue;
        char resname[8], aname[8], tmp[16];
        col(line, ll, 18, 20, resname, sizeof resname);
        char aa = axcon_residue_letter(resname);
        if (!aa) continue; /* water, ligands, nucleotides */
        if (ll < 54)
            return axcon_error_set(err, AXCON_EINPUT, "%s:%zu: ATOM/HETATM record shorter than 54 columns", name,
                                   it.lineno);
        atom_t a;
        memset(&a, 0, sizeof a);
        snprintf(a.resname, sizeof a.resname, "%s", resname);
        a.aa = aa;
        col(line, ll, 13, 16, aname, sizeof aname);
        a.kind = atom_kind(aname);
        a.chain[0] = line[21];
        a.chain[1] = '\0';
        col(line, ll, 23, 26, tmp, sizeof tmp);
        long v;
        if (axe_parse_int(tmp, &v) != 0)
            return axcon_error_set(err, AXCON_EINPUT, "%s:%zu: bad residue number '%s' (columns 23-26)", name,
                                   it.lineno, tmp);
        a.resseq = (int)v;
        a.icode = line[26] == '\0' ? ' ' : line[26];
        static const char *axn[3] = {"x", "y", "z"};
        for (int d = 0; d < 3; d++) {
            col(line, ll, 31 + 8 * d, 38 + 8 * d, tmp, sizeof tmp);
            if (axe_parse_double(tmp, &a.xyz[d]) != 0 || !(fabs(a.xyz[d]) <= COORD_MAX))
                return axcon_error_set(err, AXCON_EINPUT, "%s:%zu: bad %s coordinate '%s' (columns %d-%d)", name,
                                       it.lineno, axn[d], tmp, 31 + 8 * d, 38 + 8 * d);
        }
        int rc = atoms_push(atoms, &a, err);
        if (rc != AXCON_OK) return rc;
    }
    return AXCON_OK;
}

/* ---- mmCIF -------------------------------------------------------------------------- */

typedef struct {
    char *p, *end;
    size_t line;
    int bol; /* at beginning of line */
} cif_lex_t;

typedef struct {
    char *s;     /* NUL-terminated token (points into the buffer, modified in place) */
    size_t line;
    int quoted;  /* quoted or text field: never a keyword, '?' and '.' are literal */
} cif_tok_t;

/* Next token; returns 1 if one was read, 0 at the end, -1 on an unterminated text field. */
static int cif_next(cif_lex_t *lx, cif_tok_t *t)
{
    for (;;) {
        while (lx->p < lx->end && (*lx->p == ' ' || *lx->p == '\t' || *lx->p == '\r' || *lx->p == '\n')) {
            if (*lx->p == '\n') {
                lx->line++;
                lx->bol = 1;
            } else {
                lx->bol = 0;
            }
            lx->p++;
        }
        if (lx->p >= lx->end) return 0;
        if (*lx->p == '#') {
            while (lx->p < lx->end && *lx->p != '\n') lx->p++;
            continue;
        }
        break;
    }
    t->line = lx->line;
    t->quoted = 0;
    if (*lx->p == ';' && lx->bol) {
        /* text field: up to a line starting with ';' */
        char *s = lx->p + 1;
        char *q = s;
        size_t start = lx->line;
        for (;;) {
            char *nl = memchr(q, '\n', (size_t)(lx->end - q));
            if (!nl) { lx->line = start; return -1; }
            lx->line++;
            if (nl + 1 < lx->end && nl[1] == ';') {
                *nl = '\0';
                t->s = s;
                t->quoted = 1;
                lx->p = nl + 2;
                lx->bol = 0;
                return 1;
            }
            q = nl + 1;
        }
    }
    lx->bol = 0;
    if (*lx->p == '\'' || *lx->p == '"') {
        char qc = *lx->p;
        char *s = lx->p + 1, *q = s;
        /* a quote closes only when followed by whitespace or the end of the line */
        while (q < lx->end && *q != '\n') {
            if (*q == qc && (q + 1 >= lx->end || q[1] == ' ' || q[1] == '\t' || q[1] == '\r' || q[1] == '\n'))
                break;
            q++;
        }
        if (q >= lx->end || *q != qc) {
            /* unterminated: take the rest of the line as the value */
            t->s = s;
            t->quoted = 1;
            if (q < lx->end) { /* q is the newline: consume it, as for a bare value */
                *q = '\0';
                lx->p = q + 1;
                lx->line++;
                lx->bol = 1;
            } else {
                lx->p = q;
            }
            return 1;
        }
        *q = '\0';
        t->s = s;
        t->quoted = 1;
        lx->p = q + 1;
        return 1;
    }
    char *s = lx->p;
    while (lx->p < lx->end && *lx->p != ' ' && *lx->p != '\t' && *lx->p != '\r' && *lx->p != '\n') lx->p++;
    if (lx->p < lx->end) {
        if (*lx->p == '\n') {
            lx->line++;
            lx->bol = 1;
        }
        *lx->p++ = '\0';
    }
    t->s = s;
    return 1;
}

static int cif_null(const cif_tok_t *t) { return !t->quoted && (!strcmp(t->s, "?") || !strcmp(t->s, ".")); }

enum {
    C_GROUP, C_ATOM_AUTH, C_ATOM_LABEL, C_ALT, C_COMP_AUTH, C_COMP_LABEL, C_ASYM_AUTH, C_ASYM_LABEL,
    C_SEQ_AUTH, C_SEQ_LABEL, C_INS, C_X, C_Y, C_Z, C_MODEL, C_N
};
static const char *g_cif_cols[C_N] = {
    "group_PDB", "auth_atom_id", "label_atom_id", "label_alt_id", "auth_comp_id", "label_comp_id",
    "auth_asym_id", "label_asym_id", "auth_seq_id", "label_seq_id", "pdbx_PDB_ins_code", "Cartn_x",
    "Cartn_y", "Cartn_z", "pdbx_PDB_model_num"};

static int parse_cif(const char *name, char *buf, size_t len, atoms_t *atoms, axcon_error_t *err)
{
    cif_lex_t lx = {buf, buf + len, 1, 1};
    cif_tok_t t;
    int r, found = 0;
    int colidx[C_N];
    /* find "loop_" followed by _atom_site. tags */
    for (;;) {
        r = cif_next(&lx, &t);
        if (r < 0) return axcon_error_set(err, AXCON_EINPUT, "%s:%zu: unterminated ';' text field", name, lx.line);
        if (r == 0) break;
        if (t.quoted || strcmp(t.s, "loop_") != 0) continue;
        cif_lex_t save = lx;
        r = cif_next(&lx, &t);
        if (r <= 0) break;
        if (t.quoted || strncmp(t.s, "_atom_site.", 11) != 0) {
            lx = save;
            continue;
        }
        found = 1;
        break;
    }
    if (!found) return axcon_error_set(err, AXCON_EINPUT, "%s: mmCIF file without an _atom_site loop", name);
    /* column names */
    int ncol = 0;
    for (int c = 0; c < C_N; c++) colidx[c] = -1;
    for (;;) {
        if (t.quoted || t.s[0] != '_') break;
        if (strncmp(t.s, "_atom_site.", 11) != 0) break;
        for (int c = 0; c < C_N; c++)
            if (!strcmp(t.s + 11, g_cif_cols[c])) colidx[c] = ncol;
        ncol++;
        r = cif_next(&lx, &t);
        if (r < 0) return axcon_error_set(err, AXCON_EINPUT, "%s:%zu: unterminated ';' text field", name, lx.line);
        if (r == 0) {
            t.s = NULL;
            break;
        }
    }
    if (colidx[C_X] < 0 || colidx[C_Y] < 0 || colidx[C_Z] < 0)
        return axcon_error_set(err, AXCON_EINPUT, "%s: _atom_site loop without Cartn_x/y/z columns", name);
    if (colidx[C_ATOM_AUTH] < 0 && colidx[C_ATOM_LABEL] < 0)
        return axcon_error_set(err, AXCON_EINPUT, "%s: _atom_site loop without an atom name column", name);
    if (colidx[C_COMP_AUTH] < 0 && colidx[C_COMP_LABEL] < 0)
        return axcon_error_set(err, AXCON_EINPUT, "%s: _atom_site loop without a residue name column", name);
    if (colidx[C_SEQ_AUTH] < 0 && colidx[C_SEQ_LABEL] < 0)
        return axcon_error_set(err, AXCON_EINPUT, "%s: _atom_site loop without a residue number column", name);
    if (colidx[C_ASYM_AUTH] < 0 && colidx[C_ASYM_LABEL] < 0)
        return axcon_error_set(err, AXCON_EINPUT, "%s: _atom_site loop without a chain column", name);
    cif_tok_t *row = ax_alloc((size_t)ncol, sizeof *row, 0, "mmCIF row", err);
    if (!row) return AXCON_ENOMEM;
    int rc = AXCON_OK;
    char model1[32] = "";
    int have_model = 0;
    while (t.s) {
        /* a row: ncol values, unless the loop ends (keyword, tag or data block) */
        if (!t.quoted && (t.s[0] == '_' || !strcmp(t.s, "loop_") || !strncmp(t.s, "data_", 5) ||
                          !strncmp(t.s, "save_", 5) || !strcmp(t.s, "stop_") || !strcmp(t.s, "global_")))
            break;
        row[0] = t;
        for (int c = 1; c < ncol; c++) {
            r = cif_next(&lx, &row[c]);
            if (r < 0) {
                rc = axcon_error_set(err, AXCON_EINPUT, "%s:%zu: unterminated ';' text field", name, lx.line);
                goto cleanup;
            }
            if (r == 0) {
                rc = axcon_error_set(err, AXCON_EINPUT,
                                     "%s:%zu: _atom_site row has %d values, expected %d (file ends mid-row)", name,
                                     row[0].line, c, ncol);
                goto cleanup;
            }
        }
        size_t rowline = row[0].line;
        r = cif_next(&lx, &t);
        if (r < 0) {
            rc = axcon_error_set(err, AXCON_EINPUT, "%s:%zu: unterminated ';' text field", name, lx.line);
            goto cleanup;
        }
        if (r == 0) t.s = NULL;

        /* model 1 only: the first model number seen */
        if (colidx[C_MODEL] >= 0) {
            const cif_tok_t *m = &row[colidx[C_MODEL]];
            if (!have_model) {
                snprintf(model1, sizeof model1, "%s", m->s);
                have_model = 1;
            } else if (strcmp(model1, m->s) != 0) {
                continue;
            }
        }
        const cif_tok_t *comp = colidx[C_COMP_AUTH] >= 0 && !cif_null(&row[colidx[C_COMP_AUTH]])
                                    ? &row[colidx[C_COMP_AUTH]]
                                    : (colidx[C_COMP_LABEL] >= 0 ? &row[colidx[C_COMP_LABEL]] : NULL);
        if (!comp) continue;
        char aa = axcon_residue_letter(comp->s);
        if (!aa) continue;
        atom_t a;
        memset(&a, 0, sizeof a);
        snprintf(a.resname, sizeof a.resname, "%s", comp->s);
        a.aa = aa;
        const cif_tok_t *an = colidx[C_ATOM_AUTH] >= 0 && !cif_null(&row[colidx[C_ATOM_AUTH]])
                                  ? &row[colidx[C_ATOM_AUTH]]
                                  : (colidx[C_ATOM_LABEL] >= 0 ? &row[colidx[C_ATOM_LABEL]] : NULL);
        a.kind = an ? atom_kind(an->s) : ATOM_OTHER;
        const cif_tok_t *ch = colidx[C_ASYM_AUTH] >= 0 && !cif_null(&row[colidx[C_ASYM_AUTH]])
                                  ? &row[colidx[C_ASYM_AUTH]]
                                  : (colidx[C_ASYM_LABEL] >= 0 ? &row[colidx[C_ASYM_LABEL]] : NULL);
        if (!ch || strlen(ch->s) > CHAIN_MAX) {
            rc = axcon_error_set(err, AXCON_EINPUT, "%s:%zu: missing or overlong chain id", name, rowline);
            goto cleanup;
        }
        snprintf(a.chain, sizeof a.chain, "%s", ch->s);
        if (colidx[C_ASYM_LABEL] >= 0 && strlen(row[colidx[C_ASYM_LABEL]].s) <= CHAIN_MAX)
            snprintf(a.lchain, sizeof a.lchain, "%s", row[colidx[C_ASYM_LABEL]].s);
        const cif_tok_t *sq = colidx[C_SEQ_AUTH] >= 0 && !cif_null(&row[colidx[C_SEQ_AUTH]])
                                  ? &row[colidx[C_SEQ_AUTH]]
                                  : (colidx[C_SEQ_LABEL] >= 0 && !cif_null(&row[colidx[C_SEQ_LABEL]])
                                         ? &row[colidx[C_SEQ_LABEL]]
                                         : NULL);
        long v;
        if (!sq || axe_parse_int(sq->s, &v) != 0 || v < -99999999 || v > 99999999) {
            rc = axcon_error_set(err, AXCON_EINPUT, "%s:%zu: bad residue number '%s'", name, rowline,
                                 sq ? sq->s : "?");
            goto cleanup;
        }
        a.resseq = (int)v;
        a.icode = ' ';
        if (colidx[C_INS] >= 0 && !cif_null(&row[colidx[C_INS]])) {
            const char *ic = row[colidx[C_INS]].s;
            if (strlen(ic) > 1) {
                rc = axcon_error_set(err, AXCON_EINPUT, "%s:%zu: insertion code '%s' longer than one character",
                                     name, rowline, ic);
                goto cleanup;
            }
            if (ic[0]) a.icode = ic[0];
        }
        static const int xc[3] = {C_X, C_Y, C_Z};
        for (int d = 0; d < 3; d++) {
            const char *s = row[colidx[xc[d]]].s;
            if (axe_parse_double(s, &a.xyz[d]) != 0 || !(fabs(a.xyz[d]) <= COORD_MAX)) {
                rc = axcon_error_set(err, AXCON_EINPUT, "%s:%zu: bad %s '%s'", name, rowline, g_cif_cols[xc[d]], s);
                goto cleanup;
            }
        }
        if ((rc = atoms_push(atoms, &a, err)) != AXCON_OK) goto cleanup;
    }
cleanup:
    free(row);
    return rc;
}

/* ---- residues of one chain --------------------------------------------------------- */

/* open-addressing map (resseq, icode) -> residue index */
typedef struct {
    int64_t *keys;
    size_t *vals;
    size_t cap;
} resmap_tab_t;

static int64_t res_key(int resseq, char icode)
{
    return (int64_t)(((uint64_t)(uint32_t)resseq << 8) | (unsigned char)icode); /* unique, never INT64_MIN */
}

static size_t hash64(int64_t k)
{
    uint64_t x = (uint64_t)k * 0x9E3779B97F4A7C15ull;
    return (size_t)(x ^ (x >> 29));
}

static int format_is_cif(const char *buf, size_t len)
{
    /* mmCIF: first non-blank, non-comment token is data_..., or an _atom_site. loop exists */
    const char *p = buf, *e = buf + len;
    while (p < e) {
        while (p < e && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) p++;
        if (p < e && *p == '#') {
            while (p < e && *p != '\n') p++;
            continue;
        }
        break;
    }
    if (e - p >= 5 && !strncmp(p, "data_", 5)) return 1;
    /* PDB records never start a line with "_atom_site." or "loop_" */
    for (const char *q = buf; q < e;) {
        if ((size_t)(e - q) >= 11 && !strncmp(q, "_atom_site.", 11)) return 1;
        const char *nl = memchr(q, '\n', (size_t)(e - q));
        if (!nl) break;
        q = nl + 1;
    }
    return 0;
}

static const char *atom_chain(const atom_t *a, int use_label) { return use_label ? a->lchain : a->chain; }

/* Build the residues of every protein chain (or of `want` only). */
static int build_chains(const char *name, const atoms_t *atoms, const char *want, int is_cif,
                        axcon_structure_t *st, axcon_error_t *err)
{
    int use_label = 0, rc = AXCON_OK;
    resmap_tab_t tab = {NULL, NULL, 0};
    if (atoms->n == 0) return axcon_error_set(err, AXCON_EINPUT, "%s: no amino-acid residues found", name);
    if (want && *want) {
        int found = 0;
        for (size_t k = 0; k < atoms->n && !found; k++)
            if (!strcmp(atoms->v[k].chain, want)) found = 1;
        if (!found && is_cif)
            for (size_t k = 0; k < atoms->n && !found; k++)
                if (!strcmp(atoms->v[k].lchain, want)) found = use_label = 1;
        if (!found) {
            char list[256] = "";
            size_t ln = 0;
            const char *prev = NULL;
            for (size_t k = 0; k < atoms->n; k++) {
                const char *c = atoms->v[k].chain;
                if (prev && !strcmp(prev, c)) continue;
                prev = c;
                char q[CHAIN_MAX + 4];
                snprintf(q, sizeof q, "'%s'", c);
                if (strstr(list, q)) continue; /* listed already */
                int w = snprintf(list + ln, sizeof list - ln, "%s'%s'", ln ? ", " : "", c);
                if (w < 0 || (size_t)w >= sizeof list - ln) break;
                ln += (size_t)w;
            }
            return axcon_error_set(err, AXCON_EINPUT, "%s: chain '%s' not found (protein chains: %s)", name, want,
                                   list);
        }
    }
    /* chains in order of first appearance */
    size_t capc = 0, last = SIZE_MAX;
    size_t *atom_chain_idx = ax_alloc(atoms->n, sizeof *atom_chain_idx, 0, "structure chains", err);
    if (!atom_chain_idx) return AXCON_ENOMEM;
    for (size_t k = 0; k < atoms->n; k++) {
        const char *c = atom_chain(&atoms->v[k], use_label);
        atom_chain_idx[k] = SIZE_MAX;
        if (want && *want && strcmp(c, want) != 0) continue;
        if (last != SIZE_MAX && !strcmp(st->chains[last].id, c)) {
            atom_chain_idx[k] = last;
            continue;
        }
        size_t ci;
        for (ci = 0; ci < st->nchains; ci++)
            if (!strcmp(st->chains[ci].id, c)) break;
        if (ci == st->nchains) {
            if (st->nchains == capc) {
                size_t nc = capc ? 2 * capc : 8;
                chain_t *nv = ax_realloc(st->chains, nc, sizeof *nv, "structure chains", err);
                if (!nv) {
                    rc = AXCON_ENOMEM;
                    goto cleanup;
                }
                st->chains = nv;
                capc = nc;
            }
            memset(&st->chains[ci], 0, sizeof st->chains[ci]);
            snprintf(st->chains[ci].id, sizeof st->chains[ci].id, "%s", c);
            st->nchains++;
        }
        atom_chain_idx[k] = last = ci;
    }
    tab.cap = 16;
    while (tab.cap < 2 * atoms->n) tab.cap *= 2;
    tab.keys = ax_alloc(tab.cap, sizeof *tab.keys, 0, "residue table", err);
    tab.vals = ax_alloc(tab.cap, sizeof *tab.vals, 0, "residue table", err);
    st->res = ax_alloc(atoms->n, sizeof *st->res, 1, "residues", err);
    if (!tab.keys || !tab.vals || !st->res) {
        rc = AXCON_ENOMEM;
        goto cleanup;
    }
    for (size_t ci = 0; ci < st->nchains; ci++) {
        chain_t *ch = &st->chains[ci];
        ch->off = st->nres;
        for (size_t k = 0; k < tab.cap; k++) tab.keys[k] = INT64_MIN;
        size_t lastres = SIZE_MAX;
        int64_t lastkey = INT64_MIN;
        for (size_t k = 0; k < atoms->n; k++) {
            if (atom_chain_idx[k] != ci) continue;
            const atom_t *a = &atoms->v[k];
            int64_t key = res_key(a->resseq, a->icode);
            size_t ri;
            if (key == lastkey) {
                ri = lastres;
            } else {
                size_t h = hash64(key) & (tab.cap - 1);
                while (tab.keys[h] != INT64_MIN && tab.keys[h] != key) h = (h + 1) & (tab.cap - 1);
                if (tab.keys[h] == key) {
                    ri = tab.vals[h];
                } else {
                    ri = st->nres++;
                    tab.keys[h] = key;
                    tab.vals[h] = ri;
                    axcon_residue_t *r = &st->res[ri];
                    r->resseq = a->resseq;
                    r->icode = a->icode;
                    snprintf(r->resname, sizeof r->resname, "%.3s", a->resname);
                    r->aa = a->aa;
                }
                lastres = ri;
                lastkey = key;
            }
            axcon_residue_t *r = &st->res[ri];
            /* altlocs: the first location listed wins (usually ' ' or 'A') */
            if (a->kind == ATOM_CA && !r->has_ca) {
                r->has_ca = 1;
                memcpy(r->ca, a->xyz, sizeof r->ca);
            } else if (a->kind == ATOM_CB && !r->has_cb) {
                r->has_cb = 1;
                memcpy(r->cb, a->xyz, sizeof r->cb);
            }
        }
        ch->nres = st->nres - ch->off;
    }
    st->seq = ax_alloc(st->nres + st->nchains, 1, 0, "structure sequence", err);
    if (!st->seq) {
        rc = AXCON_ENOMEM;
        goto cleanup;
    }
    for (size_t ci = 0; ci < st->nchains; ci++) {
        chain_t *ch = &st->chains[ci];
        char *sq = st->seq + ch->off + ci;
        size_t nfallback = 0;
        for (size_t k = 0; k < ch->nres; k++) {
            axcon_residue_t *r = &st->res[ch->off + k];
            sq[k] = r->aa;
            if (r->aa == 'G') {
                r->has_rep = r->has_ca;
                if (r->has_ca) memcpy(r->rep, r->ca, sizeof r->rep);
            } else if (r->has_cb) {
                r->has_rep = 1;
                memcpy(r->rep, r->cb, sizeof r->rep);
            } else if (r->has_ca) {
                r->has_rep = 1;
                memcpy(r->rep, r->ca, sizeof r->rep);
                nfallback++;
            }
        }
        sq[ch->nres] = '\0';
        if (nfallback)
            axcon_warn("%s: chain '%s': %zu non-glycine residue(s) without C-beta; their C-alpha is used instead",
                       name, ch->id, nfallback);
    }
    st->cur = 0;
cleanup:
    free(atom_chain_idx);
    free(tab.keys);
    free(tab.vals);
    return rc;
}

/* Parse a mutable NUL-terminated buffer (modified in place). */
static int parse_owned(const char *name, char *buf, size_t len, const char *chain, axcon_structure_t **out,
                       axcon_error_t *err)
{
    atoms_t atoms = {NULL, 0, 0};
    axcon_structure_t *st = NULL;
    int rc;
    *out = NULL;
    int is_cif = format_is_cif(buf, len);
    rc = is_cif ? parse_cif(name, buf, len, &atoms, err) : parse_pdb(name, buf, len, &atoms, err);
    if (rc != AXCON_OK) goto cleanup;
    st = ax_alloc(1, sizeof *st, 1, "structure", err);
    if (!st) {
        rc = AXCON_ENOMEM;
        goto cleanup;
    }
    st->format = is_cif ? "mmcif" : "pdb";
    if ((rc = build_chains(name, &atoms, chain, is_cif, st, err)) != AXCON_OK) goto cleanup;
    *out = st;
    st = NULL;
cleanup:
    axcon_structure_free(st);
    free(atoms.v);
    return rc;
}

int axcon_structure_parse(const char *name, const char *cbuf, size_t len, const char *chain,
                          axcon_structure_t **out, axcon_error_t *err)
{
    char *buf = NULL;
    *out = NULL;
    int rc = axe_copy(name, cbuf, len, &buf, err);
    if (rc != AXCON_OK) return rc;
    rc = parse_owned(name, buf, strlen(buf), chain, out, err);
    free(buf);
    return rc;
}

int axcon_structure_read(const char *path, const char *chain, axcon_structure_t **out, axcon_error_t *err)
{
    char *buf = NULL;
    size_t len = 0;
    *out = NULL;
    int rc = axe_slurp(path, &buf, &len, err);
    if (rc != AXCON_OK) return rc;
    rc = parse_owned(!strcmp(path, "-") ? "<stdin>" : path, buf, len, chain, out, err);
    free(buf);
    return rc;
}

void axcon_structure_free(axcon_structure_t *st)
{
    if (!st) return;
    free(st->chains);
    free(st->res);
    free(st->seq);
    free(st);
}

const char *axcon_structure_format(const axcon_structure_t *st) { return st->format; }
size_t axcon_structure_nchains(const axcon_structure_t *st) { return st->nchains; }
const char *axcon_structure_chain_id(const axcon_structure_t *st, size_t c)
{
    return c < st->nchains ? st->chains[c].id : NULL;
}
int axcon_structure_select(axcon_structure_t *st, size_t c)
{
    if (c >= st->nchains) return -1;
    st->cur = c;
    return 0;
}
size_t axcon_structure_selected(const axcon_structure_t *st) { return st->cur; }
const char *axcon_structure_chain(const axcon_structure_t *st) { return st->chains[st->cur].id; }
size_t axcon_structure_nres(const axcon_structure_t *st) { return st->chains[st->cur].nres; }
const axcon_residue_t *axcon_structure_residue(const axcon_structure_t *st, size_t k)
{
    const chain_t *ch = &st->chains[st->cur];
    return k < ch->nres ? &st->res[ch->off + k] : NULL;
}
const char *axcon_structure_seq(const axcon_structure_t *st) { return st->seq + st->chains[st->cur].off + st->cur; }
