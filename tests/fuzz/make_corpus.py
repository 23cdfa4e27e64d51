#!/usr/bin/env python3
"""make_corpus.py - write the seed corpora of the fuzz targets (tests/fuzz/corpus/TARGET/).

Owns: small, project-written example inputs for every format each target reads, in plain,
gzip and BGZF form. Each seed starts with the target's option byte (see the comment at the
top of tests/fuzz/fuzz_TARGET.c). Run from anywhere: python3 tests/fuzz/make_corpus.py
(rewrites the corpus directories; the output is deterministic)."""
import os
import shutil
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))


def gz(data, mtime=0):
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    body = c.compress(data) + c.flush()
    head = b"\x1f\x8b\x08\x00" + struct.pack("<I", mtime) + b"\x00\x03"
    return head + body + struct.pack("<II", zlib.crc32(data), len(data) & 0xFFFFFFFF)


def bgzf_block(data):
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    body = c.compress(data) + c.flush()
    bsize = 18 + len(body) + 8
    head = b"\x1f\x8b\x08\x04\x00\x00\x00\x00\x00\xff\x06\x00BC\x02\x00" + struct.pack("<H", bsize - 1)
    return head + body + struct.pack("<II", zlib.crc32(data), len(data))


BGZF_EOF = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")


def bgzf(data, block=64, eof=True):
    out = b"".join(bgzf_block(data[k:k + block]) for k in range(0, len(data), block))
    return out + (BGZF_EOF if eof else b"")


def write(target, name, sel, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(bytes([sel]) + data)


# ---- alignments -------------------------------------------------------------------------
FASTA = b""">q1 query protein
MKVLAT-GHW
>s2 homolog
MKVIAS-GHW
>s3
MR-LATAGYW
>s4
--VLGTAGHF
"""
A3M = b"""#60 1
>ss_pred
CCHHHHHCCC
>q1
MKVLATGHWE
>s2
MKvvLIASGHWE
>s3 short insert
MR-LAT.GYWQq
>s4
--VLGTaaaGHF-
"""
A2M = b""">q1
MKVLAT..GHWE
>s2
MKVIASkrGHW-
>s3
MR-LATq.GYWQ
"""
PSICOV = b"""MKVLATGHWE
MKVIASGHW-
MR-LATGYWQ
--VLGTAGHF
MXBZJUOKLA
"""
STO = b"""# STOCKHOLM 1.0
#=GF ID   example
#=GS q1/1-10 DE query
q1/1-10        MKVLA.TGHWE
s2/3-11        MKVIAkSGHW-
#=GR s2/3-11 SS  CCHHHHCCCC-
s3             MR-LA.TGYWQ
#=GC SS_cons   CCHHH.HCCCC

q1/1-10        KLMN
s2/3-11        KLMN
s3             K-MN
//
# STOCKHOLM 1.0
second  AAAA
//
"""


def msa_seeds():
    t = "fuzz_msa"
    write(t, "fasta_auto", 0, FASTA)
    write(t, "fasta_forced", 1, FASTA)
    write(t, "a3m_auto", 0, A3M)
    write(t, "a3m_forced", 2, A3M)
    write(t, "a2m_auto", 0, A2M)
    write(t, "a2m_forced", 3, A2M)
    write(t, "psicov_auto", 0, PSICOV)
    write(t, "psicov_forced", 4, PSICOV)
    write(t, "stockholm_auto", 0, STO)
    write(t, "stockholm_forced", 5, STO)
    write(t, "fasta_filters", 8 | 16, FASTA)
    write(t, "a3m_filters", 8 | 16, A3M)
    write(t, "fasta_maxline", 32, FASTA)
    write(t, "psicov_maxseqs", 64, PSICOV)
    write(t, "crlf_bom", 0, b"\xef\xbb\xbf" + FASTA.replace(b"\n", b"\r\n"))
    write(t, "fasta_wrapped", 0, b">q\nMKVL\n ATGH\n>s\nMK-L\nAT\tGH\n")
    write(t, "fasta_gz", 0, gz(FASTA))
    write(t, "a3m_gz_multimember", 0, gz(A3M[:40]) + gz(A3M[40:]))
    write(t, "sto_bgzf", 0, bgzf(STO))
    write(t, "a3m_bgzf_file", 128, bgzf(A3M))
    write(t, "fasta_file", 128, FASTA)
    write(t, "psicov_gz_file", 128 | 4, gz(PSICOV))
    write(t, "bgzf_no_eof", 0, bgzf(FASTA, eof=False))
    write(t, "gz_truncated", 0, gz(FASTA)[:-6])


# ---- structures -------------------------------------------------------------------------
def pdb_atom(rec, serial, name, alt, res, chain, seq, icode, x, y, z):
    return ("%-6s%5d %-4s%1s%3s %1s%4d%1s   %8.3f%8.3f%8.3f  1.00 20.00\n" %
            (rec, serial, name, alt, res, chain, seq, icode, x, y, z)).encode()


def pdb_file():
    lines = [b"HEADER    TEST STRUCTURE\n", b"MODEL        1\n"]
    serial = 1
    res = [("MET", 1, " "), ("GLY", 2, " "), ("ALA", 3, " "), ("SER", 3, "A"), ("MSE", 4, " "), ("LYS", 6, " ")]
    for chain in "AB":
        for k, (rn, sq, ic) in enumerate(res):
            rec = "HETATM" if rn == "MSE" else "ATOM"
            for an, dx in ((" N", 0.0), (" CA", 1.0), (" CB", 2.0)):
                if rn == "GLY" and an == " CB":
                    continue
                alts = "AB" if (rn == "SER" and an == " CA") else " "
                for alt in alts:
                    lines.append(pdb_atom(rec, serial, an.strip() if len(an.strip()) == 4 else an, alt, rn, chain,
                                          sq, ic, 3.8 * k + dx, 1.5 * (chain == "B"), 0.5 * k))
                    serial += 1
        lines.append(b"TER\n")
    lines.append(pdb_atom("HETATM", serial, " O", " ", "HOH", "A", 100, " ", 0, 0, 0))
    lines.append(b"ENDMDL\nMODEL        2\n")
    lines.append(pdb_atom("ATOM", 1, " CA", " ", "TRP", "A", 1, " ", 9, 9, 9))
    lines.append(b"ENDMDL\nEND\n")
    return b"".join(lines)


def cif_file():
    head = b"""data_TEST
#
_entry.id TEST
loop_
_atom_site.group_PDB
_atom_site.id
_atom_site.type_symbol
_atom_site.label_atom_id
_atom_site.label_alt_id
_atom_site.label_comp_id
_atom_site.label_asym_id
_atom_site.label_seq_id
_atom_site.pdbx_PDB_ins_code
_atom_site.Cartn_x
_atom_site.Cartn_y
_atom_site.Cartn_z
_atom_site.auth_seq_id
_atom_site.auth_comp_id
_atom_site.auth_asym_id
_atom_site.auth_atom_id
_atom_site.pdbx_PDB_model_num
"""
    rows = []
    n = 1
    for model in (1, 2):
        for chain, lab in (("A", "A"), ("B", "C")):
            for k, (rn, ins) in enumerate((("MET", "?"), ("GLY", "?"), ("ALA", "A"), ("SEP", "?"))):
                for an in ("N", "CA", "CB"):
                    if rn == "GLY" and an == "CB":
                        continue
                    rows.append("ATOM %d %s %s . %s %s %d %s %.3f %.3f %.3f %d %s %s %s %d\n" %
                                (n, an[0], an, rn, lab, k + 1, ins, 3.8 * k, 0.5 * n, -1.0, k + 10, rn, chain,
                                 '"%s"' % an if an == "CA" else an, model))
                    n += 1
    rows.append("HETATM %d O O . HOH D . ? 1.0 2.0 3.0 200 HOH A O 1\n" % n)
    tail = b"""#
loop_
_struct_conf.id
_struct_conf.details
HELX1
;multi-line
text field
;
"""
    return head + "".join(rows).encode() + tail


def structure_seeds():
    t = "fuzz_structure"
    pdb, cif = pdb_file(), cif_file()
    write(t, "pdb_all", 0, pdb)
    write(t, "pdb_chain_b", 2, pdb)
    write(t, "pdb_map", 8, pdb)
    write(t, "pdb_gz_file", 4, gz(pdb))
    write(t, "pdb_ca_only", 0, b"".join(pdb_atom("ATOM", k + 1, " CA", " ", "LEU", "A", k + 1, " ", 3.8 * k, 0, 0)
                                            for k in range(8)))
    write(t, "cif_all", 0, cif)
    write(t, "cif_chain_a", 1, cif)
    write(t, "cif_map", 8 | 1, cif)
    write(t, "cif_file", 4, cif)
    write(t, "cif_bgzf_file", 4 | 8, bgzf(cif, block=200))


# ---- predictions ------------------------------------------------------------------------
RR = b"""PFRMAT RR
TARGET T0001
AUTHOR 1234-5678
METHOD axcon
MODEL  1
MKVLATGHWEKLMN
PQRS
1 8 0 8 0.91
2 12 0 8 0.80
3 9 0 8 0.5
5 17 0.7
END
"""
MAT = b"""0 0.1 0.2 0.3
0.1 0 0.5 0.05
0.2 0.5 0 -0.1
0.3 0.05 -0.1 0
"""
TSV = b"i\tj\tscore\tprobability\n1\t8\t0.91\t0.88\n2\t12\t0.80\t0.5\n12\t2\t0.95\t0.6\n3\t9\t1e-3\t0\n"
CSV = (b"i,A_i,j,A_j,fn,cn,probability\n1,M,8,G,0.5,0.91,0.9\n2,K,12,W,0.4,0.80,0.7\n"
       b"3,V,9,H,0.1,0.2,0.1\n")
PLMC = b"1 M 8 G 0 0.91\n2 K 12 W 0 0.80\n3 V 9 H 0 -0.2\n"
FREECONTACT = b"1 M 8 G 0.4 0.91\n2 K 12 W 0.3 0.80\n3 V 9 H 0.1 0.05\n"
PSICOV_PRED = b"1 8 0 8 0.91\n2 12 0 8 0.80\n3 9 0 8 0.5\n"


def pred_seeds():
    t = "fuzz_pred"
    for name, fmt, data in (("rr", 1, RR), ("mat", 2, MAT), ("tsv", 3, TSV), ("csv", 4, CSV), ("plmc", 5, PLMC),
                            ("freecontact", 6, FREECONTACT), ("psicov", 7, PSICOV_PRED)):
        write(t, name + "_auto", 0, data)
        write(t, name + "_forced", fmt, data)
        write(t, name + "_len50", fmt | 8, data)
    write(t, "rr_headerless", 0, b"1 8 0.9\n2 12 0.8\n")
    write(t, "rr_two_models", 1, RR.replace(b"END\n", b"MODEL 2\n1 2 0 8 0.1\nEND\n"))
    write(t, "tsv_crlf_comments", 0, b"# comment\r\n" + TSV.replace(b"\n", b"\r\n"))
    write(t, "tsv_gz_file", 16, gz(TSV))
    write(t, "mat_bgzf_file", 16 | 2, bgzf(MAT, block=32))
    write(t, "csv_gz_file_len", 16 | 8, gz(CSV))


# ---- truth ------------------------------------------------------------------------------
TRUTH = b"i\tj\tdistance\n1\t2\t3.800\n1\t3\t6.100\n2\t3\t3.790\n1\t9\t12.5\n3\t9\t8.000\n"


def truth_seeds():
    t = "fuzz_truth"
    write(t, "truth_header", 0, TRUTH)
    write(t, "truth_len10", 1, TRUTH)
    write(t, "truth_len100", 2, b"# comment\n\n" + TRUTH.replace(b"\n", b"\r\n"))
    write(t, "truth_noheader", 3, TRUTH.split(b"\n", 1)[1])
    write(t, "truth_gz", 0, gz(TRUTH))
    write(t, "truth_bgzf", 1, bgzf(TRUTH, block=20))


if __name__ == "__main__":
    for t in ("fuzz_msa", "fuzz_structure", "fuzz_pred", "fuzz_truth"):
        shutil.rmtree(os.path.join(HERE, "corpus", t), ignore_errors=True)
    msa_seeds()
    structure_seeds()
    pred_seeds()
    truth_seeds()
