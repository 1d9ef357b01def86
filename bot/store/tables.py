"""The tables of the foundation. Later areas add theirs in their own modules.

Every timestamp is an aware UTC datetime (see UTCDateTime); local time (Asia/Shanghai)
is only a matter of presentation.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.core.types import utcnow
from bot.store.types import JSONType, UTCDateTime


def _ts(nullable: bool = False, index: bool = False) -> Any:
    column: Column[Any] = Column(UTCDateTime(), nullable=nullable, index=index)
    if nullable:
        return Field(default=None, sa_column=column)
    return Field(default_factory=utcnow, sa_column=column)


# Residents staff recorded at the desk or on the phone: no chat to send anything to.
WALKIN = "walkin"
OFFLINE_CHANNELS = frozenset({WALKIN})


class User(SQLModel, table=True):
    """A resident (or staff member) as seen through one channel."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_users_channel_external"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(sa_column=Column(String(16), nullable=False))
    external_id: str = Field(sa_column=Column(String(128), nullable=False))
    locale: str | None = Field(default=None, sa_column=Column(String(16)))
    # explicit (/language) | detected | platform | default
    locale_source: str | None = Field(default=None, sa_column=Column(String(16)))
    platform_language: str | None = Field(default=None, sa_column=Column(String(32)))
    first_seen: datetime = _ts()
    last_seen: datetime = _ts()
    active: bool = Field(default=True, nullable=False)
    inactive_reason: str | None = Field(default=None, sa_column=Column(String(200)))
    reminders_enabled: bool = Field(default=True, nullable=False)
    # The name the platform gives (Telegram's first and last name), kept when the resident
    # books, or the name staff gave a walk-in or phone caller; erased with their data.
    display_name: str | None = Field(default=None, sa_column=Column(String(128)))
    # How staff reach a resident without a chat channel (a phone number, a WeChat id).
    contact: str | None = Field(default=None, sa_column=Column(String(128)))


class ConversationState(SQLModel, table=True):
    """Where a user is in a multi-step flow; `menu` maps numbered replies to payloads."""

    __tablename__ = "conversation_states"

    user_id: int = Field(
        sa_column=Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    )
    flow: str | None = Field(default=None, sa_column=Column(String(64)))
    step: str | None = Field(default=None, sa_column=Column(String(64)))
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    menu: list[str] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    last_topic: str | None = Field(default=None, sa_column=Column(String(128)))
    expires_at: datetime | None = _ts(nullable=True)
    updated_at: datetime = _ts()


class ProcessedUpdate(SQLModel, table=True):
    """Platform update ids already handled, so a retried delivery is answered once."""

    __tablename__ = "processed_updates"
    __table_args__ = (UniqueConstraint("channel", "update_key", name="uq_processed_updates_key"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(sa_column=Column(String(16), nullable=False))
    update_key: str = Field(sa_column=Column(String(160), nullable=False))
    created_at: datetime = _ts(index=True)


class UnansweredQuestion(SQLModel, table=True):
    """A question Linzhu could not answer, or answered only with "did you mean", kept for staff."""

    __tablename__ = "unanswered_questions"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("users.id", ondelete="SET NULL"))
    )
    channel: str = Field(sa_column=Column(String(16), nullable=False))
    text: str = Field(sa_column=Column(Text, nullable=False))
    locale: str | None = Field(default=None, sa_column=Column(String(16)))
    candidates: list[Any] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    # "no_match" (nothing close enough), or "did_you_mean" (topics offered as buttons)
    outcome: str = Field(
        default="no_match",
        sa_column=Column(String(16), nullable=False, server_default="no_match"),
    )
    # What the resident tapped on a "did you mean": a topic id, or "none" (none of these).
    # A tapped topic is a question staff can add to that topic's alternates.
    chosen: str | None = Field(default=None, sa_column=Column(String(128)))
    chosen_at: datetime | None = _ts(nullable=True)
    created_at: datetime = _ts(index=True)
    resolved_at: datetime | None = _ts(nullable=True)
    # How staff handled it: alternate (added to `resolved_topic`), not_covered, dismissed,
    # resolved (`linzhu questions resolve`).
    resolution: str | None = Field(default=None, sa_column=Column(String(16)))
    resolved_topic: str | None = Field(default=None, sa_column=Column(String(128)))


class Feedback(SQLModel, table=True):
    """A 👍/👎 on an answer, with an optional comment: one per resident per answer."""

    __tablename__ = "feedback"
    # A second vote changes the first (QuestionStore.record_feedback upserts); users.id is
    # NULL once a user is gone, and those anonymous votes stay as they were.
    __table_args__ = (Index("uq_feedback_user_topic", "user_id", "topic", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("users.id", ondelete="SET NULL"))
    )
    topic: str = Field(sa_column=Column(String(128), nullable=False))
    helpful: bool = Field(nullable=False)
    comment: str | None = Field(default=None, sa_column=Column(Text))
    locale: str | None = Field(default=None, sa_column=Column(String(16)))
    created_at: datetime = _ts(index=True)


class SharedValue(SQLModel, table=True):
    """A small value every worker must see (for example a platform access token)."""

    __tablename__ = "shared_values"

    key: str = Field(sa_column=Column(String(128), primary_key=True))
    value: str = Field(sa_column=Column(Text, nullable=False))
    expires_at: datetime | None = _ts(nullable=True)
    updated_at: datetime = _ts()


class Lease(SQLModel, table=True):
    """A named lease held by one worker until it expires (for example the dispatcher)."""

    __tablename__ = "leases"

    name: str = Field(sa_column=Column(String(64), primary_key=True))
    holder: str = Field(sa_column=Column(String(128), nullable=False))
    expires_at: datetime = _ts()


class ActivityLog(SQLModel, table=True):
    """Things staff count: an emergency guard firing, a language switch accepted, …"""

    __tablename__ = "activity_log"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(sa_column=Column(String(64), nullable=False, index=True))
    user_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("users.id", ondelete="SET NULL"))
    )
    locale: str | None = Field(default=None, sa_column=Column(String(16)))
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    created_at: datetime = _ts(index=True)


Index("ix_users_last_seen", User.__table__.c.last_seen)  # type: ignore[attr-defined]


class SendSlot(SQLModel, table=True):
    """One slot of a send-rate window shared by every worker (PostgreSQL): a window of
    `limit` sends per period has `limit` rows; a slot is free again at `free_at`."""

    __tablename__ = "send_slots"

    name: str = Field(sa_column=Column(String(96), primary_key=True))
    slot: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    free_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
