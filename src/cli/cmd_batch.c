/* cmd_batch.c - `axcon batch`: predict contacts for every alignment of a manifest into an
 * output directory, resumably. Owns the running of families: each family runs in a forked
 * child process (its exact peak RSS and CPU come from wait4, and a crash or out-of-memory
 * kill of one family cannot stop the others), the progress log, the per-family summary
 * updates, the exit status, and the optional MPI master/worker distribution (--mpi,
 * built with ./configure --with-mpi). Manifest, shards, fingerprints, done-records and the
 * summary format are libaxcon's (axcon/batch.h); the per-family step is cli_predict_file_ex.
 *
 * OpenMP and fork: the parent never enters an OpenMP region (it only parses, stats files,
 * checksums outputs and writes the summary), so each child starts with a fresh runtime and
 * builds its own thread pool. --no-fork runs the families in-process instead (then the
 * peak memory reported is the process's running maximum). */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#ifdef HAVE_MPI
#include <mpi.h>
#endif

#include "axcon/batch.h"
#include "axcon/log.h"
#include "cli.h"

enum { OPT_MANIFEST = CLI_OPT_FIRST_FREE, OPT_OUTDIR, OPT_SHARD, OPT_SUMMARY, OPT_NO_FORK, OPT_MPI };

typedef struct {
    cli_predopts_t p;
    axcon_manifest_t *m;
    const char *outdir;
    axcon_outfmt_t fmt;
    char fp[AXCON_FINGERPRINT_MAX];
    char done_ext[16]; /* "done": the record is DIR/ID.done (scripts and tests rely on the name) */
    int fork;
    int threads;
} batch_t;

static void batch_usage(FILE *fp)
{
    fprintf(fp,
            "Usage: axcon batch --manifest LIST --outdir DIR [options]\n\n"
            "Predict contacts for every alignment listed in LIST (one PATH, or ID<TAB>PATH, per line; blank and\n"
            "'#' lines skipped; the ID defaults to the file name without extensions) into DIR/ID.EXT (EXT from -f:\n"
            "tsv, rr, mat, csv, plmc, cst). Each family runs in its own process; outputs appear atomically,\n"
            "followed by DIR/ID.done (options fingerprint, input size/time, output checksum). Rerunning the same\n"
            "command skips finished families and redoes the others, so a killed run can simply be restarted.\n"
            "A missing or bad alignment is reported and skipped; the others still run.\n\n"
            "The summary (DIR/summary.tsv, or DIR/summary.K-of-N.tsv for a shard) is rewritten after every family:\n"
            "  id, status (pending, done, skipped = done by an earlier run, failed = bad input, too-big = over\n"
            "  --max-mem, error = internal failure or crash), N, L, Neff, seconds, peak_mem_mb, message.\n"
            "Exit status: 0 when every family is done or skipped, 1 when any failed, 2 when any is too-big or\n"
            "hit an error (all families are attempted in every case).\n\n"
            "Batch options:\n"
            "  --manifest FILE       the list of alignments ('-' = stdin)\n"
            "  --outdir DIR          output directory (created if missing)\n"
            "  --shard K/N           run only families K, K+N, K+2N, ... (1 <= K <= N) of the manifest;\n"
            "                        default under a SLURM job array: from SLURM_ARRAY_TASK_ID/_COUNT\n"
            "                        (or _MIN/_MAX/_STEP); largest input first within a shard\n"
            "  --summary FILE        write the summary here instead\n"
            "  --no-fork             run families inside this process (no per-family peak memory)\n"
            "  --mpi                 under mpirun: rank 0 hands out families to the other ranks on demand\n"
            "                        (needs a build with ./configure --with-mpi)\n"
            "  -h, --help            this help\n\n"
            "Prediction options (as for axcon predict; -t defaults to OMP_NUM_THREADS, SLURM_CPUS_PER_TASK,\n"
            "all cores; --max-mem defaults to physical memory; --dry-run prints each family's estimate):\n");
    cli_predopts_usage(fp);
}

static char *family_file(const batch_t *b, size_t i, const char *ext)
{
    const char *id = axcon_manifest_id(b->m, i);
    size_t n = strlen(b->outdir) + strlen(id) + strlen(ext) + 3;
    char *s = malloc(n);
    if (s) snprintf(s, n, "%s/%s.%s", b->outdir, id, ext);
    return s;
}

/* mkdir -p */
static int make_dirs(const char *dir, axcon_error_t *err)
{
    char *d = strdup(dir);
    if (!d) return axcon_error_set(err, AXCON_ENOMEM, "out of memory");
    int st = AXCON_OK;
    for (char *p = d + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(d, 0777) != 0 && errno != EEXIST) {
                st = axcon_error_set(err, AXCON_EINPUT, "%s: cannot create output directory: %s", d, strerror(errno));
                break;
            }
            *p = c;
            if (!c) break;
        }
    }
    free(d);
    struct stat sb;
    if (st == AXCON_OK && (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)))
        st = axcon_error_set(err, AXCON_EINPUT, "%s: not a directory", dir);
    return st;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Run family i in this process. */
static void compute_family(const batch_t *b, size_t i, axcon_batch_result_t *r)
{
    axcon_error_t err;
    axcon_error_clear(&err);
    memset(r, 0, sizeof *r);
    double t0 = now_s();
    const char *in = axcon_manifest_path(b->m, i);
    char *outp = family_file(b, i, axcon_batch_ext(b->fmt)), *donep = family_file(b, i, b->done_ext);
    axcon_batch_stamp_t stamp;
    cli_predict_stats_t ps = {0, 0, 0.0};
    int st;
    if (!outp || !donep) {
        st = axcon_error_set(&err, AXCON_ENOMEM, "out of memory");
        goto END;
    }
    if ((st = axcon_batch_stamp(in, &stamp, &err)) != AXCON_OK) goto END;
    if (unlink(donep) != 0 && errno != ENOENT) {
        st = axcon_error_set(&err, AXCON_EIO, "%s: cannot remove the old record: %s", donep, strerror(errno));
        goto END;
    }
    st = cli_predict_file_ex(in, outp, &b->p, NULL, &ps, &err);
    r->stats.nseq = ps.nseq;
    r->stats.ncol = ps.ncol;
    r->stats.neff = ps.neff;
    r->stats.seconds = now_s() - t0;
    r->stats.peak_kb = axcon_peak_rss_kb();
    if (st != AXCON_OK) goto END;
    st = axcon_batch_done_write(donep, axcon_manifest_id(b->m, i), b->fp, in, &stamp, outp, &r->stats, &err);
END:
    r->stats.seconds = now_s() - t0;
    r->status = axcon_batch_status_of(st);
    if (st != AXCON_OK) snprintf(r->msg, sizeof r->msg, "%s", err.msg[0] ? err.msg : axcon_status_str(st));
    free(outp);
    free(donep);
}

static int write_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Run family i in a forked child; fills r with the child's result, wall time and peak RSS. */
static void run_family(const batch_t *b, size_t i, axcon_batch_result_t *r)
{
    if (!b->fork) {
        compute_family(b, i, r);
        return;
    }
    memset(r, 0, sizeof *r);
    int fds[2];
    double t0 = now_s();
    if (pipe(fds) != 0) {
        r->status = AXCON_BATCH_ERROR;
        snprintf(r->msg, sizeof r->msg, "cannot create a pipe: %s", strerror(errno));
        return;
    }
    fflush(stdout);
    fflush(stderr);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        r->status = AXCON_BATCH_ERROR;
        snprintf(r->msg, sizeof r->msg, "cannot fork: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return;
    }
    if (pid == 0) {
        close(fds[0]);
#ifdef __linux__
        /* die (cleaning up our temporary) when the batch process dies, e.g. by SIGKILL */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif
        if (getppid() != parent) _exit(3);
        axcon_batch_result_t cr;
        compute_family(b, i, &cr);
        _exit(write_all(fds[1], &cr, sizeof cr) == 0 ? 0 : 4);
    }
    close(fds[1]);
    size_t got = 0;
    char *buf = (char *)r;
    while (got < sizeof *r) {
        ssize_t n = read(fds[0], buf + got, sizeof *r - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += (size_t)n;
    }
    close(fds[0]);
    int wst = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    while (wait4(pid, &wst, 0, &ru) < 0 && errno == EINTR) {}
    double secs = now_s() - t0;
    if (got != sizeof *r || !WIFEXITED(wst) || WEXITSTATUS(wst) != 0) {
        memset(r, 0, sizeof *r);
        r->status = AXCON_BATCH_ERROR;
        if (WIFSIGNALED(wst))
            snprintf(r->msg, sizeof r->msg, "family process killed by signal %d (%s)%s", WTERMSIG(wst),
                     strsignal(WTERMSIG(wst)), WTERMSIG(wst) == SIGKILL ? "; out of memory?" : "");
        else
            snprintf(r->msg, sizeof r->msg, "family process ended with status %d without a result",
                     WIFEXITED(wst) ? WEXITSTATUS(wst) : -1);
    }
    r->stats.seconds = secs;
    r->stats.peak_kb = ru.ru_maxrss;
}

static void log_result(const batch_t *b, size_t i, const axcon_batch_result_t *r, size_t k, size_t n, int rank)
{
    char where[32] = "";
    if (rank > 0) snprintf(where, sizeof where, " (rank %d)", rank);
    if (r->status == AXCON_BATCH_DONE || r->status == AXCON_BATCH_SKIPPED)
        axcon_log_write(AXCON_LOG_INFO, "axcon_cmd_batch", "%zu/%zu %s %s%s: N=%zu L=%zu Neff=%.1f, %.2f s, %.1f MB", k, n, axcon_manifest_id(b->m, i),
                   axcon_batch_status_name(r->status), where, r->stats.nseq, r->stats.ncol, r->stats.neff,
                   r->stats.seconds, (double)r->stats.peak_kb / 1024.0);
    else
        axcon_log_write(AXCON_LOG_ERROR, "axcon_cmd_batch", "%zu/%zu %s %s%s: %s", k, n, axcon_manifest_id(b->m, i),
                        axcon_batch_status_name(r->status), where, r->msg);
}

static int exit_code(const axcon_batch_result_t *res, size_t n)
{
    int rc = AXCON_EXIT_OK;
    for (size_t k = 0; k < n; k++) {
        if (res[k].status == AXCON_BATCH_ERROR || res[k].status == AXCON_BATCH_TOO_BIG) return AXCON_EXIT_INTERNAL;
        if (res[k].status == AXCON_BATCH_FAILED || res[k].status == AXCON_BATCH_PENDING) rc = AXCON_EXIT_USER;
    }
    return rc;
}

static int write_summary(const char *path, const batch_t *b, const size_t *idx, const axcon_batch_result_t *res,
                         size_t n)
{
    axcon_error_t err;
    axcon_error_clear(&err);
    if (axcon_batch_summary_write(path, b->m, idx, res, n, &err) != AXCON_OK) {
        axcon_log_write(AXCON_LOG_WARN, "axcon_cmd_batch", "cannot write the summary: %s", err.msg);
        return -1;
    }
    return 0;
}

/* Mark finished families SKIPPED (with their recorded stats), remove stale temporaries.
 * Returns the number of families still to run, or -1 after printing an error. */
static long prepare(const batch_t *b, const size_t *idx, size_t n, axcon_batch_result_t *res, const char *summary)
{
    axcon_error_t err;
    axcon_error_clear(&err);
    const char *ext = axcon_batch_ext(b->fmt);
    const char **names = calloc(2 * n + 1, sizeof *names);
    char **own = calloc(2 * n + 1, sizeof *own);
    long todo = 0;
    if (!names || !own) {
        free(names);
        free(own);
        fprintf(stderr, "axcon: error: out of memory\n");
        return -1;
    }
    size_t nn = 0;
    for (size_t k = 0; k < n; k++) {
        const char *id = axcon_manifest_id(b->m, idx[k]);
        size_t len = strlen(id) + strlen(ext) + 2;
        size_t dlen = strlen(id) + strlen(b->done_ext) + 2;
        char *a = malloc(len), *d = malloc(dlen);
        if (!a || !d) {
            free(a);
            free(d);
            todo = -1;
            fprintf(stderr, "axcon: error: out of memory\n");
            goto END;
        }
        snprintf(a, len, "%s.%s", id, ext);
        snprintf(d, dlen, "%s.%s", id, b->done_ext);
        names[nn] = own[nn] = a;
        nn++;
        names[nn] = own[nn] = d;
        nn++;
    }
    int removed = axcon_batch_clean_temps(b->outdir, names, nn, &err);
    if (removed < 0) {
        todo = -1;
        cli_fail(&err);
        goto END;
    }
    /* the summary's own temporaries, in its directory */
    {
        char *dir = strdup(summary);
        if (dir) {
            char *sl = strrchr(dir, '/');
            const char *base = sl ? sl + 1 : summary;
            if (sl) *sl = '\0';
            int r2 = axcon_batch_clean_temps(sl ? (dir[0] ? dir : "/") : ".", &base, 1, &err);
            if (r2 > 0) removed += r2;
            free(dir);
        }
    }
    if (removed > 0) axcon_info("removed %d temporary file%s left by an interrupted run", removed, removed == 1 ? "" : "s");
    for (size_t k = 0; k < n; k++) {
        size_t i = idx[k];
        memset(&res[k], 0, sizeof res[k]);
        char *outp = family_file(b, i, ext), *donep = family_file(b, i, b->done_ext);
        if (outp && donep &&
            axcon_batch_done_check(donep, axcon_manifest_id(b->m, i), b->fp, axcon_manifest_path(b->m, i), outp,
                                   &res[k].stats))
            res[k].status = AXCON_BATCH_SKIPPED;
        else
            todo++;
        free(outp);
        free(donep);
    }
END:
    for (size_t k = 0; k < nn; k++) free(own[k]);
    free(own);
    free((void *)names);
    return todo;
}

static int run_serial(const batch_t *b, const size_t *idx, size_t n, axcon_batch_result_t *res, const char *summary)
{
    size_t seen = 0;
    for (size_t k = 0; k < n; k++) {
        seen++;
        if (res[k].status == AXCON_BATCH_SKIPPED) {
            log_result(b, idx[k], &res[k], seen, n, 0);
            continue;
        }
        run_family(b, idx[k], &res[k]);
        log_result(b, idx[k], &res[k], seen, n, 0);
        write_summary(summary, b, idx, res, n);
    }
    return 0;
}

static int dry_run(const batch_t *b, const size_t *idx, size_t n)
{
    int rc = AXCON_EXIT_OK;
    for (size_t k = 0; k < n; k++) {
        size_t i = idx[k];
        axcon_error_t err;
        axcon_error_clear(&err);
        axcon_msa_t *msa = NULL;
        axcon_estimate_t est;
        int st = axcon_msa_read(axcon_manifest_path(b->m, i), &b->p.mo, &msa, &err);
        if (st == AXCON_OK) st = axcon_predict_estimate(msa, &b->p.po, b->threads, &est, &err);
        if (st == AXCON_OK) cli_print_estimate(stdout, axcon_manifest_id(b->m, i), msa, &est, &b->p.po, b->threads);
        else {
            printf("%s\tfailed\t%s\n", axcon_manifest_id(b->m, i), err.msg);
            rc = AXCON_EXIT_USER;
        }
        axcon_msa_free(msa);
    }
    return rc;
}

#ifdef HAVE_MPI
enum { TAG_WORK = 1, TAG_RESULT = 2 };
typedef struct {
    long idx;
    axcon_batch_result_t r;
} mpi_msg_t;

static int run_mpi(const batch_t *b, const size_t *idx, size_t n, axcon_batch_result_t *res, const char *summary,
                   int rank, int size)
{
    if (rank != 0) { /* worker: run what the master sends until it sends -1 */
        for (;;) {
            long i;
            MPI_Recv(&i, 1, MPI_LONG, 0, TAG_WORK, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            if (i < 0) break;
            mpi_msg_t msg;
            memset(&msg, 0, sizeof msg);
            msg.idx = i;
            run_family(b, (size_t)i, &msg.r);
            MPI_Send(&msg, (int)sizeof msg, MPI_BYTE, 0, TAG_RESULT, MPI_COMM_WORLD);
        }
        return 0;
    }
    size_t next = 0, seen = 0, outstanding = 0;
    /* position in idx of a manifest index */
    size_t nm = axcon_manifest_size(b->m);
    size_t *pos = malloc((nm ? nm : 1) * sizeof *pos);
    if (!pos) return -1;
    for (size_t k = 0; k < n; k++) pos[idx[k]] = k;
    for (size_t k = 0; k < n; k++)
        if (res[k].status == AXCON_BATCH_SKIPPED) log_result(b, idx[k], &res[k], ++seen, n, 0);
    for (int w = 1; w < size; w++) {
        long send = -1;
        while (next < n && res[next].status == AXCON_BATCH_SKIPPED) next++;
        if (next < n) {
            send = (long)idx[next++];
            outstanding++;
        }
        MPI_Send(&send, 1, MPI_LONG, w, TAG_WORK, MPI_COMM_WORLD);
    }
    while (outstanding > 0) {
        mpi_msg_t msg;
        MPI_Status ms;
        MPI_Recv(&msg, (int)sizeof msg, MPI_BYTE, MPI_ANY_SOURCE, TAG_RESULT, MPI_COMM_WORLD, &ms);
        outstanding--;
        size_t k = pos[msg.idx];
        res[k] = msg.r;
        log_result(b, idx[k], &res[k], ++seen, n, ms.MPI_SOURCE);
        write_summary(summary, b, idx, res, n);
        long send = -1;
        while (next < n && res[next].status == AXCON_BATCH_SKIPPED) next++;
        if (next < n) {
            send = (long)idx[next++];
            outstanding++;
        }
        MPI_Send(&send, 1, MPI_LONG, ms.MPI_SOURCE, TAG_WORK, MPI_COMM_WORLD);
    }
    free(pos);
    return 0;
}
#endif

int axcon_cmd_batch(int argc, char **argv)
{
    static const struct option longopts[] = {CLI_PREDICT_LONGOPTS,
                                             {"manifest", required_argument, 0, OPT_MANIFEST},
                                             {"outdir", required_argument, 0, OPT_OUTDIR},
                                             {"shard", required_argument, 0, OPT_SHARD},
                                             {"summary", required_argument, 0, OPT_SUMMARY},
                                             {"no-fork", no_argument, 0, OPT_NO_FORK},
                                             {"mpi", no_argument, 0, OPT_MPI},
                                             {"help", no_argument, 0, 'h'},
                                             {0, 0, 0, 0}};
    static const char *cmd = "batch";
    axcon_error_t err;
    axcon_error_clear(&err);
    batch_t b;
    memset(&b, 0, sizeof b);
    cli_predopts_init(&b.p);
    b.fork = 1;
    const char *manifest = NULL, *shard_s = NULL, *summary_opt = NULL;
    int use_mpi = 0, c, r, rc = AXCON_EXIT_OK;
    size_t *idx = NULL, n = 0;
    axcon_batch_result_t *res = NULL;
    char *summary = NULL;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":" CLI_PREDICT_SHORTOPTS "h", longopts, NULL)) != -1) {
        if ((r = cli_predopts_handle(&b.p, c, optarg, cmd)) != 0) {
            if (r < 0) return -r;
            continue;
        }
        switch (c) {
        case OPT_MANIFEST: manifest = optarg; break;
        case OPT_OUTDIR: b.outdir = optarg; break;
        case OPT_SHARD: shard_s = optarg; break;
        case OPT_SUMMARY: summary_opt = optarg; break;
        case OPT_NO_FORK: b.fork = 0; break;
        case OPT_MPI: use_mpi = 1; break;
        case 'h': batch_usage(stdout); return AXCON_EXIT_OK;
        case ':': return cli_usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
        default:
            if (optopt > 0 && optopt < 256) return cli_usage_error(cmd, "unknown option '-%c'", optopt);
            return cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc) return cli_usage_error(cmd, "unexpected argument '%s' (alignments go in --manifest)", argv[optind]);
    if (!manifest) return cli_usage_error(cmd, "--manifest LIST is required");
    if (!b.outdir && !b.p.dry_run) return cli_usage_error(cmd, "--outdir DIR is required");
    if (!b.outdir) b.outdir = ".";
#ifndef HAVE_MPI
    if (use_mpi)
        return cli_usage_error(cmd, "--mpi: this axcon was built without MPI (rebuild with ./configure --with-mpi)");
#endif
    if ((b.threads = cli_threads(cmd, b.p.threads)) < 0) return AXCON_EXIT_USER;
    axcon_shard_t sh = {0, 1};
    int from_env = 0;
    if (shard_s) {
        if (axcon_shard_parse(shard_s, &sh, &err) != AXCON_OK) return cli_usage_error(cmd, "%s", err.msg);
    } else if (axcon_shard_from_env(&sh, &from_env, &err) != AXCON_OK)
        return cli_usage_error(cmd, "%s", err.msg);
    if (axcon_manifest_read(manifest, &b.m, &err) != AXCON_OK) return cli_fail(&err);
    b.fmt = cli_predopts_format(&b.p, NULL);
    snprintf(b.done_ext, sizeof b.done_ext, "done");
    axcon_top_t topbuf;
    axcon_batch_fingerprint(&b.p.po, &b.p.mo, b.fmt, cli_predopts_top(&b.p, b.fmt, &topbuf), b.fp, sizeof b.fp);
    if (b.fmt == AXCON_OUT_RR && (b.p.wo.author || b.p.wo.target || b.p.remark[0])) {
        /* the RR header fields change the files: a rerun with other ones redoes them */
        size_t used = strlen(b.fp);
        unsigned long rk = crc32(0L, (const Bytef *)b.p.remark, (uInt)strlen(b.p.remark));
        snprintf(b.fp + used, sizeof b.fp - used, " author=%s target=%s remark=%08lx",
                 b.p.wo.author ? b.p.wo.author : "-", b.p.wo.target ? b.p.wo.target : "-", rk);
    }
    if (axcon_shard_select(b.m, &sh, &idx, &n, &err) != AXCON_OK) {
        rc = cli_fail(&err);
        goto END;
    }
    if (b.p.dry_run) {
        rc = dry_run(&b, idx, n);
        goto END;
    }

    int rank = 0, size = 1;
#ifdef HAVE_MPI
    if (use_mpi) {
        int provided;
        MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
        MPI_Comm_rank(MPI_COMM_WORLD, &rank);
        MPI_Comm_size(MPI_COMM_WORLD, &size);
    }
#endif
    int ok = 1;
    if (summary_opt) summary = strdup(summary_opt);
    else {
        size_t len = strlen(b.outdir) + 64;
        if ((summary = malloc(len))) {
            if (sh.count > 1) snprintf(summary, len, "%s/summary.%d-of-%d.tsv", b.outdir, sh.index + 1, sh.count);
            else snprintf(summary, len, "%s/summary.tsv", b.outdir);
        }
    }
    if (!summary || !(res = calloc(n ? n : 1, sizeof *res))) {
        fprintf(stderr, "axcon: error: out of memory\n");
        ok = 0;
        rc = AXCON_EXIT_INTERNAL;
    }
    for (size_t k = 0; ok && k < axcon_manifest_size(b.m); k++) { /* an output must not be the summary */
        char *o = family_file(&b, k, axcon_batch_ext(b.fmt));
        if (o && !strcmp(o, summary)) {
            fprintf(stderr, "axcon: error: %s:%zu: the output of ID '%s' would be the summary %s (rename the ID or "
                            "give --summary)\n", manifest, axcon_manifest_line(b.m, k), axcon_manifest_id(b.m, k), summary);
            ok = 0;
            rc = AXCON_EXIT_USER;
        }
        free(o);
    }
    long todo = 0;
    if (ok && rank == 0) {
        if (make_dirs(b.outdir, &err) != AXCON_OK) {
            rc = cli_fail(&err);
            ok = 0;
        } else if ((todo = prepare(&b, idx, n, res, summary)) < 0) {
            rc = AXCON_EXIT_INTERNAL;
            ok = 0;
        }
    }
#ifdef HAVE_MPI
    if (use_mpi) {
        int all_ok;
        MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
        if (!all_ok) {
            MPI_Finalize();
            if (rc == AXCON_EXIT_OK) rc = AXCON_EXIT_INTERNAL;
            goto END;
        }
    }
#endif
    if (!ok) goto END;
    if (rank == 0) {
        axcon_info("%zu famil%s in %s%s (shard %d/%d%s), %ld to run, %zu already done; %d thread%s each; output %s/ID.%s",
                   n, n == 1 ? "y" : "ies", manifest, "", sh.index + 1, sh.count, from_env ? " from SLURM" : "",
                   todo, n - (size_t)todo, b.threads, b.threads == 1 ? "" : "s", b.outdir, axcon_batch_ext(b.fmt));
        write_summary(summary, &b, idx, res, n);
    }
#ifdef HAVE_MPI
    if (use_mpi && size > 1) {
        run_mpi(&b, idx, n, res, summary, rank, size);
        MPI_Finalize();
        if (rank != 0) goto END;
    } else {
        if (use_mpi) MPI_Finalize();
        run_serial(&b, idx, n, res, summary);
    }
#else
    (void)size;
    run_serial(&b, idx, n, res, summary);
#endif
    if (write_summary(summary, &b, idx, res, n) != 0) rc = AXCON_EXIT_INTERNAL;
    {
        size_t cnt[6] = {0};
        for (size_t k = 0; k < n; k++) cnt[res[k].status]++;
        axcon_info("%zu done, %zu skipped, %zu failed, %zu too-big, %zu error; summary in %s", cnt[AXCON_BATCH_DONE],
                   cnt[AXCON_BATCH_SKIPPED], cnt[AXCON_BATCH_FAILED], cnt[AXCON_BATCH_TOO_BIG], cnt[AXCON_BATCH_ERROR],
                   summary);
        int ec = exit_code(res, n);
        if (ec > rc) rc = ec;
    }
END:
    free(summary);
    free(res);
    free(idx);
    axcon_manifest_free(b.m);
    return rc;
}
