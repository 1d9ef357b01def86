"""The dispatcher's view of the store: a user and their state in, changes out (core.ports)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from bot.core.ports import Opened
from bot.core.state import FlowState
from bot.core.types import UserRef
from bot.store.db import Database
from bot.store.state import StateStore
from bot.store.users import UserStore


class Conversations:
    def __init__(self, db: Database, users: UserStore, states: StateStore) -> None:
        self.db = db
        self.users = users
        self.states = states

    @property
    def in_flight_limit(self) -> int:
        # On PostgreSQL a message holds one pooled connection for its advisory lock and needs
        # another for its work: cap messages in flight at half the pool, or a burst of users
        # could take every connection for locks and wait forever for a second one.
        return max(1, self.db.pool_capacity // 2) if self.db.is_postgres else 10_000

    @asynccontextmanager
    async def user_lock(self, key: str) -> AsyncIterator[None]:
        async with self.db.user_lock(key):
            yield

    async def open(self, ref: UserRef, *, platform_language: str | None, now: datetime) -> Opened:
        async with self.db.transaction() as session:
            user = await self.users.touch(
                session, ref, platform_language=platform_language, now=now
            )
            state = await self.states.load(session, user.id or 0, now=now)
        return Opened(user, state)

    async def save(
        self,
        user_id: int,
        *,
        state: FlowState | None,
        locale: tuple[str, str] | None,
        now: datetime,
    ) -> None:
        async with self.db.transaction() as session:
            if state is not None:
                await self.states.save(session, user_id, state, now=now)
            if locale is not None:
                await self.users.set_locale(session, user_id, *locale)
