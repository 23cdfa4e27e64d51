#!/usr/bin/env python3
"""Benchmark harness: axcon against its peers on ../shared/bench (or any families.tsv).

For every family (or the ids given) it runs `axcon predict` with the given options and,
when installed, FreeContact (Debian package `freecontact`) and any `ccmpred` found on PATH,
each with the same thread count, under /usr/bin/time -v (wall time, peak RSS). Precision
comes from `axcon eval --truth` (EVALUATION.md protocol). It prints a per-family table,
the means over families, and the ratios axcon/peer for time, memory and precision measured
in the same run, plus the differences to the reference numbers in reference_precision.tsv.

Families that share one alignment (CASP domains; same file content) are predicted once; the
time is counted once per alignment in the totals. Times are wall clock and CPU (user + system),
both from /usr/bin/time -v.

  scripts/benchmark.py [-m attn|mf|plm] [-t THREADS] [--peers freecontact,ccmpred|none]
                       [--outdir DIR] [--max-L N] [--predict-opts "..."] [--baseline OLD_AXCON] [ID ...]

--baseline runs a second axcon binary (e.g. the previous commit, built beside this one) with
the same options right after this one on every alignment, as the peer "baseline": its time,
memory and precision ratios are then measured in the same run, family by family.

--also METHOD (repeatable) runs `axcon predict -m METHOD` as well on every alignment, as the tool
"axcon-METHOD", so that two axcon modes are compared with one run of the (slow) peers: each gets
its own per-family line, means and ratios to every peer.
"""
import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
KEYS = [("long", "L"), ("long", "L5"), ("medium_long", "L"), ("medium_long", "L5")]
KEYNAMES = ["lr_L", "lr_L5", "ml_L", "ml_L5"]
REFCOLS = {"lr_L": "L_long", "lr_L5": "L5_long", "ml_L": "L_med+long", "ml_L5": "L5_med+long"}


def timed(cmd, stdin=None, stdout=None, timeout=None, threads=None):
    """Run cmd under /usr/bin/time -v; return (returncode, wall seconds, peak RSS kB, stderr).
    threads also caps the BLAS/OpenMP pools of the program: Debian's FreeContact links the
    system LAPACK, which is multi-threaded OpenBLAS when libopenblas is installed, so without
    this a "1-thread" FreeContact run used every core for its matrix inversion."""
    full = ["/usr/bin/time", "-v"] + cmd
    env = None
    if threads:
        env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
    t0 = time.time()
    try:
        p = subprocess.run(full, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return (-1, time.time() - t0, 0, "timeout", 0.0)
    err = p.stderr.decode("utf-8", "replace")
    wall = time.time() - t0
    m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", err)
    if m:
        wall = int(m.group(1) or 0) * 3600 + int(m.group(2)) * 60 + float(m.group(3))
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", err)
    rss = int(m.group(1)) if m else 0
    cpu = sum(float(x) for x in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", err))
    return (p.returncode, wall, rss, err, cpu)


def evaluate(axcon, truth, pred, fmt):
    p = subprocess.run([axcon, "eval", "-q", "--truth", truth, "--pred-format", fmt, "--json", pred],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        return None
    d = json.loads(p.stdout)
    return {n: d[r][k] for n, (r, k) in zip(KEYNAMES, KEYS)}


def read_tsv(path):
    with open(path) as f:
        head = f.readline().rstrip("\n").split("\t")
        return [dict(zip(head, line.rstrip("\n").split("\t"))) for line in f if line.strip()]


def mean(xs):
    xs = [x for x in xs if x is not None]
    return sum(xs) / len(xs) if xs else float("nan")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("ids", nargs="*", help="family ids (default: all in families.tsv)")
    ap.add_argument("--bench", default=os.path.join(TOP, "..", "shared", "bench"))
    ap.add_argument("--axcon", default=os.path.join(TOP, "axcon"))
    ap.add_argument("-m", "--method", default=None, help="axcon method (default: axcon's default)")
    ap.add_argument("-t", "--threads", type=int, default=1)
    ap.add_argument("--peers", default="freecontact,ccmpred")
    ap.add_argument("--outdir", default=None)
    ap.add_argument("--max-L", type=int, default=0, help="skip alignments longer than this")
    ap.add_argument("--timeout", type=float, default=1800.0, help="seconds per peer run")
    ap.add_argument("--predict-opts", default="", help="extra options for axcon predict")
    ap.add_argument("--label", default="axcon")
    ap.add_argument("--baseline", default=None, help="another axcon binary run as peer 'baseline'")
    ap.add_argument("--also", action="append", default=[], metavar="METHOD",
                    help="also run axcon -m METHOD on every alignment, as tool 'axcon-METHOD' (repeatable)")
    ap.add_argument("--resume", action="store_true",
                    help="keep the families already in OUTDIR/results.json (same tools, threads, method) and run "
                         "only the others; results.json is rewritten after every family, so a long run that is "
                         "stopped loses at most the family it was on")
    a = ap.parse_args()

    bench = os.path.abspath(a.bench)
    if not os.path.exists(os.path.join(bench, "families.tsv")):
        sys.exit("benchmark: %s/families.tsv not found (pass --bench DIR)" % bench)
    outdir = a.outdir or os.path.join(TOP, "bench-out")
    os.makedirs(outdir, exist_ok=True)
    fams = read_tsv(os.path.join(bench, "families.tsv"))
    if a.ids:
        fams = [f for f in fams if f["id"] in a.ids]
    if a.max_L:
        fams = [f for f in fams if int(f["L"]) <= a.max_L]
    ref = {}
    rp = os.path.join(bench, "reference_precision.tsv")
    if os.path.exists(rp):
        for r in read_tsv(rp):
            ref[(r["tool"], r["id"])] = r
    peers = [p for p in a.peers.split(",") if p and p != "none"]
    have = {p: shutil.which(p) for p in peers}
    env = dict(os.environ, OMP_NUM_THREADS=str(a.threads))

    if a.baseline:
        peers = ["baseline"] + peers
        have["baseline"] = os.path.abspath(a.baseline)
    labels = [a.label] + ["%s-%s" % (a.label, m) for m in a.also]   # axcon's own configurations
    tools = labels + [p for p in peers if have.get(p)]
    others = tools[len(labels):]
    print("# benchmark: %d families, %d thread(s), tools: %s; method %s; %s" %
          (len(fams), a.threads, ", ".join(tools), a.method or "default", time.strftime("%Y-%m-%d %H:%M")))
    for p in peers:
        if not have.get(p):
            print("# peer %s not found on PATH: skipped (reference numbers still compared)" % p)

    done_msa = {}   # msa content (md5) -> {tool: (wall, rss, predfile, fmt, err, cpu)}
    rows = []
    resfile = os.path.join(outdir, "results.json")
    kept = {}       # id -> row from an earlier run of the same configuration (--resume)
    if a.resume and os.path.exists(resfile):
        with open(resfile) as fi:
            old = json.load(fi)
        same = (old.get("threads") == a.threads and old.get("method") == a.method and
                old.get("predict_opts", "") == a.predict_opts and old.get("tools") == tools)
        if not same:
            sys.exit("benchmark: %s was written with other tools, threads, method or options; "
                     "use another --outdir or drop --resume" % resfile)
        kept = {r["id"]: r for r in old["rows"]}
        print("# resume: %d families kept from %s" % (len(kept), resfile))

    def save(summary):
        with open(resfile + ".tmp", "w") as fo:
            json.dump({"rows": rows, "threads": a.threads, "method": a.method, "predict_opts": a.predict_opts,
                       "tools": tools, "summary": summary, "complete": summary is not None}, fo, indent=1)
        os.replace(resfile + ".tmp", resfile)

    for f in fams:
        fid, msa = f["id"], os.path.join(bench, f["msa"])
        truth = os.path.join(bench, f["truth"])
        key = hashlib.md5(open(msa, "rb").read()).hexdigest()  # CASP domains share alignments
        if fid in kept:
            row = kept[fid]
            if key not in done_msa:    # the first domain of its alignment: the times counted in the totals
                row["first"] = True
                done_msa[key] = {t: (row[t]["wall"], row[t]["rss"], row[t].get("pred"), row[t].get("fmt", "mat"),
                                     "", row[t]["cpu"]) for t in tools if t in row}
            else:
                row["first"] = False
            row["msa_md5"] = key
            rows.append(row)
            continue
        runs = done_msa.get(key)
        first = runs is None
        if first:
            runs = {}
            stem = os.path.join(outdir, os.path.basename(msa))
            def run_axcon(binary, method, tool):   # one axcon configuration, its prediction in stem.TOOL.mat
                out = stem + ".%s.mat" % tool
                cmd = [binary, "predict", "-q", "-t", str(a.threads), "-f", "mat", "-o", out]
                cmd += (["-m", method] if method else []) + a.predict_opts.split() + [msa]
                rc, wall, rss, err, cpu = timed(cmd, threads=a.threads)
                runs[tool] = (wall, rss, out if rc == 0 else None, "mat", err if rc else "", cpu)
            run_axcon(a.axcon, a.method, a.label)
            for m, lab in zip(a.also, labels[1:]):
                run_axcon(a.axcon, m, lab)
            if have.get("baseline"):
                run_axcon(have["baseline"], a.method, "baseline")
            if have.get("freecontact") or have.get("ccmpred"):
                aln = stem + ".flat.aln"
                subprocess.run([a.axcon, "convert", "-q", "-f", "aln", "-o", aln, msa], check=True)
            if have.get("freecontact"):
                out = stem + ".freecontact.txt"
                with open(aln) as fi, open(out, "w") as fo:
                    rc, wall, rss, err, cpu = timed([have["freecontact"], "-a", str(a.threads)], stdin=fi, stdout=fo,
                                                    timeout=a.timeout, threads=a.threads)
                runs["freecontact"] = (wall, rss, out if rc == 0 else None, "freecontact", "" if rc == 0 else err[-200:], cpu)
            if have.get("ccmpred"):
                out = stem + ".ccmpred.mat"
                with open(stem + ".ccmpred.log", "w") as fo:   # its per-iteration table goes to stdout
                    rc, wall, rss, err, cpu = timed([have["ccmpred"], "-t", str(a.threads), aln, out], stdout=fo,
                                                    timeout=a.timeout, threads=a.threads)
                runs["ccmpred"] = (wall, rss, out if rc == 0 else None, "mat", "" if rc == 0 else err[-200:], cpu)
            done_msa[key] = runs
        row = {"id": fid, "L": int(f["L"]), "N": int(f["N"]), "first": first, "msa_md5": key}
        for tool, (wall, rss, pred, fmt, err, cpu) in runs.items():
            prec = evaluate(a.axcon, truth, pred, fmt) if pred else None
            row[tool] = {"wall": wall, "rss": rss, "cpu": cpu, "prec": prec, "pred": pred, "fmt": fmt,
                         "err": err.strip().splitlines()[-1:] if err else []}
        rows.append(row)
        for lab in labels:
            r = row[lab]
            pr = r["prec"] or {}
            vs = ""
            for t in others:
                q = row.get(t)
                if q and q["wall"] and q["rss"]:
                    vs += "  /%s: time %.3f RSS %.3f%s" % (t, r["wall"] / q["wall"], r["rss"] / q["rss"],
                                                           "" if q["prec"] else " (peer failed: %s)" % " ".join(q["err"]))
            print("%-16s L=%4d N=%6d  %s %7.2fs %7.1fMB  lrL=%s lrL5=%s%s%s" % (
                fid, row["L"], row["N"], lab, r["wall"], r["rss"] / 1024.0,
                "%.3f" % pr["lr_L"] if pr else "  -  ", "%.3f" % pr["lr_L5"] if pr else "  -  ",
                "" if pr else "  FAILED " + " ".join(r["err"]), vs), flush=True)
        save(None)

    # ---- table ----
    print()
    hdr = "%-16s %5s %6s" % ("family", "L", "N")
    for t in tools:
        hdr += " | %-8s %7s %8s %6s %6s" % (t[:8], "sec", "MB", "lrL", "lrL5")
    hdr += " | %6s %6s" % ("ccmREF", "ccmREF")
    print(hdr)
    for row in rows:
        line = "%-16s %5d %6d" % (row["id"], row["L"], row["N"])
        for t in tools:
            r = row.get(t)
            if not r:
                line += " | %-8s %7s %8s %6s %6s" % ("", "-", "-", "-", "-")
                continue
            p = r["prec"]
            line += " | %-8s %7.2f %8.1f %6s %6s" % ("", r["wall"], r["rss"] / 1024.0,
                                                   "%.3f" % p["lr_L"] if p else "-", "%.3f" % p["lr_L5"] if p else "-")
        rr = ref.get(("ccmpred", row["id"]))
        line += " | %6s %6s" % ((rr["L_long"], rr["L5_long"]) if rr else ("-", "-"))
        print(line)

    # ---- summary ----
    print("\n# means over families (precision: long-range and medium+long, top-L and top-L/5)")
    summary = {}
    for t in tools:
        rs = [row[t] for row in rows if t in row]
        ok = [r for r in rs if r["prec"]]
        firsts = [row[t] for row in rows if t in row and row["first"]]
        summary[t] = {
            "families": len(rs), "ok": len(ok),
            "total_sec": sum(r["wall"] for r in firsts),
            "total_cpu": sum(r.get("cpu", 0.0) for r in firsts),
            "max_rss_mb": max([r["rss"] for r in rs] or [0]) / 1024.0,
        }
        for k in KEYNAMES:
            summary[t][k] = mean([r["prec"][k] for r in ok])
        print("%-12s ok %2d/%2d  total %8.1fs (CPU %8.1fs)  max RSS %8.1f MB  " % (
            t, len(ok), len(rs), summary[t]["total_sec"], summary[t]["total_cpu"], summary[t]["max_rss_mb"]) +
              "  ".join("%s %.3f" % (k, summary[t][k]) for k in KEYNAMES))
    for lab in labels:
        # same families only, for fair ratios
        for t in others:
            both = [row for row in rows if row.get(t) and row[t]["prec"] and row[lab]["prec"]]
            if not both:
                continue
            ta = sum(row[lab]["wall"] for row in both if row["first"])
            tp = sum(row[t]["wall"] for row in both if row["first"])
            ra = max(row[lab]["rss"] for row in both)
            rp_ = max(row[t]["rss"] for row in both)
            ca = sum(row[lab]["cpu"] for row in both if row["first"])
            cp = sum(row[t]["cpu"] for row in both if row["first"])
            print("ratio %s/%s on %d shared families: time %.3f  CPU time %.3f  peak RSS %.3f  " % (
                lab, t, len(both), ta / tp if tp else float("nan"), ca / cp if cp else float("nan"),
                ra / rp_ if rp_ else float("nan")) +
                  "  ".join("d%s %+.3f" % (k, mean([row[lab]["prec"][k] for row in both]) - mean([row[t]["prec"][k] for row in both])) for k in KEYNAMES))
        # peer runs that hit --timeout: their time is at least the timeout, so counting them at it bounds the
        # time ratio from above (axcon is at most this fraction of the peer's time, on every alignment it ran)
        for t in others:
            firsts = [row for row in rows if row.get(t) and row["first"] and row[lab]["prec"]]
            cut = [row for row in firsts if not row[t]["prec"] and row[t]["err"] == ["timeout"]]
            if not cut:
                continue
            ta = sum(row[lab]["wall"] for row in firsts)
            tp = sum(row[t]["wall"] for row in firsts)
            print("ratio %s/%s over all %d alignments, %d %s runs stopped at --timeout %.0fs counted at their "
                  "time (an upper bound on the ratio): time %.3f" % (lab, t, len(firsts), len(cut), t, a.timeout,
                                                                  ta / tp if tp else float("nan")))
        for tool in ("ccmpred", "freecontact_evfold"):
            both = [row for row in rows if (tool, row["id"]) in ref and row[lab]["prec"]]
            if not both:
                continue
            d = {k: mean([row[lab]["prec"][k] for row in both]) - mean([float(ref[(tool, row["id"])][REFCOLS[k]]) for row in both]) for k in KEYNAMES}
            refmean = {k: mean([float(ref[(tool, row["id"])][REFCOLS[k]]) for row in both]) for k in KEYNAMES}
            tref = sum(float(ref[(tool, row["id"])]["seconds_1thread"]) for row in both if row["first"])
            ta = sum(row[lab]["wall"] for row in both if row["first"])
            print("vs reference %-18s on %d families: ref means %s; %s minus ref %s; time ratio vs ref seconds_1thread %.3f" % (
                tool, len(both), " ".join("%s %.3f" % (k, refmean[k]) for k in KEYNAMES), lab,
                " ".join("%s %+.3f" % (k, d[k]) for k in KEYNAMES), ta / tref if tref else float("nan")))
    save(summary)
    print("# per-family results: %s" % resfile)


if __name__ == "__main__":
    main()
