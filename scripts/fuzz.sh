#!/bin/sh
# Build and run axcon's fuzz targets (tests/fuzz/) with libFuzzer, one after the other.
#   scripts/fuzz.sh SECONDS [TARGET...]   build, then fuzz each target for SECONDS of CPU time
#                                         (one worker); default targets: all of them
#   scripts/fuzz.sh --build               build only
#   scripts/fuzz.sh --afl                 build AFL++ binaries (CC=afl-clang-fast by default,
#                                         with tests/fuzz/standalone.c as main) and print how to run them
# Targets: fuzz_msa (alignments: every format, plain/gzip/BGZF), fuzz_structure (PDB, mmCIF),
# fuzz_pred (the prediction formats of `axcon eval`), fuzz_truth (truth TSV).
# Everything goes to $FUZZ_BUILD (default build-fuzz/ in the source tree): the binaries, the
# working corpora (seeded from tests/fuzz/corpus/ and tests/fuzz/regress/, which are never
# modified), crash artifacts in artifacts/TARGET/, and logs. Needs only Debian packages:
# clang-14 (libFuzzer is in libclang-rt-14-dev), libomp-14-dev, libhts-dev, zlib1g-dev.
# A crashing input found here belongs in tests/fuzz/regress/TARGET/ once fixed: `make check`
# replays corpus and regression inputs through the standalone build of every target.
# Exit status: 0 when no target crashed, 1 when some did, 2 when the build failed.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
out=${FUZZ_BUILD:-$top/build-fuzz}
CLANG=${CLANG:-clang-14}
command -v "$CLANG" >/dev/null 2>&1 || CLANG=clang
all_targets="fuzz_msa fuzz_structure fuzz_pred fuzz_truth"

lib_srcs="src/core/error.c src/core/log.c src/core/util.c src/core/ofile.c src/msa/msa.c
          src/score/contacts.c src/eval/evio.c src/eval/structure.c src/eval/pred.c src/eval/eval.c"

max_len() {
    case $1 in
    fuzz_msa) echo 65536 ;;
    fuzz_structure) echo 65536 ;;
    *) echo 16384 ;;
    esac
}

# build DIR CC "CFLAGS" MAIN-OBJECT-OR-FLAG
build() {
    dir=$1 cc=$2 cflags=$3 mainsrc=$4
    mkdir -p "$dir/obj" || return 2
    objs=""
    for s in $lib_srcs; do
        o="$dir/obj/$(echo "$s" | tr / _ | sed 's/\.c$/.o/')"
        $cc $cflags -I"$top/include" -I"$top/src" -c "$top/$s" -o "$o" || return 2
        objs="$objs $o"
    done
    extra=""
    if [ -n "$mainsrc" ]; then
        $cc $cflags -c "$top/$mainsrc" -o "$dir/obj/standalone.o" || return 2
        extra="$dir/obj/standalone.o"
    fi
    for t in $all_targets; do
        $cc $cflags -I"$top/include" -I"$top/src" "$top/tests/fuzz/$t.c" $extra $objs -o "$dir/$t" -lhts -lz -lm ||
            return 2
    done
    return 0
}

if [ "${1:-}" = "--afl" ]; then
    cc=${CC:-afl-clang-fast}
    build "$out/afl" "$cc" "-g -O1 -fopenmp ${CFLAGS:-}" tests/fuzz/standalone.c || exit 2
    echo "built $out/afl/{$(echo $all_targets | tr ' ' ,)} with $cc; run e.g."
    echo "  afl-fuzz -i $top/tests/fuzz/corpus/fuzz_msa -o $out/afl/out-msa -- $out/afl/fuzz_msa @@"
    exit 0
fi

san="-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
echo "building libFuzzer targets in $out with $CLANG" >&2
build "$out" "$CLANG" "-g -O1 -fopenmp $san ${CFLAGS:-}" "" || { echo "fuzz.sh: build failed" >&2; exit 2; }
[ "${1:-}" = "--build" ] && exit 0

secs=${1:-}
case $secs in
'' | *[!0-9]*) echo "usage: scripts/fuzz.sh SECONDS [TARGET...] | --build | --afl" >&2; exit 2 ;;
esac
shift
targets=${*:-$all_targets}

# one OpenMP thread: the readers are serial, and the machine is shared
OMP_NUM_THREADS=1
export OMP_NUM_THREADS
crashed=0
summary=""
for t in $targets; do
    corpus="$out/corpus/$t" art="$out/artifacts/$t/" log="$out/$t.log"
    mkdir -p "$corpus" "$art"
    dict="" regress=""
    [ -f "$top/tests/fuzz/$t.dict" ] && dict="-dict=$top/tests/fuzz/$t.dict"
    [ -d "$top/tests/fuzz/regress/$t" ] && regress="$top/tests/fuzz/regress/$t"
    before=$(ls "$art" | wc -l)
    echo "fuzzing $t for $secs CPU-s (log: $log)" >&2
    : >"$log"
    # SECONDS counts CPU time: libFuzzer's -max_total_time is wall-clock time, so on a busy
    # machine the target is restarted (it reloads its corpus) until it has had its CPU budget
    cpu=0 execs=0 status=0 tick=$(getconf CLK_TCK)
    while [ "$cpu" -lt "$secs" ] && [ "$status" -eq 0 ]; do
        left=$((secs - cpu))
        [ "$left" -lt 20 ] && left=20
        start_cpu=$(awk '{print $16+$17}' /proc/$$/stat)
        # shellcheck disable=SC2086
        "$out/$t" -max_total_time="$left" -timeout=10 -rss_limit_mb=2048 -max_len="$(max_len "$t")" \
            -print_final_stats=1 -artifact_prefix="$art" $dict \
            "$corpus" "$top/tests/fuzz/corpus/$t" $regress >>"$log" 2>&1
        status=$?
        end_cpu=$(awk '{print $16+$17}' /proc/$$/stat)
        cpu=$((cpu + (end_cpu - start_cpu) / tick))
        n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
        execs=$((execs + ${n:-0}))
    done
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | sed 's/cov: //')
    found=$(( $(ls "$art" | wc -l) - before ))
    line="$t: ${cpu} CPU-s, ${execs:-?} execs, cov ${cov:-?}, exit $status, new artifacts $found"
    echo "$line" >&2
    summary="$summary$line
"
    if [ "$status" -ne 0 ] || [ "$found" -gt 0 ]; then
        crashed=1
        grep -m3 -E 'ERROR: |runtime error|fuzz check failed|Test unit written' "$log" >&2
    fi
done
echo "=== summary" >&2
printf '%s' "$summary"
exit $crashed
