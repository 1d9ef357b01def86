"""Staff console tables. Passwords are argon2id hashes; a session row is keyed by the SHA-256 of
the cookie's value, so a copy of the database does not hand out live sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.core.types import utcnow
from bot.store.types import JSONType, UTCDateTime

ADMIN, DESK, CONSULTANT = "admin", "desk", "consultant"
ROLES = (ADMIN, DESK, CONSULTANT)
CONSOLE_LOCALES = ("en", "zh_Hans")  # the staff's languages


def _ts(nullable: bool = False, index: bool = False) -> Any:
    column: Column[Any] = Column(UTCDateTime(), nullable=nullable, index=index)
    if nullable:
        return Field(default=None, sa_column=column)
    return Field(default_factory=utcnow, sa_column=column)


class StaffAccount(SQLModel, table=True):
    """Someone who logs in to the console; a consultant account may be linked to a consultant."""

    __tablename__ = "staff_accounts"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    password_hash: str = Field(sa_column=Column(String(256), nullable=False))
    role: str = Field(sa_column=Column(String(16), nullable=False))
    consultant_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("consultants.id", ondelete="SET NULL")),
    )
    # Base32 TOTP secret; None when the second factor is off.
    totp_secret: str | None = Field(default=None, sa_column=Column(String(64)))
    ui_locale: str = Field(default="en", sa_column=Column(String(16), nullable=False))
    active: bool = Field(default=True, nullable=False)
    created_at: datetime = _ts()
    password_changed_at: datetime = _ts()


class StaffSession(SQLModel, table=True):
    """A logged-in browser: ends at logout, after the idle timeout, or at its hard expiry."""

    __tablename__ = "staff_sessions"

    id: str = Field(sa_column=Column(String(64), primary_key=True))  # sha256 of the cookie
    account_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("staff_accounts.id", ondelete="CASCADE"), nullable=False
        )
    )
    csrf_token: str = Field(sa_column=Column(String(64), nullable=False))
    address: str | None = Field(default=None, sa_column=Column(String(64)))
    created_at: datetime = _ts()
    last_seen: datetime = _ts()
    expires_at: datetime = _ts(index=True)


class LoginAttempt(SQLModel, table=True):
    """A failed login, counted per account and per address for the lock-out."""

    __tablename__ = "staff_login_failures"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(sa_column=Column(String(64), nullable=False, index=True))
    address: str = Field(sa_column=Column(String(64), nullable=False, index=True))
    created_at: datetime = _ts(index=True)


class AuditEntry(SQLModel, table=True):
    """One change made in the console: who, what, on what, when, before and after."""

    __tablename__ = "staff_audit_log"

    id: int | None = Field(default=None, primary_key=True)
    account_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("staff_accounts.id", ondelete="SET NULL")),
    )
    username: str = Field(sa_column=Column(String(64), nullable=False))
    action: str = Field(sa_column=Column(String(64), nullable=False, index=True))
    target: str = Field(default="", sa_column=Column(String(128), nullable=False))
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONType))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONType))
    address: str | None = Field(default=None, sa_column=Column(String(64)))
    created_at: datetime = _ts(index=True)


class FaqAlternate(SQLModel, table=True):
    """A phrasing staff added to an FAQ entry from the console; merged into retrieval live and
    exported for review into faq/ with `linzhu faq export-overlay`."""

    __tablename__ = "faq_overlay"
    __table_args__ = (UniqueConstraint("faq_id", "locale", "text", name="uq_faq_overlay_phrasing"),)

    id: int | None = Field(default=None, primary_key=True)
    faq_id: str = Field(sa_column=Column(String(128), nullable=False, index=True))
    locale: str = Field(sa_column=Column(String(16), nullable=False))
    text: str = Field(sa_column=Column(Text, nullable=False))
    question_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("unanswered_questions.id", ondelete="SET NULL")),
    )
    added_by: str = Field(default="", sa_column=Column(String(64), nullable=False))
    created_at: datetime = _ts()


Index(
    "ix_staff_sessions_account",
    StaffSession.__table__.c.account_id,  # type: ignore[attr-defined]
)
