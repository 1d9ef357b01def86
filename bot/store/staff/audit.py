"""The audit log: every change made in the console, who made it and what it was before/after."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import col, select

from bot.store.db import Database
from bot.store.staff.tables import AuditEntry


@dataclass(frozen=True)
class Actor:
    """Who did it: the console account (or "cli" for the linzhu command) and from where."""

    account_id: int | None
    username: str
    address: str | None = None


class AuditLog:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def record(
        self,
        actor: Actor,
        action: str,
        target: str = "",
        *,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        async with self.db.transaction() as session:
            session.add(
                AuditEntry(
                    account_id=actor.account_id,
                    username=actor.username[:64],
                    action=action[:64],
                    target=target[:128],
                    before=_jsonable(before),
                    after=_jsonable(after),
                    address=(actor.address or "")[:64] or None,
                )
            )

    async def entries(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        username: str | None = None,
        limit: int | None = 500,
    ) -> list[AuditEntry]:
        """Newest first."""
        query = select(AuditEntry).order_by(col(AuditEntry.id).desc())
        if since is not None:
            query = query.where(col(AuditEntry.created_at) >= since)
        if until is not None:
            query = query.where(col(AuditEntry.created_at) < until)
        if username:
            query = query.where(col(AuditEntry.username) == username)
        if limit is not None:
            query = query.limit(limit)
        async with self.db.session() as session:
            return list((await session.execute(query)).scalars())


def _jsonable(value: dict[str, Any] | None) -> dict[str, Any] | None:
    """Dates and other values as text, so both databases store the same JSON."""
    if value is None:
        return None
    out: dict[str, Any] = {}
    for key, item in value.items():
        if isinstance(item, datetime):
            out[key] = item.isoformat()
        elif isinstance(item, dict):
            out[key] = _jsonable(item)
        elif isinstance(item, str | int | float | bool | list) or item is None:
            out[key] = item
        else:
            out[key] = str(item)
    return out
