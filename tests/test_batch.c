/* test_batch.c - tests of the batch module (axcon/batch.h) and `axcon batch`: manifest
 * parsing and its errors, shards (K/N and SLURM job arrays), the options fingerprint,
 * done-records, stale temporaries, the summary; end to end: bad families are reported and
 * skipped, reruns skip finished families, runs killed by SIGKILL at several moments and
 * restarted give byte-identical outputs, --max-mem / --dry-run, shards, and MPI. */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "axcon/batch.h"
#include "axcon/log.h"
#include "axcon/simulate.h"
#include "testutil.h"

static int count_substr(const char *s, const char *sub)
{
    int n = 0;
    for (const char *p = s; (p = strstr(p, sub)) != NULL; p += strlen(sub)) n++;
    return n;
}

/* ------------------------------------------------------------------ manifest */

static void test_manifest_parse(void)
{
    const char *text = "\xEF\xBB\xBF# families\n"
                       "data/1abc.a3m.gz\n"
                       "\n"
                       "  fam2\t/abs/path/x.fasta \r\n"
                       "dir/PF00072.sto\n"
                       "noext\n";
    axcon_manifest_t *m = NULL;
    axcon_error_t err;
    axcon_error_clear(&err);
    CU_ASSERT_EQUAL_FATAL(axcon_manifest_parse("list", text, strlen(text), &m, &err), AXCON_OK);
    CU_ASSERT_EQUAL_FATAL(axcon_manifest_size(m), 4);
    CU_ASSERT_STRING_EQUAL(axcon_manifest_id(m, 0), "1abc");
    CU_ASSERT_STRING_EQUAL(axcon_manifest_path(m, 0), "data/1abc.a3m.gz");
    CU_ASSERT_EQUAL(axcon_manifest_line(m, 0), 2);
    CU_ASSERT_STRING_EQUAL(axcon_manifest_id(m, 1), "fam2");
    CU_ASSERT_STRING_EQUAL(axcon_manifest_path(m, 1), "/abs/path/x.fasta");
    CU_ASSERT_EQUAL(axcon_manifest_line(m, 1), 4);
    CU_ASSERT_STRING_EQUAL(axcon_manifest_id(m, 2), "PF00072");
    CU_ASSERT_STRING_EQUAL(axcon_manifest_id(m, 3), "noext");
    axcon_manifest_free(m);
}

static void expect_manifest_error(const char *text, const char *needle)
{
    axcon_manifest_t *m = NULL;
    axcon_error_t err;
    axcon_error_clear(&err);
    CU_ASSERT_EQUAL(axcon_manifest_parse("list.txt", text, strlen(text), &m, &err), AXCON_EINPUT);
    CU_ASSERT_PTR_NULL(m);
    if (!strstr(err.msg, needle)) fprintf(stderr, "\nmessage '%s' lacks '%s'\n", err.msg, needle);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, needle));
}

static void test_manifest_errors(void)
{
    expect_manifest_error("a/x.a3m\nb/x.fa\n", "list.txt:2: duplicate ID 'x' (first on line 1)");
    expect_manifest_error("ok.a3m\nid\tp\textra\n", "list.txt:2: more than two tab-separated fields");
    expect_manifest_error("ok.a3m\n\nfam\t  \n", "list.txt:3: empty path after the ID 'fam'");
    expect_manifest_error("a/b/c\n.hidden\tx.a3m\n", "list.txt:2: ID starts with '.'");
    expect_manifest_error("x\\y\tok\nbad/id\tx.a3m\n", "list.txt:2: ID contains '/'");
    expect_manifest_error("dir/.a3m\n", "list.txt:1: ID starts with '.'");
    /* a missing manifest and an empty one */
    axcon_manifest_t *m = NULL;
    axcon_error_t err;
    axcon_error_clear(&err);
    CU_ASSERT_EQUAL(axcon_manifest_read("/no/such/list.txt", &m, &err), AXCON_EINPUT);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "/no/such/list.txt"));
    char *empty = axt_tmp("empty.list");
    axt_write_str(empty, "# nothing\n\n");
    CU_ASSERT_EQUAL(axcon_manifest_read(empty, &m, &err), AXCON_EINPUT);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "lists no alignments"));
    free(empty);
}

static void test_id_from_path(void)
{
    char b[64];
    axcon_batch_id_from_path("/a/b/T1096-D1.a3m.bgz", b, sizeof b);
    CU_ASSERT_STRING_EQUAL(b, "T1096-D1");
    axcon_batch_id_from_path("x.fa.gz", b, sizeof b);
    CU_ASSERT_STRING_EQUAL(b, "x");
    axcon_batch_id_from_path("plain", b, sizeof b);
    CU_ASSERT_STRING_EQUAL(b, "plain");
    axcon_batch_id_from_path("dir/", b, sizeof b);
    CU_ASSERT_STRING_EQUAL(b, "");
}

/* ------------------------------------------------------------------ shards */

static void test_shard_parse(void)
{
    axcon_shard_t sh;
    axcon_error_t err;
    CU_ASSERT_EQUAL(axcon_shard_parse("2/8", &sh, &err), AXCON_OK);
    CU_ASSERT_EQUAL(sh.index, 1);
    CU_ASSERT_EQUAL(sh.count, 8);
    CU_ASSERT_EQUAL(axcon_shard_parse("1/1", &sh, &err), AXCON_OK);
    const char *bad[] = {"0/4", "5/4", "2", "a/b", "2/0", "1/2x", "/3", "-1/3", ""};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        CU_ASSERT_EQUAL(axcon_shard_parse(bad[k], &sh, &err), AXCON_EUSAGE);
        CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "--shard wants K/N"));
    }
}

static void clear_slurm_env(void)
{
    const char *v[] = {"SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT", "SLURM_ARRAY_TASK_MIN", "SLURM_ARRAY_TASK_MAX",
                       "SLURM_ARRAY_TASK_STEP"};
    for (size_t k = 0; k < 5; k++) unsetenv(v[k]);
}

static void test_shard_env(void)
{
    axcon_shard_t sh;
    axcon_error_t err;
    int found;
    clear_slurm_env();
    CU_ASSERT_EQUAL(axcon_shard_from_env(&sh, &found, &err), AXCON_OK);
    CU_ASSERT_EQUAL(found, 0);
    CU_ASSERT_EQUAL(sh.count, 1);
    /* --array=0-3 */
    setenv("SLURM_ARRAY_TASK_ID", "3", 1);
    setenv("SLURM_ARRAY_TASK_COUNT", "4", 1);
    setenv("SLURM_ARRAY_TASK_MIN", "0", 1);
    setenv("SLURM_ARRAY_TASK_MAX", "3", 1);
    CU_ASSERT_EQUAL(axcon_shard_from_env(&sh, &found, &err), AXCON_OK);
    CU_ASSERT_EQUAL(found, 1);
    CU_ASSERT_EQUAL(sh.index, 3);
    CU_ASSERT_EQUAL(sh.count, 4);
    /* --array=1-10, no COUNT: from MIN/MAX */
    clear_slurm_env();
    setenv("SLURM_ARRAY_TASK_ID", "1", 1);
    setenv("SLURM_ARRAY_TASK_MIN", "1", 1);
    setenv("SLURM_ARRAY_TASK_MAX", "10", 1);
    CU_ASSERT_EQUAL(axcon_shard_from_env(&sh, &found, &err), AXCON_OK);
    CU_ASSERT_EQUAL(sh.index, 0);
    CU_ASSERT_EQUAL(sh.count, 10);
    /* --array=0-15:4 -> ids 0,4,8,12 */
    setenv("SLURM_ARRAY_TASK_ID", "8", 1);
    setenv("SLURM_ARRAY_TASK_MIN", "0", 1);
    setenv("SLURM_ARRAY_TASK_MAX", "12", 1);
    setenv("SLURM_ARRAY_TASK_STEP", "4", 1);
    CU_ASSERT_EQUAL(axcon_shard_from_env(&sh, &found, &err), AXCON_OK);
    CU_ASSERT_EQUAL(sh.index, 2);
    CU_ASSERT_EQUAL(sh.count, 4);
    /* malformed and inconsistent */
    setenv("SLURM_ARRAY_TASK_ID", "x", 1);
    CU_ASSERT_EQUAL(axcon_shard_from_env(&sh, &found, &err), AXCON_EUSAGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "SLURM_ARRAY_TASK_ID"));
    clear_slurm_env();
    setenv("SLURM_ARRAY_TASK_ID", "2", 1);
    CU_ASSERT_EQUAL(axcon_shard_from_env(&sh, &found, &err), AXCON_EUSAGE);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "--shard"));
    clear_slurm_env();
}

static void test_shard_select(void)
{
    /* 7 families: files of different sizes, one missing */
    char text[2048] = "";
    const int sizes[7] = {10, 50, 30, -1, 50, 5, 70};
    for (int i = 0; i < 7; i++) {
        char name[32], *p;
        snprintf(name, sizeof name, "sel%d.a3m", i);
        p = axt_tmp(name);
        if (sizes[i] >= 0) {
            char *buf = calloc(1, (size_t)sizes[i] + 1);
            memset(buf, 'A', (size_t)sizes[i]);
            axt_write_str(p, buf);
            free(buf);
        }
        strcat(text, p);
        strcat(text, "\n");
        free(p);
    }
    axcon_manifest_t *m;
    axcon_error_t err;
    CU_ASSERT_EQUAL_FATAL(axcon_manifest_parse("l", text, strlen(text), &m, &err), AXCON_OK);
    int seen[7] = {0};
    for (int k = 0; k < 3; k++) {
        axcon_shard_t sh = {k, 3};
        size_t *idx, n;
        CU_ASSERT_EQUAL_FATAL(axcon_shard_select(m, &sh, &idx, &n, &err), AXCON_OK);
        for (size_t t = 0; t < n; t++) {
            CU_ASSERT_EQUAL(idx[t] % 3, (size_t)k); /* every N-th family */
            seen[idx[t]]++;
            if (t) { /* largest input first, ties by manifest order */
                int a = sizes[idx[t - 1]], b = sizes[idx[t]];
                CU_ASSERT(a > b || (a == b && idx[t - 1] < idx[t]));
            }
        }
        free(idx);
    }
    for (int i = 0; i < 7; i++) CU_ASSERT_EQUAL(seen[i], 1);
    axcon_shard_t all = {0, 1};
    size_t *idx, n;
    CU_ASSERT_EQUAL(axcon_shard_select(m, &all, &idx, &n, &err), AXCON_OK);
    CU_ASSERT_EQUAL(n, 7);
    CU_ASSERT_EQUAL(idx[0], 6); /* 70 bytes */
    CU_ASSERT_EQUAL(idx[1], 1); /* 50, before index 4 */
    CU_ASSERT_EQUAL(idx[2], 4);
    CU_ASSERT_EQUAL(idx[6], 3); /* missing last */
    free(idx);
    axcon_manifest_free(m);
}

/* ------------------------------------------------------------------ fingerprint, records */

static void test_fingerprint(void)
{
    axcon_predict_opts_t po;
    axcon_msa_opts_t mo;
    axcon_predict_opts_init(&po);
    axcon_msa_opts_init(&mo);
    char a[AXCON_FINGERPRINT_MAX], b[AXCON_FINGERPRINT_MAX];
    axcon_batch_fingerprint(&po, &mo, AXCON_OUT_TSV, NULL, a, sizeof a);
    CU_ASSERT_PTR_NOT_NULL(strstr(a, "axcon " PACKAGE_VERSION));
    CU_ASSERT_PTR_NULL(strchr(a, '\t'));
    CU_ASSERT_PTR_NULL(strchr(a, '\n'));
    po.max_mem = 123456789.0; /* a limit: same outputs */
    axcon_batch_fingerprint(&po, &mo, AXCON_OUT_TSV, NULL, b, sizeof b);
    CU_ASSERT_STRING_EQUAL(a, b);
    axcon_top_t top = {10, 0};
    axcon_batch_fingerprint(&po, &mo, AXCON_OUT_TSV, &top, b, sizeof b);
    CU_ASSERT_STRING_NOT_EQUAL(a, b);
    axcon_batch_fingerprint(&po, &mo, AXCON_OUT_RR, NULL, b, sizeof b);
    CU_ASSERT_STRING_NOT_EQUAL(a, b);
    po.method = AXCON_METHOD_MF;
    axcon_batch_fingerprint(&po, &mo, AXCON_OUT_TSV, NULL, b, sizeof b);
    CU_ASSERT_STRING_NOT_EQUAL(a, b);
    axcon_predict_opts_init(&po);
    po.mf_pseudocount = 0.5;
    axcon_batch_fingerprint(&po, &mo, AXCON_OUT_TSV, NULL, b, sizeof b);
    CU_ASSERT_STRING_NOT_EQUAL(a, b);
    axcon_predict_opts_init(&po);
    mo.max_col_gap = 0.5;
    axcon_batch_fingerprint(&po, &mo, AXCON_OUT_TSV, NULL, b, sizeof b);
    CU_ASSERT_STRING_NOT_EQUAL(a, b);
    CU_ASSERT_STRING_EQUAL(axcon_batch_ext(AXCON_OUT_ROSETTA), "cst");
    CU_ASSERT_STRING_EQUAL(axcon_batch_ext(AXCON_OUT_RR), "rr");
}

static void test_done_record(void)
{
    char *in = axt_tmp("rec_in.a3m"), *out = axt_tmp("rec_out.tsv"), *done = axt_tmp("rec.done");
    axt_write_str(in, ">q\nACDE\n>s\nACDF\n");
    axt_write_str(out, "1\t3\t0.5\t0.9\n");
    axcon_batch_stamp_t stamp;
    axcon_error_t err;
    CU_ASSERT_EQUAL_FATAL(axcon_batch_stamp(in, &stamp, &err), AXCON_OK);
    CU_ASSERT_EQUAL(stamp.size, 16);
    axcon_batch_stats_t s = {2, 4, 1.5, 0.25, 2048}, got;
    CU_ASSERT_FALSE(axcon_batch_done_check(done, "rec", "FP", in, out, &got)); /* no record yet */
    CU_ASSERT_EQUAL_FATAL(axcon_batch_done_write(done, "rec", "FP", in, &stamp, out, &s, &err), AXCON_OK);
    CU_ASSERT_TRUE(axcon_batch_done_check(done, "rec", "FP", in, out, &got));
    CU_ASSERT_EQUAL(got.nseq, 2);
    CU_ASSERT_EQUAL(got.ncol, 4);
    CU_ASSERT_DOUBLE_EQUAL(got.neff, 1.5, 1e-6);
    CU_ASSERT_EQUAL(got.peak_kb, 2048);
    CU_ASSERT_FALSE(axcon_batch_done_check(done, "rec", "FP2", in, out, NULL)); /* other options */
    CU_ASSERT_FALSE(axcon_batch_done_check(done, "other", "FP", in, out, NULL));
    /* output changed (same size), then restored */
    axt_write_str(out, "1\t3\t0.5\t0.8\n");
    CU_ASSERT_FALSE(axcon_batch_done_check(done, "rec", "FP", in, out, NULL));
    axt_write_str(out, "1\t3\t0.5\t0.9\n");
    CU_ASSERT_TRUE(axcon_batch_done_check(done, "rec", "FP", in, out, NULL));
    /* input modified: new mtime */
    struct timespec ts[2] = {{0, UTIME_OMIT}, {12345, 0}};
    CU_ASSERT_EQUAL(utimensat(AT_FDCWD, in, ts, 0), 0);
    CU_ASSERT_FALSE(axcon_batch_done_check(done, "rec", "FP", in, out, NULL));
    CU_ASSERT_EQUAL(axcon_batch_stamp(in, &stamp, &err), AXCON_OK);
    CU_ASSERT_EQUAL(axcon_batch_done_write(done, "rec", "FP", in, &stamp, out, &s, &err), AXCON_OK);
    CU_ASSERT_TRUE(axcon_batch_done_check(done, "rec", "FP", in, out, NULL));
    /* a truncated record does not count */
    size_t len;
    char *text = axt_slurp(done, &len);
    axt_write(done, text, len - 3);
    CU_ASSERT_FALSE(axcon_batch_done_check(done, "rec", "FP", in, out, NULL));
    free(text);
    /* output missing */
    CU_ASSERT_EQUAL(axcon_batch_done_write(done, "rec", "FP", in, &stamp, out, &s, &err), AXCON_OK);
    unlink(out);
    CU_ASSERT_FALSE(axcon_batch_done_check(done, "rec", "FP", in, out, NULL));
    CU_ASSERT_NOT_EQUAL(axcon_batch_done_write(done, "rec", "FP", in, &stamp, out, &s, &err), AXCON_OK);
    CU_ASSERT_NOT_EQUAL(axcon_batch_stamp("/no/such/file", &stamp, &err), AXCON_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "/no/such/file"));
    free(in);
    free(out);
    free(done);
}

static void test_clean_temps(void)
{
    char *dir = axt_tmp("cleandir");
    CU_ASSERT_EQUAL_FATAL(mkdir(dir, 0777), 0);
    const char *files[] = {".a.tsv.AbC123", ".a.done.x1y2z3", ".b.tsv.QQQQQQ", "a.tsv", ".a.tsv", ".a.tsv.toolong7"};
    for (size_t k = 0; k < 6; k++) {
        char p[4096];
        snprintf(p, sizeof p, "%s/%s", dir, files[k]);
        axt_write_str(p, "x");
    }
    const char *names[] = {"a.tsv", "a.done"};
    axcon_error_t err;
    CU_ASSERT_EQUAL(axcon_batch_clean_temps(dir, names, 2, &err), 2);
    const int kept[] = {0, 0, 1, 1, 1, 1};
    for (size_t k = 0; k < 6; k++) {
        char p[4096];
        snprintf(p, sizeof p, "%s/%s", dir, files[k]);
        CU_ASSERT_EQUAL(axt_exists(p), kept[k]);
    }
    CU_ASSERT(axcon_batch_clean_temps("/no/such/dir", names, 2, &err) < 0);
    free(dir);
}

static void test_summary_format(void)
{
    const char *text = "a\tx.a3m\nb\ty.a3m\nc\tz.a3m\n";
    axcon_manifest_t *m;
    axcon_error_t err;
    CU_ASSERT_EQUAL_FATAL(axcon_manifest_parse("l", text, strlen(text), &m, &err), AXCON_OK);
    size_t idx[3] = {2, 0, 1}; /* running order; the summary is in manifest order */
    axcon_batch_result_t res[3];
    memset(res, 0, sizeof res);
    res[0].status = AXCON_BATCH_FAILED;
    snprintf(res[0].msg, sizeof res[0].msg, "z.a3m:3: bad\tthing\nhere");
    res[0].stats.seconds = 0.5;
    res[1].status = AXCON_BATCH_DONE;
    res[1].stats = (axcon_batch_stats_t){100, 50, 42.25, 1.5, 2048};
    res[2].status = AXCON_BATCH_PENDING;
    char *path = axt_tmp("summary.tsv");
    CU_ASSERT_EQUAL_FATAL(axcon_batch_summary_write(path, m, idx, res, 3, &err), AXCON_OK);
    char *s = axt_slurp(path, NULL);
    CU_ASSERT_STRING_EQUAL(s, "#id\tstatus\tN\tL\tNeff\tseconds\tpeak_mem_mb\tmessage\n"
                              "a\tdone\t100\t50\t42.2\t1.50\t2.0\t\n"
                              "b\tpending\t-\t-\t-\t-\t-\t\n"
                              "c\tfailed\t-\t-\t-\t0.50\t0.0\tz.a3m:3: bad thing here\n");
    free(s);
    free(path);
    axcon_manifest_free(m);
    CU_ASSERT_STRING_EQUAL(axcon_batch_status_name(AXCON_BATCH_TOO_BIG), "too-big");
    CU_ASSERT_EQUAL(axcon_batch_status_of(AXCON_OK), AXCON_BATCH_DONE);
    CU_ASSERT_EQUAL(axcon_batch_status_of(AXCON_EINPUT), AXCON_BATCH_FAILED);
    CU_ASSERT_EQUAL(axcon_batch_status_of(AXCON_ERESOURCE), AXCON_BATCH_TOO_BIG);
    CU_ASSERT_EQUAL(axcon_batch_status_of(AXCON_ENOMEM), AXCON_BATCH_ERROR);
}

/* ------------------------------------------------------------------ estimate, --max-mem */

static axcon_msa_t *sim_msa(size_t L, size_t N, unsigned seed)
{
    char prefix[64];
    snprintf(prefix, sizeof prefix, "est%zu_%zu", L, N);
    char *p = axt_tmp(prefix);
    int rc = axt_runf(NULL, NULL, "%s simulate -q -L %zu -N %zu --seed %u -o %s", axt_axcon(), L, N, seed, p);
    CU_ASSERT_EQUAL(rc, 0);
    char path[4200];
    snprintf(path, sizeof path, "%s.a3m", p);
    free(p);
    axcon_msa_t *msa = NULL;
    axcon_error_t err;
    if (axcon_msa_read(path, NULL, &msa, &err) != AXCON_OK) return NULL;
    return msa;
}

static void test_estimate_and_max_mem(void)
{
    axcon_log_set_level(AXCON_LOG_ERROR);
    axcon_msa_t *msa = sim_msa(60, 300, 7);
    CU_ASSERT_PTR_NOT_NULL_FATAL(msa);
    axcon_predict_opts_t o;
    axcon_predict_opts_init(&o);
    axcon_error_t err;
    axcon_estimate_t e[3];
    for (int m = 0; m < 3; m++) {
        o.method = (axcon_method_t)m;
        CU_ASSERT_EQUAL(axcon_predict_estimate(msa, &o, 1, &e[m], &err), AXCON_OK);
        CU_ASSERT(e[m].bytes > e[m].model_bytes && e[m].model_bytes > 0);
        CU_ASSERT(e[m].bytes < 1e9); /* L=60, N=300: tiny */
        CU_ASSERT(e[m].seconds > 0);
    }
    /* larger alignments need more memory */
    axcon_msa_t *big = sim_msa(120, 300, 8);
    CU_ASSERT_PTR_NOT_NULL_FATAL(big);
    for (int m = 0; m < 3; m++) {
        axcon_estimate_t eb;
        o.method = (axcon_method_t)m;
        CU_ASSERT_EQUAL(axcon_predict_estimate(big, &o, 1, &eb, &err), AXCON_OK);
        CU_ASSERT(eb.model_bytes > e[m].model_bytes);
    }
    /* axcon_predict refuses before computing */
    o.method = AXCON_METHOD_MF;
    o.max_mem = 1024.0 * 1024.0; /* 1 MB */
    axcon_cmap_t *cm = NULL;
    CU_ASSERT_EQUAL(axcon_predict(msa, &o, &cm, &err), AXCON_ERESOURCE);
    CU_ASSERT_PTR_NULL(cm);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "GB allowed (--max-mem)"));
    o.max_mem = 0.0; /* no limit */
    CU_ASSERT_EQUAL(axcon_predict(msa, &o, &cm, &err), AXCON_OK);
    axcon_cmap_free(cm);
    CU_ASSERT_EQUAL(axcon_predict_estimate(NULL, &o, 1, &e[0], &err), AXCON_EUSAGE);
    axcon_msa_free(msa);
    axcon_msa_free(big);
}

/* ------------------------------------------------------------------ end to end */

/* n families fam<k>.a3m in dir (L 40..80, N 200..600); returns the manifest path */
static char *make_families(const char *dir, int n, unsigned seed)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/list.txt", dir);
    FILE *fp = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
    for (int k = 0; k < n; k++) {
        int L = 40 + (int)((seed + 13u * (unsigned)k) % 41u), N = 200 + (int)((seed * 7u + 101u * (unsigned)k) % 401u);
        int rc = axt_runf(NULL, NULL, "%s simulate -q -L %d -N %d --seed %u -o %s/fam%02d", axt_axcon(), L, N,
                          seed + (unsigned)k, dir, k);
        CU_ASSERT_EQUAL(rc, 0);
        fprintf(fp, "%s/fam%02d.a3m\n", dir, k);
    }
    fclose(fp);
    return strdup(path);
}

static char *mkdir_tmp(const char *name)
{
    char *d = axt_tmp(name);
    mkdir(d, 0777);
    return d;
}

/* 1 if the two directories hold the same output files (name.ext, excluding .done and
 * summary*) with identical bytes; also the list of names must match. */
static int same_outputs(const char *a, const char *b, const char *ext, int expect)
{
    int n = 0, ok = 1;
    DIR *d = opendir(a);
    if (!d) return 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name), el = strlen(ext);
        if (len <= el || strcmp(de->d_name + len - el, ext) || !strncmp(de->d_name, "summary", 7)) continue;
        char pa[4200], pb[4200];
        snprintf(pa, sizeof pa, "%s/%s", a, de->d_name);
        snprintf(pb, sizeof pb, "%s/%s", b, de->d_name);
        size_t la, lb;
        char *x = axt_slurp(pa, &la), *y = axt_slurp(pb, &lb);
        if (!x || !y || la != lb || memcmp(x, y, la)) {
            fprintf(stderr, "\n%s differs between %s and %s\n", de->d_name, a, b);
            ok = 0;
        }
        free(x);
        free(y);
        n++;
    }
    closedir(d);
    /* the same number of such files in b */
    int nb = 0;
    d = opendir(b);
    if (!d) return 0;
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name), el = strlen(ext);
        if (len > el && !strcmp(de->d_name + len - el, ext) && strncmp(de->d_name, "summary", 7)) nb++;
    }
    closedir(d);
    if (n != expect || nb != expect) {
        fprintf(stderr, "\n%d and %d %s files, expected %d\n", n, nb, ext, expect);
        ok = 0;
    }
    return ok;
}

static int count_hidden(const char *dir)
{
    int n = 0;
    DIR *d = opendir(dir);
    if (!d) return -1;
    struct dirent *de;
    while ((de = readdir(d)))
        if (de->d_name[0] == '.' && strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) n++;
    closedir(d);
    return n;
}

static void test_bad_families_skipped(void)
{
    /* 20 entries: 17 good (6 distinct alignments under 17 IDs), missing, corrupt, truncated gzip */
    char *dir = mkdir_tmp("bad20");
    char *list = make_families(dir, 6, 11);
    free(list);
    char path[4200];
    snprintf(path, sizeof path, "%s/corrupt.a3m", dir);
    axt_write_str(path, ">q\nACDEFGHIKL\n>s1\nACD#FGHIKL\n");
    snprintf(path, sizeof path, "%s/trunc.a3m.gz", dir);
    CU_ASSERT_EQUAL(axt_runf(NULL, NULL, "gzip -c %s/fam00.a3m | head -c 300 > %s", dir, path), 0);
    snprintf(path, sizeof path, "%s/list20.txt", dir);
    FILE *fp = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
    for (int k = 0; k < 20; k++) {
        if (k == 4) fprintf(fp, "missing\t%s/no_such_family.a3m\n", dir);
        else if (k == 9) fprintf(fp, "%s/corrupt.a3m\n", dir);
        else if (k == 15) fprintf(fp, "%s/trunc.a3m.gz\n", dir);
        else fprintf(fp, "g%02d\t%s/fam%02d.a3m\n", k, dir, k % 6);
    }
    fclose(fp);
    char *out = axt_tmp("bad20/out"), *err = NULL, *so = NULL;
    int rc = axt_runf(&so, &err, "%s batch -q -m mf -t 1 --manifest %s --outdir %s", axt_axcon(), path, out);
    CU_ASSERT_EQUAL(rc, 1);
    CU_ASSERT_STRING_EQUAL(so, ""); /* stdout carries nothing */
    char sp[4300];
    snprintf(sp, sizeof sp, "%s/summary.tsv", out);
    char *sum = axt_slurp(sp, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sum);
    CU_ASSERT_EQUAL(count_substr(sum, "\tdone\t"), 17);
    CU_ASSERT_EQUAL(count_substr(sum, "\tfailed\t"), 3);
    CU_ASSERT_EQUAL(count_substr(sum, "\n"), 21);
    CU_ASSERT_PTR_NOT_NULL(strstr(sum, "missing\tfailed\t"));
    CU_ASSERT_PTR_NOT_NULL(strstr(sum, "no_such_family.a3m"));
    CU_ASSERT_PTR_NOT_NULL(strstr(sum, "corrupt\tfailed\t"));
    CU_ASSERT_PTR_NOT_NULL(strstr(sum, "corrupt.a3m:4:"));
    CU_ASSERT_PTR_NOT_NULL(strstr(sum, "trunc\tfailed\t"));
    CU_ASSERT_PTR_NOT_NULL(strstr(sum, "trunc.a3m.gz"));
    /* the 17 outputs exist, the 3 bad ones have none */
    int have = 0;
    for (int k = 0; k < 20; k++) {
        char p[4400];
        snprintf(p, sizeof p, "%s/g%02d.tsv", out, k);
        have += axt_exists(p);
    }
    CU_ASSERT_EQUAL(have, 17);
    snprintf(sp, sizeof sp, "%s/corrupt.tsv", out);
    CU_ASSERT_FALSE(axt_exists(sp));
    snprintf(sp, sizeof sp, "%s/missing.tsv", out);
    CU_ASSERT_FALSE(axt_exists(sp));
    CU_ASSERT_EQUAL(count_hidden(out), 0);
    /* the same alignment under two IDs gives the same bytes (g00 and g06 are fam00) */
    {
        char a[4400], b[4400];
        snprintf(a, sizeof a, "%s/g00.tsv", out);
        snprintf(b, sizeof b, "%s/g06.tsv", out);
        char *x = axt_slurp(a, NULL), *y = axt_slurp(b, NULL);
        CU_ASSERT(x && y && !strcmp(x, y));
        free(x);
        free(y);
    }
    /* errors are named on stderr */
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "corrupt.a3m:4:"));
    free(sum);
    free(err);
    free(so);
    /* rerun: the 17 are skipped, the 3 are retried and fail again */
    rc = axt_runf(NULL, NULL, "%s batch -q -m mf -t 1 --manifest %s --outdir %s", axt_axcon(), path, out);
    CU_ASSERT_EQUAL(rc, 1);
    snprintf(sp, sizeof sp, "%s/summary.tsv", out);
    sum = axt_slurp(sp, NULL);
    CU_ASSERT_EQUAL(count_substr(sum, "\tskipped\t"), 17);
    CU_ASSERT_EQUAL(count_substr(sum, "\tfailed\t"), 3);
    CU_ASSERT_PTR_NOT_NULL(strstr(sum, "g01\tskipped\t")); /* recorded N, L, Neff */
    CU_ASSERT_PTR_NULL(strstr(sum, "g01\tskipped\t-"));
    free(sum);
    free(out);
    free(dir);
}

static pid_t spawn_batch(const char *manifest, const char *outdir)
{
    pid_t pid = fork();
    if (pid == 0) {
        FILE *devnull = freopen("/dev/null", "w", stdout);
        (void)devnull;
        devnull = freopen("/dev/null", "w", stderr);
        (void)devnull;
        execl(axt_axcon(), axt_axcon(), "batch", "-q", "-m", "mf", "-t", "1", "--manifest", manifest, "--outdir",
              outdir, (char *)NULL);
        _exit(127);
    }
    return pid;
}

static double wall(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec + 1e-6 * (double)tv.tv_usec;
}

static void test_kill_and_resume(void)
{
    char *dir = mkdir_tmp("kill");
    const int nfam = 8;
    char *list = make_families(dir, nfam, 3);
    char ref[4300], out[4300];
    snprintf(ref, sizeof ref, "%s/ref", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    /* the uninterrupted run */
    double t0 = wall();
    pid_t pid = spawn_batch(list, ref);
    int st;
    waitpid(pid, &st, 0);
    double T = wall() - t0;
    CU_ASSERT_FATAL(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    /* killed runs at several moments over the run: early (inside the first family), middle,
     * late, plus random ones; each restart continues where the last stopped */
    unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
    srand(seed);
    double frac[7] = {0.02, 0.15, 0.3, 0.5, 0.75, 0, 0};
    frac[5] = (double)rand() / RAND_MAX * 0.6;
    frac[6] = (double)rand() / RAND_MAX * 0.6;
    int killed = 0;
    for (int k = 0; k < 7; k++) {
        pid = spawn_batch(list, out);
        usleep((useconds_t)(frac[k] * T * 1e6));
        kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
        killed += WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL;
    }
    if (killed < 3)
        fprintf(stderr, "\nnote: only %d of 7 runs were still running when killed (seed %u)\n", killed, seed);
    CU_ASSERT(killed >= 1);
    /* restart to completion */
    pid = spawn_batch(list, out);
    waitpid(pid, &st, 0);
    CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    if (!same_outputs(ref, out, ".tsv", nfam)) {
        fprintf(stderr, "kill-and-resume outputs differ (seed %u, T %.2f s)\n", seed, T);
        CU_FAIL("outputs differ from the uninterrupted run");
    }
    CU_ASSERT_EQUAL(count_hidden(out), 0); /* no temporaries left */
    CU_ASSERT_EQUAL(count_hidden(ref), 0);
    /* one more run: everything is skipped and nothing changes */
    pid = spawn_batch(list, out);
    waitpid(pid, &st, 0);
    CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    char sp[4400];
    snprintf(sp, sizeof sp, "%s/summary.tsv", out);
    char *sum = axt_slurp(sp, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sum);
    CU_ASSERT_EQUAL(count_substr(sum, "\tskipped\t"), nfam);
    free(sum);
    CU_ASSERT(same_outputs(ref, out, ".tsv", nfam));
    /* a corrupted output or a different option is redone */
    char victim[4400];
    snprintf(victim, sizeof victim, "%s/fam03.tsv", out);
    axt_write_str(victim, "garbage\n");
    CU_ASSERT_EQUAL(axt_runf(NULL, NULL, "%s batch -q -m mf -t 1 --manifest %s --outdir %s", axt_axcon(), list, out), 0);
    sum = axt_slurp(sp, NULL);
    CU_ASSERT_EQUAL(count_substr(sum, "\tskipped\t"), nfam - 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(sum, "fam03\tdone\t"));
    free(sum);
    CU_ASSERT(same_outputs(ref, out, ".tsv", nfam));
    CU_ASSERT_EQUAL(axt_runf(NULL, NULL, "%s batch -q -m mf -t 1 --top 10 --manifest %s --outdir %s", axt_axcon(), list,
                             out), 0);
    sum = axt_slurp(sp, NULL);
    CU_ASSERT_EQUAL(count_substr(sum, "\tdone\t"), nfam);
    free(sum);
    char *t = axt_slurp(victim, NULL);
    CU_ASSERT_EQUAL(count_substr(t, "\n"), 10);
    free(t);
    free(list);
    free(dir);
}

static void test_shards_and_max_mem(void)
{
    char *dir = mkdir_tmp("shards");
    char *list = make_families(dir, 5, 21);
    char full[4300], part[4300];
    snprintf(full, sizeof full, "%s/full", dir);
    snprintf(part, sizeof part, "%s/part", dir);
    CU_ASSERT_EQUAL(axt_runf(NULL, NULL, "%s batch -q -m mf -t 1 --manifest %s --outdir %s", axt_axcon(), list, full), 0);
    /* shard 1/2 by option, shard 2/2 from a SLURM job array (--array=1-2) */
    CU_ASSERT_EQUAL(axt_runf(NULL, NULL, "%s batch -q -m mf -t 1 --shard 1/2 --manifest %s --outdir %s", axt_axcon(),
                             list, part), 0);
    char sp[4400];
    snprintf(sp, sizeof sp, "%s/summary.1-of-2.tsv", part);
    char *s1 = axt_slurp(sp, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s1);
    CU_ASSERT_EQUAL(count_substr(s1, "\tdone\t"), 3); /* families 0, 2, 4 */
    CU_ASSERT_PTR_NOT_NULL(strstr(s1, "fam00\t"));
    CU_ASSERT_PTR_NOT_NULL(strstr(s1, "fam04\t"));
    CU_ASSERT_PTR_NULL(strstr(s1, "fam01\t"));
    free(s1);
    CU_ASSERT_EQUAL(axt_runf(NULL, NULL,
                             "env -u OMP_NUM_THREADS SLURM_ARRAY_TASK_ID=2 SLURM_ARRAY_TASK_MIN=1 SLURM_ARRAY_TASK_MAX=2 "
                             "SLURM_CPUS_PER_TASK=1 %s batch -q -m mf --manifest %s --outdir %s",
                             axt_axcon(), list, part), 0);
    snprintf(sp, sizeof sp, "%s/summary.2-of-2.tsv", part);
    char *s2 = axt_slurp(sp, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s2);
    CU_ASSERT_EQUAL(count_substr(s2, "\tdone\t"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(s2, "fam01\t"));
    CU_ASSERT_PTR_NOT_NULL(strstr(s2, "fam03\t"));
    free(s2);
    CU_ASSERT(same_outputs(full, part, ".tsv", 5));
    /* in-process (--no-fork) gives the same outputs */
    char nofork[4300];
    snprintf(nofork, sizeof nofork, "%s/nofork", dir);
    CU_ASSERT_EQUAL(axt_runf(NULL, NULL, "%s batch -q -m mf -t 1 --no-fork --manifest %s --outdir %s", axt_axcon(), list,
                             nofork), 0);
    CU_ASSERT(same_outputs(full, nofork, ".tsv", 5));
    /* --max-mem below every family: all too-big, exit 2, no output */
    char tiny[4300], *err = NULL;
    snprintf(tiny, sizeof tiny, "%s/tiny", dir);
    CU_ASSERT_EQUAL(axt_runf(NULL, &err, "%s batch -q -m mf -t 1 --max-mem 1M --manifest %s --outdir %s", axt_axcon(),
                             list, tiny), 2);
    free(err);
    snprintf(sp, sizeof sp, "%s/summary.tsv", tiny);
    char *s3 = axt_slurp(sp, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s3);
    CU_ASSERT_EQUAL(count_substr(s3, "\ttoo-big\t"), 5);
    CU_ASSERT_PTR_NULL(strstr(s3, "too-big\t-")); /* N and L are known */
    CU_ASSERT_PTR_NOT_NULL(strstr(s3, "GB allowed (--max-mem)"));
    free(s3);
    snprintf(sp, sizeof sp, "%s/fam00.tsv", tiny);
    CU_ASSERT_FALSE(axt_exists(sp));
    CU_ASSERT_EQUAL(count_hidden(tiny), 0);
    /* --dry-run: one estimate line per family on stdout, nothing written */
    char dry[4300], *so = NULL;
    snprintf(dry, sizeof dry, "%s/dry", dir);
    CU_ASSERT_EQUAL(axt_runf(&so, NULL, "%s batch -q -m mf --dry-run --manifest %s --outdir %s", axt_axcon(), list, dry),
                    0);
    CU_ASSERT_EQUAL(count_substr(so, "memory="), 5);
    CU_ASSERT_EQUAL(count_substr(so, " MB\t"), 5);
    CU_ASSERT_FALSE(axt_exists(dry));
    free(so);
    /* predict --dry-run prints an estimate and writes no output */
    char o1[4300];
    snprintf(o1, sizeof o1, "%s/one.tsv", dir);
    CU_ASSERT_EQUAL(axt_runf(&so, NULL, "%s predict -q -m plm --dry-run -o %s %s/fam00.a3m", axt_axcon(), o1, dir), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(so, "fam00\tplm\tN="));
    CU_ASSERT_PTR_NOT_NULL(strstr(so, "memory="));
    CU_ASSERT_FALSE(axt_exists(o1));
    free(so);
    CU_ASSERT_EQUAL(axt_runf(NULL, &err, "%s predict -q -m mf --max-mem 1M %s/fam00.a3m", axt_axcon(), dir), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "GB allowed (--max-mem)"));
    free(err);
    free(list);
    free(dir);
}

/* another output format or method is another fingerprint: redone; then skipped */
static void test_formats_coexist(void)
{
    char *dir = mkdir_tmp("formats");
    char *list = make_families(dir, 2, 41);
    char out[4300], sp[4400];
    snprintf(out, sizeof out, "%s/out", dir);
    snprintf(sp, sizeof sp, "%s/summary.tsv", out);
    CU_ASSERT_EQUAL(axt_runf(NULL, NULL, "%s batch -q -m mf -t 1 --manifest %s --outdir %s", axt_axcon(), list, out), 0);
    CU_ASSERT_EQUAL(axt_runf(NULL, NULL, "%s batch -q -m mf -t 1 -f rr --manifest %s --outdir %s", axt_axcon(), list, out),
                    0);
    char p[4400];
    snprintf(p, sizeof p, "%s/fam01.rr", out);
    CU_ASSERT_TRUE(axt_exists(p));
    snprintf(p, sizeof p, "%s/fam01.tsv", out);
    CU_ASSERT_TRUE(axt_exists(p));
    char *sum = axt_slurp(sp, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sum);
    CU_ASSERT_EQUAL(count_substr(sum, "\tdone\t"), 2);
    free(sum);
    CU_ASSERT_EQUAL(axt_runf(NULL, NULL, "%s batch -q -m mf -t 1 -f rr --manifest %s --outdir %s", axt_axcon(), list, out),
                    0);
    sum = axt_slurp(sp, NULL);
    CU_ASSERT_EQUAL(count_substr(sum, "\tskipped\t"), 2);
    free(sum);
    CU_ASSERT_EQUAL(axt_runf(NULL, NULL, "%s batch -q -m plm --max-iter 2 -t 1 -f rr --manifest %s --outdir %s",
                             axt_axcon(), list, out), 0);
    sum = axt_slurp(sp, NULL);
    CU_ASSERT_EQUAL(count_substr(sum, "\tdone\t"), 2);
    free(sum);
    /* the RR header fields are part of the fingerprint: another AUTHOR redoes the files */
    for (int k = 0; k < 2; k++) {
        CU_ASSERT_EQUAL(axt_runf(NULL, NULL, "%s batch -q -m plm --max-iter 2 -t 1 -f rr --author 1234-5678 "
                                             "--manifest %s --outdir %s", axt_axcon(), list, out), 0);
        sum = axt_slurp(sp, NULL);
        CU_ASSERT_EQUAL(count_substr(sum, k ? "\tskipped\t" : "\tdone\t"), 2);
        free(sum);
    }
    snprintf(p, sizeof p, "%s/fam01.rr", out);
    char *rr = axt_slurp(p, NULL);
    CU_ASSERT_PTR_NOT_NULL(rr && strstr(rr, "\nAUTHOR 1234-5678\n"));
    free(rr);
    free(list);
    free(dir);
}

static void test_usage_errors(void)
{
    char *err = NULL;
    CU_ASSERT_EQUAL(axt_runf(NULL, &err, "%s batch --outdir x", axt_axcon()), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "--manifest LIST is required"));
    free(err);
    CU_ASSERT_EQUAL(axt_runf(NULL, &err, "%s batch --manifest x", axt_axcon()), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "--outdir DIR is required"));
    free(err);
    CU_ASSERT_EQUAL(axt_runf(NULL, &err, "%s batch --manifest x --outdir y --shard 3/2", axt_axcon()), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "--shard wants K/N"));
    free(err);
    CU_ASSERT_EQUAL(axt_runf(NULL, &err, "%s batch --manifest /no/such/list --outdir y", axt_axcon()), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "axcon: error: /no/such/list"));
    free(err);
    CU_ASSERT_EQUAL(axt_runf(NULL, &err, "%s batch --manifest x --outdir y --max-mem lots", axt_axcon()), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "--max-mem wants a size"));
    free(err);
    CU_ASSERT_EQUAL(axt_runf(NULL, &err, "%s batch --manifest x --outdir y extra.a3m", axt_axcon()), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "unexpected argument"));
    free(err);
    /* an ID whose output would be the summary */
    char *lst = axt_tmp("summary_clash.txt"), *od = axt_tmp("clash_out");
    axt_write_str(lst, "a.a3m\nsummary\tb.a3m\n");
    CU_ASSERT_EQUAL(axt_runf(NULL, &err, "%s batch -q --manifest %s --outdir %s", axt_axcon(), lst, od), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "summary_clash.txt:2: the output of ID 'summary' would be the summary"));
    free(err);
    free(lst);
    free(od);
    char *out = NULL;
    CU_ASSERT_EQUAL(axt_runf(&out, NULL, "%s batch --help", axt_axcon()), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "Usage: axcon batch"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "--max-mem"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "--pseudocount")); /* every predict option */
    free(out);
}

static void test_mpi(void)
{
#ifndef HAVE_MPI
    printf("\nSKIP: test_mpi: axcon was built without MPI (configure --with-mpi to test batch --mpi)\n");
    char *err = NULL;
    CU_ASSERT_EQUAL(axt_runf(NULL, &err, "%s batch --mpi --manifest x --outdir y", axt_axcon()), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "built without MPI"));
    free(err);
#else
    if (axt_runf(NULL, NULL, "command -v mpirun") != 0) {
        printf("\nSKIP: test_mpi: mpirun not found (Debian: openmpi-bin)\n");
        return;
    }
    char *dir = mkdir_tmp("mpi");
    char *list = make_families(dir, 6, 31);
    char ref[4300], out[4300];
    snprintf(ref, sizeof ref, "%s/ref", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    CU_ASSERT_EQUAL(axt_runf(NULL, NULL, "%s batch -q -m mf -t 1 --manifest %s --outdir %s", axt_axcon(), list, ref), 0);
    char *err = NULL;
    /* LeakSanitizer (--enable-sanitizers) flags Open MPI's own allocations at exit, which are
     * not ours: leak checking is off for the MPI runs only (the other tests cover our code) */
    int rc = axt_runf(NULL, &err,
                      "ASAN_OPTIONS=detect_leaks=0 mpirun --allow-run-as-root --oversubscribe -np 3 "
                      "%s batch -m mf -t 1 --mpi --manifest %s --outdir %s",
                      axt_axcon(), list, out);
    CU_ASSERT_EQUAL(rc, 0);
    if (rc != 0) fprintf(stderr, "\nmpirun stderr:\n%s\n", err);
    /* the work went to both workers (ranks 1 and 2), never to the master */
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "(rank 1)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "(rank 2)"));
    free(err);
    CU_ASSERT(same_outputs(ref, out, ".tsv", 6));
    char sp[4400];
    snprintf(sp, sizeof sp, "%s/summary.tsv", out);
    char *sum = axt_slurp(sp, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sum);
    CU_ASSERT_EQUAL(count_substr(sum, "\tdone\t"), 6);
    free(sum);
    /* rerun under MPI skips everything */
    rc = axt_runf(NULL, NULL, "ASAN_OPTIONS=detect_leaks=0 mpirun --allow-run-as-root --oversubscribe -np 3 "
                              "%s batch -q -m mf -t 1 --mpi "
                              "--manifest %s --outdir %s", axt_axcon(), list, out);
    CU_ASSERT_EQUAL(rc, 0);
    sum = axt_slurp(sp, NULL);
    CU_ASSERT_EQUAL(count_substr(sum, "\tskipped\t"), 6);
    free(sum);
    CU_ASSERT_EQUAL(count_hidden(out), 0);
    free(list);
    free(dir);
#endif
}

static void register_suites(void)
{
    axt_suite("batch_lib", (axt_case_t[]){{"manifest_parse", test_manifest_parse},
                                          {"manifest_errors", test_manifest_errors},
                                          {"id_from_path", test_id_from_path},
                                          {"shard_parse", test_shard_parse},
                                          {"shard_env", test_shard_env},
                                          {"shard_select", test_shard_select},
                                          {"fingerprint", test_fingerprint},
                                          {"done_record", test_done_record},
                                          {"clean_temps", test_clean_temps},
                                          {"summary_format", test_summary_format},
                                          {"estimate_and_max_mem", test_estimate_and_max_mem},
                                          {0, 0}});
    axt_suite("batch_cli", (axt_case_t[]){{"usage_errors", test_usage_errors},
                                          {"bad_families_skipped", test_bad_families_skipped},
                                          {"kill_and_resume", test_kill_and_resume},
                                          {"shards_and_max_mem", test_shards_and_max_mem},
                                          {"formats_coexist", test_formats_coexist},
                                          {"mpi", test_mpi},
                                          {0, 0}});
}

int main(int argc, char **argv) { return axt_main(argc, argv, register_suites); }
