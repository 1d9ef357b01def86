"""Fixtures: a real database per test (SQLite and PostgreSQL), the dispatcher, a chat harness.

PostgreSQL tests use the server at 127.0.0.1:5432 (database `test`, or LINZHU_TEST_PG_URL),
each test session in a schema of its own so parallel runs never collide. Without a server
they skip with a message, except under CI=true, where a missing server fails the run.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import SQLModel

import bot.store.all_models  # noqa: F401
from bot.app import build_dispatcher
from bot.channels.base import install
from bot.channels.console import ConsoleChannel
from bot.channels.webchat.channel import WebChatChannel
from bot.config import Settings, load_settings
from bot.core.dispatcher import Dispatcher
from bot.knowledge.base import KnowledgeBase
from bot.logs import RedactSecrets, RequestId, TracebackThrottle
from bot.store.db import Database
from bot.store.migrate import upgrade
from tests.harness import Conversation

PG_URL = os.environ.get("LINZHU_TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
PG_SKIP = (
    "PostgreSQL is not reachable at 127.0.0.1:5432 (start it with "
    "`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`); "
    "PostgreSQL tests skipped"
)


def _pg_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests talk to 127.0.0.1 only (fakes of the platforms' servers)."""
    real = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else None
        if host is not None and host not in {"127.0.0.1", "::1", "localhost"}:
            raise RuntimeError(f"test tried to reach {address}: only 127.0.0.1 is allowed")
        return real(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture(autouse=True)
def _logging_filters_do_not_outlive_a_test() -> Iterator[None]:
    """A test that runs the CLI in-process calls setup_logging, which puts Linzhu's filters
    on every root handler — pytest's own capture handlers included, which live for the
    whole session. Without this, that test's traceback throttle would swallow later tests'
    tracebacks."""
    yield
    for handler in logging.getLogger().handlers:
        for f in [
            f
            for f in handler.filters
            if isinstance(f, TracebackThrottle | RedactSecrets | RequestId)
        ]:
            handler.removeFilter(f)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("db") / "template.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


def require_postgres() -> None:
    """Skip the test without PostgreSQL (with the reason); on CI, fail instead."""
    if not _pg_reachable():
        if os.environ.get("CI"):
            pytest.fail("CI=true but " + PG_SKIP, pytrace=False)
        pytest.skip(PG_SKIP)


@pytest.fixture(scope="session")
def pg_schema() -> Iterator[str]:
    require_postgres()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    upgrade(PG_URL, schema)
    yield schema
    asyncio.run(drop_schema(schema))


async def drop_schema(schema: str) -> None:
    db = Database(PG_URL)
    async with db.engine.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    await db.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_url(
    db_backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> tuple[str, str | None]:
    if db_backend == "sqlite":
        path = tmp_path / "linzhu.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite+aiosqlite:///{path}", None
    return PG_URL, request.getfixturevalue("pg_schema")


@pytest.fixture
async def db(db_url: tuple[str, str | None]) -> AsyncIterator[Database]:
    url, schema = db_url
    database = Database(url, pool_size=5, schema=schema)
    if database.is_postgres:
        names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
        async with database.engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    yield database
    await database.dispose()


@pytest.fixture
def settings(db_url: tuple[str, str | None], tmp_path: Path) -> Settings:
    url, schema = db_url
    return load_settings(database_url=url, database_schema=schema, _env_file=None)


@pytest.fixture(scope="session")
def knowledge() -> KnowledgeBase:
    """The real faq/ with the configured encoders, loaded once per test session.

    Vectors come from var/faq-cache; the very first run on a fresh clone encodes every
    phrasing (minutes with e5 on one core), later runs read the cache.
    """
    settings = load_settings(_env_file=None)
    return KnowledgeBase.from_settings(
        settings.faq_dir, settings.faq_encoder, settings.faq_cache_dir
    )


@pytest.fixture
async def dispatcher(settings: Settings, db: Database, knowledge: KnowledgeBase) -> Dispatcher:
    """The dispatcher with the channels that need no settings: the web chat and the console."""
    built = build_dispatcher(settings, db=db, knowledge=knowledge)
    install(built, WebChatChannel(built))
    install(built, ConsoleChannel(built))
    return built


@pytest.fixture
def conversation(dispatcher: Dispatcher) -> Conversation:
    return Conversation(dispatcher)
