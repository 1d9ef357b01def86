"""Values and leases every worker shares: an access token, a counter, "who refreshes now".

Both live in the foundation's `shared_values` and `leases` tables. A lease is how one
worker among several gets to do something (fetch a token) while the others wait for its
result instead of doing it too.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.core.types import utcnow
from bot.store.db import Database
from bot.store.tables import Lease, SharedValue
from bot.store.upsert import insert_for


class SharedValues:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, key: str, now: datetime | None = None) -> str | None:
        """The value, or None when it is missing or expired."""
        now = now or utcnow()
        async with self.db.session() as session:
            row = await session.get(SharedValue, key)
        if row is None or (row.expires_at is not None and row.expires_at <= now):
            return None
        return row.value

    async def get_row(self, key: str) -> SharedValue | None:
        async with self.db.session() as session:
            return await session.get(SharedValue, key)

    async def put(self, key: str, value: str, expires_at: datetime | None = None) -> None:
        async with self.db.transaction() as session:
            await self._put(session, key, value, expires_at)

    async def delete_if(self, key: str, value: str) -> bool:
        """Delete the value only if it is still `value` (compare-and-delete)."""
        async with self.db.transaction() as session:
            result = await session.execute(
                delete(SharedValue).where(
                    col(SharedValue.key) == key, col(SharedValue.value) == value
                )
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def update(
        self,
        key: str,
        change: Callable[[str | None], tuple[str, datetime | None] | None],
        *,
        initial: str = "",
    ) -> Any:
        """Read-modify-write under a row lock: `change(old)` returns (new, expires) or None.

        Returns what `change` returned. The row is created first (empty) so that the lock
        has something to hold on PostgreSQL; SQLite's BEGIN IMMEDIATE serialises anyway.
        """
        async with self.db.transaction() as session:
            table = SharedValue.__table__  # type: ignore[attr-defined]
            stmt = (
                insert_for(self.db.engine.dialect.name, table)
                .values(key=key, value=initial, expires_at=None, updated_at=utcnow())
                .on_conflict_do_nothing(index_elements=["key"])
            )
            await session.execute(stmt)
            row = (
                await session.execute(
                    select(SharedValue).where(col(SharedValue.key) == key).with_for_update()
                )
            ).scalar_one()
            expired = row.expires_at is not None and row.expires_at <= utcnow()
            result = change(None if expired or row.value == initial else row.value)
            if result is not None:
                await self._put(session, key, result[0], result[1])
            return result

    async def prune(self, prefix: str, now: datetime | None = None) -> int:
        """Drop expired values whose key starts with `prefix`."""
        now = now or utcnow()
        async with self.db.transaction() as session:
            result = await session.execute(
                delete(SharedValue).where(
                    col(SharedValue.key).startswith(prefix),
                    col(SharedValue.expires_at) < now,
                )
            )
            return int(result.rowcount)  # type: ignore[attr-defined]

    async def _put(
        self, session: AsyncSession, key: str, value: str, expires_at: datetime | None
    ) -> None:
        table = SharedValue.__table__  # type: ignore[attr-defined]
        values = {"value": value, "expires_at": expires_at, "updated_at": utcnow()}
        stmt = insert_for(self.db.engine.dialect.name, table).values(key=key, **values)
        await session.execute(stmt.on_conflict_do_update(index_elements=["key"], set_=values))


class Leases:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def acquire(self, name: str, holder: str, ttl: timedelta) -> bool:
        """Take the lease if it is free, expired, or already ours; True when we hold it."""
        now = utcnow()
        table = Lease.__table__  # type: ignore[attr-defined]
        async with self.db.transaction() as session:
            inserted = await session.execute(
                insert_for(self.db.engine.dialect.name, table)
                .values(name=name, holder=holder, expires_at=now + ttl)
                .on_conflict_do_nothing(index_elements=["name"])
            )
            if inserted.rowcount:  # type: ignore[attr-defined]
                return True
            taken = await session.execute(
                update(Lease)
                .where(
                    col(Lease.name) == name,
                    (col(Lease.holder) == holder) | (col(Lease.expires_at) <= now),
                )
                .values(holder=holder, expires_at=now + ttl)
            )
            return bool(taken.rowcount)  # type: ignore[attr-defined]

    async def release(self, name: str, holder: str) -> None:
        async with self.db.transaction() as session:
            await session.execute(
                delete(Lease).where(col(Lease.name) == name, col(Lease.holder) == holder)
            )
