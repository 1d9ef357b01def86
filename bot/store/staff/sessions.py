"""Console sessions (server-side, one row per logged-in browser) and the login lock-out.

The cookie holds 32 random bytes; the table holds their SHA-256, so reading the database
does not let anyone log in. Each login makes a new session (no fixation); a session ends at
logout, after `idle` without a request, or `max_age` after login, whichever is first.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_
from sqlmodel import col, select

from bot.core.types import utcnow
from bot.store.db import Database
from bot.store.staff.accounts import Account
from bot.store.staff.tables import LoginAttempt, StaffAccount, StaffSession


def session_key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class LiveSession:
    key: str
    account: Account
    csrf_token: str


@dataclass(frozen=True)
class Lockout:
    """Limits on failed logins within `window`, per account and per address."""

    per_account: int = 5
    per_address: int = 20
    window: timedelta = timedelta(minutes=15)


class StaffSessions:
    def __init__(
        self,
        db: Database,
        *,
        idle: timedelta = timedelta(minutes=30),
        max_age: timedelta = timedelta(hours=12),
        lockout: Lockout | None = None,
    ) -> None:
        self.db = db
        self.idle = idle
        self.max_age = max_age
        self.lockout = lockout or Lockout()

    async def start(self, account_id: int, address: str | None) -> tuple[str, LiveSession]:
        """A new session for the account: (the cookie's value, the session)."""
        token = secrets.token_urlsafe(32)
        now = utcnow()
        row = StaffSession(
            id=session_key(token),
            account_id=account_id,
            csrf_token=secrets.token_urlsafe(32),
            address=(address or "")[:64] or None,
            created_at=now,
            last_seen=now,
            expires_at=now + self.max_age,
        )
        async with self.db.transaction() as session:
            session.add(row)
            # Housekeeping: drop this account's ended sessions.
            await session.execute(
                delete(StaffSession).where(
                    col(StaffSession.account_id) == account_id,
                    or_(
                        col(StaffSession.expires_at) <= now,
                        col(StaffSession.last_seen) <= now - self.idle,
                    ),
                )
            )
            account = await session.get(StaffAccount, account_id)
            assert account is not None
            return token, LiveSession(row.id, Account.of(account), row.csrf_token)

    async def resume(self, token: str, now: datetime | None = None) -> LiveSession | None:
        """The live session of this cookie (its idle clock restarted), or None."""
        now = now or utcnow()
        key = session_key(token)
        async with self.db.transaction() as session:
            row = await session.get(StaffSession, key)
            if row is None:
                return None
            account = await session.get(StaffAccount, row.account_id)
            ended = row.expires_at <= now or row.last_seen <= now - self.idle
            if ended or account is None or not account.active:
                await session.delete(row)
                return None
            # Writing last_seen on every click costs a write; once a minute is enough.
            if now - row.last_seen > timedelta(minutes=1):
                row.last_seen = now
            return LiveSession(key, Account.of(account), row.csrf_token)

    async def end(self, key: str) -> None:
        async with self.db.transaction() as session:
            await session.execute(delete(StaffSession).where(col(StaffSession.id) == key))

    async def end_all(self, account_id: int) -> None:
        """Log the account out everywhere (password changed, account disabled)."""
        async with self.db.transaction() as session:
            await session.execute(
                delete(StaffSession).where(col(StaffSession.account_id) == account_id)
            )

    async def exists(self, key: str) -> bool:
        async with self.db.session() as session:
            return await session.get(StaffSession, key) is not None

    # --- lock-out ---------------------------------------------------------------------

    async def locked_for(
        self, username: str, address: str, now: datetime | None = None
    ) -> timedelta | None:
        """How long until a login may be tried again, or None when it may be tried now."""
        now = now or utcnow()
        since = now - self.lockout.window
        username = username.strip().lower()
        async with self.db.session() as session:
            waits = []
            for column, value, limit in (
                (LoginAttempt.username, username, self.lockout.per_account),
                (LoginAttempt.address, address, self.lockout.per_address),
            ):
                rows = await session.execute(
                    select(func.count(), func.min(LoginAttempt.created_at)).where(
                        col(column) == value, col(LoginAttempt.created_at) > since
                    )
                )
                count, oldest = rows.one()
                if count >= limit and oldest is not None:
                    waits.append(oldest + self.lockout.window - now)
            return max(waits) if waits else None

    async def failed(self, username: str, address: str) -> None:
        async with self.db.transaction() as session:
            session.add(LoginAttempt(username=username.strip().lower()[:64], address=address[:64]))

    async def succeeded(self, username: str) -> None:
        """A correct password clears the account's failures (not the address's)."""
        async with self.db.transaction() as session:
            await session.execute(
                delete(LoginAttempt).where(col(LoginAttempt.username) == username.strip().lower())
            )
