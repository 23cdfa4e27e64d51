/* standalone.c - a main() for the fuzz targets without libFuzzer.
 *
 * Owns: running LLVMFuzzerTestOneInput on inputs given as files or directories (every regular
 * file inside, sorted by name, not recursive), or on standard input when there is no argument
 * (AFL++: `afl-fuzz -i corpus -o out -- ./fuzz_msa` or with `@@`). Used by `make check` to
 * replay the seed corpus and the regression inputs under the normal and the ASan build.
 * Exit status 0 when every input ran (a failing check aborts), 2 when an input is unreadable. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int read_all(FILE *f, uint8_t **buf, size_t *len)
{
    size_t cap = 1 << 16, n = 0;
    uint8_t *b = malloc(cap);
    if (!b) return -1;
    for (;;) {
        if (n == cap) {
            uint8_t *nb = realloc(b, cap * 2);
            if (!nb) {
                free(b);
                return -1;
            }
            b = nb;
            cap *= 2;
        }
        size_t got = fread(b + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
    }
    if (ferror(f)) {
        free(b);
        return -1;
    }
    *buf = b;
    *len = n;
    return 0;
}

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    size_t len;
    if (!f || read_all(f, &buf, &len) != 0) {
        fprintf(stderr, "standalone: cannot read %s\n", path);
        if (f) fclose(f);
        return -1;
    }
    fclose(f);
    if (getenv("AXCON_FUZZ_VERBOSE")) fprintf(stderr, "running %s (%zu bytes)\n", path, len);
    LLVMFuzzerTestOneInput(buf, len);
    free(buf);
    return 0;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int run_dir(const char *dir, size_t *count)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "standalone: cannot open %s\n", dir);
        return -1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **nv = realloc(names, cap * sizeof *nv);
            if (!nv) abort();
            names = nv;
        }
        size_t l = strlen(dir) + strlen(e->d_name) + 2;
        names[n] = malloc(l);
        if (!names[n]) abort();
        snprintf(names[n], l, "%s/%s", dir, e->d_name);
        n++;
    }
    closedir(d);
    if (n) qsort(names, n, sizeof *names, cmp_str);
    int rc = 0;
    for (size_t k = 0; k < n; k++) {
        struct stat st;
        if (stat(names[k], &st) == 0 && S_ISREG(st.st_mode)) {
            if (run_file(names[k]) != 0) rc = -1;
            else (*count)++;
        }
        free(names[k]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    size_t count = 0;
    int rc = 0;
    if (argc < 2) {
        uint8_t *buf;
        size_t len;
        if (read_all(stdin, &buf, &len) != 0) return 2;
        LLVMFuzzerTestOneInput(buf, len);
        free(buf);
        return 0;
    }
    for (int a = 1; a < argc; a++) {
        struct stat st;
        if (stat(argv[a], &st) != 0) {
            fprintf(stderr, "standalone: cannot read %s\n", argv[a]);
            rc = 2;
        } else if (S_ISDIR(st.st_mode)) {
            if (run_dir(argv[a], &count) != 0) rc = 2;
        } else if (run_file(argv[a]) != 0) {
            rc = 2;
        } else {
            count++;
        }
    }
    printf("%s: %zu inputs ran\n", argv[0], count);
    return rc;
}
