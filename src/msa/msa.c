/* msa.c - stage 1 of the pipeline: the alignment reader (see include/axcon/msa.h).
 *
 * Owns: byte input (HTSlib hFILE for paths and "-" = stdin, or a caller's buffer),
 * decompression of gzip and BGZF with zlib (multi-member, CRC checked; truncation and
 * corruption are errors, never EOF, and a BGZF stream must end with its EOF block), the
 * line reader (CRLF, UTF-8 BOM, max_line), format recognition from the content, the
 * FASTA-like (FASTA/A2M/A3M), PSICOV and Stockholm parsers, the alphabet policy,
 * query-anchored column selection and numbering, the gap filters, and the compact N x L
 * byte matrix. Errors are one line, "NAME:LINE: reason"; nothing is printed except
 * through the logger.
 *
 * Parsing works in two passes over compact data, never over strings: every sequence
 * line is translated once through a 256-entry table into "raw codes" (state 0..20 plus
 * flags for lowercase insertions and '.'), appended to one arena. Once the whole file is
 * read, the alignment-wide facts (any lowercase? equal raw lengths?) decide how '.' and
 * lowercase are read, and the arena is compacted in place into the N x L matrix.
 */
#include "axcon/msa.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <htslib/hfile.h>
#include <zlib.h>

#include "axcon/log.h"
#include "core/util.h"

/* ------------------------------------------------------------------------------------ */
/* Alphabet                                                                              */

/* Raw codes: bits 0-4 the state (0..20), C_DOT for '.', C_LOWER for a lowercase letter;
 * C_SPECIAL marks bytes that are not stored (whitespace) or are errors. */
enum {
    C_STATE = 0x1f,
    C_DOT = 0x20,
    C_LOWER = 0x40,
    C_INSERT = C_DOT | C_LOWER,
    C_SPECIAL = 0x80,
    C_BAD = 0x80,
    C_SKIP = 0x81,
    C_NUL = 0x82
};

int axcon_aa_code(int c)
{
    /* A..Z; U -> C, O -> K; B, J, X, Z -> gap (unknown identity) */
    static const signed char up[26] = {
        0 /*A*/,  20 /*B*/, 4 /*C*/,  3 /*D*/,  6 /*E*/,  13 /*F*/, 7 /*G*/,  8 /*H*/,  9 /*I*/,
        20 /*J*/, 11 /*K*/, 10 /*L*/, 12 /*M*/, 2 /*N*/,  11 /*O*/, 14 /*P*/, 5 /*Q*/,  1 /*R*/,
        15 /*S*/, 16 /*T*/, 4 /*U*/,  19 /*V*/, 17 /*W*/, 20 /*X*/, 18 /*Y*/, 20 /*Z*/};
    if (c >= 'A' && c <= 'Z') return up[c - 'A'];
    if (c >= 'a' && c <= 'z') return up[c - 'a'];
    if (c == '-' || c == '.' || c == '*') return AXCON_GAP;
    return -1;
}

static void build_table(uint8_t tab[256])
{
    for (int c = 0; c < 256; c++) {
        int s = axcon_aa_code(c);
        if (c >= 'a' && c <= 'z') tab[c] = (uint8_t)(C_LOWER | s);
        else if (c == '.') tab[c] = (uint8_t)(C_DOT | AXCON_GAP);
        else if (s >= 0) tab[c] = (uint8_t)s;
        else if (c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f') tab[c] = C_SKIP;
        else if (c == 0) tab[c] = C_NUL;
        else tab[c] = C_BAD;
    }
}

static int is_letter(int c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
static int is_space(int c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

/* ------------------------------------------------------------------------------------ */
/* The alignment object                                                                  */

struct axcon_msa {
    axcon_msa_format_t fmt;
    size_t nseq, ncol, nseq_read, ncol_match;
    uint8_t *data;     /* nseq x ncol, row-major */
    int *col_pos;      /* ncol: 1-based query position */
    char *names;       /* NUL-terminated names, back to back; offset 0 holds "" */
    size_t *name_off;  /* nseq offsets into names */
    char *qseq;        /* query residues, uppercase */
    size_t qlen;
    double gap_frac;
};

void axcon_msa_opts_init(axcon_msa_opts_t *opts)
{
    if (!opts) return;
    opts->format = AXCON_FMT_AUTO;
    opts->max_seq_gap = 1.0;
    opts->max_col_gap = 1.0;
    opts->max_line = (size_t)256 << 20;
    opts->max_seqs = 0;
}

void axcon_msa_free(axcon_msa_t *msa)
{
    if (!msa) return;
    free(msa->data);
    free(msa->col_pos);
    free(msa->names);
    free(msa->name_off);
    free(msa->qseq);
    free(msa);
}

axcon_msa_format_t axcon_msa_format(const axcon_msa_t *msa) { return msa->fmt; }

const char *axcon_msa_format_name(axcon_msa_format_t fmt)
{
    switch (fmt) {
    case AXCON_FMT_AUTO: return "auto";
    case AXCON_FMT_FASTA: return "fasta";
    case AXCON_FMT_A3M: return "a3m";
    case AXCON_FMT_A2M: return "a2m";
    case AXCON_FMT_PSICOV: return "psicov";
    case AXCON_FMT_STOCKHOLM: return "stockholm";
    }
    return "unknown";
}

size_t axcon_msa_nseq(const axcon_msa_t *msa) { return msa->nseq; }
size_t axcon_msa_ncol(const axcon_msa_t *msa) { return msa->ncol; }
size_t axcon_msa_nseq_read(const axcon_msa_t *msa) { return msa->nseq_read; }
size_t axcon_msa_ncol_match(const axcon_msa_t *msa) { return msa->ncol_match; }
const uint8_t *axcon_msa_data(const axcon_msa_t *msa) { return msa->data; }

const uint8_t *axcon_msa_row(const axcon_msa_t *msa, size_t n)
{
    if (n >= msa->nseq) return NULL;
    return msa->data + n * msa->ncol;
}

int axcon_msa_col_pos(const axcon_msa_t *msa, size_t c)
{
    if (c >= msa->ncol) return 0;
    return msa->col_pos[c];
}

const char *axcon_msa_query_name(const axcon_msa_t *msa) { return msa->names + msa->name_off[0]; }
const char *axcon_msa_query_seq(const axcon_msa_t *msa) { return msa->qseq; }
size_t axcon_msa_query_len(const axcon_msa_t *msa) { return msa->qlen; }

const char *axcon_msa_seq_name(const axcon_msa_t *msa, size_t n)
{
    if (n >= msa->nseq) return NULL;
    return msa->names + msa->name_off[n];
}

double axcon_msa_gap_fraction(const axcon_msa_t *msa) { return msa->gap_frac; }

static double count_gap_fraction(const uint8_t *d, size_t n)
{
    size_t g = 0;
    for (size_t i = 0; i < n; i++) g += d[i] == AXCON_GAP;
    return n ? (double)g / (double)n : 0.0;
}

/* ------------------------------------------------------------------------------------ */
/* Messages                                                                              */

/* "NAME:LINE: reason" (or "NAME: reason" when line is 0). */
static int perr(axcon_error_t *err, int status, const char *name, size_t line, const char *fmt, ...)
    AXCON_PRINTF(5, 6);
static int perr(axcon_error_t *err, int status, const char *name, size_t line, const char *fmt, ...)
{
    char msg[AXCON_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (line) return axcon_error_set(err, status, "%s:%zu: %s", name, line, msg);
    return axcon_error_set(err, status, "%s: %s", name, msg);
}

/* Grow an array to hold `need` elements (doubling); NULL with ENOMEM set on failure. */
static void *grow_buf(void *p, size_t *cap, size_t need, size_t elsz, const char *what, axcon_error_t *err)
{
    size_t nc = *cap ? *cap : 256;
    while (nc < need) nc = nc > SIZE_MAX / 2 ? need : nc * 2;
    void *q = ax_realloc(p, nc, elsz, what, err);
    if (q) *cap = nc;
    return q;
}

#define ENSURE(p, cap, need, what, err)                                                   \
    do {                                                                                 \
        if ((need) > (cap)) {                                                            \
            void *q_ = grow_buf((p), &(cap), (need), sizeof *(p), (what), (err));        \
            if (!q_) return AXCON_ENOMEM;                                                \
            (p) = q_;                                                                    \
        }                                                                                \
    } while (0)

/* ------------------------------------------------------------------------------------ */
/* Byte input, decompression and lines                                                   */

#define RD_BUF (1u << 18)  /* initial line buffer (grows for longer lines) */
#define RD_IN (1u << 16)   /* raw input chunk */

typedef struct {
    const char *name;
    axcon_error_t *err;
    hFILE *hf;                 /* file or stdin; NULL when reading `mem` */
    const unsigned char *mem;
    size_t mem_len, mem_pos;
    unsigned char *in;         /* raw input chunk (compressed data, or the peeked head) */
    size_t in_cap, in_len, in_pos;
    int raw_eof;
    int gz, z_live, z_member_done, z_padding, z_done, z_failed, bgzf;
    size_t members;
    uLong last_out;
    z_stream z;
    gz_header hdr;
    unsigned char hdr_extra[16];
    char *buf;                 /* decompressed bytes; lines are found here */
    size_t cap, pos, end;
    int eof;
    size_t lineno, max_line;
    char *last;                /* last line returned, for rd_unget */
    size_t last_len;
    int unget;
} rd_t;

static int rd_corrupt(rd_t *r, const char *why)
{
    r->z_failed = 1;
    return perr(r->err, AXCON_EINPUT, r->name, 0, "truncated or corrupt compressed input (%s)", why);
}

static long rd_raw(rd_t *r, void *dst, size_t n)
{
    if (!r->hf) {
        size_t k = r->mem_len - r->mem_pos;
        if (k > n) k = n;
        if (k) memcpy(dst, r->mem + r->mem_pos, k);
        r->mem_pos += k;
        return (long)k;
    }
    errno = 0;
    ssize_t got = hread(r->hf, dst, n);
    if (got < 0) {
        int e = errno ? errno : EIO;
        return perr(r->err, e == EISDIR ? AXCON_EINPUT : AXCON_EIO, r->name, 0, "read error: %s", strerror(e));
    }
    return (long)got;
}

/* Append decompressed bytes to buf[end..cap). Returns 1 if bytes were added, 0 at the
 * end of the input, or a negative status. */
static int rd_fill(rd_t *r)
{
    size_t room = r->cap - r->end;
    if (!r->gz) {
        if (r->in_pos < r->in_len) {
            size_t k = r->in_len - r->in_pos;
            if (k > room) k = room;
            memcpy(r->buf + r->end, r->in + r->in_pos, k);
            r->in_pos += k;
            r->end += k;
            return 1;
        }
        if (r->raw_eof) return 0;
        long got = rd_raw(r, r->buf + r->end, room);
        if (got < 0) return (int)got;
        if (got == 0) {
            r->raw_eof = 1;
            return 0;
        }
        r->end += (size_t)got;
        return 1;
    }
    for (;;) {
        if (r->z_done) return 0;
        if (r->z.avail_in == 0 && !r->raw_eof) {
            long got = rd_raw(r, r->in, r->in_cap);
            if (got < 0) return (int)got;
            if (got == 0) r->raw_eof = 1;
            r->z.next_in = r->in;
            r->z.avail_in = (uInt)got;
        }
        if (r->z_member_done) {
            /* between gzip members: another member, zero padding (tolerated), or the end */
            while (r->z.avail_in && *r->z.next_in == 0) {
                r->z.next_in++;
                r->z.avail_in--;
                r->z_padding = 1;
            }
            if (r->z.avail_in == 0) {
                if (!r->raw_eof) continue;
                r->z_done = 1;
                if (r->bgzf && r->last_out != 0) return rd_corrupt(r, "BGZF end-of-file block missing");
                return 0;
            }
            if (r->z_padding || *r->z.next_in != 0x1f)
                return rd_corrupt(r, "garbage after the end of the compressed data");
            if (inflateReset(&r->z) != Z_OK) return rd_corrupt(r, "inflateReset failed");
            r->z_member_done = 0;
        }
        r->z.next_out = (Bytef *)r->buf + r->end;
        r->z.avail_out = (uInt)(room > (1u << 30) ? (1u << 30) : room);
        uInt before = r->z.avail_out;
        int ret = inflate(&r->z, Z_NO_FLUSH);
        size_t made = before - r->z.avail_out;
        r->end += made;
        if (ret == Z_STREAM_END) {
            if (r->members == 0 && r->hdr.done == 1 && r->hdr.extra_len >= 4 && r->hdr_extra[0] == 'B' &&
                r->hdr_extra[1] == 'C')
                r->bgzf = 1;
            r->members++;
            r->last_out = r->z.total_out;
            r->z_member_done = 1;
            if (made) return 1;
            continue;
        }
        if (ret == Z_OK || ret == Z_BUF_ERROR) {
            if (made) return 1;
            if (r->z.avail_in == 0 && r->raw_eof) return rd_corrupt(r, "unexpected end of file");
            if (room == 0) return axcon_error_set(r->err, AXCON_EINTERNAL, "%s: no room to inflate", r->name);
            continue;
        }
        if (ret == Z_MEM_ERROR) return perr(r->err, AXCON_ENOMEM, r->name, 0, "out of memory in zlib");
        return rd_corrupt(r, r->z.msg ? r->z.msg : "invalid compressed data");
    }
}

static void rd_close(rd_t *r)
{
    if (r->z_live) inflateEnd(&r->z);
    free(r->in);
    free(r->buf);
    r->in = NULL;
    r->buf = NULL;
}

/* Allocate buffers, recognise gzip/BGZF by its magic, skip a UTF-8 BOM, refuse empty input. */
static int rd_open(rd_t *r)
{
    /* small buffers for small in-memory inputs (tests, fuzzing) */
    r->in_cap = r->hf || r->mem_len + 16 > RD_IN ? RD_IN : r->mem_len + 16;
    r->cap = r->hf || r->mem_len + 64 > RD_BUF ? RD_BUF : r->mem_len + 64;
    r->in = ax_alloc(r->in_cap, 1, 0, "input buffer", r->err);
    r->buf = ax_alloc(r->cap, 1, 0, "line buffer", r->err);
    if (!r->in || !r->buf) return AXCON_ENOMEM;
    while (r->in_len < 2 && !r->raw_eof) {
        long got = rd_raw(r, r->in + r->in_len, r->in_cap - r->in_len);
        if (got < 0) return (int)got;
        if (got == 0) r->raw_eof = 1;
        r->in_len += (size_t)got;
    }
    if (r->in_len >= 2 && r->in[0] == 0x1f && r->in[1] == 0x8b) {
        memset(&r->z, 0, sizeof r->z);
        int zr = inflateInit2(&r->z, 15 + 16);
        if (zr != Z_OK)
            return zr == Z_MEM_ERROR ? perr(r->err, AXCON_ENOMEM, r->name, 0, "out of memory in zlib")
                                     : rd_corrupt(r, "inflateInit2 failed");
        r->z_live = 1;
        memset(&r->hdr, 0, sizeof r->hdr);
        r->hdr.extra = r->hdr_extra;
        r->hdr.extra_max = sizeof r->hdr_extra;
        inflateGetHeader(&r->z, &r->hdr);
        r->gz = 1;
        r->z.next_in = r->in;
        r->z.avail_in = (uInt)r->in_len;
        r->in_len = r->in_pos = 0;
    }
    while (r->end < 3) {
        int f = rd_fill(r);
        if (f < 0) return f;
        if (f == 0) {
            r->eof = 1;
            break;
        }
    }
    if (r->end >= 3 && (unsigned char)r->buf[0] == 0xEF && (unsigned char)r->buf[1] == 0xBB &&
        (unsigned char)r->buf[2] == 0xBF)
        r->pos = 3;
    while (r->pos == r->end && !r->eof) {
        int f = rd_fill(r);
        if (f < 0) return f;
        if (f == 0) r->eof = 1;
    }
    if (r->eof && r->pos == r->end) return perr(r->err, AXCON_EINPUT, r->name, 0, "empty file");
    return AXCON_OK;
}

/* Next line without its '\n' (and a trailing '\r'). Returns 1, 0 at the end, or < 0. The
 * pointer stays valid until the next call. */
static int rd_line(rd_t *r, char **line, size_t *len)
{
    if (r->unget) {
        r->unget = 0;
        *line = r->last;
        *len = r->last_len;
        return 1;
    }
    char *s;
    size_t n;
    for (;;) {
        s = r->buf + r->pos;
        size_t avail = r->end - r->pos;
        char *nl = avail ? memchr(s, '\n', avail) : NULL;
        if (nl) {
            n = (size_t)(nl - s);
            r->pos += n + 1;
            break;
        }
        if (r->eof) {
            if (!avail) return 0;
            n = avail;
            r->pos = r->end;
            break;
        }
        if (avail > r->max_line + 1)
            return perr(r->err, AXCON_EINPUT, r->name, r->lineno + 1, "line longer than %zu bytes", r->max_line);
        if (r->pos > 0) {
            if (avail) memmove(r->buf, s, avail);
            r->pos = 0;
            r->end = avail;
        }
        if (r->end == r->cap) {
            size_t limit = r->max_line + 2 > r->cap ? r->max_line + 2 : r->cap;
            size_t nc = r->cap > SIZE_MAX / 2 ? SIZE_MAX : r->cap * 2;
            if (nc > limit) nc = limit;
            if (nc <= r->cap) return perr(r->err, AXCON_EINTERNAL, r->name, r->lineno + 1, "line buffer limit");
            char *nb = ax_realloc(r->buf, nc, 1, "line buffer", r->err);
            if (!nb) return AXCON_ENOMEM;
            r->buf = nb;
            r->cap = nc;
        }
        int f = rd_fill(r);
        if (f < 0) return f;
        if (f == 0) r->eof = 1;
    }
    r->lineno++;
    while (n && s[n - 1] == '\r') n--; /* CRLF, and CRCRLF from a twice-converted file */
    if (n > r->max_line) return perr(r->err, AXCON_EINPUT, r->name, r->lineno, "line longer than %zu bytes", r->max_line);
    const char *cr = n ? memchr(s, '\r', n) : NULL;
    if (cr) /* CRLF is fine (stripped above); a lone CR means classic-Mac line ends, lines glued together */
        return perr(r->err, AXCON_EINPUT, r->name, r->lineno,
                    "carriage return inside a line at column %zu (CR-only line ends? use LF or CRLF)",
                    (size_t)(cr - s) + 1);
    *line = r->last = s;
    *len = r->last_len = n;
    return 1;
}

static void rd_unget(rd_t *r) { r->unget = 1; }

/* ------------------------------------------------------------------------------------ */
/* Parsing into raw rows                                                                 */

typedef struct {
    size_t off;   /* first raw code in the arena */
    size_t line;  /* line of the header (FASTA) or first line (PSICOV, Stockholm) */
    size_t name;  /* offset into names */
} row_t;

typedef struct {
    size_t row, off, len;
} seg_t;

typedef struct {
    const char *name;
    axcon_error_t *err;
    const axcon_msa_opts_t *opts;
    uint8_t tab[256];
    uint8_t *ar;                /* raw codes of every row, back to back */
    size_t alen, acap;
    row_t *rows;
    size_t nrow, rcap;
    char *names;
    size_t nlen, ncap;
    char *qraw;                 /* the query's characters as written (whitespace removed) */
    size_t qlen, qcap;
    unsigned acc;               /* OR of all stored raw codes */
    /* Stockholm */
    seg_t *segs;
    size_t nseg, scap;
    size_t *stamp;              /* block index + 1 of the row's last appearance */
    size_t stcap;
    uint32_t *hslot;            /* open-addressing name hash: row + 1, 0 = empty */
    size_t hcap;
    char *rf;                   /* the '#=GC RF' reference annotation, blocks joined (NULL: none) */
    size_t rflen, rfcap, rfline;
} bld_t;

static void bld_free(bld_t *b)
{
    free(b->ar);
    free(b->rows);
    free(b->names);
    free(b->qraw);
    free(b->segs);
    free(b->stamp);
    free(b->hslot);
    free(b->rf);
}

static const char *row_name(const bld_t *b, size_t i) { return b->names + b->rows[i].name; }

/* A printable label for row i in messages: 'name' or "sequence K". */
static void row_label(const bld_t *b, size_t i, char *dst, size_t cap)
{
    const char *nm = row_name(b, i);
    if (*nm) snprintf(dst, cap, "sequence '%.80s'", nm);
    else snprintf(dst, cap, "sequence %zu", i + 1);
}

static int add_name(bld_t *b, const char *s, size_t n, size_t *off)
{
    ENSURE(b->names, b->ncap, b->nlen + n + 1, "sequence names", b->err);
    memcpy(b->names + b->nlen, s, n);
    b->names[b->nlen + n] = '\0';
    *off = b->nlen;
    b->nlen += n + 1;
    return AXCON_OK;
}

static int add_row(bld_t *b, size_t off, size_t line, size_t name)
{
    if (b->opts->max_seqs && b->nrow >= b->opts->max_seqs)
        return perr(b->err, AXCON_ERESOURCE, b->name, line, "more than %zu sequences (the max_seqs limit)",
                    b->opts->max_seqs);
    if (b->nrow >= UINT32_MAX - 1)
        return perr(b->err, AXCON_ERESOURCE, b->name, line, "too many sequences");
    ENSURE(b->rows, b->rcap, b->nrow + 1, "sequence table", b->err);
    b->rows[b->nrow].off = off;
    b->rows[b->nrow].line = line;
    b->rows[b->nrow].name = name;
    b->nrow++;
    return AXCON_OK;
}

static int bad_char(bld_t *b, size_t line, unsigned char c, size_t col)
{
    if (c == 0)
        return perr(b->err, AXCON_EINPUT, b->name, line, "NUL byte at column %zu (binary data, not an alignment?)", col);
    if (c < 0x20 || c >= 0x7f)
        return perr(b->err, AXCON_EINPUT, b->name, line,
                    "invalid character '\\x%02X' in sequence at column %zu (binary data, not an alignment?)", c, col);
    return perr(b->err, AXCON_EINPUT, b->name, line, "invalid character '%c' in sequence at column %zu", c, col);
}

static int check_nul(bld_t *b, const char *s, size_t n, size_t line)
{
    const char *z = memchr(s, 0, n);
    if (z) return bad_char(b, line, 0, (size_t)(z - s) + 1);
    return AXCON_OK;
}

/* Translate sequence text s[0..n) (column col0 of its line) and append it to the arena. */
static int put_seq(bld_t *b, const char *s, size_t n, size_t col0, size_t line, int is_query)
{
    ENSURE(b->ar, b->acap, b->alen + n, "alignment", b->err);
    const uint8_t *tab = b->tab;
    const unsigned char *src = (const unsigned char *)s;
    uint8_t *dst = b->ar + b->alen;
    unsigned acc = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t t = tab[src[i]];
        if (t & C_SPECIAL) {
            if (t == C_SKIP) continue;
            return bad_char(b, line, src[i], col0 + i);
        }
        *dst++ = t;
        acc |= t;
    }
    size_t added = (size_t)(dst - (b->ar + b->alen));
    if (is_query && added) {
        ENSURE(b->qraw, b->qcap, b->qlen + added + 1, "query", b->err);
        for (size_t i = 0; i < n; i++)
            if (!is_space(src[i])) b->qraw[b->qlen++] = (char)src[i];
        b->qraw[b->qlen] = '\0';
    }
    b->alen += added;
    b->acc |= acc;
    return AXCON_OK;
}

/* HH-suite annotation records of A3M/A2M files. */
static int is_annotation(const char *s, size_t n)
{
    if (n == 7 && (!memcmp(s, "ss_pred", 7) || !memcmp(s, "ss_conf", 7) || !memcmp(s, "ss_dssp", 7))) return 1;
    if (n > 8 && !memcmp(s, "ss_dssp_", 8)) return 1;
    if (n > 3 && !memcmp(s, "sa_", 3)) return 1;
    if (n >= 10 && !memcmp(s + n - 10, "_consensus", 10)) return 1;
    return 0;
}

static int fa_end_record(bld_t *b, int in_rec, int skip, size_t rec_line)
{
    if (!in_rec || skip) return AXCON_OK;
    if (b->alen == b->rows[b->nrow - 1].off)
        return perr(b->err, AXCON_EINPUT, b->name, rec_line, "'>' header of sequence '%.80s' with no sequence after it",
                    row_name(b, b->nrow - 1));
    return AXCON_OK;
}

static int parse_fasta(bld_t *b, rd_t *r)
{
    int in_rec = 0, skip = 0, rc;
    size_t rec_line = 0;
    char *s;
    size_t n;
    while ((rc = rd_line(r, &s, &n)) > 0) {
        if (n == 0) continue;
        if (s[0] == '>') {
            if ((rc = fa_end_record(b, in_rec, skip, rec_line)) < 0) return rc;
            if ((rc = check_nul(b, s, n, r->lineno)) < 0) return rc;
            size_t i = 1, j;
            while (i < n && is_space((unsigned char)s[i])) i++;
            for (j = i; j < n && !is_space((unsigned char)s[j]); j++) {}
            in_rec = 1;
            rec_line = r->lineno;
            skip = is_annotation(s + i, j - i);
            if (skip) continue;
            size_t noff;
            if ((rc = add_name(b, s + i, j - i, &noff)) < 0) return rc;
            if ((rc = add_row(b, b->alen, r->lineno, noff)) < 0) return rc;
            continue;
        }
        if (s[0] == '#') {
            if ((rc = check_nul(b, s, n, r->lineno)) < 0) return rc;
            continue;
        }
        if (!in_rec) return perr(b->err, AXCON_EINPUT, b->name, r->lineno, "sequence data before the first '>' header");
        if (skip) continue;
        if ((rc = put_seq(b, s, n, 1, r->lineno, b->nrow == 1)) < 0) return rc;
    }
    if (rc < 0) return rc;
    return fa_end_record(b, in_rec, skip, rec_line);
}

static int parse_psicov(bld_t *b, rd_t *r)
{
    int rc;
    char *s;
    size_t n;
    while ((rc = rd_line(r, &s, &n)) > 0) {
        if (n == 0) continue;
        if (s[0] == '#') {
            if ((rc = check_nul(b, s, n, r->lineno)) < 0) return rc;
            continue;
        }
        if (s[0] == '>')
            return perr(b->err, AXCON_EINPUT, b->name, r->lineno,
                        "'>' header in a headerless (PSICOV) alignment: sequence data before the first header?");
        size_t start = b->alen;
        if ((rc = put_seq(b, s, n, 1, r->lineno, b->nrow == 0)) < 0) return rc;
        if (b->alen == start) continue; /* whitespace only */
        if ((rc = add_row(b, start, r->lineno, 0)) < 0) return rc;
    }
    return rc;
}

/* --- Stockholm: name hash ---------------------------------------------------------- */

static uint64_t name_hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

static int name_eq(const char *stored, const char *s, size_t n)
{
    return !strncmp(stored, s, n) && stored[n] == '\0' && !memchr(s, 0, n);
}

static long name_find(const bld_t *b, const char *s, size_t n)
{
    if (!b->hcap) return -1;
    size_t mask = b->hcap - 1, i = (size_t)name_hash(s, n) & mask;
    while (b->hslot[i]) {
        size_t row = b->hslot[i] - 1;
        if (name_eq(row_name(b, row), s, n)) return (long)row;
        i = (i + 1) & mask;
    }
    return -1;
}

static void name_put(bld_t *b, size_t row)
{
    const char *nm = row_name(b, row);
    size_t mask = b->hcap - 1, i = (size_t)name_hash(nm, strlen(nm)) & mask;
    while (b->hslot[i]) i = (i + 1) & mask;
    b->hslot[i] = (uint32_t)(row + 1);
}

/* Make room for one more name (load factor <= 1/2) and insert row `row`. */
static int name_insert(bld_t *b, size_t row)
{
    if ((row + 1) * 2 > b->hcap) {
        size_t nc = b->hcap ? b->hcap * 2 : 1024;
        uint32_t *ns = ax_alloc(nc, sizeof *ns, 1, "name index", b->err);
        if (!ns) return AXCON_ENOMEM;
        free(b->hslot);
        b->hslot = ns;
        b->hcap = nc;
        for (size_t i = 0; i < row; i++) name_put(b, i);
    }
    name_put(b, row);
    return AXCON_OK;
}

typedef struct {
    size_t block, nseen, first, last;
} sto_block_t;

/* Append the text of a '#=GC RF' line (one per block) to the reference annotation. */
static int sto_add_rf(bld_t *b, const char *s, size_t n, size_t line)
{
    size_t i = 0;
    while (i < n && is_space((unsigned char)s[i])) i++;
    if (!b->rf) b->rfline = line;
    ENSURE(b->rf, b->rfcap, b->rflen + (n - i) + 1, "reference annotation", b->err);
    for (; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (is_space(c)) continue;
        if (c < 0x21 || c >= 0x7f)
            return perr(b->err, AXCON_EINPUT, b->name, line, "invalid character '\\x%02X' in the #=GC RF line", c);
        b->rf[b->rflen++] = (char)c;
    }
    b->rf[b->rflen] = '\0';
    return AXCON_OK;
}

/* A match column of the RF line: any character but the insert marks '.', '-', '_' and '~'
 * (Stockholm writes a residue or 'x' there). */
static int rf_is_match(int c) { return c != '.' && c != '-' && c != '_' && c != '~'; }

static int sto_end_block(bld_t *b, sto_block_t *k)
{
    if (k->nseen == 0) return AXCON_OK;
    if (k->block > 0 && k->nseen != b->nrow) {
        size_t i = 0;
        while (i < b->nrow && b->stamp[i] == k->block + 1) i++;
        char lab[128];
        row_label(b, i < b->nrow ? i : 0, lab, sizeof lab);
        return perr(b->err, AXCON_EINPUT, b->name, k->first,
                    "%s is missing from the alignment block at lines %zu-%zu (it appears in only some blocks)", lab,
                    k->first, k->last);
    }
    k->block++;
    k->nseen = 0;
    return AXCON_OK;
}

static int parse_stockholm(bld_t *b, rd_t *r)
{
    sto_block_t k = {0, 0, 0, 0};
    int rc, ended = 0;
    char *s;
    size_t n;
    while ((rc = rd_line(r, &s, &n)) > 0) {
        while (n && is_space((unsigned char)s[n - 1])) n--;
        if (n == 2 && s[0] == '/' && s[1] == '/') {
            ended = 1;
            break;
        }
        size_t i = 0;
        while (i < n && is_space((unsigned char)s[i])) i++;
        if (i == n) {
            if ((rc = sto_end_block(b, &k)) < 0) return rc;
            continue;
        }
        if (s[0] == '#') {
            if ((rc = check_nul(b, s, n, r->lineno)) < 0) return rc;
            if (n > 7 && !memcmp(s, "#=GC RF", 7) && is_space((unsigned char)s[7]) &&
                (rc = sto_add_rf(b, s + 8, n - 8, r->lineno)) < 0)
                return rc;
            continue;
        }
        size_t ne = i, j;
        while (ne < n && !is_space((unsigned char)s[ne])) ne++;
        for (j = ne; j < n && is_space((unsigned char)s[j]); j++) {}
        if ((rc = check_nul(b, s, ne, r->lineno)) < 0) return rc;
        if (j == n)
            return perr(b->err, AXCON_EINPUT, b->name, r->lineno, "sequence line '%.*s' has a name but no sequence",
                        (int)(ne - i > 80 ? 80 : ne - i), s + i);
        long idx = name_find(b, s + i, ne - i);
        if (idx >= 0 && b->stamp[idx] == k.block + 1) {
            /* the name was already seen in this block: a new block without a blank line */
            if (k.block == 0 || k.nseen == b->nrow) {
                if ((rc = sto_end_block(b, &k)) < 0) return rc;
            } else {
                return perr(b->err, AXCON_EINPUT, b->name, r->lineno,
                            "sequence '%.80s' appears twice in the alignment block starting at line %zu",
                            row_name(b, (size_t)idx), k.first);
            }
        }
        if (idx < 0) {
            if (k.block > 0)
                return perr(b->err, AXCON_EINPUT, b->name, r->lineno,
                            "sequence '%.*s' is not in the first alignment block (it appears in only some blocks)",
                            (int)((ne - i) > 80 ? 80 : (ne - i)), s + i);
            size_t noff;
            if ((rc = add_name(b, s + i, ne - i, &noff)) < 0) return rc;
            if ((rc = add_row(b, 0, r->lineno, noff)) < 0) return rc;
            idx = (long)(b->nrow - 1);
            if ((rc = name_insert(b, (size_t)idx)) < 0) return rc;
            ENSURE(b->stamp, b->stcap, b->nrow, "block table", b->err);
            b->stamp[idx] = 0;
        }
        b->stamp[idx] = k.block + 1;
        if (k.nseen++ == 0) k.first = r->lineno;
        k.last = r->lineno;
        size_t start = b->alen;
        if ((rc = put_seq(b, s + j, n - j, j + 1, r->lineno, idx == 0)) < 0) return rc;
        ENSURE(b->segs, b->scap, b->nseg + 1, "alignment blocks", b->err);
        b->segs[b->nseg].row = (size_t)idx;
        b->segs[b->nseg].off = start;
        b->segs[b->nseg].len = b->alen - start;
        b->nseg++;
    }
    if (rc < 0) return rc;
    if (!ended)
        return perr(b->err, AXCON_EINPUT, b->name, r->lineno ? r->lineno : 1,
                    "Stockholm alignment not terminated by '//' (truncated file?)");
    /* one alignment a file: a second one (Pfam's and Rfam's multi-family files) is refused,
     * never silently dropped */
    size_t end_line = r->lineno;
    while ((rc = rd_line(r, &s, &n)) > 0) {
        size_t i = 0;
        while (i < n && is_space((unsigned char)s[i])) i++;
        if (i == n) continue;
        if (n >= 11 && !memcmp(s, "# STOCKHOLM", 11))
            return perr(b->err, AXCON_EINPUT, b->name, r->lineno,
                        "a second alignment starts here (the first ended at line %zu): axcon reads one alignment "
                        "a file; split the file into one file per alignment",
                        end_line);
        return perr(b->err, AXCON_EINPUT, b->name, r->lineno,
                    "text after the '//' that ends the alignment at line %zu", end_line);
    }
    if (rc < 0) return rc;
    if ((rc = sto_end_block(b, &k)) < 0) return rc;
    if (b->nrow == 0) return AXCON_OK;
    /* gather every row's segments into one contiguous row */
    size_t *pos = ax_alloc(b->nrow, sizeof *pos, 1, "alignment", b->err);
    uint8_t *na = ax_alloc(b->alen ? b->alen : 1, 1, 0, "alignment", b->err);
    if (!pos || !na) {
        free(pos);
        free(na);
        return AXCON_ENOMEM;
    }
    for (size_t g = 0; g < b->nseg; g++) pos[b->segs[g].row] += b->segs[g].len;
    size_t acc = 0;
    for (size_t i = 0; i < b->nrow; i++) {
        size_t len = pos[i];
        pos[i] = acc;
        b->rows[i].off = acc;
        acc += len;
    }
    for (size_t g = 0; g < b->nseg; g++) {
        const seg_t *sg = &b->segs[g];
        memcpy(na + pos[sg->row], b->ar + sg->off, sg->len);
        pos[sg->row] += sg->len;
    }
    free(pos);
    free(b->ar);
    b->ar = na;
    b->acap = b->alen ? b->alen : 1;
    return AXCON_OK;
}

/* ------------------------------------------------------------------------------------ */
/* From raw rows to the N x L matrix                                                     */

static size_t row_len(const bld_t *b, size_t i)
{
    return (i + 1 < b->nrow ? b->rows[i + 1].off : b->alen) - b->rows[i].off;
}

/* Append "a-b" or "a" to a bounded list of query positions. */
static void pos_list_add(char *dst, size_t cap, size_t *len, int *more, int a, int z)
{
    if (*more) return;
    char item[48];
    int k = a == z ? snprintf(item, sizeof item, "%s%d", *len ? "," : "", a)
                   : snprintf(item, sizeof item, "%s%d-%d", *len ? "," : "", a, z);
    if (k < 0 || *len + (size_t)k + 8 >= cap) {
        *more = 1;
        snprintf(dst + *len, cap - *len, ",...");
        return;
    }
    memcpy(dst + *len, item, (size_t)k + 1);
    *len += (size_t)k;
}

/* A nucleotide alignment read as protein would give a confident, meaningless prediction
 * (A, C, G, T are amino acids too, and RNA's U reads as selenocysteine, i.e. C): refuse
 * alignments whose residues are nearly all A, C, G, T/U or N. Proteins sit near 25%. */
#define NUC_FRACTION 0.9
static int check_protein(bld_t *b, const uint8_t *codes, size_t n)
{
    static const int nuc[] = {0 /*A*/, 4 /*C, U*/, 7 /*G*/, 16 /*T*/, 2 /*N*/};
    size_t cnt[AXCON_Q] = {0}, res = 0, k = 0;
    for (size_t i = 0; i < n; i++) cnt[codes[i]]++;
    for (int a = 0; a < AXCON_GAP; a++) res += cnt[a];
    for (size_t t = 0; t < sizeof nuc / sizeof nuc[0]; t++) k += cnt[nuc[t]];
    if (res < 20 || (double)k < NUC_FRACTION * (double)res) return AXCON_OK;
    return perr(b->err, AXCON_EINPUT, b->name, 0,
                "a nucleotide alignment? %.1f%% of its %zu residues are A, C, G, T/U or N: axcon predicts "
                "protein contacts from amino-acid alignments",
                100.0 * (double)k / (double)res, res);
}

static int finish(bld_t *b, axcon_msa_format_t fmt, int forced, axcon_msa_t **out)
{
    const axcon_msa_opts_t *o = b->opts;
    size_t N = b->nrow;
    if (N == 0) return perr(b->err, AXCON_EINPUT, b->name, 0, "no sequences found");
    /* lowercase present: drop inserts row by row (A3M); Stockholm rows are column-aligned
     * already, whatever their case */
    int sto = fmt == AXCON_FMT_STOCKHOLM;
    int rows_mode = !sto && (b->acc & C_LOWER) != 0;
    if (fmt == AXCON_FMT_PSICOV && N == 1)
        return perr(b->err, AXCON_EINPUT, b->name, b->rows[0].line,
                    "one line of text is not an alignment (a PSICOV alignment has one aligned sequence a line, "
                    "the query first, and its homologs after it)");
    size_t len0 = row_len(b, 0);
    int equal = 1;
    for (size_t i = 1; i < N && equal; i++) equal = row_len(b, i) == len0;
    if (!equal && (!rows_mode || fmt == AXCON_FMT_PSICOV || fmt == AXCON_FMT_STOCKHOLM ||
                   (forced && fmt != AXCON_FMT_A3M))) {
        size_t i = 1;
        while (row_len(b, i) == len0) i++;
        char lab[128];
        row_label(b, i, lab, sizeof lab);
        return perr(b->err, AXCON_EINPUT, b->name, b->rows[i].line,
                    "rows of different lengths: %s has %zu columns, the first sequence has %zu", lab, row_len(b, i),
                    len0);
    }
    if (!forced && (fmt == AXCON_FMT_FASTA || fmt == AXCON_FMT_A3M))
        fmt = !rows_mode ? AXCON_FMT_FASTA : equal ? AXCON_FMT_A2M : AXCON_FMT_A3M;

    /* the query's match columns, which of them are kept, and their query numbering. Match
     * columns: A3M/A2M the uppercase and '-' ones; Stockholm those where '#=GC RF' (when
     * present) or else the query has a residue; aligned FASTA and PSICOV every column. */
    const uint8_t *q = b->ar + b->rows[0].off;
    const char *rf = sto ? b->rf : NULL;
    if (rf && b->rflen != len0)
        return perr(b->err, AXCON_EINPUT, b->name, b->rfline,
                    "the #=GC RF annotation has %zu columns, the alignment's rows have %zu", b->rflen, len0);
    size_t M = 0, K = 0, R = 0;
#define IS_MATCH(j)                                                                                    \
    (rows_mode ? !(q[j] & C_INSERT) : rf ? rf_is_match((unsigned char)rf[j])                          \
                                         : !sto || is_letter((unsigned char)b->qraw[j]))
    if (b->qlen == len0)
        for (size_t j = 0; j < len0; j++) M += IS_MATCH(j);
    uint8_t *keep = ax_alloc(M ? M : 1, 1, 1, "column table", b->err);
    int *pos = ax_alloc(M ? M : 1, sizeof *pos, 0, "column table", b->err);
    size_t *kidx = ax_alloc(M ? M : 1, sizeof *kidx, 0, "column table", b->err);
    char *qseq = ax_alloc(b->qlen + 1, 1, 0, "query", b->err);
    axcon_msa_t *msa = ax_alloc(1, sizeof *msa, 1, "alignment", b->err);
    size_t *name_off = ax_alloc(N, sizeof *name_off, 0, "sequence names", b->err);
    int rc = AXCON_OK;
    if (!keep || !pos || !kidx || !qseq || !msa || !name_off) {
        rc = AXCON_ENOMEM;
        goto fail;
    }
    if (b->qlen != len0 || b->qlen > (size_t)INT32_MAX) {
        rc = b->qlen != len0 ? axcon_error_set(b->err, AXCON_EINTERNAL, "%s: query bookkeeping mismatch", b->name)
                             : perr(b->err, AXCON_ERESOURCE, b->name, 0, "query longer than %d residues", (int)INT32_MAX);
        goto fail;
    }
    for (size_t j = 0, m = 0; j < len0; j++) {
        int c = (unsigned char)b->qraw[j];
        if (is_letter(c)) qseq[R++] = (char)(c >= 'a' ? c - 32 : c);
        if (!IS_MATCH(j)) continue;
        if (is_letter(c)) {
            keep[m] = 1;
            pos[K] = (int)R;
            kidx[K++] = j;
        }
        m++;
    }
#undef IS_MATCH
    qseq[R] = '\0';
    if (K == 0) {
        rc = perr(b->err, AXCON_EINPUT, b->name, b->rows[0].line, "the query ('%.80s') has no match columns%s",
                  row_name(b, 0),
                  !R ? " (it has no residues, only gaps)"
                  : rf ? " (none of its residues is in a match column of the #=GC RF annotation)"
                       : " (all its residues are lowercase insertions)");
        goto fail;
    }

    /* compact the arena in place: row i's output starts at i*K <= its raw offset */
    uint8_t *ar = b->ar;
    for (size_t i = 0; i < N; i++) {
        const uint8_t *src = ar + b->rows[i].off;
        uint8_t *dst = ar + i * K;
        size_t len = row_len(b, i);
        if (!rows_mode) {
            for (size_t k = 0; k < K; k++) dst[k] = src[kidx[k]] & C_STATE;
            continue;
        }
        size_t m = 0, k = 0, j;
        for (j = 0; j < len; j++) {
            uint8_t t = src[j];
            if (t & C_INSERT) continue;
            if (m == M) break; /* one match column too many */
            if (keep[m]) dst[k++] = t & C_STATE;
            m++;
        }
        if (j < len || m != M) {
            /* bytes from j on were not overwritten (writes stay at or before the read position) */
            for (; j < len; j++) m += !(src[j] & C_INSERT);
            char lab[128];
            row_label(b, i, lab, sizeof lab);
            rc = perr(b->err, AXCON_EINPUT, b->name, b->rows[i].line,
                      "%s has %zu match columns (uppercase letters and '-'), the query has %zu", lab, m, M);
            goto fail;
        }
    }
    for (size_t i = 0; i < N; i++) name_off[i] = b->rows[i].name;
    if ((rc = check_protein(b, ar, N * K)) < 0) goto fail;

    /* drop gappy sequences (never the query) */
    size_t Nk = N;
    if (o->max_seq_gap < 1.0) {
        Nk = 1;
        for (size_t i = 1; i < N; i++) {
            const uint8_t *row = ar + i * K;
            size_t g = 0;
            for (size_t k = 0; k < K; k++) g += row[k] == AXCON_GAP;
            if ((double)g / (double)K > o->max_seq_gap) continue;
            if (Nk != i) memmove(ar + Nk * K, row, K);
            name_off[Nk++] = name_off[i];
        }
        if (Nk < N)
            axcon_info("%s: dropped %zu of %zu sequences with gap fraction > %g over the %zu match columns", b->name,
                       N - Nk, N, o->max_seq_gap, K);
    }

    /* mask gappy columns; positions keep the query numbering */
    size_t Kk = K;
    if (o->max_col_gap < 1.0) {
        size_t *cnt = ax_alloc(K, sizeof *cnt, 1, "column gap counts", b->err);
        if (!cnt) {
            rc = AXCON_ENOMEM;
            goto fail;
        }
        for (size_t i = 0; i < Nk; i++) {
            const uint8_t *row = ar + i * K;
            for (size_t k = 0; k < K; k++) cnt[k] += row[k] == AXCON_GAP;
        }
        char list[512];
        size_t ll = 0;
        int more = 0, run_a = 0, run_z = 0;
        list[0] = '\0';
        Kk = 0;
        for (size_t k = 0; k < K; k++) {
            if ((double)cnt[k] / (double)Nk > o->max_col_gap) {
                if (run_a && pos[k] == run_z + 1) {
                    run_z = pos[k];
                } else {
                    if (run_a) pos_list_add(list, sizeof list, &ll, &more, run_a, run_z);
                    run_a = run_z = pos[k];
                }
                continue;
            }
            kidx[Kk] = k;
            pos[Kk++] = pos[k];
        }
        if (run_a) pos_list_add(list, sizeof list, &ll, &more, run_a, run_z);
        free(cnt);
        if (Kk == 0) {
            rc = perr(b->err, AXCON_EINPUT, b->name, 0,
                      "all %zu match columns have a gap fraction above max_col_gap = %g", K, o->max_col_gap);
            goto fail;
        }
        if (Kk < K) {
            axcon_info("%s: masked %zu of %zu columns with gap fraction > %g (query positions %s)", b->name, K - Kk,
                       K, o->max_col_gap, list);
            for (size_t i = 0; i < Nk; i++) {
                const uint8_t *src = ar + i * K;
                uint8_t *dst = ar + i * Kk;
                for (size_t k = 0; k < Kk; k++) dst[k] = src[kidx[k]];
            }
        }
    }

    uint8_t *data = realloc(ar, Nk * Kk);
    if (!data) data = ar; /* shrinking cannot really fail; keep the larger block */
    b->ar = NULL;
    int *cp = realloc(pos, Kk * sizeof *cp);
    if (cp) pos = cp;
    msa->fmt = fmt;
    msa->nseq = Nk;
    msa->ncol = Kk;
    msa->nseq_read = N;
    msa->ncol_match = K;
    msa->data = data;
    msa->col_pos = pos;
    msa->names = b->names;
    b->names = NULL;
    msa->name_off = name_off;
    msa->qseq = qseq;
    msa->qlen = R;
    msa->gap_frac = count_gap_fraction(data, Nk * Kk);
    free(keep);
    free(kidx);
    axcon_info("%s: %s alignment, %zu sequences x %zu columns (query '%s', %zu residues, %zu match columns)",
               b->name, axcon_msa_format_name(fmt), Nk, Kk, axcon_msa_query_name(msa), R, K);
    *out = msa;
    return AXCON_OK;
fail:
    free(keep);
    free(pos);
    free(kidx);
    free(qseq);
    free(msa);
    free(name_off);
    return rc;
}

/* ------------------------------------------------------------------------------------ */
/* Entry points                                                                          */

static int check_opts(const axcon_msa_opts_t *o, axcon_error_t *err)
{
    if (!(o->max_seq_gap >= 0.0 && o->max_seq_gap <= 1.0))
        return axcon_error_set(err, AXCON_EUSAGE, "max_seq_gap must be in [0,1], got %g", o->max_seq_gap);
    if (!(o->max_col_gap >= 0.0 && o->max_col_gap <= 1.0))
        return axcon_error_set(err, AXCON_EUSAGE, "max_col_gap must be in [0,1], got %g", o->max_col_gap);
    if (o->max_line == 0 || o->max_line > SIZE_MAX / 4)
        return axcon_error_set(err, AXCON_EUSAGE, "max_line must be positive, got %zu", o->max_line);
    if ((unsigned)o->format > AXCON_FMT_STOCKHOLM)
        return axcon_error_set(err, AXCON_EUSAGE, "unknown alignment format %d", (int)o->format);
    return AXCON_OK;
}

static int parse_stream(rd_t *r, const axcon_msa_opts_t *o, axcon_msa_t **out, axcon_error_t *err)
{
    bld_t b;
    memset(&b, 0, sizeof b);
    b.name = r->name;
    b.err = err;
    b.opts = o;
    build_table(b.tab);
    int rc = rd_open(r);
    if (rc < 0) goto done;
    /* the empty name shared by PSICOV rows */
    b.ncap = 4096;
    b.names = ax_alloc(b.ncap, 1, 0, "sequence names", err);
    if (!b.names) {
        rc = AXCON_ENOMEM;
        goto done;
    }
    b.names[0] = '\0';
    b.nlen = 1;

    /* recognise the format from the first line that is not blank or a '#' comment */
    axcon_msa_format_t fmt = AXCON_FMT_AUTO;
    char *s;
    size_t n;
    while ((rc = rd_line(r, &s, &n)) > 0) {
        size_t i = 0;
        while (i < n && is_space((unsigned char)s[i])) i++;
        if (i == n) continue;
        if (n >= 11 && !memcmp(s, "# STOCKHOLM", 11)) {
            fmt = AXCON_FMT_STOCKHOLM;
            break;
        }
        if (s[0] == '#') {
            if ((rc = check_nul(&b, s, n, r->lineno)) < 0) goto done;
            continue;
        }
        fmt = s[0] == '>' ? AXCON_FMT_A3M : AXCON_FMT_PSICOV; /* A3M = FASTA-like, refined later */
        rd_unget(r);
        break;
    }
    if (rc < 0) goto done;
    if (fmt == AXCON_FMT_AUTO) {
        rc = perr(err, AXCON_EINPUT, r->name, 0, "no sequences found (%zu lines of comments or blank lines)",
                  r->lineno);
        goto done;
    }
    int forced = o->format != AXCON_FMT_AUTO;
    if (forced) {
        int want_sto = o->format == AXCON_FMT_STOCKHOLM, want_psi = o->format == AXCON_FMT_PSICOV;
        if (want_sto && fmt != AXCON_FMT_STOCKHOLM) {
            rc = perr(err, AXCON_EINPUT, r->name, r->lineno, "not a Stockholm file (no '# STOCKHOLM 1.0' header)");
            goto done;
        }
        if (!want_sto && !want_psi && fmt != AXCON_FMT_A3M) {
            rc = perr(err, AXCON_EINPUT, r->name, r->lineno, "expected a '>' header line for format %s",
                      axcon_msa_format_name(o->format));
            goto done;
        }
        if (want_psi && fmt == AXCON_FMT_STOCKHOLM) {
            rc = perr(err, AXCON_EINPUT, r->name, r->lineno, "a Stockholm file, not a PSICOV alignment");
            goto done;
        }
        fmt = o->format;
    }
    if (fmt == AXCON_FMT_STOCKHOLM) rc = parse_stockholm(&b, r);
    else if (fmt == AXCON_FMT_PSICOV) rc = parse_psicov(&b, r);
    else rc = parse_fasta(&b, r);
    if (rc < 0) goto done;
    rc = finish(&b, fmt, forced, out);
done:
    if (rc == AXCON_EINPUT && r->gz && !r->z_failed && err && r->buf) {
        /* a parse error in compressed input may come from corrupt data that the CRC check at
         * the end of the member would have caught: decompress the rest and report that */
        axcon_error_t keep = *err;
        int f;
        do {
            r->pos = r->end = 0;
        } while ((f = rd_fill(r)) > 0);
        if (f < 0 && r->z_failed) rc = f;
        else *err = keep;
    }
    if (rc == AXCON_ENOMEM && err && !strstr(err->msg, r->name)) axcon_error_prefix(err, "%s", r->name);
    bld_free(&b);
    rd_close(r);
    return rc;
}

int axcon_msa_parse(const char *name, const char *buf, size_t len, const axcon_msa_opts_t *opts, axcon_msa_t **out,
                    axcon_error_t *err)
{
    if (!out || (!buf && len)) return axcon_error_set(err, AXCON_EUSAGE, "axcon_msa_parse: NULL argument");
    *out = NULL;
    axcon_msa_opts_t def;
    if (!opts) {
        axcon_msa_opts_init(&def);
        opts = &def;
    }
    int rc = check_opts(opts, err);
    if (rc < 0) return rc;
    rd_t r;
    memset(&r, 0, sizeof r);
    r.name = name ? name : "<buffer>";
    r.err = err;
    r.mem = (const unsigned char *)buf;
    r.mem_len = len;
    r.max_line = opts->max_line;
    return parse_stream(&r, opts, out, err);
}

int axcon_msa_read(const char *path, const axcon_msa_opts_t *opts, axcon_msa_t **out, axcon_error_t *err)
{
    if (!path || !out) return axcon_error_set(err, AXCON_EUSAGE, "axcon_msa_read: NULL argument");
    *out = NULL;
    axcon_msa_opts_t def;
    if (!opts) {
        axcon_msa_opts_init(&def);
        opts = &def;
    }
    int rc = check_opts(opts, err);
    if (rc < 0) return rc;
    int is_stdin = !strcmp(path, "-");
    const char *name = is_stdin ? "<stdin>" : path;
    struct stat st;
    if (!is_stdin && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return perr(err, AXCON_EINPUT, name, 0, "cannot open: %s", strerror(EISDIR));
    errno = 0;
    hFILE *hf = hopen(path, "r");
    if (!hf) {
        int e = errno ? errno : ENOENT;
        return perr(err, e == ENOMEM ? AXCON_ENOMEM : AXCON_EINPUT, name, 0, "cannot open: %s", strerror(e));
    }
    rd_t r;
    memset(&r, 0, sizeof r);
    r.name = name;
    r.err = err;
    r.hf = hf;
    r.max_line = opts->max_line;
    rc = parse_stream(&r, opts, out, err);
    if (hclose(hf) != 0 && rc == AXCON_OK) {
        /* reading succeeded; a failing close of an input changes nothing we return */
    }
    return rc;
}

int axcon_msa_from_codes(const uint8_t *rows, size_t nseq, size_t ncol, const char *query_name, axcon_msa_t **out,
                         axcon_error_t *err)
{
    if (!out) return axcon_error_set(err, AXCON_EUSAGE, "axcon_msa_from_codes: NULL output");
    *out = NULL;
    if (!rows || nseq == 0 || ncol == 0)
        return axcon_error_set(err, AXCON_EUSAGE, "axcon_msa_from_codes: empty alignment (%zu x %zu)", nseq, ncol);
    if (ncol > (size_t)INT32_MAX)
        return axcon_error_set(err, AXCON_EUSAGE, "axcon_msa_from_codes: %zu columns is too many", ncol);
    size_t total;
    if (ax_mul_ok(nseq, ncol, &total) != 0)
        return axcon_error_set(err, AXCON_ENOMEM, "axcon_msa_from_codes: %zu x %zu overflows", nseq, ncol);
    for (size_t i = 0; i < total; i++)
        if (rows[i] > AXCON_GAP)
            return axcon_error_set(err, AXCON_EUSAGE, "axcon_msa_from_codes: code %u at row %zu column %zu (want 0..20)",
                                   rows[i], i / ncol, i % ncol);
    for (size_t k = 0; k < ncol; k++)
        if (rows[k] == AXCON_GAP)
            return axcon_error_set(err, AXCON_EUSAGE, "axcon_msa_from_codes: the query (row 0) has a gap at column %zu",
                                   k + 1);
    const char *qn = query_name ? query_name : "query";
    size_t qnl = strlen(qn);
    axcon_msa_t *m = ax_alloc(1, sizeof *m, 1, "alignment", err);
    if (!m) return AXCON_ENOMEM;
    m->data = ax_alloc(total, 1, 0, "alignment", err);
    m->col_pos = ax_alloc(ncol, sizeof *m->col_pos, 0, "alignment", err);
    m->names = ax_alloc(qnl + 1, 1, 0, "alignment", err);
    m->name_off = ax_alloc(nseq, sizeof *m->name_off, 0, "alignment", err);
    m->qseq = ax_alloc(ncol + 1, 1, 0, "alignment", err);
    if (!m->data || !m->col_pos || !m->names || !m->name_off || !m->qseq) {
        axcon_msa_free(m);
        return AXCON_ENOMEM;
    }
    memcpy(m->data, rows, total);
    memcpy(m->names, qn, qnl + 1);
    m->name_off[0] = 0;
    for (size_t i = 1; i < nseq; i++) m->name_off[i] = qnl; /* the terminating NUL: "" */
    for (size_t k = 0; k < ncol; k++) {
        m->col_pos[k] = (int)(k + 1);
        m->qseq[k] = AXCON_ALPHABET[rows[k]];
    }
    m->qseq[ncol] = '\0';
    m->fmt = AXCON_FMT_AUTO;
    m->nseq = m->nseq_read = nseq;
    m->ncol = m->ncol_match = ncol;
    m->qlen = ncol;
    m->gap_frac = count_gap_fraction(m->data, total);
    *out = m;
    return AXCON_OK;
}
