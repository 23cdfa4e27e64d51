/* cmd_info.c - `axcon info`: read an alignment and describe it (format, N, L, Neff,
 * gap fraction, query), as text or one JSON object (--json). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axcon/log.h"
#include "axcon/msa.h"
#include "axcon/weights.h"
#include "cli.h"

static void info_usage(FILE *fp)
{
    fprintf(fp,
            "Usage: axcon info [options] MSA\n\n"
            "Describe an alignment (FASTA, A3M, A2M, PSICOV .aln or Stockholm; plain, gzip or BGZF; '-' = stdin).\n\n"
            "Options:\n"
            "  --json               print one JSON object instead of text\n"
            "  -t, --threads INT    threads for the weighting [OMP_NUM_THREADS, SLURM_CPUS_PER_TASK, all cores]\n"
            "  --id FLOAT           identity threshold of the sequence weights [0.8]\n"
            "  --max-seq-gap FLOAT  drop sequences with a larger gap fraction [1.0 = keep all]\n"
            "  --max-col-gap FLOAT  mask columns with a larger gap fraction [1.0 = keep all]\n"
            "  -v, -q               more / less logging on stderr\n"
            "  -h, --help           this help\n");
}

int axcon_cmd_info(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"json", no_argument, 0, 'j'},        {"threads", required_argument, 0, 't'},
        {"id", required_argument, 0, 'I'},    {"max-seq-gap", required_argument, 0, 'S'},
        {"max-col-gap", required_argument, 0, 'C'}, {"help", no_argument, 0, 'h'},
        {"verbose", no_argument, 0, 'v'},     {"quiet", no_argument, 0, 'q'},
        {0, 0, 0, 0}};
    int json = 0, c;
    const char *threads = NULL;
    double id = AXCON_DEFAULT_ID_THRESHOLD;
    axcon_msa_opts_t mo;
    axcon_msa_opts_init(&mo);
    optind = 1;
    while ((c = getopt_long(argc, argv, "t:hvq", longopts, NULL)) != -1) {
        switch (c) {
        case 'j': json = 1; break;
        case 't': threads = optarg; break;
        case 'I':
            if (ax_parse_double(optarg, 1e-9, 1.0, &id)) return cli_usage_error("info", "--id wants a number in (0,1], got '%s'", optarg);
            break;
        case 'S':
            if (ax_parse_double(optarg, 0.0, 1.0, &mo.max_seq_gap)) return cli_usage_error("info", "--max-seq-gap wants a number in [0,1], got '%s'", optarg);
            break;
        case 'C':
            if (ax_parse_double(optarg, 0.0, 1.0, &mo.max_col_gap)) return cli_usage_error("info", "--max-col-gap wants a number in [0,1], got '%s'", optarg);
            break;
        case 'v': cli_verbose_more(); break;
        case 'q': cli_verbose_quiet(); break;
        case 'h': info_usage(stdout); return AXCON_EXIT_OK;
        default: return cli_usage_error("info", "unknown or incomplete option");
        }
    }
    if (optind != argc - 1) return cli_usage_error("info", "expected exactly one MSA argument");
    if (cli_threads("info", threads) < 0) return AXCON_EXIT_USER;
    const char *path = argv[optind];

    axcon_error_t err;
    axcon_error_clear(&err);
    axcon_msa_t *msa = NULL;
    double *w = NULL, neff = 0.0;
    int rc = axcon_msa_read(path, &mo, &msa, &err);
    if (rc != AXCON_OK) return cli_fail(&err);
    size_t n = axcon_msa_nseq(msa), L = axcon_msa_ncol(msa);
    w = calloc(n ? n : 1, sizeof *w); /* calloc checks n * size for overflow */
    if (!w) {
        axcon_msa_free(msa);
        axcon_error_set(&err, AXCON_ENOMEM, "out of memory for %zu sequence weights", n);
        return cli_fail(&err);
    }
    rc = axcon_weights_identity(msa, id, w, &neff, &err);
    if (rc != AXCON_OK) {
        free(w);
        axcon_msa_free(msa);
        return cli_fail(&err);
    }
    const char *fmt = axcon_msa_format_name(axcon_msa_format(msa));
    double gaps = axcon_msa_gap_fraction(msa);
    if (json) {
        printf("{\"file\": ");
        cli_json_str(stdout, path);
        printf(", \"format\": \"%s\", \"sequences\": %zu, \"sequences_read\": %zu, \"columns\": %zu, "
               "\"match_columns\": %zu, \"neff\": %.4f, \"neff_per_column\": %.4f, \"gap_fraction\": %.6f, "
               "\"identity_threshold\": %.4f, \"query_length\": %zu, \"query_name\": ",
               fmt, n, axcon_msa_nseq_read(msa), L, axcon_msa_ncol_match(msa), neff, L ? neff / (double)L : 0.0,
               gaps, id, axcon_msa_query_len(msa));
        cli_json_str(stdout, axcon_msa_query_name(msa));
        printf(", \"query_sequence\": ");
        cli_json_str(stdout, axcon_msa_query_seq(msa));
        printf("}\n");
    } else {
        printf("file\t%s\nformat\t%s\nsequences\t%zu\nsequences_read\t%zu\ncolumns\t%zu\nmatch_columns\t%zu\n"
               "neff\t%.4f\nneff_per_column\t%.4f\ngap_fraction\t%.6f\nquery_name\t%s\nquery_length\t%zu\n"
               "query_sequence\t%s\n",
               path, fmt, n, axcon_msa_nseq_read(msa), L, axcon_msa_ncol_match(msa), neff,
               L ? neff / (double)L : 0.0, gaps, axcon_msa_query_name(msa), axcon_msa_query_len(msa),
               axcon_msa_query_seq(msa));
    }
    free(w);
    axcon_msa_free(msa);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        axcon_error_set(&err, AXCON_EIO, "error writing to standard output");
        return cli_fail(&err);
    }
    return AXCON_EXIT_OK;
}
