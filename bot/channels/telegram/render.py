"""Replies as Telegram HTML: escaping, *bold*, splitting at 4,096 characters, keyboards.

Pure functions (no network): the sender turns their output into Bot API calls.
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.markup import plain_phones
from bot.core.types import Button, Reply

log = logging.getLogger(__name__)

MAX_TEXT = 4096  # Telegram's limit for one message, in characters after entity parsing
MAX_CALLBACK_DATA = 64  # bytes
BOLD = re.compile(r"\*([^*\n]+)\*")  # the same light markup the web chat shows


def to_html(text: str) -> str:
    """Light markup as Telegram HTML: everything escaped, `*bold*` → `<b>bold</b>`, a phone
    link → its plain number (Telegram has no tel: links; phones link a bare number)."""
    escaped = html.escape(plain_phones(text), quote=False)
    return BOLD.sub(lambda m: f"<b>{m.group(1)}</b>", escaped)


def utf16_len(text: str) -> int:
    """Telegram measures text in UTF-16 code units (an emoji outside the BMP counts twice)."""
    return len(text.encode("utf-16-le")) // 2


def fits(text: str, limit: int = MAX_TEXT) -> bool:
    """True when the rendered HTML itself is within the limit, markup included.

    Counting the markup too is stricter than Telegram (which counts the visible text), so
    a chunk that fits here fits there whatever the count method.
    """
    return utf16_len(to_html(text)) <= limit


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Cut `text` into pieces that each render within `limit`.

    Paragraphs (blank-line separated) stay whole when they can; a paragraph too long for
    one message is cut at line breaks, then at spaces, and only as a last resort mid-word.
    """
    text = text.strip("\n")
    if not text:
        return []
    if fits(text, limit):
        return [text]
    chunks: list[str] = []
    for separator in ("\n\n", "\n", " "):
        parts = text.split(separator)
        if len(parts) > 1:
            return _pack(parts, separator, limit, chunks)
    return _hard_cut(text, limit)


def _pack(parts: list[str], separator: str, limit: int, chunks: list[str]) -> list[str]:
    current = ""
    for part in parts:
        candidate = f"{current}{separator}{part}" if current else part
        if fits(candidate, limit):
            current = candidate
            continue
        if current:
            chunks.append(current)
        if fits(part, limit):
            current = part
        else:
            # A single part too long for a message: split it at the next finer boundary.
            pieces = split_text(part, limit)
            chunks.extend(pieces[:-1])
            current = pieces[-1] if pieces else ""
    if current.strip():
        chunks.append(current)
    return [c.strip("\n") for c in chunks if c.strip()]


def _hard_cut(text: str, limit: int) -> list[str]:
    chunks: list[str] = []
    while text:
        # Escaping can grow a character to five ("&amp;"): find the longest prefix that fits.
        low, high = 1, min(len(text), limit)
        while low < high:
            middle = (low + high + 1) // 2
            if fits(text[:middle], limit):
                low = middle
            else:
                high = middle - 1
        chunks.append(text[:low])
        text = text[low:]
    return chunks


def keyboard(buttons: tuple[Button, ...] | list[Button]) -> InlineKeyboardMarkup | None:
    """Buttons as an inline keyboard: short labels side by side, long ones one per row.

    A payload over Telegram's 64 bytes would make the whole message fail, so such a button
    is left out and logged (a test checks that no handler produces one).
    """
    usable = [b for b in buttons if _payload_ok(b)]
    if not usable:
        return None
    longest = max(len(b.label) for b in usable)
    per_row = 3 if longest <= 10 else 2 if longest <= 18 else 1
    rows = [
        [InlineKeyboardButton(b.label, callback_data=b.payload) for b in usable[i : i + per_row]]
        for i in range(0, len(usable), per_row)
    ]
    return InlineKeyboardMarkup(rows)


def _payload_ok(button: Button) -> bool:
    size = len(button.payload.encode())
    if 1 <= size <= MAX_CALLBACK_DATA:
        return True
    log.error("button %r dropped: payload is %d bytes (Telegram allows 1–64)", button.label, size)
    return False


@dataclass(frozen=True)
class Outgoing:
    """One Bot API message: HTML text (sendMessage) or a document (sendDocument)."""

    html: str | None = None
    markup: InlineKeyboardMarkup | None = None
    document: tuple[str, bytes] | None = None  # (filename, content)


def plan(reply: Reply) -> list[Outgoing]:
    """The messages one reply becomes: text chunks, then documents; buttons on the last text."""
    markup = keyboard(reply.buttons)
    chunks = [to_html(c) for c in split_text(reply.text)]
    messages = [Outgoing(html=c) for c in chunks]
    documents = [Outgoing(document=(a.filename, a.content)) for a in reply.attachments]
    if markup is not None:
        if messages:
            messages[-1] = Outgoing(html=messages[-1].html, markup=markup)
        elif documents:
            documents[-1] = Outgoing(document=documents[-1].document, markup=markup)
    return messages + documents
