#!/usr/bin/env bash
# check_eval.sh - checks `axcon eval` against the shared benchmark (../shared/bench):
#  1. precision from the truth TSVs on the peers' predictions (peers/ID.ccmpred.mat.gz for the
#     ccmpred rows, peers/ID.fcevfold.txt.gz for the freecontact_evfold rows) must agree with
#     reference_precision.tsv to 0.001 on every row;
#  2. for every family of families.tsv, `--pdb STRUCTURE --msa MSA` must give the same numbers as
#     `--truth TRUTH`, and the truth table it computes (--write-truth) must hold the same pairs as
#     truth/ID.true.tsv with distances within 0.01 A.
# Prints one line per mismatch and a summary; exits 1 if anything disagrees, 2 on setup errors.
#  Families that no peer finished are evaluated with a deterministic pseudo-random prediction.
# Usage: scripts/check_eval.sh [AXCON_BINARY [BENCH_DIR]]   (defaults: ./axcon, $AXCON_BENCH or
# the bench folder next to the source tree). Cost: ~100 short eval runs, well under a minute.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
AXCON=${1:-${AXCON_BIN:-./axcon}}
BENCH=${2:-${AXCON_BENCH:-$here/../shared/bench}}
[ -x "$AXCON" ] || { echo "check_eval: axcon binary '$AXCON' not found (give it as the first argument)" >&2; exit 2; }
[ -f "$BENCH/families.tsv" ] || { echo "check_eval: no families.tsv in '$BENCH'" >&2; exit 2; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/check_eval.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT

# values of one range from eval's JSON: "L L2 L5"
range_vals() { # json range
    printf '%s\n' "$1" | grep -o "\"$2\": {[^}]*}" | sed -E 's/.*"L": ([-0-9.e]+), "L2": ([-0-9.e]+), "L5": ([-0-9.e]+).*/\1 \2 \3/'
}
json_len() { printf '%s\n' "$1" | grep -o '"length": [0-9]*' | grep -o '[0-9]*$'; }

bad=0
# ---- 1. reference precision ------------------------------------------------------------
nref=0 nref_ok=0
while IFS=$'\t' read -r tool id L l5l l2l ll l5ml lml l5a la _rest; do
    [ "$tool" = tool ] && continue
    case $tool in
    ccmpred) pred=$BENCH/peers/$id.ccmpred.mat.gz ;;
    freecontact_evfold) pred=$BENCH/peers/$id.fcevfold.txt.gz ;;
    *) continue ;;
    esac
    nref=$((nref + 1))
    if ! out=$("$AXCON" eval -q --json --truth "$BENCH/truth/$id.true.tsv" "$pred" 2>"$tmp/err"); then
        echo "MISMATCH ref $tool $id: eval failed: $(cat "$tmp/err")"
        bad=1
        continue
    fi
    got="$(json_len "$out") $(range_vals "$out" long) $(range_vals "$out" medium_long) $(range_vals "$out" all)"
    # got: length L_long L2_long L5_long L_ml L2_ml L5_ml L_all L2_all L5_all
    msg=$(echo "$got" | awk -v L="$L" -v l5l="$l5l" -v l2l="$l2l" -v ll="$ll" -v l5ml="$l5ml" -v lml="$lml" \
        -v l5a="$l5a" -v la="$la" '
        function chk(name, g, r) { d = g - r; if (d < 0) d = -d; if (d > 0.001 + 1e-9) printf " %s=%.4f(ref %s)", name, g, r }
        { if ($1 != L) printf " L=%s(ref %s)", $1, L
          chk("L_long", $2, ll); chk("L2_long", $3, l2l); chk("L5_long", $4, l5l)
          chk("L_med+long", $5, lml); chk("L5_med+long", $7, l5ml)
          chk("L_all", $8, la); chk("L5_all", $10, l5a) }')
    if [ -n "$msg" ]; then
        echo "MISMATCH ref $tool $id:$msg"
        bad=1
    else
        nref_ok=$((nref_ok + 1))
    fi
done <"$BENCH/reference_precision.tsv"
echo "reference_precision: $nref_ok of $nref rows agree to 0.001"

# ---- 2. structure + MSA versus the truth file ------------------------------------------
nfam=0 nfam_ok=0 dmax=0.0000
while IFS=$'\t' read -r id source msa structure truth _rest; do
    [ "$id" = id ] && continue
    nfam=$((nfam + 1))
    pred=$BENCH/peers/$id.ccmpred.mat.gz
    [ -f "$pred" ] || pred=$BENCH/peers/$id.fcevfold.txt.gz
    if [ ! -f "$pred" ]; then
        # no peer ran on this family: a deterministic pseudo-random prediction over the truth's pairs
        pred=$tmp/synth.tsv
        awk -F'\t' '{ printf "%d\t%d\t%.6f\n", $1, $2, (($1 * 7919 + $2 * 104729) % 1009) / 1009 }' \
            "$BENCH/$truth" >"$pred"
    fi
    ok=1
    if ! a=$("$AXCON" eval -q --json --truth "$BENCH/$truth" --msa "$BENCH/$msa" "$pred" 2>"$tmp/err"); then
        echo "MISMATCH fam $id: --truth run failed: $(cat "$tmp/err")"
        bad=1
        continue
    fi
    if ! b=$("$AXCON" eval -q --json --pdb "$BENCH/$structure" --msa "$BENCH/$msa" --write-truth "$tmp/t.tsv" \
        "$pred" 2>"$tmp/err"); then
        echo "MISMATCH fam $id: --pdb run failed: $(cat "$tmp/err")"
        bad=1
        continue
    fi
    for r in short medium long medium_long all; do
        va=$(range_vals "$a" $r) vb=$(range_vals "$b" $r)
        if [ "$va" != "$vb" ]; then
            echo "MISMATCH fam $id $r: --truth gives $va, --pdb gives $vb"
            ok=0
        fi
    done
    if [ "$(json_len "$a")" != "$(json_len "$b")" ]; then
        echo "MISMATCH fam $id: observed L --truth $(json_len "$a") vs --pdb $(json_len "$b")"
        ok=0
    fi
    # pair sets and distances
    msg=$(awk -F'\t' 'NR == FNR { d[$1 "\t" $2] = $3; n++; next }
        { k = $1 "\t" $2; if (!(k in d)) { extra++; if (extra <= 3) ex = ex " " $1 "-" $2; next }
          seen[k] = 1; x = $3 - d[k]; if (x < 0) x = -x; if (x > maxd) maxd = x; if (x > 0.01 + 1e-9) far++ }
        END { for (k in d) if (!(k in seen)) miss++
              printf "%.4f\t", maxd
              if (miss || extra || far) printf "missing %d pairs, %d extra pairs%s, %d distances off by > 0.01 (max %.3f)", miss, extra, ex, far, maxd }' \
        "$BENCH/$truth" "$tmp/t.tsv")
    dmax=$(awk -v a="${msg%%$'\t'*}" -v b="$dmax" 'BEGIN { print (a + 0 > b + 0) ? a : b }')
    msg=${msg#*$'\t'}
    if [ -n "$msg" ]; then
        echo "MISMATCH fam $id truth table: $msg"
        ok=0
    fi
    if [ $ok = 1 ]; then nfam_ok=$((nfam_ok + 1)); else bad=1; fi
done <"$BENCH/families.tsv"
echo "structures: $nfam_ok of $nfam families give the truth file's pairs, distances and precision" \
    "(largest distance difference $dmax A)"
exit $bad
