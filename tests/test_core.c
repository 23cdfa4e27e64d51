/* test_core.c - unit tests of the core module: error records, atomic output files, logging clock. */
#include <errno.h>
#include <string.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "axcon/error.h"
#include "axcon/log.h"
#include "axcon/ofile.h"
#include "core/progress.h"
#include "core/rows.h"
#include "core/util.h"
#include "testutil.h"

static void test_error_set_and_prefix(void)
{
    axcon_error_t e;
    axcon_error_clear(&e);
    CU_ASSERT_EQUAL(e.status, AXCON_OK);
    CU_ASSERT_STRING_EQUAL(e.msg, "");
    int rc = axcon_error_set(&e, AXCON_EINPUT, "line %d: bad\nthing", 7);
    CU_ASSERT_EQUAL(rc, AXCON_EINPUT);
    CU_ASSERT_STRING_EQUAL(e.msg, "line 7: bad thing"); /* newline flattened */
    axcon_error_prefix(&e, "%s", "f.fa");
    CU_ASSERT_STRING_EQUAL(e.msg, "f.fa: line 7: bad thing");
    CU_ASSERT_TRUE(axcon_status_is_user(AXCON_EINPUT));
    CU_ASSERT_TRUE(axcon_status_is_user(AXCON_EUSAGE));
    CU_ASSERT_FALSE(axcon_status_is_user(AXCON_ENOMEM));
    CU_ASSERT_FALSE(axcon_status_is_user(AXCON_EIO));
    CU_ASSERT_STRING_EQUAL(axcon_status_str(AXCON_ENOMEM), "out of memory");
    CU_ASSERT_EQUAL(axcon_error_set(NULL, AXCON_EIO, "x"), AXCON_EIO);
}

static void test_alloc_overflow(void)
{
    axcon_error_t e;
    axcon_error_clear(&e);
    size_t out = 0;
    CU_ASSERT_EQUAL(ax_mul_ok(SIZE_MAX / 2, 3, &out), -1);
    CU_ASSERT_EQUAL(ax_mul_ok(1000, 1000, &out), 0);
    CU_ASSERT_EQUAL(out, 1000000u);
    void *p = ax_alloc(SIZE_MAX / 4, 8, 0, "huge table", &e);
    CU_ASSERT_PTR_NULL(p);
    CU_ASSERT_EQUAL(e.status, AXCON_ENOMEM);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "huge table"));
    int *q = ax_alloc(10, sizeof(int), 1, "small", &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(q);
    for (int i = 0; i < 10; i++) CU_ASSERT_EQUAL(q[i], 0);
    free(q);
}

static int count_dir_entries(const char *dir)
{
    char *out = NULL;
    int n = -1;
    if (axt_runf(&out, NULL, "ls -A '%s' | wc -l", dir) == 0) n = atoi(out);
    free(out);
    return n;
}

static void test_ofile_commit_and_abort(void)
{
    axcon_error_t e;
    axcon_error_clear(&e);
    char *dir = axt_tmp("ofile");
    CU_ASSERT_EQUAL_FATAL(mkdir(dir, 0700), 0);
    char path[4200];
    snprintf(path, sizeof path, "%s/out.txt", dir);

    axcon_ofile_t *of = NULL;
    CU_ASSERT_EQUAL_FATAL(axcon_ofile_open(path, &of, &e), AXCON_OK);
    fprintf(axcon_ofile_fp(of), "hello\n");
    CU_ASSERT_FALSE(axt_exists(path)); /* nothing at the final path before commit */
    CU_ASSERT(count_dir_entries(dir) <= 1); /* the hidden temporary, or none (unnamed O_TMPFILE) */
    CU_ASSERT_EQUAL(axcon_ofile_commit(of, &e), AXCON_OK);
    char *txt = axt_slurp(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(txt);
    CU_ASSERT_STRING_EQUAL(txt, "hello\n");
    free(txt);
    CU_ASSERT_EQUAL(count_dir_entries(dir), 1);
    struct stat st;
    CU_ASSERT_EQUAL(stat(path, &st), 0);
    mode_t um = umask(0);
    umask(um);
    CU_ASSERT_EQUAL(st.st_mode & 0777, 0666 & ~um); /* umask-based mode, not mkstemp's 0600 */

    /* abort leaves the old content in place and no temporary behind */
    CU_ASSERT_EQUAL_FATAL(axcon_ofile_open(path, &of, &e), AXCON_OK);
    fprintf(axcon_ofile_fp(of), "partial");
    axcon_ofile_abort(of);
    txt = axt_slurp(path, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(txt);
    CU_ASSERT_STRING_EQUAL(txt, "hello\n");
    free(txt);
    CU_ASSERT_EQUAL(count_dir_entries(dir), 1);

    /* a directory that does not exist is the user's error, with the path in the message */
    snprintf(path, sizeof path, "%s/no/such/dir/out.txt", dir);
    CU_ASSERT_EQUAL(axcon_ofile_open(path, &of, &e), AXCON_EINPUT);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "no/such/dir/out.txt"));
    free(dir);
}

static void test_ofile_write_failure(void)
{
    /* A file-size limit makes writes fail with EFBIG (as a full disk would): commit must
     * report an I/O error and leave neither the output nor the temporary behind. Run in a
     * child so the limit does not affect the rest of the suite. */
    char *dir = axt_tmp("ofile-fail");
    CU_ASSERT_EQUAL_FATAL(mkdir(dir, 0700), 0);
    char path[4200];
    snprintf(path, sizeof path, "%s/big.txt", dir);
    pid_t pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit rl = {4096, 4096};
        if (setrlimit(RLIMIT_FSIZE, &rl) != 0) _exit(3);
        axcon_error_t e;
        axcon_error_clear(&e);
        axcon_ofile_t *of = NULL;
        if (axcon_ofile_open(path, &of, &e) != AXCON_OK) _exit(4);
        for (int i = 0; i < 100000; i++) fputs("0123456789", axcon_ofile_fp(of));
        int rc = axcon_ofile_commit(of, &e);
        _exit(rc == AXCON_EIO && strstr(e.msg, "write failed") ? 0 : 5);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    CU_ASSERT_TRUE(WIFEXITED(st));
    CU_ASSERT_EQUAL(WEXITSTATUS(st), 0);
    CU_ASSERT_FALSE(axt_exists(path));
    CU_ASSERT_EQUAL(count_dir_entries(dir), 0);
    free(dir);
}

static void test_clock(void)
{
    axcon_log_init();
    double t0 = axcon_realtime();
    CU_ASSERT_TRUE(t0 >= 0.0);
    CU_ASSERT_TRUE(axcon_cputime() >= 0.0);
    CU_ASSERT_TRUE(axcon_peak_rss_kb() > 0);
    int old = axcon_log_get_level();
    axcon_log_set_level(AXCON_LOG_QUIET);
    CU_ASSERT_EQUAL(axcon_log_get_level(), AXCON_LOG_QUIET);
    axcon_info("this must not appear");
    axcon_log_set_level(old);
}

/* Row groups: first-occurrence numbering, equal rows share a group, weights filter rows,
 * and rows that differ in one byte only (also the last) are kept apart. */
static void test_row_groups(void)
{
    const uint8_t x[] = {1, 2, 3, /**/ 4, 5, 6, /**/ 1, 2, 3, /**/ 7, 7, 7, /**/ 4, 5, 6, /**/ 1, 2, 4, /**/ 7, 7, 7};
    const double w[] = {1.0, 0.0, 1.0, 2.0, 0.5, 1.0, -1.0};
    size_t gid[7], first[7], ng = 0;
    axcon_error_t e;
    axcon_error_clear(&e);
    CU_ASSERT_EQUAL_FATAL(ax_row_groups(x, 7, 3, NULL, gid, first, &ng, &e), AXCON_OK);
    CU_ASSERT_EQUAL(ng, 4);
    const size_t want[] = {0, 1, 0, 2, 1, 3, 2}, wfirst[] = {0, 1, 3, 5};
    for (int n = 0; n < 7; n++) CU_ASSERT_EQUAL(gid[n], want[n]);
    for (int g = 0; g < 4; g++) CU_ASSERT_EQUAL(first[g], wfirst[g]);
    /* with weights: rows 1 and 6 (weights 0 and -1) are left out; row 4 now opens group 2 */
    CU_ASSERT_EQUAL_FATAL(ax_row_groups(x, 7, 3, w, gid, NULL, &ng, &e), AXCON_OK);
    CU_ASSERT_EQUAL(ng, 4);
    const size_t want2[] = {0, SIZE_MAX, 0, 1, 2, 3, SIZE_MAX};
    for (int n = 0; n < 7; n++) CU_ASSERT_EQUAL(gid[n], want2[n]);
    CU_ASSERT_NOT_EQUAL(ax_row_hash(x, 3), ax_row_hash(x + 15, 3));
    CU_ASSERT_EQUAL(ax_row_hash(x, 3), ax_row_hash(x + 6, 3));
    /* many rows: every row equal to its group's first row, distinct groups distinct */
    enum { N = 3000, L = 5 };
    uint8_t *big = malloc(N * L);
    size_t *g2 = malloc(N * sizeof *g2), *f2 = malloc(N * sizeof *f2), n2 = 0;
    CU_ASSERT_FATAL(big && g2 && f2);
    for (size_t n = 0; n < N; n++)
        for (size_t c = 0; c < L; c++) big[n * L + c] = (uint8_t)((n * 7 + c * (n % 13)) % 11 % (c + 2));
    CU_ASSERT_EQUAL_FATAL(ax_row_groups(big, N, L, NULL, g2, f2, &n2, &e), AXCON_OK);
    size_t bad = 0;
    for (size_t n = 0; n < N; n++) bad += memcmp(big + n * L, big + f2[g2[n]] * L, L) != 0 || f2[g2[n]] > n;
    for (size_t a = 0; a < n2; a++)
        for (size_t b = a + 1; b < n2; b++) bad += memcmp(big + f2[a] * L, big + f2[b] * L, L) == 0;
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT(n2 > 10 && n2 < N);
    free(big);
    free(g2);
    free(f2);
}

/* APC by hand on a 3 x 3 matrix, and the small and zero cases. */
static void test_apc(void)
{
    double S[9] = {5, 1, 2, 1, 5, 3, 2, 3, 5};
    ax_apc(S, 3);
    /* row means 1.5, 2, 2.5; mean 2 */
    CU_ASSERT_EQUAL(S[0], 0.0);
    CU_ASSERT_DOUBLE_EQUAL(S[1], 1 - 1.5 * 2 / 2.0, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(S[2], 2 - 1.5 * 2.5 / 2.0, 1e-15);
    CU_ASSERT_DOUBLE_EQUAL(S[5], 3 - 2 * 2.5 / 2.0, 1e-15);
    CU_ASSERT_EQUAL(S[3], S[1]);
    double T[4] = {1, 4, 4, 1};
    ax_apc(T, 2); /* two columns: the only pair stays */
    CU_ASSERT_EQUAL(T[1], 4.0);
    CU_ASSERT_EQUAL(T[0], 0.0);
    double Z[9] = {0};
    ax_apc(Z, 3);
    for (int k = 0; k < 9; k++) CU_ASSERT_EQUAL(Z[k], 0.0);
}

/* the time-left text of the progress reports (core/progress.h) */
static void test_progress_eta(void)
{
    char b[48];
    ax_progress_eta(10.0, 5, 50, b, sizeof b); /* 2 s a step, 45 steps to go */
    CU_ASSERT_STRING_EQUAL(b, "at most 2 min left"); /* 90 s: minutes from 90 s on */
    ax_progress_eta(10.0, 10, 50, b, sizeof b);
    CU_ASSERT_STRING_EQUAL(b, "at most 40 s left");
    ax_progress_eta(3600.0, 1, 50, b, sizeof b);
    CU_ASSERT_STRING_EQUAL(b, "at most 49.0 h left");
    ax_progress_eta(5.0, 0, 50, b, sizeof b);
    CU_ASSERT_STRING_EQUAL(b, "estimating");
    ax_progress_eta(5.0, 50, 50, b, sizeof b);
    CU_ASSERT_STRING_EQUAL(b, "finishing");
}

static void register_suites(void)
{
    axt_suite("core", (axt_case_t[]){{"error set/prefix", test_error_set_and_prefix},
                                      {"checked allocation", test_alloc_overflow},
                                      {"atomic output commit/abort", test_ofile_commit_and_abort},
                                      {"write failure reported, nothing left", test_ofile_write_failure},
                                      {"clock and levels", test_clock},
                                      {"progress time left", test_progress_eta},
                                      {"row groups (the one row hash)", test_row_groups},
                                      {"APC", test_apc},
                                      {0, 0}});
}

int main(int argc, char **argv) { return axt_main(argc, argv, register_suites); }
