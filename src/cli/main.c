/* main.c - the axcon program: subcommand dispatch, --help/--version, and the
 * minimap2-style footer (Version, CMD, real time, CPU time, peak RSS) on stderr.
 * Everything else lives in libaxcon; each subcommand is a thin cmd_*.c file. */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "axcon/log.h"
#include "axcon/ofile.h"
#include "cli.h"

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} subcommand_t;

static const subcommand_t g_cmds[] = {
    {"info", axcon_cmd_info, "describe an alignment: format, N, L, Neff, gaps, query"},
    {"predict", axcon_cmd_predict, "predict contacts: weights, model (attn, mf, plm), APC, calibrated ranking"},
    {"convert", axcon_cmd_convert, "write the processed alignment as flat .aln or FASTA for other tools"},
    {"eval", axcon_cmd_eval, "precision of a contact prediction against a structure or truth table"},
    {"simulate", axcon_cmd_simulate, "write a synthetic family with known contacts (PREFIX.a3m, PREFIX.true.tsv)"},
    {"plot", axcon_cmd_plot, "draw a contact map (PNG): top predictions against the native contacts"},
    {"batch", axcon_cmd_batch, "predict many alignments (manifest) into a directory; resumable, SLURM/MPI-aware"},
};

static void usage(FILE *fp)
{
    fprintf(fp,
            "axcon %s - residue contact prediction from multiple sequence alignments\n\n"
            "Usage: axcon <command> [options]\n\nCommands:\n",
            PACKAGE_VERSION);
    for (size_t i = 0; i < sizeof g_cmds / sizeof g_cmds[0]; i++)
        fprintf(fp, "  %-9s %s\n", g_cmds[i].name, g_cmds[i].summary);
    fprintf(fp, "\nRun 'axcon <command> --help' for the options of a command; 'man axcon' for details.\n"
                "Exit status: 0 success, 1 bad input or usage, 2 internal or resource failure.\n");
}

static void on_signal(int sig)
{
    /* never leave a partial output behind: remove temporaries, then die by the same signal */
    axcon_ofile_abort_all_signal_safe();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void footer(int argc, char **argv)
{
    if (axcon_log_get_level() < AXCON_LOG_INFO) return;
    fprintf(stderr, "[M::main] Version: %s\n[M::main] CMD:", PACKAGE_VERSION);
    for (int i = 0; i < argc; i++) fprintf(stderr, " %s", argv[i]);
    fprintf(stderr, "\n[M::main] Real time: %.3f sec; CPU: %.3f sec; Peak RSS: %.3f GB\n", axcon_realtime(),
            axcon_cputime(), (double)axcon_peak_rss_kb() / 1048576.0);
}

int main(int argc, char **argv)
{
    axcon_log_init();
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGHUP, on_signal);
    if (argc < 2) {
        usage(stderr);
        return AXCON_EXIT_USER;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return AXCON_EXIT_OK;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V") || !strcmp(argv[1], "version")) {
        printf("axcon %s\n", PACKAGE_VERSION);
        return AXCON_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof g_cmds / sizeof g_cmds[0]; i++) {
        if (strcmp(argv[1], g_cmds[i].name) != 0) continue;
        int asked_help = 0;
        for (int k = 2; k < argc; k++)
            if (!strcmp(argv[k], "--help") || !strcmp(argv[k], "-h")) asked_help = 1;
        int rc = g_cmds[i].run(argc - 1, argv + 1);
        if (rc == AXCON_EXIT_OK && !asked_help) footer(argc, argv);
        return rc;
    }
    fprintf(stderr, "axcon: error: unknown command '%s' (see 'axcon --help')\n", argv[1]);
    return AXCON_EXIT_USER;
}
