"""The locales Linzhu speaks; English is the catalogs' source language and the final fallback."""

from typing import Final

LOCALES: Final[tuple[str, ...]] = ("en", "zh_Hans", "zh_Hant", "ja", "ko", "fr", "de", "es", "ru")
DEFAULT_LOCALE: Final[str] = "en"

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
