"""Whole conversations through POST /wechat: Chinese (safe mode) and Japanese (compatible).

These check the plumbing — the stored locale, the locale the replies are rendered in,
numbered options (in the reply's language) mapped back to payloads — with the real catalogs.
"""

from __future__ import annotations

import gettext
import re
from collections.abc import AsyncIterator

import pytest
from sqlmodel import select

from bot.config import Settings
from bot.core.types import UserRef
from bot.i18n import LOCALES, NATIVE_NAMES, _, translation, use_locale
from bot.store.db import Database
from bot.store.tables import UnansweredQuestion
from tests.channels.wechat.stack import WeChatStack, wechat_stack


@pytest.fixture
async def stack(settings: Settings, db: Database) -> AsyncIterator[WeChatStack]:
    async with wechat_stack(settings, db, mode="safe") as s:
        yield s


def options(reply: str | None) -> dict[int, str]:
    """The numbered options of a rendered reply, in whichever locale: {1: "Ask a question"}."""
    assert reply is not None
    for locale in LOCALES:
        with use_locale(locale):
            template = _("Reply {number}: {label}")
        pattern = (
            re.escape(template)
            .replace(r"\{number\}", r"(?P<n>\d+)")
            .replace(r"\{label\}", r"(?P<label>.+)")
        )
        found = {int(m["n"]): m["label"] for m in re.finditer(f"^{pattern}$", reply, re.M)}
        if found:
            return found
    return {}


def t(locale: str, msgid: str) -> str:
    with use_locale(locale):
        return _(msgid)


async def locale_of(stack: WeChatStack, openid: str) -> str | None:
    user = await stack.dispatcher.services.users.get(UserRef("wechat", openid))
    assert user is not None
    return user.locale


async def unanswered(db: Database, text: str) -> UnansweredQuestion:
    async with db.session() as session:
        rows = (
            await session.execute(select(UnansweredQuestion).where(UnansweredQuestion.text == text))
        ).scalars()
        return rows.one()


async def test_a_conversation_in_chinese(stack: WeChatStack, db: Database) -> None:
    openid = "oZH-resident"
    welcome = await stack.event(openid, "subscribe")
    menu = options(welcome.reply)
    assert menu[6] == "Language" and menu[7] == "Talk to a person" and len(menu) == 7
    languages = options(await stack.say(openid, "六"))  # CJK numeral → 6th button
    assert languages == dict(enumerate(NATIVE_NAMES.values(), start=1))
    done = await stack.say(openid, "２")  # full-width digit → 简体中文
    assert done is not None and "简体中文" in done
    assert await locale_of(stack, openid) == "zh_Hans"
    assert options(done)[1] == t("zh_Hans", "Ask a question") != "Ask a question"
    asked = await stack.say(openid, "1")
    assert (
        asked is not None
        and t("zh_Hans", "Just type your question, in your own words and your own language.")
        in asked
    )
    question = "我儿子九月要上小学，怎么报名？"
    answer = await stack.say(openid, question)
    assert answer is not None and options(answer)  # follow-ups, numbered afresh
    assert re.search(r"[\u4e00-\u9fff]{8}", answer)  # the FAQ answer, in Chinese
    # A number past the menu is just text, not a button.
    assert options(await stack.say(openid, "九十九"))


class _StubJapanese(gettext.NullTranslations):
    """Stands in for the Japanese catalog until it is translated."""

    def gettext(self, message: str) -> str:
        return {"Reply {number}: {label}": "{number} と返信：{label}"}.get(message, message)


async def test_a_conversation_in_japanese(
    stack: WeChatStack, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack.mode = "compat"
    openid = "oJA-resident"
    languages = options(await stack.say(openid, "/language"))
    number = next(n for n, label in languages.items() if label == "日本語")
    done = await stack.say(openid, f"{number}.")  # "4." as people type it
    assert done is not None and "日本語" in done
    assert await locale_of(stack, openid) == "ja"
    tapped = await stack.event(openid, "CLICK", "help")  # the account menu
    assert tapped.reply is not None and "/language" in tapped.reply
    question = "子供の学校の手続きを教えてください"
    answer = await stack.say(openid, question)
    assert answer is not None and re.search(r"[\u3040-\u30ff]", answer)  # answered in Japanese
    # Stays Japanese across a plaintext-mode message too (the mode is per request).
    stack.mode = "plain"
    translation.translations()
    monkeypatch.setitem(translation._catalogs, "ja", _StubJapanese())
    welcome = await stack.say(openid, "/start")
    assert welcome is not None and "1 と返信：" in welcome  # rendered in the user's locale
    assert await locale_of(stack, openid) == "ja"
    assert "Reply 1:" in (await stack.say("oEN-resident", "/start") or "")
