#!/usr/bin/env python3
"""check_info.py - check `axcon info --json` against an independent computation.

For every alignment in BENCH/msa (aligned FASTA, A3M, PSICOV .aln, Stockholm), this
script parses the file itself (its own small reader, sharing no code with axcon),
computes N (sequences), L (query match columns) and Neff (sum of sequence weights,
weight = 1 / number of sequences with identity >= 0.8, gap == gap counting as identity,
identity compared as an exact fraction), and compares them with `axcon info --json` run
on the plain file and on gzip and BGZF copies. Prints a table; exits 1 if N or L differ
anywhere or Neff differs by more than 0.5% (--tol), 2 if it cannot run.

Reading rules (those of docs/FORMATS.md and include/axcon/msa.h): the first record is the
query; lowercase letters and '.' are insertions and are removed; columns where the query
has a gap are dropped; X, B, Z, J, '*' and other unknown letters become gaps; U -> C,
O -> K. A3M annotation records (ss_pred, ss_conf, ss_dssp*, sa_*, *_consensus) and '#'
lines of FASTA-like files are skipped.

Needs numpy (Debian: python3-numpy); when the first python3 on PATH has none, the script
re-runs itself under /usr/bin/python3. BGZF copies need `bgzip` (Debian: tabix); without
it they are skipped. Cost: about 1.5 CPU-minutes for the 52 shared alignments (the
exact O(N^2 L) identity counts are dense float32 matrix products).

Usage: scripts/check_info.py [--axcon PATH] [--bench DIR] [--id 0.8] [--tol 0.005]
                             [--no-compressed] [--only SUBSTRING ...]
"""
import argparse
import gzip
import hashlib
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from fractions import Fraction

try:
    import numpy as np
except ImportError:  # pyenv or venv python without numpy: try the system one
    if os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3") and os.path.exists("/usr/bin/python3") \
            and not os.environ.get("CHECK_INFO_REEXEC"):
        os.environ["CHECK_INFO_REEXEC"] = "1"
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    sys.stderr.write("check_info.py: numpy is required (Debian: apt-get install python3-numpy)\n")
    sys.exit(2)

ALPHABET = "ARNDCQEGHILKMFPSTWYV"
GAP = 20
ANNOTATION_PREFIXES = ("ss_pred", "ss_conf", "ss_dssp", "sa_")


def code_table():
    """byte -> state code for uppercase letters and '-' (lowercase and '.' are removed earlier)."""
    lut = np.full(256, 255, dtype=np.uint8)  # 255 = not allowed
    for c in range(ord("A"), ord("Z") + 1):
        lut[c] = GAP  # unknown letters (X, B, Z, J, ...) -> gap
    for i, c in enumerate(ALPHABET):
        lut[ord(c)] = i
    lut[ord("U")] = ALPHABET.index("C")
    lut[ord("O")] = ALPHABET.index("K")
    lut[ord("-")] = GAP
    lut[ord("*")] = GAP
    return lut


LUT = code_table()


def open_text(path):
    with open(path, "rb") as f:
        head = f.read(2)
    if head == b"\x1f\x8b":
        return gzip.open(path, "rt")
    return open(path, "rt")


def is_annotation(name):
    name = name.split()[0] if name.split() else ""
    return name.startswith(ANNOTATION_PREFIXES) or name.endswith("_consensus")


def read_records(path):
    """Returns (format, [aligned strings]) with the format guessed from the content."""
    with open_text(path) as f:
        lines = f.read().splitlines()
    first = next((l for l in lines if l.strip()), "")
    if first.startswith("# STOCKHOLM"):
        seqs, order = {}, []
        for l in lines:
            s = l.strip()
            if s == "//":
                break
            if not s or s.startswith("#"):
                continue
            name, _, seq = s.partition(" ")
            if name not in seqs:
                seqs[name] = []
                order.append(name)
            seqs[name].append(seq.strip())
        return "stockholm", ["".join(seqs[n]) for n in order]
    if first.startswith(">") or first.startswith("#"):
        recs, cur, skip = [], None, False
        for l in lines:
            if l.startswith("#"):
                continue
            if l.startswith(">"):
                if cur is not None and not skip:
                    recs.append("".join(cur))
                skip = is_annotation(l[1:])
                cur = []
            elif cur is not None:
                cur.append(l.strip())
        if cur is not None and not skip:
            recs.append("".join(cur))
        has_lower = any(any(c.islower() or c == "." for c in r) for r in recs[:200])
        return ("a3m" if has_lower else "fasta"), recs
    return "psicov", [l.strip() for l in lines if l.strip()]


def to_codes(recs, path):
    """Remove insertions, map letters, drop the query's gap columns -> N x L uint8."""
    rows = []
    for r in recs:
        kept = "".join(c for c in r if not (c.islower() or c == "."))
        rows.append(kept.upper())
    lens = {len(r) for r in rows}
    if len(lens) != 1:
        raise ValueError("%s: rows differ in match-column count after removing insertions: %s"
                         % (path, sorted(lens)[:5]))
    width = lens.pop()
    buf = np.frombuffer("".join(rows).encode("ascii"), dtype=np.uint8).reshape(len(rows), width)
    codes = LUT[buf]
    if (codes == 255).any():
        bad = int(buf[codes == 255][0])
        raise ValueError("%s: unexpected character %r" % (path, chr(bad)))
    keep = codes[0] != GAP
    return np.ascontiguousarray(codes[:, keep])


def neff_of(codes, threshold):
    """Exact Neff: identity counts from one-hot float32 products (integers <= L, exact)."""
    n, L = codes.shape
    if n == 0:
        return 0.0
    # smallest integer count c with c / L >= threshold, as an exact fraction
    t = math.ceil(threshold * L)
    uniq, counts = np.unique(codes, axis=0, return_counts=True)
    nu = uniq.shape[0]
    onehot = np.zeros((nu, L * 21), dtype=np.float32)
    onehot[np.arange(nu)[:, None], np.arange(L)[None, :] * 21 + uniq] = 1.0
    cnt32 = counts.astype(np.float32)  # neighbour counts <= N < 2^24: exact in float32
    neigh = np.empty(nu, dtype=np.float64)
    block = max(1, min(nu, (64 << 20) // (4 * nu)))  # ~64 MB per block of products
    for s in range(0, nu, block):
        same = onehot[s:s + block] @ onehot.T
        np.greater_equal(same, t - 0.5, out=same, casting="unsafe")  # 1.0 / 0.0 in place
        neigh[s:s + block] = same @ cnt32
    return float(np.sum(counts.astype(np.float64) / neigh))


def run_axcon(axcon, path):
    p = subprocess.run([axcon, "info", "--json", path], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True)
    if p.returncode != 0:
        return None, "exit %d: %s" % (p.returncode, p.stderr.strip().splitlines()[-1] if p.stderr.strip() else "")
    try:
        return json.loads(p.stdout), None
    except ValueError as e:
        return None, "bad JSON: %s" % e


def find_axcon(arg):
    if arg:
        return arg
    for cand in (os.environ.get("AXCON_BIN"), "./axcon", shutil.which("axcon")):
        if cand and os.access(cand, os.X_OK):
            return cand
    return "axcon"


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--axcon", help="axcon binary [$AXCON_BIN, ./axcon, axcon on PATH]")
    ap.add_argument("--bench", default=os.environ.get("AXCON_BENCH") or os.path.join(here, "..", "..", "shared",
                                                                                        "bench"),
                    help="benchmark folder holding msa/ [../shared/bench]")
    ap.add_argument("--id", default="0.8", help="identity threshold [0.8]")
    ap.add_argument("--tol", type=float, default=0.005, help="largest relative Neff difference [0.005]")
    ap.add_argument("--no-compressed", action="store_true", help="skip the gzip and BGZF copies")
    ap.add_argument("--only", nargs="*", help="check only files whose name contains one of these")
    args = ap.parse_args()

    axcon = find_axcon(args.axcon)
    msadir = os.path.join(args.bench, "msa")
    if not os.path.isdir(msadir):
        sys.stderr.write("check_info.py: %s not found (use --bench)\n" % msadir)
        return 2
    threshold = Fraction(args.id)
    bgzip = shutil.which("bgzip")
    if not bgzip and not args.no_compressed:
        sys.stderr.write("check_info.py: bgzip not found (Debian: tabix); BGZF copies skipped\n")

    files = sorted(f for f in os.listdir(msadir) if not f.startswith("."))
    if args.only:
        files = [f for f in files if any(s in f for s in args.only)]
    tmp = tempfile.mkdtemp(prefix="check_info.")
    cache = {}
    failures = 0
    hdr = "%-28s %-9s %7s %7s %5s %5s %11s %11s %8s %5s %5s  %s" % (
        "file", "format", "N_ref", "N_ax", "L_ref", "L_ax", "Neff_ref", "Neff_ax", "rel", "gz", "bgzf", "status")
    print(hdr)
    print("-" * len(hdr))
    t_start = time.time()
    try:
        for fname in files:
            path = os.path.join(msadir, fname)
            problems = []
            with open(path, "rb") as f:
                digest = hashlib.sha1(f.read()).hexdigest()
            try:
                if digest not in cache:
                    fmt, recs = read_records(path)
                    codes = to_codes(recs, path)
                    cache[digest] = (fmt, codes.shape[0], codes.shape[1], neff_of(codes, threshold))
                fmt, n_ref, l_ref, neff_ref = cache[digest]
            except ValueError as e:
                print("%-28s reference reader failed: %s" % (fname, e))
                failures += 1
                continue
            info, err = run_axcon(axcon, path)
            if info is None:
                print("%-28s %-9s %7d %7s %5d %5s %11.3f %11s %8s %5s %5s  FAIL axcon: %s" % (
                    fname, fmt, n_ref, "-", l_ref, "-", neff_ref, "-", "-", "-", "-", err))
                failures += 1
                continue
            n_ax, l_ax, neff_ax = info.get("sequences"), info.get("columns"), info.get("neff")
            rel = abs(neff_ax - neff_ref) / neff_ref if neff_ref > 0 else abs(neff_ax)
            if n_ax != n_ref:
                problems.append("N")
            if l_ax != l_ref:
                problems.append("L")
            if not rel <= args.tol:
                problems.append("Neff")
            gz_state = bg_state = "-"
            if not args.no_compressed:
                for kind in ("gz", "bgzf"):
                    if kind == "bgzf" and not bgzip:
                        continue
                    cpath = os.path.join(tmp, fname + "." + kind + ".gz")
                    if kind == "gz":
                        with open(path, "rb") as src, gzip.open(cpath, "wb", compresslevel=6) as dst:
                            shutil.copyfileobj(src, dst)
                    else:
                        with open(path, "rb") as src, open(cpath, "wb") as dst:
                            subprocess.run([bgzip, "-c"], stdin=src, stdout=dst, check=True)
                    cinfo, cerr = run_axcon(axcon, cpath)
                    same = cinfo is not None and all(cinfo.get(k) == info.get(k)
                                                     for k in ("sequences", "columns", "neff", "gap_fraction"))
                    if kind == "gz":
                        gz_state = "ok" if same else "FAIL"
                    else:
                        bg_state = "ok" if same else "FAIL"
                    if not same:
                        problems.append(kind + (" (" + cerr + ")" if cerr else ""))
                    os.unlink(cpath)
            status = "ok" if not problems else "FAIL " + ",".join(problems)
            failures += bool(problems)
            print("%-28s %-9s %7d %7d %5d %5d %11.3f %11.4f %8.1e %5s %5s  %s" % (
                fname, info.get("format", "?"), n_ref, n_ax, l_ref, l_ax, neff_ref, neff_ax, rel, gz_state, bg_state,
                status))
            sys.stdout.flush()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("-" * len(hdr))
    print("%d file(s), %d failure(s), %.1f s; axcon = %s" % (len(files), failures, time.time() - t_start, axcon))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
