"""Telegram rendering: HTML escaping, *bold*, splitting at 4,096, keyboards."""

from __future__ import annotations

import pytest

from bot.channels.telegram.render import (
    MAX_TEXT,
    keyboard,
    plan,
    split_text,
    to_html,
    utf16_len,
)
from bot.core.types import Attachment, Button, Reply
from fakes.telegram import FakeTelegram


def test_html_is_escaped_and_bold_becomes_b() -> None:
    html = to_html("*Linzhu* <script> & a*b <i>")
    assert html == "<b>Linzhu</b> &lt;script&gt; &amp; a*b &lt;i&gt;"
    # The fake parses it the way Telegram does.
    assert FakeTelegram._parse_html(html) == "Linzhu <script> & a*b <i>"


def test_bold_does_not_cross_lines() -> None:
    assert to_html("*a\nb*") == "*a\nb*"


def test_short_text_is_one_piece() -> None:
    assert split_text("hello\n\nworld") == ["hello\n\nworld"]
    assert split_text("") == []


def test_long_text_splits_on_paragraphs() -> None:
    paragraphs = [f"Paragraph {i}: " + "word " * 150 for i in range(20)]
    text = "\n\n".join(p.strip() for p in paragraphs)
    pieces = split_text(text)
    assert len(pieces) > 1
    assert all(utf16_len(to_html(p)) <= MAX_TEXT for p in pieces)
    # Every piece is whole paragraphs: nothing cut mid-paragraph, nothing lost.
    assert "\n\n".join(pieces) == text
    assert all(p.startswith("Paragraph ") for p in pieces)


def test_one_huge_paragraph_splits_on_lines_then_words_then_anywhere() -> None:
    lines = "\n".join("line " + "x" * 100 for _ in range(100))
    assert all(utf16_len(to_html(p)) <= MAX_TEXT for p in split_text(lines))
    assert "\n".join(split_text(lines)) == lines
    words = " ".join(["word"] * 3000)
    assert " ".join(split_text(words)) == words
    blob = "&" * 10_000  # each becomes "&amp;": the HTML, not the text, must fit
    pieces = split_text(blob)
    assert "".join(pieces) == blob
    assert all(len(to_html(p)) <= MAX_TEXT for p in pieces)


def test_emoji_count_twice() -> None:
    text = "😀" * 3000  # 6,000 UTF-16 units: Telegram would refuse it in one message
    pieces = split_text(text)
    assert len(pieces) == 2 and "".join(pieces) == text


def test_keyboard_layout_and_oversized_payload_dropped(caplog: pytest.LogCaptureFixture) -> None:
    short = keyboard([Button(str(i), f"x:{i}") for i in range(7)])
    assert short is not None and [len(r) for r in short.inline_keyboard] == [3, 3, 1]
    long = keyboard([Button("A rather long button label", "x:1"), Button("B", "x:2")])
    assert long is not None and [len(r) for r in long.inline_keyboard] == [1, 1]
    dropped = keyboard([Button("ok", "a:1"), Button("too long", "p" * 65)])
    assert dropped is not None
    assert [b.callback_data for r in dropped.inline_keyboard for b in r] == ["a:1"]
    assert "65 bytes" in caplog.text
    assert keyboard([]) is None


def test_plan_puts_buttons_on_last_text_then_documents() -> None:
    reply = Reply.of(
        "a\n\n" + "b" * 3000 + "\n\n" + "c" * 3000,
        [Button("OK", "x:ok")],
        [Attachment("event.ics", b"BEGIN:VCALENDAR", "text/calendar")],
    )
    messages = plan(reply)
    assert [m.document is not None for m in messages] == [False, False, True]
    assert messages[0].markup is None and messages[1].markup is not None
    only_file = plan(Reply.of("", [Button("OK", "x:ok")], [Attachment("a.ics", b"x")]))
    assert len(only_file) == 1 and only_file[0].markup is not None
