"""The console's side, over HTTP against the real server: a resident on the web chat asks
for a person → the conversation reaches the console's event stream within a second and
the inbox lists it; staff claim, reply (the page's inbox gets it, in order) and close;
roles decide who sees what; the WeChat window closed is said plainly."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import update

from bot.channels.wechat.adapter import WeChatChannel
from bot.core.dispatcher import Dispatcher
from bot.core.types import UserRef, utcnow
from bot.handlers.handoff.delivery import add_staff_reply
from bot.store.handoff.conversations import STALE_CLAIM
from bot.store.handoff.tables import HandoffMessage
from bot.store.staff.tables import AuditEntry
from bot.store.tables import User
from tests.handoff.helpers import always
from tests.harness import Conversation
from tests.staff.conftest import Accounts, csrf_of
from tests.staff.test_console_security import login


@pytest.fixture
async def staff_client(server: TestServer) -> AsyncIterator[aiohttp.ClientSession]:
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(str(server.make_url("/")), cookie_jar=jar) as session:
        yield session


@pytest.fixture
async def resident(server: TestServer) -> AsyncIterator[aiohttp.ClientSession]:
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(str(server.make_url("/")), cookie_jar=jar) as session:
        yield session


async def chat(resident: aiohttp.ClientSession, **body: Any) -> dict[str, Any]:
    async with resident.post("/api/chat", json=body) as r:
        assert r.status == 200, await r.text()
        data: dict[str, Any] = await r.json()
        return data


async def next_change(stream: aiohttp.ClientResponse, within: float) -> str:
    """The data of the next `change` event of a Server-Sent Events stream."""
    event = ""

    async def read() -> str:
        nonlocal event
        while True:
            line = (await stream.content.readline()).decode().rstrip("\n")
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and event == "change":
                return line.split(":", 1)[1].strip()

    return await asyncio.wait_for(read(), within)


async def test_web_resident_reaches_the_console_and_gets_the_reply(
    server: TestServer,
    dispatcher: Dispatcher,
    accounts: Accounts,
    staff_client: aiohttp.ClientSession,
    resident: aiohttp.ClientSession,
) -> None:
    dispatcher.services.staffed = always()
    token = await login(staff_client, "desk")
    async with staff_client.get("/staff/conversations/events") as stream:
        assert stream.headers["Content-Type"].startswith("text/event-stream")
        await next_change(stream, within=2)  # the state as the page opened
        await chat(resident, payload="lang:set:ja")
        started = time.monotonic()
        opened = await chat(resident, text="/human")
        assert "スタッフ" in opened["replies"][0]["text"]
        await next_change(stream, within=1.0)
        assert time.monotonic() - started < 1.5  # the answer, then the event within 1 s
        silent = await chat(resident, text="大家さんが今日パスポートを見せろと言っています")
        assert silent["replies"] == []  # staff read it; the bot says nothing
        await next_change(stream, within=1.0)

    async with staff_client.get("/staff/conversations.json") as r:
        [row] = (await r.json())["conversations"]
    assert row["locale"] == "ja" and row["channel"] == "web" and row["unread"] == 1
    assert row["last"].startswith("大家さん") and row["status"] == "open"
    cid = row["id"]
    async with staff_client.get("/staff/conversations") as r:
        assert f"/staff/conversations/{cid}" in await r.text()

    async with staff_client.post(
        f"/staff/conversations/{cid}/claim", data={"csrf_token": token}, allow_redirects=False
    ) as r:
        assert r.status == 303 and "msg=claimed" in r.headers["Location"]
    for text in ("少々お待ちください。", "パスポートの原本は渡さないでください。"):
        async with staff_client.post(
            f"/staff/conversations/{cid}/reply",
            data={"csrf_token": token, "text": text},
            allow_redirects=False,
        ) as r:
            assert "msg=reply_sent" in r.headers["Location"]
    async with resident.get("/api/inbox") as r:
        inbox = await r.json()
    assert [m["text"] for m in inbox["replies"]] == [
        "少々お待ちください。",
        "パスポートの原本は渡さないでください。",
    ]

    # A phrase in the resident's language, with English and Chinese beside it.
    async with staff_client.get(f"/staff/conversations/{cid}/insert?phrase=photo") as r:
        phrase = await r.json()
    assert phrase["text"] == "書類の写真を送っていただけますか？"
    assert phrase["reference"]["en"] == "Could you send a photo of the document?"
    assert phrase["reference"]["zh_Hans"] == "您能发一张这份文件的照片吗？"
    async with staff_client.get(f"/staff/conversations/{cid}/insert?topic=about.human") as r:
        answer = await r.json()
    assert answer["locale"] == "ja" and set(answer["reference"]) == {"en", "zh_Hans"}

    async with staff_client.get(f"/staff/conversations/{cid}") as r:
        page = await r.text()
    assert "大家さん" in page and "少々お待ちください。" in page

    async with staff_client.post(
        f"/staff/conversations/{cid}/close", data={"csrf_token": token}, allow_redirects=False
    ) as r:
        assert "msg=conversation_closed" in r.headers["Location"]
    async with resident.get("/api/inbox") as r:
        [closing] = (await r.json())["replies"]
    assert [b["label"] for b in closing["buttons"]] == ["👍", "👎"]
    back = await chat(resident, text="ビザの更新はどうすればいいですか")
    assert back["replies"]  # the bot answers again

    async with dispatcher.services.db.session() as session:
        from sqlmodel import select

        actions = [a.action for a in (await session.execute(select(AuditEntry))).scalars().all()]
    assert actions.count("handoff.reply") == 2 and "handoff.close" in actions
    async with staff_client.get("/staff/conversations/events") as stream:
        await next_change(stream, within=2)


async def test_a_consultant_sees_only_their_own(
    server: TestServer,
    dispatcher: Dispatcher,
    accounts: Accounts,
    staff_client: aiohttp.ClientSession,
) -> None:
    dispatcher.services.staffed = always()
    await Conversation(dispatcher, user=UserRef("web", "someone")).say("/human")
    await login(staff_client, "consultant")
    async with staff_client.get("/staff/conversations.json") as r:
        assert (await r.json())["conversations"] == []
    [row] = await dispatcher.services.handoff.inbox()
    cid = row.conversation.id
    async with staff_client.get(f"/staff/conversations/{cid}") as r:
        assert r.status == 404
    from bot.store.staff.accounts import StaffAccounts

    account = await StaffAccounts(dispatcher.services.db).by_username("consultant")
    assert account is not None and cid is not None
    assert await dispatcher.services.handoff.transfer(cid, account.id)
    async with staff_client.get("/staff/conversations.json") as r:
        assert [c["id"] for c in (await r.json())["conversations"]] == [cid]


async def test_wechat_window_closed_is_said_plainly(
    server: TestServer,
    dispatcher: Dispatcher,
    accounts: Accounts,
    staff_client: aiohttp.ClientSession,
) -> None:
    svc = dispatcher.services
    svc.staffed = always()
    # What the WeChat channel declares when it is installed: its 48-hour reply window.
    svc.channels.declare("wechat", WeChatChannel.capabilities)
    await Conversation(dispatcher, user=UserRef("wechat", "oLateUser")).say("/human")
    async with svc.db.transaction() as session:
        await session.execute(
            update(User)
            .where(User.external_id == "oLateUser")  # type: ignore[arg-type]
            .values(last_seen=utcnow() - timedelta(hours=50))
        )
    token = await login(staff_client, "admin")
    [row] = await svc.handoff.inbox()
    cid = row.conversation.id
    async with staff_client.post(
        f"/staff/conversations/{cid}/reply", data={"csrf_token": token, "text": "Hello"}
    ) as r:
        page = await r.text()
    assert "undeliverable: the WeChat 48-hour window is closed" in page
    assert "No template message is configured (WECHAT_TEMPLATE_ID)" in page
    assert 'id="undelivered">' in page and 'id="resend"' in page  # *Send again*, shown
    csrf_of(page)


async def test_an_open_live_stream_does_not_hold_the_server_shutdown(
    server: TestServer, accounts: Accounts, staff_client: aiohttp.ClientSession
) -> None:
    """A console page left open must not keep a restart waiting for the stream's lifetime."""
    await login(staff_client, "desk")
    async with staff_client.get("/staff/conversations/events") as stream:
        await next_change(stream, within=2)
        started = time.monotonic()
        await server.close()
        assert time.monotonic() - started < 5
        rest = await asyncio.wait_for(stream.content.read(), 5)  # the stream ended
        assert b"event: change" not in rest


async def test_a_reply_another_worker_sends_then_abandons(
    server: TestServer,
    dispatcher: Dispatcher,
    accounts: Accounts,
    staff_client: aiohttp.ClientSession,
) -> None:
    """A reply claimed by another worker shows as being sent; one that worker left behind
    when it died (its claim gone stale) gets *Send again*, which sends it."""
    svc = dispatcher.services
    svc.staffed = always()
    await Conversation(dispatcher).say("/human")
    [row] = await svc.handoff.inbox()
    conversation = row.conversation
    cid = conversation.id
    assert cid is not None
    reply = await add_staff_reply(svc, conversation, None, "Hello from the desk")
    assert await svc.handoff.claim_next(cid) is not None  # another worker, sending it now
    await login(staff_client, "desk")
    async with staff_client.get(f"/staff/conversations/{cid}") as r:
        page = await r.text()
    assert '<span class="badge sending" data-delivery aria-live="polite">Sending</span>' in page
    assert 'data-sending="Sending"' in page  # the live transcript's label
    assert 'id="undelivered" hidden' in page  # *Send again*: there for the page, not shown
    async with staff_client.get(f"/staff/conversations/{cid}/messages.json") as r:
        [shown] = [m for m in (await r.json())["messages"] if m["id"] == reply.id]
    assert shown["delivery"] == "sending"

    # That worker died mid-send, long ago.
    long_ago = utcnow() - STALE_CLAIM - timedelta(minutes=1)
    async with svc.db.transaction() as session:
        await session.execute(
            update(HandoffMessage)
            .where(HandoffMessage.id == reply.id)  # type: ignore[arg-type]
            .values(claimed_at=long_ago, created_at=long_ago)
        )
    async with staff_client.get(f"/staff/conversations/{cid}") as r:
        page = await r.text()
    assert 'id="undelivered">' in page
    async with staff_client.post(
        f"/staff/conversations/{cid}/retry", data={"csrf_token": csrf_of(page)}
    ) as r:
        page = await r.text()
    assert '<span class="badge sent" data-delivery aria-live="polite">Delivered</span>' in page
    texts = [r["text"] for m in await svc.inbox.take("tester") for r in m.replies]
    assert texts[-1] == "Hello from the desk"


async def test_a_transcripts_stream_tells_of_its_replies_deliveries(
    server: TestServer,
    dispatcher: Dispatcher,
    accounts: Accounts,
    staff_client: aiohttp.ClientSession,
) -> None:
    """An open transcript's stream says `change` when one of its replies changes state
    (another worker took it, sent it), and messages.json then carries every reply's state:
    what the page redraws its badges from. Only for a conversation the staff member sees."""
    svc = dispatcher.services
    svc.staffed = always()
    await Conversation(dispatcher).say("/human")
    [row] = await svc.handoff.inbox()
    cid = row.conversation.id
    assert cid is not None
    reply = await add_staff_reply(svc, row.conversation, None, "One moment, please")
    await login(staff_client, "desk")
    async with staff_client.get(f"/staff/conversations/events?conversation={cid}") as stream:
        await next_change(stream, within=2)  # the state as the page opened
        claimed = await svc.handoff.claim_next(cid)  # pending → sending
        assert claimed is not None
        await next_change(stream, within=1.0)
        assert await svc.handoff.record_delivery(claimed, "failed", "blocked by the user")
        await next_change(stream, within=1.0)
    live = f"/staff/conversations/{cid}/messages.json?after={reply.id}"
    async with staff_client.get(live) as r:
        data = await r.json()
    assert data["messages"] == []  # nothing new…
    assert data["deliveries"] == [  # …but the reply shown has changed
        {
            "id": reply.id,
            "delivery": "failed",
            "note": "blocked by the user",
            "window_closed": False,
        }
    ]

    async with aiohttp.ClientSession(
        str(server.make_url("/")), cookie_jar=aiohttp.CookieJar(unsafe=True)
    ) as consultant:
        await login(consultant, "consultant")  # holds none of it
        async with consultant.get(f"/staff/conversations/events?conversation={cid}") as r:
            assert r.status == 404
