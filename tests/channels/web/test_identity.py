"""The web chat knows a browser by the session cookie the server set, never by what it says.

Finding 1 of the security review: the server took `user` from the request body, so anyone
who knew a resident's id saw their bookings and notes, cancelled them, and took their
reminders. Here a second browser (another cookie jar) tries all of that and gets nothing.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import text
from sqlmodel import select

from bot.app import build_dispatcher
from bot.channels.base import install
from bot.channels.webchat.channel import WebChatChannel
from bot.config import Settings
from bot.core.dispatcher import Dispatcher
from bot.core.types import utcnow
from bot.knowledge.base import KnowledgeBase
from bot.reminders.dispatcher import DispatcherConfig, ReminderDispatcher
from bot.store.consultations.bookings import BOOKED, Booking
from bot.store.db import Database
from bot.store.websessions import WebSession, WebSessionStore
from tests.channels.web.support import API_TOKEN, browser, button, say, texts, web_server
from tests.consultations.helpers import future, make_slots
from tests.reminders.test_reminders import make_reminders_due

NOTE = "Passport E12345678, asthma"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"webchat_api_token": SecretStr(API_TOKEN)})


def session_cookie(headers: Any) -> str:
    (cookie,) = [c for c in headers.getall("Set-Cookie", []) if c.startswith("linzhu_session=")]
    return str(cookie)


async def sessions(db: Database) -> list[WebSession]:
    async with db.session() as s:
        return list((await s.execute(select(WebSession))).scalars())


async def test_the_server_sets_an_httponly_session_cookie_and_stores_only_its_hash(
    dispatcher: Dispatcher, db: Database
) -> None:
    async with web_server(dispatcher) as server, browser(server) as alice:
        async with alice.get("/") as resp:
            cookie = session_cookie(resp.headers)
        token = cookie.split(";")[0].split("=", 1)[1]
        attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
        assert {"httponly", "path", "samesite", "max-age"} <= attributes
        assert "samesite=lax" in cookie.lower() and "secure" not in attributes  # plain http
        assert len(token) >= 43  # token_urlsafe(32): 256 bits from `secrets`
        answer = await say(alice, text="/start")  # the same browser: no new cookie needed
        assert "Linzhu" in texts(answer)
    (row,) = await sessions(db)
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in (row.token_hash, row.external_id) and token[:16] not in row.external_id
    async with db.session() as s:  # the user the browser speaks as is not named by the token
        ids = (await s.execute(text("SELECT external_id FROM users"))).scalars().all()
    assert ids == [row.external_id]


async def test_the_cookie_is_secure_when_the_public_url_is_https(
    settings: Settings, db: Database, knowledge: KnowledgeBase
) -> None:
    https = settings.model_copy(update={"public_url": "https://linzhu.example.org"})
    dispatcher = build_dispatcher(https, db=db, knowledge=knowledge)
    install(dispatcher, WebChatChannel(dispatcher))
    async with web_server(dispatcher) as server, browser(server) as alice, alice.get("/") as resp:
        assert "; secure" in session_cookie(resp.headers).lower()


async def test_a_second_browser_can_neither_see_nor_change_the_first(
    dispatcher: Dispatcher, db: Database
) -> None:
    services = dispatcher.services
    (slot,) = await make_slots(db, [future(30)])
    async with web_server(dispatcher) as server, browser(server) as alice:
        await alice.get("/")
        await say(alice, payload=f"book:time:{slot.id}")
        confirm = button(await say(alice, text=NOTE), "book:confirm:")
        booked = await say(alice, payload=confirm)
        assert NOTE in texts(booked)
        mine = await say(alice, text="/mybookings")
        assert NOTE in texts(mine)
        cancel = button(mine, "book:cx:")
        (alice_session,) = await sessions(db)
        alice_id = alice_session.external_id

        async with browser(server) as mallory:
            theirs = await say(mallory, text="/mybookings")
            assert NOTE not in texts(theirs) and "no upcoming" in texts(theirs)
            # Alice's buttons in Mallory's hands act on Mallory's (empty) account.
            await say(mallory, payload=cancel)
            await say(mallory, payload=cancel.replace("book:cx:", "book:cxok:"))
            # Naming Alice is refused outright, in the body and in the inbox's query.
            for body in ({"user": alice_id, "text": "/mybookings"}, {"user": alice_id}):
                async with mallory.post("/api/chat", json=body) as resp:
                    assert resp.status == 401 and '"user"' in (await resp.json())["error"]
            async with mallory.get("/api/inbox", params={"user": alice_id}) as resp:
                assert resp.status == 401

            async with db.session() as s:
                (booking,) = (await s.execute(select(Booking))).scalars().all()
            assert booking.status == BOOKED and booking.note == NOTE

            # Alice's reminders wait for Alice; Mallory's polling takes none of them.
            await make_reminders_due(db, "booking:")
            config = DispatcherConfig(rate_per_second=1000)
            assert await ReminderDispatcher(db, services.channels, config).run_once() == 2
            async with mallory.get("/api/inbox") as resp:
                assert (await resp.json())["replies"] == []
            await say(mallory, payload="privacy:delete:yes")  # erases Mallory, not Alice
        async with db.session() as s:
            (booking,) = (await s.execute(select(Booking))).scalars().all()
        assert booking.status == BOOKED and booking.note == NOTE
        async with alice.get("/api/inbox") as resp:
            assert len((await resp.json())["replies"]) == 2


async def test_a_user_in_the_body_needs_the_api_token(dispatcher: Dispatcher) -> None:
    async with web_server(dispatcher) as server:
        body = {"user": "kiosk-1", "text": "hi"}
        async with browser(server) as anyone, anyone.post("/api/chat", json=body) as resp:
            assert resp.status == 401
            assert '"user"' in (await resp.json())["error"]
        wrong = "Bearer wrong-token-0123456789abcdef"
        async with (
            browser(server, Authorization=wrong) as bad,
            bad.post("/api/chat", json=body) as resp,
        ):
            assert resp.status == 401 and "token" in (await resp.json())["error"]
        async with browser(server, Authorization=f"Bearer {API_TOKEN}") as kiosk:
            answer = await say(kiosk, user="kiosk-1", payload="lang:set:ko")
            assert answer["locale"] == "ko"
            async with kiosk.post("/api/chat", json={"text": "hi"}) as resp:
                assert resp.status == 400 and '"user"' in (await resp.json())["error"]
            async with kiosk.get("/api/inbox", params={"user": "kiosk-1"}) as resp:
                assert resp.status == 200 and (await resp.json())["locale"] == "en"
            # An integration names users; it never gets a session cookie.
            assert not kiosk.cookie_jar.filter_cookies(server.make_url("/"))
    user = await dispatcher.services.users.get_by_id(1)
    assert user is not None and (user.channel, user.external_id, user.locale) == (
        "web",
        "kiosk-1",
        "ko",
    )


async def test_the_session_token_never_reaches_a_log_line(
    dispatcher: Dispatcher, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with web_server(dispatcher) as server, browser(server) as alice:
        async with alice.get("/") as resp:
            token = session_cookie(resp.headers).split(";")[0].split("=", 1)[1]
        await say(alice, text="/start")
        await say(alice, payload="no:such:button")  # logged: a refused payload
        await say(alice, text="I need help with my visa please")
    logged = "\n".join(logging.Formatter("%(message)s").format(record) for record in caplog.records)
    assert caplog.records and token not in logged


async def test_an_idle_session_ends(dispatcher: Dispatcher, db: Database) -> None:
    store = WebSessionStore(db, idle=timedelta(days=30))
    start = utcnow()
    issued = await store.issue(now=start)
    # Each use restarts the idle clock.
    assert await store.resolve(issued.token, now=start + timedelta(days=29)) == issued.external_id
    later = start + timedelta(days=58)
    assert await store.resolve(issued.token, now=later) == issued.external_id
    assert await store.resolve(issued.token, now=later + timedelta(days=30)) is None
    assert await store.resolve("not-a-session") is None

    async with web_server(dispatcher) as server, browser(server) as alice:
        answer = await say(alice, payload="lang:set:fr")
        assert answer["locale"] == "fr"
        async with db.transaction() as s:  # a month and a day without a visit
            await s.execute(
                WebSession.__table__.update().values(  # type: ignore[attr-defined]
                    last_seen=utcnow() - timedelta(days=31)
                )
            )
        async with alice.post("/api/chat", json={"text": "/start"}) as resp:
            assert "linzhu_session=" in session_cookie(resp.headers)  # a new session
            assert (await resp.json())["locale"] == "en"  # as someone new
    assert len(await sessions(db)) == 1


async def test_deleting_my_data_ends_the_session(dispatcher: Dispatcher, db: Database) -> None:
    async with web_server(dispatcher) as server, browser(server) as alice:
        await say(alice, payload="lang:set:de")
        (before,) = await sessions(db)
        await say(alice, payload="privacy:delete:yes")
        assert await sessions(db) == []
        async with alice.post("/api/chat", json={"text": "/start"}) as resp:
            assert "linzhu_session=" in session_cookie(resp.headers)
            assert (await resp.json())["locale"] == "en"
        (after,) = await sessions(db)
    assert after.external_id != before.external_id


async def test_another_site_cannot_drive_a_residents_session(dispatcher: Dispatcher) -> None:
    """SameSite=Lax still sends the cookie when another site links to /api/inbox; the
    browser's Fetch Metadata tells us, and the request is refused."""
    cross_site = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"}
    async with web_server(dispatcher) as server, browser(server) as alice:
        await say(alice, text="/start")
        async with alice.get("/api/inbox", headers=cross_site) as resp:
            assert resp.status == 403
        async with alice.post("/api/chat", json={"text": "/help"}, headers=cross_site) as resp:
            assert resp.status == 403
        same_origin = {"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "cors"}
        async with alice.get("/api/inbox", headers=same_origin) as resp:
            assert resp.status == 200


async def test_a_proxys_basic_authentication_is_not_an_api_token(dispatcher: Dispatcher) -> None:
    async with (
        web_server(dispatcher) as server,
        browser(server, Authorization="Basic c3RhZmY6cGFzc3dvcmQ=") as alice,
    ):
        answer = await say(alice, text="/start")  # a browser session as usual
        assert "Linzhu" in texts(answer)
        async with alice.post("/api/chat", json={"user": "x", "text": "hi"}) as resp:
            assert resp.status == 401
