"""What the assistant does, one module per area; `build_routes` wires them together."""

from __future__ import annotations

from bot.core.router import Router, RouteTable


def build_routes() -> RouteTable:
    from bot.handlers import (
        consultations,
        emergency,
        events,
        faq,
        medical,
        mybookings,
        myevents,
        privacy,
        schooling,
        staff,
        start,
    )

    root = Router("root")
    root.include(
        emergency.router,
        start.router,
        schooling.router,
        medical.router,
        consultations.router,
        mybookings.router,
        staff.router,
        events.router,
        myevents.router,
        privacy.router,
        faq.router,
    )
    return root.freeze()
