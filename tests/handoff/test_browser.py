"""The inbox in Chromium: a conversation appears without reloading (Server-Sent Events),
staff open it, insert a phrase in the resident's language (the English beside it), send it,
and the resident's next message appears in the open page — with no CSP violation. Replies
already shown turn from Sending to Delivered or Not delivered without a reload. And the web
chat's upload: a resident sends a photo from the page and staff see it."""

from __future__ import annotations

import time
from typing import Any

from aiohttp.test_utils import TestServer
from playwright.async_api import expect

from bot.core.dispatcher import Dispatcher
from bot.core.types import UserRef
from bot.handlers.handoff.delivery import WECHAT_WINDOW_CLOSED, add_staff_reply
from bot.store.handoff.tables import FAILED, SENT, UNDELIVERABLE
from tests.handoff.helpers import always
from tests.handoff.test_attachments import attachments_of
from tests.harness import Conversation, tr
from tests.staff.conftest import Accounts, open_tab


async def test_inbox_live_claim_phrase_reply(
    browser: Any, server: TestServer, accounts: Accounts, dispatcher: Dispatcher
) -> None:
    svc = dispatcher.services
    svc.staffed = always()
    tab = await open_tab(browser, server)
    await tab.login("desk")
    await tab.goto("/staff/conversations")
    await tab.page.get_by_text("No open conversations.").wait_for()

    resident = Conversation(dispatcher, user=UserRef("web", "browser-resident"))
    await resident.tap("lang:set:es")
    started = time.monotonic()
    await resident.say("/human")
    row = tab.page.locator("#inbox tbody tr[data-id]")
    await row.first.wait_for(timeout=3000)
    appeared = time.monotonic() - started
    # The event stream itself is held to 1 s in test_console.py; Chromium on a busy shared
    # machine gets some slack for fetching and drawing the row.
    assert appeared < 3.0, f"the conversation took {appeared:.2f} s to appear"
    assert "Español" in await row.first.inner_text()

    await row.first.locator("a").click()
    await tab.page.locator("#claim").click()
    await tab.page.get_by_text("The conversation is yours.").wait_for()
    await tab.page.select_option("#phrase", "photo")
    await expect(tab.page.locator("#reply")).to_have_value("¿Podría enviar una foto del documento?")
    await tab.page.get_by_text("Could you send a photo of the document?").last.wait_for()
    await tab.page.locator("#send").click()
    await tab.page.get_by_text("Reply sent.").wait_for()
    inbox = await svc.inbox.take("browser-resident")
    assert [r["text"] for row_ in inbox for r in row_.replies] == [
        "¿Podría enviar una foto del documento?"
    ]

    await resident.say("Aquí está la foto, un momento")
    await (
        tab.page.locator("#transcript")
        .get_by_text("Aquí está la foto, un momento")
        .wait_for(timeout=3000)
    )
    await tab.shot("conversation-desktop")
    assert tab.problems == []


async def test_reply_badges_follow_their_delivery_without_a_reload(
    browser: Any, server: TestServer, accounts: Accounts, dispatcher: Dispatcher
) -> None:
    svc = dispatcher.services
    svc.staffed = always()
    await Conversation(dispatcher, user=UserRef("web", "badge-resident")).say("/human")
    [row] = await svc.handoff.inbox()
    cid = row.conversation.id
    assert cid is not None
    first = await add_staff_reply(svc, row.conversation, None, "Un momento, por favor")
    second = await add_staff_reply(svc, row.conversation, None, "Ya está")
    tab = await open_tab(browser, server)
    await tab.login("desk")
    await tab.goto(f"/staff/conversations/{cid}")
    badge = {
        m.id: tab.page.locator(f'#transcript .msg[data-id="{m.id}"] [data-delivery]')
        for m in (first, second)
    }
    await expect(badge[first.id]).to_have_text("Sending")
    await expect(badge[second.id]).to_have_text("Sending")
    await expect(badge[first.id]).to_have_attribute("aria-live", "polite")
    await expect(tab.page.locator("#resend")).to_be_hidden()
    await tab.page.evaluate("window.stillThisPage = true")

    # Another worker sends them: the first arrives, the resident has blocked the second.
    sending = await svc.handoff.claim_next(cid)
    assert sending is not None and sending.id == first.id
    assert await svc.handoff.record_delivery(sending, SENT)
    await expect(badge[first.id]).to_have_text("Delivered", timeout=5000)
    await expect(badge[first.id]).to_have_class("badge sent")
    sending = await svc.handoff.claim_next(cid)
    assert sending is not None and sending.id == second.id
    assert await svc.handoff.record_delivery(sending, FAILED, "blocked by the user")
    await expect(badge[second.id]).to_have_text("Not delivered", timeout=5000)
    await expect(badge[second.id]).to_have_class("badge failed")
    note = tab.page.locator(f'#transcript .msg[data-id="{second.id}"] .note')
    await expect(note).to_have_text("blocked by the user")
    await expect(tab.page.locator("#resend")).to_be_visible()  # *Send again*, offered now
    assert await tab.page.evaluate("window.stillThisPage") is True  # never reloaded
    assert tab.problems == []


async def test_wechats_closed_window_and_its_notice_appear_without_a_reload(
    browser: Any, server: TestServer, accounts: Accounts, dispatcher: Dispatcher
) -> None:
    svc = dispatcher.services
    svc.staffed = always()
    await Conversation(dispatcher, user=UserRef("wechat", "oWindowUser")).say("/human")
    [row] = await svc.handoff.inbox()
    cid = row.conversation.id
    assert cid is not None
    reply = await add_staff_reply(svc, row.conversation, None, "稍等")
    tab = await open_tab(browser, server)
    await tab.login("desk")
    await tab.goto(f"/staff/conversations/{cid}")
    explained = tab.page.locator("#window-closed")
    await expect(explained).to_be_hidden()
    await expect(tab.page.locator("#window-actions")).to_be_hidden()
    await tab.page.evaluate("window.stillThisPage = true")

    sending = await svc.handoff.claim_next(cid)
    assert sending is not None and sending.id == reply.id
    assert await svc.handoff.record_delivery(sending, UNDELIVERABLE, WECHAT_WINDOW_CLOSED)
    await expect(explained).to_be_visible(timeout=5000)
    await expect(explained).to_contain_text("48-hour window")
    # No template configured here: the page says so where the notice button would be.
    await expect(tab.page.locator("#window-actions")).to_contain_text("WECHAT_TEMPLATE_ID")
    await expect(tab.page.locator("#resend")).to_be_visible()
    assert await tab.page.evaluate("window.stillThisPage") is True  # never reloaded
    assert tab.problems == []


def _png(width: int = 8, height: int = 6) -> bytes:
    """A real PNG (solid blue), so Chromium can draw it."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\x00\x00\xff" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


async def test_a_photo_shows_as_a_thumbnail_within_the_csp(
    browser: Any, server: TestServer, accounts: Accounts, dispatcher: Dispatcher
) -> None:
    svc = dispatcher.services
    svc.staffed = always()
    resident = Conversation(dispatcher, user=UserRef("web", "photo-resident"))
    await resident.say("/human")
    [row] = await svc.handoff.inbox()
    cid = row.conversation.id
    assert cid is not None
    tab = await open_tab(browser, server)
    await tab.login("desk")
    await tab.goto(f"/staff/conversations/{cid}")
    # Arrives while the page is open: drawn by conversations.js from the live update.
    await svc.attachments.add(cid, _png(), "image/png", "letter.png", "the letter")
    thumb = tab.page.locator("#transcript img.thumb")
    await thumb.wait_for(timeout=5000)
    await expect(thumb).to_have_js_property("naturalWidth", 8)
    await tab.page.locator("#transcript").get_by_text("letter.png").wait_for()
    # And drawn by the server after a reload.
    await tab.goto(f"/staff/conversations/{cid}")
    await expect(tab.page.locator("#transcript img.thumb")).to_have_js_property("naturalWidth", 8)
    assert tab.problems == []


async def test_a_resident_sends_a_photo_from_the_web_chat(
    browser: Any, server: TestServer, accounts: Accounts, dispatcher: Dispatcher
) -> None:
    """The attach button exists only while staff are answering; it works from the keyboard,
    its labels are in the resident's language, the chosen photo goes with the text box as its
    caption, the page says it was sent, and staff see it in the console. No CSP violation."""
    svc = dispatcher.services
    svc.staffed = always()
    chat = await open_tab(browser, server, "phone")
    page = chat.page
    await chat.goto("/")
    await page.get_by_role("button", name="Language").first.click()
    await page.get_by_role("button", name="Español").last.click()
    await page.locator("html[lang='es']").wait_for(state="attached")
    attach = page.locator("#attach")
    await expect(attach).to_be_hidden()  # no conversation with staff: nothing to attach

    await page.fill("#text", "/human")
    await page.press("#text", "Enter")
    await page.get_by_text(tr("es", "End the conversation with staff")).last.wait_for()
    label = tr("es", "Send a photo or PDF to staff")
    assert label != "Send a photo or PDF to staff"
    button = page.get_by_role("button", name=label)
    await expect(button).to_be_visible()
    await expect(button).to_have_attribute("title", label)
    accept = await page.locator("#file").get_attribute("accept") or ""
    assert {"image/jpeg", "image/png", "image/webp", "image/heic", "application/pdf"} <= set(
        accept.split(",")
    )

    await page.fill("#text", "La carta del casero")
    # From the keyboard, the button opens the file picker (its hidden input is clicked, with
    # the key press's user activation). Chromium's chooser event itself is not awaited here:
    # under load it sometimes never reached the test although the input was clicked.
    await page.evaluate(
        "window.opened = 0;"
        "document.getElementById('file').addEventListener('click', () => window.opened++)"
    )
    await button.focus()
    await page.keyboard.press("Enter")
    await page.wait_for_function("window.opened === 1")
    assert await page.evaluate("navigator.userActivation.isActive")
    await page.locator("#file").set_input_files(
        {"name": "carta.png", "mimeType": "image/png", "buffer": _png()}
    )
    sent = page.locator(".msg.user").last
    await expect(sent.locator(".status")).to_have_text(tr("es", "Sent"), timeout=10_000)
    assert (await sent.inner_text()).startswith("📎 carta.png\nLa carta del casero")
    await expect(page.locator("#text")).to_have_value("")  # the caption went with the file
    await expect(attach).to_be_enabled()

    [row] = await svc.handoff.inbox()
    cid = row.conversation.id
    assert cid is not None
    [stored] = await attachments_of(svc, cid)
    assert (stored["filename"], stored["content_type"]) == ("carta.png", "image/png")
    staff = await open_tab(browser, server)
    await staff.login("desk")
    await staff.goto(f"/staff/conversations/{cid}")
    thumb = staff.page.locator("#transcript img.thumb")
    await expect(thumb).to_have_js_property("naturalWidth", 8)
    await staff.page.locator("#transcript").get_by_text("carta.png").wait_for()
    await staff.page.locator("#transcript").get_by_text("La carta del casero").wait_for()

    # A reload keeps the button (the history says staff are answering); ending the
    # conversation takes it away.
    await page.reload()
    await expect(button).to_be_visible(timeout=10_000)
    await page.get_by_role("button", name=tr("es", "End the conversation with staff")).last.click()
    await expect(attach).to_be_hidden(timeout=10_000)
    assert chat.problems == [] and staff.problems == []
