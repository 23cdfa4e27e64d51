#!/bin/sh
# Stockholm files laid out as Easel's testsuite/trna-5.stk (several blocks, '.' as the gap
# in aligned rows, lowercase residues in insert columns, with and without #=GC RF) read by
# axcon and, independently, by Biopython's Stockholm parser: the same N, L, query and rows.
# Skips (77) when Debian's python3-biopython is not installed.
src=${AXCON_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
bin=${AXCON_BIN:-$src/axcon}
py=/usr/bin/python3
[ -x "$py" ] || py=python3
"$py" -c "import Bio.AlignIO" 2>/dev/null || { echo "SKIP: python3-biopython not installed"; exit 77; }
exec "$py" "$src/tests/stockholm_bio.py" "$bin"
