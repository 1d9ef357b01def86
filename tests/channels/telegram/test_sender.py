"""TelegramSender (proactive messages) against the fake: limits, 429, 403, 400, files."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from telegram import Bot

from bot.channels.telegram.adapter import build_application
from bot.channels.telegram.ratelimit import Limits, RateLimiter
from bot.channels.telegram.sender import TelegramSender
from bot.config import Settings
from bot.core.channel import Channels
from bot.core.types import Attachment, Button, Reply, UserRef
from bot.store.db import Database
from bot.store.users import UserStore
from fakes.telegram import FakeTelegram, buttons
from tests.channels.telegram.support import telegram_settings


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram(per_chat=2, overall=100)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def bot(settings: Settings, fake: FakeTelegram) -> AsyncIterator[Bot]:
    application = build_application(telegram_settings(settings, fake))
    async with application.bot as ready:
        yield ready


def sender_for(bot: Bot, db: Database, per_chat: int, retries: int = 5) -> TelegramSender:
    limiter = RateLimiter(Limits(per_second_global=100, per_second_chat=per_chat))
    return TelegramSender(bot, limiter, UserStore(db), max_retries=retries)


async def test_429_is_waited_out_and_retried_in_order(
    bot: Bot, db: Database, fake: FakeTelegram
) -> None:
    # The limiter believes in 10/s, the fake allows 2/s: Telegram's 429s must be absorbed.
    sender = sender_for(bot, db, per_chat=10)
    user = UserRef("telegram", "700")
    results = [await sender.send(user, [Reply(f"reminder {i}")]) for i in range(6)]
    assert all(r.status == "sent" for r in results)
    assert fake.texts(700) == [f"reminder {i}" for i in range(6)]
    assert fake.too_many > 0 and sender.stats.retry_after == fake.too_many


async def test_429_beyond_the_retries_is_a_retry_result(
    bot: Bot, db: Database, fake: FakeTelegram
) -> None:
    sender = sender_for(bot, db, per_chat=10, retries=0)
    user = UserRef("telegram", "701")
    results = await asyncio.gather(*(sender.send(user, [Reply(f"r{i}")]) for i in range(4)))
    retry = [r for r in results if r.status == "retry"]
    assert retry and all(r.retry_after and r.retry_after >= 1 for r in retry)


async def test_blocked_user_fails_and_is_deactivated(
    bot: Bot, db: Database, fake: FakeTelegram
) -> None:
    users = UserStore(db)
    async with db.transaction() as session:
        await users.touch(session, UserRef("telegram", "702"))
    fake.blocked.add(702)
    senders = Channels()
    senders.attach(sender_for(bot, db, per_chat=2))
    result = await senders.send(UserRef("telegram", "702"), [Reply("hello")])
    assert result.status == "failed" and "blocked" in (result.reason or "")
    user = await users.get(UserRef("telegram", "702"))
    assert user is not None and not user.active and "blocked" in (user.inactive_reason or "")


async def test_long_text_markup_and_calendar_file(
    bot: Bot, db: Database, fake: FakeTelegram
) -> None:
    sender = sender_for(bot, db, per_chat=2)
    text = "\n\n".join(f"*Part {i}* <tags> & more " + "x" * 900 for i in range(12))
    ics = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
    reply = Reply.of(
        text, [Button("OK", "book:ok")], [Attachment("booking.ics", ics, "text/calendar")]
    )
    result = await sender.send(UserRef("telegram", "703"), [reply])
    assert result.status == "sent"
    log = fake.chat_log[703]
    assert len(log) >= 4  # text messages of whole paragraphs, then the file
    assert all(len(s.text or "") <= 4096 for s in log)
    visible = "\n\n".join(s.text or "" for s in log[:-1])
    assert visible == text.replace("*", "")
    assert all(s.text and s.text.startswith("Part ") for s in log[:-1])
    assert buttons(log[-2]) == [("OK", "book:ok")] and log[-1].document == ("booking.ics", ics)
    call = fake.calls_to("sendDocument")[0]
    assert call.content_type == "multipart/form-data"


async def test_rejected_message_is_a_failure_not_a_retry(
    bot: Bot, db: Database, fake: FakeTelegram
) -> None:
    sender = sender_for(bot, db, per_chat=2)
    # Bypass the renderer to send what Telegram refuses: an unclosed tag.
    from telegram.error import BadRequest

    with pytest.raises(BadRequest):
        await sender._call(704, lambda: bot.send_message(704, "<b>oops", parse_mode="HTML"))
    result = await sender.send(UserRef("telegram", "not-a-number"), [Reply("x")])
    assert result.status == "failed"


async def test_menu_edit_in_place_falls_back_to_a_new_message(
    bot: Bot, db: Database, fake: FakeTelegram
) -> None:
    sender = sender_for(bot, db, per_chat=2)
    menu = Reply.of("Choose", [Button("A", "x:a")])
    assert (await sender.send(UserRef("telegram", "705"), [menu])).status == "sent"
    sent = fake.last(705)
    changed = Reply.of("Chosen", [Button("B", "x:b")])
    assert (await sender.deliver(705, [changed], edit_message_id=sent.message_id)).status == "sent"
    assert sent.edits == 1 and sent.text == "Chosen" and len(fake.chat_log[705]) == 1
    # The same menu again: Telegram says "not modified", which is fine as it is.
    assert (await sender.deliver(705, [changed], edit_message_id=sent.message_id)).status == "sent"
    assert len(fake.chat_log[705]) == 1
    # A message that cannot be edited (gone): the menu comes as a new message instead.
    assert (await sender.deliver(705, [menu], edit_message_id=999)).status == "sent"
    assert len(fake.chat_log[705]) == 2 and fake.last(705).text == "Choose"


async def test_standalone_dispatcher_sender_reaches_telegram(
    settings: Settings, db: Database, fake: FakeTelegram
) -> None:
    """`linzhu dispatcher` alone registers a Telegram sender built from the settings."""
    from bot.app import build_dispatcher
    from bot.runtime import sender_factories

    services = build_dispatcher(telegram_settings(settings, fake), db=db).services
    senders = [s for f in sender_factories() if (s := f(services)) is not None]
    assert [s.channel for s in senders] == ["telegram"]
    result = await senders[0].send(UserRef("telegram", "77"), [Reply("Reminder: tomorrow 15:00")])
    assert result.status == "sent"
    assert fake.texts(77) == ["Reminder: tomorrow 15:00"]
    without_token = build_dispatcher(settings, db=db).services
    # (nor a WeChat one: the settings have no WeChat credentials)
    assert [f(without_token) for f in sender_factories()] == [None, None]
