#!/bin/sh
# axcon-submit.sh - size and submit scripts/slurm/axcon-array.sbatch from axcon's own resource estimate.
#
# Owns: turning `axcon batch --dry-run` (one estimate line per family: memory and time for the given
# predict options and thread count) into sbatch's --array, -c and --mem, as README.md's "Running on a
# SLURM cluster" describes.
#
#   scripts/slurm/axcon-submit.sh [-n] [-k TASKS] [-c CPUS] [-s 'SBATCH OPTIONS'] MANIFEST OUTDIR [predict options]
#
#   -k TASKS   array size K (--array=0-(K-1)); default: the number of families, at most 16
#   -c CPUS    threads per task (sbatch -c; axcon takes it from SLURM_CPUS_PER_TASK) [4]
#   -s OPTS    more sbatch options, e.g. -s '--partition=long --time=12:00:00 --account=lab'
#   -n         print the sbatch command instead of running it
# Predict options (-m, -f, --top, ...) go to every task; leave out -t (the tasks take -c).
# --mem is the largest per-family estimate (a task runs its families one at a time) plus 25% and 200 MB.
# The script also prints the longest shard's summed time estimate, to help choose --time.
# Environment: AXCON (the axcon program, default axcon on PATH), SBATCH (default sbatch).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
axcon=${AXCON:-axcon}
sbatch_cmd=${SBATCH:-sbatch}
tasks=""
cpus=4
extra=""
dry=0
usage() {
    echo "usage: $0 [-n] [-k TASKS] [-c CPUS] [-s 'SBATCH OPTIONS'] MANIFEST OUTDIR [predict options]" >&2
    exit 1
}
while getopts nk:c:s:h opt; do
    case $opt in
    n) dry=1 ;;
    k) tasks=$OPTARG ;;
    c) cpus=$OPTARG ;;
    s) extra=$OPTARG ;;
    *) usage ;;
    esac
done
shift $((OPTIND - 1))
[ $# -ge 2 ] || usage
manifest=$1
outdir=$2
shift 2
case $cpus in '' | *[!0-9]* | 0) echo "axcon-submit: -c wants a positive integer, got '$cpus'" >&2; exit 1 ;; esac

# A submission from inside a job must not inherit that job's array (it would shard the estimate).
unset SLURM_ARRAY_TASK_ID SLURM_ARRAY_TASK_COUNT SLURM_ARRAY_TASK_MIN SLURM_ARRAY_TASK_MAX SLURM_ARRAY_TASK_STEP

nfam=$(grep -cv -e '^[[:space:]]*$' -e '^[[:space:]]*#' "$manifest") || true
[ "${nfam:-0}" -gt 0 ] || { echo "axcon-submit: $manifest lists no alignments" >&2; exit 1; }
[ -n "$tasks" ] || tasks=$((nfam < 16 ? nfam : 16))
case $tasks in '' | *[!0-9]* | 0) echo "axcon-submit: -k wants a positive integer, got '$tasks'" >&2; exit 1 ;; esac
[ "$tasks" -le "$nfam" ] || tasks=$nfam

# One dry run per shard: every family is read once, and each shard's summed time is known. Estimate
# lines read "ID<TAB>METHOD<TAB>N=..<TAB>L=..<TAB>memory=19 MB<TAB>time~2.5 s (4 threads)" (MB/GB, s/h).
mem_mb=0
max_s=0
k=1
while [ "$k" -le "$tasks" ]; do
    est=$("$axcon" batch -q --manifest "$manifest" --shard "$k/$tasks" --dry-run -t "$cpus" "$@") || {
        echo "axcon-submit: axcon batch --dry-run failed (shard $k/$tasks)" >&2
        exit 1
    }
    if printf '%s\n' "$est" | grep -q "$(printf '\t')failed$(printf '\t')"; then
        echo "axcon-submit: some alignments cannot be read:" >&2
        printf '%s\n' "$est" | grep "$(printf '\t')failed$(printf '\t')" >&2
        exit 1
    fi
    # prints "MAX_MB SUM_SECONDS" of this shard, or fails on a line it cannot read
    line=$(printf '%s\n' "$est" | awk -F'\t' '
        function amount(s, pre,   n, u) {
            sub(pre, "", s); n = s + 0; u = s; sub(/^[0-9.eE+-]+ */, "", u); sub(/[ (].*/, "", u)
            if (pre ~ /mem/) { if (u == "B") return n / 1048576; if (u == "KB") return n / 1024
                               if (u == "MB") return n; if (u == "GB") return n * 1024; if (u == "TB") return n * 1048576 }
            else { if (u == "s") return n; if (u == "min") return n * 60; if (u == "h") return n * 3600 }
            bad = bad " [" s "]"; return 0 }
        NF == 0 { next }
        { got = 0
          for (f = 1; f <= NF; f++) {
              if ($f ~ /^memory=/) { v = amount($f, "^memory="); if (v > m) m = v; got++ }
              if ($f ~ /^time~/)   { t += amount($f, "^time~"); got++ } }
          if (got != 2) bad = bad " [" $0 "]" }
        END { if (bad != "") { print "unreadable estimate:" bad > "/dev/stderr"; exit 1 }
              printf "%.3f %.0f\n", m, t }') || exit 1
    mem_mb=$(echo "$mem_mb ${line% *}" | awk '{ print ($2 > $1 ? $2 : $1) }')
    max_s=$(echo "$max_s ${line#* }" | awk '{ print ($2 > $1 ? $2 : $1) }')
    k=$((k + 1))
done
# ask for the largest family + 25% + 200 MB, in whole MB
req_mb=$(echo "$mem_mb" | awk '{ m = $1 * 1.25 + 200; printf "%d", (m == int(m) ? m : int(m) + 1) }')

echo "axcon-submit: $nfam families in $tasks tasks of $cpus CPUs; largest family ~$(echo "$mem_mb" | awk '{ printf "%.0f", $1 }') MB," \
     "longest task ~$max_s s by the estimate (set --time with -s if the partition default is shorter)" >&2
set -- $sbatch_cmd --array=0-$((tasks - 1)) -c "$cpus" --mem="${req_mb}M" $extra \
    "$here/axcon-array.sbatch" "$manifest" "$outdir" "$@"
if [ "$dry" -eq 1 ]; then
    echo "$*"
else
    exec "$@"
fi
