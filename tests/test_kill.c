/* test_kill.c - no lost work: `axcon predict` killed at arbitrary moments.
 *
 * Owns: the end-to-end check that a prediction killed with SIGKILL (or SIGTERM) at any
 * moment leaves neither a partial file at -o nor a stray temporary in its directory, that an
 * earlier output at -o survives the killed run untouched, and that a rerun completes with
 * output identical to an uninterrupted run. The family is simulated so that one run takes a
 * second or more; the kill moments are fractions of the measured uninterrupted run (plus a
 * random jitter), so the assertions hold whenever the kill lands. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

/* A family on which one plm run takes a second or two; smaller in the (much slower)
 * sanitizer build, which is the build of the axcon under test too. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define AXT_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(AXT_ASAN)
#define FAMILY "-L 50 -N 400"
#else
#define FAMILY "-L 80 -N 1000"
#endif

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Start `axcon predict -q -t 1 -m plm -o out msa` with stdout/stderr to /dev/null. */
static pid_t start_predict(const char *out, const char *msa)
{
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        execl(axt_axcon(), "axcon", "predict", "-q", "-t", "1", "-m", "plm", "-o", out, msa, (char *)NULL);
        _exit(127);
    }
    return pid;
}

/* Entries of dir other than "." and "..", as one sorted-by-readdir string "a b ". */
static char *listing(const char *dir, int *count)
{
    DIR *d = opendir(dir);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    size_t cap = 256, n = 0;
    char *s = calloc(cap, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    *count = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        size_t l = strlen(e->d_name);
        if (n + l + 2 > cap) {
            cap = 2 * (n + l + 2);
            s = realloc(s, cap);
            CU_ASSERT_PTR_NOT_NULL_FATAL(s);
        }
        memcpy(s + n, e->d_name, l);
        n += l;
        s[n++] = ' ';
        s[n] = '\0';
        ++*count;
    }
    closedir(d);
    return s;
}

/* Does this directory's file system give unnamed temporaries (O_TMPFILE)? Without them a
 * SIGKILL cannot help leaving the hidden temporary behind. */
static int has_tmpfile(const char *dir)
{
#ifdef O_TMPFILE
    int fd = open(dir, O_TMPFILE | O_WRONLY, 0600);
    if (fd >= 0) {
        close(fd);
        return access("/proc/self/fd", X_OK) == 0;
    }
#endif
    (void)dir;
    return 0;
}

static void test_kill_predict(void)
{
    char *prefix = axt_tmp("fam"), *msa = axt_tmp("fam.a3m"), *dir = axt_tmp("kill");
    CU_ASSERT_FATAL(mkdir(dir, 0700) == 0);
    CU_ASSERT_EQUAL_FATAL(axt_runf(NULL, NULL, "'%s' simulate -q %s --seed 3 -o '%s'", axt_axcon(), FAMILY, prefix), 0);
    int anon = has_tmpfile(dir);
    if (!anon) printf("\n  note: no O_TMPFILE in %s: stray temporaries after SIGKILL not checked\n", dir);

    /* the uninterrupted run, timed */
    char *ref_path = axt_tmp("reference.tsv");
    double t0 = now();
    pid_t pid = start_predict(ref_path, msa);
    int st = 0;
    CU_ASSERT_FATAL(pid > 0 && waitpid(pid, &st, 0) == pid);
    double T = now() - t0;
    CU_ASSERT_FATAL(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    size_t ref_len = 0;
    char *ref = axt_slurp(ref_path, &ref_len);
    CU_ASSERT_FATAL(ref != NULL && ref_len > 1000);
    printf("\n  uninterrupted run %.2f s, %zu bytes\n", T, ref_len);

    char out[4200], old[4200];
    snprintf(out, sizeof out, "%s/contacts.tsv", dir);
    snprintf(old, sizeof old, "%s/previous.tsv", dir);
    static const double frac[] = {0.03, 0.3, 0.6, 0.9}; /* of the run time, for SIGKILL */
    srand((unsigned)getpid() ^ (unsigned)time(NULL));
    int killed = 0;
    const size_t nkill = sizeof frac / sizeof frac[0];
    for (size_t k = 0; k <= nkill; k++) {
        int sig = k < nkill ? SIGKILL : SIGTERM; /* the last one: SIGTERM at 40 % */
        double f = k < nkill ? frac[k] : 0.4;
        f *= 0.9 + 0.2 * rand() / (double)RAND_MAX; /* random jitter of +-10 % */
        /* every other attempt writes over an existing earlier result */
        int over = k % 2 == 1;
        const char *target = over ? old : out;
        if (over) CU_ASSERT_FATAL(axt_write_str(old, "earlier result\n") == 0);
        pid = start_predict(target, msa);
        CU_ASSERT_FATAL(pid > 0);
        struct timespec d = {(time_t)(f * T), (long)((f * T - (double)(time_t)(f * T)) * 1e9)};
        while (nanosleep(&d, &d) != 0 && errno == EINTR) {}
        kill(pid, sig);
        CU_ASSERT_FATAL(waitpid(pid, &st, 0) == pid);
        int n = 0;
        char *ls = listing(dir, &n);
        if (WIFSIGNALED(st) || (WIFEXITED(st) && WEXITSTATUS(st) != 0)) {
            killed++;
            /* killed: nothing new at -o, the earlier result intact, no temporary */
            if (over) {
                char *txt = axt_slurp(old, NULL);
                CU_ASSERT_PTR_NOT_NULL(txt);
                if (txt) CU_ASSERT_STRING_EQUAL(txt, "earlier result\n");
                free(txt);
            } else {
                CU_ASSERT_FALSE(axt_exists(out));
            }
            if (anon || sig == SIGTERM) {
                if (n != (over ? 1 : 0))
                    printf("\n  signal %d at %.2f s: directory holds: %s\n", sig, f * T, ls);
                CU_ASSERT_EQUAL(n, over ? 1 : 0);
            }
        } else {
            /* it finished first: then the output is complete */
            CU_ASSERT_EQUAL(WEXITSTATUS(st), 0);
            size_t len = 0;
            char *txt = axt_slurp(target, &len);
            CU_ASSERT(txt && len == ref_len && !memcmp(txt, ref, len));
            free(txt);
            CU_ASSERT_EQUAL(n, 1);
            unlink(target);
        }
        free(ls);
        unlink(old);
        if (!anon) /* clear the fallback's leftovers so later attempts are judged alone */
            axt_runf(NULL, NULL, "rm -f '%s'/.??*", dir);
    }
    printf("  %d of %zu runs killed before they finished\n", killed, nkill + 1);
    CU_ASSERT(killed >= 1); /* at least the kill at 3 % of the run lands inside it */

    /* the rerun completes and equals the uninterrupted run */
    pid = start_predict(out, msa);
    CU_ASSERT_FATAL(pid > 0 && waitpid(pid, &st, 0) == pid);
    CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    size_t len = 0;
    char *txt = axt_slurp(out, &len);
    CU_ASSERT(txt && len == ref_len && !memcmp(txt, ref, len));
    free(txt);
    int n = 0;
    char *ls = listing(dir, &n);
    CU_ASSERT_EQUAL(n, 1);
    CU_ASSERT_STRING_EQUAL(ls, "contacts.tsv ");
    free(ls);
    free(ref);
    free(ref_path);
    free(prefix);
    free(msa);
    free(dir);
}

static void register_suites(void)
{
    axt_suite("kill", (axt_case_t[]){{"predict killed at random moments: nothing partial, rerun identical",
                                      test_kill_predict},
                                     {0, 0}});
}

int main(int argc, char **argv) { return axt_main(argc, argv, register_suites); }
