#!/bin/sh
# test_slurm_array.sh - `axcon batch` under a real SLURM job array equals a serial `axcon batch`.
#
# Owns: the end-to-end SLURM test of `make check`. It starts a private single-node SLURM on localhost
# (tests/slurm/slurm_harness.sh: munged + slurmctld + slurmd in a temp directory, own key, socket and
# ports), proves a trivial array job runs, simulates 7 small families, submits
# scripts/slurm/axcon-array.sbatch as a 3-task array, waits for it (timeout: prints the daemon logs),
# then checks that every task completed, that the three shards together did each family exactly once,
# that every per-family output equals, byte for byte, that of one serial `axcon batch` without a shard,
# and that resubmitting the array (a requeue) redoes nothing. The daemons it started are stopped by pid,
# also when the test fails or is interrupted.
#
# Skips (exit 77, "SKIP: ..." line) when not root, when slurm-wlm/munge are not installed, or when
# AXCON_SKIP_SLURM is set. Debian packages: slurm-wlm munge (slurmctld, slurmd, slurm-client, munge).
# AXCON_KEEP_SLURM_DIR=1 keeps the temp directory (configuration, logs, outputs) for inspection.
set -u
SH_WHO=test_slurm_array
here=$(cd "$(dirname "$0")" && pwd)
srcdir=${AXCON_SRCDIR:-$(cd "$here/../.." && pwd)}
axcon=${AXCON_BIN:-$(pwd)/axcon}
sbatch_script=$srcdir/scripts/slurm/axcon-array.sbatch
submit_script=$srcdir/scripts/slurm/axcon-submit.sh
NFAM=7      # families
NTASK=3     # array tasks
TIMEOUT=${AXCON_SLURM_TIMEOUT:-120} # seconds allowed for each array job

if [ -n "${AXCON_SKIP_SLURM:-}" ]; then
    echo "SKIP: $SH_WHO: AXCON_SKIP_SLURM is set"
    exit 77
fi
. "$here/slurm_harness.sh"
sh_require || exit 77

fail() { # a wrong result
    echo "FAIL: $SH_WHO: $*"
    exit 1
}
fail_cluster() { # the cluster or a job misbehaved: show the daemons' logs too
    echo "FAIL: $SH_WHO: $*"
    sh_dump_logs
    exit 1
}
[ -x "$axcon" ] || fail "axcon program not found at $axcon (set AXCON_BIN)"
[ -f "$sbatch_script" ] || fail "$sbatch_script not found"
[ -f "$submit_script" ] || fail "$submit_script not found"

# This test may itself run inside a SLURM job: its variables would shard the serial run and steer sbatch.
for v in $(env | sed -n 's/^\(SLURM_[A-Za-z0-9_]*\)=.*/\1/p; s/^\(SBATCH_[A-Za-z0-9_]*\)=.*/\1/p'); do
    unset "$v"
done
unset OMP_NUM_THREADS

trap 'sh_stop' EXIT
trap 'exit 1' INT TERM HUP
t0=$(date +%s)
elapsed() { echo "$(( $(date +%s) - t0 ))s"; }

sh_start || fail_cluster "could not start the test cluster"
echo "# cluster up after $(elapsed) in $SH_DIR"
w=$SH_DIR/work
mkdir -p "$w/smoke" "$w/logs" || fail "mkdir"

# --- 1. a trivial array job: every task runs with its own array variables
jid=$(sbatch --parsable --array=0-2 -c 1 --mem=50M -D "$w/smoke" -o "$w/smoke/%a.out" \
      --wrap 'echo "$SLURM_ARRAY_TASK_ID $SLURM_ARRAY_TASK_COUNT $SLURM_CPUS_PER_TASK"') ||
    fail_cluster "sbatch of the smoke array was refused"
sh_wait_job "$jid" 60 || fail_cluster "smoke array job $jid did not finish in 60 s: $(squeue 2>&1)"
for k in 0 1 2; do
    got=$(cat "$w/smoke/$k.out" 2>/dev/null)
    [ "$got" = "$k 3 1" ] || fail "smoke task $k printed '$got', want '$k 3 1'"
done
echo "# smoke array ok after $(elapsed)"

# --- 2. families and manifest (ID<TAB>PATH lines, one PATH-only line, a comment)
cd "$w" || fail "cd $w"
echo "# $NFAM simulated families" >"$w/manifest.txt"
i=1
while [ "$i" -le "$NFAM" ]; do
    L=$((40 + (i * 37) % 41)) # 40..80
    N=$((120 + i * 20))
    "$axcon" simulate -q -L "$L" -N "$N" --seed "$i" -o "$w/fam$i" >/dev/null 2>"$w/logs/sim$i.err" ||
        fail "axcon simulate -L $L -N $N --seed $i: $(cat "$w/logs/sim$i.err")"
    if [ "$i" -eq 1 ]; then echo "$w/fam$i.a3m"; else printf 'f%d\t%s\n' "$i" "$w/fam$i.a3m"; fi >>"$w/manifest.txt"
    i=$((i + 1))
done
ids="fam1"
i=2
while [ "$i" -le "$NFAM" ]; do ids="$ids f$i"; i=$((i + 1)); done

# --- 3. the reference: one serial batch, no shard
popts="-m mf -f tsv"
"$axcon" batch -q --manifest "$w/manifest.txt" --outdir "$w/serial" -t 1 $popts >"$w/logs/serial.out" \
    2>"$w/logs/serial.err" || fail "serial axcon batch failed: $(tail -5 "$w/logs/serial.err")"
echo "# serial batch ok after $(elapsed)"

# --- 4. the array job: scripts/slurm/axcon-submit.sh sizes it from `axcon batch --dry-run` and submits
# scripts/slurm/axcon-array.sbatch as NTASK tasks of 1 CPU
plan=$(AXCON=$axcon "$submit_script" -n -k "$NTASK" -c 1 "$w/manifest.txt" "$w/array" $popts 2>"$w/logs/plan.err") ||
    fail "axcon-submit.sh -n failed: $(cat "$w/logs/plan.err")"
case $plan in
"sbatch --array=0-$((NTASK - 1)) -c 1 --mem="[0-9]*M" $sbatch_script $w/manifest.txt $w/array $popts") ;;
*) fail "axcon-submit.sh -n printed: $plan" ;;
esac
mem=$(echo "$plan" | sed 's/.*--mem=\([0-9]*\)M.*/\1/')
[ "$mem" -ge 200 ] && [ "$mem" -le 400 ] || fail "axcon-submit.sh asks --mem=${mem}M for families of ~15 MB"
echo "# axcon-submit.sh: $plan"
submit_array() { # $1 = tag of this submission; prints the job id
    AXCON=$axcon "$submit_script" -k "$NTASK" -c 1 -s "--parsable --time=10 -D $w -o $w/logs/array$1-%a.log" \
        "$w/manifest.txt" "$w/array" $popts 2>>"$w/logs/submit.err"
}
wait_array() { # $1 = job id
    if ! sh_wait_job "$1" "$TIMEOUT"; then
        echo "# squeue:"; squeue 2>&1 | sed 's/^/#   /'
        for f in "$w"/logs/array*.log; do [ -f "$f" ] && { echo "----- $f"; tail -20 "$f"; }; done
        fail_cluster "array job $1 did not finish within $TIMEOUT s"
    fi
    states=$(sh_job_states "$1")
    n=$(echo "$states" | grep -c ' COMPLETED 0:0$')
    if [ "$n" -ne "$NTASK" ]; then
        for f in "$w"/logs/array*.log; do [ -f "$f" ] && { echo "----- $f"; tail -20 "$f"; }; done
        fail_cluster "array job $1: $n of $NTASK tasks COMPLETED with exit 0; states: $(echo "$states" | tr '\n' ';')"
    fi
}
jid=$(submit_array 1) || fail_cluster "sbatch refused $sbatch_script: $(cat "$w/logs/submit.err")"
wait_array "$jid"
echo "# array job $jid ($NTASK tasks) done after $(elapsed)"

# --- 5. compare with the serial run
# every task ran its own shard (k+1)/NTASK with the CPUs SLURM gave it (-c 1; without
# SLURM_CPUS_PER_TASK axcon would take all cores), and wrote that shard's summary
k=0
while [ "$k" -lt "$NTASK" ]; do
    log=$w/logs/array1-$k.log
    grep -q "task $k of $NTASK" "$log" || fail "$log does not show array task $k of $NTASK: $(head -3 "$log")"
    grep -q "shard $((k + 1))/$NTASK" "$log" || fail "$log: axcon batch did not take shard $((k + 1))/$NTASK"
    grep -q " 1 thread each" "$log" || fail "$log: axcon batch did not take 1 thread from SLURM_CPUS_PER_TASK"
    sum=$w/array/summary.$((k + 1))-of-$NTASK.tsv
    rows=$(grep -vc '^#' "$sum" 2>/dev/null)
    [ "${rows:-0}" -ge $((NFAM / NTASK)) ] || fail "$sum: ${rows:-no} rows, want at least $((NFAM / NTASK))"
    k=$((k + 1))
done
[ "$(ls "$w"/array/summary* | wc -l)" -eq "$NTASK" ] || fail "want $NTASK shard summaries: $(ls "$w/array")"
# the same files, per-family outputs byte for byte
(cd "$w/serial" && ls) | grep -v '^summary' >"$w/serial.ls"
(cd "$w/array" && ls) | grep -v '^summary' >"$w/array.ls"
cmp -s "$w/serial.ls" "$w/array.ls" ||
    fail "array and serial outdirs list different files: $(diff "$w/serial.ls" "$w/array.ls" | tr '\n' ' ')"
nout=0
for id in $ids; do
    out=$id.tsv
    [ -s "$w/serial/$out" ] || fail "serial run wrote no $out"
    cmp "$w/serial/$out" "$w/array/$out" || fail "$out differs between the array job and the serial run"
    nout=$((nout + 1))
    # done records: equal except the run's own wall time and peak memory
    grep -v -e '^seconds' -e '^peak_kb' "$w/serial/$id.done" >"$w/a.done" || fail "no $id.done (serial)"
    grep -v -e '^seconds' -e '^peak_kb' "$w/array/$id.done" >"$w/b.done" || fail "no $id.done (array)"
    cmp -s "$w/a.done" "$w/b.done" || fail "$id.done differs: $(diff "$w/a.done" "$w/b.done" | tr '\n' ' ')"
done
[ "$nout" -eq "$NFAM" ] || fail "compared $nout outputs, want $NFAM"
# summaries: the shards' rows together are the serial rows (id, status, N, L, Neff), each family once
cat "$w"/serial/summary*.tsv | grep -v '^#' | cut -f1-5 | sort >"$w/serial.sum"
cat "$w"/array/summary*.tsv | grep -v '^#' | cut -f1-5 | sort >"$w/array.sum"
[ "$(wc -l <"$w/serial.sum")" -eq "$NFAM" ] || fail "serial summary has $(wc -l <"$w/serial.sum") rows, want $NFAM"
[ "$(grep -c '	done	' "$w/serial.sum")" -eq "$NFAM" ] || fail "serial summary: not every family done"
cmp -s "$w/serial.sum" "$w/array.sum" ||
    fail "shard summaries differ from the serial summary: $(diff "$w/serial.sum" "$w/array.sum" | tr '\n' ' ')"
echo "# $NFAM outputs and done records equal the serial run; summaries agree"

# --- 6. resubmission (what a requeue does): every family is skipped, no output is rewritten
ls -l --time-style=+%s.%N "$w/array" | grep -v summary >"$w/before.ls"
jid=$(submit_array 2) || fail_cluster "second sbatch refused: $(cat "$w/logs/submit.err")"
wait_array "$jid"
ls -l --time-style=+%s.%N "$w/array" | grep -v summary >"$w/after.ls"
cmp -s "$w/before.ls" "$w/after.ls" ||
    fail "resubmitting rewrote outputs: $(diff "$w/before.ls" "$w/after.ls" | tr '\n' ' ')"
nskip=$(cat "$w"/array/summary*.tsv | grep -v '^#' | cut -f2 | grep -c '^skipped$')
[ "$nskip" -eq "$NFAM" ] || fail "resubmitted array skipped $nskip of $NFAM families"
echo "# resubmitted array skipped all $NFAM families after $(elapsed)"

echo "PASS: $SH_WHO: $NTASK-task SLURM array over $NFAM families equals the serial run ($(elapsed))"
exit 0
