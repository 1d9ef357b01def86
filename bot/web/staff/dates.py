"""Days and times as staff type them (Shanghai local time) and as the stores want them (UTC)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from bot.core.types import utcnow
from bot.i18n.format import SHANGHAI


def today() -> date:
    return utcnow().astimezone(SHANGHAI).date()


def parse_day(value: str | None, default: date | None = None) -> date:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        return default or today()


def maybe_day(value: str | None) -> date | None:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def start_of(day: date) -> datetime:
    """Midnight in Shanghai, as an aware datetime."""
    return datetime.combine(day, time(0), tzinfo=SHANGHAI)


def days(day: date, n: int = 1) -> tuple[datetime, datetime]:
    """[start of `day`, start of `day` + n) in Shanghai time."""
    return start_of(day), start_of(day + timedelta(days=n))


def local(day: str, clock: str) -> datetime | None:
    """ "2026-12-08" + "14:30" → that moment in Shanghai; None when either does not parse."""
    try:
        return datetime.combine(date.fromisoformat(day), time.fromisoformat(clock), tzinfo=SHANGHAI)
    except ValueError:
        return None


def local_input(value: str | None) -> datetime | None:
    """An <input type=datetime-local> value ("2026-12-08T14:30") in Shanghai time."""
    try:
        parsed = datetime.fromisoformat((value or "").strip())
    except ValueError:
        return None
    return parsed.replace(tzinfo=SHANGHAI) if parsed.tzinfo is None else parsed


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())
