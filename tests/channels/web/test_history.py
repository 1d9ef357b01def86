"""The web chat's conversation survives a reload (issue 16, finding 7): the server keeps each
browser session's last 50 bubbles, knows the session by its cookie alone, shows a tapped
button as the label it showed itself, keeps no "/start" bubble for the page's greeting, and
forgets everything on /privacy's deletion. On SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import aiohttp
from sqlmodel import select

from bot.core.dispatcher import Dispatcher
from bot.store.db import Database
from bot.store.webhistory import KEEP, WebHistoryEntry
from tests.channels.web.support import browser, button, say, texts, web_server


async def history(client: aiohttp.ClientSession, **params: str) -> dict[str, Any]:
    async with client.get("/api/history", params=params) as resp:
        assert resp.status == 200, await resp.text()
        data: dict[str, Any] = await resp.json()
        return data


async def rows(db: Database) -> list[WebHistoryEntry]:
    async with db.session() as session:
        return list((await session.execute(select(WebHistoryEntry))).scalars())


async def test_the_conversation_comes_back_after_a_reload(dispatcher: Dispatcher) -> None:
    async with web_server(dispatcher) as server, browser(server) as alice:
        await alice.get("/")
        assert (await history(alice))["messages"] == []  # a new visitor: nothing yet
        greeting = await say(alice, text="/start", opening=True)
        language = button(greeting, "lang:menu")
        await say(alice, text="/help")
        await say(alice, payload=language)  # shown as the button's label
        german = await say(alice, payload="lang:set:de")
        assert german["locale"] == "de"
        await alice.get("/")  # the reload
        kept = await history(alice)
        assert kept["locale"] == "de" and kept["ui"]["send"] != "Send"
        users = [m["text"] for m in kept["messages"] if m["role"] == "user"]
        # No "/start" bubble for the greeting; the taps show as the labels the server showed.
        assert users[0] == "/help" and "/start" not in users
        labels = {b["payload"]: b["label"] for r in greeting["replies"] for b in r["buttons"]}
        assert users[1] == labels[language]
        assert users[2] == "Deutsch"
        bots = [m for m in kept["messages"] if m["role"] == "bot"]
        assert bots[0]["text"] == greeting["replies"][0]["text"]
        assert bots[-1]["text"] == german["replies"][-1]["text"]
        assert all("buttons" in m and "attachments" in m for m in bots)


async def test_only_the_last_fifty_are_kept(dispatcher: Dispatcher, db: Database) -> None:
    async with web_server(dispatcher) as server, browser(server) as alice:
        for n in range(30):
            await say(alice, text=f"/nosuchcommand{n}")  # one bubble each way
        kept = (await history(alice))["messages"]
        assert len(kept) == KEEP
        assert kept[-2] == {"role": "user", "text": "/nosuchcommand29"}
        assert kept[0] == {"role": "user", "text": "/nosuchcommand5"}
        assert len(await rows(db)) == KEEP  # older ones are deleted, not only hidden


async def test_history_is_the_sessions_own(dispatcher: Dispatcher, db: Database) -> None:
    async with web_server(dispatcher) as server, browser(server) as alice:
        await say(alice, text="/help")
        (entry, *_rest) = await rows(db)
        async with browser(server) as mallory:
            await mallory.get("/")
            assert (await history(mallory))["messages"] == []
            # Naming Alice is refused; a made-up label for a tap is not what gets kept.
            async with mallory.get("/api/history", params={"user": entry.external_id}) as resp:
                assert resp.status == 401
            await say(mallory, payload="lang:menu", label="I agree to everything")
            mine = (await history(mallory))["messages"]
            assert all(m.get("text") != "I agree to everything" for m in mine)
        async with browser(server) as stranger, stranger.get("/api/history") as resp:
            assert resp.status == 401  # no session cookie: no history
        async with (
            browser(server, **{"Sec-Fetch-Site": "cross-site"}) as other_site,
        ):
            other_site.cookie_jar.update_cookies(
                alice.cookie_jar.filter_cookies(server.make_url("/"))
            )
            async with other_site.get("/api/history") as resp:
                assert resp.status == 403


async def test_privacy_deletion_forgets_the_history(dispatcher: Dispatcher, db: Database) -> None:
    async with web_server(dispatcher) as server, browser(server) as alice:
        await say(alice, text="/help")
        shown = await say(alice, text="/privacy")
        assert "the last 50 messages of this chat" in texts(shown)  # /privacy says it keeps them
        assert await rows(db)
        await say(alice, payload="privacy:delete:yes")
        assert await rows(db) == []  # not even the deletion's own exchange
        await alice.get("/")  # a new session, a new visitor
        assert (await history(alice))["messages"] == []


async def test_a_fetched_reminder_is_kept_too(dispatcher: Dispatcher, db: Database) -> None:
    async with web_server(dispatcher) as server, browser(server) as alice:
        await say(alice, text="/help")
        external_id = (await rows(db))[0].external_id
        reminder = {"text": "Reminder: consultation tomorrow", "buttons": [], "attachments": []}
        await dispatcher.services.inbox.put(external_id, "en", [reminder])
        async with alice.get("/api/inbox") as resp:
            assert (await resp.json())["replies"] == [reminder]
        kept = (await history(alice))["messages"]
        assert kept[-1] == {"role": "bot", **reminder}
