"""FaqIndex.scores after the speed-up decides exactly as before it.

The previous code copied the short-listed phrasings' vectors out before one product; the
current one takes the product over every phrasing and gathers the similarities. Only the
order of float additions inside BLAS may differ, so the scores agree to float precision
and every decision on a sample is the same.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from bot.knowledge.base import KnowledgeBase
from bot.knowledge.index import (
    PRODUCT_BATCH,
    SHORTLIST,
    W_BM25,
    W_LEX,
    W_MAX,
    W_TOP3,
    EntryScores,
    FaqIndex,
)
from bot.knowledge.retrieval import Retriever

QUESTIONS = [
    "How do I enrol my daughter in a public primary school?",
    "where can i find a docter who speaks english",
    "孩子上小学需要准备什么材料？",
    "請問小孩入學需要準備哪些文件？",
    "子どもを公立の小学校に入れるにはどうすればいいですか？",
    "영어를 하는 의사를 어디서 찾을 수 있나요?",
    "Comment inscrire mon fils à l'école ?",
    "Wo finde ich einen Arzt, der Englisch spricht?",
    "¿Cómo inscribo a mi hijo en la escuela primaria?",
    "Как записать ребёнка в начальную школу?",
    "where can I vaccinate my dog",
    "zorblax quintuple frimble",
    "and for a 4 year old?",
]


def previous_scores(index: FaqIndex, text: str, query: Any) -> EntryScores:
    """The implementation before the speed-up, kept here as the reference."""
    n = len(index.entries)
    lex = index.lexical.scores(text)
    lex_best = np.maximum.reduceat(lex, index.starts)
    bm = index.bm25.scores(text)
    bm_rel = bm / max(float(bm.max()), 1e-6)
    dense = index.live_dense()
    queries = [query.get(d.encoder.name) for d in dense]
    shortlist = index._shortlist(dense, queries, lex_best, bm_rel)
    lengths = index.ends[shortlist] - index.starts[shortlist]
    rows = np.concatenate(
        [
            np.arange(a, b)
            for a, b in zip(index.starts[shortlist], index.ends[shortlist], strict=True)
        ]
    )
    segment = np.repeat(np.arange(len(shortlist)), lengths)
    seg_starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    semantic = np.zeros(len(shortlist), dtype=np.float32)
    for d, q in zip(dense, queries, strict=True):
        sims = d.vectors[rows] @ q
        best = np.maximum.reduceat(sims, seg_starts)
        order = np.lexsort((-sims, segment))
        rank = np.arange(len(sims)) - np.repeat(seg_starts, lengths)
        top = order[rank < 3]
        top3 = np.bincount(segment[top], weights=sims[top], minlength=len(shortlist))
        top3 = top3 / np.minimum(lengths, 3)
        semantic += W_TOP3 * top3 + W_MAX * best
    semantic /= len(dense) * (W_TOP3 + W_MAX)
    dense_part = np.full(n, -1.0, dtype=np.float32)
    dense_part[shortlist] = semantic
    w_dense = len(dense) * (W_TOP3 + W_MAX)
    mixed = (w_dense * dense_part + W_LEX * lex_best + W_BM25 * bm_rel) / (w_dense + W_LEX + W_BM25)
    total = np.full(n, -1.0, dtype=np.float32)
    total[shortlist] = mixed[shortlist]
    return EntryScores(total, dense_part)


def test_same_scores_and_decisions_as_before(
    knowledge: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = knowledge.index
    if not index.live_dense():
        pytest.skip("no sentence encoder loaded: the dense path is not used")
    assert len(index.entries) > SHORTLIST  # the short-list path is the one exercised
    sample = QUESTIONS + index.texts[::97]
    queries = {text: knowledge.embedder.embed_now(text) for text in sample}
    now = {text: knowledge.decide(text, None, queries[text]) for text in sample}
    for text in sample:
        fast, slow = index.scores(text, queries[text]), previous_scores(index, text, queries[text])
        np.testing.assert_allclose(fast.combined, slow.combined, atol=1e-6)
    fast_scores = index.scores

    def reference(text: str, query: Any = None, whole: str | None = None) -> EntryScores:
        assert whole is None  # (the sample's texts are all within the reading window)
        # The re-ranker's inputs (the pooled signals) come with the fast path's scores; what
        # this test compares is the combined score both paths compute.
        return replace(
            previous_scores(index, text, query), signals=fast_scores(text, query).signals
        )

    monkeypatch.setattr(index, "scores", reference)
    for text in sample:
        before = knowledge.decide(text, None, queries[text])
        assert (before.outcome, before.faq_id, [c.faq_id for c in before.candidates]) == (
            now[text].outcome,
            now[text].faq_id,
            [c.faq_id for c in now[text].candidates],
        ), text


async def test_a_question_scored_ahead_gets_the_same_decision(knowledge: KnowledgeBase) -> None:
    """`prepare` (before the message queues) then `adecide` = deciding on the spot, follow-up
    nudge included; the scores stay for the same text from someone else at once."""
    for text, previous in [(q, None) for q in QUESTIONS] + [
        ("and for a 4 year old?", "school.fees")
    ]:
        direct = knowledge.decide(text, previous, knowledge.embedder.embed_now(text))
        await knowledge.prepare(text)
        ahead = await knowledge.adecide(text, previous)
        assert (ahead.outcome, ahead.faq_id, ahead.candidates) == (
            direct.outcome,
            direct.faq_id,
            direct.candidates,
        ), text

    async def no_second_encoding(text: str) -> None:
        raise AssertionError(f"{text!r} was encoded and scored again")

    original = knowledge.embed
    knowledge.embed = no_second_encoding  # type: ignore[method-assign,assignment]
    try:
        again = await knowledge.adecide(QUESTIONS[0])  # a second resident, the same words
    finally:
        knowledge.embed = original  # type: ignore[method-assign]
    assert again.faq_id == knowledge.decide(QUESTIONS[0]).faq_id


def test_a_batch_shares_one_product_and_scores_as_one_by_one(knowledge: KnowledgeBase) -> None:
    """The scoring process's batch: one matrix product per encoder for the questions
    together (from PRODUCT_BATCH of them), the same scores and decisions as each alone."""
    index = knowledge.index
    if not index.live_dense():
        pytest.skip("no sentence encoder loaded: the dense path is not used")
    texts = QUESTIONS[: PRODUCT_BATCH + 3]
    queries = knowledge.encode_texts(texts)
    products = index.products(queries)
    assert all(set(p) == set(index.encoder_names) for p in products)
    assert index.products(queries[: PRODUCT_BATCH - 1]) == [{}] * (PRODUCT_BATCH - 1)
    retriever = Retriever(index)
    together = retriever.score_batch(texts, queries)
    for text, query, batched in zip(texts, queries, together, strict=True):
        alone = retriever.score_read(text, query)
        np.testing.assert_allclose(batched.combined, alone.combined, atol=1e-6)
        assert np.argmax(batched.combined) == np.argmax(alone.combined), text


async def test_questions_arriving_together_are_scored_in_one_batch_without_the_child(
    knowledge: KnowledgeBase,
) -> None:
    """No scoring process (several workers on two cores): questions prepared at once are
    encoded and scored as one batch in the CPU pool, and decide as each would alone."""
    assert knowledge.scoring is None
    texts = [f"{question} #{n}" for n, question in enumerate(QUESTIONS[:10])]
    before = knowledge.local_batches
    await asyncio.gather(*(knowledge.prepare(text) for text in texts))
    assert knowledge.local_batches == before + 1
    for text in texts:
        direct = knowledge.decide(text, None, knowledge.embedder.embed_now(text))
        ahead = await knowledge.adecide(text)
        # (the batch's product may differ from one product in the last bits of a float)
        assert (ahead.outcome, ahead.faq_id, [c.faq_id for c in ahead.candidates]) == (
            direct.outcome,
            direct.faq_id,
            [c.faq_id for c in direct.candidates],
        ), text
