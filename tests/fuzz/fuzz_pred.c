/* fuzz_pred.c - fuzz target for the contact prediction readers of `axcon eval`
 * (include/axcon/pred.h): rr, mat, tsv, csv, plmc, freecontact, psicov, gremlin and auto, plain or gzip.
 *
 * Input: byte 0 selects the options, the rest is the file.
 *   bits 0-2: format (0 auto, 1 rr, 2 mat, 3 tsv, 4 csv, 5 plmc, 6 freecontact, 7 psicov)
 *   bit 3: query length 50 (else 0 = unknown)
 *   bit 4: read through a file (axcon_pred_read, zlib) instead of axcon_pred_parse
 *   bit 5: format gremlin (instead of bits 0-2)
 * A parsed prediction is checked against the header's promises (1 <= i < j, within the
 * length, finite scores, rank order, no duplicate pair). */
#include "fuzz_common.h"

#include <math.h>

#include "axcon/pred.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned sel;
    if (!fz_selector(&data, &size, &sel)) return 0;
    axcon_pred_format_t fmt = (sel & 32) ? AXCON_PRED_GREMLIN : (axcon_pred_format_t)(sel & 7);
    int length = (sel & 8) ? 50 : 0;
    axcon_pred_t *p = NULL;
    axcon_error_t err;
    axcon_error_clear(&err);
    int rc;
    if (sel & 16) {
        const char *path = fz_file(data, size);
        if (!path) return 0;
        rc = axcon_pred_read(path, fmt, length, &p, &err);
    } else {
        rc = axcon_pred_parse("fuzz", (const char *)data, size, fmt, length, &p, &err);
    }
    if (rc != AXCON_OK) {
        FZ_CHECK(p == NULL);
        fz_check_error(rc, &err);
        return 0;
    }
    FZ_CHECK(p != NULL);
    axcon_pred_format_t got = axcon_pred_format(p);
    FZ_CHECK(got != AXCON_PRED_AUTO && (fmt == AXCON_PRED_AUTO || got == fmt));
    axcon_pred_format_t back;
    FZ_CHECK(axcon_pred_format_parse(axcon_pred_format_name(got), &back) == 0 && back == got);
    size_t n = axcon_pred_npairs(p);
    const axcon_pred_pair_t *v = axcon_pred_pairs(p);
    FZ_CHECK(n >= 1 && v != NULL);
    int maxpos = 0;
    for (size_t k = 0; k < n; k++) {
        FZ_CHECK(v[k].i >= 1 && v[k].i < v[k].j);
        if (length) FZ_CHECK(v[k].j <= length);
        FZ_CHECK(isfinite(v[k].score) && fabs(v[k].score) <= 1e12);
        if (v[k].j > maxpos) maxpos = v[k].j;
        if (k > 0) {
            const axcon_pred_pair_t *a = &v[k - 1], *b = &v[k];
            int ordered = a->score > b->score ||
                          (a->score == b->score && (a->i < b->i || (a->i == b->i && a->j < b->j)));
            FZ_CHECK(ordered); /* also rules out a duplicate next to its twin */
        }
    }
    FZ_CHECK(axcon_pred_max_pos(p) == maxpos);
    FZ_CHECK(axcon_pred_length(p) >= 0);
    const char *seq = axcon_pred_seq(p);
    if (seq) FZ_CHECK((int)strlen(seq) == axcon_pred_length(p));
    if (got == AXCON_PRED_MAT) FZ_CHECK(axcon_pred_length(p) >= maxpos);
    axcon_pred_free(p);
    return 0;
}
