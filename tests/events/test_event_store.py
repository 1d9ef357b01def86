"""EventStore on SQLite and PostgreSQL: capacity, the waitlist and the outbox alongside."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta

import pytest

from bot.core.types import utcnow
from bot.store.db import Database
from bot.store.events.admin import EventAdmin
from bot.store.events.signup import EventStore
from bot.store.events.tables import CANCELLED, REGISTERED, WAITLISTED, EventError
from bot.store.outbox import PENDING
from tests.events.helpers import (
    check_invariants,
    make_event,
    make_users,
    outbox_rows,
    registrations,
    soon,
)


async def test_two_hundred_sign_up_for_fifty_seats_then_thirty_cancel(db: Database) -> None:
    # A pool wide enough that many sign-ups really are in flight at once.
    wide = Database(db.url, pool_size=20, schema=db.schema)
    try:
        event_id = await make_event(db, capacity=50)
        users = await make_users(db, 200)
        store = EventStore(wide)
        start = asyncio.Event()

        async def sign_up(user_id: int) -> str:
            await start.wait()
            return (await store.register(user_id, event_id)).registration.status

        tasks = [asyncio.create_task(sign_up(u)) for u in users]
        await asyncio.sleep(0.05)
        start.set()
        statuses = await asyncio.gather(*tasks)
        assert statuses.count(REGISTERED) == 50 and statuses.count(WAITLISTED) == 150
        regs = await registrations(db, event_id)
        positions = sorted(r.waitlist_position or 0 for r in regs if r.status == WAITLISTED)
        assert positions == list(range(1, 151))
        await check_invariants(db, event_id, 50)
        queue = [
            r.user_id
            for r in sorted(
                (r for r in regs if r.status == WAITLISTED), key=lambda r: r.waitlist_position or 0
            )
        ]

        # 30 cancellations at once, of seats and of queue places alike.
        rng = random.Random(8)
        leaving = rng.sample(regs, 30)
        start = asyncio.Event()

        async def cancel(reg_id: int, user_id: int) -> list[int]:
            await start.wait()
            _cancelled, promoted = await store.cancel(user_id, reg_id)
            return [p.user_id for p in promoted]

        tasks = [asyncio.create_task(cancel(r.id or 0, r.user_id)) for r in leaving]
        await asyncio.sleep(0.05)
        start.set()
        promoted_lists = await asyncio.gather(*tasks)
    finally:
        await wide.dispose()
    await check_invariants(db, event_id, 50)
    regs = await registrations(db, event_id)
    assert sum(r.status == REGISTERED for r in regs) == 50
    leavers = {r.user_id for r in leaving}
    stayed = [r.user_id for r in regs if r.status == REGISTERED and r.user_id not in queue]
    # The freed seats went to the head of the queue, in order, skipping nobody. (A leaver
    # from the queue may have been promoted before their own cancellation ran.)
    waiting = [u for u in queue if u not in leavers]
    expected = set(stayed) | set(waiting[: 50 - len(stayed)])
    assert {r.user_id for r in regs if r.status == REGISTERED} == expected
    promoted = [u for ps in promoted_lists for u in ps]
    assert len(promoted) == len(set(promoted))
    assert set(promoted) - leavers == set(waiting[: 50 - len(stayed)])
    # Each promoted resident is told once; each registered one has two reminders pending.
    rows = await outbox_rows(db, f"event:{event_id}:")
    notices = [r for r in rows if r.kind == "event_promoted" and r.status == PENDING]
    assert sorted(r.user_id for r in notices) == sorted(set(promoted) - leavers)
    pending_reminders = [r for r in rows if r.kind == "event_reminder" and r.status == PENDING]
    assert sorted(r.user_id for r in pending_reminders) == sorted(
        [r.user_id for r in regs if r.status == REGISTERED] * 2
    )


async def test_promotion_goes_in_waitlist_order(db: Database) -> None:
    event_id = await make_event(db, capacity=2)
    a, b, c, d, e = await make_users(db, 5)
    store = EventStore(db)
    regs = {u: await store.register(u, event_id) for u in (a, b, c, d, e)}
    assert [regs[u].registration.waitlist_position for u in (c, d, e)] == [1, 2, 3]
    # d leaves the queue: e moves up to 2.
    await store.cancel(d, regs[d].registration.id)
    await check_invariants(db, event_id, 2)
    # a gives up the seat: c (first in line) gets it, e becomes first.
    _c, promoted = await store.cancel(a, regs[a].registration.id)
    assert [p.user_id for p in promoted] == [c]
    mine = await store.registrations_for(e)
    assert mine[0][0].waitlist_position == 1
    await check_invariants(db, event_id, 2)


async def test_second_sign_up_returns_the_same_registration(db: Database) -> None:
    event_id = await make_event(db, capacity=1)
    (u,) = await make_users(db, 1)
    store = EventStore(db)
    first = await store.register(u, event_id)
    again = await store.register(u, event_id)
    assert first.created and not again.created
    assert again.registration.id == first.registration.id
    assert len(await registrations(db, event_id)) == 1


async def test_registration_closes_at_deadline_and_start(db: Database) -> None:
    (u,) = await make_users(db, 1)
    store = EventStore(db)
    past_deadline = await make_event(db, deadline=utcnow() - timedelta(minutes=1))
    with pytest.raises(EventError) as err:
        await store.register(u, past_deadline)
    assert err.value.code == "closed"
    started = await make_event(db, starts=utcnow() - timedelta(minutes=5))
    with pytest.raises(EventError) as err:
        await store.register(u, started)
    assert err.value.code == "closed"
    draft = await make_event(db, status="draft")
    with pytest.raises(EventError) as err:
        await store.register(u, draft)
    assert err.value.code == "closed"


async def test_reminders_written_and_cancelled_with_the_registration(db: Database) -> None:
    starts = soon(48)
    event_id = await make_event(db, capacity=1, starts=starts)
    a, b = await make_users(db, 2)
    store = EventStore(db)
    ra = await store.register(a, event_id)
    rb = await store.register(b, event_id)
    rows = await outbox_rows(db, f"event:{event_id}:user:{a}:")
    assert {(r.kind, r.due_at, r.status) for r in rows} == {
        ("event_reminder", starts - timedelta(hours=24), PENDING),
        ("event_reminder", starts - timedelta(hours=1), PENDING),
    }
    assert rows[0].payload["title"]["zh_Hans"] == "招聘会"
    assert await outbox_rows(db, f"event:{event_id}:user:{b}:") == []  # waitlisted: none yet
    await store.cancel(a, ra.registration.id)
    assert {r.status for r in await outbox_rows(db, f"event:{event_id}:user:{a}:")} == {"cancelled"}
    b_rows = await outbox_rows(db, f"event:{event_id}:user:{b}:")
    assert sorted(r.kind for r in b_rows) == ["event_promoted", "event_reminder", "event_reminder"]
    assert rb.registration.waitlist_position == 1


async def test_late_sign_up_gets_only_the_one_hour_reminder(db: Database) -> None:
    event_id = await make_event(db, starts=soon(5))
    (u,) = await make_users(db, 1)
    await EventStore(db).register(u, event_id)
    rows = await outbox_rows(db, f"event:{event_id}:")
    assert [r.dedupe_key.rsplit(":", 1)[-1] for r in rows] == ["1h"]


async def test_reminders_off_and_on(db: Database) -> None:
    event_id = await make_event(db)
    (u,) = await make_users(db, 1)
    store = EventStore(db)
    await store.register(u, event_id)
    assert await store.set_reminders(u, False) == 2
    assert {r.status for r in await outbox_rows(db)} == {"cancelled"}
    # Signing up while reminders are off writes none.
    other = await make_event(db, key="other")
    await store.register(u, other)
    assert await outbox_rows(db, f"event:{other}:") == []
    assert await store.set_reminders(u, True) == 4
    pending = [r for r in await outbox_rows(db) if r.status == PENDING]
    assert len(pending) == 4 and len({r.dedupe_key for r in pending}) == 4


async def test_event_cancel_notifies_everyone_and_cancels_reminders(db: Database) -> None:
    event_id = await make_event(db, capacity=2)
    users = await make_users(db, 3)
    store = EventStore(db)
    for u in users:
        await store.register(u, event_id)
    assert await EventAdmin(db).cancel_event(event_id) == 3
    rows = await outbox_rows(db, f"event:{event_id}:")
    assert {r.status for r in rows if r.kind == "event_reminder"} == {"cancelled"}
    notices = [r for r in rows if r.kind == "event_cancelled"]
    assert sorted((r.user_id, r.payload["was"], r.status) for r in notices) == [
        (users[0], REGISTERED, PENDING),
        (users[1], REGISTERED, PENDING),
        (users[2], WAITLISTED, PENDING),
    ]
    assert {r.status for r in await registrations(db, event_id)} == {CANCELLED}
    with pytest.raises(EventError) as err:
        await store.register(users[0], event_id)
    assert err.value.code == "cancelled"
    assert await EventAdmin(db).cancel_event(event_id) == 0  # twice changes nothing


async def test_more_seats_promote_the_waitlist(db: Database) -> None:
    event_id = await make_event(db, capacity=1, key="fair")
    users = await make_users(db, 3)
    store = EventStore(db)
    for u in users:
        await store.register(u, event_id)
    admin = EventAdmin(db)
    view = await store.get(event_id)
    assert view is not None and view.seats_left == 0 and view.waitlisted == 2
    same = await make_event(db, capacity=2, key="fair")  # the same key: an update
    assert same == event_id
    await check_invariants(db, event_id, 2)
    assert (await admin.attendees(event_id))[1][1].registration.status == REGISTERED


async def test_upcoming_lists_published_soonest_first_by_category(db: Database) -> None:
    later = await make_event(db, starts=soon(100), category="family")
    sooner = await make_event(db, starts=soon(50), category="jobs")
    await make_event(db, starts=soon(60), status="draft")
    await make_event(db, starts=utcnow() - timedelta(hours=1))
    store = EventStore(db)
    events, total = await store.upcoming()
    assert [e.id for e in events] == [sooner, later] and total == 2
    events, total = await store.upcoming(category="family")
    assert [e.id for e in events] == [later] and total == 1
    events, total = await store.upcoming(offset=1, limit=1)
    assert [e.id for e in events] == [later] and total == 2
