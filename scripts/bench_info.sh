#!/bin/sh
# bench_info.sh - time `axcon info` (read + sequence weights) on T0900-D1.aln, the deepest
# shared alignment (N = 16243, L = 106), with 1 and 2 threads, and its scaling with N on the
# first N rows (N = 2000, 4000, 8000, 16243). Uses hyperfine when installed, else
# /usr/bin/time -v. Prints a table; the target is < 1 s wall for the full file on 2 threads.
#
# Usage: scripts/bench_info.sh [--axcon PATH] [--bench DIR] [--runs K] [--sizes "2000 4000 ..."]
# Cost: about (sizes x 2 thread counts x (K + 1)) runs of at most ~0.2 s each.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
axcon=${AXCON_BIN:-}
bench=${AXCON_BENCH:-$here/../../shared/bench}
runs=5
sizes="2000 4000 8000 16243"
while [ $# -gt 0 ]; do
    case "$1" in
    --axcon) axcon=$2; shift 2 ;;
    --bench) bench=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --sizes) sizes=$2; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench_info.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
if [ -z "$axcon" ]; then
    if [ -x ./axcon ]; then axcon=./axcon; else axcon=$(command -v axcon || true); fi
fi
[ -n "$axcon" ] && [ -x "$axcon" ] || { echo "bench_info.sh: axcon binary not found (use --axcon)" >&2; exit 2; }
aln=$bench/msa/T0900-D1.aln
[ -r "$aln" ] || { echo "bench_info.sh: $aln not readable (use --bench)" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench_info.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
total=$(grep -c . "$aln")

# time_cmd FILE THREADS -> "mean sd min peak_rss_kb cpu" (seconds, kB; cpu = user + sys mean)
time_cmd() {
    f=$1 t=$2
    # peak RSS from one /usr/bin/time run (hyperfine does not report it)
    rss=-
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -v "$axcon" info -q -t "$t" "$f" >/dev/null 2>"$tmp/tv" || { cat "$tmp/tv" >&2; exit 1; }
        rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tmp/tv")
    fi
    if command -v hyperfine >/dev/null 2>&1; then
        hyperfine -N -w 1 -r "$runs" --export-csv "$tmp/hf.csv" "$axcon info -q -t $t $f" >/dev/null 2>&1 ||
            hyperfine -w 1 -r "$runs" --export-csv "$tmp/hf.csv" "$axcon info -q -t $t $f" >/dev/null
        # command,mean,stddev,median,user,system,min,max
        awk -F, -v r="$rss" 'NR == 2 {printf "%.4f %.4f %.4f %s %.4f\n", $2, $3, $7, r, $5 + $6}' "$tmp/hf.csv"
    else
        : >"$tmp/walls"
        i=0
        while [ $i -lt "$runs" ]; do
            /usr/bin/time -v "$axcon" info -q -t "$t" "$f" >/dev/null 2>"$tmp/tv"
            awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); s = 0; for (k = 1; k <= n; k++) s = s * 60 + p[k]; w = s}
                /User time|System time/ {c += $2} END {print w, c}' "$tmp/tv" >>"$tmp/walls"
            i=$((i + 1))
        done
        awk -v r="$rss" '{s += $1; q += $1 * $1; c += $2; if (NR == 1 || $1 < m) m = $1}
            END {mu = s / NR; v = q / NR - mu * mu; printf "%.4f %.4f %.4f %s %.4f\n", mu, (v > 0 ? sqrt(v) : 0), m, r, c / NR}' \
            "$tmp/walls"
    fi
}

tool=/usr/bin/time
command -v hyperfine >/dev/null 2>&1 && tool="hyperfine $(hyperfine --version | awk '{print $2}')"
echo "axcon info on $aln ($total sequences); $runs runs each, timer: $tool; $(nproc) cores"
neff=$("$axcon" info -q --json "$aln" 2>/dev/null | sed -n 's/.*"neff": \([0-9.]*\).*/\1/p')
echo "full file: Neff = $neff; load average before: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo ?)"
printf '%7s | %17s | %17s | %7s | %15s | %9s\n' N "1 thread s (min)" "2 threads s (min)" speedup "CPU s (1t / 2t)" "peak MiB"
printf '%s\n' "--------+-------------------+-------------------+---------+-----------------+----------"
full2=
for n in $sizes; do
    if [ "$n" -ge "$total" ]; then f=$aln; n=$total; else f=$tmp/first$n.aln; head -n "$n" "$aln" >"$f"; fi
    set -- $(time_cmd "$f" 1)
    m1=$1 min1=$3 cpu1=$5
    set -- $(time_cmd "$f" 2)
    m2=$1 min2=$3 rss=$4 cpu2=$5
    [ "$f" = "$aln" ] && full2=$m2
    awk -v n="$n" -v m1="$m1" -v min1="$min1" -v m2="$m2" -v min2="$min2" -v rss="$rss" -v c1="$cpu1" -v c2="$cpu2" 'BEGIN {
        printf "%7d | %7.3f (%7.3f) | %7.3f (%7.3f) | %7.2f | %6.3f / %6.3f | %9s\n", n, m1, min1, m2, min2, m1 / m2,
            c1, c2, (rss == "-" ? "-" : sprintf("%.1f", rss / 1024))}'
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo ?) (timings on a loaded machine are upper bounds)"
if [ -n "$full2" ]; then
    awk -v t="$full2" 'BEGIN {printf "full file on 2 threads: %.3f s mean -> %s (target < 1 s)\n", t, (t < 1 ? "PASS" : "FAIL")}'
fi
