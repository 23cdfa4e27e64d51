"""Helper of tests/test_stockholm_bio.sh: write Stockholm files, read them with axcon and with
Biopython, compare. A column is a match column when #=GC RF has a residue there (or, without
RF, the query does); axcon keeps the match columns where the query has a residue."""
import os
import random
import subprocess
import sys
import tempfile

from Bio import AlignIO

AA = "ACDEFGHIKLMNPQRSTVWY"


def make(rng, with_rf, nseq=7, ncol=130, block=50):
    rf = "".join(rng.choice("xxxx.") for _ in range(ncol))
    rows = []
    for s in range(nseq):
        row = []
        for c in range(ncol):
            if rf[c] == "x":
                row.append(rng.choice(AA) if rng.random() > 0.15 else rng.choice(".-"))
            else:  # insert column: mostly '.', sometimes a lowercase residue
                row.append(rng.choice(AA).lower() if rng.random() < 0.3 else ".")
        rows.append("".join(row))
    names = ["query"] + ["hom%d/%d-%d" % (s, 10 * s + 1, 10 * s + 90) for s in range(1, nseq)]
    out = ["# STOCKHOLM 1.0", "#=GF ID trna5like", "#=GF AU axcon test", ""]
    for s, n in enumerate(names):
        out.append("#=GS %s DE sequence %d" % (n, s))
    out.append("")
    for b in range(0, ncol, block):
        for n, r in zip(names, rows):
            out.append("%-16s %s" % (n, r[b:b + block]))
        if with_rf:
            out.append("%-16s %s" % ("#=GC RF", rf[b:b + block]))
        out.append("")
    out.append("//")
    return "\n".join(out) + "\n"


def expected(path):
    aln = AlignIO.read(path, "stockholm")
    rf = aln.column_annotations.get("reference_annotation")
    q = str(aln[0].seq)
    match = [(rf[c] not in ".-_~") if rf else q[c].isalpha() for c in range(len(q))]
    keep = [c for c in range(len(q)) if match[c] and q[c].isalpha()]
    rows = ["".join("-" if str(r.seq)[c] in ".-" else str(r.seq)[c].upper() for c in keep) for r in aln]
    return len(aln), len(keep), rows, bool(rf)


def axcon_rows(axcon, path):
    out = subprocess.run([axcon, "convert", "-q", "-f", "aln", path], check=True, capture_output=True, text=True)
    return out.stdout.split()


def main():
    axcon = sys.argv[1]
    rng = random.Random(5)
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for k, with_rf in enumerate([True, False, True, False]):
            path = os.path.join(tmp, "t%d.stk" % k)
            with open(path, "w") as fh:
                fh.write(make(rng, with_rf))
            n, L, rows, has_rf = expected(path)
            assert has_rf == with_rf, "Biopython did not see the RF line"
            got = axcon_rows(axcon, path)
            ok = len(got) == n and all(len(r) == L for r in got) and got == rows
            print("%s %s: Biopython N=%d L=%d, axcon N=%d L=%d" % ("ok" if ok else "FAIL", "with RF" if with_rf
                  else "without RF", n, L, len(got), len(got[0]) if got else 0))
            failures += not ok
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
