/* testutil.c - shared helpers for axcon's CUnit test programs (see testutil.h). */
#define _GNU_SOURCE
#include "testutil.h"

#include <CUnit/Basic.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char g_tmpdir[4096];

static void cleanup_tmpdir(void)
{
    if (!g_tmpdir[0] || getenv("AXT_KEEP_TMP")) return;
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_tmpdir);
    if (system(cmd) != 0) fprintf(stderr, "warning: could not remove %s\n", g_tmpdir);
}

const char *axt_tmpdir(void)
{
    if (!g_tmpdir[0]) {
        const char *base = getenv("TMPDIR");
        snprintf(g_tmpdir, sizeof g_tmpdir, "%s/axcon-test-XXXXXX", base && *base ? base : "/tmp");
        if (!mkdtemp(g_tmpdir)) {
            perror("mkdtemp");
            exit(99);
        }
        atexit(cleanup_tmpdir);
    }
    return g_tmpdir;
}

char *axt_tmp(const char *name)
{
    const char *d = axt_tmpdir();
    size_t n = strlen(d) + strlen(name) + 2;
    char *p = malloc(n);
    if (!p) exit(99);
    snprintf(p, n, "%s/%s", d, name);
    return p;
}

const char *axt_srcdir(void)
{
    const char *s = getenv("AXCON_SRCDIR");
    return s && *s ? s : ".";
}

const char *axt_axcon(void)
{
    const char *s = getenv("AXCON_BIN");
    return s && *s ? s : "./axcon";
}

const char *axt_bench(const char *who)
{
    static char path[4096];
    static int checked = 0, found = 0;
    if (!checked) {
        checked = 1;
        const char *env = getenv("AXCON_BENCH");
        if (env && *env) snprintf(path, sizeof path, "%s", env);
        else snprintf(path, sizeof path, "%s/../shared/bench", axt_srcdir());
        char probe[4200];
        snprintf(probe, sizeof probe, "%s/families.tsv", path);
        found = access(probe, R_OK) == 0;
        if (found) {
            char *real = realpath(path, NULL);
            if (real) { snprintf(path, sizeof path, "%s", real); free(real); }
        }
    }
    if (!found) {
        printf("\nSKIP: %s: ../shared/bench not found (set AXCON_BENCH to run it)\n", who);
        return NULL;
    }
    return path;
}

int axt_write(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    int bad = fwrite(data, 1, len, f) != len;
    if (fclose(f) != 0) bad = 1;
    return bad ? -1 : 0;
}

int axt_write_str(const char *path, const char *text) { return axt_write(path, text, strlen(text)); }

char *axt_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    if (!buf) { fclose(f); return NULL; }
    size_t r;
    while ((r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            cap *= 2;
            char *nb = realloc(buf, cap + 1);
            if (!nb) { free(buf); fclose(f); return NULL; }
            buf = nb;
        }
    }
    fclose(f);
    buf[n] = '\0';
    if (len) *len = n;
    return buf;
}

int axt_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

int axt_run(const char *cmd, char **out, char **err)
{
    static int serial = 0;
    char o[64], e[64];
    snprintf(o, sizeof o, "run%d.out", serial);
    snprintf(e, sizeof e, "run%d.err", serial++);
    char *po = axt_tmp(o), *pe = axt_tmp(e);
    size_t n = strlen(cmd) + strlen(po) + strlen(pe) + 32;
    char *full = malloc(n);
    if (!full) exit(99);
    snprintf(full, n, "( %s ) >'%s' 2>'%s'", cmd, po, pe);
    int st = system(full);
    free(full);
    int code;
    if (st == -1) code = -1;
    else if (WIFEXITED(st)) code = WEXITSTATUS(st);
    else if (WIFSIGNALED(st)) code = 128 + WTERMSIG(st);
    else code = -1;
    if (out) { *out = axt_slurp(po, NULL); if (!*out) *out = strdup(""); }
    if (err) { *err = axt_slurp(pe, NULL); if (!*err) *err = strdup(""); }
    unlink(po);
    unlink(pe);
    free(po);
    free(pe);
    return code;
}

int axt_runf(char **out, char **err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *cmd = NULL;
    if (vasprintf(&cmd, fmt, ap) < 0) exit(99);
    va_end(ap);
    int rc = axt_run(cmd, out, err);
    free(cmd);
    return rc;
}

void axt_suite(const char *name, const axt_case_t *cases)
{
    CU_pSuite s = CU_add_suite(name, NULL, NULL);
    if (!s) {
        fprintf(stderr, "CU_add_suite(%s): %s\n", name, CU_get_error_msg());
        exit(99);
    }
    for (const axt_case_t *c = cases; c->name; c++)
        if (!CU_add_test(s, c->name, c->fn)) {
            fprintf(stderr, "CU_add_test(%s): %s\n", c->name, CU_get_error_msg());
            exit(99);
        }
}

int axt_main(int argc, char **argv, void (*register_suites)(void))
{
    (void)argc;
    if (CU_initialize_registry() != CUE_SUCCESS) {
        fprintf(stderr, "%s: CUnit registry: %s\n", argv[0], CU_get_error_msg());
        return 99;
    }
    register_suites();
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned fails = CU_get_number_of_failures();
    unsigned suites_failed = CU_get_number_of_suites_failed();
    unsigned tests_failed = CU_get_number_of_tests_failed();
    unsigned ran = CU_get_number_of_tests_run();
    CU_cleanup_registry();
    printf("\n%s: %u tests run, %u failed, %u assertion failures\n", argv[0], ran, tests_failed, fails);
    fflush(stdout);
    return (fails || suites_failed || tests_failed || ran == 0) ? 1 : 0;
}
