"""gettext catalogs (compiled from locales/*/LC_MESSAGES/messages.po) and the current locale.

The locale lives in a ContextVar (bot.core.locale) set per message by the dispatcher, so
`_()` anywhere in a handler translates into the resident's language without passing it around.
"""

from __future__ import annotations

import gettext as _gettext
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from babel.support import LazyProxy, NullTranslations, Translations

from bot.core.locale import current_locale
from bot.i18n.locales import DEFAULT_LOCALE, LOCALES

DOMAIN = "messages"
_DEFAULT_DIR = Path(__file__).resolve().parent.parent.parent / "locales"

_catalogs: dict[str, _gettext.NullTranslations] = {}
_catalog_dir: Path = _DEFAULT_DIR


def load_catalogs(directory: Path | None = None) -> dict[str, bool]:
    """(Re)load every locale's compiled catalog; returns which ones were found."""
    global _catalog_dir
    _catalog_dir = directory or _DEFAULT_DIR
    found: dict[str, bool] = {}
    _catalogs.clear()
    for locale in LOCALES:
        mo = _catalog_dir / locale / "LC_MESSAGES" / f"{DOMAIN}.mo"
        if mo.exists():
            with mo.open("rb") as fh:
                _catalogs[locale] = Translations(fh, domain=DOMAIN)
            found[locale] = True
        else:
            _catalogs[locale] = NullTranslations()
            found[locale] = False
    return found


def translations(locale: str | None = None) -> _gettext.NullTranslations:
    if not _catalogs:
        load_catalogs(_catalog_dir)
    return _catalogs.get(locale or current_locale.get(), _catalogs[DEFAULT_LOCALE])


def gettext(message: str) -> str:
    """Translate into the current locale."""
    return translations().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Translate with the current locale's plural rules (callers still .format(n=…))."""
    return translations().ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    return translations().pgettext(context, message)


def lazy_gettext(message: str) -> LazyProxy:
    """For strings defined at import time: translated when rendered, in that moment's locale."""
    return LazyProxy(gettext, message, enable_cache=False)


def N_(message: str) -> str:
    """Mark a string for extraction without translating it now."""
    return message


_ = gettext


@contextmanager
def use_locale(locale: str) -> Iterator[None]:
    """Run a block in `locale` (the dispatcher uses this to render reminders at send time)."""
    token = current_locale.set(locale if locale in LOCALES else DEFAULT_LOCALE)
    try:
        yield
    finally:
        current_locale.reset(token)
