"""Conversation state: one row per user, expiring after a period of silence."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.state import FlowState
from bot.core.types import utcnow
from bot.store.db import Database
from bot.store.tables import ConversationState

TABLE = ConversationState.__table__  # type: ignore[attr-defined]
_SAVED = ("flow", "step", "data", "menu", "last_topic", "expires_at", "updated_at")


def state_of(row: Any, now: datetime, prefix: str = "") -> FlowState:
    """The flow state in a row (columns named `prefix` + column); a fresh one when the row is
    missing (an outer join found none) or expired."""
    m = row._mapping
    expires_at = m[prefix + "expires_at"]
    if m[prefix + "updated_at"] is None or (expires_at is not None and expires_at <= now):
        return FlowState()
    return FlowState(
        m[prefix + "flow"],
        m[prefix + "step"],
        dict(m[prefix + "data"] or {}),
        list(m[prefix + "menu"] or []),
        m[prefix + "last_topic"],
    )


class StateStore:
    def __init__(self, db: Database, ttl: timedelta) -> None:
        self.db = db
        self.ttl = ttl
        # Built once, as text: this runs on most messages, and SQLAlchemy cannot cache the
        # compiled form of an ON CONFLICT insert, so it compiled it on every call. The
        # statement reads the same on SQLite and PostgreSQL; the bound types convert the
        # values (JSON, datetimes) as the table's columns would.
        columns = ("user_id", *_SAVED)
        self._save = text(
            f"INSERT INTO {TABLE.name} ({', '.join(columns)}) "
            f"VALUES ({', '.join(':' + name for name in columns)}) "
            "ON CONFLICT (user_id) DO UPDATE SET "
            + ", ".join(f"{name} = excluded.{name}" for name in _SAVED)
        ).bindparams(*(bindparam(name, type_=TABLE.c[name].type) for name in columns))

    async def load(
        self, session: AsyncSession, user_id: int, now: datetime | None = None
    ) -> FlowState:
        # Core, not the ORM: no identity map needed.
        row = (await session.execute(select(TABLE).where(TABLE.c.user_id == user_id))).first()
        return FlowState() if row is None else state_of(row, now or utcnow())

    async def save(
        self, session: AsyncSession, user_id: int, state: FlowState, now: datetime | None = None
    ) -> None:
        now = now or utcnow()
        values = {
            "user_id": user_id,
            "flow": state.flow,
            "step": state.step,
            "data": state.data,
            "menu": state.menu,
            "last_topic": state.last_topic,
            "expires_at": now + self.ttl,
            "updated_at": now,
        }
        await session.execute(self._save, values)
