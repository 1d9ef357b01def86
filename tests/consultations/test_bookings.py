"""BookingStore on SQLite and PostgreSQL: the slot guarantee, the rules, the outbox alongside."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.store import outbox
from bot.store.consultations.bookings import BOOKED, CANCELLED, Booking, BookingError, BookingStore
from bot.store.db import Database
from bot.store.outbox import OutboxMessage, OutboxStore
from tests.consultations.helpers import future, make_slots, make_user, make_users


async def test_hundred_concurrent_attempts_at_one_slot(db: Database) -> None:
    # A pool big enough that every attempt really runs on a connection of its own at once
    # (PostgreSQL allows 100 connections in all, so 20 + 40 overflow here).
    wide = Database(db.url, pool_size=20, schema=db.schema)
    try:
        target, *others = await make_slots(db, [future(30), future(31), future(32)])
        users = await make_users(db, 100)
        store = BookingStore(wide)
        start = asyncio.Event()

        async def attempt(user_id: int) -> object:
            await start.wait()
            try:
                return await store.book_slot(
                    user_id, target.id or 0, topic="school", language="en", idempotency_key=None
                )
            except BookingError as exc:
                return exc

        tasks = [asyncio.create_task(attempt(u)) for u in users]
        await asyncio.sleep(0.05)
        start.set()
        results = await asyncio.gather(*tasks)
    finally:
        await wide.dispose()
    won = [r for r in results if not isinstance(r, BookingError)]
    lost = [r for r in results if isinstance(r, BookingError)]
    assert len(won) == 1 and len(lost) == 99
    assert {e.code for e in lost} == {"just_taken"}
    assert all([a.id for a in e.alternatives] == [s.id for s in others] for e in lost)
    async with db.session() as s:
        live = await s.execute(
            select(func.count()).select_from(Booking).where(Booking.status == BOOKED)
        )
        assert live.scalar() == 1
        reminders = await s.execute(select(func.count()).select_from(OutboxMessage))
        assert reminders.scalar() == 2  # only the winner's 24 h and 2 h reminders


async def test_cancel_frees_the_slot_and_cancels_reminders(db: Database) -> None:
    (slot,) = await make_slots(db, [future(48)])
    alice, bob = await make_user(db, "alice"), await make_user(db, "bob")
    store = BookingStore(db)
    booked = (await store.book_slot(alice, slot.id or 0, topic="school", language="en")).booking
    with pytest.raises(BookingError) as taken:
        await store.book_slot(bob, slot.id or 0, topic="school", language="en")
    assert taken.value.code == "just_taken"
    cancelled = await store.cancel(alice, booked.id)
    assert cancelled.status == CANCELLED
    assert (await store.cancel(alice, booked.id)).status == CANCELLED  # a second tap is harmless
    rows = await OutboxStore(db).by_prefix(f"booking:{booked.id}:")
    assert [r.status for r in rows] == ["cancelled", "cancelled"]
    again = await store.book_slot(bob, slot.id or 0, topic="school", language="en")
    assert again.created and again.booking.user_id == bob
    with pytest.raises(BookingError) as not_yours:
        await store.cancel(alice, again.booking.id)
    assert not_yours.value.code == "not_found"


async def test_reschedule_is_all_or_nothing(db: Database) -> None:
    s1, s2, s3 = await make_slots(db, [future(30), future(40), future(50)])
    alice, bob = await make_user(db, "alice"), await make_user(db, "bob")
    store = BookingStore(db)
    mine = (await store.book_slot(alice, s1.id or 0, topic="medical", language="en")).booking
    await store.book_slot(bob, s2.id or 0, topic="medical", language="en")

    with pytest.raises(BookingError) as taken:
        await store.reschedule(alice, mine.id, s2.id or 0)
    assert taken.value.code == "just_taken"
    assert [a.id for a in taken.value.alternatives] == [s3.id]
    unchanged = await store.get(mine.id)
    assert unchanged is not None and unchanged.slot.id == s1.id
    rows = await OutboxStore(db).by_prefix(f"booking:{mine.id}:")
    assert [(r.status, r.payload["starts_at"]) for r in rows] == [
        ("pending", s1.starts_at.isoformat())
    ] * 2

    moved = await store.reschedule(alice, mine.id, s3.id or 0)
    assert moved.slot.id == s3.id and moved.id == mine.id
    rows = await OutboxStore(db).by_prefix(f"booking:{mine.id}:")
    assert sorted((r.status, r.payload["starts_at"]) for r in rows) == sorted(
        [("cancelled", s1.starts_at.isoformat())] * 2 + [("pending", s3.starts_at.isoformat())] * 2
    )
    # s1 is free again, and moving back works (fresh reminder keys for the new revision).
    assert s1.id in [v.id for v in await store.free_slots()]
    back = await store.reschedule(alice, mine.id, s1.id or 0)
    assert back.slot.id == s1.id
    pending = [
        r for r in await OutboxStore(db).by_prefix(f"booking:{mine.id}:") if r.status == "pending"
    ]
    assert len(pending) == 2 and {r.payload["starts_at"] for r in pending} == {
        s1.starts_at.isoformat()
    }


async def test_reschedule_and_booking_race_for_one_slot(db: Database) -> None:
    s1, s2 = await make_slots(db, [future(30), future(40)])
    alice, bob = await make_user(db, "alice"), await make_user(db, "bob")
    store = BookingStore(db)
    mine = (await store.book_slot(alice, s1.id or 0, topic="work", language="en")).booking
    results = await asyncio.gather(
        store.reschedule(alice, mine.id, s2.id or 0),
        store.book_slot(bob, s2.id or 0, topic="work", language="en"),
        return_exceptions=True,
    )
    assert sum(isinstance(r, BookingError) for r in results) == 1
    async with db.session() as s:
        holders = (await s.execute(select(Booking).where(Booking.status == BOOKED))).scalars().all()
    assert sorted(b.slot_id for b in holders) in ([s1.id, s2.id], [s2.id])
    assert len([b for b in holders if b.slot_id == s2.id]) == 1


async def test_booking_closes_two_hours_before(db: Database) -> None:
    soon, later = await make_slots(db, [future(1.5), future(26)])
    user = await make_user(db, "late")
    store = BookingStore(db)
    with pytest.raises(BookingError) as closed:
        await store.book_slot(user, soon.id or 0, topic="school", language="en")
    assert closed.value.code == "closed"
    assert [a.id for a in closed.value.alternatives] == [later.id]
    assert soon.id not in [v.id for v in await store.free_slots()]


async def test_at_most_two_upcoming_and_no_overlap(db: Database) -> None:
    a1, a2, a3 = await make_slots(db, [future(30), future(40), future(50)], name="A")
    (b1,) = await make_slots(db, [future(30) + timedelta(minutes=15)], name="B")
    user = await make_user(db, "busy")
    store = BookingStore(db)
    await store.book_slot(user, a1.id or 0, topic="school", language="en")
    with pytest.raises(BookingError) as overlap:
        await store.book_slot(user, b1.id or 0, topic="school", language="en")
    assert overlap.value.code == "overlap"
    await store.book_slot(user, a2.id or 0, topic="school", language="en")
    with pytest.raises(BookingError) as too_many:
        await store.book_slot(user, a3.id or 0, topic="school", language="en")
    assert too_many.value.code == "too_many"
    assert len(await store.upcoming_for(user)) == 2


async def test_one_users_concurrent_bookings_cannot_both_pass_the_limit(db: Database) -> None:
    slots = await make_slots(db, [future(30 + 2 * n) for n in range(6)])
    user = await make_user(db, "eager")
    store = BookingStore(db, max_upcoming=2)
    await store.book_slot(user, slots[0].id or 0, topic="school", language="en")
    results = await asyncio.gather(
        *(store.book_slot(user, s.id or 0, topic="school", language="en") for s in slots[1:]),
        return_exceptions=True,
    )
    assert sum(not isinstance(r, BaseException) for r in results) == 1
    assert {r.code for r in results if isinstance(r, BookingError)} == {"too_many"}


async def test_double_tap_returns_the_same_booking(db: Database) -> None:
    (slot,) = await make_slots(db, [future(30)])
    user = await make_user(db, "tapper")
    store = BookingStore(db)
    key = f"{user}:{slot.id}:abc"
    taps = await asyncio.gather(
        *(
            store.book_slot(user, slot.id or 0, topic="school", language="en", idempotency_key=key)
            for _ in range(5)
        )
    )
    assert len({t.booking.id for t in taps}) == 1
    assert sorted(t.created for t in taps) == [False, False, False, False, True]
    again = await store.book_slot(user, slot.id or 0, topic="school", language="en")
    assert again.booking.id == taps[0].booking.id and not again.created
    async with db.session() as s:
        assert (await s.execute(select(func.count()).select_from(Booking))).scalar() == 1
        assert (await s.execute(select(func.count()).select_from(OutboxMessage))).scalar() == 2


async def test_reminders_are_written_with_the_booking_or_not_at_all(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    near, far = await make_slots(db, [future(10), future(30)])
    user = await make_user(db, "r")
    store = BookingStore(db)
    first = (await store.book_slot(user, near.id or 0, topic="school", language="en")).booking
    rows = await OutboxStore(db).by_prefix(f"booking:{first.id}:")
    # Booked 10 hours ahead: the 24-hour reminder would be in the past, so only the 2-hour one.
    assert [(r.payload["when"], r.due_at) for r in rows] == [
        ("2h", near.starts_at - timedelta(hours=2))
    ]

    real_enqueue = outbox.enqueue
    calls = 0

    async def failing_enqueue(*args: object, **kwargs: object) -> bool:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("disk full")
        return await real_enqueue(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(outbox, "enqueue", failing_enqueue)
    with pytest.raises(RuntimeError):
        await store.book_slot(user, far.id or 0, topic="school", language="en")
    async with db.session() as s:
        assert (
            await s.execute(
                select(func.count()).select_from(Booking).where(Booking.slot_id == far.id)
            )
        ).scalar() == 0
        assert (await s.execute(select(func.count()).select_from(OutboxMessage))).scalar() == 1
