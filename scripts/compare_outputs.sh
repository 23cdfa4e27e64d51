#!/bin/sh
# Compare the predictions of two axcon binaries byte for byte (a refactoring check: "output
# identical before and after"). For every alignment and method given, both binaries write
# the mat, tsv and rr formats with the same options; any difference is printed and makes the
# exit status 1.
#   scripts/compare_outputs.sh OLD_AXCON NEW_AXCON "METHODS" MSA...
#   e.g. scripts/compare_outputs.sh /tmp/axcon.old ./axcon "mf plm" ../shared/bench/msa/1atzA.fasta
# Extra predict options may be given in the environment as AXCON_OPTS.
set -u
[ $# -ge 4 ] || { sed -n '2,8p' "$0"; exit 2; }
old=$1 new=$2 methods=$3
shift 3
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
rc=0 n=0
for msa in "$@"; do
    for m in $methods; do
        for f in mat tsv rr; do
            for b in old new; do
                eval bin=\$$b
                # shellcheck disable=SC2086
                "$bin" predict -q -m "$m" -f "$f" ${AXCON_OPTS:-} -o "$tmp/$b.$f" "$msa" || { echo "FAILED: $b $m $msa"; rc=1; }
            done
            n=$((n + 1))
            if cmp -s "$tmp/old.$f" "$tmp/new.$f"; then :; else
                echo "DIFFERENT: -m $m -f $f $msa"
                rc=1
            fi
        done
    done
done
[ $rc -eq 0 ] && echo "compare_outputs: $n outputs identical"
exit $rc
