#!/usr/bin/python3
"""fit_head.py - fit the constants of axcon's contact head (src/score/head.c, axcon/head.h).

What is fitted (exactly what head.c computes; keep the two in step)
  Features of a pair (i, j), from the APC-corrected score maps of `-m attn` without the head
  (F) and of `-m mf` (M), each z-scored over the off-diagonal pairs of its map:
    z_F, z_M, ctx(z_F), ctx(z_M), box_1(z_F), box_1(z_M), box_2(z_F), gap_i + gap_j, ent_i + ent_j
  ctx = max of the parallel / antiparallel diagonal-neighbour sums, box_r = mean of the
  (2r+1)^2 - 1 window around the pair (outside the map = 0), gap / ent = weighted gap fraction
  and entropy (nats, 21 states) of a column, weights = 1 / (sequences with identity >= 0.8).
  Model: logit = c0 + sum_k c_k x_k, an L2 logistic regression (Newton; lambda 1 on the
  standardised coefficients, intercept free), each family weighted equally, over the pairs
  |i-j| >= 6 whose two residues are observed (label: C-beta distance < 8 A, truth files of
  the bench); negatives subsampled 1 in 4 (weight 4) with a fixed seed per family.
  The head's score is z(logit) + alpha z_F; alpha is picked by cross-validation (--alphas).

Data
  Families: the rows of bench/families.tsv that have a CCMpred row in
  bench/reference_precision.tsv (44; the large T1047s2/T1052/T1061/T1093 are left out).
  Feature directory (--features DIR, created on demand with --axcon BIN, 1 thread):
    DIR/ID.attn.mat  `axcon predict --no-head -f mat MSA`  (about 4 min CPU, 1 thread)
    DIR/ID.mf.mat    `axcon predict -m mf -f mat MSA`
  Column statistics are computed here from the alignment (reader of scripts/check_info.py),
  independently of the C code. Nothing is copied from the bench into the project.

Report
  Leave-one-alignment-out cross-validation (families sharing an alignment file form one
  group): mean long-range top-L and top-L/5 precision of z_F alone and of the head for each
  alpha, then the constants fitted on all families as the C initialiser of head.c.

Usage
  /usr/bin/python3 scripts/fit_head.py --features DIR [--axcon BUILD/axcon] [--bench ../shared/bench]
      [--alphas 0,0.15,0.3,0.5,0.8] [--no-cv]
  Needs numpy. Cost once the features exist: ~1.5 min CPU the first time (sequence weights for the
  column statistics, cached as DIR/ID.cols.tsv), then ~20 s with the CV.
"""
import argparse
import hashlib
import importlib.util
import math
import os
import subprocess
import sys
from fractions import Fraction

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
FEATURES = ["z_F", "z_M", "ctx(z_F)", "ctx(z_M)", "box1(z_F)", "box1(z_M)", "box2(z_F)", "gap_i+gap_j",
            "ent_i+ent_j"]
NEG = 0.25
LAMBDA = 1.0
MIN_SEP = 6
SHALLOW_N = 300


def load_check_info():
    spec = importlib.util.spec_from_file_location("check_info", os.path.join(HERE, "check_info.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def read_table(path):
    with open(path) as fh:
        head = fh.readline().rstrip("\n").split("\t")
        return [dict(zip(head, l.rstrip("\n").split("\t"))) for l in fh if l.strip()]


def column_stats(ci, msa_path, threshold="0.8"):
    """weighted gap fraction and entropy per match column (identity weights, gap = state 20)."""
    _fmt, recs = ci.read_records(msa_path)
    codes = ci.to_codes(recs, msa_path)
    n, L = codes.shape
    t = math.ceil(Fraction(threshold) * L)  # exact, as check_info.py
    uniq, counts = np.unique(codes, axis=0, return_counts=True)
    nu = uniq.shape[0]
    onehot = np.zeros((nu, L * 21), dtype=np.float32)
    onehot[np.arange(nu)[:, None], np.arange(L)[None, :] * 21 + uniq] = 1.0
    neigh = np.empty(nu)
    block = max(1, min(nu, (64 << 20) // (4 * nu)))
    for s in range(0, nu, block):
        same = onehot[s:s + block] @ onehot.T
        neigh[s:s + block] = (same >= t - 0.5) @ counts.astype(np.float64)
    w = counts / neigh  # total weight of each distinct row
    f = (w[:, None] * onehot.astype(np.float64)).sum(0).reshape(L, 21) / w.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        ent = -np.where(f > 0, f * np.log(f), 0.0).sum(1)
    return f[:, 20], ent


def zs(S):
    L = S.shape[0]
    v = S[np.triu_indices(L, 1)]
    sd = v.std()
    Z = (S - v.mean()) / (sd if sd > 0 else 1.0)
    np.fill_diagonal(Z, 0.0)
    return Z


def pad(Z, r):
    L = Z.shape[0]
    P = np.zeros((L + 2 * r, L + 2 * r))
    P[r:r + L, r:r + L] = Z
    return P


def ctx(Z):
    L, P = Z.shape[0], pad(Z, 1)
    sh = lambda u, v: P[1 + u:1 + u + L, 1 + v:1 + v + L]
    return np.maximum(sh(-1, -1) + sh(1, 1), sh(-1, 1) + sh(1, -1))


def box(Z, r):
    L, P = Z.shape[0], pad(Z, r)
    s = sum(P[r + u:r + u + L, r + v:r + v + L] for u in range(-r, r + 1) for v in range(-r, r + 1) if u or v)
    return s / ((2 * r + 1) ** 2 - 1)


def feature_maps(F, M, gap, ent):
    ZF, ZM = zs(F), zs(M)
    return [ZF, ZM, ctx(ZF), ctx(ZM), box(ZF, 1), box(ZM, 1), box(ZF, 2), gap[:, None] + gap[None, :],
            ent[:, None] + ent[None, :]]


def family(ci, bench, fdir, row):
    fid = row["id"]
    F = np.loadtxt(os.path.join(fdir, fid + ".attn.mat"))
    M = np.loadtxt(os.path.join(fdir, fid + ".mf.mat"))
    cols = os.path.join(fdir, fid + ".cols.tsv")  # cache: the weights are the slow part
    if not os.path.exists(cols):
        np.savetxt(cols, np.stack(column_stats(ci, os.path.join(bench, row["msa"])), 1), fmt="%.17g")
    gap, ent = np.loadtxt(cols, ndmin=2).T
    if not (F.shape == M.shape == (len(gap), len(gap))):
        raise SystemExit("%s: matrices %s / %s do not match %d columns (non-default column masking?)"
                         % (fid, F.shape, M.shape, len(gap)))
    t = np.loadtxt(os.path.join(bench, row["truth"]))
    ti, tj, td = t[:, 0].astype(int), t[:, 1].astype(int), t[:, 2]
    lobs = len(np.union1d(ti, tj))
    keep = tj - ti >= MIN_SEP
    ti, tj, td = ti[keep] - 1, tj[keep] - 1, td[keep]
    maps = feature_maps(F, M, gap, ent)
    X = np.stack([m[ti, tj] for m in maps], 1)
    iu = np.triu_indices(F.shape[0], 1)
    full = np.stack([m[iu] for m in maps], 1)  # every pair of the map: z(logit) is over all of them
    return dict(id=fid, X=X, full=full, y=(td < 8.0).astype(float), i=ti, j=tj, sep=tj - ti, lobs=lobs,
                group=hashlib.md5(open(os.path.join(bench, row["msa"]), "rb").read()).hexdigest())


def fit(fams):
    X, y, w = [], [], []
    for d in fams:
        rng = np.random.RandomState(len(d["id"]) * 7919 + len(d["y"]))
        m = (d["y"] > 0) | (rng.rand(len(d["y"])) < NEG)
        X.append(d["X"][m])
        y.append(d["y"][m])
        w.append(np.where(d["y"][m] > 0, 1.0, 1.0 / NEG) / len(d["y"]))
    X, y, w = np.concatenate(X), np.concatenate(y), np.concatenate(w)
    w *= len(y) / w.sum()
    mu, sd = X.mean(0), X.std(0)
    sd[sd == 0] = 1.0
    Xn = np.hstack([(X - mu) / sd, np.ones((len(y), 1))])
    p = Xn.shape[1]
    beta, pen = np.zeros(p), np.r_[np.full(p - 1, LAMBDA), 0.0]
    for _ in range(50):
        mu_ = 1.0 / (1.0 + np.exp(-(Xn @ beta)))
        g = Xn.T @ (w * (mu_ - y)) + pen * beta
        H = (Xn * (w * mu_ * (1 - mu_))[:, None]).T @ Xn + np.diag(pen)
        step = np.linalg.solve(H, g)
        beta -= step
        if np.abs(step).max() < 1e-9:
            break
    c = beta[:-1] / sd
    return c, beta[-1] - (c * mu).sum()


def head_score(d, c, c0, alpha):
    """head score at the family's pairs: z(logit) over all pairs of the map + alpha z_F."""
    v = d["full"] @ c + c0
    return (d["X"] @ c + c0 - v.mean()) / (v.std() or 1.0) + alpha * d["X"][:, 0]


def precision(d, s, k):
    m = d["sep"] >= 24
    order = np.lexsort((d["j"][m], d["i"][m], -s[m]))
    n = max(1, d["lobs"] // k)
    return d["y"][m][order[:n]].sum() / n


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bench", default=os.path.join(HERE, "..", "..", "shared", "bench"))
    ap.add_argument("--features", required=True)
    ap.add_argument("--axcon", help="axcon binary, to compute missing feature files")
    ap.add_argument("--alphas", default="0,0.15,0.3,0.5,0.8")
    ap.add_argument("--no-cv", action="store_true")
    a = ap.parse_args()
    ci = load_check_info()
    ccm = {r["id"] for r in read_table(os.path.join(a.bench, "reference_precision.tsv")) if r["tool"] == "ccmpred"}
    rows = [r for r in read_table(os.path.join(a.bench, "families.tsv")) if r["id"] in ccm]
    os.makedirs(a.features, exist_ok=True)
    for r in rows:
        for tag, extra in (("attn", ["--no-head"]), ("mf", ["-m", "mf"])):
            out = os.path.join(a.features, "%s.%s.mat" % (r["id"], tag))
            if not os.path.exists(out):
                if not a.axcon:
                    raise SystemExit("missing %s (give --axcon to compute it)" % out)
                subprocess.run([a.axcon, "predict", "-q", "-t", "1", "-f", "mat", "-o", out] + extra +
                               [os.path.join(a.bench, r["msa"])], check=True)
    fams = [family(ci, a.bench, a.features, r) for r in rows]
    alphas = [float(x) for x in a.alphas.split(",")]
    if not a.no_cv:
        groups = sorted({d["group"] for d in fams})
        res = {al: {} for al in alphas}
        base = {}
        for g in groups:
            c, c0 = fit([d for d in fams if d["group"] != g])
            for d in fams:
                if d["group"] == g:
                    base[d["id"]] = (precision(d, d["X"][:, 0], 1), precision(d, d["X"][:, 0], 5))
                    for al in alphas:
                        s = head_score(d, c, c0, al)
                        res[al][d["id"]] = (precision(d, s, 1), precision(d, s, 5))
        shallow = [r["id"] for r in rows if int(r["N"]) < SHALLOW_N]
        mean = lambda r, ids: tuple(np.mean([r[i] for i in ids], 0))
        print("leave-one-alignment-out CV, %d families, %d groups: long-range top-L, top-L/5 "
              "(all | the %d with N < %d)" % (len(fams), len(groups), len(shallow), SHALLOW_N))
        print("  attn alone (z_F)     %.3f %.3f | %.3f %.3f" % (mean(base, base) + mean(base, shallow)))
        for al in alphas:
            print("  head, alpha %-5g    %.3f %.3f | %.3f %.3f" % ((al,) + mean(res[al], base) + mean(res[al], shallow)))
    c, c0 = fit(fams)
    print("/* features: %s */" % ", ".join(FEATURES))
    print("static const double g_coef[AXCON_HEAD_NFEAT] = {%s};" % ", ".join("%.6g" % x for x in c))
    print("static const double g_intercept = %.6g;" % c0)


if __name__ == "__main__":
    sys.exit(main())
