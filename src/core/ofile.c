/* ofile.c - owns atomic output: temp file beside the target, checked close, rename (see axcon/ofile.h). */
#include "axcon/ofile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define AX_MAX_OPEN_OFILES 64

struct axcon_ofile {
    FILE *fp;
    char *path;    /* final destination, NULL for stdout */
    char *tmp;     /* temporary path */
    int slot;      /* index in the registry of open temporaries, -1 if none */
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
    int fd = mkstemp(of->tmp);
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
    if (fclose(of->fp) != 0 && !bad) { bad = 1; e = errno; }
    if (bad) {
        unlink(of->tmp);
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
        unlink(of->tmp);
    }
    release(of);
}
