"""What events write to the outbox: reminders, promotion and cancellation notices, announcements.

Dedupe keys all start with `event:<event id>:`; everything one resident has pending for one
event starts with `event:<event id>:user:<user id>:`, so cancelling a registration cancels
exactly that person's reminders and notices with one prefix. Payloads carry every locale's
title: the dispatcher renders the message in the resident's locale when it sends it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.store import outbox
from bot.store.events.tables import Event, Registration
from bot.store.tables import User

REMINDER_KIND = "event_reminder"
PROMOTED_KIND = "event_promoted"
CANCELLED_KIND = "event_cancelled"
ANNOUNCEMENT_KIND = "event_announcement"
CHANGED_KIND = "event_changed"  # the time or place moved: the new details and calendar file
KINDS = (REMINDER_KIND, PROMOTED_KIND, CANCELLED_KIND, ANNOUNCEMENT_KIND, CHANGED_KIND)
REMINDER_OFFSETS = {"24h": timedelta(hours=24), "1h": timedelta(hours=1)}


def event_prefix(event_id: int) -> str:
    return f"event:{event_id}:"


def user_prefix(event_id: int, user_id: int) -> str:
    """Everything pending for this resident at this event (reminders and notices)."""
    return f"event:{event_id}:user:{user_id}:"


def reminder_prefix(event_id: int, user_id: int) -> str:
    """This resident's reminders for this event (what /reminders off cancels)."""
    return f"{user_prefix(event_id, user_id)}rem:"


def event_payload(event: Event) -> dict[str, Any]:
    """What a notice needs, calendar file included (`sequence`: the entry's SEQUENCE)."""
    return {
        "event_id": event.id,
        "title": dict(event.title),
        "description": dict(event.description),
        "starts_at": event.starts_at.isoformat(),
        "ends_at": event.ends_at.isoformat(),
        "place": event.place,
        "sequence": event.sequence or 0,
    }


async def write_reminders(
    session: AsyncSession, user: User, event: Event, reg: Registration, now: datetime
) -> int:
    """The 24 h and 1 h reminders of a registered resident who wants reminders."""
    if not user.reminders_enabled or user.id is None or event.id is None:
        return 0
    written = 0
    for when, offset in REMINDER_OFFSETS.items():
        due = event.starts_at - offset
        if due < now - timedelta(minutes=1):
            continue  # signed up later than this reminder would have gone out
        written += await outbox.enqueue(
            session,
            user_id=user.id,
            channel=user.channel,
            kind=REMINDER_KIND,
            payload={**event_payload(event), "when": when, "registration_id": reg.id},
            due_at=max(due, now),
            dedupe_key=f"{reminder_prefix(event.id, user.id)}{reg.id}.{reg.reminder_rev}:{when}",
        )
    return written


async def cancel_reminders(session: AsyncSession, event_id: int, user_id: int, reason: str) -> int:
    return await outbox.cancel_prefix(session, reminder_prefix(event_id, user_id), reason)


async def notify_promoted(
    session: AsyncSession, user: User, event: Event, reg: Registration, now: datetime
) -> None:
    assert user.id is not None and event.id is not None
    await outbox.enqueue(
        session,
        user_id=user.id,
        channel=user.channel,
        kind=PROMOTED_KIND,
        payload={**event_payload(event), "registration_id": reg.id},
        due_at=now,
        dedupe_key=f"{user_prefix(event.id, user.id)}promoted:{reg.id}",
    )


async def notify_cancelled(
    session: AsyncSession, user: User, event: Event, reg: Registration, was: str, now: datetime
) -> None:
    """Told to everyone who held a place or a queue position when staff cancel the event
    (with a cancellation calendar file for those who held a place)."""
    assert user.id is not None and event.id is not None
    await outbox.enqueue(
        session,
        user_id=user.id,
        channel=user.channel,
        kind=CANCELLED_KIND,
        payload={**event_payload(event), "was": was, "registration_id": reg.id},
        due_at=now,
        # Outside the user prefix: nothing the resident does later may cancel this notice.
        dedupe_key=f"{event_prefix(event.id)}cancelled:{user.id}",
    )


async def notify_changed(
    session: AsyncSession, user: User, event: Event, reg: Registration, now: datetime
) -> None:
    """The event moved (time or place): the new details, with the updated calendar file.

    Inside the resident's prefix (giving up the place cancels it); an earlier change not sent
    yet is replaced, so only the latest details go out.
    """
    assert user.id is not None and event.id is not None
    prefix = f"{user_prefix(event.id, user.id)}changed:{reg.id}:"
    await outbox.cancel_prefix(session, prefix, "superseded by a later change")
    await outbox.enqueue(
        session,
        user_id=user.id,
        channel=user.channel,
        kind=CHANGED_KIND,
        payload={**event_payload(event), "registration_id": reg.id},
        due_at=now,
        dedupe_key=f"{prefix}{event.sequence or 0}",
    )


async def announce(
    session: AsyncSession, user: User, event: Event, texts: dict[str, str], tag: str, now: datetime
) -> bool:
    assert user.id is not None and event.id is not None
    return await outbox.enqueue(
        session,
        user_id=user.id,
        channel=user.channel,
        kind=ANNOUNCEMENT_KIND,
        payload={**event_payload(event), "texts": dict(texts)},
        due_at=now,
        dedupe_key=f"{event_prefix(event.id)}notice:{tag}:{user.id}",
    )
