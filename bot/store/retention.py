"""Keeping personal data only as long as allowed (PIPL): what the retention run deletes.

Each kind of personal data has its own period (settings RETENTION_*_DAYS; 0 keeps it):
- conversation state (flow, answers typed so far) untouched for that long is deleted;
- a booking's note, contacts and staff note are erased that long after its time (the
  booking row stays, for staff's counts);
- unanswered questions (the resident's words, kept for staff) and the activity log are
  deleted after their periods;
- a resident not heard from for that long is deleted with everything of theirs (bookings,
  registrations, messages, state: the database's cascades), unless a booking of theirs is
  still ahead; a web chat resident's browser sessions, page history and undelivered
  messages go too;
- a closed conversation with staff (its transcript) is deleted that long after it closed;
- a registration's answers to the event's sign-up questions are erased that long after the
  event ended (the registration row stays, for staff's attendance counts and check-ins);
- a feedback comment is erased that long after it was given (the 👍/👎 stays, for the
  statistics).
`run(dry_run=True)` counts what would go and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, exists, func, or_, select, update
from sqlmodel import col

from bot.core.types import utcnow
from bot.store.consultations.tables import BOOKED, Booking, Slot
from bot.store.db import Database
from bot.store.events.tables import Event, Registration
from bot.store.handoff.tables import CLOSED, HandoffConversation
from bot.store.inbox import WebInboxMessage
from bot.store.tables import ActivityLog, ConversationState, Feedback, UnansweredQuestion, User
from bot.store.webhistory import WebHistoryEntry
from bot.store.websessions import WebSession

KINDS = (
    "conversation_state",
    "booking_notes",
    "unanswered_questions",
    "activity_log",
    "inactive_residents",
    "transcripts",
    "registration_answers",
    "feedback_comments",
)


@dataclass(frozen=True)
class RetentionPolicy:
    """Days each kind is kept; 0 = kept until the resident asks (/privacy)."""

    state_days: int = 30
    booking_days: int = 90
    questions_days: int = 180
    activity_days: int = 365
    inactive_days: int = 730
    transcripts_days: int = 365
    registration_days: int = 90
    feedback_days: int = 365

    def days(self, kind: str) -> int:
        return {
            "conversation_state": self.state_days,
            "booking_notes": self.booking_days,
            "unanswered_questions": self.questions_days,
            "activity_log": self.activity_days,
            "inactive_residents": self.inactive_days,
            "transcripts": self.transcripts_days,
            "registration_answers": self.registration_days,
            "feedback_comments": self.feedback_days,
        }[kind]


class RetentionStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def run(
        self, policy: RetentionPolicy, *, dry_run: bool = False, now: datetime | None = None
    ) -> dict[str, int]:
        """Kind → rows deleted (or erased); with dry_run, rows that would be. One
        transaction per kind, so a failure in one leaves the others done."""
        now = now or utcnow()
        done: dict[str, int] = {}
        for kind in KINDS:
            days = policy.days(kind)
            if days <= 0:
                continue
            cutoff = now - timedelta(days=days)
            done[kind] = await getattr(self, "_" + kind)(cutoff, now, dry_run)
        return done

    async def _count(self, table: Any, where: Any) -> int:
        async with self.db.session() as session:
            stmt = select(func.count()).select_from(table).where(where)
            return int((await session.execute(stmt)).scalar_one())

    async def _delete(self, table: Any, where: Any, dry_run: bool) -> int:
        if dry_run:
            return await self._count(table, where)
        async with self.db.transaction() as session:
            result = await session.execute(delete(table).where(where))
            return int(result.rowcount)  # type: ignore[attr-defined]

    async def _conversation_state(self, cutoff: datetime, now: datetime, dry_run: bool) -> int:
        return await self._delete(
            ConversationState, col(ConversationState.updated_at) < cutoff, dry_run
        )

    async def _booking_notes(self, cutoff: datetime, now: datetime, dry_run: bool) -> int:
        past = select(col(Slot.id)).where(col(Slot.ends_at) < cutoff)
        where = and_(
            col(Booking.slot_id).in_(past),
            or_(
                col(Booking.note).is_not(None),
                col(Booking.contact).is_not(None),
                col(Booking.staff_note).is_not(None),
            ),
        )
        if dry_run:
            return await self._count(Booking, where)
        async with self.db.transaction() as session:
            result = await session.execute(
                update(Booking).where(where).values(note=None, contact=None, staff_note=None)
            )
            return int(result.rowcount)  # type: ignore[attr-defined]

    async def _unanswered_questions(self, cutoff: datetime, now: datetime, dry_run: bool) -> int:
        where = col(UnansweredQuestion.created_at) < cutoff
        return await self._delete(UnansweredQuestion, where, dry_run)

    async def _activity_log(self, cutoff: datetime, now: datetime, dry_run: bool) -> int:
        return await self._delete(ActivityLog, col(ActivityLog.created_at) < cutoff, dry_run)

    async def _inactive_residents(self, cutoff: datetime, now: datetime, dry_run: bool) -> int:
        ahead = exists(
            select(col(Booking.id))
            .join(Slot, col(Slot.id) == col(Booking.slot_id))
            .where(
                col(Booking.user_id) == col(User.id),
                col(Booking.status) == BOOKED,
                col(Slot.starts_at) > now,
            )
        )
        where = and_(col(User.last_seen) < cutoff, ~ahead)
        if dry_run:
            return await self._count(User, where)
        async with self.db.transaction() as session:
            web_ids = select(col(User.external_id)).where(where, col(User.channel) == "web")
            await session.execute(
                delete(WebSession).where(col(WebSession.external_id).in_(web_ids))
            )
            await session.execute(
                delete(WebInboxMessage).where(col(WebInboxMessage.external_id).in_(web_ids))
            )
            await session.execute(
                delete(WebHistoryEntry).where(col(WebHistoryEntry.external_id).in_(web_ids))
            )
            # Their votes stay, anonymous (the foreign key sets NULL), but not their words:
            # once anonymous, a comment could no longer be erased at the resident's request.
            gone = select(col(User.id)).where(where)
            await session.execute(
                update(Feedback).where(col(Feedback.user_id).in_(gone)).values(comment=None)
            )
            result = await session.execute(delete(User).where(where))
            return int(result.rowcount)  # type: ignore[attr-defined]

    async def _transcripts(self, cutoff: datetime, now: datetime, dry_run: bool) -> int:
        """Closed conversations with staff; their messages go by the database's cascade."""
        where = and_(
            col(HandoffConversation.status) == CLOSED,
            col(HandoffConversation.closed_at) < cutoff,
        )
        return await self._delete(HandoffConversation, where, dry_run)

    async def _registration_answers(self, cutoff: datetime, now: datetime, dry_run: bool) -> int:
        """What residents answered to a past event's sign-up questions; the registration row
        stays (staff's attendance counts, check-in history), its answers an empty dict."""
        # Every event has an end (events.ends_at is NOT NULL). `!= {}` skips rows already
        # empty: JSONB equality on PostgreSQL, the stored text "{}" on SQLite.
        past = select(col(Event.id)).where(col(Event.ends_at) < cutoff)
        where = and_(col(Registration.event_id).in_(past), col(Registration.answers) != {})
        if dry_run:
            return await self._count(Registration, where)
        async with self.db.transaction() as session:
            result = await session.execute(update(Registration).where(where).values(answers={}))
            return int(result.rowcount)  # type: ignore[attr-defined]

    async def _feedback_comments(self, cutoff: datetime, now: datetime, dry_run: bool) -> int:
        """A comment on an answer; the vote stays for the statistics."""
        where = and_(col(Feedback.created_at) < cutoff, col(Feedback.comment).is_not(None))
        if dry_run:
            return await self._count(Feedback, where)
        async with self.db.transaction() as session:
            result = await session.execute(update(Feedback).where(where).values(comment=None))
            return int(result.rowcount)  # type: ignore[attr-defined]
