"""What Linzhu stores about one resident, and erasing it on their request (/privacy)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlmodel import col

from bot.core.context import UserRecord
from bot.core.types import utcnow
from bot.store.consultations.tables import Booking
from bot.store.db import Database
from bot.store.events.tables import Registration
from bot.store.inbox import WebInboxMessage
from bot.store.outbox import OutboxMessage
from bot.store.tables import ActivityLog, ConversationState, Feedback, UnansweredQuestion, User
from bot.store.websessions import WebSession


@dataclass(frozen=True)
class StoredData:
    questions: int  # questions passed on to staff
    feedback: int  # answers rated
    pending_messages: int  # reminders and notices not yet sent


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
            )

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
            for table, column in (
                (UnansweredQuestion, UnansweredQuestion.user_id),
                (Feedback, Feedback.user_id),
                (ActivityLog, ActivityLog.user_id),
                (ConversationState, ConversationState.user_id),
            ):
                await session.execute(delete(table).where(col(column) == user_id))
            await session.execute(
                update(Booking)
                .where(col(Booking.user_id) == user_id)
                .values(note=None, contact=None)
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
                )
            )
