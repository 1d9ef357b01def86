"""Users: find or create on each message, remember the locale, deactivate."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from bot.core.types import UserRef, utcnow
from bot.store.db import Database
from bot.store.tables import WALKIN, User
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
        # The column holds 32 characters; a client-sent hint longer than that is not a tag.
        if platform_language is not None and len(platform_language) > 32:
            platform_language = None
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

    # --- staff's side: residents without a chat, and finding residents ------------------

    async def create_walkin(self, name: str, contact: str | None, locale: str | None) -> User:
        """A resident met at the desk or on the phone: no chat channel, found by name/contact."""
        name = " ".join(name.split())[:128]
        if not name:
            raise ValueError("a walk-in resident needs a name")
        async with self.db.transaction() as session:
            user = User(
                channel=WALKIN,
                external_id=uuid.uuid4().hex,
                display_name=name,
                contact=(contact or "").strip()[:128] or None,
                locale=locale,
                locale_source="explicit" if locale else None,
            )
            session.add(user)
            await session.flush()
            return user

    async def set_profile(
        self, user_id: int, *, display_name: str | None, contact: str | None
    ) -> User | None:
        async with self.db.transaction() as session:
            user = await session.get(User, user_id, with_for_update=True)
            if user is None:
                return None
            user.display_name = " ".join((display_name or "").split())[:128] or None
            user.contact = (contact or "").strip()[:128] or None
            return user

    async def search(self, text: str, limit: int = 50) -> list[User]:
        """Residents whose name, contact or chat id contains `text` (or whose id it is),
        most recently seen first. `telegram:123` matches that channel and id exactly."""
        text = text.strip()
        if not text:
            return []
        conditions: list[ColumnElement[bool]] = []
        channel, sep, external = text.partition(":")
        if sep and channel and external:
            conditions.append(
                (col(User.channel) == channel.lower()) & (col(User.external_id) == external)
            )
        if text.lstrip("#").isdigit():
            conditions.append(col(User.id) == int(text.lstrip("#")))
        like = f"%{text.lower()}%"
        conditions += [
            func.lower(func.coalesce(User.display_name, "")).like(like),
            func.lower(func.coalesce(User.contact, "")).like(like),
            func.lower(User.external_id).like(like),
        ]
        async with self.db.session() as session:
            rows = await session.execute(
                select(User)
                .where(or_(*conditions))
                .order_by(col(User.last_seen).desc(), col(User.id))
                .limit(limit)
            )
            return list(rows.scalars())
