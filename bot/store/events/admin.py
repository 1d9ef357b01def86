"""Staff operations on events: add or update from a file, publish, cancel, list, announce."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import col, select

from bot.core.types import utcnow
from bot.store import outbox
from bot.store.db import Database
from bot.store.events import outbox as eo
from bot.store.events.signup import (
    ACTIVE,
    cancel_registration,
    counts,
    fill_seats,
    lock_event,
    promote_one,
    views,
)
from bot.store.events.tables import (
    CANCELLED,
    DRAFT,
    PUBLISHED,
    REGISTERED,
    WAITLISTED,
    Event,
    EventError,
    EventView,
    Registration,
    RegistrationView,
)
from bot.store.tables import User


@dataclass(frozen=True)
class EventSpec:
    """A validated event, as staff described it (bot/events/importer.py builds these)."""

    title: dict[str, str]
    category: str
    starts_at: datetime
    ends_at: datetime
    place: str = ""
    description: dict[str, str] = field(default_factory=dict)
    capacity: int | None = None
    registration_deadline: datetime | None = None
    questions: list[dict[str, Any]] = field(default_factory=list)
    status: str | None = None  # None: draft when new, unchanged when updating
    key: str | None = None


@dataclass(frozen=True)
class Attendee:
    registration: RegistrationView
    channel: str
    external_id: str
    locale: str | None
    name: str | None = None
    contact: str | None = None
    checked_in_at: datetime | None = None


class EventAdmin:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def save(self, specs: list[EventSpec], now: datetime | None = None) -> list[EventView]:
        """Create the events, or update those whose key exists — all of them or none."""
        now = now or utcnow()
        saved: list[Event] = []
        async with self.db.transaction() as session:
            for spec in specs:
                existing_id = None
                if spec.key:
                    existing_id = (
                        await session.execute(select(Event.id).where(col(Event.key) == spec.key))
                    ).scalar_one_or_none()
                if existing_id is None:
                    event = Event(
                        **{"status": DRAFT, **_fields(spec)}, created_at=now, updated_at=now
                    )
                    session.add(event)
                    await session.flush()
                else:
                    event = await lock_event(session, existing_id)
                    if event.status == CANCELLED:
                        raise EventError("cancelled")
                    before = _calendar_fields(event)
                    moved = (event.starts_at, event.ends_at, event.place) != (
                        spec.starts_at,
                        spec.ends_at,
                        spec.place,
                    )
                    for name, value in _fields(spec).items():
                        setattr(event, name, value)
                    if _calendar_fields(event) != before:
                        event.sequence = (event.sequence or 0) + 1  # calendars must follow
                    event.updated_at = now
                    await session.flush()
                    if moved:
                        await _rewrite_reminders(session, event, now)
                    await fill_seats(session, event, now)  # more seats, or just published
                saved.append(event)
            return await views(session, saved)

    async def update(
        self, event_id: int, spec: EventSpec, now: datetime | None = None
    ) -> tuple[EventView, EventView]:
        """Change an event from the console: (before, after). A new start time moves the
        reminders; more seats go to the waitlist at once."""
        now = now or utcnow()
        async with self.db.transaction() as session:
            event = await lock_event(session, event_id)
            if event.status == CANCELLED:
                raise EventError("cancelled")
            before = (await views(session, [event]))[0]
            fields = _fields(spec)
            if spec.key is None:
                fields.pop("key")  # the console does not edit the import key
            for name, value in fields.items():
                setattr(event, name, value)
            event.updated_at = now
            await session.flush()
            if before.starts_at != event.starts_at:
                await _rewrite_reminders(session, event, now)
            await fill_seats(session, event, now)
            return before, (await views(session, [event]))[0]

    async def add_seats(self, event_id: int, seats: int, now: datetime | None = None) -> EventView:
        """More capacity; the waitlist moves into the new seats in order, each told."""
        now = now or utcnow()
        if seats < 1:
            raise EventError("bad_seats")
        async with self.db.transaction() as session:
            event = await lock_event(session, event_id)
            if event.status == CANCELLED:
                raise EventError("cancelled")
            if event.capacity is not None:
                event.capacity += seats
                event.updated_at = now
                await session.flush()
                await fill_seats(session, event, now)
            return (await views(session, [event]))[0]

    async def promote(
        self, event_id: int, registration_id: int, now: datetime | None = None
    ) -> EventView:
        """Give a waitlisted person a seat now, out of turn; adds a seat when the event is full."""
        now = now or utcnow()
        async with self.db.transaction() as session:
            event = await lock_event(session, event_id)
            if event.status == CANCELLED:
                raise EventError("cancelled")
            reg = await session.get(Registration, registration_id, with_for_update=True)
            if reg is None or reg.event_id != event_id or reg.status != WAITLISTED:
                raise EventError("not_found")
            registered, _waitlisted = await counts(session, event_id)
            if event.capacity is not None and registered >= event.capacity:
                event.capacity = registered + 1
            await promote_one(session, event, reg, now)
            return (await views(session, [event]))[0]

    async def check_in(
        self, event_id: int, registration_id: int, present: bool = True
    ) -> RegistrationView:
        """Mark a registered person as arrived at the door (or undo it)."""
        async with self.db.transaction() as session:
            reg = await session.get(Registration, registration_id, with_for_update=True)
            if reg is None or reg.event_id != event_id or reg.status != REGISTERED:
                raise EventError("not_found")
            reg.checked_in_at = utcnow() if present else None
            await session.flush()
            return RegistrationView.of(reg)

    async def publish(self, event_id: int, now: datetime | None = None) -> EventView:
        now = now or utcnow()
        async with self.db.transaction() as session:
            event = await lock_event(session, event_id)
            if event.status == CANCELLED:
                raise EventError("cancelled")
            event.status, event.updated_at = PUBLISHED, now
            await session.flush()
            return (await views(session, [event]))[0]

    async def cancel_event(self, event_id: int, now: datetime | None = None) -> int:
        """Cancel the event and every registration; tell each of them. Returns how many."""
        now = now or utcnow()
        async with self.db.transaction() as session:
            event = await lock_event(session, event_id)
            if event.status == CANCELLED:
                return 0
            event.status, event.updated_at = CANCELLED, now
            regs = list(
                (
                    await session.execute(
                        select(Registration).where(
                            col(Registration.event_id) == event_id,
                            col(Registration.status).in_(ACTIVE),
                        )
                    )
                ).scalars()
            )
            was = {r.user_id: (r.status, r) for r in regs}
            for reg in regs:
                await cancel_registration(session, reg, now, by="event")
            # Reminders, promotion notices, announcements not yet sent: all moot now.
            await outbox.cancel_prefix(session, eo.event_prefix(event_id), "event cancelled")
            if now >= event.ends_at:
                return 0
            users = await _users(session, list(was))
            for user in users:
                status, reg = was[user.id or 0]
                await eo.notify_cancelled(session, user, event, reg, status, now)
            return len(users)

    async def notify(
        self,
        event_id: int,
        texts: dict[str, str],
        *,
        include_waitlist: bool = False,
        now: datetime | None = None,
    ) -> int:
        """Queue one announcement to everyone registered (and waitlisted, if asked)."""
        now = now or utcnow()
        statuses = ACTIVE if include_waitlist else (REGISTERED,)
        tag = uuid.uuid4().hex[:10]
        async with self.db.transaction() as session:
            event = await lock_event(session, event_id)
            if event.status == CANCELLED:
                raise EventError("cancelled")
            user_ids = (
                await session.execute(
                    select(Registration.user_id).where(
                        col(Registration.event_id) == event_id,
                        col(Registration.status).in_(statuses),
                    )
                )
            ).scalars()
            sent = 0
            for user in await _users(session, list(user_ids)):
                sent += await eo.announce(session, user, event, texts, tag, now)
            return sent

    async def list_events(
        self, *, include_past: bool = False, now: datetime | None = None
    ) -> list[EventView]:
        now = now or utcnow()
        query = select(Event).order_by(col(Event.starts_at), col(Event.id))
        if not include_past:
            query = query.where(col(Event.ends_at) > now)
        async with self.db.session() as session:
            return await views(session, list((await session.execute(query)).scalars()))

    async def attendees(self, event_id: int) -> tuple[EventView, list[Attendee]]:
        """Registered people in sign-up order, then the waitlist in its order."""
        async with self.db.session() as session:
            event = await session.get(Event, event_id)
            if event is None:
                raise EventError("not_found")
            rows = list(
                (
                    await session.execute(
                        select(Registration, User)
                        .join(User, col(User.id) == col(Registration.user_id))
                        .where(
                            col(Registration.event_id) == event_id,
                            col(Registration.status).in_(ACTIVE),
                        )
                    )
                ).all()
            )
            rows.sort(
                key=lambda r: (
                    r[0].status != REGISTERED,
                    r[0].waitlist_position or 0,
                    r[0].promoted_at or r[0].created_at,
                    r[0].id,
                )
            )
            people = [
                Attendee(
                    RegistrationView.of(reg),
                    user.channel,
                    user.external_id,
                    user.locale,
                    user.display_name,
                    user.contact,
                    reg.checked_in_at,
                )
                for reg, user in rows
            ]
            return (await views(session, [event]))[0], people


def _calendar_fields(event: Event) -> tuple[Any, ...]:
    """What a resident's calendar entry shows: a change here bumps the SEQUENCE."""
    return (
        dict(event.title),
        dict(event.description),
        event.starts_at,
        event.ends_at,
        event.place,
    )


def _fields(spec: EventSpec) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "key": spec.key,
        "title": dict(spec.title),
        "description": dict(spec.description),
        "category": spec.category,
        "starts_at": spec.starts_at,
        "ends_at": spec.ends_at,
        "place": spec.place,
        "capacity": spec.capacity,
        "registration_deadline": spec.registration_deadline,
        "questions": list(spec.questions),
    }
    if spec.status is not None:
        fields["status"] = spec.status
    return fields


async def _users(session: Any, user_ids: list[int]) -> list[User]:
    if not user_ids:
        return []
    rows = await session.execute(
        select(User).where(col(User.id).in_(user_ids)).order_by(col(User.id))
    )
    return list(rows.scalars())


async def _rewrite_reminders(session: Any, event: Event, now: datetime) -> None:
    """The event moved: its reminders go out at the new times instead, and each registered
    resident is told, with the updated calendar file."""
    assert event.id is not None
    regs = (
        await session.execute(
            select(Registration, User)
            .join(User, col(User.id) == col(Registration.user_id))
            .where(col(Registration.event_id) == event.id, col(Registration.status) == REGISTERED)
        )
    ).all()
    for reg, user in regs:
        await eo.cancel_reminders(session, event.id, reg.user_id, "event moved")
        reg.reminder_rev += 1
        await session.flush()
        await eo.write_reminders(session, user, event, reg, now)
        if event.status == PUBLISHED and now < event.ends_at:
            await eo.notify_changed(session, user, event, reg, now)
