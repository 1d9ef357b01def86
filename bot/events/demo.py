"""A few clearly fictional demo events (marked "(demo)"), so a fresh `make run` has events to
find and sign up for. Keys start with `demo-`; seeding again changes nothing."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, func, select

from bot.store.db import Database
from bot.store.events.admin import EventAdmin, EventSpec
from bot.store.events.tables import PUBLISHED, Event

# key, days from today, start, hours, category, capacity, en title, zh title, questions
DEMO_EVENTS = [
    ("demo-job-fair", 3, time(14), 3, "jobs", 3, "International job fair (demo)",
     "国际人才招聘会（演示）", []),
    ("demo-colab", 5, time(19), 2, "start-up", None, "Start-up founders evening (demo)",
     "创业者之夜（演示）", []),
    ("demo-family", 8, time(10), 2, "family", 12, "Family craft morning (demo)",
     "亲子手工上午（演示）", [{"id": "children", "text": {
         "en": "How many children are coming, and how old are they?",
         "zh_Hans": "有几个孩子参加？他们几岁？"}}]),
    ("demo-health", 10, time(15), 1, "health", 30, "Health insurance explained (demo)",
     "医疗保险讲解（演示）", []),
]  # fmt: skip


def demo_specs(today: datetime, tz: ZoneInfo) -> list[EventSpec]:
    specs = []
    for key, days, start, hours, category, capacity, en, zh, questions in DEMO_EVENTS:
        starts = datetime.combine(today.date() + timedelta(days=days), start, tzinfo=tz)
        specs.append(
            EventSpec(
                key=key,
                title={"en": en, "zh_Hans": zh},
                description={
                    "en": "A fictional event to try Linzhu with. Nothing really takes place.",
                    "zh_Hans": "用于试用邻助的虚构活动，并不会真正举行。",
                },
                category=category,
                starts_at=starts,
                ends_at=starts + timedelta(hours=hours),
                place="Demo room (fictional)",
                capacity=capacity,
                questions=questions,
                status=PUBLISHED,
            )
        )
    return specs


async def seed_demo_events(db: Database, tz: ZoneInfo, *, if_empty: bool = True) -> int:
    """Add the demo events; with if_empty, only when there are no events yet."""
    async with db.session() as session:
        count = (await session.execute(select(func.count()).select_from(Event))).scalar_one()
        demo = (
            await session.execute(select(Event.id).where(col(Event.key).startswith("demo-")))
        ).first()
    if (if_empty and count) or demo is not None:
        return 0
    views = await EventAdmin(db).save(demo_specs(datetime.now(tz), tz))
    return len(views)
