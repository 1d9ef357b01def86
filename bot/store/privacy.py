"""What Linzhu stores about one resident, and erasing it on their request (/privacy)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, select, update
from sqlmodel import col

from bot.core.context import UserRecord
from bot.core.types import utcnow
from bot.store.consultations.tables import Booking, Consultant, Slot
from bot.store.db import Database
from bot.store.events.tables import Event, EventError, Registration
from bot.store.handoff.tables import HandoffAttachment, HandoffConversation, HandoffMessage
from bot.store.inbox import WebInboxMessage
from bot.store.outbox import OutboxMessage
from bot.store.tables import ActivityLog, ConversationState, Feedback, UnansweredQuestion, User
from bot.store.webhistory import WebHistoryEntry
from bot.store.websessions import WebSession

if TYPE_CHECKING:
    from bot.store.consultations.bookings import BookingStore
    from bot.store.events.signup import EventStore


@dataclass(frozen=True)
class StoredData:
    questions: int  # questions passed on to staff
    feedback: int  # answers rated
    pending_messages: int  # reminders and notices not yet sent
    conversations: int = 0  # conversations with staff (transcripts)


class PrivacyStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def summary(self, user_id: int) -> StoredData:
        async with self.db.session() as session:

            async def count(table: type, *where: object) -> int:
                stmt = select(func.count()).select_from(table).where(*where)  # type: ignore[arg-type]
                return int((await session.execute(stmt)).scalar_one())

            return StoredData(
                questions=await count(
                    UnansweredQuestion, col(UnansweredQuestion.user_id) == user_id
                ),
                feedback=await count(Feedback, col(Feedback.user_id) == user_id),
                pending_messages=await count(
                    OutboxMessage,
                    col(OutboxMessage.user_id) == user_id,
                    col(OutboxMessage.status).in_(["pending", "sending"]),
                ),
                conversations=await count(
                    HandoffConversation, col(HandoffConversation.user_id) == user_id
                ),
            )

    async def export(self, user_id: int) -> dict[str, Any]:
        """Everything kept about one resident, as JSON-ready data (a request for their data)."""
        async with self.db.session() as session:
            user = await session.get(User, user_id)
            if user is None:
                return {}

            async def rows(query: Any) -> list[Any]:
                return list((await session.execute(query)).all())

            bookings = await rows(
                select(Booking, Slot, Consultant)
                .join(Slot, col(Slot.id) == col(Booking.slot_id))
                .join(Consultant, col(Consultant.id) == col(Slot.consultant_id))
                .where(col(Booking.user_id) == user_id)
                .order_by(col(Booking.id))
            )
            registrations = await rows(
                select(Registration, Event)
                .join(Event, col(Event.id) == col(Registration.event_id))
                .where(col(Registration.user_id) == user_id)
                .order_by(col(Registration.id))
            )
            questions = await rows(
                select(UnansweredQuestion).where(col(UnansweredQuestion.user_id) == user_id)
            )
            feedback = await rows(select(Feedback).where(col(Feedback.user_id) == user_id))
            messages = await rows(
                select(OutboxMessage).where(col(OutboxMessage.user_id) == user_id)
            )
            transcript = await rows(
                select(HandoffConversation, HandoffMessage)
                .join(
                    HandoffMessage,
                    col(HandoffMessage.conversation_id) == col(HandoffConversation.id),
                )
                .where(col(HandoffConversation.user_id) == user_id)
                .order_by(col(HandoffMessage.id))
            )
        return {
            "resident": {
                "id": user.id,
                "channel": user.channel,
                "chat_id": user.external_id,
                "name": user.display_name,
                "contact": user.contact,
                "language": user.locale,
                "first_seen": user.first_seen.isoformat(),
                "last_seen": user.last_seen.isoformat(),
                "reminders": user.reminders_enabled,
            },
            "bookings": [
                {
                    "id": b.id,
                    "status": b.status,
                    "starts_at": s.starts_at.isoformat(),
                    "consultant": c.name,
                    "topic": b.topic,
                    "language": b.language,
                    "note": b.note,
                }
                for b, s, c in bookings
            ],
            "conversations_with_staff": [
                {
                    "conversation": conv.id,
                    "from": {"in": "resident", "out": "staff"}.get(m.direction, "assistant"),
                    "at": m.created_at.isoformat(),
                    "text": m.text,
                }
                for conv, m in transcript
            ],
            "event_registrations": [
                {
                    "id": r.id,
                    "event": e.title,
                    "starts_at": e.starts_at.isoformat(),
                    "status": r.status,
                    "answers": r.answers,
                }
                for r, e in registrations
            ],
            "questions": [{"text": q.text, "at": q.created_at.isoformat()} for (q,) in questions],
            "feedback": [
                {"topic": f.topic, "helpful": f.helpful, "at": f.created_at.isoformat()}
                for (f,) in feedback
            ],
            "messages": [
                {"kind": m.kind, "status": m.status, "due_at": m.due_at.isoformat()}
                for (m,) in messages
            ],
        }

    async def erase_everything(
        self, user: UserRecord, bookings: BookingStore, events: EventStore
    ) -> None:
        """/privacy's delete and the console's: bookings and registrations are cancelled by
        their own stores (slots freed, the waitlist moved up), then everything else erased."""
        assert user.id is not None
        for booking in await bookings.upcoming_for(user.id):
            await bookings.cancel(user.id, booking.id)
        for registration, _event in await events.registrations_for(user.id):
            with contextlib.suppress(EventError):  # the event has started: nothing to give back
                await events.cancel(user.id, registration.id)
        await self.erase(user)

    async def erase(self, user: UserRecord) -> None:
        """Delete everything kept about the user, in one transaction.

        Bookings and registrations are cancelled first by their own stores (slots freed,
        the waitlist moved up); their rows stay for staff's records without what the resident
        wrote (notes, contacts, sign-up answers). What stays of the user is the bare row
        (channel and chat id, needed to answer their next message), its language and name
        forgotten.
        """
        user_id = user.id
        async with self.db.transaction() as session:
            if user.channel == "web":
                # The web chat's undelivered messages, by chat id; and every browser session
                # of this user ends (the next visit starts afresh as someone new).
                await session.execute(
                    delete(WebInboxMessage).where(
                        col(WebInboxMessage.external_id) == user.external_id
                    )
                )
                await session.execute(
                    delete(WebSession).where(col(WebSession.external_id) == user.external_id)
                )
                # The conversation the page would show again after a reload.
                await session.execute(
                    delete(WebHistoryEntry).where(
                        col(WebHistoryEntry.external_id) == user.external_id
                    )
                )
            # Conversations with staff and their transcripts.
            handoffs = select(col(HandoffConversation.id)).where(
                col(HandoffConversation.user_id) == user_id
            )
            await session.execute(
                delete(HandoffAttachment).where(
                    col(HandoffAttachment.conversation_id).in_(handoffs)
                )
            )
            await session.execute(
                delete(HandoffMessage).where(col(HandoffMessage.conversation_id).in_(handoffs))
            )
            for table, column in (
                (HandoffConversation, HandoffConversation.user_id),
                (UnansweredQuestion, UnansweredQuestion.user_id),
                (Feedback, Feedback.user_id),
                (ActivityLog, ActivityLog.user_id),
                (ConversationState, ConversationState.user_id),
            ):
                await session.execute(delete(table).where(col(column) == user_id))
            await session.execute(
                update(Booking)
                .where(col(Booking.user_id) == user_id)
                .values(note=None, contact=None, staff_note=None)
            )
            await session.execute(
                update(Registration).where(col(Registration.user_id) == user_id).values(answers={})
            )
            await session.execute(
                update(OutboxMessage)
                .where(
                    col(OutboxMessage.user_id) == user_id,
                    col(OutboxMessage.status).in_(["pending", "sending"]),
                )
                .values(status="cancelled", last_error="erased at the user's request")
            )
            await session.execute(
                update(User)
                .where(col(User.id) == user_id)
                .values(
                    locale=None,
                    locale_source=None,
                    platform_language=None,
                    first_seen=utcnow(),
                    reminders_enabled=True,
                    display_name=None,
                    contact=None,
                )
            )
