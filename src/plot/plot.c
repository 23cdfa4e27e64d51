/* plot.c - owns the contact map picture (see axcon/plot.h): layout, the drawing of
 * predicted and native contacts, ticks, legend and titles with the built-in 5x7 font, and
 * the PNG writer (libpng, errors routed into axcon_error_t, atomic output via ofile). */
#include "axcon/plot.h"

#include <math.h>
#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "axcon/log.h"
#include "axcon/ofile.h"
#include "core/util.h"
#include "font5x7.h"

#define PLOT_TARGET 1200 /* map size in pixels the scale aims at */
#define PLOT_MAX_PPR 40  /* pixels per residue at most */
#define MIN_DOT 3        /* predicted dots at least this wide */

#define RGB_GRID 0xECECEC
#define RGB_DIAG 0xD0D0D0
#define RGB_INK 0x000000
#define RGB_TEXT 0x202020

void axcon_plot_input_init(axcon_plot_input_t *in)
{
    memset(in, 0, sizeof *in);
    in->min_sep = 6;
}

void axcon_image_free(axcon_image_t *img)
{
    if (!img) return;
    free(img->rgb);
    free(img);
}

/* ---------------------------------------------------------------- drawing primitives */

static void fill(axcon_image_t *im, int x, int y, int w, int h, unsigned rgb)
{
    int x1 = x + w, y1 = y + h;
    if (x < 0) x = 0;
    if (y < 0) y = 0;
    if (x1 > im->width) x1 = im->width;
    if (y1 > im->height) y1 = im->height;
    unsigned char r = (unsigned char)(rgb >> 16), g = (unsigned char)(rgb >> 8), b = (unsigned char)rgb;
    for (int yy = y; yy < y1; yy++) {
        unsigned char *p = im->rgb + ((size_t)yy * (size_t)im->width + (size_t)x) * 3;
        for (int xx = x; xx < x1; xx++) {
            *p++ = r;
            *p++ = g;
            *p++ = b;
        }
    }
}

static int text_width(const char *s, int scale)
{
    size_t n = strlen(s);
    return n ? (int)n * (AX_FONT_W + 1) * scale - scale : 0;
}

static void draw_text(axcon_image_t *im, int x, int y, const char *s, int scale, unsigned rgb)
{
    for (; *s; s++, x += (AX_FONT_W + 1) * scale) {
        unsigned char c = (unsigned char)*s;
        if (c < AX_FONT_FIRST || c > AX_FONT_LAST) c = '?';
        const unsigned char *g = ax_font5x7[c - AX_FONT_FIRST];
        int dy = strchr(AX_FONT_DESCENDERS, c) ? 2 * scale : 0;
        for (int row = 0; row < AX_FONT_H; row++)
            for (int col = 0; col < AX_FONT_W; col++)
                if (g[row] & (0x10 >> col)) fill(im, x + col * scale, y + dy + row * scale, scale, scale, rgb);
    }
}

/* Draw s within maxw pixels: at `scale` if it fits, else at scale 1, else cut with "...". */
static void draw_text_fit(axcon_image_t *im, int x, int y, const char *s, int scale, int maxw, unsigned rgb)
{
    if (scale > 1 && text_width(s, scale) > maxw) scale = 1;
    if (text_width(s, scale) <= maxw) {
        draw_text(im, x, y, s, scale, rgb);
        return;
    }
    int fit = (maxw + scale) / ((AX_FONT_W + 1) * scale) - 3;
    if (fit < 0) fit = 0;
    char buf[512];
    if (fit > (int)sizeof buf - 4) fit = (int)sizeof buf - 4;
    memcpy(buf, s, (size_t)fit);
    memcpy(buf + fit, "...", 4);
    draw_text(im, x, y, buf, scale, rgb);
}

/* ---------------------------------------------------------------- layout */

static inline int edge(const axcon_image_t *im, int k) { return (int)((long long)k * im->map / im->length); }

/* Pixel span [a, b) of residue r (1-based) along one axis, at least one pixel wide. */
static void span(const axcon_image_t *im, int r, int *a, int *b)
{
    *a = edge(im, r - 1);
    *b = edge(im, r);
    if (*b <= *a) *b = *a + 1;
}

void axcon_image_cell_center(const axcon_image_t *im, int row, int col, int *x, int *y)
{
    int a, b;
    span(im, col, &a, &b);
    *x = im->x0 + (a + b - 1) / 2;
    span(im, row, &a, &b);
    *y = im->y0 + (a + b - 1) / 2;
}

static void fill_cell(axcon_image_t *im, int row, int col, int min_size, unsigned rgb)
{
    int xa, xb, ya, yb;
    span(im, col, &xa, &xb);
    span(im, row, &ya, &yb);
    int w = xb - xa, h = yb - ya;
    if (w < min_size) { /* grow around the cell's centre pixel */
        xa = (xa + xb - 1) / 2 - (min_size - 1) / 2;
        w = min_size;
    }
    if (h < min_size) {
        ya = (ya + yb - 1) / 2 - (min_size - 1) / 2;
        h = min_size;
    }
    fill(im, im->x0 + xa, im->y0 + ya, w, h, rgb);
}

static int tick_step(int L)
{
    static const int steps[] = {5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000};
    for (size_t k = 0; k < sizeof steps / sizeof steps[0]; k++)
        if (L / steps[k] <= 10) return steps[k];
    return 100000;
}

typedef struct {
    unsigned rgb;
    const char *label;
} legend_item_t;

/* ---------------------------------------------------------------- render */

int axcon_plot_render(const axcon_plot_input_t *in, axcon_image_t **out, axcon_error_t *err)
{
    *out = NULL;
    int L = in->length;
    if (L < 2 || L > AXCON_PLOT_MAX_LEN)
        return axcon_error_set(err, AXCON_EUSAGE, "plot: length must be from 2 to %d, got %d", AXCON_PLOT_MAX_LEN, L);
    for (size_t k = 0; k < in->npairs; k++) {
        const axcon_plot_pair_t *p = in->pairs + k;
        if (p->i < 1 || p->j < 1 || p->i > L || p->j > L)
            return axcon_error_set(err, AXCON_EINPUT, "plot: predicted pair (%d, %d) is outside residues 1..%d", p->i,
                                   p->j, L);
    }
    int min_sep = in->min_sep > 0 ? in->min_sep : 1;

    axcon_image_t *im = ax_alloc(1, sizeof *im, 1, "plot: image", err);
    if (!im) return AXCON_ENOMEM;
    im->length = L;
    int ppr = PLOT_TARGET / L;
    if (ppr > PLOT_MAX_PPR) ppr = PLOT_MAX_PPR;
    im->map = ppr >= 1 ? ppr * L : PLOT_TARGET;

    /* text and margins */
    int ts = im->map >= 500 ? 2 : 1, cw = (AX_FONT_W + 1) * ts, lh = (AX_FONT_H + 3) * ts, tick = 4 * ts, pad = 10;
    char num[32];
    snprintf(num, sizeof num, "%d", L);
    int left = pad + (int)strlen(num) * cw + tick + 2 * ts + 2;
    int ntitle = (in->title && *in->title) + (in->subtitle && *in->subtitle);
    int top = pad + ntitle * lh + (ntitle ? pad : 0);
    int right = pad + 2 * cw;
    im->x0 = left;
    im->y0 = top;
    im->width = left + im->map + right;

    /* legend: flowed into rows under the x-axis labels */
    int any_unobs = 0;
    for (int r = 0; in->observed && r < L && !any_unobs; r++) any_unobs = !in->observed[r];
    legend_item_t items[5];
    int nitems = 0;
    if (in->contact) {
        items[nitems++] = (legend_item_t){AXCON_PLOT_RGB_TRUE, "predicted, native contact"};
        items[nitems++] = (legend_item_t){AXCON_PLOT_RGB_FALSE, "predicted, not a contact"};
        if (any_unobs) items[nitems++] = (legend_item_t){AXCON_PLOT_RGB_UNKNOWN, "predicted, unknown"};
        items[nitems++] = (legend_item_t){AXCON_PLOT_RGB_NATIVE, "native contact (lower)"};
    } else {
        items[nitems++] = (legend_item_t){AXCON_PLOT_RGB_PRED, "predicted contact"};
    }
    if (any_unobs) items[nitems++] = (legend_item_t){AXCON_PLOT_RGB_UNOBS, "unobserved residue"};
    int lx[5], ly[5], rows = 1, x = left, avail = im->map + right - pad;
    for (int k = 0; k < nitems; k++) {
        int w = lh + text_width(items[k].label, ts) + 2 * cw;
        if (x > left && x - left + w > avail) {
            rows++;
            x = left;
        }
        lx[k] = x;
        ly[k] = rows - 1;
        x += w;
    }
    int axis_bottom = top + im->map + 1 + tick + 3 * ts + AX_FONT_H * ts;
    int legend_top = axis_bottom + pad + ts * 2;
    im->height = legend_top + rows * lh + pad;

    size_t npx;
    if (ax_mul_ok((size_t)im->width, (size_t)im->height, &npx) != 0 || ax_mul_ok(npx, 3, &npx) != 0) {
        axcon_image_free(im);
        return axcon_error_set(err, AXCON_ENOMEM, "plot: image too large");
    }
    im->rgb = ax_alloc(npx, 1, 0, "plot: pixels", err);
    if (!im->rgb) {
        axcon_image_free(im);
        return AXCON_ENOMEM;
    }
    memset(im->rgb, 0xFF, npx);

    /* grid lines at the ticks, unobserved bands, diagonal */
    int step = tick_step(L);
    for (int r = step; r <= L; r += step) {
        int a, b;
        span(im, r, &a, &b);
        int c = (a + b - 1) / 2;
        fill(im, im->x0 + c, im->y0, 1, im->map, RGB_GRID);
        fill(im, im->x0, im->y0 + c, im->map, 1, RGB_GRID);
    }
    if (in->observed) {
        for (int r = 1; r <= L; r++) {
            if (in->observed[r - 1]) continue;
            int a, b;
            span(im, r, &a, &b);
            fill(im, im->x0 + a, im->y0, b - a, im->map, AXCON_PLOT_RGB_UNOBS);
            fill(im, im->x0, im->y0 + a, im->map, b - a, AXCON_PLOT_RGB_UNOBS);
        }
    }
    for (int r = 1; r <= L; r++) fill_cell(im, r, r, 1, RGB_DIAG);

    /* native contacts in the lower triangle: row j, column i */
    if (in->contact) {
        for (int i = 1; i <= L; i++)
            for (int j = i + min_sep; j <= L; j++) {
                size_t a = (size_t)(i - 1) * (size_t)L + (size_t)(j - 1), b = (size_t)(j - 1) * (size_t)L + (size_t)(i - 1);
                if (in->contact[a] || in->contact[b]) fill_cell(im, j, i, 1, AXCON_PLOT_RGB_NATIVE);
            }
    }

    /* predictions in the upper triangle, drawn best last so it stays on top */
    size_t want = in->top ? in->top : (size_t)L, nsel = 0;
    size_t *sel = ax_alloc(want < in->npairs ? want : in->npairs, sizeof(size_t), 0, "plot: pairs", err);
    if (!sel) {
        axcon_image_free(im);
        return AXCON_ENOMEM;
    }
    for (size_t k = 0; k < in->npairs && nsel < want; k++) {
        int i = in->pairs[k].i, j = in->pairs[k].j;
        if (abs(i - j) < min_sep) continue;
        sel[nsel++] = k;
    }
    int dot = ppr > MIN_DOT ? 1 : MIN_DOT;
    for (size_t s = nsel; s-- > 0;) {
        const axcon_plot_pair_t *p = in->pairs + sel[s];
        int i = p->i < p->j ? p->i : p->j, j = p->i < p->j ? p->j : p->i;
        unsigned rgb = AXCON_PLOT_RGB_PRED;
        if (in->contact) {
            if (in->observed && (!in->observed[i - 1] || !in->observed[j - 1])) {
                rgb = AXCON_PLOT_RGB_UNKNOWN;
            } else {
                size_t a = (size_t)(i - 1) * (size_t)L + (size_t)(j - 1), b = (size_t)(j - 1) * (size_t)L + (size_t)(i - 1);
                rgb = in->contact[a] || in->contact[b] ? AXCON_PLOT_RGB_TRUE : AXCON_PLOT_RGB_FALSE;
            }
        }
        fill_cell(im, i, j, dot, rgb);
    }
    free(sel);

    /* frame (drawn after the dots so edge dots do not cover it) */
    fill(im, im->x0 - 1, im->y0 - 1, im->map + 2, 1, RGB_INK);
    fill(im, im->x0 - 1, im->y0 + im->map, im->map + 2, 1, RGB_INK);
    fill(im, im->x0 - 1, im->y0 - 1, 1, im->map + 2, RGB_INK);
    fill(im, im->x0 + im->map, im->y0 - 1, 1, im->map + 2, RGB_INK);
    /* clear what the dots drew outside the frame (dots at the map's edge) */
    fill(im, 0, 0, im->width, im->y0 - 1, AXCON_PLOT_RGB_BG);
    fill(im, im->x0 + im->map + 1, im->y0 - 1, im->width, im->map + 2, AXCON_PLOT_RGB_BG);

    /* ticks and labels: x along the bottom, y along the left */
    for (int r = step; r <= L; r += step) {
        int a, b;
        span(im, r, &a, &b);
        int c = (a + b - 1) / 2;
        snprintf(num, sizeof num, "%d", r);
        int tw = text_width(num, ts);
        fill(im, im->x0 + c - (ts - 1) / 2, im->y0 + im->map + 1, ts, tick, RGB_INK);
        draw_text(im, im->x0 + c - tw / 2, im->y0 + im->map + 1 + tick + 3 * ts, num, ts, RGB_TEXT);
        fill(im, im->x0 - 1 - tick, im->y0 + c - (ts - 1) / 2, tick, ts, RGB_INK);
        draw_text(im, im->x0 - 1 - tick - 2 * ts - tw, im->y0 + c - (AX_FONT_H * ts) / 2, num, ts, RGB_TEXT);
    }

    /* titles */
    int ty = pad;
    if (in->title && *in->title) {
        draw_text_fit(im, pad, ty, in->title, ts, im->width - 2 * pad, RGB_INK);
        ty += lh;
    }
    if (in->subtitle && *in->subtitle) draw_text_fit(im, pad, ty, in->subtitle, ts, im->width - 2 * pad, RGB_TEXT);

    /* legend */
    for (int k = 0; k < nitems; k++) {
        int y = legend_top + ly[k] * lh, box = AX_FONT_H * ts;
        fill(im, lx[k] - 1, y - 1, box + 2, box + 2, 0x606060);
        fill(im, lx[k], y, box, box, items[k].rgb);
        draw_text(im, lx[k] + box + cw, y, items[k].label, ts, RGB_TEXT);
    }
    *out = im;
    return AXCON_OK;
}

/* ---------------------------------------------------------------- PNG */

typedef struct {
    char msg[256];
} png_err_t;

static void png_err_fn(png_structp png, png_const_charp msg)
{
    png_err_t *pe = png_get_error_ptr(png);
    if (pe) snprintf(pe->msg, sizeof pe->msg, "%s", msg);
    png_longjmp(png, 1);
}

static void png_warn_fn(png_structp png, png_const_charp msg)
{
    (void)png;
    axcon_debug("libpng: %s", msg);
}

int axcon_image_write_png(const axcon_image_t *img, const char *path, axcon_error_t *err)
{
    axcon_ofile_t *of = NULL;
    int rc = axcon_ofile_open(path, &of, err);
    if (rc != AXCON_OK) return rc;
    png_err_t pe;
    pe.msg[0] = '\0';
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &pe, png_err_fn, png_warn_fn);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!png || !info) {
        png_destroy_write_struct(&png, NULL);
        axcon_ofile_abort(of);
        return axcon_error_set(err, AXCON_ENOMEM, "%s: cannot set up the PNG writer", path);
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        axcon_ofile_abort(of);
        return axcon_error_set(err, AXCON_EIO, "%s: PNG write failed: %s", path, pe.msg[0] ? pe.msg : "libpng error");
    }
    png_init_io(png, axcon_ofile_fp(of));
    png_set_IHDR(png, info, (png_uint_32)img->width, (png_uint_32)img->height, 8, PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_text txt;
    memset(&txt, 0, sizeof txt);
    txt.compression = PNG_TEXT_COMPRESSION_NONE;
    txt.key = (png_charp) "Software";
    txt.text = (png_charp) "axcon plot";
    png_set_text(png, info, &txt, 1);
    png_write_info(png, info);
    for (int y = 0; y < img->height; y++) png_write_row(png, img->rgb + (size_t)y * (size_t)img->width * 3);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    return axcon_ofile_commit(of, err);
}

int axcon_plot_png(const axcon_plot_input_t *in, const char *path, axcon_error_t *err)
{
    axcon_image_t *im = NULL;
    int rc = axcon_plot_render(in, &im, err);
    if (rc != AXCON_OK) return rc;
    rc = axcon_image_write_png(im, path, err);
    if (rc == AXCON_OK) axcon_info("%s: %d x %d px contact map of %d residues", path, im->width, im->height, in->length);
    axcon_image_free(im);
    return rc;
}

long axcon_plot_parse_top(const char *s, int length)
{
    if (!s || !*s || length < 0) return -1;
    size_t n = strlen(s);
    char *end;
    double v;
    if (s[0] == 'L' && s[1] == '/') { /* L/k */
        v = strtod(s + 2, &end);
        if (end == s + 2 || *end || !(v > 0) || !isfinite(v)) return -1;
        v = floor((double)length / v);
    } else if (s[n - 1] == 'L') { /* L, xL */
        if (n == 1) {
            v = (double)length;
        } else {
            v = strtod(s, &end);
            if (end != s + n - 1 || !(v > 0) || !isfinite(v)) return -1;
            v = floor(v * (double)length + 0.5);
        }
    } else {
        if (s[0] < '0' || s[0] > '9') return -1;
        v = strtod(s, &end);
        if (*end || v != floor(v) || !(v >= 1) || v > 1e12) return -1;
    }
    if (v < 1) v = 1;
    if (v > 1e12) return -1;
    return (long)v;
}
