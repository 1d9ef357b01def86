"""Shared set-up for the event tests: residents and published events in a real database."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, select

from bot.core.types import UserRef, utcnow
from bot.store.db import Database
from bot.store.events.admin import EventAdmin, EventSpec
from bot.store.events.tables import REGISTERED, WAITLISTED, Registration
from bot.store.outbox import OutboxMessage
from bot.store.users import UserStore


async def make_users(
    db: Database, count: int, channel: str = "web", prefix: str = "r"
) -> list[int]:
    ids = []
    async with db.transaction() as session:
        for n in range(count):
            user = await UserStore(db).touch(session, UserRef(channel, f"{prefix}{n}"))
            assert user.id is not None
            ids.append(user.id)
    return ids


def soon(hours: float) -> datetime:
    """A whole minute `hours` from now."""
    return (utcnow() + timedelta(hours=hours)).replace(second=0, microsecond=0)


async def make_event(
    db: Database,
    *,
    capacity: int | None = 10,
    starts: datetime | None = None,
    category: str = "jobs",
    title: dict[str, str] | None = None,
    questions: list[dict[str, Any]] | None = None,
    deadline: datetime | None = None,
    status: str = "published",
    key: str | None = None,
) -> int:
    starts = starts or soon(72)
    spec = EventSpec(
        title=title or {"en": "Job fair", "zh_Hans": "招聘会"},
        description={"en": "Meet employers.", "zh_Hans": "与雇主见面。"},
        category=category,
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        place="Gubei Citizen Centre, room 3",
        capacity=capacity,
        registration_deadline=deadline,
        questions=questions or [],
        status=status,
        key=key,
    )
    (view,) = await EventAdmin(db).save([spec])
    return view.id


async def registrations(db: Database, event_id: int) -> list[Registration]:
    async with db.session() as session:
        rows = await session.execute(
            select(Registration)
            .where(col(Registration.event_id) == event_id)
            .order_by(col(Registration.id))
        )
        return list(rows.scalars())


async def check_invariants(db: Database, event_id: int, capacity: int | None) -> None:
    """Capacity never exceeded, waitlist 1..n, one active registration per user, no idle seat."""
    regs = await registrations(db, event_id)
    registered = [r for r in regs if r.status == REGISTERED]
    waiting = sorted((r for r in regs if r.status == WAITLISTED), key=lambda r: r.id or 0)
    if capacity is not None:
        assert len(registered) <= capacity
        if waiting:
            assert len(registered) == capacity, "a seat is free while people wait"
    else:
        assert not waiting
    assert sorted(r.waitlist_position or 0 for r in waiting) == list(range(1, len(waiting) + 1))
    # The queue keeps sign-up order: an earlier sign-up is never behind a later one.
    assert [r.waitlist_position for r in waiting] == list(range(1, len(waiting) + 1))
    active_users = [r.user_id for r in regs if r.status in (REGISTERED, WAITLISTED)]
    assert len(active_users) == len(set(active_users))
    assert all(r.waitlist_position is None for r in regs if r.status != WAITLISTED)


async def outbox_rows(db: Database, prefix: str = "event:") -> list[OutboxMessage]:
    async with db.session() as session:
        rows = await session.execute(
            select(OutboxMessage)
            .where(col(OutboxMessage.dedupe_key).startswith(prefix, autoescape=True))
            .order_by(col(OutboxMessage.id))
        )
        return list(rows.scalars())
