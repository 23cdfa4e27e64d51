/* ofile.c - owns atomic output: temp file beside the target, checked close, rename (see axcon/ofile.h).
 *
 * On Linux the temporary is an unnamed O_TMPFILE inode in the target's directory: it gets a
 * name (linkat via /proc/self/fd) only at commit, just before the rename, so even SIGKILL
 * leaves nothing behind. Elsewhere, or where the file system lacks O_TMPFILE, it is a hidden
 * ".NAME.XXXXXX" file (removed on abort, on errors and by the CLI's signal handler). */
#define _GNU_SOURCE
#include "axcon/ofile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define AX_MAX_OPEN_OFILES 64

struct axcon_ofile {
    FILE *fp;
    char *path;    /* final destination, NULL for stdout */
    char *tmp;     /* temporary path */
    int slot;      /* index in the registry of open temporaries, -1 if none */
    int anon;      /* unnamed O_TMPFILE inode: `tmp` is only a template until commit */
};

/* Registry of temporary paths, so a signal handler can remove them. */
static char *volatile g_tmp_paths[AX_MAX_OPEN_OFILES];

static int register_tmp(char *tmp)
{
    for (int i = 0; i < AX_MAX_OPEN_OFILES; i++)
        if (!g_tmp_paths[i]) { g_tmp_paths[i] = tmp; return i; }
    return -1;
}

void axcon_ofile_abort_all_signal_safe(void)
{
    for (int i = 0; i < AX_MAX_OPEN_OFILES; i++)
        if (g_tmp_paths[i]) unlink(g_tmp_paths[i]);
}

/* An unnamed file in the directory of `path` (its first dirlen bytes), or -1. */
static int open_anon(const char *path, size_t dirlen)
{
#ifdef O_TMPFILE
    if (access("/proc/self/fd", X_OK) != 0) return -1; /* needed to give it a name later */
    char *dir = malloc(dirlen + 2);
    if (!dir) return -1;
    if (dirlen) {
        memcpy(dir, path, dirlen);
        dir[dirlen] = '\0';
    } else {
        memcpy(dir, ".", 2);
    }
    int fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666); /* the umask applies */
    free(dir);
    return fd;
#else
    (void)path;
    (void)dirlen;
    return -1;
#endif
}

/* Give the unnamed file a hidden name from the template of->tmp (its last 6 chars are
 * replaced); 0 on success, else an errno value. */
static int name_anon(axcon_ofile_t *of)
{
    static unsigned counter;
    static const char chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fileno(of->fp));
    size_t n = strlen(of->tmp);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t x = ((uint64_t)getpid() << 32) ^ (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ (uintptr_t)of;
    for (int attempt = 0; attempt < 100; attempt++) {
        x ^= (uint64_t)++counter * 0x9E3779B97F4A7C15ull;
        uint64_t y = x;
        for (size_t k = n - 6; k < n; k++) {
            of->tmp[k] = chars[y % (sizeof chars - 1)];
            y /= sizeof chars - 1;
        }
        if (linkat(AT_FDCWD, proc, AT_FDCWD, of->tmp, AT_SYMLINK_FOLLOW) == 0) {
            of->anon = 0;
            of->slot = register_tmp(of->tmp);
            return 0;
        }
        if (errno != EEXIST) return errno;
        x = x * 6364136223846793005ull + 1442695040888963407ull;
    }
    return EEXIST;
}

int axcon_ofile_open(const char *path, axcon_ofile_t **out, axcon_error_t *err)
{
    *out = NULL;
    axcon_ofile_t *of = calloc(1, sizeof *of);
    if (!of) return axcon_error_set(err, AXCON_ENOMEM, "out of memory opening %s", path);
    of->slot = -1;
    if (strcmp(path, "-") == 0) {
        of->fp = stdout;
        *out = of;
        return AXCON_OK;
    }
    size_t n = strlen(path);
    of->path = malloc(n + 1);
    of->tmp = malloc(n + 16);
    if (!of->path || !of->tmp) {
        free(of->path); free(of->tmp); free(of);
        return axcon_error_set(err, AXCON_ENOMEM, "out of memory opening %s", path);
    }
    memcpy(of->path, path, n + 1);
    /* hidden temporary beside the target so rename() stays within one file system */
    const char *slash = strrchr(path, '/');
    size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
    snprintf(of->tmp, n + 16, "%.*s.%s.XXXXXX", (int)dirlen, path, path + dirlen);
    int fd = open_anon(path, dirlen);
    if (fd >= 0) {
        of->anon = 1;
        of->fp = fdopen(fd, "w");
        if (!of->fp) {
            int e = errno;
            close(fd);
            free(of->path); free(of->tmp); free(of);
            return axcon_error_set(err, AXCON_EIO, "%s: cannot open output stream: %s", path, strerror(e));
        }
        *out = of;
        return AXCON_OK;
    }
    fd = mkstemp(of->tmp);
    if (fd < 0) {
        int e = errno;
        free(of->path); free(of->tmp); free(of);
        return axcon_error_set(err, AXCON_EINPUT, "%s: cannot create output file: %s", path, strerror(e));
    }
    /* mkstemp makes the file 0600; give the output the usual umask-based mode */
    mode_t um = umask(0);
    umask(um);
    (void)fchmod(fd, 0666 & ~um);
    of->fp = fdopen(fd, "w");
    if (!of->fp) {
        int e = errno;
        close(fd);
        unlink(of->tmp);
        free(of->path); free(of->tmp); free(of);
        return axcon_error_set(err, AXCON_EIO, "%s: cannot open output stream: %s", path, strerror(e));
    }
    of->slot = register_tmp(of->tmp);
    *out = of;
    return AXCON_OK;
}

FILE *axcon_ofile_fp(axcon_ofile_t *of) { return of->fp; }

static void release(axcon_ofile_t *of)
{
    if (of->slot >= 0) g_tmp_paths[of->slot] = NULL;
    free(of->path);
    free(of->tmp);
    free(of);
}

int axcon_ofile_commit(axcon_ofile_t *of, axcon_error_t *err)
{
    int status = AXCON_OK;
    if (!of->path) { /* stdout */
        if (fflush(of->fp) != 0 || ferror(of->fp))
            status = axcon_error_set(err, AXCON_EIO, "error writing to standard output: %s", strerror(errno));
        release(of);
        return status;
    }
    int bad = ferror(of->fp) || fflush(of->fp) != 0;
    int e = errno;
    if (!bad && fsync(fileno(of->fp)) != 0 && errno != EINVAL && errno != EROFS) { bad = 1; e = errno; }
    int link_failed = 0;
    if (!bad && of->anon && (e = name_anon(of)) != 0) bad = link_failed = 1;
    if (fclose(of->fp) != 0 && !bad) { bad = 1; e = errno; }
    if (link_failed) {
        status = axcon_error_set(err, AXCON_EIO, "%s: cannot give the temporary file a name: %s", of->path, strerror(e));
    } else if (bad) {
        if (!of->anon) unlink(of->tmp);
        status = axcon_error_set(err, AXCON_EIO, "%s: write failed: %s", of->path, strerror(e));
    } else if (rename(of->tmp, of->path) != 0) {
        e = errno;
        unlink(of->tmp);
        status = axcon_error_set(err, AXCON_EIO, "%s: cannot rename temporary file into place: %s", of->path, strerror(e));
    }
    release(of);
    return status;
}

void axcon_ofile_abort(axcon_ofile_t *of)
{
    if (!of) return;
    if (of->path) {
        fclose(of->fp);
        if (!of->anon) unlink(of->tmp); /* an unnamed file vanishes with its descriptor */
    }
    release(of);
}
