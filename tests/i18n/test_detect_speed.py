"""The address pattern detection strips before it reads a text finds what it always found,
without trying every character of a long run without spaces.

Unanchored, its e-mail branch (\\S+@…) started at every character of a run and scanned to
the run's end from each: quadratic in a run's length, and Chinese is written without spaces
(33 ms for 4,000 characters). Anchored at the start of a run, it finds the same matches:
a match inside a run extends back to the run's start, where it is found first.
"""

from __future__ import annotations

import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.i18n.detect import _URL_RE, LanguageDetector

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
