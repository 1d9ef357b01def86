"""The dispatcher's view of the store (core.ports.ConversationStore): one unit of work per
message, the user and their state in, what changed out.

A message reads the user and their state in one statement (on SQLite outside the writer's
turn: its transaction begins at its first write) and writes at most once at the end: the
state if it changed, the locale if it changed, and the visit (last_seen, revived, a new
platform language) when one is due. Writing the user's row last, not first, also keeps the
lock order of PostgreSQL transactions that lock an event or a slot and then a user (a
waitlist promotion) the same as the message's own.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.ports import Opened
from bot.core.state import FlowState
from bot.core.types import UserRef
from bot.store.db import RESERVED_CONNECTIONS, Database
from bot.store.state import TABLE as STATES
from bot.store.state import StateStore, state_of
from bot.store.tables import User
from bot.store.users import USERS, UserStore

# last_seen is kept to the minute (the 48-hour WeChat window needs no more), so a burst of
# messages from one resident does not write their row each time.
VISIT_PRECISION = timedelta(minutes=1)
SQLITE_IN_FLIGHT = 4  # messages handled at once on SQLite (see in_flight_limit)
_STATE_COLUMNS = ("flow", "step", "data", "menu", "last_topic", "expires_at", "updated_at")
_FIND = (
    select(USERS, *(STATES.c[name].label(f"s_{name}") for name in _STATE_COLUMNS))
    .select_from(USERS.outerjoin(STATES, STATES.c.user_id == USERS.c.id))
    .where(USERS.c.channel == bindparam("channel"), USERS.c.external_id == bindparam("ext"))
)
_USER_COLUMNS = tuple(c.name for c in USERS.c)


class Conversations:
    def __init__(self, db: Database, users: UserStore, states: StateStore) -> None:
        self.db = db
        self.users = users
        self.states = states

    @property
    def in_flight_limit(self) -> int:
        # On PostgreSQL a message holds one pooled connection (its advisory lock and its work
        # share it). Messages use the connections the pool keeps open, less a few for the
        # background loops: an overflow connection is opened and closed around one use, and
        # opening one costs the event loop more than a message's own work.
        if self.db.is_postgres:
            return max(1, self.db.pool_size - RESERVED_CONNECTIONS)
        # SQLite: statements run on the event loop (bot/store/sqlite_inline.py), so every
        # message in progress adds its steps to the loop's queue, ahead of a /healthz or a
        # webhook that just arrived. A few at a time finish no later (one process, one
        # writer) and keep that queue short; the rest wait on a semaphore, costing nothing.
        return SQLITE_IN_FLIGHT

    def unit_of_work(self, key: str) -> AbstractAsyncContextManager[AsyncSession]:
        return self.db.unit_of_work(lock_key=key)

    async def open(self, ref: UserRef, *, platform_language: str | None, now: datetime) -> Opened:
        row = await self.db.read_row(_FIND, {"channel": ref.channel, "ext": ref.external_id})
        if row is None:  # first contact: create them now (their id is needed)
            async with self.db.write_early() as session:
                user = await self.users.touch(
                    session, ref, platform_language=platform_language, now=now
                )
            return Opened(user, FlowState())
        mapping = row._mapping
        user = User(**{name: mapping[name] for name in _USER_COLUMNS})
        visit: dict[str, Any] = {}
        if platform_language and platform_language != user.platform_language:
            visit["platform_language"] = user.platform_language = platform_language
        if not user.active or visit or now - user.last_seen >= VISIT_PRECISION:
            visit |= {"last_seen": now, "active": True, "inactive_reason": None}
            user.last_seen, user.active, user.inactive_reason = now, True, None
        return Opened(user, state_of(row, now, prefix="s_"), visit or None)

    async def save(
        self,
        opened: Opened,
        *,
        state: FlowState | None,
        locale: tuple[str, str] | None,
        now: datetime,
    ) -> None:
        user_id = opened.user.id
        assert user_id is not None
        values = dict(opened.visit or {})
        if locale is not None:
            values |= {"locale": locale[0], "locale_source": locale[1]}
        if state is None and not values:
            return
        async with self.db.transaction(savepoint=False) as session:
            if state is not None:
                await self.states.save(session, user_id, state, now=now)
            if values:
                await self.users.record_visit(session, user_id, values)
