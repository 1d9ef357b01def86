"""Photos and files a resident sends while staff are answering: fetched through their
channel, checked (size, then type by the bytes), kept with the transcript for staff.

A refused file gets a plain answer saying why; its caption still reaches staff, so nothing
the resident wrote is lost. Outside a live conversation none of this runs: a photo gets the
usual "please type" answer.
"""

from __future__ import annotations

import logging

from bot.core.channel import MediaTooLarge, MediaUnavailable
from bot.core.types import Fetched, Incoming, MediaRef, Reply
from bot.handlers.handoff import staff_group
from bot.i18n import _
from bot.i18n.format import FileSize
from bot.services import Ctx, Services
from bot.store.handoff.attachments import safe_filename, sniff
from bot.store.handoff.tables import FROM_RESIDENT, HandoffConversation

log = logging.getLogger(__name__)


def too_big(limit: int) -> Reply:
    return Reply(
        _(
            "This file is too big to pass on to staff (the limit is {size}). Please send a "
            "smaller photo, or the document in several pages."
        ).format(size=FileSize(limit))
    )


def not_accepted() -> Reply:
    return Reply(
        _(
            "Staff can only receive photos (JPEG, PNG, WebP, HEIC) and PDF files. Please "
            "send the document as a photo or a PDF."
        )
    )


def not_received() -> Reply:
    return Reply(_("I could not receive this file. Please send it again."))


async def fetch(svc: Services, channel: str, media: MediaRef) -> Fetched:
    """The file's bytes through its channel, within the size limit, or why not."""
    fetcher = svc.channels.fetcher(channel)
    if fetcher is None:
        return Fetched(error=MediaUnavailable(f"no fetcher for {channel}"))
    try:
        return Fetched(await fetcher.fetch(media, svc.settings.handoff_attachment_max_bytes))
    except (MediaTooLarge, MediaUnavailable) as exc:
        return Fetched(error=exc)


async def take_attachment(
    incoming: Incoming, ctx: Ctx, live: HandoffConversation, media: MediaRef, name: str | None
) -> list[Reply]:
    """Keep the file (and its caption) in the live conversation; [] or the refusal."""
    svc = ctx.services
    assert live.id is not None
    caption = (incoming.text or "").strip()
    limit = svc.settings.handoff_attachment_max_bytes
    refusal: Reply | None = None
    fetched = media.fetched or await fetch(svc, incoming.user.channel, media)
    data = fetched.data
    # A channel that hands the bytes in with the message (the web chat's upload) is held to
    # the same limit as a fetcher, which stops at it.
    if isinstance(fetched.error, MediaTooLarge) or len(data) > limit:
        refusal = too_big(limit)
    elif fetched.error is not None:
        refusal = not_received()
    content_type = sniff(data) if refusal is None else None
    if refusal is None and content_type is None:
        refusal = not_accepted()
    if refusal is not None or content_type is None:
        log.info("handoff: a %s from %s refused", media.kind, incoming.user.channel)
        if caption:  # what they wrote still reaches staff
            await svc.handoff.add_message(live.id, FROM_RESIDENT, caption, now=incoming.received_at)
            staff_group.forward(svc, live, name, caption)
        return [refusal or not_accepted()]
    fallback = "photo" if media.kind == "photo" else "document"
    filename = safe_filename(media.filename, content_type, fallback)
    await svc.attachments.add(
        live.id, data, content_type, filename, caption, now=incoming.received_at
    )
    staff_group.forward(svc, live, name, f"📎 {filename}" + (f"\n{caption}" if caption else ""))
    return []
