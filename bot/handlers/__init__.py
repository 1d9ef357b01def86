"""What the assistant does, one module per area; `build_routes` wires them together."""

from __future__ import annotations

from bot.core.router import Router, RouteTable


def build_routes() -> RouteTable:
    from bot.handlers import (
        consultations,
        events,
        fallback,
        mybookings,
        myevents,
        staff,
        start,
        upcoming,
    )

    root = Router("root")
    root.include(
        start.router,
        consultations.router,
        mybookings.router,
        staff.router,
        events.router,
        myevents.router,
        upcoming.router,
        fallback.router,
    )
    return root.freeze()
