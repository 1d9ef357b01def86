"""Handoff tables: one conversation per request for a person, and its transcript.

`open_key` holds the user's id while the conversation is not closed and NULL after, so a
unique constraint on it keeps at most one live conversation per resident on both databases.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Column, ForeignKey, Integer, LargeBinary, String, Text, false
from sqlmodel import Field, SQLModel

from bot.core.types import utcnow
from bot.store.types import JSONType, UTCDateTime

OPEN, CLAIMED, CLOSED = "open", "claimed", "closed"
# Transcript directions: the resident wrote, staff wrote, the bot answered (an emergency).
FROM_RESIDENT, FROM_STAFF, FROM_BOT = "in", "out", "bot"
# Delivery of a staff reply: pending → sending (claimed by one process, which is handing it
# to the channel) → sent, failed or undeliverable.
PENDING, SENDING = "pending", "sending"
SENT, FAILED, UNDELIVERABLE = "sent", "failed", "undeliverable"


def _ts(nullable: bool = False, index: bool = False) -> Any:
    column: Column[Any] = Column(UTCDateTime(), nullable=nullable, index=index)
    if nullable:
        return Field(default=None, sa_column=column)
    return Field(default_factory=utcnow, sa_column=column)


class HandoffConversation(SQLModel, table=True):
    __tablename__ = "handoff_conversations"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    # The user's id while open or claimed, NULL once closed (unique: one live conversation).
    open_key: int | None = Field(default=None, sa_column=Column(Integer, unique=True))
    channel: str = Field(sa_column=Column(String(16), nullable=False))
    locale: str = Field(sa_column=Column(String(16), nullable=False))
    status: str = Field(default=OPEN, sa_column=Column(String(16), nullable=False, index=True))
    claimed_by: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("staff_accounts.id", ondelete="SET NULL")),
    )
    opened_at: datetime = _ts()
    # Left outside staffed hours: when staff are back (None: opened while staffed).
    waits_until: datetime | None = _ts(nullable=True)
    last_activity_at: datetime = _ts(index=True)
    closed_at: datetime | None = _ts(nullable=True)
    # Resident messages staff have not opened yet.
    unread: int = Field(default=0, sa_column=Column(Integer, nullable=False, default=0))
    # The emergency guard answered during the conversation.
    alert: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, default=False))
    # The bot exchange before the request (the last topic), for staff's context.
    context: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSONType, nullable=False)
    )
    # The resident's 👍/👎 after closing (None: not given).
    helpful: bool | None = Field(default=None, sa_column=Column(Boolean))


def _conversation_id() -> Any:
    """The conversation a row belongs to: deleted with it."""
    return Field(
        sa_column=Column(
            Integer,
            ForeignKey("handoff_conversations.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        )
    )


class HandoffMessage(SQLModel, table=True):
    __tablename__ = "handoff_messages"

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = _conversation_id()
    direction: str = Field(sa_column=Column(String(8), nullable=False))
    text: str = Field(sa_column=Column(Text, nullable=False))
    author_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("staff_accounts.id", ondelete="SET NULL")),
    )
    created_at: datetime = _ts()
    # Staff replies only: pending → sending → sent, failed or undeliverable (with the reason).
    # Indexed for the sweep, which looks for the few replies still pending or sending.
    delivery: str | None = Field(default=None, sa_column=Column(String(16), index=True))
    delivery_note: str | None = Field(default=None, sa_column=Column(String(300)))
    # While `sending`: when a process claimed it (bot/store/handoff/conversations.py,
    # claim_next); NULL otherwise. An old claim is one a process left when it died.
    claimed_at: datetime | None = _ts(nullable=True)
    emergency: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, default=False))
    # A staff reply written in the staff Telegram group: whichever process records that it
    # did not arrive reports it there (bot/handlers/handoff/delivery.py).
    via_group: bool = Field(
        default=False,
        sa_column=Column(Boolean, nullable=False, default=False, server_default=false()),
    )


class HandoffAttachment(SQLModel, table=True):
    """A file a resident sent in a live conversation (a photo of a letter, a PDF).

    The bytes live in the row, not under RUN_DIR: they go with the transcript in the same
    transaction when /privacy or retention deletes it (a cascade from the message and the
    conversation), every worker and host sees them through the database alone, and a
    database backup is complete. HANDOFF_ATTACHMENT_MAX_BYTES (10 MB) bounds a row.
    """

    __tablename__ = "handoff_attachments"

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: int = _conversation_id()
    message_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("handoff_messages.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        )
    )
    filename: str = Field(sa_column=Column(String(200), nullable=False))
    content_type: str = Field(sa_column=Column(String(64), nullable=False))
    size: int = Field(sa_column=Column(Integer, nullable=False))
    sha256: str = Field(sa_column=Column(String(64), nullable=False))
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = _ts()
