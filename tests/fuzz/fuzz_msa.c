/* fuzz_msa.c - fuzz target for the alignment reader (include/axcon/msa.h): every format
 * (autodetected or forced), plain, gzip and BGZF input, from memory and through a file.
 *
 * Input: byte 0 selects the options, the rest is the file.
 *   bits 0-2: format (0 auto, 1 fasta, 2 a3m, 3 a2m, 4 psicov, 5 stockholm, 6-7 auto)
 *   bit 3: max_seq_gap = 0.5     bit 4: max_col_gap = 0.5
 *   bit 5: max_line = 64         bit 6: max_seqs = 4
 *   bit 7: read through a file (axcon_msa_read, HTSlib hFILE) instead of axcon_msa_parse
 * A parsed alignment is checked against the header's promises (codes 0..20, increasing
 * query numbering within the query length, no gap filter violations). */
#include "fuzz_common.h"

#include "axcon/msa.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned sel;
    if (!fz_selector(&data, &size, &sel)) return 0;
    axcon_msa_opts_t o;
    axcon_msa_opts_init(&o);
    static const axcon_msa_format_t fmts[8] = {AXCON_FMT_AUTO, AXCON_FMT_FASTA,  AXCON_FMT_A3M,
                                               AXCON_FMT_A2M,  AXCON_FMT_PSICOV, AXCON_FMT_STOCKHOLM,
                                               AXCON_FMT_AUTO, AXCON_FMT_AUTO};
    o.format = fmts[sel & 7];
    if (sel & 8) o.max_seq_gap = 0.5;
    if (sel & 16) o.max_col_gap = 0.5;
    if (sel & 32) o.max_line = 64;
    if (sel & 64) o.max_seqs = 4;

    axcon_msa_t *msa = NULL;
    axcon_error_t err;
    axcon_error_clear(&err);
    int rc;
    if (sel & 128) {
        const char *path = fz_file(data, size);
        if (!path) return 0;
        rc = axcon_msa_read(path, &o, &msa, &err);
    } else {
        rc = axcon_msa_parse("fuzz", (const char *)data, size, &o, &msa, &err);
    }
    if (rc != AXCON_OK) {
        FZ_CHECK(msa == NULL);
        fz_check_error(rc, &err);
        return 0;
    }
    FZ_CHECK(msa != NULL);
    size_t N = axcon_msa_nseq(msa), L = axcon_msa_ncol(msa);
    FZ_CHECK(N >= 1 && L >= 1);
    FZ_CHECK(N <= axcon_msa_nseq_read(msa) && L <= axcon_msa_ncol_match(msa));
    if (o.max_seqs) FZ_CHECK(axcon_msa_nseq_read(msa) <= o.max_seqs);
    if (o.format != AXCON_FMT_AUTO) FZ_CHECK(axcon_msa_format(msa) == o.format);
    FZ_CHECK(axcon_msa_format(msa) != AXCON_FMT_AUTO);
    const char *qs = axcon_msa_query_seq(msa);
    size_t qlen = axcon_msa_query_len(msa);
    FZ_CHECK(qs && strlen(qs) == qlen);
    FZ_CHECK(axcon_msa_query_name(msa) != NULL);
    const uint8_t *d = axcon_msa_data(msa);
    size_t gaps = 0;
    for (size_t k = 0; k < N * L; k++) {
        FZ_CHECK(d[k] <= AXCON_GAP);
        gaps += d[k] == AXCON_GAP;
    }
    double gf = axcon_msa_gap_fraction(msa);
    FZ_CHECK(gf >= 0.0 && gf <= 1.0);
    int prev = 0;
    for (size_t c = 0; c < L; c++) {
        int p = axcon_msa_col_pos(msa, c);
        FZ_CHECK(p > prev && (size_t)p <= qlen);
        /* a kept column is a query residue: its code matches the query letter's */
        int qc = axcon_aa_code((unsigned char)qs[p - 1]);
        FZ_CHECK(qc >= 0 && axcon_msa_row(msa, 0)[c] == (uint8_t)qc);
        prev = p;
    }
    FZ_CHECK(axcon_msa_col_pos(msa, L) == 0);
    for (size_t n = 0; n < N; n++) {
        FZ_CHECK(axcon_msa_row(msa, n) == d + n * L);
        FZ_CHECK(axcon_msa_seq_name(msa, n) != NULL);
    }
    FZ_CHECK(axcon_msa_row(msa, N) == NULL && axcon_msa_seq_name(msa, N) == NULL);
    axcon_msa_free(msa);
    return 0;
}
