"""Replies as WeChat text: no buttons, so choices become numbered lines ("回复 1 …").

Numbering runs across all replies in the order `numbered_options` gives — the order the
dispatcher stores as the menu — so "1", "１" or "一" maps back to the first button.
Texts longer than WeChat's 2,048 bytes are split at line breaks where possible.
"""

from __future__ import annotations

from wechatpy.messages import BaseMessage
from wechatpy.replies import TextReply, create_reply

from bot.channels.render import numbered_options, strip_markup
from bot.core.types import Reply
from bot.i18n import _

MAX_TEXT_BYTES = 2048


def render_texts(replies: list[Reply]) -> list[str]:
    """One or more WeChat texts per reply, each at most 2,048 bytes in UTF-8."""
    options = iter(numbered_options(replies))
    texts: list[str] = []
    for reply in replies:
        lines = [strip_markup(reply.text)]
        for attachment in reply.attachments:
            lines.append(
                _("(The file {filename} can't be sent in WeChat.)").format(
                    filename=attachment.filename
                )
            )
        if reply.buttons:
            lines.append("")
            for _button in reply.buttons:
                number, label = next(options)
                lines.append(_("Reply {number}: {label}").format(number=number, label=label))
        texts.extend(split_text("\n".join(lines).strip()))
    return [t for t in texts if t]


def split_text(text: str, limit: int = MAX_TEXT_BYTES) -> list[str]:
    """Pieces of at most `limit` UTF-8 bytes, cut at line breaks, else between characters."""
    if len(text.encode()) <= limit:
        return [text]
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if len(candidate.encode()) <= limit:
            current = candidate
            continue
        if current:
            pieces.append(current)
        current = ""
        while len(line.encode()) > limit:
            cut = _fit(line, limit)
            pieces.append(line[:cut])
            line = line[cut:]
        current = line
    if current:
        pieces.append(current)
    return pieces


def _fit(text: str, limit: int) -> int:
    """How many characters of `text` fit in `limit` bytes."""
    size = 0
    for index, char in enumerate(text):
        size += len(char.encode())
        if size > limit:
            return index
    return len(text)


def passive_xml(text: str, message: BaseMessage) -> str:
    """The passive text reply to `message`. A "]]>" in the text would end the CDATA early."""
    safe = text.replace("]]>", "]]]]><![CDATA[>")
    reply = create_reply(safe, message=message)
    assert isinstance(reply, TextReply)
    return str(reply.render())
