"""Password hashing (argon2id: by design tens to hundreds of milliseconds of CPU) runs on a
thread of its own and outside any write transaction: a login attempt, which anyone can make,
must not hold the event loop or the database's one writer while residents write."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlmodel import select

from bot.store.db import Database
from bot.store.staff import accounts as accounts_module
from bot.store.staff.accounts import StaffAccounts
from bot.store.staff.tables import StaffAccount

PASSWORD = "long enough secret"


class Watching:
    """The module's hasher, recording where each hash and check ran and whether this
    process's writer (SQLite) was busy meanwhile."""

    def __init__(self, db: Database) -> None:
        self.inner = PasswordHasher()
        self.db = db
        self.calls: list[tuple[str, str, bool]] = []
        self.writer: asyncio.Lock | None = None  # SQLite's writer turn (taken on the loop)

    def _note(self, what: str) -> None:
        writing = self.writer is not None and self.writer.locked()
        self.calls.append((what, threading.current_thread().name, writing))

    def hash(self, password: str) -> str:
        self._note("hash")
        return self.inner.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        self._note("verify")
        return bool(self.inner.verify(password_hash, password))

    def check_needs_rehash(self, password_hash: str) -> bool:
        return bool(self.inner.check_needs_rehash(password_hash))


@pytest.fixture
def watching(db: Database, monkeypatch: pytest.MonkeyPatch) -> Watching:
    hasher = Watching(db)
    monkeypatch.setattr(accounts_module, "_hasher", hasher)
    accounts_module._dummy_hash.cache_clear()
    return hasher


async def test_every_hash_and_check_runs_on_the_password_thread_with_no_writer_held(
    db: Database, watching: Watching
) -> None:
    watching.writer = None if db.is_postgres else db._lock()
    accounts = StaffAccounts(db)
    await accounts.add("desk1", PASSWORD, "desk")
    assert await accounts.verify("desk1", PASSWORD) is not None
    assert await accounts.verify("desk1", "wrong password!") is None
    assert await accounts.verify("nobody", PASSWORD) is None  # the dummy hash, same cost
    await accounts.set_password("desk1", "another long secret")
    kinds = [what for what, _, _ in watching.calls]
    assert kinds.count("verify") == 3 and kinds.count("hash") >= 3  # add, dummy, set
    for what, thread, writing in watching.calls:
        assert thread.startswith("linzhu-password"), (what, thread)
        assert not writing, what


async def test_the_loop_runs_while_a_password_is_checked(db: Database, watching: Watching) -> None:
    accounts = StaffAccounts(db)
    await accounts.add("desk2", PASSWORD, "desk")
    ticks = 0
    seen: list[tuple[int, int]] = []  # the ticker's count when a check began and ended
    inner_verify = watching.verify

    def verify(password_hash: str, password: str) -> bool:
        began = ticks
        try:
            return inner_verify(password_hash, password)
        finally:
            seen.append((began, ticks))

    watching.verify = verify  # type: ignore[method-assign]
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(ticker())
    checked = await accounts.verify("desk2", PASSWORD)
    done.set()
    await task
    assert checked is not None
    [(began, ended)] = seen
    # Checked on the loop, the ticker could not run once while the check ran.
    assert ended - began > 10


async def test_an_outdated_hash_is_replaced_at_the_next_login(db: Database) -> None:
    accounts = StaffAccounts(db)
    made = await accounts.add("desk3", PASSWORD, "desk")
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)
    async with db.transaction() as session:
        row = await session.get(StaffAccount, made.id)
        assert row is not None
        row.password_hash = weak
    assert await accounts.verify("desk3", "wrong password!") is None
    assert await _hash_of(db, made.id) == weak  # a failed login changes nothing
    assert await accounts.verify("desk3", PASSWORD) is not None
    upgraded = await _hash_of(db, made.id)
    assert upgraded != weak and not PasswordHasher().check_needs_rehash(upgraded)
    assert await accounts.verify("desk3", PASSWORD) is not None


async def _hash_of(db: Database, account_id: Any) -> str:
    async with db.session() as session:
        row = (
            await session.execute(select(StaffAccount).where(StaffAccount.id == account_id))
        ).scalar_one()
        return str(row.password_hash)
