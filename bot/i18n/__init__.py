"""Languages: gettext translation, the locale ContextVar, detection and formatting."""

from bot.i18n.locales import DEFAULT_LOCALE, LOCALES, NATIVE_NAMES
from bot.i18n.translation import (
    N_,
    CatalogError,
    _,
    current_locale,
    gettext,
    lazy_gettext,
    load_catalogs,
    ngettext,
    pgettext,
    require_catalogs,
    use_locale,
)

__all__ = [
    "DEFAULT_LOCALE",
    "LOCALES",
    "NATIVE_NAMES",
    "N_",
    "CatalogError",
    "_",
    "current_locale",
    "gettext",
    "lazy_gettext",
    "load_catalogs",
    "ngettext",
    "pgettext",
    "require_catalogs",
    "use_locale",
]
