"""Outbox kinds of the events area → replies, rendered in the current locale at send time.

The dispatcher (bot/reminders) sets the resident's locale (`use_locale`) and calls the
renderer of the row's kind with its payload. `RENDERERS` maps each kind to its renderer;
`register(renderers)` adds them to a dispatcher's registry.

/reminders off does not rely on the dispatcher: it cancels the resident's pending event
reminders in the outbox in the same transaction that stores the choice, and no reminders
are written for a resident who turned them off (bot/store/events/signup.py).
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from datetime import datetime
from typing import Any

from bot.core.types import Attachment, Button, Reply
from bot.events.ics import payload_ics
from bot.events.when import format_when
from bot.i18n import _, current_locale
from bot.knowledge.labels import STOP_EVENT_REMINDERS
from bot.store.events import outbox as eo
from bot.store.events.tables import REGISTERED, localized

Renderer = Callable[[dict[str, Any]], list[Reply]]


def _details(payload: dict[str, Any]) -> tuple[str, str]:
    """The title in the current locale, and the "when · where" lines."""
    locale = current_locale.get()
    title = localized(payload.get("title") or {}, locale)
    starts = datetime.fromisoformat(payload["starts_at"])
    ends = datetime.fromisoformat(payload["ends_at"])
    lines = [format_when(starts, ends, locale)]
    if payload.get("place"):
        lines.append(payload["place"])
    return title, "\n".join(lines)


def render_reminder(payload: dict[str, Any]) -> list[Reply]:
    title, details = _details(payload)
    if payload.get("when") == "1h":
        head = _("Reminder: *{title}* starts in one hour.").format(title=title)
    else:
        head = _("Reminder: *{title}* is tomorrow.").format(title=title)
    buttons = [
        Button(_("My events"), "events:mine"),
        Button(str(STOP_EVENT_REMINDERS), "events:rem:off"),
    ]
    return [Reply.of(f"{head}\n{details}", buttons)]


def _calendar(payload: dict[str, Any], *, cancelled: bool = False) -> list[Attachment]:
    ics = payload_ics(payload, current_locale.get(), cancelled=cancelled)
    return [ics] if ics is not None else []


def render_promoted(payload: dict[str, Any]) -> list[Reply]:
    title, details = _details(payload)
    head = _("Good news: a place opened up, and you are now registered for *{title}*.").format(
        title=title
    )
    calendar = _("Add it to your calendar with the attached file.")
    return [
        Reply.of(
            f"{head}\n{details}\n\n{calendar}",
            [Button(_("My events"), "events:mine")],
            _calendar(payload),
        )
    ]


def render_changed(payload: dict[str, Any]) -> list[Reply]:
    title, details = _details(payload)
    head = _("*{title}* has changed. The new details:").format(title=title)
    calendar = _("The attached file updates the entry in your calendar.")
    return [
        Reply.of(
            f"{head}\n{details}\n\n{calendar}",
            [Button(_("My events"), "events:mine")],
            _calendar(payload),
        )
    ]


def render_cancelled(payload: dict[str, Any]) -> list[Reply]:
    title, details = _details(payload)
    more = _("See the other upcoming events with /events.")
    if payload.get("was") != REGISTERED:
        head = _("Sorry: *{title}* has been cancelled, so the waitlist is closed.")
        return [Reply(f"{head.format(title=title)}\n{details}\n\n{more}")]
    head = _("Sorry: *{title}* has been cancelled. Your registration is cancelled too.")
    calendar = _("The attached file removes it from your calendar.")
    text = f"{head.format(title=title)}\n{details}\n\n{more}\n{calendar}"
    return [Reply.of(text, attachments=_calendar(payload, cancelled=True))]


def render_announcement(payload: dict[str, Any]) -> list[Reply]:
    title, details = _details(payload)
    text = localized(payload.get("texts") or {}, current_locale.get())
    head = _("A message about *{title}* ({when}):").format(title=title, when=details)
    return [Reply.of(f"{head}\n\n{text}", [Button(_("My events"), "events:mine")])]


RENDERERS: dict[str, Renderer] = {
    eo.REMINDER_KIND: render_reminder,
    eo.PROMOTED_KIND: render_promoted,
    eo.CANCELLED_KIND: render_cancelled,
    eo.ANNOUNCEMENT_KIND: render_announcement,
    eo.CHANGED_KIND: render_changed,
}


def register(renderers: MutableMapping[str, Renderer]) -> None:
    """Add the events area's renderers to a dispatcher's registry."""
    renderers.update(RENDERERS)


def render(kind: str, payload: dict[str, Any]) -> list[Reply]:
    """Render one outbox row of an events kind (KeyError for other kinds)."""
    return RENDERERS[kind](payload)
