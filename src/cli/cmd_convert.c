/* cmd_convert.c - `axcon convert`: write the alignment axcon actually models (query-anchored
 * match columns, insertions removed, non-standard letters mapped by the alphabet policy,
 * after the gap filters) as PSICOV/CCMpred/FreeContact flat .aln or aligned FASTA, so the
 * peers can be run on exactly the same input. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axcon/msa.h"
#include "axcon/ofile.h"
#include "cli.h"

static void convert_usage(FILE *fp)
{
    fprintf(fp,
            "Usage: axcon convert [options] MSA\n\n"
            "Write the processed alignment (match columns of the query only, insertions removed,\n"
            "non-standard letters as gaps) for other tools.\n\n"
            "Options:\n"
            "  -f, --format aln|fasta  aln: one sequence per line (PSICOV, CCMpred, FreeContact 'flat') [aln]\n"
            "  -o, --output FILE       output file ['-' = stdout]\n"
            "  --max-seq-gap FLOAT     drop sequences with a larger gap fraction [1.0]\n"
            "  --max-col-gap FLOAT     mask columns with a larger gap fraction [1.0]\n"
            "  -v, -q                  more / less logging on stderr\n"
            "  -h, --help              this help\n");
}

int axcon_cmd_convert(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"format", required_argument, 0, 'f'},      {"output", required_argument, 0, 'o'},
        {"max-seq-gap", required_argument, 0, 'S'}, {"max-col-gap", required_argument, 0, 'C'},
        {"help", no_argument, 0, 'h'},              {"verbose", no_argument, 0, 'v'},
        {"quiet", no_argument, 0, 'q'},             {0, 0, 0, 0}};
    const char *out = "-";
    int fasta = 0, c;
    axcon_msa_opts_t mo;
    axcon_msa_opts_init(&mo);
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:o:hvq", longopts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (!strcmp(optarg, "aln")) fasta = 0;
            else if (!strcmp(optarg, "fasta")) fasta = 1;
            else return cli_usage_error("convert", "-f wants aln or fasta, got '%s'", optarg);
            break;
        case 'o': out = optarg; break;
        case 'S':
            if (ax_parse_double(optarg, 0.0, 1.0, &mo.max_seq_gap)) return cli_usage_error("convert", "--max-seq-gap wants a number in [0,1], got '%s'", optarg);
            break;
        case 'C':
            if (ax_parse_double(optarg, 0.0, 1.0, &mo.max_col_gap)) return cli_usage_error("convert", "--max-col-gap wants a number in [0,1], got '%s'", optarg);
            break;
        case 'v': cli_verbose_more(); break;
        case 'q': cli_verbose_quiet(); break;
        case 'h': convert_usage(stdout); return AXCON_EXIT_OK;
        default: return cli_usage_error("convert", "unknown or incomplete option");
        }
    }
    if (optind != argc - 1) return cli_usage_error("convert", "expected exactly one MSA argument");

    axcon_error_t err;
    axcon_error_clear(&err);
    axcon_msa_t *msa = NULL;
    if (axcon_msa_read(argv[optind], &mo, &msa, &err) != AXCON_OK) return cli_fail(&err);
    axcon_ofile_t *of = NULL;
    if (axcon_ofile_open(out, &of, &err) != AXCON_OK) {
        axcon_msa_free(msa);
        return cli_fail(&err);
    }
    FILE *fp = axcon_ofile_fp(of);
    size_t n = axcon_msa_nseq(msa), L = axcon_msa_ncol(msa);
    char *line = malloc(L + 2);
    if (!line) {
        axcon_ofile_abort(of);
        axcon_msa_free(msa);
        axcon_error_set(&err, AXCON_ENOMEM, "out of memory");
        return cli_fail(&err);
    }
    static const char alphabet[] = AXCON_ALPHABET;
    for (size_t s = 0; s < n; s++) {
        const uint8_t *row = axcon_msa_row(msa, s);
        for (size_t j = 0; j < L; j++) line[j] = alphabet[row[j] <= AXCON_GAP ? row[j] : AXCON_GAP];
        line[L] = '\n';
        line[L + 1] = '\0';
        if (fasta) {
            const char *name = axcon_msa_seq_name(msa, s);
            if (name && *name) fprintf(fp, ">%s\n", name);
            else fprintf(fp, ">seq%zu\n", s);
        }
        fputs(line, fp);
    }
    free(line);
    axcon_msa_free(msa);
    if (axcon_ofile_commit(of, &err) != AXCON_OK) return cli_fail(&err);
    return AXCON_EXIT_OK;
}
