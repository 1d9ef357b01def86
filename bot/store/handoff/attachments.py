"""Files residents send in a live conversation: recognised by their first bytes, kept with
a transcript message, read back for staff.

The type comes from the bytes (magic numbers), never from the name or the MIME type the
client announced: only JPEG, PNG, WebP, HEIC and PDF are kept.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from typing import Any

from sqlalchemy import select as sa_select
from sqlalchemy import update
from sqlmodel import col

from bot.core.types import utcnow
from bot.store.db import Database
from bot.store.handoff.tables import (
    FROM_RESIDENT,
    HandoffAttachment,
    HandoffConversation,
    HandoffMessage,
)

EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "image/heic": "heic",
    "application/pdf": "pdf",
}
# Browsers show these inline as an <img>; HEIC is offered as a download.
INLINE_IMAGES = frozenset({"image/jpeg", "image/png", "image/webp"})
HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}


def sniff(data: bytes) -> str | None:
    """The content type of `data` by its magic bytes, or None when it is not accepted."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if len(data) >= 12 and data[4:8] == b"ftyp" and data[8:12] in HEIC_BRANDS:
        return "image/heic"
    if data[:1024].lstrip(b"\r\n\t ").startswith(b"%PDF-"):
        return "application/pdf"
    return None


def safe_filename(name: str | None, content_type: str, fallback: str) -> str:
    """A filename fit for a header: printable, no path, the extension the type says."""
    ext = EXTENSIONS[content_type]
    stem = (name or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    stem = re.sub(r"[^\w.\- ]+", "_", stem).strip(" ._")[:120]
    return f"{stem or fallback}.{ext}"


class AttachmentStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(
        self,
        conversation_id: int,
        data: bytes,
        content_type: str,
        filename: str,
        caption: str,
        now: datetime | None = None,
    ) -> tuple[HandoffMessage, HandoffAttachment]:
        """One resident message (the caption, or empty) with the file, in one transaction."""
        now = now or utcnow()
        message = HandoffMessage(
            conversation_id=conversation_id,
            direction=FROM_RESIDENT,
            text=caption[:4000],
            created_at=now,
        )
        values: dict[str, Any] = {
            "last_activity_at": now,
            "unread": HandoffConversation.unread + 1,
        }
        async with self.db.transaction() as session:
            session.add(message)
            await session.flush()
            assert message.id is not None
            attachment = HandoffAttachment(
                conversation_id=conversation_id,
                message_id=message.id,
                filename=filename,
                content_type=content_type,
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                data=data,
                created_at=now,
            )
            session.add(attachment)
            await session.execute(
                update(HandoffConversation)
                .where(col(HandoffConversation.id) == conversation_id)
                .values(**values)
            )
            await session.flush()
        return message, attachment

    async def get(self, attachment_id: int) -> HandoffAttachment | None:
        async with self.db.session() as session:
            return await session.get(HandoffAttachment, attachment_id)

    async def for_messages(self, message_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
        """What the transcript shows of each message's files (never the bytes)."""
        if not message_ids:
            return {}
        a = HandoffAttachment
        async with self.db.session() as session:
            rows = await session.execute(
                sa_select(
                    col(a.id), col(a.message_id), col(a.filename), col(a.content_type), col(a.size)
                )
                .where(col(a.message_id).in_(message_ids))
                .order_by(col(a.id))
            )
            found: dict[int, list[dict[str, Any]]] = {}
            for aid, mid, name, ctype, size in rows.all():
                found.setdefault(mid, []).append(
                    {"id": aid, "filename": name, "content_type": ctype, "size": size}
                )
            return found
