"""In a Telegram group everyone reads the replies: a resident's own bookings, events, data and
booking flows answer "please use a private chat", in their language, and show nothing
personal. Through python-telegram-bot against the fake Bot API, webhook and polling, on
SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.channels.telegram import TelegramChannel
from bot.config import Settings
from bot.core.state import FlowState
from bot.core.types import UserRef
from bot.store.db import Database
from fakes.telegram import FakeTelegram, Sent, buttons
from tests.channels.telegram.support import (
    SECRET,
    running_channel,
    telegram_settings,
)
from tests.consultations.helpers import future, make_slots
from tests.events.helpers import make_event, registrations
from tests.harness import tr

NOT_PRIVATE = (
    "Please use a private chat with me for this: it shows your personal details, "
    "and everyone in this group would see them."
)
GROUP = -1001234
UID = 611
NOTE = "Bitte rufen Sie mich wegen der Schule meiner Tochter Lena an"


@pytest.fixture(params=["polling", "webhook"])
async def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def running(
    settings: Settings, db: Database, fake: FakeTelegram, mode: str
) -> AsyncIterator[tuple[TelegramChannel, TestClient]]:
    async with running_channel(telegram_settings(settings, fake, telegram_mode=mode), db) as pair:
        yield pair


class Member:
    """A German-speaking resident who writes both in a group and in a private chat."""

    def __init__(self, fake: FakeTelegram, client: TestClient, mode: str) -> None:
        self.fake, self.client, self.mode = fake, client, mode

    async def deliver(self, update: dict[str, Any]) -> None:
        if self.mode == "polling":
            self.fake.push(update)
            return
        resp = await self.client.post(
            "/telegram/webhook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
        )
        assert resp.status == 200

    async def say(self, text: str, chat: int) -> Sent:
        before = len(self.fake.chat_log[chat])
        update = self.fake.message_update(UID, text, language_code="de", chat_id=chat)
        await self.deliver(update)
        await self.fake.wait_until(lambda: len(self.fake.chat_log[chat]) > before)
        return self.fake.chat_log[chat][-1]

    async def tap(self, sent: Sent, label: str) -> Sent:
        return await self.tap_data(sent, dict(buttons(sent))[label])

    async def tap_data(self, sent: Sent, data: str) -> Sent:
        """A tap on a button with `data` under the bot's message `sent` (edited, or answered
        by a new message): the message the resident now reads."""
        answered, edits = len(self.fake.answered), sent.edits
        before = len(self.fake.chat_log[sent.chat_id])
        await self.deliver(self.fake.callback_update(UID, sent, data, language_code="de"))
        await self.fake.wait_until(
            lambda: (
                len(self.fake.answered) > answered
                and (sent.edits > edits or len(self.fake.chat_log[sent.chat_id]) > before)
            )
        )
        return self.fake.chat_log[sent.chat_id][-1]


async def flow_of(channel: TelegramChannel) -> FlowState:
    services = channel.services
    user = await services.users.get(UserRef("telegram", str(UID)))
    assert user is not None and user.id is not None
    async with services.db.session() as session:
        return await services.states.load(session, user.id)


async def test_personal_commands_in_a_group_ask_for_a_private_chat(
    fake: FakeTelegram, running: tuple[TelegramChannel, TestClient], mode: str, db: Database
) -> None:
    channel, client = running
    member = Member(fake, client, mode)
    await member.say("/start", UID)  # the resident exists, speaking German
    user = await channel.services.users.get(UserRef("telegram", str(UID)))
    assert user is not None and user.id is not None
    (slot,) = await make_slots(db, [future(30)], languages=("de", "en"))
    await channel.services.bookings.book_slot(
        user.id, slot.id, topic="school", language="de", note=NOTE
    )
    event = await make_event(db, questions=[{"id": "name", "text": {"en": "Your name?"}}])

    refusal = tr("de", NOT_PRIVATE)
    assert refusal != NOT_PRIVATE  # the German catalog has it
    for command in ("/mybookings@LinzhuBot", "/myevents", "/privacy", "/book", "/reminders off"):
        reply = await member.say(command, GROUP)
        assert reply.text == refusal, command
    assert all(NOTE not in text for text in fake.texts(GROUP))
    # Nothing personal was changed by the group: reminders stay on.
    user = await channel.services.users.get(UserRef("telegram", str(UID)))
    assert user is not None and user.reminders_enabled

    # What everyone may see still works in the group: the menu and the events.
    menu = await member.say("/start", GROUP)
    assert "Linzhu" in (menu.text or "")
    # Its personal buttons do not: booking, and signing up for an event.
    refused = await member.tap(menu, tr("de", "Book a consultation"))
    assert refused.text == refusal
    listing = await member.say("/events", GROUP)
    assert listing.text and "Job fair" in listing.text
    refused = await member.tap_data(listing, f"events:join:{event}")
    assert refused.text == refusal

    # In the private chat the same commands answer, with the resident's own data.
    before = len(fake.chat_log[UID])
    await member.say("/mybookings", UID)  # a heading, then one message per booking
    await fake.wait_until(lambda: any(NOTE in t for t in fake.texts(UID)[before:]))


async def test_a_private_flow_is_not_fed_from_a_group(
    fake: FakeTelegram, running: tuple[TelegramChannel, TestClient], mode: str, db: Database
) -> None:
    channel, client = running
    member = Member(fake, client, mode)
    await make_slots(db, [future(30)], languages=("de", "en"))
    event = await make_event(db, questions=[{"id": "name", "text": {"en": "Your name?"}}])
    question = await member.say("/start", UID)
    asked = await member.tap_data(question, f"events:join:{event}")
    assert asked.text and asked.text.endswith("Your name?")
    assert (await flow_of(channel)).flow == "events_signup"
    # The answer typed in the group by mistake is neither taken nor shown; the flow waits.
    reply = await member.say("Lena Schmidt, Hongqiao Road 1", GROUP)
    assert reply.text == tr("de", NOT_PRIVATE)
    assert (await flow_of(channel)).flow == "events_signup"
    # The private chat goes on where it was.
    await member.say("Lena Schmidt", UID)
    await fake.wait_until(lambda: any(s.document for s in fake.chat_log[UID]))  # the .ics
    assert (await flow_of(channel)).flow is None
    (registration,) = await registrations(db, event)
    assert registration.answers == {"name": "Lena Schmidt"}
