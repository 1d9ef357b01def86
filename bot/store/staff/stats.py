"""What the console's dashboard counts, read from the tables the chat already writes.

Each method returns small rows for a date range; the dashboard buckets them by day or week
(a few thousand rows at most for a centre's month, so bucketing in Python keeps one query
shape for SQLite and PostgreSQL).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select

from bot.store.consultations.tables import Booking, Slot
from bot.store.db import Database
from bot.store.events.tables import Event, Registration
from bot.store.outbox import OutboxMessage
from bot.store.tables import ActivityLog, Feedback, UnansweredQuestion
from bot.store.traffic import DailyCount, MessageCounts


@dataclass(frozen=True)
class EventFill:
    id: int
    title: dict[str, str]
    starts_at: datetime
    capacity: int | None
    registered: int
    waiting: int
    promoted: int


class DashboardStats:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def messages(self, first: date, last: date) -> list[DailyCount]:
        return await MessageCounts(self.db).between(first, last)

    async def _rows(self, query: Any) -> list[Any]:
        async with self.db.session() as session:
            return list((await session.execute(query)).all())

    async def unanswered(self, start: datetime, end: datetime) -> list[datetime]:
        rows = await self._rows(
            select(UnansweredQuestion.created_at).where(
                col(UnansweredQuestion.created_at) >= start,
                col(UnansweredQuestion.created_at) < end,
            )
        )
        return [r[0] for r in rows]

    async def emergencies(self, start: datetime, end: datetime) -> list[tuple[datetime, str]]:
        rows = await self._rows(
            select(ActivityLog.created_at, ActivityLog.detail).where(
                col(ActivityLog.kind) == "emergency_guard",
                col(ActivityLog.created_at) >= start,
                col(ActivityLog.created_at) < end,
            )
        )
        return [(at, str((detail or {}).get("term") or "?")) for at, detail in rows]

    async def bookings(
        self, start: datetime, end: datetime
    ) -> list[tuple[datetime, str, str, str]]:
        """(slot start, topic, language, status) of bookings whose slot starts in the range."""
        rows = await self._rows(
            select(Slot.starts_at, Booking.topic, Booking.language, Booking.status)
            .join(Slot, col(Slot.id) == col(Booking.slot_id))
            .where(col(Slot.starts_at) >= start, col(Slot.starts_at) < end)
        )
        return [(a, b, c, d) for a, b, c, d in rows]

    async def events(self, start: datetime, end: datetime) -> list[EventFill]:
        events = await self._rows(
            select(Event)
            .where(
                col(Event.starts_at) >= start,
                col(Event.starts_at) < end,
                col(Event.status) != "cancelled",
            )
            .order_by(col(Event.starts_at))
        )
        ids = [e.id for (e,) in events]
        counts: dict[tuple[int, str], int] = {}
        promoted: dict[int, int] = {}
        if ids:
            for event_id, status, n in await self._rows(
                select(Registration.event_id, Registration.status, func.count())
                .where(col(Registration.event_id).in_(ids))
                .group_by(col(Registration.event_id), col(Registration.status))
            ):
                counts[(event_id, status)] = int(n)
            for event_id, n in await self._rows(
                select(Registration.event_id, func.count())
                .where(
                    col(Registration.event_id).in_(ids),
                    col(Registration.promoted_at).is_not(None),
                )
                .group_by(col(Registration.event_id))
            ):
                promoted[event_id] = int(n)
        return [
            EventFill(
                e.id,
                dict(e.title),
                e.starts_at,
                e.capacity,
                counts.get((e.id, "registered"), 0),
                counts.get((e.id, "waitlisted"), 0),
                promoted.get(e.id, 0),
            )
            for (e,) in events
        ]

    async def outbox(self, start: datetime, end: datetime) -> list[tuple[datetime, str, int]]:
        """(due time, status, attempts) of reminders and notices due in the range."""
        rows = await self._rows(
            select(OutboxMessage.due_at, OutboxMessage.status, OutboxMessage.attempts).where(
                col(OutboxMessage.due_at) >= start, col(OutboxMessage.due_at) < end
            )
        )
        return [(a, b, int(c)) for a, b, c in rows]

    async def feedback(self, start: datetime, end: datetime) -> list[tuple[datetime, bool]]:
        rows = await self._rows(
            select(Feedback.created_at, Feedback.helpful).where(
                col(Feedback.created_at) >= start, col(Feedback.created_at) < end
            )
        )
        return [(a, bool(b)) for a, b in rows]
