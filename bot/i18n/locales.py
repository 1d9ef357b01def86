"""The locales Linzhu speaks; English is the catalogs' source language and the final fallback."""

from typing import Final

from bot.core.locale import DEFAULT_LOCALE

__all__ = ["DEFAULT_LOCALE", "LOCALES", "NATIVE_NAMES", "is_supported"]

LOCALES: Final[tuple[str, ...]] = ("en", "zh_Hans", "zh_Hant", "ja", "ko", "fr", "de", "es", "ru")

# Each language's name in its own language, for the /language buttons.
NATIVE_NAMES: Final[dict[str, str]] = {
    "en": "English",
    "zh_Hans": "简体中文",
    "zh_Hant": "繁體中文",
    "ja": "日本語",
    "ko": "한국어",
    "fr": "Français",
    "de": "Deutsch",
    "es": "Español",
    "ru": "Русский",
}


def is_supported(locale: str | None) -> bool:
    """True when `locale` is one of the nine locale ids Linzhu speaks."""
    return locale in LOCALES
