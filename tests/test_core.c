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

static void register_suites(void)
{
    axt_suite("core", (axt_case_t[]){{"error set/prefix", test_error_set_and_prefix},
                                      {"checked allocation", test_alloc_overflow},
                                      {"atomic output commit/abort", test_ofile_commit_and_abort},
                                      {"write failure reported, nothing left", test_ofile_write_failure},
                                      {"clock and levels", test_clock},
                                      {0, 0}});
}

int main(int argc, char **argv) { return axt_main(argc, argv, register_suites); }
