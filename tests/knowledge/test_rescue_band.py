"""The rescue band: a clear winner a little below min_score is answered, a close call or
a weak score there is not, and nothing under rescue_min is."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from bot.knowledge.base import KnowledgeBase
from bot.knowledge.index import EntryScores
from bot.knowledge.retrieval import ANSWER, NO_MATCH, THRESHOLDS, Retriever, Thresholds

BAND = Thresholds(0.45, 0.5, 0.01, 0.03, rescue_min=0.30, rescue_confidence=0.8, rescue_score=0.54)


def _scores(
    knowledge: KnowledgeBase, best: str, second: str, top: float, gap: float, closeness: float
) -> EntryScores:
    ids = [e.id for e in knowledge.index.entries]
    combined = np.full(len(ids), 0.1, dtype=np.float32)
    combined[ids.index(best)] = top
    combined[ids.index(second)] = top - gap
    semantic = np.full(len(ids), 0.1, dtype=np.float32)
    semantic[ids.index(best)] = closeness
    return EntryScores(combined, semantic)


@pytest.fixture
def retriever(knowledge: KnowledgeBase) -> Retriever:
    r = Retriever(knowledge.index)
    r.__dict__["thresholds"] = BAND  # the cached property, fixed for the test
    return r


def test_clear_winner_in_band_is_answered(knowledge: KnowledgeBase, retriever: Retriever) -> None:
    found = _scores(knowledge, "medical.mental-health", "consult.languages", 0.58, 0.12, 0.38)
    decision = retriever.decide("some situation", found=found)
    assert decision.outcome == ANSWER and decision.faq_id == "medical.mental-health"


@pytest.mark.parametrize(
    ("top", "gap", "closeness"),
    [
        (0.58, 0.12, 0.29),  # under rescue_min
        (0.58, 0.01, 0.38),  # a close second: confidence under rescue_confidence
        (0.52, 0.12, 0.38),  # a clear winner with a weak re-ranked score
    ],
)
def test_outside_band_is_no_match(
    knowledge: KnowledgeBase, retriever: Retriever, top: float, gap: float, closeness: float
) -> None:
    found = _scores(knowledge, "medical.mental-health", "consult.languages", top, gap, closeness)
    assert retriever.decide("some situation", found=found).outcome == NO_MATCH


def test_without_band_min_score_alone_decides(
    knowledge: KnowledgeBase, retriever: Retriever
) -> None:
    retriever.__dict__["thresholds"] = replace(BAND, rescue_min=None)
    found = _scores(knowledge, "medical.mental-health", "consult.languages", 0.58, 0.12, 0.38)
    assert retriever.decide("some situation", found=found).outcome == NO_MATCH


def test_korean_text_has_its_own_score_floor(
    knowledge: KnowledgeBase, retriever: Retriever
) -> None:
    retriever.__dict__["thresholds"] = replace(BAND, rescue_score_hangul=0.44)
    found = _scores(knowledge, "medical.pharmacy", "living.learn-chinese", 0.47, 0.15, 0.33)
    assert retriever.decide("밤에 여는 약국", found=found).faq_id == "medical.pharmacy"
    assert retriever.decide("a pharmacy at night", found=found).outcome == NO_MATCH


def test_use_thresholds_carry_the_band() -> None:
    use = THRESHOLDS[frozenset({"use-m3"})]
    assert use.rescue_min is not None and use.rescue_min < use.min_score


def test_question_sentence_counts_for_closeness(knowledge: KnowledgeBase) -> None:
    """A long story's question sentence can make the best entry closer than the whole
    message is; closeness never drops below the first stage's."""
    from bot.knowledge.rerank import rerank

    index = knowledge.index
    if not index.live_dense():
        pytest.skip("needs an encoder")
    text = (
        "We spent the whole weekend unpacking boxes and the kids fought over the bedrooms. "
        "My husband lost the keys twice and the lift was broken on Sunday. "
        "Where can I learn Mandarin in the evenings?"
    )
    first = index.scores(text)
    assert first.semantic is not None
    found = rerank(index, text, first)
    assert found.semantic is not None
    assert np.all(found.semantic >= first.semantic - 1e-6)
    best = int(np.argmax(found.combined))
    assert index.entries[best].id == "living.learn-chinese"
    assert found.semantic[best] > first.semantic[best]
