"""Jinja filters: dates and times on Shanghai time in the staff member's language, and the
labels of codes (topics, modes, statuses, languages)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import babel.dates
import jinja2

from bot.i18n.format import babel_locale, to_shanghai
from bot.i18n.locales import NATIVE_NAMES
from bot.store.events.tables import localized
from bot.web.staff.i18n import console_locale, lt

TOPICS = {
    "school": lt("School enrolment"),
    "medical": lt("Medical help"),
    "living": lt("Daily life and residence"),
    "work": lt("Work"),
}
MODES = {"in_person": lt("In person"), "phone": lt("Phone"), "video": lt("Video")}
STATUSES = {
    "booked": lt("Booked"),
    "cancelled": lt("Cancelled"),
    "attended": lt("Attended"),
    "no_show": lt("No-show"),
    "registered": lt("Registered"),
    "waitlisted": lt("Waitlisted"),
    "draft": lt("Draft"),
    "published": lt("Published"),
    "open": lt("Waiting"),
    "claimed": lt("Claimed"),
    "closed": lt("Closed"),
    "sent": lt("Delivered"),
    "pending": lt("Sending"),
    "sending": lt("Sending"),  # claimed by a worker: as pending, to staff
    "failed": lt("Not delivered"),
    "undeliverable": lt("Undeliverable"),
}
ROLES = {"admin": lt("Administrator"), "desk": lt("Front desk"), "consultant": lt("Consultant")}
CHANNELS = {
    "telegram": "Telegram",
    "wechat": "WeChat",
    "web": "Web",
    "console": "CLI",
    "walkin": lt("Walk-in / phone"),
}


def _loc() -> Any:
    return babel_locale(console_locale.get())


def fmt_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    return babel.dates.format_datetime(to_shanghai(value), "short", locale=_loc())


def fmt_date(value: date | datetime | None, form: str = "medium") -> str:
    if value is None:
        return ""
    day = to_shanghai(value).date() if isinstance(value, datetime) else value
    return babel.dates.format_date(day, form, locale=_loc())


def fmt_day(value: date | datetime) -> str:
    """Weekday and date: "Tue, Dec 8", "12月8日周二"."""
    day = to_shanghai(value).date() if isinstance(value, datetime) else value
    return babel.dates.format_skeleton("MMMEd", day, locale=_loc())


def fmt_short_day(value: date) -> str:
    """For a chart's axis: "Nov 29", "11月29日"."""
    return babel.dates.format_skeleton("MMMd", value, locale=_loc())


def fmt_time(value: datetime | None) -> str:
    if value is None:
        return ""
    return babel.dates.format_time(to_shanghai(value), "HH:mm", locale=_loc())


def local_input(value: datetime | None) -> str:
    """For <input type=datetime-local>: 2026-12-08T14:00 on Shanghai time."""
    return to_shanghai(value).strftime("%Y-%m-%dT%H:%M") if value else ""


def label(table: dict[str, Any], code: str | None) -> str:
    return str(table.get(code or "", code or ""))


def install(env: jinja2.Environment) -> None:
    env.filters.update(
        dt=fmt_datetime,
        date=fmt_date,
        day=fmt_day,
        time=fmt_time,
        local_input=local_input,
        lang=lambda code: NATIVE_NAMES.get(code or "", code or ""),
        topic=lambda code: label(TOPICS, code),
        mode=lambda code: label(MODES, code),
        status=lambda code: label(STATUSES, code),
        role=lambda code: label(ROLES, code),
        channel=lambda code: label(CHANNELS, code),
        loc=lambda texts: localized(texts or {}, console_locale.get()),
    )
    env.globals.update(
        TOPIC_LABELS=TOPICS,
        MODE_LABELS=MODES,
        ROLE_LABELS=ROLES,
        LANGUAGES=NATIVE_NAMES,
    )
