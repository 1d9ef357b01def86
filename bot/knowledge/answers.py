"""FAQ answers for the guided flows, from the knowledge base the dispatcher was built with."""

from __future__ import annotations

import re
from typing import Any, Protocol

from bot.knowledge.placeholders import fill

# One sentence: up to a full stop — CJK (。！？) anywhere, Latin (. ! ?) before a space or the end.
_SENTENCE = re.compile(r".+?(?:[。！？]|[.!?](?=\s|$)|$)\s*")


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


def without_pointer(answer: str, command: str) -> str:
    """The answer without its sentences that send the resident to `command`.

    A guide shows FAQ answers written to stand alone ("Type /school to start the enrolment
    guide…"); inside that guide, such a sentence would send the resident where they already
    are. Other sentences of the line stay; a line left empty goes.
    """
    kept: list[str] = []
    for line in answer.splitlines():
        if command not in line:
            kept.append(line)
            continue
        rest = "".join(s for s in _SENTENCE.findall(line) if command not in s).rstrip()
        if rest.strip(" -*👉"):
            kept.append(rest)
    text = "\n".join(kept)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def answers_for(services: Any) -> AnswerSource:
    """Answers from `services.knowledge` (placeholders filled from `services.settings`);
    with no knowledge base loaded, every answer is None."""
    return _KnowledgeAnswers(
        getattr(services, "knowledge", None), getattr(services, "settings", None)
    )
