"""Birth dates as parents type them, in each locale's habits.

Handles ISO and year-first numeric dates (2019-05-03, 2019/5/3, 2019.05.03), day-first
and month-first numeric dates (3/5/2019, 3.5.2019, 3/5/19), CJK dates (2019年5月3日,
2019년 5월 3일, 令和元年5月3日, 民國108年5月3日), dates with month names in English,
French, German, Spanish and Russian (May 3, 2019; 3 mai 2019; 3. Mai 2019; 3 de mayo de
2019; 3 мая 2019) and month-only dates (May 2019, 2019年5月, 05/2019).

Which of 3/5/2019's numbers is the day depends on the locale: day-first in fr, de, es, ru;
in English it depends on the country (the platform's language hint, en-US vs en-GB), and
without a country — or in the CJK locales, where people write year-first — the reading
is ambiguous and both candidates are returned for the resident to choose. A dot
(3.5.2019) is day-first everywhere. bench/date_parsing.py compares this with dateparser.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache

from babel import Locale

DAY_FIRST_LOCALES = frozenset({"fr", "de", "es", "ru"})
# English-speaking countries that write the month first.
MONTH_FIRST_REGIONS = frozenset({"us", "ph", "fm", "mh", "pw", "um", "as", "gu", "mp", "pr", "vi"})


class DateProblem(StrEnum):
    NO_DATE = "no_date"
    YEAR_ONLY = "year_only"
    INVALID = "invalid"  # looks like a date but is not one (31/02/2019, month 13)


@dataclass(frozen=True)
class BirthDate:
    """A parsed date; with month precision `value` is the 1st of the month."""

    value: date
    precision: str = "day"  # day | month
    alternative: date | None = None  # the other reading when day and month could swap

    @property
    def ambiguous(self) -> bool:
        return self.alternative is not None


_COMBINING_MARKS = re.compile("[\u0300-\u036f]")  # what NFKD splits accents into


def normalise(text: str) -> str:
    """Full-width to ASCII, lower case, Latin/Cyrillic accents removed (é→e, й→и)."""
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    text = _COMBINING_MARKS.sub("", text)
    return unicodedata.normalize("NFKC", text)


@lru_cache(maxsize=1)
def month_names() -> dict[str, int]:
    """Month names and abbreviations from CLDR (Babel) plus common spellings CLDR lacks."""
    names: dict[str, int] = {}
    for code in ("en", "fr", "de", "es", "ru"):
        months = Locale.parse(code).months
        for context in ("format", "stand-alone"):
            for width in ("wide", "abbreviated"):
                for number, name in months[context][width].items():
                    names[normalise(name).rstrip(".")] = number
    extras = {
        "sept": 9, "maerz": 3, "jaenner": 1, "janner": 1, "setiembre": 9,
        "январе": 1, "феврале": 2, "марте": 3, "апреле": 4, "мае": 5, "июне": 6,
        "июле": 7, "августе": 8, "сентябре": 9, "октябре": 10, "ноябре": 11, "декабре": 12,
    }  # fmt: skip
    names.update({normalise(k): v for k, v in extras.items()})
    return names


_ERAS = {"令和": 2018, "平成": 1988, "昭和": 1925, "民國": 1911, "民国": 1911}
_SEP = r"\s*[-/.]\s*"
_YEAR_FIRST = re.compile(
    r"(?P<era>令和|平成|昭和|民國|民国)?\s*(?P<y>\d{4}|\d{1,3}(?=\s*[年년])|元(?=\s*年))"
    r"\s*(?:年|년|-|/|\.)\s*(?P<m>\d{1,2})\s*(?:月|월)?"
    r"(?:\s*(?:[-/.]|(?<=[月월]))\s*(?P<d>\d{1,2})\s*(?:日|일|号|號)?)?(?!\d)"
)
_NUMERIC = re.compile(
    rf"(?<!\d)(?P<a>\d{{1,2}})(?P<sep>{_SEP})(?P<b>\d{{1,2}})(?P=sep)(?P<y>\d{{4}}|\d{{2}})(?!\d)"
)
_MONTH_YEAR_NUMERIC = re.compile(rf"(?<![\d.])(?P<m>\d{{1,2}}){_SEP}(?P<y>\d{{4}})(?!\d)")


@lru_cache(maxsize=1)
def _text_patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    month = "|".join(sorted((re.escape(n) for n in month_names()), key=len, reverse=True))
    m = rf"(?P<m>{month})\.?(?!\w)"
    d = r"(?P<d>\d{1,2})(?:st|nd|rd|th|er|e|o|º|°|\.)?"
    y = r"(?P<y>\d{4})(?!\d)"
    day_month_year = re.compile(rf"(?<!\d){d}\s*(?:de\s+|of\s+)?{m},?\s*(?:de\s+|del\s+)?{y}")
    month_day_year = re.compile(rf"(?<!\w){m}\s+{d},?\s+{y}")
    month_year = re.compile(rf"(?<!\w){m},?\s*(?:de\s+|del\s+|of\s+)?{y}")
    return day_month_year, month_day_year, month_year


def parse_birth_date(
    text: str, locale: str, *, today: date, region: str | None = None
) -> BirthDate | DateProblem:
    """Find one date in `text`; `region` is the platform's country hint ("us", "gb")."""
    s = normalise(text)
    for parse in (_parse_year_first, _parse_text, _parse_numeric):
        found = parse(s, locale, today, region)
        if found is not None:
            return found
    match = _MONTH_YEAR_NUMERIC.search(s)
    if match:
        return _make(int(match["y"]), int(match["m"]), None)
    if re.search(r"(?<!\d)(19|20)\d\d(?!\d)", s):
        return DateProblem.YEAR_ONLY
    return DateProblem.NO_DATE


def _parse_year_first(
    s: str, locale: str, today: date, region: str | None
) -> BirthDate | DateProblem | None:
    match = _YEAR_FIRST.search(s)
    if not match:
        return None
    era, raw_year = match["era"], match["y"]
    year = 1 if raw_year == "元" else int(raw_year)
    if era:
        year += _ERAS[era]
    elif year < 1000:
        if locale != "zh_Hant":
            return None  # a short year only makes sense as a Taiwanese (Minguo) year
        year += 1911
    day = int(match["d"]) if match["d"] else None
    return _make(year, int(match["m"]), day)


def _parse_text(
    s: str, locale: str, today: date, region: str | None
) -> BirthDate | DateProblem | None:
    day_month_year, month_day_year, month_year = _text_patterns()
    for pattern in (day_month_year, month_day_year):
        match = pattern.search(s)
        if match:
            return _make(int(match["y"]), month_names()[match["m"]], int(match["d"]))
    match = month_year.search(s)
    if match:
        return _make(int(match["y"]), month_names()[match["m"]], None)
    return None


def _parse_numeric(
    s: str, locale: str, today: date, region: str | None
) -> BirthDate | DateProblem | None:
    match = _NUMERIC.search(s)
    if not match:
        return None
    a, b = int(match["a"]), int(match["b"])
    year = int(match["y"])
    if len(match["y"]) == 2:
        year += 2000 if year <= today.year % 100 else 1900
    if match["sep"].strip() == "." or locale in DAY_FIRST_LOCALES:
        order = "dmy"
    elif locale == "en" and region:
        order = "mdy" if region.lower() in MONTH_FIRST_REGIONS else "dmy"
    else:
        order = "?"
    dmy, mdy = _make(year, b, a), _make(year, a, b)
    if order == "dmy":
        return dmy
    if order == "mdy":
        return mdy
    if isinstance(dmy, BirthDate) and isinstance(mdy, BirthDate):
        if dmy.value == mdy.value:
            return dmy
        first, second = (mdy, dmy) if locale == "en" and region is None else (dmy, mdy)
        return BirthDate(first.value, "day", alternative=second.value)
    if isinstance(dmy, BirthDate):
        return dmy
    return mdy


def _make(year: int, month: int, day: int | None) -> BirthDate | DateProblem:
    try:
        if day is None:
            return BirthDate(date(year, month, 1), "month")
        return BirthDate(date(year, month, day))
    except ValueError:
        return DateProblem.INVALID


def region_of(language_hint: str | None) -> str | None:
    """ "en-GB" → "gb"; None when the hint names no country."""
    if not language_hint:
        return None
    parts = re.split(r"[-_]", language_hint)
    return parts[1].lower() if len(parts) > 1 and len(parts[1]) == 2 else None
