"""The inverted index's scores equal the dense computation they stand for.

`_InvertedIndex.score` gathers the postings of every query term in one pass; a query's
score for a document is the sum, over the query's terms, of the query weight times the
document's weight for that term. Here the same sums come from a dense documents × terms
matrix, for queries with common terms (long postings), rare ones, unknown ones and none.
"""

from __future__ import annotations

import numpy as np
import pytest

from bot.knowledge.lexical import Bm25, CharTfidf, _InvertedIndex

TEXTS = [
    "How do I enrol my child in a public school?",
    "Where can I find a doctor who speaks English?",
    "the the the school school",
    "孩子上小学需要准备什么材料？",
    "Comment inscrire mon fils à l'école ?",
    "Как записать ребёнка в школу?",
    "",
]


def _dense(index: _InvertedIndex) -> np.ndarray:
    """documents × terms, rebuilt from the postings one term at a time."""
    matrix = np.zeros((index.n_docs, len(index.terms)), dtype=np.float64)
    for term in range(len(index.terms)):
        a, b = index.offsets[term], index.offsets[term + 1]
        matrix[index.ids[a:b], term] += index.weights[a:b]
    return matrix


@pytest.mark.parametrize("factory", [CharTfidf, Bm25])
def test_scores_equal_the_dense_product(factory: type[CharTfidf] | type[Bm25]) -> None:
    model = factory(TEXTS)
    index = model.index
    dense = _dense(index)
    rng = np.random.default_rng(7)
    n_terms = len(index.terms)
    picked = rng.choice(n_terms, 12, replace=False)
    queries: list[dict[int, float]] = [
        {},
        {0: 1.0},
        {n_terms - 1: 0.5, 0: 2.0},  # order of the dict is not the order of the terms
        {int(t): float(w) for t, w in zip(picked, rng.random(12), strict=True)},
        {t: 1.0 for t in range(n_terms)},  # every term: every posting
    ]
    for query in queries:
        expected = np.zeros(index.n_docs)
        for term, weight in query.items():
            expected += np.float32(weight) * dense[:, term].astype(np.float32)
        got = index.score(query)
        assert got.dtype == np.float32
        assert got.shape == (index.n_docs,)
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_a_text_scores_highest_against_itself() -> None:
    tfidf = CharTfidf(TEXTS)
    for i, text in enumerate(TEXTS[:-1]):
        scores = tfidf.scores(text)
        assert int(np.argmax(scores)) == i
        assert scores[i] == pytest.approx(1.0, abs=1e-5)  # cosine of a text with itself
    assert not tfidf.scores("qqqq zzzz").any()  # nothing shared: zero everywhere
