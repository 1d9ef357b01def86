"""Conversation state: one row per user, expiring after a period of silence."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.types import utcnow
from bot.store.db import Database
from bot.store.models import ConversationState
from bot.store.upsert import insert_for


@dataclass
class FlowState:
    """The mutable state a handler sees; saved after the handler if it changed."""

    flow: str | None = None
    step: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    menu: list[str] = field(default_factory=list)

    def start(self, flow: str, step: str, **data: Any) -> None:
        self.flow, self.step, self.data = flow, step, dict(data)

    def goto(self, step: str, **data: Any) -> None:
        self.step = step
        self.data.update(data)

    def clear(self) -> None:
        self.flow, self.step, self.data = None, None, {}

    def snapshot(self) -> tuple[Any, ...]:
        return (self.flow, self.step, repr(sorted(self.data.items())), tuple(self.menu))


class StateStore:
    def __init__(self, db: Database, ttl: timedelta) -> None:
        self.db = db
        self.ttl = ttl

    async def load(
        self, session: AsyncSession, user_id: int, now: datetime | None = None
    ) -> FlowState:
        table = ConversationState.__table__  # type: ignore[attr-defined]
        # Core, not the ORM: this runs on every message and needs no identity map.
        row = (await session.execute(select(table).where(table.c.user_id == user_id))).first()
        now = now or utcnow()
        if row is None or (row.expires_at is not None and row.expires_at <= now):
            return FlowState()
        return FlowState(row.flow, row.step, dict(row.data or {}), list(row.menu or []))

    async def save(
        self, session: AsyncSession, user_id: int, state: FlowState, now: datetime | None = None
    ) -> None:
        now = now or utcnow()
        values = {
            "flow": state.flow,
            "step": state.step,
            "data": state.data,
            "menu": state.menu,
            "expires_at": now + self.ttl,
            "updated_at": now,
        }
        table = ConversationState.__table__  # type: ignore[attr-defined]
        stmt = insert_for(self.db.engine.dialect.name, table).values(user_id=user_id, **values)
        await session.execute(stmt.on_conflict_do_update(index_elements=["user_id"], set_=values))
