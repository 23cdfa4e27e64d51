#!/usr/bin/env python3
"""fit_calibration.py - fit the constants of axcon's contact probability (src/score/contacts.c).

What is fitted
  P(contact) = 1 / (1 + exp(-(b0 + min(0, b1 + b3 d) x + b2 d)))
    x = log((r + 1) / ncol), r = 0-based rank of the pair among every scored pair of the map
        with separation s = |i-j| >= 6 (score descending, ties by smaller i then j)
    d = log(Neff / sqrt(ncol)) clipped to [-0.5, 6]  (Neff: identity 0.8; ncol: kept columns)
  contact = C-beta (C-alpha for Gly) distance < 8 A, from ../shared/bench/truth/ID.true.tsv.
  This is exactly what contacts.c computes (calib_eval); keep the two in step. (The fit is
  of b0 + b1 x + b2 d + b3 x d; the clamp at 0 only guards extrapolation.)
  Compared on the same data (5-fold CV, -m mf): features from the z-score of the score within
  the map (+ separation classes) gave log loss 0.105 and overconfident top bins (predicted
  0.96, observed 0.59); the rank gave 0.093 and separation classes added nothing.

Data
  The families of ../shared/bench/families.tsv (all rows; families sharing one alignment, e.g.
  CASP domains, share one prediction). Every pair with s >= 6 whose two residues are observed
  in the truth file is a sample. Predictions come from
    --source axcon   : `axcon predict -m METHOD -f tsv` (all pairs, default options), cached
    --source ccmpred : the peers' CCMpred matrices (bench/peers/ID.ccmpred.mat.gz): a stand-in
                       for `-m plm` until axcon's own plm is built (same model family: Potts
                       pseudo-likelihood + APC; the rank removes the scale)
  and Neff / ncol from `axcon info --json` (cached).

Procedure
  Pairs ranked in the top 5L of their family are all kept; the rest are subsampled with a
  deterministic stride (every k-th in rank order, weight k) so the fit stays exact in
  expectation while pure Python remains fast (no numpy needed). Weighted logistic regression
  by Newton-Raphson (IRLS) with a tiny ridge (1e-6). Reported: K-fold cross-validation by
  alignment (folds = sorted alignment names, index mod K) with a held-out calibration table,
  then the constants fitted on all data, printed as the C initialiser of contacts.c.

Usage
  scripts/fit_calibration.py --axcon BUILD/axcon --method mf [--source axcon|ccmpred]
      [--bench ../shared/bench] [--cache /tmp/axcon-calib] [--threads 1] [--cv 5] [--max-len N]
  Cost: dominated by predicting the largest families once (mf: ~2 min for L = 832 on one
  loaded core; ~10 min for all 51 families); refits from the cache take ~1 minute.
"""
import argparse
import gzip
import json
import math
import os
import subprocess
import sys

CALIB_SEP = 6


def clip(x, lo, hi):
    return lo if x < lo else hi if x > hi else x


def read_families(bench):
    rows = []
    with open(os.path.join(bench, "families.tsv")) as fh:
        header = fh.readline().rstrip("\n").split("\t")
        for line in fh:
            if line.strip():
                row = dict(zip(header, line.rstrip("\n").split("\t")))
                row["_bench"] = bench
                rows.append(row)
    return rows


def read_truth(path):
    """{(i, j): distance} for observed pairs, i < j."""
    truth = {}
    with open(path) as fh:
        for line in fh:
            if not line.strip() or line.startswith("#"):
                continue
            f = line.split()
            i, j, d = int(f[0]), int(f[1]), float(f[2])
            if i > j:
                i, j = j, i
            truth[(i, j)] = d
    return truth


_keys = {}


def msa_key(fam, bench=None):
    """Cache key of a family's alignment: the file name of the first family holding the same
    bytes (the CASP domains of one target share one alignment)."""
    if fam["msa"] not in _keys:
        import hashlib
        with open(os.path.join(bench or fam["_bench"], fam["msa"]), "rb") as fh:
            digest = hashlib.md5(fh.read()).hexdigest()
        _keys[fam["msa"]] = _keys.setdefault(digest, os.path.basename(fam["msa"]))
    return _keys[fam["msa"]]


def run(cmd):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        sys.exit("failed (%d): %s\n%s" % (r.returncode, " ".join(cmd), r.stderr[-2000:]))
    return r.stdout


def info(axcon, bench, fam, cache):
    os.makedirs(os.path.join(cache, "info"), exist_ok=True)
    path = os.path.join(cache, "info", msa_key(fam) + ".json")
    if not os.path.exists(path):
        out = run([axcon, "info", "--json", "-q", "-t", "1", os.path.join(bench, fam["msa"])])
        with open(path + ".tmp", "w") as fh:
            fh.write(out)
        os.replace(path + ".tmp", path)
    with open(path) as fh:
        return json.load(fh)


def read_tsv_pred(path):
    """[(i, j, score, prob)] in file order."""
    out = []
    with open(path) as fh:
        for line in fh:
            f = line.split("\t")
            if len(f) < 3 or line.startswith("#"):
                continue
            out.append((int(f[0]), int(f[1]), float(f[2]), float(f[3]) if len(f) > 3 else float("nan")))
    return out


def predict_axcon(axcon, bench, fam, method, cache, threads, extra=()):
    d = os.path.join(cache, method)
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, msa_key(fam) + ".tsv")
    if not os.path.exists(path):
        sys.stderr.write("predicting %s with -m %s ...\n" % (msa_key(fam), method))
        run([axcon, "predict", "-q", "-t", str(threads), "-m", method, "-f", "tsv", "--min-sep", str(CALIB_SEP)]
            + list(extra) + ["-o", path + ".part.tsv", os.path.join(bench, fam["msa"])])
        os.replace(path + ".part.tsv", path)
    return read_tsv_pred(path)


def predict_ccmpred(bench, fam):
    path = os.path.join(bench, "peers", fam["id"] + ".ccmpred.mat.gz")
    if not os.path.exists(path):
        return None
    with gzip.open(path, "rt") as fh:
        mat = [[float(x) for x in line.split()] for line in fh if line.strip()]
    n = len(mat)
    pairs = [(a + 1, b + 1, 0.5 * (mat[a][b] + mat[b][a]), float("nan"))
             for a in range(n) for b in range(a + CALIB_SEP, n)]
    pairs.sort(key=lambda t: (-t[2], t[0], t[1]))
    return pairs


def depth_of(neff, ncol):
    return clip(math.log(neff / math.sqrt(ncol)) if neff > 0 and ncol > 0 else -0.5, -0.5, 6.0)


def features(rank, ncol, depth):
    x = math.log((rank + 1.0) / ncol)
    return (1.0, x, depth, x * depth)


def family_samples(pairs, truth, neff, ncol, Lq):
    """Samples (features, label, weight, rank, axcon's p) of one family; pairs = all scored pairs s >= 6."""
    depth = depth_of(neff, ncol)
    ranked = sorted((p for p in pairs if p[1] - p[0] >= CALIB_SEP), key=lambda t: (-t[2], t[0], t[1]))
    keep_top = 5 * Lq
    rest = max(0, len(ranked) - keep_top)
    stride = max(1, rest // 3000)
    out = []
    for r, (i, j, s, p) in enumerate(ranked):
        if (i, j) not in truth:
            continue
        if r < keep_top:
            w = 1.0
        elif (r - keep_top) % stride == 0:
            w = float(stride)
        else:
            continue
        out.append((features(r, ncol, depth), 1 if truth[(i, j)] < 8.0 else 0, w, r, p))
    return out


def sigmoid(x):
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def dot(b, x):
    return sum(bi * xi for bi, xi in zip(b, x))


def solve(A, y):
    """Gaussian elimination with partial pivoting (small dense systems)."""
    n = len(y)
    M = [row[:] + [y[k]] for k, row in enumerate(A)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(M[r][c]))
        M[c], M[p] = M[p], M[c]
        if abs(M[c][c]) < 1e-300:
            raise ZeroDivisionError("singular system")
        for r in range(c + 1, n):
            f = M[r][c] / M[c][c]
            for k in range(c, n + 1):
                M[r][k] -= f * M[c][k]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        x[r] = (M[r][n] - sum(M[r][k] * x[k] for k in range(r + 1, n))) / M[r][r]
    return x


def nll_of(b, samples, ridge, wsum):
    nll = 0.0
    for x, y, w, _, _ in samples:
        t = dot(b, x)
        # log(1 + exp(-t)) for y = 1, log(1 + exp(t)) for y = 0, computed stably
        u = -t if y else t
        nll += w * (u + math.log1p(math.exp(-u)) if u > 0 else math.log1p(math.exp(u)))
    return nll + 0.5 * ridge * wsum * sum(v * v for v in b)


def fit_logistic(samples, ridge=1e-6, iters=100):
    """Weighted logistic regression: Newton-Raphson with step halving (never increases the
    penalised negative log-likelihood)."""
    k = len(samples[0][0])
    b = [0.0] * k
    wsum = sum(s[2] for s in samples)
    ybar = sum(s[2] * s[1] for s in samples) / wsum
    b[0] = math.log(ybar / (1 - ybar))
    cur = nll_of(b, samples, ridge, wsum)
    for it in range(iters):
        g = [0.0] * k
        H = [[0.0] * k for _ in range(k)]
        for x, y, w, _, _ in samples:
            p = sigmoid(dot(b, x))
            r = w * (p - y)
            h = w * p * (1 - p)
            for a in range(k):
                g[a] += r * x[a]
                ha = h * x[a]
                Ha = H[a]
                for c in range(a, k):
                    Ha[c] += ha * x[c]
        for a in range(k):
            g[a] += ridge * wsum * b[a]
            H[a][a] += ridge * wsum
            for c in range(a):
                H[a][c] = H[c][a]
        step = solve(H, g)
        t = 1.0
        while True:
            nb = [bi - t * si for bi, si in zip(b, step)]
            new = nll_of(nb, samples, ridge, wsum)
            if new <= cur or t < 1e-8:
                break
            t *= 0.5
        done = cur - new < 1e-10 * max(1.0, abs(cur))
        if new <= cur:
            b, cur = nb, new
        if done:
            break
    return b


def calib_table(rows, nbins=10):
    """rows: (p, y, w). Returns lines of a calibration table and summary numbers."""
    bins = [[0.0, 0.0, 0.0, 0] for _ in range(nbins)]
    brier = ll = wt = 0.0
    for p, y, w in rows:
        k = min(nbins - 1, int(p * nbins))
        b = bins[k]
        b[0] += w
        b[1] += w * p
        b[2] += w * y
        b[3] += 1
        brier += w * (p - y) ** 2
        ll -= w * (math.log(max(p, 1e-12)) if y else math.log(max(1 - p, 1e-12)))
        wt += w
    lines = ["%-11s %10s %9s %10s %10s" % ("p bin", "pairs", "samples", "mean p", "observed")]
    ece = 0.0
    for k, (w, sp, sy, cnt) in enumerate(bins):
        if w == 0:
            lines.append("%.1f-%.1f    %10d %9d %10s %10s" % (k / nbins, (k + 1) / nbins, 0, 0, "-", "-"))
            continue
        ece += w * abs(sp / w - sy / w)
        lines.append("%.1f-%.1f    %10.0f %9d %10.4f %10.4f" % (k / nbins, (k + 1) / nbins, w, cnt, sp / w, sy / w))
    summary = {"pairs": wt, "brier": brier / wt, "logloss": ll / wt, "ece": ece / wt}
    return lines, summary


def load_all(args):
    fams = read_families(args.bench)
    data = {}  # msa key -> list of (family id, samples)
    for fam in fams:
        truth = read_truth(os.path.join(args.bench, fam["truth"]))
        inf = info(args.axcon, args.bench, fam, args.cache)
        if args.max_len and inf["columns"] > args.max_len:
            sys.stderr.write("%s: %d columns > --max-len %d: skipped\n" % (fam["id"], inf["columns"], args.max_len))
            continue
        if args.source == "ccmpred":
            pairs = predict_ccmpred(args.bench, fam)
            if pairs is None:
                sys.stderr.write("no CCMpred matrix for %s: skipped\n" % fam["id"])
                continue
            ncol = max(max(p[1] for p in pairs), inf["columns"])
        else:
            pairs = predict_axcon(args.axcon, args.bench, fam, args.method, args.cache, args.threads)
            ncol = inf["columns"]
        Lq = int(fam["L"])
        s = family_samples(pairs, truth, inf["neff"], ncol, Lq)
        data.setdefault(msa_key(fam), []).append((fam["id"], s))
    return data


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--axcon", default="axcon", help="the axcon program (build tree)")
    ap.add_argument("--bench", default=os.path.join(here, "..", "..", "shared", "bench"))
    ap.add_argument("--method", default="mf")
    ap.add_argument("--source", choices=["axcon", "ccmpred"], default="axcon")
    ap.add_argument("--cache", default="/tmp/axcon-calib")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--cv", type=int, default=5)
    ap.add_argument("--max-len", type=int, default=0, help="skip alignments with more columns (0 = none)")
    args = ap.parse_args()

    data = load_all(args)
    keys = sorted(data)
    folds = {k: n % args.cv for n, k in enumerate(keys)}
    allsamples = [s for k in keys for _, fs in data[k] for s in fs]
    print("# method %s, source %s: %d families, %d alignments, %d samples (%.0f weighted pairs)" % (
        args.method, args.source, sum(len(data[k]) for k in keys), len(keys), len(allsamples),
        sum(s[2] for s in allsamples)))

    # cross-validation by alignment
    held = []
    held_top = []
    for f in range(args.cv):
        train = [s for k in keys if folds[k] != f for _, fs in data[k] for s in fs]
        b = fit_logistic(train)
        for k in keys:
            if folds[k] != f:
                continue
            for fid, fs in data[k]:
                for x, y, w, r, _ in fs:
                    p = sigmoid(dot(b, x))
                    held.append((p, y, w))
    lines, summ = calib_table(held)
    print("\n## %d-fold cross-validation by alignment, held-out, all pairs s >= 6 (weighted)" % args.cv)
    print("\n".join(lines))
    print("brier %.5f  logloss %.5f  ECE %.4f" % (summ["brier"], summ["logloss"], summ["ece"]))

    b = fit_logistic(allsamples)
    fit = [(sigmoid(dot(b, x)), y, w) for x, y, w, _, _ in allsamples]
    lines, summ = calib_table(fit)
    print("\n## fit on all data (in-sample)")
    print("\n".join(lines))
    print("brier %.5f  logloss %.5f  ECE %.4f" % (summ["brier"], summ["logloss"], summ["ece"]))
    print("\n## constants for contacts.c (b0 intercept, b1 log-rank, b2 depth, b3 log-rank*depth)")
    print('    {"%s", {%s}},' % (args.method, ", ".join("%.4g" % v for v in b)))


if __name__ == "__main__":
    main()
