"""Forged buttons cannot get round the rules: the store checks them where rows are written.

Finding 5 of the security review: `book:confirm:<slot>:<token>` for a slot 40 days ahead
booked it although bookings open 14 days ahead, and `faq:fb:<anything>:0` could be sent
without limit for any topic.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.core.dispatcher import Dispatcher
from bot.core.types import UserRef
from bot.store.consultations.bookings import BookingError, BookingStore
from bot.store.db import Database
from bot.store.tables import Feedback
from tests.consultations.helpers import future, make_slots, make_user
from tests.harness import Conversation, tr

DAY = 24.0


async def test_the_store_refuses_slots_beyond_the_booking_window(db: Database) -> None:
    soon, far = await make_slots(db, [future(2 * DAY), future(40 * DAY)])
    store = BookingStore(db)
    user = await make_user(db, "window")
    with pytest.raises(BookingError) as refused:
        await store.book_slot(user, far.id or 0, topic="school", language="en")
    assert refused.value.code == "not_open"
    assert [s.id for s in refused.value.alternatives] == [soon.id]  # what can be booked instead
    booked = await store.book_slot(user, soon.id or 0, topic="school", language="en")
    with pytest.raises(BookingError) as moved:
        await store.reschedule(user, booked.booking.id, far.id or 0)
    assert moved.value.code == "not_open"
    (still,) = await store.upcoming_for(user)
    assert still.slot.id == soon.id


async def test_a_forged_confirm_button_books_nothing(conversation: Conversation) -> None:
    db = conversation.dispatcher.services.db
    (far,) = await make_slots(db, [future(40 * DAY)])
    await conversation.tap(f"book:confirm:{far.id}:abcd")
    assert (
        tr("en", "That time cannot be booked yet: bookings open {days} days ahead.").format(days=14)
        in conversation.text()
    )
    await conversation.tap(f"book:time:{far.id}")  # a forged time button, then the real confirm
    await conversation.tap("book:skipnote")
    await conversation.tap(conversation.button("✅ Confirm").payload)
    assert "Booked!" not in conversation.text()
    user = await conversation.dispatcher.services.users.get(conversation.user)
    assert user is not None and await BookingStore(db).upcoming_for(user.id or 0) == []


async def votes(db: Database) -> list[tuple[str, bool]]:
    async with db.session() as s:
        rows = await s.execute(select(Feedback.topic, Feedback.helpful).order_by(Feedback.topic))
        return [(str(t), bool(h)) for t, h in rows.all()]


async def test_one_vote_per_resident_per_answer(dispatcher: Dispatcher) -> None:
    db = dispatcher.services.db
    knowledge = dispatcher.services.knowledge
    assert knowledge is not None
    topic = next(e.id for e in knowledge.entries if e.is_topic)
    alice = Conversation(dispatcher, UserRef("web", "alice"))
    for _ in range(5):
        await alice.tap(f"faq:fb:{topic}:0")
    await alice.tap(f"faq:fb:{topic}:1")  # she changed her mind: the vote is replaced
    assert await votes(db) == [(topic, True)]
    await Conversation(dispatcher, UserRef("web", "bob")).tap(f"faq:fb:{topic}:0")
    assert sorted(await votes(db)) == sorted([(topic, True), (topic, False)])
    # A topic that does not exist is an expired button, and nothing is stored.
    await alice.tap("faq:fb:no.such.topic:0")
    assert "no longer valid" in alice.text()
    async with db.session() as s:
        assert (await s.execute(select(func.count()).select_from(Feedback))).scalar_one() == 2
