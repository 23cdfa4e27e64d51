/* npz.c - owns the NumPy .npz writer of axcon/npz.h: the .npy 1.0 header (magic, version,
 * little-endian header length, the dict padded so data starts at a multiple of 64), the ZIP
 * local headers, central directory and end record (stored members, CRC-32), and the byte
 * accounting that keeps offsets without seeking. */
#include "axcon/npz.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/util.h"

#define NPZ_MAX_MEMBERS 64
#define NPZ_NAME_MAX 64

typedef struct {
    char name[NPZ_NAME_MAX + 5]; /* name + ".npy" */
    uint32_t crc, size, offset;
} npz_member_t;

struct axcon_npz {
    FILE *fp;
    uint64_t pos; /* bytes written so far */
    int n;
    npz_member_t m[NPZ_MAX_MEMBERS];
};

static void put16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)(v & 0xff);
    p[1] = (unsigned char)((v >> 8) & 0xff);
}

static void put32(unsigned char *p, uint32_t v)
{
    for (int k = 0; k < 4; k++) p[k] = (unsigned char)((v >> (8 * k)) & 0xff);
}

static int emit(axcon_npz_t *z, const void *buf, size_t len, axcon_error_t *err)
{
    if (len && fwrite(buf, 1, len, z->fp) != len)
        return axcon_error_set(err, AXCON_EIO, "npz: write error");
    z->pos += len;
    return AXCON_OK;
}

int axcon_npz_begin(FILE *fp, axcon_npz_t **out, axcon_error_t *err)
{
    *out = NULL;
    if (!fp) return axcon_error_set(err, AXCON_EUSAGE, "npz: no stream");
    axcon_npz_t *z = ax_alloc(1, sizeof *z, 1, "npz writer", err);
    if (!z) return AXCON_ENOMEM;
    z->fp = fp;
    *out = z;
    return AXCON_OK;
}

void axcon_npz_free(axcon_npz_t *z) { free(z); }

static int valid_name(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > NPZ_NAME_MAX) return 0;
    for (size_t k = 0; k < n; k++)
        if (!((s[k] >= 'a' && s[k] <= 'z') || (s[k] >= 'A' && s[k] <= 'Z') || (s[k] >= '0' && s[k] <= '9') ||
              s[k] == '_'))
            return 0;
    return 1;
}

/* One member from data, or (data NULL, fill set) from rows of shape[1..] elements that fill
 * writes into a buffer of its own, called twice per row: once for the CRC, once to write. */
static int add_member(axcon_npz_t *z, const char *name, axcon_npz_dtype_t dtype, int ndim, const size_t *shape,
                      const void *data, axcon_npz_fill_fn fill, void *ctx, axcon_error_t *err)
{
    static const char *const descr[] = {"<f4", "<f8", "<i4", "|S"};
    static const size_t esize[] = {4, 8, 4, 1};
    int st;
    if (!z || (unsigned)dtype > AXCON_NPZ_S || ndim < 0 || ndim > 4 || (ndim > 0 && !shape) ||
        (dtype == AXCON_NPZ_S && (ndim != 1 || shape[0] == 0)) || (fill && ndim < 1))
        return axcon_error_set(err, AXCON_EUSAGE, "npz: bad array arguments");
    if (!valid_name(name)) return axcon_error_set(err, AXCON_EUSAGE, "npz: bad array name '%s'", name ? name : "");
    if (z->n == NPZ_MAX_MEMBERS) return axcon_error_set(err, AXCON_EUSAGE, "npz: more than %d arrays", NPZ_MAX_MEMBERS);
    for (int k = 0; k < z->n; k++)
        if (!strncmp(z->m[k].name, name, strlen(name)) && !strcmp(z->m[k].name + strlen(name), ".npy"))
            return axcon_error_set(err, AXCON_EUSAGE, "npz: array '%s' given twice", name);
    /* header dict, padded with spaces and a final newline to a multiple of 64 bytes */
    char hdr[256];
    int hl;
    size_t count = 1;
    if (dtype == AXCON_NPZ_S) /* one byte string: a 0-d array of dtype |S<n> */
        hl = snprintf(hdr, sizeof hdr, "{'descr': '|S%zu', 'fortran_order': False, 'shape': (", shape[0]);
    else
        hl = snprintf(hdr, sizeof hdr, "{'descr': '%s', 'fortran_order': False, 'shape': (", descr[dtype]);
    for (int d = 0; d < ndim; d++) {
        if (ax_mul_ok(count, shape[d], &count) != 0) return axcon_error_set(err, AXCON_EUSAGE, "npz: shape overflows");
        if (dtype != AXCON_NPZ_S)
            hl += snprintf(hdr + hl, sizeof hdr - (size_t)hl, "%zu%s", shape[d], ndim == 1 ? "," : (d + 1 < ndim ? ", " : ""));
    }
    hl += snprintf(hdr + hl, sizeof hdr - (size_t)hl, "), }");
    size_t total = 10 + (size_t)hl + 1, padded = (total + 63) / 64 * 64;
    unsigned char pre[10 + 256 + 64];
    memcpy(pre, "\x93NUMPY\x01\x00", 8);
    put16(pre + 8, (unsigned)(padded - 10));
    memcpy(pre + 10, hdr, (size_t)hl);
    memset(pre + 10 + hl, ' ', padded - total);
    pre[padded - 1] = '\n';
    size_t nbytes;
    if (ax_mul_ok(count, esize[dtype], &nbytes) != 0 || nbytes > UINT32_MAX - padded)
        return axcon_error_set(err, AXCON_EUSAGE, "npz: array '%s' exceeds 4 GiB (no ZIP64)", name);
    if (count && !data && !fill) return axcon_error_set(err, AXCON_EUSAGE, "npz: array '%s' has no data", name);
    const uint32_t size = (uint32_t)(padded + nbytes);
    uLong crc = crc32(0L, Z_NULL, 0);
    crc = crc32(crc, pre, (uInt)padded);
    unsigned char *row = NULL;
    size_t rows = fill ? shape[0] : 0, rowbytes = rows ? nbytes / rows : 0;
    if (fill && rowbytes && !(row = ax_alloc(rowbytes, 1, 0, "npz row", err))) return AXCON_ENOMEM;
    if (fill) {
        for (size_t r = 0; r < rows && rowbytes; r++) {
            if ((st = fill(ctx, r, row, err)) != AXCON_OK) {
                free(row);
                return st;
            }
            crc = crc32(crc, row, (uInt)rowbytes); /* rows stay below 4 GiB: the member does */
        }
    } else {
        for (size_t off = 0; off < nbytes;) { /* zlib's uInt may be narrower than size_t */
            size_t chunk = nbytes - off > (1u << 30) ? (1u << 30) : nbytes - off;
            crc = crc32(crc, (const Bytef *)data + off, (uInt)chunk);
            off += chunk;
        }
    }
    if (z->pos + 30 + strlen(name) + 4 + size > UINT32_MAX) {
        free(row);
        return axcon_error_set(err, AXCON_EUSAGE, "npz: archive exceeds 4 GiB (no ZIP64)");
    }
    npz_member_t *m = &z->m[z->n];
    snprintf(m->name, sizeof m->name, "%s.npy", name);
    m->crc = (uint32_t)crc;
    m->size = size;
    m->offset = (uint32_t)z->pos;
    /* local file header: stored, no data descriptor, 1980-01-01 00:00 */
    unsigned char lh[30];
    size_t nl = strlen(m->name);
    put32(lh, 0x04034b50u);
    put16(lh + 4, 20);
    put16(lh + 6, 0);
    put16(lh + 8, 0);
    put16(lh + 10, 0);
    put16(lh + 12, 0x21);
    put32(lh + 14, m->crc);
    put32(lh + 18, size);
    put32(lh + 22, size);
    put16(lh + 26, (unsigned)nl);
    put16(lh + 28, 0);
    if ((st = emit(z, lh, sizeof lh, err)) == AXCON_OK && (st = emit(z, m->name, nl, err)) == AXCON_OK)
        st = emit(z, pre, padded, err);
    if (st == AXCON_OK && !fill) st = emit(z, data, nbytes, err);
    for (size_t r = 0; st == AXCON_OK && fill && r < rows && rowbytes; r++)
        if ((st = fill(ctx, r, row, err)) == AXCON_OK) st = emit(z, row, rowbytes, err);
    free(row);
    if (st != AXCON_OK) return st;
    z->n++;
    return AXCON_OK;
}

int axcon_npz_add(axcon_npz_t *z, const char *name, axcon_npz_dtype_t dtype, int ndim, const size_t *shape,
                  const void *data, axcon_error_t *err)
{
    return add_member(z, name, dtype, ndim, shape, data, NULL, NULL, err);
}

int axcon_npz_add_rows(axcon_npz_t *z, const char *name, axcon_npz_dtype_t dtype, int ndim, const size_t *shape,
                       axcon_npz_fill_fn fill, void *ctx, axcon_error_t *err)
{
    if (!fill) return axcon_error_set(err, AXCON_EUSAGE, "npz: no row source for '%s'", name ? name : "");
    return add_member(z, name, dtype, ndim, shape, NULL, fill, ctx, err);
}

int axcon_npz_add_string(axcon_npz_t *z, const char *name, const char *s, axcon_error_t *err)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0) return axcon_error_set(err, AXCON_EUSAGE, "npz: empty string for '%s'", name ? name : "");
    return add_member(z, name, AXCON_NPZ_S, 1, &n, s, NULL, NULL, err);
}

int axcon_npz_end(axcon_npz_t *z, axcon_error_t *err)
{
    if (!z) return axcon_error_set(err, AXCON_EUSAGE, "npz: no writer");
    int st = AXCON_OK;
    const uint64_t cd0 = z->pos;
    for (int k = 0; k < z->n && st == AXCON_OK; k++) {
        const npz_member_t *m = &z->m[k];
        size_t nl = strlen(m->name);
        unsigned char ch[46];
        put32(ch, 0x02014b50u);
        put16(ch + 4, 20);
        put16(ch + 6, 20);
        put16(ch + 8, 0);
        put16(ch + 10, 0);
        put16(ch + 12, 0);
        put16(ch + 14, 0x21);
        put32(ch + 16, m->crc);
        put32(ch + 20, m->size);
        put32(ch + 24, m->size);
        put16(ch + 28, (unsigned)nl);
        put16(ch + 30, 0);
        put16(ch + 32, 0);
        put16(ch + 34, 0);
        put16(ch + 36, 0);
        put32(ch + 38, 0);
        put32(ch + 42, m->offset);
        if ((st = emit(z, ch, sizeof ch, err)) == AXCON_OK) st = emit(z, m->name, nl, err);
    }
    if (st == AXCON_OK && z->pos > UINT32_MAX)
        st = axcon_error_set(err, AXCON_EUSAGE, "npz: archive exceeds 4 GiB (no ZIP64)");
    if (st == AXCON_OK) {
        unsigned char e[22];
        put32(e, 0x06054b50u);
        put16(e + 4, 0);
        put16(e + 6, 0);
        put16(e + 8, (unsigned)z->n);
        put16(e + 10, (unsigned)z->n);
        put32(e + 12, (uint32_t)(z->pos - cd0));
        put32(e + 16, (uint32_t)cd0);
        put16(e + 20, 0);
        st = emit(z, e, sizeof e, err);
    }
    free(z);
    return st;
}
