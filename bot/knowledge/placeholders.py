"""Placeholders in FAQ answers, filled when an answer is shown.

An answer that states a setting ("booking closes 2 hours before") or names a button ("tap
*Sign up*") goes stale when staff change the setting or a translator renames the button.
Answers write `{booking_cutoff}` or `{button_sign_up}` instead; the values come from the
running settings, the reminder schedule and the buttons' own labels (labels.py), in the
reader's language. `linzhu faq check` refuses a name that is not listed here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Final

from babel.lists import format_list

from bot.config import Settings, get_settings
from bot.i18n import use_locale
from bot.i18n.format import babel_locale, format_duration, format_number
from bot.knowledge import labels
from bot.knowledge.content import directory, medical_directory_path
from bot.store.consultations.tables import REMINDER_OFFSETS as BOOKING_REMINDERS
from bot.store.events.outbox import REMINDER_OFFSETS as EVENT_REMINDERS

PLACEHOLDER: Final = re.compile(r"\{([a-z_]+)\}")
_ELLIPSIS = "…"  # stands for the event or day a button names


def _durations(offsets: dict[str, timedelta]) -> tuple[timedelta, timedelta]:
    ordered = sorted(offsets.values(), reverse=True)
    return ordered[0], ordered[-1]


def _medical_languages(settings: Settings, locale: str) -> str:
    """The languages the medical directory says its places work in, named in `locale`:
    what /medical can actually find, so an answer never promises more."""
    known = {lang for e in directory(medical_directory_path(settings.faq_dir), "medical").entries
             for lang in e.languages}  # fmt: skip
    names = babel_locale(locale).languages
    ordered = sorted(known, key=lambda code: (code != "zh", code))
    return format_list([names.get(code, code) for code in ordered], locale=babel_locale(locale))


Value = Callable[[Settings, str], str]
VALUES: Final[dict[str, Value]] = {
    # consultations (settings)
    "booking_cutoff": lambda s, loc: format_duration(timedelta(hours=s.booking_cutoff_hours), loc),
    "booking_max_upcoming": lambda s, loc: format_number(s.booking_max_upcoming, loc),
    "booking_window": lambda s, loc: format_duration(timedelta(days=s.booking_window_days), loc),
    # reminder schedules (store constants)
    "booking_reminder_first": lambda s, loc: format_duration(_durations(BOOKING_REMINDERS)[0], loc),
    "booking_reminder_last": lambda s, loc: format_duration(_durations(BOOKING_REMINDERS)[1], loc),
    "event_reminder_first": lambda s, loc: format_duration(_durations(EVENT_REMINDERS)[0], loc),
    "event_reminder_last": lambda s, loc: format_duration(_durations(EVENT_REMINDERS)[1], loc),
    # what the directories can keep
    "medical_languages": _medical_languages,
    # button labels
    "button_sign_up": lambda s, loc: str(labels.SIGN_UP),
    "button_join_waitlist": lambda s, loc: str(labels.JOIN_WAITLIST),
    "button_cancel_my_place": lambda s, loc: str(labels.CANCEL_MY_PLACE),
    "button_cancel_event": lambda s, loc: str(labels.CANCEL_EVENT).format(title=_ELLIPSIS),
    "button_yes_cancel": lambda s, loc: str(labels.YES_CANCEL),
    "button_stop_event_reminders": lambda s, loc: str(labels.STOP_EVENT_REMINDERS),
    "button_reschedule": lambda s, loc: str(labels.RESCHEDULE_BOOKING).format(day=_ELLIPSIS),
    "button_cancel_booking": lambda s, loc: str(labels.CANCEL_BOOKING).format(day=_ELLIPSIS),
    "button_confirm_booking": lambda s, loc: str(labels.CONFIRM_BOOKING),
}
NAMES: Final = frozenset(VALUES)


def unknown_placeholders(text: str) -> list[str]:
    """Names in `text` that no value fills (for the loader's check)."""
    return [name for name in PLACEHOLDER.findall(text) if name not in NAMES]


def fill(text: str, locale: str, settings: Settings | None = None) -> str:
    """`text` with every known placeholder replaced by its value in `locale`."""
    if "{" not in text:
        return text
    current = settings or get_settings()
    with use_locale(locale):

        def value(match: re.Match[str]) -> str:
            make = VALUES.get(match.group(1))
            return make(current, locale) if make else match.group(0)

        return PLACEHOLDER.sub(value, text)
