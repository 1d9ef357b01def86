"""Staff accounts: create, list, change password, disable, link to a consultant, TOTP.

Passwords are hashed with argon2id (argon2-cffi's defaults, RFC 9106's second recommended
profile); a hash made with older parameters is replaced at the next successful login.

A hash or a check takes tens to hundreds of milliseconds of CPU and 64 MiB by design, so it
runs on a thread of its own, one at a time, never on the event loop and never inside a
write transaction: a burst of login attempts (anyone can make them) queues there, while
residents' messages and the database's one writer go on.
"""

from __future__ import annotations

import asyncio
import functools
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.core.types import utcnow
from bot.store.consultations.tables import Consultant
from bot.store.db import Database
from bot.store.staff.tables import CONSOLE_LOCALES, CONSULTANT, ROLES, StaffAccount

USERNAME = re.compile(r"[a-z0-9][a-z0-9_.-]{1,63}")
MIN_PASSWORD = 10
_hasher = PasswordHasher()
_password_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="linzhu-password")


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the username is unknown, so both cases take the same time
    (made on first use, in the password thread: not at import)."""
    return _hasher.hash("not a password of anyone")


def _matches(password_hash: str | None, password: str) -> bool:
    try:
        return bool(_hasher.verify(password_hash or _dummy_hash(), password))
    except (VerificationError, InvalidHashError):
        return False


async def hash_password(password: str) -> str:
    """The argon2id hash of a password, made on the password thread."""
    return await asyncio.get_running_loop().run_in_executor(_password_pool, _hasher.hash, password)


async def password_matches(password_hash: str | None, password: str) -> bool:
    """Whether `password` is the one hashed (None: no account, checked against a dummy hash
    at the same cost), on the password thread."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_password_pool, _matches, password_hash, password)


class AccountError(Exception):
    """The account cannot be created or changed; `code` is stable, for the console's message."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Account:
    """An account as the console and the CLI see it (never the hash or the TOTP secret)."""

    id: int
    username: str
    role: str
    consultant_id: int | None
    active: bool
    totp: bool
    ui_locale: str

    @classmethod
    def of(cls, row: StaffAccount) -> Account:
        assert row.id is not None
        return cls(
            row.id,
            row.username,
            row.role,
            row.consultant_id,
            row.active,
            bool(row.totp_secret),
            row.ui_locale,
        )


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError("password_short")


class StaffAccounts:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(
        self, username: str, password: str, role: str, *, consultant_id: int | None = None
    ) -> Account:
        username = username.strip().lower()
        if not USERNAME.fullmatch(username):
            raise AccountError("username_invalid")
        if role not in ROLES:
            raise AccountError("role_invalid")
        check_password(password)
        password_hash = await hash_password(password)
        async with self.db.transaction() as session:
            taken = await session.execute(
                select(StaffAccount.id).where(col(StaffAccount.username) == username)
            )
            if taken.first() is not None:
                raise AccountError("username_taken")
            if consultant_id is not None and await session.get(Consultant, consultant_id) is None:
                raise AccountError("consultant_unknown")
            row = StaffAccount(
                username=username,
                password_hash=password_hash,
                role=role,
                consultant_id=consultant_id if role == CONSULTANT else None,
            )
            session.add(row)
            await session.flush()
            return Account.of(row)

    async def list(self) -> list[Account]:
        async with self.db.session() as session:
            rows = await session.execute(select(StaffAccount).order_by(col(StaffAccount.username)))
            return [Account.of(r) for r in rows.scalars()]

    async def count(self) -> int:
        async with self.db.session() as session:
            return int(
                (await session.execute(select(func.count(col(StaffAccount.id))))).scalar_one()
            )

    async def get(self, account_id: int) -> Account | None:
        async with self.db.session() as session:
            row = await session.get(StaffAccount, account_id)
            return None if row is None else Account.of(row)

    async def by_username(self, username: str) -> Account | None:
        async with self.db.session() as session:
            row = await self._row(session, username)
            return None if row is None else Account.of(row)

    async def verify(self, username: str, password: str) -> Account | None:
        """The active account whose password this is, else None (same cost either way).
        The row is read, the password checked with no transaction open, and an outdated
        hash replaced in a short transaction of its own (if the password did not change
        meanwhile)."""
        async with self.db.session() as session:
            row = await self._row(session, username)
        known = row.password_hash if row is not None else None
        if not await password_matches(known, password):
            return None
        if row is None or not row.active:
            return None
        if _hasher.check_needs_rehash(row.password_hash):
            fresh = await hash_password(password)
            async with self.db.transaction() as session:
                await session.execute(
                    update(StaffAccount)
                    .where(
                        col(StaffAccount.id) == row.id,
                        col(StaffAccount.password_hash) == row.password_hash,
                    )
                    .values(password_hash=fresh)
                )
        return Account.of(row)

    def totp_ok(self, secret: str | None, code: str) -> bool:
        """A 6-digit code valid now or one 30-second step either side (clock drift)."""
        if not secret:
            return True
        return pyotp.TOTP(secret).verify(code.strip().replace(" ", ""), valid_window=1)

    async def totp_secret(self, account_id: int) -> str | None:
        async with self.db.session() as session:
            row = await session.get(StaffAccount, account_id)
            return None if row is None else row.totp_secret

    async def set_totp(self, account_id: int, secret: str | None) -> None:
        await self._set(account_id, totp_secret=secret)

    async def set_password(self, username: str, password: str) -> Account:
        check_password(password)
        password_hash = await hash_password(password)
        async with self.db.transaction() as session:
            row = await self._row(session, username)
            if row is None:
                raise AccountError("not_found")
            row.password_hash = password_hash
            row.password_changed_at = utcnow()
            return Account.of(row)

    async def set_active(self, username: str, active: bool) -> Account:
        async with self.db.transaction() as session:
            row = await self._row(session, username)
            if row is None:
                raise AccountError("not_found")
            row.active = active
            return Account.of(row)

    async def update(
        self, account_id: int, *, role: str, consultant_id: int | None, active: bool
    ) -> Account:
        if role not in ROLES:
            raise AccountError("role_invalid")
        async with self.db.transaction() as session:
            row = await session.get(StaffAccount, account_id, with_for_update=True)
            if row is None:
                raise AccountError("not_found")
            if consultant_id is not None and await session.get(Consultant, consultant_id) is None:
                raise AccountError("consultant_unknown")
            row.role, row.active = role, active
            row.consultant_id = consultant_id if role == CONSULTANT else None
            return Account.of(row)

    async def link(self, username: str, consultant_ref: str) -> Account:
        """Link a consultant account to a consultant record, by id or name."""
        async with self.db.transaction() as session:
            row = await self._row(session, username)
            if row is None:
                raise AccountError("not_found")
            if row.role != CONSULTANT:
                raise AccountError("not_consultant")
            ref = consultant_ref.strip()
            query = (
                select(Consultant).where(col(Consultant.id) == int(ref))
                if ref.isdigit()
                else select(Consultant).where(func.lower(Consultant.name) == ref.lower())
            )
            consultant = (await session.execute(query)).scalar_one_or_none()
            if consultant is None:
                raise AccountError("consultant_unknown")
            row.consultant_id = consultant.id
            return Account.of(row)

    async def set_ui_locale(self, account_id: int, locale: str) -> None:
        if locale in CONSOLE_LOCALES:
            await self._set(account_id, ui_locale=locale)

    async def _set(self, account_id: int, **values: object) -> None:
        async with self.db.transaction() as session:
            await session.execute(
                update(StaffAccount).where(col(StaffAccount.id) == account_id).values(**values)
            )

    @staticmethod
    async def _row(session: AsyncSession, username: str) -> StaffAccount | None:
        result = await session.execute(
            select(StaffAccount).where(col(StaffAccount.username) == username.strip().lower())
        )
        return result.scalar_one_or_none()
