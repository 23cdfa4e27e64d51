/* pll_tree.h - internal: the tree over the distinct rows of a pseudo-likelihood data object,
 * which the kernel walks instead of summing every row from scratch (not installed).
 *
 * Owns: an exact minimum spanning tree of the rows under Hamming distance (Prim's algorithm,
 * O(n^2 L / 16); ties broken by the smaller row index, so the tree is the same for every
 * thread count), its nodes renumbered in depth-first preorder (a parent always comes before
 * its children, and a node's subtree is the contiguous range after it), and each node's
 * change list against its parent: the columns where the two rows differ, as pairs of the
 * kernel's gather offsets (offset of the node's state, offset of the parent's state), with
 * each column's most frequent state sent to a sink offset.
 *
 * Why: the logits of conditional i for row n are sum_j E[j][x_nj]. Along an edge they change
 * only in the differing columns, so z_child = z_parent + sum over the changes of
 * (E[j][x_child,j] - E[j][x_parent,j]); and the gradient block T[j][b] = sum_n r_n [x_nj = b]
 * equals U_root at the root's states plus, for every change of an edge into node c,
 * U_c at the new state minus U_c at the old one, where U_c is the sum of r over c's subtree.
 * Both cost O(changes) instead of O(rows x columns). The gradient is gathered column by column
 * from the grouped changes (each group's sum of +-U stays in registers and is stored once),
 * so the kernel never scatters into the L-block gradient at random. */
#ifndef AXCON_MODEL_PLL_TREE_H
#define AXCON_MODEL_PLL_TREE_H

#include <stddef.h>
#include <stdint.h>

#include "axcon/error.h"

typedef struct {
    size_t n;         /* nodes, one per row */
    uint32_t *row;    /* node -> row of the data object (node 0 is the root) */
    uint32_t *parent; /* node -> parent node, always < node (0 for the root) */
    size_t *start;    /* n + 1 entries: node k's changes are pairs start[k] .. start[k+1]-1 */
    uint32_t *chg;    /* 2 per change: (gather offset of the node's state, of the parent's) */
    size_t nchg;      /* changes over all edges = the tree's total Hamming length */
    uint8_t *cons;    /* L: the most frequent state of each column (ties: the smaller) */
    uint8_t *xcol;    /* L x n: xcol[j * n + k] = node k's state at column j (the kernel reads
                         conditional j's targets in node order, contiguously) */
    /* The same changes grouped by (column, state) for the gradient's column pass: group
     * g = j * 21 + b holds, in increasing node order, 2k for every node k whose edge changes
     * column j to b and 2k + 1 for every node whose edge changes it from b, and 0 (the root)
     * when the root has b at j; the most frequent state's groups are empty. */
    size_t *gstart;   /* L * 21 + 1 entries: group g is gent[gstart[g] .. gstart[g+1]-1] */
    uint32_t *gent;   /* gstart[L * 21] entries (node << 1 | from) */
} ax_pll_tree_t;

/* The tree of the n (< 2^31) rows of L codes (row-major, each < 21) whose gather offsets are off (n x L, the
 * kernel's (j*21 + x)*24). In the change lists, the offset of a column's most frequent state
 * is replaced by `sink` (the kernel keeps its differences to that state, which are zero
 * there, so it reads a zero block instead); the groups leave that state out. ENOMEM only. */
int ax_pll_tree_build(const uint8_t *codes, const uint32_t *off, size_t n, size_t L, uint32_t sink,
                      ax_pll_tree_t **out, axcon_error_t *err);
void ax_pll_tree_free(ax_pll_tree_t *t);

/* Hamming distance of two rows of L codes, or some value >= bound as soon as it is known to
 * be at least bound. */
uint32_t ax_pll_hamming(const uint8_t *a, const uint8_t *b, size_t L, uint32_t bound);

#endif
