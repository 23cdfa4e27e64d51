#!/bin/sh
# Thin wrapper: the benchmark harness is scripts/benchmark.py (see its --help).
exec python3 "$(dirname "$0")/benchmark.py" "$@"
