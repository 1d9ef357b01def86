"""Photos and PDFs a resident uploads from the web chat (POST /api/chat/file) during a live
conversation: kept with the transcript and served to staff in the console like a Telegram
file; refused (translated) when the bytes are not a photo or a PDF, the caption still
reaching staff; 413 past the route's limit before the body is read; only the browser's own
session (or the API token) may upload; outside a conversation the usual answer and nothing
kept; the chat's rate limits apply. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from pydantic import SecretStr

from bot.app import build_dispatcher
from bot.channels.base import install
from bot.channels.webchat.channel import WebChatChannel
from bot.channels.webchat.upload import FORM_ALLOWANCE
from bot.config import Settings
from bot.core.dispatcher import Dispatcher
from bot.handlers.handoff.delivery import notify_closed
from bot.handlers.handoff.payloads import EndHandoff
from bot.knowledge.base import KnowledgeBase
from bot.services import Services
from bot.store.db import Database
from bot.store.handoff.tables import FROM_RESIDENT, SENT
from tests.channels.web.support import API_TOKEN, browser, web_server
from tests.handoff.helpers import always
from tests.handoff.test_attachments import PDF, PNG, ZIP, attachments_of, staff_session
from tests.harness import tr
from tests.staff.conftest import Accounts
from tests.storage_scan import stored_rows

LIMIT = 64 * 1024  # "64 kB" in the refusal (German), "64 ko" (French): not "1 MB"
NOT_ACCEPTED = (
    "Staff can only receive photos (JPEG, PNG, WebP, HEIC) and PDF files. Please send the "
    "document as a photo or a PDF."
)
TOO_BIG = (
    "This file is too big to pass on to staff (the limit is {size}). Please send a "
    "smaller photo, or the document in several pages."
)
NO_SESSION = "No chat session: reload the page to start one."
NOT_A_FORM = 'Send the file as multipart/form-data, in a part named "file".'


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"handoff_attachment_max_bytes": LIMIT, "webchat_api_token": SecretStr(API_TOKEN)}
    )


@asynccontextmanager
async def resident(server: TestServer, **headers: str) -> AsyncIterator[aiohttp.ClientSession]:
    """A browser that opened the page (and so has its session cookie)."""
    async with browser(server, **headers) as client:
        async with client.get("/") as resp:
            assert resp.status == 200
        yield client


async def chat(
    client: aiohttp.ClientSession, text: str | None = None, payload: str | None = None
) -> dict[str, Any]:
    body = {"text": text} if payload is None else {"payload": payload}
    async with client.post("/api/chat", json=body) as resp:
        assert resp.status == 200, await resp.text()
        answer: dict[str, Any] = await resp.json()
        return answer


def form(
    data: bytes | None,
    filename: str = "letter.png",
    content_type: str = "image/png",
    caption: str | None = None,
    **fields: str,
) -> aiohttp.FormData:
    """The form the page sends: the caption first, then the file (its name as a browser
    writes it, not percent-encoded as aiohttp's client would)."""
    sent = aiohttp.FormData(quote_fields=False)
    if caption is not None:
        sent.add_field("caption", caption)
    for name, value in fields.items():
        sent.add_field(name, value)
    if data is not None:
        sent.add_field("file", data, filename=filename, content_type=content_type)
    return sent


async def upload(
    client: aiohttp.ClientSession, sent: aiohttp.FormData, status: int = 200, **kwargs: Any
) -> dict[str, Any]:
    async with client.post("/api/chat/file", data=sent, **kwargs) as resp:
        assert resp.status == status, await resp.text()
        answer: dict[str, Any] = await resp.json()
        return answer


async def live_conversation(svc: Services, client: aiohttp.ClientSession) -> int:
    """The resident asks for a person; the id of the conversation that opened."""
    svc.staffed = always()
    before = await chat(client, "/start")
    assert "handoff" not in before  # no handler said: the page keeps what it knew (none)
    opened = await chat(client, "/human")
    assert opened["handoff"] is True
    rows = await svc.handoff.inbox()
    assert len(rows) == 1 and rows[0].conversation.id is not None
    return rows[0].conversation.id


def texts_of(answer: dict[str, Any]) -> list[str]:
    return [r["text"] for r in answer["replies"]]


async def resident_texts(svc: Services, cid: int) -> list[str]:
    return [m.text for m in await svc.handoff.messages(cid) if m.direction == FROM_RESIDENT]


async def test_a_photo_and_a_pdf_reach_the_transcript_and_the_console(
    server: TestServer, accounts: Accounts, dispatcher: Dispatcher
) -> None:
    svc = dispatcher.services
    async with resident(server) as client:
        cid = await live_conversation(svc, client)
        sent = await upload(client, form(PNG, "letter.png", caption="The landlord's letter"))
        assert sent["replies"] == [] and sent["handoff"] is True  # silent, as on Telegram
        sent = await upload(client, form(PDF, "../lease 2026.pdf", "application/pdf"))
        assert sent["replies"] == []
        files = sorted(await attachments_of(svc, cid), key=lambda f: f["id"])
        assert [(f["filename"], f["content_type"], f["size"]) for f in files] == [
            ("letter.png", "image/png", len(PNG)),
            ("lease 2026.pdf", "application/pdf", len(PDF)),
        ]
        for found, data in zip(files, (PNG, PDF), strict=True):
            stored = await svc.attachments.get(found["id"])
            assert stored is not None and stored.data == data
            assert stored.sha256 == hashlib.sha256(data).hexdigest()
        assert "The landlord's letter" in await resident_texts(svc, cid)
        # After a reload the page shows what was sent (not the file itself).
        async with client.get("/api/history") as resp:
            history = await resp.json()
        assert history["handoff"] is True
        shown = [m["text"] for m in history["messages"] if m["role"] == "user"]
        assert shown[-2:] == ["📎 letter.png\nThe landlord's letter", "📎 ../lease 2026.pdf"]

    photo_url = f"/staff/conversations/{cid}/attachments/{files[0]['id']}"
    pdf_url = f"/staff/conversations/{cid}/attachments/{files[1]['id']}"
    async with staff_session(server, accounts.desk) as desk:
        async with desk.get(f"/staff/conversations/{cid}") as resp:
            page = await resp.text()
        assert f'<img class="thumb" src="{photo_url}"' in page and f'href="{pdf_url}"' in page
        async with desk.get(photo_url) as resp:
            assert resp.status == 200 and await resp.read() == PNG
            assert resp.headers["Content-Type"] == "image/png"
        async with desk.get(pdf_url) as resp:
            assert resp.status == 200 and await resp.read() == PDF
            assert resp.headers["Content-Disposition"].startswith("attachment;")


async def test_refused_files_are_answered_in_the_residents_language_and_lose_nothing(
    server: TestServer, dispatcher: Dispatcher
) -> None:
    svc = dispatcher.services
    async with resident(server, **{"Accept-Language": "fr-FR,fr;q=0.9"}) as client:
        cid = await live_conversation(svc, client)
        # A ".png" that is a ZIP: the type is read from the bytes.
        answer = await upload(client, form(ZIP, "photo.png", caption="Voici mon bail"))
        assert texts_of(answer) == [tr("fr", NOT_ACCEPTED)] and "PDF" in texts_of(answer)[0]
        assert answer["locale"] == "fr" and answer["handoff"] is True
        # Over the limit but within the form's allowance: the handler's answer, as on
        # Telegram, and the caption is kept.
        big = PNG + b"\x00" * LIMIT
        answer = await upload(client, form(big, "scan.png", caption="La deuxième page"))
        assert texts_of(answer) == [tr("fr", TOO_BIG).format(size="64\u202fko")]
        assert await attachments_of(svc, cid) == []
        assert await resident_texts(svc, cid) == ["Voici mon bail", "La deuxième page"]
        # And a photo that fits is still taken.
        assert (await upload(client, form(PNG)))["replies"] == []
        assert len(await attachments_of(svc, cid)) == 1


async def _raw_request(server: TestServer, head: str, body: bytes) -> tuple[int, str]:
    """Send `head` and `body` (not the rest of what the head announces) and read the
    answer: the server must answer without waiting for the rest."""
    assert server.port is not None
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    try:
        writer.write(head.encode() + body)
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), 10)
        headers = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        length = int(next(
            line.split(b":", 1)[1] for line in headers.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        ))  # fmt: skip
        answer = await asyncio.wait_for(reader.readexactly(length), 10)
        return int(status_line.split()[1]), answer.decode()
    finally:
        writer.close()


async def test_over_the_limit_is_413_before_the_body_is_read(
    server: TestServer, dispatcher: Dispatcher
) -> None:
    svc = dispatcher.services
    async with resident(server) as client:
        cid = await live_conversation(svc, client)
        [cookie] = [c for c in client.cookie_jar if c.key == "linzhu_session"]
    boundary = "linzhu-test-boundary"
    start = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.png"\r\n'
        "Content-Type: image/png\r\n\r\n"
    ).encode() + PNG
    head = (
        "POST /api/chat/file HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Cookie: linzhu_session={cookie.value}\r\nAccept-Language: de\r\n"
    )
    # Announced: 40 MB. Sent: a few bytes. The answer comes at once.
    status, answer = await _raw_request(
        server, head + f"Content-Length: {40 * 1024 * 1024}\r\n\r\n", start
    )
    assert status == 413 and json.loads(answer)["error"] == tr("de", TOO_BIG).format(size="64 kB")
    # Without a length (chunked): read up to the limit, then refused, while the client has
    # not finished sending.
    over = FORM_ALLOWANCE + LIMIT + 1024
    chunk = b"\x00" * over
    body = f"{len(start):x}\r\n".encode() + start + b"\r\n" + f"{over:x}\r\n".encode() + chunk
    status, answer = await _raw_request(
        server, head + "Transfer-Encoding: chunked\r\n\r\n", body + b"\r\n"
    )
    assert status == 413
    assert await attachments_of(svc, cid) == []


async def test_only_the_residents_own_session_may_upload(
    server: TestServer, dispatcher: Dispatcher
) -> None:
    svc = dispatcher.services
    async with resident(server) as alice:
        cid = await live_conversation(svc, alice)
        [row] = await svc.handoff.inbox()
        alice_id = row.user.external_id
    async with aiohttp.ClientSession(base_url=str(server.make_url(""))) as nobody:
        answer = await upload(nobody, form(PNG), status=401)
        assert answer["error"] == NO_SESSION
    async with resident(server) as bob:
        # Bob cannot name Alice, in the form or the address; nor can another site drive him.
        answer = await upload(bob, form(PNG, user=alice_id), status=401)
        assert "API token" in answer["error"]
        await upload(bob, form(PNG), status=401, params={"user": alice_id})
        await upload(bob, form(PNG), status=403, headers={"Sec-Fetch-Site": "cross-site"})
        # His own upload is his: he talks to no one, so he gets the usual answer.
        answer = await upload(bob, form(PNG))
        assert answer["handoff"] is False and "text" in texts_of(answer)[0]
    assert await attachments_of(svc, cid) == []
    # A trusted integration names the resident, with the token.
    async with aiohttp.ClientSession(
        base_url=str(server.make_url("")), headers={"Authorization": f"Bearer {API_TOKEN}"}
    ) as kiosk:
        answer = await upload(kiosk, form(PNG, user=alice_id))
        assert answer["replies"] == [] and answer["handoff"] is True
        await upload(kiosk, form(PNG), status=400)  # naming nobody
    assert len(await attachments_of(svc, cid)) == 1


async def test_bad_uploads_get_a_clear_error(server: TestServer, dispatcher: Dispatcher) -> None:
    svc = dispatcher.services
    async with resident(server, **{"Accept-Language": "ja"}) as client:
        cid = await live_conversation(svc, client)
        cases = [
            ({"json": {"text": "hi"}}, 400, NOT_A_FORM),
            ({"data": form(None, caption="no file")}, 400, NOT_A_FORM),
            ({"data": form(b"")}, 400, "The file is empty."),
            ({"data": _two_files()}, 400, "Send one file at a time."),
        ]  # fmt: skip
        for kwargs, status, message in cases:
            async with client.post("/api/chat/file", **kwargs) as resp:
                assert resp.status == status
                assert (await resp.json())["error"] == tr("ja", message) != message
    assert await attachments_of(svc, cid) == []
    assert await resident_texts(svc, cid) == []


def _two_files() -> aiohttp.FormData:
    sent = form(PNG)
    sent.add_field("file", PDF, filename="b.pdf", content_type="application/pdf")
    return sent


async def test_outside_a_conversation_the_usual_answer_and_nothing_kept(
    server: TestServer, db: Database
) -> None:
    async with resident(server) as client:
        answer = await upload(client, form(PNG))
        assert answer["handoff"] is False
        assert texts_of(answer) == ["I didn't receive any text. Please type your question."]
    assert await stored_rows(db, "handoff_attachments") == []
    assert await stored_rows(db, "handoff_conversations") == []


async def test_uploads_count_against_the_chats_rate_limits(
    settings: Settings, db: Database, knowledge: KnowledgeBase
) -> None:
    limited = settings.model_copy(update={"webchat_rate_per_session": 3})
    dispatcher = build_dispatcher(limited, db=db, knowledge=knowledge)
    install(dispatcher, WebChatChannel(dispatcher))
    async with web_server(dispatcher) as server, resident(server) as client:
        await live_conversation(dispatcher.services, client)  # two messages
        await upload(client, form(PNG))
        async with client.post("/api/chat/file", data=form(PNG)) as resp:
            assert resp.status == 429
            assert 1 <= int(resp.headers["Retry-After"]) <= 60
        async with client.post("/api/chat", json={"text": "hello"}) as resp:
            assert resp.status == 429
    assert await stored_rows(db, "handoff_attachments") != []


async def test_the_page_learns_when_the_conversation_ends(
    server: TestServer, dispatcher: Dispatcher
) -> None:
    """Staff closing the conversation reach the page through its inbox: that answer says the
    upload is no longer offered; a poll with nothing new says nothing either way."""
    svc = dispatcher.services
    async with resident(server) as client:
        cid = await live_conversation(svc, client)
        async with client.get("/api/inbox") as resp:
            assert "handoff" not in await resp.json()
        conversation = await svc.handoff.get(cid)
        assert conversation is not None and await svc.handoff.close(cid)
        assert await notify_closed(svc, conversation) == SENT
        async with client.get("/api/inbox") as resp:
            polled = await resp.json()
        assert polled["handoff"] is False and "ended" in texts_of(polled)[0]
        async with client.get("/api/history") as resp:
            assert (await resp.json())["handoff"] is False


async def test_chat_messages_say_whether_staff_answer_only_when_a_handler_knows(
    server: TestServer, dispatcher: Dispatcher
) -> None:
    """POST /api/chat carries "handoff" after asking for a person, writing to staff and
    ending the conversation (the handlers' hints), and leaves it out otherwise, without an
    extra read of the store for every message."""
    svc = dispatcher.services
    async with resident(server) as client:
        await live_conversation(svc, client)
        assert (await chat(client, "The landlord wants my passport"))["handoff"] is True
        assert (await chat(client, "/human"))["handoff"] is True  # already connected
        reads = 0
        original = svc.handoff.is_live

        async def counted(user: Any) -> bool:
            nonlocal reads
            reads += 1
            return await original(user)

        svc.handoff.is_live = counted  # type: ignore[method-assign]
        assert "handoff" not in await chat(client, "/help")
        assert reads == 0
        ended = await chat(client, payload=EndHandoff().encode())
        assert ended["handoff"] is False
        assert "handoff" not in await chat(client, "/start")
        assert reads == 0
