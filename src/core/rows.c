/* rows.c - owns the project's one row hash: grouping identical rows of an N x L code matrix
 * (see core/rows.h). Every stage that collapses duplicate sequences (weights, the prepared
 * alignment, the pseudo-likelihood data, the resource estimate) goes through ax_row_groups. */
#include "core/rows.h"

#include <stdlib.h>
#include <string.h>

#include "core/util.h"

uint64_t ax_row_hash(const uint8_t *r, size_t len)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a, finished by a multiply-xorshift */
    for (size_t k = 0; k < len; k++) {
        h ^= r[k];
        h *= 1099511628211ULL;
    }
    h ^= h >> 29;
    h *= 0xC4CEB9FE1A85EC53ULL;
    return h ^ (h >> 32);
}

int ax_row_groups(const uint8_t *codes, size_t nseq, size_t ncol, const double *w, size_t *gid, size_t *first,
                  size_t *ngroups, axcon_error_t *err)
{
    size_t cap = 16, ng = 0;
    *ngroups = 0;
    while (cap < 2 * nseq) {
        if (cap > SIZE_MAX / 4) return axcon_error_set(err, AXCON_ENOMEM, "duplicate rows: %zu sequences", nseq);
        cap *= 2;
    }
    size_t *slot = ax_alloc(cap, sizeof *slot, 0, "duplicate rows (table)", err);
    uint64_t *hs = ax_alloc(nseq ? nseq : 1, sizeof *hs, 0, "duplicate rows (hashes)", err);
    size_t *own = first ? first : ax_alloc(nseq ? nseq : 1, sizeof *own, 0, "duplicate rows (first rows)", err);
    if (!slot || !hs || !own) {
        free(slot);
        free(hs);
        if (own != first) free(own);
        return AXCON_ENOMEM;
    }
    for (size_t k = 0; k < cap; k++) slot[k] = SIZE_MAX;
    for (size_t n = 0; n < nseq; n++) {
        if (w && !(w[n] > 0.0)) {
            gid[n] = SIZE_MAX;
            continue;
        }
        const uint8_t *x = codes + n * ncol;
        uint64_t h = ax_row_hash(x, ncol);
        size_t k = (size_t)h & (cap - 1);
        for (;;) {
            size_t g = slot[k];
            if (g == SIZE_MAX) {
                slot[k] = ng;
                hs[ng] = h;
                own[ng] = n;
                gid[n] = ng++;
                break;
            }
            if (hs[g] == h && memcmp(codes + own[g] * ncol, x, ncol) == 0) {
                gid[n] = g;
                break;
            }
            k = (k + 1) & (cap - 1);
        }
    }
    free(slot);
    free(hs);
    if (own != first) free(own);
    *ngroups = ng;
    return AXCON_OK;
}
