/* cmd_eval.c - `axcon eval`: precision of a contact prediction against a native structure
 * (PDB/mmCIF mapped onto the query) or a truth TSV, per docs/EVALUATION.md; a table or one
 * JSON object on stdout, optionally the computed truth table (--write-truth). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axcon/eval.h"
#include "axcon/log.h"
#include "axcon/msa.h"
#include "axcon/pred.h"
#include "axcon/structure.h"
#include "cli.h"

static void eval_usage(FILE *fp)
{
    fprintf(fp,
            "Usage: axcon eval (--pdb FILE [--chain C] | --truth TSV) [options] PRED\n\n"
            "Top-L, L/2 and L/5 precision of a contact prediction in the short (6-11), medium (12-23),\n"
            "long (24+), medium+long (12+) and all (6+) separation ranges. Contacts: C-beta (C-alpha for\n"
            "glycine) closer than 8 A; only pairs of residues resolved in the structure are ranked, and L\n"
            "is the number of resolved residues. Files may be plain or gzip-compressed; '-' = stdin.\n\n"
            "Options:\n"
            "  --pdb FILE          native structure, PDB or mmCIF (model 1); needs the query sequence\n"
            "                      from --msa or from the RR file's sequence lines\n"
            "  --chain C           chain to use [the chain covering the query best]\n"
            "  --truth TSV         truth table 'i<TAB>j<TAB>distance' (1-based query positions)\n"
            "  --msa MSA           alignment whose first sequence is the query (positions are checked)\n"
            "  --pred-format F     auto|rr|mat|tsv|csv|plmc|freecontact|psicov [auto]\n"
            "  --json              print one JSON object instead of a table\n"
            "  --write-truth FILE  also write the truth table used ('i<TAB>j<TAB>distance')\n"
            "  -v, -q              more / less logging on stderr\n"
            "  -h, --help          this help\n");
}

static int finish_stdout(void)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        axcon_error_t err;
        axcon_error_set(&err, AXCON_EIO, "error writing to standard output");
        return cli_fail(&err);
    }
    return AXCON_EXIT_OK;
}

int axcon_cmd_eval(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"pdb", required_argument, 0, 'p'},         {"chain", required_argument, 0, 'c'},
        {"truth", required_argument, 0, 'T'},       {"msa", required_argument, 0, 'm'},
        {"pred-format", required_argument, 0, 'f'}, {"json", no_argument, 0, 'j'},
        {"write-truth", required_argument, 0, 'W'}, {"help", no_argument, 0, 'h'},
        {"verbose", no_argument, 0, 'v'},           {"quiet", no_argument, 0, 'q'},
        {0, 0, 0, 0}};
    const char *pdb = NULL, *chain = NULL, *truth_path = NULL, *msa_path = NULL, *write_truth = NULL;
    axcon_pred_format_t pfmt = AXCON_PRED_AUTO;
    int json = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "hvq", longopts, NULL)) != -1) {
        switch (c) {
        case 'p': pdb = optarg; break;
        case 'c': chain = optarg; break;
        case 'T': truth_path = optarg; break;
        case 'm': msa_path = optarg; break;
        case 'f':
            if (axcon_pred_format_parse(optarg, &pfmt) != 0)
                return cli_usage_error("eval",
                                       "--pred-format wants auto, rr, mat, tsv, csv, plmc, freecontact, psicov or gremlin, "
                                       "got '%s'",
                                       optarg);
            break;
        case 'j': json = 1; break;
        case 'W': write_truth = optarg; break;
        case 'v': cli_verbose_more(); break;
        case 'q': cli_verbose_quiet(); break;
        case 'h': eval_usage(stdout); return AXCON_EXIT_OK;
        default: return cli_usage_error("eval", "unknown or incomplete option");
        }
    }
    if (optind != argc - 1) return cli_usage_error("eval", "expected exactly one prediction file argument");
    if (!pdb == !truth_path) return cli_usage_error("eval", "give exactly one of --pdb FILE and --truth TSV");
    if (chain && !pdb) return cli_usage_error("eval", "--chain applies to --pdb only");
    const char *pred_path = argv[optind];

    axcon_error_t err;
    axcon_error_clear(&err);
    axcon_msa_t *msa = NULL;
    axcon_pred_t *pred = NULL;
    axcon_structure_t *st = NULL;
    axcon_truth_t *truth = NULL;
    int rc = AXCON_OK, qlen = 0;
    const char *query = NULL;

    if ((rc = cli_read_query_and_prediction(msa_path, pred_path, pfmt, &msa, &pred, &query, &qlen, &err)) != AXCON_OK)
        goto fail;
    axcon_info("%s: %zu predicted pairs (format %s)", pred_path, axcon_pred_npairs(pred),
               axcon_pred_format_name(axcon_pred_format(pred)));
    if (pdb) {
        if ((rc = cli_truth_from_pdb(pdb, chain, query, &st, &truth, &err)) != AXCON_OK) goto fail;
    } else {
        if ((rc = axcon_truth_read(truth_path, qlen, &truth, &err)) != AXCON_OK) goto fail;
    }
    if (write_truth && (rc = axcon_truth_write(truth, write_truth, &err)) != AXCON_OK) goto fail;

    axcon_eval_result_t res;
    if ((rc = axcon_eval_precision(truth, pred, &res, &err)) != AXCON_OK) {
        axcon_error_prefix(&err, "%s", pdb ? pdb : truth_path);
        goto fail;
    }
    if (json) {
        printf("{\"prediction\": ");
        cli_json_str(stdout, pred_path);
        printf(", \"format\": \"%s\", \"truth\": ", axcon_pred_format_name(axcon_pred_format(pred)));
        cli_json_str(stdout, pdb ? pdb : truth_path);
        if (st) {
            printf(", \"chain\": ");
            cli_json_str(stdout, axcon_structure_chain(st));
        }
        printf(", \"length\": %d, \"query_length\": %d, \"pairs\": %zu, \"ranked\": %zu", res.length,
               axcon_truth_length(truth), axcon_pred_npairs(pred), res.nranked[AXCON_RANGE_ALL]);
        for (int r = 0; r < AXCON_NRANGES; r++) {
            printf(", \"%s\": {\"L\": %.6f, \"L2\": %.6f, \"L5\": %.6f, \"contacts\": %zu}",
                   axcon_range_name((axcon_range_t)r), res.precision[r][0], res.precision[r][1], res.precision[r][2],
                   res.ncontacts[r]);
        }
        printf("}\n");
    } else {
        printf("# prediction\t%s (%s, %zu pairs)\n", pred_path, axcon_pred_format_name(axcon_pred_format(pred)),
               axcon_pred_npairs(pred));
        if (st)
            printf("# structure\t%s chain '%s'\n", pdb, axcon_structure_chain(st));
        else
            printf("# truth\t%s\n", truth_path);
        printf("# observed residues L = %d (query length %d); top-L/k takes %d, %d, %d pairs\n", res.length,
               axcon_truth_length(truth), res.ntop[0], res.ntop[1], res.ntop[2]);
        printf("range\ttop-L\ttop-L/2\ttop-L/5\tcontacts\n");
        for (int r = 0; r < AXCON_NRANGES; r++)
            printf("%s\t%.3f\t%.3f\t%.3f\t%zu\n", axcon_range_name((axcon_range_t)r), res.precision[r][0],
                   res.precision[r][1], res.precision[r][2], res.ncontacts[r]);
    }
    axcon_truth_free(truth);
    axcon_structure_free(st);
    axcon_pred_free(pred);
    axcon_msa_free(msa);
    return finish_stdout();
fail:
    axcon_truth_free(truth);
    axcon_structure_free(st);
    axcon_pred_free(pred);
    axcon_msa_free(msa);
    return cli_fail(&err);
}
