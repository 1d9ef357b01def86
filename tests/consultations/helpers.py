"""Shared set-up for the consultation tests: users, consultants and slots in a real database."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.core.types import UserRef, utcnow
from bot.store.consultations.schedule import ScheduleStore
from bot.store.consultations.tables import Slot
from bot.store.db import Database
from bot.store.users import UserStore


async def make_user(db: Database, external_id: str, channel: str = "web") -> int:
    async with db.transaction() as session:
        user = await UserStore(db).touch(session, UserRef(channel, external_id))
    assert user.id is not None
    return user.id


async def make_users(db: Database, count: int, channel: str = "web") -> list[int]:
    ids = []
    async with db.transaction() as session:
        for n in range(count):
            user = await UserStore(db).touch(session, UserRef(channel, f"u{n}"))
            assert user.id is not None
            ids.append(user.id)
    return ids


SHANGHAI = ZoneInfo("Asia/Shanghai")


def shanghai(days_ahead: int, hh: int, mm: int = 0) -> datetime:
    """A time of day in Shanghai `days_ahead` days from today there, in UTC: slots that must
    fall on the same day (or on different days) whatever the hour the tests run."""
    day = datetime.now(SHANGHAI).date() + timedelta(days=days_ahead)
    return datetime.combine(day, time(hh, mm), SHANGHAI).astimezone(UTC)


def hour(base: datetime, hours: float) -> datetime:
    return (base + timedelta(hours=hours)).replace(second=0, microsecond=0)


async def make_slots(
    db: Database,
    starts: list[datetime],
    *,
    name: str = "Consultant A",
    languages: tuple[str, ...] = ("en", "zh_Hans"),
    topics: tuple[str, ...] = ("school", "medical", "living", "work"),
    length: timedelta = timedelta(minutes=30),
    mode: str = "in_person",
) -> list[Slot]:
    schedule = ScheduleStore(db)
    existing = {c.name for c in await schedule.consultants()}
    if name not in existing:
        await schedule.add_consultant(name, list(languages), list(topics))
    return await schedule.add_slots(name, [(s, s + length) for s in starts], mode=mode)


def future(hours: float) -> datetime:
    """A whole minute `hours` from now."""
    return hour(utcnow(), hours)
