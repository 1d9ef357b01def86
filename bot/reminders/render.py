"""Outbox kinds → the function that renders one into replies, in the current locale.

Each area's texts live in its domain package (bot/consultations, bot/events), below both the
handlers and this dispatcher.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.consultations.text import (
    render_booking_cancelled,
    render_booking_moved,
    render_booking_reminder,
)
from bot.core.types import Reply
from bot.events.render import register as register_event_renderers
from bot.store.consultations.tables import CANCELLED_NOTICE_KIND, MOVED_NOTICE_KIND, REMINDER_KIND

Renderer = Callable[[dict[str, Any]], list[Reply]]


def default_renderers() -> dict[str, Renderer]:
    renderers: dict[str, Renderer] = {
        REMINDER_KIND: render_booking_reminder,
        CANCELLED_NOTICE_KIND: render_booking_cancelled,
        MOVED_NOTICE_KIND: render_booking_moved,
    }
    # Events: reminders, promotion and cancellation notices, announcements.
    register_event_renderers(renderers)
    return renderers
