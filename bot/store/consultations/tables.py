"""Consultation tables (consultants, slots, bookings) and the values the stores hand out.

Guarantees, on SQLite and PostgreSQL alike:
- a slot has at most one live booking: a partial unique index on bookings(slot_id) for every
  status but cancelled, and the slot row locked (FOR UPDATE) before the check on PostgreSQL;
- one resident's bookings are checked (max upcoming, no overlap) under a lock on their user
  row, so two concurrent bookings by one resident cannot both pass; SQLite's BEGIN IMMEDIATE
  serialises every writer anyway;
- reminders go into the outbox in the same transaction as the booking, and are cancelled or
  moved in the same transaction as a cancellation or reschedule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Text, false, text
from sqlmodel import Field, SQLModel

from bot.core.types import utcnow
from bot.store.types import JSONType, UTCDateTime

TOPICS = ("school", "medical", "living", "work")
MODES = ("in_person", "phone", "video")
BOOKED, CANCELLED, ATTENDED, NO_SHOW = "booked", "cancelled", "attended", "no_show"
REMINDER_KIND = "booking_reminder"
# Told to the resident when staff cancel or move their booking (bot/consultations/text.py).
CANCELLED_NOTICE_KIND = "booking_cancelled"
MOVED_NOTICE_KIND = "booking_moved"
REMINDER_OFFSETS = {"24h": timedelta(hours=24), "2h": timedelta(hours=2)}


class Consultant(SQLModel, table=True):
    """A staff member who gives consultations, in the languages and topics listed."""

    __tablename__ = "consultants"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=Column(String(128), nullable=False, unique=True))
    languages: list[str] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    topics: list[str] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    # The modes they offer (None: any).
    modes: list[str] | None = Field(default=None, sa_column=Column(JSONType))
    active: bool = Field(default=True, nullable=False)
    # Where video consultations with them happen: a meeting link, or an app and meeting id.
    video_link: str | None = Field(default=None, sa_column=Column(String(300)))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class Slot(SQLModel, table=True):
    """A time a consultant can see one resident (capacity 1)."""

    __tablename__ = "slots"

    id: int | None = Field(default=None, primary_key=True)
    consultant_id: int = Field(
        sa_column=Column(Integer, ForeignKey("consultants.id"), nullable=False)
    )
    starts_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    ends_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    topics: list[str] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    mode: str = Field(default="in_person", sa_column=Column(String(16), nullable=False))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    # Staff blocked this time: never offered or booked again (kept for its booking history).
    withdrawn_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class Booking(SQLModel, table=True):
    """A resident's hold on a slot; cancelled bookings stay as history."""

    __tablename__ = "bookings"

    id: int | None = Field(default=None, primary_key=True)
    slot_id: int = Field(sa_column=Column(Integer, ForeignKey("slots.id"), nullable=False))
    user_id: int = Field(
        sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    )
    status: str = Field(default=BOOKED, sa_column=Column(String(16), nullable=False))
    # Bumped by each reschedule, so the moved booking's reminders get fresh dedupe keys.
    revision: int = Field(default=0, nullable=False)
    topic: str = Field(sa_column=Column(String(32), nullable=False))
    language: str = Field(sa_column=Column(String(16), nullable=False))
    # Nobody speaks `language` at this time: staff arrange an interpreter.
    interpreter: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=false())
    )
    note: str | None = Field(default=None, sa_column=Column(Text))
    # How staff reach the resident for a phone or video consultation: "tel:+8613…" (E.164)
    # or "wechat:<WeChat ID>" (bot/consultations/contact.py); kept and erased like the note.
    contact: str | None = Field(default=None, sa_column=Column(String(80)))
    # Staff's own notes (the console); residents never see them.
    staff_note: str | None = Field(default=None, sa_column=Column(Text))
    # From the confirm button: a double tap carries the same key and gets the same booking.
    idempotency_key: str | None = Field(
        default=None, sa_column=Column(String(64), nullable=True, unique=True)
    )
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    cancelled_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


_live = "status <> 'cancelled'"
Index(
    "uq_bookings_live_slot",
    Booking.__table__.c.slot_id,  # type: ignore[attr-defined]
    unique=True,
    sqlite_where=text(_live),
    postgresql_where=text(_live),
)
Index(
    "ix_bookings_user_status",
    Booking.__table__.c.user_id,  # type: ignore[attr-defined]
    Booking.__table__.c.status,  # type: ignore[attr-defined]
)
Index(
    "ix_slots_consultant_starts",
    Slot.__table__.c.consultant_id,  # type: ignore[attr-defined]
    Slot.__table__.c.starts_at,  # type: ignore[attr-defined]
)


@dataclass(frozen=True)
class SlotView:
    id: int
    consultant_id: int
    consultant: str
    languages: tuple[str, ...]
    starts_at: datetime
    ends_at: datetime
    mode: str
    topics: tuple[str, ...]
    video_link: str | None = None  # the consultant's, for video slots

    @classmethod
    def of(cls, slot: Slot, consultant: Consultant) -> SlotView:
        assert slot.id is not None and consultant.id is not None
        return cls(
            slot.id,
            consultant.id,
            consultant.name,
            tuple(consultant.languages),
            slot.starts_at,
            slot.ends_at,
            slot.mode,
            tuple(slot.topics),
            consultant.video_link or None,
        )


@dataclass(frozen=True)
class BookingView:
    id: int
    status: str
    user_id: int
    topic: str
    language: str
    note: str | None
    slot: SlotView
    created_at: datetime
    interpreter: bool = False
    contact: str | None = None  # "tel:+86…" or "wechat:…" (bot/consultations/contact.py)
    staff_note: str | None = None
    revision: int = 0  # bumped by each reschedule: the calendar entry's SEQUENCE

    @classmethod
    def of(cls, booking: Booking, slot: Slot, consultant: Consultant) -> BookingView:
        assert booking.id is not None
        return cls(
            booking.id,
            booking.status,
            booking.user_id,
            booking.topic,
            booking.language,
            booking.note,
            SlotView.of(slot, consultant),
            booking.created_at,
            booking.interpreter,
            booking.contact,
            booking.staff_note,
            booking.revision,
        )


class BookingError(Exception):
    """A booking rule said no; `code` is stable, `alternatives` are free slots to offer."""

    def __init__(self, code: str, alternatives: list[SlotView] | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.alternatives: tuple[SlotView, ...] = tuple(alternatives or ())


@dataclass(frozen=True)
class BookResult:
    booking: BookingView
    created: bool  # False when a double tap found the booking already made


def reminder_payload(view: BookingView, when: str) -> dict[str, Any]:
    """What the reminder renderer needs; rendered in the user's locale only when sent."""
    return {
        "booking_id": view.id,
        "when": when,
        "starts_at": view.slot.starts_at.isoformat(),
        "ends_at": view.slot.ends_at.isoformat(),
        "mode": view.slot.mode,
        "consultant": view.slot.consultant,
        "topic": view.topic,
        "language": view.language,
        "video_link": view.slot.video_link,
    }
