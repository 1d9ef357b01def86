"""Whether a staff member may act is decided again inside the change's own transaction, on
SQLite and PostgreSQL: a conversation handed to someone else or closed, or a booking moved to
another consultant, by another worker after the page first looked, is refused there — nothing
changes and no audit row is written.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from bot.core.dispatcher import Dispatcher
from bot.core.types import UserRef
from bot.services import Services
from bot.store.handoff.tables import CLOSED, FROM_STAFF
from bot.store.staff.accounts import Account, StaffAccounts
from tests.consultations.helpers import future, make_slots, make_user
from tests.handoff.helpers import always
from tests.harness import Conversation
from tests.staff.conftest import Accounts
from tests.staff.test_audit_before import meanwhile
from tests.staff.test_console_audit import post, rows
from tests.staff.test_console_security import login

# Each conversation action a holder may take: its path, its form, its audit action.
CONVERSATION_ACTIONS = {
    "reply": ({"text": "Here is the form you need."}, "handoff.reply"),
    "transfer": ({}, "handoff.transfer"),  # (the form's "to" is filled in by the test)
    "close": ({}, "handoff.close"),
    "retry": ({}, "handoff.resend"),
}


@pytest.fixture
async def client(server: TestServer) -> AsyncIterator[aiohttp.ClientSession]:
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(str(server.make_url("/")), cookie_jar=jar) as session:
        yield session


async def _staff(svc: Services) -> tuple[Account, Account, Account]:
    store = StaffAccounts(svc.db)
    admin, desk, consultant = [await store.by_username(n) for n in ("admin", "desk", "consultant")]
    assert admin is not None and desk is not None and consultant is not None
    return admin, desk, consultant


async def _a_conversation(dispatcher: Dispatcher) -> int:
    svc = dispatcher.services
    svc.staffed = always()
    await Conversation(dispatcher, user=UserRef("web", "someone")).say("/human")
    [inbox_row] = await svc.handoff.inbox()
    assert inbox_row.conversation.id is not None
    return inbox_row.conversation.id


async def _staff_replies(svc: Services, cid: int) -> list[str]:
    return [m.text for m in await svc.handoff.messages(cid) if m.direction == FROM_STAFF]


@pytest.mark.parametrize("action", list(CONVERSATION_ACTIONS))
async def test_a_conversation_transferred_away_meanwhile_is_refused_to_its_former_holder(
    action: str, client: aiohttp.ClientSession, accounts: Accounts, dispatcher: Dispatcher,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    svc = dispatcher.services
    cid = await _a_conversation(dispatcher)
    admin, desk, consultant = await _staff(svc)
    assert await svc.handoff.claim(cid, consultant.id)
    token = await login(client, "consultant")
    form, audit_action = CONVERSATION_ACTIONS[action]
    if action == "transfer":
        form = {"to": str(admin.id)}
    # The page finds the conversation the consultant's; then the desk takes it over.
    meanwhile(monkeypatch, lambda: svc.handoff.transfer(cid, desk.id))

    status, _where = await post(client, token, f"/staff/conversations/{cid}/{action}", form,
                                monkeypatch)  # fmt: skip
    assert status == 404  # as if they had opened it after the transfer
    held = await svc.handoff.get(cid)
    assert held is not None and held.claimed_by == desk.id and held.status != CLOSED
    assert await _staff_replies(svc, cid) == []
    assert await rows(svc.db, audit_action) == []


@pytest.mark.parametrize("action", ["reply", "transfer"])
async def test_a_conversation_closed_meanwhile_takes_no_reply_and_no_transfer(
    action: str, client: aiohttp.ClientSession, accounts: Accounts, dispatcher: Dispatcher,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    svc = dispatcher.services
    cid = await _a_conversation(dispatcher)
    admin, desk, _consultant = await _staff(svc)
    assert await svc.handoff.claim(cid, admin.id)
    token = await login(client, "desk")
    form, audit_action = CONVERSATION_ACTIONS[action]
    if action == "transfer":
        form = {"to": str(desk.id)}
    meanwhile(monkeypatch, lambda: svc.handoff.close(cid))

    status, where = await post(client, token, f"/staff/conversations/{cid}/{action}", form,
                               monkeypatch)  # fmt: skip
    assert status == 303 and "msg=conversation_closed_already" in where and "kind=error" in where
    held = await svc.handoff.get(cid)
    assert held is not None and held.status == CLOSED and held.claimed_by == admin.id
    assert await _staff_replies(svc, cid) == []  # nothing for the resident after the close
    assert await rows(svc.db, audit_action) == []


@pytest.mark.parametrize("action", ["cancel", "note"])
async def test_a_booking_moved_to_another_consultant_meanwhile_is_refused_to_the_first(
    action: str, client: aiohttp.ClientSession, accounts: Accounts, dispatcher: Dispatcher,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    svc = dispatcher.services
    (mine,) = await make_slots(svc.db, [future(30)], name="Consultant A")
    (theirs,) = await make_slots(svc.db, [future(32)], name="Consultant B")
    assert mine.id is not None and theirs.id is not None
    _admin, _desk, consultant = await _staff(svc)
    await StaffAccounts(svc.db).update(
        consultant.id, role="consultant", consultant_id=mine.consultant_id, active=True
    )
    user_id = await make_user(svc.db, "r1")
    made = await svc.bookings.book_slot(user_id, mine.id, topic="school", language="en")
    booking_id = made.booking.id
    assert booking_id is not None
    token = await login(client, "consultant")
    # The page finds the booking the consultant's; then the desk moves it to another one.
    meanwhile(monkeypatch, lambda: svc.bookings.reschedule_by_staff(booking_id, theirs.id or 0))

    form = {"staff_note": "Mine"} if action == "note" else {}
    status, _where = await post(client, token, f"/staff/bookings/{booking_id}/{action}", form,
                                monkeypatch)  # fmt: skip
    assert status == 404  # as if they had opened it after the move
    after = await svc.bookings.get(booking_id)
    assert after is not None and after.slot.id == theirs.id
    assert after.status == "booked" and after.staff_note is None
    assert await rows(svc.db, f"booking.{action}") == []
