"""SQLite statements run on the event loop, not through a thread hop each.

aiosqlite runs every call (cursor, execute, fetch, close, commit) on a thread of its own
and wakes the event loop with the result: under load, each of those hops cost the loop
more CPU than the statement itself (a point read in WAL mode takes tens of microseconds),
and SQLite made a message cost a third more CPU than PostgreSQL's native asyncio driver.

So a call runs inline, with two exits back to the connection's thread, where it may wait:
- **Busy**: the connection's busy timeout is 0 on the loop, so a call that would wait for
  another process's write lock (the command line, a backup) fails at once with SQLITE_BUSY
  instead of sleeping on the loop. It is retried on the thread, with the full timeout.
  Only statements that fail whole get BUSY here: BEGIN IMMEDIATE (this process queues its
  own writers in asyncio, db.Database.writing) and plain reads.
- **Slow**: a SELECT whose first step (where an aggregate or a sort does its work) runs
  longer than INLINE_BUDGET_MS on the loop is interrupted (a progress handler) and run
  again on the thread. A statement that writes is never interrupted (that would roll back
  its transaction); this application's writes touch a few rows each.

A commit never checkpoints on the loop either (a checkpoint writes pages back and syncs
the file): these connections turn WAL's automatic checkpoint off, and every
CHECKPOINT_EVERY commits a passive checkpoint runs on a thread of its own, which neither
waits for nor blocks readers and writers.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

import aiosqlite

INLINE_BUDGET_MS = 2.0
# The progress handler runs every this many SQLite VM instructions (tens of microseconds).
_PROGRESS_STEPS = 2000
_BUSY = 5  # SQLITE_BUSY, the primary code of every extended busy code
_INTERRUPT = 9  # SQLITE_INTERRUPT
CHECKPOINT_EVERY = 200  # commits (a commit appends a few pages to the WAL)


class InlineConnection(aiosqlite.Connection):
    """An aiosqlite connection whose calls run on the loop unless they would wait."""

    busy_timeout_ms = 30_000
    thread_calls = 0  # calls that went to a thread (busy or slow), for the tests and benches

    def __init__(self, connector: Callable[[], sqlite3.Connection], path: str) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self._thread.daemon = True  # as SQLAlchemy's dialect does for aiosqlite's own
        self._deadline = 0.0
        self._checkpoints = _checkpointer(path)

    async def _connect(self) -> InlineConnection:
        await super()._connect()
        conn = self._conn
        conn.execute("PRAGMA busy_timeout=0")
        conn.execute("PRAGMA wal_autocheckpoint=0")
        conn.set_progress_handler(self._over_budget, _PROGRESS_STEPS)
        return self

    async def commit(self) -> None:
        await super().commit()
        self._checkpoints.committed()

    def _over_budget(self) -> int:
        return int(self._deadline > 0 and time.perf_counter() > self._deadline)

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        conn = self._connection
        readonly = _read_only(fn, args)
        self._deadline = time.perf_counter() + INLINE_BUDGET_MS / 1000 if readonly else 0.0
        try:
            return fn(*args, **kwargs)
        except sqlite3.OperationalError as exc:
            code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
            if code != _BUSY and not (code == _INTERRUPT and readonly):
                raise
        finally:
            self._deadline = 0.0
        InlineConnection.thread_calls += 1
        return await super()._execute(_waiting, conn, self.busy_timeout_ms, fn, args, kwargs)


def _read_only(fn: Callable[..., Any], args: tuple[Any, ...]) -> bool:
    """A cursor's execute of a statement that only reads (the one kind safe to interrupt)."""
    if getattr(fn, "__name__", "") != "execute" or not args or not isinstance(args[0], str):
        return False
    return args[0].lstrip()[:6].upper() == "SELECT"


def _waiting(
    conn: sqlite3.Connection,
    timeout_ms: int,
    fn: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> Any:
    """On the connection's thread: the call with the busy timeout, then back to none."""
    conn.execute(f"PRAGMA busy_timeout={int(timeout_ms)}")
    try:
        return fn(*args, **kwargs)
    finally:
        conn.execute("PRAGMA busy_timeout=0")


class _Checkpointer:
    """Passive WAL checkpoints of one database file, on a thread of their own."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.commits = 0
        self.running = False
        self._conn: sqlite3.Connection | None = None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="linzhu-checkpoint")

    def committed(self) -> None:
        self.commits += 1
        if self.commits >= CHECKPOINT_EVERY and not self.running:
            self.commits, self.running = 0, True
            future = asyncio.get_running_loop().run_in_executor(self._pool, self._checkpoint)
            future.add_done_callback(self._done)

    def _done(self, future: asyncio.Future[None]) -> None:
        self.running = False
        future.exception()  # retrieved: a failed checkpoint is simply tried again later

    def _checkpoint(self) -> None:
        if self._conn is None:
            self._conn = sqlite3.connect(self.path, check_same_thread=False)
            self._conn.execute("PRAGMA busy_timeout=1000")
        self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()


_checkpointers: dict[str, _Checkpointer] = {}
_checkpointers_lock = threading.Lock()


def _checkpointer(path: str) -> _Checkpointer:
    with _checkpointers_lock:
        return _checkpointers.setdefault(path, _Checkpointer(path))


def inline_creator(path: str) -> Callable[[], Any]:
    """SQLAlchemy's `async_creator` for a SQLite file: an InlineConnection to it."""

    async def create() -> InlineConnection:
        connector = partial(sqlite3.connect, path, check_same_thread=False, isolation_level=None)
        connection = InlineConnection(connector, path)
        await connection
        return connection

    return create
