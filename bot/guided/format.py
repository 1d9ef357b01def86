"""Dates for the guides: bot/i18n/format.py's `format_date`, plus a month-and-year form."""

from __future__ import annotations

from datetime import date

import babel.dates

from bot.i18n.format import babel_locale, format_date

__all__ = ["format_date", "format_month"]


def format_month(d: date, locale: str) -> str:
    """Month and year (CLDR's yMMMM skeleton): September 2027, 2027年9月, septembre 2027."""
    return babel.dates.format_skeleton("yMMMM", d, locale=babel_locale(locale))
