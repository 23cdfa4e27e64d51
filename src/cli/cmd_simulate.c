/* cmd_simulate.c - `axcon simulate`: write a synthetic family with known contacts
 * (PREFIX.a3m + PREFIX.true.tsv) from the simulator in axcon/simulate.h. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axcon/log.h"
#include "axcon/simulate.h"
#include "cli.h"

static void simulate_usage(FILE *fp)
{
    axcon_sim_opts_t d;
    axcon_sim_opts_init(&d);
    fprintf(fp,
            "Usage: axcon simulate [options] -o PREFIX\n\n"
            "Fold a synthetic chain, plant Potts couplings on its contacts and sample a family from them.\n"
            "Writes PREFIX.a3m (record sim_0 = the query) and PREFIX.true.tsv (i, j, C-beta distance for\n"
            "every pair, the truth format of `axcon eval --truth`). The same options give the same bytes.\n\n"
            "Options:\n"
            "  -o, --output PREFIX        output prefix (required)\n"
            "  -L, --length INT           residues, 10..%d [%zu]\n"
            "  -N, --nseq INT             sequences, query included [%zu]\n"
            "  -s, --seed INT             random seed [%llu]\n"
            "  --coupling-strength FLOAT  scale of the planted couplings [%.2f]\n"
            "  --temperature FLOAT        sampling temperature [%.2f]\n"
            "  --tree / --no-tree         evolve founders down random binary trees (Neff < N) [--tree],\n"
            "                             or draw independent Gibbs samples\n"
            "  --founders INT             founders of the trees, 0 = about N/100 [0]\n"
            "  --branch-length FLOAT      mutation attempts per site on each branch [%.3f]\n"
            "  --gap-rate FLOAT           gap fraction in the non-query sequences, in runs [%.2f]\n"
            "  --insert-rate FLOAT        lowercase insertions per match column [%.2f]\n"
            "  --burnin INT               Gibbs sweeps before sampling [%zu]\n"
            "  --thin INT                 Gibbs sweeps between samples / founders [%zu]\n"
            "  --min-sep INT              couplings only on contacts with |i-j| >= this [%d]\n"
            "  -v, -q                     more / less logging on stderr\n"
            "  -h, --help                 this help\n",
            AXCON_SIM_MAX_LEN, d.length, d.nseq, (unsigned long long)d.seed, d.coupling_strength, d.temperature,
            d.branch_length, d.gap_rate, d.insert_rate, d.burnin, d.thin, d.min_sep);
}

int axcon_cmd_simulate(int argc, char **argv)
{
    enum { O_STRENGTH = 256, O_TEMP, O_TREE, O_NOTREE, O_FOUNDERS, O_BRANCH, O_GAP, O_INS, O_BURNIN, O_THIN, O_MINSEP };
    static const struct option longopts[] = {
        {"output", required_argument, 0, 'o'},
        {"length", required_argument, 0, 'L'},
        {"nseq", required_argument, 0, 'N'},
        {"seed", required_argument, 0, 's'},
        {"coupling-strength", required_argument, 0, O_STRENGTH},
        {"temperature", required_argument, 0, O_TEMP},
        {"tree", no_argument, 0, O_TREE},
        {"no-tree", no_argument, 0, O_NOTREE},
        {"founders", required_argument, 0, O_FOUNDERS},
        {"branch-length", required_argument, 0, O_BRANCH},
        {"gap-rate", required_argument, 0, O_GAP},
        {"insert-rate", required_argument, 0, O_INS},
        {"burnin", required_argument, 0, O_BURNIN},
        {"thin", required_argument, 0, O_THIN},
        {"min-sep", required_argument, 0, O_MINSEP},
        {"help", no_argument, 0, 'h'},
        {"verbose", no_argument, 0, 'v'},
        {"quiet", no_argument, 0, 'q'},
        {0, 0, 0, 0}};
    axcon_sim_opts_t o;
    axcon_sim_opts_init(&o);
    const char *prefix = NULL;
    long v;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:L:N:s:hvq", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': prefix = optarg; break;
        case 'L':
            if (ax_parse_long(optarg, 10, AXCON_SIM_MAX_LEN, &v))
                return cli_usage_error("simulate", "-L wants a whole number from 10 to %d, got '%s'", AXCON_SIM_MAX_LEN, optarg);
            o.length = (size_t)v;
            break;
        case 'N':
            if (ax_parse_long(optarg, 1, 10000000, &v))
                return cli_usage_error("simulate", "-N wants a whole number from 1 to 10000000, got '%s'", optarg);
            o.nseq = (size_t)v;
            break;
        case 's': {
            char *end;
            if (!*optarg || *optarg == '-') return cli_usage_error("simulate", "--seed wants a non-negative whole number, got '%s'", optarg);
            unsigned long long s = strtoull(optarg, &end, 10);
            if (*end) return cli_usage_error("simulate", "--seed wants a non-negative whole number, got '%s'", optarg);
            o.seed = (uint64_t)s;
            break;
        }
        case O_STRENGTH:
            if (ax_parse_double(optarg, 0.0, 100.0, &o.coupling_strength))
                return cli_usage_error("simulate", "--coupling-strength wants a number in [0,100], got '%s'", optarg);
            break;
        case O_TEMP:
            if (ax_parse_double(optarg, 1e-3, 1000.0, &o.temperature))
                return cli_usage_error("simulate", "--temperature wants a number in [0.001,1000], got '%s'", optarg);
            break;
        case O_TREE: o.tree = 1; break;
        case O_NOTREE: o.tree = 0; break;
        case O_FOUNDERS:
            if (ax_parse_long(optarg, 0, 10000000, &v))
                return cli_usage_error("simulate", "--founders wants a whole number >= 0, got '%s'", optarg);
            o.founders = (size_t)v;
            break;
        case O_BRANCH:
            if (ax_parse_double(optarg, 0.0, 100.0, &o.branch_length))
                return cli_usage_error("simulate", "--branch-length wants a number in [0,100], got '%s'", optarg);
            break;
        case O_GAP:
            if (ax_parse_double(optarg, 0.0, 0.95, &o.gap_rate))
                return cli_usage_error("simulate", "--gap-rate wants a number in [0,0.95], got '%s'", optarg);
            break;
        case O_INS:
            if (ax_parse_double(optarg, 0.0, 1.0, &o.insert_rate))
                return cli_usage_error("simulate", "--insert-rate wants a number in [0,1], got '%s'", optarg);
            break;
        case O_BURNIN:
            if (ax_parse_long(optarg, 0, 1000000, &v))
                return cli_usage_error("simulate", "--burnin wants a whole number from 0 to 1000000, got '%s'", optarg);
            o.burnin = (size_t)v;
            break;
        case O_THIN:
            if (ax_parse_long(optarg, 1, 1000000, &v))
                return cli_usage_error("simulate", "--thin wants a whole number from 1 to 1000000, got '%s'", optarg);
            o.thin = (size_t)v;
            break;
        case O_MINSEP:
            if (ax_parse_long(optarg, 1, 1000, &v))
                return cli_usage_error("simulate", "--min-sep wants a whole number from 1 to 1000, got '%s'", optarg);
            o.min_sep = (int)v;
            break;
        case 'v': cli_verbose_more(); break;
        case 'q': cli_verbose_quiet(); break;
        case 'h': simulate_usage(stdout); return AXCON_EXIT_OK;
        default: return cli_usage_error("simulate", "unknown or incomplete option");
        }
    }
    if (optind != argc) return cli_usage_error("simulate", "unexpected argument '%s'", argv[optind]);
    if (!prefix || !*prefix) return cli_usage_error("simulate", "an output prefix is required (-o PREFIX)");
    if ((size_t)o.min_sep >= o.length)
        return cli_usage_error("simulate", "--min-sep (%d) must be smaller than -L (%zu)", o.min_sep, o.length);

    axcon_error_t err;
    axcon_error_clear(&err);
    axcon_sim_t *sim = NULL;
    int rc = axcon_sim_run(&o, &sim, &err);
    if (rc != AXCON_OK) return cli_fail(&err);
    rc = axcon_sim_write(sim, prefix, &err);
    axcon_sim_free(sim);
    if (rc != AXCON_OK) return cli_fail(&err);
    axcon_info("wrote %s.a3m and %s.true.tsv", prefix, prefix);
    return AXCON_EXIT_OK;
}
