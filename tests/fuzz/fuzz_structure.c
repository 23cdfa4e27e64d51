/* fuzz_structure.c - fuzz target for the structure readers (include/axcon/structure.h): PDB
 * fixed columns and mmCIF _atom_site loops (recognised from the content), plain or gzip.
 *
 * Input: byte 0 selects the options, the rest is the file.
 *   bits 0-1: chain (0 all, 1 "A", 2 "B", 3 "" = all)
 *   bit 2: read through a file (axcon_structure_read, zlib) instead of axcon_structure_parse
 *   bit 3: also map the structure onto a query (axcon_structure_select_best and
 *          axcon_truth_from_structure with the first chain's sequence, a letter changed)
 * A parsed structure is checked against the header's promises. */
#include "fuzz_common.h"

#include "axcon/eval.h"
#include "axcon/structure.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned sel;
    if (!fz_selector(&data, &size, &sel)) return 0;
    static const char *chains[4] = {NULL, "A", "B", ""};
    const char *want = chains[sel & 3];
    axcon_structure_t *st = NULL;
    axcon_error_t err;
    axcon_error_clear(&err);
    int rc;
    if (sel & 4) {
        const char *path = fz_file(data, size);
        if (!path) return 0;
        rc = axcon_structure_read(path, want, &st, &err);
    } else {
        rc = axcon_structure_parse("fuzz", (const char *)data, size, want, &st, &err);
    }
    if (rc != AXCON_OK) {
        FZ_CHECK(st == NULL);
        fz_check_error(rc, &err);
        return 0;
    }
    FZ_CHECK(st != NULL);
    const char *fmt = axcon_structure_format(st);
    FZ_CHECK(!strcmp(fmt, "pdb") || !strcmp(fmt, "mmcif"));
    size_t nc = axcon_structure_nchains(st);
    FZ_CHECK(nc >= 1 && axcon_structure_selected(st) == 0);
    if (want && *want) FZ_CHECK(nc == 1);
    FZ_CHECK(axcon_structure_chain_id(st, nc) == NULL && axcon_structure_select(st, nc) == -1);
    size_t total = 0;
    for (size_t c = 0; c < nc; c++) {
        FZ_CHECK(axcon_structure_select(st, c) == 0);
        const char *id = axcon_structure_chain_id(st, c);
        FZ_CHECK(id && !strcmp(id, axcon_structure_chain(st)));
        size_t n = axcon_structure_nres(st);
        const char *seq = axcon_structure_seq(st);
        FZ_CHECK(n >= 1 && seq && strlen(seq) == n);
        for (size_t k = 0; k < n; k++) {
            const axcon_residue_t *r = axcon_structure_residue(st, k);
            FZ_CHECK(r && r->aa == seq[k] && r->aa != 0);
            FZ_CHECK(axcon_residue_letter(r->resname) == r->aa);
            if (r->has_rep) FZ_CHECK(r->has_ca || r->has_cb);
        }
        FZ_CHECK(axcon_structure_residue(st, n) == NULL);
        total += n;
    }
    FZ_CHECK(total >= nc);
    axcon_structure_select(st, 0);
    if (sel & 8) {
        size_t n = axcon_structure_nres(st);
        char *q = malloc(n + 1);
        FZ_CHECK(q != NULL);
        memcpy(q, axcon_structure_seq(st), n + 1);
        q[n / 2] = q[n / 2] == 'A' ? 'W' : 'A';
        axcon_error_clear(&err);
        rc = axcon_structure_select_best(st, q, &err);
        if (rc != AXCON_OK) {
            fz_check_error(rc, &err);
        } else {
            FZ_CHECK(axcon_structure_selected(st) < nc);
            axcon_truth_t *t = NULL;
            rc = axcon_truth_from_structure(st, q, &t, &err);
            if (rc != AXCON_OK) {
                FZ_CHECK(t == NULL);
                fz_check_error(rc, &err);
            } else {
                FZ_CHECK(axcon_truth_length(t) == (int)n);
                size_t np = axcon_truth_npairs(t);
                for (size_t k = 0; k < np; k++) {
                    int i, j;
                    double dist;
                    axcon_truth_pair(t, k, &i, &j, &dist);
                    FZ_CHECK(i >= 1 && i < j && j <= (int)n && dist >= 0.0 && dist < 1e300);
                    FZ_CHECK(axcon_truth_observed(t, i) && axcon_truth_observed(t, j));
                }
                axcon_truth_free(t);
            }
        }
        free(q);
    }
    axcon_structure_free(st);
    return 0;
}
