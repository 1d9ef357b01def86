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

from sqlalchemy import func, or_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.core.types import UserRef, utcnow
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
    display_name: str | None = None  # the platform's, or the name staff gave them
    contact: str | None = None  # a walk-in's phone number or e-mail, as staff typed it


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
            if consultant.modes is not None and mode not in consultant.modes:
                raise ScheduleError(
                    f"{consultant.name} does not consult {mode} "
                    f"(their modes: {', '.join(consultant.modes)})."
                )
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
                        col(Slot.withdrawn_at).is_(None),
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
                .where(
                    col(Slot.starts_at) >= start,
                    col(Slot.starts_at) < end,
                    col(Slot.withdrawn_at).is_(None),
                )
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
        return [_staff_booking(b, s, c, u) for b, s, c, u in rows]

    async def search_bookings(
        self,
        start: datetime,
        end: datetime,
        *,
        consultant_id: int | None = None,
        status: str | None = None,
        user_id: int | None = None,
        text: str | None = None,
        limit: int = 500,
    ) -> list[StaffBooking]:
        """Bookings whose slot starts in [start, end), filtered as staff asked.

        `text` matches the resident's name, contact or chat id, the consultant's name, or the
        notes (case-insensitive substring).
        """
        query = (
            select(Booking, Slot, Consultant, User)
            .join(Slot, col(Slot.id) == col(Booking.slot_id))
            .join(Consultant, col(Consultant.id) == col(Slot.consultant_id))
            .join(User, col(User.id) == col(Booking.user_id))
            .where(col(Slot.starts_at) >= start, col(Slot.starts_at) < end)
            .order_by(col(Slot.starts_at), col(Booking.id))
            .limit(limit)
        )
        if consultant_id is not None:
            query = query.where(col(Slot.consultant_id) == consultant_id)
        if status:
            query = query.where(col(Booking.status) == status)
        if user_id is not None:
            query = query.where(col(Booking.user_id) == user_id)
        if text and text.strip():
            like = f"%{text.strip().lower()}%"
            query = query.where(
                or_(
                    func.lower(func.coalesce(User.display_name, "")).like(like),
                    func.lower(func.coalesce(User.contact, "")).like(like),
                    func.lower(User.external_id).like(like),
                    func.lower(Consultant.name).like(like),
                    func.lower(func.coalesce(Booking.note, "")).like(like),
                    func.lower(func.coalesce(Booking.staff_note, "")).like(like),
                )
            )
        async with self.db.session() as session:
            rows = (await session.execute(query)).all()
        return [_staff_booking(b, s, c, u) for b, s, c, u in rows]

    async def consultant(self, consultant_id: int) -> Consultant | None:
        async with self.db.session() as session:
            return await session.get(Consultant, consultant_id)

    async def update_consultant(
        self,
        consultant_id: int,
        *,
        name: str,
        languages: list[str],
        topics: list[str],
        modes: list[str] | None,
        video_link: str | None,
        active: bool,
    ) -> tuple[dict[str, object], Consultant]:
        """Change a consultant; returns what it was before (for the audit log) and the result."""
        name = name.strip()
        if not name:
            raise ScheduleError("The consultant needs a name.")
        if not languages:
            raise ScheduleError("Give at least one language the consultant consults in.")
        if not topics or any(t not in TOPICS for t in topics):
            raise ScheduleError(f"Choose topics from {', '.join(TOPICS)}.")
        if modes is not None and (not modes or any(m not in MODES for m in modes)):
            raise ScheduleError(f"Choose modes from {', '.join(MODES)}.")
        link = (video_link or "").strip() or None
        if link is not None and not link.startswith("https://"):
            raise ScheduleError("A video link must start with https://")
        async with self.db.transaction() as session:
            consultant = await self._find(session, str(consultant_id), lock=True)
            other = await self._by_name(session, name)
            if other is not None and other.id != consultant.id:
                raise ScheduleError(f"A consultant named {name!r} already exists.")
            before = _consultant_fields(consultant)
            consultant.name, consultant.languages, consultant.topics = name, languages, topics
            consultant.modes, consultant.video_link, consultant.active = modes, link, active
            await session.flush()
            return before, consultant

    async def block_time(
        self, consultant_ref: str, start: datetime, end: datetime
    ) -> tuple[int, list[SlotListing]]:
        """Remove the consultant's free slots in [start, end): (how many, the booked ones left).

        Booked slots stay: staff move or cancel those bookings (the resident is told).
        """
        if end <= start:
            raise ScheduleError("The end is before the start.")
        async with self.db.transaction() as session:
            consultant = await self._find(session, consultant_ref, lock=True)
            rows = (
                await session.execute(
                    select(Slot, Booking.status)
                    .outerjoin(
                        Booking,
                        (col(Booking.slot_id) == col(Slot.id)) & (col(Booking.status) != CANCELLED),
                    )
                    .where(
                        col(Slot.consultant_id) == consultant.id,
                        col(Slot.starts_at) < end,
                        col(Slot.ends_at) > start,
                        col(Slot.withdrawn_at).is_(None),
                    )
                    .order_by(col(Slot.starts_at))
                )
            ).all()
            free = [slot.id for slot, status in rows if status is None]
            kept = [SlotListing(SlotView.of(s, consultant), st) for s, st in rows if st]
            await self._withdraw(session, free)
            return len(free), kept

    async def withdraw_slot(self, slot_id: int) -> SlotView:
        """Withdraw one free slot (a booked one must be cancelled or moved first)."""
        async with self.db.transaction() as session:
            row = (
                await session.execute(
                    select(Slot, Consultant)
                    .join(Consultant, col(Consultant.id) == col(Slot.consultant_id))
                    .where(col(Slot.id) == slot_id)
                    .with_for_update(of=Slot)
                )
            ).first()
            if row is None:
                raise ScheduleError(f"No slot {slot_id}.")
            live = (
                await session.execute(
                    select(Booking.id).where(
                        col(Booking.slot_id) == slot_id, col(Booking.status) != CANCELLED
                    )
                )
            ).first()
            if live is not None:
                raise ScheduleError("That slot is booked: cancel or move the booking first.")
            view = SlotView.of(row[0], row[1])
            await self._withdraw(session, [slot_id])
            return view

    async def _withdraw(self, session: AsyncSession, slot_ids: list[int | None]) -> None:
        """Withdrawn slots stay as history (cancelled bookings point at them) but are never
        offered, booked or counted as busy again."""
        ids = [i for i in slot_ids if i is not None]
        if ids:
            await session.execute(
                update(Slot).where(col(Slot.id).in_(ids)).values(withdrawn_at=utcnow())
            )

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


def _staff_booking(b: Booking, s: Slot, c: Consultant, u: User) -> StaffBooking:
    return StaffBooking(
        BookingView.of(b, s, c),
        UserRef(u.channel, u.external_id),
        u.locale,
        u.display_name,
        u.contact,
    )


def _consultant_fields(c: Consultant) -> dict[str, object]:
    return {
        "name": c.name,
        "languages": list(c.languages),
        "topics": list(c.topics),
        "modes": list(c.modes) if c.modes is not None else None,
        "video_link": c.video_link,
        "active": c.active,
    }


__all__ = ["BOOKED", "ScheduleError", "ScheduleStore", "SlotListing", "StaffBooking"]
