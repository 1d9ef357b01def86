"""Staff work in Chromium, on SQLite and PostgreSQL: log in, publish a slot a resident then
sees in /book, book for a walk-in, cancel a resident's booking (they are told in their
language), add an unanswered question to a topic (`linzhu ask` answers it), check in at an
event, see every chart with data, and each page at 1280×800 and 390×844 under a strict CSP."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import update

from bot.cli.main import main
from bot.config import get_settings
from bot.consultations.text import day_label, time_label, when_text
from bot.core.dispatcher import Dispatcher
from bot.core.types import UserRef, utcnow
from bot.i18n import use_locale
from bot.i18n.format import SHANGHAI
from bot.reminders.dispatcher import ReminderDispatcher
from bot.store.activity import ActivityStore
from bot.store.events.admin import EventAdmin, EventSpec
from bot.store.outbox import OutboxMessage
from bot.store.staff.accounts import StaffAccounts
from bot.store.tables import User
from tests.consultations.helpers import future, make_slots, make_user
from tests.harness import Conversation, tr
from tests.paths import ROOT
from tests.reminders.test_reminders import FAST
from tests.staff.conftest import PASSWORD, Accounts, open_tab
from tests.staff.test_staff_notices import CANCELLED

pytestmark = pytest.mark.browser

PAGES = [
    "/staff/today?day={day}",
    "/staff/schedule",
    "/staff/bookings",
    "/staff/bookings/new",
    "/staff/events",
    "/staff/events/new",
    "/staff/residents",
    "/staff/questions",
    "/staff/dashboard",
    "/staff/accounts",
    "/staff/audit",
    "/staff/account",
]


async def test_log_in_wrong_password_and_every_page_at_both_sizes(
    browser: Any, server: TestServer, accounts: Accounts, db_backend: str, dispatcher: Dispatcher
) -> None:
    day = await _showcase(dispatcher)
    for size in ("desktop", "phone"):
        tab = await open_tab(browser, server, size)
        await tab.goto("/staff/today")
        assert "/staff/login" in tab.page.url  # no session: the login form
        await tab.page.fill("input[name=username]", "admin")
        await tab.page.fill("input[name=password]", "not the password")
        await tab.page.click("button[type=submit]")
        await tab.page.get_by_text("Wrong username, password or code.").wait_for()
        if size == "desktop" and db_backend == "sqlite":
            await tab.shot("login-error-desktop")
        await tab.login("admin")
        for path in PAGES:
            response = await tab.goto(path.format(day=day))
            assert response.status == 200, path
            await tab.page.locator("main h1").first.wait_for()
            if db_backend == "sqlite":
                await tab.shot(f"{path.split('?')[0].strip('/').replace('/', '-')}-{size}")
        # The staff's other language, through the same catalogs.
        await tab.page.get_by_role("button", name="中文").click()
        await tab.page.get_by_role("link", name="今日").wait_for()
        await tab.goto(f"/staff/today?day={day}")
        assert await tab.page.locator("html").get_attribute("lang") == "zh-Hans"
        await tab.page.get_by_role("button", name="退出").wait_for()
        if db_backend == "sqlite":
            await tab.shot(f"today-zh-{size}")
        await tab.page.get_by_role("button", name="English").click()
        await tab.page.get_by_role("link", name="Today").wait_for()
        assert tab.problems == [], tab.problems  # no CSP violation, no script error
        await tab.page.context.close()


async def test_slot_then_resident_books_then_walkin_then_cancel_tells_resident(
    browser: Any, server: TestServer, accounts: Accounts, dispatcher: Dispatcher
) -> None:
    tab = await open_tab(browser, server)
    await tab.login("desk")
    # A consultant, then a slot three days ahead, through the console's forms.
    await tab.goto("/staff/schedule")
    new = tab.page.locator("section", has_text="New consultant")
    await new.locator("input[name=name]").fill("Ms Wang")
    await new.locator("input[name=languages][value=en]").check()
    await new.locator("input[name=languages][value=ko]").check()
    await new.get_by_role("button", name="Add consultant").click()
    await tab.page.get_by_text("Consultant added.").wait_for()
    day = (utcnow() + timedelta(days=3)).astimezone(SHANGHAI).date()
    add = tab.page.locator("section", has_text="Add slots")
    await add.locator("input[name=first_day]").fill(day.isoformat())
    await add.locator("input[name=from]").fill("10:00")
    await add.locator("input[name=to]").fill("11:00")
    await add.locator("input[name=length]").fill("30")
    await add.locator("input[name=skip_holidays]").uncheck()
    await add.get_by_role("button", name="Add slots").click()
    await tab.page.get_by_text("Slots added: 2").wait_for()
    await tab.goto(f"/staff/schedule?week={day.isoformat()}")
    await tab.page.locator(".slot", has_text="10:00–10:30").wait_for()
    await tab.shot("schedule-week-desktop")

    # A resident (Korean) books one of them in the chat: /book shows the new time.
    chat = Conversation(dispatcher, UserRef("web", "resident-ko"), language_hint="ko")
    await chat.say("/language")
    await chat.tap("lang:set:ko")
    await chat.tap("book:start:school")
    await chat.tap_label("✓ 한국어")
    slots = await dispatcher.services.bookings.free_slots()
    assert len(slots) == 2
    with use_locale("ko"):
        label = day_label(slots[0].starts_at)
    await chat.tap_label(label)
    with use_locale("ko"):
        assert time_label(slots[0].starts_at) in " ".join(
            b.label
            for r in chat.last.replies
            for b in r.buttons  # type: ignore[union-attr]
        )
    booking = await dispatcher.services.bookings.book_slot(
        chat.last.user_id or 0,
        slots[0].id,
        topic="school",
        language="ko",  # type: ignore[union-attr]
    )

    # The desk books the other time for a walk-in.
    await tab.goto("/staff/bookings/new")
    walkin = tab.page.locator("section", has_text="walk-in or phone caller")
    await walkin.locator("input[name=name]").fill("Maria Rossi")
    await walkin.locator("input[name=contact]").fill("+86 139 0000 1111")
    await walkin.locator("select[name=locale]").select_option("es")
    await walkin.get_by_role("button", name="Add resident").click()
    await tab.page.get_by_text("Resident added. Now choose a time.").wait_for()
    await tab.page.locator("select[name=language]").select_option("es")
    await tab.shot("book-walkin-desktop")
    await tab.page.get_by_role("button", name="Book", exact=True).click()
    await tab.page.get_by_text("Booked.").wait_for()
    await tab.goto("/staff/bookings?q=rossi")
    await tab.page.get_by_text("Maria Rossi").wait_for()
    assert "+86 139 0000 1111" in await tab.page.content()

    # The desk cancels the resident's booking; the resident is told in Korean.
    await tab.goto(f"/staff/bookings/{booking.booking.id}")
    tab.page.once("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
    await tab.page.get_by_role("button", name="Cancel booking").click()
    await tab.page.get_by_text("Cancelled. The resident is told in their language.").wait_for()
    await ReminderDispatcher(dispatcher.services.db, dispatcher.channels, FAST).run_once()
    inbox = await dispatcher.services.inbox.all_for("resident-ko")
    texts = [r["text"] for m in inbox for r in m.replies]
    with use_locale("ko"):
        when = when_text(slots[0].starts_at, slots[0].ends_at)
    expected = tr("ko", CANCELLED).format(topic=tr("ko", "School enrolment"), when=when)
    assert texts == [expected]
    assert tab.problems == []


@pytest.fixture
def cli_env(db_url: tuple[str, str | None], monkeypatch: pytest.MonkeyPatch,
            tmp_path: Path) -> Iterator[None]:  # fmt: skip
    url, schema = db_url
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    if schema:
        monkeypatch.setenv("DATABASE_SCHEMA", schema)
    monkeypatch.setenv("FAQ_DIR", str(ROOT / "faq"))
    shutil.copytree(ROOT / "var" / "faq-cache", tmp_path / "faq-cache")
    monkeypatch.setenv("FAQ_CACHE_DIR", str(tmp_path / "faq-cache"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def ask(text: str) -> dict[str, Any]:
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["ask", "--json", text]) == 0
    return dict(json.loads(out.getvalue()))


async def test_unanswered_question_becomes_an_alternate_and_linzhu_ask_answers_it(
    browser: Any, server: TestServer, accounts: Accounts, dispatcher: Dispatcher, cli_env: None
) -> None:
    question = "is the rooftop garden open for kite flying"
    knowledge = dispatcher.services.knowledge
    assert knowledge is not None
    try:
        chat = Conversation(dispatcher, UserRef("web", "asker"))
        await chat.say(question)
        assert (await asyncio.to_thread(ask, question))["faq_id"] is None
        tab = await open_tab(browser, server)
        await tab.login("desk")
        await tab.goto("/staff/questions")
        card = tab.page.locator("section.card", has_text=question)
        await card.locator("select[name=topic]").select_option("living.community-centre")
        await tab.shot("questions-desktop")
        await card.get_by_role("button", name="Add", exact=True).click()
        await tab.page.get_by_text("Added: Linzhu now answers this question").wait_for()
        # Live for residents at once, in this worker …
        await chat.say(question)
        assert knowledge.decide(question).faq_id == "living.community-centre"
        # … and for `linzhu ask`, which reads the same overlay from the database.
        assert (await asyncio.to_thread(ask, question))["faq_id"] == "living.community-centre"
        assert tab.problems == []
    finally:
        await asyncio.to_thread(knowledge.set_overlay, {})  # the knowledge fixture is shared


async def test_door_check_in(
    browser: Any, server: TestServer, accounts: Accounts, dispatcher: Dispatcher
) -> None:
    admin = EventAdmin(dispatcher.services.db)
    (event,) = await admin.save([EventSpec(
        title={"en": "Family picnic", "zh_Hans": "家庭野餐"}, category="family",
        starts_at=future(2), ends_at=future(5), capacity=20, status="published",
    )])  # fmt: skip
    users = dispatcher.services.users
    for name in ("Sato Yuki", "Jean Martin", "Olga Ivanova"):
        person = await users.create_walkin(name, None, "en")
        await dispatcher.services.events.register(person.id or 0, event.id)
    tab = await open_tab(browser, server, "phone")
    await tab.login("desk")
    await tab.goto(f"/staff/events/{event.id}/checkin")
    await tab.page.fill("input[name=q]", "martin")  # filters as you type
    assert await tab.page.locator(".person:not(.hidden)").count() == 1
    await tab.shot("checkin-phone")
    await tab.page.locator(".person:not(.hidden)").get_by_role("button", name="Arrived").click()
    await tab.page.get_by_text("Checked in.").wait_for()
    _view, people = await admin.attendees(event.id)
    arrived = [p.name for p in people if p.checked_in_at is not None]
    assert arrived == ["Jean Martin"]
    assert tab.problems == []


async def test_every_dashboard_chart_renders_with_data(
    browser: Any, server: TestServer, accounts: Accounts, dispatcher: Dispatcher
) -> None:
    await _activity(dispatcher)
    tab = await open_tab(browser, server)
    await tab.login("admin")
    today = utcnow().astimezone(SHANGHAI).date()
    first, last = today - timedelta(days=6), today + timedelta(days=7)  # the event is ahead
    await tab.goto(f"/staff/dashboard?from={first.isoformat()}&to={last.isoformat()}")
    sections = tab.page.locator("section.chart")
    keys = [await s.get_attribute("id") for s in await sections.all()]
    assert len(keys) == 11
    for key in keys:
        section = tab.page.locator(f"#{key}")
        assert await section.locator("svg rect").count() > 0, f"{key} has no bars"
    await tab.shot("dashboard-desktop")
    async with tab.page.expect_download() as download:
        await tab.page.locator("#chart-messages").get_by_role("link", name="CSV").click()
    saved = await (await download.value).path()
    text = await asyncio.to_thread(Path(saved).read_text, encoding="utf-8-sig")
    assert text.startswith("label,")
    assert tab.problems == []


async def _activity(dispatcher: Dispatcher) -> None:
    """A little of everything the charts count."""
    svc = dispatcher.services
    chat = Conversation(dispatcher, UserRef("web", "busy"))
    await chat.say("hotline numbers")  # an answered FAQ question (a topic)
    await chat.say("is the rooftop garden open for kite flying")  # unanswered
    await chat.say("my husband has chest pain")  # the emergency guard
    await svc.questions.record_feedback(user_id=None, topic="living.hotlines", helpful=True,
                                        locale="en")  # fmt: skip
    await ActivityStore(svc.db).record("emergency_guard", user_id=None, locale="en",
                                       detail={"term": "stroke"})  # fmt: skip
    slot_a, slot_b = await make_slots(svc.db, [future(-50), future(-49)])
    who = await make_user(svc.db, "visitor")
    for slot, status in ((slot_a, "attended"), (slot_b, "no_show")):
        async with svc.db.transaction() as session:
            from bot.store.consultations.tables import Booking

            session.add(Booking(slot_id=slot.id or 0, user_id=who, topic="school",
                                language="en", status=status))  # fmt: skip
    (event,) = await EventAdmin(svc.db).save([EventSpec(
        title={"en": "Job fair"}, category="jobs", starts_at=future(30), ends_at=future(33),
        capacity=1, status="published",
    )])  # fmt: skip
    first, second = await make_user(svc.db, "e1"), await make_user(svc.db, "e2")
    await svc.events.register(first, event.id)
    await svc.events.register(second, event.id)
    await EventAdmin(svc.db).add_seats(event.id, 1)  # the waitlisted one is promoted
    async with svc.db.transaction() as session:  # and the reminders went out
        await session.execute(
            update(OutboxMessage).values(status="sent", attempts=1, due_at=utcnow())  # type: ignore[arg-type]
        )
    assert await StaffAccounts(svc.db).count() == 3
    _ = User, PASSWORD


async def _showcase(dispatcher: Dispatcher) -> str:
    """A day with bookings of a chat resident and a walk-in, and an event: something to see."""
    svc = dispatcher.services
    first, second, _third = await make_slots(
        svc.db, [future(4), future(5), future(6)], name="Ms Wang (demo)",
        languages=("zh_Hans", "en", "ko"),
    )  # fmt: skip
    chat = await make_user(svc.db, "60123", channel="telegram")
    async with svc.db.transaction() as session:
        await session.execute(update(User).where(User.id == chat).values(locale="ko"))  # type: ignore[arg-type]
    walkin = await svc.users.create_walkin("Anna Schmidt (demo)", "+86 138 0000 0000", "de")
    await svc.bookings.book_slot(chat, first.id or 0, topic="school", language="ko",
                                 note="Two children, 6 and 9", on_behalf=True)  # fmt: skip
    await svc.bookings.book_slot(walkin.id or 0, second.id or 0, topic="work", language="de",
                                 interpreter=True, on_behalf=True)  # fmt: skip
    await EventAdmin(svc.db).save([EventSpec(
        title={"en": "Family picnic (demo)", "zh_Hans": "家庭野餐（演示）"}, category="family",
        starts_at=future(48), ends_at=future(51), capacity=30, status="published",
    )])  # fmt: skip
    return first.starts_at.astimezone(SHANGHAI).date().isoformat()
