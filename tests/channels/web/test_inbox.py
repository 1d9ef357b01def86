"""Reminders for web chat users: filed by the web sender, fetched by GET /api/inbox."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.channels.webchat.channel import WebChatChannel
from bot.consultations.text import long_day
from bot.core.dispatcher import Dispatcher
from bot.reminders.dispatcher import DispatcherConfig, ReminderDispatcher
from bot.web.app import create_web_app
from tests.consultations.helpers import future, make_slots
from tests.harness import tr
from tests.reminders.test_reminders import make_reminders_due


@pytest.fixture
async def client(dispatcher: Dispatcher) -> AsyncIterator[TestClient]:
    app = create_web_app(dispatcher, WebChatChannel(dispatcher))
    async with TestClient(TestServer(app, host="127.0.0.1")) as c:
        yield c


async def test_reminder_reaches_the_web_chat_inbox(
    client: TestClient, dispatcher: Dispatcher
) -> None:
    services = dispatcher.services
    (slot,) = await make_slots(services.db, [future(30)])
    await client.post("/api/chat", json={"payload": "lang:set:de"})
    await client.post("/api/chat", json={"payload": f"book:time:{slot.id}"})
    resp = await client.post("/api/chat", json={"payload": "book:skipnote"})
    confirm = next(
        b["payload"]
        for r in (await resp.json())["replies"]
        for b in r["buttons"]
        if b["payload"].startswith("book:confirm:")
    )
    resp = await client.post("/api/chat", json={"payload": confirm})
    assert (await resp.json())["replies"][0]["attachments"][0]["filename"] == "consultation.ics"
    resp = await client.get("/api/inbox")
    assert (await resp.json()) == {"locale": "en", "replies": []}  # nothing due yet

    await make_reminders_due(services.db, "booking:")
    config = DispatcherConfig(rate_per_second=1000)
    assert await ReminderDispatcher(services.db, services.channels, config).run_once() == 2
    resp = await client.get("/api/inbox")
    assert resp.status == 200
    inbox = await resp.json()
    assert inbox["locale"] == "de"
    assert len(inbox["replies"]) == 2
    assert long_day(slot.starts_at, "de") in inbox["replies"][0]["text"]  # German date
    assert inbox["replies"][0]["buttons"] == [
        {"label": tr("de", "My bookings"), "payload": "book:mine"}
    ]
    again = await client.get("/api/inbox")
    assert (await again.json())["replies"] == []  # handed out once


async def test_inbox_needs_a_session(client: TestClient) -> None:
    resp = await client.get("/api/inbox")  # no cookie yet: nobody to fetch for
    assert resp.status == 401 and "session" in (await resp.json())["error"]
    resp = await client.get("/api/inbox", params={"user": "w1"})  # naming one needs the token
    assert resp.status == 401 and '"user"' in (await resp.json())["error"]
    await client.get("/")  # the page sets the session cookie
    resp = await client.get("/api/inbox")
    assert resp.status == 200 and (await resp.json())["replies"] == []
