"""Chooses the reply locale for each message (DESIGN.md, "Locale of a reply").

Until the detector lands this applies the order without detection: explicit choice,
stored locale, the platform's hint, the default.
"""

from __future__ import annotations

from bot.core.context import LocaleChoice
from bot.core.types import Incoming
from bot.i18n.locales import LOCALES
from bot.store.models import User


class DetectingLocaleResolver:
    def __init__(self, default: str) -> None:
        self.default = default

    def resolve(self, incoming: Incoming, user: User) -> LocaleChoice:
        if user.locale in LOCALES:
            return LocaleChoice(user.locale, user.locale_source or "default")
        hint = _platform_locale(incoming.language_hint)
        if hint:
            return LocaleChoice(hint, "platform", store=True)
        return LocaleChoice(self.default, "default")


def _platform_locale(code: str | None) -> str | None:
    if not code:
        return None
    code = code.replace("_", "-").lower()
    if code.startswith("zh"):
        return "zh_Hant" if any(t in code for t in ("hant", "tw", "hk", "mo")) else "zh_Hans"
    base = code.split("-", 1)[0]
    return base if base in LOCALES else None


def accept_language_locale(header: str | None, default: str = "en") -> str:
    """The first supported locale in an Accept-Language header."""
    for part in (header or "").split(","):
        locale = _platform_locale(part.split(";", 1)[0].strip())
        if locale:
            return locale
    return default
