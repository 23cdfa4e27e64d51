/* fuzz_truth.c - fuzz target for the truth TSV reader (axcon_truth_read, include/axcon/eval.h),
 * plain or gzip. The reader takes a path only, so every input goes through an anonymous file.
 *
 * Input: byte 0 selects the options, the rest is the file.
 *   bits 0-1: query length (0 unknown, 1 -> 10, 2 -> 100, 3 -> 1000)
 * A parsed truth is checked against the header's promises (pairs i < j within the length,
 * ordered, both positions observed, distances finite and consistent with the lookups). */
#include "fuzz_common.h"

#include <math.h>

#include "axcon/eval.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_quiet();
    if (size < 1) return 0;
    static const int lengths[4] = {0, 10, 100, 1000};
    int length = lengths[data[0] & 3];
    const char *path = fz_file(data + 1, size - 1);
    if (!path) return 0;
    axcon_truth_t *t = NULL;
    axcon_error_t err;
    axcon_error_clear(&err);
    int rc = axcon_truth_read(path, length, &t, &err);
    if (rc != AXCON_OK) {
        FZ_CHECK(t == NULL);
        fz_check_error(rc, &err);
        return 0;
    }
    FZ_CHECK(t != NULL);
    int L = axcon_truth_length(t);
    FZ_CHECK(L >= 2 && (length == 0 || L == length));
    /* positions go up to 10^8: scan them all only for lengths the protocol meets */
    FZ_CHECK(axcon_truth_nobserved(t) >= 2 && axcon_truth_nobserved(t) <= L);
    FZ_CHECK(!axcon_truth_observed(t, 0) && !axcon_truth_observed(t, L + 1));
    if (L <= 100000) {
        int nobs = 0;
        for (int i = 1; i <= L; i++) {
            int o = axcon_truth_observed(t, i);
            FZ_CHECK(o == 0 || o == 1);
            nobs += o;
        }
        FZ_CHECK(nobs == axcon_truth_nobserved(t));
    }
    size_t np = axcon_truth_npairs(t);
    FZ_CHECK(np >= 1);
    int pi = 0, pj = 0;
    for (size_t k = 0; k < np; k++) {
        int i, j;
        double d;
        axcon_truth_pair(t, k, &i, &j, &d);
        FZ_CHECK(i >= 1 && i < j && j <= L);
        FZ_CHECK(i > pi || (i == pi && j > pj));
        FZ_CHECK(isfinite(d) && d >= 0.0);
        FZ_CHECK(axcon_truth_observed(t, i) && axcon_truth_observed(t, j));
        FZ_CHECK(axcon_truth_distance(t, i, j) == d && axcon_truth_distance(t, j, i) == d);
        FZ_CHECK(axcon_truth_contact(t, i, j) == (d < AXCON_CONTACT_CUTOFF));
        pi = i;
        pj = j;
    }
    axcon_truth_pair(t, np, &pi, &pj, &(double){0});
    FZ_CHECK(pi == 0 && pj == 0);
    axcon_truth_free(t);
    return 0;
}
