/* cmd_predict.c - `axcon predict`: read an alignment, run the chosen model (axcon_predict)
 * and write the ranked contacts in one of the output formats, atomically at -o or to stdout.
 * The format is -f, else inferred from the -o extension (.rr .casp -> rr, .mat -> mat,
 * .tsv -> tsv, .csv -> csv, .plmc .ec -> plmc, .cst -> rosetta), else tsv. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axcon/log.h"
#include "axcon/msa.h"
#include "axcon/ofile.h"
#include "axcon/output.h"
#include "axcon/predict.h"
#include "axcon/weights.h"
#include "cli.h"

static void predict_usage(FILE *fp)
{
    axcon_predict_opts_t d;
    axcon_predict_opts_init(&d);
    fprintf(fp,
            "Usage: axcon predict [options] MSA\n\n"
            "Predict residue contacts from an alignment (FASTA, A3M, A2M, PSICOV .aln or Stockholm; plain, gzip\n"
            "or BGZF; '-' = stdin). Positions are 1-based query positions; the first sequence is the query.\n\n"
            "Options:\n"
            "  -m, --method NAME     attn, mf (mean-field DCA) or plm (Potts pseudo-likelihood) [%s]\n"
            "  -t, --threads INT     threads [OMP_NUM_THREADS, SLURM_CPUS_PER_TASK, all cores]\n"
            "  -f, --format FMT      rr, mat, tsv, csv, plmc or rosetta [from the -o extension, else tsv]\n"
            "                        (.rr .casp .mat .tsv .csv .plmc .ec .cst)\n"
            "  -o, --output FILE     write here (atomically) instead of stdout ('-' = stdout)\n"
            "  --min-sep INT         leave out pairs with |i-j| below this [%d]\n"
            "  --top K               pairs to write: all, a count (100), xL (1.5L) or L/k (L/5)\n"
            "                        [all; rosetta: 1.5L]\n"
            "  --id FLOAT            identity threshold of the sequence weights [%.2f]\n"
            "  --max-seq-gap FLOAT   drop sequences with a larger gap fraction [1.0 = keep all]\n"
            "  --max-col-gap FLOAT   leave out columns with a larger gap fraction [1.0 = keep all]\n"
            "  --no-apc              do not apply the average product correction\n"
            "  -v, -q                more / less logging on stderr\n"
            "  -h, --help            this help\n\n"
            "Model options:\n"
            "  --pseudocount FLOAT   mf: pseudocount weight [%.2f]\n"
            "  --sharpen INT         mf: passes of attention sharpening after APC [%d]\n"
            "  --tau FLOAT           mf: softmax temperature of the sharpening [%.2f]\n"
            "  --lambda-h FLOAT      plm: L2 strength on fields [%g]\n"
            "  --lambda-j FLOAT      plm: L2 strength on couplings, times (L-1) [%g]\n"
            "  --max-iter INT        plm/attn: optimiser iterations [model default]\n"
            "  --tol FLOAT           plm: relative objective tolerance [model default]\n"
            "  --heads INT           attn: attention heads [model default]\n"
            "  --head-dim INT        attn: query/key size per head [model default]\n"
            "  --attn-lambda FLOAT   attn: regularisation strength [model default]\n\n"
            "Formats: tsv = i, j, score, probability (ranked); rr = CASP RR with calibrated probabilities;\n"
            "mat = L x L score matrix; csv = EVcouplings CouplingScores.csv; plmc = i A_i j A_j 0 score;\n"
            "rosetta = AtomPair constraints (CB, CA for Gly, SIGMOID 8 A weighted by probability).\n",
            axcon_method_name(d.method), d.min_sep, d.id_threshold, d.mf_pseudocount, d.mf_sharpen, d.mf_tau,
            d.plm_lambda_h, d.plm_lambda_j);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Format from the output file name's extension; -1 if it says nothing. */
static int fmt_from_path(const char *path)
{
    static const struct { const char *ext; axcon_outfmt_t fmt; } map[] = {
        {".rr", AXCON_OUT_RR},     {".casp", AXCON_OUT_RR},   {".mat", AXCON_OUT_MAT},
        {".tsv", AXCON_OUT_TSV},   {".csv", AXCON_OUT_CSV},   {".plmc", AXCON_OUT_PLMC},
        {".ec", AXCON_OUT_PLMC},   {".cst", AXCON_OUT_ROSETTA},
    };
    if (!path || !strcmp(path, "-")) return -1;
    for (size_t k = 0; k < sizeof map / sizeof map[0]; k++)
        if (ends_with(path, map[k].ext)) return (int)map[k].fmt;
    return -1;
}

/* Target name from the MSA path when the query has no name (PSICOV files): the base name
 * without compression and format extensions. */
static void name_from_path(const char *path, char *buf, size_t size)
{
    if (!strcmp(path, "-")) {
        snprintf(buf, size, "query");
        return;
    }
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    snprintf(buf, size, "%s", base);
    static const char *const comp[] = {".gz", ".bgz", ".bgzf"};
    for (size_t k = 0; k < 3; k++)
        if (ends_with(buf, comp[k])) { buf[strlen(buf) - strlen(comp[k])] = '\0'; break; }
    char *dot = strrchr(buf, '.');
    if (dot && dot != buf) *dot = '\0';
    if (!buf[0]) snprintf(buf, size, "query");
}

enum {
    OPT_MIN_SEP = 256, OPT_TOP, OPT_ID, OPT_SEQ_GAP, OPT_COL_GAP, OPT_NO_APC, OPT_PC, OPT_SHARPEN, OPT_TAU,
    OPT_LAMBDA_H, OPT_LAMBDA_J, OPT_MAX_ITER, OPT_TOL, OPT_HEADS, OPT_HEAD_DIM, OPT_ATTN_LAMBDA
};

int axcon_cmd_predict(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"method", required_argument, 0, 'm'},       {"threads", required_argument, 0, 't'},
        {"format", required_argument, 0, 'f'},       {"output", required_argument, 0, 'o'},
        {"min-sep", required_argument, 0, OPT_MIN_SEP}, {"top", required_argument, 0, OPT_TOP},
        {"id", required_argument, 0, OPT_ID},        {"max-seq-gap", required_argument, 0, OPT_SEQ_GAP},
        {"max-col-gap", required_argument, 0, OPT_COL_GAP}, {"no-apc", no_argument, 0, OPT_NO_APC},
        {"pseudocount", required_argument, 0, OPT_PC}, {"sharpen", required_argument, 0, OPT_SHARPEN},
        {"tau", required_argument, 0, OPT_TAU},      {"lambda-h", required_argument, 0, OPT_LAMBDA_H},
        {"lambda-j", required_argument, 0, OPT_LAMBDA_J}, {"max-iter", required_argument, 0, OPT_MAX_ITER},
        {"tol", required_argument, 0, OPT_TOL},      {"heads", required_argument, 0, OPT_HEADS},
        {"head-dim", required_argument, 0, OPT_HEAD_DIM}, {"attn-lambda", required_argument, 0, OPT_ATTN_LAMBDA},
        {"help", no_argument, 0, 'h'},               {"verbose", no_argument, 0, 'v'},
        {"quiet", no_argument, 0, 'q'},              {0, 0, 0, 0}};
    static const char *cmd = "predict";
    axcon_error_t err;
    axcon_error_clear(&err);
    axcon_predict_opts_t po;
    axcon_predict_opts_init(&po);
    axcon_msa_opts_t mo;
    axcon_msa_opts_init(&mo);
    const char *threads = NULL, *out_path = NULL, *fmt_name = NULL, *top_str = NULL;
    int c;
    long lv;
    double dv;
    optind = 1;
    opterr = 0; /* we print our own one-line errors */
    while ((c = getopt_long(argc, argv, ":m:t:f:o:hvq", longopts, NULL)) != -1) {
        switch (c) {
        case 'm':
            if (axcon_method_parse(optarg, &po.method, &err) != AXCON_OK) return cli_usage_error(cmd, "%s", err.msg);
            break;
        case 't': threads = optarg; break;
        case 'f': fmt_name = optarg; break;
        case 'o': out_path = optarg; break;
        case OPT_MIN_SEP:
            if (cli_parse_long(optarg, 1, 1000000, &lv)) return cli_usage_error(cmd, "--min-sep wants a whole number >= 1, got '%s'", optarg);
            po.min_sep = (int)lv;
            break;
        case OPT_TOP: top_str = optarg; break;
        case OPT_ID:
            if (cli_parse_double(optarg, 1e-9, 1.0, &po.id_threshold)) return cli_usage_error(cmd, "--id wants a number in (0,1], got '%s'", optarg);
            break;
        case OPT_SEQ_GAP:
            if (cli_parse_double(optarg, 0.0, 1.0, &mo.max_seq_gap)) return cli_usage_error(cmd, "--max-seq-gap wants a number in [0,1], got '%s'", optarg);
            break;
        case OPT_COL_GAP:
            if (cli_parse_double(optarg, 0.0, 1.0, &mo.max_col_gap)) return cli_usage_error(cmd, "--max-col-gap wants a number in [0,1], got '%s'", optarg);
            break;
        case OPT_NO_APC: po.apc = 0; break;
        case OPT_PC:
            if (cli_parse_double(optarg, 0.0, 0.999999, &po.mf_pseudocount)) return cli_usage_error(cmd, "--pseudocount wants a number in [0,1), got '%s'", optarg);
            break;
        case OPT_SHARPEN:
            if (cli_parse_long(optarg, 0, 100, &lv)) return cli_usage_error(cmd, "--sharpen wants a whole number from 0 to 100, got '%s'", optarg);
            po.mf_sharpen = (int)lv;
            break;
        case OPT_TAU:
            if (cli_parse_double(optarg, 1e-6, 1e6, &po.mf_tau)) return cli_usage_error(cmd, "--tau wants a positive number, got '%s'", optarg);
            break;
        case OPT_LAMBDA_H:
            if (cli_parse_double(optarg, 0.0, 1e6, &po.plm_lambda_h)) return cli_usage_error(cmd, "--lambda-h wants a number >= 0, got '%s'", optarg);
            break;
        case OPT_LAMBDA_J:
            if (cli_parse_double(optarg, 0.0, 1e6, &po.plm_lambda_j)) return cli_usage_error(cmd, "--lambda-j wants a number >= 0, got '%s'", optarg);
            break;
        case OPT_MAX_ITER:
            if (cli_parse_long(optarg, 1, 1000000, &lv)) return cli_usage_error(cmd, "--max-iter wants a whole number >= 1, got '%s'", optarg);
            po.plm_max_iter = po.attn_max_iter = (int)lv;
            break;
        case OPT_TOL:
            if (cli_parse_double(optarg, 0.0, 1.0, &po.plm_tol)) return cli_usage_error(cmd, "--tol wants a number in [0,1], got '%s'", optarg);
            break;
        case OPT_HEADS:
            if (cli_parse_long(optarg, 1, 4096, &lv)) return cli_usage_error(cmd, "--heads wants a whole number from 1 to 4096, got '%s'", optarg);
            po.attn_heads = (int)lv;
            break;
        case OPT_HEAD_DIM:
            if (cli_parse_long(optarg, 1, 4096, &lv)) return cli_usage_error(cmd, "--head-dim wants a whole number from 1 to 4096, got '%s'", optarg);
            po.attn_dim = (int)lv;
            break;
        case OPT_ATTN_LAMBDA:
            if (cli_parse_double(optarg, 0.0, 1e6, &dv)) return cli_usage_error(cmd, "--attn-lambda wants a number >= 0, got '%s'", optarg);
            po.attn_lambda = dv;
            break;
        case 'v': cli_verbose_more(); break;
        case 'q': cli_verbose_quiet(); break;
        case 'h': predict_usage(stdout); return AXCON_EXIT_OK;
        case ':': return cli_usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
        default:
            if (optopt > 0 && optopt < 256) return cli_usage_error(cmd, "unknown option '-%c'", optopt);
            return cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc - 1) return cli_usage_error(cmd, "expected exactly one MSA argument");
    const char *msa_path = argv[optind];

    axcon_outfmt_t fmt = AXCON_OUT_TSV;
    if (fmt_name) {
        if (axcon_outfmt_parse(fmt_name, &fmt, &err) != AXCON_OK) return cli_usage_error(cmd, "-f: %s", err.msg);
    } else {
        int f = fmt_from_path(out_path);
        if (f >= 0) fmt = (axcon_outfmt_t)f;
    }
    axcon_top_t top, *topp = NULL;
    if (top_str) {
        if (axcon_top_parse(top_str, &top, &err) != AXCON_OK) return cli_usage_error(cmd, "--top: %s", err.msg);
        topp = &top;
    } else if (fmt == AXCON_OUT_ROSETTA) {
        top.count = 1.5;
        top.per_L = 1;
        topp = &top;
    }
    if (cli_threads(cmd, threads) < 0) return AXCON_EXIT_USER;
    if (!out_path) out_path = "-";

    axcon_msa_t *msa = NULL;
    axcon_cmap_t *cm = NULL;
    axcon_ofile_t *of = NULL;
    int rc = AXCON_EXIT_OK;
    if (axcon_msa_read(msa_path, &mo, &msa, &err) != AXCON_OK) goto fail;
    /* open the output before the long computation so an unwritable path fails fast */
    if (axcon_ofile_open(out_path, &of, &err) != AXCON_OK) goto fail;
    if (axcon_predict(msa, &po, &cm, &err) != AXCON_OK) {
        if (err.status == AXCON_EINPUT) axcon_error_prefix(&err, "%s", msa_path);
        goto fail;
    }
    if (!axcon_cmap_query_name(cm)[0]) {
        char name[256];
        name_from_path(msa_path, name, sizeof name);
        if (axcon_cmap_set_query_name(cm, name, &err) != AXCON_OK) goto fail;
    }
    size_t n;
    axcon_cmap_ranked(cm, &n);
    axcon_info("writing %zu of %zu ranked pairs as %s to %s",
               fmt == AXCON_OUT_MAT ? n : axcon_top_count(topp, axcon_cmap_len(cm), n), n, axcon_outfmt_name(fmt),
               strcmp(out_path, "-") ? out_path : "stdout");
    if (axcon_write_contacts(axcon_ofile_fp(of), cm, fmt, topp, &err) != AXCON_OK) goto fail;
    axcon_ofile_t *tmp = of;
    of = NULL;
    if (axcon_ofile_commit(tmp, &err) != AXCON_OK) goto fail;
    goto done;
fail:
    rc = cli_fail(&err);
done:
    axcon_ofile_abort(of);
    axcon_cmap_free(cm);
    axcon_msa_free(msa);
    return rc;
}
