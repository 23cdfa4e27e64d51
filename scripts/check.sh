#!/bin/sh
# Run axcon's whole test suite and print every test program's CUnit summary.
#   scripts/check.sh                 build (configuring if needed) and run `make check` in this tree
#   scripts/check.sh --sanitizers    the same in build-san/, an ASan+UBSan build of a `make distdir` copy
# Exit status: non-zero when anything failed to build or any test failed.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
jobs=${JOBS:-2}

if [ ! -f Makefile ]; then
    [ -x configure ] || autoreconf -fi || exit 2
    ./configure -q || exit 2
fi

if [ "${1:-}" = "--sanitizers" ]; then
    make -s distdir distdir=build-san.src >/dev/null || exit 2
    rm -rf build-san
    mv build-san.src build-san || exit 2
    cd build-san || exit 2
    ./configure -q --enable-sanitizers --enable-werror || exit 2
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
    # the suite looks for ../shared/bench beside the source tree
    export AXCON_BENCH=${AXCON_BENCH:-$top/../shared/bench}
fi

make -s -j"$jobs" >/dev/null || { make -j1 2>&1 | tail -40; exit 2; }
make -s -j"$jobs" check >/dev/null 2>&1
rc=$?
for log in tests/*.log tests/*/*.log; do
    [ -f "$log" ] || continue
    echo "=================== $log"
    cat "$log"
done
echo "=================== summary"
cat test-suite.log 2>/dev/null | sed -n '1,12p'
[ $rc -eq 0 ] && echo "ALL TESTS PASSED${1:+ ($1)}" || echo "TESTS FAILED${1:+ ($1)} (status $rc)"
exit $rc
