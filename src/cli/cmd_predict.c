/* cmd_predict.c - `axcon predict`: read an alignment, run the chosen model (axcon_predict)
 * and write the ranked contacts in one of the output formats, atomically at -o or to stdout.
 * The options and the per-alignment step are shared with `axcon batch` (cli_predopts.c). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void predict_usage(FILE *fp)
{
    fprintf(fp,
            "Usage: axcon predict [options] MSA\n\n"
            "Predict residue contacts from an alignment (FASTA, A3M, A2M, PSICOV .aln or Stockholm; plain, gzip\n"
            "or BGZF; '-' = stdin). Positions are 1-based query positions; the first sequence is the query.\n\n"
            "Options:\n"
            "  -o, --output FILE     write here (atomically) instead of stdout ('-' = stdout)\n"
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
        CLI_PREDICT_LONGOPTS, {"output", required_argument, 0, 'o'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    static const char *cmd = "predict";
    axcon_error_t err;
    axcon_error_clear(&err);
    cli_predopts_t p;
    cli_predopts_init(&p);
    const char *out_path = "-";
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
        case 'h': predict_usage(stdout); return AXCON_EXIT_OK;
        case ':': return cli_usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
        default:
            if (optopt > 0 && optopt < 256) return cli_usage_error(cmd, "unknown option '-%c'", optopt);
            return cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc - 1) return cli_usage_error(cmd, "expected exactly one MSA argument");
    if (cli_threads(cmd, p.threads) < 0) return AXCON_EXIT_USER;
    if (cli_predict_file(argv[optind], out_path, &p, NULL, &err) != AXCON_OK) return cli_fail(&err);
    return AXCON_EXIT_OK;
}
