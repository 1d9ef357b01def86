"""An audit row's "before" is what the change replaced, read in the change's own transaction,
on SQLite and PostgreSQL: another worker's change committed after the page first looked
is not lost from the log. And an action that changes nothing writes no row.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from bot.core.dispatcher import Dispatcher
from bot.core.types import UserRef
from bot.services import Services
from bot.store.staff.accounts import StaffAccounts
from bot.store.staff.overlay import FaqOverlayStore
from bot.store.tables import User
from bot.web.staff.core import Audit, Staff
from tests.consultations.helpers import future, make_slots, make_user
from tests.handoff.helpers import always
from tests.harness import Conversation
from tests.staff.conftest import Accounts
from tests.staff.test_console_audit import Steps, rows
from tests.staff.test_console_security import login


@pytest.fixture
async def client(server: TestServer) -> AsyncIterator[aiohttp.ClientSession]:
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(str(server.make_url("/")), cookie_jar=jar) as session:
        yield session


def meanwhile(monkeypatch: pytest.MonkeyPatch, change: Callable[[], Awaitable[Any]]) -> None:
    """Another worker commits `change` once: after the page has looked the record up, just
    before its `audited` block (its transaction) begins."""
    original = Staff.audited
    pending = [change]

    @asynccontextmanager
    async def audited(self: Staff, *args: Any, **kwargs: Any) -> AsyncIterator[Audit]:
        while pending:
            await pending.pop()()
        async with original(self, *args, **kwargs) as entry:
            yield entry

    monkeypatch.setattr(Staff, "audited", audited)


async def _a_booking(svc: Services) -> int:
    (slot,) = await make_slots(svc.db, [future(30)])
    user_id = await make_user(svc.db, "r1")
    made = await svc.bookings.book_slot(user_id, slot.id or 0, topic="school", language="en")
    assert made.booking.id is not None
    return made.booking.id


async def test_a_change_made_meanwhile_is_the_before_of_a_booking_note(
    client: aiohttp.ClientSession, accounts: Accounts, dispatcher: Dispatcher,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    svc = dispatcher.services
    booking_id = await _a_booking(svc)
    await svc.bookings.set_staff_note(booking_id, "Interpreter booked")
    step = Steps(client, await login(client, "desk"), monkeypatch)
    meanwhile(monkeypatch, lambda: svc.bookings.set_staff_note(booking_id, "Bring the lease"))

    await step(f"/staff/bookings/{booking_id}/note", {"staff_note": "Mine"}, "msg=saved")
    [row] = await rows(svc.db, "booking.note")
    assert row.before == {"staff_note": "Bring the lease"}  # not "Interpreter booked"
    assert row.after == {"staff_note": "Mine"}


async def test_a_change_made_meanwhile_is_the_before_of_an_attendance(
    client: aiohttp.ClientSession, accounts: Accounts, dispatcher: Dispatcher,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    svc = dispatcher.services
    booking_id = await _a_booking(svc)
    step = Steps(client, await login(client, "desk"), monkeypatch)
    meanwhile(monkeypatch, lambda: svc.schedule.mark_attendance(booking_id, "no_show"))

    await step(f"/staff/bookings/{booking_id}/attendance", {"status": "attended"}, "/staff/today")
    [row] = await rows(svc.db, "booking.attendance")
    assert row.before == {"status": "no_show"} and row.after == {"status": "attended"}


async def test_a_change_made_meanwhile_is_the_before_of_a_resident_edit(
    client: aiohttp.ClientSession, accounts: Accounts, dispatcher: Dispatcher,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    svc = dispatcher.services
    user_id = await make_user(svc.db, "r2")
    await svc.users.set_profile(user_id, display_name="Ana", contact=None)
    step = Steps(client, await login(client, "desk"), monkeypatch)
    meanwhile(
        monkeypatch,
        lambda: svc.users.set_profile(user_id, display_name="Ana Silva", contact="139 0000"),
    )

    form = {"name": "Ana S.", "contact": ""}
    await step(f"/staff/residents/{user_id}", form, "msg=saved")
    [row] = await rows(svc.db, "resident.edit")
    assert row.before == {"name": "Ana Silva", "contact": "139 0000"}
    assert row.after == {"name": "Ana S.", "contact": None}


async def test_a_change_made_meanwhile_is_the_before_of_a_transfer_and_an_account_edit(
    client: aiohttp.ClientSession, accounts: Accounts, dispatcher: Dispatcher,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    svc = dispatcher.services
    svc.staffed = always()
    await Conversation(dispatcher, user=UserRef("web", "someone")).say("/human")
    [inbox_row] = await svc.handoff.inbox()
    cid = inbox_row.conversation.id
    assert cid is not None
    store = StaffAccounts(svc.db)
    admin, desk, consultant = [await store.by_username(n) for n in ("admin", "desk", "consultant")]
    assert admin is not None and desk is not None and consultant is not None
    await svc.handoff.claim(cid, admin.id)
    step = Steps(client, await login(client, "admin"), monkeypatch)

    meanwhile(monkeypatch, lambda: svc.handoff.transfer(cid, consultant.id))
    await step(f"/staff/conversations/{cid}/transfer", {"to": str(desk.id)}, "msg=transferred")
    [row] = await rows(svc.db, "handoff.transfer")
    assert row.before == {"claimed_by": consultant.id} and row.after == {"claimed_by": desk.id}

    meanwhile(monkeypatch, lambda: store.update(desk.id, role="desk", consultant_id=None,
                                                active=False))  # fmt: skip
    await step(f"/staff/accounts/{desk.id}", {"role": "admin", "active": "1"}, "/staff/accounts")
    [row] = await rows(svc.db, "staff.edit")
    assert row.before == {"role": "desk", "consultant_id": None, "active": False}


async def test_a_held_row_does_not_change_until_the_unit_of_work_ends(
    dispatcher: Dispatcher,
) -> None:
    """`lock_row` itself: another writer's change to the row waits for the unit's commit
    (PostgreSQL: the row lock; SQLite: the writer's turn), so what the unit read stays true."""
    svc = dispatcher.services
    user_id = await make_user(svc.db, "r3")
    await svc.users.set_profile(user_id, display_name="Before", contact=None)
    held = asyncio.Event()

    async def other_worker() -> None:
        await held.wait()
        await svc.users.set_profile(user_id, display_name="Other", contact=None)

    other = asyncio.create_task(other_worker())  # (outside the unit of work's context)
    async with svc.db.unit_of_work():
        assert await svc.db.lock_row(User, user_id)
        assert not await svc.db.lock_row(User, 10_000_000)
        held.set()
        await asyncio.sleep(0.3)  # the other worker has tried by now
        user = await svc.users.get_by_id(user_id)
        assert user is not None and user.display_name == "Before"
        assert not other.done()
    await asyncio.wait_for(other, 5)
    user = await svc.users.get_by_id(user_id)
    assert user is not None and user.display_name == "Other"


async def test_an_alternate_already_there_writes_no_row(
    client: aiohttp.ClientSession, accounts: Accounts, dispatcher: Dispatcher,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    svc = dispatcher.services
    knowledge = svc.knowledge
    assert knowledge is not None
    await svc.questions.record_unanswered(
        user_id=None, channel="web", text="where can I fly a kite", locale="en"
    )
    [question] = await svc.questions.unanswered()
    step = Steps(client, await login(client, "desk"), monkeypatch)
    form = {"action": "alternate", "topic": "living.hotlines"}
    try:
        await step(f"/staff/questions/{question.id}", form, "msg=alternate_added")
        [row] = await rows(svc.db, "faq.alternate")
        assert row.target == "living.hotlines" and row.after is not None
        assert row.after["text"] == "where can I fly a kite"
        # The same again (a second tab, a double submit): the phrasing is there already.
        await step(f"/staff/questions/{question.id}", form, "msg=alternate_added")
        assert len(await FaqOverlayStore(svc.db).rows()) == 1
        assert len(await rows(svc.db, "faq.alternate")) == 1
        assert await rows(svc.db, "question.alternate") == []  # nothing changed
        # Another question with the same words, open: handled by the phrasing that is there.
        await svc.questions.record_unanswered(
            user_id=None, channel="web", text="where can I fly a kite", locale="en"
        )
        [second] = await svc.questions.unanswered()
        await step(f"/staff/questions/{second.id}", form, "msg=alternate_added")
        [handled] = await rows(svc.db, "question.alternate")
        assert handled.target == f"question:{second.id}" and handled.after is not None
        assert handled.after["topic"] == "living.hotlines"
        assert len(await rows(svc.db, "faq.alternate")) == 1
        assert (await svc.questions.get(second.id)).resolution == "alternate"  # type: ignore[union-attr]
    finally:
        await asyncio.to_thread(knowledge.set_overlay, {})  # the knowledge fixture is shared
