/* weights_kern.h - the SIMD pair-identity kernel of the sequence weighting, written once
 * and instantiated per instruction set by src/weights/weights.c (included once per ISA
 * with different macros; not installed, no include guard on purpose).
 *
 * Owns: counting, for every pair (n, m) of a tile of packed rows, the columns holding
 * equal bytes, and adding the partner's multiplicity to both rows' neighbour counts when
 * the count reaches the threshold. Rows are padded to `stride` bytes (a multiple of 32)
 * with the same byte in every row, so padding always matches and the threshold `tt`
 * already includes the padding.
 *
 * The including file defines:
 *   KSUF            name suffix (avx2, sse2)
 *   KATTR           function attributes (target, ...)
 *   KVEC, KW        vector type and its width in bytes
 *   KLOAD(p)        unaligned load of KW bytes
 *   KCMPEQ(a, b)    bytewise equality (0xFF / 0x00)
 *   KADD, KSUB      bytewise add / subtract
 *   KZERO()         the zero vector
 *   KSAD(x)         sums of 8 unsigned bytes into each 64-bit lane
 *   KSL64(x, k)     shift each 64-bit lane left by k bits
 *   KOR(a, b)       bitwise or
 *   KHSUM64(x)      sum of the 64-bit lanes as a uint64_t
 *   KNVMAX          largest vectors-per-row handled by the unrolled, 4-pair path
 *   KCHUNK          vectors per early-out chunk on the generic path (<= 255)
 * and this file undefines them all at its end.
 */

#define KCAT_(a, b) a##_##b
#define KCAT(a, b) KCAT_(a, b)
#define KNAME(base) KCAT(base, KSUF)

/* Count equal bytes of one pair on the generic (long-row) path, chunk by chunk, and stop
 * as soon as the mismatches exceed what a neighbour can afford. Returns 1 for a neighbour. */
static inline KATTR __attribute__((always_inline)) int KNAME(pair_generic)(const uint8_t *pa, const uint8_t *pb,
                                                                           size_t nv, uint32_t tt, size_t stride)
{
    size_t matches = 0, v = 0;
    const size_t allowed = stride - tt; /* mismatches a neighbour may have */
    while (v < nv) {
        size_t vend = v + KCHUNK < nv ? v + KCHUNK : nv;
        KVEC acc = KZERO();
        for (; v < vend; v++) acc = KADD(acc, KCMPEQ(KLOAD(pa + v * KW), KLOAD(pb + v * KW)));
        matches += (size_t)KHSUM64(KSAD(KSUB(KZERO(), acc)));
        if (v * KW - matches > allowed) return 0;
    }
    return matches >= tt;
}

/* All pairs of rows n in [n0, n1) against m in [m0, m1) (m > n when diag), with NV
 * vectors per row known at compile time: row n stays in registers, four partners at a
 * time share one horizontal reduction (their counts packed in 16-bit fields; a count is
 * at most 256 here, so fields never carry). */
static inline KATTR __attribute__((always_inline)) void
KNAME(tile_fixed)(const uint8_t *rows, size_t stride, uint32_t tt, const uint32_t *mult, size_t n0, size_t n1,
                  size_t m0, size_t m1, int diag, uint32_t *cnt, const int NV)
{
    for (size_t n = n0; n < n1; n++) {
        const uint8_t *pa = rows + n * stride;
        KVEC a[KNVMAX];
        for (int v = 0; v < NV; v++) a[v] = KLOAD(pa + (size_t)v * KW);
        const uint32_t mn = mult[n];
        uint32_t add_n = 0;
        size_t m = diag ? n + 1 : m0;
        for (; m + 4 <= m1; m += 4) {
            const uint8_t *pb = rows + m * stride;
            KVEC e0 = KCMPEQ(a[0], KLOAD(pb));
            KVEC e1 = KCMPEQ(a[0], KLOAD(pb + stride));
            KVEC e2 = KCMPEQ(a[0], KLOAD(pb + 2 * stride));
            KVEC e3 = KCMPEQ(a[0], KLOAD(pb + 3 * stride));
            for (int v = 1; v < NV; v++) {
                const size_t off = (size_t)v * KW;
                e0 = KADD(e0, KCMPEQ(a[v], KLOAD(pb + off)));
                e1 = KADD(e1, KCMPEQ(a[v], KLOAD(pb + stride + off)));
                e2 = KADD(e2, KCMPEQ(a[v], KLOAD(pb + 2 * stride + off)));
                e3 = KADD(e3, KCMPEQ(a[v], KLOAD(pb + 3 * stride + off)));
            }
            const KVEC z = KZERO();
            KVEC s = KOR(KOR(KSAD(KSUB(z, e0)), KSL64(KSAD(KSUB(z, e1)), 16)),
                         KOR(KSL64(KSAD(KSUB(z, e2)), 32), KSL64(KSAD(KSUB(z, e3)), 48)));
            const uint64_t tot = KHSUM64(s);
            const uint32_t h0 = (uint32_t)(tot & 0xFFFF) >= tt;
            const uint32_t h1 = (uint32_t)((tot >> 16) & 0xFFFF) >= tt;
            const uint32_t h2 = (uint32_t)((tot >> 32) & 0xFFFF) >= tt;
            const uint32_t h3 = (uint32_t)(tot >> 48) >= tt;
            if (h0 | h1 | h2 | h3) {
                add_n += h0 * mult[m] + h1 * mult[m + 1] + h2 * mult[m + 2] + h3 * mult[m + 3];
                cnt[m] += h0 * mn;
                cnt[m + 1] += h1 * mn;
                cnt[m + 2] += h2 * mn;
                cnt[m + 3] += h3 * mn;
            }
        }
        for (; m < m1; m++) {
            const uint8_t *pb = rows + m * stride;
            KVEC e = KCMPEQ(a[0], KLOAD(pb));
            for (int v = 1; v < NV; v++) e = KADD(e, KCMPEQ(a[v], KLOAD(pb + (size_t)v * KW)));
            if ((uint32_t)KHSUM64(KSAD(KSUB(KZERO(), e))) >= tt) {
                add_n += mult[m];
                cnt[m] += mn;
            }
        }
        cnt[n] += add_n;
    }
}

/* Long rows (more than KNVMAX vectors): four partners at a time, column chunk by column
 * chunk (KCHUNK vectors, at most 256 bytes, so the packed 16-bit counts never carry), with
 * an early-out once all four partners have more mismatches than a neighbour may have. */
static KATTR void KNAME(tile_generic)(const uint8_t *rows, size_t stride, size_t nv, uint32_t tt,
                                      const uint32_t *mult, size_t n0, size_t n1, size_t m0, size_t m1, int diag,
                                      uint32_t *cnt)
{
    const size_t allowed = stride - tt;
    for (size_t n = n0; n < n1; n++) {
        const uint8_t *pa = rows + n * stride;
        const uint32_t mn = mult[n];
        uint32_t add_n = 0;
        size_t m = diag ? n + 1 : m0;
        for (; m + 4 <= m1; m += 4) {
            const uint8_t *pb = rows + m * stride;
            size_t c0 = 0, c1 = 0, c2 = 0, c3 = 0, v = 0;
            while (v < nv) {
                const size_t vend = v + KCHUNK < nv ? v + KCHUNK : nv;
                KVEC e0 = KZERO(), e1 = KZERO(), e2 = KZERO(), e3 = KZERO();
                for (; v < vend; v++) {
                    const size_t off = v * KW;
                    const KVEC a = KLOAD(pa + off);
                    e0 = KADD(e0, KCMPEQ(a, KLOAD(pb + off)));
                    e1 = KADD(e1, KCMPEQ(a, KLOAD(pb + stride + off)));
                    e2 = KADD(e2, KCMPEQ(a, KLOAD(pb + 2 * stride + off)));
                    e3 = KADD(e3, KCMPEQ(a, KLOAD(pb + 3 * stride + off)));
                }
                const KVEC z = KZERO();
                KVEC s = KOR(KOR(KSAD(KSUB(z, e0)), KSL64(KSAD(KSUB(z, e1)), 16)),
                             KOR(KSL64(KSAD(KSUB(z, e2)), 32), KSL64(KSAD(KSUB(z, e3)), 48)));
                const uint64_t tot = KHSUM64(s);
                c0 += (size_t)(tot & 0xFFFF);
                c1 += (size_t)((tot >> 16) & 0xFFFF);
                c2 += (size_t)((tot >> 32) & 0xFFFF);
                c3 += (size_t)(tot >> 48);
                const size_t done = v * KW; /* mismatches so far = done - c_k */
                const size_t cmax = c0 > c1 ? c0 : c1, cmax2 = c2 > c3 ? c2 : c3;
                if (done - (cmax > cmax2 ? cmax : cmax2) > allowed) break;
            }
            const uint32_t h0 = c0 >= tt, h1 = c1 >= tt, h2 = c2 >= tt, h3 = c3 >= tt;
            if (h0 | h1 | h2 | h3) {
                add_n += h0 * mult[m] + h1 * mult[m + 1] + h2 * mult[m + 2] + h3 * mult[m + 3];
                cnt[m] += h0 * mn;
                cnt[m + 1] += h1 * mn;
                cnt[m + 2] += h2 * mn;
                cnt[m + 3] += h3 * mn;
            }
        }
        for (; m < m1; m++) {
            if (KNAME(pair_generic)(pa, rows + m * stride, nv, tt, stride)) {
                add_n += mult[m];
                cnt[m] += mn;
            }
        }
        cnt[n] += add_n;
    }
}

/* One tile: dispatch on the number of vectors per row so the common lengths run unrolled. */
static KATTR void KNAME(tile)(const uint8_t *rows, size_t stride, uint32_t tt, const uint32_t *mult, size_t n0,
                              size_t n1, size_t m0, size_t m1, int diag, uint32_t *cnt)
{
    const size_t nv = stride / KW;
    switch (nv) {
#define KCASE(k)                                                                                                   \
    case k: KNAME(tile_fixed)(rows, stride, tt, mult, n0, n1, m0, m1, diag, cnt, k); return;
        KCASE(1) KCASE(2) KCASE(3) KCASE(4) KCASE(5) KCASE(6) KCASE(7) KCASE(8)
#if KNVMAX >= 16
        KCASE(9) KCASE(10) KCASE(11) KCASE(12) KCASE(13) KCASE(14) KCASE(15) KCASE(16)
#endif
#undef KCASE
    default: KNAME(tile_generic)(rows, stride, nv, tt, mult, n0, n1, m0, m1, diag, cnt); return;
    }
}

#undef KNAME
#undef KCAT
#undef KCAT_
/* the including file's macros, so the next instantiation starts clean */
#undef KSUF
#undef KATTR
#undef KVEC
#undef KW
#undef KLOAD
#undef KCMPEQ
#undef KADD
#undef KSUB
#undef KZERO
#undef KSAD
#undef KSL64
#undef KOR
#undef KHSUM64
#undef KNVMAX
#undef KCHUNK
