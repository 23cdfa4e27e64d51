/* use_axcon.c - a third-party program built against the installed libaxcon with nothing but
 * pkg-config's flags (tests/test_install.sh): read an alignment, predict its contacts with
 * mean-field DCA, print N, L and the top pairs as the CLI's tsv rows (i j score prob). */
#include <stdio.h>
#include <stdlib.h>

#include <axcon/axcon.h>

int main(int argc, char **argv)
{
    axcon_error_t err;
    axcon_msa_opts_t mo;
    axcon_predict_opts_t po;
    axcon_msa_t *msa = NULL;
    axcon_cmap_t *cm = NULL;
    const axcon_contact_t *c;
    size_t n, k, top;
    int rc = 1;

    if (argc != 3) {
        fprintf(stderr, "usage: use_axcon MSA TOP\n");
        return 2;
    }
    top = (size_t)strtoul(argv[2], NULL, 10);
    axcon_error_clear(&err);
    axcon_log_set_level(AXCON_LOG_WARN);
    axcon_msa_opts_init(&mo);
    if (axcon_msa_read(argv[1], &mo, &msa, &err) < 0) goto ERROR;
    axcon_predict_opts_init(&po);
    po.method = AXCON_METHOD_MF;
    po.head = AXCON_HEAD_NONE;
    if (axcon_predict(msa, &po, &cm, &err) < 0) goto ERROR;
    printf("N=%zu L=%zu\n", axcon_msa_nseq(msa), axcon_msa_ncol(msa));
    c = axcon_cmap_ranked(cm, &n);
    for (k = 0; k < n && k < top; k++)
        printf("%d\t%d\t%.6g\t%.3f\n", c[k].i, c[k].j, c[k].score, c[k].prob);
    rc = 0;
ERROR:
    if (rc) fprintf(stderr, "use_axcon: error: %s\n", err.msg);
    axcon_cmap_free(cm);
    axcon_msa_free(msa);
    return rc;
}
