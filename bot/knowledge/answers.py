"""FAQ answers for the guided flows, from the knowledge base the dispatcher was built with."""

from __future__ import annotations

from typing import Any, Protocol

from bot.knowledge.placeholders import fill


class AnswerSource(Protocol):
    def answer(self, entry_id: str, locale: str) -> str | None:
        """The entry's answer in `locale` (English if missing there); None if no entry."""


class _KnowledgeAnswers:
    def __init__(self, knowledge: Any, settings: Any) -> None:
        self.knowledge = knowledge
        self.settings = settings

    def answer(self, entry_id: str, locale: str) -> str | None:
        entry = self.knowledge.entry(entry_id) if self.knowledge is not None else None
        if entry is None:
            return None
        return fill(str(entry.answer(locale)).strip(), locale, self.settings)


def answers_for(services: Any) -> AnswerSource:
    """Answers from `services.knowledge` (placeholders filled from `services.settings`);
    with no knowledge base loaded, every answer is None."""
    return _KnowledgeAnswers(
        getattr(services, "knowledge", None), getattr(services, "settings", None)
    )
