/* cli_predopts.c - the predict options shared by `axcon predict` and `axcon batch`.
 *
 * Owns: the long-option table and parser of every prediction option (method, threads,
 * format, --top, weights, model settings), their help text, the output-format choice
 * (-f, else the output file's extension, else tsv), and cli_predict_file(), the one
 * read -> predict -> write-atomically step that both commands run per alignment. */
#include <ctype.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "axcon/log.h"
#include "axcon/ofile.h"
#include "cli.h"

void cli_predopts_init(cli_predopts_t *p)
{
    memset(p, 0, sizeof *p);
    axcon_predict_opts_init(&p->po);
    axcon_msa_opts_init(&p->mo);
    p->po.max_mem = cli_phys_mem(); /* --max-mem default: physical memory */
}

static int ax_threads_cli(void)
{
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

/* a positive number from a file's first word ("max" and junk: 0) */
static double file_number(const char *path)
{
    FILE *fp = fopen(path, "r");
    if (!fp) return 0.0;
    char buf[64] = "";
    char *got = fgets(buf, sizeof buf, fp);
    fclose(fp);
    if (!got) return 0.0;
    char *end;
    double v = strtod(buf, &end);
    return end != buf && v > 0 && v < 1e18 ? v : 0.0;
}

static double env_mb(const char *name)
{
    const char *s = getenv(name);
    if (!s || !*s) return 0.0;
    char *end;
    double v = strtod(s, &end);
    return end != s && v > 0 ? v * 1048576.0 : 0.0; /* SLURM gives MB */
}

double cli_phys_mem(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
    double m = pages > 0 && psz > 0 ? (double)pages * (double)psz : 0.0;
    /* a lower limit of the job or container: cgroup v2 / v1, SLURM's memory request */
    double lim[4] = {file_number("/sys/fs/cgroup/memory.max"), file_number("/sys/fs/cgroup/memory/memory.limit_in_bytes"),
                     env_mb("SLURM_MEM_PER_NODE"), env_mb("SLURM_MEM_PER_CPU")};
    if (lim[3] > 0) {
        const char *c = getenv("SLURM_CPUS_PER_TASK");
        long n = c ? strtol(c, NULL, 10) : 1;
        lim[3] *= n > 0 ? (double)n : 1.0;
    }
    for (int k = 0; k < 4; k++)
        if (lim[k] > 0 && (m == 0 || lim[k] < m)) m = lim[k];
    return m;
}

void cli_print_estimate(FILE *fp, const char *name, const axcon_msa_t *msa, const axcon_estimate_t *est,
                        const axcon_predict_opts_t *po, int threads)
{
    char mem[32], tim[32];
    if (est->bytes < 1073741824.0) snprintf(mem, sizeof mem, "%.0f MB", est->bytes / 1048576.0);
    else snprintf(mem, sizeof mem, "%.2f GB", est->bytes / 1073741824.0);
    if (est->seconds < 10.0) snprintf(tim, sizeof tim, "%.1f s", est->seconds);
    else if (est->seconds < 7200.0) snprintf(tim, sizeof tim, "%.0f s", est->seconds);
    else snprintf(tim, sizeof tim, "%.1f h", est->seconds / 3600.0);
    fprintf(fp, "%s\t%s\tN=%zu\tL=%zu\tmemory=%s\ttime~%s (%d thread%s)%s\n", name, axcon_method_name(po->method),
            axcon_msa_nseq(msa), axcon_msa_ncol(msa), mem, tim, threads, threads == 1 ? "" : "s",
            po->max_mem > 0 && est->bytes > po->max_mem ? "\tover --max-mem" : "");
}

void cli_predopts_usage(FILE *fp)
{
    axcon_predict_opts_t d;
    axcon_predict_opts_init(&d);
    fprintf(fp,
            "  -m, --method NAME     attn, mf (mean-field DCA) or plm (Potts pseudo-likelihood) [%s]\n"
            "  -t, --threads INT     threads [OMP_NUM_THREADS, SLURM_CPUS_PER_TASK, all cores]\n"
            "  -f, --format FMT      rr, mat, tsv, csv, plmc, rosetta or psicov [from the -o extension,\n"
            "                        else tsv] (.rr .casp .mat .tsv .csv .plmc .ec .cst .psicov)\n"
            "  --author CODE         rr: AUTHOR, the group's CASP registration code [axcon]\n"
            "  --target ID           rr: TARGET [the query name]\n"
            "  --remark TEXT         rr: a REMARK line (repeatable)\n"
            "  --min-sep INT         leave out pairs with |i-j| below this [%d]\n"
            "  --top K               pairs to write: all, a count (100), xL (1.5L) or L/k (L/5)\n"
            "                        [all; rosetta: 1.5L]\n"
            "  --id FLOAT            identity threshold of the sequence weights [%.2f]\n"
            "  --max-seq-gap FLOAT   drop sequences with a larger gap fraction [1.0 = keep all]\n"
            "  --max-col-gap FLOAT   leave out columns with a larger gap fraction [1.0 = keep all]\n"
            "  --no-apc              do not apply the average product correction\n"
            "  --max-mem SIZE        refuse an alignment whose estimated memory exceeds SIZE\n"
            "                        (4G, 500M; 0 = no limit) [physical memory, or the job's\n"
            "                        limit: cgroup, SLURM_MEM_PER_NODE, SLURM_MEM_PER_CPU]\n"
            "  --dry-run             print the estimated memory and time, then stop\n"
            "  -v, -q                more / less logging on stderr\n\n"
            "Model options:\n"
            "  --pseudocount FLOAT   mean-field pseudocount (mf; attn's seed, head) [%.2f]\n"
            "  --sharpen INT         mf: passes of attention sharpening after APC [%d]\n"
            "  --tau FLOAT           mf: softmax temperature of the sharpening [%.2f]\n"
            "  --lambda-h FLOAT      plm: L2 strength on fields [%g]\n"
            "  --lambda-j FLOAT      plm: L2 strength on couplings, times (L-1) [%g]\n"
            "  --max-iter INT        plm/attn: at most this many optimiser iterations [plm 25, attn 50]\n"
            "  --tol FLOAT           plm/attn: stop when the objective falls by less than this\n"
            "                        (relative) over a window of iterations [model default;\n"
            "                        attn: 1e-3 over 3, not before iteration 20]\n"
            "  --heads INT           attn: attention heads [model default]\n"
            "  --head-dim INT        attn: query/key size per head [model default]\n"
            "  --attn-lambda FLOAT   attn: regularisation strength [model default]\n"
            "  --attn-residual FORM  attn: the Potts residual on every pair (dense, L^2 q^2 memory) or\n"
            "                        on the mean-field map's best pairs, couplings streamed (sparse,\n"
            "                        O(heads L^2) memory: long proteins); auto = dense when it fits\n"
            "                        --max-mem [auto]\n"
            "  --head KIND           contact head: net (the convolutional network, attn and mf;\n"
            "                        default), linear (the logistic head, attn only) or none\n"
            "  --no-head             the same as --head none: rank by the model's APC scores\n",
            axcon_method_name(d.method), d.min_sep, d.id_threshold, d.mf_pseudocount, d.mf_sharpen, d.mf_tau,
            d.plm_lambda_h, d.plm_lambda_j);
}

/* The long name of prediction option c (CLI_PREDICT_LONGOPTS), the key of axcon_predict_opts_set. */
static const char *cli_predopts_name(int c)
{
    static const struct option opts[] = {CLI_PREDICT_LONGOPTS};
    for (size_t k = 0; k < sizeof opts / sizeof opts[0]; k++)
        if (opts[k].val == c) return opts[k].name;
    return "?";
}

int cli_predopts_handle(cli_predopts_t *p, int c, const char *arg, const char *cmd)
{
    axcon_error_t err;
    axcon_error_clear(&err);
    switch (c) {
    case 'm':
        if (axcon_method_parse(arg, &p->po.method, &err) != AXCON_OK) return -cli_usage_error(cmd, "%s", err.msg);
        break;
    case 't': p->threads = arg; break;
    case 'f':
        if (axcon_outfmt_parse(arg, &p->fmt, &err) != AXCON_OK) return -cli_usage_error(cmd, "-f: %s", err.msg);
        p->fmt_set = 1;
        break;
    case CLI_OPT_TOP:
        if (axcon_top_parse(arg, &p->top, &err) != AXCON_OK) return -cli_usage_error(cmd, "--top: %s", err.msg);
        p->top_set = 1;
        break;
    case CLI_OPT_SEQ_GAP:
        if (ax_parse_double(arg, 0.0, 1.0, &p->mo.max_seq_gap)) return -cli_usage_error(cmd, "--max-seq-gap wants a number in [0,1], got '%s'", arg);
        break;
    case CLI_OPT_COL_GAP:
        if (ax_parse_double(arg, 0.0, 1.0, &p->mo.max_col_gap)) return -cli_usage_error(cmd, "--max-col-gap wants a number in [0,1], got '%s'", arg);
        break;
    case CLI_OPT_NO_APC: p->po.apc = 0; break;
    case CLI_OPT_DRY_RUN: p->dry_run = 1; break;
    case CLI_OPT_NO_HEAD: p->po.head = AXCON_HEAD_NONE; break;
    case CLI_OPT_MIN_SEP: case CLI_OPT_ID: case CLI_OPT_PC: case CLI_OPT_SHARPEN: case CLI_OPT_TAU:
    case CLI_OPT_LAMBDA_H: case CLI_OPT_LAMBDA_J: case CLI_OPT_MAX_ITER: case CLI_OPT_TOL: case CLI_OPT_HEADS:
    case CLI_OPT_HEAD_DIM: case CLI_OPT_ATTN_LAMBDA: case CLI_OPT_MAX_MEM: case CLI_OPT_HEAD:
    case CLI_OPT_ATTN_RESIDUAL:
        /* the model's options are the library's (axcon_predict_opts_set), by their long names */
        if (axcon_predict_opts_set(&p->po, cli_predopts_name(c), arg, &err) != AXCON_OK)
            return -cli_usage_error(cmd, "--%s", err.msg);
        break;
    case CLI_OPT_AUTHOR:
    case CLI_OPT_TARGET: {
        axcon_write_opts_t w = {0};
        if (c == CLI_OPT_AUTHOR) w.author = arg; else w.target = arg;
        if (axcon_write_opts_check(&w, &err) != AXCON_OK) return -cli_usage_error(cmd, "--%s: %s", cli_predopts_name(c), err.msg);
        if (c == CLI_OPT_AUTHOR) p->wo.author = arg; else p->wo.target = arg;
        break;
    }
    case CLI_OPT_REMARK: {
        size_t have = strlen(p->remark), add = strlen(arg);
        if (have + add + 2 > sizeof p->remark)
            return -cli_usage_error(cmd, "--remark: the remarks exceed %zu bytes", sizeof p->remark - 1);
        axcon_write_opts_t w = {0};
        w.remark = arg;
        if (strchr(arg, '\n') || axcon_write_opts_check(&w, &err) != AXCON_OK)
            return -cli_usage_error(cmd, "--remark wants one line of printable text");
        if (have) p->remark[have++] = '\n';
        memcpy(p->remark + have, arg, add + 1);
        break;
    }
    case 'v': cli_verbose_more(); break;
    case 'q': cli_verbose_quiet(); break;
    default: return 0;
    }
    return 1;
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
        {".ec", AXCON_OUT_PLMC},   {".cst", AXCON_OUT_ROSETTA}, {".psicov", AXCON_OUT_PSICOV},
    };
    if (!path || !strcmp(path, "-")) return -1;
    for (size_t k = 0; k < sizeof map / sizeof map[0]; k++)
        if (ends_with(path, map[k].ext)) return (int)map[k].fmt;
    return -1;
}

axcon_outfmt_t cli_predopts_format(const cli_predopts_t *p, const char *out_path)
{
    if (p->fmt_set) return p->fmt;
    int f = fmt_from_path(out_path);
    return f >= 0 ? (axcon_outfmt_t)f : AXCON_OUT_TSV;
}

const axcon_top_t *cli_predopts_top(const cli_predopts_t *p, axcon_outfmt_t fmt, axcon_top_t *buf)
{
    if (p->top_set) return &p->top;
    if (fmt != AXCON_OUT_ROSETTA) return NULL;
    memset(buf, 0, sizeof *buf);
    buf->count = 1.5;
    buf->per_L = 1;
    return buf;
}

void cli_name_from_path(const char *path, char *buf, size_t size)
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

int cli_predict_file(const char *msa_path, const char *out_path, const cli_predopts_t *p, axcon_msa_t **msa_out,
                     axcon_error_t *err)
{
    return cli_predict_file_ex(msa_path, out_path, p, msa_out, NULL, err);
}

int cli_predict_file_ex(const char *msa_path, const char *out_path, const cli_predopts_t *p, axcon_msa_t **msa_out,
                        cli_predict_stats_t *stats, axcon_error_t *err)
{
    axcon_msa_t *msa = NULL;
    axcon_cmap_t *cm = NULL;
    axcon_ofile_t *of = NULL;
    axcon_top_t topbuf;
    axcon_outfmt_t fmt = cli_predopts_format(p, out_path);
    const axcon_top_t *topp = cli_predopts_top(p, fmt, &topbuf);
    int st;
    if (msa_out) *msa_out = NULL;
    if (p->dry_run) {
        axcon_estimate_t est;
        if ((st = axcon_msa_read(msa_path, &p->mo, &msa, err)) != AXCON_OK) goto ERROR;
        if ((st = axcon_predict_estimate(msa, &p->po, 0, &est, err)) != AXCON_OK) goto ERROR;
        char name[256];
        cli_name_from_path(msa_path, name, sizeof name);
        cli_print_estimate(stdout, name, msa, &est, &p->po, ax_threads_cli());
        if (stats) {
            stats->nseq = axcon_msa_nseq(msa);
            stats->ncol = axcon_msa_ncol(msa);
            stats->neff = 0.0;
        }
        if (msa_out) *msa_out = msa;
        else axcon_msa_free(msa);
        return AXCON_OK;
    }
    /* open the output first so an unwritable path fails before the long computation */
    if ((st = axcon_ofile_open(out_path, &of, err)) != AXCON_OK) goto ERROR;
    if ((st = axcon_msa_read(msa_path, &p->mo, &msa, err)) != AXCON_OK) goto ERROR;
    if (stats) { /* N and L also for a failed prediction (e.g. over --max-mem) */
        stats->nseq = axcon_msa_nseq(msa);
        stats->ncol = axcon_msa_ncol(msa);
        stats->neff = 0.0;
    }
    if ((st = axcon_predict(msa, &p->po, &cm, err)) != AXCON_OK) {
        if (err->status == AXCON_EINPUT) axcon_error_prefix(err, "%s", msa_path);
        goto ERROR;
    }
    if (!axcon_cmap_query_name(cm)[0]) {
        char name[256];
        cli_name_from_path(msa_path, name, sizeof name);
        if ((st = axcon_cmap_set_query_name(cm, name, err)) != AXCON_OK) goto ERROR;
    }
    size_t n;
    axcon_cmap_ranked(cm, &n);
    axcon_info("writing %zu of %zu ranked pairs as %s to %s",
               fmt == AXCON_OUT_MAT ? n : axcon_top_count(topp, axcon_cmap_len(cm), n), n, axcon_outfmt_name(fmt),
               strcmp(out_path, "-") ? out_path : "stdout");
    axcon_write_opts_t wo = p->wo;
    wo.remark = p->remark[0] ? p->remark : NULL;
    if ((st = axcon_write_contacts_ex(axcon_ofile_fp(of), cm, fmt, topp, &wo, err)) != AXCON_OK) goto ERROR;
    axcon_ofile_t *tmp = of;
    of = NULL;
    if ((st = axcon_ofile_commit(tmp, err)) != AXCON_OK) goto ERROR;
    if (stats) {
        stats->nseq = axcon_msa_nseq(msa);
        stats->ncol = axcon_msa_ncol(msa);
        stats->neff = axcon_cmap_neff(cm);
    }
    axcon_cmap_free(cm);
    if (msa_out) *msa_out = msa;
    else axcon_msa_free(msa);
    return AXCON_OK;
ERROR:
    axcon_ofile_abort(of);
    axcon_cmap_free(cm);
    axcon_msa_free(msa);
    return st;
}
