/* head_weights.h - the trained contact networks (private; defined in head_weights.c, which
 * scripts/train_head.py generates): ax_head_net_attn over the model's map and the others (ten
 * input channels, or twelve with the attention channels), ax_head_net_mf over the eight without
 * them. See axcon/head.h for the channels. Each is an ensemble: n networks trained alike from
 * different seeds, whose logits are averaged (in member order, in double). */
#ifndef AXCON_SCORE_HEAD_WEIGHTS_H
#define AXCON_SCORE_HEAD_WEIGHTS_H

#include "score/cnn.h"

typedef struct ax_cnn_ens {
    int n;                /* members (>= 1) */
    const ax_cnn_t *nets; /* n networks over the same input channels */
} ax_cnn_ens_t;

extern const ax_cnn_ens_t ax_head_net_attn;
extern const ax_cnn_ens_t ax_head_net_mf;

#endif
