"""The semantic signal: one small linear head per sentence encoder, over the shared vectors.

The message's vectors are the ones the FAQ uses too (bot/knowledge/embedding.py): no
second model, no second encoding. Each head maps a vector to a probability for "not an
emergency" and for each kind. It is a ridge regression (closed form, a fraction of a
second to fit, so nothing but the training vectors needs caching) whose scores go through
a softmax. It learns from the training set (training.py) and, as ordinary messages, from
the FAQ's own phrasings — thousands of real questions in nine languages whose vectors the
FAQ index has cached already — weighted down so that they do not drown the emergencies.
Without them the head asked "is someone in danger?" of one FAQ question in five.
Regularisation, temperature and weight were chosen leaving one training set out at a
time (bench/emergency_eval.py --by-set). With several encoders configured, the heads'
probabilities are averaged; with none, the phrase list decides alone.

The same labelled messages give a second opinion (`emergency_neighbours`): the share of
emergencies among the ten nearest. A linear head over one sentence vector cannot tell "a
bird flew into the flat and we can't get it out" from a report of danger; its nearest
neighbours, most of them FAQ questions and ordinary messages, often can.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.guided.emergency.kinds import KINDS
from bot.guided.emergency.training import Example
from bot.knowledge.embedding import QueryVectors
from bot.knowledge.encoders import Encoder
from bot.knowledge.index import FaqIndex
from bot.knowledge.vectors import cached_vectors

log = logging.getLogger(__name__)

NONE = "none"
CLASSES: tuple[str, ...] = (NONE, *KINDS)
RIDGE = 1.0  # regularisation of the head
TEMPERATURE = 6.0  # softmax scale of its scores
ORDINARY_WEIGHT = 0.2  # an FAQ phrasing counts this much beside a training example
NEIGHBOURS = 10  # how many nearest labelled messages the neighbour check reads
BANK_FLOOR = 0.05  # ordinary messages the head puts below this are left out of the bank
CACHE_SUBDIR = "emergency"
# FAQ entries whose phrasings describe emergencies ("someone collapsed, what do I do"):
# never taught as ordinary messages.
NOT_ORDINARY = frozenset({"medical.emergency", "medical.mental-health"})


@dataclass(frozen=True)
class Scores:
    """The semantic signal for one message."""

    probabilities: np.ndarray  # one per CLASSES entry, summing to 1

    @property
    def emergency(self) -> float:
        """How likely the message reports an emergency happening (1 − p(none))."""
        return float(1.0 - self.probabilities[0])

    @property
    def kind(self) -> str:
        """The most likely kind, were it an emergency."""
        return CLASSES[1 + int(np.argmax(self.probabilities[1:]))]

    def of(self, kind: str) -> float:
        return float(self.probabilities[CLASSES.index(kind)]) if kind in CLASSES else 0.0


def fit_head(
    vectors: np.ndarray,
    labels: Sequence[str | None],
    ridge: float = RIDGE,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """Weighted ridge regression onto one-hot classes; (dim + 1) × classes weights."""
    rows = np.hstack([vectors.astype(np.float64), np.ones((len(vectors), 1))])
    targets = np.zeros((len(labels), len(CLASSES)))
    for i, label in enumerate(labels):
        targets[i, CLASSES.index(label or NONE)] = 1.0
    if weights is not None:
        scale = np.sqrt(weights)[:, None]
        rows, targets = rows * scale, targets * scale
    gram = rows.T @ rows + ridge * np.eye(rows.shape[1])
    gram[-1, -1] -= ridge  # the bias is not regularised
    return np.linalg.solve(gram, rows.T @ targets).astype(np.float32)


def fit_with_ordinary(
    vectors: np.ndarray, labels: Sequence[str | None], ordinary: np.ndarray | None
) -> np.ndarray:
    """The head from training vectors plus ordinary messages (labelled "none", weighted)."""
    if ordinary is None or not len(ordinary):
        return fit_head(vectors, labels)
    weights = np.concatenate([np.ones(len(vectors)), np.full(len(ordinary), ORDINARY_WEIGHT)])
    return fit_head(
        np.vstack([vectors, ordinary]), [*labels, *([None] * len(ordinary))], weights=weights
    )


# Fitted heads by what they were fitted on: every dispatcher a process builds (tests build
# hundreds) reuses the same fit instead of solving it again (~0.4 s each).
_fitted: dict[str, np.ndarray] = {}
_fitted_lock = threading.Lock()


def _fit_cached(
    name: str, vectors: np.ndarray, labels: Sequence[str | None], ordinary: np.ndarray | None
) -> np.ndarray:
    digest = hashlib.sha256(name.encode() + repr(list(labels)).encode())
    for part in (vectors, ordinary):
        if part is not None:
            digest.update(np.ascontiguousarray(part).tobytes())
    key = digest.hexdigest()
    with _fitted_lock:
        if key not in _fitted:
            if len(_fitted) >= 8:  # a new training set or FAQ: older fits are not needed
                _fitted.clear()
            _fitted[key] = fit_with_ordinary(vectors, labels, ordinary)
        return _fitted[key]


def ordinary_vectors(index: FaqIndex) -> dict[str, np.ndarray]:
    """The FAQ phrasings' cached vectors by encoder name, emergency entries left out."""
    keep = np.array([index.entries[i].id not in NOT_ORDINARY for i in index.owner], dtype=bool)
    return {d.encoder.name: d.vectors[keep] for d in index.live_dense()}


def probabilities(weights: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """Class probabilities for one vector (or a matrix of them, one row each)."""
    matrix = np.atleast_2d(vectors)
    scores = (matrix @ weights[:-1] + weights[-1]) * TEMPERATURE
    scores -= scores.max(axis=1, keepdims=True)
    exp = np.exp(scores)
    out = exp / exp.sum(axis=1, keepdims=True)
    return out[0] if vectors.ndim == 1 else out


@dataclass(frozen=True)
class Bank:
    """The labelled messages a head learnt from (training examples and the FAQ's ordinary
    phrasings), as unit vectors, and which of them are emergencies."""

    vectors: np.ndarray
    emergency: np.ndarray  # bool, one per row

    @classmethod
    def of(
        cls,
        vectors: np.ndarray,
        labels: Sequence[str | None],
        ordinary: np.ndarray | None,
        head: np.ndarray | None = None,
    ) -> Bank:
        """With the head, ordinary messages it puts far from any emergency (p below
        BANK_FLOOR) are left out: they are never near a message the check is read for,
        and the bank shrinks from ~15,000 rows to a few thousand (the cost)."""
        if ordinary is not None and head is not None and len(ordinary):
            ordinary = ordinary[1.0 - probabilities(head, ordinary)[:, 0] >= BANK_FLOOR]
        rows = [vectors] if ordinary is None else [vectors, ordinary]
        flags = np.array([label is not None for label in labels], dtype=bool)
        if ordinary is not None:
            flags = np.concatenate([flags, np.zeros(len(ordinary), dtype=bool)])
        return cls(np.ascontiguousarray(np.vstack(rows), dtype=np.float32), flags)

    def emergency_share(self, vector: np.ndarray, k: int = NEIGHBOURS) -> float:
        """The share of emergencies among the k messages nearest to `vector` (cosine)."""
        similarities = self.vectors @ vector.astype(np.float32)
        k = min(k, len(similarities))
        nearest = np.argpartition(-similarities, k - 1)[:k]
        return float(self.emergency[nearest].mean())


class SemanticSignal:
    """The heads, by encoder name; `score` reads whichever vectors the message has."""

    def __init__(self, heads: dict[str, np.ndarray], banks: dict[str, Bank] | None = None) -> None:
        self.heads = heads
        self.banks = banks or {}

    def emergency_neighbours(self, query: QueryVectors | None) -> float | None:
        """The share of emergencies among the message's nearest labelled messages,
        averaged over encoders; None without a bank. A second opinion, read only when the
        semantic signal alone would ask (a matrix product over some 15,000 rows)."""
        if query is None:
            return None
        shares = [
            bank.emergency_share(vector)
            for name, bank in self.banks.items()
            if (vector := query.get(name)) is not None
        ]
        return float(np.mean(shares)) if shares else None

    @property
    def encoder_names(self) -> list[str]:
        return list(self.heads)

    @classmethod
    def build(
        cls,
        encoders: Sequence[Encoder],
        examples: Sequence[Example],
        cache_dir: Path | None,
        ordinary: dict[str, np.ndarray] | None = None,
    ) -> SemanticSignal:
        """A head per encoder, fitted on the training examples' vectors (cached on disk
        like the FAQ's, keyed by encoder and texts) and the ordinary messages' vectors of
        that encoder. An encoder whose model failed to load and whose cache is stale is
        left out."""
        texts = [e.text for e in examples]
        labels = [e.kind for e in examples]
        directory = cache_dir / CACHE_SUBDIR if cache_dir is not None else None
        heads: dict[str, np.ndarray] = {}
        banks: dict[str, Bank] = {}
        for encoder in encoders:
            try:
                vectors = cached_vectors(encoder, texts, directory)
            except RuntimeError as exc:
                log.warning("emergency guard: no semantic signal from %s (%s)", encoder.name, exc)
                continue
            extra = (ordinary or {}).get(encoder.name)
            heads[encoder.name] = _fit_cached(encoder.name, vectors, labels, extra)
            banks[encoder.name] = Bank.of(vectors, labels, extra, heads[encoder.name])
        return cls(heads, banks)

    def score(self, query: QueryVectors | None) -> Scores | None:
        """The averaged probabilities over the heads the message has vectors for."""
        if query is None:
            return None
        found = [
            probabilities(weights, vector)
            for name, weights in self.heads.items()
            if (vector := query.get(name)) is not None
        ]
        if not found:
            return None
        return Scores(np.mean(found, axis=0) if len(found) > 1 else found[0])
