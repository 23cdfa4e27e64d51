/* attn_maps.c - owns the attention maps handed out after training (--dump-attention): the
 * per-row entropies, value norms and bias scales of a trained model, and their text format. */
#include "axcon/attn.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "core/util.h"
#include "model/attn_impl.h"

/* ---------------------------------------------------------------- attention maps */

/* Hand the maps of x (m->A recomputed) to the callback. */
int ax_attn_emit_maps(ax_attn_model_t *m, const double *x, const axcon_attn_opts_t *o, axcon_error_t *err)
{
    const size_t L = m->L, H = m->H;
    int rc = AXCON_OK;
    double *ent = ax_alloc(H * L, sizeof(double), 0, "attn: attention entropy", err);
    double *vn = ax_alloc(H, sizeof(double), 0, "attn: value norms", err);
    double *gs = ax_alloc(H, sizeof(double), 0, "attn: bias scales", err);
    if (!ent || !vn || !gs) {
        rc = AXCON_ENOMEM;
        goto done;
    }
    ax_attn_softmax(m, x);
#pragma omp parallel for schedule(static)
    for (long r = 0; r < (long)(H * L); r++) {
        const double *a = m->A + (size_t)r * L;
        double e = 0;
        for (size_t j = 0; j < L; j++)
            if (a[j] > 0) e -= a[j] * log(a[j]);
        ent[r] = e > 0 ? e : 0.0;
    }
    for (size_t h = 0; h < H; h++) {
        const double *v = x + m->off_v + h * QQ;
        double ss = 0;
        for (size_t a = 0; a < 20; a++)
            for (size_t b = 0; b < 20; b++) ss += v[a * Q21 + b] * v[a * Q21 + b];
        vn[h] = sqrt(ss);
        gs[h] = x[m->off_g + h];
    }
    axcon_attn_maps_t mp = {L, H, o->maps_pos, m->A, ent, vn, m->bias ? gs : NULL};
    rc = o->maps_cb(o->maps_ctx, &mp, err);
    if (rc > 0) rc = axcon_error_set(err, AXCON_EINTERNAL, "attn: the maps callback returned %d", rc);
done:
    free(ent);
    free(vn);
    free(gs);
    return rc;
}

int axcon_attn_maps_write(FILE *fp, const axcon_attn_maps_t *mp, double min_a, axcon_error_t *err)
{
    if (!fp || !mp || !mp->A || !mp->entropy || !mp->value_norm)
        return axcon_error_set(err, AXCON_EUSAGE, "attn maps: NULL argument");
    if (!(min_a > 0 && min_a <= 1))
        return axcon_error_set(err, AXCON_EUSAGE, "attn maps: threshold must be in (0, 1], got %g", min_a);
    const size_t L = mp->L, H = mp->H;
    fprintf(fp, "# axcon attention maps v1 (-m attn): %zu heads, %zu columns, A rows with a_ij >= %g\n", H, L, min_a);
    fprintf(fp, "# A head i j a_ij: attention of position i on j (softmax over j != i; a row sums to 1)\n");
    fprintf(fp, "# E head i . entropy: -sum_j a_ij ln a_ij of row i in nats, 0 (one j) .. ln(L-1) = %.6g (uniform)\n",
            L > 1 ? log((double)(L - 1)) : 0.0);
    fprintf(fp, "# V head . . |V|: Frobenius norm of the head's 20 x 20 value matrix (its weight in the couplings)\n");
    if (mp->bias_scale)
        fprintf(fp, "# G head . . g: learned scale of the head's fixed mean-field logit bias\n");
    fprintf(fp, "# heads are 1-based; i, j are 1-based query positions; the maps explain the attention part\n"
                "# of the couplings only (J = Ws + R: the free residual R is not attention)\n");
    fprintf(fp, "kind\thead\ti\tj\tvalue\n");
    for (size_t h = 0; h < H; h++) {
        fprintf(fp, "V\t%zu\t.\t.\t%.6g\n", h + 1, mp->value_norm[h]);
        if (mp->bias_scale) fprintf(fp, "G\t%zu\t.\t.\t%.6g\n", h + 1, mp->bias_scale[h]);
    }
    for (size_t h = 0; h < H; h++)
        for (size_t i = 0; i < L; i++) {
            const double *a = mp->A + (h * L + i) * L;
            int pi = mp->pos ? mp->pos[i] : (int)i + 1;
            fprintf(fp, "E\t%zu\t%d\t.\t%.6g\n", h + 1, pi, mp->entropy[h * L + i]);
            for (size_t j = 0; j < L; j++)
                if (j != i && a[j] >= min_a)
                    fprintf(fp, "A\t%zu\t%d\t%d\t%.6g\n", h + 1, pi, mp->pos ? mp->pos[j] : (int)j + 1, a[j]);
        }
    if (ferror(fp)) return axcon_error_set(err, AXCON_EIO, "attn maps: write error");
    return AXCON_OK;
}

