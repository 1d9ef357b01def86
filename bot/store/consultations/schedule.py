"""Staff side of consultations: consultants, publishing slots, the day's bookings, attendance.

Publishing slots is all-or-nothing: every new slot is checked (end after start, no overlap with
the others or with the consultant's existing slots) before any is written, in one transaction
that holds the consultant's row (FOR UPDATE on PostgreSQL; SQLite serialises writers).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.core.types import UserRef
from bot.store.consultations.tables import (
    ATTENDED,
    BOOKED,
    CANCELLED,
    MODES,
    NO_SHOW,
    TOPICS,
    Booking,
    BookingView,
    Consultant,
    Slot,
    SlotView,
)
from bot.store.db import Database
from bot.store.tables import User


class ScheduleError(Exception):
    """A staff command cannot be carried out; the message says why, and nothing was written."""


@dataclass(frozen=True)
class StaffBooking:
    """A booking with who made it, for staff lists and exports."""

    booking: BookingView
    user: UserRef
    user_locale: str | None
    display_name: str | None = None  # the platform's name for the resident, if known


@dataclass(frozen=True)
class SlotListing:
    slot: SlotView
    booking_status: str | None  # None when free


SHANGHAI = ZoneInfo("Asia/Shanghai")


class ScheduleStore:
    def __init__(self, db: Database, tz: ZoneInfo = SHANGHAI) -> None:
        self.db = db
        self.tz = tz  # only for the times in error messages

    def _at(self, dt: datetime, fmt: str = "%Y-%m-%d %H:%M") -> str:
        return dt.astimezone(self.tz).strftime(fmt)

    async def add_consultant(
        self,
        name: str,
        languages: list[str],
        topics: list[str],
        video_link: str | None = None,
    ) -> Consultant:
        name = name.strip()
        if not name:
            raise ScheduleError("The consultant needs a name.")
        if not languages:
            raise ScheduleError("Give at least one language the consultant consults in.")
        unknown = [t for t in topics if t not in TOPICS]
        if unknown or not topics:
            raise ScheduleError(
                f"Unknown topic(s) {', '.join(unknown) or '(none given)'}; "
                f"choose from {', '.join(TOPICS)}."
            )
        async with self.db.transaction() as session:
            if await self._by_name(session, name) is not None:
                raise ScheduleError(f"A consultant named {name!r} already exists.")
            consultant = Consultant(
                name=name, languages=languages, topics=topics, video_link=_link(video_link)
            )
            session.add(consultant)
            await session.flush()
            return consultant

    async def set_video_link(self, ref: str, video_link: str | None) -> Consultant:
        """Where their video consultations happen ("" or None: not set, residents are told
        the link will be sent)."""
        async with self.db.transaction() as session:
            consultant = await self._find(session, ref, lock=True)
            consultant.video_link = _link(video_link)
            await session.flush()
            return consultant

    async def consultants(self, include_inactive: bool = True) -> list[Consultant]:
        query = select(Consultant).order_by(col(Consultant.id))
        if not include_inactive:
            query = query.where(col(Consultant.active).is_(True))
        async with self.db.session() as session:
            return list((await session.execute(query)).scalars())

    async def count_consultants(self) -> int:
        async with self.db.session() as session:
            return int((await session.execute(select(func.count(col(Consultant.id))))).scalar_one())

    async def deactivate(self, ref: str) -> Consultant:
        """No new bookings with them; existing bookings stay for staff to move or keep."""
        async with self.db.transaction() as session:
            consultant = await self._find(session, ref)
            consultant.active = False
            await session.flush()
            return consultant

    async def add_slots(
        self,
        consultant_ref: str,
        times: list[tuple[datetime, datetime]],
        *,
        topics: list[str] | None = None,
        mode: str = "in_person",
    ) -> list[Slot]:
        """Publish slots for one consultant; all of them or (on any problem) none."""
        if mode not in MODES:
            raise ScheduleError(f"Unknown mode {mode!r}; choose from {', '.join(MODES)}.")
        if not times:
            raise ScheduleError("No slots to add (every date was skipped or the range is empty).")
        for start, end in times:
            if end <= start:
                raise ScheduleError(f"The slot ending {self._at(end)} ends before it starts.")
        ordered = sorted(times)
        for (_a_start, a_end), (b_start, _b_end) in pairwise(ordered):
            if b_start < a_end:
                raise ScheduleError(f"Two of the new slots overlap at {self._at(b_start)}.")
        async with self.db.transaction() as session:
            consultant = await self._find(session, consultant_ref, lock=True)
            slot_topics = topics or list(consultant.topics)
            unknown = [t for t in slot_topics if t not in consultant.topics]
            if unknown:
                raise ScheduleError(
                    f"{consultant.name} does not consult on {', '.join(unknown)} "
                    f"(their topics: {', '.join(consultant.topics)})."
                )
            existing = (
                await session.execute(
                    select(Slot).where(
                        Slot.consultant_id == consultant.id,
                        col(Slot.ends_at) > ordered[0][0],
                        col(Slot.starts_at) < ordered[-1][1],
                    )
                )
            ).scalars()
            busy = sorted((s.starts_at, s.ends_at) for s in existing)
            for start, end in ordered:
                clash = next((b for b in busy if b[0] < end and start < b[1]), None)
                if clash is not None:
                    raise ScheduleError(
                        f"{consultant.name} already has a slot {self._at(clash[0])}–"
                        f"{self._at(clash[1], '%H:%M')} overlapping the new one at "
                        f"{self._at(start)}; nothing was added."
                    )
            assert consultant.id is not None
            slots = [
                Slot(
                    consultant_id=consultant.id,
                    starts_at=start,
                    ends_at=end,
                    topics=slot_topics,
                    mode=mode,
                )
                for start, end in ordered
            ]
            session.add_all(slots)
            await session.flush()
            return slots

    async def slots_between(self, start: datetime, end: datetime) -> list[SlotListing]:
        async with self.db.session() as session:
            rows = await session.execute(
                select(Slot, Consultant, Booking.status)
                .join(Consultant, col(Consultant.id) == col(Slot.consultant_id))
                .outerjoin(
                    Booking,
                    (col(Booking.slot_id) == col(Slot.id)) & (col(Booking.status) != CANCELLED),
                )
                .where(col(Slot.starts_at) >= start, col(Slot.starts_at) < end)
                .order_by(col(Slot.starts_at), col(Consultant.name))
            )
            return [SlotListing(SlotView.of(s, c), status) for s, c, status in rows.all()]

    async def bookings_between(
        self,
        start: datetime,
        end: datetime | None = None,
        include_cancelled: bool = False,
        *,
        ending_after: datetime | None = None,
    ) -> list[StaffBooking]:
        """Bookings whose slot starts in [start, end) (no end: all later ones); with
        `ending_after`, only those still running or to come at that moment."""
        query = (
            select(Booking, Slot, Consultant, User)
            .join(Slot, col(Slot.id) == col(Booking.slot_id))
            .join(Consultant, col(Consultant.id) == col(Slot.consultant_id))
            .join(User, col(User.id) == col(Booking.user_id))
            .where(col(Slot.starts_at) >= start)
            .order_by(col(Slot.starts_at), col(Booking.id))
        )
        if end is not None:
            query = query.where(col(Slot.starts_at) < end)
        if ending_after is not None:
            query = query.where(col(Slot.ends_at) > ending_after)
        if not include_cancelled:
            query = query.where(col(Booking.status) != CANCELLED)
        async with self.db.session() as session:
            rows = (await session.execute(query)).all()
        return [
            StaffBooking(
                BookingView.of(b, s, c), UserRef(u.channel, u.external_id), u.locale, u.display_name
            )
            for b, s, c, u in rows
        ]

    async def mark_attendance(self, booking_id: int, status: str) -> BookingView:
        """Attended or no-show; a cancelled booking cannot be marked."""
        if status not in {ATTENDED, NO_SHOW, BOOKED}:
            raise ScheduleError(f"Unknown attendance {status!r}.")
        async with self.db.transaction() as session:
            booking = await session.get(Booking, booking_id, with_for_update=True)
            if booking is None or booking.status == CANCELLED:
                raise ScheduleError(f"No live booking {booking_id}.")
            booking.status = status
            await session.flush()
            slot = await session.get(Slot, booking.slot_id)
            assert slot is not None
            consultant = await session.get(Consultant, slot.consultant_id)
            assert consultant is not None
            return BookingView.of(booking, slot, consultant)

    async def _by_name(self, session: AsyncSession, name: str) -> Consultant | None:
        return (
            await session.execute(
                select(Consultant).where(func.lower(Consultant.name) == name.lower())
            )
        ).scalar_one_or_none()

    async def _find(self, session: AsyncSession, ref: str, lock: bool = False) -> Consultant:
        """A consultant by id or by (case-insensitive) name."""
        query = (
            select(Consultant).where(Consultant.id == int(ref))
            if ref.strip().isdigit()
            else select(Consultant).where(func.lower(Consultant.name) == ref.strip().lower())
        )
        if lock:
            query = query.with_for_update()
        consultant = (await session.execute(query)).scalar_one_or_none()
        if consultant is None:
            raise ScheduleError(
                f"No consultant {ref!r} (see `linzhu consultants list` for ids and names)."
            )
        return consultant


def _link(value: str | None) -> str | None:
    value = (value or "").strip()
    if len(value) > 300:
        raise ScheduleError("The video link is too long (at most 300 characters).")
    return value or None


__all__ = ["BOOKED", "ScheduleError", "ScheduleStore", "SlotListing", "StaffBooking"]
