"""Messages per day by channel, reply locale and FAQ topic answered (the staff dashboard).

A message costs no database write of its own: each process tallies in memory (`Tally`) and
adds its counts to the table every few seconds and when it stops (the `traffic` component),
so "a message that changes nothing writes nothing" holds. A crash loses at most those few
seconds of counts. No message text is kept.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import date, datetime

from sqlalchemy import Column, Date, Integer, String
from sqlmodel import Field, SQLModel, col, select

from bot.i18n.format import to_shanghai
from bot.store.db import Database
from bot.store.upsert import insert_for


class DailyCount(SQLModel, table=True):
    __tablename__ = "message_counts"

    day: date = Field(sa_column=Column(Date, primary_key=True))  # Shanghai calendar day
    channel: str = Field(sa_column=Column(String(16), primary_key=True))
    locale: str = Field(sa_column=Column(String(16), primary_key=True))
    topic: str = Field(default="", sa_column=Column(String(128), primary_key=True))
    count: int = Field(default=0, sa_column=Column(Integer, nullable=False))


CountKey = tuple[date, str, str, str]  # Shanghai day, channel, reply locale, topic ("" if none)


def count_key(at: datetime, channel: str, locale: str, topic: str | None) -> CountKey:
    return (to_shanghai(at).date(), channel[:16], locale[:16], (topic or "")[:128])


class Tally:
    """This process's counts not yet in the table."""

    def __init__(self, db: Database) -> None:
        self.store = MessageCounts(db)
        self._counts: Counter[CountKey] = Counter()

    def count(self, at: datetime, channel: str, locale: str, topic: str | None) -> None:
        """One handled message (and the FAQ topic it was answered with, if any)."""
        self._counts[count_key(at, channel, locale, topic)] += 1

    async def flush(self) -> None:
        """Add what was counted to the table; kept for the next flush if that fails."""
        counts, self._counts = self._counts, Counter()
        try:
            await self.store.add(counts)
        except BaseException:
            self._counts.update(counts)
            raise


class MessageCounts:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, counts: Mapping[CountKey, int]) -> None:
        """Add `counts` (per day, channel, locale and topic) in one transaction."""
        if not counts:
            return
        table = DailyCount.__table__  # type: ignore[attr-defined]
        async with self.db.transaction() as session:
            for (day, channel, locale, topic), n in sorted(counts.items()):
                stmt = insert_for(self.db.engine.dialect.name, table).values(
                    day=day, channel=channel, locale=locale, topic=topic, count=n
                )
                stmt = stmt.on_conflict_do_update(
                    index_elements=["day", "channel", "locale", "topic"],
                    set_={"count": table.c.count + n},
                )
                await session.execute(stmt)

    async def between(self, start: date, end: date) -> list[DailyCount]:
        """Rows for days start..end inclusive."""
        async with self.db.session() as session:
            rows = await session.execute(
                select(DailyCount)
                .where(col(DailyCount.day) >= start, col(DailyCount.day) <= end)
                .order_by(col(DailyCount.day))
            )
            return list(rows.scalars())
