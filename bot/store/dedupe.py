"""Remember which platform updates were handled, shared by every worker."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import col, select

from bot.core.types import utcnow
from bot.store.db import Database
from bot.store.tables import ProcessedUpdate
from bot.store.upsert import insert_for


class DedupeStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def first_time(self, channel: str, key: str) -> bool:
        """True exactly once per (channel, key), whichever worker asks first."""
        table = ProcessedUpdate.__table__  # type: ignore[attr-defined]
        stmt = (
            insert_for(self.db.engine.dialect.name, table)
            .values(channel=channel, update_key=key[:160], created_at=utcnow())
            .on_conflict_do_nothing(index_elements=["channel", "update_key"])
        )
        async with self.db.transaction() as session:
            result = await session.execute(stmt)
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def seen_at(self, channel: str, key: str) -> datetime | None:
        """When (channel, key) was first seen, or None."""
        async with self.db.session() as session:
            return (
                await session.execute(
                    select(ProcessedUpdate.created_at).where(
                        col(ProcessedUpdate.channel) == channel,
                        col(ProcessedUpdate.update_key) == key[:160],
                    )
                )
            ).scalar_one_or_none()

    async def forget_before(self, cutoff: datetime | None = None) -> int:
        """Drop ids older than any platform still retries (default: 2 days)."""
        cutoff = cutoff or utcnow() - timedelta(days=2)
        async with self.db.transaction() as session:
            result = await session.execute(
                delete(ProcessedUpdate).where(col(ProcessedUpdate.created_at) < cutoff)
            )
            return int(result.rowcount)  # type: ignore[attr-defined]
