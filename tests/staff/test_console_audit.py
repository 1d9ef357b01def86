"""A console change and its audit row commit together, or neither does, on SQLite and
PostgreSQL, over HTTP against the real app.

With the audit row's insert failing in the database (its NOT NULL username left empty, so
the error comes from the database, inside the action's transaction), an action answers 500
and nothing it did is kept. Without, it makes its change and writes exactly one row, with
what was there before and after. A resident told through the outbox is told exactly once; a
reply or a closing notice, sent directly, goes out exactly once, after the change and its
row have committed, and not at all when they roll back.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import func, select

import bot.store.staff.audit as audit_module
from bot.core.dispatcher import Dispatcher
from bot.core.sender import SendResult
from bot.core.types import Reply, UserRef, utcnow
from bot.i18n.format import SHANGHAI
from bot.store.db import Database
from bot.store.events.admin import EventAdmin
from bot.store.handoff.tables import CLOSED, FROM_STAFF, SENT
from bot.store.staff.accounts import StaffAccounts
from bot.store.staff.audit import AuditLog
from bot.store.staff.tables import AuditEntry, StaffSession
from fakes.platform import RecordingSender
from tests.consultations.helpers import future, make_slots, make_user
from tests.handoff.helpers import always
from tests.harness import Conversation
from tests.staff.conftest import PASSWORD, Accounts, csrf_of
from tests.staff.test_console_security import login
from tests.staff.test_staff_notices import _send


def _refused_by_the_database(**fields: Any) -> AuditEntry:
    return AuditEntry(**{**fields, "username": None})


@pytest.fixture
async def client(server: TestServer) -> AsyncIterator[aiohttp.ClientSession]:
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(str(server.make_url("/")), cookie_jar=jar) as session:
        yield session


async def post(
    client: aiohttp.ClientSession,
    token: str,
    path: str,
    form: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    *,
    audit_fails: bool = False,
) -> tuple[int, str]:
    """(status, where it redirects to)."""
    with monkeypatch.context() as patch:
        if audit_fails:
            patch.setattr(audit_module, "AuditEntry", _refused_by_the_database)
        async with client.post(
            path, data={**form, "csrf_token": token}, allow_redirects=False
        ) as r:
            return r.status, r.headers.get("Location", "")


async def rows(db: Database, action: str) -> list[AuditEntry]:
    return [e for e in await AuditLog(db).entries() if e.action == action]


async def test_booking_staff_note(
    client: aiohttp.ClientSession, accounts: Accounts, dispatcher: Dispatcher,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    svc = dispatcher.services
    (slot,) = await make_slots(svc.db, [future(30)])
    made = await svc.bookings.book_slot(
        await make_user(svc.db, "r1"), slot.id or 0, topic="school", language="en"
    )
    booking_id = made.booking.id
    token = await login(client, "desk")
    path, form = f"/staff/bookings/{booking_id}/note", {"staff_note": "Bring the passport"}

    assert (await post(client, token, path, form, monkeypatch, audit_fails=True))[0] == 500
    found = await svc.bookings.get(booking_id)
    assert found is not None and found.staff_note is None
    assert await rows(svc.db, "booking.note") == []

    status, where = await post(client, token, path, form, monkeypatch)
    assert status == 303 and "msg=saved" in where
    found = await svc.bookings.get(booking_id)
    assert found is not None and found.staff_note == "Bring the passport"
    [row] = await rows(svc.db, "booking.note")
    assert row.target == f"booking:{booking_id}" and row.username == "desk"
    assert row.before == {"staff_note": None}
    assert row.after == {"staff_note": "Bring the passport"}


async def test_booking_cancel_tells_the_resident_once_through_the_outbox(
    client: aiohttp.ClientSession, accounts: Accounts, dispatcher: Dispatcher,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    svc = dispatcher.services
    (slot,) = await make_slots(svc.db, [future(30)])
    user_id = await make_user(svc.db, "42", channel="telegram")
    made = await svc.bookings.book_slot(user_id, slot.id or 0, topic="school", language="en")
    booking_id = made.booking.id
    token = await login(client, "desk")
    path = f"/staff/bookings/{booking_id}/cancel"

    assert (await post(client, token, path, {}, monkeypatch, audit_fails=True))[0] == 500
    found = await svc.bookings.get(booking_id)
    assert found is not None and found.status == "booked"
    assert await _send(svc.db) == []  # no notice was queued
    assert await rows(svc.db, "booking.cancel") == []

    status, where = await post(client, token, path, {}, monkeypatch)
    assert status == 303 and "msg=booking_cancelled_told" in where
    found = await svc.bookings.get(booking_id)
    assert found is not None and found.status == "cancelled"
    [row] = await rows(svc.db, "booking.cancel")
    assert row.before == {"status": "booked"} and row.after == {"status": "cancelled"}
    [(to, text)] = await _send(svc.db)
    assert to == UserRef("telegram", "42") and text.startswith("❌")
    assert await _send(svc.db) == []  # once


async def test_event_create_and_publish(
    client: aiohttp.ClientSession, accounts: Accounts, dispatcher: Dispatcher,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    svc = dispatcher.services
    starts = (utcnow() + timedelta(days=10)).astimezone(SHANGHAI).replace(hour=10, minute=0)
    form = {
        "title.en": "Job fair",
        "category": "jobs",
        "start": starts.strftime("%Y-%m-%dT%H:%M"),
        "end": (starts + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "capacity": "20",
        "publish": "1",
    }
    token = await login(client, "desk")
    admin = EventAdmin(svc.db)

    # Saving, publishing and the audit row: one transaction, so none of them.
    assert (await post(client, token, "/staff/events", form, monkeypatch, audit_fails=True))[
        0
    ] == 500
    assert await admin.list_events() == []
    assert await rows(svc.db, "event.add") == []

    status, where = await post(client, token, "/staff/events", form, monkeypatch)
    [event] = await admin.list_events()
    assert status == 303 and where.startswith(f"/staff/events/{event.id}?msg=saved")
    assert event.status == "published"
    [row] = await rows(svc.db, "event.add")
    assert row.target == f"event:{event.id}" and row.before is None
    assert row.after is not None
    assert row.after["title"] == {"en": "Job fair"} and row.after["status"] == "published"
    assert (
        row.after["capacity"] == 20
        and datetime.fromisoformat(row.after["starts_at"]) == event.starts_at
    )


async def test_event_edit(
    client: aiohttp.ClientSession, accounts: Accounts, dispatcher: Dispatcher,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    from bot.store.events.admin import EventSpec

    svc = dispatcher.services
    admin = EventAdmin(svc.db)
    (event,) = await admin.save(
        [EventSpec(title={"en": "Picnic"}, category="family", starts_at=future(48),
                   ends_at=future(51), capacity=10)]
    )  # fmt: skip
    token = await login(client, "desk")
    local = event.starts_at.astimezone(SHANGHAI)
    form = {
        "title.en": "Family picnic",
        "category": "family",
        "start": local.strftime("%Y-%m-%dT%H:%M"),
        "end": (local + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
        "capacity": "12",
    }
    path = f"/staff/events/{event.id}"

    assert (await post(client, token, path, form, monkeypatch, audit_fails=True))[0] == 500
    [same] = await admin.list_events()
    assert same.title == {"en": "Picnic"} and same.capacity == 10
    assert await rows(svc.db, "event.edit") == []

    assert (await post(client, token, path, form, monkeypatch))[0] == 303
    [edited] = await admin.list_events()
    assert edited.title == {"en": "Family picnic"} and edited.capacity == 12
    [row] = await rows(svc.db, "event.edit")
    assert row.before is not None and row.after is not None
    assert (row.before["title"], row.before["capacity"]) == ({"en": "Picnic"}, 10)
    assert (row.after["title"], row.after["capacity"]) == ({"en": "Family picnic"}, 12)


async def test_slots_added_to_the_schedule(
    client: aiohttp.ClientSession, accounts: Accounts, dispatcher: Dispatcher,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    svc = dispatcher.services
    consultant = await svc.schedule.add_consultant("Ms Wang", ["en"], ["school"])
    day = (utcnow() + timedelta(days=3)).astimezone(SHANGHAI).date()
    form = {
        "consultant": str(consultant.id),
        "first_day": day.isoformat(),
        "from": "10:00",
        "to": "11:00",
        "length": "30",
    }
    token = await login(client, "desk")
    wide = utcnow(), utcnow() + timedelta(days=10)

    path = "/staff/schedule/slots"
    assert (await post(client, token, path, form, monkeypatch, audit_fails=True))[0] == 500
    assert await svc.schedule.slots_between(*wide) == []
    assert await rows(svc.db, "slots.add") == []

    status, where = await post(client, token, path, form, monkeypatch)
    assert status == 303 and "msg=slots_added" in where
    listed = await svc.schedule.slots_between(*wide)
    assert len(listed) == 2
    [row] = await rows(svc.db, "slots.add")
    assert row.target == f"consultant:{consultant.id}" and row.before is None
    assert row.after is not None and (row.after["slots"], row.after["skipped"]) == (2, [])
    first, last = (datetime.fromisoformat(row.after[k]) for k in ("first", "last"))
    assert (first, last) == (listed[0].slot.starts_at, listed[1].slot.starts_at)


async def test_consultant_added_with_its_details(
    client: aiohttp.ClientSession, accounts: Accounts, dispatcher: Dispatcher,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    svc = dispatcher.services
    form = {
        "name": "Mr Li",
        "languages": "en",
        "topics": "work",
        "video_link": "https://v.example/li",
    }
    token = await login(client, "admin")

    # Two store calls (the record, then its details) and the audit row: none of them.
    path = "/staff/consultants"
    assert (await post(client, token, path, form, monkeypatch, audit_fails=True))[0] == 500
    assert await svc.schedule.consultants() == []

    assert (await post(client, token, path, form, monkeypatch))[0] == 303
    [made] = await svc.schedule.consultants()
    assert made.video_link == "https://v.example/li"
    [row] = await rows(svc.db, "consultant.add")
    assert row.target == f"consultant:{made.id}"
    assert row.after == {
        "name": "Mr Li",
        "languages": ["en"],
        "topics": ["work"],
        "modes": None,
        "video_link": "https://v.example/li",
    }


async def test_unanswered_question_dismissed(
    client: aiohttp.ClientSession, accounts: Accounts, dispatcher: Dispatcher,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    svc = dispatcher.services
    await svc.questions.record_unanswered(
        user_id=None, channel="web", text="is there a parrot club", locale="en"
    )
    (question,) = await svc.questions.unanswered()
    token = await login(client, "desk")
    path, form = f"/staff/questions/{question.id}", {"action": "dismissed"}

    assert (await post(client, token, path, form, monkeypatch, audit_fails=True))[0] == 500
    assert [q.id for q in await svc.questions.unanswered()] == [question.id]
    assert await rows(svc.db, "question.dismissed") == []

    status, where = await post(client, token, path, form, monkeypatch)
    assert status == 303 and "msg=question_dismissed" in where
    assert await svc.questions.unanswered() == []
    [row] = await rows(svc.db, "question.dismissed")
    assert row.target == f"question:{question.id}"
    assert row.after == {"text": "is there a parrot club"}


async def test_account_role_and_password_changed(
    client: aiohttp.ClientSession, accounts: Accounts, dispatcher: Dispatcher,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    store = StaffAccounts(dispatcher.services.db)
    desk = await store.by_username("desk")
    assert desk is not None
    token = await login(client, "admin")
    form = {"role": "admin", "active": "1", "password": "a brand new password"}
    path = f"/staff/accounts/{desk.id}"

    # The role, the new password, the ended sessions and the audit row: none of them.
    assert (await post(client, token, path, form, monkeypatch, audit_fails=True))[0] == 500
    same = await store.by_username("desk")
    assert same is not None and same.role == "desk"
    assert await store.verify("desk", PASSWORD) is not None
    assert await rows(dispatcher.services.db, "staff.edit") == []

    assert (await post(client, token, path, form, monkeypatch))[0] == 303
    changed = await store.by_username("desk")
    assert changed is not None and changed.role == "admin"
    assert await store.verify("desk", "a brand new password") is not None
    [row] = await rows(dispatcher.services.db, "staff.edit")
    assert row.target == "desk" and row.username == "admin"
    assert row.before == {"role": "desk", "consultant_id": None, "active": True}
    assert row.after == {
        "role": "admin",
        "consultant_id": None,
        "active": True,
        "password_reset": True,
    }


async def test_an_error_redirect_rolls_back_and_writes_no_row(
    client: aiohttp.ClientSession, accounts: Accounts, dispatcher: Dispatcher,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """The role is changed first, then the password is refused: neither is kept."""
    store = StaffAccounts(dispatcher.services.db)
    desk = await store.by_username("desk")
    assert desk is not None
    token = await login(client, "admin")
    form = {"role": "admin", "active": "1", "password": "short"}
    status, where = await post(client, token, f"/staff/accounts/{desk.id}", form, monkeypatch)
    assert status == 303 and "msg=password_short" in where and "kind=error" in where
    same = await store.by_username("desk")
    assert same is not None and same.role == "desk"
    assert await rows(dispatcher.services.db, "staff.edit") == []


async def test_login_session_and_its_row_together(
    client: aiohttp.ClientSession, accounts: Accounts, dispatcher: Dispatcher,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    db = dispatcher.services.db

    async def sessions() -> int:
        async with db.session() as session:
            return int(
                (await session.execute(select(func.count()).select_from(StaffSession))).scalar_one()
            )

    async with client.get("/staff/login") as r:
        token = csrf_of(await r.text())
    form = {"username": "desk", "password": PASSWORD}
    assert (await post(client, token, "/staff/login", form, monkeypatch, audit_fails=True))[
        0
    ] == 500
    assert await sessions() == 0 and await rows(db, "login") == []
    await login(client, "desk")
    assert await sessions() == 1 and len(await rows(db, "login")) == 1


class CheckingSender(RecordingSender):
    """Records each send with the audit rows committed at that moment (read through a
    connection of its own, so an open transaction's rows are not seen)."""

    def __init__(self, db: Database) -> None:
        super().__init__("telegram")
        self.other = Database(db.url, schema=db.schema)
        self.committed: list[list[str]] = []

    async def send(self, user: UserRef, replies: list[Reply]) -> SendResult:
        self.committed.append([e.action for e in await AuditLog(self.other).entries()])
        return await super().send(user, replies)


@pytest.fixture
async def resident_sender(dispatcher: Dispatcher) -> AsyncIterator[CheckingSender]:
    sender = CheckingSender(dispatcher.services.db)
    dispatcher.channels.attach(sender)
    yield sender
    await sender.other.dispose()


async def test_reply_and_close_send_once_after_the_commit(
    client: aiohttp.ClientSession, accounts: Accounts, dispatcher: Dispatcher,
    monkeypatch: pytest.MonkeyPatch, resident_sender: CheckingSender,
) -> None:  # fmt: skip
    svc = dispatcher.services
    svc.staffed = always()
    await Conversation(dispatcher, user=UserRef("telegram", "77")).say("/human")
    [row] = await svc.handoff.inbox()
    c = row.conversation
    assert c.id is not None and c.claimed_by is None
    token = await login(client, "desk")
    desk = await StaffAccounts(svc.db).by_username("desk")
    assert desk is not None
    reply = f"/staff/conversations/{c.id}/reply"

    # The audit row fails: no message in the transcript, no claim, nothing sent.
    status, _where = await post(
        client, token, reply, {"text": "Hello, I am Li."}, monkeypatch, audit_fails=True
    )
    assert status == 500
    assert [m for m in await svc.handoff.messages(c.id) if m.direction == FROM_STAFF] == []
    same = await svc.handoff.get(c.id)
    assert same is not None and same.claimed_by is None
    assert resident_sender.sent == [] and await rows(svc.db, "handoff.reply") == []

    status, where = await post(client, token, reply, {"text": "Hello, I am Li."}, monkeypatch)
    assert status == 303 and "msg=reply_sent" in where
    [(to, replies)] = resident_sender.sent
    assert to == UserRef("telegram", "77") and [r.text for r in replies] == ["Hello, I am Li."]
    assert "handoff.reply" in resident_sender.committed[0]  # committed before it was sent
    [message] = [m for m in await svc.handoff.messages(c.id) if m.direction == FROM_STAFF]
    assert message.delivery == SENT and message.author_id == desk.id
    [audited] = await rows(svc.db, "handoff.reply")
    assert audited.after == {"message": message.id, "user": c.user_id}
    claimed = await svc.handoff.get(c.id)
    assert claimed is not None and claimed.claimed_by == desk.id

    close = f"/staff/conversations/{c.id}/close"
    assert (await post(client, token, close, {}, monkeypatch, audit_fails=True))[0] == 500
    still = await svc.handoff.get(c.id)
    assert still is not None and still.status != CLOSED
    assert len(resident_sender.sent) == 1 and await rows(svc.db, "handoff.close") == []

    status, where = await post(client, token, close, {}, monkeypatch)
    assert status == 303 and "msg=conversation_closed" in where
    closed = await svc.handoff.get(c.id)
    assert closed is not None and closed.status == CLOSED
    assert len(resident_sender.sent) == 2  # the closing notice, once
    assert [b.label for b in resident_sender.sent[1][1][0].buttons] == ["👍", "👎"]
    assert "handoff.close" in resident_sender.committed[1]
    [audited] = await rows(svc.db, "handoff.close")
    assert audited.after == {"user": c.user_id}


class Steps:
    """One logged-in client going through console actions; each must redirect (or answer)
    as expected, and the audit log then holds exactly one row per action."""

    def __init__(
        self, client: aiohttp.ClientSession, token: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        self.client, self.token, self.monkeypatch = client, token, monkeypatch

    async def __call__(self, path: str, form: dict[str, str], expect: str) -> str:
        status, where = await post(self.client, self.token, path, form, self.monkeypatch)
        assert status == 303 and expect in where and "kind=error" not in where, (path, where)
        return where


async def actions(db: Database) -> list[str]:
    return sorted(e.action for e in await AuditLog(db).entries())


async def test_bookings_residents_and_schedule_each_write_one_row(
    client: aiohttp.ClientSession, accounts: Accounts, dispatcher: Dispatcher,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    svc = dispatcher.services
    first, second, third = await make_slots(svc.db, [future(30), future(31), future(54)])
    (consultant,) = await svc.schedule.consultants()
    step = Steps(client, await login(client, "desk"), monkeypatch)

    where = await step("/staff/residents/walkin", {"name": "Maria Rossi", "locale": "es"},
                       "msg=walkin_added")  # fmt: skip
    [resident] = await svc.users.search("Maria Rossi")
    assert f"resident={resident.id}" in where
    form = {"resident": str(resident.id), "slot": str(first.id), "topic": "school",
            "language": "es"}  # fmt: skip
    where = await step("/staff/bookings", form, "msg=booked")
    booking_id = int(where.split("/staff/bookings/")[1].split("?")[0])
    await step(f"/staff/bookings/{booking_id}/reschedule", {"slot": str(second.id)},
               "msg=booking_moved_told")  # fmt: skip
    await step(f"/staff/bookings/{booking_id}/attendance", {"status": "attended"}, "/staff/today")
    await step(f"/staff/residents/{resident.id}", {"name": "Maria R.", "contact": "+86 1"},
               "msg=saved")  # fmt: skip
    async with client.get(f"/staff/residents/{resident.id}/export.json") as r:
        assert r.status == 200 and (await r.json())
    await step(f"/staff/residents/{resident.id}/delete", {}, "msg=erased")
    span = {
        "consultant": str(consultant.id),
        "start": third.starts_at.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M"),
        "end": (third.ends_at.astimezone(SHANGHAI)).strftime("%Y-%m-%dT%H:%M"),
    }
    await step("/staff/schedule/block", span, "msg=blocked")
    await step(f"/staff/slots/{first.id}/withdraw", {}, "msg=slot_withdrawn")
    details = {"name": "Consultant A", "languages": "en", "topics": "school", "active": "1"}
    await step(f"/staff/consultants/{consultant.id}", details, "msg=consultant_saved")

    assert await actions(svc.db) == sorted(
        ["login", "resident.walkin", "booking.add", "booking.reschedule", "booking.attendance",
         "resident.edit", "resident.export", "resident.erase", "slots.block", "slot.withdraw",
         "consultant.edit"]
    )  # fmt: skip
    erased = await svc.users.get_by_id(resident.id or 0)
    assert erased is not None and erased.display_name is None
    assert [s.slot.id for s in await svc.schedule.slots_between(*_wide())] == [second.id]


def _wide() -> tuple[Any, Any]:
    return utcnow() - timedelta(days=1), utcnow() + timedelta(days=10)


async def test_events_and_questions_each_write_one_row(
    client: aiohttp.ClientSession, accounts: Accounts, dispatcher: Dispatcher,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    import asyncio

    from bot.store.events.admin import EventSpec
    from bot.store.staff.overlay import FaqOverlayStore

    svc = dispatcher.services
    admin = EventAdmin(svc.db)
    draft, full = await admin.save([
        EventSpec(title={"en": "Draft"}, category="family", starts_at=future(48),
                  ends_at=future(50)),
        EventSpec(title={"en": "Full"}, category="jobs", starts_at=future(2), ends_at=future(5),
                  capacity=1, status="published"),
    ])  # fmt: skip
    for n in range(3):
        await svc.events.register(await make_user(svc.db, f"e{n}"), full.id)
    _view, people = await admin.attendees(full.id)
    waiting = [p.registration.id for p in people if p.registration.status == "waitlisted"]
    seated = [p.registration.id for p in people if p.registration.status == "registered"]
    for text in ("is there a parrot club", "where can I fly a kite"):
        await svc.questions.record_unanswered(user_id=None, channel="web", text=text, locale="en")
    asked = {q.text: q for q in await svc.questions.unanswered()}
    parrot, kite = asked["is there a parrot club"], asked["where can I fly a kite"]
    step = Steps(client, await login(client, "desk"), monkeypatch)

    await step(f"/staff/events/{draft.id}/publish", {}, "msg=published")
    await step(f"/staff/events/{full.id}/registrations/{waiting[0]}/promote", {}, "msg=promoted")
    await step(f"/staff/events/{full.id}/seats", {"seats": "1"}, "msg=seats_added")
    await step(f"/staff/events/{full.id}/registrations/{seated[0]}/checkin", {"present": "1"},
               "msg=checked_in")  # fmt: skip
    await step(f"/staff/events/{full.id}/notify", {"text.en": "Bring water"}, "msg=notified")
    await step(f"/staff/events/{full.id}/cancel", {}, "msg=event_cancelled_told")
    # The same again (a second tab): already cancelled, nothing told, no second row.
    await step(f"/staff/events/{full.id}/cancel", {}, "msg=event_cancelled_told")
    [cancelled] = await rows(svc.db, "event.cancel")
    assert cancelled.before == {"status": "published"}
    await step(f"/staff/questions/{parrot.id}", {"action": "not_covered"},
               "msg=question_not_covered")  # fmt: skip
    knowledge = svc.knowledge
    assert knowledge is not None
    try:
        await step(f"/staff/questions/{kite.id}", {"action": "alternate",
                   "topic": "living.hotlines"}, "msg=alternate_added")  # fmt: skip
        assert "where can I fly a kite" in str(knowledge.overlay)
        [alternate] = await FaqOverlayStore(svc.db).rows()
        await step(f"/staff/faq-overlay/{alternate.id}/remove", {}, "msg=alternate_removed")
        assert "where can I fly a kite" not in str(knowledge.overlay)
    finally:
        await asyncio.to_thread(knowledge.set_overlay, {})  # the knowledge fixture is shared

    assert await actions(svc.db) == sorted(
        ["login", "event.publish", "event.promote", "event.seats", "event.checkin",
         "event.notify", "event.cancel", "question.not_covered", "faq.alternate",
         "faq.alternate_removed"]
    )  # fmt: skip
    assert [e.status for e in await admin.list_events()] == ["cancelled", "published"]


async def test_accounts_and_conversations_each_write_one_row(
    client: aiohttp.ClientSession, accounts: Accounts, dispatcher: Dispatcher,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    import pyotp

    svc = dispatcher.services
    svc.staffed = always()
    await Conversation(dispatcher, user=UserRef("web", "someone")).say("/human")
    [row] = await svc.handoff.inbox()
    cid = row.conversation.id
    store = StaffAccounts(svc.db)
    desk = await store.by_username("desk")
    assert desk is not None
    step = Steps(client, await login(client, "admin"), monkeypatch)

    await step(f"/staff/conversations/{cid}/claim", {}, "msg=claimed")
    await step(f"/staff/conversations/{cid}/retry", {}, f"/staff/conversations/{cid}")
    await step(f"/staff/conversations/{cid}/transfer", {"to": str(desk.id)}, "msg=transferred")
    new = {"username": "helper", "password": "helper's long secret", "role": "desk"}
    await step("/staff/accounts", new, "msg=account_added")
    secret = pyotp.random_base32()
    await step("/staff/account/totp", {"action": "confirm", "secret": secret,
               "code": pyotp.TOTP(secret).now()}, "msg=totp_on")  # fmt: skip
    await step("/staff/account/totp", {"action": "off", "current": PASSWORD}, "msg=totp_off")
    change = {"current": PASSWORD, "new": "another long secret", "again": "another long secret"}
    await step("/staff/account/password", change, "/staff/login")
    await login(client, "helper", "helper's long secret")
    async with client.get("/staff/today") as r:
        token = csrf_of(await r.text())
    await Steps(client, token, monkeypatch)("/staff/logout", {}, "/staff/login")

    assert await actions(svc.db) == sorted(
        ["login", "handoff.claim", "handoff.resend", "handoff.transfer", "staff.add",
         "account.totp_on", "account.totp_off", "account.password", "login", "logout"]
    )  # fmt: skip
    moved = await svc.handoff.get(cid or 0)
    assert moved is not None and moved.claimed_by == desk.id
    assert await store.verify("admin", "another long secret") is not None
