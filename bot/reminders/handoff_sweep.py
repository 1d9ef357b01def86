"""The handoff sweep: staff replies nobody is delivering, delivered every half minute.

A reply's delivery is started by whoever wrote it (the console, the staff group); a worker
that died between the claim and the record, or between the commit and the claim, leaves
the reply `sending` or `pending` with nobody to send it. The sweep finds those
(bot/handlers/handoff/delivery.py, `deliver_unattended`) and runs the usual delivery loop.

It runs beside the reminder dispatcher — inside `linzhu serve`, in the reminder process of
`serve --workers`, or in `linzhu dispatcher` — because that process is there once in the
usual deployment and holds every channel's sender (the standalone Telegram and WeChat ones,
the web chat's inbox); the N web workers would only repeat one another's queries. Where
several dispatchers do run (PostgreSQL, or `linzhu dispatcher` beside `serve`), their sweeps
overlap safely: a reply is sent by whoever claims it in the database, once.
"""

from __future__ import annotations

import logging

from bot.core.dispatcher import Dispatcher
from bot.core.periodic import Periodic
from bot.handlers.handoff.delivery import deliver_unattended
from bot.services import Services

log = logging.getLogger(__name__)
# Adds at most this to STALE_CLAIM (5 minutes) before a dead worker's reply goes out.
EVERY = 30.0


class HandoffSweep(Periodic):
    """A reply being sent when the server stops is let finish and recorded (the grace)."""

    name = "handoff-sweep"

    def __init__(self, services: Services, *, every: float = EVERY) -> None:
        super().__init__(every=every, grace=services.settings.shutdown_grace_seconds)
        self.services = services

    async def run_once(self) -> None:
        taken = await deliver_unattended(self.services)
        if taken:
            log.info("handoff sweep: delivered waiting replies in %s conversations", taken)


def handoff_sweep_component(dispatcher: Dispatcher) -> HandoffSweep | None:
    """`linzhu serve`: beside the reminder dispatcher, when it runs in this process."""
    if not dispatcher.services.settings.reminders_in_serve:
        return None
    return HandoffSweep(dispatcher.services)
