"""The staff Telegram group: a new conversation, the resident's messages and an emergency
are posted there; a staff member's reply to a post reaches the resident; other talk in the
group gets nothing from the bot."""

from __future__ import annotations

import asyncio

import pytest

from bot.channels.telegram.standalone import telegram_sender_factory
from bot.config import Settings
from bot.handlers.handoff import delivery
from bot.handlers.handoff.delivery import add_staff_reply, deliver_pending
from bot.services import build_services
from bot.store.db import Database
from bot.store.handoff.tables import FAILED, SENT
from fakes.telegram import FakeTelegram
from tests.channels.telegram.support import running_channel, telegram_settings
from tests.handoff.helpers import always

RESIDENT = 515151
STAFF = 626262
GROUP = -1009876


async def test_a_reply_in_the_staff_group_reaches_the_resident(
    settings: Settings, db: Database, fake: FakeTelegram
) -> None:
    configured = telegram_settings(settings, fake, handoff_staff_group=GROUP)
    async with running_channel(configured, db) as (channel, _client):
        channel.services.staffed = always()
        fake.push(fake.message_update(RESIDENT, "/human", language_code="ru"))
        await fake.wait_until(lambda: len(fake.chat_log[RESIDENT]) >= 1)
        await fake.wait_until(lambda: len(fake.chat_log[GROUP]) >= 1)
        post = fake.chat_log[GROUP][0]
        assert "#c1" in (post.text or "") and "Русский" in (post.text or "")

        fake.push(fake.message_update(RESIDENT, "Арендодатель требует паспорт", language_code="ru"))
        await fake.wait_until(lambda: len(fake.chat_log[GROUP]) >= 2)
        assert "Арендодатель требует паспорт" in (fake.chat_log[GROUP][1].text or "")
        assert len(fake.chat_log[RESIDENT]) == 1  # the bot stayed silent for the resident

        # Staff chatting in the group: the bot says nothing there.
        fake.push(fake.message_update(STAFF, "who takes this one?", chat_id=GROUP))
        # A reply to the post answers the resident.
        fake.push(
            fake.message_update(
                STAFF, "Не отдавайте оригинал паспорта.", chat_id=GROUP, reply_to=post
            )
        )
        await fake.wait_until(lambda: len(fake.chat_log[RESIDENT]) >= 2)
        assert fake.texts(RESIDENT)[-1] == "Не отдавайте оригинал паспорта."
        assert len(fake.chat_log[GROUP]) == 2  # no answer from the bot in the group

        # An emergency: answered for the resident at once, and posted to the group.
        fake.push(fake.message_update(RESIDENT, "ребёнок не дышит", language_code="ru"))
        await fake.wait_until(lambda: len(fake.chat_log[GROUP]) >= 3)
        assert (fake.chat_log[GROUP][2].text or "").startswith("🚨")
        # The group's post and the resident's answer go out on separate lanes: either first.
        await fake.wait_until(lambda: len(fake.chat_log[RESIDENT]) >= 3)
        assert "120" in fake.texts(RESIDENT)[2]
        [row] = await channel.services.handoff.inbox()
        assert row.conversation.alert


async def test_a_reply_that_does_not_arrive_is_reported_in_the_group(
    settings: Settings, db: Database, fake: FakeTelegram
) -> None:
    """The reply is kept in the transcript with the staff member's message and sent once that
    has committed; when the resident cannot get it, the group is told."""
    configured = telegram_settings(settings, fake, handoff_staff_group=GROUP)
    async with running_channel(configured, db) as (channel, _client):
        channel.services.staffed = always()
        fake.push(fake.message_update(RESIDENT, "/human", language_code="en"))
        await fake.wait_until(lambda: len(fake.chat_log[GROUP]) >= 1)
        post = fake.chat_log[GROUP][0]
        fake.blocked.add(RESIDENT)  # the resident has blocked the bot since
        fake.push(fake.message_update(STAFF, "Are you still there?", chat_id=GROUP, reply_to=post))
        await fake.wait_until(lambda: len(fake.chat_log[GROUP]) >= 2)
        note = fake.chat_log[GROUP][1].text or ""
        assert note.startswith("#c1: Not delivered to the resident")
        await asyncio.sleep(0.5)
        assert len(fake.chat_log[GROUP]) == 2  # reported once
        [row] = await channel.services.handoff.inbox()
        assert row.conversation.id is not None
        messages = await channel.services.handoff.messages(row.conversation.id)
        staff_said = [m for m in messages if m.text == "Are you still there?"]
        assert len(staff_said) == 1 and staff_said[0].delivery != "sent"


async def test_a_reply_another_worker_fails_to_deliver_later_is_reported_once(
    settings: Settings, db: Database, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The group's reply waits behind one another worker is sending, longer than anyone
    waits for it (RESULT_WAIT); that worker then sends it, it does not arrive, and the
    worker that found so tells the group, once."""
    monkeypatch.setattr(delivery, "RESULT_WAIT", 0.2)
    configured = telegram_settings(settings, fake, handoff_staff_group=GROUP)
    # The other worker: its own database connections and Telegram sender.
    other_db = Database(db.url, pool_size=2, schema=db.schema)
    worker = build_services(configured, db=other_db)
    sender = telegram_sender_factory(worker)
    assert sender is not None
    worker.channels.attach(sender)
    try:
        async with running_channel(configured, db) as (channel, _client):
            channel.services.staffed = always()
            fake.push(fake.message_update(RESIDENT, "/human", language_code="en"))
            await fake.wait_until(lambda: len(fake.chat_log[GROUP]) >= 1)
            post = fake.chat_log[GROUP][0]
            [row] = await channel.services.handoff.inbox()
            conversation = row.conversation
            assert conversation.id is not None
            # The other worker is sending a reply from the console (claimed now).
            await add_staff_reply(worker, conversation, None, "One moment please.")
            sending = await worker.handoff.claim_next(conversation.id)
            assert sending is not None

            fake.blocked.add(RESIDENT)
            fake.push(
                fake.message_update(STAFF, "Are you still there?", chat_id=GROUP, reply_to=post)
            )
            for _ in range(200):
                messages = await channel.services.handoff.messages(conversation.id)
                if any(m.text == "Are you still there?" for m in messages):
                    break
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.6)  # past RESULT_WAIT: whoever waited has stopped
            assert len(fake.chat_log[GROUP]) == 1  # nothing known yet, nothing said

            # The other worker's send went through; its loop goes on with the group's reply.
            assert await worker.handoff.record_delivery(sending, SENT)
            await deliver_pending(worker, conversation)
            await fake.wait_until(lambda: len(fake.chat_log[GROUP]) >= 2)
            note = fake.chat_log[GROUP][1].text or ""
            assert note.startswith("#c1: Not delivered to the resident")
            await asyncio.sleep(0.5)
            assert len(fake.chat_log[GROUP]) == 2  # once
            messages = await channel.services.handoff.messages(conversation.id)
            [staff_said] = [m for m in messages if m.text == "Are you still there?"]
            assert staff_said.delivery == FAILED and staff_said.via_group
    finally:
        await sender.sender.bot.shutdown()  # type: ignore[attr-defined]
        await other_db.dispose()
