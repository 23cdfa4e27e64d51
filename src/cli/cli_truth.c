/* cli_truth.c - what `axcon eval` and `axcon plot` share: reading the query (from --msa or
 * the prediction's own sequence lines), the prediction, and the native contacts of a
 * structure mapped onto that query. */
#include <string.h>

#include "axcon/eval.h"
#include "axcon/msa.h"
#include "axcon/pred.h"
#include "axcon/structure.h"
#include "cli.h"

int cli_read_query_and_prediction(const char *msa_path, const char *pred_path, axcon_pred_format_t pfmt,
                                  axcon_msa_t **msa, axcon_pred_t **pred, const char **query, int *qlen,
                                  axcon_error_t *err)
{
    int rc;
    *query = NULL;
    *qlen = 0;
    if (msa_path) {
        axcon_msa_opts_t mo;
        axcon_msa_opts_init(&mo);
        if ((rc = axcon_msa_read(msa_path, &mo, msa, err)) != AXCON_OK) return rc;
        *query = axcon_msa_query_seq(*msa);
        *qlen = (int)axcon_msa_query_len(*msa);
    }
    if ((rc = axcon_pred_read(pred_path, pfmt, *qlen, pred, err)) != AXCON_OK) return rc;
    if (!*query && axcon_pred_seq(*pred)) {
        *query = axcon_pred_seq(*pred);
        *qlen = (int)strlen(*query);
    }
    return AXCON_OK;
}

int cli_truth_from_pdb(const char *pdb, const char *chain, const char *query, axcon_structure_t **st,
                       axcon_truth_t **truth, axcon_error_t *err)
{
    int rc;
    if (!query)
        return axcon_error_set(err, AXCON_EUSAGE,
                               "--pdb needs the query sequence: give --msa MSA (or an RR prediction with its "
                               "sequence lines)");
    if ((rc = axcon_structure_read(pdb, chain, st, err)) != AXCON_OK) return rc;
    if (!chain && (rc = axcon_structure_select_best(*st, query, err)) != AXCON_OK) return rc;
    if ((rc = axcon_truth_from_structure(*st, query, truth, err)) != AXCON_OK) axcon_error_prefix(err, "%s", pdb);
    return rc;
}
