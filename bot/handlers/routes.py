"""Every handler module's router, wired into one table; the order is the guards' order."""

from __future__ import annotations

from bot.core.router import Router, RouteTable
from bot.handlers import (
    emergency,
    faq,
    free_text,
    handoff,
    medical,
    privacy,
    schooling,
    staff,
    start,
    traffic,
)
from bot.handlers.consultations import booking, mine, reschedule
from bot.handlers.events import browse
from bot.handlers.events import mine as my_events


def build_routes() -> RouteTable:
    root = Router("root")
    root.include(
        emergency.router,  # first: an emergency is answered whatever else is going on
        # Second: while staff answer the resident, their messages go to staff, not the FAQ.
        handoff.staff_group.router,  # the staff Telegram group's replies, if one is set
        handoff.router,
        start.router,
        schooling.router,
        medical.router,
        booking.router,
        mine.router,
        reschedule.router,
        staff.router,
        browse.router,
        my_events.router,
        privacy.router,
        # Free text no flow step takes: small talk first, then the FAQ (free_text.py).
        free_text.router,
        faq.router,
        traffic.router,  # its hook counts every answered message for the dashboard
    )
    return root.freeze()
