"""SQLite point reads through sqlite3 itself give what SQLAlchemy's Core gave: the same
values, of the same types (aware UTC datetimes, JSON, booleans), by position and by name."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import SQLModel

from bot.store.conversations import _FIND
from bot.store.db import Database
from bot.store.handoff.conversations import _LIVE_FOR_REF, _LIVE_ID
from bot.store.handoff.tables import HandoffConversation
from bot.store.tables import ConversationState, User

NOW = datetime(2026, 12, 5, 9, 30, 15, 123456, tzinfo=UTC)


@pytest.fixture
async def sqlite_file(tmp_path: Path) -> AsyncIterator[Database]:
    path = tmp_path / "points.db"
    SQLModel.metadata.create_all(create_engine(f"sqlite:///{path}"))
    db = Database(f"sqlite+aiosqlite:///{path}", pool_size=2)
    yield db
    await db.dispose()


async def test_rows_equal_sqlalchemys_for_every_column_type(sqlite_file: Database) -> None:
    db = sqlite_file
    async with db.transaction() as session:
        full = User(
            channel="telegram", external_id="42", locale="ru", locale_source="explicit",
            platform_language="ru-RU", first_seen=NOW - timedelta(days=3), last_seen=NOW,
            active=False, inactive_reason="blocked the bot", reminders_enabled=False,
            display_name="Анна К.", contact="tel:+8613800138000",
        )  # fmt: skip
        bare = User(channel="web", external_id="w1", first_seen=NOW, last_seen=NOW)
        session.add_all([full, bare])
        await session.flush()
        assert full.id is not None and bare.id is not None
        state = ConversationState(
            user_id=full.id, flow="booking", step="note",
            data={"topic": "school", "n": 3, "nested": {"ok": True}, "漢字": "✓"},
            menu=["book:day:1", "book:day:2"], last_topic="school.documents",
            expires_at=NOW + timedelta(hours=1), updated_at=NOW,
        )  # fmt: skip
        talk = HandoffConversation(
            user_id=full.id, channel="telegram", locale="ru", status="open",
            open_key=full.id, opened_at=NOW, last_activity_at=NOW,
        )  # fmt: skip
        session.add_all([state, talk])
    points = db._points
    assert points is not None
    cases = [
        (_FIND, {"channel": "telegram", "ext": "42"}),
        (_FIND, {"channel": "web", "ext": "w1"}),  # no state: the outer join's NULLs
        (_FIND, {"channel": "web", "ext": "nobody"}),
        (_LIVE_ID, {"user": full.id}),
        (_LIVE_ID, {"user": bare.id}),
        (_LIVE_FOR_REF, {"channel": "telegram", "external": "42"}),
        (text("SELECT count(*) AS n, max(external_id) AS last FROM users"), {}),
    ]
    async with db.engine.connect() as conn:
        for statement, params in cases:
            expected = (await conn.execute(statement, params)).first()
            got = points.first(statement, params)
            if expected is None:
                assert got is None, params
                continue
            assert got is not None, params
            assert dict(got._mapping) == dict(expected._mapping), params
            assert [type(v) for v in got] == [type(v) for v in expected], params
            assert tuple(got) == tuple(expected)
    row = await db.read_row(_FIND, {"channel": "telegram", "ext": "42"})
    assert row is not None
    mapping = row._mapping
    assert mapping["last_seen"] == NOW and mapping["last_seen"].tzinfo is not None
    assert mapping["active"] is False and mapping["s_data"]["漢字"] == "✓"
    assert mapping["s_menu"] == ["book:day:1", "book:day:2"]


async def test_a_statement_is_compiled_once(sqlite_file: Database) -> None:
    points = sqlite_file._points
    assert points is not None
    for _ in range(3):
        assert points.first(_LIVE_ID, {"user": 1}) is None
    assert len(points._compiled) == 1 and points.reads == 3


async def test_only_plain_keys_are_bound(sqlite_file: Database) -> None:
    """A datetime would be bound by sqlite3's own adapter, not the column type's format:
    refused rather than compared wrongly."""
    points = sqlite_file._points
    assert points is not None
    with pytest.raises(TypeError, match="plain keys"):
        points.first(text("SELECT 1 WHERE :t IS NOT NULL"), {"t": NOW})
