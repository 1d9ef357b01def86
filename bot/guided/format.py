"""Dates in the resident's locale with Babel.

LEAD: minimal stand-in; when bot/i18n/format.py lands in main, use its `format_date` and
`babel_locale` instead and keep only `format_month` (if it has no equivalent).
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import babel.dates
from babel import Locale

_BABEL_IDS = {"zh_Hans": "zh_Hans_CN", "zh_Hant": "zh_Hant_TW"}


@lru_cache(maxsize=16)
def babel_locale(locale: str) -> Locale:
    return Locale.parse(_BABEL_IDS.get(locale, locale))


def format_date(d: date, locale: str) -> str:
    """ "May 3, 2019", "2019年5月3日", "3 mai 2019"."""
    return babel.dates.format_date(d, "long", locale=babel_locale(locale))


def format_month(d: date, locale: str) -> str:
    """ "September 2027", "2027年9月", "septembre 2027"."""
    return babel.dates.format_skeleton("yMMMM", d, locale=babel_locale(locale))
