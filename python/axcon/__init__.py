"""axcon - residue contact prediction from multiple sequence alignments, from Python.

A thin ctypes layer over libaxcon.so (the library the `axcon` command is built on): the
same readers, models, contact heads, writers and evaluation, with numpy arrays in and out
and axcon's own error messages raised as exceptions.

    import axcon
    msa = axcon.read_msa("family.a3m")          # FASTA, A3M, A2M, PSICOV, Stockholm; .gz
    cm = axcon.predict(msa, method="attn", threads=2)
    cm.scores                                   # L x L numpy array, query numbering
    cm.contacts[:10]                            # ranked pairs: i, j, score, prob
    axcon.evaluate(cm, pdb="native.pdb")        # precision by range and top-L/k
    cm.write("family.rr", format="rr", author="1234-5678")

The library is found as $AXCON_LIBRARY, else where `make install` put it, else in the
build tree this file sits in (../../.libs), else by the dynamic loader (libaxcon.so.1).
"""

import ctypes
import ctypes.util
import os

import numpy as np

__all__ = [
    "Error", "InputError", "UsageError", "ResourceError", "AxconIOError", "InternalError",
    "Alignment", "ContactMap", "read_msa", "predict", "evaluate", "read_prediction",
    "set_log_level", "set_threads", "library_version", "METHODS", "FORMATS",
]

METHODS = ("attn", "mf", "plm")
FORMATS = ("rr", "mat", "tsv", "csv", "plmc", "rosetta", "psicov")
_ALPHABET = "ARNDCQEGHILKMFPSTWYV-"
_ERRMSG_MAX = 1024
_NRANGES, _NTOPS = 5, 3
_RANGES = ("short", "medium", "long", "medium_long", "all")


# ---- errors --------------------------------------------------------------------------------

class Error(Exception):
    """An axcon failure; str(e) is axcon's one-line message, e.status its status code."""

    def __init__(self, message, status):
        super().__init__(message)
        self.status = status


class InputError(Error, ValueError):
    """Malformed or unusable input (AXCON_EINPUT): a bad alignment, structure or prediction file."""


class UsageError(Error, ValueError):
    """An invalid option or argument (AXCON_EUSAGE)."""


class AxconIOError(Error, OSError):
    """A system I/O failure while reading or writing (AXCON_EIO)."""


class ResourceError(Error, MemoryError):
    """Refused or failed for lack of memory (AXCON_ERESOURCE, AXCON_ENOMEM)."""


class InternalError(Error, RuntimeError):
    """A bug in axcon (AXCON_EINTERNAL): please report it with the input."""


_STATUS_CLASS = {-1: InputError, -2: UsageError, -3: ResourceError, -4: AxconIOError, -5: ResourceError,
                 -6: InternalError}


class _Err(ctypes.Structure):
    _fields_ = [("status", ctypes.c_int), ("msg", ctypes.c_char * _ERRMSG_MAX)]


def _raise(err, status):
    msg = err.msg.decode("utf-8", "replace") or "axcon: unknown failure (status %d)" % status
    raise _STATUS_CLASS.get(status, Error)(msg, status)


# ---- the library ---------------------------------------------------------------------------

def _candidates():
    env = os.environ.get("AXCON_LIBRARY")
    if env:
        yield env
        return
    try:
        from . import _libpath  # written by `make install`
        yield _libpath.LIBAXCON
    except ImportError:
        pass
    here = os.path.dirname(os.path.realpath(__file__))
    yield os.path.join(here, "..", "..", ".libs", "libaxcon.so.1")
    found = ctypes.util.find_library("axcon")
    yield found or "libaxcon.so.1"


def _load():
    tried = []
    for path in _candidates():
        if path and (os.path.exists(path) or os.sep not in path):
            try:
                return ctypes.CDLL(path)
            except OSError as e:
                tried.append("%s (%s)" % (path, e))
        else:
            tried.append("%s (no such file)" % path)
    raise ImportError("axcon: cannot load libaxcon.so; tried " + "; ".join(tried) +
                      ". Build axcon (./configure && make) or set AXCON_LIBRARY to the library's path.")


_lib = _load()
_P, _I, _SZ, _D, _S = ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t, ctypes.c_double, ctypes.c_char_p
_E = ctypes.POINTER(_Err)


class _Contact(ctypes.Structure):
    _fields_ = [("i", ctypes.c_int), ("j", ctypes.c_int), ("score", ctypes.c_double), ("prob", ctypes.c_double)]


class _PredPair(ctypes.Structure):
    _fields_ = [("i", ctypes.c_int), ("j", ctypes.c_int), ("score", ctypes.c_double)]


class _EvalResult(ctypes.Structure):
    _fields_ = [("length", ctypes.c_int), ("top_k", ctypes.c_int * _NTOPS), ("ntop", ctypes.c_int * _NTOPS),
                ("nranked", ctypes.c_size_t * _NRANGES), ("ncontacts", ctypes.c_size_t * _NRANGES),
                ("correct", (ctypes.c_int * _NTOPS) * _NRANGES), ("precision", (ctypes.c_double * _NTOPS) * _NRANGES),
                ("ndropped", ctypes.c_size_t)]


def _fn(name, restype, *argtypes):
    f = getattr(_lib, name)
    f.restype = restype
    f.argtypes = list(argtypes)
    return f


_version = _fn("axcon_version", _S)
_log_set_level = _fn("axcon_log_set_level", None, _I)
_set_threads_c = _fn("axcon_set_threads", _I, _I)
_get_threads = _fn("axcon_get_threads", _I)
_msa_read = _fn("axcon_msa_read", _I, _S, _P, ctypes.POINTER(_P), _E)
_msa_from_codes = _fn("axcon_msa_from_codes", _I, ctypes.POINTER(ctypes.c_uint8), _SZ, _SZ, _S, ctypes.POINTER(_P), _E)
_msa_free = _fn("axcon_msa_free", None, _P)
_msa_nseq = _fn("axcon_msa_nseq", _SZ, _P)
_msa_ncol = _fn("axcon_msa_ncol", _SZ, _P)
_msa_nseq_read = _fn("axcon_msa_nseq_read", _SZ, _P)
_msa_ncol_match = _fn("axcon_msa_ncol_match", _SZ, _P)
_msa_data = _fn("axcon_msa_data", ctypes.POINTER(ctypes.c_uint8), _P)
_msa_col_pos = _fn("axcon_msa_col_pos", _I, _P, _SZ)
_msa_query_name = _fn("axcon_msa_query_name", _S, _P)
_msa_query_seq = _fn("axcon_msa_query_seq", _S, _P)
_msa_seq_name = _fn("axcon_msa_seq_name", _S, _P, _SZ)
_msa_format = _fn("axcon_msa_format", _I, _P)
_msa_format_name = _fn("axcon_msa_format_name", _S, _I)
_msa_gap_fraction = _fn("axcon_msa_gap_fraction", _D, _P)
_weights = _fn("axcon_weights_identity", _I, _P, _D, ctypes.POINTER(_D), ctypes.POINTER(_D), _E)
_popts_new = _fn("axcon_predict_opts_new", _P)
_popts_free = _fn("axcon_predict_opts_free", None, _P)
_popts_set = _fn("axcon_predict_opts_set", _I, _P, _S, _S, _E)
_predict_c = _fn("axcon_predict", _I, _P, _P, ctypes.POINTER(_P), _E)
_cmap_free = _fn("axcon_cmap_free", None, _P)
_cmap_len = _fn("axcon_cmap_len", _SZ, _P)
_cmap_scores = _fn("axcon_cmap_scores", ctypes.POINTER(_D), _P)
_cmap_ranked = _fn("axcon_cmap_ranked", ctypes.POINTER(_Contact), _P, ctypes.POINTER(_SZ))
_cmap_method = _fn("axcon_cmap_method", _S, _P)
_cmap_head = _fn("axcon_cmap_head", _S, _P)
_cmap_neff = _fn("axcon_cmap_neff", _D, _P)
_cmap_min_sep = _fn("axcon_cmap_min_sep", _I, _P)
_cmap_query_seq = _fn("axcon_cmap_query_seq", _S, _P)
_cmap_query_name = _fn("axcon_cmap_query_name", _S, _P)
_cmap_scored = _fn("axcon_cmap_scored", _I, _P, _I)
_cmap_write = _fn("axcon_cmap_write", _I, _P, _S, _S, _S, _S, _S, _S, _E)
_pred_from_cmap = _fn("axcon_pred_from_cmap", _I, _P, ctypes.POINTER(_P), _E)
_pred_read = _fn("axcon_pred_read", _I, _S, _I, _I, ctypes.POINTER(_P), _E)
_pred_format_parse = _fn("axcon_pred_format_parse", _I, _S, ctypes.POINTER(_I))
_pred_format_name = _fn("axcon_pred_format_name", _S, _I)
_pred_format = _fn("axcon_pred_format", _I, _P)
_pred_npairs = _fn("axcon_pred_npairs", _SZ, _P)
_pred_pairs = _fn("axcon_pred_pairs", ctypes.POINTER(_PredPair), _P)
_pred_seq = _fn("axcon_pred_seq", _S, _P)
_pred_free = _fn("axcon_pred_free", None, _P)
_structure_read = _fn("axcon_structure_read", _I, _S, _S, ctypes.POINTER(_P), _E)
_structure_select_best = _fn("axcon_structure_select_best", _I, _P, _S, _E)
_structure_chain = _fn("axcon_structure_chain", _S, _P)
_structure_free = _fn("axcon_structure_free", None, _P)
_truth_read = _fn("axcon_truth_read", _I, _S, _I, ctypes.POINTER(_P), _E)
_truth_from_structure = _fn("axcon_truth_from_structure", _I, _P, _S, ctypes.POINTER(_P), _E)
_truth_length = _fn("axcon_truth_length", _I, _P)
_truth_free = _fn("axcon_truth_free", None, _P)
_eval_precision = _fn("axcon_eval_precision", _I, _P, _P, ctypes.POINTER(_EvalResult), _E)
_eval_result_sizeof = _fn("axcon_eval_result_sizeof", _SZ)

if _eval_result_sizeof() != ctypes.sizeof(_EvalResult):
    raise ImportError("axcon: this module does not match libaxcon %s (axcon_eval_result_t is %d bytes, "
                      "the module lays out %d)" % (_version().decode(), _eval_result_sizeof(),
                                                  ctypes.sizeof(_EvalResult)))


class _MsaOpts(ctypes.Structure):
    # axcon_msa_opts_t (axcon/msa.h): format, max_seq_gap, max_col_gap, max_line, max_seqs
    _fields_ = [("format", ctypes.c_int), ("max_seq_gap", ctypes.c_double), ("max_col_gap", ctypes.c_double),
                ("max_line", ctypes.c_size_t), ("max_seqs", ctypes.c_size_t)]


_msa_opts_init = _fn("axcon_msa_opts_init", None, ctypes.POINTER(_MsaOpts))
_MSA_FORMATS = {"auto": 0, "fasta": 1, "a3m": 2, "a2m": 3, "psicov": 4, "stockholm": 5}

_log_set_level(2)  # warnings and errors; set_log_level("info") shows axcon's progress lines


def library_version():
    """Version of the loaded libaxcon ("0.1.0")."""
    return _version().decode()


__version__ = library_version()


def set_log_level(level):
    """axcon's messages on stderr: "quiet", "error", "warn" (this module's default), "info", "debug"."""
    levels = {"quiet": 0, "error": 1, "warn": 2, "info": 3, "debug": 4}
    if level not in levels:
        raise UsageError("log level wants one of %s, got %r" % (", ".join(levels), level), -2)
    _log_set_level(levels[level])


def set_threads(n):
    """Threads of axcon's parallel loops, for this process; returns the count in effect."""
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise UsageError("threads wants a whole number >= 1, got %r" % (n,), -2)
    return _set_threads_c(n)


def _path(p, what):
    if isinstance(p, os.PathLike):
        p = os.fspath(p)
    if isinstance(p, bytes):
        return p
    if not isinstance(p, str):
        raise UsageError("%s wants a file path, got %s" % (what, type(p).__name__), -2)
    if "\0" in p:
        raise UsageError("%s: a path with a NUL byte" % what, -2)
    return os.fsencode(p)


def _text(s, what):
    if s is None:
        return None
    if not isinstance(s, str):
        raise UsageError("%s wants text, got %s" % (what, type(s).__name__), -2)
    if "\0" in s:
        raise UsageError("%s: text with a NUL byte" % what, -2)
    return s.encode()


class _Owned:
    """Owns one C object: _h is its pointer, _free the library function that frees it."""

    _free = None

    def __init__(self, handle):
        self._h = ctypes.c_void_p(handle)

    def __del__(self):
        h = getattr(self, "_h", None)
        if h is not None and h.value:
            type(self)._free(h)
            self._h = None


# ---- alignments ----------------------------------------------------------------------------

class Alignment(_Owned):
    """An alignment as axcon models it: N sequences (the query first) over L kept match columns.

    nseq, ncol       N and L kept; nseq_read, ncol_match: before filtering and masking
    neff             effective number of sequences (identity threshold `id`, default 0.8)
    query, query_name   the query's residues (gaps removed) and name
    codes            N x L uint8 array of states 0..20 (ALPHABET = "ARNDCQEGHILKMFPSTWYV-")
    positions        the 1-based query position of each kept column
    format           "fasta", "a3m", "a2m", "psicov", "stockholm" (or "codes")
    """

    ALPHABET = _ALPHABET
    _free = staticmethod(_msa_free)

    def __init__(self, handle, source):
        super().__init__(handle)
        self.source = source
        self._neff = {}

    @classmethod
    def from_codes(cls, codes, query_name="query"):
        """An alignment from an N x L array of state codes 0..20 (row 0 is the query)."""
        a = np.ascontiguousarray(codes)
        if a.ndim != 2 or a.shape[0] < 1 or a.shape[1] < 1:
            raise UsageError("codes wants a 2-D N x L array, got shape %s" % (a.shape,), -2)
        if not np.issubdtype(a.dtype, np.integer):
            raise UsageError("codes wants integer states 0..20, got dtype %s" % a.dtype, -2)
        if a.min() < 0 or a.max() > 20:
            raise InputError("codes must be states 0..20, found %d..%d" % (a.min(), a.max()), -1)
        a = np.ascontiguousarray(a, dtype=np.uint8)
        h, err = ctypes.c_void_p(), _Err()
        st = _msa_from_codes(a.ctypes.data_as(ctypes.POINTER(ctypes.c_uint8)), a.shape[0], a.shape[1],
                             _text(query_name, "query_name"), ctypes.byref(h), ctypes.byref(err))
        if st < 0:
            _raise(err, st)
        return cls(h.value, "codes")

    @property
    def nseq(self):
        return _msa_nseq(self._h)

    @property
    def ncol(self):
        return _msa_ncol(self._h)

    @property
    def nseq_read(self):
        return _msa_nseq_read(self._h)

    @property
    def ncol_match(self):
        return _msa_ncol_match(self._h)

    @property
    def format(self):
        return "codes" if self.source == "codes" else _msa_format_name(_msa_format(self._h)).decode()

    @property
    def query(self):
        return _msa_query_seq(self._h).decode()

    @property
    def query_name(self):
        return _msa_query_name(self._h).decode("utf-8", "replace")

    @property
    def names(self):
        return [_msa_seq_name(self._h, n).decode("utf-8", "replace") for n in range(self.nseq)]

    @property
    def gap_fraction(self):
        return _msa_gap_fraction(self._h)

    @property
    def codes(self):
        n, l = self.nseq, self.ncol
        buf = np.ctypeslib.as_array(_msa_data(self._h), shape=(n * l,))
        return buf.reshape(n, l).copy()

    @property
    def positions(self):
        return np.array([_msa_col_pos(self._h, c) for c in range(self.ncol)], dtype=np.int32)

    def weights(self, id=0.8):
        """Sequence weights (1 / the sequences within identity `id`) and Neff = their sum."""
        if not (isinstance(id, (int, float)) and 0.0 < id <= 1.0):
            raise UsageError("id wants a number in (0,1], got %r" % (id,), -2)
        w = np.zeros(self.nseq, dtype=np.float64)
        neff, err = ctypes.c_double(), _Err()
        st = _weights(self._h, float(id), w.ctypes.data_as(ctypes.POINTER(ctypes.c_double)), ctypes.byref(neff),
                      ctypes.byref(err))
        if st < 0:
            _raise(err, st)
        self._neff[id] = neff.value
        return w, neff.value

    @property
    def neff(self):
        if 0.8 not in self._neff:
            self.weights(0.8)
        return self._neff[0.8]

    def __repr__(self):
        return "<axcon.Alignment %s: N=%d L=%d query %r>" % (self.source, self.nseq, self.ncol, self.query_name)


def read_msa(path, format="auto", max_seq_gap=1.0, max_col_gap=1.0):
    """Read an alignment (FASTA, A3M, A2M, PSICOV or Stockholm; plain, gzip or BGZF; "-" = stdin).

    max_seq_gap drops non-query sequences with a larger gap fraction, max_col_gap leaves out
    columns with a larger gap fraction (as `axcon predict --max-seq-gap/--max-col-gap`).
    Raises InputError with axcon's message (file, line, reason) for a bad file.
    """
    o = _MsaOpts()
    _msa_opts_init(ctypes.byref(o))
    if format not in _MSA_FORMATS:
        raise UsageError("format wants one of %s, got %r" % (", ".join(_MSA_FORMATS), format), -2)
    o.format = _MSA_FORMATS[format]
    for name, v in (("max_seq_gap", max_seq_gap), ("max_col_gap", max_col_gap)):
        if not (isinstance(v, (int, float)) and 0.0 <= v <= 1.0):
            raise UsageError("%s wants a number in [0,1], got %r" % (name, v), -2)
        setattr(o, name, float(v))
    p = _path(path, "read_msa")
    h, err = ctypes.c_void_p(), _Err()
    st = _msa_read(p, ctypes.byref(o), ctypes.byref(h), ctypes.byref(err))
    if st < 0:
        _raise(err, st)
    return Alignment(h.value, os.fsdecode(p))


# ---- prediction ----------------------------------------------------------------------------

_CONTACT_DTYPE = np.dtype([("i", "<i4"), ("j", "<i4"), ("score", "<f8"), ("prob", "<f8")])


class ContactMap(_Owned):
    """A prediction: scores in query numbering and the ranked pairs with probabilities.

    scores     L x L symmetric float64 array (row/column k = query position k+1; 0 where a
               position is unscored or on the diagonal)
    contacts   ranked pairs (|i-j| >= min_sep), a structured array with fields i, j (1-based,
               i < j), score and prob (calibrated P(C-beta distance < 8 A)), best first
    method, head ("net", "linear" or "" for the model's own ranking), neff, min_sep, query,
    query_name, length
    """

    _free = staticmethod(_cmap_free)

    @property
    def length(self):
        return _cmap_len(self._h)

    @property
    def scores(self):
        L = self.length
        return np.ctypeslib.as_array(_cmap_scores(self._h), shape=(L * L,)).reshape(L, L).copy()

    @property
    def contacts(self):
        n = ctypes.c_size_t()
        p = _cmap_ranked(self._h, ctypes.byref(n))
        if n.value == 0:
            return np.zeros(0, dtype=_CONTACT_DTYPE)
        raw = ctypes.string_at(p, n.value * ctypes.sizeof(_Contact))
        return np.frombuffer(raw, dtype=_CONTACT_DTYPE).copy()

    @property
    def scored(self):
        """Boolean array: query position k+1 has scores (its column was modelled)."""
        return np.array([bool(_cmap_scored(self._h, i + 1)) for i in range(self.length)])

    @property
    def method(self):
        return _cmap_method(self._h).decode()

    @property
    def head(self):
        return _cmap_head(self._h).decode()

    @property
    def neff(self):
        return _cmap_neff(self._h)

    @property
    def min_sep(self):
        return _cmap_min_sep(self._h)

    @property
    def query(self):
        return _cmap_query_seq(self._h).decode()

    @property
    def query_name(self):
        return _cmap_query_name(self._h).decode("utf-8", "replace")

    def write(self, path, format="tsv", top=None, author=None, target=None, remark=None):
        """Write atomically in one of FORMATS ("-" = stdout); top: "all", 100, "1.5L", "L/5".

        author, target and remark set the CASP RR header (AUTHOR, TARGET, REMARK lines;
        remark may be a list of lines)."""
        if isinstance(remark, (list, tuple)):
            remark = "\n".join(remark)
        if top is not None and not isinstance(top, str):
            top = str(top)
        err = _Err()
        st = _cmap_write(self._h, _path(path, "write"), _text(format, "format"), _text(top, "top"),
                         _text(author, "author"), _text(target, "target"), _text(remark, "remark"),
                         ctypes.byref(err))
        if st < 0:
            _raise(err, st)

    def __repr__(self):
        return "<axcon.ContactMap %s: L=%d, %d ranked pairs>" % (self.method, self.length, len(self.contacts))


def predict(msa, method="attn", threads=None, **options):
    """Predict contacts. msa: an Alignment or a path for read_msa.

    method: "attn" (default: factored attention), "mf" (mean-field DCA) or "plm" (Potts
    pseudo-likelihood). threads: for this call and after (as set_threads). Every option of
    `axcon predict` by its long name, '-' written '_': min_sep, id, apc (True/False),
    pseudocount, sharpen, tau, lambda_h, lambda_j, max_iter, tol, heads, head_dim,
    attn_lambda, attn_residual ("auto", "dense", "sparse"), head ("net": the default for attn and
    mf, "linear", "none"),
    max_mem ("4G", or bytes).
    """
    if not isinstance(msa, Alignment):
        msa = read_msa(msa)
    if threads is not None:
        set_threads(threads)
    err = _Err()
    o = _popts_new()
    if not o:
        raise ResourceError("out of memory", -3)
    h = ctypes.c_void_p()
    try:
        for key, value in [("method", method)] + list(options.items()):
            if isinstance(value, bool):
                value = "yes" if value else "no"
            elif value is None:
                continue
            st = _popts_set(o, key.replace("_", "-").encode(), _text(str(value), key), ctypes.byref(err))
            if st < 0:
                _raise(err, st)
        st = _predict_c(msa._h, o, ctypes.byref(h), ctypes.byref(err))
        if st < 0:
            _raise(err, st)
    finally:
        _popts_free(o)
    return ContactMap(h.value)


# ---- evaluation ----------------------------------------------------------------------------

class _Pred(_Owned):
    _free = staticmethod(_pred_free)


def _read_pred(path, fmt, length, what):
    h, err = ctypes.c_void_p(), _Err()
    st = _pred_read(_path(path, what), fmt, int(length), ctypes.byref(h), ctypes.byref(err))
    if st < 0:
        _raise(err, st)
    return _Pred(h.value)


def read_prediction(path, format="auto", length=0):
    """Read a prediction file (rr, mat, tsv, csv, plmc, freecontact, psicov, gremlin; auto-detected):
    a structured array of (i, j, score) in rank order, and the RR sequence if the file has one."""
    fmt = ctypes.c_int()
    if _pred_format_parse(_text(format, "format"), ctypes.byref(fmt)) != 0:
        raise UsageError("format wants auto, rr, mat, tsv, csv, plmc, freecontact, psicov or gremlin, got %r"
                         % (format,), -2)
    p = _read_pred(path, fmt.value, length, "read_prediction")
    n = _pred_npairs(p._h)
    dt = np.dtype([("i", "<i4"), ("j", "<i4"), ("score", "<f8")])
    raw = ctypes.string_at(_pred_pairs(p._h), n * ctypes.sizeof(_PredPair)) if n else b""
    seq = _pred_seq(p._h)
    return np.frombuffer(raw, dtype=dt).copy(), (seq.decode() if seq else None)


def evaluate(prediction, pdb=None, chain=None, truth=None, query=None):
    """Precision of a prediction against a native structure (pdb=, PDB or mmCIF, optional
    chain=) or a truth TSV (truth=), by EVALUATION.md's protocol.

    prediction: a ContactMap, or a prediction file path (then query= gives the query
    sequence for pdb=, unless the file is RR with its sequence). Returns a dict with
    "length" (observed residues L) and, per range ("short", "medium", "long",
    "medium_long", "all"), {"L": top-L precision, "L2": ..., "L5": ..., "contacts": n}.
    """
    if (pdb is None) == (truth is None):
        raise UsageError("evaluate wants exactly one of pdb= and truth=", -2)
    if chain is not None and pdb is None:
        raise UsageError("chain= applies to pdb= only", -2)
    err = _Err()
    if isinstance(prediction, ContactMap):
        h = ctypes.c_void_p()
        st = _pred_from_cmap(prediction._h, ctypes.byref(h), ctypes.byref(err))
        if st < 0:
            _raise(err, st)
        pred = _Pred(h.value)
        qseq = prediction.query
        qlen = prediction.length
    else:
        qlen = len(query) if query else 0
        pred = _read_pred(prediction, 0, qlen, "evaluate")
        s = _pred_seq(pred._h)
        qseq = query if query else (s.decode() if s else None)
    th = ctypes.c_void_p()
    sh = ctypes.c_void_p()
    try:
        if pdb is not None:
            if not qseq:
                raise UsageError("evaluate with pdb= needs the query sequence: give query= (or an RR file with "
                                 "its sequence lines)", -2)
            st = _structure_read(_path(pdb, "pdb"), _text(chain, "chain"), ctypes.byref(sh), ctypes.byref(err))
            if st >= 0 and chain is None:
                st = _structure_select_best(sh, _text(qseq, "query"), ctypes.byref(err))
            if st >= 0:
                st = _truth_from_structure(sh, _text(qseq, "query"), ctypes.byref(th), ctypes.byref(err))
        else:
            st = _truth_read(_path(truth, "truth"), int(qlen), ctypes.byref(th), ctypes.byref(err))
        if st < 0:
            _raise(err, st)
        res = _EvalResult()
        st = _eval_precision(th, pred._h, ctypes.byref(res), ctypes.byref(err))
        if st < 0:
            _raise(err, st)
        out = {"length": res.length, "chain": _structure_chain(sh).decode() if sh.value else None}
        for r, name in enumerate(_RANGES):
            out[name] = {"L": res.precision[r][0], "L2": res.precision[r][1], "L5": res.precision[r][2],
                         "contacts": res.ncontacts[r]}
        return out
    finally:
        if th.value:
            _truth_free(th)
        if sh.value:
            _structure_free(sh)
