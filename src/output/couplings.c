/* couplings.c - stage 6 (output): the fitted Potts model as arrays for machine learning.
 *
 * Owns: axcon_potts_write_npz (axcon/output.h), the `--save-couplings FILE.npz` archive:
 * the model of -m plm or -m attn (axcon/pll.h) moved to the zero-sum gauge and written as
 * full float32 arrays, with the query positions and residues of its columns. The coupling
 * array is streamed one row i (L x 21 x 21) at a time, so the archive costs no second copy
 * of the L^2 q^2 couplings. */
#include "axcon/output.h"

#include <stdlib.h>
#include <string.h>

#include "axcon/npz.h"
#include "core/util.h"

#define Q AXCON_Q
#define QQ (Q * Q)

typedef struct {
    const axcon_potts_t *m;
} jrow_t;

/* Row means r, column means c and the mean of a 21 x 21 block. */
static double block_means(const float *B, double *r, double *c)
{
    double all = 0;
    for (int a = 0; a < Q; a++) r[a] = c[a] = 0;
    for (int a = 0; a < Q; a++)
        for (int b = 0; b < Q; b++) {
            r[a] += B[a * Q + b];
            c[b] += B[a * Q + b];
        }
    for (int a = 0; a < Q; a++) {
        all += r[a];
        r[a] /= Q;
        c[a] /= Q;
    }
    return all / (double)QQ;
}

/* Block (i, j), i < j, in the zero-sum gauge: B - row means - column means + mean. */
static void gauge_block(const float *B, double *out)
{
    double r[Q], c[Q], all = block_means(B, r, c);
    for (int a = 0; a < Q; a++)
        for (int b = 0; b < Q; b++) out[a * Q + b] = B[a * Q + b] - r[a] - c[b] + all;
}

/* Row i of J: L blocks 21 x 21, block j = J_ij(a, b) with a at i, b at j. */
static int fill_j(void *ctx, size_t i, void *buf, axcon_error_t *err)
{
    const axcon_potts_t *m = ((jrow_t *)ctx)->m;
    float *out = buf;
    double g[QQ];
    (void)err;
    for (size_t j = 0; j < m->L; j++) {
        float *o = out + j * QQ;
        if (j == i) {
            memset(o, 0, QQ * sizeof *o);
            continue;
        }
        size_t lo = i < j ? i : j, hi = i < j ? j : i;
        gauge_block(m->J + axcon_pll_sym_offset(lo, hi, m->L), g);
        for (int a = 0; a < Q; a++)
            for (int b = 0; b < Q; b++) o[a * Q + b] = (float)(i < j ? g[a * Q + b] : g[b * Q + a]);
    }
    return AXCON_OK;
}

int axcon_potts_write_npz(FILE *fp, const axcon_potts_t *m, const axcon_msa_t *msa, axcon_error_t *err)
{
    if (!fp || !m || !msa || !m->h || (m->L > 1 && !m->J))
        return axcon_error_set(err, AXCON_EUSAGE, "couplings: missing argument");
    const size_t L = m->L;
    if (L != axcon_msa_ncol(msa))
        return axcon_error_set(err, AXCON_EUSAGE, "couplings: the model has %zu columns, the alignment %zu", L,
                               axcon_msa_ncol(msa));
    int st = AXCON_OK;
    double *hd = ax_alloc(L * Q, sizeof *hd, 1, "couplings: fields", err);
    float *hf = ax_alloc(L * Q, sizeof *hf, 0, "couplings: fields", err);
    int32_t *pos = ax_alloc(L ? L : 1, sizeof *pos, 0, "couplings: positions", err);
    char *seq = ax_alloc(L + 1, 1, 0, "couplings: sequence", err);
    axcon_npz_t *z = NULL;
    if (!hd || !hf || !pos || !seq) {
        st = AXCON_ENOMEM;
        goto ERROR;
    }
    /* fields take the row and column means of the couplings (the energy is unchanged up to a
     * constant), then lose their own mean */
    for (size_t i = 0; i < L; i++)
        for (int a = 0; a < Q; a++) hd[i * Q + a] = m->h[i * Q + a];
    for (size_t i = 0; i < L; i++)
        for (size_t j = i + 1; j < L; j++) {
            double r[Q], c[Q], all = block_means(m->J + axcon_pll_sym_offset(i, j, L), r, c);
            for (int a = 0; a < Q; a++) {
                hd[i * Q + a] += r[a] - all;
                hd[j * Q + a] += c[a] - all;
            }
        }
    for (size_t i = 0; i < L; i++) {
        double mean = 0;
        for (int a = 0; a < Q; a++) mean += hd[i * Q + a];
        mean /= Q;
        for (int a = 0; a < Q; a++) hf[i * Q + a] = (float)(hd[i * Q + a] - mean);
    }
    const uint8_t *q0 = axcon_msa_row(msa, 0);
    for (size_t c = 0; c < L; c++) {
        pos[c] = axcon_msa_col_pos(msa, c);
        seq[c] = AXCON_ALPHABET[q0[c] < Q ? q0[c] : AXCON_GAP];
    }
    seq[L] = '\0';
    size_t sh[4] = {L, Q, 0, 0};
    jrow_t jr = {m};
    if ((st = axcon_npz_begin(fp, &z, err)) != AXCON_OK) goto ERROR;
    if ((st = axcon_npz_add(z, "h", AXCON_NPZ_F4, 2, sh, hf, err)) != AXCON_OK) goto ERROR;
    sh[0] = sh[1] = L;
    sh[2] = sh[3] = Q;
    if (L && (st = axcon_npz_add_rows(z, "J", AXCON_NPZ_F4, 4, sh, fill_j, &jr, err)) != AXCON_OK) goto ERROR;
    sh[0] = L;
    if ((st = axcon_npz_add(z, "pos", AXCON_NPZ_I4, 1, sh, pos, err)) != AXCON_OK) goto ERROR;
    if (L && (st = axcon_npz_add_string(z, "seq", seq, err)) != AXCON_OK) goto ERROR;
    if ((st = axcon_npz_add_string(z, "alphabet", AXCON_ALPHABET, err)) != AXCON_OK) goto ERROR;
    st = axcon_npz_end(z, err);
    z = NULL;
ERROR:
    axcon_npz_free(z);
    free(hd);
    free(hf);
    free(pos);
    free(seq);
    return st;
}
