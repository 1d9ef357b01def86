"""Residents and events: find, sign up, wait-list, cancel, promote — each in one transaction.

Every change to an event's registrations starts by locking the event row (FOR UPDATE on
PostgreSQL; on SQLite BEGIN IMMEDIATE has already serialised the writers), so the count of
registered people and the waitlist positions read in the transaction stay true until it
commits. Staff operations live in bot/store/events/admin.py and use the same helpers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.core.types import utcnow
from bot.store import outbox
from bot.store.db import Database
from bot.store.events import outbox as eo
from bot.store.events.tables import (
    CANCELLED,
    PUBLISHED,
    REGISTERED,
    WAITLISTED,
    Event,
    EventError,
    EventView,
    Registration,
    RegistrationView,
    SignUpResult,
)
from bot.store.tables import User

ACTIVE = (REGISTERED, WAITLISTED)


class EventStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    # --- finding events ------------------------------------------------------------------

    async def upcoming(
        self,
        *,
        category: str | None = None,
        offset: int = 0,
        limit: int = 5,
        now: datetime | None = None,
    ) -> tuple[list[EventView], int]:
        """Published events that have not started, soonest first, and how many there are."""
        now = now or utcnow()
        where = [col(Event.status) == PUBLISHED, col(Event.starts_at) > now]
        if category:
            where.append(col(Event.category) == category)
        async with self.db.session() as session:
            total = (
                await session.execute(select(func.count()).select_from(Event).where(*where))
            ).scalar_one()
            rows = await session.execute(
                select(Event)
                .where(*where)
                .order_by(col(Event.starts_at), col(Event.id))
                .offset(offset)
                .limit(limit)
            )
            events = list(rows.scalars())
            return await views(session, events), int(total)

    async def get(self, event_id: int) -> EventView | None:
        async with self.db.session() as session:
            event = await session.get(Event, event_id)
            return None if event is None else (await views(session, [event]))[0]

    async def active_registration(self, user_id: int, event_id: int) -> RegistrationView | None:
        async with self.db.session() as session:
            reg = await _active_of(session, user_id, event_id)
            return None if reg is None else RegistrationView.of(reg)

    async def registrations_for(
        self, user_id: int, now: datetime | None = None
    ) -> list[tuple[RegistrationView, EventView]]:
        """The user's active registrations for events that have not ended, soonest first."""
        now = now or utcnow()
        async with self.db.session() as session:
            rows = (
                await session.execute(
                    select(Registration, Event)
                    .join(Event, col(Event.id) == col(Registration.event_id))
                    .where(
                        col(Registration.user_id) == user_id,
                        col(Registration.status).in_(ACTIVE),
                        col(Event.ends_at) > now,
                    )
                    .order_by(col(Event.starts_at), col(Event.id))
                )
            ).all()
            event_views = await views(session, [e for _r, e in rows])
            return [
                (RegistrationView.of(r), v) for (r, _e), v in zip(rows, event_views, strict=True)
            ]

    # --- signing up and cancelling --------------------------------------------------------

    async def register(
        self,
        user_id: int,
        event_id: int,
        answers: dict[str, str] | None = None,
        now: datetime | None = None,
    ) -> SignUpResult:
        """A seat if one is free, else the end of the waitlist; the same one again if held."""
        now = now or utcnow()
        try:
            async with self.db.transaction() as session:
                event = await lock_event(session, event_id)
                existing = await _active_of(session, user_id, event_id)
                registered, waitlisted = await counts(session, event_id)
                if existing is not None:
                    view = EventView.of(event, registered, waitlisted)
                    return SignUpResult(RegistrationView.of(existing), view, created=False)
                if event.status == CANCELLED:
                    raise EventError("cancelled")
                if not EventView.of(event).is_open(now):
                    raise EventError("closed")
                if waitlisted and (event.capacity is None or registered < event.capacity):
                    # Staff added seats since: the queue goes first.
                    promoted = len(await fill_seats(session, event, now))
                    registered, waitlisted = registered + promoted, waitlisted - promoted
                user = await lock_user(session, user_id)
                seat = waitlisted == 0 and (event.capacity is None or registered < event.capacity)
                if seat:
                    registered += 1
                else:
                    waitlisted += 1
                reg = Registration(
                    event_id=event_id,
                    user_id=user_id,
                    status=REGISTERED if seat else WAITLISTED,
                    waitlist_position=None if seat else waitlisted,
                    answers=_clean_answers(answers, event),
                    created_at=now,
                )
                session.add(reg)
                await session.flush()
                if reg.status == REGISTERED:
                    await eo.write_reminders(session, user, event, reg, now)
                view = EventView.of(event, registered, waitlisted)
                return SignUpResult(RegistrationView.of(reg), view, created=True)
        except IntegrityError:
            # Only a double tap racing itself can get here (the event lock orders the rest).
            found = await self.active_registration(user_id, event_id)
            event_view = await self.get(event_id)
            if found is None or event_view is None:
                raise
            return SignUpResult(found, event_view, created=False)

    async def cancel(
        self, user_id: int, registration_id: int, now: datetime | None = None
    ) -> tuple[RegistrationView, list[RegistrationView]]:
        """Give up a seat or a queue position; the freed seat goes to the waitlist's first.

        Returns the cancelled registration and the registrations promoted in its place.
        """
        now = now or utcnow()
        async with self.db.transaction() as session:
            event_id = (
                await session.execute(
                    select(Registration.event_id).where(col(Registration.id) == registration_id)
                )
            ).scalar_one_or_none()
            if event_id is None:
                raise EventError("not_found")
            event = await lock_event(session, event_id)
            reg = await session.get(Registration, registration_id)
            assert reg is not None
            if reg.user_id != user_id:
                raise EventError("not_found")
            if reg.status == CANCELLED:
                return RegistrationView.of(reg), []
            if now >= event.starts_at:
                raise EventError("closed")
            await cancel_registration(session, reg, now, by="user")
            promoted = await fill_seats(session, event, now)
            return RegistrationView.of(reg), [RegistrationView.of(r) for r in promoted]

    async def set_reminders(self, user_id: int, enabled: bool, now: datetime | None = None) -> int:
        """Stop or resume this user's event reminders; returns how many reminders that touched.

        Turning them off cancels the pending ones in the outbox, so nothing depends on the
        dispatcher reading the flag; turning them on writes the upcoming ones again.
        """
        now = now or utcnow()
        async with self.db.transaction() as session:
            # Locked first: a concurrent promotion (which locks the user after the event)
            # either commits its reminders before we look, or reads the new flag.
            user = await lock_user(session, user_id)
            if user.reminders_enabled == enabled:
                return 0
            user.reminders_enabled = enabled
            rows = (
                await session.execute(
                    select(Registration, Event)
                    .join(Event, col(Event.id) == col(Registration.event_id))
                    .where(
                        col(Registration.user_id) == user_id,
                        col(Registration.status) == REGISTERED,
                        col(Event.starts_at) > now,
                    )
                )
            ).all()
            touched = 0
            for reg, event in rows:
                if enabled:
                    reg.reminder_rev += 1
                    await session.flush()
                    touched += await eo.write_reminders(session, user, event, reg, now)
                else:
                    touched += await eo.cancel_reminders(
                        session, event.id or 0, user_id, "reminders turned off"
                    )
            return touched


# --- helpers shared with the staff side ----------------------------------------------------


async def lock_event(session: AsyncSession, event_id: int) -> Event:
    event = (
        await session.execute(select(Event).where(col(Event.id) == event_id).with_for_update())
    ).scalar_one_or_none()
    if event is None:
        raise EventError("not_found")
    return event


async def lock_user(session: AsyncSession, user_id: int) -> User:
    user = (
        await session.execute(select(User).where(col(User.id) == user_id).with_for_update())
    ).scalar_one_or_none()
    if user is None:
        raise EventError("not_found")
    return user


async def counts(session: AsyncSession, event_id: int) -> tuple[int, int]:
    """(registered, waitlisted) for one event."""
    found = await count_many(session, [event_id])
    return found.get(event_id, (0, 0))


async def count_many(session: AsyncSession, ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    if not ids:
        return {}
    rows = await session.execute(
        select(Registration.event_id, Registration.status, func.count())
        .where(col(Registration.event_id).in_(ids), col(Registration.status).in_(ACTIVE))
        .group_by(col(Registration.event_id), col(Registration.status))
    )
    found: dict[int, list[int]] = {}
    for event_id, status, n in rows.all():
        found.setdefault(event_id, [0, 0])[0 if status == REGISTERED else 1] = int(n)
    return {k: (v[0], v[1]) for k, v in found.items()}


async def views(session: AsyncSession, events: Sequence[Event]) -> list[EventView]:
    found = await count_many(session, [e.id for e in events if e.id is not None])
    return [EventView.of(e, *found.get(e.id or 0, (0, 0))) for e in events]


async def cancel_registration(
    session: AsyncSession, reg: Registration, now: datetime, *, by: str
) -> None:
    """Cancel one registration (event row already locked); the queue behind it moves up."""
    position, was = reg.waitlist_position, reg.status
    reg.status, reg.waitlist_position = CANCELLED, None
    reg.cancelled_at, reg.cancelled_by = now, by
    await session.flush()
    await outbox.cancel_prefix(
        session, eo.user_prefix(reg.event_id, reg.user_id), f"registration cancelled by {by}"
    )
    if was == WAITLISTED and position is not None:
        await _shift_waitlist(session, reg.event_id, after=position, by=1)


async def fill_seats(session: AsyncSession, event: Event, now: datetime) -> list[Registration]:
    """Promote the waitlist, in order, into free seats (event row already locked)."""
    if event.status != PUBLISHED or now >= event.starts_at or event.id is None:
        return []
    registered, waitlisted = await counts(session, event.id)
    if not waitlisted:
        return []
    free = waitlisted if event.capacity is None else max(0, event.capacity - registered)
    if not free:
        return []
    promoted = list(
        (
            await session.execute(
                select(Registration)
                .where(
                    col(Registration.event_id) == event.id,
                    col(Registration.status) == WAITLISTED,
                )
                .order_by(col(Registration.waitlist_position))
                .limit(free)
            )
        ).scalars()
    )
    for reg in promoted:
        reg.status, reg.waitlist_position, reg.promoted_at = REGISTERED, None, now
    await session.flush()
    await _shift_waitlist(session, event.id, after=0, by=len(promoted))
    for reg in promoted:
        user = await lock_user(session, reg.user_id)
        await eo.write_reminders(session, user, event, reg, now)
        await eo.notify_promoted(session, user, event, reg, now)
    return promoted


async def promote_one(
    session: AsyncSession, event: Event, reg: Registration, now: datetime
) -> None:
    """Staff's hand-picked promotion of one waitlisted person (event row already locked)."""
    position = reg.waitlist_position
    reg.status, reg.waitlist_position, reg.promoted_at = REGISTERED, None, now
    await session.flush()
    if position is not None:
        await _shift_waitlist(session, reg.event_id, after=position, by=1)
    user = await lock_user(session, reg.user_id)
    await eo.write_reminders(session, user, event, reg, now)
    await eo.notify_promoted(session, user, event, reg, now)


async def _shift_waitlist(session: AsyncSession, event_id: int, *, after: int, by: int) -> None:
    if by:
        await session.execute(
            update(Registration)
            .where(
                col(Registration.event_id) == event_id,
                col(Registration.status) == WAITLISTED,
                col(Registration.waitlist_position) > after,
            )
            .values(waitlist_position=col(Registration.waitlist_position) - by)
        )


async def _active_of(session: AsyncSession, user_id: int, event_id: int) -> Registration | None:
    return (
        await session.execute(
            select(Registration).where(
                col(Registration.user_id) == user_id,
                col(Registration.event_id) == event_id,
                col(Registration.status).in_(ACTIVE),
            )
        )
    ).scalar_one_or_none()


def _clean_answers(answers: dict[str, str] | None, event: Event) -> dict[str, str]:
    """Only the event's own questions, each answer cut to a sane length."""
    asked = {str(q.get("id")) for q in event.questions}
    return {k: str(v).strip()[:500] for k, v in (answers or {}).items() if k in asked}
