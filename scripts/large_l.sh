#!/bin/sh
# Long-protein check of issue 12 (README "Long proteins"): simulate a family of L columns and N
# sequences with `axcon simulate`, then run the default method and -m mf on it under
# /usr/bin/time -v, and report the default's --dry-run estimate against the measured peak RSS,
# the wall times, and the long-range precision of both (`axcon eval --truth`).
#   scripts/large_l.sh [-L 3000] [-N 2000] [-t THREADS] [-o DIR] [-- extra predict options]
# Takes about 1.5 h at L = 3000, N = 2000 on 2 cores. Not part of the test suite.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
axcon=${AXCON:-$top/axcon}
L=3000 N=2000 T=2 dir=large_l
while [ $# -gt 0 ]; do
    case $1 in
    -L) L=$2; shift 2 ;;
    -N) N=$2; shift 2 ;;
    -t) T=$2; shift 2 ;;
    -o) dir=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "usage: $0 [-L INT] [-N INT] [-t THREADS] [-o DIR] [-- predict options]" >&2; exit 2 ;;
    esac
done
[ -x "$axcon" ] || { echo "large_l.sh: no axcon binary at $axcon (build first, or set AXCON)" >&2; exit 2; }
mkdir -p "$dir"
sim=$dir/sim$L
[ -f "$sim.a3m" ] || "$axcon" simulate -q -L "$L" -N "$N" -o "$sim"
est=$("$axcon" predict -q --dry-run -t "$T" "$@" "$sim.a3m" | tail -1)
echo "dry-run: $est"
run() { # name, then predict options
    name=$1; shift
    /usr/bin/time -v "$axcon" predict -v -t "$T" "$@" "$sim.a3m" -o "$dir/$name.tsv" 2>"$dir/$name.log"
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$dir/$name.log")
    wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$dir/$name.log")
    prec=$("$axcon" eval -q --truth "$sim.true.tsv" "$dir/$name.tsv" | awk -F'\t' '$1 == "long" {print "top-L " $2 ", top-L/5 " $4}')
    printf '%s: wall %s, peak RSS %.2f GiB, long-range %s\n' "$name" "$wall" "$(echo "$rss" | awk '{print $1 / 1048576}')" "$prec"
}
run default "$@"
grep -h "sparse residual\|L-BFGS:" "$dir/default.log" || true
run mf -m mf
