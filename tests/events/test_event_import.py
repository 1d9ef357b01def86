"""Event files (YAML and CSV) and the staff CLI: problems by line, all-or-nothing import."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.config import get_settings
from bot.events.importer import EventFileError, load_events
from bot.store.db import Database
from bot.store.events.admin import EventAdmin
from bot.store.events.signup import EventStore
from tests.events.helpers import make_users, outbox_rows
from tests.paths import ROOT

BAD_YAML = """\
events:
  - key: good
    title: {en: Fine}
    category: jobs
    start: "2030-01-05 14:00"
    end: "2030-01-05 16:00"
  - key: bad
    title: {fr: "Seulement français"}
    category: parties
    start: "2030-01-06 14:00"
    end: "2030-01-06 13:00"
    capacity: -3
    colour: red
  - key: good
    title: {zh_Hans: 第三}
    category: family
    start: tomorrow
    end: "2030-01-07 16:00"
    questions:
      - {id: Kids, text: {en: "How many?"}}
"""


def test_the_example_files_are_valid() -> None:
    yaml_specs = load_events(ROOT / "data" / "events.example.yaml")
    csv_specs = load_events(ROOT / "data" / "events.example.csv")
    assert len(yaml_specs) == 2 and len(csv_specs) == 2
    assert yaml_specs[1].questions[0]["id"] == "children"
    assert csv_specs[0].capacity is None and csv_specs[1].capacity == 30
    assert csv_specs[1].questions == [
        {"id": "children", "text": {"en": "How many people are coming?", "zh_Hans": "有几位参加？"}}
    ]
    assert yaml_specs[0].starts_at.utcoffset().total_seconds() == 8 * 3600  # type: ignore[union-attr]


def test_yaml_problems_are_reported_by_line(tmp_path: Path) -> None:
    path = tmp_path / "events.yaml"
    path.write_text(BAD_YAML, encoding="utf-8")
    with pytest.raises(EventFileError) as err:
        load_events(path)
    by_line = {(p.line, p.message.split(" ")[0]) for p in err.value.problems}
    assert (7, "title") in by_line  # neither en nor zh_Hans
    assert (7, "category") in by_line
    assert (7, "end") in by_line
    assert (7, "capacity") in by_line
    assert (7, "unknown") in by_line  # colour
    assert (14, "start") in by_line
    assert (14, "question") in by_line
    assert (14, "key") in by_line  # duplicate of line 2
    assert not any(p.line == 2 for p in err.value.problems)


def test_csv_problems_are_reported_by_line(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    path.write_text(
        "title.en,category,start,end,capacity\n"
        "Fine,jobs,2030-01-05 14:00,2030-01-05 16:00,10\n"
        "Broken,jobs,2030-13-05 14:00,2030-01-05 16:00,ten\n",
        encoding="utf-8",
    )
    with pytest.raises(EventFileError) as err:
        load_events(path)
    assert {p.line for p in err.value.problems} == {3}
    assert len(err.value.problems) == 2


def _cli(db: Database, monkeypatch: pytest.MonkeyPatch, *argv: str) -> int:
    monkeypatch.setenv("DATABASE_URL", db.url)
    if db.schema:
        monkeypatch.setenv("DATABASE_SCHEMA", db.schema)
    get_settings.cache_clear()
    try:
        return main(list(argv))
    finally:
        get_settings.cache_clear()


async def test_invalid_file_changes_nothing_then_valid_one_imports(
    db: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD_YAML, encoding="utf-8")
    code = await asyncio.to_thread(_cli, db, monkeypatch, "events", "import", str(bad))
    assert code == 2
    err = capsys.readouterr().err
    assert "nothing was imported" in err and f"{bad}:7:" in err and f"{bad}:14:" in err
    admin = EventAdmin(db)
    assert await admin.list_events(include_past=True) == []
    example = str(ROOT / "data" / "events.example.yaml")
    assert await asyncio.to_thread(_cli, db, monkeypatch, "events", "import", example) == 0
    # Importing again updates by key instead of adding.
    assert await asyncio.to_thread(_cli, db, monkeypatch, "events", "import", example) == 0
    events = await admin.list_events(include_past=True)
    assert [e.key for e in events] == ["example-job-fair", "example-family-day"]
    assert [e.status for e in events] == ["published", "draft"]


async def test_cli_publish_attendees_notify_cancel(
    db: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def cli(*argv: str) -> int:
        return _cli(db, monkeypatch, *argv)

    args = ["events", "add", "--title", "en=Budget talk", "--title", "zh_Hans=预算讲座"]
    args += ["--category", "business", "--start", "2030-03-01 10:00", "--end"]
    args += ["2030-03-01 11:00", "--capacity", "1"]
    assert await asyncio.to_thread(cli, *args) == 0
    assert "Added event 1 (draft)" in capsys.readouterr().out
    assert await asyncio.to_thread(cli, "events", "publish", "1") == 0
    a, b = await make_users(db, 2)
    store = EventStore(db)
    await store.register(a, 1, {})
    await store.register(b, 1, {})
    capsys.readouterr()
    assert await asyncio.to_thread(cli, "events", "attendees", "1", "--format", "csv") == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("status,position,channel,user")
    assert lines[1].startswith("registered,,web,r0") and lines[2].startswith("waitlisted,1,web,r1")
    notice = tmp_path / "notice.yaml"
    notice.write_text("en: Bring a pen.\nzh_Hans: 请带笔。\n", encoding="utf-8")
    assert await asyncio.to_thread(cli, "events", "notify", "1", "--text-file", str(notice)) == 0
    rows = [r for r in await outbox_rows(db, "event:1:notice:") if r.status == "pending"]
    assert [r.user_id for r in rows] == [a]
    assert rows[0].payload["texts"] == {"en": "Bring a pen.", "zh_Hans": "请带笔。"}
    assert await asyncio.to_thread(cli, "events", "cancel", "1") == 0
    assert "2 resident(s) will be told" in capsys.readouterr().out
    assert await asyncio.to_thread(cli, "events", "publish", "9") == 2
    assert "no event with that id" in capsys.readouterr().err


async def test_demo_events_are_fictional_and_seeded_once(db: Database) -> None:
    from zoneinfo import ZoneInfo

    from bot.events.demo import seed_demo_events

    tz = ZoneInfo("Asia/Shanghai")
    assert await seed_demo_events(db, tz) == 4
    assert await seed_demo_events(db, tz) == 0
    assert await seed_demo_events(db, tz, if_empty=False) == 0  # demo-… keys exist already
    events, total = await EventStore(db).upcoming(limit=10)
    assert total == 4
    assert all("(demo)" in e.title["en"] and "演示" in e.title["zh_Hans"] for e in events)
