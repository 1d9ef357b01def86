"""Dates, times and numbers in the user's locale, on Shanghai time, from Babel's CLDR data.

Every user-facing word here ("tomorrow", "明天", weekday and month names) comes from CLDR,
so no locale needs hand-written strings. Datetimes must be timezone-aware: a naive one is
rejected, because guessing its zone is how a 15:00 appointment turns into 07:00.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Final
from zoneinfo import ZoneInfo

import babel.dates
import babel.numbers
import babel.units
from babel import Locale

from bot.core.locale import current_locale
from bot.i18n.locales import LOCALES

__all__ = [
    "SHANGHAI",
    "FileSize",
    "babel_locale",
    "format_date",
    "format_datetime",
    "format_file_size",
    "format_number",
    "format_relative_datetime",
    "format_time",
    "format_weekday",
    "join_date_time",
    "language_name",
    "to_shanghai",
]

SHANGHAI: Final = ZoneInfo("Asia/Shanghai")

# Our ids name a script; Babel wants a territory for the regional conventions.
_BABEL_IDS: Final[dict[str, str]] = {"zh_Hans": "zh_Hans_CN", "zh_Hant": "zh_Hant_TW"}
_WEEK: Final = 7


@lru_cache(maxsize=len(LOCALES))
def babel_locale(locale: str) -> Locale:
    """The Babel Locale for one of our locale ids (zh_Hans → zh_Hans_CN, zh_Hant → zh_Hant_TW)."""
    if locale not in LOCALES:
        raise ValueError(f"not a Linzhu locale: {locale!r}")
    return Locale.parse(_BABEL_IDS.get(locale, locale))


def to_shanghai(dt: datetime) -> datetime:
    """The same instant on Shanghai time; naive datetimes are a bug and raise TypeError."""
    if dt.tzinfo is None or dt.tzinfo.utcoffset(dt) is None:
        raise TypeError(f"naive datetime {dt.isoformat()}: pass an aware datetime")
    return dt.astimezone(SHANGHAI)


def _local_date(d: date | datetime) -> date:
    return to_shanghai(d).date() if isinstance(d, datetime) else d


def format_date(d: date | datetime, locale: str) -> str:
    """A calendar date in the locale's long form: "June 6, 2025", "2025年6月6日"."""
    return babel.dates.format_date(_local_date(d), "long", locale=babel_locale(locale))


def format_time(dt: datetime, locale: str) -> str:
    """A Shanghai wall-clock time in the locale's short form: "3:00 PM", "15:00", "오후 3:00"."""
    return babel.dates.format_time(to_shanghai(dt), "short", locale=babel_locale(locale))


def format_datetime(dt: datetime, locale: str) -> str:
    """Long date and short time, glued by the locale's pattern: "June 6, 2025, 3:00 PM"."""
    local = to_shanghai(dt)
    return join_date_time(format_date(local, locale), format_time(local, locale), locale)


def format_weekday(d: date | datetime, locale: str) -> str:
    """The weekday's full name: "Friday", "星期五", "金曜日", "vendredi"."""
    return babel.dates.format_date(_local_date(d), "EEEE", locale=babel_locale(locale))


def format_relative_datetime(dt: datetime, locale: str, now: datetime) -> str:
    """A datetime as a person says it, relative to `now` (both on Shanghai time).

    Yesterday/today/tomorrow use CLDR's relative day names ("tomorrow, 3:00 PM", "明天 15:00",
    "明日 15:00"); other days within a week get weekday, day and month ("Fri, June 6,
    3:00 PM"); anything further gets the full date with the year.
    """
    local, today = to_shanghai(dt), to_shanghai(now).date()
    offset = (local.date() - today).days
    loc = babel_locale(locale)
    time = format_time(local, locale)
    if abs(offset) <= 1:
        day = babel.dates.get_relative_name("day", offset, locale=loc)
        if day:
            return join_date_time(day, time, locale)
    if abs(offset) < _WEEK:
        return join_date_time(
            babel.dates.format_skeleton("MMMMEd", local, locale=loc), time, locale
        )
    return join_date_time(babel.dates.format_date(local.date(), "full", locale=loc), time, locale)


def format_number(n: int | float | Decimal, locale: str) -> str:
    """A number with the locale's separators: "1,234.5", "1 234,5", "1.234,5"."""
    return babel.numbers.format_decimal(n, locale=babel_locale(locale))


def format_file_size(n_bytes: int, locale: str) -> str:
    """A file size in the locale's units: "300 kB", "1.5 MB", "1,5 Mo", "10 МБ". Kilobytes
    below a megabyte, else megabytes to a tenth (1 kB = 1,024 bytes, as the limits are set)."""
    kilobytes = n_bytes / 1024
    if round(kilobytes) < 1024:
        value: float = max(1, round(kilobytes))
        unit = "digital-kilobyte"
    else:
        value, unit = round(kilobytes / 1024, 1), "digital-megabyte"
    return str(
        babel.units.format_unit(
            value, unit, length="short", format="#,##0.#", locale=babel_locale(locale)
        )
    )


@dataclass(frozen=True)
class FileSize:
    """A size in bytes that `str.format` writes in the locale of the message being answered
    (the ContextVar), for a text translated later than the size is known."""

    n_bytes: int

    def __format__(self, spec: str) -> str:
        return format_file_size(self.n_bytes, current_locale.get())


def format_duration(duration: timedelta, locale: str) -> str:
    """A duration in whole days, hours or minutes, in the locale's words: "24 hours",
    "2 小时", "1 час", "90 Minuten" (CLDR units, plural forms included)."""
    minutes = round(duration.total_seconds() / 60)
    if minutes and minutes % (24 * 60) == 0 and minutes >= 7 * 24 * 60:
        value, unit = minutes // (24 * 60), "duration-day"
    elif minutes and minutes % 60 == 0:
        value, unit = minutes // 60, "duration-hour"
    else:
        value, unit = minutes, "duration-minute"
    return str(babel.units.format_unit(value, unit, locale=babel_locale(locale)))


def join_date_time(day: str, time: str, locale: str) -> str:
    """Join a date part and a time with the locale's medium date-time pattern ("{1}, {0}")."""
    # Babel's own format_datetime does the same; quotes mark literal text in CLDR patterns.
    pattern = str(babel.dates.get_datetime_format("medium", locale=babel_locale(locale)))
    return pattern.replace("'", "").replace("{1}", day).replace("{0}", time)


def language_name(code: str, locale: str, *, capitalize: bool = False) -> str:
    """A language's name in `locale` from CLDR: "ja" → "Japanese", "日语", "japonais".

    `code` is one of our locale ids (zh_Hans) or a plain language code (zh). Residents never
    see codes, and a name stays in their language ("使用英语", not "使用English").
    """
    name = babel_locale(locale).languages.get(code) or Locale.parse(code).get_display_name(
        babel_locale(locale)
    )
    name = name or code
    return name[:1].upper() + name[1:] if capitalize else name
