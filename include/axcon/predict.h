/* axcon/predict.h - the whole pipeline in one call: prepared alignment -> model -> APC -> contacts.
 *
 * Owns: the method choice, the pipeline's options (mapped onto each model's own options;
 * the models' headers own their defaults), the order of the stages and the sum of the
 * models' resource estimates. The alignment is prepared once (axcon/prep.h: distinct rows,
 * weights, Neff, frequencies); models (axcon/mf.h, axcon/plm.h, axcon/attn.h) return RAW
 * pair scores over its columns (e.g. Frobenius norms of couplings); -m attn runs mean-field
 * DCA once, for its warm start and for the contact head; this module applies APC
 * (axcon/contacts.h) and any score post-processing, then builds the ranked contact map. */
#ifndef AXCON_PREDICT_H
#define AXCON_PREDICT_H

#include "axcon/contacts.h"
#include "axcon/error.h"
#include "axcon/msa.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum axcon_method {
    AXCON_METHOD_ATTN = 0, /* factored attention trained by pseudo-likelihood (default) */
    AXCON_METHOD_MF,       /* closed form: mean-field DCA (+ optional attention sharpening) */
    AXCON_METHOD_PLM       /* Potts model by pseudo-likelihood (CCMpred/plmc model) */
} axcon_method_t;

AXCON_API int axcon_method_parse(const char *name, axcon_method_t *m, axcon_error_t *err);
AXCON_API const char *axcon_method_name(axcon_method_t m);

/* Contact heads (axcon/head.h): NET for attn and mf (default), LINEAR for attn only; plm takes none. */
typedef enum axcon_head_kind { AXCON_HEAD_NONE = 0, AXCON_HEAD_LINEAR, AXCON_HEAD_NET } axcon_head_kind_t;

struct axcon_attn_maps;  /* axcon/attn.h */
struct axcon_head_input; /* axcon/head.h */
struct axcon_potts;      /* axcon/pll.h */

typedef struct axcon_predict_opts {
    axcon_method_t method;
    double id_threshold;   /* sequence weights: identity threshold [0.8] */
    int min_sep;           /* minimum |i-j| of ranked pairs [6] */
    int apc;               /* apply APC [1] */
    /* -m mf */
    double mf_pseudocount; /* mean-field DCA (-m mf; attn's seed and head input) [0.7] */
    int mf_sharpen;        /* passes of attention sharpening after APC [method default] */
    double mf_tau;         /* softmax temperature of the sharpening */
    /* -m plm */
    double plm_lambda_h;   /* [0.01] */
    double plm_lambda_j;   /* per (L-1) [0.2], CCMpred's scaling */
    int plm_max_iter;      /* L-BFGS iterations [method default] */
    double plm_tol;        /* relative objective tolerance [method default] */
    /* -m attn */
    int attn_heads;
    int attn_dim;
    double attn_lambda;
    int attn_max_iter;     /* cap on L-BFGS iterations [model default] */
    double attn_tol;       /* relative decrease over the model's window that stops it [model default] */
    int attn_residual;     /* axcon_attn_residual_t (axcon/attn.h): AUTO takes the dense residual
                              when its estimate fits max_mem (no limit: always), else the sparse,
                              streamed form [AXCON_ATTN_RESIDUAL_AUTO] */
    int head;              /* axcon_head_kind_t: re-rank the APC scores by a contact head (axcon/head.h;
                              needs apc; for attn the mean-field map of its warm start is one of its
                              inputs) [AXCON_HEAD_NET] */
    /* attn: called once after training with the attention maps (axcon/attn.h; NULL = none);
     * any other method with this set is a usage error */
    int (*attn_maps)(void *ctx, const struct axcon_attn_maps *maps, axcon_error_t *err);
    void *attn_maps_ctx;
    /* called once before the contact head with what it takes as input (axcon/head.h; NULL =
     * none); for -m plm the mean-field map is computed for it */
    int (*head_input)(void *ctx, const struct axcon_head_input *in, axcon_error_t *err);
    void *head_input_ctx;
    /* -m plm and attn: called once with the fitted Potts model (axcon/pll.h: fields and
     * couplings over the kept columns; e.g. axcon_potts_write_npz); -m mf with this set is a
     * usage error (mean-field has no fitted fields) */
    int (*potts)(void *ctx, const axcon_msa_t *msa, const struct axcon_potts *m, axcon_error_t *err);
    void *potts_ctx;
    /* resources */
    double max_mem;        /* bytes; refuse (AXCON_ERESOURCE) when the estimate exceeds it [0 = no limit] */
} axcon_predict_opts_t;

AXCON_API void axcon_predict_opts_init(axcon_predict_opts_t *o);

/* For bindings that cannot lay out the struct (Python's ctypes): a heap copy with the
 * defaults (NULL when out of memory), freed by axcon_predict_opts_free. */
AXCON_API axcon_predict_opts_t *axcon_predict_opts_new(void);
AXCON_API void axcon_predict_opts_free(axcon_predict_opts_t *o);
/* Set one option from text, by the name of the CLI's long option that sets it, with the
 * CLI's checks: method, min-sep, id, apc (yes/no, 1/0), pseudocount, sharpen, tau,
 * lambda-h, lambda-j, max-iter, tol, heads, head-dim, attn-lambda, attn-residual (auto,
 * dense, sparse), head (linear, net, none), max-mem (4G, 500M, 0). AXCON_EUSAGE with a one-line reason for an unknown name or
 * a bad value ("min-sep wants a whole number >= 1, got '0'"); o is unchanged then. */
AXCON_API int axcon_predict_opts_set(axcon_predict_opts_t *o, const char *key, const char *value,
                                     axcon_error_t *err);

/* Resource estimate of one prediction (axcon_predict_estimate). */
typedef struct axcon_estimate {
    double bytes;      /* peak resident memory of the whole process, alignment included */
    double seconds;    /* rough wall time with `threads` threads (order of magnitude) */
    double model_bytes; /* part of `bytes` allocated by the method itself */
} axcon_estimate_t;

/* Estimate memory and time of axcon_predict(msa, o) from the allocation formulas of the
 * method; threads <= 0 means the OpenMP default. Cheap: O(N L) at most. */
AXCON_API int axcon_predict_estimate(const axcon_msa_t *msa, const axcon_predict_opts_t *o, int threads,
                                     axcon_estimate_t *est, axcon_error_t *err);

/* Run the pipeline; *out receives the contact map in query numbering. When o->max_mem > 0
 * and the estimate exceeds it, nothing is allocated: AXCON_ERESOURCE naming both sizes. */
AXCON_API int axcon_predict(const axcon_msa_t *msa, const axcon_predict_opts_t *o, axcon_cmap_t **out,
                            axcon_error_t *err);

#ifdef __cplusplus
}
#endif
#endif
