"""Residents' bookings: book, cancel, reschedule, list — every rule checked in one transaction.

The tables and the values handed out live in bot/store/consultations/tables.py (re-exported here);
staff-side operations (consultants, publishing slots, marking attendance) in
bot/store/consultations/schedule.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.core.types import utcnow
from bot.store import outbox
from bot.store.consultations.tables import (
    ATTENDED,
    BOOKED,
    CANCELLED,
    CANCELLED_NOTICE_KIND,
    MODES,
    MOVED_NOTICE_KIND,
    NO_SHOW,
    REMINDER_KIND,
    REMINDER_OFFSETS,
    TOPICS,
    Booking,
    BookingError,
    BookingView,
    BookResult,
    Consultant,
    Slot,
    SlotView,
    reminder_payload,
)
from bot.store.db import Database
from bot.store.tables import User

__all__ = [
    "ATTENDED",
    "BOOKED",
    "CANCELLED",
    "MODES",
    "NO_SHOW",
    "OFFER_OTHERS",
    "TOPICS",
    "BookResult",
    "Booking",
    "BookingError",
    "BookingStore",
    "BookingView",
    "Consultant",
    "Slot",
    "SlotView",
]


@dataclass(frozen=True)
class _Request:
    topic: str
    language: str
    note: str | None
    interpreter: bool
    idempotency_key: str | None
    contact: str | None = None
    display_name: str | None = None
    on_behalf: bool = False


# Refusals that come with other free times to offer instead.
OFFER_OTHERS = frozenset({"just_taken", "closed", "not_open"})


def reminder_prefix(booking_id: int) -> str:
    return f"booking:{booking_id}:"


def notice_key(booking_id: int, what: str) -> str:
    """Outside reminder_prefix: nothing the resident does later cancels a notice already due."""
    return f"booking-notice:{booking_id}:{what}"


class BookingStore:
    def __init__(
        self,
        db: Database,
        *,
        cutoff: timedelta = timedelta(hours=2),
        max_upcoming: int = 2,
        window: timedelta = timedelta(days=14),
    ) -> None:
        self.db = db
        self.cutoff = cutoff
        self.max_upcoming = max_upcoming
        self.window = window

    # --- what residents can pick ------------------------------------------------------

    async def free_slots(
        self,
        *,
        topic: str | None = None,
        language: str | None = None,
        now: datetime | None = None,
        until: datetime | None = None,
        limit: int | None = None,
    ) -> list[SlotView]:
        """Open slots (not booked, not closed, active consultant) in time order.

        Topic and language are filtered here rather than in SQL: JSON arrays are queried
        differently on each database, and a fortnight of slots is a few hundred rows.
        """
        now = now or utcnow()
        until = until or now + self.window
        live = and_(col(Booking.slot_id) == col(Slot.id), col(Booking.status) != CANCELLED)
        query = (
            select(Slot, Consultant)
            .join(Consultant, col(Consultant.id) == col(Slot.consultant_id))
            .outerjoin(Booking, live)
            .where(
                col(Booking.id).is_(None),
                col(Consultant.active).is_(True),
                col(Slot.withdrawn_at).is_(None),
                col(Slot.starts_at) >= now + self.cutoff,
                col(Slot.starts_at) < until,
            )
            .order_by(col(Slot.starts_at), col(Slot.id))
        )
        async with self.db.session() as session:
            rows = (await session.execute(query)).all()
        views = [SlotView.of(slot, consultant) for slot, consultant in rows]
        views = [
            v
            for v in views
            if (topic is None or topic in v.topics)
            and (language is None or language in v.languages)
        ]
        return views[:limit] if limit is not None else views

    async def languages_offered(
        self, topic: str | None = None, now: datetime | None = None
    ) -> set[str]:
        """Languages with at least one open slot for `topic` in the booking window."""
        return {lang for v in await self.free_slots(topic=topic, now=now) for lang in v.languages}

    # --- book, cancel, reschedule --------------------------------------------------------

    async def book_slot(
        self,
        user_id: int,
        slot_id: int,
        *,
        topic: str,
        language: str,
        note: str | None = None,
        interpreter: bool = False,
        idempotency_key: str | None = None,
        contact: str | None = None,
        display_name: str | None = None,
        on_behalf: bool = False,
        now: datetime | None = None,
    ) -> BookResult:
        """Book `slot_id` for the user, or raise BookingError (just_taken carries alternatives).

        `contact` ("tel:…" or "wechat:…") is kept with the booking; `display_name` (the
        platform's name for the resident) on the user, for staff.

        `on_behalf`: staff booking for a walk-in or a caller may take any published slot until
        it starts (the cut-off and the window give residents' bookings notice; staff at the
        desk are the notice). Every other rule — one booking per slot, the resident's limit,
        no overlap — holds.
        """
        now = now or utcnow()
        request = _Request(
            topic, language, note, interpreter, idempotency_key, contact, display_name, on_behalf
        )
        try:
            async with self.db.transaction() as session:
                return await self._book(session, user_id, slot_id, request, now)
        except IntegrityError:
            # Lost a race on the live-slot index, or a concurrent double tap won with this key.
            if idempotency_key and (found := await self._by_key(idempotency_key, user_id)):
                return BookResult(found, created=False)
            raise BookingError(
                "just_taken", await self._alternatives(topic, language, now)
            ) from None
        except BookingError as exc:
            if exc.code in OFFER_OTHERS:
                alternatives = await self._alternatives(topic, language, now)
                raise BookingError(exc.code, alternatives) from None
            raise

    async def _book(
        self,
        session: AsyncSession,
        user_id: int,
        slot_id: int,
        request: _Request,
        now: datetime,
    ) -> BookResult:
        key = request.idempotency_key
        user = await self._lock_user(session, user_id)
        if key:
            existing = (
                await session.execute(select(Booking).where(Booking.idempotency_key == key))
            ).scalar_one_or_none()
            if existing is not None and existing.user_id == user_id:
                return BookResult(await self._view(session, existing), created=False)
        slot, consultant = await self._lock_slot(session, slot_id)
        holder = (
            await session.execute(
                select(Booking).where(Booking.slot_id == slot_id, Booking.status != CANCELLED)
            )
        ).scalar_one_or_none()
        if holder is not None:
            if holder.user_id == user_id and holder.status == BOOKED:
                return BookResult(await self._view(session, holder), created=False)
            raise BookingError("just_taken")
        if not consultant.active:
            raise BookingError("not_found")
        self._check_window(slot, now, request.on_behalf)
        upcoming = await self._upcoming(session, user_id, now)
        if len(upcoming) >= self.max_upcoming:
            raise BookingError("too_many")
        if any(_overlaps(s, slot) for _b, s in upcoming):
            raise BookingError("overlap")
        booking = Booking(
            slot_id=slot_id,
            user_id=user_id,
            status=BOOKED,
            topic=request.topic,
            language=request.language,
            interpreter=request.interpreter,
            note=(request.note or None) and request.note[:500],
            contact=request.contact or None,
            idempotency_key=key,
            created_at=now,
            updated_at=now,
        )
        if request.display_name:
            user.display_name = request.display_name[:128]
        session.add(booking)
        await session.flush()
        view = BookingView.of(booking, slot, consultant)
        await self._write_reminders(session, user, view, revision=0, now=now)
        return BookResult(view, created=True)

    async def cancel(
        self, user_id: int, booking_id: int, now: datetime | None = None, *, notify: bool = False
    ) -> BookingView:
        """Cancel the user's booking; the slot is free again and its reminders cancelled.

        `notify` (staff cancelled it): the resident is told, in the same transaction.
        """
        now = now or utcnow()
        async with self.db.transaction() as session:
            user = await self._lock_user(session, user_id)
            booking = await self._own_booking(session, user_id, booking_id)
            if booking.status == BOOKED:
                booking.status, booking.cancelled_at, booking.updated_at = CANCELLED, now, now
                await session.flush()
                await outbox.cancel_prefix(
                    session, reminder_prefix(booking_id), "booking cancelled"
                )
                view = await self._view(session, booking)
                if notify and view.slot.starts_at > now:
                    await self._notice(session, user, view, CANCELLED_NOTICE_KIND, "cancelled", now)
                return view
            if booking.status != CANCELLED:
                raise BookingError("not_cancellable")
            return await self._view(session, booking)

    async def cancel_by_staff(self, booking_id: int, now: datetime | None = None) -> BookingView:
        """Staff cancel a booking; the resident is told in their language (the outbox)."""
        return await self.cancel(await self._owner(booking_id), booking_id, now, notify=True)

    async def reschedule_by_staff(
        self, booking_id: int, new_slot_id: int, now: datetime | None = None
    ) -> BookingView:
        """Staff move a booking (any slot that has not started); the resident is told."""
        owner = await self._owner(booking_id)
        return await self.reschedule(
            owner, booking_id, new_slot_id, now, notify=True, on_behalf=True
        )

    async def set_staff_note(self, booking_id: int, note: str | None) -> BookingView:
        async with self.db.transaction() as session:
            booking = await session.get(Booking, booking_id, with_for_update=True)
            if booking is None:
                raise BookingError("not_found")
            booking.staff_note = (note or "").strip()[:2000] or None
            await session.flush()
            return await self._view(session, booking)

    async def reschedule(
        self,
        user_id: int,
        booking_id: int,
        new_slot_id: int,
        now: datetime | None = None,
        contact: str | None = None,
        *,
        notify: bool = False,
        on_behalf: bool = False,
    ) -> BookingView:
        """Move the booking to another slot in one transaction, or change nothing.

        `contact`, when given, replaces the booking's (a move to a phone or video time).
        `notify` and `on_behalf`: staff moved it (see cancel and book_slot).
        """
        now = now or utcnow()
        wanted: tuple[str | None, str | None] = (None, None)  # for alternatives after a rollback
        try:
            async with self.db.transaction() as session:
                user = await self._lock_user(session, user_id)
                booking = await self._own_booking(session, user_id, booking_id)
                wanted = (booking.topic, booking.language)
                if booking.status != BOOKED:
                    raise BookingError("not_cancellable")
                if booking.slot_id == new_slot_id:
                    return await self._view(session, booking)
                slot, consultant = await self._lock_slot(session, new_slot_id)
                taken = (
                    await session.execute(
                        select(Booking.id).where(
                            Booking.slot_id == new_slot_id, Booking.status != CANCELLED
                        )
                    )
                ).first()
                if taken is not None:
                    raise BookingError("just_taken")
                if not consultant.active:
                    raise BookingError("not_found")
                self._check_window(slot, now, on_behalf)
                was = await self._view(session, booking)
                others = [
                    s for b, s in await self._upcoming(session, user_id, now) if b.id != booking_id
                ]
                if any(_overlaps(s, slot) for s in others):
                    raise BookingError("overlap")
                await outbox.cancel_prefix(
                    session, reminder_prefix(booking_id), "booking rescheduled"
                )
                booking.slot_id, booking.updated_at = new_slot_id, now
                booking.contact = contact or booking.contact
                booking.revision += 1
                await session.flush()
                view = BookingView.of(booking, slot, consultant)
                await self._write_reminders(session, user, view, revision=booking.revision, now=now)
                if notify:
                    await self._notice(
                        session,
                        user,
                        view,
                        MOVED_NOTICE_KIND,
                        f"moved:r{booking.revision}",
                        now,
                        was_starts_at=was.slot.starts_at.isoformat(),
                    )
                return view
        except IntegrityError:
            raise BookingError("just_taken", await self._alternatives(*wanted, now)) from None
        except BookingError as exc:
            if exc.code in OFFER_OTHERS:
                raise BookingError(exc.code, await self._alternatives(*wanted, now)) from None
            raise

    # --- reading ------------------------------------------------------------------------

    async def upcoming_for(self, user_id: int, now: datetime | None = None) -> list[BookingView]:
        """The user's live bookings that have not ended yet, soonest first."""
        now = now or utcnow()
        async with self.db.session() as session:
            rows = await self._upcoming(session, user_id, now, with_consultant=True)
            return [await self._view(session, b) for b, _s in rows]

    async def get(self, booking_id: int) -> BookingView | None:
        async with self.db.session() as session:
            booking = await session.get(Booking, booking_id)
            return None if booking is None else await self._view(session, booking)

    async def slot(self, slot_id: int) -> SlotView | None:
        async with self.db.session() as session:
            row = (
                await session.execute(
                    select(Slot, Consultant)
                    .join(Consultant, col(Consultant.id) == col(Slot.consultant_id))
                    .where(Slot.id == slot_id)
                )
            ).first()
            return None if row is None else SlotView.of(row[0], row[1])

    # --- helpers ------------------------------------------------------------------------

    def _check_window(self, slot: Slot, now: datetime, on_behalf: bool = False) -> None:
        """Bookable from BOOKING_WINDOW_DAYS ahead until the cut-off, whatever the button said;
        staff booking on a resident's behalf may take any slot that has not started."""
        if slot.starts_at - self._cutoff(on_behalf) < now:
            raise BookingError("closed")
        if not on_behalf and slot.starts_at >= now + self.window:
            raise BookingError("not_open")

    def _cutoff(self, on_behalf: bool) -> timedelta:
        return timedelta(0) if on_behalf else self.cutoff

    async def _owner(self, booking_id: int) -> int:
        async with self.db.session() as session:
            booking = await session.get(Booking, booking_id)
        if booking is None:
            raise BookingError("not_found")
        return booking.user_id

    async def _notice(
        self,
        session: AsyncSession,
        user: User,
        view: BookingView,
        kind: str,
        what: str,
        now: datetime,
        **extra: str,
    ) -> None:
        assert user.id is not None
        await outbox.enqueue(
            session,
            user_id=user.id,
            channel=user.channel,
            kind=kind,
            payload={**reminder_payload(view, "notice"), **extra},
            due_at=now,
            dedupe_key=notice_key(view.id, what),
        )

    async def _lock_user(self, session: AsyncSession, user_id: int) -> User:
        """The user row, locked on PostgreSQL so one resident's bookings are checked in turn."""
        user = (
            await session.execute(select(User).where(User.id == user_id).with_for_update())
        ).scalar_one_or_none()
        if user is None:
            raise BookingError("not_found")
        return user

    async def _lock_slot(self, session: AsyncSession, slot_id: int) -> tuple[Slot, Consultant]:
        row = (
            await session.execute(
                select(Slot, Consultant)
                .join(Consultant, col(Consultant.id) == col(Slot.consultant_id))
                .where(Slot.id == slot_id)
                .with_for_update(of=Slot)
            )
        ).first()
        if row is None or row[0].withdrawn_at is not None:
            raise BookingError("not_found")
        return row[0], row[1]

    async def _own_booking(self, session: AsyncSession, user_id: int, booking_id: int) -> Booking:
        booking = (
            await session.execute(select(Booking).where(Booking.id == booking_id).with_for_update())
        ).scalar_one_or_none()
        if booking is None or booking.user_id != user_id:
            raise BookingError("not_found")
        return booking

    async def _upcoming(
        self, session: AsyncSession, user_id: int, now: datetime, with_consultant: bool = False
    ) -> list[tuple[Booking, Slot]]:
        rows = await session.execute(
            select(Booking, Slot)
            .join(Slot, col(Slot.id) == col(Booking.slot_id))
            .where(Booking.user_id == user_id, Booking.status == BOOKED, col(Slot.ends_at) > now)
            .order_by(col(Slot.starts_at))
        )
        return [(b, s) for b, s in rows.all()]

    async def _view(self, session: AsyncSession, booking: Booking) -> BookingView:
        slot, consultant = (
            await session.execute(
                select(Slot, Consultant)
                .join(Consultant, col(Consultant.id) == col(Slot.consultant_id))
                .where(Slot.id == booking.slot_id)
            )
        ).one()
        return BookingView.of(booking, slot, consultant)

    async def _by_key(self, key: str, user_id: int) -> BookingView | None:
        async with self.db.session() as session:
            booking = (
                await session.execute(select(Booking).where(Booking.idempotency_key == key))
            ).scalar_one_or_none()
            if booking is None or booking.user_id != user_id:
                return None
            return await self._view(session, booking)

    async def _write_reminders(
        self, session: AsyncSession, user: User, view: BookingView, *, revision: int, now: datetime
    ) -> None:
        assert user.id is not None
        for when, offset in REMINDER_OFFSETS.items():
            due = view.slot.starts_at - offset
            if due < now - timedelta(minutes=1):
                continue  # booked later than this reminder would have gone out
            await outbox.enqueue(
                session,
                user_id=user.id,
                channel=user.channel,
                kind=REMINDER_KIND,
                payload=reminder_payload(view, when),
                due_at=max(due, now),
                dedupe_key=f"{reminder_prefix(view.id)}r{revision}:{when}",
            )

    async def _alternatives(
        self, topic: str | None, language: str | None, now: datetime
    ) -> list[SlotView]:
        return await self.free_slots(topic=topic, language=language, now=now, limit=5)


def _overlaps(a: Slot, b: Slot) -> bool:
    return a.starts_at < b.ends_at and b.starts_at < a.ends_at
