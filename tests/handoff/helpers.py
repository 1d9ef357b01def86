"""Staffed hours for tests: always in, never in, or in from tomorrow morning."""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path

from bot.core.types import utcnow
from bot.i18n.format import to_shanghai
from bot.store.handoff.hours import StaffedHours

NO_HOLIDAYS = Path("/nonexistent-holidays")


def always() -> StaffedHours:
    return StaffedHours(
        {day: [(time(0, 0), time.max)] for day in range(7)}, "Asia/Shanghai", NO_HOLIDAYS
    )


def from_tomorrow() -> StaffedHours:
    """Staffed only tomorrow (Shanghai), 09:00–17:00: closed now, back tomorrow at nine."""
    tomorrow = (to_shanghai(utcnow()) + timedelta(days=1)).weekday()
    return StaffedHours({tomorrow: [(time(9, 0), time(17, 0))]}, "Asia/Shanghai", NO_HOLIDAYS)
