#!/bin/sh
# make_example.sh - regenerate the bundled demo family data/example.a3m + data/example.true.tsv
# with `axcon simulate` (deterministic: the same axcon version gives the same bytes).
# Usage: scripts/make_example.sh [AXCON_BINARY]   (default: $AXCON, else ./axcon, else axcon on PATH)
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-${AXCON:-}}
if [ -z "$bin" ]; then
    if [ -x ./axcon ]; then bin=./axcon; else bin=axcon; fi
fi
"$bin" simulate -q -L 80 -N 1500 --seed 1 --gap-rate 0.05 --insert-rate 0.02 -o "$here/data/example"
echo "wrote $here/data/example.a3m and $here/data/example.true.tsv" >&2
