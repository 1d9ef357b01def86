"""Photos and PDFs a resident sends during a live conversation, through python-telegram-bot
and the fake Bot API (getFile, the download and Telegram's 20 MB bot limit): they are kept
with the transcript and shown in the console to staff who may see the conversation, with
the right headers; files too big or of another type are refused with a translated message
(their caption still reaches staff); outside a conversation a photo gets today's answer;
/privacy removes them. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import func, select

from bot.app import build_dispatcher
from bot.channels.base import install
from bot.channels.telegram import TelegramChannel
from bot.channels.telegram.media import TelegramFetcher
from bot.config import Settings
from bot.core.channel import MediaTooLarge
from bot.core.types import MediaRef, utcnow
from bot.services import Services
from bot.store.db import Database
from bot.store.handoff.attachments import AttachmentStore, safe_filename, sniff
from bot.store.handoff.conversations import HandoffStore
from bot.store.handoff.tables import FROM_RESIDENT, HandoffAttachment
from bot.store.retention import RetentionPolicy, RetentionStore
from bot.store.staff.accounts import StaffAccounts
from bot.web.app import create_web_app
from bot.web.staff.component import StaffConsole
from fakes.telegram import BOT_DOWNLOAD_LIMIT, FakeTelegram, buttons
from tests.channels.telegram.support import telegram_settings
from tests.consultations.helpers import make_user
from tests.handoff.helpers import always
from tests.staff.conftest import PASSWORD
from tests.staff.test_console_security import login

UID = 515151
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 8
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 32
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00" + b"\x00" * 32
ZIP = b"PK\x03\x04" + b"\x00" * 200
LIMIT = 64 * 1024


@asynccontextmanager
async def running(settings: Settings, db: Database) -> AsyncIterator[tuple[Services, TestServer]]:
    """Telegram (polling the fake Bot API) and the staff console in one app, as served."""
    dispatcher = build_dispatcher(settings, db=db)
    channel = TelegramChannel(dispatcher, settings)
    install(dispatcher, channel)
    app = create_web_app(dispatcher, channel, StaffConsole(dispatcher.services))
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    await channel.start()
    try:
        dispatcher.services.staffed = always()
        yield dispatcher.services, server
    finally:
        await channel.stop()
        await server.close()


@asynccontextmanager
async def staff_session(server: TestServer, username: str) -> AsyncIterator[aiohttp.ClientSession]:
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(str(server.make_url("/")), cookie_jar=jar) as session:
        await login(session, username)
        yield session


async def wait_for(check: Callable[[], Any], within: float = 10.0) -> Any:
    for _ in range(int(within / 0.05)):
        found = await check()
        if found:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError("not reached in time")


async def say(fake: FakeTelegram, update: dict[str, Any], expect: int = 1) -> list[str]:
    before = len(fake.chat_log[UID])
    fake.push(update)
    await fake.wait_until(lambda: len(fake.chat_log[UID]) >= before + expect)
    return [s.text or "" for s in fake.chat_log[UID][before:]]


async def attachments_of(svc: Services, conversation_id: int) -> list[dict[str, Any]]:
    messages = await svc.handoff.messages(conversation_id)
    files = await svc.attachments.for_messages([m.id for m in messages if m.id is not None])
    return [f for found in files.values() for f in found]


async def test_photo_and_pdf_reach_the_console(
    settings: Settings, db: Database, fake: FakeTelegram
) -> None:
    accounts = StaffAccounts(db)
    for role in ("desk", "consultant"):
        await accounts.add(role, PASSWORD, role)
    async with running(telegram_settings(settings, fake), db) as (svc, server):
        [opened] = await say(fake, fake.message_update(UID, "/human", language_code="fr"))
        assert "équipe" in opened or "personne" in opened
        [row] = await svc.handoff.inbox()
        cid = row.conversation.id
        assert cid is not None

        # The bot stays silent; the photo (its largest size) and the PDF reach the transcript.
        before = len(fake.chat_log[UID])
        fake.push(fake.photo_update(UID, JPEG, caption="La lettre du bailleur", language_code="fr"))
        fake.push(
            fake.document_update(
                UID, PDF, "../bail 2026.pdf", "application/pdf", language_code="fr"
            )
        )
        files = await wait_for(lambda: _two(svc, cid))
        assert len(fake.chat_log[UID]) == before
        photo, pdf = files
        assert photo["content_type"] == "image/jpeg" and photo["size"] == len(JPEG)
        assert pdf["content_type"] == "application/pdf" and pdf["filename"] == "bail 2026.pdf"
        downloads = [c.params["path"] for c in fake.calls_to("download")]
        assert downloads and all("_s" not in p for p in downloads)  # never the thumbnail
        texts = [m.text for m in await svc.handoff.messages(cid) if m.direction == FROM_RESIDENT]
        assert "La lettre du bailleur" in texts
        conversation = await svc.handoff.get(cid)
        assert conversation is not None and conversation.unread >= 2
        stored = await svc.attachments.get(photo["id"])
        assert stored is not None and stored.sha256 == hashlib.sha256(JPEG).hexdigest()

        photo_url = f"/staff/conversations/{cid}/attachments/{photo['id']}"
        pdf_url = f"/staff/conversations/{cid}/attachments/{pdf['id']}"
        async with staff_session(server, "desk") as desk:
            async with desk.get(f"/staff/conversations/{cid}") as r:
                page = await r.text()
                assert r.status == 200
            assert f'<img class="thumb" src="{photo_url}"' in page
            assert f'href="{pdf_url}"' in page and "bail 2026.pdf" in page
            assert f'<img class="thumb" src="{pdf_url}"' not in page
            async with desk.get(f"/staff/conversations/{cid}/messages.json") as r:
                data = await r.json()
            shown = [f for m in data["messages"] for f in m["files"]]
            assert [f["url"] for f in shown] == [photo_url, pdf_url]
            assert [f["image"] for f in shown] == [True, False]
            async with desk.get(photo_url) as r:
                assert r.status == 200 and await r.read() == JPEG
                assert r.headers["Content-Type"] == "image/jpeg"
                assert r.headers["Content-Disposition"].startswith("inline;")
                assert r.headers["X-Content-Type-Options"] == "nosniff"
                assert "default-src 'none'" in r.headers["Content-Security-Policy"] or (
                    "img-src 'self'" in r.headers["Content-Security-Policy"]
                )
            async with desk.get(pdf_url) as r:
                assert r.status == 200 and await r.read() == PDF
                assert r.headers["Content-Type"] == "application/pdf"
                disposition = r.headers["Content-Disposition"]
                assert disposition.startswith("attachment;") and "bail%202026.pdf" in disposition
                assert r.headers["X-Content-Type-Options"] == "nosniff"
            # An attachment id from another conversation's URL is not served.
            async with desk.get(f"/staff/conversations/{cid + 1}/attachments/{photo['id']}") as r:
                assert r.status == 404

        # A consultant who does not hold the conversation sees neither it nor its files.
        async with (
            staff_session(server, "consultant") as consultant,
            consultant.get(photo_url, allow_redirects=False) as r,
        ):
            assert r.status in (403, 404)
            assert await r.read() != JPEG
        # Without a session: the login page, never the file.
        jar = aiohttp.CookieJar(unsafe=True)
        async with (
            aiohttp.ClientSession(str(server.make_url("/")), cookie_jar=jar) as anon,
            anon.get(photo_url, allow_redirects=False) as r,
        ):
            assert r.status in (303, 401)
            assert await r.read() != JPEG


async def _two(svc: Services, cid: int) -> list[dict[str, Any]] | None:
    found = await attachments_of(svc, cid)
    return sorted(found, key=lambda f: f["id"]) if len(found) >= 2 else None


async def test_refused_files_get_a_translated_answer_and_lose_nothing(
    settings: Settings, db: Database, fake: FakeTelegram
) -> None:
    configured = telegram_settings(settings, fake, handoff_attachment_max_bytes=LIMIT)
    async with running(configured, db) as (svc, _server):
        await say(fake, fake.message_update(UID, "/human", language_code="ko"))
        [row] = await svc.handoff.inbox()
        cid = row.conversation.id
        assert cid is not None

        big = JPEG + b"\x00" * LIMIT
        [answer] = await say(
            fake, fake.document_update(UID, big, "scan.jpg", "image/jpeg", language_code="ko")
        )
        assert "너무 커서" in answer and "64 MB" not in answer and "0 MB" not in answer

        [answer] = await say(
            fake,
            fake.document_update(
                UID,
                ZIP,
                "letter.pdf",
                "application/pdf",
                caption="계약서입니다",
                language_code="ko",
            ),
        )
        assert "PDF" in answer and "사진" in answer  # the type is read from the bytes
        assert await attachments_of(svc, cid) == []
        texts = [m.text for m in await svc.handoff.messages(cid) if m.direction == FROM_RESIDENT]
        assert texts == ["계약서입니다"]  # the caption still reached staff

        # A photo that fits is still taken after the refusals.
        before = len(fake.chat_log[UID])
        fake.push(fake.photo_update(UID, JPEG, language_code="ko"))
        await wait_for(lambda: attachments_of(svc, cid))
        assert len(fake.chat_log[UID]) == before


async def test_a_photo_outside_a_conversation_gets_todays_answer(
    settings: Settings, db: Database, fake: FakeTelegram
) -> None:
    async with running(telegram_settings(settings, fake), db) as (_svc, _server):
        [answer] = await say(fake, fake.photo_update(UID, JPEG))
        assert "didn't receive any text" in answer
        assert fake.calls_to("getFile") == []  # nothing is downloaded


async def test_privacy_removes_the_files(
    settings: Settings, db: Database, fake: FakeTelegram
) -> None:
    async with running(telegram_settings(settings, fake), db) as (svc, _server):
        await say(fake, fake.message_update(UID, "/human"))
        [row] = await svc.handoff.inbox()
        cid = row.conversation.id
        assert cid is not None
        fake.push(fake.photo_update(UID, JPEG))
        [found] = await wait_for(lambda: attachments_of(svc, cid))
        [shown] = await say(fake, fake.message_update(UID, "/privacy"))
        assert "transcripts" in shown
        sent = fake.last(UID)
        assert "privacy:delete" in [data for _label, data in buttons(sent)]
        before = len(fake.chat_log[UID])
        fake.push(fake.callback_update(UID, sent, "privacy:delete:yes"))
        await fake.wait_until(lambda: len(fake.chat_log[UID]) > before)
        assert await svc.attachments.get(found["id"]) is None
        assert await svc.handoff.for_user(row.user.id or 0) == []


async def test_the_fake_enforces_telegrams_bot_download_limit(fake: FakeTelegram) -> None:
    """Over 20 MB getFile fails ("file is too big"), whatever limit Linzhu has."""
    from telegram import Bot

    file_id = fake.add_file(b"\xff\xd8\xff" + b"\x00" * BOT_DOWNLOAD_LIMIT, "documents/huge")
    async with Bot(
        fake.token, base_url=f"{fake.url}/bot", base_file_url=f"{fake.url}/file/bot"
    ) as bot:
        fetcher = TelegramFetcher(bot)
        with pytest.raises(MediaTooLarge):
            await fetcher.fetch(MediaRef("document", file_id), 40 * 1024 * 1024)
        small = fake.add_file(PDF, "documents/small")
        assert await fetcher.fetch(MediaRef("document", small), 1024) == PDF
    assert [c.status for c in fake.calls_to("getFile")] == [400, 200]


def test_types_are_read_from_the_bytes() -> None:
    assert sniff(JPEG) == "image/jpeg"
    assert sniff(PNG) == "image/png"
    assert sniff(WEBP) == "image/webp"
    assert sniff(HEIC) == "image/heic"
    assert sniff(PDF) == "application/pdf"
    for refused in (ZIP, b"", b"GIF89a" + b"\x00" * 20, b"<svg xmlns='x'/>", b"MZ\x90\x00"):
        assert sniff(refused) is None
    assert safe_filename("../../etc/passwd", "application/pdf", "document") == "passwd.pdf"
    assert safe_filename("evil.html", "image/png", "photo") == "evil.png"
    assert safe_filename(None, "image/jpeg", "photo") == "photo.jpg"
    assert re.fullmatch(r"[\w.\- ]+", safe_filename('a"b\r\n.pdf', "application/pdf", "d"))


async def test_retention_deletes_the_files_with_the_transcript(db: Database) -> None:
    """Retention deletes closed conversations: their files go by the database's cascade."""
    store = HandoffStore(db)
    files = AttachmentStore(db)
    user = await make_user(db, "att1")
    conversation, _new = await store.open(user, "telegram", "en")
    assert conversation.id is not None
    message, attachment = await files.add(conversation.id, PDF, "application/pdf", "a.pdf", "")
    assert message.id is not None and attachment.id is not None
    assert (await files.for_messages([message.id]))[message.id][0]["size"] == len(PDF)
    assert (await store.get(conversation.id)) is not None
    assert (await store.get(conversation.id)).unread == 1  # type: ignore[union-attr]
    closed_at = utcnow() - timedelta(days=400)
    assert await store.close(conversation.id, now=closed_at)
    done = await RetentionStore(db).run(RetentionPolicy(), now=utcnow())
    assert done["transcripts"] == 1
    assert await files.get(attachment.id) is None
    async with db.session() as session:
        left = (await session.execute(select(func.count()).select_from(HandoffAttachment))).scalar()
    assert left == 0


async def test_a_wechat_image_reaches_the_transcript(settings: Settings, db: Database) -> None:
    """A WeChat image (MediaId) is fetched through the fake WeChat API's media/get."""
    from fakes.wechat_messages import typed_xml
    from tests.channels.wechat.stack import wechat_stack

    async with wechat_stack(settings, db, mode="safe") as stack:
        svc = stack.dispatcher.services
        svc.staffed = always()
        openid = "oAttachResident"
        # Outside a conversation: today's answer, nothing fetched.
        media_id = stack.fake.add_media(JPEG)
        extra = (
            f"<PicUrl><![CDATA[http://x/p.jpg]]></PicUrl><MediaId><![CDATA[{media_id}]]></MediaId>"
        )
        stack.fake.user_wrote(openid)
        first = await stack.post_xml(typed_xml(openid, "image", extra))
        assert first.reply is not None and "text" in first.reply.lower()
        await stack.say(openid, "/human")
        [row] = await svc.handoff.inbox()
        cid = row.conversation.id
        assert cid is not None
        stack.fake.user_wrote(openid)
        posted = await stack.post_xml(typed_xml(openid, "image", extra))
        assert posted.reply is None  # silent, like a text
        await stack.settle()
        [found] = await attachments_of(svc, cid)
        assert found["content_type"] == "image/jpeg" and found["size"] == len(JPEG)
        stored = await svc.attachments.get(found["id"])
        assert stored is not None and stored.data == JPEG
