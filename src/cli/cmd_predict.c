/* cmd_predict.c - `axcon predict`: read an alignment, run the chosen model (axcon_predict)
 * and write the ranked contacts in one of the output formats, atomically at -o or to stdout.
 * The options and the per-alignment step are shared with `axcon batch` (cli_predopts.c). */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "axcon/attn.h"
#include "axcon/head.h"
#include "axcon/npz.h"
#include "axcon/log.h"
#include "axcon/ofile.h"
#include "cli.h"

#define DUMP_MIN_A 0.01 /* --dump-attention writes attention weights >= this (<= 100 per row) */

/* --dump-attention FILE: opened (as a temporary file) before the computation so a bad path
 * fails early; the maps arrive from the model after training (axcon/attn.h) and the file is
 * committed only once the contacts are written (both atomic). A name ending in .gz is
 * gzip-compressed. */
typedef struct side_file {
    const char *path;
    axcon_ofile_t *of;
    int written;          /* set by the callback that fills it */
    const char *missing;  /* the internal error when a successful prediction did not fill it */
} side_file_t;

/* Once the prediction ended (ok: it succeeded), commit the open side files in order, or remove
 * every one still open after the first failure; returns the first error's status. */
static int finish_side_files(side_file_t *const *s, int n, int ok, axcon_error_t *err)
{
    int rc = ok ? AXCON_OK : (err->status != AXCON_OK ? err->status : AXCON_EINTERNAL);
    for (int k = 0; k < n; k++) {
        if (!s[k]->of) continue;
        if (rc == AXCON_OK && !s[k]->written) rc = axcon_error_set(err, AXCON_EINTERNAL, "%s", s[k]->missing);
        if (rc == AXCON_OK) rc = axcon_ofile_commit(s[k]->of, err); /* frees it whatever the outcome */
        else axcon_ofile_abort(s[k]->of);
        s[k]->of = NULL;
    }
    return rc;
}

static int ends_with_gz(const char *s)
{
    size_t n = strlen(s);
    return n >= 3 && !strcmp(s + n - 3, ".gz");
}

/* gzip the n bytes of buf to fp. */
static int gzip_to(FILE *fp, const char *buf, size_t n, axcon_error_t *err)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return axcon_error_set(err, AXCON_ENOMEM, "--dump-attention: cannot start gzip");
    unsigned char out[65536];
    const char *p = buf;
    size_t left = n;
    int zr = Z_OK;
    do {
        size_t chunk = left > (1u << 30) ? (1u << 30) : left;
        z.next_in = (unsigned char *)(uintptr_t)p;
        z.avail_in = (uInt)chunk;
        p += chunk;
        left -= chunk;
        int flush = left ? Z_NO_FLUSH : Z_FINISH;
        do {
            z.next_out = out;
            z.avail_out = sizeof out;
            zr = deflate(&z, flush);
            size_t have = sizeof out - z.avail_out;
            if (have && fwrite(out, 1, have, fp) != have) zr = Z_ERRNO;
        } while (zr == Z_OK && z.avail_out == 0);
    } while (left && zr == Z_OK);
    deflateEnd(&z);
    if (zr != Z_STREAM_END) return axcon_error_set(err, AXCON_EIO, "--dump-attention: gzip write failed");
    return AXCON_OK;
}

static int dump_maps(void *vctx, const axcon_attn_maps_t *maps, axcon_error_t *err)
{
    side_file_t *d = vctx;
    int st;
    if (d->written++) return AXCON_OK; /* one set of maps per run */
    if (!ends_with_gz(d->path)) return axcon_attn_maps_write(axcon_ofile_fp(d->of), maps, DUMP_MIN_A, err);
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    if (!mem) return axcon_error_set(err, AXCON_ENOMEM, "--dump-attention: no memory for the text");
    st = axcon_attn_maps_write(mem, maps, DUMP_MIN_A, err);
    if (fclose(mem) != 0 && st == AXCON_OK) st = axcon_error_set(err, AXCON_ENOMEM, "--dump-attention: text buffer");
    if (st == AXCON_OK) st = gzip_to(axcon_ofile_fp(d->of), buf, len, err);
    free(buf);
    return st;
}

/* --dump-features with -m attn also keeps the trained model's attention maps, symmetrised and
 * scaled to uniform = 1: Asym[h][i][j] = (L - 1) (A_hij + A_hji) / 2 (float), and the heads'
 * value norms; they arrive before the head input. */
typedef struct feat_maps {
    size_t L, H;
    float *A;     /* H x L x L */
    double *vn;   /* H */
} feat_maps_t;

typedef struct feat_ctx {
    side_file_t file;
    feat_maps_t maps;
    side_file_t *dump;   /* --dump-attention's file too, or NULL */
} feat_ctx_t;

static int keep_maps(void *vctx, const axcon_attn_maps_t *mp, axcon_error_t *err)
{
    feat_ctx_t *fc = vctx;
    int st;
    if (fc->dump && (st = dump_maps(fc->dump, mp, err)) != AXCON_OK) return st;
    if (fc->maps.A) return AXCON_OK; /* one set of maps per run */
    const size_t L = mp->L, H = mp->H;
    if (L && H > SIZE_MAX / L / L / sizeof(float))
        return axcon_error_set(err, AXCON_ENOMEM, "--dump-features: attention maps too large");
    fc->maps.A = malloc(H * L * L * sizeof(float) + (H * L * L == 0));
    fc->maps.vn = malloc(H * sizeof(double) + (H == 0));
    if (!fc->maps.A || !fc->maps.vn)
        return axcon_error_set(err, AXCON_ENOMEM, "--dump-features: no memory for %zu attention maps", H);
    const double sc = L > 1 ? (double)(L - 1) / 2.0 : 0.0;
    for (size_t h = 0; h < H; h++) {
        const double *a = mp->A + h * L * L;
        float *o = fc->maps.A + h * L * L;
        for (size_t i = 0; i < L; i++)
            for (size_t j = 0; j < L; j++) o[i * L + j] = (float)(sc * (a[i * L + j] + a[j * L + i]));
        fc->maps.vn[h] = mp->value_norm[h];
    }
    fc->maps.L = L;
    fc->maps.H = H;
    return AXCON_OK;
}

/* --dump-features FILE.npz: what the contact head takes as input, as numpy arrays (opened
 * early like --dump-attention, committed after the prediction). */
static int dump_features(void *vctx, const axcon_head_input_t *in, axcon_error_t *err)
{
    feat_ctx_t *fc = vctx;
    side_file_t *d = &fc->file;
    const feat_maps_t *fm = &fc->maps;
    const size_t HLL[3] = {fm->H, fm->L, fm->L};
    axcon_npz_t *z = NULL;
    const size_t L = in->L, LL[2] = {L, L}, LQ[2] = {L, AXCON_Q};
    const double neff = in->neff;
    const int32_t nseq = in->nseq > INT32_MAX ? INT32_MAX : (int32_t)in->nseq;
    const int32_t nd = in->ndistinct > INT32_MAX ? INT32_MAX : (int32_t)in->ndistinct;
    int st;
    if (d->written++) return AXCON_OK;
    if ((st = axcon_npz_begin(axcon_ofile_fp(d->of), &z, err)) != AXCON_OK) return st;
    if ((st = axcon_npz_add(z, "pos", AXCON_NPZ_I4, 1, &L, in->pos, err)) != AXCON_OK ||
        (in->F && (st = axcon_npz_add(z, "F", AXCON_NPZ_F8, 2, LL, in->F, err)) != AXCON_OK) ||
        (st = axcon_npz_add(z, "M", AXCON_NPZ_F8, 2, LL, in->M, err)) != AXCON_OK ||
        (st = axcon_npz_add(z, "freq", AXCON_NPZ_F8, 2, LQ, in->freq, err)) != AXCON_OK ||
        (st = axcon_npz_add(z, "neff", AXCON_NPZ_F8, 0, NULL, &neff, err)) != AXCON_OK ||
        (st = axcon_npz_add(z, "nseq", AXCON_NPZ_I4, 0, NULL, &nseq, err)) != AXCON_OK ||
        (st = axcon_npz_add(z, "ndistinct", AXCON_NPZ_I4, 0, NULL, &nd, err)) != AXCON_OK ||
        (fm->A && fm->L == L && (st = axcon_npz_add(z, "A", AXCON_NPZ_F4, 3, HLL, fm->A, err)) != AXCON_OK) ||
        (fm->A && fm->L == L && (st = axcon_npz_add(z, "vnorm", AXCON_NPZ_F8, 1, HLL, fm->vn, err)) != AXCON_OK)) {
        axcon_npz_free(z);
        return st;
    }
    return axcon_npz_end(z, err);
}

/* --save-couplings FILE.npz: the fitted Potts model (plm, attn), zero-sum gauge
 * (axcon_potts_write_npz); opened early, committed after the prediction. */
static int save_couplings(void *vctx, const axcon_msa_t *msa, const axcon_potts_t *m, axcon_error_t *err)
{
    side_file_t *d = vctx;
    if (d->written++) return AXCON_OK;
    axcon_info("writing the fields and couplings of %zu columns to %s (%.2f GB)", m->L, d->path,
               4.0 * 441.0 * (double)m->L * (double)m->L / 1e9);
    return axcon_potts_write_npz(axcon_ofile_fp(d->of), m, msa, err);
}

static void predict_usage(FILE *fp)
{
    fprintf(fp,
            "Usage: axcon predict [options] MSA\n\n"
            "Predict residue contacts from an alignment (FASTA, A3M, A2M, PSICOV .aln or Stockholm; plain, gzip\n"
            "or BGZF; '-' = stdin). Positions are 1-based query positions; the first sequence is the query.\n\n"
            "Options:\n"
            "  -o, --output FILE     write here (atomically) instead of stdout ('-' = stdout)\n"
            "  --dump-attention FILE attn: also write the trained attention maps (per head, weights\n"
            "                        >= 0.01), each position's attention entropy and the heads' value\n"
            "                        norms as TSV (gzip if FILE ends in .gz); see README\n"
            "  --dump-features FILE  also write the contact head's inputs as a numpy .npz (pos, F =\n"
            "                        the method's APC scores, M = mean-field APC scores, freq, neff,\n"
            "                        nseq, ndistinct; -m attn: A = the heads' attention maps,\n"
            "                        symmetrised, uniform = 1, and vnorm = their value norms; for\n"
            "                        training the head, scripts/train_head.py)\n"
            "  --save-couplings FILE plm, attn: also write the fitted Potts model as a numpy .npz:\n"
            "                        h (L x 21), J (L x L x 21 x 21) float32 in the zero-sum gauge,\n"
            "                        pos, seq, alphabet (4 L^2 441 bytes: 0.16 GB at L = 300)\n"
            "  -h, --help            this help\n");
    cli_predopts_usage(fp);
    fprintf(fp,
            "\nFormats: tsv = i, j, score, probability (ranked); rr = CASP RR with calibrated probabilities;\n"
            "mat = L x L score matrix; csv = EVcouplings CouplingScores.csv; plmc = i A_i j A_j 0 score;\n"
            "rosetta = AtomPair constraints (CB, CA for Gly, SIGMOID 8 A weighted by probability).\n");
}

int axcon_cmd_predict(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_PREDICT_LONGOPTS, {"output", required_argument, 0, 'o'}, {"help", no_argument, 0, 'h'},
        {"dump-attention", required_argument, 0, CLI_OPT_FIRST_FREE},
        {"dump-features", required_argument, 0, CLI_OPT_FIRST_FREE + 1},
        {"save-couplings", required_argument, 0, CLI_OPT_FIRST_FREE + 2}, {0, 0, 0, 0}};
    static const char *cmd = "predict";
    axcon_error_t err;
    axcon_error_clear(&err);
    cli_predopts_t p;
    cli_predopts_init(&p);
    const char *out_path = "-";
    side_file_t dump = {NULL, NULL, 0, "--dump-attention: the model produced no attention maps"};
    feat_ctx_t fc = {{NULL, NULL, 0, "--dump-features: the prediction produced no head input"}, {0, 0, NULL, NULL},
                     NULL};
    side_file_t pot = {NULL, NULL, 0, "--save-couplings: the model handed over no couplings"};
    side_file_t *const sides[] = {&pot, &fc.file, &dump}; /* commit order */
    int c, r;
    optind = 1;
    opterr = 0; /* we print our own one-line errors */
    while ((c = getopt_long(argc, argv, ":" CLI_PREDICT_SHORTOPTS "o:h", longopts, NULL)) != -1) {
        if ((r = cli_predopts_handle(&p, c, optarg, cmd)) != 0) {
            if (r < 0) return -r;
            continue;
        }
        switch (c) {
        case 'o': out_path = optarg; break;
        case CLI_OPT_FIRST_FREE:
            if (!*optarg) return cli_usage_error(cmd, "--dump-attention needs a file name");
            dump.path = optarg;
            break;
        case CLI_OPT_FIRST_FREE + 1:
            if (!*optarg) return cli_usage_error(cmd, "--dump-features needs a file name");
            fc.file.path = optarg;
            break;
        case CLI_OPT_FIRST_FREE + 2:
            if (!*optarg) return cli_usage_error(cmd, "--save-couplings needs a file name");
            pot.path = optarg;
            break;
        case 'h': predict_usage(stdout); return AXCON_EXIT_OK;
        case ':': return cli_usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
        default:
            if (optopt > 0 && optopt < 256) return cli_usage_error(cmd, "unknown option '-%c'", optopt);
            return cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc - 1) return cli_usage_error(cmd, "expected exactly one MSA argument");
    if (cli_threads(cmd, p.threads) < 0) return AXCON_EXIT_USER;
    if (dump.path) {
        if (p.po.method != AXCON_METHOD_ATTN)
            return cli_usage_error(cmd, "--dump-attention needs -m attn (the other methods have no attention maps)");
        p.po.attn_maps = dump_maps;
        p.po.attn_maps_ctx = &dump;
        if (!p.dry_run && axcon_ofile_open(dump.path, &dump.of, &err) != AXCON_OK) return cli_fail(&err);
    }
    if (pot.path) {
        if (p.po.method == AXCON_METHOD_MF)
            return cli_usage_error(cmd, "--save-couplings needs -m plm or -m attn (mean-field DCA fits no fields)");
        p.po.potts = save_couplings;
        p.po.potts_ctx = &pot;
        if (!p.dry_run && axcon_ofile_open(pot.path, &pot.of, &err) != AXCON_OK) {
            axcon_ofile_abort(dump.of);
            return cli_fail(&err);
        }
    }
    if (fc.file.path) {
        p.po.head_input = dump_features;
        p.po.head_input_ctx = &fc;
        if (p.po.method == AXCON_METHOD_ATTN) { /* the attention maps go into the archive too */
            fc.dump = p.po.attn_maps ? &dump : NULL;
            p.po.attn_maps = keep_maps;
            p.po.attn_maps_ctx = &fc;
        }
        if (!p.dry_run && axcon_ofile_open(fc.file.path, &fc.file.of, &err) != AXCON_OK) {
            axcon_ofile_abort(dump.of);
            axcon_ofile_abort(pot.of);
            return cli_fail(&err);
        }
    }
    int ok = cli_predict_file(argv[optind], out_path, &p, NULL, &err) == AXCON_OK;
    int st = finish_side_files(sides, 3, ok, &err);
    free(fc.maps.A);
    free(fc.maps.vn);
    if (st != AXCON_OK) return cli_fail(&err);
    return AXCON_EXIT_OK;
}
