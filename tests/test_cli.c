/* test_cli.c - end-to-end tests of the axcon program's common behaviour: --help and
 * --version, unknown commands and options, exit codes, and `axcon info` (text, --json,
 * stdin, thread policy). Format-specific reader errors are tested in test_msa.c. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++) n += *s == '\n';
    return n;
}

static void test_version_and_help(void)
{
    char *out, *err;
    CU_ASSERT_EQUAL(axt_runf(&out, &err, "%s --version", axt_axcon()), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "axcon " PACKAGE_VERSION));
    free(out); free(err);
    CU_ASSERT_EQUAL(axt_runf(&out, &err, "%s --help", axt_axcon()), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "Usage: axcon <command>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "info"));
    free(out); free(err);
    CU_ASSERT_EQUAL(axt_runf(&out, &err, "%s info --help", axt_axcon()), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "Usage: axcon info"));
    CU_ASSERT_PTR_NULL(strstr(err, "Peak RSS")); /* no footer for --help */
    free(out); free(err);
}

static void test_usage_errors(void)
{
    char *out, *err;
    CU_ASSERT_EQUAL(axt_runf(&out, &err, "%s", axt_axcon()), 1);
    free(out); free(err);
    CU_ASSERT_EQUAL(axt_runf(&out, &err, "%s frobnicate", axt_axcon()), 1);
    CU_ASSERT_STRING_EQUAL(err, "axcon: error: unknown command 'frobnicate' (see 'axcon --help')\n");
    free(out); free(err);
    CU_ASSERT_EQUAL(axt_runf(&out, &err, "%s info --no-such-option x.fa", axt_axcon()), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "axcon: error: "));
    CU_ASSERT_EQUAL(count_lines(strstr(err, "axcon: error: ")), 1);
    free(out); free(err);
    CU_ASSERT_EQUAL(axt_runf(&out, &err, "%s info -t zero x.fa", axt_axcon()), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "-t/--threads wants a whole number"));
    free(out); free(err);
    CU_ASSERT_EQUAL(axt_runf(&out, &err, "%s info --id 1.5 x.fa", axt_axcon()), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "--id wants a number in (0,1]"));
    free(out); free(err);
    CU_ASSERT_EQUAL(axt_runf(&out, &err, "%s info", axt_axcon()), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "expected exactly one MSA argument"));
    free(out); free(err);
}

static const char *k_fasta =
    ">query desc\nACDEFGHIKL\n>s1\nACDEFGHIKV\n>s2\nACDEFGHIKV\n>s3\nWWWWWGHIKL\n>s4\nAC--FGHIKL\n";

static void test_info_text_and_json(void)
{
    char *path = axt_tmp("small.fa");
    CU_ASSERT_EQUAL_FATAL(axt_write_str(path, k_fasta), 0);
    char *out, *err;
    CU_ASSERT_EQUAL(axt_runf(&out, &err, "%s info --json %s", axt_axcon(), path), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"format\": \"fasta\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"sequences\": 5"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"columns\": 10"));
    /* identities: q-s1 0.9, q-s2 0.9, s1-s2 1.0, q-s4 0.8 (gap != residue), s3 alone (0.5 to q).
     * neighbours (>= 0.8): q{q,s1,s2,s4}=4, s1{q,s1,s2}=3, s2{q,s1,s2}=3, s3{s3}=1, s4{q,s4,...}:
     * s4-s1 = 0.7, s4-s2 = 0.7 -> s4{q,s4}=2. Neff = 1/4+1/3+1/3+1+1/2 = 2.4167 */
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"neff\": 2.4167"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"query_name\": \"query desc\"") || strstr(out, "\"query_name\": \"query\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"query_sequence\": \"ACDEFGHIKL\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"gap_fraction\": 0.040000"));
    CU_ASSERT_EQUAL(count_lines(out), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "Peak RSS")); /* minimap2-style footer on stderr */
    free(out); free(err);

    CU_ASSERT_EQUAL(axt_runf(&out, &err, "cat %s | %s info -t 1 -", path, axt_axcon()), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "sequences\t5\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "neff\t2.4167\n"));
    free(out); free(err);

    /* -q silences the footer; stdout unchanged */
    CU_ASSERT_EQUAL(axt_runf(&out, &err, "%s info -q %s", axt_axcon(), path), 0);
    CU_ASSERT_STRING_EQUAL(err, "");
    free(out); free(err);
    free(path);
}

static void test_info_threads_from_env(void)
{
    char *path = axt_tmp("env.fa");
    CU_ASSERT_EQUAL_FATAL(axt_write_str(path, k_fasta), 0);
    char *o1, *o2, *err;
    CU_ASSERT_EQUAL(axt_runf(&o1, &err, "OMP_NUM_THREADS=1 %s info --json %s", axt_axcon(), path), 0);
    free(err);
    CU_ASSERT_EQUAL(axt_runf(&o2, &err, "env -u OMP_NUM_THREADS SLURM_CPUS_PER_TASK=2 %s info --json %s", axt_axcon(), path), 0);
    free(err);
    CU_ASSERT_STRING_EQUAL(o1, o2);
    free(o1); free(o2);
    free(path);
}

static void test_missing_file(void)
{
    char *out, *err;
    CU_ASSERT_EQUAL(axt_runf(&out, &err, "%s info /nonexistent/aln.fa", axt_axcon()), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "axcon: error: /nonexistent/aln.fa"));
    CU_ASSERT_EQUAL(count_lines(err), 1);
    CU_ASSERT_STRING_EQUAL(out, "");
    free(out); free(err);
}

static void register_suites(void)
{
    axt_suite("cli", (axt_case_t[]){{"--version and --help", test_version_and_help},
                                     {"usage errors exit 1 with one line", test_usage_errors},
                                     {"info text, json, stdin, -q", test_info_text_and_json},
                                     {"threads from environment", test_info_threads_from_env},
                                     {"missing input file", test_missing_file},
                                     {0, 0}});
}

int main(int argc, char **argv) { return axt_main(argc, argv, register_suites); }
