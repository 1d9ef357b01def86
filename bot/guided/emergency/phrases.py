"""The precise signal: curated phrases per kind of emergency, and the message's framing.

The phrases live in phrases.yaml beside this module, per kind and locale, and every
locale's phrases are tried on every message (a resident set to English may still type
Russian). The detector (detector.py) weighs them with the semantic signal.

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

What keeps ordinary questions out of the phrase signal (decided deliberately; see the README):
- negation right before a phrase, within three words / two characters and not across a
  comma ("no chest pain", "pas de douleur thoracique", "没有胸痛"), or right after it in
  Japanese and Korean ("胸の痛みはない", "가슴 통증은 없어요") and, ending the clause, in
  Russian ("боли в груди нет"). Phrases that carry their own
  negation ("not breathing", "ne respire pas", "没有呼吸", "意識がない") match as a whole;
- an `exclusions` phrase overlapping the match ("food poisoning", "急救培训", "救急箱");
- the framing, reported apart (`framing()`): a hypothetical, past, cost or number question
  ("what if", "last year", "how much does … cost", "which number"), or mildness and
  reassurance ("a little", "no blister", "he's playing"), unless an urgency word ("now",
  "help", "快", "今すぐ") is also there outside those phrases and the exclusions ("now" in
  "she's fine now" is reassurance, "救命" in "救命講習" a course). The detector then asks
  or stays silent;
- a `figurative` phrase: an idiom ("dead tired", "dying to", "累死了", "死ぬほど") or a
  trifle that borrows the words of an emergency (a phone that "died", a cockroach, a burnt
  dinner, a lost wallet or cat). No kind phrase counts inside one, and when no phrase names
  a kind outside it the message is "about", urgency words or not ("cockroach!!! help!!!");
- a question asking for information (`questions`: "where", "which", "吗", or a question
  mark) is flagged: with no phrase, the semantic signal alone needs to be surer to ask.
"Mild" does not cancel anything: a mild stroke is still a stroke.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Generic, TypeVar

import yaml

from bot.guided.dates import normalise

DATA_FILE = Path(__file__).with_name("phrases.yaml")
GENERAL = "general"  # a call for help that names no kind ("call an ambulance")
CJK_LOCALES = frozenset({"zh_Hans", "zh_Hant", "ja", "ko"})
_APOSTROPHES = re.compile(r"['’`´]")
_CLAUSE_END = re.compile(r"[.!?;:,，。！？；：、]")
_QUESTION_FORMS = ("是不是", "有没有", "有沒有")
_QUESTION_MARK = re.compile(r"[?？]")
_WORD = re.compile(r"\w+")
T = TypeVar("T")


@dataclass(frozen=True)
class Detection:
    """Which curated phrase matched (its kind, locale and text), never the resident's text."""

    locale: str
    term: str
    kind: str = GENERAL
    length: int = 0  # characters the phrase covered: a longer phrase says more


@dataclass(frozen=True)
class Framing:
    """Is the message about emergencies (what if, last year, the cost) rather than one?"""

    informational: bool
    urgent: bool
    # asks for information ("where", "which", "吗", "?"): a report of an emergency rarely
    # does; the semantic signal alone then needs to be surer to ask (detector.py)
    question: bool = False

    @property
    def about_not_in(self) -> bool:
        """Informational and nothing says it is happening now."""
        return self.informational and not self.urgent


@dataclass(frozen=True)
class _Rule:
    kind: str
    locale: str
    term: str
    cjk: bool
    pattern: re.Pattern[str]
    # A literal every match contains ("" for a raw regular expression).
    anchor: str = ""


class _Prepared:
    """A message normalised once, in both views, with the keys the phrase index looks up."""

    def __init__(self, text: str) -> None:
        spaced = _APOSTROPHES.sub("", normalise(text))
        self.spaced = re.sub(r"\s+", " ", spaced).strip()
        self.compact = re.sub(r"\s+", "", self.spaced)

    def view(self, cjk: bool) -> str:
        return self.compact if cjk else self.spaced

    def keys(self, cjk: bool) -> set[str]:
        return self._cjk_keys if cjk else self._word_keys

    @cached_property
    def _word_keys(self) -> set[str]:
        """Word-start prefixes of the spaced view (of one to three characters)."""
        words = set(_WORD.findall(self.spaced))
        return {word[:n] for word in words for n in (1, 2, 3)}

    @cached_property
    def _cjk_keys(self) -> set[str]:
        """Every character and pair of the compact view. Built by C loops (set, map): a
        message of 4,000 characters has 8,000 of them, and a Python loop over those was
        most of what the guard spent on a long message."""
        text = self.compact
        found = set(text)
        found.update(map(operator.add, text, text[1:]))
        return found


def prepare(text: str) -> _Prepared:
    return _Prepared(text)


def _key(anchor: str, cjk: bool) -> str:
    """What a message must contain for a phrase with this anchor to be worth trying: the
    anchor's first characters (a spaced phrase's pieces start words; a CJK one's anywhere)."""
    return anchor[:2] if cjk else anchor[:3]


class _Indexed(Generic[T]):
    """Items (rules, framing phrases) by the key of their anchor, so that a message only
    tries the few whose anchor can occur in it; items keep their order."""

    def __init__(self, items: list[T], anchor: Callable[[T], tuple[bool, str]]) -> None:
        self.items = items
        self._always: list[int] = []
        self._by_key: dict[bool, dict[str, list[int]]] = {False: {}, True: {}}
        for i, item in enumerate(items):
            cjk, text = anchor(item)
            if text:
                self._by_key[cjk].setdefault(_key(text, cjk), []).append(i)
            else:
                self._always.append(i)

    def candidates(self, prepared: _Prepared) -> list[T]:
        found = list(self._always)
        for cjk, by_key in self._by_key.items():
            for key in prepared.keys(cjk) & by_key.keys():
                found.extend(by_key[key])
        return [self.items[i] for i in sorted(found)]


@dataclass(frozen=True)
class _Phrase:
    pattern: re.Pattern[str]
    cjk: bool
    anchor: str


class _Phrases:
    """One section of the list (exclusions, informational…), indexed like the rules."""

    def __init__(self, by_locale: dict[str, Iterable[str]]) -> None:
        phrases = [
            _Phrase(compile_term(term, cjk), cjk, anchor_of(term, cjk))
            for locale, terms in by_locale.items()
            for term in terms
            for cjk in (locale in CJK_LOCALES,)
        ]
        self.index = _Indexed(phrases, lambda p: (p.cjk, p.anchor))

    def __len__(self) -> int:
        return len(self.index.items)

    def any(self, prepared: _Prepared) -> bool:
        return any(
            p.anchor in prepared.view(p.cjk) and p.pattern.search(prepared.view(p.cjk))
            for p in self.index.candidates(prepared)
        )

    def spans(self, prepared: _Prepared) -> list[tuple[bool, int, int]]:
        """Where these phrases match: (cjk view?, start, end) of each match."""
        found: list[tuple[bool, int, int]] = []
        for phrase in self.index.candidates(prepared):
            view = prepared.view(phrase.cjk)
            if phrase.anchor in view:
                found.extend(
                    (phrase.cjk, m.start(), m.end()) for m in phrase.pattern.finditer(view)
                )
        return found

    def any_outside(self, prepared: _Prepared, covered: list[tuple[bool, int, int]]) -> bool:
        """Does one of these phrases match somewhere no `covered` span overlaps? ("now" in
        "she's fine now" is part of the reassurance, not an urgency word.)"""
        for cjk, start, end in self.spans(prepared):
            views = [(c, s, e) for c, s, e in covered if c == cjk]
            if not any(s < end and start < e for _, s, e in views):
                return True
        return False

    def overlaps(self, prepared: _Prepared, cjk: bool, match: re.Match[str]) -> bool:
        """Does one of these phrases cover part of `match` (in the same view)?"""
        view = prepared.view(cjk)
        for phrase in self.index.candidates(prepared):
            if phrase.cjk != cjk:
                continue
            for other in phrase.pattern.finditer(view):
                if other.start() < match.end() and match.start() < other.end():
                    return True
        return False


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


@dataclass(frozen=True)
class Analysis:
    """The phrase signal and the framing of one message, from one pass over the list."""

    hits: list[Detection]
    framing: Framing


class EmergencyMatcher:
    def __init__(self, data: dict[str, Any]) -> None:
        self.rules = [
            _Rule(
                kind,
                locale,
                term,
                locale in CJK_LOCALES,
                compile_term(term, locale in CJK_LOCALES),
                anchor_of(term, locale in CJK_LOCALES),
            )
            for kind, by_locale in data["terms"].items()
            for locale, terms in by_locale.items()
            for term in terms
        ]
        self.kinds = tuple(dict.fromkeys(rule.kind for rule in self.rules))
        self._rules = _Indexed(self.rules, lambda r: (r.cjk, r.anchor))
        self.exclusions = _Phrases(data.get("exclusions", {}))
        self.informational = _Phrases(data.get("informational", {}))
        self.calm = _Phrases(data.get("calm", {}))
        self.urgent = _Phrases(data.get("urgent", {}))
        self.figurative = _Phrases(data.get("figurative", {}))
        self.questions = _Phrases(data.get("questions", {}))
        self.pre_negators = {
            prepare(w).spaced for ws in data.get("negators", {}).values() for w in ws
        }
        self.post_negators = {
            prepare(w).spaced for ws in data.get("negators_after", {}).values() for w in ws
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
        """The phrase signal alone: the first phrase that matches, unless the framing says
        the message is about emergencies rather than one (the detector weighs both)."""
        analysis = self.analyse(text)
        if not analysis.hits or analysis.framing.about_not_in:
            return None
        return analysis.hits[0]

    def hits(self, text: str) -> list[Detection]:
        """Every kind whose phrases match `text` (its first phrase), in the list's order;
        negated and excluded matches do not count."""
        return self._scan(prepare(text))[0]

    def framing(self, text: str) -> Framing:
        return self.analyse(text).framing

    def analyse(self, text: str) -> Analysis:
        """The hits and the framing: hypothetical, past, cost…, mild or reassuring, or a
        phrase that matched only where negated ("no chest pain, just a sore throat")."""
        prepared = prepare(text)
        hits, negated = self._scan(prepared)
        framing_spans = self.informational.spans(prepared) + self.calm.spans(prepared)
        figurative = self.figurative.spans(prepared)
        question = _QUESTION_MARK.search(text) is not None or self.questions.any(prepared)
        named = any(h.kind != GENERAL for h in hits)
        if figurative and not named:
            # an idiom ("dead tired", "累死了") or a trifle ("my phone died", a cockroach),
            # and no phrase names a kind outside it: about, whatever the urgency words say
            return Analysis(hits, Framing(informational=True, urgent=False, question=question))
        informational = bool(framing_spans) or (negated and not hits)
        covered = framing_spans + figurative + self.exclusions.spans(prepared)
        urgent = self.urgent.any_outside(prepared, covered)
        return Analysis(hits, Framing(informational, urgent, question))

    def _scan(self, prepared: _Prepared) -> tuple[list[Detection], bool]:
        """The hits, and whether some phrase matched but was negated ("no chest pain")."""
        if not prepared.compact:
            return [], False
        found: dict[str, Detection] = {}
        negated = False
        for rule in self._rules.candidates(prepared):
            if rule.kind in found:
                continue
            view = prepared.view(rule.cjk)
            if rule.anchor not in view:
                continue
            for match in rule.pattern.finditer(view):
                if self.exclusions.overlaps(prepared, rule.cjk, match):
                    continue
                if self.figurative.overlaps(prepared, rule.cjk, match):
                    continue
                if self._negated(view, rule, match):
                    negated = True
                    continue
                length = match.end() - match.start()
                found[rule.kind] = Detection(rule.locale, rule.term, rule.kind, length)
                break
        return list(found.values()), negated

    def _negated(self, view: str, rule: _Rule, match: re.Match[str]) -> bool:
        before = _CLAUSE_END.split(view[: match.start()])[-1]
        if rule.cjk:
            if any(view[match.end() :].startswith(w) for w in self.cjk_post_negators):
                return True
            if before.endswith(_QUESTION_FORMS):
                return False
            return any(before[-2:].endswith(w) for w in self.cjk_pre_negators)
        words = re.findall(r"\w+", before)[-3:]
        # after it only as the clause's last word ("боли в груди нет", not "… нет сил")
        after = re.findall(r"\w+", _CLAUSE_END.split(view[match.end() :])[0])
        return any(w in self.pre_negators for w in words) or (
            len(after) == 1 and after[0] in self.post_negators
        )


@lru_cache(maxsize=4)
def default_matcher(path: Path = DATA_FILE) -> EmergencyMatcher:
    return EmergencyMatcher.from_file(path)
