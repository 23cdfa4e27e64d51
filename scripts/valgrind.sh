#!/bin/sh
# Run axcon's end-to-end CLI tests under valgrind (memcheck): every `axcon` the tests start goes
# through a wrapper running
#   valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect
# so an invalid read/write, a use of uninitialised memory or a definite/indirect leak makes the
# test case fail (exit status 99 where 0 or 1 was expected) and is listed at the end.
#
#   scripts/valgrind.sh [BUILD_DIR]     BUILD_DIR: a configured and built tree [.]; best
#                                       without --enable-sanitizers (ASan and valgrind clash)
# What runs, all on small inputs:
#   tests/test_malformed   the malformed-input corpus (86 cases) and the CRLF/BOM twins
#   tests/test_cli         help, usage errors, exit codes, `axcon info`
#   a smoke list           simulate; predict with each method (1 and 2 threads) and each format;
#                          eval (truth TSV, PDB, mmCIF), plot, info --json, stdin input
# Needs valgrind (Debian: apt-get install valgrind). Exit status: 0 clean, 1 errors or leaks
# or failing tests, 2 setup problems. Prints the time taken.
set -u
build=$(cd "${1:-.}" 2>/dev/null && pwd) || { echo "valgrind.sh: no build directory '${1:-.}'" >&2; exit 2; }
src=$(cd "$(dirname "$0")/.." && pwd)
command -v valgrind >/dev/null 2>&1 || { echo "valgrind.sh: valgrind not found (apt-get install valgrind)" >&2; exit 2; }
[ -x "$build/axcon" ] || { echo "valgrind.sh: $build/axcon not built" >&2; exit 2; }
if grep -q '^SAN_CFLAGS = .*-fsanitize' "$build/Makefile" 2>/dev/null; then
    echo "valgrind.sh: $build is a sanitizer build; use a plain one" >&2
    exit 2
fi
start=$(date +%s)
work=$(mktemp -d "${TMPDIR:-/tmp}/axcon-valgrind-XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT INT TERM
mkdir -p "$work/logs" "$work/run"

# the wrapper the tests take for axcon
cat >"$work/axcon" <<EOF
#!/bin/sh
exec valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \\
    --show-leak-kinds=definite,indirect --track-origins=yes --num-callers=30 \\
    --log-file="$work/logs/vg.%p.log" "$build/axcon" "\$@"
EOF
chmod +x "$work/axcon"
export AXCON_BIN="$work/axcon" AXCON_SRCDIR="$src" AXCON_BUILDDIR="$build"
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}

status=0
for t in test_malformed test_cli; do
    [ -x "$build/tests/$t" ] || make -C "$build" -s "tests/$t" >/dev/null 2>&1
    if [ ! -x "$build/tests/$t" ]; then
        echo "valgrind.sh: cannot build tests/$t" >&2
        status=1
        continue
    fi
    t0=$(date +%s)
    if (cd "$work/run" && "$build/tests/$t" >"$work/$t.out" 2>&1); then
        echo "PASS $t under valgrind ($(($(date +%s) - t0)) s)"
    else
        echo "FAIL $t under valgrind ($(($(date +%s) - t0)) s):"
        grep -E 'case |twin |FAILED|^ +[0-9]+\. ' "$work/$t.out" | head -40
        status=1
    fi
done

# smoke list: every subcommand and output format once, exit status checked
m="$src/tests/malformed"
t0=$(date +%s)
smoke_fail=0
smoke() { # EXPECTED_EXIT ARGS...
    want=$1
    shift
    (cd "$work/run" && "$work/axcon" "$@" >"$work/smoke.out" 2>"$work/smoke.err")
    got=$?
    if [ "$got" -ne "$want" ]; then
        echo "FAIL smoke: axcon $* -> exit $got (want $want)"
        sed -n '1,5p' "$work/smoke.err"
        smoke_fail=1
    fi
}
smoke 0 simulate -q -L 30 -N 60 --seed 5 -o fam
for meth in mf plm attn; do # a few optimiser iterations: valgrind runs them ~50x slower
    smoke 0 predict -q -t 1 -m "$meth" --max-iter 4 -o "fam.$meth.tsv" fam.a3m
    smoke 0 predict -q -t 2 -m "$meth" --max-iter 4 -o "fam.$meth.t2.tsv" fam.a3m
    cmp -s "$work/run/fam.$meth.tsv" "$work/run/fam.$meth.t2.tsv" || { echo "FAIL smoke: $meth differs with 2 threads"; smoke_fail=1; }
done
for f in rr mat tsv csv plmc rosetta; do smoke 0 predict -q -m mf -f "$f" -o "fam.$f" fam.a3m; done
smoke 0 predict -q -m mf --top L/5 --min-sep 12 --no-apc -o fam.top.tsv fam.a3m
smoke 0 info --json fam.a3m
smoke 0 eval -q --json --truth fam.true.tsv fam.mf.tsv
smoke 0 eval -q --truth fam.true.tsv --pred-format rr fam.rr
smoke 0 eval -q --truth fam.true.tsv fam.mat
smoke 0 eval -q --pdb "$m/q.pdb" --msa "$m/q.fa" --write-truth w.tsv "$m/q.tsv"
smoke 0 eval -q --pdb "$m/q.cif" --msa "$m/q.fa" "$m/q.rr"
smoke 0 plot -q --truth fam.true.tsv -o fam.png fam.mf.tsv
smoke 0 predict -q -m mf -o stdin.tsv - <"$m/q.fa"
smoke 1 predict -q -m mf -o never.tsv "$m/identical.fa.missing"
smoke 1 eval -q --truth fam.true.tsv "$m/nul.tsv"
echo "$([ $smoke_fail -eq 0 ] && echo PASS || echo FAIL) smoke list under valgrind ($(($(date +%s) - t0)) s)"
[ $smoke_fail -eq 0 ] || status=1

# every valgrind report
bad=0
for log in "$work"/logs/vg.*.log; do
    [ -s "$log" ] || continue
    bad=$((bad + 1))
    echo "=================== valgrind report $(basename "$log")"
    sed -n '1,60p' "$log"
done
nlogs=$(ls "$work"/logs | wc -l)
echo "valgrind: $nlogs axcon runs, $bad with errors or leaks; $(($(date +%s) - start)) s in all"
[ $bad -eq 0 ] || status=1
exit $status
