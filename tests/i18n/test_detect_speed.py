"""The address pattern detection strips before it reads a text finds what it always found,
without trying every character of a long run without spaces.

Unanchored, its e-mail branch (\\S+@…) started at every character of a run and scanned to
the run's end from each: quadratic in a run's length, and Chinese is written without spaces
(33 ms for 4,000 characters). Anchored at the start of a run, it finds the same matches:
a match inside a run extends back to the run's start, where it is found first.
"""

from __future__ import annotations

from collections import Counter

import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.i18n.detect import (
    _FOREIGN_LATIN,
    _SCRIPTS,
    _URL_RE,
    LanguageDetector,
    _foreign_letters,
    _script_counts,
)
from bot.i18n.latin_models import latin_models

UNANCHORED = regex.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\w+|(?<!\S)[/@#]\w+(?:@\w+)?")

# Pieces that make addresses, commands, tags and their near misses, among CJK and spaces.
PIECES = st.sampled_from(
    ["a", "b", "1", "@", ".", "/", "#", " ", "\n", "http://", "https://", "www.", "com",
     "医", "院", "！", "-", "_", "mail", "@@", ". ", "x@y.z"]
)  # fmt: skip


@settings(max_examples=3000, deadline=None)
@given(st.lists(PIECES, max_size=30).map("".join))
def test_the_anchored_pattern_strips_exactly_what_the_old_one_did(text: str) -> None:
    assert _URL_RE.sub(" ", text) == UNANCHORED.sub(" ", text)
    assert [m.span() for m in _URL_RE.finditer(text)] == [
        m.span() for m in UNANCHORED.finditer(text)
    ]


def test_addresses_in_chinese_text_are_still_set_aside() -> None:
    spaced = "请发邮件到 service@example.org 或者看 www.example.cn/help 谢谢"
    assert _URL_RE.sub(" ", spaced) == "请发邮件到   或者看   谢谢"
    long_run = "请发邮件到service@example.org或者看" * 200  # 5,800 characters, no space
    assert _URL_RE.sub(" ", long_run) == UNANCHORED.sub(" ", long_run) == " "
    assert LanguageDetector().detect("我的邮箱是 a.b@example.com 请联系我").locale == "zh_Hans"


def test_a_long_message_is_detected_from_its_beginning_and_end() -> None:
    """Detection reads the first and last characters of a long message (its cost grew with
    the length); the memo still keys on the whole text."""
    french = "Bonjour, nous venons d'arriver à Shanghai avec nos deux enfants et je cherche "
    english = "This middle part is a long quoted email in English from the landlord. " * 60
    question = " Pouvez-vous m'aider à trouver une école publique près de Gubei, s'il vous plaît ?"
    text = french * 8 + english + question * 5
    assert len(text) > 4000 and text.count("English") > 50
    detector = LanguageDetector()
    found = detector.detect(text)
    assert found.locale == "fr"
    assert detector.remembered(text) is found


# --- counts done by the regex engine, the same as the loops over characters they replaced ---


def _script_counts_by_character(text: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    for ch in text:
        if not ch.isalpha():
            continue
        for script in _SCRIPTS:
            if regex.match(rf"\p{{Script={script}}}", ch):
                counts["Kana" if script in ("Hiragana", "Katakana") else script] += 1
                break
    return counts


def _foreign_letters_by_character(words: list[str]) -> tuple[str, int] | None:
    hits: Counter[str] = Counter()
    for w in words:
        for letters, code in _FOREIGN_LATIN:
            if any(ch in letters for ch in w):
                hits[code] += 1
                break
    return hits.most_common(1)[0] if hits else None


# Letters of every script detection counts, marks and digits that are not letters, and
# letters of no script it counts (ー is Common; ª is Latin).
MIXED = st.text(
    alphabet=st.sampled_from(
        list("aZéßłøđ医院の学カナ한국어Привет的ㄅㄆ") + list("ไทยعربيΑλφα") + list(" 1٣.、ー゙ª̀")
    ),
    max_size=40,
)


@settings(max_examples=2000, deadline=None)
@given(MIXED)
def test_script_counts_are_the_letters_of_each_script(text: str) -> None:
    assert _script_counts(text) == _script_counts_by_character(text)


@settings(max_examples=2000, deadline=None)
@given(st.lists(MIXED, max_size=6))
def test_foreign_letters_are_found_as_before(words: list[str]) -> None:
    assert _foreign_letters(words) == _foreign_letters_by_character(words)


def test_place_names_are_remembered_with_the_same_answer() -> None:
    models = latin_models()
    for token in ("hongqiao", "taxi", "jing'an", "école", "hongqiao"):
        first = models.is_place_name(token)
        assert models.is_place_name(token) == first == models._is_place_name(token)
    assert models.is_place_name("hongqiao") and not models.is_place_name("taxi")
