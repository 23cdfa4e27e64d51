#!/bin/sh
# The include graph of src/ keeps the pipeline's layering (scripts/check_layers.py): no stage
# includes a stage above it, no cycle, no stage uses another's private headers. The checker's
# own self-test runs first, so a checker that stopped detecting violations fails here too.
# Skips (77) without python3.
src=${AXCON_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 not installed"; exit 77; }
python3 "$src/scripts/check_layers.py" --self-test || exit 1
python3 "$src/scripts/check_layers.py" --top "$src"
