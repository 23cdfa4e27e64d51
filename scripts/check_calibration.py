#!/usr/bin/env python3
"""check_calibration.py - is axcon's P(contact) calibrated? Predicted against observed contact
rate per probability bin, on ../shared/bench.

Runs `axcon predict -m METHOD -f tsv` on every family (cached in --pred-dir; delete it after
changing the model; the probabilities come from the binary, so this checks the constants as
compiled into contacts.c, not the fitting script), joins each pair with the truth file
(pairs with s = |i-j| >= 6 and both residues observed; contact = distance < 8 A) and prints,
for 10 bins of predicted probability: pairs, mean predicted p, observed contact rate; plus
Brier score, log loss and the expected calibration error (ECE, pair-weighted |mean p -
observed| over bins). Two views: every pair, and the top-L pairs of each family (what users
read first). The CASP domains of one target share one prediction (see fit_calibration.py).

Usage: scripts/check_calibration.py --axcon BUILD/axcon --method mf [--pred-dir DIR] [--bins 10]
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fit_calibration as fc  # noqa: E402


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--axcon", default="axcon")
    ap.add_argument("--bench", default=os.path.join(here, "..", "..", "shared", "bench"))
    ap.add_argument("--method", default="mf")
    ap.add_argument("--pred-dir", default="/tmp/axcon-calib-check")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--bins", type=int, default=10)
    ap.add_argument("--max-len", type=int, default=0, help="skip alignments with more columns (0 = none)")
    args = ap.parse_args()

    every, top = [], []
    nfam = 0
    for fam in fc.read_families(args.bench):
        truth = fc.read_truth(os.path.join(args.bench, fam["truth"]))
        if args.max_len and fc.info(args.axcon, args.bench, fam, args.pred_dir)["columns"] > args.max_len:
            continue
        pairs = fc.predict_axcon(args.axcon, args.bench, fam, args.method, args.pred_dir, args.threads)
        nfam += 1
        L = int(fam["L"])
        ranked = [p for p in pairs if p[1] - p[0] >= fc.CALIB_SEP and (p[0], p[1]) in truth]
        for r, (i, j, s, p) in enumerate(ranked):
            y = 1 if truth[(i, j)] < 8.0 else 0
            every.append((p, y, 1.0))
            if r < L:
                top.append((p, y, 1.0))
    for title, rows in (("every observed pair with s >= 6", every), ("top-L pairs of each family (s >= 6)", top)):
        lines, summ = fc.calib_table(rows, args.bins)
        print("## -m %s, %d families: %s" % (args.method, nfam, title))
        print("\n".join(lines))
        print("brier %.5f  logloss %.5f  ECE %.4f  (%d pairs)\n" % (summ["brier"], summ["logloss"], summ["ece"],
                                                                   int(summ["pairs"])))


if __name__ == "__main__":
    main()
