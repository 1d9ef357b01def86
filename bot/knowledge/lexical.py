"""Lexical evidence: character n-gram TF-IDF and word BM25 with CJK bigrams.

Both are plain numpy inverted indexes (term → phrasing ids and weights), so a query
costs one `bincount` over the postings of its terms, whatever the size of the FAQ.
"""

from __future__ import annotations

import hashlib
import logging
import math
import operator
import os
import re
import tempfile
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np

_CJK = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HANGUL = r"\uac00-\ud7af"
_TOKEN = re.compile(rf"[{_CJK}]+|[{_HANGUL}]+|[^\W\d_{_CJK}{_HANGUL}]+|\d+")


def normalise(text: str) -> str:
    """Lower case, width-folded, Latin accents dropped (misspelt chat loses them anyway)."""
    text = unicodedata.normalize("NFKC", text).lower().replace("ё", "е")
    # Only Latin letters with marks change: the regex engine finds them (a Python loop over
    # every character cost a millisecond on a long message).
    return _LATIN_MARKED.sub(_unmarked, text)


_LATIN_MARKED = re.compile("[\u00c0-\u024f]")


def _unmarked(match: re.Match[str]) -> str:
    return unicodedata.normalize("NFKD", match.group())[0]


def word_tokens(text: str) -> list[str]:
    """Words for spaced scripts; CJK runs as single characters and bigrams; Hangul
    words plus their bigrams (particles attach to the word: 예방접종을)."""
    tokens: list[str] = []
    for run in _TOKEN.findall(normalise(text)):
        first = run[0]
        if _CJK_CHAR.match(first):
            tokens.extend(run)
            tokens.extend(map(operator.add, run, run[1:]))  # bigrams, built in C
        elif _HANGUL_CHAR.match(first):
            tokens.append(run)
            tokens.extend(map(operator.add, run, run[1:]))
        else:
            tokens.append(run)
    return tokens


_CJK_CHAR = re.compile(rf"[{_CJK}]")
_HANGUL_CHAR = re.compile(rf"[{_HANGUL}]")


# Russian inflects nouns by case ("оператор", "оператора", "оператору"), and a chat
# message rarely uses the case a phrasing was written in: a Cyrillic word at least
# STEM + 2 letters long also counts as its first STEM letters. A prefix token is marked
# with "~" so it never equals a word. Measured on the dev sets (bench/faq_eval.py): 5
# letters, Cyrillic only (Latin-script prefixes cost out-of-scope refusals).
STEM = 5
STEM_SCRIPT = re.compile(r"[\u0400-\u04ff]")


def stemmed_tokens(text: str) -> list[str]:
    """word_tokens plus the prefix of each long Cyrillic word (see STEM)."""
    tokens = word_tokens(text)
    stems = ["~" + t[:STEM] for t in tokens if len(t) >= STEM + 2 and STEM_SCRIPT.match(t)]
    return tokens + stems


def char_ngrams(text: str, sizes: tuple[int, ...] = (2, 3, 4)) -> list[str]:
    """Character n-grams within padded words (CJK runs count as one word)."""
    grams: list[str] = []
    for run in _TOKEN.findall(normalise(text)):
        padded = f" {run} "
        for n in sizes:
            if len(padded) >= n:
                grams.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return grams


class _InvertedIndex:
    """Postings in CSR form: the documents of term t are ids[offsets[t]:offsets[t + 1]]."""

    def __init__(
        self,
        n_docs: int,
        terms: dict[str, int],
        doc: np.ndarray,
        term: np.ndarray,
        weight: np.ndarray,
    ) -> None:
        order = np.lexsort((doc, term))
        self.n_docs = n_docs
        self.terms = terms
        self.ids = doc[order].astype(np.int32)
        self.weights = weight[order].astype(np.float32)
        self.offsets = np.zeros(len(terms) + 1, dtype=np.int64)
        np.cumsum(np.bincount(term, minlength=len(terms)), out=self.offsets[1:])

    def score(self, query: dict[int, float]) -> np.ndarray:
        """Each document's dot product with a sparse query (term id → weight). The postings
        of every query term are gathered in one pass: an English question's common n-grams
        (" t", "e ") own tens of thousands of postings, and a Python loop over its hundred
        terms cost more than summing them."""
        if not query:
            return np.zeros(self.n_docs, dtype=np.float32)
        terms = np.fromiter(query.keys(), dtype=np.int64, count=len(query))
        q_weights = np.fromiter(query.values(), dtype=np.float32, count=len(query))
        starts = self.offsets[terms]
        lengths = self.offsets[terms + 1] - starts
        # Posting k of term j sits at starts[j] + k; in the gathered order it is number
        # out_starts[j] + k, so each position is its number shifted by its term's offset.
        out_starts = np.cumsum(lengths) - lengths
        shift = np.repeat(starts - out_starts, lengths)
        positions = np.arange(len(shift), dtype=np.int64) + shift
        weights = self.weights[positions] * np.repeat(q_weights, lengths)
        return np.bincount(self.ids[positions], weights=weights, minlength=self.n_docs).astype(
            np.float32
        )

    @property
    def nbytes(self) -> int:
        return self.ids.nbytes + self.weights.nbytes + self.offsets.nbytes

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        """The index as plain arrays (no pickle), for the on-disk cache."""
        return {
            f"{prefix}_ids": self.ids,
            f"{prefix}_weights": self.weights,
            f"{prefix}_offsets": self.offsets,
            f"{prefix}_terms": np.array(list(self.terms), dtype=str),
            f"{prefix}_n": np.array([self.n_docs]),
        }

    @classmethod
    def from_arrays(cls, data: Mapping[str, np.ndarray], prefix: str) -> _InvertedIndex:
        index = cls.__new__(cls)
        index.n_docs = int(data[f"{prefix}_n"][0])
        index.terms = {str(t): i for i, t in enumerate(data[f"{prefix}_terms"].tolist())}
        index.ids = data[f"{prefix}_ids"]
        index.weights = data[f"{prefix}_weights"]
        index.offsets = data[f"{prefix}_offsets"]
        return index


def _term_counts(
    token_lists: Iterable[list[str]],
) -> tuple[dict[str, int], np.ndarray, np.ndarray, np.ndarray, int]:
    """(vocabulary, doc id, term id, count) of every distinct term of every document."""
    terms: dict[str, int] = {}
    docs: list[int] = []
    ids: list[int] = []
    n = 0
    for n, tokens in enumerate(token_lists, start=1):
        for token in tokens:
            ids.append(terms.setdefault(token, len(terms)))
        docs.extend([n - 1] * len(tokens))
    doc = np.asarray(docs, dtype=np.int64)
    term = np.asarray(ids, dtype=np.int64)
    key, counts = np.unique(doc * max(len(terms), 1) + term, return_counts=True)
    width = max(len(terms), 1)
    return terms, key // width, key % width, counts.astype(np.float32), n


class CharTfidf:
    """Cosine of sublinear TF-IDF vectors over character n-grams (robust to typos)."""

    def __init__(self, texts: Iterable[str]) -> None:
        terms, doc, term, count, n = _term_counts(char_ngrams(t) for t in texts)
        df = np.bincount(term, minlength=len(terms)).astype(np.float32)
        self.idf = np.log((1 + n) / (1 + df)) + 1.0
        self.max_idf = float(self.idf.max()) if len(self.idf) else 1.0
        weight = (1 + np.log(count)) * self.idf[term]
        norms = np.sqrt(np.bincount(doc, weights=weight * weight, minlength=n))
        weight = weight / np.maximum(norms[doc], 1e-9)
        self.index = _InvertedIndex(n, terms, doc, term, weight)

    def arrays(self) -> dict[str, np.ndarray]:
        return {**self.index.arrays("tfidf"), "tfidf_idf": self.idf}

    @classmethod
    def from_arrays(cls, data: Mapping[str, np.ndarray]) -> CharTfidf:
        tfidf = cls.__new__(cls)
        tfidf.idf = data["tfidf_idf"]
        tfidf.max_idf = float(tfidf.idf.max()) if len(tfidf.idf) else 1.0
        tfidf.index = _InvertedIndex.from_arrays(data, "tfidf")
        return tfidf

    def query_vector(self, text: str) -> dict[int, float]:
        counts = Counter(char_ngrams(text))
        vec: dict[int, float] = {}
        unknown = 0.0
        for gram, c in counts.items():
            t = self.index.terms.get(gram)
            if t is None:
                unknown += 1 + math.log(c)
            else:
                vec[t] = (1 + math.log(c)) * float(self.idf[t])
        # Unknown n-grams still count towards the norm: a query full of words the FAQ
        # never uses should look unlike every phrasing.
        norm = math.sqrt(sum(v * v for v in vec.values()) + (unknown * self.max_idf) ** 2) or 1.0
        return {t: v / norm for t, v in vec.items()}

    def scores(self, text: str) -> np.ndarray:
        return self.index.score(self.query_vector(text))


class Bm25:
    """Okapi BM25 over word tokens (CJK bigrams) and word prefixes (stemmed_tokens)."""

    tokenise = staticmethod(stemmed_tokens)

    def __init__(self, texts: Iterable[str], k1: float = 1.2, b: float = 0.75) -> None:
        terms, doc, term, count, n = _term_counts(self.tokenise(t) for t in texts)
        df = np.bincount(term, minlength=len(terms)).astype(np.float32)
        self.idf = np.log(1 + (n - df + 0.5) / (df + 0.5))
        lengths = np.bincount(doc, weights=count, minlength=n)
        avg = float(lengths.mean()) if n else 1.0
        norm = k1 * (1 - b + b * lengths[doc] / max(avg, 1e-9))
        weight = count * (k1 + 1) / (count + norm)
        self.index = _InvertedIndex(n, terms, doc, term, weight)

    def arrays(self) -> dict[str, np.ndarray]:
        return {**self.index.arrays("bm25"), "bm25_idf": self.idf}

    @classmethod
    def from_arrays(cls, data: Mapping[str, np.ndarray]) -> Bm25:
        bm25 = cls.__new__(cls)
        bm25.idf = data["bm25_idf"]
        bm25.index = _InvertedIndex.from_arrays(data, "bm25")
        return bm25

    def scores(self, text: str, *, distinct: bool = False) -> np.ndarray:
        """`distinct`: each word counts once however often the text repeats it (for a long
        message, where a side story told at length would otherwise outweigh the question)."""
        query: dict[int, float] = {}
        tokens = self.tokenise(text)
        counted = dict.fromkeys(tokens, 1) if distinct else Counter(tokens)
        for token, c in counted.items():
            t = self.index.terms.get(token)
            if t is not None:
                query[t] = float(self.idf[t]) * c
        return self.index.score(query)


# Bump when the tokenisation or weighting changes, so old caches are not reused.
_LEXICAL_VERSION = "2"  # 2: Cyrillic word prefixes in BM25
log = logging.getLogger(__name__)


def cached_lexical(
    phrasings: Sequence[str], entry_docs: Sequence[str], cache_dir: Path | None
) -> tuple[CharTfidf, Bm25]:
    """Both lexical indexes, read from `cache_dir` when built from the same texts.

    Building them is pure-Python n-gram counting (about 2 s for 7,000 phrasings); reading
    the arrays back takes a few milliseconds, which keeps start-up short.
    """
    digest = hashlib.sha256(_LEXICAL_VERSION.encode())
    for text in (*phrasings, "\0", *entry_docs):
        digest.update(text.encode() + b"\0")
    key = digest.hexdigest()[:32]
    path = cache_dir / f"lexical-{key}.npz" if cache_dir is not None else None
    if path is not None and path.exists():
        try:
            with np.load(path, allow_pickle=False) as data:
                return CharTfidf.from_arrays(data), Bm25.from_arrays(data)
        except (OSError, ValueError, KeyError):
            log.warning("ignoring an unreadable lexical cache %s", path)
    tfidf, bm25 = CharTfidf(phrasings), Bm25(entry_docs)
    if path is not None:
        _save(path, {**tfidf.arrays(), **bm25.arrays()})
    return tfidf, bm25


def _save(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write atomically and drop older lexical caches (one per faq/ version is enough)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npz")
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)  # type: ignore[arg-type]
        os.replace(tmp, path)
        for old in path.parent.glob("lexical-*.npz"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("could not cache the lexical index in %s: %s", path.parent, exc)
