"""A long message: the encoders read its window (its beginning and end), BM25 all of it.

Encoding 4,000 characters costs fifty times a question, so the encoders read a window; the
word counts cost little, and in a long message the question is often in the middle. Each
word counts once there, so a side story told at length does not outweigh the question."""

from __future__ import annotations

import numpy as np

from bot.knowledge.base import KnowledgeBase
from bot.knowledge.query import WINDOW_CHARS, reading_window

OPENING = (
    "Hello and good evening, I hope this message finds you well and that you are not too "
    "busy today. The weather has been lovely this week, sunny and mild, and we finally "
    "unpacked the last boxes. The neighbours invited us for dinner last Saturday and we "
    "had a wonderful time, the food was delicious and we talked until late about music. "
)
# Said without asking (no question mark or question word), so the window does not take it
# as the message's question sentence (query.reading_window): only BM25 reads it.
QUESTION = (
    "Our son turns six in May. We need the school enrolment documents for a public primary "
    "school: passport, residence permit, lease, translations or notarised copies. "
)
CLOSING = (
    "Anyway, thank you so much for reading all of this, I know it is a lot of text. The "
    "rain has started again as I write, so I will make some tea and wait for your answer. "
    "I really appreciate your patience and your kindness, it means a great deal to me. "
    "Have a lovely evening, take care, and thank you once more for your time and help. "
)


def _best(knowledge: KnowledgeBase, scores: np.ndarray) -> str:
    return knowledge.index.entries[int(np.argmax(scores))].id


def test_bm25_reads_the_question_in_the_middle_of_a_long_message(
    knowledge: KnowledgeBase,
) -> None:
    text = OPENING + QUESTION + CLOSING
    window = reading_window(text)
    assert len(text) > WINDOW_CHARS and "documents" not in window  # the middle is outside
    whole = knowledge.index.scores(window, whole=text).signals["bm25"]
    only_window = knowledge.index.scores(window).signals["bm25"]
    assert _best(knowledge, whole).startswith("school.")
    assert not _best(knowledge, only_window).startswith("school.")


def test_a_word_repeated_in_a_long_message_counts_once(knowledge: KnowledgeBase) -> None:
    bm25 = knowledge.index.bm25
    story = "We renewed the residence permit again. " * 40
    repeated = bm25.scores(QUESTION + story, distinct=True)
    once = bm25.scores(QUESTION + "We renewed the residence permit again.", distinct=True)
    assert np.allclose(repeated, once)
    assert not np.allclose(bm25.scores(QUESTION + story), repeated)  # counted, it weighs more


def test_a_message_within_the_window_is_scored_as_before(knowledge: KnowledgeBase) -> None:
    retriever = knowledge._snapshot.retriever
    short = QUESTION.strip()
    assert reading_window(short) == short
    assert short.count("school") == 2  # counted twice here, once were it read as "whole"
    ours = retriever.score_read(short)
    plain = knowledge.index.scores(short)
    assert np.array_equal(plain.signals["bm25"], ours.signals["bm25"])
    assert not np.array_equal(
        plain.signals["bm25"], knowledge.index.scores(short, whole=short).signals["bm25"]
    )
