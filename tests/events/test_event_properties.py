"""A hypothesis state machine drives register / cancel / add seats / reminders / event cancel
against a model, on SQLite and PostgreSQL, checking the invariants after every step."""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from sqlalchemy import text
from sqlmodel import SQLModel

from bot.store.db import Database
from bot.store.events.admin import EventAdmin
from bot.store.events.signup import EventStore
from bot.store.events.tables import REGISTERED, WAITLISTED, EventError
from bot.store.outbox import PENDING
from tests.events.helpers import (
    check_invariants,
    make_event,
    make_users,
    outbox_rows,
    registrations,
)

T = TypeVar("T")
USERS = 6


def machine_for(url: str, schema: str | None, template: Path | None, tmp: Path) -> type:
    class EventMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.loop = asyncio.new_event_loop()
            db_url = url
            if template is not None:
                path = tmp / f"{uuid.uuid4().hex}.db"
                shutil.copy(template, path)
                db_url = f"sqlite+aiosqlite:///{path}"
            self.db = Database(db_url, pool_size=3, schema=schema)
            self.run(self._fresh())
            self.capacity = 2
            self.event_id = self.run(make_event(self.db, capacity=2, key="prop"))
            self.users = self.run(make_users(self.db, USERS))
            self.store, self.admin = EventStore(self.db), EventAdmin(self.db)
            # The model: who holds a seat, the queue in order, registration ids, flags.
            self.seated: set[int] = set()
            self.queue: list[int] = []
            self.reg_id: dict[int, int] = {}
            self.reminders_on = dict.fromkeys(self.users, True)
            self.cancelled = False
            self.told: set[int] = set()

        def run(self, coro: Coroutine[Any, Any, T]) -> T:
            return self.loop.run_until_complete(coro)

        async def _fresh(self) -> None:
            if self.db.is_postgres:
                names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
                async with self.db.engine.begin() as conn:
                    await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))

        def teardown(self) -> None:
            self.run(self.db.dispose())
            self.loop.close()

        @rule(n=st.integers(0, USERS - 1))
        def register(self, n: int) -> None:
            user = self.users[n]
            try:
                result = self.run(self.store.register(user, self.event_id))
            except EventError as exc:
                assert self.cancelled and exc.code == "cancelled"
                return
            assert not self.cancelled
            held = user in self.seated or user in self.queue
            assert result.created is not held
            if not held:
                if len(self.seated) < self.capacity and not self.queue:
                    self.seated.add(user)
                else:
                    self.queue.append(user)
                self.reg_id[user] = result.registration.id
            expected = REGISTERED if user in self.seated else WAITLISTED
            assert result.registration.status == expected
            if user in self.queue:
                assert result.registration.waitlist_position == self.queue.index(user) + 1

        @rule(n=st.integers(0, USERS - 1))
        def cancel(self, n: int) -> None:
            user = self.users[n]
            if user not in self.reg_id:
                return
            _reg, promoted = self.run(self.store.cancel(user, self.reg_id[user]))
            expected: list[int] = []
            if user in self.seated:
                self.seated.discard(user)
                if self.queue:
                    expected = [self.queue.pop(0)]
                    self.seated.add(expected[0])
            elif user in self.queue:
                self.queue.remove(user)
            del self.reg_id[user]
            assert [p.user_id for p in promoted] == expected

        @rule()
        def add_seat(self) -> None:
            if self.cancelled:
                return
            self.capacity += 1
            self.run(make_event(self.db, capacity=self.capacity, key="prop"))
            if self.queue:
                self.seated.add(self.queue.pop(0))

        @rule(n=st.integers(0, USERS - 1), on=st.booleans())
        def reminders(self, n: int, on: bool) -> None:
            self.run(self.store.set_reminders(self.users[n], on))
            self.reminders_on[self.users[n]] = on

        @rule()
        def cancel_event(self) -> None:
            told = self.run(self.admin.cancel_event(self.event_id))
            if self.cancelled:
                assert told == 0
                return
            assert told == len(self.seated) + len(self.queue)
            self.told = self.seated | set(self.queue)
            self.seated, self.queue, self.reg_id = set(), [], {}
            self.cancelled = True

        @invariant()
        def store_matches_model(self) -> None:
            regs = self.run(registrations(self.db, self.event_id))
            seated = {r.user_id for r in regs if r.status == REGISTERED}
            queue = sorted((r for r in regs if r.status == WAITLISTED), key=_position)
            assert seated == self.seated
            assert [r.user_id for r in queue] == self.queue
            self.run(check_invariants(self.db, self.event_id, self.capacity))

        @invariant()
        def outbox_matches_registrations(self) -> None:
            rows = self.run(outbox_rows(self.db, f"event:{self.event_id}:"))
            pending = [r for r in rows if r.status == PENDING]
            reminded = sorted(r.user_id for r in pending if r.kind == "event_reminder")
            wanted = sorted(u for u in self.seated if self.reminders_on[u]) * 2
            assert reminded == sorted(wanted)
            notified = {r.user_id for r in pending if r.kind == "event_cancelled"}
            assert notified == self.told
            promoted = {r.user_id for r in pending if r.kind == "event_promoted"}
            assert promoted <= self.seated

    return EventMachine


def _position(reg: Any) -> int:
    return int(reg.waitlist_position or 0)


def test_event_state_machine(
    db_backend: str, db_url: tuple[str, str | None], request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    url, schema = db_url
    template = request.getfixturevalue("sqlite_template") if db_backend == "sqlite" else None
    machine = machine_for(url, schema, template, tmp_path)
    examples = 15 if db_backend == "sqlite" else 5
    run = settings(
        max_examples=examples,
        stateful_step_count=15,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )(machine)
    run.TestCase().runTest()
