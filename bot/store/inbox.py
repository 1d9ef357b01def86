"""The web chat's inbox: proactive messages (reminders) waiting for the page to fetch them.

The web chat has no push channel, so its sender stores each message here and the page polls
GET /api/inbox. A message is handed out once: fetching marks it delivered.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, String, update
from sqlmodel import Field, SQLModel, col, select

from bot.core.types import utcnow
from bot.store.db import Database
from bot.store.types import JSONType, UTCDateTime


class WebInboxMessage(SQLModel, table=True):
    __tablename__ = "web_inbox"

    id: int | None = Field(default=None, primary_key=True)
    external_id: str = Field(sa_column=Column(String(128), nullable=False, index=True))
    locale: str | None = Field(default=None, sa_column=Column(String(16)))
    # The replies as the web chat API shows them (text, buttons, base64 attachments).
    replies: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSONType, nullable=False)
    )
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )
    delivered_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class InboxStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def put(self, external_id: str, locale: str | None, replies: list[dict[str, Any]]) -> int:
        async with self.db.transaction() as session:
            row = WebInboxMessage(external_id=external_id, locale=locale, replies=replies)
            session.add(row)
            await session.flush()
            assert row.id is not None
            return row.id

    async def take(self, external_id: str) -> list[WebInboxMessage]:
        """The user's undelivered messages, oldest first, marked delivered as they are taken."""
        async with self.db.transaction() as session:
            rows = list(
                (
                    await session.execute(
                        select(WebInboxMessage)
                        .where(
                            WebInboxMessage.external_id == external_id,
                            col(WebInboxMessage.delivered_at).is_(None),
                        )
                        .order_by(col(WebInboxMessage.id))
                        .with_for_update(skip_locked=True)
                    )
                ).scalars()
            )
            if rows:
                await session.execute(
                    update(WebInboxMessage)
                    .where(col(WebInboxMessage.id).in_([r.id for r in rows]))
                    .values(delivered_at=utcnow())
                )
            return rows

    async def all_for(self, external_id: str) -> list[WebInboxMessage]:
        async with self.db.session() as session:
            query = (
                select(WebInboxMessage)
                .where(WebInboxMessage.external_id == external_id)
                .order_by(col(WebInboxMessage.id))
            )
            return list((await session.execute(query)).scalars())
