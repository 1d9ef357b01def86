"""The console's own words, in English and Simplified Chinese (the staff's languages).

A separate gettext domain, `console` (locales/<locale>/LC_MESSAGES/console.po), so the seven
other resident locales need not carry staff strings. Python code marks them with `t()` (and
`lt()` for labels defined at import time); templates use `_()` through Jinja2's i18n
extension. `make update` extracts both; only zh_Hans is translated.
"""

from __future__ import annotations

import gettext as _gettext
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from babel.support import LazyProxy, NullTranslations, Translations

from bot.i18n.translation import CatalogError, catalog_problems
from bot.store.staff.tables import CONSOLE_LOCALES

DOMAIN = "console"
console_locale: ContextVar[str] = ContextVar("console_locale", default="en")
_catalogs: dict[str, _gettext.NullTranslations] = {}


def load(directory: Path) -> None:
    """Load the console's catalogs, or raise CatalogError naming a missing or outdated one."""
    problems = catalog_problems(directory, domain=DOMAIN, locales=CONSOLE_LOCALES)
    if problems:
        raise CatalogError(
            "the staff console's catalogs are missing or out of date (run `make compile`):\n  "
            + "\n  ".join(problems)
        )
    _catalogs.clear()
    for locale in CONSOLE_LOCALES:
        mo = directory / locale / "LC_MESSAGES" / f"{DOMAIN}.mo"
        if mo.exists():
            with mo.open("rb") as fh:
                _catalogs[locale] = Translations(fh, domain=DOMAIN)
        else:
            _catalogs[locale] = NullTranslations()


def _catalog() -> _gettext.NullTranslations:
    return _catalogs.get(console_locale.get()) or NullTranslations()


def t(message: str) -> str:
    """Translate a console string into the current staff member's language."""
    return _catalog().gettext(message)


def tn(singular: str, plural: str, n: int) -> str:
    return _catalog().ngettext(singular, plural, n)


def lt(message: str) -> LazyProxy:
    """For labels defined at import time: translated when shown."""
    return LazyProxy(t, message, enable_cache=False)


@contextmanager
def in_console_locale(locale: str) -> Iterator[None]:
    token = console_locale.set(locale if locale in CONSOLE_LOCALES else "en")
    try:
        yield
    finally:
        console_locale.reset(token)


def pick_locale(accept_language: str | None) -> str:
    """The login page's language before anyone is known: Chinese if the browser asks first."""
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh_Hans"
        if tag.startswith("en"):
            return "en"
    return "en"
