"""The database engine: SQLite (embedded default) or PostgreSQL, both through async SQLAlchemy.

Three ways in:
- `unit_of_work(key)`: one transaction for one message. Everything the message's stores do
  joins it (through a ContextVar), so a message costs one transaction and, on PostgreSQL,
  one pooled connection, which also holds the user's advisory lock.
- `transaction()`: a write transaction of its own, or a savepoint of the open unit of work
  (so a store that catches a failure, such as a lost booking race, rolls back only itself).
- `session()`: for reading: the open unit of work's session, or a plain read.

SQLite has one writer at a time. Writers queue here, in asyncio, one write transaction per
process at a time (`writing()`), so no connection ever sleeps in SQLite's busy handler;
each then starts with BEGIN IMMEDIATE, which makes check-then-write sequences safe. Reads
begin with a plain BEGIN and never wait for the writer (WAL). The busy timeout remains for
other processes (the command line). So that a message that writes nothing never takes the
writer's turn, a unit of work on SQLite begins its transaction at its first write and holds
the turn from then until it commits; its reads before that are plain reads (one process
serialises one user's messages in memory, so nothing they read changes under them).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Row, event, make_url, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, create_async_engine

from bot.store.point_reads import PointReader, PointRow
from bot.store.point_reads import busy as point_busy
from bot.store.sqlite_inline import InlineConnection, inline_creator

_Row = TypeVar("_Row")
WRITE_BEGIN = "BEGIN IMMEDIATE"
READ_BEGIN = "BEGIN"
NO_BEGIN = ""  # one statement, its own implicit transaction (read_row)
ADVISORY_LOCK = text("SELECT pg_advisory_xact_lock(:k)")
# Connections a worker keeps out of messages' reach, for /healthz and the background loops.
RESERVED_CONNECTIONS = 2
# SQLite connections kept open (each has an idle thread for calls that must wait).
SQLITE_POOL = 20

# How the next SQLite transaction begins (read by the "begin" event, which runs in the
# caller's context); writers by default, so raw connections stay safe.
_sqlite_begin: ContextVar[str] = ContextVar("linzhu_sqlite_begin", default=WRITE_BEGIN)


@dataclass
class _Unit:
    db: Database
    session: AsyncSession
    open: bool = True
    writing: bool = False  # its transaction has begun (SQLite: it holds the writer's turn)


_unit: ContextVar[_Unit | None] = ContextVar("linzhu_unit_of_work", default=None)


class Database:
    """Owns the engine; hands out the unit of work, transactions and read sessions."""

    def __init__(self, url: str, *, pool_size: int = 10, schema: str | None = None) -> None:
        self.url = url
        self.is_postgres = url.startswith("postgresql")
        self.schema = schema
        self.pool_size = pool_size  # connections kept open
        self.pool_capacity = pool_size * 3  # pool_size + max_overflow below
        kwargs: dict[str, Any] = {}
        self._points: PointReader | None = None  # SQLite files: see read_row
        if self.is_postgres:
            server_settings = {"search_path": schema} if schema else {}
            # No pre-ping: it costs a round trip on every checkout. A connection the server
            # dropped fails its first statement, and the unit of work retries once on a
            # fresh one (SQLAlchemy invalidates the pool's older connections meanwhile).
            kwargs.update(
                pool_size=pool_size,
                max_overflow=pool_size * 2,
                connect_args={"server_settings": server_settings, "timeout": 10},
            )
        else:
            # Every session ends its own transaction (commit, or rollback on close), so the
            # pool's extra rollback on return would only cost one more trip to SQLite's
            # thread, which writers pay while the rest of the process waits for its turn.
            kwargs.update(connect_args={"timeout": 30}, pool_reset_on_return=None)
            path = make_url(url).database
            if path and path != ":memory:" and not path.startswith("file:"):
                # Statements run on the event loop (bot/store/sqlite_inline.py). Messages
                # hold a connection only between a write's statements, but the pool keeps
                # enough open that a burst never opens (and closes) one per message.
                kwargs.update(
                    async_creator=inline_creator(path),
                    pool_size=max(pool_size, SQLITE_POOL),
                    max_overflow=SQLITE_POOL,
                )
                self._points = PointReader(path)
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if not self.is_postgres:
            _configure_sqlite(self.engine)
        self._write_lock: asyncio.Lock | None = None
        self._write_lock_loop: asyncio.AbstractEventLoop | None = None
        self._health: AsyncConnection | None = None
        self._health_lock: asyncio.Lock | None = None
        self._health_loop: asyncio.AbstractEventLoop | None = None

    # --- writing ---------------------------------------------------------------------------

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[None]:
        """SQLite: wait for this process's turn to write (no-op on PostgreSQL)."""
        if self.is_postgres:
            yield
            return
        async with self._lock():
            token = _sqlite_begin.set(WRITE_BEGIN)
            try:
                yield
            finally:
                _sqlite_begin.reset(token)

    def _lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        if self._write_lock is None or self._write_lock_loop is not loop:
            # One per event loop: a worker forked from a parent, or a test's fresh loop.
            self._write_lock, self._write_lock_loop = asyncio.Lock(), loop
        return self._write_lock

    @asynccontextmanager
    async def unit_of_work(self, lock_key: str | None = None) -> AsyncIterator[AsyncSession]:
        """One transaction that every store call inside the block joins; committed when the
        block ends, rolled back when it raises. On PostgreSQL `lock_key` is locked for the
        transaction (an advisory lock, on the same connection); on SQLite the transaction
        begins at the first write (see the module's docstring)."""
        if self._unit() is not None:
            raise RuntimeError("a unit of work is already open in this task")
        if self.is_postgres:
            unit = _Unit(self, await self._begin_unit(lock_key), writing=True)
        else:
            unit = _Unit(self, self._new_session())
        token = _unit.set(unit)
        try:
            yield unit.session
            unit.open = False
            if unit.writing:
                await unit.session.commit()
        except BaseException:
            unit.open = False
            if unit.writing:
                await unit.session.rollback()
            raise
        finally:
            _unit.reset(token)
            try:
                await unit.session.close()
            finally:
                if unit.writing and not self.is_postgres:
                    self._lock().release()

    async def _start_writing(self, unit: _Unit) -> None:
        """SQLite: take this process's writer turn for the rest of the unit of work."""
        lock = self._lock()
        await lock.acquire()
        token = _sqlite_begin.set(WRITE_BEGIN)
        try:
            await unit.session.connection()  # BEGIN IMMEDIATE
        except BaseException:
            lock.release()
            raise
        finally:
            _sqlite_begin.reset(token)
        unit.writing = True

    async def _begin_unit(self, lock_key: str | None) -> AsyncSession:
        for attempt in (1, 2):
            session = self._new_session()
            try:
                await session.connection()
                if self.is_postgres and lock_key is not None:
                    await session.execute(ADVISORY_LOCK, {"k": lock_id(lock_key)})
                return session
            except DBAPIError as exc:
                await session.close()
                if attempt == 2 or not exc.connection_invalidated:
                    raise
        raise AssertionError("unreachable")

    @asynccontextmanager
    async def transaction(self, *, savepoint: bool = True) -> AsyncIterator[AsyncSession]:
        """A write transaction committed on success and rolled back on error.

        Inside a unit of work this is a savepoint of it (or, with savepoint=False, simply the
        unit's session: for callers whose failure must fail the whole message anyway)."""
        unit = self._unit()
        if unit is not None:
            if not unit.writing:
                await self._start_writing(unit)
            if not savepoint:
                yield unit.session
                return
            async with unit.session.begin_nested():
                yield unit.session
            return
        async with self.writing(), self._new_session() as session, session.begin():
            yield session

    async def lock_row(self, model: type[_Row], key: Any) -> _Row | None:
        """Hold one row for a change in the open unit of work, and return it as held (None:
        there is none): on PostgreSQL locked (FOR UPDATE) until the unit ends, on SQLite read
        in the writer's turn the unit then holds. What the unit reads of the row from then on
        is what its change replaces (an audit's "before"), whatever another worker commits."""
        if self._unit() is None:
            raise RuntimeError("lock_row holds a row for a unit of work: open one first")
        async with self.transaction(savepoint=False) as session:
            return await session.get(model, key, with_for_update=True, populate_existing=True)

    @asynccontextmanager
    async def write_early(self) -> AsyncIterator[AsyncSession]:
        """A write that may commit before the message ends (a user's first contact): on
        SQLite a short transaction of its own, so the message does not hold the writer's turn
        from its start; part of the unit of work on PostgreSQL (its connection)."""
        unit = self._unit()
        if unit is not None and unit.writing:
            yield unit.session
            return
        async with self.writing(), self._new_session() as session, session.begin():
            yield session

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session for reading: the unit of work's once it writes, else a plain read."""
        unit = self._unit()
        if unit is not None and unit.writing:
            yield unit.session
            return
        token = _sqlite_begin.set(READ_BEGIN)
        try:
            async with self._new_session() as session:
                yield session
        finally:
            _sqlite_begin.reset(token)

    async def read_row(self, statement: Any, params: dict[str, Any]) -> Row[Any] | PointRow | None:
        """The first row of one read-only statement by an index (the user and their state,
        a live handoff: every message makes these), by position and by `_mapping`: on
        PostgreSQL and in a unit of work that writes, in the session the message uses. On a
        SQLite file otherwise through `sqlite3` itself, right on the loop (point_reads.py):
        a point read is tens of microseconds, and the asyncio engine's session, greenlets and
        events cost six times that, SQLAlchemy's synchronous Core three times."""
        unit = self._unit()
        if self.is_postgres or (unit is not None and unit.writing):
            async with self.session() as session:
                return (await session.execute(statement, params)).first()
        if self._points is not None:
            try:
                return self._points.first(statement, params)
            except sqlite3.OperationalError as exc:
                if not point_busy(exc):
                    raise
                # (WAL recovery by another process, say) read the way that may wait: below
        token = _sqlite_begin.set(NO_BEGIN)
        try:
            async with self.engine.connect() as conn:
                return (await conn.execute(statement, params)).first()
        finally:
            _sqlite_begin.reset(token)

    def _new_session(self) -> AsyncSession:
        return AsyncSession(self.engine, expire_on_commit=False)

    def _unit(self) -> _Unit | None:
        unit = _unit.get()
        if unit is None or not unit.open or unit.db is not self:
            return None
        return unit

    # --- the rest ---------------------------------------------------------------------------

    async def ping(self) -> bool:
        """For /healthz: `SELECT 1` on a connection of its own, so a probe never queues for
        the pool behind busy messages; retried once on a connection the server dropped."""
        ok, _value = await self.probe("SELECT 1")
        return ok

    async def probe(self, query: str) -> tuple[bool, Any]:
        """Run one read-only query on the health connection: (reachable, first value or
        None). A query that fails on a live connection (a missing table) gives (True, None)."""
        if self._health_lock is None or self._health_loop is not asyncio.get_running_loop():
            self._health_lock, self._health_loop = asyncio.Lock(), asyncio.get_running_loop()
            self._health = None
        async with self._health_lock:
            token = _sqlite_begin.set(READ_BEGIN)
            try:
                for attempt in (1, 2):
                    try:
                        if self._health is None:
                            self._health = await self.engine.connect()
                        result = await self._health.execute(text(query))
                        value = result.scalar()
                        await self._health.rollback()  # hold no snapshot between probes
                        return True, value
                    except Exception as exc:
                        invalidated = getattr(exc, "connection_invalidated", False)
                        if isinstance(exc, DBAPIError) and not invalidated and attempt == 1:
                            with contextlib.suppress(Exception):
                                assert self._health is not None
                                await self._health.rollback()
                                await self._health.execute(text("SELECT 1"))
                                await self._health.rollback()
                                return True, None  # the server answered; the query failed
                        await self._close_health()
                        if attempt == 2 or not invalidated:
                            return False, None
                return False, None
            finally:
                _sqlite_begin.reset(token)

    async def _close_health(self) -> None:
        conn, self._health = self._health, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.close()

    async def dispose(self) -> None:
        with contextlib.suppress(RuntimeError):  # no loop, or another one: nothing to close
            if self._health_loop is asyncio.get_running_loop():
                await self._close_health()
        await self.engine.dispose()
        if self._points is not None:
            self._points.close()

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[AsyncConnection]:
        async with self.engine.connect() as conn:
            yield conn


def lock_id(key: str) -> int:
    """A stable signed 64-bit id for an advisory lock."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)


def _configure_sqlite(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Only another process can make us wait: this one queues its writers in asyncio.
        # An inline connection waits only on its thread (it keeps 0 on the loop).
        if not isinstance(getattr(dbapi_conn, "driver_connection", None), InlineConnection):
            cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        begin = _sqlite_begin.get()
        if begin:
            conn.exec_driver_sql(begin)
