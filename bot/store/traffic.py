"""Messages per day by channel, reply locale and FAQ topic answered: one upsert per message.

The dashboard's "messages per day" and "top topics" read this table; no message text is kept.
The counter is bumped after the dispatcher has answered (bot/app.py), outside the resident's
lock and the dispatcher's own transactions.
"""

from __future__ import annotations

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


class MessageCounts:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def bump(self, at: datetime, channel: str, locale: str, topic: str | None) -> None:
        """Count one handled message (and the FAQ topic it was answered with, if any)."""
        table = DailyCount.__table__  # type: ignore[attr-defined]
        stmt = insert_for(self.db.engine.dialect.name, table).values(
            day=to_shanghai(at).date(),
            channel=channel[:16],
            locale=locale[:16],
            topic=(topic or "")[:128],
            count=1,
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["day", "channel", "locale", "topic"],
            set_={"count": table.c.count + 1},
        )
        async with self.db.transaction() as session:
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
