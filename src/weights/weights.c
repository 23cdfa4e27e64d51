/* weights.c - stage 2: identity-threshold sequence weights and Neff (see axcon/weights.h).
 *
 * Owns: the weights of distinct rows given their multiplicities (duplicates are grouped by
 * the project's one row hash, core/rows.h), packing the distinct rows to a padded stride, the blocked triangular
 * all-pairs comparison (SIMD kernel in weights_kern.h: AVX2 or SSE2 chosen at run time,
 * plain C elsewhere), and turning the integer neighbour counts into weights.
 *
 * Determinism: every thread adds integer neighbour counts into its own array; the arrays
 * are summed afterwards. Integer sums do not depend on the order, so the weights are
 * bit-identical for any thread count and any schedule. Neff is summed sequentially. */
#include "axcon/weights.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "axcon/log.h"
#include "core/rows.h"
#include "core/util.h"

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__)) && !defined(AXCON_NO_SIMD)
#define AXW_X86 1
#include <immintrin.h>
#else
#define AXW_X86 0
#endif

#define AXW_ALIGN 32   /* row stride is a multiple of this (one AVX2 vector) */
#define AXW_PAD 0xFF   /* padding byte, identical in every row (state codes are <= 20) */
#define AXW_TILE_BYTES 16384 /* rows per tile block: about this many bytes of packed rows */

enum { AXW_SCALAR = 0, AXW_SSE2 = 1, AXW_AVX2 = 2 };
static const char *const axw_kernel_names[] = {"scalar", "sse2", "avx2"};

typedef void (*axw_tile_fn)(const uint8_t *rows, size_t stride, uint32_t tt, const uint32_t *mult, size_t n0,
                            size_t n1, size_t m0, size_t m1, int diag, uint32_t *cnt);

/* ---- plain C kernel (any architecture; also the reference the SIMD ones are tested against) ---- */
static void tile_scalar(const uint8_t *rows, size_t stride, uint32_t tt, const uint32_t *mult, size_t n0, size_t n1,
                        size_t m0, size_t m1, int diag, uint32_t *cnt)
{
    const size_t allowed = stride - tt;
    for (size_t n = n0; n < n1; n++) {
        const uint8_t *pa = rows + n * stride;
        const uint32_t mn = mult[n];
        uint32_t add_n = 0;
        for (size_t m = diag ? n + 1 : m0; m < m1; m++) {
            const uint8_t *pb = rows + m * stride;
            size_t mism = 0, c = 0;
            /* 8 columns per word: a byte of x = a ^ b is zero exactly when the high bit of
             * ~(((x & 0x7F..) + 0x7F..) | x | 0x7F..) is set; early-out every 64 columns
             * once the pair can no longer reach the threshold (stride is a multiple of 32) */
            while (c < stride && mism <= allowed) {
                size_t cend = c + 64 < stride ? c + 64 : stride;
                for (; c < cend; c += 8) {
                    uint64_t x, y;
                    memcpy(&x, pa + c, 8);
                    memcpy(&y, pb + c, 8);
                    x ^= y;
                    const uint64_t lo7 = 0x7F7F7F7F7F7F7F7FULL;
                    const uint64_t eq = ~(((x & lo7) + lo7) | x | lo7);
                    mism += 8 - (size_t)__builtin_popcountll(eq);
                }
            }
            if (mism <= allowed) {
                add_n += mult[m];
                cnt[m] += mn;
            }
        }
        cnt[n] += add_n;
    }
}

#if AXW_X86
/* ---- SSE2 (baseline on x86-64) ---- */
#define KSUF sse2
#define KATTR __attribute__((target("sse2")))
#define KVEC __m128i
#define KW 16
#define KLOAD(p) _mm_loadu_si128((const __m128i *)(const void *)(p))
#define KCMPEQ(a, b) _mm_cmpeq_epi8((a), (b))
#define KADD(a, b) _mm_add_epi8((a), (b))
#define KSUB(a, b) _mm_sub_epi8((a), (b))
#define KZERO() _mm_setzero_si128()
#define KSAD(x) _mm_sad_epu8((x), _mm_setzero_si128())
#define KSL64(x, k) _mm_slli_epi64((x), (k))
#define KOR(a, b) _mm_or_si128((a), (b))
#define KHSUM64(x) ((uint64_t)_mm_cvtsi128_si64(_mm_add_epi64((x), _mm_unpackhi_epi64((x), (x)))))
#define KNVMAX 16
#define KCHUNK 16
#include "weights/weights_kern.h"

/* ---- AVX2 (selected at run time with __builtin_cpu_supports) ---- */
#define KSUF avx2
#define KATTR __attribute__((target("avx2")))
#define KVEC __m256i
#define KW 32
#define KLOAD(p) _mm256_loadu_si256((const __m256i *)(const void *)(p))
#define KCMPEQ(a, b) _mm256_cmpeq_epi8((a), (b))
#define KADD(a, b) _mm256_add_epi8((a), (b))
#define KSUB(a, b) _mm256_sub_epi8((a), (b))
#define KZERO() _mm256_setzero_si256()
#define KSAD(x) _mm256_sad_epu8((x), _mm256_setzero_si256())
#define KSL64(x, k) _mm256_slli_epi64((x), (k))
#define KOR(a, b) _mm256_or_si256((a), (b))
#define KHSUM64(x) axw_hsum64_avx2(x)
#define KNVMAX 8
#define KCHUNK 8
static inline __attribute__((target("avx2"), always_inline)) uint64_t axw_hsum64_avx2(__m256i x)
{
    __m128i s = _mm_add_epi64(_mm256_castsi256_si128(x), _mm256_extracti128_si256(x, 1));
    s = _mm_add_epi64(s, _mm_unpackhi_epi64(s, s));
    return (uint64_t)_mm_cvtsi128_si64(s);
}
#include "weights/weights_kern.h"
#endif /* AXW_X86 */

/* Kernel for this call: the best the CPU supports, or AXCON_WEIGHTS_KERNEL=scalar|sse2|avx2
 * (tests use it to check every kernel against the same reference; a request the CPU
 * cannot honour falls back to the best available). */
static int axw_pick_kernel(void)
{
    int best = AXW_SCALAR;
#if AXW_X86
    __builtin_cpu_init();
    best = AXW_SSE2;
    if (__builtin_cpu_supports("avx2")) best = AXW_AVX2;
#endif
    const char *req = getenv("AXCON_WEIGHTS_KERNEL");
    if (req && *req) {
        for (int k = 0; k <= best; k++)
            if (strcmp(req, axw_kernel_names[k]) == 0) return k;
    }
    return best;
}

const char *axcon_weights_kernel(void) { return axw_kernel_names[axw_pick_kernel()]; }

static axw_tile_fn axw_tile_for(int kernel)
{
#if AXW_X86
    if (kernel == AXW_AVX2) return tile_avx2;
    if (kernel == AXW_SSE2) return tile_sse2;
#endif
    (void)kernel;
    return tile_scalar;
}

/* Smallest integer column count c with c / L >= threshold (see the header). */
size_t axcon_weights_min_identical(size_t ncol, double threshold)
{
    double x = ceil(threshold * (double)ncol - 1e-9);
    if (x <= 0.0) return 0;
    if (x >= (double)ncol) return ncol;
    return (size_t)x;
}

/* Neighbour counts of nu distinct rows: cnt[u] = mult[u] + the copies of every other
 * distinct row with at least t identical columns. Row u is src + (idx ? idx[u] : u) * ncol. */
static int axw_counts(const uint8_t *src, const size_t *idx, size_t nu, size_t ncol, const uint32_t *mult,
                      double threshold, uint32_t *out, axcon_error_t *err)
{
    int rc = AXCON_OK;
    uint32_t *cnt = NULL;
    uint8_t *packbuf = NULL;
    const size_t t = axcon_weights_min_identical(ncol, threshold);
    size_t stride = (ncol + AXW_ALIGN - 1) / AXW_ALIGN * AXW_ALIGN;
    if (stride == 0) stride = AXW_ALIGN;
    if (stride - ncol + t > UINT32_MAX || stride < ncol)
        return axcon_error_set(err, AXCON_ERESOURCE, "sequence weights: %zu columns exceed the limit", ncol);
    const uint32_t tt = (uint32_t)(stride - ncol + t); /* padding always matches */

    /* pack the distinct rows, padded to the stride, 64-byte aligned */
    size_t packbytes;
    if (ax_mul_ok(nu, stride, &packbytes) != 0 || packbytes > SIZE_MAX - 64)
        return axcon_error_set(err, AXCON_ENOMEM, "sequence weights: size overflow (%zu x %zu)", nu, stride);
    packbuf = ax_alloc(packbytes + 64, 1, 0, "sequence weights (packed rows)", err);
    if (!packbuf) return AXCON_ENOMEM;
    uint8_t *rows = packbuf + ((64 - ((uintptr_t)packbuf & 63)) & 63);
    for (size_t u = 0; u < nu; u++) {
        memcpy(rows + u * stride, src + (idx ? idx[u] : u) * ncol, ncol);
        memset(rows + u * stride + ncol, AXW_PAD, stride - ncol);
    }

    /* all pairs u < v, tile by tile; thread k adds into its own count array */
    int nth = ax_max_threads();
    if (nth < 1) nth = 1;
    size_t B = AXW_TILE_BYTES / stride;
    B = B < 16 ? 16 : (B + 3) / 4 * 4;
    const size_t nblk = (nu + B - 1) / B;
    if ((size_t)nth > nblk) nth = (int)nblk;
    if (nth < 1) nth = 1;
    cnt = ax_alloc((size_t)nth * nu, sizeof *cnt, 1, "sequence weights (neighbour counts)", err);
    if (!cnt) { rc = AXCON_ENOMEM; goto cleanup; }
    const int kernel = axw_pick_kernel();
    const axw_tile_fn tile = axw_tile_for(kernel);
    axcon_debug("%zu distinct sequences, %zu columns, identity >= %zu/%zu, %s kernel, %d thread(s)", nu, ncol, t,
                ncol, axw_kernel_names[kernel], nth);

#ifdef _OPENMP
#pragma omp parallel num_threads(nth)
#endif
    {
#ifdef _OPENMP
        uint32_t *my = cnt + (size_t)omp_get_thread_num() * nu;
#pragma omp for schedule(dynamic, 1)
#else
        uint32_t *my = cnt;
#endif
        for (size_t bi = 0; bi < nblk; bi++) {
            const size_t n0 = bi * B, n1 = n0 + B < nu ? n0 + B : nu;
            for (size_t bj = bi; bj < nblk; bj++) {
                const size_t m0 = bj * B, m1 = m0 + B < nu ? m0 + B : nu;
                tile(rows, stride, tt, mult, n0, n1, m0, m1, bi == bj, my);
            }
        }
    }

    /* own copies + neighbours' copies; counts are exact integers */
    for (size_t u = 0; u < nu; u++) {
        uint64_t c = mult[u];
        for (int k = 0; k < nth; k++) c += cnt[(size_t)k * nu + u];
        out[u] = (uint32_t)c; /* c <= total sequences <= UINT32_MAX (checked by the callers) */
    }

cleanup:
    free(cnt);
    free(packbuf);
    return rc;
}

static int axw_check_threshold(double threshold, axcon_error_t *err)
{
    if (!(threshold > 0.0) || threshold >= 1.0 + 1e-9)
        return axcon_error_set(err, AXCON_EUSAGE, "sequence weights: identity threshold must be in (0, 1], got %g",
                               threshold);
    return AXCON_OK;
}

int axcon_weights_identity_distinct(const unsigned char *rows, size_t nrows, size_t ncol, const size_t *mult,
                                    double threshold, double *wrow, axcon_error_t *err)
{
    int rc;
    if ((rc = axw_check_threshold(threshold, err)) != AXCON_OK) return rc;
    if (nrows == 0) return AXCON_OK;
    if (!wrow || !mult || (!rows && ncol > 0))
        return axcon_error_set(err, AXCON_EUSAGE, "sequence weights: null rows, multiplicities or weights array");
    size_t total = 0;
    for (size_t u = 0; u < nrows; u++) {
        if (mult[u] == 0 || mult[u] > UINT32_MAX - total)
            return axcon_error_set(err, mult[u] == 0 ? AXCON_EUSAGE : AXCON_ERESOURCE,
                                   "sequence weights: multiplicity %zu of distinct row %zu %s", mult[u], u + 1,
                                   mult[u] == 0 ? "is 0" : "exceeds the limit of 2^32 sequences");
        total += mult[u];
    }
    if (ncol == 0) { /* no columns: every pair is identical */
        for (size_t u = 0; u < nrows; u++) wrow[u] = 1.0 / (double)total;
        return AXCON_OK;
    }
    uint32_t *m32 = ax_alloc(nrows, sizeof *m32, 0, "sequence weights (multiplicities)", err);
    uint32_t *cnt = ax_alloc(nrows, sizeof *cnt, 0, "sequence weights (counts)", err);
    if (!m32 || !cnt) {
        rc = AXCON_ENOMEM;
        goto done;
    }
    for (size_t u = 0; u < nrows; u++) m32[u] = (uint32_t)mult[u];
    if ((rc = axw_counts(rows, NULL, nrows, ncol, m32, threshold, cnt, err)) != AXCON_OK) goto done;
    for (size_t u = 0; u < nrows; u++) wrow[u] = 1.0 / (double)cnt[u];
done:
    free(m32);
    free(cnt);
    return rc;
}

int axcon_weights_identity_codes(const unsigned char *codes, size_t nseq, size_t ncol, double threshold, double *w,
                                 double *neff, axcon_error_t *err)
{
    int rc = AXCON_OK;
    size_t *uid = NULL, *first = NULL;
    uint32_t *mult = NULL, *cnt = NULL;

    if (neff) *neff = 0.0;
    if ((rc = axw_check_threshold(threshold, err)) != AXCON_OK) return rc;
    if (nseq == 0) return AXCON_OK;
    if (!w || (!codes && ncol > 0))
        return axcon_error_set(err, AXCON_EUSAGE, "sequence weights: null codes or weights array");
    if (ncol == 0) { /* no columns: every pair is identical (0 >= 0 matches) */
        double sum = 0.0;
        for (size_t n = 0; n < nseq; n++) sum += w[n] = 1.0 / (double)nseq;
        if (neff) *neff = sum;
        return AXCON_OK;
    }
    if (nseq > UINT32_MAX)
        return axcon_error_set(err, AXCON_ERESOURCE, "sequence weights: %zu sequences exceed the limit of %u", nseq,
                               (unsigned)UINT32_MAX);
    size_t total;
    if (ax_mul_ok(nseq, ncol, &total) != 0)
        return axcon_error_set(err, AXCON_ENOMEM, "sequence weights: size overflow (%zu x %zu)", nseq, ncol);
    for (size_t k = 0; k < total; k++) {
        if (codes[k] > AXCON_GAP)
            return axcon_error_set(err, AXCON_EINPUT,
                                   "sequence weights: sequence %zu column %zu holds state code %u (codes are 0..%d)",
                                   k / ncol + 1, k % ncol + 1, (unsigned)codes[k], AXCON_GAP);
    }

    /* collapse exact duplicates: distinct row u stands for mult[u] identical rows */
    uid = ax_alloc(nseq, sizeof *uid, 0, "sequence weights (row ids)", err);
    first = ax_alloc(nseq, sizeof *first, 0, "sequence weights (first rows)", err);
    if (!uid || !first) { rc = AXCON_ENOMEM; goto cleanup; }
    size_t nu = 0;
    if ((rc = ax_row_groups(codes, nseq, ncol, NULL, uid, first, &nu, err)) != AXCON_OK) goto cleanup;
    mult = ax_alloc(nu, sizeof *mult, 1, "sequence weights (multiplicities)", err);
    cnt = ax_alloc(nu, sizeof *cnt, 0, "sequence weights (counts)", err);
    if (!mult || !cnt) { rc = AXCON_ENOMEM; goto cleanup; }
    for (size_t n = 0; n < nseq; n++) mult[uid[n]]++;
    if ((rc = axw_counts(codes, first, nu, ncol, mult, threshold, cnt, err)) != AXCON_OK) goto cleanup;

    /* weights: 1 / (own copies + neighbours' copies) */
    double sum = 0.0;
    for (size_t n = 0; n < nseq; n++) {
        w[n] = 1.0 / (double)cnt[uid[n]];
        sum += w[n];
    }
    if (neff) *neff = sum;
    axcon_debug("Neff = %.4f", sum);

cleanup:
    free(uid);
    free(first);
    free(mult);
    free(cnt);
    return rc;
}

int axcon_weights_identity(const axcon_msa_t *msa, double threshold, double *w, double *neff, axcon_error_t *err)
{
    if (neff) *neff = 0.0;
    if (!msa) return axcon_error_set(err, AXCON_EUSAGE, "sequence weights: no alignment");
    return axcon_weights_identity_codes(axcon_msa_data(msa), axcon_msa_nseq(msa), axcon_msa_ncol(msa), threshold, w,
                                        neff, err);
}
