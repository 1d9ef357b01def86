"""A few clearly fictional demo events (marked as demos in every language), so a fresh
`make run` has events to find and sign up for — in whichever of the nine languages the
resident speaks. Keys start with `demo-`; seeding again changes nothing."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import col, func, select

from bot.store.db import Database
from bot.store.events.admin import EventAdmin, EventSpec
from bot.store.events.tables import PUBLISHED, Event

# key, days from today, start, hours, category, capacity, title per locale, questions
DEMO_EVENTS: list[tuple[str, int, time, int, str, int | None, dict[str, str], list[Any]]] = [
    ("demo-job-fair", 3, time(14), 3, "jobs", 3, {
        "en": "International job fair (demo)", "zh_Hans": "国际人才招聘会（演示）",
        "zh_Hant": "國際人才招聘會（示範）", "ja": "国際就職フェア（デモ）",
        "ko": "국제 채용 박람회 (데모)", "fr": "Salon international de l'emploi (démo)",
        "de": "Internationale Jobmesse (Demo)", "es": "Feria internacional de empleo (demo)",
        "ru": "Международная ярмарка вакансий (демо)"}, []),
    ("demo-colab", 5, time(19), 2, "start-up", None, {
        "en": "Start-up founders evening (demo)", "zh_Hans": "创业者之夜（演示）",
        "zh_Hant": "創業者之夜（示範）", "ja": "起業家の夕べ（デモ）",
        "ko": "창업자의 밤 (데모)", "fr": "Soirée des fondateurs de start-up (démo)",
        "de": "Abend für Start-up-Gründer (Demo)", "es": "Noche de fundadores de start-ups (demo)",
        "ru": "Вечер основателей стартапов (демо)"}, []),
    ("demo-family", 8, time(10), 2, "family", 12, {
        "en": "Family craft morning (demo)", "zh_Hans": "亲子手工上午（演示）",
        "zh_Hant": "親子手作上午（示範）", "ja": "親子工作の午前（デモ）",
        "ko": "가족 만들기 오전 (데모)", "fr": "Matinée bricolage en famille (démo)",
        "de": "Familien-Bastelvormittag (Demo)", "es": "Mañana de manualidades en familia (demo)",
        "ru": "Семейное утро поделок (демо)"}, [{"id": "children", "text": {
        "en": "How many children are coming, and how old are they?",
        "zh_Hans": "有几个孩子参加？他们几岁？", "zh_Hant": "有幾個孩子參加？他們幾歲？",
        "ja": "お子さんは何人参加しますか？何歳ですか？", "ko": "아이는 몇 명 오나요? 몇 살인가요?",
        "fr": "Combien d'enfants viennent, et quel âge ont-ils ?",
        "de": "Wie viele Kinder kommen mit, und wie alt sind sie?",
        "es": "¿Cuántos niños vienen y qué edad tienen?",
        "ru": "Сколько детей придёт и сколько им лет?"}}]),
    ("demo-health", 10, time(15), 1, "health", 30, {
        "en": "Health insurance explained (demo)", "zh_Hans": "医疗保险讲解（演示）",
        "zh_Hant": "醫療保險說明會（示範）", "ja": "医療保険の説明会（デモ）",
        "ko": "건강보험 설명회 (데모)", "fr": "L'assurance santé expliquée (démo)",
        "de": "Krankenversicherung erklärt (Demo)", "es": "El seguro médico, explicado (demo)",
        "ru": "Медицинская страховка: разбираемся (демо)"}, []),
]  # fmt: skip
DESCRIPTION = {
    "en": "A fictional event to try Linzhu with. Nothing really takes place.",
    "zh_Hans": "用于试用邻助的虚构活动，并不会真正举行。",
    "zh_Hant": "用於試用鄰助的虛構活動，並不會真的舉行。",
    "ja": "隣助を試すための架空のイベントです。実際には開催されません。",
    "ko": "린주를 체험해 보기 위한 가상의 행사예요. 실제로 열리지 않아요.",
    "fr": "Un événement fictif pour essayer Linzhu. Il n'a pas vraiment lieu.",
    "de": "Eine erfundene Veranstaltung zum Ausprobieren von Linzhu. Sie findet nicht statt.",
    "es": "Un evento ficticio para probar Linzhu. No se celebra de verdad.",
    "ru": "Вымышленное мероприятие, чтобы попробовать Линчжу. На самом деле оно не проводится.",
}


def demo_specs(today: datetime, tz: ZoneInfo) -> list[EventSpec]:
    specs = []
    for key, days, start, hours, category, capacity, title, questions in DEMO_EVENTS:
        starts = datetime.combine(today.date() + timedelta(days=days), start, tzinfo=tz)
        specs.append(
            EventSpec(
                key=key,
                title=dict(title),
                description=dict(DESCRIPTION),
                category=category,
                starts_at=starts,
                ends_at=starts + timedelta(hours=hours),
                # No place: a fictional event happens nowhere (and a place is not translated).
                place="",
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
