#!/bin/sh
# replay.sh - `make check` test of the fuzz targets: run the standalone build of every target
# (tests/fuzz/TARGET in the build tree) on its seed corpus and its regression inputs
# (tests/fuzz/corpus/TARGET/, tests/fuzz/regress/TARGET/). A reader crash, a sanitizer report
# or a failed result check makes the target exit non-zero, and this script fails.
srcdir=${AXCON_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${AXCON_BUILDDIR:-.}
rc=0
for t in fuzz_msa fuzz_structure fuzz_pred fuzz_truth; do
    set -- "$srcdir/tests/fuzz/corpus/$t"
    [ -d "$srcdir/tests/fuzz/regress/$t" ] && set -- "$@" "$srcdir/tests/fuzz/regress/$t"
    if "$builddir/tests/fuzz/$t" "$@"; then
        echo "PASS: $t"
    else
        echo "FAIL: $t (status $?)"
        rc=1
    fi
done
exit $rc
