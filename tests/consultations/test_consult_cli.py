"""Staff commands on SQLite and PostgreSQL: consultants, slots (patterns, holidays, clear errors
with nothing half-written), bookings list/export, demo data, the holidays generator."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from icalendar import Calendar

from bot.cli.main import main
from bot.config import get_settings
from bot.consultations.slot_patterns import load_holidays
from bot.store.consultations.bookings import BookingStore
from bot.store.consultations.schedule import ScheduleStore
from bot.store.db import Database
from tests.consultations.helpers import future, make_slots, make_user
from tests.paths import ROOT


@pytest.fixture
def cli_env(
    db: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[tuple[str, str | None]]:
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.setenv("DATABASE_URL", db.url)
    if db.schema:
        monkeypatch.setenv("DATABASE_SCHEMA", db.schema)
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    get_settings.cache_clear()
    yield db.url, db.schema
    get_settings.cache_clear()


def linzhu(*argv: str) -> int:
    return main(list(argv))


def slot_count(url: str, schema: str | None) -> int:
    async def count() -> int:
        db = Database(url, schema=schema)
        try:
            return len(await ScheduleStore(db).slots_between(future(-1000), future(10000)))
        finally:
            await db.dispose()

    return asyncio.run(count())


def test_consultants_add_list_deactivate(
    cli_env: tuple[str, str | None], capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        linzhu("consultants", "add", "Ms Wang", "--languages", "zh_Hans,en", "--topics", "school")
        == 0
    )
    assert linzhu("consultants", "add", "Ms Wang", "--languages", "en") == 2
    assert "already exists" in capsys.readouterr().err
    assert linzhu("consultants", "add", "Mr Li", "--languages", "en,xx") == 2
    assert "Unknown language(s) xx" in capsys.readouterr().err
    assert linzhu("consultants", "deactivate", "ms wang") == 0
    assert linzhu("consultants", "list") == 0
    out = capsys.readouterr().out
    assert "Ms Wang" in out and "zh_Hans,en" in out and " no" in out
    assert linzhu("consultants", "deactivate", "Nobody") == 2
    assert "No consultant 'Nobody'" in capsys.readouterr().err


def test_weekly_pattern_skips_holidays(
    cli_env: tuple[str, str | None], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    holidays = tmp_path / "h.yaml"
    holidays.write_text(
        "holidays:\n  - {date: 2030-03-07, name: Test holiday}\n"
        "workdays:\n  - {date: 2030-03-09, name: Make-up working day}\n"
    )
    linzhu("consultants", "add", "Ms Wang", "--languages", "en")
    args = [
        "slots",
        "add",
        "--consultant",
        "Ms Wang",
        "--start-date",
        "2030-03-01",
        "--end-date",
        "2030-03-14",
        "--days",
        "tue,thu",
        "--from",
        "14:00",
        "--to",
        "17:00",
        "--length",
        "30",
        "--holidays",
        str(holidays),
    ]
    assert linzhu(*args, "--include-makeup-workdays") == 0
    out = capsys.readouterr().out
    # Tue 5, Thu 7 (holiday), Sat 9 (make-up day), Tue 12, Thu 14 → 4 days × 6 slots.
    assert "Skipped 2030-03-07 (Test holiday)" in out and "Added 24 slot(s) on 4 day(s)" in out
    assert linzhu("slots", "list", "--start-date", "2030-03-05", "--days", "1") == 0
    out = capsys.readouterr().out
    assert "2030-03-05 Tue 14:00" in out and "2030-03-05 Tue 16:30" in out and "free" in out


def test_slot_errors_are_clear_and_write_nothing(
    cli_env: tuple[str, str | None], capsys: pytest.CaptureFixture[str]
) -> None:
    url, schema = cli_env
    linzhu("consultants", "add", "Ms Wang", "--languages", "en")
    assert (
        linzhu(
            "slots",
            "add",
            "--consultant",
            "Ms Wang",
            "--date",
            "2030-03-05",
            "--from",
            "16:30",
            "--to",
            "17:30",
            "--no-holidays",
        )
        == 0
    )
    before = slot_count(url, schema)
    cases = [
        (
            [
                "--start-date",
                "2030-03-01",
                "--end-date",
                "2030-03-06",
                "--days",
                "tue",
                "--from",
                "14:00",
                "--to",
                "17:00",
                "--length",
                "30",
            ],
            "overlapping the new one",
        ),
        (["--date", "2030-03-06", "--from", "15:00", "--to", "14:00"], "not after the start"),
        (["--date", "2030-02-30", "--from", "14:00", "--to", "15:00"], "not a date"),
        (["--date", "2030-03-06", "--from", "2pm", "--to", "15:00"], "not a time"),
        (
            [
                "--start-date",
                "2030-03-09",
                "--end-date",
                "2030-03-01",
                "--days",
                "tue",
                "--from",
                "14:00",
                "--to",
                "15:00",
            ],
            "ends (2030-03-01) before it starts",
        ),
    ]
    for extra, message in cases:
        assert linzhu("slots", "add", "--consultant", "Ms Wang", "--no-holidays", *extra) == 2
        assert message in capsys.readouterr().err
    assert (
        linzhu(
            "slots",
            "add",
            "--consultant",
            "Mr Nobody",
            "--date",
            "2030-03-06",
            "--from",
            "14:00",
            "--to",
            "15:00",
            "--no-holidays",
        )
        == 2
    )
    assert "No consultant 'Mr Nobody'" in capsys.readouterr().err
    assert (
        linzhu(
            "slots",
            "add",
            "--consultant",
            "Ms Wang",
            "--date",
            "2031-03-06",
            "--from",
            "14:00",
            "--to",
            "15:00",
        )
        == 2
    )
    assert "No holidays file" in capsys.readouterr().err
    assert slot_count(url, schema) == before


def test_bookings_list_and_export(
    cli_env: tuple[str, str | None], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, schema = cli_env

    async def book() -> str:
        db = Database(url, schema=schema)
        try:
            (slot, later) = await make_slots(db, [future(30), future(24 * 9)], mode="phone")
            user = await make_user(db, "resident-1")
            store = BookingStore(db)
            await store.book_slot(
                user,
                slot.id or 0,
                topic="medical",
                language="ja",
                note="Allergy, 5 years old",
                contact="tel:+8613800138000",
                display_name="Yuki Tanaka",
            )
            await store.book_slot(user, later.id or 0, topic="school", language="ja")
            return f"{slot.starts_at.astimezone(ScheduleStore(db).tz):%Y-%m-%d}"
        finally:
            await db.dispose()

    day = asyncio.run(book())
    # By default: every upcoming booking, by the resident's name and channel, not an id.
    assert linzhu("bookings", "list") == 0
    out = capsys.readouterr().out
    assert "medical" in out and "school" in out and "Allergy" in out
    assert "Yuki Tanaka" in out and "Web" in out and "+86 138 0013 8000" in out
    assert "resident-1" not in out and "web:" not in out
    assert linzhu("bookings", "list", "--days", "2") == 0
    out = capsys.readouterr().out
    assert "medical" in out and "school" not in out
    assert linzhu("bookings", "list", "--date", day) == 0
    assert "medical" in capsys.readouterr().out
    assert linzhu("bookings", "export", "--format", "csv", "--output", str(tmp_path / "b.csv")) == 0
    csv_text = (tmp_path / "b.csv").read_text()
    assert csv_text.splitlines()[0].startswith("id,starts,ends,consultant")
    assert "Allergy, 5 years old" in csv_text and "Yuki Tanaka" in csv_text
    assert "resident-1" not in csv_text
    assert linzhu("bookings", "export", "--format", "ics", "--output", str(tmp_path / "b.ics")) == 0
    events = Calendar.from_ical((tmp_path / "b.ics").read_bytes()).walk("VEVENT")
    assert len(events) == 2 and "medical (ja)" in str(events[0]["summary"])
    assert int(events[0]["sequence"]) == 0 and str(events[0]["status"]) == "CONFIRMED"
    assert linzhu("bookings", "list", "--date", "someday") == 2


def test_consultants_video_link(
    cli_env: tuple[str, str | None], capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        linzhu(
            "consultants", "add", "Ms Li", "--languages", "fr", "--video-link",
            "https://meeting.example.org/li",
        )
        == 0
    )  # fmt: skip
    assert linzhu("consultants", "list") == 0
    assert "https://meeting.example.org/li" in capsys.readouterr().out
    assert (
        linzhu("consultants", "set", "Ms Li", "--video-link", "Tencent Meeting, ID on request") == 0
    )
    assert linzhu("consultants", "list") == 0
    assert "Tencent Meeting, ID on request" in capsys.readouterr().out
    assert linzhu("consultants", "set", "Ms Li", "--video-link", "") == 0
    assert linzhu("consultants", "set", "Nobody", "--video-link", "x") == 2


def test_demo_data_only_when_empty(
    cli_env: tuple[str, str | None],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url, schema = cli_env
    assert linzhu("demo", "--if-empty") == 0
    assert "Added 3 demo consultants" in capsys.readouterr().out
    count = slot_count(url, schema)
    assert count > 20
    assert linzhu("demo", "--if-empty") == 0
    assert "already has consultants" in capsys.readouterr().out
    assert slot_count(url, schema) == count
    monkeypatch.setenv("DEMO_DATA", "false")
    get_settings.cache_clear()
    assert linzhu("demo") == 0 and "DEMO_DATA is false" in capsys.readouterr().out


def test_holidays_file_generated_from_the_package(tmp_path: Path) -> None:
    out = tmp_path / "cn-2026.yaml"
    assert linzhu("slots", "holidays", "--year", "2026", "--output", str(out)) == 0
    calendar = load_holidays(out)
    assert date(2026, 10, 1) in calendar.holidays and date(2026, 10, 10) in calendar.workdays
    committed = load_holidays(ROOT / "data/holidays/cn-2026.yaml")
    assert committed.holidays == calendar.holidays
