#!/bin/sh
# The Python module (python/axcon) over the libaxcon.so of this build, by pytest
# (python/tests/test_axcon.py): what it returns is compared with the CLI's own output, and
# bad inputs must raise axcon's exceptions, never crash the interpreter. Skips (77) when
# python3 lacks numpy or pytest (Debian: python3-numpy python3-pytest), or in a sanitizer
# build (an instrumented libaxcon.so cannot be loaded into an uninstrumented python3).
set -u
src=${AXCON_SRCDIR:?}
bld=${AXCON_BUILDDIR:?}
py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3) || { echo "SKIP: no python3"; exit 77; }
if grep -q '^SAN_CFLAGS = -fsanitize' "$bld/Makefile"; then
    echo "SKIP: sanitizer build (libaxcon.so is instrumented)"; exit 77
fi
"$py" -c 'import numpy, pytest' 2>/dev/null || { echo "SKIP: $py lacks numpy or pytest (Debian: python3-numpy python3-pytest)"; exit 77; }
lib="$bld/.libs/libaxcon.so.1"
[ -f "$lib" ] || { echo "FAIL: no $lib (was libaxcon.so built?)"; exit 1; }
export AXCON_LIBRARY="$lib" PYTHONPATH="$src/python${PYTHONPATH:+:$PYTHONPATH}" PYTHONDONTWRITEBYTECODE=1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/axcon-py.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 99
"$py" -m pytest -q -p no:cacheprovider "$src/python/tests/test_axcon.py" || exit 1

# the README's Python example, as written, from a directory laid out as the source tree
ln -s "$src/data" data && ln -s "$src/python" python && cp "$src/README.md" README.md || exit 99
awk '/^```sh$/ {blk = ""; inb = 1; next} inb && /^```$/ {if (blk ~ /^PYTHONPATH=python python3/) {printf "%s", blk; exit} inb = 0; next} inb {blk = blk $0 "\n"}' \
    "$src/README.md" >example.sh
[ -s example.sh ] || { echo "FAIL: no 'PYTHONPATH=python python3' example in README.md"; exit 1; }
# in a build in the source tree the module must find ../../.libs by itself, as the README says
[ "$(cd "$src" && pwd -P)" = "$(cd "$bld" && pwd -P)" ] && unset AXCON_LIBRARY
PATH="$(dirname "$py"):$PATH" sh example.sh >example.out 2>&1 || { cat example.out; echo "FAIL: the README's Python example"; exit 1; }
cat example.out
grep -q '^1500 80 1100 KWTICTVTYFGPLWVLDDEE$' example.out && grep -q "^{'L': " example.out &&
    grep -q '^error: README.md:' example.out && grep -q '^AUTHOR 1234-5678$' example.rr ||
    { echo "FAIL: the README's Python example printed something else"; exit 1; }
echo "PASS: the README's Python example"
