"""Users: find or create on each message, remember the locale, deactivate."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.core.types import UserRef, utcnow
from bot.store.db import Database
from bot.store.tables import User
from bot.store.upsert import insert_for

USERS = User.__table__  # type: ignore[attr-defined]


class UserStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def touch(
        self,
        session: AsyncSession,
        ref: UserRef,
        *,
        platform_language: str | None = None,
        now: datetime | None = None,
    ) -> User:
        """Load the user, creating them on first contact, and record this message's time.

        A user who writes again is active again (they unblocked the bot or re-subscribed).
        """
        now = now or utcnow()
        table = User.__table__  # type: ignore[attr-defined]
        stmt = insert_for(self.db.engine.dialect.name, table).values(
            channel=ref.channel,
            external_id=ref.external_id,
            first_seen=now,
            last_seen=now,
            active=True,
            reminders_enabled=True,
            platform_language=platform_language,
        )
        values: dict[str, object] = {"last_seen": now, "active": True, "inactive_reason": None}
        if platform_language:
            values["platform_language"] = platform_language
        stmt = stmt.on_conflict_do_update(
            index_elements=["channel", "external_id"], set_=values
        ).returning(*table.c)
        # One round trip: the upsert hands back the row (SQLite >= 3.35 and PostgreSQL).
        row = (await session.execute(stmt)).one()
        return User(**row._mapping)

    async def get(self, ref: UserRef) -> User | None:
        async with self.db.session() as session:
            return (
                await session.execute(
                    select(User).where(
                        User.channel == ref.channel, User.external_id == ref.external_id
                    )
                )
            ).scalar_one_or_none()

    async def get_by_id(self, user_id: int) -> User | None:
        async with self.db.session() as session:
            return await session.get(User, user_id)

    async def record_visit(
        self, session: AsyncSession, user_id: int, values: Mapping[str, Any]
    ) -> None:
        """Write a message's visit (last_seen, active, …) and/or locale in one statement."""
        await session.execute(update(USERS).where(USERS.c.id == user_id).values(**values))

    async def set_locale(
        self, session: AsyncSession, user_id: int, locale: str, source: str
    ) -> None:
        await session.execute(
            update(User).where(col(User.id) == user_id).values(locale=locale, locale_source=source)
        )

    async def deactivate(self, ref: UserRef, reason: str) -> None:
        """Stop sending to a user (blocked, unsubscribed); their next message revives them."""
        async with self.db.transaction() as session:
            await session.execute(
                update(User)
                .where(col(User.channel) == ref.channel, col(User.external_id) == ref.external_id)
                .values(active=False, inactive_reason=reason[:200])
            )
