"""Lexical evidence: character n-gram TF-IDF and word BM25 with CJK bigrams.

Both are plain numpy inverted indexes (term → phrasing ids and weights), so a query
costs one `bincount` over the postings of its terms, whatever the size of the FAQ.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

_CJK = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HANGUL = r"\uac00-\ud7af"
_TOKEN = re.compile(rf"[{_CJK}]+|[{_HANGUL}]+|[^\W\d_{_CJK}{_HANGUL}]+|\d+")


def normalise(text: str) -> str:
    """Lower case, width-folded, Latin accents dropped (misspelt chat loses them anyway)."""
    text = unicodedata.normalize("NFKC", text).lower().replace("ё", "е")
    out = []
    for ch in text:
        if "\u00c0" <= ch <= "\u024f":
            ch = unicodedata.normalize("NFKD", ch)[0]
        out.append(ch)
    return "".join(out)


def word_tokens(text: str) -> list[str]:
    """Words for spaced scripts; CJK runs as single characters and bigrams; Hangul
    words plus their bigrams (particles attach to the word: 예방접종을)."""
    tokens: list[str] = []
    for run in _TOKEN.findall(normalise(text)):
        first = run[0]
        if re.match(rf"[{_CJK}]", first):
            tokens.extend(run)
            tokens.extend(run[i : i + 2] for i in range(len(run) - 1))
        elif re.match(rf"[{_HANGUL}]", first):
            tokens.append(run)
            tokens.extend(run[i : i + 2] for i in range(len(run) - 1))
        else:
            tokens.append(run)
    return tokens


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
    """term → (doc ids, weights); `score` sums query weight × doc weight per doc."""

    def __init__(self, n_docs: int, postings: dict[str, tuple[np.ndarray, np.ndarray]]) -> None:
        self.n_docs = n_docs
        self.postings = postings

    def score(self, query: dict[str, float]) -> np.ndarray:
        ids: list[np.ndarray] = []
        weights: list[np.ndarray] = []
        for term, q_weight in query.items():
            found = self.postings.get(term)
            if found is not None:
                ids.append(found[0])
                weights.append(found[1] * q_weight)
        if not ids:
            return np.zeros(self.n_docs, dtype=np.float32)
        return np.bincount(
            np.concatenate(ids), weights=np.concatenate(weights), minlength=self.n_docs
        ).astype(np.float32)


def _build_postings(
    docs: Sequence[Counter[str]], weight: dict[str, float] | None = None
) -> dict[str, tuple[list[int], list[float]]]:
    raw: dict[str, tuple[list[int], list[float]]] = {}
    for doc_id, counts in enumerate(docs):
        for term, value in counts.items():
            ids, ws = raw.setdefault(term, ([], []))
            ids.append(doc_id)
            ws.append(value)
    return raw


def _freeze(
    raw: dict[str, tuple[list[int], list[float]]],
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    return {
        t: (np.asarray(ids, dtype=np.int32), np.asarray(ws, dtype=np.float32))
        for t, (ids, ws) in raw.items()
    }


class CharTfidf:
    """Cosine of sublinear TF-IDF vectors over character n-grams (robust to typos)."""

    def __init__(self, texts: Iterable[str]) -> None:
        grams = [Counter(char_ngrams(t)) for t in texts]
        n = len(grams)
        df = Counter(term for g in grams for term in g)
        self.idf = {t: math.log((1 + n) / (1 + d)) + 1.0 for t, d in df.items()}
        docs: list[Counter[str]] = []
        for g in grams:
            vec = {t: (1 + math.log(c)) * self.idf[t] for t, c in g.items()}
            norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
            docs.append(Counter({t: v / norm for t, v in vec.items()}))
        self.index = _InvertedIndex(n, _freeze(_build_postings(docs)))

    def query_vector(self, text: str) -> dict[str, float]:
        counts = Counter(char_ngrams(text))
        vec = {t: (1 + math.log(c)) * self.idf[t] for t, c in counts.items() if t in self.idf}
        # Unknown n-grams still count towards the norm: a query full of words the FAQ
        # never uses should look unlike every phrasing.
        unknown = sum(1 + math.log(c) for t, c in counts.items() if t not in self.idf)
        max_idf = max(self.idf.values(), default=1.0)
        norm = math.sqrt(sum(v * v for v in vec.values()) + (unknown * max_idf) ** 2) or 1.0
        return {t: v / norm for t, v in vec.items()}

    def scores(self, text: str) -> np.ndarray:
        return self.index.score(self.query_vector(text))


class Bm25:
    """Okapi BM25 over word tokens (CJK bigrams); the baseline and a lexical signal."""

    def __init__(self, texts: Iterable[str], k1: float = 1.2, b: float = 0.75) -> None:
        toks = [Counter(word_tokens(t)) for t in texts]
        n = len(toks)
        lengths = np.array([sum(t.values()) for t in toks], dtype=np.float32)
        avg = float(lengths.mean()) if n else 1.0
        df = Counter(term for t in toks for term in t)
        self.idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
        docs: list[Counter[str]] = []
        for t, length in zip(toks, lengths, strict=True):
            norm = k1 * (1 - b + b * length / avg)
            docs.append(Counter({term: c * (k1 + 1) / (c + norm) for term, c in t.items()}))
        self.index = _InvertedIndex(n, _freeze(_build_postings(docs)))

    def scores(self, text: str) -> np.ndarray:
        query = Counter(word_tokens(text))
        return self.index.score({t: self.idf[t] * c for t, c in query.items() if t in self.idf})
