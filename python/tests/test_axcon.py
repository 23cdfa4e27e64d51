"""Tests of the Python module axcon (python/axcon) against the axcon CLI of the same build.

Run by tests/test_python.sh (AXCON_LIBRARY = the build's libaxcon.so.1, AXCON_BIN = the
CLI, AXCON_SRCDIR = the source tree). Each result is compared with what the CLI prints
for the same alignment and options, so the two interfaces cannot drift apart.
"""
import gzip
import json
import os
import subprocess

import numpy as np
import pytest

import axcon

SRC = os.environ.get("AXCON_SRCDIR", os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("AXCON_BIN", os.path.join(SRC, "axcon"))
MSA = os.path.join(SRC, "data", "example.a3m")
TRUTH = os.path.join(SRC, "data", "example.true.tsv")


def cli(*args):
    r = subprocess.run([BIN] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True)
    return r.stdout.decode()


def cli_tsv(*args):
    rows = [l.split("\t") for l in cli("predict", "-q", "-f", "tsv", *args).splitlines() if l and l[0] != "#"]
    return [(int(a), int(b), float(s), float(p)) for a, b, s, p in rows]


@pytest.fixture(scope="module")
def msa():
    return axcon.read_msa(MSA)


def test_version_matches_cli():
    assert axcon.library_version() == axcon.__version__
    assert axcon.__version__ in subprocess.run([BIN, "--version"], stdout=subprocess.PIPE,
                                               stderr=subprocess.STDOUT).stdout.decode()


def test_read_msa_as_info_reports(msa):
    info = json.loads(cli("info", "-q", "--json", MSA))
    assert (msa.nseq, msa.ncol) == (info["sequences"], info["columns"])
    assert msa.format == info["format"] == "a3m"
    assert msa.query == info["query_sequence"]
    assert msa.query_name == info["query_name"]
    assert msa.neff == pytest.approx(info["neff"], abs=1e-3)
    assert msa.gap_fraction == pytest.approx(info["gap_fraction"], abs=1e-5)
    codes = msa.codes
    assert codes.shape == (msa.nseq, msa.ncol) and codes.dtype == np.uint8 and codes.max() <= 20
    assert "".join(axcon.Alignment.ALPHABET[c] for c in codes[0]) == msa.query  # no query gaps here
    assert list(msa.positions) == list(range(1, msa.ncol + 1))
    w, neff = msa.weights(0.62)
    assert w.shape == (msa.nseq,) and np.all(w > 0) and np.all(w <= 1) and neff == pytest.approx(w.sum())
    assert neff < msa.neff  # a lower identity threshold merges more sequences


def test_read_msa_gzip_and_filters(tmp_path, msa):
    gz = tmp_path / "example.a3m.gz"
    with open(MSA, "rb") as f, gzip.open(gz, "wb") as g:
        g.write(f.read())
    m = axcon.read_msa(gz)  # a PathLike
    assert (m.nseq, m.ncol) == (msa.nseq, msa.ncol)
    info = json.loads(cli("info", "-q", "--json", "--max-seq-gap", "0.05", MSA))
    m = axcon.read_msa(MSA, max_seq_gap=0.05)
    assert m.nseq == info["sequences"] < msa.nseq


@pytest.mark.parametrize("method,opts,args", [
    ("mf", {"head": "none"}, ["-m", "mf", "--no-head"]),
    ("mf", {"pseudocount": 0.5, "min_sep": 12, "apc": False}, ["-m", "mf", "--pseudocount", "0.5", "--min-sep", "12",
                                                               "--no-apc"]),
    ("plm", {"max_iter": 5}, ["-m", "plm", "--max-iter", "5"]),
    ("attn", {"max_iter": 5}, ["--max-iter", "5"]),
    ("attn", {"max_iter": 3, "attn_residual": "sparse"}, ["--max-iter", "3", "--attn-residual", "sparse"]),
])
def test_predict_matches_cli(msa, method, opts, args):
    cm = axcon.predict(msa, method=method, threads=1, **opts)
    want = cli_tsv("-t", "1", *args, MSA)
    got = cm.contacts
    assert len(got) == len(want) > 0
    assert [(int(c["i"]), int(c["j"])) for c in got[:50]] == [(a, b) for a, b, _, _ in want[:50]]
    assert np.allclose(got["score"], [s for _, _, s, _ in want], rtol=1e-5, atol=1e-6)
    assert np.allclose(got["prob"], [p for _, _, _, p in want], atol=1e-4)
    assert cm.method == method and cm.length == len(msa.query) and cm.query == msa.query
    assert cm.head == ("" if method == "plm" or opts.get("head") == "none" or opts.get("apc") is False else "net")
    assert cm.min_sep == opts.get("min_sep", 6)
    assert np.all(np.abs(got["j"] - got["i"]) >= cm.min_sep)
    S = cm.scores
    assert S.shape == (cm.length, cm.length) and np.allclose(S, S.T) and np.all(np.diag(S) == 0)
    top = got[0]
    assert S[top["i"] - 1, top["j"] - 1] == pytest.approx(top["score"])
    assert np.all(np.diff(got["score"]) <= 0)  # ranked best first


def test_predict_from_path_and_codes(msa):
    a = axcon.predict(MSA, method="mf", head="none").contacts
    b = axcon.predict(axcon.Alignment.from_codes(msa.codes), method="mf", head="none").contacts
    assert np.array_equal(a[["i", "j"]], b[["i", "j"]]) and np.allclose(a["score"], b["score"])


def test_threads_do_not_change_results(msa):
    one = axcon.predict(msa, method="mf", threads=1).scores
    two = axcon.predict(msa, method="mf", threads=2).scores
    assert axcon.set_threads(1) == 1 or axcon.set_threads(1) >= 1
    assert np.allclose(one, two, rtol=0, atol=1e-6)


def test_evaluate_matches_cli(msa, tmp_path):
    cm = axcon.predict(msa, method="mf")
    out = tmp_path / "p.tsv"
    cm.write(out)
    want = json.loads(cli("eval", "-q", "--json", "--truth", TRUTH, str(out)))
    got = axcon.evaluate(cm, truth=TRUTH)
    assert got["length"] == want["length"] == 80
    for r in ("short", "medium", "long", "medium_long", "all"):
        for k in ("L", "L2", "L5"):
            assert got[r][k] == pytest.approx(want[r][k], abs=1e-6)
        assert got[r]["contacts"] == want[r]["contacts"]
    assert axcon.evaluate(str(out), truth=TRUTH)["long"] == got["long"]
    assert got["long"]["L5"] > 0.5  # the simulated family's contacts are found


def test_evaluate_against_a_structure(msa, tmp_path):
    # a straight chain of CB atoms 3.8 A apart along x, residues of the query: |i-j| <= 2 are
    # within 8 A, nothing long-range is a contact
    pdb = tmp_path / "line.pdb"
    three = {"A": "ALA", "R": "ARG", "N": "ASN", "D": "ASP", "C": "CYS", "Q": "GLN", "E": "GLU", "G": "GLY",
             "H": "HIS", "I": "ILE", "L": "LEU", "K": "LYS", "M": "MET", "F": "PHE", "P": "PRO", "S": "SER",
             "T": "THR", "W": "TRP", "Y": "TYR", "V": "VAL"}
    lines, n = [], 1
    for k, aa in enumerate(msa.query):
        for atom in ("CA", "CB"):
            lines.append("ATOM  %5d  %-3s %3s A%4d    %8.3f%8.3f%8.3f  1.00  0.00           C" %
                         (n, atom, three[aa], k + 1, 3.8 * k, 0.0 if atom == "CA" else 1.0, 0.0))
            n += 1
    pdb.write_text("\n".join(lines) + "\nEND\n")
    cm = axcon.predict(msa, method="mf")
    got = axcon.evaluate(cm, pdb=pdb)
    assert got["chain"] == "A" and got["length"] == 80
    assert got["long"]["contacts"] == 0 and got["long"]["L"] == 0.0
    cm.write(tmp_path / "p.tsv")  # a tsv file has no sequence: pdb= needs query=
    with pytest.raises(axcon.UsageError, match="query"):
        axcon.evaluate(str(tmp_path / "p.tsv"), pdb=pdb)
    assert axcon.evaluate(str(tmp_path / "p.tsv"), pdb=pdb, query=msa.query) == got


def test_write_formats_read_back(msa, tmp_path):
    cm = axcon.predict(msa, method="mf")
    top = cm.contacts[:20]
    rr = tmp_path / "x.rr"
    cm.write(rr, format="rr", top=20, author="1234-5678", target="T0999", remark=["first", "second"])
    text = rr.read_text().splitlines()
    assert text[:5] == ["PFRMAT RR", "TARGET T0999", "AUTHOR 1234-5678", "REMARK first", "REMARK second"]
    pairs, seq = axcon.read_prediction(rr)
    assert seq == msa.query and len(pairs) == 20
    assert set(zip(pairs["i"], pairs["j"])) == set(zip(top["i"], top["j"]))
    for fmt in ("psicov", "tsv", "plmc", "csv"):
        p = tmp_path / ("x." + fmt)
        cm.write(p, format=fmt, top="L/2")
        pairs, _ = axcon.read_prediction(p, format=fmt)
        assert len(pairs) == 40
        assert np.array_equal(pairs[["i", "j"]], cm.contacts[:40][["i", "j"]])
        if fmt != "csv":  # csv's score column is cn, the same APC score
            assert np.allclose(pairs["score"], cm.contacts[:40]["score"], rtol=1e-5)
    assert axcon.read_prediction(tmp_path / "x.psicov")[0].size == 40
    assert (tmp_path / "x.psicov").read_text().splitlines()[0].split()[2:4] == ["0", "8"]


def test_errors_are_exceptions_with_axcon_messages(tmp_path):
    bad = tmp_path / "bad.fa"
    bad.write_text(">q\nACDEFGHIKL\n>s\nACDEF\n")
    with pytest.raises(axcon.InputError, match=r"bad\.fa:3: rows of different lengths") as e:
        axcon.read_msa(bad)
    assert e.value.status == -1 and isinstance(e.value, ValueError)
    with pytest.raises(axcon.Error, match="nothere"):
        axcon.read_msa(tmp_path / "nothere.a3m")
    rna = tmp_path / "rna.fa"
    rna.write_text(">q\n" + "ACGUACGUAGCUAGCUAGCUAGGCAU\n" + ">s\n" + "ACGUACGAAGCUAGCUAGCUAGGCAU\n")
    with pytest.raises(axcon.InputError, match="nucleotide"):
        axcon.read_msa(rna)
    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(axcon.InputError):
        axcon.read_msa(garbage)
    with pytest.raises(axcon.UsageError, match="min-sep wants a whole number >= 1, got '0'"):
        axcon.predict(MSA, method="mf", min_sep=0)
    with pytest.raises(axcon.UsageError, match="unknown prediction option 'colour'"):
        axcon.predict(MSA, method="mf", colour="red")
    with pytest.raises(axcon.UsageError, match="unknown method 'dca'"):
        axcon.predict(MSA, method="dca")
    with pytest.raises(axcon.UsageError, match="head wants linear, net or none"):
        axcon.predict(MSA, head="big")
    with pytest.raises(axcon.UsageError):
        axcon.read_msa(42)
    with pytest.raises(axcon.UsageError):
        axcon.read_msa(MSA, max_col_gap=2)
    with pytest.raises(axcon.UsageError):
        axcon.set_threads(0)
    with pytest.raises(axcon.InputError):
        axcon.Alignment.from_codes(np.full((3, 10), 25))
    with pytest.raises(axcon.UsageError):
        axcon.Alignment.from_codes(np.zeros(10, dtype=int))
    cm = axcon.predict(MSA, method="mf")
    with pytest.raises(axcon.UsageError, match="AUTHOR"):
        cm.write(tmp_path / "a.rr", format="rr", author="two words")
    assert not (tmp_path / "a.rr").exists()  # nothing half-written
    with pytest.raises(axcon.UsageError, match="unknown output format"):
        cm.write(tmp_path / "a.out", format="pdf")
    with pytest.raises(axcon.Error):
        cm.write(tmp_path / "no" / "such" / "dir.tsv")
    with pytest.raises(axcon.InputError, match="not_a_pdb"):
        p = tmp_path / "not_a_pdb.pdb"
        p.write_text("hello\n")
        axcon.evaluate(cm, pdb=p)
    with pytest.raises(axcon.UsageError):
        axcon.evaluate(cm)
    with pytest.raises(axcon.ResourceError, match="max-mem|memory"):
        axcon.predict(MSA, method="plm", max_mem="1K")
