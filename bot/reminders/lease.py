"""A named lease in the `leases` table: on SQLite only one dispatcher may claim outbox rows.

The holder renews it on every cycle; if it dies, another process takes over once it expires.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, or_
from sqlmodel import col

from bot.core.types import utcnow
from bot.store.db import Database
from bot.store.tables import Lease
from bot.store.upsert import insert_for


class LeaseKeeper:
    def __init__(self, db: Database, name: str, holder: str, ttl: timedelta) -> None:
        self.db, self.name, self.holder, self.ttl = db, name, holder, ttl

    async def hold(self) -> bool:
        """Take or renew the lease; False while another live holder has it."""
        now = utcnow()
        table = Lease.__table__  # type: ignore[attr-defined]
        stmt = insert_for(self.db.engine.dialect.name, table).values(
            name=self.name, holder=self.holder, expires_at=now + self.ttl
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["name"],
            set_={"holder": self.holder, "expires_at": now + self.ttl},
            where=or_(table.c.holder == self.holder, table.c.expires_at < now),
        )
        async with self.db.transaction() as session:
            result = await session.execute(stmt)
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def release(self) -> None:
        async with self.db.transaction() as session:
            await session.execute(
                delete(Lease).where(col(Lease.name) == self.name, col(Lease.holder) == self.holder)
            )
