"""The FAQ as data: one `FaqEntry` per YAML file in faq/ (format: docs/faq-format.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

from bot.i18n.locales import DEFAULT_LOCALE, LOCALES

KINDS: Final = ("topic", "not_covered")
CATEGORIES: Final = (
    "school",
    "medical",
    "events",
    "consultation",
    "living",
    "work",
    "about",
    "not_covered",
)
# What an entry's action button does, as the payload of the area that handles it.
ACTION_PAYLOADS: Final[dict[str, str]] = {
    "book_consultation": "book:start",
    "school_flow": "school:start",
    "medical_flow": "medical:start",
    "list_events": "events:list",
    "my_events": "events:mine",
    "my_bookings": "book:mine",
    "language": "lang:menu",
    "privacy": "privacy:show",
    "human": "handoff:start",
}
REVIEW_STATES: Final = ("ok", "needed")
MIN_ALTERNATES: Final = 8
# Needs described without naming the topic ("my toddler keeps tugging at her ear"): people
# in chat write the situation, and a topic that only lists questions misses them.
MIN_SITUATIONS: Final = 5
MAX_ANSWER_CHARS: Final = 1000


@dataclass(frozen=True, slots=True)
class LocaleText:
    """One locale of an entry: the canonical question, how people ask it, the situations
    that lead to it (the need in the resident's words, without the topic's name), the answer."""

    question: str
    alternates: tuple[str, ...]
    answer: str
    situations: tuple[str, ...] = ()

    @property
    def phrasings(self) -> tuple[str, ...]:
        return (self.question, *self.alternates, *self.situations)


@dataclass(frozen=True, slots=True)
class FaqEntry:
    """One topic (or one "not covered" near-miss) of the knowledge base."""

    id: str
    kind: str
    category: str
    locales: dict[str, LocaleText]
    related: tuple[str, ...] = ()
    action: str | None = None
    review: str = "ok"
    last_reviewed: date | None = None
    source: str = ""
    path: str = ""

    @property
    def is_topic(self) -> bool:
        return self.kind == "topic"

    def _text(self, locale: str) -> LocaleText:
        found = self.locales.get(locale) or self.locales.get(DEFAULT_LOCALE)
        if found is None:  # the validator refuses such entries; stay total anyway
            found = next(iter(self.locales.values()))
        return found

    def has_locale(self, locale: str) -> bool:
        return locale in self.locales

    def question(self, locale: str) -> str:
        """The canonical question in `locale`, or in English when it is missing."""
        return self._text(locale).question

    def answer(self, locale: str) -> str:
        """The answer in `locale`, or in English when it is missing."""
        return self._text(locale).answer.strip()

    @property
    def action_payload(self) -> str | None:
        return ACTION_PAYLOADS.get(self.action) if self.action else None

    def phrasings(self) -> list[tuple[str, str]]:
        """(locale, text) for the question and every alternate, in every locale."""
        return [
            (loc, p) for loc in LOCALES if loc in self.locales for p in self.locales[loc].phrasings
        ]
