"""The database engine: SQLite (embedded default) or PostgreSQL, both through async SQLAlchemy."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, create_async_engine


class Database:
    """Owns the engine; hands out sessions and transactions.

    On SQLite every transaction starts with BEGIN IMMEDIATE: writers queue on the file lock
    up front instead of failing with "database is locked" when a read transaction later
    tries to write, which is what makes check-then-write sequences safe there.
    """

    def __init__(self, url: str, *, pool_size: int = 10, schema: str | None = None) -> None:
        self.url = url
        self.is_postgres = url.startswith("postgresql")
        self.schema = schema
        self.pool_capacity = pool_size * 3  # pool_size + max_overflow below
        kwargs: dict[str, Any] = {}
        if self.is_postgres:
            server_settings = {"search_path": schema} if schema else {}
            kwargs.update(
                pool_size=pool_size,
                max_overflow=pool_size * 2,
                pool_pre_ping=True,
                connect_args={"server_settings": server_settings, "timeout": 10},
            )
        else:
            kwargs.update(connect_args={"timeout": 30})
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if not self.is_postgres:
            _configure_sqlite(self.engine)

    def session(self) -> AsyncSession:
        """A session with no transaction begun yet; use it as an async context manager."""
        return AsyncSession(self.engine, expire_on_commit=False)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction, committed on success and rolled back on error."""
        async with self.session() as session, session.begin():
            yield session

    @asynccontextmanager
    async def user_lock(self, key: str) -> AsyncIterator[None]:
        """Serialise work on one key across worker processes (PostgreSQL only).

        A transaction-scoped advisory lock on a connection of its own: it is released when
        that transaction ends, including when the worker dies and the connection drops.
        On SQLite there is one process, whose in-memory lock is enough.
        """
        if not self.is_postgres:
            yield
            return
        async with self.engine.connect() as conn, conn.begin():
            await conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock_id(key)})
            yield

    async def ping(self) -> bool:
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    async def dispose(self) -> None:
        await self.engine.dispose()

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
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
