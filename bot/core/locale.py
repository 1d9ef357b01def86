"""The reply locale of the message being handled: the choice, and the ContextVar that holds it.

The ContextVar lives here, at the floor, so that the dispatcher can set it without knowing
about gettext; `bot.i18n` reads it to translate.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import Literal

DEFAULT_LOCALE = "en"
LocaleSource = Literal["explicit", "detected", "platform", "default"]

current_locale: ContextVar[str] = ContextVar("linzhu_locale", default=DEFAULT_LOCALE)


@dataclass(frozen=True)
class LocaleChoice:
    """The reply locale for one message and what to do about it."""

    locale: str
    source: str = "default"  # a LocaleSource
    store: bool = False  # remember `locale` as the user's locale
    suggest_switch: str | None = None
    unsupported: str | None = None  # the language of a message Linzhu does not speak
