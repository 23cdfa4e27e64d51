/* evio.c - owns whole-file input (plain/gzip/BGZF/stdin) and line/token splitting for the
 * eval module's readers (see evio.h). */
#include "evio.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "core/util.h"

static int check_nul(const char *name, const char *buf, size_t len, axcon_error_t *err)
{
    const char *z = memchr(buf, '\0', len);
    if (!z) return AXCON_OK;
    size_t line = 1;
    for (const char *p = buf; p < z; p++)
        if (*p == '\n') line++;
    return axcon_error_set(err, AXCON_EINPUT, "%s:%zu: binary data (NUL byte); expected a text file", name, line);
}

/* A UTF-8 byte-order mark is accepted and dropped (the readers then see the same bytes as
 * without it; keeping it would turn the first token into a non-number). */
static void strip_bom(char *buf, size_t *len)
{
    if (*len >= 3 && (unsigned char)buf[0] == 0xEF && (unsigned char)buf[1] == 0xBB && (unsigned char)buf[2] == 0xBF) {
        memmove(buf, buf + 3, *len - 3 + 1);
        *len -= 3;
    }
}

/* CRLF line ends are accepted (axe_next_line drops the CR); a CR not followed by LF means
 * classic-Mac line ends, which would glue the whole file into one line. */
static int check_cr(const char *name, const char *buf, size_t len, axcon_error_t *err)
{
    size_t line = 1;
    for (const char *p = buf, *e = buf + len; p < e; p++) {
        if (*p == '\n') line++;
        else if (*p == '\r' && p + 1 < e && p[1] != '\n' && p[1] != '\r') /* "\r\r\n" passes */
            return axcon_error_set(err, AXCON_EINPUT,
                                   "%s:%zu: carriage return inside a line (CR-only line ends? use LF or CRLF)", name,
                                   line);
    }
    return AXCON_OK;
}

/* gzerror() says "PATH: reason"; the caller names the file already. */
static const char *gz_reason(const char *m, const char *path)
{
    size_t n = strlen(path);
    if (m && !strncmp(m, path, n) && m[n] == ':' && m[n + 1] == ' ') return m + n + 2;
    return m ? m : "unknown error";
}

int axe_slurp(const char *path, char **out, size_t *outlen, axcon_error_t *err)
{
    int is_stdin = !strcmp(path, "-");
    const char *name = is_stdin ? "<stdin>" : path;
    gzFile gz = NULL;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int rc = AXCON_OK;
    *out = NULL;
    *outlen = 0;
    if (is_stdin) {
        int fd = dup(STDIN_FILENO);
        if (fd < 0 || !(gz = gzdopen(fd, "rb"))) {
            if (fd >= 0) close(fd);
            return axcon_error_set(err, AXCON_EIO, "%s: cannot read standard input", name);
        }
    } else {
        errno = 0;
        gz = gzopen(path, "rb");
        if (!gz)
            return axcon_error_set(err, errno == ENOMEM ? AXCON_ENOMEM : AXCON_EINPUT, "%s: cannot open: %s", path,
                                   errno ? strerror(errno) : "unknown error");
    }
    gzbuffer(gz, 1 << 17);
    for (;;) {
        if (cap - len < (1u << 16) + 1) {
            size_t ncap = cap ? cap * 2 : (1u << 17);
            if (ncap > AXE_MAX_INPUT + (1u << 17)) ncap = AXE_MAX_INPUT + (1u << 17);
            if (len >= AXE_MAX_INPUT) {
                rc = axcon_error_set(err, AXCON_ERESOURCE, "%s: input larger than %zu MiB refused", name,
                                     AXE_MAX_INPUT >> 20);
                goto cleanup;
            }
            char *nb = ax_realloc(buf, ncap, 1, "input buffer", err);
            if (!nb) { rc = AXCON_ENOMEM; goto cleanup; }
            buf = nb;
            cap = ncap;
        }
        int n = gzread(gz, buf + len, (unsigned)(cap - len - 1 > (1u << 16) ? (1u << 16) : cap - len - 1));
        if (n < 0) {
            int zerr;
            const char *m = gzerror(gz, &zerr);
            if (zerr == Z_ERRNO)
                rc = axcon_error_set(err, AXCON_EIO, "%s: read error: %s", name, strerror(errno));
            else
                rc = axcon_error_set(err, AXCON_EINPUT, "%s: corrupt or truncated compressed input: %s", name,
                                     gz_reason(m, path));
            goto cleanup;
        }
        if (n == 0) break;
        len += (size_t)n;
    }
    {
        /* zlib reports a truncated gzip stream only through gzerror (Z_BUF_ERROR) */
        int zerr = Z_OK;
        const char *m = gzerror(gz, &zerr);
        if (zerr != Z_OK && zerr != Z_STREAM_END) {
            rc = axcon_error_set(err, AXCON_EINPUT, "%s: corrupt or truncated compressed input: %s", name,
                                 gz_reason(m, path));
            goto cleanup;
        }
    }
    if (!buf) {
        buf = ax_alloc(1, 1, 0, "input buffer", err);
        if (!buf) { rc = AXCON_ENOMEM; goto cleanup; }
    }
    buf[len] = '\0';
    strip_bom(buf, &len);
    if ((rc = check_nul(name, buf, len, err)) != AXCON_OK) goto cleanup;
    if ((rc = check_cr(name, buf, len, err)) != AXCON_OK) goto cleanup;
    *out = buf;
    *outlen = len;
    buf = NULL;
cleanup:
    if (gz) gzclose(gz);
    free(buf);
    return rc;
}

int axe_copy(const char *name, const char *src, size_t len, char **out, axcon_error_t *err)
{
    *out = NULL;
    if (len > AXE_MAX_INPUT)
        return axcon_error_set(err, AXCON_ERESOURCE, "%s: input larger than %zu MiB refused", name,
                               AXE_MAX_INPUT >> 20);
    char *buf = ax_alloc(len + 1, 1, 0, "input buffer", err);
    if (!buf) return AXCON_ENOMEM;
    if (len) memcpy(buf, src, len);
    buf[len] = '\0';
    strip_bom(buf, &len); /* callers take the length as strlen(buf): no NUL passes check_nul */
    int rc = check_nul(name, buf, len, err);
    if (rc == AXCON_OK) rc = check_cr(name, buf, len, err);
    if (rc != AXCON_OK) {
        free(buf);
        return rc;
    }
    *out = buf;
    return AXCON_OK;
}

void axe_lines_init(axe_lines_t *it, char *buf, size_t len)
{
    it->p = buf;
    it->end = buf + len;
    it->lineno = 0;
}

char *axe_next_line(axe_lines_t *it)
{
    if (it->p >= it->end) return NULL;
    char *s = it->p;
    char *nl = memchr(s, '\n', (size_t)(it->end - s));
    char *e = nl ? nl : it->end;
    it->p = nl ? nl + 1 : it->end;
    if (e > s && e[-1] == '\r') e[-1] = '\0';
    *e = '\0';
    it->lineno++;
    return s;
}

int axe_split(char *s, char **tok, int max)
{
    int n = 0;
    for (;;) {
        while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\v' || *s == '\f') s++;
        if (!*s) break;
        if (n < max) tok[n] = s;
        n++;
        while (*s && *s != ' ' && *s != '\t' && *s != '\r' && *s != '\v' && *s != '\f') s++;
        if (!*s) break;
        *s++ = '\0';
    }
    return n;
}

int axe_split_sep(char *s, char sep, char **tok, int max)
{
    int n = 0;
    for (;;) {
        char *e = strchr(s, sep);
        if (e) *e = '\0';
        /* trim surrounding blanks */
        while (*s == ' ' || *s == '\t') s++;
        char *t = s + strlen(s);
        while (t > s && (t[-1] == ' ' || t[-1] == '\t')) *--t = '\0';
        if (n < max) tok[n] = s;
        n++;
        if (!e) break;
        s = e + 1;
    }
    return n;
}

int axe_parse_int(const char *s, long *out)
{
    if (!s || !*s) return -1;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end) return -1;
    *out = v;
    return 0;
}

int axe_parse_double(const char *s, double *out)
{
    if (!s || !*s) return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*end) return -1;
    if (errno == ERANGE && fabs(v) > 1.0) return -1; /* overflow; underflow to ~0 is fine */
    *out = v;
    return 0;
}

int axe_blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\v' && *s != '\f') return 0;
    return 1;
}
