"""A Telegram resident through python-telegram-bot and the fake Bot API: /human opens a
conversation, what they write reaches the transcript while the bot stays silent, the
emergency guard still answers, and staff replies arrive in order through the channel's
sender (its rate budget), followed by the closing notice."""

from __future__ import annotations

from bot.config import Settings
from bot.handlers.handoff.delivery import notify_closed, send_staff_reply
from bot.ops import metrics
from bot.store.db import Database
from bot.store.handoff.tables import FROM_RESIDENT, SENT
from bot.store.staff.accounts import StaffAccounts
from fakes.telegram import FakeTelegram, buttons
from tests.channels.telegram.support import running_channel, telegram_settings
from tests.handoff.helpers import always

UID = 424242


async def test_telegram_resident_and_staff(
    settings: Settings, db: Database, fake: FakeTelegram
) -> None:
    async with running_channel(telegram_settings(settings, fake), db) as (channel, _client):
        svc = channel.services
        svc.staffed = always()

        async def say(text: str, expect: int = 1) -> list[str]:
            before = len(fake.chat_log[UID])
            fake.push(fake.message_update(UID, text, language_code="ko"))
            await fake.wait_until(lambda: len(fake.chat_log[UID]) >= before + expect)
            return [s.text or "" for s in fake.chat_log[UID][before:]]

        [opened] = await say("/human")
        assert "직원" in opened
        rows = await svc.handoff.inbox()
        assert len(rows) == 1 and rows[0].conversation.channel == "telegram"
        conversation = rows[0].conversation
        assert conversation.locale == "ko" and conversation.id is not None

        # Silent: the message reaches the transcript, nothing is sent back.
        before = len(fake.chat_log[UID])
        fake.push(fake.message_update(UID, "집주인이 여권을 달라고 해요", language_code="ko"))
        await fake_wait_for_transcript(svc, conversation.id, 1)
        assert len(fake.chat_log[UID]) == before

        # The emergency guard answers at once, and the conversation is flagged.
        [urgent] = await say("아이가 숨을 안 쉬어요")
        assert "120" in urgent
        flagged = await svc.handoff.get(conversation.id)
        assert flagged is not None and flagged.alert

        metrics.install()
        staff_sends = metrics.REPLY_SENDS.labels("telegram", "staff", "sent")
        counted = staff_sends._value.get()
        staff = await StaffAccounts(db).add("desk9", "long enough secret", "desk")
        first = await send_staff_reply(svc, conversation, staff.id, "안녕하세요, 상담원입니다.")
        second = await send_staff_reply(svc, conversation, staff.id, "여권 원본은 주지 마세요.")
        assert first.delivery == SENT and second.delivery == SENT
        texts = fake.texts(UID)
        assert texts[-2:] == ["안녕하세요, 상담원입니다.", "여권 원본은 주지 마세요."]
        assert staff_sends._value.get() == counted + 2  # in linzhu_reply_sends_total

        assert await svc.handoff.close(conversation.id)
        assert await notify_closed(svc, conversation) == SENT
        closing = fake.last(UID)
        assert [label for label, _data in buttons(closing)] == ["👍", "👎"]


async def fake_wait_for_transcript(svc: object, conversation_id: int, count: int) -> None:
    import asyncio

    from bot.services import Services

    assert isinstance(svc, Services)
    for _ in range(100):
        messages = await svc.handoff.messages(conversation_id)
        if len([m for m in messages if m.direction == FROM_RESIDENT]) >= count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the resident's message never reached the transcript")
