"""How events read to residents: list entries, details, seats, category names."""

from __future__ import annotations

from babel.support import LazyProxy

from bot.core.types import Button
from bot.events.when import format_clock, format_day, format_when
from bot.handlers.events.payloads import ShowEvent
from bot.i18n import _, current_locale, lazy_gettext, ngettext
from bot.store.events.tables import CATEGORIES, REGISTERED, EventView, RegistrationView, localized

CATEGORY_NAMES: dict[str, LazyProxy] = {
    "jobs": lazy_gettext("Jobs and careers"),
    "start-up": lazy_gettext("Start-ups"),
    "business": lazy_gettext("Business"),
    "family": lazy_gettext("Family"),
    "health": lazy_gettext("Health"),
    "education": lazy_gettext("Education"),
    "community": lazy_gettext("Community"),
}
assert set(CATEGORY_NAMES) == set(CATEGORIES)
BUTTON_TITLE = 40  # characters of a title shown on a button


def title_of(event: EventView) -> str:
    return localized(event.title, current_locale.get())


def seats_text(event: EventView) -> str:
    left = event.seats_left
    if left is None:
        return _("Open to all, no sign-up limit")
    if left == 0:
        return _("Full: you can join the waitlist")
    return ngettext("{n} seat left", "{n} seats left", left).format(n=left)


def summary(event: EventView, mine: RegistrationView | None = None) -> str:
    """Title, when, where and seats: one entry of the list."""
    locale = current_locale.get()
    lines = [f"*{title_of(event)}*", format_when(event.starts_at, event.ends_at, locale)]
    if event.place:
        lines.append(event.place)
    lines.append(status_line(mine) if mine else seats_text(event))
    return "\n".join(lines)


def status_line(mine: RegistrationView) -> str:
    if mine.status == REGISTERED:
        return _("✓ You're registered")
    return _("You're on the waitlist (position {position})").format(position=mine.waitlist_position)


def details(event: EventView, mine: RegistrationView | None = None) -> str:
    """Everything about one event, for its own page."""
    locale = current_locale.get()
    parts = [summary(event, mine)]
    description = localized(event.description, locale)
    if description:
        parts.append(description)
    closes = event.closes_at
    parts.append(
        _("Registration closes {day}, {time}.").format(
            day=format_day(closes, locale), time=format_clock(closes, locale)
        )
    )
    return "\n\n".join(parts)


def event_button(event: EventView) -> Button:
    title = title_of(event)
    if len(title) > BUTTON_TITLE:
        title = title[: BUTTON_TITLE - 1] + "…"
    return Button(title, ShowEvent(event.id).encode())


def question_text(event: EventView, index: int) -> str:
    question = event.questions[index]
    text = localized(question.get("text") or {}, current_locale.get())
    head = _("*{title}*, question {number} of {total}:").format(
        title=title_of(event), number=index + 1, total=len(event.questions)
    )
    return f"{head}\n{text}"
