"""Does a message signal a medical emergency? A curated phrase list, no model, no retrieval.

The phrases live in emergency.yaml beside this module, per locale, and every locale's
phrases are tried on every message (a resident set to English may still type Russian).

Term syntax:
- spaced locales (en, fr, de, es, ru): words; `word*` matches any ending (bewusstlos*,
  convulsion*); `..` allows up to three words in between ("chest .. pain"). Matching is on
  whole words after normalising: case folded, full-width → ASCII, accents dropped
  (é → e, й → и), apostrophes removed (can't → cant).
- CJK locales (zh_Hans, zh_Hant, ja, ko): a substring of the message with all spaces
  removed (Korean spacing varies: 숨을 안 쉬어요 = 숨을안쉬어요); `..` allows up to six
  characters in between.
- `re:` starts a raw regular expression (on the same normalised text) for the few
  phrases that need one.

What keeps ordinary medical questions out (decided deliberately; see the README):
- negation right before a phrase, within three words / two characters and not across a
  comma ("no chest pain", "pas de douleur thoracique", "没有胸痛"), or right after it in
  Japanese and Korean ("胸の痛みはない", "가슴 통증은 없어요"). Phrases that carry their own
  negation ("not breathing", "ne respire pas", "没有呼吸", "意識がない") match as a whole;
- an `exclusions` phrase overlapping the match ("food poisoning", "急救培训", "救急箱");
- a hypothetical or past framing ("in the future", "just in case", "last year", "how
  much does … cost") unless an urgency word ("now", "help", "快", "今すぐ") is also there.
"Mild" does not cancel anything: a mild stroke is still a stroke. Weak signs (fever, a
cut, a rash) are simply not on the list. A plain question such as "what number do I call
for an ambulance?" does fire: the guard's answer is exactly that number, and mistaking a
real emergency for a question costs far more than the reverse.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.guided.dates import normalise

DATA_FILE = Path(__file__).with_name("emergency.yaml")
CJK_LOCALES = frozenset({"zh_Hans", "zh_Hant", "ja", "ko"})
_APOSTROPHES = re.compile(r"['’`´]")
_CLAUSE_END = re.compile(r"[.!?;:,，。！？；：、]")
_QUESTION_FORMS = ("是不是", "有没有", "有沒有")


@dataclass(frozen=True)
class Detection:
    """Which curated phrase fired, for the activity log (never the resident's text)."""

    locale: str
    term: str


@dataclass(frozen=True)
class _Rule:
    locale: str
    term: str
    cjk: bool
    pattern: re.Pattern[str]
    # A literal every match contains: a substring test skips most rules cheaply.
    anchor: str = ""


@dataclass(frozen=True)
class _Prepared:
    spaced: str
    compact: str

    def view(self, cjk: bool) -> str:
        return self.compact if cjk else self.spaced


def prepare(text: str) -> _Prepared:
    spaced = _APOSTROPHES.sub("", normalise(text))
    spaced = re.sub(r"\s+", " ", spaced).strip()
    return _Prepared(spaced, re.sub(r"\s+", "", spaced))


def compile_term(term: str, cjk: bool) -> re.Pattern[str]:
    """A curated phrase in the syntax above → the regular expression that finds it."""
    if term.startswith("re:"):
        return re.compile(term[3:].strip())
    clean = prepare(term)
    if cjk:
        pieces = [re.escape(p) for p in clean.compact.split("..")]
        return re.compile(".{0,6}?".join(pieces))
    out = r"(?<!\w)"
    tokens = clean.spaced.split()
    for i, token in enumerate(tokens):
        if token == "..":
            out += r"(?:\w+\W+){0,3}?"
            continue
        out += re.escape(token.rstrip("*")) + (r"\w*" if token.endswith("*") else "")
        if i < len(tokens) - 1:
            out += r"\W+"
    return re.compile(out + r"(?!\w)")


def anchor_of(term: str, cjk: bool) -> str:
    """The longest literal piece of a phrase ("" for a raw regular expression)."""
    if term.startswith("re:"):
        return ""
    clean = prepare(term)
    pieces = clean.compact.split("..") if cjk else clean.spaced.split()
    return max((p.rstrip("*") for p in pieces if p != ".."), key=len, default="")


class EmergencyMatcher:
    def __init__(self, data: dict[str, Any]) -> None:
        self.rules = [
            _Rule(
                locale,
                term,
                locale in CJK_LOCALES,
                compile_term(term, locale in CJK_LOCALES),
                anchor_of(term, locale in CJK_LOCALES),
            )
            for locale, terms in data["terms"].items()
            for term in terms
        ]
        self.exclusions = _patterns(data.get("exclusions", {}))
        self.informational = _patterns(data.get("informational", {}))
        self.urgent = _patterns(data.get("urgent", {}))
        self.pre_negators = {
            prepare(w).spaced for ws in data.get("negators", {}).values() for w in ws
        }
        self.cjk_pre_negators = tuple(data.get("cjk_negators_before", []))
        self.cjk_post_negators = tuple(
            prepare(w).compact for w in data.get("cjk_negators_after", [])
        )

    @classmethod
    def from_file(cls, path: Path = DATA_FILE) -> EmergencyMatcher:
        with path.open(encoding="utf-8") as fh:
            return cls(yaml.safe_load(fh))

    def detect(self, text: str) -> Detection | None:
        """The first curated phrase that signals an emergency in `text`, or None."""
        prepared = prepare(text)
        if not prepared.compact:
            return None
        for rule in self.rules:
            view = prepared.view(rule.cjk)
            if rule.anchor not in view:
                continue
            for match in rule.pattern.finditer(view):
                if self._excluded(prepared, rule.cjk, match) or self._negated(view, rule, match):
                    continue
                # Checked last: most messages match no phrase and never get here.
                if _any(self.informational, prepared) and not _any(self.urgent, prepared):
                    return None
                return Detection(rule.locale, rule.term)
        return None

    def _excluded(self, prepared: _Prepared, cjk: bool, match: re.Match[str]) -> bool:
        view = prepared.view(cjk)
        for pattern, pattern_cjk in self.exclusions:
            if pattern_cjk != cjk:
                continue
            for other in pattern.finditer(view):
                if other.start() < match.end() and match.start() < other.end():
                    return True
        return False

    def _negated(self, view: str, rule: _Rule, match: re.Match[str]) -> bool:
        before = _CLAUSE_END.split(view[: match.start()])[-1]
        if rule.cjk:
            if any(view[match.end() :].startswith(w) for w in self.cjk_post_negators):
                return True
            if before.endswith(_QUESTION_FORMS):
                return False
            return any(before[-2:].endswith(w) for w in self.cjk_pre_negators)
        words = re.findall(r"\w+", before)[-3:]
        return any(w in self.pre_negators for w in words)


def _patterns(by_locale: dict[str, Iterable[str]]) -> list[tuple[re.Pattern[str], bool]]:
    return [
        (compile_term(term, locale in CJK_LOCALES), locale in CJK_LOCALES)
        for locale, terms in by_locale.items()
        for term in terms
    ]


def _any(patterns: list[tuple[re.Pattern[str], bool]], prepared: _Prepared) -> bool:
    return any(p.search(prepared.view(cjk)) for p, cjk in patterns)


@lru_cache(maxsize=4)
def default_matcher(path: Path = DATA_FILE) -> EmergencyMatcher:
    return EmergencyMatcher.from_file(path)
