"""Rendering replies as WeChat text."""

from __future__ import annotations

import gettext
from collections.abc import Iterator

import pytest
from defusedxml.ElementTree import fromstring
from wechatpy import parse_message

from bot.channels.render import numbered_options
from bot.channels.wechat.render import passive_xml, render_texts, split_text
from bot.core.types import Attachment, Button, Reply
from bot.i18n import translation, use_locale
from fakes.wechat_messages import text_xml


def test_numbers_run_across_replies_in_the_dispatchers_order() -> None:
    replies = [
        Reply.of("*Pick* one", [Button("A", "x:a"), Button("B", "x:b")]),
        Reply("no buttons"),
        Reply.of("more", [Button("C", "x:c")]),
    ]
    texts = render_texts(replies)
    assert texts == ["Pick one\n\nReply 1: A\nReply 2: B", "no buttons", "more\n\nReply 3: C"]
    assert [label for _, label in numbered_options(replies)] == ["A", "B", "C"]


def test_attachments_are_mentioned_not_dropped_silently() -> None:
    [text] = render_texts([Reply.of("Booked", attachments=[Attachment("b.ics", b"x")])])
    assert "b.ics" in text


def test_split_keeps_every_character_and_the_byte_limit() -> None:
    text = "一行" * 700 + "\n" + "short\n" * 3 + "é" * 3000
    parts = split_text(text)
    assert all(len(p.encode()) <= 2048 for p in parts)
    assert "".join(parts).replace("\n", "") == text.replace("\n", "")


def test_cdata_terminator_in_text_cannot_break_the_reply() -> None:
    message = parse_message(text_xml("o", "hi"))
    xml = passive_xml("a ]]><evil/> b", message)
    root = fromstring(xml)
    assert root.find("Content").text == "a ]]><evil/> b"
    assert root.find("evil") is None


class _Japanese(gettext.NullTranslations):
    def gettext(self, message: str) -> str:
        return {"Reply {number}: {label}": "{number} と返信：{label}"}.get(message, message)


@pytest.fixture
def japanese_catalog() -> Iterator[None]:
    translation.translations()  # make sure catalogs are loaded
    saved = translation._catalogs["ja"]
    translation._catalogs["ja"] = _Japanese()
    yield
    translation._catalogs["ja"] = saved


def test_the_hint_is_translated_in_the_current_locale(japanese_catalog: None) -> None:
    reply = [Reply.of("言語", [Button("日本語", "lang:set:ja")])]
    with use_locale("ja"):
        assert render_texts(reply) == ["言語\n\n1 と返信：日本語"]
    with use_locale("en"):
        assert render_texts(reply) == ["言語\n\nReply 1: 日本語"]
