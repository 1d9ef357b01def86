"""FAQ answers for the guided flows, from the knowledge base the dispatcher was built with."""

from __future__ import annotations

from typing import Any, Protocol


class AnswerSource(Protocol):
    def answer(self, entry_id: str, locale: str) -> str | None:
        """The entry's answer in `locale` (English if missing there); None if no entry."""


class _KnowledgeAnswers:
    def __init__(self, knowledge: Any) -> None:
        self.knowledge = knowledge

    def answer(self, entry_id: str, locale: str) -> str | None:
        entry = self.knowledge.entry(entry_id) if self.knowledge is not None else None
        return None if entry is None else str(entry.answer(locale)).strip()


def answers_for(services: Any) -> AnswerSource:
    """Answers from `services.knowledge`; with no knowledge base loaded, every answer is None."""
    return _KnowledgeAnswers(getattr(services, "knowledge", None))
