"""When staff cancel or move a booking, the resident is told through the outbox, rendered in
their language at send time, in every locale (compared with the real catalogs)."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from bot.consultations.text import when_text
from bot.core.channel import Channels
from bot.core.types import UserRef
from bot.i18n import LOCALES, use_locale
from bot.reminders.dispatcher import ReminderDispatcher
from bot.store.consultations.bookings import BookingStore
from bot.store.db import Database
from bot.store.tables import User
from fakes.platform import RecordingSender
from tests.consultations.helpers import future, make_slots, make_user
from tests.harness import tr
from tests.reminders.test_reminders import FAST

CANCELLED = (
    "❌ The centre had to cancel your consultation ({topic}) on {when}. We are sorry. "
    "You can book another time now."
)
MOVED = "🔁 The centre moved your consultation ({topic}) to {when}"


async def _send(db: Database) -> list[tuple[UserRef, str]]:
    sender = RecordingSender("telegram")
    registry = Channels()
    registry.attach(sender)
    await ReminderDispatcher(db, registry, FAST).run_once()
    return [(ref, replies[0].text) for ref, replies in sender.sent]


@pytest.mark.parametrize("locale", LOCALES)
async def test_cancellation_notice_in_the_residents_language(db: Database, locale: str) -> None:
    (slot,) = await make_slots(db, [future(30)])
    user_id = await make_user(db, "42", channel="telegram")
    async with db.transaction() as session:
        await session.execute(update(User).where(User.id == user_id).values(locale=locale))  # type: ignore[arg-type]
    bookings = BookingStore(db)
    made = await bookings.book_slot(user_id, slot.id or 0, topic="school", language="en")
    await bookings.cancel_by_staff(made.booking.id)
    sent = await _send(db)  # the notice is due now; the cancelled reminders never go
    assert len(sent) == 1
    with use_locale(locale):
        expected_when = when_text(slot.starts_at, slot.ends_at)
        topic = tr(locale, "School enrolment")
    expected = tr(locale, CANCELLED).format(topic=topic, when=expected_when)
    assert sent[0] == (UserRef("telegram", "42"), expected)
    if locale != "en":
        assert expected != CANCELLED.format(topic="School enrolment", when=expected_when)


async def test_move_notice_names_the_new_time(db: Database) -> None:
    first, second = await make_slots(db, [future(30), future(54)])
    user_id = await make_user(db, "43", channel="telegram")
    async with db.transaction() as session:
        await session.execute(update(User).where(User.id == user_id).values(locale="ja"))  # type: ignore[arg-type]
    bookings = BookingStore(db)
    made = await bookings.book_slot(user_id, first.id or 0, topic="medical", language="ja")
    await bookings.reschedule_by_staff(made.booking.id, second.id or 0)
    sent = await _send(db)
    assert len(sent) == 1
    with use_locale("ja"):
        assert when_text(second.starts_at, second.ends_at) in sent[0][1]
    assert sent[0][1].startswith("🔁 センター")
    assert MOVED not in sent[0][1]
