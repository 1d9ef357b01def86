"""Second stage: re-score the first stage's best few entries with more evidence.

The first stage (index.py) pools the whole message against every phrasing. Here the top
candidates are looked at again with what that pooling blurs: the best *situation*
phrasing (needs described without naming the topic), the question sentence of a long
message (query.py) and terms written in another script than the message's own, each
scored by the encoders and by character n-grams. The final score is a weighted sum of
these signals; the weights were fitted on the development sets only
(bench/rerank_fit.py, which prints them) and sum to one, so final scores stay on the
first stage's scale and the decision thresholds keep their meaning.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bot.knowledge.embedding import QueryVectors
from bot.knowledge.index import EntryScores, FaqIndex, _Dense, _row_products, top3_sums
from bot.knowledge.query import MessageParts, message_parts

TOP_K = 8
FEATURES = (
    "top3",  # mean of the three closest phrasings (encoders), whole message
    "max",  # closest phrasing (encoders), whole message
    "lex",  # character n-gram TF-IDF, best phrasing, whole message
    "bm25",  # word BM25 over the entry, relative to the best entry
    "situation",  # closest situation phrasing (encoders), whole message
    "question",  # encoders on the question sentence (= whole message when there is none)
    "question_lex",  # n-grams on the question sentence
    "embedded",  # encoders on the terms in another script (= whole message when none)
    "embedded_lex",  # n-grams on those terms
)
# Fitted by `bench/rerank_fit.py --l2 0` on bench/data/faq-realistic-dev.jsonl and the clean
# dev set (softmax over the top candidates): top-1 among them 97.2% → 97.9% in 5-fold
# cross-validation. The situation phrasings and BM25 carry most of the gain.
WEIGHTS: dict[str, float] = {
    "top3": 0.365,
    "max": 0.001,
    "lex": 0.034,
    "bm25": 0.247,
    "situation": 0.181,
    "question": 0.062,
    "question_lex": 0.001,
    "embedded": 0.068,
    "embedded_lex": 0.042,
}
# Entries outside the top candidates keep their first-stage order, below every candidate.
_BELOW = 1.0


@dataclass(frozen=True)
class Candidates:
    """The first stage's best entries (indexes into `index.entries`) and their signals."""

    entries: np.ndarray  # K entry indexes, best first
    features: np.ndarray  # K × len(FEATURES)


def candidate_features(
    index: FaqIndex,
    text: str,
    first: EntryScores,
    query: QueryVectors | None = None,
    k: int = TOP_K,
) -> Candidates:
    """The signals of FEATURES for the first stage's `k` best entries."""
    top = np.argsort(-first.combined)[:k]
    parts = message_parts(text)
    columns: dict[str, np.ndarray] = {
        name: first.signals.get(name, np.zeros(len(first.combined)))[top]
        for name in ("top3", "max", "lex", "bm25")
    }
    whole = 0.67 * columns["top3"] + 0.33 * columns["max"]
    dense = _dense_signals(index, text, parts, query, top)
    columns["situation"] = dense.get("situation", columns["max"])
    for name, part in (("question", parts.question), ("embedded", parts.embedded)):
        columns[name] = dense.get(name, whole)
        if part is None:
            columns[f"{name}_lex"] = columns["lex"]
        else:
            lex = index.lexical.scores(part)
            columns[f"{name}_lex"] = np.maximum.reduceat(lex, index.starts)[top]
    features = np.column_stack([columns[name] for name in FEATURES]).astype(np.float32)
    return Candidates(top, features)


def rerank(
    index: FaqIndex,
    text: str,
    first: EntryScores,
    query: QueryVectors | None = None,
    weights: dict[str, float] | None = None,
) -> EntryScores:
    """`first` with its best candidates re-scored; the others stay below them."""
    if first.semantic is None or len(first.combined) == 0:
        return first  # lexical only: nothing more to weigh
    found = candidate_features(index, text, first, query)
    w = np.array([(weights or WEIGHTS)[name] for name in FEATURES], dtype=np.float32)
    combined = first.combined - _BELOW
    combined[found.entries] = found.features @ w
    # How close the best part of the message comes: a long message's question sentence
    # may match a phrasing far better than the whole story around it does.
    semantic = first.semantic.copy()
    question = found.features[:, FEATURES.index("question")]
    semantic[found.entries] = np.maximum(semantic[found.entries], question)
    return EntryScores(combined.astype(np.float32), semantic, first.signals)


def _dense_signals(
    index: FaqIndex,
    text: str,
    parts: MessageParts,
    query: QueryVectors | None,
    top: np.ndarray,
) -> dict[str, np.ndarray]:
    """Encoder signals on the candidates' phrasings: the closest situation phrasing for
    the whole message, and the first stage's pooling for each part, averaged over the
    encoders; one product per encoder over the candidates' rows only."""
    dense = index.live_dense()
    if not dense:
        return {}
    lengths = index.ends[top] - index.starts[top]
    rows = np.concatenate(
        [np.arange(a, b) for a, b in zip(index.starts[top], index.ends[top], strict=True)]
    )  # the candidates' phrasings, in the order _row_products returns them
    segment = np.repeat(np.arange(len(top)), lengths)
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    situation = index.situation[rows]
    named = {"question": parts.question, "embedded": parts.embedded}
    wanted = {name: part for name, part in named.items() if part is not None}
    out = {name: np.zeros(len(top), dtype=np.float32) for name in ("situation", *wanted)}
    for d in dense:
        vectors = [_vector(d, text, None, query)]
        vectors += [_vector(d, text, part, query) for part in wanted.values()]
        sims = _row_products(
            d.vectors, np.column_stack(vectors), index.starts[top], index.ends[top]
        )
        best_situation = np.maximum.reduceat(np.where(situation, sims[:, 0], -1.0), starts)
        # An entry without situations ("not covered") is judged by its closest phrasing.
        best_any = np.maximum.reduceat(sims[:, 0], starts)
        out["situation"] += np.where(best_situation > -1.0, best_situation, best_any) / len(dense)
        for j, name in enumerate(wanted, start=1):
            column = sims[:, j]
            best = np.maximum.reduceat(column, starts)
            top3 = top3_sums(column, starts, lengths, segment)
            out[name] += (0.67 * top3 / np.minimum(lengths, 3) + 0.33 * best) / len(dense)
    return out


def _vector(d: _Dense, text: str, part: str | None, query: QueryVectors | None) -> np.ndarray:
    """The vector of the message (part None) or of one of its parts, encoded if missing."""
    name = d.encoder.name
    found = None
    if query is not None and query.text == text:
        found = query.get(name) if part is None else query.part(part, name)
    return found if found is not None else d.encoder.encode_queries([part or text])[0]


__all__ = ["FEATURES", "TOP_K", "WEIGHTS", "Candidates", "candidate_features", "rerank"]
