"""Request budgets shared by every worker: at most N hits per key per window.

A fixed window per key (`chat:session:…`, `chat:addr:…`): one upsert that adds one and
returns the count, so several workers behind one address count together. Fixed windows
allow a burst of up to twice the limit across a window's edge; for abuse limits set far
above what a person does, that is precise enough and costs one statement.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import Column, Integer, String, delete
from sqlmodel import Field, SQLModel, col

from bot.core.types import utcnow
from bot.store.db import Database
from bot.store.types import UTCDateTime
from bot.store.upsert import insert_for


class RateCounter(SQLModel, table=True):
    __tablename__ = "rate_counters"

    key: str = Field(sa_column=Column(String(160), primary_key=True))
    hits: int = Field(sa_column=Column(Integer, nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))


class RateCounters:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def hit(
        self, key: str, limit: int, window: timedelta, now: datetime | None = None
    ) -> float | None:
        """Count one hit; None when within `limit`, else the seconds until the window ends."""
        now = now or utcnow()
        seconds = window.total_seconds()
        start = math.floor(now.timestamp() / seconds) * seconds
        ends = datetime.fromtimestamp(start + seconds, tz=now.tzinfo)
        table = RateCounter.__table__  # type: ignore[attr-defined]
        stmt = insert_for(self.db.engine.dialect.name, table).values(
            key=f"{key[:140]}@{int(start)}", hits=1, expires_at=ends
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["key"], set_={"hits": table.c.hits + 1}
        ).returning(table.c.hits)
        async with self.db.transaction() as session:
            hits = int((await session.execute(stmt)).scalar_one())
        if hits <= limit:
            return None
        return max(1.0, (ends - now).total_seconds())

    async def prune(self, now: datetime | None = None) -> int:
        """Drop the counters of windows that have ended."""
        async with self.db.transaction() as session:
            result = await session.execute(
                delete(RateCounter).where(col(RateCounter.expires_at) <= (now or utcnow()))
            )
            return int(result.rowcount)  # type: ignore[attr-defined]
