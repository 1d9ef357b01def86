"""The search index over every phrasing (question + alternates) of every locale.

A question is compared with each phrasing by each sentence encoder (cosine) and by
character n-gram TF-IDF; the phrasing scores are pooled per entry (best phrasing and
mean of the best three, which rewards an entry that several phrasings agree on) and
mixed with fixed weights chosen by measurement (bench/faq_eval.py). Entries are first
short-listed by their centroid and lexical score, so a question costs the same few
milliseconds with 50 or 1,000 entries.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bot.knowledge.embedding import QueryVectors
from bot.knowledge.encoders import Encoder
from bot.knowledge.lexical import cached_lexical
from bot.knowledge.model import FaqEntry
from bot.knowledge.vectors import cached_vectors

# Weights of the pooled features, chosen on a plateau of the dev measurements
# (bench/faq_eval.py), not at a peak. Lexical evidence stays small beside the
# encoders: it separates close topics in one language, while only the encoders work
# across languages. BM25 over one document per entry is taken relative to the best
# entry, so it says "this entry shares the rare words" without its raw scale.
W_TOP3 = 1.0
W_MAX = 0.5
W_LEX = 0.3
W_BM25 = 0.2
# Without an encoder, the two lexical signals carry everything, equally.
W_LEX_ONLY = 1.0
W_BM25_ONLY = 1.0
SHORTLIST = 40
# Questions a batch needs before their similarities are one matrix product (`products`).
PRODUCT_BATCH = 4


@dataclass(frozen=True)
class EntryScores:
    """`combined` ranks entries; `semantic` (encoders only) says whether any is close
    at all, so a question with no words in common (another language) is not held
    back by missing lexical evidence. None when retrieval is lexical only. `signals`
    holds the pooled signals by name (top3, max, lex, bm25), for the re-ranker."""

    combined: np.ndarray
    semantic: np.ndarray | None
    signals: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass(frozen=True)
class _Dense:
    encoder: Encoder
    vectors: np.ndarray  # phrasings × dim, L2-normalised
    centroids: np.ndarray  # entries × dim


class FaqIndex:
    """Scores every entry for a question; build once per version of faq/."""

    def __init__(
        self,
        entries: Sequence[FaqEntry],
        encoders: Sequence[Encoder] = (),
        cache_dir: Path | None = None,
    ) -> None:
        started = time.perf_counter()
        self.entries = list(entries)
        texts: list[str] = []
        owner: list[int] = []
        situation: list[bool] = []
        for i, entry in enumerate(self.entries):
            situations = {s for t in entry.locales.values() for s in t.situations}
            for _, text in entry.phrasings():
                texts.append(text)
                owner.append(i)
                situation.append(text in situations)
        self.texts = texts
        self.owner = np.asarray(owner, dtype=np.int64)
        # Which phrasings describe a situation rather than ask (LocaleText.situations).
        self.situation = np.asarray(situation, dtype=bool)
        n = len(self.entries)
        self.starts = np.searchsorted(self.owner, np.arange(n))
        self.ends = np.searchsorted(self.owner, np.arange(n), side="right")
        self.lexical, self.bm25 = cached_lexical(
            texts, [" ".join(t for _, t in e.phrasings()) for e in self.entries], cache_dir
        )
        self.dense: list[_Dense] = []
        for encoder in encoders:
            try:
                vectors = cached_vectors(encoder, texts, cache_dir)
            except RuntimeError:  # the model failed to load and the cache is stale
                continue
            self.dense.append(_Dense(encoder, vectors, self._centroids(vectors)))
        self.encoder_names = [d.encoder.name for d in self.dense]
        self.build_seconds = time.perf_counter() - started

    def _centroids(self, vectors: np.ndarray) -> np.ndarray:
        sums = np.add.reduceat(vectors, self.starts, axis=0) if len(vectors) else vectors
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        return (sums / np.maximum(norms, 1e-9)).astype(np.float32)

    def products(self, queries: Sequence[QueryVectors]) -> list[dict[str, np.ndarray]]:
        """Each query's similarity to every phrasing, by live encoder, for a batch of
        questions: one matrix product per encoder. A product per question is bound by
        memory (it reads the whole phrasing matrix, megabytes, for one vector) and a batch
        reads it once; but BLAS's matrix product is slower than separate ones below
        PRODUCT_BATCH columns, so a smaller batch is left to `scores` (empty dicts)."""
        out: list[dict[str, np.ndarray]] = [{} for _ in queries]
        for d in self.live_dense():
            name = d.encoder.name
            present = [i for i, q in enumerate(queries) if q.get(name) is not None]
            if len(present) < PRODUCT_BATCH:
                continue
            stacked = np.stack([queries[i].by_encoder[name] for i in present], axis=1)
            sims = (d.vectors @ stacked).T  # phrasings × batch, read back per question
            for column, i in enumerate(present):
                out[i][name] = np.ascontiguousarray(sims[column])
        return out

    def scores(
        self,
        text: str,
        query: QueryVectors | None = None,
        products: dict[str, np.ndarray] | None = None,
        whole: str | None = None,
    ) -> EntryScores:
        """Scores per entry (in `entries` order); higher is closer, about 0–1.

        `query` carries the text's vectors when they were computed already (they are
        shared with the emergency guard); missing ones are encoded here. `products`: the
        text's similarities to every phrasing, when computed for a batch (`products`).
        `whole`: the long message `text` is the reading window of (query.reading_window),
        for BM25: reading all of it costs little, unlike encoding it."""
        n = len(self.entries)
        lex = self.lexical.scores(text)
        lex_best = np.maximum.reduceat(lex, self.starts) if len(lex) else np.zeros(n)
        bm = self.bm25.scores(whole, distinct=True) if whole else self.bm25.scores(text)
        bm_rel = bm / max(float(bm.max()), 1e-6) if n else bm
        dense = self.live_dense()
        signals = {"lex": lex_best, "bm25": bm_rel}
        if not dense:
            mixed = (W_LEX_ONLY * lex_best + W_BM25_ONLY * bm_rel) / (W_LEX_ONLY + W_BM25_ONLY)
            return EntryScores(mixed.astype(np.float32), None, signals)
        queries = [_query_vector(d.encoder, text, query) for d in dense]
        shortlist = self._shortlist(dense, queries, lex_best, bm_rel)
        # The phrasings of the short-listed entries: one product over every phrasing (cheaper
        # than copying the short-listed rows out first), then one gather of the similarities.
        lengths = self.ends[shortlist] - self.starts[shortlist]
        seg_starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
        rows = np.arange(int(lengths.sum())) + np.repeat(
            self.starts[shortlist] - seg_starts, lengths
        )
        segment = np.repeat(np.arange(len(shortlist)), lengths)
        semantic = np.zeros(len(shortlist), dtype=np.float32)
        pooled_top3 = np.zeros(len(shortlist), dtype=np.float32)
        pooled_best = np.zeros(len(shortlist), dtype=np.float32)
        every_row = len(rows) == len(self.texts)  # then rows is 0..n-1: no gather
        for d, q in zip(dense, queries, strict=True):
            full = (products or {}).get(d.encoder.name)
            if full is None:
                full = d.vectors @ q
            sims = full if every_row else full[rows]
            best = np.maximum.reduceat(sims, seg_starts)
            top3 = top3_sums(sims, seg_starts, lengths, segment) / np.minimum(lengths, 3)
            semantic += W_TOP3 * top3 + W_MAX * best
            pooled_top3 += top3 / len(dense)
            pooled_best += best / len(dense)
        semantic /= len(dense) * (W_TOP3 + W_MAX)
        for name, pooled in (("top3", pooled_top3), ("max", pooled_best)):
            signals[name] = np.full(n, -1.0, dtype=np.float32)
            signals[name][shortlist] = pooled
        dense_part = np.full(n, -1.0, dtype=np.float32)
        dense_part[shortlist] = semantic
        w_dense = len(dense) * (W_TOP3 + W_MAX)
        mixed = (w_dense * dense_part + W_LEX * lex_best + W_BM25 * bm_rel) / (
            w_dense + W_LEX + W_BM25
        )
        total = np.full(n, -1.0, dtype=np.float32)
        total[shortlist] = mixed[shortlist]
        return EntryScores(total, dense_part, signals)

    def live_dense(self) -> list[_Dense]:
        """The dense signals whose model loaded (one that failed is dropped, not fatal)."""
        return [d for d in self.dense if getattr(d.encoder, "available", True)]

    def live_encoders(self) -> list[Encoder]:
        """The encoders whose model loaded (asking waits for one still loading)."""
        return [d.encoder for d in self.live_dense()]

    def _shortlist(
        self,
        dense: list[_Dense],
        queries: list[np.ndarray],
        lex_best: np.ndarray,
        bm_rel: np.ndarray,
    ) -> np.ndarray:
        n = len(self.entries)
        if n <= SHORTLIST:
            return np.arange(n)
        coarse = sum(d.centroids @ q for d, q in zip(dense, queries, strict=True))
        assert isinstance(coarse, np.ndarray)
        picked = set(np.argsort(-coarse)[:SHORTLIST].tolist())
        picked.update(np.argsort(-lex_best)[: SHORTLIST // 4].tolist())
        picked.update(np.argsort(-bm_rel)[: SHORTLIST // 4].tolist())
        return np.fromiter(sorted(picked), dtype=np.int64)

    @property
    def memory_bytes(self) -> int:
        """Vectors and postings held in memory (what grows with the FAQ)."""
        size = sum(d.vectors.nbytes + d.centroids.nbytes for d in self.dense)
        return size + self.lexical.index.nbytes + self.bm25.index.nbytes


def top3_sums(
    values: np.ndarray, starts: np.ndarray, lengths: np.ndarray, segment: np.ndarray
) -> np.ndarray:
    """The sum of each segment's three largest values (all of a shorter segment's), for
    contiguous segments (`segment`: each value's segment number). Three max passes over
    the values: sorting them per segment cost more than the product that made them."""
    remaining = np.minimum(lengths, 3).astype(np.float64)
    total = np.zeros(len(starts), dtype=np.float64)
    left = values.astype(np.float64)
    for _ in range(3):
        best = np.maximum.reduceat(left, starts)
        is_best = left == best[segment]
        taken = np.minimum(np.add.reduceat(is_best, starts), remaining)
        total += np.where(taken > 0, best, 0.0) * taken
        remaining -= taken
        left = np.where(is_best, -np.inf, left)
    return total


def _row_products(
    vectors: np.ndarray, q: np.ndarray, starts: np.ndarray, ends: np.ndarray
) -> np.ndarray:
    """`vectors[rows] @ q` for the rows of some entries, entry by entry: each entry's rows
    are contiguous, so the products run on views; gathering the rows first copies them
    (ten times slower with every entry short-listed), and one product over every row
    wastes the work on entries that were not (at 1,000 entries, most of them)."""
    return np.concatenate(
        [vectors[a:b] @ q for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]
    )


def _query_vector(encoder: Encoder, text: str, query: QueryVectors | None) -> np.ndarray:
    vector = query.get(encoder.name) if query is not None and query.text == text else None
    return vector if vector is not None else encoder.encode_queries([text])[0]
