"""The web chat's conversation history: what the page shows again after a reload.

One row per bubble — what the resident typed or tapped, or one reply as the web chat API
shows it — kept per web chat user (the id its session cookie speaks as, never one the page
names), the last `KEEP` of each. /privacy's deletion erases them (bot/store/privacy.py), and
so does the end of the browser's session (`prune`): a forgotten resident has no history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Column, String, delete
from sqlmodel import Field, SQLModel, col, select

from bot.core.types import utcnow
from bot.store.db import Database
from bot.store.types import JSONType, UTCDateTime
from bot.store.websessions import WebSession

KEEP = 50  # bubbles per web chat user
Role = Literal["user", "bot"]


class WebHistoryEntry(SQLModel, table=True):
    __tablename__ = "web_history"

    id: int | None = Field(default=None, primary_key=True)
    external_id: str = Field(sa_column=Column(String(64), nullable=False, index=True))
    role: str = Field(sa_column=Column(String(8), nullable=False))
    locale: str | None = Field(default=None, sa_column=Column(String(16)))
    # {"text"} for the resident's bubble; a reply as the API shows it for the bot's.
    body: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType, nullable=False))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


@dataclass(frozen=True)
class Bubble:
    role: Role
    body: dict[str, Any]


class WebHistoryStore:
    def __init__(self, db: Database, keep: int = KEEP) -> None:
        self.db = db
        self.keep = keep

    async def add(self, external_id: str, locale: str | None, bubbles: list[Bubble]) -> None:
        """Append bubbles and forget all but the user's last `keep`, in one transaction."""
        if not bubbles:
            return
        async with self.db.transaction() as session:
            for bubble in bubbles:
                session.add(
                    WebHistoryEntry(
                        external_id=external_id, role=bubble.role, locale=locale, body=bubble.body
                    )
                )
            await session.flush()
            older = (
                select(WebHistoryEntry.id)
                .where(col(WebHistoryEntry.external_id) == external_id)
                .order_by(col(WebHistoryEntry.id).desc())
                .offset(self.keep)
            )
            stale = [row for (row,) in (await session.execute(older)).all()]
            if stale:
                await session.execute(
                    delete(WebHistoryEntry).where(col(WebHistoryEntry.id).in_(stale))
                )

    async def recent(self, external_id: str) -> list[WebHistoryEntry]:
        """The user's kept bubbles, oldest first."""
        async with self.db.session() as session:
            query = (
                select(WebHistoryEntry)
                .where(col(WebHistoryEntry.external_id) == external_id)
                .order_by(col(WebHistoryEntry.id).desc())
                .limit(self.keep)
            )
            return list(reversed((await session.execute(query)).scalars().all()))

    async def label_of(self, external_id: str, payload: str) -> str | None:
        """The label of the latest button shown to the user with this payload: what the page
        showed as the resident's bubble when it was tapped (the server's own record, not a
        label the page sends)."""
        for entry in reversed(await self.recent(external_id)):
            if entry.role != "bot":
                continue
            for button in entry.body.get("buttons", []):
                if isinstance(button, dict) and button.get("payload") == payload:
                    label = button.get("label")
                    return label if isinstance(label, str) else None
        return None

    async def erase(self, external_id: str) -> int:
        async with self.db.transaction() as session:
            result = await session.execute(
                delete(WebHistoryEntry).where(col(WebHistoryEntry.external_id) == external_id)
            )
            return int(result.rowcount)  # type: ignore[attr-defined]

    async def prune(self) -> int:
        """Forget the history of users without a live session (ended, idle or erased)."""
        live = select(WebSession.external_id)
        async with self.db.transaction() as session:
            result = await session.execute(
                delete(WebHistoryEntry).where(col(WebHistoryEntry.external_id).not_in(live))
            )
            return int(result.rowcount)  # type: ignore[attr-defined]
