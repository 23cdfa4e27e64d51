/* head_weights.h - the trained contact networks (private; defined in head_weights.c, which
 * scripts/train_head.py generates): ax_head_net_attn over six input channels (with the
 * model's map), ax_head_net_mf over five (without it). See axcon/head.h for the channels. */
#ifndef AXCON_SCORE_HEAD_WEIGHTS_H
#define AXCON_SCORE_HEAD_WEIGHTS_H

#include "score/cnn.h"

extern const ax_cnn_t ax_head_net_attn;
extern const ax_cnn_t ax_head_net_mf;

#endif
