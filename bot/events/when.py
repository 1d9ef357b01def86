"""An event's date and time as residents read it ("Sat, Dec 5, 2026, 14:00–16:00"), in their
locale on Shanghai time, built on the general helpers of bot/i18n/format.py."""

from __future__ import annotations

from datetime import datetime

import babel.dates
from babel import Locale

from bot.i18n import format
from bot.i18n.locales import DEFAULT_LOCALE, LOCALES

SHANGHAI = format.SHANGHAI


def babel_locale(locale: str) -> Locale:
    """Like format.babel_locale, but an unknown locale falls back to English."""
    return format.babel_locale(locale if locale in LOCALES else DEFAULT_LOCALE)


def format_day(dt: datetime, locale: str) -> str:
    """ "Sat, Dec 5, 2026", "2026年12月5日周六"."""
    return babel.dates.format_skeleton(
        "yMMMEd", dt.astimezone(SHANGHAI), locale=babel_locale(locale)
    )


def format_clock(dt: datetime, locale: str) -> str:
    return babel.dates.format_time(dt.astimezone(SHANGHAI), "short", locale=babel_locale(locale))


def format_when(starts: datetime, ends: datetime, locale: str) -> str:
    """The day and the times; both days when the event runs past midnight."""
    start_day, end_day = starts.astimezone(SHANGHAI).date(), ends.astimezone(SHANGHAI).date()
    if start_day == end_day:
        times = f"{format_clock(starts, locale)}–{format_clock(ends, locale)}"
        return format.join_date_time(format_day(starts, locale), times, locale)
    first = format.join_date_time(format_day(starts, locale), format_clock(starts, locale), locale)
    last = format.join_date_time(format_day(ends, locale), format_clock(ends, locale), locale)
    return f"{first} – {last}"
