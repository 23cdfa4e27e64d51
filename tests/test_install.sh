#!/bin/sh
# The installed library as a third-party C program uses it: `make install` into a scratch
# DESTDIR, then compile, link and run tests/install/use_axcon.c with nothing but the flags
# of the installed axcon.pc (its prefix= line pointed at the scratch tree,
# which is all a relocation changes):
#   1. shared: `pkg-config --cflags --libs axcon`; the program needs libaxcon.so.1 (soname);
#   2. static: the same tree without the .so files, `pkg-config --cflags --libs --static
#      axcon`, so -laxcon is libaxcon.a and the private list must resolve all it needs.
# Both programs must print what `axcon predict -m mf --no-head` prints for the same alignment.
# The shared library's exports must be the axcon_ API only. Skips in sanitizer builds (the
# scratch program is not instrumented) and where pkg-config is missing.
set -u
src=${AXCON_SRCDIR:?}
bld=${AXCON_BUILDDIR:?}
ax=${AXCON_BIN:?}
CC=${CC:-cc}
if grep -q '^SAN_CFLAGS = -fsanitize' "$bld/Makefile"; then
    echo "SKIP: sanitizer build (the installed-library test runs in the plain build)"; exit 77
fi
command -v pkg-config >/dev/null 2>&1 || { echo "SKIP: no pkg-config"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/axcon-install.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

make -s -C "$bld" install DESTDIR="$tmp/root" >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; fail "make install"; }
pcfile=$(find "$tmp/root" -name axcon.pc | head -1)
[ -n "$pcfile" ] || fail "make install did not install axcon.pc"
libdir=$(dirname "$(dirname "$pcfile")")
incdir=$(find "$tmp/root" -type d -path '*/include/axcon' | head -1)
[ -f "$incdir/axcon.h" ] || fail "make install did not install include/axcon/axcon.h"
so=$(ls "$libdir"/libaxcon.so.*.*.* 2>/dev/null | head -1)
[ -n "$so" ] || fail "no libaxcon.so.X.Y.Z in $libdir"
soname=$(objdump -p "$so" | awk '$1 == "SONAME" {print $2}')
[ "$soname" = libaxcon.so.1 ] || fail "soname is '$soname', want libaxcon.so.1"
[ -f "$libdir/libaxcon.a" ] || fail "no libaxcon.a in $libdir"
other=$(nm -D --defined-only "$so" | awk '{print $3}' | grep -v '^axcon_' | grep -v '^_' | head -5)
[ -z "$other" ] || fail "libaxcon.so exports symbols outside the axcon_ API: $other"
nexp=$(nm -D --defined-only "$so" | awk '{print $3}' | grep -c '^axcon_')
echo "installed: $so (soname $soname, $nexp axcon_ symbols exported)"

prefix=$(pkg-config --variable=prefix "$pcfile") || fail "pkg-config cannot read $pcfile"
# the Python module, when configure found where it goes, and the library path it was given
pymod=$(find "$tmp/root" -path '*/axcon/__init__.py' | head -1)
if grep -q '^AXCON_PYDIR = .' "$bld/Makefile"; then
    [ -n "$pymod" ] || fail "make install did not install the Python module"
    grep -q "^LIBAXCON = \"$prefix/lib/libaxcon.so.1\"" "$(dirname "$pymod")/_libpath.py" ||
        fail "the installed _libpath.py does not name $prefix/lib/libaxcon.so.1"
    echo "python module: ${pymod#"$tmp/root"}"
fi

export PKG_CONFIG_PATH="$libdir/pkgconfig"
# relocate PC-FILE ROOT: the installed axcon.pc, its prefix moved under ROOT
relocate() { sed "s|^prefix=.*|prefix=$2$prefix|" "$1" >"$1.tmp" && mv "$1.tmp" "$1"; }
relocate "$pcfile" "$tmp/root" || fail "relocate $pcfile"
msa="$src/data/example.a3m"
"$ax" predict -q -m mf --no-head -f tsv --top 10 "$msa" | grep -v '^#' | head -10 >"$tmp/cli.tsv" || fail "axcon predict"
[ -s "$tmp/cli.tsv" ] || fail "axcon predict wrote no pairs"

# 1. shared
cflags=$(pkg-config --cflags axcon) && libs=$(pkg-config --libs axcon) || fail "pkg-config axcon"
echo "shared: $CC $cflags use_axcon.c $libs"
$CC $cflags -o "$tmp/use_shared" "$src/tests/install/use_axcon.c" $libs || fail "link against libaxcon.so"
objdump -p "$tmp/use_shared" | grep -q 'NEEDED.*libaxcon\.so\.1' || fail "the shared program does not need libaxcon.so.1"
LD_LIBRARY_PATH="$libdir" "$tmp/use_shared" "$msa" 10 >"$tmp/shared.out" || fail "the shared program failed"

# 2. static: libaxcon.a only
mkdir -p "$tmp/static" && cp -a "$tmp/root/." "$tmp/static/" || fail "copy the install tree"
slib="$tmp/static${libdir#"$tmp/root"}"
rm -f "$slib"/libaxcon.so*
export PKG_CONFIG_PATH="$slib/pkgconfig"
relocate "$slib/pkgconfig/axcon.pc" "$tmp/static" || fail "relocate the static copy's axcon.pc"
rm -rf "$tmp/root"
cflags=$(pkg-config --cflags axcon) && libs=$(pkg-config --libs --static axcon) || fail "pkg-config --static axcon"
echo "static: $CC $cflags use_axcon.c $libs"
$CC $cflags -o "$tmp/use_static" "$src/tests/install/use_axcon.c" $libs || fail "link against libaxcon.a"
objdump -p "$tmp/use_static" | grep -q 'NEEDED.*libaxcon' && fail "the static program needs libaxcon.so"
"$tmp/use_static" "$msa" 10 >"$tmp/static.out" || fail "the static program failed"

for v in shared static; do
    head -1 "$tmp/$v.out" | grep -q '^N=[0-9]* L=[0-9]*$' || fail "$v: first line '$(head -1 "$tmp/$v.out")'"
    tail -n +2 "$tmp/$v.out" | awk -F'\t' '{printf "%s\t%s\t%.4g\n", $1, $2, $3}' >"$tmp/$v.pairs"
    awk -F'\t' '{printf "%s\t%s\t%.4g\n", $1, $2, $3}' "$tmp/cli.tsv" >"$tmp/cli.pairs"
    cmp -s "$tmp/$v.pairs" "$tmp/cli.pairs" || { diff "$tmp/$v.pairs" "$tmp/cli.pairs"; fail "$v program's top pairs differ from axcon predict's"; }
done
echo "PASS: the shared and the static program print the CLI's top 10 pairs ($(head -1 "$tmp/shared.out"))"
