"""SQLite statements run on the event loop, and leave it only when they would wait or run
long: another connection holding the write lock, a slow read. The loop keeps turning."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text

from bot.store import sqlite_inline
from bot.store.db import Database
from bot.store.sqlite_inline import InlineConnection


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'inline.db'}", pool_size=2)

    @event.listens_for(db.engine.sync_engine, "connect")
    def _thread_id_function(dbapi_conn: Any, _record: Any) -> None:
        # tid(): the thread SQLite runs the statement on.
        dbapi_conn.driver_connection._conn.create_function("tid", 0, threading.get_ident)

    async with db.engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (n INTEGER)"))
        await conn.execute(text("CREATE TABLE big (n INTEGER)"))
        await conn.execute(
            text(
                "INSERT INTO big SELECT value FROM (WITH RECURSIVE c(value) AS "
                "(SELECT 1 UNION ALL SELECT value + 1 FROM c WHERE value < 3000) "
                "SELECT value FROM c)"
            )
        )
    yield db
    await db.dispose()


class Ticker:
    """Counts the loop's turns while a block runs, and the longest gap between them."""

    def __init__(self) -> None:
        self.longest = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            self.longest = max(self.longest, now - last)
            last = now

    async def __aenter__(self) -> Ticker:
        self._task = asyncio.create_task(self._run())
        await asyncio.sleep(0.02)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()


async def test_a_statement_runs_on_the_loop_thread(sqlite_db: Database) -> None:
    before = InlineConnection.thread_calls
    async with sqlite_db.session() as session:
        ran_on = (await session.execute(text("SELECT tid()"))).scalar()
    assert ran_on == threading.get_ident()
    assert InlineConnection.thread_calls == before


async def test_a_write_waiting_for_another_connection_waits_off_the_loop(
    sqlite_db: Database, tmp_path: Path
) -> None:
    other = sqlite3.connect(tmp_path / "inline.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process's writer (the command line)
    before = InlineConnection.thread_calls

    async def write() -> None:
        async with sqlite_db.transaction() as session:
            await session.execute(text("INSERT INTO t VALUES (1)"))

    async with Ticker() as ticker:
        writing = asyncio.create_task(write())
        await asyncio.sleep(0.3)
        assert not writing.done()  # waiting for the lock, not failed with "database is locked"
        other.execute("COMMIT")
        await asyncio.wait_for(writing, 10)
    other.close()
    assert ticker.longest < 0.1  # the loop was never held while the write waited
    assert InlineConnection.thread_calls == before + 1
    async with sqlite_db.session() as session:
        assert (await session.execute(text("SELECT count(*) FROM t"))).scalar() == 1


async def test_a_slow_read_moves_to_the_connection_thread(sqlite_db: Database) -> None:
    before = InlineConnection.thread_calls
    slow = "SELECT count(*), tid() FROM big a, big b WHERE a.n + b.n > 0"
    async with Ticker() as ticker, sqlite_db.session() as session:
        count, ran_on = (await session.execute(text(slow))).one()
    assert count == 3000 * 3000
    assert ran_on != threading.get_ident()
    assert InlineConnection.thread_calls == before + 1
    assert ticker.longest < 0.1


async def test_a_failing_statement_still_fails(sqlite_db: Database) -> None:
    with pytest.raises(Exception, match="no such table"):
        async with sqlite_db.session() as session:
            await session.execute(text("SELECT * FROM missing"))


async def test_commits_never_checkpoint_on_the_loop(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_inline, "CHECKPOINT_EVERY", 3)
    ran_on: list[str] = []
    original = sqlite_inline._Checkpointer._checkpoint

    def recording(self: sqlite_inline._Checkpointer) -> None:
        ran_on.append(threading.current_thread().name)
        original(self)

    monkeypatch.setattr(sqlite_inline._Checkpointer, "_checkpoint", recording)
    async with sqlite_db.session() as session:
        assert (await session.execute(text("PRAGMA wal_autocheckpoint"))).scalar() == 0
    for n in range(3):
        async with sqlite_db.transaction() as session:
            await session.execute(text("INSERT INTO t VALUES (:n)"), {"n": n})
    for _ in range(100):
        if ran_on:
            break
        await asyncio.sleep(0.01)
    assert len(ran_on) == 1 and ran_on[0].startswith("linzhu-checkpoint")


async def test_point_reads_skip_the_session_and_see_committed_rows(sqlite_db: Database) -> None:
    async with sqlite_db.transaction() as session:
        await session.execute(text("INSERT INTO t VALUES (7)"))
    points = sqlite_db._points
    assert points is not None
    checkouts: list[object] = []
    event.listen(sqlite_db.engine.sync_engine.pool, "checkout", lambda *a: checkouts.append(a))
    row = await sqlite_db.read_row(text("SELECT n FROM t WHERE n = :n"), {"n": 7})
    assert row is not None and row[0] == 7 and row._mapping == {"n": 7}
    assert checkouts == [] and points.reads == 1  # no asyncio connection, no session
    with pytest.raises(sqlite3.OperationalError, match=r"readonly|read-only"):
        points._connection().execute("INSERT INTO t VALUES (8)")  # the reader cannot write


async def test_a_point_read_inside_a_writing_unit_sees_its_own_writes(sqlite_db: Database) -> None:
    async with sqlite_db.unit_of_work("k"):
        async with sqlite_db.transaction() as session:
            await session.execute(text("INSERT INTO t VALUES (9)"))
        row = await sqlite_db.read_row(text("SELECT count(*) FROM t WHERE n = 9"), {})
        assert row is not None and row[0] == 1  # uncommitted, seen: the unit's own session


async def test_a_busy_point_read_is_read_the_way_that_may_wait(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with sqlite_db.transaction() as session:
        await session.execute(text("INSERT INTO t VALUES (5)"))
    busy = sqlite3.OperationalError("database is locked")
    busy.sqlite_errorcode = 5  # type: ignore[attr-defined]

    def locked(*_: object) -> object:
        raise busy

    assert sqlite_db._points is not None
    monkeypatch.setattr(sqlite_db._points, "first", locked)
    row = await sqlite_db.read_row(text("SELECT n FROM t WHERE n = :n"), {"n": 5})
    assert row is not None and row[0] == 5
