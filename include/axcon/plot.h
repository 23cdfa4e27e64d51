/* axcon/plot.h - contact map pictures (PNG), the core of `axcon plot`.
 *
 * Owns: the picture. Input is plain arrays (no file formats here): the query length L,
 * predicted pairs in rank order, optionally a native contact map and the observed
 * residues, and up to two title lines. The map is an L x L matrix, row i from top to
 * bottom and column j from left to right (1-based residue numbers):
 *  - upper triangle (row i < column j): the top predicted pairs with |i-j| >= min_sep,
 *    blue when the pair is a native contact, red when it is not, dark grey when its
 *    truth is unknown (an unobserved residue) and black when no native map is given;
 *  - lower triangle (row j > column i): the native contacts (light grey), same min_sep;
 *  - rows and columns of unobserved residues shaded (pale yellow);
 *  - residue-number ticks (step 5/10/20/50/100/200/500/1000 so that there are <= ~10),
 *    a legend, the title lines. Text uses a built-in 5x7 bitmap font (printable ASCII).
 * Size: floor(1200 / L) pixels per residue (1..40), so maps are 600-1200 px for L from
 * 30 to 1200; longer chains are scaled down to 1200 px. Predicted dots are at least
 * 3 px wide so they stay visible on large maps. */
#ifndef AXCON_PLOT_H
#define AXCON_PLOT_H

#include <stddef.h>

#include "axcon/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AXCON_PLOT_MAX_LEN 100000

/* One predicted pair, 1-based residue numbers (either order). */
typedef struct axcon_plot_pair {
    int i, j;
    double score;
} axcon_plot_pair_t;

typedef struct axcon_plot_input {
    int length;                     /* L >= 2 */
    const axcon_plot_pair_t *pairs; /* rank order, best first */
    size_t npairs;
    size_t top;                     /* pairs to draw after the min_sep filter; 0 = L */
    int min_sep;                    /* [6] */
    /* Optional native map: contact[(i-1)*L + (j-1)] != 0 for a native contact (both
     * orders are read; only one needs to be set). NULL = no truth: dots are black. */
    const unsigned char *contact;
    /* Optional per-residue flags (index i-1): 0 = unobserved (shaded; its pairs have no
     * truth). NULL = every residue observed. */
    const unsigned char *observed;
    const char *title;              /* first line, may be NULL */
    const char *subtitle;           /* second line (e.g. precision figures), may be NULL */
} axcon_plot_input_t;

/* An RGB picture with the map's geometry. */
typedef struct axcon_image {
    int width, height;
    unsigned char *rgb; /* width * height * 3, row-major from the top */
    /* map geometry: residue r (1-based) spans pixels [x0 + edge(r-1), x0 + edge(r)) with
     * edge(k) = floor(k * map / length) horizontally, and the same from y0 vertically */
    int x0, y0, map, length;
} axcon_image_t;

/* Colours of the map (RGB), for users and tests. */
#define AXCON_PLOT_RGB_TRUE 0x1E5ADC    /* predicted, native contact */
#define AXCON_PLOT_RGB_FALSE 0xDC2828   /* predicted, not a contact */
#define AXCON_PLOT_RGB_UNKNOWN 0x787878 /* predicted, truth unknown */
#define AXCON_PLOT_RGB_PRED 0x202020    /* predicted, no native map given */
#define AXCON_PLOT_RGB_NATIVE 0xBEBEBE  /* native contact (lower triangle) */
#define AXCON_PLOT_RGB_UNOBS 0xF2ECD6   /* unobserved residue band */
#define AXCON_PLOT_RGB_BG 0xFFFFFF

AXCON_API void axcon_plot_input_init(axcon_plot_input_t *in);

/* Draw the map. Errors: AXCON_EUSAGE (length out of range), AXCON_EINPUT (a pair outside
 * 1..L), AXCON_ENOMEM. */
AXCON_API int axcon_plot_render(const axcon_plot_input_t *in, axcon_image_t **out, axcon_error_t *err);
AXCON_API void axcon_image_free(axcon_image_t *img);

/* Pixel at the centre of matrix cell (row, col), 1-based residues. */
AXCON_API void axcon_image_cell_center(const axcon_image_t *img, int row, int col, int *x, int *y);

/* Write an image as an 8-bit RGB PNG, atomically (axcon/ofile.h; "-" = stdout). */
AXCON_API int axcon_image_write_png(const axcon_image_t *img, const char *path, axcon_error_t *err);

/* Render and write in one call. */
AXCON_API int axcon_plot_png(const axcon_plot_input_t *in, const char *path, axcon_error_t *err);

/* Parse a "how many pairs" argument relative to L: "K" (a whole number), "L", "xL"
 * (e.g. "1.5L"), "L/k" (e.g. "L/5"). Returns the count (>= 1) or -1 if malformed. */
AXCON_API long axcon_plot_parse_top(const char *s, int length);

#ifdef __cplusplus
}
#endif
#endif
