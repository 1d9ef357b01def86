"""Outbox kinds → the function that renders one into replies, in the current locale.

Areas add their kinds here (events will add registration reminders and waitlist notices).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.core.types import Reply

Renderer = Callable[[dict[str, Any]], list[Reply]]


def default_renderers() -> dict[str, Renderer]:
    from bot.handlers.consult_text import render_booking_reminder
    from bot.store.consult_tables import REMINDER_KIND

    renderers: dict[str, Renderer] = {REMINDER_KIND: render_booking_reminder}
    # Events area: reminders, promotion and cancellation notices, announcements.
    from bot.events.render import register as register_event_renderers

    register_event_renderers(renderers)
    return renderers
