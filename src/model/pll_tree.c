/* pll_tree.c - owns the row tree of pll_tree.h: Prim's minimum spanning tree of the distinct
 * rows under Hamming distance, the depth-first preorder renumbering and the per-edge change
 * lists the pseudo-likelihood kernel (pll.c) walks. */
#include "model/pll_tree.h"

#include <stdlib.h>
#include <string.h>

#include "axcon/pll.h"
#include "core/util.h"

#define Q AXCON_PLL_Q

typedef uint8_t v16u __attribute__((vector_size(16)));

uint32_t ax_pll_hamming(const uint8_t *a, const uint8_t *b, size_t L, uint32_t bound)
{
    uint32_t d = 0;
    size_t j = 0;
    while (j + 16 <= L) {
        size_t nv = (L - j) / 16;
        if (nv > 8) nv = 8; /* at most 8 per lane before the bytes are summed: no wrap */
        v16u acc = {0};
        for (size_t v = 0; v < nv; v++, j += 16) {
            v16u x, y;
            memcpy(&x, a + j, 16);
            memcpy(&y, b + j, 16);
            acc -= (v16u)(x != y); /* != gives 0xff per differing byte */
        }
        for (int k = 0; k < 16; k++) d += acc[k];
        if (d >= bound) return d;
    }
    for (; j < L; j++) d += a[j] != b[j];
    return d;
}

void ax_pll_tree_free(ax_pll_tree_t *t)
{
    if (!t) return;
    free(t->row);
    free(t->parent);
    free(t->start);
    free(t->chg);
    free(t->cons);
    free(t->xcol);
    free(t->gstart);
    free(t->gent);
    free(t);
}

/* Prim's algorithm from row 0: par[v] = the row v hangs from. The next row is the one
 * closest to the tree (ties: the smaller index); a row's link only moves to a strictly
 * closer tree row, so the tree does not depend on the thread count. */
static int prim(const uint8_t *codes, size_t n, size_t L, uint32_t *par, axcon_error_t *err)
{
    uint32_t *best = ax_alloc(n, sizeof *best, 0, "row tree distances", err);
    uint32_t *cand = ax_alloc(n, sizeof *cand, 0, "row tree candidates", err);
    if (!best || !cand) {
        free(best);
        free(cand);
        return AXCON_ENOMEM;
    }
    size_t ncand = n - 1;
    for (size_t u = 1; u < n; u++) {
        cand[u - 1] = (uint32_t)u;
        best[u] = UINT32_MAX;
    }
    par[0] = 0;
    size_t v = 0;
    for (;;) {
        const uint8_t *rv = codes + v * L;
#pragma omp parallel for schedule(static) if (ncand > 256)
        for (size_t p = 0; p < ncand; p++) {
            uint32_t u = cand[p];
            if (best[u] == 0) continue;
            uint32_t dd = ax_pll_hamming(rv, codes + (size_t)u * L, L, best[u]);
            if (dd < best[u]) {
                best[u] = dd;
                par[u] = (uint32_t)v;
            }
        }
        if (ncand == 0) break;
        size_t q = 0;
        for (size_t p = 1; p < ncand; p++) {
            uint32_t u = cand[p], w = cand[q];
            if (best[u] < best[w] || (best[u] == best[w] && u < w)) q = p;
        }
        v = cand[q];
        cand[q] = cand[--ncand];
    }
    free(best);
    free(cand);
    return AXCON_OK;
}

/* The (column, state) groups of t's changes (pll_tree.h): counted, then filled node by node, so
 * each group lists its nodes in increasing order. */
static int group_changes(ax_pll_tree_t *t, const uint8_t *codes, size_t L, axcon_error_t *err)
{
    const size_t n = t->n, G = L * Q;
    size_t *cur = NULL;
    if (!(t->gstart = ax_alloc(G + 1, sizeof *t->gstart, 1, "row tree groups", err)) ||
        !(cur = ax_alloc(G, sizeof *cur, 0, "row tree groups", err)))
        goto ERROR;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t k = 0; k < n; k++) {
            const uint8_t *a = codes + (size_t)t->row[k] * L, *b = codes + (size_t)t->row[t->parent[k]] * L;
            for (size_t j = 0; j < L; j++) {
                const size_t ga = j * Q + a[j], gb = j * Q + b[j];
                if (k > 0 && a[j] == b[j]) continue;
                if (a[j] != t->cons[j]) {
                    if (pass == 0) t->gstart[ga + 1]++;
                    else t->gent[cur[ga]++] = (uint32_t)(k << 1);
                }
                if (k > 0 && b[j] != t->cons[j]) {
                    if (pass == 0) t->gstart[gb + 1]++;
                    else t->gent[cur[gb]++] = (uint32_t)(k << 1 | 1u);
                }
            }
        }
        if (pass == 1) break;
        for (size_t g = 0; g < G; g++) t->gstart[g + 1] += t->gstart[g];
        memcpy(cur, t->gstart, G * sizeof *cur);
        if (!(t->gent = ax_alloc(t->gstart[G] ? t->gstart[G] : 1, sizeof *t->gent, 0, "row tree groups", err)))
            goto ERROR;
    }
    free(cur);
    return AXCON_OK;
ERROR:
    free(cur);
    return AXCON_ENOMEM;
}

int ax_pll_tree_build(const uint8_t *codes, const uint32_t *off, size_t n, size_t L, uint32_t sink,
                      ax_pll_tree_t **out, axcon_error_t *err)
{
    uint32_t *par = NULL, *kids = NULL, *stack = NULL, *node_of = NULL;
    size_t *kstart = NULL;
    int st = AXCON_ENOMEM;
    *out = NULL;
    if (n == 0 || n >= (size_t)1 << 31) return axcon_error_set(err, AXCON_EINTERNAL, "row tree: %zu rows", n);
    ax_pll_tree_t *t = ax_alloc(1, sizeof *t, 1, "row tree", err);
    if (!t) return AXCON_ENOMEM;
    t->n = n;
    if (!(t->row = ax_alloc(n, sizeof *t->row, 0, "row tree nodes", err)) ||
        !(t->parent = ax_alloc(n, sizeof *t->parent, 0, "row tree parents", err)) ||
        !(t->start = ax_alloc(n + 1, sizeof *t->start, 0, "row tree edges", err)) ||
        !(par = ax_alloc(n, sizeof *par, 0, "row tree links", err)) ||
        !(kids = ax_alloc(n, sizeof *kids, 0, "row tree children", err)) ||
        !(kstart = ax_alloc(n + 1, sizeof *kstart, 1, "row tree children", err)) ||
        !(stack = ax_alloc(n, sizeof *stack, 0, "row tree stack", err)) ||
        !(node_of = ax_alloc(n, sizeof *node_of, 0, "row tree nodes", err)))
        goto ERROR;
    if ((st = prim(codes, n, L, par, err)) != AXCON_OK) goto ERROR;

    /* children of each row, in increasing row order */
    for (size_t v = 1; v < n; v++) kstart[par[v] + 1]++;
    for (size_t v = 0; v < n; v++) kstart[v + 1] += kstart[v];
    for (size_t v = 1; v < n; v++) kids[kstart[par[v]]++] = (uint32_t)v;
    for (size_t v = n; v > 0; v--) kstart[v] = kstart[v - 1];
    kstart[0] = 0;

    /* depth-first preorder from row 0; the smallest child first */
    size_t sp = 0, k = 0;
    stack[sp++] = 0;
    while (sp) {
        uint32_t v = stack[--sp];
        node_of[v] = (uint32_t)k;
        t->row[k] = v;
        t->parent[k] = v == 0 ? 0 : node_of[par[v]];
        k++;
        for (size_t c = kstart[v + 1]; c > kstart[v]; c--) stack[sp++] = kids[c - 1];
    }

    /* change lists: count, then fill */
    t->start[0] = 0;
    t->start[1] = 0;
    for (size_t m = 1; m < n; m++) {
        const uint8_t *a = codes + (size_t)t->row[m] * L, *b = codes + (size_t)t->row[t->parent[m]] * L;
        t->start[m + 1] = t->start[m] + ax_pll_hamming(a, b, L, UINT32_MAX);
    }
    t->nchg = t->start[n];
    if (!(t->chg = ax_alloc(2 * t->nchg + 2, sizeof *t->chg, 0, "row tree changes", err)) ||
        !(t->cons = ax_alloc(L, 1, 0, "row tree consensus", err)) ||
        !(t->xcol = ax_alloc(n * L, 1, 0, "row tree states", err))) {
        st = AXCON_ENOMEM;
        goto ERROR;
    }
    for (size_t j = 0; j < L; j++) {
        size_t cnt[32] = {0}, best = 0;
        for (size_t v = 0; v < n; v++) cnt[codes[v * L + j] & 31]++;
        for (size_t b = 1; b < 32; b++)
            if (cnt[b] > cnt[best]) best = b;
        t->cons[j] = (uint8_t)best;
    }
#pragma omp parallel for schedule(static)
    for (size_t j = 0; j < L; j++)
        for (size_t v = 0; v < n; v++) t->xcol[j * n + v] = codes[(size_t)t->row[v] * L + j];
#pragma omp parallel for schedule(static)
    for (size_t m = 1; m < n; m++) {
        const size_t ra = t->row[m], rb = t->row[t->parent[m]];
        const uint8_t *a = codes + ra * L, *b = codes + rb * L;
        uint32_t *c = t->chg + 2 * t->start[m];
        for (size_t j = 0; j < L; j++)
            if (a[j] != b[j]) {
                *c++ = a[j] == t->cons[j] ? sink : off[ra * L + j];
                *c++ = b[j] == t->cons[j] ? sink : off[rb * L + j];
            }
    }
    if ((st = group_changes(t, codes, L, err)) != AXCON_OK) goto ERROR;
    st = AXCON_OK;
    *out = t;
    t = NULL;
ERROR:
    ax_pll_tree_free(t);
    free(par);
    free(kids);
    free(kstart);
    free(stack);
    free(node_of);
    return st;
}
