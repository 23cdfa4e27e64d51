/* util.c - owns checked allocation and small shared helpers (see util.h). */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

void *ax_alloc(size_t n, size_t size, int zero, const char *what, axcon_error_t *err)
{
    size_t bytes;
    if (ax_mul_ok(n, size, &bytes) != 0) {
        axcon_error_set(err, AXCON_ENOMEM, "%s: size overflow (%zu x %zu bytes)", what, n, size);
        return NULL;
    }
    if (bytes == 0) bytes = 1;
    void *p = zero ? calloc(1, bytes) : malloc(bytes);
    if (!p) axcon_error_set(err, AXCON_ENOMEM, "%s: cannot allocate %.1f MiB", what, (double)bytes / 1048576.0);
    return p;
}

void *ax_realloc(void *p, size_t n, size_t size, const char *what, axcon_error_t *err)
{
    size_t bytes;
    if (ax_mul_ok(n, size, &bytes) != 0) {
        axcon_error_set(err, AXCON_ENOMEM, "%s: size overflow (%zu x %zu bytes)", what, n, size);
        return NULL;
    }
    void *q = realloc(p, bytes ? bytes : 1);
    if (!q) axcon_error_set(err, AXCON_ENOMEM, "%s: cannot allocate %.1f MiB", what, (double)bytes / 1048576.0);
    return q;
}

int ax_max_threads(void)
{
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

void ax_apc(double *S, size_t n)
{
    if (!S || n == 0) return;
    for (size_t i = 0; i < n; i++) S[i * n + i] = 0.0;
    if (n < 3) return; /* with two columns the correction would zero the only pair */
    double *mean = calloc(n, sizeof *mean);
    if (!mean) return; /* n doubles: cannot realistically fail after an n x n matrix exists */
    double total = 0.0;
    for (size_t i = 0; i < n; i++) {
        double s = 0.0;
        for (size_t j = 0; j < n; j++) s += S[i * n + j]; /* diagonal is 0 */
        mean[i] = s / (double)(n - 1);
        total += s;
    }
    total /= (double)n * (double)(n - 1);
    if (total != 0.0 && isfinite(total)) {
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++)
                if (i != j) S[i * n + j] -= mean[i] * mean[j] / total;
    }
    free(mean);
}

int ax_parse_long(const char *s, long lo, long hi, long *out)
{
    if (!s || !*s) return -1;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

int ax_parse_double(const char *s, double lo, double hi, double *out)
{
    if (!s || !*s) return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || !isfinite(v) || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

int ax_parse_size(const char *s, double *bytes)
{
    if (!s || !*s) return -1;
    char *end;
    double v = strtod(s, &end);
    if (end == s || !isfinite(v) || v < 0) return -1;
    double mult = 1.0;
    int c = toupper((unsigned char)*end);
    if (c) {
        const char *units = "KMGT";
        const char *u = strchr(units, c);
        if (!u) return -1;
        mult = pow(1024.0, (double)(u - units + 1));
        end++;
        if (toupper((unsigned char)*end) == 'B') end++;
        else if (*end == 'i' && toupper((unsigned char)end[1]) == 'B') end += 2;
    }
    if (*end) return -1;
    *bytes = v * mult;
    return 0;
}
