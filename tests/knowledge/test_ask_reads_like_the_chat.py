"""`linzhu ask` (and bench/faq_eval.py through it) reads a long message the way the chat
does: the encoders its beginning and its end (query.reading_window), BM25 all of it, each
word once (a middle that tells another story at length does not take over)."""

from __future__ import annotations

import asyncio

from bot.cli.ask import Asker
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.query import WINDOW_CHARS

ASK = (
    "My son turns six in May and we want him to start grade one at a public primary school "
    "near Gubei in September. We have his passport, our residence permits and the lease, "
    "but nobody told us what else the school asks for when we apply. Which documents does "
    "the school need to enrol him, and do they need translations or notarised copies? "
)
# A middle that talks at length about something else (outside the window)
MIDDLE = "Our residence permit renewal at the exit-entry bureau took weeks again. " * 60


def test_a_long_message_is_read_through_the_chats_window(knowledge: KnowledgeBase) -> None:
    asker = Asker(knowledge, "en", None)  # type: ignore[arg-type]
    text = ASK + MIDDLE + ASK
    assert len(text) > 3 * WINDOW_CHARS
    asked = asker.ask(text)
    chat = asyncio.run(knowledge.adecide(text))  # what the chat's handler asks
    assert asked.decision.faq_id == chat.faq_id == knowledge.decide(ASK).faq_id
    assert asked.decision.faq_id is not None and asked.decision.faq_id.startswith("school.")
    assert asked.text == text  # the whole message is still what the result shows
