"""The activity log: events staff count (an emergency guard firing, …), never message text."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select

from bot.store.db import Database
from bot.store.tables import ActivityLog

EMERGENCY_GUARD = "emergency_guard"  # the emergency reply was shown (kind, signal in detail)
EMERGENCY_ASK = "emergency_ask"  # "Is someone in danger right now?" was asked
EMERGENCY_DECLINED = "emergency_declined"  # the resident answered "no, not an emergency"


class ActivityStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def record(
        self,
        kind: str,
        *,
        user_id: int | None,
        locale: str | None,
        detail: dict[str, Any] | None = None,
        at: datetime | None = None,
    ) -> None:
        async with self.db.transaction() as session:
            row = ActivityLog(kind=kind, user_id=user_id, locale=locale, detail=detail or {})
            if at is not None:
                row.created_at = at
            session.add(row)

    async def count(self, kind: str, *, since: datetime | None = None) -> int:
        async with self.db.session() as session:
            query = select(func.count()).select_from(ActivityLog).where(ActivityLog.kind == kind)
            if since is not None:
                query = query.where(col(ActivityLog.created_at) >= since)
            return int((await session.execute(query)).scalar_one())

    async def details(
        self, kind: str, *, since: datetime | None = None
    ) -> list[tuple[str | None, dict[str, Any]]]:
        """(locale, detail) of each row of `kind`: staff counts are grouped from these
        (few rows: the same query on SQLite and PostgreSQL, no JSON operators)."""
        async with self.db.session() as session:
            query = select(ActivityLog.locale, ActivityLog.detail).where(ActivityLog.kind == kind)
            if since is not None:
                query = query.where(col(ActivityLog.created_at) >= since)
            rows = (await session.execute(query)).all()
        return [(locale, dict(detail or {})) for locale, detail in rows]

    async def count_by_locale(self, kind: str, *, since: datetime | None = None) -> dict[str, int]:
        """Counts per reply locale ("?" when unknown), largest first."""
        async with self.db.session() as session:
            query = (
                select(ActivityLog.locale, func.count())
                .where(ActivityLog.kind == kind)
                .group_by(ActivityLog.locale)
            )
            if since is not None:
                query = query.where(col(ActivityLog.created_at) >= since)
            rows = (await session.execute(query)).all()
        counts = {(locale or "?"): int(n) for locale, n in rows}
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
