"""Browser sessions of the web chat: who a browser is, decided by the server alone.

A session is an opaque random token (256 bits from `secrets`) that lives in the browser's
HttpOnly cookie. The table keeps only its SHA-256 hash, so a copy of the database (or a
log line that should not exist) does not let anyone act as a resident. Each session maps
to the web chat user id it speaks as — a second random value, never derived from the
token, so the id that staff listings and logs show is useless as a credential.

A session unused for the idle time ends; /privacy's deletion ends all of a user's sessions
(bot/store/privacy.py deletes them in its own transaction).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Column, String, delete, update
from sqlmodel import Field, SQLModel, col, select

from bot.core.types import utcnow
from bot.store.db import Database
from bot.store.types import UTCDateTime

TOKEN_BYTES = 32  # 256 bits
MAX_TOKEN_CHARS = 64  # token_urlsafe(32) is 43 characters; anything longer is not ours
# Refreshing last_seen on every message would be a write per message; idle time is counted
# in days, so once every few minutes is exact enough.
TOUCH_EVERY = timedelta(minutes=5)


class WebSession(SQLModel, table=True):
    __tablename__ = "web_sessions"

    token_hash: str = Field(sa_column=Column(String(64), primary_key=True))
    external_id: str = Field(sa_column=Column(String(64), nullable=False, index=True))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    last_seen: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False, index=True)
    )


@dataclass(frozen=True)
class Issued:
    token: str  # goes into the cookie, and nowhere else
    external_id: str  # the web chat user this browser speaks as


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def new_external_id() -> str:
    return "s-" + secrets.token_hex(12)


class WebSessionStore:
    def __init__(self, db: Database, idle: timedelta = timedelta(days=30)) -> None:
        self.db = db
        self.idle = idle

    async def issue(self, now: datetime | None = None) -> Issued:
        """A new session for a new web chat user."""
        now = now or utcnow()
        issued = Issued(secrets.token_urlsafe(TOKEN_BYTES), new_external_id())
        async with self.db.transaction() as session:
            session.add(
                WebSession(
                    token_hash=token_hash(issued.token),
                    external_id=issued.external_id,
                    created_at=now,
                    last_seen=now,
                )
            )
        return issued

    async def resolve(self, token: str | None, now: datetime | None = None) -> str | None:
        """The user id of a live session, or None (unknown, malformed or idle too long)."""
        if not token or len(token) > MAX_TOKEN_CHARS or not token.isascii():
            return None
        now = now or utcnow()
        digest = token_hash(token)
        async with self.db.session() as session:
            row = await session.get(WebSession, digest)
        if row is None:
            return None
        if row.last_seen + self.idle <= now:
            await self._delete(col(WebSession.token_hash) == digest)
            return None
        if now - row.last_seen >= TOUCH_EVERY:
            async with self.db.transaction() as session:
                await session.execute(
                    update(WebSession)
                    .where(col(WebSession.token_hash) == digest)
                    .values(last_seen=now)
                )
        return row.external_id

    async def end_all(self, external_id: str) -> int:
        """End every session of a web chat user."""
        return await self._delete(col(WebSession.external_id) == external_id)

    async def prune(self, now: datetime | None = None) -> int:
        """Forget sessions idle for longer than the idle time."""
        now = now or utcnow()
        return await self._delete(col(WebSession.last_seen) <= now - self.idle)

    async def count_for(self, external_id: str) -> int:
        async with self.db.session() as session:
            rows = await session.execute(
                select(WebSession.token_hash).where(col(WebSession.external_id) == external_id)
            )
            return len(rows.all())

    async def _delete(self, condition: object) -> int:
        async with self.db.transaction() as session:
            result = await session.execute(delete(WebSession).where(condition))  # type: ignore[arg-type]
            return int(result.rowcount)  # type: ignore[attr-defined]
