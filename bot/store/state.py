"""Conversation state: one row per user, expiring after a period of silence."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.state import FlowState
from bot.core.types import utcnow
from bot.store.db import Database
from bot.store.tables import ConversationState
from bot.store.upsert import insert_for


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
        return FlowState(
            row.flow, row.step, dict(row.data or {}), list(row.menu or []), row.last_topic
        )

    async def save(
        self, session: AsyncSession, user_id: int, state: FlowState, now: datetime | None = None
    ) -> None:
        now = now or utcnow()
        values = {
            "flow": state.flow,
            "step": state.step,
            "data": state.data,
            "menu": state.menu,
            "last_topic": state.last_topic,
            "expires_at": now + self.ttl,
            "updated_at": now,
        }
        table = ConversationState.__table__  # type: ignore[attr-defined]
        stmt = insert_for(self.db.engine.dialect.name, table).values(user_id=user_id, **values)
        await session.execute(stmt.on_conflict_do_update(index_elements=["user_id"], set_=values))
