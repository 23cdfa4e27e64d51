/* pll_internal.h - library-internal entry points of the pseudo-likelihood kernel (not installed).
 *
 * Owns: the symmetric-layout evaluation with an L2 penalty on the couplings folded into the
 * kernel's final pass (one pass over the coupling vector fewer per evaluation for -m plm), the
 * memory of a data object, the evaluation with a per-row hook that adds couplings computed on
 * the fly (-m attn), and the streamed evaluation whose coupling gradient goes to a hook row by row. */
#ifndef AXCON_MODEL_PLL_INTERNAL_H
#define AXCON_MODEL_PLL_INTERNAL_H

#include "axcon/pll.h"

/* As axcon_pll_eval_sym, and in one pass after it gJc += 2 lambda_j Jc and *jsq = sum Jc^2
 * (when jsq is not NULL; computed in fixed blocks, thread-count independent). f excludes the
 * penalty: the caller adds lambda_j * *jsq. */
int ax_pll_eval_sym_l2(const axcon_pll_data_t *d, const float *h, const float *Jc, double lambda_j, double *f,
                       double *jsq, float *gh, float *gJc, axcon_error_t *err);

/* The kernel's two ways through the rows (pll_tree.h): every row summed from scratch, or the
 * row tree walked, logits updated along its edges. A data object chooses by the tree's length
 * when it is built (AUTO); OFF and ON force one way (tests, benchmarks). Both give the same
 * objective and gradients up to float rounding. ENOMEM only. */
enum { AX_PLL_TREE_OFF = 0, AX_PLL_TREE_ON = 1, AX_PLL_TREE_AUTO = 2 };
int ax_pll_set_tree(axcon_pll_data_t *d, int mode, axcon_error_t *err);
int ax_pll_uses_tree(const axcon_pll_data_t *d);

/* Bytes of a data object of `ndistinct` rows and its evaluation scratch with `threads`
 * threads (codes, 32-bit gather offsets, weights, the grouping while it is built, per-thread
 * scratch of 2 L x 21 x 24 floats, per-position sums), for the models' estimates. */
double ax_pll_data_bytes(size_t L, size_t N, size_t ndistinct, int threads);

/* Expanded rows: the kernel lays out the couplings seen by conditional i as
 * E[j*AX_PLL_BLK + b*AX_PLL_QP + a] = J_ij(a, b) (21 states padded to 24, block j = i zero). */
#define AX_PLL_QP 24
#define AX_PLL_BLK (AXCON_PLL_Q * AX_PLL_QP)

/* Row hook: called inside the kernel's parallel loop, once per position i, by OpenMP thread
 * tid (< the number of threads in effect), after E holds the couplings of Jc (zero when Jc is
 * NULL); it adds its own couplings J'_ij(a, b) to E for every j != i (block i must stay 0).
 * Each call must be a deterministic function of i (the result may not depend on tid). */
typedef void (*ax_pll_row_hook_fn)(void *ctx, size_t i, int tid, float *E);

/* As axcon_pll_eval_sym on the couplings Jc + J' (Jc may be NULL = 0; J' added by the
 * hook): gJc receives df/dJ (the tied gradient, the same for both terms). */
int ax_pll_eval_sym_hook(const axcon_pll_data_t *d, const float *h, const float *Jc, ax_pll_row_hook_fn hook,
                         void *hctx, double *f, float *gh, float *gJc, axcon_error_t *err);

/* As axcon_pll_eval_sym on the couplings Ja + Jb (both in the symmetric layout, Jb may be
 * NULL), summed block by block as each row is expanded: the same floats as a materialised
 * sum, without one. gJc receives df/dJ. */
int ax_pll_eval_sym_sum(const axcon_pll_data_t *d, const float *h, const float *Ja, const float *Jb, double *f,
                        float *gh, float *gJc, axcon_error_t *err);

/* Gradient hook: called inside the kernel's parallel loop right after conditional i's row, by
 * OpenMP thread tid, with T[j*AX_PLL_BLK + b*AX_PLL_QP + a] = the derivative of conditional i's
 * term of f by J_ij(a, b) (padding lanes zero; block i is no coupling and holds scratch: skip
 * it). The tied gradient of J_ij is this plus conditional j's T[i] transposed; the hook may
 * only write what row i owns. */
typedef void (*ax_pll_grad_hook_fn)(void *ctx, size_t i, int tid, const float *T);

/* f and gh on the couplings the row hook adds (required; nothing is read from a coupling
 * vector) and, when ghook is given, every row's coupling gradient handed to it: no vector of
 * the couplings' size is allocated or written. */
int ax_pll_eval_stream(const axcon_pll_data_t *d, const float *h, ax_pll_row_hook_fn hook, void *hctx,
                       ax_pll_grad_hook_fn ghook, void *gctx, double *f, float *gh, axcon_error_t *err);

#endif
