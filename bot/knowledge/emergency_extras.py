"""Lines staff add to the emergency reply once they have confirmed them (faq/emergency/).

The reply's own numbers (120, 119, 110, 122) and first-aid steps are certain and live in
code (bot/guided/emergency/). Anything else — a crisis or counselling line, advice that
depends on a medicine or a dose — is a candidate in faq/emergency/extras.yaml and reaches
residents only when its `review` is `ok`. `linzhu directory check` validates the file.

    items:
      - id: crisis-line                   # lower-case words joined by '-'
        kinds: [self_harm]                # whose reply shows it (bot/guided/emergency/kinds.py)
        review: needed                    # ok | needed: only `ok` items are shown
        number: "12356"                   # optional; {number} in the text is replaced by it
        note: "why it is unconfirmed, what to check"   # for staff, never shown
        text: {en: "…{number}…", zh_Hans: …, …}        # all nine locales
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.core.markup import phone
from bot.guided.emergency.kinds import KINDS
from bot.i18n.locales import LOCALES
from bot.knowledge.yamlcheck import LoadedYaml, Problem, load_valid, load_with_lines

_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_NUMBER = re.compile(r"\+?[0-9][0-9-]{1,20}")
FIELDS = {"id", "kinds", "review", "number", "note", "text"}


@dataclass(frozen=True)
class EmergencyExtra:
    id: str
    kinds: tuple[str, ...]
    review: str
    text: dict[str, str]
    number: str = ""

    @property
    def confirmed(self) -> bool:
        return self.review == "ok"

    def render(self, locale: str) -> str:
        """The line in `locale` (English if missing), its number as a phone link."""
        text = self.text.get(locale) or self.text["en"]
        return text.replace("{number}", phone(self.number)) if self.number else text


def extras_path(faq_dir: Path) -> Path:
    return faq_dir / "emergency" / "extras.yaml"


def validate_extras(path: Path) -> list[Problem]:
    loaded = load_with_lines(path)
    if isinstance(loaded, Problem):
        return [loaded]
    return _check(loaded)


def load_extras(path: Path) -> list[EmergencyExtra]:
    """Every item, confirmed or not (the reply shows only confirmed ones); ValueError if
    the file does not validate."""
    loaded = load_valid(path, _check)
    return [
        EmergencyExtra(
            id=raw["id"],
            kinds=tuple(raw["kinds"]),
            review=raw["review"],
            text={k: v.strip() for k, v in raw["text"].items()},
            number=str(raw.get("number") or ""),
        )
        for raw in loaded.data.get("items") or []
    ]


def confirmed_for(extras: list[EmergencyExtra], kind_id: str | None) -> list[EmergencyExtra]:
    """The confirmed items for a kind (none for an unknown kind)."""
    return [e for e in extras if e.confirmed and kind_id in e.kinds]


def _check(doc: LoadedYaml) -> list[Problem]:
    data = doc.data
    if not isinstance(data, dict) or not isinstance(data.get("items", []), list):
        return [doc.problem("the file must be a mapping with an `items` list")]
    problems: list[Problem] = []
    seen: set[str] = set()
    for i, item in enumerate(data.get("items") or []):
        at = ("items", i)
        if not isinstance(item, dict):
            problems.append(doc.problem("each item must be a mapping", *at))
            continue
        problems.extend(
            doc.problem(f"unknown field `{k}`", *at, k) for k in item if k not in FIELDS
        )
        ident = item.get("id")
        if not isinstance(ident, str) or not _ID.fullmatch(ident):
            problems.append(doc.problem("`id` must be lower-case words joined by '-'", *at, "id"))
        elif ident in seen:
            problems.append(doc.problem(f"duplicate id `{ident}`", *at, "id"))
        else:
            seen.add(ident)
        problems.extend(_check_kinds(doc, item, at))
        if item.get("review") not in ("ok", "needed"):
            problems.append(doc.problem("`review` must be ok or needed", *at, "review"))
        problems.extend(_check_text(doc, item, at))
    return problems


def _check_kinds(doc: LoadedYaml, item: dict[str, Any], at: tuple[str | int, ...]) -> list[Problem]:
    kinds = item.get("kinds")
    if not isinstance(kinds, list) or not kinds:
        return [doc.problem("`kinds` must list at least one kind", *at, "kinds")]
    return [
        doc.problem(f"unknown kind `{k}` (allowed: {', '.join(KINDS)})", *at, "kinds", j)
        for j, k in enumerate(kinds)
        if k not in KINDS
    ]


def _check_text(doc: LoadedYaml, item: dict[str, Any], at: tuple[str | int, ...]) -> list[Problem]:
    problems = []
    number = item.get("number")
    if number not in (None, "") and not (isinstance(number, str) and _NUMBER.fullmatch(number)):
        problems.append(
            doc.problem('`number` must be digits (quoted), e.g. "12356"', *at, "number")
        )
    text = item.get("text")
    if not isinstance(text, dict):
        return [*problems, doc.problem("`text` must map each locale to the line", *at, "text")]
    for locale in LOCALES:
        value = text.get(locale)
        if not isinstance(value, str) or not value.strip():
            problems.append(doc.problem(f"text.{locale} is missing or empty", *at, "text"))
        elif "{number}" in value and not number:
            problems.append(
                doc.problem(f"text.{locale} uses {{number}} but there is none", *at, "text")
            )
    problems.extend(
        doc.problem(f"unknown locale `{loc}`", *at, "text", loc)
        for loc in text
        if loc not in LOCALES
    )
    if (
        item.get("review") == "ok"
        and number in (None, "")
        and any("{number}" in str(v) for v in text.values())
    ):
        problems.append(doc.problem("a confirmed item needs its number", *at, "number"))
    return problems
