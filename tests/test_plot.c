/* test_plot.c - tests of the contact map picture (axcon/plot.h) and `axcon plot`: known
 * pixels of a tiny map read back from the PNG with libpng, sizes for small and large L,
 * --top parsing, CLI errors and atomic output. */
#include <png.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axcon/plot.h"
#include "testutil.h"

typedef struct {
    int w, h;
    unsigned char *rgb;
} png_img_t;

/* Read an 8-bit RGB PNG; returns 0 on success. */
static int read_png(const char *path, png_img_t *img)
{
    memset(img, 0, sizeof *img);
    FILE *fp = fopen(path, "rb");
    if (!fp) return -1;
    unsigned char sig[8];
    if (fread(sig, 1, 8, fp) != 8 || png_sig_cmp(sig, 0, 8) != 0) {
        fclose(fp);
        return -1;
    }
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    unsigned char *volatile rgb = NULL;
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        fclose(fp);
        free(rgb);
        return -1;
    }
    png_init_io(png, fp);
    png_set_sig_bytes(png, 8);
    png_read_info(png, info);
    int w = (int)png_get_image_width(png, info), h = (int)png_get_image_height(png, info);
    if (png_get_color_type(png, info) != PNG_COLOR_TYPE_RGB || png_get_bit_depth(png, info) != 8)
        png_error(png, "not 8-bit RGB");
    rgb = malloc((size_t)w * (size_t)h * 3);
    if (!rgb) png_error(png, "out of memory");
    for (int y = 0; y < h; y++) png_read_row(png, rgb + (size_t)y * (size_t)w * 3, NULL);
    png_read_end(png, NULL);
    png_destroy_read_struct(&png, &info, NULL);
    fclose(fp);
    img->w = w;
    img->h = h;
    img->rgb = rgb;
    return 0;
}

static unsigned pixel(const png_img_t *img, int x, int y)
{
    const unsigned char *p = img->rgb + ((size_t)y * (size_t)img->w + (size_t)x) * 3;
    return (unsigned)p[0] << 16 | (unsigned)p[1] << 8 | p[2];
}

static unsigned im_pixel(const axcon_image_t *im, int x, int y)
{
    const unsigned char *p = im->rgb + ((size_t)y * (size_t)im->width + (size_t)x) * 3;
    return (unsigned)p[0] << 16 | (unsigned)p[1] << 8 | p[2];
}

/* L = 40; native contacts (5,30) and (12,34); predictions (5,30) true, (11,22) false,
 * (3,7) below min_sep (not drawn), (2,39) with unobserved residue 39 (unknown). Cells on
 * multiples of 5 carry grid lines, so empty-cell checks avoid them. */
static void tiny_input(axcon_plot_input_t *in, unsigned char *contact, unsigned char *observed,
                       axcon_plot_pair_t *pairs)
{
    int L = 40;
    memset(contact, 0, (size_t)L * L);
    memset(observed, 1, (size_t)L);
    contact[(5 - 1) * L + (30 - 1)] = 1;
    contact[(34 - 1) * L + (12 - 1)] = 1; /* the other order is read too */
    observed[39 - 1] = 0;
    pairs[0] = (axcon_plot_pair_t){30, 5, 3.0};
    pairs[1] = (axcon_plot_pair_t){11, 22, 2.0};
    pairs[2] = (axcon_plot_pair_t){3, 7, 1.5};
    pairs[3] = (axcon_plot_pair_t){2, 39, 1.0};
    axcon_plot_input_init(in);
    in->length = L;
    in->pairs = pairs;
    in->npairs = 4;
    in->contact = contact;
    in->observed = observed;
    in->title = "tiny test map";
    in->subtitle = "long-range top-L 0.50";
}

static void check_tiny_pixels(const axcon_image_t *geo, unsigned (*get)(const void *, int, int), const void *src)
{
    int x, y;
    axcon_image_cell_center(geo, 5, 30, &x, &y); /* upper triangle: predicted, true */
    CU_ASSERT_EQUAL(get(src, x, y), AXCON_PLOT_RGB_TRUE);
    axcon_image_cell_center(geo, 30, 5, &x, &y); /* lower triangle: native */
    CU_ASSERT_EQUAL(get(src, x, y), AXCON_PLOT_RGB_NATIVE);
    axcon_image_cell_center(geo, 34, 12, &x, &y);
    CU_ASSERT_EQUAL(get(src, x, y), AXCON_PLOT_RGB_NATIVE);
    axcon_image_cell_center(geo, 12, 34, &x, &y); /* native but not predicted: empty */
    CU_ASSERT_EQUAL(get(src, x, y), AXCON_PLOT_RGB_BG);
    axcon_image_cell_center(geo, 11, 22, &x, &y);
    CU_ASSERT_EQUAL(get(src, x, y), AXCON_PLOT_RGB_FALSE);
    axcon_image_cell_center(geo, 22, 11, &x, &y);
    CU_ASSERT_EQUAL(get(src, x, y), AXCON_PLOT_RGB_BG);
    axcon_image_cell_center(geo, 3, 7, &x, &y); /* |i-j| < 6: not drawn */
    CU_ASSERT_EQUAL(get(src, x, y), AXCON_PLOT_RGB_BG);
    axcon_image_cell_center(geo, 2, 39, &x, &y); /* unobserved partner */
    CU_ASSERT_EQUAL(get(src, x, y), AXCON_PLOT_RGB_UNKNOWN);
    axcon_image_cell_center(geo, 15, 39, &x, &y); /* unobserved band */
    CU_ASSERT_EQUAL(get(src, x, y), AXCON_PLOT_RGB_UNOBS);
    axcon_image_cell_center(geo, 39, 15, &x, &y);
    CU_ASSERT_EQUAL(get(src, x, y), AXCON_PLOT_RGB_UNOBS);
    axcon_image_cell_center(geo, 17, 3, &x, &y); /* nothing there */
    CU_ASSERT_EQUAL(get(src, x, y), AXCON_PLOT_RGB_BG);
}

static unsigned get_im(const void *src, int x, int y) { return im_pixel(src, x, y); }
static unsigned get_png(const void *src, int x, int y) { return pixel(src, x, y); }

static void test_render_tiny(void)
{
    unsigned char contact[40 * 40], observed[40];
    axcon_plot_pair_t pairs[4];
    axcon_plot_input_t in;
    tiny_input(&in, contact, observed, pairs);
    axcon_image_t *im = NULL;
    axcon_error_t e;
    axcon_error_clear(&e);
    CU_ASSERT_EQUAL_FATAL(axcon_plot_render(&in, &im, &e), 0);
    CU_ASSERT_EQUAL(im->map, 40 * 30); /* floor(1200/40) = 30 px per residue */
    CU_ASSERT(im->width > im->map && im->height > im->map);
    check_tiny_pixels(im, get_im, im);
    /* some text was drawn in the title area (dark pixels above the map) */
    size_t dark = 0;
    for (int y = 0; y < im->y0 - 2; y++)
        for (int x = 0; x < im->width; x++) dark += im_pixel(im, x, y) == 0x000000;
    CU_ASSERT(dark > 50);

    /* the PNG holds the same picture */
    char *path = axt_tmp("tiny.png");
    CU_ASSERT_EQUAL_FATAL(axcon_image_write_png(im, path, &e), 0);
    png_img_t png;
    CU_ASSERT_EQUAL_FATAL(read_png(path, &png), 0);
    CU_ASSERT_EQUAL(png.w, im->width);
    CU_ASSERT_EQUAL(png.h, im->height);
    check_tiny_pixels(im, get_png, &png);
    CU_ASSERT_EQUAL(memcmp(png.rgb, im->rgb, (size_t)png.w * png.h * 3), 0);
    free(png.rgb);
    free(path);

    /* without a native map: black dots, nothing in the lower triangle */
    in.contact = NULL;
    in.observed = NULL;
    axcon_image_t *im2 = NULL;
    CU_ASSERT_EQUAL_FATAL(axcon_plot_render(&in, &im2, &e), 0);
    int x, y;
    axcon_image_cell_center(im2, 11, 22, &x, &y);
    CU_ASSERT_EQUAL(im_pixel(im2, x, y), AXCON_PLOT_RGB_PRED);
    axcon_image_cell_center(im2, 31, 6, &x, &y);
    CU_ASSERT_EQUAL(im_pixel(im2, x, y), AXCON_PLOT_RGB_BG);
    /* --top 1: only the best pair */
    in.top = 1;
    axcon_image_t *im3 = NULL;
    CU_ASSERT_EQUAL_FATAL(axcon_plot_render(&in, &im3, &e), 0);
    axcon_image_cell_center(im3, 5, 30, &x, &y);
    CU_ASSERT_EQUAL(im_pixel(im3, x, y), AXCON_PLOT_RGB_PRED);
    axcon_image_cell_center(im3, 11, 22, &x, &y);
    CU_ASSERT_EQUAL(im_pixel(im3, x, y), AXCON_PLOT_RGB_BG);
    axcon_image_free(im);
    axcon_image_free(im2);
    axcon_image_free(im3);
}

static void test_sizes(void)
{
    int lens[] = {30, 80, 333, 600, 1000, 1200, 3000};
    for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
        int L = lens[k];
        axcon_plot_pair_t p[2] = {{1, L, 1.0}, {L / 2, L / 2 + 10, 0.5}};
        axcon_plot_input_t in;
        axcon_plot_input_init(&in);
        in.length = L;
        in.pairs = p;
        in.npairs = 2;
        axcon_image_t *im = NULL;
        axcon_error_t e;
        axcon_error_clear(&e);
        CU_ASSERT_EQUAL_FATAL(axcon_plot_render(&in, &im, &e), 0);
        CU_ASSERT(im->map >= 600 && im->map <= 1200);
        /* the dot of a 1-px-per-residue map is still at least 3 x 3 */
        int x, y;
        axcon_image_cell_center(im, L / 2, L / 2 + 10, &x, &y);
        for (int dy = -1; dy <= 1; dy++)
            for (int dx = -1; dx <= 1; dx++) CU_ASSERT_EQUAL(im_pixel(im, x + dx, y + dy), AXCON_PLOT_RGB_PRED);
        /* corner pair (1, L) lands in the top-right cell, inside the frame */
        axcon_image_cell_center(im, 1, L, &x, &y);
        CU_ASSERT(x < im->x0 + im->map && y >= im->y0);
        CU_ASSERT_EQUAL(im_pixel(im, x, y), AXCON_PLOT_RGB_PRED);
        axcon_image_free(im);
    }
}

static void test_errors_lib(void)
{
    axcon_plot_pair_t p[1] = {{3, 41, 1.0}};
    axcon_plot_input_t in;
    axcon_plot_input_init(&in);
    in.length = 40;
    in.pairs = p;
    in.npairs = 1;
    axcon_image_t *im = NULL;
    axcon_error_t e;
    axcon_error_clear(&e);
    CU_ASSERT_EQUAL(axcon_plot_render(&in, &im, &e), AXCON_EINPUT);
    CU_ASSERT_PTR_NULL(im);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "41"));
    in.length = 1;
    CU_ASSERT_EQUAL(axcon_plot_render(&in, &im, &e), AXCON_EUSAGE);
}

static void test_parse_top(void)
{
    CU_ASSERT_EQUAL(axcon_plot_parse_top("25", 80), 25);
    CU_ASSERT_EQUAL(axcon_plot_parse_top("L", 80), 80);
    CU_ASSERT_EQUAL(axcon_plot_parse_top("1.5L", 80), 120);
    CU_ASSERT_EQUAL(axcon_plot_parse_top("2L", 81), 162);
    CU_ASSERT_EQUAL(axcon_plot_parse_top("L/5", 81), 16);
    CU_ASSERT_EQUAL(axcon_plot_parse_top("L/2", 3), 1);
    CU_ASSERT_EQUAL(axcon_plot_parse_top("L/100", 50), 1);
    CU_ASSERT_EQUAL(axcon_plot_parse_top("0", 80), -1);
    CU_ASSERT_EQUAL(axcon_plot_parse_top("-3", 80), -1);
    CU_ASSERT_EQUAL(axcon_plot_parse_top("1.5", 80), -1);
    CU_ASSERT_EQUAL(axcon_plot_parse_top("xL", 80), -1);
    CU_ASSERT_EQUAL(axcon_plot_parse_top("L/0", 80), -1);
    CU_ASSERT_EQUAL(axcon_plot_parse_top("", 80), -1);
}

/* A tiny prediction and truth on disk for the CLI. */
static void write_cli_inputs(char **pred, char **truth)
{
    *pred = axt_tmp("p.tsv");
    *truth = axt_tmp("t.tsv");
    CU_ASSERT_EQUAL(axt_write_str(*pred, "5\t30\t0.9\t0.8\n10\t20\t0.5\t0.4\n"), 0);
    FILE *f = fopen(*truth, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    for (int i = 1; i <= 40; i++)
        for (int j = i + 1; j <= 40; j++) {
            if (i == 39 || j == 39) continue; /* residue 39 unobserved */
            double d = (i == 5 && j == 30) || (i == 12 && j == 35) ? 6.0 : 4.0 + 1.2 * (j - i);
            if (j - i < 3) d = 5.0;
            fprintf(f, "%d\t%d\t%.3f\n", i, j, d);
        }
    fclose(f);
}

static void test_cli(void)
{
    char *pred, *truth;
    write_cli_inputs(&pred, &truth);
    char *png = axt_tmp("cli.png"), *out = NULL, *err = NULL;
    int rc = axt_runf(&out, &err, "%s plot -q --truth %s -o %s %s", axt_axcon(), truth, png, pred);
    if (rc) fprintf(stderr, "%s", err);
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_STRING_EQUAL(out, "");
    free(out);
    free(err);
    png_img_t img;
    CU_ASSERT_EQUAL_FATAL(read_png(png, &img), 0);
    /* same geometry as the library's for L = 40 */
    axcon_plot_input_t in;
    axcon_plot_input_init(&in);
    in.length = 40;
    axcon_image_t *geo = NULL;
    axcon_error_t e;
    axcon_error_clear(&e);
    in.title = "x"; /* the layout depends only on which inputs are present */
    in.subtitle = "y";
    unsigned char *cm = calloc(1600, 1), *ob = malloc(40);
    memset(ob, 1, 40);
    ob[39 - 1] = 0; /* as in the truth file: the legend then lists the unobserved items */
    in.contact = cm;
    in.observed = ob;
    CU_ASSERT_EQUAL_FATAL(axcon_plot_render(&in, &geo, &e), 0);
    CU_ASSERT_EQUAL(img.w, geo->width);
    CU_ASSERT_EQUAL(img.h, geo->height);
    int x, y;
    axcon_image_cell_center(geo, 5, 30, &x, &y);
    CU_ASSERT_EQUAL(pixel(&img, x, y), AXCON_PLOT_RGB_TRUE);
    axcon_image_cell_center(geo, 10, 20, &x, &y);
    CU_ASSERT_EQUAL(pixel(&img, x, y), AXCON_PLOT_RGB_FALSE);
    axcon_image_cell_center(geo, 30, 5, &x, &y);
    CU_ASSERT_EQUAL(pixel(&img, x, y), AXCON_PLOT_RGB_NATIVE);
    axcon_image_cell_center(geo, 20, 39, &x, &y);
    CU_ASSERT_EQUAL(pixel(&img, x, y), AXCON_PLOT_RGB_UNOBS);
    free(img.rgb);
    axcon_image_free(geo);
    free(cm);
    free(ob);

    /* no truth: still a picture; --top L/5 accepted */
    CU_ASSERT_EQUAL(axt_runf(NULL, NULL, "%s plot -q --top L/5 -o %s %s", axt_axcon(), png, pred), 0);
    CU_ASSERT_EQUAL(read_png(png, &img), 0);
    free(img.rgb);
    free(png);
    free(pred);
    free(truth);
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++) n += *s == '\n';
    return n;
}

static void test_cli_errors(void)
{
    char *pred, *truth;
    write_cli_inputs(&pred, &truth);
    char *png = axt_tmp("bad.png"), *out = NULL, *err = NULL;
    /* missing -o */
    CU_ASSERT_EQUAL(axt_runf(&out, &err, "%s plot %s", axt_axcon(), pred), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "axcon: error: "));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "-o"));
    free(out);
    free(err);
    /* unreadable prediction: exit 1, one line naming the file, no output file */
    char *missing = axt_tmp("no-such-pred.tsv");
    CU_ASSERT_EQUAL(axt_runf(&out, &err, "%s plot -o %s %s", axt_axcon(), png, missing), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "axcon: error: "));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "no-such-pred.tsv"));
    CU_ASSERT_EQUAL(count_lines(err), 1);
    CU_ASSERT_FALSE(axt_exists(png));
    free(out);
    free(err);
    /* malformed prediction */
    char *junk = axt_tmp("junk.tsv");
    axt_write_str(junk, "this is not a prediction\n1 2 3 4 5 6 7 8\n");
    CU_ASSERT_EQUAL(axt_runf(&out, &err, "%s plot -o %s %s", axt_axcon(), png, junk), 1);
    CU_ASSERT_EQUAL(count_lines(err), 1);
    CU_ASSERT_FALSE(axt_exists(png));
    free(out);
    free(err);
    /* bad --top, both --pdb and --truth */
    CU_ASSERT_EQUAL(axt_runf(&out, &err, "%s plot --top 0 -o %s %s", axt_axcon(), png, pred), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "--top"));
    free(out);
    free(err);
    CU_ASSERT_EQUAL(axt_runf(&out, &err, "%s plot --pdb x.pdb --truth %s -o %s %s", axt_axcon(), truth, png, pred), 1);
    free(out);
    free(err);
    CU_ASSERT_FALSE(axt_exists(png));
    /* unwritable destination */
    char *nodir = axt_tmp("no/such/dir/map.png");
    CU_ASSERT_EQUAL(axt_runf(&out, &err, "%s plot -o %s %s", axt_axcon(), nodir, pred), 1);
    CU_ASSERT_EQUAL(count_lines(err), 1);
    free(out);
    free(err);
    /* an existing file is not damaged by a failing run */
    CU_ASSERT_EQUAL(axt_write_str(png, "keep me"), 0);
    CU_ASSERT_EQUAL(axt_runf(NULL, NULL, "%s plot -o %s %s", axt_axcon(), png, missing), 1);
    char *kept = axt_slurp(png, NULL);
    CU_ASSERT_PTR_NOT_NULL(kept);
    if (kept) CU_ASSERT_STRING_EQUAL(kept, "keep me");
    free(kept);
    /* --help */
    CU_ASSERT_EQUAL(axt_runf(&out, &err, "%s plot --help", axt_axcon()), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "Usage: axcon plot"));
    free(out);
    free(err);
    free(nodir);
    free(junk);
    free(missing);
    free(png);
    free(pred);
    free(truth);
}

static void register_suites(void)
{
    axt_suite("plot", (axt_case_t[]){{"tiny map: known pixels, PNG round trip", test_render_tiny},
                                     {"map sizes and dot sizes for L = 30..3000", test_sizes},
                                     {"library errors", test_errors_lib},
                                     {"--top parsing", test_parse_top},
                                     {"CLI map against a truth table", test_cli},
                                     {"CLI errors and atomic output", test_cli_errors},
                                     {0, 0}});
}

int main(int argc, char **argv) { return axt_main(argc, argv, register_suites); }
