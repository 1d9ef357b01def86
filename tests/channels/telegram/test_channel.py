"""Conversations through python-telegram-bot against the fake Bot API, webhook and polling."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.channels.telegram import TelegramChannel
from bot.channels.telegram.commands import LANGUAGE_CODES, command_list
from bot.channels.telegram.render import to_html
from bot.config import Settings
from bot.core.types import UserRef
from bot.handlers.start import main_menu
from bot.i18n import NATIVE_NAMES, _, use_locale
from bot.ops import metrics
from bot.store.db import Database
from fakes.telegram import FakeTelegram, Sent, buttons
from tests.channels.telegram.support import (
    PER_CHAT,
    SECRET,
    running_channel,
    telegram_settings,
)


class Resident:
    """A Telegram user talking to the bot, through webhook POSTs or getUpdates."""

    def __init__(
        self, fake: FakeTelegram, client: TestClient, mode: str, user_id: int, lang: str | None
    ) -> None:
        self.fake, self.client, self.mode = fake, client, mode
        self.user_id, self.lang = user_id, lang

    async def deliver(self, update: dict[str, Any]) -> None:
        if self.mode == "polling":
            self.fake.push(update)
            return
        resp = await self.client.post(
            "/telegram/webhook",
            json=update,
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
        )
        assert resp.status == 200

    async def say(self, text: str, expect: int = 1) -> list[Sent]:
        before = len(self.fake.chat_log[self.user_id])
        await self.deliver(self.fake.message_update(self.user_id, text, language_code=self.lang))
        await self.fake.wait_until(lambda: len(self.fake.chat_log[self.user_id]) >= before + expect)
        return self.fake.chat_log[self.user_id][before:]

    async def tap(self, sent: Sent, label: str) -> None:
        data = dict(buttons(sent))[label]
        answered = len(self.fake.answered)
        edits = sent.edits
        before = len(self.fake.chat_log[self.user_id])
        await self.deliver(
            self.fake.callback_update(self.user_id, sent, data, language_code=self.lang)
        )
        await self.fake.wait_until(
            lambda: (
                len(self.fake.answered) > answered
                and (sent.edits > edits or len(self.fake.chat_log[self.user_id]) > before)
            )
        )


@pytest.fixture(params=["polling", "webhook"])
async def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def running(
    settings: Settings, db: Database, fake: FakeTelegram, mode: str
) -> AsyncIterator[tuple[TelegramChannel, TestClient]]:
    async with running_channel(telegram_settings(settings, fake, telegram_mode=mode), db) as pair:
        yield pair


def resident(
    fake: FakeTelegram, running: tuple[TelegramChannel, TestClient], mode: str, uid: int, lang: str
) -> Resident:
    return Resident(fake, running[1], mode, uid, lang)


async def test_start_in_japanese(
    fake: FakeTelegram, running: tuple[TelegramChannel, TestClient], mode: str
) -> None:
    channel = running[0]
    user = resident(fake, running, mode, 501, "ja")
    [reply] = await user.say("/start")
    stored = await channel.services.users.get(UserRef("telegram", "501"))
    assert stored is not None and stored.locale == "ja" and stored.locale_source == "platform"
    with use_locale("ja"):
        expected_labels = [b.label for b in main_menu()]
        expected_text = _(
            "Hello! I'm *Linzhu* (邻助), the assistant of the Hongqiao international residents' "
            "services at the Gubei Citizen Centre.\n"
            "Ask me anything about school enrolment, doctors, events or daily life in Shanghai, "
            "in your own language."
        )
    assert [label for label, _data in buttons(reply)] == expected_labels
    assert reply.html == to_html(expected_text) and "<b>Linzhu</b>" in (reply.html or "")
    assert "Linzhu" in (reply.text or "") and "邻助" in (reply.text or "")
    send = fake.calls_to("sendMessage")[-1]
    assert send.params["parse_mode"] == "HTML"
    assert send.content_type == "application/x-www-form-urlencoded"  # as PTB sends it


async def test_language_switch_through_buttons_edits_the_menu(
    fake: FakeTelegram, running: tuple[TelegramChannel, TestClient], mode: str
) -> None:
    channel = running[0]
    user = resident(fake, running, mode, 502, "en")
    [menu] = await user.say("/start")
    await user.tap(menu, "Language")
    # The menu was replaced in place by the language menu, and the spinner answered.
    assert len(fake.chat_log[502]) == 1 and menu.edits == 1
    assert [label for label, _d in buttons(menu)] == list(NATIVE_NAMES.values())
    assert len(fake.answered) == 1
    await user.tap(menu, "Deutsch")
    stored = await channel.services.users.get(UserRef("telegram", "502"))
    assert stored is not None and stored.locale == "de" and stored.locale_source == "explicit"
    with use_locale("de"):
        done = _("Done! I'll speak {language} from now on.").format(language="Deutsch")
        labels = [b.label for b in main_menu()]
    assert menu.text == done and [label for label, _d in buttons(menu)] == labels
    await user.say("/help")
    assert fake.chat_log[502][-1].text is not None
    stored = await channel.services.users.get(UserRef("telegram", "502"))
    assert stored is not None and stored.locale == "de"


async def test_free_text_question_and_a_button_tap(
    fake: FakeTelegram, running: tuple[TelegramChannel, TestClient], mode: str
) -> None:
    user = resident(fake, running, mode, 503, "en")
    [answer] = await user.say("How do I register my residence as a foreigner?")
    assert answer.text and "👍" in dict(buttons(answer))  # a FAQ answer, with feedback buttons
    before = len(fake.chat_log[503])
    await user.tap(answer, "👍")
    # A plain answer (no menu) comes as a new message; the tapped one stays as it was.
    assert len(fake.chat_log[503]) == before + 1 and answer.edits == 0
    assert fake.last(503).text == "Thank you for your feedback!"
    assert fake.answered


async def test_webhook_secret_is_required(
    settings: Settings, db: Database, fake: FakeTelegram
) -> None:
    async with running_channel(telegram_settings(settings, fake, telegram_mode="webhook"), db) as (
        _c,
        client,
    ):
        update = fake.message_update(504, "/start")
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
            resp = await client.post("/telegram/webhook", json=update, headers=headers)
            assert resp.status == 403
        resp = await client.post(
            "/telegram/webhook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
        )
        assert resp.status == 200
        await fake.wait_until(lambda: len(fake.chat_log[504]) == 1)


async def test_duplicates_and_malformed_updates_are_acknowledged(
    settings: Settings, db: Database, fake: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    async with running_channel(telegram_settings(settings, fake, telegram_mode="webhook"), db) as (
        _c,
        client,
    ):
        update = fake.message_update(505, "/help")
        for _ in range(3):  # Telegram resends when the webhook was slow
            assert (
                await client.post("/telegram/webhook", json=update, headers=headers)
            ).status == 200
        for body in (
            b"{not json",
            b"[1, 2]",
            b'{"update_id": "x"}',
            b'{"update_id": 7, "message": 5}',
        ):
            resp = await client.post("/telegram/webhook", data=body, headers=headers)
            assert resp.status == 200
        await client.post(
            "/telegram/webhook", json=fake.message_update(505, "/start"), headers=headers
        )
        await fake.wait_until(lambda: len(fake.chat_log[505]) == 2)
        await asyncio.sleep(0.2)
    assert len(fake.chat_log[505]) == 2  # /help once, /start once
    assert "malformed update dropped" in caplog.text


async def test_polling_skips_a_malformed_update(
    settings: Settings, db: Database, fake: FakeTelegram
) -> None:
    async with running_channel(telegram_settings(settings, fake), db):
        fake.push({"update_id": fake.next_update_id(), "message": "not an object"})
        fake.push(fake.message_update(506, "/start"))
        await fake.wait_until(lambda: len(fake.chat_log[506]) == 1)
        await fake.wait_until(lambda: not fake.pending)  # both acknowledged via offset
    assert fake.calls_to("deleteWebhook")  # polling clears any webhook first


async def test_blocked_user_is_marked_inactive(
    settings: Settings, db: Database, fake: FakeTelegram
) -> None:
    async with running_channel(telegram_settings(settings, fake), db) as (channel, _client):
        fake.blocked.add(507)
        fake.push(fake.message_update(507, "/start"))
        await fake.wait_until(lambda: any(c.status == 403 for c in fake.calls))
        await fake.wait_until(lambda: channel.lanes.busy == 0)
        user = await channel.services.users.get(UserRef("telegram", "507"))
        assert user is not None and not user.active
        # A my_chat_member "kicked" update says the same without a failed send.
        fake.push(fake.message_update(508, "/start"))
        await fake.wait_until(lambda: len(fake.chat_log[508]) == 1)
        fake.push(
            {
                "update_id": fake.next_update_id(),
                "my_chat_member": {
                    "chat": {"id": 508, "type": "private"},
                    "from": {"id": 508, "is_bot": False, "first_name": "U"},
                    "date": int(time.time()),
                    "old_chat_member": {"status": "member", "user": _bot_user()},
                    "new_chat_member": {
                        "status": "kicked",
                        "user": _bot_user(),
                        "until_date": 0,
                    },
                },
            }
        )
        await fake.wait_until(lambda: not fake.pending)
        await fake.wait_until(lambda: channel.lanes.busy == 0)
        user = await channel.services.users.get(UserRef("telegram", "508"))
        assert user is not None and not user.active


def _bot_user() -> dict[str, Any]:
    from fakes.telegram import BOT_USER

    return BOT_USER


async def test_command_menu_in_every_language(
    settings: Settings, db: Database, fake: FakeTelegram
) -> None:
    async with running_channel(telegram_settings(settings, fake), db) as (channel, _client):
        pass
    assert set(fake.commands) == {"", *LANGUAGE_CODES.values()}
    routed = set(channel.dispatcher.routes.commands)
    for locale, code in LANGUAGE_CODES.items():
        expected = [c.to_dict() for c in command_list(locale)]
        assert fake.commands[code] == expected
        assert {c["command"] for c in fake.commands[code]} <= routed
    assert fake.commands[""] == [c.to_dict() for c in command_list("en")]


async def test_one_slow_chat_does_not_stall_others_and_nothing_is_lost(
    settings: Settings, db: Database, fake: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    async with running_channel(telegram_settings(settings, fake), db) as (_channel, _client):
        start = time.monotonic()
        fake.push(*(fake.message_update(600, f"/c{i}") for i in range(50)))
        await fake.wait_until(lambda: len(fake.chat_log[600]) >= 3)
        # While chat 600 works through its burst at 10/s, another user is answered at once.
        fake.push(fake.message_update(601, "/help"))
        await fake.wait_until(lambda: len(fake.chat_log[601]) == 1, within=2)
        assert len(fake.chat_log[600]) < 50
        await fake.wait_until(lambda: len(fake.chat_log[600]) == 50, within=30)
        elapsed = time.monotonic() - start
    texts = fake.texts(600)
    assert [t.split("/", 1)[1].split(".", 1)[0] for t in texts] == [f"c{i}" for i in range(50)]
    assert fake.too_many == 0, "the limiter let a message through too early"
    assert elapsed >= 50 / PER_CHAT - 1.5  # the per-chat limit was really applied
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_three_hundred_chats_nothing_lost(
    settings: Settings, db: Database, fake: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    users = range(1000, 1300)
    async with running_channel(telegram_settings(settings, fake), db):
        fake.push(*(fake.message_update(uid, f"/x{uid}") for uid in users))
        await fake.wait_until(lambda: all(len(fake.chat_log[u]) == 1 for u in users), within=60)
    assert all(f"/x{uid}" in fake.texts(uid)[0] for uid in users)
    assert fake.too_many == 0
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_reply_sends_are_counted_by_result(
    settings: Settings, db: Database, fake: FakeTelegram
) -> None:
    """linzhu_reply_sends_total: a reply delivered counts as sent, one to a resident who
    blocked the bot as failed (the outbox's sends are counted apart)."""
    metrics.install()

    def counted(result: str) -> float:
        return float(metrics.REPLY_SENDS.labels("telegram", "bot", result)._value.get())

    sent, failed = counted("sent"), counted("failed")
    async with running_channel(telegram_settings(settings, fake), db) as (channel, _client):
        fake.push(fake.message_update(601, "/start"))
        await fake.wait_until(lambda: len(fake.chat_log[601]) == 1)
        await fake.wait_until(lambda: channel.lanes.busy == 0)
        fake.blocked.add(602)
        fake.push(fake.message_update(602, "/start"))
        await fake.wait_until(lambda: any(c.status == 403 for c in fake.calls))
        await fake.wait_until(lambda: channel.lanes.busy == 0)
    assert counted("sent") == sent + 1
    assert counted("failed") == failed + 1
