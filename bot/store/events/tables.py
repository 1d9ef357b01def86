"""Event tables (events, registrations) and the values the event stores hand out.

Guarantees, on SQLite and PostgreSQL alike (bot/store/events/signup.py keeps them):
- an event never has more registered people than its capacity: every change to an event's
  registrations happens with the event row locked (FOR UPDATE on PostgreSQL; SQLite's
  BEGIN IMMEDIATE serialises every writer);
- the waitlist positions of an event are always 1..n without gaps or duplicates, and a
  freed seat goes to position 1 in the same transaction as the cancellation that freed it;
- a resident holds at most one active (registered or waitlisted) registration per event:
  a partial unique index, besides the check under the lock;
- reminders and notices are written to the outbox in the same transaction as the change
  that causes them, and cancelled in the same transaction as a cancellation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, Index, Integer, String, text
from sqlmodel import Field, SQLModel

from bot.core.types import utcnow
from bot.store.types import JSONType, UTCDateTime

CATEGORIES = ("jobs", "start-up", "business", "family", "health", "education", "community")
DRAFT, PUBLISHED, CANCELLED = "draft", "published", "cancelled"
EVENT_STATUSES = (DRAFT, PUBLISHED, CANCELLED)
REGISTERED, WAITLISTED = "registered", "waitlisted"  # and CANCELLED
# Locales an event's texts fall back to, in order, when the resident's locale is missing.
FALLBACK_LOCALES = ("en", "zh_Hans")


class Event(SQLModel, table=True):
    """Something the centre runs; texts are per locale ({"en": …, "zh_Hans": …})."""

    __tablename__ = "events"

    id: int | None = Field(default=None, primary_key=True)
    # Staff's own stable name for the event; importing a file again updates it.
    key: str | None = Field(default=None, sa_column=Column(String(64), unique=True))
    title: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    description: dict[str, str] = Field(
        default_factory=dict, sa_column=Column(JSONType, nullable=False)
    )
    category: str = Field(sa_column=Column(String(16), nullable=False))
    starts_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    ends_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    place: str = Field(default="", sa_column=Column(String(300), nullable=False))
    capacity: int | None = Field(default=None)  # None: unlimited
    registration_deadline: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    # [{"id": "children", "text": {"en": "How many children?", "zh_Hans": "…"}}]
    questions: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSONType, nullable=False)
    )
    status: str = Field(default=DRAFT, sa_column=Column(String(16), nullable=False))
    # The calendar entries' SEQUENCE: bumped by every change residents' calendars must follow
    # (time, place, title, description); a cancellation file carries it plus one.
    sequence: int = Field(
        default=0, sa_column=Column(Integer, nullable=False, server_default=text("0"))
    )
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class Registration(SQLModel, table=True):
    """A resident's place (or place in the queue) at an event; cancelled ones stay as history."""

    __tablename__ = "event_registrations"

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(sa_column=Column(Integer, ForeignKey("events.id"), nullable=False))
    user_id: int = Field(
        sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    )
    status: str = Field(sa_column=Column(String(16), nullable=False))
    waitlist_position: int | None = Field(default=None)
    answers: dict[str, str] = Field(
        default_factory=dict, sa_column=Column(JSONType, nullable=False)
    )
    # Bumped whenever the reminders are written again, so the new rows get fresh dedupe keys.
    reminder_rev: int = Field(default=0, nullable=False)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    promoted_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    cancelled_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    # "user" (the resident cancelled) or "event" (staff cancelled the event).
    cancelled_by: str | None = Field(default=None, sa_column=Column(String(16)))
    # Door check-in by staff.
    checked_in_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


_active = "status <> 'cancelled'"
Index(
    "uq_event_registrations_active",
    Registration.__table__.c.event_id,  # type: ignore[attr-defined]
    Registration.__table__.c.user_id,  # type: ignore[attr-defined]
    unique=True,
    sqlite_where=text(_active),
    postgresql_where=text(_active),
)
Index(
    "ix_event_registrations_event_status",
    Registration.__table__.c.event_id,  # type: ignore[attr-defined]
    Registration.__table__.c.status,  # type: ignore[attr-defined]
)
Index(
    "ix_event_registrations_user_status",
    Registration.__table__.c.user_id,  # type: ignore[attr-defined]
    Registration.__table__.c.status,  # type: ignore[attr-defined]
)


def localized(texts: dict[str, str], locale: str) -> str:
    """The text in `locale`, else English, else Simplified Chinese, else any there is."""
    for code in (locale, *FALLBACK_LOCALES):
        if texts.get(code):
            return texts[code]
    return next((t for t in texts.values() if t), "")


@dataclass(frozen=True)
class EventView:
    """An event as residents and staff see it, with its counts."""

    id: int
    key: str | None
    title: dict[str, str]
    description: dict[str, str]
    category: str
    starts_at: datetime
    ends_at: datetime
    place: str
    capacity: int | None
    registration_deadline: datetime | None
    questions: tuple[dict[str, Any], ...]
    status: str
    registered: int
    waitlisted: int
    sequence: int = 0  # the calendar entries' SEQUENCE (bot/events/ics.py)

    @classmethod
    def of(cls, event: Event, registered: int = 0, waitlisted: int = 0) -> EventView:
        assert event.id is not None
        return cls(
            event.id,
            event.key,
            dict(event.title),
            dict(event.description),
            event.category,
            event.starts_at,
            event.ends_at,
            event.place,
            event.capacity,
            event.registration_deadline,
            tuple(event.questions),
            event.status,
            registered,
            waitlisted,
            event.sequence or 0,
        )

    @property
    def closes_at(self) -> datetime:
        """Registration closes at the deadline or when the event starts, whichever is first."""
        if self.registration_deadline is None:
            return self.starts_at
        return min(self.registration_deadline, self.starts_at)

    @property
    def seats_left(self) -> int | None:
        """None when unlimited; 0 when full (newcomers join the waitlist)."""
        if self.capacity is None:
            return None
        return max(0, self.capacity - self.registered) if not self.waitlisted else 0

    def is_open(self, now: datetime) -> bool:
        return self.status == PUBLISHED and now < self.closes_at


@dataclass(frozen=True)
class RegistrationView:
    id: int
    event_id: int
    user_id: int
    status: str
    waitlist_position: int | None
    answers: dict[str, str]
    created_at: datetime
    checked_in_at: datetime | None = None
    promoted_at: datetime | None = None

    @classmethod
    def of(cls, reg: Registration) -> RegistrationView:
        assert reg.id is not None
        return cls(
            reg.id,
            reg.event_id,
            reg.user_id,
            reg.status,
            reg.waitlist_position,
            dict(reg.answers),
            reg.created_at,
            reg.checked_in_at,
            reg.promoted_at,
        )


class EventError(Exception):
    """An event rule said no; `code` is stable: not_found, closed, cancelled, not_yours."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class SignUpResult:
    registration: RegistrationView
    event: EventView
    created: bool  # False: the resident was already registered or waitlisted
