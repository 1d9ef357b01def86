"""Migrations from an earlier revision, on an empty database of each kind: 0022 → head adds
the claim of a staff reply being sent (handoff_messages.claimed_at) and the mark of a reply
written in the staff group (via_group, false for the replies already there), and back down.
(That head matches the models is test_store.py's test_migrations_match_models.)"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from bot.store.db import Database
from bot.store.migrate import alembic_config, upgrade
from tests.conftest import PG_URL, drop_schema, require_postgres


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str | None]]:
    """An empty database: a new SQLite file, or a new PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}", None
        return
    require_postgres()
    schema = f"m_{uuid.uuid4().hex[:12]}"
    yield PG_URL, schema
    asyncio.run(drop_schema(schema))


async def _state(url: str, schema: str | None) -> tuple[str, list[str], list[tuple[str, object]]]:
    """The revision, handoff_messages' columns and its rows' (delivery, claimed_at)."""
    db = Database(url, pool_size=1, schema=schema)
    try:
        async with db.connect() as conn:
            version = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
            columns = await conn.run_sync(
                lambda sync: [c["name"] for c in inspect(sync).get_columns("handoff_messages")]
            )
            picked = "delivery, claimed_at" if "claimed_at" in columns else "delivery, NULL"
            rows = await conn.execute(text(f"SELECT {picked} FROM handoff_messages ORDER BY id"))
            return str(version), columns, [tuple(r) for r in rows]  # type: ignore[misc]
    finally:
        await db.dispose()


async def _seed(url: str, schema: str | None) -> None:
    """A conversation with a staff reply waiting, as 0022 knew it."""
    at = "'2026-12-06 10:00:00'"  # a literal: each database reads it as its own type
    db = Database(url, pool_size=1, schema=schema)
    try:
        async with db.engine.begin() as conn:
            for statement in (
                "INSERT INTO users (id, channel, external_id, locale, first_seen, last_seen,"
                f" active, reminders_enabled) VALUES (1, 'web', 'r1', 'en', {at}, {at}, true,"
                " true)",
                "INSERT INTO handoff_conversations (id, user_id, open_key, channel, locale,"
                " status, opened_at, last_activity_at, unread, alert, context)"
                f" VALUES (1, 1, 1, 'web', 'en', 'open', {at}, {at}, 0, false, '{{}}')",
                "INSERT INTO handoff_messages (id, conversation_id, direction, text,"
                f" created_at, delivery, emergency) VALUES (1, 1, 'out', 'Hello', {at},"
                " 'pending', false)",
            ):
                await conn.execute(text(statement))
    finally:
        await db.dispose()


def test_upgrade_from_0022_to_head_and_back(empty: tuple[str, str | None]) -> None:
    url, schema = empty
    head = ScriptDirectory.from_config(alembic_config(url, schema)).get_current_head()
    assert head == "0025"
    upgrade(url, schema, "0022")
    version, columns, _rows = asyncio.run(_state(url, schema))
    assert version == "0022" and "claimed_at" not in columns
    asyncio.run(_seed(url, schema))

    upgrade(url, schema)
    version, columns, rows = asyncio.run(_state(url, schema))
    assert version == head and {"claimed_at", "via_group"} <= set(columns)
    assert rows == [("pending", None)]  # the waiting reply still waits, unclaimed
    assert asyncio.run(_via_group(url, schema)) == [False]  # the console's, as all were

    # Down again with a reply caught mid-send: it goes back in line.
    asyncio.run(_mark_sending(url, schema))
    command.downgrade(alembic_config(url, schema), "0022")
    version, columns, rows = asyncio.run(_state(url, schema))
    assert version == "0022" and not {"claimed_at", "via_group"} & set(columns)
    assert rows == [("pending", None)]
    upgrade(url, schema)
    assert asyncio.run(_state(url, schema))[0] == head


async def _mark_sending(url: str, schema: str | None) -> None:
    db = Database(url, pool_size=1, schema=schema)
    try:
        async with db.engine.begin() as conn:
            await conn.execute(
                text(
                    "UPDATE handoff_messages SET delivery = 'sending',"
                    " claimed_at = '2026-12-06 10:00:01'"
                )
            )
    finally:
        await db.dispose()


async def _via_group(url: str, schema: str | None) -> list[object]:
    db = Database(url, pool_size=1, schema=schema)
    try:
        async with db.connect() as conn:
            rows = await conn.execute(text("SELECT via_group FROM handoff_messages ORDER BY id"))
            return [bool(v) for (v,) in rows]
    finally:
        await db.dispose()
