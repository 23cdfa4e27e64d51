/* cnn.h - the inference of the contact head's small 2D residual convolutional network
 * (private, not installed; implemented in cnn.c, trained by scripts/train_head.py).
 *
 * Owns: the network's description (ax_cnn_t: borrowed weight arrays, in torch's layouts) and its
 * forward pass over a Cin x L x L feature map:
 *   x = conv1x1(X) (Cin -> K);
 *   for each block b (dilation d = dil[b]): h = conv3x3_d(elu(x)); x = x + conv3x3_d(elu(h));
 *   y(i,j) = bout + sum_k wout[k] * elu(x_k(i,j)); logits z(i,j) = (y(i,j) + y(j,i)) / 2.
 * conv3x3_d: out_k(i,j) = bias[k] + sum_{c,u,v} W[((k*K + c)*3 + u)*3 + v] * in_c(i+(u-1)d, j+(v-1)d),
 * zero padding outside the L x L map; elu(t) = t > 0 ? t : expm1(t).
 * Numerics (those of the training script's float64 reference that rounds stored activations to
 * float32): x after the 1x1 convolution, h, and x after each residual sum are stored as float;
 * every output element's sum is accumulated in double (bias first, then c, u, v ascending; the
 * residual sum is x + (bias + sum), rounded once); elu is evaluated in double on the stored float
 * and not rounded (expm1 by cnn.c's own polynomial, within 1.2 ulp of exact, so it may differ
 * from libm's expm1 in the last bit); y and z are double. The result is bitwise the same for any
 * thread count. */
#ifndef AXCON_SCORE_CNN_H
#define AXCON_SCORE_CNN_H

#include <stddef.h>

#include "axcon/error.h"

typedef struct ax_cnn {
    int cin, k, nblocks;    /* input channels, width K, residual blocks (>= 0) */
    const int *dil;         /* nblocks dilations (>= 1) */
    const float *w0, *b0;   /* K*cin (w0[k*cin + c]), K */
    const float *const *wc; /* 2*nblocks conv weight arrays, each K*K*9 (block b: wc[2b], wc[2b+1]) */
    const float *const *bc; /* 2*nblocks bias arrays, each K */
    const float *wout;      /* K */
    float bout;
} ax_cnn_t;

/* Number of scalar parameters: K*cin + K + nblocks*2*(9*K*K + K) + K + 1 (0 for a NULL net). */
size_t ax_cnn_nparams(const ax_cnn_t *net);

/* Logits (L*L doubles, row-major, symmetric) of the input X (cin*L*L floats, X[(c*L + i)*L + j]).
 * AXCON_EUSAGE on a bad net (cin, k < 1, nblocks < 0, a dilation < 1, a NULL array) or a NULL X or
 * logits when L > 0; AXCON_ENOMEM. L = 0 returns AXCON_OK without reading X or writing logits.
 * Uses the OpenMP threads in effect (omp_get_max_threads). */
int ax_cnn_forward(const ax_cnn_t *net, size_t L, const float *X, double *logits, axcon_error_t *err);

/* Peak bytes ax_cnn_forward allocates for L with the threads now in effect (input and output not
 * counted): two K x L x L float planes (one without blocks), per thread a ring of 2d+1 rows of K
 * padded double rows (d = the largest dilation, capped at L), and the weights as doubles.
 * 0 for a bad net. */
double ax_cnn_bytes(const ax_cnn_t *net, size_t L);

#endif
