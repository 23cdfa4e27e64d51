#!/usr/bin/python3
"""train_head.py - train axcon's convolutional contact head and write its weights.

What is trained (exactly what src/score/head.c and src/score/cnn.c compute; keep in step)
  Inputs, per pair (i, j) of the L kept columns, from `axcon predict --dump-features`:
    zF    the method's APC-corrected scores (attn without the head), z-scored over i < j
    zM    the APC-corrected mean-field DCA scores, z-scored likewise
    gap   gap_i + gap_j           (weighted gap fraction of a column: freq[i, 20])
    ent   (ent_i + ent_j) / ln 21 (weighted entropy of a column over 21 states, nats)
    sep   log(1 + |pos_i - pos_j|) / 7
    depth log(1 + Neff / sqrt(L)) / 5, the same in every pair
    rF, rM  the pair's rank in F and in M: -log((r + 1) / P) / log P (r = 0 the top pair)
    hsum, hprod  hyd_i + hyd_j and hyd_i hyd_j (frequency-weighted Kyte-Doolittle / 4.5)
    aw, amax  with --attn-maps (attn): the attention channels (below), appended last
  The attn network takes all ten (twelve with --attn-maps), the mf network the eight without zF
  and rF (--channels base: the first six / five only, for comparison). z-scores use the
  population standard deviation (1 when it is 0); the diagonal of zF and zM is 0.
  Network: 1x1 conv (C_in -> K), B residual blocks [h = conv3x3_d(elu(x)); x += conv3x3_d(elu(h))]
  with dilations d, then y = 1x1 conv (K -> 1) of elu(x); logits z = (y + y^T) / 2. Zero
  padding, ELU, activations stored as float32 in C (the reference below rounds likewise).
  Loss: binary cross-entropy on the pairs |pos_i - pos_j| >= 6 whose two residues are observed
  (label: C-beta distance < 8 A, ../shared/bench/truth), long-range pairs (>= 24) weighted 2,
  every map weighted equally; random crops of CROP x CROP for long maps.

Data (from ../shared/bench only; nothing of it goes into the repository)
  Every family of families.tsv. Depth augmentation: each alignment also at 30% and 10% of its
  sequences (query kept, fixed seed; only when that leaves >= 20 sequences): the network must
  see shallow alignments, not only deep ones. Features are made once by the axcon binary
  (--axcon) in --features DIR (reused when present: DIR/<msa>.d<pct>.npz).

Report
  Grouped K-fold cross-validation (families sharing an alignment file or a CASP target form
  one group): every family's held-out prediction on its full alignment, mean long-range top-L
  and top-L/5 precision over all families, over the 44 with a CCMpred reference row (and that
  reference's mean), and over the shallow ones (N < 300), next to the method alone (zF, or zM
  for mf). Every fold trains for --epochs (AdamW, cosine schedule); with --early-stop each outer
  training set holds out 15% of its groups as validation and keeps its best epoch instead (on
  the shared families it picked epochs 6-20 and gained nothing: 0.286 / 0.482 against 0.290 /
  0.481 for 40 fixed epochs, base channels). The final network is trained on every family for
  the median of the folds' epochs. --cv-out keeps the held-out predictions, on
  which scripts/fit_calibration.py fits the probabilities (so they are calibrated on maps the
  network did not see).

Attention maps (--attn-maps, attn only; in C: axcon_head_attn_pool in src/score/head.c)
  Two more channels pooled over the trained model's heads (attn_channels below; heads are not
  aligned across families, so only order-free poolings can be learned from): the value-norm-
  weighted mean of the symmetrised maps and their maximum over heads, each as a z-scored log.
  Grouped 5-fold CV on the 42 families of L <= 300, one width-16 network, the same seeds:
  0.326 / 0.521 with them against 0.324 / 0.505 without (shallow: 0.108 / 0.170 against
  0.112 / 0.152).
  Five members of width 24 on all 51 families (same features, folds, seeds): 0.316 / 0.521
  with them against 0.323 / 0.519 without; they do not add at that size and are not shipped.

Output
  --write-c FILE: the weights as a C source (src/score/head_weights.c), both ensembles when
  --method both; with --write-fixture FILE a small fixed input and the reference logits (the
  mean over an ensemble's members; tests/head_fixture.h) that the C test compares with to 1e-5.
  --ensemble E: E networks per method, seeds seed .. seed+E-1, logits averaged (also in every
  CV fold). --save-nets DIR keeps the final networks (DIR/<method>.pt); --load-nets DIR writes
  the C file and fixture from them without training, so attn and mf can train in two
  processes, one core each, and be written into one file (each with its own width and
  dilations, read from the saved file). The shipped file:
    train_head.py --features F --method attn --ensemble 5 --width 24 --threads 1 --cv-out CV --save-nets N
    train_head.py --features F --method mf   --ensemble 5 --threads 1 --cv-out CV --save-nets N
    train_head.py --features F --method both --load-nets N \
        --write-c src/score/head_weights.c --write-fixture tests/head_fixture.h
  (--attn-maps with all three: the attention channels; measured, not shipped, see above.)
    fit_calibration.py --axcon ./axcon --method attn --cache CV   (and --method mf: the
        "attn+net" / "mf+net" rows of src/score/contacts.c)

Usage
  /usr/bin/python3 scripts/train_head.py --axcon ./axcon --features /tmp/feat [--method attn|mf|both]
      [--folds 5] [--epochs 40] [--width 16] [--dilations 1,2,4,8] [--seed 1] [--threads 2]
      [--write-c src/score/head_weights.c --write-fixture tests/head_fixture.h] [--no-cv]
  Needs Debian's python3-torch and python3-numpy (apt-get install python3-torch python3-numpy);
  axcon itself never needs Python.
"""
import argparse
import hashlib
import math
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
FRACS = (1.0, 0.3, 0.1)
MIN_SUB = 20
MIN_SEP, LONG = 6, 24
SHALLOW_N = 300
CROP = 160
LN21 = math.log(21.0)


# ------------------------------------------------------------------------------ data

def read_table(path):
    with open(path) as fh:
        head = fh.readline().rstrip("\n").split("\t")
        return [dict(zip(head, l.rstrip("\n").split("\t"))) for l in fh if l.strip()]


def read_fasta(text):
    recs, name, seq = [], None, []
    for line in text.splitlines():
        if line.startswith(">"):
            if name is not None:
                recs.append((name, "".join(seq)))
            name, seq = line[1:], []
        elif line.strip():
            seq.append(line.strip())
    if name is not None:
        recs.append((name, "".join(seq)))
    return recs


def run(cmd, **kw):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)
    if p.returncode != 0:
        raise SystemExit("failed (%d): %s\n%s" % (p.returncode, " ".join(cmd), p.stderr.decode()[-2000:]))
    return p.stdout


def make_features(axcon, msa, fdir, threads, seed):
    """Feature archives of one alignment at every depth; returns {frac: path}."""
    stem = os.path.join(fdir, os.path.basename(msa))
    out = {}
    full = stem + ".d100.npz"
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    if not os.path.exists(full):
        run([axcon, "predict", "-q", "-t", str(threads), "-f", "mat", "-o", "-", "--dump-features", full, msa],
            env=env)
    out[1.0] = full
    recs = None
    for frac in FRACS[1:]:
        path = stem + ".d%03d.npz" % round(100 * frac)
        if not os.path.exists(path):
            if recs is None:
                recs = read_fasta(run([axcon, "convert", "-q", "-f", "fasta", msa]).decode())
            n = int(round((len(recs) - 1) * frac))
            if n + 1 < MIN_SUB:
                continue
            rng = np.random.RandomState(seed * 1000 + round(100 * frac))
            keep = [0] + sorted(1 + rng.choice(len(recs) - 1, n, replace=False))
            with tempfile.NamedTemporaryFile("w", suffix=".fasta", delete=False) as fh:
                for k in keep:
                    fh.write(">%s\n%s\n" % recs[k])
                tmp = fh.name
            try:
                run([axcon, "predict", "-q", "-t", str(threads), "-f", "mat", "-o", "-", "--dump-features", path, tmp],
                    env=env)
            finally:
                os.unlink(tmp)
        out[frac] = path
    return out


def zscore(S):
    L = S.shape[0]
    v = S[np.triu_indices(L, 1)]
    mean = v.sum() / max(1, v.size)
    sd = math.sqrt(((v - mean) ** 2).sum() / max(1, v.size))
    Z = (S - mean) / (sd if sd > 0 else 1.0)
    np.fill_diagonal(Z, 0.0)
    return Z


# Kyte-Doolittle hydropathy of ARNDCQEGHILKMFPSTWYV, scaled by 1/4.5 (gap: 0)
KD = np.array([1.8, -4.5, -3.5, -3.5, 2.5, -3.5, -3.5, -0.4, -3.2, 4.5, 3.8, -3.9, 1.9, 2.8, -1.6, -0.8, -0.7,
               -0.9, -1.3, 4.2, 0.0]) / 4.5
EXT = True  # --channels ext (default): the rank and hydropathy channels
LONG_WEIGHT = 2.0  # --long-weight
ATTN_MAPS = False  # --attn-maps: two channels pooled from the attention heads (attn only)


def attn_channels(z):
    """Two maps pooled over the trained model's heads, invariant to their order (heads are not
    aligned across families: head h of one family has nothing to do with head h of another):
    the z-scored log of the value-norm-weighted mean attention, and of the largest head's
    (A: symmetrised, uniform = 1; diagonal 0)."""
    A, vn = z["A"].astype(np.float64), np.asarray(z["vnorm"], np.float64)
    w = vn / vn.sum() if vn.sum() > 0 else np.full(len(vn), 1.0 / len(vn))
    eps = 1e-3
    return [zscore(np.log(np.tensordot(w, A, 1) + eps)), zscore(np.log(A.max(0) + eps))]


def rank_map(S):
    """-log((rank + 1) / P) / log(P) of every pair i < j among the P pairs (rank 0 = the highest
    score; ties by i then j), mirrored, diagonal 0: 1 for the top pair, 0 for the last."""
    L = S.shape[0]
    iu, ju = np.triu_indices(L, 1)
    P = len(iu)
    order = np.lexsort((ju, iu, -S[iu, ju]))
    r = np.empty(P)
    r[order] = np.arange(P)
    R = np.zeros((L, L))
    R[iu, ju] = R[ju, iu] = -np.log((r + 1) / P) / math.log(max(P, 2))
    return R


def channels(z, with_F, pos=None):
    """Input channels (C, L, L) as float32, from the arrays of one feature archive."""
    M, f = z["M"], z["freq"]
    L = M.shape[0]
    pos = z["pos"] if pos is None else pos
    gap = f[:, 20]
    with np.errstate(divide="ignore", invalid="ignore"):
        ent = -np.where(f > 0, f * np.log(np.where(f > 0, f, 1.0)), 0.0).sum(1) / LN21
    sep = np.log1p(np.abs(pos[:, None].astype(np.float64) - pos[None, :])) / 7.0
    depth = math.log1p(float(z["neff"]) / math.sqrt(L)) / 5.0
    ch = [zscore(z["F"])] if with_F else []
    ch += [zscore(M), gap[:, None] + gap[None, :], ent[:, None] + ent[None, :], sep, np.full((L, L), depth)]
    if EXT:
        hyd = f @ KD
        ch += ([rank_map(z["F"])] if with_F else []) + [rank_map(M), hyd[:, None] + hyd[None, :],
                                                         hyd[:, None] * hyd[None, :]]
    if with_F and ATTN_MAPS:  # last, so that a network without them takes a prefix of the planes
        ch += attn_channels(z)
    return np.stack(ch).astype(np.float32)


def group_of(row, bench):
    fid = row["id"]
    if fid.startswith("T") and "-D" in fid:
        return fid.split("-D")[0].split("s")[0]
    return hashlib.md5(open(os.path.join(bench, row["msa"]), "rb").read()).hexdigest()


def load_family(row, bench, paths, with_F):
    """Every depth version of one family: inputs, labels, mask, evaluation indices."""
    t = np.loadtxt(os.path.join(bench, row["truth"]), ndmin=2)
    ti, tj, td = t[:, 0].astype(int), t[:, 1].astype(int), t[:, 2]
    lobs = len(np.union1d(ti, tj))
    full = np.load(paths[1.0])
    pos_full = full["pos"]
    versions = []
    for frac, p in sorted(paths.items(), reverse=True):
        z = np.load(p)
        pos = z["pos"]
        if frac != 1.0:  # positions of the converted alignment -> the original query numbering
            if len(pos) != len(pos_full):
                continue
            pos = pos_full[pos - 1]
        L = len(pos)
        idx = {int(q): k for k, q in enumerate(pos)}
        keep = np.array([a in idx and b in idx and b - a >= MIN_SEP for a, b in zip(ti, tj)], bool)
        ii = np.array([idx[a] for a in ti[keep]], int)
        jj = np.array([idx[b] for b in tj[keep]], int)
        y = (td[keep] < 8.0).astype(np.float32)
        lab = np.zeros((L, L), np.float32)
        msk = np.zeros((L, L), np.float32)
        w = np.where(tj[keep] - ti[keep] >= LONG, LONG_WEIGHT, 1.0).astype(np.float32)
        lab[ii, jj] = lab[jj, ii] = y
        msk[ii, jj] = msk[jj, ii] = w
        versions.append(dict(frac=frac, X=channels(z, with_F, pos), lab=lab, msk=msk, i=ii, j=jj, y=y,
                             sep=tj[keep] - ti[keep], nseq=int(z["nseq"]), pos=pos))
    return dict(id=row["id"], N=int(row["N"]), lobs=lobs, versions=versions)


def write_ranked(path, pos, S):
    """All pairs |pos_i - pos_j| >= 6 of a map, ranked (score descending, ties by i then j), as
    `axcon predict -f tsv` writes them (i, j, score; query positions): the held-out predictions
    that scripts/fit_calibration.py reads from its cache."""
    L = len(pos)
    iu, ju = np.triu_indices(L, 1)
    pi, pj, sc = pos[iu], pos[ju], S[iu, ju]
    m = pj - pi >= MIN_SEP
    pi, pj, sc = pi[m], pj[m], sc[m]
    order = np.lexsort((pj, pi, -sc))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "w") as fh:
        for k in order:
            fh.write("%d\t%d\t%.6g\t0\n" % (pi[k], pj[k], sc[k]))
    os.replace(path + ".tmp", path)


def precision(v, s, lobs, k):
    m = v["sep"] >= LONG
    order = np.lexsort((v["j"][m], v["i"][m], -s[m]))
    n = max(1, lobs // k)
    return v["y"][m][order[:n]].sum() / n


# ------------------------------------------------------------------------------ model

def build(torch, cin, width, dils):
    nn = torch.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.dils = list(dils)
            self.inp = nn.Conv2d(cin, width, 1)
            self.convs = nn.ModuleList()
            for d in dils:
                self.convs.append(nn.Conv2d(width, width, 3, padding=d, dilation=d))
                self.convs.append(nn.Conv2d(width, width, 3, padding=d, dilation=d))
            self.out = nn.Conv2d(width, 1, 1)
            for c in self.convs[1::2]:  # residual branches start small
                nn.init.normal_(c.weight, std=1e-3)
                nn.init.zeros_(c.bias)

        def forward(self, x, rnd=None):
            """x (B, C, H, W) -> y (B, H, W), not symmetrised. rnd: a function that rounds
            stored activations (float32 emulation for the fixture)."""
            r = rnd or (lambda t: t)
            elu = torch.nn.functional.elu
            x = r(self.inp(x))
            for b in range(len(self.dils)):
                h = r(self.convs[2 * b](elu(x)))
                x = r(x + self.convs[2 * b + 1](elu(h)))
            return self.out(elu(x))[:, 0]

    return Net()


def predict_map(torch, net, X):
    with torch.no_grad():
        y = net(torch.from_numpy(X)[None])[0].numpy().astype(np.float64)
    return (y + y.T) / 2


def evaluate(torch, net, fams):
    """mean long-range (top-L, top-L/5) on the full-depth versions."""
    r = []
    for d in fams:
        v = d["versions"][0]
        s = predict_map(torch, net, v["X"])[v["i"], v["j"]]
        r.append((precision(v, s, d["lobs"], 1), precision(v, s, d["lobs"], 5)))
    return np.mean(r, 0) if r else np.zeros(2)


def train(torch, fams, val, a, cin, seed, epochs):
    """Train on fams; with val, keep the epoch of the best mean(top-L, top-L/5) on val."""
    torch.manual_seed(seed)
    rng = np.random.RandomState(seed)
    net = build(torch, cin, a.width, a.dils)
    opt = torch.optim.AdamW(net.parameters(), lr=a.lr, weight_decay=a.wd)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs)
    best, best_ep, best_state, hist = -1.0, epochs, None, []
    for ep in range(1, epochs + 1):
        net.train()
        order = rng.permutation(len(fams))
        opt.zero_grad()
        for step, k in enumerate(order):
            d = fams[k]
            v = d["versions"][rng.randint(len(d["versions"]))]
            X, lab, msk = v["X"], v["lab"], v["msk"]
            L = X.shape[1]
            if L > CROP:
                r0, c0 = rng.randint(L - CROP + 1), rng.randint(L - CROP + 1)
                X = X[:, r0:r0 + CROP, c0:c0 + CROP]
                lab, msk = lab[r0:r0 + CROP, c0:c0 + CROP], msk[r0:r0 + CROP, c0:c0 + CROP]
            if msk.sum() == 0:
                continue
            y = net(torch.from_numpy(np.ascontiguousarray(X))[None])[0]
            m = torch.from_numpy(np.ascontiguousarray(msk))
            loss = (torch.nn.functional.binary_cross_entropy_with_logits(
                y, torch.from_numpy(np.ascontiguousarray(lab)), reduction="none") * m).sum() / m.sum()
            (loss / a.accum).backward()
            if (step + 1) % a.accum == 0 or step + 1 == len(order):
                opt.step()
                opt.zero_grad()
        sched.step()
        if val:
            net.eval()
            p = evaluate(torch, net, val)
            hist.append(p)
            if p.mean() > best:
                best, best_ep = p.mean(), ep
                best_state = {k: t.clone() for k, t in net.state_dict().items()}
    if best_state is not None:
        net.load_state_dict(best_state)
    net.eval()
    return net, best_ep, hist


def cross_validate(torch, fams, groups, a, cin, ref, tag):
    gids = sorted(set(groups))
    rng = np.random.RandomState(a.seed)
    rng.shuffle(gids)
    fold_of = {g: k % a.folds for k, g in enumerate(gids)}
    res, base, eps = {}, {}, []
    for k in range(a.folds):
        test = [d for d, g in zip(fams, groups) if fold_of[g] == k]
        tr_groups = [g for g in gids if fold_of[g] != k]
        nval = max(1, int(round(0.15 * len(tr_groups))))
        vg = set(tr_groups[:nval])
        tr = [d for d, g in zip(fams, groups) if fold_of[g] != k and g not in vg]
        va = [d for d, g in zip(fams, groups) if g in vg]
        t0 = time.time()
        nets = []
        if not a.early_stop:
            tr, va = tr + va, None
        for e in range(a.ensemble):
            net, ep, _ = train(torch, tr, va, a, cin, a.seed + 101 * k + e, a.epochs)
            nets.append(net)
            eps.append(ep)
        for d in test:
            v = d["versions"][0]
            full = np.mean([predict_map(torch, n, v["X"]) for n in nets], 0)
            if a.cv_out:
                write_ranked(os.path.join(a.cv_out, tag, d["key"] + ".tsv"), v["pos"], full)
            s = full[v["i"], v["j"]]
            res[d["id"]] = (precision(v, s, d["lobs"], 1), precision(v, s, d["lobs"], 5))
            s0 = v["X"][0][v["i"], v["j"]]
            base[d["id"]] = (precision(v, s0, d["lobs"], 1), precision(v, s0, d["lobs"], 5))
        print("  fold %d: %d train, %d validation, %d test families, best epochs %s, %.0f s" %
              (k + 1, len(tr), len(va or []), len(test), eps[-a.ensemble:], time.time() - t0), flush=True)
    ids = [d["id"] for d in fams]
    sets = [("all %d" % len(ids), ids), ("CCMpred's %d" % len([i for i in ids if i in ref]), [i for i in ids if i in ref]),
            ("shallow (N < %d) %d" % (SHALLOW_N, len([d for d in fams if d["N"] < SHALLOW_N])),
             [d["id"] for d in fams if d["N"] < SHALLOW_N])]
    print("grouped %d-fold CV (%d groups), long-range precision top-L / top-L/5:" % (a.folds, len(gids)))
    for name, sel in sets:
        if not sel:
            continue
        line = "  %-22s network %.3f / %.3f   method alone %.3f / %.3f" % (
            (name,) + tuple(np.mean([res[i] for i in sel], 0)) + tuple(np.mean([base[i] for i in sel], 0)))
        rs = [ref[i] for i in sel if i in ref]
        if len(rs) == len(sel):
            line += "   CCMpred %.3f / %.3f" % tuple(np.mean(rs, 0))
        print(line)
    return res, int(np.median(eps))


# ------------------------------------------------------------------------------ export

def c_array(name, t):
    v = t.detach().numpy().astype(np.float32).ravel()
    body = ",\n    ".join(", ".join("%.9gf" % x for x in v[k:k + 8]) for k in range(0, len(v), 8))
    return "static const float %s[%d] = {\n    %s};\n" % (name, len(v), body)


def write_c(path, nets, info):
    """nets: [(tag, [member networks])]; each tag becomes an ensemble ax_head_net_<tag>."""
    out = ["/* head_weights.c - GENERATED by scripts/train_head.py: the fitted constants of the contact\n"
           " * networks (axcon/head.h). Do not edit; rerun the script.\n * %s */\n" % info.replace("; ", ";\n * "),
           '#include "score/head_weights.h"\n\n']
    for tag, members in nets:
        descs = []
        for e, net in enumerate(members):
            p = "g_%s%d" % (tag, e)
            out.append(c_array(p + "_w0", net.inp.weight) + c_array(p + "_b0", net.inp.bias))
            for k, c in enumerate(net.convs):
                out.append(c_array("%s_w%d" % (p, k + 1), c.weight) + c_array("%s_b%d" % (p, k + 1), c.bias))
            out.append(c_array(p + "_wout", net.out.weight))
            nconv = len(net.convs)
            out.append("static const int %s_dil[%d] = {%s};\n" % (p, len(net.dils), ", ".join(map(str, net.dils))))
            out.append("static const float *const %s_wc[%d] = {%s};\n" % (
                p, nconv, ", ".join("%s_w%d" % (p, k + 1) for k in range(nconv))))
            out.append("static const float *const %s_bc[%d] = {%s};\n\n" % (
                p, nconv, ", ".join("%s_b%d" % (p, k + 1) for k in range(nconv))))
            descs.append("{%d, %d, %d, %s_dil, %s_w0, %s_b0, %s_wc, %s_bc, %s_wout, %.9gf}" % (
                net.inp.in_channels, net.inp.out_channels, len(net.dils), p, p, p, p, p, p,
                float(net.out.bias.item())))
        out.append("static const ax_cnn_t g_%s_members[%d] = {\n    %s};\n" % (tag, len(descs), ",\n    ".join(descs)))
        out.append("const ax_cnn_ens_t ax_head_net_%s = {%d, g_%s_members};\n\n" % (tag, len(descs), tag))
    with open(path, "w") as fh:
        fh.write("".join(out))


def write_fixture(path, torch, nets):
    """A fixed small input (the raw arrays of a feature archive, with attention maps when the attn
    network takes them) and the reference logits (the mean of the ensemble members' logits)."""
    rng = np.random.RandomState(12345)
    L = 13
    F = rng.gamma(2.0, 1.0, (L, L)); F = (F + F.T) / 2; np.fill_diagonal(F, 0)
    M = rng.gamma(2.0, 1.0, (L, L)); M = (M + M.T) / 2; np.fill_diagonal(M, 0)
    f = rng.dirichlet(np.full(21, 0.5), L)
    f[3] = 0; f[3, 20] = 1.0  # an all-gap column
    pos = np.array([1, 2, 3, 5, 6, 7, 8, 10, 11, 14, 20, 40, 41], np.int32)
    z = dict(F=F, M=M, freq=f, pos=pos, neff=np.float64(57.25))
    maps = any(tag == "attn" and m[0].inp.in_channels == 12 for tag, m in nets)
    if maps:  # H attention maps as a model hands them over (rows softmax over j != i), as dumped
        H = 4
        lg = rng.normal(0.0, 1.5, (H, L, L))
        lg[:, np.arange(L), np.arange(L)] = -np.inf
        A = np.exp(lg - lg.max(2, keepdims=True))
        A /= A.sum(2, keepdims=True)
        z["A"] = ((L - 1) / 2.0 * (A + A.transpose(0, 2, 1))).astype(np.float32)
        z["vnorm"] = rng.gamma(2.0, 1.0, H)
    rnd = lambda t: t.float().double()
    lines = ["/* head_fixture.h - GENERATED by scripts/train_head.py: a fixed input and the logits the\n"
             " * training script's network computes for it (float64, activations rounded to float32),\n"
             " * for tests/test_head.c. */\n",
             "#define FX_L %d\n" % L,
             "static const int fx_pos[FX_L] = {%s};\n" % ", ".join(map(str, pos)),
             "static const double fx_neff = %.17g;\n" % z["neff"]]
    for name, arr in (("fx_F", F), ("fx_M", M), ("fx_freq", f)) + ((("fx_vnorm", z["vnorm"]),) if maps else ()):
        lines.append("static const double %s[%d] = {%s};\n" % (name, arr.size, ", ".join("%.17g" % x for x in arr.ravel())))
    if maps:  # the attention maps, symmetrised and scaled as --dump-features writes them
        lines.append("#define FX_H %d\n" % z["A"].shape[0])
        lines.append("static const float fx_A[%d] = {%s};\n" % (z["A"].size, ", ".join("%.9g" % x for x in z["A"].ravel())))
    for tag, members in nets:
        X = channels(z, tag == "attn")
        lines.append("static const float fx_X_%s[%d] = {%s};\n" % (tag, X.size, ", ".join("%.9g" % x for x in X.ravel())))
        lg = np.zeros((L, L))
        for net in members:
            nd = build(torch, net.inp.in_channels, net.inp.out_channels, net.dils).double()
            nd.load_state_dict({k: v.double() for k, v in net.state_dict().items()})
            with torch.no_grad():  # a member takes the first in_channels planes
                y = nd(torch.from_numpy(X[:net.inp.in_channels].astype(np.float64))[None], rnd)[0].numpy()
            lg += (y + y.T) / 2
        lg /= len(members)
        lines.append("static const double fx_logit_%s[%d] = {%s};\n" % (tag, lg.size, ", ".join("%.17g" % x for x in lg.ravel())))
    with open(path, "w") as fh:
        fh.write("".join(lines))


# ------------------------------------------------------------------------------ main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bench", default=os.path.join(HERE, "..", "..", "shared", "bench"))
    ap.add_argument("--axcon", default=os.path.join(HERE, "..", "axcon"))
    ap.add_argument("--features", required=True)
    ap.add_argument("--method", default="both", choices=["attn", "mf", "both"])
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--width", type=int, default=16)
    ap.add_argument("--dilations", default="1,2,4,8")
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--wd", type=float, default=1e-2)
    ap.add_argument("--accum", type=int, default=4)
    ap.add_argument("--ensemble", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--no-cv", action="store_true")
    ap.add_argument("--early-stop", action="store_true",
                    help="hold out 15%% of each fold's training groups and keep the epoch that is best on them")
    ap.add_argument("--features-only", action="store_true")
    ap.add_argument("--max-L", type=int, default=0, help="only families up to this length (quick trials)")
    ap.add_argument("--cv-out", help="write the held-out CV predictions here (DIR/attn/KEY.tsv), "
                    "the cache that scripts/fit_calibration.py --cache DIR --method attn|mf reads")
    ap.add_argument("--channels", default="ext", choices=["base", "ext"], help="ext (default): with the rank and hydropathy channels")
    ap.add_argument("--attn-maps", action="store_true",
                    help="attn: two more channels pooled from the per-head attention maps (needs features from an "
                    "axcon that writes A and vnorm into --dump-features)")
    ap.add_argument("--long-weight", type=float, default=2.0, help="loss weight of the pairs |i-j| >= 24")
    ap.add_argument("--write-c")
    ap.add_argument("--write-fixture")
    ap.add_argument("--save-nets", help="keep the final networks in DIR/<method>.pt (torch state dicts)")
    ap.add_argument("--load-nets", help="take the final networks from DIR/<method>.pt (no CV, no training), "
                    "e.g. to write one C file from networks trained by separate runs; DIR1,DIR2,...: one ensemble "
                    "of the members of every directory (each member takes the first channels it was trained on)")
    a = ap.parse_args()
    a.dils = [int(x) for x in a.dilations.split(",")]
    global EXT, LONG_WEIGHT, ATTN_MAPS
    EXT = a.channels == "ext"
    ATTN_MAPS = a.attn_maps
    LONG_WEIGHT = a.long_weight
    rows = read_table(os.path.join(a.bench, "families.tsv"))
    if a.max_L:
        rows = [r for r in rows if int(r["L"]) <= a.max_L]
    ref = {}
    for r in read_table(os.path.join(a.bench, "reference_precision.tsv")):
        if r["tool"] == "ccmpred":
            ref[r["id"]] = (float(r["L_long"]), float(r["L5_long"]))
    os.makedirs(a.features, exist_ok=True)
    paths, by_md5 = {}, {}
    t0 = time.time()
    for r in sorted(rows, key=lambda r: int(r["L"]) * int(r["N"])):
        msa = os.path.join(a.bench, r["msa"])
        md5 = hashlib.md5(open(msa, "rb").read()).hexdigest()
        if md5 not in by_md5:  # CASP domains often share one alignment file's content
            by_md5[md5] = make_features(a.axcon, msa, a.features, a.threads, a.seed)
        paths[msa] = by_md5[md5]
    keys, first = {}, {}  # fit_calibration.py's cache key: the first family's file of the same bytes
    for r in rows:
        md5 = hashlib.md5(open(os.path.join(a.bench, r["msa"]), "rb").read()).hexdigest()
        keys[r["msa"]] = first.setdefault(md5, os.path.basename(r["msa"]))
    print("# features of %d alignments ready (%.0f s)" % (len(paths), time.time() - t0), flush=True)
    if a.features_only:
        return 0
    import torch
    torch.set_num_threads(a.threads)
    nets, shape = [], {}
    for tag in (["attn", "mf"] if a.method == "both" else [a.method]):
        with_F = tag == "attn"
        if a.load_nets:  # no training: the channel count from one family's features is all it needs
            cin = channels(np.load(paths[os.path.join(a.bench, rows[0]["msa"])][1.0]), with_F).shape[0]
            members, groups_ = [], []
            for d in a.load_nets.split(","):  # one ensemble from the members of every directory
                path = os.path.join(d, tag + ".pt")
                if not os.path.exists(path):
                    continue
                saved = torch.load(path)
                if saved["cin"] > cin:   # width and dilations are the saved networks' own
                    raise SystemExit("%s: networks of %d input channels; these features give %d" % (
                        path, saved["cin"], cin))
                for st in saved["members"]:
                    net = build(torch, saved["cin"], saved["width"], saved["dils"])
                    net.load_state_dict(st)
                    net.eval()
                    net.dils = list(saved["dils"])
                    members.append(net)
                groups_.append("%d of width %d, dilations %s, %d channels" % (
                    len(saved["members"]), saved["width"], list(saved["dils"]), saved["cin"]))
                print("# %s: %d final network(s) of width %d, %d channels, loaded from %s" % (
                    tag, len(saved["members"]), saved["width"], saved["cin"], d), flush=True)
            if not members:
                raise SystemExit("--load-nets %s: no %s.pt" % (a.load_nets, tag))
            if max(n.inp.in_channels for n in members) != cin:
                raise SystemExit("%s: no loaded network takes all %d channels of these features" % (tag, cin))
            nets.append((tag, members))
            shape[tag] = " + ".join(groups_)
            continue
        fams = [load_family(r, a.bench, paths[os.path.join(a.bench, r["msa"])], with_F) for r in rows]
        for d, r in zip(fams, rows):
            d["key"] = keys[r["msa"]]
        groups = [group_of(r, a.bench) for r in rows]
        cin = fams[0]["versions"][0]["X"].shape[0]
        npar = sum(p.numel() for p in build(torch, cin, a.width, a.dils).parameters())
        print("# network %s: %d input channels, width %d, dilations %s, %d parameters; %d families, %d maps" % (
            tag, cin, a.width, a.dils, npar, len(fams), sum(len(d["versions"]) for d in fams)), flush=True)
        epochs = a.epochs
        if not a.no_cv:
            _, epochs = cross_validate(torch, fams, groups, a, cin, ref, tag)
        if a.write_c or a.save_nets:
            members = []
            for e in range(a.ensemble):
                net, _, _ = train(torch, fams, None, a, cin, a.seed + e, max(1, epochs))
                net.dils = a.dils
                members.append(net)
            nets.append((tag, members))
            shape[tag] = "%d of width %d, dilations %s, %d channels" % (a.ensemble, a.width, a.dils, cin)
            print("# %s: final network(s) (%d) trained on all %d families for %d epochs" % (
                tag, a.ensemble, len(fams), epochs), flush=True)
            if a.save_nets:
                os.makedirs(a.save_nets, exist_ok=True)
                torch.save(dict(width=a.width, dils=a.dils, cin=cin, epochs=epochs,
                                members=[n.state_dict() for n in members]), os.path.join(a.save_nets, tag + ".pt"))
    if a.write_c:
        write_c(a.write_c, nets, "%s; seeds from %d, lr %g, weight decay %g." % (
            "; ".join("%s: %d member(s), %s" % (t, len(m), shape[t]) for t, m in nets),
            a.seed, a.lr, a.wd))
    if a.write_fixture:
        write_fixture(a.write_fixture, torch, nets)
    return 0


if __name__ == "__main__":
    sys.exit(main())
