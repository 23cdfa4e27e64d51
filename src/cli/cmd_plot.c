/* cmd_plot.c - `axcon plot`: draw a prediction's top pairs as a PNG contact map, against the
 * native contacts of a structure or truth table when one is given (axcon/plot.h). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axcon/eval.h"
#include "axcon/log.h"
#include "axcon/msa.h"
#include "axcon/plot.h"
#include "axcon/pred.h"
#include "axcon/structure.h"
#include "cli.h"

static void plot_usage(FILE *fp)
{
    fprintf(fp,
            "Usage: axcon plot [--pdb FILE [--chain C] [--msa MSA] | --truth TSV] [options] -o MAP.png PRED\n\n"
            "Draw the top predicted pairs (upper triangle: blue = native contact, red = not, black without a\n"
            "native map) and the native contacts (lower triangle, grey; C-beta < 8 A, C-alpha for glycine)\n"
            "as a PNG picture, with residue ticks, a legend and the long-range precision in the title.\n\n"
            "Options:\n"
            "  -o, --output FILE   PNG to write (required; written atomically)\n"
            "  --pdb FILE          native structure, PDB or mmCIF; needs the query from --msa or an RR file\n"
            "  --chain C           chain of --pdb [the chain covering the query best]\n"
            "  --truth TSV         truth table 'i<TAB>j<TAB>distance' (e.g. from `axcon simulate`)\n"
            "  --msa MSA           alignment whose first sequence is the query (sets L)\n"
            "  --top K             pairs to draw: a number, L, 1.5L, L/2, L/5, ... [L]\n"
            "  --min-sep INT       smallest |i-j| drawn [6]\n"
            "  --pred-format F     auto|rr|mat|tsv|csv|plmc|freecontact|psicov [auto]\n"
            "  --title TEXT        first title line [the prediction's file name]\n"
            "  -v, -q              more / less logging on stderr\n"
            "  -h, --help          this help\n");
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s && s[1] ? s + 1 : p;
}

int axcon_cmd_plot(int argc, char **argv)
{
    enum { O_PDB = 256, O_CHAIN, O_TRUTH, O_MSA, O_TOP, O_MINSEP, O_FMT, O_TITLE };
    static const struct option longopts[] = {
        {"output", required_argument, 0, 'o'},   {"pdb", required_argument, 0, O_PDB},
        {"chain", required_argument, 0, O_CHAIN}, {"truth", required_argument, 0, O_TRUTH},
        {"msa", required_argument, 0, O_MSA},     {"top", required_argument, 0, O_TOP},
        {"min-sep", required_argument, 0, O_MINSEP}, {"pred-format", required_argument, 0, O_FMT},
        {"title", required_argument, 0, O_TITLE}, {"help", no_argument, 0, 'h'},
        {"verbose", no_argument, 0, 'v'},         {"quiet", no_argument, 0, 'q'},
        {0, 0, 0, 0}};
    const char *out = NULL, *pdb = NULL, *chain = NULL, *truth_path = NULL, *msa_path = NULL, *top_arg = NULL,
               *title = NULL;
    axcon_pred_format_t pfmt = AXCON_PRED_AUTO;
    long min_sep = 6;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:hvq", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case O_PDB: pdb = optarg; break;
        case O_CHAIN: chain = optarg; break;
        case O_TRUTH: truth_path = optarg; break;
        case O_MSA: msa_path = optarg; break;
        case O_TOP: top_arg = optarg; break;
        case O_MINSEP:
            if (ax_parse_long(optarg, 1, 100000, &min_sep))
                return cli_usage_error("plot", "--min-sep wants a whole number from 1 to 100000, got '%s'", optarg);
            break;
        case O_FMT:
            if (axcon_pred_format_parse(optarg, &pfmt) != 0)
                return cli_usage_error("plot", "--pred-format wants auto, rr, mat, tsv, csv, plmc, freecontact, "
                                               "psicov or gremlin, got '%s'", optarg);
            break;
        case O_TITLE: title = optarg; break;
        case 'v': cli_verbose_more(); break;
        case 'q': cli_verbose_quiet(); break;
        case 'h': plot_usage(stdout); return AXCON_EXIT_OK;
        default: return cli_usage_error("plot", "unknown or incomplete option");
        }
    }
    if (optind != argc - 1) return cli_usage_error("plot", "expected exactly one prediction file argument");
    if (!out || !*out) return cli_usage_error("plot", "an output file is required (-o MAP.png)");
    if (pdb && truth_path) return cli_usage_error("plot", "give at most one of --pdb FILE and --truth TSV");
    if (chain && !pdb) return cli_usage_error("plot", "--chain applies to --pdb only");
    if (top_arg && axcon_plot_parse_top(top_arg, 100) < 0)
        return cli_usage_error("plot", "--top wants a number or L, 1.5L, L/5, ..., got '%s'", top_arg);
    const char *pred_path = argv[optind];

    axcon_error_t err;
    axcon_error_clear(&err);
    axcon_msa_t *msa = NULL;
    axcon_pred_t *pred = NULL;
    axcon_structure_t *st = NULL;
    axcon_truth_t *truth = NULL;
    unsigned char *contact = NULL, *observed = NULL;
    axcon_plot_pair_t *pairs = NULL;
    int rc = AXCON_OK, qlen = 0;
    const char *query = NULL;

    if ((rc = cli_read_query_and_prediction(msa_path, pred_path, pfmt, &msa, &pred, &query, &qlen, &err)) != AXCON_OK)
        goto fail;
    if (!qlen) qlen = axcon_pred_length(pred);
    if (pdb) {
        if ((rc = cli_truth_from_pdb(pdb, chain, query, &st, &truth, &err)) != AXCON_OK) goto fail;
    } else if (truth_path) {
        if ((rc = axcon_truth_read(truth_path, qlen, &truth, &err)) != AXCON_OK) goto fail;
        /* no declared length: the truth may end before the last predicted residue */
        if (!qlen && axcon_truth_length(truth) < axcon_pred_max_pos(pred)) {
            axcon_truth_free(truth);
            truth = NULL;
            if ((rc = axcon_truth_read(truth_path, axcon_pred_max_pos(pred), &truth, &err)) != AXCON_OK) goto fail;
        }
    }

    int L = truth ? axcon_truth_length(truth) : qlen;
    if (L < axcon_pred_max_pos(pred)) L = axcon_pred_max_pos(pred);
    if (L < 2) {
        rc = axcon_error_set(&err, AXCON_EINPUT, "%s: no residue pairs to plot", pred_path);
        goto fail;
    }
    if (L > AXCON_PLOT_MAX_LEN) {
        rc = axcon_error_set(&err, AXCON_EINPUT, "%s: %d residues is more than plot supports (%d)", pred_path, L,
                             AXCON_PLOT_MAX_LEN);
        goto fail;
    }
    size_t np = axcon_pred_npairs(pred);
    const axcon_pred_pair_t *pp = axcon_pred_pairs(pred);
    pairs = calloc(np ? np : 1, sizeof *pairs); /* calloc checks np * size for overflow */
    if (!pairs) {
        rc = axcon_error_set(&err, AXCON_ENOMEM, "out of memory for %zu pairs", np);
        goto fail;
    }
    for (size_t k = 0; k < np; k++) pairs[k] = (axcon_plot_pair_t){pp[k].i, pp[k].j, pp[k].score};

    axcon_plot_input_t in;
    axcon_plot_input_init(&in);
    in.length = L;
    in.pairs = pairs;
    in.npairs = np;
    in.min_sep = (int)min_sep;
    in.top = top_arg ? (size_t)axcon_plot_parse_top(top_arg, L) : (size_t)L;

    char t1[1024], t2[512] = "";
    snprintf(t1, sizeof t1, "%s  L=%d  top %zu pairs, |i-j|>=%ld", title ? title : base_name(pred_path), L, in.top,
             min_sep);
    if (truth) {
        size_t nn = (size_t)L * (size_t)L;
        contact = calloc(nn, 1);
        observed = calloc((size_t)L, 1);
        if (!contact || !observed) {
            rc = axcon_error_set(&err, AXCON_ENOMEM, "out of memory for a %d x %d contact map", L, L);
            goto fail;
        }
        int tl = axcon_truth_length(truth);
        for (int i = 1; i <= L; i++) observed[i - 1] = i <= tl && axcon_truth_observed(truth, i);
        size_t nt = axcon_truth_npairs(truth);
        for (size_t k = 0; k < nt; k++) {
            int i, j;
            double d;
            axcon_truth_pair(truth, k, &i, &j, &d);
            if (d >= 0 && d < AXCON_CONTACT_CUTOFF) contact[(size_t)(i - 1) * (size_t)L + (size_t)(j - 1)] = 1;
        }
        axcon_eval_result_t res;
        if ((rc = axcon_eval_precision(truth, pred, &res, &err)) != AXCON_OK) {
            axcon_error_prefix(&err, "%s", pdb ? pdb : truth_path);
            goto fail;
        }
        int n = snprintf(t2, sizeof t2, "long-range (24+) top-L %.2f  top-L/5 %.2f   all (6+) top-L %.2f",
                         res.precision[AXCON_RANGE_LONG][0], res.precision[AXCON_RANGE_LONG][2],
                         res.precision[AXCON_RANGE_ALL][0]);
        if (res.length != L && n > 0 && (size_t)n < sizeof t2)
            snprintf(t2 + n, sizeof t2 - (size_t)n, "   (%d of %d residues observed)", res.length, L);
        in.contact = contact;
        in.observed = observed;
    }
    in.title = t1;
    in.subtitle = t2;
    rc = axcon_plot_png(&in, out, &err);

fail:
    free(pairs);
    free(contact);
    free(observed);
    axcon_truth_free(truth);
    axcon_structure_free(st);
    axcon_pred_free(pred);
    axcon_msa_free(msa);
    return rc == AXCON_OK ? AXCON_EXIT_OK : cli_fail(&err);
}
