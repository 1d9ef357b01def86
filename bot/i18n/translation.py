"""gettext catalogs and the current locale.

The sources are locales/<locale>/LC_MESSAGES/messages.po in the repository; `make compile`
(and the wheel's build step, setup.py) compile them into the package, bot/locales/, which is
where Linzhu reads them. `require_catalogs` refuses to start without them: a missing or
outdated catalog would otherwise give residents English without a word of warning.

The locale lives in a ContextVar (bot.core.locale) set per message by the dispatcher, so
`_()` anywhere in a handler translates into the resident's language without passing it around.
"""

from __future__ import annotations

import gettext as _gettext
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from babel.support import LazyProxy, NullTranslations, Translations

from bot.core.locale import current_locale
from bot.i18n.locales import DEFAULT_LOCALE, LOCALES

DOMAIN = "messages"
# Compiled catalogs, inside the package (a wheel carries them).
PACKAGE_CATALOGS = Path(__file__).resolve().parent.parent / "locales"
# The .po sources, in a checkout (absent from an installed wheel).
SOURCE_CATALOGS = Path(__file__).resolve().parent.parent.parent / "locales"
_DEFAULT_DIR = PACKAGE_CATALOGS

_catalogs: dict[str, _gettext.NullTranslations] = {}
_catalog_dir: Path = _DEFAULT_DIR


class CatalogError(Exception):
    """A locale's compiled catalog is missing or older than its source; the message says which."""


def catalog_problems(
    directory: Path | None = None,
    sources: Path | None = None,
    *,
    domain: str = DOMAIN,
    locales: Sequence[str] = LOCALES,
) -> list[str]:
    """What is wrong with the compiled catalogs in `directory` (empty when nothing is).

    Every locale but English (the msgids' language) needs `<locale>/LC_MESSAGES/<domain>.mo`,
    no older than its `.po` — the one beside it, else the checkout's locales/ when present.
    The residents' domain is `messages`; the staff console has its own (`console`).
    """
    directory = directory or _DEFAULT_DIR
    sources = sources or SOURCE_CATALOGS
    problems = []
    for locale in locales:
        if locale == DEFAULT_LOCALE:
            continue
        mo = directory / locale / "LC_MESSAGES" / f"{domain}.mo"
        beside, checkout = mo.with_suffix(".po"), sources / locale / "LC_MESSAGES" / f"{domain}.po"
        po = next((path for path in (beside, checkout) if path.exists()), None)
        if not mo.exists():
            problems.append(f"{locale}: no compiled catalog {mo}")
        elif po is not None and po.stat().st_mtime > mo.stat().st_mtime:
            problems.append(f"{locale}: {mo} is older than {po}")
    return problems


def require_catalogs(directory: Path | None = None, sources: Path | None = None) -> None:
    """Load the catalogs, or raise CatalogError naming each missing or outdated one."""
    problems = catalog_problems(directory, sources)
    if problems:
        raise CatalogError(
            "translation catalogs are missing or out of date (run `make compile`, or install "
            "a wheel, which contains them):\n  " + "\n  ".join(problems)
        )
    load_catalogs(directory)


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
