/* batch.c - owns the bookkeeping of `axcon batch` (see axcon/batch.h): manifest parsing,
 * the shard split, the options fingerprint, done-records, cleanup of stale temporaries
 * and the summary TSV. Running the families themselves is the caller's business. */
#include "config.h"

#include "axcon/batch.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "axcon/ofile.h"
#include "core/util.h"

/* ------------------------------------------------------------------ manifest */

typedef struct {
    char *id;
    char *path;
    size_t line;
} entry_t;

struct axcon_manifest {
    entry_t *e;
    size_t n, cap;
};

void axcon_manifest_free(axcon_manifest_t *m)
{
    if (!m) return;
    for (size_t i = 0; i < m->n; i++) {
        free(m->e[i].id);
        free(m->e[i].path);
    }
    free(m->e);
    free(m);
}

size_t axcon_manifest_size(const axcon_manifest_t *m) { return m ? m->n : 0; }
const char *axcon_manifest_id(const axcon_manifest_t *m, size_t i) { return i < m->n ? m->e[i].id : NULL; }
const char *axcon_manifest_path(const axcon_manifest_t *m, size_t i) { return i < m->n ? m->e[i].path : NULL; }
size_t axcon_manifest_line(const axcon_manifest_t *m, size_t i) { return i < m->n ? m->e[i].line : 0; }

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

void axcon_batch_id_from_path(const char *path, char *buf, size_t size)
{
    if (!size) return;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    snprintf(buf, size, "%s", base);
    static const char *const comp[] = {".gz", ".bgz", ".bgzf"};
    for (size_t k = 0; k < sizeof comp / sizeof comp[0]; k++)
        if (ends_with(buf, comp[k])) {
            buf[strlen(buf) - strlen(comp[k])] = '\0';
            break;
        }
    char *dot = strrchr(buf, '.');
    if (dot && dot != buf) *dot = '\0';
}

/* strip spaces (and a CR); tabs separate fields, so they are kept */
static char *trim(char *s)
{
    while (*s == ' ') s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\r')) s[--n] = '\0';
    return s;
}

static const char *bad_id_reason(const char *id)
{
    if (!id[0]) return "empty ID";
    if (id[0] == '.') return "ID starts with '.'";
    for (const unsigned char *p = (const unsigned char *)id; *p; p++) {
        if (*p == '/') return "ID contains '/'";
        if (*p < 0x20 || *p == 0x7f) return "ID contains a control character";
    }
    if (strlen(id) > 200) return "ID longer than 200 characters";
    return NULL;
}

static int add_entry(axcon_manifest_t *m, const char *id, const char *path, size_t line, axcon_error_t *err)
{
    if (m->n == m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 64;
        entry_t *e = ax_realloc(m->e, cap, sizeof *e, "manifest", err);
        if (!e) return AXCON_ENOMEM;
        m->e = e;
        m->cap = cap;
    }
    entry_t *e = &m->e[m->n];
    e->id = strdup(id);
    e->path = strdup(path);
    e->line = line;
    if (!e->id || !e->path) {
        free(e->id);
        free(e->path);
        return axcon_error_set(err, AXCON_ENOMEM, "out of memory reading the manifest");
    }
    m->n++;
    return AXCON_OK;
}

/* entries sorted by ID (then line), to find duplicates in O(n log n) */
static int cmp_by_id(const void *a, const void *b)
{
    const entry_t *x = *(const entry_t *const *)a, *y = *(const entry_t *const *)b;
    int c = strcmp(x->id, y->id);
    return c ? c : (x->line > y->line) - (x->line < y->line);
}

int axcon_manifest_parse(const char *name, const char *buf, size_t len, axcon_manifest_t **out, axcon_error_t *err)
{
    int st = AXCON_OK;
    char *line = NULL;
    const entry_t **ord = NULL;
    *out = NULL;
    axcon_manifest_t *m = calloc(1, sizeof *m);
    if (!m) return axcon_error_set(err, AXCON_ENOMEM, "out of memory reading %s", name);
    size_t lineno = 0, pos = 0;
    while (pos < len) {
        size_t end = pos;
        while (end < len && buf[end] != '\n') end++;
        lineno++;
        size_t n = end - pos;
        if (memchr(buf + pos, '\0', n)) {
            st = axcon_error_set(err, AXCON_EINPUT, "%s:%zu: NUL byte (not a text manifest)", name, lineno);
            goto ERROR;
        }
        free(line);
        if (!(line = malloc(n + 1))) {
            st = axcon_error_set(err, AXCON_ENOMEM, "out of memory reading %s", name);
            goto ERROR;
        }
        memcpy(line, buf + pos, n);
        line[n] = '\0';
        pos = end + 1;
        if (lineno == 1 && (unsigned char)line[0] == 0xEF && (unsigned char)line[1] == 0xBB &&
            (unsigned char)line[2] == 0xBF)
            memmove(line, line + 3, n - 2);
        char *s = trim(line);
        if (!*s || *s == '#') continue;
        char *tab = strchr(s, '\t');
        char idbuf[512];
        const char *id, *path;
        if (tab) {
            *tab = '\0';
            id = trim(s);
            path = trim(tab + 1);
            if (strchr(path, '\t')) {
                st = axcon_error_set(err, AXCON_EINPUT, "%s:%zu: more than two tab-separated fields (want PATH or ID<TAB>PATH)",
                                     name, lineno);
                goto ERROR;
            }
            if (!*path) {
                st = axcon_error_set(err, AXCON_EINPUT, "%s:%zu: empty path after the ID '%s'", name, lineno, id);
                goto ERROR;
            }
        } else {
            path = s;
            axcon_batch_id_from_path(path, idbuf, sizeof idbuf);
            id = idbuf;
        }
        const char *why = bad_id_reason(id);
        if (why) {
            st = axcon_error_set(err, AXCON_EINPUT, "%s:%zu: %s%s%s%s", name, lineno, why, tab ? "" : " (derived from '",
                                 tab ? "" : path, tab ? "" : "'; give one as ID<TAB>PATH)");
            goto ERROR;
        }
        if ((st = add_entry(m, id, path, lineno, err)) != AXCON_OK) goto ERROR;
    }
    if (m->n) {
        if (!(ord = (const entry_t **)ax_alloc(m->n, sizeof *ord, 0, "manifest index", err))) {
            st = AXCON_ENOMEM;
            goto ERROR;
        }
        for (size_t i = 0; i < m->n; i++) ord[i] = &m->e[i];
        qsort(ord, m->n, sizeof *ord, cmp_by_id);
        for (size_t i = 1; i < m->n; i++)
            if (!strcmp(ord[i]->id, ord[i - 1]->id)) {
                st = axcon_error_set(err, AXCON_EINPUT, "%s:%zu: duplicate ID '%s' (first on line %zu)", name,
                                     ord[i]->line, ord[i]->id, ord[i - 1]->line);
                goto ERROR;
            }
    }
    free((void *)ord);
    free(line);
    *out = m;
    return AXCON_OK;
ERROR:
    free((void *)ord);
    free(line);
    axcon_manifest_free(m);
    return st;
}

int axcon_manifest_read(const char *path, axcon_manifest_t **out, axcon_error_t *err)
{
    *out = NULL;
    FILE *fp = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    const char *name = strcmp(path, "-") ? path : "<stdin>";
    if (!fp) return axcon_error_set(err, AXCON_EINPUT, "%s: cannot open manifest: %s", name, strerror(errno));
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int st = AXCON_OK;
    for (;;) {
        if (len + 65536 > cap) {
            size_t ncap = cap ? 2 * cap : 65536 * 2;
            char *nb = ax_realloc(buf, ncap, 1, "manifest", err);
            if (!nb) { st = AXCON_ENOMEM; goto DONE; }
            buf = nb;
            cap = ncap;
        }
        size_t got = fread(buf + len, 1, cap - len, fp);
        len += got;
        if (got == 0) break;
    }
    if (ferror(fp)) {
        st = axcon_error_set(err, AXCON_EINPUT, "%s: read error: %s", name, strerror(errno));
        goto DONE;
    }
    st = axcon_manifest_parse(name, buf ? buf : "", len, out, err);
    if (st == AXCON_OK && axcon_manifest_size(*out) == 0) {
        axcon_manifest_free(*out);
        *out = NULL;
        st = axcon_error_set(err, AXCON_EINPUT, "%s: manifest lists no alignments", name);
    }
DONE:
    free(buf);
    if (fp != stdin) fclose(fp);
    return st;
}

/* ------------------------------------------------------------------ shards */

int axcon_shard_parse(const char *s, axcon_shard_t *sh, axcon_error_t *err)
{
    char *end;
    errno = 0;
    long k = s ? strtol(s, &end, 10) : 0;
    if (!s || end == s || *end != '/' || errno) goto BAD;
    const char *t = end + 1;
    long n = strtol(t, &end, 10);
    if (end == t || *end || errno || n < 1 || n > 1000000 || k < 1 || k > n) goto BAD;
    sh->index = (int)(k - 1);
    sh->count = (int)n;
    return AXCON_OK;
BAD:
    return axcon_error_set(err, AXCON_EUSAGE, "--shard wants K/N with 1 <= K <= N (e.g. 2/8), got '%s'", s ? s : "");
}

static int env_long(const char *name, long *v, int *set, axcon_error_t *err)
{
    const char *s = getenv(name);
    *set = 0;
    if (!s || !*s) return AXCON_OK;
    char *end;
    errno = 0;
    long x = strtol(s, &end, 10);
    if (errno || *end || x < 0 || x > 100000000)
        return axcon_error_set(err, AXCON_EUSAGE, "environment variable %s='%s' is not a whole number >= 0", name, s);
    *v = x;
    *set = 1;
    return AXCON_OK;
}

int axcon_shard_from_env(axcon_shard_t *sh, int *found, axcon_error_t *err)
{
    long id = 0, cnt = 0, mn = 0, mx = 0, step = 1;
    int has_id, has_cnt, has_min, has_max, has_step, st;
    sh->index = 0;
    sh->count = 1;
    *found = 0;
    if ((st = env_long("SLURM_ARRAY_TASK_ID", &id, &has_id, err)) != AXCON_OK) return st;
    if (!has_id) return AXCON_OK;
    if ((st = env_long("SLURM_ARRAY_TASK_COUNT", &cnt, &has_cnt, err)) != AXCON_OK) return st;
    if ((st = env_long("SLURM_ARRAY_TASK_MIN", &mn, &has_min, err)) != AXCON_OK) return st;
    if ((st = env_long("SLURM_ARRAY_TASK_MAX", &mx, &has_max, err)) != AXCON_OK) return st;
    if ((st = env_long("SLURM_ARRAY_TASK_STEP", &step, &has_step, err)) != AXCON_OK) return st;
    if (!has_step || step < 1) step = 1;
    if (!has_min) mn = 0;
    if (!has_cnt) {
        if (!has_max)
            return axcon_error_set(err, AXCON_EUSAGE,
                                   "SLURM_ARRAY_TASK_ID is set but neither SLURM_ARRAY_TASK_COUNT nor "
                                   "SLURM_ARRAY_TASK_MAX is: give --shard K/N");
        if (mx < mn) return axcon_error_set(err, AXCON_EUSAGE, "SLURM_ARRAY_TASK_MAX (%ld) < SLURM_ARRAY_TASK_MIN (%ld)", mx, mn);
        cnt = (mx - mn) / step + 1;
    }
    if (id < mn || (id - mn) % step != 0 || (id - mn) / step >= cnt || cnt < 1)
        return axcon_error_set(err, AXCON_EUSAGE,
                               "SLURM_ARRAY_TASK_ID=%ld does not fit an array of %ld tasks from %ld in steps of %ld "
                               "(a job array with gaps such as --array=1,5,9 needs an explicit --shard K/N)",
                               id, cnt, mn, step);
    sh->index = (int)((id - mn) / step);
    sh->count = (int)cnt;
    *found = 1;
    return AXCON_OK;
}

typedef struct {
    size_t idx;
    long long size;
} order_t;

static int cmp_order(const void *a, const void *b)
{
    const order_t *x = a, *y = b;
    if (x->size != y->size) return x->size < y->size ? 1 : -1; /* larger first */
    return (x->idx > y->idx) - (x->idx < y->idx);
}

int axcon_shard_select(const axcon_manifest_t *m, const axcon_shard_t *sh, size_t **idx, size_t *n,
                       axcon_error_t *err)
{
    *idx = NULL;
    *n = 0;
    if (sh->count < 1 || sh->index < 0 || sh->index >= sh->count)
        return axcon_error_set(err, AXCON_EUSAGE, "bad shard %d of %d", sh->index + 1, sh->count);
    size_t cnt = 0;
    for (size_t i = (size_t)sh->index; i < m->n; i += (size_t)sh->count) cnt++;
    order_t *o = ax_alloc(cnt ? cnt : 1, sizeof *o, 0, "shard", err);
    size_t *out = ax_alloc(cnt ? cnt : 1, sizeof *out, 0, "shard", err);
    if (!o || !out) {
        free(o);
        free(out);
        return AXCON_ENOMEM;
    }
    size_t k = 0;
    for (size_t i = (size_t)sh->index; i < m->n; i += (size_t)sh->count, k++) {
        struct stat sb;
        o[k].idx = i;
        o[k].size = stat(m->e[i].path, &sb) == 0 ? (long long)sb.st_size : -1;
    }
    qsort(o, cnt, sizeof *o, cmp_order);
    for (k = 0; k < cnt; k++) out[k] = o[k].idx;
    free(o);
    *idx = out;
    *n = cnt;
    return AXCON_OK;
}

/* ------------------------------------------------------------------ fingerprint */

static uint64_t fnv1a(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}
#define FNV_INIT 0xcbf29ce484222325ULL

const char *axcon_batch_ext(axcon_outfmt_t fmt)
{
    switch (fmt) {
    case AXCON_OUT_RR: return "rr";
    case AXCON_OUT_MAT: return "mat";
    case AXCON_OUT_TSV: return "tsv";
    case AXCON_OUT_CSV: return "csv";
    case AXCON_OUT_PLMC: return "plmc";
    case AXCON_OUT_ROSETTA: return "cst";
    case AXCON_OUT_PSICOV: return "psicov";
    }
    return "out";
}

void axcon_batch_fingerprint(const axcon_predict_opts_t *po, const axcon_msa_opts_t *mo, axcon_outfmt_t fmt,
                             const axcon_top_t *top, char *buf, size_t size)
{
    /* memcpy, not assignment: the padding bytes must be copied too for the raw hash */
    axcon_predict_opts_t p;
    axcon_msa_opts_t a;
    memcpy(&p, po, sizeof p);
    memcpy(&a, mo, sizeof a);
    p.max_mem = 0.0; /* a limit, not a result-changing option */
    char topbuf[64];
    if (!top) snprintf(topbuf, sizeof topbuf, "all");
    else snprintf(topbuf, sizeof topbuf, "%.17g%s", top->count, top->per_L ? "L" : "");
    /* the raw bytes: structs are zero-initialised by their *_init functions (padding too) */
    uint64_t h = FNV_INIT;
    h = fnv1a(h, &p, sizeof p);
    h = fnv1a(h, &a, sizeof a);
    snprintf(buf, size,
             "axcon %s method=%s id=%.17g min_sep=%d apc=%d head=%d pc=%.17g sharpen=%d tau=%.17g lambda_h=%.17g "
             "lambda_j=%.17g plm_iter=%d tol=%.17g heads=%d head_dim=%d attn_lambda=%.17g attn_iter=%d "
             "format=%d max_seq_gap=%.17g max_col_gap=%.17g max_seqs=%zu out=%s top=%s raw=%016" PRIx64,
             PACKAGE_VERSION, axcon_method_name(p.method), p.id_threshold, p.min_sep, p.apc, p.head, p.mf_pseudocount,
             p.mf_sharpen, p.mf_tau, p.plm_lambda_h, p.plm_lambda_j, p.plm_max_iter, p.plm_tol, p.attn_heads,
             p.attn_dim, p.attn_lambda, p.attn_max_iter, (int)a.format, a.max_seq_gap, a.max_col_gap, a.max_seqs,
             axcon_outfmt_name(fmt), topbuf, h);
}

/* ------------------------------------------------------------------ done records */

int axcon_batch_stamp(const char *path, axcon_batch_stamp_t *st, axcon_error_t *err)
{
    struct stat sb;
    if (stat(path, &sb) != 0) return axcon_error_set(err, AXCON_EINPUT, "%s: %s", path, strerror(errno));
    st->size = (long long)sb.st_size;
    st->mtime_ns = (long long)sb.st_mtim.tv_sec * 1000000000LL + (long long)sb.st_mtim.tv_nsec;
    return AXCON_OK;
}

int axcon_batch_checksum(const char *path, long long *size, uint64_t *sum, axcon_error_t *err)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return axcon_error_set(err, AXCON_EIO, "%s: cannot open: %s", path, strerror(errno));
    unsigned char buf[65536];
    uint64_t h = FNV_INIT;
    long long n = 0;
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, fp)) > 0) {
        h = fnv1a(h, buf, got);
        n += (long long)got;
    }
    int bad = ferror(fp);
    fclose(fp);
    if (bad) return axcon_error_set(err, AXCON_EIO, "%s: read error", path);
    *size = n;
    *sum = h;
    return AXCON_OK;
}

#define DONE_MAGIC "axcon-batch-done\t1"

int axcon_batch_done_write(const char *done_path, const char *id, const char *fingerprint, const char *input,
                           const axcon_batch_stamp_t *in_stamp, const char *out_path, const axcon_batch_stats_t *s,
                           axcon_error_t *err)
{
    long long osize;
    uint64_t osum;
    int st;
    if ((st = axcon_batch_checksum(out_path, &osize, &osum, err)) != AXCON_OK) return st;
    axcon_ofile_t *of;
    if ((st = axcon_ofile_open(done_path, &of, err)) != AXCON_OK) return st;
    const char *oname = strrchr(out_path, '/');
    oname = oname ? oname + 1 : out_path;
    fprintf(axcon_ofile_fp(of),
            DONE_MAGIC "\nid\t%s\noptions\t%s\ninput\t%s\ninput_size\t%lld\ninput_mtime_ns\t%lld\noutput\t%s\n"
                       "output_size\t%lld\noutput_fnv1a\t%016" PRIx64 "\nN\t%zu\nL\t%zu\nneff\t%.6f\nseconds\t%.3f\n"
                       "peak_kb\t%ld\nend\n",
            id, fingerprint, input, in_stamp->size, in_stamp->mtime_ns, oname, osize, osum, s->nseq, s->ncol,
            s->neff, s->seconds, s->peak_kb);
    return axcon_ofile_commit(of, err);
}

/* value of "key\t..." in the record text, copied to out; 0 if absent */
static int rec_get(const char *text, const char *key, char *out, size_t size)
{
    size_t k = strlen(key);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (!strncmp(p, key, k) && p[k] == '\t') {
            const char *v = p + k + 1, *e = strchr(v, '\n');
            size_t n = e ? (size_t)(e - v) : strlen(v);
            if (n >= size) return 0;
            memcpy(out, v, n);
            out[n] = '\0';
            return 1;
        }
    }
    return 0;
}

int axcon_batch_done_check(const char *done_path, const char *id, const char *fingerprint, const char *input,
                           const char *out_path, axcon_batch_stats_t *stats)
{
    FILE *fp = fopen(done_path, "rb");
    if (!fp) return 0;
    char text[8192];
    size_t n = fread(text, 1, sizeof text - 1, fp);
    int over = !feof(fp) && fgetc(fp) != EOF;
    fclose(fp);
    if (over) return 0;
    text[n] = '\0';
    if (strncmp(text, DONE_MAGIC "\n", strlen(DONE_MAGIC) + 1) != 0) return 0;
    if (n < 4 || strcmp(text + n - 4, "end\n") != 0) return 0; /* complete record */
    char v[AXCON_FINGERPRINT_MAX + 4096];
    if (!rec_get(text, "id", v, sizeof v) || strcmp(v, id)) return 0;
    if (!rec_get(text, "options", v, sizeof v) || strcmp(v, fingerprint)) return 0;
    if (!rec_get(text, "input", v, sizeof v) || strcmp(v, input)) return 0;
    axcon_batch_stamp_t in;
    if (axcon_batch_stamp(input, &in, NULL) != AXCON_OK) return 0;
    char a[64], b[64];
    if (!rec_get(text, "input_size", a, sizeof a) || !rec_get(text, "input_mtime_ns", b, sizeof b)) return 0;
    if (strtoll(a, NULL, 10) != in.size || strtoll(b, NULL, 10) != in.mtime_ns) return 0;
    long long osize;
    uint64_t osum;
    if (axcon_batch_checksum(out_path, &osize, &osum, NULL) != AXCON_OK) return 0;
    if (!rec_get(text, "output_size", a, sizeof a) || !rec_get(text, "output_fnv1a", b, sizeof b)) return 0;
    char sumhex[32];
    snprintf(sumhex, sizeof sumhex, "%016" PRIx64, osum);
    if (strtoll(a, NULL, 10) != osize || strcmp(b, sumhex)) return 0;
    if (stats) {
        memset(stats, 0, sizeof *stats);
        if (rec_get(text, "N", a, sizeof a)) stats->nseq = (size_t)strtoull(a, NULL, 10);
        if (rec_get(text, "L", a, sizeof a)) stats->ncol = (size_t)strtoull(a, NULL, 10);
        if (rec_get(text, "neff", a, sizeof a)) stats->neff = strtod(a, NULL);
        if (rec_get(text, "seconds", a, sizeof a)) stats->seconds = strtod(a, NULL);
        if (rec_get(text, "peak_kb", a, sizeof a)) stats->peak_kb = strtol(a, NULL, 10);
    }
    return 1;
}

static int cmp_cstr(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int axcon_batch_clean_temps(const char *dir, const char *const *names, size_t n, axcon_error_t *err)
{
    DIR *d = opendir(dir);
    if (!d) return axcon_error_set(err, AXCON_EIO, "%s: cannot list directory: %s", dir, strerror(errno));
    const char **sorted = ax_alloc(n ? n : 1, sizeof *sorted, 0, "temporary names", err);
    if (!sorted) {
        closedir(d);
        return AXCON_ENOMEM;
    }
    memcpy(sorted, names, n * sizeof *names);
    qsort(sorted, n, sizeof *sorted, cmp_cstr);
    int removed = 0, st = AXCON_OK;
    struct dirent *de;
    size_t dlen = strlen(dir);
    while ((de = readdir(d)) != NULL) {
        /* ".NAME.XXXXXX" as made by axcon_ofile_open (mkstemp) */
        const char *nm = de->d_name;
        size_t len = strlen(nm);
        if (nm[0] != '.' || len < 9 || nm[len - 7] != '.') continue;
        char key[1024];
        if (len - 8 >= sizeof key) continue;
        memcpy(key, nm + 1, len - 8);
        key[len - 8] = '\0';
        const char *kp = key;
        if (!bsearch(&kp, sorted, n, sizeof *sorted, cmp_cstr)) continue;
        char *full = malloc(dlen + len + 2);
        if (!full) {
            st = axcon_error_set(err, AXCON_ENOMEM, "out of memory");
            break;
        }
        snprintf(full, dlen + len + 2, "%s/%s", dir, nm);
        if (unlink(full) == 0) removed++;
        else if (errno != ENOENT) {
            st = axcon_error_set(err, AXCON_EIO, "%s: cannot remove stale temporary file: %s", full, strerror(errno));
            free(full);
            break;
        }
        free(full);
    }
    closedir(d);
    free(sorted);
    return st == AXCON_OK ? removed : st;
}

/* ------------------------------------------------------------------ results and summary */

const char *axcon_batch_status_name(axcon_batch_status_t st)
{
    switch (st) {
    case AXCON_BATCH_PENDING: return "pending";
    case AXCON_BATCH_DONE: return "done";
    case AXCON_BATCH_SKIPPED: return "skipped";
    case AXCON_BATCH_FAILED: return "failed";
    case AXCON_BATCH_TOO_BIG: return "too-big";
    case AXCON_BATCH_ERROR: return "error";
    }
    return "error";
}

axcon_batch_status_t axcon_batch_status_of(int s)
{
    if (s == AXCON_OK) return AXCON_BATCH_DONE;
    if (s == AXCON_ERESOURCE) return AXCON_BATCH_TOO_BIG;
    if (axcon_status_is_user(s)) return AXCON_BATCH_FAILED;
    return AXCON_BATCH_ERROR;
}

typedef struct {
    size_t midx;
    size_t k;
} sum_order_t;

static int cmp_sum(const void *a, const void *b)
{
    const sum_order_t *x = a, *y = b;
    return (x->midx > y->midx) - (x->midx < y->midx);
}

int axcon_batch_summary_write(const char *path, const axcon_manifest_t *m, const size_t *idx,
                              const axcon_batch_result_t *res, size_t n, axcon_error_t *err)
{
    sum_order_t *o = ax_alloc(n ? n : 1, sizeof *o, 0, "summary", err);
    if (!o) return AXCON_ENOMEM;
    for (size_t k = 0; k < n; k++) {
        o[k].midx = idx[k];
        o[k].k = k;
    }
    qsort(o, n, sizeof *o, cmp_sum);
    axcon_ofile_t *of;
    int st = axcon_ofile_open(path, &of, err);
    if (st != AXCON_OK) {
        free(o);
        return st;
    }
    FILE *fp = axcon_ofile_fp(of);
    fprintf(fp, "#id\tstatus\tN\tL\tNeff\tseconds\tpeak_mem_mb\tmessage\n");
    for (size_t t = 0; t < n; t++) {
        const axcon_batch_result_t *r = &res[o[t].k];
        const axcon_batch_stats_t *s = &r->stats;
        fprintf(fp, "%s\t%s\t", axcon_manifest_id(m, o[t].midx), axcon_batch_status_name(r->status));
        if (s->ncol) fprintf(fp, "%zu\t%zu\t", s->nseq, s->ncol);
        else fprintf(fp, "-\t-\t");
        if (s->neff > 0) fprintf(fp, "%.1f\t", s->neff);
        else fprintf(fp, "-\t");
        if (r->status == AXCON_BATCH_PENDING) fprintf(fp, "-\t-\t");
        else fprintf(fp, "%.2f\t%.1f\t", s->seconds, (double)s->peak_kb / 1024.0);
        for (const char *c = r->msg; *c; c++) fputc(*c == '\t' || *c == '\n' || *c == '\r' ? ' ' : *c, fp);
        fputc('\n', fp);
    }
    free(o);
    return axcon_ofile_commit(of, err);
}
