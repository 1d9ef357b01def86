"""Bilingual phrase cards to show at a hospital desk (faq/phrases/medical.yaml).

Each card has the Chinese that hospital staff read (`zh`, Simplified; a card may give
a different Chinese text per resident locale in `zh_by_locale`, as "I need a doctor who
speaks Japanese" does) and the same sentence in every one of the nine locales.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.i18n.locales import LOCALES
from bot.knowledge.yamlcheck import LoadedYaml, Problem, load_valid, load_with_lines

TOPICS = ("general", "gp", "children", "dental", "maternity", "mental", "vaccination", "permit")
_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


@dataclass(frozen=True)
class PhraseCard:
    id: str
    topics: tuple[str, ...]
    zh: str
    text: dict[str, str]
    zh_by_locale: dict[str, str] = field(default_factory=dict)

    def chinese(self, locale: str) -> str:
        return self.zh_by_locale.get(locale, self.zh)

    def render(self, locale: str) -> str:
        """The resident's language beside the Chinese; Chinese alone for zh_Hans readers."""
        chinese = self.chinese(locale)
        mine = self.text.get(locale) or self.text["en"]
        return chinese if mine == chinese else f"{mine}\n*{chinese}*"


def validate_phrases(path: Path) -> list[Problem]:
    """Every schema problem in a phrase-card file, with file and line."""
    loaded = load_with_lines(path)
    if isinstance(loaded, Problem):
        return [loaded]
    return _check(loaded)


def load_phrases(path: Path) -> list[PhraseCard]:
    loaded = load_valid(path, _check)
    return [
        PhraseCard(
            id=raw["id"],
            topics=tuple(raw["topics"]),
            zh=raw["zh"].strip(),
            text={k: v.strip() for k, v in raw["text"].items()},
            zh_by_locale={k: v.strip() for k, v in (raw.get("zh_by_locale") or {}).items()},
        )
        for raw in loaded.data["cards"]
    ]


def cards_for(cards: list[PhraseCard], topic: str) -> list[PhraseCard]:
    """The cards for `topic` first, then the general ones, each in file order."""
    specific = [c for c in cards if topic != "general" and topic in c.topics]
    return specific + [c for c in cards if "general" in c.topics and c not in specific]


def _check(doc: LoadedYaml) -> list[Problem]:
    data = doc.data
    if not isinstance(data, dict) or not isinstance(data.get("cards"), list):
        return [doc.problem("the file must be a mapping with a `cards` list")]
    problems: list[Problem] = []
    seen: set[str] = set()
    for i, card in enumerate(data["cards"]):
        at = ("cards", i)
        if not isinstance(card, dict):
            problems.append(doc.problem("each card must be a mapping", *at))
            continue
        for key in card:
            if key not in {"id", "topics", "zh", "text", "zh_by_locale"}:
                problems.append(doc.problem(f"unknown field `{key}`", *at, key))
        ident = card.get("id")
        if not isinstance(ident, str) or not _ID.fullmatch(ident):
            problems.append(doc.problem("`id` must be lower-case words joined by '-'", *at, "id"))
        elif ident in seen:
            problems.append(doc.problem(f"duplicate id `{ident}`", *at, "id"))
        else:
            seen.add(ident)
        topics = card.get("topics")
        if not isinstance(topics, list) or not topics:
            problems.append(doc.problem("`topics` must list at least one topic", *at, "topics"))
        else:
            for j, topic in enumerate(topics):
                if topic not in TOPICS:
                    problems.append(doc.problem(
                        f"unknown topic `{topic}` (allowed: {', '.join(TOPICS)})", *at, "topics", j
                    ))  # fmt: skip
        if not _text(card.get("zh")):
            problems.append(
                doc.problem("`zh` (the Chinese to show) is missing or empty", *at, "zh")
            )
        problems.extend(_check_locales(doc, card, at))
    return problems


def _check_locales(
    doc: LoadedYaml, card: dict[str, Any], at: tuple[str | int, ...]
) -> list[Problem]:
    problems = []
    text = card.get("text")
    if not isinstance(text, dict):
        return [doc.problem("`text` must map each locale to the sentence", *at, "text")]
    for locale in LOCALES:
        if not _text(text.get(locale)):
            problems.append(doc.problem(f"text.{locale} is missing or empty", *at, "text"))
    for locale in text:
        if locale not in LOCALES:
            problems.append(doc.problem(f"unknown locale `{locale}`", *at, "text", locale))
    extra = card.get("zh_by_locale")
    if extra is not None:
        if not isinstance(extra, dict):
            problems.append(doc.problem("`zh_by_locale` must be a mapping", *at, "zh_by_locale"))
        else:
            for locale, value in extra.items():
                if locale not in LOCALES or not _text(value):
                    message = f"zh_by_locale.{locale}: unknown locale or empty text"
                    problems.append(doc.problem(message, *at, "zh_by_locale", locale))
    return problems


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())
