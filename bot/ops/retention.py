"""The retention run: `linzhu retention run [--dry-run]`, and once a day in the dispatcher.

The daily run lives wherever the reminder dispatcher does (inside `linzhu serve`, its
reminder process with `--workers`, or `linzhu dispatcher`). Every hour it tries to take a
lease that lasts a day (a fresh holder each time, so it is free again only after a day):
however many dispatchers run, the clean-up runs once a day.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from bot.config import Settings
from bot.core.dispatcher import Dispatcher
from bot.core.periodic import Periodic
from bot.store.db import Database
from bot.store.retention import RetentionPolicy, RetentionStore
from bot.store.shared import Leases

log = logging.getLogger(__name__)
LEASE = "retention-daily"
DAY = timedelta(hours=23, minutes=30)  # a little under a day, so the hourly check keeps time


def policy_from(settings: Settings) -> RetentionPolicy:
    return RetentionPolicy(
        state_days=settings.retention_state_days,
        booking_days=settings.retention_booking_days,
        questions_days=settings.retention_questions_days,
        activity_days=settings.retention_activity_days,
        inactive_days=settings.retention_inactive_days,
        transcripts_days=settings.retention_transcripts_days,
        registration_days=settings.retention_registration_days,
        feedback_days=settings.retention_feedback_days,
    )


async def run_if_due(db: Database, policy: RetentionPolicy) -> dict[str, int] | None:
    """Run unless some process already did today; what was deleted, or None."""
    if not await Leases(db).acquire(LEASE, uuid.uuid4().hex, DAY):
        return None
    done = await RetentionStore(db).run(policy)
    log.info("retention run: %s", ", ".join(f"{k} {n}" for k, n in done.items()) or "nothing to do")
    return done


class RetentionLoop(Periodic):
    """Hourly, after a minute: whichever dispatcher takes the day's lease runs it."""

    name = "retention"

    def __init__(
        self, db: Database, policy: RetentionPolicy, *, first: float = 60.0, every: float = 3600.0
    ) -> None:
        super().__init__(every=every, first=first)
        self.db = db
        self.policy = policy
        self.runs = 0

    async def run_once(self) -> None:
        if await run_if_due(self.db, self.policy) is not None:
            self.runs += 1


def retention_loop(settings: Settings, db: Database) -> RetentionLoop | None:
    if not settings.retention_in_dispatcher:
        return None
    return RetentionLoop(db, policy_from(settings))


def retention_component(dispatcher: Dispatcher) -> RetentionLoop | None:
    """`linzhu serve`: beside the reminder dispatcher, when it runs in this process."""
    settings = dispatcher.services.settings
    if not settings.reminders_in_serve:
        return None
    return retention_loop(settings, dispatcher.services.db)
